//! The influence view: metafor's case-deletion diagnostics of each trial
//! ([`crate::diagnostics::influence_of`]) with two plots of them.
//!
//! * **Baujat plot** (Baujat et al. 2002; metafor `baujat()`): each trial's contribution
//!   to the heterogeneity, `(yᵢ − μ)²/(vᵢ + τ²)`, against its influence on the pooled
//!   result, `(μ₍₋ᵢ₎ − μ)²/V₍₋ᵢ₎`. Trials at the top right both drive the heterogeneity
//!   and move the result.
//! * **Galbraith (radial) plot** (Galbraith 1988; metafor `radial()`): each trial's
//!   standardised effect `yᵢ/√(vᵢ + τ²)` against its precision `1/√(vᵢ + τ²)`. The line
//!   through the origin has the pooled estimate as its slope; trials outside the dashed
//!   lines `slope·x ± 1.96` lie beyond what the model expects at the 95% level. metafor
//!   also draws the slope's arc scale on the right; here the pooled estimate is written in
//!   the legend instead.
//!
//! The diagnostics are those of the outcome's inverse-variance model with its τ²
//! estimator, each leave-one-out fit re-estimating τ², with Wald (z) inference: metafor
//! `influence(rma(yi, vi, method, test = "z"))`. After Mantel-Haenszel or Peto pooling the
//! model is refitted by inverse variance, as metafor's `influence()` accepts only
//! `rma.uni` fits; the spec's notes say so.

use super::axis::linear_ticks;
use super::{Anchor, Figure, Ink, Shape};
use crate::diagnostics::{Baujat, Influence, Radial, baujat_from, influence_of, radial_of};
use crate::format;
use crate::report::{Report, abbreviation};
use crate::rma::{self, Model};
use crate::settings::{Choice, CiMethod, Measure, Method, Tau2Estimator};
use serde::Serialize;

/// The influence diagnostics of an outcome and what its plots need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfluenceSpec {
    /// The effect measure.
    pub measure: Measure,
    /// The trials with an estimate, in table order: their labels. Point `i` of the plots
    /// is numbered `i + 1`.
    pub labels: Vec<String>,
    /// The model the diagnostics are of.
    pub model: Model,
    /// Its τ² estimator (random effects).
    pub estimator: Tau2Estimator,
    /// How the model was fitted, in words: "random effects, τ² by REML".
    pub fit: String,
    /// What a reader must know to compare with the main analysis (a refit by inverse
    /// variance, z-based inference).
    pub notes: Vec<String>,
    /// metafor's `influence()` of the fit.
    pub influence: Influence,
    /// The Baujat plot's points.
    pub baujat: Baujat,
    /// The Galbraith plot's points and line.
    pub radial: Radial,
}

impl InfluenceSpec {
    /// The diagnostics of `report`'s trials with an estimate, for its headline model.
    ///
    /// # Errors
    /// Why there are none, in words (fewer than two trials with an estimate).
    pub fn new(report: &Report) -> Result<InfluenceSpec, String> {
        let s = &report.options.settings;
        let model = report.options.models.primary();
        let e = report.analysis.estimable();
        if e.yi.len() < 2 {
            return Err(format!(
                "influence needs at least 2 trials with an estimate; there {}",
                match e.yi.len() {
                    0 => "is none".to_owned(),
                    _ => "is 1".to_owned(),
                }
            ));
        }
        let text = |e: crate::diagnostics::DiagnosticsError| e.to_string();
        let influence = influence_of(&e.yi, &e.vi, model, s.tau2).map_err(text)?;
        let full =
            rma::fit(&e.yi, &e.vi, model, s.tau2, CiMethod::Wald).map_err(|u| u.to_string())?;
        let baujat = baujat_from(&e.yi, &e.vi, &full, &influence);
        let radial = radial_of(&e.yi, &e.vi, model, s.tau2).map_err(text)?;
        let fit = match model {
            Model::Common => "common effect, inverse variance".to_owned(),
            Model::Random => format!("random effects, τ² by {}", s.tau2.label()),
        };
        let mut notes = Vec::new();
        if s.method != Method::InverseVariance {
            notes.push(format!(
                "The outcome is pooled by {}; these diagnostics refit it by inverse variance, as metafor's influence() takes only rma.uni fits.",
                match s.method {
                    Method::Peto => "Peto's method",
                    _ => "Mantel-Haenszel",
                }
            ));
        }
        if s.ci == CiMethod::HartungKnapp && model == Model::Random {
            notes.push(
                "Diagnostics use z-based inference (metafor test = \"z\"), not the Hartung-Knapp interval of the main result."
                    .to_owned(),
            );
        }
        Ok(InfluenceSpec {
            measure: s.measure,
            labels: e.index.iter().map(|&i| report.label(i)).collect(),
            model,
            estimator: s.tau2,
            fit,
            notes,
            influence,
            baujat,
            radial,
        })
    }
}

