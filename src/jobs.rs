//! Work done in a Web Worker built as a WebAssembly module of its own (`grove-worker`,
//! `src/worker.rs`), so that the page's download does not carry it: reading a RevMan
//! review, with its XML parser; explaining how a number was computed
//! ([`crate::explain_view`]); drawing the views besides the forest plot
//! ([`crate::views`]). The worker's files are fetched the first time one of these is
//! asked for, and kept by the service worker like the page's own; the worker then stays,
//! doing one job at a time, so that a view drawn again at each edit costs no new start.
//!
//! For a review the page sends the file's bytes, and the worker answers with the
//! review's outcomes as a Grove project (JSON), which the page reads with the project
//! reader it has anyway, and adds with [`Project::add_opened`]. For an explanation or a
//! view the page sends the outcome as a project (and the keys of the numbers, or the
//! view); the worker answers with markup. [`Job::run`] is the worker's whole work, plain
//! and tested natively; the rest of this module is the message passing.

use crate::project::Project;

/// What the page asks the worker for.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Read the RevMan review in these bytes.
    OpenReview(Vec<u8>),
    /// Explain the numbers `keys` (see [`crate::explain_view::markup`]) of the active
    /// outcome of `project` (a project file's JSON).
    Explain { project: String, keys: String },
    /// Read the text of a share link ([`grove_core::share`]) into a project.
    ReadLink(String),
    /// Write the text of a share link of `project` (a project file's JSON): of every
    /// outcome, or of outcome `outcome` alone.
    LinkText {
        /// The project, as its file.
        project: String,
        /// The one outcome to share, if only one.
        outcome: Option<usize>,
    },
    /// Make the QR code of `text` as SVG, `module` CSS pixels a module, titled `title`
    /// ([`grove_core::qr`]).
    Qr {
        /// What the code holds (a share link).
        text: String,
        /// Side of a module.
        module: f64,
        /// The SVG's accessible title.
        title: String,
    },
    /// Write `what` of `project` (a project file's JSON): text made from the whole
    /// project.
    Write {
        /// The project, as its file.
        project: String,
        /// What to write.
        what: Writing,
    },
    /// Draw `view` of the active outcome of `project` (a project file's JSON).
    View {
        /// The project, as its file.
        project: String,
        /// Which view.
        view: crate::views::View,
    },
}

/// Text the worker writes from a whole project ([`Job::Write`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    /// The R script that reproduces every outcome with metafor.
    RScript,
    /// The risk-of-bias panel of the outcome shown ([`crate::rob_view::markup`]).
    RiskOfBias,
    /// The results paragraph, with its copy button.
    Paragraph,
    /// The GRADE summary of findings ([`crate::sof_view::markup`]).
    Findings,
}

impl Writing {
    /// Each, by its number in messages to the worker.
    pub const ALL: [Writing; 4] = [
        Writing::RScript,
        Writing::RiskOfBias,
        Writing::Paragraph,
        Writing::Findings,
    ];

    /// Its code in `data-action` (`view-CODE`) and test ids.
    pub fn code(self) -> &'static str {
        match self {
            Writing::RScript => "r-script",
            Writing::RiskOfBias => "rob",
            Writing::Paragraph => "paragraph",
            Writing::Findings => "findings",
        }
    }

    /// Its name on its button and in its heading.
    pub fn label(self) -> &'static str {
        match self {
            Writing::RScript => "R script",
            Writing::RiskOfBias => "Risk of bias (RoB 2)",
            Writing::Paragraph => "Results paragraph",
            Writing::Findings => "Summary of findings",
        }
    }

    /// The text, of `project`.
    pub fn of(self, project: &Project) -> String {
        match self {
            Writing::RScript => project.r_script(),
            Writing::RiskOfBias => crate::rob_view::markup(project),
            Writing::Paragraph => crate::views::paragraph_markup(&project.paragraph()),
            Writing::Findings => crate::sof_view::markup(project),
        }
    }
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The review's dichotomous outcomes.
    Review {
        /// The review's title.
        title: String,
        /// Its outcomes as a project file ([`Project::from_review`]).
        project: String,
        /// What else the user is told of it: what of the file was not imported
        /// ([`grove_core::review::Rob1Table::not_imported`]); empty when nothing.
        notes: String,
    },
    /// Text: markup to show (an explanation, a view, a QR code), or a share link's text.
    Text(String),
    /// Why the job could not be done.
    Failed(String),
}

