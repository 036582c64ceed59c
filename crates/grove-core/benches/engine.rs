//! Engine benchmarks on generated studies, k = 10 to 1,000,000: pooling with each tau²
//! estimator, leave-one-out and cumulative meta-analysis.
//!
//! `cargo bench -p grove-core --bench engine` (add a filter such as `pool/k=1000/` to run
//! a part). Sample sizes shrink as k grows so that the whole run stays within minutes.
//! Random-effects leave-one-out and cumulative analyses take O(k) per step (each step's
//! estimate is a pass over its studies), so they are measured up to k = 10,000; the
//! common-effect ones, O(1) per step, up to 1,000,000.

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main,
};
use grove_core::effect::effect_sizes;
use grove_core::rma::{Model, fit};
use grove_core::sensitivity::{cumulative, leave_one_out};
use grove_core::{CiMethod, Measure, Table, Tau2Estimator, ZeroCellCorrection};
use std::hint::black_box;
use std::time::Duration;

const KS: [usize; 6] = [10, 100, 1_000, 10_000, 100_000, 1_000_000];
/// Largest k for the O(k²) random-effects sensitivity analyses.
const MAX_K_RANDOM_SENSITIVITY: usize = 10_000;

/// splitmix64: a small deterministic generator, so every run measures the same data.
struct Rng(u64);

impl Rng {
    /// Uniform in (0, 1), never 0 (its logarithm is finite).
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Binomial(n, p) by its normal approximation, rounded and clamped to 0..=n.
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let n_f = n as f64;
        let x = (n_f * p + self.normal() * (n_f * p * (1.0 - p)).sqrt()).round();
        x.clamp(0.0, n_f) as u64
    }
}

/// Deterministic trials, as in bench/metafor.R: 20-500 participants per arm, control
/// risk 5-40%, true log risk ratios normal around -0.3 with SD 0.3 (heterogeneous, so
/// tau² > 0), binomial events; then log risk ratios with metafor's zero-cell rule.
fn studies(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng(k as u64);
    let tables: Vec<Table> = (0..k)
        .map(|_| {
            let n1 = 20 + (rng.uniform() * 481.0) as u64;
            let n2 = 20 + (rng.uniform() * 481.0) as u64;
            let p2 = 0.05 + 0.35 * rng.uniform();
            let p1 = (p2 * (-0.3 + 0.3 * rng.normal()).exp()).min(0.95);
            let (e1, e2) = (rng.binomial(n1, p1), rng.binomial(n2, p2));
            Table::new(e1, n1, e2, n2).expect("events within totals")
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

fn configure(c: &mut Criterion, k: usize) -> BenchmarkGroup<'_, WallTime> {
    let mut group = c.benchmark_group(format!("k={k}"));
    if k >= 10_000 {
        // Few, equal-length samples: one iteration can take a large part of a second.
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(200));
        group.measurement_time(Duration::from_secs(2));
    } else {
        group.sample_size(30);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
    }
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
        let mut variants = vec![("common", Model::Common, Tau2Estimator::DerSimonianLaird)];
        if k <= MAX_K_RANDOM_SENSITIVITY {
            variants.push(("random-DL", Model::Random, Tau2Estimator::DerSimonianLaird));
            variants.push((
                "random-REML",
                Model::Random,
                Tau2Estimator::RestrictedMaximumLikelihood,
            ));
        }
        for (name, model, estimator) in variants {
            group.bench_function(format!("leave1out/{name}"), |b| {
                b.iter(|| {
                    leave_one_out(
                        black_box(&yi),
                        black_box(&vi),
                        model,
                        estimator,
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
                        estimator,
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
