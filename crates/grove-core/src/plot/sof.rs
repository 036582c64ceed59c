//! The GRADE summary of findings as an image (SVG, and PNG from it): the table of
//! [`crate::grade::sof`] drawn with the plots' primitives, each cell's text wrapped to its
//! column, the footnotes under it, for slides and journals that take figures.

use super::{Anchor, Figure, Ink, Shape, text};
use crate::grade::sof::{Row, absolute_texts, footnotes};

/// The columns: header and width in font sizes.
const COLUMNS: [(&str, f64); 8] = [
    ("Outcome", 9.0),
    ("№ of participants (studies)", 8.0),
    ("Relative effect (95% CI)", 8.5),
    ("Risk with comparator", 8.0),
    ("Risk with intervention (95% CI)", 9.0),
    ("Risk difference (95% CI)", 9.5),
    ("Certainty of the evidence (GRADE)", 8.5),
    ("What happens", 14.0),
];

/// Lays out the table of `rows` (an outcome without a pooled result is a row that says
/// why) with text of `font_size` pixels.
pub fn summary_table(rows: &[Result<Row, (String, String)>], font_size: f64) -> Figure {
    let pad = 10.0;
    let cell_pad = font_size * 0.4;
    let line_h = font_size * 1.25;
    let widths: Vec<f64> = COLUMNS.iter().map(|(_, w)| w * font_size).collect();
    let table_w: f64 = widths.iter().sum();
    let mut shapes = Vec::new();
    let mut y = pad;
    let mut notes: Vec<String> = Vec::new();
    let title = "Summary of findings";
    shapes.push(Shape::Text {
        x: pad,
        y: y + font_size,
        text: title.to_owned(),
        full: None,
        anchor: Anchor::Start,
        bold: true,
        ink: Ink::Text,
    });
    y += line_h + cell_pad;
    let lines_of = |cells: &[String], bold: bool| -> Vec<Vec<String>> {
        cells
            .iter()
            .zip(&widths)
            // Measured in the wider of Arial and its fallback (`text::width`).
            .map(|(c, w)| text::wrap(c, font_size, bold, w - 2.0 * cell_pad))
            .collect()
    };
    let header: Vec<String> = COLUMNS.iter().map(|(h, _)| (*h).to_owned()).collect();
    let mut table: Vec<(Vec<Vec<String>>, bool)> = vec![(lines_of(&header, true), true)];
    for r in rows {
        let cells: Vec<String> = match r {
            Ok(r) => {
                let marks: Vec<String> = footnotes(r)
                    .into_iter()
                    .map(|n| {
                        notes.push(n);
                        mark(notes.len() - 1)
                    })
                    .collect();
                let (assumed, with, diff) = absolute_texts(r);
                let suffix = if marks.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", marks.join(","))
                };
                vec![
                    r.outcome.clone(),
                    format!(
                        "{} ({} RCT{})",
                        crate::format::count(r.participants),
                        r.studies,
                        if r.studies == 1 { "" } else { "s" }
                    ),
                    r.relative.clone(),
                    if r.median_risk && !assumed.is_empty() {
                        format!("{assumed} (the trials' median)")
                    } else {
                        assumed
                    },
                    with,
                    diff,
                    format!("{} {}{suffix}", r.certainty.symbols(), r.certainty.label()),
                    r.statement.clone(),
                ]
            }
            Err((name, why)) => {
                let mut v = vec![name.clone(), format!("No pooled result: {why}.")];
                v.resize(COLUMNS.len(), String::new());
                v
            }
        };
        table.push((lines_of(&cells, false), false));
    }
    let top = y;
    for (cells, bold) in &table {
        let n = cells.iter().map(Vec::len).max().unwrap_or(1);
        let height = n as f64 * line_h + 2.0 * cell_pad;
        let mut x = pad;
        for (lines, w) in cells.iter().zip(&widths) {
            for (i, line) in lines.iter().enumerate() {
                shapes.push(Shape::Text {
                    x: x + cell_pad,
                    y: y + cell_pad + font_size + i as f64 * line_h,
                    text: line.clone(),
                    full: None,
                    anchor: Anchor::Start,
                    bold: *bold,
                    ink: Ink::Text,
                });
            }
            x += w;
        }
        y += height;
        shapes.push(rule(pad, pad + table_w, y));
    }
    shapes.push(rule(pad, pad + table_w, top));
    let mut x = pad;
    for w in std::iter::once(&0.0).chain(&widths) {
        x += w;
        shapes.push(Shape::Line {
            x1: x,
            y1: top,
            x2: x,
            y2: y,
            ink: Ink::Rule,
            width: 0.75,
        });
    }
    y += cell_pad;
    for (i, n) in notes.iter().enumerate() {
        for line in text::wrap(&format!("{} {n}", mark(i)), font_size * 0.9, false, table_w) {
            y += line_h * 0.9;
            shapes.push(Shape::Text {
                x: pad,
                y,
                text: line,
                full: None,
                anchor: Anchor::Start,
                bold: false,
                ink: Ink::Muted,
            });
        }
    }
    Figure {
        width: (2.0 * pad + table_w).ceil(),
        height: (y + pad).ceil(),
        font_size,
        shapes,
        title: title.to_owned(),
        description: format!(
            "GRADE summary of findings of {} outcome{}.",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        ),
        id: "grove-sof",
    }
}

