//! The forest plot: what it shows ([`ForestSpec`], plain data), where everything goes
//! ([`layout`] → [`Layout`], plain geometry tested natively) and the SVG text
//! ([`Layout::to_svg`]) that the page shows and exports unchanged.
//!
//! Conventions are RevMan's (Cochrane Handbook, ch. 10): columns study | events/total per
//! arm | weight | effect [95% CI] | graph; squares whose *area* is proportional to the
//! weight; a diamond per pooled estimate spanning its CI; a log axis for ratios with a line
//! at no effect; "Favours …" labels under the axis; heterogeneity and the test for the
//! overall effect in the footer; subgroups with their own diamonds and the test for
//! subgroup differences. Intervals that run past the axis end in an arrow. Undefined values
//! show their reason ("Not estimable"), never `NaN`.

mod svg;

pub use super::axis::{Axis, DIFFERENCE_LIMITS, RATIO_LIMITS, Scale};
pub use super::text;
pub use super::{Anchor, BACKGROUND, FONT_FAMILY, Ink, Shape, TEXT_FILL, escape};

use crate::format;
use crate::settings::Measure;
use serde::Serialize;

/// An estimate with its interval, on the natural scale (RR, not log RR).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// One study's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyRow {
    /// Study label ("Aronson 1948").
    pub label: String,
    /// Events in the experimental and control arms.
    pub events: [u64; 2],
    /// Participants in the experimental and control arms.
    pub totals: [u64; 2],
    /// Weight in percent for each weight column of [`ForestSpec::weight_headers`].
    pub weights: Vec<Option<f64>>,
    /// Which of `weights` sizes the square.
    pub marker_weight: Option<f64>,
    /// The effect, or why there is none ("Not estimable").
    pub effect: Result<Estimate, String>,
    /// Switched off by the user: drawn in grey, its weight column saying [`EXCLUDED`].
    pub excluded: bool,
    /// Its row in the data table (0-based), which a click on its label names
    /// ([`Layout::study_at`]).
    pub row: usize,
    /// The keys of its numbers' explanations ([`crate::explain::study_keys`]), which a
    /// click on its numbers names ([`Layout::explain_at`]); empty when none.
    pub explain: String,
    /// Its risk-of-bias judgements, drawn when [`ForestSpec::risk_of_bias`] is set.
    pub rob: Option<crate::rob::Assessment>,
}

/// The weight column of a study the user switched off.
pub const EXCLUDED: &str = "excluded";

/// A pooled estimate's row (a diamond).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledRow {
    /// "Total (95% CI)", "Random effects model", "Subtotal (95% CI)".
    pub label: String,
    /// Participants per arm, shown on the row when given (a sum of counts, so `u128`).
    pub totals: Option<[u128; 2]>,
    /// Total weight per weight column (100 for the overall rows).
    pub weights: Vec<Option<f64>>,
    /// The estimate, or why there is none.
    pub effect: Result<Estimate, String>,
    /// The keys of its numbers' explanations ([`crate::explain::pooled_keys`]); empty
    /// when none.
    pub explain: String,
}

/// A line under the plot, with the keys of the explanations of its numbers
/// ([`Layout::explain_at`]; empty when none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FooterLine {
    /// "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%".
    pub text: String,
    /// Its numbers' keys (`crate::explain`).
    pub explain: String,
}

/// A block of studies: the whole analysis, or one subgroup.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Section {
    /// Subgroup name; `None` for an analysis without subgroups.
    pub heading: Option<String>,
    /// Its studies, in display order.
    pub studies: Vec<StudyRow>,
    /// Its pooled rows (common and/or random).
    pub pooled: Vec<PooledRow>,
    /// Events per arm, shown in a "Total events" row (a sum of counts, so `u128`).
    pub total_events: Option<[u128; 2]>,
    /// Heterogeneity and test lines shown under the section.
    pub notes: Vec<FooterLine>,
}

/// Everything the plot shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForestSpec {
    /// Effect measure: decides the axis (log for ratios) and the effect header.
    pub measure: Measure,
    /// Second line of the effect header: "IV, Random, 95% CI".
    pub method_label: String,
    /// Header of the labels' column: "Study or Subgroup" ([`STUDY_HEADER`]).
    pub label_header: String,
    /// Names of the experimental and control arms.
    pub arms: [String; 2],
    /// Labels left and right under the axis ("Favours vaccine", "Favours control").
    pub favours: [String; 2],
    /// Headers of the weight columns ("Weight", or "Weight (common)" and "Weight
    /// (random)").
    pub weight_headers: Vec<String>,
    /// Subgroups, or one section without a heading.
    pub sections: Vec<Section>,
    /// Overall pooled rows when there are subgroups (without subgroups the single
    /// section's pooled rows are the overall ones).
    pub overall: Vec<PooledRow>,
    /// Events per arm over all subgroups, shown under the overall rows.
    pub overall_events: Option<[u128; 2]>,
    /// Prediction interval for a new study, shown under the pooled rows.
    pub prediction: Option<Result<Estimate, String>>,
    /// The keys of its limits' explanations (empty: none).
    pub prediction_explain: String,
    /// Footer lines: heterogeneity, overall effect, subgroup differences.
    pub footer: Vec<FooterLine>,
    /// The trials the user switched off ("2 trials excluded by you (…)"), or `None`.
    /// Drawn beside the axis, left of it, where it fits, so that switching a trial off
    /// or on leaves the plot's size as it was (a new size makes the browser lay out
    /// every text of the plot again); where it does not fit, as the first footer line.
    pub set_aside: Option<String>,
    /// A sentence for screen readers.
    pub description: String,
    /// Whether to draw RevMan's risk-of-bias columns (D1 to D5 and overall, a
    /// traffic light with its symbol per trial) right of the graph, with their legend.
    pub risk_of_bias: bool,
}

