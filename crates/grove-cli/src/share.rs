//! Share links on the command line: `grove analyze … --link BASE` prints the link of the
//! analysed outcome (and `--qr FILE.svg` its QR code), and `grove analyze LINK` analyses
//! the outcome a link carries. The format is the page's (`grove_core::share`); the text is
//! compressed with raw DEFLATE, as the page's `CompressionStream("deflate-raw")` does.

use grove_core::qr::Qr;
use grove_core::share::{self, MAX_TEXT_BYTES, Shared, SharedOutcome};

/// Whether the command-line argument is a share link rather than a file name.
pub(crate) fn is_link(arg: &str) -> bool {
    arg.contains("#grove")
}

/// The outcomes a link carries.
pub(crate) fn open(link: &str) -> Result<Shared, String> {
    let fragment = link.split_once('#').map_or(link, |(_, f)| f);
    let compressed = share::compressed(fragment).map_err(|e| e.to_string())?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_TEXT_BYTES)
        .map_err(|_| {
            share::ShareError::Compression("its compressed data is cut short or corrupt".to_owned())
                .to_string()
        })?;
    let text = String::from_utf8(text)
        .map_err(|_| share::ShareError::Compression("it is not text".to_owned()).to_string())?;
    Shared::from_text(&text).map_err(|e| e.to_string())
}

/// The link of one outcome, at `base` (the address Grove is served at).
pub(crate) fn link(base: &str, outcome: SharedOutcome) -> String {
    let shared = Shared {
        outcomes: vec![outcome],
        active: 0,
        rob: Vec::new(),
    };
    let compressed = miniz_oxide::deflate::compress_to_vec(shared.to_text().as_bytes(), 10);
    format!(
        "{}#{}",
        base.split('#').next().unwrap_or(base),
        share::fragment(&compressed)
    )
}

/// Writes the QR code of `link` to `path` as SVG.
pub(crate) fn write_qr(link: &str, title: &str, path: &std::path::Path) -> Result<(), String> {
    let qr = Qr::new(link).map_err(|e| e.to_string())?;
    std::fs::write(path, qr.to_svg(8.0, title))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
