//! Peto's one-step odds ratio (Yusuf et al. 1985), as metafor's `rma.peto()` computes
//! it.
//!
//! # Formulas (metafor `rma.peto`, raw counts, `Ni = n1i + n2i`)
//! `xt = ai + ci`, `yt = bi + di`, `Ei = xt n1i/Ni`,
//! `Vi = xt yt (n1i/Ni)(n2i/Ni)/(Ni - 1)`; `log OR = Σ (ai - Ei) / Σ Vi`,
//! `se = sqrt(1/Σ Vi)`. Heterogeneity:
//! `QE = max(0, Σ (ai - Ei)²/Vi - (Σ (ai - Ei))² / Σ Vi)` over tables with `Vi > 0`,
//! `df = k.yi - 1` where `k.yi` counts the studies with a per-study estimate; when at
//! most one table has `Vi > 0`, `QEp = 1`, `I2 = 0`, `H2 = 1`.
//!
//! Per-study estimates (metafor `escalc(measure="PETO", add=1/2, to="only0",
//! drop00=TRUE)`): `yi = (ai - Ei)/Vi`, `vi = 1/Vi` on the corrected counts. Weights:
//! `Vi` in percent of `Σ Vi`.

use crate::effect::{EffectSize, NotEstimable};
use crate::rma::{Fit, Heterogeneity, Model, Pooled, Undefined};
use crate::settings::ZeroCellCorrection;
use crate::table::Table;

/// Peto's common-effect odds ratio (log scale) with metafor's heterogeneity statistics.
///
/// # Errors
/// [`Undefined::NoStudies`] for no tables; [`Undefined::ZeroTotalWeight`] when one of
/// the two outcomes never occurs in any table (metafor stops: "Peto's method cannot be
/// used").
pub fn peto(tables: &[Table]) -> Result<Fit, Undefined> {
    peto_with(tables, ZeroCellCorrection::default())
}

/// [`peto`] with the correction used for the per-study estimates behind `df`.
///
/// # Errors
/// As [`peto`].
pub fn peto_with(tables: &[Table], correction: ZeroCellCorrection) -> Result<Fit, Undefined> {
    if tables.is_empty() {
        return Err(Undefined::NoStudies);
    }
    let parts: Vec<(f64, f64)> = tables
        .iter()
        .map(|t| o_minus_e_and_v([t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64]))
        .collect();
    let sum_v: f64 = parts.iter().map(|p| p.1).sum();
    if sum_v <= 0.0 {
        return Err(Undefined::ZeroTotalWeight);
    }
    let sum_oe: f64 = parts.iter().map(|p| p.0).sum();
    let beta = sum_oe / sum_v;
    let se = (1.0 / sum_v).sqrt();
    let pooled = Pooled::new(beta, se, tables.len(), None);
    let k_pos = parts.iter().filter(|p| p.1 > 0.0).count();
    let k_yi = study_effects(tables, correction)
        .iter()
        .filter(|e| e.is_ok())
        .count();
    let positive = parts.iter().filter(|p| p.1 > 0.0);
    let q = (positive.clone().map(|(oe, v)| oe * oe / v).sum::<f64>()
        - sum_oe * sum_oe / positive.map(|p| p.1).sum::<f64>())
    .max(0.0);
    let heterogeneity = Heterogeneity::common(q, k_yi, k_pos > 1);
    let weights = parts.iter().map(|p| 100.0 * p.1 / sum_v).collect();
    Ok(Fit {
        model: Model::Common,
        pooled,
        heterogeneity,
        weights,
        prediction: None,
    })
}

/// Per-study Peto log odds ratios (metafor `escalc(measure="PETO")` with `drop00=TRUE`).
pub fn study_effects(
    tables: &[Table],
    correction: ZeroCellCorrection,
) -> Vec<Result<EffectSize, NotEstimable>> {
    let any_zero = tables
        .iter()
        .any(|t| t.has_zero_cell() && !t.is_double_zero());
    tables
        .iter()
        .map(|t| {
            if t.is_double_zero() {
                return Err(NotEstimable::DoubleZero);
            }
            let add = correction.added_to(t, any_zero);
            let cells = [t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64];
            let (oe, v) = o_minus_e_and_v(cells.map(|x| x + add));
            // yi <- (ai - Ei)/Vi; vi <- 1/Vi (infinite when Vi = 0: metafor sets NA)
            let (yi, vi) = (oe / v, 1.0 / v);
            if yi.is_finite() && vi.is_finite() && vi > 0.0 {
                Ok(EffectSize { yi, vi })
            } else {
                Err(NotEstimable::ZeroVariance)
            }
        })
        .collect()
}

/// `(ai - Ei, Vi)` of one table.
fn o_minus_e_and_v([ai, bi, ci, di]: [f64; 4]) -> (f64, f64) {
    let (n1, n2) = (ai + bi, ci + di);
    let ni = n1 + n2;
    let xt = ai + ci;
    let yt = bi + di;
    let ei = xt * n1 / ni;
    let vi = xt * yt * (n1 / ni) * (n2 / ni) / (ni - 1.0);
    (ai - ei, if vi.is_finite() { vi } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// edge-single-study.json, OR/Peto/common (metafor 3.8.1).
    #[test]
    fn single_study() {
        let t = Table::new(12, 40, 6, 40).unwrap();
        let f = peto(&[t]).unwrap();
        assert!((f.pooled.estimate - 0.849462365591398).abs() < 1e-12);
        assert!((f.pooled.se - 0.532122280931554).abs() < 1e-12);
    }
}
