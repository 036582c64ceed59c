//! Running one reference analysis or extra through the engine and building the tree of
//! the engine's values to compare with the file's.

use super::Failure;
use super::compare::{Comparison, Tolerance};
use super::reference::{Node, ReferenceAnalysis};
use crate::analysis::{Analysis, analyze};
use crate::bias;
use crate::rma::{Fit, Interval, Model, Undefined};
use crate::sensitivity;
use crate::settings::{
    Choice, CiMethod, CorrectionScope, Measure, Method, Settings, Tau2Estimator, ZeroCellCorrection,
};
use crate::subgroup::SubgroupTest;
use crate::table::Study;
use std::collections::BTreeMap;

/// Keys of `extras.<measure>` that describe rather than hold results.
pub(super) fn is_description(key: &str) -> bool {
    matches!(key, "measure" | "base")
}

/// The pooling model of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ModelSpec {
    Common,
    Random,
}

/// An analysis specification read from a reference file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spec {
    pub measure: Measure,
    pub method: Method,
    pub model: ModelSpec,
    pub tau2: Option<Tau2Estimator>,
    pub ci: CiMethod,
    pub correction: ZeroCellCorrection,
}

fn unsupported(field: &str, value: &str) -> Failure {
    Failure::Unsupported {
        field: field.to_string(),
        value: value.to_string(),
    }
}

pub(super) fn measure(code: &str) -> Result<Measure, Failure> {
    <Measure as Choice>::from_metafor(code).ok_or_else(|| unsupported("measure", code))
}

pub(super) fn spec(a: &ReferenceAnalysis) -> Result<Spec, Failure> {
    let method =
        <Method as Choice>::from_code(&a.method).ok_or_else(|| unsupported("method", &a.method))?;
    let model = match a.model.as_str() {
        "common" => ModelSpec::Common,
        "random" => ModelSpec::Random,
        other => return Err(unsupported("model", other)),
    };
    let tau2 = match (&a.tau2_method, model) {
        (Some(code), _) => Some(
            <Tau2Estimator as Choice>::from_metafor(code)
                .ok_or_else(|| unsupported("tau2_method", code))?,
        ),
        (None, ModelSpec::Random) => {
            return Err(unsupported("tau2_method", "null with model random"));
        }
        (None, ModelSpec::Common) => None,
    };
    let ci = <CiMethod as Choice>::from_code(&a.ci_method)
        .ok_or_else(|| unsupported("ci_method", &a.ci_method))?;
    Ok(Spec {
        measure: measure(&a.measure)?,
        method,
        model,
        tau2,
        ci,
        correction: correction(&a.correction)?,
    })
}

/// metafor's `add`/`to`; `drop00` is decided by the measure in the engine (see
/// `effect::DoubleZeroPolicy`), and a different choice in the file shows up as
/// mismatching study estimates.
fn correction(c: &BTreeMap<String, Node>) -> Result<ZeroCellCorrection, Failure> {
    let mut out = ZeroCellCorrection::default();
    for (key, value) in c {
        match (key.as_str(), value) {
            ("add", Node::Number(x)) => out.increment = *x,
            ("to", Node::Text(to)) => {
                out.scope = CorrectionScope::from_metafor(to)
                    .ok_or_else(|| unsupported("correction.to", to))?;
            }
            ("drop00", Node::Bool(_)) | ("note" | "applies_to", Node::Text(_)) => {}
            (key, value) => {
                return Err(unsupported(
                    &format!("correction.{key}"),
                    &format!("{value:?}"),
                ));
            }
        }
    }
    Ok(out)
}

/// The tolerance of a field of an analysis.
pub(super) fn analysis_tolerance(spec: &Spec, field: &str) -> Tolerance {
    let iterative_tau2 = spec.model == ModelSpec::Random
        && matches!(
            spec.tau2,
            Some(
                Tau2Estimator::RestrictedMaximumLikelihood
                    | Tau2Estimator::MaximumLikelihood
                    | Tau2Estimator::PauleMandel
                    | Tau2Estimator::EmpiricalBayes
            )
        );
    let base = field.split('[').next().unwrap_or(field);
    let closed_form = matches!(
        base,
        "studies.yi"
            | "studies.vi"
            | "pooled.k"
            | "pooled.Q"
            | "pooled.df"
            | "pooled.Q_p"
            | "pooled.dfs"
    );
    let q_profile = matches!(base, "pooled.tau2_ci" | "pooled.I2_ci" | "pooled.H2_ci");
    if q_profile || (iterative_tau2 && !closed_form) {
        Tolerance::Iterative
    } else {
        Tolerance::ClosedForm
    }
}

