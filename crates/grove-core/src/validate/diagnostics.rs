//! Checking the diagnostic analyses against the diagnostics reference files
//! (`tests/reference/diagnostics/*.json`, format and tolerances in that folder's
//! README): influence and leave-one-out, Baujat, radial, regression tests, GOSH,
//! L'Abbé, cumulative by year and absolute effects, for RR and OR, EE and DL.
//!
//! [`run_diagnostics`] gives one [`CheckReport`] per measure and block (`RR/effects`,
//! `RR/influence/EE`, `OR/regtest/lm/sei`, ...), comparing every value the block holds.
//! Where metafor refused, the engine must refuse the same case (its
//! [`DiagnosticsError::metafor_message`] is compared with metafor's message); where the
//! engine refuses and metafor computed, the check fails. A block metafor did not compute
//! by design (`not_computed`: GOSH above 16 studies) holds no value and gives no check,
//! except the cumulative analysis of a data set without years, which the engine must
//! decline too.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::compare::{Comparison, Mismatch, MismatchKind, Tolerance};
use super::engine::{map, usize_node};
use super::reference::{Node, ReferenceStudy};
use super::{CheckKind, CheckReport, Failure, FileReport};
use crate::absolute::implied_risk;
use crate::diagnostics::{
    self, BaseFit, DiagnosticsError, LabbeScale, PERCENTILE_PROBABILITIES, Regtest, RegtestModel,
    RegtestTest,
};
use crate::effect::effect_sizes;
use crate::rma::{Fit, Interval};
use crate::sensitivity::StepFit;
use crate::settings::{Measure, ZeroCellCorrection};
use crate::table::Table;

/// A diagnostics reference file. Unknown fields are an error, so that nothing a file
/// holds goes unchecked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticsFile {
    /// Short name of the data set ("bcg").
    pub name: String,
    /// Where the data come from.
    #[serde(default)]
    pub source: String,
    /// The software that computed the values.
    #[serde(default)]
    pub oracle: String,
    /// Free-text notes on conventions.
    #[serde(default)]
    pub conventions: BTreeMap<String, Node>,
    /// The trials, in order.
    pub studies: Vec<ReferenceStudy>,
    /// One block per measure (`"RR"`, `"OR"`).
    pub diagnostics: BTreeMap<String, Node>,
}

/// Assumed control risks of the `absolute` block.
pub const CONTROL_RISKS: [f64; 3] = [0.01, 0.1, 0.3];

/// Runs every diagnostic analysis of a file through the engine and compares every value
/// with the file's. Never panics.
pub fn run_diagnostics(file: &DiagnosticsFile) -> FileReport {
    let tables = super::studies(&file.studies)
        .map(|studies| studies.into_iter().map(|s| s.table).collect::<Vec<Table>>());
    let mut checks = Vec::new();
    for (code, block) in &file.diagnostics {
        let data = match (&tables, super::engine::measure(code)) {
            (Ok(tables), Ok(measure)) => Ok(Data::new(file, tables, measure)),
            (Err(f), _) => Err(f.clone()),
            (_, Err(f)) => Err(f),
        };
        match (data, block) {
            (Ok(data), Node::Map(block)) => measure_checks(code, &data, block, &mut checks),
            (Ok(_), _) => checks.push(failed(
                code.clone(),
                Failure::Unsupported {
                    field: format!("diagnostics.{code}"),
                    value: "not an object".to_string(),
                },
            )),
            (Err(f), _) => checks.push(failed(code.clone(), f)),
        }
    }
    FileReport {
        name: file.name.clone(),
        checks,
    }
}

/// The included studies of one measure.
struct Data<'a> {
    file: &'a DiagnosticsFile,
    tables: &'a [Table],
    measure: Measure,
    /// Index into `studies[]` of each included study.
    included: Vec<usize>,
    yi: Vec<f64>,
    vi: Vec<f64>,
}

