//! The page's components. State is one [`Project`] signal; everything shown is derived
//! from it through memos ([`State`]); effects only write to the browser's storage.

mod data;
mod explain;
mod plot;
mod results;
mod settings;
mod share;
mod stage;
mod tabs;
mod views;

use crate::history::{Edit, History};
use crate::project::{Example, Project};
use crate::{browser, jobs};
use grove_core::forest::{self, Layout, PlotOptions};
use grove_core::parse::{Diagnostic, RawRow};
use grove_core::report::Report;
use grove_core::review::agreement::{Agreement, compare};
use leptos::prelude::*;

/// How long typing must pause before the project is saved to the browser's storage.
pub const SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// Light or dark page (the plot itself stays white, print-friendly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on light.
    Light,
    /// Light text on dark.
    Dark,
}

impl Theme {
    fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// A message for the user about something that happened outside the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The message.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The rows a paste started from, so that typing on in the paste area re-reads the whole
/// pasted block instead of appending it again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PasteSession {
    /// The text in the paste area.
    pub text: String,
    /// Rows before this paste, `None` when no paste is under way.
    pub base: Option<Vec<RawRow>>,
    /// Problems with the pasted text's structure.
    pub diagnostics: Vec<Diagnostic>,
}

/// The page's state and what is derived from it.
#[derive(Clone, Copy)]
pub struct State {
    /// Everything the user entered.
    pub project: RwSignal<Project>,
    /// The analysis of the active outcome.
    pub report: Memo<Report>,
    /// The active outcome's forest plot, laid out.
    pub layout: Memo<Layout>,
    /// For an outcome from a RevMan review: whether Grove's numbers agree with the ones
    /// RevMan stored.
    pub agreement: Memo<Option<Agreement>>,
    /// A message about files, storage or the clipboard.
    pub notice: RwSignal<Option<Notice>>,
    /// Colour theme.
    pub theme: RwSignal<Theme>,
    /// The paste under way.
    pub paste: RwSignal<PasteSession>,
    /// The steps to undo and redo.
    pub history: RwSignal<History>,
    /// The presentation view, while it is open.
    pub stage: RwSignal<Option<crate::stage::Stage>>,
    /// Whether the project shown came from a share link (and is not saved).
    pub visiting: RwSignal<bool>,
    /// Whether the share panel is open.
    pub sharing: RwSignal<bool>,
    /// The what-if sandbox, while open: the trial it changes and that trial's row as
    /// typed, which is what is saved until the changes are kept.
    pub whatif: RwSignal<Option<crate::whatif::WhatIf>>,
}

impl State {
    fn new() -> State {
        let notice = RwSignal::new(None);
        let project = match browser::load(browser::PROJECT_KEY) {
            None => Project::default(),
            Some(text) => match Project::from_json(&text) {
                Ok(p) => p,
                Err(why) => {
                    let _ = browser::store(browser::DAMAGED_KEY, &text);
                    notice.set(Some(Notice {
                        text: format!(
                            "The project kept in this browser could not be read ({why}); it was set aside and the example opened."
                        ),
                        error: true,
                    }));
                    Project::default()
                }
            },
        };
        let theme = match browser::load(browser::THEME_KEY).as_deref() {
            Some("dark") => Theme::Dark,
            Some("light") => Theme::Light,
            _ if browser::prefers_dark() => Theme::Dark,
            _ => Theme::Light,
        };
        let project = RwSignal::new(project);
        let input = Memo::new(move |_| {
            project.with(|p| (p.active().rows.clone(), p.active().options.clone()))
        });
        let report = Memo::new(move |_| input.with(|(rows, options)| Report::new(rows, options)));
        let judgements = Memo::new(move |_| project.with(Project::assessments));
        let layout = Memo::new(move |_| {
            report.with(|r| {
                let mut spec = r.forest();
                judgements.with(|j| spec.set_risk_of_bias(|row| j.get(row).copied().flatten()));
                forest::layout(&spec, &PlotOptions::default())
            })
        });
        let revman = Memo::new(move |_| project.with(|p| p.active().revman.clone()));
        let agreement = Memo::new(move |_| {
            revman.with(|source| {
                source
                    .as_ref()
                    .map(|source| report.with(|r| compare(source, r)))
            })
        });
        State {
            project,
            report,
            layout,
            agreement,
            notice,
            theme: RwSignal::new(theme),
            paste: RwSignal::new(PasteSession::default()),
            history: RwSignal::new(History::default()),
            stage: RwSignal::new(None),
            visiting: RwSignal::new(false),
            whatif: RwSignal::new(None),
            sharing: RwSignal::new(false),
        }
    }

