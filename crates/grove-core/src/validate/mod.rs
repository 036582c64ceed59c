//! Checking the engine against reference files (`tests/reference/*.json`, format in
//! `tests/reference/README.md`): golden values from R's metafor.
//!
//! [`run`] takes a parsed [`ReferenceFile`], runs every analysis and every extra it
//! holds through the engine and compares every value it holds within the README's
//! tolerances ([`compare`]). Each analysis or extra gives one [`CheckReport`]: the
//! largest deviation and every mismatch. Nothing is skipped: an analysis or extra the
//! engine does not support, or a value it does not produce, is a failure.
//!
//! [`run_diagnostics`] does the same for the diagnostics files
//! (`tests/reference/diagnostics/*.json`, [`DiagnosticsFile`]).
//!
//! The files are JSON; this module only defines their serde types, so that the engine
//! crate carries no JSON parser:
//!
//! ```
//! use grove_core::validate::{run, ReferenceFile};
//! # fn demo(json: &str) -> Result<(), serde_json::Error> {
//! let file: ReferenceFile = serde_json::from_str(json)?;
//! let report = run(&file);
//! println!("{} passed, {} failed", report.passed(), report.failed());
//! # Ok(()) }
//! ```

pub mod compare;
pub mod diagnostics;
mod engine;
pub mod reference;

pub use compare::{
    ABSOLUTE_NEAR_ZERO, CLOSED_FORM_RELATIVE, Comparison, Deviation, ITERATIVE_RELATIVE, Mismatch,
    MismatchKind, P_VALUE_ABSOLUTE, Tolerance,
};
pub use diagnostics::{DiagnosticsFile, run_diagnostics};
pub use reference::{Node, ReferenceAnalysis, ReferenceFile, ReferenceStudy};

use crate::table::TableError;
use serde::Serialize;
use std::fmt;

/// Whether a check is one of the file's `analyses` or one of its `extras`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CheckKind {
    /// An entry of `analyses`.
    Analysis,
    /// An entry of `extras` (Egger, Begg, trim-and-fill, leave-one-out, ...).
    Extra,
}

/// The outcome of one analysis or extra.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The analysis id (`"RR/IV/random/REML/HK"`) or `measure/extra` (`"OR/egger"`).
    pub id: String,
    /// Analysis or extra.
    pub kind: CheckKind,
    /// The values compared, the largest deviation and the mismatches.
    pub comparison: Comparison,
    /// Why the engine could not run it at all, if so.
    pub failure: Option<Failure>,
    /// metafor's message when the reference records a refusal (diagnostics files): the
    /// check then compares whether the engine refuses the same case.
    pub refused: Option<String>,
}

impl CheckReport {
    /// Whether it ran, compared at least one value, and every value agrees.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
            && self.comparison.mismatches.is_empty()
            && self.comparison.compared > 0
    }

    /// The largest deviation among the values compared.
    pub fn largest_deviation(&self) -> Option<&Deviation> {
        self.comparison.largest.as_ref()
    }
}

/// Why an analysis or extra could not be run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Failure {
    /// The file asks for something the engine does not support (the field and value).
    Unsupported {
        /// The field of the file (`measure`, `tau2_method`, `extras`, ...).
        field: String,
        /// The value asked for.
        value: String,
    },
    /// A study of the file is not a valid 2×2 table.
    InvalidStudy {
        /// 0-based index of the study in the file.
        index: usize,
        /// What is wrong with it.
        error: String,
    },
    /// The engine reports the whole result as undefined; metafor computed it.
    Undefined(String),
    /// The reference holds no value to compare.
    NothingToCompare,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unsupported { field, value } => {
                write!(f, "not supported by the engine: {field} = {value}")
            }
            Failure::InvalidStudy { index, error } => {
                write!(f, "study {} of the file is invalid: {error}", index + 1)
            }
            Failure::Undefined(why) => write!(f, "the engine reports it undefined: {why}"),
            Failure::NothingToCompare => f.write_str("the reference holds no value to compare"),
        }
    }
}

impl std::error::Error for Failure {}

/// The outcome of every check of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The file's `name`.
    pub name: String,
    /// One report per analysis, then one per extra, in file order.
    pub checks: Vec<CheckReport>,
}

impl FileReport {
    /// Number of checks that passed.
    pub fn passed(&self) -> usize {
        self.checks.iter().filter(|c| c.passed()).count()
    }

    /// Number of checks that failed.
    pub fn failed(&self) -> usize {
        self.checks.len() - self.passed()
    }

    /// Whether every check passed (and there was at least one).
    pub fn all_passed(&self) -> bool {
        !self.checks.is_empty() && self.failed() == 0
    }

    /// One line per failed check: its id and why (the failure, or every mismatch).
    pub fn failure_lines(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.passed())
            .map(|c| {
                let why = match &c.failure {
                    Some(f) => f.to_string(),
                    None => c
                        .comparison
                        .mismatches
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                };
                format!("{}: {why}", c.id)
            })
            .collect()
    }
}

/// Runs every analysis and extra of a reference file through the engine and compares
/// the results with the file's. Never panics.
pub fn run(file: &ReferenceFile) -> FileReport {
    let studies = studies(&file.studies);
    let mut checks = Vec::new();
    for analysis in &file.analyses {
        let (comparison, failure) = match &studies {
            Ok(studies) => engine::analysis(studies, analysis),
            Err(f) => (Comparison::default(), Some(f.clone())),
        };
        checks.push(finish(
            analysis.id.clone(),
            CheckKind::Analysis,
            comparison,
            failure,
        ));
    }
    for (measure, extras) in &file.extras {
        for (name, expected) in extras {
            if engine::is_description(name) {
                continue;
            }
            let (comparison, failure) = match &studies {
                Ok(studies) => engine::extra(studies, measure, name, expected),
                Err(f) => (Comparison::default(), Some(f.clone())),
            };
            checks.push(finish(
                format!("{measure}/{name}"),
                CheckKind::Extra,
                comparison,
                failure,
            ));
        }
    }
    FileReport {
        name: file.name.clone(),
        checks,
    }
}

/// The trials of a reference file as studies, or the first that is not a valid 2×2
/// table.
pub(crate) fn studies(studies: &[ReferenceStudy]) -> Result<Vec<crate::table::Study>, Failure> {
    studies
        .iter()
        .enumerate()
        .map(|(index, s)| {
            crate::table::Table::new(s.e1, s.n1, s.e2, s.n2)
                .map(|table| crate::table::Study {
                    name: s.study.clone(),
                    year: s.year,
                    subgroup: s.subgroup.clone(),
                    table,
                })
                .map_err(|e: TableError| Failure::InvalidStudy {
                    index,
                    error: e.to_string(),
                })
        })
        .collect()
}

fn finish(
    id: String,
    kind: CheckKind,
    comparison: Comparison,
    failure: Option<Failure>,
) -> CheckReport {
    let failure = match failure {
        None if comparison.compared == 0 && comparison.mismatches.is_empty() => {
            Some(Failure::NothingToCompare)
        }
        f => f,
    };
    CheckReport {
        id,
        kind,
        comparison,
        failure,
        refused: None,
    }
}
