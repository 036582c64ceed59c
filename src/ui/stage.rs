//! The presentation view: the active outcome full screen, its title, its forest plot at
//! 16 CSS pixels or more, and the headline result in large type. The arrow keys and a
//! clicker's PageUp/PageDown step through the outcomes (and through a build-up's steps),
//! B changes how studies appear, V shows the outcome's views (funnel, leave-one-out,
//! cumulative, influence, L'Abbé; drawn by the page's worker) in place of its plot, Q its
//! share link's QR code, Escape returns. What is shown is worked out in
//! [`crate::stage`]; this module only draws it and reads the keys. The view is one
//! element of markup over the page, written whole for each slide: a handful of
//! components' worth of Leptos views would cost the page more than the whole view does.

use super::State;
use super::share;
use crate::browser::{self, Deflate};
use crate::jobs::{self, Job, Reply};
use crate::project::Project;
use crate::stage::{self, Reveal, Slide, Stage};
use crate::tables::{HeadlineText, undefined_headline};
use crate::views::{self, View};
use grove_core::forest::escape;
use grove_core::report::Report;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// Whether a key press was typed into a field (and so is not a command).
pub fn typed_in_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.has_attribute("contenteditable")
        })
}

/// The button that opens the presentation view.
#[component]
pub fn PresentButton() -> impl IntoView {
    let state = expect_context::<State>();
    view! {
        <button type="button" class="ghost" data-testid="present" title="Presentation view (P)"
            on:click=move |_| state.present()>"Present"</button>
    }
}

/// Id of the presentation view's element.
const STAGE_ID: &str = "grove-stage";

