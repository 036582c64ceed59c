//! Entering data: a paste area, an editable table and the list of problems, each on its
//! row and cell. What the user typed is kept as typed; rows with problems are left out of
//! the analysis and say so.

use super::{PasteSession, State, tabs::OutcomeName};
use crate::browser;
use crate::history::Edit;
use crate::project::PasteMode;
use crate::viewport::Viewport;
use grove_core::forest::escape;
use grove_core::parse::{Column, Diagnostic};
use grove_core::rob::{self, Domain, Judgement};
use leptos::prelude::*;

/// The data panel.
#[component]
pub fn DataPanel() -> impl IntoView {
    let state = expect_context::<State>();
    let active = move || state.project.with_untracked(|p| p.active);
    let mode = RwSignal::new(PasteMode::Replace);
    provide_context(TableView {
        wrap: NodeRef::new(),
        viewport: RwSignal::new(Viewport::default()),
    });

    let on_paste_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let base = state
            .paste
            .with_untracked(|s| s.base.clone())
            .unwrap_or_else(|| state.project.with_untracked(|p| p.active().rows.clone()));
        let diagnostics = if value.trim().is_empty() {
            state.change(Edit::Paste(active()), |p| {
                p.active_mut().rows = base.clone()
            });
            Vec::new()
        } else {
            let mode = mode.get_untracked();
            let mut diagnostics = Vec::new();
            state.change(Edit::Paste(active()), |p| {
                diagnostics = p.paste(&base, &value, mode)
            });
            diagnostics
        };
        state.paste.set(PasteSession {
            text: value,
            base: Some(base),
            diagnostics,
        });
    };
    // Leaving the paste area ends the paste: the rows are in the table now.
    let on_paste_done = move |_| {
        if state.paste.with_untracked(|s| s.base.is_some()) {
            state.paste.update(|s| {
                s.text.clear();
                s.base = None;
            });
        }
    };
    let mode_radio = move |value: PasteMode, label: &'static str, testid: &'static str| {
        view! {
            <label class="inline">
                <input type="radio" name="paste-mode" data-testid=testid
                    prop:checked=move || mode.get() == value
                    on:change=move |_| mode.set(value)/>
                <span>{label}</span>
            </label>
        }
    };

    view! {
        <h2 id="data-heading">"Data"</h2>
        <OutcomeName/>
        <p class="hint">
            "Paste your trials: copy the rows from a spreadsheet (study, events and total in the experimental arm, events and total in the control arm; optionally year and subgroup) and paste them below, or edit the table. A RevMan 5 file (.rm5) opens with the button above, or dropped on the page."
        </p>
        <label class="block" for="paste-area">"Paste rows here"</label>
        <textarea id="paste-area" data-testid="data-input" rows="4" spellcheck="false"
            placeholder="Aronson\t4\t123\t11\t139"
            prop:value=move || state.paste.with(|s| s.text.clone())
            on:input=on_paste_input
            on:blur=on_paste_done></textarea>
        <fieldset class="paste-mode">
            <legend>"Pasted rows"</legend>
            {mode_radio(PasteMode::Replace, "replace the table", "paste-replace")}
            {mode_radio(PasteMode::Append, "go after the existing rows", "paste-append")}
        </fieldset>
        <StructureProblems/>
        <DataTable/>
        <Diagnostics/>
    }
}

#[component]
fn StructureProblems() -> impl IntoView {
    let state = expect_context::<State>();
    move || {
        let problems = state.paste.with(|s| s.diagnostics.clone());
        (!problems.is_empty()).then(|| {
            view! {
                <ul class="problems structure" data-testid="paste-problems">
                    {problems.into_iter().map(|d| view! { <li>{d.to_string()}</li> }).collect_view()}
                </ul>
            }
        })
    }
}

/// A cell of a row: one of the trial's columns, or a risk-of-bias judgement of its study
/// (0 to 4 for D1 to D5, 5 for overall; kept per study, not per row). One type for both,
/// so that every cell of the table is one piece of code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data(Column),
    Rob(usize),
}

