use super::*;
use crate::parse;

fn bcg_rows() -> Vec<RawRow> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/bcg.json"
    ))
    .expect("reference file");
    let file: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut tsv = String::new();
    for s in file["studies"].as_array().expect("studies") {
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            s["study"].as_str().unwrap_or(""),
            s["e1"],
            s["n1"],
            s["e2"],
            s["n2"],
            s["year"],
            s["subgroup"].as_str().unwrap_or("")
        ));
    }
    parse::parse(&tsv).raw_rows()
}

fn reference_pooled(id: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/bcg.json"
    ))
    .expect("reference file");
    let file: serde_json::Value = serde_json::from_str(&text).expect("json");
    file["analyses"]
        .as_array()
        .expect("analyses")
        .iter()
        .find(|a| a["id"] == id)
        .map(|a| a["pooled"].clone())
        .expect("analysis in file")
}

fn without_subgroups(mut rows: Vec<RawRow>) -> Vec<RawRow> {
    for r in &mut rows {
        r.subgroup.clear();
    }
    rows
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1e-3)
}

#[test]
fn headline_is_on_the_natural_scale_and_matches_metafor() {
    let report = Report::new(&without_subgroups(bcg_rows()), &ReportOptions::default());
    let h = report.headline().expect("pooled");
    let r = reference_pooled("RR/IV/random/REML/z");
    assert_eq!(h.model, Model::Random);
    assert!(close(
        h.estimate,
        r["estimate"].as_f64().unwrap_or(f64::NAN).exp()
    ));
    assert!(close(
        h.ci_lower,
        r["ci_lower"].as_f64().unwrap_or(f64::NAN).exp()
    ));
    assert!(close(
        h.ci_upper,
        r["ci_upper"].as_f64().unwrap_or(f64::NAN).exp()
    ));
    assert!(close(h.i2, r["I2"].as_f64().unwrap_or(f64::NAN)));
    assert!(close(h.tau2, r["tau2"].as_f64().unwrap_or(f64::NAN)));
    assert_eq!(h.k, 13);
}

#[test]
fn the_abstract_sentence() {
    let report = Report::new(&without_subgroups(bcg_rows()), &ReportOptions::default());
    assert_eq!(
        report.sentence().expect("sentence"),
        "RR 0.49 (95% CI 0.34 to 0.70; 13 trials, 357,347 participants; I² = 92%)"
    );
    let one = Report::new(
        &bcg_rows()[..1],
        &ReportOptions {
            models: ModelView::Common,
            ..ReportOptions::default()
        },
    );
    assert_eq!(
        one.sentence().expect("sentence"),
        "RR 0.41 (95% CI 0.13 to 1.26; 1 trial, 262 participants)"
    );
}

#[test]
fn bad_rows_are_left_out_and_named_blank_rows_ignored() {
    let mut rows = without_subgroups(bcg_rows());
    rows[2].e1 = "abc".to_owned();
    rows[4].n2 = "-3".to_owned();
    rows.push(RawRow::default());
    let report = Report::new(&rows, &ReportOptions::default());
    assert_eq!(report.studies.len(), 11);
    assert!(report.row_has_problems(2) && report.row_has_problems(4));
    assert!(!report.row_has_problems(13));
    assert!(report.cell_problem(2, Column::ExperimentalEvents).is_some());
    assert!(report.cell_problem(2, Column::Study).is_none());
    assert_eq!(report.diagnostics().count(), 2);
    let rows_out: Vec<usize> = report.exclusions().iter().map(|e| e.row).collect();
    assert_eq!(rows_out, [3, 5]);
    assert_eq!(report.row_of_study[2], 3, "study 3 is table row 4");
}

#[test]
fn undefined_results_carry_reasons() {
    let report = Report::new(&[], &ReportOptions::default());
    assert!(report.headline().is_err());
    assert!(report.sentence().is_err());
    let spec = report.forest();
    assert!(spec.sections[0].pooled[0].effect.is_err());
    assert!(spec.description.contains("No pooled estimate"));
    let svg = crate::forest::layout(&spec, &Default::default()).to_svg();
    assert!(!svg.contains("NaN"));
}

