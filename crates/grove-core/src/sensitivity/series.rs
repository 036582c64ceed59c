//! Random-effects sums of many subsets of the studies, each at its own tau², by power
//! series in tau² about a few shared centres, with an error bound for every result; a
//! direct pass serves whatever the series cannot serve within the bound. Private to
//! [`super`], whose module docs say where each estimator uses it.
//!
//! # Series (Taylor expansion of the weights in tau²)
//!
//! For a centre `t0`, `vmin = min vj` over all studies, `u* = 1/(vmin + t0)`, the ratios
//! `rj = (vmin + t0)/(vj + t0) ∈ (0, 1]` and `δ = (t − t0)·u*` (so `|δ·rj| ≤ |δ|`),
//!
//! ```text
//! wj(t)   = 1/(vj + t) = u*·rj/(1 + δ·rj) = u*  Σ_{n≥0} (−δ)ⁿ rjⁿ⁺¹
//! wj(t)²  =                                 u*² Σ_{n≥0} (n+1)(−δ)ⁿ rjⁿ⁺²
//! wj(t)³  =                                 u*³ Σ_{n≥0} C(n+2, 2)(−δ)ⁿ rjⁿ⁺³
//! ln(1 + t/vj) = ln(1 + t0/vj) + ln(1 + δ·rj) = ln(1 + t0/vj) − Σ_{n≥1} (−δ)ⁿ rjⁿ/n
//! ```
//!
//! all converging for `|δ| < 1`. With the power sums `Rm[f] = Σ_{j∈S} fj·rjᵐ` of a
//! subset `S` for `f ∈ {1, z, z²}`, `zj = yj − c` about a centre `c` of the estimates,
//! every sum a step needs is a series in `δ` over the same power sums:
//! `Σ wj fj = u* Σ_n (−δ)ⁿ Rn+1[f]`, `Σ wj² fj = u*² Σ_n (n+1)(−δ)ⁿ Rn+2[f]`,
//! `Σ wj³ = u*³ Σ_n C(n+2,2)(−δ)ⁿ Rn+3[1]`, `Σ ln(1 + t/vj) = Σ ln(1 + t0/vj) −
//! Σ_{n≥1} (−δ)ⁿ Rn[1]/n`. The power sums are built once per centre in one pass over the
//! studies (compensated sums: Knuth's TwoSum), as running sums for cumulative steps
//! (step `j` reads them after study `j`) or over all studies for leave-one-out (step `i`
//! subtracts study `i`'s own terms, computed directly at `t`).
//!
//! # Error bound (per step, per sum)
//!
//! With `N` terms, and since `Rm` decreases in `m` (`rj ≤ 1`), the truncation error is at
//! most `|δ|ᴺ RN+1[|f|]/(1 − |δ|)` for `Σ w f`, `(N+1)|δ|ᴺ RN+2[|f|]/(1 − |δ|)²` for
//! `Σ w² f`, `C(N+2,2)|δ|ᴺ RN+3[1]/(1 − |δ|)³` for `Σ w³` and
//! `|δ|ᴺ⁺¹ RN+1[1]/((N+1)(1 − |δ|))` for the logarithms, with `Rm[|z|] ≤
//! √(Rm[1]·Rm[z²])` (Cauchy–Schwarz). Rounding adds at most `(6N + 32)·ε` times the sum
//! of the terms' absolute values (each power `rjᵐ`, the compensated sums, `δⁿ` and the
//! series' own sum), a first-order bound. These bounds travel with each value
//! ([`Bounded`]) through every formula derived from it, cancellation included
//! (leave-one-out's subtraction of the step's own study, `RSS = Σwz² − (Σwz)²/Σw`,
//! REML's `tr(P)` and `Σ P²`); [`SeriesSums::moments`] and the caller accept a result
//! only when its bound is within [`SERIES_TOLERANCE`], else the step takes the direct
//! pass. Since `Σ_n |δ|ⁿ rjⁿ⁺¹ / (rj/(1 + δ rj)) ≤ (1 + |δ|)/(1 − |δ|) ≤ 3` for
//! `|δ| ≤ 1/2`, the series' rounding is within a factor 3 of a direct pass's before any
//! cancellation.
//!
//! # Plan (which centres)
//!
//! The queries of a batch (step, tau²) are sorted by `s = tau² + vmin` and cut greedily
//! into groups spanning at most a factor `(1 + ρ)/(1 − ρ) = 3` in `s` (`ρ = 1/2`), so a
//! centre at the middle of a group has `|δ| ≤ 1/2` for all of it. Each group is then
//! served by one centre (its number of terms from the group's widest `|δ|`), by the
//! direct pass, or split at its widest gap (up to [`MAX_SPLIT_DEPTH`] times), whichever
//! an operation count says is cheapest: a centre costs about (studies summed) ×
//! (powers + 2) plus (queries × terms), a direct pass the subset's size per query (times
//! the caller's factor: a refit for the iterative estimators). Cost: O(n·m) per centre
//! for `n` studies and `m` powers, O(m) per query; the worst case (tau² spread over many
//! factors of 3 with few steps each) falls back to the direct passes, O(k) per step.

