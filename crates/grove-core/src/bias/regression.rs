//! Regression tests for funnel-plot asymmetry: Egger's, Peters' and Harbord's.
//!
//! All three are a weighted least-squares line `y = b0 + b1·x` with weights `w`, whose
//! slope `b1` is tested with a t statistic on `k − 2` degrees of freedom, the residual
//! variance being estimated from the data (R's `lm(y ~ x, weights = w)`):
//!
//! ```text
//! x̄ = Σwx / Σw          ȳ = Σwy / Σw
//! Sxx = Σw(x − x̄)²      Sxy = Σw(x − x̄)(y − ȳ)
//! b1 = Sxy / Sxx        b0 = ȳ − b1·x̄
//! MSE = Σw(y − b0 − b1·x)² / (k − 2)
//! SE(b1) = √(MSE / Sxx)  SE(b0) = √(MSE · (1/Σw + x̄²/Sxx))
//! t = b1 / SE(b1),  p = 2·P(T_{k−2} > |t|)
//! ```
//!
//! | test    | x                     | y        | w                               |
//! |---------|-----------------------|----------|---------------------------------|
//! | Egger   | `sei = √vi`           | `yi`     | `1/vi`                          |
//! | Peters  | `1/(n1i + n2i)`       | `yi`     | `1/(1/(ai+ci) + 1/(bi+di))`     |
//! | Harbord | `1/√V`                | `Z/V`    | `V`                             |
//!
//! Weighting `yi` by `1/vi` and regressing on `sei` is algebraically the same as Egger's
//! original regression of the standard normal deviate `yi/sei` on the precision
//! `1/sei`, whose *intercept* is the slope `b1` here (Egger et al. 1997). Likewise
//! Harbord's regression of `Z/√V` on `√V` has as intercept the slope of `Z/V` on `1/√V`
//! weighted by `V` (Harbord, Egger & Sterne 2006). So each test reports the tested
//! coefficient as [`RegressionTest::bias`] and the other coefficient (the effect "as
//! precision tends to infinity", metafor's limit estimate) as
//! [`RegressionTest::limit`].

use std::fmt;

use serde::Serialize;

use super::BiasError;
use crate::dist;
use crate::table::Table;

/// Smallest relative spread of the predictor, `Sxx / Σwx²`, for which the line is
/// identifiable. Below it the design matrix is treated as rank deficient, as R's `lm`
/// does (QR tolerance 1e-7 on column norms, i.e. 1e-14 on squared norms).
pub const RANK_TOLERANCE: f64 = 1e-14;

/// Which regression test for small-study effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RegressionTestKind {
    /// Egger, Davey Smith, Schneider & Minder (1997), BMJ 315:629–634; metafor
    /// `regtest(model="lm", predictor="sei")`.
    Egger,
    /// Peters, Sutton, Jones, Abrams & Rushton (2006), JAMA 295:676–680; R meta
    /// `metabias(method.bias="Peters")`.
    Peters,
    /// Harbord, Egger & Sterne (2006), Stat Med 25:3443–3457; R meta
    /// `metabias(method.bias="Harbord")` ("score").
    Harbord,
}

impl fmt::Display for RegressionTestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegressionTestKind::Egger => "Egger's regression test",
            RegressionTestKind::Peters => "Peters' regression test",
            RegressionTestKind::Harbord => "Harbord's score test",
        })
    }
}

/// A weighted least-squares line `y = limit + bias·x` and the t test of `bias = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegressionTest {
    /// Which test this is.
    pub kind: RegressionTestKind,
    /// Number of studies in the regression.
    pub k: usize,
    /// The tested coefficient: the slope `b1` on the predictor `x` (for Egger, the
    /// coefficient of `sei`, equal to the intercept of Egger's original regression).
    pub bias: f64,
    /// Standard error of [`bias`](Self::bias).
    pub bias_se: f64,
    /// The other coefficient, `b0`: the effect as the predictor tends to 0 (metafor's
    /// "limit estimate" for Egger; for Harbord the slope of `Z/√V` on `√V`).
    pub limit: f64,
    /// Standard error of [`limit`](Self::limit).
    pub limit_se: f64,
    /// `t = bias / bias_se`.
    pub t: f64,
    /// Degrees of freedom, `k − 2`.
    pub df: usize,
    /// Two-sided p-value of `t` on `df` degrees of freedom.
    pub p: f64,
}

