//! The L'Abbé plot (L'Abbé, Detsky & O'Rourke 1987): each trial's event risk in the
//! control arm (horizontal) against that in the experimental arm (vertical), on equal
//! linear scales, so that trials above the line of equality had more events with the
//! intervention. Each trial is a circle whose *area* is proportional to its weight in
//! the pooled result, in the forest plot's colour and order; trials switched off are
//! open grey circles. The pooled effect is drawn as the curve of risks it implies:
//!
//! ```text
//! RR:  p_E = RR · p_C
//! OR:  p_E = OR · p_C / (1 − p_C + OR · p_C)
//! RD:  p_E = p_C + RD
//! ```
//!
//! metafor's `labbe()` draws the same points on the log-risk or log-odds scale (with a
//! per-arm correction of 1/2 for zero arms, [`crate::diagnostics::labbe_point`]); Grove
//! draws risks as they are, which needs no correction and reads as percentages.

use super::{Anchor, Ink, Shape};
use crate::format;
use crate::report::{Report, abbreviation, model_name, natural, study_label};
use crate::settings::Measure;
use serde::Serialize;
use std::fmt::Write;

/// One trial of the plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabbeTrial {
    /// "Aronson 1948".
    pub label: String,
    /// Events and participants in the experimental and control arms.
    pub events: [u64; 2],
    /// Participants per arm.
    pub totals: [u64; 2],
    /// Its weight (percent) in the pooled result shown; `None` when it has none (not
    /// estimable, or switched off).
    pub weight: Option<f64>,
    /// Switched off by the user.
    pub excluded: bool,
}

impl LabbeTrial {
    /// The event risk in the control arm, `ci / n2i`.
    pub fn control_risk(&self) -> f64 {
        self.events[1] as f64 / self.totals[1] as f64
    }

    /// The event risk in the experimental arm, `ai / n1i`.
    pub fn experimental_risk(&self) -> f64 {
        self.events[0] as f64 / self.totals[0] as f64
    }
}

/// What the plot shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabbeSpec {
    /// The effect measure, which shapes the pooled curve.
    pub measure: Measure,
    /// Names of the experimental and control arms.
    pub arms: [String; 2],
    /// The trials, in table order (the forest plot's order).
    pub trials: Vec<LabbeTrial>,
    /// The pooled estimate on the natural scale and its model's name ("Random
    /// effects"), when there is one.
    pub pooled: Option<(f64, &'static str)>,
}

impl LabbeSpec {
    /// The L'Abbé plot of a report's outcome: every valid trial, those switched off
    /// included, with the weights of the headline model.
    pub fn new(report: &Report) -> LabbeSpec {
        let model = report.options.models.primary();
        let mut trials: Vec<(usize, LabbeTrial)> = report
            .studies
            .iter()
            .enumerate()
            .map(|(s, study)| {
                (
                    report.row_of_study[s],
                    trial(study, report.study_weight(s, model), false),
                )
            })
            .chain(
                report
                    .set_aside
                    .iter()
                    .map(|a| (a.row, trial(&a.study, None, true))),
            )
            .collect();
        crate::sort::by_key(&mut trials, |(row, _)| *row);
        let m = report.options.settings.measure;
        LabbeSpec {
            measure: m,
            arms: report.options.arms.clone(),
            trials: trials.into_iter().map(|(_, t)| t).collect(),
            pooled: report
                .overall(model)
                .ok()
                .map(|f| (natural(m, f.pooled.estimate), model_name(model))),
        }
    }

    /// The experimental-arm risk that the pooled effect implies for a control risk `p`
    /// (see the module documentation), or `None` outside `[0, 1]`.
    pub fn pooled_risk(&self, p: f64) -> Option<f64> {
        let (effect, _) = self.pooled?;
        let q = match self.measure {
            Measure::RiskRatio => effect * p,
            Measure::OddsRatio => effect * p / (1.0 - p + effect * p),
            Measure::RiskDifference => p + effect,
        };
        (q.is_finite() && (0.0..=1.0).contains(&q)).then_some(q)
    }
}

fn trial(study: &crate::table::Study, weight: Option<f64>, excluded: bool) -> LabbeTrial {
    let t = &study.table;
    LabbeTrial {
        label: study_label(study),
        events: [t.ai(), t.ci()],
        totals: [t.n1(), t.n2()],
        weight,
        excluded,
    }
}

/// Sizes of the plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabbeOptions {
    /// Font size.
    pub font_size: f64,
    /// Side of the square plotting area.
    pub side: f64,
    /// Radius of the heaviest trial's circle.
    pub max_radius: f64,
    /// Radius of a trial without weight, and the least radius.
    pub min_radius: f64,
    /// Prefix of the plot's element ids, unique on a page.
    pub id: &'static str,
}

