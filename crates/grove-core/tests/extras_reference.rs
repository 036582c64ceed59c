//! The bias and sensitivity analyses against metafor 3.8.1's golden values: every extra
//! of every file in `tests/reference/` (`egger`, `begg`, `trimfill_random_DL`,
//! `trimfill_common`, `leave1out_random_DL`, `cumulative_random_DL`, `subgroups`), for
//! each measure, field by field, within the README's tolerances.
//!
//! Per-study `yi`/`vi` are the engine's own inverse-variance effect sizes for the
//! measure (0.5 added to studies with a zero cell, double zeros dropped for RR and OR),
//! themselves checked against the file's `<measure>/IV/common` analysis. A field the
//! engine does not compute, an extra it does not know, or a value where metafor has
//! `null` (or the reverse) is a failure, never a skip. All failures are collected and
//! reported together.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use grove_core::analysis::analyze;
use grove_core::bias::{begg, egger, trim_and_fill};
use grove_core::effect::effect_sizes;
use grove_core::rma::{Fit, Model};
use grove_core::sensitivity::{Step, cumulative, leave_one_out};
use grove_core::validate::compare::Tolerance;
use grove_core::{
    CiMethod, Measure, Method, Settings, Study, Table, Tau2Estimator, ZeroCellCorrection,
};
use serde_json::Value;

/// Keys of an extra that describe it rather than hold results.
const DESCRIPTIVE: [&str; 2] = ["test", "intercept_note"];

#[test]
fn every_extra_agrees_with_metafor() {
    let mut checker = Checker::default();
    let files = reference_files();
    assert!(
        !files.is_empty(),
        "no reference files found in {}",
        reference_dir().display()
    );
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                checker.fail(&name, &format!("cannot read: {e}"));
                continue;
            }
        };
        let file: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                checker.fail(&name, &format!("not JSON: {e}"));
                continue;
            }
        };
        check_file(&mut checker, &name, &file);
    }
    assert!(
        checker.failures.is_empty(),
        "{} of {} values disagree with metafor:\n{}",
        checker.failures.len(),
        checker.checked,
        checker.failures.join("\n")
    );
    // Guard against a silently empty run: the reference files hold hundreds of values.
    assert!(
        checker.checked > 500,
        "only {} values checked",
        checker.checked
    );
}