impl Field {
    /// The column's heading, as the cell's label says it.
    fn heading(self) -> &'static str {
        match self {
            Field::Data(column) => column.heading(),
            Field::Rob(d) => Domain::ALL[d].short(),
        }
    }
}

/// Cells of a row, in order, with their classes (input widths).
const FIELDS: [(Field, &str); 13] = [
    (Field::Data(Column::Study), "study"),
    (Field::Data(Column::Year), "year"),
    (Field::Data(Column::ExperimentalEvents), "count"),
    (Field::Data(Column::ExperimentalTotal), "count"),
    (Field::Data(Column::ControlEvents), "count"),
    (Field::Data(Column::ControlTotal), "count"),
    (Field::Data(Column::Subgroup), "subgroup"),
    (Field::Rob(0), "rob-cell"),
    (Field::Rob(1), "rob-cell"),
    (Field::Rob(2), "rob-cell"),
    (Field::Rob(3), "rob-cell"),
    (Field::Rob(4), "rob-cell"),
    (Field::Rob(5), "rob-cell"),
];

/// The table's header rows, the arms named as `arms`: markup rather than a tree of
/// views, which would weigh several times more in the page.
fn header(arms: &[String; 2]) -> String {
    let mut rob = String::new();
    for d in Domain::ALL {
        rob.push_str(&format!(
            r#"<th scope="col" class="rob-col"><abbr title="{}">{}</abbr></th>"#,
            d.label(),
            d.short()
        ));
    }
    format!(
        r#"<tr aria-rowindex="1"><th scope="col" rowspan="2">#</th><th scope="col" rowspan="2">Study</th><th scope="col" rowspan="2">Year</th><th scope="colgroup" colspan="2">{}</th><th scope="colgroup" colspan="2">{}</th><th scope="col" rowspan="2">Subgroup</th><th scope="colgroup" colspan="6" class="rob-col">Risk of bias (RoB 2)</th><th scope="col" rowspan="2"><span class="visually-hidden">Row actions</span></th></tr><tr aria-rowindex="2"><th scope="col">Events</th><th scope="col">Total</th><th scope="col">Events</th><th scope="col">Total</th>{rob}</tr>"#,
        escape(&arms[0]),
        escape(&arms[1])
    )
}

/// The CSS selector of the input of a cell (rows from 0), by its label.
fn cell_selector(row: usize, field: Field) -> String {
    format!("input[aria-label='Row {}, {}']", row + 1, field.heading())
}

/// The data table's scrolled box and what was last measured of it. Row actions, Enter and
/// the problem list move the focus through here, so that a row outside the drawn window
/// is scrolled to (and so drawn) before it is focused.
#[derive(Clone, Copy)]
struct TableView {
    wrap: NodeRef<leptos::html::Div>,
    viewport: RwSignal<Viewport>,
}

impl TableView {
    /// Reads the box's scroll position and the heights of its header and rows.
    fn measure(self) {
        let Some(wrap) = self.wrap.get_untracked() else {
            return;
        };
        let height = |css: &str| {
            wrap.query_selector(css)
                .ok()
                .flatten()
                .map(|e| e.get_bounding_client_rect().height())
        };
        let current = self.viewport.get_untracked();
        let measured = Viewport {
            scroll_top: f64::from(wrap.scroll_top()),
            height: f64::from(wrap.client_height()),
            header: height("thead").unwrap_or(current.header),
            row: height("tr[data-testid='data-row']").unwrap_or(current.row),
        }
        .checked();
        if measured != current {
            self.viewport.set(measured);
        }
    }

    /// Scrolls row `row` into view if it is not, then focuses the element `css` in it.
    fn focus(self, row: usize, css: String) {
        if let Some(top) = self.viewport.get_untracked().reveal(row) {
            if let Some(wrap) = self.wrap.get_untracked() {
                wrap.set_scroll_top(top.round() as i32);
            }
            self.viewport.update(|v| v.scroll_top = top);
        }
        browser::focus_soon(css);
    }

