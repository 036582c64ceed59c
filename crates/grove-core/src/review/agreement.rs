//! Whether Grove's analysis of an outcome reproduces the numbers RevMan stored for it.
//!
//! Every number RevMan stores for a dichotomous outcome is compared with Grove's:
//! - each row: the estimate and its CI (natural scale for ratios), the weight, and the
//!   variance (`VAR`: of the log ratio or the difference; for Peto's odds ratio RevMan
//!   stores the hypergeometric variance `V`, the inverse of the log odds ratio's);
//! - the overall result (when RevMan shows it) and each subgroup's subtotal: estimate,
//!   CI, Chi², df, P, I², tau², Z and its P;
//! - the test for subgroup differences: Chi², P and I².
//!
//! Weights are percentages of the overall analysis when RevMan shows it, and of the
//! subgroup otherwise (`TOTALS="SUB"`), as RevMan prints them. Where RevMan pools
//! nothing (no totals, or no estimate for the outcome or subgroup) it stores every
//! weight as 0, which is not a weight; those are not compared.
//!
//! With one study (df = 0) RevMan prints "Heterogeneity: Not applicable" and stores I²
//! as `100·(Q − 0)/Q` of a Q that is round-off (1e-30): 100, or 0 when Q is exactly 0.
//! Neither is a number to reproduce, so I² (and the P of Chi²) are compared only when
//! df > 0; Grove shows them as not applicable too.
//!
//! Two numbers agree when they differ by at most [`TOLERANCE`] relative to the stored
//! value, or absolutely when the stored value is below 1e-3 in size (p-values near 0,
//! estimates of a difference near 0).
//!
//! One kind of number is compared at the precision RevMan computes it: the p-values of
//! chi-square statistics (`P_CHI2`, and `P_Q` of the test for subgroup differences).
//! RevMan's upper chi-square tail is accurate to about 1e-5 relative, not to its
//! sixteen printed digits: against a 40-digit computation from RevMan's own stored Chi²
//! and df (`tests/revman/chi2_exact.py`), its 459 stored `P_CHI2` values err by up to
//! 1.3e-5 relative (df = 1, Chi² = 11.7496: RevMan 6.085629e-4, exact 6.085548e-4),
//! always upwards, and it computes the tail as `1 − CDF`, so p-values below 1e-15 are
//! stored as multiples of 2⁻⁵² (4.44e-16 where the exact value is 1.6e-20). Grove
//! computes the exact tail ([`crate::dist::chi2_sf`], checked against those 40-digit
//! values in `tests/revman_files.rs`); these p-values are compared within
//! [`CHI2_P_TOLERANCE`]. Every other number, Chi² itself included, is compared within
//! [`TOLERANCE`].

use std::fmt;

use serde::Serialize;

use crate::report::Report;
use crate::review::{RevManOutcome, StoredPooled, Totals};
use crate::rma::{Fit, Model, Undefined};
use crate::settings::{Measure, Method};

/// Largest deviation accepted: relative, or absolute near zero (see the module
/// documentation).
pub const TOLERANCE: f64 = 1e-6;

/// Largest deviation accepted for RevMan's chi-square p-values, which RevMan computes to
/// about 1e-5 (see the module documentation).
pub const CHI2_P_TOLERANCE: f64 = 2e-5;

/// The comparison of one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Every number compared.
    pub checks: Vec<Check>,
    /// Rows or results that cannot be compared at all, with the reason.
    pub unreproducible: Vec<String>,
}

/// One number compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What it is ("overall: CI_END", "row 3 Smith 2001: WEIGHT").
    pub what: String,
    /// RevMan's number.
    pub stored: f64,
    /// Grove's, or `None` when Grove has none.
    pub grove: Option<f64>,
    /// Largest deviation accepted: [`TOLERANCE`], or [`CHI2_P_TOLERANCE`].
    pub tolerance: f64,
}

impl Check {
    /// `|grove − stored|`, relative to `|stored|` when that is at least 1e-3; infinite
    /// when Grove has no number.
    pub fn deviation(&self) -> f64 {
        match self.grove {
            Some(g) if g.is_finite() => {
                let d = (g - self.stored).abs();
                if self.stored.abs() >= 1e-3 {
                    d / self.stored.abs()
                } else {
                    d
                }
            }
            _ => f64::INFINITY,
        }
    }

    /// Whether the deviation is within the check's tolerance.
    pub fn agrees(&self) -> bool {
        self.deviation() <= self.tolerance
    }
}

impl Agreement {
    /// Whether every number agrees and every row could be compared.
    pub fn agrees(&self) -> bool {
        self.unreproducible.is_empty() && self.checks.iter().all(Check::agrees)
    }

    /// The check with the largest deviation.
    pub fn worst(&self) -> Option<&Check> {
        self.worst_within(|_| true)
    }

