//! The read-only result tables as HTML text, made from a [`Report`]: pooled effects,
//! heterogeneity, per-study results, the rows left out, and the agreement with RevMan.
//! Plain functions, tested natively; the page puts their text into place. Every piece of
//! text is escaped.

use grove_core::forest::escape;
use grove_core::format::{self, PStyle};
use grove_core::report::{self, ModelView, Report, natural};
use grove_core::review::agreement::Agreement;
use grove_core::rma::{Interval, Model, Undefined};
use grove_core::{Measure, Tau2Estimator};
use std::fmt::Write;

/// "0.34 to 0.70" on the natural scale.
fn interval(measure: Measure, i: Interval) -> String {
    format!(
        "{} to {}",
        format::effect(natural(measure, i.lower)),
        format::effect(natural(measure, i.upper))
    )
}

/// " (95% CI a to b)" or nothing.
fn ci_text(ci: Option<Interval>, f: fn(f64) -> String) -> String {
    match ci {
        Some(i) => format!(" (95% CI {} to {})", f(i.lower), f(i.upper)),
        None => String::new(),
    }
}

/// A row whose cells (text, keys) are buttons opening how their numbers were computed
/// (keys of `grove_core::explain`, separated by `explain_view::KEY_SEPARATOR`; empty:
/// plain text).
fn explained_row(out: &mut String, header: &str, cells: &[(String, String)]) {
    let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(header));
    for (text, keys) in cells {
        if keys.is_empty() {
            let _ = write!(out, "<td>{}</td>", escape(text));
        } else {
            let _ = write!(
                out,
                r#"<td><button type="button" class="explain" data-explain="{}" title="How was this computed?">{}</button></td>"#,
                escape(keys),
                escape(text)
            );
        }
    }
    out.push_str("</tr>");
}

/// The keys of both limits of an interval: `"random ci lower|random ci upper"`.
fn limits(prefix: &str) -> String {
    let sep = crate::explain_view::KEY_SEPARATOR;
    format!("{prefix} lower{sep}{prefix} upper")
}

/// The key of a number and, when it has an interval, of its limits.
fn with_limits(key: &str, ci: Option<Interval>) -> String {
    match ci {
        Some(_) => format!(
            "{key}{}{}",
            crate::explain_view::KEY_SEPARATOR,
            limits(&format!("{key} ci"))
        ),
        None => key.to_owned(),
    }
}

fn undefined_row(out: &mut String, header: &str, span: usize, why: &str) {
    let _ = write!(
        out,
        r#"<tr><th scope="row">{}</th><td colspan="{span}" class="undefined">{}</td></tr>"#,
        escape(header),
        escape(why)
    );
}

/// The pooled result's words, as the results panel and the presentation view show them:
/// "RR" "0.49" " (95% CI 0.34 to 0.70)" and "Random effects; P < 0.0001; 13 trials".
#[derive(Debug, Clone, PartialEq)]
pub struct HeadlineText {
    pub measure: &'static str,
    pub estimate: String,
    pub ci: String,
    pub sub: String,
}

impl HeadlineText {
    pub fn new(h: &report::Headline, measure: Measure, p_style: PStyle) -> HeadlineText {
        HeadlineText {
            measure: report::abbreviation(measure),
            estimate: format::effect(h.estimate),
            ci: format!(
                " (95% CI {} to {})",
                format::effect(h.ci_lower),
                format::effect(h.ci_upper)
            ),
            sub: format!(
                "{}; {}; {} trial{}{}",
                report::model_name(h.model),
                format::p_value_in(p_style, h.p),
                h.k,
                if h.k == 1 { "" } else { "s" },
                match h.set_aside {
                    0 => String::new(),
                    n => format!(", {n} excluded by you"),
                }
            ),
        }
    }
}

/// What is shown in place of a pooled result that does not exist.
pub fn undefined_headline(why: &impl std::fmt::Display) -> String {
    format!("No pooled estimate: {why}.")
}

