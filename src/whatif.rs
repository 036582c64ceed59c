//! "What if…": a teaching sandbox in which the counts of one trial are changed with
//! sliders (or the arrow keys), so that a class sees at once what a zero cell, a very
//! large trial or one discordant trial does to the weights, tau², I² and the diamond.
//!
//! The trial's row as the user typed it is kept ([`WhatIf::original`]): while the
//! sandbox is open the project is saved with that row, "Back to the data" puts it back,
//! and only "Keep these numbers" keeps the changed counts. Plain data, tested natively.

use crate::project::Project;
use grove_core::forest::escape;
use grove_core::parse::{Column, RawRow};
use grove_core::table::Table;
use std::fmt::Write;

/// The sandbox: which trial is changed, and its row as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// The outcome (index in the project).
    pub outcome: usize,
    /// The row (0-based) in that outcome's table.
    pub row: usize,
    /// The row as it was before the sandbox changed it.
    pub original: RawRow,
}

/// What a slider sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knob {
    /// Events in the experimental arm, 0 to its total.
    ExperimentalEvents,
    /// Events in the control arm, 0 to its total.
    ControlEvents,
    /// The trial's size: both arms' totals (and events, keeping their risks) times
    /// 2^value, from a quarter to 32 times the size typed.
    Size,
}

impl Knob {
    /// Every knob.
    pub const ALL: [Knob; 3] = [Knob::ExperimentalEvents, Knob::ControlEvents, Knob::Size];

