//! The GRADE summary of findings as markup, one row per outcome of the project
//! ([`grove_core::grade::sof`]), laid out as Cochrane reviews print it; under it, each
//! outcome's five judgements, each a select that shows Grove's proposal and its reason
//! until the reviewer chooses, with a field for their own reason; and the table's
//! exports (CSV, an HTML file that Word opens and pastes with its formatting, and the
//! table as an image, SVG and PNG: [`grove_core::plot::sof`]). Made
//! in the worker; the page answers the selects and fields through one listener.

use crate::project::Project;
use grove_core::forest::escape;
use grove_core::grade::sof::{self, Row, absolute_texts, footnotes};
use grove_core::grade::{Concern, Domain};
use std::fmt::Write;

/// A control of the view, as its `name` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The select of an outcome's domain (outcome, domain).
    Concern(usize, usize),
    /// The reason field of an outcome's domain (outcome, domain).
    Reason(usize, usize),
    /// An outcome's threshold of appreciable benefit (0) or harm (1).
    Threshold(usize, usize),
    /// An outcome's assumed risk with the comparator, per 1000 (the second number is
    /// always 0).
    Risk(usize, usize),
}

impl Control {
    /// The control's `name`.
    pub fn name(self) -> String {
        match self {
            Control::Concern(o, d) => format!("grade-{o}-{d}"),
            Control::Reason(o, d) => format!("gradereason-{o}-{d}"),
            Control::Threshold(o, w) => format!("gradelimit-{o}-{w}"),
            Control::Risk(o, _) => format!("graderisk-{o}-0"),
        }
    }

    /// What a control's `name` stands for.
    pub fn from_name(name: &str) -> Option<Control> {
        let (prefix, rest) = name.split_once('-')?;
        let (o, d) = rest.split_once('-')?;
        let (o, d): (usize, usize) = (o.parse().ok()?, d.parse().ok()?);
        match prefix {
            "grade" if d < Domain::ALL.len() => Some(Control::Concern(o, d)),
            "gradereason" if d < Domain::ALL.len() => Some(Control::Reason(o, d)),
            "gradelimit" if d < 2 => Some(Control::Threshold(o, d)),
            "graderisk" if d == 0 => Some(Control::Risk(o, 0)),
            _ => None,
        }
    }
}

/// The concern a select's value stands for (empty: Grove's proposal).
pub fn concern_of(value: &str) -> Option<Concern> {
    [Concern::NotSerious, Concern::Serious, Concern::VerySerious]
        .into_iter()
        .find(|c| c.label() == value)
}

/// Every outcome's row, or its name and why it has none.
pub fn rows(project: &Project) -> Vec<Result<Row, (String, String)>> {
    (0..project.outcomes.len())
        .map(|i| {
            project
                .summary_row(i)
                .map_err(|why| (project.outcomes[i].name.clone(), why))
        })
        .collect()
}

