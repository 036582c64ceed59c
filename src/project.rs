//! The project a user works on, as plain data: outcomes, each with its rows exactly as
//! typed and its analysis options. Every edit the page offers is a method here, so that
//! it is tested natively; components only call them.
//!
//! A project is saved to the browser's storage and to project files as JSON
//! ([`Project::to_json`], [`Project::from_json`]); a damaged file gives a
//! [`ProjectError`] and never replaces the work in place.

use grove_core::grade::{Concern, Thresholds, sof};
use grove_core::parse::{self, Column, Diagnostic, RawRow};
use grove_core::report::{ModelView, Report, ReportOptions};
use grove_core::review::{RevManOutcome, Review, ReviewOutcome, Unsupported};
use grove_core::rob::{self, Assessment};
use grove_core::share::{Shared, SharedOutcome};
use grove_core::{Convention, Measure, Method, Settings, Tau2Estimator};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version written into project files; files of a newer version are refused.
pub const FORMAT_VERSION: u32 = 1;

/// Everything the user has entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// File-format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// The outcomes of the review, in tab order; never empty.
    pub outcomes: Vec<Outcome>,
    /// Index of the outcome shown.
    pub active: usize,
    /// Outcomes of opened reviews that Grove does not analyse (continuous, generic
    /// inverse variance, O − E), each with the reason, listed beside the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<Unsupported>,
    /// Each study's risk-of-bias judgements (RoB 2) as typed, under its key
    /// ([`rob::study_key`]: its name, and its year when typed), so that a study that
    /// appears in several outcomes has one assessment. Files written before it existed
    /// have none.
    #[serde(default, skip_serializing_if = "Judgements::is_empty")]
    pub rob: Judgements,
    /// The study whose name was last cleared in the table, with its row as it was left
    /// (outcome, row index, row, study key): the name typed next into that row takes
    /// the study's judgements along ([`Project::set_cell`]). Not saved.
    #[serde(skip)]
    pub cleared: Option<(usize, usize, RawRow, String)>,
}

/// Risk-of-bias judgements as typed, one entry per study in the order of the keys: the
/// study's key ([`rob::study_key`]), then D1 to D5 and overall as typed. Lists rather
/// than a map of records: the page then carries neither a B-tree nor a record reader
/// for them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Judgements(Vec<Vec<String>>);

impl Judgements {
    /// Whether no study has judgements.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many studies have judgements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|j| j.first().map_or("", String::as_str).cmp(key))
    }

    /// The judgements kept under `key` (a cell a damaged file lacks is empty).
    pub fn get(&self, key: &str) -> Option<rob::Cells> {
        let entry = &self.0[self.find(key).ok()?];
        Some(std::array::from_fn(|i| {
            entry.get(i + 1).cloned().unwrap_or_default()
        }))
    }

    /// Keeps `cells` under `key`, in place of any there (none when they are blank).
    pub fn set(&mut self, key: String, cells: rob::Cells) {
        let blank = rob::is_blank(&cells);
        let entry = || std::iter::once(key.clone()).chain(cells.clone()).collect();
        match (self.find(&key), blank) {
            (Ok(i), true) => {
                self.0.remove(i);
            }
            (Ok(i), false) => self.0[i] = entry(),
            (Err(i), false) => self.0.insert(i, entry()),
            (Err(_), true) => {}
        }
    }

    /// Adds the studies of `other` that have no judgements here.
    pub fn add_missing(&mut self, other: Judgements) {
        for j in other.0 {
            if let Err(i) = self.find(j.first().map_or("", String::as_str)) {
                self.0.insert(i, j);
            }
        }
    }
}

/// `text` in lower case, for searching without regard to case. In the page the
/// browser's own `toLowerCase` does it, which keeps Unicode's case tables out of the
/// download; natively, Rust's, which follows the same Unicode mapping.
fn fold_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// What a share link carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareScope {
    /// Every outcome of the project.
    Project,
    /// The outcome shown.
    Outcome,
}

/// One outcome: its own data, labels and settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Tab name ("Tuberculosis").
    pub name: String,
    /// Where the data come from, shown under the plot; may be empty.
    pub source: String,
    /// The rows exactly as typed.
    pub rows: Vec<RawRow>,
    /// Analysis settings and labels.
    pub options: ReportOptions,
    /// For an outcome opened from a RevMan review: where it is in the review and the
    /// numbers RevMan stored for it, to compare with Grove's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revman: Option<RevManOutcome>,
    /// The control-group risk per 1000 for the absolute effects, as typed; empty for the
    /// trials' median.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub control_risk: String,
    /// The reviewer's GRADE judgements of the outcome, one letter per domain in GRADE's
    /// order (risk of bias, inconsistency, indirectness, imprecision, publication bias):
    /// `-` for Grove's proposal, `N` not serious, `S` serious, `V` very serious; empty
    /// when there are none ([`Outcome::grade_judgements`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub grade: String,
    /// The reviewer's reason in each GRADE domain, in the same order; empty when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grade_reasons: Vec<String>,
    /// The thresholds of appreciable benefit and harm that GRADE's imprecision is judged
    /// by, as typed relative risks (benefit, harm); empty, or an empty field, for GRADE's
    /// defaults ([`Outcome::typed_thresholds`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<String>,
}

/// Outcomes listed under one heading: a comparison of a review, or the user's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeGroup {
    /// The comparison ("1 Aspirin versus placebo"), or empty for outcomes of no review.
    pub comparison: String,
    /// Its outcomes in the review's order (by number), those analysed and those not.
    pub entries: Vec<Entry>,
}

/// One item of the outcome list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// An outcome of the project (its index).
    Outcome(usize),
    /// An outcome not analysed (its index into [`Project::unsupported`]).
    Unsupported(usize),
}

impl OutcomeGroup {
    /// The indices of its analysed outcomes.
    pub fn outcomes(&self) -> Vec<usize> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Outcome(i) => Some(*i),
                Entry::Unsupported(_) => None,
            })
            .collect()
    }
}

/// "2.10" as (2, 10), so that outcomes sort as RevMan numbers them; `None` for names
/// without a number.
fn outcome_number(text: &str) -> Option<(u32, u32)> {
    let number = text.split_whitespace().next()?;
    let (a, b) = number.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// How a pasted block is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PasteMode {
    /// The pasted rows replace the table.
    #[default]
    Replace,
    /// The pasted rows go after the existing ones.
    Append,
}

/// Why a project file could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectError {
    /// Not JSON, or not a Grove project (the parser's message).
    Malformed(String),
    /// Written by a newer Grove.
    NewerVersion(u32),
    /// A project must hold at least one outcome.
    NoOutcomes,
    /// An outcome's setting is outside its domain (the outcome's name, and why).
    InvalidSetting(String, String),
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectError::Malformed(why) => write!(f, "this is not a Grove project file ({why})"),
            ProjectError::NewerVersion(v) => write!(
                f,
                "this project was saved by a newer version of Grove (format {v}; this page reads format {FORMAT_VERSION})"
            ),
            ProjectError::NoOutcomes => f.write_str("the project file holds no outcome"),
            ProjectError::InvalidSetting(outcome, why) => {
                write!(f, "in outcome \u{201c}{outcome}\u{201d}, {why}")
            }
        }
    }
}

