//! The analysis settings of the active outcome, each explained in a sentence where it is
//! chosen, and the labels of the arms. The settings are markup made by
//! [`crate::settings_view`] and answered by one listener for the whole grid (some ten
//! selects as Leptos views would cost the page several times their markup).

use super::State;
use crate::browser;
use crate::history::Edit;
use crate::settings_view::{self, Control, Refused};
use grove_core::report::ReportOptions;
use leptos::prelude::*;

/// The settings panel.
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let state = expect_context::<State>();
    let options = Memo::new(move |_| state.project.with(|p| p.active().options.clone()));
    // The last increment typed that the analysis does not use, kept in its field.
    let refused = RwSignal::new(None::<Refused>);
    let html = Memo::new(move |_| {
        refused.with(|r| options.with(|o| settings_view::markup(o, r.as_ref())))
    });
    // The control just changed, focused again once the grid is written anew.
    let refocus = |testid: &str| browser::focus_soon(format!("[data-testid='{testid}']"));
    let change = move |ev: leptos::ev::Event| {
        let Some(control) = browser::target_name(&ev).and_then(|t| Control::from_testid(&t)) else {
            return;
        };
        let value = match control {
            Control::Prediction if event_target_checked(&ev) => "on".to_owned(),
            Control::Prediction => "off".to_owned(),
            _ => event_target_value(&ev),
        };
        let outcome = state.project.with_untracked(|p| p.active().clone());
        let mut changed = outcome.clone();
        let result = settings_view::apply(&mut changed, control, &value);
        refused.set(result.err());
        if changed != outcome {
            state.change(Edit::Step, |p| *p.active_mut() = changed);
        }
        refocus(control.testid());
    };
    let click = move |ev: leptos::ev::MouseEvent| {
        if browser::data_action(&ev).as_deref() == Some("revman5") {
            refused.set(None);
            state.change(Edit::Step, |p| p.active_mut().apply_revman5());
            refocus("revman5");
        }
    };

    let text_field = move |label: &'static str,
                           testid: &'static str,
                           get: fn(&ReportOptions) -> String,
                           put: fn(&mut ReportOptions, String)| {
        view! {
            <label class="text-setting">
                <span>{label}</span>
                <input type="text" data-testid=testid
                    prop:value=move || options.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); state.change(Edit::Text(state.project.with_untracked(|p| p.active), testid), |p| put(&mut p.active_mut().options, v)); }/>
            </label>
        }
    };

    view! {
        <h2 id="settings-heading">"Analysis"</h2>
        <div class="settings-grid" inner_html=move || html.get() on:change=change on:click=click></div>
        <h3>"Labels"</h3>
        <div class="labels-grid">
            {text_field("Experimental arm", "arm-experimental", |o| o.arms[0].clone(), |o, v| o.arms[0] = v)}
            {text_field("Control arm", "arm-control", |o| o.arms[1].clone(), |o, v| o.arms[1] = v)}
            {text_field("Left of no effect", "favours-left", |o| o.favours[0].clone(), |o, v| o.favours[0] = v)}
            {text_field("Right of no effect", "favours-right", |o| o.favours[1].clone(), |o, v| o.favours[1] = v)}
        </div>
    }
}
