//! Small-study effects ("publication bias"): regression tests (Egger, Peters, Harbord),
//! Begg & Mazumdar's rank correlation test, and Duval & Tweedie's trim-and-fill.
//!
//! Every function takes the per-study effects `yi` and sampling variances `vi` of the
//! analysis (log scale for ratio measures, after the zero-cell correction), or the raw
//! 2×2 tables where the test is defined on counts (Peters, Harbord). None of them panics;
//! a test that cannot be computed returns a [`BiasError`] saying why.
//!
//! The Cochrane Handbook (Page, Higgins & Sterne 2022, §13.3.5.4) advises against these
//! tests with fewer than 10 studies; the functions still compute them from 3 (2 for the
//! rank test) and leave that caution to the presentation.

use std::fmt;

use serde::Serialize;

pub mod ranktest;
pub mod regression;
pub mod trimfill;

pub use ranktest::{KENDALL_EXACT_MAX_K, RankTest, begg};
pub use regression::{
    RANK_TOLERANCE, RegressionTest, RegressionTestKind, egger, harbord, peters,
    score_and_information,
};
pub use trimfill::{
    Side, SideChoice, TRIM_FILL_MAX_ITERATIONS, TrimFill, metafor_side, trim_and_fill,
    trim_and_fill_with,
};

use crate::report::Report;
use crate::rma::Undefined;
use crate::settings::Measure;

/// Every small-study-effects result for one outcome, as the funnel plot's view shows
/// them: each test, or why it has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmallStudyEffects {
    /// Trials with an estimate (those the tests use).
    pub k: usize,
    /// Egger's regression test ([`egger`]).
    pub egger: Result<RegressionTest, String>,
    /// Begg & Mazumdar's rank correlation ([`begg`]).
    pub begg: Result<RankTest, String>,
    /// Peters' test ([`peters`]; ratio measures).
    pub peters: Result<RegressionTest, String>,
    /// Harbord's test ([`harbord`]; the odds ratio).
    pub harbord: Result<RegressionTest, String>,
    /// Trim-and-fill with the headline model ([`crate::plot::funnel::trim_fill_of`]).
    pub trim_fill: Result<TrimFill, String>,
}

/// The fewest trials for which the Cochrane Handbook (§13.3.5.4) advises tests for
/// funnel-plot asymmetry.
pub const ADVISED_MIN_TRIALS: usize = 10;

impl SmallStudyEffects {
    /// The tests of a report's trials with an estimate (their `yi`, `vi` and tables).
    pub fn new(report: &Report) -> SmallStudyEffects {
        let e = report.analysis.estimable();
        let tables: Vec<crate::table::Table> =
            e.index.iter().map(|&s| report.studies[s].table).collect();
        let (yi, vi) = (e.yi, e.vi);
        let text = |e: BiasError| e.to_string();
        let measure = report.options.settings.measure;
        SmallStudyEffects {
            k: yi.len(),
            egger: egger(&yi, &vi).map_err(text),
            begg: begg(&yi, &vi).map_err(text),
            peters: match measure {
                Measure::RiskDifference => Err("defined for ratio measures".to_owned()),
                _ => peters(&tables, &yi).map_err(text),
            },
            harbord: match measure {
                Measure::OddsRatio => harbord(&tables).map_err(text),
                _ => Err("defined for the odds ratio".to_owned()),
            },
            trim_fill: crate::plot::funnel::trim_fill_of(report, &yi, &vi).map_err(text),
        }
    }

    /// Whether there are fewer trials than the Handbook advises for these tests.
    pub fn too_few(&self) -> bool {
        self.k < ADVISED_MIN_TRIALS
    }
}