/// Sizes of a scatter plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScatterOptions {
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

impl Default for ScatterOptions {
    fn default() -> ScatterOptions {
        ScatterOptions {
            font_size: 13.0,
            width: 420.0,
            height: 300.0,
            radius: 4.5,
            id: "influence",
        }
    }
}

/// The Baujat plot of `spec`.
pub fn baujat_layout(spec: &InfluenceSpec, o: &ScatterOptions) -> Figure {
    let b = &spec.baujat;
    let finite_max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max)
    };
    let frame = Frame::new(
        o,
        (0.0, finite_max(&b.x)),
        (0.0, finite_max(&b.y)),
        "Contribution to heterogeneity",
        "Influence on the pooled result",
    );
    let mut shapes = Vec::new();
    frame.draw(&mut shapes);
    for (i, (&x, &y)) in b.x.iter().zip(&b.y).enumerate() {
        frame.point(
            &mut shapes,
            (x, y),
            i + 1,
            Ink::Study,
            format!(
                "{}. {}: contribution to heterogeneity {}, influence on the result {}",
                i + 1,
                spec.labels.get(i).map_or("", String::as_str),
                format::significant(x, 3),
                format::significant(y, 3)
            ),
        );
    }
    let mut y = frame.below();
    frame.key(
        &mut shapes,
        &mut y,
        None,
        &format!(
            "Numbers are the trials' rows in the table below; {}",
            spec.fit
        ),
    );
    let k = spec.labels.len();
    frame.finish(
        shapes,
        y,
        "Baujat plot".to_owned(),
        format!(
            "Baujat plot of {k} trials ({}): each trial's contribution to the heterogeneity (horizontal) against its influence on the pooled result (vertical).",
            spec.fit
        ),
    )
}

