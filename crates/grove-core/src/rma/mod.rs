//! The inverse-variance model fitted on per-study estimates `yi` with sampling
//! variances `vi`: metafor's `rma.uni()` for an intercept-only model, with its
//! `confint()` (Q-profile intervals for tau², I² and H²) and `predict()` (prediction
//! interval).
//!
//! # Model (Viechtbauer 2010, metafor `rma.uni`)
//! Weights `wi = 1/(vi + tau2)` (`tau2 = 0` for the common-effect model), estimate
//! `beta = Σ wi yi / Σ wi`, variance `vb = 1/Σ wi`. With Hartung-Knapp (metafor
//! `test="knha"`; Hartung & Knapp 2001, Sidik & Jonkman 2002) `vb` is multiplied by
//! `s2w = Σ wi (yi - beta)² / (k - 1)` (set to 0 when that sum is `<= .Machine$double.eps`,
//! as metafor does, without the "ad hoc" truncation at 1) and the interval and test use
//! Student's t with `k - 1` df.
//!
//! Heterogeneity always uses the common-effect weights `1/vi` (metafor `QE`, `QEp`);
//! I² and H² follow metafor: for the common-effect model from Q (Higgins & Thompson
//! 2002), `I2 = max(0, 100 (QE - (k-1)) / QE)`, `H2 = QE/(k-1)`; for random effects from
//! tau² and the "typical" within-study variance `vt = (k-1) / tr(P)` with
//! `tr(P) = Σ wi - Σ wi² / Σ wi` (Higgins & Thompson 2002, eq. 9), `I2 = 100 tau2 /
//! (vt + tau2)`, `H2 = tau2/vt + 1`.

mod qprofile;
pub(crate) mod root;
mod tau2;

pub use qprofile::QProfileTrace;
pub(crate) use qprofile::tau2_interval_traced;
pub use tau2::{RootStep, ScoringStep};
pub(crate) use tau2::{paule_mandel_traced, scoring_traced};

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dist;
pub use crate::effect::Interval;
use crate::settings::{CiMethod, Tau2Estimator};

/// Coverage of every confidence and prediction interval (95%, metafor `level=95`).
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Common-effect ("fixed-effect") or random-effects model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// One true effect shared by all studies (metafor `method="EE"/"FE"`).
    Common,
    /// Study effects drawn from a normal distribution with variance tau².
    Random,
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Common => "common effect",
            Model::Random => "random effects",
        })
    }
}

/// One pooled estimate on the analysis scale (log scale for ratio measures).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// The pooled estimate, metafor's `beta`.
    pub estimate: f64,
    /// Its standard error, metafor's `se` (Knapp-Hartung scaled with
    /// [`CiMethod::HartungKnapp`]).
    pub se: f64,
    /// Confidence interval `estimate ± crit · se` (metafor `ci.lb`, `ci.ub`).
    pub ci: Interval,
    /// Test statistic `estimate / se` (metafor `zval`): z, or t with
    /// [`CiMethod::HartungKnapp`]. Infinite when `se` is 0, which happens with
    /// Hartung-Knapp when all estimates are equal (metafor then sets `s2w` to 0), and
    /// NaN when the estimate is 0 as well; [`Pooled::test`] returns the reason instead.
    pub stat: f64,
    /// Two-sided p-value of `stat` (metafor `pval`); NaN exactly when `stat` is.
    pub p: f64,
    /// Degrees of freedom of the t distribution (`k - 1`) with Hartung-Knapp, else
    /// `None` (metafor `ddf`).
    pub df: Option<f64>,
    /// Number of studies pooled.
    pub k: usize,
}

impl Pooled {
    /// A pooled estimate with its 95% CI and test of no effect: normal quantile and z test
    /// when `df` is `None` (metafor `test="z"`), t quantile and t test with `df` degrees of
    /// freedom otherwise (`test="knha"`): `ci.lb <- beta - crit * se`, `pval <- 2 * pt(abs(zval), df, lower.tail=FALSE)`.
    pub fn new(estimate: f64, se: f64, k: usize, df: Option<f64>) -> Pooled {
        let stat = estimate / se;
        let crit = critical_value(df);
        let p = match df {
            Some(d) => dist::t_two_sided_p(stat, d),
            None => dist::normal_two_sided_p(stat),
        };
        Pooled {
            estimate,
            se,
            ci: Interval {
                lower: estimate - crit * se,
                upper: estimate + crit * se,
            },
            stat,
            p,
            df,
            k,
        }
    }