/// Egger's regression test: weighted regression of `yi` on `sei = √vi` with weights
/// `1/vi`; the slope (equivalently the intercept of the standard normal deviate
/// `yi/sei` on precision `1/sei`) is tested with t on `k − 2` df.
///
/// Reference: Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
/// detected by a simple, graphical test. BMJ 315:629–634. metafor:
/// `regtest(x, model="lm", predictor="sei")` (R/regtest.rma.r, `lm(yi ~ X - 1,
/// weights=1/vi)`), whose `zval`, `dfs`, `pval` are [`RegressionTest::t`], `df`, `p`.
///
/// # Errors
/// [`BiasError::LengthMismatch`] when `yi` and `vi` differ in length,
/// [`BiasError::InvalidEffect`] for a non-finite `yi` or a `vi` that is not positive and
/// finite, [`BiasError::TooFewStudies`] with fewer than 3 studies, and
/// [`BiasError::NoSpreadInPredictor`] / [`BiasError::PerfectFit`] when the line or its
/// standard errors are undefined.
///
/// ```
/// use grove_core::bias::egger;
/// let yi = [-0.9, -1.6, -1.4, -1.5, -0.2, -0.8];
/// let vi = [0.35, 0.20, 0.42, 0.02, 0.05, 0.007];
/// let test = egger(&yi, &vi).unwrap();
/// assert_eq!(test.df, 4);
/// assert!(test.p > 0.0 && test.p < 1.0);
/// ```
pub fn egger(yi: &[f64], vi: &[f64]) -> Result<RegressionTest, BiasError> {
    check_effects(yi, vi)?;
    let points = yi.iter().zip(vi).map(|(&y, &v)| Point {
        x: v.sqrt(),
        y,
        w: 1.0 / v,
    });
    fit(RegressionTestKind::Egger, points)
}

/// Peters' regression test: weighted regression of `yi` on `1/n` (total sample size
/// `n = n1i + n2i`) with weights `1/(1/(ai+ci) + 1/(bi+di))` — the inverse of the
/// variance of the log odds ratio under no effect, from the raw counts (Peters et al.
/// 2006 write the weight as `d·h/n`, `d` and `h` the events and non-events); the slope on
/// `1/n` is tested with t on `k − 2` df.
///
/// `yi` is each study's effect (log odds ratio or log risk ratio, after the zero-cell
/// correction) as computed for the analysis. Studies with no events or no non-events in
/// both arms together have weight 0 and are left out (they are double-zero studies,
/// already excluded for ratio measures).
///
/// Reference: Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006). Comparison of
/// two methods to detect publication bias in meta-analysis. JAMA 295:676–680. Same
/// computation as R meta `metabias(method.bias="Peters")` (`linregcore(1/(n.e+n.c), TE,
/// 1/seTE.peters^2)`) and Stata `metabias, peters` (Harbord, Harris & Sterne 2009).
/// metafor has no Peters weights; the tests here reproduce it with
/// `regtest(rma(yi, 1/(ai+ci) + 1/(bi+di)), model="lm", predictor="ninv")`.
///
/// # Errors
/// As [`egger`]; also [`BiasError::LengthMismatch`] when `tables` and `yi` differ in
/// length.
pub fn peters(tables: &[Table], yi: &[f64]) -> Result<RegressionTest, BiasError> {
    if tables.len() != yi.len() {
        return Err(BiasError::LengthMismatch {
            effects: yi.len(),
            variances: tables.len(),
        });
    }
    if let Some(index) = yi.iter().position(|y| !y.is_finite()) {
        return Err(BiasError::InvalidEffect { index });
    }
    let points = tables.iter().zip(yi).filter_map(|(t, &y)| {
        let events = (t.ai() + t.ci()) as f64;
        let non_events = (t.bi() + t.di()) as f64;
        if events == 0.0 || non_events == 0.0 {
            return None;
        }
        let n = t.total() as f64;
        Some(Point {
            x: 1.0 / n,
            y,
            w: 1.0 / (1.0 / events + 1.0 / non_events),
        })
    });
    fit(RegressionTestKind::Peters, points)
}

