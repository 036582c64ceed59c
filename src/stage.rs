//! The presentation view as plain data: the slides of a talk (each outcome's plot, or the
//! steps of its build-up), the order a build-up reveals the studies in, and a plot laid
//! out for a screen so that its smallest text is at least 16 CSS pixels.
//!
//! Text size: 16 px at 1024×768 and 1280×720, the projectors' usual sizes, and larger in
//! proportion on larger screens (22.5 px at 1920×1080). The plot is laid out at that size
//! and shown unscaled, its graph column taking the width left by the text columns (and
//! the events and totals left out when they leave the graph too little); a plot taller
//! than the screen scrolls, and the clicker's "next" scrolls it before moving on. On a
//! screen narrower than 1024 px that is still too wide, and the view scales it to fit.

use crate::project::Outcome;
use crate::views::View;
use grove_core::forest::{self, ColumnSet, ForestSpec, Layout, PlotOptions};
use grove_core::parse::RawRow;
use grove_core::report::Report;
use grove_core::rob::Assessment;
use grove_core::sort;

/// The smallest text of the presentation view, in CSS pixels.
pub const MIN_TEXT: f64 = 16.0;

/// How the studies of each outcome appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reveal {
    /// All at once: one slide per outcome.
    #[default]
    All,
    /// One at a time in table order, the diamond moving to each cumulative result.
    TableOrder,
    /// One at a time by year of publication (studies without a year last, in table order).
    YearOrder,
}

impl Reveal {
    /// The next choice, for the key and button that cycle through them.
    pub fn next(self) -> Reveal {
        match self {
            Reveal::All => Reveal::TableOrder,
            Reveal::TableOrder => Reveal::YearOrder,
            Reveal::YearOrder => Reveal::All,
        }
    }

    /// What the button says the view is doing.
    pub fn label(self) -> &'static str {
        match self {
            Reveal::All => "All studies",
            Reveal::TableOrder => "Build-up: table order",
            Reveal::YearOrder => "Build-up: by year",
        }
    }
}

/// One screen of a talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slide {
    /// Index of the outcome in the project.
    pub outcome: usize,
    /// In a build-up, how many studies are revealed (1 to k); `None` shows them all.
    pub shown: Option<usize>,
}

/// The presentation under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Index of the slide shown in [`slides`].
    pub slide: usize,
    /// How studies appear.
    pub reveal: Reveal,
    /// Whether the QR code of the outcome's share link is shown in place of its plot.
    pub code: bool,
    /// A view of the outcome shown in place of its forest plot (key V), kept from slide
    /// to slide.
    pub view: Option<View>,
}

/// The views the presentation offers, in the order the V key steps through them.
pub const VIEWS: [View; 5] = [
    View::Funnel { filled: false },
    View::LeaveOneOut,
    View::Cumulative { by_year: true },
    View::Influence { galbraith: false },
    View::Labbe,
];

/// The view after `view` (the forest plot is `None`): the forest plot, each of
/// [`VIEWS`], then the forest plot again.
pub fn next_view(view: Option<View>) -> Option<View> {
    match view.and_then(|v| VIEWS.iter().position(|&w| w == v)) {
        None if view.is_none() => Some(VIEWS[0]),
        Some(i) if i + 1 < VIEWS.len() => Some(VIEWS[i + 1]),
        _ => None,
    }
}

/// A view's standalone SVG resized for a window of `width` × `height`: its text (the
/// document's `font-size`) at [`font_size`] of the window (16 px on a projector),
/// narrower only where the window is narrower than that. The SVG has a `viewBox`, so
/// new `width` and `height` attributes scale all of it; a plot taller than the screen
/// scrolls, as the forest plot does.
pub fn resize_view(svg: &str, width: f64, height: f64) -> String {
    let Some((w, h)) = crate::views::svg_size(svg) else {
        return svg.to_owned();
    };
    let svg_font = svg
        .find(" font-size=\"")
        .and_then(|at| svg[at + 12..].split('"').next()?.parse::<f64>().ok())
        .unwrap_or(MIN_TEXT);
    let wanted = w * font_size(width, height) / svg_font.max(1.0);
    let shown = wanted.min((width - 64.0).max(w.min(width)));
    let scale = shown / w;
    let Some(end) = svg.find('>') else {
        return svg.to_owned();
    };
    // Whole pixels, rounded up so that no text comes out below its size.
    let head = svg[..end]
        .replacen(
            &format!(" width=\"{}\"", num(w)),
            &format!(" width=\"{}\"", (w * scale).ceil()),
            1,
        )
        .replacen(
            &format!(" height=\"{}\"", num(h)),
            &format!(" height=\"{}\"", (h * scale).ceil()),
            1,
        );
    format!("{head}{}", &svg[end..])
}

