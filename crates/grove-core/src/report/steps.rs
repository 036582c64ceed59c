//! Sensitivity analyses shown as forest plots: leave-one-out (each row the analysis
//! without one trial) and cumulative (each row the analysis of the trials up to one, by
//! year or in table order), with the diamond of all trials at the bottom. Each step is
//! [`crate::sensitivity`]'s fit, metafor `leave1out()` and `cumul()`, with the outcome's
//! headline model, τ² estimator and interval; with Mantel-Haenszel or Peto pooling the
//! steps (and the diamond drawn with them) are inverse-variance fits of the trials' own
//! estimates, which the plot's method label says.

use super::{Report, abbreviation, model_name, natural};
use crate::forest::{Estimate, ForestSpec, PooledRow, Section, StudyRow};
use crate::rma::{self, Fit, Model};
use crate::sensitivity::{self, Step};
use crate::settings::Method;
use serde::Serialize;

/// Which sensitivity analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StepsKind {
    /// Each trial left out in turn (metafor `leave1out()`).
    LeaveOneOut,
    /// Trials added one by one by year, those without a year left out (metafor
    /// `cumul(x, order = year)`).
    CumulativeByYear,
    /// Trials added one by one in the table's order (metafor `cumul(x)`).
    CumulativeInTableOrder,
}

/// One row of a sensitivity analysis: what it is about and its numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow {
    /// "Omitting Aronson 1948", "+ Aronson 1948".
    pub label: String,
    /// Trials in the step's analysis.
    pub k: usize,
    /// Estimate and interval on the natural scale, or why there is none.
    pub effect: Result<Estimate, String>,
    /// τ² (0 for the common-effect model).
    pub tau2: f64,
    /// I², percent.
    pub i2: f64,
    /// The test's p value.
    pub p: f64,
}

/// A sensitivity analysis as the page shows it: the forest plot of its steps and their
/// numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Steps {
    /// Which one.
    pub kind: StepsKind,
    /// The plot: a row per step, the diamond of all trials.
    pub spec: ForestSpec,
    /// The steps' numbers, in the plot's order.
    pub rows: Vec<StepRow>,
    /// Trials left out of a cumulative analysis by year for having no year.
    pub without_year: usize,
}

impl Report {
    /// The sensitivity analysis `kind` of this outcome's trials with an estimate, or why
    /// there is none (no trial with an estimate).
    pub fn steps(&self, kind: StepsKind) -> Result<Steps, String> {
        let s = &self.options.settings;
        let m = s.measure;
        let model = self.options.models.primary();
        let crate::analysis::Estimable { index: idx, yi, vi } = self.analysis.estimable();
        if yi.is_empty() {
            return Err("no trial has an estimate".to_owned());
        }
        let label = |j: usize| self.label(idx[j]);
        let (steps, without_year): (Vec<Step>, usize) = match kind {
            StepsKind::LeaveOneOut => (
                sensitivity::leave_one_out(&yi, &vi, model, s.tau2, s.ci)
                    .map_err(|e| e.to_string())?,
                0,
            ),
            StepsKind::CumulativeByYear | StepsKind::CumulativeInTableOrder => {
                let order = if kind == StepsKind::CumulativeByYear {
                    let years: Vec<Option<i32>> =
                        idx.iter().map(|&i| self.studies[i].year).collect();
                    sensitivity::year_order(&years)
                } else {
                    (0..yi.len()).collect()
                };
                let without = yi.len() - order.len();
                (
                    sensitivity::cumulative(&yi, &vi, &order, model, s.tau2, s.ci)
                        .map_err(|e| e.to_string())?,
                    without,
                )
            }
        };
        let rows: Vec<StepRow> = steps
            .iter()
            .map(|step| {
                let name = label(step.study);
                let label = match kind {
                    StepsKind::LeaveOneOut => format!("Omitting {name}"),
                    _ => format!("+ {name}"),
                };
                match &step.fit {
                    Ok(f) => StepRow {
                        label,
                        k: f.pooled.k,
                        effect: estimate(m, f.pooled.estimate, f.pooled.ci),
                        tau2: f.heterogeneity.tau2,
                        i2: f.heterogeneity.i2,
                        p: f.pooled.p,
                    },
                    Err(why) => StepRow {
                        label,
                        k: 0,
                        effect: Err(format!("Not estimable: {why}")),
                        tau2: f64::NAN,
                        i2: f64::NAN,
                        p: f64::NAN,
                    },
                }
            })
            .collect();
        // All trials, with the same kind of fit as the steps.
        let all: Option<Fit> = rma::fit(&yi, &vi, model, s.tau2, s.ci).ok();
        let method = match (s.method, model) {
            (Method::InverseVariance, _) => "IV".to_owned(),
            _ => "IV refits".to_owned(),
        };
        let model_words = match model {
            Model::Common => "Common".to_owned(),
            Model::Random => format!("Random ({})", crate::settings::Choice::code(s.tau2)),
        };
        let studies = rows
            .iter()
            .map(|r| StudyRow {
                label: r.label.clone(),
                events: [0, 0],
                totals: [0, 0],
                weights: Vec::new(),
                // Every step's square the same size: they are not weighted.
                marker_weight: r.effect.is_ok().then_some(1.0),
                effect: r.effect.clone(),
                excluded: false,
                row: 0,
                explain: String::new(),
                rob: None,
            })
            .collect();
        let pooled = all
            .iter()
            .map(|f| PooledRow {
                label: format!("All trials ({})", f.pooled.k),
                totals: None,
                weights: Vec::new(),
                effect: estimate(m, f.pooled.estimate, f.pooled.ci),
                explain: String::new(),
            })
            .collect();
        let spec = ForestSpec {
            measure: m,
            method_label: format!("{method}, {model_words}, 95% CI"),
            label_header: match kind {
                StepsKind::LeaveOneOut => "Trial left out".to_owned(),
                StepsKind::CumulativeByYear => "Trials added, by year".to_owned(),
                StepsKind::CumulativeInTableOrder => "Trials added, in table order".to_owned(),
            },
            arms: self.options.arms.clone(),
            favours: self.options.favours.clone(),
            weight_headers: Vec::new(),
            sections: vec![Section {
                heading: None,
                studies,
                pooled,
                total_events: None,
                notes: Vec::new(),
            }],
            overall: Vec::new(),
            overall_events: None,
            prediction: None,
            prediction_explain: String::new(),
            footer: Vec::new(),
            set_aside: None,
            risk_of_bias: false,
            description: format!(
                "{} of {} {}: {} {} ({}) of each step.",
                match kind {
                    StepsKind::LeaveOneOut => "Leave-one-out analysis",
                    _ => "Cumulative meta-analysis",
                },
                yi.len(),
                if yi.len() == 1 { "trial" } else { "trials" },
                abbreviation(m),
                "with its 95% CI",
                model_name(model).to_ascii_lowercase()
            ),
        };
        Ok(Steps {
            kind,
            spec,
            rows,
            without_year,
        })
    }
}