use std::ops::{Add, Div, Mul, Sub};

use super::Moments;

/// Largest relative error bound of a series result that a step accepts (its estimate
/// relative to `|μ̂| + √(RSS/Σw)`, `Σw`, the RSS, a scoring step relative to
/// `tau2 + vmin`); beyond it the step takes the direct pass.
pub(super) const SERIES_TOLERANCE: f64 = 1e-12;

/// Largest `|δ|` a centre serves (the series' terms then shrink at least as `2⁻ⁿ`).
const RHO_MAX: f64 = 0.5;
/// The truncation bound, relative to the sums of absolute values, that fixes a centre's
/// number of terms.
const TRUNCATION: f64 = 1e-16;
/// Most terms of a series (`ρ = 1/2` needs 58 for [`Sums::Pooled`], 69 for
/// [`Sums::Scoring`]).
const MAX_TERMS: usize = 80;
/// How often a group of tau² values may be split between centres.
const MAX_SPLIT_DEPTH: u32 = 6;
/// Cost of one study in a direct pass, in units of one study's power in a centre's sums.
const DIRECT_PASS_COST: f64 = 1.5;
/// Cost per study of the pass that finds a centre's `c` (a random-effects mean).
const CENTRE_PASS_COST: f64 = 2.0;

/// Which studies each step pools.
#[derive(Debug, Clone, Copy)]
pub(super) struct Subsets<'a> {
    /// Estimates, in the analysis order.
    pub yi: &'a [f64],
    /// Sampling variances, in the same order.
    pub vi: &'a [f64],
    /// Leave-one-out or cumulative.
    pub kind: SubsetKind,
}

/// How a step's subset follows from its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SubsetKind {
    /// Step `i` pools every study but study `i` (leave-one-out).
    AllBut,
    /// Step `j` pools studies `0..=j` (cumulative).
    Prefix,
}

impl Subsets<'_> {
    /// Number of studies step `step` pools.
    pub fn size(&self, step: usize) -> usize {
        match self.kind {
            SubsetKind::AllBut => self.yi.len().saturating_sub(1),
            SubsetKind::Prefix => (step + 1).min(self.yi.len()),
        }
    }

    /// The `(yi, vi)` of step `step`'s subset.
    pub fn studies(&self, step: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (end, skip) = match self.kind {
            SubsetKind::AllBut => (self.yi.len(), Some(step)),
            SubsetKind::Prefix => ((step + 1).min(self.yi.len()), None),
        };
        (0..end)
            .filter(move |&j| Some(j) != skip)
            .map(move |j| (self.yi[j], self.vi[j]))
    }

    /// Number of leading studies a centre sums to serve steps up to `last`.
    fn span(&self, last: usize) -> usize {
        match self.kind {
            SubsetKind::AllBut => self.yi.len(),
            SubsetKind::Prefix => (last + 1).min(self.yi.len()),
        }
    }
}

/// One sum wanted: step `step`'s subset at `tau2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Query {
    /// The step.
    pub step: usize,
    /// The tau² of its weights `1/(vi + tau2)`.
    pub tau2: f64,
}

/// Which sums a batch needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sums {
    /// `Σw`, `Σwz`, `Σwz²`: the pooled estimate and the RSS.
    Pooled,
    /// Also `Σw²`, `Σw²z`, `Σw²z²`, `Σw³`: a Fisher scoring step.
    Scoring,
    /// [`Sums::Pooled`] and `Σ ln(1 + t/vi)`: the log-likelihood check.
    Likelihood,
}

impl Sums {
    /// Powers needed beyond the number of terms (for the tail bounds).
    fn extra_powers(self) -> usize {
        match self {
            Sums::Pooled | Sums::Likelihood => 1,
            Sums::Scoring => 3,
        }
    }

    /// Operation count of one term for one query.
    fn term_cost(self) -> f64 {
        match self {
            Sums::Pooled | Sums::Likelihood => 1.0,
            Sums::Scoring => 2.5,
        }
    }

    /// Fewest terms whose truncation bound at `|δ| ≤ rho` is within [`TRUNCATION`].
    fn terms(self, rho: f64) -> Option<usize> {
        if !(0.0..1.0).contains(&rho) {
            return None;
        }
        (1..=MAX_TERMS).find(|&n| {
            let factor = match self {
                Sums::Pooled | Sums::Likelihood => 1.0 / (1.0 - rho),
                Sums::Scoring => binomial2(n) / (1.0 - rho).powi(3),
            };
            factor * rho.powi(n as i32) <= TRUNCATION
        })
    }
}

