//! `grove r-script`: the R script that reproduces the analyses with metafor.

use std::path::PathBuf;
use std::process::ExitCode;

use grove_core::rscript::{ScriptOutcome, r_script};

use crate::analyze::{Every, SettingsArgs, read_outcomes};

/// Options of `grove r-script`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The table of trials, a RevMan 5 review (`.rm5`) or a share link, as for `grove
    /// analyze`; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// One outcome of a review ("1.2") or of a link (1, 2, …); every analysed outcome
    /// by default.
    #[arg(long, value_name = "NUMBER")]
    outcome: Option<String>,
    #[command(flatten)]
    settings: SettingsArgs,
    /// Write the script to this file instead of standard output.
    #[arg(long, short, value_name = "FILE.R")]
    output: Option<PathBuf>,
}

/// Runs `grove r-script`. Exit status 1 when the input cannot be read or has errors.
pub(crate) fn run(args: &Args) -> ExitCode {
    match script(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn script(args: &Args) -> Result<(), String> {
    let inputs = read_outcomes(&args.file, args.outcome.as_deref(), Every::All)?;
    let stem = args
        .file
        .file_stem()
        .filter(|_| args.file.as_os_str() != "-")
        .map_or("Outcome".to_owned(), |s| s.to_string_lossy().into_owned());
    let mut outcomes = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let options = args.settings.apply(input.options.clone())?;
        let name = if input.title.is_empty() {
            stem.clone()
        } else {
            input.title.clone()
        };
        outcomes.push((name, options));
    }
    let script = r_script(
        &outcomes
            .iter()
            .zip(&inputs)
            .map(|((name, options), input)| ScriptOutcome {
                name,
                rows: &input.rows,
                options,
            })
            .collect::<Vec<_>>(),
    );
    match &args.output {
        Some(path) => std::fs::write(path, script)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            out!("{}", script.trim_end_matches('\n'));
            Ok(())
        }
    }
}
