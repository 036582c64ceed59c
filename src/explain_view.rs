//! "How was this computed?": the derivations of the numbers a reader asks about
//! (`grove_core::explain`), as markup the page shows in a panel: the formula and the same
//! formula with this analysis's values in MathML, which browsers render natively, the
//! result at full precision, what it means, the reference, and for an iterative
//! estimate every step it took. Made in the page's worker ([`crate::jobs`]), so that the
//! derivations cost the page's download nothing.

use grove_core::explain::{self, Derivation, Expr, Iterations};
use grove_core::forest::escape;
use grove_core::format;
use grove_core::report::{Report, natural};
use grove_core::settings::Measure;
use std::fmt::Write;

/// Separates the keys in a `data-explain` attribute: one cell may show several numbers
/// (a confidence interval is two).
pub use grove_core::explain::KEY_SEPARATOR;

/// The panel for the numbers `keys` (separated by [`KEY_SEPARATOR`]) of `report`'s
/// analysis (its absolute effects for the control risk typed, a proportion, or the
/// trials' median), or why they are not explained.
pub fn markup(report: &Report, control_risk: Option<f64>, keys: &str) -> Result<String, String> {
    let (mut all, missing) = explain::explain(report);
    all.extend(explain::absolute(report, control_risk));
    let wanted: Vec<&str> = keys.split(KEY_SEPARATOR).collect();
    let found: Vec<&Derivation> = wanted
        .iter()
        .filter_map(|k| all.iter().find(|d| d.key == *k))
        .collect();
    if found.is_empty() {
        let why = missing
            .first()
            .map_or("this number is not explained yet".to_owned(), |m| {
                m.0.clone()
            });
        return Err(why);
    }
    let measure = report.options.settings.measure;
    let mut out = String::new();
    for d in found {
        block(&mut out, d, measure);
    }
    Ok(out)
}

/// Whether the number is an effect on the analysis scale (logs for ratios), which the
/// page shows on the natural scale.
fn on_effect_scale(key: &str) -> bool {
    // The intervals of τ², I² and H² are not effects.
    let heterogeneity = ["tau2 ", "I2 ", "H2 "].iter().any(|h| key.contains(h));
    key.ends_with("estimate")
        || (!heterogeneity && (key.ends_with("ci lower") || key.ends_with("ci upper")))
        || key.ends_with(" yi")
        || key.contains("prediction")
}

fn number(x: f64) -> String {
    Expr::Num(x).to_text()
}

fn block(out: &mut String, d: &Derivation, measure: Measure) {
    let _ = write!(
        out,
        r#"<section class="derivation" data-key="{}"><h4>{}</h4><math display="block">{}</math><math display="block"><mo>=</mo>{}</math><p class="value">= <output data-testid="explained-value">{}</output></p><p>{}</p>"#,
        escape(&d.key),
        escape(&d.title),
        d.formula.to_mathml(),
        d.substituted.to_mathml(),
        d.value,
        escape(&d.meaning),
    );
    if measure != Measure::RiskDifference && on_effect_scale(&d.key) {
        let _ = write!(
            out,
            r#"<p>As shown, on the ratio scale: exp({}) = <output data-testid="explained-natural">{}</output></p>"#,
            number(d.value),
            format::effect(natural(measure, d.value))
        );
    }
    if d.key.starts_with("nnt") && d.value.is_finite() {
        // A number of people is whole: the page rounds the NNT up (Cochrane Handbook
        // §15.4.4).
        let _ = write!(
            out,
            r#"<p>As shown, rounded up to whole people: <output data-testid="explained-shown">{}</output></p>"#,
            d.value.ceil()
        );
    }
    match &d.iterations {
        Iterations::None => {}
        Iterations::Scoring(steps) => {
            out.push_str(r#"<table class="numbers"><caption>Fisher scoring, step by step</caption><thead><tr><th scope="col">Step</th><th scope="col">τ² before</th><th scope="col">Step</th><th scope="col">τ² after</th></tr></thead><tbody>"#);
            for (i, s) in steps.iter().enumerate() {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    i + 1,
                    number(s.tau2),
                    number(s.step),
                    number(s.tau2 + s.step)
                );
            }
            out.push_str("</tbody></table>");
        }
        Iterations::RootSearch { steps, target } => {
            let _ = write!(
                out,
                r#"<table class="numbers"><caption>Root search, every τ² tried</caption><thead><tr><th scope="col">Try</th><th scope="col">τ²</th><th scope="col">Q(τ²) − ({})</th></tr></thead><tbody>"#,
                escape(target)
            );
            for (i, s) in steps.iter().enumerate() {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    i + 1,
                    number(s.tau2),
                    number(s.excess)
                );
            }
            out.push_str("</tbody></table>");
        }
    }
    let _ = write!(
        out,
        r#"<p class="reference">{}</p></section>"#,
        escape(d.reference)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use grove_core::parse;
    use grove_core::report::ReportOptions;

    fn report() -> Report {
        let rows =
            parse::parse("A\t4\t123\t11\t139\nB\t6\t306\t29\t303\nC\t3\t231\t11\t220\n").raw_rows();
        Report::new(&rows, &ReportOptions::default())
    }

    /// The panel holds each number asked for, its formulas as MathML and its value at
    /// full precision, equal to the analysis's.
    #[test]
    fn the_panel_shows_the_numbers_asked_for() {
        let r = report();
        let html = markup(&r, None, "random ci lower|random ci upper").expect("explained");
        assert_eq!(html.matches("<section").count(), 2);
        assert!(html.contains("<math display=\"block\">"));
        let fit = r.analysis.random.as_ref().expect("a random-effects fit");
        assert!(html.contains(&format!(">{}</output>", fit.pooled.ci.lower)));
        assert!(html.contains(&format!(">{}</output>", fit.pooled.ci.upper)));
        let shown = grove_core::format::effect(fit.pooled.ci.lower.exp());
        assert!(html.contains(&format!("explained-natural\">{shown}</output>")));
        // REML's Fisher scoring shows its steps.
        let tau2 = markup(&r, None, "tau2").expect("explained");
        assert!(tau2.contains("Fisher scoring, step by step"), "{tau2}");
        assert!(tau2.contains(&format!(">{}</output>", fit.heterogeneity.tau2)));
    }

    /// Effects are also shown on the ratio scale; heterogeneity and its intervals not.
    #[test]
    fn only_effects_are_shown_on_the_ratio_scale() {
        for key in [
            "random estimate",
            "common ci lower",
            "study 3 yi",
            "study 3 ci upper",
            "prediction t lower",
            "subgroup 2 random ci upper",
        ] {
            assert!(on_effect_scale(key), "{key}");
        }
        for key in [
            "tau2",
            "tau2 ci lower",
            "random I2 ci upper",
            "random H2 ci lower",
            "subgroup 1 tau2 ci upper",
            "Q",
            "study 3 vi",
            "study 3 weight random",
        ] {
            assert!(!on_effect_scale(key), "{key}");
        }
    }

    #[test]
    fn a_number_not_explained_says_why() {
        assert!(markup(&report(), None, "no such number").is_err());
    }
}
