//! Regression tests for funnel-plot asymmetry (metafor `regtest()`): the effect
//! regressed on a measure of study size, as a meta-regression (`model = "rma"`, with
//! common-effect or DerSimonian–Laird residual heterogeneity) or as a weighted linear
//! regression with a multiplicative residual variance (`model = "lm"`, the classic
//! Egger test).

use serde::Serialize;

use super::{BaseFit, DiagnosticsError, check_input};
use crate::bias::RANK_TOLERANCE;
use crate::bias::regression::{Line, Point, line};
use crate::dist;
use crate::rma::{Interval, critical_value};

/// The predictor of a regression test (metafor `regtest(predictor = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Predictor {
    /// Standard error `√vᵢ` (`"sei"`): Egger's test.
    Sei,
    /// Inverse total sample size `1/nᵢ` (`"ninv"`).
    Ninv,
    /// `1/√nᵢ` (`"sqrtninv"`).
    SqrtNinv,
}

impl Predictor {
    /// The three predictors in metafor's order.
    pub const ALL: [Predictor; 3] = [Predictor::Sei, Predictor::Ninv, Predictor::SqrtNinv];

    /// metafor's name.
    pub fn code(self) -> &'static str {
        match self {
            Predictor::Sei => "sei",
            Predictor::Ninv => "ninv",
            Predictor::SqrtNinv => "sqrtninv",
        }
    }

    /// The predictor's value for a study with variance `vi` and total sample size `ni`.
    pub fn value(self, vi: f64, ni: f64) -> f64 {
        match self {
            Predictor::Sei => vi.sqrt(),
            Predictor::Ninv => 1.0 / ni,
            Predictor::SqrtNinv => 1.0 / ni.sqrt(),
        }
    }
}

/// The regression model of a test (metafor `regtest(model = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RegtestModel {
    /// Meta-regression (`"rma"`) with the residual heterogeneity of the base fit: none
    /// (EE) or DerSimonian–Laird; z test.
    Rma(BaseFit),
    /// Weighted least squares with weights `1/vᵢ` and an estimated residual variance
    /// (`"lm"`); t test on `k − 2` df.
    Lm,
}

/// One regression test: model and predictor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RegtestTest {
    /// The model.
    pub model: RegtestModel,
    /// The predictor.
    pub predictor: Predictor,
}

impl RegtestTest {
    /// The nine tests in the order of the reference files: for each predictor (`sei`,
    /// `ninv`, `sqrtninv`): `rma/DL`, `rma/EE`, `lm`.
    pub fn all() -> [RegtestTest; 9] {
        let models = [
            RegtestModel::Rma(BaseFit::DerSimonianLaird),
            RegtestModel::Rma(BaseFit::Common),
            RegtestModel::Lm,
        ];
        std::array::from_fn(|i| RegtestTest {
            model: models[i % 3],
            predictor: Predictor::ALL[i / 3],
        })
    }

    /// The identifier `rma/DL/sei`, `lm/ninv`, ...
    pub fn id(self) -> String {
        match self.model {
            RegtestModel::Rma(base) => format!("rma/{}/{}", base.code(), self.predictor.code()),
            RegtestModel::Lm => format!("lm/{}", self.predictor.code()),
        }
    }
}

/// The result of a regression test: the line `yᵢ = b0 + b1·zᵢ` and the test of `b1 = 0`.
/// Values that do not exist (the `lm` model with `k = 2`: no residual degrees of
/// freedom) are `None`, as metafor reports `NA`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Regtest {
    /// Which test.
    pub test: RegtestTest,
    /// Number of studies.
    pub k: usize,
    /// `b0`: the limit estimate as the predictor goes to 0 (metafor `regtest()$est`).
    pub intercept: f64,
    /// `se(b0)`.
    pub intercept_se: Option<f64>,
    /// `b1`.
    pub slope: f64,
    /// `se(b1)`.
    pub slope_se: Option<f64>,
    /// `b1/se(b1)`: z (rma) or t (lm).
    pub stat: Option<f64>,
    /// Two-sided p-value of `stat` (normal, or t on [`df`](Self::df) df).
    pub p: Option<f64>,
    /// Degrees of freedom of the t test, `k − 2` (lm only).
    pub df: Option<usize>,
    /// 95% CI of the limit estimate: `b0 ∓ qnorm(0.975)·se(b0)` (rma) or `b0 ∓
    /// qt(0.975, k − 2)·se(b0)` (lm).
    pub limit_ci: Option<Interval>,
    /// Residual heterogeneity τ²_res (rma only; 0 for EE).
    pub tau2_residual: Option<f64>,
    /// Residual standard error `σ = √(QE/(k − 2))` (lm only).
    pub sigma: Option<f64>,
}