/// Sizes of the plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlotOptions {
    /// Font size.
    pub font_size: f64,
    /// Height of a row.
    pub row_height: f64,
    /// Width of the graph column.
    pub graph_width: f64,
    /// Widest study label before it is cut with "…".
    pub max_label_width: f64,
    /// Side of the largest study's square.
    pub max_square: f64,
    /// Side of the smallest square drawn.
    pub min_square: f64,
    /// The axis's upper end (its lower end is its inverse for ratios, its negative for
    /// differences) instead of the one the values choose: plots that are steps of one
    /// analysis share an axis.
    pub axis_limit: Option<f64>,
    /// Prefix of the plot's element ids, unique among the plots of one page.
    pub id: &'static str,
    /// Which columns of text are drawn.
    pub columns: ColumnSet,
}

/// The columns of text beside the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ColumnSet {
    /// RevMan's: study, events and total per arm, weights, effect with CI.
    RevMan,
    /// Without the events and totals (and the total events row), for large text on a
    /// narrow screen.
    Compact,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            font_size: 12.0,
            row_height: 18.0,
            graph_width: 220.0,
            max_label_width: 220.0,
            max_square: 13.0,
            min_square: 3.0,
            axis_limit: None,
            id: "grove-forest",
            columns: ColumnSet::RevMan,
        }
    }
}

impl PlotOptions {
    /// The default plot with every size scaled to text of `font_size` pixels.
    pub fn scaled(font_size: f64) -> PlotOptions {
        let d = PlotOptions::default();
        let k = font_size / d.font_size;
        PlotOptions {
            font_size,
            row_height: d.row_height * k,
            graph_width: d.graph_width * k,
            max_label_width: d.max_label_width * k,
            max_square: d.max_square * k,
            min_square: d.min_square * k,
            ..d
        }
    }
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RowKind {
    /// Column headers.
    Header,
    /// A subgroup's heading.
    Heading,
    /// A study.
    Study,
    /// A pooled estimate.
    Pooled,
    /// The prediction interval.
    Prediction,
    /// "Total events".
    TotalEvents,
    /// A line of notes (heterogeneity, tests).
    Note,
}

/// The mark drawn in a row's graph cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Marker {
    /// A study's square, centred at `x`, with this side.
    Square {
        /// Centre.
        x: f64,
        /// Side length.
        side: f64,
    },
    /// A pooled diamond from `left` to `right` with its point at `x`.
    Diamond {
        /// Left tip.
        left: f64,
        /// Centre.
        x: f64,
        /// Right tip.
        right: f64,
    },
    /// A line from `left` to `right` (prediction interval).
    Bar {
        /// Left end.
        left: f64,
        /// Right end.
        right: f64,
    },
    /// Nothing drawn: the estimate is undefined or off the axis.
    None,
}

/// One laid-out row: its kind, vertical centre and mark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowBox {
    /// What the row is.
    pub kind: RowKind,
    /// Vertical centre in pixels.
    pub y: f64,
    /// The mark in the graph column.
    pub marker: Marker,
    /// The interval runs past the left / right end of the axis (drawn as an arrow).
    pub arrows: [bool; 2],
    /// For a study, its row in the data table ([`StudyRow::row`]).
    pub table_row: Option<usize>,
    /// The keys of the explanations of the row's numbers (empty: none).
    pub explain: String,
}

/// Shapes of one kind, drawn together: the frame (headers, pooled rows, axis, notes)
/// first, then the studies' columns, intervals and squares (over their lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Layer {
    /// Headers, subgroup headings, pooled rows, axis, notes.
    Frame,
    /// Study labels.
    Labels,
    /// Events and totals.
    Counts,
    /// Weights.
    Weights,
    /// Effect with CI, as text.
    Effects,
    /// Confidence-interval lines and arrows.
    Intervals,
    /// Squares.
    Marks,
    /// Risk-of-bias traffic lights.
    Bias,
}

/// Most shapes in one group of [`Layout::groups`].
pub const GROUP_SIZE: usize = 16;

/// The laid-out plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// Total width in pixels.
    pub width: f64,
    /// Total height in pixels.
    pub height: f64,
    /// Font size.
    pub font_size: f64,
    /// The axis of the graph column.
    pub axis: Axis,
    /// Every row, top to bottom.
    pub rows: Vec<RowBox>,
    /// What to draw, in drawing order.
    pub shapes: Vec<Shape>,
    /// Consecutive runs of `shapes` drawn as one `<g>` each: shapes of one [`Layer`], at
    /// most [`GROUP_SIZE`]. An edit usually changes few groups (one study's row, the
    /// weights, the squares), so the page replaces only those.
    pub groups: Vec<std::ops::Range<usize>>,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Prefix of the plot's element ids ([`PlotOptions::id`]).
    pub id: &'static str,
    /// Right edge of the study labels' column.
    pub labels_right: f64,
    /// Height of a row.
    pub row_height: f64,
}