    /// The test of no effect, `(stat, p)`.
    ///
    /// # Errors
    /// [`Undefined::ZeroStandardError`] when `se` is 0, so that `estimate / se` is not a
    /// finite statistic (metafor reports `zval` as `±Inf` or `NaN`).
    pub fn test(&self) -> Result<(f64, f64), Undefined> {
        if self.se > 0.0 && self.stat.is_finite() && !self.p.is_nan() {
            Ok((self.stat, self.p))
        } else {
            Err(Undefined::ZeroStandardError)
        }
    }
}

/// Heterogeneity statistics (metafor `QE`, `QEp`, `I2`, `H2`, `tau2`, `se.tau2` and
/// `confint()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heterogeneity {
    /// Cochran's Q, metafor `QE`.
    pub q: f64,
    /// Its degrees of freedom, `k - 1`.
    pub df: usize,
    /// `P(χ²_df > Q)`, metafor `QEp` (1 when `df` is 0).
    pub q_p: f64,
    /// I² in percent.
    pub i2: f64,
    /// H².
    pub h2: f64,
    /// Between-study variance tau² (0 for the common-effect model).
    pub tau2: f64,
    /// Standard error of tau² as metafor reports it (`se.tau2`); `None` for the
    /// common-effect model.
    pub se_tau2: Option<f64>,
    /// Q-profile confidence interval of tau² (Viechtbauer 2007; metafor
    /// `confint(type="QP")`); `None` for the common-effect model or when the search
    /// fails.
    pub tau2_ci: Option<Interval>,
    /// The tau² interval expressed as I² (percent), `100 t/(vt + t)`.
    pub i2_ci: Option<Interval>,
    /// The tau² interval expressed as H², `t/vt + 1`.
    pub h2_ci: Option<Interval>,
}

/// Prediction interval for the effect in a new study (random-effects model only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// metafor 3.8 `predict()`: `estimate ± crit · sqrt(se² + tau2)` with the critical
    /// value of the CI method (normal quantile, or t with `k - 1` df for Hartung-Knapp).
    pub normal: Interval,
    /// Higgins, Thompson & Spiegelhalter (2009): t quantile with `k - 2` df; `None`
    /// when `k < 3`.
    pub t: Option<Interval>,
}

/// Why a pooled result does not exist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Undefined {
    /// No study with an estimate.
    NoStudies,
    /// A random-effects model needs at least two studies.
    OneStudy,
    /// `yi` and `vi` have different lengths.
    LengthMismatch {
        /// Length of `yi`.
        yi: usize,
        /// Length of `vi`.
        vi: usize,
    },
    /// An estimate is not finite or a sampling variance is not positive and finite.
    InvalidStudy {
        /// Position of the study in the input.
        index: usize,
    },
    /// The estimator has no value for these data (the reason is given).
    Tau2NotEstimable(String),
    /// The method does not apply to the chosen effect measure.
    MeasureNotSupported(String),
    /// All weights are zero (for example Mantel-Haenszel risk ratios when no control
    /// arm has an event).
    ZeroTotalWeight,
    /// A test across subgroups needs at least two subgroups with an estimate.
    TooFewSubgroups,
    /// The standard error is 0 (for example Hartung-Knapp with identical estimates),
    /// so the test statistic is not finite.
    ZeroStandardError,
    /// The outcome is set to show no overall result (subtotals only, or no pooling, as
    /// RevMan's "totals" setting can say).
    NotShown,
    /// The pooled ratio exists on the log scale but is too large to be a number on its
    /// natural scale (its logarithm exceeds 709).
    OutOfRange {
        /// The pooled estimate on the log scale.
        log: f64,
    },
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undefined::NoStudies => f.write_str("no study has an estimable effect"),
            Undefined::OneStudy => f.write_str("a random-effects model needs at least two studies"),
            Undefined::LengthMismatch { yi, vi } => {
                write!(f, "{yi} estimates but {vi} variances")
            }
            Undefined::InvalidStudy { index } => write!(
                f,
                "study {} has a non-finite estimate or a non-positive variance",
                index + 1
            ),
            Undefined::Tau2NotEstimable(why) => write!(f, "tau² cannot be estimated: {why}"),
            Undefined::MeasureNotSupported(why) => f.write_str(why),
            Undefined::ZeroTotalWeight => f.write_str("the studies carry no weight"),
            Undefined::ZeroStandardError => {
                f.write_str("the standard error is zero, so there is no test statistic")
            }
            Undefined::TooFewSubgroups => {
                f.write_str("fewer than two subgroups have a pooled estimate")
            }
            Undefined::OutOfRange { log } => write!(
                f,
                "the pooled ratio is too large to show (its logarithm is {}); the trials' counts are extreme",
                crate::format::significant(*log, 3)
            ),
            Undefined::NotShown => {
                f.write_str("the outcome is set to show no overall result (as its review shows it)")
            }
        }
    }
}

