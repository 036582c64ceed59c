//! SVG text of a laid-out plot: self-contained (presentation attributes only, no CSS, no
//! external fonts or images), white background, so that the file shown on the page opens
//! unchanged in Inkscape, Word and PowerPoint.

use super::{Anchor, Ink, Layout, Shape};
use std::fmt::Write;

/// The font stack named in the file: metric-compatible faces exist on every system.
pub const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', sans-serif";
/// Id of the plot's `<title>`.
pub const TITLE_ID: &str = "grove-forest-title";
/// Id of the plot's `<desc>`.
pub const DESC_ID: &str = "grove-forest-desc";
/// Fill of the background rectangle: the plot is white in every theme.
pub const BACKGROUND: &str = "#ffffff";
/// The root's `aria-labelledby`: the title and the description.
pub const ARIA_LABELLEDBY: &str = "grove-forest-title grove-forest-desc";
/// The root's fill, inherited by text and black shapes.
pub const TEXT_FILL: &str = "#000000";

impl Layout {
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
            ("aria-labelledby", ARIA_LABELLEDBY.to_owned()),
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
            r#"<title id="{TITLE_ID}">{}</title><desc id="{DESC_ID}">{}</desc>"#,
            escape(&self.title),
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
    if ink.hex() == TEXT_FILL {
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
