//! The numbers: pooled estimates, heterogeneity, prediction interval, the sentence for an
//! abstract, studies left out and the per-study table. All of it is read off the
//! [`Report`](grove_core::report::Report); nothing is computed here.

use super::State;
use crate::browser;
use grove_core::format;
use grove_core::report::{self, ModelView, natural};
use grove_core::rma::{Fit, Interval, Model};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The results panel.
#[component]
pub fn ResultsPanel() -> impl IntoView {
    view! {
        <h2 id="results-heading">"Results"</h2>
        <Headline/>
        <PooledTable/>
        <Heterogeneity/>
        <Sentence/>
        <Exclusions/>
        <StudyTable/>
    }
}

fn interval(measure: grove_core::Measure, i: Interval) -> String {
    format!(
        "{} to {}",
        format::effect(natural(measure, i.lower)),
        format::effect(natural(measure, i.upper))
    )
}

#[component]
fn Headline() -> impl IntoView {
    let state = expect_context::<State>();
    let headline = Memo::new(move |_| state.report.with(|r| r.headline()));
    let measure = Memo::new(move |_| state.report.with(|r| r.options.settings.measure));
    let full = |x: f64| Some(format!("{x}"));
    view! {
        <div class="headline" data-testid="pooled-summary"
            data-model=move || headline.get().ok().map(|h| report::model_name(h.model))
            data-estimate=move || headline.get().ok().and_then(|h| full(h.estimate))
            data-ci-lower=move || headline.get().ok().and_then(|h| full(h.ci_lower))
            data-ci-upper=move || headline.get().ok().and_then(|h| full(h.ci_upper))
            data-i2=move || headline.get().ok().and_then(|h| full(h.i2))
            data-tau2=move || headline.get().ok().and_then(|h| full(h.tau2))
            data-k=move || headline.get().ok().map(|h| h.k.to_string())>
            {move || match headline.get() {
                Ok(h) => view! {
                    <p class="big">
                        <span class="measure">{report::abbreviation(measure.get())}" "</span>
                        <strong>{format::effect(h.estimate)}</strong>
                        <span class="ci">{format!(" (95% CI {} to {})", format::effect(h.ci_lower), format::effect(h.ci_upper))}</span>
                    </p>
                    <p class="sub">{format!("{}; {}; {} trial{}", report::model_name(h.model), format::p_value(h.p), h.k, if h.k == 1 { "" } else { "s" })}</p>
                }.into_any(),
                Err(why) => view! { <p class="undefined">{format!("No pooled estimate: {why}.")}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PooledTable() -> impl IntoView {
    let state = expect_context::<State>();
    let rows = move || {
        state.report.with(|r| {
            let m = r.options.settings.measure;
            r.options
                .models
                .models()
                .iter()
                .map(|&model| {
                    let name = report::model_name(model);
                    match r.fit(model) {
                        Ok(f) => {
                            let stat = match f.pooled.df {
                                Some(df) => format!("t = {} (df {df})", format::stat(f.pooled.stat)),
                                None => format!("z = {}", format::stat(f.pooled.stat)),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    <td>{format::effect(natural(m, f.pooled.estimate))}</td>
                                    <td>{interval(m, f.pooled.ci)}</td>
                                    <td>{stat}</td>
                                    <td>{format::p_value(f.pooled.p)}</td>
                                </tr>
                            }
                            .into_any()
                        }
                        Err(why) => view! {
                            <tr><th scope="row">{name}</th><td colspan="4" class="undefined">{format!("Not estimable: {why}")}</td></tr>
                        }
                        .into_any(),
                    }
                })
                .collect_view()
        })
    };
    view! {
        <table class="numbers">
            <caption>"Pooled effect"</caption>
            <thead><tr><th scope="col">"Model"</th><th scope="col">"Estimate"</th><th scope="col">"95% CI"</th><th scope="col">"Test"</th><th scope="col">"P"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn ci_text(ci: Option<Interval>, f: fn(f64) -> String) -> String {
    match ci {
        Some(i) => format!(" (95% CI {} to {})", f(i.lower), f(i.upper)),
        None => String::new(),
    }
}

#[component]
fn Heterogeneity() -> impl IntoView {
    let state = expect_context::<State>();
    let content = move || {
        state.report.with(|r| {
            let m = r.options.settings.measure;
            let shows_random = r.options.models != ModelView::Common;
            let fit: Option<&Fit> = if shows_random { r.fit(Model::Random).as_ref().ok() } else { r.fit(Model::Common).as_ref().ok() };
            let Some(f) = fit else {
                return view! { <p class="undefined">"Heterogeneity needs a pooled estimate."</p> }.into_any();
            };
            let h = &f.heterogeneity;
            if f.pooled.k < 2 {
                return view! { <p class="undefined">"Heterogeneity is not defined for one trial."</p> }.into_any();
            }
            let tau_rows = shows_random.then(|| {
                let estimator = grove_core::Tau2Estimator::code(r.options.settings.tau2);
                view! {
                    <tr><th scope="row">{format!("tau² ({estimator})")}</th><td>{format::tau2(h.tau2)}{ci_text(h.tau2_ci, format::tau2)}</td></tr>
                    <tr><th scope="row">"tau"</th><td>{format::tau2(h.tau2.max(0.0).sqrt())}</td></tr>
                }
            });
            let prediction = shows_random.then(|| match &f.prediction {
                Some(p) => view! {
                    <tr><th scope="row">"Prediction interval (t, k−2 df)"</th>
                        <td>{p.t.map(|t| interval(m, t)).unwrap_or_else(|| "not defined for fewer than 3 trials".to_owned())}</td></tr>
                    <tr><th scope="row">"Prediction interval (metafor predict)"</th><td>{interval(m, p.normal)}</td></tr>
                }.into_any(),
                None => view! { <tr><th scope="row">"Prediction interval"</th><td class="undefined">"not defined"</td></tr> }.into_any(),
            });
            view! {
                <table class="numbers">
                    <caption>"Heterogeneity"</caption>
                    <tbody>
                        {tau_rows}
                        <tr><th scope="row">"Chi² (Q)"</th><td>{format!("{}, df = {} ({})", format::stat(h.q), h.df, format::p_value(h.q_p))}</td></tr>
                        <tr><th scope="row">"I²"</th><td>{format!("{:.1}%", h.i2)}{ci_text(h.i2_ci, |x| format!("{x:.1}%"))}</td></tr>
                        <tr><th scope="row">"H²"</th><td>{format::stat(h.h2)}{ci_text(h.h2_ci, format::stat)}</td></tr>
                        {prediction}
                    </tbody>
                </table>
            }
            .into_any()
        })
    };
    view! { <div class="heterogeneity">{content}</div> }
}

#[component]
fn Sentence() -> impl IntoView {
    let state = expect_context::<State>();
    let sentence = Memo::new(move |_| {
        state
            .report
            .with(|r| r.sentence().map_err(|e| e.to_string()))
    });
    // What was last copied and how it went; shown only while the sentence is unchanged.
    let copied = RwSignal::new(None::<(String, Result<(), String>)>);
    let copy = move |_| {
        if let Ok(text) = sentence.get_untracked() {
            let sent = text.clone();
            browser::copy_text(&text, move |r| {
                copied.set(Some((sent, r.map_err(|e| e.to_string()))))
            });
        }
    };
    view! {
        <div class="sentence">
            <h3>"For the abstract"</h3>
            {move || match sentence.get() {
                Ok(s) => view! {
                    <p data-testid="sentence">{s}</p>
                    <button type="button" data-testid="copy-sentence" on:click=copy>"Copy"</button>
                    <span class="status" role="status">{move || match (copied.get(), sentence.get()) {
                        (Some((sent, Ok(()))), Ok(now)) if sent == now => "Copied.".to_owned(),
                        (Some((sent, Err(why))), Ok(now)) if sent == now => format!("Not copied: {why}"),
                        _ => String::new(),
                    }}</span>
                }.into_any(),
                Err(why) => view! { <p class="undefined">{format!("No summary: {why}.")}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Exclusions() -> impl IntoView {
    let state = expect_context::<State>();
    let list = Memo::new(move |_| state.report.with(|r| r.exclusions()));
    move || {
        let list = list.get();
        (!list.is_empty()).then(|| {
            view! {
                <div class="exclusions" data-testid="exclusions">
                    <h3>"Left out"</h3>
                    <ul>
                        {list.into_iter().map(|e| view! { <li>{format!("Row {} ({}): {}", e.row, e.label, e.reason)}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

#[component]
fn StudyTable() -> impl IntoView {
    let state = expect_context::<State>();
    // Rows are built only while the table is open: a closed table costs an edit nothing.
    let open = RwSignal::new(false);
    let rows = move || {
        if !open.get() {
            return None;
        }
        Some(state.report.with(|r| {
            let m = r.options.settings.measure;
            r.analysis
                .studies
                .iter()
                .enumerate()
                .map(|(s, result)| {
                    let (estimate, ci) = match &result.effect {
                        Ok(e) => (format::effect(natural(m, e.yi)), interval(m, e.ci(0.95))),
                        Err(why) => ("Not estimable".to_owned(), why.to_string()),
                    };
                    let w =
                        |x: Option<f64>| x.map(format::percent).unwrap_or_else(|| "–".to_owned());
                    view! {
                        <tr>
                            <th scope="row">{r.label(s)}</th>
                            <td>{estimate}</td>
                            <td>{ci}</td>
                            <td>{w(result.weight_common)}</td>
                            <td>{w(result.weight_random)}</td>
                        </tr>
                    }
                })
                .collect_view()
        }))
    };
    let toggle = move |ev: leptos::ev::Event| {
        let is_open = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
            .is_some_and(|d| d.open());
        open.set(is_open);
    };
    view! {
        <details class="study-table" on:toggle=toggle>
            <summary>"Per-study results"</summary>
            <table class="numbers">
                <thead><tr>
                    <th scope="col">"Study"</th><th scope="col">"Estimate"</th><th scope="col">"95% CI"</th>
                    <th scope="col">"Weight (common)"</th><th scope="col">"Weight (random)"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
