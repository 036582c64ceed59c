use super::super::gosh;
use super::*;
use proptest::prelude::*;

const MAGNESIUM: &str =
    include_str!("../../../../../../tests/reference/diagnostics/magnesium.json");
const BCG: &str = include_str!("../../../../../../tests/reference/diagnostics/bcg.json");

/// Per-subset values within this of a fit from scratch: relative to the spread of the
/// centred effects for the estimate, absolute (percentage points) for I².
const ESTIMATE_TOLERANCE: f64 = 1e-13;
const I2_TOLERANCE: f64 = 1e-10;
/// A value this close to a bin edge (relative to the bin width) may be counted on either
/// side of it by two computations that differ in rounding.
const EDGE_MARGIN: f64 = 1e-9;

/// `yi`, `vi` of the included studies of a reference file's RR block.
fn reference(text: &str) -> (Vec<f64>, Vec<f64>) {
    let json: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    let block = &json["diagnostics"]["RR"];
    let values = |name: &str| -> Vec<Option<f64>> {
        block[name]
            .as_array()
            .expect("an array")
            .iter()
            .map(|v| v.as_f64())
            .collect()
    };
    let (yi, vi) = (values("yi"), values("vi"));
    yi.into_iter()
        .zip(vi)
        .filter_map(|(y, v)| Some((y?, v?)))
        .unzip()
}

/// splitmix64 uniform in (0, 1).
fn uniform(state: &mut u64) -> f64 {
    let mut g = SplitMix64(*state);
    let x = g.next();
    *state = g.0;
    ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// `k` heterogeneous log risk ratios with variances 0.01–0.5, deterministic.
fn generated(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = k as u64 * 7919;
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.49 * uniform(&mut state)).collect();
    let yi = vi
        .iter()
        .map(|v| -0.3 + 0.6 * uniform(&mut state) + v.sqrt() * (uniform(&mut state) - 0.5) * 3.0)
        .collect();
    (yi, vi)
}

fn settings(base: BaseFit, highlight: Option<usize>) -> GoshHeatmapSettings {
    GoshHeatmapSettings {
        highlight,
        ..GoshHeatmapSettings::new(base)
    }
}

fn run(yi: &[f64], vi: &[f64], settings: &GoshHeatmapSettings) -> GoshHeatmap {
    gosh_heatmap(yi, vi, settings, |_, _| ControlFlow::Continue(()))
        .expect("valid input")
        .expect("not cancelled")
}

/// The cells a value may be counted in: its own by the stored edges, and the neighbour
/// across an interior edge within [`EDGE_MARGIN`] bin widths.
fn candidate_bins(edges: &[f64], x: f64) -> Vec<usize> {
    let n = edges.len() - 1;
    let own = bin(edges, x).expect("within the edges");
    let margin = EDGE_MARGIN * (edges[n] - edges[0]) / n as f64;
    let mut out = vec![own];
    if own > 0 && x - edges[own] < margin {
        out.push(own - 1);
    }
    if own + 1 < n && edges[own + 1] - x < margin {
        out.push(own + 1);
    }
    out
}

