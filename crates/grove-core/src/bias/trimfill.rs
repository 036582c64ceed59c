//! Duval & Tweedie's trim-and-fill with the L0 estimator of the number of missing
//! studies, exactly as metafor `trimfill.rma.uni()` (R/trimfill.rma.uni.r) computes it.
//!
//! # Algorithm (metafor's steps)
//!
//! 1. **Side.** Unless given, the side on which studies are missing follows metafor's
//!    default rule: fit the meta-regression `rma.uni(yi, vi, mods = sqrt(vi), method)`
//!    with the analysis's own model and tau² estimator; if the slope on `sqrt(vi)` is
//!    negative the missing studies are on the **right**, else on the **left**.
//! 2. **Flip and sort.** For the right side the estimates are negated (`yi ← −yi`), so
//!    that missing studies are always sought on the left; then sorted increasingly
//!    (stably, as R's `sort(index.return=TRUE)`).
//! 3. **Iterate.** Starting from `k0 = 0`: fit the model (same model and estimator) to
//!    the `k − k0` smallest estimates, giving `β`; centre all `k` estimates,
//!    `ci = yi − β`; rank `|ci|` (ties broken by position, R's `ties.method="first"`);
//!    `Sr` = sum of the ranks of the positive `ci`;
//!
//!    ```text
//!    k0 = max(0, round((4·Sr − k(k + 1)) / (2k − 1)))        (L0, Duval & Tweedie 2000)
//!    var(Sr) = (k(k+1)(2k+1) + 10k0³ + 27k0² + 17k0 − 18k·k0² − 18k·k0 + 6k²·k0) / 24
//!    se(k0)  = 4·√var(Sr) / (2k − 1)                              (unrounded k0)
//!    ```
//!
//!    until `k0` repeats (at most [`TRIM_FILL_MAX_ITERATIONS`] iterations, metafor's
//!    `maxiter = 100`). `round` is R's, halves to even.
//! 4. **Fill.** The `k0` largest (flipped) estimates are mirrored about the last `β`:
//!    on the original scale each filled study is `2c − yi` with `c` the centre (`β`, or
//!    `−β` for the right side), with the same `vi`. The model is refitted on the
//!    original studies followed by the filled ones (metafor `yi.fill <- c(x$yi.f,
//!    ...)`). With `k0 = 0` the fit is the original one.
//!
//! References: Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based
//! method of testing and adjusting for publication bias in meta-analysis. Biometrics
//! 56:455–463; Duval S, Tweedie R (2000), A nonparametric "trim and fill" method of
//! accounting for publication bias in meta-analysis, JASA 95:89–98 (the L0 estimator
//! and its variance). metafor `trimfill(x, estimator="L0")`.

use std::fmt;

use serde::Serialize;

use super::BiasError;
use super::regression::{RANK_TOLERANCE, check_effects};
use crate::rma::root::{R_UNIROOT_TOL, uniroot};
use crate::rma::{self, Fit, Model, Undefined};
use crate::settings::{CiMethod, Tau2Estimator};

/// metafor's `maxiter` for trim-and-fill: iterations allowed for `k0` to settle.
pub const TRIM_FILL_MAX_ITERATIONS: usize = 100;

/// The side of the funnel plot on which studies are taken to be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Side {
    /// Missing studies have effects below the pooled estimate (metafor `"left"`).
    Left,
    /// Missing studies have effects above the pooled estimate (metafor `"right"`).
    Right,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Left => "left",
            Side::Right => "right",
        })
    }
}

/// How the side is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SideChoice {
    /// metafor's default rule: the sign of the slope on `sqrt(vi)` (see the module docs).
    Estimated,
    /// A side fixed by the user (metafor `trimfill(x, side=...)`).
    Fixed(Side),
}

