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
//! [`GOSH_MAX_STORED_K`] studies) with the [`GoshSummary`]; [`gosh_summary`] streams
//! them (two passes, no storage, progress and cancellation) for up to 63 studies, and
//! gives every summary statistic except the percentiles, which need the values.
//!
//! Reference: Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH — a graphical display of
//! study heterogeneity. Res Synth Methods 3:214–223.

use std::ops::ControlFlow;

use serde::Serialize;

use super::{BaseFit, DiagnosticsError, check_input};

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
    /// R `quantile(type = 7)` at [`PERCENTILE_PROBABILITIES`]; `None` when the values
    /// were streamed rather than stored.
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

/// The summary of a GOSH analysis without storing the `2^k − 1` values: two passes of
/// [`gosh_visit`], the first for the moments and the range of the estimates (which fixes
/// the histogram's edges), the second for the histogram. `progress(done, total)` is
/// called every [`RESYNC_INTERVAL`] subsets and at the end, `total = 2·(2^k − 1)`; it
/// returns `ControlFlow::Break(())` to cancel, and then the result is `Ok(None)`.
/// Percentiles are `None` (they need the values; see [`gosh`]).
///
/// # Errors
/// As [`gosh_visit`].
pub fn gosh_summary<P>(
    yi: &[f64],
    vi: &[f64],
    base: BaseFit,
    mut progress: P,
) -> Result<Option<GoshSummary>, DiagnosticsError>
where
    P: FnMut(u64, u64) -> ControlFlow<()>,
{
    check_input(yi, vi)?;
    let k = yi.len();
    let n = if (2..=GOSH_MAX_K).contains(&k) {
        (1u64 << k) - 1
    } else {
        0
    };
    let total = 2 * n;
    let mut acc = GoshAccumulator::new(base);
    let mut done = 0u64;
    let mut tick = |done: &mut u64| {
        *done += 1;
        if done.is_multiple_of(RESYNC_INTERVAL) || *done == total {
            progress(*done, total)
        } else {
            ControlFlow::Continue(())
        }
    };
    let first = gosh_visit(yi, vi, base, |s| {
        acc.push(s);
        tick(&mut done)
    })?;
    if first.is_break() {
        return Ok(None);
    }
    let (lo, hi) = edges_range((acc.estimate.min, acc.estimate.max));
    let mut histogram = Histogram::new(lo, hi);
    let second = gosh_visit(yi, vi, base, |s| {
        histogram.add(s.estimate, s.i2);
        tick(&mut done)
    })?;
    if second.is_break() {
        return Ok(None);
    }
    Ok(Some(acc.finish(histogram)))
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
        self.estimate.push(s.estimate);
        self.i2.push(s.i2);
        self.q.push(s.q);
        self.tau2.push(s.tau2);
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

    /// Counts one subset; a value outside the edges (or not finite) is not counted.
    pub fn add(&mut self, estimate: f64, i2: f64) {
        if let (Some(i), Some(j)) = (bin(&self.estimate_edges, estimate), bin(&self.i2_edges, i2)) {
            self.counts[i][j] += 1;
        }
    }
}

/// The bin of `x`: `edges[b] ≤ x < edges[b + 1]`, the last bin closed.
fn bin(edges: &[f64], x: f64) -> Option<usize> {
    let n = edges.len().checked_sub(1)?;
    let (lo, hi) = (edges[0], edges[n]);
    if !(x >= lo && x <= hi) {
        return None;
    }
    // First guess from the spacing, then settle against the stored edges.
    let guess = ((x - lo) / (hi - lo) * n as f64).floor();
    let mut b = if guess.is_finite() {
        (guess.max(0.0) as usize).min(n - 1)
    } else {
        0
    };
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
    s.percentiles =
        (!sorted.is_empty()).then(|| PERCENTILE_PROBABILITIES.map(|p| type7(&sorted, p)));
    s
}

/// R `quantile(x, p, type = 7)` of sorted values: linear interpolation at position
/// `1 + (n − 1)·p` (Hyndman & Fan 1996, definition 7).
fn type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor();
    let i = lo as usize;
    match sorted.get(i + 1) {
        Some(&next) => sorted[i] + (h - lo) * (next - sorted[i]),
        None => sorted[i],
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
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
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
