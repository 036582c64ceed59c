//! Splitting text into records of cells: line endings, quotes and delimiter detection.
//!
//! Quotes follow RFC 4180 as spreadsheets write it: a cell that starts with `"` (after
//! spaces) runs to the next lone `"`, `""` stands for one quote, and delimiters and line
//! breaks inside are kept. A quote anywhere else is an ordinary character.

use super::{Diagnostic, Problem};
use serde::{Deserialize, Serialize};

/// How cells are separated on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Delimiter {
    /// Tab: what Excel, Google Sheets, LibreOffice and Word tables put on the clipboard.
    Tab,
    /// Semicolon: CSV files in locales that use the decimal comma.
    Semicolon,
    /// Comma: CSV files.
    Comma,
    /// Two or more spaces (or a tab): text tables aligned with spaces. A line with
    /// fewer cells than columns is re-read as [`Delimiter::Space`].
    Spaces,
    /// Any run of spaces. Cells beyond the number of columns are taken to be part of the
    /// study name ("Aronson 1948 4 123 11 139" has the name "Aronson 1948").
    Space,
}

impl std::fmt::Display for Delimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Delimiter::Tab => "tabs",
            Delimiter::Semicolon => "semicolons",
            Delimiter::Comma => "commas",
            Delimiter::Spaces => "runs of two or more spaces",
            Delimiter::Space => "spaces",
        })
    }
}

/// One logical line: the 1-based line it starts on and its cells (unquoted cells
/// trimmed). Blank records are never produced.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

impl Record {
    /// Number of cells up to the last non-empty one.
    pub fn width(&self) -> usize {
        self.cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1)
    }
}

/// Picks the delimiter: the first of tab, semicolon, comma and two-or-more spaces that
/// gives most records four cells or more (and, among those, the most regular), else
/// single spaces.
pub(crate) fn detect(text: &str) -> Delimiter {
    const MIN_CELLS: usize = 4;
    // A tab in every record (outside quotes) is a spreadsheet's copy (or `to_tsv`),
    // whatever else the cells hold: even rows of mostly empty cells, whose widths say
    // little, are tab-separated.
    let tab_records = split(text, Delimiter::Tab).0;
    if !tab_records.is_empty() && tab_records.iter().all(|r| r.cells.len() > 1) {
        return Delimiter::Tab;
    }
    let mut fallback: Option<(usize, Delimiter)> = None;
    for delim in [
        Delimiter::Tab,
        Delimiter::Semicolon,
        Delimiter::Comma,
        Delimiter::Spaces,
    ] {
        let widths: Vec<usize> = split(text, delim).0.iter().map(Record::width).collect();
        let Some(mode) = mode(&widths) else {
            return Delimiter::Tab;
        };
        if mode >= MIN_CELLS {
            return delim;
        }
        if mode >= 2 && fallback.is_none_or(|(m, _)| mode > m) {
            fallback = Some((mode, delim));
        }
    }
    match fallback {
        // Rows like "Aronson 1948  4 123  11 139" still have more cells when split at
        // every space; two or three cells per line is not a table of counts.
        Some((_, delim)) if delim != Delimiter::Spaces => delim,
        _ => Delimiter::Space,
    }
}

/// The most frequent value (the larger on ties), `None` if empty.
pub(super) fn mode(values: &[usize]) -> Option<usize> {
    let mut sorted = values.to_vec();
    crate::sort::by_key(&mut sorted, |&v| v);
    let mut best: Option<(usize, usize)> = None; // (count, value)
    let mut i = 0;
    while i < sorted.len() {
        let v = sorted[i];
        let j = sorted[i..]
            .iter()
            .position(|&x| x != v)
            .map_or(sorted.len(), |p| i + p);
        if best.is_none_or(|(c, _)| j - i >= c) {
            best = Some((j - i, v));
        }
        i = j;
    }
    best.map(|(_, v)| v)
}

