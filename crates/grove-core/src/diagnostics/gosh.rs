//! GOSH plots (Olkin, Dahabreh & Trikalinos 2012; metafor `gosh.rma()`): the model
//! fitted to every non-empty subset of the studies, `2^k − 1` fits.
//!
//! # Formulas (metafor's closed-form path for EE and DL)
//!
//! For a subset `S` of `m` studies, with `wᵢ = 1/vᵢ`:
//!
//! ```text
//! μ_EE = Σwy/Σw      Q = Σw(y − μ_EE)² = Σwy² − (Σwy)²/Σw      I² = max(0, 100(Q − (m−1))/Q)
//! DL:  τ² = max(0, (Q − (m−1)) / (Σw − Σw²/Σw)),   μ_DL = Σw*y/Σw*,  w* = 1/(v + τ²)
//! m = 1: μ = y, Q = 0, I² = 0, τ² = 0
//! ```
//!
//! `Q` and `I²` are the common-effect values in both fits, as metafor reports them.
//!
//! # Enumeration
//!
//! Subsets are visited in Gray-code order ([`gosh_visit`]): consecutive subsets differ
//! by one study, so the sums `Σw, Σwy, Σwy², Σw²` are updated by adding or removing one
//! term — O(1) per subset for EE, plus one pass over the subset's studies for the DL
//! estimate when τ² > 0. No allocation per subset. To keep rounding from accumulating,
//! `y` is centred on the common-effect estimate of all studies and the sums are
//! recomputed from scratch every [`RESYNC_INTERVAL`] subsets.
//!
//! [`gosh`] stores every subset's values (ascending bitmask order, up to
//! [`GOSH_MAX_STORED_K`] studies) with the [`GoshSummary`]; [`gosh_summary`] gives the
//! same summary without storing the values (several passes, progress and
//! cancellation), for up to 63 studies.
//!
//! [`gosh_heatmap`] counts the subsets on an (estimate, I²) grid, what the GOSH plot
//! ([`crate::plot::gosh`]) draws: every subset up to [`GOSH_HEATMAP_MAX_EXACT_K`] = 30
//! studies, a seeded random sample of subsets above. It pairs a table of the sums of
//! every subset of 12 studies with each subset of the others, so that a subset costs a
//! few additions, one division and a vectorised loop (common effect), and the subsets
//! with a highlighted study are counted apart in the same pass.
//!
//! metafor: `gosh(rma(yi, vi, method = "EE" | "DL"))` (`gosh.rma`), whose `res$res` has
//! the columns `estimate`, `QE`, `I2` (and `tau2`) per subset in the order of
//! `res$incl`; `plot(res, out = i)` draws `estimate` against `I2`, the subsets with study
//! `i` in a colour of their own.
//!
//! Reference: Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH — a graphical display of
//! study heterogeneity. Res Synth Methods 3:214–223.

use std::ops::ControlFlow;

use serde::Serialize;

use super::{BaseFit, DiagnosticsError, check_input};

mod heatmap;

pub use heatmap::{
    GOSH_HEATMAP_MAX_EXACT_K, GOSH_HEATMAP_MAX_K, GOSH_HEATMAP_PROGRESS_INTERVAL,
    GOSH_HEATMAP_SAMPLE_SIZE, GoshCoverage, GoshHeatmap, GoshHeatmapSettings, GoshPoint, GoshRange,
    HEATMAP_MAX_BINS, HeatmapGrid, HighlightedSubsets, gosh_heatmap,
};

/// Largest number of studies whose per-subset values [`gosh`] stores (2^20 − 1 subsets).
pub const GOSH_MAX_STORED_K: usize = 20;
/// Largest number of studies [`gosh_visit`] enumerates (bitmasks are 64-bit).
pub const GOSH_MAX_K: usize = 63;
/// Bins of each axis of the (estimate, I²) histogram.
pub const HISTOGRAM_BINS: usize = 50;
/// The probabilities of [`GoshStatistic::percentiles`]: 1, 5, 25, 50, 75, 95, 99%.
pub const PERCENTILE_PROBABILITIES: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
/// Subsets between recomputations of the running sums from scratch.
pub const RESYNC_INTERVAL: u64 = 1 << 12;

/// One subset's fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshSubset {
    /// Bit `b` set: the `b`-th study (0-based, input order) is in the subset.
    pub bitmask: u64,
    /// Number of studies in the subset.
    pub size: usize,
    /// The pooled estimate of the base fit.
    pub estimate: f64,
    /// Cochran's Q (common effect).
    pub q: f64,
    /// I² in percent (common effect).
    pub i2: f64,
    /// DerSimonian–Laird τ² (0 for EE).
    pub tau2: f64,
}

