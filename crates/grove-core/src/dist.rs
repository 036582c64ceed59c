//! Probability distributions used for tests and intervals: standard normal, Student's t
//! and chi-squared, as thin wrappers over `statrs` that never panic.
//!
//! Each function returns NaN only when its argument is NaN or a degrees-of-freedom
//! value is not positive; callers turn such cases into explicit undefined results.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Standard normal distribution function Φ(x) (R `pnorm`).
pub fn normal_cdf(x: f64) -> f64 {
    standard_normal().cdf(x)
}

/// Standard normal quantile Φ⁻¹(p) (R `qnorm`).
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    standard_normal().inverse_cdf(p)
}

/// Two-sided p-value of a z statistic, `2 (1 - Φ(|z|))`, computed in the tail so it
/// keeps its precision far from 0 (R `2*pnorm(abs(z), lower.tail=FALSE)`).
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    2.0 * standard_normal().sf(z.abs())
}

/// Student's t distribution function with `df` degrees of freedom (R `pt`).
pub fn t_cdf(x: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.cdf(x),
        Err(_) => f64::NAN,
    }
}

/// Student's t quantile with `df` degrees of freedom (R `qt`).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) if !t.is_nan() => 2.0 * d.sf(t.abs()),
        _ => f64::NAN,
    }
}

/// Upper tail of the chi-squared distribution, `P(X > x)` (R `pchisq(x, df,
/// lower.tail=FALSE)`).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(c) if !x.is_nan() => {
            if x <= 0.0 {
                1.0
            } else {
                c.sf(x)
            }
        }
        _ => f64::NAN,
    }
}

/// Quantile of the chi-squared distribution (R `qchisq`).
pub fn chi2_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    match ChiSquared::new(df) {
        Ok(c) => c.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

fn standard_normal() -> Normal {
    Normal::standard()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from R 4.2: qnorm(.975), qt(.975, 12), pchisq(152.233008082373, 12, lower=F).
    #[test]
    fn agrees_with_r() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((t_quantile(0.975, 12.0) - 2.178812829667228).abs() < 1e-10);
        let p = chi2_sf(152.233008082373, 12.0);
        assert!(
            ((p - 1.99676459084597e-26) / 1.99676459084597e-26).abs() < 1e-6,
            "{p}"
        );
        assert!((normal_two_sided_p(-10.6246525010465) / 2.28862930697324e-26 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn bad_arguments_give_nan_not_panic() {
        assert!(t_quantile(0.5, 0.0).is_nan());
        assert!(chi2_sf(1.0, -1.0).is_nan());
        assert!(normal_quantile(2.0).is_nan());
    }
}
