//! Entry point of the web app: installs the panic hook and mounts the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(grove::App);
    // The first render is in the DOM now: mark it for scripts/page-perf.
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("grove:mounted");
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("grove-app is the web app: build it with trunk (see README.md)");
}
