//! The eight tau² estimators of metafor 3.8 `rma.uni()` for an intercept-only model,
//! with the standard errors metafor reports (`se.tau2`).
//!
//! Notation as in metafor: `y` are the estimates, `P = W - W11'W/Σw` for
//! weights `w` (so `Y'PY = Σ wi (yi - ŷ)²`), `p = 1` parameter, and every estimate is
//! truncated at `tau2.min = 0` at the end (`tau2 <- max(con$tau2.min, tau2)`).
//!
//! | code | estimator | reference |
//! |---|---|---|
//! | DL | `(Q - (k-1)) / tr(P)`, `w = 1/vi` | DerSimonian & Laird (1986) |
//! | HS | `(Q - k) / Σ wi`, `w = 1/vi` | Hunter & Schmidt (2004) |
//! | HE | `(Σ (yi - ȳ)² - tr(PV)) / (k-1)`, unweighted | Hedges (1983) |
//! | SJ | `tau2.0 · Y'PY / (k-1)`, `w = 1/(vi + tau2.0)`, `tau2.0 = Σ (yi - ȳ)²/k` | Sidik & Jonkman (2005) |
//! | PM | root of `Q(tau2) = k-1` by `uniroot()` on `[0, tau2.max = 100]` | Paule & Mandel (1982) |
//! | ML, REML, EB | Fisher scoring from the HE estimate with step halving | Viechtbauer (2005); Morris (1983) |
//!
//! This follows metafor 3.8.1, the version of the reference values: it works on the
//! estimates as given (metafor 4 centres them first, which changes only rounding) and
//! searches the PM estimate on `[0, 100]` (metafor 4 widens the bound to
//! `max(100, 10·mad(yi)²)`).

use super::root::{R_UNIROOT_TOL, uniroot};
use super::{Undefined, weighted_rss};
use crate::settings::Tau2Estimator;

/// metafor `con$threshold`: convergence threshold of the Fisher scoring iterations.
pub(crate) const SCORING_THRESHOLD: f64 = 1e-5;
/// metafor `con$maxiter`: iteration limit of Fisher scoring and of `uniroot()` for PM.
pub(crate) const MAX_ITERATIONS: u32 = 100;
/// metafor 3.8 `con$tau2.max`: upper end of the Paule-Mandel search.
pub(crate) const TAU2_MAX: f64 = 100.0;

/// A tau² estimate with metafor's standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tau2Estimate {
    pub tau2: f64,
    pub se: f64,
}

/// metafor `rma.uni(method=...)$tau2` and `$se.tau2` for valid input with `k >= 2`.
pub(crate) fn estimate(
    y: &[f64],
    vi: &[f64],
    estimator: Tau2Estimator,
) -> Result<Tau2Estimate, Undefined> {
    let k = y.len() as f64;
    let ones = vec![1.0; y.len()];
    let est = match estimator {
        Tau2Estimator::DerSimonianLaird => {
            let w = inverse(vi, 0.0);
            let s = Sums::new(&w);
            let q = weighted_rss(y, &w);
            let tr_p = s.tr_p();
            let tau2 = (q - (k - 1.0)) / tr_p;
            let t = tau2.max(0.0);
            // se.tau2 <- sqrt(1/trP^2 * (2*(k-p) + 4*max(tau2,0)*trP + 2*max(tau2,0)^2*sum(P*P)))
            let se = ((2.0 * (k - 1.0) + 4.0 * t * tr_p + 2.0 * t * t * p_sq(&w, &ones, &ones))
                / (tr_p * tr_p))
                .sqrt();
            Tau2Estimate { tau2, se }
        }
        Tau2Estimator::HunterSchmidt => {
            let w = inverse(vi, 0.0);
            let s = Sums::new(&w);
            let q = weighted_rss(y, &w);
            let tau2 = (q - k) / s.sw;
            let t = tau2.max(0.0);
            // se.tau2 <- sqrt(1/sum(wi)^2 * (2*(k-p) + 4*max(tau2,0)*.tr(P) + 2*max(tau2,0)^2*sum(P*P)))
            let se =
                ((2.0 * (k - 1.0) + 4.0 * t * s.tr_p() + 2.0 * t * t * p_sq(&w, &ones, &ones))
                    / (s.sw * s.sw))
                    .sqrt();
            Tau2Estimate { tau2, se }
        }
        Tau2Estimator::Hedges => hedges(y, vi),
        Tau2Estimator::SidikJonkman => {
            // tau2.0 <- var(yi) * (k-1)/k
            let m = y.iter().sum::<f64>() / k;
            let tau2_0 = y.iter().map(|y| (y - m).powi(2)).sum::<f64>() / k;
            let w = inverse(vi, tau2_0);
            let rss = weighted_rss(y, &w);
            let tau2 = tau2_0 * rss / (k - 1.0);
            let t = tau2.max(0.0);
            // se.tau2 <- sqrt(tau2.0^2/(k-p)^2 * (2*sum(PV*t(PV)) + 4*max(tau2,0)*sum(PV*P)
            //                 + 2*max(tau2,0)^2*sum(P*P)))
            let inner = 2.0 * p_sq(&w, vi, vi)
                + 4.0 * t * p_sq(&w, &ones, vi)
                + 2.0 * t * t * p_sq(&w, &ones, &ones);
            let se = (tau2_0 * tau2_0 / ((k - 1.0) * (k - 1.0)) * inner).sqrt();
            Tau2Estimate { tau2, se }
        }
        Tau2Estimator::PauleMandel => paule_mandel(y, vi)?,
        Tau2Estimator::MaximumLikelihood
        | Tau2Estimator::RestrictedMaximumLikelihood
        | Tau2Estimator::EmpiricalBayes => scoring(y, vi, estimator)?,
    };
    if !est.tau2.is_finite() {
        return Err(Undefined::Tau2NotEstimable(format!(
            "the {} estimate is not finite",
            estimator.code()
        )));
    }
    Ok(Tau2Estimate {
        tau2: est.tau2.max(0.0),
        se: est.se,
    })
}

