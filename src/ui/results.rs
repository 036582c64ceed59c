//! The numbers: pooled estimates, heterogeneity, prediction interval, the sentence for an
//! abstract, studies left out and the per-study table. All of it is read off the
//! [`Report`](grove_core::report::Report); nothing is computed here.

use super::State;
use crate::history::Edit;
use crate::{browser, tables};
use grove_core::forest::escape;
use grove_core::interpret;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The results panel.
#[component]
pub fn ResultsPanel() -> impl IntoView {
    view! {
        <h2 id="results-heading">"Results"</h2>
        <RevManAgreement/>
        <Headline/>
        <PooledTable/>
        <Heterogeneity/>
        <div id="explain-host"></div>
        <Meaning/>
        <Sentence/>
        <Exclusions/>
        <StudyTable/>
    }
}

/// The headline result, written by [`tables::headline`].
#[component]
fn Headline() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| state.report.with(tables::headline));
    view! { <div inner_html=move || html.get()></div> }
}

/// For an outcome from a RevMan review: whether Grove reproduces the numbers RevMan
/// stored for it, and where not.
#[component]
fn RevManAgreement() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| {
        state
            .agreement
            .with(|a| a.as_ref().map(tables::agreement).unwrap_or_default())
    });
    view! { <div inner_html=move || html.get()></div> }
}

#[component]
fn PooledTable() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| state.report.with(tables::pooled));
    view! { <div class="pooled" inner_html=move || html.get()></div> }
}

#[component]
fn Heterogeneity() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| state.report.with(tables::heterogeneity));
    view! { <div class="heterogeneity" inner_html=move || html.get()></div> }
}

/// What the numbers mean, in words: I² in the Handbook's bands, the prediction
/// interval, and the pooled effect per 1000 people for a control-group risk the user may
/// type (the trials' median by default), kept with the outcome.
#[component]
fn Meaning() -> impl IntoView {
    let state = expect_context::<State>();
    // Kept with the outcome, as typed, like every field of the project.
    let typed = Memo::new(move |_| state.project.with(|p| p.active().control_risk.clone()));
    // One memo for the whole block: each memo type is code of its own in the page.
    let shown = Memo::new(move |_| typed.with(|t| state.report.with(|r| MeaningView::new(r, t))));
    // The texts as markup around the one control: a tree of Leptos views for them would
    // cost the page several times more.
    view! {
        <div class="meaning" data-testid="meaning">
            <h3>"What it means"</h3>
            <div class="meaning-part" inner_html=move || shown.with(MeaningView::above)></div>
            <label class="inline control-risk">
                <span>"Risk in the control group, per 1000"</span>
                <input type="text" inputmode="decimal" data-testid="control-risk"
                    aria-invalid=move || shown.with(|m| m.invalid.to_string())
                    aria-describedby="control-risk-note"
                    placeholder=move || shown.with(|m| m.placeholder.clone())
                    prop:value=move || typed.get()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        let outcome = state.project.with_untracked(|p| p.active);
                        state.change(Edit::Text(outcome, "control risk"), |p| p.active_mut().control_risk = v);
                    }/>
            </label>
            <div class="meaning-part" inner_html=move || shown.with(MeaningView::below)></div>
        </div>
    }
}

/// The texts of the "What it means" block for a report and the control risk as typed
/// (per 1000; empty for the trials' median).
#[derive(Debug, Clone, PartialEq, Default)]
struct MeaningView {
    i2: String,
    prediction: String,
    absolute: String,
    note: String,
    placeholder: String,
    invalid: bool,
    /// Whether there are absolute effects to explain.
    explained: bool,
}

impl MeaningView {
    /// The paragraphs above the control risk: I² and the prediction interval.
    fn above(&self) -> String {
        format!(
            r#"<p data-testid="meaning-i2">{}</p><p data-testid="meaning-prediction">{}</p>"#,
            escape(&self.i2),
            escape(&self.prediction)
        )
    }

    /// The paragraphs below it: the note on the risk used, and the absolute effects with
    /// their explanation's button when there are any.
    fn below(&self) -> String {
        let explain = if self.explained {
            format!(
                r#" <button type="button" class="ghost small" data-testid="explain-absolute" data-explain="{}">How was this computed?</button>"#,
                grove_core::explain::ABSOLUTE_KEYS
            )
        } else {
            String::new()
        };
        format!(
            r#"<p class="hint" id="control-risk-note" data-testid="control-risk-note">{}</p><p data-testid="meaning-absolute">{}{explain}</p>"#,
            escape(&self.note),
            escape(&self.absolute)
        )
    }