/// Harbord's modified test for the odds ratio: with the efficient score and Fisher's
/// information of the log odds ratio under no effect (from the raw counts)
///
/// ```text
/// Z = ai − (ai + ci)·n1i / N
/// V = n1i·n2i·(ai + ci)·(bi + di) / (N²·(N − 1)),   N = n1i + n2i
/// ```
///
/// regress `Z/√V` on `√V` (ordinary least squares) and test the intercept with t on
/// `k − 2` df. Computed, identically, as the slope of `Z/V` on `1/√V` weighted by `V`.
/// `Z/V` and `1/V` are Peto's log odds ratio and its variance, so this is Egger's test
/// applied to Peto's odds ratios. Studies with `V = 0` (no events or no non-events) are
/// left out.
///
/// Reference: Harbord RM, Egger M, Sterne JAC (2006). A modified test for small-study
/// effects in meta-analyses of controlled trials with binary endpoints. Stat Med
/// 25:3443–3457. R meta `metabias(method.bias="Harbord")`; in metafor,
/// `regtest(rma(measure="PETO", add=0, ...), model="lm")`.
///
/// # Errors
/// [`BiasError::TooFewStudies`], [`BiasError::NoSpreadInPredictor`] and
/// [`BiasError::PerfectFit`] as for [`egger`].
pub fn harbord(tables: &[Table]) -> Result<RegressionTest, BiasError> {
    let points = tables.iter().filter_map(|t| {
        let (z, v) = score_and_information(t);
        (v > 0.0).then(|| Point {
            x: 1.0 / v.sqrt(),
            y: z / v,
            w: v,
        })
    });
    fit(RegressionTestKind::Harbord, points)
}

/// Efficient score `Z` and Fisher's information `V` of the log odds ratio at no effect
/// (Harbord et al. 2006, eq. 2), from a 2×2 table's raw counts.
pub fn score_and_information(t: &Table) -> (f64, f64) {
    let (a, c) = (t.ai() as f64, t.ci() as f64);
    let (b, d) = (t.bi() as f64, t.di() as f64);
    let (n1, n2) = (t.n1() as f64, t.n2() as f64);
    let n = n1 + n2;
    let z = a - (a + c) * n1 / n;
    let v = if n > 1.0 {
        n1 * n2 * (a + c) * (b + d) / (n * n * (n - 1.0))
    } else {
        0.0
    };
    (z, v)
}

/// One observation of a weighted regression.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub x: f64,
    pub y: f64,
    pub w: f64,
}

/// A weighted least-squares line `y = intercept + slope·x` with the centred sums it
/// came from (see the module docs for the formulas).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    /// `Σw`.
    pub sw: f64,
    /// `x̄ = Σwx / Σw`.
    pub xbar: f64,
    /// `Sxx = Σw(x − x̄)²`.
    pub sxx: f64,
    /// `b1 = Sxy / Sxx`.
    pub slope: f64,
    /// `b0 = ȳ − b1·x̄`.
    pub intercept: f64,
    /// `Σw(y − b0 − b1·x)²` (metafor's `QE` of the meta-regression).
    pub rss: f64,
}

impl Line {
    /// `(X'WX)⁻¹` of the design `[1, x]`: variances of `b0` and `b1` when the weights are
    /// inverse variances (`1/Σw + x̄²/Sxx` and `1/Sxx`).
    pub fn unscaled_variances(&self) -> (f64, f64) {
        (
            1.0 / self.sw + self.xbar * self.xbar / self.sxx,
            1.0 / self.sxx,
        )
    }
}