/// The footnote mark of note `i`: a, b, …, z, aa, ab, …
pub fn mark(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    if i < 26 {
        letter(i).to_string()
    } else {
        format!("{}{}", letter(i / 26 - 1), letter(i))
    }
}

fn rule(x1: f64, x2: f64, y: f64) -> Shape {
    Shape::Line {
        x1,
        y1: y,
        x2,
        y2: y,
        ink: Ink::Rule,
        width: 0.75,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::Thresholds;
    use crate::grade::sof::{Judgements, RowInput, row};
    use crate::parse::parse;
    use crate::report::{Report, ReportOptions};

    #[test]
    fn the_table_image_wraps_each_cell_within_its_column() {
        let r = Report::new(
            &parse("A\t10\t100\t20\t100\nB\t15\t120\t30\t118\nC\t5\t60\t9\t61").raw_rows(),
            &ReportOptions::default(),
        );
        let row = row(&RowInput {
            outcome: "Death from any cause within a year",
            report: &r,
            control_risk: None,
            rob: &[None, None, None],
            judgements: &Judgements::default(),
            intervention: "Aspirin",
            thresholds: Thresholds::default(),
        })
        .expect("a row");
        let f = summary_table(
            &[Ok(row), Err(("Stroke".to_owned(), "no trial".to_owned()))],
            12.0,
        );
        let svg = f.to_svg();
        assert!(svg.contains("Summary of findings") && svg.contains("No pooled"));
        assert!(svg.contains("559 (3 RCTs)"), "{svg}");
        // Every text lies inside the image.
        for s in &f.shapes {
            if let Shape::Text {
                x,
                text: t,
                bold,
                ink,
                ..
            } = s
            {
                // Footnotes are a tenth smaller.
                let size = if *ink == Ink::Muted { 12.0 * 0.9 } else { 12.0 };
                assert!(
                    *x >= 10.0 && x + text::width(t, size, *bold) <= f.width,
                    "{t}"
                );
            }
        }
        // Cells wrap within their columns: the outcome's name takes two lines.
        let outcome_lines = f
            .shapes
            .iter()
            .filter(
                |s| matches!(s, Shape::Text { x, .. } if (*x - (10.0 + 12.0 * 0.4)).abs() < 1e-9),
            )
            .count();
        assert!(
            outcome_lines >= 4,
            "header, two lines of the name, Stroke: {outcome_lines}"
        );
        assert_eq!(mark(0), "a");
        assert_eq!(mark(27), "ab");
    }
}
