//! Per-study effect sizes from 2×2 tables, exactly as metafor's `escalc()` computes
//! them for `measure = "RR"`, `"OR"` and `"RD"` (large-sample variances, `vtype="LS"`).
//!
//! Zero cells are handled by metafor's `add`/`to` arguments ([`ZeroCellCorrection`]) and
//! double-zero studies by `drop00` ([`DoubleZeroPolicy`]): metafor's `escalc()` keeps them
//! by default, but Grove (like metafor's `rma.mh()` and `rma.peto()`) drops them for the
//! ratio measures, whose estimate is then undefined, and keeps them for the risk
//! difference, whose estimate (zero) is informative.
//!
//! # Formulas (metafor `escalc`, with `ai bi ci di` the cells after the correction and
//! `n1i = ai + bi`, `n2i = ci + di`, `p1i = ai/n1i`, `p2i = ci/n2i`)
//!
//! | measure | `yi` | `vi` |
//! |---|---|---|
//! | RR | `log(p1i) - log(p2i)` | `1/ai - 1/n1i + 1/ci - 1/n2i` |
//! | OR | `log(p1i/(1-p1i)) - log(p2i/(1-p2i))` | `1/ai + 1/bi + 1/ci + 1/di` |
//! | RD | `p1i - p2i` | `p1i(1-p1i)/n1i + p2i(1-p2i)/n2i` |
//!
//! # RevMan 5 ([`Convention::RevMan5`])
//! Ratios as above. A risk difference keeps its estimate from the raw counts and takes
//! only its variance from the corrected cells (`ai bi/n1i³ + ci di/n2i³`, the same
//! formula), so that a study with no events in either arm has the estimate 0 with an
//! interval around it. Evidence: `tests/revman/CD008625StatsDataOnly.rm5`, outcome 1.3
//! (0/13 vs 0/12: RD 0, VAR 0.0053047 = 0.5·13.5/14³ + 0.5·12.5/13³).

use std::fmt;

use serde::Serialize;

use crate::dist;
use crate::settings::{Convention, Measure, Settings, ZeroCellCorrection};
use crate::table::Table;

/// A closed interval on the analysis scale (log scale for ratio measures).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl Interval {
    /// Whether `x` lies in `[lower, upper]`.
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// One study's effect estimate `yi` and its sampling variance `vi` (metafor's names).
/// For the risk and odds ratio `yi` is the natural logarithm of the ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EffectSize {
    /// The estimate, metafor's `yi`.
    pub yi: f64,
    /// Its sampling variance, metafor's `vi` (always finite and positive).
    pub vi: f64,
}

impl EffectSize {
    /// Standard error `sqrt(vi)`.
    pub fn se(&self) -> f64 {
        self.vi.sqrt()
    }

    /// Wald interval `yi ± z_{1-(1-level)/2} sqrt(vi)` (metafor `summary.escalc`).
    /// `level` is a coverage such as `0.95`.
    pub fn ci(&self, level: f64) -> Interval {
        let z = dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
        Interval {
            lower: self.yi - z * self.se(),
            upper: self.yi + z * self.se(),
        }
    }
}

/// Why a study has no effect estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NotEstimable {
    /// No events in either arm, or events in every participant of both arms: the
    /// ratio is undefined and the study carries no information about it (metafor
    /// `drop00=TRUE`).
    DoubleZero,
    /// A zero cell without a continuity correction makes the estimate or its variance
    /// infinite (metafor gives `NA`).
    ZeroCellUncorrected,
    /// The sampling variance is zero (for example a risk difference of two arms with
    /// no events and no correction), so the study cannot be weighted.
    ZeroVariance,
}

impl fmt::Display for NotEstimable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotEstimable::DoubleZero => "no events (or only events) in both arms",
            NotEstimable::ZeroCellUncorrected => {
                "a zero cell makes the estimate infinite and no correction is applied"
            }
            NotEstimable::ZeroVariance => "the sampling variance is zero",
        })
    }
}

impl std::error::Error for NotEstimable {}

/// What to do with double-zero studies (metafor's `drop00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DoubleZeroPolicy {
    /// Drop them (`drop00=TRUE`): they are [`NotEstimable::DoubleZero`].
    Drop,
    /// Keep them (`drop00=FALSE`): the correction then applies as to any zero cell.
    Keep,
}

