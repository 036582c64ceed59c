//! The GOSH plot (Olkin, Dahabreh & Trikalinos 2012): the pooled estimate (horizontal,
//! on the analysis's axis: log scale for ratios, labelled with natural values) against
//! I² (vertical, 0–100%) of every subset of the trials, drawn as a heatmap of the counts
//! of [`crate::diagnostics::gosh_heatmap`]. A cell's shade grows with the logarithm of
//! its count, so that sparse regions stay visible beside dense ones:
//!
//! ```text
//! t = ln(count) / ln(largest count)      lightness L* = 92 − 78·t   (CIELAB, perceptually even)
//! ```
//!
//! Subsets without the highlighted trial are grey, those with it orange, drawn over the
//! grey with some transparency; a dashed line marks the estimate of all trials. metafor
//! draws the same data as points: `plot(gosh(fit), out = i)` colours the subsets with
//! trial `i`.

use super::axis::{Axis, Scale};
use super::{Anchor, Ink, Shape};
use crate::diagnostics::{BaseFit, GoshCoverage, GoshHeatmap};
use crate::format;
use crate::report::{abbreviation, natural};
use crate::settings::Measure;
use serde::Serialize;
use std::fmt::Write;

/// What the plot shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoshSpec {
    /// The effect measure: a log axis for ratios.
    pub measure: Measure,
    /// The counts.
    pub heatmap: GoshHeatmap,
    /// The label of the highlighted trial, when one is.
    pub highlighted: Option<String>,
}

impl GoshSpec {
    /// The plot of `heatmap` for trials labelled `labels` (in the order of the `yi` the
    /// heatmap was computed from).
    pub fn new(measure: Measure, heatmap: GoshHeatmap, labels: &[String]) -> GoshSpec {
        let highlighted = heatmap.highlighted.as_ref().map(|h| {
            labels
                .get(h.study)
                .cloned()
                .unwrap_or_else(|| format!("Trial {}", h.study + 1))
        });
        GoshSpec {
            measure,
            heatmap,
            highlighted,
        }
    }
}

/// Sizes of the plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshOptions {
    /// Font size.
    pub font_size: f64,
    /// Width of the plotting area.
    pub width: f64,
    /// Height of the plotting area.
    pub height: f64,
    /// Prefix of the plot's element ids, unique on a page.
    pub id: &'static str,
}

impl Default for GoshOptions {
    fn default() -> GoshOptions {
        GoshOptions {
            font_size: 13.0,
            width: 460.0,
            height: 300.0,
            id: "gosh",
        }
    }
}

/// Which subsets a cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GoshLayer {
    /// Subsets without the highlighted trial (all subsets when none is highlighted).
    Without,
    /// Subsets with the highlighted trial.
    With,
}

/// A shaded rectangle: a cell of the heatmap or a step of a colour scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoshCell {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Subsets counted (for a colour scale's step, the count it stands for).
    pub count: u64,
    /// Which subsets.
    pub layer: GoshLayer,
    /// Fill, `#rrggbb`.
    pub fill: String,
    /// Fill opacity.
    pub opacity: f64,
}

/// The laid-out plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoshLayout {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Font size.
    pub font_size: f64,
    /// The horizontal axis (natural scale).
    pub axis: Axis,
    /// The heatmap's cells with a count, without the highlighted trial first.
    pub cells: Vec<GoshCell>,
    /// The colour scales' steps.
    pub scale: Vec<GoshCell>,
    /// Everything else, drawn over the cells, in drawing order.
    pub shapes: Vec<Shape>,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Prefix of element ids.
    pub id: &'static str,
}

/// Opacity of the highlighted trial's cells over the others.
pub const HIGHLIGHT_OPACITY: f64 = 0.8;

