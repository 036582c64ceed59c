//! How each number came about, with this analysis's own values: for every number
//! explained, the formula, the same formula with the values substituted, the result,
//! what it means and where the method is described. The engine produces these as plain
//! data ([`Derivation`], formulas as [`Expr`] trees); the page renders them as MathML and
//! `grove explain` as text.
//!
//! Every substituted formula evaluates ([`Expr::eval`]) to the number the analysis
//! reports, and the tests check it for every derivation.
//!
//! Explained so far: each trial's effect size, variance, weights (and their shares of
//! the total) and confidence interval; the inverse-variance common-effect estimate, its
//! standard error, Wald interval, z and p; Cochran's Q, its p value, I² and H²; τ² by
//! every estimator, the iterative ones with every step they took (Fisher scoring for
//! ML, REML and EB, the root search for Paule-Mandel), τ, and the Q-profile interval of
//! τ² with the I² and H² it implies (every τ² its root searches tried); the
//! random-effects estimate, standard error, interval (Wald or Hartung-Knapp), z or t, p,
//! I² and H²; both prediction intervals; Mantel-Haenszel pooling for each measure with Q
//! around its estimate, Peto's method with its own Q and the trials' Peto estimates, and
//! random effects after either, by metafor's rules and by RevMan 5's (corrected counts in
//! the sums of a ratio, Greenland & Robins' variance of the risk difference, one trial's
//! own estimate, DerSimonian-Laird's τ² from the method's own Q); the test for subgroup
//! differences (Q, p and I²) and each subgroup's own results (its trials analysed alone,
//! which is how its fits are made); absolute effects and their limits ([`absolute`]).
//! The page offers a number to explain by its key; [`study_keys`], [`pooled_keys`] and
//! the other `*_keys` functions name them. When a derivation cannot be retraced to the
//! reported number, [`explain`] says so (or, for a subgroup, leaves it out) instead of
//! showing it.

use crate::analysis::Analysis;
use crate::dist::{chi2_sf, normal_cdf, normal_quantile, t_quantile, t_two_sided_p};
use crate::report::Report;
use crate::settings::{CiMethod, Convention, Measure, Method, Tau2Estimator};
use std::fmt::Write;

/// Separates the keys of several numbers (a confidence interval is two), as the page
/// names them on what a reader clicks.
pub const KEY_SEPARATOR: char = '|';

/// The keys of analysed trial `s`'s numbers as the tables and the plot show them: its
/// estimate, variance and interval, and its weights (as shares) in the overall analysis.
pub fn study_keys(report: &Report, s: usize) -> String {
    let sep = KEY_SEPARATOR;
    let n = s + 1;
    let mut keys =
        format!("study {n} yi{sep}study {n} vi{sep}study {n} ci lower{sep}study {n} ci upper");
    if weights_explained(report) {
        for &model in report.options.models.models() {
            if report.study_weight(s, model).is_some() {
                let _ = write!(keys, "{sep}study {n} weight {}", model_key(model));
            }
        }
    }
    keys
}

/// Whether the trials' weights, as shares, are explained: those of the overall analysis
/// (not each subgroup's own).
pub fn weights_explained(report: &Report) -> bool {
    report.options.totals == crate::report::Totals::Overall
}

/// The keys of the heterogeneity line under the plot for `model`: τ² (random effects),
/// Q, its p value and I²; empty with one trial.
pub fn heterogeneity_keys(report: &Report, model: crate::rma::Model) -> String {
    heterogeneity_keys_of(report.overall(model).ok(), model)
}

/// [`heterogeneity_keys`] of a fit under `model`.
pub fn heterogeneity_keys_of(fit: Option<&crate::rma::Fit>, model: crate::rma::Model) -> String {
    let several = fit.is_some_and(|f| f.pooled.k > 1);
    let sep = KEY_SEPARATOR;
    match model {
        _ if !several => String::new(),
        crate::rma::Model::Random => format!("tau2{sep}Q{sep}Q p{sep}random I2"),
        crate::rma::Model::Common => format!("Q{sep}Q p{sep}I2"),
    }
}

/// The keys of the test for the overall effect under `model`: z (or t) and p.
pub fn overall_test_keys(report: &Report, model: crate::rma::Model) -> String {
    overall_test_keys_of(report.overall(model).ok(), model)
}

/// [`overall_test_keys`] of a fit under `model`.
pub fn overall_test_keys_of(fit: Option<&crate::rma::Fit>, model: crate::rma::Model) -> String {
    let m = model_key(model);
    let stat = match fit.map(|f| f.pooled.df) {
        Some(Some(_)) => "t",
        _ => "z",
    };
    format!("{m} {stat}{KEY_SEPARATOR}{m} p")
}

/// The keys of the test for subgroup differences under `model`: Q, p and I².
pub fn subgroup_test_keys(model: crate::rma::Model) -> String {
    let (m, sep) = (model_key(model), KEY_SEPARATOR);
    format!("subgroups {m} Q{sep}subgroups {m} p{sep}subgroups {m} I2")
}

/// The keys of the prediction interval the plot shows (t on k − 2 degrees of freedom).
pub const PREDICTION_KEYS: &str = "prediction t lower|prediction t upper";

/// The keys of the absolute effects beside the pooled result ([`absolute`]), in reading
/// order: each number, then its limits.
pub const ABSOLUTE_KEYS: &str = "absolute control|absolute treated|absolute treated lower|absolute treated upper|absolute difference|absolute difference lower|absolute difference upper|nnt|nnt lower|nnt upper";

/// The keys of a pooled estimate, its standard error and its interval under `model`.
pub fn pooled_keys(model: crate::rma::Model) -> String {
    let (m, sep) = (model_key(model), KEY_SEPARATOR);
    format!("{m} estimate{sep}{m} se{sep}{m} ci lower{sep}{m} ci upper")
}

/// How the keys name a model: "common" or "random".
pub fn model_key(model: crate::rma::Model) -> &'static str {
    match model {
        crate::rma::Model::Common => "common",
        crate::rma::Model::Random => "random",
    }
}

/// A formula: symbols, numbers and the operations between them.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A symbol with an optional subscript: `y` with `i` is yᵢ.
    Sym(&'static str, Option<String>),
    /// `a + b`.
    Add(Box<Expr>, Box<Expr>),
    /// `a − b`.
    Sub(Box<Expr>, Box<Expr>),
    /// `a · b`.
    Mul(Box<Expr>, Box<Expr>),
    /// The fraction `a / b`.
    Div(Box<Expr>, Box<Expr>),
    /// `a²`.
    Square(Box<Expr>),
    /// `√a`.
    Sqrt(Box<Expr>),
    /// The natural logarithm.
    Ln(Box<Expr>),
    /// The exponential, `exp(a)`.
    Exp(Box<Expr>),
    /// `max(a, b)`.
    Max(Box<Expr>, Box<Expr>),
    /// The sum over the trials, `Σᵢ a`.
    Sum(Box<Expr>),
    /// The standard normal distribution function `Φ(a)`.
    Phi(Box<Expr>),
    /// The upper tail of the chi-square distribution, `P(χ²_df > a)`.
    ChiSquareTail(f64, Box<Expr>),
    /// The two-sided tail of Student's t distribution, `P(|t_df| > a)`.
    TwoSidedT(f64, Box<Expr>),
    /// `|a|`.
    Abs(Box<Expr>),
}

/// One number explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    /// A stable name of the number: `study 3 yi`, `common estimate`, `tau2`.
    pub key: String,
    /// What it is: "Pooled estimate (common effect)".
    pub title: String,
    /// The formula in symbols.
    pub formula: Expr,
    /// The formula with this analysis's values.
    pub substituted: Expr,
    /// The result at full precision (on the analysis scale: logs for ratios).
    pub value: f64,
    /// What it means, in one plain sentence.
    pub meaning: String,
    /// Where the method is described.
    pub reference: &'static str,
    /// For an iterative estimate, the steps it took.
    pub iterations: Iterations,
}

/// The steps an iterative estimate took.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Iterations {
    /// Not iterative.
    #[default]
    None,
    /// Fisher scoring (ML, REML, EB): each step from its tau²; the last one is the
    /// substituted formula.
    Scoring(Vec<crate::rma::ScoringStep>),
    /// A root search (Paule-Mandel's τ², a Q-profile bound): every tau² it tried and,
    /// there, how far the generalised Q was above its `target` ("k − 1", "χ² = 21.34").
    RootSearch {
        steps: Vec<crate::rma::RootStep>,
        target: String,
    },
}

