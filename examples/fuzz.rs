//! Fuzz harness for the whole pipeline. Generated pasted tables and generated project
//! files go through the parser, the project file loader, [`Report`], the forest plot and
//! its SVG, and the page's result tables, and every output is checked against the
//! engine's documented invariants. Run through `scripts/fuzz N [SEED]`.
//!
//! Each failing input is printed with a reproducer that can be pasted into a test (the
//! text or project file as a Rust string literal, and the options), made as small as the
//! failure allows; the run ends with one line `N passed, M failed` and exits with status
//! 1 if any input failed. Input `i` is generated from `(SEED, i)` alone, so a run is
//! the same on every machine.
//!
//! # Inputs
//! - Pasted text: rows valid and not, headers in many spellings or none, every
//!   delimiter, quoted cells holding quotes, delimiters and line breaks, empty cells,
//!   counts from 0 to beyond 2^53, events above totals, negative numbers, thousands
//!   separators and decimal commas, unicode and very long names, blank lines, CRLF.
//!   Each is analysed with a random subset of the settings (measure × method × tau²
//!   estimator × CI × zero-cell scope and increment × convention × models × totals).
//! - Project files: a project (the default one, the examples, a RevMan review) saved
//!   with `Project::to_json`, then damaged (fields deleted or changed, wrong types,
//!   extreme numbers, truncation) and read with `Project::from_json`; every outcome of
//!   a project that loads is analysed with its own options.
//!
//! # Checks
//! - Nothing panics (each stage runs under `catch_unwind`; the panic is the failure),
//!   and no input runs for a minute (a hang stops the run, printing the input).
//! - No `NaN`, `inf` or `-inf` in any text shown: SVG, sentence, headline, CSV, result
//!   tables, exclusions, agreement with RevMan, diagnostics (unless the input holds the
//!   word: then it is the user's, a name or a cell quoted).
//! - Every diagnostic's line lies inside the input, and a cell's diagnostic names the
//!   row's line and the column holding the cell it quotes.
//! - Every fit that exists (overall and subgroups): its CI contains its estimate, the
//!   study weights sum to 100 when any is positive, I² lies in [0, 100], tau² ≥ 0, and
//!   every P value lies in [0, 1] (the pooled P may be NaN only when its standard error
//!   is 0, as [`grove_core::rma::Pooled`] documents).
//! - Pasted tables survive the round trip `parse(&to_tsv(&rows)).raw_rows() == rows`,
//!   and a project that loads is saved and read back unchanged.

