//! The GOSH heatmap ([`gosh_heatmap`]): the counts of every subset's (estimate, I²) on a
//! grid, without storing a value per subset, fast enough for every subset of 30 studies.

use std::ops::{ControlFlow, Range};

use serde::Serialize;

use super::super::{BaseFit, DiagnosticsError, check_input};
use super::{bin, edges_range, min_max};

/// Largest number of studies whose subsets [`gosh_heatmap`] enumerates one by one
/// (2^30 − 1 subsets); above it, or above [`GoshHeatmapSettings::exact_up_to`], it
/// draws a random sample.
pub const GOSH_HEATMAP_MAX_EXACT_K: usize = 30;
/// Largest number of studies [`gosh_heatmap`] accepts (a random sample of subsets).
pub const GOSH_HEATMAP_MAX_K: usize = 1000;
/// Subsets in the random sample unless set otherwise: 2^20 = 1,048,576.
pub const GOSH_HEATMAP_SAMPLE_SIZE: u64 = 1 << 20;
/// The progress callback of [`gosh_heatmap`] is called about this often (subsets).
pub const GOSH_HEATMAP_PROGRESS_INTERVAL: u64 = 1 << 20;
/// Largest number of bins on either axis of a [`HeatmapGrid`].
pub const HEATMAP_MAX_BINS: usize = 1000;

/// The bins of a GOSH heatmap: `estimate_bins` equal bins over the estimate range (the
/// edges of [`super::Histogram::for_studies`]) by `i2_bins` equal bins of I² from 0 to
/// 100%. Bins are `[edge_b, edge_{b+1})`, the last one closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeatmapGrid {
    estimate_bins: usize,
    i2_bins: usize,
}

impl HeatmapGrid {
    /// A grid of `estimate_bins × i2_bins`; `None` unless both are within
    /// `1..=`[`HEATMAP_MAX_BINS`].
    pub fn new(estimate_bins: usize, i2_bins: usize) -> Option<HeatmapGrid> {
        let valid = 1..=HEATMAP_MAX_BINS;
        (valid.contains(&estimate_bins) && valid.contains(&i2_bins)).then_some(HeatmapGrid {
            estimate_bins,
            i2_bins,
        })
    }

    /// Bins of the estimate (horizontal).
    pub fn estimate_bins(self) -> usize {
        self.estimate_bins
    }

    /// Bins of I² (vertical).
    pub fn i2_bins(self) -> usize {
        self.i2_bins
    }

    /// Number of cells, `estimate_bins · i2_bins`.
    pub fn cells(self) -> usize {
        self.estimate_bins * self.i2_bins
    }
}

impl Default for HeatmapGrid {
    /// 100 estimate bins by 50 I² bins (2 percentage points each).
    fn default() -> HeatmapGrid {
        HeatmapGrid {
            estimate_bins: 100,
            i2_bins: 50,
        }
    }
}

/// What [`gosh_heatmap`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshHeatmapSettings {
    /// The fit of each subset: EE or DL (Q and I² are the common-effect ones in both).
    pub base: BaseFit,
    /// A study (index into `yi`) whose subsets are also counted apart.
    pub highlight: Option<usize>,
    /// The bins.
    pub grid: HeatmapGrid,
    /// Every subset is fitted when `k` is at most this (and at most
    /// [`GOSH_HEATMAP_MAX_EXACT_K`]); above it, a random sample of `sample_size`.
    pub exact_up_to: usize,
    /// Subsets in the random sample.
    pub sample_size: u64,
    /// Seed of the random sample: the same seed, the same sample.
    pub seed: u64,
}

impl GoshHeatmapSettings {
    /// Every subset up to [`GOSH_HEATMAP_MAX_EXACT_K`] studies, otherwise a sample of
    /// [`GOSH_HEATMAP_SAMPLE_SIZE`] with seed 1; the default grid; no study highlighted.
    pub fn new(base: BaseFit) -> GoshHeatmapSettings {
        GoshHeatmapSettings {
            base,
            highlight: None,
            grid: HeatmapGrid::default(),
            exact_up_to: GOSH_HEATMAP_MAX_EXACT_K,
            sample_size: GOSH_HEATMAP_SAMPLE_SIZE,
            seed: 1,
        }
    }
}

/// Which subsets a heatmap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GoshCoverage {
    /// Every non-empty subset, `2^k − 1`.
    AllSubsets,
    /// Subsets drawn uniformly at random from the non-empty ones, with replacement
    /// (each study in or out with probability 1/2, the empty set drawn again).
    RandomSample {
        /// The seed that reproduces the sample.
        seed: u64,
    },
}

/// Mean, smallest and largest value of a quantity over the subsets counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshRange {
    /// Mean (sums in blocks of at most 4,096 values, the blocks summed with Neumaier's
    /// compensation).
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// A point of the (estimate, I²) plane.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoshPoint {
    /// Pooled estimate (analysis scale).
    pub estimate: f64,
    /// I² in percent (common effect).
    pub i2: f64,
}

/// The subsets that contain the highlighted study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HighlightedSubsets {
    /// The study (index into `yi`).
    pub study: usize,
    /// Subsets with the study (`2^(k−1)` when all are counted).
    pub n_subsets: u64,
    /// Their counts, laid out as [`GoshHeatmap::counts`].
    pub counts: Vec<u64>,
}

