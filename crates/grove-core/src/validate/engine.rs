//! Running one reference analysis or extra through the engine and building the tree of
//! the engine's values to compare with the file's.

use super::Failure;
use super::compare::{Comparison, Tolerance};
use super::reference::{Node, ReferenceAnalysis};
use crate::settings::{
    CiMethod, CorrectionScope, Measure, Method, Tau2Estimator, ZeroCellCorrection,
};
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
    match code {
        "RR" => Ok(Measure::RiskRatio),
        "OR" => Ok(Measure::OddsRatio),
        "RD" => Ok(Measure::RiskDifference),
        other => Err(unsupported("measure", other)),
    }
}

pub(super) fn spec(a: &ReferenceAnalysis) -> Result<Spec, Failure> {
    let method = match a.method.as_str() {
        "IV" => Method::InverseVariance,
        "MH" => Method::MantelHaenszel,
        "Peto" => Method::Peto,
        other => return Err(unsupported("method", other)),
    };
    let model = match a.model.as_str() {
        "common" => ModelSpec::Common,
        "random" => ModelSpec::Random,
        other => return Err(unsupported("model", other)),
    };
    let tau2 = match (&a.tau2_method, model) {
        (Some(code), _) => {
            Some(Tau2Estimator::from_code(code).ok_or_else(|| unsupported("tau2_method", code))?)
        }
        (None, ModelSpec::Random) => {
            return Err(unsupported("tau2_method", "null with model random"));
        }
        (None, ModelSpec::Common) => None,
    };
    let ci = match a.ci_method.as_str() {
        "z" => CiMethod::Wald,
        "HK" => CiMethod::HartungKnapp,
        other => return Err(unsupported("ci_method", other)),
    };
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
                out.scope = match to.as_str() {
                    "only0" => CorrectionScope::StudiesWithZero,
                    "all" => CorrectionScope::AllStudies,
                    "none" => CorrectionScope::None,
                    other => return Err(unsupported("correction.to", other)),
                }
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
    let spec = match spec(a) {
        Ok(spec) => spec,
        Err(f) => return (Comparison::default(), Some(f)),
    };
    let _ = (studies, spec);
    (
        Comparison::default(),
        Some(unsupported("engine", "pooling not yet available")),
    )
}

/// Runs one extra and compares it with the reference.
pub(super) fn extra(
    studies: &[Study],
    measure_code: &str,
    name: &str,
    expected: &Node,
) -> (Comparison, Option<Failure>) {
    let _ = (studies, expected);
    if let Err(f) = measure(measure_code) {
        return (Comparison::default(), Some(f));
    }
    (Comparison::default(), Some(unsupported("extras", name)))
}