/// The table alone, with inline styles so that it keeps its look when pasted into a
/// word processor: what the page shows and the HTML file holds.
pub fn table(rows: &[Result<Row, (String, String)>]) -> String {
    const CELL: &str =
        "border:1px solid #808080;padding:4px 6px;vertical-align:top;text-align:left";
    let mut s = format!(
        r#"<table data-testid="sof-table" style="border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:10pt"><caption style="text-align:left;font-weight:bold;padding:4px 0">Summary of findings</caption><thead><tr><th rowspan="2" style="{CELL}">Outcome</th><th rowspan="2" style="{CELL}">№ of participants (studies)</th><th rowspan="2" style="{CELL}">Relative effect (95% CI)</th><th colspan="3" style="{CELL}">Anticipated absolute effects (95% CI)</th><th rowspan="2" style="{CELL}">Certainty of the evidence (GRADE)</th><th rowspan="2" style="{CELL}">What happens</th></tr><tr><th style="{CELL}">Risk with comparator</th><th style="{CELL}">Risk with intervention</th><th style="{CELL}">Risk difference</th></tr></thead><tbody>"#
    );
    let mut notes: Vec<String> = Vec::new();
    for r in rows {
        match r {
            Ok(r) => {
                let marks: Vec<String> = footnotes(r)
                    .into_iter()
                    .map(|n| {
                        notes.push(n);
                        grove_core::plot::sof::mark(notes.len() - 1)
                    })
                    .collect();
                let (assumed, with, diff) = absolute_texts(r);
                let assumed = if r.median_risk && !assumed.is_empty() {
                    format!("{assumed} (the trials' median)")
                } else {
                    assumed
                };
                let _ = write!(
                    s,
                    r#"<tr data-testid="sof-row"><td style="{CELL}">{}</td><td style="{CELL}">{} ({} RCT{})</td><td style="{CELL}">{}</td><td style="{CELL}">{}</td><td style="{CELL}">{}</td><td style="{CELL}">{}</td><td style="{CELL}" data-testid="sof-certainty">{} {}<sup>{}</sup></td><td style="{CELL}">{}</td></tr>"#,
                    escape(&r.outcome),
                    grove_core::format::count(r.participants),
                    r.studies,
                    if r.studies == 1 { "" } else { "s" },
                    escape(&r.relative),
                    escape(&assumed),
                    escape(&with),
                    escape(&diff),
                    r.certainty.symbols(),
                    r.certainty.label(),
                    marks.join(","),
                    escape(&r.statement),
                );
            }
            Err((name, why)) => {
                let _ = write!(
                    s,
                    r#"<tr data-testid="sof-row"><td style="{CELL}">{}</td><td colspan="7" style="{CELL}">No pooled result: {}.</td></tr>"#,
                    escape(name),
                    escape(why)
                );
            }
        }
    }
    s.push_str("</tbody></table>");
    if !notes.is_empty() {
        s.push_str(r#"<ol type="a" data-testid="sof-footnotes" style="font-family:Arial,Helvetica,sans-serif;font-size:9pt">"#);
        for n in notes {
            let _ = write!(s, "<li>{}</li>", escape(&n));
        }
        s.push_str("</ol>");
    }
    s.push_str(r#"<p style="font-family:Arial,Helvetica,sans-serif;font-size:9pt">GRADE: high certainty, the true effect lies close to the estimate; moderate, it is likely to be close to the estimate but may be substantially different; low, it may be substantially different; very low, it is likely to be substantially different. The risk with the intervention (and its 95% CI) is based on the assumed risk with the comparator and the relative effect of the intervention.</p>"#);
    s
}

/// The HTML file of the table: Word opens it, and pastes it, with its formatting.
pub fn html_document(rows: &[Result<Row, (String, String)>]) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Summary of findings</title></head><body>{}</body></html>",
        table(rows)
    )
}