/// Result of trim-and-fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrimFill {
    /// Estimated number of missing studies (metafor `k0`).
    pub k0: usize,
    /// Its standard error (metafor `se.k0`); `None` when the variance formula is
    /// negative (R would give `NaN`).
    pub se_k0: Option<f64>,
    /// Side on which studies were taken to be missing (metafor `side`).
    pub side: Side,
    /// Iterations until `k0` settled.
    pub iterations: usize,
    /// Estimates `yi` of the filled studies, in metafor's order.
    pub filled_yi: Vec<f64>,
    /// Their variances `vi` (those of the studies they mirror).
    pub filled_vi: Vec<f64>,
    /// For each filled study, the index (into the input) of the study it mirrors.
    pub mirrors: Vec<usize>,
    /// The model refitted on the original and the filled studies (the original fit
    /// when `k0 = 0`).
    pub fit: Fit,
}

/// Trim-and-fill with the L0 estimator, side by metafor's default rule (see the
/// [module docs](self)).
///
/// Reference: Duval & Tweedie (2000), Biometrics 56:455–463. metafor:
/// `trimfill(rma(yi, vi, method=..., test=...))`.
///
/// # Errors
/// [`BiasError::LengthMismatch`] / [`BiasError::InvalidEffect`] for malformed input,
/// [`BiasError::TooFewStudies`] with fewer than 2 studies (3 for a random-effects model,
/// whose side regression estimates three parameters), [`BiasError::NoSpreadInPredictor`]
/// when all variances are equal (the side regression has no slope; metafor fails too),
/// [`BiasError::NotConverged`], and [`BiasError::Fit`] when a fit fails.
///
/// ```
/// use grove_core::bias::trim_and_fill;
/// use grove_core::rma::Model;
/// use grove_core::{CiMethod, Tau2Estimator};
/// let yi = [-0.9, -1.6, -1.4, -1.5, -0.2, -0.8, 0.1];
/// let vi = [0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.004];
/// let tf = trim_and_fill(&yi, &vi, Model::Common, Tau2Estimator::DerSimonianLaird,
///                        CiMethod::Wald).unwrap();
/// assert_eq!(tf.fit.pooled.k, 7 + tf.k0);
/// ```
pub fn trim_and_fill(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<TrimFill, BiasError> {
    trim_and_fill_with(yi, vi, SideChoice::Estimated, model, tau2, ci)
}

/// Trim-and-fill with the side chosen as asked (metafor `trimfill(x, side=...)`).
///
/// # Errors
/// As [`trim_and_fill`].
pub fn trim_and_fill_with(
    yi: &[f64],
    vi: &[f64],
    side: SideChoice,
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<TrimFill, BiasError> {
    check_effects(yi, vi)?;
    let k = yi.len();
    if k < 2 {
        // metafor: "Stopped because k = 1."
        return Err(BiasError::TooFewStudies {
            needed: 2,
            found: k,
        });
    }
    let side = match side {
        SideChoice::Fixed(s) => s,
        SideChoice::Estimated => metafor_side(yi, vi, model, tau2)?,
    };
    let sign = match side {
        Side::Left => 1.0,
        Side::Right => -1.0,
    };
    // Flip for the right side, then sort increasingly (stable).
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (sign * yi[a]).total_cmp(&(sign * yi[b])));
    let ys: Vec<f64> = order.iter().map(|&i| sign * yi[i]).collect();
    let vs: Vec<f64> = order.iter().map(|&i| vi[i]).collect();

    let kf = k as f64;
    let mut k0 = 0usize;
    let mut previous: Option<usize> = None;
    let mut iterations = 0;
    let mut beta = 0.0;
    let mut se_k0 = None;
    while previous != Some(k0) {
        previous = Some(k0);
        iterations += 1;
        if iterations > TRIM_FILL_MAX_ITERATIONS {
            return Err(BiasError::NotConverged {
                iterations: TRIM_FILL_MAX_ITERATIONS,
            });
        }
        beta = pooled_estimate(&ys[..k - k0], &vs[..k - k0], model, tau2)?;
        // Signed ranks of the centred values, ties in |yi - beta| broken by position.
        let centred: Vec<f64> = ys.iter().map(|y| y - beta).collect();
        let mut by_size: Vec<usize> = (0..k).collect();
        by_size.sort_by(|&a, &b| centred[a].abs().total_cmp(&centred[b].abs()));
        let sr: f64 = by_size
            .iter()
            .enumerate()
            .filter(|&(_, &i)| centred[i] > 0.0)
            .map(|(rank, _)| (rank + 1) as f64)
            .sum();
        // L0 = (4 Sr - k(k+1)) / (2k - 1)
        let l0 = (4.0 * sr - kf * (kf + 1.0)) / (2.0 * kf - 1.0);
        let var_sr =
            (kf * (kf + 1.0) * (2.0 * kf + 1.0) + 10.0 * l0.powi(3) + 27.0 * l0 * l0 + 17.0 * l0
                - 18.0 * kf * l0 * l0
                - 18.0 * kf * l0
                + 6.0 * kf * kf * l0)
                / 24.0;
        se_k0 = (var_sr >= 0.0).then(|| (4.0 * var_sr.sqrt() / (2.0 * kf - 1.0)).max(0.0));
        // k0 <- max(0, round(k0)); at most k - 1 so that a study remains to fit.
        let rounded = l0.round_ties_even().max(0.0);
        k0 = (rounded as usize).min(k - 1);
    }

    let centre = sign * beta;
    let filled: Vec<usize> = order[k - k0..].to_vec();
    let filled_yi: Vec<f64> = filled.iter().map(|&i| 2.0 * centre - yi[i]).collect();
    let filled_vi: Vec<f64> = filled.iter().map(|&i| vi[i]).collect();
    let all_y: Vec<f64> = yi.iter().chain(&filled_yi).copied().collect();
    let all_v: Vec<f64> = vi.iter().chain(&filled_vi).copied().collect();
    let fit = rma::fit(&all_y, &all_v, model, tau2, ci)?;
    Ok(TrimFill {
        k0,
        se_k0,
        side,
        iterations,
        filled_yi,
        filled_vi,
        mirrors: filled,
        fit,
    })
}

/// The side metafor's `trimfill()` picks when none is given: fit `rma.uni(yi, vi,
/// mods = sqrt(vi), method)` and take `"right"` if the slope is negative, else
/// `"left"`.
///
/// # Errors
/// [`BiasError::TooFewStudies`] when the regression has more parameters than studies
/// (2 for the common-effect model, 3 with tau²), [`BiasError::NoSpreadInPredictor`] when
/// all `vi` are equal, and [`BiasError::Fit`] when tau² cannot be estimated.
pub fn metafor_side(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2: Tau2Estimator,
) -> Result<Side, BiasError> {
    check_effects(yi, vi)?;
    let needed = if model == Model::Common { 2 } else { 3 };
    if yi.len() < needed {
        return Err(BiasError::TooFewStudies {
            needed,
            found: yi.len(),
        });
    }
    let x: Vec<f64> = vi.iter().map(|v| v.sqrt()).collect();
    let t = match model {
        Model::Common => 0.0,
        Model::Random => regression_tau2(yi, vi, &x, tau2)?,
    };
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + t)).collect();
    let line = Wls::fit(&x, yi, &w).ok_or(BiasError::NoSpreadInPredictor)?;
    Ok(if line.slope < 0.0 {
        Side::Right
    } else {
        Side::Left
    })
}