impl std::error::Error for Undefined {}

impl Heterogeneity {
    /// Heterogeneity of a common-effect fit from Cochran's `q` over `k_yi` studies with an
    /// estimate (metafor `rma.mh`/`rma.peto`: `I2 <- max(0, 100*(QE-(k.yi-1))/QE)`,
    /// `H2 <- QE/(k.yi-1)`, `QEp <- pchisq(QE, df=k.yi-1, lower.tail=FALSE)`). When not
    /// `defined` (fewer than two such studies) P is 1, I² 0 and H² 1, as metafor reports.
    pub(crate) fn common(q: f64, k_yi: usize, defined: bool) -> Heterogeneity {
        let (q_p, i2, h2) = if defined && k_yi > 1 {
            let df = (k_yi - 1) as f64;
            let i2 = if q > 0.0 {
                (100.0 * (1.0 - df / q)).max(0.0)
            } else {
                0.0
            };
            (dist::chi2_sf(q, df), i2, q / df)
        } else {
            (1.0, 0.0, 1.0)
        };
        Heterogeneity {
            q,
            df: k_yi.saturating_sub(1),
            q_p,
            i2,
            h2,
            tau2: 0.0,
            se_tau2: None,
            tau2_ci: None,
            i2_ci: None,
            h2_ci: None,
        }
    }
}

