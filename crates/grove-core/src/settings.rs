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

/// One setting's vocabulary, in one place for everything that names it (the page's
/// settings, share links, the command line, the reference runner, the R script): every
/// choice in the order offered, its code, its name where it is chosen, the sentence that
/// explains it, and how metafor spells it.
pub trait Choice: Copy + PartialEq + Sized + 'static {
    /// Every choice, in the order offered.
    const CHOICES: &'static [Self];
    /// Grove's code: option values, share links, the command line.
    fn code(self) -> &'static str;
    /// Its name where it is chosen.
    fn label(self) -> &'static str;
    /// What choosing it means, in a sentence or two.
    fn explanation(self) -> &'static str;
    /// metafor's spelling of the choice: the value of its argument (`measure="RR"`,
    /// `method="DL"`, `test="knha"`, `to="only0"`), or for the pooling method the
    /// function that pools (`rma.uni`, `rma.mh`, `rma.peto`); `None` for a choice
    /// metafor has no argument for.
    fn metafor(self) -> Option<&'static str>;
    /// The choice with this code, exactly as [`Choice::code`] writes it.
    fn from_code(code: &str) -> Option<Self> {
        Self::CHOICES.iter().copied().find(|c| c.code() == code)
    }
    /// The choice with this code, in any case (`rr`, `RR`): the command line's reading.
    fn from_code_ignoring_case(code: &str) -> Option<Self> {
        Self::CHOICES
            .iter()
            .copied()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }
    /// The choice metafor spells this way, exactly as [`Choice::metafor`] writes it.
    fn from_metafor(code: &str) -> Option<Self> {
        Self::CHOICES
            .iter()
            .copied()
            .find(|c| c.metafor() == Some(code))
    }
}

impl Choice for Measure {
    const CHOICES: &'static [Self] = &[
        Measure::RiskRatio,
        Measure::OddsRatio,
        Measure::RiskDifference,
    ];
    fn code(self) -> &'static str {
        Measure::code(self)
    }
    fn label(self) -> &'static str {
        crate::report::measure_name(self)
    }
    fn metafor(self) -> Option<&'static str> {
        Some(Measure::code(self))
    }
    fn explanation(self) -> &'static str {
        match self {
            Measure::RiskRatio => {
                "The risk of the event with the experimental treatment divided by the risk \
                 with control; below 1 means fewer events. Pooled on the log scale."
            }
            Measure::OddsRatio => {
                "The odds of the event with the experimental treatment divided by the odds \
                 with control; close to the risk ratio when events are rare. Pooled on the \
                 log scale."
            }
            Measure::RiskDifference => {
                "The risk with the experimental treatment minus the risk with control: an \
                 absolute difference, directly giving the number needed to treat."
            }
        }
    }
}

impl Choice for Method {
    const CHOICES: &'static [Self] = &Method::ALL;
    fn code(self) -> &'static str {
        Method::code(self)
    }
    fn metafor(self) -> Option<&'static str> {
        Some(match self {
            Method::InverseVariance => "rma.uni",
            Method::MantelHaenszel => "rma.mh",
            Method::Peto => "rma.peto",
        })
    }
    fn label(self) -> &'static str {
        match self {
            Method::InverseVariance => "Inverse variance",
            Method::MantelHaenszel => "Mantel-Haenszel",
            Method::Peto => "Peto (odds ratio)",
        }
    }
    fn explanation(self) -> &'static str {
        match self {
            Method::InverseVariance => {
                "Each trial is weighted by the inverse of its variance (metafor rma)."
            }
            Method::MantelHaenszel => {
                "Weights from the 2×2 counts, reliable when events are few (Mantel & \
                 Haenszel 1959; RevMan's default). With random effects the trials are pooled \
                 by inverse variance with tau² from the chosen estimator (with RevMan 5's \
                 conventions and DerSimonian-Laird, from the Mantel-Haenszel Chi², as RevMan \
                 computes it)."
            }
            Method::Peto => {
                "Peto's one-step odds ratio (Yusuf et al. 1985): suited to rare events in \
                 balanced arms with modest effects."
            }
        }
    }
}

