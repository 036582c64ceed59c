//! Engine benchmarks on generated studies, k = 10 to 1,000,000: pooling with each tau²
//! estimator, leave-one-out and cumulative meta-analysis.
//!
//! `cargo bench -p grove-core --bench engine` (add a filter such as `pool/k=1000/` to run
//! a part). Sample sizes shrink as k grows so that the whole run stays within minutes.
//! Random-effects leave-one-out and cumulative analyses take O(k) per step (each step's
//! estimate is a pass over its studies), so they are measured up to k = 10,000; the
//! common-effect ones, O(1) per step, up to 1,000,000.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use grove_core::effect::effect_sizes;
use grove_core::rma::{Model, fit};
use grove_core::sensitivity::{cumulative, leave_one_out};
use grove_core::{CiMethod, Measure, Table, Tau2Estimator, ZeroCellCorrection};
use std::hint::black_box;
use std::time::Duration;

const KS: [usize; 6] = [10, 100, 1_000, 10_000, 100_000, 1_000_000];
/// Largest k for the O(k²) random-effects sensitivity analyses.
const MAX_K_RANDOM_SENSITIVITY: usize = 10_000;

/// Deterministic trials (splitmix64): 20-500 participants per arm, control risk 5-40%,
/// log risk ratios around -0.3 with between-study spread, as in bench/metafor.R.
fn studies(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ k as u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let tables: Vec<Table> = (0..k)
        .map(|_| {
            let n1 = 20 + (uniform() * 481.0) as u64;
            let n2 = 20 + (uniform() * 481.0) as u64;
            let p2 = 0.05 + 0.35 * uniform();
            let p1 = (p2 * (-0.3 + 0.6 * (uniform() - 0.5)).exp()).min(0.95);
            let e1 = ((n1 as f64) * p1).round() as u64;
            let e2 = ((n2 as f64) * p2).round() as u64;
            Table::new(e1.min(n1), n1, e2.min(n2), n2).expect("valid generated table")
        })
        .collect();
    let (mut yi, mut vi) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for e in effect_sizes(&tables, Measure::RiskRatio, ZeroCellCorrection::default())
        .into_iter()
        .flatten()
    {
        yi.push(e.yi);
        vi.push(e.vi);
    }
    (yi, vi)
}

fn configure(
    c: &mut Criterion,
    k: usize,
) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(format!("k={k}"));
    group.sample_size(if k >= 100_000 {
        10
    } else if k >= 10_000 {
        20
    } else {
        50
    });
    group.warm_up_time(Duration::from_millis(if k >= 100_000 { 100 } else { 500 }));
    group.measurement_time(Duration::from_secs(if k >= 100_000 { 3 } else { 2 }));
    group
}

fn pooling(c: &mut Criterion) {
    for k in KS {
        let (yi, vi) = studies(k);
        let mut group = configure(c, k);
        for estimator in Tau2Estimator::ALL {
            group.bench_with_input(
                BenchmarkId::new("pool", estimator.code()),
                &estimator,
                |b, &estimator| {
                    b.iter(|| {
                        fit(
                            black_box(&yi),
                            black_box(&vi),
                            Model::Random,
                            estimator,
                            CiMethod::Wald,
                        )
                    })
                },
            );
        }
        group.bench_function("pool/common", |b| {
            b.iter(|| {
                fit(
                    black_box(&yi),
                    black_box(&vi),
                    Model::Common,
                    Tau2Estimator::DerSimonianLaird,
                    CiMethod::Wald,
                )
            })
        });
        group.finish();
    }
}

fn sensitivity(c: &mut Criterion) {
    for k in KS {
        let (yi, vi) = studies(k);
        let order: Vec<usize> = (0..yi.len()).collect();
        let mut group = configure(c, k);
        let mut models = vec![Model::Common];
        if k <= MAX_K_RANDOM_SENSITIVITY {
            models.push(Model::Random);
        }
        for model in models {
            let name = match model {
                Model::Common => "common",
                Model::Random => "random-DL",
            };
            group.bench_function(format!("leave1out/{name}"), |b| {
                b.iter(|| {
                    leave_one_out(
                        black_box(&yi),
                        black_box(&vi),
                        model,
                        Tau2Estimator::DerSimonianLaird,
                        CiMethod::Wald,
                    )
                })
            });
            group.bench_function(format!("cumulative/{name}"), |b| {
                b.iter(|| {
                    cumulative(
                        black_box(&yi),
                        black_box(&vi),
                        &order,
                        model,
                        Tau2Estimator::DerSimonianLaird,
                        CiMethod::Wald,
                    )
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, pooling, sensitivity);
criterion_main!(benches);