impl DoubleZeroPolicy {
    /// Grove's policy for inverse-variance analyses: drop for RR and OR, keep for RD.
    pub fn for_measure(measure: Measure) -> DoubleZeroPolicy {
        if measure.is_ratio() {
            DoubleZeroPolicy::Drop
        } else {
            DoubleZeroPolicy::Keep
        }
    }
}

/// The effect size of one study, double zeros handled by
/// [`DoubleZeroPolicy::for_measure`].
///
/// `any_zero_in_set` says whether some study of the analysed set has a zero cell; it
/// matters only for [`crate::settings::CorrectionScope::IfAnyStudyHasZero`] (metafor `to="if0all"`).
///
/// # Errors
/// [`NotEstimable`] when the estimate or its variance is undefined.
///
/// ```
/// use grove_core::effect::effect_size;
/// use grove_core::{Measure, Table, ZeroCellCorrection};
/// let t = Table::new(4, 123, 11, 139).unwrap();
/// let e = effect_size(&t, Measure::RiskRatio, ZeroCellCorrection::default(), false).unwrap();
/// assert!((e.yi - -0.889311333920205).abs() < 1e-12);
/// ```
pub fn effect_size(
    table: &Table,
    measure: Measure,
    correction: ZeroCellCorrection,
    any_zero_in_set: bool,
) -> Result<EffectSize, NotEstimable> {
    effect_size_with(
        table,
        measure,
        correction,
        any_zero_in_set,
        DoubleZeroPolicy::for_measure(measure),
        Convention::Metafor,
    )
}

/// [`effect_size`] with an explicit double-zero policy (metafor `drop00`) and convention
/// (see the module documentation).
///
/// # Errors
/// [`NotEstimable`] when the estimate or its variance is undefined.
pub fn effect_size_with(
    table: &Table,
    measure: Measure,
    correction: ZeroCellCorrection,
    any_zero_in_set: bool,
    double_zero: DoubleZeroPolicy,
    convention: Convention,
) -> Result<EffectSize, NotEstimable> {
    if double_zero == DoubleZeroPolicy::Drop && table.is_double_zero() {
        return Err(NotEstimable::DoubleZero);
    }
    let add = correction.added_to(table, any_zero_in_set);
    let ai = table.ai() as f64 + add;
    let bi = table.bi() as f64 + add;
    let ci = table.ci() as f64 + add;
    let di = table.di() as f64 + add;
    let n1i = ai + bi;
    let n2i = ci + di;
    let p1i = ai / n1i;
    let p2i = ci / n2i;
    let (yi, vi) = match measure {
        // metafor: yi <- log(p1i) - log(p2i); vi <- 1/ai - 1/n1i + 1/ci - 1/n2i
        Measure::RiskRatio => (
            p1i.ln() - p2i.ln(),
            1.0 / ai - 1.0 / n1i + 1.0 / ci - 1.0 / n2i,
        ),
        // metafor: yi <- log(p1i/(1-p1i)) - log(p2i/(1-p2i)); vi <- 1/ai + 1/bi + 1/ci + 1/di
        Measure::OddsRatio => (
            (p1i / (1.0 - p1i)).ln() - (p2i / (1.0 - p2i)).ln(),
            1.0 / ai + 1.0 / bi + 1.0 / ci + 1.0 / di,
        ),
        // metafor (vtype="LS"): yi <- p1i - p2i; vi <- p1i(1-p1i)/n1i + p2i(1-p2i)/n2i
        Measure::RiskDifference => {
            let vi = p1i * (1.0 - p1i) / n1i + p2i * (1.0 - p2i) / n2i;
            let yi = match convention {
                Convention::Metafor => p1i - p2i,
                // RevMan 5: the estimate from the raw counts, the variance as above.
                Convention::RevMan5 => {
                    table.ai() as f64 / table.n1() as f64 - table.ci() as f64 / table.n2() as f64
                }
            };
            (yi, vi)
        }
    };
    if !yi.is_finite() || !vi.is_finite() {
        return Err(NotEstimable::ZeroCellUncorrected);
    }
    if vi <= 0.0 {
        return Err(NotEstimable::ZeroVariance);
    }
    Ok(EffectSize { yi, vi })
}

/// Effect sizes of a set of studies, in input order ([`effect_size`] for each, with
/// `any_zero_in_set` computed over the set), as metafor computes them.
pub fn effect_sizes(
    tables: &[Table],
    measure: Measure,
    correction: ZeroCellCorrection,
) -> Vec<Result<EffectSize, NotEstimable>> {
    effect_sizes_with(
        tables,
        measure,
        correction,
        DoubleZeroPolicy::for_measure(measure),
        Convention::Metafor,
    )
}