// ---------------------------------------------------------------------------------
// Private: the truncated fits and the meta-regression on sqrt(vi).
// ---------------------------------------------------------------------------------

/// metafor `con$threshold`, Fisher scoring convergence (same as rma::tau2).
const SCORING_THRESHOLD: f64 = 1e-5;
/// metafor `con$maxiter` (same as rma::tau2).
const SCORING_MAX_ITERATIONS: u32 = 100;
/// metafor 3.8 `con$tau2.max`: upper end of the Paule-Mandel search (same as
/// rma::tau2; metafor 4 widens it to `max(100, 10·mad(yi)²)`).
const TAU2_MAX: f64 = 100.0;

/// The pooled estimate `β` of the model fitted to the truncated data (metafor refits
/// `rma.uni` with the same method; a single remaining study is its own estimate, as
/// metafor fits `k = 1` with tau² = 0).
fn pooled_estimate(
    ys: &[f64],
    vs: &[f64],
    model: Model,
    tau2: Tau2Estimator,
) -> Result<f64, BiasError> {
    let model = if ys.len() == 1 { Model::Common } else { model };
    Ok(rma::fit(ys, vs, model, tau2, CiMethod::Wald)?
        .pooled
        .estimate)
}

/// Weighted least squares of `y` on `[1, x]`, with what metafor's tau² estimators need
/// of the projection `P = W − W X (X'WX)⁻¹ X'W` (computed in centred coordinates:
/// `x̃ = x − x̄w`, so `(X'WX)⁻¹ = diag(1/Σw, 1/Sxx)` and `x_i'(X'WX)⁻¹x_i = 1/Σw +
/// x̃i²/Sxx`).
#[derive(Debug, Clone, Copy)]
struct Wls {
    slope: f64,
    /// `Y'PY = Σ wi ri²`.
    rss: f64,
    /// `Y'PPY = Σ (wi ri)²`.
    ypp_y: f64,
    /// `tr(P) = Σ wi − Σ wi² hi`.
    tr_p: f64,
    /// `tr(PP) = Σ wi² − 2 Σ wi³ hi + tr((A M)²)`, `M = Σ wi² xi xi'`.
    tr_pp: f64,
    /// `Σ wi`.
    sw: f64,
    /// `Σ wi²`.
    sw2: f64,
    /// `log det(X'WX) = log(Σw · Sxx)`.
    log_det: f64,
}

