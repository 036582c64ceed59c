//! Every analysis of every reference file in `tests/reference` (metafor 3.8.1 golden
//! values) reproduced by the engine: per-study `yi`, `vi`, weights and every pooled
//! field, within the tolerances of `tests/reference/README.md`.
//!
//! A `null` in a reference file means "not defined": the engine must then give no value
//! as well, and the other way round. An analysis whose settings the engine cannot
//! express is a failure, not a skip.

use std::path::{Path, PathBuf};

use grove_core::analysis::{Analysis, analyze};
use grove_core::rma::{Fit, Model};
use grove_core::{
    CiMethod, Convention, CorrectionScope, Interval, Measure, Method, Settings, Study, Table,
    Tau2Estimator, ZeroCellCorrection,
};
use serde_json::Value;

/// Closed-form results: relative tolerance (README "1e-6 relative").
const CLOSED_FORM_RELATIVE: f64 = 1e-6;
/// Absolute tolerance near zero (README "1e-9 absolute").
const ABSOLUTE: f64 = 1e-9;
/// Iterative estimators (REML, ML, PM, EB) and Q-profile bounds (README "1e-5").
const ITERATIVE_RELATIVE: f64 = 1e-5;

fn reference_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/reference exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Compares one value; `None` on either side means "not defined".
fn check(
    failures: &mut Vec<String>,
    context: &str,
    field: &str,
    expected: Option<f64>,
    actual: Option<f64>,
    relative: f64,
) {
    match (expected, actual) {
        (None, None) => {}
        (Some(e), Some(a)) => {
            let diff = (a - e).abs();
            if !(diff <= ABSOLUTE || diff <= relative * e.abs()) {
                failures.push(format!(
                    "{context}: {field} expected {e:e}, got {a:e} (rel. diff {:e})",
                    diff / e.abs()
                ));
            }
        }
        (e, a) => failures.push(format!("{context}: {field} expected {e:?}, got {a:?}")),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// A per-study field: a list, or a scalar when the file has a single study.
fn per_study(v: &Value) -> Vec<Option<f64>> {
    match v {
        Value::Array(a) => a.iter().map(num).collect(),
        other => vec![num(other)],
    }
}

fn studies(file: &Value) -> Vec<Study> {
    file["studies"]
        .as_array()
        .expect("studies")
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().expect("count");
            Study {
                name: s["study"].as_str().unwrap_or_default().to_string(),
                year: s["year"].as_i64().map(|y| y as i32),
                subgroup: s["subgroup"].as_str().map(str::to_string),
                table: Table::new(n("e1"), n("n1"), n("e2"), n("n2")).expect("valid table"),
            }
        })
        .collect()
}

/// The engine settings for a reference analysis, or why they cannot be expressed.
fn settings(a: &Value) -> Result<(Settings, Model), String> {
    let measure =
        Measure::from_code(a["measure"].as_str().unwrap_or_default()).ok_or("unknown measure")?;
    let method = match a["method"].as_str() {
        Some("IV") => Method::InverseVariance,
        Some("MH") => Method::MantelHaenszel,
        Some("Peto") => Method::Peto,
        other => return Err(format!("unsupported method {other:?}")),
    };
    let model = match a["model"].as_str() {
        Some("common") => Model::Common,
        Some("random") => Model::Random,
        other => return Err(format!("unsupported model {other:?}")),
    };
    let tau2 = match a["tau2_method"].as_str() {
        None => Tau2Estimator::default(),
        Some(code) => {
            Tau2Estimator::from_code(code).ok_or(format!("unsupported tau2 method {code}"))?
        }
    };
    let ci = match a["ci_method"].as_str() {
        Some("z") => CiMethod::Wald,
        Some("HK") => CiMethod::HartungKnapp,
        other => return Err(format!("unsupported CI method {other:?}")),
    };
    let c = &a["correction"];
    let mut correction = ZeroCellCorrection::default();
    if let Some(add) = c["add"].as_f64() {
        correction.increment = add;
    }
    if let Some(to) = c["to"].as_str() {
        correction.scope = match to {
            "only0" => CorrectionScope::StudiesWithZero,
            "all" => CorrectionScope::AllStudies,
            "none" => CorrectionScope::None,
            "if0all" => CorrectionScope::IfAnyStudyHasZero,
            other => return Err(format!("unsupported correction scope {other}")),
        };
    }
    // The engine's double-zero policy: dropped for RR/OR and for MH/Peto, kept for RD
    // with inverse variance.
    if let Some(drop00) = c["drop00"].as_bool() {
        let engine_drops = measure.is_ratio() || method != Method::InverseVariance;
        if drop00 != engine_drops {
            return Err(format!("drop00={drop00} is not the engine's policy"));
        }
    }
    let s = Settings {
        measure,
        method,
        tau2,
        ci,
        correction,
        convention: Convention::Metafor,
    };
    Ok((s, model))
}

