//! The contour-enhanced funnel plot (Light & Pillemer 1984; contours: Peters et al.
//! 2008, J Clin Epidemiol 61:991–996; Cochrane Handbook §13.3.5.2): each trial's effect
//! (horizontal, on the forest plot's axis) against its standard error (vertical, 0 at
//! the top), so that small trials lie low and spread wide. Shaded contours mark where a
//! trial's own result would be statistically significant, two-sided, around no effect:
//!
//! ```text
//! |yᵢ − null| / SEᵢ > z   with z = 1.645 (p < 0.10), 1.960 (p < 0.05), 2.576 (p < 0.01)
//! ```
//!
//! A funnel of pseudo 95% limits around the pooled estimate μ, `μ ± 1.96 SE`, shows where
//! trials would lie without heterogeneity or small-study effects. On request the trials
//! that trim-and-fill (Duval & Tweedie 2000) adds are drawn as open circles.
//!
//! metafor: `funnel(x, level = c(90, 95, 99), shade = …, refline = 0)` draws the same
//! contours; `funnel(trimfill(x))` the filled trials.

use super::axis::{Axis, Scale};
use super::{Anchor, Ink, Shape};
use crate::bias::{TrimFill, trim_and_fill};
use crate::dist::normal_quantile;
use crate::format;
use crate::report::{Report, abbreviation, model_name, natural};
use crate::settings::Measure;
use serde::Serialize;
use std::fmt::Write;

/// One trial of the plot: its effect on the analysis scale (logs for ratios) and its
/// standard error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelPoint {
    /// "Aronson 1948"; for a filled trial, "Filled (mirrors Aronson 1948)".
    pub label: String,
    /// `yᵢ`.
    pub effect: f64,
    /// `√vᵢ`.
    pub se: f64,
    /// Added by trim-and-fill, not observed.
    pub filled: bool,
}

/// What the plot shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelSpec {
    /// The effect measure: a log axis for ratios.
    pub measure: Measure,
    /// The trials with an estimate, in table order, then any filled ones.
    pub points: Vec<FunnelPoint>,
    /// The pooled estimate (analysis scale) and its model's name, when there is one.
    pub pooled: Option<(f64, &'static str)>,
    /// The trim-and-fill estimate drawn with its filled trials, when asked for and found.
    pub adjusted: Option<f64>,
    /// Trials switched off by the user (not drawn).
    pub set_aside: usize,
}

/// Significance levels of the contours, two-sided, from the widest band inwards.
pub const CONTOUR_LEVELS: [f64; 3] = [0.01, 0.05, 0.10];

impl FunnelSpec {
    /// The funnel plot of a report's outcome: the trials with an estimate and the
    /// headline model's pooled estimate; with `filled`, the trials trim-and-fill adds
    /// ([`crate::bias::trim_and_fill`], with the outcome's model and settings).
    pub fn new(report: &Report, filled: bool) -> FunnelSpec {
        let model = report.options.models.primary();
        let e = report.analysis.estimable();
        let mut points: Vec<FunnelPoint> = e
            .index
            .iter()
            .zip(e.yi.iter().zip(&e.vi))
            .map(|(&s, (&y, &v))| FunnelPoint {
                label: report.label(s),
                effect: y,
                se: v.sqrt(),
                filled: false,
            })
            .collect();
        let (yi, vi) = (e.yi, e.vi);
        let pooled = report
            .overall(model)
            .ok()
            .map(|f| (f.pooled.estimate, model_name(model)));
        let mut adjusted = None;
        if filled && let Ok(tf) = trim_fill_of(report, &yi, &vi) {
            adjusted = Some(tf.fit.pooled.estimate);
            for ((&y, &v), &m) in tf.filled_yi.iter().zip(&tf.filled_vi).zip(&tf.mirrors) {
                let mirrored = points.get(m).map(|p| p.label.clone()).unwrap_or_default();
                points.push(FunnelPoint {
                    label: format!("Filled (mirrors {mirrored})"),
                    effect: y,
                    se: v.sqrt(),
                    filled: true,
                });
            }
        }
        FunnelSpec {
            measure: report.options.settings.measure,
            points,
            pooled,
            adjusted,
            set_aside: report.set_aside.len(),
        }
    }
}