impl Iterations {
    /// How many steps.
    pub fn len(&self) -> usize {
        match self {
            Iterations::None => 0,
            Iterations::Scoring(s) => s.len(),
            Iterations::RootSearch { steps, .. } => steps.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why an analysis, or part of it, is not explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotExplained(pub String);

/// The derivations of the numbers of `report`'s analysis, in reading order, and what it
/// uses that is not explained yet: the overall analysis, then with subgroups the test
/// for subgroup differences and each subgroup's own results (keys `subgroup 2 …`).
pub fn explain(report: &Report) -> (Vec<Derivation>, Vec<NotExplained>) {
    let (mut out, missing) = explain_pooled(report);
    if let Some(groups) = &report.analysis.subgroups {
        let common: Vec<_> = groups.groups.iter().map(|g| &g.common).collect();
        let random_fits: Vec<_> = groups.groups.iter().map(|g| &g.random).collect();
        subgroup_test(&mut out, "common", &common);
        subgroup_test(&mut out, "random", &random_fits);
        for (g, group) in groups.groups.iter().enumerate() {
            // The subgroup's trials analysed alone, which is how its fits are made: its
            // derivations are those of that analysis, where it gives the same fits.
            let studies: Vec<crate::table::Study> = group
                .studies
                .iter()
                .filter_map(|&s| report.studies.get(s))
                .map(|s| crate::table::Study {
                    subgroup: None,
                    ..s.clone()
                })
                .collect();
            let alone = Report::of_studies(studies, &report.options);
            if alone.analysis.common != group.common || alone.analysis.random != group.random {
                continue;
            }
            let prefix = subgroup_prefix(g);
            let (derived, _) = explain_pooled(&alone);
            out.extend(
                derived
                    .into_iter()
                    .filter(|x| !x.key.starts_with("study "))
                    .map(|x| Derivation {
                        key: format!("{prefix}{}", x.key),
                        title: format!("{}: {}", group.name, x.title),
                        ..x
                    }),
            );
        }
    }
    (out, missing)
}

/// How the keys of subgroup `g`'s own results begin: "subgroup 2 ".
pub fn subgroup_prefix(g: usize) -> String {
    format!("subgroup {} ", g + 1)
}

/// `keys` with each key preceded by `prefix`.
pub fn prefixed(prefix: &str, keys: &str) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let each: Vec<String> = keys
        .split(KEY_SEPARATOR)
        .map(|k| format!("{prefix}{k}"))
        .collect();
    each.join(&KEY_SEPARATOR.to_string())
}

/// The derivations of one analysis without its subgroups.
fn explain_pooled(report: &Report) -> (Vec<Derivation>, Vec<NotExplained>) {
    let a = &report.analysis;
    let s = &a.settings;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let names: Vec<&str> = report.studies.iter().map(|s| s.name.as_str()).collect();
    let studies: Vec<(usize, f64, f64)> = a
        .studies
        .iter()
        .filter_map(|r| r.effect.as_ref().ok().map(|e| (r.index, e.yi, e.vi)))
        .collect();
    if s.method == Method::Peto {
        let tables: Vec<crate::table::Table> = report.studies.iter().map(|s| s.table).collect();
        let any_zero = tables
            .iter()
            .any(|t| t.has_zero_cell() && !t.is_double_zero());
        let correction = crate::analysis::peto_correction(s);
        for (row, study) in report.studies.iter().enumerate() {
            if let Some(&(_, yi, vi)) = studies.iter().find(|(i, _, _)| *i == row) {
                let add_cells = correction.added_to(&study.table, any_zero);
                peto_study(&mut out, row + 1, study, add_cells, yi, vi);
            }
        }
        if let Ok(fit) = &a.common {
            peto(&mut out, report, fit);
        }
        random_after(&mut out, &mut missing, a, &studies, &names, "Peto's method");
        return (out, missing);
    }
    let tables: Vec<crate::table::Table> = report.studies.iter().map(|s| s.table).collect();
    // Which studies count for `to="if0all"` follows the double-zero policy the
    // per-study estimates were made with: Mantel-Haenszel's own (metafor drops them).
    let double_zero = if s.method == Method::MantelHaenszel {
        crate::mh::double_zero_policy(s.measure, s.convention)
    } else {
        crate::effect::DoubleZeroPolicy::for_measure(s.measure)
    };
    let any_zero = crate::effect::any_zero_in_set(&tables, double_zero);
    let raw_rd = s.measure == Measure::RiskDifference && s.convention == Convention::RevMan5;
    for (row, study) in report.studies.iter().enumerate() {
        if let Some(&(_, yi, vi)) = studies.iter().find(|(i, _, _)| *i == row) {
            let add_cells = s.correction.added_to(&study.table, any_zero);
            per_study(
                &mut out,
                s.measure,
                row + 1,
                study,
                add_cells,
                raw_rd,
                yi,
                vi,
            );
        }
    }
    if s.method == Method::MantelHaenszel {
        if let Ok(fit) = &a.common {
            mantel_haenszel(&mut out, report, fit);
            let w: Vec<f64> = studies.iter().map(|s| 1.0 / s.2).collect();
            let y: Vec<f64> = studies.iter().map(|s| s.1).collect();
            if studies.len() > 1 {
                heterogeneity(&mut out, &w, &y, fit.pooled.estimate, studies.len());
            }
        }
        random_after(
            &mut out,
            &mut missing,
            a,
            &studies,
            &names,
            "Mantel-Haenszel pooling",
        );
        return (out, missing);
    }
    if studies.is_empty() {
        return (out, missing);
    }
    let w: Vec<f64> = studies.iter().map(|s| 1.0 / s.2).collect();
    let y: Vec<f64> = studies.iter().map(|s| s.1).collect();
    let sw: f64 = w.iter().sum();
    let swy: f64 = w.iter().zip(&y).map(|(w, y)| w * y).sum();
    let mu = swy / sw;
    let se = (1.0 / sw).sqrt();
    pooled(&mut out, "common", "common effect", mu, se, swy, sw);
    let rows: Vec<usize> = studies.iter().map(|s| s.0).collect();
    percent_weights(
        &mut out,
        a,
        "common",
        &rows,
        &names,
        &w,
        "w",
        "Its weight is the inverse of its variance, wᵢ = 1/vᵢ.",
        IV,
    );
    let k = studies.len();
    if k > 1 {
        heterogeneity(&mut out, &w, &y, mu, k);
    }
    if let Ok(fit) = &a.random {
        random(
            &mut out,
            &mut missing,
            a,
            &studies,
            &names,
            fit.heterogeneity.tau2,
            k,
            Tau2From::Estimator,
        );
    }
    (out, missing)
}

impl Expr {
    /// The value of a formula without symbols (a substituted one); `None` when it has a
    /// symbol or a sum.
    pub fn eval(&self) -> Option<f64> {
        Some(match self {
            Expr::Num(x) => *x,
            Expr::Sym(..) | Expr::Sum(_) => return None,
            Expr::Add(a, b) => a.eval()? + b.eval()?,
            Expr::Sub(a, b) => a.eval()? - b.eval()?,
            Expr::Mul(a, b) => a.eval()? * b.eval()?,
            Expr::Div(a, b) => a.eval()? / b.eval()?,
            Expr::Square(a) => a.eval()?.powi(2),
            Expr::Sqrt(a) => a.eval()?.sqrt(),
            Expr::Ln(a) => a.eval()?.ln(),
            Expr::Exp(a) => a.eval()?.exp(),
            Expr::Max(a, b) => a.eval()?.max(b.eval()?),
            Expr::Phi(a) => normal_cdf(a.eval()?),
            Expr::ChiSquareTail(df, a) => chi2_sf(a.eval()?, *df),
            Expr::TwoSidedT(df, a) => t_two_sided_p(a.eval()?, *df),
            Expr::Abs(a) => a.eval()?.abs(),
        })
    }

    /// As plain text: `Σᵢ wᵢ·yᵢ / Σᵢ wᵢ`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.text(&mut s, 0);
        s
    }

    /// As presentation MathML (the content of a `<math>` element).
    pub fn to_mathml(&self) -> String {
        let mut s = String::new();
        self.mathml(&mut s);
        s
    }

    fn is_atom(&self) -> bool {
        matches!(
            self,
            Expr::Num(_)
                | Expr::Sym(..)
                | Expr::Sqrt(_)
                | Expr::Ln(_)
                | Expr::Exp(_)
                | Expr::Phi(_)
                | Expr::Max(..)
                | Expr::Abs(_)
                | Expr::ChiSquareTail(..)
                | Expr::TwoSidedT(..)
                | Expr::Square(_)
        )
    }

    /// Binding strength in linear text: sums and differences (and Σ, which reaches to
    /// the right) 1, products and quotients 2, everything else 3.
    fn precedence(&self) -> u8 {
        match self {
            // A negative number after an operator is written in parentheses.
            Expr::Num(x) if x.is_sign_negative() => 1,
            Expr::Add(..) | Expr::Sub(..) | Expr::Sum(_) => 1,
            Expr::Mul(..) | Expr::Div(..) => 2,
            _ => 3,
        }
    }

    /// Writes the text of `self`, in parentheses when it binds less than `min`.
    fn text(&self, s: &mut String, min: u8) {
        let wrap = self.precedence() < min;
        if wrap {
            s.push('(');
        }
        let bin = |s: &mut String, a: &Expr, op: &str, b: &Expr, left: u8, right: u8| {
            a.text(s, left);
            s.push_str(op);
            b.text(s, right);
        };
        match self {
            Expr::Num(x) => s.push_str(&number(*x)),
            Expr::Sym(name, sub) => {
                s.push_str(name);
                if let Some(sub) = sub {
                    let _ = write!(s, "_{sub}");
                }
            }
            Expr::Add(a, b) => bin(s, a, " + ", b, 1, 2),
            Expr::Sub(a, b) => bin(s, a, " − ", b, 1, 2),
            Expr::Mul(a, b) => bin(s, a, " · ", b, 2, 2),
            Expr::Div(a, b) => bin(s, a, " / ", b, 2, 3),
            Expr::Square(a) => {
                a.text(s, 3);
                s.push('²');
            }
            Expr::Sqrt(a) => {
                s.push('√');
                a.text(s, 3);
            }
            Expr::Ln(a) => {
                s.push_str("ln(");
                a.text(s, 0);
                s.push(')');
            }
            Expr::Exp(a) => {
                s.push_str("exp(");
                a.text(s, 0);
                s.push(')');
            }
            Expr::Max(a, b) => {
                s.push_str("max(");
                a.text(s, 0);
                s.push_str(", ");
                b.text(s, 0);
                s.push(')');
            }
            Expr::Sum(a) => {
                s.push_str("Σ_i ");
                a.text(s, 2);
            }
            Expr::Phi(a) => {
                s.push_str("Φ(");
                a.text(s, 0);
                s.push(')');
            }
            Expr::ChiSquareTail(df, a) => {
                let _ = write!(s, "P(χ²_{} > ", number(*df));
                a.text(s, 0);
                s.push(')');
            }
            Expr::TwoSidedT(df, a) => {
                let _ = write!(s, "P(|t_{}| > |", number(*df));
                a.text(s, 0);
                s.push_str("|)");
            }
            Expr::Abs(a) => {
                s.push('|');
                a.text(s, 0);
                s.push('|');
            }
        }
        if wrap {
            s.push(')');
        }
    }

    fn mathml(&self, s: &mut String) {
        let group = |s: &mut String, e: &Expr| {
            if e.is_atom() && e.precedence() == 3 {
                e.mathml(s);
            } else {
                s.push_str("<mrow><mo>(</mo>");
                e.mathml(s);
                s.push_str("<mo>)</mo></mrow>");
            }
        };
        match self {
            Expr::Num(x) => {
                let _ = write!(s, "<mn>{}</mn>", number(*x));
            }
            Expr::Sym(name, None) => {
                let _ = write!(s, "<mi>{name}</mi>");
            }
            Expr::Sym(name, Some(sub)) => {
                let _ = write!(
                    s,
                    "<msub><mi>{name}</mi><mi>{}</mi></msub>",
                    crate::forest::escape(sub)
                );
            }
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
                let op = match self {
                    Expr::Add(..) => "+",
                    Expr::Sub(..) => "−",
                    _ => "·",
                };
                s.push_str("<mrow>");
                if matches!(self, Expr::Mul(..)) {
                    group(s, a)
                } else {
                    a.mathml(s)
                }
                let _ = write!(s, "<mo>{op}</mo>");
                group(s, b);
                s.push_str("</mrow>");
            }
            Expr::Div(a, b) => {
                s.push_str("<mfrac><mrow>");
                a.mathml(s);
                s.push_str("</mrow><mrow>");
                b.mathml(s);
                s.push_str("</mrow></mfrac>");
            }
            Expr::Square(a) => {
                s.push_str("<msup>");
                group(s, a);
                s.push_str("<mn>2</mn></msup>");
            }
            Expr::Sqrt(a) => {
                s.push_str("<msqrt>");
                a.mathml(s);
                s.push_str("</msqrt>");
            }
            Expr::Ln(a) | Expr::Exp(a) | Expr::Phi(a) | Expr::Abs(a) => {
                let (open, close) = match self {
                    Expr::Ln(_) => ("<mi>ln</mi><mo>(</mo>", "<mo>)</mo>"),
                    Expr::Exp(_) => ("<mi>exp</mi><mo>(</mo>", "<mo>)</mo>"),
                    Expr::Phi(_) => ("<mi>Φ</mi><mo>(</mo>", "<mo>)</mo>"),
                    _ => ("<mo>|</mo>", "<mo>|</mo>"),
                };
                let _ = write!(s, "<mrow>{open}");
                a.mathml(s);
                let _ = write!(s, "{close}</mrow>");
            }
            Expr::Max(a, b) => {
                s.push_str("<mrow><mi>max</mi><mo>(</mo>");
                a.mathml(s);
                s.push_str("<mo>,</mo>");
                b.mathml(s);
                s.push_str("<mo>)</mo></mrow>");
            }
            Expr::Sum(a) => {
                s.push_str("<mrow><munder><mo>∑</mo><mi>i</mi></munder>");
                a.mathml(s);
                s.push_str("</mrow>");
            }
            Expr::ChiSquareTail(df, a) => {
                let _ = write!(
                    s,
                    "<mrow><mi>P</mi><mo>(</mo><msubsup><mi>χ</mi><mn>{}</mn><mn>2</mn></msubsup><mo>&gt;</mo>",
                    number(*df)
                );
                a.mathml(s);
                s.push_str("<mo>)</mo></mrow>");
            }
            Expr::TwoSidedT(df, a) => {
                let _ = write!(
                    s,
                    "<mrow><mi>P</mi><mo>(</mo><mo>|</mo><msub><mi>t</mi><mn>{}</mn></msub><mo>|</mo><mo>&gt;</mo><mo>|</mo>",
                    number(*df)
                );
                a.mathml(s);
                s.push_str("<mo>|</mo><mo>)</mo></mrow>");
            }
        }
    }
}

/// `grove explain`'s text: one block per number, each ending `= VALUE` at full
/// precision.
pub fn to_text(derivations: &[Derivation]) -> String {
    let mut s = String::new();
    for d in derivations {
        let _ = writeln!(s, "{} [{}]", d.title, d.key);
        let _ = writeln!(s, "  {}", d.formula.to_text());
        let _ = writeln!(s, "  = {}", d.substituted.to_text());
        let _ = writeln!(s, "  {}", d.meaning);
        match &d.iterations {
            Iterations::None => {}
            Iterations::Scoring(steps) => {
                for (i, step) in steps.iter().enumerate() {
                    let sign = if step.step < 0.0 { '−' } else { '+' };
                    let _ = writeln!(
                        s,
                        "    step {}: τ² = {} {sign} {} = {}",
                        i + 1,
                        number(step.tau2),
                        number(step.step.abs()),
                        number(step.tau2 + step.step)
                    );
                }
            }
            Iterations::RootSearch { steps, target } => {
                for (i, step) in steps.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "    try {}: τ² = {}, Q − ({target}) = {}",
                        i + 1,
                        number(step.tau2),
                        number(step.excess)
                    );
                }
            }
        }
        let _ = writeln!(s, "  ({})", d.reference);
        let _ = writeln!(s, "= {}", d.value);
        s.push('\n');
    }
    s
}

/// The risk with the intervention for the assumed control risk `acr` and a pooled
/// effect `effect` on the analysis scale, as [`crate::absolute::implied_risk`] computes it.
fn implied_risk_expr(measure: Measure, acr: Box<Expr>, effect: Box<Expr>) -> Box<Expr> {
    match measure {
        Measure::RiskRatio => mul(acr, Box::new(Expr::Exp(effect))),
        Measure::OddsRatio => {
            let or = Box::new(Expr::Exp(effect));
            div(
                mul(or.clone(), acr.clone()),
                add(sub(n(1.0), acr.clone()), mul(or, acr)),
            )
        }
        Measure::RiskDifference => add(acr, effect),
    }
}

// ---------------------------------------------------------------------------------------

/// How the absolute effects shown beside the pooled result are made: the assumed risk
/// with control (`control_risk` as typed, a proportion, or the median of the trials'
/// control-group risks), the risk with the intervention that the headline result
/// implies, their difference, and the number needed to treat
/// ([`crate::absolute::absolute_effects`], whose values these equal to the last bit).
/// Empty when there are none to show.
pub fn absolute(report: &Report, control_risk: Option<f64>) -> Vec<Derivation> {
    let model = report.options.models.primary();
    let Ok(fit) = report.overall(model) else {
        return Vec::new();
    };
    let measure = report.options.settings.measure;
    let typed = control_risk.is_some();
    let Some(acr) = control_risk.or_else(|| crate::interpret::median_control_risk(&report.studies))
    else {
        return Vec::new();
    };
    let Ok(a) = crate::absolute::absolute_effects(&fit.pooled, measure, acr) else {
        return Vec::new();
    };
    let mu = fit.pooled.estimate;
    // The risk with the intervention as a proportion (within 0 to 1, or there would be
    // no absolute effects).
    let point = crate::absolute::implied_risk(measure, acr, mu);
    let mut out = Vec::new();
    push(
        &mut out,
        "absolute control".to_owned(),
        "Assumed risk with control, per 1000".to_owned(),
        mul(n(1000.0), sym("ACR", None)),
        mul(n(1000.0), n(acr)),
        a.control_per_1000,
        if typed {
            "The control-group risk you typed, per 1000 people.".to_owned()
        } else {
            "The median of the trials' control-group risks (events / participants in each \
             control arm), per 1000 people."
                .to_owned()
        },
        ABSOLUTE,
    );
    let (formula, substituted) = (
        mul(
            n(1000.0),
            implied_risk_expr(measure, sym("ACR", None), sym("μ", None)),
        ),
        mul(n(1000.0), implied_risk_expr(measure, n(acr), n(mu))),
    );
    push(
        &mut out,
        "absolute treated".to_owned(),
        "Risk with the intervention, per 1000".to_owned(),
        formula,
        substituted,
        a.treated_per_1000.estimate,
        format!(
            "The risk the pooled {} implies for people whose risk without the intervention \
             is the assumed one.",
            crate::report::measure_name(measure).to_ascii_lowercase()
        ),
        ABSOLUTE,
    );
    let risk = |arm: &str| sym("risk", Some(arm));
    push(
        &mut out,
        "absolute difference".to_owned(),
        "Difference per 1000".to_owned(),
        mul(n(1000.0), sub(risk("E"), sym("ACR", None))),
        mul(n(1000.0), sub(n(point), n(acr))),
        a.difference_per_1000.estimate,
        "How many more (or, below 0, fewer) people per 1000 have the event with the \
         intervention."
            .to_owned(),
        ABSOLUTE,
    );
    // The limits: the same formulas at the limits of the pooled interval, a risk kept
    // within 0 to 1000 per 1000.
    let limits = [
        (
            "lower",
            fit.pooled.ci.lower,
            a.treated_per_1000.lower,
            a.difference_per_1000.lower,
        ),
        (
            "upper",
            fit.pooled.ci.upper,
            a.treated_per_1000.upper,
            a.difference_per_1000.upper,
        ),
    ];
    for (which, limit, treated, difference) in limits {
        let raw = crate::absolute::implied_risk(measure, acr, limit);
        let (formula_at, substituted_at) = (
            mul(
                n(1000.0),
                implied_risk_expr(measure, sym("ACR", None), sym("μ", Some(which))),
            ),
            mul(n(1000.0), implied_risk_expr(measure, n(acr), n(limit))),
        );
        let kept = (0.0..=1.0).contains(&raw);
        push(
            &mut out,
            format!("absolute treated {which}"),
            format!("Risk with the intervention per 1000, {which} 95% limit"),
            formula_at,
            if kept { substituted_at } else { n(treated) },
            treated,
            if kept {
                format!("The same formula at the {which} limit of the pooled effect's interval.")
            } else {
                format!(
                    "The same formula at the {which} limit of the pooled effect's interval gives {}, which is no risk: it is kept at {}.",
                    number(1000.0 * raw),
                    number(treated)
                )
            },
            ABSOLUTE,
        );
        push(
            &mut out,
            format!("absolute difference {which}"),
            format!("Difference per 1000, {which} 95% limit"),
            sub(
                sym("risk", Some(&format!("E,{which}"))),
                mul(n(1000.0), sym("ACR", None)),
            ),
            sub(n(treated), mul(n(1000.0), n(acr))),
            difference,
            format!("The risk with the intervention at its {which} limit, less the assumed risk."),
            ABSOLUTE,
        );
        push(
            &mut out,
            format!("nnt {which}"),
            format!("Number needed to treat, from the {which} limit of the difference"),
            div(n(1000.0), Box::new(Expr::Abs(sym("RD", Some(&format!("per 1000,{which}")))))),
            div(n(1000.0), Box::new(Expr::Abs(n(difference)))),
            1000.0 / difference.abs(),
            "One limit of the number needed to treat (Altman 1998). When the difference's interval includes no difference, the number needed runs from one limit (to benefit) through infinity to the other (to harm).".to_owned(),
            NNT,
        );
    }
    let needed = match a.number_needed {
        crate::absolute::NumberNeeded::OneFewerEvent(x)
        | crate::absolute::NumberNeeded::OneMoreEvent(x) => x,
        crate::absolute::NumberNeeded::Infinite => f64::INFINITY,
    };
    push(
        &mut out,
        "nnt".to_owned(),
        "Number needed to treat".to_owned(),
        div(
            n(1.0),
            Box::new(Expr::Abs(sub(risk("E"), sym("ACR", None)))),
        ),
        div(n(1.0), Box::new(Expr::Abs(sub(n(point), n(acr))))),
        needed,
        "How many people must be treated for one of them to have one event fewer (or \
         more, when the intervention raises the risk) than without it."
            .to_owned(),
        NNT,
    );
    out
}