/// Keeps the presentation view on the page while one is under way: one memo makes the
/// slide's markup, and one effect puts it into an element of its own over the page
/// (created on opening, removed on leaving). Clicks on its buttons and the window's size
/// reach it through listeners on the window.
pub fn keep(state: State) {
    let screen = RwSignal::new(window_size());
    // The QR code of the outcome's share link, once made (compressing is asynchronous):
    // the outcome it is for, and its SVG or why there is none.
    let code = RwSignal::new(None::<(usize, Result<String, String>)>);
    Effect::new(move |_| {
        let Some(stage) = state.stage.get().filter(|s| s.code) else {
            return;
        };
        let (outcome, text) = state.project.with(|p| {
            let studies = p.studies_per_outcome();
            let outcome = stage::slides(&studies, stage.reveal)
                .get(stage.slide)
                .map_or(p.active, |s| s.outcome);
            (outcome, p.to_json())
        });
        if code.with_untracked(|c| c.as_ref().map(|c| c.0)) == Some(outcome) {
            return;
        }
        // The worker writes the link's text, the browser compresses it, the worker
        // draws its QR code.
        let job = Job::LinkText {
            project: text,
            outcome: Some(outcome),
        };
        jobs::text_of(job, move |text| {
            let text = match text {
                Ok(text) => text,
                Err(why) => return code.set(Some((outcome, Err(why)))),
            };
            spawn_local(async move {
                match browser::deflate_raw(text.as_bytes(), Deflate::Compress, usize::MAX).await {
                    Ok(bytes) => {
                        let link = format!(
                            "{}#{}",
                            share::base_url(),
                            grove_core::share::fragment(&bytes)
                        );
                        let job = Job::Qr {
                            text: link,
                            module: 8.0,
                            title: "QR code of this outcome's share link".to_owned(),
                        };
                        jobs::text_of(job, move |made| code.set(Some((outcome, made))));
                    }
                    Err(why) => code.set(Some((outcome, Err(why.to_string())))),
                }
            });
        });
    });
    // The view shown in place of the plot, once drawn by the page's worker: for which
    // outcome and view, and its SVG or why there is none.
    let drawn = RwSignal::new(None::<(usize, View, Result<String, String>)>);
    Effect::new(move |_| {
        let Some((stage, view)) = state
            .stage
            .get()
            .and_then(|s| Some((s, s.view?)))
            .filter(|(s, _)| !s.code)
        else {
            return;
        };
        let (outcome, project) = state.project.with(|p| {
            let studies = p.studies_per_outcome();
            let outcome = stage::slides(&studies, stage.reveal)
                .get(stage.slide)
                .map_or(p.active, |s| s.outcome);
            let mut one = p.clone();
            one.select(outcome);
            (outcome, one.only_active().to_json())
        });
        drawn.set(None);
        jobs::run(Job::View { project, view }, move |reply| {
            let svg = match reply {
                Reply::Text(html) => views::svg_in(&html)
                    .map(str::to_owned)
                    .ok_or_else(|| views::plain_text(&html)),
                Reply::Failed(why) => Err(why),
                Reply::Review { .. } => Err("no view".to_owned()),
            };
            drawn.set(Some((outcome, view, svg)));
        });
    });
    let markup = Memo::new(move |_| {
        let stage = state.stage.get()?;
        let (w, h) = screen.get();
        let mut shown = state.project.with(|p| slide(p, stage, w, h))?;
        if stage.code {
            shown.code = Some(code.with(|c| match c {
                Some((o, made)) if *o == shown.outcome => made.clone(),
                _ => Err("making the link…".to_owned()),
            }));
        } else if let Some(view) = stage.view {
            let svg = drawn.with(|d| match d {
                Some((o, v, made)) if *o == shown.outcome && *v == view => made
                    .as_ref()
                    .map(|svg| stage::resize_view(svg, w, h))
                    .map_err(Clone::clone),
                _ => Err("drawing…".to_owned()),
            });
            shown.view = Some((view, svg));
        }
        Some(shown.markup())
    });
    Effect::new(move |_| markup.with(|m| show(m.as_deref())));
    let resize = window_event_listener(leptos::ev::resize, move |_| screen.set(window_size()));
    let click = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(action) = browser::data_action(&ev).and_then(|c| Action::from_code(&c)) {
            state.act(action);
        }
    });
    // Leaving full screen (the browser's own Escape) leaves the presentation too.
    let fullscreen = window_event_listener(
        leptos::ev::Custom::<web_sys::Event>::new("fullscreenchange"),
        move |_| {
            if document().fullscreen_element().is_none() {
                state.stage.set(None);
            }
        },
    );
    on_cleanup(move || {
        resize.remove();
        click.remove();
        fullscreen.remove();
    });
}

/// The presentation's answer to a key pressed while it is open; `false` when the key is
/// not one of its own.
pub fn key(state: State, ev: &web_sys::KeyboardEvent) -> bool {
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return false;
    }
    let action = match ev.key().as_str() {
        "ArrowRight" | "ArrowDown" | "PageDown" | " " => Action::Next,
        "ArrowLeft" | "ArrowUp" | "PageUp" => Action::Previous,
        "Home" => Action::First,
        "End" => Action::Last,
        "Escape" => Action::Close,
        "b" | "B" => Action::Reveal,
        "q" | "Q" => Action::Code,
        "v" | "V" => Action::View,
        _ => return false,
    };
    state.act(action);
    true
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page has a document")
}

fn window_size() -> (f64, f64) {
    let w = web_sys::window();
    let size = |v: Option<Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>>| {
        v.and_then(Result::ok)
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    (
        size(w.as_ref().map(web_sys::Window::inner_width)),
        size(w.as_ref().map(web_sys::Window::inner_height)),
    )
}

/// Shows `markup` in the presentation view's element, or removes the element.
fn show(markup: Option<&str>) {
    let doc = document();
    let existing = doc.get_element_by_id(STAGE_ID);
    let Some(markup) = markup else {
        if let Some(el) = existing {
            el.remove();
            if doc.fullscreen_element().is_some() {
                doc.exit_fullscreen();
            }
        }
        return;
    };
    if let Some(el) = existing {
        el.set_inner_html(markup);
        return;
    }
    let Ok(el) = doc.create_element("div") else {
        return;
    };
    for (name, value) in [
        ("id", STAGE_ID),
        ("class", "stage"),
        ("role", "dialog"),
        ("aria-modal", "true"),
        ("aria-labelledby", "stage-title"),
        ("tabindex", "-1"),
        ("data-testid", "stage"),
    ] {
        let _ = el.set_attribute(name, value);
    }
    el.set_inner_html(markup);
    // Inside the app's element, so that its theme applies.
    let parent = doc
        .query_selector(".app")
        .ok()
        .flatten()
        .or(doc.body().map(Into::into));
    if let Some(parent) = parent {
        let _ = parent.append_child(&el);
    }
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
        request_fullscreen(&el);
    }
}

