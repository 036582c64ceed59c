//! Sensitivity analyses: leave-one-out and cumulative meta-analysis (metafor
//! `leave1out()` and `cumul()`), without refitting the model for each step where the
//! estimator allows it, in (near) linear time.
//!
//! # Algorithm
//!
//! Every fit in these analyses is of a subset of the studies: all but study `i`
//! (leave-one-out) or the first `j` in a chosen order (cumulative). Each step needs, for
//! its subset `S`,
//!
//! ```text
//! k = |S|       W = Σ wi       ȳw = Σ wi·yi / W       QE = Σ wi (yi − ȳw)²     (wi = 1/vi)
//! W2 = Σ wi²    V = Σ vi       ȳ = Σ yi / k           SS = Σ (yi − ȳ)²
//! ```
//!
//! These are *mergeable*: the weighted mean and sum of squared deviations of a union of
//! two disjoint sets follow from those of the parts (Chan, Golub & LeVeque 1979:
//! `M2 = M2a + M2b + δ²·Wa·Wb/(Wa + Wb)`, `δ = ȳa − ȳb`), without the cancellation of
//! `Σwy² − (Σwy)²/Σw`. One pass builds prefix summaries (studies `1..i`) and one pass
//! suffix summaries (`i..k`); leave-one-out step `i` merges prefix `i − 1` with suffix
//! `i + 1`, cumulative step `j` is prefix `j`. So `QE`, its p-value and every
//! closed-form tau² take O(1) per step and O(k) in all:
//!
//! * `DL` (DerSimonian & Laird 1986): `tau2 = max(0, (QE − (k − 1)) / (W − W2/W))`
//! * `HE` (Hedges 1983): `tau2 = max(0, SS/(k − 1) − V/k)`
//! * `HS` (Hunter & Schmidt 2004): `tau2 = max(0, (QE − k)/W)`
//!
//! as metafor `rma.uni` writes them for an intercept-only model (`(RSS − (k−p))/trP`,
//! `(RSS − trPV)/(k−p)`, `(RSS − k)/sum(wi)`). The common-effect model needs nothing more
//! (`μ̂ = ȳw`, `SE = 1/√W`).
//!
//! # Random-effects sums: series about shared centres
//!
//! The random-effects estimate `μ̂ = Σ wi*·yi / Σ wi*` (metafor `beta`), with
//! `wi* = 1/(vi + tau2)`, and Hartung-Knapp's `RSS = Σ wi*(yi − μ̂)²` (metafor
//! `RSS.knha`) depend on each step's own tau², so no fixed set of sums yields them
//! directly. They are sums over the step's subset of `f(yi)·wi*`, and `wi*` is a power
//! series in `tau2 − t0` about any centre `t0` (`1/(v + t) = Σn (−(t − t0))ⁿ/(v + t0)ⁿ⁺¹`,
//! converging for `|t − t0| < min v + t0`). So for a group of steps whose tau² lie near
//! a shared centre, power sums `Σ fj/(vj + t0)ⁿ` over all studies (leave-one-out, less
//! the step's own study) or as running sums (cumulative) give every step's sums in
//! O(terms) each, exactly up to a truncation and rounding bound computed for every step
//! (`series` submodule: formulas, bounds and the choice of centres). A step takes the
//! series only when the bound of every quantity it reports (`μ̂` relative to
//! `|μ̂| + √(RSS/Σw*)`, `Σw*`, the RSS) is within `1e-12` relative; otherwise, and
//! wherever a centre would cost more than direct passes, it takes the direct pass over
//! its studies (O(k)). A step with tau² = 0 uses its summary (the common-effect moments,
//! O(1)).
//!
//! Where the series is used:
//!
//! * `DL`, `HE`, `HS`: the step's `μ̂`, `SE` and Hartung-Knapp RSS at its tau².
//! * `SJ` (Sidik & Jonkman 2005): `tau2 = tau2₀·Σ wi⁰(yi − μ̂⁰)²/(k − 1)`,
//!   `wi⁰ = 1/(vi + tau2₀)`, `tau2₀ = SS/k` (O(1)): the RSS at `tau2₀` is a first batch
//!   of series sums, then `μ̂` and the RSS at tau² a second.
//! * `REML`, `ML`, `EB`: metafor's Fisher scoring run for all steps together, one batch
//!   of series sums per iteration: from `tau2 = max(0, tau2_HE)`, each step's
//!   `adj = (Y'PPY − tr(P))/Σ P²` (REML), `(Y'PPY − Σw)/Σw²` (ML) or
//!   `(Y'PY·k/(k − 1) − k)/Σw` (EB), halved while `tau2 + adj < 0`, until the change is
//!   at most `1e-5` (metafor `con$threshold`), where `Y'PY = RSS`,
//!   `Y'PPY = Σw²(y − μ̂)²`, `tr(P) = Σw − Σw²/Σw` and
//!   `Σ P² = Σw² − 2Σw³/Σw + (Σw²)²/(Σw)²` (`P = W − ww'/Σw`), then for ML and REML
//!   metafor's `ll0check` (tau2 = 0 when the log-likelihood at 0 exceeds that at tau2
//!   by more than `1e-4`): `ll(0) − ll(tau2) = ½[Σ ln(1 + tau2/vi) + RSS(tau2) − QE]`,
//!   plus `½ ln(Σw*/W)` for REML, from a last batch. Each iteration's `adj` carries an
//!   error bound (`1e-12` of `tau2 + min v`), and a step whose bound is exceeded, whose
//!   stopping, halving or `ll0check` decision is within its bound of the threshold, or
//!   that fails to converge, is refitted with [`rma::estimate_tau2`] (the direct path;
//!   so are all `PM` steps).
//!
//! Cost: O(k) summaries; per batch, one pass of O(k·m) per centre for `m` series terms
//! (few centres and `m ≈ 5–15` when the steps' tau² are close, as in leave-one-out,
//! up to `m ≈ 70` per factor of 3 in `tau2 + min v` when they spread) and O(m) per step;
//! per iterative step as many batches as metafor's iterations. Worst case: steps whose
//! tau² are scattered over many factors of 3, few per factor, take the direct pass,
//! O(k) each, so O(k²) as without the series (the plan never chooses a centre costing
//! more than the direct passes it replaces).
//!
//! # Conventions (metafor `rma.uni`)
//!
//! * `I2 = 100·tau2/(vt + tau2)`, `H2 = tau2/vt + 1` with the typical within-study
//!   variance `vt = (k − 1)/(W − W2/W)` for random effects; `I2 = max(0, 100·(QE −
//!   (k − 1))/QE)`, `H2 = QE/(k − 1)` for the common-effect model.
//! * A step with a single study has `tau2 = 0`, `QE = 0` on 0 df (`QEp = 1`), `I2 = 0`,
//!   `H2 = 1`, and a Wald interval (metafor switches `test` to `"z"` when `k = 1`).
//! * Hartung-Knapp: `SE² = Σ wi*(yi − μ̂)² / ((k − 1)·Σ wi*)`, t quantile on `k − 1` df,
//!   not truncated (metafor `test="knha"`).
//!
//! References: metafor `leave1out.rma.uni`, `cumul.rma.uni` (R/leave1out.rma.uni.r,
//! R/cumul.rma.uni.r), which refit `rma.uni` on each subset; metafor `rma.uni`'s Fisher
//! scoring (R/rma.uni.r, `method="REML"/"ML"/"EB"`); Viechtbauer W (2005), Bias and
//! efficiency of meta-analytic variance estimators in the random-effects model, J Educ
//! Behav Stat 30:261–293; Chan TF, Golub GH, LeVeque RJ (1979), Updating formulae and a
//! pairwise algorithm for computing sample variances, Stanford CS report STAN-CS-79-773;
//! West DHD (1979), Updating mean and variance estimates: an improved method, Commun ACM
//! 22:532–535; Knuth DE (1997), The Art of Computer Programming vol. 2, §4.2.2 (TwoSum);
//! Higham NJ (2002), Accuracy and Stability of Numerical Algorithms, §3.3 (running error
//! analysis).

