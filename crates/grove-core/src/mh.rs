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
//! # RevMan 5 ([`Convention::RevMan5`])
//! By default the MH sums use the raw counts (metafor). RevMan 5 differs in four ways,
//! each checked against the results stored in the review files of `tests/revman/`:
//! - ratios: the zero-cell correction is added to the cells of the studies it applies
//!   to inside the MH sums, and double-zero studies are left out of them (every RR and
//!   OR outcome with a zero cell, e.g. `CD003188StatsDataOnly.rm5`);
//! - risk difference: the estimate and the weights `n1i n2i/Ni` use the raw counts, and
//!   the variance is Greenland & Robins' (1985)
//!   `Var(RD_MH) = Σ (ai bi n2i³ + ci di n1i³)/(n1i n2i Ni²) / (Σ n1i n2i/Ni)²`
//!   with the corrected cells (and their totals) of the studies with a zero cell, where
//!   metafor uses Sato, Greenland & Robins (1989) on raw counts
//!   (`CD008625StatsDataOnly.rm5`, outcome 14.3: 0/17 vs 0/18 and 3/18 vs 3/15 give
//!   RD −0.0161 [−0.1567, 0.1245]);
//! - a single study's pooled result is that study's own estimate and variance
//!   (outcomes 9.3 and 13.3 of the same file, one study with no events);
//! - double-zero studies enter Q for the risk difference (estimate 0), as they do in
//!   inverse-variance pooling, and are left out for the ratios.

use crate::effect::{DoubleZeroPolicy, EffectSize, NotEstimable, effect_sizes_with};
use crate::rma::{Fit, Heterogeneity, Model, Pooled, Undefined};
use crate::settings::{Convention, Measure, Settings};
use crate::table::Table;

/// Mantel-Haenszel common-effect pooling (metafor `rma.mh(measure=...)`).
///
/// `settings.correction` applies to the per-study estimates behind Q (and, with
/// [`Convention::RevMan5`], to the counts in the MH sums as the module documentation
/// says).
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
    let revman = settings.convention == Convention::RevMan5;
    if revman && let [table] = tables {
        // RevMan 5: one study's pooled result is its own estimate.
        let e = crate::effect::effect_sizes_for(
            &[*table],
            &Settings {
                measure,
                ..*settings
            },
        );
        let Some(Ok(own)) = e.first() else {
            return Err(Undefined::ZeroTotalWeight);
        };
        return Ok(Fit {
            model: Model::Common,
            pooled: Pooled::new(own.yi, own.se(), 1, None),
            heterogeneity: Heterogeneity::common(0.0, 1, false),
            weights: vec![100.0],
            prediction: None,
        });
    }
    let cells = sum_cells(tables, measure, settings);

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
            let se = if revman {
                // Greenland & Robins (1985), on the corrected cells of studies with a
                // zero cell: sum((ai*bi*n2i^3 + ci*di*n1i^3)/(n1i*n2i*Ni^2)) / W^2
                let v: f64 = corrected_cells(tables, settings)
                    .into_iter()
                    .map(|[ai, bi, ci, di]| {
                        let (n1, n2) = (ai + bi, ci + di);
                        let ni = n1 + n2;
                        (ai * bi * n2.powi(3) + ci * di * n1.powi(3)) / (n1 * n2 * ni * ni)
                    })
                    .sum();
                v.sqrt() / den
            } else {
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
                ((beta * a + b / 2.0) / (den * den)).sqrt()
            };
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
/// `yi`/`vi` with `escalc(add, to, drop00=TRUE)`; RevMan 5 keeps double-zero studies for
/// the risk difference (see the module documentation).
pub fn study_effects(
    tables: &[Table],
    measure: Measure,
    settings: &Settings,
) -> Vec<Result<EffectSize, NotEstimable>> {
    effect_sizes_with(
        tables,
        measure,
        settings.correction,
        double_zero_policy(measure, settings.convention),
        settings.convention,
    )
}

/// How the per-study estimates behind Mantel-Haenszel treat double zeros: dropped with
/// metafor's conventions (`escalc(drop00=TRUE)` in `rma.mh`), as for the measure with
/// RevMan 5's. It also decides which studies count for `to="if0all"`.
pub fn double_zero_policy(measure: Measure, convention: Convention) -> DoubleZeroPolicy {
    match convention {
        Convention::Metafor => DoubleZeroPolicy::Drop,
        Convention::RevMan5 => DoubleZeroPolicy::for_measure(measure),
    }
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

/// The counts `[ai, bi, ci, di]` of each table that enter the MH sums: the raw counts,
/// or with RevMan 5's conventions for a ratio the corrected ones (double zeros left out
/// as zeros); see the module documentation.
pub(crate) fn sum_cells(tables: &[Table], measure: Measure, settings: &Settings) -> Vec<[f64; 4]> {
    let any_zero = any_zero(tables);
    tables
        .iter()
        .map(|t| counts(t, measure, settings, any_zero))
        .collect()
}

/// The cells of each table with the zero-cell correction where it applies: what RevMan 5's
/// variance of the risk difference uses (Greenland & Robins 1985).
pub(crate) fn corrected_cells(tables: &[Table], settings: &Settings) -> Vec<[f64; 4]> {
    let any_zero = any_zero(tables);
    tables
        .iter()
        .map(|t| corrected(t, settings, any_zero))
        .collect()
}

/// Whether any table has a zero cell and is not a double zero (`to="if0all"`).
fn any_zero(tables: &[Table]) -> bool {
    tables
        .iter()
        .any(|t| t.has_zero_cell() && !t.is_double_zero())
}

/// The counts `[ai, bi, ci, di]` that enter the MH sums.
fn counts(t: &Table, measure: Measure, settings: &Settings, any_zero: bool) -> [f64; 4] {
    let raw = [t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64];
    match settings.convention {
        Convention::Metafor => raw,
        // RevMan 5: the risk difference's estimate and weights use the raw counts.
        Convention::RevMan5 if !measure.is_ratio() => raw,
        Convention::RevMan5 if t.is_double_zero() => [0.0; 4],
        Convention::RevMan5 => corrected(t, settings, any_zero),
    }
}

/// The cells with the zero-cell correction added where `settings.correction` applies it.
fn corrected(t: &Table, settings: &Settings, any_zero: bool) -> [f64; 4] {
    let raw = [t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64];
    let add = settings.correction.added_to(t, any_zero);
    raw.map(|x| x + add)
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
