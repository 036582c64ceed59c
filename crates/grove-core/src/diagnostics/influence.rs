//! Case-deletion diagnostics (metafor `influence.rma.uni()` and `leave1out.rma.uni()`).

use serde::Serialize;

use super::{BaseFit, DiagnosticsError, check_input};
use crate::dist;
use crate::rma::{self, Model};
use crate::sensitivity::{self, StepFit};
use crate::settings::{CiMethod, Tau2Estimator};

/// Influence diagnostics of every study of a fit (Viechtbauer & Cheung 2010), each
/// vector in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    /// Externally studentised residuals `rstudent`.
    pub rstudent: Vec<f64>,
    /// `dffits`.
    pub dffits: Vec<f64>,
    /// `dfbetas` (one coefficient: the pooled effect).
    pub dfbetas: Vec<f64>,
    /// Cook's distances `cook.d`.
    pub cook_d: Vec<f64>,
    /// Covariance ratios `cov.r`.
    pub cov_r: Vec<f64>,
    /// τ² of each leave-one-out fit `tau2.del` (0 for EE).
    pub tau2_del: Vec<f64>,
    /// Cochran's Q of each leave-one-out fit `QE.del`.
    pub qe_del: Vec<f64>,
    /// Hat values (leverages) `hat = wᵢ/Σw`.
    pub hat: Vec<f64>,
    /// Weights in percent, `100·hat`.
    pub weight_pct: Vec<f64>,
    /// metafor's `inf` flag (the `*` of its print method).
    pub influential: Vec<bool>,
    /// The leave-one-out fits (metafor `leave1out()`), step `i` without study `i`.
    pub leave_one_out: Vec<StepFit>,
}

/// Influence and leave-one-out diagnostics of the fit `base` of `yi`, `vi`.
///
/// # Formulas
/// With the full fit's `μ`, `V = 1/Σw`, `wᵢ = 1/(vᵢ + τ²)`, and each leave-one-out fit's
/// `μ₍₋ᵢ₎`, `τ²₍₋ᵢ₎`, `V₍₋ᵢ₎` (metafor `influence.rma.uni`, R/influence.rma.uni.r):
///
/// ```text
/// hatᵢ     = wᵢ / Σw
/// rstudentᵢ = (yᵢ − μ₍₋ᵢ₎) / √(vᵢ + τ²₍₋ᵢ₎ + V₍₋ᵢ₎)     numerator 0 when |·| < 100·ε
/// dffitsᵢ  = (μ − μ₍₋ᵢ₎) / √(hatᵢ·(vᵢ + τ²₍₋ᵢ₎))
/// dfbetasᵢ = (μ − μ₍₋ᵢ₎) / √(1 / Σⱼ 1/(vⱼ + τ²₍₋ᵢ₎))     j over all k studies
/// cook.dᵢ  = (μ − μ₍₋ᵢ₎)² / V
/// cov.rᵢ   = V₍₋ᵢ₎ / V
/// inf      = |dffits| > 3√(1/(k−1))  or  pchisq(cook.d, 1) > 0.5  or  hat > 3/k
///            or |dfbetas| > 1
/// ```
///
/// # Errors
/// [`DiagnosticsError::OneStudy`] for a single study (metafor: "Stopped because k =
/// 1."), and malformed input.
///
/// ```
/// use grove_core::diagnostics::{influence, BaseFit};
/// let inf = influence(&[0.1, 0.5, -0.2], &[0.04, 0.04, 0.08], BaseFit::Common).unwrap();
/// assert!((inf.hat.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// ```
pub fn influence(yi: &[f64], vi: &[f64], base: BaseFit) -> Result<Influence, DiagnosticsError> {
    influence_of(yi, vi, base.model(), Tau2Estimator::DerSimonianLaird)
}

/// [`influence()`] of the model `model` with τ² by `estimator` (ignored for the
/// common-effect model), Wald (z) inference: metafor `influence(rma(yi, vi, method,
/// test = "z"))`. The same formulas; each leave-one-out fit re-estimates τ² by
/// `estimator`.
///
/// # Errors
/// As [`influence()`].
pub fn influence_of(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    estimator: Tau2Estimator,
) -> Result<Influence, DiagnosticsError> {
    check_input(yi, vi)?;
    let k = yi.len();
    if k < 2 {
        return Err(DiagnosticsError::OneStudy);
    }
    let full = rma::fit(yi, vi, model, estimator, CiMethod::Wald)?;
    let (mu, tau2) = (full.pooled.estimate, full.heterogeneity.tau2);
    let var = full.pooled.se * full.pooled.se;
    let steps = sensitivity::leave_one_out(yi, vi, model, estimator, CiMethod::Wald)?;
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2)).collect();
    let sw: f64 = w.iter().sum();
    let kf = k as f64;
    let mut out = Influence {
        rstudent: Vec::with_capacity(k),
        dffits: Vec::with_capacity(k),
        dfbetas: Vec::with_capacity(k),
        cook_d: Vec::with_capacity(k),
        cov_r: Vec::with_capacity(k),
        tau2_del: Vec::with_capacity(k),
        qe_del: Vec::with_capacity(k),
        hat: Vec::with_capacity(k),
        weight_pct: Vec::with_capacity(k),
        influential: Vec::with_capacity(k),
        leave_one_out: Vec::with_capacity(k),
    };
    for (i, step) in steps.into_iter().enumerate() {
        // k ≥ 2, so every leave-one-out subset holds a study and its fit exists.
        let del = step.fit?;
        let mu_del = del.pooled.estimate;
        let tau2_del = del.heterogeneity.tau2;
        let var_del = del.pooled.se * del.pooled.se;
        let hat = w[i] / sw;
        // metafor: resid[abs(resid) < 100 * .Machine$double.eps] <- 0
        let resid = yi[i] - mu_del;
        let resid = if resid.abs() < 100.0 * f64::EPSILON {
            0.0
        } else {
            resid
        };
        let rstudent = resid / (vi[i] + tau2_del + var_del).sqrt();
        let diff = mu - mu_del;
        let dffits = diff / (hat * (vi[i] + tau2_del)).sqrt();
        let sw_del: f64 = vi.iter().map(|v| 1.0 / (v + tau2_del)).sum();
        let dfbetas = diff / (1.0 / sw_del).sqrt();
        let cook_d = diff * diff / var;
        let cov_r = var_del / var;
        // metafor: is.infl <- abs(dffits) > 3*sqrt(p/(k-p)) | pchisq(cook.d, df=p) > .50 |
        //          hat > 3*p/k | any(abs(dfbs) > 1)
        let influential = dffits.abs() > 3.0 * (1.0 / (kf - 1.0)).sqrt()
            || (1.0 - dist::chi2_sf(cook_d, 1.0)) > 0.5
            || hat > 3.0 / kf
            || dfbetas.abs() > 1.0;
        out.rstudent.push(rstudent);
        out.dffits.push(dffits);
        out.dfbetas.push(dfbetas);
        out.cook_d.push(cook_d);
        out.cov_r.push(cov_r);
        out.tau2_del.push(tau2_del);
        out.qe_del.push(del.heterogeneity.q);
        out.hat.push(hat);
        out.weight_pct.push(100.0 * hat);
        out.influential.push(influential);
        out.leave_one_out.push(del);
    }
    Ok(out)
}
