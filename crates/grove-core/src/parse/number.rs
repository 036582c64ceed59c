//! Reading counts and years as people type them in spreadsheets, in any locale.
//!
//! # Separators
//! Spaces, apostrophes, no-break and thin spaces only ever group thousands (`1 234`,
//! `1'234`). The dot and the comma are the decimal mark in some locales and the
//! thousands separator in others, so a paste is read by one of two
//! [`NumberConvention`]s: [`DotDecimal`](NumberConvention::DotDecimal) (`1,234.5`) or
//! [`CommaDecimal`](NumberConvention::CommaDecimal) (`1.234,5`). Under a convention a
//! number is
//! - an integer part: digits, or groups of digits joined by one kind of thousands
//!   separator used throughout, the first group 1 to 3 digits and every later group
//!   exactly 3 (`1,234,567`, `1 234`, not `1,23` nor `1,234 567`);
//! - then optionally the decimal mark and at least one digit. A count is whole when
//!   those digits are all zeros (`12.0`, `12.00` as spreadsheets export whole numbers).
//!
//! # Which convention
//! Most cells read the same under both (`1234`, `1 234`, `0.000`, or words). A cell
//! *decides* when it is a better number under one convention than under the other,
//! better meaning: a whole number beats a fraction, which beats not being a number:
//! - `1.234.567` (a dot twice: thousands), `1.234` (1 234, or the fraction 1.234, which
//!   no count is), `12,5` (a fraction, or nothing): comma is the decimal mark;
//! - `1,234.0`, `2,500`, `1.5`, `12.0`: dot is the decimal mark.
//!
//! A cell with *two different whole readings* — one to three digits, a dot or a comma,
//! then `000` (`10.000` is 10 000 or 10; `1,000` is 1 000 or 1) — decides nothing and is
//! read by the convention that the other cells of its table show ([`Evidence`]). When
//! none do, or they disagree, it is refused with [`Problem::AmbiguousSeparator`], naming
//! both readings, until the user types the one meant; it is never read one way silently.
//!
//! The field delimiter is deliberately not evidence: semicolon-separated files are
//! written by spreadsheets in decimal-comma locales, but also by hand and by tools set up
//! elsewhere, and a file from a decimal-comma locale may still hold cells pasted from
//! another. A wrong guess changes a count a thousandfold without a word, while asking
//! costs one click, so only cells count.

use super::{Column, Problem, RawRow};
use serde::{Deserialize, Serialize};

/// The largest count accepted: 2^53, beyond which counts are no longer exact as `f64`.
pub const MAX_COUNT: u64 = 1 << 53;

/// How a table writes the dot and the comma in numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NumberConvention {
    /// `1,234.5`: the dot is the decimal mark, the comma groups thousands (English).
    DotDecimal,
    /// `1.234,5`: the comma is the decimal mark, the dot groups thousands (German,
    /// Dutch, Danish, ...; French `1 234,5` is read the same way).
    CommaDecimal,
}

/// The separator whose role makes a cell ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Separator {
    /// `.`
    Dot,
    /// `,`
    Comma,
}

/// What the cells of a table show about its [`NumberConvention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Evidence {
    /// No cell decides: cells with two whole readings are refused.
    #[default]
    Undecided,
    /// Every cell that decides shows this convention: every cell is read by it.
    Shows(NumberConvention),
    /// Some cells show one convention and some the other: cells with two whole readings
    /// are refused, as with [`Evidence::Undecided`].
    Conflicting,
}

impl NumberConvention {
    /// The decimal mark.
    pub fn decimal_mark(self) -> char {
        match self {
            NumberConvention::DotDecimal => '.',
            NumberConvention::CommaDecimal => ',',
        }
    }

    /// The thousands separator this convention adds to those of every convention
    /// (spaces, apostrophes).
    pub fn thousands_mark(self) -> char {
        match self {
            NumberConvention::DotDecimal => ',',
            NumberConvention::CommaDecimal => '.',
        }
    }

    fn other(self) -> NumberConvention {
        match self {
            NumberConvention::DotDecimal => NumberConvention::CommaDecimal,
            NumberConvention::CommaDecimal => NumberConvention::DotDecimal,
        }
    }
}