/// The weighted least-squares line through at least two points (two passes over centred
/// sums, numerically stable).
///
/// # Errors
/// [`BiasError::TooFewStudies`] with fewer than 2 points, [`BiasError::NoSpreadInPredictor`]
/// when `Sxx ≤ RANK_TOLERANCE · Σwx²` (R's `lm` QR tolerance on the weighted design).
pub(crate) fn line(points: impl Iterator<Item = Point> + Clone) -> Result<Line, BiasError> {
    let (mut k, mut sw, mut swx, mut swy) = (0usize, 0.0, 0.0, 0.0);
    for p in points.clone() {
        k += 1;
        sw += p.w;
        swx += p.w * p.x;
        swy += p.w * p.y;
    }
    if k < 2 {
        return Err(BiasError::TooFewStudies {
            needed: 2,
            found: k,
        });
    }
    let (xbar, ybar) = (swx / sw, swy / sw);
    let (mut sxx, mut sxy, mut swxx) = (0.0, 0.0, 0.0);
    for p in points.clone() {
        sxx += p.w * (p.x - xbar) * (p.x - xbar);
        sxy += p.w * (p.x - xbar) * (p.y - ybar);
        swxx += p.w * p.x * p.x;
    }
    // NaN sums (overflowing weights) count as no spread.
    if sxx.is_nan() || sxx <= RANK_TOLERANCE * swxx {
        return Err(BiasError::NoSpreadInPredictor);
    }
    let slope = sxy / sxx;
    let intercept = ybar - slope * xbar;
    let rss: f64 = points
        .map(|p| {
            let r = p.y - intercept - slope * p.x;
            p.w * r * r
        })
        .sum();
    Ok(Line {
        sw,
        xbar,
        sxx,
        slope,
        intercept,
        rss,
    })
}

/// Validates paired effects and variances: same length, finite `yi`, positive finite
/// `vi`.
pub(crate) fn check_effects(yi: &[f64], vi: &[f64]) -> Result<(), BiasError> {
    if yi.len() != vi.len() {
        return Err(BiasError::LengthMismatch {
            effects: yi.len(),
            variances: vi.len(),
        });
    }
    match yi
        .iter()
        .zip(vi)
        .position(|(y, v)| !y.is_finite() || !v.is_finite() || *v <= 0.0)
    {
        Some(index) => Err(BiasError::InvalidEffect { index }),
        None => Ok(()),
    }
}

