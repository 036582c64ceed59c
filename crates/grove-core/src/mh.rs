//! Mantel-Haenszel pooling of 2×2 tables, as metafor's `rma.mh()` computes it.
//!
//! # Estimates and variances (metafor `rma.mh`, with `Ni = n1i + n2i`)
//! - Odds ratio: `OR_MH = R/S`, `R = Σ ai di/Ni`, `S = Σ bi ci/Ni` (Mantel & Haenszel
//!   1959); `Var(log OR_MH) = ½ (Σ Pi Ri / R² + Σ (Pi Si + Qi Ri)/(R S) + Σ Qi Si / S²)`
//!   with `Pi = (ai + di)/Ni`, `Qi = (bi + ci)/Ni` (Robins, Breslow & Greenland 1986).
//! - Risk ratio: `RR_MH = R/S`, `R = Σ ai n2i/Ni`, `S = Σ ci n1i/Ni`;
//!   `Var(log RR_MH) = Σ (n1i n2i (ai + ci)/Ni² - ai ci/Ni) / (R S)` (Greenland & Robins
//!   1985).
//! - Risk difference: `RD_MH = Σ (ai n2i - ci n1i)/Ni / Σ n1i n2i/Ni`, variance of
//!   Sato, Greenland & Robins (1989) as metafor writes it.
//!
//! Weights (metafor `weights.rma.mh`): `bi ci/Ni` (OR), `ci n1i/Ni` (RR), `n1i n2i/Ni`
//! (RD), in percent of their sum.
//!
//! Heterogeneity: Cochran's Q around the MH estimate with inverse-variance weights of
//! the per-study `yi`/`vi` (computed with the zero-cell correction, double zeros
//! dropped: metafor's `drop00=TRUE`), `df = k.yi - 1` with `k.yi` the number of studies
//! with an estimate; I² and H² from Q as for the common-effect model.
//!
//! By default the MH sums use the raw counts (metafor). With [`MhCorrection::RevMan5`]
//! the zero-cell correction is also added to the counts of the sums for the ratio
//! measures (studies with no events in either arm left out), as RevMan 5 does.

use crate::effect::{DoubleZeroPolicy, EffectSize, NotEstimable, effect_sizes_with};
use crate::rma::{Fit, Heterogeneity, Model, Pooled, Undefined};
use crate::settings::{CorrectionScope, Measure, MhCorrection, Settings};
use crate::table::Table;

/// Mantel-Haenszel common-effect pooling (metafor `rma.mh(measure=...)`).
///
/// `settings.correction` applies to the per-study estimates behind Q (and, with
/// [`MhCorrection::RevMan5`], to the counts in the MH sums); `settings.mh` selects
/// raw or corrected counts.
///
/// # Errors
/// [`Undefined::NoStudies`] for no tables; [`Undefined::ZeroTotalWeight`] when the ratio
/// is undefined (`R` or `S` is 0, e.g. no events in any experimental arm).
pub fn mantel_haenszel(
    tables: &[Table],
    measure: Measure,
    settings: &Settings,
) -> Result<Fit, Undefined> {
    if tables.is_empty() {
        return Err(Undefined::NoStudies);
    }
    let effects = study_effects(tables, measure, settings);
    let any_zero = tables
        .iter()
        .any(|t| t.has_zero_cell() && !t.is_double_zero());
    let cells: Vec<[f64; 4]> = tables
        .iter()
        .map(|t| counts(t, measure, settings, any_zero))
        .collect();

    let (beta, se, raw_weights) = match measure {
        Measure::OddsRatio => {
            let (mut r, mut s, mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0, 0.0, 0.0);
            let mut w = Vec::with_capacity(cells.len());
            for &[ai, bi, ci, di] in &cells {
                let ni = ai + bi + ci + di;
                if ni == 0.0 {
                    w.push(0.0);
                    continue;
                }
                let p = ai / ni + di / ni;
                let q = bi / ni + ci / ni;
                let ri = (ai / ni) * di;
                let si = (bi / ni) * ci;
                r += ri;
                s += si;
                pr += p * ri;
                ps_qr += p * si + q * ri;
                qs += q * si;
                w.push(si);
            }
            if r == 0.0 || s == 0.0 {
                return Err(Undefined::ZeroTotalWeight);
            }
            // se <- sqrt(1/2 * (sum(Pi*Ri)/R^2 + sum(Pi*Si + Qi*Ri)/(R*S) + sum(Qi*Si)/S^2))
            let se = (0.5 * (pr / (r * r) + ps_qr / (r * s) + qs / (s * s))).sqrt();
            ((r / s).ln(), se, w)
        }
        Measure::RiskRatio => {
            let (mut r, mut s, mut num) = (0.0, 0.0, 0.0);
            let mut w = Vec::with_capacity(cells.len());
            for &[ai, bi, ci, di] in &cells {
                let (n1, n2) = (ai + bi, ci + di);
                let ni = n1 + n2;
                if ni == 0.0 {
                    w.push(0.0);
                    continue;
                }
                r += ai * (n2 / ni);
                s += ci * (n1 / ni);
                // sum((n1i/Ni)*(n2i/Ni)*(ai+ci) - (ai/Ni)*ci)
                num += (n1 / ni) * (n2 / ni) * (ai + ci) - (ai / ni) * ci;
                w.push(ci * (n1 / ni));
            }
            if r == 0.0 || s == 0.0 {
                return Err(Undefined::ZeroTotalWeight);
            }
            ((r / s).ln(), (num / (r * s)).sqrt(), w)
        }
        Measure::RiskDifference => {
            let (mut num, mut den, mut a, mut b) = (0.0, 0.0, 0.0, 0.0);
            let mut w = Vec::with_capacity(cells.len());
            for &[ai, bi, ci, di] in &cells {
                let (n1, n2) = (ai + bi, ci + di);
                let ni = n1 + n2;
                num += ai * (n2 / ni) - ci * (n1 / ni);
                den += n1 * (n2 / ni);
                w.push(n1 * (n2 / ni));
            }
            if den == 0.0 {
                return Err(Undefined::ZeroTotalWeight);
            }
            let beta = num / den;
            for &[ai, bi, ci, di] in &cells {
                let (n1, n2) = (ai + bi, ci + di);
                let ni = n1 + n2;
                // sum(ci*(n1i/Ni)^2 - ai*(n2i/Ni)^2 + (n1i/Ni)*(n2i/Ni)*(n2i-n1i)/2)
                a += ci * (n1 / ni).powi(2) - ai * (n2 / ni).powi(2)
                    + (n1 / ni) * (n2 / ni) * (n2 - n1) / 2.0;
                // sum(ai*(n2i-ci)/Ni + ci*(n1i-ai)/Ni)/2
                b += ai * (n2 - ci) / ni + ci * (n1 - ai) / ni;
            }
            // se <- sqrt((beta * A + B/2) / sum(n1i*(n2i/Ni))^2)  (Sato, Greenland & Robins 1989)
            let se = ((beta * a + b / 2.0) / (den * den)).sqrt();
            (beta, se, w)
        }
    };
    if !beta.is_finite() || !se.is_finite() {
        return Err(Undefined::ZeroTotalWeight);
    }
    let pooled = Pooled::new(beta, se, tables.len(), None);
    let heterogeneity = q_around(beta, &effects);
    Ok(Fit {
        model: Model::Common,
        pooled,
        heterogeneity,
        weights: percent(&raw_weights),
        prediction: None,
    })
}

