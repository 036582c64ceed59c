//! Grove's web app: Leptos components over the `grove-core` engine.
