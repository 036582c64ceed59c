//! Sensitivity analyses: leave-one-out and cumulative meta-analysis (metafor
//! `leave1out()` and `cumul()`), without refitting the model for each step where the
//! estimator allows it.
//!
//! # Algorithm
//!
//! Every fit in these analyses is of a subset of the studies: all but study `i`
//! (leave-one-out) or the first `j` in a chosen order (cumulative). Each step needs, for
//! its subset `S`,
//!
//! ```text
//! k = |S|       W = Σ wi       ȳw = Σ wi·yi / W       QE = Σ wi (yi − ȳw)²     (wi = 1/vi)
//! W2 = Σ wi²    V = Σ vi       ȳ = Σ yi / k           SS = Σ (yi − ȳ)²
//! ```
//!
//! These are *mergeable*: the weighted mean and sum of squared deviations of a union of
//! two disjoint sets follow from those of the parts (Chan, Golub & LeVeque 1979:
//! `M2 = M2a + M2b + δ²·Wa·Wb/(Wa + Wb)`, `δ = ȳa − ȳb`), without the cancellation of
//! `Σwy² − (Σwy)²/Σw`. One pass builds prefix summaries (studies `1..i`) and one pass
//! suffix summaries (`i..k`); leave-one-out step `i` merges prefix `i − 1` with suffix
//! `i + 1`, cumulative step `j` is prefix `j`. So `QE`, its p-value and every
//! closed-form tau² take O(1) per step and O(k) in all:
//!
//! * `DL` (DerSimonian & Laird 1986): `tau2 = max(0, (QE − (k − 1)) / (W − W2/W))`
//! * `HE` (Hedges 1983): `tau2 = max(0, SS/(k − 1) − V/k)`
//! * `HS` (Hunter & Schmidt 2004): `tau2 = max(0, (QE − k)/W)`
//!
//! as metafor `rma.uni` writes them for an intercept-only model (`(RSS − (k−p))/trP`,
//! `(RSS − trPV)/(k−p)`, `(RSS − k)/sum(wi)`). The common-effect model needs nothing more
//! (`μ̂ = ȳw`, `SE = 1/√W`).
//!
//! The random-effects estimate itself, `μ̂ = Σ wi*·yi / Σ wi*` with `wi* = 1/(vi + tau2)`,
//! depends on each step's own tau², so no fixed set of sums yields it for every step: it
//! takes one pass over the step's studies (O(k) per step), except when tau² is 0 (then it
//! is the common-effect estimate, O(1)). Sidik & Jonkman's estimator (`SJ`: `tau2 =
//! tau2₀·Σ wi⁰(yi − μ̂⁰)²/(k − 1)`, `wi⁰ = 1/(vi + tau2₀)`, `tau2₀ = SS/k`) likewise takes
//! one pass. No step iterates or allocates.
//!
//! Iterative estimators (REML, ML, PM, EB) are refitted on each subset with
//! [`rma::fit`].
//!
//! # Conventions (metafor `rma.uni`)
//!
//! * `I2 = 100·tau2/(vt + tau2)`, `H2 = tau2/vt + 1` with the typical within-study
//!   variance `vt = (k − 1)/(W − W2/W)` for random effects; `I2 = max(0, 100·(QE −
//!   (k − 1))/QE)`, `H2 = QE/(k − 1)` for the common-effect model.
//! * A step with a single study has `tau2 = 0`, `QE = 0` on 0 df (`QEp = 1`), `I2 = 0`,
//!   `H2 = 1`, and a Wald interval (metafor switches `test` to `"z"` when `k = 1`).
//! * Hartung-Knapp: `SE² = Σ wi*(yi − μ̂)² / ((k − 1)·Σ wi*)`, t quantile on `k − 1` df,
//!   not truncated (metafor `test="knha"`).
//!
//! References: metafor `leave1out.rma.uni`, `cumul.rma.uni` (R/leave1out.rma.uni.r,
//! R/cumul.rma.uni.r), which refit `rma.uni` on each subset; Chan TF, Golub GH, LeVeque
//! RJ (1979), Updating formulae and a pairwise algorithm for computing sample variances,
//! Stanford CS report STAN-CS-79-773; West DHD (1979), Updating mean and variance
//! estimates: an improved method, Commun ACM 22:532–535.

use std::fmt;

use serde::Serialize;

