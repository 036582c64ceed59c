//! `grove analyze`: reads a trial table, runs the analysis, prints the results.

use crate::{ChoiceParser, ModelArg};
use grove_core::analysis::Analysis;
use grove_core::forest::{self, PlotOptions};
use grove_core::format;
use grove_core::parse::{Diagnostic, Parsed, parse};
use grove_core::report::{ModelView, Report, ReportOptions};
use grove_core::rma::{Fit, Model, Undefined};
use grove_core::{CiMethod, Convention, Measure, Method, Settings, Study, Tau2Estimator};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `grove analyze`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The table of trials (a text file: tab-, comma- or semicolon-separated, or
    /// aligned with spaces), a RevMan 5 review (`.rm5`, with `--outcome`), or a share
    /// link made by Grove (`https://…#grove1.…`); `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The outcome of a RevMan review to analyse, by its number ("1.2"), or of a share
    /// link, by its position (1, 2, …; the one shown first by default). Its settings come
    /// from the file or link; options given here override them.
    #[arg(long, value_name = "NUMBER")]
    outcome: Option<String>,
    /// Print the share link of the analysis (its outcome, rows as typed and settings),
    /// at BASE, the address Grove is served at ("https://example.org/grove/").
    #[arg(long, value_name = "BASE")]
    link: Option<String>,
    /// Also write the QR code of the share link to this SVG file (with --link).
    #[arg(long, value_name = "FILE.svg", requires = "link")]
    qr: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
    /// Print the results as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the forest plot, as the web page draws it, to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
    /// Write the L'Abbé plot (control against experimental event risk) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    labbe: Option<PathBuf>,
    /// Write the contour-enhanced funnel plot (effect against standard error) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    funnel: Option<PathBuf>,
    /// With --funnel: draw the trials trim-and-fill adds, as open circles.
    #[arg(long, requires = "funnel")]
    trim_fill: bool,
}

/// The analysis options `grove analyze`, `grove explain` and `grove r-script` share.
#[derive(Debug, clap::Args)]
pub(crate) struct SettingsArgs {
    /// Effect measure [default: rr].
    #[arg(long, value_parser = ChoiceParser::<Measure>::new())]
    measure: Option<Measure>,
    /// Pooling method of the common-effect model [default: iv].
    #[arg(long, value_parser = ChoiceParser::<Method>::new())]
    method: Option<Method>,
    /// Model whose pooled result and weights are shown [default: random].
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    /// Between-study variance estimator of the random-effects model [default: reml].
    #[arg(long, value_parser = ChoiceParser::<Tau2Estimator>::new())]
    tau2: Option<Tau2Estimator>,
    /// Confidence-interval method of the pooled effect [default: z].
    #[arg(long, value_parser = ChoiceParser::<CiMethod>::new())]
    ci: Option<CiMethod>,
    /// Whose conventions apply where metafor and RevMan 5 differ [default: metafor].
    #[arg(long, value_parser = ChoiceParser::<Convention>::new())]
    convention: Option<Convention>,
}

impl SettingsArgs {
    /// `base` with the options given on the command line in place of its own.
    fn settings(&self, base: Settings) -> Settings {
        let mut s = base;
        if let Some(m) = self.measure {
            s.measure = m;
        }
        if let Some(m) = self.method {
            s.method = m;
        }
        if let Some(t) = self.tau2 {
            s.tau2 = t;
        }
        if let Some(c) = self.ci {
            s.ci = c;
        }
        if let Some(c) = self.convention {
            s.convention = c;
        }
        s
    }

    fn model(&self, base: Model) -> Model {
        match self.model {
            Some(ModelArg::Common) => Model::Common,
            Some(ModelArg::Random) => Model::Random,
            None => base,
        }
    }

