//! GRADE: the certainty of a body of evidence from randomised trials, and how a summary
//! of findings says it.
//!
//! Evidence from randomised trials starts at high certainty and is rated down one level
//! for each serious concern, two for each very serious one, in five domains ([`Domain`]):
//! risk of bias, inconsistency, indirectness, imprecision and publication bias (Guyatt
//! et al. 2011, GRADE guidelines 3–8; Cochrane Handbook chapter 14.2). These are the
//! reviewer's judgements. Grove proposes one for each domain it can judge from the data
//! ([`suggest`]), each with its reason, and the reviewer accepts or changes it; the
//! certainty is what the judgements add up to ([`certainty`]).
//!
//! The rules Grove proposes from, each a common operationalisation of the guidance,
//! never a substitute for it:
//!
//! - **Risk of bias** (GRADE 4, Guyatt 2011b): the share of the analysis's weight from
//!   trials at high overall risk of bias. Over half: serious; over half from trials at
//!   high risk *and* all of the weight from trials at some concerns or high: very
//!   serious. Not judged when the trials' risk of bias has not been assessed.
//! - **Inconsistency** (GRADE 7, Guyatt 2011d; Handbook §10.10.2): I² of 50% or more with
//!   a prediction interval that crosses no effect, or trials whose confidence intervals
//!   do not overlap: serious; I² of 75% or more with point estimates on both sides of no
//!   effect: very serious. One trial: not applicable.
//! - **Imprecision** (GRADE 6, Guyatt 2011c): the confidence interval crossing no effect
//!   or a threshold of appreciable benefit or harm (the reviewer's [`Thresholds`]; by
//!   default a relative risk reduction or increase of 25%: RR 0.75 and 1.25), or fewer
//!   participants than the optimal information size ([`optimal_information_size`], for
//!   the relative risk reduction of the threshold of benefit): serious; an interval that
//!   includes both appreciable benefit and appreciable harm: very serious.
//! - **Publication bias** (GRADE 5, Guyatt 2011a; Handbook §13.3.5.4): with 10 trials or
//!   more, Egger's test at p < 0.10: serious (suspected). With fewer than 10 trials the
//!   tests are too weak to judge: not proposed.
//! - **Indirectness** is about the question (population, intervention, comparator,
//!   outcome), not the numbers: never proposed.
//!
//! The plain-language statements follow GRADE's informative statements (Santesso et al.
//! 2020, table 3): "reduces" at high, "probably reduces" at moderate, "may reduce" at low
//! certainty; "the evidence is very uncertain" at very low; "little to no difference"
//! when the point estimate lies between the thresholds of appreciable benefit and harm.
//!
//! References: Guyatt GH, Oxman AD, et al. (2011). GRADE guidelines: 5. Rating the quality
//! of evidence—publication bias; 6. —imprecision; 7. —inconsistency; 4. —study
//! limitations (risk of bias). J Clin Epidemiol 64:1277–1282, 1283–1293, 1294–1302,
//! 407–415. Santesso N, Glenton C, Dahm P, et al. (2020). GRADE guidelines 26:
//! informative statements to communicate the findings of systematic reviews of
//! interventions. J Clin Epidemiol 119:126–135. Schünemann HJ, Higgins JPT, Vist GE, et al.
//! (2022). Chapter 14, Cochrane Handbook for Systematic Reviews of Interventions 6.3.

pub mod sof;

use crate::dist::normal_quantile;
use crate::settings::Measure;
use std::fmt;

/// Certainty of the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// The true effect is likely to be substantially different from the estimate.
    VeryLow,
    /// The true effect may be substantially different from the estimate.
    Low,
    /// The true effect is likely to be close to the estimate, but may be substantially
    /// different.
    Moderate,
    /// The true effect lies close to the estimate.
    High,
}