/// Trim-and-fill of the trials' `yi`, `vi` with the headline model and the outcome's τ²
/// estimator and interval: metafor `trimfill(rma(yi, vi, method, test))`. After
/// Mantel-Haenszel or Peto pooling it refits with inverse-variance weights, as metafor's
/// `trimfill()` accepts only `rma.uni` fits.
///
/// # Errors
/// As [`crate::bias::trim_and_fill`].
pub fn trim_fill_of(
    report: &Report,
    yi: &[f64],
    vi: &[f64],
) -> Result<TrimFill, crate::bias::BiasError> {
    let s = &report.options.settings;
    trim_and_fill(yi, vi, report.options.models.primary(), s.tau2, s.ci)
}

/// Sizes of the plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FunnelOptions {
    /// Font size.
    pub font_size: f64,
    /// Width of the plotting area.
    pub width: f64,
    /// Height of the plotting area.
    pub height: f64,
    /// Radius of a trial's circle.
    pub radius: f64,
    /// Prefix of the plot's element ids, unique on a page.
    pub id: &'static str,
}

impl Default for FunnelOptions {
    fn default() -> FunnelOptions {
        FunnelOptions {
            font_size: 13.0,
            width: 420.0,
            height: 300.0,
            radius: 4.5,
            id: "funnel",
        }
    }
}

/// The laid-out plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelLayout {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Font size.
    pub font_size: f64,
    /// The horizontal axis (natural scale).
    pub axis: Axis,
    /// The largest standard error on the vertical axis.
    pub max_se: f64,
    /// What to draw, in drawing order.
    pub shapes: Vec<Shape>,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Prefix of element ids.
    pub id: &'static str,
}

