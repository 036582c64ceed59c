//! Reading trial tables pasted from spreadsheets, word processors and CSV files.
//!
//! Parsing never fails as a whole: [`parse`] returns every row it read, each cell exactly
//! as typed ([`RawRow`]), the validated [`Study`] or the [`Diagnostic`]s that say which
//! line, which [`Column`] and what is wrong ([`Problem`]), plus diagnostics about the
//! text's structure (header, quotes, extra cells).
//!
//! # Accepted text
//! - Cells separated by tabs (Excel, Google Sheets, LibreOffice, Word tables), semicolons,
//!   commas, runs of two or more spaces, or single spaces; the delimiter is detected
//!   ([`Delimiter`]). With tabs, semicolons, commas or runs of spaces, a single space
//!   inside a study name ("Aronson 1948") never splits it.
//! - Quoted cells (`"Smith, J"`, `""` for a quote inside), also across lines; Windows
//!   (`\r\n`) and old Mac (`\r`) line endings; blank lines; a UTF-8 byte-order mark.
//! - An optional header row, recognised case-insensitively: study/author/trial/name, year,
//!   events and totals of each arm in many spellings ("Experimental events", "e1", "n1",
//!   "Control total", metafor's `ai n1i ci n2i`, meta's `event.e n.e event.c n.c`),
//!   the cell form `a b c d` / `ai bi ci di` (non-events instead of totals, converted to
//!   totals while reading), subgroup/group.
//! - Without a header the columns are: study, experimental events, experimental total,
//!   control events, control total, then optionally year and subgroup (a sixth column
//!   that is not made of years is the subgroup). Four columns of numbers are the counts
//!   alone. When that order leaves a row invalid, two other orders are tried (see
//!   [Column order](#column-order)).
//! - Counts may carry thousands separators (`1,234`, `1.234.567`, `1 234`), surrounding
//!   spaces and a whole fraction (`12.0`, `12,00`). Whether a dot or comma groups
//!   thousands or marks decimals is read from the cells of the whole text ([`Evidence`]);
//!   a count that could be two numbers (`10.000`) and that the text does not settle is
//!   reported ([`Problem::AmbiguousSeparator`]), never guessed; see [`read_count`].
//!
//! # Column order
//! Without a header, a row *fits* an order when reading it so gives a valid study (a
//! count with two readings still fits: that question is the separator's, not the
//! order's). The default order is kept whenever every row fits it. Otherwise these
//! alternatives are tried:
//! - when every row's second cell is a year (or empty, at least one a year): study,
//!   year, experimental events, experimental total, control events, control total, then
//!   subgroup when rows have seven cells — the order of a forest plot's table — and the
//!   same with each total before its events;
//! - otherwise the default order with each total before its events.
//!
//! If exactly one alternative fits every row it is used, and one
//! [`Problem::ColumnOrderAssumed`] says so. If none or several do, and at least two rows
//! are there and every one has more events than participants in the default order (the
//! mark of columns in another order, not of one typo), one
//! [`Problem::ColumnOrderUnclear`] explains it for the whole text; each row still
//! carries its own problems. Arms cannot be told apart by their counts, so the order of
//! the arms is never changed. With single spaces between cells, a year after the name is
//! read as part of the name, as before.

mod diagnostic;
mod header;
mod number;
pub mod revman;
mod split;

pub use diagnostic::{Column, Confirmation, Diagnostic, Problem};
pub use number::{
    Evidence, MAX_COUNT, NumberConvention, Separator, grouped, parse_count, parse_year, read_count,
};
pub use split::Delimiter;

use crate::table::{Arm, Study, Table};
use serde::{Deserialize, Serialize};
use split::Record;

/// One row as the user typed it: every cell verbatim (trimmed of surrounding spaces
/// unless it was quoted). Totals are totals even when the pasted text gave non-events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RawRow {
    /// Study label; empty gets a generated name ("Study 3").
    pub study: String,
    /// Year of publication; may be empty.
    pub year: String,
    /// Experimental events (`ai`).
    pub e1: String,
    /// Experimental total (`n1i`).
    pub n1: String,
    /// Control events (`ci`).
    pub e2: String,
    /// Control total (`n2i`).
    pub n2: String,
    /// Subgroup label; may be empty.
    pub subgroup: String,
    /// Switched off by the user (not a cell): the row is validated and shown, greyed,
    /// but not pooled ([`crate::report::Report`] lists it as excluded by the user).
    /// Project files that predate it read `false`, and it is written only when set.
    #[serde(default, skip_serializing_if = "is_false")]
    pub excluded: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One row read from the text: where it was, what was typed, and the study or what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedRow {
    /// 1-based line on which the row starts.
    pub line: usize,
    /// The cells as typed.
    pub raw: RawRow,
    /// The validated study, or every problem found in the row's cells.
    pub study: Result<Study, Vec<Diagnostic>>,
    /// The trial's risk-of-bias judgements as typed (D1 to D5, overall), when the header
    /// names any of those columns ([`crate::rob::Domain::recognise`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rob: Option<crate::rob::Cells>,
}