impl Wls {
    /// `None` when `x` has no spread (rank-deficient design, which R's `lm` drops).
    fn fit(x: &[f64], y: &[f64], w: &[f64]) -> Option<Wls> {
        let sw: f64 = w.iter().sum();
        let xbar = w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() / sw;
        let ybar = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / sw;
        let (mut sxx, mut sxy, mut swxx) = (0.0, 0.0, 0.0);
        for ((&w, &x), &y) in w.iter().zip(x).zip(y) {
            sxx += w * (x - xbar) * (x - xbar);
            sxy += w * (x - xbar) * (y - ybar);
            swxx += w * x * x;
        }
        if sxx.is_nan() || sxx <= RANK_TOLERANCE * swxx {
            return None;
        }
        let slope = sxy / sxx;
        let (mut rss, mut ypp_y, mut sw2, mut sw3h) = (0.0, 0.0, 0.0, 0.0);
        let (mut sw2h, mut m01, mut m11) = (0.0, 0.0, 0.0);
        for ((&w, &x), &y) in w.iter().zip(x).zip(y) {
            let xt = x - xbar;
            let r = y - ybar - slope * xt;
            let h = 1.0 / sw + xt * xt / sxx;
            rss += w * r * r;
            ypp_y += (w * r) * (w * r);
            sw2 += w * w;
            sw2h += w * w * h;
            sw3h += w * w * w * h;
            m01 += w * w * xt;
            m11 += w * w * xt * xt;
        }
        // A·M in centred coordinates: [[Σw²/Σw, Σw²x̃/Σw], [Σw²x̃/Sxx, Σw²x̃²/Sxx]].
        let (a, b, c, d) = (sw2 / sw, m01 / sw, m01 / sxx, m11 / sxx);
        let tr_amam = a * a + 2.0 * b * c + d * d;
        Some(Wls {
            slope,
            rss,
            ypp_y,
            tr_p: sw - sw2h,
            tr_pp: sw2 - 2.0 * sw3h + tr_amam,
            sw,
            sw2,
            log_det: (sw * sxx).ln(),
        })
    }
}

