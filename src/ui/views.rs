//! The views besides the forest plot: a button per choice. A view (the L'Abbé plot) is
//! drawn by the page's worker ([`crate::views`]) and drawn again at every change of the
//! data while it is shown; its exports are the file the worker made. "What if…" is the
//! teaching sandbox ([`crate::whatif`]): its sliders change one trial and everything
//! on the page answers at once.
//!
//! The panel is markup written into its element; one listener per event kind (click,
//! input, change) answers its controls. It is written anew when what it shows changes,
//! not while a slider moves (which would take the slider from under the pointer).

use super::State;
use super::plot::{PNG_SCALE, file_stem};
use crate::browser;
use crate::gosh;
use crate::history::Edit;
use crate::jobs::{self, Job, Reply, Writing};
use crate::project::Project;
use crate::views::{self, Shown};
use crate::whatif::{Knob, WhatIf};
use grove_core::forest::escape;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Id of the element that holds the panel.
pub const HOST_ID: &str = "views-host";

/// Keeps the views panel in its element and answers its controls.
pub fn keep(state: State) {
    let shown = RwSignal::new(None::<Shown>);
    let drawn = RwSignal::new(String::new());
    // Bumped when the sandbox's controls are to be written anew.
    let knobs = RwSignal::new(0_u32);
    // The GOSH view's model and highlighted trial; a change runs it again.
    let gosh_choice = RwSignal::new(gosh::Choice::default());
    // A view drawn by the page's worker, or GOSH fitted in its own; either way, the
    // markup or why there is none. Leaving GOSH ends its run.
    Effect::new(move |_| {
        let shown = shown.get();
        if shown != Some(Shown::Gosh) {
            gosh::cancel();
        }
        let done = move |result: Result<String, String>| {
            drawn.set(result.unwrap_or_else(|why| {
                format!(r#"<p class="undefined">Not drawn: {}.</p>"#, escape(&why))
            }))
        };
        match shown {
            Some(Shown::View(view)) => {
                let project = state.project.with(Project::only_active).to_json();
                jobs::run(Job::View { project, view }, move |reply| {
                    done(match reply {
                        Reply::Text(html) => Ok(html),
                        Reply::Failed(why) => Err(why),
                        Reply::Review { .. } => Ok(String::new()),
                    })
                });
            }
            Some(Shown::Written(what)) => {
                let project = state.project.with(Project::to_json);
                jobs::text_of(Job::Write { project, what }, done);
            }
            Some(Shown::Gosh) => {
                let choice = gosh_choice.get();
                match state
                    .report
                    .with(|r| gosh::Request::of(r, choice.base, choice.highlight))
                {
                    Ok(request) => {
                        drawn.set(gosh::running(0, request.subsets()));
                        gosh::start(&request, Box::new(done));
                    }
                    Err(why) => drawn.set(format!(r#"<p class="undefined">{}.</p>"#, escape(&why))),
                }
            }
            _ => {}
        }
    });
    Effect::new(move |_| {
        knobs.track();
        let body = match shown.get() {
            Some(Shown::WhatIf) => state.whatif.with_untracked(|w| match w {
                Some(w) => state.project.with_untracked(|p| w.markup(p)),
                None => "<p>There is no valid trial to change.</p>".to_owned(),
            }),
            Some(Shown::Gosh) => {
                let labels = state.report.with_untracked(|r| {
                    let e = r.analysis.estimable();
                    e.index.iter().map(|&i| r.label(i)).collect::<Vec<_>>()
                });
                let choice = gosh_choice.get_untracked();
                gosh::controls(&labels, choice.base, choice.highlight) + &drawn.get()
            }
            _ => drawn.get(),
        };
        let document = web_sys::window().and_then(|w| w.document());
        let Some((document, host)) =
            document.and_then(|d| Some((d.clone(), d.get_element_by_id(HOST_ID)?)))
        else {
            return;
        };
        // The control with the focus keeps it, and what is being typed into it, when
        // the panel is written anew (a judgement chosen, a field left with Tab).
        let focused = document
            .active_element()
            .filter(|e| host.contains(Some(e)))
            .and_then(|e| {
                Some((
                    e.get_attribute("name")?,
                    js_sys::Reflect::get(&e, &"value".into()).ok()?,
                ))
            });
        host.set_inner_html(&views::panel(shown.get_untracked(), &body));
        if let Some((name, value)) = focused
            && let Ok(Some(e)) = host.query_selector(&format!("[name='{name}']"))
        {
            if e.get_attribute("type").as_deref() == Some("text") {
                let _ = js_sys::Reflect::set(&e, &"value".into(), &value);
            }
            if let Ok(e) = e.dyn_into::<web_sys::HtmlElement>() {
                let _ = e.focus();
            }
        }
    });
    // Back to the data: the trial's row as typed, as one step.
    let restore = move || {
        if let Some(w) = state.whatif.get_untracked()
            && state.project.with_untracked(|p| w.saved(p) != *p)
        {
            state.change(Edit::Step, |p| w.restore(p));
        }
    };
    let click = window_event_listener(leptos::ev::click, move |ev| {
        let Some(action) = browser::data_action(&ev) else {
            return;
        };
        match action.as_str() {
            "copy-paragraph" => {
                copy_paragraph();
                return;
            }
            "export-r" => {
                // Written in the worker, which carries the engine's R export.
                let project = state.project.with_untracked(Project::to_json);
                let job = Job::Write {
                    project,
                    what: Writing::RScript,
                };
                jobs::text_of(job, move |r| {
                    let done = r.and_then(|script| {
                        browser::download(
                            &browser::data_url("text/plain", &script),
                            "grove-analysis.R",
                        )
                        .map_err(|e| e.to_string())
                    });
                    if let Err(why) = done {
                        state.say(format!("The R script was not written: {why}."), true);
                    }
                });
                return;
            }
            "whatif-restore" => {
                restore();
                knobs.update(|k| *k += 1);
                return;
            }
            "whatif-keep" => {
                state.whatif.set(None);
                shown.set(None);
                return;
            }
            "gosh-cancel" => {
                gosh::cancel();
                drawn.set(gosh::CANCELLED.to_owned());
                return;
            }
            "gosh-run" => {
                gosh_choice.update(|c| c.runs += 1);
                return;
            }
            _ => {}
        }
        // A view's own controls (`view-set-CODE`) change it: trim-and-fill on the funnel.
        if let Some(view) = action
            .strip_prefix("view-set-")
            .and_then(views::View::from_code)
        {
            drawn.set(String::new());
            shown.set(Some(Shown::View(view)));
            browser::focus_soon(format!(
                "[data-action^='view-set-{}']",
                view.button().code()
            ));
            return;
        }
        if let Some(choice) = action.strip_prefix("view-").and_then(Shown::from_code) {
            // Its button again closes a view.
            let again = shown.get_untracked().map(Shown::button) == Some(choice);
            if shown.get_untracked() == Some(Shown::WhatIf) {
                restore();
                state.whatif.set(None);
            }
            if choice == Shown::WhatIf && !again {
                state
                    .whatif
                    .set(state.project.with_untracked(WhatIf::first));
            }
            drawn.set(String::new());
            shown.set((!again).then_some(choice));
            browser::focus_soon(format!("[data-action='{action}']"));
            return;
        }
        let (
            Some(
                view @ (Shown::View(_)
                | Shown::Gosh
                | Shown::Written(Writing::RiskOfBias | Writing::Findings)),
            ),
            true,
        ) = (shown.get_untracked(), action.starts_with("view-"))
        else {
            return;
        };
        let Some(svg) = drawn.with_untracked(|html| views::svg_in(html).map(str::to_owned)) else {
            return;
        };
        let stem = state
            .project
            .with_untracked(|p| file_stem(&p.active().name));
        // The summary of findings is the whole project's.
        let name = if view == Shown::Written(Writing::Findings) {
            "summary-of-findings".to_owned()
        } else {
            format!("{stem}-{}", view.code())
        };
        if action == "view-svg" {
            let _ = browser::download(
                &browser::data_url("image/svg+xml", &svg),
                &format!("{name}.svg"),
            );
        } else if let Some((w, h)) = views::svg_size(&svg) {
            browser::download_png(&svg, w, h, PNG_SCALE, &format!("{name}.png"), move |r| {
                if let Err(why) = r {
                    state.say(format!("The PNG was not made: {why}."), true);
                }
            });
        }
    });
    // A slider moved (`input`): the trial changes at once (one step of undo for the whole
    // drag), and the slider's words follow. Let go (`change`), or another trial chosen:
    // the controls are written anew. One listener for both.
    let slider = move |ev: web_sys::Event| {
        // A risk-of-bias judgement chosen: kept for the study in every outcome.
        if let Some((row, domain)) =
            browser::target_name(&ev).and_then(|n| crate::rob_view::from_name(&n))
        {
            let value = leptos::prelude::event_target_value(&ev);
            state.change(Edit::Step, |p| p.set_judgement(row, domain, value));
            browser::focus_soon(format!(
                "[name='{}']",
                crate::rob_view::control_name(row, domain)
            ));
            return;
        }
        // A GRADE judgement, its reason or a threshold, kept with the outcome.
        if ev.type_() == "change"
            && let Some(control) =
                browser::target_name(&ev).and_then(|n| crate::sof_view::Control::from_name(&n))
        {
            use crate::sof_view::{Control, concern_of};
            let value = leptos::prelude::event_target_value(&ev);
            state.change(Edit::Step, |p| match control {
                Control::Concern(o, d) => p.set_grade(o, d, concern_of(&value)),
                Control::Reason(o, d) => p.set_grade_reason(o, d, value),
                Control::Threshold(o, w) => p.set_threshold(o, w, value),
                Control::Risk(o, _) => {
                    if let Some(o) = p.outcomes.get_mut(o) {
                        o.control_risk = value;
                    }
                }
            });
            return;
        }
        // The GOSH view's selects: its model, the highlighted trial.
        if let Some((which, value)) = gosh_target(&ev) {
            if ev.type_() == "change" {
                gosh_choice.update(|c| *c = c.with(&which, &value));
                browser::focus_soon(format!("[data-gosh='{which}']"));
            }
            return;
        }
        let Some((code, value, target)) = whatif_target(&ev) else {
            return;
        };
        if ev.type_() == "change" {
            if code == "row" {
                restore();
                let row = value.parse::<usize>().ok();
                let next = state
                    .project
                    .with_untracked(|p| row.and_then(|r| WhatIf::new(p, r)));
                state.whatif.set(next);
            }
            knobs.update(|k| *k += 1);
            browser::focus_soon(format!("[data-whatif='{code}']"));
            return;
        }
        let (Some(knob), Some(w)) = (Knob::from_code(&code), state.whatif.get_untracked()) else {
            return;
        };
        let Ok(value) = value.parse::<i64>() else {
            return;
        };
        state.change(Edit::Cell(w.outcome, w.row, "what-if"), |p| {
            w.apply(p, knob, value)
        });
        if let Some(words) = state.project.with_untracked(|p| w.shown(p, knob)) {
            let _ = target.set_attribute("aria-valuetext", &words);
            if let Some(output) = target.next_element_sibling() {
                output.set_text_content(Some(&words));
            }
        }
    };
    let input = window_event_listener_untyped("input", slider);
    let change = window_event_listener_untyped("change", slider);
    on_cleanup(move || {
        click.remove();
        input.remove();
        change.remove();
    });
}

/// Copies the results paragraph shown, and says whether it was copied.
fn copy_paragraph() {
    let document = web_sys::window().and_then(|w| w.document());
    let find = |testid: &str| {
        document.as_ref().and_then(|d| {
            d.query_selector(&format!("[data-testid='{testid}']"))
                .ok()
                .flatten()
        })
    };
    let (Some(text), Some(status)) = (
        find("paragraph").and_then(|p| p.text_content()),
        find("paragraph-status"),
    ) else {
        return;
    };
    browser::copy_text(&text, move |r| {
        status.set_text_content(Some(&match r {
            Ok(()) => "Copied.".to_owned(),
            Err(why) => format!("Not copied: {why}"),
        }));
    });
}

/// For an event on a GOSH control: its `data-gosh` code and its value.
fn gosh_target(ev: &web_sys::Event) -> Option<(String, String)> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let code = target.get_attribute("data-gosh")?;
    let value = js_sys::Reflect::get(&target, &"value".into())
        .ok()?
        .as_string()?;
    Some((code, value))
}

/// For an event on a sandbox control: its `data-whatif` code, its value and the element.
fn whatif_target(ev: &web_sys::Event) -> Option<(String, String, web_sys::Element)> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let code = target.get_attribute("data-whatif")?;
    let value = js_sys::Reflect::get(&target, &"value".into())
        .ok()?
        .as_string()?;
    Some((code, value, target))
}