/// `C(n+2, 2)`.
fn binomial2(n: usize) -> f64 {
    ((n + 1) * (n + 2) / 2) as f64
}

/// A computed value with a bound on its absolute error (first-order running error
/// analysis: each operation adds the propagated bounds and its own rounding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bounded {
    /// The computed value.
    pub value: f64,
    /// A bound on `|value − exact|`.
    pub error: f64,
}

impl Bounded {
    /// A value known to `error`.
    pub fn new(value: f64, error: f64) -> Bounded {
        Bounded { value, error }
    }

    /// A value taken as exact.
    pub fn exact(value: f64) -> Bounded {
        Bounded { value, error: 0.0 }
    }

    /// Multiplied by an exact factor.
    pub fn times(self, factor: f64) -> Bounded {
        let value = self.value * factor;
        Bounded {
            value,
            error: self.error * factor.abs() + f64::EPSILON * value.abs(),
        }
    }

    /// The natural logarithm (infinite bound unless clearly positive).
    pub fn ln(self) -> Bounded {
        let value = self.value.ln();
        let error = if self.value > self.error {
            self.error / (self.value - self.error) + f64::EPSILON * value.abs()
        } else {
            f64::INFINITY
        };
        Bounded { value, error }
    }

    /// Whether the bound is within `tolerance·scale` (and everything is finite).
    pub fn within(self, tolerance: f64, scale: f64) -> bool {
        self.value.is_finite() && self.error <= tolerance * scale
    }
}

impl Add for Bounded {
    type Output = Bounded;
    fn add(self, o: Bounded) -> Bounded {
        let value = self.value + o.value;
        Bounded {
            value,
            error: self.error + o.error + f64::EPSILON * value.abs(),
        }
    }
}

impl Sub for Bounded {
    type Output = Bounded;
    fn sub(self, o: Bounded) -> Bounded {
        let value = self.value - o.value;
        Bounded {
            value,
            error: self.error + o.error + f64::EPSILON * value.abs(),
        }
    }
}

impl Mul for Bounded {
    type Output = Bounded;
    fn mul(self, o: Bounded) -> Bounded {
        let value = self.value * o.value;
        Bounded {
            value,
            error: self.error * o.value.abs()
                + o.error * self.value.abs()
                + self.error * o.error
                + f64::EPSILON * value.abs(),
        }
    }
}

impl Div for Bounded {
    type Output = Bounded;
    fn div(self, o: Bounded) -> Bounded {
        let value = self.value / o.value;
        let margin = o.value.abs() - o.error;
        let error = if margin > 0.0 {
            (self.error + value.abs() * o.error) / margin + f64::EPSILON * value.abs()
        } else {
            f64::INFINITY
        };
        Bounded { value, error }
    }
}

/// One subset's sums at one tau² by series, with their bounds; `z = y − centre`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SeriesSums {
    /// The centre `c` of the estimates.
    pub centre: f64,
    /// `Σw`.
    pub w: Bounded,
    /// `Σw·z`.
    pub wz: Bounded,
    /// `Σw·z²`.
    pub wz2: Bounded,
    /// `Σw²`, `Σw²z`, `Σw²z²`, `Σw³` ([`Sums::Scoring`]).
    pub second: Option<SecondOrder>,
    /// `Σ ln(1 + t/vi)` ([`Sums::Likelihood`]).
    pub log_ratio: Option<Bounded>,
}

/// The sums of squared and cubed weights a Fisher scoring step needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SecondOrder {
    /// `Σw²`.
    pub w2: Bounded,
    /// `Σw²·z`.
    pub w2z: Bounded,
    /// `Σw²·z²`.
    pub w2z2: Bounded,
    /// `Σw³`.
    pub w3: Bounded,
}

impl SeriesSums {
    /// `ẑ = Σwz/Σw` and `RSS = Σw(y − ŷ)² = Σwz² − Σwz·ẑ`, with bounds.
    pub fn mean_and_rss(&self) -> (Bounded, Bounded) {
        let zhat = self.wz / self.w;
        (zhat, self.wz2 - self.wz * zhat)
    }