#[test]
fn double_zero_studies_are_shown_as_not_estimable() {
    let rows = parse::parse("A\t0\t10\t0\t12\nB\t3\t10\t6\t12\nC\t2\t20\t5\t20").raw_rows();
    let report = Report::new(&rows, &ReportOptions::default());
    let ex = report.exclusions();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].row, 1);
    assert!(ex[0].reason.starts_with("not estimable"));
    let spec = report.forest();
    assert_eq!(
        spec.sections[0].studies[0].effect,
        Err("Not estimable".to_owned())
    );
    assert_eq!(report.headline().expect("pooled").k, 2);
}

#[test]
fn subgroups_make_sections_with_subtotals_and_a_test() {
    let report = Report::new(&bcg_rows(), &ReportOptions::default());
    let spec = report.forest();
    let names: Vec<_> = spec
        .sections
        .iter()
        .filter_map(|s| s.heading.clone())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(
        spec.sections
            .iter()
            .all(|s| s.pooled[0].label == "Subtotal (95% CI)")
    );
    assert_eq!(spec.overall[0].label, "Total (95% CI)");
    assert_eq!(
        spec.overall_events,
        Some([1065, 1510]),
        "events over all subgroups"
    );
    assert!(
        spec.footer
            .iter()
            .any(|l| l.text.starts_with("Test for subgroup differences: Chi² = "))
    );
    let shown: usize = spec.sections.iter().map(|s| s.studies.len()).sum();
    assert_eq!(shown, 13);
}

#[test]
fn both_models_give_two_weight_columns_and_two_diamonds() {
    let options = ReportOptions {
        models: ModelView::Both,
        ..ReportOptions::default()
    };
    let spec = Report::new(&without_subgroups(bcg_rows()), &options).forest();
    assert_eq!(spec.weight_headers.len(), 2);
    assert_eq!(spec.sections[0].pooled.len(), 2);
    let total: f64 = spec.sections[0]
        .studies
        .iter()
        .filter_map(|s| s.weights[0])
        .sum();
    assert!((total - 100.0).abs() < 1e-9);
    assert!(spec.prediction.is_some());
    let common = ReportOptions {
        models: ModelView::Common,
        ..ReportOptions::default()
    };
    assert!(
        Report::new(&bcg_rows(), &common)
            .forest()
            .prediction
            .is_none()
    );
}

#[test]
fn csv_holds_every_study_and_cannot_smuggle_formulas() {
    let mut rows = without_subgroups(bcg_rows());
    rows[0].study = "=HYPERLINK(\"x\")".to_owned();
    rows[1].study = "Smith, J".to_owned();
    let csv = Report::new(&rows, &ReportOptions::default()).csv();
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""));
    assert!(csv.contains("\"Smith, J\""));
    let studies = csv.lines().skip(1).take_while(|l| !l.is_empty()).count();
    assert_eq!(studies, 13, "one line per study");
    assert!(csv.contains("\nRandom effects,"));
    assert!(!csv.contains("NaN"));
}

#[test]
fn method_labels_follow_revman() {
    let mut options = ReportOptions::default();
    options.settings.method = Method::MantelHaenszel;
    let report = Report::new(&bcg_rows()[..3], &options);
    assert_eq!(report.method_label(), "M-H, Random (REML), 95% CI");
    options.settings.tau2 = crate::settings::Tau2Estimator::DerSimonianLaird;
    let report = Report::new(&bcg_rows()[..3], &options);
    assert_eq!(report.method_label(), "M-H, Random, 95% CI");
}

/// The I² after "I² = " in a text, as shown.
fn shown_i2(text: &str) -> &str {
    let start = text.find("I² = ").expect("an I²") + "I² = ".len();
    let rest = &text[start..];
    &rest[..rest.find('%').expect("a percentage")]
}

