//! Grove's side of `bench/compare.sh`: times the tasks `bench/metafor.R` times in R, on
//! the same files.
//!
//! `cargo bench -p grove-core --bench metafor_compare -- DIR K...` reads `DIR/k<K>.tsv`
//! (written by bench/metafor.R) with Grove's parser and prints, per task,
//! `k <TAB> task <TAB> seconds per run <TAB> estimate`, as bench/metafor.R does.

use grove_core::effect::effect_sizes;
use grove_core::parse::parse;
use grove_core::rma::{Model, fit};
use grove_core::sensitivity::{Step, cumulative, leave_one_out};
use grove_core::{CiMethod, Measure, Table, Tau2Estimator, ZeroCellCorrection};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Each task is repeated until this much time has passed (at least once), as in R.
const MIN_TIME: Duration = Duration::from_millis(500);
/// Largest k for the O(k²) random-effects leave-one-out and cumulative analyses.
const MAX_K_RANDOM_SENSITIVITY: usize = 10_000;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some((dir, ks)) = args.split_first() else {
        eprintln!("usage: cargo bench -p grove-core --bench metafor_compare -- DIR K...");
        return ExitCode::FAILURE;
    };
    for k in ks {
        let path = PathBuf::from(dir).join(format!("k{k}.tsv"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let parsed = parse(&text);
        if !parsed.is_clean() {
            eprintln!("{}: {:?}", path.display(), parsed.all_diagnostics().first());
            return ExitCode::FAILURE;
        }
        let tables: Vec<Table> = parsed.studies().into_iter().map(|s| s.table).collect();
        let (mut yi, mut vi) = (Vec::new(), Vec::new());
        for e in effect_sizes(&tables, Measure::RiskRatio, ZeroCellCorrection::default())
            .into_iter()
            .flatten()
        {
            yi.push(e.yi);
            vi.push(e.vi);
        }
        for estimator in Tau2Estimator::ALL {
            let (seconds, value) = per_run(|| {
                fit(
                    black_box(&yi),
                    black_box(&vi),
                    Model::Random,
                    estimator,
                    CiMethod::Wald,
                )
                .map_or(f64::NAN, |f| f.pooled.estimate)
            });
            println!("{k}\tpool/{}\t{seconds:.6e}\t{value:.10}", estimator.code());
        }
        let last = |steps: Result<Vec<Step>, _>| {
            steps
                .ok()
                .and_then(|s| {
                    s.last()
                        .and_then(|s| s.fit.as_ref().ok().map(|f| f.pooled.estimate))
                })
                .unwrap_or(f64::NAN)
        };
        let order: Vec<usize> = (0..yi.len()).collect();
        if yi.len() <= MAX_K_RANDOM_SENSITIVITY {
            let (s, v) = per_run(|| {
                last(leave_one_out(
                    &yi,
                    &vi,
                    Model::Random,
                    Tau2Estimator::DerSimonianLaird,
                    CiMethod::Wald,
                ))
            });
            println!("{k}\tleave1out/DL\t{s:.6e}\t{v:.10}");
            let (s, v) = per_run(|| {
                last(cumulative(
                    &yi,
                    &vi,
                    &order,
                    Model::Random,
                    Tau2Estimator::DerSimonianLaird,
                    CiMethod::Wald,
                ))
            });
            println!("{k}\tcumulative/DL\t{s:.6e}\t{v:.10}");
        } else {
            println!("{k}\tleave1out/DL\tNA\tNA");
            println!("{k}\tcumulative/DL\tNA\tNA");
        }
    }
    ExitCode::SUCCESS
}

/// Seconds per run and the last run's value.
fn per_run(mut f: impl FnMut() -> f64) -> (f64, f64) {
    let start = Instant::now();
    let mut reps = 0u32;
    loop {
        let value = black_box(f());
        reps += 1;
        let elapsed = start.elapsed();
        if elapsed >= MIN_TIME {
            return (elapsed.as_secs_f64() / f64::from(reps), value);
        }
    }
}