/// The tolerance of a field of an extra: trim-and-fill iterates, the rest (DL-based) is
/// closed form.
pub(super) fn extra_tolerance(name: &str) -> Tolerance {
    if name.starts_with("trimfill") {
        Tolerance::Iterative
    } else {
        Tolerance::ClosedForm
    }
}

/// Runs one analysis and compares it with the reference.
pub(super) fn analysis(studies: &[Study], a: &ReferenceAnalysis) -> (Comparison, Option<Failure>) {
    let mut comparison = Comparison::default();
    let spec = match spec(a) {
        Ok(spec) => spec,
        Err(f) => return (comparison, Some(f)),
    };
    let settings = Settings {
        measure: spec.measure,
        method: spec.method,
        tau2: spec.tau2.unwrap_or_default(),
        ci: spec.ci,
        correction: spec.correction,
        ..Settings::default()
    };
    let result = analyze(studies, &settings);
    let model = match spec.model {
        ModelSpec::Common => Model::Common,
        ModelSpec::Random => Model::Random,
    };
    let fit = match result.fit(model) {
        Ok(fit) => fit,
        Err(why) => return (comparison, Some(Failure::Undefined(why.to_string()))),
    };
    let effects = || result.studies.iter().map(|s| s.effect.as_ref().ok());
    let weights = result.studies.iter().map(|s| match model {
        Model::Common => s.weight_common,
        Model::Random => s.weight_random,
    });
    let actual_studies = BTreeMap::from([
        (
            "yi".to_string(),
            Node::numbers(effects().map(|e| e.map(|e| e.yi))),
        ),
        (
            "vi".to_string(),
            Node::numbers(effects().map(|e| e.map(|e| e.vi))),
        ),
        ("weight_pct".to_string(), Node::numbers(weights)),
    ]);
    let tolerance = |field: &str| analysis_tolerance(&spec, field);
    for (key, expected) in &a.studies {
        let actual = actual_studies
            .get(key)
            .map(|actual| shaped_like(expected, actual));
        comparison.tree(
            &format!("studies.{key}"),
            expected,
            actual.as_ref(),
            &tolerance,
        );
    }
    comparison.maps("pooled", &a.pooled, &pooled(fit), &tolerance);
    (comparison, None)
}

/// A list of one value compared with a scalar (files hold a single study's values as
/// numbers, as R's `jsonlite` writes length-one vectors).
fn shaped_like(expected: &Node, actual: &Node) -> Node {
    match (expected, actual) {
        (Node::Number(_) | Node::Null, Node::List(values)) if values.len() == 1 => {
            values[0].clone()
        }
        _ => actual.clone(),
    }
}

pub(super) fn interval(i: Option<Interval>) -> Node {
    match i {
        Some(i) => Node::numbers([Some(i.lower), Some(i.upper)]),
        None => Node::Null,
    }
}

pub(super) fn map<const N: usize>(entries: [(&str, Node); N]) -> BTreeMap<String, Node> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

pub(super) fn usize_node(x: usize) -> Node {
    // Counts in reference files are small; f64 holds them exactly.
    Node::Number(x as f64)
}

/// The engine's pooled results under the reference files' names.
fn pooled(fit: &Fit) -> BTreeMap<String, Node> {
    let p = &fit.pooled;
    let h = &fit.heterogeneity;
    let prediction = fit.prediction.as_ref();
    map([
        ("estimate", Node::number(Some(p.estimate))),
        ("se", Node::number(Some(p.se))),
        ("ci_lower", Node::number(Some(p.ci.lower))),
        ("ci_upper", Node::number(Some(p.ci.upper))),
        ("stat", Node::number(Some(p.stat))),
        ("p", Node::number(Some(p.p))),
        ("dfs", Node::number(p.df)),
        ("k", usize_node(p.k)),
        ("Q", Node::number(Some(h.q))),
        ("df", usize_node(h.df)),
        ("Q_p", Node::number(Some(h.q_p))),
        ("I2", Node::number(Some(h.i2))),
        ("H2", Node::number(Some(h.h2))),
        ("tau2", Node::number(Some(h.tau2))),
        ("se_tau2", Node::number(h.se_tau2)),
        (
            "pi_lower",
            Node::number(prediction.map(|pi| pi.normal.lower)),
        ),
        (
            "pi_upper",
            Node::number(prediction.map(|pi| pi.normal.upper)),
        ),
        (
            "pi_t_lower",
            Node::number(prediction.and_then(|pi| pi.t).map(|t| t.lower)),
        ),
        (
            "pi_t_upper",
            Node::number(prediction.and_then(|pi| pi.t).map(|t| t.upper)),
        ),
        ("tau2_ci", interval(h.tau2_ci)),
        ("I2_ci", interval(h.i2_ci)),
        ("H2_ci", interval(h.h2_ci)),
    ])
}

