//! `grove`: the command-line twin of Grove's engine.
//!
//! - `grove analyze FILE` reads a trial table (the text the web page accepts: pasted
//!   from a spreadsheet, CSV, TSV, ...), a RevMan review or a share link, and prints the
//!   per-study table and the pooled result, or JSON with `--json`; `--link BASE` prints
//!   the share link of the analysis and `--qr FILE.svg` writes its QR code.
//! - `grove explain FILE` prints how each number came about, with the data's values.
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

use clap::{Parser, Subcommand, ValueEnum};
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

/// Whose conventions apply where metafor and RevMan 5 compute differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ConventionArg {
    /// R's metafor.
    Metafor,
    /// RevMan 5.
    Revman5,
}

/// Effect measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MeasureArg {
    /// Risk ratio.
    Rr,
    /// Odds ratio.
    Or,
    /// Risk difference.
    Rd,
}

/// Pooling method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MethodArg {
    /// Inverse variance.
    Iv,
    /// Mantel-Haenszel.
    Mh,
    /// Peto (odds ratio only).
    Peto,
}

/// Which model's pooled result to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelArg {
    /// Common (fixed) effect.
    Common,
    /// Random effects.
    Random,
}

/// Between-study variance (tau²) estimator, metafor's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Tau2Arg {
    /// DerSimonian-Laird.
    Dl,
    /// Restricted maximum likelihood.
    Reml,
    /// Paule-Mandel.
    Pm,
    /// Maximum likelihood.
    Ml,
    /// Hunter-Schmidt.
    Hs,
    /// Sidik-Jonkman.
    Sj,
    /// Hedges.
    He,
    /// Empirical Bayes.
    Eb,
}

/// Confidence-interval method for the pooled effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CiArg {
    /// Wald (normal quantile).
    Z,
    /// Hartung-Knapp (t with k-1 df).
    Hk,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze::run(&args, analyze::Printed::Results),
        Command::Explain(args) => analyze::run(&args, analyze::Printed::Derivations),
        Command::Validate { files, verbose } => validate::run(&files, verbose),
        Command::RevmanCheck { files, verbose } => revman::run(&files, verbose),
    }
}
