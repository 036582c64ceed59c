//! The weighted risk-of-bias summary (robvis's summary plot, McGuinness & Higgins 2021):
//! for each RoB 2 domain and the overall judgement, one bar split into the shares of the
//! analysis's weight at low risk, some concerns, high risk and not assessed
//! ([`crate::rob::summary`]), each share written on its segment where it fits, so that
//! the plot reads in greyscale; a legend and a percentage axis under the bars.

use super::{Anchor, Figure, Ink, Shape, text};
use crate::format;
use crate::rob::{Domain, Judgement, Shares};

/// Lays out the summary of `shares` (one per [`Domain::ALL`], fractions of 1) with text
/// of `font_size` pixels.
pub fn summary_plot(shares: &[Shares; 6], font_size: f64) -> Figure {
    let pad = 10.0;
    let row = font_size * 2.0;
    let bar_h = font_size * 1.4;
    let bar_w = font_size * 36.0;
    let label_w = Domain::ALL
        .iter()
        .map(|d| text::width(d.label(), font_size, *d == Domain::Overall))
        .fold(0.0, f64::max);
    let x0 = pad + label_w + font_size;
    let mut shapes = Vec::new();
    let mut y = pad;
    let text_at = |shapes: &mut Vec<Shape>, x: f64, y: f64, t: &str, anchor, bold, ink| {
        shapes.push(Shape::Text {
            x,
            y,
            text: t.to_owned(),
            full: None,
            anchor,
            bold,
            ink,
        });
    };
    for (d, s) in Domain::ALL.iter().zip(shares) {
        if *d == Domain::Overall {
            y += row * 0.35;
        }
        let baseline = y + row / 2.0 + font_size * 0.35;
        let bold = *d == Domain::Overall;
        text_at(
            &mut shapes,
            pad,
            baseline,
            d.label(),
            Anchor::Start,
            bold,
            Ink::Text,
        );
        let top = y + (row - bar_h) / 2.0;
        let mut x = x0;
        let parts = [
            (s.low, Ink::Risk(Judgement::Low), Ink::Text),
            (
                s.some_concerns,
                Ink::Risk(Judgement::SomeConcerns),
                Ink::Text,
            ),
            (s.high, Ink::Risk(Judgement::High), Ink::Background),
            (s.not_assessed, Ink::Shade(1), Ink::Text),
        ];
        for (share, fill, on) in parts {
            let w = (share.clamp(0.0, 1.0)) * bar_w;
            if w <= 0.0 {
                continue;
            }
            shapes.push(Shape::Polygon {
                points: vec![
                    (x, top),
                    (x + w, top),
                    (x + w, top + bar_h),
                    (x, top + bar_h),
                ],
                ink: fill,
            });
            let label = format::whole_percent(share * 100.0);
            if text::width(&label, font_size, false) + 6.0 <= w {
                text_at(
                    &mut shapes,
                    x + w / 2.0,
                    baseline,
                    &label,
                    Anchor::Middle,
                    false,
                    on,
                );
            }
            x += w;
        }
        y += row;
    }
    // The percentage axis under the bars.
    let axis_y = y + 4.0;
    shapes.push(Shape::Line {
        x1: x0,
        y1: axis_y,
        x2: x0 + bar_w,
        y2: axis_y,
        ink: Ink::Rule,
        width: 1.0,
    });
    for i in 0..=4 {
        let x = x0 + bar_w * f64::from(i) / 4.0;
        shapes.push(Shape::Line {
            x1: x,
            y1: axis_y,
            x2: x,
            y2: axis_y + 4.0,
            ink: Ink::Rule,
            width: 1.0,
        });
        let label = format!("{}%", i * 25);
        text_at(
            &mut shapes,
            x,
            axis_y + 6.0 + font_size,
            &label,
            Anchor::Middle,
            false,
            Ink::Text,
        );
    }
    // The legend: each colour's swatch and name.
    let legend_y = axis_y + 12.0 + font_size * 2.2;
    let mut x = x0;
    let items = [
        (Ink::Risk(Judgement::Low), "Low risk of bias"),
        (Ink::Risk(Judgement::SomeConcerns), "Some concerns"),
        (Ink::Risk(Judgement::High), "High risk of bias"),
        (Ink::Shade(1), "Not assessed"),
    ];
    for (ink, name) in items {
        let side = font_size;
        let top = legend_y - side * 0.85;
        shapes.push(Shape::Polygon {
            points: vec![
                (x, top),
                (x + side, top),
                (x + side, top + side),
                (x, top + side),
            ],
            ink,
        });
        text_at(
            &mut shapes,
            x + side + 4.0,
            legend_y,
            name,
            Anchor::Start,
            false,
            Ink::Text,
        );
        x += side + 4.0 + text::width(name, font_size, false) + font_size * 1.2;
    }
    let width = (x0 + bar_w).max(x) + pad;
    let height = legend_y + font_size + pad;
    let overall = &shares[5];
    Figure {
        width: width.ceil(),
        height: height.ceil(),
        font_size,
        shapes,
        title: "Risk of bias summary: the share of the analysis's weight at each judgement"
            .to_owned(),
        description: format!(
            "Overall: {} of the weight from trials at low risk of bias, {} some concerns, {} high risk, {} not assessed.",
            format::whole_percent(overall.low * 100.0),
            format::whole_percent(overall.some_concerns * 100.0),
            format::whole_percent(overall.high * 100.0),
            format::whole_percent(overall.not_assessed * 100.0),
        ),
        id: "grove-rob-summary",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bar_is_split_by_the_shares_and_writes_them_where_they_fit() {
        let shares = [Shares {
            low: 0.5,
            some_concerns: 0.25,
            high: 0.2,
            not_assessed: 0.05,
        }; 6];
        let f = summary_plot(&shares, 12.0);
        let bars: Vec<f64> = f
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Polygon {
                    points,
                    ink: Ink::Risk(Judgement::Low),
                    ..
                } => Some(points[1].0 - points[0].0),
                _ => None,
            })
            .collect();
        // Six bars and the legend's swatch.
        assert_eq!(bars.len(), 7);
        assert!((bars[0] - 12.0 * 36.0 * 0.5).abs() < 1e-9);
        let svg = f.to_svg();
        assert!(svg.contains(">50%<") && svg.contains(">25%<") && svg.contains(">20%<"));
        assert!(!svg.contains(">5%<"), "too narrow to write");
        assert!(svg.contains("Bias due to missing outcome data") && svg.contains("Not assessed"));
        assert!(f.description.starts_with("Overall: 50% of the weight"));
    }
}