/// Hedges (1983) estimator, metafor `method="HE"` (also the start of Fisher scoring).
fn hedges(y: &[f64], vi: &[f64]) -> Tau2Estimate {
    let k = y.len() as f64;
    let ones = vec![1.0; y.len()];
    // P <- diag(k) - X (X'X)^-1 X'; RSS <- Y'PY; trPV <- tr(PV) = (1 - 1/k) Σ vi
    let rss = weighted_rss(y, &ones);
    let tr_pv = (1.0 - 1.0 / k) * vi.iter().sum::<f64>();
    let tau2 = (rss - tr_pv) / (k - 1.0);
    let t = tau2.max(0.0);
    // se.tau2 <- sqrt(1/(k-p)^2 * (2*sum(PV*t(PV)) + 4*max(tau2,0)*trPV + 2*max(tau2,0)^2*(k-p)))
    let se = ((2.0 * p_sq(&ones, vi, vi) + 4.0 * t * tr_pv + 2.0 * t * t * (k - 1.0))
        / ((k - 1.0) * (k - 1.0)))
        .sqrt();
    Tau2Estimate { tau2, se }
}

/// Paule & Mandel (1982), metafor `method="PM"`: the tau² at which the generalised Q
/// equals its expectation `k - 1`, found by R's `uniroot()` on `[0, tau2.max]` with
/// metafor's tolerance; 0 when Q at tau² = 0 is already below `k - 1`.
fn paule_mandel(y: &[f64], vi: &[f64]) -> Result<Tau2Estimate, Undefined> {
    paule_mandel_traced(y, vi, &mut Vec::new())
}

/// One point the Paule-Mandel root search tried: tau², and how far the generalised Q
/// there is above its expectation `k − 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RootStep {
    /// The tau² tried.
    pub tau2: f64,
    /// `Q(tau²) − (k − 1)`; the search stops near 0.
    pub excess: f64,
}

/// [`paule_mandel`], recording every point it evaluates in `trace` (for the
/// explanations).
pub(crate) fn paule_mandel_traced(
    y: &[f64],
    vi: &[f64],
    trace: &mut Vec<RootStep>,
) -> Result<Tau2Estimate, Undefined> {
    let k = y.len() as f64;
    let target = k - 1.0;
    let mut qe = |t: f64| {
        let excess = weighted_rss(y, &inverse(vi, t)) - target;
        trace.push(RootStep { tau2: t, excess });
        excess
    };
    let tau2_max = TAU2_MAX;
    let tau2 = if qe(0.0) < 0.0 {
        0.0
    } else if qe(tau2_max) > 0.0 {
        return Err(Undefined::Tau2NotEstimable(
            "the Paule-Mandel estimate exceeds the search bound tau2.max".into(),
        ));
    } else {
        uniroot(&mut qe, 0.0, tau2_max, R_UNIROOT_TOL, MAX_ITERATIONS).map_err(|_| {
            Undefined::Tau2NotEstimable("the Paule-Mandel root search failed".into())
        })?
    };
    Ok(Tau2Estimate {
        tau2,
        se: se_moment(vi, tau2.max(0.0)),
    })
}