/// Lays out `spec`.
pub fn layout(spec: &GoshSpec, o: &GoshOptions) -> GoshLayout {
    let size = o.font_size;
    let h = &spec.heatmap;
    let m = spec.measure;
    let (e_lo, e_hi) = match (h.estimate_edges.first(), h.estimate_edges.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => (lo, hi),
        _ => (-0.05, 0.05),
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
    let line = |x1, y1, x2, y2, ink, width| Shape::Line {
        x1,
        y1,
        x2,
        y2,
        ink,
        width,
    };
    let left = 14.0 + size * 0.6 * 4.0;
    let top = 12.0 + size * 3.0;
    let (x0, y0, y1) = (left, top, top + o.height);
    let axis = estimate_axis(m, e_lo, e_hi, x0, o.width);
    let x_of = |effect: f64| axis.clamped(natural(m, effect));
    let y_of = |i2: f64| y1 - i2.clamp(0.0, 100.0) / 100.0 * o.height;
    let mut shapes = Vec::new();
    // Subtitle and the vertical axis's title.
    shapes.push(text(
        x0,
        12.0 + size,
        coverage_words(h),
        Anchor::Start,
        false,
        Ink::Muted,
    ));
    shapes.push(text(
        x0,
        top - size * 0.7,
        "I² (%)".to_owned(),
        Anchor::Start,
        true,
        Ink::Text,
    ));
    // The cells.
    let (ne, ni) = (h.grid.estimate_bins(), h.grid.i2_bins());
    let with = h.highlighted.as_ref().map(|w| &w.counts);
    let count_of = |layer: GoshLayer, c: usize| -> u64 {
        let all = h.counts.get(c).copied().unwrap_or(0);
        let w = with.and_then(|w| w.get(c)).copied().unwrap_or(0);
        match layer {
            GoshLayer::Without => all.saturating_sub(w),
            GoshLayer::With => w,
        }
    };
    let layers: &[GoshLayer] = if with.is_some() {
        &[GoshLayer::Without, GoshLayer::With]
    } else {
        &[GoshLayer::Without]
    };
    let largest = layers
        .iter()
        .flat_map(|&l| (0..ne * ni).map(move |c| (l, c)))
        .map(|(l, c)| count_of(l, c))
        .max()
        .unwrap_or(0);
    let mut cells = Vec::new();
    for &layer in layers {
        for i in 0..ne {
            let (xa, xb) = (x_of(h.estimate_edges[i]), x_of(h.estimate_edges[i + 1]));
            for j in 0..ni {
                let count = count_of(layer, i * ni + j);
                if count == 0 {
                    continue;
                }
                let (ya, yb) = (y_of(h.i2_edges[j + 1]), y_of(h.i2_edges[j]));
                cells.push(GoshCell {
                    x: xa,
                    y: ya,
                    width: xb - xa,
                    height: yb - ya,
                    count,
                    layer,
                    fill: shade(layer, density(count, largest)),
                    opacity: opacity(layer),
                });
            }
        }
    }
    // The estimate of all trials.
    let all_x = x_of(h.all_studies.estimate);
    shapes.push(Shape::Polyline {
        points: vec![(all_x, y0), (all_x, y1)],
        ink: Ink::Pooled,
        width: 1.5,
        dashed: true,
    });
    // Frame, ticks and labels.
    shapes.extend(super::axis::frame_and_ticks(&axis, y0, y1, size));
    for i2 in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = y_of(i2);
        shapes.push(line(x0 - 5.0, y, x0, y, Ink::Text, 1.0));
        shapes.push(text(
            x0 - 7.0,
            y + size * 0.35,
            format!("{i2:.0}"),
            Anchor::End,
            false,
            Ink::Text,
        ));
    }
    let model = model_words(h.base);
    let log = match axis.scale {
        Scale::Log => ", log scale",
        Scale::Linear => "",
    };
    shapes.push(text(
        x0 + o.width / 2.0,
        y1 + 10.0 + size * 2.3,
        format!("Pooled estimate ({}, {model}){log}", abbreviation(m)),
        Anchor::Middle,
        true,
        Ink::Text,
    ));
    // Legend: the colour scales, then the line.
    let mut y = y1 + 24.0 + size * 3.6;
    let bar = 150.0_f64.min(o.width * 0.45);
    let swatch = 14.0;
    let mut scale = Vec::new();
    let mut widest: f64 = x0 + o.width;
    let layer_words = |layer: GoshLayer| match (&spec.highlighted, layer) {
        (None, _) => "Subsets".to_owned(),
        (Some(t), GoshLayer::Without) => format!("Subsets without {t}"),
        (Some(t), GoshLayer::With) => format!("Subsets with {t}"),
    };
    const STEPS: usize = 48;
    shapes.push(text(
        x0,
        y,
        "Subsets per cell (log scale)".to_owned(),
        Anchor::Start,
        false,
        Ink::Muted,
    ));
    y += size * 1.5;
    for &layer in layers {
        for s in 0..STEPS {
            let t = (s as f64 + 0.5) / STEPS as f64;
            scale.push(GoshCell {
                x: x0 + bar * s as f64 / STEPS as f64,
                y: y - size * 0.85,
                width: bar / STEPS as f64,
                height: size,
                // The count at the middle of the step.
                count: (largest.max(1) as f64).powf(t).round() as u64,
                layer,
                fill: shade(layer, t),
                opacity: opacity(layer),
            });
        }
        shapes.push(Shape::Polyline {
            points: vec![
                (x0, y - size * 0.85),
                (x0 + bar, y - size * 0.85),
                (x0 + bar, y + size * 0.15),
                (x0, y + size * 0.15),
                (x0, y - size * 0.85),
            ],
            ink: Ink::Rule,
            width: 0.5,
            dashed: false,
        });
        let words = layer_words(layer);
        widest = widest.max(x0 + bar + 8.0 + super::text::width(&words, size, false));
        shapes.push(text(
            x0 + bar + 8.0,
            y,
            words,
            Anchor::Start,
            false,
            Ink::Text,
        ));
        y += size * 1.5;
    }
    // Counts along the scale: 1, powers of ten, and the largest.
    let position = |c: u64| {
        if largest > 1 {
            x0 + bar * (c as f64).ln() / (largest as f64).ln()
        } else {
            x0 + bar
        }
    };
    let small = size * 0.85;
    let mut marks: Vec<u64> = vec![1];
    let mut p = 10u64;
    while p < largest {
        marks.push(p);
        p = p.saturating_mul(10);
    }
    if largest > 1 {
        marks.push(largest);
    }
    let label_half = |c: u64| super::text::width(&compact(c), small, false) / 2.0 + 3.0;
    let end = position(largest) - label_half(largest);
    let mut last_x = f64::NEG_INFINITY;
    let tick_y = y - size * 1.5 + size * 0.15;
    for (n, &c) in marks.iter().enumerate() {
        let x = position(c);
        let half = label_half(c);
        let is_last = n + 1 == marks.len();
        if x - half < last_x || (!is_last && x + half > end) {
            continue;
        }
        shapes.push(line(x, tick_y, x, tick_y + 4.0, Ink::Text, 1.0));
        shapes.push(Shape::Text {
            x,
            y: tick_y + 4.0 + small,
            text: compact(c),
            full: None,
            anchor: Anchor::Middle,
            bold: false,
            ink: Ink::Text,
        });
        last_x = x + half;
    }
    y += small + 10.0;
    shapes.push(Shape::Polyline {
        points: vec![(x0, y - size * 0.35), (x0 + swatch * 2.0, y - size * 0.35)],
        ink: Ink::Pooled,
        width: 1.5,
        dashed: true,
    });
    let all_words = format!(
        "All {} trials: {} {}, I² {:.0}%",
        h.k,
        abbreviation(m),
        format::effect(natural(m, h.all_studies.estimate)),
        h.all_studies.i2
    );
    widest = widest.max(x0 + swatch * 2.0 + 8.0 + super::text::width(&all_words, size, false));
    shapes.push(text(
        x0 + swatch * 2.0 + 8.0,
        y,
        all_words,
        Anchor::Start,
        false,
        Ink::Text,
    ));
    let width = (x0 + o.width + 16.0).max(widest + 12.0);
    let mut description = format!(
        "GOSH plot: the pooled estimate ({}, {model}) against I² of {}, as a heatmap of \
         counts shaded on a log scale. Mean estimate {} {}, mean I² {:.0}%.",
        abbreviation(m),
        coverage_words(h).to_lowercase(),
        abbreviation(m),
        format::effect(natural(m, h.estimate.mean)),
        h.i2.mean,
    );
    if let Some(t) = &spec.highlighted {
        let _ = write!(
            description,
            " Subsets with {t} in orange, the others in grey."
        );
    }
    GoshLayout {
        width: width.ceil(),
        height: (y + 8.0).ceil(),
        font_size: size,
        axis,
        cells,
        scale,
        shapes,
        title: format!("GOSH plot: {}", crate::forest::measure_title(m)),
        description,
        id: o.id,
    }
}