impl Default for LabbeOptions {
    fn default() -> LabbeOptions {
        LabbeOptions {
            font_size: 13.0,
            side: 360.0,
            max_radius: 22.0,
            min_radius: 3.0,
            id: "labbe",
        }
    }
}

/// The laid-out plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabbeLayout {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Font size.
    pub font_size: f64,
    /// The largest risk on both axes.
    pub max_risk: f64,
    /// What to draw, in drawing order.
    pub shapes: Vec<Shape>,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Prefix of element ids.
    pub id: &'static str,
}

/// Axis ends offered: the smallest that holds every risk is used on both axes.
pub const RISK_LIMITS: [f64; 8] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0];

/// Lays out `spec`.
pub fn layout(spec: &LabbeSpec, o: &LabbeOptions) -> LabbeLayout {
    let size = o.font_size;
    let highest = spec
        .trials
        .iter()
        .flat_map(|t| [t.control_risk(), t.experimental_risk()])
        .filter(|r| r.is_finite())
        .fold(0.0, f64::max);
    let max_risk = RISK_LIMITS
        .iter()
        .copied()
        .find(|l| *l >= highest * (1.0 - 1e-9))
        .unwrap_or(1.0);
    let step = tick_step(max_risk);
    let steps = (max_risk / step).round() as u32;
    let ticks: Vec<f64> = (0..=steps).map(|i| step * f64::from(i)).collect();
    let tick_text = |r: f64| {
        let percent = format!("{:.1}", r * 100.0);
        format!("{}%", percent.trim_end_matches('0').trim_end_matches('.'))
    };
    let left = 12.0 + size * 1.4 + size * 0.6 * 4.0;
    let top = 12.0 + size * 1.6;
    let (x0, y1) = (left, top + o.side);
    let at = |c: f64, e: f64| (x0 + c / max_risk * o.side, y1 - e / max_risk * o.side);
    let mut shapes = Vec::new();
    let text = |x, y, text: String, anchor, bold, ink| Shape::Text {
        x,
        y,
        text,
        full: None,
        anchor,
        bold,
        ink,
    };
    let line = |x1, y1, x2, y2, ink, width| Shape::Line {
        x1,
        y1,
        x2,
        y2,
        ink,
        width,
    };
    // Frame, ticks and their labels.
    for &t in &ticks {
        let (x, y) = at(t, t);
        shapes.push(line(x, y1, x, y1 + 5.0, Ink::Text, 1.0));
        shapes.push(text(
            x,
            y1 + 6.0 + size,
            tick_text(t),
            Anchor::Middle,
            false,
            Ink::Text,
        ));
        shapes.push(line(x0 - 5.0, y, x0, y, Ink::Text, 1.0));
        // The corner's 0% is written once, under the horizontal axis.
        if t > 0.0 {
            shapes.push(text(
                x0 - 7.0,
                y + size * 0.35,
                tick_text(t),
                Anchor::End,
                false,
                Ink::Text,
            ));
        }
    }
    shapes.push(Shape::Polyline {
        points: vec![(x0, top), (x0, y1), (x0 + o.side, y1)],
        ink: Ink::Text,
        width: 1.0,
        dashed: false,
    });
    // The line of equality: no difference between the arms.
    let (ex, ey) = at(max_risk, max_risk);
    shapes.push(Shape::Polyline {
        points: vec![(x0, y1), (ex, ey)],
        ink: Ink::Rule,
        width: 1.0,
        dashed: true,
    });
    // The pooled effect's curve, sampled finely enough to look smooth (straight for RR
    // and RD), cut where it leaves the square.
    let mut curve = Vec::new();
    for i in 0..=96 {
        let p = max_risk * f64::from(i) / 96.0;
        if let Some(q) = spec.pooled_risk(p).filter(|q| *q <= max_risk) {
            curve.push(at(p, q));
        }
    }
    if curve.len() > 1 {
        shapes.push(Shape::Polyline {
            points: curve,
            ink: Ink::Pooled,
            width: 1.5,
            dashed: false,
        });
    }
    // Trials: the heaviest circle has the largest radius, areas proportional to weight.
    let heaviest = spec
        .trials
        .iter()
        .filter_map(|t| t.weight)
        .filter(|w| w.is_finite() && *w > 0.0)
        .fold(0.0, f64::max);
    for t in &spec.trials {
        let (cx, cy) = at(t.control_risk(), t.experimental_risk());
        let r = match t.weight {
            Some(w) if heaviest > 0.0 && w > 0.0 => {
                (o.max_radius * (w / heaviest).sqrt()).max(o.min_radius)
            }
            _ => o.min_radius,
        };
        shapes.push(Shape::Circle {
            cx,
            cy,
            r,
            ink: if t.excluded {
                Ink::Excluded
            } else {
                Ink::Study
            },
            filled: !t.excluded,
            title: trial_title(t),
        });
    }
    // Axis titles and the legend.
    let [experimental, control] = &spec.arms;
    shapes.push(text(
        x0 + o.side / 2.0,
        y1 + 10.0 + size * 2.3,
        format!("Event risk, {control}"),
        Anchor::Middle,
        true,
        Ink::Text,
    ));
    shapes.push(Shape::Text {
        x: x0,
        y: top - size * 0.7,
        text: format!("Event risk, {experimental}"),
        full: None,
        anchor: Anchor::Start,
        bold: true,
        ink: Ink::Text,
    });
    let mut y = y1 + 16.0 + size * 3.6;
    let legend_x = x0;
    let mut legend = |shapes: &mut Vec<Shape>, ink: Ink, dashed: bool, words: String| {
        shapes.push(Shape::Polyline {
            points: vec![
                (legend_x, y - size * 0.35),
                (legend_x + 28.0, y - size * 0.35),
            ],
            ink,
            width: if ink == Ink::Pooled { 1.5 } else { 1.0 },
            dashed,
        });
        shapes.push(text(
            legend_x + 34.0,
            y,
            words,
            Anchor::Start,
            false,
            Ink::Text,
        ));
        y += size * 1.5;
    };
    legend(
        &mut shapes,
        Ink::Rule,
        true,
        "Equal risks (no effect)".to_owned(),
    );
    if let Some((effect, model)) = spec.pooled {
        legend(
            &mut shapes,
            Ink::Pooled,
            false,
            format!(
                "Pooled {} {} ({})",
                abbreviation(spec.measure),
                format::effect(effect),
                model.to_ascii_lowercase()
            ),
        );
    }
    let circles = "Circle area proportional to the trial's weight";
    let words_right = legend_x + 34.0 + super::text::width(circles, size, false);
    shapes.push(text(
        legend_x,
        y,
        circles.to_owned(),
        Anchor::Start,
        false,
        Ink::Muted,
    ));
    y += size * 0.5;
    let width = (x0 + o.side + o.max_radius + 12.0).max(words_right + 12.0);
    let above = spec
        .trials
        .iter()
        .filter(|t| !t.excluded && t.experimental_risk() > t.control_risk())
        .count();
    let shown = spec.trials.iter().filter(|t| !t.excluded).count();
    LabbeLayout {
        width: width.ceil(),
        height: (y + 12.0).ceil(),
        font_size: size,
        max_risk,
        shapes,
        title: format!(
            "L'Abbé plot: {}",
            crate::forest::measure_title(spec.measure)
        ),
        description: format!(
            "Event risk with {experimental} against {control} for {shown} {}; {above} \
             above the line of equal risks (more events with {experimental}).",
            if shown == 1 { "trial" } else { "trials" },
        ),
        id: o.id,
    }
}