/// tau² of the meta-regression `yi ~ 1 + x` (p = 2) with metafor `rma.uni`'s
/// estimator formulas (R/rma.uni.r; see [`crate::rma`] for the intercept-only case),
/// truncated at 0.
fn regression_tau2(
    yi: &[f64],
    vi: &[f64],
    x: &[f64],
    estimator: Tau2Estimator,
) -> Result<f64, BiasError> {
    let k = yi.len();
    let p = 2usize;
    if k < p + 1 {
        return Err(BiasError::TooFewStudies {
            needed: p + 1,
            found: k,
        });
    }
    let (kf, dfr) = (k as f64, (k - p) as f64);
    // metafor 3.8 works on yi as given (metafor 4 centres them first, which changes
    // only rounding; the sums here are centred anyway).
    let mean = yi.iter().sum::<f64>() / kf;
    let y = yi;
    let fit_at = |t: f64| -> Result<Wls, BiasError> {
        let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + t)).collect();
        Wls::fit(x, y, &w).ok_or(BiasError::NoSpreadInPredictor)
    };
    let hedges = || -> Result<f64, BiasError> {
        // HE: (RSS - tr(PV)) / (k-p), P = I - X(X'X)^-1 X' (unit weights).
        let ones = vec![1.0; k];
        let u = Wls::fit(x, y, &ones).ok_or(BiasError::NoSpreadInPredictor)?;
        let xbar = x.iter().sum::<f64>() / kf;
        let sxx: f64 = x.iter().map(|x| (x - xbar) * (x - xbar)).sum();
        let tr_pv: f64 = vi
            .iter()
            .zip(x)
            .map(|(v, x)| v * (1.0 - (1.0 / kf + (x - xbar).powi(2) / sxx)))
            .sum();
        Ok((u.rss - tr_pv) / dfr)
    };
    let not_estimable = |why: &str| BiasError::Fit(Undefined::Tau2NotEstimable(why.to_string()));
    let tau2 = match estimator {
        Tau2Estimator::DerSimonianLaird => {
            let f = fit_at(0.0)?;
            (f.rss - dfr) / f.tr_p
        }
        Tau2Estimator::HunterSchmidt => {
            let f = fit_at(0.0)?;
            (f.rss - kf) / f.sw
        }
        Tau2Estimator::Hedges => hedges()?,
        Tau2Estimator::SidikJonkman => {
            // tau2.0 <- var(yi) * (k-1)/k
            let tau2_0 = y.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / kf;
            tau2_0 * fit_at(tau2_0)?.rss / dfr
        }
        Tau2Estimator::PauleMandel => {
            let tau2_max = TAU2_MAX;
            let q = |t: f64| fit_at(t).map(|f| f.rss - dfr).unwrap_or(f64::NAN);
            if q(0.0) < 0.0 {
                0.0
            } else if q(tau2_max) > 0.0 {
                return Err(not_estimable(
                    "tau2.max too low for the Paule-Mandel estimator",
                ));
            } else {
                uniroot(q, 0.0, tau2_max, R_UNIROOT_TOL, SCORING_MAX_ITERATIONS)
                    .map_err(|_| not_estimable("no root of the Paule-Mandel equation"))?
            }
        }
        Tau2Estimator::MaximumLikelihood
        | Tau2Estimator::RestrictedMaximumLikelihood
        | Tau2Estimator::EmpiricalBayes => {
            scoring(vi, &fit_at, hedges()?.max(0.0), estimator, kf, dfr)?
        }
    };
    Ok(tau2.max(0.0))
}

