//! A GRADE summary of findings, one row per outcome (Cochrane Handbook ch. 14; GRADEpro's
//! layout): the outcome; № of participants (studies); the relative effect with its 95%
//! CI; the anticipated absolute effects per 1000 (the assumed risk with the comparator,
//! the risk with the intervention and the difference, each with its CI); the certainty
//! of the evidence with the reasons for each downgrade as footnotes; and GRADE's
//! plain-language statement.
//!
//! The reviewer judges each domain ([`Judgements`]); where they have not, Grove's
//! proposal from the data stands ([`super::suggest`]), marked as such, with its reason.

use super::{Certainty, Concern, Domain, Evidence, Suggestion, Thresholds, size, statement};
use crate::absolute::{AbsoluteEffect, absolute_effects};
use crate::format;
use crate::report::{Report, abbreviation, natural};
use crate::rma::Model;
use crate::rob::{Assessment, Judgement};

/// A reviewer's GRADE judgements of one outcome, domain by domain in [`Domain::ALL`]'s
/// order: a concern, or `None` to take Grove's proposal; and their reason, when they give
/// one (empty: the proposal's reason, or none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Judgements {
    /// The reviewer's concern in each domain.
    pub concerns: [Option<Concern>; 5],
    /// The reviewer's reason in each domain.
    pub reasons: [String; 5],
}

impl Judgements {
    /// Whether nothing is judged (files need not carry it).
    pub fn is_empty(&self) -> bool {
        *self == Judgements::default()
    }
}

/// One domain of a row: the concern that counts, who judged it, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// The domain.
    pub domain: Domain,
    /// The concern counted (not serious where neither the reviewer nor the data says).
    pub concern: Concern,
    /// Whether the reviewer chose it (else Grove proposed it, or nobody did).
    pub by_reviewer: bool,
    /// Grove's proposal, with its reason.
    pub proposal: Suggestion,
    /// The reason shown in the footnote.
    pub reason: String,
}

/// One outcome's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The outcome.
    pub outcome: String,
    /// Participants in the analysis.
    pub participants: u128,
    /// Trials in the analysis.
    pub studies: usize,
    /// "RR 0.49 (0.34 to 0.70)".
    pub relative: String,
    /// The absolute effects at the assumed risk, or why there are none.
    pub absolute: Result<AbsoluteEffect, String>,
    /// Whether the assumed risk is the trials' median control risk (not typed).
    pub median_risk: bool,
    /// Each domain's judgement, in [`Domain::ALL`]'s order.
    pub domains: Vec<Judged>,
    /// The certainty the judgements give.
    pub certainty: Certainty,
    /// GRADE's plain-language statement.
    pub statement: String,
}

/// What a row needs besides the analysis.
#[derive(Debug, Clone, Copy)]
pub struct RowInput<'a> {
    /// The outcome's name.
    pub outcome: &'a str,
    /// Its analysis.
    pub report: &'a Report,
    /// The assumed risk with the comparator as typed (a proportion), or `None` for the
    /// trials' median control risk.
    pub control_risk: Option<f64>,
    /// Each analysed trial's risk-of-bias assessment, by its position in the report.
    pub rob: &'a [Option<Assessment>],
    /// The reviewer's judgements.
    pub judgements: &'a Judgements,
    /// The intervention's name in the statement ("Azithromycin").
    pub intervention: &'a str,
    /// The thresholds of appreciable benefit and harm that imprecision and the statement
    /// are judged by.
    pub thresholds: Thresholds,
}