/// The heatmap's counts are those of `gosh()`'s stored values binned by the heatmap's
/// edges, cell by cell: exactly, but for values within [`EDGE_MARGIN`] of an edge, which
/// may be counted on either side. Returns how many values were that close.
fn check_against_gosh(yi: &[f64], vi: &[f64], base: BaseFit, highlight: Option<usize>) -> u64 {
    let stored = gosh(yi, vi, base).expect("valid input");
    let heat = run(yi, vi, &settings(base, highlight));
    let grid = heat.grid;
    let cells = grid.cells();
    // Certain counts, and the most that near-edge values can add, per side.
    let mut certain = [vec![0u64; cells], vec![0u64; cells]];
    let mut possible = [vec![0u64; cells], vec![0u64; cells]];
    let mut near_edge = 0;
    for ((&mask, &e), &i2) in stored.bitmask.iter().zip(&stored.estimate).zip(&stored.i2) {
        let side = usize::from(highlight.is_some_and(|h| mask & (1 << h) != 0));
        let ei = candidate_bins(&heat.estimate_edges, e);
        let ji = candidate_bins(&heat.i2_edges, i2);
        if ei.len() == 1 && ji.len() == 1 {
            certain[side][ei[0] * grid.i2_bins() + ji[0]] += 1;
        } else {
            near_edge += 1;
            for &i in &ei {
                for &j in &ji {
                    possible[side][i * grid.i2_bins() + j] += 1;
                }
            }
        }
    }
    let with = heat.highlighted.as_ref().map(|h| &h.counts);
    for c in 0..cells {
        let w = with.map_or(0, |w| w[c]);
        for (side, got) in [heat.counts[c] - w, w].into_iter().enumerate() {
            assert!(
                certain[side][c] <= got && got <= certain[side][c] + possible[side][c],
                "{base:?} k={} cell {c} side {side}: {got} vs {} (+{})",
                yi.len(),
                certain[side][c],
                possible[side][c]
            );
        }
    }
    assert_eq!(heat.n_subsets, stored.summary.n_subsets);
    assert_eq!(heat.n_fitted, stored.summary.n_fitted);
    assert_eq!(heat.counts.iter().sum::<u64>(), heat.n_fitted);
    if let Some(h) = &heat.highlighted {
        assert_eq!(h.n_subsets, 1 << (yi.len() - 1));
        assert_eq!(h.counts.iter().sum::<u64>(), h.n_subsets);
    }
    // The statistics: mean to rounding, extremes as stored (or within rounding, the
    // stored ones being computed values).
    let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-12 * (1.0 + scale);
    let s = &stored.summary;
    let scale = s.estimate.max.abs().max(s.estimate.min.abs());
    assert!(
        close(heat.estimate.mean, s.estimate.mean, scale),
        "{heat:?}"
    );
    assert!(close(heat.estimate.min, s.estimate.min, scale));
    assert!(close(heat.estimate.max, s.estimate.max, scale));
    assert!(close(heat.i2.mean, s.i2.mean, 100.0));
    assert!(close(heat.i2.max, s.i2.max, 100.0));
    assert_eq!(heat.i2.min, s.i2.min);
    near_edge
}

#[test]
fn counts_equal_gosh_values_binned_cell_by_cell() {
    let mut data = vec![reference(BCG), reference(MAGNESIUM)];
    data.extend([2, 3, 5, 12, 13, 14].map(generated));
    // Ties, an effect of exactly 0 on a bin edge, identical studies (Q = 0).
    data.push((
        vec![0.0, 0.0, -0.5, 0.5, 0.0],
        vec![0.1, 0.2, 0.1, 0.3, 0.1],
    ));
    data.push((vec![0.2; 4], vec![0.1; 4]));
    let mut near_edge = 0;
    for (yi, vi) in &data {
        for base in BaseFit::ALL {
            let near = check_against_gosh(yi, vi, base, None)
                + check_against_gosh(yi, vi, base, Some(yi.len() / 2));
            if near > 0 {
                println!("{base:?} {yi:?}: {near} values near an edge");
            }
            near_edge += near;
        }
    }
    // Every common-effect subset of 20 studies, 1,048,575 of them.
    let (yi, vi) = generated(20);
    near_edge += check_against_gosh(&yi, &vi, BaseFit::Common, Some(3));
    println!("values within {EDGE_MARGIN} bin widths of an edge: {near_edge}");
}

