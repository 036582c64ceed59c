//! What the numbers mean, in words, where they are shown: the Cochrane Handbook's bands
//! for I², what a prediction interval says, the control-group risk of the trials, and the
//! pooled effect as people per 1000 and the number needed to treat.
//!
//! References: Deeks JJ, Higgins JPT, Altman DG (2022). Chapter 10, §10.10.2 ("Identifying
//! and measuring heterogeneity") and §10.10.4.3 (prediction intervals), Cochrane Handbook
//! for Systematic Reviews of Interventions 6.3. Schünemann HJ et al. (2022), chapter 14,
//! §14.1.5 (absolute effects in summary of findings tables).

use crate::absolute::{AbsoluteEffect, NntInterval, NumberNeeded, absolute_effects};
use crate::format;
use crate::report::{Report, natural};
use crate::rma::Model;
use crate::table::Study;

/// What the headline numbers of an analysis mean, in sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct Meaning {
    /// The I² of the headline model in the Handbook's bands (none for one trial).
    pub i2: Option<String>,
    /// The prediction interval in words (random effects, 3 trials or more).
    pub prediction: Option<String>,
    /// The control risk used: the one given, or the trials' median.
    pub control_risk: Option<f64>,
    /// The pooled effect in people per 1000 and the NNT, or why not.
    pub absolute: Result<String, String>,
    /// Cautions a reader should have in mind ([`cautions`]).
    pub cautions: Vec<String>,
}

/// Fewer trials than this, and the Handbook advises against tests for funnel-plot
/// asymmetry (§13.3.5.4), and heterogeneity is estimated with little precision.
pub const FEW_TRIALS: usize = 10;

/// I² from which the Handbook's band "may represent substantial heterogeneity" begins.
pub const SUBSTANTIAL_I2: f64 = 50.0;

/// What a reader of the headline result should keep in mind, each with its source:
/// fewer than [`FEW_TRIALS`] trials, and I² of [`SUBSTANTIAL_I2`]% or more.
pub fn cautions(report: &Report) -> Vec<String> {
    let Ok(fit) = report.overall(report.options.models.primary()) else {
        return Vec::new();
    };
    let k = fit.pooled.k;
    let mut out = Vec::new();
    if k < FEW_TRIALS {
        out.push(format!(
            "Caution: fewer than {FEW_TRIALS} trials ({k}): heterogeneity is \
             estimated imprecisely, and small-study tests are not advised (Cochrane \
             Handbook §10.10.2, §13.3.5.4)."
        ));
    }
    if k > 1 && fit.heterogeneity.i2 >= SUBSTANTIAL_I2 {
        out.push(
            "Caution: I² of 50% or more. One pooled number may hide effects that \
             differ between trials: see the prediction interval and what the trials differ \
             in (Cochrane Handbook §10.10.3)."
                .to_owned(),
        );
    }
    out
}

/// The meaning of `report`'s headline result, with `control_risk` (a proportion) or, when
/// `None`, the median risk in the trials' control arms.
pub fn meaning(report: &Report, control_risk: Option<f64>) -> Meaning {
    let model = report.options.models.primary();
    let measure = report.options.settings.measure;
    let fit = report.overall(model);
    let i2 = fit
        .as_ref()
        .ok()
        .filter(|f| f.pooled.k > 1)
        .map(|f| i2_sentence(f.heterogeneity.i2));
    let prediction = fit.as_ref().ok().and_then(|f| {
        let p = f.prediction.as_ref().filter(|_| model == Model::Random)?;
        let interval = p.t.as_ref()?;
        let null = if measure.is_ratio() { 1.0 } else { 0.0 };
        Some(prediction_sentence(
            natural(measure, interval.lower),
            natural(measure, interval.upper),
            null,
        ))
    });
    let control_risk = control_risk.or_else(|| median_control_risk(&report.studies));
    let absolute = match (&fit, control_risk) {
        (Err(why), _) => Err(format!("no pooled result: {why}")),
        (_, None) => Err("no control group risk: no trials".to_owned()),
        (Ok(f), Some(risk)) => absolute_effects(&f.pooled, measure, risk)
            .map(|a| absolute_sentence(&a))
            .map_err(|e| e.to_string()),
    };
    Meaning {
        i2,
        prediction,
        control_risk,
        absolute,
        cautions: cautions(report),
    }
}