use grove::project::{Example, Outcome, Project};
use grove::tables;
use grove_core::forest::{self, PlotOptions};
use grove_core::format;
use grove_core::parse::{Column, Diagnostic, Problem, RawRow, parse, to_tsv};
use grove_core::report::{self, ModelView, Report, ReportOptions, Totals};
use grove_core::review::RevManOutcome;
use grove_core::review::agreement;
use grove_core::rma::Fit;
use grove_core::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seed used when none is given (CI runs with it).
const DEFAULT_SEED: u64 = 1;
/// Tolerance on the sum of a fit's study weights, in percentage points.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;
/// An input still running after this long is reported as hanging and the run stops.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// Failures of one kind made as small as possible; later ones are printed as found.
const SHRUNK_PER_KIND: usize = 3;
/// Most re-runs spent making one failure small.
const SHRINK_BUDGET: usize = 3_000;
/// A RevMan review whose outcomes start some of the project files.
const REVIEW: &[u8] = include_bytes!("../tests/revman/Fleiss1993.rm5");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.replace('_', "").parse().unwrap_or_else(|_| {
                eprintln!("usage: fuzz N [SEED]  (N inputs, SEED default {DEFAULT_SEED})");
                std::process::exit(2)
            })
        })
    };
    let total = number(0, 1000);
    let seed = number(1, DEFAULT_SEED);
    let total = usize::try_from(total).expect("N fits in memory's address range");

    install_quiet_panic_hook();
    let counts = Arc::new(Counts::default());
    let current: Arc<Mutex<Option<Running>>> = Arc::new(Mutex::new(None));
    watch_for_hangs(Arc::clone(&current), Arc::clone(&counts));

    let started = Instant::now();
    let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let progress_every = (total / 10).max(1);
    for i in 0..total {
        let input = Input::generate(seed, i);
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Running {
            index: i,
            since: Instant::now(),
            input: input.clone(),
        });
        let failures = input.run();
        if failures.is_empty() {
            counts.passed.fetch_add(1, Ordering::Relaxed);
        } else {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            for failure in failures {
                let seen = kinds
                    .entry(failure.violation.kind.clone())
                    .or_insert((i, 0));
                seen.1 += 1;
                let failure = if seen.1 <= SHRUNK_PER_KIND {
                    failure.shrink()
                } else {
                    failure
                };
                println!("{}", failure.report(seed, i));
            }
        }
        if total >= 10_000 && (i + 1) % progress_every == 0 {
            eprintln!(
                "fuzz: {} of {total} inputs, {} failed, {:.0} s",
                i + 1,
                counts.failed.load(Ordering::Relaxed),
                started.elapsed().as_secs_f64()
            );
        }
    }
    *current.lock().unwrap_or_else(|e| e.into_inner()) = None;

    if !kinds.is_empty() {
        println!("distinct failures (first input, inputs):");
        for (kind, (first, n)) in &kinds {
            println!("  {kind} (input {first}, {n})");
        }
    }
    let (passed, failed) = counts.get();
    eprintln!(
        "fuzz: seed {seed}, {total} inputs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------
// Inputs and their failures.

/// One generated input.
#[derive(Debug, Clone)]
enum Input {
    /// Pasted text, the options it is analysed with, and a table of cells as typed for
    /// the `to_tsv` round trip.
    Paste {
        text: String,
        options: Vec<ReportOptions>,
        table: Vec<RawRow>,
    },
    /// A project file's text.
    Project { json: String },
}

/// Why an input failed: a stable `kind` (no numbers, so that failures group) and the
/// particulars.
#[derive(Debug, Clone, PartialEq)]
struct Violation {
    kind: String,
    detail: String,
}

/// What to run again to see a failure.
#[derive(Debug, Clone)]
enum Repro {
    /// `parse(text)`.
    Parse { text: String },
    /// `Report::new(&parse(text).raw_rows(), &options)` and all that is shown of it.
    Paste {
        text: String,
        options: ReportOptions,
    },
    /// `parse(&to_tsv(&rows))`.
    Table { rows: Vec<RawRow> },
    /// `Project::from_json(json)` and every outcome of it.
    Project { json: String },
}

/// A failed check and how to see it again.
#[derive(Debug, Clone)]
struct Failure {
    violation: Violation,
    repro: Repro,
}

impl Input {
    fn generate(seed: u64, index: usize) -> Input {
        let mut rng = Rng::for_input(seed, index as u64);
        if rng.chance(1, 4) {
            Input::Project {
                json: project_file(&mut rng),
            }
        } else {
            let text = pasted_text(&mut rng);
            let combinations = 1 + rng.below(3) as usize;
            Input::Paste {
                text,
                options: (0..combinations).map(|_| options(&mut rng)).collect(),
                table: typed_table(&mut rng),
            }
        }
    }

    /// Runs every check; one failure of each kind.
    fn run(&self) -> Vec<Failure> {
        let mut failures = Vec::new();
        match self {
            Input::Paste {
                text,
                options,
                table,
            } => {
                let repro = Repro::Parse { text: text.clone() };
                failures.extend(repro.failure());
                // The rows read, written with `to_tsv` and read back (a panic in `parse`
                // is the failure above).
                if let Ok(rows) = catch_unwind(|| parse(text).raw_rows()) {
                    failures.extend(
                        Repro::Table {
                            rows: non_blank(rows),
                        }
                        .failure(),
                    );
                }
                for o in options {
                    let repro = Repro::Paste {
                        text: text.clone(),
                        options: o.clone(),
                    };
                    failures.extend(repro.failure());
                }
                let repro = Repro::Table {
                    rows: non_blank(table.clone()),
                };
                failures.extend(repro.failure());
            }
            Input::Project { json } => {
                let repro = Repro::Project { json: json.clone() };
                failures.extend(repro.failure());
            }
        }
        // One report per kind of problem and input is enough.
        let mut seen = Vec::new();
        failures.retain(|f| {
            let new = !seen.contains(&f.violation.kind);
            seen.push(f.violation.kind.clone());
            new
        });
        failures
    }
}

impl Repro {
    /// Runs the reproducer under `catch_unwind`.
    fn check(&self) -> Result<(), Violation> {
        guarded(|| match self {
            Repro::Parse { text } => check_parse(text),
            Repro::Paste { text, options } => {
                let rows = parse(text).raw_rows();
                check_report(&rows, options, None, text)
            }
            Repro::Table { rows } => check_round_trip(rows, "the table"),
            Repro::Project { json } => check_project(json),
        })
    }

    fn failure(&self) -> Option<Failure> {
        self.check().err().map(|violation| Failure {
            violation,
            repro: self.clone(),
        })
    }
}

impl Failure {
    /// The smallest reproducer found, within [`SHRINK_BUDGET`] re-runs, that fails in the
    /// same way.
    fn shrink(self) -> Failure {
        let kind = self.violation.kind.clone();
        let mut budget = SHRINK_BUDGET;
        let mut fails = |r: &Repro| -> Option<bool> {
            budget = budget.checked_sub(1)?;
            Some(r.check().is_err_and(|v| v.kind == kind))
        };
        let repro = match self.repro.clone() {
            Repro::Parse { text } => Repro::Parse {
                text: shrink_text(text, |t| fails(&Repro::Parse { text: t.to_owned() })),
            },
            Repro::Paste { text, options } => {
                let options = shrink_options(options, |o| {
                    fails(&Repro::Paste {
                        text: text.clone(),
                        options: o.clone(),
                    })
                });
                let text = shrink_text(text, |t| {
                    fails(&Repro::Paste {
                        text: t.to_owned(),
                        options: options.clone(),
                    })
                });
                Repro::Paste { text, options }
            }
            Repro::Table { rows } => {
                let mut rows = shrink_list(rows, |r| fails(&Repro::Table { rows: r.to_vec() }));
                for i in 0..rows.len() {
                    for column in Column::ROW {
                        let cell = rows[i].get(column).to_owned();
                        let cell = shrink_text(cell, |t| {
                            let mut rows = rows.clone();
                            *rows[i].get_mut(column) = t.to_owned();
                            fails(&Repro::Table { rows })
                        });
                        *rows[i].get_mut(column) = cell;
                    }
                }
                Repro::Table {
                    rows: non_blank(rows),
                }
            }
            Repro::Project { json } => Repro::Project {
                json: shrink_project(json, |j| fails(&Repro::Project { json: j.to_owned() })),
            },
        };
        match repro.check() {
            Err(violation) => Failure { violation, repro },
            Ok(()) => self,
        }
    }

    /// The failure as printed: what failed, then Rust lines that show it again.
    fn report(&self, seed: u64, index: usize) -> String {
        let mut out = String::new();
        let what = match self.repro {
            Repro::Parse { .. } => "pasted text",
            Repro::Paste { .. } => "pasted text and settings",
            Repro::Table { .. } => "table of cells as typed",
            Repro::Project { .. } => "project file",
        };
        let _ = writeln!(
            out,
            "FAILED: input {index} of seed {seed} ({what}): {}",
            self.violation.kind
        );
        let _ = writeln!(out, "  {}", self.violation.detail);
        out.push_str("  reproducer:\n");
        let lines = match &self.repro {
            Repro::Parse { text } => format!("let parsed = parse({text:?});"),
            Repro::Paste { text, options } => format!(
                "let options = {};\nlet report = Report::new(&parse({text:?}).raw_rows(), &options);\n// then headline(), sentence(), csv(), forest() → layout → to_svg(), tables::*",
                options_literal(options)
            ),
            Repro::Table { rows } => {
                let rows: Vec<String> = rows.iter().map(row_literal).collect();
                format!(
                    "let rows = vec![\n    {},\n];\nassert_eq!(parse(&to_tsv(&rows)).raw_rows(), rows);",
                    rows.join(",\n    ")
                )
            }
            Repro::Project { json } => format!(
                "let project = Project::from_json({json:?});\n// then each outcome: Report::new(&o.rows, &o.options) and all that is shown of it"
            ),
        };
        for line in lines.lines() {
            let _ = writeln!(out, "    {line}");
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Checks.

/// Parses `text` and checks its rows and diagnostics.
fn check_parse(text: &str) -> Result<(), Violation> {
    let parsed = parse(text);
    let lines = line_count(text);
    let mut last = 0;
    for row in &parsed.rows {
        if !(row.line > last && row.line <= lines) {
            return Err(violation(
                "a row's line is outside the text or out of order",
                format!("row at line {} after line {last}, of {lines}", row.line),
            ));
        }
        last = row.line;
        if let Err(problems) = &row.study {
            check_row_diagnostics(&row.raw, row.line, problems)?;
        }
    }
    for d in parsed.all_diagnostics() {
        if !(1..=lines).contains(&d.line) {
            return Err(violation(
                "a diagnostic's line is outside the text",
                format!("line {} of {lines}: {d}", d.line),
            ));
        }
    }
    let shown: Vec<String> = parsed
        .all_diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    check_shown("the diagnostics", &shown.join("\n"), text)
}

/// A cell's diagnostics name the row's line and a column of the row whose cell is the
/// one the problem quotes.
fn check_row_diagnostics(
    raw: &RawRow,
    line: usize,
    problems: &[Diagnostic],
) -> Result<(), Violation> {
    if problems.is_empty() {
        return Err(violation(
            "a row left out has no diagnostic",
            format!("line {line}: {raw:?}"),
        ));
    }
    for d in problems {
        if d.line != line {
            return Err(violation(
                "a row's diagnostic names another line",
                format!("row at line {line}, diagnostic: {d}"),
            ));
        }
        let Some(column) = d.column.filter(|c| Column::ROW.contains(c)) else {
            return Err(violation(
                "a row's diagnostic names no column of the row",
                format!("line {line}, column {:?}: {d}", d.column),
            ));
        };
        let cell = raw.get(column).trim();
        let fits = match &d.problem {
            Problem::Missing => cell.is_empty(),
            Problem::NotWholeNumber(s)
            | Problem::Negative(s)
            | Problem::TooLarge(s)
            | Problem::NotAYear(s) => cell == s,
            Problem::AmbiguousSeparator { cell: s, .. } => cell == s,
            Problem::EventsExceedTotal { .. } | Problem::ZeroTotal => !cell.is_empty(),
            _ => true,
        };
        if !fits {
            return Err(violation(
                "a diagnostic's column does not hold the cell it names",
                format!("line {line}, {column:?} holds {cell:?}: {d}"),
            ));
        }
    }
    Ok(())
}

/// `parse(&to_tsv(&rows)).raw_rows() == rows` once blank rows are left out (`to_tsv`
/// promises the rows back, blank rows excepted).
fn check_round_trip(rows: &[RawRow], what: &str) -> Result<(), Violation> {
    let rows = non_blank(rows.to_vec());
    let tsv = to_tsv(&rows);
    let parsed = parse(&tsv);
    let back = parsed.raw_rows();
    if back == rows {
        return Ok(());
    }
    let first = rows
        .iter()
        .zip(&back)
        .position(|(a, b)| a != b)
        .unwrap_or(rows.len().min(back.len()));
    Err(violation(
        &format!(
            "parse(to_tsv(rows)) differs from the rows (read back with delimiter {:?})",
            parsed.delimiter
        ),
        format!(
            "{what}: {} rows written, {} read; first difference at row {}: {:?} read as {:?}",
            rows.len(),
            back.len(),
            first + 1,
            rows.get(first),
            back.get(first)
        ),
    ))
}

fn non_blank(rows: Vec<RawRow>) -> Vec<RawRow> {
    rows.into_iter().filter(|r| !r.is_blank()).collect()
}

/// Analyses `rows` with `options` and checks everything that is shown of the report;
/// `source` is the outcome's RevMan results when it has them, `input` the text the rows
/// came from.
fn check_report(
    rows: &[RawRow],
    options: &ReportOptions,
    source: Option<&RevManOutcome>,
    input: &str,
) -> Result<(), Violation> {
    let report = Report::new(rows, options);

    for d in report.diagnostics() {
        let raw = d.line.checked_sub(1).and_then(|i| rows.get(i));
        let Some(raw) = raw else {
            return Err(violation(
                "a table diagnostic's row is outside the table",
                format!("row {} of {}: {d}", d.line, rows.len()),
            ));
        };
        check_row_diagnostics(raw, d.line, std::slice::from_ref(d))?;
    }
    let diagnostics: Vec<String> = report.diagnostics().map(ToString::to_string).collect();
    check_shown("the table's diagnostics", &diagnostics.join("\n"), input)?;

    for (what, fit) in fits(&report) {
        check_fit(&what, fit)?;
    }
    if let Some(s) = &report.analysis.subgroups {
        for (what, test) in [
            ("common-effect", &s.test_common),
            ("random-effects", &s.test_random),
        ] {
            if let Ok(t) = test {
                if !(0.0..=1.0).contains(&t.p) {
                    return Err(violation(
                        "the test for subgroup differences has a P outside [0, 1]",
                        format!("{what}: P = {}", t.p),
                    ));
                }
                if !(0.0..=100.0).contains(&t.i2) {
                    return Err(violation(
                        "the test for subgroup differences has an I² outside [0, 100]",
                        format!("{what}: I² = {}", t.i2),
                    ));
                }
            }
        }
    }

    check_shown("the headline", &headline_text(&report), input)?;
    let sentence = match report.sentence() {
        Ok(s) => s,
        Err(why) => why.to_string(),
    };
    check_shown("the sentence", &sentence, input)?;
    check_shown("the CSV", &report.csv(), input)?;
    let exclusions: Vec<String> = report
        .exclusions()
        .iter()
        .map(|e| format!("{} {}: {}", e.row, e.label, e.reason))
        .collect();
    check_shown("the exclusions", &exclusions.join("\n"), input)?;
    let spec = report.forest();
    let layout = forest::layout(&spec, &PlotOptions::default());
    check_shown("the SVG", &layout.to_svg(), input)?;
    check_shown("the pooled-effect table", &tables::pooled(&report), input)?;
    check_shown(
        "the heterogeneity table",
        &tables::heterogeneity(&report),
        input,
    )?;
    check_shown("the study table", &tables::studies(&report), input)?;
    if let Some(source) = source {
        let a = agreement::compare(source, &report);
        check_shown("the agreement with RevMan", &a.to_string(), input)?;
    }
    Ok(())
}

/// Every fit of a report: overall and per subgroup.
fn fits(report: &Report) -> Vec<(String, &Fit)> {
    let mut out = Vec::new();
    let a = &report.analysis;
    for (name, fit) in [("common-effect", &a.common), ("random-effects", &a.random)] {
        if let Ok(f) = fit {
            out.push((format!("the overall {name} fit"), f));
        }
    }
    if let Some(s) = &a.subgroups {
        for g in &s.groups {
            for (name, fit) in [("common-effect", &g.common), ("random-effects", &g.random)] {
                if let Ok(f) = fit {
                    out.push((format!("subgroup {:?}'s {name} fit", g.name), f));
                }
            }
        }
    }
    out
}

/// The documented invariants of one fit.
fn check_fit(what: &str, f: &Fit) -> Result<(), Violation> {
    let p = &f.pooled;
    let h = &f.heterogeneity;
    let contains = p.ci.lower <= p.estimate && p.estimate <= p.ci.upper;
    if !contains {
        return Err(violation(
            "a fit's CI does not contain its estimate",
            format!(
                "{what}: estimate {} (se {}), CI {} to {}",
                p.estimate, p.se, p.ci.lower, p.ci.upper
            ),
        ));
    }
    if f.weights.iter().any(|&w| w > 0.0) {
        let sum: f64 = f.weights.iter().sum();
        let hundred = (sum - 100.0).abs() <= WEIGHT_SUM_TOLERANCE;
        if !hundred {
            return Err(violation(
                "a fit's study weights do not sum to 100",
                format!("{what}: sum {sum} of {:?}", f.weights),
            ));
        }
    }
    if !(0.0..=100.0).contains(&h.i2) {
        return Err(violation(
            "a fit's I² is outside [0, 100]",
            format!("{what}: I² = {}", h.i2),
        ));
    }
    let variance = h.tau2 >= 0.0;
    if !variance {
        return Err(violation(
            "a fit's tau² is negative or not a number",
            format!("{what}: tau² = {}", h.tau2),
        ));
    }
    // Documented: the pooled P is NaN exactly when the statistic is, which needs se = 0.
    let undefined_test = p.p.is_nan() && p.se == 0.0;
    if !((0.0..=1.0).contains(&p.p) || undefined_test) {
        return Err(violation(
            "a fit's P value is outside [0, 1]",
            format!("{what}: P = {} (z or t = {}, se {})", p.p, p.stat, p.se),
        ));
    }
    if !(0.0..=1.0).contains(&h.q_p) {
        return Err(violation(
            "a fit's heterogeneity P is outside [0, 1]",
            format!("{what}: P(Q) = {} (Q = {}, df {})", h.q_p, h.q, h.df),
        ));
    }
    Ok(())
}

/// The headline as the page shows it (estimate, CI, model, P, trials) or why there is
/// none.
fn headline_text(r: &Report) -> String {
    match r.headline() {
        Ok(h) => format!(
            "{} {} (95% CI {} to {})\n{}; {}; {} trials",
            report::abbreviation(r.options.settings.measure),
            format::effect(h.estimate),
            format::effect(h.ci_lower),
            format::effect(h.ci_upper),
            report::model_name(h.model),
            format::p_value_in(r.p_style(), h.p),
            h.k
        ),
        Err(why) => format!("No pooled estimate: {why}."),
    }
}

/// Loads a project file; one that loads must save and load back unchanged, and every
/// outcome is analysed with its own options.
fn check_project(json: &str) -> Result<(), Violation> {
    let Ok(project) = Project::from_json(json) else {
        return Ok(());
    };
    if project.active >= project.outcomes.len() {
        return Err(violation(
            "a loaded project shows an outcome it does not have",
            format!(
                "active {} of {} outcomes",
                project.active,
                project.outcomes.len()
            ),
        ));
    }
    let saved = project.to_json();
    match Project::from_json(&saved) {
        Ok(again) if again == project => {}
        Ok(_) => {
            return Err(violation(
                "a loaded project reads back different once saved",
                format!("saved as {saved:?}"),
            ));
        }
        Err(e) => {
            return Err(violation(
                "a loaded project cannot be read back once saved",
                format!("{e}; saved as {saved:?}"),
            ));
        }
    }
    for (i, o) in project.outcomes.iter().enumerate() {
        let context = |v: Violation| Violation {
            kind: v.kind,
            detail: format!("outcome {i} ({:?}): {}", o.name, v.detail),
        };
        check_round_trip(&o.rows, "an outcome's rows").map_err(context)?;
        check_report(&o.rows, &o.options, o.revman.as_ref(), json).map_err(context)?;
    }
    Ok(())
}

/// No `NaN`, `inf` or `-inf` as Rust prints them in `shown`, unless the input holds that
/// word too (it is then the user's: a name, or a cell a diagnostic quotes). Generated
/// names never hold them, so this leaves few inputs unchecked.
fn check_shown(what: &str, shown: &str, input: &str) -> Result<(), Violation> {
    for word in ["NaN", "inf"] {
        if let Some(at) = word_at(shown, word)
            && word_at(input, word).is_none()
        {
            let from = floor_boundary(shown, at.saturating_sub(80));
            let to = floor_boundary(shown, (at + 80).min(shown.len()));
            return Err(violation(
                &format!("{word} in {what}"),
                format!("…{}…", &shown[from..to]),
            ));
        }
    }
    Ok(())
}

/// Where `word` first stands on its own in `text` (not inside a longer word).
fn word_at(text: &str, word: &str) -> Option<usize> {
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        !alnum(text[..i].chars().next_back()) && !alnum(text[i + word.len()..].chars().next())
    })
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Lines of a text as the parser counts them (`\r\n`, `\n` and a lone `\r` each end
/// one).
fn line_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut lines = 1;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            lines += 1;
        }
    }
    lines
}

fn violation(kind: &str, detail: String) -> Violation {
    Violation {
        kind: kind.to_owned(),
        detail,
    }
}

// ---------------------------------------------------------------------------------------
// Panics and hangs.

thread_local! {
    /// Where and why the last panic on this thread happened.
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// A panic hook that prints nothing and keeps the panic's place and message for
/// [`guarded`].
fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map_or_else(
            || "an unknown place".to_owned(),
            |l| format!("{}:{}", l.file(), l.line()),
        );
        let message = info.payload_as_str().unwrap_or("(no message)").to_owned();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some((at, message)));
    }));
}

