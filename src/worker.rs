//! Entry point of the worker (`grove-worker`): a WebAssembly module of its own that does
//! the page's seldom-used heavy work off the page's download ([`grove::jobs`]).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    grove::jobs::answer();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("grove-worker is the page's worker: build it with trunk (see README.md)");
}