/// The GOSH heatmap: how many subsets fall in each (estimate, I²) cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoshHeatmap {
    /// Number of studies.
    pub k: usize,
    /// The fit of each subset.
    pub base: BaseFit,
    /// Every subset or a random sample.
    pub coverage: GoshCoverage,
    /// Subsets counted: `2^k − 1`, or the sample size.
    pub n_subsets: u64,
    /// Subsets with a finite estimate and I², those in the counts and statistics (all
    /// of them but for DL weights spanning some 16 orders of magnitude).
    pub n_fitted: u64,
    /// The bins.
    pub grid: HeatmapGrid,
    /// `estimate_bins + 1` edges (analysis scale): `lo = floor(10·min yᵢ)/10`,
    /// `hi = ceil(10·max yᵢ)/10` (`lo + 0.1` if equal), `edge_b = lo + b·(hi − lo)/bins`.
    pub estimate_edges: Vec<f64>,
    /// `i2_bins + 1` edges from 0 to 100.
    pub i2_edges: Vec<f64>,
    /// Subsets with the estimate in bin `i` and I² in bin `j` at `counts[i · i2_bins + j]`.
    pub counts: Vec<u64>,
    /// The same for the subsets with the highlighted study.
    pub highlighted: Option<HighlightedSubsets>,
    /// The estimate over the subsets.
    pub estimate: GoshRange,
    /// I² over the subsets.
    pub i2: GoshRange,
    /// The fit of all studies.
    pub all_studies: GoshPoint,
}

impl GoshHeatmap {
    /// The count of estimate bin `i` and I² bin `j` (0 outside the grid).
    pub fn count(&self, i: usize, j: usize) -> u64 {
        cell_count(&self.counts, self.grid, i, j)
    }

    /// The count of subsets without the highlighted study in bin (`i`, `j`); all subsets
    /// when none is highlighted.
    pub fn count_without_highlighted(&self, i: usize, j: usize) -> u64 {
        let with = self
            .highlighted
            .as_ref()
            .map_or(0, |h| cell_count(&h.counts, self.grid, i, j));
        self.count(i, j) - with
    }
}

/// The GOSH heatmap of `yi`, `vi` (Olkin, Dahabreh & Trikalinos 2012; metafor
/// `plot(gosh(rma(yi, vi, method)))`, which draws `res$res$estimate` against
/// `res$res$I2` as points): the number of subsets in each (estimate, I²) cell of
/// `settings.grid`, for all subsets and apart for those containing the highlighted
/// study, with the mean, smallest and largest estimate and I². The fits are those of
/// [`super::gosh_visit`] (formulas in the [module docs](super)), with the values of
/// one-study subsets exact (`μ = yᵢ`, `I² = 0`).
///
/// For `k` ≤ `settings.exact_up_to` (and ≤ [`GOSH_HEATMAP_MAX_EXACT_K`]) every one of
/// the `2^k − 1` subsets, otherwise a uniform random sample of `settings.sample_size`
/// subsets (splitmix64 seeded with `settings.seed`, so the same settings give the same
/// heatmap).
///
/// # Method
/// The studies are split into a low block `L` of up to 12 and a high block `H` (the
/// highlighted study last, so that the second half of the high subsets are those with
/// it). The sums `Σw, Σw(y − c), Σw(y − c)², m` (`c` the common-effect estimate of all
/// studies) of every subset of `L` are tabulated once; for each subset of `H`, its sums
/// are computed afresh and added to each table entry in a loop without dependencies
/// between entries (vectorised by the compiler). Each subset's sums are then at most
/// `k` terms summed in a fixed order, as accurate as sums from scratch. Common effect:
/// two divisions per subset; DL: a pass over the subset's studies when `τ² > 0`.
///
/// `progress(done, total)` is called about every [`GOSH_HEATMAP_PROGRESS_INTERVAL`]
/// subsets and at the end; `ControlFlow::Break(())` cancels (the page's cancel
/// button), and then the result is `Ok(None)`.
///
/// # Errors
/// [`DiagnosticsError::OneStudy`] for one study, [`DiagnosticsError::TooManyStudies`]
/// above [`GOSH_HEATMAP_MAX_K`], malformed input, a highlighted study out of range
/// ([`DiagnosticsError::InvalidStudy`]), and studies whose sums would overflow (weights
/// or effects beyond about 1e150: [`DiagnosticsError::InvalidStudy`]).
///
/// ```
/// use std::ops::ControlFlow;
/// use grove_core::diagnostics::{BaseFit, GoshHeatmapSettings, gosh_heatmap};
/// let mut settings = GoshHeatmapSettings::new(BaseFit::Common);
/// settings.highlight = Some(2);
/// let h = gosh_heatmap(&[0.1, 0.5, -0.2], &[0.04, 0.04, 0.08], &settings, |_, _| {
///     ControlFlow::Continue(())
/// })
/// .unwrap()
/// .unwrap();
/// assert_eq!(h.n_subsets, 7);
/// assert_eq!(h.counts.iter().sum::<u64>(), 7);
/// assert_eq!(h.highlighted.unwrap().n_subsets, 4);
/// ```
pub fn gosh_heatmap<P>(
    yi: &[f64],
    vi: &[f64],
    settings: &GoshHeatmapSettings,
    mut progress: P,
) -> Result<Option<GoshHeatmap>, DiagnosticsError>
where
    P: FnMut(u64, u64) -> ControlFlow<()>,
{
    check_input(yi, vi)?;
    let k = yi.len();
    if k < 2 {
        return Err(DiagnosticsError::OneStudy);
    }
    if k > GOSH_HEATMAP_MAX_K {
        return Err(DiagnosticsError::TooManyStudies {
            k,
            max: GOSH_HEATMAP_MAX_K,
        });
    }
    if let Some(index) = settings.highlight.filter(|&h| h >= k) {
        return Err(DiagnosticsError::InvalidStudy { index });
    }
    let studies = Studies::new(yi, vi, settings.highlight)?;
    let grid = settings.grid;
    let (lo, hi) = edges_range(min_max(yi));
    let map = CellMap::new(grid, lo, hi, studies.centre);
    let exact = k <= settings.exact_up_to.min(GOSH_HEATMAP_MAX_EXACT_K);
    let mut tally = Tally::new(grid.cells());
    let simd = Simd::detect();
    let finished = if exact {
        match settings.base {
            BaseFit::Common => {
                enumerate::<CommonEffect, _>(&studies, &map, &mut tally, &mut progress, simd)
            }
            BaseFit::DerSimonianLaird => {
                enumerate::<DerSimonianLaird, _>(&studies, &map, &mut tally, &mut progress, simd)
            }
        }
    } else {
        sample(
            &studies,
            settings.base,
            &map,
            settings.sample_size,
            settings.seed,
            &mut tally,
            &mut progress,
        )
    };
    if finished.is_break() {
        return Ok(None);
    }
    let n_subsets = if exact {
        (1u64 << k) - 1
    } else {
        settings.sample_size
    };
    let [without, with] = &tally.counts;
    let counts: Vec<u64> = without
        .iter()
        .zip(with)
        .map(|(&a, &b)| u64::from(a) + u64::from(b))
        .collect();
    let highlighted = settings.highlight.map(|study| HighlightedSubsets {
        study,
        n_subsets: tally.n_with,
        counts: with.iter().map(|&c| u64::from(c)).collect(),
    });
    let n_fitted = tally.estimate.n;
    Ok(Some(GoshHeatmap {
        k,
        base: settings.base,
        coverage: if exact {
            GoshCoverage::AllSubsets
        } else {
            GoshCoverage::RandomSample {
                seed: settings.seed,
            }
        },
        n_subsets,
        n_fitted,
        grid,
        estimate_edges: map.estimate_edges.clone(),
        i2_edges: map.i2_edges.clone(),
        counts,
        highlighted,
        estimate: tally.estimate.range(studies.centre),
        i2: tally.i2.range(0.0),
        all_studies: studies.all(settings.base),
    }))
}

