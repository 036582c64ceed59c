//! The R script Grove exports reproduces Grove's pooled results when R runs it with
//! metafor: the three built-in examples under every measure, pooling method, estimator,
//! interval, zero-cell correction and convention, and every dichotomous outcome of the
//! RevMan review files of `tests/revman/` with the settings their file gives and with
//! metafor's conventions. R and metafor come from Debian (`scripts/setup` installs
//! `r-base-core` and `r-cran-metafor`).
//!
//! Each `grove-check OUTCOME ESTIMATE CI_LOWER CI_UPPER` line R prints is compared with
//! the engine's number; every result Grove shows has its line and every line its result.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use grove_core::parse::{self, RawRow};
use grove_core::report::{ModelView, Report, ReportOptions, Totals, natural};
use grove_core::rma::{Fit, Model};
use grove_core::rscript::{ScriptOutcome, check_label, r_script};
use grove_core::settings::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};

/// Relative agreement required: R prints 12 significant digits, and metafor's
/// iterative estimators stop when tau² changes by less than 1e-5 (its `threshold`), as
/// Grove's do, so both follow the same steps to the same tau².
const RELATIVE: f64 = 1e-9;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> Vec<RawRow> {
    let text = std::fs::read_to_string(root().join("src/examples").join(name))
        .expect("the example exists");
    parse::parse(&text).raw_rows()
}

struct Case {
    name: String,
    rows: Vec<RawRow>,
    options: ReportOptions,
}

/// The examples under a grid of settings that visits every choice of each setting.
fn example_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let examples = [
        ("bcg", example("bcg.tsv")),
        ("catheters", example("catheters.tsv")),
        ("azithromycin", example("azithromycin.tsv")),
    ];
    let mut n = 0;
    for (name, rows) in &examples {
        for measure in [
            Measure::RiskRatio,
            Measure::OddsRatio,
            Measure::RiskDifference,
        ] {
            for method in Method::ALL {
                if method == Method::Peto && measure != Measure::OddsRatio {
                    continue;
                }
                for convention in Convention::ALL {
                    for (i, scope) in CorrectionScope::ALL.into_iter().enumerate() {
                        // Every estimator and both intervals, spread over the other choices.
                        let tau2 = Tau2Estimator::ALL[(n + i) % Tau2Estimator::ALL.len()];
                        let ci = CiMethod::ALL[(n / 3 + i) % 2];
                        n += 1;
                        let increment = if i == 1 { 0.25 } else { 0.5 };
                        let settings = Settings {
                            measure,
                            method,
                            tau2,
                            ci,
                            correction: ZeroCellCorrection { increment, scope },
                            convention,
                        };
                        cases.push(Case {
                            name: format!(
                                "{name}-{}-{}-{}-{}-{}-{}",
                                measure.code(),
                                method.code(),
                                tau2.code(),
                                ci.code(),
                                scope.code(),
                                convention.code()
                            ),
                            rows: rows.clone(),
                            options: ReportOptions {
                                settings,
                                models: ModelView::Both,
                                ..ReportOptions::default()
                            },
                        });
                    }
                }
            }
        }
    }
    cases
}

/// Every dichotomous outcome of the RevMan files, as RevMan analysed it and with
/// metafor's conventions.
fn revman_cases() -> Vec<Case> {
    let dir = root().join("tests/revman");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/revman exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rm5"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let review = grove_core::parse::revman::read(&bytes).expect("a review");
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for o in &review.outcomes {
            for convention in Convention::ALL {
                let mut options = o.options.clone();
                options.settings.convention = convention;
                options.models = ModelView::Both;
                cases.push(Case {
                    name: format!("{stem} {} {}", o.source.number, convention.code()),
                    rows: o.rows.clone(),
                    options,
                });
            }
        }
    }
    cases
}

/// Grove's shown results of a case, by their grove-check label, on the natural scale.
fn expected(case: &Case, into: &mut BTreeMap<String, [f64; 3]>) {
    let report = Report::new(&case.rows, &case.options);
    let m = case.options.settings.measure;
    let nat = |fit: &Fit| {
        [
            natural(m, fit.pooled.estimate),
            natural(m, fit.pooled.ci.lower),
            natural(m, fit.pooled.ci.upper),
        ]
    };
    let code = |model| match model {
        Model::Common => "common",
        Model::Random => "random",
    };
    for &model in case.options.models.models() {
        if case.options.totals == Totals::Overall
            && let Ok(fit) = report.fit(model)
        {
            into.insert(check_label(&[&case.name, code(model)]), nat(fit));
        }
        if let Some(groups) = &report.analysis.subgroups
            && case.options.totals != Totals::None
        {
            for g in &groups.groups {
                let fit = match model {
                    Model::Common => &g.common,
                    Model::Random => &g.random,
                };
                if let Ok(fit) = fit {
                    into.insert(check_label(&[&case.name, &g.name, code(model)]), nat(fit));
                }
            }
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= RELATIVE * a.abs().max(b.abs()) || (a - b).abs() < 1e-12
}

fn run_r(script: &str, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("grove-r-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("grove.R");
    std::fs::write(&path, script).expect("the script is written");
    let out = Command::new("Rscript")
        .arg(&path)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("Rscript cannot be run ({e}); scripts/setup installs R and metafor")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "R stopped on {}:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        stdout.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    stdout
}

fn agree(cases: &[Case], name: &str) {
    let mut want = BTreeMap::new();
    for c in cases {
        expected(c, &mut want);
    }
    let outcomes: Vec<ScriptOutcome> = cases
        .iter()
        .map(|c| ScriptOutcome {
            name: &c.name,
            rows: &c.rows,
            options: &c.options,
        })
        .collect();
    let stdout = run_r(&r_script(&outcomes), name);
    let mut got = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with("grove-check ")) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "five fields: {line}");
        let x: Vec<f64> = f[2..]
            .iter()
            .map(|v| v.parse().expect("a number"))
            .collect();
        assert!(
            got.insert(f[1].to_owned(), [x[0], x[1], x[2]]).is_none(),
            "one line per result: {line}"
        );
    }
    let mut differ = Vec::new();
    for (label, w) in &want {
        match got.get(label) {
            None => differ.push(format!("{label}: no line from R")),
            Some(g) if !(0..3).all(|i| close(g[i], w[i])) => {
                differ.push(format!("{label}: Grove {w:?}, R {g:?}"));
            }
            Some(_) => {}
        }
    }
    for label in got.keys().filter(|l| !want.contains_key(*l)) {
        differ.push(format!("{label}: R printed a result Grove does not show"));
    }
    println!("{name}: {} results compared", want.len());
    assert!(
        differ.is_empty(),
        "{} of {} results differ:\n{}",
        differ.len(),
        want.len(),
        differ.join("\n")
    );
    assert!(want.len() >= cases.len(), "every case has a result");
}

#[test]
fn the_examples_under_every_setting_agree_with_metafor() {
    agree(&example_cases(), "examples");
}

#[test]
fn every_revman_outcome_agrees_with_metafor() {
    agree(&revman_cases(), "revman");
}
