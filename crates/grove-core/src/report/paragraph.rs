//! The results paragraph of a project, in the register of a paper's abstract: how many
//! trials and participants, how they were pooled (in the settings' words: "a
//! random-effects model (REML)", "a common-effect model (Mantel-Haenszel)"), then each
//! outcome's pooled effect with its confidence interval, P value and heterogeneity, and,
//! when graded, the certainty of its evidence (GRADE).
//!
//! ```text
//! A total of 13 randomised trials with 357,347 participants were included. Trials were
//! pooled with a random-effects model (REML) with Wald 95% confidence intervals.
//! Tuberculosis: RR 0.49 (95% CI 0.34 to 0.70; P = 0.000071; 13 trials, 357,347
//! participants; I² = 92%; low-certainty evidence).
//! ```

use std::collections::HashMap;

use crate::format;
use crate::grade::Certainty;
use crate::report::{ModelView, Report, abbreviation};
use crate::rma::Model;
use crate::settings::{CiMethod, Method};

/// One outcome of the paragraph.
#[derive(Debug, Clone, Copy)]
pub struct ParagraphOutcome<'a> {
    /// Its name ("Tuberculosis").
    pub name: &'a str,
    /// Its analysis.
    pub report: &'a Report,
    /// The certainty of its evidence, once graded.
    pub certainty: Option<Certainty>,
}

/// How an outcome's results were pooled: "a random-effects model (REML) with Wald 95%
/// confidence intervals", "a common-effect model (Mantel-Haenszel)", both models.
pub fn pooling_words(report: &Report) -> String {
    let s = &report.options.settings;
    let common = match s.method {
        Method::InverseVariance => "inverse variance",
        Method::MantelHaenszel => "Mantel-Haenszel",
        Method::Peto => "Peto's method",
    };
    let ci = match s.ci {
        CiMethod::Wald => "Wald",
        CiMethod::HartungKnapp => "Hartung-Knapp-Sidik-Jonkman",
    };
    let random = format!(
        "a random-effects model ({}) with {ci} 95% confidence intervals",
        crate::settings::Choice::code(s.tau2)
    );
    match report.options.models {
        ModelView::Common => format!("a common-effect model ({common})"),
        ModelView::Random => random,
        ModelView::Both => format!(
            "{random}, and with a common-effect model ({common}) alongside; the random-effects results are given"
        ),
    }
}

/// The paragraph for `outcomes`, in order.
pub fn paragraph(outcomes: &[ParagraphOutcome]) -> String {
    // Trials across outcomes: once each (by name and year), with the most participants
    // any outcome counts for it.
    let mut trials: HashMap<String, u128> = HashMap::new();
    for o in outcomes {
        for (s, study) in o.report.studies.iter().enumerate() {
            if o.report
                .analysis
                .studies
                .get(s)
                .is_none_or(|r| r.effect.is_err())
            {
                continue;
            }
            let key = crate::rob::study_key(
                &study.name,
                &study.year.map(|y| y.to_string()).unwrap_or_default(),
            );
            let n = u128::from(study.table.n1()) + u128::from(study.table.n2());
            let e = trials.entry(key).or_insert(0);
            *e = (*e).max(n);
        }
    }
    let k = trials.len();
    let n: u128 = trials.values().sum();
    let mut out = if k == 0 {
        "No trial could be analysed.".to_owned()
    } else {
        format!(
            "A total of {} randomised {} with {} participants {} included.",
            format::count(k as u128),
            if k == 1 { "trial" } else { "trials" },
            format::count(n),
            if k == 1 { "was" } else { "were" }
        )
    };
    // How they were pooled: once when every outcome was pooled alike.
    let words: Vec<String> = outcomes.iter().map(|o| pooling_words(o.report)).collect();
    let alike = words.windows(2).all(|w| w[0] == w[1]);
    if alike && let Some(w) = words.first() {
        out.push_str(&format!(" Trials were pooled with {w}."));
    }
    for (o, w) in outcomes.iter().zip(&words) {
        out.push(' ');
        out.push_str(&outcome_sentence(o, (!alike).then_some(w.as_str())));
    }
    out
}