/// Runs `f`, turning a panic into a [`Violation`] named by the panic's place.
fn guarded(f: impl FnOnce() -> Result<(), Violation>) -> Result<(), Violation> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => {
            let (at, message) = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| ("an unknown place".to_owned(), String::new()));
            Err(violation(&format!("panic at {at}"), message))
        }
    }
}

#[derive(Default)]
struct Counts {
    passed: AtomicUsize,
    failed: AtomicUsize,
}

impl Counts {
    fn get(&self) -> (usize, usize) {
        (
            self.passed.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// The input being checked.
struct Running {
    index: usize,
    since: Instant,
    input: Input,
}

/// A thread that stops the run when one input takes longer than [`HANG_LIMIT`], printing
/// the input (a hang cannot be caught like a panic).
fn watch_for_hangs(current: Arc<Mutex<Option<Running>>>, counts: Arc<Counts>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let guard = current.lock().unwrap_or_else(|e| e.into_inner());
            let Some(running) = guard.as_ref() else {
                continue;
            };
            if running.since.elapsed() < HANG_LIMIT {
                continue;
            }
            println!(
                "FAILED: input {} did not finish in {} s (the run stops here)\n  {:?}",
                running.index,
                HANG_LIMIT.as_secs(),
                running.input
            );
            let (passed, failed) = counts.get();
            println!("{passed} passed, {} failed", failed + 1);
            std::process::exit(1);
        }
    });
}