    /// `options` with the settings and model given on the command line in place of its
    /// own.
    ///
    /// # Errors
    /// A message when Peto is asked for with a measure other than the odds ratio.
    pub(crate) fn apply(&self, options: ReportOptions) -> Result<ReportOptions, String> {
        let settings = self.settings(options.settings);
        if settings.method == Method::Peto && settings.measure != Measure::OddsRatio {
            return Err(
                "--method peto pools odds ratios only; use it with --measure or (accepted with iv and mh: rr, or, rd)"
                    .to_owned(),
            );
        }
        let models = match (self.model, options.models) {
            (None, models) => models,
            (Some(_), models) => match self.model(models.primary()) {
                Model::Common => ModelView::Common,
                Model::Random => ModelView::Random,
            },
        };
        Ok(ReportOptions {
            settings,
            models,
            ..options
        })
    }
}

/// One outcome read from the input.
pub(crate) struct Input {
    /// Its name: the outcome's of a review or a link; empty for a table.
    pub title: String,
    /// Its rows as typed.
    pub rows: Vec<grove_core::parse::RawRow>,
    /// Its settings, as the review or link gives them, or the defaults.
    pub options: ReportOptions,
    /// For a review's outcome, the numbers RevMan stored.
    pub revman: Option<grove_core::review::RevManOutcome>,
    /// Each row's risk-of-bias judgements as typed, when a table's header names them.
    pub rob: Vec<Option<grove_core::rob::Cells>>,
}

/// How many outcomes of a review or a link to read when none is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Every {
    /// The one named, or the link's first; a review needs `--outcome`.
    One,
    /// Every analysed outcome, or the one named.
    All,
}

/// How the input is named in messages.
pub(crate) fn input_name(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    }
}