    /// `Σw`, `ŷ = c + ẑ` and the RSS as [`Moments`], when each bound is within
    /// [`SERIES_TOLERANCE`]: `Σw` and the RSS relative to themselves, `ŷ` relative to
    /// `|ŷ| + √(RSS/Σw)` (the scale a direct pass's rounding has too); and the RSS clear
    /// of metafor's `RSS <= .Machine$double.eps` test of Hartung-Knapp.
    pub fn moments(&self) -> Option<Moments> {
        let (zhat, rss) = self.mean_and_rss();
        let mean = zhat + Bounded::exact(self.centre);
        let w = self.w.value;
        let ok = w > 0.0
            && self.w.within(SERIES_TOLERANCE, w)
            && rss.value > 0.0
            && rss.within(SERIES_TOLERANCE, rss.value)
            && (rss.value - f64::EPSILON).abs() > rss.error
            && mean.within(SERIES_TOLERANCE, mean.value.abs() + (rss.value / w).sqrt());
        ok.then_some(Moments {
            weight: w,
            mean: mean.value,
            m2: rss.value,
        })
    }
}

/// How a batch is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evaluation {
    /// By series where a centre costs less than the direct passes it replaces.
    Series,
    /// By series wherever it converges within its bound, whatever the cost (so that
    /// tests on small inputs exercise it).
    #[cfg(test)]
    SeriesEverywhere,
    /// Every query by a direct pass, every iterative step refitted: the reference the
    /// series is tested against.
    #[cfg(test)]
    Direct,
}

impl Evaluation {
    /// The factor on the cost of direct passes in the plan, or `None` for no series.
    pub fn direct_cost_factor(self) -> Option<f64> {
        match self {
            Evaluation::Series => Some(1.0),
            #[cfg(test)]
            Evaluation::SeriesEverywhere => Some(f64::INFINITY),
            #[cfg(test)]
            Evaluation::Direct => None,
        }
    }
}

/// `(Σw, ŷ, Σw(y − ŷ)²)` with `w = 1/(vi + tau2)` for each query's subset: by series
/// where the plan and the error bound allow, else by a direct pass over the subset.
pub(super) fn moments(
    subsets: Subsets<'_>,
    queries: &[Query],
    evaluation: Evaluation,
) -> Vec<Moments> {
    let series = match evaluation.direct_cost_factor() {
        Some(factor) => evaluate(subsets, queries, Sums::Pooled, DIRECT_PASS_COST * factor),
        None => vec![None; queries.len()],
    };
    queries
        .iter()
        .zip(series)
        .map(|(q, s)| {
            s.and_then(|s| s.moments())
                .unwrap_or_else(|| direct_moments(subsets, q.step, q.tau2))
        })
        .collect()
}

/// The direct pass: one step's weighted moments at `tau2`, O(subset size).
pub(super) fn direct_moments(subsets: Subsets<'_>, step: usize, tau2: f64) -> Moments {
    let mut m = Moments::default();
    for (y, v) in subsets.studies(step) {
        m.push(y, 1.0 / (v + tau2));
    }
    m
}

/// Which of the queries [`moments`] serves by series (tests).
#[cfg(test)]
pub(super) fn served_by_series(subsets: Subsets<'_>, queries: &[Query]) -> Vec<bool> {
    evaluate(subsets, queries, Sums::Pooled, DIRECT_PASS_COST)
        .iter()
        .map(|s| s.as_ref().and_then(SeriesSums::moments).is_some())
        .collect()
}

/// The series sums of each query's subset, or `None` for the queries the plan leaves to
/// a direct pass (costing `direct_cost` per study of the subset).
pub(super) fn evaluate(
    subsets: Subsets<'_>,
    queries: &[Query],
    sums: Sums,
    direct_cost: f64,
) -> Vec<Option<SeriesSums>> {
    let mut out = vec![None; queries.len()];
    let Some(vmin) = subsets.vi.iter().copied().reduce(f64::min) else {
        return out;
    };
    let planner = Planner {
        subsets,
        queries,
        sums,
        direct_cost,
        vmin,
    };
    for cluster in planner.plan() {
        run(&planner, &cluster, &mut out);
    }
    out
}

/// A centre and the queries it serves.
#[derive(Debug, Clone, PartialEq)]
struct Cluster {
    /// Indices into the queries.
    members: Vec<usize>,
    /// The centre `t0`.
    t0: f64,
    /// Number of terms `N`.
    terms: usize,
}

/// A centre in the making: the queries `sorted[range]` whose step is at most
/// `last_step` (the others take the direct pass).
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    range: std::ops::Range<usize>,
    last_step: usize,
    t0: f64,
    terms: usize,
}

/// Everything the plan and the centres share.
struct Planner<'a> {
    subsets: Subsets<'a>,
    queries: &'a [Query],
    sums: Sums,
    direct_cost: f64,
    vmin: f64,
}