/// The studies an extra analyses (those with an estimable effect under the base
/// analysis, inverse variance with random effects, DL, Wald CI): their index in the
/// file and `yi`, `vi`.
struct Base {
    analysis: Analysis,
    index: Vec<usize>,
    yi: Vec<f64>,
    vi: Vec<f64>,
}

fn base(studies: &[Study], measure: Measure) -> Base {
    let settings = Settings {
        measure,
        method: Method::InverseVariance,
        tau2: Tau2Estimator::DerSimonianLaird,
        ci: CiMethod::Wald,
        ..Settings::default()
    };
    let analysis = analyze(studies, &settings);
    let (mut index, mut yi, mut vi) = (Vec::new(), Vec::new(), Vec::new());
    for s in &analysis.studies {
        if let Ok(e) = &s.effect {
            index.push(s.index);
            yi.push(e.yi);
            vi.push(e.vi);
        }
    }
    Base {
        analysis,
        index,
        yi,
        vi,
    }
}

/// Every numeric field of `expected` as undefined: what the engine's error means.
fn all_undefined(expected: &Node) -> Node {
    match expected {
        Node::Map(m) => Node::Map(
            m.iter()
                .filter(|(_, v)| !matches!(v, Node::Text(_)))
                .map(|(k, v)| (k.clone(), all_undefined(v)))
                .collect(),
        ),
        _ => Node::Null,
    }
}

/// Runs one extra and compares it with the reference.
pub(super) fn extra(
    studies: &[Study],
    measure_code: &str,
    name: &str,
    expected: &Node,
) -> (Comparison, Option<Failure>) {
    let mut comparison = Comparison::default();
    let measure = match measure(measure_code) {
        Ok(m) => m,
        Err(f) => return (comparison, Some(f)),
    };
    let base = base(studies, measure);
    let actual = match name {
        "egger" => match bias::egger(&base.yi, &base.vi) {
            Ok(t) => Node::Map(map([
                ("t", Node::number(Some(t.t))),
                ("df", usize_node(t.df)),
                ("p", Node::number(Some(t.p))),
            ])),
            Err(_) => all_undefined(expected),
        },
        "begg" => match bias::begg(&base.yi, &base.vi) {
            Ok(t) => Node::Map(map([
                ("tau", Node::number(Some(t.tau))),
                ("p", Node::number(Some(t.p))),
            ])),
            Err(_) => all_undefined(expected),
        },
        "trimfill_random_DL" => trim_and_fill(&base, Model::Random, expected),
        "trimfill_common" => trim_and_fill(&base, Model::Common, expected),
        "leave1out_random_DL" => {
            let steps = sensitivity::leave_one_out(
                &base.yi,
                &base.vi,
                Model::Random,
                Tau2Estimator::DerSimonianLaird,
                CiMethod::Wald,
            );
            match steps {
                Ok(steps) => {
                    let mut m = steps_map(&steps);
                    m.insert(
                        "omitted_index".to_string(),
                        Node::List(steps.iter().map(|s| one_based(&base, s.study)).collect()),
                    );
                    Node::Map(m)
                }
                Err(_) => all_undefined(expected),
            }
        }
        "cumulative_random_DL" => {
            let order: Vec<usize> = (0..base.yi.len()).collect();
            let steps = sensitivity::cumulative(
                &base.yi,
                &base.vi,
                &order,
                Model::Random,
                Tau2Estimator::DerSimonianLaird,
                CiMethod::Wald,
            );
            match steps {
                Ok(steps) => {
                    let mut m = steps_map(&steps);
                    m.insert("order".to_string(), Node::Text("data order".to_string()));
                    Node::Map(m)
                }
                Err(_) => all_undefined(expected),
            }
        }
        "subgroups" => subgroups(&base.analysis, expected),
        other => return (comparison, Some(unsupported("extras", other))),
    };
    comparison.tree(name, expected, Some(&actual), &|_| extra_tolerance(name));
    (comparison, None)
}