/// The Galbraith (radial) plot of `spec`.
pub fn galbraith_layout(spec: &InfluenceSpec, o: &ScatterOptions) -> Figure {
    let r = &spec.radial;
    let m = spec.measure;
    let finite = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<_>>()
    };
    let (xs, ys) = (finite(&r.x), finite(&r.y));
    let x_max = xs.iter().copied().fold(0.0, f64::max) * 1.05;
    let slope = if r.slope.is_finite() { r.slope } else { 0.0 };
    let ends = [0.0, x_max].map(|x| slope * x);
    let y_lo = ys
        .iter()
        .copied()
        .chain(ends.map(|e| e - r.zcrit))
        .fold(0.0, f64::min);
    let y_hi = ys
        .iter()
        .copied()
        .chain(ends.map(|e| e + r.zcrit))
        .fold(0.0, f64::max);
    let standardised = match m {
        Measure::RiskDifference => "RD".to_owned(),
        _ => format!("log {}", abbreviation(m)),
    };
    let frame = Frame::new(
        o,
        (0.0, x_max),
        (y_lo, y_hi),
        "Precision, 1/√(vᵢ + τ²)",
        &format!("Standardised {standardised}, yᵢ/√(vᵢ + τ²)"),
    );
    let mut shapes = Vec::new();
    frame.draw(&mut shapes);
    // No effect (a slope of 0), the pooled line and its 95% band.
    let (xa, xb) = (frame.xlo, frame.xhi);
    frame.line(&mut shapes, (xa, 0.0), (xb, 0.0), Ink::Rule, false);
    frame.line(
        &mut shapes,
        (0.0, 0.0),
        (xb, slope * xb),
        Ink::Pooled,
        false,
    );
    for side in [-1.0, 1.0] {
        frame.line(
            &mut shapes,
            (0.0, side * r.zcrit),
            (xb, slope * xb + side * r.zcrit),
            Ink::Pooled,
            true,
        );
    }
    let mut outside = 0;
    for (i, (&x, &y)) in r.x.iter().zip(&r.y).enumerate() {
        let beyond = (y - slope * x).abs() > r.zcrit;
        outside += usize::from(beyond);
        frame.point(
            &mut shapes,
            (x, y),
            i + 1,
            if beyond { Ink::Prediction } else { Ink::Study },
            format!(
                "{}. {}: precision {}, standardised effect {}{}",
                i + 1,
                spec.labels.get(i).map_or("", String::as_str),
                format::significant(x, 3),
                format::significant(y, 3),
                if beyond { ", outside the 95% band" } else { "" }
            ),
        );
    }
    let mut y = frame.below();
    let pooled = match m {
        Measure::RiskDifference => format::effect(slope),
        _ => format::effect(slope.exp()),
    };
    frame.key(
        &mut shapes,
        &mut y,
        Some((Ink::Pooled, false)),
        &format!(
            "Slope: the pooled {} {pooled} ({})",
            abbreviation(m),
            spec.fit
        ),
    );
    frame.key(
        &mut shapes,
        &mut y,
        Some((Ink::Pooled, true)),
        &format!(
            "±{} about it: 95% of trials are expected inside; {outside} {} outside (red)",
            format::stat(r.zcrit),
            if outside == 1 { "lies" } else { "lie" }
        ),
    );
    frame.key(
        &mut shapes,
        &mut y,
        None,
        "Numbers are the trials' rows in the table below",
    );
    let k = spec.labels.len();
    frame.finish(
        shapes,
        y,
        "Galbraith (radial) plot".to_owned(),
        format!(
            "Galbraith plot of {k} trials ({}): standardised effect against precision, with the pooled estimate as the slope of the line through the origin and its 95% band; {outside} outside the band.",
            spec.fit
        ),
    )
}

/// The plotting area of a scatter plot: two linear axes with round ticks.
struct Frame {
    size: f64,
    radius: f64,
    id: &'static str,
    /// Left and top of the plotting area.
    x0: f64,
    y0: f64,
    width: f64,
    height: f64,
    xlo: f64,
    xhi: f64,
    ylo: f64,
    yhi: f64,
    xticks: Vec<f64>,
    yticks: Vec<f64>,
    titles: [String; 2],
}

impl Frame {
    fn new(
        o: &ScatterOptions,
        (xa, xb): (f64, f64),
        (ya, yb): (f64, f64),
        x_title: &str,
        y_title: &str,
    ) -> Frame {
        let size = o.font_size;
        let (xlo, xhi, xticks) = linear_ticks(xa, xb, 6);
        let (ylo, yhi, yticks) = linear_ticks(ya, yb, 6);
        let widest = yticks
            .iter()
            .map(|t| super::text::width(&tick_label(*t), size, false))
            .fold(0.0, f64::max);
        Frame {
            size,
            radius: o.radius,
            id: o.id,
            x0: 12.0 + widest + 10.0,
            y0: 12.0 + size * 1.6,
            width: o.width,
            height: o.height,
            xlo,
            xhi,
            ylo,
            yhi,
            xticks,
            yticks,
            titles: [x_title.to_owned(), y_title.to_owned()],
        }
    }

    fn x(&self, v: f64) -> f64 {
        self.x0 + (v.clamp(self.xlo, self.xhi) - self.xlo) / (self.xhi - self.xlo) * self.width
    }

    fn y(&self, v: f64) -> f64 {
        self.y0 + self.height
            - (v.clamp(self.ylo, self.yhi) - self.ylo) / (self.yhi - self.ylo) * self.height
    }

    fn text(&self, x: f64, y: f64, text: String, anchor: Anchor, bold: bool) -> Shape {
        Shape::Text {
            x,
            y,
            text,
            full: None,
            anchor,
            bold,
            ink: Ink::Text,
        }
    }

