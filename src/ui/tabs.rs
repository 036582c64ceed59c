//! The outcomes of the project: one tab each while they are few, a searchable list
//! grouped by comparison when a review brings many; and the active outcome's name.

use super::{PasteSession, State};
use crate::browser;
use crate::history::Edit;
use crate::project::{Entry, Project};
use grove_core::forest::escape;
use leptos::prelude::*;
use std::fmt::Write;
use wasm_bindgen::JsCast;

/// Up to this many outcomes of no review are shown as tabs.
const MAX_TABS: usize = 6;

/// Tabs, or the list when there are many outcomes or any comes from a review. The tabs
/// and the list's groups are markup ([`outcomes_markup`]), their clicks and keys caught
/// on the `<nav>`; only the list's search field is an element of its own, so that it
/// keeps the focus while a search is typed.
#[component]
pub fn OutcomeTabs() -> impl IntoView {
    let state = expect_context::<State>();
    let query = RwSignal::new(String::new());
    let list = Memo::new(move |_| state.project.with(is_list));
    let html = Memo::new(move |_| {
        query.with(|q| state.project.with(|p| outcomes_markup(p, is_list(p), q)))
    });
    let count = Memo::new(move |_| state.project.with(|p| p.outcomes.len()));
    let select = move |i: usize| {
        state.project.update(|p| p.select(i));
        state.paste.set(PasteSession::default());
    };
    let target = |ev: &web_sys::Event, css: &str| {
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(css).ok().flatten())
    };
    let click = move |ev: web_sys::MouseEvent| {
        if target(
            &ev,
            ".outcome-list-head button, [data-testid='add-outcome']",
        )
        .is_some()
        {
            state.change(Edit::Step, |p| p.add_outcome());
            state.paste.set(PasteSession::default());
        } else if let Some(i) = target(&ev, "[data-outcome]")
            .and_then(|e| e.get_attribute("data-outcome"))
            .and_then(|i| i.parse().ok())
        {
            select(i);
        }
    };
    // Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern).
    let keydown = move |ev: web_sys::KeyboardEvent| {
        let Some(i) = target(&ev, "[role='tab']")
            .and_then(|e| e.get_attribute("data-outcome"))
            .and_then(|i| i.parse::<usize>().ok())
        else {
            return;
        };
        let n = count.get_untracked();
        let to = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % n,
            "ArrowLeft" => (i + n - 1) % n,
            "Home" => 0,
            "End" => n - 1,
            _ => return,
        };
        ev.prevent_default();
        select(to);
        browser::focus_soon(format!("[data-testid='outcome-tab']:nth-child({})", to + 1));
    };
    view! {
        <nav class=move || if list.get() { "outcome-list" } else { "tabs" } aria-label="Outcomes"
            on:click=click on:keydown=keydown>
            <div class="outcome-list-head" hidden=move || !list.get()>
                <h2>{move || format!("Outcomes ({})", count.get())}</h2>
                <input type="search" data-testid="outcome-search" placeholder="Search outcomes"
                    aria-label="Search outcomes"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
                // Named only while shown: the tabs' markup has the button otherwise.
                <button type="button" class="ghost"
                    data-testid=move || list.get().then_some("add-outcome")>"+ Outcome"</button>
            </div>
            <div class="outcome-body" inner_html=move || html.get()></div>
        </nav>
    }
}

/// Whether the outcomes are shown as a list: many of them, or any from a review.
fn is_list(p: &Project) -> bool {
    p.outcomes.len() > MAX_TABS || p.outcomes.iter().any(|o| o.revman.is_some())
}

