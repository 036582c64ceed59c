//! Text measurement without a browser: advance widths of Arial/Helvetica (the fonts the
//! plot names), so that columns are sized the same natively, in the page and in an
//! exported file opened elsewhere.

/// Helvetica advance widths for ASCII 32..=126, in 1/1000 em (Adobe AFM metrics; Arial
/// shares them).
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

/// Bold Helvetica is about this much wider than regular on average.
const BOLD_FACTOR: f64 = 1.08;

/// The width in pixels of `text` set in Arial at `size` pixels; finite for any text.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    // Up to 1015 units a character: a sum in `u32` overflows at about 4 million
    // characters, one in `u64` (saturating, to be safe) never in practice, and as `f64`
    // it stays finite.
    let units = text
        .chars()
        .fold(0_u64, |sum, c| sum.saturating_add(u64::from(char_units(c))));
    let w = units as f64 / 1000.0 * size;
    if bold { w * BOLD_FACTOR } else { w }
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

fn char_units(c: char) -> u32 {
    match c as u32 {
        code @ 32..=126 => u32::from(HELVETICA[(code - 32) as usize]),
        // "…", "–", "²", "≥" and other punctuation used by the plot itself.
        0x2026 => 1000,
        0x2013 => 556,
        0x00B2 | 0x00B3 => 333,
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
        // "Study" = 667 + 278 + 556 + 556 + 500 = 2557 units.
        assert!((width("Study", 12.0, false) - 30.684).abs() < 1e-9);
        assert!(width("Study", 12.0, true) > width("Study", 12.0, false));
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

        // 5 MB of "W" (944 units each) overflowed the u32 sum of widths.
        let name = "W".repeat(5 << 20);
        let expected = 944.0 * (5 << 20) as f64 / 1000.0 * 12.0;
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