#[test]
fn footer_and_sentence_show_the_same_i2_for_every_estimator_and_model() {
    for tau2 in crate::settings::Tau2Estimator::ALL {
        for models in [ModelView::Common, ModelView::Random, ModelView::Both] {
            let options = ReportOptions {
                settings: Settings {
                    tau2,
                    ..Settings::default()
                },
                models,
                ..ReportOptions::default()
            };
            let report = Report::new(&without_subgroups(bcg_rows()), &options);
            let h = report.headline().expect("pooled");
            let footer = footer_text(&report);
            let sentence = report.sentence().expect("sentence");
            let expected = format::whole_percent(h.i2);
            let expected = expected.trim_end_matches('%');
            assert_eq!(shown_i2(&footer), expected, "{tau2:?} {models:?}: {footer}");
            assert_eq!(
                shown_i2(&sentence),
                expected,
                "{tau2:?} {models:?}: {sentence}"
            );
        }
    }
}

#[test]
fn the_header_names_the_estimator_unless_it_is_dersimonian_laird() {
    let label = |tau2, models| {
        let options = ReportOptions {
            settings: Settings {
                tau2,
                ..Settings::default()
            },
            models,
            ..ReportOptions::default()
        };
        Report::new(&bcg_rows(), &options).method_label()
    };
    use crate::settings::Tau2Estimator::*;
    assert_eq!(
        label(RestrictedMaximumLikelihood, ModelView::Random),
        "IV, Random (REML), 95% CI"
    );
    assert_eq!(
        label(DerSimonianLaird, ModelView::Random),
        "IV, Random, 95% CI"
    );
    assert_eq!(label(PauleMandel, ModelView::Common), "IV, Common, 95% CI");
}

#[test]
fn revman_mode_writes_p_values_as_revman_does_throughout_the_plot() {
    let options = ReportOptions {
        settings: Settings {
            convention: Convention::RevMan5,
            tau2: crate::settings::Tau2Estimator::DerSimonianLaird,
            ..Settings::default()
        },
        ..ReportOptions::default()
    };
    let report = Report::new(&bcg_rows(), &options);
    let footer = footer_text(&report);
    for p in footer.split("(P ").skip(1) {
        let p = &p[..p.find(')').expect("closing parenthesis")];
        let ok = p == "< 0.00001"
            || p.strip_prefix("= ").is_some_and(|v| {
                let decimals = v.split('.').nth(1).map_or(0, str::len);
                let x: f64 = v.parse().expect("a number");
                // Two decimals, or just enough for the first significant digit.
                (x >= 0.01 && decimals == 2)
                    || (x < 0.01 && v.trim_end_matches('0').len() == v.len())
            });
        assert!(ok, "P {p} in {footer}");
    }
    assert!(footer.contains("P < 0.00001"), "{footer}");
}

fn two_subgroups() -> Vec<RawRow> {
    parse::parse(
        "Study\te1\tn1\te2\tn2\tSubgroup\n\
         A\t4\t50\t9\t50\tLow dose\nB\t6\t80\t12\t75\tLow dose\n\
         C\t10\t60\t11\t62\tHigh dose\nD\t3\t40\t8\t41\tHigh dose\nE\t7\t90\t9\t88\tHigh dose\n",
    )
    .raw_rows()
}

#[test]
fn subtotals_only_shows_no_overall_result_and_weights_within_subgroups() {
    let options = ReportOptions {
        totals: Totals::SubtotalsOnly,
        ..ReportOptions::default()
    };
    let report = Report::new(&two_subgroups(), &options);
    assert_eq!(report.headline(), Err(Undefined::NotShown));
    assert!(report.sentence().is_err());
    let spec = report.forest();
    assert!(spec.overall.is_empty() && spec.overall_events.is_none());
    assert!(spec.prediction.is_none());
    assert_eq!(spec.footer.len(), 1, "{:?}", spec.footer);
    assert!(
        spec.footer[0]
            .text
            .starts_with("Test for subgroup differences")
    );
    for section in &spec.sections {
        let sum: f64 = section.studies.iter().filter_map(|s| s.weights[0]).sum();
        assert!((sum - 100.0).abs() < 1e-9, "{sum}");
        assert_eq!(section.pooled.len(), 1);
    }
    assert!(
        report
            .csv()
            .contains("not estimable: the outcome is set to show no overall result")
    );
}