impl Planner<'_> {
    /// `s = tau2 + vmin` of query `q`.
    fn s(&self, q: usize) -> f64 {
        self.queries[q].tau2 + self.vmin
    }

    /// What serving query `q` by a direct pass costs.
    fn direct(&self, q: usize) -> f64 {
        self.direct_cost * self.subsets.size(self.queries[q].step) as f64
    }

    /// The centres of a batch (see the module docs); queries left out take the direct
    /// pass.
    fn plan(&self) -> Vec<Cluster> {
        let mut sorted: Vec<usize> = (0..self.queries.len())
            .filter(|&q| {
                let t = self.queries[q].tau2;
                t.is_finite() && t >= 0.0 && self.subsets.size(self.queries[q].step) > 0
            })
            .collect();
        sorted.sort_unstable_by(|&a, &b| self.queries[a].tau2.total_cmp(&self.queries[b].tau2));
        let mut choices = Vec::new();
        let mut start = 0;
        while start < sorted.len() {
            let limit = self.s(sorted[start]) * (1.0 + RHO_MAX) / (1.0 - RHO_MAX);
            let mut end = start + 1;
            while end < sorted.len() && self.s(sorted[end]) <= limit {
                end += 1;
            }
            choices.extend(self.choose(&sorted, start..end, 0).1);
            start = end;
        }
        choices
            .into_iter()
            .map(|c| Cluster {
                members: sorted[c.range]
                    .iter()
                    .copied()
                    .filter(|&q| self.queries[q].step <= c.last_step)
                    .collect(),
                t0: c.t0,
                terms: c.terms,
            })
            .collect()
    }

    /// The cheapest way to serve `sorted[range]` (sorted by tau²): its cost and its
    /// centres.
    fn choose(
        &self,
        sorted: &[usize],
        range: std::ops::Range<usize>,
        depth: u32,
    ) -> (f64, Vec<Choice>) {
        let group = &sorted[range.clone()];
        let direct: f64 = group.iter().map(|&q| self.direct(q)).sum();
        let mut best = (direct, Vec::new());
        let (Some(&first), Some(&last)) = (group.first(), group.last()) else {
            return best;
        };
        let (lo, hi) = (self.s(first), self.s(last));
        let rho = if hi > lo { (hi - lo) / (hi + lo) } else { 0.0 };
        if rho <= RHO_MAX
            && let Some(terms) = self.sums.terms(rho)
            && let Some((cost, last_step)) = self.centre_cost(group, terms)
            && cost < best.0
        {
            let t0 = 0.5 * (self.queries[first].tau2 + self.queries[last].tau2);
            best = (
                cost,
                vec![Choice {
                    range: range.clone(),
                    last_step,
                    t0,
                    terms,
                }],
            );
        }
        if depth < MAX_SPLIT_DEPTH && group.len() >= 2 {
            let gap = |i: usize| self.s(group[i]) / self.s(group[i - 1]);
            let cut = (1..group.len()).max_by(|&a, &b| gap(a).total_cmp(&gap(b)));
            if let Some(cut) = cut.filter(|&c| gap(c) > 1.0) {
                let cut = range.start + cut;
                let (left_cost, mut left) = self.choose(sorted, range.start..cut, depth + 1);
                let (right_cost, right) = self.choose(sorted, cut..range.end, depth + 1);
                if left_cost + right_cost < best.0 {
                    left.extend(right);
                    best = (left_cost + right_cost, left);
                }
            }
        }
        best
    }

    /// The cost of a centre of `terms` terms for `group`, and the last step it should
    /// serve: for cumulative steps, the later steps of a group may cost less by direct
    /// passes than the centre's longer pass (steps bucketed by powers of 2).
    fn centre_cost(&self, group: &[usize], terms: usize) -> Option<(f64, usize)> {
        let per_study = (terms + self.sums.extra_powers()) as f64 + CENTRE_PASS_COST;
        let per_query = terms as f64 * self.sums.term_cost();
        let step = |q: usize| self.queries[q].step;
        if self.subsets.kind == SubsetKind::AllBut {
            let last = group.iter().map(|&q| step(q)).max()?;
            let cost = self.subsets.span(last) as f64 * per_study + group.len() as f64 * per_query;
            return Some((cost, last));
        }
        // Per bucket b (steps in [2^b − 1, 2^(b+1) − 1)): count, direct cost, last step.
        let mut buckets = [(0usize, 0.0f64, 0usize); 65];
        for &q in group {
            let b = (usize::BITS - (step(q) + 1).leading_zeros()) as usize;
            let e = &mut buckets[b];
            e.0 += 1;
            e.1 += self.direct(q);
            e.2 = e.2.max(step(q));
        }
        let mut direct_after: f64 = buckets.iter().map(|b| b.1).sum();
        let (mut served, mut last, mut best) = (0usize, 0usize, None::<(f64, usize)>);
        for &(count, direct, bucket_last) in &buckets {
            if count == 0 {
                continue;
            }
            served += count;
            last = last.max(bucket_last);
            direct_after -= direct;
            let cost = self.subsets.span(last) as f64 * per_study
                + served as f64 * per_query
                + direct_after.max(0.0);
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, last));
            }
        }
        best
    }
}