fn cell_count(counts: &[u64], grid: HeatmapGrid, i: usize, j: usize) -> u64 {
    if i < grid.estimate_bins && j < grid.i2_bins {
        counts.get(i * grid.i2_bins + j).copied().unwrap_or(0)
    } else {
        0
    }
}

/// The largest `|yᵢ|` and the range of `vᵢ` [`gosh_heatmap`] accepts. With at most
/// [`GOSH_HEATMAP_MAX_K`] studies, every product the fits form (up to `(Σw)²·Σw(y − c)²`,
/// below 1e9·1e150·4e120) is finite and `Σw·D ≥ (Σw)²` (see [`common_effect`]) is a
/// normal number.
const MAX_ABS_EFFECT: f64 = 1e60;
const VARIANCES: std::ops::RangeInclusive<f64> = 1e-50..=1e50;

/// Studies in enumeration order, `y` centred on the common-effect estimate of all.
struct Studies {
    y: Vec<f64>,
    v: Vec<f64>,
    w: Vec<f64>,
    /// `y − centre`.
    yc: Vec<f64>,
    centre: f64,
    /// Position of the highlighted study in `order` (the last), if any.
    highlighted: Option<usize>,
}

impl Studies {
    fn new(yi: &[f64], vi: &[f64], highlight: Option<usize>) -> Result<Studies, DiagnosticsError> {
        let k = yi.len();
        if let Some(index) =
            (0..k).find(|&i| !(yi[i].abs() <= MAX_ABS_EFFECT && VARIANCES.contains(&vi[i])))
        {
            return Err(DiagnosticsError::InvalidStudy { index });
        }
        let mut order: Vec<usize> = (0..k).filter(|&i| Some(i) != highlight).collect();
        order.extend(highlight);
        let y: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
        let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
        let w: Vec<f64> = v.iter().map(|v| 1.0 / v).collect();
        let sw: f64 = w.iter().sum();
        let centre = w.iter().zip(&y).map(|(w, y)| w * y).sum::<f64>() / sw;
        let yc: Vec<f64> = y.iter().map(|y| y - centre).collect();
        Ok(Studies {
            highlighted: highlight.map(|_| k - 1),
            y,
            v,
            w,
            yc,
            centre,
        })
    }

    fn k(&self) -> usize {
        self.y.len()
    }