use crate::dist;
use crate::rma::{self, CONFIDENCE_LEVEL, Heterogeneity, Interval, Model, Pooled, Undefined};
use crate::settings::{CiMethod, Tau2Estimator};

/// One fit of a sensitivity analysis: the model fitted to a subset of the studies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The study (index into the input) this step is about: the one left out
    /// (leave-one-out) or the one added last (cumulative).
    pub study: usize,
    /// The fit of the step's subset, or why it is undefined (for example, leaving out
    /// the only study). metafor reports `NA` for such a step.
    pub fit: Result<StepFit, Undefined>,
}

/// The pooled estimate and heterogeneity of one step, with the columns metafor's
/// `leave1out()` and `cumul()` print (`estimate se zval pval ci.lb ci.ub Q Qp tau2 I2
/// H2`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFit {
    /// The pooled estimate, its standard error, CI and test (`k` is the subset size).
    pub pooled: Pooled,
    /// Q, its df and p-value, tau², I² and H² of the subset. `se_tau2` and the
    /// Q-profile intervals are not computed for a step (`None`), as in metafor's output.
    pub heterogeneity: Heterogeneity,
}

/// Why a sensitivity analysis cannot be run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SensitivityError {
    /// `yi` and `vi` differ in length.
    LengthMismatch {
        /// Number of estimates.
        yi: usize,
        /// Number of variances.
        vi: usize,
    },
    /// A study's estimate is not finite or its variance is not positive and finite.
    InvalidStudy {
        /// Position of the study in the input.
        index: usize,
    },
    /// The order of a cumulative analysis names a study twice or one that does not
    /// exist.
    InvalidOrder,
}

impl fmt::Display for SensitivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SensitivityError::LengthMismatch { yi, vi } => {
                write!(f, "{yi} estimates but {vi} variances")
            }
            SensitivityError::InvalidStudy { index } => write!(
                f,
                "study {} has a non-finite estimate or a non-positive variance",
                index + 1
            ),
            SensitivityError::InvalidOrder => {
                f.write_str("the order must list existing studies, each at most once")
            }
        }
    }
}

impl std::error::Error for SensitivityError {}