mod series;

use std::fmt;

use serde::Serialize;

use crate::dist;
use crate::rma::root::R_UNIROOT_TOL;
use crate::rma::{self, CONFIDENCE_LEVEL, Heterogeneity, Interval, Model, Pooled, Undefined};
use crate::settings::{CiMethod, Tau2Estimator};
use series::{Bounded, Evaluation, Query, SERIES_TOLERANCE, SeriesSums, SubsetKind, Subsets, Sums};

/// One fit of a sensitivity analysis: the model fitted to a subset of the studies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The study (index into the input) this step is about: the one left out
    /// (leave-one-out) or the one added last (cumulative).
    pub study: usize,
    /// The fit of the step's subset, or why it is undefined (for example, leaving out
    /// the only study). metafor reports `NA` for such a step.
    pub fit: Result<StepFit, Undefined>,
}

/// The pooled estimate and heterogeneity of one step, with the columns metafor's
/// `leave1out()` and `cumul()` print (`estimate se zval pval ci.lb ci.ub Q Qp tau2 I2
/// H2`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFit {
    /// The pooled estimate, its standard error, CI and test (`k` is the subset size).
    pub pooled: Pooled,
    /// Q, its df and p-value, tau², I² and H² of the subset. `se_tau2` and the
    /// Q-profile intervals are not computed for a step (`None`), as in metafor's output.
    pub heterogeneity: Heterogeneity,
}

/// Why a sensitivity analysis cannot be run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SensitivityError {
    /// `yi` and `vi` differ in length.
    LengthMismatch {
        /// Number of estimates.
        yi: usize,
        /// Number of variances.
        vi: usize,
    },
    /// A study's estimate is not finite or its variance is not positive and finite.
    InvalidStudy {
        /// Position of the study in the input.
        index: usize,
    },
    /// The order of a cumulative analysis names a study twice or one that does not
    /// exist.
    InvalidOrder,
}

impl fmt::Display for SensitivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SensitivityError::LengthMismatch { yi, vi } => {
                write!(f, "{yi} estimates but {vi} variances")
            }
            SensitivityError::InvalidStudy { index } => write!(
                f,
                "study {} has a non-finite estimate or a non-positive variance",
                index + 1
            ),
            SensitivityError::InvalidOrder => {
                f.write_str("the order must list existing studies, each at most once")
            }
        }
    }
}

impl std::error::Error for SensitivityError {}