impl Choice for Tau2Estimator {
    const CHOICES: &'static [Self] = &Tau2Estimator::ALL;
    fn code(self) -> &'static str {
        Tau2Estimator::code(self)
    }
    fn metafor(self) -> Option<&'static str> {
        Some(Tau2Estimator::code(self))
    }
    fn label(self) -> &'static str {
        match self {
            Tau2Estimator::DerSimonianLaird => "DerSimonian-Laird",
            Tau2Estimator::RestrictedMaximumLikelihood => "Restricted maximum likelihood",
            Tau2Estimator::PauleMandel => "Paule-Mandel",
            Tau2Estimator::MaximumLikelihood => "Maximum likelihood",
            Tau2Estimator::HunterSchmidt => "Hunter-Schmidt",
            Tau2Estimator::SidikJonkman => "Sidik-Jonkman",
            Tau2Estimator::Hedges => "Hedges",
            Tau2Estimator::EmpiricalBayes => "Empirical Bayes",
        }
    }
    fn explanation(self) -> &'static str {
        match self {
            Tau2Estimator::DerSimonianLaird => {
                "Method of moments from Cochran's Q (DerSimonian & Laird 1986); RevMan's \
                 estimator, known to underestimate tau² when it is large."
            }
            Tau2Estimator::RestrictedMaximumLikelihood => {
                "Maximises the restricted likelihood (Viechtbauer 2005); metafor's default \
                 and a good general choice."
            }
            Tau2Estimator::PauleMandel => {
                "Sets the generalised Q statistic equal to its degrees of freedom (Paule & \
                 Mandel 1982); recommended by Veroniki et al. (2016)."
            }
            Tau2Estimator::MaximumLikelihood => {
                "Maximises the full likelihood; biased downwards with few trials."
            }
            Tau2Estimator::HunterSchmidt => {
                "Hunter & Schmidt (2004): a simple moment estimator, biased downwards."
            }
            Tau2Estimator::SidikJonkman => {
                "Sidik & Jonkman (2005): a two-step estimator that is never zero."
            }
            Tau2Estimator::Hedges => "Hedges (1983): an unweighted method of moments.",
            Tau2Estimator::EmpiricalBayes => {
                "Morris (1983): empirical Bayes, equal to Paule-Mandel for these models."
            }
        }
    }
}

impl Choice for CiMethod {
    const CHOICES: &'static [Self] = &CiMethod::ALL;
    fn code(self) -> &'static str {
        CiMethod::code(self)
    }
    fn metafor(self) -> Option<&'static str> {
        Some(match self {
            CiMethod::Wald => "z",
            CiMethod::HartungKnapp => "knha",
        })
    }
    fn label(self) -> &'static str {
        match self {
            CiMethod::Wald => "Wald (normal)",
            CiMethod::HartungKnapp => "Hartung-Knapp-Sidik-Jonkman",
        }
    }
    fn explanation(self) -> &'static str {
        match self {
            CiMethod::Wald => {
                "Estimate ± 1.96 standard errors, tested with z: the classic interval, too \
                 narrow when trials are few."
            }
            CiMethod::HartungKnapp => {
                "Rescales the standard error by the spread of the trials and uses t with \
                 k−1 df (Hartung & Knapp 2001; Sidik & Jonkman 2002): better coverage with \
                 few trials."
            }
        }
    }
}

impl Choice for CorrectionScope {
    const CHOICES: &'static [Self] = &[
        CorrectionScope::StudiesWithZero,
        CorrectionScope::IfAnyStudyHasZero,
        CorrectionScope::AllStudies,
        CorrectionScope::None,
    ];
    fn code(self) -> &'static str {
        CorrectionScope::code(self)
    }
    fn metafor(self) -> Option<&'static str> {
        Some(CorrectionScope::code(self))
    }
    fn label(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => "Trials with a zero cell",
            CorrectionScope::AllStudies => "All trials",
            CorrectionScope::IfAnyStudyHasZero => "All trials, if any has a zero cell",
            CorrectionScope::None => "No trial",
        }
    }
    fn explanation(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => {
                "The increment is added to the four cells of trials that have a zero cell \
                 (metafor and RevMan default). Trials without events in either arm are left \
                 out of ratios."
            }
            CorrectionScope::AllStudies => "The increment is added to every cell of every trial.",
            CorrectionScope::IfAnyStudyHasZero => {
                "The increment is added to every cell of every trial, but only when at least \
                 one trial has a zero cell."
            }
            CorrectionScope::None => {
                "No correction: a trial with a zero cell has no ratio estimate and is left \
                 out."
            }
        }
    }
}

impl Choice for Convention {
    const CHOICES: &'static [Self] = &Convention::ALL;
    fn code(self) -> &'static str {
        Convention::code(self)
    }
    /// metafor has one convention: its own.
    fn metafor(self) -> Option<&'static str> {
        None
    }
    fn label(self) -> &'static str {
        Convention::label(self)
    }
    fn explanation(self) -> &'static str {
        Convention::explanation(self)
    }
}

#[cfg(test)]
mod vocabulary {
    use super::*;
    use crate::report::{ModelView, Totals};

    fn check<T: Choice + std::fmt::Debug>() {
        let mut codes: Vec<&str> = T::CHOICES.iter().map(|c| c.code()).collect();
        for &c in T::CHOICES {
            assert_eq!(T::from_code(c.code()), Some(c));
            assert_eq!(
                T::from_code_ignoring_case(&c.code().to_lowercase()),
                Some(c)
            );
            if let Some(m) = c.metafor() {
                assert_eq!(T::from_metafor(m), Some(c), "{c:?}");
            }
            assert!(
                !c.label().is_empty() && c.explanation().ends_with('.'),
                "{c:?}"
            );
            assert!(!c.explanation().contains("  "), "{c:?}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), T::CHOICES.len(), "codes are unique");
    }

    /// Every setting names, codes and explains each of its choices, once.
    #[test]
    fn every_choice_has_a_code_a_name_and_an_explanation() {
        check::<Measure>();
        check::<Method>();
        check::<Tau2Estimator>();
        check::<CiMethod>();
        check::<CorrectionScope>();
        check::<Convention>();
        check::<ModelView>();
        check::<Totals>();
        assert_eq!(CorrectionScope::CHOICES.len(), CorrectionScope::ALL.len());
    }
}