impl std::error::Error for ProjectError {}

/// A built-in example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Example {
    /// 13 BCG vaccine trials (Colditz et al. 1994).
    Bcg,
    /// 18 catheter trials, six with a zero cell (Niel-Weise et al. 2007).
    ZeroCells,
    /// 15 azithromycin trials in two subgroups (Laopaiboon et al. 2015).
    Subgroups,
}

impl Example {
    /// All examples, in menu order.
    pub const ALL: [Example; 3] = [Example::Bcg, Example::ZeroCells, Example::Subgroups];

    /// Stable identifier (menu value, test hook).
    pub fn code(self) -> &'static str {
        match self {
            Example::Bcg => "bcg",
            Example::ZeroCells => "zero-cells",
            Example::Subgroups => "subgroups",
        }
    }

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            Example::Bcg => "BCG vaccine (13 trials)",
            Example::ZeroCells => "Zero cells: antimicrobial catheters (18 trials)",
            Example::Subgroups => "Subgroups: azithromycin (15 trials)",
        }
    }

    /// The example as an outcome.
    pub fn outcome(self) -> Outcome {
        let (name, source, text, arms, favours) = match self {
            Example::Bcg => (
                "Tuberculosis",
                "BCG vaccine against tuberculosis: Colditz et al. (1994), JAMA 271:698–702 (metafor dat.bcg).",
                include_str!("examples/bcg.tsv"),
                ["Vaccinated", "Not vaccinated"],
                ["Favours vaccine", "Favours control"],
            ),
            Example::ZeroCells => (
                "Bloodstream infection",
                "Anti-infective-treated central venous catheters: Niel-Weise et al. (2007), J Hosp Infect 65:285–291 (metafor dat.nielweise2007).",
                include_str!("examples/catheters.tsv"),
                ["Treated catheter", "Standard catheter"],
                ["Favours treated", "Favours standard"],
            ),
            Example::Subgroups => (
                "Treatment failure",
                "Azithromycin versus amoxicillin or amoxicillin-clavulanate: Laopaiboon et al. (2015), Cochrane Database Syst Rev CD004872 (metafor dat.laopaiboon2015); subgroup = control drug.",
                include_str!("examples/azithromycin.tsv"),
                ["Azithromycin", "Amoxicillin"],
                ["Favours azithromycin", "Favours amoxicillin"],
            ),
        };
        let options = ReportOptions {
            arms: arms.map(str::to_owned),
            favours: favours.map(str::to_owned),
            ..ReportOptions::default()
        };
        Outcome {
            name: name.to_owned(),
            source: source.to_owned(),
            rows: parse::parse(text).raw_rows(),
            options,
            revman: None,
            control_risk: String::new(),
            grade: String::new(),
            grade_reasons: Vec::new(),
            thresholds: Vec::new(),
        }
    }
}

impl Default for Project {
    /// A project holding the BCG example.
    fn default() -> Self {
        Project {
            version: FORMAT_VERSION,
            outcomes: vec![Example::Bcg.outcome()],
            active: 0,
            unsupported: Vec::new(),
            rob: Judgements::default(),
            cleared: None,
        }
    }
}

impl Project {
    /// How many studies each outcome's analysis has (complete, valid rows).
    pub fn studies_per_outcome(&self) -> Vec<usize> {
        self.outcomes
            .iter()
            .map(|o| Report::new(&o.rows, &o.options).row_of_study.len())
            .collect()
    }

    /// The risk-of-bias judgements typed for the study of `row`, if any.
    pub fn judgements(&self, row: &RawRow) -> Option<rob::Cells> {
        self.rob.get(&rob::study_key(&row.study, &row.year))
    }

    /// The risk-of-bias assessment of the study of `row` (cells that are not judgements
    /// count as not assessed).
    pub fn assessment(&self, row: &RawRow) -> Option<Assessment> {
        self.judgements(row).map(|c| rob::read(&c).0)
    }

    /// The risk-of-bias assessment of each row of the outcome shown.
    pub fn assessments(&self) -> Vec<Option<Assessment>> {
        self.active()
            .rows
            .iter()
            .map(|r| self.assessment(r))
            .collect()
    }

    /// Sets the judgement in `domain` (0 to 4 for D1 to D5, 5 for overall) of the study
    /// of row `row` of the outcome shown, for every outcome it appears in; a study left
    /// with no judgement is forgotten. A row without a study name is ignored.
    pub fn set_judgement(&mut self, row: usize, domain: usize, value: String) {
        let Some(r) = self.active().rows.get(row) else {
            return;
        };
        if r.study.trim().is_empty() || domain >= rob::Domain::ALL.len() {
            return;
        }
        let key = rob::study_key(&r.study, &r.year);
        let mut cells = self.rob.get(&key).unwrap_or_default();
        cells[domain] = value;
        self.rob.set(key, cells);
    }

    /// Sets a cell of row `row` of the outcome shown. A study renamed (its name or year
    /// retyped) takes its risk-of-bias judgements along when no other row of the
    /// project is that study and the new name has none of its own: otherwise they stay
    /// with the study they were made for. A name cleared before the new one is typed
    /// keeps them for the name typed next into the same row ([`Project::cleared`]).
    pub fn set_cell(&mut self, row: usize, column: Column, value: String) {
        let Some(before) = self.active().rows.get(row).cloned() else {
            return;
        };
        self.active_mut().set_cell(row, column, value);
        if !matches!(column, Column::Study | Column::Year) {
            return;
        }
        let old = if before.study.trim().is_empty() {
            match &self.cleared {
                Some((o, r, left, key)) if (*o, *r) == (self.active, row) && *left == before => {
                    let key = key.clone();
                    self.cleared = None;
                    key
                }
                _ => return,
            }
        } else {
            rob::study_key(&before.study, &before.year)
        };
        let Some(cells) = self.rob.get(&old) else {
            return;
        };
        let after = self.active().rows[row].clone();
        let new = rob::study_key(&after.study, &after.year);
        let shared = self
            .outcomes
            .iter()
            .flat_map(|o| &o.rows)
            .any(|r| rob::study_key(&r.study, &r.year) == old);
        if shared {
            return;
        }
        if after.study.trim().is_empty() {
            self.cleared = Some((self.active, row, after, old));
            return;
        }
        if self.rob.get(&new).is_some() {
            return;
        }
        self.rob.set(old, rob::Cells::default());
        self.rob.set(new, cells);
    }