/// One of the Handbook's overlapping bands for I² (§10.10.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum I2Band {
    /// 0% to 40%.
    MightNotBeImportant,
    /// 30% to 60%.
    Moderate,
    /// 50% to 90%.
    Substantial,
    /// 75% to 100%.
    Considerable,
}

impl I2Band {
    /// The four bands, from least heterogeneity to most.
    pub const ALL: [I2Band; 4] = [
        I2Band::MightNotBeImportant,
        I2Band::Moderate,
        I2Band::Substantial,
        I2Band::Considerable,
    ];

    /// Its range in percent, both ends included.
    pub fn range(self) -> (f64, f64) {
        match self {
            I2Band::MightNotBeImportant => (0.0, 40.0),
            I2Band::Moderate => (30.0, 60.0),
            I2Band::Substantial => (50.0, 90.0),
            I2Band::Considerable => (75.0, 100.0),
        }
    }

    /// The Handbook's words for it.
    pub fn words(self) -> &'static str {
        match self {
            I2Band::MightNotBeImportant => "might not be important",
            I2Band::Moderate => "may represent moderate heterogeneity",
            I2Band::Substantial => "may represent substantial heterogeneity",
            I2Band::Considerable => "considerable heterogeneity",
        }
    }
}

/// The bands an I² (percent) lies in: one or, where they overlap, two.
pub fn i2_bands(i2: f64) -> Vec<I2Band> {
    I2Band::ALL
        .into_iter()
        .filter(|b| {
            let (lo, hi) = b.range();
            i2 >= lo && i2 <= hi
        })
        .collect()
}

/// "I² = 55%: may represent moderate heterogeneity (30% to 60%) or may represent
/// substantial heterogeneity (50% to 90%) …", with the Handbook's caution.
pub fn i2_sentence(i2: f64) -> String {
    if !(0.0..=100.0).contains(&i2) {
        return format!(
            "I² = {}: not a percentage, so no band applies.",
            format::percent(i2)
        );
    }
    let bands: Vec<String> = i2_bands(i2)
        .iter()
        .map(|b| {
            let (lo, hi) = b.range();
            format!("{} ({lo:.0}% to {hi:.0}%)", b.words())
        })
        .collect();
    format!(
        "I² = {}: {}, in the Cochrane Handbook's overlapping bands (§10.10.2). Its importance also depends on the size and direction of the effects and on the strength of the evidence for heterogeneity (the P value of Q, or the interval of I²).",
        format::percent(i2),
        bands.join(" or ")
    )
}

/// The median risk in the control arms of the trials, the default assumed risk of a
/// summary of findings; `None` without trials.
pub fn median_control_risk(studies: &[Study]) -> Option<f64> {
    let mut risks: Vec<f64> = studies
        .iter()
        .map(|s| s.table.ci() as f64 / s.table.n2() as f64)
        .filter(|r| r.is_finite())
        .collect();
    if risks.is_empty() {
        return None;
    }
    // Risks are in [0, 1], where the order of the bit patterns is the order of the
    // numbers; the shared sort keeps one copy of the sorting code in the page.
    crate::sort::by_key(&mut risks, |r| r.to_bits());
    let n = risks.len();
    Some(if n % 2 == 1 {
        risks[n / 2]
    } else {
        (risks[n / 2 - 1] + risks[n / 2]) / 2.0
    })
}

/// What a 95% prediction interval (natural scale) says, and whether it includes no
/// effect (`null`: 1 for ratios, 0 for a risk difference).
pub fn prediction_sentence(lower: f64, upper: f64, null: f64) -> String {
    let side = if lower <= null && upper >= null {
        "It includes no effect: in some settings the treatment may not help, or may harm."
    } else if upper < null {
        "It lies wholly below no effect: in most settings like these the effect goes the same way."
    } else {
        "It lies wholly above no effect: in most settings like these the effect goes the same way."
    };
    format!(
        "In 95% of settings like those of these trials, the true effect in a new trial is expected between {} and {} (Cochrane Handbook §10.10.4.3). {side}",
        format::effect(lower),
        format::effect(upper)
    )
}