/// Everything read from a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parsed {
    /// Every non-blank, non-header line, in order.
    pub rows: Vec<ParsedRow>,
    /// Problems with the structure (header, quotes, extra cells), not with one cell's
    /// value; those are in each row's `study`.
    pub diagnostics: Vec<Diagnostic>,
    /// The delimiter detected.
    pub delimiter: Delimiter,
    /// The 1-based line of the header row, if one was recognised.
    pub header_line: Option<usize>,
    /// What the counts show about the dot and comma; the rows were read by it.
    #[serde(default)]
    pub evidence: Evidence,
}

impl Parsed {
    /// The valid studies, in order; rows with problems are left out.
    pub fn studies(&self) -> Vec<Study> {
        self.rows
            .iter()
            .filter_map(|r| r.study.as_ref().ok().cloned())
            .collect()
    }

    /// The raw rows, in order.
    pub fn raw_rows(&self) -> Vec<RawRow> {
        self.rows.iter().map(|r| r.raw.clone()).collect()
    }

    /// Structural and row diagnostics together, ordered by line.
    pub fn all_diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.diagnostics.clone();
        for row in &self.rows {
            if let Err(d) = &row.study {
                all.extend(d.iter().cloned());
            }
        }
        crate::sort::by_key(&mut all, |d| d.line);
        all
    }

    /// Whether every row is valid and there is no structural diagnostic.
    pub fn is_clean(&self) -> bool {
        self.diagnostics.is_empty() && self.rows.iter().all(|r| r.study.is_ok())
    }
}

impl RawRow {
    /// The value typed in a column (non-event columns have no cell of their own: empty).
    pub fn get(&self, column: Column) -> &str {
        match column {
            Column::Study => &self.study,
            Column::Year => &self.year,
            Column::ExperimentalEvents => &self.e1,
            Column::ExperimentalTotal => &self.n1,
            Column::ControlEvents => &self.e2,
            Column::ControlTotal => &self.n2,
            Column::Subgroup => &self.subgroup,
            Column::ExperimentalNonEvents | Column::ControlNonEvents => "",
        }
    }

    /// The cell of a column, for editing (non-event columns edit the total).
    pub fn get_mut(&mut self, column: Column) -> &mut String {
        match column {
            Column::Study => &mut self.study,
            Column::Year => &mut self.year,
            Column::ExperimentalEvents => &mut self.e1,
            Column::ExperimentalTotal | Column::ExperimentalNonEvents => &mut self.n1,
            Column::ControlEvents => &mut self.e2,
            Column::ControlTotal | Column::ControlNonEvents => &mut self.n2,
            Column::Subgroup => &mut self.subgroup,
        }
    }

    /// Whether every cell is empty (or only spaces).
    pub fn is_blank(&self) -> bool {
        Column::ROW.iter().all(|&c| self.get(c).trim().is_empty())
    }

    /// Validates the row on its own; `line` names it in diagnostics and in a generated
    /// name ("Study 4") when the study cell is empty.
    ///
    /// Counts are read by what this row's own cells show about separators
    /// ([`Evidence::detect`] of the row alone): `10.000` is refused unless the row itself
    /// settles it. Rows of a table should be read with [`RawRow::validate_with`] and the
    /// evidence of all of them.
    ///
    /// # Errors
    /// Every problem found, one [`Diagnostic`] per cell (both arms are checked).
    pub fn validate(&self, line: usize) -> Result<Study, Vec<Diagnostic>> {
        self.validate_numbered(line, line)
    }

    /// Like [`RawRow::validate`], but a missing study name is generated from `number`
    /// (the row's position among the studies) rather than from the line.
    ///
    /// # Errors
    /// Every problem found, one [`Diagnostic`] per cell.
    pub fn validate_numbered(&self, line: usize, number: usize) -> Result<Study, Vec<Diagnostic>> {
        let evidence = Evidence::detect(std::slice::from_ref(self));
        self.validate_with(line, number, evidence)
    }

