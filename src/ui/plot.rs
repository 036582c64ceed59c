//! The forest plot as it is exported, and the exports: SVG, PNG, CSV, and the project
//! file (save and open).

use super::State;
use crate::browser;
use crate::project::Project;
use grove_core::forest::{
    ARIA_LABELLEDBY, BACKGROUND, DESC_ID, FONT_FAMILY, Layout, Shape, TEXT_FILL, TITLE_ID,
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
/// shapes ([`Layout::groups`]) a `<g>` of its own. An edit usually changes a few groups
/// (one study's row, the weights, the squares, the pooled rows): [`Groups::update`] writes
/// only those again, and the keyed list replaces only their elements.
#[component]
fn ForestSvg() -> impl IntoView {
    let layout = expect_context::<State>().layout;
    let root = Memo::new(move |_| layout.with(Layout::root));
    let root_attr = move |name: &'static str| {
        move || root.with(|r| r.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
    };
    let groups =
        Memo::new(move |previous: Option<&Groups>| layout.with(|l| Groups::update(previous, l)));
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
                <For each=move || groups.with(Groups::keyed) key=|(key, _)| *key let:group>
                    {svg::g().inner_html(group.1)}
                </For>
            },
        ))
}

/// The SVG text of each group of a laid-out plot, with the shapes it was written from and
/// a key that changes exactly when the text does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Groups {
    groups: Vec<Group>,
    /// The next key to hand out.
    next: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct Group {
    key: u64,
    shapes: Vec<Shape>,
    svg: String,
}

impl Groups {
    /// The groups of `layout`, reusing the text (and key) of each group of `previous`
    /// whose shapes are unchanged.
    pub fn update(previous: Option<&Groups>, layout: &Layout) -> Groups {
        let mut next = previous.map_or(0, |p| p.next);
        let groups = layout
            .groups
            .iter()
            .enumerate()
            .map(|(i, range)| {
                let shapes = layout.shapes.get(range.clone()).unwrap_or_default();
                match previous.and_then(|p| p.groups.get(i)) {
                    Some(old) if old.shapes == shapes => old.clone(),
                    _ => {
                        next += 1;
                        Group {
                            key: next,
                            shapes: shapes.to_vec(),
                            svg: layout.group_svg(i),
                        }
                    }
                }
            })
            .collect();
        Groups { groups, next }
    }

    /// Each group's key and text, in drawing order.
    pub fn keyed(&self) -> Vec<(u64, String)> {
        self.groups.iter().map(|g| (g.key, g.svg.clone())).collect()
    }
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
    use super::{Groups, file_stem};
    use grove_core::forest::{self, PlotOptions};
    use grove_core::parse;
    use grove_core::report::{Report, ReportOptions};

    fn layout(text: &str) -> forest::Layout {
        let rows = parse::parse(text).raw_rows();
        let report = Report::new(&rows, &ReportOptions::default());
        forest::layout(&report.forest(), &PlotOptions::default())
    }

    /// An edit rewrites the groups it changed and keeps the others, keys and all; the
    /// groups together are always the exported document's.
    #[test]
    fn an_edit_rewrites_only_the_groups_it_changed() {
        let trials: Vec<String> = (0..60)
            .map(|i| format!("Trial {i}\t{}\t100\t{}\t100", 5 + i % 7, 9 + i % 5))
            .collect();
        let before = layout(&trials.join("\n"));
        let first = Groups::update(None, &before);
        let mut edited = trials.clone();
        edited[30] = "Trial 30 (renamed)\t5\t100\t9\t100".to_owned();
        let after = layout(&edited.join("\n"));
        let second = Groups::update(Some(&first), &after);
        let (a, b) = (first.keyed(), second.keyed());
        assert_eq!(a.len(), b.len());
        let changed = a.iter().zip(&b).filter(|(x, y)| x.0 != y.0).count();
        assert!(
            changed >= 1 && changed < a.len() / 4,
            "{changed} of {} groups rewritten",
            a.len()
        );
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                x.0 == y.0,
                x.1 == y.1,
                "a key changes exactly when the text does"
            );
        }
        let document: String = b.iter().map(|(_, svg)| format!("<g>{svg}</g>")).collect();
        assert!(after.to_svg().contains(&document));
        // Unchanged data: nothing rewritten.
        assert_eq!(Groups::update(Some(&second), &after).keyed(), b);
    }

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
