//! Views of the active outcome besides the forest plot, drawn in the page's worker
//! ([`crate::jobs`]) so that the page's download does not carry them: each is a plot
//! (the engine's SVG, [`grove_core::plot`]) with the data table behind it, as markup.
//! Plain functions, tested natively.

use grove_core::forest::escape;
use grove_core::format;
use grove_core::plot::labbe::{self, LabbeOptions, LabbeSpec};
use grove_core::report::Report;
use std::fmt::Write;

/// A view of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The L'Abbé plot: event risk with control against with the intervention.
    Labbe,
}

impl View {
    /// Every view.
    pub const ALL: [View; 1] = [View::Labbe];

    /// Code used in messages to the worker and in file names.
    pub fn code(self) -> &'static str {
        match self {
            View::Labbe => "labbe",
        }
    }

    /// The view with this code.
    pub fn from_code(code: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.code() == code)
    }
}

impl View {
    /// Its name on its button and in its heading.
    pub fn label(self) -> &'static str {
        match self {
            View::Labbe => "L'Abbé plot",
        }
    }
}

/// What the views panel shows: a view drawn by the worker, or the what-if sandbox
/// ([`crate::whatif`]), which the page draws itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A view of the outcome.
    View(View),
    /// The what-if sandbox.
    WhatIf,
}

impl Shown {
    /// Every choice, in the panel's order.
    pub const ALL: [Shown; 2] = [Shown::View(View::Labbe), Shown::WhatIf];

    /// Code in `data-action` (`view-CODE`) and test ids.
    pub fn code(self) -> &'static str {
        match self {
            Shown::View(v) => v.code(),
            Shown::WhatIf => "whatif",
        }
    }

    /// The choice with this code.
    pub fn from_code(code: &str) -> Option<Shown> {
        Shown::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Its name on its button and in its heading.
    pub fn label(self) -> &'static str {
        match self {
            Shown::View(v) => v.label(),
            Shown::WhatIf => "What if…",
        }
    }
}

