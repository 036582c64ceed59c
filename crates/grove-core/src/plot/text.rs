//! Text measurement without a browser, so that columns are sized the same natively, in
//! the page and in an exported file opened elsewhere.
//!
//! The plots name Arial, Helvetica and Liberation Sans (which share their widths), but
//! where none of them is installed, as on many Linux systems, the browser falls back to
//! DejaVu Sans, about 13% wider. Each character is therefore measured as the wider of the
//! two, so that no column of text runs into the next in either font.

/// Helvetica advance widths for ASCII 32..=126, in 1/1000 em (Adobe AFM metrics; Arial
/// and Liberation Sans share them).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // :;<=>?@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
    278, 278, 278, 469, 556, 333, // [\]^_`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
    334, 260, 334, 584, // {|}~
];

/// DejaVu Sans advance widths for ASCII 32..=126, in 1/1000 em (its `hmtx` table, 2048
/// units an em, rounded).
const DEJAVU_SANS: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, // ' '../
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, // 0-9
    337, 337, 838, 838, 838, 531, 1000, // :;<=>?@
    684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, // A-M
    748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, // N-Z
    390, 337, 390, 838, 500, 500, // [\]^_`
    613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, // a-m
    634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, // n-z
    636, 337, 636, 838, // {|}~
];

/// DejaVu Sans Bold advance widths, as [`DEJAVU_SANS`].
const DEJAVU_SANS_BOLD: [u16; 95] = [
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, // ' '../
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, // 0-9
    400, 400, 838, 838, 838, 580, 1000, // :;<=>?@
    774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, // A-M
    837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, // N-Z
    457, 365, 457, 838, 500, 500, // [\]^_`
    675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, // a-m
    712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, // n-z
    712, 365, 712, 838, // {|}~
];

/// Bold Helvetica is about this much wider than regular on average.
const BOLD_FACTOR: f64 = 1.08;

/// The wider of Helvetica and DejaVu Sans for each character, regular and bold.
const REGULAR: [u16; 95] = wider(&HELVETICA, 1000, &DEJAVU_SANS);
const BOLD: [u16; 95] = wider(&HELVETICA, (BOLD_FACTOR * 1000.0) as u32, &DEJAVU_SANS_BOLD);

/// The width in pixels of `text` at `size` pixels, in whichever of the plot's font and
/// its usual fallback is wider for each character; finite for any text.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    // Up to 1119 units a character: a sum in `u32` overflows at about 4 million
    // characters, one in `u64` (saturating, to be safe) never in practice, and as `f64`
    // it stays finite.
    let units = text.chars().fold(0_u64, |sum, c| {
        sum.saturating_add(u64::from(char_units(c, bold)))
    });
    units as f64 / 1000.0 * size
}

/// `text` broken into lines at spaces, each at most `max_width` wide (a word wider than
/// that has a line of its own); one empty line for empty text.
pub fn wrap(text: &str, size: f64, bold: bool, max_width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || width(&candidate, size, bold) <= max_width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut at a character boundary and ended with "…" so that it fits in
/// `max_width`; `None` when it already fits.
pub fn truncate(text: &str, size: f64, bold: bool, max_width: f64) -> Option<String> {
    if width(text, size, bold) <= max_width {
        return None;
    }
    let ellipsis = width("…", size, bold);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut [0; 4]), size, bold);
        if used + w + ellipsis > max_width {
            break;
        }
        used += w;
        out.push(c);
    }
    let trimmed = out.trim_end().to_owned();
    Some(trimmed + "…")
}

/// `helvetica[i]` scaled by `scale`/1000, or `dejavu[i]` where that is wider.
const fn wider(helvetica: &[u16; 95], scale: u32, dejavu: &[u16; 95]) -> [u16; 95] {
    let mut out = [0; 95];
    let mut i = 0;
    while i < 95 {
        let h = (helvetica[i] as u32 * scale / 1000) as u16;
        out[i] = if h > dejavu[i] { h } else { dejavu[i] };
        i += 1;
    }
    out
}

fn char_units(c: char, bold: bool) -> u32 {
    match c as u32 {
        code @ 32..=126 => {
            let table = if bold { &BOLD } else { &REGULAR };
            u32::from(table[(code - 32) as usize])
        }
        // Punctuation and signs the plots write: "…", "–", "·", "²", "³", and
        // "−", "×", "≤", "≥" (DejaVu Sans, the wider).
        0x2026 => 1000,
        0x2013 => 556,
        0x00B7 => 380,
        0x00B2 | 0x00B3 => 438,
        0x2212 | 0x00D7 | 0x2264 | 0x2265 => 838,
        // "⊕" and "◯" of GRADE's certainty.
        0x2295 => 838,
        0x25EF => 1119,
        // CJK and other wide scripts.
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 => {
            1000
        }
        _ => 600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font_metrics() {
        // "Study": S of Helvetica (667), t u d y of DejaVu Sans (392 634 635 592),
        // 2920 units.
        assert!((width("Study", 12.0, false) - 35.04).abs() < 1e-9);
        // Bold: S is 720 in both (667 × 1.08), t u d y of DejaVu Sans Bold.
        let bold = 720 + 478 + 712 + 716 + 652;
        assert!((width("Study", 12.0, true) - f64::from(bold) * 0.012).abs() < 1e-9);
        // Digits are DejaVu's 636 units, wider than Helvetica's 556.
        assert!((width("0.95", 10.0, false) - (3.0 * 6.36 + 3.18)).abs() < 1e-9);
        assert_eq!(width("", 12.0, false), 0.0);
    }

    #[test]
    fn truncation_fits_and_marks_the_cut() {
        let long = "Hypothetical Collaborative Group of Very Long Names 2001";
        let cut = truncate(long, 12.0, false, 120.0).expect("too wide");
        assert!(cut.ends_with('…'));
        assert!(width(&cut, 12.0, false) <= 120.0);
        assert_eq!(truncate("Aronson", 12.0, false, 120.0), None);
    }

    #[test]
    fn a_five_megabyte_study_name_is_measured_and_cut() {
        use crate::forest::{PlotOptions, Shape, layout};
        use crate::parse::RawRow;
        use crate::report::Report;

        // 5 MB of "W" (989 units each) overflowed the u32 sum of widths.
        let name = "W".repeat(5 << 20);
        let expected = 989.0 * (5 << 20) as f64 / 1000.0 * 12.0;
        assert_eq!(width(&name, 12.0, false), expected);

        let rows = [
            RawRow {
                study: name.clone(),
                e1: "4".into(),
                n1: "123".into(),
                e2: "11".into(),
                n2: "139".into(),
                ..Default::default()
            },
            RawRow {
                study: "Ferguson".into(),
                e1: "6".into(),
                n1: "306".into(),
                e2: "29".into(),
                n2: "303".into(),
                ..Default::default()
            },
        ];
        let report = Report::new(&rows, &Default::default());
        let layout = layout(&report.forest(), &PlotOptions::default());
        let svg = layout.to_svg();
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // The name is shown cut to the label column, with the full name kept beside it.
        let cut = layout.shapes.iter().find_map(|shape| match shape {
            Shape::Text {
                text,
                full: Some(full),
                ..
            } if *full == name => Some(text.clone()),
            _ => None,
        });
        let cut = cut.expect("the name is cut");
        assert!(cut.ends_with('…') && cut.len() < 100, "{cut}");
    }
}
