//! One tab per outcome of the review, and the outcome's name.

use super::{PasteSession, State};
use leptos::prelude::*;

/// The outcome tabs with add and remove.
#[component]
pub fn OutcomeTabs() -> impl IntoView {
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
                        aria-controls="main"
                        on:click=move |_| select(i)
                    >
                        {move || state.project.with(|p| p.outcomes.get(i).map(|o| o.name.clone()).unwrap_or_default())}
                    </button>
                </For>
            </div>
            <button type="button" class="ghost" data-testid="add-outcome"
                on:click=move |_| { state.project.update(|p| p.add_outcome()); state.paste.set(PasteSession::default()); }>
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
                    on:input=move |ev| { let v = event_target_value(&ev); state.project.update(|p| p.active_mut().name = v); }/>
            </label>
            <Show when=move || many.get()>
                <button type="button" class="ghost small" data-testid="remove-outcome"
                    on:click=move |_| { state.project.update(|p| { let i = p.active; p.remove_outcome(i); }); state.paste.set(PasteSession::default()); }>
                    "Remove outcome"
                </button>
            </Show>
        </div>
    }
}