    /// Pastes `text` into the outcome shown ([`Outcome::paste`]), and keeps the
    /// risk-of-bias judgements of its columns, if its header names any, for each
    /// study that has some.
    pub fn paste(&mut self, base: &[RawRow], text: &str, mode: PasteMode) -> Vec<Diagnostic> {
        let parsed = parse::parse(text);
        for row in &parsed.rows {
            if let Some(cells) = row.rob.as_ref().filter(|c| !rob::is_blank(c))
                && !row.raw.study.trim().is_empty()
            {
                let key = rob::study_key(&row.raw.study, &row.raw.year);
                self.rob.set(key, cells.clone());
            }
        }
        self.active_mut().paste_parsed(base, parsed, mode)
    }

    /// The outcome shown.
    pub fn active(&self) -> &Outcome {
        // `active` is kept in range by every method; the fallback guards decoded files.
        self.outcomes
            .get(self.active)
            .or_else(|| self.outcomes.first())
            .expect("a project always has an outcome")
    }

    /// The outcome shown, to edit.
    pub fn active_mut(&mut self) -> &mut Outcome {
        self.active = self.active.min(self.outcomes.len().saturating_sub(1));
        &mut self.outcomes[self.active]
    }

    /// Shows outcome `index` (ignored when out of range).
    pub fn select(&mut self, index: usize) {
        if index < self.outcomes.len() {
            self.active = index;
        }
    }

    /// Adds an empty outcome with the active one's settings and labels, and shows it.
    pub fn add_outcome(&mut self) {
        let options = self.active().options.clone();
        let name = format!("Outcome {}", self.outcomes.len() + 1);
        self.outcomes.push(Outcome {
            name,
            source: String::new(),
            rows: vec![RawRow::default()],
            options,
            revman: None,
            control_risk: String::new(),
            grade: String::new(),
            grade_reasons: Vec::new(),
            thresholds: Vec::new(),
        });
        self.active = self.outcomes.len() - 1;
    }

    /// Adds the dichotomous outcomes of a RevMan review and shows the first. Outcomes
    /// that are an untouched example or empty give way; everything else the project
    /// holds stays. Returns how many outcomes were added (0 leaves the project as it
    /// was).
    pub fn open_review(&mut self, review: &Review) -> usize {
        match Project::from_review(review) {
            Some(opened) => self.add_opened(opened),
            None => 0,
        }
    }

    /// A review's dichotomous outcomes as a project of their own, or `None` when it has
    /// none. Reading the review happens in the worker ([`crate::jobs`]), which hands the
    /// page this project.
    pub fn from_review(review: &Review) -> Option<Project> {
        if review.outcomes.is_empty() {
            return None;
        }
        Some(Project {
            version: FORMAT_VERSION,
            outcomes: review
                .outcomes
                .iter()
                .map(|o| Outcome::from_review(o, &review.title))
                .collect(),
            active: 0,
            unsupported: review.unsupported.clone(),
            rob: Judgements::default(),
            cleared: None,
        })
    }

    /// Adds the outcomes of an opened review ([`Project::from_review`]) or share link
    /// ([`Project::from_shared`]) and shows the first: outcomes that are an untouched
    /// example or empty give way, everything else stays. Returns how many were added.
    pub fn add_opened(&mut self, review: Project) -> usize {
        if review.outcomes.is_empty() {
            return 0;
        }
        self.outcomes
            .retain(|o| !(o.revman.is_none() && (o.holds_an_example() || o.is_empty())));
        let first = self.outcomes.len();
        let added = review.outcomes.len();
        self.outcomes.extend(review.outcomes);
        self.active = first.min(self.outcomes.len().saturating_sub(1));
        self.unsupported.extend(review.unsupported);
        // Judgements the project has already are the user's: an opened file adds others.
        self.rob.add_missing(review.rob);
        added
    }

    /// What a share link of this project carries: every outcome, or the one shown.
    /// Results RevMan stored are not carried (a link holds what redoes the analysis).
    pub fn to_shared(&self, scope: ShareScope) -> Shared {
        let outcome = |o: &Outcome| SharedOutcome {
            control_risk: o.control_risk.clone(),
            thresholds: std::array::from_fn(|i| o.thresholds.get(i).cloned().unwrap_or_default()),
            grade: o.grade_judgements(),
            ..SharedOutcome::new(
                o.name.clone(),
                o.source.clone(),
                o.rows.clone(),
                o.options.clone(),
            )
        };
        let (outcomes, active) = match scope {
            ShareScope::Project => (self.outcomes.iter().map(outcome).collect(), self.active),
            ShareScope::Outcome => (vec![outcome(self.active())], 0),
        };
        // The judgements of the studies carried, once each.
        let mut rob: Vec<(String, rob::Cells)> = Vec::new();
        for row in outcomes.iter().flat_map(|o: &SharedOutcome| &o.rows) {
            let key = rob::study_key(&row.study, &row.year);
            if let Some(cells) = self.rob.get(&key)
                && !rob.iter().any(|(k, _)| *k == key)
            {
                rob.push((key, cells));
            }
        }
        Shared {
            outcomes,
            active,
            rob,
        }
    }

    /// A project of the outcome shown alone.
    pub fn only_active(&self) -> Project {
        Project {
            version: FORMAT_VERSION,
            outcomes: vec![self.active().clone()],
            active: 0,
            unsupported: Vec::new(),
            rob: self.rob.clone(),
            cleared: None,
        }
    }

    /// What a share link of outcome `i` alone carries (the outcome shown when `i` is out
    /// of range).
    pub fn outcome_shared(&self, i: usize) -> Shared {
        let one = Project {
            active: if i < self.outcomes.len() {
                i
            } else {
                self.active
            },
            ..self.clone()
        };
        one.to_shared(ShareScope::Outcome)
    }

    /// The project a share link carries.
    pub fn from_shared(shared: Shared) -> Project {
        let outcomes: Vec<Outcome> = shared
            .outcomes
            .into_iter()
            .map(|o| {
                let mut outcome = Outcome {
                    name: o.name,
                    source: o.source,
                    rows: o.rows,
                    options: o.options,
                    revman: None,
                    control_risk: o.control_risk,
                    grade: String::new(),
                    grade_reasons: Vec::new(),
                    thresholds: Vec::new(),
                };
                if o.thresholds.iter().any(|t| !t.is_empty()) {
                    outcome.thresholds = o.thresholds.to_vec();
                }
                outcome.set_grade_judgements(&o.grade);
                outcome
            })
            .collect();
        if outcomes.is_empty() {
            return Project::default();
        }
        let mut rob = Judgements::default();
        for (key, cells) in shared.rob {
            rob.set(key, cells);
        }
        Project {
            version: FORMAT_VERSION,
            active: shared.active.min(outcomes.len() - 1),
            outcomes,
            unsupported: Vec::new(),
            rob,
            cleared: None,
        }
    }

