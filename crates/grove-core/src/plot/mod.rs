//! Plots as plain data: the primitives every plot is drawn with ([`Shape`] in an [`Ink`]),
//! axes and their ticks ([`axis`]), text measurement without a browser ([`text`]), and the
//! SVG writer ([`svg`]) that makes the file shown on the page and exported unchanged.
//!
//! Each plot lays itself out from a report into shapes: the forest plot ([`forest`]),
//! the L'Abbé plot ([`labbe`]), the funnel plot ([`funnel`]), and the influence view's
//! Baujat and Galbraith plots ([`influence`]).

pub mod axis;
pub mod forest;
pub mod funnel;
pub mod gosh;
pub mod influence;
pub mod labbe;
pub mod robvis;
pub mod sof;
pub mod svg;
pub mod text;

pub use svg::escape;

use serde::Serialize;

/// The font stack named in every file: metric-compatible faces exist on every system.
pub const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', sans-serif";
/// Fill of the background rectangle: plots are white in every theme.
pub const BACKGROUND: &str = "#ffffff";
/// The root's fill, inherited by text and black shapes.
pub const TEXT_FILL: &str = "#000000";

/// A laid-out plot that is its shapes and nothing more (the Baujat and Galbraith plots):
/// what [`svg::document`] needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Font size.
    pub font_size: f64,
    /// What to draw, in drawing order.
    pub shapes: Vec<Shape>,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Prefix of element ids, unique on a page.
    pub id: &'static str,
}

impl Figure {
    /// The standalone SVG document.
    pub fn to_svg(&self) -> String {
        svg::document(
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

/// Text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Anchor {
    /// Left-aligned at `x`.
    Start,
    /// Centred on `x`.
    Middle,
    /// Right-aligned at `x`.
    End,
}

/// Colours, resolved to the values written into the SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ink {
    /// Text and lines: black.
    Text,
    /// Secondary text (reasons, notes): dark grey.
    Muted,
    /// Study squares.
    Study,
    /// Pooled diamonds.
    Pooled,
    /// Prediction interval.
    Prediction,
    /// Rules and the no-effect line.
    Rule,
    /// A study the user switched off: text, line and square (4.5:1 on white).
    Excluded,
    /// A shaded region, darkest (0) to lightest (2): the funnel plot's contours.
    Shade(u8),
    /// The plot's background, white: a region left unshaded over shaded ones.
    Background,
    /// A risk-of-bias judgement's colour ([`crate::rob::Judgement::colour`]).
    Risk(crate::rob::Judgement),
}

impl Ink {
    /// The colour as written into the SVG.
    pub fn hex(self) -> &'static str {
        match self {
            Ink::Text => "#000000",
            Ink::Muted => "#4d4d4d",
            Ink::Study => "#2f5597",
            Ink::Pooled => "#000000",
            Ink::Prediction => "#b22222",
            Ink::Rule => "#7f7f7f",
            Ink::Excluded => "#767676",
            Ink::Shade(0) => "#bdbdbd",
            Ink::Shade(1) => "#d9d9d9",
            Ink::Shade(_) => "#eeeeee",
            Ink::Background => BACKGROUND,
            Ink::Risk(j) => j.colour(),
        }
    }
}

/// A drawing primitive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Shape {
    /// Text with its baseline at `y`.
    Text {
        /// Anchor x.
        x: f64,
        /// Baseline.
        y: f64,
        /// What is shown (maybe cut with "…").
        text: String,
        /// The full text when `text` was cut (shown as a tooltip).
        full: Option<String>,
        /// Alignment.
        anchor: Anchor,
        /// Bold.
        bold: bool,
        /// Colour.
        ink: Ink,
    },
    /// A straight line.
    Line {
        /// Start x.
        x1: f64,
        /// Start y.
        y1: f64,
        /// End x.
        x2: f64,
        /// End y.
        y2: f64,
        /// Colour.
        ink: Ink,
        /// Stroke width.
        width: f64,
    },
    /// A filled polygon (squares, diamonds, arrow heads).
    Polygon {
        /// Corners.
        points: Vec<(f64, f64)>,
        /// Fill colour.
        ink: Ink,
    },
    /// Connected straight lines (a curve sampled finely, an axis frame).
    Polyline {
        /// Points, in order.
        points: Vec<(f64, f64)>,
        /// Colour.
        ink: Ink,
        /// Stroke width.
        width: f64,
        /// Dashed rather than solid.
        dashed: bool,
    },
    /// A circle: a translucent disc with an outline, or only the outline.
    Circle {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Radius.
        r: f64,
        /// Colour of the outline and the disc.
        ink: Ink,
        /// A translucent disc inside the outline, so that overlapping circles show.
        filled: bool,
        /// What it stands for, shown on hover and read by screen readers.
        title: String,
    },
    /// An opaque disc with a thin dark outline: a risk-of-bias judgement's traffic light.
    Disc {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Radius.
        r: f64,
        /// Fill colour.
        ink: Ink,
        /// What it stands for, shown on hover and read by screen readers.
        title: String,
    },
}