    /// Changes the project with `f`, recorded as `edit` so that it can be undone. Every
    /// change of the project's content goes through here.
    pub fn change<T: Default>(&self, edit: Edit, f: impl FnOnce(&mut Project) -> T) -> T {
        // A keystroke that continues the step under way needs no copy of the project.
        if !self.history.with_untracked(|h| h.starts_step(&edit)) {
            return self.project.try_update(f).unwrap_or_default();
        }
        let before = self.project.get_untracked();
        let out = self.project.try_update(f).unwrap_or_default();
        self.history.update(|h| h.record(before, edit));
        out
    }

    /// Undoes the last step, if any.
    pub fn undo(&self) {
        self.step(History::undo);
    }

    /// Redoes the last step undone, if any.
    pub fn redo(&self) {
        self.step(History::redo);
    }

    fn step(&self, go: fn(&mut History, &mut Project) -> bool) {
        let mut p = self.project.get_untracked();
        if self.history.try_update(|h| go(h, &mut p)).unwrap_or(false) {
            self.project.set(p);
            self.paste.set(PasteSession::default());
        }
    }

    /// Shows a message.
    pub fn say(&self, text: impl Into<String>, error: bool) {
        self.notice.set(Some(Notice {
            text: text.into(),
            error,
        }));
    }

    /// Opens a file chosen or dropped by the user: a Grove project (`.json`), whose
    /// outcomes replace the project's, or a RevMan review (anything else), whose
    /// outcomes are added to it. A file that cannot be read changes nothing.
    pub fn open_file(self, file: web_sys::File) {
        let name = file.name();
        let project_file = name.to_ascii_lowercase().ends_with(".json");
        browser::read_bytes(&file, move |bytes| {
            let bytes = match bytes {
                Ok(bytes) => bytes,
                Err(why) => return self.not_opened(&name, &why.to_string()),
            };
            if project_file {
                let opened = String::from_utf8(bytes)
                    .map_err(|_| "it is not a Grove project file (not UTF-8 text)".to_owned())
                    .and_then(|text| Project::from_json(&text).map_err(|e| e.to_string()));
                match opened {
                    Ok(project) => {
                        self.change(Edit::Step, |p| *p = project);
                        self.opened("Project opened.".to_owned());
                    }
                    Err(why) => self.not_opened(&name, &why),
                }
                return;
            }
            // A review is read in the worker, which hands back its outcomes as a project.
            self.say(format!("Reading {name}…"), false);
            jobs::run(jobs::Job::OpenReview(bytes), move |reply| match reply {
                jobs::Reply::Review {
                    title,
                    project,
                    notes,
                } => match Project::from_json(&project) {
                    Ok(review) => {
                        let unsupported = review.unsupported.len();
                        let added = self.change(Edit::Step, |p| p.add_opened(review));
                        let mut message = review_opened(&title, added, unsupported);
                        if !notes.is_empty() {
                            message = format!("{message} {notes}");
                        }
                        self.opened(message);
                    }
                    Err(why) => self.not_opened(&name, &why.to_string()),
                },
                jobs::Reply::Failed(why) => self.not_opened(&name, &why),
                jobs::Reply::Text(_) => {}
            });
        });
    }

    fn opened(&self, message: String) {
        self.paste.set(PasteSession::default());
        self.say(message, false);
    }

    fn not_opened(&self, name: &str, why: &str) {
        self.say(
            format!("{name} was not opened: {why}. Your current work is unchanged."),
            true,
        );
    }
}

