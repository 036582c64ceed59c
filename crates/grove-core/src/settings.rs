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

impl Method {
    /// Every method, in the order offered.
    pub const ALL: [Method; 3] = [
        Method::InverseVariance,
        Method::MantelHaenszel,
        Method::Peto,
    ];

    /// Short stable code, as RevMan names the methods (`"IV"`, `"MH"`, `"Peto"`).
    pub fn code(self) -> &'static str {
        match self {
            Method::InverseVariance => "IV",
            Method::MantelHaenszel => "MH",
            Method::Peto => "Peto",
        }
    }

    /// The method with this code, if any.
    pub fn from_code(code: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(code))
    }
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

impl CiMethod {
    /// Every method, in the order offered.
    pub const ALL: [CiMethod; 2] = [CiMethod::Wald, CiMethod::HartungKnapp];

    /// Short stable code, after metafor's `test` argument (`"z"`, `"HK"`).
    pub fn code(self) -> &'static str {
        match self {
            CiMethod::Wald => "z",
            CiMethod::HartungKnapp => "HK",
        }
    }

    /// The method with this code, if any (metafor's `"knha"` too).
    pub fn from_code(code: &str) -> Option<CiMethod> {
        if code.eq_ignore_ascii_case("knha") {
            return Some(CiMethod::HartungKnapp);
        }
        CiMethod::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(code))
    }
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

impl CorrectionScope {
    /// Every scope, in the order offered.
    pub const ALL: [CorrectionScope; 4] = [
        CorrectionScope::StudiesWithZero,
        CorrectionScope::AllStudies,
        CorrectionScope::None,
        CorrectionScope::IfAnyStudyHasZero,
    ];

    /// metafor's value of `to` (`"only0"`, `"all"`, `"none"`, `"if0all"`).
    pub fn code(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => "only0",
            CorrectionScope::AllStudies => "all",
            CorrectionScope::None => "none",
            CorrectionScope::IfAnyStudyHasZero => "if0all",
        }
    }

    /// The scope with metafor's code, if any.
    pub fn from_code(code: &str) -> Option<CorrectionScope> {
        CorrectionScope::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// The continuity correction for zero cells (metafor's `add` and `to`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZeroCellCorrection {
    /// The value added to each of the four cells (metafor `add`, default 0.5).
    pub increment: f64,
    /// Which studies it is added to.
    pub scope: CorrectionScope,
}

/// Why a setting cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsError {
    /// The zero-cell increment is not a number in
    /// [`ZeroCellCorrection::INCREMENT_RANGE`].
    Increment(f64),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::Increment(x) => {
                let (lo, hi) = ZeroCellCorrection::INCREMENT_RANGE;
                write!(
                    f,
                    "the zero-cell increment must be a number from {lo} to {hi} (0.5 by convention), not {x}"
                )
            }
        }
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Checks every setting that can hold a value outside its domain (read from a file,
    /// or typed).
    ///
    /// # Errors
    /// The first [`SettingsError`] found.
    pub fn check(&self) -> Result<(), SettingsError> {
        self.correction.check()
    }
}

impl ZeroCellCorrection {
    /// The increments accepted, inclusive. metafor accepts any `add >= 0`, but an
    /// increment near 0 makes the variances of corrected studies overflow (1/add), and
    /// one above 1 outweighs the counts; "no correction" is a scope, not an increment.
    pub const INCREMENT_RANGE: (f64, f64) = (0.001, 1.0);

    /// The correction with `increment`.
    ///
    /// # Errors
    /// [`SettingsError::Increment`] outside [`ZeroCellCorrection::INCREMENT_RANGE`] (or
    /// not a number).
    pub fn with_increment(self, increment: f64) -> Result<ZeroCellCorrection, SettingsError> {
        let c = ZeroCellCorrection { increment, ..self };
        c.check().map(|()| c)
    }

    /// Whether the increment lies in [`ZeroCellCorrection::INCREMENT_RANGE`].
    ///
    /// # Errors
    /// [`SettingsError::Increment`] otherwise.
    pub fn check(&self) -> Result<(), SettingsError> {
        let (lo, hi) = Self::INCREMENT_RANGE;
        if (lo..=hi).contains(&self.increment) {
            Ok(())
        } else {
            Err(SettingsError::Increment(self.increment))
        }
    }

