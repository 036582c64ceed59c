//! Begg & Mazumdar's rank correlation test for funnel-plot asymmetry.
//!
//! Each effect is standardised against the common-effect estimate,
//!
//! ```text
//! wi = 1/vi     θ̂ = Σ wi·yi / Σ wi     vb = 1 / Σ wi
//! yi* = (yi − θ̂) / √(vi − vb)
//! ```
//!
//! and Kendall's rank correlation between `yi*` and `vi` is tested (Begg & Mazumdar
//! 1994). metafor `ranktest()` (R/ranktest.r) does exactly this and passes the pairs to
//! R's `cor.test(yi.star, vi, method="kendall", exact=TRUE)`, so the p-value is the
//! exact permutation p-value whenever the data have no ties, and otherwise the normal
//! approximation with the tie-corrected variance of Kendall's S (no continuity
//! correction). This module reproduces `cor.test`'s two branches:
//!
//! * **Exact** (no ties, `k ≤` [`KENDALL_EXACT_MAX_K`]): with `T` the number of
//!   concordant pairs, `T = round((τ + 1)·k(k − 1)/4)`, and `P(T ≤ q)` from the exact
//!   null distribution of `T` (R's `pkendall`, `ckendall` in
//!   `src/library/stats/src/kendall.c`, the Mahonian numbers: the number of permutations
//!   of `k` items with `q` inversions, divided by `k!`),
//!   `p = min(1, 2·P(T ≥ q))` if `q > k(k − 1)/4`, else `min(1, 2·P(T ≤ q))`.
//! * **Normal** (ties, or more studies than the exact limit): `z = S/√var(S)` with
//!   Kendall's `S = Σ_{i<j} sign(xi − xj)·sign(yi − yj)` and
//!
//!   ```text
//!   var(S) = [k(k−1)(2k+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18
//!          + Σt(t−1)·Σu(u−1) / (2k(k−1))
//!          + Σt(t−1)(t−2)·Σu(u−1)(u−2) / (9k(k−1)(k−2))
//!   ```
//!
//!   (`t`, `u` the sizes of tied groups in `yi*` and `vi`; Kendall 1970), `p = 2·Φ(−|z|)`.
//!
//! τ itself is Kendall's tau-b, `S / √((n0 − n1)(n0 − n2))`, `n0 = k(k−1)/2` and `n1`,
//! `n2` the numbers of tied pairs (R `cor(x, y, method="kendall")`).
//!
//! Reference: Begg CB, Mazumdar M (1994). Operating characteristics of a rank
//! correlation test for publication bias. Biometrics 50:1088–1101.

use serde::Serialize;

use super::BiasError;
use super::regression::check_effects;
use crate::dist;

/// Largest number of studies for which the exact p-value is computed (when there are no
/// ties). metafor's `ranktest()` asks `cor.test` for the exact p-value at any `k`; R
/// computes it as a sum of permutation counts divided by `gamma(k + 1)`, which is finite
/// up to `k = 170` (beyond, R's p-value is `NaN` and metafor falls back to the normal
/// approximation). The exact distribution here is accumulated as probabilities, which
/// would work further, but is capped at R's limit so both give the same branch.
pub const KENDALL_EXACT_MAX_K: usize = 170;

/// Result of Begg & Mazumdar's rank correlation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankTest {
    /// Number of studies.
    pub k: usize,
    /// Kendall's tau-b between the standardised effects `yi*` and the variances `vi`
    /// (metafor's `tau`).
    pub tau: f64,
    /// Kendall's score `S`: concordant minus discordant pairs.
    pub s: i64,
    /// The normal deviate `S/√var(S)` when the p-value is from the normal
    /// approximation; `None` when it is exact.
    pub z: Option<f64>,
    /// Two-sided p-value (metafor's `pval`).
    pub p: f64,
    /// Whether `p` is the exact permutation p-value.
    pub exact: bool,
}

