//! Sharing by link: the panel that makes a link of the project or of the outcome shown
//! (with its QR code, to show an audience), and opening a link. A link carries the
//! analysis in its fragment (`grove_core::share`), compressed by the browser's own
//! `CompressionStream`. Opening one shows the shared analysis without touching the work
//! kept in this browser: the visitor looks at it, changes it, and keeps a copy of it or
//! goes back to their own work.

use super::State;
use crate::browser::{self, Deflate};
use crate::history::History;
use crate::jobs::{self, Job, Reply};
use crate::project::{Project, ShareScope};
use crate::ui::plot::PNG_SCALE;
use grove_core::forest::escape;
use grove_core::share::{self, MAX_TEXT_BYTES};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Side of a QR module in the SVG shown and exported, in CSS pixels.
const MODULE: f64 = 4.0;

/// The link made for the panel, or why there is none.
#[derive(Debug, Clone, PartialEq)]
enum Made {
    Link(String),
    Failed(String),
}

impl State {
    /// Shows the analysis of a share link, leaving the work kept in this browser as it
    /// is until the visitor keeps a copy.
    fn visit(&self, project: Project) {
        self.history.set(History::default());
        self.project.set(project);
        self.visiting.set(true);
        self.say(
            "This is an analysis shared by link. Your own work in this browser is kept as it was; nothing here is saved unless you keep a copy.",
            false,
        );
    }

    /// Ends a visit: the shared outcomes join the visitor's own work (`keep`), or the
    /// visitor's work comes back as it was.
    pub fn end_visit(&self, keep: bool) {
        let mut mine = browser::load(browser::PROJECT_KEY)
            .and_then(|text| Project::from_json(&text).ok())
            .unwrap_or_default();
        if keep {
            let shared = self.project.get_untracked();
            let added = mine.add_opened(shared);
            self.say(
                format!(
                    "Kept: {added} shared outcome{} added to your own work.",
                    if added == 1 { "" } else { "s" }
                ),
                false,
            );
        } else {
            self.notice.set(None);
        }
        self.visiting.set(false);
        self.history.set(History::default());
        self.project.set(mine);
        forget_link();
    }
}

/// The page's address without its fragment.
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// Takes the link's fragment out of the address bar, so that a reload shows the
/// visitor's own work.
fn forget_link() {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&base_url()));
    }
}

/// On opening the page: when its address holds a share link, shows its analysis (a
/// damaged or foreign link gets a message, and nothing changes).
pub fn open_link(state: State) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if !hash.starts_with("#grove") {
        return;
    }
    spawn_local(async move {
        let not_opened = move |why: String| {
            state.say(
                format!("The link could not be opened: {why}. Your work is unchanged."),
                true,
            )
        };
        let text = async {
            let compressed = share::compressed(&hash).map_err(|e| e.to_string())?;
            let text = browser::deflate_raw(&compressed, Deflate::Decompress, MAX_TEXT_BYTES)
                .await
                .map_err(|e| format!("the link is damaged ({e})"))?;
            String::from_utf8(text).map_err(|_| "the link is damaged (not UTF-8)".to_owned())
        };
        let text = match text.await {
            Ok(text) => text,
            Err(why) => return not_opened(why),
        };
        // The page's worker reads the text (it holds the share codec) into a project.
        jobs::run(Job::ReadLink(text), move |reply| match reply {
            Reply::Review { project, .. } => match Project::from_json(&project) {
                Ok(project) => {
                    state.visit(project);
                    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                        let _ = p.mark("grove:shared");
                    }
                }
                Err(why) => not_opened(why.to_string()),
            },
            Reply::Failed(why) => not_opened(why),
            Reply::Text(_) => not_opened("the worker answered something else".to_owned()),
        });
    });
}

/// What the share panel's and the visit bar's buttons do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Close,
    Copy,
    QrPng,
    Whole,
    Outcome,
    Keep,
    Leave,
}

impl Action {
    const ALL: [Action; 7] = [
        Action::Close,
        Action::Copy,
        Action::QrPng,
        Action::Whole,
        Action::Outcome,
        Action::Keep,
        Action::Leave,
    ];

