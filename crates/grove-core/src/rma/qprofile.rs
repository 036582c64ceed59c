//! Q-profile confidence interval for tau² (Viechtbauer 2007), exactly as metafor 3.8
//! `confint.rma.uni(type="QP")` searches for it.
//!
//! The generalised Q statistic `QE(t) = Σ (yi - ŷ(t))² / (vi + t)` decreases in `t`.
//! The lower bound solves `QE(t) = χ²_{k-1, 0.975}` and the upper bound
//! `QE(t) = χ²_{k-1, 0.025}`, each with R's `uniroot()` on `[tau2.min, tau2.max]`,
//! `tau2.min = min(0, tau2)`, `tau2.max = max(100, 10 tau2)`, `tol =
//! .Machine$double.eps^0.25`, `maxiter = 1000`. When `QE(tau2.min)` is already below a
//! critical value the bound is `tau2.min`; when `QE(tau2.max)` is above it, the bound is
//! reported as `tau2.max` (metafor prints it as "> tau2.max").

use super::root::{R_UNIROOT_TOL, uniroot};
use super::{CONFIDENCE_LEVEL, Interval, RootStep, weighted_rss};
use crate::dist;

/// metafor's `confint.rma.uni` `maxiter` for `uniroot()`.
const QP_MAX_ITERATIONS: u32 = 1000;

/// The Q-profile interval, or `None` when a root search fails (metafor then reports
/// `NA` with a warning).
pub(crate) fn tau2_interval(yi: &[f64], vi: &[f64], tau2: f64) -> Option<Interval> {
    tau2_interval_traced(yi, vi, tau2, &mut QProfileTrace::default())
}

/// What the Q-profile search did, for the explanations: the critical values it aimed
/// at and every tau² each root search tried (empty when a bound needed no search).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QProfileTrace {
    /// `χ²_{k−1}` at 0.975 and 0.025, the targets of the lower and the upper bound.
    pub critical: [f64; 2],
    /// The ends of the search, `[tau2.min, tau2.max]`.
    pub range: [f64; 2],
    /// For the lower and the upper bound, each tau² tried and `QE(tau²)` minus the
    /// target there.
    pub steps: [Vec<RootStep>; 2],
}

/// [`tau2_interval`], recording in `trace` what it did.
pub(crate) fn tau2_interval_traced(
    yi: &[f64],
    vi: &[f64],
    tau2: f64,
    trace: &mut QProfileTrace,
) -> Option<Interval> {
    let k = yi.len();
    if k < 2 {
        return None;
    }
    let df = (k - 1) as f64;
    let alpha = 1.0 - CONFIDENCE_LEVEL;
    // crit.u <- qchisq(level/2, k-p, lower.tail=FALSE); crit.l <- qchisq(level/2, k-p)
    let crit_u = dist::chi2_quantile(1.0 - alpha / 2.0, df);
    let crit_l = dist::chi2_quantile(alpha / 2.0, df);
    let tau2_min = tau2.min(0.0);
    let tau2_max = 100f64.max(10.0 * tau2).max(10.0 * tau2_min);
    // .QE.func uses the uncentred Y.
    let qe = |t: f64| weighted_rss(yi, &vi.iter().map(|v| 1.0 / (v + t)).collect::<Vec<_>>());
    let qe_min = qe(tau2_min);
    let qe_max = qe(tau2_max);
    trace.critical = [crit_u, crit_l];
    trace.range = [tau2_min, tau2_max];
    let search = |objective: f64, steps: &mut Vec<RootStep>| {
        uniroot(
            |t| {
                let excess = qe(t) - objective;
                steps.push(RootStep { tau2: t, excess });
                excess
            },
            tau2_min,
            tau2_max,
            R_UNIROOT_TOL,
            QP_MAX_ITERATIONS,
        )
        .ok()
    };
    let [lower_steps, upper_steps] = &mut trace.steps;

    // Upper bound. When QE(tau2.min) < crit.l both bounds are tau2.min (the interval is
    // the null set when tau2.min <= 0); the lower-bound rules below then give tau2.min.
    let mut upper = if qe_min < crit_l {
        Some(tau2_min)
    } else if qe_max > crit_l {
        Some(tau2_max)
    } else {
        search(crit_l, upper_steps)
    };
    // Lower bound.
    let lower = if qe_max > crit_u {
        upper = Some(tau2_max);
        Some(tau2_max)
    } else if qe_min < crit_u {
        Some(tau2_min)
    } else {
        search(crit_u, lower_steps)
    };
    Some(Interval {
        lower: lower?,
        upper: upper?,
    })
}
