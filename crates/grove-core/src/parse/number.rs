//! Reading counts and years as people type them in spreadsheets.
//!
//! Accepted: surrounding spaces, a leading `+`, thousands separators used consistently
//! (`1,234`, `1 234`, `1'234`, no-break and thin spaces), and a trailing `.0` (any number
//! of zeros, as spreadsheets export whole numbers). Anything else is a [`Problem`].

use super::Problem;

/// The largest count accepted: 2^53, beyond which counts are no longer exact as `f64`.
pub const MAX_COUNT: u64 = 1 << 53;

/// Reads a count (events or participants).
///
/// # Errors
/// [`Problem::Missing`] for an empty cell, [`Problem::Negative`] for a negative number,
/// [`Problem::TooLarge`] above [`MAX_COUNT`] and [`Problem::NotWholeNumber`] otherwise.
pub fn parse_count(cell: &str) -> Result<u64, Problem> {
    let s = cell.trim();
    if s.is_empty() {
        return Err(Problem::Missing);
    }
    let (negative, body) = match s.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').map_or(s, str::trim_start)),
    };
    match digits_value(body) {
        Some(Some(0)) => Ok(0),
        Some(Some(_)) if negative => Err(Problem::Negative(s.to_string())),
        Some(Some(v)) if v <= MAX_COUNT => Ok(v),
        Some(_) => Err(Problem::TooLarge(s.to_string())),
        None => Err(Problem::NotWholeNumber(s.to_string())),
    }
}

/// Reads an optional year: empty (or R's `NA`) is `None`.
///
/// # Errors
/// [`Problem::NotAYear`] unless the cell is a whole number from 1000 to 9999.
pub fn parse_year(cell: &str) -> Result<Option<i32>, Problem> {
    let s = cell.trim();
    if s.is_empty() || s == "NA" {
        return Ok(None);
    }
    let digits = strip_zero_fraction(s);
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

/// `Some(Some(v))` for a well-formed whole number, `Some(None)` when it is well-formed
/// but overflows `u64`, `None` when it is not a whole number.
fn digits_value(body: &str) -> Option<Option<u64>> {
    let body = strip_zero_fraction(body);
    if body.is_empty() {
        return None;
    }
    let sep = body.chars().find(|c| !c.is_ascii_digit());
    let mut value: Option<u64> = Some(0);
    let mut push = |d: u8| {
        value = value
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(u64::from(d - b'0')));
    };
    match sep {
        None => body.bytes().for_each(&mut push),
        Some(sep) if is_group_separator(sep) => {
            let mut groups = body.split(sep);
            let first = groups.next().unwrap_or("");
            if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            first.bytes().for_each(&mut push);
            for g in groups {
                if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                g.bytes().for_each(&mut push);
            }
        }
        Some(_) => return None,
    }
    Some(value)
}

fn is_group_separator(c: char) -> bool {
    matches!(c, ',' | ' ' | '\'' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// `"12.0"` and `"12.000"` become `"12"`; anything else is returned unchanged.
fn strip_zero_fraction(s: &str) -> &str {
    match s.rsplit_once('.') {
        Some((int, frac))
            if !int.is_empty() && !frac.is_empty() && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cell: &str, expected: Result<u64, Problem>) {
        assert_eq!(parse_count(cell), expected, "cell {cell:?}");
    }

    #[test]
    fn counts() {
        check("12", Ok(12));
        check(" 12 ", Ok(12));
        check("+12", Ok(12));
        check("12.0", Ok(12));
        check("12.00", Ok(12));
        check("1,234", Ok(1234));
        check("1 234 567", Ok(1_234_567));
        check("1\u{a0}234", Ok(1234));
        check("-0", Ok(0));
        check("", Err(Problem::Missing));
        check("12a", Err(Problem::NotWholeNumber("12a".into())));
        check("1.5", Err(Problem::NotWholeNumber("1.5".into())));
        check("1,23", Err(Problem::NotWholeNumber("1,23".into())));
        check(
            "1,234 567",
            Err(Problem::NotWholeNumber("1,234 567".into())),
        );
        check(".0", Err(Problem::NotWholeNumber(".0".into())));
        check("-3", Err(Problem::Negative("-3".into())));
        check("−3", Err(Problem::Negative("−3".into())));
        check(
            "99999999999999999999999",
            Err(Problem::TooLarge("99999999999999999999999".into())),
        );
        check(
            "9007199254740993",
            Err(Problem::TooLarge("9007199254740993".into())),
        );
        check("9007199254740992", Ok(MAX_COUNT));
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
