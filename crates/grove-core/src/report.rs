//! From the rows a user typed to everything shown about them: which rows are analysed and
//! what is wrong with the others, the analysis, the headline numbers on the natural scale,
//! the sentence for an abstract, the forest plot's content and a CSV export.
//!
//! The page and the command line both present a [`Report`]; neither computes anything of
//! its own.

use crate::analysis::{Analysis, analyze};
use crate::effect::EffectSize;
use crate::forest::{Estimate, FooterLine, ForestSpec, PooledRow, Section, StudyRow};
use crate::format;
use crate::parse::{Column, Diagnostic, Evidence, RawRow};
use crate::rma::{Fit, Model, Undefined};
use crate::settings::{CiMethod, Convention, Measure, Method, Settings, Tau2Estimator};
use crate::table::Study;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Which pooled results are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ModelView {
    /// The common-effect (fixed-effect) result only.
    Common,
    /// The random-effects result only.
    #[default]
    Random,
    /// Both.
    Both,
}

impl ModelView {
    /// Every choice, in the order offered.
    pub const ALL: [ModelView; 3] = [ModelView::Common, ModelView::Random, ModelView::Both];

    /// Short stable code (`"common"`, `"random"`, `"both"`).
    pub fn code(self) -> &'static str {
        match self {
            ModelView::Common => "common",
            ModelView::Random => "random",
            ModelView::Both => "both",
        }
    }

    /// The choice with this code, if any.
    pub fn from_code(code: &str) -> Option<ModelView> {
        ModelView::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The model whose result is the headline: random effects unless only the common
    /// effect is shown.
    pub fn primary(self) -> Model {
        match self {
            ModelView::Common => Model::Common,
            ModelView::Random | ModelView::Both => Model::Random,
        }
    }

    /// The models shown, in display order.
    pub fn models(self) -> &'static [Model] {
        match self {
            ModelView::Common => &[Model::Common],
            ModelView::Random => &[Model::Random],
            ModelView::Both => &[Model::Common, Model::Random],
        }
    }
}

/// Settings and labels of one outcome's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportOptions {
    /// Measure, method, estimators, corrections.
    pub settings: Settings,
    /// Which pooled results are shown.
    pub models: ModelView,
    /// Whether the prediction interval is shown (random effects only).
    pub prediction: bool,
    /// Names of the experimental and control arms.
    pub arms: [String; 2],
    /// "Favours …" labels left and right of the line of no effect.
    pub favours: [String; 2],
    /// Which pooled results are shown (RevMan's "totals"); project files written
    /// before this option existed show the overall result.
    #[serde(default)]
    pub totals: Totals,
}

impl Totals {
    /// Every choice, in the order offered.
    pub const ALL: [Totals; 3] = [Totals::Overall, Totals::SubtotalsOnly, Totals::None];

    /// Short stable code.
    pub fn code(self) -> &'static str {
        match self {
            Totals::Overall => "overall",
            Totals::SubtotalsOnly => "subtotals",
            Totals::None => "none",
        }
    }

    /// The choice with this code, if any.
    pub fn from_code(code: &str) -> Option<Totals> {
        Totals::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Name shown where it is chosen.
    pub fn label(self) -> &'static str {
        match self {
            Totals::Overall => "Overall and subtotals",
            Totals::SubtotalsOnly => "Subtotals only",
            Totals::None => "No pooled result",
        }
    }

    /// What it means.
    pub fn explanation(self) -> &'static str {
        match self {
            Totals::Overall => {
                "The overall result, with subtotals when there are subgroups; weights are shares of the overall analysis."
            }
            Totals::SubtotalsOnly => {
                "Each subgroup pooled on its own, with no overall result (RevMan's \"subtotals only\"), for subgroups that should not be combined; weights are shares of each subgroup."
            }
            Totals::None => "The studies alone, without any pooled result or weights.",
        }
    }
}

impl crate::settings::Choice for ModelView {
    const CHOICES: &'static [Self] = &ModelView::ALL;
    fn code(self) -> &'static str {
        ModelView::code(self)
    }
    /// Which models are shown is Grove's choice; metafor fits what it is asked to.
    fn metafor(self) -> Option<&'static str> {
        None
    }
    fn label(self) -> &'static str {
        match self {
            ModelView::Common => "Common effect",
            ModelView::Random => "Random effects",
            ModelView::Both => "Both",
        }
    }
    fn explanation(self) -> &'static str {
        match self {
            ModelView::Common => "Assumes every trial estimates one and the same true effect.",
            ModelView::Random => {
                "Lets the true effect differ between trials; tau² is the variance of those \
                 true effects."
            }
            ModelView::Both => {
                "Shows the common-effect and the random-effects results together; the \
                 random-effects one is the headline."
            }
        }
    }
}