/// Leave-one-out analysis: the model refitted without each study in turn (metafor
/// `leave1out(rma(yi, vi, method=..., test=...))`). Step `i` leaves out study `i`.
///
/// Linear time for the common-effect model; near linear for random effects with every
/// estimator but PM, by series about shared centres, as exact as a refit (see the
/// [module docs](self)).
///
/// # Errors
/// [`SensitivityError`] for malformed input. A step whose fit is undefined (no study
/// left) carries the reason in [`Step::fit`].
///
/// ```
/// use grove_core::rma::Model;
/// use grove_core::sensitivity::leave_one_out;
/// use grove_core::{CiMethod, Tau2Estimator};
/// let yi = [-0.9, -1.6, -1.4, -0.2];
/// let vi = [0.33, 0.19, 0.42, 0.05];
/// let steps = leave_one_out(&yi, &vi, Model::Random, Tau2Estimator::DerSimonianLaird,
///                           CiMethod::Wald).unwrap();
/// assert_eq!(steps.len(), 4);
/// assert_eq!(steps[0].fit.as_ref().unwrap().pooled.k, 3);
/// ```
pub fn leave_one_out(
    yi: &[f64],
    vi: &[f64],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<Vec<Step>, SensitivityError> {
    check_input(yi, vi)?;
    let subsets = Subsets {
        yi,
        vi,
        kind: SubsetKind::AllBut,
    };
    let fits = analyse(
        subsets,
        &leave_one_out_summaries(yi, vi),
        model,
        tau2,
        ci,
        Evaluation::Series,
    );
    Ok(fits
        .into_iter()
        .enumerate()
        .map(|(study, fit)| Step { study, fit })
        .collect())
}

/// Cumulative meta-analysis: the model fitted to the first 1, 2, …, k studies in the
/// given order (metafor `cumul(rma(yi, vi, ...), order=...)`). `order` lists study
/// indices (into `yi`/`vi`), each at most once; step `j` adds study `order[j]`. Studies
/// left out of `order` take no part, as metafor drops studies whose order variable is
/// missing (`order(orvar, na.last=NA)`); see [`year_order`].
///
/// Linear time for the common-effect model; near linear for random effects with every
/// estimator but PM, by series about shared centres, as exact as a refit (see the
/// [module docs](self)). The first step is the single study's own estimate with its
/// Wald interval and tau² = 0, as in metafor.
///
/// # Errors
/// [`SensitivityError`] for malformed input or an order that repeats a study or names
/// one that does not exist.
///
/// ```
/// use grove_core::rma::Model;
/// use grove_core::sensitivity::cumulative;
/// use grove_core::{CiMethod, Tau2Estimator};
/// let yi = [-0.9, -1.6, -1.4];
/// let vi = [0.33, 0.19, 0.42];
/// let steps = cumulative(&yi, &vi, &[2, 0, 1], Model::Common,
///                        Tau2Estimator::DerSimonianLaird, CiMethod::Wald).unwrap();
/// assert_eq!(steps[0].study, 2);
/// assert_eq!(steps[0].fit.as_ref().unwrap().pooled.estimate, -1.4);
/// ```
pub fn cumulative(
    yi: &[f64],
    vi: &[f64],
    order: &[usize],
    model: Model,
    tau2: Tau2Estimator,
    ci: CiMethod,
) -> Result<Vec<Step>, SensitivityError> {
    check_input(yi, vi)?;
    let k = yi.len();
    let mut seen = vec![false; k];
    for &i in order {
        match seen.get_mut(i) {
            Some(s) if !*s => *s = true,
            _ => return Err(SensitivityError::InvalidOrder),
        }
    }
    let oy: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
    let ov: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
    let subsets = Subsets {
        yi: &oy,
        vi: &ov,
        kind: SubsetKind::Prefix,
    };
    let fits = analyse(
        subsets,
        &prefix_summaries(&oy, &ov)[1..],
        model,
        tau2,
        ci,
        Evaluation::Series,
    );
    Ok(order
        .iter()
        .zip(fits)
        .map(|(&study, fit)| Step { study, fit })
        .collect())
}

/// The order of a cumulative analysis by year (metafor `cumul(x, order=year)`):
/// indices of the studies with a year, by increasing year, ties kept in input order (R's
/// `order()` is stable); studies without a year are left out, as metafor drops them.
///
/// ```
/// use grove_core::sensitivity::year_order;
/// assert_eq!(year_order(&[Some(1990), None, Some(1985), Some(1990)]), vec![2, 0, 3]);
/// ```
pub fn year_order(years: &[Option<i32>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..years.len()).filter(|&i| years[i].is_some()).collect();
    order.sort_by_key(|&i| years[i]);
    order
}

fn check_input(yi: &[f64], vi: &[f64]) -> Result<(), SensitivityError> {
    if yi.len() != vi.len() {
        return Err(SensitivityError::LengthMismatch {
            yi: yi.len(),
            vi: vi.len(),
        });
    }
    let bad = |(y, v): (&f64, &f64)| {
        !y.is_finite() || !v.is_finite() || *v <= 0.0 || !(1.0 / v).is_finite()
    };
    match yi.iter().zip(vi).position(bad) {
        Some(index) => Err(SensitivityError::InvalidStudy { index }),
        None => Ok(()),
    }
}

/// metafor `con$threshold`: convergence threshold of Fisher scoring (as [`rma`]).
const SCORING_THRESHOLD: f64 = 1e-5;
/// metafor `con$maxiter`: iteration limit of Fisher scoring (as [`rma`]).
const SCORING_MAX_ITERATIONS: u32 = 100;
/// What refitting a step with an iterative estimator costs per study, in the plan's
/// units (one study's power in a centre's sums): about ten passes per iteration.
const REFIT_COST: f64 = 80.0;

/// Every step's fit: `summaries[s]` summarises step `s`'s subset of `subsets`.
fn analyse(
    subsets: Subsets<'_>,
    summaries: &[Summary],
    model: Model,
    estimator: Tau2Estimator,
    ci: CiMethod,
    evaluation: Evaluation,
) -> Vec<Result<StepFit, Undefined>> {
    let tau2 = match model {
        Model::Common => vec![Ok(0.0); summaries.len()],
        Model::Random => tau2_of_steps(subsets, summaries, estimator, evaluation),
    };
    // Random-effects weights wi* = 1/(vi + tau2); with tau2 = 0 they are the
    // common-effect weights and the summary already holds their moments.
    let queries: Vec<Query> = tau2
        .iter()
        .enumerate()
        .filter_map(|(step, t)| match t {
            Ok(t) if *t > 0.0 && summaries[step].k > 0 => Some(Query { step, tau2: *t }),
            _ => None,
        })
        .collect();
    let mut pooled: Vec<Option<Moments>> = vec![None; summaries.len()];
    for (q, m) in queries
        .iter()
        .zip(series::moments(subsets, &queries, evaluation))
    {
        pooled[q.step] = Some(m);
    }
    let mut critical = Critical::new();
    summaries
        .iter()
        .zip(tau2)
        .zip(pooled)
        .map(|((s, tau2), pooled)| {
            if s.k == 0 {
                return Err(Undefined::NoStudies);
            }
            let tau2 = tau2?;
            let pooled = pooled.unwrap_or(s.weighted);
            Ok(step_fit(s, tau2, pooled, model, ci, &mut critical))
        })
        .collect()
}

/// The two-sided 95% critical values (metafor `qnorm(level)`, `qt(level, df)`), each
/// computed once: the normal one for every Wald step, Student's t for the last df asked
/// (all leave-one-out steps share theirs).
struct Critical {
    normal: f64,
    t: Option<(f64, f64)>,
}

impl Critical {
    fn new() -> Critical {
        let half_alpha = (1.0 - CONFIDENCE_LEVEL) / 2.0;
        Critical {
            normal: dist::normal_quantile(1.0 - half_alpha),
            t: None,
        }
    }

    fn t(&mut self, df: f64) -> f64 {
        match self.t {
            Some((d, q)) if d == df => q,
            _ => {
                let q = dist::t_quantile(1.0 - (1.0 - CONFIDENCE_LEVEL) / 2.0, df);
                self.t = Some((df, q));
                q
            }
        }
    }
}

/// tau² of every step (0 for a step of fewer than two studies, as metafor), truncated
/// at 0 as metafor does.
fn tau2_of_steps(
    subsets: Subsets<'_>,
    summaries: &[Summary],
    estimator: Tau2Estimator,
    evaluation: Evaluation,
) -> Vec<Result<f64, Undefined>> {
    match estimator {
        Tau2Estimator::DerSimonianLaird | Tau2Estimator::HunterSchmidt | Tau2Estimator::Hedges => {
            summaries
                .iter()
                .enumerate()
                .map(|(step, s)| match s.k {
                    0 | 1 => Ok(0.0),
                    _ => finite_or_refit(closed_form(s, estimator), subsets, step, estimator),
                })
                .collect()
        }
        Tau2Estimator::SidikJonkman => sidik_jonkman(subsets, summaries, evaluation),
        Tau2Estimator::RestrictedMaximumLikelihood
        | Tau2Estimator::MaximumLikelihood
        | Tau2Estimator::EmpiricalBayes => scoring(subsets, summaries, estimator, evaluation),
        Tau2Estimator::PauleMandel => summaries
            .iter()
            .enumerate()
            .map(|(step, s)| match s.k {
                0 | 1 => Ok(0.0),
                _ => refit(subsets, step, estimator),
            })
            .collect(),
    }
}

/// The closed-form tau² of a subset of at least two studies from its summary, before
/// truncation.
fn closed_form(s: &Summary, estimator: Tau2Estimator) -> f64 {
    let k = s.k as f64;
    match estimator {
        // Hunter & Schmidt (2004): (QE - k) / sum(wi).
        Tau2Estimator::HunterSchmidt => (s.weighted.m2 - k) / s.weighted.weight,
        // Hedges (1983): (RSS - trPV) / (k-p) with P = I - J/k: SS/(k-1) - V/k.
        Tau2Estimator::Hedges => s.unweighted.m2 / (k - 1.0) - s.v / k,
        // DerSimonian & Laird (1986): (QE - (k-p)) / trP.
        _ => (s.weighted.m2 - (k - 1.0)) / s.tr_p(),
    }
}

/// `tau2` truncated at 0 (metafor `tau2 <- max(con$tau2.min, c(tau2))`), or the refit's
/// answer when it is not finite (metafor then stops with an error, as the refit says).
fn finite_or_refit(
    tau2: f64,
    subsets: Subsets<'_>,
    step: usize,
    estimator: Tau2Estimator,
) -> Result<f64, Undefined> {
    if tau2.is_finite() {
        Ok(tau2.max(0.0))
    } else {
        refit(subsets, step, estimator)
    }
}

/// The direct path: tau² refitted on the step's subset ([`rma::estimate_tau2`]).
fn refit(subsets: Subsets<'_>, step: usize, estimator: Tau2Estimator) -> Result<f64, Undefined> {
    let (ys, vs): (Vec<f64>, Vec<f64>) = subsets.studies(step).unzip();
    rma::estimate_tau2(&ys, &vs, estimator)
}

/// Sidik & Jonkman (2005): `tau2.0 = var(yi)(k-1)/k = SS/k`, then
/// `tau2.0 · Σ wi (yi - ȳw)² / (k-p)` with `wi = 1/(vi + tau2.0)`, the RSS by series.
fn sidik_jonkman(
    subsets: Subsets<'_>,
    summaries: &[Summary],
    evaluation: Evaluation,
) -> Vec<Result<f64, Undefined>> {
    let queries: Vec<Query> = summaries
        .iter()
        .enumerate()
        .filter(|(_, s)| s.k >= 2)
        .map(|(step, s)| Query {
            step,
            tau2: s.unweighted.m2 / s.k as f64,
        })
        .collect();
    let mut out = vec![Ok(0.0); summaries.len()];
    // With tau2.0 = 0 (all estimates equal) the estimate is 0·RSS = 0.
    let positive: Vec<Query> = queries.iter().copied().filter(|q| q.tau2 > 0.0).collect();
    for (q, m) in positive
        .iter()
        .zip(series::moments(subsets, &positive, evaluation))
    {
        let k = summaries[q.step].k as f64;
        let tau2 = q.tau2 * m.m2 / (k - 1.0);
        out[q.step] = finite_or_refit(tau2, subsets, q.step, Tau2Estimator::SidikJonkman);
    }
    for q in queries.iter().filter(|q| !q.tau2.is_finite()) {
        out[q.step] = refit(subsets, q.step, Tau2Estimator::SidikJonkman);
    }
    out
}

/// Where a step's Fisher scoring stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scoring {
    /// At `tau2` after `iterations` iterations.
    Iterating { tau2: f64, iterations: u32 },
    /// Converged (after metafor's `ll0check`, once that has run).
    Converged(f64),
    /// To be refitted on its subset (the series cannot settle it within its bound).
    Refit,
}