fn interval(v: &Value) -> Option<Interval> {
    let a = v.as_array()?;
    Some(Interval {
        lower: num(a.first()?)?,
        upper: num(a.get(1)?)?,
    })
}

fn check_analysis(failures: &mut Vec<String>, file: &str, studies: &[Study], a: &Value) -> usize {
    let id = a["id"].as_str().unwrap_or("?");
    let context = format!("{file} {id}");
    let (settings, model) = match settings(a) {
        Ok(s) => s,
        Err(why) => {
            failures.push(format!("{context}: not supported: {why}"));
            return 0;
        }
    };
    let analysis: Analysis = analyze(studies, &settings);
    let mut n = 0;

    // Per-study values.
    let yi = per_study(&a["studies"]["yi"]);
    let vi = per_study(&a["studies"]["vi"]);
    let w = per_study(&a["studies"]["weight_pct"]);
    let rel = if matches!(
        settings.tau2,
        Tau2Estimator::RestrictedMaximumLikelihood
            | Tau2Estimator::MaximumLikelihood
            | Tau2Estimator::PauleMandel
            | Tau2Estimator::EmpiricalBayes
    ) && model == Model::Random
    {
        ITERATIVE_RELATIVE
    } else {
        CLOSED_FORM_RELATIVE
    };
    if yi.len() != analysis.studies.len() {
        failures.push(format!(
            "{context}: {} studies, engine has {}",
            yi.len(),
            analysis.studies.len()
        ));
        return n;
    }
    for (i, row) in analysis.studies.iter().enumerate() {
        let effect = row.effect.as_ref().ok();
        check(
            failures,
            &context,
            &format!("yi[{i}]"),
            yi[i],
            effect.map(|e| e.yi),
            CLOSED_FORM_RELATIVE,
        );
        check(
            failures,
            &context,
            &format!("vi[{i}]"),
            vi[i],
            effect.map(|e| e.vi),
            CLOSED_FORM_RELATIVE,
        );
        let weight = match model {
            Model::Common => row.weight_common,
            Model::Random => row.weight_random,
        };
        check(
            failures,
            &context,
            &format!("weight_pct[{i}]"),
            w[i],
            weight,
            rel,
        );
        n += 3;
    }

    // Pooled values.
    let fit: Option<&Fit> = match analysis.fit(model) {
        Ok(f) => Some(f),
        Err(why) => {
            failures.push(format!("{context}: no fit: {why}"));
            None
        }
    };
    let Some(fit) = fit else { return n };
    let p = &a["pooled"];
    let pooled = &fit.pooled;
    let het = &fit.heterogeneity;
    let finite = |x: f64| x.is_finite().then_some(x);
    let pred = fit.prediction.as_ref();
    let mut fields: Vec<(&str, Option<f64>, f64)> = vec![
        ("estimate", Some(pooled.estimate), rel),
        ("se", Some(pooled.se), rel),
        ("ci_lower", Some(pooled.ci.lower), rel),
        ("ci_upper", Some(pooled.ci.upper), rel),
        ("stat", finite(pooled.stat), rel),
        ("p", Some(pooled.p), rel),
        ("dfs", pooled.df, CLOSED_FORM_RELATIVE),
        ("k", Some(pooled.k as f64), CLOSED_FORM_RELATIVE),
        ("Q", Some(het.q), CLOSED_FORM_RELATIVE),
        ("df", Some(het.df as f64), CLOSED_FORM_RELATIVE),
        ("Q_p", Some(het.q_p), CLOSED_FORM_RELATIVE),
        ("I2", Some(het.i2), rel),
        ("H2", Some(het.h2), rel),
        ("tau2", Some(het.tau2), rel),
        ("se_tau2", het.se_tau2, rel),
        ("pi_lower", pred.map(|p| p.normal.lower), rel),
        ("pi_upper", pred.map(|p| p.normal.upper), rel),
        ("pi_t_lower", pred.and_then(|p| p.t).map(|t| t.lower), rel),
        ("pi_t_upper", pred.and_then(|p| p.t).map(|t| t.upper), rel),
    ];
    for (name, ci) in [
        ("tau2_ci", het.tau2_ci),
        ("I2_ci", het.i2_ci),
        ("H2_ci", het.h2_ci),
    ] {
        let (lo, hi) = match p.get(name) {
            Some(Value::Null) | None => (None, None),
            Some(v) => match interval(v) {
                Some(iv) => (Some(iv.lower), Some(iv.upper)),
                None => (None, None),
            },
        };
        if p.get(name).is_some() {
            check(
                failures,
                &context,
                &format!("{name}.lower"),
                lo,
                ci.map(|c| c.lower),
                ITERATIVE_RELATIVE,
            );
            check(
                failures,
                &context,
                &format!("{name}.upper"),
                hi,
                ci.map(|c| c.upper),
                ITERATIVE_RELATIVE,
            );
            n += 2;
        }
    }
    let known: Vec<&str> = fields
        .iter()
        .map(|f| f.0)
        .chain(["tau2_ci", "I2_ci", "H2_ci"])
        .collect();
    if let Some(obj) = p.as_object() {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                failures.push(format!("{context}: reference field {key} is not checked"));
            }
        }
    }
    fields.retain(|(name, _, _)| p.get(*name).is_some());
    for (name, actual, tol) in fields {
        check(failures, &context, name, num(&p[name]), actual, tol);
        n += 1;
    }
    n
}