impl Certainty {
    /// GRADE's symbols: ⊕⊕⊕⊕ for high down to ⊕◯◯◯ for very low.
    pub fn symbols(self) -> &'static str {
        match self {
            Certainty::High => "⊕⊕⊕⊕",
            Certainty::Moderate => "⊕⊕⊕◯",
            Certainty::Low => "⊕⊕◯◯",
            Certainty::VeryLow => "⊕◯◯◯",
        }
    }

    /// Its name ("Moderate").
    pub fn label(self) -> &'static str {
        match self {
            Certainty::High => "High",
            Certainty::Moderate => "Moderate",
            Certainty::Low => "Low",
            Certainty::VeryLow => "Very low",
        }
    }
}

/// The five domains of GRADE for rating down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Limitations of the trials (risk of bias).
    RiskOfBias,
    /// Unexplained differences between the trials' results.
    Inconsistency,
    /// Differences between the question and the trials' populations, interventions,
    /// comparators or outcomes.
    Indirectness,
    /// Too few data for a confident estimate.
    Imprecision,
    /// Trials missing from the analysis because of their results.
    PublicationBias,
}

impl Domain {
    /// Every domain, in GRADE's order.
    pub const ALL: [Domain; 5] = [
        Domain::RiskOfBias,
        Domain::Inconsistency,
        Domain::Indirectness,
        Domain::Imprecision,
        Domain::PublicationBias,
    ];

    /// Its code in files and share links ("risk-of-bias").
    pub fn code(self) -> &'static str {
        match self {
            Domain::RiskOfBias => "risk-of-bias",
            Domain::Inconsistency => "inconsistency",
            Domain::Indirectness => "indirectness",
            Domain::Imprecision => "imprecision",
            Domain::PublicationBias => "publication-bias",
        }
    }

    /// Its name ("Risk of bias").
    pub fn label(self) -> &'static str {
        match self {
            Domain::RiskOfBias => "Risk of bias",
            Domain::Inconsistency => "Inconsistency",
            Domain::Indirectness => "Indirectness",
            Domain::Imprecision => "Imprecision",
            Domain::PublicationBias => "Publication bias",
        }
    }
}

/// A judgement in one domain: how far it rates the evidence down.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Concern {
    /// Not rated down.
    #[default]
    NotSerious,
    /// Rated down one level.
    Serious,
    /// Rated down two levels.
    VerySerious,
}

impl Concern {
    /// Levels rated down.
    pub fn levels(self) -> u8 {
        match self {
            Concern::NotSerious => 0,
            Concern::Serious => 1,
            Concern::VerySerious => 2,
        }
    }

    /// Its name ("Serious").
    pub fn label(self) -> &'static str {
        match self {
            Concern::NotSerious => "Not serious",
            Concern::Serious => "Serious",
            Concern::VerySerious => "Very serious",
        }
    }

    /// Its code in files and share links.
    pub fn code(self) -> &'static str {
        match self {
            Concern::NotSerious => "not-serious",
            Concern::Serious => "serious",
            Concern::VerySerious => "very-serious",
        }
    }

    /// The concern of a code ([`Concern::code`]).
    pub fn from_code(code: &str) -> Option<Concern> {
        [Concern::NotSerious, Concern::Serious, Concern::VerySerious]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// What Grove proposes for one domain, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The domain.
    pub domain: Domain,
    /// The concern proposed, or `None` when the data cannot say (the reason says why).
    pub concern: Option<Concern>,
    /// Why, with the numbers it rests on.
    pub reason: String,
}

/// What the suggestions are made from: one outcome's pooled result and its trials, on the
/// natural scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Effect measure.
    pub measure: Measure,
    /// Pooled estimate and its 95% confidence limits.
    pub estimate: [f64; 3],
    /// The trials' estimates and 95% confidence limits.
    pub studies: Vec<[f64; 3]>,
    /// I² in percent (`None` for one trial).
    pub i2: Option<f64>,
    /// The 95% prediction interval, when there is one.
    pub prediction: Option<[f64; 2]>,
    /// Participants in the analysis.
    pub participants: u128,
    /// The assumed risk with the comparator (a proportion), for the thresholds of a risk
    /// difference and the optimal information size.
    pub control_risk: f64,
    /// Egger's test p value, when computed.
    pub egger_p: Option<f64>,
    /// The share of the analysis's weight from trials at high overall risk of bias, and
    /// from trials at some concerns or high; `None` when not assessed.
    pub risk_of_bias_weight: Option<(f64, f64)>,
}