const ESCALC: &str = "metafor escalc(); Cochrane Handbook §6.4.1";
const ABSOLUTE: &str =
    "Cochrane Handbook §14.1.5 and §15.4.4; Guyatt et al. (2013), J Clin Epidemiol 66:158–172";
const NNT: &str =
    "Laupacis, Sackett & Roberts (1988), N Engl J Med 318:1728–1733; Cochrane Handbook §15.4.4";
const IV: &str = "inverse-variance method: Borenstein et al. (2009), Introduction to Meta-Analysis, ch. 11; metafor rma(method = \"EE\")";
const HET: &str =
    "Cochran (1954); Higgins & Thompson (2002), Stat Med 21:1539–1558; Cochrane Handbook §10.10.2";
const DL: &str =
    "DerSimonian & Laird (1986), Control Clin Trials 7:177–188; metafor rma(method = \"DL\")";
const REVMAN_RANDOM: &str = "DerSimonian & Laird (1986); Deeks & Higgins (2010), Statistical algorithms in Review Manager 5";
const MH_REVMAN: &str = "Mantel & Haenszel (1959); Greenland & Robins (1985); Deeks & Higgins (2010), Statistical algorithms in Review Manager 5";
const MH: &str = "Mantel & Haenszel (1959); variances: Greenland & Robins (1985), Robins, Breslow & Greenland (1986), Sato, Greenland & Robins (1989); metafor rma.mh()";
const PETO: &str = "Yusuf et al. (1985), Prog Cardiovasc Dis 27:335–371; metafor rma.peto()";
const SUBGROUPS: &str =
    "Borenstein et al. (2009), Introduction to Meta-Analysis, ch. 19; Cochrane Handbook §10.11.3.1";
const PM: &str =
    "Paule & Mandel (1982), J Res Natl Bur Stand 87:377–385; metafor rma(method = \"PM\")";
const QP: &str = "Q-profile method: Viechtbauer (2007), Stat Med 26:37–52; Cochrane Handbook §10.10.4; metafor confint(type = \"QP\")";
const RE: &str = "random-effects model: Borenstein et al. (2009), ch. 12; metafor rma()";
const HK: &str = "Hartung & Knapp (2001), Stat Med 20:3875–3889; metafor rma(test = \"knha\")";
const PI: &str = "Higgins, Thompson & Spiegelhalter (2009), J R Stat Soc A 172:137–159; Cochrane Handbook §10.10.4.3; metafor predict()";

/// A number shown with 6 significant digits (the text; [`Derivation::value`] has all).
fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    if (0..=12).contains(&digits) {
        let s = format!("{:.*}", digits as usize, x);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{x:.5e}")
    }
}

fn n(x: f64) -> Box<Expr> {
    Box::new(Expr::Num(x))
}
fn sym(name: &'static str, sub: Option<&str>) -> Box<Expr> {
    Box::new(Expr::Sym(name, sub.map(str::to_owned)))
}
fn add(a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
    Box::new(Expr::Add(a, b))
}
fn sub(a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
    Box::new(Expr::Sub(a, b))
}
fn mul(a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
    Box::new(Expr::Mul(a, b))
}
fn div(a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
    Box::new(Expr::Div(a, b))
}

/// Adds a derivation. Its parts are positional, as in the struct, so that each call
/// reads as one row of a table; the formulas come boxed from the builders above.
#[allow(clippy::too_many_arguments, clippy::boxed_local)]
fn push(
    out: &mut Vec<Derivation>,
    key: String,
    title: String,
    formula: Box<Expr>,
    substituted: Box<Expr>,
    value: f64,
    meaning: String,
    reference: &'static str,
) {
    out.push(Derivation {
        key,
        title,
        formula: *formula,
        substituted: *substituted,
        value,
        meaning,
        reference,
        iterations: Iterations::None,
    });
}

/// A trial's Wald interval from its `yi` and `vi` (metafor `escalc()` then
/// `summary()`: `yi ± z √vi`).
fn study_ci(out: &mut Vec<Derivation>, number_in_table: usize, name: &str, yi: f64, vi: f64) {
    let key = |what: &str| format!("study {number_in_table} {what}");
    let z = normal_quantile(0.975);
    push(
        out,
        key("ci lower"),
        format!("{name}: lower 95% limit"),
        sub(
            sym("y", Some("i")),
            mul(n(z), Box::new(Expr::Sqrt(sym("v", Some("i"))))),
        ),
        sub(n(yi), mul(n(z), Box::new(Expr::Sqrt(n(vi))))),
        yi - z * vi.sqrt(),
        "The trial's effect is compatible with values down to here.".to_owned(),
        ESCALC,
    );
    push(
        out,
        key("ci upper"),
        format!("{name}: upper 95% limit"),
        add(
            sym("y", Some("i")),
            mul(n(z), Box::new(Expr::Sqrt(sym("v", Some("i"))))),
        ),
        add(n(yi), mul(n(z), Box::new(Expr::Sqrt(n(vi))))),
        yi + z * vi.sqrt(),
        "…and up to here.".to_owned(),
        ESCALC,
    );
}

#[allow(clippy::too_many_arguments)]
fn per_study(
    out: &mut Vec<Derivation>,
    measure: Measure,
    number_in_table: usize,
    study: &crate::table::Study,
    add_cells: f64,
    raw_rd: bool,
    yi: f64,
    vi: f64,
) {
    let t = &study.table;
    let (a, c) = (t.ai() as f64 + add_cells, t.ci() as f64 + add_cells);
    let (n1, n2) = (
        t.n1() as f64 + 2.0 * add_cells,
        t.n2() as f64 + 2.0 * add_cells,
    );
    let (b, d) = (n1 - a, n2 - c);
    let key = |what: &str| format!("study {number_in_table} {what}");
    let name = &study.name;
    let corrected = if add_cells > 0.0 {
        format!(
            " ({} added to each cell for the zero cell)",
            number(add_cells)
        )
    } else {
        String::new()
    };
    let (formula, substituted, vformula, vsub, what) = match measure {
        Measure::RiskRatio => (
            sub(
                Box::new(Expr::Ln(div(sym("a", None), sym("n", Some("1"))))),
                Box::new(Expr::Ln(div(sym("c", None), sym("n", Some("2"))))),
            ),
            sub(
                Box::new(Expr::Ln(div(n(a), n(n1)))),
                Box::new(Expr::Ln(div(n(c), n(n2)))),
            ),
            sub(
                add(
                    sub(
                        div(n(1.0), sym("a", None)),
                        div(n(1.0), sym("n", Some("1"))),
                    ),
                    div(n(1.0), sym("c", None)),
                ),
                div(n(1.0), sym("n", Some("2"))),
            ),
            sub(
                add(
                    sub(div(n(1.0), n(a)), div(n(1.0), n(n1))),
                    div(n(1.0), n(c)),
                ),
                div(n(1.0), n(n2)),
            ),
            "log risk ratio",
        ),
        Measure::OddsRatio => (
            Box::new(Expr::Ln(div(
                mul(sym("a", None), sym("d", None)),
                mul(sym("b", None), sym("c", None)),
            ))),
            Box::new(Expr::Ln(div(mul(n(a), n(d)), mul(n(b), n(c))))),
            add(
                add(
                    add(div(n(1.0), sym("a", None)), div(n(1.0), sym("b", None))),
                    div(n(1.0), sym("c", None)),
                ),
                div(n(1.0), sym("d", None)),
            ),
            add(
                add(add(div(n(1.0), n(a)), div(n(1.0), n(b))), div(n(1.0), n(c))),
                div(n(1.0), n(d)),
            ),
            "log odds ratio",
        ),
        Measure::RiskDifference => (
            sub(
                div(sym("a", None), sym("n", Some("1"))),
                div(sym("c", None), sym("n", Some("2"))),
            ),
            // RevMan 5 takes the difference of the raw counts and corrects the variance.
            if raw_rd {
                sub(
                    div(n(t.ai() as f64), n(t.n1() as f64)),
                    div(n(t.ci() as f64), n(t.n2() as f64)),
                )
            } else {
                sub(div(n(a), n(n1)), div(n(c), n(n2)))
            },
            add(
                div(
                    mul(sym("p", Some("1")), sub(n(1.0), sym("p", Some("1")))),
                    sym("n", Some("1")),
                ),
                div(
                    mul(sym("p", Some("2")), sub(n(1.0), sym("p", Some("2")))),
                    sym("n", Some("2")),
                ),
            ),
            add(
                div(mul(n(a / n1), sub(n(1.0), n(a / n1))), n(n1)),
                div(mul(n(c / n2), sub(n(1.0), n(c / n2))), n(n2)),
            ),
            "risk difference",
        ),
    };
    push(
        out,
        key("yi"),
        format!("{name}: {what}"),
        formula,
        substituted,
        yi,
        format!("The trial's effect on the analysis scale, from its 2×2 table{corrected}."),
        ESCALC,
    );
    push(
        out,
        key("vi"),
        format!("{name}: its variance"),
        vformula,
        vsub,
        vi,
        "How uncertain the trial's effect is: the smaller, the more the trial weighs.".to_owned(),
        ESCALC,
    );
    study_ci(out, number_in_table, name, yi, vi);
    push(
        out,
        key("w common"),
        format!("{name}: weight (common effect)"),
        div(n(1.0), sym("v", Some("i"))),
        div(n(1.0), n(vi)),
        1.0 / vi,
        "Each trial weighs the inverse of its variance: precise trials count more.".to_owned(),
        IV,
    );
}

fn pooled(out: &mut Vec<Derivation>, key: &str, model: &str, mu: f64, se: f64, swy: f64, sw: f64) {
    let w = if key == "common" { "w" } else { "w*" };
    push(
        out,
        format!("{key} estimate"),
        format!("Pooled estimate ({model})"),
        div(
            Box::new(Expr::Sum(mul(sym(w, Some("i")), sym("y", Some("i"))))),
            Box::new(Expr::Sum(sym(w, Some("i")))),
        ),
        div(n(swy), n(sw)),
        mu,
        "The weighted average of the trials' effects.".to_owned(),
        if key == "common" { IV } else { RE },
    );
    push(
        out,
        format!("{key} se"),
        format!("Its standard error ({model})"),
        Box::new(Expr::Sqrt(div(
            n(1.0),
            Box::new(Expr::Sum(sym(w, Some("i")))),
        ))),
        Box::new(Expr::Sqrt(div(n(1.0), n(sw)))),
        se,
        "How precise the pooled estimate is.".to_owned(),
        if key == "common" { IV } else { RE },
    );
    wald(
        out,
        key,
        model,
        mu,
        se,
        if key == "common" { IV } else { RE },
    );
}

/// The Wald interval, z and p of a pooled estimate `mu` with standard error `se`.
fn wald(
    out: &mut Vec<Derivation>,
    key: &str,
    model: &str,
    mu: f64,
    se: f64,
    reference: &'static str,
) {
    let z = normal_quantile(0.975);
    push(
        out,
        format!("{key} ci lower"),
        format!("Lower 95% limit ({model})"),
        sub(sym("μ", None), mul(n(z), sym("SE", None))),
        sub(n(mu), mul(n(z), n(se))),
        mu - z * se,
        "With 95% confidence the pooled effect is above this…".to_owned(),
        reference,
    );
    push(
        out,
        format!("{key} ci upper"),
        format!("Upper 95% limit ({model})"),
        add(sym("μ", None), mul(n(z), sym("SE", None))),
        add(n(mu), mul(n(z), n(se))),
        mu + z * se,
        "…and below this.".to_owned(),
        reference,
    );
    push(
        out,
        format!("{key} z"),
        format!("Test for the overall effect: z ({model})"),
        div(sym("μ", None), sym("SE", None)),
        div(n(mu), n(se)),
        mu / se,
        "How many standard errors the pooled effect is from no effect.".to_owned(),
        reference,
    );
    let zval = mu / se;
    push(
        out,
        format!("{key} p"),
        format!("Its p value ({model})"),
        mul(
            n(2.0),
            sub(
                n(1.0),
                Box::new(Expr::Phi(Box::new(Expr::Abs(sym("z", None))))),
            ),
        ),
        mul(
            n(2.0),
            sub(n(1.0), Box::new(Expr::Phi(Box::new(Expr::Abs(n(zval)))))),
        ),
        2.0 * (1.0 - normal_cdf(zval.abs())),
        "The chance of an effect at least this far from none if the treatment had no effect."
            .to_owned(),
        reference,
    );
}

/// A sum over the trials: every term when there are at most 12, else its value.
fn sum_of(terms: Vec<f64>, value: f64) -> Box<Expr> {
    if terms.len() > 12 {
        return n(value);
    }
    terms
        .into_iter()
        .map(n)
        .reduce(add)
        .unwrap_or_else(|| n(0.0))
}

