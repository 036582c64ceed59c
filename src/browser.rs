//! The outside world: the browser's storage, clipboard, file reading and downloads.
//! Nothing here knows about meta-analysis; failures come back as [`BrowserError`] so the
//! page can say what happened.

use std::fmt;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Key under which the project is kept in `localStorage`.
pub const PROJECT_KEY: &str = "grove.project";
/// Key under which a stored project that could not be read is set aside.
pub const DAMAGED_KEY: &str = "grove.project.damaged";
/// Key of the colour theme.
pub const THEME_KEY: &str = "grove.theme";

/// What went wrong talking to the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserError {
    /// Storage is unavailable (private mode, disabled) or full.
    Storage(String),
    /// The clipboard refused.
    Clipboard(String),
    /// A file could not be read or written.
    File(String),
    /// Compressing or decompressing failed (a damaged share link), or the result would be
    /// larger than allowed.
    Deflate(String),
}

impl fmt::Display for BrowserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrowserError::Storage(why) => write!(f, "the browser did not keep the project ({why})"),
            BrowserError::Clipboard(why) => write!(f, "copying failed ({why})"),
            BrowserError::File(why) => write!(f, "the file could not be handled ({why})"),
            BrowserError::Deflate(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for BrowserError {}

fn describe(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown reason".to_owned())
}

fn storage() -> Result<web_sys::Storage, BrowserError> {
    web_sys::window()
        .ok_or_else(|| BrowserError::Storage("no window".to_owned()))?
        .local_storage()
        .map_err(|e| BrowserError::Storage(describe(&e)))?
        .ok_or_else(|| BrowserError::Storage("storage is disabled".to_owned()))
}

/// The stored value under `key`, if any.
pub fn load(key: &str) -> Option<String> {
    storage().ok()?.get_item(key).ok()?
}

/// Stores `value` under `key`.
pub fn store(key: &str, value: &str) -> Result<(), BrowserError> {
    storage()?
        .set_item(key, value)
        .map_err(|e| BrowserError::Storage(describe(&e)))
}

/// Whether the user's system asks for a dark colour scheme.
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Puts `text` on the clipboard; `done` is called with the outcome.
pub fn copy_text(text: &str, done: impl FnOnce(Result<(), BrowserError>) + 'static) {
    let Some(window) = web_sys::window() else {
        done(Err(BrowserError::Clipboard("no window".to_owned())));
        return;
    };
    let promise = window.navigator().clipboard().write_text(text);
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let ok = {
        let done = done.clone();
        Closure::once(move |_: wasm_bindgen::JsValue| {
            if let Some(d) = done.borrow_mut().take() {
                d(Ok(()));
            }
        })
    };
    let err = Closure::once(move |e: wasm_bindgen::JsValue| {
        if let Some(d) = done.borrow_mut().take() {
            d(Err(BrowserError::Clipboard(describe(&e))));
        }
    });
    let _ = promise.then2(&ok, &err);
    ok.forget();
    err.forget();
}

/// The `data-action` of the element an event happened on or inside: the code of what a
/// control of a panel drawn as markup asks for.
pub fn data_action(event: &web_sys::Event) -> Option<String> {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("[data-action]").ok().flatten())
        .and_then(|e| e.get_attribute("data-action"))
}

/// The `name` of the form control an event came from.
pub fn target_name(event: &web_sys::Event) -> Option<String> {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.get_attribute("name"))
}

/// A `data:` URL holding `text`, for download links that need no object URL.
pub fn data_url(mime: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";charset=utf-8,");
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b' ' => {
                out.push(if b == b' ' { ' ' } else { b as char });
            }
            _ => {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
            }
        }
    }
    out.replace(' ', "%20")
}

/// Starts a download of `href` under `filename`.
pub fn download(href: &str, filename: &str) -> Result<(), BrowserError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| BrowserError::File("no document".to_owned()))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| BrowserError::File(describe(&e)))?
        .unchecked_into();
    a.set_href(href);
    a.set_download(filename);
    a.click();
    Ok(())
}

/// Moves the keyboard focus to the first element matching `css`, once the page has
/// drawn the change under way (a row just added or moved).
pub fn focus_soon(css: String) {
    leptos::prelude::request_animation_frame(move || {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&css).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(e) = element {
            let _ = e.focus();
        }
    });
}

/// The text of a paste event's clipboard.
pub fn pasted_text(event: &web_sys::ClipboardEvent) -> Option<String> {
    event.clipboard_data()?.get_data("text/plain").ok()
}

/// The first file chosen in `input`.
pub fn chosen_file(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
    input.files().and_then(|f| f.get(0))
}

/// The first file dropped by a drag-and-drop event.
pub fn dropped_file(event: &web_sys::DragEvent) -> Option<web_sys::File> {
    event
        .data_transfer()
        .and_then(|d| d.files())
        .and_then(|f| f.get(0))
}

