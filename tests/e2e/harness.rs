//! End-to-end harness: serves the release build of the page on 127.0.0.1 at an ephemeral
//! port and drives headless Chromium through ChromeDriver (WebDriver, via `fantoccini`).
//!
//! # Where the page comes from
//! `GROVE_DIST` names a folder built by `trunk build --release` (the test command builds
//! `dist/` and sets it). Without it, the harness builds the page once into
//! `target/e2e-dist` with trunk.
//!
//! Tests of offline use and of other hosts start a [`Server`] of their own: any folder,
//! under any path prefix, counting its connections, stopped to take the network away.
//! The single-file build (`target/single/grove.html`) is `GROVE_SINGLE`, or built by
//! `scripts/build-single`, and opened through `file://`.
//!
//! # Test hooks
//! The page marks the elements tests use with `data-testid`:
//!
//! | testid | element |
//! |---|---|
//! | `data-input` | the paste area: setting its value and firing `input` loads the rows |
//! | `paste-replace` / `paste-append` | radio buttons: the next paste replaces the table or goes after it |
//! | `data-table` / `data-row` | the editable table (`aria-rowcount` = rows + 2 header rows) and each row drawn: a long table draws only the rows in view and a margin (inputs labelled "Row N, Column") |
//! | `add-row` | adds an empty row |
//! | `delete-row` | the delete button of each row |
//! | `undo` / `redo` | undo and redo any change to the project (also Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) |
//! | `measure` | select: `RR OR RD` |
//! | `method` | select: `IV MH Peto` |
//! | `model` | select: `common random both` |
//! | `totals` | select: `overall subtotals none` (which pooled results are shown) |
//! | `tau2` | select: `DL REML PM ML HS SJ HE EB` |
//! | `ci-method` | select: `z HK` |
//! | `prediction` | checkbox: show the prediction interval |
//! | `correction-scope`, `correction-increment`, `revman5` | zero-cell settings and the RevMan 5 preset |
//! | `convention` | select: `metafor revman5` (whose conventions apply where they differ) |
//! | `open-revman` | file input opening a RevMan 5 review (`.rm5`); dropping a file on the page does the same |
//! | `outcome-search` / `outcome-item` | the outcome list shown instead of tabs for a review or many outcomes: search field, and one button per outcome (`aria-current` on the active one) |
//! | `revman-agreement` | for an outcome from a review: whether Grove's numbers equal RevMan's stored ones (`data-agrees="true"/"false"`) |
//! | `confirm-reading` | button confirming one reading of an ambiguous count (`data-reading` holds the value) |
//! | `pooled-summary` | the random-effects result when the model is random or both, else the common one; attributes `data-estimate`, `data-ci-lower`, `data-ci-upper`, `data-i2`, `data-tau2`, `data-k` (full precision, natural scale), absent when there is no pooled result |
//! | `meaning`, `meaning-i2`, `meaning-prediction`, `meaning-absolute` | what the numbers mean: I² in the Handbook's bands, the prediction interval, the pooled effect per 1000 people |
//! | `control-risk` / `control-risk-note` | the control-group risk per 1000 for the absolute effects (empty: the trials' median) and what is used or why the typed one is not |
//! | `sentence` / `copy-sentence` | the one-line summary for an abstract and its copy button |
//! | `forest-plot` | the forest plot `<svg>` |
//! | `diagnostics` | the list of input problems; each is a `diagnostic`, with a `go-to-cell` button that scrolls to its cell and focuses it |
//! | `exclusions` | rows and studies left out of the analysis, with why |
//! | `export-svg` / `export-csv` | links whose `href` is a `data:` URL of the SVG / CSV file |
//! | `export-png` | button rendering the plot as PNG at 300 dpi |
//! | `save-project` / `open-project` | download the project file / file input opening one |
//! | `export-r` | in the results paragraph's view (`view-paragraph`): downloads `grove-analysis.R`, the metafor script of every outcome (a `data:` URL) |
//! | `view-findings` | the views panel's summary of findings: `sof-table` with a `sof-row` per outcome and its `sof-certainty`, `sof-footnotes`, the exports `sof-html` and `sof-csv` (`data:` URLs), a `grade-outcome` fieldset per outcome with a select `grade-OUTCOME-DOMAIN` and a field `gradereason-OUTCOME-DOMAIN` per domain |
//! | `view-paragraph` | the views panel's results paragraph: `paragraph`, `copy-paragraph`, `paragraph-status` |
//! | `view-rob` | the views panel's risk-of-bias button: `rob-table` (a select named `rob-ROW-DOMAIN` per judgement), `rob-problems` (typed cells that are not judgements), `rob-sensitivity` (trials at low overall risk only, beside all trials) |
//! | `notice` | message about files, storage or the clipboard |
//! | `present` | button opening the presentation view (also the key P) |
//! | `stage` | the presentation view; inside it `stage-title`, `stage-place` (outcome, build-up step, slide), `stage-headline`, `stage-plot` (its `<svg>`) or `stage-qr` (the QR code of the outcome's link), and the buttons `stage-previous`, `stage-next`, `stage-reveal` (all studies or a build-up), `stage-code` (QR code or plot), `stage-slide` (1920×1080 PNG), `stage-close` |
//! | `share` / `share-panel` | button opening the share panel / the panel: `share-project` and `share-outcome` (radios), `share-link` (the link), `share-status` (its length, or why there is no QR code), `share-copy`, `qr` (the QR code), `qr-svg` / `qr-png` (its downloads), `share-close` |
//! | `visit` | bar shown while a shared analysis is on screen, with `keep-copy` and `leave-visit` |
//! | `explain-panel` | how a number was computed, opened by a `button.explain` of the results tables (`data-explain` holds the keys): `explained-value` (full precision, analysis scale), `explained-natural` (as shown, for ratios), `explain-close` |
//! | `examples` | select of built-in examples: `bcg`, `zero-cells`, `subgroups` |
//! | `theme` | the light/dark theme toggle |
//! | `outcome-tab` / `add-outcome` / `remove-outcome` / `outcome-name` | outcome tabs and their controls |

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long to wait for the page to reach an expected state.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The served site: the release build of the page on an ephemeral loopback port.
pub struct Site {
    /// Base URL, e.g. `http://127.0.0.1:40123/`.
    pub url: String,
}