/// Mantel-Haenszel pooling (metafor convention: raw counts), per `mh.rs`.
fn mantel_haenszel(out: &mut Vec<Derivation>, report: &Report, fit: &crate::rma::Fit) {
    let settings = &report.analysis.settings;
    let measure = settings.measure;
    let revman = settings.convention == Convention::RevMan5;
    let tables: Vec<crate::table::Table> = report.studies.iter().map(|s| s.table).collect();
    // The counts in the sums: raw, or with RevMan 5's rules for a ratio corrected where
    // the zero-cell correction applies (double zeros left out).
    let cells = crate::mh::sum_cells(&tables, measure, settings);
    let mu = fit.pooled.estimate;
    let se = fit.pooled.se;
    if revman && tables.len() == 1 {
        // RevMan 5: one trial's pooled result is its own estimate.
        push(
            out,
            "common estimate".to_owned(),
            "Pooled estimate (Mantel-Haenszel, one trial)".to_owned(),
            sym("y", Some("1")),
            n(mu),
            mu,
            "With a single trial, RevMan 5 reports that trial's own estimate as the pooled one."
                .to_owned(),
            MH_REVMAN,
        );
        push(
            out,
            "common se".to_owned(),
            "Its standard error (one trial)".to_owned(),
            Box::new(Expr::Sqrt(sym("v", Some("1")))),
            n(se),
            se,
            "The trial's own standard error.".to_owned(),
            MH_REVMAN,
        );
        wald(out, "common", "Mantel-Haenszel", mu, se, MH_REVMAN);
        return;
    }
    let title = "Pooled estimate (Mantel-Haenszel)".to_owned();
    let meaning =
        "A weighted average of the trials' 2×2 tables, robust when events are few.".to_owned();
    match measure {
        Measure::RiskRatio | Measure::OddsRatio => {
            let rr = measure == Measure::RiskRatio;
            // R and S: Σ a·n2/N and Σ c·n1/N (RR), Σ a·d/N and Σ b·c/N (OR).
            let part = |[a, b, c, d]: [f64; 4], first: bool| {
                let (n1, n2) = (a + b, c + d);
                let ni = n1 + n2;
                if ni == 0.0 {
                    0.0
                } else if rr {
                    if first { a * (n2 / ni) } else { c * (n1 / ni) }
                } else if first {
                    (a / ni) * d
                } else {
                    (b / ni) * c
                }
            };
            let r: f64 = cells.iter().map(|&c| part(c, true)).sum();
            let s: f64 = cells.iter().map(|&c| part(c, false)).sum();
            let (rs, ss) = if rr {
                ("a · n_2 / N", "c · n_1 / N")
            } else {
                ("a · d / N", "b · c / N")
            };
            let r_terms = cells.iter().map(|&c| part(c, true)).collect();
            let s_terms = cells.iter().map(|&c| part(c, false)).collect();
            push(
                out,
                "MH R".to_owned(),
                format!("R = Σ {rs}"),
                Box::new(Expr::Sum(sym("R", Some("i")))),
                sum_of(r_terms, r),
                r,
                if revman {
                    "The numerator of the Mantel-Haenszel ratio, summed over the trials; by RevMan 5's rules with the zero-cell correction in the trials it applies to, and without the trials with no events in either arm."
                } else {
                    "The numerator of the Mantel-Haenszel ratio, summed over the trials."
                }
                .to_owned(),
                MH,
            );
            push(
                out,
                "MH S".to_owned(),
                format!("S = Σ {ss}"),
                Box::new(Expr::Sum(sym("S", Some("i")))),
                sum_of(s_terms, s),
                s,
                "…and its denominator.".to_owned(),
                MH,
            );
            push(
                out,
                "common estimate".to_owned(),
                title,
                Box::new(Expr::Ln(div(sym("R", None), sym("S", None)))),
                Box::new(Expr::Ln(div(n(r), n(s)))),
                mu,
                meaning,
                MH,
            );
            let (formula, values) = if rr {
                // Σ (n1·n2·(a + c)/N² − a·c/N) / (R·S)
                let v: f64 = cells
                    .iter()
                    .map(|&[a, b, c, d]| {
                        let (n1, n2) = (a + b, c + d);
                        let ni = n1 + n2;
                        if ni == 0.0 {
                            0.0
                        } else {
                            (n1 / ni) * (n2 / ni) * (a + c) - (a / ni) * c
                        }
                    })
                    .sum();
                (
                    Box::new(Expr::Sqrt(div(
                        Box::new(Expr::Sum(sym("V", Some("i")))),
                        mul(sym("R", None), sym("S", None)),
                    ))),
                    Box::new(Expr::Sqrt(div(n(v), mul(n(r), n(s))))),
                )
            } else {
                let (mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0);
                for &[a, b, c, d] in &cells {
                    let ni = a + b + c + d;
                    if ni == 0.0 {
                        continue;
                    }
                    let (p, q) = (a / ni + d / ni, b / ni + c / ni);
                    let (ri, si) = ((a / ni) * d, (b / ni) * c);
                    pr += p * ri;
                    ps_qr += p * si + q * ri;
                    qs += q * si;
                }
                (
                    Box::new(Expr::Sqrt(mul(
                        div(n(1.0), n(2.0)),
                        add(
                            add(
                                div(
                                    Box::new(Expr::Sum(mul(
                                        sym("P", Some("i")),
                                        sym("R", Some("i")),
                                    ))),
                                    Box::new(Expr::Square(sym("R", None))),
                                ),
                                div(
                                    Box::new(Expr::Sum(add(
                                        mul(sym("P", Some("i")), sym("S", Some("i"))),
                                        mul(sym("Q", Some("i")), sym("R", Some("i"))),
                                    ))),
                                    mul(sym("R", None), sym("S", None)),
                                ),
                            ),
                            div(
                                Box::new(Expr::Sum(mul(sym("Q", Some("i")), sym("S", Some("i"))))),
                                Box::new(Expr::Square(sym("S", None))),
                            ),
                        ),
                    ))),
                    Box::new(Expr::Sqrt(mul(
                        div(n(1.0), n(2.0)),
                        add(
                            add(
                                div(n(pr), Box::new(Expr::Square(n(r)))),
                                div(n(ps_qr), mul(n(r), n(s))),
                            ),
                            div(n(qs), Box::new(Expr::Square(n(s)))),
                        ),
                    ))),
                )
            };
            push(out, "common se".to_owned(), "Its standard error (Mantel-Haenszel)".to_owned(), formula, values, se,
                if rr { "Greenland & Robins' variance of the log risk ratio (Vᵢ = n₁n₂(a + c)/N² − ac/N)." } else { "Robins, Breslow & Greenland's variance of the log odds ratio (Pᵢ = (a + d)/N, Qᵢ = (b + c)/N)." }.to_owned(), MH);
        }
        Measure::RiskDifference => {
            let (mut num, mut den, mut big_a, mut big_b) = (0.0, 0.0, 0.0, 0.0);
            for &[a, b, c, d] in &cells {
                let (n1, n2) = (a + b, c + d);
                let ni = n1 + n2;
                num += a * (n2 / ni) - c * (n1 / ni);
                den += n1 * (n2 / ni);
            }
            let beta = num / den;
            for &[a, b, c, d] in &cells {
                let (n1, n2) = (a + b, c + d);
                let ni = n1 + n2;
                big_a += c * (n1 / ni).powi(2) - a * (n2 / ni).powi(2)
                    + (n1 / ni) * (n2 / ni) * (n2 - n1) / 2.0;
                big_b += a * (n2 - c) / ni + c * (n1 - a) / ni;
            }
            push(
                out,
                "common estimate".to_owned(),
                title,
                div(
                    Box::new(Expr::Sum(div(
                        sub(
                            mul(sym("a", None), sym("n", Some("2"))),
                            mul(sym("c", None), sym("n", Some("1"))),
                        ),
                        sym("N", None),
                    ))),
                    Box::new(Expr::Sum(div(
                        mul(sym("n", Some("1")), sym("n", Some("2"))),
                        sym("N", None),
                    ))),
                ),
                div(n(num), n(den)),
                mu,
                meaning,
                MH,
            );
            if revman {
                // Greenland & Robins (1985) on the corrected cells of the trials with a
                // zero cell, as RevMan 5 computes it.
                let terms: Vec<f64> = crate::mh::corrected_cells(&tables, settings)
                    .into_iter()
                    .map(|[a, b, c, d]| {
                        let (n1, n2) = (a + b, c + d);
                        let ni = n1 + n2;
                        (a * b * n2.powi(3) + c * d * n1.powi(3)) / (n1 * n2 * ni * ni)
                    })
                    .collect();
                let v: f64 = terms.iter().sum();
                push(out, "common se".to_owned(), "Its standard error (Mantel-Haenszel, Greenland & Robins)".to_owned(),
                    div(Box::new(Expr::Sqrt(Box::new(Expr::Sum(sym("V", Some("i")))))), sym("W", None)),
                    div(Box::new(Expr::Sqrt(sum_of(terms, v))), n(den)), se,
                    "Greenland & Robins' variance, as RevMan 5 computes it: Vᵢ = (a b n₂³ + c d n₁³)/(n₁ n₂ N²) on the counts with the zero-cell correction where it applies, W = Σ n₁n₂/N on the raw counts.".to_owned(), MH_REVMAN);
            } else {
                push(out, "common se".to_owned(), "Its standard error (Mantel-Haenszel, Sato, Greenland & Robins)".to_owned(),
                    Box::new(Expr::Sqrt(div(add(mul(sym("RD", None), sym("A", None)), div(sym("B", None), n(2.0))), Box::new(Expr::Square(sym("W", None)))))),
                    Box::new(Expr::Sqrt(div(add(mul(n(beta), n(big_a)), div(n(big_b), n(2.0))), Box::new(Expr::Square(n(den)))))), se,
                    "Sato, Greenland & Robins' variance (A and B are sums over the trials, W = Σ n₁n₂/N).".to_owned(), MH);
            }
        }
    }
    wald(out, "common", "Mantel-Haenszel", mu, se, MH);
    // Each trial's weight: its term of the denominator, Sᵢ (metafor weights.rma.mh).
    let weights: Vec<f64> = cells
        .iter()
        .map(|&[a, b, c, d]| {
            let (n1, n2) = (a + b, c + d);
            let ni = n1 + n2;
            if ni == 0.0 {
                0.0
            } else {
                match measure {
                    Measure::OddsRatio => (b / ni) * c,
                    Measure::RiskRatio => c * (n1 / ni),
                    Measure::RiskDifference => n1 * (n2 / ni),
                }
            }
        })
        .collect();
    let names: Vec<&str> = report.studies.iter().map(|s| s.name.as_str()).collect();
    let rows: Vec<usize> = (0..weights.len()).collect();
    let what = match measure {
        Measure::OddsRatio => "Its Mantel-Haenszel weight is b·c/N.",
        Measure::RiskRatio => "Its Mantel-Haenszel weight is c·n₁/N.",
        Measure::RiskDifference => "Its Mantel-Haenszel weight is n₁·n₂/N.",
    };
    percent_weights(
        out,
        &report.analysis,
        "common",
        &rows,
        &names,
        &weights,
        "S",
        what,
        MH,
    );
}

/// Peto's one-step odds ratio, per `peto.rs`.
/// A trial's own Peto log odds ratio (metafor `escalc(measure = "PETO")`): `yᵢ = (Oᵢ −
/// Eᵢ)/Vᵢ`, `vᵢ = 1/Vᵢ`, on the counts with `add_cells` added for a zero cell.
fn peto_study(
    out: &mut Vec<Derivation>,
    number_in_table: usize,
    study: &crate::table::Study,
    add_cells: f64,
    yi: f64,
    vi: f64,
) {
    let t = &study.table;
    let [a, b, c, d] = [t.ai(), t.bi(), t.ci(), t.di()].map(|x| x as f64 + add_cells);
    let (n1, n2) = (a + b, c + d);
    let ni = n1 + n2;
    let e = (a + c) * n1 / ni;
    let v = (a + c) * (b + d) * (n1 / ni) * (n2 / ni) / (ni - 1.0);
    let key = |what: &str| format!("study {number_in_table} {what}");
    let name = &study.name;
    let corrected = if add_cells > 0.0 {
        format!(
            " ({} added to each cell for the zero cell)",
            number(add_cells)
        )
    } else {
        String::new()
    };
    push(
        out,
        key("yi"),
        format!("{name}: Peto log odds ratio"),
        div(
            sub(sym("O", Some("i")), sym("E", Some("i"))),
            sym("V", Some("i")),
        ),
        div(sub(n(a), n(e)), n(v)),
        yi,
        format!(
            "Observed minus expected events in the experimental arm, per unit of their hypergeometric variance; Eᵢ = n₁(a + c)/N = {}, Vᵢ = (a + c)(b + d) n₁ n₂ / (N² (N − 1)){corrected}.",
            number(e)
        ),
        PETO,
    );
    push(
        out,
        key("vi"),
        format!("{name}: its variance"),
        div(n(1.0), sym("V", Some("i"))),
        div(n(1.0), n(v)),
        vi,
        "The inverse of the hypergeometric variance.".to_owned(),
        PETO,
    );
    study_ci(out, number_in_table, name, yi, vi);
}

fn peto(out: &mut Vec<Derivation>, report: &Report, fit: &crate::rma::Fit) {
    let parts: Vec<(f64, f64)> = report
        .studies
        .iter()
        .map(|s| {
            let t = &s.table;
            let [a, b, c, d] = [t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64];
            let (n1, n2) = (a + b, c + d);
            let ni = n1 + n2;
            let e = (a + c) * n1 / ni;
            let v = (a + c) * (b + d) * (n1 / ni) * (n2 / ni) / (ni - 1.0);
            (a - e, if v.is_finite() { v } else { 0.0 })
        })
        .collect();
    let (soe, sv): (f64, f64) = (
        parts.iter().map(|p| p.0).sum(),
        parts.iter().map(|p| p.1).sum(),
    );
    let oe_terms = parts.iter().map(|p| p.0).collect();
    let v_terms = parts.iter().map(|p| p.1).collect();
    push(out, "Peto O-E".to_owned(), "Σ (O − E): observed minus expected events in the experimental arms".to_owned(),
        Box::new(Expr::Sum(sub(sym("O", Some("i")), sym("E", Some("i"))))), sum_of(oe_terms, soe), soe,
        "More events than expected if the treatment did nothing (positive) or fewer (negative); Eᵢ = n₁(a + c)/N.".to_owned(), PETO);
    push(
        out,
        "Peto V".to_owned(),
        "Σ V: the hypergeometric variances".to_owned(),
        Box::new(Expr::Sum(sym("V", Some("i")))),
        sum_of(v_terms, sv),
        sv,
        "Vᵢ = (a + c)(b + d) n₁ n₂ / (N² (N − 1)).".to_owned(),
        PETO,
    );
    push(
        out,
        "common estimate".to_owned(),
        "Pooled log odds ratio (Peto)".to_owned(),
        div(
            Box::new(Expr::Sum(sub(sym("O", Some("i")), sym("E", Some("i"))))),
            Box::new(Expr::Sum(sym("V", Some("i")))),
        ),
        div(n(soe), n(sv)),
        fit.pooled.estimate,
        "Observed minus expected events, per unit of their variance.".to_owned(),
        PETO,
    );
    push(
        out,
        "common se".to_owned(),
        "Its standard error (Peto)".to_owned(),
        Box::new(Expr::Sqrt(div(
            n(1.0),
            Box::new(Expr::Sum(sym("V", Some("i")))),
        ))),
        Box::new(Expr::Sqrt(div(n(1.0), n(sv)))),
        fit.pooled.se,
        "How precise the pooled estimate is.".to_owned(),
        PETO,
    );
    wald(
        out,
        "common",
        "Peto",
        fit.pooled.estimate,
        fit.pooled.se,
        PETO,
    );
    let names: Vec<&str> = report.studies.iter().map(|s| s.name.as_str()).collect();
    let weights: Vec<f64> = parts.iter().map(|p| p.1).collect();
    let rows: Vec<usize> = (0..weights.len()).collect();
    percent_weights(
        out,
        &report.analysis,
        "common",
        &rows,
        &names,
        &weights,
        "V",
        "Its weight is its hypergeometric variance Vᵢ.",
        PETO,
    );
    // Heterogeneity over the tables with Vᵢ > 0, on the degrees of freedom of the trials
    // with an estimate of their own (metafor rma.peto).
    let h = &fit.heterogeneity;
    let positive: Vec<(f64, f64)> = parts.into_iter().filter(|p| p.1 > 0.0).collect();
    if h.df == 0 || positive.len() < 2 {
        return;
    }
    let (pos_oe, pos_v): (f64, f64) = (
        positive.iter().map(|p| p.0).sum(),
        positive.iter().map(|p| p.1).sum(),
    );
    let terms: Vec<f64> = positive.iter().map(|(oe, v)| oe * oe / v).collect();
    let spread: f64 = terms.iter().sum();
    let q = (spread - pos_oe * pos_oe / pos_v).max(0.0);
    push(
        out,
        "Q".to_owned(),
        "Cochran's Q (Peto)".to_owned(),
        Box::new(Expr::Max(
            n(0.0),
            sub(
                Box::new(Expr::Sum(div(
                    Box::new(Expr::Square(sub(sym("O", Some("i")), sym("E", Some("i"))))),
                    sym("V", Some("i")),
                ))),
                div(
                    Box::new(Expr::Square(Box::new(Expr::Sum(sub(
                        sym("O", Some("i")),
                        sym("E", Some("i")),
                    ))))),
                    Box::new(Expr::Sum(sym("V", Some("i")))),
                ),
            ),
        )),
        Box::new(Expr::Max(
            n(0.0),
            sub(sum_of(terms, spread), div(Box::new(Expr::Square(n(pos_oe))), n(pos_v))),
        )),
        q,
        "The spread of the trials' own Peto estimates around the pooled one, over the trials with Vᵢ > 0; about its degrees of freedom when they differ by chance alone.".to_owned(),
        PETO,
    );
    from_q(out, q, h.df as f64);
}

