//! `grove revman-check`, and choosing an outcome of a RevMan review for `grove analyze`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use grove_core::parse::revman;
use grove_core::report::Report;
use grove_core::review::agreement::compare;
use grove_core::review::{Review, ReviewOutcome};

/// Whether the input is a RevMan review: its name ends in `.rm5`, or its text starts
/// with an XML declaration or `<COCHRANE_REVIEW`.
pub(crate) fn is_review(path: &Path, bytes: &[u8]) -> bool {
    let named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rm5"));
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    named || start.starts_with(b"<?xml") || start.starts_with(b"<COCHRANE_REVIEW")
}

/// The outcome numbered `number` ("1.2").
///
/// # Errors
/// A message listing the outcomes when `number` is missing or names none of them.
pub(crate) fn pick<'a>(
    review: &'a Review,
    number: Option<&str>,
) -> Result<&'a ReviewOutcome, String> {
    let list = || {
        let mut s = String::from("its dichotomous outcomes are:");
        for o in &review.outcomes {
            s.push_str(&format!("\n  {}", o.title()));
        }
        s
    };
    match number {
        None => Err(format!(
            "choose an outcome with --outcome NUMBER; {}",
            list()
        )),
        Some(n) => review
            .outcomes
            .iter()
            .find(|o| o.source.number == n.trim())
            .ok_or_else(|| {
                let other = review.unsupported.iter().find(|u| u.number == n.trim());
                match other {
                    Some(u) => format!(
                        "outcome {} {} is not analysed: {}",
                        u.number, u.name, u.reason
                    ),
                    None => format!("the review has no dichotomous outcome {n}; {}", list()),
                }
            }),
    }
}

/// Runs `grove revman-check`.
pub(crate) fn run(files: &[PathBuf], verbose: bool) -> ExitCode {
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in files {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let review = crate::analyze::read_input(path)
            .and_then(|bytes| revman::read(&bytes).map_err(|e| e.to_string()));
        let review = match review {
            Ok(r) => r,
            Err(e) => {
                out!("{name}: cannot be read: {e}");
                failed += 1;
                continue;
            }
        };
        for o in &review.outcomes {
            let report = Report::new(&o.rows, &o.options);
            let a = compare(&o.source, &report);
            let note = if o.source.stored.estimable {
                ""
            } else {
                " [RevMan: no pooled estimate; rows compared]"
            };
            out!("{name}  {}{note}: {a}", o.title());
            if verbose {
                for c in a.disagreements() {
                    match c.grove {
                        Some(g) => out!("    {}: RevMan {} Grove {g}", c.what, c.stored),
                        None => out!("    {}: RevMan {} Grove none", c.what, c.stored),
                    }
                }
            }
            if a.agrees() {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        for u in &review.unsupported {
            out!(
                "{name}  {} {}: not compared: {}",
                u.number,
                u.name,
                u.reason
            );
        }
        if let Some(table) = &review.rob1 {
            out!("{name}  {}", table.not_imported());
        }
    }
    out!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
