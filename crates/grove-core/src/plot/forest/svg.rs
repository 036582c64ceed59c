//! The forest plot's SVG document, written with the plot module's primitives
//! ([`crate::plot::svg`]).

use super::{Layout, Shape};
use crate::plot::svg::{escape, num, shape_svg};
use crate::plot::{BACKGROUND, FONT_FAMILY, TEXT_FILL};
use std::fmt::Write;

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
            Shape::Circle { cy, r, .. } | Shape::Disc { cy, r, .. } => (cy - r, cy + r),
            Shape::Polygon { points, .. } | Shape::Polyline { points, .. } => points
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