impl GoshLayout {
    /// The standalone SVG document: the background, the cells (adjacent cells of a row
    /// with the same shade as one rectangle), then the other shapes.
    pub fn to_svg(&self) -> String {
        let head = super::svg::document(
            self.width,
            self.height,
            self.font_size,
            self.id,
            &self.title,
            &self.description,
            &[],
        );
        let mut out = head.strip_suffix("</svg>").unwrap_or(&head).to_owned();
        out.reserve(64 * (self.cells.len() + self.scale.len()) + 96 * self.shapes.len());
        let _ = write!(
            out,
            r#"<g id="{}-cells" shape-rendering="crispEdges">"#,
            self.id
        );
        write_cells(&mut out, &self.cells);
        write_cells(&mut out, &self.scale);
        out.push_str("</g>");
        for shape in &self.shapes {
            super::svg::shape_svg(&mut out, shape);
        }
        out.push_str("</svg>");
        out
    }
}

/// `cells` as `<rect>`s, runs of touching cells of a row with the same fill merged.
fn write_cells(out: &mut String, cells: &[GoshCell]) {
    let mut i = 0;
    while i < cells.len() {
        let c = &cells[i];
        let mut right = c.x + c.width;
        let mut j = i + 1;
        while let Some(n) = cells.get(j) {
            let touches = (n.x - right).abs() < 1e-6 && n.y == c.y && n.height == c.height;
            if !(touches && n.fill == c.fill && n.opacity == c.opacity) {
                break;
            }
            right = n.x + n.width;
            j += 1;
        }
        out.push_str("<rect");
        for (name, v) in [
            ("x", c.x),
            ("y", c.y),
            ("width", right - c.x),
            ("height", c.height),
        ] {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            super::svg::write_num(out, v);
            out.push('"');
        }
        out.push_str(" fill=\"");
        out.push_str(&c.fill);
        out.push('"');
        if c.opacity < 1.0 {
            out.push_str(" fill-opacity=\"");
            super::svg::write_num(out, c.opacity);
            out.push('"');
        }
        out.push_str("/>");
        i = j;
    }
}