/// A compensated running sum (Knuth's TwoSum): `sum + comp` carries the exact sum of the
/// terms to within about `2ε` of their absolute sum, whatever their number.
#[derive(Debug, Clone, Copy, Default)]
struct Compensated {
    sum: f64,
    comp: f64,
}

impl Compensated {
    #[inline]
    fn add(&mut self, x: f64) {
        let s = self.sum + x;
        let b = s - self.sum;
        self.comp += (self.sum - (s - b)) + (x - b);
        self.sum = s;
    }

    fn value(self) -> f64 {
        self.sum + self.comp
    }
}

/// The power sums `Rm[1], Rm[z], Rm[z²]` (`m = 1..=M`) and `Σ ln(1 + t0/vj)` of the
/// studies added so far.
struct PowerSums {
    r: Vec<[Compensated; 3]>,
    log: Compensated,
}

impl PowerSums {
    fn new(powers: usize) -> PowerSums {
        PowerSums {
            r: vec![[Compensated::default(); 3]; powers],
            log: Compensated::default(),
        }
    }

    /// Adds a study with ratio `r`, centred estimate `z`, and `ln(1 + t0/v)` if wanted.
    #[inline]
    fn add(&mut self, r: f64, z: f64, log: Option<f64>) {
        let z2 = z * z;
        let mut p = r;
        for sums in &mut self.r {
            sums[0].add(p);
            sums[1].add(z * p);
            sums[2].add(z2 * p);
            p *= r;
        }
        if let Some(l) = log {
            self.log.add(l);
        }
    }

    /// The current values, `out[m − 1] = [Rm[1], Rm[z], Rm[z²]]`.
    fn values(&self, out: &mut Vec<[f64; 3]>) {
        out.clear();
        out.extend(self.r.iter().map(|s| s.map(Compensated::value)));
    }
}

/// Builds a centre's power sums and evaluates its queries into `out`.
fn run(planner: &Planner<'_>, cluster: &Cluster, out: &mut [Option<SeriesSums>]) {
    let Planner {
        subsets,
        queries,
        sums,
        vmin,
        ..
    } = *planner;
    let mut members = cluster.members.clone();
    if subsets.kind == SubsetKind::Prefix {
        members.sort_unstable_by_key(|&q| queries[q].step);
    }
    let Some(last) = members.iter().map(|&q| queries[q].step).max() else {
        return;
    };
    let span = subsets.span(last);
    let t0 = cluster.t0;
    // The centre of the estimates: the random-effects mean at t0 of the largest subset.
    let mut mean = Moments::default();
    for j in 0..span {
        mean.push(subsets.yi[j], 1.0 / (subsets.vi[j] + t0));
    }
    let centre = mean.mean;
    let scale = vmin + t0;
    let series = Series {
        centre,
        t0,
        scale,
        terms: cluster.terms,
        sums,
    };
    let log = |v: f64| (sums == Sums::Likelihood).then(|| (t0 / v).ln_1p());
    let mut power = PowerSums::new(cluster.terms + sums.extra_powers());
    let mut values = Vec::new();
    match subsets.kind {
        SubsetKind::Prefix => {
            let mut next = 0;
            for j in 0..span {
                let v = subsets.vi[j];
                power.add(scale / (v + t0), subsets.yi[j] - centre, log(v));
                if members.get(next).is_some_and(|&q| queries[q].step == j) {
                    power.values(&mut values);
                    while let Some(&q) = members.get(next).filter(|&&q| queries[q].step == j) {
                        out[q] = series.at(&values, power.log.value(), queries[q].tau2);
                        next += 1;
                    }
                }
            }
        }
        SubsetKind::AllBut => {
            for j in 0..span {
                let v = subsets.vi[j];
                power.add(scale / (v + t0), subsets.yi[j] - centre, log(v));
            }
            power.values(&mut values);
            for &q in &members {
                let Query { step, tau2 } = queries[q];
                out[q] = series.at(&values, power.log.value(), tau2).map(|all| {
                    let own = own_terms(subsets.yi[step] - centre, subsets.vi[step], tau2, sums);
                    all.without(&own)
                });
            }
        }
    }
}

/// One centre's evaluation of its series.
struct Series {
    centre: f64,
    t0: f64,
    scale: f64,
    terms: usize,
    sums: Sums,
}