/// A number as the SVG writer writes it (`640`, `12.5`).
fn num(x: f64) -> String {
    let mut s = String::new();
    grove_core::plot::svg::write_num(&mut s, x);
    s
}

/// The slides of a project whose outcomes analyse `studies[i]` studies each.
pub fn slides(studies: &[usize], reveal: Reveal) -> Vec<Slide> {
    studies
        .iter()
        .enumerate()
        .flat_map(|(outcome, &k)| {
            let steps: Vec<Option<usize>> = match reveal {
                Reveal::All => vec![None],
                _ if k == 0 => vec![None],
                _ => (1..=k).map(Some).collect(),
            };
            steps.into_iter().map(move |shown| Slide { outcome, shown })
        })
        .collect()
}

impl Stage {
    /// The presentation opened on `outcome`'s first slide.
    pub fn open(studies: &[usize], outcome: usize, reveal: Reveal) -> Stage {
        let slide = slides(studies, reveal)
            .iter()
            .position(|s| s.outcome == outcome)
            .unwrap_or(0);
        Stage {
            slide,
            reveal,
            code: false,
            view: None,
        }
    }

    /// The same place with studies shown the `reveal` way: the same outcome, at its
    /// first slide.
    pub fn with_reveal(self, studies: &[usize], reveal: Reveal) -> Stage {
        let outcome = slides(studies, self.reveal)
            .get(self.slide)
            .map_or(0, |s| s.outcome);
        Stage {
            view: self.view,
            ..Stage::open(studies, outcome, reveal)
        }
    }

    /// The slide `by` slides on (negative: back), kept within the talk.
    pub fn step(self, studies: &[usize], by: isize) -> Stage {
        let last = slides(studies, self.reveal).len().saturating_sub(1);
        let slide = self.slide.saturating_add_signed(by).min(last);
        Stage {
            slide,
            code: false,
            ..self
        }
    }
}

/// The table rows a build-up reveals, in order: the rows of the analysed studies
/// (`row_of_study`), in table order or by year.
pub fn reveal_order(rows: &[RawRow], row_of_study: &[usize], reveal: Reveal) -> Vec<usize> {
    let mut order = row_of_study.to_vec();
    if reveal == Reveal::YearOrder {
        let year = |row: usize| {
            rows.get(row)
                .and_then(|r| r.year.trim().parse::<i64>().ok())
        };
        sort::by_key(&mut order, |&row| (year(row).is_none(), year(row), row));
    }
    order
}

/// Text size for a window of `width` × `height` CSS pixels.
pub fn font_size(width: f64, height: f64) -> f64 {
    let k = (width / 1024.0).min(height / 768.0);
    if k.is_finite() && k > 1.0 {
        MIN_TEXT * k
    } else {
        MIN_TEXT
    }
}

/// Options for text of `font_size` whose graph column starts `text_width` pixels from
/// the left, so that the plot is `available` pixels wide: the graph takes the rest, at
/// least `least` pixels (its header's width); where the text leaves less, study labels
/// are cut shorter.
pub fn fit(options: PlotOptions, text_width: f64, least: f64, available: f64) -> PlotOptions {
    let least = least.max(8.0 * options.font_size);
    let room = available - text_width;
    let most = 30.0 * options.font_size;
    if room >= least {
        return PlotOptions {
            graph_width: room.min(most),
            ..options
        };
    }
    let shortest = 6.0 * options.font_size;
    PlotOptions {
        graph_width: least,
        max_label_width: (options.max_label_width - (least - room)).max(shortest),
        ..options
    }
}