/// The distance between ticks on an axis from 0 to `max` (one of [`RISK_LIMITS`]): three
/// to five round steps.
fn tick_step(max: f64) -> f64 {
    [0.01, 0.02, 0.05, 0.1, 0.2]
        .into_iter()
        .find(|step| max / step <= 5.0 + 1e-9)
        .unwrap_or(0.2)
}

/// What a trial's circle says on hover or focus.
fn trial_title(t: &LabbeTrial) -> String {
    let mut s = format!(
        "{}: {}/{} vs {}/{}",
        t.label,
        format::count(u128::from(t.events[0])),
        format::count(u128::from(t.totals[0])),
        format::count(u128::from(t.events[1])),
        format::count(u128::from(t.totals[1])),
    );
    match (t.excluded, t.weight) {
        (true, _) => s.push_str(", excluded by you"),
        (false, Some(w)) => {
            let _ = write!(s, ", weight {}", format::percent(w));
        }
        (false, None) => s.push_str(", not estimable"),
    }
    s
}

impl LabbeLayout {
    /// The standalone SVG document.
    pub fn to_svg(&self) -> String {
        super::svg::document(
            self.width,
            self.height,
            self.font_size,
            self.id,
            &self.title,
            &self.description,
            &self.shapes,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::RawRow;
    use crate::report::ReportOptions;

    fn row(study: &str, e1: u64, n1: u64, e2: u64, n2: u64) -> RawRow {
        RawRow {
            study: study.into(),
            e1: e1.to_string(),
            n1: n1.to_string(),
            e2: e2.to_string(),
            n2: n2.to_string(),
            ..RawRow::default()
        }
    }

    fn rows() -> Vec<RawRow> {
        vec![
            row("A", 4, 123, 11, 139),
            row("B", 6, 306, 29, 303),
            row("C", 0, 50, 3, 50),
            row("D", 62, 13598, 248, 12867),
        ]
    }

    #[test]
    fn circles_sit_at_the_arms_risks_with_areas_proportional_to_weight() {
        let report = Report::new(&rows(), &ReportOptions::default());
        let spec = LabbeSpec::new(&report);
        assert_eq!(spec.trials.len(), 4);
        let o = LabbeOptions::default();
        let l = layout(&spec, &o);
        assert_eq!(l.max_risk, 0.1, "the highest risk is 11/139");
        let circles: Vec<(f64, f64, f64, bool)> = l
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Circle {
                    cx, cy, r, filled, ..
                } => Some((*cx, *cy, *r, *filled)),
                _ => None,
            })
            .collect();
        assert_eq!(circles.len(), 4);
        // Positions are linear in the risks, on one scale for both axes.
        let (ax, ay, ..) = circles[0];
        let (cx, cy, ..) = circles[2];
        let per_risk = o.side / l.max_risk;
        assert!(((ax - cx) - (11.0 / 139.0 - 3.0 / 50.0) * per_risk).abs() < 1e-9);
        assert!(((cy - ay) - (4.0 / 123.0) * per_risk).abs() < 1e-9);
        // Areas ∝ weights: r² ratio equals weight ratio (above the least radius).
        let w: Vec<f64> = (0..4)
            .map(|s| {
                report
                    .study_weight(s, crate::rma::Model::Random)
                    .expect("weight")
            })
            .collect();
        let heaviest = w.iter().copied().fold(0.0, f64::max);
        for (i, c) in circles.iter().enumerate() {
            let expected = (o.max_radius * (w[i] / heaviest).sqrt()).max(o.min_radius);
            assert!((c.2 - expected).abs() < 1e-9, "{i}");
            assert!(c.3);
        }
    }