/// The two-sided 95% critical value: the normal quantile (`df = None`) or Student's t with
/// `df` degrees of freedom (metafor `crit <- qnorm(level)` / `qt(level, df)`).
pub(crate) fn critical_value(df: Option<f64>) -> f64 {
    let level = 1.0 - (1.0 - CONFIDENCE_LEVEL) / 2.0;
    match df {
        Some(d) => dist::t_quantile(level, d),
        None => dist::normal_quantile(level),
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Common effect or random effects.
    pub model: Model,
    /// The pooled estimate.
    pub pooled: Pooled,
    /// Heterogeneity statistics.
    pub heterogeneity: Heterogeneity,
    /// Weight of each study in percent, in input order (for Mantel-Haenszel and Peto:
    /// one per table, 0 for tables that contribute nothing).
    pub weights: Vec<f64>,
    /// Prediction interval (random-effects model only).
    pub prediction: Option<Prediction>,
}

/// Fits the inverse-variance model to `yi` with sampling variances `vi`
/// (metafor `rma.uni(yi, vi, method=..., test=...)` plus `confint()` and `predict()`).
///
/// For [`Model::Common`] the `tau2` argument is ignored. A single study is fitted as
/// metafor and RevMan 5 fit it, in either model: its own estimate and standard error,
/// tau² = 0 (one study carries no information about the spread between studies: metafor
/// fixes tau² at 0 when k = 1), Q = 0, I² = 0, H² = 1, no tau² interval, and the Wald
/// test even when Hartung-Knapp is asked for, since t would have 0 df.
///
/// # Errors
/// [`Undefined`] when there is no study, invalid input, or the estimator fails (metafor
/// stops with an error in the same cases).
///
/// ```
/// use grove_core::rma::{fit, Model};
/// use grove_core::{CiMethod, Tau2Estimator};
/// let f = fit(&[0.1, 0.5], &[0.04, 0.04], Model::Common, Tau2Estimator::DerSimonianLaird,
///             CiMethod::Wald).unwrap();
/// assert!((f.pooled.estimate - 0.3).abs() < 1e-12);
/// ```
pub fn fit(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<Fit, Undefined> {
    check_input(yi, vi)?;
    let k = yi.len();
    let (tau2_value, se_tau2) = match model {
        Model::Common => (0.0, None),
        // metafor: "tau2 fixed to 0 when k = 1".
        Model::Random if k == 1 => (0.0, None),
        Model::Random => {
            let est = tau2::estimate(yi, vi, tau2)?;
            (est.tau2, Some(est.se))
        }
    };
    Ok(fit_given(yi, vi, model, tau2_value, se_tau2, ci))
}

/// The random-effects model with a tau² given rather than estimated (RevMan 5's random
/// effects after Mantel-Haenszel or Peto pooling, whose DerSimonian-Laird tau² comes from
/// that method's Q). Heterogeneity as in [`fit`], from `yi` and `vi`.
///
/// # Errors
/// As [`fit`]; also [`Undefined::Tau2NotEstimable`] when `tau2` is negative or not
/// finite.
pub fn fit_with_tau2(yi: &[f64], vi: &[f64], tau2: f64, ci: CiMethod) -> Result<Fit, Undefined> {
    check_input(yi, vi)?;
    if !(tau2.is_finite() && tau2 >= 0.0) {
        return Err(Undefined::Tau2NotEstimable(format!(
            "tau² = {tau2} is not a variance"
        )));
    }
    let tau2 = if yi.len() == 1 { 0.0 } else { tau2 };
    Ok(fit_given(yi, vi, Model::Random, tau2, None, ci))
}

/// The fit for valid input and a known tau² (0 for the common-effect model).
fn fit_given(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2_value: f64,
    se_tau2: Option<f64>,
    ci: CiMethod,
) -> Fit {
    let k = yi.len();
    // metafor sets test="z" when k = 1 ("Cannot use test='knha' since k=1").
    let ci = if k == 1 { CiMethod::Wald } else { ci };

    let wi: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2_value)).collect();
    let sw: f64 = wi.iter().sum();
    let beta = wi.iter().zip(yi).map(|(w, y)| w * y).sum::<f64>() / sw;
    let mut vb = 1.0 / sw;
    let df = match ci {
        CiMethod::Wald => None,
        CiMethod::HartungKnapp => {
            // metafor: RSS.knha <- sum(wi*(yi - beta)^2);
            // s2w <- if (RSS.knha <= .Machine$double.eps) 0 else RSS.knha / (k-p)
            let rss: f64 = wi.iter().zip(yi).map(|(w, y)| w * (y - beta).powi(2)).sum();
            let s2w = if rss <= f64::EPSILON {
                0.0
            } else {
                rss / (k - 1) as f64
            };
            vb *= s2w;
            Some((k - 1) as f64)
        }
    };
    let se = vb.sqrt();
    let pooled = Pooled::new(beta, se, k, df);

    let base = heterogeneity_q(yi, vi);
    let (i2, h2) = match model {
        Model::Common => (base.i2_common, base.h2_common),
        Model::Random => base.from_tau2(tau2_value),
    };
    let (tau2_ci, i2_ci, h2_ci) = match model {
        Model::Common => (None, None, None),
        Model::Random if k == 1 => (None, None, None),
        Model::Random => match qprofile::tau2_interval(yi, vi, tau2_value) {
            Some(iv) => {
                let (il, hl) = base.from_tau2(iv.lower);
                let (iu, hu) = base.from_tau2(iv.upper);
                (
                    Some(iv),
                    Some(Interval {
                        lower: il,
                        upper: iu,
                    }),
                    Some(Interval {
                        lower: hl,
                        upper: hu,
                    }),
                )
            }
            None => (None, None, None),
        },
    };
    let heterogeneity = Heterogeneity {
        q: base.q,
        df: k - 1,
        q_p: base.q_p,
        i2,
        h2,
        tau2: tau2_value,
        se_tau2,
        tau2_ci,
        i2_ci,
        h2_ci,
    };
    let prediction = match model {
        Model::Common => None,
        Model::Random => Some(prediction(beta, se, tau2_value, critical_value(df), k)),
    };
    let weights = wi.iter().map(|w| 100.0 * w / sw).collect();
    Fit {
        model,
        pooled,
        heterogeneity,
        weights,
        prediction,
    }
}

/// The tau² estimate alone (metafor `rma.uni(...)$tau2`, truncated at 0).
///
/// # Errors
/// As [`fit`] for a random-effects model.
pub fn estimate_tau2(yi: &[f64], vi: &[f64], tau2: Tau2Estimator) -> Result<f64, Undefined> {
    check_input(yi, vi)?;
    if yi.len() < 2 {
        return Err(Undefined::OneStudy);
    }
    Ok(tau2::estimate(yi, vi, tau2)?.tau2)
}

/// Standard error of tau² as metafor reports it (`se.tau2`).
///
/// # Errors
/// As [`estimate_tau2`].
pub fn tau2_with_se(yi: &[f64], vi: &[f64], tau2: Tau2Estimator) -> Result<(f64, f64), Undefined> {
    check_input(yi, vi)?;
    if yi.len() < 2 {
        return Err(Undefined::OneStudy);
    }
    let e = tau2::estimate(yi, vi, tau2)?;
    Ok((e.tau2, e.se))
}