/// What a slide shows of an outcome: its analysis (of the studies revealed so far, in a
/// build-up) and its plot laid out for a window of `width` × `height`, with the
/// risk-of-bias columns when `judged` gives its trials judgements (in smaller text when
/// they need it, never below [`MIN_TEXT`]; without them when even that is too wide).
pub fn plot(
    outcome: &Outcome,
    judged: impl Fn(&RawRow) -> Option<Assessment>,
    slide: Slide,
    reveal: Reveal,
    width: f64,
    height: f64,
) -> OnStage {
    let full = Report::new(&outcome.rows, &outcome.options);
    let font = font_size(width, height);
    let base = PlotOptions {
        id: "grove-stage",
        ..PlotOptions::scaled(font)
    };
    let (report, base, rows) = match slide.shown {
        None => (full, base, outcome.rows.clone()),
        Some(shown) => {
            // Every step on the axis of the whole analysis, so that the diamond moves
            // against a fixed scale.
            let whole = forest::layout(&full.forest(), &base);
            let rows: Vec<RawRow> = reveal_order(&outcome.rows, &full.row_of_study, reveal)
                .into_iter()
                .take(shown)
                .filter_map(|row| outcome.rows.get(row).cloned())
                .collect();
            let options = PlotOptions {
                axis_limit: Some(whole.axis.max.abs()),
                ..base
            };
            (Report::new(&rows, &outcome.options), options, rows)
        }
    };
    let mut spec = report.forest();
    spec.set_risk_of_bias(|row| rows.get(row).and_then(&judged));
    let available = width - 2.0 * STAGE_MARGIN;
    let at = |font: f64| PlotOptions {
        id: base.id,
        axis_limit: base.axis_limit,
        ..PlotOptions::scaled(font)
    };
    let mut layout = fit_width(&spec, base, font, available);
    if spec.risk_of_bias {
        // The risk-of-bias columns are worth smaller text, down to the legible least, in
        // steps of a tenth; on a screen too narrow for both at that size, the plot goes
        // on stage without them.
        let mut smaller = font;
        while layout.width > available + 0.5 && smaller > MIN_TEXT {
            smaller = (smaller * 0.9).max(MIN_TEXT);
            layout = fit_width(&spec, at(smaller), smaller, available);
        }
        if layout.width > available + 0.5 {
            spec.set_risk_of_bias(|_| None);
            return OnStage {
                layout: fit_width(&spec, base, font, available),
                report,
                rob_left_out: true,
            };
        }
    }
    OnStage {
        report,
        layout,
        rob_left_out: false,
    }
}

/// A slide's analysis and plot ([`plot`]).
pub struct OnStage {
    pub report: Report,
    pub layout: Layout,
    /// The trials have risk-of-bias judgements, but their columns did not fit the screen.
    pub rob_left_out: bool,
}

/// The plot of `spec` laid out with text of `font` pixels within `available` pixels when
/// it can be: RevMan's columns, or the compact ones when RevMan's leave the graph too
/// little room, and the graph as wide as the rest allows.
fn fit_width(spec: &ForestSpec, base: PlotOptions, font: f64, available: f64) -> Layout {
    // Where the graph starts: after RevMan's columns, or without the events and totals
    // when those leave the graph less than 16 characters (its "Favours" labels need
    // about that).
    let graph_x0 = |o: PlotOptions| {
        let probe = PlotOptions {
            graph_width: 0.0,
            ..o
        };
        forest::layout(spec, &probe).axis.x0 + GRAPH_END
    };
    // The graph is at least as wide as its header ("IV, Random, 95% CI"), centred on it.
    let least = spec
        .graph_headers()
        .iter()
        .map(|h| forest::text::width(h, font, true))
        .fold(0.0, f64::max)
        + font;
    let mut base = base;
    let mut text = graph_x0(base);
    if available - text < least.max(16.0 * font) {
        base.columns = ColumnSet::Compact;
        text = graph_x0(base);
    }
    let options = fit(base, text, least, available);
    let layout = forest::layout(spec, &options);
    // The "Favours" label right of the graph's centre can reach past its end.
    let over = layout.width - available;
    if over > 0.5 {
        let options = PlotOptions {
            graph_width: (options.graph_width - 2.0 * over).max(least),
            ..options
        };
        return forest::layout(spec, &options);
    }
    layout
}

/// Room a plot keeps right of its graph (the forest layout's end padding).
const GRAPH_END: f64 = 16.0;

/// A slide's size in pixels: what PowerPoint and Keynote fill.
pub const SLIDE: (f64, f64) = (1920.0, 1080.0);

/// A slide for a talk, as one SVG document of [`SLIDE`] pixels: the outcome's title, the
/// headline's two lines, and the plot (laid out for a 1920×1080 screen, [`plot`]) scaled
/// to the room below them when it needs more. White, like the plot, in every theme.
pub fn slide_svg(title: &str, headline: [&str; 2], layout: &Layout) -> String {
    let (w, h) = SLIDE;
    let margin = 64.0;
    let top = 250.0;
    let room = (w - 2.0 * margin, h - top - margin / 2.0);
    // Rounded down to the five decimals written, so that the plot as drawn still fits.
    let scale = ((room.0 / layout.width).min(room.1 / layout.height).min(1.0) * 1e5).floor() / 1e5;
    let x = (w - layout.width * scale) / 2.0;
    let e = forest::escape;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{font}" fill="#000000"><rect width="100%" height="100%" fill="#ffffff"/><text x="{margin}" y="100" font-size="60" font-weight="bold">{}</text><text x="{margin}" y="175" font-size="46">{}</text><text x="{margin}" y="225" font-size="30" fill="#333333">{}</text><g transform="translate({x:.2} {top}) scale({scale:.5})">{}</g></svg>"##,
        e(title),
        e(headline[0]),
        e(headline[1]),
        layout.to_svg(),
        font = e(forest::FONT_FAMILY),
    )
}

