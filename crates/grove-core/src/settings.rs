//! Analysis settings: which effect measure, pooling method, between-study variance
//! estimator, confidence-interval method and zero-cell handling to use.
//!
//! Every choice is an enum; [`Settings::default`] is metafor's default for binary data
//! (risk ratio, inverse variance, REML, Wald CI, 0.5 added to studies with a zero cell).

use serde::{Deserialize, Serialize};

/// The effect measure. Ratios are analysed on the natural-log scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Measure {
    /// Risk ratio (metafor `measure="RR"`), analysed as log RR.
    #[default]
    RiskRatio,
    /// Odds ratio (metafor `measure="OR"`), analysed as log OR.
    OddsRatio,
    /// Risk difference (metafor `measure="RD"`).
    RiskDifference,
}

impl Measure {
    /// Whether the measure is a ratio (RR, OR), analysed on the natural-log scale.
    pub fn is_ratio(self) -> bool {
        matches!(self, Measure::RiskRatio | Measure::OddsRatio)
    }

    /// Converts a value from the analysis scale to the natural scale: `exp(x)` for the
    /// ratios, `x` itself for the risk difference.
    pub fn to_natural(self, x: f64) -> f64 {
        if self.is_ratio() { x.exp() } else { x }
    }

    /// metafor's code for the measure (`"RR"`, `"OR"`, `"RD"`).
    pub fn code(self) -> &'static str {
        match self {
            Measure::RiskRatio => "RR",
            Measure::OddsRatio => "OR",
            Measure::RiskDifference => "RD",
        }
    }

    /// The measure with metafor's code, if any.
    pub fn from_code(code: &str) -> Option<Measure> {
        [
            Measure::RiskRatio,
            Measure::OddsRatio,
            Measure::RiskDifference,
        ]
        .into_iter()
        .find(|m| m.code().eq_ignore_ascii_case(code))
    }
}

/// How studies are weighted and combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Method {
    /// Inverse-variance weighting of `yi` (metafor `rma.uni`).
    #[default]
    InverseVariance,
    /// Mantel-Haenszel (metafor `rma.mh`).
    MantelHaenszel,
    /// Peto's one-step odds ratio (metafor `rma.peto`); odds ratio only.
    Peto,
}

/// Estimator of the between-study variance tau² (metafor `rma(method=...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Tau2Estimator {
    /// DerSimonian & Laird (1986), method of moments: `"DL"`.
    DerSimonianLaird,
    /// Restricted maximum likelihood: `"REML"`.
    #[default]
    RestrictedMaximumLikelihood,
    /// Paule & Mandel (1982): `"PM"`.
    PauleMandel,
    /// Maximum likelihood: `"ML"`.
    MaximumLikelihood,
    /// Hunter & Schmidt (2004): `"HS"`.
    HunterSchmidt,
    /// Sidik & Jonkman (2005): `"SJ"`.
    SidikJonkman,
    /// Hedges (1983), unweighted method of moments: `"HE"`.
    Hedges,
    /// Empirical Bayes, Morris (1983): `"EB"`.
    EmpiricalBayes,
}

impl Tau2Estimator {
    /// All estimators, in the order they are offered.
    pub const ALL: [Tau2Estimator; 8] = [
        Tau2Estimator::DerSimonianLaird,
        Tau2Estimator::RestrictedMaximumLikelihood,
        Tau2Estimator::PauleMandel,
        Tau2Estimator::MaximumLikelihood,
        Tau2Estimator::HunterSchmidt,
        Tau2Estimator::SidikJonkman,
        Tau2Estimator::Hedges,
        Tau2Estimator::EmpiricalBayes,
    ];

    /// metafor's code for the estimator (`"DL"`, `"REML"`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Tau2Estimator::DerSimonianLaird => "DL",
            Tau2Estimator::RestrictedMaximumLikelihood => "REML",
            Tau2Estimator::PauleMandel => "PM",
            Tau2Estimator::MaximumLikelihood => "ML",
            Tau2Estimator::HunterSchmidt => "HS",
            Tau2Estimator::SidikJonkman => "SJ",
            Tau2Estimator::Hedges => "HE",
            Tau2Estimator::EmpiricalBayes => "EB",
        }
    }

    /// The estimator with metafor's code, if any.
    pub fn from_code(code: &str) -> Option<Tau2Estimator> {
        Tau2Estimator::ALL
            .into_iter()
            .find(|e| e.code().eq_ignore_ascii_case(code))
    }
}

/// How the confidence interval of a pooled effect is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum CiMethod {
    /// Wald interval with the normal quantile (metafor `test="z"`).
    #[default]
    Wald,
    /// Hartung-Knapp-Sidik-Jonkman: t quantile with k-1 df and the Knapp-Hartung
    /// scaled variance (metafor `test="knha"`).
    HartungKnapp,
}

/// Which studies receive the zero-cell correction (metafor's `to` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum CorrectionScope {
    /// Only studies with a zero cell (metafor `to="only0"`).
    #[default]
    StudiesWithZero,
    /// Every study, whether or not it has a zero cell (metafor `to="all"`).
    AllStudies,
    /// No study (metafor `to="none"`): studies whose estimate is then undefined are
    /// reported as not estimable.
    None,
    /// Every study, but only when at least one study of the analysis has a zero cell
    /// (metafor `to="if0all"`).
    IfAnyStudyHasZero,
}

/// The continuity correction for zero cells (metafor's `add` and `to`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZeroCellCorrection {
    /// The value added to each of the four cells (metafor `add`, default 0.5).
    pub increment: f64,
    /// Which studies it is added to.
    pub scope: CorrectionScope,
}

impl Default for ZeroCellCorrection {
    fn default() -> Self {
        ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::StudiesWithZero,
        }
    }
}

/// Whether Mantel-Haenszel pooling uses the raw counts or the corrected ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum MhCorrection {
    /// Pool the raw counts (metafor's default, `rma.mh(correct=...)` does not apply).
    #[default]
    RawCounts,
    /// Add the zero-cell correction inside the MH sums and compute Q around the MH
    /// estimate, as RevMan 5 does.
    RevMan5,
}

/// Everything that defines an analysis besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Effect measure.
    pub measure: Measure,
    /// Pooling method for the common-effect model.
    pub method: Method,
    /// Between-study variance estimator for the random-effects model.
    pub tau2: Tau2Estimator,
    /// Confidence-interval method for pooled effects.
    pub ci: CiMethod,
    /// Zero-cell continuity correction.
    pub correction: ZeroCellCorrection,
    /// Mantel-Haenszel on raw or corrected counts.
    pub mh: MhCorrection,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            measure: Measure::RiskRatio,
            method: Method::InverseVariance,
            tau2: Tau2Estimator::RestrictedMaximumLikelihood,
            ci: CiMethod::Wald,
            correction: ZeroCellCorrection::default(),
            mh: MhCorrection::RawCounts,
        }
    }
}