/// Every subset the blocks fit (two or more studies) has the estimate and I² of a
/// two-pass fit from scratch of its studies, to rounding.
#[test]
fn every_subset_equals_a_fit_from_scratch() {
    for (yi, vi) in [reference(MAGNESIUM), generated(15)] {
        for base in BaseFit::ALL {
            let s = Studies::new(&yi, &vi, Some(1)).expect("valid input");
            let k = s.k();
            let low_bits = LOW_BITS.min(k - 1).min(9);
            let low = LowTable::new(low_bits, &s);
            let n_low = 1usize << low_bits;
            let spread = s.yc.iter().fold(0.0f64, |m, y| m.max(y.abs()));
            let (mut e, mut i2) = ([0.0], [0.0]);
            let (mut worst_e, mut worst_i) = (0.0f64, 0.0f64);
            for h in 0..1usize << (k - low_bits) {
                let high = Sums::of(h, low_bits, &s);
                for t in 0..n_low {
                    let mut members = Vec::new();
                    for_each_bit(t, |b| members.push(b));
                    for_each_bit(h, |b| members.push(low_bits + b));
                    if members.len() < 2 {
                        continue;
                    }
                    let fit = match base {
                        BaseFit::Common => CommonEffect::values,
                        BaseFit::DerSimonianLaird => DerSimonianLaird::values,
                    };
                    let n = fit(&high, h, &low, t..t + 1, &s, &mut e, &mut i2);
                    assert_eq!(n, 1, "fitted");
                    let (de, di) = fit_direct(&members, &s.v, &s.yc, base);
                    worst_e = worst_e.max((e[0] - de).abs() / spread);
                    worst_i = worst_i.max((i2[0] - di).abs());
                }
            }
            println!(
                "{base:?} k={k}: largest differences {worst_e:.1e} (estimate, relative), {worst_i:.1e} (I²)"
            );
            assert!(worst_e <= ESTIMATE_TOLERANCE, "{worst_e:e}");
            assert!(worst_i <= I2_TOLERANCE, "{worst_i:e}");
        }
    }
}

/// The vectorised (AVX2) and portable enumerations count and sum the same, bit for bit.
#[test]
fn vectorised_and_portable_paths_agree_bit_for_bit() {
    let (yi, vi) = generated(16);
    let s = Studies::new(&yi, &vi, Some(5)).expect("valid input");
    let (lo, hi) = edges_range(min_max(&yi));
    let map = CellMap::new(HeatmapGrid::default(), lo, hi, s.centre);
    let summary = |t: &Tally| {
        (
            t.counts.clone(),
            t.n_with,
            t.estimate.sum.to_bits(),
            t.i2.sum.to_bits(),
            t.i2.max.to_bits(),
        )
    };
    let mut go = |_: u64, _: u64| ControlFlow::Continue(());
    let mut portable = Tally::new(map_cells(&map));
    let _ = enumerate::<CommonEffect, _>(&s, &map, &mut portable, &mut go, Simd::Baseline);
    let mut dispatched = Tally::new(map_cells(&map));
    let _ = enumerate::<CommonEffect, _>(&s, &map, &mut dispatched, &mut go, Simd::detect());
    assert_eq!(summary(&portable), summary(&dispatched));
}

fn map_cells(map: &CellMap) -> usize {
    (map.estimate_edges.len() - 1) * (map.i2_edges.len() - 1)
}