/// Every tau² estimator and both CI methods, beyond the reference files' DL: trim-and-fill
/// for each file and measure, leave-one-out and cumulative analyses of the BCG trials,
/// and Begg's test with k = 60 (exact p-value, as metafor computes it), against
/// `extras_metafor/golden.txt` (made by `extras_metafor/make.sh` with metafor 3.8.1).
#[test]
fn every_estimator_agrees_with_metafor() {
    let mut checker = Checker::default();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/extras_metafor/golden.txt");
    let text = fs::read_to_string(&golden).unwrap_or_default();
    let mut inputs: Inputs = BTreeMap::new();
    let mut lines = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        lines += 1;
        let f: Vec<&str> = line.split_whitespace().collect();
        let at = f.iter().take(6).copied().collect::<Vec<_>>().join(" ");
        let expect = |from: usize, names: &[&'static str]| -> Vec<(&'static str, Value)> {
            names
                .iter()
                .enumerate()
                .map(|(j, n)| (*n, golden_value(f.get(from + j).copied())))
                .collect()
        };
        match f.first().copied() {
            Some("trimfill") if f.len() == 10 => {
                let Some((yi, vi)) = golden_input(&mut checker, &mut inputs, f[1], f[2]) else {
                    continue;
                };
                let (model, est) = golden_method(f[3]);
                let tolerance = Tolerance::Iterative;
                let computed = trim_and_fill(&yi, &vi, model, est, CiMethod::Wald)
                    .map(|t| {
                        BTreeMap::from([
                            ("k0", num(t.k0 as f64)),
                            ("side", Actual::Text(t.side.to_string())),
                            ("estimate", num(t.fit.pooled.estimate)),
                            ("ci_lower", num(t.fit.pooled.ci.lower)),
                            ("ci_upper", num(t.fit.pooled.ci.upper)),
                            ("tau2", num(t.fit.heterogeneity.tau2)),
                        ])
                    })
                    .map_err(|e| e.to_string());
                let names = ["k0", "side", "estimate", "ci_lower", "ci_upper", "tau2"];
                checker.extra(
                    &at,
                    &Value::Object(
                        expect(4, &names)
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    ),
                    computed,
                    tolerance,
                );
            }
            Some(kind @ ("leave1out" | "cumul")) if f.len() == 13 => {
                let Some((yi, vi)) = golden_input(&mut checker, &mut inputs, f[1], f[2]) else {
                    continue;
                };
                let (model, est) = golden_method(f[3]);
                let ci = if f[4] == "knha" {
                    CiMethod::HartungKnapp
                } else {
                    CiMethod::Wald
                };
                let step: usize = f[5].parse().unwrap_or(0);
                let steps = if kind == "leave1out" {
                    leave_one_out(&yi, &vi, model, est, ci)
                } else {
                    cumulative(&yi, &vi, &(0..yi.len()).collect::<Vec<_>>(), model, est, ci)
                };
                let computed = match steps {
                    Ok(s) => match s.get(step.wrapping_sub(1)).map(|s| &s.fit) {
                        Some(Ok(s)) => Ok(BTreeMap::from([
                            ("estimate", num(s.pooled.estimate)),
                            ("se", num(s.pooled.se)),
                            ("ci_lower", num(s.pooled.ci.lower)),
                            ("ci_upper", num(s.pooled.ci.upper)),
                            ("tau2", num(s.heterogeneity.tau2)),
                            ("I2", num(s.heterogeneity.i2)),
                            ("Q", num(s.heterogeneity.q)),
                        ])),
                        Some(Err(e)) => Err(e.to_string()),
                        None => Err(format!("no step {step}")),
                    },
                    Err(e) => Err(e.to_string()),
                };
                let iterative = matches!(f[3], "REML" | "ML" | "PM" | "EB");
                let tolerance = if iterative {
                    Tolerance::Iterative
                } else {
                    Tolerance::ClosedForm
                };
                let names = ["estimate", "se", "ci_lower", "ci_upper", "tau2", "I2", "Q"];
                checker.extra(
                    &at,
                    &Value::Object(
                        expect(6, &names)
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    ),
                    computed,
                    tolerance,
                );
            }
            Some("ranktest") => {
                let k: usize = f.get(1).and_then(|k| k.parse().ok()).unwrap_or(0);
                let values: Vec<f64> = f.iter().skip(4).filter_map(|x| x.parse().ok()).collect();
                if values.len() != 2 * k {
                    checker.fail(&at, "malformed ranktest line");
                    continue;
                }
                let computed = begg(&values[..k], &values[k..])
                    .map(|r| BTreeMap::from([("tau", num(r.tau)), ("p", num(r.p))]))
                    .map_err(|e| e.to_string());
                let names = ["tau", "p"];
                checker.extra(
                    &at,
                    &Value::Object(
                        expect(2, &names)
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    ),
                    computed,
                    Tolerance::ClosedForm,
                );
            }
            _ => checker.fail(&at, "unrecognised golden line"),
        }
    }
    assert!(
        checker.failures.is_empty(),
        "{} of {} values disagree with metafor:\n{}",
        checker.failures.len(),
        checker.checked,
        checker.failures.join("\n")
    );
    assert!(
        lines > 500 && checker.checked > 3000,
        "only {lines} lines, {} values",
        checker.checked
    );
}

/// Per-study yi/vi by (file, measure).
type Inputs = BTreeMap<(String, String), (Vec<f64>, Vec<f64>)>;

/// A golden field: `NA` is metafor's missing value, a number is a number, anything else
/// a label.
fn golden_value(field: Option<&str>) -> Value {
    match field {
        None | Some("NA") => Value::Null,
        Some(s) => match s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(s.to_string()),
        },
    }
}

/// metafor's `method` as the engine's model and estimator (`FE`: common effect).
fn golden_method(code: &str) -> (Model, Tau2Estimator) {
    match Tau2Estimator::from_code(code) {
        Some(e) => (Model::Random, e),
        None => (Model::Common, Tau2Estimator::DerSimonianLaird),
    }
}