/// The test for subgroup differences: Q across the subgroups' estimates, weighted by
/// their inverse variances, per `subgroup.rs` (Borenstein et al. 2009, ch. 19).
fn subgroup_test(
    out: &mut Vec<Derivation>,
    model: &str,
    fits: &[&Result<crate::rma::Fit, crate::rma::Undefined>],
) {
    let est: Vec<(f64, f64)> = fits
        .iter()
        .filter_map(|f| f.as_ref().ok())
        .map(|f| (f.pooled.estimate, f.pooled.se))
        .filter(|(e, se)| e.is_finite() && se.is_finite() && *se > 0.0)
        .collect();
    if est.len() < 2 {
        return;
    }
    let w: Vec<f64> = est.iter().map(|(_, se)| 1.0 / (se * se)).collect();
    let sw: f64 = w.iter().sum();
    let mean = est.iter().zip(&w).map(|((e, _), w)| e * w).sum::<f64>() / sw;
    let q: f64 = est
        .iter()
        .zip(&w)
        .map(|((e, _), w)| w * (e - mean).powi(2))
        .sum();
    let subst = if est.len() <= 12 {
        est.iter()
            .zip(&w)
            .map(|(&(e, _), &w)| mul(n(w), Box::new(Expr::Square(sub(n(e), n(mean))))))
            .reduce(add)
            .unwrap_or_else(|| n(q))
    } else {
        n(q)
    };
    let df = (est.len() - 1) as f64;
    push(
        out,
        format!("subgroups {model} Q"),
        format!("Test for subgroup differences ({model} effect): Q between subgroups"),
        Box::new(Expr::Sum(mul(
            div(n(1.0), Box::new(Expr::Square(sym("SE", Some("g"))))),
            Box::new(Expr::Square(sub(sym("μ", Some("g")), sym("μ̄", None)))),
        ))),
        subst,
        q,
        "The spread of the subgroups' pooled estimates around their weighted mean μ̄; about the number of subgroups less one if they differ by chance alone.".to_owned(),
        SUBGROUPS,
    );
    push(
        out,
        format!("subgroups {model} p"),
        format!("Its p value ({model} effect)"),
        Box::new(Expr::ChiSquareTail(df, sym("Q", None))),
        Box::new(Expr::ChiSquareTail(df, n(q))),
        chi2_sf(q, df),
        "The chance of subgroup estimates this far apart, or further, if the subgroups shared one effect.".to_owned(),
        SUBGROUPS,
    );
    push(
        out,
        format!("subgroups {model} I2"),
        format!("I² between subgroups ({model} effect, %)"),
        Box::new(Expr::Max(
            n(0.0),
            mul(
                n(100.0),
                div(sub(sym("Q", None), sym("df", None)), sym("Q", None)),
            ),
        )),
        Box::new(Expr::Max(
            n(0.0),
            mul(n(100.0), div(sub(n(q), n(df)), n(q))),
        )),
        if q > 0.0 {
            (100.0 * (1.0 - df / q)).max(0.0)
        } else {
            0.0
        },
        "The share of the spread of the subgroups' estimates that chance alone does not explain."
            .to_owned(),
        SUBGROUPS,
    );
}

/// τ² by the estimators other than DerSimonian-Laird, per `rma/tau2.rs` (metafor 3.8).
fn tau2_other(
    out: &mut Vec<Derivation>,
    missing: &mut Vec<NotExplained>,
    estimator: Tau2Estimator,
    studies: &[(usize, f64, f64)],
    tau2: f64,
) {
    let y: Vec<f64> = studies.iter().map(|s| s.1).collect();
    let v: Vec<f64> = studies.iter().map(|s| s.2).collect();
    let k = y.len() as f64;
    let title = format!(
        "τ², the variance of the true effects ({})",
        estimator.code()
    );
    let meaning =
        "How much the trials' true effects vary: the spread beyond chance, on the analysis scale."
            .to_owned();
    let mean = y.iter().sum::<f64>() / k;
    let spread: f64 = y.iter().map(|y| (y - mean).powi(2)).sum();
    let rss = |w: &[f64]| {
        let m = w.iter().zip(&y).map(|(w, y)| w * y).sum::<f64>() / w.iter().sum::<f64>();
        w.iter()
            .zip(&y)
            .map(|(w, y)| w * (y - m).powi(2))
            .sum::<f64>()
    };
    let sum_sq_dev = || {
        Box::new(Expr::Sum(Box::new(Expr::Square(sub(
            sym("y", Some("i")),
            sym("ȳ", None),
        )))))
    };
    match estimator {
        Tau2Estimator::HunterSchmidt => {
            let w: Vec<f64> = v.iter().map(|v| 1.0 / v).collect();
            let (q, sw) = (rss(&w), w.iter().sum::<f64>());
            push(
                out,
                "tau2".to_owned(),
                title,
                Box::new(Expr::Max(
                    n(0.0),
                    div(
                        sub(sym("Q", None), sym("k", None)),
                        Box::new(Expr::Sum(sym("w", Some("i")))),
                    ),
                )),
                Box::new(Expr::Max(n(0.0), div(sub(n(q), n(k)), n(sw)))),
                tau2,
                meaning,
                "Hunter & Schmidt (2004); metafor rma(method = \"HS\")",
            );
        }
        Tau2Estimator::Hedges => {
            let sv: f64 = v.iter().sum();
            push(
                out,
                "tau2".to_owned(),
                title,
                Box::new(Expr::Max(
                    n(0.0),
                    div(
                        sub(
                            sum_sq_dev(),
                            mul(
                                sub(n(1.0), div(n(1.0), sym("k", None))),
                                Box::new(Expr::Sum(sym("v", Some("i")))),
                            ),
                        ),
                        sub(sym("k", None), n(1.0)),
                    ),
                )),
                Box::new(Expr::Max(
                    n(0.0),
                    div(
                        sub(n(spread), mul(sub(n(1.0), div(n(1.0), n(k))), n(sv))),
                        sub(n(k), n(1.0)),
                    ),
                )),
                tau2,
                meaning,
                "Hedges (1983), unweighted method of moments; metafor rma(method = \"HE\")",
            );
        }
        Tau2Estimator::SidikJonkman => {
            let start = spread / k;
            let w: Vec<f64> = v.iter().map(|v| 1.0 / (v + start)).collect();
            let r = rss(&w);
            push(
                out,
                "tau2 start".to_owned(),
                "Sidik-Jonkman's starting value τ₀²".to_owned(),
                div(sum_sq_dev(), sym("k", None)),
                div(n(spread), n(k)),
                start,
                "The plain variance of the trials' estimates.".to_owned(),
                "Sidik & Jonkman (2005)",
            );
            push(
                out,
                "tau2".to_owned(),
                title,
                Box::new(Expr::Max(
                    n(0.0),
                    div(
                        mul(
                            Box::new(Expr::Square(sym("τ₀", None))),
                            Box::new(Expr::Sum(mul(
                                sym("w", Some("i")),
                                Box::new(Expr::Square(sub(sym("y", Some("i")), sym("μ₀", None)))),
                            ))),
                        ),
                        sub(sym("k", None), n(1.0)),
                    ),
                )),
                Box::new(Expr::Max(
                    n(0.0),
                    div(mul(n(start), n(r)), sub(n(k), n(1.0))),
                )),
                tau2,
                format!("{meaning} Weights wᵢ = 1/(vᵢ + τ₀²), μ₀ their weighted mean."),
                "Sidik & Jonkman (2005), Stat Med 24:1237; metafor rma(method = \"SJ\")",
            );
        }
        Tau2Estimator::MaximumLikelihood
        | Tau2Estimator::RestrictedMaximumLikelihood
        | Tau2Estimator::EmpiricalBayes => {
            let mut steps = Vec::new();
            let traced = crate::rma::scoring_traced(&y, &v, estimator, &mut steps);
            let Some(last) = steps.last().copied() else {
                return;
            };
            // metafor's ll0check may set an ML or REML estimate to 0 after the iterations.
            if traced.map(|t| t.tau2) != Ok(tau2) || (last.tau2 + last.step).max(0.0) != tau2 {
                missing.push(NotExplained(format!(
                    "τ² by {} ended at 0 by metafor's check of the likelihood at 0, not by its iterations",
                    estimator.code()
                )));
                return;
            }
            let step = match estimator {
                Tau2Estimator::MaximumLikelihood => "(Y′PPY − Σwᵢ) / Σwᵢ²",
                Tau2Estimator::RestrictedMaximumLikelihood => "(Y′PPY − tr P) / tr(PP)",
                _ => "(k/(k − 1) · Y′PY − k) / Σwᵢ",
            };
            push(
                out,
                "tau2".to_owned(),
                title,
                Box::new(Expr::Max(
                    n(0.0),
                    add(sym("τ²", Some("n")), sym("Δ", Some("n"))),
                )),
                Box::new(Expr::Max(n(0.0), add(n(last.tau2), n(last.step)))),
                tau2,
                format!(
                    "{meaning} Found by Fisher scoring from Hedges' estimate: each step adds Δ = {step} with wᵢ = 1/(vᵢ + τ²), halved while τ² would turn negative, until τ² changes by less than 10⁻⁵; the last step is shown, all {} are listed.",
                    steps.len()
                ),
                "Viechtbauer (2005), J Educ Behav Stat 30:261–293; Morris (1983); metafor rma(method = \"ML\", \"REML\", \"EB\")",
            );
            if let Some(d) = out.last_mut() {
                d.iterations = Iterations::Scoring(steps);
            }
        }
        Tau2Estimator::PauleMandel => {
            let mut steps = Vec::new();
            if crate::rma::paule_mandel_traced(&y, &v, &mut steps).map(|t| t.tau2.max(0.0))
                != Ok(tau2)
            {
                missing.push(NotExplained("τ² by PM could not be retraced".to_owned()));
                return;
            }
            let w: Vec<f64> = v.iter().map(|v| 1.0 / (v + tau2)).collect();
            let q = rss(&w);
            push(
                out,
                "tau2 PM check".to_owned(),
                "Paule-Mandel: Q at the estimate".to_owned(),
                Box::new(Expr::Sum(div(
                    Box::new(Expr::Square(sub(sym("y", Some("i")), sym("μ", None)))),
                    add(sym("v", Some("i")), Box::new(Expr::Square(sym("τ", None)))),
                ))),
                n(q),
                q,
                format!(
                    "At the estimate, the spread of the trials weighted by 1/(vᵢ + τ²) equals its expectation k − 1 = {} (up to the search's tolerance); when Q is below k − 1 already at τ² = 0, τ² is 0.",
                    k - 1.0
                ),
                PM,
            );
            push(
                out,
                "tau2".to_owned(),
                title,
                Box::new(Expr::Sym("τ²", Some("PM".to_owned()))),
                n(tau2),
                tau2,
                format!(
                    "{meaning} The root of Q(τ²) = k − 1, found by R's uniroot (Brent's method) on [0, 100]; every τ² it tried is listed."
                ),
                PM,
            );
            if let Some(d) = out.last_mut() {
                d.iterations = Iterations::RootSearch {
                    steps,
                    target: "k − 1".to_owned(),
                };
            }
        }
        Tau2Estimator::DerSimonianLaird => {}
    }
}

fn heterogeneity(out: &mut Vec<Derivation>, w: &[f64], y: &[f64], mu: f64, k: usize) {
    let q: f64 = w.iter().zip(y).map(|(w, y)| w * (y - mu).powi(2)).sum();
    let df = (k - 1) as f64;
    // Up to 12 trials, every term of the sum is shown.
    let terms = w
        .iter()
        .zip(y)
        .map(|(&w, &y)| mul(n(w), Box::new(Expr::Square(sub(n(y), n(mu))))))
        .reduce(add)
        .filter(|_| k <= 12)
        .unwrap_or_else(|| n(q));
    push(out, "Q".to_owned(), "Cochran's Q".to_owned(),
        Box::new(Expr::Sum(mul(sym("w", Some("i")), Box::new(Expr::Square(sub(sym("y", Some("i")), sym("μ", None))))))),
        terms, q,
        "The weighted spread of the trials around the common estimate; about its degrees of freedom (k − 1) when the trials differ by chance alone.".to_owned(), HET);
    from_q(out, q, df);
}

/// What Cochran's `q` on `df` degrees of freedom gives: its p value, I² and H².
fn from_q(out: &mut Vec<Derivation>, q: f64, df: f64) {
    push(
        out,
        "Q p".to_owned(),
        "P value of Q".to_owned(),
        Box::new(Expr::ChiSquareTail(df, sym("Q", None))),
        Box::new(Expr::ChiSquareTail(df, n(q))),
        chi2_sf(q, df),
        "The chance of this much spread, or more, if the trials shared one true effect.".to_owned(),
        HET,
    );
    let i2 = if q > 0.0 {
        (100.0 * (q - df) / q).max(0.0)
    } else {
        0.0
    };
    push(out, "I2".to_owned(), "I² (%)".to_owned(),
        Box::new(Expr::Max(n(0.0), mul(n(100.0), div(sub(sym("Q", None), sym("df", None)), sym("Q", None))))),
        Box::new(Expr::Max(n(0.0), mul(n(100.0), div(sub(n(q), n(df)), n(q))))), i2,
        "The share of the variation between trials that is due to real differences rather than chance.".to_owned(), HET);
    push(
        out,
        "H2".to_owned(),
        "H²".to_owned(),
        div(sym("Q", None), sym("df", None)),
        div(n(q), n(df)),
        q / df,
        "How much larger the spread is than chance alone would make it (1: no larger).".to_owned(),
        HET,
    );
}