#[test]
fn without_totals_only_the_studies_are_shown() {
    let options = ReportOptions {
        totals: Totals::None,
        ..ReportOptions::default()
    };
    let report = Report::new(&two_subgroups(), &options);
    let spec = report.forest();
    assert!(spec.overall.is_empty() && spec.footer.is_empty());
    for section in &spec.sections {
        assert!(section.pooled.is_empty() && section.notes.is_empty());
        assert!(section.studies.iter().all(|s| s.weights[0].is_none()));
    }
    // The plot is still drawn, every square at the smallest size.
    let svg = crate::forest::layout(&spec, &crate::forest::PlotOptions::default()).to_svg();
    assert!(svg.contains("<svg") && !svg.contains("NaN"));
}

#[test]
fn exports_read_as_the_tools_that_open_them_expect() {
    let mut rows = bcg_rows();
    rows[1].e1 = "abc".to_owned();
    let report = Report::new(&rows, &ReportOptions::default());
    // Rows left out are named by their study, not "Row 2 (Row 2)".
    let left_out = report.exclusions();
    assert_eq!(
        (left_out[0].row, left_out[0].label.as_str()),
        (2, "Ferguson & Simes")
    );
    let csv = report.csv();
    assert!(
        csv.starts_with("\u{feff}Study,"),
        "a byte-order mark for Excel"
    );
    assert!(
        csv.contains(",< 0.0001,"),
        "P values below 0.0001 as tables write them"
    );
    assert!(!csv.contains("0.00000"));
    // An empty outcome: no "-0.0%".
    let empty = Report::new(&[RawRow::default()], &ReportOptions::default());
    let spec = empty.forest();
    let weights: Vec<String> = spec
        .overall
        .iter()
        .chain(spec.sections.iter().flat_map(|s| s.pooled.iter()))
        .flat_map(|p| p.weights.iter().flatten())
        .map(|w| format::percent(*w))
        .collect();
    assert!(weights.iter().all(|w| !w.starts_with('-')), "{weights:?}");
    assert_eq!(format::percent(-0.0), "0.0%");
}

/// A trial switched off is not pooled: the analysis is that of the other rows, to the
/// last bit, and the trial is still shown, greyed, where it was.
#[test]
fn a_trial_switched_off_is_shown_greyed_and_not_pooled() {
    let rows = without_subgroups(bcg_rows());
    let mut switched = rows.clone();
    switched[2].excluded = true;
    switched[7].excluded = true;
    let mut removed = rows.clone();
    removed.remove(7);
    removed.remove(2);
    let options = ReportOptions::default();
    let off = Report::new(&switched, &options);
    let gone = Report::new(&removed, &options);
    assert_eq!(off.analysis, gone.analysis);
    let (h_off, h_gone) = (
        off.headline().expect("pooled"),
        gone.headline().expect("pooled"),
    );
    assert_eq!((h_off.set_aside, h_gone.set_aside), (2, 0));
    assert_eq!(
        Headline {
            set_aside: 0,
            ..h_off
        },
        h_gone
    );
    assert_eq!(off.row_of_study.len(), 11);
    assert_eq!(
        off.set_aside.iter().map(|a| a.row).collect::<Vec<_>>(),
        [2, 7]
    );
    // Its own effect, as on its own.
    let alone = Report::new(&rows[2..3], &options);
    assert_eq!(
        off.set_aside[0].effect.as_ref().map(|e| e.yi),
        alone.analysis.studies[0].effect.as_ref().map(|e| e.yi)
    );

    let spec = off.forest();
    let studies = &spec.sections[0].studies;
    assert_eq!(studies.len(), 13, "every trial is on the plot");
    let labels: Vec<&str> = studies.iter().map(|s| s.label.as_str()).collect();
    let all = Report::new(&rows, &options).forest();
    let all_labels: Vec<&str> = all.sections[0]
        .studies
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(labels, all_labels, "in table order");
    for (i, s) in studies.iter().enumerate() {
        assert_eq!(s.excluded, i == 2 || i == 7, "{i}");
        if s.excluded {
            assert!(s.weights.iter().all(Option::is_none) && s.marker_weight.is_none());
            assert_eq!(s.effect, all.sections[0].studies[i].effect);
        }
    }
    let note = off.set_aside_note().expect("a note");
    assert!(note.starts_with("2 trials excluded by you ("), "{note}");
    assert_eq!(spec.set_aside.as_ref(), Some(&note));
    assert!(spec.footer.iter().all(|l| !l.text.contains("excluded")));
    assert!(off.sentence().expect("pooled").contains("; excluding "));
    assert!(off.exclusions().is_empty(), "switched off is not a problem");

    // The CSV keeps every trial, in table order, the switched-off ones without weight.
    let csv = off.csv();
    let lines: Vec<&str> = csv.lines().skip(1).take(13).collect();
    assert!(lines[2].ends_with(",,,excluded by you"), "{}", lines[2]);
    assert!(!lines[3].contains("excluded"));

    // The plot draws it in grey, with "excluded" in the weight column.
    let layout = crate::forest::layout(&spec, &crate::forest::PlotOptions::default());
    let svg = layout.to_svg();
    assert_eq!(svg.matches(">excluded<").count(), 2, "{svg}");
    // A click on a study's name names its table row; elsewhere, nothing.
    let study_rows: Vec<&crate::forest::RowBox> = layout
        .rows
        .iter()
        .filter(|r| r.kind == crate::forest::RowKind::Study)
        .collect();
    assert_eq!(study_rows.len(), 13);
    for (i, r) in study_rows.iter().enumerate() {
        let half = layout.row_height / 2.0 - 0.01;
        for y in [r.y - half, r.y, r.y + half] {
            assert_eq!(layout.study_at(10.0, y), Some(i), "row {i} at {y}");
        }
        assert_eq!(layout.study_at(layout.labels_right + 1.0, r.y), None);
    }
    assert_eq!(layout.study_at(10.0, layout.rows[0].y), None, "the header");
    assert_eq!(layout.study_at(10.0, layout.height + 50.0), None);
    assert!(svg.contains(crate::forest::Ink::Excluded.hex()));
    assert!(Report::new(&rows, &options).set_aside_note().is_none());
    // The note sits beside the axis: switching trials off leaves the plot's size as it
    // was, so the page need not lay out the whole plot again.
    assert!(svg.contains(&note), "{svg}");
    assert!(svg.contains(crate::forest::SET_ASIDE_SHOWN));
    let whole = crate::forest::layout(&all, &crate::forest::PlotOptions::default());
    assert_eq!((layout.width, layout.height), (whole.width, whole.height));
}

