//! QR codes (ISO/IEC 18004) of share links, drawn as SVG, so that an audience can open
//! the analysis shown on a slide with a phone.
//!
//! The symbol is made by the `qrcodegen` crate (Project Nayuki), in byte mode. Error
//! correction is at least level L (7% of the symbol may be lost) and raised to M, Q or H
//! whenever that fits in the same symbol size. Symbols are kept to [`MAX_VERSION`]: a
//! link that needs a larger one is refused with its length and the most that fits, so
//! that the page can offer a shorter link (one outcome) instead.

use qrcodegen::{QrCode, QrCodeEcc, QrSegment, Version};
use std::fmt::{self, Write};

/// The largest symbol made: version 25, 117 × 117 modules, which holds 1,273 bytes at
/// level L. Larger symbols have modules too fine to read off a projected slide.
pub const MAX_VERSION: u8 = 25;

/// Light modules around the symbol, as the standard requires.
pub const QUIET_ZONE: usize = 4;

/// A QR symbol: which modules are dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    size: usize,
    dark: Vec<bool>,
    version: u8,
}

/// Why no symbol was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrError {
    /// The text is longer (in bytes) than the largest symbol made holds.
    TooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The most a symbol of [`MAX_VERSION`] holds at level L.
        max: usize,
    },
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrError::TooLong { bytes, max } => write!(
                f,
                "the link is {bytes} characters long, more than a QR code that reads from a screen holds ({max})"
            ),
        }
    }
}

impl std::error::Error for QrError {}

impl Qr {
    /// The symbol of `text`.
    pub fn new(text: &str) -> Result<Qr, QrError> {
        let segments = [QrSegment::make_bytes(text.as_bytes())];
        let code = QrCode::encode_segments_advanced(
            &segments,
            QrCodeEcc::Low,
            Version::MIN,
            Version::new(MAX_VERSION),
            None,
            true,
        )
        .map_err(|_| QrError::TooLong {
            bytes: text.len(),
            max: capacity(),
        })?;
        let size = usize::try_from(code.size()).unwrap_or(0);
        let mut dark = Vec::with_capacity(size * size);
        for y in 0..code.size() {
            for x in 0..code.size() {
                dark.push(code.get_module(x, y));
            }
        }
        Ok(Qr {
            size,
            dark,
            version: code.version().value(),
        })
    }

    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The symbol's version (1 to [`MAX_VERSION`]).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Whether the module at column `x`, row `y` is dark (false outside the symbol).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The symbol as a standalone SVG document, `module` pixels per module, with its
    /// quiet zone: black on white, one path of horizontal runs, crisp edges.
    pub fn to_svg(&self, module: f64, title: &str) -> String {
        let side = self.size + 2 * QUIET_ZONE;
        let px = side as f64 * module;
        let mut out = String::with_capacity(64 + self.size * self.size / 2);
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{px}" height="{px}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img"><title>{}</title><rect width="{side}" height="{side}" fill="#ffffff"/><path fill="#000000" d=""##,
            crate::forest::escape(title)
        );
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.is_dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    out,
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                );
            }
        }
        out.push_str(r#""/></svg>"#);
        out
    }
}

/// The most bytes a symbol of [`MAX_VERSION`] holds at level L.
pub fn capacity() -> usize {
    // Binary search on what fits: the standard's tables, through the encoder itself.
    let fits = |n: usize| {
        QrCode::encode_segments_advanced(
            &[QrSegment::make_bytes(&vec![b'a'; n])],
            QrCodeEcc::Low,
            Version::MIN,
            Version::new(MAX_VERSION),
            None,
            false,
        )
        .is_ok()
    };
    let (mut lo, mut hi) = (0usize, 4096usize);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if fits(mid) { lo = mid } else { hi = mid }
    }
    lo
}
