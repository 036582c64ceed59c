//! QR codes of share links (`grove_core::qr`): an independent decoder (rqrr) reads back
//! the link from the symbol as drawn, a link too long is refused with the most that fits,
//! and the SVG draws exactly the symbol's dark modules.

use grove_core::qr::{MAX_VERSION, QUIET_ZONE, Qr, QrError, capacity};

/// Reads the symbol the way a camera would see it: `scale` pixels per module, with the
/// quiet zone, black on white.
fn decode(qr: &Qr, scale: usize) -> String {
    let side = (qr.size() + 2 * QUIET_ZONE) * scale;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark =
            mx >= QUIET_ZONE && my >= QUIET_ZONE && qr.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
        if dark { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one symbol found");
    let (_, text) = grids[0].decode().expect("the symbol decodes");
    text
}

/// A share link as the page makes it for 20 trials (802 characters of fragment).
fn link(fragment_len: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let fragment: String = (0..fragment_len)
        .map(|i| char::from(alphabet[(i * 7919 + i / 3) % 64]))
        .collect();
    format!("https://example.org/grove/#grove1.{fragment}")
}

#[test]
fn a_decoder_reads_the_link_back() {
    for len in [10, 439, 802] {
        let url = link(len);
        let qr = Qr::new(&url).expect("fits");
        assert!(qr.version() <= MAX_VERSION);
        assert_eq!(qr.size(), 17 + 4 * usize::from(qr.version()));
        assert_eq!(decode(&qr, 4), url, "{len} characters");
        println!(
            "{} characters: version {}, {} modules",
            url.len(),
            qr.version(),
            qr.size()
        );
    }
}

#[test]
fn a_link_too_long_is_refused_with_the_most_that_fits() {
    assert_eq!(
        capacity(),
        1273,
        "version 25 at level L (ISO/IEC 18004 table 7)"
    );
    let longest = "a".repeat(capacity());
    assert_eq!(Qr::new(&longest).map(|q| q.version()), Ok(MAX_VERSION));
    let too_long = "a".repeat(capacity() + 1);
    assert_eq!(
        Qr::new(&too_long),
        Err(QrError::TooLong {
            bytes: 1274,
            max: 1273
        })
    );
    assert!(
        Qr::new(&too_long)
            .unwrap_err()
            .to_string()
            .contains("1274 characters")
    );
}

#[test]
fn the_svg_draws_the_dark_modules() {
    let qr = Qr::new(&link(100)).expect("fits");
    let svg = qr.to_svg(4.0, "Share link <of> Tuberculosis");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let root = doc.root_element();
    let side = (qr.size() + 2 * QUIET_ZONE) as f64;
    assert_eq!(
        root.attribute("width"),
        Some((side * 4.0).to_string().as_str())
    );
    let title = root
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text());
    assert_eq!(title, Some("Share link <of> Tuberculosis"));
    // Paint the path's runs and compare with the symbol, module by module.
    let d = root
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .and_then(|n| n.attribute("d"))
        .expect("one path");
    let n = qr.size() + 2 * QUIET_ZONE;
    let mut painted = vec![false; n * n];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').expect("a run");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let len: usize = rest.split('v').next().unwrap().parse().unwrap();
        for i in 0..len {
            assert!(!painted[y * n + x + i], "no module painted twice");
            painted[y * n + x + i] = true;
        }
    }
    for y in 0..n {
        for x in 0..n {
            let dark =
                x >= QUIET_ZONE && y >= QUIET_ZONE && qr.is_dark(x - QUIET_ZONE, y - QUIET_ZONE);
            assert_eq!(painted[y * n + x], dark, "module {x}, {y}");
        }
    }
}