    /// Validates the row with its counts read by `evidence`, normally
    /// [`Evidence::detect`] of every row of its table; `line` names the row in
    /// diagnostics and `number` in a generated name ("Study 4").
    ///
    /// ```
    /// use grove_core::parse::{Evidence, RawRow};
    /// let row = |n1: &str| RawRow { e1: "5".into(), n1: n1.into(), e2: "7".into(),
    ///     n2: "9".into(), ..RawRow::default() };
    /// let rows = [row("10.000"), row("1.234.567")];
    /// let evidence = Evidence::detect(&rows);
    /// assert_eq!(rows[0].validate_with(1, 1, evidence).unwrap().table.n1(), 10_000);
    /// assert!(rows[0].validate(1).is_err());
    /// ```
    ///
    /// # Errors
    /// Every problem found, one [`Diagnostic`] per cell.
    pub fn validate_with(
        &self,
        line: usize,
        number: usize,
        evidence: Evidence,
    ) -> Result<Study, Vec<Diagnostic>> {
        let mut diagnostics = Vec::new();
        let mut at = |column: Column, problem: Problem| {
            diagnostics.push(Diagnostic {
                line,
                column: Some(column),
                problem,
            });
        };
        let year = parse_year(&self.year)
            .map_err(|p| at(Column::Year, p))
            .ok()
            .flatten();
        let mut count = |column: Column| {
            read_count(self.get(column), evidence)
                .map_err(|p| at(column, p))
                .ok()
        };
        let e1 = count(Column::ExperimentalEvents);
        let n1 = count(Column::ExperimentalTotal);
        let e2 = count(Column::ControlEvents);
        let n2 = count(Column::ControlTotal);
        for (arm, events, total) in [(Arm::Experimental, e1, n1), (Arm::Control, e2, n2)] {
            let (events_col, total_col) = match arm {
                Arm::Experimental => (Column::ExperimentalEvents, Column::ExperimentalTotal),
                Arm::Control => (Column::ControlEvents, Column::ControlTotal),
            };
            match (events, total) {
                (_, Some(0)) => at(total_col, Problem::ZeroTotal),
                (Some(events), Some(total)) if events > total => {
                    at(events_col, Problem::EventsExceedTotal { events, total })
                }
                _ => {}
            }
        }
        let table = match (e1, n1, e2, n2) {
            (Some(e1), Some(n1), Some(e2), Some(n2)) if diagnostics.is_empty() => {
                Table::new(e1, n1, e2, n2)
            }
            _ => return Err(diagnostics),
        };
        // The checks above are those of `Table::new`; map its error in case they differ.
        let table = table.map_err(|e| {
            let (column, problem) = match e {
                crate::table::TableError::ZeroTotal(Arm::Experimental) => {
                    (Column::ExperimentalTotal, Problem::ZeroTotal)
                }
                crate::table::TableError::ZeroTotal(Arm::Control) => {
                    (Column::ControlTotal, Problem::ZeroTotal)
                }
                crate::table::TableError::EventsExceedTotal { arm, events, total } => (
                    if arm == Arm::Experimental {
                        Column::ExperimentalEvents
                    } else {
                        Column::ControlEvents
                    },
                    Problem::EventsExceedTotal { events, total },
                ),
            };
            vec![Diagnostic {
                line,
                column: Some(column),
                problem,
            }]
        })?;
        let name = self.study.trim();
        let subgroup = self.subgroup.trim();
        Ok(Study {
            name: if name.is_empty() {
                format!("Study {number}")
            } else {
                name.to_string()
            },
            year,
            subgroup: (!subgroup.is_empty()).then(|| subgroup.to_string()),
            table,
        })
    }
}