/// The outcomes of the input: a table (one outcome, default settings), a RevMan review
/// or a share link, with `outcome` naming one of them.
///
/// # Errors
/// A message when the input cannot be read, has rows with errors, or has no such outcome.
pub(crate) fn read_outcomes(
    file: &std::path::Path,
    outcome: Option<&str>,
    every: Every,
) -> Result<Vec<Input>, String> {
    let argument = file.to_string_lossy();
    let name = input_name(file);
    if crate::share::is_link(&argument) {
        let shared = crate::share::open(&argument).map_err(|e| format!("the link: {e}"))?;
        let count = shared.outcomes.len();
        let index = match outcome {
            None if every == Every::All => None,
            None => Some(shared.active),
            Some(n) => Some(
                n.parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .filter(|&i| i < count)
                    .ok_or_else(|| {
                        format!(
                            "the link holds {count} outcome(s); --outcome gives one by its position, 1 to {count}"
                        )
                    })?,
            ),
        };
        return Ok(shared
            .outcomes
            .into_iter()
            .enumerate()
            .filter(|(i, _)| index.is_none_or(|x| x == *i))
            .map(|(_, o)| Input {
                title: o.name,
                rows: o.rows,
                options: o.options,
                revman: None,
                rob: Vec::new(),
            })
            .collect());
    }
    let bytes = read_input(file)?;
    if crate::revman::is_review(file, &bytes) {
        let review = grove_core::parse::revman::read(&bytes).map_err(|e| format!("{name}: {e}"))?;
        if let Some(table) = &review.rob1 {
            eprintln!("note: {name}: {}", table.not_imported());
        }
        let picked: Vec<&grove_core::review::ReviewOutcome> = match (outcome, every) {
            (None, Every::All) => review.outcomes.iter().collect(),
            _ => vec![crate::revman::pick(&review, outcome).map_err(|e| format!("{name}: {e}"))?],
        };
        if picked.is_empty() {
            return Err(format!("{name}: the review has no dichotomous outcome"));
        }
        return Ok(picked
            .into_iter()
            .map(|o| Input {
                title: o.title(),
                rows: o.rows.clone(),
                options: o.options.clone(),
                revman: Some(o.source.clone()),
                rob: Vec::new(),
            })
            .collect());
    }
    if outcome.is_some() {
        return Err(format!(
            "{name}: --outcome chooses an outcome of a RevMan review (.rm5)"
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{name} is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)"))?;
    let parsed = parse(&text);
    if !report_diagnostics(&name, &parsed) {
        return Err(format!("{name}: rows with errors (above)"));
    }
    for row in &parsed.rows {
        if let Some(cells) = &row.rob {
            for (domain, why) in grove_core::rob::read(cells).1 {
                eprintln!(
                    "warning: {name}: line {}, {}: {why}",
                    row.line,
                    domain.short()
                );
            }
        }
    }
    Ok(vec![Input {
        title: String::new(),
        rows: parsed.raw_rows(),
        options: ReportOptions::default(),
        revman: None,
        rob: parsed.rows.iter().map(|r| r.rob.clone()).collect(),
    }])
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Printed {
    /// `grove analyze`: the per-study table and the pooled results.
    Results,
    /// `grove explain`: how each number came about.
    Derivations,
}

/// Runs `grove analyze` or `grove explain`. Exit status 1 when the input cannot be read
/// or has errors.
pub(crate) fn run(args: &Args, output: Printed) -> ExitCode {
    match analyse(args, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn analyse(args: &Args, output: Printed) -> Result<(), String> {
    if output == Printed::Derivations
        && (args.json
            || args.svg.is_some()
            || args.labbe.is_some()
            || args.funnel.is_some()
            || args.link.is_some())
    {
        return Err("grove explain prints derivations only; --json, --svg, --labbe, --funnel and --link belong to grove analyze".to_owned());
    }
    let mut inputs = read_outcomes(&args.file, args.outcome.as_deref(), Every::One)?;
    let Input {
        title,
        rows,
        options,
        revman,
        rob,
    } = inputs.remove(0);
    if !title.is_empty() {
        out!("{title}");
    }
    let name = input_name(&args.file);
    let model = args.settings.model(options.models.primary());
    let options = args.settings.apply(ReportOptions {
        models: match model {
            Model::Common => ModelView::Common,
            Model::Random => ModelView::Random,
        },
        ..options
    })?;
    let report = Report::new(&rows, &options);
    let share = args.link.as_deref().map(|base| {
        crate::share::link(
            base,
            grove_core::share::SharedOutcome::new(
                if title.is_empty() {
                    args.file
                        .file_stem()
                        .map_or("Outcome".to_owned(), |s| s.to_string_lossy().into_owned())
                } else {
                    title.clone()
                },
                String::new(),
                rows.clone(),
                options.clone(),
            ),
        )
    });
    if report.studies.is_empty() {
        return Err(format!(
            "{name}: no studies found; expected one row per study: study, experimental \
             events, experimental total, control events, control total"
        ));
    }
    if output == Printed::Derivations {
        let (mut derivations, missing) = grove_core::explain::explain(&report);
        // The absolute effects for the trials' median control risk, as the page shows
        // them until a risk is typed.
        derivations.extend(grove_core::explain::absolute(&report, None));
        out!(
            "{}",
            grove_core::explain::to_text(&derivations).trim_end_matches('\n')
        );
        for m in missing {
            out!("\nNot explained: {}.", m.0);
        }
        return Ok(());
    }
    if let Some(path) = &args.labbe {
        let spec = grove_core::plot::labbe::LabbeSpec::new(&report);
        let svg = grove_core::plot::labbe::layout(&spec, &Default::default()).to_svg();
        std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.funnel {
        let spec = grove_core::plot::funnel::FunnelSpec::new(&report, args.trim_fill);
        let svg = grove_core::plot::funnel::layout(&spec, &Default::default()).to_svg();
        std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        let mut spec = report.forest();
        spec.set_risk_of_bias(|row| {
            rob.get(row)
                .and_then(Option::as_ref)
                .map(|cells| grove_core::rob::read(cells).0)
        });
        let svg = forest::layout(&spec, &PlotOptions::default()).to_svg();
        std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let (Some(link), Some(path)) = (&share, &args.qr) {
        crate::share::write_qr(link, &format!("Grove: {title}"), path)?;
    }
    let (studies, analysis) = (&report.studies, &report.analysis);
    if args.json {
        let json = serde_json::to_string_pretty(&Output::new(studies, analysis, model))
            .map_err(|e| format!("cannot write JSON: {e}"))?;
        out!("{json}");
    } else {
        out!(
            "{}",
            text_report(studies, analysis, model).trim_end_matches('\n')
        );
        if let Some(source) = &revman {
            let a = grove_core::review::agreement::compare(source, &report);
            out!("\nAgainst the numbers stored in the review: {a}");
        }
        if let Some(link) = &share {
            out!("\nShare link: {link}");
        }
    }
    Ok(())
}

/// Reads the file, or standard input for `-`, up to [`MAX_INPUT_BYTES`].
pub(crate) fn read_input(file: &std::path::Path) -> Result<Vec<u8>, String> {
    let limit = MAX_INPUT_BYTES as u64;
    let mut bytes = Vec::new();
    let read = if file.as_os_str() == "-" {
        std::io::stdin().take(limit + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "{} is larger than {} MB, the most grove reads",
            file.display(),
            MAX_INPUT_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// The most `grove` reads of one input: 64 MiB, far above any review or trial table.
pub(crate) const MAX_INPUT_BYTES: usize = grove_core::parse::revman::MAX_FILE_BYTES;

/// Prints every diagnostic to standard error; `false` when a row is invalid.
fn report_diagnostics(name: &str, parsed: &Parsed) -> bool {
    for d in &parsed.diagnostics {
        eprintln!("warning: {name}: {}", describe(d));
    }
    let mut ok = true;
    for row in &parsed.rows {
        if let Err(diagnostics) = &row.study {
            ok = false;
            for d in diagnostics {
                eprintln!("error: {name}: {}", describe(d));
            }
        }
    }
    ok
}

/// `line 3, column 'experimental total': 'abc' is not a whole number`.
fn describe(d: &Diagnostic) -> String {
    match d.column {
        Some(c) => format!("line {}, column '{c}': {}", d.line, d.problem),
        None => format!("line {}: {}", d.line, d.problem),
    }
}

fn measure_label(m: Measure) -> &'static str {
    match m {
        Measure::RiskRatio => "RR",
        Measure::OddsRatio => "OR",
        Measure::RiskDifference => "RD",
    }
}

fn describe_settings(s: &Settings, model: Model) -> String {
    let measure = match s.measure {
        Measure::RiskRatio => "Risk ratio",
        Measure::OddsRatio => "Odds ratio",
        Measure::RiskDifference => "Risk difference",
    };
    let method = match s.method {
        Method::InverseVariance => "inverse variance",
        Method::MantelHaenszel => "Mantel-Haenszel",
        Method::Peto => "Peto",
    };
    let ci = match s.ci {
        CiMethod::Wald => "Wald CI",
        CiMethod::HartungKnapp => "Hartung-Knapp CI",
    };
    match model {
        Model::Common => format!("{measure}, {method}, common effect, {ci}"),
        Model::Random => {
            format!(
                "{measure}, random effects (inverse variance, tau² by {}), {ci}",
                s.tau2.code()
            )
        }
    }
}

fn text_report(studies: &[Study], analysis: &Analysis, model: Model) -> String {
    let s = &analysis.settings;
    let label = measure_label(s.measure);
    let natural = |x: f64| s.measure.to_natural(x);
    let mut rows = vec![[
        "Study".to_string(),
        "Experimental".to_string(),
        "Control".to_string(),
        format!("{label} [95% CI]"),
        "Weight".to_string(),
    ]];
    for result in &analysis.studies {
        let Some(study) = studies.get(result.index) else {
            continue;
        };
        let t = &study.table;
        let estimate = match &result.effect {
            Ok(e) => {
                let ci = e.ci(0.95);
                format::effect_with_ci(natural(e.yi), natural(ci.lower), natural(ci.upper))
            }
            Err(why) => format!("not estimable ({why})"),
        };
        let weight = match model {
            Model::Common => result.weight_common,
            Model::Random => result.weight_random,
        };
        rows.push([
            study.name.clone(),
            format!("{}/{}", format::count(t.ai()), format::count(t.n1())),
            format!("{}/{}", format::count(t.ci()), format::count(t.n2())),
            estimate,
            weight.map_or_else(|| "–".to_string(), format::percent),
        ]);
    }
    let mut out = format!("{}\n\n", describe_settings(s, model));
    out.push_str(&table(&rows));
    out.push('\n');
    match analysis.fit(model) {
        Ok(fit) => out.push_str(&pooled_text(fit, label, &natural)),
        Err(why) => out.push_str(&format!("Pooled: not available ({why})\n")),
    }
    if let Some(subgroups) = &analysis.subgroups {
        out.push_str("\nSubgroups\n");
        for group in &subgroups.groups {
            let fit = match model {
                Model::Common => &group.common,
                Model::Random => &group.random,
            };
            let line = match fit {
                Ok(f) => format!(
                    "{label} {} ({} studies); I² = {}",
                    format::effect_with_ci(
                        natural(f.pooled.estimate),
                        natural(f.pooled.ci.lower),
                        natural(f.pooled.ci.upper)
                    ),
                    f.pooled.k,
                    format::whole_percent(f.heterogeneity.i2)
                ),
                Err(why) => format!("not available ({why})"),
            };
            out.push_str(&format!("  {}: {line}\n", group.name));
        }
        let test = match model {
            Model::Common => &subgroups.test_common,
            Model::Random => &subgroups.test_random,
        };
        match test {
            Ok(t) => out.push_str(&format!(
                "Test for subgroup differences: Q = {}, df = {}, {}\n",
                format::stat(t.q),
                t.df,
                format::p_value(t.p)
            )),
            Err(why) => out.push_str(&format!(
                "Test for subgroup differences: not available ({why})\n"
            )),
        }
    }
    out
}

fn pooled_text(fit: &Fit, label: &str, natural: &dyn Fn(f64) -> f64) -> String {
    let p = &fit.pooled;
    let h = &fit.heterogeneity;
    let mut out = format!(
        "Pooled {label} ({} studies): {}\n",
        p.k,
        format::effect_with_ci(
            natural(p.estimate),
            natural(p.ci.lower),
            natural(p.ci.upper)
        )
    );
    let stat = match p.df {
        Some(df) if df.fract() == 0.0 => format!("t = {} (df = {df:.0})", format::stat(p.stat)),
        Some(df) => format!(
            "t = {} (df = {})",
            format::stat(p.stat),
            format::significant(df, 3)
        ),
        None => format!("z = {}", format::stat(p.stat)),
    };
    out.push_str(&format!(
        "Test for overall effect: {stat}, {}\n",
        format::p_value(p.p)
    ));
    // tau² belongs to the random-effects model; a common-effect fit assumes it is 0.
    let tau2 = match fit.model {
        Model::Random => format!("; tau² = {}", format::tau2(h.tau2)),
        Model::Common => String::new(),
    };
    out.push_str(&format!(
        "Heterogeneity: Q = {}, df = {}, {}; I² = {}{tau2}\n",
        format::stat(h.q),
        h.df,
        format::p_value(h.q_p),
        format::percent(h.i2),
    ));
    if let Some(pi) = &fit.prediction {
        out.push_str(&format!(
            "Prediction interval: [{}, {}]\n",
            format::effect(natural(pi.normal.lower)),
            format::effect(natural(pi.normal.upper))
        ));
    }
    out
}

/// Left-aligned columns separated by two spaces.
fn table(rows: &[[String; 5]]) -> String {
    let mut widths = [0usize; 5];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (w, cell)) in widths.iter().zip(row).enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The JSON written by `--json`: estimates on the natural scale (ratios
/// back-transformed) and on the analysis scale (log for ratios).
#[derive(Debug, Serialize)]
struct Output<'a> {
    settings: &'a Settings,
    model: Model,
    studies: Vec<StudyOutput<'a>>,
    /// `null` when the pooled result is undefined; see `pooled_undefined`.
    pooled: Option<PooledOutput>,
    /// Why the pooled result is undefined (e.g. one study for random effects).
    pooled_undefined: Option<String>,
}

#[derive(Debug, Serialize)]
struct StudyOutput<'a> {
    study: &'a str,
    year: Option<i32>,
    subgroup: Option<&'a str>,
    e1: u64,
    n1: u64,
    e2: u64,
    n2: u64,
    /// `null` when not estimable; see `not_estimable`.
    estimate: Option<f64>,
    ci_lower: Option<f64>,
    ci_upper: Option<f64>,
    yi: Option<f64>,
    vi: Option<f64>,
    not_estimable: Option<String>,
    weight_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
struct PooledOutput {
    k: usize,
    estimate: f64,
    ci_lower: f64,
    ci_upper: f64,
    /// Analysis scale (log for ratios).
    estimate_analysis_scale: f64,
    se: f64,
    stat: f64,
    /// t degrees of freedom with Hartung-Knapp; `null` for z.
    df_t: Option<f64>,
    p: f64,
    q: f64,
    q_df: usize,
    q_p: f64,
    i2: f64,
    h2: f64,
    tau2: f64,
    prediction_lower: Option<f64>,
    prediction_upper: Option<f64>,
}

impl<'a> Output<'a> {
    fn new(studies: &'a [Study], analysis: &'a Analysis, model: Model) -> Output<'a> {
        let measure = analysis.settings.measure;
        let natural = |x: f64| measure.to_natural(x);
        let rows = analysis
            .studies
            .iter()
            .filter_map(|r| {
                let s = studies.get(r.index)?;
                let effect = r.effect.as_ref().ok();
                let ci = effect.map(|e| e.ci(0.95));
                Some(StudyOutput {
                    study: &s.name,
                    year: s.year,
                    subgroup: s.subgroup.as_deref(),
                    e1: s.table.ai(),
                    n1: s.table.n1(),
                    e2: s.table.ci(),
                    n2: s.table.n2(),
                    estimate: effect.map(|e| natural(e.yi)),
                    ci_lower: ci.map(|c| natural(c.lower)),
                    ci_upper: ci.map(|c| natural(c.upper)),
                    yi: effect.map(|e| e.yi),
                    vi: effect.map(|e| e.vi),
                    not_estimable: r.effect.as_ref().err().map(ToString::to_string),
                    weight_pct: match model {
                        Model::Common => r.weight_common,
                        Model::Random => r.weight_random,
                    },
                })
            })
            .collect();
        let fit = analysis.fit(model).as_ref();
        Output {
            settings: &analysis.settings,
            model,
            studies: rows,
            pooled: fit.ok().map(|fit| pooled_output(fit, &natural)),
            pooled_undefined: fit.err().map(Undefined::to_string),
        }
    }
}

fn pooled_output(fit: &Fit, natural: &dyn Fn(f64) -> f64) -> PooledOutput {
    let p = &fit.pooled;
    let h = &fit.heterogeneity;
    PooledOutput {
        k: p.k,
        estimate: natural(p.estimate),
        ci_lower: natural(p.ci.lower),
        ci_upper: natural(p.ci.upper),
        estimate_analysis_scale: p.estimate,
        se: p.se,
        stat: p.stat,
        df_t: p.df,
        p: p.p,
        q: h.q,
        q_df: h.df,
        q_p: h.q_p,
        i2: h.i2,
        h2: h.h2,
        tau2: h.tau2,
        prediction_lower: fit.prediction.as_ref().map(|pi| natural(pi.normal.lower)),
        prediction_upper: fit.prediction.as_ref().map(|pi| natural(pi.normal.upper)),
    }
}