/// "All 65,535 subsets of 16 trials" or "A random sample of 1,048,576 of the 2^40 − 1
/// subsets of 40 trials".
pub fn coverage_words(h: &GoshHeatmap) -> String {
    match h.coverage {
        GoshCoverage::AllSubsets => format!(
            "All {} subsets of {} trials",
            format::count(h.n_subsets),
            h.k
        ),
        GoshCoverage::RandomSample { .. } => format!(
            "A random sample of {} of the 2^{} − 1 subsets of {} trials",
            format::count(h.n_subsets),
            h.k,
            h.k
        ),
    }
}

/// The model fitted to each subset, in words: "common effect", "random effects,
/// DerSimonian–Laird".
pub fn model_words(base: BaseFit) -> &'static str {
    match base {
        BaseFit::Common => "common effect",
        BaseFit::DerSimonianLaird => "random effects, DerSimonian–Laird",
    }
}

/// The position of `count` on the shading scale, 0 (one subset) to 1 (the largest).
fn density(count: u64, largest: u64) -> f64 {
    if largest <= 1 {
        1.0
    } else {
        ((count.max(1) as f64).ln() / (largest as f64).ln()).clamp(0.0, 1.0)
    }
}

fn opacity(layer: GoshLayer) -> f64 {
    match layer {
        GoshLayer::Without => 1.0,
        GoshLayer::With => HIGHLIGHT_OPACITY,
    }
}

/// The fill at density `t`: CIELAB lightness from 92 down to 14; grey, or orange (hue
/// 55°, chroma rising from 30 to 75) for the highlighted trial's subsets.
fn shade(layer: GoshLayer, t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (l, a, b) = match layer {
        GoshLayer::Without => (92.0 - 78.0 * t, 0.0, 0.0),
        GoshLayer::With => {
            let (l, c, hue) = (85.0 - 50.0 * t, 30.0 + 45.0 * t, 55f64.to_radians());
            (l, c * hue.cos(), c * hue.sin())
        }
    };
    lab_hex(l, a, b)
}