/// The site shared by every test of this binary (served from a background thread).
pub fn site() -> &'static Site {
    static SITE: OnceLock<Server> = OnceLock::new();
    &SITE.get_or_init(|| Server::start("/")).site
}

/// A server of the built page of its own, under a path prefix (`/some/sub/path/`), that a
/// test can stop to see the page without a network.
pub struct Server {
    /// Where the page is: `http://127.0.0.1:<port><prefix>`.
    pub site: Site,
    running: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    /// Serves the built page under `prefix` (starting and ending with `/`) on an
    /// ephemeral loopback port.
    pub fn start(prefix: &str) -> Server {
        Server::start_at(dist_dir(), prefix)
    }

    /// Serves the folder `root` (a built page) under `prefix`.
    pub fn start_at(root: PathBuf, prefix: &str) -> Server {
        assert!(
            root.join("index.html").is_file(),
            "no index.html in {}: build the page first",
            root.display()
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let running = Arc::new(AtomicBool::new(true));
        let requests = Arc::new(AtomicUsize::new(0));
        let (flag, count, owned_prefix) = (running.clone(), requests.clone(), prefix.to_owned());
        std::thread::spawn(move || {
            // Stopping drops the listener: connections are refused from then on.
            while flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        let (root, prefix) = (root.clone(), owned_prefix.clone());
                        let _ = stream.set_nonblocking(false);
                        std::thread::spawn(move || serve_one(stream, &root, &prefix));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            site: Site {
                url: format!("http://127.0.0.1:{port}{prefix}"),
            },
            running,
            requests,
        }
    }

    /// How many connections the server has accepted.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops serving: the port refuses connections, as when the network is gone.
    pub fn stop(&self) {
        self.running.store(false, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One browser session on the page, with its own ChromeDriver.
pub struct Page {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Page {
    /// Starts a browser at `width`×`height` and opens the page with a fresh profile
    /// (empty localStorage), waiting until the forest plot is on screen.
    pub async fn open_sized(width: u32, height: u32) -> Page {
        Page::launch(width, height).await.on_site().await
    }

    /// This browser on the page, once the forest plot is on screen.
    async fn on_site(self) -> Page {
        self.client
            .goto(&site().url)
            .await
            .expect("navigate to the page");
        self.wait_for("forest-plot").await;
        self
    }

    /// Like [`Page::open_sized`], with a window whose inside (the page's `innerWidth` ×
    /// `innerHeight`) is `width`×`height`: the size of a projector shown full screen.
    pub async fn open_viewport(width: u32, height: u32) -> Page {
        let page = Page::launch(width, height).await;
        let chrome = page
            .js(
                "return [outerWidth - innerWidth, outerHeight - innerHeight];",
                vec![],
            )
            .await;
        let extra = |i: usize| chrome[i].as_u64().unwrap_or(0) as u32;
        page.client
            .set_window_size(width + extra(0), height + extra(1))
            .await
            .expect("size the window");
        page.on_site().await
    }

    /// Opens `url` at 1280×900 with a fresh profile, waiting until the forest plot is on
    /// screen.
    pub async fn open_url(url: &str) -> Page {
        let page = Page::launch(1280, 900).await;
        page.client.goto(url).await.expect("navigate to the page");
        page.wait_for("forest-plot").await;
        page
    }

    /// Starts a browser at `width`×`height` with a fresh profile, on no page yet.
    pub async fn launch(width: u32, height: u32) -> Page {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            // Its own process group, so that Chromium goes with it when a test fails.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (installed by scripts/setup)");
        wait_for_port(port);
        let profile = std::env::temp_dir().join(format!("grove-e2e-{port}"));
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium_binary(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ]
            },
            "goog:loggingPrefs": { "browser": "ALL" }
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!("capabilities are an object"),
        };
        // ChromeDriver may accept connections a moment before it serves sessions.
        let mut attempt = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 20 => {
                    attempt += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("WebDriver session: {e}"),
            }
        };
        Page {
            client,
            driver,
            profile,
        }
    }

    /// [`Page::open_sized`] at 1280×900.
    pub async fn open() -> Page {
        Page::open_sized(1280, 900).await
    }

    /// Reloads the page and waits for the forest plot.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reload");
        self.wait_for("forest-plot").await;
    }

    /// Waits until an element with this `data-testid` exists.
    pub async fn wait_for(&self, testid: &str) {
        let css = format!("[data-testid='{testid}']");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={testid}] on the page: {e}"));
    }

    /// Runs JavaScript in the page and returns its value.
    /// Presses `key` (a `KeyboardEvent.key`) as a script would: on the focused element,
    /// or the page's body, without the user activation of a real key press.
    pub async fn key(&self, key: &str) {
        self.js(
            "(document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}));",
            vec![Value::from(key)],
        )
        .await;
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Evaluates `expression` on the first element with this testid, bound to `e`
    /// (`null` when there is none); `arg` is `arguments[1]`.
    async fn on_testid(&self, testid: &str, expression: &str, arg: Value) -> Value {
        let script = format!(
            "const e = document.querySelector(`[data-testid='${{arguments[0]}}']`); return e ? {expression} : null;"
        );
        self.js(&script, vec![json!(testid), arg]).await
    }

    /// The value of attribute `name` on the first element with this testid.
    pub async fn attr(&self, testid: &str, name: &str) -> Option<String> {
        let v = self
            .on_testid(testid, "e.getAttribute(arguments[1])", json!(name))
            .await;
        v.as_str().map(str::to_owned)
    }

    /// A numeric `data-*` attribute of `pooled-summary`.
    pub async fn summary_number(&self, name: &str) -> f64 {
        let raw = self
            .attr("pooled-summary", name)
            .await
            .unwrap_or_else(|| panic!("pooled-summary has no {name}"));
        raw.parse()
            .unwrap_or_else(|_| panic!("pooled-summary {name}={raw:?} is not a number"))
    }

    /// The text content of the first element with this testid.
    pub async fn text(&self, testid: &str) -> String {
        let v = self.on_testid(testid, "e.textContent", Value::Null).await;
        v.as_str()
            .unwrap_or_else(|| panic!("no [data-testid={testid}]"))
            .to_owned()
    }

    /// How many elements carry this testid.
    pub async fn count(&self, testid: &str) -> usize {
        let v = self
            .js(
                "return document.querySelectorAll(`[data-testid='${arguments[0]}']`).length;",
                vec![json!(testid)],
            )
            .await;
        v.as_u64().unwrap_or(0) as usize
    }

    /// Pastes `text` into the data area as a user would: sets its value and fires `input`.
    pub async fn paste(&self, text: &str) {
        self.js(
            "const e = document.querySelector(`[data-testid='data-input']`); e.value = arguments[0]; e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(text)],
        )
        .await;
        self.settle().await;
    }

    /// Clicks the first element with this testid.
    pub async fn click(&self, testid: &str) {
        self.click_css(&format!("[data-testid='{testid}']")).await;
    }

    /// Clicks the first element matching `css`, as a user would.
    pub async fn click_css(&self, css: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.settle().await;
    }

    /// Waits for two animation frames, so the page has rendered what the last event did.
    pub async fn settle(&self) {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
                vec![],
            )
            .await
            .expect("wait for frames");
    }

    /// Saves a screenshot as `target/screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Saves a screenshot of the first element with this testid as
    /// `target/screenshots/<name>.png` and returns its path.
    pub async fn screenshot_of(&self, testid: &str, name: &str) -> PathBuf {
        let css = format!("[data-testid='{testid}']");
        let el = self
            .client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no {testid}: {e}"));
        self.js(
            "document.querySelector(`[data-testid='${arguments[0]}']`).scrollIntoView({block: 'start'});",
            vec![json!(testid)],
        )
        .await;
        let png = el.screenshot().await.expect("element screenshot");
        let dir = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Messages the browser logged at level SEVERE (console errors, CSP violations,
    /// failed loads, uncaught exceptions) since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let logs = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("read the browser log");
        logs.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Ends the session and stops its ChromeDriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the driver and the browser.
    }
}

impl Drop for Page {
    /// Stops ChromeDriver and every browser process it started, and removes the profile.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `probe` until it returns `Some`, or panics with `what` after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `k` trials with varied counts, as pasted rows (study, events and total in each arm):
/// `2^k − 1` subsets for GOSH.
pub fn varied_trials(k: usize) -> String {
    (0..k)
        .map(|i| {
            format!(
                "Trial {}\t{}\t{}\t{}\t{}\n",
                i + 1,
                5 + (i * 7) % 31,
                100 + (i * 37) % 300,
                8 + (i * 11) % 29,
                100 + (i * 53) % 300
            )
        })
        .collect()
}

/// The repository root (the root package's manifest folder).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// ChromeDriver's legacy log endpoint, the one way WebDriver exposes console messages.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// The single-file build of the page: `GROVE_SINGLE`, or built once into
/// `target/single/grove.html` by `scripts/build-single`.
pub fn single_file() -> PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        if let Ok(file) = std::env::var("GROVE_SINGLE") {
            return PathBuf::from(file);
        }
        let status = Command::new("bash")
            .arg("scripts/build-single")
            .current_dir(workspace_root())
            .status()
            .expect("run scripts/build-single");
        assert!(status.success(), "scripts/build-single failed");
        workspace_root().join("target/single/grove.html")
    })
    .clone()
}

