//! The GOSH view (Olkin, Dahabreh & Trikalinos 2012): the model fitted to every subset of
//! the trials, shown as a heatmap of pooled estimate × I². It runs in a Web Worker of its
//! own (`grove-gosh`, `src/gosh_worker.rs`), a WebAssembly module built by trunk apart from
//! the page and from the page's other worker, fetched the first time the view is opened:
//! the page's download carries none of it, and the page stays responsive while up to
//! 2³⁰ − 1 subsets are fitted.
//!
//! The page sends a [`Request`] (the trials' `yi`, `vi` and labels, the model, the trial
//! whose subsets are highlighted); the worker answers with progress while it runs and
//! then with the view's markup ([`Request::run`]). Cancelling ends the worker; the next
//! run starts another. The same worker times the engine for `scripts/bench-browser`
//! ([`Bench`]). Plain types and functions, tested natively; the message passing is in
//! `web`.

use grove_core::diagnostics::BaseFit;
use grove_core::forest::escape;
use grove_core::report::Report;
use grove_core::settings::Measure;
use std::fmt::Write;
use std::ops::ControlFlow;

/// The most trials whose every subset is fitted by the common-effect model: 2³⁰ − 1
/// subsets (about 10 s in Chromium, `scripts/bench-browser`). Above, a random sample is
/// fitted.
pub const EXACT_MAX_K: usize = 30;

/// The most trials whose every subset is fitted by DerSimonian-Laird random effects:
/// 2²⁴ − 1 subsets, about half a second natively (`cargo bench -p grove-core --bench
/// gosh`), a second or two in the browser; each further trial doubles it. Above, a random
/// sample is fitted.
pub const EXACT_MAX_K_DL: usize = 24;

/// The most trials whose every subset is fitted with `base`.
pub fn exact_max_k(base: BaseFit) -> usize {
    match base {
        BaseFit::Common => EXACT_MAX_K,
        BaseFit::DerSimonianLaird => EXACT_MAX_K_DL,
    }
}

/// What the GOSH worker is asked to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The trials' estimates on the analysis scale (log for ratios).
    pub yi: Vec<f64>,
    /// Their sampling variances.
    pub vi: Vec<f64>,
    /// Their labels, in the same order.
    pub labels: Vec<String>,
    /// The effect measure.
    pub measure: Measure,
    /// The model fitted to each subset.
    pub base: BaseFit,
    /// The trial whose subsets are highlighted.
    pub highlight: Option<usize>,
}

impl Request {
    /// The request for `report`'s trials with an estimate (trials switched off take no
    /// part).
    ///
    /// # Errors
    /// Why GOSH cannot be run, in words (fewer than two trials).
    pub fn of(report: &Report, base: BaseFit, highlight: Option<usize>) -> Result<Request, String> {
        let e = report.analysis.estimable();
        if e.yi.len() < 2 {
            return Err("GOSH needs at least 2 trials with an estimate".to_owned());
        }
        let highlight = highlight.filter(|&h| h < e.yi.len());
        Ok(Request {
            labels: e.index.iter().map(|&i| report.label(i)).collect(),
            yi: e.yi,
            vi: e.vi,
            measure: report.options.settings.measure,
            base,
            highlight,
        })
    }

    /// How many subsets a run fits: all `2^k − 1`, or the random sample's size above
    /// [`exact_max_k`] trials.
    pub fn subsets(&self) -> u64 {
        match self.yi.len() {
            k if k <= exact_max_k(self.base) => (1u64 << k) - 1,
            _ => grove_core::diagnostics::GOSH_HEATMAP_SAMPLE_SIZE,
        }
    }

    /// Fits the subsets and returns the view's markup: the heatmap (standalone SVG, the
    /// file the exports write) and, behind it, a summary table. `progress(done, total)`
    /// is called now and then and returns `Break` to stop; stopped, the result is `None`.
    pub fn run(&self, progress: impl FnMut(u64, u64) -> ControlFlow<()>) -> Option<String> {
        compute(self, progress)
    }
}

