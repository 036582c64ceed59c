//! The forest plot as it is exported, and the exports: SVG, PNG, CSV, and the project
//! file (save and open).

use super::State;
use crate::browser;
use crate::project::Project;
use crate::viewport::WHOLE_PLOT_GROUPS;
use grove_core::forest::{BACKGROUND, FONT_FAMILY, Layout, Shape, TEXT_FILL};
use leptos::prelude::*;
use leptos::svg;
use wasm_bindgen::JsCast;

/// Resolution of PNG exports: 300 dots per inch for a plot measured at 96 CSS px per inch.
pub const PNG_SCALE: f64 = 300.0 / 96.0;

/// A file name made of the outcome's name: letters, digits and dashes.
pub fn file_stem(name: &str) -> String {
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
        <p class="hint">"Click a trial's name on the plot to switch it off or on, and a row's numbers to see how they were computed."</p>
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
/// shapes ([`Layout::groups`]) a `<g>` of its own; only the groups far from the view
/// (more than a window's height away) are empty `<g class="far">` until scrolled near,
/// and before printing every group is drawn. Chromium spends some 100 ms on 7,000 texts
/// merely present in a document, laid out or not, and a long plot has that many.
///
/// An edit usually changes a few groups (one study's row, the weights, the squares, the
/// pooled rows): [`Groups::update`] writes only those again, and [`Groups::patch`] says
/// which elements to replace. A new plot (a paste, another outcome) is written in one
/// piece, which the browser parses at once.
#[component]
fn ForestSvg() -> impl IntoView {
    let state = expect_context::<State>();
    let layout = state.layout;
    let root = Memo::new(move |_| layout.with(Layout::root));
    let root_attr = move |name: &'static str| {
        move || root.with(|r| r.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
    };
    let groups =
        Memo::new(move |previous: Option<&Groups>| layout.with(|l| Groups::update(previous, l)));
    let extents = Memo::new(move |_| layout.with(Layout::group_extents));
    let plot: NodeRef<svg::Svg> = NodeRef::new();
    let written = StoredValue::new(Vec::<Option<u64>>::new());
    // Writing the groups is the one thing that touches the DOM here, with the plain
    // `Groups::patch` deciding what to write. Where the plot is gets measured before
    // anything is written, so that measuring costs no layout of the new groups.
    let sync = move |svg: &web_sys::SvgElement, all: bool| {
        let width = layout.with_untracked(|l| l.width);
        // A short plot is drawn whole: measuring it would only force a layout mid-edit.
        let near = extents.with_untracked(|e| {
            if all || e.len() <= WHOLE_PLOT_GROUPS {
                vec![true; e.len()]
            } else {
                measure(svg, width).near(e)
            }
        });
        groups.with_untracked(|g| {
            written.update_value(|w| {
                let (patch, now) = g.patch(w, &near);
                write(svg, patch);
                *w = now;
            })
        });
    };
    Effect::new(move |_| {
        groups.track();
        extents.track();
        if let Some(svg) = plot.get() {
            sync(&svg, false);
        }
    });
    let follow = move |all: bool| {
        if let Some(svg) = plot.get_untracked() {
            sync(&svg, all);
        }
    };
    let listeners = [
        window_event_listener(leptos::ev::scroll, move |_| follow(false)),
        window_event_listener(leptos::ev::resize, move |_| follow(false)),
        window_event_listener(leptos::ev::beforeprint, move |_| follow(true)),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|l| l.remove()));
    // A click on a study's name switches it off or on; on a row's numbers, it shows how
    // they were computed (the hint under the plot says so). For the latter the plot
    // carries the row's keys in `data-explain` while the click bubbles on to the
    // explanations' listener (`super::explain`), as a number of the tables does.
    let click = move |ev: leptos::ev::MouseEvent| {
        let Some(svg) = plot.get_untracked() else {
            return;
        };
        let rect = svg.get_bounding_client_rect();
        let scale = rect.width() / layout.with_untracked(|l| l.width);
        let x = (f64::from(ev.client_x()) - rect.left()) / scale;
        let y = (f64::from(ev.client_y()) - rect.top()) / scale;
        let (row, keys) =
            layout.with_untracked(|l| (l.study_at(x, y), l.explain_at(x, y).map(str::to_owned)));
        let _ = match keys {
            Some(keys) => svg.set_attribute("data-explain", &keys),
            None => svg.remove_attribute("data-explain"),
        };
        if let Some(row) = row {
            state.change(super::Edit::Step, |p| p.active_mut().toggle_row(row));
        }
    };
    svg::svg()
        .node_ref(plot)
        .on(leptos::ev::click, click)
        .attr("data-testid", "forest-plot")
        .attr("version", "1.1")
        .attr("width", root_attr("width"))
        .attr("height", root_attr("height"))
        .attr("viewBox", root_attr("viewBox"))
        .attr("role", "img")
        .attr("aria-labelledby", move || layout.with(Layout::labelled_by))
        .attr("font-family", FONT_FAMILY)
        .attr("font-size", root_attr("font-size"))
        .attr("fill", TEXT_FILL)
        .child((
            svg::title()
                .attr("id", move || layout.with(Layout::title_id))
                .child(move || layout.with(|l| l.title.clone())),
            svg::desc()
                .attr("id", move || layout.with(Layout::desc_id))
                .child(move || layout.with(|l| l.description.clone())),
            svg::rect()
                .attr("width", "100%")
                .attr("height", "100%")
                .attr("fill", BACKGROUND),
        ))
}