/// Splits text into non-blank records. Diagnostics report unclosed quotes.
pub(crate) fn split(text: &str, delim: Delimiter) -> (Vec<Record>, Vec<Diagnostic>) {
    let bytes = text.as_bytes();
    let last_quote = bytes.iter().rposition(|&b| b == b'"');
    let mut records = Vec::new();
    let mut diagnostics = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while pos < bytes.len() {
        let start_line = line;
        let mut cells = Vec::new();
        if matches!(delim, Delimiter::Spaces | Delimiter::Space) {
            pos = skip_blanks(bytes, pos);
        }
        loop {
            let mut cell = String::new();
            let after_padding = skip_padding(bytes, pos, delim);
            let mut quoted = false;
            if bytes.get(after_padding) == Some(&b'"')
                && last_quote.is_some_and(|q| q > after_padding)
            {
                if let Some((content, end, lines)) = quoted_cell(text, after_padding) {
                    cell.push_str(&content);
                    pos = end;
                    line += lines;
                    quoted = true;
                } else {
                    diagnostics.push(Diagnostic {
                        line,
                        column: None,
                        problem: Problem::UnclosedQuote,
                    });
                }
            } else if bytes.get(after_padding) == Some(&b'"') {
                diagnostics.push(Diagnostic {
                    line,
                    column: None,
                    problem: Problem::UnclosedQuote,
                });
            }
            // Unquoted text (or what follows a closing quote) up to the delimiter or line end.
            let (end, next) = unquoted_end(bytes, pos, delim);
            let rest = &text[pos..end];
            if quoted {
                cell.push_str(rest.trim_end());
            } else {
                cell.push_str(rest.trim());
            }
            cells.push(cell);
            if let Some(next) = next {
                pos = next;
                continue;
            }
            // End of line (or of text).
            pos = end;
            if pos < bytes.len() {
                pos += if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                line += 1;
            }
            break;
        }
        let record = Record {
            line: start_line,
            cells,
        };
        if record.width() > 0 {
            records.push(record);
        }
    }
    (records, diagnostics)
}

fn is_newline(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && is_blank(bytes[pos]) {
        pos += 1;
    }
    pos
}

/// Skips the blanks before a cell's content that cannot be a delimiter: spaces, and
/// tabs unless tabs separate cells (`a\t\t"b"` has an empty cell before `"b"`).
fn skip_padding(bytes: &[u8], pos: usize, delim: Delimiter) -> usize {
    match delim {
        Delimiter::Tab => bytes[pos..]
            .iter()
            .position(|&b| b != b' ')
            .map_or(bytes.len(), |n| pos + n),
        _ => skip_blanks(bytes, pos),
    }
}

/// Where the unquoted text from `pos` ends (at a delimiter, a line break or the end of
/// the text) and, when a delimiter ends it, the position just after that delimiter.
///
/// Every byte is looked at a bounded number of times, whatever the text: a run of blanks
/// is measured once and then either separates cells or is skipped as part of the cell.
/// Only ASCII bytes are matched, so slicing at the results stays on character
/// boundaries.
fn unquoted_end(bytes: &[u8], mut pos: usize, delim: Delimiter) -> (usize, Option<usize>) {
    let single = match delim {
        Delimiter::Tab => Some(b'\t'),
        Delimiter::Semicolon => Some(b';'),
        Delimiter::Comma => Some(b','),
        Delimiter::Spaces | Delimiter::Space => None,
    };
    if let Some(d) = single {
        return match bytes[pos..].iter().position(|&b| b == d || is_newline(b)) {
            Some(n) if bytes[pos + n] == d => (pos + n, Some(pos + n + 1)),
            Some(n) => (pos + n, None),
            None => (bytes.len(), None),
        };
    }
    while pos < bytes.len() && !is_newline(bytes[pos]) {
        if !is_blank(bytes[pos]) {
            pos += 1;
            continue;
        }
        let run_end = skip_blanks(bytes, pos);
        // Blanks at the end of a line separate nothing.
        let trailing = run_end == bytes.len() || is_newline(bytes[run_end]);
        let separates = !trailing
            && (delim == Delimiter::Space
                || run_end - pos >= 2
                || bytes[pos..run_end].contains(&b'\t'));
        if separates {
            return (pos, Some(run_end));
        }
        pos = run_end;
    }
    (pos, None)
}