impl Series {
    /// The sums at `t` from the power sums `r` (and `log0 = Σ ln(1 + t0/vj)`), with
    /// truncation and rounding bounds (module docs); `None` if not finite.
    fn at(&self, r: &[[f64; 3]], log0: f64, t: f64) -> Option<SeriesSums> {
        let n = self.terms;
        let delta = (t - self.t0) / self.scale;
        let ad = delta.abs();
        if ad >= 1.0 || r.len() < n + self.sums.extra_powers() {
            return None;
        }
        let abs_z = |m: usize| (r[m][0].max(0.0) * r[m][2].max(0.0)).sqrt();
        let second = self.sums == Sums::Scoring;
        let log = self.sums == Sums::Likelihood;
        // [value, absolute sum] for Σw, Σwz, Σwz², Σw², Σw²z, Σw²z², Σw³, log.
        let mut acc = [[0.0f64; 2]; 8];
        let mut term = |i: usize, coef: f64, x: f64, x_abs: f64| {
            acc[i][0] += coef * x;
            acc[i][1] += coef.abs() * x_abs;
        };
        let mut pow = 1.0; // (−δ)ⁿ
        for k in 0..n {
            let p = r[k];
            term(0, pow, p[0], p[0]);
            term(1, pow, p[1], abs_z(k));
            term(2, pow, p[2], p[2]);
            if second {
                let c2 = (k + 1) as f64 * pow;
                let q = r[k + 1];
                term(3, c2, q[0], q[0]);
                term(4, c2, q[1], abs_z(k + 1));
                term(5, c2, q[2], q[2]);
                term(6, binomial2(k) * pow, r[k + 2][0], r[k + 2][0]);
            }
            pow *= -delta;
            if log {
                // ln(1 + δ rj) = −Σ_{n≥1} (−δ)ⁿ rjⁿ/n; this is n = k + 1.
                term(7, -pow / (k + 1) as f64, p[0], p[0]);
            }
        }
        let tail = ad.powi(n as i32);
        let rounding = (6 * n + 32) as f64 * f64::EPSILON;
        let first_tail = tail / (1.0 - ad);
        let bound =
            |i: usize, truncation: f64| Bounded::new(acc[i][0], truncation + rounding * acc[i][1]);
        let u = 1.0 / self.scale;
        let w = bound(0, first_tail * r[n][0]).times(u);
        let wz = bound(1, first_tail * abs_z(n)).times(u);
        let wz2 = bound(2, first_tail * r[n][2]).times(u);
        let second = second.then(|| {
            let t2 = (n + 1) as f64 * tail / (1.0 - ad).powi(2);
            let t3 = binomial2(n) * tail / (1.0 - ad).powi(3);
            let u2 = u * u;
            SecondOrder {
                w2: bound(3, t2 * r[n + 1][0]).times(u2),
                w2z: bound(4, t2 * abs_z(n + 1)).times(u2),
                w2z2: bound(5, t2 * r[n + 1][2]).times(u2),
                w3: bound(6, t3 * r[n + 2][0]).times(u2 * u),
            }
        });
        let log_ratio = log.then(|| {
            let truncation = tail * ad * r[n][0] / ((n + 1) as f64 * (1.0 - ad));
            bound(7, truncation) + Bounded::new(log0, 4.0 * f64::EPSILON * log0.abs())
        });
        let out = SeriesSums {
            centre: self.centre,
            w,
            wz,
            wz2,
            second,
            log_ratio,
        };
        out.is_finite().then_some(out)
    }
}

impl SeriesSums {
    fn is_finite(&self) -> bool {
        let ok = |b: &Bounded| b.value.is_finite() && b.error.is_finite();
        [self.w, self.wz, self.wz2].iter().all(ok)
            && self
                .second
                .is_none_or(|s| [s.w2, s.w2z, s.w2z2, s.w3].iter().all(ok))
            && self.log_ratio.as_ref().is_none_or(ok)
    }

    /// These sums less one study's own terms.
    fn without(self, own: &SeriesSums) -> SeriesSums {
        SeriesSums {
            centre: self.centre,
            w: self.w - own.w,
            wz: self.wz - own.wz,
            wz2: self.wz2 - own.wz2,
            second: self.second.zip(own.second).map(|(a, b)| SecondOrder {
                w2: a.w2 - b.w2,
                w2z: a.w2z - b.w2z,
                w2z2: a.w2z2 - b.w2z2,
                w3: a.w3 - b.w3,
            }),
            log_ratio: self.log_ratio.zip(own.log_ratio).map(|(a, b)| a - b),
        }
    }
}