/// The per-study estimates behind Q for Mantel-Haenszel: metafor `rma.mh` computes
/// `yi`/`vi` with `escalc(add, to, drop00=TRUE)`.
pub fn study_effects(
    tables: &[Table],
    measure: Measure,
    settings: &Settings,
) -> Vec<Result<EffectSize, NotEstimable>> {
    effect_sizes_with(tables, measure, settings.correction, DoubleZeroPolicy::Drop)
}

/// Cochran's Q of the estimable studies around a given pooled estimate, with I² and H²
/// as for a common-effect model (metafor `rma.mh`: `QE <- max(0, sum(wi*(yi-beta)^2))`,
/// `I2 <- max(0, 100*(QE-(k.yi-1))/QE)`, `H2 <- QE/(k.yi-1)`; 0, 1, 0, 1 when
/// `k.yi <= 1`).
pub(crate) fn q_around(beta: f64, effects: &[Result<EffectSize, NotEstimable>]) -> Heterogeneity {
    let ok: Vec<&EffectSize> = effects.iter().filter_map(|e| e.as_ref().ok()).collect();
    let k_yi = ok.len();
    let q = if k_yi > 1 {
        ok.iter()
            .map(|e| (e.yi - beta).powi(2) / e.vi)
            .sum::<f64>()
            .max(0.0)
    } else {
        0.0
    };
    Heterogeneity::common(q, k_yi, true)
}

/// Weights in percent of their sum (all zero when the sum is zero).
pub(crate) fn percent(w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    w.iter()
        .map(|x| if total > 0.0 { 100.0 * x / total } else { 0.0 })
        .collect()
}

/// The counts `[ai, bi, ci, di]` that enter the MH sums.
fn counts(t: &Table, measure: Measure, settings: &Settings, any_zero: bool) -> [f64; 4] {
    let raw = [t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64];
    match settings.mh {
        MhCorrection::RawCounts => raw,
        MhCorrection::RevMan5 => {
            if !measure.is_ratio() {
                return raw;
            }
            if t.is_double_zero() {
                return [0.0; 4];
            }
            let c = settings.correction;
            let add = match c.scope {
                CorrectionScope::AllStudies => c.increment,
                CorrectionScope::StudiesWithZero if t.has_zero_cell() => c.increment,
                CorrectionScope::IfAnyStudyHasZero if any_zero => c.increment,
                _ => 0.0,
            };
            raw.map(|x| x + add)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bcg.json, RR/MH/common (metafor 3.8.1).
    #[test]
    fn bcg_risk_ratio() {
        let data = [
            (4, 123, 11, 139),
            (6, 306, 29, 303),
            (3, 231, 11, 220),
            (62, 13598, 248, 12867),
            (33, 5069, 47, 5808),
            (180, 1541, 372, 1451),
            (8, 2545, 10, 629),
            (505, 88391, 499, 88391),
            (29, 7499, 45, 7277),
            (17, 1716, 65, 1665),
            (186, 50634, 141, 27338),
            (5, 2498, 3, 2341),
            (27, 16913, 29, 17854),
        ];
        let tables: Vec<Table> = data
            .iter()
            .map(|&(a, b, c, d)| Table::new(a, b, c, d).unwrap())
            .collect();
        let f = mantel_haenszel(&tables, Measure::RiskRatio, &Settings::default()).unwrap();
        assert!((f.pooled.estimate - -0.453709604683754).abs() < 1e-12);
        assert!((f.pooled.se - 0.0393373668712944).abs() < 1e-12);
        assert!((f.heterogeneity.q - 152.567553586657).abs() < 1e-9);
    }
}