    /// The largest deviation among the numbers compared within [`TOLERANCE`] (all but
    /// the chi-square P values), 0 when there are none.
    pub fn largest_deviation(&self) -> f64 {
        self.worst_within(|c| c.tolerance == TOLERANCE)
            .map_or(0.0, Check::deviation)
    }

    fn worst_within(&self, keep: impl Fn(&Check) -> bool) -> Option<&Check> {
        self.checks
            .iter()
            .filter(|c| keep(c))
            .max_by(|a, b| a.deviation().total_cmp(&b.deviation()))
    }

    /// The checks that disagree.
    pub fn disagreements(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.agrees())
    }
}

impl fmt::Display for Agreement {
    /// "agrees (48 numbers, largest deviation 3.1e-13)" or "differs: …"; the largest
    /// deviation leaves out the chi-square P values, compared at RevMan's precision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.agrees() {
            return write!(
                f,
                "agrees ({} numbers, largest deviation {:.1e})",
                self.checks.len(),
                self.largest_deviation()
            );
        }
        f.write_str("differs")?;
        for why in &self.unreproducible {
            write!(f, "; {why}")?;
        }
        if let Some(c) = self.disagreements().next() {
            match c.grove {
                Some(g) => write!(
                    f,
                    "; {}: RevMan {} vs Grove {g} (deviation {:.1e})",
                    c.what,
                    c.stored,
                    c.deviation()
                )?,
                None => write!(f, "; {}: RevMan {} vs Grove no number", c.what, c.stored)?,
            }
            let more = self.disagreements().count() - 1;
            if more > 0 {
                write!(f, " and {more} more")?;
            }
        }
        Ok(())
    }
}

/// Compares Grove's report of an outcome (its rows analysed with its options) with what
/// RevMan stored for it.
pub fn compare(source: &RevManOutcome, report: &Report) -> Agreement {
    let mut out = Agreement {
        checks: Vec::new(),
        unreproducible: Vec::new(),
    };
    let settings = &report.options.settings;
    let measure = settings.measure;
    let model = report.options.models.primary();
    let nat = |x: f64| measure.to_natural(x);
    let stored = &source.stored;

    // Rows.
    let weights = study_weights(source.totals, report);
    for (row, st) in stored.studies.iter().enumerate() {
        let label = report
            .rows
            .get(row)
            .map_or(String::new(), |_| row_label(report, row));
        let what = |field: &str| format!("row {} {label}: {field}", row + 1);
        let study = report.row_of_study.iter().position(|&r| r == row);
        let Some(s) = study else {
            if st.estimable {
                let why = match report.rows.get(row) {
                    Some(Some(Err(d))) => d
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                    _ => "the row is empty".to_owned(),
                };
                out.unreproducible
                    .push(format!("row {} {label} cannot be analysed: {why}", row + 1));
            }
            continue;
        };
        let effect = report.analysis.studies[s].effect.as_ref().ok();
        if st.estimable {
            let e = effect.copied();
            push(
                &mut out,
                what("EFFECT_SIZE"),
                st.effect,
                e.map(|e| nat(e.yi)),
            );
            push(
                &mut out,
                what("CI_START"),
                st.ci_start,
                e.map(|e| nat(e.ci(0.95).lower)),
            );
            push(
                &mut out,
                what("CI_END"),
                st.ci_end,
                e.map(|e| nat(e.ci(0.95).upper)),
            );
            let var = e.map(|e| match settings.method {
                Method::Peto => 1.0 / e.vi,
                _ => e.vi,
            });
            push(&mut out, what("VAR"), st.var, var);
        } else if effect.is_some() {
            out.checks.push(Check {
                what: what("ESTIMABLE (RevMan: not estimable)"),
                stored: 0.0,
                grove: None,
                tolerance: TOLERANCE,
            });
        }
        if weighted(source, report, s) {
            let w = weights[s].or(Some(0.0));
            push(&mut out, what("WEIGHT"), st.weight, w);
        }
    }

    // Pooled results.
    if source.totals == Totals::Overall && stored.estimable {
        pooled(
            &mut out,
            "overall",
            &stored.overall,
            report.fit(model),
            measure,
        );
    }
    if let Some(groups) = &report.analysis.subgroups {
        for sg in &stored.subgroups {
            if !sg.estimable {
                continue;
            }
            let what = format!("subgroup {}", sg.name);
            match groups.groups.iter().find(|g| g.name == sg.name) {
                Some(g) => {
                    let fit = match model {
                        Model::Common => &g.common,
                        Model::Random => &g.random,
                    };
                    pooled(&mut out, &what, &sg.pooled, fit, measure);
                }
                None => out
                    .unreproducible
                    .push(format!("{what}: no study of it can be analysed")),
            }
        }
        if let Some(test) = &stored.subgroup_test {
            let t = match model {
                Model::Common => &groups.test_common,
                Model::Random => &groups.test_random,
            };
            match t {
                Ok(t) => {
                    push(
                        &mut out,
                        "subgroup differences: Q".into(),
                        test.chi2,
                        Some(t.q),
                    );
                    let what = "subgroup differences: P_Q".into();
                    push_within(&mut out, what, test.p, Some(t.p), CHI2_P_TOLERANCE);
                    push(
                        &mut out,
                        "subgroup differences: I2_Q".into(),
                        test.i2,
                        Some(t.i2),
                    );
                }
                // Fewer than two subgroups with an estimate: RevMan stores Q = 0.
                Err(Undefined::TooFewSubgroups) => {
                    push(
                        &mut out,
                        "subgroup differences: Q".into(),
                        test.chi2,
                        Some(0.0),
                    );
                }
                Err(_) => push(&mut out, "subgroup differences: Q".into(), test.chi2, None),
            }
        }
    }
    out
}