/// What the person chose in the GOSH view: the model, the highlighted trial, and how
/// many times "Run again" was pressed (a change of any of them starts a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The model fitted to each subset.
    pub base: BaseFit,
    /// The highlighted trial, an index into the trials with an estimate.
    pub highlight: Option<usize>,
    /// Bumped by "Run again".
    pub runs: u32,
}

impl Default for Choice {
    /// The common-effect model, no trial highlighted: metafor `gosh()`'s default.
    fn default() -> Choice {
        Choice {
            base: BaseFit::Common,
            highlight: None,
            runs: 0,
        }
    }
}

impl Choice {
    /// The choice after the control `data-gosh="which"` was set to `value` (the values
    /// [`controls`] writes); an unknown control changes nothing.
    pub fn with(self, which: &str, value: &str) -> Choice {
        match which {
            "base" => Choice {
                base: if value == BaseFit::DerSimonianLaird.code() {
                    BaseFit::DerSimonianLaird
                } else {
                    BaseFit::Common
                },
                ..self
            },
            "highlight" => Choice {
                highlight: value.parse().ok(),
                ..self
            },
            _ => self,
        }
    }
}

/// The panel's controls for `labels` (the trials with an estimate): the model, the
/// highlighted trial, and the place where progress and the result are shown. Page
/// markup; the selects carry `data-gosh` (`base`, `highlight`), the cancel button
/// `data-action="gosh-cancel"`.
pub fn controls(labels: &[String], base: BaseFit, highlight: Option<usize>) -> String {
    let mut out = String::from(
        r#"<div class="gosh-controls"><label>Model <select data-gosh="base" data-testid="gosh-base">"#,
    );
    for (b, words) in [
        (BaseFit::Common, "Common effect"),
        (
            BaseFit::DerSimonianLaird,
            "Random effects (DerSimonian-Laird)",
        ),
    ] {
        let _ = write!(
            out,
            r#"<option value="{}"{}>{words}</option>"#,
            b.code(),
            if b == base { " selected" } else { "" }
        );
    }
    out.push_str(r#"</select></label> <label>Highlight the subsets with <select data-gosh="highlight" data-testid="gosh-highlight"><option value="">no trial</option>"#);
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            out,
            r#"<option value="{i}"{}>{}</option>"#,
            if highlight == Some(i) {
                " selected"
            } else {
                ""
            },
            escape(label)
        );
    }
    let k = labels.len();
    let _ = write!(
        out,
        r#"</select></label></div><p class="hint">{}</p>"#,
        scope_words(k, base)
    );
    out
}

/// How many subsets a run with `base` fits, in words.
pub fn scope_words(k: usize, base: BaseFit) -> String {
    if k <= exact_max_k(base) {
        format!(
            "Every one of the {} subsets of {k} trials is fitted.",
            grove_core::format::count((1u64 << k) - 1)
        )
    } else {
        format!(
            "{k} trials have 2^{k} − 1 subsets, too many to fit: a random sample of them is fitted, and labelled so."
        )
    }
}

/// The markup shown while a run is under way: its progress and a cancel button.
pub fn running(done: u64, total: u64) -> String {
    let percent = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64 * 100.0
    };
    format!(
        r#"<p><progress data-testid="gosh-progress" max="100" value="{percent:.1}">{percent:.0}%</progress> Fitting {} subsets… <button type="button" class="ghost small" data-action="gosh-cancel" data-testid="gosh-cancel">Cancel</button></p>"#,
        grove_core::format::count(total)
    )
}

/// The markup after a run was cancelled.
pub const CANCELLED: &str = r#"<p data-testid="gosh-cancelled">Cancelled. <button type="button" class="ghost small" data-action="gosh-run">Run again</button></p>"#;

/// What `scripts/bench-browser` times in the GOSH worker: the engine's work a user waits
/// for, on generated trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    /// Pooling by DerSimonian-Laird random effects (metafor `rma(method = "DL")`).
    PoolDl,
    /// Pooling by REML random effects.
    PoolReml,
    /// Leave-one-out with DerSimonian-Laird random effects.
    LeaveOneOutDl,
    /// Leave-one-out with REML random effects.
    LeaveOneOutReml,
    /// The exact GOSH heatmap, common effect.
    GoshExact,
}