impl crate::settings::Choice for Totals {
    const CHOICES: &'static [Self] = &Totals::ALL;
    fn code(self) -> &'static str {
        Totals::code(self)
    }
    /// RevMan's display option; metafor has none.
    fn metafor(self) -> Option<&'static str> {
        None
    }
    fn label(self) -> &'static str {
        Totals::label(self)
    }
    fn explanation(self) -> &'static str {
        Totals::explanation(self)
    }
}

/// Which pooled results an outcome shows (RevMan's `TOTALS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Totals {
    /// The overall result, and subtotals when there are subgroups. Study weights are
    /// percentages of the overall analysis.
    #[default]
    Overall,
    /// Subtotals only: each subgroup is pooled on its own and study weights are
    /// percentages of their subgroup; no overall result is shown.
    SubtotalsOnly,
    /// No pooled result at all: the studies alone, without weights.
    None,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            settings: Settings::default(),
            models: ModelView::Random,
            prediction: true,
            arms: ["Experimental".to_owned(), "Control".to_owned()],
            favours: [
                "Favours experimental".to_owned(),
                "Favours control".to_owned(),
            ],
            totals: Totals::Overall,
        }
    }
}

/// What is said of heterogeneity when one trial is pooled (metafor and RevMan 5 fit it
/// with tau² = 0, and RevMan prints "Not applicable").
pub const ONE_STUDY_HETEROGENEITY: &str = "One trial: tau² is 0, because a single trial \
     says nothing about how true effects vary between trials; Chi², I² and H² are not \
     applicable.";

/// The headline numbers, on the natural scale (RR, not log RR), at full precision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Headline {
    /// Which model.
    pub model: Model,
    /// Pooled estimate.
    pub estimate: f64,
    /// Lower 95% limit.
    pub ci_lower: f64,
    /// Upper 95% limit.
    pub ci_upper: f64,
    /// P value of the test for the overall effect.
    pub p: f64,
    /// I² in percent.
    pub i2: f64,
    /// tau² (0 for the common-effect model).
    pub tau2: f64,
    /// Studies pooled.
    pub k: usize,
    /// Valid trials the user switched off ([`Report::set_aside`]).
    pub set_aside: usize,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// 1-based row number in the table.
    pub row: usize,
    /// The row's label.
    pub label: String,
    /// Why.
    pub reason: String,
}

/// A valid row the user switched off ([`RawRow::excluded`]): shown, greyed, with its own
/// effect, and not pooled.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    /// Table row (0-based).
    pub row: usize,
    /// The study as validated.
    pub study: Study,
    /// Its effect as it would be on its own: the settings' zero-cell correction applied
    /// to this study alone (`analysis::analyze` of the one study).
    pub effect: Result<EffectSize, crate::effect::NotEstimable>,
}

/// Everything derived from one outcome's rows and options.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The options used.
    pub options: ReportOptions,
    /// Per row of the table: the study, or its problems. Blank rows are `None`.
    pub rows: Vec<Option<Result<Study, Vec<Diagnostic>>>>,
    /// Table row (0-based) of each analysed study.
    pub row_of_study: Vec<usize>,
    /// The analysed studies, in table order.
    pub studies: Vec<Study>,
    /// The analysis of `studies`.
    pub analysis: Analysis,
    /// Valid rows the user switched off, in table order.
    pub set_aside: Vec<SetAside>,
    /// The study cell of every row as typed, to name rows left out.
    typed_names: Vec<String>,
    /// For each analysed study, its subgroup and its position in it (so that looking up
    /// a study's subgroup weight stays constant-time with one subgroup per study).
    subgroup_of: Vec<Option<(usize, usize)>>,
}

impl Report {
    /// Validates `rows` (blank rows are skipped, rows with problems are left out, valid
    /// rows the user switched off are set aside) and analyses the rest. Counts such as `10.000` are read by the convention the whole
    /// table shows ([`Evidence::detect`]).
    pub fn new(rows: &[RawRow], options: &ReportOptions) -> Report {
        let evidence = Evidence::detect(rows);
        let mut checked = Vec::with_capacity(rows.len());
        let mut studies = Vec::with_capacity(rows.len());
        let mut row_of_study = Vec::with_capacity(rows.len());
        let mut set_aside = Vec::new();
        for (i, raw) in rows.iter().enumerate() {
            if raw.is_blank() {
                checked.push(None);
                continue;
            }
            let result = raw.validate_with(i + 1, i + 1, evidence);
            match &result {
                Ok(study) if raw.excluded => set_aside.push(SetAside {
                    row: i,
                    study: study.clone(),
                    effect: analyze(std::slice::from_ref(study), &options.settings)
                        .studies
                        .swap_remove(0)
                        .effect,
                }),
                Ok(study) => {
                    studies.push(study.clone());
                    row_of_study.push(i);
                }
                Err(_) => {}
            }
            checked.push(Some(result));
        }
        let analysis = analyze(&studies, &options.settings);
        let mut subgroup_of = vec![None; studies.len()];
        if let Some(groups) = &analysis.subgroups {
            for (g, group) in groups.groups.iter().enumerate() {
                for (position, &s) in group.studies.iter().enumerate() {
                    subgroup_of[s] = Some((g, position));
                }
            }
        }
        Report {
            options: options.clone(),
            rows: checked,
            row_of_study,
            studies,
            analysis,
            set_aside,
            typed_names: rows.iter().map(|r| r.study.trim().to_owned()).collect(),
            subgroup_of,
        }
    }