/// Reads pasted text into rows and diagnostics. Never fails and never panics.
///
/// ```
/// use grove_core::parse::parse;
/// let parsed = parse("Study\tE events\tE total\tC events\tC total\nAronson 1948\t4\t123\t11\t139\n");
/// let studies = parsed.studies();
/// assert_eq!(studies[0].name, "Aronson 1948");
/// assert_eq!(studies[0].table.n2(), 139);
/// ```
pub fn parse(text: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = split::detect(text);
    let (mut records, mut diagnostics) = split::split(text, delimiter);

    let header = records
        .first()
        .is_some_and(looks_like_header)
        .then(|| records.remove(0));
    let header_line = header.as_ref().map(|h| h.line);
    let rob_layout = header.as_ref().and_then(rob_layout);
    let named = header
        .as_ref()
        .and_then(|h| header_layout(h, &mut diagnostics));
    let layout = match (named, &header) {
        (Some(layout), _) => layout,
        (None, Some(header)) => {
            diagnostics.push(Diagnostic {
                line: header.line,
                column: None,
                problem: Problem::HeaderNotRecognised(header.cells[..header.width()].join(" | ")),
            });
            headerless_layout(&records, delimiter, &mut diagnostics)
        }
        (None, None) => headerless_layout(&records, delimiter, &mut diagnostics),
    };

    let records: Vec<Record> = records
        .into_iter()
        .map(|record| fit_spaces(record, delimiter, &layout))
        .collect();
    let evidence = evidence_of(&records, &layout);
    let rows = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let raw = raw_row(record, &layout, evidence, &mut diagnostics);
            let study = raw.validate_with(record.line, index + 1, evidence);
            let rob = rob_layout.as_ref().map(|l| rob_cells(record, l));
            ParsedRow {
                line: record.line,
                raw,
                study,
                rob,
            }
        })
        .collect();
    crate::sort::by_key(&mut diagnostics, |d| d.line);
    Parsed {
        rows,
        diagnostics,
        delimiter,
        header_line,
        evidence,
    }
}