impl Bench {
    /// Every benchmark.
    pub const ALL: [Bench; 5] = [
        Bench::PoolDl,
        Bench::PoolReml,
        Bench::LeaveOneOutDl,
        Bench::LeaveOneOutReml,
        Bench::GoshExact,
    ];

    /// Its name in messages and in the report's lines (`NAME k=K: MEDIAN ms`).
    pub fn code(self) -> &'static str {
        match self {
            Bench::PoolDl => "pool-dl",
            Bench::PoolReml => "pool-reml",
            Bench::LeaveOneOutDl => "leave-one-out-dl",
            Bench::LeaveOneOutReml => "leave-one-out-reml",
            Bench::GoshExact => "gosh-exact",
        }
    }

    /// The benchmark with this name.
    pub fn from_code(code: &str) -> Option<Bench> {
        Bench::ALL.into_iter().find(|b| b.code() == code)
    }

    /// Runs the work `reps` times on `k` generated trials; each run's time in ms by the
    /// clock `now` (ms).
    pub fn time(self, k: usize, reps: usize, now: &dyn Fn() -> f64) -> Vec<f64> {
        use grove_core::rma::{self, Model};
        use grove_core::sensitivity;
        use grove_core::settings::{CiMethod, Tau2Estimator};
        let (yi, vi) = generated(k);
        let (dl, reml) = (
            Tau2Estimator::DerSimonianLaird,
            Tau2Estimator::RestrictedMaximumLikelihood,
        );
        (0..reps.max(1))
            .map(|_| {
                let t0 = now();
                let ok = match self {
                    Bench::PoolDl => rma::fit(&yi, &vi, Model::Random, dl, CiMethod::Wald).is_ok(),
                    Bench::PoolReml => {
                        rma::fit(&yi, &vi, Model::Random, reml, CiMethod::Wald).is_ok()
                    }
                    Bench::LeaveOneOutDl => {
                        sensitivity::leave_one_out(&yi, &vi, Model::Random, dl, CiMethod::Wald)
                            .is_ok()
                    }
                    Bench::LeaveOneOutReml => {
                        sensitivity::leave_one_out(&yi, &vi, Model::Random, reml, CiMethod::Wald)
                            .is_ok()
                    }
                    Bench::GoshExact => Request {
                        labels: (1..=k).map(|i| format!("Trial {i}")).collect(),
                        yi: yi.clone(),
                        vi: vi.clone(),
                        measure: Measure::RiskRatio,
                        base: BaseFit::Common,
                        highlight: Some(0),
                    }
                    .run(|_, _| ControlFlow::Continue(()))
                    .is_some(),
                };
                let ms = now() - t0;
                if ok { ms } else { f64::NAN }
            })
            .collect()
    }
}

/// `k` heterogeneous trials, the same on every run: log risk ratios about −0.3 with
/// τ² = 0.05 and sampling variances from 0.01 to 0.5 (a xorshift generator).
pub fn generated(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..k)
        .map(|_| {
            let vi = 0.01 + 0.49 * uniform();
            // Box-Muller: a standard normal.
            let z = (-2.0 * (1.0 - uniform()).ln()).sqrt()
                * (2.0 * std::f64::consts::PI * uniform()).cos();
            (-0.3 + z * (vi + 0.05).sqrt(), vi)
        })
        .unzip()
}

/// Bands of I² in the summary table, in percent.
const I2_BANDS: [(f64, f64); 5] = [
    (0.0, 20.0),
    (20.0, 40.0),
    (40.0, 60.0),
    (60.0, 80.0),
    (80.0, 100.0),
];