/// Reads `file` as bytes; `done` gets them, or why not.
pub fn read_bytes(
    file: &web_sys::File,
    done: impl FnOnce(Result<Vec<u8>, BrowserError>) + 'static,
) {
    let reader = match web_sys::FileReader::new() {
        Ok(r) => r,
        Err(e) => {
            done(Err(BrowserError::File(describe(&e))));
            return;
        }
    };
    let onload = {
        let reader = reader.clone();
        Closure::once(move |_: web_sys::Event| {
            let bytes = reader
                .result()
                .ok()
                .filter(|v| v.is_instance_of::<js_sys::ArrayBuffer>())
                .map(|v| js_sys::Uint8Array::new(&v).to_vec());
            done(bytes.ok_or_else(|| BrowserError::File("it could not be read".to_owned())));
        })
    };
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    if let Err(e) = reader.read_as_array_buffer(file) {
        web_sys::console::warn_1(&e);
    }
}

/// CSS pixels per inch: a plot measured in CSS pixels and drawn `scale` times larger has
/// `CSS_DPI × scale` dots per inch.
pub const CSS_DPI: f64 = 96.0;

/// Renders `svg` (a standalone SVG document `width`×`height` CSS pixels) at `scale` onto
/// a canvas and downloads it as PNG under `filename`, with its resolution (`pHYs`) of
/// `CSS_DPI × scale` dots per inch.
pub fn download_png(
    svg: &str,
    width: f64,
    height: f64,
    scale: f64,
    filename: &str,
    done: impl FnOnce(Result<(), BrowserError>) + 'static,
) {
    let fail = |e: &wasm_bindgen::JsValue| BrowserError::File(describe(e));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        done(Err(BrowserError::File("no document".to_owned())));
        return;
    };
    let image = match web_sys::HtmlImageElement::new() {
        Ok(i) => i,
        Err(e) => return done(Err(fail(&e))),
    };
    let canvas: web_sys::HtmlCanvasElement = match document.create_element("canvas") {
        Ok(c) => c.unchecked_into(),
        Err(e) => return done(Err(fail(&e))),
    };
    let filename = filename.to_owned();
    let onload = {
        let image = image.clone();
        Closure::once(move |_: web_sys::Event| {
            let result = (|| {
                canvas.set_width((width * scale).ceil() as u32);
                canvas.set_height((height * scale).ceil() as u32);
                let context: web_sys::CanvasRenderingContext2d = canvas
                    .get_context("2d")
                    .map_err(|e| fail(&e))?
                    .ok_or_else(|| BrowserError::File("no 2D canvas".to_owned()))?
                    .unchecked_into();
                context.scale(scale, scale).map_err(|e| fail(&e))?;
                context
                    .draw_image_with_html_image_element_and_dw_and_dh(
                        &image, 0.0, 0.0, width, height,
                    )
                    .map_err(|e| fail(&e))?;
                let url = canvas
                    .to_data_url_with_type("image/png")
                    .map_err(|e| fail(&e))?;
                // The canvas writes no resolution: say it, so that 300 dpi prints at size.
                let url = grove_core::png::data_url_with_resolution(&url, CSS_DPI * scale)
                    .map_err(|e| BrowserError::File(e.to_string()))?;
                download(&url, &filename)
            })();
            done(result);
        })
    };
    image.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    image.set_src(&data_url("image/svg+xml", svg));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_escape_everything_but_plain_characters() {
        assert_eq!(
            data_url("text/csv", "a,b c\n"),
            "data:text/csv;charset=utf-8,a%2Cb%20c%0A"
        );
        assert_eq!(
            data_url("text/plain", "é"),
            "data:text/plain;charset=utf-8,%C3%A9"
        );
    }
}

/// Which way [`deflate_raw`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deflate {
    Compress,
    Decompress,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The browser's `CompressionStream` (web-sys has it behind an unstable flag).
    #[wasm_bindgen(js_name = CompressionStream)]
    type CompressionStream;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<CompressionStream, wasm_bindgen::JsValue>;
    /// The browser's `DecompressionStream`.
    #[wasm_bindgen(js_name = DecompressionStream)]
    type DecompressionStream;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<DecompressionStream, wasm_bindgen::JsValue>;
}

/// Raw DEFLATE (RFC 1951) of `bytes` by the browser's own streams, so that no compressor
/// ships in the page; stops with an error once the output passes `limit` bytes (a
/// damaged or hostile share link cannot fill the memory).
pub async fn deflate_raw(
    bytes: &[u8],
    direction: Deflate,
    limit: usize,
) -> Result<Vec<u8>, BrowserError> {
    let fail = |e: wasm_bindgen::JsValue| BrowserError::Deflate(describe(&e));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(fail)?;
    let transform: wasm_bindgen::JsValue = match direction {
        Deflate::Compress => CompressionStream::new("deflate-raw").map_err(fail)?.into(),
        Deflate::Decompress => DecompressionStream::new("deflate-raw")
            .map_err(fail)?
            .into(),
    };
    let stream = blob
        .stream()
        .pipe_through(transform.unchecked_ref::<web_sys::ReadableWritablePair>());
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read())
            .await
            .map_err(|_| BrowserError::Deflate("the data are damaged".to_owned()))?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).unwrap_or_default();
        if field("done").as_bool() == Some(true) {
            return Ok(out);
        }
        out.extend(js_sys::Uint8Array::new(&field("value")).to_vec());
        if out.len() > limit {
            let _ = reader.cancel();
            return Err(BrowserError::Deflate(format!(
                "it holds more than {} MB of text",
                limit >> 20
            )));
        }
    }
}