/// ML, REML and EB tau² of every step by metafor's Fisher scoring (as
/// `rma::tau2::scoring`), all steps' iterations together, each batch of sums by series
/// (module docs).
fn scoring(
    subsets: Subsets<'_>,
    summaries: &[Summary],
    estimator: Tau2Estimator,
    evaluation: Evaluation,
) -> Vec<Result<f64, Undefined>> {
    let vmin = subsets.vi.iter().copied().fold(f64::INFINITY, f64::min);
    let factor = evaluation.direct_cost_factor();
    let mut state: Vec<Scoring> = summaries
        .iter()
        .map(|s| match (s.k, factor) {
            (0 | 1, _) => Scoring::Converged(0.0),
            (_, None) => Scoring::Refit,
            _ => {
                // metafor starts from the Hedges estimate, truncated at 0.
                let he = closed_form(s, Tau2Estimator::Hedges);
                if he.is_finite() {
                    Scoring::Iterating {
                        tau2: he.max(0.0),
                        iterations: 0,
                    }
                } else {
                    Scoring::Refit
                }
            }
        })
        .collect();
    loop {
        let queries: Vec<Query> = state
            .iter()
            .enumerate()
            .filter_map(|(step, s)| match *s {
                Scoring::Iterating { tau2, .. } => Some(Query { step, tau2 }),
                _ => None,
            })
            .collect();
        if queries.is_empty() {
            break;
        }
        let refit_cost = REFIT_COST * factor.unwrap_or(1.0);
        let sums = series::evaluate(subsets, &queries, Sums::Scoring, refit_cost);
        for (q, sums) in queries.iter().zip(sums) {
            if let Scoring::Iterating { tau2, iterations } = state[q.step] {
                let k = summaries[q.step].k as f64;
                let adj = sums.and_then(|s| adjustment(&s, k, estimator));
                state[q.step] = scoring_step(adj, tau2, iterations, vmin);
            }
        }
    }
    if matches!(
        estimator,
        Tau2Estimator::MaximumLikelihood | Tau2Estimator::RestrictedMaximumLikelihood
    ) {
        let refit_cost = REFIT_COST * factor.unwrap_or(1.0);
        ll0_check(subsets, summaries, estimator, refit_cost, &mut state);
    }
    state
        .into_iter()
        .enumerate()
        .map(|(step, s)| match s {
            Scoring::Converged(tau2) => Ok(tau2.max(0.0)),
            _ => refit(subsets, step, estimator),
        })
        .collect()
}

/// One Fisher scoring iteration from `tau2` given its step `adj` (with its bound), as
/// metafor iterates: `adj` halved while `tau2 + adj < 0`, stop when the change is at
/// most `con$threshold`, fail after `con$maxiter`. Any decision within the bound of its
/// threshold, and a failure, leave the step to the refit.
fn scoring_step(adj: Option<Bounded>, tau2: f64, iterations: u32, vmin: f64) -> Scoring {
    let Some(adj) = adj.filter(|a| a.within(SERIES_TOLERANCE, tau2 + a.value.abs() + vmin)) else {
        return Scoring::Refit;
    };
    if (tau2 + adj.value).abs() <= adj.error {
        return Scoring::Refit;
    }
    // while (tau2 + adj < con$tau2.min) adj <- adj / 2
    let mut step = adj.value;
    let mut halvings = 0;
    while tau2 + step < 0.0 {
        step /= 2.0;
        halvings += 1;
        if halvings > 2000 {
            step = 0.0;
        }
    }
    let new = tau2 + step;
    let change = (tau2 - new).abs();
    let iterations = iterations + 1;
    if iterations > SCORING_MAX_ITERATIONS
        || !new.is_finite()
        || (change - SCORING_THRESHOLD).abs() <= adj.error
    {
        return Scoring::Refit;
    }
    if change > SCORING_THRESHOLD {
        Scoring::Iterating {
            tau2: new,
            iterations,
        }
    } else {
        Scoring::Converged(new)
    }
}

/// The Fisher scoring step at the sums' tau² (metafor `rma.uni`):
/// REML `adj <- (Y'PPY - tr(P)) / tr(PP)`, ML `adj <- (Y'PPY - sum(wi)) / sum(wi^2)`,
/// EB `adj <- (Y'PY * k/(k-p) - k) / sum(wi)`, with `Y'PPY = Σw²(z − ẑ)²`,
/// `tr(P) = Σw − Σw²/Σw`, `tr(PP) = Σw² − 2Σw³/Σw + (Σw²/Σw)²`.
fn adjustment(s: &SeriesSums, k: f64, estimator: Tau2Estimator) -> Option<Bounded> {
    let second = s.second?;
    let (zhat, rss) = s.mean_and_rss();
    let w = s.w;
    let ypp_y = second.w2z2 - (zhat * second.w2z).times(2.0) + zhat * zhat * second.w2;
    let adj = match estimator {
        Tau2Estimator::RestrictedMaximumLikelihood => {
            let ratio = second.w2 / w;
            let tr_p = w - ratio;
            let p_sq = second.w2 - (second.w3 / w).times(2.0) + ratio * ratio;
            (ypp_y - tr_p) / p_sq
        }
        Tau2Estimator::MaximumLikelihood => (ypp_y - w) / second.w2,
        Tau2Estimator::EmpiricalBayes => (rss.times(k / (k - 1.0)) - Bounded::exact(k)) / w,
        _ => return None,
    };
    Some(adj)
}