/// Writes rows as tab-separated text with a header row, quoting cells where needed;
/// [`parse`] reads it back to the same rows (blank rows excepted).
///
/// ```
/// use grove_core::parse::{parse, to_tsv, RawRow};
/// let rows = vec![RawRow { study: "A, \"B\"".into(), e1: "1".into(), n1: "10".into(),
///     e2: "2".into(), n2: "10".into(), ..RawRow::default() }];
/// assert_eq!(parse(&to_tsv(&rows)).raw_rows(), rows);
/// ```
pub fn to_tsv(rows: &[RawRow]) -> String {
    let mut out = String::new();
    let header: Vec<&str> = Column::ROW.iter().map(|c| c.heading()).collect();
    out.push_str(&header.join("\t"));
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = Column::ROW.iter().map(|&c| tsv_cell(row.get(c))).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn tsv_cell(cell: &str) -> String {
    let needs_quotes = cell.contains(['\t', '\n', '\r', '"']) || cell.trim() != cell;
    if needs_quotes {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// Which column each cell position holds (`None`: ignored).
type Layout = Vec<Option<Column>>;

/// A first record is a header when no cell after the first is a count and it has a
/// recognised column name or at least two non-empty cells.
fn looks_like_header(record: &Record) -> bool {
    let cells = &record.cells[..record.width()];
    let numbers = cells.iter().skip(1).any(|c| number::looks_like_count(c));
    let recognised = cells.iter().any(|c| header::recognise(c).is_some());
    let non_empty = cells.iter().filter(|c| !c.trim().is_empty()).count();
    !numbers && (recognised || non_empty >= 2)
}

/// Which risk-of-bias domain each header cell names (cells that name a column of the
/// table name none); `None` when no cell names one.
fn rob_layout(header: &Record) -> Option<Vec<Option<crate::rob::Domain>>> {
    let mut seen = Vec::new();
    let layout: Vec<Option<crate::rob::Domain>> = header.cells[..header.width()]
        .iter()
        .map(|c| {
            if header::recognise(c).is_some() {
                return None;
            }
            // The first column naming a domain holds it.
            let d = crate::rob::Domain::recognise(c).filter(|d| !seen.contains(d))?;
            seen.push(d);
            Some(d)
        })
        .collect();
    layout.iter().any(Option::is_some).then_some(layout)
}

/// A record's risk-of-bias cells, by the header's `layout`.
fn rob_cells(record: &Record, layout: &[Option<crate::rob::Domain>]) -> crate::rob::Cells {
    let mut cells = crate::rob::Cells::default();
    for (i, domain) in layout.iter().enumerate() {
        if let (Some(d), Some(cell)) = (domain, record.cells.get(i))
            && let Some(slot) = crate::rob::Domain::ALL.iter().position(|x| x == d)
        {
            cells[slot] = cell.trim().to_owned();
        }
    }
    cells
}

/// The layout a header gives; `None` when it names none of the four counts.
fn header_layout(header: &Record, diagnostics: &mut Vec<Diagnostic>) -> Option<Layout> {
    let cells = &header.cells[..header.width()];
    let mut layout: Layout = cells.iter().map(|c| header::recognise(c)).collect();
    let counts = [
        Column::ExperimentalEvents,
        Column::ExperimentalTotal,
        Column::ControlEvents,
        Column::ControlTotal,
        Column::ExperimentalNonEvents,
        Column::ControlNonEvents,
    ];
    if !layout.iter().flatten().any(|c| counts.contains(c)) {
        return None;
    }
    let diag = |problem| Diagnostic {
        line: header.line,
        column: None,
        problem,
    };
    for (i, cell) in cells.iter().enumerate() {
        match layout[i] {
            None if !cell.trim().is_empty() && crate::rob::Domain::recognise(cell).is_none() => {
                diagnostics.push(diag(Problem::UnknownHeaderColumn(cell.trim().to_string())));
            }
            Some(column) if layout[..i].contains(&Some(column)) => {
                layout[i] = None;
                diagnostics.push(diag(Problem::DuplicateHeaderColumn {
                    column,
                    name: cell.trim().to_string(),
                }));
            }
            _ => {}
        }
    }
    for (total, non_events) in [
        (Column::ExperimentalTotal, Column::ExperimentalNonEvents),
        (Column::ControlTotal, Column::ControlNonEvents),
    ] {
        if layout.contains(&Some(total)) {
            if let Some(slot) = layout.iter_mut().find(|c| **c == Some(non_events)) {
                *slot = None;
                diagnostics.push(diag(Problem::RedundantNonEvents(non_events)));
            }
        } else if !layout.contains(&Some(non_events)) {
            diagnostics.push(diag(Problem::MissingHeaderColumn(total)));
        }
    }
    for events in [Column::ExperimentalEvents, Column::ControlEvents] {
        if !layout.contains(&Some(events)) {
            diagnostics.push(diag(Problem::MissingHeaderColumn(events)));
        }
    }
    Some(layout)
}

/// The layout without a header: study, e1, n1, e2, n2, then year and/or subgroup; four
/// columns of counts alone when most rows are four numbers.
fn default_layout(records: &[Record], delimiter: Delimiter) -> Layout {
    use Column::*;
    let widths: Vec<usize> = records.iter().map(Record::width).collect();
    let typical = most_common(&widths);
    let numeric_first = records
        .iter()
        .filter(|r| number::count_for_layout(&r.cells[0], Evidence::Undecided).is_some())
        .count();
    if typical == 4 && 2 * numeric_first > records.len() {
        return vec![
            Some(ExperimentalEvents),
            Some(ExperimentalTotal),
            Some(ControlEvents),
            Some(ControlTotal),
        ];
    }
    let mut layout = vec![
        Some(Study),
        Some(ExperimentalEvents),
        Some(ExperimentalTotal),
        Some(ControlEvents),
        Some(ControlTotal),
    ];
    if delimiter == Delimiter::Space {
        // Names hold spaces, so the number of cells says nothing: read from the end.
        layout.extend(space_tail(records));
    } else if typical >= 6 {
        let sixth_is_year = records
            .iter()
            .filter_map(|r| r.cells.get(5))
            .filter(|c| !c.trim().is_empty())
            .all(|c| matches!(parse_year(c), Ok(Some(_))));
        if sixth_is_year {
            layout.push(Some(Year));
            layout.push(Some(Subgroup));
        } else {
            layout.push(Some(Subgroup));
        }
    }
    layout
}

/// The columns after the counts when cells are separated by single spaces: a subgroup
/// when most lines end in a word, a year when every line's last number is a year that
/// leaves valid counts before it (and the line would not be valid without it). A count
/// with two readings (`10.000`) is a number here, taken at its smaller reading.
fn space_tail(records: &[Record]) -> Vec<Option<Column>> {
    let count = |c: &str| number::count_for_layout(c, Evidence::Undecided);
    let ends_in_word = |r: &Record| {
        let width = r.width();
        width > 0 && count(&r.cells[width - 1]).is_none()
    };
    let subgroup = 2 * records.iter().filter(|r| ends_in_word(r)).count() > records.len();
    let numbers = |r: &Record| {
        let width = r.width() - usize::from(subgroup && ends_in_word(r));
        r.cells[..width]
            .iter()
            .rev()
            .map_while(|c| count(c))
            .collect::<Vec<u64>>()
    };
    // Counts read backwards: n2, e2, n1, e1.
    let valid = |rev: &[u64]| matches!(rev, [n2, e2, n1, e1, ..] if e1 <= n1 && e2 <= n2 && *n1 > 0 && *n2 > 0);
    let year = !records.is_empty()
        && records.iter().all(|r| {
            let rev = numbers(r);
            rev.len() >= 5 && (1000..=9999).contains(&rev[0]) && valid(&rev[1..]) && !valid(&rev)
        });
    let mut tail = Vec::new();
    if year {
        tail.push(Some(Column::Year));
    }
    if subgroup {
        tail.push(Some(Column::Subgroup));
    }
    tail
}

/// The most frequent value (the larger on ties), 0 if empty.
fn most_common(values: &[usize]) -> usize {
    split::mode(values).unwrap_or(0)
}

/// For space-separated text, folds surplus words into the study name: "Aronson 1948 4
/// 123 11 139" has five columns, not six. With runs of spaces this applies only to
/// lines that have too few cells (a single space somewhere between columns).
fn fit_spaces(record: Record, delimiter: Delimiter, layout: &Layout) -> Record {
    let expected = layout.len();
    let Some(study) = layout.iter().position(|c| *c == Some(Column::Study)) else {
        return record;
    };
    let width = record.width();
    let tokens: Vec<String> = match delimiter {
        Delimiter::Space if width > expected => record.cells[..width].to_vec(),
        Delimiter::Spaces if width < expected => record.cells[..width]
            .iter()
            .flat_map(|c| c.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect(),
        _ => return record,
    };
    if tokens.len() <= expected {
        return Record {
            line: record.line,
            cells: tokens,
        };
    }
    let surplus = tokens.len() - expected;
    let mut cells = tokens[..study].to_vec();
    cells.push(tokens[study..=study + surplus].join(" "));
    cells.extend_from_slice(&tokens[study + surplus + 1..]);
    Record {
        line: record.line,
        cells,
    }
}

/// What the count cells of the records, placed by `layout`, show about separators
/// (non-events included: they are read before they become totals).
fn evidence_of(records: &[Record], layout: &Layout) -> Evidence {
    Evidence::from_cells(records.iter().flat_map(|r| {
        r.cells
            .iter()
            .zip(layout)
            .filter(|(_, column)| column.is_some_and(Column::is_count))
            .map(|(cell, _)| cell.as_str())
    }))
}

/// The layout of text without a header: the default order, or the one alternative
/// order that every row fits, said with one diagnostic; see [Column order](self#column-order).
fn headerless_layout(
    records: &[Record],
    delimiter: Delimiter,
    diagnostics: &mut Vec<Diagnostic>,
) -> Layout {
    let default = default_layout(records, delimiter);
    let fit = Fit::of(records, delimiter, &default);
    if fit.rows == records.len() {
        return default;
    }
    let line = records.first().map_or(1, |r| r.line);
    let mut fitting: Vec<Layout> = alternative_layouts(records, delimiter, &default)
        .into_iter()
        .filter(|layout| Fit::of(records, delimiter, layout).rows == records.len())
        .collect();
    let columns = |layout: &Layout| layout.iter().flatten().copied().collect::<Vec<_>>();
    if fitting.len() == 1 {
        let layout = fitting.remove(0);
        diagnostics.push(Diagnostic {
            line,
            column: None,
            problem: Problem::ColumnOrderAssumed(columns(&layout)),
        });
        return layout;
    }
    if records.len() >= 2 && fit.exceeding == records.len() {
        diagnostics.push(Diagnostic {
            line,
            column: None,
            problem: Problem::ColumnOrderUnclear {
                read: columns(&default),
                fitting: fitting.iter().map(columns).collect(),
            },
        });
    }
    default
}

/// How rows fare when read in one order.
struct Fit {
    /// Rows that are valid but for counts with two readings.
    rows: usize,
    /// Rows in which an arm has more events than participants.
    exceeding: usize,
}

impl Fit {
    fn of(records: &[Record], delimiter: Delimiter, layout: &Layout) -> Fit {
        let records: Vec<Record> = records
            .iter()
            .map(|r| fit_spaces(r.clone(), delimiter, layout))
            .collect();
        let evidence = evidence_of(&records, layout);
        let mut fit = Fit {
            rows: 0,
            exceeding: 0,
        };
        for record in &records {
            let raw = raw_row(record, layout, evidence, &mut Vec::new());
            let problems = raw
                .validate_with(record.line, 1, evidence)
                .err()
                .unwrap_or_default();
            let ambiguous =
                |d: &Diagnostic| matches!(d.problem, Problem::AmbiguousSeparator { .. });
            let exceeding = |d: &Diagnostic| matches!(d.problem, Problem::EventsExceedTotal { .. });
            if problems.iter().all(ambiguous) {
                fit.rows += 1;
            }
            if problems.iter().any(exceeding) {
                fit.exceeding += 1;
            }
        }
        fit
    }
}

/// The orders tried when rows do not fit the default one; see
/// [Column order](self#column-order).
fn alternative_layouts(records: &[Record], delimiter: Delimiter, default: &Layout) -> Vec<Layout> {
    use Column::*;
    let totals_first = |layout: &Layout| -> Layout {
        layout
            .iter()
            .map(|column| {
                column.map(|c| match c {
                    ExperimentalEvents => ExperimentalTotal,
                    ExperimentalTotal => ExperimentalEvents,
                    ControlEvents => ControlTotal,
                    ControlTotal => ControlEvents,
                    other => other,
                })
            })
            .collect()
    };
    let second: Vec<&str> = records
        .iter()
        .map(|r| r.cells.get(1).map_or("", |c| c.trim()))
        .collect();
    let year_second = delimiter != Delimiter::Space
        && default.first() == Some(&Some(Study))
        && second.iter().any(|c| !c.is_empty())
        && second
            .iter()
            .all(|c| c.is_empty() || matches!(parse_year(c), Ok(Some(_))));
    if year_second {
        let widths: Vec<usize> = records.iter().map(Record::width).collect();
        let mut layout = vec![
            Some(Study),
            Some(Year),
            Some(ExperimentalEvents),
            Some(ExperimentalTotal),
            Some(ControlEvents),
            Some(ControlTotal),
        ];
        if most_common(&widths) >= 7 {
            layout.push(Some(Subgroup));
        }
        let swapped = totals_first(&layout);
        vec![layout, swapped]
    } else {
        vec![totals_first(default)]
    }
}

/// Places a record's cells into a row; converts the cell form (non-events) to totals,
/// reading both cells by `evidence`.
fn raw_row(
    record: &Record,
    layout: &Layout,
    evidence: Evidence,
    diagnostics: &mut Vec<Diagnostic>,
) -> RawRow {
    let mut raw = RawRow::default();
    let mut non_events: [Option<&str>; 2] = [None, None];
    for (cell, column) in record.cells.iter().zip(layout) {
        match column {
            Some(Column::ExperimentalNonEvents) => non_events[0] = Some(cell),
            Some(Column::ControlNonEvents) => non_events[1] = Some(cell),
            Some(column) => *raw.get_mut(*column) = cell.clone(),
            None => {}
        }
    }
    for (i, cell) in non_events.iter().enumerate() {
        let Some(cell) = cell else { continue };
        let (events, total) = if i == 0 {
            (&raw.e1, Column::ExperimentalTotal)
        } else {
            (&raw.e2, Column::ControlTotal)
        };
        let sum = match (read_count(events, evidence), read_count(cell, evidence)) {
            (Ok(a), Ok(b)) => a.checked_add(b).filter(|&s| s <= MAX_COUNT),
            _ => None,
        };
        let value = match sum {
            Some(s) => s.to_string(),
            None => {
                if !(cell.trim().is_empty() && events.trim().is_empty()) {
                    diagnostics.push(Diagnostic {
                        line: record.line,
                        column: Some(if i == 0 {
                            Column::ExperimentalNonEvents
                        } else {
                            Column::ControlNonEvents
                        }),
                        problem: Problem::CannotAddNonEvents {
                            events: events.clone(),
                            non_events: cell.to_string(),
                        },
                    });
                }
                cell.to_string()
            }
        };
        *raw.get_mut(total) = value;
    }
    let width = record.width();
    if width > layout.len() {
        diagnostics.push(Diagnostic {
            line: record.line,
            column: None,
            problem: Problem::TooManyCells {
                expected: layout.len(),
                found: width,
                ignored: record.cells[layout.len()..width].join(" "),
            },
        });
    }
    raw
}

#[cfg(test)]
mod tests;
