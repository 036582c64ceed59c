//! Diagnostic analyses of an inverse-variance meta-analysis, as metafor computes them:
//! influence and leave-one-out ([`influence()`], metafor `influence()` and `leave1out()`),
//! the Baujat and radial (Galbraith) plots ([`baujat()`], [`radial()`]), the regression
//! tests for funnel-plot asymmetry ([`regtest()`], metafor `regtest()`), GOSH plots
//! ([`gosh()`], metafor `gosh()`), L'Abbé plots ([`labbe()`], metafor `labbe()`) and
//! cumulative meta-analysis by year ([`cumulative_by_year`], metafor `cumul()`).
//!
//! Every analysis takes the per-study log effects `yi` and sampling variances `vi` of the
//! included studies (after the zero-cell correction, [`crate::effect`]) and a
//! [`BaseFit`]: the common-effect model (metafor `method = "EE"`) or random effects with
//! DerSimonian–Laird τ² (`method = "DL"`), both with Wald (z) inference. The fits are
//! [`crate::rma`]'s, the leave-one-out and cumulative fits [`crate::sensitivity`]'s, the
//! regression line [`crate::bias::regression`]'s; absolute effects are
//! [`crate::absolute`]'s.
//!
//! Notation (metafor's): `wᵢ = 1/(vᵢ + τ²)` (τ² = 0 for EE), `μ = Σwy/Σw`, `V = 1/Σw`;
//! `(−i)` marks the same model refitted without study `i` (DL: τ² re-estimated);
//! `Q = Σ(1/vᵢ)(yᵢ − μ_EE)²` is the common-effect Q in both fits.
//!
//! Nothing here panics: malformed input and the cases metafor refuses are
//! [`DiagnosticsError`] values.
//!
//! References: Viechtbauer W (2010), Conducting meta-analyses in R with the metafor
//! package, J Stat Softw 36(3); Viechtbauer W, Cheung MW-L (2010), Outlier and influence
//! diagnostics for meta-analysis, Res Synth Methods 1:112–125.

use std::fmt;

use serde::Serialize;

use crate::rma::{self, Fit, Model, Undefined};
use crate::sensitivity::{self, SensitivityError, Step};
use crate::settings::{CiMethod, Tau2Estimator};

pub mod gosh;
mod influence;
mod labbe;
mod plots;
mod regtest;

pub use gosh::{
    GOSH_HEATMAP_MAX_EXACT_K, GOSH_HEATMAP_MAX_K, GOSH_HEATMAP_PROGRESS_INTERVAL,
    GOSH_HEATMAP_SAMPLE_SIZE, GOSH_MAX_K, GOSH_MAX_STORED_K, Gosh, GoshAccumulator, GoshCoverage,
    GoshHeatmap, GoshHeatmapSettings, GoshPoint, GoshProgress, GoshRange, GoshStatistic,
    GoshSubset, GoshSummary, HEATMAP_MAX_BINS, HISTOGRAM_BINS, HeatmapGrid, HighlightedSubsets,
    Histogram, PERCENTILE_PROBABILITIES, gosh, gosh_heatmap, gosh_summary, gosh_visit,
};
pub use influence::{Influence, influence, influence_of};
pub use labbe::{LabbePoint, LabbeScale, labbe, labbe_point};
pub(crate) use plots::baujat_from;
pub use plots::{Baujat, Radial, baujat, baujat_of, radial, radial_of};
pub use regtest::{Predictor, Regtest, RegtestModel, RegtestTest, regtest, regtest_all};

/// The fit a diagnostic analysis is about: metafor `rma(yi, vi, method = "EE" | "DL",
/// test = "z")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BaseFit {
    /// Common effect, inverse variance (metafor `"EE"`, τ² = 0).
    Common,
    /// Random effects with DerSimonian & Laird's (1986) τ² (metafor `"DL"`).
    DerSimonianLaird,
}

impl BaseFit {
    /// Both fits, common effect first.
    pub const ALL: [BaseFit; 2] = [BaseFit::Common, BaseFit::DerSimonianLaird];

    /// metafor's code: `"EE"` or `"DL"`.
    pub fn code(self) -> &'static str {
        match self {
            BaseFit::Common => "EE",
            BaseFit::DerSimonianLaird => "DL",
        }
    }

    /// The model of [`crate::rma`].
    pub fn model(self) -> Model {
        match self {
            BaseFit::Common => Model::Common,
            BaseFit::DerSimonianLaird => Model::Random,
        }
    }

    /// The full fit of `yi`, `vi` (metafor `rma(yi, vi, method = code, test = "z")`).
    ///
    /// # Errors
    /// [`DiagnosticsError`] for malformed input or no study.
    pub fn fit(self, yi: &[f64], vi: &[f64]) -> Result<Fit, DiagnosticsError> {
        check_input(yi, vi)?;
        Ok(rma::fit(
            yi,
            vi,
            self.model(),
            Tau2Estimator::DerSimonianLaird,
            CiMethod::Wald,
        )?)
    }
}