/// A regression test for funnel-plot asymmetry (Egger et al. 1997; Sterne & Egger 2005;
/// metafor `regtest.rma()`, R/regtest.rma.r) on studies with effects `yi`, variances
/// `vi` and total sample sizes `ni` (`n1 + n2`; used by the `ninv` and `sqrtninv`
/// predictors).
///
/// # Formulas
/// The model `yᵢ = b0 + b1·zᵢ (+ uᵢ) + eᵢ` with `z` the predictor, fitted by weighted
/// least squares (`Line`: centred sums, `Sxx = Σw(z − z̄)²`):
///
/// * **rma, EE**: weights `w = 1/v`; `Var(b) = (XᵀWX)⁻¹`, i.e. `se(b1) = 1/√Sxx`,
///   `se(b0) = √(1/Σw + z̄²/Sxx)`; z test.
/// * **rma, DL**: `τ²_res = max(0, (QE − (k − 2))/tr(P))` with `QE = Σw(y − b0 − b1 z)²`
///   and `tr(P) = Σwᵢ − Σwᵢ²·(1/Σw + (zᵢ − z̄)²/Sxx)` (`P = W − WX(XᵀWX)⁻¹XᵀW`, metafor
///   `rma.uni(method = "DL")` with moderators); then refitted with `w* = 1/(v + τ²_res)`
///   as for EE.
/// * **lm**: weights `1/v`, `σ² = QE/(k − 2)`, standard errors the EE ones times `σ`, t
///   test on `k − 2` df (`lm(yi ~ X - 1, weights = 1/vi)`).
///
/// References: Egger M, Davey Smith G, Schneider M, Minder C (1997), BMJ 315:629–634;
/// Sterne JAC, Egger M (2005), Regression methods to detect publication and other bias
/// in meta-analysis, in Rothstein, Sutton & Borenstein (eds.), Publication Bias in
/// Meta-Analysis, Wiley, 99–110; DerSimonian R, Laird N (1986), Control Clin Trials
/// 7:177–188 (τ², here with moderators as in metafor).
///
/// # Errors
/// [`DiagnosticsError::RankDeficient`] when the predictor is collinear with the intercept
/// (a constant predictor or a single study; metafor checks with an unweighted `lm`, QR
/// tolerance 1e-7 on column norms), [`DiagnosticsError::TooFewStudiesForTau2`] for DL
/// with `k ≤ 2`, and malformed input.
///
/// ```
/// use grove_core::diagnostics::{regtest, BaseFit, Predictor, RegtestModel, RegtestTest};
/// let yi = [-0.9, -1.6, -1.4, -1.5, -0.2, -0.8];
/// let vi = [0.35, 0.20, 0.42, 0.02, 0.05, 0.007];
/// let ni = [262.0, 609.0, 451.0, 26465.0, 10877.0, 2992.0];
/// let test = RegtestTest { model: RegtestModel::Lm, predictor: Predictor::Sei };
/// let r = regtest(&yi, &vi, &ni, test).unwrap();
/// assert_eq!(r.df, Some(4));
/// ```
pub fn regtest(
    yi: &[f64],
    vi: &[f64],
    ni: &[f64],
    test: RegtestTest,
) -> Result<Regtest, DiagnosticsError> {
    check_input(yi, vi)?;
    if ni.len() != yi.len() {
        return Err(DiagnosticsError::LengthMismatch {
            yi: yi.len(),
            other: ni.len(),
        });
    }
    let bad_size = |n: &f64| !(n.is_finite() && *n > 0.0);
    if test.predictor != Predictor::Sei
        && let Some(index) = ni.iter().position(bad_size)
    {
        return Err(DiagnosticsError::InvalidStudy { index });
    }
    let k = yi.len();
    let z: Vec<f64> = vi
        .iter()
        .zip(ni)
        .map(|(&v, &n)| test.predictor.value(v, n))
        .collect();
    if !full_rank(&z) {
        return Err(DiagnosticsError::RankDeficient);
    }
    let points = |tau2: f64| {
        yi.iter().zip(vi).zip(&z).map(move |((&y, &v), &x)| Point {
            x,
            y,
            w: 1.0 / (v + tau2),
        })
    };
    let fitted = |tau2: f64| line(points(tau2)).map_err(|_| DiagnosticsError::RankDeficient);
    let ee = fitted(0.0)?;
    let result = |l: &Line, se0: Option<f64>, se1: Option<f64>, df: Option<usize>| {
        let stat = se1.map(|s| l.slope / s).filter(|s| s.is_finite());
        let p = stat.map(|s| match df {
            Some(d) => dist::t_two_sided_p(s, d as f64),
            None => dist::normal_two_sided_p(s),
        });
        let crit = critical_value(df.map(|d| d as f64));
        let limit_ci = se0.filter(|_| crit.is_finite()).map(|s| Interval {
            lower: l.intercept - crit * s,
            upper: l.intercept + crit * s,
        });
        Regtest {
            test,
            k,
            intercept: l.intercept,
            intercept_se: se0,
            slope: l.slope,
            slope_se: se1,
            stat,
            p,
            df,
            limit_ci,
            tau2_residual: None,
            sigma: None,
        }
    };
    match test.model {
        RegtestModel::Rma(base) => {
            let tau2 = match base {
                BaseFit::Common => 0.0,
                BaseFit::DerSimonianLaird => {
                    // metafor: stop when k - p < 1 for a model with heterogeneity.
                    if k <= 2 {
                        return Err(DiagnosticsError::TooFewStudiesForTau2 { k, p: 2 });
                    }
                    dl_residual_tau2(&ee, points(0.0), k)
                }
            };
            let l = if tau2 > 0.0 { fitted(tau2)? } else { ee };
            let (v0, v1) = l.unscaled_variances();
            let mut r = result(&l, Some(v0.sqrt()), Some(v1.sqrt()), None);
            r.tau2_residual = Some(tau2);
            Ok(r)
        }
        RegtestModel::Lm => {
            let df = k - 2;
            // sigma = sqrt(QE/(k-2)); NA with no residual degrees of freedom.
            let sigma = (df > 0).then(|| (ee.rss / df as f64).sqrt());
            let (v0, v1) = ee.unscaled_variances();
            let se0 = sigma.map(|s| s * v0.sqrt());
            let se1 = sigma.map(|s| s * v1.sqrt());
            let mut r = result(&ee, se0, se1, Some(df));
            if df == 0 {
                r.limit_ci = None;
            }
            r.sigma = sigma;
            Ok(r)
        }
    }
}