    /// The frame, ticks, tick labels and axis titles.
    fn draw(&self, shapes: &mut Vec<Shape>) {
        let (x1, y1) = (self.x0 + self.width, self.y0 + self.height);
        let size = self.size;
        shapes.push(Shape::Polyline {
            points: vec![(self.x0, self.y0), (self.x0, y1), (x1, y1)],
            ink: Ink::Text,
            width: 1.0,
            dashed: false,
        });
        let tick = |x1, y1, x2, y2| Shape::Line {
            x1,
            y1,
            x2,
            y2,
            ink: Ink::Text,
            width: 1.0,
        };
        for &t in &self.xticks {
            let x = self.x(t);
            shapes.push(tick(x, y1, x, y1 + 5.0));
            shapes.push(self.text(x, y1 + 6.0 + size, tick_label(t), Anchor::Middle, false));
        }
        for &t in &self.yticks {
            let y = self.y(t);
            shapes.push(tick(self.x0 - 5.0, y, self.x0, y));
            shapes.push(self.text(
                self.x0 - 7.0,
                y + size * 0.35,
                tick_label(t),
                Anchor::End,
                false,
            ));
        }
        shapes.push(self.text(
            self.x0 + self.width / 2.0,
            y1 + 10.0 + size * 2.3,
            self.titles[0].clone(),
            Anchor::Middle,
            true,
        ));
        shapes.push(self.text(
            self.x0,
            self.y0 - size * 0.7,
            self.titles[1].clone(),
            Anchor::Start,
            true,
        ));
    }

    /// A line between two points in the plot's units.
    fn line(&self, shapes: &mut Vec<Shape>, a: (f64, f64), b: (f64, f64), ink: Ink, dashed: bool) {
        shapes.push(Shape::Polyline {
            points: vec![(self.x(a.0), self.y(a.1)), (self.x(b.0), self.y(b.1))],
            ink,
            width: if dashed { 1.0 } else { 1.5 },
            dashed,
        });
    }

    /// A trial's circle, with its number beside it.
    fn point(
        &self,
        shapes: &mut Vec<Shape>,
        (x, y): (f64, f64),
        number: usize,
        ink: Ink,
        title: String,
    ) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let (cx, cy) = (self.x(x), self.y(y));
        shapes.push(Shape::Circle {
            cx,
            cy,
            r: self.radius,
            ink,
            filled: true,
            title,
        });
        shapes.push(Shape::Text {
            x: cx + self.radius + 2.0,
            y: cy - self.radius,
            text: number.to_string(),
            full: None,
            anchor: Anchor::Start,
            bold: false,
            ink: Ink::Muted,
        });
    }

    /// The baseline of the legend's first line.
    fn below(&self) -> f64 {
        self.y0 + self.height + 16.0 + self.size * 3.6
    }

    /// A legend line: a line sample (solid or dashed) or none, and its words.
    fn key(&self, shapes: &mut Vec<Shape>, y: &mut f64, mark: Option<(Ink, bool)>, words: &str) {
        let swatch = 14.0;
        let mut x = self.x0;
        if let Some((ink, dashed)) = mark {
            shapes.push(Shape::Polyline {
                points: vec![
                    (x, *y - self.size * 0.35),
                    (x + swatch, *y - self.size * 0.35),
                ],
                ink,
                width: 1.5,
                dashed,
            });
            x += swatch + 8.0;
        }
        shapes.push(self.text(x, *y, words.to_owned(), Anchor::Start, false));
        *y += self.size * 1.5;
    }

    fn finish(self, shapes: Vec<Shape>, y: f64, title: String, description: String) -> Figure {
        let widest = shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text {
                    x,
                    text,
                    anchor: Anchor::Start,
                    ..
                } => Some(x + super::text::width(text, self.size, false)),
                _ => None,
            })
            .fold(0.0, f64::max);
        Figure {
            width: (self.x0 + self.width + 24.0).max(widest + 12.0).ceil(),
            height: (y + 6.0).ceil(),
            font_size: self.size,
            shapes,
            title,
            description,
            id: self.id,
        }
    }
}