/// Space the presentation view keeps on each side of the plot (CSS pixels), scroll bar
/// included.
pub const STAGE_MARGIN: f64 = 32.0;

#[cfg(test)]
mod tests {
    use crate::views::View;

    #[test]
    fn the_v_key_steps_through_the_views_and_back_to_the_plot() {
        let mut v = None;
        let mut seen = vec![];
        for _ in 0..VIEWS.len() + 1 {
            v = next_view(v);
            seen.push(v);
        }
        assert_eq!(seen.last(), Some(&None));
        assert_eq!(seen[0], Some(View::Funnel { filled: false }));
        assert_eq!(seen.iter().flatten().count(), VIEWS.len());
        // A view the V key does not reach (the funnel with trim-and-fill) goes back to the plot.
        assert_eq!(next_view(Some(View::Funnel { filled: true })), None);
    }

    #[test]
    fn a_view_is_resized_for_16_px_text_within_the_screen() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="520" height="400" viewBox="0 0 520 400" font-size="13"><text>x</text></svg>"#;
        let shown = resize_view(svg, 1024.0, 768.0);
        assert!(shown.contains(r#"width="640" height="493""#), "{shown}");
        assert!(shown.contains(r#"viewBox="0 0 520 400""#));
        assert!(shown.ends_with("<text>x</text></svg>"));
        // Larger on a larger screen, held to a narrow one.
        let big = resize_view(svg, 1920.0, 1080.0);
        assert!(big.contains(r#"width="900""#), "{big}");
        let narrow = resize_view(svg, 600.0, 800.0);
        assert!(narrow.contains(r#"width="536""#), "{narrow}");
    }
    use super::*;
    use crate::project::Project;

    #[test]
    fn slides_step_through_outcomes_and_build_ups() {
        let studies = [3, 0, 2];
        assert_eq!(slides(&studies, Reveal::All).len(), 3);
        let built = slides(&studies, Reveal::TableOrder);
        assert_eq!(built.len(), 3 + 1 + 2);
        assert_eq!(
            built[0],
            Slide {
                outcome: 0,
                shown: Some(1)
            }
        );
        assert_eq!(
            built[3],
            Slide {
                outcome: 1,
                shown: None
            }
        );
        let stage = Stage::open(&studies, 2, Reveal::TableOrder);
        assert_eq!(
            built[stage.slide],
            Slide {
                outcome: 2,
                shown: Some(1)
            }
        );
        assert_eq!(stage.step(&studies, 5).slide, built.len() - 1);
        assert_eq!(stage.step(&studies, -100).slide, 0);
        let all = stage.with_reveal(&studies, Reveal::All);
        assert_eq!(slides(&studies, Reveal::All)[all.slide].outcome, 2);
        assert_eq!(Reveal::All.next().next().next(), Reveal::All);
    }

    /// A slide is 1920×1080 with the title, the headline and the whole plot inside it.
    #[test]
    fn a_slide_holds_title_headline_and_plot() {
        let project = Project::default();
        let all = Slide {
            outcome: 0,
            shown: None,
        };
        let OnStage { layout, .. } = plot(
            project.active(),
            |_| None,
            all,
            Reveal::All,
            SLIDE.0,
            SLIDE.1,
        );
        let svg = slide_svg("Tuberculosis <BCG>", ["RR 0.49", "13 trials"], &layout);
        assert!(svg.starts_with(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="1920" height="1080""#
        ));
        assert!(svg.contains("Tuberculosis &lt;BCG&gt;"));
        assert!(svg.contains(&layout.to_svg()));
        let scale: f64 = svg
            .split("scale(")
            .nth(1)
            .and_then(|s| s.split(')').next())
            .and_then(|s| s.parse().ok())
            .expect("a scale");
        assert!(scale > 0.0 && scale <= 1.0);
        assert!(250.0 + layout.height * scale <= SLIDE.1);
        assert!(layout.width * scale <= SLIDE.0 - 128.0 + 1e-6);
    }

    #[test]
    fn by_year_puts_studies_without_a_year_last() {
        let row = |year: &str| RawRow {
            year: year.to_owned(),
            ..RawRow::default()
        };
        let rows = [row("1999"), row(""), row("1980"), row("1999"), row("x")];
        assert_eq!(
            reveal_order(&rows, &[0, 1, 2, 3, 4], Reveal::YearOrder),
            [2, 0, 3, 1, 4]
        );
        assert_eq!(
            reveal_order(&rows, &[0, 2, 4], Reveal::TableOrder),
            [0, 2, 4]
        );
    }

    #[test]
    fn text_is_16_px_on_projectors_and_larger_on_larger_screens() {
        assert_eq!(font_size(1024.0, 768.0), 16.0);
        assert_eq!(font_size(1280.0, 720.0), 16.0);
        assert_eq!(font_size(800.0, 600.0), 16.0);
        assert_eq!(font_size(1920.0, 1080.0), 22.5);
        assert_eq!(font_size(f64::NAN, 0.0), 16.0);
    }

    /// The example's plot fits the width of each projector size, unscaled, and every step
    /// of its build-up shares the whole analysis's axis.
    #[test]
    fn the_plot_fits_the_screen_and_steps_share_the_axis() {
        let project = Project::default();
        let outcome = project.active();
        for (w, h) in [
            (800.0, 600.0),
            (1024.0, 768.0),
            (1280.0, 720.0),
            (1920.0, 1080.0),
        ] {
            let all = Slide {
                outcome: 0,
                shown: None,
            };
            let OnStage { report, layout, .. } = plot(outcome, |_| None, all, Reveal::All, w, h);
            // Narrower than a projector, the view scales the plot to its width.
            assert!(
                w < 1024.0 || layout.width <= w - 2.0 * STAGE_MARGIN + 1.0,
                "{} at {w}",
                layout.width
            );
            assert!(layout.font_size >= MIN_TEXT);
            for header in report.forest().graph_headers() {
                let width = forest::text::width(header, layout.font_size, true);
                assert!(
                    width < layout.axis.width,
                    "{header} over {}",
                    layout.axis.width
                );
            }
            let k = report.row_of_study.len();
            let mut axes = Vec::new();
            for shown in 1..=k {
                let step = Slide {
                    outcome: 0,
                    shown: Some(shown),
                };
                let OnStage {
                    report: r,
                    layout: l,
                    ..
                } = plot(outcome, |_| None, step, Reveal::YearOrder, w, h);
                assert_eq!(r.row_of_study.len(), shown);
                axes.push((l.axis.min, l.axis.max));
            }
            assert!(
                axes.iter()
                    .all(|a| *a == (layout.axis.min, layout.axis.max))
            );
        }
    }

    #[test]
    fn the_risk_of_bias_columns_go_on_stage_with_their_trials() {
        let mut project = Project::default();
        // The first trial at high overall risk, the others unjudged.
        project.set_judgement(0, 5, "High".to_owned());
        let outcome = project.active();
        let judged = |r: &RawRow| project.assessment(r);
        let discs = |layout: &Layout| {
            layout
                .to_svg()
                .matches("<title>Overall: High</title>")
                .count()
        };
        for (w, h) in [(1024.0, 768.0), (1920.0, 1080.0)] {
            let all = Slide {
                outcome: 0,
                shown: None,
            };
            let OnStage {
                layout,
                rob_left_out,
                ..
            } = plot(outcome, judged, all, Reveal::All, w, h);
            // The 13 trials' columns and RevMan's do not fit a projector at 16 px; on a
            // 1920 px screen they do, with text smaller than the screen's 22.5 px.
            let shown = usize::from(w > 1024.0);
            assert_eq!(discs(&layout), shown, "at {w}");
            assert_eq!(rob_left_out, shown == 0);
            assert!(layout.font_size >= MIN_TEXT);
            if w > 1024.0 {
                assert!(layout.font_size < font_size(w, h), "{}", layout.font_size);
            }
            assert!(
                layout.width <= w - 2.0 * STAGE_MARGIN + 1.0,
                "{} at {w}",
                layout.width
            );
            // In a build-up the disc comes with its trial, not before.
            let order = reveal_order(
                &outcome.rows,
                &Report::new(&outcome.rows, &outcome.options).row_of_study,
                Reveal::YearOrder,
            );
            let at = order.iter().position(|&r| r == 0).expect("revealed") + 1;
            for shown in [at - 1, at].into_iter().filter(|&s| s > 0) {
                let step = Slide {
                    outcome: 0,
                    shown: Some(shown),
                };
                let OnStage { layout, .. } = plot(outcome, judged, step, Reveal::YearOrder, w, h);
                assert_eq!(
                    discs(&layout),
                    usize::from(shown == at) * usize::from(w > 1024.0),
                    "{shown} of {at}"
                );
            }
        }
    }
}