/// One study's own terms at `t`, computed directly (a few roundings each).
fn own_terms(z: f64, v: f64, t: f64, sums: Sums) -> SeriesSums {
    let w = 1.0 / (v + t);
    let b = |x: f64, roundings: f64| Bounded::new(x, roundings * f64::EPSILON * x.abs());
    SeriesSums {
        centre: 0.0,
        w: b(w, 2.0),
        wz: b(z * w, 4.0),
        wz2: b(z * z * w, 5.0),
        second: (sums == Sums::Scoring).then(|| SecondOrder {
            w2: b(w * w, 3.0),
            w2z: b(z * w * w, 5.0),
            w2z2: b(z * z * w * w, 6.0),
            w3: b(w * w * w, 4.0),
        }),
        log_ratio: (sums == Sums::Likelihood).then(|| b((t / v).ln_1p(), 3.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sum of every subset against its direct value, within its own bound.
    #[test]
    fn series_sums_are_within_their_bounds() {
        let yi = [0.3, -0.2, 0.8, 0.1, 0.45, -0.6, 0.05];
        let vi = [0.04, 0.2, 0.09, 0.5, 0.01, 0.3, 0.12];
        for kind in [SubsetKind::AllBut, SubsetKind::Prefix] {
            let subsets = Subsets {
                yi: &yi,
                vi: &vi,
                kind,
            };
            for sums in [Sums::Pooled, Sums::Scoring, Sums::Likelihood] {
                let queries: Vec<Query> = (1..yi.len())
                    .map(|step| Query {
                        step,
                        tau2: 0.05 + 0.01 * step as f64,
                    })
                    .collect();
                // A direct cost high enough that every query is served by series.
                let out = evaluate(subsets, &queries, sums, 1e9);
                for (q, s) in queries.iter().zip(&out) {
                    let s = s.as_ref().expect("served by series");
                    let mut exact = [0.0; 8];
                    for (y, v) in subsets.studies(q.step) {
                        let (w, z) = (1.0 / (v + q.tau2), y - s.centre);
                        let terms = [w, w * z, w * z * z, w * w, w * w * z, w * w * z * z];
                        for (e, t) in exact.iter_mut().zip(terms) {
                            *e += t;
                        }
                        exact[6] += w * w * w;
                        exact[7] += (q.tau2 / v).ln_1p();
                    }
                    let mut got = vec![s.w, s.wz, s.wz2];
                    if let Some(x) = s.second {
                        got.extend([x.w2, x.w2z, x.w2z2, x.w3]);
                    }
                    let check = |b: Bounded, e: f64, what: &str| {
                        // The direct sum itself is off by a few ε.
                        let slack = 1e-15 * e.abs();
                        assert!(
                            (b.value - e).abs() <= b.error + slack,
                            "{kind:?} {sums:?} step {} {what}: {} vs {e} (bound {})",
                            q.step,
                            b.value,
                            b.error
                        );
                        assert!(b.error <= 1e-12 * e.abs().max(1.0), "{what}: loose bound");
                    };
                    for (i, b) in got.into_iter().enumerate() {
                        check(b, exact[i], "power sum");
                    }
                    if let Some(l) = s.log_ratio {
                        check(l, exact[7], "log");
                    }
                }
            }
        }
    }

    /// Outside the radius of convergence, or with nothing to sum, no series is offered.
    #[test]
    fn far_or_empty_queries_are_left_to_the_direct_pass() {
        let yi = [0.3, -0.2, 0.8];
        let vi = [0.04, 0.2, 0.09];
        let subsets = Subsets {
            yi: &yi,
            vi: &vi,
            kind: SubsetKind::Prefix,
        };
        // Cheap direct passes: nothing is worth a centre.
        let q = [
            Query { step: 2, tau2: 0.1 },
            Query {
                step: 1,
                tau2: 10.0,
            },
        ];
        assert!(
            evaluate(subsets, &q, Sums::Pooled, 1e-9)
                .iter()
                .all(Option::is_none)
        );
        assert!(evaluate(subsets, &[], Sums::Pooled, 1.0).is_empty());
        let none = Subsets {
            yi: &[],
            vi: &[],
            kind: SubsetKind::AllBut,
        };
        assert_eq!(evaluate(none, &q, Sums::Pooled, 1e9), vec![None, None]);
    }

    #[test]
    fn bounded_arithmetic_bounds_the_error() {
        let a = Bounded::new(1.0, 1e-10);
        let b = Bounded::new(1.0 - 1e-6, 1e-10);
        let d = a - b;
        assert!(d.error >= 2e-10 && d.error < 2.1e-10);
        assert_eq!((a / Bounded::new(0.0, 0.1)).error, f64::INFINITY);
        assert!(Bounded::new(-1.0, 0.0).ln().error.is_infinite());
        assert!(Bounded::new(2.0, 0.0).ln().within(1e-15, 1.0));
    }
}