/// metafor's `se.tau2` for EB and PM: `sqrt(2 k²/(k-p) / (Σ wi)²)`, `wi = 1/(vi + tau2)`.
fn se_moment(vi: &[f64], tau2: f64) -> f64 {
    let k = vi.len() as f64;
    let sw: f64 = inverse(vi, tau2).iter().sum();
    (2.0 * k * k / (k - 1.0) / (sw * sw)).sqrt()
}

/// Fisher scoring for ML, REML and EB exactly as metafor 3.8 iterates: start at
/// `max(0, tau2_HE)`, step `adj` halved while `tau2 + adj < 0`, stop when the change is
/// at most `threshold = 1e-5`, fail after `maxiter = 100` iterations; then for ML and
/// REML metafor's `ll0check` (tau² = 0 when it has a larger log-likelihood).
fn scoring(y: &[f64], vi: &[f64], estimator: Tau2Estimator) -> Result<Tau2Estimate, Undefined> {
    scoring_traced(y, vi, estimator, &mut Vec::new())
}

/// One Fisher scoring step: tau² before it and the step taken (after any halving).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoringStep {
    /// tau² at the start of the step.
    pub tau2: f64,
    /// The step added to it.
    pub step: f64,
}

/// [`scoring`], recording each step in `trace` (for the explanations).
pub(crate) fn scoring_traced(
    y: &[f64],
    vi: &[f64],
    estimator: Tau2Estimator,
    trace: &mut Vec<ScoringStep>,
) -> Result<Tau2Estimate, Undefined> {
    let k = y.len() as f64;
    let ones = vec![1.0; y.len()];
    let mut tau2 = hedges(y, vi).tau2.max(0.0);
    let mut change = SCORING_THRESHOLD + 1.0;
    let mut iter = 0;
    while change > SCORING_THRESHOLD {
        iter += 1;
        let old = tau2;
        let w = inverse(vi, tau2);
        let s = Sums::new(&w);
        let yhat = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / s.sw;
        // Y'PPY = Σ wi² (yi - ŷ)²
        let ypp_y: f64 = w.iter().zip(y).map(|(w, y)| (w * (y - yhat)).powi(2)).sum();
        let mut adj = match estimator {
            // adj <- (Y'PPY - sum(wi)) / sum(wi^2)
            Tau2Estimator::MaximumLikelihood => (ypp_y - s.sw) / s.sw2,
            // adj <- (Y'PPY - tr(P)) / tr(PP)
            Tau2Estimator::RestrictedMaximumLikelihood => {
                (ypp_y - s.tr_p()) / p_sq(&w, &ones, &ones)
            }
            // adj <- (Y'PY * k/(k-p) - k) / sum(wi)
            _ => (weighted_rss(y, &w) * k / (k - 1.0) - k) / s.sw,
        };
        if adj.is_nan() {
            adj = 0.0;
        }
        // while (tau2 + adj < con$tau2.min) adj <- adj / 2
        let mut halvings = 0;
        while tau2 + adj < 0.0 {
            adj /= 2.0;
            halvings += 1;
            if halvings > 2000 {
                adj = 0.0;
            }
        }
        trace.push(ScoringStep { tau2, step: adj });
        tau2 += adj;
        change = (old - tau2).abs();
        if iter > MAX_ITERATIONS || !tau2.is_finite() {
            return Err(Undefined::Tau2NotEstimable(format!(
                "the Fisher scoring algorithm for {} did not converge",
                estimator.code()
            )));
        }
    }
    if matches!(
        estimator,
        Tau2Estimator::MaximumLikelihood | Tau2Estimator::RestrictedMaximumLikelihood
    ) {
        let reml = estimator == Tau2Estimator::RestrictedMaximumLikelihood;
        // if (ll0 - ll > con$tol && tau2 > con$threshold) tau2 <- 0
        if log_likelihood(y, vi, 0.0, reml) - log_likelihood(y, vi, tau2, reml) > R_UNIROOT_TOL
            && tau2 > SCORING_THRESHOLD
        {
            tau2 = 0.0;
        }
    }
    let w = inverse(vi, tau2);
    let se = match estimator {
        // se.tau2 <- sqrt(2/sum(wi^2))
        Tau2Estimator::MaximumLikelihood => (2.0 / w.iter().map(|w| w * w).sum::<f64>()).sqrt(),
        // se.tau2 <- sqrt(2/sum(P*P))
        Tau2Estimator::RestrictedMaximumLikelihood => (2.0 / p_sq(&w, &ones, &ones)).sqrt(),
        _ => se_moment(vi, tau2),
    };
    Ok(Tau2Estimate { tau2, se })
}