/// Effect sizes for an analysis with these settings: measure, correction and convention
/// from `settings`, double zeros by [`DoubleZeroPolicy::for_measure`].
pub fn effect_sizes_for(
    tables: &[Table],
    settings: &Settings,
) -> Vec<Result<EffectSize, NotEstimable>> {
    effect_sizes_with(
        tables,
        settings.measure,
        settings.correction,
        DoubleZeroPolicy::for_measure(settings.measure),
        settings.convention,
    )
}

/// Whether any table of the set has a zero cell, as metafor's `to="if0all"` asks:
/// metafor computes `id0` after `drop00` has set the dropped studies to NA, so a double
/// zero (or double all-events) table that is dropped does not count.
pub fn any_zero_in_set(tables: &[Table], double_zero: DoubleZeroPolicy) -> bool {
    tables.iter().any(|t| {
        t.has_zero_cell() && !(double_zero == DoubleZeroPolicy::Drop && t.is_double_zero())
    })
}

/// [`effect_sizes`] with an explicit double-zero policy and convention.
pub fn effect_sizes_with(
    tables: &[Table],
    measure: Measure,
    correction: ZeroCellCorrection,
    double_zero: DoubleZeroPolicy,
    convention: Convention,
) -> Vec<Result<EffectSize, NotEstimable>> {
    let any_zero = any_zero_in_set(tables, double_zero);
    tables
        .iter()
        .map(|t| effect_size_with(t, measure, correction, any_zero, double_zero, convention))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::CorrectionScope;

    fn t(e1: u64, n1: u64, e2: u64, n2: u64) -> Table {
        Table::new(e1, n1, e2, n2).unwrap()
    }

    /// metafor escalc values (tests/reference/edge-zero-cells.json and bcg.json).
    #[test]
    fn agrees_with_escalc() {
        let c = ZeroCellCorrection::default();
        let cases = [
            (
                t(4, 123, 11, 139),
                Measure::RiskRatio,
                -0.889311333920205,
                0.325584765003961,
            ),
            (
                t(0, 25, 5, 25),
                Measure::RiskRatio,
                -2.39789527279837,
                2.10489510489511,
            ),
            (
                t(20, 20, 14, 20),
                Measure::OddsRatio,
                2.91122559417937,
                2.27159215889241,
            ),
            (
                t(0, 18, 0, 20),
                Measure::RiskDifference,
                0.0025062656641604,
                0.00245538501249008,
            ),
        ];
        for (table, m, yi, vi) in cases {
            let e = effect_size(&table, m, c, false).unwrap();
            assert!(
                (e.yi - yi).abs() < 1e-12 && (e.vi - vi).abs() < 1e-12,
                "{table:?} {m:?}"
            );
        }
    }

    #[test]
    fn double_zero_and_uncorrected_zero_cells_are_not_estimable() {
        let c = ZeroCellCorrection::default();
        assert_eq!(
            effect_size(&t(0, 18, 0, 20), Measure::OddsRatio, c, false),
            Err(NotEstimable::DoubleZero)
        );
        let none = ZeroCellCorrection {
            scope: CorrectionScope::None,
            ..c
        };
        assert_eq!(
            effect_size(&t(0, 18, 3, 20), Measure::RiskRatio, none, false),
            Err(NotEstimable::ZeroCellUncorrected)
        );
        assert_eq!(
            effect_size(&t(0, 18, 0, 20), Measure::RiskDifference, none, false),
            Err(NotEstimable::ZeroVariance)
        );
    }

    #[test]
    fn scope_all_and_if_any_add_to_every_study() {
        let all = ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::AllStudies,
        };
        let e = effect_size(&t(4, 10, 2, 10), Measure::OddsRatio, all, false).unwrap();
        let expected = (4.5f64 / 6.5).ln() - (2.5f64 / 8.5).ln();
        assert!((e.yi - expected).abs() < 1e-14);
        let if0 = ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::IfAnyStudyHasZero,
        };
        let v = effect_sizes(&[t(4, 10, 2, 10), t(0, 10, 2, 10)], Measure::OddsRatio, if0);
        assert_eq!(v[0], Ok(e));
    }
}
