//! Views of the active outcome besides the forest plot, drawn in the page's worker
//! ([`crate::jobs`]) so that the page's download does not carry them: each is a plot
//! (the engine's SVG, [`grove_core::plot`]) with the data table behind it, as markup.
//! Plain functions, tested natively.

use crate::jobs::Writing;
use grove_core::bias::SmallStudyEffects;
use grove_core::forest::escape;
use grove_core::forest::{self, PlotOptions};
use grove_core::format;
use grove_core::plot::funnel::{self, FunnelOptions, FunnelSpec};
use grove_core::plot::influence::{self, InfluenceSpec, ScatterOptions};
use grove_core::plot::labbe::{self, LabbeOptions, LabbeSpec};
use grove_core::report::steps::StepsKind;
use grove_core::report::{Report, natural};
use std::fmt::Write;

/// A view of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The L'Abbé plot: event risk with control against with the intervention.
    Labbe,
    /// The contour-enhanced funnel plot with the tests for small-study effects; with
    /// `filled`, the trials trim-and-fill adds.
    Funnel { filled: bool },
    /// Leave-one-out: the analysis without each trial in turn.
    LeaveOneOut,
    /// Cumulative meta-analysis, by year or in table order.
    Cumulative { by_year: bool },
    /// metafor's influence diagnostics of each trial, with the Baujat plot or, with
    /// `galbraith`, the Galbraith (radial) plot.
    Influence { galbraith: bool },
}

impl View {
    /// Every view.
    pub const ALL: [View; 8] = [
        View::Labbe,
        View::Funnel { filled: false },
        View::Funnel { filled: true },
        View::LeaveOneOut,
        View::Cumulative { by_year: true },
        View::Cumulative { by_year: false },
        View::Influence { galbraith: false },
        View::Influence { galbraith: true },
    ];

    /// Code used in messages to the worker, in `data-action` and in file names.
    pub fn code(self) -> &'static str {
        match self {
            View::Labbe => "labbe",
            View::Funnel { filled: false } => "funnel",
            View::Funnel { filled: true } => "funnel-filled",
            View::LeaveOneOut => "leave-one-out",
            View::Cumulative { by_year: true } => "cumulative",
            View::Cumulative { by_year: false } => "cumulative-table",
            View::Influence { galbraith: false } => "influence",
            View::Influence { galbraith: true } => "influence-galbraith",
        }
    }

    /// The view with this code.
    pub fn from_code(code: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.code() == code)
    }

    /// Its name on its button and in its heading.
    pub fn label(self) -> &'static str {
        match self {
            View::Labbe => "L'Abbé plot",
            View::Funnel { .. } => "Funnel plot",
            View::LeaveOneOut => "Leave one out",
            View::Cumulative { .. } => "Cumulative",
            View::Influence { .. } => "Influence",
        }
    }

    /// The view its button shows: a view as first opened (the funnel plot without
    /// trim-and-fill).
    pub fn button(self) -> View {
        match self {
            View::Funnel { .. } => View::Funnel { filled: false },
            View::Cumulative { .. } => View::Cumulative { by_year: true },
            View::Influence { .. } => View::Influence { galbraith: false },
            other => other,
        }
    }
}

/// What the views panel shows: a view drawn by the worker, or the what-if sandbox
/// ([`crate::whatif`]), which the page draws itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A view of the outcome.
    View(View),
    /// The GOSH plot, fitted in a worker of its own ([`crate::gosh`]).
    Gosh,
    /// What the worker writes from the project: the GRADE summary of findings
    /// ([`crate::sof_view`]), the results paragraph, each trial's risk of bias
    /// ([`crate::rob_view`]).
    Written(Writing),
    /// The what-if sandbox.
    WhatIf,
}

