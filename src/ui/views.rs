//! The views besides the forest plot (the L'Abbé plot): a button per view; the chosen
//! one is drawn by the page's worker ([`crate::views`]) and drawn again at every change
//! of the data while it is shown. The panel is markup written into its element, its
//! buttons answered by one listener; the exports are the file the worker made.

use super::State;
use super::plot::{PNG_SCALE, file_stem};
use crate::browser;
use crate::jobs::{self, Job, Reply};
use crate::project::Project;
use crate::views::{self, View};
use grove_core::forest::escape;
use leptos::prelude::*;

/// Id of the element that holds the panel.
pub const HOST_ID: &str = "views-host";

/// Keeps the views panel in its element and answers its buttons.
pub fn keep(state: State) {
    let chosen = RwSignal::new(None::<View>);
    let drawn = RwSignal::new(String::new());
    Effect::new(move |_| {
        let Some(view) = chosen.get() else {
            return;
        };
        let project = state.project.with(Project::only_active).to_json();
        jobs::run(Job::View { project, view }, move |reply| {
            drawn.set(match reply {
                Reply::Markup(html) => html,
                Reply::Failed(why) => {
                    format!(r#"<p class="undefined">Not drawn: {}.</p>"#, escape(&why))
                }
                Reply::Review { .. } => String::new(),
            })
        });
    });
    Effect::new(move |_| {
        let html = drawn.with(|d| views::panel(chosen.get(), d));
        let host = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(HOST_ID));
        if let Some(host) = host {
            host.set_inner_html(&html);
        }
    });
    let click = window_event_listener(leptos::ev::click, move |ev| {
        let Some(action) = browser::data_action(&ev) else {
            return;
        };
        if let Some(view) = action.strip_prefix("view-").and_then(View::from_code) {
            let shown = chosen.get_untracked() == Some(view);
            drawn.set(String::new());
            chosen.set((!shown).then_some(view));
            browser::focus_soon(format!("[data-action='{action}']"));
            return;
        }
        let (Some(view), true) = (chosen.get_untracked(), action.starts_with("view-")) else {
            return;
        };
        let Some(svg) = drawn.with_untracked(|html| views::svg_in(html).map(str::to_owned)) else {
            return;
        };
        let stem = state
            .project
            .with_untracked(|p| file_stem(&p.active().name));
        let name = format!("{stem}-{}", view.code());
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
    on_cleanup(move || click.remove());
}
