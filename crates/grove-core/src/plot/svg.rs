//! SVG text of plot shapes: self-contained (presentation attributes only, no CSS, no
//! external fonts or images), so that a file shown on the page opens unchanged in
//! Inkscape, Word and PowerPoint.

use super::{Anchor, Ink, Shape, TEXT_FILL};
use std::fmt::Write;

/// Appends the SVG element of `shape`.
pub fn shape_svg(out: &mut String, shape: &Shape) {
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
            write_points(out, points);
            out.push('"');
            fill(out, *ink);
            out.push_str("/>");
        }
        Shape::Polyline {
            points,
            ink,
            width,
            dashed,
        } => {
            out.push_str(r#"<polyline points=""#);
            write_points(out, points);
            out.push_str(r#"" fill="none" stroke=""#);
            out.push_str(ink.hex());
            out.push('"');
            attr(out, "stroke-width", *width);
            if *dashed {
                out.push_str(r#" stroke-dasharray="5 4""#);
            }
            out.push_str("/>");
        }
        Shape::Circle {
            cx,
            cy,
            r,
            ink,
            filled,
            title,
        } => {
            out.push_str("<circle");
            attr(out, "cx", *cx);
            attr(out, "cy", *cy);
            attr(out, "r", *r);
            if *filled {
                out.push_str(r#" fill=""#);
                out.push_str(ink.hex());
                out.push_str(r#"" fill-opacity="0.35""#);
            } else {
                out.push_str(r#" fill="none""#);
            }
            out.push_str(r#" stroke=""#);
            out.push_str(ink.hex());
            out.push_str(r#"" stroke-width="1.5" tabindex="0"><title>"#);
            escape_into(out, title);
            out.push_str("</title></circle>");
        }
        Shape::Disc {
            cx,
            cy,
            r,
            ink,
            title,
        } => {
            out.push_str("<circle");
            attr(out, "cx", *cx);
            attr(out, "cy", *cy);
            attr(out, "r", *r);
            out.push_str(r#" fill=""#);
            out.push_str(ink.hex());
            out.push_str(r##"" stroke="#333333" stroke-width="0.75"><title>"##);
            escape_into(out, title);
            out.push_str("</title></circle>");
        }
    }
}

/// A plot as a standalone SVG document: its size, font, accessible title and
/// description (ids prefixed with `id`, unique on a page), a white background and
/// `shapes` in order.
#[allow(clippy::too_many_arguments)]
pub fn document(
    width: f64,
    height: f64,
    font_size: f64,
    id: &str,
    title: &str,
    description: &str,
    shapes: &[Shape],
) -> String {
    use std::fmt::Write;
    let (w, h) = (num(width), num(height));
    let mut out = String::with_capacity(512 + shapes.len() * 96);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{}" font-size="{}" fill="{}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc><rect width="100%" height="100%" fill="{}"/>"#,
        escape(super::FONT_FAMILY),
        num(font_size),
        super::TEXT_FILL,
        escape(title),
        escape(description),
        super::BACKGROUND,
    );
    for shape in shapes {
        shape_svg(&mut out, shape);
    }
    out.push_str("</svg>");
    out
}

/// `x,y x,y …`.
fn write_points(out: &mut String, points: &[(f64, f64)]) {
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_num(out, *x);
        out.push(',');
        write_num(out, *y);
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
pub fn num(x: f64) -> String {
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
pub fn write_num(out: &mut String, x: f64) {
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
pub fn escape_into(out: &mut String, s: &str) {
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