    /// The fit of all studies (centred sums, Q from the deviations).
    fn all(&self, base: BaseFit) -> GoshPoint {
        let all: Vec<usize> = (0..self.k()).collect();
        let (estimate_c, i2) = fit_direct(&all, &self.v, &self.yc, base);
        GoshPoint {
            estimate: self.centre + estimate_c,
            i2,
        }
    }
}

/// The fit of the studies `members` from scratch, two-pass: the centred estimate and
/// I². The check of the fast paths, and the fit of all studies.
fn fit_direct(members: &[usize], v: &[f64], yc: &[f64], base: BaseFit) -> (f64, f64) {
    let m = members.len();
    if m == 1 {
        return (yc[members[0]], 0.0);
    }
    let sw: f64 = members.iter().map(|&b| 1.0 / v[b]).sum();
    let mu = members.iter().map(|&b| yc[b] / v[b]).sum::<f64>() / sw;
    let q: f64 = members.iter().map(|&b| (yc[b] - mu).powi(2) / v[b]).sum();
    let df = (m - 1) as f64;
    let i2 = if q > df { 100.0 * (q - df) / q } else { 0.0 };
    match base {
        BaseFit::Common => (mu, i2),
        BaseFit::DerSimonianLaird => {
            let sw2: f64 = members.iter().map(|&b| 1.0 / (v[b] * v[b])).sum();
            let tau2 = ((q - df) / (sw - sw2 / sw)).max(0.0);
            let (mut a, mut b) = (0.0, 0.0);
            for &s in members {
                let r = 1.0 / (v[s] + tau2);
                a += r;
                b += r * yc[s];
            }
            (b / a, i2)
        }
    }
}

/// From a subset's (centred) estimate and I² to its cell: a multiplication by the
/// reciprocal bin width, held to the grid.
struct CellMap {
    /// Number of I² bins, as a float.
    #[cfg(not(target_arch = "wasm32"))]
    i2_bins_f: f64,
    /// `lo − centre`: the estimate edges on the centred scale.
    lo_c: f64,
    estimate_scale: f64,
    estimate_last: f64,
    i2_scale: f64,
    i2_last: f64,
    i2_bins: u32,
    estimate_edges: Vec<f64>,
    i2_edges: Vec<f64>,
    centre: f64,
}

impl CellMap {
    fn new(grid: HeatmapGrid, lo: f64, hi: f64, centre: f64) -> CellMap {
        let (ne, ni) = (grid.estimate_bins, grid.i2_bins);
        let edges = |n: usize, lo: f64, hi: f64| -> Vec<f64> {
            let mut e: Vec<f64> = (0..=n)
                .map(|b| lo + b as f64 * (hi - lo) / n as f64)
                .collect();
            e[n] = hi;
            e
        };
        CellMap {
            lo_c: lo - centre,
            estimate_scale: ne as f64 / (hi - lo),
            estimate_last: (ne - 1) as f64,
            i2_scale: ni as f64 / 100.0,
            i2_last: (ni - 1) as f64,
            // At most HEATMAP_MAX_BINS.
            i2_bins: ni as u32,
            #[cfg(not(target_arch = "wasm32"))]
            i2_bins_f: ni as f64,
            estimate_edges: edges(ne, lo, hi),
            i2_edges: edges(ni, 0.0, 100.0),
            centre,
        }
    }

    /// The cell of a subset from its centred estimate and I² (any value: NaN falls in
    /// the first bin). Values a few units in the last place from an edge may fall on
    /// either side of it, as they would with any rounding of the value itself.
    #[inline(always)]
    fn cell(&self, estimate_c: f64, i2: f64) -> u32 {
        let x = smaller(
            larger((estimate_c - self.lo_c) * self.estimate_scale, 0.0),
            self.estimate_last,
        );
        let y = smaller(larger(i2 * self.i2_scale, 0.0), self.i2_last);
        // WebAssembly has one instruction for each cast (saturating, so within
        // [0, bins − 1] a truncation, the floor).
        #[cfg(target_arch = "wasm32")]
        {
            (x as u32) * self.i2_bins + y as u32
        }
        // Elsewhere a float-to-integer cast is not vectorised: the floors as floats, and
        // the cell, an integer below 2^20, added to 2^52 is the low bits of the mantissa.
        #[cfg(not(target_arch = "wasm32"))]
        {
            let c = floor_small(x) * self.i2_bins_f + floor_small(y);
            (c + TWO_52).to_bits() as u32
        }
    }

    /// The cell of an exact value (a one-study subset), against the stored edges.
    fn cell_exact(&self, estimate: f64, i2: f64) -> u32 {
        let i = bin(&self.estimate_edges, estimate).unwrap_or(if estimate < self.centre {
            0
        } else {
            self.estimate_edges.len() - 2
        });
        let j = bin(&self.i2_edges, i2).unwrap_or(0);
        // Both below HEATMAP_MAX_BINS.
        i as u32 * self.i2_bins + j as u32
    }
}

/// 2^52: from it up, doubles are integers.
#[cfg(not(target_arch = "wasm32"))]
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// `⌊x⌋` for `0 ≤ x < 2^51`, without a branch or a call: `x + 2^52` rounds `x` to an
/// integer, and the floor is one less when that rounded up.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn floor_small(x: f64) -> f64 {
    let r = (x + TWO_52) - TWO_52;
    if r > x { r - 1.0 } else { r }
}