#[test]
fn engine_reproduces_every_reference_analysis() {
    let files = reference_files();
    assert!(files.len() >= 9, "reference files missing: {files:?}");
    let mut failures = Vec::new();
    let mut analyses = 0;
    let mut values = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable reference file");
        let file: Value = serde_json::from_str(&text).expect("reference file is JSON");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let studies = studies(&file);
        for a in file["analyses"].as_array().expect("analyses") {
            values += check_analysis(&mut failures, &name, &studies, a);
            analyses += 1;
        }
    }
    eprintln!("{analyses} analyses, {values} values compared");
    assert!(analyses > 400, "only {analyses} analyses found");
    assert!(
        failures.is_empty(),
        "{} disagreements with metafor:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Subgroup analyses (`extras.{RR,OR}.subgroups`): each subgroup pooled on its own
/// (inverse variance, common and DerSimonian-Laird random effects, Wald CIs) and the
/// test for subgroup differences.
#[test]
fn engine_reproduces_every_reference_subgroup_analysis() {
    let mut failures = Vec::new();
    let mut values = 0;
    for path in reference_files() {
        let text = std::fs::read_to_string(&path).expect("readable reference file");
        let file: Value = serde_json::from_str(&text).expect("reference file is JSON");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let studies = studies(&file);
        let Some(extras) = file["extras"].as_object() else {
            continue;
        };
        for (code, extra) in extras {
            let Some(sg) = extra.get("subgroups").filter(|v| !v.is_null()) else {
                continue;
            };
            let context = format!("{name} {code} subgroups");
            let Some(measure) = Measure::from_code(code) else {
                failures.push(format!("{context}: unknown measure"));
                continue;
            };
            let settings = Settings {
                measure,
                method: Method::InverseVariance,
                tau2: Tau2Estimator::DerSimonianLaird,
                ci: CiMethod::Wald,
                ..Settings::default()
            };
            let Some(result) = analyze(&studies, &settings).subgroups else {
                failures.push(format!("{context}: engine found no subgroups"));
                continue;
            };
            for w in sg["within"].as_array().into_iter().flatten() {
                let group = w["subgroup"].as_str().unwrap_or_default();
                let ctx = format!("{context} {group} {}", w["model"]);
                let Some(g) = result.groups.iter().find(|g| g.name == group) else {
                    failures.push(format!("{ctx}: subgroup missing"));
                    continue;
                };
                let fit = match w["model"].as_str() {
                    Some("common") => &g.common,
                    Some("random DL") => &g.random,
                    other => {
                        failures.push(format!("{ctx}: unsupported model {other:?}"));
                        continue;
                    }
                };
                let Ok(fit) = fit else {
                    failures.push(format!("{ctx}: no fit"));
                    continue;
                };
                let fields = [
                    ("k", fit.pooled.k as f64),
                    ("estimate", fit.pooled.estimate),
                    ("se", fit.pooled.se),
                    ("ci_lower", fit.pooled.ci.lower),
                    ("ci_upper", fit.pooled.ci.upper),
                    ("Q", fit.heterogeneity.q),
                    ("tau2", fit.heterogeneity.tau2),
                    ("I2", fit.heterogeneity.i2),
                ];
                for (field, actual) in fields {
                    if w.get(field).is_some() {
                        check(
                            &mut failures,
                            &ctx,
                            field,
                            num(&w[field]),
                            Some(actual),
                            CLOSED_FORM_RELATIVE,
                        );
                        values += 1;
                    }
                }
            }
            let tests = &sg["test_for_subgroup_differences"];
            for (key, test) in [
                ("common", &result.test_common),
                ("random DL", &result.test_random),
            ] {
                let ctx = format!("{context} test {key}");
                let t = &tests[key];
                match test {
                    Ok(test) => {
                        check(
                            &mut failures,
                            &ctx,
                            "Q",
                            num(&t["Q"]),
                            Some(test.q),
                            CLOSED_FORM_RELATIVE,
                        );
                        check(
                            &mut failures,
                            &ctx,
                            "df",
                            num(&t["df"]),
                            Some(test.df as f64),
                            CLOSED_FORM_RELATIVE,
                        );
                        check(
                            &mut failures,
                            &ctx,
                            "p",
                            num(&t["p"]),
                            Some(test.p),
                            CLOSED_FORM_RELATIVE,
                        );
                        values += 3;
                    }
                    Err(why) => failures.push(format!("{ctx}: {why}")),
                }
            }
        }
    }
    eprintln!("{values} subgroup values compared");
    assert!(values > 50, "only {values} subgroup values found");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