impl ForestSpec {
    /// Gives each trial the judgements `of_row` has for its row in the data table, and
    /// draws the risk-of-bias columns when any trial has one.
    pub fn set_risk_of_bias(&mut self, of_row: impl Fn(usize) -> Option<crate::rob::Assessment>) {
        let mut any = false;
        for s in self.sections.iter_mut().flat_map(|s| s.studies.iter_mut()) {
            s.rob = of_row(s.row).filter(|a| *a != crate::rob::Assessment::default());
            any |= s.rob.is_some();
        }
        self.risk_of_bias = any;
    }

    /// The two lines over the graph column: the measure ("Risk Ratio") and the method
    /// ("IV, Random, 95% CI"), as over the effect column.
    pub fn graph_headers(&self) -> [&str; 2] {
        [measure_title(self.measure), &self.method_label]
    }
}

impl Layout {
    /// The data-table row of the study whose label is at `(x, y)` (plot pixels), if
    /// any: a click on a study's name on the plot switches it off or on.
    pub fn study_at(&self, x: f64, y: f64) -> Option<usize> {
        if !(0.0..=self.labels_right).contains(&x) {
            return None;
        }
        let half = self.row_height / 2.0;
        // Rows are in order from the top: the one whose band holds `y`.
        let i = self.rows.partition_point(|r| r.y + half <= y);
        let r = self.rows.get(i)?;
        (r.y - half <= y).then_some(r.table_row).flatten()
    }

    /// The keys of the explanations of the numbers in the row at `(x, y)` (plot pixels):
    /// right of the labels for a trial or a diamond (its estimate, interval and
    /// weights), anywhere along a footer line (heterogeneity, the test for the overall
    /// effect, the test for subgroup differences). A click there shows how they were
    /// computed.
    pub fn explain_at(&self, x: f64, y: f64) -> Option<&str> {
        let half = self.row_height / 2.0;
        let i = self.rows.partition_point(|r| r.y + half <= y);
        let r = self.rows.get(i)?;
        // A footer line's numbers are anywhere along it; a row's, right of its label.
        let from = if r.kind == RowKind::Note {
            0.0
        } else {
            self.labels_right
        };
        let across = (from..=self.width).contains(&x);
        (across && r.y - half <= y && !r.explain.is_empty()).then_some(r.explain.as_str())
    }
}

/// Lays out `spec` with `options`.
pub fn layout(spec: &ForestSpec, options: &PlotOptions) -> Layout {
    Builder::new(spec, options).build()
}

/// The effect header: "Risk Ratio".
pub fn measure_title(measure: Measure) -> &'static str {
    match measure {
        Measure::RiskRatio => "Risk Ratio",
        Measure::OddsRatio => "Odds Ratio",
        Measure::RiskDifference => "Risk Difference",
    }
}

/// The text of an estimate in the effect column: `0.49 [0.34, 0.70]` or the reason.
pub fn estimate_text(effect: &Result<Estimate, String>) -> String {
    match effect {
        Ok(e) => format::effect_with_ci(e.value, e.lower, e.upper),
        Err(reason) => reason.clone(),
    }
}

// ---------------------------------------------------------------------------------------

const PAD: f64 = 10.0;
const GAP: f64 = 14.0;
const DIAMOND_HEIGHT: f64 = 11.0;
const ARROW: f64 = 5.0;

/// Horizontal positions of the columns.
struct Columns {
    study: f64,
    /// Widest a study label may be.
    label_width: f64,
    /// Right edges of events/total for each arm.
    arm: [[f64; 2]; 2],
    /// Right edge of each weight column.
    weights: Vec<f64>,
    /// Right edge of the effect text.
    effect: f64,
    /// Centre of each risk-of-bias column (D1 to D5, overall); empty when not drawn.
    rob: Vec<f64>,
}

struct Builder<'a> {
    spec: &'a ForestSpec,
    o: &'a PlotOptions,
    cols: Columns,
    axis: Axis,
    width: f64,
    y: f64,
    rows: Vec<RowBox>,
    /// Each shape with its layer and its band of the plot ([`Builder::band`]).
    shapes: Vec<(Layer, u8, Shape)>,
    layer: Layer,
    /// Which part of the plot is being drawn: the header (0), the rows (1), the axis
    /// (2), the notes under it (3). A group holds one band: an edit that changes the
    /// pooled rows or the notes does not rewrite the header or the axis with them.
    band: u8,
    max_weight: f64,
    /// Where the note on the trials switched off goes.
    set_aside: NotePlace,
}

/// Where the note on the trials switched off ([`ForestSpec::set_aside`]) is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotePlace {
    /// No trial is switched off.
    None,
    /// In the two rows of the axis labels, left of the axis: the note, then
    /// [`SET_ASIDE_SHOWN`].
    BesideAxis,
    /// As the first footer line.
    Footer,
}

/// RevMan's header of the labels' column.
pub const STUDY_HEADER: &str = "Study or Subgroup";

/// What the plot says of the trials switched off, after the note naming them.
pub const SET_ASIDE_SHOWN: &str = "shown in grey, not pooled";

/// The lines of the risk-of-bias legend naming each column: "(D1) Bias arising from the
/// randomisation process", …
fn legend_lines() -> Vec<String> {
    crate::rob::Domain::ALL
        .iter()
        .map(|d| format!("({}) {}", d.short(), d.label()))
        .collect()
}

/// A judgement's name in the legend's key.
fn legend_key(j: crate::rob::Judgement) -> &'static str {
    match j {
        crate::rob::Judgement::Low => "Low risk of bias",
        crate::rob::Judgement::SomeConcerns => "Some concerns",
        crate::rob::Judgement::High => "High risk of bias",
    }
}