/// The thresholds of appreciable benefit and harm, as relative risks, and the power
/// asked of the optimal information size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Relative risk below which the effect is an appreciable benefit (0.75: a 25%
    /// relative risk reduction).
    pub benefit: f64,
    /// Relative risk above which it is appreciable harm (1.25).
    pub harm: f64,
    /// Two-sided significance level of the optimal information size (0.05).
    pub alpha: f64,
    /// Its power (0.80).
    pub power: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            benefit: 0.75,
            harm: 1.25,
            alpha: 0.05,
            power: 0.8,
        }
    }
}

/// Why thresholds cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdError {
    /// The threshold of benefit is not a relative risk between 0 and 1.
    Benefit,
    /// The threshold of harm is not a relative risk above 1.
    Harm,
}

impl std::fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ThresholdError::Benefit => {
                "the threshold of appreciable benefit must be a relative risk between 0 and 1"
            }
            ThresholdError::Harm => {
                "the threshold of appreciable harm must be a relative risk above 1"
            }
        })
    }
}

impl Thresholds {
    /// GRADE's default power and significance level with the reviewer's thresholds of
    /// appreciable benefit (a relative risk in (0, 1), also the relative risk reduction
    /// `1 − benefit` of the optimal information size) and harm (above 1, finite).
    ///
    /// # Errors
    /// Which threshold is outside its range.
    pub fn new(benefit: f64, harm: f64) -> Result<Thresholds, ThresholdError> {
        if !(benefit > 0.0 && benefit < 1.0) {
            return Err(ThresholdError::Benefit);
        }
        if !(harm > 1.0 && harm.is_finite()) {
            return Err(ThresholdError::Harm);
        }
        Ok(Thresholds {
            benefit,
            harm,
            ..Thresholds::default()
        })
    }
}

/// The certainty that judgements in the five domains give evidence from randomised
/// trials: high, less one level per serious concern and two per very serious one.
pub fn certainty(concerns: &[Concern]) -> Certainty {
    let down: u32 = concerns.iter().map(|c| u32::from(c.levels())).sum();
    match down {
        0 => Certainty::High,
        1 => Certainty::Moderate,
        2 => Certainty::Low,
        _ => Certainty::VeryLow,
    }
}

/// The participants (both arms together) a single trial would need to detect a relative
/// risk reduction `1 − rr` from a control risk `p0`, two-sided at `alpha` with `power`:
/// `2 (z₁₋α/₂ + z_power)² (p0(1−p0) + p1(1−p1)) / (p0 − p1)²` with `p1 = p0·rr` (the
/// usual sample size for two proportions; GRADE 6, Guyatt 2011c, "optimal information
/// size"). `None` when the inputs make no trial (risks outside (0, 1), no difference).
pub fn optimal_information_size(p0: f64, rr: f64, alpha: f64, power: f64) -> Option<f64> {
    let p1 = p0 * rr;
    let valid = |p: f64| p > 0.0 && p < 1.0;
    if !(valid(p0) && valid(p1) && valid(alpha) && valid(power)) || p0 == p1 {
        return None;
    }
    let z = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power);
    let per_arm = z * z * (p0 * (1.0 - p0) + p1 * (1.0 - p1)) / (p0 - p1).powi(2);
    Some(2.0 * per_arm.ceil())
}