/// "Opened “Title”: 27 dichotomous outcomes, each compared with RevMan's numbers; 39
/// other outcomes (continuous, …) are not analysed."
fn review_opened(title: &str, added: usize, unsupported: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut s = format!(
        "Opened \u{201c}{title}\u{201d}: {} added, each compared with the numbers RevMan stored.",
        plural(added, "dichotomous outcome")
    );
    if unsupported > 0 {
        s.push_str(&format!(
            " {} (continuous, generic inverse variance, O − E) not analysed: Grove analyses 2×2 tables.",
            plural(unsupported, "other outcome")
        ));
    }
    s
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = State::new();
    provide_context(state);

    // Effects: keep the project and theme in the browser as they change.
    // Saving waits until typing pauses (the results are on screen first) and happens at
    // once when the page is left, so a reload never loses an edit.
    let save = move || {
        // A shared analysis is looked at, not saved, until the visitor keeps a copy.
        if state.visiting.get_untracked() {
            return;
        }
        // A trial changed in the what-if sandbox is saved as it was typed.
        let json = state
            .project
            .with_untracked(|p| match state.whatif.get_untracked() {
                Some(w) => w.saved(p).to_json(),
                None => p.to_json(),
            });
        if let Err(why) = browser::store(browser::PROJECT_KEY, &json) {
            state.say(format!("Not saved: {why}."), true);
        }
    };
    let pending = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |first: Option<()>| {
        state.project.track();
        if first.is_none() {
            return;
        }
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(set_timeout_with_handle(save, SAVE_DELAY).ok());
    });
    let _flush = window_event_listener(leptos::ev::pagehide, move |_| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
            pending.set_value(None);
            save();
        }
    });
    Effect::new(move |_| {
        let _ = browser::store(browser::THEME_KEY, state.theme.get().name());
    });

    let toggle_theme = move |_| {
        state.theme.update(|t| {
            *t = match t {
                Theme::Light => Theme::Dark,
                Theme::Dark => Theme::Light,
            }
        })
    };
    let theme_label = move || match state.theme.get() {
        Theme::Light => "Dark theme",
        Theme::Dark => "Light theme",
    };

    // Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo (Cmd on a Mac), in any field too:
    // every field shows the project, so the project's own undo is the one to use.
    // P, outside a field, opens the presentation view.
    let _keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if state.stage.with_untracked(Option::is_some) {
            if stage::key(state, &ev) {
                ev.prevent_default();
            }
            return;
        }
        let plain = !(ev.ctrl_key() || ev.meta_key() || ev.alt_key());
        if plain && ev.key().eq_ignore_ascii_case("p") && !stage::typed_in_field(&ev) {
            state.present();
            ev.prevent_default();
            return;
        }
        if !(ev.ctrl_key() || ev.meta_key()) || ev.alt_key() {
            return;
        }
        match (ev.key().to_ascii_lowercase().as_str(), ev.shift_key()) {
            ("z", false) => state.undo(),
            ("z", true) | ("y", false) => state.redo(),
            _ => return,
        }
        ev.prevent_default();
    });
    stage::keep(state);
    share::keep(state);
    explain::keep(state);
    views::keep(state);
    share::open_link(state);
    // A pause in typing (leaving a field) ends the step under way.
    let _blur = window_event_listener(leptos::ev::focusout, move |_| {
        state.history.update_untracked(History::close_step);
    });

    // A file dropped anywhere on the page is opened (a RevMan review or a project).
    let drag_over = move |ev: leptos::ev::DragEvent| ev.prevent_default();
    let drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = browser::dropped_file(&ev) {
            state.open_file(file);
        }
    };

    view! {
        <div class="app" data-theme=move || state.theme.get().name() on:dragover=drag_over on:drop=drop>
            <header class="top">
                <div class="brand">
                    <h1>"Grove"</h1>
                    <p class="tagline">"Meta-analysis of randomised trials with a binary outcome. Everything stays in this browser."</p>
                </div>
                <div class="top-actions">
                    <button type="button" class="ghost" data-testid="undo" title="Undo (Ctrl+Z)"
                        disabled=move || !state.history.with(History::can_undo)
                        on:click=move |_| state.undo()>"Undo"</button>
                    <button type="button" class="ghost" data-testid="redo" title="Redo (Ctrl+Shift+Z)"
                        disabled=move || !state.history.with(History::can_redo)
                        on:click=move |_| state.redo()>"Redo"</button>
                    <ExampleMenu/>
                    <plot::ProjectFiles/>
                    <share::ShareButton/>
                    <stage::PresentButton/>
                    <button type="button" class="ghost" data-testid="theme" on:click=toggle_theme>{theme_label}</button>
                </div>
            </header>
            <NoticeBar/>
            <div id="share-host"></div>
            <tabs::OutcomeTabs/>
            <main class="workspace" id="main">
                <div class="column entry">
                    <section class="panel data-panel" aria-labelledby="data-heading">
                        <data::DataPanel/>
                    </section>
                    <section class="panel settings-panel" aria-labelledby="settings-heading">
                        <settings::SettingsPanel/>
                    </section>
                </div>
                <div class="column output">
                    <section class="panel plot-panel" aria-labelledby="plot-heading">
                        <plot::PlotPanel/>
                    </section>
                    <section class="panel views-panel" aria-labelledby="views-heading">
                        <h2 id="views-heading">"More views"</h2>
                        <div id="views-host"></div>
                    </section>
                    <section class="panel results-panel" aria-labelledby="results-heading">
                        <results::ResultsPanel/>
                    </section>
                </div>
            </main>
        </div>
    }
}

#[component]
fn ExampleMenu() -> impl IntoView {
    let state = expect_context::<State>();
    let choose = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(example) = Example::ALL.iter().find(|e| e.code() == value) {
            state.change(Edit::Step, |p| p.load_example(*example));
            state.paste.set(PasteSession::default());
        }
    };
    view! {
        <label class="inline">
            <span>"Examples"</span>
            <select data-testid="examples" on:change=choose prop:value="">
                <option value="" disabled=true selected=true>"Open an example…"</option>
                {Example::ALL.iter().map(|e| view! { <option value=e.code()>{e.label()}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn NoticeBar() -> impl IntoView {
    let state = expect_context::<State>();
    move || {
        state.notice.get().map(|n| {
            let class = if n.error { "notice error" } else { "notice" };
            view! {
                <div class=class role="status" data-testid="notice">
                    <span>{n.text}</span>
                    <button type="button" class="ghost small" on:click=move |_| state.notice.set(None)
                        aria-label="Dismiss message">"×"</button>
                </div>
            }
        })
    }
}