#[test]
fn the_first_half_of_the_enumeration_is_the_subsets_without_the_highlighted_study() {
    let (yi, vi) = generated(14);
    let mut seen = Vec::new();
    let h = gosh_heatmap(
        &yi,
        &vi,
        &settings(BaseFit::Common, Some(9)),
        |done, total| {
            seen.push((done, total));
            ControlFlow::Continue(())
        },
    )
    .expect("valid")
    .expect("not cancelled");
    let with = h.highlighted.as_ref().expect("highlighted");
    assert_eq!((with.study, with.n_subsets), (9, 1 << 13));
    assert_eq!(with.counts.iter().sum::<u64>(), 1 << 13);
    // Progress ends at the total, never going back.
    assert_eq!(seen.last(), Some(&((1 << 14) - 1, (1 << 14) - 1)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    // Counts without the highlighted study by cell.
    let without: u64 = (0..100)
        .flat_map(|i| (0..50).map(move |j| (i, j)))
        .map(|(i, j)| h.count_without_highlighted(i, j))
        .sum();
    assert_eq!(without, (1 << 13) - 1);
    assert_eq!(h.count(100, 0), 0);
}

#[test]
fn cancelling_returns_none_and_progress_comes_every_million_subsets() {
    let (yi, vi) = generated(22);
    let mut calls = Vec::new();
    let result = gosh_heatmap(&yi, &vi, &settings(BaseFit::Common, None), |done, total| {
        calls.push((done, total));
        if calls.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(result, Ok(None));
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.1 == (1 << 22) - 1));
    // Each call about 2^20 subsets after the last (a block of 2^12 at most off).
    assert!(
        (calls[0].0 as i64 - (1 << 20)).abs() <= 1 << 12,
        "{calls:?}"
    );
}

#[test]
fn a_random_sample_is_labelled_reproducible_and_fair() {
    let (yi, vi) = generated(40);
    let mut s = settings(BaseFit::DerSimonianLaird, Some(7));
    s.sample_size = 1 << 14;
    s.seed = 42;
    let a = run(&yi, &vi, &s);
    assert_eq!(a.coverage, GoshCoverage::RandomSample { seed: 42 });
    assert_eq!(a.n_subsets, 1 << 14);
    assert_eq!(a.counts.iter().sum::<u64>(), a.n_fitted);
    assert_eq!(a, run(&yi, &vi, &s), "the same seed, the same heatmap");
    s.seed = 43;
    assert_ne!(a.counts, run(&yi, &vi, &s).counts);
    // About half of the subsets hold the highlighted study (sd 64 of 8,192).
    let with = a.highlighted.expect("highlighted").n_subsets as i64;
    assert!((with - (1 << 13)).abs() < 400, "{with}");
    // Estimates are weighted means of the studies' effects.
    let (lo, hi) = min_max(&yi);
    assert!(a.estimate.min >= lo - 1e-12 && a.estimate.max <= hi + 1e-12);
}

#[test]
fn a_sample_estimates_the_exact_heatmap() {
    let (yi, vi) = generated(14);
    let exact = run(&yi, &vi, &settings(BaseFit::Common, None));
    let mut s = settings(BaseFit::Common, None);
    s.exact_up_to = 0;
    s.sample_size = 1 << 16;
    let sampled = run(&yi, &vi, &s);
    assert_eq!(exact.coverage, GoshCoverage::AllSubsets);
    assert_ne!(sampled.coverage, GoshCoverage::AllSubsets);
    // Mean I² of the sample within 5 standard errors of the exact mean.
    let se = 30.0 / (sampled.n_fitted as f64).sqrt();
    assert!(
        (sampled.i2.mean - exact.i2.mean).abs() < 5.0 * se,
        "{sampled:?}"
    );
    assert!((sampled.estimate.mean - exact.estimate.mean).abs() < 0.01);
}

#[test]
fn the_fit_of_all_studies_is_the_common_effect_and_dl_fit() {
    let (yi, vi) = reference(MAGNESIUM);
    for base in BaseFit::ALL {
        let h = run(&yi, &vi, &settings(base, None));
        let fit = base.fit(&yi, &vi).expect("valid");
        assert!((h.all_studies.estimate - fit.pooled.estimate).abs() < 1e-12);
        let q = crate::rma::heterogeneity_q(&yi, &vi);
        let df = (yi.len() - 1) as f64;
        let i2 = (100.0 * (q.q - df) / q.q).max(0.0);
        assert!(
            (h.all_studies.i2 - i2).abs() < 1e-9,
            "{} {i2}",
            h.all_studies.i2
        );
    }
}

#[test]
fn grids_are_validated_and_any_size_is_counted() {
    assert_eq!(HeatmapGrid::new(0, 50), None);
    assert_eq!(HeatmapGrid::new(100, HEATMAP_MAX_BINS + 1), None);
    let grid = HeatmapGrid::new(7, 3).expect("valid");
    assert_eq!(
        (grid.estimate_bins(), grid.i2_bins(), grid.cells()),
        (7, 3, 21)
    );
    let (yi, vi) = generated(9);
    let mut s = settings(BaseFit::Common, None);
    s.grid = grid;
    let h = run(&yi, &vi, &s);
    assert_eq!(
        (h.estimate_edges.len(), h.i2_edges.len(), h.counts.len()),
        (8, 4, 21)
    );
    assert_eq!(h.counts.iter().sum::<u64>(), 511);
    assert_eq!(h.i2_edges, [0.0, 100.0 / 3.0, 200.0 / 3.0, 100.0]);
}

#[test]
fn invalid_input_is_an_error() {
    let ok = settings(BaseFit::Common, None);
    let go = |_: u64, _: u64| ControlFlow::Continue(());
    let err = |yi: &[f64], vi: &[f64], s: &GoshHeatmapSettings| gosh_heatmap(yi, vi, s, go).err();
    assert_eq!(err(&[0.1], &[0.1], &ok), Some(DiagnosticsError::OneStudy));
    assert_eq!(err(&[], &[], &ok), Some(DiagnosticsError::NoStudies));
    assert!(matches!(
        err(&[0.1, 0.2], &[0.1], &ok),
        Some(DiagnosticsError::LengthMismatch { .. })
    ));
    assert_eq!(
        err(&[0.1, f64::NAN], &[0.1, 0.1], &ok),
        Some(DiagnosticsError::InvalidStudy { index: 1 })
    );
    assert_eq!(
        err(
            &[0.1, 0.2],
            &[0.1, 0.1],
            &settings(BaseFit::Common, Some(2))
        ),
        Some(DiagnosticsError::InvalidStudy { index: 2 })
    );
    // Effects and variances whose sums could overflow.
    assert_eq!(
        err(&[0.1, 1e80], &[0.1, 0.1], &ok),
        Some(DiagnosticsError::InvalidStudy { index: 1 })
    );
    assert_eq!(
        err(&[0.1, 0.2], &[0.1, 1e51], &ok),
        Some(DiagnosticsError::InvalidStudy { index: 1 })
    );
    assert_eq!(
        err(&[0.1, 0.2], &[1e-200, 0.1], &ok),
        Some(DiagnosticsError::InvalidStudy { index: 0 })
    );
    let many = vec![0.1; GOSH_HEATMAP_MAX_K + 1];
    assert!(matches!(
        err(&many, &many, &ok),
        Some(DiagnosticsError::TooManyStudies { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the numbers, no panic, and every fitted subset is counted once.
    #[test]
    fn any_input_gives_a_heatmap_or_an_error(
        studies in prop::collection::vec(
            (prop_oneof![-1e6f64..1e6, -5.0f64..5.0, Just(0.0), any::<f64>()],
             prop_oneof![1e-8f64..1e8, 0.001f64..1.0, Just(1e-300), any::<f64>()]),
            0..12,
        ),
        dl in any::<bool>(),
        highlight in prop::option::of(0usize..14),
    ) {
        let (yi, vi): (Vec<f64>, Vec<f64>) = studies.into_iter().unzip();
        let base = if dl { BaseFit::DerSimonianLaird } else { BaseFit::Common };
        let s = settings(base, highlight);
        if let Ok(Some(h)) = gosh_heatmap(&yi, &vi, &s, |_, _| ControlFlow::Continue(())) {
            prop_assert_eq!(h.counts.iter().sum::<u64>(), h.n_fitted);
            prop_assert!(h.n_fitted <= h.n_subsets);
            prop_assert!(h.estimate.min.is_finite() && h.i2.max <= 100.0);
        }
    }
}

/// When Q dwarfs its degrees of freedom, `100·Q'·Σw·r` rounds above 100; I² is capped
/// (the case proptest found: two precise studies 4.8e17 apart).
#[test]
fn i2_never_exceeds_100_when_q_dwarfs_its_degrees_of_freedom() {
    let yi = [0.0, 0.0, 4.756_247_808_813_782_4e17];
    let vi = [0.001, 1e-8, 1e-8];
    for base in [BaseFit::Common, BaseFit::DerSimonianLaird] {
        let h = run(&yi, &vi, &settings(base, None));
        assert_eq!(h.n_fitted, 7);
        assert_eq!(h.i2.max, 100.0, "{base:?}");
        assert!(h.estimate.min.is_finite());
    }
}