/// CIELAB (D65) to sRGB `#rrggbb`, out-of-gamut channels clipped.
fn lab_hex(l: f64, a: f64, b: f64) -> String {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let inverse = |t: f64| {
        if t > 6.0 / 29.0 {
            t * t * t
        } else {
            3.0 * (6.0f64 / 29.0).powi(2) * (t - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.95047 * inverse(fx), inverse(fy), 1.08883 * inverse(fz));
    let linear = [
        3.2406 * x - 1.5372 * y - 0.4986 * z,
        -0.9689 * x + 1.8758 * y + 0.0415 * z,
        0.0557 * x - 0.2040 * y + 1.0570 * z,
    ];
    let mut out = String::from("#");
    for c in linear {
        let c = c.clamp(0.0, 1.0);
        let s = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        let _ = write!(out, "{:02x}", (s * 255.0).round().clamp(0.0, 255.0) as u8);
    }
    out
}

/// `1`, `10`, `100`, `1k`, `10k`, `2.5M`.
fn compact(n: u64) -> String {
    let (value, unit) = match n {
        0..=999 => return n.to_string(),
        1_000..=999_999 => (n as f64 / 1e3, "k"),
        1_000_000..=999_999_999 => (n as f64 / 1e6, "M"),
        _ => (n as f64 / 1e9, "G"),
    };
    let digits = if value < 10.0 && value.fract() >= 0.05 {
        1
    } else {
        0
    };
    format!("{value:.digits$}{unit}")
}

/// The horizontal axis over the estimate edges `lo..hi` (analysis scale), with round
/// ticks: for ratios a log scale from `e^lo` to `e^hi` labelled with natural values.
fn estimate_axis(measure: Measure, lo: f64, hi: f64, x0: f64, width: f64) -> Axis {
    match measure {
        Measure::RiskDifference => Axis {
            scale: Scale::Linear,
            min: lo,
            max: hi,
            null: 0.0,
            ticks: linear_ticks(lo, hi),
            x0,
            width,
        },
        Measure::RiskRatio | Measure::OddsRatio => {
            let (min, max) = (lo.exp(), hi.exp());
            Axis {
                scale: Scale::Log,
                min,
                max,
                null: 1.0,
                ticks: log_ticks(min, max),
                x0,
                width,
            }
        }
    }
}

/// Round values within `min..max` (both positive), four to eight of them where possible:
/// 1, 2, 5 × 10ⁿ, or finer mantissas, or round steps of a linear scale for a narrow
/// range.
fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    const MANTISSAS: [&[f64]; 4] = [
        &[1.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ];
    if !(min > 0.0 && max > min && max.is_finite()) {
        return vec![];
    }
    let (first, last) = (min.log10().floor() as i32, max.log10().ceil() as i32);
    let mut best: Vec<f64> = vec![];
    for set in MANTISSAS {
        let ticks: Vec<f64> = (first..=last)
            .flat_map(|d| set.iter().map(move |m| round_value(m * 10f64.powi(d))))
            .filter(|t| *t >= min * (1.0 - 1e-9) && *t <= max * (1.0 + 1e-9))
            .collect();
        if ticks.len() >= 4 {
            return if ticks.len() <= 9 { ticks } else { best };
        }
        best = ticks;
    }
    let linear = linear_ticks(min, max);
    if linear.len() > best.len() {
        linear
    } else {
        best
    }
}

/// The round ticks of [`super::axis::linear_ticks`] (at most six steps) within
/// `lo..hi`.
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(hi > lo && lo.is_finite() && hi.is_finite()) {
        return vec![];
    }
    let margin = 1e-9 * (hi - lo);
    let (_, _, ticks) = super::axis::linear_ticks(lo, hi, 6);
    ticks
        .into_iter()
        .filter(|t| *t >= lo - margin && *t <= hi + margin)
        .map(round_value)
        .collect()
}

/// `x` rounded to 12 significant digits, so that `0.1 · 3` is `0.3`.
fn round_value(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let scale = 10f64.powi(11 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{GoshHeatmapSettings, gosh_heatmap};
    use std::ops::ControlFlow;

    const MAGNESIUM: &str = include_str!("../../../../tests/reference/diagnostics/magnesium.json");

    fn magnesium() -> (Vec<f64>, Vec<f64>, Vec<String>) {
        let json: serde_json::Value = serde_json::from_str(MAGNESIUM).expect("valid JSON");
        let block = &json["diagnostics"]["RR"];
        let mut out = (vec![], vec![], vec![]);
        for (i, (y, v)) in block["yi"]
            .as_array()
            .expect("yi")
            .iter()
            .zip(block["vi"].as_array().expect("vi"))
            .enumerate()
        {
            if let (Some(y), Some(v)) = (y.as_f64(), v.as_f64()) {
                out.0.push(y);
                out.1.push(v);
                let s = &json["studies"][i];
                out.2.push(format!(
                    "{} {}",
                    s["study"].as_str().unwrap_or("?"),
                    s["year"].as_i64().unwrap_or(0)
                ));
            }
        }
        out
    }

    fn spec(base: BaseFit, highlight: Option<usize>, exact: bool) -> GoshSpec {
        let (yi, vi, labels) = magnesium();
        let mut s = GoshHeatmapSettings::new(base);
        s.highlight = highlight;
        if !exact {
            s.exact_up_to = 0;
            s.sample_size = 1 << 12;
        }
        let h = gosh_heatmap(&yi, &vi, &s, |_, _| ControlFlow::Continue(()))
            .expect("valid")
            .expect("not cancelled");
        GoshSpec::new(Measure::RiskRatio, h, &labels)
    }

    #[test]
    fn cells_count_every_subset_once_and_the_svg_is_clean() {
        for (base, highlight, exact) in [
            (BaseFit::Common, Some(6), true),
            (BaseFit::DerSimonianLaird, None, true),
            (BaseFit::Common, Some(0), false),
        ] {
            let spec = spec(base, highlight, exact);
            let o = GoshOptions {
                id: "g7",
                ..GoshOptions::default()
            };
            let l = layout(&spec, &o);
            let total: u64 = l.cells.iter().map(|c| c.count).sum();
            assert_eq!(total, spec.heatmap.n_fitted);
            assert_eq!(spec.heatmap.n_fitted, spec.heatmap.n_subsets);
            let with: u64 = l
                .cells
                .iter()
                .filter(|c| c.layer == GoshLayer::With)
                .map(|c| c.count)
                .sum();
            assert_eq!(
                with,
                spec.heatmap.highlighted.as_ref().map_or(0, |h| h.n_subsets)
            );
            // Cells lie within the plotting area.
            for c in &l.cells {
                assert!(c.width > 0.0 && c.height > 0.0, "{c:?}");
                assert!(c.x >= l.axis.x0 - 1e-9 && c.x + c.width <= l.axis.x0 + o.width + 1e-6);
            }
            let svg = l.to_svg();
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            for id in [r#"id="g7-title""#, r#"id="g7-desc""#, r#"id="g7-cells""#] {
                assert!(svg.contains(id), "{id}");
            }
            assert!(!svg.contains(r#"id="gosh"#));
            assert!(svg.contains("I² (%)"));
            assert!(svg.contains("Pooled estimate (RR, "));
            match highlight {
                Some(i) => {
                    let label = &magnesium().2[i];
                    assert!(svg.contains(&format!("Subsets with {label}")), "{label}");
                    assert!(svg.contains(&format!("Subsets without {label}")));
                }
                None => assert!(!svg.contains("Subsets with ")),
            }
            if exact {
                assert!(svg.contains("All 65,535 subsets of 16 trials"));
            } else {
                assert!(svg.contains("A random sample of 4,096 of the 2^16 − 1 subsets"));
            }
        }
    }

    #[test]
    fn the_axis_is_logarithmic_with_natural_labels_around_the_estimates() {
        let spec = spec(BaseFit::Common, None, true);
        let l = layout(&spec, &GoshOptions::default());
        assert_eq!(l.axis.scale, Scale::Log);
        let (lo, hi) = (
            spec.heatmap.estimate_edges[0],
            spec.heatmap.estimate_edges[100],
        );
        assert!((l.axis.min - lo.exp()).abs() < 1e-12 && (l.axis.max - hi.exp()).abs() < 1e-12);
        assert!((4..=9).contains(&l.axis.ticks.len()), "{:?}", l.axis.ticks);
        // The dashed line of all trials is at their estimate.
        let x = l.axis.clamped(spec.heatmap.all_studies.estimate.exp());
        assert!(l.shapes.iter().any(|s| matches!(s,
            Shape::Polyline { points, dashed: true, .. } if (points[0].0 - x).abs() < 1e-9)));
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(log_ticks(0.1, 2.0), [0.1, 0.2, 0.5, 1.0, 2.0]);
        assert!(log_ticks(0.5, 1.2).len() >= 4);
        assert_eq!(linear_ticks(-0.3, 0.2), [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2]);
        assert!(log_ticks(0.98, 1.01).len() >= 3);
        assert_eq!(compact(1), "1");
        assert_eq!(compact(25_000), "25k");
        assert_eq!(compact(2_500_000), "2.5M");
    }

    #[test]
    fn shades_darken_with_the_count() {
        let grey: Vec<String> = [0.0, 0.5, 1.0]
            .iter()
            .map(|&t| shade(GoshLayer::Without, t))
            .collect();
        assert_eq!(grey[0].len(), 7);
        assert!(grey[0] > grey[1] && grey[1] > grey[2], "{grey:?}");
        assert_eq!(lab_hex(100.0, 0.0, 0.0), "#ffffff");
        assert_eq!(lab_hex(0.0, 0.0, 0.0), "#000000");
        assert_eq!(
            shade(GoshLayer::With, f64::NAN),
            shade(GoshLayer::With, 1.0)
        );
    }
}