impl Job {
    /// Does the job.
    pub fn run(&self) -> Reply {
        match self {
            Job::OpenReview(bytes) => read_review(bytes),
            Job::Explain { project, keys } => match Project::from_json(project) {
                Ok(p) => {
                    let o = p.active();
                    let report = grove_core::report::Report::new(&o.rows, &o.options);
                    let risk = o.typed_control_risk().ok().flatten();
                    match crate::explain_view::markup(&report, risk, keys) {
                        Ok(html) => Reply::Text(html),
                        Err(why) => Reply::Failed(why),
                    }
                }
                Err(why) => Reply::Failed(why.to_string()),
            },
            Job::ReadLink(text) => match grove_core::share::Shared::from_text(text) {
                Ok(shared) => Reply::Review {
                    title: String::new(),
                    project: Project::from_shared(shared).to_json(),
                    notes: String::new(),
                },
                Err(why) => Reply::Failed(why.to_string()),
            },
            Job::LinkText { project, outcome } => match Project::from_json(project) {
                Ok(p) => Reply::Text(
                    match outcome {
                        Some(i) => p.outcome_shared(*i),
                        None => p.to_shared(crate::project::ShareScope::Project),
                    }
                    .to_text(),
                ),
                Err(why) => Reply::Failed(why.to_string()),
            },
            Job::Qr {
                text,
                module,
                title,
            } => match grove_core::qr::Qr::new(text) {
                Ok(code) => Reply::Text(code.to_svg(*module, title)),
                Err(why) => Reply::Failed(why.to_string()),
            },
            Job::Write { project, what } => match Project::from_json(project) {
                Ok(p) => Reply::Text(what.of(&p)),
                Err(why) => Reply::Failed(why.to_string()),
            },
            Job::View { project, view } => match Project::from_json(project) {
                Ok(p) => {
                    let o = p.active();
                    let report = grove_core::report::Report::new(&o.rows, &o.options);
                    Reply::Text(crate::views::markup(&report, *view))
                }
                Err(why) => Reply::Failed(why.to_string()),
            },
        }
    }
}

/// Reads the RevMan review in `bytes`.
pub fn read_review(bytes: &[u8]) -> Reply {
    let review = match grove_core::parse::revman::read(bytes) {
        Ok(review) => review,
        Err(why) => return Reply::Failed(why.to_string()),
    };
    match Project::from_review(&review) {
        Some(project) => Reply::Review {
            notes: review
                .rob1
                .as_ref()
                .map(|t| t.not_imported())
                .unwrap_or_default(),
            title: review.title,
            project: project.to_json(),
        },
        None => Reply::Failed(format!(
            "the review \u{201c}{}\u{201d} has no dichotomous outcome; Grove analyses 2×2 tables",
            review.title
        )),
    }
}

#[cfg(target_arch = "wasm32")]
pub use web::{answer, run};

/// Does a job whose answer is text ([`Job::Qr`], [`Job::LinkText`], [`Job::RScript`]) and hands `done`
/// the text, or why there is none.
pub fn text_of(job: Job, done: impl FnOnce(Result<String, String>) + 'static) {
    run(job, move |reply| {
        done(match reply {
            Reply::Text(svg) => Ok(svg),
            Reply::Failed(why) => Err(why),
            Reply::Review { .. } => Err("the worker answered something else".to_owned()),
        })
    });
}

/// Natively (the page's unit tests) there is no worker: the job is done at once.
#[cfg(not(target_arch = "wasm32"))]
pub fn run(job: Job, done: impl FnOnce(Reply) + 'static) {
    done(job.run());
}

#[cfg(target_arch = "wasm32")]
mod web {
    use super::{Job, Reply, Writing};
    use js_sys::{Object, Reflect};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    /// Where the worker's loader is: next to the page, or where the single-file build
    /// put it (a `blob:` URL it sets as `window.groveWorker`).
    fn worker_url() -> String {
        Reflect::get(&js_sys::global(), &"groveWorker".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "./grove-worker_loader.js".to_owned())
    }

    impl Reply {
        fn to_js(&self) -> JsValue {
            let o = Object::new();
            let set = |k: &str, v: &str| {
                let _ = Reflect::set(&o, &k.into(), &v.into());
            };
            match self {
                Reply::Review {
                    title,
                    project,
                    notes,
                } => {
                    set("title", title);
                    set("project", project);
                    set("notes", notes);
                }
                Reply::Text(html) => set("text", html),
                Reply::Failed(why) => set("failed", why),
            }
            o.into()
        }