/// The larger of `a` and `b`, `b` when either is NaN: one instruction (x86 `maxpd`,
/// WebAssembly `select`), where `f64::max`, which ignores NaN, is several on x86 and a
/// call in WebAssembly.
#[inline(always)]
fn larger(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// The smaller of `a` and `b`, `b` when either is NaN (see [`larger`]).
#[inline(always)]
fn smaller(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// Running statistics of one quantity: block sums added with Neumaier's compensation.
#[derive(Debug, Clone, Copy)]
struct Moments {
    n: u64,
    sum: f64,
    compensation: f64,
    min: f64,
    max: f64,
}

impl Moments {
    fn new() -> Moments {
        Moments {
            n: 0,
            sum: 0.0,
            compensation: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a block of `n` values with sum `sum`, smallest `min` and largest `max`.
    fn add_block(&mut self, n: u64, sum: f64, min: f64, max: f64) {
        self.n += n;
        let t = self.sum + sum;
        // Neumaier (1974): keep the low-order part that the addition lost.
        self.compensation += if self.sum.abs() >= sum.abs() {
            (self.sum - t) + sum
        } else {
            (sum - t) + self.sum
        };
        self.sum = t;
        self.min = self.min.min(min);
        self.max = self.max.max(max);
    }

    /// The range of the values plus `shift`.
    fn range(&self, shift: f64) -> GoshRange {
        if self.n == 0 {
            return GoshRange {
                mean: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        GoshRange {
            mean: shift + (self.sum + self.compensation) / self.n as f64,
            min: shift + self.min,
            max: shift + self.max,
        }
    }
}

/// The counts and statistics being gathered.
struct Tally {
    /// Counts of the subsets without (0) and with (1) the highlighted study (without a
    /// highlighted study, the second half of the enumeration).
    counts: [Vec<u32>; 2],
    n_with: u64,
    /// Centred estimates.
    estimate: Moments,
    i2: Moments,
}

impl Tally {
    fn new(cells: usize) -> Tally {
        Tally {
            counts: [vec![0; cells], vec![0; cells]],
            n_with: 0,
            estimate: Moments::new(),
            i2: Moments::new(),
        }
    }

    /// A one-study subset, study `p` (enumeration order), exactly: `μ = yₚ`, `I² = 0`.
    fn single(&mut self, side: usize, map: &CellMap, s: &Studies, p: usize) {
        let c = map.cell_exact(s.y[p], 0.0) as usize;
        if let Some(count) = self.counts[side].get_mut(c) {
            *count += 1;
        }
        let centred = s.y[p] - s.centre;
        self.estimate.add_block(1, centred, centred, centred);
        self.i2.add_block(1, 0.0, 0.0, 0.0);
    }
}

/// Studies in the low block: 2^12 table entries (160 KB with the scratch arrays, within
/// the L2 cache), so that each high subset's loop is long enough for its setup not to
/// count.
const LOW_BITS: usize = 12;

/// Per-lane accumulators over blocks of subsets of two or more studies: the sums of the
/// centred estimate and of I², and the largest I², lane by lane so that the loop has no
/// serial dependency. Their smallest and largest estimates need no tracking: each is a
/// weighted mean of its studies' `yᵢ`, so the extremes are those of one-study subsets
/// (counted exactly), and so is the smallest I², 0.
const LANES: usize = 4;

#[derive(Clone, Copy)]
struct LaneStats {
    n: u64,
    sum_e: [f64; LANES],
    sum_i: [f64; LANES],
    max_i: [f64; LANES],
}

impl LaneStats {
    fn new() -> LaneStats {
        LaneStats {
            n: 0,
            sum_e: [0.0; LANES],
            sum_i: [0.0; LANES],
            max_i: [0.0; LANES],
        }
    }

    /// Adds the values `e`, `i2` (equal lengths).
    #[inline(always)]
    fn add(&mut self, e: &[f64], i2: &[f64]) {
        self.n += e.len() as u64;
        let whole = e.len() - e.len() % LANES;
        for (e, i) in e[..whole]
            .chunks_exact(LANES)
            .zip(i2[..whole].chunks_exact(LANES))
        {
            for l in 0..LANES {
                self.push(l, e[l], i[l]);
            }
        }
        for (&e, &i) in e[whole..].iter().zip(&i2[whole..]) {
            self.push(0, e, i);
        }
    }

    #[inline(always)]
    fn push(&mut self, lane: usize, e: f64, i: f64) {
        self.sum_e[lane] += e;
        self.sum_i[lane] += i;
        // A comparison rather than f64::max: one instruction; I² is never NaN here.
        self.max_i[lane] = if i > self.max_i[lane] {
            i
        } else {
            self.max_i[lane]
        };
    }

    /// Adds the block to the totals (sums with Neumaier's compensation).
    fn into_tally(self, tally: &mut Tally) {
        let sum = |a: [f64; LANES]| (a[0] + a[1]) + (a[2] + a[3]);
        let (untracked_min, untracked_max) = (f64::INFINITY, f64::NEG_INFINITY);
        tally
            .estimate
            .add_block(self.n, sum(self.sum_e), untracked_min, untracked_max);
        let max_i = self.max_i.into_iter().fold(untracked_max, f64::max);
        tally
            .i2
            .add_block(self.n, sum(self.sum_i), untracked_min, max_i);
    }
}

/// The sums of a subset: `Σw`, `Σw(y − c)`, `Σw(y − c)²`, `Σw²` and its size `m`
/// (as a float, to add without conversion).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    w: f64,
    wy: f64,
    wy2: f64,
    w2: f64,
    m: f64,
}

impl Sums {
    fn add(&mut self, w: f64, yc: f64) {
        self.w += w;
        self.wy += w * yc;
        self.wy2 += w * yc * yc;
        self.w2 += w * w;
        self.m += 1.0;
    }

    /// The sums of the studies `first + b` for the bits `b` of `bits`, in order.
    fn of(bits: usize, first: usize, s: &Studies) -> Sums {
        let mut out = Sums::default();
        for_each_bit(bits, |b| out.add(s.w[first + b], s.yc[first + b]));
        out
    }
}

/// Calls `f` with the position of each set bit of `bits`, lowest first.
#[inline(always)]
fn for_each_bit(bits: usize, mut f: impl FnMut(usize)) {
    let mut rest = bits;
    while rest != 0 {
        f(rest.trailing_zeros() as usize);
        rest &= rest - 1;
    }
}

/// The sums of every subset of the low block, structure of arrays; entry `s` is the
/// subset whose bits are those of `s`, each sum of its studies in ascending order.
struct LowTable {
    bits: usize,
    w: Vec<f64>,
    wy: Vec<f64>,
    wy2: Vec<f64>,
    w2: Vec<f64>,
    m: Vec<f64>,
}

impl LowTable {
    fn new(bits: usize, s: &Studies) -> LowTable {
        let n = 1usize << bits;
        let mut t = LowTable {
            bits,
            w: vec![0.0; n],
            wy: vec![0.0; n],
            wy2: vec![0.0; n],
            w2: vec![0.0; n],
            m: vec![0.0; n],
        };
        for i in 1..n {
            // Entry i is entry i without its highest bit plus that study: the sums of
            // Sums::of, term by term in the same order.
            let top = (usize::BITS - 1 - i.leading_zeros()) as usize;
            let rest = i & !(1 << top);
            let (w, yc) = (s.w[top], s.yc[top]);
            t.w[i] = t.w[rest] + w;
            t.wy[i] = t.wy[rest] + w * yc;
            t.wy2[i] = t.wy2[rest] + w * yc * yc;
            t.w2[i] = t.w2[rest] + w * w;
            t.m[i] = t.m[rest] + 1.0;
        }
        t
    }
}

/// Values, cells and counts of one block of subsets.
struct Scratch {
    e: Vec<f64>,
    i2: Vec<f64>,
    cells: Vec<u32>,
}

/// The fit of the subsets (high subset, low subset).
trait Model {
    /// Fits the subsets `high_mask` ∪ `t` for `t` in `range` (none of one study), and
    /// writes the centred estimate and I² of those with finite values to the front of
    /// `e`, `i2`; returns how many.
    #[allow(clippy::too_many_arguments)]
    fn values(
        high: &Sums,
        high_mask: usize,
        low: &LowTable,
        range: Range<usize>,
        s: &Studies,
        e: &mut [f64],
        i2: &mut [f64],
    ) -> usize;
}

/// The common-effect fit of a subset (never of one study) from its sums: centred
/// estimate and I², with one division. With `Q' = Σw·Q = Σw·Σwy² − (Σwy)²`,
/// `df = m − 1`, `D = max(Q', df·Σw)` and `r = 1/(Σw·D)`:
///
/// ```text
/// μ = Σwy/Σw = Σwy·D·r      I² = 100(Q − df)/Q = 100(Q' − df·Σw)·Σw·r   (0 unless Q' > df·Σw)
/// ```
///
/// Each is a product of factors with small relative errors, but for the difference
/// that `Q − df` is anyway, so both are as accurate as with two divisions. `D ≥ Σw > 0`
/// and the bounds of [`Studies::new`] keep `Σw·D` a normal number. When `Q` dwarfs `df`
/// the product can round a unit in the last place above 100, so I² is capped at 100
/// (metafor's `I2` is `100·(QE − df)/QE`, which cannot exceed it). Written without
/// branches (`max`), so that the loops over it are vectorised.
#[inline(always)]
fn common_effect(w: f64, wy: f64, wy2: f64, m: f64) -> (f64, f64) {
    let q_w = w * wy2 - wy * wy;
    let df_w = (m - 1.0) * w;
    let d = larger(q_w, df_w);
    let r = 1.0 / (w * d);
    let mu = wy * d * r;
    let i2 = smaller(100.0 * larger(q_w - df_w, 0.0) * w * r, 100.0);
    (mu, i2)
}

struct CommonEffect;

impl Model for CommonEffect {
    #[inline(always)]
    fn values(
        high: &Sums,
        _high_mask: usize,
        low: &LowTable,
        range: Range<usize>,
        _s: &Studies,
        e: &mut [f64],
        i2: &mut [f64],
    ) -> usize {
        let n = range.len().min(e.len()).min(i2.len());
        let start = range.start;
        // Slices of one length n: no bounds checks, a loop the compiler vectorises.
        let (w, wy) = (&low.w[start..][..n], &low.wy[start..][..n]);
        let (wy2, m) = (&low.wy2[start..][..n], &low.m[start..][..n]);
        let (e, i2) = (&mut e[..n], &mut i2[..n]);
        for t in 0..n {
            (e[t], i2[t]) = common_effect(
                high.w + w[t],
                high.wy + wy[t],
                high.wy2 + wy2[t],
                high.m + m[t],
            );
        }
        n
    }
}

/// The DL estimate of a subset from its sums and its (centred) common-effect estimate
/// (formulas of [`super::gosh_visit`]): τ² from the sums, then, when τ² > 0,
/// `Σw*y/Σw*` with `w* = 1/(v + τ²)` over the subset's studies, `members`.
#[inline(always)]
fn dl_estimate(
    mu_ee: f64,
    sums: &Sums,
    s: &Studies,
    members: impl Fn(&mut dyn FnMut(usize)),
) -> f64 {
    let q = (sums.wy2 - mu_ee * sums.wy).max(0.0);
    let tau2 = ((q - (sums.m - 1.0)) / (sums.w - sums.w2 / sums.w)).max(0.0);
    if tau2 > 0.0 {
        let (mut sw, mut swy) = (0.0, 0.0);
        members(&mut |p| {
            let r = 1.0 / (s.v[p] + tau2);
            sw += r;
            swy += r * s.yc[p];
        });
        swy / sw
    } else {
        mu_ee
    }
}

struct DerSimonianLaird;

impl Model for DerSimonianLaird {
    #[inline(always)]
    fn values(
        high: &Sums,
        high_mask: usize,
        low: &LowTable,
        range: Range<usize>,
        s: &Studies,
        e: &mut [f64],
        i2: &mut [f64],
    ) -> usize {
        let mut n = 0;
        let low_bits = low.bits;
        for t in range {
            let sums = Sums {
                w: high.w + low.w[t],
                wy: high.wy + low.wy[t],
                wy2: high.wy2 + low.wy2[t],
                w2: high.w2 + low.w2[t],
                m: high.m + low.m[t],
            };
            let (mu_ee, i) = common_effect(sums.w, sums.wy, sums.wy2, sums.m);
            let estimate = dl_estimate(mu_ee, &sums, s, |f| {
                for_each_bit(t, &mut *f);
                for_each_bit(high_mask, |b| f(low_bits + b));
            });
            if estimate.is_finite()
                && let (Some(e), Some(i2)) = (e.get_mut(n), i2.get_mut(n))
            {
                (*e, *i2) = (estimate, i);
                n += 1;
            }
        }
        n
    }
}

/// Fits the subsets `high_mask` ∪ `t`, `t` in `range`, and counts them: cells (a loop
/// the compiler vectorises), statistics, then the counts.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn block<M: Model>(
    high: &Sums,
    high_mask: usize,
    low: &LowTable,
    range: Range<usize>,
    s: &Studies,
    map: &CellMap,
    scratch: &mut Scratch,
    counts: &mut [u32],
    stats: &mut LaneStats,
) {
    let n = M::values(
        high,
        high_mask,
        low,
        range,
        s,
        &mut scratch.e,
        &mut scratch.i2,
    );
    let n = n.min(scratch.cells.len());
    let (e, i2, cells) = (&scratch.e[..n], &scratch.i2[..n], &mut scratch.cells[..n]);
    for t in 0..n {
        cells[t] = map.cell(e[t], i2[t]);
    }
    stats.add(e, i2);
    for &c in cells.iter() {
        if let Some(count) = counts.get_mut(c as usize) {
            *count += 1;
        }
    }
}

/// How the blocks are computed: with AVX2 where the processor has it, otherwise with
/// the target's baseline (SSE2 on x86-64, scalar WebAssembly). Both give the same values
/// bit for bit: no fused operations, the lanes summed in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simd {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Simd {
    fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            return Simd::Avx2;
        }
        Simd::Baseline
    }
}

/// What every high subset's step reads.
struct Enumeration<'a> {
    s: &'a Studies,
    low: LowTable,
    map: &'a CellMap,
    /// Subsets where the highlighted study (the top bit of the high block) is in.
    half: usize,
}

