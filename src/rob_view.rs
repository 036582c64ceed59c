//! The risk-of-bias panel as markup: each trial of the outcome shown with its RoB 2
//! judgements (D1 to D5 and overall) as selects, what was typed that is not a judgement
//! with why, the overall judgement the domains propose where none is chosen, and the
//! analysis restricted to the trials at low overall risk of bias beside the one of all
//! trials. Plain functions, tested natively; the page writes the markup whole when the
//! project changes and answers every select through one listener
//! ([`crate::ui::rob::RobPanel`]).

use crate::project::Project;
use grove_core::forest::escape;
use grove_core::report::Report;
use grove_core::rob::{self, Domain, Judgement};
use std::fmt::Write;

/// The select's `name` for row `row` and domain `domain` (0 to 5).
pub fn control_name(row: usize, domain: usize) -> String {
    format!("rob-{row}-{domain}")
}

/// The row and domain a select's `name` stands for.
pub fn from_name(name: &str) -> Option<(usize, usize)> {
    let (row, domain) = name.strip_prefix("rob-")?.split_once('-')?;
    let domain: usize = domain.parse().ok()?;
    (domain < Domain::ALL.len()).then_some((row.parse().ok()?, domain))
}

/// The value a select option stands for: the judgement's name, or empty.
fn option_value(j: Option<Judgement>) -> &'static str {
    j.map_or("", Judgement::label)
}

/// The panel's markup for the outcome shown.
pub fn markup(project: &Project) -> String {
    let o = project.active();
    let mut s = String::new();
    s.push_str(
        "<p class=\"hint\">RoB 2 judgements are kept for each study and shared by every \
         outcome it appears in. Choose them here, or paste them with the data as columns \
         headed D1 to D5 and Overall.</p>",
    );
    s.push_str(
        "<div class=\"table-scroll\"><table class=\"rob-table\" data-testid=\"rob-table\"><thead><tr><th scope=\"col\">Study</th>",
    );
    for d in Domain::ALL {
        let _ = write!(
            s,
            "<th scope=\"col\"><abbr title=\"{}\">{}</abbr></th>",
            escape(d.label()),
            d.short()
        );
    }
    s.push_str("</tr></thead><tbody>");
    let mut problems = Vec::new();
    for (i, row) in o.rows.iter().enumerate() {
        if row.study.trim().is_empty() {
            continue;
        }
        let label = grove_core::rob::study_key(&row.study, &row.year);
        let cells = project.judgements(row).unwrap_or_default();
        let (assessment, wrong) = rob::read(&cells);
        let _ = write!(s, "<tr><th scope=\"row\">{}</th>", escape(&label));
        for (d, domain) in Domain::ALL.iter().enumerate() {
            let judged = assessment.get(*domain);
            let typed = cells[d].trim();
            let refused = wrong.iter().any(|(x, _)| x == domain);
            let mark = judged.map_or_else(String::new, |j| format!(" data-rob=\"{}\"", j.code()));
            let _ = write!(
                s,
                "<td><select name=\"{}\"{mark} aria-label=\"{}, {}\">",
                control_name(i, d),
                escape(&label),
                escape(domain.label())
            );
            for j in [
                None,
                Some(Judgement::Low),
                Some(Judgement::SomeConcerns),
                Some(Judgement::High),
            ] {
                let selected = !refused && judged == j;
                let text = j.map_or_else(
                    || "\u{2013}".to_owned(),
                    |j| format!("{} {}", j.symbol(), j.label()),
                );
                let _ = write!(
                    s,
                    "<option value=\"{}\"{}>{}</option>",
                    option_value(j),
                    if selected { " selected" } else { "" },
                    text
                );
            }
            if refused {
                // What was typed stays, chosen, until the user picks a judgement.
                let _ = write!(
                    s,
                    "<option value=\"{0}\" selected>{0} (not read)</option>",
                    escape(typed)
                );
            }
            s.push_str("</select>");
            if *domain == Domain::Overall
                && judged.is_none()
                && !refused
                && let Some(p) = assessment.proposed_overall()
            {
                let _ = write!(
                    s,
                    " <span class=\"hint\">the domains propose {}</span>",
                    p.label()
                );
            }
            s.push_str("</td>");
        }
        s.push_str("</tr>");
        for (domain, why) in wrong {
            problems.push(format!(
                "Row {}, {}, {}: {why}.",
                i + 1,
                label,
                domain.short()
            ));
        }
    }
    s.push_str("</tbody></table></div>");
    if !problems.is_empty() {
        s.push_str("<ul class=\"problems\" data-testid=\"rob-problems\">");
        for p in problems {
            let _ = write!(s, "<li>{}</li>", escape(&p));
        }
        s.push_str("</ul>");
    }
    let _ = write!(
        s,
        "<p data-testid=\"rob-sensitivity\">{}</p>",
        escape(&low_risk_sensitivity(project))
    );
    s.push_str(&summary_svg(project));
    s
}