    /// Focuses the input of a cell.
    fn focus_cell(self, row: usize, field: Field) {
        self.focus(row, cell_selector(row, field));
    }
}

#[component]
fn DataTable() -> impl IntoView {
    let state = expect_context::<State>();
    let count = Memo::new(move |_| state.project.with(|p| p.active().rows.len()));
    let arms = Memo::new(move |_| state.project.with(|p| p.active().options.arms.clone()));
    let table = expect_context::<TableView>();
    let judged = Memo::new(move |_| state.project.with(|p| !p.rob.is_empty()));
    let window = Memo::new(move |_| table.viewport.get().window(count.get()));
    // Rows drawn or gone: measure them (the first rows replace the estimates) in the next
    // frame, when the browser lays the page out anyway; measuring now would lay it out
    // twice.
    Effect::new(move |_| {
        count.track();
        request_animation_frame(move || table.measure());
    });
    let spacer = move |height: f64| {
        (height > 0.0).then(|| {
            view! {
                <tr class="spacer" aria-hidden="true">
                    <td colspan="15" style:height=format!("{height}px")></td>
                </tr>
            }
        })
    };
    view! {
        <div class="table-wrap" node_ref=table.wrap on:scroll=move |_| table.measure()>
            <table class="data-table" data-testid="data-table"
                aria-rowcount=move || (count.get() + 2).to_string()>
                <caption class="visually-hidden">"Trials of this outcome, as entered"</caption>
                <thead inner_html=move || arms.with(header)></thead>
                <tbody>
                    {move || spacer(window.with(|w| w.above))}
                    <For each=move || window.get().rows key=|i| *i let:row>
                        <DataRow row=row/>
                    </For>
                    {move || spacer(window.with(|w| w.below))}
                </tbody>
            </table>
        </div>
        <RobProblems/>
        <div class="table-actions">
            <button type="button" class="ghost" data-testid="add-row"
                on:click=move |_| {
                    let n = state.change(Edit::Step, |p| { p.active_mut().add_row(); p.active().rows.len() });
                    table.focus_cell(n - 1, Field::Data(Column::Study));
                }>"+ Row"</button>
            // Shows the columns (style.css), ticked when the project first holds judgements.
            <label class="inline" title="RoB 2 judgements of each study (D1 to D5 and overall: Low or +, Some concerns or ?, High or -), shared by every outcome it appears in">
                <input type="checkbox" id="rob-columns" data-testid="rob-columns"
                    prop:checked=move || judged.get()/>
                <span>"Risk-of-bias columns"</span>
            </label>
        </div>
    }
}