/// One outcome's sentence: "Tuberculosis: RR 0.49 (95% CI 0.34 to 0.70; P = 0.000071; 13
/// trials, 357,347 participants; I² = 92%; low-certainty evidence)."
fn outcome_sentence(o: &ParagraphOutcome, pooling: Option<&str>) -> String {
    let r = o.report;
    let h = match r.headline() {
        Ok(h) => h,
        Err(why) => return format!("{}: no pooled result ({why}).", o.name),
    };
    let trials = if h.k == 1 { "trial" } else { "trials" };
    let mut s = format!(
        "{}: {} {} (95% CI {} to {}; {}; {} {trials}, {} participants",
        o.name,
        abbreviation(r.options.settings.measure),
        format::effect(h.estimate),
        format::effect(h.ci_lower),
        format::effect(h.ci_upper),
        r.p_text(h.p),
        h.k,
        format::count(r.participants()),
    );
    if h.k > 1 {
        s.push_str(&format!("; I² = {}", format::whole_percent(h.i2)));
        if h.model == Model::Random {
            s.push_str(&format!("; τ² = {}", format::tau2(h.tau2)));
        }
    }
    if let Some(c) = o.certainty {
        s.push_str(&format!(
            "; {}-certainty evidence",
            c.label().to_lowercase()
        ));
    }
    if let Some(p) = pooling {
        s.push_str(&format!("; {p}"));
    }
    s.push_str(").");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::report::ReportOptions;
    use crate::settings::Tau2Estimator;

    fn report(text: &str, options: &ReportOptions) -> Report {
        Report::new(&parse(text).raw_rows(), options)
    }

    const TRIALS: &str =
        "A\t2001\t10\t100\t20\t100\nB\t2003\t15\t120\t30\t118\nC\t2005\t5\t60\t9\t61";

    #[test]
    fn the_paragraph_counts_each_trial_once_and_words_the_settings() {
        let random = ReportOptions::default();
        let deaths = report(TRIALS, &random);
        // B and C again, with more participants for C in this outcome.
        let stroke = report("B\t2003\t3\t120\t4\t118\nC\t2005\t1\t70\t2\t70", &random);
        let text = paragraph(&[
            ParagraphOutcome {
                name: "Death",
                report: &deaths,
                certainty: Some(Certainty::Moderate),
            },
            ParagraphOutcome {
                name: "Stroke",
                report: &stroke,
                certainty: None,
            },
        ]);
        assert!(
            text.starts_with("A total of 3 randomised trials with 578 participants were included. Trials were pooled with a random-effects model (REML) with Wald 95% confidence intervals. Death: RR 0."),
            "{text}"
        );
        // A 200, B 238, and C's larger count, 140: 578 in all; Death's own 559.
        assert!(text.contains("3 trials, 559 participants; I² = "), "{text}");
        assert!(text.contains("; moderate-certainty evidence)."), "{text}");
        assert!(text.contains(" Stroke: RR "), "{text}");
        assert!(!text.contains("NaN"));
    }

    #[test]
    fn the_wording_follows_the_settings() {
        let mut common = ReportOptions {
            models: ModelView::Common,
            ..ReportOptions::default()
        };
        common.settings.method = Method::MantelHaenszel;
        let r = report(TRIALS, &common);
        assert_eq!(pooling_words(&r), "a common-effect model (Mantel-Haenszel)");
        let text = paragraph(&[ParagraphOutcome {
            name: "Death",
            report: &r,
            certainty: None,
        }]);
        assert!(
            text.contains("pooled with a common-effect model (Mantel-Haenszel)."),
            "{text}"
        );
        assert!(!text.contains("τ²"), "no tau² for a common effect: {text}");

        let mut hk = ReportOptions::default();
        hk.settings.tau2 = Tau2Estimator::DerSimonianLaird;
        hk.settings.ci = CiMethod::HartungKnapp;
        let r2 = report(TRIALS, &hk);
        assert_eq!(
            pooling_words(&r2),
            "a random-effects model (DL) with Hartung-Knapp-Sidik-Jonkman 95% confidence intervals"
        );
        // Outcomes pooled differently each say how.
        let text = paragraph(&[
            ParagraphOutcome {
                name: "Death",
                report: &r,
                certainty: None,
            },
            ParagraphOutcome {
                name: "Stroke",
                report: &r2,
                certainty: None,
            },
        ]);
        assert!(!text.contains("Trials were pooled with"), "{text}");
        assert!(
            text.contains("; a common-effect model (Mantel-Haenszel))."),
            "{text}"
        );
    }

    #[test]
    fn an_outcome_without_a_pooled_result_says_why() {
        let r = report("A\t0\t10\t0\t10", &ReportOptions::default());
        let text = paragraph(&[ParagraphOutcome {
            name: "Death",
            report: &r,
            certainty: None,
        }]);
        assert!(text.starts_with("No trial could be analysed."), "{text}");
        assert!(text.contains("Death: no pooled result ("), "{text}");
    }
}