/// robvis's summary plot of the outcome shown: each domain's judgements weighted by the
/// trials' weights in its headline analysis.
pub fn summary_svg(project: &Project) -> String {
    let o = project.active();
    let report = Report::new(&o.rows, &o.options);
    let judged = project.assessments();
    let model = o.options.models.primary();
    let (assessments, weights): (Vec<_>, Vec<_>) = (0..report.studies.len())
        .filter_map(|s| {
            let w = report.study_weight(s, model)?;
            let a = judged.get(report.row_of_study[s]).copied().flatten();
            Some((a.unwrap_or_default(), w))
        })
        .unzip();
    let shares = rob::summary(&assessments, &weights);
    grove_core::plot::robvis::summary_plot(&shares, 12.0).to_svg()
}

/// The analysis restricted to the trials judged at low overall risk of bias, beside the
/// analysis of all trials, in words; or why there is none.
pub fn low_risk_sensitivity(project: &Project) -> String {
    let o = project.active();
    let assessments = project.assessments();
    let assessed = assessments
        .iter()
        .zip(&o.rows)
        .filter(|(a, r)| !r.is_blank() && a.is_some_and(|a| a.overall.is_some()))
        .count();
    if assessed == 0 {
        return "Once trials have an overall judgement, the analysis restricted to those at \
                low risk of bias is shown here."
            .to_owned();
    }
    let low: Vec<_> = o
        .rows
        .iter()
        .zip(&assessments)
        .filter(|(_, a)| a.is_some_and(|a| a.overall == Some(Judgement::Low)))
        .map(|(r, _)| r.clone())
        .collect();
    let all = Report::new(&o.rows, &o.options);
    let all_text = all
        .sentence()
        .unwrap_or_else(|why| format!("no pooled result ({why})"));
    if low.is_empty() {
        return format!(
            "No trial is at low overall risk of bias, so no analysis can be restricted to \
             them. All trials: {all_text}."
        );
    }
    let restricted = Report::new(&low, &o.options);
    let low_text = restricted
        .sentence()
        .unwrap_or_else(|why| format!("no pooled result ({why})"));
    format!(
        "Sensitivity analysis, trials at low overall risk of bias only: {low_text}. All \
         trials: {all_text}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::PasteMode;
    use grove_core::parse::Column;

    const PASTED: &str = "Study\tYear\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
        Aronson\t1948\t4\t123\t11\t139\tLow\tLow\tLow\tLow\tLow\tLow\n\
        Ferguson\t1949\t6\t306\t29\t303\t+\t?\t-\tunclear\t\t\n\
        Rosenthal\t1960\t3\t231\t11\t220\tLow\tLow\tLow\tLow\tLow\tLow\n\
        Hart\t1977\t62\t13598\t248\t12867\tHigh\tLow\tLow\tLow\tLow\tHigh\n";

    fn project() -> Project {
        let mut p = Project::default();
        p.paste(&[], PASTED, PasteMode::Replace);
        p
    }

    #[test]
    fn pasted_judgements_are_kept_per_study_and_shown() {
        let p = project();
        assert_eq!(p.rob.len(), 4);
        let html = markup(&p);
        assert!(html.contains("name=\"rob-0-0\" data-rob=\"low\""), "{html}");
        assert!(html.contains("<option value=\"unclear\" selected>unclear (not read)</option>"));
        assert!(html.contains("Row 2, Ferguson (1949), D4: \u{201c}unclear\u{201d} is a judgement of the older RoB 1 tool"));
        // Ferguson's domains hold a High, so they propose High overall.
        assert!(html.contains("the domains propose High"));
        assert_eq!(from_name(&control_name(3, 5)), Some((3, 5)));
        assert_eq!(from_name("rob-1-6"), None);
    }

    #[test]
    fn the_low_risk_analysis_pools_only_trials_at_low_overall_risk() {
        let p = project();
        let text = low_risk_sensitivity(&p);
        assert!(
            text.starts_with("Sensitivity analysis, trials at low overall risk of bias only: RR"),
            "{text}"
        );
        assert!(
            text.contains("2 trials")
                && text.contains("All trials: RR")
                && text.contains("4 trials"),
            "{text}"
        );
        let mut none = p.clone();
        for row in 0..4 {
            none.set_judgement(row, 5, "High".to_owned());
        }
        assert!(low_risk_sensitivity(&none).starts_with("No trial is at low overall risk"));
        assert!(low_risk_sensitivity(&Project::default()).starts_with("Once trials have"));
    }

    #[test]
    fn a_judgement_is_shared_by_every_outcome_of_the_study() {
        let mut p = project();
        p.add_outcome();
        p.paste(&[], "Aronson\t1948\t1\t50\t2\t50", PasteMode::Replace);
        let a = p.assessments();
        assert_eq!(
            a[0].and_then(|a| a.overall),
            Some(Judgement::Low),
            "{:?}",
            p.active().rows
        );
        p.set_judgement(0, 5, "Some concerns".to_owned());
        p.select(0);
        assert_eq!(
            p.assessments()[0].and_then(|a| a.overall),
            Some(Judgement::SomeConcerns)
        );
        // Forgotten once nothing is judged; files keep the judgements and old files open.
        let back = Project::from_json(&p.to_json()).expect("reads");
        assert_eq!(back.rob, p.rob);
        for d in 0..6 {
            p.set_judgement(0, d, String::new());
        }
        assert_eq!(p.rob.get("Aronson (1948)"), None);
        let old = Project::default().to_json();
        assert!(
            !old.contains("\"rob\""),
            "written only when there are judgements"
        );
    }

    #[test]
    fn a_renamed_study_takes_its_judgements_unless_another_row_is_that_study() {
        let mut p = project();
        let first = p.active().rows[0].clone();
        let key = grove_core::rob::study_key(&first.study, &first.year);
        let cells = p.rob.get(&key).expect("judged");
        // Typed letter by letter: the judgements follow each step.
        p.set_cell(0, Column::Study, "Aronso".to_owned());
        p.set_cell(0, Column::Study, "Aronson J".to_owned());
        assert_eq!(p.rob.get(&key), None);
        assert_eq!(
            p.rob.get(&format!("Aronson J ({})", first.year)),
            Some(cells.clone())
        );
        p.set_cell(0, Column::Year, "1949".to_owned());
        assert_eq!(p.rob.get("Aronson J (1949)"), Some(cells.clone()));
        // Cleared: kept under the last name, not lost, and not given to another row
        // without a name.
        p.set_cell(0, Column::Study, String::new());
        assert_eq!(p.rob.get("Aronson J (1949)"), Some(cells.clone()));
        let blank = p.active().rows.len();
        p.active_mut().add_row();
        p.set_cell(blank, Column::Study, "New trial".to_owned());
        assert_eq!(p.rob.get("New trial"), None);
        // The name typed next into the cleared row takes them along.
        p.set_cell(0, Column::Study, "A".to_owned());
        p.set_cell(0, Column::Study, "Arnold".to_owned());
        assert_eq!(p.rob.get("Aronson J (1949)"), None);
        assert_eq!(p.rob.get("Arnold (1949)"), Some(cells.clone()));
        // Cleared, then another cell of the row edited: the row is not the one that
        // was left, so a name typed later takes nothing.
        p.set_cell(0, Column::Study, String::new());
        p.set_cell(0, Column::ExperimentalEvents, "5".to_owned());
        p.set_cell(0, Column::Study, "Other".to_owned());
        assert_eq!(p.rob.get("Other (1949)"), None);
        assert_eq!(p.rob.get("Arnold (1949)"), Some(cells.clone()));
        // The same study in another outcome keeps them where they are.
        let mut q = project();
        q.add_outcome();
        q.paste(
            &[],
            &format!("{}\t{}\t1\t50\t2\t50", first.study, first.year),
            PasteMode::Replace,
        );
        q.set_cell(0, Column::Study, "Someone else".to_owned());
        assert_eq!(q.rob.get(&key), Some(cells));
        assert_eq!(q.rob.get(&format!("Someone else ({})", first.year)), None);
    }
}