/// Lays out `spec`.
pub fn layout(spec: &FunnelSpec, o: &FunnelOptions) -> FunnelLayout {
    let size = o.font_size;
    let m = spec.measure;
    let ratio = m != Measure::RiskDifference;
    let z95 = normal_quantile(0.975);
    // The vertical axis: 0 to a round standard error above the largest.
    let largest = spec
        .points
        .iter()
        .map(|p| p.se)
        .filter(|s| s.is_finite())
        .fold(0.0, f64::max);
    let (max_se, se_step) = se_axis(largest);
    let left = 12.0 + size * 1.4 + size * 0.6 * 5.0;
    let top = 12.0 + size * 1.6;
    let (x0, y0, y1) = (left, top, top + o.height);
    // The horizontal axis holds every trial and the pseudo limits at the largest SE.
    let natural_of = |y: f64| natural(m, y);
    let mut estimates: Vec<f64> = spec.points.iter().map(|p| natural_of(p.effect)).collect();
    let mut limits = Vec::new();
    if let Some((mu, _)) = spec.pooled {
        estimates.push(natural_of(mu));
        limits.extend([natural_of(mu - z95 * max_se), natural_of(mu + z95 * max_se)]);
    }
    let axis = if ratio {
        Axis::ratio(&estimates, &limits, x0, o.width)
    } else {
        Axis::difference(&estimates, &limits, x0, o.width)
    };
    let x_of = |effect: f64| axis.clamped(natural_of(effect));
    let y_of = |se: f64| y0 + se / max_se * o.height;
    // No effect on the analysis scale: log 1 = 0 for ratios, 0 for differences.
    let null_effect = 0.0;
    let mut shapes = Vec::new();
    // Contours: the whole area at p < 0.01, then the regions of larger p over it, each a
    // triangle from no effect at SE 0 held to the axis ends.
    shapes.push(Shape::Polygon {
        points: vec![(x0, y0), (x0 + o.width, y0), (x0 + o.width, y1), (x0, y1)],
        ink: Ink::Shade(0),
    });
    for (band, level) in CONTOUR_LEVELS.into_iter().enumerate() {
        let z = normal_quantile(1.0 - level / 2.0);
        shapes.push(Shape::Polygon {
            points: funnel_outline(&axis, null_effect, z, max_se, &x_of, &y_of),
            ink: if band + 1 < CONTOUR_LEVELS.len() {
                Ink::Shade(band as u8 + 1)
            } else {
                Ink::Background
            },
        });
    }
    let line = |x1, y1, x2, y2, ink, width| Shape::Line {
        x1,
        y1,
        x2,
        y2,
        ink,
        width,
    };
    let text = |x, y, text: String, anchor, bold, ink| Shape::Text {
        x,
        y,
        text,
        full: None,
        anchor,
        bold,
        ink,
    };
    // No effect, the pooled estimate and its pseudo 95% limits.
    let null_x = axis.clamped(axis.null);
    shapes.push(line(null_x, y0, null_x, y1, Ink::Rule, 1.0));
    if let Some((mu, _)) = spec.pooled {
        let mx = x_of(mu);
        shapes.push(line(mx, y0, mx, y1, Ink::Pooled, 1.5));
        let outline = funnel_outline(&axis, mu, z95, max_se, &x_of, &y_of);
        let half = outline.len() / 2;
        shapes.push(Shape::Polyline {
            points: outline[..half].to_vec(),
            ink: Ink::Pooled,
            width: 1.0,
            dashed: true,
        });
        shapes.push(Shape::Polyline {
            points: outline[half..].to_vec(),
            ink: Ink::Pooled,
            width: 1.0,
            dashed: true,
        });
    }
    if let Some(adjusted) = spec.adjusted {
        let ax = x_of(adjusted);
        shapes.push(Shape::Polyline {
            points: vec![(ax, y0), (ax, y1)],
            ink: Ink::Prediction,
            width: 1.5,
            dashed: true,
        });
    }
    // Frame, ticks and labels.
    shapes.extend(super::axis::frame_and_ticks(&axis, y0, y1, size));
    let mut se = 0.0;
    while se <= max_se * (1.0 + 1e-9) {
        let y = y_of(se);
        shapes.push(line(x0 - 5.0, y, x0, y, Ink::Text, 1.0));
        shapes.push(text(
            x0 - 7.0,
            y + size * 0.35,
            se_label(se),
            Anchor::End,
            false,
            Ink::Text,
        ));
        se += se_step;
    }
    // The trials, observed then filled.
    for p in &spec.points {
        shapes.push(Shape::Circle {
            cx: x_of(p.effect),
            cy: y_of(p.se),
            r: o.radius,
            ink: if p.filled {
                Ink::Prediction
            } else {
                Ink::Study
            },
            filled: !p.filled,
            title: format!(
                "{}: {} {}, SE {}",
                p.label,
                abbreviation(m),
                format::effect(natural_of(p.effect)),
                se_label_precise(p.se)
            ),
        });
    }
    // Axis titles and the legend.
    let scale = match axis.scale {
        Scale::Log => " (log scale)",
        Scale::Linear => "",
    };
    shapes.push(text(
        x0 + o.width / 2.0,
        y1 + 10.0 + size * 2.3,
        format!("{}{scale}", crate::forest::measure_title(m)),
        Anchor::Middle,
        true,
        Ink::Text,
    ));
    shapes.push(text(
        x0,
        top - size * 0.7,
        format!(
            "Standard error{}",
            if ratio { " of the log effect" } else { "" }
        ),
        Anchor::Start,
        true,
        Ink::Text,
    ));
    let mut y = y1 + 16.0 + size * 3.6;
    let swatch = 14.0;
    let mut widest: f64 = 0.0;
    let mut key = |shapes: &mut Vec<Shape>, mark: Vec<Shape>, words: String, y: &mut f64| {
        shapes.extend(mark);
        widest = widest.max(x0 + swatch + 8.0 + super::text::width(&words, size, false));
        shapes.push(text(
            x0 + swatch + 8.0,
            *y,
            words,
            Anchor::Start,
            false,
            Ink::Text,
        ));
        *y += size * 1.5;
    };
    let square = |y: f64, ink| Shape::Polygon {
        points: vec![
            (x0, y - size * 0.8),
            (x0 + swatch, y - size * 0.8),
            (x0 + swatch, y + size * 0.1),
            (x0, y + size * 0.1),
        ],
        ink,
    };
    let bands = [
        ("p > 0.10", Ink::Background),
        ("0.05 < p < 0.10", Ink::Shade(2)),
        ("0.01 < p < 0.05", Ink::Shade(1)),
        ("p < 0.01", Ink::Shade(0)),
    ];
    let outline = |y: f64| Shape::Polyline {
        points: vec![
            (x0, y - size * 0.8),
            (x0 + swatch, y - size * 0.8),
            (x0 + swatch, y + size * 0.1),
            (x0, y + size * 0.1),
            (x0, y - size * 0.8),
        ],
        ink: Ink::Rule,
        width: 0.5,
        dashed: false,
    };
    for (words, ink) in bands {
        key(
            &mut shapes,
            vec![square(y, ink), outline(y)],
            format!("A trial's own result at {words} (two-sided, against no effect)"),
            &mut y,
        );
    }
    let dash = |y: f64, ink, dashed| Shape::Polyline {
        points: vec![(x0, y - size * 0.35), (x0 + swatch, y - size * 0.35)],
        ink,
        width: 1.5,
        dashed,
    };
    if let Some((mu, model)) = spec.pooled {
        key(
            &mut shapes,
            vec![dash(y, Ink::Pooled, false)],
            format!(
                "Pooled {} {} ({}), with pseudo 95% limits (dashed)",
                abbreviation(m),
                format::effect(natural_of(mu)),
                model.to_ascii_lowercase()
            ),
            &mut y,
        );
    }
    if let Some(adjusted) = spec.adjusted {
        let filled = spec.points.iter().filter(|p| p.filled).count();
        key(
            &mut shapes,
            vec![dash(y, Ink::Prediction, true)],
            format!(
                "Trim-and-fill: {filled} {} added (open circles), adjusted {} {}",
                if filled == 1 { "trial" } else { "trials" },
                abbreviation(m),
                format::effect(natural_of(adjusted))
            ),
            &mut y,
        );
    }
    let shown = spec.points.iter().filter(|p| !p.filled).count();
    let width = (x0 + o.width + 16.0).max(widest + 12.0);
    let mut description = format!(
        "Funnel plot of {shown} {}: effect against standard error, with contours of \
         statistical significance at p = 0.10, 0.05 and 0.01.",
        if shown == 1 { "trial" } else { "trials" }
    );
    if spec.set_aside > 0 {
        let _ = write!(
            description,
            " {} switched off by you not shown.",
            spec.set_aside
        );
    }
    FunnelLayout {
        width: width.ceil(),
        height: (y + 6.0).ceil(),
        font_size: size,
        axis,
        max_se,
        shapes,
        title: format!("Funnel plot: {}", crate::forest::measure_title(m)),
        description,
        id: o.id,
    }
}

