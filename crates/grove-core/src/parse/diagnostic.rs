//! What can be wrong with pasted text, and where: [`Diagnostic`] = line + [`Column`] +
//! [`Problem`], each with a plain-English `Display`.

use super::Separator;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A column of the trial table, as named in diagnostics and recognised in headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Column {
    /// The study label ("Aronson 1948").
    Study,
    /// The year of publication.
    Year,
    /// Events in the experimental arm, metafor's `ai`.
    ExperimentalEvents,
    /// Participants in the experimental arm, metafor's `n1i`.
    ExperimentalTotal,
    /// Events in the control arm, metafor's `ci`.
    ControlEvents,
    /// Participants in the control arm, metafor's `n2i`.
    ControlTotal,
    /// The subgroup label.
    Subgroup,
    /// Non-events in the experimental arm, metafor's `bi` (cell form `a b c d`); converted
    /// to [`Column::ExperimentalTotal`] while parsing.
    ExperimentalNonEvents,
    /// Non-events in the control arm, metafor's `di` (cell form `a b c d`); converted to
    /// [`Column::ControlTotal`] while parsing.
    ControlNonEvents,
}

impl Column {
    /// The columns of a row, in the order [`to_tsv`](super::to_tsv) writes them.
    pub const ROW: [Column; 7] = [
        Column::Study,
        Column::Year,
        Column::ExperimentalEvents,
        Column::ExperimentalTotal,
        Column::ControlEvents,
        Column::ControlTotal,
        Column::Subgroup,
    ];

    /// The columns of counts that rows keep (events and totals of each arm).
    pub const COUNTS: [Column; 4] = [
        Column::ExperimentalEvents,
        Column::ExperimentalTotal,
        Column::ControlEvents,
        Column::ControlTotal,
    ];

    /// Whether the column holds counts (events, totals or non-events).
    pub fn is_count(self) -> bool {
        !matches!(self, Column::Study | Column::Year | Column::Subgroup)
    }

    /// The heading [`to_tsv`](super::to_tsv) writes for the column ("Experimental events").
    pub fn heading(self) -> &'static str {
        match self {
            Column::Study => "Study",
            Column::Year => "Year",
            Column::ExperimentalEvents => "Experimental events",
            Column::ExperimentalTotal => "Experimental total",
            Column::ControlEvents => "Control events",
            Column::ControlTotal => "Control total",
            Column::Subgroup => "Subgroup",
            Column::ExperimentalNonEvents => "Experimental non-events",
            Column::ControlNonEvents => "Control non-events",
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading().to_ascii_lowercase())
    }
}

/// Why a cell, a line or the header cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// A required cell is empty or absent.
    Missing,
    /// The cell is not a whole number (it holds what was typed).
    NotWholeNumber(String),
    /// The count is below zero (it holds what was typed).
    Negative(String),
    /// The count is larger than [`MAX_COUNT`](super::MAX_COUNT), beyond which
    /// arithmetic in double precision is no longer exact (it holds what was typed).
    TooLarge(String),
    /// The arm reports more events than participants.
    EventsExceedTotal {
        /// Events reported.
        events: u64,
        /// Participants reported.
        total: u64,
    },
    /// The arm has no participants.
    ZeroTotal,
    /// The year is not a whole number from 1000 to 9999 (it holds what was typed).
    NotAYear(String),
    /// The line has more non-empty cells than there are columns.
    TooManyCells {
        /// Columns expected.
        expected: usize,
        /// Cells found (up to the last non-empty one).
        found: usize,
        /// The text of the cells that were left out, joined by a space.
        ignored: String,
    },
    /// A header cell names no column Grove knows; the column is ignored.
    UnknownHeaderColumn(String),
    /// The first line looks like a header (no counts in it) but names none of the
    /// counts; it is skipped and the columns are read in the default order (it holds the
    /// header's cells joined by " | ").
    HeaderNotRecognised(String),
    /// A header names the same column twice; the later one is ignored.
    DuplicateHeaderColumn {
        /// The column named twice.
        column: Column,
        /// The header text of the ignored occurrence.
        name: String,
    },
    /// The header has no column for this required value.
    MissingHeaderColumn(Column),
    /// The header gives both the total and the non-events of an arm; the non-events
    /// column is ignored.
    RedundantNonEvents(Column),
    /// In the cell form (`a b c d`), events and non-events could not be added up to a
    /// total; the non-events text is kept in the total column for correction.
    CannotAddNonEvents {
        /// The events cell as typed.
        events: String,
        /// The non-events cell as typed.
        non_events: String,
    },
    /// A quoted cell has no closing quote; the quote is read as an ordinary character.
    UnclosedQuote,
    /// The count has two whole readings (`10.000`: 10 000 or 10) and nothing else in the
    /// table shows whether the separator groups thousands or marks decimals; the row is
    /// left out until the cell is retyped with the one meant (see
    /// [`Problem::confirmations`]).
    AmbiguousSeparator {
        /// The cell as typed.
        cell: String,
        /// The separator read both ways.
        separator: Separator,
        /// The count when the separator groups thousands.
        as_thousands: u64,
        /// The count when the separator is the decimal mark.
        as_decimal: u64,
    },
    /// Without a header, the columns were read in another order than the default one,
    /// because it is the only order tried in which every row is valid (information,
    /// not an error; the rows keep their cells in the columns read).
    ColumnOrderAssumed(Vec<Column>),
    /// Without a header, no row is valid in the default column order (the events of an
    /// arm exceed its total in every row), and the other orders tried do not settle it;
    /// said once for the text rather than guessed.
    ColumnOrderUnclear {
        /// The order the rows were read in.
        read: Vec<Column>,
        /// The orders in which every row would be valid (none, or more than one).
        fitting: Vec<Vec<Column>>,
    },
}