#[component]
fn DataRow(row: usize) -> impl IntoView {
    let state = expect_context::<State>();
    let table = expect_context::<TableView>();
    let active = move || state.project.with_untracked(|p| p.active);
    // Per-row memos: an edit re-renders only the row it changed.
    let raw = Memo::new(move |_| {
        state
            .project
            .with(|p| p.active().rows.get(row).cloned().unwrap_or_default())
    });
    let problems = Memo::new(move |_| {
        state.report.with(|r| match r.rows.get(row) {
            Some(Some(Err(problems))) => problems.clone(),
            _ => Vec::new(),
        })
    });
    let excluded = move || problems.with(|p| !p.is_empty());
    let switched_off = move || raw.with(|r| r.excluded);
    // The study's risk-of-bias judgements as typed: kept per study, not per row, so a
    // row without a study name takes none.
    let judgements = Memo::new(move |_| {
        state.project.with(|p| {
            p.active()
                .rows
                .get(row)
                .and_then(|r| p.judgements(r))
                .unwrap_or_default()
        })
    });
    let unnamed = move || raw.with(|r| r.study.trim().is_empty());
    let cells = FIELDS
        .iter()
        .map(|&(field, class)| {
            let problem = move || match field {
                Field::Data(column) => problems.with(|p| {
                    p.iter()
                        .find(|d| d.column == Some(column))
                        .map(|d| d.problem.to_string())
                }),
                Field::Rob(d) => judgements.with(|c| Judgement::parse(&c[d]).err().map(|e| e.to_string())),
            };
            let label = format!("Row {}, {}", row + 1, field.heading());
            view! {
                <td class=class>
                    <input type="text" aria-label=label
                        class:invalid=move || problem().is_some()
                        aria-invalid=move || problem().is_some().to_string()
                        title=move || match field {
                            Field::Rob(_) if unnamed() => "Name the study first: judgements are kept for each study".to_owned(),
                            _ => problem().unwrap_or_default(),
                        }
                        data-rob=move || match field {
                            Field::Rob(d) => judgements.with(|c| Judgement::parse(&c[d]).ok().flatten().map(Judgement::code)),
                            Field::Data(_) => None,
                        }
                        disabled=move || matches!(field, Field::Rob(_)) && unnamed()
                        prop:value=move || match field {
                            Field::Data(column) => raw.with(|r| r.get(column).to_owned()),
                            Field::Rob(d) => judgements.with(|c| c[d].clone()),
                        }
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            state.change(Edit::Cell(active(), row, field.heading()), |p| match field {
                                Field::Data(column) => p.set_cell(row, column, v),
                                Field::Rob(d) => p.set_judgement(row, d, v),
                            });
                        }
                        on:paste=move |ev| {
                            // A block from a spreadsheet fills the cells from here.
                            let (Field::Data(column), Some(text)) = (field, browser::pasted_text(&ev)) else { return };
                            if state.change(Edit::Step, |p| p.active_mut().paste_block(row, column, &text)) {
                                ev.prevent_default();
                            }
                        }
                        on:keydown=move |ev| {
                            // Enter moves down, as in a spreadsheet (Shift+Enter up).
                            if ev.key() != "Enter" { return; }
                            ev.prevent_default();
                            let next = if ev.shift_key() { row.checked_sub(1) } else { Some(row + 1) };
                            if let Some(next) = next.filter(|&n| n < state.project.with_untracked(|p| p.active().rows.len())) {
                                table.focus_cell(next, field);
                            }
                        }/>
                </td>
            }
        })
        .collect_view();
    // A row action, and the row and control that keep the focus afterwards.
    let edit = move |f: fn(&mut crate::project::Outcome, usize), focus: Option<(usize, String)>| {
        state.change(Edit::Step, |p| f(p.active_mut(), row));
        if let Some((row, css)) = focus {
            table.focus(row, css);
        }
    };
    let n = row + 1;
    view! {
        <tr class:excluded=excluded class:off=switched_off data-testid="data-row" aria-rowindex=(row + 3).to_string()>
            <th scope="row">
                <label title="Included in the analysis; clear to switch the trial off (it stays on the plot, greyed)">
                    <input type="checkbox" data-testid="include-row" aria-label=format!("Include row {n} in the analysis")
                        prop:checked=move || !switched_off()
                        on:change=move |_| edit(|o, r| o.toggle_row(r), None)/>
                    {n}
                </label>
            </th>
            {cells}
            <td class="row-actions">
                <button type="button" class="icon" aria-label=format!("Move row {n} up")
                    on:click=move |_| edit(|o, r| o.move_row(r, true), (n > 1).then(|| (row - 1, format!("[aria-label='Move row {} up']", n - 1))))>"↑"</button>
                <button type="button" class="icon" aria-label=format!("Move row {n} down")
                    on:click=move |_| edit(|o, r| o.move_row(r, false), Some((row + 1, format!("[aria-label='Move row {} down']", n + 1))))>"↓"</button>
                <button type="button" class="icon" data-testid="delete-row" aria-label=format!("Delete row {n}")
                    on:click=move |_| edit(|o, r| o.delete_row(r), Some((row, format!("[aria-label='Delete row {n}']"))))>"✕"</button>
            </td>
        </tr>
    }
}