/// Asks for full screen. Refused (a key press that a script made, a frame that may not),
/// the presentation goes on in the window: the refusal is caught, not left as an
/// uncaught error.
fn request_fullscreen(el: &web_sys::HtmlElement) {
    let promise = js_sys::Reflect::get(el, &"requestFullscreen".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(el).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    if let Some(promise) = promise {
        let ignore = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
            |_: wasm_bindgen::JsValue| {},
        );
        let _ = promise.catch(&ignore);
        // One small handler per presentation opened.
        ignore.forget();
    }
}

/// The slide `stage` shows of `project` on a window of `width` × `height`.
fn slide(project: &Project, stage: Stage, width: f64, height: f64) -> Option<Shown> {
    let studies = project.studies_per_outcome();
    let slides = stage::slides(&studies, stage.reveal);
    let slide = *slides.get(stage.slide)?;
    let outcome = project.outcomes.get(slide.outcome)?;
    let on_stage = stage::plot(
        outcome,
        |r| project.assessment(r),
        slide,
        stage.reveal,
        width,
        height,
    );
    Some(Shown {
        outcome: slide.outcome,
        code: None,
        view: None,
        title: outcome.name.clone(),
        place: place(
            slide,
            slides.len(),
            stage.slide,
            project.outcomes.len(),
            studies.get(slide.outcome).copied().unwrap_or(0),
            on_stage.rob_left_out,
        ),
        headline: headline(&on_stage.report),
        svg: on_stage.layout.to_svg(),
        reveal: stage.reveal,
    })
}

/// What the keys and buttons of the presentation view do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Back one screen: up a tall plot, or the previous slide.
    Previous,
    /// On one screen: down a tall plot, or the next slide.
    Next,
    /// The first slide.
    First,
    /// The last slide.
    Last,
    /// The next way of showing the studies ([`Reveal`]).
    Reveal,
    /// Leave the presentation.
    Close,
    /// Show or hide the QR code of the outcome's share link.
    Code,
    /// The next view of the outcome in place of its forest plot ([`stage::next_view`]).
    View,
    /// Download the slide as a 1920×1080 PNG.
    Slide,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::Previous,
        Action::Next,
        Action::First,
        Action::Last,
        Action::Reveal,
        Action::Close,
        Action::Code,
        Action::View,
        Action::Slide,
    ];

    fn code(self) -> &'static str {
        match self {
            Action::Previous => "previous",
            Action::Next => "next",
            Action::First => "first",
            Action::Last => "last",
            Action::Reveal => "reveal",
            Action::Close => "close",
            Action::Code => "code",
            Action::View => "views",
            Action::Slide => "slide",
        }
    }

    fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// What one slide shows.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    /// Index of the outcome.
    outcome: usize,
    /// The QR code of its share link, when asked for (or why there is none).
    code: Option<Result<String, String>>,
    /// The view shown in place of the forest plot: its SVG, or why there is none yet.
    view: Option<(View, Result<String, String>)>,
    title: String,
    place: String,
    headline: Result<HeadlineText, String>,
    svg: String,
    reveal: Reveal,
}

