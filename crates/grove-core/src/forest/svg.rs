//! SVG text of a laid-out plot: self-contained (presentation attributes only, no CSS, no
//! external fonts or images), white background, so that the file shown on the page opens
//! unchanged in Inkscape, Word and PowerPoint.

use super::{Anchor, Ink, Layout, Shape};
use std::fmt::Write;

/// The font stack named in the file: metric-compatible faces exist on every system.
pub const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', sans-serif";
/// Fill of the background rectangle: the plot is white in every theme.
pub const BACKGROUND: &str = "#ffffff";
/// The root's fill, inherited by text and black shapes.
pub const TEXT_FILL: &str = "#000000";

impl Layout {
    /// Id of the plot's `<title>`.
    pub fn title_id(&self) -> String {
        format!("{}-title", self.id)
    }

    /// Id of the plot's `<desc>`.
    pub fn desc_id(&self) -> String {
        format!("{}-desc", self.id)
    }

    /// The root's `aria-labelledby`: the title and the description.
    pub fn labelled_by(&self) -> String {
        format!("{} {}", self.title_id(), self.desc_id())
    }

    /// The attributes of the root `<svg>` element, values unescaped.
    pub fn root(&self) -> Vec<(&'static str, String)> {
        let (w, h) = (num(self.width), num(self.height));
        vec![
            ("xmlns", "http://www.w3.org/2000/svg".to_owned()),
            ("version", "1.1".to_owned()),
            ("width", w.clone()),
            ("height", h.clone()),
            ("viewBox", format!("0 0 {w} {h}")),
            ("role", "img".to_owned()),
            ("aria-labelledby", self.labelled_by()),
            ("font-family", FONT_FAMILY.to_owned()),
            ("font-size", num(self.font_size)),
            ("fill", TEXT_FILL.to_owned()),
        ]
    }

    /// The standalone SVG document for this layout.
    pub fn to_svg(&self) -> String {
        let mut out = String::with_capacity(256 + self.shapes.len() * 96);
        out.push_str("<svg");
        // Writing into a String cannot fail.
        for (name, value) in self.root() {
            let _ = write!(out, r#" {name}="{}""#, escape(&value));
        }
        out.push('>');
        let _ = write!(
            out,
            r#"<title id="{}">{}</title><desc id="{}">{}</desc>"#,
            self.title_id(),
            escape(&self.title),
            self.desc_id(),
            escape(&self.description)
        );
        let _ = write!(
            out,
            r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
        );
        for i in 0..self.groups.len() {
            out.push_str("<g>");
            out.push_str(&self.group_svg(i));
            out.push_str("</g>");
        }
        out.push_str("</svg>");
        out
    }

    /// The vertical extent of each group of [`Layout::groups`], top and bottom in plot
    /// units: a page can leave the groups far from its view out of layout. A text reaches
    /// a font size above its baseline and a third of one below (descenders).
    pub fn group_extents(&self) -> Vec<(f64, f64)> {
        let reach = |shape: &Shape| match shape {
            Shape::Text { y, .. } => (y - self.font_size, y + self.font_size / 3.0),
            Shape::Line { y1, y2, .. } => (y1.min(*y2), y1.max(*y2)),
            Shape::Polygon { points, .. } => points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| {
                    (lo.min(y), hi.max(y))
                }),
        };
        self.groups
            .iter()
            .map(|range| {
                self.shapes
                    .get(range.clone())
                    .unwrap_or_default()
                    .iter()
                    .map(reach)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| {
                        (lo.min(a), hi.max(b))
                    })
            })
            .collect()
    }

    /// The SVG text of the shapes in group `i` of [`Layout::groups`] (the content of its
    /// `<g>`); empty when there is no such group.
    pub fn group_svg(&self, i: usize) -> String {
        let mut out = String::new();
        let range = self.groups.get(i).cloned().unwrap_or(0..0);
        for shape in self.shapes.get(range).unwrap_or_default() {
            shape_svg(&mut out, shape);
        }
        out
    }
}

