//! A review as it arrives from another program: its outcomes, each with its studies'
//! rows, its settings and labels, and the results that program stored for it.
//!
//! RevMan 5 review files (`.rm5`) are read by [`crate::parse::revman::read`] into a
//! [`Review`]; the page turns each [`ReviewOutcome`] into an outcome of a Grove project
//! and the command line analyses it directly. [`agreement`] compares Grove's analysis of
//! an outcome with the numbers RevMan stored for it.

pub mod agreement;

use serde::{Deserialize, Serialize};

use crate::parse::RawRow;
use crate::report::ReportOptions;
pub use crate::report::Totals;

/// A review: its title, the outcomes Grove can analyse, and those it cannot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The review's title ("Examples from Fleiss 1993").
    pub title: String,
    /// Dichotomous outcomes, in the review's order (comparison, then outcome number).
    pub outcomes: Vec<ReviewOutcome>,
    /// Outcomes of other types, each with the reason it is not analysed.
    pub unsupported: Vec<Unsupported>,
    /// The review's risk-of-bias table in the original Cochrane tool, which is not
    /// imported ([`Rob1Table::not_imported`] says so).
    #[serde(default)]
    pub rob1: Option<Rob1Table>,
}

/// A review's table of the original Cochrane risk-of-bias tool (RoB 1, RevMan 5's
/// `QUALITY_ITEM`s): its domains and how many judgements it holds. Grove assesses with
/// RoB 2, whose domains and judgements (Low, Some concerns, High) differ from RoB 1's
/// (Low, Unclear, High), so one cannot be read as the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rob1Table {
    /// The domains' names, in the review's order ("Random sequence generation (selection
    /// bias)", …).
    pub domains: Vec<String>,
    /// Judgements entered (`QUALITY_ITEM_DATA_ENTRY`: one per study, or per study and
    /// outcome group, of each domain).
    pub judgements: usize,
}

impl Rob1Table {
    /// The sentence that tells the user the table was not imported, and what to do.
    ///
    /// ```
    /// use grove_core::review::Rob1Table;
    /// let t = Rob1Table { domains: vec!["Allocation concealment".into()], judgements: 12 };
    /// assert!(t.not_imported().starts_with(
    ///     "Its risk-of-bias table (RoB 1: 1 domain, 12 judgements) is not imported"
    /// ));
    /// ```
    pub fn not_imported(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "Its risk-of-bias table (RoB 1: {}, {}) is not imported: Grove assesses risk of \
             bias with RoB 2, whose domains and judgements differ. Judge the trials with RoB 2 \
             in the data table's risk-of-bias columns.",
            plural(self.domains.len(), "domain"),
            plural(self.judgements, "judgement")
        )
    }
}

/// One dichotomous outcome of a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOutcome {
    /// Where it is in the review and what RevMan stored for it.
    pub source: RevManOutcome,
    /// One row per study line of the outcome, as RevMan lists them, with the study's
    /// name and year from the review's study list and its subgroup.
    pub rows: Vec<RawRow>,
    /// Measure, method, model and labels, as the review sets them.
    pub options: ReportOptions,
}

impl ReviewOutcome {
    /// The name RevMan shows: number and title ("1.2 Mortality at 30 days").
    pub fn title(&self) -> String {
        format!("{} {}", self.source.number, self.source.name)
    }
}

/// An outcome that Grove does not analyse, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    /// Its number in the review ("2.1").
    pub number: String,
    /// Its name.
    pub name: String,
    /// The comparison it belongs to.
    pub comparison: String,
    /// Why it is not analysed.
    pub reason: String,
}

/// Where an outcome comes from in a RevMan review, how RevMan shows it, and the numbers
/// RevMan computed for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevManOutcome {
    /// RevMan's identifier ("CMP-001.02").
    pub id: String,
    /// Number within the review ("1.2").
    pub number: String,
    /// The outcome's name ("Mortality at 30 days").
    pub name: String,
    /// The comparison's number and name ("1 Aspirin versus placebo").
    pub comparison: String,
    /// Which pooled results RevMan shows (`TOTALS`: `YES`, `SUB`, `NO`).
    pub totals: Totals,
    /// Whether RevMan shows the test for subgroup differences.
    pub subgroup_test: bool,
    /// Whether RevMan analyses the participants without the event (`SWAP_EVENTS`); the
    /// rows then hold `total − events` as events.
    pub swapped_events: bool,
    /// The results RevMan stored.
    pub stored: Stored,
}

/// The numbers RevMan stored for an outcome.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stored {
    /// Whether RevMan had a pooled estimate (`ESTIMABLE="YES"`).
    pub estimable: bool,
    /// The overall result.
    pub overall: StoredPooled,
    /// One per subgroup, in order (empty without subgroups).
    pub subgroups: Vec<StoredSubgroup>,
    /// One per row, in the order of [`ReviewOutcome::rows`].
    pub studies: Vec<StoredStudy>,
    /// The test for subgroup differences (`Q`, `P_Q`, `I2_Q` on the outcome).
    pub subgroup_test: Option<StoredTest>,
}

/// A pooled result as RevMan stores it (natural scale for ratios; `None` where the file
/// has no number).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StoredPooled {
    /// `EFFECT_SIZE`.
    pub effect: Option<f64>,
    /// `CI_START`.
    pub ci_start: Option<f64>,
    /// `CI_END`.
    pub ci_end: Option<f64>,
    /// `CHI2`: the heterogeneity statistic.
    pub chi2: Option<f64>,
    /// `DF`.
    pub df: Option<f64>,
    /// `P_CHI2`.
    pub p_chi2: Option<f64>,
    /// `I2`, percent.
    pub i2: Option<f64>,
    /// `TAU2`.
    pub tau2: Option<f64>,
    /// `Z`: the test for the overall effect, as an absolute value.
    pub z: Option<f64>,
    /// `P_Z`.
    pub p_z: Option<f64>,
}

/// A subgroup's stored subtotal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSubgroup {
    /// The subgroup's name.
    pub name: String,
    /// Whether RevMan had a subtotal (`ESTIMABLE="YES"`).
    pub estimable: bool,
    /// The subtotal.
    pub pooled: StoredPooled,
}

/// One study row as RevMan stores it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StoredStudy {
    /// Whether RevMan had an estimate for it (`ESTIMABLE="YES"`).
    pub estimable: bool,
    /// `EFFECT_SIZE` (natural scale for ratios).
    pub effect: Option<f64>,
    /// `CI_START`.
    pub ci_start: Option<f64>,
    /// `CI_END`.
    pub ci_end: Option<f64>,
    /// `WEIGHT`, percent.
    pub weight: Option<f64>,
    /// `VAR`: the variance of the log ratio or of the difference; for Peto's odds ratio
    /// RevMan stores the hypergeometric variance `V` of `O − E` here, whose inverse is
    /// the variance of the log odds ratio.
    pub var: Option<f64>,
}

/// The stored test for subgroup differences.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StoredTest {
    /// `Q`.
    pub chi2: Option<f64>,
    /// `P_Q`.
    pub p: Option<f64>,
    /// `I2_Q`, percent.
    pub i2: Option<f64>,
}