/// Elements of the plot before its groups: the title, the description and the background.
const BEFORE_GROUPS: u32 = 3;

/// Where `svg` is in the window.
fn measure(svg: &web_sys::SvgElement, plot_width: f64) -> crate::viewport::PlotView {
    let rect = svg.get_bounding_client_rect();
    let height = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    crate::viewport::PlotView {
        above: -rect.top(),
        height,
        scale: rect.width() / plot_width,
    }
}

/// Makes the groups of `svg` what `patch` says.
fn write(svg: &web_sys::SvgElement, patch: Patch) {
    let keep = |n: u32| {
        while svg.child_element_count() > BEFORE_GROUPS + n {
            match svg.last_element_child() {
                Some(last) => last.remove(),
                None => break,
            }
        }
    };
    match patch {
        Patch::Whole(text) => {
            keep(0);
            let _ = svg.insert_adjacent_html("beforeend", &text);
        }
        Patch::Groups { changed, len } => {
            let children = svg.children();
            for (i, text) in changed {
                match children.item(BEFORE_GROUPS + i as u32) {
                    Some(child) => {
                        child.set_inner_html(text.as_deref().unwrap_or_default());
                        let _ = match text {
                            Some(_) => child.remove_attribute("class"),
                            None => child.set_attribute("class", FAR),
                        };
                    }
                    None => {
                        let _ = svg.insert_adjacent_html("beforeend", &wrapped(text.as_deref()));
                    }
                }
            }
            keep(len as u32);
        }
    }
}

/// The class of a group left empty because it is far from the view.
const FAR: &str = "far";