/// All nine tests of [`RegtestTest::all`], each with its result or refusal.
pub fn regtest_all(
    yi: &[f64],
    vi: &[f64],
    ni: &[f64],
) -> Vec<(RegtestTest, Result<Regtest, DiagnosticsError>)> {
    RegtestTest::all()
        .into_iter()
        .map(|t| (t, regtest(yi, vi, ni, t)))
        .collect()
}

/// metafor's rank check of the design `[1, z]`: an unweighted `lm(yi ~ X - 1)` whose QR
/// decomposition (tolerance 1e-7 on column norms, so `RANK_TOLERANCE` = 1e-14 on squared
/// norms) drops the predictor when what is left of it after the intercept,
/// `Σ(z − z̄)²`, is that small relative to `Σz²`. A single study always fails.
fn full_rank(z: &[f64]) -> bool {
    if z.len() < 2 {
        return false;
    }
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let centred: f64 = z.iter().map(|x| (x - mean).powi(2)).sum();
    let norm: f64 = z.iter().map(|x| x * x).sum();
    centred.is_finite() && centred > RANK_TOLERANCE * norm
}

/// DerSimonian–Laird residual heterogeneity of a meta-regression on `[1, z]` (metafor
/// `rma.uni`, `method = "DL"`): `max(0, (QE − (k − p))/tr(P))`, `p = 2`.
fn dl_residual_tau2(ee: &Line, points: impl Iterator<Item = Point>, k: usize) -> f64 {
    // tr(P) = Σ wᵢ (1 − wᵢ xᵢᵀ(XᵀWX)⁻¹xᵢ), xᵢᵀ(XᵀWX)⁻¹xᵢ = 1/Σw + (zᵢ − z̄)²/Sxx.
    let tr_p: f64 = points
        .map(|p| p.w - p.w * p.w * (1.0 / ee.sw + (p.x - ee.xbar).powi(2) / ee.sxx))
        .sum();
    ((ee.rss - (k as f64 - 2.0)) / tr_p).max(0.0)
}