    #[test]
    fn the_pooled_curve_is_the_risk_the_effect_implies() {
        let report = Report::new(&rows(), &ReportOptions::default());
        let mut spec = LabbeSpec::new(&report);
        let (rr, _) = spec.pooled.expect("pooled");
        assert!((spec.pooled_risk(0.2).expect("in range") - rr * 0.2).abs() < 1e-15);
        spec.measure = Measure::OddsRatio;
        spec.pooled = Some((2.0, "Common effect"));
        // Odds 0.25 doubled is 0.5: a risk of 1/3.
        assert!((spec.pooled_risk(0.2).expect("in range") - 1.0 / 3.0).abs() < 1e-12);
        spec.measure = Measure::RiskDifference;
        spec.pooled = Some((-0.05, "Common effect"));
        assert_eq!(spec.pooled_risk(0.02), None, "a negative risk is not drawn");
        assert!((spec.pooled_risk(0.3).expect("in range") - 0.25).abs() < 1e-12);
    }

    #[test]
    fn a_trial_switched_off_is_an_open_grey_circle_and_the_file_is_standalone() {
        let mut rows = rows();
        rows[1].excluded = true;
        let report = Report::new(&rows, &ReportOptions::default());
        let spec = LabbeSpec::new(&report);
        assert!(spec.trials[1].excluded && spec.trials[1].weight.is_none());
        let svg = layout(&spec, &LabbeOptions::default()).to_svg();
        assert!(svg.contains("B: 6/306 vs 29/303, excluded by you"), "{svg}");
        assert!(svg.contains(r##"fill="none" stroke="#767676""##), "{svg}");
        assert!(svg.contains("Pooled RR "));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }

    #[test]
    fn ticks_are_round_percentages() {
        let labels = |max: f64| -> Vec<f64> {
            let step = tick_step(max);
            (0..=(max / step).round() as u32)
                .map(|i| (step * f64::from(i) * 1000.0).round() / 10.0)
                .collect()
        };
        assert_eq!(labels(0.05), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(labels(0.1), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(labels(0.3), [0.0, 10.0, 20.0, 30.0]);
        assert_eq!(labels(1.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        for max in RISK_LIMITS {
            let n = max / tick_step(max);
            assert!(
                (n - n.round()).abs() < 1e-9 && (3.0 - 1e-9..=5.0 + 1e-9).contains(&n),
                "{max}"
            );
        }
    }

    #[test]
    fn no_trial_and_no_pooled_result_still_make_a_plot() {
        let report = Report::new(&[], &ReportOptions::default());
        let l = layout(&LabbeSpec::new(&report), &LabbeOptions::default());
        assert_eq!(l.max_risk, 0.05);
        assert!(l.to_svg().contains("for 0 trials"));
    }
}