    /// Its code in the markup (`data-whatif`).
    pub fn code(self) -> &'static str {
        match self {
            Knob::ExperimentalEvents => "e1",
            Knob::ControlEvents => "e2",
            Knob::Size => "size",
        }
    }

    /// The knob with this code.
    pub fn from_code(code: &str) -> Option<Knob> {
        Knob::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Powers of two the size slider offers.
pub const SIZE_STEPS: std::ops::RangeInclusive<i32> = -2..=5;

impl WhatIf {
    /// The sandbox for `row` of the active outcome, when that row is a valid trial.
    pub fn new(project: &Project, row: usize) -> Option<WhatIf> {
        let raw = project.active().rows.get(row)?;
        table(raw)?;
        Some(WhatIf {
            outcome: project.active,
            row,
            original: raw.clone(),
        })
    }

    /// The sandbox for the first valid trial of the active outcome.
    pub fn first(project: &Project) -> Option<WhatIf> {
        (0..project.active().rows.len()).find_map(|r| WhatIf::new(project, r))
    }

    /// The row being changed, as it is now.
    fn current<'a>(&self, project: &'a Project) -> Option<&'a RawRow> {
        project.outcomes.get(self.outcome)?.rows.get(self.row)
    }

    /// Sets `knob` to `value` in the trial's row of `project` (events are held to their
    /// arm's total; the size scales the row as typed).
    pub fn apply(&self, project: &mut Project, knob: Knob, value: i64) {
        let Some(now) = self.current(project).and_then(table) else {
            return;
        };
        let Some(typed) = table(&self.original) else {
            return;
        };
        let counts = match knob {
            Knob::ExperimentalEvents => [clamp(value, now.n1()), now.n1(), now.ci(), now.n2()],
            Knob::ControlEvents => [now.ai(), now.n1(), clamp(value, now.n2()), now.n2()],
            Knob::Size => {
                let factor = size_factor(value);
                let n = |total: u64| ((total as f64 * factor).round() as u64).max(1);
                let (n1, n2) = (n(typed.n1()), n(typed.n2()));
                // Each arm keeps the risk it has now.
                let e = |events: u64, total: u64, new: u64| {
                    ((events as f64 / total as f64 * new as f64).round() as u64).min(new)
                };
                [e(now.ai(), now.n1(), n1), n1, e(now.ci(), now.n2(), n2), n2]
            }
        };
        let Some(outcome) = project.outcomes.get_mut(self.outcome) else {
            return;
        };
        let columns = [
            Column::ExperimentalEvents,
            Column::ExperimentalTotal,
            Column::ControlEvents,
            Column::ControlTotal,
        ];
        for (column, count) in columns.into_iter().zip(counts) {
            outcome.set_cell(self.row, column, count.to_string());
        }
    }

    /// Puts the trial's row back as it was typed.
    pub fn restore(&self, project: &mut Project) {
        if let Some(row) = project
            .outcomes
            .get_mut(self.outcome)
            .and_then(|o| o.rows.get_mut(self.row))
        {
            *row = self.original.clone();
        }
    }

    /// The project as it is to be saved while the sandbox is open: with the row as typed.
    pub fn saved(&self, project: &Project) -> Project {
        let mut p = project.clone();
        self.restore(&mut p);
        p
    }

    /// The size slider's position for the row as it is now: the power of two nearest
    /// to its total over the total typed.
    fn size_step(&self, now: &Table) -> i64 {
        let typed = table(&self.original).map_or(1, |t| t.n1() + t.n2());
        let ratio = (now.n1() + now.n2()) as f64 / typed as f64;
        // The step whose factor is nearest on the log scale: the first whose factor
        // reaches the geometric middle between it and the next.
        SIZE_STEPS
            .map(i64::from)
            .find(|&s| ratio < size_factor(s) * std::f64::consts::SQRT_2)
            .unwrap_or(i64::from(*SIZE_STEPS.end()))
    }

    /// What a knob's slider says of the row as it is now: "4 of 123", "524
    /// participants, × 2".
    pub fn shown(&self, project: &Project, knob: Knob) -> Option<String> {
        let now = self.current(project).and_then(table)?;
        Some(match knob {
            Knob::ExperimentalEvents => format!("{} of {}", now.ai(), now.n1()),
            Knob::ControlEvents => format!("{} of {}", now.ci(), now.n2()),
            Knob::Size => format!(
                "{} participants, × {}",
                now.n1() + now.n2(),
                size_text(self.size_step(&now))
            ),
        })
    }

    /// The sandbox's controls: the trial chosen, a slider per knob with its value, and
    /// the two ways out. Controls carry `data-whatif` (the trial, the knobs) and
    /// `data-action` (`whatif-restore`, `whatif-keep`).
    pub fn markup(&self, project: &Project) -> String {
        let Some(outcome) = project.outcomes.get(self.outcome) else {
            return String::new();
        };
        let Some(now) = self.current(project).and_then(table) else {
            return r#"<p class="undefined">This trial has no valid counts now.</p>"#.to_owned();
        };
        let mut out = String::from(
            r#"<div class="whatif" data-testid="whatif"><p class="hint">Change one trial and watch the results answer. These are not your data: <strong>Back to the data</strong>, or closing this view, puts them back.</p><label class="inline">Trial <select data-whatif="row" data-testid="whatif-row">"#,
        );
        for (r, raw) in outcome.rows.iter().enumerate() {
            if table(raw).is_some() {
                let name = if raw.study.trim().is_empty() {
                    format!("Row {}", r + 1)
                } else {
                    raw.study.clone()
                };
                let _ = write!(
                    out,
                    r#"<option value="{r}"{}>{}</option>"#,
                    if r == self.row { " selected" } else { "" },
                    escape(&name)
                );
            }
        }
        out.push_str("</select></label>");
        let [experimental, control] = &outcome.options.arms;
        let knobs = [
            (
                Knob::ExperimentalEvents,
                format!("Events, {experimental}"),
                now.n1(),
                now.ai() as i64,
            ),
            (
                Knob::ControlEvents,
                format!("Events, {control}"),
                now.n2(),
                now.ci() as i64,
            ),
        ];
        let size = (Knob::Size, "Trial size".to_owned(), 0, self.size_step(&now));
        for (knob, label, max, value) in knobs.into_iter().chain([size]) {
            let (min, max) = match knob {
                Knob::Size => (i64::from(*SIZE_STEPS.start()), i64::from(*SIZE_STEPS.end())),
                _ => (0, max as i64),
            };
            let shown = self.shown(project, knob).unwrap_or_default();
            let _ = write!(
                out,
                r#"<label class="knob"><span>{}</span><input type="range" min="{min}" max="{max}" step="1" value="{value}" data-whatif="{1}" data-testid="whatif-{1}" aria-valuetext="{2}"><output data-testid="whatif-{1}-value">{2}</output></label>"#,
                escape(&label),
                knob.code(),
                escape(&shown),
            );
        }
        out.push_str(r#"<div class="exports"><button type="button" data-action="whatif-restore" data-testid="whatif-restore">Back to the data</button><button type="button" class="ghost" data-action="whatif-keep" data-testid="whatif-keep">Keep these numbers</button></div></div>"#);
        out
    }
}