// ---------------------------------------------------------------------------------------
// Making failures small.

/// A test of a smaller candidate: `Some(true)` when it still fails in the same way,
/// `None` when the re-runs allowed are spent.
type Test<'a, T> = &'a mut dyn FnMut(&T) -> Option<bool>;

/// Removes lines, then characters, while the failure stays.
fn shrink_text(text: String, mut fails: impl FnMut(&str) -> Option<bool>) -> String {
    let lines = shrink_list(lines_of(&text), |l| fails(&l.concat()));
    let chars: Vec<char> = lines.concat().chars().collect();
    shrink_list(chars, |c| fails(&c.iter().collect::<String>()))
        .into_iter()
        .collect()
}

/// The lines of a text, each with its line ending (`\r\n`, `\n` or `\r`).
fn lines_of(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        lines.push(&text[start..end]);
        start = end;
        i = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Delta debugging: removes ever smaller chunks of `items` while the failure stays.
fn shrink_list<T: Clone>(mut items: Vec<T>, mut fails: impl FnMut(&[T]) -> Option<bool>) -> Vec<T> {
    let mut chunk = items.len().div_ceil(2).max(1);
    loop {
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            let mut candidate = items[..start].to_vec();
            candidate.extend_from_slice(&items[end..]);
            match fails(&candidate) {
                Some(true) => items = candidate,
                Some(false) => start = end,
                None => return items,
            }
        }
        if chunk == 1 {
            return items;
        }
        chunk = chunk.div_ceil(2);
    }
}