/// The engine's yi/vi of the estimable studies of a reference file for a measure.
fn golden_input(
    checker: &mut Checker,
    cache: &mut Inputs,
    file: &str,
    measure: &str,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let key = (file.to_string(), measure.to_string());
    if let Some(v) = cache.get(&key) {
        return Some(v.clone());
    }
    let m = match measure {
        "RR" => Measure::RiskRatio,
        "OR" => Measure::OddsRatio,
        _ => {
            checker.fail(file, &format!("unknown measure {measure}"));
            return None;
        }
    };
    let parsed = fs::read_to_string(reference_dir().join(file))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
        .and_then(|v| parse_studies(&v["studies"]));
    let studies = match parsed {
        Ok(s) => s,
        Err(e) => {
            checker.fail(file, &e);
            return None;
        }
    };
    let tables: Vec<Table> = studies.iter().map(|s| s.table).collect();
    let (yi, vi): (Vec<f64>, Vec<f64>) = effect_sizes(&tables, m, ZeroCellCorrection::default())
        .into_iter()
        .filter_map(|e| e.ok().map(|e| (e.yi, e.vi)))
        .unzip();
    cache.insert(key, (yi.clone(), vi.clone()));
    Some((yi, vi))
}

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(reference_dir())
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------
// The one comparison helper
// ---------------------------------------------------------------------------------

/// A value the engine computed for a field of an extra.
#[derive(Debug, Clone)]
enum Actual {
    /// A number; `None` where the engine's result is undefined.
    Number(Option<f64>),
    /// One number per step; `None` for an undefined step.
    Numbers(Vec<Option<f64>>),
    /// A label such as a side.
    Text(String),
}

#[derive(Default)]
struct Checker {
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn fail(&mut self, at: &str, why: &str) {
        self.failures.push(format!("{at}: {why}"));
    }