/// The (restricted) log-likelihood metafor's `ll0check` compares (constant terms that
/// cancel in the comparison are kept as metafor writes them).
fn log_likelihood(y: &[f64], vi: &[f64], tau2: f64, reml: bool) -> f64 {
    let k = y.len() as f64;
    let w = inverse(vi, tau2);
    let sw: f64 = w.iter().sum();
    let rss = weighted_rss(y, &w);
    let log_det: f64 = vi.iter().map(|v| (v + tau2).ln()).sum();
    let two_pi = 2.0 * std::f64::consts::PI;
    if reml {
        -0.5 * (k - 1.0) * two_pi.ln() - 0.5 * log_det - 0.5 * sw.ln() - 0.5 * rss
    } else {
        -0.5 * k * two_pi.ln() - 0.5 * log_det - 0.5 * rss
    }
}

/// `1/(vi + tau2)`.
fn inverse(vi: &[f64], tau2: f64) -> Vec<f64> {
    vi.iter().map(|v| 1.0 / (v + tau2)).collect()
}

/// Sums of weights used by several estimators.
struct Sums {
    sw: f64,
    sw2: f64,
    tr_p: f64,
}

impl Sums {
    fn new(w: &[f64]) -> Sums {
        Sums {
            sw: w.iter().sum(),
            sw2: w.iter().map(|w| w * w).sum(),
            tr_p: super::trace_p(w),
        }
    }

    /// `tr(P) = Σ wi - Σ wi² / Σ wi`, computed without cancellation
    /// ([`super::trace_p`]).
    fn tr_p(&self) -> f64 {
        self.tr_p
    }
}

/// `Σ_ij P_ij² a_i b_j` for `P = W - w w'/Σw` (non-negative `a`, `b`), in linear time and
/// without cancellation:
/// `Σ_i a_i b_i wi² (Σ_{j≠i} wj / S)² + Σ_i a_i wi² (Σ_{j≠i} wj² b_j) / S²`, the diagonal
/// and off-diagonal parts with sums over the other studies ([`super::sum_of_others`]).
/// With `a = b = 1` this is metafor's `sum(P*P)`; with `a = 1, b = vi` `sum(PV*P)`; with
/// `a = b = vi` `sum(PV*t(PV))`.
fn p_sq(w: &[f64], a: &[f64], b: &[f64]) -> f64 {
    let s: f64 = w.iter().sum();
    let others_w = super::sum_of_others(w);
    let w2b: Vec<f64> = w.iter().zip(b).map(|(w, b)| w * w * b).collect();
    let others_w2b = super::sum_of_others(&w2b);
    let mut total = 0.0;
    for i in 0..w.len() {
        let w2 = w[i] * w[i];
        let r = others_w[i] / s;
        total += a[i] * b[i] * w2 * r * r + a[i] * w2 * others_w2b[i] / (s * s);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `p_sq` against the explicit double sum.
    #[test]
    fn p_sq_matches_matrix_sum() {
        let w = [1.0, 2.0, 0.5, 4.0];
        let a = [0.3, 1.0, 2.0, 0.7];
        let b = [1.5, 0.2, 0.9, 1.1];
        let s: f64 = w.iter().sum();
        let mut direct = 0.0;
        for i in 0..4 {
            for j in 0..4 {
                let p = if i == j { w[i] } else { 0.0 } - w[i] * w[j] / s;
                direct += p * p * a[i] * b[j];
            }
        }
        assert!((p_sq(&w, &a, &b) - direct).abs() < 1e-12);
    }
}