/// Width of the legend's key: each judgement's disc and name.
fn legend_key_width(size: f64, row_height: f64) -> f64 {
    crate::rob::Judgement::ALL
        .iter()
        .map(|&j| row_height * 0.8 + 4.0 + text::width(legend_key(j), size, false) + GAP)
        .sum()
}

/// The note on the trials switched off as one footer line.
fn set_aside_line(note: &str) -> String {
    format!("{note}: {SET_ASIDE_SHOWN}")
}

impl<'a> Builder<'a> {
    fn new(spec: &'a ForestSpec, o: &'a PlotOptions) -> Builder<'a> {
        let size = o.font_size;
        let w = |s: &str, bold: bool| text::width(s, size, bold);
        let studies = || spec.sections.iter().flat_map(|s| s.studies.iter());
        let pooled = || {
            spec.sections
                .iter()
                .flat_map(|s| s.pooled.iter())
                .chain(spec.overall.iter())
        };

        let label_width = studies()
            .map(|s| w(&s.label, false))
            .chain(pooled().map(|p| w(&p.label, true)))
            .chain(
                spec.sections
                    .iter()
                    .filter_map(|s| s.heading.as_deref())
                    .map(|h| w(h, true)),
            )
            .chain([w(&spec.label_header, true), w("Total events", false)])
            .fold(0.0, f64::max)
            .min(o.max_label_width.max(w(&spec.label_header, true)));

        let count_width = |n: u128| w(&format::count(n), true);
        let events_w = studies()
            .flat_map(|s| s.events.map(u128::from))
            .chain(
                spec.sections
                    .iter()
                    .filter_map(|s| s.total_events)
                    .flatten(),
            )
            .map(count_width)
            .fold(w("Events", true), f64::max);
        let totals_w = studies()
            .flat_map(|s| s.totals.map(u128::from))
            .chain(pooled().filter_map(|p| p.totals).flatten())
            .map(count_width)
            .fold(w("Total", true), f64::max);
        let arm_header_w = spec.arms.iter().map(|a| w(a, true)).fold(0.0, f64::max);
        let arm_w = (events_w + GAP + totals_w).max(arm_header_w);

        let mut x = PAD + label_width + GAP;
        let mut arm = [[0.0; 2]; 2];
        let counts = if o.columns == ColumnSet::RevMan {
            &mut arm[..]
        } else {
            &mut []
        };
        for a in counts {
            let start = x;
            x += arm_w;
            *a = [start + (arm_w - totals_w - GAP).max(events_w), x];
            x += GAP;
        }
        let mut weights = Vec::new();
        // Room for "excluded" whether or not a study is switched off, so that switching
        // one moves no column (and the page rewrites only that row and the weights).
        let excluded_w = w(EXCLUDED, false);
        for header in &spec.weight_headers {
            x += w(header, true).max(w("100.0%", true)).max(excluded_w);
            weights.push(x);
            x += GAP;
        }
        let effect_texts = studies()
            .map(|s| w(&estimate_text(&s.effect), false))
            .chain(pooled().map(|p| w(&estimate_text(&p.effect), true)))
            .chain([
                w(measure_title(spec.measure), true),
                w(&spec.method_label, true),
            ]);
        x += effect_texts.fold(0.0, f64::max);
        let effect = x;
        x += GAP;
        let graph_x0 = x + 6.0;
        let right_label = graph_x0 + o.graph_width / 2.0 + 6.0 + w(&spec.favours[1], false);
        let limit = o.axis_limit.filter(|l| l.is_finite() && *l > 0.0);
        let axis = Self::axis(spec, limit, graph_x0, o.graph_width);
        let set_aside = match &spec.set_aside {
            None => NotePlace::None,
            Some(note) => {
                // Left of the tick labels in their row, and of the left "favours" label in
                // the row under it.
                let ticks_left = axis
                    .ticks
                    .iter()
                    .map(|&t| axis.clamped(t) - w(&axis.label(t), false) / 2.0)
                    .fold(graph_x0, f64::min);
                let favours_left = axis.clamped(axis.null) - 6.0 - w(&spec.favours[0], false);
                let fits = |text: &str, right: f64| PAD + w(text, false) + GAP <= right;
                if fits(note, ticks_left) && fits(SET_ASIDE_SHOWN, favours_left.min(graph_x0)) {
                    NotePlace::BesideAxis
                } else {
                    NotePlace::Footer
                }
            }
        };
        let in_footer = spec
            .set_aside
            .iter()
            .filter(|_| set_aside == NotePlace::Footer)
            .map(|n| set_aside_line(n));
        let footer = spec
            .footer
            .iter()
            .map(|l| l.text.clone())
            .chain(in_footer)
            .chain(
                spec.sections
                    .iter()
                    .flat_map(|s| s.notes.iter().map(|l| l.text.clone())),
            )
            .map(|l| PAD + 8.0 + w(&l, false))
            .fold(0.0, f64::max);
        // RevMan's risk-of-bias columns right of the graph: one traffic light each.
        let mut rob = Vec::new();
        let mut right = graph_x0 + o.graph_width + 6.0;
        if spec.risk_of_bias {
            right = right.max(right_label) + GAP;
            for d in crate::rob::Domain::ALL {
                let cell = w(d.short(), true).max(o.row_height) + 8.0;
                rob.push(right + cell / 2.0);
                right += cell;
            }
        }
        let legend = if spec.risk_of_bias {
            legend_lines()
                .iter()
                .map(|l| PAD + w(l, false))
                .fold(PAD + legend_key_width(o.font_size, o.row_height), f64::max)
        } else {
            0.0
        };
        let width = right.max(right_label).max(footer).max(legend) + PAD;