/// What was typed in the risk-of-bias columns that is not a judgement, by row and
/// column. Such a cell counts as not assessed; the analysis keeps the trial.
#[component]
fn RobProblems() -> impl IntoView {
    let state = expect_context::<State>();
    let html = Memo::new(move |_| {
        state.project.with(|p| {
            let mut out = String::new();
            for (i, r) in p.active().rows.iter().enumerate() {
                let Some(cells) = p.judgements(r) else {
                    continue;
                };
                for (domain, why) in rob::read(&cells).1 {
                    out.push_str(&format!(
                        "<li>Row {}, {}: {}; counted as not assessed.</li>",
                        i + 1,
                        domain.short(),
                        escape(&why.to_string())
                    ));
                }
            }
            out
        })
    });
    view! {
        <ul class="problems" data-testid="rob-cell-problems" aria-live="polite"
            inner_html=move || html.get()></ul>
    }
}

#[component]
fn Diagnostics() -> impl IntoView {
    let state = expect_context::<State>();
    let problems = Memo::new(move |_| {
        state
            .report
            .with(|r| r.diagnostics().cloned().collect::<Vec<Diagnostic>>())
    });
    view! {
        <div data-testid="diagnostics" aria-live="polite">
            {move || {
                let list = problems.get();
                if list.is_empty() {
                    return None;
                }
                let mut lines: Vec<usize> = list.iter().map(|d| d.line).collect();
                grove_core::sort::by_key(&mut lines, |&l| l);
                lines.dedup();
                let rows = lines.len();
                Some(view! {
                    <p class="problems-summary">
                        {format!("{} problem{} in {} row{}; {} left out of the analysis until corrected:",
                            list.len(), if list.len() == 1 { "" } else { "s" },
                            rows, if rows == 1 { "" } else { "s" },
                            if rows == 1 { "it is" } else { "they are" })}
                    </p>
                    <ul class="problems">
                        {list.into_iter().map(|d| view! {
                            <li data-testid="diagnostic">{row_message(&d)}{go_to_cell(&d)}{confirm_buttons(state, &d)}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}

/// For a problem settled by choosing ("'10.000' could be 10 000 or 10"), one button per
/// reading ("Read as 10 000", "Read as 10"); each retypes the cell with the text that
/// has only that reading, an edit like any other. The report validates row `i` (0-based)
/// as line `i + 1`, so the line names the row.
fn confirm_buttons(state: State, d: &Diagnostic) -> Option<impl IntoView + use<>> {
    let (column, row) = d.column.zip(d.line.checked_sub(1))?;
    let buttons = d
        .problem
        .confirmations()
        .into_iter()
        .map(|choice| {
            let text = choice.text.clone();
            let on_click = move |_| {
                let text = text.clone();
                state.change(Edit::Step, |p| p.active_mut().set_cell(row, column, text));
            };
            view! {
                <button type="button" class="ghost" data-testid="confirm-reading"
                    data-reading=choice.text on:click=on_click>{choice.label}</button>
            }
        })
        .collect_view();
    Some(buttons)
}

/// A button that scrolls the table to the cell of a problem and focuses it: in a long
/// table the row may be far out of view.
fn go_to_cell(d: &Diagnostic) -> Option<impl IntoView + use<>> {
    let row = d.line.checked_sub(1)?;
    let column = d.column.unwrap_or(Column::Study);
    let table = expect_context::<TableView>();
    Some(view! {
        <button type="button" class="ghost small" data-testid="go-to-cell"
            aria-label=format!("Go to row {}, {}", d.line, column.heading())
            on:click=move |_| table.focus_cell(row, Field::Data(column))>"Go to"</button>
    })
}

/// A problem as the table shows it: "Row 3, Experimental events: “abc” is not a whole
/// number".
fn row_message(d: &Diagnostic) -> String {
    match d.column {
        Some(c) => format!("Row {}, {}: {}", d.line, c.heading(), d.problem),
        None => format!("Row {}: {}", d.line, d.problem),
    }
}