/// Random effects after Peto's method or Mantel-Haenszel pooling (`name`). With
/// metafor's conventions they are an inverse-variance fit of the trials' own estimates
/// (Peto's log odds ratios, or the measure's `yi`) with the chosen estimator, as
/// metafor's `rma()`: the same derivations as after inverse variance. RevMan 5 with
/// DerSimonian-Laird takes τ² from the Peto or Mantel-Haenszel Chi² instead
/// (`crate::analysis`), derived here with that Q.
fn random_after(
    out: &mut Vec<Derivation>,
    missing: &mut Vec<NotExplained>,
    a: &Analysis,
    studies: &[(usize, f64, f64)],
    names: &[&str],
    name: &str,
) {
    let Ok(fit) = &a.random else {
        return;
    };
    let tau2 = fit.heterogeneity.tau2;
    let k = studies.len();
    let from_q = a.settings.convention == Convention::RevMan5
        && a.settings.tau2 == Tau2Estimator::DerSimonianLaird;
    match (&a.common, from_q) {
        (Ok(common), true) => {
            // RevMan 5: DerSimonian-Laird's τ² from the method's own Q (crate::analysis).
            if k > 1 {
                let w: Vec<f64> = studies.iter().map(|s| 1.0 / s.2).collect();
                let sw: f64 = w.iter().sum();
                let sw2: f64 = w.iter().map(|w| w * w).sum();
                let (q, df) = (common.heterogeneity.q, common.heterogeneity.df as f64);
                push(
                    out,
                    "tau2".to_owned(),
                    format!(
                        "τ², the variance of the true effects (DerSimonian-Laird from the Q of {name})"
                    ),
                    Box::new(Expr::Max(
                        n(0.0),
                        div(
                            sub(sym("Q", None), sym("df", None)),
                            sub(
                                Box::new(Expr::Sum(sym("w", Some("i")))),
                                div(
                                    Box::new(Expr::Sum(Box::new(Expr::Square(sym(
                                        "w",
                                        Some("i"),
                                    ))))),
                                    Box::new(Expr::Sum(sym("w", Some("i")))),
                                ),
                            ),
                        ),
                    )),
                    Box::new(Expr::Max(
                        n(0.0),
                        div(sub(n(q), n(df)), sub(n(sw), div(n(sw2), n(sw)))),
                    )),
                    tau2,
                    format!(
                        "How much the trials' true effects vary. RevMan 5 takes DerSimonian and Laird's formula with the heterogeneity statistic of {name} (its Chi², Q = {}, around the pooled estimate of that method) and the trials' inverse-variance weights wᵢ = 1/vᵢ.",
                        number(q)
                    ),
                    REVMAN_RANDOM,
                );
            }
            random(out, missing, a, studies, names, tau2, k, Tau2From::Shown);
        }
        (Err(_), true) => {}
        (_, false) => random(
            out,
            missing,
            a,
            studies,
            names,
            tau2,
            k,
            Tau2From::Estimator,
        ),
    }
}

/// Whether [`random`] derives τ² itself (with the chosen estimator) or it is derived
/// already (RevMan 5's τ² from the Mantel-Haenszel or Peto Q).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tau2From {
    Estimator,
    Shown,
}

/// Each trial's weight as the share of the total shown in the tables and on the plot:
/// `100 wᵢ / Σ w` with the weights `w` of the trials in table `rows` under `model`
/// ("common" or "random"), written `symbol` (`w`, `w*`, `S`, `V`) and described by
/// `what`. Only a share equal to the one the analysis reports is explained.
#[allow(clippy::too_many_arguments)]
fn percent_weights(
    out: &mut Vec<Derivation>,
    a: &Analysis,
    model: &str,
    rows: &[usize],
    names: &[&str],
    w: &[f64],
    symbol: &'static str,
    what: &str,
    reference: &'static str,
) {
    let sw: f64 = w.iter().sum();
    for (&row, &wi) in rows.iter().zip(w) {
        let share = 100.0 * wi / sw;
        let reported = a.studies.get(row).and_then(|s| match model {
            "random" => s.weight_random,
            _ => s.weight_common,
        });
        if !reported.is_some_and(|r| (r - share).abs() <= 1e-9 * (1.0 + r)) {
            continue;
        }
        push(
            out,
            format!("study {} weight {model}", row + 1),
            format!(
                "{}: weight ({model} effect{}), % of the total",
                names.get(row).copied().unwrap_or_default(),
                if model == "random" { "s" } else { "" }
            ),
            mul(
                n(100.0),
                div(
                    sym(symbol, Some("i")),
                    Box::new(Expr::Sum(sym(symbol, Some("i")))),
                ),
            ),
            mul(n(100.0), div(n(wi), n(sw))),
            share,
            format!(
                "The trial's share of the total weight: how much it counts in the pooled estimate. {what}"
            ),
            reference,
        );
    }
}

