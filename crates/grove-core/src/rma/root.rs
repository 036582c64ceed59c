//! Root finding exactly as R's `uniroot()` does it, so that iterative results that stop
//! at a loose tolerance land on the same value as metafor's.
//!
//! metafor finds the Paule-Mandel estimate (`rma.uni`, `method="PM"`) and the Q-profile
//! bounds of tau² (`confint.rma.uni`, `type="QP"`) with `uniroot(tol =
//! .Machine$double.eps^0.25)`, a tolerance of about 1.2e-4 on tau². Any other
//! root finder would stop elsewhere inside that tolerance, so this is a line-by-line
//! port of R's `R_zeroin2` (`src/library/stats/src/zeroin.c`: Brent's method as given
//! by Forsythe, Malcolm & Moler, 1977) and of the checks `uniroot()` makes before
//! calling it.

/// R's default `uniroot()` tolerance, `.Machine$double.eps^0.25`.
pub(crate) const R_UNIROOT_TOL: f64 = 0.0001220703125;

/// Why no root was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootError {
    /// The function is NaN at an end of the interval (`f.lower = f(lower) is NA`).
    NotANumber,
    /// The function has the same sign at both ends (`f() values at end points not of
    /// opposite sign`).
    SameSign,
}

/// The root R's `uniroot(f, c(lower, upper), tol = tol, maxiter = maxiter)$root`
/// returns.
///
/// When the iteration limit is reached R only warns and still returns the last
/// approximation; so does this function (metafor accepts that value too).
pub(crate) fn uniroot<F: FnMut(f64) -> f64>(
    mut f: F,
    lower: f64,
    upper: f64,
    tol: f64,
    maxiter: u32,
) -> Result<f64, RootError> {
    let f_lower = f(lower);
    let f_upper = f(upper);
    if f_lower.is_nan() || f_upper.is_nan() {
        return Err(RootError::NotANumber);
    }
    // uniroot() truncates infinite values to +-DBL_MAX before the sign check.
    let trunc = |x: f64| x.clamp(-f64::MAX, f64::MAX);
    if trunc(f_lower) * trunc(f_upper) > 0.0 {
        return Err(RootError::SameSign);
    }
    Ok(zeroin2(f, lower, upper, f_lower, f_upper, tol, maxiter))
}

/// R's `R_zeroin2`: Brent's root finder on `[ax, bx]` given `f(ax)` and `f(bx)`.
fn zeroin2<F: FnMut(f64) -> f64>(
    mut f: F,
    ax: f64,
    bx: f64,
    fa: f64,
    fb: f64,
    tol: f64,
    maxiter: u32,
) -> f64 {
    let (mut a, mut b) = (ax, bx);
    let (mut fa, mut fb) = (fa, fb);
    let mut c = a;
    let mut fc = fa;
    // First test if we have found a root at an endpoint.
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let mut maxit = maxiter + 1;
    while maxit > 0 {
        maxit -= 1;
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            // Swap data for b to be the best approximation.
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * f64::EPSILON * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return b; // acceptable approximation found
        }
        // Decide if the interpolation can be tried.
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                // Only two distinct points: linear interpolation.
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                // Inverse quadratic interpolation.
                let qq = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0));
                q = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < (0.75 * cb * q - (tol_act * q).abs() / 2.0) && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            // Adjust the step to be not less than the tolerance.
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            // Adjust c for it to have a sign opposite to that of b.
            c = a;
            fc = fa;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R 4.2: `uniroot(function(x) x^2 - 2, c(0, 2))$root` = 1.414214 (to its tolerance),
    /// and with `tol = 1e-12` the root agrees with sqrt(2) to 1e-12.
    #[test]
    fn finds_square_root_of_two() {
        let r = uniroot(|x| x * x - 2.0, 0.0, 2.0, 1e-12, 1000).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-12);
        let loose = uniroot(|x| x * x - 2.0, 0.0, 2.0, R_UNIROOT_TOL, 1000).unwrap();
        assert!((loose - 2f64.sqrt()).abs() < R_UNIROOT_TOL);
    }

    #[test]
    fn refuses_intervals_without_a_sign_change() {
        assert_eq!(
            uniroot(|x| x * x + 1.0, -1.0, 1.0, 1e-8, 100),
            Err(RootError::SameSign)
        );
        assert_eq!(
            uniroot(|_| f64::NAN, -1.0, 1.0, 1e-8, 100),
            Err(RootError::NotANumber)
        );
    }
}
