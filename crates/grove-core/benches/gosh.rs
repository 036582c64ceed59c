//! GOSH benchmarks on generated studies: the baseline (one [`gosh_visit`] call per
//! subset, counted into the 50 × 50 [`Histogram`]) against the heatmap
//! ([`gosh_heatmap`]: 100 × 50 cells, a study highlighted), common effect up to every
//! subset of 25 studies and DerSimonian-Laird up to 24.
//!
//! `cargo bench -p grove-core --bench gosh` (add a filter such as `gosh-exact/EE` to run a
//! part).

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use grove_core::diagnostics::{BaseFit, GoshHeatmapSettings, Histogram, gosh_heatmap, gosh_visit};
use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

/// splitmix64: a small deterministic generator, so every run measures the same data.
struct Rng(u64);

impl Rng {
    /// Uniform in (0, 1).
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
}

/// k heterogeneous log risk ratios: true effects normal around −0.3 (SD 0.3), sampling
/// variances 0.01–0.5.
fn studies(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng(k as u64);
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.49 * rng.uniform()).collect();
    let yi = vi
        .iter()
        .map(|v| -0.3 + 0.3 * rng.normal() + v.sqrt() * rng.normal())
        .collect();
    (yi, vi)
}

/// The baseline: every subset through `gosh_visit`, counted into the 50 × 50 histogram.
fn visit_histogram(c: &mut Criterion) {
    let mut group = c.benchmark_group("gosh-visit");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_secs(3));
    for (base, ks) in [
        (BaseFit::Common, &[15usize, 20, 25][..]),
        (BaseFit::DerSimonianLaird, &[15, 20][..]),
    ] {
        for &k in ks {
            let (yi, vi) = studies(k);
            group.bench_function(format!("{}/k={k}", base.code()), |b| {
                b.iter(|| {
                    let mut h = Histogram::for_studies(&yi);
                    let flow = gosh_visit(black_box(&yi), black_box(&vi), base, |s| {
                        h.add(s.estimate, s.i2);
                        ControlFlow::Continue(())
                    });
                    (flow, h)
                })
            });
        }
    }
    group.finish();
}

/// The heatmap, every subset (100 × 50 bins, a study highlighted).
fn exact_heatmap(c: &mut Criterion) {
    let mut group = c.benchmark_group("gosh-exact");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_secs(3));
    for (base, ks) in [
        (BaseFit::Common, &[15usize, 20, 25][..]),
        (BaseFit::DerSimonianLaird, &[15, 20, 24][..]),
    ] {
        for &k in ks {
            let (yi, vi) = studies(k);
            let mut settings = GoshHeatmapSettings::new(base);
            settings.highlight = Some(0);
            group.bench_function(format!("{}/k={k}", base.code()), |b| {
                b.iter(|| {
                    gosh_heatmap(black_box(&yi), black_box(&vi), &settings, |_, _| {
                        ControlFlow::Continue(())
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, visit_histogram, exact_heatmap);
criterion_main!(benches);