impl Separator {
    /// The convention in which this separator is the decimal mark.
    fn as_decimal(self) -> NumberConvention {
        match self {
            Separator::Dot => NumberConvention::DotDecimal,
            Separator::Comma => NumberConvention::CommaDecimal,
        }
    }
}

impl std::fmt::Display for Separator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Separator::Dot => "dot",
            Separator::Comma => "comma",
        })
    }
}

impl Evidence {
    /// What the count cells (events and totals) of `rows` show; see the module docs for
    /// which cells decide.
    ///
    /// ```
    /// use grove_core::parse::{Evidence, NumberConvention, RawRow};
    /// let row = |n1: &str| RawRow { e1: "5".into(), n1: n1.into(), e2: "7".into(),
    ///     n2: "9".into(), ..RawRow::default() };
    /// assert_eq!(Evidence::detect(&[row("10.000")]), Evidence::Undecided);
    /// assert_eq!(
    ///     Evidence::detect(&[row("10.000"), row("1.234.567")]),
    ///     Evidence::Shows(NumberConvention::CommaDecimal)
    /// );
    /// ```
    pub fn detect(rows: &[RawRow]) -> Evidence {
        Evidence::from_cells(rows.iter().flat_map(|r| Column::COUNTS.map(|c| r.get(c))))
    }

    /// What the given cells show.
    pub fn from_cells<'a>(cells: impl IntoIterator<Item = &'a str>) -> Evidence {
        let mut evidence = Evidence::Undecided;
        for cell in cells {
            let Some(shown) = Cell::new(cell).and_then(|c| c.decides()) else {
                continue;
            };
            evidence = match evidence {
                Evidence::Undecided => Evidence::Shows(shown),
                Evidence::Shows(c) if c == shown => evidence,
                Evidence::Shows(_) | Evidence::Conflicting => return Evidence::Conflicting,
            };
        }
        evidence
    }
}

/// Reads a count (events or participants) when nothing else in its table shows how
/// the dot and comma are used: [`read_count`] with [`Evidence::Undecided`].
///
/// # Errors
/// As [`read_count`]; `"10.000"` is [`Problem::AmbiguousSeparator`].
pub fn parse_count(cell: &str) -> Result<u64, Problem> {
    read_count(cell, Evidence::Undecided)
}

/// Reads a count (events or participants) by what its table shows about separators.
///
/// With [`Evidence::Shows`] the cell is read by that convention; otherwise by the only
/// convention that makes it a whole number, or either when both give the same number.
///
/// ```
/// use grove_core::parse::{read_count, Evidence, NumberConvention};
/// let german = Evidence::Shows(NumberConvention::CommaDecimal);
/// assert_eq!(read_count("10.000", german), Ok(10_000));
/// assert_eq!(read_count("1,234", Evidence::Undecided), Ok(1_234));
/// assert!(read_count("10.000", Evidence::Undecided).is_err());
/// ```
///
/// # Errors
/// [`Problem::Missing`] for an empty cell, [`Problem::Negative`] for a negative number,
/// [`Problem::TooLarge`] above [`MAX_COUNT`], [`Problem::AmbiguousSeparator`] for two
/// whole readings that the evidence does not settle, and [`Problem::NotWholeNumber`]
/// otherwise.
pub fn read_count(cell: &str, evidence: Evidence) -> Result<u64, Problem> {
    let s = cell.trim();
    let Some(cell) = Cell::new(s) else {
        return Err(Problem::Missing);
    };
    let reading = match evidence {
        Evidence::Shows(convention) => cell.under(convention),
        Evidence::Undecided | Evidence::Conflicting => match cell.whole_readings() {
            Some(readings) if !cell.negative => {
                return Err(Problem::AmbiguousSeparator {
                    cell: s.to_string(),
                    separator: readings.separator,
                    as_thousands: readings.as_thousands,
                    as_decimal: readings.as_decimal,
                });
            }
            _ => cell.best(),
        },
    };
    match reading {
        Reading::Whole(Some(0)) => Ok(0),
        Reading::Whole(_) if cell.negative => Err(Problem::Negative(s.to_string())),
        Reading::Whole(Some(v)) if v <= MAX_COUNT => Ok(v),
        Reading::Whole(_) => Err(Problem::TooLarge(s.to_string())),
        Reading::Fraction | Reading::NotANumber => Err(Problem::NotWholeNumber(s.to_string())),
    }
}