/// Puts each option back to its default while the failure stays.
fn shrink_options(
    options: ReportOptions,
    mut fails: impl FnMut(&ReportOptions) -> Option<bool>,
) -> ReportOptions {
    let edits: [fn(&mut ReportOptions); 12] = [
        |o| o.settings.measure = Settings::default().measure,
        |o| o.settings.method = Settings::default().method,
        |o| o.settings.tau2 = Settings::default().tau2,
        |o| o.settings.ci = Settings::default().ci,
        |o| o.settings.correction.scope = Settings::default().correction.scope,
        |o| o.settings.correction.increment = Settings::default().correction.increment,
        |o| o.settings.convention = Settings::default().convention,
        |o| o.models = ReportOptions::default().models,
        |o| o.prediction = ReportOptions::default().prediction,
        |o| o.totals = ReportOptions::default().totals,
        |o| o.arms = ReportOptions::default().arms,
        |o| o.favours = ReportOptions::default().favours,
    ];
    let mut options = options;
    for edit in edits {
        let mut candidate = options.clone();
        edit(&mut candidate);
        if candidate != options {
            match fails(&candidate) {
                Some(true) => options = candidate,
                Some(false) => {}
                None => break,
            }
        }
    }
    options
}

/// A project file made small: when it loads, one outcome with few rows, default
/// options where they do not matter and plain labels; otherwise fewer characters.
fn shrink_project(json: String, mut fails: impl FnMut(&str) -> Option<bool>) -> String {
    let loaded = Project::from_json(&json).ok();
    let Some(mut best) = loaded.filter(|p| fails(&p.to_json()) == Some(true)) else {
        return shrink_text(json, fails);
    };
    let fails: Test<'_, Project> = &mut |p: &Project| fails(&p.to_json());
    let mut edit = |best: &mut Project, change: &dyn Fn(&mut Project)| -> Option<()> {
        let mut candidate = best.clone();
        change(&mut candidate);
        if candidate != *best && fails(&candidate)? {
            *best = candidate;
        }
        Some(())
    };
    let shrunk = (|| {
        for i in (0..best.outcomes.len()).rev() {
            edit(&mut best, &|p| {
                p.outcomes = vec![p.outcomes[i.min(p.outcomes.len() - 1)].clone()];
                p.active = 0;
            })?;
        }
        edit(&mut best, &|p| p.unsupported.clear())?;
        edit(&mut best, &|p| {
            p.outcomes.iter_mut().for_each(|o| o.revman = None)
        })?;
        edit(&mut best, &|p| {
            for o in &mut p.outcomes {
                o.name = "O".to_owned();
                o.source = String::new();
            }
        })?;
        Some(())
    })();
    if shrunk.is_some() && best.outcomes.len() == 1 {
        let with = |p: &Project, change: &dyn Fn(&mut Outcome)| {
            let mut p = p.clone();
            change(&mut p.outcomes[0]);
            p
        };
        let base = best.clone();
        let rows = shrink_list(base.outcomes[0].rows.clone(), |r| {
            fails(&with(&base, &|o| o.rows = r.to_vec()))
        });
        best = with(&base, &|o| o.rows = rows.clone());
        let base = best.clone();
        let options = shrink_options(base.outcomes[0].options.clone(), |opts| {
            fails(&with(&base, &|o| o.options = opts.clone()))
        });
        best = with(&base, &|o| o.options = options.clone());
    }
    best.to_json()
}

/// Options as a Rust expression.
fn options_literal(o: &ReportOptions) -> String {
    let s = &o.settings;
    format!(
        "ReportOptions {{ settings: Settings {{ measure: Measure::{:?}, method: Method::{:?}, tau2: Tau2Estimator::{:?}, ci: CiMethod::{:?}, correction: ZeroCellCorrection {{ increment: {:?}, scope: CorrectionScope::{:?} }}, convention: Convention::{:?} }}, models: ModelView::{:?}, prediction: {}, arms: {:?}.map(String::from), favours: {:?}.map(String::from), totals: Totals::{:?} }}",
        s.measure,
        s.method,
        s.tau2,
        s.ci,
        s.correction.increment,
        s.correction.scope,
        s.convention,
        o.models,
        o.prediction,
        o.arms,
        o.favours,
        o.totals
    )
}

/// A row as a Rust expression.
fn row_literal(r: &RawRow) -> String {
    format!(
        "RawRow {{ study: {:?}.into(), year: {:?}.into(), e1: {:?}.into(), n1: {:?}.into(), e2: {:?}.into(), n2: {:?}.into(), subgroup: {:?}.into() }}",
        r.study, r.year, r.e1, r.n1, r.e2, r.n2, r.subgroup
    )
}