/// The headline result (`pooled-summary`): the estimate and its interval, a button
/// opening how they were computed, and its numbers at full precision in `data-*`
/// attributes; or why there is none.
pub fn headline(r: &Report) -> String {
    let h = match r.headline() {
        Ok(h) => h,
        Err(why) => {
            return format!(
                r#"<div class="headline" data-testid="pooled-summary"><p class="undefined">{}</p></div>"#,
                escape(&undefined_headline(&why))
            );
        }
    };
    let t = HeadlineText::new(&h, r.options.settings.measure, r.p_style());
    format!(
        r#"<div class="headline" data-testid="pooled-summary" data-model="{}" data-estimate="{}" data-ci-lower="{}" data-ci-upper="{}" data-i2="{}" data-tau2="{}" data-k="{}"><p class="big"><button type="button" class="explain" data-explain="{}" title="How was this computed?"><span class="measure">{} </span><strong>{}</strong><span class="ci">{}</span></button></p><p class="sub">{}</p></div>"#,
        report::model_name(h.model),
        h.estimate,
        h.ci_lower,
        h.ci_upper,
        h.i2,
        h.tau2,
        h.k,
        escape(&grove_core::explain::pooled_keys(h.model)),
        t.measure,
        escape(&t.estimate),
        escape(&t.ci),
        escape(&t.sub),
    )
}

/// The pooled estimate of each model shown: estimate, CI, test, P.
pub fn pooled(r: &Report) -> String {
    let m = r.options.settings.measure;
    let mut out = String::from(
        r#"<table class="numbers"><caption>Pooled effect</caption><thead><tr><th scope="col">Model</th><th scope="col">Estimate</th><th scope="col">95% CI</th><th scope="col">Test</th><th scope="col">P</th></tr></thead><tbody>"#,
    );
    for &model in r.options.models.models() {
        let name = report::model_name(model);
        match r.overall(model) {
            Ok(f) => {
                let key = grove_core::explain::model_key(model);
                let (stat, stat_key) = match f.pooled.df {
                    Some(df) => (
                        format!("t = {} (df {df})", format::stat(f.pooled.stat)),
                        "t",
                    ),
                    None => (format!("z = {}", format::stat(f.pooled.stat)), "z"),
                };
                explained_row(
                    &mut out,
                    name,
                    &[
                        (
                            format::effect(natural(m, f.pooled.estimate)),
                            format!("{key} estimate"),
                        ),
                        (
                            interval(m, f.pooled.ci),
                            format!(
                                "{key} se{}{}",
                                crate::explain_view::KEY_SEPARATOR,
                                limits(&format!("{key} ci"))
                            ),
                        ),
                        (stat, format!("{key} {stat_key}")),
                        (r.p_text(f.pooled.p), format!("{key} p")),
                    ],
                );
            }
            Err(Undefined::NotShown) => undefined_row(
                &mut out,
                name,
                4,
                "Not shown: the outcome shows subtotals only, as its review does (see the plot)",
            ),
            Err(why) => undefined_row(&mut out, name, 4, &format!("Not estimable: {why}")),
        }
    }
    out.push_str("</tbody></table>");
    out
}

