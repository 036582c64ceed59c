//! Entry point of the GOSH worker (`grove-gosh`): a WebAssembly module of its own that
//! fits every subset of the trials off the page's thread ([`grove::gosh`]), fetched the
//! first time the GOSH view is opened.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    grove::gosh::answer();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("grove-gosh is the page's GOSH worker: build it with trunk (see README.md)");
}