    fn code(self) -> &'static str {
        match self {
            Action::Close => "share-close",
            Action::Copy => "share-copy",
            Action::QrPng => "qr-png",
            Action::Whole => "share-project",
            Action::Outcome => "share-outcome",
            Action::Keep => "keep-copy",
            Action::Leave => "leave-visit",
        }
    }

    fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// What the share panel shows.
#[derive(Debug, Clone, PartialEq)]
struct Panel {
    scope: ShareScope,
    made: Option<Made>,
    /// The QR code's SVG, or why there is none.
    qr: Option<Result<String, String>>,
}

impl Panel {
    /// The panel's markup, every text escaped. Its controls carry `data-action`.
    fn markup(&self) -> String {
        let e = escape;
        let button = |action: Action, label: &str, extra: &str| {
            format!(
                r#"<button type="button" data-action="{0}" data-testid="{0}"{extra}>{1}</button>"#,
                action.code(),
                e(label)
            )
        };
        let radio = |action: Action, value: ShareScope, label: &str| {
            format!(
                r#"<label class="inline"><input type="radio" name="share-scope" data-action="{0}" data-testid="{0}"{1}> {2}</label>"#,
                action.code(),
                if self.scope == value { " checked" } else { "" },
                e(label)
            )
        };
        let (link, status) = match &self.made {
            None => (String::new(), "Making the link…".to_owned()),
            Some(Made::Failed(why)) => (String::new(), why.clone()),
            Some(Made::Link(l)) => {
                let n = l.chars().count();
                let status = match &self.qr {
                    Some(Err(why)) if self.scope == ShareScope::Project => format!(
                        "{n} characters. No QR code: {why}. The link of this outcome alone may fit."
                    ),
                    Some(Err(why)) => format!("{n} characters. No QR code: {why}."),
                    _ => format!(
                        "{n} characters; the data travel in the link itself and are never sent to a server."
                    ),
                };
                (l.clone(), status)
            }
        };
        let qr = match &self.qr {
            Some(Ok(svg)) => format!(
                r#"<a class="button" data-testid="qr-svg" download="grove-link-qr.svg" href="{}">QR code (SVG)</a>{}"#,
                browser::data_url("image/svg+xml", svg),
                button(Action::QrPng, "QR code (PNG)", "")
            ),
            _ => String::new(),
        };
        let code = match &self.qr {
            Some(Ok(svg)) => format!(r#"<div class="qr" data-testid="qr">{svg}</div>"#),
            _ => String::new(),
        };
        format!(
            r#"<section class="share-panel panel" aria-label="Share by link" data-testid="share-panel"><fieldset class="paste-mode"><legend>Share</legend>{}{}</fieldset><input type="text" readonly aria-label="Share link" data-testid="share-link" value="{}"><p class="hint" data-testid="share-status">{}</p><div class="exports">{}{qr}{}</div>{code}</section>"#,
            radio(Action::Whole, ShareScope::Project, "the whole project"),
            radio(Action::Outcome, ShareScope::Outcome, "this outcome"),
            e(&link),
            e(&status),
            button(
                Action::Copy,
                "Copy link",
                if link.is_empty() { " disabled" } else { "" }
            ),
            button(Action::Close, "Close", r#" class="ghost""#),
        )
    }
}

/// The bar shown while a shared analysis is on screen.
fn visit_markup() -> String {
    format!(
        r#"<div class="visit" role="region" aria-label="Shared analysis" data-testid="visit"><span>Shared analysis: your own work is kept as it was.</span><button type="button" data-action="{0}" data-testid="{0}">Keep a copy</button><button type="button" class="ghost" data-action="{1}" data-testid="{1}">Back to my work</button></div>"#,
        Action::Keep.code(),
        Action::Leave.code()
    )
}

/// The button that opens and closes the share panel.
#[component]
pub fn ShareButton() -> impl IntoView {
    let open = expect_context::<State>().sharing;
    view! {
        <button type="button" class="ghost" data-testid="share" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>"Share"</button>
    }
}

/// Id of the element that holds the visit bar and the share panel.
pub const HOST_ID: &str = "share-host";

/// Keeps the visit bar and the share panel in their element: one memo makes their
/// markup, one effect writes it (a few Leptos views of them cost the page more than all
/// of it written as markup), and listeners on the window answer their controls. The link
/// is made while the panel is open, by the browser's compressor, which is asynchronous.
pub fn keep(state: State) {
    let scope = RwSignal::new(ShareScope::Project);
    let made = RwSignal::new(None::<Made>);
    // The QR code of the link made, drawn by the page's worker.
    let qr = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        if !state.sharing.get() {
            return;
        }
        let (project, active) = state.project.with(|p| (p.to_json(), p.active));
        let outcome = (scope.get() == ShareScope::Outcome).then_some(active);
        made.set(None);
        qr.set(None);
        // The link's text is written by the page's worker, which holds the share codec;
        // the browser compresses it.
        jobs::text_of(Job::LinkText { project, outcome }, move |text| {
            let text = match text {
                Ok(text) => text,
                Err(why) => {
                    return made.set(Some(Made::Failed(format!("No link was made: {why}."))));
                }
            };
            spawn_local(async move {
                let link = browser::deflate_raw(text.as_bytes(), Deflate::Compress, usize::MAX)
                    .await
                    .map(|bytes| format!("{}#{}", base_url(), share::fragment(&bytes)));
                if let Ok(link) = &link {
                    let title = "QR code of the share link".to_owned();
                    let job = Job::Qr {
                        text: link.clone(),
                        module: MODULE,
                        title,
                    };
                    jobs::text_of(job, move |code| qr.set(Some(code)));
                }
                made.set(Some(match link {
                    Ok(link) => Made::Link(link),
                    Err(why) => Made::Failed(format!("No link was made: {why}.")),
                }));
            });
        });
    });
    let markup = Memo::new(move |_| {
        let mut html = String::new();
        if state.visiting.get() {
            html.push_str(&visit_markup());
        }
        if state.sharing.get() {
            let panel = Panel {
                scope: scope.get(),
                made: made.get(),
                qr: qr.get(),
            };
            html.push_str(&panel.markup());
        }
        html
    });
    Effect::new(move |_| {
        let host = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(HOST_ID));
        if let Some(host) = host {
            markup.with(|m| host.set_inner_html(m));
        }
    });
    let act = move |action: Action| match action {
        Action::Close => state.sharing.set(false),
        Action::Whole => scope.set(ShareScope::Project),
        Action::Outcome => scope.set(ShareScope::Outcome),
        Action::Keep => state.end_visit(true),
        Action::Leave => state.end_visit(false),
        Action::Copy => {
            if let Some(Made::Link(link)) = made.get_untracked() {
                browser::copy_text(&link, move |r| match r {
                    Ok(()) => state.say("Link copied.", false),
                    Err(why) => state.say(format!("The link was not copied: {why}."), true),
                });
            }
        }
        Action::QrPng => {
            let Some(Ok(svg)) = qr.get_untracked() else {
                return;
            };
            let Some((side, _)) = crate::views::svg_size(&svg) else {
                return;
            };
            browser::download_png(&svg, side, side, PNG_SCALE, "grove-link-qr.png", move |r| {
                if let Err(why) = r {
                    state.say(format!("The PNG was not made: {why}."), true);
                }
            });
        }
    };
    let click = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(action) = browser::data_action(&ev).and_then(|c| Action::from_code(&c)) {
            act(action);
        }
    });
    on_cleanup(move || click.remove());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_escapes_the_link_and_says_why_there_is_no_qr_code() {
        let panel = Panel {
            scope: ShareScope::Project,
            made: Some(Made::Link("http://h/?a=\"b\"&c#grove1.x".to_owned())),
            qr: Some(Err("the link is 2000 characters long".to_owned())),
        };
        let html = panel.markup();
        assert!(html.contains(r#"value="http://h/?a=&quot;b&quot;&amp;c#grove1.x""#));
        assert!(html.contains(
            "No QR code: the link is 2000 characters long. The link of this outcome alone may fit."
        ));
        assert!(!html.contains("qr-svg"));
        let panel = Panel {
            scope: ShareScope::Outcome,
            made: Some(Made::Link("http://h/#grove1.x".to_owned())),
            qr: Some(Ok("<svg></svg>".to_owned())),
        };
        let html = panel.markup();
        assert!(html.contains(r#"data-testid="share-outcome" checked"#));
        assert!(html.contains(r#"<div class="qr" data-testid="qr"><svg></svg></div>"#));
        assert!(html.contains("data:image/svg+xml"));
        for a in Action::ALL {
            assert_eq!(Action::from_code(a.code()), Some(a));
        }
    }
}
