//! "How was this computed?": a number of the results tables, clicked (or Enter on it,
//! as it is a button), opens a panel with its derivation. The derivations are made in the
//! page's worker ([`crate::jobs`]), from the active outcome; the panel is markup written
//! into its element, and closes when the data change.

use super::State;
use crate::jobs::{self, Job, Reply};
use crate::project::Project;
use grove_core::forest::escape;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Id of the element that holds the panel.
pub const HOST_ID: &str = "explain-host";

/// What the panel shows: being made, the derivations' markup, or why there is none.
#[derive(Debug, Clone, PartialEq)]
enum Panel {
    Making,
    Shown(String),
    Failed(String),
}

impl Panel {
    fn markup(&self) -> String {
        let body = match self {
            Panel::Making => "<p>Working it out…</p>".to_owned(),
            Panel::Shown(html) => html.clone(),
            Panel::Failed(why) => format!(
                r#"<p class="undefined">Not explained: {}.</p>"#,
                escape(why)
            ),
        };
        format!(
            r#"<section class="explain-panel" tabindex="-1" aria-labelledby="explain-title" data-testid="explain-panel"><h3 id="explain-title">How was this computed?</h3>{body}<button type="button" class="ghost" data-action="explain-close" data-testid="explain-close">Close</button></section>"#
        )
    }
}

/// Answers clicks on the numbers of the results tables and keeps the panel in its
/// element.
pub fn keep(state: State) {
    let panel = RwSignal::new(None::<Panel>);
    // New data, new numbers: an open explanation would be out of date.
    Effect::new(move |first: Option<()>| {
        state.project.track();
        if first.is_some() && panel.with_untracked(Option::is_some) {
            panel.set(None);
        }
    });
    Effect::new(move |_| {
        let html = panel.with(|p| p.as_ref().map(Panel::markup).unwrap_or_default());
        let host = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(HOST_ID));
        if let Some(host) = host {
            host.set_inner_html(&html);
            if let Some(section) = host
                .first_element_child()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = section.focus();
            }
        }
    });
    let click = window_event_listener(leptos::ev::click, move |ev| {
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if target
            .closest("[data-action='explain-close']")
            .ok()
            .flatten()
            .is_some()
        {
            panel.set(None);
            return;
        }
        let keys = target
            .closest("[data-explain]")
            .ok()
            .flatten()
            .and_then(|e| e.get_attribute("data-explain"));
        let Some(keys) = keys else {
            return;
        };
        let project = state.project.with_untracked(Project::only_active).to_json();
        panel.set(Some(Panel::Making));
        jobs::run(Job::Explain { project, keys }, move |reply| {
            panel.set(Some(match reply {
                Reply::Text(html) => Panel::Shown(html),
                Reply::Failed(why) => Panel::Failed(why),
                Reply::Review { .. } => {
                    Panel::Failed("the worker answered something else".to_owned())
                }
            }));
        });
    });
    on_cleanup(move || click.remove());
}