/// Reads an optional year: empty (or R's `NA`) is `None`.
///
/// # Errors
/// [`Problem::NotAYear`] unless the cell is a whole number from 1000 to 9999 (a
/// trailing `.0` is allowed, as spreadsheets export whole numbers).
pub fn parse_year(cell: &str) -> Result<Option<i32>, Problem> {
    let s = cell.trim();
    if s.is_empty() || s == "NA" {
        return Ok(None);
    }
    let digits = match s.rsplit_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        _ => s,
    };
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        // Four ASCII digits always fit an i32.
        if let Ok(y) = digits.parse::<i32>()
            && y >= 1000
        {
            return Ok(Some(y));
        }
    }
    Err(Problem::NotAYear(s.to_string()))
}

/// `10000` → `"10 000"`: digits in groups of three separated by spaces, the form in
/// which messages show counts (readable in every locale, and read back unambiguously).
pub fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(d);
    }
    out
}

/// A count as the layout guesser sees it: its value, the smaller reading of a cell
/// with two, or `None` when it is no count.
pub(crate) fn count_for_layout(cell: &str, evidence: Evidence) -> Option<u64> {
    match read_count(cell, evidence) {
        Ok(v) => Some(v),
        Err(Problem::AmbiguousSeparator { as_decimal, .. }) => Some(as_decimal),
        Err(_) => None,
    }
}

/// Whether a cell is written as a count, right or wrong (negative, too large,
/// ambiguous): what tells a header row from a row of data.
pub(crate) fn looks_like_count(cell: &str) -> bool {
    matches!(
        parse_count(cell),
        Ok(_)
            | Err(Problem::Negative(_) | Problem::TooLarge(_) | Problem::AmbiguousSeparator { .. })
    )
}

/// A non-empty cell split into its sign and its number text.
struct Cell<'a> {
    negative: bool,
    body: &'a str,
}

/// What a number's text means under one convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A whole number (`None`: beyond `u64`).
    Whole(Option<u64>),
    /// A number with a non-zero fraction.
    Fraction,
    /// Not a number written this way.
    NotANumber,
}

/// The two whole readings of an ambiguous cell.
struct WholeReadings {
    separator: Separator,
    as_thousands: u64,
    as_decimal: u64,
}

impl Reading {
    /// Whole numbers beat fractions, which beat not being a number.
    fn rank(self) -> u8 {
        match self {
            Reading::Whole(_) => 2,
            Reading::Fraction => 1,
            Reading::NotANumber => 0,
        }
    }
}

