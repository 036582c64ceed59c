//! The plot's horizontal axis: a symmetric log scale around 1 for ratios, a symmetric
//! linear scale around 0 for risk differences, with the round tick values RevMan uses.

use super::{Anchor, Ink, Shape};
use serde::Serialize;

/// Half-widths offered for a ratio axis, which runs from `1/L` to `L`.
pub const RATIO_LIMITS: [f64; 9] = [2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];
/// Half-widths offered for a risk-difference axis, which runs from `-L` to `L`.
pub const DIFFERENCE_LIMITS: [f64; 5] = [0.05, 0.1, 0.2, 0.5, 1.0];
/// A ratio axis is widened to show every confidence limit up to this half-width; beyond
/// it, only point estimates and pooled intervals widen it and long intervals end in
/// arrows.
pub const RATIO_WIDEN_FOR_LIMITS: f64 = 100.0;

/// Linear or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// Ratios: distances are proportional to the log.
    Log,
    /// Differences.
    Linear,
}

/// An axis from `min` to `max` (natural scale) drawn over `[x0, x0 + width]` pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    /// Log or linear.
    pub scale: Scale,
    /// Smallest value shown.
    pub min: f64,
    /// Largest value shown.
    pub max: f64,
    /// The value of no effect (1 or 0).
    pub null: f64,
    /// Tick values, ascending.
    pub ticks: Vec<f64>,
    /// Left pixel.
    pub x0: f64,
    /// Pixel width.
    pub width: f64,
}

impl Axis {
    /// The axis for a ratio measure that best shows `estimates` (which must fit) and
    /// `limits` (which fit when they can), over `[x0, x0 + width]`.
    pub fn ratio(estimates: &[f64], limits: &[f64], x0: f64, width: f64) -> Axis {
        let spread = |values: &[f64]| {
            values
                .iter()
                .filter(|v| v.is_finite() && **v > 0.0)
                .map(|v| v.ln().abs().exp())
                .fold(1.0, f64::max)
        };
        let must = spread(estimates);
        let want = spread(limits).min(RATIO_WIDEN_FOR_LIMITS);
        let need = must.max(want);
        let l = RATIO_LIMITS
            .iter()
            .copied()
            .find(|l| *l >= need * (1.0 - 1e-9))
            .unwrap_or(RATIO_LIMITS[RATIO_LIMITS.len() - 1]);
        Axis::ratio_to(l, x0, width)
    }

    /// The ratio axis from `1 / l` to `l`, whatever the values: several plots of one
    /// analysis share it (the steps of a build-up).
    pub fn ratio_to(l: f64, x0: f64, width: f64) -> Axis {
        Axis {
            scale: Scale::Log,
            min: 1.0 / l,
            max: l,
            null: 1.0,
            ticks: ratio_ticks(l),
            x0,
            width,
        }
    }

    /// The axis for a risk difference, likewise.
    pub fn difference(estimates: &[f64], limits: &[f64], x0: f64, width: f64) -> Axis {
        let spread = |values: &[f64]| {
            values
                .iter()
                .filter(|v| v.is_finite())
                .map(|v| v.abs())
                .fold(0.0, f64::max)
        };
        let need = spread(estimates).max(spread(limits)).min(1.0);
        let l = DIFFERENCE_LIMITS
            .iter()
            .copied()
            .find(|l| *l >= need * (1.0 - 1e-9))
            .unwrap_or(1.0);
        Axis::difference_to(l, x0, width)
    }

    /// The difference axis from `-l` to `l`, whatever the values.
    pub fn difference_to(l: f64, x0: f64, width: f64) -> Axis {
        Axis {
            scale: Scale::Linear,
            min: -l,
            max: l,
            null: 0.0,
            ticks: vec![-l, -l / 2.0, 0.0, l / 2.0, l],
            x0,
            width,
        }
    }

    /// The pixel position of `value`, or `None` when it lies outside the axis or is not a
    /// number.
    pub fn position(&self, value: f64) -> Option<f64> {
        if !value.is_finite()
            || value < self.min * (1.0 - 1e-12)
            || value > self.max * (1.0 + 1e-12)
        {
            return None;
        }
        Some(self.clamped(value))
    }

    /// The pixel position of `value` held to the axis ends (infinite values included).
    pub fn clamped(&self, value: f64) -> f64 {
        let fraction = match self.scale {
            Scale::Log => {
                let (lo, hi) = (self.min.ln(), self.max.ln());
                let v = if value > 0.0 {
                    value.ln()
                } else {
                    f64::NEG_INFINITY
                };
                (v.clamp(lo, hi) - lo) / (hi - lo)
            }
            Scale::Linear => {
                let v = if value.is_nan() { self.null } else { value };
                (v.clamp(self.min, self.max) - self.min) / (self.max - self.min)
            }
        };
        self.x0 + fraction * self.width
    }

    /// A tick's label: `0.01`, `0.5`, `1`, `20`, `-0.25`.
    pub fn label(&self, value: f64) -> String {
        let s = format!("{:.3}", value);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    }
}