/// The region `|effect − centre| ≤ z · SE` for SE from 0 to `max_se`, as a polygon held to
/// the axis: its left edge from the top, then its right edge from the bottom. Where an
/// edge meets an axis end it runs down that end.
fn funnel_outline(
    axis: &Axis,
    centre: f64,
    z: f64,
    max_se: f64,
    x_of: &dyn Fn(f64) -> f64,
    y_of: &dyn Fn(f64) -> f64,
) -> Vec<(f64, f64)> {
    // Where each edge leaves the axis (on the analysis scale, where edges are straight).
    let (lo, hi) = match axis.scale {
        Scale::Log => (axis.min.ln(), axis.max.ln()),
        Scale::Linear => (axis.min, axis.max),
    };
    let leaves = |end: f64| {
        let se = (end - centre).abs() / z;
        (se > 0.0 && se < max_se).then_some(se)
    };
    let mut left = vec![(x_of(centre), y_of(0.0))];
    if let Some(se) = leaves(lo) {
        left.push((x_of(centre - z * se), y_of(se)));
    }
    left.push((x_of(centre - z * max_se), y_of(max_se)));
    let mut right = vec![(x_of(centre + z * max_se), y_of(max_se))];
    if let Some(se) = leaves(hi) {
        right.push((x_of(centre + z * se), y_of(se)));
    }
    right.push((x_of(centre), y_of(0.0)));
    // Equal halves, so that the pseudo limits can be drawn as two lines.
    while left.len() < right.len() {
        left.push(*left.last().unwrap_or(&(0.0, 0.0)));
    }
    while right.len() < left.len() {
        right.insert(0, right[0]);
    }
    left.extend(right);
    left
}

/// The vertical axis: a round largest standard error at or above `largest`, and the step
/// between its ticks (three to five steps).
fn se_axis(largest: f64) -> (f64, f64) {
    let largest = if largest.is_finite() && largest > 0.0 {
        largest
    } else {
        1.0
    };
    let steps = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0,
    ];
    for step in steps {
        let n = (largest / step * (1.0 - 1e-9)).ceil().max(1.0);
        if n <= 5.0 {
            return (n * step, step);
        }
    }
    let step = 10.0_f64.powf((largest / 5.0).log10().ceil());
    ((largest / step).ceil() * step, step)
}

/// A tick label of the standard-error axis: `0`, `0.25`, `1.5`.
fn se_label(se: f64) -> String {
    let s = format!("{se:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A trial's standard error in its title.
fn se_label_precise(se: f64) -> String {
    format!("{se:.3}")
}

impl FunnelLayout {
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
mod tests;