/// Cochran's Q with its p-value and the I²/H² of a set of estimates, computed as
/// metafor `rma.uni` does for any model (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QStatistics {
    /// Cochran's Q around the common-effect estimate (`QE`).
    pub q: f64,
    /// `P(χ²_{k-1} > Q)` (`QEp`), 1 when `k = 1`.
    pub q_p: f64,
    /// metafor's typical within-study variance `vt = (k-1)/tr(P)` (0 when `k = 1`).
    pub vt: f64,
    /// I² of the common-effect model, `max(0, 100 (Q - (k-1))/Q)` (0 when `k = 1`).
    pub i2_common: f64,
    /// H² of the common-effect model, `Q/(k-1)` (1 when `k = 1`).
    pub h2_common: f64,
}

impl QStatistics {
    /// I² (percent) and H² for a given tau²: `100 tau2/(vt + tau2)`, `tau2/vt + 1`. I²
    /// is computed as `100 (1 - vt/(vt + tau2))`, the same number, which cannot round
    /// above 100 when tau² dwarfs vt (and `100 (1 - df/Q)` likewise for Q).
    pub fn from_tau2(&self, tau2: f64) -> (f64, f64) {
        if self.vt == 0.0 {
            return (0.0, 1.0);
        }
        (
            100.0 * (1.0 - self.vt / (self.vt + tau2)),
            tau2 / self.vt + 1.0,
        )
    }
}

/// Q, its p-value and the common-effect I²/H² (metafor `rma.uni`: `QE`, `QEp`, `vt`,
/// `I2`, `H2`), for valid input (`vi > 0`, at least one study).
pub fn heterogeneity_q(yi: &[f64], vi: &[f64]) -> QStatistics {
    let k = yi.len();
    if k <= 1 {
        // metafor: QE <- 0; QEp <- 1; I2 <- 0; H2 <- 1; vt <- 0
        return QStatistics {
            q: 0.0,
            q_p: 1.0,
            vt: 0.0,
            i2_common: 0.0,
            h2_common: 1.0,
        };
    }
    let wi: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
    // metafor: QE <- max(0, c(crossprod(Y,P) %*% Y))
    let q = weighted_rss(yi, &wi).max(0.0);
    let dfq = (k - 1) as f64;
    let q_p = dist::chi2_sf(q, dfq);
    let tr_p = trace_p(&wi);
    let vt = dfq / tr_p;
    // metafor: I2 <- max(0, 100 * (QE - (k-p)) / QE); with QE = 0 this is max(0, -Inf) = 0.
    let i2_common = if q > 0.0 {
        (100.0 * (1.0 - dfq / q)).max(0.0)
    } else {
        0.0
    };
    QStatistics {
        q,
        q_p,
        vt,
        i2_common,
        h2_common: q / dfq,
    }
}

/// Same length, at least one study, finite `yi`, positive finite `vi`.
pub(crate) fn check_input(yi: &[f64], vi: &[f64]) -> Result<(), Undefined> {
    if yi.len() != vi.len() {
        return Err(Undefined::LengthMismatch {
            yi: yi.len(),
            vi: vi.len(),
        });
    }
    if yi.is_empty() {
        return Err(Undefined::NoStudies);
    }
    for (index, (y, v)) in yi.iter().zip(vi).enumerate() {
        if !y.is_finite() || !v.is_finite() || *v <= 0.0 {
            return Err(Undefined::InvalidStudy { index });
        }
    }
    Ok(())
}

/// metafor 3.8 `predict.rma()` and Higgins et al. (2009).
fn prediction(beta: f64, se: f64, tau2: f64, crit: f64, k: usize) -> Prediction {
    // metafor: pi.lb <- pred - crit * sqrt(vpred + tau2)
    let sd = (se * se + tau2).sqrt();
    let normal = Interval {
        lower: beta - crit * sd,
        upper: beta + crit * sd,
    };
    let t = (k >= 3).then(|| {
        let q = dist::t_quantile(1.0 - (1.0 - CONFIDENCE_LEVEL) / 2.0, (k - 2) as f64);
        Interval {
            lower: beta - q * sd,
            upper: beta + q * sd,
        }
    });
    Prediction { normal, t }
}