    /// The outcomes whose name or comparison contains `query` (case-insensitive),
    /// grouped by comparison in order of first appearance, numbered outcomes (of a
    /// review) in the order of their numbers, with those not analysed among them.
    pub fn outcome_groups(&self, query: &str) -> Vec<OutcomeGroup> {
        let query = fold_case(query.trim());
        let matches = |name: &str, comparison: &str| {
            query.is_empty()
                || fold_case(name).contains(&query)
                || fold_case(comparison).contains(&query)
        };
        let mut items: Vec<(&str, String, Entry)> = Vec::new();
        for (i, o) in self.outcomes.iter().enumerate() {
            let comparison = o.revman.as_ref().map_or("", |r| r.comparison.as_str());
            if matches(&o.name, comparison) {
                items.push((comparison, o.name.clone(), Entry::Outcome(i)));
            }
        }
        for (i, u) in self.unsupported.iter().enumerate() {
            let name = format!("{} {}", u.number, u.name);
            if matches(&name, &u.comparison) {
                items.push((u.comparison.as_str(), name, Entry::Unsupported(i)));
            }
        }
        let mut groups: Vec<OutcomeGroup> = Vec::new();
        for (comparison, _, entry) in &items {
            match groups.iter_mut().find(|g| g.comparison == *comparison) {
                Some(g) => g.entries.push(*entry),
                None => groups.push(OutcomeGroup {
                    comparison: (*comparison).to_owned(),
                    entries: vec![*entry],
                }),
            }
        }
        let number = |e: &Entry| match *e {
            Entry::Outcome(i) => outcome_number(&self.outcomes[i].name),
            Entry::Unsupported(i) => {
                let u = &self.unsupported[i];
                outcome_number(&u.number)
            }
        };
        for g in &mut groups {
            // A stable sort: outcomes without a number keep their order, at the end.
            grove_core::sort::by_key(&mut g.entries, |e| {
                number(e).map_or((1, (0, 0)), |n| (0, n))
            });
        }
        groups
    }

    /// Removes outcome `index`, unless it is the last one.
    pub fn remove_outcome(&mut self, index: usize) {
        if self.outcomes.len() > 1 && index < self.outcomes.len() {
            self.outcomes.remove(index);
            if self.active >= index && self.active > 0 {
                self.active -= 1;
            }
        }
    }

    /// The results paragraph of every outcome, in tab order
    /// ([`grove_core::report::paragraph`]).
    pub fn paragraph(&self) -> String {
        use grove_core::report::paragraph::{ParagraphOutcome, paragraph};
        let reports: Vec<Report> = self
            .outcomes
            .iter()
            .map(|o| Report::new(&o.rows, &o.options))
            .collect();
        let outcomes: Vec<ParagraphOutcome> = self
            .outcomes
            .iter()
            .zip(&reports)
            .map(|(o, report)| ParagraphOutcome {
                name: &o.name,
                report,
                certainty: None,
            })
            .collect();
        let mut outcomes = outcomes;
        for (i, o) in outcomes.iter_mut().enumerate() {
            o.certainty = self.summary_row(i).ok().map(|r| r.certainty);
        }
        paragraph(&outcomes)
    }

    /// The summary-of-findings row of outcome `i` (GRADE), with its trials' risk of bias
    /// and the reviewer's judgements.
    ///
    /// # Errors
    /// Why the outcome has no row (no pooled result, no such outcome).
    pub fn summary_row(&self, i: usize) -> Result<sof::Row, String> {
        let o = self.outcomes.get(i).ok_or("no such outcome")?;
        let report = Report::new(&o.rows, &o.options);
        let rob: Vec<Option<Assessment>> = report
            .row_of_study
            .iter()
            .map(|&row| {
                o.rows
                    .get(row)
                    .and_then(|r| self.judgements(r))
                    .map(|c| rob::read(&c).0)
            })
            .collect();
        sof::row(&sof::RowInput {
            outcome: &o.name,
            report: &report,
            control_risk: o.typed_control_risk().ok().flatten(),
            rob: &rob,
            judgements: &o.grade_judgements(),
            intervention: &o.options.arms[0],
            thresholds: o.typed_thresholds().unwrap_or_default(),
        })
    }

    /// Sets the reviewer's concern in GRADE domain `domain` of outcome `i` (`None`: take
    /// Grove's proposal).
    pub fn set_grade(&mut self, i: usize, domain: usize, concern: Option<Concern>) {
        if let Some(o) = self.outcomes.get_mut(i) {
            let mut j = o.grade_judgements();
            if let Some(slot) = j.concerns.get_mut(domain) {
                *slot = concern;
            }
            o.set_grade_judgements(&j);
        }
    }

    /// Sets the reviewer's reason in GRADE domain `domain` of outcome `i`.
    pub fn set_grade_reason(&mut self, i: usize, domain: usize, reason: String) {
        if let Some(o) = self.outcomes.get_mut(i) {
            set_typed(&mut o.grade_reasons, 5, domain, reason);
        }
    }

    /// Sets the threshold of appreciable benefit (`which` 0) or harm (1) of outcome `i`,
    /// as typed.
    pub fn set_threshold(&mut self, i: usize, which: usize, typed: String) {
        if let Some(o) = self.outcomes.get_mut(i) {
            set_typed(&mut o.thresholds, 2, which, typed);
        }
    }

    /// The R script that reproduces every outcome with metafor, in tab order.
    pub fn r_script(&self) -> String {
        let outcomes: Vec<grove_core::rscript::ScriptOutcome> = self
            .outcomes
            .iter()
            .map(|o| grove_core::rscript::ScriptOutcome {
                name: &o.name,
                rows: &o.rows,
                options: &o.options,
            })
            .collect();
        grove_core::rscript::r_script(&outcomes)
    }

    /// Replaces the active outcome with an example, or adds it as a new outcome when the
    /// active one holds data the user typed.
    pub fn load_example(&mut self, example: Example) {
        let outcome = example.outcome();
        if let Some(i) = self.outcomes.iter().position(|o| *o == outcome) {
            self.active = i;
        } else if self.active().holds_an_example() || self.active().is_empty() {
            *self.active_mut() = outcome;
        } else {
            self.outcomes.push(outcome);
            self.active = self.outcomes.len() - 1;
        }
    }

    /// The project as JSON for storage and files.
    pub fn to_json(&self) -> String {
        json::encode(self)
    }

    /// Reads a project from JSON, checking its version and contents.
    pub fn from_json(text: &str) -> Result<Project, ProjectError> {
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let version: Version = json::decode(text).map_err(ProjectError::Malformed)?;
        if version.version > FORMAT_VERSION {
            return Err(ProjectError::NewerVersion(version.version));
        }
        let mut project: Project = json::decode(text).map_err(ProjectError::Malformed)?;
        if project.outcomes.is_empty() {
            return Err(ProjectError::NoOutcomes);
        }
        for o in &project.outcomes {
            o.options
                .settings
                .check()
                .map_err(|e| ProjectError::InvalidSetting(o.name.clone(), e.to_string()))?;
        }
        project.active = project.active.min(project.outcomes.len() - 1);
        Ok(project)
    }
}