/// Why a small-study-effects test or trim-and-fill has no result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BiasError {
    /// The effects and the variances (or tables) differ in number.
    LengthMismatch {
        /// Number of effects `yi`.
        effects: usize,
        /// Number of variances `vi` (or of tables).
        variances: usize,
    },
    /// A study's `yi` is not finite or its `vi` is not positive and finite.
    InvalidEffect {
        /// Position of the study in the input.
        index: usize,
    },
    /// Too few (informative) studies for the method.
    TooFewStudies {
        /// The least number of studies the method needs.
        needed: usize,
        /// The number available.
        found: usize,
    },
    /// The regression predictor takes (numerically) one value only, so the slope is not
    /// identifiable (all studies equally precise).
    NoSpreadInPredictor,
    /// The points lie exactly on the regression line: the residual variance is zero
    /// and the t statistic is undefined.
    PerfectFit,
    /// All standardised effects, or all variances, are equal: Kendall's tau is 0/0
    /// (R's `cor.test` returns `NA`).
    NoVariation,
    /// Trim-and-fill's estimate of the number of missing studies did not settle
    /// within the iteration limit (metafor: "Trim and fill algorithm did not converge").
    NotConverged {
        /// Iterations made.
        iterations: usize,
    },
    /// A meta-analytic fit the method needs is undefined.
    Fit(Undefined),
}

impl fmt::Display for BiasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BiasError::LengthMismatch { effects, variances } => write!(
                f,
                "{effects} effect sizes but {variances} variances: the inputs must pair up"
            ),
            BiasError::InvalidEffect { index } => write!(
                f,
                "study {} has an effect that is not finite or a variance that is not positive",
                index + 1
            ),
            BiasError::TooFewStudies { needed, found } => write!(
                f,
                "needs at least {needed} studies with an estimable effect, {found} available"
            ),
            BiasError::NoSpreadInPredictor => f.write_str(
                "all studies are equally precise, so no trend with precision can be estimated",
            ),
            BiasError::PerfectFit => f.write_str(
                "the studies lie exactly on the regression line, so its slope has no standard error",
            ),
            BiasError::NoVariation => f.write_str(
                "the standardised effects or the variances are all equal, so no rank correlation exists",
            ),
            BiasError::NotConverged { iterations } => write!(
                f,
                "the number of missing studies did not settle after {iterations} iterations"
            ),
            BiasError::Fit(why) => write!(f, "the meta-analysis is undefined: {why}"),
        }
    }
}

impl std::error::Error for BiasError {}

impl From<Undefined> for BiasError {
    fn from(why: Undefined) -> Self {
        BiasError::Fit(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rma::Model;
    use crate::settings::{CiMethod, Tau2Estimator};

    proptest::proptest! {
        /// Any finite effects and positive variances, however extreme: no panic, and
        /// every result that exists is a proper test (p in [0, 1], |tau| ≤ 1,
        /// k0 < k, a finite refit).
        #[test]
        fn results_are_proper_or_explained(
            data in proptest::collection::vec((-20.0f64..20.0, 1e-6f64..1e3), 0..15),
            estimator in 0usize..8,
        ) {
            let yi: Vec<f64> = data.iter().map(|d| d.0).collect();
            let vi: Vec<f64> = data.iter().map(|d| d.1).collect();
            if let Ok(r) = egger(&yi, &vi) {
                proptest::prop_assert!((0.0..=1.0).contains(&r.p), "{r:?}");
            }
            if let Ok(r) = begg(&yi, &vi) {
                proptest::prop_assert!((0.0..=1.0).contains(&r.p) && r.tau.abs() <= 1.0, "{r:?}");
            }
            for model in [Model::Common, Model::Random] {
                let est = Tau2Estimator::ALL[estimator];
                if let Ok(t) = trim_and_fill(&yi, &vi, model, est, CiMethod::Wald) {
                    proptest::prop_assert!(t.k0 < yi.len(), "{t:?}");
                    proptest::prop_assert_eq!(t.fit.pooled.k, yi.len() + t.k0);
                    proptest::prop_assert!(t.fit.pooled.estimate.is_finite());
                }
            }
        }
    }
}