/// A subgroup whose trials are all switched off is still shown, with nothing pooled,
/// and a switched-off row with problems keeps them.
#[test]
fn a_subgroup_switched_off_whole_is_shown_without_a_pooled_row() {
    let mut rows = bcg_rows();
    let first = rows[0].subgroup.clone();
    for r in rows.iter_mut().filter(|r| r.subgroup == first) {
        r.excluded = true;
    }
    let report = Report::new(&rows, &ReportOptions::default());
    let spec = report.forest();
    let section = spec
        .sections
        .iter()
        .find(|s| s.heading.as_deref() == Some(first.as_str()))
        .expect("the subgroup is shown");
    assert!(section.pooled.is_empty() && section.total_events.is_none());
    assert!(section.studies.iter().all(|s| s.excluded));

    let mut bad = without_subgroups(bcg_rows());
    bad[0].e1 = "x".into();
    bad[0].excluded = true;
    let report = Report::new(&bad, &ReportOptions::default());
    assert!(report.row_has_problems(0));
    assert!(report.set_aside.is_empty());
}

/// A project file written before the toggle existed reads every row as included, and
/// an included row is written without the field.
#[test]
fn the_toggle_is_stored_only_when_set() {
    let row: RawRow = serde_json::from_str(
        r#"{"study":"A","year":"","e1":"1","n1":"2","e2":"1","n2":"2","subgroup":""}"#,
    )
    .expect("an old row reads");
    assert!(!row.excluded);
    assert!(
        !serde_json::to_string(&row)
            .expect("json")
            .contains("excluded")
    );
    let off = RawRow {
        excluded: true,
        ..row
    };
    let text = serde_json::to_string(&off).expect("json");
    assert!(text.contains(r#""excluded":true"#));
    assert_eq!(serde_json::from_str::<RawRow>(&text).expect("reads"), off);
}

/// The plot's footer lines, one per line.
fn footer_text(report: &Report) -> String {
    let lines: Vec<String> = report.forest().footer.into_iter().map(|l| l.text).collect();
    lines.join("\n")
}