/// Cumulative meta-analysis by year (metafor `cumul(fit, order = year)`): the studies
/// with a year sorted by year, ties kept in input order (a stable sort, as R's
/// `order()`), step `j` the fit `base` of the first `j` (DL: τ² re-estimated at each
/// step). Studies without a year take no part, as metafor drops them. Each [`Step`]
/// names its study (index into the input). Computed by
/// [`sensitivity::cumulative`] in the order of [`sensitivity::year_order`].
///
/// # Errors
/// [`DiagnosticsError::NoYears`] when no study has a year, and malformed input.
///
/// ```
/// use grove_core::diagnostics::{cumulative_by_year, BaseFit};
/// let steps = cumulative_by_year(&[0.1, 0.5, -0.2], &[0.04, 0.04, 0.08],
///     &[Some(2001), Some(1999), Some(2001)], BaseFit::Common).unwrap();
/// assert_eq!(steps.iter().map(|s| s.study).collect::<Vec<_>>(), [1, 0, 2]);
/// ```
pub fn cumulative_by_year(
    yi: &[f64],
    vi: &[f64],
    years: &[Option<i32>],
    base: BaseFit,
) -> Result<Vec<Step>, DiagnosticsError> {
    check_input(yi, vi)?;
    if years.len() != yi.len() {
        return Err(DiagnosticsError::LengthMismatch {
            yi: yi.len(),
            other: years.len(),
        });
    }
    let order = sensitivity::year_order(years);
    if order.is_empty() {
        return Err(DiagnosticsError::NoYears);
    }
    sensitivity::cumulative(
        yi,
        vi,
        &order,
        base.model(),
        Tau2Estimator::DerSimonianLaird,
        CiMethod::Wald,
    )
    .map_err(|e| e.into())
}

/// Why a diagnostic analysis has no result. Where metafor refuses the same case, the
/// variant names metafor's message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DiagnosticsError {
    /// `yi` and the variances (or sample sizes) differ in number.
    LengthMismatch {
        /// Number of estimates.
        yi: usize,
        /// Number of variances (or sample sizes).
        other: usize,
    },
    /// A study's estimate is not finite or its variance not positive and finite (or its
    /// sample size not positive).
    InvalidStudy {
        /// Position of the study in the input.
        index: usize,
    },
    /// No study.
    NoStudies,
    /// The analysis needs at least two studies (metafor: "Stopped because k = 1.").
    OneStudy,
    /// The regression predictor is collinear with the intercept (constant, or a single
    /// study): metafor "Model matrix no longer of full rank after addition of predictor.
    /// Cannot fit model."
    RankDeficient,
    /// A random-effects meta-regression with as many coefficients as studies: metafor
    /// "Number of parameters to be estimated is larger than the number of observations."
    TooFewStudiesForTau2 {
        /// Number of studies.
        k: usize,
        /// Number of coefficients.
        p: usize,
    },
    /// GOSH with per-subset values stored is limited to this many studies (2^k values).
    TooManyStudies {
        /// Number of studies.
        k: usize,
        /// The largest number allowed.
        max: usize,
    },
    /// A cumulative analysis by year with no study year.
    NoYears,
    /// The underlying fit is undefined.
    Fit(Undefined),
}

impl DiagnosticsError {
    /// metafor 3.8-1's error message for the same case, where metafor refuses it.
    pub fn metafor_message(&self) -> Option<&'static str> {
        match self {
            DiagnosticsError::OneStudy => Some("Stopped because k = 1."),
            DiagnosticsError::RankDeficient => Some(
                "Model matrix no longer of full rank after addition of predictor. Cannot fit model.",
            ),
            DiagnosticsError::TooFewStudiesForTau2 { .. } => Some(
                "Number of parameters to be estimated is larger than the number of observations.",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for DiagnosticsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiagnosticsError::LengthMismatch { yi, other } => {
                write!(f, "{yi} estimates but {other} variances or sample sizes")
            }
            DiagnosticsError::InvalidStudy { index } => write!(
                f,
                "study {} has a non-finite estimate or a non-positive variance",
                index + 1
            ),
            DiagnosticsError::NoStudies => f.write_str("no study has an estimable effect"),
            DiagnosticsError::OneStudy => f.write_str("needs at least two studies"),
            DiagnosticsError::RankDeficient => {
                f.write_str("the predictor takes one value only, so its slope cannot be estimated")
            }
            DiagnosticsError::TooFewStudiesForTau2 { k, p } => write!(
                f,
                "{k} studies cannot estimate {p} coefficients and a heterogeneity variance"
            ),
            DiagnosticsError::TooManyStudies { k, max } => write!(
                f,
                "{k} studies give 2^{k} - 1 subsets; at most {max} studies can be enumerated here"
            ),
            DiagnosticsError::NoYears => f.write_str("no study has a year"),
            DiagnosticsError::Fit(why) => write!(f, "the meta-analysis is undefined: {why}"),
        }
    }
}

impl std::error::Error for DiagnosticsError {}

impl From<SensitivityError> for DiagnosticsError {
    fn from(e: SensitivityError) -> Self {
        match e {
            SensitivityError::LengthMismatch { yi, vi } => {
                DiagnosticsError::LengthMismatch { yi, other: vi }
            }
            SensitivityError::InvalidStudy { index } => DiagnosticsError::InvalidStudy { index },
            // Orders built here name each study once.
            SensitivityError::InvalidOrder => DiagnosticsError::NoYears,
        }
    }
}

impl From<Undefined> for DiagnosticsError {
    fn from(why: Undefined) -> Self {
        DiagnosticsError::Fit(why)
    }
}

/// [`rma::check_input`] (same length, at least one study, finite `yi`, positive finite
/// `vi`), and a `vi` whose inverse is finite (not subnormal).
pub(crate) fn check_input(yi: &[f64], vi: &[f64]) -> Result<(), DiagnosticsError> {
    rma::check_input(yi, vi).map_err(|e| match e {
        Undefined::LengthMismatch { yi, vi } => DiagnosticsError::LengthMismatch { yi, other: vi },
        Undefined::InvalidStudy { index } => DiagnosticsError::InvalidStudy { index },
        Undefined::NoStudies => DiagnosticsError::NoStudies,
        other => DiagnosticsError::Fit(other),
    })?;
    match vi.iter().position(|v| !(1.0 / v).is_finite()) {
        Some(index) => Err(DiagnosticsError::InvalidStudy { index }),
        None => Ok(()),
    }
}