/// metafor's `ll0check` for ML and REML: tau² = 0 when `ll(0) − ll(tau2) > con$tol`
/// (`1e-4`) and `tau2 > con$threshold`, with `ll(0) − ll(tau2) = ½[Σ ln(1 + tau2/vi) +
/// RSS(tau2) − QE]` (ML) plus `½ ln(Σw*/W)` (REML), the sums by series.
fn ll0_check(
    subsets: Subsets<'_>,
    summaries: &[Summary],
    estimator: Tau2Estimator,
    refit_cost: f64,
    state: &mut [Scoring],
) {
    let vmin = subsets.vi.iter().copied().fold(f64::INFINITY, f64::min);
    let reml = estimator == Tau2Estimator::RestrictedMaximumLikelihood;
    let mut queries = Vec::new();
    for (step, s) in state.iter_mut().enumerate() {
        if let Scoring::Converged(tau2) = *s {
            // A tau² within the scoring's bound of the threshold is left to the refit.
            if (tau2 - SCORING_THRESHOLD).abs() <= 8.0 * SERIES_TOLERANCE * (tau2 + vmin) {
                *s = Scoring::Refit;
            } else if tau2 > SCORING_THRESHOLD {
                queries.push(Query { step, tau2 });
            }
        }
    }
    let sums = series::evaluate(subsets, &queries, Sums::Likelihood, refit_cost);
    for (q, sums) in queries.iter().zip(sums) {
        let summary = &summaries[q.step];
        let decision = sums.and_then(|s| {
            let log_ratio = s.log_ratio?;
            let (_, rss) = s.mean_and_rss();
            // The summary's QE and W: merged sums, a few roundings per study at most.
            let k = summary.k as f64;
            let merged = |x: f64| Bounded::new(x, 4.0 * k * f64::EPSILON * x.abs());
            let mut diff = log_ratio + rss - merged(summary.weighted.m2);
            if reml {
                diff = diff + s.w.ln() - merged(summary.weighted.weight).ln();
            }
            let diff = diff.times(0.5);
            // The refit's own rounding of its two log-likelihoods (sums of k terms).
            let refit_rounding = 4.0 * k * f64::EPSILON * (log_ratio.value + rss.value.abs());
            ((diff.value - R_UNIROOT_TOL).abs() > diff.error + refit_rounding)
                .then_some(diff.value > R_UNIROOT_TOL)
        });
        state[q.step] = match decision {
            Some(true) => Scoring::Converged(0.0),
            Some(false) => Scoring::Converged(q.tau2),
            None => Scoring::Refit,
        };
    }
}

/// The fit of one step (`s.k ≥ 1`) from its subset's [`Summary`], its tau² and the
/// moments of its pooling weights `1/(vi + tau2)`.
fn step_fit(
    s: &Summary,
    tau2: f64,
    pooled_moments: Moments,
    model: Model,
    ci: CiMethod,
    critical: &mut Critical,
) -> StepFit {
    let k = s.k;
    let df = k - 1;
    let dfq = df as f64;
    // metafor: QE <- 0, QEp <- 1 when k = 1; otherwise QE = Σ wi (yi - ȳw)², wi = 1/vi.
    let (q, q_p) = if k == 1 {
        (0.0, 1.0)
    } else {
        let q = s.weighted.m2.max(0.0);
        (q, dist::chi2_sf(q, dfq))
    };
    // metafor switches test="knha" to "z" when k = 1.
    let ci = if k == 1 { CiMethod::Wald } else { ci };
    let estimate = pooled_moments.mean;
    let mut vb = 1.0 / pooled_moments.weight;
    let (crit, t_df) = match ci {
        CiMethod::Wald => (critical.normal, None),
        CiMethod::HartungKnapp => {
            // metafor (test="knha"): s2w <- RSS/(k-p), or 0 when RSS <= .Machine$double.eps.
            let rss = pooled_moments.m2;
            let s2w = if rss <= f64::EPSILON { 0.0 } else { rss / dfq };
            vb *= s2w;
            (critical.t(dfq), Some(dfq))
        }
    };
    let se = vb.sqrt();
    let stat = estimate / se;
    let p = match t_df {
        Some(d) => dist::t_two_sided_p(stat, d),
        None => dist::normal_two_sided_p(stat),
    };
    let pooled = Pooled {
        estimate,
        se,
        ci: Interval {
            lower: estimate - crit * se,
            upper: estimate + crit * se,
        },
        stat,
        p,
        df: t_df,
        k,
    };
    let (i2, h2) = if k == 1 {
        (0.0, 1.0)
    } else {
        match model {
            // I2 <- max(0, 100 * (QE - (k-p)) / QE); H2 <- QE / (k-p)
            Model::Common => {
                let i2 = if q > 0.0 {
                    (100.0 * (1.0 - dfq / q)).max(0.0)
                } else {
                    0.0
                };
                (i2, q / dfq)
            }
            // vt <- (k-p) / trP; I2 <- 100 * tau2 / (vt + tau2); H2 <- tau2 / vt + 1
            Model::Random => {
                let vt = dfq / s.tr_p();
                (100.0 * (1.0 - vt / (vt + tau2)), tau2 / vt + 1.0)
            }
        }
    };
    let heterogeneity = Heterogeneity {
        q,
        df,
        q_p,
        i2,
        h2,
        tau2,
        se_tau2: None,
        tau2_ci: None,
        i2_ci: None,
        h2_ci: None,
    };
    StepFit {
        pooled,
        heterogeneity,
    }
}

// ---------------------------------------------------------------------------------
// Private core: mergeable summaries and the per-step statistics computed from them.
// ---------------------------------------------------------------------------------

/// Weighted count, mean and sum of squared deviations of a set of values, mergeable
/// without cancellation (Chan, Golub & LeVeque 1979; West 1979).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Moments {
    /// Σ w.
    weight: f64,
    /// Σ w·y / Σ w (0 for an empty set).
    mean: f64,
    /// Σ w·(y − mean)².
    m2: f64,
}

impl Moments {
    /// Adds one value `y` with weight `w` (West 1979).
    fn push(&mut self, y: f64, w: f64) {
        let total = self.weight + w;
        let delta = y - self.mean;
        let r = delta * w / total;
        self.mean += r;
        self.m2 += self.weight * delta * r;
        self.weight = total;
    }

    /// The summary of the union of two disjoint sets (Chan, Golub & LeVeque 1979).
    fn merge(self, other: Moments) -> Moments {
        if self.weight == 0.0 {
            return other;
        }
        if other.weight == 0.0 {
            return self;
        }
        let total = self.weight + other.weight;
        let delta = other.mean - self.mean;
        Moments {
            weight: total,
            mean: self.mean + delta * other.weight / total,
            m2: self.m2 + other.m2 + delta * delta * self.weight * other.weight / total,
        }
    }
}

/// What a step needs of its subset, all mergeable: inverse-variance moments (`W`,
/// `ȳw`, `QE`), unweighted moments (`k`, `ȳ`, `SS`), `W2 = Σ wi²` and `V = Σ vi`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Summary {
    k: usize,
    weighted: Moments,
    unweighted: Moments,
    w2: f64,
    v: f64,
}