        fn from_js(v: &JsValue) -> Reply {
            let get = |k: &str| Reflect::get(v, &k.into()).ok().and_then(|v| v.as_string());
            match (get("title"), get("project"), get("text"), get("failed")) {
                (_, _, _, Some(why)) => Reply::Failed(why),
                (Some(title), Some(project), _, _) => Reply::Review {
                    title,
                    project,
                    notes: get("notes").unwrap_or_default(),
                },
                (_, _, Some(html), _) => Reply::Text(html),
                _ => Reply::Failed("the worker's answer was not understood".to_owned()),
            }
        }
    }

    impl Job {
        fn to_js(&self) -> JsValue {
            let o = Object::new();
            let set = |k: &str, v: &JsValue| {
                let _ = Reflect::set(&o, &k.into(), v);
            };
            match self {
                Job::OpenReview(bytes) => {
                    set("review", &js_sys::Uint8Array::from(bytes.as_slice()).into())
                }
                Job::Explain { project, keys } => {
                    set("project", &project.into());
                    set("keys", &keys.into());
                }
                Job::View { project, view } => {
                    set("project", &project.into());
                    set("view", &view.code().into());
                }
                Job::ReadLink(text) => set("link", &text.into()),
                Job::Write { project, what } => {
                    set("project", &project.into());
                    set("write", &(*what as u8).into());
                }
                Job::LinkText { project, outcome } => {
                    set("project", &project.into());
                    set("share", &(*outcome).map_or(-1.0, |i| i as f64).into());
                }
                Job::Qr {
                    text,
                    module,
                    title,
                } => {
                    set("qr", &text.into());
                    set("module", &(*module).into());
                    set("title", &title.into());
                }
            }
            o.into()
        }

        fn from_js(v: &JsValue) -> Option<Job> {
            let get = |k: &str| {
                Reflect::get(v, &k.into())
                    .ok()
                    .filter(|v| !v.is_undefined())
            };
            if let Some(bytes) = get("review") {
                return Some(Job::OpenReview(js_sys::Uint8Array::new(&bytes).to_vec()));
            }
            if let Some(text) = get("link") {
                return Some(Job::ReadLink(text.as_string()?));
            }
            if let Some(what) = get("write") {
                return Some(Job::Write {
                    project: get("project")?.as_string()?,
                    what: Writing::ALL.get(what.as_f64()? as usize).copied()?,
                });
            }
            if let Some(outcome) = get("share") {
                let i = outcome.as_f64()?;
                return Some(Job::LinkText {
                    project: get("project")?.as_string()?,
                    outcome: (i >= 0.0).then_some(i as usize),
                });
            }
            if let Some(text) = get("qr") {
                return Some(Job::Qr {
                    text: text.as_string()?,
                    module: get("module")?.as_f64()?,
                    title: get("title")?.as_string()?,
                });
            }
            if let Some(view) = get("view") {
                return Some(Job::View {
                    project: get("project")?.as_string()?,
                    view: crate::views::View::from_code(&view.as_string()?)?,
                });
            }
            Some(Job::Explain {
                project: get("project")?.as_string()?,
                keys: get("keys")?.as_string()?,
            })
        }
    }

    /// What is done with a job's answer.
    type Done = Box<dyn FnOnce(Reply)>;

    /// The page's worker, started at the first job and kept for the next ones (a view
    /// is drawn again at every edit), given one job at a time.
    struct Pool {
        worker: web_sys::Worker,
        /// Whether the worker listens yet.
        ready: bool,
        /// The answer awaited for the job under way.
        running: Option<Done>,
        /// Jobs waiting, in order, with whether each draws a view.
        queue: std::collections::VecDeque<(bool, JsValue, Done)>,
    }

    thread_local! {
        static POOL: std::cell::RefCell<Option<Pool>> = const { std::cell::RefCell::new(None) };
    }

    /// The page's side: does `job` in the page's worker and hands `done` its answer. A
    /// view waiting to be drawn is replaced by a newer one (only the newest data
    /// matter), and its `done` dropped unanswered.
    pub fn run(job: Job, done: impl FnOnce(Reply) + 'static) {
        let view = matches!(job, Job::View { .. });
        let failed = POOL.with_borrow_mut(|pool| {
            if pool.is_none() {
                *pool = start();
            }
            let Some(pool) = pool.as_mut() else {
                return true;
            };
            if view {
                pool.queue.retain(|(v, ..)| !v);
            }
            pool.queue.push_back((view, job.to_js(), Box::new(done)));
            send_next(pool);
            false
        });
        if failed {
            web_sys::console::warn_1(&"Grove's worker could not start".into());
        }
    }