impl<'a> Data<'a> {
    fn new(file: &'a DiagnosticsFile, tables: &'a [Table], measure: Measure) -> Data<'a> {
        let effects = effect_sizes(tables, measure, ZeroCellCorrection::default());
        let mut data = Data {
            file,
            tables,
            measure,
            included: Vec::new(),
            yi: Vec::new(),
            vi: Vec::new(),
        };
        for (i, e) in effects.iter().enumerate() {
            if let Ok(e) = e {
                data.included.push(i);
                data.yi.push(e.yi);
                data.vi.push(e.vi);
            }
        }
        data
    }

    /// A per-study array: the included studies' values in place, `null` elsewhere.
    fn spread<I: IntoIterator<Item = Node>>(&self, values: I) -> Node {
        let mut out = vec![Node::Null; self.tables.len()];
        for (&i, v) in self.included.iter().zip(values) {
            out[i] = v;
        }
        Node::List(out)
    }

    fn numbers<I: IntoIterator<Item = f64>>(&self, values: I) -> Node {
        self.spread(values.into_iter().map(|x| Node::number(Some(x))))
    }
}

fn measure_checks(
    code: &str,
    data: &Data,
    block: &BTreeMap<String, Node>,
    checks: &mut Vec<CheckReport>,
) {
    let effects: BTreeMap<String, Node> = block
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "measure" | "k" | "excluded_index" | "yi" | "vi"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    checks.push(check(
        format!("{code}/effects"),
        "",
        &Node::Map(effects),
        Ok(effects_node(code, data)),
    ));
    for (key, expected) in block {
        match key.as_str() {
            "measure" | "k" | "excluded_index" | "yi" | "vi" => {}
            "fits" | "influence" | "baujat" | "radial" | "gosh" | "cumulative_by_year" => {
                for base in BaseFit::ALL {
                    let Some(expected) = field(expected, base.code()) else {
                        continue;
                    };
                    if key == "gosh" && field(expected, "not_computed").is_some() {
                        // Not computed by metafor by design (k > 16): no value to compare.
                        continue;
                    }
                    let actual = fit_block(key, data, base, expected);
                    checks.push(check(
                        format!("{code}/{key}/{}", base.code()),
                        &format!("{key}.{}", base.code()),
                        expected,
                        actual,
                    ));
                }
            }
            "regtest" => {
                let tests = field(expected, "tests").and_then(|t| match t {
                    Node::List(l) => Some(l.as_slice()),
                    _ => None,
                });
                for expected in tests.unwrap_or(&[]) {
                    let id = field(expected, "id").and_then(Node::as_str).unwrap_or("?");
                    let actual = match RegtestTest::all().into_iter().find(|t| t.id() == id) {
                        Some(test) => {
                            let ni: Vec<f64> = data
                                .included
                                .iter()
                                .map(|&i| data.tables[i].total() as f64)
                                .collect();
                            diagnostics::regtest(&data.yi, &data.vi, &ni, test)
                                .map(|r| regtest_node(&r))
                        }
                        None => {
                            checks.push(failed(
                                format!("{code}/regtest/{id}"),
                                Failure::Unsupported {
                                    field: "regtest.id".to_string(),
                                    value: id.to_string(),
                                },
                            ));
                            continue;
                        }
                    };
                    checks.push(check(
                        format!("{code}/regtest/{id}"),
                        &format!("regtest.{id}"),
                        expected,
                        actual,
                    ));
                }
            }
            "labbe" => checks.push(check(
                format!("{code}/labbe"),
                "labbe",
                expected,
                labbe_node(data),
            )),
            "absolute" => checks.push(check(
                format!("{code}/absolute"),
                "absolute",
                expected,
                absolute_node(data),
            )),
            other => checks.push(failed(
                format!("{code}/{other}"),
                Failure::Unsupported {
                    field: format!("diagnostics.{code}"),
                    value: other.to_string(),
                },
            )),
        }
    }
}

fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match node {
        Node::Map(m) => m.get(key),
        _ => None,
    }
}

/// The tolerance of a field from its name (README "Tolerances"): counts, indices and
/// bitmasks exactly, p-values with their own absolute floor, the rest closed form.
fn tolerance(path: &str) -> Tolerance {
    let last = path.rsplit('.').next().unwrap_or(path);
    let key = last.split('[').next().unwrap_or(last);
    match key {
        "k" | "n" | "n_subsets" | "n_fitted" | "bitmask" | "study_index" | "excluded_index"
        | "dfs" | "year" | "counts" => Tolerance::Exact,
        "pval" | "Q_p" => Tolerance::PValue,
        _ => Tolerance::ClosedForm,
    }
}