    /// The report of studies already read, all analysed (no rows, none set aside): how a
    /// subgroup's own analysis is retraced for its explanations.
    pub(crate) fn of_studies(studies: Vec<Study>, options: &ReportOptions) -> Report {
        let analysis = analyze(&studies, &options.settings);
        Report {
            options: options.clone(),
            rows: Vec::new(),
            row_of_study: (0..studies.len()).collect(),
            typed_names: Vec::new(),
            subgroup_of: vec![None; studies.len()],
            studies,
            analysis,
            set_aside: Vec::new(),
        }
    }

    /// Every problem with the rows, in table order.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.rows
            .iter()
            .filter_map(|r| r.as_ref().and_then(|r| r.as_ref().err()))
            .flatten()
    }

    /// The first problem with one cell, if any.
    pub fn cell_problem(&self, row: usize, column: Column) -> Option<&Diagnostic> {
        let problems = self.rows.get(row)?.as_ref()?.as_ref().err()?;
        problems.iter().find(|d| d.column == Some(column))
    }

    /// Whether table row `row` (0-based) has problems and is left out.
    pub fn row_has_problems(&self, row: usize) -> bool {
        matches!(self.rows.get(row), Some(Some(Err(_))))
    }

    /// Rows left out of the analysis: those with problems and those whose effect cannot
    /// be estimated. Rows the user switched off are not listed: the table and the plot
    /// show them greyed, and the headline counts them ([`Report::set_aside_note`]).
    pub fn exclusions(&self) -> Vec<Exclusion> {
        let mut out = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if let Some(Err(problems)) = row {
                let typed = self.typed_names.get(i).filter(|n| !n.is_empty());
                out.push(Exclusion {
                    row: i + 1,
                    label: typed.cloned().unwrap_or_else(|| format!("Row {}", i + 1)),
                    reason: format!(
                        "left out: {} problem{} in its cells",
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" }
                    ),
                });
            }
        }
        for (s, result) in self.analysis.studies.iter().enumerate() {
            if let Err(why) = &result.effect {
                let row = self.row_of_study.get(s).copied().unwrap_or(s);
                out.push(Exclusion {
                    row: row + 1,
                    label: self.label(s),
                    reason: format!("not estimable: {why}"),
                });
            }
        }
        crate::sort::by_key(&mut out, |e| e.row);
        out
    }

    /// The fit of `model` over all analysed studies.
    pub fn fit(&self, model: Model) -> &Result<Fit, Undefined> {
        match model {
            Model::Common => &self.analysis.common,
            Model::Random => &self.analysis.random,
        }
    }

    /// The overall result as shown: the fit of `model`, unless the outcome shows no
    /// overall result ([`Totals`]).
    ///
    /// # Errors
    /// [`Undefined::NotShown`]; [`Undefined::OutOfRange`] when the pooled ratio has no
    /// floating-point value; or why the fit does not exist.
    pub fn overall(&self, model: Model) -> Result<&Fit, Undefined> {
        let fit = match self.options.totals {
            Totals::Overall => self.fit(model).as_ref().map_err(Clone::clone)?,
            Totals::SubtotalsOnly | Totals::None => return Err(Undefined::NotShown),
        };
        if self
            .options
            .settings
            .measure
            .to_natural(fit.pooled.estimate)
            .is_finite()
        {
            Ok(fit)
        } else {
            Err(Undefined::OutOfRange {
                log: fit.pooled.estimate,
            })
        }
    }

    /// Analysed study `s`'s weight under `model` as shown, percent: of the overall
    /// analysis, of its subgroup when only subtotals are shown, none without pooling.
    pub fn study_weight(&self, s: usize, model: Model) -> Option<f64> {
        match self.options.totals {
            Totals::Overall => {
                let r = self.analysis.studies.get(s)?;
                match model {
                    Model::Common => r.weight_common,
                    Model::Random => r.weight_random,
                }
            }
            Totals::SubtotalsOnly => {
                let (g, i) = (*self.subgroup_of.get(s)?)?;
                let group = self.analysis.subgroups.as_ref()?.groups.get(g)?;
                match model {
                    Model::Common => group.weights_common.get(i).copied().flatten(),
                    Model::Random => group.weights_random.get(i).copied().flatten(),
                }
            }
            Totals::None => None,
        }
    }

    /// The headline result: random effects unless only the common effect is shown.
    pub fn headline(&self) -> Result<Headline, Undefined> {
        let model = self.options.models.primary();
        let fit = self.overall(model)?;
        let m = self.options.settings.measure;
        Ok(Headline {
            model,
            estimate: natural(m, fit.pooled.estimate),
            ci_lower: natural(m, fit.pooled.ci.lower),
            ci_upper: natural(m, fit.pooled.ci.upper),
            p: fit.pooled.p,
            i2: fit.heterogeneity.i2,
            tau2: if model == Model::Random {
                fit.heterogeneity.tau2
            } else {
                0.0
            },
            k: fit.pooled.k,
            set_aside: self.set_aside.len(),
        })
    }

    /// Participants in the studies that contribute to the pooled result.
    ///
    /// Summed as `u128`: counts are `u64`, and their sum can exceed `u64::MAX` (1,024
    /// trials with 2^53 per arm, the largest count read, have 2^64 participants).
    pub fn participants(&self) -> u128 {
        self.analysis
            .studies
            .iter()
            .zip(&self.studies)
            .filter(|(r, _)| r.effect.is_ok())
            .map(|(_, s)| u128::from(s.table.n1()) + u128::from(s.table.n2()))
            .sum()
    }

    /// One line for an abstract: "RR 0.49 (95% CI 0.34 to 0.70; 13 trials, 357,347
    /// participants; I² = 92%)".
    pub fn sentence(&self) -> Result<String, Undefined> {
        let h = self.headline()?;
        let trials = if h.k == 1 { "trial" } else { "trials" };
        let mut s = format!(
            "{} {} (95% CI {} to {}; {} {trials}, {} participants",
            abbreviation(self.options.settings.measure),
            format::effect(h.estimate),
            format::effect(h.ci_lower),
            format::effect(h.ci_upper),
            h.k,
            format::count(self.participants()),
        );
        if h.k > 1 {
            let _ = write!(s, "; I² = {}", format::whole_percent(h.i2));
        }
        if !self.set_aside.is_empty() {
            let _ = write!(s, "; excluding {}", self.set_aside_names());
        }
        s.push(')');
        Ok(s)
    }

    /// A P value as this outcome's conventions write it: RevMan 5's style in RevMan mode
    /// ([`format::PStyle::RevMan`]), two significant figures otherwise. Every P value
    /// of one outcome (plot, tables, sentence) is written this way.
    pub fn p_text(&self, p: f64) -> String {
        format::p_value_in(self.p_style(), p)
    }

    /// The P-value style of this outcome's conventions.
    pub fn p_style(&self) -> format::PStyle {
        match self.options.settings.convention {
            Convention::Metafor => format::PStyle::Significant,
            Convention::RevMan5 => format::PStyle::RevMan,
        }
    }

    /// "IV, Random, 95% CI", the second line of the effect column's header; the tau²
    /// estimator is named when it is not DerSimonian-Laird ("IV, Random (REML), 95% CI").
    pub fn method_label(&self) -> String {
        let s = &self.options.settings;
        let method = match s.method {
            Method::InverseVariance => "IV",
            Method::MantelHaenszel => "M-H",
            Method::Peto => "Peto",
        };
        let estimator = match self.options.settings.tau2 {
            Tau2Estimator::DerSimonianLaird => String::new(),
            other => format!(" ({})", other.code()),
        };
        let model = match self.options.models {
            ModelView::Common => ", Common".to_owned(),
            ModelView::Random => format!(", Random{estimator}"),
            ModelView::Both => String::new(),
        };
        format!("{method}{model}, 95% CI")
    }

    /// What the forest plot shows.
    pub fn forest(&self) -> ForestSpec {
        let o = &self.options;
        let models = o.models.models();
        let weight_headers = if models.len() == 1 {
            vec!["Weight".to_owned()]
        } else {
            vec!["Weight (common)".to_owned(), "Weight (random)".to_owned()]
        };
        let groups = self.subgroup_sections();
        let all: Vec<usize> = (0..self.studies.len()).collect();
        let shows_overall = o.totals == Totals::Overall;
        let (sections, overall, overall_events) = match groups {
            Some(sections) if shows_overall => (
                sections,
                self.pooled_rows(None, "Total"),
                self.section(None, &all).total_events,
            ),
            Some(sections) => (sections, Vec::new(), None),
            None => {
                let mut section = self.section(None, &all);
                if shows_overall {
                    section.pooled = self.pooled_rows(None, "Total");
                }
                (vec![section], Vec::new(), None)
            }
        };
        let mut footer = Vec::new();
        let overall_fit = |model| self.overall(model).cloned();
        let primary = o.models.primary();
        let line = |text: String, explain: String| FooterLine { text, explain };
        footer.extend(
            self.heterogeneity_line(&overall_fit(primary))
                .map(|t| line(t, crate::explain::heterogeneity_keys(self, primary))),
        );
        for &model in models {
            footer.extend(
                self.overall_effect_line(&overall_fit(model), model, models.len() > 1)
                    .map(|t| line(t, crate::explain::overall_test_keys(self, model))),
            );
        }
        if o.totals != Totals::None
            && let Some(text) = self.subgroup_test_line()
        {
            footer.push(line(text, crate::explain::subgroup_test_keys(primary)));
        }
        let prediction = (o.prediction && shows_overall && models.contains(&Model::Random))
            .then(|| self.prediction());
        ForestSpec {
            measure: o.settings.measure,
            method_label: self.method_label(),
            label_header: crate::forest::STUDY_HEADER.to_owned(),
            arms: o.arms.clone(),
            favours: o.favours.clone(),
            weight_headers,
            sections,
            overall,
            overall_events,
            prediction_explain: match &prediction {
                Some(Ok(_)) => crate::explain::PREDICTION_KEYS.to_owned(),
                _ => String::new(),
            },
            prediction,
            footer,
            set_aside: self.set_aside_note(),
            description: self.description(),
            risk_of_bias: false,
        }
    }

    /// Per-study and pooled results as CSV (RFC 4180), natural scale plus the analysis
    /// scale (`yi`, `vi`).
    pub fn csv(&self) -> String {
        let m = self.options.settings.measure;
        // A byte-order mark, so that Excel reads the file as UTF-8 ("I²", names).
        let mut out = String::from('\u{feff}');
        out.push_str("Study,Year,Subgroup,Experimental events,Experimental total,Control events,Control total,");
        let _ = writeln!(
            out,
            "{0},{0} lower 95%,{0} upper 95%,yi,vi,Weight common (%),Weight random (%),Note",
            abbreviation(m)
        );
        // Analysed and set-aside studies, in table order.
        let mut order: Vec<(usize, Option<usize>, Option<&SetAside>)> = (0..self.studies.len())
            .map(|i| (self.row_of_study[i], Some(i), None))
            .chain(self.set_aside.iter().map(|a| (a.row, None, Some(a))))
            .collect();
        crate::sort::by_key(&mut order, |(row, _, _)| *row);
        for (_, analysed, aside) in order {
            let (study, effect, weights, note) = match (analysed, aside) {
                (Some(i), _) => (
                    &self.studies[i],
                    &self.analysis.studies[i].effect,
                    [
                        self.study_weight(i, Model::Common),
                        self.study_weight(i, Model::Random),
                    ],
                    "",
                ),
                (None, Some(a)) => (&a.study, &a.effect, [None, None], "excluded by you"),
                (None, None) => continue,
            };
            let t = &study.table;
            let cells = [
                csv_text(&study.name),
                study.year.map(|y| y.to_string()).unwrap_or_default(),
                csv_text(study.subgroup.as_deref().unwrap_or("")),
                t.ai().to_string(),
                t.n1().to_string(),
                t.ci().to_string(),
                t.n2().to_string(),
            ];
            out.push_str(&cells.join(","));
            match effect {
                Ok(e) => {
                    let ci = e.ci(0.95);
                    let _ = write!(
                        out,
                        ",{},{},{},{},{},{},{},{note}",
                        csv_num(natural(m, e.yi)),
                        csv_num(natural(m, ci.lower)),
                        csv_num(natural(m, ci.upper)),
                        csv_num(e.yi),
                        csv_num(e.vi),
                        weights[0].map(csv_num).unwrap_or_default(),
                        weights[1].map(csv_num).unwrap_or_default(),
                    );
                }
                Err(why) => {
                    let why = format!("not estimable: {why}");
                    let _ = write!(
                        out,
                        ",,,,,,,,{}",
                        csv_text(&if note.is_empty() {
                            why
                        } else {
                            format!("{note}; {why}")
                        })
                    );
                }
            }
            out.push('\n');
        }
        out.push('\n');
        out.push_str("Model,Estimate,Lower 95%,Upper 95%,z or t,P,Q,df,P (Q),I2 (%),tau2,Prediction lower,Prediction upper\n");
        for model in [Model::Common, Model::Random] {
            match self.overall(model) {
                Ok(f) => {
                    let (pl, pu) = match f.prediction.as_ref().and_then(|p| p.t) {
                        Some(pi) => (csv_num(natural(m, pi.lower)), csv_num(natural(m, pi.upper))),
                        None => (String::new(), String::new()),
                    };
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{},{},{},{pl},{pu}",
                        model_name(model),
                        csv_num(natural(m, f.pooled.estimate)),
                        csv_num(natural(m, f.pooled.ci.lower)),
                        csv_num(natural(m, f.pooled.ci.upper)),
                        csv_num(f.pooled.stat),
                        csv_p(f.pooled.p),
                        csv_num(f.heterogeneity.q),
                        f.heterogeneity.df,
                        csv_p(f.heterogeneity.q_p),
                        csv_num(f.heterogeneity.i2),
                        csv_num(f.heterogeneity.tau2),
                    );
                }
                Err(why) => {
                    let _ = writeln!(
                        out,
                        "{},{}",
                        model_name(model),
                        csv_text(&format!("not estimable: {why}"))
                    );
                }
            }
        }
        out
    }

    /// Analysed study `s`'s estimate and CI on the natural scale, or why it has none
    /// there ("Not estimable", or a ratio too large to be a number).
    pub fn study_effect(&self, s: usize) -> Result<Estimate, String> {
        let m = self.options.settings.measure;
        match self.analysis.studies.get(s).map(|r| &r.effect) {
            Some(Ok(e)) => study_estimate(m, e),
            _ => Err("Not estimable".to_owned()),
        }
    }

    /// The label of analysed study `s`: name and year.
    pub fn label(&self, s: usize) -> String {
        self.studies.get(s).map(study_label).unwrap_or_default()
    }

    /// How many valid trials the user switched off, and their labels: "2 trials
    /// excluded by you (Rosenthal 1960, Comstock 1974)"; `None` when there are none.
    pub fn set_aside_note(&self) -> Option<String> {
        let n = self.set_aside.len();
        (n > 0).then(|| {
            format!(
                "{n} {} excluded by you ({})",
                if n == 1 { "trial" } else { "trials" },
                self.set_aside_names()
            )
        })
    }

    fn study_row(&self, s: usize) -> StudyRow {
        let study = &self.studies[s];
        let models = self.options.models.models();
        let weight = |model: Model| self.study_weight(s, model);
        let weights: Vec<Option<f64>> = models.iter().map(|&m| weight(m)).collect();
        StudyRow {
            label: self.label(s),
            events: [study.table.ai(), study.table.ci()],
            totals: [study.table.n1(), study.table.n2()],
            marker_weight: weight(self.options.models.primary()),
            weights,
            effect: self.study_effect(s),
            excluded: false,
            row: self.row_of_study[s],
            explain: crate::explain::study_keys(self, s),
            rob: None,
        }
    }

    /// The labels of the trials switched off, in table order, separated by commas.
    fn set_aside_names(&self) -> String {
        let names: Vec<String> = self
            .set_aside
            .iter()
            .map(|a| study_label(&a.study))
            .collect();
        names.join(", ")
    }

    /// A set-aside study's row: greyed, no weight.
    fn set_aside_row(&self, a: &SetAside) -> StudyRow {
        let m = self.options.settings.measure;
        StudyRow {
            label: study_label(&a.study),
            events: [a.study.table.ai(), a.study.table.ci()],
            totals: [a.study.table.n1(), a.study.table.n2()],
            weights: vec![None; self.options.models.models().len()],
            marker_weight: None,
            effect: match &a.effect {
                Ok(e) => study_estimate(m, e),
                Err(_) => Err("Not estimable".to_owned()),
            },
            excluded: true,
            row: a.row,
            explain: String::new(),
            rob: None,
        }
    }

    /// The section of `members` (analysed studies) with the set-aside studies of the same
    /// subgroup (all of them when `heading` is `None`), in table order.
    fn section(&self, heading: Option<String>, members: &[usize]) -> Section {
        let mut rows: Vec<(usize, StudyRow)> = members
            .iter()
            .map(|&s| (self.row_of_study[s], self.study_row(s)))
            .collect();
        let aside = self.set_aside.iter().filter(|a| match &heading {
            None => true,
            Some(h) => a.study.subgroup.as_deref().unwrap_or_default() == h,
        });
        let before = rows.len();
        rows.extend(aside.map(|a| (a.row, self.set_aside_row(a))));
        if rows.len() > before {
            crate::sort::by_key(&mut rows, |(row, _)| *row);
        }
        let studies: Vec<StudyRow> = rows.into_iter().map(|(_, r)| r).collect();
        // As `u128`, like [`Report::participants`]: the sum can exceed `u64::MAX`.
        let events = members.iter().fold([0_u128; 2], |[a, b], &s| {
            let t = &self.studies[s].table;
            [a + u128::from(t.ai()), b + u128::from(t.ci())]
        });
        Section {
            heading,
            studies,
            pooled: Vec::new(),
            total_events: (!members.is_empty()).then_some(events),
            notes: Vec::new(),
        }
    }

    /// Participants per arm of `members`, as `u128` (see [`Report::participants`]).
    fn totals(&self, members: &[usize]) -> [u128; 2] {
        members.iter().fold([0, 0], |[a, b], &s| {
            let t = &self.studies[s].table;
            [a + u128::from(t.n1()), b + u128::from(t.n2())]
        })
    }

    /// The pooled rows for the whole analysis (`group = None`) or one subgroup.
    fn pooled_rows(&self, group: Option<usize>, total: &str) -> Vec<PooledRow> {
        let models = self.options.models.models();
        let members: Vec<usize> = match group {
            None => (0..self.studies.len()).collect(),
            Some(g) => self
                .analysis
                .subgroups
                .as_ref()
                .and_then(|s| s.groups.get(g))
                .map(|g| g.studies.clone())
                .unwrap_or_default(),
        };
        let m = self.options.settings.measure;
        models
            .iter()
            .enumerate()
            .map(|(i, &model)| {
                let fit = match group {
                    None => self.overall(model).cloned(),
                    Some(g) => self
                        .analysis
                        .subgroups
                        .as_ref()
                        .and_then(|s| s.groups.get(g))
                        .map(|g| match model {
                            Model::Common => g.common.clone(),
                            Model::Random => g.random.clone(),
                        })
                        .unwrap_or(Err(Undefined::NoStudies)),
                };
                let label = if models.len() == 1 {
                    format!("{total} (95% CI)")
                } else {
                    format!("{total}, {} (95% CI)", model_name(model))
                };
                let weights = models
                    .iter()
                    .map(|&w| (w == model).then(|| self.weight_share(&members, model)))
                    .collect();
                PooledRow {
                    label,
                    totals: (i == 0).then(|| self.totals(&members)),
                    weights,
                    effect: fit
                        .as_ref()
                        .map(|f| Estimate {
                            value: natural(m, f.pooled.estimate),
                            lower: natural(m, f.pooled.ci.lower),
                            upper: natural(m, f.pooled.ci.upper),
                        })
                        .map_err(|_| "Not estimable".to_owned()),
                    explain: match group {
                        None => crate::explain::pooled_keys(model),
                        Some(g) => crate::explain::prefixed(
                            &crate::explain::subgroup_prefix(g),
                            &crate::explain::pooled_keys(model),
                        ),
                    },
                }
            })
            .collect()
    }

    /// Total weight (percent, as shown) of `members` under `model`.
    fn weight_share(&self, members: &[usize], model: Model) -> f64 {
        members
            .iter()
            .filter_map(|&s| self.study_weight(s, model))
            .sum()
    }

    fn subgroup_sections(&self) -> Option<Vec<Section>> {
        let subgroups = self.analysis.subgroups.as_ref()?;
        let primary = self.options.models.primary();
        Some(
            subgroups
                .groups
                .iter()
                .enumerate()
                .map(|(g, group)| {
                    let mut section = self.section(Some(group.name.clone()), &group.studies);
                    if self.options.totals == Totals::None {
                        return section;
                    }
                    section.pooled = self.pooled_rows(Some(g), "Subtotal");
                    let fit = match primary {
                        Model::Common => &group.common,
                        Model::Random => &group.random,
                    };
                    // Its lines name the explanations of the subgroup's own results.
                    let prefix = crate::explain::subgroup_prefix(g);
                    let keys = |keys: String| crate::explain::prefixed(&prefix, &keys);
                    let line = |text: String, explain: String| FooterLine { text, explain };
                    section.notes.extend(self.heterogeneity_line(fit).map(|t| {
                        line(
                            t,
                            keys(crate::explain::heterogeneity_keys_of(
                                fit.as_ref().ok(),
                                primary,
                            )),
                        )
                    }));
                    section
                        .notes
                        .extend(self.overall_effect_line(fit, primary, false).map(|t| {
                            line(
                                t,
                                keys(crate::explain::overall_test_keys_of(
                                    fit.as_ref().ok(),
                                    primary,
                                )),
                            )
                        }));
                    section
                })
                .chain(self.set_aside_only_subgroups(&subgroups.groups))
                .collect(),
        )
    }

    /// Sections of subgroups whose every valid study was switched off: their studies
    /// are shown, greyed, with nothing pooled.
    fn set_aside_only_subgroups(&self, groups: &[crate::subgroup::SubgroupResult]) -> Vec<Section> {
        let mut names: Vec<&str> = Vec::new();
        for a in &self.set_aside {
            let name = a.study.subgroup.as_deref().unwrap_or_default();
            if !groups.iter().any(|g| g.name == name) && !names.contains(&name) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .map(|name| self.section(Some(name.to_owned()), &[]))
            .collect()
    }

    fn heterogeneity_line(&self, fit: &Result<Fit, Undefined>) -> Option<String> {
        let f = fit.as_ref().ok()?;
        let h = &f.heterogeneity;
        if f.pooled.k < 2 {
            return Some("Heterogeneity: not applicable (one study)".to_owned());
        }
        let tau = if self.options.models.models().contains(&Model::Random) {
            match self.fit(Model::Random) {
                Ok(_) if f.model == Model::Random => format!("Tau² = {}; ", format::tau2(h.tau2)),
                _ => String::new(),
            }
        } else {
            String::new()
        };
        Some(format!(
            "Heterogeneity: {tau}Chi² = {}, df = {} ({}); I² = {}",
            format::stat(h.q),
            h.df,
            self.p_text(h.q_p),
            format::whole_percent(h.i2)
        ))
    }

    fn overall_effect_line(
        &self,
        fit: &Result<Fit, Undefined>,
        model: Model,
        name: bool,
    ) -> Option<String> {
        let f = fit.as_ref().ok()?;
        let which = if name {
            format!(" ({})", model_name(model).to_ascii_lowercase())
        } else {
            String::new()
        };
        let stat = match f.pooled.df {
            Some(df) => format!("t = {}, df = {}", format::stat(f.pooled.stat.abs()), df),
            None => format!("Z = {}", format::stat(f.pooled.stat.abs())),
        };
        Some(format!(
            "Test for overall effect{which}: {stat} ({})",
            self.p_text(f.pooled.p)
        ))
    }

    fn subgroup_test_line(&self) -> Option<String> {
        let subgroups = self.analysis.subgroups.as_ref()?;
        let test = match self.options.models.primary() {
            Model::Common => &subgroups.test_common,
            Model::Random => &subgroups.test_random,
        };
        Some(match test {
            Ok(t) => format!(
                "Test for subgroup differences: Chi² = {}, df = {} ({}), I² = {}",
                format::stat(t.q),
                t.df,
                self.p_text(t.p),
                format::percent(t.i2)
            ),
            Err(why) => format!("Test for subgroup differences: not available ({why})"),
        })
    }

    fn prediction(&self) -> Result<Estimate, String> {
        let m = self.options.settings.measure;
        let fit = self
            .overall(Model::Random)
            .map_err(|_| "Not estimable".to_owned())?;
        let pi = fit
            .prediction
            .as_ref()
            .and_then(|p| p.t)
            .ok_or_else(|| "Not estimable (needs 3 studies)".to_owned())?;
        Ok(Estimate {
            value: natural(m, fit.pooled.estimate),
            lower: natural(m, pi.lower),
            upper: natural(m, pi.upper),
        })
    }

    fn description(&self) -> String {
        let k = self.studies.len();
        let mut s = format!(
            "Forest plot of {k} {}, {}.",
            if k == 1 { "study" } else { "studies" },
            measure_name(self.options.settings.measure).to_ascii_lowercase()
        );
        match self.headline() {
            Ok(h) => {
                let _ = write!(
                    s,
                    " Pooled {} ({}): {} (95% CI {} to {}), {}.",
                    measure_name(self.options.settings.measure).to_ascii_lowercase(),
                    model_name(h.model).to_ascii_lowercase(),
                    format::effect(h.estimate),
                    format::effect(h.ci_lower),
                    format::effect(h.ci_upper),
                    self.p_text(h.p)
                );
            }
            Err(why) => {
                let _ = write!(s, " No pooled estimate: {why}.");
            }
        }
        s
    }
}