/// A tick label: at most three decimals, no trailing zeros, never "-0".
fn tick_label(t: f64) -> String {
    let s = format!("{t:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{BaseFit, baujat, influence, radial};
    use crate::parse;
    use crate::report::ReportOptions;
    use crate::settings::Settings;

    const BCG: &str = include_str!("../../../../src/examples/bcg.tsv");

    fn report(settings: Settings) -> Report {
        let options = ReportOptions {
            settings,
            ..ReportOptions::default()
        };
        Report::new(&parse::parse(BCG).raw_rows(), &options)
    }

    /// With DerSimonian-Laird, the spec is metafor's EE/DL diagnostics, checked against
    /// the reference files elsewhere; the plots draw every trial, numbered, and nothing
    /// that is not a number.
    #[test]
    fn the_plots_draw_the_diagnostics_of_the_headline_model() {
        let settings = Settings {
            tau2: Tau2Estimator::DerSimonianLaird,
            ..Settings::default()
        };
        let r = report(settings);
        let spec = InfluenceSpec::new(&r).expect("a spec");
        let e = r.analysis.estimable();
        let base = match spec.model {
            Model::Common => BaseFit::Common,
            Model::Random => BaseFit::DerSimonianLaird,
        };
        assert_eq!(spec.influence, influence(&e.yi, &e.vi, base).unwrap());
        assert_eq!(spec.baujat, baujat(&e.yi, &e.vi, base).unwrap());
        assert_eq!(spec.radial, radial(&e.yi, &e.vi, base).unwrap());
        assert!(spec.notes.is_empty());
        for (name, figure) in [
            ("baujat", baujat_layout(&spec, &ScatterOptions::default())),
            (
                "galbraith",
                galbraith_layout(&spec, &ScatterOptions::default()),
            ),
        ] {
            let svg = figure.to_svg();
            assert_eq!(svg.matches("<circle").count(), 13, "{name}");
            assert!(svg.contains(r#"id="influence-title""#), "{name}");
            assert!(
                !svg.contains("NaN") && !svg.contains("inf\"") && !svg.contains(">inf"),
                "{name}: {svg}"
            );
            assert!(svg.contains("Ferguson &amp; Simes 1949"), "{name}");
            // Every circle lies in the plotting area.
            for shape in &figure.shapes {
                if let Shape::Circle { cx, cy, .. } = shape {
                    assert!(*cx > 0.0 && *cx < figure.width && *cy > 0.0 && *cy < figure.height);
                }
            }
        }
    }

    /// The Galbraith plot's points outside the band are counted as the band defines them.
    #[test]
    fn the_galbraith_plot_marks_the_trials_outside_its_band() {
        let r = report(Settings {
            tau2: Tau2Estimator::DerSimonianLaird,
            ..Settings::default()
        });
        let spec = InfluenceSpec::new(&r).expect("a spec");
        let outside = spec
            .radial
            .x
            .iter()
            .zip(&spec.radial.y)
            .filter(|(x, y)| (*y - spec.radial.slope * *x).abs() > spec.radial.zcrit)
            .count();
        let figure = galbraith_layout(&spec, &ScatterOptions::default());
        let red = figure
            .shapes
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Shape::Circle {
                        ink: Ink::Prediction,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(red, outside);
        assert!(
            figure
                .description
                .contains(&format!("{outside} outside the band"))
        );
    }

    /// Mantel-Haenszel and Hartung-Knapp: the notes say what differs from the main
    /// analysis; one trial: a reason, not a plot.
    #[test]
    fn what_differs_from_the_main_analysis_is_said() {
        let r = report(Settings {
            method: Method::MantelHaenszel,
            ci: CiMethod::HartungKnapp,
            ..Settings::default()
        });
        let spec = InfluenceSpec::new(&r).expect("a spec");
        assert!(spec.notes.iter().any(|n| n.contains("Mantel-Haenszel")));
        let r = report(Settings {
            ci: CiMethod::HartungKnapp,
            ..Settings::default()
        });
        let spec = InfluenceSpec::new(&r).expect("a spec");
        assert!(spec.notes.iter().any(|n| n.contains("z-based")));
        let one = Report::new(&[], &ReportOptions::default());
        assert!(InfluenceSpec::new(&one).unwrap_err().contains("at least 2"));
    }
}