/// The frame of a scatter-like plot, the left and bottom sides of the plotting area from
/// `y0` (top) to `y1` (bottom) over the axis's width, and the axis's ticks and labels
/// below it in text of `font_size`.
pub fn frame_and_ticks(axis: &Axis, y0: f64, y1: f64, font_size: f64) -> Vec<Shape> {
    let (x0, x1) = (axis.x0, axis.x0 + axis.width);
    let mut shapes = vec![Shape::Polyline {
        points: vec![(x0, y0), (x0, y1), (x1, y1)],
        ink: Ink::Text,
        width: 1.0,
        dashed: false,
    }];
    for &t in &axis.ticks {
        let x = axis.clamped(t);
        shapes.push(Shape::Line {
            x1: x,
            y1,
            x2: x,
            y2: y1 + 5.0,
            ink: Ink::Text,
            width: 1.0,
        });
        shapes.push(Shape::Text {
            x,
            y: y1 + 6.0 + font_size,
            text: axis.label(t),
            full: None,
            anchor: Anchor::Middle,
            bold: false,
            ink: Ink::Text,
        });
    }
    shapes
}

/// Round tick values for a ratio axis from `1/l` to `l`.
/// A linear scale of any quantity for the scatter plots (Baujat, Galbraith, GOSH): from
/// `lo` to `hi` widened outward to round ticks a step of 1, 2 or 5 × 10ⁿ apart, at most
/// `most` steps. Returns the scale's ends and its ticks; a range of one value is widened
/// by one unit about it, and values that are not finite are ignored.
///
/// ```
/// use grove_core::plot::axis::linear_ticks;
/// let (lo, hi, ticks) = linear_ticks(0.3, 7.2, 6);
/// assert_eq!((lo, hi), (0.0, 8.0));
/// assert_eq!(ticks, [0.0, 2.0, 4.0, 6.0, 8.0]);
/// ```
pub fn linear_ticks(lo: f64, hi: f64, most: usize) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        lo -= 1.0;
        hi += 1.0;
    }
    let most = most.max(1) as f64;
    let raw = (hi - lo) / most;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| ((hi - lo) / s - 1e-9).ceil() <= most)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let ticks: Vec<f64> = (0..=((last - first) as usize))
        .map(|i| {
            let t = (first + i as f64) * step;
            // Exact round values, never −0.
            let t = (t / step).round() * step;
            if t == 0.0 { 0.0 } else { t }
        })
        .collect();
    (first * step, last * step, ticks)
}

fn ratio_ticks(l: f64) -> Vec<f64> {
    let upper: &[f64] = match l as u32 {
        2 => &[1.5, 2.0],
        5 => &[2.0, 5.0],
        10 => &[2.0, 5.0, 10.0],
        20 => &[5.0, 20.0],
        50 => &[10.0, 50.0],
        100 => &[10.0, 100.0],
        200 => &[10.0, 200.0],
        500 => &[10.0, 500.0],
        _ => &[10.0, 1000.0],
    };
    let mut ticks: Vec<f64> = upper.iter().rev().map(|u| 1.0 / u).collect();
    if l == 2.0 {
        // 1/1.5 is not round; RevMan shows 0.7 there.
        ticks = vec![0.5, 0.7];
    }
    ticks.push(1.0);
    ticks.extend_from_slice(upper);
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_axis_covers_estimates_and_limits_with_round_ticks() {
        let a = Axis::ratio(&[0.2, 1.4], &[0.05, 3.0], 0.0, 200.0);
        assert_eq!((a.min, a.max), (0.05, 20.0));
        assert_eq!(a.ticks, vec![0.05, 0.2, 1.0, 5.0, 20.0]);
        assert_eq!(a.clamped(1.0), 100.0);
        assert_eq!(a.position(1.0), Some(100.0));
        assert_eq!(a.position(40.0), None);
        assert_eq!(a.clamped(40.0), 200.0);
        assert_eq!(a.clamped(0.0), 0.0);
    }

    #[test]
    fn ratio_axis_is_symmetric_on_the_log_scale() {
        let a = Axis::ratio(&[0.6], &[0.4, 0.9], 10.0, 100.0);
        assert_eq!((a.min, a.max), (0.2, 5.0));
        let left = 60.0 - a.clamped(0.5);
        let right = a.clamped(2.0) - 60.0;
        assert!((left - right).abs() < 1e-9);
    }

    #[test]
    fn huge_limits_do_not_squash_the_axis_but_estimates_always_fit() {
        let a = Axis::ratio(&[0.5, 2.0], &[1e-6, 1e6], 0.0, 100.0);
        assert_eq!(a.max, 100.0);
        let b = Axis::ratio(&[300.0], &[], 0.0, 100.0);
        assert_eq!(b.max, 500.0);
        let c = Axis::ratio(&[f64::NAN, f64::INFINITY], &[], 0.0, 100.0);
        assert_eq!(c.max, 2.0);
    }

    #[test]
    fn difference_axis_is_linear_around_zero() {
        let a = Axis::difference(&[-0.03], &[-0.12, 0.02], 0.0, 100.0);
        assert_eq!((a.min, a.max), (-0.2, 0.2));
        assert_eq!(a.ticks, vec![-0.2, -0.1, 0.0, 0.1, 0.2]);
        assert_eq!(a.clamped(0.0), 50.0);
        assert_eq!(a.label(-0.1), "-0.1");
        assert_eq!(a.label(0.0), "0");
    }

    #[test]
    fn tick_labels_are_short() {
        let a = Axis::ratio(&[0.01], &[], 0.0, 100.0);
        let labels: Vec<String> = a.ticks.iter().map(|t| a.label(*t)).collect();
        assert_eq!(labels, ["0.01", "0.1", "1", "10", "100"]);
    }
}