/// A study's label: its name, and its year unless the name already holds it.
pub fn study_label(study: &Study) -> String {
    match study.year {
        Some(y) if !study.name.contains(&y.to_string()) => format!("{} {y}", study.name),
        _ => study.name.clone(),
    }
}

/// "RR", "OR", "RD".
pub fn abbreviation(measure: Measure) -> &'static str {
    match measure {
        Measure::RiskRatio => "RR",
        Measure::OddsRatio => "OR",
        Measure::RiskDifference => "RD",
    }
}

/// "Risk ratio", "Odds ratio", "Risk difference".
pub fn measure_name(measure: Measure) -> &'static str {
    match measure {
        Measure::RiskRatio => "Risk ratio",
        Measure::OddsRatio => "Odds ratio",
        Measure::RiskDifference => "Risk difference",
    }
}

/// "Common effect", "Random effects".
pub fn model_name(model: Model) -> &'static str {
    match model {
        Model::Common => "Common effect",
        Model::Random => "Random effects",
    }
}

/// "Wald (normal)" or "Hartung-Knapp".
pub fn ci_name(ci: CiMethod) -> &'static str {
    match ci {
        CiMethod::Wald => "Wald",
        CiMethod::HartungKnapp => "Hartung-Knapp-Sidik-Jonkman",
    }
}

