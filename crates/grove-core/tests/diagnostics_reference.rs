//! The diagnostic analyses reproduce every value of the diagnostics reference files in
//! `tests/reference/diagnostics` (metafor 3.8-1: influence, leave-one-out, Baujat,
//! radial, regression tests, GOSH, L'Abbé, cumulative by year, absolute effects; RR and
//! OR, EE and DL), refuse where metafor refuses, and the runner notices an altered value.

use grove_core::validate::{DiagnosticsFile, FileReport, run_diagnostics};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference/diagnostics")
}

fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reference_dir())
        .expect("tests/reference/diagnostics exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable reference file");
    serde_json::from_str(&text).expect("reference file is JSON")
}

fn report(value: Value) -> FileReport {
    let file: DiagnosticsFile = serde_json::from_value(value).expect("diagnostics file format");
    run_diagnostics(&file)
}

fn failures(report: &FileReport) -> Vec<String> {
    report.failure_lines()
}

/// Keys whose values describe rather than hold results.
const DESCRIPTIVE: [&str; 3] = ["definition", "base", "per_subset_omitted"];

/// The values a block holds that the runner must compare: every number, `null` and
/// boolean leaf, and each refusal (one value); `not_computed` GOSH blocks hold none.
fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) if m.contains_key("refused") => 1,
        Value::Object(m) if m.contains_key("not_computed") => {
            usize::from(m["not_computed"].as_str() == Some("no study years"))
        }
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !DESCRIPTIVE.contains(&k.as_str()))
            .map(|(_, v)| leaves(v))
            .sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        Value::Number(_) | Value::Null | Value::Bool(_) => 1,
        Value::String(_) => 0,
    }
}

#[test]
fn every_diagnostics_file_passes_and_every_value_is_compared() {
    let files = reference_files();
    assert_eq!(files.len(), 9, "expected the nine files, found {files:?}");
    let mut all = Vec::new();
    for path in &files {
        let value = load(path);
        let expected_values = leaves(&value["diagnostics"]);
        let report = report(value);
        let compared: usize = report.checks.iter().map(|c| c.comparison.compared).sum();
        let largest = report
            .checks
            .iter()
            .filter_map(|c| c.largest_deviation().map(|d| (d.value, &c.id, &d.field)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        eprintln!(
            "{}: {} checks, {compared} values compared, largest deviation {largest:?}",
            report.name,
            report.checks.len()
        );
        all.extend(
            failures(&report)
                .into_iter()
                .map(|f| format!("{}: {f}", path.display())),
        );
        if compared != expected_values {
            all.push(format!(
                "{}: {compared} values compared, the file holds {expected_values}",
                path.display()
            ));
        }
    }
    assert!(
        all.is_empty(),
        "{} checks disagree with metafor:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// The failures of `report` after `alter` changes the file.
fn failures_after(name: &str, alter: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut value = load(&reference_dir().join(name));
    alter(&mut value);
    failures(&report(value))
}

#[test]
fn an_altered_value_fails_and_is_named() {
    let f = failures_after("bcg.json", |v| {
        let x = &mut v["diagnostics"]["OR"]["influence"]["DL"]["rstudent"][4];
        *x = Value::from(x.as_f64().expect("number") * (1.0 + 2e-6));
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("OR/influence/DL: influence.DL.rstudent[4]: expected"),
        "{f:?}"
    );

    let f = failures_after("edge-zero-cells.json", |v| {
        let x = &mut v["diagnostics"]["RR"]["gosh"]["DL"]["summary"]["histogram"]["counts"][0][0];
        *x = Value::from(x.as_u64().expect("count") + 1);
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].contains("gosh.DL.summary.histogram.counts[0][0]"),
        "{f:?}"
    );

    let f = failures_after("magnesium.json", |v| {
        let x = &mut v["diagnostics"]["RR"]["influence"]["EE"]["influential"][0];
        *x = Value::from(!x.as_bool().expect("boolean"));
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("influence.EE.influential[0]"), "{f:?}");
}

#[test]
fn a_changed_refusal_fails() {
    // metafor refused; a reference that claims a result is reported as such.
    let f = failures_after("edge-two-studies.json", |v| {
        v["diagnostics"]["RR"]["regtest"]["tests"][0]["refused"] = Value::from("Other reason.");
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("RR/regtest/rma/DL/sei"), "{f:?}");

    // The engine computes rma/EE/sei with two studies; a refusal there is a mismatch.
    let f = failures_after("edge-two-studies.json", |v| {
        v["diagnostics"]["OR"]["regtest"]["tests"][1] = serde_json::json!({
            "id": "rma/EE/sei", "model": "rma", "base_fit": "EE", "predictor": "sei",
            "refused": "Stopped because k = 1."
        });
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].contains("the engine computes a result where metafor refused"),
        "{f:?}"
    );
}
