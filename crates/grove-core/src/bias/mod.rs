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

use crate::rma::Undefined;

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
