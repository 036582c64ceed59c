//! The forest plot as it is exported, and the exports: SVG, PNG, CSV, and the project
//! file (save and open).

use super::State;
use crate::browser;
use crate::project::Project;
use grove_core::forest::{
    ARIA_LABELLEDBY, BACKGROUND, DESC_ID, FONT_FAMILY, Layout, TEXT_FILL, TITLE_ID,
};
use leptos::prelude::*;
use leptos::svg;
use wasm_bindgen::JsCast;

/// Resolution of PNG exports: 300 dots per inch for a plot measured at 96 CSS px per inch.
pub const PNG_SCALE: f64 = 300.0 / 96.0;

/// A file name made of the outcome's name: letters, digits and dashes.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "grove".to_owned()
    } else {
        stem
    }
}

/// The plot and its exports.
#[component]
pub fn PlotPanel() -> impl IntoView {
    let state = expect_context::<State>();
    // Exports are written when asked for, not on every edit: a click puts the file into
    // the link's `href` just before the browser follows it.
    let file_svg = move || state.layout.with_untracked(|l| l.to_svg());
    let fill_href = |ev: &leptos::ev::MouseEvent, href: String| {
        if let Some(a) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = a.set_attribute("href", &href);
        }
    };
    let svg_click = move |ev: leptos::ev::MouseEvent| {
        fill_href(&ev, browser::data_url("image/svg+xml", &file_svg()));
    };
    let csv_click = move |ev: leptos::ev::MouseEvent| {
        let csv = state.report.with_untracked(|r| r.csv());
        fill_href(&ev, browser::data_url("text/csv", &csv));
    };
    let stem = Memo::new(move |_| state.project.with(|p| file_stem(&p.active().name)));
    let source = Memo::new(move |_| state.project.with(|p| p.active().source.clone()));
    let png = move |_| {
        let (w, h) = state.layout.with_untracked(|l| (l.width, l.height));
        let name = format!("{}-forest.png", stem.get_untracked());
        browser::download_png(&file_svg(), w, h, PNG_SCALE, &name, move |r| {
            if let Err(why) = r {
                state.say(format!("The PNG was not made: {why}."), true);
            }
        });
    };
    view! {
        <h2 id="plot-heading">"Forest plot"</h2>
        <div class="plot-scroll"><ForestSvg/></div>
        <p class="source">{move || source.get()}</p>
        <div class="exports" role="group" aria-label="Export">
            <a class="button" data-testid="export-svg" href="#" on:click=svg_click
                download=move || format!("{}-forest.svg", stem.get())>"SVG"</a>
            <button type="button" data-testid="export-png" on:click=png>"PNG (300 dpi)"</button>
            <a class="button" data-testid="export-csv" href="#" on:click=csv_click
                download=move || format!("{}-results.csv", stem.get())>"CSV"</a>
        </div>
    }
}

/// The forest plot: the exported document, element for element, with each group of
/// shapes ([`Layout::groups`]) a `<g>` of its own whose content is a memo. An edit
/// usually changes a few groups (one study's row, the weights, the squares, the pooled
/// rows), and only those are rewritten and laid out again.
#[component]
fn ForestSvg() -> impl IntoView {
    let layout = expect_context::<State>().layout;
    let root = Memo::new(move |_| layout.with(Layout::root));
    let root_attr = move |name: &'static str| {
        move || root.with(|r| r.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
    };
    let groups = Memo::new(move |_| layout.with(|l| l.groups.len()));
    svg::svg()
        .attr("data-testid", "forest-plot")
        .attr("version", "1.1")
        .attr("width", root_attr("width"))
        .attr("height", root_attr("height"))
        .attr("viewBox", root_attr("viewBox"))
        .attr("role", "img")
        .attr("aria-labelledby", ARIA_LABELLEDBY)
        .attr("font-family", FONT_FAMILY)
        .attr("font-size", root_attr("font-size"))
        .attr("fill", TEXT_FILL)
        .child((
            svg::title()
                .attr("id", TITLE_ID)
                .child(move || layout.with(|l| l.title.clone())),
            svg::desc()
                .attr("id", DESC_ID)
                .child(move || layout.with(|l| l.description.clone())),
            svg::rect()
                .attr("width", "100%")
                .attr("height", "100%")
                .attr("fill", BACKGROUND),
            view! {
                <For each=move || 0..groups.get() key=|i| *i let:index>
                    <ShapeGroup index=index/>
                </For>
            },
        ))
}

/// One group of the plot's shapes.
#[component]
fn ShapeGroup(index: usize) -> impl IntoView {
    let layout = expect_context::<State>().layout;
    let content = Memo::new(move |_| layout.with(|l| l.group_svg(index)));
    svg::g().inner_html(move || content.get())
}

/// Saving the project to a file and opening one.
#[component]
pub fn ProjectFiles() -> impl IntoView {
    let state = expect_context::<State>();
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let save = move |_| {
        let json = state.project.with_untracked(Project::to_json);
        if let Err(why) = browser::download(
            &browser::data_url("application/json", &json),
            "grove-project.json",
        ) {
            state.say(format!("The project was not saved: {why}."), true);
        }
    };
    let open = move |ev: leptos::ev::Event| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = browser::chosen_file(&el) {
            state.open_file(file);
        }
        el.set_value("");
    };
    view! {
        <button type="button" class="ghost" data-testid="save-project" on:click=save>"Save project"</button>
        <label class="button ghost file-button">
            "Open project"
            <input type="file" accept=".json,application/json" class="visually-hidden"
                data-testid="open-project" node_ref=input on:change=open/>
        </label>
        <label class="button ghost file-button" title="A RevMan 5 review (.rm5); you can also drop it on the page">
            "Open a RevMan file"
            <input type="file" accept=".rm5,.xml" class="visually-hidden"
                data-testid="open-revman" on:change=open/>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_names_are_plain() {
        assert_eq!(file_stem("Tuberculosis"), "tuberculosis");
        assert_eq!(
            file_stem("Adverse events (serious)"),
            "adverse-events-serious"
        );
        assert_eq!(file_stem("<>"), "grove");
    }
}