impl Shown {
    /// Every choice, in the panel's order.
    pub const ALL: [Shown; 10] = [
        Shown::Written(Writing::Findings),
        Shown::Written(Writing::Paragraph),
        Shown::Written(Writing::RiskOfBias),
        Shown::View(View::Labbe),
        Shown::View(View::Funnel { filled: false }),
        Shown::View(View::LeaveOneOut),
        Shown::View(View::Cumulative { by_year: true }),
        Shown::View(View::Influence { galbraith: false }),
        Shown::Gosh,
        Shown::WhatIf,
    ];

    /// Code in `data-action` (`view-CODE`) and test ids.
    pub fn code(self) -> &'static str {
        match self {
            Shown::View(v) => v.code(),
            Shown::Gosh => "gosh",
            Shown::Written(w) => w.code(),
            Shown::WhatIf => "whatif",
        }
    }

    /// The choice with this code.
    pub fn from_code(code: &str) -> Option<Shown> {
        Shown::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The choice whose button shows this one.
    pub fn button(self) -> Shown {
        match self {
            Shown::View(v) => Shown::View(v.button()),
            other => other,
        }
    }

    /// Its name on its button and in its heading.
    pub fn label(self) -> &'static str {
        match self {
            Shown::View(v) => v.label(),
            Shown::Gosh => "GOSH",
            Shown::Written(w) => w.label(),
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
            shown.map(Shown::button) == Some(s),
            s.label()
        );
    }
    out.push_str("</div>");
    match shown {
        Some(shown @ (Shown::View(_) | Shown::Gosh)) => {
            let _ = write!(
                out,
                r#"<h3>{}</h3><div data-testid="view-host">{}</div><div class="exports" role="group" aria-label="Export the view"><button type="button" data-action="view-svg" data-testid="view-export-svg">SVG</button><button type="button" data-action="view-png" data-testid="view-export-png">PNG (300 dpi)</button></div>"#,
                match shown {
                    Shown::Gosh => "GOSH plot: every subset of the trials",
                    _ => shown.label(),
                },
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
        Some(Shown::Written(w)) => {
            let _ = write!(
                out,
                r#"<h3>{}</h3><div data-testid="view-host">{}</div>"#,
                w.label(),
                if body.is_empty() {
                    "<p>Writing…</p>"
                } else {
                    body
                }
            );
            if w == Writing::RiskOfBias {
                out.push_str(r#"<div class="exports" role="group" aria-label="Export the summary plot"><button type="button" data-action="view-svg" data-testid="view-export-svg">Summary plot: SVG</button><button type="button" data-action="view-png" data-testid="view-export-png">PNG (300 dpi)</button></div>"#);
            }
        }
        None => {}
    }
    out
}

/// The results paragraph as shown, with its copy button (`data-action="copy-paragraph"`)
/// and where the copy's outcome is said, and the button that downloads the R script
/// (`data-action="export-r"`).
pub fn paragraph_markup(text: &str) -> String {
    format!(
        r#"<p data-testid="paragraph" class="paragraph">{}</p><p><button type="button" data-action="copy-paragraph" data-testid="copy-paragraph">Copy</button> <span role="status" data-testid="paragraph-status"></span></p><p>The R script reproduces every outcome with R's metafor, and prints each pooled result to compare with Grove's. <button type="button" data-action="export-r" data-testid="export-r">R script</button></p>"#,
        escape(text)
    )
}

/// The markup of `view` for `report`: the plot (standalone SVG, the file its exports
/// write) and, behind it, its data as a table.
pub fn markup(report: &Report, view: View) -> String {
    match view {
        View::Labbe => labbe_markup(report),
        View::Funnel { filled } => funnel_markup(report, filled),
        View::LeaveOneOut => steps_markup(report, StepsKind::LeaveOneOut),
        View::Cumulative { by_year: true } => steps_markup(report, StepsKind::CumulativeByYear),
        View::Cumulative { by_year: false } => {
            steps_markup(report, StepsKind::CumulativeInTableOrder)
        }
        View::Influence { galbraith } => influence_markup(report, galbraith),
    }
}

/// The influence view: the Baujat or the Galbraith plot, the button that changes plot,
/// what differs from the main analysis, and metafor's influence diagnostics of each
/// trial in a table (the plots' data).
fn influence_markup(report: &Report, galbraith: bool) -> String {
    let spec = match InfluenceSpec::new(report) {
        Ok(s) => s,
        Err(why) => {
            return format!(
                r#"<p class="undefined">Not computed: {}.</p>"#,
                escape(&why)
            );
        }
    };
    let o = ScatterOptions::default();
    let figure = if galbraith {
        influence::galbraith_layout(&spec, &o)
    } else {
        influence::baujat_layout(&spec, &o)
    };
    let mut out = String::with_capacity(12_288);
    out.push_str(r#"<div class="plot-scroll">"#);
    out.push_str(&figure.to_svg());
    out.push_str("</div>");
    let (code, words) = if galbraith {
        ("influence", "Baujat plot instead")
    } else {
        ("influence-galbraith", "Galbraith plot instead")
    };
    let _ = write!(
        out,
        r#"<p><button type="button" class="ghost small" data-action="view-set-{code}" data-testid="influence-plot">{words}</button></p>"#
    );
    for note in &spec.notes {
        let _ = write!(out, r#"<p class="hint">{}</p>"#, escape(note));
    }
    let inf = &spec.influence;
    let random = spec.model == grove_core::rma::Model::Random;
    let _ = write!(
        out,
        r#"<div class="table-scroll" role="region" aria-label="Influence of each trial" tabindex="0"><table class="numbers" data-testid="influence-table"><caption>Influence of each trial ({}; metafor influence())</caption><thead><tr><th scope="col">Trial</th><th scope="col">Studentized residual</th><th scope="col">DFFITS</th><th scope="col">Cook's distance</th><th scope="col">Covariance ratio</th>{}<th scope="col">Q without it</th><th scope="col">Hat</th><th scope="col">Weight</th><th scope="col">Influential</th></tr></thead><tbody>"#,
        escape(&spec.fit),
        if random {
            r#"<th scope="col">τ² without it</th>"#
        } else {
            ""
        },
    );
    let fixed = |x: f64| {
        if x.is_finite() {
            format!("{x:.3}")
        } else {
            "–".to_owned()
        }
    };
    for (i, label) in spec.labels.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tr{}><th scope="row">{}. {}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"#,
            if inf.influential[i] {
                r#" class="flagged""#
            } else {
                ""
            },
            i + 1,
            escape(label),
            fixed(inf.rstudent[i]),
            fixed(inf.dffits[i]),
            fixed(inf.cook_d[i]),
            fixed(inf.cov_r[i]),
        );
        if random {
            let _ = write!(out, "<td>{}</td>", format::tau2(inf.tau2_del[i]));
        }
        let _ = write!(
            out,
            "<td>{:.2}</td><td>{}</td><td>{:.1}%</td><td>{}</td></tr>",
            inf.qe_del[i],
            fixed(inf.hat[i]),
            inf.weight_pct[i],
            if inf.influential[i] { "Yes" } else { "No" },
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A sensitivity analysis: its forest plot, and the numbers of each step in a table
/// beside it (estimate and interval, τ², I², P).
fn steps_markup(report: &Report, kind: StepsKind) -> String {
    let steps = match report.steps(kind) {
        Ok(s) => s,
        Err(why) => return format!(r#"<p class="undefined">Not drawn: {}.</p>"#, escape(&why)),
    };
    // Without the arms' counts, which the steps do not have.
    let options = PlotOptions {
        id: "grove-steps",
        columns: forest::ColumnSet::Compact,
        ..PlotOptions::default()
    };
    let layout = forest::layout(&steps.spec, &options);
    let m = report.options.settings.measure;
    let mut out = String::with_capacity(16_384);
    out.push_str(r#"<div class="plot-scroll">"#);
    out.push_str(&layout.to_svg());
    out.push_str("</div>");
    if kind != StepsKind::LeaveOneOut {
        let (code, words) = if kind == StepsKind::CumulativeByYear {
            ("cumulative-table", "In table order instead")
        } else {
            ("cumulative", "By year instead")
        };
        let _ = write!(
            out,
            r#"<p><button type="button" class="ghost small" data-action="view-set-{code}" data-testid="cumulative-order">{words}</button></p>"#
        );
    }
    if steps.without_year > 0 {
        let _ = write!(
            out,
            r#"<p class="hint">{} {} no year and {} left out, as metafor's cumul() does.</p>"#,
            steps.without_year,
            if steps.without_year == 1 {
                "trial has"
            } else {
                "trials have"
            },
            if steps.without_year == 1 { "is" } else { "are" },
        );
    }
    let _ = write!(
        out,
        r#"<table class="numbers" data-testid="steps-table"><caption>{}</caption><thead><tr><th scope="col">Step</th><th scope="col">k</th><th scope="col">{} (95% CI)</th><th scope="col">tau²</th><th scope="col">I²</th><th scope="col">P</th></tr></thead><tbody>"#,
        escape(&steps.spec.description),
        grove_core::report::abbreviation(m),
    );
    for row in &steps.rows {
        let (effect, tau2, i2, p) = match &row.effect {
            Ok(e) => (
                format!(
                    "{} ({} to {})",
                    format::effect(e.value),
                    format::effect(e.lower),
                    format::effect(e.upper)
                ),
                format::tau2(row.tau2),
                format!("{:.1}%", row.i2),
                escape(&report.p_text(row.p)),
            ),
            Err(why) => (escape(why), String::new(), String::new(), String::new()),
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{effect}</td><td>{tau2}</td><td>{i2}</td><td>{p}</td></tr>"#,
            escape(&row.label),
            row.k,
        );
    }
    out.push_str(r#"</tbody></table><p class="hint">Influential, as metafor flags it: DFFITS above 3√(1/(k−1)), Cook's distance above the median of χ² on 1 df, hat above 3/k, or |DFBETAS| above 1. Such a trial deserves a look; it is not wrong for being influential.</p>"#);
    out
}

/// The funnel plot, the button that adds or removes trim-and-fill's trials, the tests for
/// small-study effects with the Cochrane Handbook's caution below 10 trials, and the
/// plot's data.
fn funnel_markup(report: &Report, filled: bool) -> String {
    let spec = FunnelSpec::new(report, filled);
    let layout = funnel::layout(&spec, &FunnelOptions::default());
    let m = report.options.settings.measure;
    let tests = SmallStudyEffects::new(report);
    let mut out = String::with_capacity(12_288);
    out.push_str(r#"<div class="plot-scroll">"#);
    out.push_str(&layout.to_svg());
    out.push_str("</div>");
    let (code, words) = if filled {
        ("funnel", "Hide trim-and-fill's trials")
    } else {
        ("funnel-filled", "Show trim-and-fill's trials")
    };
    let _ = write!(
        out,
        r#"<p><button type="button" class="ghost small" data-action="view-set-{code}" data-testid="funnel-trim-fill" aria-pressed="{filled}">{words}</button></p>"#
    );
    if tests.too_few() {
        let _ = write!(
            out,
            r#"<p class="caution" data-testid="funnel-caution">Caution: {} {} with an estimate. The Cochrane Handbook advises tests for funnel-plot asymmetry only with at least {} studies: with fewer, they have too little power to tell small-study effects from chance (§13.3.5.4). The plot is shown for inspection.</p>"#,
            tests.k,
            if tests.k == 1 { "trial" } else { "trials" },
            grove_core::bias::ADVISED_MIN_TRIALS
        );
    }
    let _ = write!(
        out,
        r#"<table class="numbers" data-testid="funnel-tests"><caption>Tests for small-study effects</caption><thead><tr><th scope="col">Test</th><th scope="col">Result</th></tr></thead><tbody>"#
    );
    let p = |p: f64| escape(&report.p_text(p));
    let row = |out: &mut String, name: &str, result: Result<(String, String), &String>| {
        let _ = match result {
            Ok((stat, pval)) => write!(
                out,
                r#"<tr><th scope="row">{name}</th><td>{stat}; {pval}</td></tr>"#
            ),
            Err(why) => write!(
                out,
                r#"<tr><th scope="row">{name}</th><td class="undefined">Not computed: {}</td></tr>"#,
                escape(why)
            ),
        };
    };
    let regression = |t: &grove_core::bias::RegressionTest| {
        (format!("t = {}, df = {}", format::stat(t.t), t.df), p(t.p))
    };
    row(
        &mut out,
        "Egger's regression test",
        tests.egger.as_ref().map(regression),
    );
    row(
        &mut out,
        "Begg &amp; Mazumdar's rank correlation",
        tests.begg.as_ref().map(|t| {
            (
                format!("Kendall's τ = {}", format::stat(t.tau)),
                format!("{}{}", p(t.p), if t.exact { " (exact)" } else { "" }),
            )
        }),
    );
    row(
        &mut out,
        "Peters' regression test",
        tests.peters.as_ref().map(regression),
    );
    row(
        &mut out,
        "Harbord's score test",
        tests.harbord.as_ref().map(regression),
    );
    row(
        &mut out,
        "Trim-and-fill",
        tests.trim_fill.as_ref().map(|tf| {
            let f = &tf.fit.pooled;
            (
                format!(
                    "{} {} estimated missing on the {}; adjusted {} {} (95% CI {} to {})",
                    tf.k0,
                    if tf.k0 == 1 { "trial" } else { "trials" },
                    tf.side,
                    grove_core::report::abbreviation(m),
                    format::effect(natural(m, f.estimate)),
                    format::effect(natural(m, f.ci.lower)),
                    format::effect(natural(m, f.ci.upper)),
                ),
                p(f.p),
            )
        }),
    );
    out.push_str("</tbody></table>");
    out.push_str(r#"<p class="hint">An asymmetric funnel need not mean publication bias: small trials can differ for other reasons (heterogeneity, their methods), or by chance (Cochrane Handbook §13.3.5.1).</p>"#);
    let _ = write!(
        out,
        r#"<details class="data-behind"><summary>The plot's data</summary><table class="numbers" data-testid="funnel-table"><caption>{}</caption><thead><tr><th scope="col">Trial</th><th scope="col">{}</th><th scope="col">Standard error</th></tr></thead><tbody>"#,
        escape(&layout.description),
        grove_core::report::abbreviation(m),
    );
    for point in &spec.points {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
            escape(&point.label),
            format::effect(natural(m, point.effect)),
            format::significant(point.se, 3)
        );
    }
    out.push_str("</tbody></table></details>");
    out
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

/// The text of a view's markup without its tags and entities: what a view with no plot
/// says instead ("Not computed: …").
pub fn plain_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
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
    fn a_view_without_a_plot_says_why_in_plain_text() {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows[..1], &o.options);
        let html = markup(&report, View::Influence { galbraith: false });
        assert_eq!(svg_in(&html), None);
        let text = plain_text(&html);
        assert!(text.starts_with("Not computed: "), "{text}");
        assert!(!text.contains('<'));
        assert_eq!(plain_text("<p>a &lt;b&gt; &amp; c</p>"), "a <b> & c");
    }

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

    /// The funnel view: the plot, the tests with their P values, the switch for
    /// trim-and-fill's trials, and the data behind the plot; the Handbook's caution below
    /// 10 trials.
    #[test]
    fn the_funnel_view_has_its_tests_and_data() {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows, &o.options);
        let html = markup(&report, View::Funnel { filled: false });
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(html.contains(r#"data-action="view-set-funnel-filled""#));
        let tests = &html[html.find("funnel-tests").expect("tests")..];
        let tests = &tests[..tests.find("</table>").expect("end")];
        assert_eq!(
            tests.matches("<tr><th scope=\"row\">").count(),
            5,
            "{tests}"
        );
        assert!(
            tests.contains("Egger's regression test</th><td>t = "),
            "{tests}"
        );
        assert!(!html.contains("funnel-caution"), "13 trials");
        let data = &html[html.find("funnel-table").expect("data")..];
        assert_eq!(data.matches("<tr><th scope=\"row\">").count(), 13);
        let filled = markup(&report, View::Funnel { filled: true });
        assert!(filled.contains(r#"data-action="view-set-funnel""#));
        let added = filled.matches(r#"fill="none""#).count();
        let tf = SmallStudyEffects::new(&report)
            .trim_fill
            .expect("trim-and-fill");
        assert!(added >= tf.k0);
        assert_eq!(
            filled.matches("Filled (mirrors ").count(),
            2 * tf.k0,
            "title and row"
        );
        // Three trials: the caution, and the plot still drawn.
        let few = Report::new(&o.rows[..3], &o.options);
        let html = markup(&few, View::Funnel { filled: false });
        assert!(
            html.contains("funnel-caution") && html.contains("<svg"),
            "{html}"
        );
        // The funnel's button stays pressed with trim-and-fill shown.
        let panel = panel(
            Some(Shown::View(View::Funnel { filled: true })),
            "<svg></svg>",
        );
        assert!(panel.contains(
            r#"data-action="view-funnel" data-testid="view-funnel" aria-pressed="true""#
        ));
    }

    /// Leave-one-out and cumulative: a forest plot of the steps and a table of their
    /// numbers; the cumulative one switches between by year and table order.
    #[test]
    fn the_sensitivity_views_plot_and_list_every_step() {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows, &o.options);
        for (view, first) in [
            (View::LeaveOneOut, "Omitting "),
            (View::Cumulative { by_year: true }, "+ "),
            (View::Cumulative { by_year: false }, "+ "),
        ] {
            let html = markup(&report, view);
            assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(html.contains(r#"id="grove-steps-title""#), "ids of its own");
            let table = &html[html.find("steps-table").expect("table")..];
            assert_eq!(table.matches("<tr><th scope=\"row\">").count(), 13);
            assert!(
                table.contains(&format!("<tr><th scope=\"row\">{first}")),
                "{table}"
            );
            assert_eq!(html.contains("cumulative-order"), view != View::LeaveOneOut);
        }
        let by_year = markup(&report, View::Cumulative { by_year: true });
        assert!(by_year.contains(r#"data-action="view-set-cumulative-table""#));
        let none = Report::new(&[], &o.options);
        assert!(markup(&none, View::LeaveOneOut).contains("Not drawn"));
        for v in View::ALL {
            assert_eq!(View::from_code(v.code()), Some(v));
        }
    }

    /// The influence view: either plot, the switch between them, and a row of
    /// diagnostics per trial with metafor's flag.
    #[test]
    fn the_influence_view_has_both_plots_and_the_diagnostics() {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows, &o.options);
        let spec = InfluenceSpec::new(&report).expect("diagnostics");
        for (galbraith, title, other) in [
            (false, "Baujat plot", "view-set-influence-galbraith"),
            (true, "Galbraith (radial) plot", "view-set-influence"),
        ] {
            let html = markup(&report, View::Influence { galbraith });
            assert!(html.contains(&format!("<title id=\"influence-title\">{title}</title>")));
            assert!(html.contains(&format!(r#"data-action="{other}""#)));
            let table = &html[html.find("influence-table").expect("table")..];
            assert_eq!(table.matches("<th scope=\"row\">").count(), 13);
            let flagged = spec.influence.influential.iter().filter(|f| **f).count();
            assert_eq!(table.matches(r#"<tr class="flagged">"#).count(), flagged);
            assert_eq!(table.matches("<td>Yes</td>").count(), flagged);
        }
        let two = Report::new(&o.rows[..1], &o.options);
        assert!(markup(&two, View::Influence { galbraith: false }).contains("Not computed"));
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