/// One way of settling a [`Problem`] by choice: the cell text that means it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Confirmation {
    /// The cell's new text, which has only this reading ("10000").
    pub text: String,
    /// What choosing it means ("Read as 10 000").
    pub label: String,
}

impl Problem {
    /// The choices that settle this problem, for problems settled by choosing
    /// ([`Problem::AmbiguousSeparator`]: the thousands reading, then the decimal one);
    /// empty for every other problem.
    ///
    /// ```
    /// use grove_core::parse::{parse_count, Confirmation};
    /// let problem = parse_count("10.000").unwrap_err();
    /// assert_eq!(problem.confirmations(), vec![
    ///     Confirmation { text: "10000".into(), label: "Read as 10 000".into() },
    ///     Confirmation { text: "10".into(), label: "Read as 10".into() },
    /// ]);
    /// ```
    pub fn confirmations(&self) -> Vec<Confirmation> {
        match self {
            Problem::AmbiguousSeparator {
                as_thousands,
                as_decimal,
                ..
            } => [*as_thousands, *as_decimal]
                .map(|v| Confirmation {
                    text: v.to_string(),
                    label: format!("Read as {}", super::grouped(v)),
                })
                .to_vec(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("the cell is empty"),
            Problem::NotWholeNumber(s) => write!(f, "'{s}' is not a whole number"),
            Problem::Negative(s) => write!(f, "'{s}' is negative; counts cannot be below 0"),
            Problem::TooLarge(s) => write!(
                f,
                "'{s}' is too large (the largest count accepted is {})",
                super::MAX_COUNT
            ),
            Problem::EventsExceedTotal { events, total } => write!(
                f,
                "{events} events is more than the {total} participants in this arm"
            ),
            Problem::ZeroTotal => {
                f.write_str("the total is 0; an arm needs at least one participant")
            }
            Problem::NotAYear(s) => {
                write!(
                    f,
                    "'{s}' is not a year (expected a whole number from 1000 to 9999)"
                )
            }
            Problem::TooManyCells {
                expected,
                found,
                ignored,
            } => write!(
                f,
                "{found} cells where {expected} columns were expected; ignored: '{ignored}'"
            ),
            Problem::UnknownHeaderColumn(s) => write!(
                f,
                "unknown column '{s}' in the header, ignored (known columns: study, year, \
                 experimental events/total, control events/total, subgroup; \
                 or metafor's ai n1i ci n2i / ai bi ci di)"
            ),
            Problem::HeaderNotRecognised(s) => write!(
                f,
                "the header '{s}' names none of the counts, so it is skipped and the columns \
                 are read in the default order: study, experimental events, experimental \
                 total, control events, control total, year, subgroup"
            ),
            Problem::DuplicateHeaderColumn { column, name } => {
                write!(
                    f,
                    "the header names the {column} twice; column '{name}' is ignored"
                )
            }
            Problem::MissingHeaderColumn(c) => write!(f, "the header has no {c} column"),
            Problem::RedundantNonEvents(c) => {
                write!(
                    f,
                    "the header gives both the total and the {c}; the {c} are ignored"
                )
            }
            Problem::CannotAddNonEvents { events, non_events } => write!(
                f,
                "cannot add events '{events}' and non-events '{non_events}' to make the total; \
                 '{non_events}' is kept as the total, please correct it"
            ),
            Problem::UnclosedQuote => f.write_str(
                "a quote opens a cell but never closes; it is read as a plain character",
            ),
            Problem::AmbiguousSeparator {
                cell,
                separator,
                as_thousands,
                as_decimal,
            } => write!(
                f,
                "'{cell}' could be {} ({separator} as thousands separator) or {} \
                 ({separator} as decimal mark); confirm one",
                super::grouped(*as_thousands),
                super::grouped(*as_decimal),
            ),
            Problem::ColumnOrderAssumed(columns) => write!(
                f,
                "without a header row, the columns were read as {}: the only order in \
                 which every row is valid; add a header row naming the columns if they \
                 are meant otherwise",
                order(columns)
            ),
            Problem::ColumnOrderUnclear { read, fitting } => {
                write!(
                    f,
                    "without a header row, the columns were read as {}, and no row is \
                     valid that way",
                    order(read)
                )?;
                if !fitting.is_empty() {
                    let orders: Vec<String> = fitting.iter().map(|o| order(o)).collect();
                    write!(
                        f,
                        "; every row would be valid as {}",
                        orders.join(" or as ")
                    )?;
                }
                f.write_str("; add a header row naming the columns")
            }
        }
    }
}

impl std::error::Error for Problem {}

/// A problem found at a line (1-based) and, when it concerns one cell, a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based line of the pasted text (or row number in a table editor).
    pub line: usize,
    /// The column concerned; `None` for problems with the line or the header as a whole.
    pub column: Option<Column>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, {c}: {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

impl std::error::Error for Diagnostic {}

/// "study, year, experimental events, ...".
fn order(columns: &[Column]) -> String {
    columns
        .iter()
        .map(Column::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