/// Begg & Mazumdar's rank correlation test: Kendall's tau between the standardised
/// effects and their variances, with the exact two-sided p-value when there are no ties
/// (see the [module docs](self) for every formula).
///
/// Reference: Begg & Mazumdar (1994), Biometrics 50:1088–1101. metafor: `ranktest(x)`
/// (`tau`, `pval`), through R `cor.test(yi.star, vi, method="kendall", exact=TRUE)`.
///
/// # Errors
/// [`BiasError::LengthMismatch`] and [`BiasError::InvalidEffect`] for malformed input,
/// [`BiasError::TooFewStudies`] with fewer than 2 studies, and [`BiasError::NoVariation`]
/// when all standardised effects or all variances are equal (tau is 0/0; metafor
/// reports `NA`).
///
/// ```
/// use grove_core::bias::begg;
/// let yi = [-0.9, -1.6, -1.4, -1.5, -0.2, -0.8];
/// let vi = [0.35, 0.20, 0.42, 0.02, 0.05, 0.007];
/// let test = begg(&yi, &vi).unwrap();
/// assert!(test.exact);
/// assert!(test.tau >= -1.0 && test.tau <= 1.0 && test.p > 0.0 && test.p <= 1.0);
/// ```
pub fn begg(yi: &[f64], vi: &[f64]) -> Result<RankTest, BiasError> {
    check_effects(yi, vi)?;
    let k = yi.len();
    if k < 2 {
        return Err(BiasError::TooFewStudies {
            needed: 2,
            found: k,
        });
    }
    // Common-effect estimate and its variance (metafor: theta, vb).
    let sw: f64 = vi.iter().map(|v| 1.0 / v).sum();
    let theta = yi.iter().zip(vi).map(|(y, v)| y / v).sum::<f64>() / sw;
    let vb = 1.0 / sw;
    // yi.star = (yi - theta) / sqrt(vi - vb); vi > vb for k >= 2.
    let y_star: Vec<f64> = yi
        .iter()
        .zip(vi)
        .map(|(y, v)| (y - theta) / (v - vb).sqrt())
        .collect();
    if y_star.iter().any(|y| !y.is_finite()) {
        return Err(BiasError::NoVariation);
    }
    kendall_test(&y_star, vi)
}

/// Kendall's tau-b and its two-sided test exactly as R's `cor.test(x, y,
/// method="kendall", exact=TRUE)` (two-sided, no continuity correction).
fn kendall_test(x: &[f64], y: &[f64]) -> Result<RankTest, BiasError> {
    let k = x.len();
    let mut s: i64 = 0;
    let (mut x_tied_pairs, mut y_tied_pairs) = (0u64, 0u64);
    for i in 0..k {
        for j in 0..i {
            let sx = sign(x[i] - x[j]);
            let sy = sign(y[i] - y[j]);
            x_tied_pairs += u64::from(sx == 0);
            y_tied_pairs += u64::from(sy == 0);
            s += sx * sy;
        }
    }
    let n0 = (k * (k - 1) / 2) as u64;
    if x_tied_pairs == n0 || y_tied_pairs == n0 {
        return Err(BiasError::NoVariation);
    }
    let tau = s as f64 / (((n0 - x_tied_pairs) as f64) * ((n0 - y_tied_pairs) as f64)).sqrt();
    let ties = x_tied_pairs > 0 || y_tied_pairs > 0;
    if !ties && k <= KENDALL_EXACT_MAX_K {
        // T = number of concordant pairs = (n0 + S)/2, which R recovers from tau as
        // round((r + 1) k (k - 1) / 4).
        let q = (n0 as i64 + s) / 2;
        let dist = concordance_distribution(k);
        let half = n0 as f64 / 2.0;
        // P(T >= q) = P(T <= n0 - q) by symmetry; summed in the lower tail so that a
        // small p keeps its relative precision (R computes 1 - P(T <= q - 1)).
        let tail = if (q as f64) > half {
            lower_tail(&dist, n0 as i64 - q)
        } else {
            lower_tail(&dist, q)
        };
        return Ok(RankTest {
            k,
            tau,
            s,
            z: None,
            p: (2.0 * tail).min(1.0),
            exact: true,
        });
    }
    let z = s as f64 / variance_of_s(x, y).sqrt();
    Ok(RankTest {
        k,
        tau,
        s,
        z: Some(z),
        p: dist::normal_two_sided_p(z),
        exact: false,
    })
}

fn sign(d: f64) -> i64 {
    if d > 0.0 {
        1
    } else if d < 0.0 {
        -1
    } else {
        0
    }
}

/// Null distribution of the number of concordant pairs among `k` untied pairs:
/// `P(T = q)` for `q = 0 ..= k(k−1)/2`. Built by the recursion R's `ckendall` uses,
/// `c(q, n) = Σ_{i=0}^{n−1} c(q − i, n − 1)`, kept as probabilities (each step divided
/// by `n`) so nothing overflows, with running sums so each step is linear.
fn concordance_distribution(k: usize) -> Vec<f64> {
    let max = k * (k - 1) / 2;
    let mut p = vec![0.0; max + 1];
    p[0] = 1.0;
    let mut prefix = vec![0.0; max + 2];
    for n in 2..=k {
        let top = n * (n - 1) / 2;
        // prefix[j] = Σ_{i<j} p[i] over the previous distribution.
        prefix[0] = 0.0;
        for j in 0..=top {
            prefix[j + 1] = prefix[j] + p[j];
        }
        for (q, slot) in p.iter_mut().enumerate().take(top + 1) {
            let lo = q.saturating_sub(n - 1);
            *slot = (prefix[q + 1] - prefix[lo]) / n as f64;
        }
    }
    p
}

/// `P(T ≤ q)`, R's `pkendall(q, n)`.
fn lower_tail(dist: &[f64], q: i64) -> f64 {
    if q < 0 {
        return 0.0;
    }
    let last = (q as usize).min(dist.len() - 1);
    dist[..=last].iter().sum()
}