/// A group's element: its shapes, or empty and marked far.
fn wrapped(svg: Option<&str>) -> String {
    match svg {
        Some(svg) => format!("<g>{svg}</g>"),
        None => format!(r#"<g class="{FAR}"></g>"#),
    }
}

/// What to write into the plot to bring its groups from those it shows to new ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    /// Every group's element, in one piece.
    Whole(String),
    /// By position, each group to draw (`Some`) or to leave empty as far (`None`), and how
    /// many groups there are (the ones beyond are removed).
    Groups {
        changed: Vec<(usize, Option<String>)>,
        len: usize,
    },
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

    /// Each group's key, in drawing order.
    #[cfg(test)]
    fn keys(&self) -> Vec<u64> {
        self.groups.iter().map(|g| g.key).collect()
    }

    /// How to go from a plot whose groups hold `written` (the key of the group drawn, or
    /// `None` for an empty far group) to these, drawing every group that is `near` the
    /// view and leaving the others empty unless they already hold their current shapes.
    /// When most groups change, one piece of text is cheaper for the browser than many.
    /// Returns the patch and what the groups hold after it.
    pub fn patch(&self, written: &[Option<u64>], near: &[bool]) -> (Patch, Vec<Option<u64>>) {
        let now: Vec<Option<u64>> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let drawn = written.get(i) == Some(&Some(g.key));
                (drawn || near.get(i) != Some(&false)).then_some(g.key)
            })
            .collect();
        let text = |i: usize| now[i].and(self.groups.get(i)).map(|g| g.svg.clone());
        let changed: Vec<usize> = (0..now.len())
            .filter(|&i| written.get(i) != Some(&now[i]))
            .collect();
        let patch = if changed.len() * 2 > now.len() {
            Patch::Whole(
                (0..now.len())
                    .map(|i| wrapped(text(i).as_deref()))
                    .collect(),
            )
        } else {
            Patch::Groups {
                changed: changed.into_iter().map(|i| (i, text(i))).collect(),
                len: now.len(),
            }
        };
        (patch, now)
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
    use super::{Groups, Patch, file_stem};
    use grove_core::forest::{self, PlotOptions};
    use grove_core::parse;
    use grove_core::report::{Report, ReportOptions};

    fn layout(text: &str) -> forest::Layout {
        let rows = parse::parse(text).raw_rows();
        let report = Report::new(&rows, &ReportOptions::default());
        forest::layout(&report.forest(), &PlotOptions::default())
    }

    /// The page's groups after `patch`, as `write` leaves them: each group's shapes, or
    /// `None` for an empty far group.
    fn applied(mut shown: Vec<Option<String>>, patch: Patch) -> Vec<Option<String>> {
        match patch {
            Patch::Whole(text) => text
                .split("</g>")
                .filter(|g| !g.is_empty())
                .map(|g| match g.strip_prefix("<g>") {
                    Some(svg) => Some(svg.to_owned()),
                    None => {
                        assert_eq!(g, r#"<g class="far">"#);
                        None
                    }
                })
                .collect(),
            Patch::Groups { changed, len } => {
                for (i, svg) in changed {
                    match shown.get_mut(i) {
                        Some(old) => *old = svg,
                        None => shown.push(svg),
                    }
                }
                shown.truncate(len);
                shown
            }
        }
    }

    /// The exported document's groups, each wrapped.
    fn document(shown: &[Option<String>]) -> String {
        shown
            .iter()
            .map(|svg| format!("<g>{}</g>", svg.as_deref().expect("every group drawn")))
            .collect()
    }

    fn trials(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("Trial {i}\t{}\t100\t{}\t100", 5 + i % 7, 9 + i % 5))
            .collect()
    }

    /// A new plot is written whole; an edit rewrites the groups it changed and keeps the
    /// others, keys and all; the groups together are always the exported document's.
    #[test]
    fn an_edit_rewrites_only_the_groups_it_changed() {
        let trials = trials(60);
        let before = layout(&trials.join("\n"));
        let first = Groups::update(None, &before);
        let (patch, written) = first.patch(&[], &[]);
        let Patch::Whole(_) = patch else {
            panic!("a new plot is written whole");
        };
        let shown = applied(Vec::new(), patch);
        assert!(before.to_svg().contains(&document(&shown)));
        let mut edited = trials.clone();
        edited[30] = "Trial 30 (renamed)\t5\t100\t9\t100".to_owned();
        let after = layout(&edited.join("\n"));
        let second = Groups::update(Some(&first), &after);
        let (patch, written) = second.patch(&written, &[]);
        let Patch::Groups { changed, .. } = &patch else {
            panic!("an edit is written group by group");
        };
        assert!(
            !changed.is_empty() && changed.len() < second.groups.len() / 4,
            "{} of {} groups rewritten",
            changed.len(),
            second.groups.len()
        );
        for (i, (x, y)) in first.keys().iter().zip(second.keys()).enumerate() {
            assert_eq!(
                *x == y,
                first.groups[i].svg == second.groups[i].svg,
                "a key changes exactly when the text does"
            );
        }
        let shown = applied(shown, patch);
        assert!(after.to_svg().contains(&document(&shown)));
        // Unchanged data: nothing rewritten.
        let third = Groups::update(Some(&second), &after);
        assert_eq!(third.keys(), second.keys());
        let (patch, written) = third.patch(&written, &[]);
        assert_eq!(
            patch,
            Patch::Groups {
                changed: Vec::new(),
                len: written.len()
            }
        );
        // Fewer trials: the groups beyond are removed.
        let fewer = layout(&edited[..50].join("\n"));
        let fourth = Groups::update(Some(&third), &fewer);
        let shown = applied(shown, fourth.patch(&written, &[]).0);
        assert!(fewer.to_svg().contains(&document(&shown)));
    }

    /// Groups far from the view stay empty until they come near; an edit empties a far
    /// group whose shapes changed, and keeps a far group that still holds its shapes.
    #[test]
    fn far_groups_are_drawn_when_they_come_near() {
        let trials = trials(200);
        let plot = Groups::update(None, &layout(&trials.join("\n")));
        let n = plot.keys().len();
        let near: Vec<bool> = (0..n).map(|i| i < n / 4).collect();
        let (patch, written) = plot.patch(&[], &near);
        let shown = applied(Vec::new(), patch);
        assert_eq!(shown.iter().filter(|g| g.is_some()).count(), n / 4);
        assert!(written.iter().zip(&near).all(|(w, n)| w.is_some() == *n));
        // Scrolled to the end: the last quarter is drawn as well, and nothing else changes.
        let near: Vec<bool> = (0..n).map(|i| i >= n - n / 4).collect();
        let (patch, written) = plot.patch(&written, &near);
        let Patch::Groups { changed, .. } = &patch else {
            panic!("scrolling is written group by group");
        };
        assert_eq!(changed.len(), n / 4);
        let shown = applied(shown, patch);
        assert_eq!(shown.iter().filter(|g| g.is_some()).count(), 2 * (n / 4));
        // Printing: every group drawn, the document whole.
        let (patch, written) = plot.patch(&written, &vec![true; n]);
        let shown = applied(shown, patch);
        let all = layout(&trials.join("\n"));
        assert!(all.to_svg().contains(&document(&shown)));
        // An edit while only the start is near: changed far groups are emptied, never stale.
        let mut edited = trials.clone();
        edited[199] = "Trial 199 (renamed)\t5\t100\t9\t100".to_owned();
        let after = Groups::update(Some(&plot), &layout(&edited.join("\n")));
        let near: Vec<bool> = (0..n).map(|i| i < n / 4).collect();
        let (patch, _) = after.patch(&written, &near);
        let shown = applied(shown, patch);
        for (i, g) in shown.iter().enumerate() {
            if let Some(svg) = g {
                assert_eq!(
                    svg, &after.groups[i].svg,
                    "group {i} holds its current shapes"
                );
            }
        }
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
