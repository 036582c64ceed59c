//! `grove validate`: runs reference files through the engine and reports agreement.

use grove_core::validate::{CheckReport, FileReport, ReferenceFile, run as run_file};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs every file; prints a line per check and the totals. Exit status 1 if any check
/// failed or a file could not be read.
pub(crate) fn run(files: &[PathBuf], verbose: bool) -> ExitCode {
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in files {
        match load(path) {
            Ok(file) => {
                let report = run_file(&file);
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

fn load(path: &Path) -> Result<ReferenceFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the file: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("not a reference file (format: tests/reference/README.md): {e}"))
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
    let deviation = match check.largest_deviation() {
        Some(d) => format!("max deviation {:.1e} ({})", d.value, d.field),
        None if check.comparison.compared > 0 => {
            "every value undefined, as in the reference".to_string()
        }
        None => "no value compared".to_string(),
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