// ---------------------------------------------------------------------------------------
// Random numbers.

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    /// The generator of input `index` of a run with `seed`.
    fn for_input(seed: u64, index: u64) -> Rng {
        let mut mix = Rng(seed);
        let base = mix.next();
        let mut rng = Rng(base ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A count, spread over orders of magnitude.
    fn magnitude(&mut self, max_bits: u32) -> u64 {
        let bits = self.below(u64::from(max_bits) + 1) as u32;
        if bits == 0 {
            0
        } else {
            self.next() >> (64 - bits)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Settings.

const MEASURES: [Measure; 3] = [
    Measure::RiskRatio,
    Measure::OddsRatio,
    Measure::RiskDifference,
];
const METHODS: [Method; 3] = [
    Method::InverseVariance,
    Method::MantelHaenszel,
    Method::Peto,
];
const CIS: [CiMethod; 2] = [CiMethod::Wald, CiMethod::HartungKnapp];
const SCOPES: [CorrectionScope; 4] = [
    CorrectionScope::StudiesWithZero,
    CorrectionScope::AllStudies,
    CorrectionScope::None,
    CorrectionScope::IfAnyStudyHasZero,
];
const VIEWS: [ModelView; 3] = [ModelView::Common, ModelView::Random, ModelView::Both];

/// Options as the page can set them (any increment it accepts).
fn options(rng: &mut Rng) -> ReportOptions {
    let (lo, hi) = ZeroCellCorrection::INCREMENT_RANGE;
    let increment = match rng.below(6) {
        0..=2 => 0.5,
        3 => *rng.pick(&[lo, hi, 0.01, 0.1, 0.25]),
        _ => lo + (hi - lo) * (rng.next() >> 11) as f64 / (1u64 << 53) as f64,
    };
    let mut o = ReportOptions {
        settings: Settings {
            measure: *rng.pick(&MEASURES),
            method: *rng.pick(&METHODS),
            tau2: *rng.pick(&Tau2Estimator::ALL),
            ci: *rng.pick(&CIS),
            correction: ZeroCellCorrection {
                increment,
                scope: *rng.pick(&SCOPES),
            },
            convention: *rng.pick(&Convention::ALL),
        },
        models: *rng.pick(&VIEWS),
        prediction: rng.chance(1, 2),
        totals: *rng.pick(&Totals::ALL),
        ..ReportOptions::default()
    };
    if rng.chance(1, 10) {
        o.arms = [name(rng), name(rng)];
        o.favours = [name(rng), name(rng)];
    }
    o
}

// ---------------------------------------------------------------------------------------
// Pasted text.

/// Names of studies, subgroups and arms: accents, scripts, emoji, combining marks,
/// markup, spreadsheet formulas, numbers.
const WORDS: &[&str] = &[
    "Aronson",
    "Ferguson",
    "Rosenthal",
    "Hart & Sutherland",
    "Frimodt-Møller",
    "Stein",
    "TPT Madras",
    "Smith, J",
    "O'Brien",
    "\"Quoted\" trial",
    "Zürich",
    "Łódź",
    "São Paulo",
    "İstanbul",
    "Москва",
    "Αθήνα",
    "東京",
    "北京大学",
    "서울",
    "القاهرة",
    "תל אביב",
    "मुंबई",
    "🧪 Trial",
    "👩‍⚕️ Group",
    "e\u{301}tude",
    "zero\u{200b}width",
    "right\u{202e}left",
    "<b>bold</b>",
    "a < b > c",
    "=SUM(A1:A9)",
    "+1",
    "-2",
    "@home",
    "Study 1948",
    "1948",
    "12",
    "10.000",
    "1,234",
    "NA",
    "-",
    "",
    " ",
    "\u{a0}",
    "tab\there",
    "semi;colon",
    "line\nbreak",
    "cr\rhere",
    "crlf\r\nhere",
    "quote\"inside",
    "trailing space ",
    " leading space",
    "Trial (2003)",
    "Events",
    "Total",
    "Study",
];

/// A study, subgroup or label name; never holds `NaN` or `inf` as a word, so that such
/// a word in the output cannot be the user's.
fn name(rng: &mut Rng) -> String {
    let s = match rng.below(20) {
        0..=9 => (*rng.pick(WORDS)).to_owned(),
        10..=13 => {
            let n = rng.between(2, 3);
            (0..n)
                .map(|_| *rng.pick(WORDS))
                .collect::<Vec<_>>()
                .join(" ")
        }
        14..=16 => {
            let n = rng.between(1, 24);
            (0..n)
                .map(|_| {
                    *rng.pick(&[
                        'a', 'b', 'x', 'Z', '0', '7', ' ', ' ', '"', ',', ';', '\t', '\'', '.',
                        'é', 'ß', 'Ω', '中', '🦀', '\u{300}', '\u{feff}', '\u{2028}', '\u{a0}',
                        '\u{2009}', '<', '&', '\\', '\0',
                    ])
                })
                .collect()
        }
        17 | 18 => {
            let n = rng.between(20, 400) as usize;
            rng.pick(WORDS).repeat(n)
        }
        _ => {
            let n = if rng.chance(1, 50) {
                rng.between(50_000, 300_000)
            } else {
                rng.between(500, 5_000)
            } as usize;
            let unit = *rng.pick(&["W", "i", "中", "🧪", "a b "]);
            unit.repeat(n / unit.len().max(1))
        }
    };
    if word_at(&s, "NaN").is_some() || word_at(&s, "inf").is_some() {
        "Trial".to_owned()
    } else {
        s
    }
}

/// How a table writes counts of 1,000 and more.
#[derive(Clone, Copy)]
enum Grouping {
    Plain,
    Comma,
    Dot,
    Space,
    NoBreakSpace,
    Apostrophe,
    Mixed,
}

const GROUPINGS: [Grouping; 7] = [
    Grouping::Plain,
    Grouping::Comma,
    Grouping::Dot,
    Grouping::Space,
    Grouping::NoBreakSpace,
    Grouping::Apostrophe,
    Grouping::Mixed,
];

/// `value` written with `grouping`, now and then in another way people type counts.
fn count_text(rng: &mut Rng, value: u64, grouping: Grouping) -> String {
    let grouping = match grouping {
        Grouping::Mixed => *rng.pick(&GROUPINGS[..6]),
        g => g,
    };
    let separator = match grouping {
        Grouping::Plain | Grouping::Mixed => None,
        Grouping::Comma => Some(","),
        Grouping::Dot => Some("."),
        Grouping::Space => Some(" "),
        Grouping::NoBreakSpace => Some("\u{a0}"),
        Grouping::Apostrophe => Some("'"),
    };
    let digits = value.to_string();
    let plain = match separator {
        Some(sep) if value >= 1000 => {
            let mut out = String::new();
            for (i, d) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push_str(sep);
                }
                out.push(d);
            }
            out
        }
        _ => digits.clone(),
    };
    match rng.below(40) {
        0 => format!("{plain}.0"),
        1 => format!("{plain},00"),
        2 => format!("  {plain} "),
        3 => format!("0{plain}"),
        4 => format!("+{plain}"),
        5 => format!("{plain}.5"),
        6 => format!("{plain},5"),
        7 => format!("{}e3", value / 1000),
        8 => digits
            .chars()
            .map(|d| char::from_u32(0xFF10 + d.to_digit(10).unwrap_or(0)).unwrap_or(d))
            .collect(),
        9 => (*rng.pick(&[
            "NA", "n/a", "?", "–", "—", "NaN", "inf", "-inf", "1e309", "∞", "x", "12a", "0x10",
            ".", ",", "1..2", "1,,000",
        ]))
        .to_owned(),
        _ => plain,
    }
}

/// Events and total of one arm; now and then wrong.
fn arm(rng: &mut Rng) -> (u64, u64) {
    let total: u64 = match rng.below(100) {
        0..=29 => rng.between(1, 30),
        30..=64 => rng.between(1, 2_000),
        65..=79 => rng.between(1_000, 2_000_000),
        80..=89 => rng.magnitude(53).max(1),
        90..=93 => *rng.pick(&[
            1 << 31,
            1 << 32,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            1 << 60,
            u64::MAX,
        ]),
        94..=96 => 0,
        _ => rng.next(),
    };
    let events = match rng.below(100) {
        0..=19 => 0,
        20..=29 => total,
        30..=33 => total.saturating_add(rng.between(1, 10)),
        _ => rng.below(total.saturating_add(1).max(1)),
    };
    (events, total)
}

/// The columns of a table in the order written.
fn table_columns(rng: &mut Rng, header: bool, subgroups: bool) -> Vec<Column> {
    use Column::*;
    let mut columns = match rng.below(10) {
        0..=5 => vec![
            Study,
            ExperimentalEvents,
            ExperimentalTotal,
            ControlEvents,
            ControlTotal,
        ],
        6 | 7 => vec![
            Study,
            Year,
            ExperimentalEvents,
            ExperimentalTotal,
            ControlEvents,
            ControlTotal,
        ],
        8 => vec![
            Study,
            ExperimentalTotal,
            ExperimentalEvents,
            ControlTotal,
            ControlEvents,
        ],
        _ => vec![
            ExperimentalEvents,
            ExperimentalTotal,
            ControlEvents,
            ControlTotal,
        ],
    };
    if header && rng.chance(1, 4) {
        // The cell form: non-events instead of totals.
        for c in &mut columns {
            *c = match *c {
                ExperimentalTotal => ExperimentalNonEvents,
                ControlTotal => ControlNonEvents,
                other => other,
            };
        }
    }
    if !columns.contains(&Year) && columns.contains(&Study) && rng.chance(1, 3) {
        columns.push(Year);
    }
    if subgroups {
        columns.push(Subgroup);
    }
    if header && rng.chance(1, 3) {
        for i in (1..columns.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            columns.swap(i, j);
        }
    }
    columns
}

/// A header cell naming `column`, in one of its spellings.
fn heading(rng: &mut Rng, column: Column) -> String {
    let names: &[&str] = match column {
        Column::Study => &[
            "Study", "study", "Author", "Trial", "Study ID", "studlab", "Name",
        ],
        Column::Year => &["Year", "year", "Publication year", "yr"],
        Column::ExperimentalEvents => &[
            "Experimental events",
            "ai",
            "e1",
            "event.e",
            "Events (treatment)",
            "Treated events",
            "a",
            "r1",
        ],
        Column::ExperimentalTotal => &[
            "Experimental total",
            "n1i",
            "n1",
            "n.e",
            "Total (treatment)",
            "Treated N",
            "ntot1",
        ],
        Column::ControlEvents => &[
            "Control events",
            "ci",
            "e2",
            "event.c",
            "Events (control)",
            "c",
            "r2",
        ],
        Column::ControlTotal => &[
            "Control total",
            "n2i",
            "n2",
            "n.c",
            "Total (control)",
            "ntot2",
        ],
        Column::ExperimentalNonEvents => &["b", "bi", "Experimental non-events", "tneg"],
        Column::ControlNonEvents => &["d", "di", "Control non-events", "cneg"],
        Column::Subgroup => &["Subgroup", "group", "Category", "Subset"],
    };
    let name = *rng.pick(names);
    match rng.below(8) {
        0 => name.to_uppercase(),
        1 => format!(" {name} "),
        _ => name.to_owned(),
    }
}

/// How cells of one table are separated.
#[derive(Clone, Copy, PartialEq)]
enum Delimiter {
    Tab,
    Comma,
    Semicolon,
    Spaces,
    Space,
    Mixed,
}

/// Writes `cells` as one line.
fn write_line(rng: &mut Rng, cells: &[String], delimiter: Delimiter) -> String {
    let delimiter = match delimiter {
        Delimiter::Mixed => *rng.pick(&[
            Delimiter::Tab,
            Delimiter::Comma,
            Delimiter::Semicolon,
            Delimiter::Spaces,
        ]),
        d => d,
    };
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            match delimiter {
                Delimiter::Tab => out.push('\t'),
                Delimiter::Comma => out.push(','),
                Delimiter::Semicolon => out.push(';'),
                Delimiter::Spaces => out.push_str(&" ".repeat(rng.between(2, 5) as usize)),
                Delimiter::Space | Delimiter::Mixed => out.push(' '),
            }
        }
        let special = match delimiter {
            Delimiter::Tab => "\t\"\n\r",
            Delimiter::Comma => ",\"\n\r",
            Delimiter::Semicolon => ";\"\n\r",
            Delimiter::Spaces | Delimiter::Space | Delimiter::Mixed => " \t\"\n\r",
        };
        let needs_quotes = cell.contains(|c| special.contains(c));
        let quote = if needs_quotes {
            !rng.chance(1, 10)
        } else {
            rng.chance(1, 15)
        };
        if quote {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            if !rng.chance(1, 100) {
                out.push('"');
            }
        } else {
            out.push_str(cell);
        }
    }
    out
}