/// Grove's proposal for each domain, in GRADE's order.
pub fn suggest(e: &Evidence, t: &Thresholds) -> Vec<Suggestion> {
    Domain::ALL
        .into_iter()
        .map(|domain| {
            let (concern, reason) = match domain {
                Domain::RiskOfBias => risk_of_bias(e),
                Domain::Inconsistency => inconsistency(e),
                Domain::Indirectness => (
                    None,
                    "a judgement on the question (population, intervention, comparator, outcome), not on the numbers".to_owned(),
                ),
                Domain::Imprecision => imprecision(e, t),
                Domain::PublicationBias => publication_bias(e),
            };
            Suggestion {
                domain,
                concern,
                reason,
            }
        })
        .collect()
}

/// Whether an effect is an appreciable benefit, appreciable harm, or neither, by the
/// thresholds (for a risk difference, those relative risks at the control risk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Fewer events, beyond the threshold of benefit.
    Fewer,
    /// Between the thresholds: little to no difference.
    Little,
    /// More events, beyond the threshold of harm.
    More,
}

/// The size of an effect on the natural scale of `measure`.
pub fn size(measure: Measure, effect: f64, control_risk: f64, t: &Thresholds) -> Size {
    let (benefit, harm) = thresholds(measure, control_risk, t);
    if effect <= benefit {
        Size::Fewer
    } else if effect >= harm {
        Size::More
    } else {
        Size::Little
    }
}

/// GRADE's plain-language statement of a finding: "Azithromycin probably reduces
/// treatment failure." (Santesso et al. 2020).
pub fn statement(certainty: Certainty, size: Size, intervention: &str, outcome: &str) -> String {
    let outcome = outcome.to_lowercase();
    if certainty == Certainty::VeryLow {
        return format!(
            "The evidence is very uncertain about the effect of {intervention} on {outcome}."
        );
    }
    let (adverb, verb_reduce, verb_increase, verb_little) = match certainty {
        Certainty::High => ("", "reduces", "increases", "results in"),
        Certainty::Moderate => ("probably ", "reduces", "increases", "results in"),
        _ => ("may ", "reduce", "increase", "result in"),
    };
    match size {
        Size::Fewer => format!("{intervention} {adverb}{verb_reduce} {outcome}."),
        Size::More => format!("{intervention} {adverb}{verb_increase} {outcome}."),
        Size::Little => {
            format!("{intervention} {adverb}{verb_little} little to no difference in {outcome}.")
        }
    }
}

// ---------------------------------------------------------------------------------------

/// The thresholds on the measure's own scale: relative risks for RR (and OR, whose
/// thresholds are taken to be the same), risk differences `p0·(rr − 1)` for RD.
fn thresholds(measure: Measure, p0: f64, t: &Thresholds) -> (f64, f64) {
    match measure {
        Measure::RiskRatio | Measure::OddsRatio => (t.benefit, t.harm),
        Measure::RiskDifference => (p0 * (t.benefit - 1.0), p0 * (t.harm - 1.0)),
    }
}