/// Every subset's fit, with the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gosh {
    /// Number of studies.
    pub k: usize,
    /// The base fit.
    pub base: BaseFit,
    /// Bitmasks `1, 2, …, 2^k − 1` (ascending).
    pub bitmask: Vec<u64>,
    /// Pooled estimate per subset.
    pub estimate: Vec<f64>,
    /// Q per subset.
    pub q: Vec<f64>,
    /// I² per subset.
    pub i2: Vec<f64>,
    /// τ² per subset (DL only).
    pub tau2: Option<Vec<f64>>,
    /// Summary over all subsets.
    pub summary: GoshSummary,
}

/// Summary statistics of one quantity over all subsets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshStatistic {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation (denominator `n − 1`; 0 for one value).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// R `quantile(type = 7)` at [`PERCENTILE_PROBABILITIES`]; `None` for no values
    /// (and from [`GoshAccumulator::finish`], which sees each value once).
    pub percentiles: Option<[f64; 7]>,
}

/// The 50 × 50 histogram of (estimate, I²) over all subsets. Bins are `[edge_b,
/// edge_{b+1})`, the last one closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// 51 edges: `lo = floor(10·min)/10`, `hi = ceil(10·max)/10` (`lo + 0.1` if equal),
    /// `edge_b = lo + b·(hi − lo)/50`.
    pub estimate_edges: Vec<f64>,
    /// 51 edges `0, 2, …, 100`.
    pub i2_edges: Vec<f64>,
    /// `counts[i][j]`: subsets with the estimate in bin `i` and I² in bin `j`.
    pub counts: Vec<Vec<u64>>,
}

/// Summary of a GOSH analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoshSummary {
    /// `2^k − 1`.
    pub n_subsets: u64,
    /// Subsets with a finite estimate and I² (all of them for valid input).
    pub n_fitted: u64,
    /// The pooled estimate.
    pub estimate: GoshStatistic,
    /// I².
    pub i2: GoshStatistic,
    /// Q.
    pub q: GoshStatistic,
    /// τ² (DL only).
    pub tau2: Option<GoshStatistic>,
    /// The (estimate, I²) histogram.
    pub histogram: Histogram,
}