/// Heterogeneity of the headline model: tau² and tau (random effects), Q, I², H² with
/// their Q-profile CIs, and both prediction intervals.
pub fn heterogeneity(r: &Report) -> String {
    let m = r.options.settings.measure;
    let random = r.options.models != ModelView::Common;
    let model = if random { Model::Random } else { Model::Common };
    let f = match r.overall(model) {
        Ok(f) => f,
        Err(Undefined::NotShown) => {
            return r#"<p class="undefined">No overall result is shown; each subgroup's heterogeneity is under it in the plot.</p>"#.to_owned();
        }
        Err(_) => {
            return r#"<p class="undefined">Heterogeneity needs a pooled estimate.</p>"#.to_owned();
        }
    };
    if f.pooled.k < 2 {
        return format!(
            r#"<p class="undefined">{}</p>"#,
            grove_core::report::ONE_STUDY_HETEROGENEITY
        );
    }
    let h = &f.heterogeneity;
    let mut out = String::from(r#"<table class="numbers"><caption>Heterogeneity</caption><tbody>"#);
    if random {
        let estimator = Tau2Estimator::code(r.options.settings.tau2);
        explained_row(
            &mut out,
            &format!("tau² ({estimator})"),
            &[(
                format::tau2(h.tau2) + &ci_text(h.tau2_ci, format::tau2),
                with_limits("tau2", h.tau2_ci),
            )],
        );
        explained_row(
            &mut out,
            "tau",
            &[(format::tau2(h.tau2.max(0.0).sqrt()), "tau".to_owned())],
        );
    }
    let sep = crate::explain_view::KEY_SEPARATOR;
    explained_row(
        &mut out,
        "Chi² (Q)",
        &[(
            format!("{}, df = {} ({})", format::stat(h.q), h.df, r.p_text(h.q_p)),
            format!("Q{sep}Q p"),
        )],
    );
    let pct = |x: f64| format!("{x:.1}%");
    // I² and H² of the random-effects model come from tau²; the common effect's from Q.
    let of_model = if random { "random " } else { "" };
    explained_row(
        &mut out,
        "I²",
        &[(
            pct(h.i2) + &ci_text(h.i2_ci, pct),
            with_limits(&format!("{of_model}I2"), h.i2_ci),
        )],
    );
    explained_row(
        &mut out,
        "H²",
        &[(
            format::stat(h.h2) + &ci_text(h.h2_ci, format::stat),
            with_limits(&format!("{of_model}H2"), h.h2_ci),
        )],
    );
    if random {
        match &f.prediction {
            Some(p) => {
                let t = match p.t {
                    Some(t) => (interval(m, t), limits("prediction t")),
                    None => (
                        "not defined for fewer than 3 trials".to_owned(),
                        String::new(),
                    ),
                };
                explained_row(&mut out, "Prediction interval (t, k−2 df)", &[t]);
                explained_row(
                    &mut out,
                    "Prediction interval (metafor predict)",
                    &[(interval(m, p.normal), limits("prediction"))],
                );
            }
            None => undefined_row(&mut out, "Prediction interval", 1, "not defined"),
        }
    }
    out.push_str("</tbody></table>");
    out
}

/// One row per study: estimate, CI, weights (or why it is not estimable).
pub fn studies(r: &Report) -> String {
    let mut out = String::from(
        r#"<table class="numbers"><thead><tr><th scope="col">Study</th><th scope="col">Estimate</th><th scope="col">95% CI</th><th scope="col">Weight (common)</th><th scope="col">Weight (random)</th></tr></thead><tbody>"#,
    );
    let weight = |x: Option<f64>| x.map(format::percent).unwrap_or_else(|| "–".to_owned());
    let weights_explained = grove_core::explain::weights_explained(r);
    for (s, result) in r.analysis.studies.iter().enumerate() {
        // The keys of the trial's own derivations (`grove_core::explain`), by its place
        // among the studies analysed.
        let key = |what: &str| format!("study {} {what}", s + 1);
        let weight_cell = |model: Model| {
            let w = r.study_weight(s, model);
            let keys = if weights_explained && w.is_some() {
                key(&format!("weight {}", grove_core::explain::model_key(model)))
            } else {
                String::new()
            };
            (weight(w), keys)
        };
        let (estimate, ci) = match (&result.effect, r.study_effect(s)) {
            (Ok(_), Ok(e)) => (
                (format::effect(e.value), key("yi")),
                (
                    format!("{} to {}", format::effect(e.lower), format::effect(e.upper)),
                    format!(
                        "{}{}{}",
                        key("vi"),
                        crate::explain_view::KEY_SEPARATOR,
                        limits(&key("ci"))
                    ),
                ),
            ),
            (Ok(_), Err(why)) => ((why, String::new()), (String::new(), String::new())),
            (Err(why), _) => (
                ("Not estimable".to_owned(), String::new()),
                (why.to_string(), String::new()),
            ),
        };
        explained_row(
            &mut out,
            &r.label(s),
            &[
                estimate,
                ci,
                weight_cell(Model::Common),
                weight_cell(Model::Random),
            ],
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The rows and studies left out of the analysis, and why; empty when none is.
pub fn exclusions(r: &Report) -> String {
    let list = r.exclusions();
    if list.is_empty() {
        return String::new();
    }
    let mut out =
        String::from(r#"<div class="exclusions" data-testid="exclusions"><h3>Left out</h3><ul>"#);
    for e in list {
        let _ = write!(
            out,
            "<li>{}</li>",
            escape(&format!("Row {} ({}): {}", e.row, e.label, e.reason))
        );
    }
    out.push_str("</ul></div>");
    out
}

/// For an outcome from a RevMan review: whether Grove reproduces the numbers RevMan
/// stored for it, and where not.
pub fn agreement(a: &Agreement) -> String {
    let agrees = a.agrees();
    let text = if agrees {
        format!(
            "Grove agrees with all {} numbers RevMan 5 stored for this outcome: largest relative difference {:.0e}, chi-square P values within RevMan's own precision (1e-5).",
            a.checks.len(),
            a.largest_deviation()
        )
    } else {
        let n = a.disagreements().count();
        let mut s = format!(
            "Grove differs from RevMan 5 on {n} of the {} numbers stored for this outcome",
            a.checks.len()
        );
        if let Some(c) = a.disagreements().next() {
            let grove = c.grove.map_or("none".to_owned(), |g| format!("{g:.6}"));
            s.push_str(&format!(
                ", e.g. {}: RevMan {:.6}, Grove {grove}",
                c.what, c.stored
            ));
        }
        for why in &a.unreproducible {
            s.push_str(&format!("; {why}"));
        }
        s.push_str(". Changed data or settings make Grove's numbers differ from the file's.");
        s
    };
    let (class, mark) = if agrees {
        ("revman agrees", "✓ Same as RevMan. ")
    } else {
        ("revman differs", "≠ Not as in RevMan. ")
    };
    format!(
        r#"<p class="{class}" data-testid="revman-agreement" data-agrees="{agrees}"><strong>{mark}</strong>{}</p>"#,
        escape(&text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use grove_core::parse::parse;
    use grove_core::report::ReportOptions;

    fn report(text: &str, options: ReportOptions) -> Report {
        Report::new(&parse(text).raw_rows(), &options)
    }

    const TRIALS: &str =
        "Aronson\t4\t123\t11\t139\nFerguson\t6\t306\t29\t303\nRosenthal\t3\t231\t11\t220";

    #[test]
    fn tables_hold_the_numbers_and_escape_names() {
        let r = report(
            &format!("<b>Evil</b> & co\t4\t123\t11\t139\n{TRIALS}"),
            ReportOptions::default(),
        );
        let studies = studies(&r);
        assert!(studies.contains("&lt;b&gt;Evil&lt;/b&gt; &amp; co"));
        assert!(!studies.contains("<b>"));
        assert_eq!(
            studies.matches("<tr>").count(),
            5,
            "header and four studies"
        );
        let pooled = pooled(&r);
        assert!(pooled.contains("Random effects") && pooled.contains("z = "));
        let het = heterogeneity(&r);
        assert!(het.contains("tau² (REML)") && het.contains("Prediction interval (t, k−2 df)"));
    }

    #[test]
    fn undefined_results_are_said_in_words() {
        let one = report("Aronson\t4\t123\t11\t139", ReportOptions::default());
        // One trial is its own random-effects estimate, with tau² = 0 and the reason.
        assert!(pooled(&one).contains("Random effects"), "{}", pooled(&one));
        assert!(heterogeneity(&one).contains("tau² is 0"));
        let none = report("Aronson\t0\t123\t0\t139", ReportOptions::default());
        assert!(heterogeneity(&none).contains("needs a pooled estimate"));
        let common = ReportOptions {
            models: ModelView::Common,
            ..ReportOptions::default()
        };
        let one = report("Aronson\t4\t123\t11\t139", common);
        assert!(heterogeneity(&one).contains("not applicable"));
        assert!(!pooled(&one).contains("NaN"));
    }

    /// The headline holds the result at full precision for scripts and a button that
    /// explains it; without a result, why.
    #[test]
    fn the_headline_explains_itself() {
        let rows = grove_core::parse::parse("A\t4\t123\t11\t139\nB\t6\t306\t29\t303\n").raw_rows();
        let r = Report::new(&rows, &grove_core::report::ReportOptions::default());
        let h = r.headline().expect("a result");
        let html = headline(&r);
        assert!(
            html.contains(&format!(r#"data-estimate="{}""#, h.estimate)),
            "{html}"
        );
        assert!(html.contains(&format!(r#"data-k="{}""#, h.k)));
        assert!(html.contains(
            r#"data-explain="random estimate|random se|random ci lower|random ci upper""#
        ));
        assert!(crate::explain_view::markup(&r, None, "random estimate").is_ok());
        let none = Report::new(&[], &grove_core::report::ReportOptions::default());
        let html = headline(&none);
        assert!(
            html.contains("No pooled estimate") && !html.contains("data-estimate"),
            "{html}"
        );
    }

    #[test]
    fn rows_left_out_are_listed_with_their_reason_escaped() {
        let rows = grove_core::parse::parse("A\t1\t10\t2\t10\n<b>\tx\t10\t2\t10\n").raw_rows();
        let r = Report::new(&rows, &grove_core::report::ReportOptions::default());
        let html = exclusions(&r);
        assert!(html.starts_with(r#"<div class="exclusions" data-testid="exclusions">"#));
        assert!(html.contains("Row 2 (&lt;b&gt;)"), "{html}");
        let none = Report::new(&rows[..1], &grove_core::report::ReportOptions::default());
        assert_eq!(exclusions(&none), "");
    }

    /// Every number the tables offer to explain is explained, for several settings.
    #[test]
    fn every_number_offered_is_explained() {
        use grove_core::report::ReportOptions;
        use grove_core::{CiMethod, Tau2Estimator};
        let plain = grove_core::parse::parse(
            "A\t4\t123\t11\t139\nB\t6\t306\t29\t303\nC\t3\t231\t11\t220\nD\t62\t13598\t248\t12867\n",
        )
        .raw_rows();
        // With subgroups too: their subtotals and lines are offered.
        let grouped = grove_core::parse::parse(
            "Study\tYear\tExperimental events\tExperimental total\tControl events\tControl total\tSubgroup\nA\t1990\t4\t123\t11\t139\tx\nB\t1991\t6\t306\t29\t303\tx\nC\t1992\t3\t231\t11\t220\ty\nD\t1993\t62\t13598\t248\t12867\ty\nE\t1994\t5\t100\t9\t100\ty\n",
        )
        .raw_rows();
        let mut settings = Vec::new();
        for models in [ModelView::Both, ModelView::Common, ModelView::Random] {
            for (tau2, ci) in [
                (Tau2Estimator::RestrictedMaximumLikelihood, CiMethod::Wald),
                (Tau2Estimator::PauleMandel, CiMethod::HartungKnapp),
                (Tau2Estimator::DerSimonianLaird, CiMethod::Wald),
            ] {
                let mut o = ReportOptions {
                    models,
                    ..ReportOptions::default()
                };
                o.settings.tau2 = tau2;
                o.settings.ci = ci;
                settings.push(o);
            }
        }
        for method in [grove_core::Method::MantelHaenszel, grove_core::Method::Peto] {
            for convention in grove_core::Convention::ALL {
                let mut o = ReportOptions::default();
                o.settings.method = method;
                o.settings.measure = grove_core::Measure::OddsRatio;
                o.settings.convention = convention;
                o.settings.tau2 = Tau2Estimator::DerSimonianLaird;
                settings.push(o);
            }
        }
        for (options, rows) in settings
            .into_iter()
            .flat_map(|o| [(o.clone(), &plain), (o, &grouped)])
        {
            let r = Report::new(rows, &options);
            let html = pooled(&r) + &heterogeneity(&r) + &studies(&r);
            let keys: Vec<&str> = html
                .split(r#"data-explain=""#)
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .collect();
            assert!(keys.len() >= 5 + 2 * 4, "{keys:?}");
            // And the absolute effects' button beside the pooled result.
            let absolute = grove_core::explain::ABSOLUTE_KEYS;
            // And what the forest plot offers: its rows' and footer lines' numbers.
            let spec = r.forest();
            let plotted: Vec<String> = spec
                .footer
                .iter()
                .map(|l| l.explain.clone())
                .chain(spec.sections.iter().flat_map(|sec| {
                    sec.studies
                        .iter()
                        .map(|st| st.explain.clone())
                        .chain(sec.pooled.iter().map(|p| p.explain.clone()))
                        .chain(sec.notes.iter().map(|n| n.explain.clone()))
                }))
                .chain(spec.overall.iter().map(|p| p.explain.clone()))
                .chain([spec.prediction_explain.clone()])
                .filter(|k| !k.is_empty())
                .collect();
            let each = keys
                .into_iter()
                .chain(plotted.iter().map(String::as_str))
                .chain([absolute])
                .flat_map(|k| k.split(crate::explain_view::KEY_SEPARATOR));
            for k in each {
                assert!(
                    crate::explain_view::markup(&r, None, k).is_ok(),
                    "{k} not explained ({:?}, {:?})",
                    options.models,
                    options.settings.tau2
                );
            }
        }
    }
}