/// Every subset: low block × high block (see [`gosh_heatmap`]). Each high subset is one
/// call of a function that is not inlined, so that a WebAssembly engine, which cannot
/// replace a running function by its optimised version, optimises it after its first
/// calls rather than running the whole enumeration in baseline code.
fn enumerate<M: Model, P>(
    s: &Studies,
    map: &CellMap,
    tally: &mut Tally,
    progress: &mut P,
    simd: Simd,
) -> ControlFlow<()>
where
    P: FnMut(u64, u64) -> ControlFlow<()>,
{
    let k = s.k();
    let low_bits = LOW_BITS.min(k - 1);
    let high_bits = k - low_bits;
    let n_low = 1usize << low_bits;
    let e = Enumeration {
        s,
        low: LowTable::new(low_bits, s),
        map,
        half: 1 << (high_bits - 1),
    };
    let mut scratch = Scratch {
        e: vec![0.0; n_low],
        i2: vec![0.0; n_low],
        cells: vec![0; n_low],
    };
    let total = (1u64 << k) - 1;
    let every = (GOSH_HEATMAP_PROGRESS_INTERVAL >> low_bits).max(1);
    let mut done = 0u64;
    for h in 0..1usize << high_bits {
        match simd {
            Simd::Baseline => high_subset::<M>(&e, h, &mut scratch, tally),
            // SAFETY: Simd::Avx2 is only detected on a processor with AVX2.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { high_subset_avx2::<M>(&e, h, &mut scratch, tally) },
        }
        done += (n_low - usize::from(h == 0)) as u64;
        if (h as u64 + 1).is_multiple_of(every) || done == total {
            progress(done, total)?;
        }
    }
    ControlFlow::Continue(())
}