/// Leave-one-out analysis: the model refitted without each study in turn (metafor
/// `leave1out(rma(yi, vi, method=..., test=...))`). Step `i` leaves out study `i`.
///
/// Linear time for the common-effect model and for DL, HE and HS apart from the
/// random-effects estimate's own pass (see the [module docs](self)).
///
/// # Errors
/// [`SensitivityError`] for malformed input. A step whose fit is undefined (no study
/// left) carries the reason in [`Step::fit`].
///
/// ```
/// use grove_core::rma::Model;
/// use grove_core::sensitivity::leave_one_out;
/// use grove_core::{CiMethod, Tau2Estimator};
/// let yi = [-0.9, -1.6, -1.4, -0.2];
/// let vi = [0.33, 0.19, 0.42, 0.05];
/// let steps = leave_one_out(&yi, &vi, Model::Random, Tau2Estimator::DerSimonianLaird,
///                           CiMethod::Wald).unwrap();
/// assert_eq!(steps.len(), 4);
/// assert_eq!(steps[0].fit.as_ref().unwrap().pooled.k, 3);
/// ```
pub fn leave_one_out(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<Vec<Step>, SensitivityError> {
    check_input(yi, vi)?;
    let k = yi.len();
    let prefix = prefix_summaries(yi, vi);
    let suffix = suffix_summaries(yi, vi);
    let steps = (0..k)
        .map(|i| {
            let summary = prefix[i].merge(suffix[i + 1]);
            let subset = || (0..k).filter(move |&j| j != i).map(|j| (yi[j], vi[j]));
            Step {
                study: i,
                fit: step_fit(&summary, subset, model, tau2, ci),
            }
        })
        .collect();
    Ok(steps)
}

/// Cumulative meta-analysis: the model fitted to the first 1, 2, …, k studies in the
/// given order (metafor `cumul(rma(yi, vi, ...), order=...)`). `order` lists study
/// indices (into `yi`/`vi`), each at most once; step `j` adds study `order[j]`. Studies
/// left out of `order` take no part, as metafor drops studies whose order variable is
/// missing (`order(orvar, na.last=NA)`); see [`year_order`].
///
/// Linear time for the common-effect model and for DL, HE and HS apart from the
/// random-effects estimate's own pass (see the [module docs](self)). The first step is
/// the single study's own estimate with its Wald interval and tau² = 0, as in metafor.
///
/// # Errors
/// [`SensitivityError`] for malformed input or an order that repeats a study or names
/// one that does not exist.
///
/// ```
/// use grove_core::rma::Model;
/// use grove_core::sensitivity::cumulative;
/// use grove_core::{CiMethod, Tau2Estimator};
/// let yi = [-0.9, -1.6, -1.4];
/// let vi = [0.33, 0.19, 0.42];
/// let steps = cumulative(&yi, &vi, &[2, 0, 1], Model::Common,
///                        Tau2Estimator::DerSimonianLaird, CiMethod::Wald).unwrap();
/// assert_eq!(steps[0].study, 2);
/// assert_eq!(steps[0].fit.as_ref().unwrap().pooled.estimate, -1.4);
/// ```
pub fn cumulative(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<Vec<Step>, SensitivityError> {
    check_input(yi, vi)?;
    let k = yi.len();
    let mut seen = vec![false; k];
    for &i in order {
        match seen.get_mut(i) {
            Some(s) if !*s => *s = true,
            _ => return Err(SensitivityError::InvalidOrder),
        }
    }
    let oy: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
    let ov: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
    let prefix = prefix_summaries(&oy, &ov);
    let steps = (0..order.len())
        .map(|j| {
            let subset = || oy[..=j].iter().copied().zip(ov[..=j].iter().copied());
            Step {
                study: order[j],
                fit: step_fit(&prefix[j + 1], subset, model, tau2, ci),
            }
        })
        .collect();
    Ok(steps)
}

/// The order of a cumulative analysis by year (metafor `cumul(x, order=year)`):
/// indices of the studies with a year, by increasing year, ties kept in input order (R's
/// `order()` is stable); studies without a year are left out, as metafor drops them.
///
/// ```
/// use grove_core::sensitivity::year_order;
/// assert_eq!(year_order(&[Some(1990), None, Some(1985), Some(1990)]), vec![2, 0, 3]);
/// ```
pub fn year_order(years: &[Option<i32>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..years.len()).filter(|&i| years[i].is_some()).collect();
    order.sort_by_key(|&i| years[i]);
    order
}

fn check_input(yi: &[f64], vi: &[f64]) -> Result<(), SensitivityError> {
    if yi.len() != vi.len() {
        return Err(SensitivityError::LengthMismatch {
            yi: yi.len(),
            vi: vi.len(),
        });
    }
    let bad = |(y, v): (&f64, &f64)| {
        !y.is_finite() || !v.is_finite() || *v <= 0.0 || !(1.0 / v).is_finite()
    };
    match yi.iter().zip(vi).position(bad) {
        Some(index) => Err(SensitivityError::InvalidStudy { index }),
        None => Ok(()),
    }
}

/// The fit of one step from its subset's [`Summary`]; `subset` yields the subset's
/// `(yi, vi)` for the estimators and the random-effects estimate that need a pass.
fn step_fit<I, F>(
    s: &Summary,
    subset: F,
    model: Model,
    estimator: Tau2Estimator,
    ci: CiMethod,
) -> Result<StepFit, Undefined>
where
    F: Fn() -> I,
    I: Iterator<Item = (f64, f64)>,
{
    let k = s.k;
    if k == 0 {
        return Err(Undefined::NoStudies);
    }
    let df = k - 1;
    let dfq = df as f64;
    // metafor: QE <- 0, QEp <- 1 when k = 1; otherwise QE = Σ wi (yi - ȳw)², wi = 1/vi.
    let (q, q_p) = if k == 1 {
        (0.0, 1.0)
    } else {
        let q = s.weighted.m2.max(0.0);
        (q, dist::chi2_sf(q, dfq))
    };
    let tau2 = match model {
        Model::Common => 0.0,
        // metafor sets tau2 <- 0 when k = 1 (method "k1").
        Model::Random if k == 1 => 0.0,
        Model::Random => tau2_of(s, &subset, estimator)?,
    };
    // metafor switches test="knha" to "z" when k = 1.
    let ci = if k == 1 { CiMethod::Wald } else { ci };

    // Random-effects weights wi* = 1/(vi + tau2); with tau2 = 0 they are the
    // common-effect weights and the summary already holds their moments.
    let pooled_moments = if tau2 == 0.0 {
        s.weighted
    } else {
        let mut m = Moments::default();
        for (y, v) in subset() {
            m.push(y, 1.0 / (v + tau2));
        }
        m
    };
    let estimate = pooled_moments.mean;
    let mut vb = 1.0 / pooled_moments.weight;
    let half_alpha = (1.0 - CONFIDENCE_LEVEL) / 2.0;
    let (crit, t_df) = match ci {
        CiMethod::Wald => (dist::normal_quantile(1.0 - half_alpha), None),
        CiMethod::HartungKnapp => {
            // metafor (test="knha"): s2w <- RSS/(k-p), or 0 when RSS <= .Machine$double.eps.
            let rss = pooled_moments.m2;
            let s2w = if rss <= f64::EPSILON { 0.0 } else { rss / dfq };
            vb *= s2w;
            (dist::t_quantile(1.0 - half_alpha, dfq), Some(dfq))
        }
    };
    let se = vb.sqrt();
    let stat = estimate / se;
    let p = match t_df {
        Some(d) => dist::t_two_sided_p(stat, d),
        None => dist::normal_two_sided_p(stat),
    };
    let pooled = Pooled {
        estimate,
        se,
        ci: Interval {
            lower: estimate - crit * se,
            upper: estimate + crit * se,
        },
        stat,
        p,
        df: t_df,
        k,
    };
    let (i2, h2) = if k == 1 {
        (0.0, 1.0)
    } else {
        match model {
            // I2 <- max(0, 100 * (QE - (k-p)) / QE); H2 <- QE / (k-p)
            Model::Common => {
                let i2 = if q > 0.0 {
                    (100.0 * (1.0 - dfq / q)).max(0.0)
                } else {
                    0.0
                };
                (i2, q / dfq)
            }
            // vt <- (k-p) / trP; I2 <- 100 * tau2 / (vt + tau2); H2 <- tau2 / vt + 1
            Model::Random => {
                let vt = dfq / s.tr_p();
                (100.0 * (1.0 - vt / (vt + tau2)), tau2 / vt + 1.0)
            }
        }
    };
    let heterogeneity = Heterogeneity {
        q,
        df,
        q_p,
        i2,
        h2,
        tau2,
        se_tau2: None,
        tau2_ci: None,
        i2_ci: None,
        h2_ci: None,
    };
    Ok(StepFit {
        pooled,
        heterogeneity,
    })
}

/// tau² of a subset of at least two studies, truncated at 0 as metafor does.
fn tau2_of<I, F>(s: &Summary, subset: &F, estimator: Tau2Estimator) -> Result<f64, Undefined>
where
    F: Fn() -> I,
    I: Iterator<Item = (f64, f64)>,
{
    let k = s.k as f64;
    let tau2 = match estimator {
        // DerSimonian & Laird (1986): (QE - (k-p)) / trP.
        Tau2Estimator::DerSimonianLaird => (s.weighted.m2 - (k - 1.0)) / s.tr_p(),
        // Hunter & Schmidt (2004): (QE - k) / sum(wi).
        Tau2Estimator::HunterSchmidt => (s.weighted.m2 - k) / s.weighted.weight,
        // Hedges (1983): (RSS - trPV) / (k-p) with P = I - J/k: SS/(k-1) - V/k.
        Tau2Estimator::Hedges => s.unweighted.m2 / (k - 1.0) - s.v / k,
        // Sidik & Jonkman (2005): tau2.0 = var(yi)(k-1)/k = SS/k, then
        // tau2.0 · Σ wi (yi - ȳw)² / (k-p) with wi = 1/(vi + tau2.0).
        Tau2Estimator::SidikJonkman => {
            let tau2_0 = s.unweighted.m2 / k;
            let mut m = Moments::default();
            for (y, v) in subset() {
                m.push(y, 1.0 / (v + tau2_0));
            }
            tau2_0 * m.m2 / (k - 1.0)
        }
        // Iterative estimators: refit tau² on the subset.
        Tau2Estimator::RestrictedMaximumLikelihood
        | Tau2Estimator::MaximumLikelihood
        | Tau2Estimator::PauleMandel
        | Tau2Estimator::EmpiricalBayes => {
            let (ys, vs): (Vec<f64>, Vec<f64>) = subset().unzip();
            rma::estimate_tau2(&ys, &vs, estimator)?
        }
    };
    // tau2 <- max(con$tau2.min, c(tau2)), tau2.min = 0
    Ok(tau2.max(0.0))
}

// ---------------------------------------------------------------------------------
// Private core: mergeable summaries and the per-step statistics computed from them.
// ---------------------------------------------------------------------------------

/// Weighted count, mean and sum of squared deviations of a set of values, mergeable
/// without cancellation (Chan, Golub & LeVeque 1979; West 1979).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Moments {
    /// Σ w.
    weight: f64,
    /// Σ w·y / Σ w (0 for an empty set).
    mean: f64,
    /// Σ w·(y − mean)².
    m2: f64,
}

impl Moments {
    /// Adds one value `y` with weight `w` (West 1979).
    fn push(&mut self, y: f64, w: f64) {
        let total = self.weight + w;
        let delta = y - self.mean;
        let r = delta * w / total;
        self.mean += r;
        self.m2 += self.weight * delta * r;
        self.weight = total;
    }

    /// The summary of the union of two disjoint sets (Chan, Golub & LeVeque 1979).
    fn merge(self, other: Moments) -> Moments {
        if self.weight == 0.0 {
            return other;
        }
        if other.weight == 0.0 {
            return self;
        }
        let total = self.weight + other.weight;
        let delta = other.mean - self.mean;
        Moments {
            weight: total,
            mean: self.mean + delta * other.weight / total,
            m2: self.m2 + other.m2 + delta * delta * self.weight * other.weight / total,
        }
    }
}

/// What a step needs of its subset, all mergeable: inverse-variance moments (`W`,
/// `ȳw`, `QE`), unweighted moments (`k`, `ȳ`, `SS`), `W2 = Σ wi²` and `V = Σ vi`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Summary {
    k: usize,
    weighted: Moments,
    unweighted: Moments,
    w2: f64,
    v: f64,
}