/// A value on the analysis scale back on the natural scale: `exp` for ratios.
pub fn natural(measure: Measure, x: f64) -> f64 {
    match measure {
        Measure::RiskRatio | Measure::OddsRatio => x.exp(),
        Measure::RiskDifference => x,
    }
}

/// A study's estimate on the natural scale, or why it cannot be shown there (a ratio
/// whose logarithm exceeds 709 has no floating-point value).
fn study_estimate(measure: Measure, e: &EffectSize) -> Result<Estimate, String> {
    let ci = e.ci(0.95);
    let value = natural(measure, e.yi);
    if !value.is_finite() {
        return Err(format!(
            "Too large to show (log {} = {})",
            abbreviation(measure),
            format::significant(e.yi, 3)
        ));
    }
    Ok(Estimate {
        value,
        lower: natural(measure, ci.lower),
        upper: natural(measure, ci.upper),
    })
}

/// A number in a CSV file at full precision; empty when undefined.
fn csv_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// A P value in a CSV file: at full precision, or `< 0.0001` below that, as tables
/// report it (a spreadsheet would show 2.28e-26 as 0.0000000000000000000000000228).
fn csv_p(p: f64) -> String {
    if p.is_finite() && p < 0.0001 {
        "< 0.0001".to_owned()
    } else {
        csv_num(p)
    }
}

/// A text cell in a CSV file: quoted when needed, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` gets a `'`; OWASP "CSV injection").
fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub mod paragraph;
pub mod steps;

#[cfg(test)]
mod tests;