/// A pasted table as people paste them, or now and then text of any kind.
fn pasted_text(rng: &mut Rng) -> String {
    if rng.chance(1, 25) {
        let n = rng.below(200);
        return (0..n)
            .map(|_| match rng.below(4) {
                0 => char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('?'),
                _ => *rng.pick(&[
                    '0', '1', '5', '9', '\t', ',', ';', ' ', '"', '\n', '\r', '.', '-', 'a', 'E',
                ]),
            })
            .collect();
    }
    let header = rng.chance(1, 2);
    let subgroups = rng.chance(3, 10);
    let columns = table_columns(rng, header, subgroups);
    let delimiter = *rng.pick(&[
        Delimiter::Tab,
        Delimiter::Tab,
        Delimiter::Tab,
        Delimiter::Comma,
        Delimiter::Comma,
        Delimiter::Semicolon,
        Delimiter::Spaces,
        Delimiter::Space,
        Delimiter::Mixed,
    ]);
    let grouping = *rng.pick(&GROUPINGS);
    let ending = *rng.pick(&["\n", "\n", "\n", "\r\n", "\r\n", "\r", "mixed"]);
    let rows = match rng.below(1000) {
        0..=29 => 0,
        30..=149 => 1,
        150..=449 => rng.between(2, 5),
        450..=899 => rng.between(6, 20),
        900..=997 => rng.between(21, 200),
        _ => rng.between(500, 1_100),
    };
    let subgroup_names = ["A", "B", "Adults", "Children", "High dose", "", "Ω"];

    let mut lines: Vec<String> = Vec::new();
    if header {
        let mut cells: Vec<String> = columns.iter().map(|&c| heading(rng, c)).collect();
        if rng.chance(1, 10) {
            cells.push((*rng.pick(&["Notes", "Weight", "Risk ratio", "Study"])).to_owned());
        }
        lines.push(write_line(rng, &cells, delimiter));
    }
    for _ in 0..rows {
        let (e1, n1) = arm(rng);
        let (e2, n2) = arm(rng);
        let mut cells: Vec<String> = columns
            .iter()
            .map(|&c| match c {
                Column::Study => name(rng),
                Column::Year => match rng.below(10) {
                    0 => String::new(),
                    1 => (*rng.pick(&["NA", "1999.0", "99", "20O1", "-1990", "12345"])).to_owned(),
                    _ => rng.between(1900, 2030).to_string(),
                },
                Column::ExperimentalEvents => count_text(rng, e1, grouping),
                Column::ExperimentalTotal => count_text(rng, n1, grouping),
                Column::ControlEvents => count_text(rng, e2, grouping),
                Column::ControlTotal => count_text(rng, n2, grouping),
                Column::ExperimentalNonEvents => count_text(rng, n1.saturating_sub(e1), grouping),
                Column::ControlNonEvents => count_text(rng, n2.saturating_sub(e2), grouping),
                Column::Subgroup => {
                    if rng.chance(1, 10) {
                        name(rng)
                    } else {
                        (*rng.pick(&subgroup_names)).to_owned()
                    }
                }
            })
            .collect();
        match rng.below(40) {
            0 => {
                let i = rng.below(cells.len() as u64) as usize;
                cells[i].clear();
            }
            1 => {
                cells.pop();
            }
            2 => cells.push(name(rng)),
            3 => {
                let i = rng.below(cells.len() as u64) as usize;
                cells[i] = format!("-{}", rng.between(1, 99));
            }
            _ => {}
        }
        lines.push(write_line(rng, &cells, delimiter));
        if rng.chance(1, 20) {
            lines.push((*rng.pick(&["", "   ", "\t\t", ";;;;", ",,,,"])).to_owned());
        }
    }
    let mut text = String::new();
    if rng.chance(1, 30) {
        text.push('\u{feff}');
    }
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let e = if ending == "mixed" {
                *rng.pick(&["\n", "\r\n", "\r"])
            } else {
                ending
            };
            text.push_str(e);
        }
        text.push_str(line);
    }
    if rng.chance(1, 2) {
        text.push_str(if ending == "mixed" { "\n" } else { ending });
    }
    if rng.chance(1, 10) {
        mutate_text(rng, &mut text);
    }
    text
}