    /// The amount added to each cell of `table` (metafor `escalc`: `to="all"` adds to
    /// every study, `"only0"` to studies with a zero cell, `id0 <- ai == 0 | ci == 0 |
    /// bi == 0 | di == 0`, `"if0all"` to every study when any study of the set has one,
    /// `"none"` to none). `any_zero_in_set` says whether some study of the analysed set
    /// has a zero cell.
    pub fn added_to(&self, table: &crate::table::Table, any_zero_in_set: bool) -> f64 {
        match self.scope {
            CorrectionScope::AllStudies => self.increment,
            CorrectionScope::StudiesWithZero if table.has_zero_cell() => self.increment,
            CorrectionScope::IfAnyStudyHasZero if any_zero_in_set => self.increment,
            _ => 0.0,
        }
    }
}

impl Default for ZeroCellCorrection {
    fn default() -> Self {
        ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::StudiesWithZero,
        }
    }
}

/// Whose conventions the numbers follow where metafor and RevMan 5 compute differently.
///
/// Both programs agree on inverse-variance pooling of ordinary tables; they differ in
/// how zero cells enter a risk difference and the Mantel-Haenszel sums, and in how a
/// random-effects model is fitted after Mantel-Haenszel or Peto pooling. Each rule is
/// written where it is implemented ([`crate::effect`], [`crate::mh`],
/// [`crate::analysis`]) with the RevMan 5 file that shows it (`tests/revman/`).
///
/// Project files written before this setting existed stored it as `mh` with the values
/// `RawCounts` and `RevMan5`; both still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Convention {
    /// R's metafor 3.8 (`escalc`, `rma.uni`, `rma.mh`, `rma.peto`).
    #[default]
    #[serde(alias = "RawCounts")]
    Metafor,
    /// RevMan 5 ("Statistical methods in RevMan 5", Deeks & Higgins 2010), as its
    /// review files record it.
    RevMan5,
}

impl Convention {
    /// Both conventions, in the order they are offered.
    pub const ALL: [Convention; 2] = [Convention::Metafor, Convention::RevMan5];

    /// Short stable code (`"metafor"`, `"revman5"`), used in files and on the command
    /// line.
    pub fn code(self) -> &'static str {
        match self {
            Convention::Metafor => "metafor",
            Convention::RevMan5 => "revman5",
        }
    }

    /// The convention with the given code, if any.
    pub fn from_code(code: &str) -> Option<Convention> {
        Convention::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// Name shown where the setting is chosen.
    pub fn label(self) -> &'static str {
        match self {
            Convention::Metafor => "metafor (R)",
            Convention::RevMan5 => "RevMan 5",
        }
    }

    /// What choosing it changes, in one paragraph.
    pub fn explanation(self) -> &'static str {
        match self {
            Convention::Metafor => {
                "Numbers as R's metafor computes them: Mantel-Haenszel pools the raw \
                 counts; a risk difference with a zero cell is computed from the \
                 corrected counts; random effects after Mantel-Haenszel or Peto are an \
                 inverse-variance fit with the chosen estimator."
            }
            Convention::RevMan5 => {
                "Numbers as RevMan 5 computes them: 0.5 is added to the cells of a \
                 study with a zero cell also inside the Mantel-Haenszel sums; a risk \
                 difference keeps its raw estimate and takes its variance from the \
                 corrected counts; random effects take DerSimonian-Laird's tau² from \
                 the heterogeneity statistic of the Mantel-Haenszel or Peto analysis."
            }
        }
    }
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
    /// Whose conventions apply where metafor and RevMan 5 differ.
    #[serde(alias = "mh")]
    pub convention: Convention,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            measure: Measure::RiskRatio,
            method: Method::InverseVariance,
            tau2: Tau2Estimator::RestrictedMaximumLikelihood,
            ci: CiMethod::Wald,
            correction: ZeroCellCorrection::default(),
            convention: Convention::Metafor,
        }
    }
}
