//! SVG text of a laid-out plot: self-contained (presentation attributes only, no CSS, no
//! external fonts or images), white background, so that the file shown on the page opens
//! unchanged in Inkscape, Word and PowerPoint.

use super::{Anchor, Ink, Layout, Shape};
use std::fmt::Write;

/// The font stack named in the file: metric-compatible faces exist on every system.
pub const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', sans-serif";

impl Layout {
    /// The standalone SVG document for this layout.
    pub fn to_svg(&self) -> String {
        self.to_svg_with(&[])
    }

    /// The same document with extra attributes on the root element (for example a test
    /// hook on the page); names are written as given, values escaped.
    pub fn to_svg_with(&self, attributes: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(256 + self.shapes.len() * 96);
        let (w, h) = (num(self.width), num(self.height));
        // Writing into a String cannot fail.
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="grove-forest-title grove-forest-desc" font-family="{font}" font-size="{size}" fill="{ink}">"#,
            ink = Ink::Text.hex(),
            font = escape(FONT_FAMILY),
            size = num(self.font_size),
        );
        out.pop();
        for (name, value) in attributes {
            let _ = write!(out, r#" {name}="{}""#, escape(value));
        }
        out.push('>');
        let _ = write!(
            out,
            r#"<title id="grove-forest-title">{}</title><desc id="grove-forest-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.description)
        );
        out.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        for shape in &self.shapes {
            shape_svg(&mut out, shape);
        }
        out.push_str("</svg>");
        out
    }
}

fn shape_svg(out: &mut String, shape: &Shape) {
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
            let anchor = match anchor {
                Anchor::Start => "",
                Anchor::Middle => r#" text-anchor="middle""#,
                Anchor::End => r#" text-anchor="end""#,
            };
            let weight = if *bold { r#" font-weight="bold""# } else { "" };
            let _ = write!(
                out,
                r#"<text x="{}" y="{}"{anchor}{weight}{}>"#,
                num(*x),
                num(*y),
                fill(*ink)
            );
            if let Some(full) = full {
                let _ = write!(out, "<title>{}</title>", escape(full));
            }
            let _ = write!(out, "{}</text>", escape(text));
        }
        Shape::Line {
            x1,
            y1,
            x2,
            y2,
            ink,
            width,
        } => {
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>"#,
                num(*x1),
                num(*y1),
                num(*x2),
                num(*y2),
                ink.hex(),
                num(*width)
            );
        }
        Shape::Polygon { points, ink } => {
            out.push_str(r#"<polygon points=""#);
            for (i, (x, y)) in points.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{},{}", num(*x), num(*y));
            }
            let _ = write!(out, r#""{}/>"#, fill(*ink));
        }
    }
}

/// The fill attribute of a shape: none when it is the document's (black, set on the root).
fn fill(ink: Ink) -> String {
    if ink.hex() == Ink::Text.hex() {
        String::new()
    } else {
        format!(r#" fill="{}""#, ink.hex())
    }
}

/// A coordinate with at most two decimals; never `NaN` or `inf` in the file.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_owned();
    }
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// Text and attribute escaping for XML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    out
}