impl Shown {
    /// The slide's markup, every text escaped.
    fn markup(&self) -> String {
        let e = escape;
        let headline = match &self.headline {
            Ok(h) => format!(
                r#"<p class="big"><span class="measure">{} </span><strong>{}</strong>{}</p><p class="sub">{}</p>"#,
                e(h.measure),
                e(&h.estimate),
                e(&h.ci),
                e(&h.sub)
            ),
            Err(why) => format!(r#"<p class="big">{}</p>"#, e(why)),
        };
        let button = |action: Action, label: &str| {
            format!(
                r#"<button type="button" data-action="{0}" data-testid="stage-{0}">{1}</button>"#,
                action.code(),
                e(label)
            )
        };
        let body = match (&self.code, &self.view) {
            (None, Some((view, Ok(svg)))) => format!(
                r#"<div class="stage-view" data-testid="stage-view"><h2>{}</h2>{svg}</div>"#,
                e(view.label())
            ),
            (None, Some((view, Err(why)))) => format!(
                r#"<div class="stage-view" data-testid="stage-view"><h2>{}</h2><p>{}</p></div>"#,
                e(view.label()),
                e(why)
            ),
            (None, None) => format!(
                r#"<div class="stage-plot" data-testid="stage-plot">{}</div>"#,
                self.svg
            ),
            (Some(Ok(svg)), _) => format!(
                r#"<div class="stage-qr" data-testid="stage-qr">{svg}<p>Scan to open this analysis: the data travel in the link itself.</p></div>"#
            ),
            (Some(Err(why)), _) => format!(
                r#"<div class="stage-qr" data-testid="stage-qr"><p>No QR code: {}.</p></div>"#,
                e(why)
            ),
        };
        format!(
            r#"<header class="stage-top"><h1 id="stage-title" data-testid="stage-title">{}</h1><p class="stage-place" data-testid="stage-place">{}</p></header><div class="stage-headline" data-testid="stage-headline">{headline}</div>{body}<footer class="stage-keys">{}{}{}{}{}{}{}</footer>"#,
            e(&self.title),
            e(&self.place),
            button(Action::Previous, "← Previous"),
            button(Action::Next, "Next →"),
            button(Action::Reveal, &format!("{} (B)", self.reveal.label())),
            button(
                Action::Code,
                if self.code.is_some() {
                    "Plot (Q)"
                } else {
                    "QR code (Q)"
                }
            ),
            button(
                Action::View,
                &format!(
                    "{} (V)",
                    stage::next_view(self.view.as_ref().map(|v| v.0))
                        .map_or("Forest plot", View::label)
                )
            ),
            button(Action::Slide, "Download slide"),
            button(Action::Close, "Leave (Esc)"),
        )
    }
}

/// "Outcome 2 of 3 · 4 of 13 studies · slide 6 of 20".
fn place(
    slide: Slide,
    count: usize,
    index: usize,
    outcomes: usize,
    studies: usize,
    rob_left_out: bool,
) -> String {
    let mut s = format!("Outcome {} of {outcomes}", slide.outcome + 1);
    if let Some(shown) = slide.shown {
        s.push_str(&format!(" · {shown} of {studies} studies"));
    }
    s.push_str(&format!(" · slide {} of {count}", index + 1));
    if rob_left_out {
        s.push_str(" · risk of bias left out: too wide for this screen");
    }
    s
}

fn headline(report: &Report) -> Result<HeadlineText, String> {
    report
        .headline()
        .map(|h| HeadlineText::new(&h, report.options.settings.measure, report.p_style()))
        .map_err(|why| undefined_headline(&why))
}

impl State {
    /// Opens the presentation view on the active outcome.
    pub fn present(&self) {
        let (studies, active) = self
            .project
            .with_untracked(|p| (p.studies_per_outcome(), p.active));
        self.stage
            .set(Some(Stage::open(&studies, active, Reveal::All)));
    }