    /// Sends the next job when the worker is free.
    fn send_next(pool: &mut Pool) {
        if !pool.ready || pool.running.is_some() {
            return;
        }
        if let Some((_, job, done)) = pool.queue.pop_front() {
            // A worker that cannot take a message has failed: its error event answers.
            if let Err(e) = pool.worker.post_message(&job) {
                web_sys::console::warn_1(&e);
            }
            pool.running = Some(done);
        }
    }

    fn start() -> Option<Pool> {
        let worker = web_sys::Worker::new(&worker_url()).ok()?;
        // The worker says when it is ready: a message sent before its WebAssembly runs
        // would find no one listening.
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let ready = ev.data().as_string().as_deref() == Some(READY);
                // Answered outside the borrow: an answer may ask for the next job.
                let done = POOL.with_borrow_mut(|pool| {
                    let pool = pool.as_mut()?;
                    let done = if ready {
                        pool.ready = true;
                        None
                    } else {
                        pool.running.take()
                    };
                    send_next(pool);
                    done
                });
                if let Some(done) = done {
                    done(Reply::from_js(&ev.data()));
                }
            });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            // A failed worker is dropped with every job given to it; the next job starts
            // a new one.
            let pool = POOL.with_borrow_mut(Option::take);
            if let Some(pool) = pool {
                pool.worker.terminate();
                let waiting = pool.queue.into_iter().map(|(_, _, done)| done);
                for done in pool.running.into_iter().chain(waiting) {
                    done(Reply::Failed(
                        "the worker stopped (it could not be loaded, or it failed)".to_owned(),
                    ));
                }
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_message.forget();
        on_error.forget();
        Some(Pool {
            worker,
            ready: false,
            running: None,
            queue: Default::default(),
        })
    }

    /// What the worker sends once it listens.
    const READY: &str = "ready";

    /// The worker's side: answers each message (a [`Job`]) with [`Job::run`].
    pub fn answer() {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply_to = scope.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let reply = match Job::from_js(&ev.data()) {
                    Some(job) => job.run(),
                    None => Reply::Failed("the page's request was not understood".to_owned()),
                };
                let _ = reply_to.post_message(&reply.to_js());
            });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = scope.post_message(&READY.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_becomes_a_project_the_page_can_read() {
        let bytes = include_bytes!("../tests/revman/Fleiss1993.rm5");
        let Reply::Review {
            title,
            project,
            notes,
        } = read_review(bytes)
        else {
            panic!("the review was not read");
        };
        assert!(!title.is_empty());
        // Its RoB 1 table is said not to be imported.
        assert!(
            notes.starts_with(
                "Its risk-of-bias table (RoB 1: 6 domains, 12 judgements) is not imported"
            ),
            "{notes}"
        );
        let opened = Project::from_json(&project).expect("the page reads the worker's project");
        let mut mine = Project::default();
        let added = mine.add_opened(opened);
        assert!(added > 0);
        assert_eq!(mine.outcomes.len(), added, "the untouched example gave way");
        assert!(mine.outcomes.iter().all(|o| o.revman.is_some()));
    }

    #[test]
    fn a_link_written_and_read_by_the_worker_gives_the_project_back() {
        let mut p = Project::default();
        p.active_mut().rows[2].excluded = true;
        let project = p.to_json();
        for outcome in [None, Some(0)] {
            let Reply::Text(text) = (Job::LinkText {
                project: project.clone(),
                outcome,
            })
            .run() else {
                panic!("no link text");
            };
            let Reply::Review { project, .. } = Job::ReadLink(text).run() else {
                panic!("the link was not read");
            };
            let back = Project::from_json(&project).expect("a project");
            assert_eq!(back.outcomes[0].rows, p.outcomes[0].rows);
            assert_eq!(back.outcomes[0].options, p.outcomes[0].options);
        }
        let Reply::Failed(why) = Job::ReadLink("grove\t1\nnonsense".to_owned()).run() else {
            panic!("a damaged link was read");
        };
        assert!(why.contains("damaged"), "{why}");
        let Reply::Text(svg) = (Job::Qr {
            text: "https://example.org/#grove1.abc".to_owned(),
            module: 4.0,
            title: "t".to_owned(),
        })
        .run() else {
            panic!("no QR code");
        };
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn what_is_not_a_review_gets_a_reason() {
        let Reply::Failed(why) = read_review(b"<html>not a review</html>") else {
            panic!("not a review, read");
        };
        assert!(!why.is_empty());
    }
}