/// Visits the fit of every non-empty subset of the studies in Gray-code order (see the
/// [module docs](self)), calling `visit` for each; `visit` returns
/// `ControlFlow::Break(())` to stop (the page's cancel button). Returns whether the
/// enumeration ran to the end (`Continue`) or was stopped.
///
/// # Errors
/// [`DiagnosticsError::OneStudy`] for a single study (metafor refuses k = 1),
/// [`DiagnosticsError::TooManyStudies`] above [`GOSH_MAX_K`], and malformed input.
///
/// ```
/// use std::ops::ControlFlow;
/// use grove_core::diagnostics::{gosh_visit, BaseFit};
/// let mut n = 0;
/// gosh_visit(&[0.1, 0.5, -0.2], &[0.04, 0.04, 0.08], BaseFit::Common, |_| {
///     n += 1;
///     ControlFlow::Continue(())
/// }).unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn gosh_visit<F>(
    yi: &[f64],
    vi: &[f64],
    base: BaseFit,
    mut visit: F,
) -> Result<ControlFlow<()>, DiagnosticsError>
where
    F: FnMut(&GoshSubset) -> ControlFlow<()>,
{
    check_input(yi, vi)?;
    let k = yi.len();
    if k < 2 {
        return Err(DiagnosticsError::OneStudy);
    }
    if k > GOSH_MAX_K {
        return Err(DiagnosticsError::TooManyStudies { k, max: GOSH_MAX_K });
    }
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
    // Centre on the common-effect estimate of all studies: smaller sums, less rounding.
    let sw_all: f64 = w.iter().sum();
    let centre = w.iter().zip(yi).map(|(w, y)| w * y).sum::<f64>() / sw_all;
    let yc: Vec<f64> = yi.iter().map(|y| y - centre).collect();
    let mut sums = Sums::default();
    let total: u64 = (1u64 << k) - 1;
    let mut mask = 0u64;
    for g in 1..=total {
        let bit = g.trailing_zeros() as usize;
        mask ^= 1 << bit;
        if g.is_multiple_of(RESYNC_INTERVAL) {
            sums = Sums::of(mask, &w, &yc);
        } else if mask & (1 << bit) != 0 {
            sums.add(w[bit], yc[bit]);
        } else {
            sums.remove(w[bit], yc[bit]);
        }
        let subset = sums.fit(mask, centre, yi, vi, &yc, base);
        if visit(&subset).is_break() {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// Every subset's fit stored in ascending bitmask order, with the summary (metafor
/// `gosh(fit, subsets = 2^k - 1)`).
///
/// # Errors
/// As [`gosh_visit`], and [`DiagnosticsError::TooManyStudies`] above
/// [`GOSH_MAX_STORED_K`] (use [`gosh_summary`]).
pub fn gosh(yi: &[f64], vi: &[f64], base: BaseFit) -> Result<Gosh, DiagnosticsError> {
    let k = yi.len();
    if k > GOSH_MAX_STORED_K {
        return Err(DiagnosticsError::TooManyStudies {
            k,
            max: GOSH_MAX_STORED_K,
        });
    }
    check_input(yi, vi)?;
    let n = (1usize << k).saturating_sub(1);
    let mut estimate = vec![0.0; n];
    let mut q = vec![0.0; n];
    let mut i2 = vec![0.0; n];
    let mut tau2 = vec![0.0; n];
    // The visitor never stops the enumeration.
    let _complete = gosh_visit(yi, vi, base, |s| {
        // bitmask ≥ 1 and < 2^k ≤ 2^20, so the index fits.
        let i = (s.bitmask - 1) as usize;
        estimate[i] = s.estimate;
        q[i] = s.q;
        i2[i] = s.i2;
        tau2[i] = s.tau2;
        ControlFlow::Continue(())
    })?;
    let (lo, hi) = edges_range(min_max(&estimate));
    let mut histogram = Histogram::new(lo, hi);
    for (e, i) in estimate.iter().zip(&i2) {
        histogram.add(*e, *i);
    }
    let tau2 = (base == BaseFit::DerSimonianLaird).then_some(tau2);
    let summary = GoshSummary {
        n_subsets: n as u64,
        n_fitted: estimate
            .iter()
            .zip(&i2)
            .filter(|(e, i)| e.is_finite() && i.is_finite())
            .count() as u64,
        estimate: statistic(&estimate),
        i2: statistic(&i2),
        q: statistic(&q),
        tau2: tau2.as_deref().map(statistic),
        histogram,
    };
    Ok(Gosh {
        k,
        base,
        bitmask: (1..=n as u64).collect(),
        estimate,
        q,
        i2,
        tau2,
        summary,
    })
}

/// How far a streamed GOSH summary ([`gosh_summary`]) has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GoshProgress {
    /// The pass over all subsets, from 1: pass 1 takes the moments, the histogram and
    /// narrows down the percentiles, later passes (usually one or two) finish them.
    pub pass: usize,
    /// Subsets done in this pass.
    pub done: u64,
    /// Subsets in a pass, `2^k − 1`.
    pub subsets: u64,
}

/// The summary of a GOSH analysis, percentiles included, without storing the `2^k − 1`
/// values: passes of [`gosh_visit`] (no storage per subset), the same numbers as
/// [`gosh`]'s summary.
///
/// * Pass 1: moments (Welford 1962) and extremes; the histogram, whose edges are known
///   before any fit ([`Histogram::for_studies`]); and, for each percentile, the order
///   statistics it needs (R type 7: ranks `⌊h⌋` and `⌊h⌋ + 1`, `h = (n − 1)·p`) are
///   narrowed to one of 4096 bins (count, minimum, maximum) of a range known to hold
///   every value (estimates within the studies' `yi`, `0 ≤ I² ≤ 100`, Q at most Q of
///   all studies; DL's τ² has no such range and starts in pass 2).
/// * Later passes: a bin holding a wanted rank is collected and sorted when it holds at
///   most 2^18 values, or split into 4096 bins again; an order statistic that is the
///   first or last of its bin, or of a bin whose values are all equal, is known at
///   once. Each pass splits every open range, so this ends; for smooth data one or two
///   passes more suffice. Should rounding put a value outside its assumed range (or an
///   estimate outside the histogram's edges), that part is redone in pass 2 from the
///   ranges pass 1 found.
///
/// `progress` is called every [`RESYNC_INTERVAL`] subsets and at the end of each pass;
/// it returns `ControlFlow::Break(())` to cancel, and then the result is `Ok(None)`.
///
/// # Errors
/// As [`gosh_visit`].
///
/// ```
/// use std::ops::ControlFlow;
/// use grove_core::diagnostics::{gosh, gosh_summary, BaseFit};
/// let (yi, vi) = ([0.1, 0.5, -0.2, 0.3], [0.04, 0.04, 0.08, 0.02]);
/// let streamed = gosh_summary(&yi, &vi, BaseFit::DerSimonianLaird, |_| ControlFlow::Continue(()))
///     .unwrap()
///     .unwrap();
/// let stored = gosh(&yi, &vi, BaseFit::DerSimonianLaird).unwrap().summary;
/// assert_eq!(streamed.estimate.percentiles, stored.estimate.percentiles);
/// ```
pub fn gosh_summary<P>(
    yi: &[f64],
    vi: &[f64],
    base: BaseFit,
    progress: P,
) -> Result<Option<GoshSummary>, DiagnosticsError>
where
    P: FnMut(GoshProgress) -> ControlFlow<()>,
{
    summary_streamed(yi, vi, base, STREAM_LIMITS, progress)
}

/// Streaming moments, minimum and maximum of each GOSH quantity (Welford 1962), fed one
/// subset at a time; [`GoshAccumulator::finish`] with a histogram gives the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct GoshAccumulator {
    base: BaseFit,
    n_fitted: u64,
    estimate: Running,
    i2: Running,
    q: Running,
    tau2: Running,
}

impl GoshAccumulator {
    /// An empty accumulator for the base fit `base`.
    pub fn new(base: BaseFit) -> GoshAccumulator {
        GoshAccumulator {
            base,
            n_fitted: 0,
            estimate: Running::new(),
            i2: Running::new(),
            q: Running::new(),
            tau2: Running::new(),
        }
    }

    /// Adds one subset.
    pub fn push(&mut self, s: &GoshSubset) {
        if s.estimate.is_finite() && s.i2.is_finite() {
            self.n_fitted += 1;
        }
        let inverse_count = 1.0 / (self.estimate.n + 1) as f64;
        self.estimate.push_with(s.estimate, inverse_count);
        self.i2.push_with(s.i2, inverse_count);
        self.q.push_with(s.q, inverse_count);
        self.tau2.push_with(s.tau2, inverse_count);
    }

    /// The summary so far, with `histogram`.
    pub fn finish(&self, histogram: Histogram) -> GoshSummary {
        GoshSummary {
            n_subsets: self.estimate.n,
            n_fitted: self.n_fitted,
            estimate: self.estimate.statistic(),
            i2: self.i2.statistic(),
            q: self.q.statistic(),
            tau2: (self.base == BaseFit::DerSimonianLaird).then(|| self.tau2.statistic()),
            histogram,
        }
    }
}

impl Histogram {
    /// An empty histogram with estimate edges from `lo` to `hi` (see [`Histogram`]).
    pub fn new(lo: f64, hi: f64) -> Histogram {
        let bins = HISTOGRAM_BINS as f64;
        let mut estimate_edges: Vec<f64> = (0..=HISTOGRAM_BINS)
            .map(|b| lo + b as f64 * (hi - lo) / bins)
            .collect();
        estimate_edges[HISTOGRAM_BINS] = hi;
        Histogram {
            estimate_edges,
            i2_edges: (0..=HISTOGRAM_BINS).map(|b| 2.0 * b as f64).collect(),
            counts: vec![vec![0; HISTOGRAM_BINS]; HISTOGRAM_BINS],
        }
    }

    /// The histogram of a GOSH analysis of studies with effects `yi`, known before any
    /// subset is fitted: every subset's estimate (EE or DL) is a weighted mean of its
    /// studies' `yi`, so the smallest and largest estimates are those of the single
    /// studies with the smallest and largest `yi`. With [`GoshAccumulator`] this gives
    /// the summary without percentiles in one pass of [`gosh_visit`].
    pub fn for_studies(yi: &[f64]) -> Histogram {
        let (lo, hi) = edges_range(min_max(yi));
        Histogram::new(lo, hi)
    }

    /// Counts one subset; a value outside the edges (or not finite) is not counted.
    pub fn add(&mut self, estimate: f64, i2: f64) {
        if let (Some(i), Some(j)) = (bin(&self.estimate_edges, estimate), bin(&self.i2_edges, i2)) {
            self.counts[i][j] += 1;
        }
    }
}

/// Bins per split and the most values collected per range when selecting order
/// statistics in [`gosh_summary`].
#[derive(Debug, Clone, Copy)]
struct Limits {
    bins: usize,
    collect: u64,
}

const STREAM_LIMITS: Limits = Limits {
    bins: 1 << 12,
    collect: 1 << 18,
};

fn summary_streamed<P>(
    yi: &[f64],
    vi: &[f64],
    base: BaseFit,
    limits: Limits,
    mut progress: P,
) -> Result<Option<GoshSummary>, DiagnosticsError>
where
    P: FnMut(GoshProgress) -> ControlFlow<()>,
{
    check_input(yi, vi)?;
    let k = yi.len();
    let subsets = if (2..=GOSH_MAX_K).contains(&k) {
        (1u64 << k) - 1
    } else {
        0
    };
    // One pass of gosh_visit, reporting progress; false when cancelled.
    let mut pass = 0;
    let mut run = |f: &mut dyn FnMut(&GoshSubset)| -> Result<bool, DiagnosticsError> {
        pass += 1;
        let mut done = 0u64;
        let flow = gosh_visit(yi, vi, base, |s| {
            f(s);
            done += 1;
            if done.is_multiple_of(RESYNC_INTERVAL) || done == subsets {
                progress(GoshProgress {
                    pass,
                    done,
                    subsets,
                })
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(flow.is_continue())
    };
    // Ranges known before any pass (see `Histogram::for_studies`, `a_priori_ranges`):
    // pass 1 already bins the histogram and narrows the percentiles.
    let mut acc = GoshAccumulator::new(base);
    let mut histogram = Histogram::for_studies(yi);
    let mut selections: [Option<Selection>; 4] = a_priori_ranges(yi, vi, base)
        .map(|range| range.map(|(lo, hi)| Selection::new(subsets, lo, hi, limits)));
    let first = run(&mut |s| {
        acc.push(s);
        histogram.add(s.estimate, s.i2);
        for (sel, x) in selections.iter_mut().zip(quantities(s)) {
            if let Some(sel) = sel {
                sel.observe(x);
            }
        }
    })?;
    if !first {
        return Ok(None);
    }
    // Rounding could put an estimate a hair outside the studies' range and so change the
    // edges, or a value outside its assumed range: then that part is done again from
    // the ranges pass 1 found.
    let actual = [&acc.estimate, &acc.i2, &acc.q, &acc.tau2];
    let (lo, hi) = edges_range((acc.estimate.min, acc.estimate.max));
    let mut redo_histogram = None;
    if histogram.estimate_edges.first() != Some(&lo) || histogram.estimate_edges.last() != Some(&hi)
    {
        redo_histogram = Some(Histogram::new(lo, hi));
    }
    for (sel, r) in selections.iter_mut().zip(actual) {
        match sel {
            Some(s) if s.saw_everything() => s.settle(limits),
            _ => *sel = Some(Selection::new(r.n, r.min, r.max, limits)),
        }
    }
    let mut selections =
        selections.map(|s| s.unwrap_or_else(|| Selection::new(0, 0.0, 0.0, limits)));
    while redo_histogram.is_some() || selections.iter().any(Selection::open) {
        let more = run(&mut |s| {
            if let Some(h) = &mut redo_histogram {
                h.add(s.estimate, s.i2);
            }
            for (sel, x) in selections.iter_mut().zip(quantities(s)) {
                sel.observe(x);
            }
        })?;
        if !more {
            return Ok(None);
        }
        if let Some(h) = redo_histogram.take() {
            histogram = h;
        }
        for sel in &mut selections {
            sel.settle(limits);
        }
    }
    let mut summary = acc.finish(histogram);
    let [e, i, q, t] = &selections;
    summary.estimate.percentiles = e.percentiles();
    summary.i2.percentiles = i.percentiles();
    summary.q.percentiles = q.percentiles();
    if let Some(tau2) = &mut summary.tau2 {
        tau2.percentiles = t.percentiles();
    }
    Ok(Some(summary))
}

/// Ranges that hold every subset's estimate, I², Q and τ² before any is computed, a
/// little widened against rounding: a subset's estimate (EE or DL) is a weighted mean
/// of its studies' `yi`; `0 ≤ I² ≤ 100`; Q of a subset is at most Q of all studies
/// (`Q(S) = min_c Σ_S w(y − c)² ≤ Σ_S w(y − μ_all)² ≤ Q_all`); τ² is 0 for EE and has no
/// such bound for DL (`None`: found in pass 1).
fn a_priori_ranges(yi: &[f64], vi: &[f64], base: BaseFit) -> [Option<(f64, f64)>; 4] {
    let widen = |lo: f64, hi: f64| {
        let margin = 1e-9 * (1.0 + lo.abs().max(hi.abs()));
        (lo - margin, hi + margin)
    };
    let (min, max) = min_max(yi);
    let q_all = crate::rma::heterogeneity_q(yi, vi).q;
    [
        Some(widen(min, max)),
        Some(widen(0.0, 100.0)),
        Some(widen(0.0, q_all)),
        match base {
            BaseFit::Common => Some((0.0, 0.0)),
            BaseFit::DerSimonianLaird => None,
        },
    ]
}

/// The quantities summarised, in the order estimate, I², Q, τ².
fn quantities(s: &GoshSubset) -> [f64; 4] {
    [s.estimate, s.i2, s.q, s.tau2]
}

/// Finding chosen order statistics of a stream of values over several passes, by
/// narrowing value ranges (see [`gosh_summary`]).
#[derive(Debug, Clone)]
struct Selection {
    n: u64,
    /// Values that fell in an open range during the current pass.
    seen: u64,
    /// Wanted 0-based ranks, with their values once known.
    wanted: Vec<(u64, Option<f64>)>,
    /// Open ranges, disjoint.
    ranges: Vec<Range>,
}

/// `count` values, all within `[lo, hi]`, of ranks `below..below + count`.
#[derive(Debug, Clone)]
struct Range {
    lo: f64,
    hi: f64,
    /// Bins per unit of value, `bins/(hi − lo)`.
    scale: f64,
    below: u64,
    count: u64,
    values: RangeValues,
}

#[derive(Debug, Clone)]
enum RangeValues {
    Bins(Vec<Bin>),
    Collected(Vec<f64>),
}

#[derive(Debug, Clone, Copy)]
struct Bin {
    count: u64,
    min: f64,
    max: f64,
}

impl Selection {
    fn new(n: u64, min: f64, max: f64, limits: Limits) -> Selection {
        let mut wanted: Vec<(u64, Option<f64>)> = Vec::new();
        if n > 0 {
            for p in PERCENTILE_PROBABILITIES {
                let (i, _) = type7_position(n, p);
                for r in [i, i + 1] {
                    if r < n && !wanted.iter().any(|w| w.0 == r) {
                        wanted.push((r, None));
                    }
                }
            }
        }
        let mut sel = Selection {
            n,
            seen: 0,
            wanted,
            ranges: Vec::new(),
        };
        sel.open_range(min, max, 0, n, None, limits);
        sel
    }

    fn open(&self) -> bool {
        !self.ranges.is_empty()
    }

    /// Opens a range for the wanted ranks in it, or resolves them when that is
    /// possible without a pass.
    fn open_range(
        &mut self,
        lo: f64,
        hi: f64,
        below: u64,
        count: u64,
        parent: Option<u64>,
        limits: Limits,
    ) {
        let inside = |r: u64| r >= below && r < below + count;
        if !self.wanted.iter().any(|w| w.1.is_none() && inside(w.0)) {
            return;
        }
        if lo == hi || count == 1 {
            for w in self.wanted.iter_mut().filter(|w| inside(w.0)) {
                w.1 = Some(lo);
            }
            return;
        }
        // Collect when small enough, or when splitting did not narrow (so it ends).
        let values = if count <= limits.collect || parent == Some(count) || !(hi - lo).is_finite() {
            RangeValues::Collected(Vec::new())
        } else {
            RangeValues::Bins(vec![
                Bin {
                    count: 0,
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                };
                limits.bins
            ])
        };
        // Kept sorted by `lo` (the ranges are disjoint) for a binary search per value.
        let at = self.ranges.partition_point(|r| r.lo < lo);
        self.ranges.insert(
            at,
            Range {
                lo,
                hi,
                scale: limits.bins as f64 / (hi - lo),
                below,
                count,
                values,
            },
        );
    }

    fn observe(&mut self, x: f64) {
        // The last range starting at or below x, if x is within it.
        let i = self.ranges.partition_point(|r| r.lo <= x);
        let Some(range) = i.checked_sub(1).map(|i| &mut self.ranges[i]) else {
            return;
        };
        if x > range.hi {
            return;
        }
        self.seen += 1;
        match &mut range.values {
            RangeValues::Collected(v) => v.push(x),
            RangeValues::Bins(bins) => {
                let nb = bins.len();
                // x is within [lo, hi], so the position is in [0, nb] and truncation is
                // its floor (a saturating cast, no call); nb belongs to the last bin.
                let at = ((x - range.lo) * range.scale) as usize;
                let b = &mut bins[at.min(nb - 1)];
                b.count += 1;
                b.min = b.min.min(x);
                b.max = b.max.max(x);
            }
        }
    }

    /// Whether every value of the pass fell in an open range (the first range was
    /// assumed rather than found).
    fn saw_everything(&self) -> bool {
        self.seen == self.ranges.iter().map(|r| r.count).sum::<u64>()
    }

    /// After a pass: resolves what the ranges now show and opens narrower ranges.
    fn settle(&mut self, limits: Limits) {
        self.seen = 0;
        for range in std::mem::take(&mut self.ranges) {
            match range.values {
                RangeValues::Collected(mut v) => {
                    v.sort_by(f64::total_cmp);
                    for w in self.wanted.iter_mut().filter(|w| w.1.is_none()) {
                        if w.0 >= range.below && w.0 < range.below + range.count {
                            // A rank with no value (non-finite subsets) stays NaN.
                            w.1 = Some(
                                v.get((w.0 - range.below) as usize)
                                    .copied()
                                    .unwrap_or(f64::NAN),
                            );
                        }
                    }
                }
                RangeValues::Bins(bins) => {
                    let mut start = range.below;
                    for bin in bins.iter().filter(|b| b.count > 0) {
                        let end = start + bin.count;
                        for w in self.wanted.iter_mut().filter(|w| w.1.is_none()) {
                            if w.0 == start {
                                w.1 = Some(bin.min);
                            } else if w.0 + 1 == end {
                                w.1 = Some(bin.max);
                            }
                        }
                        self.open_range(
                            bin.min,
                            bin.max,
                            start,
                            bin.count,
                            Some(range.count),
                            limits,
                        );
                        start = end;
                    }
                    // Ranks the bins did not reach (non-finite values) stay NaN.
                    for w in self.wanted.iter_mut().filter(|w| w.1.is_none()) {
                        if w.0 >= start && w.0 < range.below + range.count {
                            w.1 = Some(f64::NAN);
                        }
                    }
                }
            }
        }
    }

    fn percentiles(&self) -> Option<[f64; 7]> {
        if self.n == 0 {
            return None;
        }
        let value = |r: u64| {
            self.wanted
                .iter()
                .find(|w| w.0 == r)
                .and_then(|w| w.1)
                .unwrap_or(f64::NAN)
        };
        Some(PERCENTILE_PROBABILITIES.map(|p| type7(self.n, p, value)))
    }
}

/// The bin of `x`: `edges[b] ≤ x < edges[b + 1]`, the last bin closed.
fn bin(edges: &[f64], x: f64) -> Option<usize> {
    let n = edges.len().checked_sub(1).filter(|&n| n > 0)?;
    let (lo, hi) = (edges[0], edges[n]);
    if !(x >= lo && x <= hi) {
        return None;
    }
    // First guess from the spacing (x ≥ lo: truncation is the floor; the cast saturates
    // and maps NaN to 0), then settle against the stored edges.
    let mut b = (((x - lo) / (hi - lo) * n as f64) as usize).min(n - 1);
    while b > 0 && x < edges[b] {
        b -= 1;
    }
    while b + 1 < n && x >= edges[b + 1] {
        b += 1;
    }
    Some(b)
}

/// Histogram range of the estimates: `floor(10·min)/10`, `ceil(10·max)/10`, widened to
/// `lo + 0.1` when equal.
fn edges_range((min, max): (f64, f64)) -> (f64, f64) {
    let lo = (10.0 * min).floor() / 10.0;
    let hi = (10.0 * max).ceil() / 10.0;
    if hi > lo { (lo, hi) } else { (lo, lo + 0.1) }
}

fn min_max(x: &[f64]) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Summary of stored values, with R's type-7 percentiles.
fn statistic(x: &[f64]) -> GoshStatistic {
    let mut r = Running::new();
    for &v in x {
        r.push(v);
    }
    let mut s = r.statistic();
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as u64;
    s.percentiles =
        (n > 0).then(|| PERCENTILE_PROBABILITIES.map(|p| type7(n, p, |r| sorted[r as usize])));
    s
}

/// The position of R's `quantile(type = 7)` among `n ≥ 1` sorted values: 0-based rank
/// `⌊h⌋` and fraction `h − ⌊h⌋`, `h = (n − 1)·p` (1-based position `1 + (n − 1)·p`).
fn type7_position(n: u64, p: f64) -> (u64, f64) {
    let h = (n - 1) as f64 * p;
    let lo = h.floor();
    (lo as u64, h - lo)
}

/// R `quantile(x, p, type = 7)` of `n ≥ 1` values, `value(r)` the value of 0-based
/// rank `r`: linear interpolation between ranks `⌊h⌋` and `⌊h⌋ + 1` (Hyndman & Fan
/// 1996, definition 7).
fn type7(n: u64, p: f64, value: impl Fn(u64) -> f64) -> f64 {
    let (i, fraction) = type7_position(n, p);
    let x = value(i);
    if i + 1 < n {
        x + fraction * (value(i + 1) - x)
    } else {
        x
    }
}

/// Welford's running mean and sum of squared deviations, with the extremes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Running {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Running {
    fn new() -> Running {
        Running {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    fn push(&mut self, x: f64) {
        self.push_with(x, 1.0 / (self.n + 1) as f64);
    }

    /// [`Running::push`] with `1/(n + 1)` given (shared by the quantities of a subset).
    fn push_with(&mut self, x: f64, inverse_count: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta * inverse_count;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    fn statistic(&self) -> GoshStatistic {
        GoshStatistic {
            n: self.n,
            mean: self.mean,
            sd: if self.n > 1 {
                (self.m2 / (self.n - 1) as f64).sqrt()
            } else {
                0.0
            },
            min: self.min,
            max: self.max,
            percentiles: None,
        }
    }
}

/// Running sums of the subset's studies, `y` centred: `m`, `Σw`, `Σwy`, `Σwy²`, `Σw²`.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    m: usize,
    w: f64,
    wy: f64,
    wy2: f64,
    w2: f64,
}

impl Sums {
    fn of(mask: u64, w: &[f64], yc: &[f64]) -> Sums {
        let mut s = Sums::default();
        for (b, (&w, &y)) in w.iter().zip(yc).enumerate() {
            if mask & (1 << b) != 0 {
                s.add(w, y);
            }
        }
        s
    }

    fn add(&mut self, w: f64, y: f64) {
        self.m += 1;
        self.w += w;
        self.wy += w * y;
        self.wy2 += w * y * y;
        self.w2 += w * w;
    }

    fn remove(&mut self, w: f64, y: f64) {
        self.m -= 1;
        self.w -= w;
        self.wy -= w * y;
        self.wy2 -= w * y * y;
        self.w2 -= w * w;
    }

    /// The subset's fit (formulas in the module docs).
    fn fit(
        &self,
        mask: u64,
        centre: f64,
        yi: &[f64],
        vi: &[f64],
        yc: &[f64],
        base: BaseFit,
    ) -> GoshSubset {
        if self.m == 1 {
            // The single study: its own estimate, Q = 0, I² = 0, τ² = 0.
            let b = mask.trailing_zeros() as usize;
            return GoshSubset {
                bitmask: mask,
                size: 1,
                estimate: yi[b],
                q: 0.0,
                i2: 0.0,
                tau2: 0.0,
            };
        }
        let df = (self.m - 1) as f64;
        let mean_c = self.wy / self.w;
        // Q = Σwy² − (Σwy)²/Σw (centred), never below 0.
        let q = (self.wy2 - mean_c * self.wy).max(0.0);
        let i2 = if q > 0.0 {
            (100.0 * (q - df) / q).max(0.0)
        } else {
            0.0
        };
        let (estimate, tau2) = match base {
            BaseFit::Common => (centre + mean_c, 0.0),
            BaseFit::DerSimonianLaird => {
                let tau2 = ((q - df) / (self.w - self.w2 / self.w)).max(0.0);
                if tau2 > 0.0 {
                    let (mut sw, mut swy) = (0.0, 0.0);
                    let mut rest = mask;
                    while rest != 0 {
                        let b = rest.trailing_zeros() as usize;
                        rest &= rest - 1;
                        let w = 1.0 / (vi[b] + tau2);
                        sw += w;
                        swy += w * yc[b];
                    }
                    (centre + swy / sw, tau2)
                } else {
                    (centre + mean_c, 0.0)
                }
            }
        };
        GoshSubset {
            bitmask: mask,
            size: self.m,
            estimate,
            q,
            i2,
            tau2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny limits force several passes of narrowing; the streamed percentiles must
    /// still be the stored ones, bit for bit.
    #[test]
    fn streamed_percentiles_equal_stored_ones_after_many_passes() {
        let yi = [0.1, 0.5, -0.2, 0.3, 0.0, 0.3, 1.2, -0.4];
        let vi = [0.04, 0.04, 0.08, 0.02, 0.1, 0.02, 0.5, 0.3];
        for base in BaseFit::ALL {
            let stored = gosh(&yi, &vi, base).expect("valid").summary;
            let mut passes = 0;
            let limits = Limits {
                bins: 3,
                collect: 2,
            };
            let streamed = summary_streamed(&yi, &vi, base, limits, |p| {
                passes = passes.max(p.pass);
                ControlFlow::Continue(())
            })
            .expect("valid")
            .expect("not cancelled");
            assert!(passes > 3, "{passes} passes");
            assert_eq!(streamed.estimate.percentiles, stored.estimate.percentiles);
            assert_eq!(streamed.i2.percentiles, stored.i2.percentiles);
            assert_eq!(streamed.q.percentiles, stored.q.percentiles);
            assert_eq!(
                streamed.tau2.map(|t| t.percentiles),
                stored.tau2.map(|t| t.percentiles)
            );
            assert_eq!(streamed.histogram, stored.histogram);
        }
    }

    #[test]
    fn type7_matches_r() {
        // R: quantile(c(1, 2, 4, 8), c(.01, .05, .25, .5, .75, .95, .99), type = 7)
        let x = [1.0, 2.0, 4.0, 8.0];
        let q = PERCENTILE_PROBABILITIES.map(|p| type7(4, p, |r| x[r as usize]));
        let r = [1.03, 1.15, 1.75, 3.0, 5.0, 7.4, 7.88];
        for (a, b) in q.iter().zip(r) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }
}