    /// Downloads the slide on screen as a 1920×1080 PNG (`stage::slide_svg`).
    fn download_slide(&self) {
        let Some(stage) = self.stage.get_untracked() else {
            return;
        };
        let made = self.project.with_untracked(|p| {
            let studies = p.studies_per_outcome();
            let slide = *stage::slides(&studies, stage.reveal).get(stage.slide)?;
            let outcome = p.outcomes.get(slide.outcome)?;
            let (w, h) = stage::SLIDE;
            let stage::OnStage { report, layout, .. } =
                stage::plot(outcome, |r| p.assessment(r), slide, stage.reveal, w, h);
            let lines = match headline(&report) {
                Ok(h) => [format!("{} {}{}", h.measure, h.estimate, h.ci), h.sub],
                Err(why) => [why, String::new()],
            };
            let svg = stage::slide_svg(&outcome.name, [&lines[0], &lines[1]], &layout);
            Some((
                svg,
                format!("{}-slide.png", super::plot::file_stem(&outcome.name)),
            ))
        });
        let Some((svg, name)) = made else {
            return;
        };
        let state = *self;
        let (w, h) = stage::SLIDE;
        browser::download_png(&svg, w, h, 1.0, &name, move |r| {
            if let Err(why) = r {
                state.say(format!("The slide was not made: {why}."), true);
            }
        });
    }

    /// Does what a key or button of the presentation view asks.
    pub fn act(&self, action: Action) {
        let el = document().get_element_by_id(STAGE_ID);
        // A plot taller than the screen is scrolled through before the slide changes.
        let (top, seen, all) = el.as_ref().map_or((0, 0, 0), |e| {
            (e.scroll_top(), e.client_height(), e.scroll_height())
        });
        let by = match action {
            Action::Close => {
                self.stage.set(None);
                return;
            }
            Action::Code => {
                self.stage.update(|s| {
                    if let Some(st) = s {
                        st.code = !st.code;
                    }
                });
                return;
            }
            Action::View => {
                self.stage.update(|s| {
                    if let Some(st) = s {
                        st.code = false;
                        st.view = stage::next_view(st.view);
                    }
                });
                return;
            }
            Action::Slide => {
                self.download_slide();
                return;
            }
            Action::Next if top + seen < all - 2 => {
                if let Some(e) = el {
                    e.set_scroll_top(top + seen * 9 / 10);
                }
                return;
            }
            Action::Previous if top > 2 => {
                if let Some(e) = el {
                    e.set_scroll_top((top - seen * 9 / 10).max(0));
                }
                return;
            }
            Action::Next => 1,
            Action::Previous => -1,
            Action::First => isize::MIN,
            Action::Last => isize::MAX,
            Action::Reveal => 0,
        };
        let studies = self.project.with_untracked(Project::studies_per_outcome);
        self.stage.update(|s| {
            if let Some(st) = s {
                *st = if action == Action::Reveal {
                    st.with_reveal(&studies, st.reveal.next())
                } else {
                    st.step(&studies, by)
                };
            }
        });
        if let Some(e) = el {
            e.set_scroll_top(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slide_escapes_what_the_user_typed_and_names_its_buttons() {
        let shown = Shown {
            outcome: 0,
            code: None,
            view: None,
            title: "<b>Deaths</b> & more".to_owned(),
            place: "Outcome 1 of 1".to_owned(),
            headline: Err("No pooled estimate: <none>.".to_owned()),
            svg: "<svg></svg>".to_owned(),
            reveal: Reveal::YearOrder,
        };
        let html = shown.markup();
        assert!(html.contains("&lt;b&gt;Deaths&lt;/b&gt; &amp; more"));
        assert!(html.contains("&lt;none&gt;"));
        assert!(html.contains("<svg></svg>"));
        for a in Action::ALL {
            assert_eq!(Action::from_code(a.code()), Some(a));
        }
        for a in [
            Action::Previous,
            Action::Next,
            Action::Reveal,
            Action::Close,
        ] {
            assert!(html.contains(&format!(r#"data-action="{}""#, a.code())));
        }
        assert!(html.contains("Build-up: by year (B)"));
    }
}
