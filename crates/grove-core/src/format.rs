//! Number formatting shared by the page, the command line and the forest plot, following
//! the conventions of RevMan and of the Cochrane Handbook (2 decimals for effects, P
//! values to 2 significant figures with "P < 0.00001" as the floor).
//!
//! Non-finite inputs never print as `NaN`: they become an en dash or the word the caller
//! passes, so an undefined value can't reach the screen by accident.

/// An effect on its natural scale (ratios back-transformed) with 2 decimals, or 3 when
/// the value is small (`0.004`), 2 significant figures below 0.001 (`0.00012`, never
/// scientific notation, so that a risk difference always reads as a difference), and in
/// scientific notation only for ratios of 100,000 and more.
///
/// ```
/// use grove_core::format::effect;
/// assert_eq!(effect(0.4896), "0.49");
/// assert_eq!(effect(0.00412), "0.004");
/// assert_eq!(effect(-0.000123), "-0.00012");
/// assert_eq!(effect(f64::NAN), "–");
/// ```
pub fn effect(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let a = x.abs();
    if a >= 1e5 {
        return format!("{x:.1e}");
    }
    if a != 0.0 && a < 0.001 {
        return significant(x, 2);
    }
    let s = if a != 0.0 && a < 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.2}")
    };
    normalise_zero(s)
}

/// An effect with its interval, RevMan style: `0.49 [0.34, 0.70]`.
pub fn effect_with_ci(estimate: f64, lower: f64, upper: f64) -> String {
    format!(
        "{} [{}, {}]",
        effect(estimate),
        effect(lower),
        effect(upper)
    )
}

/// A P value: `P < 0.00001` below that floor, else 2 significant figures (never `1.0`
/// rounding hides a value: 0.99996 prints as `1.00`).
///
/// ```
/// use grove_core::format::p_value;
/// assert_eq!(p_value(2.3e-26), "P < 0.00001");
/// assert_eq!(p_value(0.0192), "P = 0.019");
/// assert_eq!(p_value(0.463), "P = 0.46");
/// ```
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        return "P not available".to_owned();
    }
    if p < 0.00001 {
        return "P < 0.00001".to_owned();
    }
    format!("P = {}", significant(p, 2))
}

/// How P values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PStyle {
    /// Two significant figures (`P = 0.019`, `P = 0.46`), `P < 0.00001` below that.
    Significant,
    /// As RevMan 5's forest plots print them: two decimals (`P = 0.04`, `P = 0.46`), more
    /// decimals only as needed for the first significant digit (`P = 0.003`,
    /// `P = 0.0004`), and `P < 0.00001` below that.
    RevMan,
}

/// A P value in the given style.
///
/// ```
/// use grove_core::format::{p_value_in, PStyle};
/// assert_eq!(p_value_in(PStyle::RevMan, 0.0432), "P = 0.04");
/// assert_eq!(p_value_in(PStyle::RevMan, 0.00312), "P = 0.003");
/// assert_eq!(p_value_in(PStyle::RevMan, 0.000004), "P < 0.00001");
/// assert_eq!(p_value_in(PStyle::Significant, 0.0432), "P = 0.043");
/// ```
pub fn p_value_in(style: PStyle, p: f64) -> String {
    match style {
        PStyle::Significant => p_value(p),
        PStyle::RevMan => {
            if !p.is_finite() {
                return "P not available".to_owned();
            }
            if p < 0.00001 {
                return "P < 0.00001".to_owned();
            }
            let decimals = if p >= 0.01 {
                2
            } else if p >= 0.001 {
                3
            } else if p >= 0.0001 {
                4
            } else {
                5
            };
            format!("P = {p:.decimals$}")
        }
    }
}

/// A percentage with one decimal (`12.3%`), as for study weights; never `-0.0%`.
pub fn percent(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    normalise_zero(format!("{x:.1}")) + "%"
}

/// I² as a whole percentage (`92%`), as RevMan prints it.
pub fn whole_percent(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    format!("{:.0}%", x)
}

/// A statistic with 2 decimals (Chi², Z, t); tau² with 2 significant decimals at least.
pub fn stat(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    normalise_zero(format!("{x:.2}"))
}

/// tau²: 2 decimals, or 2 significant figures below 0.01 (`0.0031`), `0` when zero.
pub fn tau2(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if x.abs() < 0.01 {
        significant(x, 2)
    } else {
        format!("{x:.2}")
    }
}

/// A whole number with thousands separators: `357,347`. Takes any unsigned count up to
/// `u128`, the type of sums of counts (which can exceed `u64`).
///
/// ```
/// use grove_core::format::count;
/// assert_eq!(count(357_347_u64), "357,347");
/// assert_eq!(count(1_u128 << 64), "18,446,744,073,709,551,616");
/// ```
pub fn count(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `x` rounded to `digits` significant figures, without exponent for 1e-5 ≤ |x| < 1e6.
pub fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    normalise_zero(format!("{x:.decimals$}"))
}

fn normalise_zero(s: String) -> String {
    // "-0.00" reads as a sign error; print it as "0.00".
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_and_intervals() {
        assert_eq!(effect_with_ci(0.4896, 0.3399, 0.7033), "0.49 [0.34, 0.70]");
        assert_eq!(effect(12345.0), "12345.00");
        assert_eq!(effect(123456.0), "1.2e5");
        assert_eq!(effect(-0.0001), "-0.00010");
        assert_eq!(effect(0.0000071), "0.0000071");
        assert_eq!(effect(-0.001), "-0.001");
        assert_eq!(effect(-0.0), "0.00");
    }

    #[test]
    fn p_values_keep_two_significant_figures() {
        assert_eq!(p_value(0.00001), "P = 0.000010");
        assert_eq!(p_value(0.05), "P = 0.050");
        assert_eq!(p_value(1.0), "P = 1.0");
        assert_eq!(p_value(f64::NAN), "P not available");
    }

    #[test]
    fn revman_p_values_show_the_first_significant_digit() {
        let r = |p| p_value_in(PStyle::RevMan, p);
        assert_eq!(r(0.999), "P = 1.00");
        assert_eq!(r(0.13), "P = 0.13");
        assert_eq!(r(0.0099), "P = 0.010");
        assert_eq!(r(0.0010103), "P = 0.001");
        assert_eq!(r(0.00023), "P = 0.0002");
        assert_eq!(r(0.000012), "P = 0.00001");
        assert_eq!(r(f64::NAN), "P not available");
    }

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(357347_u64), "357,347");
        assert_eq!(count(999_u64), "999");
        assert_eq!(count(1000_u64), "1,000");
        assert_eq!(count(0_u64), "0");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(
            count(u128::MAX),
            "340,282,366,920,938,463,463,374,607,431,768,211,455"
        );
    }

    #[test]
    fn tau2_small_values_keep_precision() {
        assert_eq!(tau2(0.31324), "0.31");
        assert_eq!(tau2(0.0031), "0.0031");
        assert_eq!(tau2(0.0), "0");
    }
}