/// Variance of Kendall's S under independence with the tie corrections R's `cor.test`
/// uses (Kendall 1970, eq. 4.3).
fn variance_of_s(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (tx, ty) = (tie_sizes(x), tie_sizes(y));
    let sum = |t: &[f64], f: &dyn Fn(f64) -> f64| t.iter().map(|&t| f(t)).sum::<f64>();
    let v0 = n * (n - 1.0) * (2.0 * n + 5.0);
    let vt = sum(&tx, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
    let vu = sum(&ty, &|t| t * (t - 1.0) * (2.0 * t + 5.0));
    let v1 = sum(&tx, &|t| t * (t - 1.0)) * sum(&ty, &|t| t * (t - 1.0));
    let v2 = sum(&tx, &|t| t * (t - 1.0) * (t - 2.0)) * sum(&ty, &|t| t * (t - 1.0) * (t - 2.0));
    (v0 - vt - vu) / 18.0 + v1 / (2.0 * n * (n - 1.0)) + v2 / (9.0 * n * (n - 1.0) * (n - 2.0))
}

/// Sizes of the groups of equal values (groups of one included; they add nothing).
fn tie_sizes(x: &[f64]) -> Vec<f64> {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut sizes = Vec::new();
    let mut run = 1.0;
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            run += 1.0;
        } else {
            sizes.push(run);
            run = 1.0;
        }
    }
    sizes.push(run);
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mahonian numbers for n = 4 (OEIS A008302): 1 3 5 6 5 3 1, over 4! = 24.
    #[test]
    fn exact_distribution_is_mahonian() {
        let d = concordance_distribution(4);
        let counts: Vec<f64> = d.iter().map(|p| (p * 24.0).round()).collect();
        assert_eq!(counts, vec![1.0, 3.0, 5.0, 6.0, 5.0, 3.0, 1.0]);
        assert!((d.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    /// Perfect agreement of 5 untied pairs: tau = 1, S = 10, q = 10, p = 2/5! = 1/60
    /// (R: cor.test(1:5, 1:5, method="kendall")$p.value = 0.01666667).
    #[test]
    fn perfect_concordance_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let r = kendall_test(&x, &x).unwrap();
        assert_eq!((r.s, r.exact), (10, true));
        assert!((r.tau - 1.0).abs() < 1e-15);
        assert!((r.p - 2.0 / 120.0).abs() < 1e-15);
        let rev = [5.0, 4.0, 3.0, 2.0, 1.0];
        let r = kendall_test(&x, &rev).unwrap();
        assert!((r.tau + 1.0).abs() < 1e-15 && (r.p - 2.0 / 120.0).abs() < 1e-15);
    }

    /// With one tie the normal approximation is used: x = 1 2 3 4, y = 1 1 2 3 gives
    /// S = 5, n1 = 0, n2 = 1, tau-b = 5/√(6·5), var(S) = (4·3·13 − 2·1·9)/18 = 7.666…,
    /// z = 5/√7.666… (R: cor.test(1:4, c(1,1,2,3), method="kendall") gives
    /// z = 1.8058, p = 0.07095).
    #[test]
    fn ties_use_the_normal_approximation() {
        let r = kendall_test(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 2.0, 3.0]).unwrap();
        assert!(!r.exact);
        assert!((r.tau - 5.0 / 30f64.sqrt()).abs() < 1e-15);
        let z = 5.0 / (138.0f64 / 18.0).sqrt();
        assert!((r.z.unwrap() - z).abs() < 1e-12);
        assert!((r.p - dist::normal_two_sided_p(z)).abs() < 1e-15);
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert_eq!(
            begg(&[0.1], &[0.1]),
            Err(BiasError::TooFewStudies {
                needed: 2,
                found: 1
            })
        );
        assert_eq!(
            begg(&[0.3, 0.3, 0.3], &[0.1, 0.1, 0.1]),
            Err(BiasError::NoVariation)
        );
        assert_eq!(
            begg(&[0.1, 0.2, 0.4], &[0.1, 0.1, 0.1]),
            Err(BiasError::NoVariation)
        );
        assert_eq!(
            begg(&[0.1, f64::NAN], &[0.1, 0.1]),
            Err(BiasError::InvalidEffect { index: 1 })
        );
    }

    /// The exact p-value agrees with the normal approximation for large k
    /// (k = 40, a mild positive association), and is symmetric in the sign of S.
    #[test]
    fn exact_and_normal_agree_for_many_studies() {
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let y: Vec<f64> = (0..40)
            .map(|i| f64::from((i * 7) % 40) + 0.01 * f64::from(i))
            .collect();
        let exact = kendall_test(&x, &y).unwrap();
        let z = exact.s as f64 / variance_of_s(&x, &y).sqrt();
        assert!(
            (exact.p - dist::normal_two_sided_p(z)).abs() < 0.01,
            "{} vs z {z}",
            exact.p
        );
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        let mirrored = kendall_test(&x, &neg).unwrap();
        assert_eq!(mirrored.s, -exact.s);
        assert!((mirrored.p - exact.p).abs() < 1e-14);
    }
}