/// Whether RevMan pooled the analysis that analysed study `s` belongs to, so that its
/// stored weight is a weight.
fn weighted(source: &RevManOutcome, report: &Report, s: usize) -> bool {
    let stored = &source.stored;
    match source.totals {
        Totals::Overall => stored.estimable,
        Totals::None => false,
        Totals::SubtotalsOnly => {
            let name = report.studies[s].subgroup.as_deref().unwrap_or_default();
            stored
                .subgroups
                .iter()
                .any(|g| g.estimable && g.name == name)
        }
    }
}

fn row_label(report: &Report, row: usize) -> String {
    match report.row_of_study.iter().position(|&r| r == row) {
        Some(s) => report.label(s),
        None => String::new(),
    }
}

fn push(out: &mut Agreement, what: String, stored: Option<f64>, grove: Option<f64>) {
    push_within(out, what, stored, grove, TOLERANCE);
}

fn push_within(
    out: &mut Agreement,
    what: String,
    stored: Option<f64>,
    grove: Option<f64>,
    tolerance: f64,
) {
    if let Some(stored) = stored {
        out.checks.push(Check {
            what,
            stored,
            // A value with no floating-point form (a ratio beyond 1e308) is no number.
            grove: grove.filter(|g| g.is_finite()),
            tolerance,
        });
    }
}

fn pooled(
    out: &mut Agreement,
    what: &str,
    stored: &StoredPooled,
    fit: &Result<Fit, Undefined>,
    measure: Measure,
) {
    let Ok(fit) = fit else {
        push(out, format!("{what}: EFFECT_SIZE"), stored.effect, None);
        return;
    };
    let nat = |x: f64| measure.to_natural(x);
    let p = &fit.pooled;
    let h = &fit.heterogeneity;
    let field = |f: &str| format!("{what}: {f}");
    push(
        out,
        field("EFFECT_SIZE"),
        stored.effect,
        Some(nat(p.estimate)),
    );
    push(
        out,
        field("CI_START"),
        stored.ci_start,
        Some(nat(p.ci.lower)),
    );
    push(out, field("CI_END"), stored.ci_end, Some(nat(p.ci.upper)));
    push(out, field("CHI2"), stored.chi2, Some(h.q));
    push(out, field("DF"), stored.df, Some(h.df as f64));
    if h.df > 0 {
        push_within(
            out,
            field("P_CHI2"),
            stored.p_chi2,
            Some(h.q_p),
            CHI2_P_TOLERANCE,
        );
        push(out, field("I2"), stored.i2, Some(h.i2));
    }
    push(out, field("TAU2"), stored.tau2, Some(h.tau2));
    let test = p.test().ok();
    push(out, field("Z"), stored.z, test.map(|t| t.0.abs()));
    push(out, field("P_Z"), stored.p_z, test.map(|t| t.1));
}

/// Each analysed study's weight in percent, as RevMan shows it: in the overall analysis,
/// or in its subgroup when RevMan shows subtotals only.
fn study_weights(totals: Totals, report: &Report) -> Vec<Option<f64>> {
    let model = report.options.models.primary();
    let mut w: Vec<Option<f64>> = report
        .analysis
        .studies
        .iter()
        .map(|r| match model {
            Model::Common => r.weight_common,
            Model::Random => r.weight_random,
        })
        .collect();
    if totals == Totals::SubtotalsOnly
        && let Some(groups) = &report.analysis.subgroups
    {
        for g in &groups.groups {
            let within = match model {
                Model::Common => &g.weights_common,
                Model::Random => &g.weights_random,
            };
            for (&i, weight) in g.studies.iter().zip(within) {
                w[i] = *weight;
            }
        }
    }
    w
}