impl Summary {
    fn push(&mut self, y: f64, v: f64) {
        let w = 1.0 / v;
        self.k += 1;
        self.weighted.push(y, w);
        self.unweighted.push(y, 1.0);
        self.w2 += w * w;
        self.v += v;
    }

    fn merge(self, other: Summary) -> Summary {
        Summary {
            k: self.k + other.k,
            weighted: self.weighted.merge(other.weighted),
            unweighted: self.unweighted.merge(other.unweighted),
            w2: self.w2 + other.w2,
            v: self.v + other.v,
        }
    }

    /// `W − W2/W`, metafor's `trP` for an intercept-only common-effect model.
    fn tr_p(&self) -> f64 {
        self.weighted.weight - self.w2 / self.weighted.weight
    }
}

/// Prefix summaries: `out[j]` summarises studies `0..j` (so `out[0]` is empty).
fn prefix_summaries(yi: &[f64], vi: &[f64]) -> Vec<Summary> {
    let mut out = Vec::with_capacity(yi.len() + 1);
    let mut s = Summary::default();
    out.push(s);
    for (&y, &v) in yi.iter().zip(vi) {
        s.push(y, v);
        out.push(s);
    }
    out
}

/// Suffix summaries: `out[j]` summarises studies `j..k` (so `out[k]` is empty).
fn suffix_summaries(yi: &[f64], vi: &[f64]) -> Vec<Summary> {
    let k = yi.len();
    let mut out = vec![Summary::default(); k + 1];
    let mut s = Summary::default();
    for j in (0..k).rev() {
        s.push(yi[j], vi[j]);
        out[j] = s;
    }
    out
}