/// The t test of a weighted least-squares line's slope (R's `lm`), at least 3 points.
fn fit(
    kind: RegressionTestKind,
    points: impl Iterator<Item = Point> + Clone,
) -> Result<RegressionTest, BiasError> {
    let k = points.clone().count();
    if k < 3 {
        return Err(BiasError::TooFewStudies {
            needed: 3,
            found: k,
        });
    }
    let l = line(points)?;
    let df = k - 2;
    let mse = l.rss / df as f64;
    if mse.is_nan() || mse <= 0.0 || mse.is_infinite() {
        return Err(BiasError::PerfectFit);
    }
    let (v0, v1) = l.unscaled_variances();
    let bias_se = (mse * v1).sqrt();
    let limit_se = (mse * v0).sqrt();
    let t = l.slope / bias_se;
    Ok(RegressionTest {
        kind,
        k,
        bias: l.slope,
        bias_se,
        limit: l.intercept,
        limit_se,
        t,
        df,
        p: dist::t_two_sided_p(t, df as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(e1: u64, n1: u64, e2: u64, n2: u64) -> Table {
        Table::new(e1, n1, e2, n2).expect("valid table")
    }

    /// A line through three points fitted by hand: x = 0, 1, 2; y = 0, 1, 3; w = 1.
    /// b1 = 1.5, b0 = −1/6, RSS = 1/6, MSE = 1/6, Sxx = 2, SE(b1) = √(1/12).
    #[test]
    fn unweighted_line_by_hand() {
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 3.0)].map(|(x, y)| Point { x, y, w: 1.0 });
        let r = fit(RegressionTestKind::Egger, pts.into_iter()).unwrap();
        assert!((r.bias - 1.5).abs() < 1e-12);
        assert!((r.limit + 1.0 / 6.0).abs() < 1e-12);
        assert!((r.bias_se - (1.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert_eq!(r.df, 1);
    }

    #[test]
    fn undefined_cases_are_errors() {
        assert_eq!(
            egger(&[0.1, 0.2], &[0.1, 0.2]),
            Err(BiasError::TooFewStudies {
                needed: 3,
                found: 2
            })
        );
        assert_eq!(
            egger(&[0.1, 0.2, 0.3], &[0.1, 0.1, 0.1]),
            Err(BiasError::NoSpreadInPredictor)
        );
        assert_eq!(
            egger(&[0.1], &[0.1, 0.2]),
            Err(BiasError::LengthMismatch {
                effects: 1,
                variances: 2
            })
        );
        assert_eq!(
            egger(&[0.1, 0.2, 0.3], &[0.1, 0.0, 0.2]),
            Err(BiasError::InvalidEffect { index: 1 })
        );
        // y exactly linear in x: no residual variance.
        let vi = [0.01, 0.04, 0.09];
        let yi = vi.map(|v: f64| 2.0 * v.sqrt());
        assert_eq!(egger(&yi, &vi), Err(BiasError::PerfectFit));
    }

    #[test]
    fn harbord_score_matches_peto() {
        // Z/V is Peto's log odds ratio: (O − E)/V.
        let t = table(4, 123, 11, 139);
        let (z, v) = score_and_information(&t);
        let n = 262.0;
        let e = 15.0 * 123.0 / n;
        assert!((z - (4.0 - e)).abs() < 1e-12);
        let v_peto = 15.0 * 247.0 * 123.0 * 139.0 / (n * n * (n - 1.0));
        assert!((v - v_peto).abs() < 1e-12);
    }

    #[test]
    fn harbord_and_peters_skip_uninformative_tables() {
        let tables = [
            table(0, 10, 0, 10),
            table(2, 20, 5, 20),
            table(3, 30, 9, 31),
            table(1, 15, 4, 14),
        ];
        assert_eq!(
            harbord(&tables[..3]),
            Err(BiasError::TooFewStudies {
                needed: 3,
                found: 2
            })
        );
        assert_eq!(harbord(&tables).map(|r| r.k), Ok(3));
        let yi = [0.0, -0.9, -1.1, -1.3];
        assert_eq!(peters(&tables, &yi).map(|r| r.k), Ok(3));
    }

    /// A small set of trials (the first six BCG trials, Colditz et al. 1994) used by
    /// the independent checks below.
    fn trials() -> Vec<Table> {
        vec![
            table(4, 123, 11, 139),
            table(6, 306, 29, 303),
            table(3, 231, 11, 220),
            table(62, 13598, 248, 12867),
            table(33, 5069, 47, 5808),
            table(180, 1541, 372, 1451),
        ]
    }

    /// Weighted least squares by the uncentred normal equations `X'WX β = X'Wy`, solved
    /// by Cramer's rule, with `Var(β) = σ̂² (X'WX)⁻¹`: an implementation independent of
    /// [`fit`]'s centred sums. Returns (intercept, slope, se(intercept), se(slope)).
    fn normal_equations(x: &[f64], y: &[f64], w: &[f64]) -> (f64, f64, f64, f64) {
        let s = |f: &dyn Fn(usize) -> f64| (0..x.len()).map(f).sum::<f64>();
        let (a, b, d) = (
            s(&|i| w[i]),
            s(&|i| w[i] * x[i]),
            s(&|i| w[i] * x[i] * x[i]),
        );
        let (e, f) = (s(&|i| w[i] * y[i]), s(&|i| w[i] * x[i] * y[i]));
        let det = a * d - b * b;
        let b0 = (e * d - b * f) / det;
        let b1 = (a * f - b * e) / det;
        let rss = s(&|i| w[i] * (y[i] - b0 - b1 * x[i]).powi(2));
        let sigma2 = rss / (x.len() - 2) as f64;
        (b0, b1, (sigma2 * d / det).sqrt(), (sigma2 * a / det).sqrt())
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// Harbord's Z and V are the mean deviation and variance of `ai` under the
    /// hypergeometric distribution given the margins (Harbord et al. 2006, eq. 2);
    /// computed here by summing over the distribution's support.
    #[test]
    fn harbord_score_is_the_hypergeometric_deviation_and_variance() {
        use statrs::function::factorial::ln_binomial;
        for t in [
            table(4, 12, 11, 19),
            table(0, 8, 5, 9),
            table(7, 7, 3, 10),
            table(2, 30, 2, 31),
        ] {
            let (n1, n2, m) = (t.n1(), t.n2(), t.ai() + t.ci());
            let total = ln_binomial(n1 + n2, m);
            let support = m.saturating_sub(n2)..=m.min(n1);
            let pmf = |a: u64| (ln_binomial(n1, a) + ln_binomial(n2, m - a) - total).exp();
            let mean: f64 = support.clone().map(|a| a as f64 * pmf(a)).sum();
            let var: f64 = support.map(|a| (a as f64 - mean).powi(2) * pmf(a)).sum();
            let (z, v) = score_and_information(&t);
            assert!(
                near(z, t.ai() as f64 - mean),
                "{t:?}: Z {z} vs {}",
                t.ai() as f64 - mean
            );
            assert!(near(v, var), "{t:?}: V {v} vs {var}");
        }
    }

    /// Harbord's test as the paper writes it: ordinary least squares of `Z/√V` on `√V`,
    /// the intercept tested. It equals the slope of `Z/V` on `1/√V` weighted by `V`.
    #[test]
    fn harbord_equals_the_unweighted_regression_of_the_paper() {
        let tables = trials();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for t in &tables {
            let (z, v) = score_and_information(t);
            x.push(v.sqrt());
            y.push(z / v.sqrt());
        }
        let ones = vec![1.0; x.len()];
        let (b0, b1, se0, se1) = normal_equations(&x, &y, &ones);
        let r = harbord(&tables).unwrap();
        assert_eq!((r.k, r.df), (6, 4));
        assert!(
            near(r.bias, b0) && near(r.bias_se, se0),
            "{r:?} vs {b0} ± {se0}"
        );
        assert!(
            near(r.limit, b1) && near(r.limit_se, se1),
            "{r:?} vs {b1} ± {se1}"
        );
        assert!(near(r.p, dist::t_two_sided_p(b0 / se0, 4.0)));
    }

    /// Peters' test from its definition (Peters et al. 2006): weighted regression of
    /// the log odds ratio on 1/N with weights `1/(1/(ai+ci) + 1/(bi+di))`, the slope
    /// tested, solved by the normal equations. The weight of the first trial is checked
    /// by hand: 15 events and 247 non-events give `1/(1/15 + 1/247) = 3705/262`.
    #[test]
    fn peters_matches_its_definition() {
        let tables = trials();
        let yi: Vec<f64> = tables
            .iter()
            .map(|t| {
                let (a, b, c, d) = (t.ai() as f64, t.bi() as f64, t.ci() as f64, t.di() as f64);
                (a * d / (b * c)).ln()
            })
            .collect();
        let weight = |t: &Table| {
            let (events, non) = ((t.ai() + t.ci()) as f64, (t.bi() + t.di()) as f64);
            events * non / (events + non)
        };
        assert!(near(weight(&tables[0]), 3705.0 / 262.0));
        let x: Vec<f64> = tables.iter().map(|t| 1.0 / t.total() as f64).collect();
        let w: Vec<f64> = tables.iter().map(weight).collect();
        let (b0, b1, se0, se1) = normal_equations(&x, &yi, &w);
        let r = peters(&tables, &yi).unwrap();
        assert_eq!(r.kind, RegressionTestKind::Peters);
        assert!(
            near(r.bias, b1) && near(r.bias_se, se1),
            "{r:?} vs {b1} ± {se1}"
        );
        assert!(
            near(r.limit, b0) && near(r.limit_se, se0),
            "{r:?} vs {b0} ± {se0}"
        );
        assert!(near(r.t, b1 / se1) && near(r.p, dist::t_two_sided_p(b1 / se1, 4.0)));
    }

    /// Egger's test as first published: ordinary least squares of the standard normal
    /// deviate `yi/sei` on precision `1/sei`, the intercept tested.
    #[test]
    fn egger_equals_the_classic_regression() {
        let yi = [-0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621];
        let vi = [0.326, 0.195, 0.415, 0.020, 0.051, 0.007, 0.223];
        let x: Vec<f64> = vi.iter().map(|v: &f64| 1.0 / v.sqrt()).collect();
        let y: Vec<f64> = yi
            .iter()
            .zip(&vi)
            .map(|(y, v): (&f64, &f64)| y / v.sqrt())
            .collect();
        let (b0, _, se0, _) = normal_equations(&x, &y, &[1.0; 7]);
        let r = egger(&yi, &vi).unwrap();
        assert!(near(r.bias, b0) && near(r.bias_se, se0) && near(r.t, b0 / se0));
    }
}