/// A few random edits of a text: characters inserted, deleted, a line repeated.
fn mutate_text(rng: &mut Rng, text: &mut String) {
    for _ in 0..rng.between(1, 4) {
        if text.is_empty() {
            return;
        }
        let at = floor_boundary(text, rng.below(text.len() as u64) as usize);
        match rng.below(3) {
            0 => text.insert(
                at,
                *rng.pick(&['"', '\t', '\n', '\r', ',', ';', ' ', '0', '-']),
            ),
            1 => {
                if let Some(c) = text[at..].chars().next() {
                    text.replace_range(at..at + c.len_utf8(), "");
                }
            }
            _ => {
                let line = text[at..].lines().next().unwrap_or("").to_owned();
                text.insert_str(at, &format!("{line}\n"));
            }
        }
    }
}

/// A table of cells as typed, for the `to_tsv` round trip: empty cells beside cells that
/// need quotes (tabs, quotes, line breaks, surrounding spaces).
fn typed_table(rng: &mut Rng) -> Vec<RawRow> {
    let n = rng.between(1, 8);
    let cell = |rng: &mut Rng| -> String {
        match rng.below(8) {
            0 | 1 => String::new(),
            2 | 3 => rng.below(100_000).to_string(),
            4 => {
                let (value, grouping) = (rng.magnitude(60), *rng.pick(&GROUPINGS));
                count_text(rng, value, grouping)
            }
            _ => name(rng),
        }
    };
    (0..n)
        .map(|_| RawRow {
            study: cell(rng),
            year: cell(rng),
            e1: cell(rng),
            n1: cell(rng),
            e2: cell(rng),
            n2: cell(rng),
            subgroup: cell(rng),
            excluded: false,
        })
        .filter(|r| !r.is_blank())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Project files.

/// Enum values a project file holds, any of which may go anywhere.
const VARIANTS: &[&str] = &[
    "RiskRatio",
    "OddsRatio",
    "RiskDifference",
    "InverseVariance",
    "MantelHaenszel",
    "Peto",
    "DerSimonianLaird",
    "RestrictedMaximumLikelihood",
    "PauleMandel",
    "MaximumLikelihood",
    "HunterSchmidt",
    "SidikJonkman",
    "Hedges",
    "EmpiricalBayes",
    "Wald",
    "HartungKnapp",
    "StudiesWithZero",
    "AllStudies",
    "None",
    "IfAnyStudyHasZero",
    "Metafor",
    "RevMan5",
    "RawCounts",
    "Common",
    "Random",
    "Both",
    "Overall",
    "SubtotalsOnly",
    "riskratio",
    "",
];

/// Numbers at the edges: zero of both signs, increments outside their range, beyond
/// 2^53, `u32` and `u64`, the largest and smallest doubles.
const NUMBERS: &[&str] = &[
    "0",
    "-0.0",
    "1",
    "2",
    "-1",
    "-0.5",
    "0.5",
    "1.5",
    "1e-300",
    "5e-324",
    "0.001",
    "0.000999",
    "1.0000001",
    "1e308",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "4294967295",
    "4294967296",
    "9007199254740992",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
];

/// A project saved by the page, damaged.
fn project_file(rng: &mut Rng) -> String {
    let mut project = Project::default();
    match rng.below(10) {
        0 | 1 => {
            project.active_mut().rows[0].e1 = "5".to_owned();
            for e in Example::ALL {
                project.load_example(e);
            }
            project.add_outcome();
        }
        2 | 3 => {
            if let Ok(review) = grove_core::parse::revman::read(REVIEW) {
                project.open_review(&review);
            }
        }
        _ => {}
    }
    if rng.chance(1, 3) {
        let o = project.active_mut();
        o.options = options(rng);
    }
    let mut value = serde_json::to_value(&project).unwrap_or(Value::Null);
    for _ in 0..rng.between(0, 6) {
        mutate_value(rng, &mut value);
    }
    let mut text = if rng.chance(1, 5) {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    }
    .unwrap_or_default();
    match rng.below(20) {
        0 => {
            let at = floor_boundary(&text, rng.below(text.len() as u64 + 1) as usize);
            text.truncate(at);
        }
        1 => {
            let word = *rng.pick(&["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "null"]);
            text = text.replacen("0.5", word, 1);
        }
        2 => text = text.replacen("\"active\":", "\"active\":0,\"active\":", 1),
        3 => mutate_text(rng, &mut text),
        _ => {}
    }
    text
}

/// One random damage to a JSON document: a node deleted, given the wrong type or an
/// edge value, a list cut or grown.
fn mutate_value(rng: &mut Rng, value: &mut Value) {
    let mut paths = Vec::new();
    collect_paths(value, String::new(), &mut paths);
    let path = rng.pick(&paths).clone();
    let key = path.rsplit('/').next().unwrap_or("").to_owned();
    if rng.chance(1, 8) && !path.is_empty() {
        delete(value, &path);
        return;
    }
    let Some(node) = value.pointer_mut(&path) else {
        return;
    };
    let count_keys = ["e1", "n1", "e2", "n2", "year"];
    *node = match node.take() {
        Value::Number(_) if rng.chance(3, 4) => number(rng),
        Value::String(_) if count_keys.contains(&key.as_str()) => {
            let ((events, _), grouping) = (arm(rng), *rng.pick(&GROUPINGS));
            Value::String(count_text(rng, events, grouping))
        }
        Value::String(s) if VARIANTS.contains(&s.as_str()) && rng.chance(3, 4) => {
            Value::String((*rng.pick(VARIANTS)).to_owned())
        }
        Value::String(_) if rng.chance(3, 4) => Value::String(name(rng)),
        Value::Bool(b) if rng.chance(1, 2) => Value::Bool(!b),
        Value::Array(mut items) if rng.chance(3, 4) => {
            match rng.below(4) {
                0 => items.truncate(rng.below(items.len() as u64 + 1) as usize),
                1 if !items.is_empty() => {
                    let copies = if rng.chance(1, 20) { 1_000 } else { 3 };
                    let item = rng.pick(&items).clone();
                    for _ in 0..copies {
                        items.push(item.clone());
                    }
                }
                2 => items.reverse(),
                _ => items.clear(),
            }
            Value::Array(items)
        }
        Value::Object(mut map) if rng.chance(1, 2) => {
            map.insert("unknown".to_owned(), number(rng));
            Value::Object(map)
        }
        _ => match rng.below(7) {
            0 => Value::Null,
            1 => Value::Bool(true),
            2 => Value::String(name(rng)),
            3 => Value::Array(Vec::new()),
            4 => Value::Object(serde_json::Map::new()),
            5 => Value::String((*rng.pick(VARIANTS)).to_owned()),
            _ => number(rng),
        },
    };
}

fn number(rng: &mut Rng) -> Value {
    let text = *rng.pick(NUMBERS);
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// JSON pointers of every node of `value`.
fn collect_paths(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_paths(
                    v,
                    format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_paths(v, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(path);
}

/// Removes the node at `path` from its parent.
fn delete(value: &mut Value, path: &str) {
    let Some((parent, last)) = path.rsplit_once('/') else {
        return;
    };
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last.replace("~1", "/").replace("~0", "~"));
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}