fn one_based(base: &Base, i: usize) -> Node {
    base.index.get(i).map_or(Node::Null, |&i| usize_node(i + 1))
}

fn steps_map(steps: &[sensitivity::Step]) -> BTreeMap<String, Node> {
    let column = |f: &dyn Fn(&sensitivity::StepFit) -> f64| {
        Node::numbers(steps.iter().map(|s| s.fit.as_ref().ok().map(f)))
    };
    map([
        ("estimate", column(&|f| f.pooled.estimate)),
        ("ci_lower", column(&|f| f.pooled.ci.lower)),
        ("ci_upper", column(&|f| f.pooled.ci.upper)),
        ("tau2", column(&|f| f.heterogeneity.tau2)),
        ("I2", column(&|f| f.heterogeneity.i2)),
        ("Q", column(&|f| f.heterogeneity.q)),
    ])
}

/// Trim-and-fill (L0, side by metafor's rule) on the base studies, tau² by DL.
fn trim_and_fill(base: &Base, model: Model, expected: &Node) -> Node {
    let result = bias::trim_and_fill(
        &base.yi,
        &base.vi,
        model,
        Tau2Estimator::DerSimonianLaird,
        CiMethod::Wald,
    );
    match result {
        Ok(tf) => {
            let p = &tf.fit.pooled;
            Node::Map(map([
                ("estimator", Node::Text("L0".to_string())),
                ("k0", usize_node(tf.k0)),
                ("side", Node::Text(tf.side.to_string())),
                ("estimate", Node::number(Some(p.estimate))),
                ("ci_lower", Node::number(Some(p.ci.lower))),
                ("ci_upper", Node::number(Some(p.ci.upper))),
                ("tau2", Node::number(Some(tf.fit.heterogeneity.tau2))),
            ]))
        }
        Err(_) => all_undefined(expected),
    }
}

/// Subgroup fits in the order of the reference's `within` (matched by subgroup name and
/// model: `common` or `random DL`), and the tests for subgroup differences.
fn subgroups(analysis: &Analysis, expected: &Node) -> Node {
    let Some(groups) = &analysis.subgroups else {
        return Node::Map(BTreeMap::new());
    };
    let within = match expected {
        Node::Map(m) => m.get("within"),
        _ => None,
    };
    let within = match within {
        Some(Node::List(entries)) => entries
            .iter()
            .map(|entry| {
                let text = |key: &str| match entry {
                    Node::Map(m) => m
                        .get(key)
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    _ => String::new(),
                };
                let (name, model) = (text("subgroup"), text("model"));
                let group = groups.groups.iter().find(|g| g.name == name);
                let fit = match (group, model.as_str()) {
                    (Some(g), "common") => Some(&g.common),
                    (Some(g), "random DL") => Some(&g.random),
                    _ => None,
                };
                let mut m = map([("subgroup", Node::Text(name)), ("model", Node::Text(model))]);
                match fit {
                    Some(Ok(fit)) => {
                        let p = &fit.pooled;
                        let h = &fit.heterogeneity;
                        m.extend(map([
                            ("k", usize_node(p.k)),
                            ("estimate", Node::number(Some(p.estimate))),
                            ("se", Node::number(Some(p.se))),
                            ("ci_lower", Node::number(Some(p.ci.lower))),
                            ("ci_upper", Node::number(Some(p.ci.upper))),
                            ("Q", Node::number(Some(h.q))),
                            ("tau2", Node::number(Some(h.tau2))),
                            ("I2", Node::number(Some(h.i2))),
                        ]));
                    }
                    Some(Err(_)) => {
                        if let Node::Map(all) = all_undefined(entry) {
                            m.extend(all);
                        }
                    }
                    None => {}
                }
                Node::Map(m)
            })
            .collect(),
        _ => Vec::new(),
    };
    let test = |t: &Result<SubgroupTest, Undefined>| match t {
        Ok(t) => Node::Map(map([
            ("Q", Node::number(Some(t.q))),
            ("df", usize_node(t.df)),
            ("p", Node::number(Some(t.p))),
        ])),
        Err(_) => Node::Map(map([
            ("Q", Node::Null),
            ("df", Node::Null),
            ("p", Node::Null),
        ])),
    };
    Node::Map(map([
        ("within", Node::List(within)),
        (
            "test_for_subgroup_differences",
            Node::Map(map([
                ("common", test(&groups.test_common)),
                ("random DL", test(&groups.test_random)),
            ])),
        ),
    ]))
}
