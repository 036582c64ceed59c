//! L'Abbé plots (metafor `labbe()`).

use serde::Serialize;

use crate::settings::Measure;
use crate::table::Table;

/// The scale of a L'Abbé plot's axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LabbeScale {
    /// Log risk, `log(p)` (risk ratios; metafor `escalc(measure = "PLN")`).
    LogRisk,
    /// Log odds, `log(p/(1 − p))` (odds ratios; metafor `escalc(measure = "PLO")`).
    LogOdds,
}

impl LabbeScale {
    /// The scale on which a measure's L'Abbé plot is drawn; `None` for the risk
    /// difference (not a log scale).
    pub fn for_measure(measure: Measure) -> Option<LabbeScale> {
        match measure {
            Measure::RiskRatio => Some(LabbeScale::LogRisk),
            Measure::OddsRatio => Some(LabbeScale::LogOdds),
            Measure::RiskDifference => None,
        }
    }

    /// metafor's name of the scale (`"log risk"`, `"log odds"`).
    pub fn name(self) -> &'static str {
        match self {
            LabbeScale::LogRisk => "log risk",
            LabbeScale::LogOdds => "log odds",
        }
    }
}

/// One study's point of a L'Abbé plot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabbePoint {
    /// The control arm's log risk or log odds.
    pub x_control: f64,
    /// The treatment arm's log risk or log odds.
    pub y_treatment: f64,
}

/// The L'Abbé point of one trial (L'Abbé, Detsky & O'Rourke 1987; metafor
/// `labbe.rma()`, which computes each arm with `escalc(measure = "PLN" | "PLO", add =
/// 1/2, to = "only0")`). Each **arm** is corrected on its own: an arm with no events or
/// no non-events gets 1/2 added to both, so
///
/// ```text
/// p = (e + 1/2)/(n + 1)  if e = 0 or e = n,   else  p = e/n
/// x = log p  (log risk)   or   log(p/(1 − p))  (log odds)
/// ```
///
/// This differs from the correction of the study's effect size, where all four cells
/// of a study with a zero cell get 1/2.
///
/// Reference: L'Abbé KA, Detsky AS, O'Rourke K (1987). Meta-analysis in clinical
/// research. Ann Intern Med 107:224–233.
///
/// ```
/// use grove_core::diagnostics::{labbe_point, LabbeScale};
/// use grove_core::Table;
/// // No events in the treatment arm: (0 + 1/2)/(25 + 1); the control arm as it is.
/// let p = labbe_point(&Table::new(0, 25, 5, 25).unwrap(), LabbeScale::LogRisk);
/// assert!((p.y_treatment - (0.5f64 / 26.0).ln()).abs() < 1e-15);
/// assert!((p.x_control - 0.2f64.ln()).abs() < 1e-15);
/// ```
pub fn labbe_point(table: &Table, scale: LabbeScale) -> LabbePoint {
    LabbePoint {
        x_control: arm(table.ci(), table.n2(), scale),
        y_treatment: arm(table.ai(), table.n1(), scale),
    }
}

/// The L'Abbé points of several trials, in input order ([`labbe_point`]).
pub fn labbe(tables: &[Table], scale: LabbeScale) -> Vec<LabbePoint> {
    tables.iter().map(|t| labbe_point(t, scale)).collect()
}

/// An arm's log risk or log odds with metafor's per-arm correction (`add = 1/2, to =
/// "only0"`: `xi + add`, `mi + add` when `xi = 0` or `mi = 0`).
fn arm(events: u64, total: u64, scale: LabbeScale) -> f64 {
    let (e, n) = (events as f64, total as f64);
    let (x, m) = if events == 0 || events == total {
        (e + 0.5, n - e + 0.5)
    } else {
        (e, n - e)
    };
    match scale {
        // PLN: yi <- log(xi/ni)
        LabbeScale::LogRisk => (x / (x + m)).ln(),
        // PLO: yi <- log(xi/mi)
        LabbeScale::LogOdds => (x / m).ln(),
    }
}