/// The outcomes as markup: the tabs and the add button, or (`list`) the outcomes whose
/// name or comparison contains `query`, grouped by comparison, those not analysed shown
/// with the reason. Each outcome's element carries its index in `data-outcome`.
pub fn outcomes_markup(p: &Project, list: bool, query: &str) -> String {
    let mut out = String::new();
    if !list {
        out.push_str(r#"<div role="tablist" aria-label="Outcomes of the review">"#);
        for (i, o) in p.outcomes.iter().enumerate() {
            let active = p.active == i;
            let _ = write!(
                out,
                r#"<button type="button" role="tab" data-testid="outcome-tab" data-outcome="{i}" aria-selected="{active}" tabindex="{}" aria-controls="main">{}</button>"#,
                if active { 0 } else { -1 },
                escape(&o.name)
            );
        }
        out.push_str(r#"</div><button type="button" class="ghost" data-testid="add-outcome">+ Outcome</button>"#);
        return out;
    }
    out.push_str(r#"<div class="outcome-groups">"#);
    let groups = p.outcome_groups(query);
    if groups.is_empty() {
        out.push_str(r#"<p class="muted">No outcome matches.</p>"#);
    }
    for g in groups {
        let heading = if g.comparison.is_empty() {
            "Your outcomes".to_owned()
        } else {
            format!("Comparison {}", g.comparison)
        };
        let _ = write!(
            out,
            r#"<section class="outcome-group"><h3>{}</h3><ul>"#,
            escape(&heading)
        );
        for e in g.entries {
            match e {
                Entry::Outcome(i) => {
                    let _ = write!(
                        out,
                        r#"<li><button type="button" class="outcome-item" data-testid="outcome-item" data-outcome="{i}"{}>{}</button></li>"#,
                        if p.active == i {
                            r#" aria-current="true""#
                        } else {
                            ""
                        },
                        escape(&p.outcomes[i].name)
                    );
                }
                Entry::Unsupported(u) => {
                    if let Some(u) = p.unsupported.get(u) {
                        let reason = escape(&u.reason);
                        let _ = write!(
                            out,
                            r#"<li><span class="outcome-item unsupported" data-testid="outcome-unsupported" title="Not analysed: {reason}">{} {}<span class="visually-hidden"> (not analysed: {reason})</span></span></li>"#,
                            escape(&u.number),
                            escape(&u.name)
                        );
                    }
                }
            }
        }
        out.push_str("</ul></section>");
    }
    out.push_str("</div>");
    out
}

/// The active outcome's name and a button removing it.
#[component]
pub fn OutcomeName() -> impl IntoView {
    let state = expect_context::<State>();
    let many = Memo::new(move |_| state.project.with(|p| p.outcomes.len() > 1));
    view! {
        <div class="outcome-name">
            <label>
                <span>"Outcome"</span>
                <input type="text" data-testid="outcome-name"
                    prop:value=move || state.project.with(|p| p.active().name.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); state.change(Edit::Text(state.project.with_untracked(|p| p.active), "name"), |p| p.active_mut().name = v); }/>
            </label>
            <Show when=move || many.get()>
                <button type="button" class="ghost small" data-testid="remove-outcome"
                    on:click=move |_| { state.change(Edit::Step, |p| { let i = p.active; p.remove_outcome(i); }); state.paste.set(PasteSession::default()); }>
                    "Remove outcome"
                </button>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_mark_the_active_outcome_and_names_are_escaped() {
        let mut p = Project::default();
        p.add_outcome();
        p.outcomes[1].name = "Deaths <30 days".to_owned();
        assert!(!is_list(&p));
        let html = outcomes_markup(&p, false, "");
        assert_eq!(html.matches(r#"role="tab""#).count(), 2);
        assert_eq!(html.matches(r#"aria-selected="true""#).count(), 1);
        assert!(html.contains(r#"data-outcome="1" aria-selected="true" tabindex="0""#));
        assert!(html.contains("Deaths &lt;30 days"));
        assert!(html.contains(r#"data-testid="add-outcome""#));
    }

    #[test]
    fn the_list_groups_and_filters_the_outcomes() {
        let mut p = Project::default();
        for _ in 0..MAX_TABS {
            p.add_outcome();
        }
        assert!(is_list(&p));
        let html = outcomes_markup(&p, true, "");
        assert_eq!(
            html.matches(r#"data-testid="outcome-item""#).count(),
            MAX_TABS + 1
        );
        assert!(html.contains("<h3>Your outcomes</h3>"));
        assert_eq!(html.matches(r#"aria-current="true""#).count(), 1);
        let none = outcomes_markup(&p, true, "no such outcome");
        assert!(none.contains("No outcome matches."));
    }
}
