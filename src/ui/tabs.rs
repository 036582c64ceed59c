//! The outcomes of the project: one tab each while they are few, a searchable list
//! grouped by comparison when a review brings many; and the active outcome's name.

use super::{PasteSession, State};
use crate::browser;
use crate::history::Edit;
use crate::project::Entry;
use leptos::prelude::*;

/// Up to this many outcomes of no review are shown as tabs.
const MAX_TABS: usize = 6;

/// Tabs, or the list when there are many outcomes or any comes from a review.
#[component]
pub fn OutcomeTabs() -> impl IntoView {
    let state = expect_context::<State>();
    let list = Memo::new(move |_| {
        state
            .project
            .with(|p| p.outcomes.len() > MAX_TABS || p.outcomes.iter().any(|o| o.revman.is_some()))
    });
    move || {
        if list.get() {
            view! { <OutcomeList/> }.into_any()
        } else {
            view! { <Tabs/> }.into_any()
        }
    }
}

/// The outcomes as a list grouped by comparison, with a search field.
#[component]
fn OutcomeList() -> impl IntoView {
    let state = expect_context::<State>();
    let query = RwSignal::new(String::new());
    let groups = Memo::new(move |_| {
        let q = query.get();
        state.project.with(|p| p.outcome_groups(&q))
    });
    let count = Memo::new(move |_| state.project.with(|p| p.outcomes.len()));
    let select = move |i: usize| {
        state.project.update(|p| p.select(i));
        state.paste.set(PasteSession::default());
    };
    let item = move |i: usize| {
        let name = move || {
            state.project.with(|p| {
                p.outcomes
                    .get(i)
                    .map(|o| o.name.clone())
                    .unwrap_or_default()
            })
        };
        let current = move || state.project.with(|p| p.active == i);
        view! {
            <li>
                <button type="button" class="outcome-item" data-testid="outcome-item"
                    aria-current=move || current().then_some("true")
                    on:click=move |_| select(i)>
                    {name}
                </button>
            </li>
        }
    };
    view! {
        <nav class="outcome-list" aria-label="Outcomes">
            <div class="outcome-list-head">
                <h2>{move || format!("Outcomes ({})", count.get())}</h2>
                <input type="search" data-testid="outcome-search" placeholder="Search outcomes"
                    aria-label="Search outcomes"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="button" class="ghost" data-testid="add-outcome"
                    on:click=move |_| { state.change(Edit::Step, |p| p.add_outcome()); state.paste.set(PasteSession::default()); }>
                    "+ Outcome"
                </button>
            </div>
            <div class="outcome-groups">
                {move || {
                    let groups = groups.get();
                    if groups.is_empty() {
                        return view! { <p class="muted">"No outcome matches."</p> }.into_any();
                    }
                    groups
                        .into_iter()
                        .map(|g| {
                            let heading = if g.comparison.is_empty() {
                                "Your outcomes".to_owned()
                            } else {
                                format!("Comparison {}", g.comparison)
                            };
                            let entries = g
                                .entries
                                .into_iter()
                                .map(|e| match e {
                                    Entry::Outcome(i) => item(i).into_any(),
                                    Entry::Unsupported(u) => {
                                        let u = state.project.with_untracked(|p| p.unsupported.get(u).cloned());
                                        u.map(|u| view! {
                                            <li>
                                                <span class="outcome-item unsupported" data-testid="outcome-unsupported"
                                                    title=format!("Not analysed: {}", u.reason)>
                                                    {format!("{} {}", u.number, u.name)}
                                                    <span class="visually-hidden">{format!(" (not analysed: {})", u.reason)}</span>
                                                </span>
                                            </li>
                                        })
                                        .into_any()
                                    }
                                })
                                .collect_view();
                            view! {
                                <section class="outcome-group">
                                    <h3>{heading}</h3>
                                    <ul>{entries}</ul>
                                </section>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </div>
        </nav>
    }
}

/// The outcome tabs with add and remove.
#[component]
fn Tabs() -> impl IntoView {
    let state = expect_context::<State>();
    let count = Memo::new(move |_| state.project.with(|p| p.outcomes.len()));
    let select = move |i: usize| {
        state.project.update(|p| p.select(i));
        state.paste.set(PasteSession::default());
    };
    view! {
        <nav class="tabs" aria-label="Outcomes">
            <div role="tablist" aria-label="Outcomes of the review">
                <For each=move || 0..count.get() key=|i| *i let:i>
                    <button
                        type="button"
                        role="tab"
                        data-testid="outcome-tab"
                        aria-selected=move || (state.project.with(|p| p.active) == i).to_string()
                        tabindex=move || if state.project.with(|p| p.active) == i { "0" } else { "-1" }
                        aria-controls="main"
                        on:click=move |_| select(i)
                        on:keydown=move |ev| {
                            // Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern).
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
                        }
                    >
                        {move || state.project.with(|p| p.outcomes.get(i).map(|o| o.name.clone()).unwrap_or_default())}
                    </button>
                </For>
            </div>
            <button type="button" class="ghost" data-testid="add-outcome"
                on:click=move |_| { state.change(Edit::Step, |p| p.add_outcome()); state.paste.set(PasteSession::default()); }>
                "+ Outcome"
            </button>
        </nav>
    }
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