/// The evidence the proposals are made from (see [`Evidence`]).
///
/// # Errors
/// Why the outcome has no pooled result.
pub fn evidence(
    report: &Report,
    control_risk: f64,
    rob: &[Option<Assessment>],
) -> Result<Evidence, String> {
    let h = report.headline().map_err(|e| e.to_string())?;
    let m = report.options.settings.measure;
    let studies: Vec<[f64; 3]> = (0..report.studies.len())
        .filter_map(|s| report.study_effect(s).ok())
        .map(|e| [e.value, e.lower, e.upper])
        .collect();
    let fit = report.overall(h.model).ok();
    let prediction = fit
        .filter(|_| h.model == Model::Random)
        .and_then(|f| f.prediction.as_ref())
        .and_then(|p| p.t)
        .map(|pi| [natural(m, pi.lower), natural(m, pi.upper)]);
    let tests = crate::bias::SmallStudyEffects::new(report);
    let egger_p = if tests.too_few() {
        None
    } else {
        tests.egger.as_ref().ok().map(|t| t.p)
    };
    // The weight at high overall risk, and at some concerns or high.
    let mut judged = false;
    let (mut high, mut concerns, mut total) = (0.0, 0.0, 0.0);
    for s in 0..report.studies.len() {
        let Some(w) = report.study_weight(s, h.model) else {
            continue;
        };
        total += w;
        match rob.get(s).copied().flatten().and_then(|a| a.overall) {
            Some(Judgement::High) => {
                judged = true;
                high += w;
                concerns += w;
            }
            Some(Judgement::SomeConcerns) => {
                judged = true;
                concerns += w;
            }
            Some(Judgement::Low) => judged = true,
            None => {}
        }
    }
    Ok(Evidence {
        measure: m,
        estimate: [h.estimate, h.ci_lower, h.ci_upper],
        studies,
        i2: (h.k > 1).then_some(h.i2),
        prediction,
        participants: report.participants(),
        control_risk,
        egger_p,
        risk_of_bias_weight: (judged && total > 0.0).then(|| (high / total, concerns / total)),
    })
}

/// The row of one outcome.
///
/// # Errors
/// Why the outcome has no pooled result (it has no row).
pub fn row(input: &RowInput) -> Result<Row, String> {
    let r = input.report;
    let h = r.headline().map_err(|e| e.to_string())?;
    let m = r.options.settings.measure;
    let median = crate::interpret::median_control_risk(&r.studies);
    let risk = input.control_risk.or(median).unwrap_or(0.0);
    let e = evidence(r, risk, input.rob)?;
    let proposals = super::suggest(&e, &input.thresholds);
    let domains: Vec<Judged> = proposals
        .into_iter()
        .enumerate()
        .map(|(i, proposal)| {
            let chosen = input.judgements.concerns[i];
            let own = input.judgements.reasons[i].trim();
            let reason = if own.is_empty() {
                proposal.reason.clone()
            } else {
                own.to_owned()
            };
            Judged {
                domain: proposal.domain,
                concern: chosen.or(proposal.concern).unwrap_or_default(),
                by_reviewer: chosen.is_some(),
                reason,
                proposal,
            }
        })
        .collect();
    let concerns: Vec<Concern> = domains.iter().map(|d| d.concern).collect();
    let certainty = super::certainty(&concerns);
    let fit = r.overall(h.model).map_err(|e| e.to_string())?;
    let absolute = absolute_effects(&fit.pooled, m, risk).map_err(|e| e.to_string());
    Ok(Row {
        outcome: input.outcome.to_owned(),
        participants: r.participants(),
        studies: h.k,
        relative: format!(
            "{} {} ({} to {})",
            abbreviation(m),
            format::effect(h.estimate),
            format::effect(h.ci_lower),
            format::effect(h.ci_upper)
        ),
        absolute,
        median_risk: input.control_risk.is_none(),
        domains,
        certainty,
        statement: statement(
            certainty,
            size(m, h.estimate, risk, &input.thresholds),
            input.intervention,
            input.outcome,
        ),
    })
}

/// A row's footnotes: the reason of each domain rated down, in order.
pub fn footnotes(row: &Row) -> Vec<String> {
    row.domains
        .iter()
        .filter(|d| d.concern != Concern::NotSerious)
        .map(|d| {
            format!(
                "{}: rated down {} ({}{}).",
                d.domain.label(),
                match d.concern {
                    Concern::VerySerious => "two levels",
                    _ => "one level",
                },
                d.reason,
                if d.by_reviewer {
                    ""
                } else {
                    "; proposed by Grove"
                }
            )
        })
        .collect()
}