    /// Compares one expected JSON value with what the engine computed: numbers within
    /// `tolerance`, `null` only against an undefined result, arrays element by element,
    /// strings exactly.
    fn check(&mut self, at: &str, expected: &Value, actual: &Actual, tolerance: Tolerance) {
        match (expected, actual) {
            (Value::Array(xs), Actual::Numbers(ys)) => {
                if xs.len() != ys.len() {
                    self.fail(
                        at,
                        &format!("{} values expected, {} computed", xs.len(), ys.len()),
                    );
                    return;
                }
                for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                    self.check(&format!("{at}[{i}]"), x, &Actual::Number(*y), tolerance);
                }
            }
            (Value::String(s), Actual::Text(t)) => {
                self.checked += 1;
                if s != t {
                    self.fail(at, &format!("expected {s:?}, computed {t:?}"));
                }
            }
            (Value::Null, Actual::Number(None)) => self.checked += 1,
            (Value::Null, Actual::Number(Some(y))) => {
                self.checked += 1;
                self.fail(
                    at,
                    &format!("metafor has no value (NA), engine computed {y}"),
                );
            }
            (Value::Number(n), Actual::Number(y)) => {
                self.checked += 1;
                let x = n.as_f64().unwrap_or(f64::NAN);
                match y {
                    None => self.fail(at, &format!("expected {x}, engine has no value")),
                    Some(y) if !tolerance.agrees(x, *y) => self.fail(
                        at,
                        &format!(
                            "expected {x}, computed {y} (deviation {:.2e}, tolerance {:.0e})",
                            tolerance.deviation(x, *y),
                            tolerance.relative()
                        ),
                    ),
                    Some(_) => {}
                }
            }
            (x, y) => self.fail(at, &format!("expected {x}, computed {y:?}: not comparable")),
        }
    }

    /// Checks every non-descriptive field of an extra against `computed`; a field the
    /// engine did not compute is a failure. `computed` is `Err(reason)` when the whole
    /// extra is undefined, which agrees only with a reference whose values are all null.
    fn extra(
        &mut self,
        at: &str,
        expected: &Value,
        computed: Result<BTreeMap<&'static str, Actual>, String>,
        tolerance: Tolerance,
    ) {
        let Some(fields) = expected.as_object() else {
            self.fail(at, "reference extra is not an object");
            return;
        };
        for (key, value) in fields {
            if DESCRIPTIVE.contains(&key.as_str()) {
                continue;
            }
            let place = format!("{at}.{key}");
            match &computed {
                Ok(map) => match map.get(key.as_str()) {
                    Some(actual) => self.check(&place, value, actual, tolerance),
                    None => self.fail(&place, "not computed by the engine"),
                },
                Err(why) => {
                    self.checked += 1;
                    if !value.is_null() {
                        self.fail(&place, &format!("expected {value}, engine: {why}"));
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// One file
// ---------------------------------------------------------------------------------

fn check_file(checker: &mut Checker, name: &str, file: &Value) {
    let studies = match parse_studies(&file["studies"]) {
        Ok(s) => s,
        Err(e) => {
            checker.fail(name, &e);
            return;
        }
    };
    let extras = match &file["extras"] {
        Value::Object(m) => m.clone(),
        // An empty list: the file has no extras (a single study, two studies).
        Value::Array(a) if a.is_empty() => return,
        other => {
            checker.fail(name, &format!("unexpected extras {other}"));
            return;
        }
    };
    for (measure_code, extra) in &extras {
        let at = format!("{name} {measure_code}");
        let measure = match measure_code.as_str() {
            "RR" => Measure::RiskRatio,
            "OR" => Measure::OddsRatio,
            "RD" => Measure::RiskDifference,
            other => {
                checker.fail(&at, &format!("unknown measure {other}"));
                continue;
            }
        };
        let tables: Vec<Table> = studies.iter().map(|s| s.table).collect();
        // (1-based input position, yi, vi) of each estimable study.
        let effects: Vec<(usize, f64, f64)> =
            effect_sizes(&tables, measure, ZeroCellCorrection::default())
                .into_iter()
                .enumerate()
                .filter_map(|(i, e)| e.ok().map(|e| (i + 1, e.yi, e.vi)))
                .collect();
        check_inputs(checker, &at, file, measure_code, &effects);
        let yi: Vec<f64> = effects.iter().map(|e| e.1).collect();
        let vi: Vec<f64> = effects.iter().map(|e| e.2).collect();
        let positions: Vec<usize> = effects.iter().map(|e| e.0).collect();
        let Some(fields) = extra.as_object() else {
            checker.fail(&at, "extras entry is not an object");
            continue;
        };
        for (key, expected) in fields {
            let place = format!("{at} {key}");
            match key.as_str() {
                "measure" => checker.check(
                    &place,
                    expected,
                    &Actual::Text(measure_code.clone()),
                    Tolerance::ClosedForm,
                ),
                "base" => checker.check(
                    &place,
                    expected,
                    &Actual::Text("IV random DL, z".to_string()),
                    Tolerance::ClosedForm,
                ),
                "egger" => checker.extra(
                    &place,
                    expected,
                    egger_fields(&yi, &vi),
                    Tolerance::ClosedForm,
                ),
                "begg" => checker.extra(
                    &place,
                    expected,
                    begg_fields(&yi, &vi),
                    Tolerance::ClosedForm,
                ),
                "trimfill_random_DL" => checker.extra(
                    &place,
                    expected,
                    trimfill_fields(&yi, &vi, Model::Random),
                    Tolerance::Iterative,
                ),
                "trimfill_common" => checker.extra(
                    &place,
                    expected,
                    trimfill_fields(&yi, &vi, Model::Common),
                    Tolerance::Iterative,
                ),
                "leave1out_random_DL" => checker.extra(
                    &place,
                    expected,
                    leave1out_fields(&yi, &vi, &positions),
                    Tolerance::ClosedForm,
                ),
                "cumulative_random_DL" => checker.extra(
                    &place,
                    expected,
                    cumulative_fields(&yi, &vi),
                    Tolerance::ClosedForm,
                ),
                "subgroups" => check_subgroups(checker, &place, expected, &studies, measure),
                other => checker.fail(
                    &place,
                    &format!("extra {other:?} is not computed by the engine"),
                ),
            }
        }
    }
}

fn parse_studies(v: &Value) -> Result<Vec<Study>, String> {
    let list = v.as_array().ok_or("studies is not a list")?;
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let count = |k: &str| s[k].as_u64().ok_or(format!("study {}: {k} missing", i + 1));
            let table = Table::new(count("e1")?, count("n1")?, count("e2")?, count("n2")?)
                .map_err(|e| format!("study {}: {e}", i + 1))?;
            Ok(Study {
                name: s["study"].as_str().unwrap_or_default().to_string(),
                year: s["year"].as_i64().and_then(|y| i32::try_from(y).ok()),
                subgroup: s["subgroup"].as_str().map(str::to_string),
                table,
            })
        })
        .collect()
}

/// The engine's per-study yi/vi against the file's `<measure>/IV/common` analysis.
fn check_inputs(
    checker: &mut Checker,
    at: &str,
    file: &Value,
    measure: &str,
    effects: &[(usize, f64, f64)],
) {
    let id = format!("{measure}/IV/common");
    let Some(analysis) = file["analyses"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == id.as_str()))
    else {
        checker.fail(at, &format!("no {id} analysis to take yi/vi from"));
        return;
    };
    let n = file["studies"].as_array().map_or(0, Vec::len);
    let mut yi = vec![None; n];
    let mut vi = vec![None; n];
    for &(pos, y, v) in effects {
        yi[pos - 1] = Some(y);
        vi[pos - 1] = Some(v);
    }
    let s = &analysis["studies"];
    checker.check(
        &format!("{at} input yi"),
        &s["yi"],
        &Actual::Numbers(yi),
        Tolerance::ClosedForm,
    );
    checker.check(
        &format!("{at} input vi"),
        &s["vi"],
        &Actual::Numbers(vi),
        Tolerance::ClosedForm,
    );
}

// ---------------------------------------------------------------------------------
// What the engine computes for each extra
// ---------------------------------------------------------------------------------

type Fields = Result<BTreeMap<&'static str, Actual>, String>;

fn num(x: f64) -> Actual {
    Actual::Number(Some(x))
}

fn egger_fields(yi: &[f64], vi: &[f64]) -> Fields {
    let r = egger(yi, vi).map_err(|e| e.to_string())?;
    Ok(BTreeMap::from([
        ("t", num(r.t)),
        ("df", num(r.df as f64)),
        ("p", num(r.p)),
    ]))
}

fn begg_fields(yi: &[f64], vi: &[f64]) -> Fields {
    let r = begg(yi, vi).map_err(|e| e.to_string())?;
    Ok(BTreeMap::from([("tau", num(r.tau)), ("p", num(r.p))]))
}

fn trimfill_fields(yi: &[f64], vi: &[f64], model: Model) -> Fields {
    let r = trim_and_fill(
        yi,
        vi,
        model,
        Tau2Estimator::DerSimonianLaird,
        CiMethod::Wald,
    )
    .map_err(|e| e.to_string())?;
    let p = &r.fit.pooled;
    Ok(BTreeMap::from([
        ("estimator", Actual::Text("L0".to_string())),
        ("k0", num(r.k0 as f64)),
        ("side", Actual::Text(r.side.to_string())),
        ("estimate", num(p.estimate)),
        ("ci_lower", num(p.ci.lower)),
        ("ci_upper", num(p.ci.upper)),
        ("tau2", num(r.fit.heterogeneity.tau2)),
    ]))
}

/// The per-step columns metafor's `leave1out()`/`cumul()` report.
fn step_columns(steps: &[Step]) -> BTreeMap<&'static str, Actual> {
    let col = |f: &dyn Fn(&grove_core::sensitivity::StepFit) -> f64| {
        Actual::Numbers(steps.iter().map(|s| s.fit.as_ref().ok().map(f)).collect())
    };
    BTreeMap::from([
        ("estimate", col(&|s| s.pooled.estimate)),
        ("ci_lower", col(&|s| s.pooled.ci.lower)),
        ("ci_upper", col(&|s| s.pooled.ci.upper)),
        ("tau2", col(&|s| s.heterogeneity.tau2)),
        ("I2", col(&|s| s.heterogeneity.i2)),
        ("Q", col(&|s| s.heterogeneity.q)),
    ])
}

fn leave1out_fields(yi: &[f64], vi: &[f64], positions: &[usize]) -> Fields {
    let steps = leave_one_out(
        yi,
        vi,
        Model::Random,
        Tau2Estimator::DerSimonianLaird,
        CiMethod::Wald,
    )
    .map_err(|e| e.to_string())?;
    let mut fields = step_columns(&steps);
    let omitted = steps
        .iter()
        .map(|s| Some(positions[s.study] as f64))
        .collect();
    fields.insert("omitted_index", Actual::Numbers(omitted));
    Ok(fields)
}

fn cumulative_fields(yi: &[f64], vi: &[f64]) -> Fields {
    let order: Vec<usize> = (0..yi.len()).collect();
    let steps = cumulative(
        yi,
        vi,
        &order,
        Model::Random,
        Tau2Estimator::DerSimonianLaird,
        CiMethod::Wald,
    )
    .map_err(|e| e.to_string())?;
    let mut fields = step_columns(&steps);
    fields.insert("order", Actual::Text("data order".to_string()));
    Ok(fields)
}

/// Subgroups through `analyze()` with inverse variance, DerSimonian-Laird and Wald CIs.
fn check_subgroups(
    checker: &mut Checker,
    at: &str,
    expected: &Value,
    studies: &[Study],
    measure: Measure,
) {
    let settings = Settings {
        measure,
        method: Method::InverseVariance,
        tau2: Tau2Estimator::DerSimonianLaird,
        ci: CiMethod::Wald,
        correction: ZeroCellCorrection::default(),
        ..Settings::default()
    };
    let analysis = analyze(studies, &settings);
    let Some(subgroups) = analysis.subgroups.as_ref() else {
        checker.fail(at, "the engine found no subgroups");
        return;
    };
    let Some(fields) = expected.as_object() else {
        checker.fail(at, "subgroups is not an object");
        return;
    };
    for (key, value) in fields {
        match key.as_str() {
            "within" => {
                let Some(rows) = value.as_array() else {
                    checker.fail(at, "within is not a list");
                    continue;
                };
                for (i, row) in rows.iter().enumerate() {
                    let name = row["subgroup"].as_str().unwrap_or_default();
                    let model = row["model"].as_str().unwrap_or_default();
                    let place = format!("{at}.within[{i}] {name} {model}");
                    let group = subgroups.groups.iter().find(|g| g.name == name);
                    let fit = match (group, model) {
                        (Some(g), "common") => g.common.as_ref().map_err(|e| e.to_string()),
                        (Some(g), "random DL") => g.random.as_ref().map_err(|e| e.to_string()),
                        (None, _) => Err(format!("no subgroup named {name:?}")),
                        (_, other) => Err(format!("unknown model {other:?}")),
                    };
                    let mut computed = fit.map(fit_fields);
                    if let Ok(map) = computed.as_mut() {
                        map.insert("subgroup", Actual::Text(name.to_string()));
                        map.insert("model", Actual::Text(model.to_string()));
                    }
                    checker.extra(&place, row, computed, Tolerance::ClosedForm);
                }
            }
            "test_for_subgroup_differences" => {
                let Some(tests) = value.as_object() else {
                    checker.fail(at, "test_for_subgroup_differences is not an object");
                    continue;
                };
                for (model, expected_test) in tests {
                    let place = format!("{at}.test {model}");
                    let test = match model.as_str() {
                        "common" => subgroups.test_common.as_ref().map_err(|e| e.to_string()),
                        "random DL" => subgroups.test_random.as_ref().map_err(|e| e.to_string()),
                        other => Err(format!("unknown model {other:?}")),
                    };
                    let computed = test.map(|t| {
                        BTreeMap::from([("Q", num(t.q)), ("df", num(t.df as f64)), ("p", num(t.p))])
                    });
                    checker.extra(&place, expected_test, computed, Tolerance::ClosedForm);
                }
            }
            other => checker.fail(&format!("{at}.{other}"), "not computed by the engine"),
        }
    }
}

fn fit_fields(fit: &Fit) -> BTreeMap<&'static str, Actual> {
    let (p, h) = (&fit.pooled, &fit.heterogeneity);
    BTreeMap::from([
        ("k", num(p.k as f64)),
        ("estimate", num(p.estimate)),
        ("se", num(p.se)),
        ("ci_lower", num(p.ci.lower)),
        ("ci_upper", num(p.ci.upper)),
        ("Q", num(h.q)),
        ("tau2", num(h.tau2)),
        ("I2", num(h.i2)),
    ])
}