/// The Q-profile interval of τ² and the I² and H² it implies (`s2`: the typical
/// within-trial variance), as metafor's `confint()` finds them.
fn q_profile(
    out: &mut Vec<Derivation>,
    missing: &mut Vec<NotExplained>,
    a: &Analysis,
    studies: &[(usize, f64, f64)],
    tau2: f64,
    s2: f64,
) {
    let Some(reported) = a.random.as_ref().ok().and_then(|f| f.heterogeneity.tau2_ci) else {
        return;
    };
    let y: Vec<f64> = studies.iter().map(|s| s.1).collect();
    let v: Vec<f64> = studies.iter().map(|s| s.2).collect();
    let mut trace = crate::rma::QProfileTrace::default();
    if crate::rma::tau2_interval_traced(&y, &v, tau2, &mut trace) != Some(reported) {
        missing.push(NotExplained(
            "the Q-profile interval of τ² could not be retraced".to_owned(),
        ));
        return;
    }
    let df = (studies.len() - 1) as f64;
    let bounds = [
        ("lower", "Lower", reported.lower, "97.5th", "smallest"),
        ("upper", "Upper", reported.upper, "2.5th", "largest"),
    ];
    // `key` is the bound's name in lower case, `title` with a capital.
    for (i, (key, title, t, percentile, which)) in bounds.into_iter().enumerate() {
        let critical = trace.critical[i];
        let steps = std::mem::take(&mut trace.steps[i]);
        let q_at = |t: f64| {
            let w: Vec<f64> = v.iter().map(|v| 1.0 / (v + t)).collect();
            crate::rma::weighted_rss(&y, &w)
        };
        let how = if !steps.is_empty() {
            format!(
                "The {which} τ² the data do not reject at the 5% level: the τ² at which the generalised Q, Σ(yᵢ − μ̂)²/(vᵢ + τ²), equals the {percentile} percentile of χ² on k − 1 = {df} df, {}. Found by R's uniroot (Brent's method) on [{}, {}]; every τ² it tried is listed.",
                number(critical),
                number(trace.range[0]),
                number(trace.range[1]),
            )
        } else if t == trace.range[0] {
            format!(
                "At τ² = {} the generalised Q is already {}, below the {percentile} percentile of χ² on k − 1 = {df} df ({}), so the limit is the lower end of the search range.",
                number(t),
                number(q_at(t)),
                number(critical),
            )
        } else {
            format!(
                "At τ² = {} the generalised Q is still {}, above the {percentile} percentile of χ² on k − 1 = {df} df ({}), so the limit is reported as the upper end of the search range (metafor: \"> {}\").",
                number(t),
                number(q_at(t)),
                number(critical),
                number(t),
            )
        };
        push(
            out,
            format!("tau2 ci {key}"),
            format!("{title} 95% limit of τ² (Q-profile)"),
            Box::new(Expr::Sym("τ²", Some(key.to_owned()))),
            n(t),
            t,
            how,
            QP,
        );
        if let Some(d) = out.last_mut() {
            d.iterations = Iterations::RootSearch {
                steps,
                target: format!("χ² = {}", number(critical)),
            };
        }
        let tau2_bound = || Box::new(Expr::Sym("τ²", Some(key.to_owned())));
        push(
            out,
            format!("random I2 ci {key}"),
            format!("{title} 95% limit of I² (%)"),
            mul(
                n(100.0),
                div(tau2_bound(), add(tau2_bound(), sym("s²", None))),
            ),
            mul(n(100.0), div(n(t), add(n(t), n(s2)))),
            100.0 * t / (t + s2),
            format!(
                "The {key} limit of τ² as a share of the total variance, with the typical within-trial variance s² = {} as for I² itself.",
                number(s2),
            ),
            QP,
        );
        push(
            out,
            format!("random H2 ci {key}"),
            format!("{title} 95% limit of H²"),
            div(add(tau2_bound(), sym("s²", None)), sym("s²", None)),
            div(add(n(t), n(s2)), n(s2)),
            (t + s2) / s2,
            format!("The {key} limit of τ² as a ratio of total to within-trial variance."),
            QP,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn random(
    out: &mut Vec<Derivation>,
    missing: &mut Vec<NotExplained>,
    a: &Analysis,
    studies: &[(usize, f64, f64)],
    names: &[&str],
    tau2: f64,
    k: usize,
    tau2_from: Tau2From,
) {
    let s = &a.settings;
    let derive_tau2 = tau2_from == Tau2From::Estimator && k > 1;
    if derive_tau2 && s.tau2 == Tau2Estimator::DerSimonianLaird {
        let w: Vec<f64> = studies.iter().map(|s| 1.0 / s.2).collect();
        let y: Vec<f64> = studies.iter().map(|s| s.1).collect();
        let sw: f64 = w.iter().sum();
        let sw2: f64 = w.iter().map(|w| w * w).sum();
        let mu = w.iter().zip(&y).map(|(w, y)| w * y).sum::<f64>() / sw;
        let q: f64 = w.iter().zip(&y).map(|(w, y)| w * (y - mu).powi(2)).sum();
        let df = (k - 1) as f64;
        push(out, "tau2".to_owned(), "τ², the variance of the true effects (DerSimonian-Laird)".to_owned(),
            Box::new(Expr::Max(n(0.0), div(sub(sym("Q", None), sym("df", None)), sub(Box::new(Expr::Sum(sym("w", Some("i")))), div(Box::new(Expr::Sum(Box::new(Expr::Square(sym("w", Some("i")))))), Box::new(Expr::Sum(sym("w", Some("i"))))))))),
            Box::new(Expr::Max(n(0.0), div(sub(n(q), n(df)), sub(n(sw), div(n(sw2), n(sw)))))), tau2,
            "How much the trials' true effects vary: the spread beyond chance, on the analysis scale.".to_owned(), DL);
    } else if derive_tau2 {
        tau2_other(out, missing, s.tau2, studies, tau2);
    }
    let ws: Vec<f64> = studies.iter().map(|s| 1.0 / (s.2 + tau2)).collect();
    for (&(row, _, vi), &w) in studies.iter().zip(&ws) {
        push(out, format!("study {} w random", row + 1), "Weight (random effects)".to_owned(),
            div(n(1.0), add(sym("v", Some("i")), Box::new(Expr::Square(sym("τ", None))))),
            div(n(1.0), add(n(vi), n(tau2))), w,
            "Under random effects each trial also carries the variance between trials, so weights are more even.".to_owned(), RE);
    }
    {
        let rows: Vec<usize> = studies.iter().map(|s| s.0).collect();
        percent_weights(
            out,
            a,
            "random",
            &rows,
            names,
            &ws,
            "w*",
            "Its weight is the inverse of its variance plus τ², wᵢ* = 1/(vᵢ + τ²).",
            RE,
        );
    }
    let sw: f64 = ws.iter().sum();
    let swy: f64 = ws.iter().zip(studies).map(|(w, s)| w * s.1).sum();
    let mu = swy / sw;
    if k > 1 {
        // The typical within-trial variance (Higgins & Thompson 2002), from the common
        // weights: s² = (k − 1) Σw / ((Σw)² − Σw²).
        let w: Vec<f64> = studies.iter().map(|s| 1.0 / s.2).collect();
        let (w1, w2): (f64, f64) = (w.iter().sum(), w.iter().map(|w| w * w).sum());
        let df = (k - 1) as f64;
        let s2 = df * w1 / (w1 * w1 - w2);
        let s2_formula = || {
            div(
                mul(
                    sub(sym("k", None), n(1.0)),
                    Box::new(Expr::Sum(sym("w", Some("i")))),
                ),
                sub(
                    Box::new(Expr::Square(Box::new(Expr::Sum(sym("w", Some("i")))))),
                    Box::new(Expr::Sum(Box::new(Expr::Square(sym("w", Some("i")))))),
                ),
            )
        };
        let s2_values = || div(mul(n(df), n(w1)), sub(Box::new(Expr::Square(n(w1))), n(w2)));
        push(
            out,
            "random I2".to_owned(),
            "I² (%) of the random-effects model".to_owned(),
            mul(
                n(100.0),
                div(
                    Box::new(Expr::Square(sym("τ", None))),
                    add(Box::new(Expr::Square(sym("τ", None))), s2_formula()),
                ),
            ),
            mul(n(100.0), div(n(tau2), add(n(tau2), s2_values()))),
            100.0 * tau2 / (tau2 + s2),
            "The share of the total variance that is variance between the trials' true effects."
                .to_owned(),
            HET,
        );
        push(
            out,
            "random H2".to_owned(),
            "H² of the random-effects model".to_owned(),
            div(
                add(Box::new(Expr::Square(sym("τ", None))), s2_formula()),
                s2_formula(),
            ),
            div(add(n(tau2), s2_values()), s2_values()),
            (tau2 + s2) / s2,
            "How many times larger the total variance is than the variance within trials."
                .to_owned(),
            HET,
        );
        push(
            out,
            "tau".to_owned(),
            "τ, the standard deviation of the true effects".to_owned(),
            Box::new(Expr::Sqrt(Box::new(Expr::Square(sym("τ", None))))),
            Box::new(Expr::Sqrt(n(tau2))),
            tau2.sqrt(),
            "The spread of the trials' true effects in the units of the analysis scale: about 95% of them lie within ±2τ of the mean effect (when they are normally distributed).".to_owned(),
            RE,
        );
        q_profile(out, missing, a, studies, tau2, s2);
    }
    let crit = if s.ci == CiMethod::HartungKnapp && k > 1 {
        let df = (k - 1) as f64;
        let spread: f64 = ws
            .iter()
            .zip(studies)
            .map(|(w, s)| w * (s.1 - mu).powi(2))
            .sum();
        let se = (spread / (df * sw)).sqrt();
        let t = t_quantile(0.975, df);
        push(
            out,
            "random estimate".to_owned(),
            "Pooled estimate (random effects)".to_owned(),
            div(
                Box::new(Expr::Sum(mul(sym("w*", Some("i")), sym("y", Some("i"))))),
                Box::new(Expr::Sum(sym("w*", Some("i")))),
            ),
            div(n(swy), n(sw)),
            mu,
            "The weighted average of the trials' effects.".to_owned(),
            RE,
        );
        push(out, "random se".to_owned(), "Its standard error (Hartung-Knapp)".to_owned(),
            Box::new(Expr::Sqrt(div(Box::new(Expr::Sum(mul(sym("w*", Some("i")), Box::new(Expr::Square(sub(sym("y", Some("i")), sym("μ", None))))))), mul(sub(sym("k", None), n(1.0)), Box::new(Expr::Sum(sym("w*", Some("i")))))))),
            Box::new(Expr::Sqrt(div(n(spread), mul(n(df), n(sw))))), se,
            "The standard error scaled by how much the trials actually vary around the estimate (Hartung & Knapp 2001).".to_owned(), HK);
        push(
            out,
            "random ci lower".to_owned(),
            "Lower 95% limit (Hartung-Knapp)".to_owned(),
            sub(sym("μ", None), mul(sym("t", Some("k−1")), sym("SE", None))),
            sub(n(mu), mul(n(t), n(se))),
            mu - t * se,
            "With t on k − 1 degrees of freedom instead of z: wider when trials are few."
                .to_owned(),
            HK,
        );
        push(
            out,
            "random ci upper".to_owned(),
            "Upper 95% limit (Hartung-Knapp)".to_owned(),
            add(sym("μ", None), mul(sym("t", Some("k−1")), sym("SE", None))),
            add(n(mu), mul(n(t), n(se))),
            mu + t * se,
            "…and below this.".to_owned(),
            HK,
        );
        push(out, "random t".to_owned(), "Test for the overall effect: t (Hartung-Knapp)".to_owned(),
            div(sym("μ", None), sym("SE", None)), div(n(mu), n(se)), mu / se,
            "How many standard errors the pooled effect is from no effect, referred to t on k − 1 degrees of freedom.".to_owned(), HK);
        push(
            out,
            "random p".to_owned(),
            "Its p value (Hartung-Knapp)".to_owned(),
            Box::new(Expr::TwoSidedT(df, sym("t", None))),
            Box::new(Expr::TwoSidedT(df, n(mu / se))),
            t_two_sided_p(mu / se, df),
            "The chance of a t at least this far from 0 if the treatment had no effect.".to_owned(),
            HK,
        );
        (t, se)
    } else {
        pooled(
            out,
            "random",
            "random effects",
            mu,
            (1.0 / sw).sqrt(),
            swy,
            sw,
        );
        (normal_quantile(0.975), (1.0 / sw).sqrt())
    };
    if k > 1 {
        let (crit, se) = crit;
        let sd = (se * se + tau2).sqrt();
        push(out, "prediction lower".to_owned(), "Prediction interval, lower limit (metafor predict)".to_owned(),
            sub(sym("μ", None), mul(sym("c", None), Box::new(Expr::Sqrt(add(Box::new(Expr::Square(sym("SE", None))), Box::new(Expr::Square(sym("τ", None)))))))),
            sub(n(mu), mul(n(crit), Box::new(Expr::Sqrt(add(Box::new(Expr::Square(n(se))), n(tau2)))))), mu - crit * sd,
            "Where the true effect of a new trial like these is expected to lie, with 95% probability (c: the critical value of the interval).".to_owned(), PI);
        push(
            out,
            "prediction upper".to_owned(),
            "Prediction interval, upper limit (metafor predict)".to_owned(),
            add(
                sym("μ", None),
                mul(
                    sym("c", None),
                    Box::new(Expr::Sqrt(add(
                        Box::new(Expr::Square(sym("SE", None))),
                        Box::new(Expr::Square(sym("τ", None))),
                    ))),
                ),
            ),
            add(
                n(mu),
                mul(
                    n(crit),
                    Box::new(Expr::Sqrt(add(Box::new(Expr::Square(n(se))), n(tau2)))),
                ),
            ),
            mu + crit * sd,
            "…and up to here.".to_owned(),
            PI,
        );
        if k >= 3 {
            let t = t_quantile(0.975, (k - 2) as f64);
            push(out, "prediction t lower".to_owned(), "Prediction interval, lower limit (t, k − 2 df)".to_owned(),
                sub(sym("μ", None), mul(sym("t", Some("k−2")), Box::new(Expr::Sqrt(add(Box::new(Expr::Square(sym("SE", None))), Box::new(Expr::Square(sym("τ", None)))))))),
                sub(n(mu), mul(n(t), Box::new(Expr::Sqrt(add(Box::new(Expr::Square(n(se))), n(tau2)))))), mu - t * sd,
                "The same with t on k − 2 degrees of freedom, which allows for τ² being estimated (Higgins, Thompson & Spiegelhalter 2009).".to_owned(), PI);
            push(
                out,
                "prediction t upper".to_owned(),
                "Prediction interval, upper limit (t, k − 2 df)".to_owned(),
                add(
                    sym("μ", None),
                    mul(
                        sym("t", Some("k−2")),
                        Box::new(Expr::Sqrt(add(
                            Box::new(Expr::Square(sym("SE", None))),
                            Box::new(Expr::Square(sym("τ", None))),
                        ))),
                    ),
                ),
                add(
                    n(mu),
                    mul(
                        n(t),
                        Box::new(Expr::Sqrt(add(Box::new(Expr::Square(n(se))), n(tau2)))),
                    ),
                ),
                mu + t * sd,
                "…and up to here.".to_owned(),
                PI,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::report::ReportOptions;
    use crate::settings::Settings;

    fn report(text: &str, settings: Settings) -> Report {
        Report::new(
            &parse::parse(text).raw_rows(),
            &ReportOptions {
                settings,
                ..ReportOptions::default()
            },
        )
    }

    const BCG: &str = include_str!("../../../src/examples/bcg.tsv");
    const CATHETERS: &str = include_str!("../../../src/examples/catheters.tsv");

    /// A click on a row's numbers on the forest plot names that row's explanations: each
    /// trial's estimate, interval and weights, the overall pooled rows; a trial switched
    /// off, its name and the axis name none.
    #[test]
    fn the_forest_plot_names_the_explanations_of_its_rows() {
        let mut rows = parse::parse(BCG).raw_rows();
        rows[2].excluded = true;
        let r = Report::new(&rows, &ReportOptions::default());
        let (d, _) = explain(&r);
        let layout = crate::forest::layout(&r.forest(), &crate::forest::PlotOptions::default());
        let x = (layout.labels_right + layout.axis.x0) / 2.0;
        let mut studies = 0;
        let mut pooled = Vec::new();
        let mut notes = Vec::new();
        for row in &layout.rows {
            let keys = layout.explain_at(x, row.y);
            match row.kind {
                crate::forest::RowKind::Study if row.table_row == Some(2) => {
                    assert_eq!(keys, None, "switched off")
                }
                crate::forest::RowKind::Study => {
                    let keys = keys.expect("a trial's numbers");
                    for key in keys.split(KEY_SEPARATOR) {
                        assert!(d.iter().any(|x| x.key == key), "{key}");
                    }
                    let models = r.options.models.models().len();
                    assert_eq!(keys.matches("weight").count(), models, "{keys}");
                    assert_eq!(layout.explain_at(5.0, row.y), None, "the name toggles");
                    studies += 1;
                }
                crate::forest::RowKind::Pooled => pooled.push(keys.expect("pooled")),
                crate::forest::RowKind::Prediction => {
                    assert_eq!(keys, Some(PREDICTION_KEYS));
                    let t = r
                        .analysis
                        .random
                        .as_ref()
                        .ok()
                        .and_then(|f| f.prediction.as_ref());
                    let t = t.and_then(|p| p.t).expect("a prediction interval");
                    let lower = d
                        .iter()
                        .find(|x| x.key == "prediction t lower")
                        .expect("lower");
                    assert_eq!(lower.value, t.lower);
                }
                crate::forest::RowKind::Note => {
                    // Footer lines, from their first letter on.
                    if let Some(keys) = layout.explain_at(12.0, row.y) {
                        notes.push(keys.to_owned());
                    }
                }
                _ => assert_eq!(keys, None, "{:?}", row.kind),
            }
        }
        assert_eq!(
            notes.len(),
            2,
            "heterogeneity and the overall test: {notes:?}"
        );
        for key in notes.iter().flat_map(|k| k.split(KEY_SEPARATOR)) {
            assert!(d.iter().any(|x| x.key == key), "{key}");
        }
        assert_eq!(studies, 12);
        assert_eq!(pooled, [pooled_keys(crate::rma::Model::Random)]);
        let estimate = d
            .iter()
            .find(|x| x.key == "random estimate")
            .expect("explained");
        assert_eq!(
            estimate.value,
            r.analysis.random.as_ref().expect("fit").pooled.estimate
        );
        // Past the plot, nothing.
        let last = layout.rows.last().expect("rows");
        assert_eq!(layout.explain_at(layout.width + 1.0, last.y), None);

        // With subgroups, the test for subgroup differences, for either model.
        let text = include_str!("../../../src/examples/azithromycin.tsv");
        for models in [
            crate::report::ModelView::Common,
            crate::report::ModelView::Random,
        ] {
            let r = Report::new(
                &parse::parse(text).raw_rows(),
                &ReportOptions {
                    models,
                    ..ReportOptions::default()
                },
            );
            let (d, _) = explain(&r);
            let spec = r.forest();
            let line = spec
                .footer
                .iter()
                .find(|l| l.text.starts_with("Test for subgroup differences"))
                .expect("the test");
            let keys: Vec<&str> = line.explain.split(KEY_SEPARATOR).collect();
            assert_eq!(keys.len(), 3);
            let test = r.analysis.subgroups.as_ref().expect("subgroups");
            let test = match models {
                crate::report::ModelView::Common => &test.test_common,
                _ => &test.test_random,
            };
            let test = test.as_ref().expect("a test");
            for (key, want) in keys.into_iter().zip([test.q, test.p, test.i2]) {
                let x = d.iter().find(|x| x.key == key).expect(key);
                assert!((x.value - want).abs() <= 1e-12 * (1.0 + want), "{key}");
            }
            for l in &spec.footer {
                for key in l.explain.split(KEY_SEPARATOR).filter(|k| !k.is_empty()) {
                    assert!(d.iter().any(|x| x.key == key), "{models:?} {key}");
                }
            }
        }
    }

    /// The absolute effects' derivations give the numbers shown beside the pooled result,
    /// to the last bit, for every measure and for a control risk typed or the median.
    #[test]
    fn absolute_effects_are_explained_with_the_numbers_shown() {
        for (text, measure) in [
            (BCG, Measure::RiskRatio),
            (BCG, Measure::OddsRatio),
            (CATHETERS, Measure::RiskDifference),
        ] {
            let settings = Settings {
                measure,
                ..Settings::default()
            };
            let r = report(text, settings);
            let fit = r.overall(r.options.models.primary()).expect("pooled");
            for typed in [None, Some(0.2)] {
                let acr = typed
                    .or_else(|| crate::interpret::median_control_risk(&r.studies))
                    .expect("a control risk");
                let a = crate::absolute::absolute_effects(&fit.pooled, measure, acr)
                    .expect("absolute effects");
                let all = absolute(&r, typed);
                let mut keys: Vec<&str> = all.iter().map(|x| x.key.as_str()).collect();
                let mut wanted: Vec<&str> = ABSOLUTE_KEYS.split(KEY_SEPARATOR).collect();
                keys.sort_unstable();
                wanted.sort_unstable();
                assert_eq!(keys, wanted, "every key offered, and only those");
                let get = |key: &str| all.iter().find(|x| x.key == key).expect(key).clone();
                // The limits, as shown.
                for (which, treated, difference) in [
                    (
                        "lower",
                        a.treated_per_1000.lower,
                        a.difference_per_1000.lower,
                    ),
                    (
                        "upper",
                        a.treated_per_1000.upper,
                        a.difference_per_1000.upper,
                    ),
                ] {
                    for (key, want) in [
                        (format!("absolute treated {which}"), treated),
                        (format!("absolute difference {which}"), difference),
                        (format!("nnt {which}"), 1000.0 / difference.abs()),
                    ] {
                        let x = get(&key);
                        assert_eq!(x.value, want, "{measure:?} {key}");
                        let v = x.substituted.eval().expect("no symbols left");
                        assert!(
                            (v - want).abs() <= 1e-12 * want.abs().max(1.0),
                            "{measure:?} {key}: {v} is not {want}"
                        );
                    }
                }
                let d: Vec<Derivation> = [
                    "absolute control",
                    "absolute treated",
                    "absolute difference",
                    "nnt",
                ]
                .into_iter()
                .map(get)
                .collect();
                let needed = match a.number_needed {
                    crate::absolute::NumberNeeded::OneFewerEvent(x)
                    | crate::absolute::NumberNeeded::OneMoreEvent(x) => x,
                    crate::absolute::NumberNeeded::Infinite => f64::INFINITY,
                };
                let shown = [
                    a.control_per_1000,
                    a.treated_per_1000.estimate,
                    a.difference_per_1000.estimate,
                    needed,
                ];
                for (x, want) in d.iter().zip(shown) {
                    assert_eq!(x.value, want, "{measure:?} {}", x.key);
                    let v = x.substituted.eval().expect("no symbols left");
                    assert!(
                        (v - want).abs() <= 1e-12 * want.abs().max(1.0),
                        "{measure:?} {}: {v} is not {want}",
                        x.key
                    );
                    assert!(!x.formula.to_mathml().is_empty());
                }
            }
        }
        assert!(absolute(&report("", Settings::default()), None).is_empty());
    }

    /// Every substituted formula evaluates to its value, and the values are the numbers
    /// the analysis reports.
    #[test]
    fn every_derivation_gives_the_reported_number() {
        let five: String = BCG.lines().take(6).map(|l| format!("{l}\n")).collect();
        let cases = [
            (BCG, Measure::RiskRatio, CiMethod::Wald),
            (BCG, Measure::OddsRatio, CiMethod::HartungKnapp),
            (CATHETERS, Measure::RiskDifference, CiMethod::Wald),
            (CATHETERS, Measure::OddsRatio, CiMethod::HartungKnapp),
            (five.as_str(), Measure::RiskRatio, CiMethod::Wald),
        ];
        for (text, measure, ci) in cases {
            let settings = Settings {
                measure,
                ci,
                tau2: Tau2Estimator::DerSimonianLaird,
                ..Settings::default()
            };
            let r = report(text, settings);
            let (d, missing) = explain(&r);
            assert!(missing.is_empty(), "{missing:?}");
            for x in &d {
                let v = x.substituted.eval().expect("no symbols left");
                assert!(
                    (v - x.value).abs() <= 1e-9 * (1.0 + x.value.abs()),
                    "{}: {} evaluates to {v}, not {}",
                    x.key,
                    x.substituted.to_text(),
                    x.value
                );
                assert!(
                    x.formula.eval().is_none(),
                    "{}: the formula has symbols",
                    x.key
                );
            }
            let get = |key: &str| {
                d.iter()
                    .find(|x| x.key == key)
                    .unwrap_or_else(|| panic!("{key}"))
                    .value
            };
            let a = &r.analysis;
            let common = a.common.as_ref().expect("common fit");
            let random = a.random.as_ref().expect("random fit");
            let close = |key: &str, y: f64| {
                let x = get(key);
                assert!(
                    (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                    "{key}: {x} against {y}"
                );
            };
            close("common estimate", common.pooled.estimate);
            close("common se", common.pooled.se);
            close("common ci lower", common.pooled.ci.lower);
            close("common p", common.pooled.p);
            close("Q", common.heterogeneity.q);
            close("Q p", common.heterogeneity.q_p);
            close("I2", common.heterogeneity.i2);
            close("H2", common.heterogeneity.h2);
            close("tau2", random.heterogeneity.tau2);
            close("random I2", random.heterogeneity.i2);
            close("random H2", random.heterogeneity.h2);
            close("tau", random.heterogeneity.tau2.sqrt());
            for (s, result) in a.studies.iter().enumerate() {
                if let Some(w) = result.weight_common {
                    close(&format!("study {} weight common", s + 1), w);
                }
                if let Some(w) = result.weight_random {
                    close(&format!("study {} weight random", s + 1), w);
                }
            }
            let h = &random.heterogeneity;
            for (ci, name) in [
                (h.tau2_ci, "tau2"),
                (h.i2_ci, "random I2"),
                (h.h2_ci, "random H2"),
            ] {
                let ci = ci.expect("a Q-profile interval");
                close(&format!("{name} ci lower"), ci.lower);
                close(&format!("{name} ci upper"), ci.upper);
            }
            close("random estimate", random.pooled.estimate);
            close("random se", random.pooled.se);
            close("random ci lower", random.pooled.ci.lower);
            close("random ci upper", random.pooled.ci.upper);
            let prediction = random.prediction.as_ref().expect("prediction");
            close("prediction lower", prediction.normal.lower);
            close("prediction upper", prediction.normal.upper);
            let t = prediction.t.as_ref().expect("k ≥ 3");
            close("prediction t lower", t.lower);
            close("prediction t upper", t.upper);
            if ci == CiMethod::HartungKnapp {
                close("random t", random.pooled.stat);
                close("random p", random.pooled.p);
            } else {
                close("random z", random.pooled.stat);
                close("random p", random.pooled.p);
            }
            for s in &a.studies {
                if let Ok(e) = &s.effect {
                    close(&format!("study {} yi", s.index + 1), e.yi);
                    close(&format!("study {} vi", s.index + 1), e.vi);
                }
            }
        }
    }

    /// Mantel-Haenszel (each measure) and Peto: the same checks for their common-effect
    /// results and, for Mantel-Haenszel, Q around its estimate.
    #[test]
    fn mantel_haenszel_and_peto_give_the_reported_numbers() {
        let five: String = CATHETERS
            .lines()
            .take(6)
            .map(|l| format!("{l}\n"))
            .collect();
        let mut cases = Vec::new();
        for text in [BCG, CATHETERS, five.as_str()] {
            for measure in [
                Measure::RiskRatio,
                Measure::OddsRatio,
                Measure::RiskDifference,
            ] {
                cases.push((text, measure, Method::MantelHaenszel));
            }
            cases.push((text, Measure::OddsRatio, Method::Peto));
        }
        let estimators = [
            Tau2Estimator::RestrictedMaximumLikelihood,
            Tau2Estimator::DerSimonianLaird,
        ];
        let cases = cases.into_iter().flat_map(|c| {
            estimators.into_iter().flat_map(move |tau2| {
                [Convention::Metafor, Convention::RevMan5].map(|convention| (c, tau2, convention))
            })
        });
        for ((text, measure, method), tau2, convention) in cases {
            let r = report(
                text,
                Settings {
                    measure,
                    method,
                    tau2,
                    convention,
                    ..Settings::default()
                },
            );
            let (d, missing) = explain(&r);
            assert!(missing.is_empty(), "{missing:?}");
            for x in &d {
                let v = x.substituted.eval().expect("no symbols left");
                assert!(
                    (v - x.value).abs() <= 1e-9 * (1.0 + x.value.abs()),
                    "{method:?} {measure:?} {}: {} evaluates to {v}, not {}",
                    x.key,
                    x.substituted.to_text(),
                    x.value
                );
            }
            let common = r.analysis.common.as_ref().expect("common fit");
            let get = |key: &str| {
                d.iter()
                    .find(|x| x.key == key)
                    .unwrap_or_else(|| panic!("{key}"))
                    .value
            };
            let close = |key: &str, y: f64| {
                let x = get(key);
                assert!(
                    (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                    "{method:?} {measure:?} {key}: {x} against {y}"
                );
            };
            close("common estimate", common.pooled.estimate);
            close("common se", common.pooled.se);
            close("common ci upper", common.pooled.ci.upper);
            close("common p", common.pooled.p);
            close("Q", common.heterogeneity.q);
            close("Q p", common.heterogeneity.q_p);
            close("I2", common.heterogeneity.i2);
            close("H2", common.heterogeneity.h2);
            let one = r.studies.len() == 1 && convention == Convention::RevMan5;
            for s in r.analysis.studies.iter().filter(|_| !one) {
                if let Some(w) = s.weight_common {
                    close(&format!("study {} weight common", s.index + 1), w);
                }
                if let Some(w) = s.weight_random {
                    close(&format!("study {} weight random", s.index + 1), w);
                }
            }
            for s in &r.analysis.studies {
                if let Ok(e) = &s.effect {
                    close(&format!("study {} yi", s.index + 1), e.yi);
                    close(&format!("study {} vi", s.index + 1), e.vi);
                    let z = normal_quantile(0.975);
                    close(
                        &format!("study {} ci lower", s.index + 1),
                        e.yi - z * e.vi.sqrt(),
                    );
                }
            }
            // Random effects after them: an inverse-variance fit of the trials' own
            // estimates with the chosen estimator (REML or DL), as metafor's rma().
            let random = r.analysis.random.as_ref().expect("random fit");
            close("tau2", random.heterogeneity.tau2);
            close("random estimate", random.pooled.estimate);
            close("random se", random.pooled.se);
            close("random ci lower", random.pooled.ci.lower);
            close("random ci upper", random.pooled.ci.upper);
            close("random p", random.pooled.p);
        }
    }

    /// The subgroup test of the azithromycin example, in both models.
    #[test]
    fn the_subgroup_test_gives_the_reported_numbers() {
        let r = report(
            include_str!("../../../src/examples/azithromycin.tsv"),
            Settings::default(),
        );
        let (d, _) = explain(&r);
        let groups = r.analysis.subgroups.as_ref().expect("subgroups");
        for (model, test) in [
            ("common", &groups.test_common),
            ("random", &groups.test_random),
        ] {
            let test = test.as_ref().expect("a test");
            let q = d
                .iter()
                .find(|x| x.key == format!("subgroups {model} Q"))
                .expect("Q");
            assert!((q.value - test.q).abs() <= 1e-12 * (1.0 + test.q));
            assert!(
                (q.substituted.eval().expect("numbers") - test.q).abs() <= 1e-9 * (1.0 + test.q)
            );
            let p = d
                .iter()
                .find(|x| x.key == format!("subgroups {model} p"))
                .expect("p");
            assert!((p.value - test.p).abs() <= 1e-12);
        }
    }

    /// Each subgroup's own results are explained, equal to its fits, for the methods and
    /// conventions; the plot's subtotal rows and subgroup lines name only explained keys.
    #[test]
    fn each_subgroups_own_results_are_explained() {
        let text = include_str!("../../../src/examples/azithromycin.tsv");
        let settings = [
            Settings::default(),
            Settings {
                tau2: Tau2Estimator::DerSimonianLaird,
                ci: CiMethod::HartungKnapp,
                ..Settings::default()
            },
            Settings {
                method: Method::MantelHaenszel,
                convention: Convention::RevMan5,
                tau2: Tau2Estimator::DerSimonianLaird,
                ..Settings::default()
            },
        ];
        for settings in settings {
            let r = Report::new(
                &parse::parse(text).raw_rows(),
                &ReportOptions {
                    settings,
                    models: crate::report::ModelView::Both,
                    ..ReportOptions::default()
                },
            );
            let (d, missing) = explain(&r);
            assert!(missing.is_empty(), "{missing:?}");
            let get = |key: &str| d.iter().find(|x| x.key == key).map(|x| x.value);
            let groups = &r.analysis.subgroups.as_ref().expect("subgroups").groups;
            assert!(groups.len() > 1);
            for (g, group) in groups.iter().enumerate() {
                let p = subgroup_prefix(g);
                for (model, fit) in [("common", &group.common), ("random", &group.random)] {
                    let Ok(fit) = fit else { continue };
                    for (key, want) in [
                        ("estimate", fit.pooled.estimate),
                        ("ci lower", fit.pooled.ci.lower),
                        ("ci upper", fit.pooled.ci.upper),
                        ("p", fit.pooled.p),
                    ] {
                        let key = format!("{p}{model} {key}");
                        let x = get(&key).unwrap_or_else(|| panic!("{settings:?}: {key}"));
                        assert!((x - want).abs() <= 1e-12 * (1.0 + want.abs()), "{key}");
                    }
                }
                if let Ok(fit) = &group.random
                    && fit.pooled.k > 1
                {
                    let tau2 = get(&format!("{p}tau2")).expect("τ²");
                    assert!(
                        (tau2 - fit.heterogeneity.tau2).abs() <= 1e-12,
                        "{settings:?}"
                    );
                }
            }
            let spec = r.forest();
            for section in &spec.sections {
                let keys = section
                    .pooled
                    .iter()
                    .map(|p| &p.explain)
                    .chain(section.notes.iter().map(|n| &n.explain));
                for key in keys
                    .flat_map(|k| k.split(KEY_SEPARATOR))
                    .filter(|k| !k.is_empty())
                {
                    assert!(get(key).is_some(), "{settings:?}: {key} offered");
                }
            }
        }
    }

    /// RevMan 5 reports one trial's own estimate as the Mantel-Haenszel result.
    #[test]
    fn one_trial_by_revman_5s_rules_is_its_own_estimate() {
        for measure in [
            Measure::RiskRatio,
            Measure::OddsRatio,
            Measure::RiskDifference,
        ] {
            let r = report(
                "A\t3\t40\t0\t41\n",
                Settings {
                    measure,
                    method: Method::MantelHaenszel,
                    convention: Convention::RevMan5,
                    ..Settings::default()
                },
            );
            let (d, missing) = explain(&r);
            assert!(missing.is_empty(), "{missing:?}");
            let fit = r.analysis.common.as_ref().expect("a result");
            for (key, want) in [
                ("common estimate", fit.pooled.estimate),
                ("common se", fit.pooled.se),
                ("common ci lower", fit.pooled.ci.lower),
            ] {
                let x = d.iter().find(|x| x.key == key).expect(key);
                assert!(
                    (x.value - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "{measure:?} {key}"
                );
            }
            let own = d
                .iter()
                .find(|x| x.key == "study 1 yi")
                .expect("the trial's own");
            assert_eq!(own.value, fit.pooled.estimate, "{measure:?}");
        }
    }

    /// Every τ² estimator is derived, and equals the analysis's τ²; the iterative ones
    /// list their steps.
    #[test]
    fn every_tau2_estimator_is_derived() {
        for text in [
            BCG,
            CATHETERS,
            include_str!("../../../src/examples/azithromycin.tsv"),
        ] {
            for estimator in Tau2Estimator::ALL {
                let r = report(
                    text,
                    Settings {
                        tau2: estimator,
                        ..Settings::default()
                    },
                );
                let (d, missing) = explain(&r);
                let tau2 = r
                    .analysis
                    .random
                    .as_ref()
                    .expect("random fit")
                    .heterogeneity
                    .tau2;
                assert!(missing.is_empty(), "{estimator:?}: {missing:?}");
                let x = d.iter().find(|x| x.key == "tau2").expect("tau2");
                assert!((x.value - tau2).abs() <= 1e-15, "{estimator:?}");
                let v = x.substituted.eval().expect("numbers");
                assert!(
                    (v - tau2).abs() <= 1e-9 * (1.0 + tau2),
                    "{estimator:?}: {v} against {tau2}"
                );
                match &x.iterations {
                    Iterations::Scoring(steps) => {
                        assert!(matches!(
                            estimator,
                            Tau2Estimator::MaximumLikelihood
                                | Tau2Estimator::RestrictedMaximumLikelihood
                                | Tau2Estimator::EmpiricalBayes
                        ));
                        for pair in steps.windows(2) {
                            assert_eq!(pair[0].tau2 + pair[0].step, pair[1].tau2, "steps chain");
                        }
                    }
                    Iterations::RootSearch { steps, .. } => {
                        assert_eq!(estimator, Tau2Estimator::PauleMandel);
                        let last = steps.last().expect("steps");
                        if tau2 > 0.0 {
                            assert!(last.excess.abs() < 0.01, "{last:?}");
                        } else {
                            assert!(
                                last.tau2 == 0.0 && last.excess < 0.0,
                                "{last:?}: Q(0) < k − 1"
                            );
                        }
                        let check = d.iter().find(|x| x.key == "tau2 PM check").expect("check");
                        let k = r
                            .analysis
                            .studies
                            .iter()
                            .filter(|s| s.effect.is_ok())
                            .count() as f64;
                        assert!(
                            (check.value - (k - 1.0)).abs() < 0.01 || tau2 == 0.0,
                            "{}",
                            check.value
                        );
                    }
                    Iterations::None => assert!(!matches!(
                        estimator,
                        Tau2Estimator::MaximumLikelihood
                            | Tau2Estimator::RestrictedMaximumLikelihood
                            | Tau2Estimator::EmpiricalBayes
                            | Tau2Estimator::PauleMandel
                    )),
                }
                // The Q-profile limits around this τ²: the reported ones, each found
                // where the generalised Q meets its critical value (or at an end of the
                // search range, tried nowhere).
                let h = &r.analysis.random.as_ref().expect("fit").heterogeneity;
                let ci = h.tau2_ci.expect("a Q-profile interval");
                for (key, want) in [("tau2 ci lower", ci.lower), ("tau2 ci upper", ci.upper)] {
                    let x = d.iter().find(|x| x.key == key).expect(key);
                    assert_eq!(x.value, want, "{estimator:?} {key}");
                    match &x.iterations {
                        Iterations::RootSearch { steps, target } if !steps.is_empty() => {
                            assert!(target.starts_with("χ² = "));
                            let last = steps.last().expect("a step");
                            assert!(last.excess.abs() < 0.05, "{estimator:?} {key}: {last:?}");
                        }
                        _ => assert!(
                            x.meaning.contains("end of the search range"),
                            "{}",
                            x.meaning
                        ),
                    }
                }
                for name in ["random I2", "random H2"] {
                    assert!(d.iter().any(|x| x.key == format!("{name} ci lower")));
                }
            }
        }
    }

    #[test]
    fn formulas_render_as_text_and_mathml() {
        let r = report(
            BCG,
            Settings {
                tau2: Tau2Estimator::DerSimonianLaird,
                ..Settings::default()
            },
        );
        let (d, _) = explain(&r);
        let estimate = d
            .iter()
            .find(|x| x.key == "common estimate")
            .expect("estimate");
        assert_eq!(estimate.formula.to_text(), "(Σ_i w_i · y_i) / (Σ_i w_i)");
        let m = estimate.formula.to_mathml();
        assert!(m.starts_with("<mfrac>") && m.contains("<mo>∑</mo>"), "{m}");
        let text = to_text(&d);
        assert!(text.contains("= -0.4"), "{text}");
        assert!(text.lines().filter(|l| l.starts_with("= ")).count() == d.len());
    }
}