/// Compares one block, refusals included.
fn check(
    id: String,
    path: &str,
    expected: &Node,
    actual: Result<Node, DiagnosticsError>,
) -> CheckReport {
    let mut comparison = Comparison::default();
    let mut failure = None;
    let declined = field(expected, "refused").or_else(|| field(expected, "not_computed"));
    match (declined.and_then(Node::as_str), actual) {
        (Some(message), Err(e)) => {
            let ours = match e {
                DiagnosticsError::NoYears => Some("no study years"),
                ref e => e.metafor_message(),
            };
            comparison.compared += 1;
            if ours != Some(message) {
                comparison.mismatches.push(Mismatch {
                    field: join(path, "refused"),
                    kind: MismatchKind::Text {
                        expected: message.to_string(),
                        actual: format!("the engine refuses for another reason: {e}"),
                    },
                });
            }
        }
        (Some(message), Ok(_)) => comparison.mismatches.push(Mismatch {
            field: join(path, "refused"),
            kind: MismatchKind::Text {
                expected: message.to_string(),
                actual: "the engine computes a result where metafor refused".to_string(),
            },
        }),
        (None, Err(e)) => failure = Some(Failure::Undefined(e.to_string())),
        (None, Ok(actual)) => comparison.tree(path, expected, Some(&actual), &tolerance),
    }
    if failure.is_none() && comparison.compared == 0 && comparison.mismatches.is_empty() {
        failure = Some(Failure::NothingToCompare);
    }
    CheckReport {
        id,
        kind: CheckKind::Analysis,
        comparison,
        failure,
        refused: declined.and_then(Node::as_str).map(str::to_string),
    }
}