fn shape_svg(out: &mut String, shape: &Shape) {
    // Attributes are written piece by piece: a plot of 1,000 trials has some 10,000
    // shapes, and an edit rewrites the groups it changed.
    let attr = |out: &mut String, name: &str, x: f64| {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        write_num(out, x);
        out.push('"');
    };
    match shape {
        Shape::Text {
            x,
            y,
            text,
            full,
            anchor,
            bold,
            ink,
        } => {
            out.push_str("<text");
            attr(out, "x", *x);
            attr(out, "y", *y);
            out.push_str(match anchor {
                Anchor::Start => "",
                Anchor::Middle => r#" text-anchor="middle""#,
                Anchor::End => r#" text-anchor="end""#,
            });
            if *bold {
                out.push_str(r#" font-weight="bold""#);
            }
            fill(out, *ink);
            out.push('>');
            if let Some(full) = full {
                out.push_str("<title>");
                escape_into(out, full);
                out.push_str("</title>");
            }
            escape_into(out, text);
            out.push_str("</text>");
        }
        Shape::Line {
            x1,
            y1,
            x2,
            y2,
            ink,
            width,
        } => {
            out.push_str("<line");
            attr(out, "x1", *x1);
            attr(out, "y1", *y1);
            attr(out, "x2", *x2);
            attr(out, "y2", *y2);
            out.push_str(r#" stroke=""#);
            out.push_str(ink.hex());
            out.push('"');
            attr(out, "stroke-width", *width);
            out.push_str("/>");
        }
        Shape::Polygon { points, ink } => {
            out.push_str(r#"<polygon points=""#);
            for (i, (x, y)) in points.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_num(out, *x);
                out.push(',');
                write_num(out, *y);
            }
            out.push('"');
            fill(out, *ink);
            out.push_str("/>");
        }
    }
}

/// The fill attribute of a shape: none when it is the document's (black, set on the root).
fn fill(out: &mut String, ink: Ink) {
    if ink.hex() != TEXT_FILL {
        out.push_str(r#" fill=""#);
        out.push_str(ink.hex());
        out.push('"');
    }
}

/// A coordinate with at most two decimals; never `NaN` or `inf` in the file.
fn num(x: f64) -> String {
    let mut out = String::new();
    write_num(&mut out, x);
    out
}

/// Writes [`num`]'s text: `x` rounded to two decimals as `format!("{:.2}")` rounds it,
/// trailing zeros dropped, `-0` as `0`. Plots hold thousands of coordinates, so the
/// common case is integer arithmetic: away from a tie (a hundredth ending in exactly 5,
/// within 1e-6), rounding `100·x` to an integer gives the correctly rounded decimal, since
/// below 1e9 the product's own rounding error is under 1e-6. Ties and huge values go
/// through the formatter.
fn write_num(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push('0');
        return;
    }
    let r = x * 100.0;
    if r.abs() < 1e9 && ((r - r.trunc()).abs() - 0.5).abs() > 1e-6 {
        let n = r.round() as i64;
        if n < 0 {
            out.push('-');
        }
        let n = n.unsigned_abs();
        let _ = write!(out, "{}", n / 100);
        match n % 100 {
            0 => {}
            f if f % 10 == 0 => {
                let _ = write!(out, ".{}", f / 10);
            }
            f => {
                let _ = write!(out, ".{f:02}");
            }
        }
        return;
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    out.push_str(if s == "-0" { "0" } else { s });
}

/// Text and attribute escaping for XML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Appends `s` escaped for XML text and attributes to `out`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than making the file invalid.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::num;
    use proptest::prelude::*;

    /// What [`num`] must write: the formatter's rounding, zeros trimmed.
    fn reference(x: f64) -> String {
        if !x.is_finite() {
            return "0".to_owned();
        }
        let s = format!("{x:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0" } else { s }.to_owned()
    }

    #[test]
    fn coordinates_are_written_as_the_formatter_rounds_them() {
        for x in [
            0.0,
            -0.0,
            0.004,
            -0.004,
            0.005,
            -0.005,
            0.015,
            0.125,
            -0.125,
            1.005,
            2.675,
            10.5,
            -10.5,
            99.995,
            123.45,
            0.1,
            0.3,
            1e-300,
            1e9,
            -1e12,
            1e300,
            7.0,
            -7.1,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(num(x), reference(x), "{x:e}");
        }
    }

    proptest! {
        #[test]
        fn any_coordinate_is_written_as_the_formatter_rounds_it(
            x in prop_oneof![-5000.0f64..5000.0, any::<f64>(), (-500_000i64..500_000).prop_map(|n| n as f64 / 200.0)]
        ) {
            prop_assert_eq!(num(x), reference(x));
        }
    }
}