/// No effect on the measure's scale.
fn null(measure: Measure) -> f64 {
    if measure.is_ratio() { 1.0 } else { 0.0 }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn risk_of_bias(e: &Evidence) -> (Option<Concern>, String) {
    let Some((high, concerns_or_high)) = e.risk_of_bias_weight else {
        return (
            None,
            "the trials' risk of bias has not been assessed".to_owned(),
        );
    };
    let share = format!(
        "{} of the weight from trials at high risk of bias, {} at some concerns or high",
        percent(high),
        percent(concerns_or_high)
    );
    if high > 0.5 && concerns_or_high >= 0.999_999 {
        (Some(Concern::VerySerious), share)
    } else if high > 0.5 {
        (Some(Concern::Serious), share)
    } else {
        (Some(Concern::NotSerious), share)
    }
}

fn inconsistency(e: &Evidence) -> (Option<Concern>, String) {
    let Some(i2) = e.i2.filter(|_| e.studies.len() > 1) else {
        return (None, "one trial: consistency cannot be judged".to_owned());
    };
    let null = null(e.measure);
    let both_sides = e.studies.iter().any(|s| s[0] < null) && e.studies.iter().any(|s| s[0] > null);
    let pi_crosses = e.prediction.is_some_and(|[lo, hi]| lo < null && hi > null);
    // Two trials whose intervals do not overlap: one's upper limit below the other's lower.
    let lowest_upper = e.studies.iter().map(|s| s[2]).fold(f64::INFINITY, f64::min);
    let highest_lower = e
        .studies
        .iter()
        .map(|s| s[1])
        .fold(f64::NEG_INFINITY, f64::max);
    let apart = lowest_upper < highest_lower;
    let mut reason = format!("I² = {i2:.0}%");
    if pi_crosses {
        reason.push_str(", the prediction interval crosses no effect");
    }
    if apart {
        reason.push_str(", some trials' confidence intervals do not overlap");
    }
    if both_sides {
        reason.push_str(", trials' estimates on both sides of no effect");
    }
    let concern = if i2 >= 75.0 && both_sides {
        Concern::VerySerious
    } else if (i2 >= 50.0 && pi_crosses) || apart {
        Concern::Serious
    } else {
        Concern::NotSerious
    };
    (Some(concern), reason)
}

fn imprecision(e: &Evidence, t: &Thresholds) -> (Option<Concern>, String) {
    let [_, lo, hi] = e.estimate;
    let (benefit, harm) = thresholds(e.measure, e.control_risk, t);
    let null = null(e.measure);
    let crosses_null = lo < null && hi > null;
    let both = lo < benefit && hi > harm;
    let one = (lo < benefit && hi > benefit) || (lo < harm && hi > harm);
    let ois = optimal_information_size(e.control_risk, t.benefit, t.alpha, t.power);
    let short = ois.is_some_and(|n| (e.participants as f64) < n);
    let mut reasons = Vec::new();
    if both {
        reasons.push(
            "the confidence interval includes both appreciable benefit and appreciable harm"
                .to_owned(),
        );
    } else if crosses_null {
        reasons.push("the confidence interval crosses no effect".to_owned());
    } else if one {
        reasons.push(
            format!(
                "the confidence interval crosses a threshold of appreciable benefit or harm ({} {} or {})",
                crate::report::abbreviation(e.measure),
                crate::format::effect(benefit),
                crate::format::effect(harm)
            ),
        );
    }
    match ois {
        Some(n) => reasons.push(format!(
            "{} participants against an optimal information size of {} (a relative risk reduction of {}, α {}, power {})",
            crate::format::count(e.participants),
            // A count of participants, whole and far below 2^53.
            crate::format::count(n.max(0.0) as u128),
            percent(1.0 - t.benefit),
            t.alpha,
            percent(t.power)
        )),
        None => reasons.push("no optimal information size for this control risk".to_owned()),
    }
    let concern = if both {
        Concern::VerySerious
    } else if crosses_null || one || short {
        Concern::Serious
    } else {
        Concern::NotSerious
    };
    (Some(concern), reasons.join("; "))
}

fn publication_bias(e: &Evidence) -> (Option<Concern>, String) {
    let k = e.studies.len();
    if k < 10 {
        return (
            None,
            format!(
                "{k} trials: fewer than 10, too few for tests of small-study effects (Cochrane Handbook §13.3.5.4)"
            ),
        );
    }
    match e.egger_p {
        Some(p) if p < 0.10 => (
            Some(Concern::Serious),
            format!("Egger's test p = {p:.3}: small-study effects suspected"),
        ),
        Some(p) => (
            Some(Concern::NotSerious),
            format!("Egger's test p = {p:.3}"),
        ),
        None => (None, "Egger's test could not be computed".to_owned()),
    }
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.concern {
            Some(c) => write!(
                f,
                "{}: {} ({})",
                self.domain.label(),
                c.label(),
                self.reason
            ),
            None => write!(f, "{}: not proposed ({})", self.domain.label(), self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Twelve trials around RR 0.7, tight, consistent, no small-study effects.
    fn evidence() -> Evidence {
        Evidence {
            measure: Measure::RiskRatio,
            estimate: [0.60, 0.52, 0.69],
            studies: (0..12)
                .map(|i| {
                    let e = 0.55 + 0.01 * i as f64;
                    [e, e * 0.7, e / 0.7]
                })
                .collect(),
            i2: Some(10.0),
            prediction: Some([0.50, 0.72]),
            participants: 12_000,
            control_risk: 0.2,
            egger_p: Some(0.6),
            risk_of_bias_weight: Some((0.1, 0.3)),
        }
    }

    fn concern(e: &Evidence, domain: Domain) -> Option<Concern> {
        suggest(e, &Thresholds::default())
            .into_iter()
            .find(|s| s.domain == domain)
            .and_then(|s| s.concern)
    }

    #[test]
    fn certainty_is_high_less_the_levels_rated_down() {
        use Concern::*;
        assert_eq!(certainty(&[NotSerious; 5]), Certainty::High);
        assert_eq!(certainty(&[Serious, NotSerious]), Certainty::Moderate);
        assert_eq!(certainty(&[Serious, Serious]), Certainty::Low);
        assert_eq!(certainty(&[VerySerious]), Certainty::Low);
        assert_eq!(certainty(&[VerySerious, Serious]), Certainty::VeryLow);
        assert_eq!(certainty(&[VerySerious; 5]), Certainty::VeryLow);
        assert_eq!(Certainty::Moderate.symbols(), "⊕⊕⊕◯");
    }

    #[test]
    fn optimal_information_size_is_the_two_proportion_sample_size() {
        // 20% against 15% (a 25% relative risk reduction), α 0.05 two-sided, power 0.8:
        // (1.959964 + 0.841621)² · (0.16 + 0.1275) / 0.05² = 902.6, so 903 per arm. R's
        // power.prop.test(p1 = 0.2, p2 = 0.15, power = 0.8) gives 905.4: it uses the
        // pooled variance under the null hypothesis, this the unpooled one.
        assert_eq!(optimal_information_size(0.2, 0.75, 0.05, 0.8), Some(1806.0));
        assert_eq!(optimal_information_size(0.0, 0.75, 0.05, 0.8), None);
        assert_eq!(
            optimal_information_size(0.9, 1.25, 0.05, 0.8),
            None,
            "p1 above 1"
        );
        assert_eq!(optimal_information_size(0.2, 1.0, 0.05, 0.8), None);
    }

    #[test]
    fn consistent_precise_evidence_is_not_rated_down() {
        let e = evidence();
        let s = suggest(&e, &Thresholds::default());
        assert_eq!(s.len(), 5);
        for d in [
            Domain::RiskOfBias,
            Domain::Inconsistency,
            Domain::Imprecision,
            Domain::PublicationBias,
        ] {
            assert_eq!(concern(&e, d), Some(Concern::NotSerious), "{d:?}: {s:?}");
        }
        assert_eq!(concern(&e, Domain::Indirectness), None, "never proposed");
    }

    #[test]
    fn each_rule_rates_down_with_its_reason() {
        let mut e = evidence();
        e.risk_of_bias_weight = Some((0.6, 0.8));
        assert_eq!(concern(&e, Domain::RiskOfBias), Some(Concern::Serious));
        e.risk_of_bias_weight = Some((0.6, 1.0));
        assert_eq!(concern(&e, Domain::RiskOfBias), Some(Concern::VerySerious));
        e.risk_of_bias_weight = None;
        assert_eq!(concern(&e, Domain::RiskOfBias), None);

        let mut e = evidence();
        e.i2 = Some(60.0);
        e.prediction = Some([0.3, 1.2]);
        assert_eq!(concern(&e, Domain::Inconsistency), Some(Concern::Serious));
        e.i2 = Some(80.0);
        e.studies[0] = [1.4, 1.1, 1.8];
        assert_eq!(
            concern(&e, Domain::Inconsistency),
            Some(Concern::VerySerious)
        );
        let reason = suggest(&e, &Thresholds::default())[1].reason.clone();
        assert!(
            reason.contains("I² = 80%") && reason.contains("do not overlap"),
            "{reason}"
        );

        let mut e = evidence();
        e.estimate = [0.9, 0.7, 1.1];
        assert_eq!(concern(&e, Domain::Imprecision), Some(Concern::Serious));
        e.estimate = [0.9, 0.6, 1.4];
        assert_eq!(concern(&e, Domain::Imprecision), Some(Concern::VerySerious));
        let mut e = evidence();
        e.participants = 1000;
        assert_eq!(concern(&e, Domain::Imprecision), Some(Concern::Serious));
        let reason = suggest(&e, &Thresholds::default())[3].reason.clone();
        assert!(
            reason.contains("1,000 participants against an optimal information size of 1,806"),
            "{reason}"
        );

        let mut e = evidence();
        e.egger_p = Some(0.04);
        assert_eq!(concern(&e, Domain::PublicationBias), Some(Concern::Serious));
        e.studies.truncate(9);
        assert_eq!(concern(&e, Domain::PublicationBias), None);
        assert!(
            suggest(&e, &Thresholds::default())[4]
                .reason
                .contains("fewer than 10")
        );
    }

    #[test]
    fn risk_differences_use_the_thresholds_at_the_control_risk() {
        let t = Thresholds::default();
        // At 20% control risk, RR 0.75 and 1.25 are differences of −0.05 and +0.05.
        assert_eq!(size(Measure::RiskDifference, -0.06, 0.2, &t), Size::Fewer);
        assert_eq!(size(Measure::RiskDifference, -0.04, 0.2, &t), Size::Little);
        assert_eq!(size(Measure::RiskDifference, 0.05, 0.2, &t), Size::More);
        assert_eq!(size(Measure::RiskRatio, 0.7, 0.2, &t), Size::Fewer);
    }

    #[test]
    fn statements_use_grade_wording() {
        let s = |c, z| statement(c, z, "Azithromycin", "Treatment failure");
        assert_eq!(
            s(Certainty::High, Size::Fewer),
            "Azithromycin reduces treatment failure."
        );
        assert_eq!(
            s(Certainty::Moderate, Size::More),
            "Azithromycin probably increases treatment failure."
        );
        assert_eq!(
            s(Certainty::Low, Size::Fewer),
            "Azithromycin may reduce treatment failure."
        );
        assert_eq!(
            s(Certainty::Moderate, Size::Little),
            "Azithromycin probably results in little to no difference in treatment failure."
        );
        assert_eq!(
            s(Certainty::Low, Size::Little),
            "Azithromycin may result in little to no difference in treatment failure."
        );
        assert_eq!(
            s(Certainty::VeryLow, Size::Fewer),
            "The evidence is very uncertain about the effect of Azithromycin on treatment failure."
        );
    }

    proptest! {
        /// Whatever the numbers (NaN and infinities too), every domain gets a proposal or
        /// a reason, and more concern never raises the certainty.
        #[test]
        fn suggestions_never_fail(
            est in prop::array::uniform3(prop_oneof![any::<f64>(), 0.01f64..10.0]),
            i2 in prop::option::of(prop_oneof![any::<f64>(), 0.0f64..100.0]),
            k in 0usize..15,
            p0 in prop_oneof![any::<f64>(), 0.0f64..1.0],
            participants in any::<u128>(),
        ) {
            let e = Evidence {
                measure: Measure::OddsRatio,
                estimate: est,
                studies: vec![est; k],
                i2,
                prediction: None,
                participants,
                control_risk: p0,
                egger_p: Some(0.5),
                risk_of_bias_weight: Some((0.2, 0.5)),
            };
            let s = suggest(&e, &Thresholds::default());
            prop_assert_eq!(s.len(), 5);
            prop_assert!(s.iter().all(|s| !s.reason.is_empty()));
            let concerns: Vec<Concern> = s.iter().filter_map(|s| s.concern).collect();
            let base = certainty(&concerns);
            let mut worse = concerns.clone();
            worse.push(Concern::Serious);
            prop_assert!(certainty(&worse) <= base);
        }
    }
}