/// The table as CSV (one row per outcome; footnotes joined), with a byte-order mark so
/// that spreadsheets read it as UTF-8.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "\u{feff}Outcome,Participants,Studies,Relative effect (95% CI),Risk with comparator per 1000,Risk with intervention per 1000 (95% CI),Difference per 1000 (95% CI),Certainty,Reasons,Statement\n",
    );
    let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for r in rows {
        let (assumed, with, diff) = absolute_texts(r);
        let cells = [
            field(&r.outcome),
            r.participants.to_string(),
            r.studies.to_string(),
            field(&r.relative),
            field(&assumed),
            field(&with),
            field(&diff),
            field(r.certainty.label()),
            field(&footnotes(r).join(" ")),
            field(&r.statement),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The absolute effects as written in the table: the assumed risk, the risk with the
/// intervention and the difference, per 1000, or why there are none.
pub fn absolute_texts(r: &Row) -> (String, String, String) {
    match &r.absolute {
        Ok(a) => {
            let per = |x: f64| format!("{}", x.round());
            let signed = |x: f64| {
                let v = x.round();
                if v > 0.0 {
                    format!("{v} more")
                } else if v < 0.0 {
                    format!("{} fewer", -v)
                } else {
                    "0 fewer".to_owned()
                }
            };
            (
                format!("{} per 1000", per(a.control_per_1000)),
                format!(
                    "{} per 1000 ({} to {})",
                    per(a.treated_per_1000.estimate),
                    per(a.treated_per_1000.lower),
                    per(a.treated_per_1000.upper)
                ),
                format!(
                    "{} per 1000 ({} to {})",
                    signed(a.difference_per_1000.estimate),
                    signed(a.difference_per_1000.lower),
                    signed(a.difference_per_1000.upper)
                ),
            )
        }
        Err(why) => (String::new(), why.clone(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::report::ReportOptions;

    fn report(text: &str) -> Report {
        Report::new(&parse(text).raw_rows(), &ReportOptions::default())
    }

    const TRIALS: &str = "A\t10\t100\t20\t100\nB\t15\t120\t30\t118\nC\t5\t60\t9\t61";

    /// The row input of "Death" under aspirin, with nothing typed or judged.
    fn unjudged<'a>(
        report: &'a Report,
        rob: &'a [Option<Assessment>],
        none: &'a Judgements,
    ) -> RowInput<'a> {
        RowInput {
            outcome: "Death",
            report,
            control_risk: None,
            rob,
            judgements: none,
            intervention: "Aspirin",
            thresholds: Thresholds::default(),
        }
    }

    #[test]
    fn a_row_takes_the_reviewers_judgements_over_the_proposals() {
        let r = report(TRIALS);
        let (rob, none) = (vec![None; 3], Judgements::default());
        let input = unjudged(&r, &rob, &none);
        let row = row(&input).expect("a row");
        assert_eq!(row.studies, 3);
        assert_eq!(row.participants, 559);
        assert!(row.relative.starts_with("RR 0."), "{}", row.relative);
        assert!(row.median_risk);
        // The median control risk: 20/100, 30/118, 9/61 → 0.2 per 1000 = 200.
        let (assumed, _, diff) = absolute_texts(&row);
        assert_eq!(assumed, "200 per 1000");
        assert!(diff.contains("fewer"), "{diff}");
        let proposed: Vec<Concern> = row.domains.iter().map(|d| d.concern).collect();
        assert!(row.domains.iter().all(|d| !d.by_reviewer));
        // Indirectness is never proposed: not serious until the reviewer says.
        assert_eq!(proposed[2], Concern::NotSerious);
        let mut mine = Judgements::default();
        mine.concerns[2] = Some(Concern::Serious);
        mine.reasons[2] = "Older adults only".to_owned();
        let judged = super::row(&RowInput {
            judgements: &mine,
            ..input
        })
        .expect("a row");
        assert!(judged.domains[2].by_reviewer);
        assert_eq!(
            judged.certainty as u8 + 1,
            row.certainty as u8,
            "one level down"
        );
        let notes = footnotes(&judged);
        assert!(
            notes.contains(&"Indirectness: rated down one level (Older adults only).".to_owned()),
            "{notes:?}"
        );
        let csv = csv(&[judged]);
        assert!(csv.starts_with("\u{feff}Outcome,"));
        assert!(csv.contains("\"Death\",559,3,\"RR 0."), "{csv}");
    }

    #[test]
    fn the_weight_at_high_risk_of_bias_is_the_evidence_of_risk_of_bias() {
        let r = report(TRIALS);
        let high = Assessment {
            overall: Some(Judgement::High),
            ..Assessment::default()
        };
        let low = Assessment {
            overall: Some(Judgement::Low),
            ..Assessment::default()
        };
        let e = evidence(&r, 0.2, &[Some(high), Some(high), Some(low)]).expect("evidence");
        let (h, c) = e.risk_of_bias_weight.expect("judged");
        assert!(h > 0.5 && (h - c).abs() < 1e-12, "{h} {c}");
        assert_eq!(
            evidence(&r, 0.2, &[None, None, None])
                .unwrap()
                .risk_of_bias_weight,
            None
        );
        let row = row(&RowInput {
            outcome: "Death",
            report: &r,
            control_risk: Some(0.1),
            rob: &[Some(high), Some(high), Some(low)],
            judgements: &Judgements::default(),
            intervention: "Aspirin",
            thresholds: Thresholds::default(),
        })
        .expect("a row");
        assert!(!row.median_risk);
        assert_eq!(
            row.domains[0].concern,
            Concern::Serious,
            "{:?}",
            row.domains[0]
        );
        assert!(footnotes(&row)[0].ends_with("; proposed by Grove)."));
    }

    #[test]
    fn the_reviewers_thresholds_judge_imprecision_and_the_statement() {
        let r = report(TRIALS);
        let (rob, none) = (vec![None; 3], Judgements::default());
        let input = unjudged(&r, &rob, &none);
        let imprecision = |t: Thresholds| {
            let row = row(&RowInput {
                thresholds: t,
                ..input
            })
            .expect("a row");
            (row.domains[3].proposal.reason.clone(), row.statement)
        };
        // RR 0.51 (0.34 to 0.77): beyond 0.75 at its upper limit.
        assert!(
            r.headline()
                .is_ok_and(|h| h.ci_upper > 0.75 && h.ci_upper < 0.9)
        );
        let (reason, statement) = imprecision(Thresholds::default());
        assert!(
            reason.contains("crosses a threshold of appreciable benefit or harm (RR 0.75 or 1.25)"),
            "{reason}"
        );
        assert!(
            reason.contains("(a relative risk reduction of 25%, α 0.05, power 80%)"),
            "{reason}"
        );
        assert_eq!(statement, "Aspirin probably reduces death.");
        // Benefit from a 10% reduction: the interval is all benefit, and the optimal
        // information size grows.
        let (reason, statement) = imprecision(Thresholds::new(0.9, 1.1).expect("valid"));
        assert!(!reason.contains("crosses"), "{reason}");
        assert!(
            reason.contains("a relative risk reduction of 10%"),
            "{reason}"
        );
        assert_eq!(statement, "Aspirin probably reduces death.");
        // Benefit only beyond RR 0.3: the interval lies between the thresholds, precise
        // about an effect that is not an appreciable one.
        let (_, statement) = imprecision(Thresholds::new(0.3, 2.0).expect("valid"));
        assert_eq!(
            statement,
            "Aspirin results in little to no difference in death."
        );
        assert_eq!(
            Thresholds::new(1.0, 1.25),
            Err(super::super::ThresholdError::Benefit)
        );
        assert_eq!(
            Thresholds::new(0.8, 1.0),
            Err(super::super::ThresholdError::Harm)
        );
        assert_eq!(
            Thresholds::new(f64::NAN, 1.25),
            Err(super::super::ThresholdError::Benefit)
        );
        assert_eq!(
            Thresholds::new(0.8, f64::INFINITY),
            Err(super::super::ThresholdError::Harm)
        );
    }
}