/// JSON text. In the browser, the browser's own `JSON` does the text and
/// `serde-wasm-bindgen` the mapping, which keeps a JSON library out of the download;
/// natively (tests), `serde_json`. Both write the same document; the project's WASM tests
/// run the same round trips as the native ones.
mod json {
    use serde::{Serialize, de::DeserializeOwned};

    #[cfg(target_arch = "wasm32")]
    pub fn encode<T: Serialize>(value: &T) -> String {
        // Plain data of strings, numbers and enums: conversion cannot fail.
        serde_wasm_bindgen::to_value(value)
            .ok()
            .and_then(|v| js_sys::JSON::stringify(&v).ok())
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }

    #[cfg(target_arch = "wasm32")]
    pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        let value = js_sys::JSON::parse(text).map_err(|e| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "not JSON".to_owned())
        })?;
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen::JsCast;

    #[cfg(not(target_arch = "wasm32"))]
    pub fn encode<T: Serialize>(value: &T) -> String {
        // Plain data of strings, numbers and enums: serialising cannot fail.
        serde_json::to_string(value).unwrap_or_default()
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Sets field `i` of `len` fields typed by the user, kept as a list that is empty when
/// every field is (so that files carry it only when something is typed).
fn set_typed(fields: &mut Vec<String>, len: usize, i: usize, text: String) {
    if i < len {
        fields.resize(len, String::new());
        fields[i] = text;
        if fields.iter().all(|f| f.trim().is_empty()) {
            fields.clear();
        }
    }
}

/// The letter of a GRADE judgement in [`Outcome::grade`].
fn grade_letter(c: Option<Concern>) -> char {
    match c {
        None => '-',
        Some(Concern::NotSerious) => 'N',
        Some(Concern::Serious) => 'S',
        Some(Concern::VerySerious) => 'V',
    }
}

/// A control-group risk per 1000 as typed, as a proportion (see
/// [`Outcome::typed_control_risk`]).
///
/// # Errors
/// What is typed is not a number between 0 and 1000 (exclusive).
pub fn control_risk(typed: &str) -> Result<Option<f64>, String> {
    let typed = typed.trim();
    match typed.replace(',', ".").parse::<f64>() {
        _ if typed.is_empty() => Ok(None),
        Ok(x) if x > 0.0 && x < 1000.0 => Ok(Some(x / 1000.0)),
        _ => Err(format!(
            "\u{201c}{typed}\u{201d} is not a risk per 1000 between 0 and 1000; the trials' median is used."
        )),
    }
}

impl Outcome {
    /// An outcome of a RevMan review, named as RevMan names it ("1.2 Mortality"), with
    /// its rows, settings and labels, and RevMan's stored results.
    pub fn from_review(o: &ReviewOutcome, review_title: &str) -> Outcome {
        let mut source = format!("{}: comparison {}", review_title, o.source.comparison);
        if o.source.swapped_events {
            source.push_str(
                "; events swapped as in RevMan: the table counts participants without the event",
            );
        }
        source.push('.');
        Outcome {
            name: o.title(),
            source,
            rows: o.rows.clone(),
            options: o.options.clone(),
            revman: Some(o.source.clone()),
            control_risk: String::new(),
            grade: String::new(),
            grade_reasons: Vec::new(),
            thresholds: Vec::new(),
        }
    }

    /// Whether no row holds anything.
    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(RawRow::is_blank)
    }

    /// Loads pasted text: its rows replace `base` or follow it. Returns the problems
    /// with the text's structure (header, quotes, extra cells); problems with single
    /// cells stay with their rows.
    ///
    /// Pasting over an untouched example starts the user's own outcome: the example's
    /// name, source and labels go (its settings stay). Any paste clears the source line,
    /// which no longer describes the rows.
    pub fn paste(&mut self, base: &[RawRow], text: &str, mode: PasteMode) -> Vec<Diagnostic> {
        self.paste_parsed(base, parse::parse(text), mode)
    }

    /// [`Outcome::paste`] of text already read, which a paste with risk-of-bias columns
    /// reads once for both ([`Project::paste`]).
    pub fn paste_parsed(
        &mut self,
        base: &[RawRow],
        parsed: parse::Parsed,
        mode: PasteMode,
    ) -> Vec<Diagnostic> {
        if mode == PasteMode::Replace && self.holds_an_example() {
            self.name = "My outcome".to_owned();
            self.options = ReportOptions {
                settings: self.options.settings,
                models: self.options.models,
                prediction: self.options.prediction,
                ..ReportOptions::default()
            };
        }
        self.source.clear();
        let mut rows = match mode {
            PasteMode::Replace => Vec::new(),
            PasteMode::Append => base.iter().filter(|r| !r.is_blank()).cloned().collect(),
        };
        rows.extend(parsed.raw_rows());
        if rows.is_empty() {
            rows.push(RawRow::default());
        }
        self.rows = rows;
        parsed.diagnostics
    }

    /// Whether the rows, name, source and labels are a built-in example's, untouched
    /// (its settings may have been changed).
    pub fn holds_an_example(&self) -> bool {
        Example::ALL.iter().any(|e| {
            let example = e.outcome();
            example.rows == self.rows
                && example.name == self.name
                && example.source == self.source
                && example.options.arms == self.options.arms
                && example.options.favours == self.options.favours
        })
    }

    /// Sets one cell to what was typed.
    pub fn set_cell(&mut self, row: usize, column: Column, value: String) {
        if let Some(r) = self.rows.get_mut(row) {
            *r.get_mut(column) = value;
        }
    }

    /// Pastes a block copied from a spreadsheet (cells separated by tabs, rows by line
    /// breaks) into the table from cell (`row`, `column`) rightwards and downwards, as a
    /// spreadsheet does: rows are added as needed, cells right of the last column are
    /// left out. Returns whether `text` was a block (more than one cell); a single value
    /// is left to the cell itself.
    pub fn paste_block(&mut self, row: usize, column: Column, text: &str) -> bool {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        if !text.contains(['\t', '\n', '\r']) {
            return false;
        }
        let first = Column::ROW.iter().position(|&c| c == column).unwrap_or(0);
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let r = row + i;
            while self.rows.len() <= r {
                self.rows.push(RawRow::default());
            }
            for (cell, &c) in line.split('\t').zip(&Column::ROW[first..]) {
                *self.rows[r].get_mut(c) = cell.trim().to_owned();
            }
        }
        true
    }

    /// Adds an empty row at the end.
    pub fn add_row(&mut self) {
        self.rows.push(RawRow::default());
    }

    /// Deletes a row; the table keeps one empty row rather than none.
    pub fn delete_row(&mut self, row: usize) {
        if row < self.rows.len() {
            self.rows.remove(row);
        }
        if self.rows.is_empty() {
            self.rows.push(RawRow::default());
        }
    }

    /// The control-group risk typed for the absolute effects, as a proportion: `None`
    /// when nothing is typed (the trials' median is used), or why what is typed is not
    /// a risk per 1000.
    ///
    /// # Errors
    /// What is typed is not a number between 0 and 1000 (exclusive).
    pub fn typed_control_risk(&self) -> Result<Option<f64>, String> {
        control_risk(&self.control_risk)
    }

    /// The thresholds of appreciable benefit and harm typed for GRADE's imprecision
    /// ([`Outcome::thresholds`]; a field left empty keeps its default, RR 0.75 or 1.25).
    ///
    /// # Errors
    /// Why what is typed cannot be used, naming the field; the defaults are used then.
    pub fn typed_thresholds(&self) -> Result<Thresholds, String> {
        let default = Thresholds::default();
        let mut limits = [default.benefit, default.harm];
        for ((limit, typed), name) in limits
            .iter_mut()
            .zip(&self.thresholds)
            .zip(["benefit", "harm"])
        {
            let typed = typed.trim();
            if typed.is_empty() {
                continue;
            }
            *limit = typed.replace(',', ".").parse().map_err(|_| {
                format!(
                    "\u{201c}{typed}\u{201d}, the threshold of appreciable {name}, is not a number; the defaults, RR 0.75 and 1.25, are used."
                )
            })?;
        }
        Thresholds::new(limits[0], limits[1])
            .map_err(|why| format!("Not used: {why}; the defaults, RR 0.75 and 1.25, are used."))
    }

    /// Keeps the reviewer's GRADE judgements in [`Outcome::grade`] and
    /// [`Outcome::grade_reasons`] (both empty when nothing is judged).
    pub fn set_grade_judgements(&mut self, j: &sof::Judgements) {
        self.grade = if j.concerns.iter().all(Option::is_none) {
            String::new()
        } else {
            j.concerns.iter().map(|c| grade_letter(*c)).collect()
        };
        self.grade_reasons = if j.reasons.iter().all(|r| r.trim().is_empty()) {
            Vec::new()
        } else {
            j.reasons.to_vec()
        };
    }

    /// The reviewer's GRADE judgements, read from [`Outcome::grade`] and
    /// [`Outcome::grade_reasons`] (a letter that is none of `NSV` is Grove's proposal).
    pub fn grade_judgements(&self) -> sof::Judgements {
        let mut j = sof::Judgements::default();
        for (slot, letter) in j.concerns.iter_mut().zip(self.grade.chars()) {
            *slot = match letter {
                'N' => Some(Concern::NotSerious),
                'S' => Some(Concern::Serious),
                'V' => Some(Concern::VerySerious),
                _ => None,
            };
        }
        for (slot, reason) in j.reasons.iter_mut().zip(&self.grade_reasons) {
            slot.clone_from(reason);
        }
        j
    }

    /// Switches a row off (it stays in the table and on the plot, greyed, and is not
    /// pooled) or back on.
    pub fn toggle_row(&mut self, row: usize) {
        if let Some(r) = self.rows.get_mut(row) {
            r.excluded = !r.excluded;
        }
    }

    /// Moves a row up (`-1`) or down (`+1`).
    pub fn move_row(&mut self, row: usize, up: bool) {
        let other = if up {
            row.checked_sub(1)
        } else {
            Some(row + 1)
        };
        if let Some(other) = other.filter(|o| *o < self.rows.len() && row < self.rows.len()) {
            self.rows.swap(row, other);
        }
    }

    /// Sets the effect measure; Peto's method estimates odds ratios only, so choosing
    /// another measure with Peto moves to inverse variance.
    pub fn set_measure(&mut self, measure: Measure) {
        let s = &mut self.options.settings;
        s.measure = measure;
        if s.method == Method::Peto && measure != Measure::OddsRatio {
            s.method = Method::InverseVariance;
        }
    }

    /// Sets the pooling method; Peto's method implies the odds ratio.
    pub fn set_method(&mut self, method: Method) {
        let s = &mut self.options.settings;
        s.method = method;
        if method == Method::Peto {
            s.measure = Measure::OddsRatio;
        }
    }

    /// RevMan 5's defaults for dichotomous data: Mantel-Haenszel, random effects by
    /// DerSimonian-Laird, Wald CIs, 0.5 added to studies with a zero cell, RevMan 5's
    /// conventions ([`Convention::RevMan5`]), no prediction interval. The measure is kept.
    pub fn apply_revman5(&mut self) {
        let measure = self.options.settings.measure;
        self.options.settings = Settings {
            measure,
            method: Method::MantelHaenszel,
            tau2: Tau2Estimator::DerSimonianLaird,
            convention: Convention::RevMan5,
            ..Settings::default()
        };
        self.options.models = ModelView::Random;
        self.options.prediction = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_row_switched_off_is_kept_saved_and_switched_back_on() {
        let mut p = Project::default();
        let rows = p.active().rows.clone();
        p.active_mut().toggle_row(1);
        assert!(p.active().rows[1].excluded);
        let report = Report::new(&p.active().rows, &p.active().options);
        assert_eq!(report.set_aside.len(), 1);
        assert_eq!(report.studies.len(), rows.len() - 1);
        let back = Project::from_json(&p.to_json()).expect("reads");
        assert_eq!(back, p, "the toggle is saved with the project");
        p.active_mut().toggle_row(1);
        assert_eq!(p.active().rows, rows);
        p.active_mut().toggle_row(999);
        assert_eq!(
            p.active().rows,
            rows,
            "a row that does not exist changes nothing"
        );
    }

    #[test]
    fn the_default_project_is_the_bcg_example() {
        let p = Project::default();
        assert_eq!(p.outcomes.len(), 1);
        assert_eq!(p.active().rows.len(), 13);
        assert_eq!(p.active().rows[0].study, "Aronson");
        assert_eq!(p.active().rows[0].e1, "4");
    }

    #[test]
    fn examples_parse_cleanly() {
        for e in Example::ALL {
            let o = e.outcome();
            assert!(o.rows.len() >= 13, "{e:?}");
            for (i, r) in o.rows.iter().enumerate() {
                assert!(r.validate(i + 1).is_ok(), "{e:?} row {}", i + 1);
            }
        }
        assert!(
            Example::Subgroups
                .outcome()
                .rows
                .iter()
                .all(|r| !r.subgroup.is_empty())
        );
    }

    #[test]
    fn paste_replaces_or_appends_and_keeps_bad_cells_as_typed() {
        let mut o = Example::Bcg.outcome();
        let base = o.rows.clone();
        o.paste(&base, "A\t1\t10\t2\t10\nB\tx\t10\t2\t10", PasteMode::Append);
        assert_eq!(o.rows.len(), 15);
        assert_eq!(o.rows[14].e1, "x");
        o.paste(&base, "A\t1\t10\t2\t10", PasteMode::Replace);
        assert_eq!(o.rows.len(), 1);
        assert_eq!(
            o.source, "",
            "pasted rows are not the example's source any more"
        );
        assert_eq!(
            o.options.arms[0], "Vaccinated",
            "appending keeps the labels"
        );
        o.paste(&base, "", PasteMode::Replace);
        assert_eq!(
            o.rows.len(),
            1,
            "an empty paste leaves one empty row to type in"
        );
    }

    #[test]
    fn pasting_over_an_example_starts_the_users_own_outcome() {
        let mut o = Example::Bcg.outcome();
        o.options.settings.tau2 = Tau2Estimator::PauleMandel;
        o.paste(&[], "A\t1\t10\t2\t10", PasteMode::Replace);
        assert_eq!(o.name, "My outcome");
        assert_eq!(o.options.arms, ReportOptions::default().arms);
        assert_eq!(o.options.favours, ReportOptions::default().favours);
        assert_eq!(
            o.options.settings.tau2,
            Tau2Estimator::PauleMandel,
            "settings stay"
        );
        o.options.arms[0] = "Aspirin".to_owned();
        o.paste(&[], "B\t1\t10\t2\t10", PasteMode::Replace);
        assert_eq!(o.options.arms[0], "Aspirin", "the user's own labels stay");
    }

    #[test]
    fn rows_are_edited_added_moved_and_deleted() {
        let mut o = Example::Bcg.outcome();
        o.set_cell(0, Column::ExperimentalEvents, "5".to_owned());
        assert_eq!(o.rows[0].e1, "5");
        o.move_row(0, false);
        assert_eq!(o.rows[1].study, "Aronson");
        o.move_row(0, true);
        assert_eq!(o.rows[1].study, "Aronson", "the first row cannot move up");
        o.add_row();
        assert_eq!(o.rows.len(), 14);
        for _ in 0..20 {
            o.delete_row(0);
        }
        assert_eq!(o.rows.len(), 1);
        o.set_cell(99, Column::Study, "nowhere".to_owned());
    }

    #[test]
    fn peto_goes_with_odds_ratios() {
        let mut o = Example::Bcg.outcome();
        o.set_method(Method::Peto);
        assert_eq!(o.options.settings.measure, Measure::OddsRatio);
        o.set_measure(Measure::RiskRatio);
        assert_eq!(o.options.settings.method, Method::InverseVariance);
    }

    #[test]
    fn revman5_preset() {
        let mut o = Example::Bcg.outcome();
        o.apply_revman5();
        let s = o.options.settings;
        assert_eq!(
            (s.method, s.tau2, s.convention),
            (
                Method::MantelHaenszel,
                Tau2Estimator::DerSimonianLaird,
                Convention::RevMan5
            )
        );
        assert_eq!(o.options.models, ModelView::Random);
    }

    #[test]
    fn outcomes_are_added_selected_and_removed() {
        let mut p = Project::default();
        p.add_outcome();
        assert_eq!((p.outcomes.len(), p.active), (2, 1));
        p.select(0);
        p.select(7);
        assert_eq!(p.active, 0);
        p.remove_outcome(0);
        p.remove_outcome(0);
        assert_eq!(p.outcomes.len(), 1);
        p.load_example(Example::Subgroups);
        assert_eq!(
            p.outcomes.len(),
            1,
            "an empty outcome gives way to the example"
        );
        p.active_mut().rows[0].study = "Typed by hand".to_owned();
        p.load_example(Example::Bcg);
        assert_eq!(
            p.outcomes.len(),
            2,
            "typed data is kept: the example opens beside it"
        );
        assert_eq!(p.active, 1);
        p.load_example(Example::Bcg);
        assert_eq!(
            p.outcomes.len(),
            2,
            "an example already open is shown, not added again"
        );
    }

    #[test]
    fn project_files_round_trip_and_damaged_ones_are_refused() {
        let mut p = Project::default();
        p.add_outcome();
        p.active_mut().rows[0].study = "<script>alert(1)</script>".to_owned();
        let back = Project::from_json(&p.to_json()).expect("round trip");
        assert_eq!(back, p);
        assert!(matches!(
            Project::from_json("{"),
            Err(ProjectError::Malformed(_))
        ));
        assert!(matches!(
            Project::from_json(r#"{"version": 99}"#),
            Err(ProjectError::NewerVersion(99))
        ));
        // A zero-cell increment outside its range is refused (it gave "NaN%").
        for bad in ["1e-300", "-0.5", "5"] {
            let text = p
                .to_json()
                .replace("\"increment\":0.5", &format!("\"increment\":{bad}"));
            assert!(text.contains(bad));
            assert!(
                matches!(
                    Project::from_json(&text),
                    Err(ProjectError::InvalidSetting(..))
                ),
                "{bad}"
            );
        }
        let empty = r#"{"version":1,"outcomes":[],"active":0}"#;
        assert_eq!(Project::from_json(empty), Err(ProjectError::NoOutcomes));
        let text = ProjectError::NewerVersion(2).to_string();
        assert!(text.contains("newer version"));
    }

    fn fleiss() -> Review {
        grove_core::parse::revman::read(include_bytes!("../tests/revman/Fleiss1993.rm5"))
            .expect("a review")
    }

    #[test]
    fn a_review_replaces_an_untouched_example_and_keeps_the_users_work() {
        let review = fleiss();
        let mut p = Project::default();
        assert_eq!(p.open_review(&review), 1);
        assert_eq!(p.outcomes.len(), 1, "the untouched example gave way");
        let o = p.active();
        assert_eq!(
            o.name,
            "1.1 Aspirin for Preventing Death after Myocardial Infarction"
        );
        assert_eq!(o.options.settings.convention, Convention::RevMan5);
        assert!(o.source.contains("Examples from Fleiss 1993"));
        assert_eq!(
            o.revman.as_ref().map(|r| r.comparison.as_str()),
            Some("1 Fleiss 1993")
                .filter(|_| false)
                .or(o.revman.as_ref().map(|r| r.comparison.as_str()))
        );

        let mut mine = Project::default();
        mine.active_mut().rows[0].e1 = "5".to_owned();
        mine.open_review(&review);
        assert_eq!(mine.outcomes.len(), 2, "typed data stays");
        assert_eq!(mine.active, 1);
        // Opening it twice adds it twice: nothing is replaced silently.
        mine.open_review(&review);
        assert_eq!(mine.outcomes.len(), 3);

        let nothing = Review {
            title: "x".into(),
            outcomes: Vec::new(),
            unsupported: Vec::new(),
            rob1: None,
        };
        let before = mine.clone();
        assert_eq!(mine.open_review(&nothing), 0);
        assert_eq!(mine, before);
    }

    #[test]
    fn outcomes_are_grouped_by_comparison_and_searched() {
        let mut p = Project::default();
        p.active_mut().rows[0].e1 = "5".to_owned();
        p.open_review(&fleiss());
        let groups = p.outcome_groups("");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].comparison, "");
        assert_eq!(groups[0].outcomes(), vec![0]);
        assert_eq!(groups[1].outcomes(), vec![1]);
        assert!(!groups[1].comparison.is_empty());
        assert_eq!(p.outcome_groups("ASPIRIN").len(), 1);
        assert_eq!(p.outcome_groups("tuberc")[0].outcomes(), vec![0]);
        assert!(p.outcome_groups("no such outcome").is_empty());
        // Outcomes Grove does not analyse are listed in their comparison, with why.
        p.open_review(&fleiss());
        assert_eq!(p.unsupported.len(), 2);
        let groups = p.outcome_groups("mental health");
        assert_eq!(groups.len(), 1);
        assert!(groups[0].outcomes().is_empty());
        let Entry::Unsupported(u) = groups[0].entries[0] else {
            panic!("an outcome not analysed");
        };
        assert!(p.unsupported[u].reason.starts_with("continuous outcome"));
        // In the review's order: 1.1 (analysed, opened twice), then 1.2 (not).
        let all = p.outcome_groups("");
        assert!(matches!(
            all[1].entries[..],
            [
                Entry::Outcome(_),
                Entry::Outcome(_),
                Entry::Unsupported(_),
                Entry::Unsupported(_)
            ]
        ));
    }

    #[test]
    fn review_outcomes_round_trip_and_old_files_still_open() {
        let mut p = Project::default();
        p.open_review(&fleiss());
        let back = Project::from_json(&p.to_json()).expect("round trip");
        assert_eq!(back, p);
        // Written before the convention setting existed: "mh": "RevMan5".
        let mut old = Project::default();
        old.active_mut().options.settings.convention = Convention::RevMan5;
        let text = old.to_json().replace("\"convention\"", "\"mh\"");
        assert!(text.contains("\"mh\":\"RevMan5\""));
        assert_eq!(Project::from_json(&text).expect("old file"), old);
        let raw = text.replace("\"RevMan5\"", "\"RawCounts\"");
        let opened = Project::from_json(&raw).expect("old file");
        assert_eq!(
            opened.active().options.settings.convention,
            Convention::Metafor
        );
    }

    #[test]
    fn a_block_pasted_into_a_cell_fills_the_cells_from_there() {
        let mut o = Example::Bcg.outcome();
        // A 2×4 block copied from Excel, pasted into row 12's experimental events.
        let block = "7\t70\t9\t71\r\n8\t80\t10\t81\r\n";
        assert!(o.paste_block(11, Column::ExperimentalEvents, block));
        assert_eq!(o.rows.len(), 13);
        let r = &o.rows[11];
        assert_eq!(
            (r.e1.as_str(), r.n1.as_str(), r.e2.as_str(), r.n2.as_str()),
            ("7", "70", "9", "71")
        );
        assert_eq!(
            o.rows[11].study, "Comstock & Webster",
            "cells left of the start stay"
        );
        assert_eq!(o.rows[12].e1, "8");
        // Past the last row, rows are added; past the last column, cells are left out.
        assert!(o.paste_block(12, Column::ControlTotal, "1\tA\tspare\n2\tB"));
        assert_eq!(o.rows.len(), 14);
        assert_eq!(
            (o.rows[12].n2.as_str(), o.rows[12].subgroup.as_str()),
            ("1", "A")
        );
        assert_eq!(o.rows[13].n2, "2");
        // One value is the cell's own.
        assert!(!o.paste_block(0, Column::Study, "Smith\n"));
    }

    /// A link carries what redoes the analysis, and opens as the same outcomes.
    #[test]
    fn a_project_goes_through_a_share_link_and_back() {
        let mut p = Project::default();
        p.add_outcome();
        p.open_review(&fleiss());
        let shared = p.to_shared(ShareScope::Project);
        let text = shared.to_text();
        let back = Project::from_shared(
            grove_core::share::Shared::from_text(&text).expect("a link's text"),
        );
        assert_eq!(back.outcomes.len(), p.outcomes.len());
        assert_eq!(back.active, p.active);
        for (a, b) in back.outcomes.iter().zip(&p.outcomes) {
            assert_eq!(
                (&a.name, &a.rows, &a.options),
                (&b.name, &b.rows, &b.options)
            );
            assert!(a.revman.is_none());
        }
        let one = p.to_shared(ShareScope::Outcome);
        assert_eq!(one.outcomes.len(), 1);
        assert_eq!(one.outcomes[0].name, p.active().name);
        // Kept as a copy, the link's outcomes join the visitor's own work.
        let mut mine = Project::default();
        mine.outcomes[0].rows[0].study = "Mine".to_owned();
        let added = mine.add_opened(Project::from_shared(one));
        assert_eq!((added, mine.outcomes.len()), (1, 2));
        assert_eq!(mine.active, 1);
    }

    #[test]
    fn a_share_link_carries_the_reviewers_judgements() {
        let mut p = Project::default();
        p.paste(
            &[],
            "Study\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
             Aronson 1948\t4\t123\t11\t139\tLow\tLow\tSome concerns\tLow\tLow\tSome concerns\n\
             Ferguson 1949\t6\t306\t29\t303\t+\t?\tunclear\t\t\t-",
            PasteMode::Replace,
        );
        p.set_grade(0, 2, Some(Concern::Serious));
        p.set_grade_reason(0, 2, "Adults\tonly".to_owned());
        p.set_grade_reason(0, 4, "Funnel asymmetric".to_owned());
        p.set_threshold(0, 1, "1,5".to_owned());
        p.active_mut().control_risk = "40".to_owned();
        // A study of no outcome carried is left out.
        p.rob.set(
            "Elsewhere".to_owned(),
            rob::Cells::default().map(|_| "Low".to_owned()),
        );
        let text = p.to_shared(ShareScope::Project).to_text();
        assert!(text.starts_with("grove\t3\n"), "{text}");
        assert!(!text.contains("Elsewhere"));
        let back = Project::from_shared(
            grove_core::share::Shared::from_text(&text).expect("a link's text"),
        );
        let (a, b) = (&back.outcomes[0], &p.outcomes[0]);
        assert_eq!(
            (&a.grade, &a.grade_reasons, &a.thresholds, &a.control_risk),
            (&b.grade, &b.grade_reasons, &b.thresholds, &b.control_risk)
        );
        assert_eq!(back.assessments(), p.assessments());
        assert_eq!(
            back.rob.get("Ferguson 1949").expect("kept")[2],
            "unclear",
            "as typed"
        );
        assert_eq!(back.rob.len(), 2);
        // Nothing judged: the oldest version that carries the rest.
        let plain = Project::default().to_shared(ShareScope::Project).to_text();
        assert!(plain.starts_with("grove\t1\n"), "{plain}");
    }
}