/// `tr(P) = Σ wi - Σ wi²/Σ wi` for `P = W - w w'/Σ w` (metafor `trP`), computed as
/// `Σ wi (Σ_{j≠i} wj) / Σ w` with the sums over the other studies taken from prefix and
/// suffix sums: the difference form cancels to nonsense (even a negative trace, and I²
/// above 100%) when one weight exceeds the others by more than 2⁵³, this one does not.
pub(crate) fn trace_p(w: &[f64]) -> f64 {
    let s: f64 = w.iter().sum();
    w.iter()
        .zip(sum_of_others(w))
        .map(|(wi, others)| wi * others)
        .sum::<f64>()
        / s
}

/// For each `i`, `Σ_{j≠i} x_j`, from prefix and suffix sums (no subtraction, so no
/// cancellation for non-negative `x`).
pub(crate) fn sum_of_others(x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    let mut prefix = 0.0;
    for (o, xi) in out.iter_mut().zip(x) {
        *o = prefix;
        prefix += xi;
    }
    let mut suffix = 0.0;
    for (o, xi) in out.iter_mut().zip(x).rev() {
        *o += suffix;
        suffix += xi;
    }
    out
}

/// `Σ wi (yi - ŷ)²` with `ŷ = Σ wi yi / Σ wi`: metafor's `crossprod(Y,P) %*% Y` with
/// `P = W - W X (X'WX)⁻¹ X'W` for an intercept-only model.
pub(crate) fn weighted_rss(y: &[f64], w: &[f64]) -> f64 {
    let sw: f64 = w.iter().sum();
    let mean = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / sw;
    w.iter().zip(y).map(|(w, y)| w * (y - mean).powi(2)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_input_without_panicking() {
        let e = |yi: &[f64], vi: &[f64]| {
            fit(
                yi,
                vi,
                Model::Random,
                Tau2Estimator::RestrictedMaximumLikelihood,
                CiMethod::Wald,
            )
            .unwrap_err()
        };
        assert_eq!(e(&[], &[]), Undefined::NoStudies);
        assert_eq!(
            e(&[1.0], &[1.0, 2.0]),
            Undefined::LengthMismatch { yi: 1, vi: 2 }
        );
        assert_eq!(
            e(&[1.0, f64::NAN], &[1.0, 1.0]),
            Undefined::InvalidStudy { index: 1 }
        );
        assert_eq!(
            e(&[1.0, 2.0], &[0.0, 1.0]),
            Undefined::InvalidStudy { index: 0 }
        );
    }

    /// metafor 3.8.1, `rma(yi=0.4, vi=0.09, method=m)` for all eight estimators: beta 0.4,
    /// se 0.3, tau2 0, QE 0, I2 0, H2 1; `test="knha"` falls back to z; `predict()` gives
    /// the CI as the prediction interval; `confint()` stops ("k = 1").
    #[test]
    fn one_study_is_its_own_estimate_with_tau2_zero_in_either_model() {
        for model in [Model::Common, Model::Random] {
            for ci in [CiMethod::Wald, CiMethod::HartungKnapp] {
                let f = fit(&[0.4], &[0.09], model, Tau2Estimator::PauleMandel, ci).unwrap();
                assert_eq!((f.pooled.estimate, f.pooled.se), (0.4, 0.3));
                assert_eq!(f.pooled.df, None);
                let h = &f.heterogeneity;
                assert_eq!((h.q, h.df, h.i2, h.h2, h.tau2), (0.0, 0, 0.0, 1.0, 0.0));
                assert_eq!(h.tau2_ci, None);
                // metafor 3.8.1 predict(): pi.lb = ci.lb = -0.1880 (tau2 = 0).
                if let Some(p) = &f.prediction {
                    assert_eq!(p.normal, f.pooled.ci);
                    assert!((p.normal.lower - -0.18798919).abs() < 1e-7);
                    assert_eq!(p.t, None);
                }
            }
        }
        let f = fit_with_tau2(&[0.4], &[0.09], 0.7, CiMethod::Wald).unwrap();
        assert_eq!(f.heterogeneity.tau2, 0.0);
        assert!(fit_with_tau2(&[0.4, 0.1], &[0.09, 0.1], f64::NAN, CiMethod::Wald).is_err());
    }

    #[test]
    fn weights_sum_to_100() {
        let f = fit(
            &[0.1, 0.4, -0.2],
            &[0.1, 0.2, 0.3],
            Model::Random,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap();
        assert!((f.weights.iter().sum::<f64>() - 100.0).abs() < 1e-12);
    }
}