impl<'a> Cell<'a> {
    /// `None` for an empty (or all-space) cell.
    fn new(cell: &'a str) -> Option<Cell<'a>> {
        let s = cell.trim();
        if s.is_empty() {
            return None;
        }
        Some(match s.strip_prefix(['-', '\u{2212}']) {
            Some(rest) => Cell {
                negative: true,
                body: rest.trim_start(),
            },
            None => Cell {
                negative: false,
                body: s.strip_prefix('+').map_or(s, str::trim_start),
            },
        })
    }

    fn under(&self, convention: NumberConvention) -> Reading {
        read(self.body, convention)
    }

    /// The convention under which the cell is a better number than under the other.
    fn decides(&self) -> Option<NumberConvention> {
        [NumberConvention::DotDecimal, NumberConvention::CommaDecimal]
            .into_iter()
            .find(|&c| self.under(c).rank() > self.under(c.other()).rank())
    }

    /// The better of the two readings (either when they rank alike).
    fn best(&self) -> Reading {
        let dot = self.under(NumberConvention::DotDecimal);
        let comma = self.under(NumberConvention::CommaDecimal);
        if comma.rank() > dot.rank() {
            comma
        } else {
            dot
        }
    }

    /// Both readings, when they are different whole numbers.
    fn whole_readings(&self) -> Option<WholeReadings> {
        let separator = if self.body.contains('.') {
            Separator::Dot
        } else {
            Separator::Comma
        };
        let decimal = separator.as_decimal();
        match (self.under(decimal.other()), self.under(decimal)) {
            (Reading::Whole(Some(as_thousands)), Reading::Whole(Some(as_decimal)))
                if as_thousands != as_decimal =>
            {
                Some(WholeReadings {
                    separator,
                    as_thousands,
                    as_decimal,
                })
            }
            _ => None,
        }
    }
}

/// Reads a number's text (no sign) under a convention; see the module docs.
fn read(body: &str, convention: NumberConvention) -> Reading {
    let (int, fraction) = match body.split_once(convention.decimal_mark()) {
        Some((int, fraction)) => (int, Some(fraction)),
        None => (body, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return Reading::NotANumber;
    }
    let Some(value) = integer(int, convention.thousands_mark()) else {
        return Reading::NotANumber;
    };
    match fraction {
        Some(f) if f.bytes().any(|b| b != b'0') => Reading::Fraction,
        _ => Reading::Whole(value),
    }
}

/// `Some(Some(v))` for a well-formed integer part, `Some(None)` when it is well-formed
/// but overflows `u64`, `None` when it is not digits grouped by `thousands` or a space.
fn integer(int: &str, thousands: char) -> Option<Option<u64>> {
    if int.is_empty() {
        return None;
    }
    let mut value: Option<u64> = Some(0);
    let mut push = |digits: &str| {
        for d in digits.bytes() {
            value = value
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(u64::from(d - b'0')));
        }
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match int.chars().find(|c| !c.is_ascii_digit()) {
        None => push(int),
        Some(sep) if sep == thousands || is_space_separator(sep) => {
            let mut groups = int.split(sep);
            let first = groups.next().unwrap_or("");
            if !all_digits(first) || first.len() > 3 {
                return None;
            }
            push(first);
            for g in groups {
                if g.len() != 3 || !all_digits(g) {
                    return None;
                }
                push(g);
            }
        }
        Some(_) => return None,
    }
    Some(value)
}

/// Separators that group thousands in every convention.
fn is_space_separator(c: char) -> bool {
    matches!(c, ' ' | '\'' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cell: &str, evidence: Evidence, expected: Result<u64, Problem>) {
        assert_eq!(
            read_count(cell, evidence),
            expected,
            "cell {cell:?} with {evidence:?}"
        );
    }

    fn ambiguous(cell: &str, separator: Separator, as_thousands: u64, as_decimal: u64) -> Problem {
        Problem::AmbiguousSeparator {
            cell: cell.into(),
            separator,
            as_thousands,
            as_decimal,
        }
    }

    const NONE: Evidence = Evidence::Undecided;
    const DOT: Evidence = Evidence::Shows(NumberConvention::DotDecimal);
    const COMMA: Evidence = Evidence::Shows(NumberConvention::CommaDecimal);

    #[test]
    fn counts() {
        check("12", NONE, Ok(12));
        check(" 12 ", NONE, Ok(12));
        check("+12", NONE, Ok(12));
        check("12.0", NONE, Ok(12));
        check("12.00", NONE, Ok(12));
        check("12.0000", NONE, Ok(12));
        check("12,0", NONE, Ok(12));
        check("1,234", NONE, Ok(1234));
        check("1.234", NONE, Ok(1234));
        check("2,500", NONE, Ok(2500));
        check("1,234.0", NONE, Ok(1234));
        check("1.234,0", NONE, Ok(1234));
        check("1.234.567", NONE, Ok(1_234_567));
        check("1 234 567", NONE, Ok(1_234_567));
        check("1\u{a0}234", NONE, Ok(1234));
        check("1'234", NONE, Ok(1234));
        check("-0", NONE, Ok(0));
        check("0.000", NONE, Ok(0));
        check("", NONE, Err(Problem::Missing));
        check("12a", NONE, Err(Problem::NotWholeNumber("12a".into())));
        check("1.5", NONE, Err(Problem::NotWholeNumber("1.5".into())));
        check("12,5", NONE, Err(Problem::NotWholeNumber("12,5".into())));
        check("1,23", NONE, Err(Problem::NotWholeNumber("1,23".into())));
        check("12.", NONE, Err(Problem::NotWholeNumber("12.".into())));
        check(
            "1,234 567",
            NONE,
            Err(Problem::NotWholeNumber("1,234 567".into())),
        );
        check(
            "1.234,567",
            NONE,
            Err(Problem::NotWholeNumber("1.234,567".into())),
        );
        check(".0", NONE, Err(Problem::NotWholeNumber(".0".into())));
        check("-3", NONE, Err(Problem::Negative("-3".into())));
        check("−3", NONE, Err(Problem::Negative("−3".into())));
        check("-10.000", NONE, Err(Problem::Negative("-10.000".into())));
        check(
            "99999999999999999999999",
            NONE,
            Err(Problem::TooLarge("99999999999999999999999".into())),
        );
        check(
            "9007199254740993",
            NONE,
            Err(Problem::TooLarge("9007199254740993".into())),
        );
        check("9007199254740992", NONE, Ok(MAX_COUNT));
    }

    #[test]
    fn two_whole_readings_need_evidence() {
        check(
            "10.000",
            NONE,
            Err(ambiguous("10.000", Separator::Dot, 10_000, 10)),
        );
        check(
            "9.000",
            NONE,
            Err(ambiguous("9.000", Separator::Dot, 9_000, 9)),
        );
        check(
            "1,000",
            NONE,
            Err(ambiguous("1,000", Separator::Comma, 1_000, 1)),
        );
        check(
            "150,000",
            Evidence::Conflicting,
            Err(ambiguous("150,000", Separator::Comma, 150_000, 150)),
        );
        check("10.000", COMMA, Ok(10_000));
        check("10.000", DOT, Ok(10));
        check("1,000", DOT, Ok(1_000));
        check("1,000", COMMA, Ok(1));
        // Under a convention, a cell is read by it only.
        check("1.234", DOT, Err(Problem::NotWholeNumber("1.234".into())));
        check("2,500", COMMA, Err(Problem::NotWholeNumber("2,500".into())));
        check("12.0", COMMA, Err(Problem::NotWholeNumber("12.0".into())));
        check("1 234", COMMA, Ok(1234));
        check("1 234,00", COMMA, Ok(1234));
    }

    #[test]
    fn cells_that_decide() {
        use NumberConvention::*;
        for (cells, expected) in [
            (&["10.000", "5", "1 234"][..], Evidence::Undecided),
            (&["10.000", "1.234.567"], Evidence::Shows(CommaDecimal)),
            (&["10.000", "1.234"], Evidence::Shows(CommaDecimal)),
            (&["10.000", "12,5"], Evidence::Shows(CommaDecimal)),
            (&["10.000", "2,500"], Evidence::Shows(DotDecimal)),
            (&["1,000", "1,234.0"], Evidence::Shows(DotDecimal)),
            (&["1,000", "-1.5"], Evidence::Shows(DotDecimal)),
            (&["1.234.567", "2,500"], Evidence::Conflicting),
            (&[], Evidence::Undecided),
        ] {
            assert_eq!(
                Evidence::from_cells(cells.iter().copied()),
                expected,
                "{cells:?}"
            );
        }
    }

    #[test]
    fn messages_and_choices_name_both_readings() {
        let message = ambiguous("10.000", Separator::Dot, 10_000, 10).to_string();
        assert_eq!(
            message,
            "'10.000' could be 10 000 (dot as thousands separator) or 10 (dot as decimal \
             mark); confirm one"
        );
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1 000");
        assert_eq!(grouped(1_234_567), "1 234 567");
        for choice in ambiguous("1,000", Separator::Comma, 1000, 1).confirmations() {
            // The text of a choice has only the reading chosen.
            assert_eq!(
                parse_count(&choice.text).map(|v| v.to_string()),
                Ok(choice.text)
            );
        }
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("1948"), Ok(Some(1948)));
        assert_eq!(parse_year(" 1948.0 "), Ok(Some(1948)));
        assert_eq!(parse_year(""), Ok(None));
        assert_eq!(parse_year("NA"), Ok(None));
        assert_eq!(parse_year("48"), Err(Problem::NotAYear("48".into())));
        assert_eq!(parse_year("1948a"), Err(Problem::NotAYear("1948a".into())));
        assert_eq!(parse_year("0999"), Err(Problem::NotAYear("0999".into())));
    }
}