/// The view: the table, its exports, and each outcome's judgements.
pub fn markup(project: &Project) -> String {
    let rows = rows(project);
    let mut s = format!(r#"<div class="table-scroll">{}</div>"#, table(&rows));
    let ok: Vec<Row> = rows
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    let _ = write!(
        s,
        r#"<div class="exports" role="group" aria-label="Export the summary of findings"><a class="button" data-testid="sof-html" download="summary-of-findings.html" href="{}">HTML (for Word)</a><a class="button" data-testid="sof-csv" download="summary-of-findings.csv" href="{}">CSV</a><button type="button" data-action="view-svg" data-testid="view-export-svg">SVG</button><button type="button" data-action="view-png" data-testid="view-export-png">PNG (300 dpi)</button></div><details data-testid="sof-image"><summary>The table as an image (the SVG and PNG)</summary><div class="table-scroll">{}</div></details>"#,
        escape(&crate::browser::data_url(
            "text/html",
            &html_document(&rows)
        )),
        escape(&crate::browser::data_url("text/csv", &sof::csv(&ok))),
        grove_core::plot::sof::summary_table(&rows, 12.0).to_svg(),
    );
    s.push_str(
        "<h4>Judgements</h4><p class=\"hint\">Each domain shows Grove's proposal from the data and why; \
         choose your own judgement to replace it, with your reason for the footnote.</p>",
    );
    for (i, r) in rows.iter().enumerate() {
        let Ok(r) = r else { continue };
        let _ = write!(
            s,
            r#"<fieldset class="grade" data-testid="grade-outcome"><legend>{}</legend>"#,
            escape(&r.outcome)
        );
        let outcome = &project.outcomes[i];
        let typed = |w: usize| outcome.thresholds.get(w).map_or("", String::as_str);
        let (note, invalid) = match outcome.typed_thresholds() {
            Ok(_) => (
                "Imprecision and the statement are judged by these relative risks; an empty field keeps GRADE's default (a relative risk reduction or increase of 25%). The threshold of benefit also sets the optimal information size.".to_owned(),
                false,
            ),
            Err(why) => (why, true),
        };
        let (risk_note, risk_invalid) = match crate::project::control_risk(&outcome.control_risk) {
            Ok(_) => (
                "The risk with the comparator of the absolute effects; empty for the trials' median. Also set under \u{201c}What it means\u{201d}.".to_owned(),
                false,
            ),
            Err(why) => (why, true),
        };
        let _ = write!(
            s,
            r#"<div class="grade-thresholds"><label>Assumed risk with the comparator, per 1000 <input type="text" inputmode="decimal" size="5" name="{}" value="{}" aria-invalid="{risk_invalid}" aria-describedby="graderisk-{i}"></label><p class="hint" id="graderisk-{i}" data-testid="grade-risk-note">{}</p></div>"#,
            Control::Risk(i, 0).name(),
            escape(&outcome.control_risk),
            escape(&risk_note)
        );
        let _ = write!(
            s,
            r#"<div class="grade-thresholds"><label>Appreciable benefit: RR at or below <input type="text" inputmode="decimal" size="5" name="{}" value="{}" placeholder="0.75" aria-invalid="{invalid}" aria-describedby="gradelimit-{i}"></label> <label>appreciable harm: RR at or above <input type="text" inputmode="decimal" size="5" name="{}" value="{}" placeholder="1.25" aria-invalid="{invalid}" aria-describedby="gradelimit-{i}"></label><p class="hint" id="gradelimit-{i}" data-testid="grade-thresholds-note">{}</p></div>"#,
            Control::Threshold(i, 0).name(),
            escape(typed(0)),
            Control::Threshold(i, 1).name(),
            escape(typed(1)),
            escape(&note)
        );
        for (d, j) in r.domains.iter().enumerate() {
            let proposal = match j.proposal.concern {
                Some(c) => format!("Grove proposes: {}", c.label()),
                None => "Grove proposes nothing: not serious until you judge".to_owned(),
            };
            let _ = write!(
                s,
                r#"<div class="grade-domain"><label>{} <select name="{}">"#,
                j.domain.label(),
                Control::Concern(i, d).name()
            );
            let _ = write!(
                s,
                r#"<option value=""{}>{}</option>"#,
                if j.by_reviewer { "" } else { " selected" },
                escape(&proposal)
            );
            for c in [Concern::NotSerious, Concern::Serious, Concern::VerySerious] {
                let _ = write!(
                    s,
                    r#"<option value="{0}"{1}>{0}</option>"#,
                    c.label(),
                    if j.by_reviewer && j.concern == c {
                        " selected"
                    } else {
                        ""
                    }
                );
            }
            let own = outcome.grade_reasons.get(d).map_or("", String::as_str);
            let _ = write!(
                s,
                r#"</select></label> <span class="hint">{}</span> <label>Your reason <input type="text" name="{}" value="{}"></label></div>"#,
                escape(&j.proposal.reason),
                Control::Reason(i, d).name(),
                escape(own)
            );
        }
        s.push_str("</fieldset>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Example;

    fn project() -> Project {
        let mut p = Project::default();
        p.outcomes.push(Example::ZeroCells.outcome());
        p.outcomes.push(Example::Subgroups.outcome());
        p
    }

    #[test]
    fn a_row_per_outcome_with_certainty_footnotes_and_exports() {
        let p = project();
        let html = markup(&p);
        assert_eq!(html.matches(r#"data-testid="sof-row""#).count(), 3);
        assert_eq!(html.matches(r#"data-testid="grade-outcome""#).count(), 3);
        assert!(
            html.contains("(13 RCTs)") && html.contains("RR 0.49 (0.34 to 0.70)"),
            "{html}"
        );
        assert!(html.contains("Grove proposes: Serious"), "BCG's I² of 92%");
        assert!(html.contains("summary-of-findings.csv") && html.contains("data:text/csv"));
        assert!(!html.contains("NaN"));
        for c in [
            Control::Concern(2, 4),
            Control::Reason(0, 1),
            Control::Threshold(1, 1),
            Control::Risk(2, 0),
        ] {
            assert_eq!(Control::from_name(&c.name()), Some(c));
        }
        assert_eq!(Control::from_name("grade-0-5"), None);
        assert_eq!(Control::from_name("gradelimit-0-2"), None);
        assert_eq!(Control::from_name("graderisk-0-1"), None);
        assert_eq!(Control::from_name("rob-0-1"), None);
        assert_eq!(concern_of("Very serious"), Some(Concern::VerySerious));
        assert_eq!(concern_of(""), None);
    }

    #[test]
    fn the_reviewers_judgement_changes_the_certainty_and_its_footnote() {
        let mut p = project();
        let before = p.summary_row(0).expect("a row").certainty;
        p.set_grade(0, 2, Some(Concern::VerySerious));
        p.set_grade_reason(0, 2, "Adolescents only".to_owned());
        let after = p.summary_row(0).expect("a row");
        assert!(
            after.certainty < before || after.certainty == grove_core::grade::Certainty::VeryLow
        );
        let html = markup(&p);
        assert!(
            html.contains("Indirectness: rated down two levels (Adolescents only)."),
            "{html}"
        );
        assert!(html.contains(r#"value="Adolescents only""#));
        assert_eq!(p.outcomes[0].grade, "--V--");
        let back = Project::from_json(&p.to_json()).expect("reads");
        assert_eq!(
            back.outcomes[0].grade_judgements(),
            p.outcomes[0].grade_judgements(),
            "kept in the file"
        );
        assert!(p.paragraph().contains("-certainty evidence"));
    }

    #[test]
    fn typed_thresholds_judge_imprecision_and_a_bad_one_says_why_and_keeps_the_text() {
        let mut p = project();
        let imprecision = |p: &Project| {
            p.summary_row(0).expect("a row").domains[3]
                .proposal
                .reason
                .clone()
        };
        assert!(imprecision(&p).contains("relative risk reduction of 25%"));
        p.set_threshold(0, 0, "0,5".to_owned());
        assert_eq!(p.outcomes[0].thresholds, ["0,5", ""]);
        assert!(
            imprecision(&p).contains("relative risk reduction of 50%"),
            "{}",
            imprecision(&p)
        );
        let html = markup(&p);
        assert!(
            html.contains(r#"name="gradelimit-0-0" value="0,5""#),
            "{html}"
        );
        assert!(html.contains(r#"aria-invalid="false""#));
        let back = Project::from_json(&p.to_json()).expect("reads");
        assert_eq!(
            back.outcomes[0].thresholds, p.outcomes[0].thresholds,
            "kept in the file"
        );
        p.set_threshold(0, 1, "0.9".to_owned());
        let why = p.outcomes[0].typed_thresholds().expect_err("harm below 1");
        assert_eq!(
            why,
            "Not used: the threshold of appreciable harm must be a relative risk above 1; the defaults, RR 0.75 and 1.25, are used."
        );
        assert!(
            imprecision(&p).contains("relative risk reduction of 25%"),
            "the defaults"
        );
        let html = markup(&p);
        assert!(
            html.contains(r#"aria-invalid="true""#)
                && html.contains("must be a relative risk above 1")
        );
        assert!(html.contains(r#"value="0.9""#), "what was typed is kept");
        p.set_threshold(0, 1, "lots".to_owned());
        assert!(
            p.outcomes[0]
                .typed_thresholds()
                .expect_err("not a number")
                .starts_with(
                    "\u{201c}lots\u{201d}, the threshold of appreciable harm, is not a number"
                )
        );
        p.set_threshold(0, 0, " ".to_owned());
        p.set_threshold(0, 1, String::new());
        assert!(
            p.outcomes[0].thresholds.is_empty(),
            "nothing typed: nothing stored"
        );
    }

    #[test]
    fn the_assumed_risk_typed_in_the_view_sets_the_absolute_effects() {
        let mut p = project();
        let html = markup(&p);
        assert!(html.contains(r#"name="graderisk-0-0" value="""#), "{html}");
        assert!(
            html.contains("median)"),
            "the trials' median until a risk is typed"
        );
        p.outcomes[0].control_risk = "100".to_owned();
        let row = p.summary_row(0).expect("a row");
        assert!(!row.median_risk);
        assert_eq!(absolute_texts(&row).0, "100 per 1000");
        p.outcomes[0].control_risk = "2000".to_owned();
        let html = markup(&p);
        assert!(html.contains(r#"value="2000""#), "what was typed is kept");
        assert!(
            html.contains("is not a risk per 1000 between 0 and 1000"),
            "{html}"
        );
    }
}