#[inline(never)]
fn high_subset<M: Model>(e: &Enumeration, h: usize, scratch: &mut Scratch, tally: &mut Tally) {
    high_subset_body::<M>(e, h, scratch, tally);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn high_subset_avx2<M: Model>(e: &Enumeration, h: usize, scratch: &mut Scratch, tally: &mut Tally) {
    high_subset_body::<M>(e, h, scratch, tally);
}

/// The subsets `h ∪ t` of high subset `h`, `t` any low subset (not both empty).
#[inline(always)]
fn high_subset_body<M: Model>(e: &Enumeration, h: usize, scratch: &mut Scratch, tally: &mut Tally) {
    let (s, low, map) = (e.s, &e.low, e.map);
    let (low_bits, n_low) = (low.bits, low.w.len());
    let high = Sums::of(h, low_bits, s);
    let side = usize::from(h >= e.half);
    let mut stats = LaneStats::new();
    // Calls of a function inlined here, not a closure: a closure would be compiled
    // without the caller's target features.
    if h == 0 {
        // The low block alone: its one-study subsets exactly, the others in the runs
        // between the powers of two.
        for b in 0..low_bits {
            tally.single(side, map, s, b);
            let counts = &mut tally.counts[side];
            let run = (1 << b) + 1..1 << (b + 1);
            block::<M>(&high, h, low, run, s, map, scratch, counts, &mut stats);
        }
    } else {
        if h.is_power_of_two() {
            tally.single(side, map, s, low_bits + h.trailing_zeros() as usize);
        } else {
            let counts = &mut tally.counts[side];
            block::<M>(&high, h, low, 0..1, s, map, scratch, counts, &mut stats);
        }
        let counts = &mut tally.counts[side];
        block::<M>(&high, h, low, 1..n_low, s, map, scratch, counts, &mut stats);
    }
    stats.into_tally(tally);
    if side == 1 {
        tally.n_with += (n_low - usize::from(h == 0)) as u64;
    }
}

/// A random sample of non-empty subsets, each fitted from scratch.
fn sample<P>(
    s: &Studies,
    base: BaseFit,
    map: &CellMap,
    size: u64,
    seed: u64,
    tally: &mut Tally,
    progress: &mut P,
) -> ControlFlow<()>
where
    P: FnMut(u64, u64) -> ControlFlow<()>,
{
    let k = s.k();
    let mut rng = SplitMix64(seed);
    let mut mask = vec![0u64; k.div_ceil(64)];
    let mut members: Vec<usize> = Vec::with_capacity(k);
    let every = 1u64 << 16;
    for n in 0..size {
        // Each study in or out with probability 1/2; the empty set drawn again.
        loop {
            for (i, word) in mask.iter_mut().enumerate() {
                let bits = k - 64 * i;
                *word = rng.next();
                if bits < 64 {
                    *word &= (1u64 << bits) - 1;
                }
            }
            if mask.iter().any(|&w| w != 0) {
                break;
            }
        }
        members.clear();
        for (i, &word) in mask.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                members.push(64 * i + rest.trailing_zeros() as usize);
                rest &= rest - 1;
            }
        }
        // The highlighted study is the last.
        let side = usize::from(s.highlighted.is_some() && members.last() == Some(&(k - 1)));
        tally.n_with += side as u64;
        if let [p] = members[..] {
            tally.single(side, map, s, p);
        } else {
            let mut sums = Sums::default();
            for &p in &members {
                sums.add(s.w[p], s.yc[p]);
            }
            let (mu_ee, i2) = common_effect(sums.w, sums.wy, sums.wy2, sums.m);
            let e = match base {
                BaseFit::Common => mu_ee,
                BaseFit::DerSimonianLaird => dl_estimate(mu_ee, &sums, s, |f| {
                    members.iter().for_each(|&p| f(p));
                }),
            };
            if e.is_finite() {
                let c = map.cell(e, i2) as usize;
                if let Some(count) = tally.counts[side].get_mut(c) {
                    *count += 1;
                }
                tally.estimate.add_block(1, e, e, e);
                tally.i2.add_block(1, i2, i2, i2);
            }
        }
        if (n + 1).is_multiple_of(every) || n + 1 == size {
            progress(n + 1, size)?;
        }
    }
    ControlFlow::Continue(())
}

/// splitmix64 (Steele, Lea & Flood 2014): small, fast, and every seed gives a full
/// period.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests;