    fn new(report: &grove_core::report::Report, typed: &str) -> MeaningView {
        let risk = crate::project::control_risk(typed);
        let m = interpret::meaning(report, risk.clone().ok().flatten());
        let median = interpret::median_control_risk(&report.studies);
        let per_1000 = |x: f64| format!("{:.0}", 1000.0 * x);
        MeaningView {
            explained: m.absolute.is_ok(),
            // The cautions follow what I² means.
            i2: m
                .i2
                .into_iter()
                .chain(m.cautions)
                .collect::<Vec<_>>()
                .join(" "),
            prediction: m.prediction.unwrap_or_default(),
            absolute: m
                .absolute
                .unwrap_or_else(|why| format!("No absolute effect: {why}.")),
            note: match &risk {
                Err(why) => why.clone(),
                Ok(Some(_)) => "As typed.".to_owned(),
                Ok(None) => median.map_or(String::new(), |m| {
                    format!(
                        "Empty: the median of the trials' control groups, {} per 1000.",
                        per_1000(m)
                    )
                }),
            },
            placeholder: median.map(per_1000).unwrap_or_default(),
            invalid: risk.is_err(),
        }
    }
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
    // The sentence and its Copy button as markup (a click on the button is caught on the
    // block): a branch of Leptos views for it would cost the page more.
    let html = move || {
        sentence.with(|s| match s {
            Ok(s) => format!(
                r#"<p data-testid="sentence">{}</p><button type="button" data-testid="copy-sentence">Copy</button>"#,
                escape(s)
            ),
            Err(why) => format!(r#"<p class="undefined">No summary: {}.</p>"#, escape(why)),
        })
    };
    let copy = move |ev: web_sys::MouseEvent| {
        let on_button = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.get_attribute("data-testid").as_deref() == Some("copy-sentence"));
        if let (true, Ok(text)) = (on_button, sentence.get_untracked()) {
            let sent = text.clone();
            browser::copy_text(&text, move |r| {
                copied.set(Some((sent, r.map_err(|e| e.to_string()))))
            });
        }
    };
    let status = move || {
        copied.with(|c| {
            sentence.with(|now| match (c, now) {
                (Some((sent, Ok(()))), Ok(now)) if sent == now => "Copied.".to_owned(),
                (Some((sent, Err(why))), Ok(now)) if sent == now => format!("Not copied: {why}"),
                _ => String::new(),
            })
        })
    };
    view! {
        <div class="sentence">
            <h3>"For the abstract"</h3>
            <div class="sentence-body" inner_html=html on:click=copy></div>
            <span class="status" role="status">{status}</span>
        </div>
    }
}

#[component]
fn Exclusions() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| state.report.with(tables::exclusions));
    view! { <div inner_html=move || html.get()></div> }
}

#[component]
fn StudyTable() -> impl IntoView {
    let state = expect_context::<State>();
    // Built only while the table is open: a closed table costs an edit nothing.
    let open = RwSignal::new(false);
    let html = move || {
        if open.get() {
            state.report.with(tables::studies)
        } else {
            String::new()
        }
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
            <div inner_html=html></div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::MeaningView;
    use grove_core::parse;
    use grove_core::report::{Report, ReportOptions};

    #[test]
    fn the_control_risk_is_the_median_until_one_is_typed() {
        let rows = parse::parse(include_str!("../examples/bcg.tsv")).raw_rows();
        let report = Report::new(&rows, &ReportOptions::default());
        let empty = MeaningView::new(&report, "  ");
        assert!(!empty.invalid);
        assert!(empty.note.contains("median") && empty.note.contains(&empty.placeholder));
        assert!(
            empty
                .absolute
                .starts_with(&format!("With {} per 1000", empty.placeholder))
        );
        let typed = MeaningView::new(&report, "200");
        assert!(
            typed.absolute.starts_with("With 200 per 1000"),
            "{}",
            typed.absolute
        );
        let comma = MeaningView::new(&report, "12,5");
        assert!(
            comma.absolute.starts_with("With 13 per 1000")
                || comma.absolute.starts_with("With 12 per 1000")
        );
        for bad in ["abc", "0", "1000", "-3", "NaN"] {
            let v = MeaningView::new(&report, bad);
            assert!(v.invalid, "{bad}");
            assert!(v.note.contains(bad), "{}", v.note);
            assert_eq!(v.absolute, empty.absolute, "{bad}: the median is used");
        }
    }
}