/// Reads a quoted cell whose opening quote is at `open`: its content, the position just
/// after the closing quote, and the number of line breaks inside. `None` if unclosed.
fn quoted_cell(text: &str, open: usize) -> Option<(String, usize, usize)> {
    let bytes = text.as_bytes();
    let mut content = String::new();
    let mut lines = 0;
    let mut pos = open + 1;
    let mut chunk_start = pos;
    while pos < bytes.len() {
        match bytes[pos] {
            b'"' => {
                content.push_str(&text[chunk_start..pos]);
                if bytes.get(pos + 1) == Some(&b'"') {
                    content.push('"');
                    pos += 2;
                    chunk_start = pos;
                } else {
                    return Some((content, pos + 1, lines));
                }
            }
            b'\r' => {
                if bytes.get(pos + 1) != Some(&b'\n') {
                    lines += 1;
                }
                pos += 1;
            }
            b'\n' => {
                lines += 1;
                pos += 1;
            }
            _ => pos += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str, delim: Delimiter) -> Vec<(usize, Vec<&'static str>)> {
        split(text, delim)
            .0
            .into_iter()
            .map(|r| (r.line, r.cells.into_iter().map(|c| &*c.leak()).collect()))
            .collect()
    }

    #[test]
    fn quotes_line_endings_and_blank_lines() {
        assert_eq!(
            cells("a,\"b,\"\"c\"\"\"\r\n\r\n x , y \rz", Delimiter::Comma),
            vec![
                (1, vec!["a", "b,\"c\""]),
                (3, vec!["x", "y"]),
                (4, vec!["z"])
            ]
        );
        assert_eq!(
            cells("\"multi\nline\"\tb\nc\td", Delimiter::Tab),
            vec![(1, vec!["multi\nline", "b"]), (3, vec!["c", "d"])]
        );
        assert_eq!(
            cells("a  b c   d", Delimiter::Spaces),
            vec![(1, vec!["a", "b c", "d"])]
        );
        assert_eq!(
            cells("  a b  c ", Delimiter::Space),
            vec![(1, vec!["a", "b", "c"])]
        );
        assert_eq!(
            cells("5\" tall,x", Delimiter::Comma),
            vec![(1, vec!["5\" tall", "x"])]
        );
    }

    #[test]
    fn unclosed_quote_is_plain_text() {
        let (records, diags) = split("\"abc,1\nd,2", Delimiter::Comma);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].cells, vec!["\"abc", "1"]);
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn detection() {
        assert_eq!(detect("Aronson 1948\t4\t123\t11\t139"), Delimiter::Tab);
        assert_eq!(detect("A;1,234;2;3;4"), Delimiter::Semicolon);
        assert_eq!(detect("Aronson 1948,4,123,11,139"), Delimiter::Comma);
        assert_eq!(detect("Aronson 1948   4  123  11  139"), Delimiter::Spaces);
        assert_eq!(detect("Aronson 1948 4 123 11 139"), Delimiter::Space);
    }

    /// One megabyte of one line.
    const MEGABYTE: usize = 1 << 20;

    #[test]
    fn long_runs_of_blanks_are_split_in_linear_time() {
        // A run of blanks used to be measured again from every byte in it, and tabs again
        // from every cell (a 1 MB line of spaces took 11 minutes to read).
        let spaces = " ".repeat(MEGABYTE);
        let parsed = crate::parse::parse(&spaces);
        assert!(parsed.rows.is_empty() && parsed.all_diagnostics().is_empty());
        for delim in [Delimiter::Tab, Delimiter::Spaces, Delimiter::Space] {
            assert_eq!(split(&spaces, delim), (Vec::new(), Vec::new()), "{delim}");
        }

        let words = "a ".repeat(MEGABYTE / 2);
        let (records, _) = split(&words, Delimiter::Space);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].cells.len(), MEGABYTE / 2);
        assert!(records[0].cells.iter().all(|c| c == "a"));
        let parsed = crate::parse::parse(&words);
        assert_eq!(parsed.delimiter, Delimiter::Space);
        // A line of words and no numbers is read as a header that names no column.
        assert_eq!(parsed.header_line, Some(1));
        assert!(parsed.rows.is_empty());

        let tabs = "\t".repeat(MEGABYTE);
        assert_eq!(split(&tabs, Delimiter::Tab), (Vec::new(), Vec::new()));
        assert!(crate::parse::parse(&tabs).rows.is_empty());

        // Counts around a long run: the run separates them, and inside a cell it stays.
        let wide = format!("Aronson{}4  123  11  139", " ".repeat(MEGABYTE));
        assert_eq!(
            cells(&wide, Delimiter::Spaces),
            vec![(1, vec!["Aronson", "4", "123", "11", "139"])]
        );
        let padded = format!("Aronson{}1948\t4\t123\t11\t139", " ".repeat(MEGABYTE));
        let studies = crate::parse::parse(&padded).studies();
        assert_eq!(studies.len(), 1);
        assert_eq!(studies[0].name.len(), "Aronson1948".len() + MEGABYTE);
        assert_eq!(studies[0].table.n2(), 139);
    }

    #[test]
    fn an_empty_tab_separated_cell_before_a_quoted_cell_is_kept() {
        assert_eq!(
            cells("A\t\t\"b\"\t \t \"c\"", Delimiter::Tab),
            vec![(1, vec!["A", "", "b", "", "c"])]
        );
        let parsed = crate::parse::parse(
            "Study\tExperimental events\tExperimental total\tControl events\tControl total\tYear\tSubgroup\n\
             A\t1\t10\t2\t10\t\t\"High \"\"risk\"\"\"\n",
        );
        assert!(parsed.is_clean(), "{:?}", parsed.all_diagnostics());
        let raw = &parsed.rows[0].raw;
        assert_eq!(
            (raw.year.as_str(), raw.subgroup.as_str()),
            ("", "High \"risk\"")
        );
        let studies = parsed.studies();
        assert_eq!(studies.len(), 1);
        assert_eq!(studies[0].year, None);
        assert_eq!(studies[0].subgroup.as_deref(), Some("High \"risk\""));
    }
}