impl Summary {
    fn push(&mut self, y: f64, v: f64) {
        let w = 1.0 / v;
        self.k += 1;
        self.weighted.push(y, w);
        self.unweighted.push(y, 1.0);
        self.w2 += w * w;
        self.v += v;
    }

    fn merge(self, other: Summary) -> Summary {
        Summary {
            k: self.k + other.k,
            weighted: self.weighted.merge(other.weighted),
            unweighted: self.unweighted.merge(other.unweighted),
            w2: self.w2 + other.w2,
            v: self.v + other.v,
        }
    }

    /// `W − W2/W`, metafor's `trP` for an intercept-only common-effect model.
    fn tr_p(&self) -> f64 {
        self.weighted.weight - self.w2 / self.weighted.weight
    }
}

/// Prefix summaries: `out[j]` summarises studies `0..j` (so `out[0]` is empty).
fn prefix_summaries(yi: &[f64], vi: &[f64]) -> Vec<Summary> {
    let mut out = Vec::with_capacity(yi.len() + 1);
    let mut s = Summary::default();
    out.push(s);
    for (&y, &v) in yi.iter().zip(vi) {
        s.push(y, v);
        out.push(s);
    }
    out
}

/// Suffix summaries: `out[j]` summarises studies `j..k` (so `out[k]` is empty).
fn suffix_summaries(yi: &[f64], vi: &[f64]) -> Vec<Summary> {
    let k = yi.len();
    let mut out = vec![Summary::default(); k + 1];
    let mut s = Summary::default();
    for j in (0..k).rev() {
        s.push(yi[j], vi[j]);
        out[j] = s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rma::fit;

    /// Agreement of the summed/merged computation with a direct refit: rounding only.
    const REFIT_TOLERANCE: f64 = 1e-10;

    /// BCG vaccine trials (log risk ratios; Colditz et al. 1994), and a set with a
    /// dominant precise study, where subtracting it from totals would cancel badly.
    fn datasets() -> Vec<(Vec<f64>, Vec<f64>)> {
        let bcg_y = vec![
            -0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694,
            -1.3713, -0.3394, 0.4459, -0.0173,
        ];
        let bcg_v = vec![
            0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
            0.5325, 0.0714,
        ];
        let dominant_y = vec![0.31, 0.30, 0.52, -0.10, 0.33];
        let dominant_v = vec![1e-7, 0.2, 0.3, 0.25, 0.4];
        let equal_y = vec![0.2; 4];
        let equal_v = vec![0.1; 4];
        vec![(bcg_y, bcg_v), (dominant_y, dominant_v), (equal_y, equal_v)]
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= REFIT_TOLERANCE * a.abs().max(b.abs()).max(1.0)
    }

    /// Compares one step with `rma::fit` on the same subset; returns what disagrees.
    fn compare(
        step: &StepFit,
        ys: &[f64],
        vs: &[f64],
        model: Model,
        est: Tau2Estimator,
        ci: CiMethod,
    ) -> Vec<String> {
        let model = if ys.len() == 1 { Model::Common } else { model };
        let reference = match fit(ys, vs, model, est, ci) {
            Ok(f) => f,
            Err(e) => return vec![format!("refit failed: {e}")],
        };
        let (p, h) = (&step.pooled, &step.heterogeneity);
        let (rp, rh) = (&reference.pooled, &reference.heterogeneity);
        let pairs = [
            ("estimate", p.estimate, rp.estimate),
            ("se", p.se, rp.se),
            ("ci.lower", p.ci.lower, rp.ci.lower),
            ("ci.upper", p.ci.upper, rp.ci.upper),
            ("stat", p.stat, rp.stat),
            ("p", p.p, rp.p),
            ("Q", h.q, rh.q),
            ("Q_p", h.q_p, rh.q_p),
            ("tau2", h.tau2, rh.tau2),
            ("I2", h.i2, rh.i2),
            ("H2", h.h2, rh.h2),
        ];
        let mut out: Vec<String> = pairs
            .iter()
            .filter(|(_, a, b)| !close(*a, *b))
            .map(|(name, a, b)| format!("{name}: {a} vs refit {b}"))
            .collect();
        if (p.k, p.df, h.df) != (rp.k, rp.df, rh.df) {
            out.push(format!(
                "k/df: {:?} vs {:?}",
                (p.k, p.df, h.df),
                (rp.k, rp.df, rh.df)
            ));
        }
        out
    }

    /// Every step of both analyses, for every estimator, model and CI method, equals
    /// `rma::fit` refitted on that step's subset.
    #[test]
    fn steps_equal_refits() {
        let mut failures = Vec::new();
        for (d, (yi, vi)) in datasets().iter().enumerate() {
            let k = yi.len();
            let order: Vec<usize> = (0..k).rev().collect();
            for model in [Model::Common, Model::Random] {
                for est in Tau2Estimator::ALL {
                    for ci in [CiMethod::Wald, CiMethod::HartungKnapp] {
                        let tag = format!("data {d} {model:?} {est:?} {ci:?}");
                        let loo = leave_one_out(yi, vi, model, est, ci).unwrap();
                        for (i, step) in loo.iter().enumerate() {
                            let keep: Vec<usize> = (0..k).filter(|&j| j != i).collect();
                            let ys: Vec<f64> = keep.iter().map(|&j| yi[j]).collect();
                            let vs: Vec<f64> = keep.iter().map(|&j| vi[j]).collect();
                            match &step.fit {
                                Ok(s) => compare(s, &ys, &vs, model, est, ci)
                                    .into_iter()
                                    .for_each(|m| failures.push(format!("{tag} loo {i}: {m}"))),
                                Err(e) => failures.push(format!("{tag} loo {i}: {e}")),
                            }
                        }
                        let cum = cumulative(yi, vi, &order, model, est, ci).unwrap();
                        for (j, step) in cum.iter().enumerate() {
                            let ys: Vec<f64> = order[..=j].iter().map(|&i| yi[i]).collect();
                            let vs: Vec<f64> = order[..=j].iter().map(|&i| vi[i]).collect();
                            assert_eq!(step.study, order[j]);
                            match &step.fit {
                                Ok(s) => compare(s, &ys, &vs, model, est, ci)
                                    .into_iter()
                                    .for_each(|m| failures.push(format!("{tag} cumul {j}: {m}"))),
                                Err(e) => failures.push(format!("{tag} cumul {j}: {e}")),
                            }
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        let dl = Tau2Estimator::DerSimonianLaird;
        let w = CiMethod::Wald;
        assert_eq!(
            leave_one_out(&[0.1], &[0.1, 0.2], Model::Common, dl, w),
            Err(SensitivityError::LengthMismatch { yi: 1, vi: 2 })
        );
        assert_eq!(
            leave_one_out(&[0.1, 0.2], &[0.1, -0.2], Model::Common, dl, w),
            Err(SensitivityError::InvalidStudy { index: 1 })
        );
        for order in [&[0usize, 0][..], &[0, 2], &[1, 0, 1]] {
            assert_eq!(
                cumulative(&[0.1, 0.2], &[0.1, 0.2], order, Model::Common, dl, w),
                Err(SensitivityError::InvalidOrder)
            );
        }
    }

    /// Leaving out the only study leaves nothing to pool; the step says so.
    #[test]
    fn leaving_out_the_only_study_is_undefined() {
        let steps = leave_one_out(
            &[0.4],
            &[0.1],
            Model::Random,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].fit, Err(Undefined::NoStudies));
    }

    proptest::proptest! {
        /// Random data, any estimator, model and CI method, and a cumulative order that
        /// may leave studies out: every step equals a refit of its subset.
        #[test]
        fn random_steps_equal_refits(
            data in proptest::collection::vec((-3.0f64..3.0, 0.001f64..2.0, proptest::bool::ANY), 1..10),
            estimator in 0usize..8,
            random in proptest::bool::ANY,
            knha in proptest::bool::ANY,
        ) {
            let yi: Vec<f64> = data.iter().map(|d| d.0).collect();
            let vi: Vec<f64> = data.iter().map(|d| d.1).collect();
            let est = Tau2Estimator::ALL[estimator];
            let model = if random { Model::Random } else { Model::Common };
            let ci = if knha { CiMethod::HartungKnapp } else { CiMethod::Wald };
            let mut failures = Vec::new();
            for (i, step) in leave_one_out(&yi, &vi, model, est, ci).unwrap().iter().enumerate() {
                let keep: Vec<usize> = (0..yi.len()).filter(|&j| j != i).collect();
                let ys: Vec<f64> = keep.iter().map(|&j| yi[j]).collect();
                let vs: Vec<f64> = keep.iter().map(|&j| vi[j]).collect();
                match &step.fit {
                    Ok(s) => failures.extend(compare(s, &ys, &vs, model, est, ci)),
                    // A subset the estimator cannot fit (metafor stops too, e.g. REML
                    // not converging) is a step with the same reason.
                    Err(e) => proptest::prop_assert!(
                        ys.is_empty() || crate::rma::fit(&ys, &vs, model, est, ci).as_ref().err() == Some(e),
                        "step {i}: {e}"
                    ),
                }
            }
            // Studies flagged false are left out of the order, the rest taken backwards.
            let order: Vec<usize> = (0..yi.len()).rev().filter(|&i| data[i].2).collect();
            let steps = cumulative(&yi, &vi, &order, model, est, ci).unwrap();
            proptest::prop_assert_eq!(steps.len(), order.len());
            for (j, step) in steps.iter().enumerate() {
                let ys: Vec<f64> = order[..=j].iter().map(|&i| yi[i]).collect();
                let vs: Vec<f64> = order[..=j].iter().map(|&i| vi[i]).collect();
                match &step.fit {
                    Ok(s) => failures.extend(compare(s, &ys, &vs, model, est, ci)),
                    Err(e) if crate::rma::fit(&ys, &vs, model, est, ci).as_ref().err() == Some(e) => {}
                    Err(e) => failures.push(format!("cumul {j}: {e}")),
                }
            }
            proptest::prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    }

    /// The merge of two summaries equals the summary built in one pass.
    #[test]
    fn merging_equals_pushing() {
        let (yi, vi) = (&datasets()[0].0, &datasets()[0].1);
        let mut all = Summary::default();
        let (mut a, mut b) = (Summary::default(), Summary::default());
        for (j, (&y, &v)) in yi.iter().zip(vi).enumerate() {
            all.push(y, v);
            if j < 5 { a.push(y, v) } else { b.push(y, v) }
        }
        let m = a.merge(b);
        assert_eq!(m.k, all.k);
        for (x, y) in [
            (m.weighted.mean, all.weighted.mean),
            (m.weighted.m2, all.weighted.m2),
            (m.unweighted.m2, all.unweighted.m2),
            (m.w2, all.w2),
            (m.v, all.v),
        ] {
            assert!(close(x, y), "{x} vs {y}");
        }
    }
}