/// Fisher scoring for ML, REML and EB from the Hedges start, with metafor's step
/// halving and, for ML/REML, its check that tau² = 0 is not more likely.
fn scoring<F>(
    vi: &[f64],
    fit_at: &F,
    start: f64,
    estimator: Tau2Estimator,
    kf: f64,
    dfr: f64,
) -> Result<f64, BiasError>
where
    F: Fn(f64) -> Result<Wls, BiasError>,
{
    let mut tau2 = start;
    let mut change = SCORING_THRESHOLD + 1.0;
    let mut iter = 0;
    while change > SCORING_THRESHOLD {
        iter += 1;
        if iter > SCORING_MAX_ITERATIONS {
            return Err(BiasError::Fit(Undefined::Tau2NotEstimable(
                "Fisher scoring did not converge".to_string(),
            )));
        }
        let old = tau2;
        let f = fit_at(tau2)?;
        let mut adj = match estimator {
            Tau2Estimator::MaximumLikelihood => (f.ypp_y - f.sw) / f.sw2,
            Tau2Estimator::RestrictedMaximumLikelihood => (f.ypp_y - f.tr_p) / f.tr_pp,
            _ => (f.rss * kf / dfr - kf) / f.sw,
        };
        if adj.is_nan() {
            adj = 0.0;
        }
        while tau2 + adj < 0.0 {
            adj /= 2.0;
        }
        tau2 += adj;
        change = (old - tau2).abs();
    }
    if estimator != Tau2Estimator::EmpiricalBayes {
        // ll0check: is the (restricted) likelihood larger at tau2 = 0?
        let ll = |t: f64| -> Result<f64, BiasError> {
            let f = fit_at(t)?;
            let logv: f64 = vi.iter().map(|v| (v + t).ln()).sum();
            let two_pi = (2.0 * std::f64::consts::PI).ln();
            Ok(if estimator == Tau2Estimator::MaximumLikelihood {
                -0.5 * kf * two_pi - 0.5 * logv - 0.5 * f.rss
            } else {
                -0.5 * dfr * two_pi - 0.5 * logv - 0.5 * f.log_det - 0.5 * f.rss
            })
        };
        if ll(0.0)? - ll(tau2)? > R_UNIROOT_TOL && tau2 > SCORING_THRESHOLD {
            tau2 = 0.0;
        }
    }
    Ok(tau2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Log risk ratios and variances of the BCG trials (Colditz et al. 1994).
    fn bcg() -> (Vec<f64>, Vec<f64>) {
        let yi = vec![
            -0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694,
            -1.3713, -0.3394, 0.4459, -0.0173,
        ];
        let vi = vec![
            0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
            0.5325, 0.0714,
        ];
        (yi, vi)
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// The projection quantities of [`Wls`] against the k×k matrix
    /// `P = W − W X (X'WX)⁻¹ X'W` built explicitly.
    #[test]
    fn projection_traces_match_the_explicit_matrix() {
        let (yi, vi) = bcg();
        let k = yi.len();
        let x: Vec<f64> = vi.iter().map(|v| v.sqrt()).collect();
        let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + 0.3)).collect();
        let (a, b, d) = (
            w.iter().sum::<f64>(),
            w.iter().zip(&x).map(|(w, x)| w * x).sum::<f64>(),
            w.iter().zip(&x).map(|(w, x)| w * x * x).sum::<f64>(),
        );
        let det = a * d - b * b;
        // (X'WX)⁻¹ = [[d, −b], [−b, a]] / det; x_i'(X'WX)⁻¹x_j with x_i = (1, x_i).
        let g = |i: usize, j: usize| (d - b * (x[i] + x[j]) + a * x[i] * x[j]) / det;
        let p = |i: usize, j: usize| f64::from(u8::from(i == j)) * w[i] - w[i] * w[j] * g(i, j);
        let py: Vec<f64> = (0..k)
            .map(|i| (0..k).map(|j| p(i, j) * yi[j]).sum())
            .collect();
        let tr_p: f64 = (0..k).map(|i| p(i, i)).sum();
        let tr_pp: f64 = (0..k)
            .flat_map(|i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| p(i, j).powi(2))
            .sum();
        let ypy: f64 = yi.iter().zip(&py).map(|(y, q)| y * q).sum();
        let yppy: f64 = py.iter().map(|q| q * q).sum();
        let f = Wls::fit(&x, &yi, &w).unwrap();
        for (name, ours, explicit) in [
            ("trP", f.tr_p, tr_p),
            ("trPP", f.tr_pp, tr_pp),
            ("Y'PY", f.rss, ypy),
            ("Y'PPY", f.ypp_y, yppy),
            ("log det", f.log_det, det.ln()),
        ] {
            assert!(near(ours, explicit), "{name}: {ours} vs {explicit}");
        }
    }

    /// Every estimator gives a side for the BCG data, and the DL meta-regression tau²
    /// is `(Y'PY − (k − 2))/tr(P)` with the common-effect weights.
    #[test]
    fn every_estimator_chooses_a_side() {
        let (yi, vi) = bcg();
        let x: Vec<f64> = vi.iter().map(|v| v.sqrt()).collect();
        for est in Tau2Estimator::ALL {
            assert!(
                metafor_side(&yi, &vi, Model::Random, est).is_ok(),
                "{est:?}"
            );
            let t = regression_tau2(&yi, &vi, &x, est).unwrap();
            assert!(t.is_finite() && t >= 0.0, "{est:?}: {t}");
        }
        let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
        let f = Wls::fit(&x, &yi, &w).unwrap();
        let dl = ((f.rss - 11.0) / f.tr_p).max(0.0);
        let ours = regression_tau2(&yi, &vi, &x, Tau2Estimator::DerSimonianLaird).unwrap();
        assert!(near(ours, dl));
    }

    /// Filled studies mirror the most extreme ones about the final centre, keep their
    /// variances, and the final fit is `rma::fit` of original plus filled studies.
    #[test]
    fn filled_studies_mirror_about_the_centre() {
        let (yi, vi) = bcg();
        let tf = trim_and_fill(
            &yi,
            &vi,
            Model::Common,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap();
        assert!(tf.k0 > 0);
        assert_eq!((tf.filled_yi.len(), tf.mirrors.len()), (tf.k0, tf.k0));
        // The centre is the common-effect estimate of the trimmed studies.
        let trimmed: Vec<usize> = (0..yi.len()).filter(|i| !tf.mirrors.contains(i)).collect();
        let ty: Vec<f64> = trimmed.iter().map(|&i| yi[i]).collect();
        let tv: Vec<f64> = trimmed.iter().map(|&i| vi[i]).collect();
        let centre = rma::fit(
            &ty,
            &tv,
            Model::Common,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap()
        .pooled
        .estimate;
        for (j, &m) in tf.mirrors.iter().enumerate() {
            assert!(near(tf.filled_yi[j], 2.0 * centre - yi[m]));
            assert_eq!(tf.filled_vi[j], vi[m]);
            // Mirrored studies are the most extreme on the side opposite the missing
            // ones (missing on the right: the leftmost studies are mirrored).
            let beyond = |y: f64| {
                if tf.side == Side::Right {
                    y < yi[m]
                } else {
                    y > yi[m]
                }
            };
            assert!(trimmed.iter().all(|&i| !beyond(yi[i])));
        }
        let all_y: Vec<f64> = yi.iter().chain(&tf.filled_yi).copied().collect();
        let all_v: Vec<f64> = vi.iter().chain(&tf.filled_vi).copied().collect();
        let refit = rma::fit(
            &all_y,
            &all_v,
            Model::Common,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap();
        assert_eq!(tf.fit, refit);
    }

    /// A funnel symmetric about its centre has nothing missing: k0 = 0 and the fit is
    /// the original one.
    #[test]
    fn a_symmetric_funnel_fills_nothing() {
        let yi = [-0.3, 0.3, -0.1, 0.1, -0.6, 0.6, 0.0];
        let vi = [0.1, 0.1, 0.02, 0.02, 0.3, 0.3, 0.05];
        for model in [Model::Common, Model::Random] {
            let tf = trim_and_fill(
                &yi,
                &vi,
                model,
                Tau2Estimator::DerSimonianLaird,
                CiMethod::Wald,
            )
            .unwrap();
            assert_eq!(tf.k0, 0);
            assert!(tf.filled_yi.is_empty());
            let original = rma::fit(
                &yi,
                &vi,
                model,
                Tau2Estimator::DerSimonianLaird,
                CiMethod::Wald,
            )
            .unwrap();
            assert_eq!(tf.fit, original);
        }
    }

    #[test]
    fn undefined_cases_are_errors() {
        let dl = Tau2Estimator::DerSimonianLaird;
        let w = CiMethod::Wald;
        assert_eq!(
            trim_and_fill(&[0.1], &[0.1], Model::Common, dl, w),
            Err(BiasError::TooFewStudies {
                needed: 2,
                found: 1
            })
        );
        assert_eq!(
            trim_and_fill(&[0.1, 0.5], &[0.1, 0.2], Model::Random, dl, w),
            Err(BiasError::TooFewStudies {
                needed: 3,
                found: 2
            })
        );
        assert_eq!(
            trim_and_fill(&[0.1, 0.5, 0.2], &[0.1, 0.1, 0.1], Model::Common, dl, w),
            Err(BiasError::NoSpreadInPredictor)
        );
        // A side given by the user needs no regression.
        let fixed = trim_and_fill_with(
            &[0.1, 0.5, 0.2],
            &[0.1, 0.1, 0.1],
            SideChoice::Fixed(Side::Left),
            Model::Common,
            dl,
            w,
        );
        assert_eq!(fixed.map(|t| t.side), Ok(Side::Left));
    }
}