/// 2^`step`, the step held to [`SIZE_STEPS`].
fn size_factor(step: i64) -> f64 {
    let s = step.clamp(i64::from(*SIZE_STEPS.start()), i64::from(*SIZE_STEPS.end()));
    (1_u64 << (s + 2)) as f64 / 4.0
}

/// "1/4", "1/2", "1", "2", … "32".
fn size_text(step: i64) -> String {
    if step < 0 {
        format!("1/{}", 1_u64 << step.unsigned_abs().min(62))
    } else {
        (1_u64 << step.min(62)).to_string()
    }
}

/// `value` held to `0..=max`.
fn clamp(value: i64, max: u64) -> u64 {
    u64::try_from(value).unwrap_or(0).min(max)
}

/// The row's counts, when they make a valid trial.
fn table(raw: &RawRow) -> Option<Table> {
    raw.validate(1).ok().map(|s| s.table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use grove_core::report::Report;

    fn report(p: &Project) -> Report {
        Report::new(&p.active().rows, &p.active().options)
    }

    #[test]
    fn sliders_change_one_trial_and_the_data_come_back() {
        let mut p = Project::default();
        let before = p.clone();
        let w = WhatIf::first(&p).expect("a valid trial");
        assert_eq!((w.outcome, w.row), (0, 0));
        // A zero cell in the experimental arm.
        w.apply(&mut p, Knob::ExperimentalEvents, 0);
        assert_eq!(p.active().rows[0].e1, "0");
        // Held to the arm's total.
        w.apply(&mut p, Knob::ControlEvents, 1_000_000);
        assert_eq!(p.active().rows[0].e2, p.active().rows[0].n2);
        w.apply(&mut p, Knob::ControlEvents, -5);
        assert_eq!(p.active().rows[0].e2, "0");
        assert_ne!(report(&p).headline(), report(&before).headline());
        // Saved as typed while the sandbox is open; back to the data at the end.
        assert_eq!(w.saved(&p), before);
        w.restore(&mut p);
        assert_eq!(p, before);
    }

    #[test]
    fn a_larger_trial_keeps_its_risks_and_weighs_more() {
        let mut p = Project::default();
        let w = WhatIf::new(&p, 1).expect("a valid trial");
        let t0 = table(&p.active().rows[1]).expect("valid");
        let weight = |p: &Project| report(p).study_weight(1, grove_core::Model::Common);
        let w0 = weight(&p).expect("a weight");
        w.apply(&mut p, Knob::Size, 3);
        let t = table(&p.active().rows[1]).expect("valid");
        assert_eq!((t.n1(), t.n2()), (t0.n1() * 8, t0.n2() * 8));
        assert_eq!((t.ai(), t.ci()), (t0.ai() * 8, t0.ci() * 8));
        assert!(weight(&p).expect("a weight") > w0);
        let html = w.markup(&p);
        assert!(html.contains(r#"value="3" data-whatif="size""#), "{html}");
        assert!(html.contains("× 8</output>"));
        // Back to the size typed, and beyond the ends held to them.
        w.apply(&mut p, Knob::Size, 0);
        assert_eq!(table(&p.active().rows[1]), Some(t0));
        w.apply(&mut p, Knob::Size, 99);
        assert_eq!(
            table(&p.active().rows[1]).map(|t| t.n1()),
            Some(t0.n1() * 32)
        );
        assert_eq!(size_text(-2), "1/4");
        // Every step reads back as itself.
        for step in SIZE_STEPS.map(i64::from) {
            w.apply(&mut p, Knob::Size, step);
            let now = table(&p.active().rows[1]).expect("valid");
            assert_eq!(w.size_step(&now), step);
        }
    }

    #[test]
    fn the_markup_offers_valid_trials_and_escapes_names() {
        let mut p = Project::default();
        p.active_mut().rows[0].study = "<b>A</b>".into();
        p.active_mut().rows[2].e1 = "x".into();
        let w = WhatIf::first(&p).expect("a valid trial");
        let html = w.markup(&p);
        assert!(html.contains("&lt;b&gt;A&lt;/b&gt;") && !html.contains("<b>A"));
        assert!(
            !html.contains(r#"<option value="2""#),
            "an invalid row is not offered"
        );
        assert_eq!(WhatIf::new(&p, 2), None);
        for k in Knob::ALL {
            assert_eq!(Knob::from_code(k.code()), Some(k));
            assert!(html.contains(&format!(r#"data-whatif="{}""#, k.code())));
        }
    }
}
