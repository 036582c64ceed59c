//! Grove's web app: Leptos components over the `grove-core` engine.

use leptos::prelude::*;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    view! { <main><h1>"Grove"</h1><svg data-testid="forest-plot"></svg></main> }
}