/// The views panel: a button per choice (pressed when shown), and the one `shown` with
/// its `body` (a view as [`markup`] made it, with its exports; the what-if sandbox's
/// controls). Page markup; its buttons carry `data-action` (`view-CODE`, `view-svg`,
/// `view-png`).
pub fn panel(shown: Option<Shown>, body: &str) -> String {
    let mut out = String::from(r#"<div class="view-choice" role="group" aria-label="Views">"#);
    for s in Shown::ALL {
        let _ = write!(
            out,
            r#"<button type="button" class="ghost" data-action="view-{0}" data-testid="view-{0}" aria-pressed="{1}">{2}</button>"#,
            s.code(),
            shown == Some(s),
            s.label()
        );
    }
    out.push_str("</div>");
    match shown {
        Some(Shown::View(v)) => {
            let _ = write!(
                out,
                r#"<h3>{}</h3><div data-testid="view-host">{}</div><div class="exports" role="group" aria-label="Export the view"><button type="button" data-action="view-svg" data-testid="view-export-svg">SVG</button><button type="button" data-action="view-png" data-testid="view-export-png">PNG (300 dpi)</button></div>"#,
                v.label(),
                if body.is_empty() {
                    "<p>Drawing…</p>"
                } else {
                    body
                }
            );
        }
        Some(Shown::WhatIf) => {
            let _ = write!(out, "<h3>What if…</h3>{body}");
        }
        None => {}
    }
    out
}

/// The markup of `view` for `report`: the plot (standalone SVG, the file its exports
/// write) and, behind it, its data as a table.
pub fn markup(report: &Report, view: View) -> String {
    match view {
        View::Labbe => labbe_markup(report),
    }
}

fn labbe_markup(report: &Report) -> String {
    let spec = LabbeSpec::new(report);
    let layout = labbe::layout(&spec, &LabbeOptions::default());
    let mut out = String::with_capacity(8_192);
    out.push_str(r#"<div class="plot-scroll">"#);
    out.push_str(&layout.to_svg());
    out.push_str("</div>");
    let [experimental, control] = &spec.arms;
    let _ = write!(
        out,
        r#"<details class="data-behind"><summary>The plot's data</summary><table class="numbers" data-testid="labbe-table"><caption>{}</caption><thead><tr><th scope="col">Trial</th><th scope="col">Risk, {}</th><th scope="col">Risk, {}</th><th scope="col">Weight</th></tr></thead><tbody>"#,
        escape(&layout.description),
        escape(control),
        escape(experimental),
    );
    for t in &spec.trials {
        let risk = |events: u64, total: u64| {
            format!(
                "{}/{} = {}%",
                format::count(events),
                format::count(total),
                format::significant(events as f64 / total as f64 * 100.0, 3)
            )
        };
        let weight = match (t.excluded, t.weight) {
            (true, _) => "excluded by you".to_owned(),
            (false, Some(w)) => format::percent(w),
            (false, None) => "not estimable".to_owned(),
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(&t.label),
            risk(t.events[1], t.totals[1]),
            risk(t.events[0], t.totals[0]),
            weight
        );
    }
    out.push_str("</tbody></table></details>");
    out
}

/// The standalone SVG document in a view's markup.
pub fn svg_in(html: &str) -> Option<&str> {
    let start = html.find("<svg")?;
    let end = html[start..].find("</svg>")? + start + "</svg>".len();
    Some(&html[start..end])
}

/// The width and height a standalone SVG document declares.
pub fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let attr = |name: &str| {
        let from = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        svg[from..].split('"').next()?.parse::<f64>().ok()
    };
    Some((attr("width")?, attr("height")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Example;

    #[test]
    fn the_labbe_view_is_a_plot_with_its_data_behind_it() {
        let mut o = Example::Bcg.outcome();
        o.rows[1].excluded = true;
        let report = Report::new(&o.rows, &o.options);
        let html = markup(&report, View::Labbe);
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(html.matches("<circle").count(), 13);
        assert_eq!(html.matches("<tr><th scope=\"row\">").count(), 13);
        assert!(html.contains("<td>excluded by you</td>"));
        assert!(html.contains("11/139 = 7.91%"), "control risk of Aronson");
        for v in View::ALL {
            assert_eq!(View::from_code(v.code()), Some(v));
        }
    }

    #[test]
    fn the_panel_offers_each_view_and_shows_the_chosen_one() {
        let closed = panel(None, "");
        assert!(closed.contains(r#"data-action="view-labbe""#));
        assert!(closed.contains(r#"data-action="view-whatif""#));
        assert!(!closed.contains(r#"aria-pressed="true""#) && !closed.contains("view-svg"));
        let labbe = Some(Shown::View(View::Labbe));
        let drawing = panel(labbe, "");
        assert!(drawing.contains(r#"aria-pressed="true""#) && drawing.contains("Drawing…"));
        let drawn = panel(labbe, "<svg></svg>");
        assert!(drawn.contains("<svg></svg>") && drawn.contains(r#"data-action="view-png""#));
        let whatif = panel(Some(Shown::WhatIf), "<p>knobs</p>");
        assert!(whatif.contains("<p>knobs</p>") && !whatif.contains("view-svg"));
        for s in Shown::ALL {
            assert_eq!(Shown::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn the_exported_file_is_the_views_svg_with_its_size() {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows, &o.options);
        let html = markup(&report, View::Labbe);
        let svg = svg_in(&html).expect("an svg");
        assert!(svg.starts_with("<svg xmlns") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<table"));
        let (w, h) = svg_size(svg).expect("a size");
        assert!(w > 300.0 && h > 300.0, "{w}×{h}");
        assert_eq!(svg_in("<p>no plot</p>"), None);
        let qr = grove_core::qr::Qr::new("https://example.org/#grove1.x").expect("a code");
        let side = (qr.size() + 2 * grove_core::qr::QUIET_ZONE) as f64 * 4.0;
        assert_eq!(svg_size(&qr.to_svg(4.0, "t")), Some((side, side)));
    }
}