/// The heatmap of every subset (or a sample above [`exact_max_k`] trials), its SVG, and
/// a table of what it shows: the range of the estimate and of I², and the subsets in
/// each band of I², with the highlighted trial and without.
fn compute(r: &Request, progress: impl FnMut(u64, u64) -> ControlFlow<()>) -> Option<String> {
    use grove_core::diagnostics::{GoshHeatmapSettings, gosh_heatmap};
    use grove_core::plot::gosh::{GoshOptions, GoshSpec, coverage_words, layout, model_words};
    use grove_core::report::{abbreviation, natural};
    let mut settings = GoshHeatmapSettings::new(r.base);
    settings.highlight = r.highlight;
    settings.exact_up_to = exact_max_k(r.base);
    let heatmap = match gosh_heatmap(&r.yi, &r.vi, &settings, progress) {
        Ok(Some(h)) => h,
        Ok(None) => return None,
        Err(e) => {
            return Some(format!(
                r#"<p class="undefined">Not computed: {}.</p>"#,
                escape(&e.to_string())
            ));
        }
    };
    let spec = GoshSpec::new(r.measure, heatmap, &r.labels);
    let plot = layout(&spec, &GoshOptions::default());
    let h = &spec.heatmap;
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(r#"<div class="plot-scroll" data-testid="gosh-plot">"#);
    out.push_str(&plot.to_svg());
    out.push_str("</div>");
    if h.n_fitted < h.n_subsets {
        let _ = write!(
            out,
            r#"<p class="hint">{} of the subsets could not be fitted (weights too far apart to sum) and are left out.</p>"#,
            grove_core::format::count(h.n_subsets - h.n_fitted)
        );
    }
    let effect = |x: f64| grove_core::format::effect(natural(r.measure, x));
    let i2 = |x: f64| format!("{x:.1}%");
    let _ = write!(
        out,
        r#"<table class="numbers" data-testid="gosh-table"><caption>{} ({}; metafor gosh())</caption><thead><tr><th scope="col"></th><th scope="col">All trials</th><th scope="col">Mean over the subsets</th><th scope="col">Smallest</th><th scope="col">Largest</th></tr></thead><tbody>"#,
        escape(&coverage_words(h)),
        model_words(r.base)
    );
    let _ = write!(
        out,
        r#"<tr><th scope="row">Pooled {}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
        abbreviation(r.measure),
        effect(h.all_studies.estimate),
        effect(h.estimate.mean),
        effect(h.estimate.min),
        effect(h.estimate.max),
    );
    let _ = write!(
        out,
        r#"<tr><th scope="row">I²</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></tbody></table>"#,
        i2(h.all_studies.i2),
        i2(h.i2.mean),
        i2(h.i2.min),
        i2(h.i2.max),
    );
    // Subsets per band of I²: a bin belongs to the band holding its lower edge.
    let band_counts = |counts: &[u64]| -> Vec<u64> {
        let ni = h.grid.i2_bins();
        let mut bands = vec![0u64; I2_BANDS.len()];
        for (c, n) in counts.iter().enumerate() {
            let lower = h.i2_edges[c % ni];
            if let Some(b) = I2_BANDS
                .iter()
                .position(|&(lo, hi)| lower >= lo && lower < hi)
            {
                bands[b] += n;
            }
        }
        bands
    };
    let all = band_counts(&h.counts);
    let with = h.highlighted.as_ref().map(|w| band_counts(&w.counts));
    let share = |n: u64, of: u64| {
        if of == 0 {
            "–".to_owned()
        } else {
            format!("{:.1}%", n as f64 / of as f64 * 100.0)
        }
    };
    let total: u64 = all.iter().sum();
    let _ = write!(
        out,
        r#"<table class="numbers" data-testid="gosh-bands"><caption>Subsets by I²</caption><thead><tr><th scope="col">I²</th><th scope="col">Subsets</th><th scope="col">Share</th>"#
    );
    if let Some(label) = &spec.highlighted {
        let _ = write!(
            out,
            r#"<th scope="col">With {0}</th><th scope="col">Share of those with {0}</th>"#,
            escape(label)
        );
    }
    out.push_str("</tr></thead><tbody>");
    let with_total: u64 = with.as_ref().map_or(0, |w| w.iter().sum());
    for (b, &(lo, hi)) in I2_BANDS.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{lo:.0}–{hi:.0}%</th><td>{}</td><td>{}</td>"#,
            grove_core::format::count(all[b]),
            share(all[b], total)
        );
        if let Some(w) = &with {
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td>",
                grove_core::format::count(w[b]),
                share(w[b], with_total)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    Some(out)
}

#[cfg(target_arch = "wasm32")]
pub use web::{answer, cancel, start};

/// Natively (the page's unit tests) there is no worker: the run is done at once.
#[cfg(not(target_arch = "wasm32"))]
pub fn start(request: &Request, done: Box<dyn FnOnce(Result<String, String>)>) {
    let html = request.run(|_, _| ControlFlow::Continue(()));
    done(html.ok_or_else(|| "stopped".to_owned()));
}

/// Natively there is no run to end.
#[cfg(not(target_arch = "wasm32"))]
pub fn cancel() {}

#[cfg(target_arch = "wasm32")]
mod web {
    use super::{Bench, Request};
    use grove_core::settings::Measure;
    use js_sys::{Float64Array, Object, Reflect};
    use std::cell::RefCell;
    use std::ops::ControlFlow;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    /// What the worker sends once it listens.
    const READY: &str = "ready";

    /// Where the worker's loader is: next to the page, or where the single-file build
    /// put it (a `blob:` URL it sets as `window.groveGosh`).
    fn worker_url() -> String {
        Reflect::get(&js_sys::global(), &"groveGosh".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "./grove-gosh_loader.js".to_owned())
    }

    fn get(v: &JsValue, k: &str) -> Option<JsValue> {
        Reflect::get(v, &k.into())
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn set(o: &Object, k: &str, v: &JsValue) {
        let _ = Reflect::set(o, &k.into(), v);
    }

    impl Request {
        fn to_js(&self) -> JsValue {
            let o = Object::new();
            set(&o, "yi", &Float64Array::from(self.yi.as_slice()).into());
            set(&o, "vi", &Float64Array::from(self.vi.as_slice()).into());
            set(&o, "labels", &self.labels.join("\n").into());
            set(&o, "measure", &self.measure.code().into());
            set(&o, "base", &self.base.code().into());
            set(
                &o,
                "highlight",
                &self.highlight.map_or(-1.0, |h| h as f64).into(),
            );
            o.into()
        }

        fn from_js(v: &JsValue) -> Option<Request> {
            let array = |k| get(v, k).map(|a| Float64Array::new(&a).to_vec());
            let base = super::Choice::default()
                .with("base", &get(v, "base")?.as_string()?)
                .base;
            let highlight = get(v, "highlight")?.as_f64()?;
            Some(Request {
                yi: array("yi")?,
                vi: array("vi")?,
                labels: get(v, "labels")?
                    .as_string()?
                    .split('\n')
                    .map(str::to_owned)
                    .collect(),
                measure: Measure::from_code(&get(v, "measure")?.as_string()?)?,
                base,
                highlight: (highlight >= 0.0).then_some(highlight as usize),
            })
        }
    }

    /// The worker's side: answers each request with progress messages and the markup,
    /// and each benchmark with its timings.
    pub fn answer() {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply_to = scope.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                let o = Object::new();
                if let Some(name) = get(&data, "bench").and_then(|b| b.as_string()) {
                    let k = get(&data, "k").and_then(|k| k.as_f64()).unwrap_or(0.0) as usize;
                    let reps = get(&data, "reps").and_then(|k| k.as_f64()).unwrap_or(5.0);
                    let now = performance();
                    match Bench::from_code(&name) {
                        Some(bench) => {
                            let times = bench.time(k, reps as usize, &|| now.now());
                            let ms = js_sys::Array::new();
                            for t in times {
                                ms.push(&t.into());
                            }
                            set(&o, "ms", &ms.into());
                        }
                        None => set(&o, "failed", &"no such benchmark".into()),
                    }
                    let _ = reply_to.post_message(&o);
                    return;
                }
                let Some(request) = Request::from_js(&data) else {
                    set(
                        &o,
                        "failed",
                        &"the page's request was not understood".into(),
                    );
                    let _ = reply_to.post_message(&o);
                    return;
                };
                let progress_to = reply_to.clone();
                let html = request.run(move |done, total| {
                    let p = Object::new();
                    set(&p, "done", &(done as f64).into());
                    set(&p, "total", &(total as f64).into());
                    let _ = progress_to.post_message(&p);
                    ControlFlow::Continue(())
                });
                match html {
                    Some(html) => set(&o, "text", &html.into()),
                    None => set(&o, "failed", &"stopped".into()),
                }
                let _ = reply_to.post_message(&o);
            });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = scope.post_message(&READY.into());
    }

    fn performance() -> web_sys::Performance {
        Reflect::get(&js_sys::global(), &"performance".into())
            .map(|p| p.unchecked_into())
            .unwrap_or_else(|_| JsValue::NULL.unchecked_into())
    }

    /// The run under way: its worker (ended to cancel) and whether it listens yet.
    struct Run {
        worker: web_sys::Worker,
        request: Option<JsValue>,
    }

    thread_local! {
        static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
    }

    /// Shows a run's progress on its bar (`running`'s markup), if it is on the page.
    fn show_progress(done: f64, total: f64) {
        let bar = web_sys::window().and_then(|w| w.document()).and_then(|d| {
            d.query_selector("[data-testid='gosh-progress']")
                .ok()
                .flatten()
        });
        if let Some(bar) = bar {
            let percent = done / total.max(1.0) * 100.0;
            let _ = bar.set_attribute("value", &format!("{percent:.1}"));
        }
    }

    /// The page's side: fits `request` in a new GOSH worker (ending any run under way),
    /// showing its progress on the bar of [`super::running`]'s markup, and calls `done`
    /// with the markup or why there is none.
    pub fn start(request: &Request, done: Box<dyn FnOnce(Result<String, String>)>) {
        cancel();
        let Ok(worker) = web_sys::Worker::new(&worker_url()) else {
            done(Err("the GOSH worker could not start".to_owned()));
            return;
        };
        let done = RefCell::new(Some(done));
        let finish = move |result: Result<String, String>| {
            RUN.with_borrow_mut(|run| {
                if let Some(run) = run.take() {
                    run.worker.terminate();
                }
            });
            if let Some(done) = done.borrow_mut().take() {
                done(result);
            }
        };
        let finish = std::rc::Rc::new(finish);
        let on_error = {
            let finish = finish.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
                finish(Err(
                    "the GOSH worker stopped (it could not be loaded, or it failed)".to_owned(),
                ))
            })
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                if data.as_string().as_deref() == Some(READY) {
                    RUN.with_borrow_mut(|run| {
                        if let Some(run) = run.as_mut()
                            && let Some(request) = run.request.take()
                        {
                            let _ = run.worker.post_message(&request);
                        }
                    });
                } else if let Some(html) = get(&data, "text").and_then(|t| t.as_string()) {
                    finish(Ok(html));
                } else if let Some(why) = get(&data, "failed").and_then(|t| t.as_string()) {
                    finish(Err(why));
                } else if let (Some(d), Some(t)) = (
                    get(&data, "done").and_then(|d| d.as_f64()),
                    get(&data, "total").and_then(|d| d.as_f64()),
                ) {
                    show_progress(d, t);
                }
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Each run's handlers live as long as the page: a run is started by a person.
        on_message.forget();
        on_error.forget();
        RUN.with_borrow_mut(|run| {
            *run = Some(Run {
                worker,
                request: Some(request.to_js()),
            })
        });
    }

    /// Ends the run under way, if any; its `done` is never called.
    pub fn cancel() {
        RUN.with_borrow_mut(|run| {
            if let Some(run) = run.take() {
                run.worker.set_onmessage(None);
                run.worker.terminate();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Example;

    fn request(highlight: Option<usize>) -> Request {
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows, &o.options);
        Request::of(&report, BaseFit::Common, highlight).expect("13 trials")
    }

    /// All 8,191 subsets of the 13 BCG trials: the plot, the table of the estimate and
    /// I² over the subsets, the subsets by I² with and without the highlighted trial, and
    /// progress reported up to the total.
    #[test]
    fn a_run_draws_every_subset_and_tabulates_them() {
        let r = request(Some(2));
        assert_eq!(r.labels.len(), 13);
        let mut last = (0, 0);
        let html = r
            .run(|done, total| {
                last = (done, total);
                ControlFlow::Continue(())
            })
            .expect("not cancelled");
        assert_eq!(last, (8191, 8191));
        assert_eq!(r.subsets(), 8191);
        assert!(html.contains(r#"<svg xmlns="http://www.w3.org/2000/svg""#));
        assert!(html.contains("All 8,191 subsets of 13 trials"));
        assert!(html.contains(&format!("With {}", escape(&r.labels[2]))));
        let bands = &html[html.find("gosh-bands").expect("bands")..];
        let counts: Vec<u64> = bands
            .split("<tr><th scope=\"row\">")
            .skip(1)
            .map(|row| {
                let cell = &row[row.find("<td>").expect("td") + 4..];
                cell[..cell.find('<').expect("end")]
                    .replace(',', "")
                    .parse()
                    .expect("count")
            })
            .collect();
        assert_eq!(counts.len(), I2_BANDS.len());
        assert_eq!(counts.iter().sum::<u64>(), 8191);
        assert!(!html.contains("NaN") && !html.contains("inf"));
    }

    #[test]
    fn cancelling_gives_nothing_and_too_few_trials_are_explained() {
        let r = request(None);
        assert_eq!(r.run(|_, _| ControlFlow::Break(())), None);
        let o = Example::Bcg.outcome();
        let report = Report::new(&o.rows[..1], &o.options);
        let why = Request::of(&report, BaseFit::Common, None).expect_err("one trial");
        assert!(why.contains("at least 2 trials"), "{why}");
        assert!(scope_words(31, BaseFit::Common).contains("random sample"));
        assert!(scope_words(25, BaseFit::DerSimonianLaird).contains("random sample"));
        assert!(scope_words(25, BaseFit::Common).contains("33,554,431"));
        assert!(scope_words(13, BaseFit::DerSimonianLaird).contains("8,191"));
    }

    /// Random effects above 24 trials: a labelled random sample, not every subset.
    #[test]
    fn random_effects_beyond_24_trials_fit_a_labelled_sample() {
        let (yi, vi) = generated(25);
        let r = Request {
            labels: (1..=25).map(|i| format!("Trial {i}")).collect(),
            yi,
            vi,
            measure: Measure::RiskRatio,
            base: BaseFit::DerSimonianLaird,
            highlight: None,
        };
        assert_eq!(
            r.subsets(),
            grove_core::diagnostics::GOSH_HEATMAP_SAMPLE_SIZE
        );
        let html = r.run(|_, _| ControlFlow::Continue(())).expect("run");
        assert!(
            html.contains("A random sample of 1,048,576 of the 2^25 − 1 subsets of 25 trials"),
            "{}",
            &html[..html.len().min(600)]
        );
    }

    #[test]
    fn the_controls_values_are_the_choices() {
        let c = Choice::default();
        assert_eq!(c.base, BaseFit::Common);
        let c = c.with("base", BaseFit::DerSimonianLaird.code());
        assert_eq!(c.base, BaseFit::DerSimonianLaird);
        let c = c.with("highlight", "3");
        assert_eq!(c.highlight, Some(3));
        assert_eq!(c.with("highlight", "").highlight, None);
        assert_eq!(c.with("other", "1"), c);
        let html = controls(&["A".to_owned(), "B".to_owned()], c.base, Some(1));
        assert!(html.contains(&format!(
            r#"<option value="{}" selected>"#,
            BaseFit::DerSimonianLaird.code()
        )));
        assert!(html.contains(r#"<option value="1" selected>B</option>"#));
    }

    #[test]
    fn every_benchmark_runs_and_has_a_name() {
        for b in Bench::ALL {
            assert_eq!(Bench::from_code(b.code()), Some(b));
            let ms = b.time(12, 1, &|| 0.0);
            assert_eq!(ms, [0.0], "{b:?}");
        }
    }
}