/// The pooled effect in people: "With 150 per 1000 in the control group, 73 per 1000
/// with the intervention (95% CI 52 to 104): 77 fewer per 1000 (98 fewer to 46 fewer).
/// Number needed to treat for one fewer event: 13 (10 to 22)."
pub fn absolute_sentence(a: &AbsoluteEffect) -> String {
    let per = |x: f64| format!("{:.0}", x);
    let diff = |x: f64| {
        if x.round() == 0.0 {
            "0 more or fewer".to_owned()
        } else if x < 0.0 {
            format!("{} fewer", per(-x))
        } else {
            format!("{} more", per(x))
        }
    };
    let t = &a.treated_per_1000;
    let d = &a.difference_per_1000;
    let mut s = format!(
        "With {} per 1000 in the control group, {} per 1000 with the intervention (95% CI {} to {}): {} per 1000 ({} to {}).",
        per(a.control_per_1000),
        per(t.estimate),
        per(t.lower),
        per(t.upper),
        diff(d.estimate),
        diff(d.lower),
        diff(d.upper)
    );
    let whole = |x: f64| format!("{:.0}", x.ceil());
    match a.number_needed {
        NumberNeeded::OneFewerEvent(n) => s.push_str(&format!(
            " Number needed to treat for one fewer event: {}",
            whole(n)
        )),
        NumberNeeded::OneMoreEvent(n) => s.push_str(&format!(
            " Number needed to treat for one more event: {}",
            whole(n)
        )),
        NumberNeeded::Infinite => {
            s.push_str(" No difference in risk, so no number needed to treat.");
            return s;
        }
    }
    match a.number_needed_ci {
        NntInterval::OneSide { nearest, farthest } => {
            let n = |x: NumberNeeded| match x {
                NumberNeeded::OneFewerEvent(n) | NumberNeeded::OneMoreEvent(n) => whole(n),
                NumberNeeded::Infinite => "∞".to_owned(),
            };
            s.push_str(&format!(" (95% CI {} to {}).", n(nearest), n(farthest)));
        }
        NntInterval::SpansNoEffect {
            fewer_events,
            more_events,
        } => s.push_str(&format!(
            " (95% CI: {} to treat for one fewer event, through no effect, to {} for one more; Altman 1998).",
            whole(fewer_events),
            whole(more_events)
        )),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::absolute::absolute_effects;
    use crate::rma::Pooled;
    use crate::settings::Measure;
    use crate::table::Table;

    #[test]
    fn i2_falls_in_the_handbooks_bands() {
        assert_eq!(i2_bands(0.0), vec![I2Band::MightNotBeImportant]);
        assert_eq!(
            i2_bands(35.0),
            vec![I2Band::MightNotBeImportant, I2Band::Moderate]
        );
        assert_eq!(i2_bands(55.0), vec![I2Band::Moderate, I2Band::Substantial]);
        assert_eq!(i2_bands(70.0), vec![I2Band::Substantial]);
        assert_eq!(i2_bands(92.1), vec![I2Band::Considerable]);
        let s = i2_sentence(55.0);
        assert!(s.starts_with("I² = 55.0%: may represent moderate heterogeneity (30% to 60%) or may represent substantial"), "{s}");
        assert!(i2_sentence(f64::NAN).contains("no band"));
    }

    #[test]
    fn the_control_risk_is_the_median_of_the_trials() {
        let study = |c: u64, n2: u64| Study {
            name: String::new(),
            year: None,
            subgroup: None,
            table: Table::new(1, 10, c, n2).expect("table"),
        };
        assert_eq!(median_control_risk(&[]), None);
        assert_eq!(
            median_control_risk(&[study(1, 10), study(3, 10), study(2, 10)]),
            Some(0.2)
        );
        assert_eq!(
            median_control_risk(&[study(1, 10), study(4, 10)]),
            Some(0.25)
        );
    }

    #[test]
    fn an_analysis_reads_in_words() {
        use crate::parse;
        use crate::report::ReportOptions;
        let rows = parse::parse(include_str!("../../../src/examples/bcg.tsv")).raw_rows();
        let report = Report::new(&rows, &ReportOptions::default());
        let m = meaning(&report, None);
        assert!(
            m.i2.as_deref()
                .is_some_and(|s| s.starts_with("I² = 92.2%: considerable")),
            "{m:?}"
        );
        assert!(
            m.prediction
                .as_deref()
                .is_some_and(|s| s.contains("includes no effect")),
            "{m:?}"
        );
        // The median control risk of the 13 BCG trials.
        let risks = report
            .studies
            .iter()
            .map(|s| s.table.ci() as f64 / s.table.n2() as f64);
        let mut risks: Vec<f64> = risks.collect();
        // Risks are in [0, 1], where the order of the bit patterns is the order of the
        // numbers; the shared sort keeps one copy of the sorting code in the page.
        crate::sort::by_key(&mut risks, |r| r.to_bits());
        assert_eq!(m.control_risk, Some(risks[6]));
        assert!(
            m.absolute
                .as_deref()
                .is_ok_and(|s| s.contains("fewer per 1000")),
            "{m:?}"
        );
        let given = meaning(&report, Some(0.2));
        assert!(
            given
                .absolute
                .as_deref()
                .is_ok_and(|s| s.starts_with("With 200 per 1000")),
            "{given:?}"
        );
        assert!(meaning(&report, Some(1.5)).absolute.is_err());
    }

    #[test]
    fn the_pooled_effect_reads_in_people() {
        // RR 0.49 (0.34 to 0.70), control risk 15%.
        let pooled = Pooled::new(
            0.49f64.ln(),
            (0.70f64.ln() - 0.34f64.ln()) / (2.0 * 1.959964),
            13,
            None,
        );
        let a = absolute_effects(&pooled, Measure::RiskRatio, 0.15).expect("absolute effects");
        let s = absolute_sentence(&a);
        assert!(
            s.starts_with(
                "With 150 per 1000 in the control group, 74 per 1000 with the intervention"
            ),
            "{s}"
        );
        assert!(s.contains("fewer per 1000"), "{s}");
        assert!(
            s.contains("Number needed to treat for one fewer event: 14"),
            "{s}"
        );
        // An interval through no effect: NNT(B) to ∞ to NNT(H).
        let pooled = Pooled::new(0.9f64.ln(), 0.2, 5, None);
        let s = absolute_sentence(
            &absolute_effects(&pooled, Measure::RiskRatio, 0.2).expect("effects"),
        );
        assert!(s.contains("through no effect"), "{s}");
        assert!(prediction_sentence(0.14, 1.64, 1.0).contains("includes no effect"));
        assert!(prediction_sentence(0.3, 0.8, 1.0).contains("wholly below"));
    }

    #[test]
    fn cautions_for_few_trials_and_substantial_heterogeneity() {
        let row = |e1: u64, e2: u64| crate::parse::RawRow {
            e1: e1.to_string(),
            n1: "100".into(),
            e2: e2.to_string(),
            n2: "100".into(),
            ..Default::default()
        };
        let options = crate::report::ReportOptions::default();
        // Three similar trials: few, not heterogeneous.
        let few = Report::new(&[row(10, 20), row(11, 21), row(9, 19)], &options);
        let c = cautions(&few);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(c[0].contains("fewer than 10 trials (3)") && c[0].contains("§13.3.5.4"));
        // Twelve trials pointing both ways: many, heterogeneous.
        let rows: Vec<_> = (0..12)
            .map(|i| if i % 2 == 0 { row(5, 40) } else { row(40, 5) })
            .collect();
        let wide = Report::new(&rows, &options);
        let c = cautions(&wide);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(c[0].starts_with("Caution: I² of 50%") && c[0].contains("§10.10.3"));
        assert_eq!(meaning(&wide, None).cautions, c);
        assert!(cautions(&Report::new(&[], &options)).is_empty());
    }
}