fn estimate(
    m: crate::settings::Measure,
    value: f64,
    ci: crate::rma::Interval,
) -> Result<Estimate, String> {
    let e = Estimate {
        value: natural(m, value),
        lower: natural(m, ci.lower),
        upper: natural(m, ci.upper),
    };
    if e.value.is_finite() {
        Ok(e)
    } else {
        Err("Not estimable".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::report::ReportOptions;

    const BCG: &str = include_str!("../../../../src/examples/bcg.tsv");

    fn report(text: &str) -> Report {
        Report::new(&parse::parse(text).raw_rows(), &ReportOptions::default())
    }

    /// The random-effects estimate of all trials, as a ratio.
    fn overall(r: &Report) -> f64 {
        r.analysis
            .random
            .as_ref()
            .expect("fit")
            .pooled
            .estimate
            .exp()
    }

    /// Leave-one-out: a row per trial, each the fit without it (its k one less), equal to
    /// the analysis of the other trials; the diamond is the fit of all trials.
    #[test]
    fn leave_one_out_rows_are_the_fits_without_each_trial() {
        let r = report(BCG);
        let steps = r.steps(StepsKind::LeaveOneOut).expect("steps");
        assert_eq!(steps.rows.len(), 13);
        assert!(steps.rows[0].label.starts_with("Omitting Aronson"));
        let rows = parse::parse(BCG).raw_rows();
        for (i, row) in steps.rows.iter().enumerate() {
            assert_eq!(row.k, 12);
            let mut others = rows.clone();
            others.remove(i);
            let alone = Report::new(&others, &ReportOptions::default());
            let fit = alone.analysis.random.as_ref().expect("fit");
            let e = row.effect.as_ref().expect("estimate");
            assert!((e.value - fit.pooled.estimate.exp()).abs() < 1e-9, "{i}");
            assert!((row.tau2 - fit.heterogeneity.tau2).abs() < 1e-9, "{i}");
        }
        let all = &steps.spec.sections[0].pooled[0];
        let overall = overall(&r);
        assert!((all.effect.as_ref().expect("all").value - overall).abs() < 1e-12);
        let svg =
            crate::forest::layout(&steps.spec, &crate::forest::PlotOptions::default()).to_svg();
        assert!(svg.contains("Trial left out") && svg.contains("Omitting Aronson"));
    }

    /// Cumulative: by year, the first row is the earliest trial alone; in table order,
    /// the first row; the last row is all trials; a trial without a year is counted.
    #[test]
    fn cumulative_rows_add_one_trial_each() {
        let r = report(BCG);
        let by_year = r.steps(StepsKind::CumulativeByYear).expect("steps");
        assert_eq!(by_year.rows.len(), 13);
        assert_eq!(by_year.rows[0].k, 1);
        assert!(
            by_year.rows[0].label.contains("1948"),
            "{}",
            by_year.rows[0].label
        );
        assert_eq!(by_year.rows[12].k, 13);
        let last = by_year.rows[12].effect.as_ref().expect("all").value;
        let all = overall(&r);
        assert!((last - all).abs() < 1e-9);
        let table = r.steps(StepsKind::CumulativeInTableOrder).expect("steps");
        assert_eq!(table.rows[0].label, format!("+ {}", r.label(0)));
        let no_year = report("A\t4\t123\t11\t139\nB\t6\t306\t29\t303\n");
        let steps = no_year.steps(StepsKind::CumulativeByYear).expect("steps");
        assert_eq!((steps.rows.len(), steps.without_year), (0, 2));
        assert!(report("").steps(StepsKind::LeaveOneOut).is_err());
    }
}
