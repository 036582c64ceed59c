//! `grove`: the command-line twin of Grove's engine.
//!
//! - `grove analyze FILE` reads a trial table (the text the web page accepts: pasted
//!   from a spreadsheet, CSV, TSV, ...), a RevMan review or a share link, and prints the
//!   per-study table and the pooled result, or JSON with `--json`; `--link BASE` prints
//!   the share link of the analysis and `--qr FILE.svg` writes its QR code.
//! - `grove explain FILE` prints how each number came about, with the data's values.
//! - `grove r-script FILE` writes an R script that reproduces the analyses with metafor
//!   and prints each pooled result as `grove-check OUTCOME ESTIMATE CI_LOWER CI_UPPER`.
//! - `grove validate FILE.json...` checks the engine against reference files in the
//!   format of `tests/reference/README.md` or `tests/reference/diagnostics/README.md`.
//! - `grove revman-check FILE.rm5...` checks the engine against the results RevMan 5
//!   stored in its review files.

/// Writes a line to standard output (as `println!`), but a closed pipe
/// (`grove revman-check … | head`) ends the program quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))
    };
}

mod analyze;
mod revman;
mod rscript;
mod share;
mod validate;

/// See [`out!`].
pub(crate) fn write_line(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand, ValueEnum};
use grove_core::settings::Choice;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::process::ExitCode;

/// Meta-analysis of randomised trials with a binary outcome.
#[derive(Debug, Parser)]
#[command(name = "grove", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse a table of trials: one row per study with events and totals per arm.
    ///
    /// Columns without a header: study, experimental events, experimental total,
    /// control events, control total, then optionally year and subgroup. A header row
    /// may name them instead ("Study", "Experimental events", "n1i", "event.e", ...).
    /// Cells may be separated by tabs, semicolons, commas or runs of spaces.
    Analyze(analyze::Args),
    /// Explain how each number of the analysis came about, with its own values.
    ///
    /// For every number: the formula, the formula with the values substituted, what it
    /// means and its reference, then a line `= VALUE` at full precision (on the
    /// analysis scale: logs for ratios). The input and options are those of `grove
    /// analyze`. What the analysis uses that is not explained yet is listed at the end.
    Explain(analyze::Args),
    /// Write an R script that reproduces the analysis with metafor: the data, escalc with
    /// the zero-cell settings, rma, rma.mh or rma.peto with the estimator and test, the
    /// subgroups and the forest plot, for every outcome of a review or link.
    ///
    /// Run with Rscript, it prints each pooled result on the natural scale as a line
    /// `grove-check OUTCOME ESTIMATE CI_LOWER CI_UPPER` (OUTCOME: the outcome's name, the
    /// subgroup's, and `common` or `random`, joined by `/`, spaces written `_`), to
    /// compare with Grove's. The input and options are those of `grove analyze`.
    RScript(rscript::Args),
    /// Check the engine against reference files (formats: tests/reference/README.md and,
    /// for files with a `diagnostics` field, tests/reference/diagnostics/README.md).
    ///
    /// Prints one line per analysis and extra (diagnostics: per measure and block, as
    /// `RR/influence/DL`) with its largest relative deviation from the reference and the
    /// first mismatch (field, study index, expected and got), then "N passed, M failed";
    /// exits with status 1 if any failed.
    Validate {
        /// Reference files (JSON).
        #[arg(required = true, value_name = "FILE.json")]
        files: Vec<PathBuf>,
        /// Also list every mismatching value of a failed check.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Check Grove's RevMan 5 mode against the results stored in RevMan review files.
    ///
    /// Analyses every dichotomous outcome with the settings its file gives and compares
    /// each number RevMan stored (per study, per subgroup, overall, and the test for
    /// subgroup differences). Prints one line per outcome (agrees / differs, with the
    /// largest deviation), then "N passed, M failed"; exits with status 1 if any
    /// outcome differs or a file cannot be read.
    RevmanCheck {
        /// RevMan 5 review files.
        #[arg(required = true, value_name = "FILE.rm5")]
        files: Vec<PathBuf>,
        /// Also list every number that differs.
        #[arg(long, short)]
        verbose: bool,
    },
}

/// Which model's pooled result to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelArg {
    /// Common (fixed) effect.
    Common,
    /// Random effects.
    Random,
}

/// A setting read by its code in the engine's vocabulary ([`Choice`]), in any case
/// (`rr`, `RR`); `--help` and the message for a wrong value list the codes, in lower
/// case, with each one's name.
#[derive(Debug)]
pub(crate) struct ChoiceParser<T>(PhantomData<fn() -> T>);

impl<T> ChoiceParser<T> {
    pub(crate) fn new() -> Self {
        ChoiceParser(PhantomData)
    }
}

impl<T> Clone for ChoiceParser<T> {
    fn clone(&self) -> Self {
        ChoiceParser(PhantomData)
    }
}

impl<T: Choice + Send + Sync> TypedValueParser for ChoiceParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        if let Some(choice) = value.to_str().and_then(T::from_code_ignoring_case) {
            return Ok(choice);
        }
        let mut error = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
        if let Some(arg) = arg {
            error.insert(
                ContextKind::InvalidArg,
                ContextValue::String(arg.to_string()),
            );
        }
        error.insert(
            ContextKind::InvalidValue,
            ContextValue::String(value.to_string_lossy().into_owned()),
        );
        error.insert(
            ContextKind::ValidValue,
            ContextValue::Strings(T::CHOICES.iter().map(|c| c.code().to_lowercase()).collect()),
        );
        Err(error)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::CHOICES.iter().map(|c| {
            PossibleValue::new(c.code().to_lowercase()).help(c.label())
        })))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze::run(&args, analyze::Printed::Results),
        Command::Explain(args) => analyze::run(&args, analyze::Printed::Derivations),
        Command::RScript(args) => rscript::run(&args),
        Command::Validate { files, verbose } => validate::run(&files, verbose),
        Command::RevmanCheck { files, verbose } => revman::run(&files, verbose),
    }
}