fn failed(id: String, failure: Failure) -> CheckReport {
    CheckReport {
        id,
        kind: CheckKind::Analysis,
        comparison: Comparison::default(),
        failure: Some(failure),
        refused: None,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn num(x: f64) -> Node {
    Node::number(Some(x))
}

fn text(s: &str) -> Node {
    Node::Text(s.to_string())
}

fn pair(i: Interval) -> Node {
    Node::numbers([Some(i.lower), Some(i.upper)])
}

fn effects_node(code: &str, data: &Data) -> Node {
    let excluded = (0..data.tables.len())
        .filter(|i| !data.included.contains(i))
        .map(|i| usize_node(i + 1))
        .collect();
    Node::Map(map([
        ("measure", text(code)),
        ("k", usize_node(data.yi.len())),
        ("excluded_index", Node::List(excluded)),
        ("yi", data.numbers(data.yi.iter().copied())),
        ("vi", data.numbers(data.vi.iter().copied())),
    ]))
}

/// One of the blocks that come in an EE and a DL version.
fn fit_block(
    key: &str,
    data: &Data,
    base: BaseFit,
    expected: &Node,
) -> Result<Node, DiagnosticsError> {
    let (yi, vi) = (&data.yi[..], &data.vi[..]);
    match key {
        "fits" => base.fit(yi, vi).map(|f| fit_node(&f)),
        "influence" => {
            let inf = diagnostics::influence(yi, vi, base)?;
            let mut m = map([
                ("rstudent", data.numbers(inf.rstudent.iter().copied())),
                ("dffits", data.numbers(inf.dffits.iter().copied())),
                ("dfbetas", data.numbers(inf.dfbetas.iter().copied())),
                ("cook_d", data.numbers(inf.cook_d.iter().copied())),
                ("cov_r", data.numbers(inf.cov_r.iter().copied())),
                ("tau2_del", data.numbers(inf.tau2_del.iter().copied())),
                ("QE_del", data.numbers(inf.qe_del.iter().copied())),
                ("hat", data.numbers(inf.hat.iter().copied())),
                ("weight_pct", data.numbers(inf.weight_pct.iter().copied())),
                (
                    "influential",
                    data.spread(inf.influential.iter().map(|&b| Node::Bool(b))),
                ),
            ]);
            let column = |f: StepValue| data.numbers(inf.leave_one_out.iter().map(f));
            m.insert("leave1out".to_string(), Node::Map(step_fields(column)));
            Ok(Node::Map(m))
        }
        "baujat" => {
            let b = diagnostics::baujat(yi, vi, base)?;
            Ok(Node::Map(map([
                ("x", data.numbers(b.x)),
                ("y", data.numbers(b.y)),
            ])))
        }
        "radial" => {
            let r = diagnostics::radial(yi, vi, base)?;
            Ok(Node::Map(map([
                ("tau2", num(r.tau2)),
                ("x", data.numbers(r.x)),
                ("y", data.numbers(r.y)),
                ("slope", num(r.slope)),
                ("zcrit", num(r.zcrit)),
                ("ci_lower", num(r.ci.lower)),
                ("ci_upper", num(r.ci.upper)),
            ])))
        }
        "gosh" => gosh_node(yi, vi, base, field(expected, "per_subset").is_some()),
        _ => cumulative_node(data, base),
    }
}

fn fit_node(f: &Fit) -> Node {
    let (p, h) = (&f.pooled, &f.heterogeneity);
    let pi = f.prediction.as_ref().map(|pi| pi.normal);
    Node::Map(map([
        ("k", usize_node(p.k)),
        ("estimate", num(p.estimate)),
        ("se", num(p.se)),
        ("ci_lower", num(p.ci.lower)),
        ("ci_upper", num(p.ci.upper)),
        ("zval", num(p.stat)),
        ("pval", num(p.p)),
        ("tau2", num(h.tau2)),
        ("Q", num(h.q)),
        ("Q_p", num(h.q_p)),
        ("I2", num(h.i2)),
        ("H2", num(h.h2)),
        ("pi_lower", Node::number(pi.map(|i| i.lower))),
        ("pi_upper", Node::number(pi.map(|i| i.upper))),
    ]))
}

fn regtest_node(r: &Regtest) -> Node {
    let (model, base_fit, stat_type) = match r.test.model {
        RegtestModel::Rma(base) => ("rma", text(base.code()), "z"),
        RegtestModel::Lm => ("lm", Node::Null, "t"),
    };
    Node::Map(map([
        ("id", Node::Text(r.test.id())),
        ("model", text(model)),
        ("base_fit", base_fit),
        ("predictor", text(r.test.predictor.code())),
        ("stat", Node::number(r.stat)),
        ("stat_type", text(stat_type)),
        ("pval", Node::number(r.p)),
        ("dfs", Node::number(r.df.map(|d| d as f64))),
        ("limit_estimate", num(r.intercept)),
        ("limit_ci_lower", Node::number(r.limit_ci.map(|i| i.lower))),
        ("limit_ci_upper", Node::number(r.limit_ci.map(|i| i.upper))),
        ("intercept", num(r.intercept)),
        ("intercept_se", Node::number(r.intercept_se)),
        ("slope", num(r.slope)),
        ("slope_se", Node::number(r.slope_se)),
        ("tau2_residual", Node::number(r.tau2_residual)),
        ("sigma", Node::number(r.sigma)),
    ]))
}

fn gosh_node(
    yi: &[f64],
    vi: &[f64],
    base: BaseFit,
    per_subset: bool,
) -> Result<Node, DiagnosticsError> {
    // Files with per-subset values check the stored enumeration; the others the
    // streamed summary, so that both paths meet metafor.
    let g = if per_subset {
        Some(diagnostics::gosh(yi, vi, base)?)
    } else {
        None
    };
    let streamed;
    let s = match &g {
        Some(g) => &g.summary,
        None => {
            streamed = diagnostics::gosh_summary(yi, vi, base, |_| ControlFlow::Continue(()))?
                .ok_or(DiagnosticsError::NoStudies)?;
            &streamed
        }
    };
    let statistic = |st: &diagnostics::GoshStatistic| {
        let mut m = map([
            ("n", Node::Number(st.n as f64)),
            ("mean", num(st.mean)),
            ("sd", num(st.sd)),
            ("min", num(st.min)),
            ("max", num(st.max)),
        ]);
        for (p, value) in PERCENTILE_PROBABILITIES
            .iter()
            .zip(st.percentiles.iter().flatten())
        {
            m.insert(format!("p{:02.0}", 100.0 * p), num(*value));
        }
        Node::Map(m)
    };
    let counts = s
        .histogram
        .counts
        .iter()
        .map(|row| Node::List(row.iter().map(|&c| Node::Number(c as f64)).collect()))
        .collect();
    let mut summary = map([
        ("n_subsets", Node::Number(s.n_subsets as f64)),
        ("n_fitted", Node::Number(s.n_fitted as f64)),
        ("estimate", statistic(&s.estimate)),
        ("I2", statistic(&s.i2)),
        ("Q", statistic(&s.q)),
        (
            "histogram",
            Node::Map(map([
                (
                    "estimate_edges",
                    Node::numbers(s.histogram.estimate_edges.iter().map(|&e| Some(e))),
                ),
                (
                    "I2_edges",
                    Node::numbers(s.histogram.i2_edges.iter().map(|&e| Some(e))),
                ),
                ("counts", Node::List(counts)),
            ])),
        ),
    ]);
    if let Some(t) = &s.tau2 {
        summary.insert("tau2".to_string(), statistic(t));
    }
    let mut m = map([
        ("k", usize_node(yi.len())),
        ("n_subsets", Node::Number(s.n_subsets as f64)),
        ("summary", Node::Map(summary)),
    ]);
    if let Some(g) = &g {
        let values = |x: &[f64]| Node::numbers(x.iter().map(|&v| Some(v)));
        let mut p = map([
            (
                "bitmask",
                Node::List(g.bitmask.iter().map(|&b| Node::Number(b as f64)).collect()),
            ),
            ("estimate", values(&g.estimate)),
            ("Q", values(&g.q)),
            ("I2", values(&g.i2)),
        ]);
        if let Some(t) = &g.tau2 {
            p.insert("tau2".to_string(), values(t));
        }
        m.insert("per_subset".to_string(), Node::Map(p));
    }
    Ok(Node::Map(m))
}

fn cumulative_node(data: &Data, base: BaseFit) -> Result<Node, DiagnosticsError> {
    let years: Vec<Option<i32>> = data
        .included
        .iter()
        .map(|&i| data.file.studies[i].year)
        .collect();
    let steps = diagnostics::cumulative_by_year(&data.yi, &data.vi, &years, base)?;
    let fits: Vec<&StepFit> = steps.iter().filter_map(|s| s.fit.as_ref().ok()).collect();
    if fits.len() != steps.len() {
        return Err(DiagnosticsError::NoStudies);
    }
    let column = |f: StepValue| Node::numbers(fits.iter().map(|s| Some(f(s))));
    let study = |s: &crate::sensitivity::Step| &data.file.studies[data.included[s.study]];
    let mut m = map([
        (
            "study_index",
            Node::List(
                steps
                    .iter()
                    .map(|s| usize_node(data.included[s.study] + 1))
                    .collect(),
            ),
        ),
        (
            "study",
            Node::List(steps.iter().map(|s| text(&study(s).study)).collect()),
        ),
        (
            "year",
            Node::numbers(steps.iter().map(|s| study(s).year.map(f64::from))),
        ),
        ("k", column(|s| s.pooled.k as f64)),
    ]);
    m.extend(step_fields(column));
    Ok(Node::Map(m))
}

/// One value of a leave-one-out or cumulative step.
type StepValue = fn(&StepFit) -> f64;

/// The columns of metafor's `leave1out()` and `cumul()` output, each built by `column`
/// from one value of every step.
fn step_fields(column: impl Fn(StepValue) -> Node) -> BTreeMap<String, Node> {
    const FIELDS: [(&str, StepValue); 11] = [
        ("estimate", |s| s.pooled.estimate),
        ("se", |s| s.pooled.se),
        ("zval", |s| s.pooled.stat),
        ("pval", |s| s.pooled.p),
        ("ci_lower", |s| s.pooled.ci.lower),
        ("ci_upper", |s| s.pooled.ci.upper),
        ("Q", |s| s.heterogeneity.q),
        ("Q_p", |s| s.heterogeneity.q_p),
        ("tau2", |s| s.heterogeneity.tau2),
        ("I2", |s| s.heterogeneity.i2),
        ("H2", |s| s.heterogeneity.h2),
    ];
    FIELDS
        .iter()
        .map(|&(key, f)| (key.to_string(), column(f)))
        .collect()
}

fn labbe_node(data: &Data) -> Result<Node, DiagnosticsError> {
    let scale = LabbeScale::for_measure(data.measure).ok_or(DiagnosticsError::NoStudies)?;
    let raw = |e: u64, n: u64| Node::number(Some(e as f64 / n as f64));
    let points: Vec<_> = data
        .included
        .iter()
        .map(|&i| diagnostics::labbe_point(&data.tables[i], scale))
        .collect();
    let intercept = |base: BaseFit| -> Result<Node, DiagnosticsError> {
        Ok(num(base.fit(&data.yi, &data.vi)?.pooled.estimate))
    };
    Ok(Node::Map(map([
        (
            "risk_treatment_raw",
            Node::List(data.tables.iter().map(|t| raw(t.ai(), t.n1())).collect()),
        ),
        (
            "risk_control_raw",
            Node::List(data.tables.iter().map(|t| raw(t.ci(), t.n2())).collect()),
        ),
        (
            "included",
            Node::List(
                (0..data.tables.len())
                    .map(|i| Node::Bool(data.included.contains(&i)))
                    .collect(),
            ),
        ),
        (
            "metafor_labbe",
            Node::Map(map([
                ("scale", text(scale.name())),
                (
                    "x_control",
                    data.numbers(points.iter().map(|p| p.x_control)),
                ),
                (
                    "y_treatment",
                    data.numbers(points.iter().map(|p| p.y_treatment)),
                ),
                ("line_intercept_EE", intercept(BaseFit::Common)?),
                ("line_intercept_DL", intercept(BaseFit::DerSimonianLaird)?),
            ])),
        ),
    ])))
}

/// The `absolute` block from the DL fit, risks from [`implied_risk`] (not clamped, as
/// the reference writes them).
fn absolute_node(data: &Data) -> Result<Node, DiagnosticsError> {
    let fit = BaseFit::DerSimonianLaird.fit(&data.yi, &data.vi)?;
    let p = &fit.pooled;
    let pi = fit.prediction.as_ref().map(|pi| pi.normal);
    let exp = |i: Interval| Interval {
        lower: i.lower.exp(),
        upper: i.upper.exp(),
    };
    let rows = CONTROL_RISKS
        .iter()
        .map(|&p0| {
            let p1 = |effect: f64| implied_risk(data.measure, p0, effect);
            let at = |i: Interval| Interval {
                lower: 1000.0 * p1(i.lower),
                upper: 1000.0 * p1(i.upper),
            };
            let rd = |i: Interval| Interval {
                lower: 1000.0 * (p1(i.lower) - p0),
                upper: 1000.0 * (p1(i.upper) - p0),
            };
            let nnt = |effect: f64| 1.0 / (p1(effect) - p0).abs();
            let d = p1(p.estimate) - p0;
            let direction = if d < 0.0 {
                "benefit (fewer events)"
            } else if d > 0.0 {
                "harm (more events)"
            } else {
                "none"
            };
            let rd_ci = rd(p.ci);
            Node::Map(map([
                ("control_risk", num(p0)),
                ("control_per_1000", num(1000.0 * p0)),
                ("treatment_per_1000", num(1000.0 * p1(p.estimate))),
                ("treatment_per_1000_ci", pair(at(p.ci))),
                (
                    "treatment_per_1000_pi",
                    pi.map_or(Node::Null, |pi| pair(at(pi))),
                ),
                ("rd_per_1000", num(1000.0 * d)),
                ("rd_per_1000_ci", pair(rd_ci)),
                ("nnt", num(1.0 / d.abs())),
                ("nnt_direction", text(direction)),
                (
                    "nnt_at_ci_bounds",
                    Node::numbers([Some(nnt(p.ci.lower)), Some(nnt(p.ci.upper))]),
                ),
                (
                    "ci_includes_null",
                    Node::Bool(rd_ci.lower <= 0.0 && rd_ci.upper >= 0.0),
                ),
            ]))
        })
        .collect();
    Ok(Node::Map(map([
        ("ratio", num(p.estimate.exp())),
        ("ratio_ci", pair(exp(p.ci))),
        ("ratio_pi", pi.map_or(Node::Null, |pi| pair(exp(pi)))),
        ("by_control_risk", Node::List(rows)),
    ])))
}