fn dist_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GROVE_DIST") {
        let p = PathBuf::from(dir);
        return if p.is_absolute() {
            p
        } else {
            workspace_root().join(p)
        };
    }
    let dist = workspace_root().join("target/e2e-dist");
    let status = Command::new("trunk")
        .args(["build", "--release", "--dist"])
        .arg(&dist)
        .current_dir(workspace_root())
        .status()
        .expect("run trunk (installed by scripts/setup)");
    assert!(status.success(), "trunk build --release failed");
    dist
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < PATIENCE,
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Serves one HTTP/1.1 request for a file under `root` (GET and HEAD only).
fn serve_one(stream: TcpStream, root: &Path, prefix: &str) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    // Outside the prefix there is nothing (a page asking for `/x.js` under a sub-path).
    let Some(relative) = path
        .strip_prefix(prefix)
        .or_else(|| (path.to_owned() + "/" == prefix).then_some(""))
    else {
        let mut stream = stream;
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let file = root.join(relative);
    let inside = !relative.split('/').any(|c| c == "..");
    let body = if inside {
        std::fs::read(&file).ok()
    } else {
        None
    };
    let mut stream = stream;
    let _ = match body {
        Some(bytes) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type(&file),
                bytes.len()
            );
            stream.write_all(head.as_bytes()).and_then(|_| {
                if method == "HEAD" {
                    Ok(())
                } else {
                    stream.write_all(&bytes)
                }
            })
        }
        None => stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
    let _ = stream.flush();
    let _ = reader.read(&mut [0u8; 0]);
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("json") | Some("webmanifest") => "application/json",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