        let max_weight = studies()
            .filter_map(|s| s.marker_weight)
            .filter(|w| w.is_finite() && *w > 0.0)
            .fold(0.0, f64::max);

        Builder {
            spec,
            o,
            cols: Columns {
                study: PAD,
                label_width,
                arm,
                weights,
                effect,
                rob,
            },
            axis,
            width,
            y: PAD,
            rows: Vec::new(),
            shapes: Vec::new(),
            layer: Layer::Frame,
            band: 0,
            max_weight,
            set_aside,
        }
    }

    fn axis(spec: &ForestSpec, limit: Option<f64>, x0: f64, width: f64) -> Axis {
        let studies = spec.sections.iter().flat_map(|s| s.studies.iter());
        let pooled = spec
            .sections
            .iter()
            .flat_map(|s| s.pooled.iter())
            .chain(spec.overall.iter());
        let mut must = Vec::new();
        let mut want = Vec::new();
        for e in studies.filter_map(|s| s.effect.as_ref().ok()) {
            must.push(e.value);
            want.extend([e.lower, e.upper]);
        }
        for e in pooled.filter_map(|p| p.effect.as_ref().ok()) {
            must.extend([e.value, e.lower, e.upper]);
        }
        if let Some(Ok(p)) = &spec.prediction {
            want.extend([p.lower, p.upper]);
        }
        match (spec.measure, limit) {
            (Measure::RiskDifference, Some(l)) => Axis::difference_to(l, x0, width),
            (Measure::RiskDifference, None) => Axis::difference(&must, &want, x0, width),
            (_, Some(l)) => Axis::ratio_to(l, x0, width),
            (_, None) => Axis::ratio(&must, &want, x0, width),
        }
    }

    fn build(mut self) -> Layout {
        self.header();
        self.band = 1;
        let top_of_data = self.y;
        let several =
            self.spec.sections.len() > 1 || self.spec.sections.iter().any(|s| s.heading.is_some());
        for section in &self.spec.sections {
            self.section(section, several);
        }
        for p in &self.spec.overall {
            self.pooled(p);
        }
        if let Some(events) = self.spec.overall_events {
            self.total_events(events, 0.0);
        }
        if let Some(prediction) = &self.spec.prediction {
            self.prediction(prediction);
        }
        let bottom_of_data = self.y;
        self.band = 2;
        self.axis_and_labels(top_of_data, bottom_of_data);
        self.y += 4.0;
        self.band = 3;
        if let (NotePlace::Footer, Some(note)) = (self.set_aside, &self.spec.set_aside) {
            self.note(&set_aside_line(note), false);
        }
        for line in &self.spec.footer {
            self.note(&line.text, false);
            if let Some(r) = self.rows.last_mut() {
                r.explain.clone_from(&line.explain);
            }
        }
        if self.spec.risk_of_bias {
            self.rob_legend();
        }
        self.y += PAD;
        let title = format!("Forest plot: {}", measure_title(self.spec.measure));
        // Layers in drawing order; within a layer, top to bottom.
        crate::sort::by_key(&mut self.shapes, |(layer, band, _)| (*layer, *band));
        let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, (layer, band, _)) in self.shapes.iter().enumerate() {
            match groups.last_mut() {
                Some(g)
                    if g.len() < GROUP_SIZE
                        && (self.shapes[g.start].0, self.shapes[g.start].1) == (*layer, *band) =>
                {
                    g.end = i + 1
                }
                _ => groups.push(i..i + 1),
            }
        }
        Layout {
            width: self.width.ceil(),
            height: self.y.ceil(),
            font_size: self.o.font_size,
            axis: self.axis,
            rows: self.rows,
            shapes: self.shapes.into_iter().map(|(_, _, shape)| shape).collect(),
            groups,
            title,
            description: self.spec.description.clone(),
            id: self.o.id,
            labels_right: self.cols.study + self.cols.label_width,
            row_height: self.o.row_height,
        }
    }

    fn push(&mut self, shape: Shape) {
        self.shapes.push((self.layer, self.band, shape));
    }

    fn baseline(&self) -> f64 {
        self.y + self.o.row_height * 0.5 + self.o.font_size * 0.35
    }

    fn text(&mut self, x: f64, text: &str, anchor: Anchor, bold: bool, ink: Ink) {
        let y = self.baseline();
        self.push(Shape::Text {
            x,
            y,
            text: text.to_owned(),
            full: None,
            anchor,
            bold,
            ink,
        });
    }

    fn label(&mut self, text: &str, bold: bool, indent: f64) {
        self.label_styled(text, bold, indent, Ink::Text);
    }

    fn label_styled(&mut self, text: &str, bold: bool, indent: f64, ink: Ink) {
        self.label_within(text, bold, indent, ink, self.cols.label_width - indent);
    }

    /// A label cut to `max` pixels (the full text kept beside it).
    fn label_within(&mut self, text: &str, bold: bool, indent: f64, ink: Ink, max: f64) {
        let cut = text::truncate(text, self.o.font_size, bold, max.max(self.o.font_size));
        let y = self.baseline();
        self.push(Shape::Text {
            x: self.cols.study + indent,
            y,
            text: cut.clone().unwrap_or_else(|| text.to_owned()),
            full: cut.map(|_| text.to_owned()),
            anchor: Anchor::Start,
            bold,
            ink,
        });
    }

    fn row(&mut self, kind: RowKind, marker: Marker, arrows: [bool; 2]) {
        let y = self.y + self.o.row_height / 2.0;
        self.rows.push(RowBox {
            kind,
            y,
            marker,
            arrows,
            table_row: None,
            explain: String::new(),
        });
        self.y += self.o.row_height;
    }

    fn header(&mut self) {
        let spec = self.spec;
        // First line: arm names over their events/total columns, the effect title.
        let counts = self.o.columns == ColumnSet::RevMan;
        for (i, name) in spec.arms.iter().enumerate().filter(|_| counts) {
            let [events, total] = self.cols.arm[i];
            let span_left = events - text::width("Events", self.o.font_size, true);
            self.text(
                (span_left + total) / 2.0,
                name,
                Anchor::Middle,
                true,
                Ink::Text,
            );
        }
        let [title, method] = spec.graph_headers();
        self.text(self.cols.effect, title, Anchor::End, true, Ink::Text);
        let centre = self.axis.x0 + self.axis.width / 2.0;
        self.text(centre, title, Anchor::Middle, true, Ink::Text);
        if let (Some(first), Some(last)) = (self.cols.rob.first(), self.cols.rob.last()) {
            let middle = (first + last) / 2.0;
            self.text(middle, "Risk of bias", Anchor::Middle, true, Ink::Text);
        }
        self.row(RowKind::Header, Marker::None, [false; 2]);
        // Second line: column names.
        self.text(
            self.cols.study,
            &spec.label_header,
            Anchor::Start,
            true,
            Ink::Text,
        );
        for i in (0..2).filter(|_| counts) {
            let [events, total] = self.cols.arm[i];
            self.text(events, "Events", Anchor::End, true, Ink::Text);
            self.text(total, "Total", Anchor::End, true, Ink::Text);
        }
        for (i, header) in spec.weight_headers.iter().enumerate() {
            let x = self.cols.weights[i];
            self.text(x, header, Anchor::End, true, Ink::Text);
        }
        self.text(self.cols.effect, method, Anchor::End, true, Ink::Text);
        self.text(centre, method, Anchor::Middle, true, Ink::Text);
        for (i, d) in crate::rob::Domain::ALL.iter().enumerate() {
            if let Some(&x) = self.cols.rob.get(i) {
                self.text(x, d.short(), Anchor::Middle, true, Ink::Text);
            }
        }
        self.row(RowKind::Header, Marker::None, [false; 2]);
        let y = self.y + 2.0;
        self.rule(y);
        self.y += 6.0;
    }

    fn rule(&mut self, y: f64) {
        self.push(Shape::Line {
            x1: PAD,
            y1: y,
            x2: self.width - PAD,
            y2: y,
            ink: Ink::Rule,
            width: 0.75,
        });
    }

    fn section(&mut self, section: &Section, several: bool) {
        let indent = if several { 8.0 } else { 0.0 };
        if let Some(heading) = &section.heading {
            // A heading's row holds nothing else: as in RevMan, it runs on over the
            // columns of numbers, up to the graph.
            let max = self.cols.effect - self.cols.study;
            self.label_within(heading, true, 0.0, Ink::Text, max);
            self.row(RowKind::Heading, Marker::None, [false; 2]);
        }
        for study in &section.studies {
            self.study(study, indent);
        }
        for p in &section.pooled {
            self.pooled(p);
        }
        if let Some(events) = section.total_events {
            self.total_events(events, indent);
        }
        for note in &section.notes {
            self.note(&note.text, true);
            if let Some(r) = self.rows.last_mut() {
                r.explain.clone_from(&note.explain);
            }
        }
        if several {
            self.y += self.o.row_height / 2.0;
        }
    }

    fn total_events(&mut self, events: [u128; 2], indent: f64) {
        if self.o.columns != ColumnSet::RevMan {
            return;
        }
        self.label("Total events", false, indent);
        for (i, e) in events.iter().enumerate() {
            let x = self.cols.arm[i][0];
            self.text(x, &format::count(*e), Anchor::End, false, Ink::Text);
        }
        self.row(RowKind::TotalEvents, Marker::None, [false; 2]);
    }

    fn study(&mut self, s: &StudyRow, indent: f64) {
        // A study switched off is drawn whole, in one grey.
        let (text_ink, mark_ink) = if s.excluded {
            (Ink::Excluded, Ink::Excluded)
        } else {
            (Ink::Text, Ink::Study)
        };
        self.layer = Layer::Labels;
        self.label_styled(&s.label, false, indent, text_ink);
        self.layer = Layer::Counts;
        for i in (0..2).filter(|_| self.o.columns == ColumnSet::RevMan) {
            let [ex, tx] = self.cols.arm[i];
            self.text(
                ex,
                &format::count(s.events[i]),
                Anchor::End,
                false,
                text_ink,
            );
            self.text(
                tx,
                &format::count(s.totals[i]),
                Anchor::End,
                false,
                text_ink,
            );
        }
        self.layer = Layer::Weights;
        if s.excluded {
            if let Some(&x) = self.cols.weights.first() {
                self.text(x, EXCLUDED, Anchor::End, false, Ink::Excluded);
            }
        } else {
            self.weights(&s.weights, false);
        }
        let ink = if s.excluded {
            Ink::Excluded
        } else if s.effect.is_ok() {
            Ink::Text
        } else {
            Ink::Muted
        };
        self.layer = Layer::Effects;
        self.text(
            self.cols.effect,
            &estimate_text(&s.effect),
            Anchor::End,
            false,
            ink,
        );
        self.layer = Layer::Intervals;
        let (marker, arrows) = match &s.effect {
            Ok(e) => {
                let line_ink = if s.excluded { Ink::Excluded } else { Ink::Text };
                let arrows = self.interval(e.lower, e.upper, line_ink, 1.0);
                self.layer = Layer::Marks;
                let marker = match self.axis.position(e.value) {
                    Some(x) => {
                        let side = self.square_side(s.marker_weight);
                        let yc = self.y + self.o.row_height / 2.0;
                        let h = side / 2.0;
                        self.push(Shape::Polygon {
                            points: vec![
                                (x - h, yc - h),
                                (x + h, yc - h),
                                (x + h, yc + h),
                                (x - h, yc + h),
                            ],
                            ink: mark_ink,
                        });
                        Marker::Square { x, side }
                    }
                    None => Marker::None,
                };
                (marker, arrows)
            }
            Err(_) => (Marker::None, [false; 2]),
        };
        self.layer = Layer::Bias;
        if let Some(a) = &s.rob {
            for (i, d) in crate::rob::Domain::ALL.iter().enumerate() {
                if let (Some(&x), Some(j)) = (self.cols.rob.get(i), a.get(*d)) {
                    let title = format!("{}: {}", d.short(), j.label());
                    self.traffic_light(x, j, title);
                }
            }
        }
        self.layer = Layer::Frame;
        self.row(RowKind::Study, marker, arrows);
        if let Some(r) = self.rows.last_mut() {
            r.table_row = Some(s.row);
            r.explain.clone_from(&s.explain);
        }
    }

    /// A judgement's disc centred at `x` in the current row, its symbol on it (white on
    /// the dark red of High, black on the others), so that it reads without colour.
    fn traffic_light(&mut self, x: f64, j: crate::rob::Judgement, title: String) {
        let cy = self.y + self.o.row_height / 2.0;
        self.push(Shape::Disc {
            cx: x,
            cy,
            r: self.o.row_height * 0.4,
            ink: Ink::Risk(j),
            title,
        });
        let ink = if j == crate::rob::Judgement::High {
            Ink::Background
        } else {
            Ink::Text
        };
        self.text(x, j.symbol(), Anchor::Middle, true, ink);
    }

    /// RevMan's legend of the risk-of-bias columns: what each column judges, then each
    /// judgement's disc and name.
    fn rob_legend(&mut self) {
        self.y += self.o.row_height / 2.0;
        let x = PAD;
        self.text(x, "Risk of bias legend", Anchor::Start, true, Ink::Text);
        self.row(RowKind::Note, Marker::None, [false; 2]);
        for line in legend_lines() {
            self.text(x, &line, Anchor::Start, false, Ink::Text);
            self.row(RowKind::Note, Marker::None, [false; 2]);
        }
        let mut at = x + self.o.row_height * 0.4;
        for j in crate::rob::Judgement::ALL {
            self.traffic_light(at, j, j.label().to_owned());
            let label = legend_key(j);
            let start = at + self.o.row_height * 0.4 + 4.0;
            self.text(start, label, Anchor::Start, false, Ink::Text);
            at =
                start + text::width(label, self.o.font_size, false) + GAP + self.o.row_height * 0.4;
        }
        self.row(RowKind::Note, Marker::None, [false; 2]);
    }

    /// Side of a square whose area is proportional to `weight`.
    fn square_side(&self, weight: Option<f64>) -> f64 {
        match weight {
            Some(w) if w.is_finite() && w > 0.0 && self.max_weight > 0.0 => {
                (self.o.max_square * (w / self.max_weight).sqrt()).max(self.o.min_square)
            }
            _ => self.o.min_square,
        }
    }

    /// Draws the CI line of the current row, with arrows where it leaves the axis.
    fn interval(&mut self, lower: f64, upper: f64, ink: Ink, width: f64) -> [bool; 2] {
        if !(lower.is_finite() || lower == f64::NEG_INFINITY || lower == 0.0) || upper.is_nan() {
            return [false; 2];
        }
        let yc = self.y + self.o.row_height / 2.0;
        let past = [
            lower < self.axis.min * (1.0 - 1e-12),
            upper > self.axis.max * (1.0 + 1e-12),
        ];
        let (x1, x2) = (self.axis.clamped(lower), self.axis.clamped(upper));
        if x2 > x1 {
            self.push(Shape::Line {
                x1,
                y1: yc,
                x2,
                y2: yc,
                ink,
                width,
            });
        }
        if past[0] {
            self.push(Shape::Polygon {
                points: vec![
                    (x1, yc),
                    (x1 + ARROW, yc - ARROW * 0.6),
                    (x1 + ARROW, yc + ARROW * 0.6),
                ],
                ink,
            });
        }
        if past[1] {
            self.push(Shape::Polygon {
                points: vec![
                    (x2, yc),
                    (x2 - ARROW, yc - ARROW * 0.6),
                    (x2 - ARROW, yc + ARROW * 0.6),
                ],
                ink,
            });
        }
        past
    }

    fn weights(&mut self, weights: &[Option<f64>], bold: bool) {
        for (i, w) in weights.iter().enumerate() {
            let Some(x) = self.cols.weights.get(i).copied() else {
                continue;
            };
            if let Some(w) = w {
                self.text(x, &format::percent(*w), Anchor::End, bold, Ink::Text);
            }
        }
    }

    fn pooled(&mut self, p: &PooledRow) {
        self.label(&p.label, true, 0.0);
        if let Some(totals) = p.totals.filter(|_| self.o.columns == ColumnSet::RevMan) {
            for (i, t) in totals.iter().enumerate() {
                let x = self.cols.arm[i][1];
                self.text(x, &format::count(*t), Anchor::End, true, Ink::Text);
            }
        }
        self.weights(&p.weights, true);
        let ink = if p.effect.is_ok() {
            Ink::Text
        } else {
            Ink::Muted
        };
        self.text(
            self.cols.effect,
            &estimate_text(&p.effect),
            Anchor::End,
            true,
            ink,
        );
        let marker = match &p.effect {
            Ok(e) if e.value.is_finite() && e.lower.is_finite() && e.upper.is_finite() => {
                let (l, x, r) = (
                    self.axis.clamped(e.lower),
                    self.axis.clamped(e.value),
                    self.axis.clamped(e.upper),
                );
                let yc = self.y + self.o.row_height / 2.0;
                let h = DIAMOND_HEIGHT / 2.0;
                self.push(Shape::Polygon {
                    points: vec![(l, yc), (x, yc - h), (r, yc), (x, yc + h)],
                    ink: Ink::Pooled,
                });
                Marker::Diamond {
                    left: l,
                    x,
                    right: r,
                }
            }
            _ => Marker::None,
        };
        self.row(RowKind::Pooled, marker, [false; 2]);
        if let Some(r) = self.rows.last_mut() {
            r.explain.clone_from(&p.explain);
        }
    }

    fn prediction(&mut self, p: &Result<Estimate, String>) {
        self.label("Prediction interval", false, 0.0);
        let text = match p {
            Ok(e) => format!("[{}, {}]", format::effect(e.lower), format::effect(e.upper)),
            Err(reason) => reason.clone(),
        };
        self.text(self.cols.effect, &text, Anchor::End, false, Ink::Prediction);
        let (marker, arrows) = match p {
            Ok(e) if e.lower.is_finite() && e.upper.is_finite() => {
                let arrows = self.interval(e.lower, e.upper, Ink::Prediction, 2.0);
                let yc = self.y + self.o.row_height / 2.0;
                let (l, r) = (self.axis.clamped(e.lower), self.axis.clamped(e.upper));
                for (x, past) in [(l, arrows[0]), (r, arrows[1])] {
                    if !past {
                        self.push(Shape::Line {
                            x1: x,
                            y1: yc - 4.0,
                            x2: x,
                            y2: yc + 4.0,
                            ink: Ink::Prediction,
                            width: 1.5,
                        });
                    }
                }
                (Marker::Bar { left: l, right: r }, arrows)
            }
            _ => (Marker::None, [false; 2]),
        };
        self.row(RowKind::Prediction, marker, arrows);
        if let Some(r) = self.rows.last_mut() {
            r.explain.clone_from(&self.spec.prediction_explain);
        }
    }

    fn note(&mut self, line: &str, indent: bool) {
        let x = self.cols.study + if indent { 8.0 } else { 0.0 };
        self.text(x, line, Anchor::Start, false, Ink::Muted);
        self.row(RowKind::Note, Marker::None, [false; 2]);
    }

    fn axis_and_labels(&mut self, top: f64, bottom: f64) {
        let axis = self.axis.clone();
        let null_x = axis.clamped(axis.null);
        self.push(Shape::Line {
            x1: null_x,
            y1: top,
            x2: null_x,
            y2: bottom + 2.0,
            ink: Ink::Text,
            width: 0.75,
        });
        let y = bottom + 2.0;
        self.push(Shape::Line {
            x1: axis.x0,
            y1: y,
            x2: axis.x0 + axis.width,
            y2: y,
            ink: Ink::Text,
            width: 0.75,
        });
        for t in &axis.ticks {
            let x = axis.clamped(*t);
            self.push(Shape::Line {
                x1: x,
                y1: y,
                x2: x,
                y2: y + 4.0,
                ink: Ink::Text,
                width: 0.75,
            });
        }
        self.y = y + 2.0;
        for t in &axis.ticks {
            let x = axis.clamped(*t);
            let label = axis.label(*t);
            self.text(x, &label, Anchor::Middle, false, Ink::Text);
        }
        let beside = match (self.set_aside, &self.spec.set_aside) {
            (NotePlace::BesideAxis, Some(note)) => Some(note.as_str()),
            _ => None,
        };
        if let Some(note) = beside {
            self.text(self.cols.study, note, Anchor::Start, false, Ink::Muted);
        }
        self.row(RowKind::Note, Marker::None, [false; 2]);
        let [left, right] = &self.spec.favours;
        self.text(null_x - 6.0, left, Anchor::End, false, Ink::Text);
        self.text(null_x + 6.0, right, Anchor::Start, false, Ink::Text);
        if beside.is_some() {
            self.text(
                self.cols.study,
                SET_ASIDE_SHOWN,
                Anchor::Start,
                false,
                Ink::Muted,
            );
        }
        self.row(RowKind::Note, Marker::None, [false; 2]);
    }
}

#[cfg(test)]
mod tests;
