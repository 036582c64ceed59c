//! The engine reproduces every reference file in `tests/reference` (golden values from
//! R's metafor), and the runner notices when a reference value is altered.

use grove_core::validate::{FileReport, ReferenceFile, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reference_dir())
        .expect("tests/reference exists")
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
    let file: ReferenceFile = serde_json::from_value(value).expect("reference file format");
    run(&file)
}

#[test]
fn every_reference_file_passes() {
    let files = reference_files();
    assert!(
        files.len() >= 9,
        "expected the reference files, found {files:?}"
    );
    let mut all = Vec::new();
    for path in &files {
        let report = report(load(path));
        assert!(
            !report.checks.is_empty(),
            "{} has no checks",
            path.display()
        );
        all.extend(
            report
                .failure_lines()
                .into_iter()
                .map(|f| format!("{}: {f}", path.display())),
        );
    }
    assert!(
        all.is_empty(),
        "{} checks disagree with metafor:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// Alters a copy of `bcg.json` and checks that exactly the checks `failing` fail that
/// pass on the original.
fn check(alter: impl Fn(&mut Value), failing: &[&str]) {
    let original = load(&reference_dir().join("bcg.json"));
    let failed_before: Vec<String> = failed_ids(&report(original.clone()));
    let mut value = original;
    alter(&mut value);
    let report = report(value);
    let newly: Vec<String> = failed_ids(&report)
        .into_iter()
        .filter(|id| !failed_before.contains(id))
        .collect();
    assert_eq!(newly, failing, "failures: {:?}", report.failure_lines());
}

fn failed_ids(report: &FileReport) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| !c.passed())
        .map(|c| c.id.clone())
        .collect()
}

fn scale(value: &mut Value, factor: f64) {
    let x = value.as_f64().expect("a number");
    *value = Value::from(x * factor);
}

#[test]
fn altered_copies_fail() {
    // A pooled estimate off by 1e-4 relative: far beyond the closed-form tolerance.
    check(
        |v| scale(&mut v["analyses"][0]["pooled"]["estimate"], 1.0 + 1e-4),
        &["RR/IV/common"],
    );
    // An iterative tau² off by 1e-4 relative.
    check(
        |v| scale(&mut v["analyses"][3]["pooled"]["tau2"], 1.0 + 1e-4),
        &["RR/IV/random/REML/z"],
    );
    // One study's weight.
    check(
        |v| scale(&mut v["analyses"][1]["studies"]["weight_pct"][2], 1.01),
        &["RR/IV/random/DL/z"],
    );
    // An extra: Egger's t, and one leave-one-out estimate.
    check(
        |v| scale(&mut v["extras"]["OR"]["egger"]["t"], 1.001),
        &["OR/egger"],
    );
    check(
        |v| {
            scale(
                &mut v["extras"]["RR"]["leave1out_random_DL"]["estimate"][4],
                1.001,
            )
        },
        &["RR/leave1out_random_DL"],
    );
    // A value metafor leaves undefined that the engine computes.
    check(
        |v| v["analyses"][0]["pooled"]["se"] = Value::Null,
        &["RR/IV/common"],
    );
    // A field the engine does not produce.
    check(
        |v| v["analyses"][0]["pooled"]["new_statistic"] = Value::from(1.0),
        &["RR/IV/common"],
    );
    // Analyses and extras the engine does not support fail rather than being skipped.
    check(
        |v| v["analyses"][0]["measure"] = Value::from("SMD"),
        &["RR/IV/common"],
    );
    check(
        |v| v["analyses"][1]["tau2_method"] = Value::from("GENQ"),
        &["RR/IV/random/DL/z"],
    );
    check(
        |v| v["extras"]["RR"]["gosh"] = Value::from(1.0),
        &["RR/gosh"],
    );
    // A study's counts changed: every analysis of the data disagrees.
    let mut value = load(&reference_dir().join("bcg.json"));
    value["studies"][0]["e1"] = Value::from(5);
    let report = report(value);
    let analyses = report
        .checks
        .iter()
        .filter(|c| c.kind == grove_core::validate::CheckKind::Analysis);
    assert!(
        analyses.clone().all(|c| !c.passed()),
        "{:?}",
        report.failure_lines()
    );

    // Fields the format does not define make the file unreadable rather than unchecked.
    for path in ["/analyses/0", "/studies/0", ""] {
        let mut value = load(&reference_dir().join("bcg.json"));
        let object = value
            .pointer_mut(path)
            .and_then(Value::as_object_mut)
            .expect("an object");
        object.insert("unknown_field".to_string(), Value::from(1.0));
        assert!(
            serde_json::from_value::<ReferenceFile>(value).is_err(),
            "unknown field at {path:?} accepted"
        );
    }
}
