//! `grove validate`: runs reference files through the engine and reports agreement.
//!
//! Two formats: the pooled-analysis files of `tests/reference/README.md` and the
//! diagnostics files of `tests/reference/diagnostics/README.md`, told apart by the
//! latter's `diagnostics` field.

use grove_core::validate::{
    CheckReport, DiagnosticsFile, FileReport, ReferenceFile, run as run_file, run_diagnostics,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs every file; prints a line per check and the totals. Exit status 1 if any check
/// failed or a file could not be read.
pub(crate) fn run(files: &[PathBuf], verbose: bool) -> ExitCode {
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in files {
        match load(path) {
            Ok(report) => {
                print_report(path, &report, verbose);
                passed += report.passed();
                failed += report.failed();
                if report.checks.is_empty() {
                    eprintln!("{}: the file holds no analyses or extras", path.display());
                    failed += 1;
                }
            }
            Err(message) => {
                eprintln!("{}: {message}", path.display());
                failed += 1;
            }
        }
    }
    out!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Reads a reference file of either format and runs it through the engine.
fn load(path: &Path) -> Result<FileReport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("not a reference file (format: tests/reference/README.md): {e}"))?;
    if value.get("diagnostics").is_some() {
        let file: DiagnosticsFile = serde_json::from_value(value).map_err(|e| {
            format!(
                "not a diagnostics reference file (format: tests/reference/diagnostics/README.md): {e}"
            )
        })?;
        Ok(run_diagnostics(&file))
    } else {
        let file: ReferenceFile = serde_json::from_value(value).map_err(|e| {
            format!("not a reference file (format: tests/reference/README.md): {e}")
        })?;
        Ok(run_file(&file))
    }
}

fn print_report(path: &Path, report: &FileReport, verbose: bool) {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for check in &report.checks {
        out!("{}", line(&file, check));
        if verbose && !check.passed() {
            for m in &check.comparison.mismatches {
                out!("    {m}");
            }
        }
    }
}

/// `bcg.json  RR/IV/random/REML/HK  ok    max deviation 3.1e-9 (pooled.tau2)`.
fn line(file: &str, check: &CheckReport) -> String {
    let status = if check.passed() { "ok  " } else { "FAIL" };
    let deviation = match (check.largest_deviation(), &check.refused) {
        (_, Some(message)) if check.passed() => format!("declined, as in the reference: {message}"),
        (_, Some(message)) => format!("the reference declines: {message}"),
        (Some(d), None) => format!("max deviation {:.1e} ({})", d.value, d.field),
        (None, None) if check.comparison.compared > 0 => {
            "every value undefined, as in the reference".to_string()
        }
        (None, None) => "no value compared".to_string(),
    };
    let mut out = format!("{file}  {:<24} {status}  {deviation}", check.id);
    if let Some(failure) = &check.failure {
        out.push_str(&format!("; {failure}"));
    } else if !check.comparison.mismatches.is_empty() {
        let n = check.comparison.mismatches.len();
        let first = &check.comparison.mismatches[0];
        out.push_str(&format!(
            "; {n} mismatch{}, first {first}",
            if n == 1 { "" } else { "es" }
        ));
    }
    out
}