/// Leave-one-out summaries: `out[i]` summarises every study but `i` (prefix `i` merged
/// with suffix `i + 1`).
fn leave_one_out_summaries(yi: &[f64], vi: &[f64]) -> Vec<Summary> {
    let prefix = prefix_summaries(yi, vi);
    let suffix = suffix_summaries(yi, vi);
    (0..yi.len())
        .map(|i| prefix[i].merge(suffix[i + 1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rma::fit;

    /// Agreement of the summed/merged computation with a direct refit: rounding only.
    const REFIT_TOLERANCE: f64 = 1e-10;

    /// BCG vaccine trials (log risk ratios; Colditz et al. 1994), and a set with a
    /// dominant precise study, where subtracting it from totals would cancel badly.
    fn datasets() -> Vec<(Vec<f64>, Vec<f64>)> {
        let bcg_y = vec![
            -0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694,
            -1.3713, -0.3394, 0.4459, -0.0173,
        ];
        let bcg_v = vec![
            0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
            0.5325, 0.0714,
        ];
        let dominant_y = vec![0.31, 0.30, 0.52, -0.10, 0.33];
        let dominant_v = vec![1e-7, 0.2, 0.3, 0.25, 0.4];
        let equal_y = vec![0.2; 4];
        let equal_v = vec![0.1; 4];
        vec![(bcg_y, bcg_v), (dominant_y, dominant_v), (equal_y, equal_v)]
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= REFIT_TOLERANCE * a.abs().max(b.abs()).max(1.0)
    }

    /// Compares one step with `rma::fit` on the same subset; returns what disagrees.
    fn compare(
        step: &StepFit,
        ys: &[f64],
        vs: &[f64],
        model: Model,
        est: Tau2Estimator,
        ci: CiMethod,
    ) -> Vec<String> {
        let model = if ys.len() == 1 { Model::Common } else { model };
        let reference = match fit(ys, vs, model, est, ci) {
            Ok(f) => f,
            Err(e) => return vec![format!("refit failed: {e}")],
        };
        let (p, h) = (&step.pooled, &step.heterogeneity);
        let (rp, rh) = (&reference.pooled, &reference.heterogeneity);
        let pairs = [
            ("estimate", p.estimate, rp.estimate),
            ("se", p.se, rp.se),
            ("ci.lower", p.ci.lower, rp.ci.lower),
            ("ci.upper", p.ci.upper, rp.ci.upper),
            ("stat", p.stat, rp.stat),
            ("p", p.p, rp.p),
            ("Q", h.q, rh.q),
            ("Q_p", h.q_p, rh.q_p),
            ("tau2", h.tau2, rh.tau2),
            ("I2", h.i2, rh.i2),
            ("H2", h.h2, rh.h2),
        ];
        let mut out: Vec<String> = pairs
            .iter()
            .filter(|(_, a, b)| !close(*a, *b))
            .map(|(name, a, b)| format!("{name}: {a} vs refit {b}"))
            .collect();
        if (p.k, p.df, h.df) != (rp.k, rp.df, rh.df) {
            out.push(format!(
                "k/df: {:?} vs {:?}",
                (p.k, p.df, h.df),
                (rp.k, rp.df, rh.df)
            ));
        }
        out
    }

    /// Every step of both analyses, for every estimator, model and CI method, equals
    /// `rma::fit` refitted on that step's subset.
    #[test]
    fn steps_equal_refits() {
        let mut failures = Vec::new();
        for (d, (yi, vi)) in datasets().iter().enumerate() {
            let k = yi.len();
            let order: Vec<usize> = (0..k).rev().collect();
            for model in [Model::Common, Model::Random] {
                for est in Tau2Estimator::ALL {
                    for ci in [CiMethod::Wald, CiMethod::HartungKnapp] {
                        let tag = format!("data {d} {model:?} {est:?} {ci:?}");
                        let loo = leave_one_out(yi, vi, model, est, ci).unwrap();
                        for (i, step) in loo.iter().enumerate() {
                            let keep: Vec<usize> = (0..k).filter(|&j| j != i).collect();
                            let ys: Vec<f64> = keep.iter().map(|&j| yi[j]).collect();
                            let vs: Vec<f64> = keep.iter().map(|&j| vi[j]).collect();
                            match &step.fit {
                                Ok(s) => compare(s, &ys, &vs, model, est, ci)
                                    .into_iter()
                                    .for_each(|m| failures.push(format!("{tag} loo {i}: {m}"))),
                                Err(e) => failures.push(format!("{tag} loo {i}: {e}")),
                            }
                        }
                        let cum = cumulative(yi, vi, &order, model, est, ci).unwrap();
                        for (j, step) in cum.iter().enumerate() {
                            let ys: Vec<f64> = order[..=j].iter().map(|&i| yi[i]).collect();
                            let vs: Vec<f64> = order[..=j].iter().map(|&i| vi[i]).collect();
                            assert_eq!(step.study, order[j]);
                            match &step.fit {
                                Ok(s) => compare(s, &ys, &vs, model, est, ci)
                                    .into_iter()
                                    .for_each(|m| failures.push(format!("{tag} cumul {j}: {m}"))),
                                Err(e) => failures.push(format!("{tag} cumul {j}: {e}")),
                            }
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        let dl = Tau2Estimator::DerSimonianLaird;
        let w = CiMethod::Wald;
        assert_eq!(
            leave_one_out(&[0.1], &[0.1, 0.2], Model::Common, dl, w),
            Err(SensitivityError::LengthMismatch { yi: 1, vi: 2 })
        );
        assert_eq!(
            leave_one_out(&[0.1, 0.2], &[0.1, -0.2], Model::Common, dl, w),
            Err(SensitivityError::InvalidStudy { index: 1 })
        );
        for order in [&[0usize, 0][..], &[0, 2], &[1, 0, 1]] {
            assert_eq!(
                cumulative(&[0.1, 0.2], &[0.1, 0.2], order, Model::Common, dl, w),
                Err(SensitivityError::InvalidOrder)
            );
        }
    }

    /// Leaving out the only study leaves nothing to pool; the step says so.
    #[test]
    fn leaving_out_the_only_study_is_undefined() {
        let steps = leave_one_out(
            &[0.4],
            &[0.1],
            Model::Random,
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )
        .unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].fit, Err(Undefined::NoStudies));
    }

    proptest::proptest! {
        /// Random data, any estimator, model and CI method, and a cumulative order that
        /// may leave studies out: every step equals a refit of its subset.
        #[test]
        fn random_steps_equal_refits(
            data in proptest::collection::vec((-3.0f64..3.0, 0.001f64..2.0, proptest::bool::ANY), 1..10),
            estimator in 0usize..8,
            random in proptest::bool::ANY,
            knha in proptest::bool::ANY,
        ) {
            let yi: Vec<f64> = data.iter().map(|d| d.0).collect();
            let vi: Vec<f64> = data.iter().map(|d| d.1).collect();
            let est = Tau2Estimator::ALL[estimator];
            let model = if random { Model::Random } else { Model::Common };
            let ci = if knha { CiMethod::HartungKnapp } else { CiMethod::Wald };
            let mut failures = Vec::new();
            for (i, step) in leave_one_out(&yi, &vi, model, est, ci).unwrap().iter().enumerate() {
                let keep: Vec<usize> = (0..yi.len()).filter(|&j| j != i).collect();
                let ys: Vec<f64> = keep.iter().map(|&j| yi[j]).collect();
                let vs: Vec<f64> = keep.iter().map(|&j| vi[j]).collect();
                match &step.fit {
                    Ok(s) => failures.extend(compare(s, &ys, &vs, model, est, ci)),
                    // A subset the estimator cannot fit (metafor stops too, e.g. REML
                    // not converging) is a step with the same reason.
                    Err(e) => proptest::prop_assert!(
                        ys.is_empty() || crate::rma::fit(&ys, &vs, model, est, ci).as_ref().err() == Some(e),
                        "step {i}: {e}"
                    ),
                }
            }
            // Studies flagged false are left out of the order, the rest taken backwards.
            let order: Vec<usize> = (0..yi.len()).rev().filter(|&i| data[i].2).collect();
            let steps = cumulative(&yi, &vi, &order, model, est, ci).unwrap();
            proptest::prop_assert_eq!(steps.len(), order.len());
            for (j, step) in steps.iter().enumerate() {
                let ys: Vec<f64> = order[..=j].iter().map(|&i| yi[i]).collect();
                let vs: Vec<f64> = order[..=j].iter().map(|&i| vi[i]).collect();
                match &step.fit {
                    Ok(s) => failures.extend(compare(s, &ys, &vs, model, est, ci)),
                    Err(e) if crate::rma::fit(&ys, &vs, model, est, ci).as_ref().err() == Some(e) => {}
                    Err(e) => failures.push(format!("cumul {j}: {e}")),
                }
            }
            proptest::prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    }

    /// The estimators whose random-effects steps use the series.
    const SERIES_ESTIMATORS: [Tau2Estimator; 7] = [
        Tau2Estimator::DerSimonianLaird,
        Tau2Estimator::Hedges,
        Tau2Estimator::HunterSchmidt,
        Tau2Estimator::SidikJonkman,
        Tau2Estimator::RestrictedMaximumLikelihood,
        Tau2Estimator::MaximumLikelihood,
        Tau2Estimator::EmpiricalBayes,
    ];

    /// A step's name, its fit, and its subset's `yi` and `vi`.
    type CheckedStep = (String, Result<StepFit, Undefined>, Vec<f64>, Vec<f64>);

    /// Leave-one-out and cumulative (in `order`) steps by `evaluation`, each paired with
    /// its subset's `(yi, vi)`.
    fn both_analyses(
        yi: &[f64],
        vi: &[f64],
        order: &[usize],
        model: Model,
        est: Tau2Estimator,
        ci: CiMethod,
        evaluation: Evaluation,
    ) -> Vec<CheckedStep> {
        let k = yi.len();
        let loo = analyse(
            Subsets {
                yi,
                vi,
                kind: SubsetKind::AllBut,
            },
            &leave_one_out_summaries(yi, vi),
            model,
            est,
            ci,
            evaluation,
        );
        let oy: Vec<f64> = order.iter().map(|&i| yi[i]).collect();
        let ov: Vec<f64> = order.iter().map(|&i| vi[i]).collect();
        let cum = analyse(
            Subsets {
                yi: &oy,
                vi: &ov,
                kind: SubsetKind::Prefix,
            },
            &prefix_summaries(&oy, &ov)[1..],
            model,
            est,
            ci,
            evaluation,
        );
        let mut out = Vec::new();
        for (i, fit) in loo.into_iter().enumerate() {
            let keep = (0..k).filter(|&j| j != i);
            let ys = keep.clone().map(|j| yi[j]).collect();
            let vs = keep.map(|j| vi[j]).collect();
            out.push((format!("loo {i}"), fit, ys, vs));
        }
        for (j, fit) in cum.into_iter().enumerate() {
            out.push((
                format!("cumul {j}"),
                fit,
                oy[..=j].to_vec(),
                ov[..=j].to_vec(),
            ));
        }
        out
    }

    /// Compares steps with refits of their subsets; a step the refit cannot fit must
    /// carry the refit's reason. Returns what disagrees.
    fn check_steps(
        steps: &[CheckedStep],
        model: Model,
        est: Tau2Estimator,
        ci: CiMethod,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        for (tag, fit, ys, vs) in steps {
            match fit {
                Ok(s) => compare(s, ys, vs, model, est, ci)
                    .into_iter()
                    .for_each(|m| failures.push(format!("{tag}: {m}"))),
                Err(e)
                    if !ys.is_empty()
                        && crate::rma::fit(ys, vs, model, est, ci).err() == Some(e.clone()) => {}
                Err(Undefined::NoStudies) if ys.is_empty() => {}
                Err(e) => failures.push(format!("{tag}: {e}")),
            }
        }
        failures
    }

    /// Data for the series' property test: heterogeneous (a wide spread and outliers,
    /// so that cumulative steps' tau² spread over orders of magnitude) or homogeneous
    /// (estimates within their sampling error, so that some steps have tau² = 0).
    fn series_data(raw: &[(f64, f64, f64)], heterogeneous: bool) -> (Vec<f64>, Vec<f64>) {
        let vi: Vec<f64> = raw.iter().map(|r| 10f64.powf(r.1)).collect();
        let yi = raw
            .iter()
            .zip(&vi)
            .map(|(r, v)| {
                if heterogeneous {
                    // An outlier now and then.
                    if r.2 > 0.8 { 8.0 * r.0 } else { r.0 }
                } else {
                    0.3 + 0.5 * r.0 / 3.0 * v.sqrt()
                }
            })
            .collect();
        (yi, vi)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(160))]
        /// The series path, forced wherever it converges (small inputs would otherwise
        /// take the direct passes), equals refits of every step's subset to 1e-10: every
        /// estimator that uses it, Wald and Hartung-Knapp, leave-one-out and cumulative
        /// in input, increasing-estimate (tau² growing over orders of magnitude) and
        /// reversed order.
        #[test]
        fn series_steps_equal_refits(
            raw in proptest::collection::vec((-3.0f64..3.0, -3.0f64..0.5, 0.0f64..1.0), 2..40),
            heterogeneous in proptest::bool::ANY,
            estimator in 0usize..7,
            knha in proptest::bool::ANY,
            ordering in 0usize..3,
        ) {
            let (yi, vi) = series_data(&raw, heterogeneous);
            let est = SERIES_ESTIMATORS[estimator];
            let ci = if knha { CiMethod::HartungKnapp } else { CiMethod::Wald };
            let mut order: Vec<usize> = (0..yi.len()).collect();
            match ordering {
                1 => order.sort_by(|&a, &b| yi[a].total_cmp(&yi[b])),
                2 => order.reverse(),
                _ => {}
            }
            let steps = both_analyses(&yi, &vi, &order, Model::Random, est, ci, Evaluation::SeriesEverywhere);
            let failures = check_steps(&steps, Model::Random, est, ci);
            proptest::prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    }

    /// Deterministic studies like the benchmarks' (log risk ratios around −0.3, tau² =
    /// 0.09, variances 0.005–0.5).
    fn generated(k: usize) -> (Vec<f64>, Vec<f64>) {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let mut normal = move || {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let mut yi = Vec::with_capacity(k);
        let mut vi = Vec::with_capacity(k);
        for _ in 0..k {
            let v = 0.005 * 100f64.powf(0.5 * (normal().tanh() + 1.0));
            yi.push(-0.3 + 0.3 * normal() + v.sqrt() * normal());
            vi.push(v);
        }
        (yi, vi)
    }

    /// k = 10,000: the plan leaves at most 2k studies' worth of DL steps to direct
    /// passes, and sampled steps of every series estimator (the first, the last, every 997th and
    /// those with the extreme tau²) equal refits to 1e-10, Wald and Hartung-Knapp,
    /// leave-one-out and cumulative.
    #[test]
    fn ten_thousand_studies_equal_refits() {
        let k = 10_000;
        let (yi, vi) = generated(k);
        let order: Vec<usize> = (0..k).collect();
        let estimators = [
            Tau2Estimator::DerSimonianLaird,
            Tau2Estimator::Hedges,
            Tau2Estimator::HunterSchmidt,
            Tau2Estimator::SidikJonkman,
            Tau2Estimator::RestrictedMaximumLikelihood,
        ];
        let mut failures = Vec::new();
        for est in estimators {
            for ci in [CiMethod::Wald, CiMethod::HartungKnapp] {
                let steps =
                    both_analyses(&yi, &vi, &order, Model::Random, est, ci, Evaluation::Series);
                let tau2 = |i: usize| match &steps[i].1 {
                    Ok(s) => s.heterogeneity.tau2,
                    Err(_) => f64::NAN,
                };
                let mut sample: Vec<usize> = (0..steps.len()).step_by(997).collect();
                for range in [0..k, k..2 * k] {
                    sample.extend([range.start, range.end - 1]);
                    sample.extend(range.clone().min_by(|&a, &b| tau2(a).total_cmp(&tau2(b))));
                    sample.extend(range.max_by(|&a, &b| tau2(a).total_cmp(&tau2(b))));
                }
                let sampled: Vec<_> = sample.iter().map(|&i| steps[i].clone()).collect();
                failures.extend(
                    check_steps(&sampled, Model::Random, est, ci)
                        .into_iter()
                        .map(|m| format!("{est:?} {ci:?} {m}")),
                );
                if est == Tau2Estimator::DerSimonianLaird && ci == CiMethod::Wald {
                    for (kind, range) in
                        [(SubsetKind::AllBut, 0..k), (SubsetKind::Prefix, k..2 * k)]
                    {
                        let subsets = Subsets {
                            yi: &yi,
                            vi: &vi,
                            kind,
                        };
                        let queries: Vec<Query> = range
                            .clone()
                            .map(|i| Query {
                                step: i - range.start,
                                tau2: tau2(i),
                            })
                            .filter(|q| q.tau2 > 0.0)
                            .collect();
                        // Direct passes left (early cumulative steps are cheaper so):
                        // at most about 2k studies in all.
                        let served = series::served_by_series(subsets, &queries);
                        let direct: usize = queries
                            .iter()
                            .zip(&served)
                            .filter(|(_, s)| !**s)
                            .map(|(q, _)| subsets.size(q.step))
                            .sum();
                        assert!(
                            direct <= 2 * k,
                            "{kind:?}: {direct} studies in direct passes"
                        );
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The series and the direct path (the reference kept for these tests) agree on
    /// every step at k = 1,000, for every series estimator and both CI methods.
    #[test]
    fn series_equals_direct_path() {
        let (yi, vi) = generated(1_000);
        let mut order: Vec<usize> = (0..yi.len()).collect();
        order.sort_by(|&a, &b| yi[a].total_cmp(&yi[b]));
        let mut failures = Vec::new();
        for est in SERIES_ESTIMATORS {
            for ci in [CiMethod::Wald, CiMethod::HartungKnapp] {
                let run = |e| both_analyses(&yi, &vi, &order, Model::Random, est, ci, e);
                let (fast, direct) = (run(Evaluation::Series), run(Evaluation::Direct));
                for ((tag, a, ..), (_, b, ..)) in fast.iter().zip(&direct) {
                    let (Ok(a), Ok(b)) = (a, b) else {
                        if a != b {
                            failures.push(format!("{est:?} {ci:?} {tag}: {a:?} vs {b:?}"));
                        }
                        continue;
                    };
                    let pairs = [
                        ("estimate", a.pooled.estimate, b.pooled.estimate),
                        ("se", a.pooled.se, b.pooled.se),
                        ("ci.lower", a.pooled.ci.lower, b.pooled.ci.lower),
                        ("ci.upper", a.pooled.ci.upper, b.pooled.ci.upper),
                        ("tau2", a.heterogeneity.tau2, b.heterogeneity.tau2),
                    ];
                    for (name, x, y) in pairs {
                        if !close(x, y) {
                            failures.push(format!("{est:?} {ci:?} {tag} {name}: {x} vs {y}"));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The merge of two summaries equals the summary built in one pass.
    #[test]
    fn merging_equals_pushing() {
        let (yi, vi) = (&datasets()[0].0, &datasets()[0].1);
        let mut all = Summary::default();
        let (mut a, mut b) = (Summary::default(), Summary::default());
        for (j, (&y, &v)) in yi.iter().zip(vi).enumerate() {
            all.push(y, v);
            if j < 5 { a.push(y, v) } else { b.push(y, v) }
        }
        let m = a.merge(b);
        assert_eq!(m.k, all.k);
        for (x, y) in [
            (m.weighted.mean, all.weighted.mean),
            (m.weighted.m2, all.weighted.m2),
            (m.unweighted.m2, all.unweighted.m2),
            (m.w2, all.w2),
            (m.v, all.v),
        ] {
            assert!(close(x, y), "{x} vs {y}");
        }
    }
}
