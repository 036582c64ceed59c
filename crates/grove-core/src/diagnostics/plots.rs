//! Baujat and radial (Galbraith) plots (metafor `baujat()`, `radial()`).

use serde::Serialize;

use super::{BaseFit, DiagnosticsError, Influence, check_input, influence_of};
use crate::rma::{self, Fit, Interval, Model};
use crate::settings::{CiMethod, Tau2Estimator};

/// Points of a Baujat plot, in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baujat {
    /// Contribution to heterogeneity, `(yᵢ − μ)²/(vᵢ + τ²)`.
    pub x: Vec<f64>,
    /// Influence on the pooled result, `(μ₍₋ᵢ₎ − μ)²/V₍₋ᵢ₎`.
    pub y: Vec<f64>,
}

/// The Baujat plot of the fit `base` (Baujat et al. 2002; metafor `baujat.rma()`):
///
/// ```text
/// xᵢ = (yᵢ − μ)² / (vᵢ + τ²)          μ, τ² of the full fit (EE: Σx = Q)
/// yᵢ = (μ₍₋ᵢ₎ − μ)² / V₍₋ᵢ₎            the fit without study i (DL: τ² re-estimated)
/// ```
///
/// Reference: Baujat B, Mahé C, Pignon J-P, Hill C (2002). A graphical method for
/// exploring heterogeneity in meta-analyses. Stat Med 21:2641–2652.
///
/// # Errors
/// As [`influence()`]: [`DiagnosticsError::OneStudy`] for a single study.
///
/// ```
/// use grove_core::diagnostics::{baujat, BaseFit};
/// let (yi, vi) = ([0.1, 0.5, -0.2], [0.04, 0.04, 0.08]);
/// let b = baujat(&yi, &vi, BaseFit::Common).unwrap();
/// let q = BaseFit::Common.fit(&yi, &vi).unwrap().heterogeneity.q;
/// assert!((b.x.iter().sum::<f64>() - q).abs() < 1e-12);
/// ```
pub fn baujat(yi: &[f64], vi: &[f64], base: BaseFit) -> Result<Baujat, DiagnosticsError> {
    baujat_of(yi, vi, base.model(), Tau2Estimator::DerSimonianLaird)
}

/// [`baujat()`] of the model `model` with τ² by `estimator` (metafor `baujat(rma(yi, vi,
/// method))`); the leave-one-out fits re-estimate τ² by `estimator`.
///
/// # Errors
/// As [`baujat()`].
pub fn baujat_of(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    estimator: Tau2Estimator,
) -> Result<Baujat, DiagnosticsError> {
    let inf = influence_of(yi, vi, model, estimator)?;
    let full = rma::fit(yi, vi, model, estimator, CiMethod::Wald)?;
    Ok(baujat_from(yi, vi, &full, &inf))
}

/// The Baujat plot of a fit and its influence diagnostics.
pub(crate) fn baujat_from(yi: &[f64], vi: &[f64], full: &Fit, inf: &Influence) -> Baujat {
    let (mu, tau2) = (full.pooled.estimate, full.heterogeneity.tau2);
    let x = yi
        .iter()
        .zip(vi)
        .map(|(y, v)| (y - mu).powi(2) / (v + tau2))
        .collect();
    let y = inf
        .leave_one_out
        .iter()
        .map(|del| (del.pooled.estimate - mu).powi(2) / (del.pooled.se * del.pooled.se))
        .collect();
    Baujat { x, y }
}

/// A radial (Galbraith) plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Radial {
    /// τ² of the fit (0 for EE).
    pub tau2: f64,
    /// `xᵢ = 1/√(vᵢ + τ²)`.
    pub x: Vec<f64>,
    /// `yᵢ = yᵢ/√(vᵢ + τ²)`.
    pub y: Vec<f64>,
    /// The pooled estimate: the line `y = slope·x` through the origin (`Σxy/Σx²`).
    pub slope: f64,
    /// The 95% critical value `qnorm(0.975)`: band lines `y = slope·x ∓ zcrit`.
    pub zcrit: f64,
    /// The pooled 95% CI (drawn as an arc).
    pub ci: Interval,
}

/// The radial plot of the fit `base` (Galbraith 1988; metafor `radial.rma()`).
///
/// Reference: Galbraith RF (1988). A note on graphical presentation of estimated odds
/// ratios from several clinical trials. Stat Med 7:889–894.
///
/// # Errors
/// Malformed input or no study.
///
/// ```
/// use grove_core::diagnostics::{radial, BaseFit};
/// let r = radial(&[0.2, -0.1], &[0.04, 0.25], BaseFit::Common).unwrap();
/// assert_eq!(r.x, [5.0, 2.0]);
/// assert!((r.y[0] - 1.0).abs() < 1e-15);
/// ```
pub fn radial(yi: &[f64], vi: &[f64], base: BaseFit) -> Result<Radial, DiagnosticsError> {
    radial_of(yi, vi, base.model(), Tau2Estimator::DerSimonianLaird)
}

/// [`radial()`] of the model `model` with τ² by `estimator` (metafor `radial(rma(yi, vi,
/// method))`).
///
/// # Errors
/// As [`radial()`].
pub fn radial_of(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    estimator: Tau2Estimator,
) -> Result<Radial, DiagnosticsError> {
    check_input(yi, vi)?;
    let full = rma::fit(yi, vi, model, estimator, CiMethod::Wald)?;
    let tau2 = full.heterogeneity.tau2;
    let x: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2).sqrt()).collect();
    let y = yi.iter().zip(&x).map(|(y, x)| y * x).collect();
    Ok(Radial {
        tau2,
        x,
        y,
        slope: full.pooled.estimate,
        zcrit: rma::critical_value(None),
        ci: full.pooled.ci,
    })
}
