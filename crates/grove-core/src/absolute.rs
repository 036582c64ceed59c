//! Absolute effects for an assumed control-group risk: the risk per 1000 under the pooled
//! effect, the risk difference per 1000, and the number needed to treat, each with its
//! confidence limits — the figures of a GRADE "Summary of findings" table.
//!
//! # Formulas
//!
//! With `ACR` the assumed control risk (a proportion) and the pooled effect and its CI
//! bounds on the natural scale (`RR = exp(estimate)` etc.), the risk in the experimental
//! group is (Cochrane Handbook §14.1.5 and §15.4.4; Guyatt et al. 2013):
//!
//! ```text
//! RR:  risk = ACR · RR
//! OR:  risk = OR · ACR / (1 − ACR + OR · ACR)
//! RD:  risk = ACR + RD
//! ```
//!
//! applied to the estimate and to each CI bound (each map is increasing in the effect,
//! so the bounds stay in order). The risk difference is `ARD = risk − ACR`; both are
//! reported per 1000 people (`× 1000`).
//!
//! A CI bound that implies a risk outside `[0, 1]` (possible for RR and RD, not for OR)
//! is clamped to the nearest limit and [`AbsoluteEffect::clamped`] says so; a point
//! estimate outside `[0, 1]` is an error ([`AbsoluteError::ImpliedRiskOutOfRange`]).
//!
//! The number needed to treat is `1/|ARD|` (Laupacis, Sackett & Roberts 1988): treating
//! that many people gives one event fewer ([`NumberNeeded::OneFewerEvent`]) when
//! `ARD < 0`, or one more ([`NumberNeeded::OneMoreEvent`]) when `ARD > 0`; with an
//! undesirable event these are Altman's NNT(B) and NNT(H). Its confidence interval is
//! the reciprocal of the ARD's (Altman 1998):
//!
//! * both ARD limits on one side of 0: `1/|ARD_upper|` to `1/|ARD_lower|` on that side;
//! * ARD limits on both sides of 0 (the CI includes no effect): the NNT interval is in
//!   two pieces that meet at infinity, "NNT(B) `1/|ARD_lower|` to ∞ to NNT(H)
//!   `1/ARD_upper`" ([`NntInterval::SpansNoEffect`]).
//!
//! References: Altman DG (1998). Confidence intervals for the number needed to treat.
//! BMJ 317:1309–1312. Laupacis A, Sackett DL, Roberts RS (1988). An assessment of
//! clinically useful measures of the consequences of treatment. N Engl J Med
//! 318:1728–1733. Guyatt GH, Oxman AD, Santesso N, et al. (2013). GRADE guidelines: 12.
//! Preparing summary of findings tables—binary outcomes. J Clin Epidemiol 66:158–172.
//! Schünemann HJ, Higgins JPT, Vist GE, et al. (2022). Chapter 14 and Chapter 15 (§15.4.4,
//! "Computing absolute risk reduction or NNT from a risk ratio / odds ratio") of the
//! Cochrane Handbook for Systematic Reviews of Interventions, version 6.3.

use std::fmt;

use serde::Serialize;

use crate::rma::Pooled;
use crate::settings::Measure;

/// Events per this many people in the reported risks and risk differences.
pub const PER: f64 = 1000.0;

/// A value with its confidence limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The point value.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// A number needed to treat, or its absence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum NumberNeeded {
    /// Treating this many people gives one event fewer (ARD < 0): NNT to benefit when
    /// the event is undesirable (Altman's NNT(B)).
    OneFewerEvent(f64),
    /// Treating this many people gives one event more (ARD > 0): NNT to harm when the
    /// event is undesirable (Altman's NNT(H)).
    OneMoreEvent(f64),
    /// ARD is exactly 0: no number of people treated changes the expected events.
    Infinite,
}

/// Confidence interval of the number needed to treat (Altman 1998).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum NntInterval {
    /// The ARD interval lies on one side of 0 (it may touch it, which makes the far
    /// limit [`NumberNeeded::Infinite`]): the NNT runs from `nearest` (the larger
    /// effect, fewer people) to `farthest`.
    OneSide {
        /// Limit from the ARD limit farther from 0.
        nearest: NumberNeeded,
        /// Limit from the ARD limit nearer to 0.
        farthest: NumberNeeded,
    },
    /// The ARD interval contains 0 strictly inside: the NNT interval runs from
    /// `fewer_events` NNT(B) up to infinity and back down to `more_events` NNT(H).
    SpansNoEffect {
        /// `1/|ARD_lower|`: the NNT(B) limit.
        fewer_events: f64,
        /// `1/ARD_upper`: the NNT(H) limit.
        more_events: f64,
    },
}

/// Absolute effects of the pooled estimate for one assumed control risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsoluteEffect {
    /// The assumed control risk, as given (a proportion).
    pub control_risk: f64,
    /// Control risk per 1000 people.
    pub control_per_1000: f64,
    /// Risk per 1000 in the experimental group, with CI.
    pub treated_per_1000: Estimate,
    /// Risk difference (experimental minus control) per 1000, with CI.
    pub difference_per_1000: Estimate,
    /// Number needed to treat at the point estimate.
    pub number_needed: NumberNeeded,
    /// Its confidence interval.
    pub number_needed_ci: NntInterval,
    /// Whether a CI limit of the risk was clamped to 0 or 1 (see the module docs).
    pub clamped: bool,
}

/// Why absolute effects cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum AbsoluteError {
    /// The assumed control risk is not a proportion in `[0, 1]`.
    ControlRiskOutOfRange(f64),
    /// The pooled estimate or a CI bound is not finite.
    NotFinite,
    /// The point estimate implies a risk outside `[0, 1]` for this control risk (a risk
    /// ratio too large, or a risk difference beyond the control risk's room).
    ImpliedRiskOutOfRange(f64),
}

impl fmt::Display for AbsoluteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbsoluteError::ControlRiskOutOfRange(r) => {
                write!(f, "the control risk must be between 0 and 1, not {r}")
            }
            AbsoluteError::NotFinite => f.write_str("the pooled effect is not a finite number"),
            AbsoluteError::ImpliedRiskOutOfRange(r) => write!(
                f,
                "with this control risk the pooled effect implies a risk of {r}, outside 0 to 1"
            ),
        }
    }
}

impl std::error::Error for AbsoluteError {}

/// Absolute effects of `pooled` (on the analysis scale of `measure`: log for RR and OR)
/// for the assumed control risk `control_risk` (see the [module docs](self) for every
/// formula and reference).
///
/// # Errors
/// [`AbsoluteError`] when the control risk is not in `[0, 1]`, the pooled values are not
/// finite, or the point estimate implies an impossible risk.
///
/// ```
/// use grove_core::absolute::{absolute_effects, NumberNeeded};
/// use grove_core::rma::{Interval, Pooled};
/// use grove_core::Measure;
/// // RR 0.5 (95% CI 0.25 to 1.0), control risk 10%.
/// let pooled = Pooled { estimate: 0.5f64.ln(), se: 0.35,
///     ci: Interval { lower: 0.25f64.ln(), upper: 1.0f64.ln() },
///     stat: -1.98, p: 0.048, df: None, k: 5 };
/// let a = absolute_effects(&pooled, Measure::RiskRatio, 0.10).unwrap();
/// assert!((a.treated_per_1000.estimate - 50.0).abs() < 1e-9);
/// assert!(matches!(a.number_needed, NumberNeeded::OneFewerEvent(n) if (n - 20.0).abs() < 1e-9));
/// ```
pub fn absolute_effects(
    pooled: &Pooled,
    measure: Measure,
    control_risk: f64,
) -> Result<AbsoluteEffect, AbsoluteError> {
    if !(0.0..=1.0).contains(&control_risk) {
        return Err(AbsoluteError::ControlRiskOutOfRange(control_risk));
    }
    let (e, lo, hi) = (pooled.estimate, pooled.ci.lower, pooled.ci.upper);
    if !e.is_finite() || !lo.is_finite() || !hi.is_finite() {
        return Err(AbsoluteError::NotFinite);
    }
    let acr = control_risk;
    let risk = |effect: f64| implied_risk(measure, acr, effect);
    let point = risk(e);
    if !(0.0..=1.0).contains(&point) {
        return Err(AbsoluteError::ImpliedRiskOutOfRange(point));
    }
    let (raw_lo, raw_hi) = (risk(lo), risk(hi));
    let (r_lo, r_hi) = (raw_lo.clamp(0.0, 1.0), raw_hi.clamp(0.0, 1.0));
    let clamped = r_lo != raw_lo || r_hi != raw_hi;
    let (d, d_lo, d_hi) = (point - acr, r_lo - acr, r_hi - acr);
    Ok(AbsoluteEffect {
        control_risk,
        control_per_1000: PER * acr,
        treated_per_1000: Estimate {
            estimate: PER * point,
            lower: PER * r_lo,
            upper: PER * r_hi,
        },
        difference_per_1000: Estimate {
            estimate: PER * d,
            lower: PER * d_lo,
            upper: PER * d_hi,
        },
        number_needed: number_needed(d),
        number_needed_ci: nnt_interval(d_lo, d_hi),
        clamped,
    })
}

/// The risk in the experimental group implied by the control risk `acr` and an effect
/// on the analysis scale of `measure` (log for RR and OR), not clamped to `[0, 1]`:
///
/// ```text
/// RR:  risk = ACR · exp(effect)
/// OR:  risk = OR · ACR / (1 − ACR + OR · ACR),  OR = exp(effect)   (1 when OR = ∞)
/// RD:  risk = ACR + effect
/// ```
///
/// ```
/// use grove_core::absolute::implied_risk;
/// use grove_core::Measure;
/// assert!((implied_risk(Measure::RiskRatio, 0.1, 0.5f64.ln()) - 0.05).abs() < 1e-15);
/// ```
pub fn implied_risk(measure: Measure, acr: f64, effect: f64) -> f64 {
    match measure {
        // risk = ACR · RR
        Measure::RiskRatio => acr * effect.exp(),
        // risk = OR · ACR / (1 − ACR + OR · ACR)
        Measure::OddsRatio => {
            let or = effect.exp();
            if or.is_infinite() {
                1.0
            } else {
                or * acr / (1.0 - acr + or * acr)
            }
        }
        // risk = ACR + RD
        Measure::RiskDifference => acr + effect,
    }
}

/// `1/|ARD|` on the side of ARD's sign.
fn number_needed(ard: f64) -> NumberNeeded {
    if ard < 0.0 {
        NumberNeeded::OneFewerEvent(1.0 / -ard)
    } else if ard > 0.0 {
        NumberNeeded::OneMoreEvent(1.0 / ard)
    } else {
        NumberNeeded::Infinite
    }
}

/// Altman (1998): the reciprocal of the ARD interval, in two pieces when it contains 0.
fn nnt_interval(lower: f64, upper: f64) -> NntInterval {
    if lower < 0.0 && upper > 0.0 {
        NntInterval::SpansNoEffect {
            fewer_events: 1.0 / -lower,
            more_events: 1.0 / upper,
        }
    } else if upper <= 0.0 {
        // Fewer events: the lower ARD limit is the larger reduction.
        NntInterval::OneSide {
            nearest: number_needed(lower),
            farthest: number_needed(upper),
        }
    } else {
        // lower >= 0: more events; the upper ARD limit is the larger increase.
        NntInterval::OneSide {
            nearest: number_needed(upper),
            farthest: number_needed(lower),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rma::Interval;

    fn pooled(estimate: f64, lower: f64, upper: f64) -> Pooled {
        Pooled {
            estimate,
            se: (upper - lower) / 3.92,
            ci: Interval { lower, upper },
            stat: 0.0,
            p: 1.0,
            df: None,
            k: 3,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    /// One case: measure, natural-scale effect with CI, control risk, and the expected
    /// treated risk per 1000 (estimate, lower, upper) and NNT pieces.
    struct Case {
        measure: Measure,
        effect: (f64, f64, f64),
        acr: f64,
        treated: (f64, f64, f64),
        nnt: NumberNeeded,
        ci: NntInterval,
        clamped: bool,
    }

    fn check(cases: &[Case]) {
        let mut failures = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let scale = |x: f64| if c.measure.is_ratio() { x.ln() } else { x };
            let p = pooled(scale(c.effect.0), scale(c.effect.1), scale(c.effect.2));
            let a = match absolute_effects(&p, c.measure, c.acr) {
                Ok(a) => a,
                Err(e) => {
                    failures.push(format!("case {i}: {e}"));
                    continue;
                }
            };
            let t = a.treated_per_1000;
            if !(close(t.estimate, c.treated.0)
                && close(t.lower, c.treated.1)
                && close(t.upper, c.treated.2))
            {
                failures.push(format!("case {i}: treated {t:?}, expected {:?}", c.treated));
            }
            let nn_close = |x: NumberNeeded, y: NumberNeeded| match (x, y) {
                (NumberNeeded::OneFewerEvent(a), NumberNeeded::OneFewerEvent(b))
                | (NumberNeeded::OneMoreEvent(a), NumberNeeded::OneMoreEvent(b)) => close(a, b),
                (a, b) => a == b,
            };
            if !nn_close(a.number_needed, c.nnt) {
                failures.push(format!(
                    "case {i}: NNT {:?}, expected {:?}",
                    a.number_needed, c.nnt
                ));
            }
            let ci_ok = match (a.number_needed_ci, c.ci) {
                (
                    NntInterval::OneSide {
                        nearest: a1,
                        farthest: a2,
                    },
                    NntInterval::OneSide {
                        nearest: b1,
                        farthest: b2,
                    },
                ) => nn_close(a1, b1) && nn_close(a2, b2),
                (
                    NntInterval::SpansNoEffect {
                        fewer_events: a1,
                        more_events: a2,
                    },
                    NntInterval::SpansNoEffect {
                        fewer_events: b1,
                        more_events: b2,
                    },
                ) => close(a1, b1) && close(a2, b2),
                _ => false,
            };
            if !ci_ok {
                failures.push(format!(
                    "case {i}: NNT CI {:?}, expected {:?}",
                    a.number_needed_ci, c.ci
                ));
            }
            if a.clamped != c.clamped {
                failures.push(format!("case {i}: clamped {}", a.clamped));
            }
            let d = a.difference_per_1000;
            if !close(d.estimate, t.estimate - PER * c.acr)
                || !close(d.lower, t.lower - PER * c.acr)
            {
                failures.push(format!("case {i}: difference {d:?} not treated − control"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Hand-computed cases.
    /// * RR 0.5 (0.25–0.8), ACR 0.2: risks 100 (50–160) per 1000, ARD −0.1 (−0.15 to
    ///   −0.04): NNT(B) 10 (6.67 to 25).
    /// * RR 0.8 (0.5–1.25), ACR 0.2: 160 (100–250); ARD −0.04 (−0.1 to +0.05):
    ///   NNT(B) 25, CI NNT(B) 10 to ∞ to NNT(H) 20 (Altman 1998's two-piece interval).
    /// * OR 2 (1.5–3), ACR 0.1: 2·0.1/(0.9 + 0.2) = 0.181818…, 1.5·0.1/1.05 =
    ///   0.142857…, 0.3/1.2 = 0.25; ARD +0.0818… → NNT(H) 12.22, CI 6.67 to 23.33.
    /// * RD −0.05 (−0.08 to −0.02), ACR 0.3: 250 (220–280), NNT(B) 20 (12.5–50).
    /// * RR 3 (1–5), ACR 0.3: 900 (300–1500 → clamped to 1000); the lower limit is no
    ///   effect, so the far NNT limit is infinite.
    #[test]
    fn hand_computed_cases() {
        use NumberNeeded::{Infinite, OneFewerEvent as Fewer, OneMoreEvent as More};
        check(&[
            Case {
                measure: Measure::RiskRatio,
                effect: (0.5, 0.25, 0.8),
                acr: 0.2,
                treated: (100.0, 50.0, 160.0),
                nnt: Fewer(10.0),
                ci: NntInterval::OneSide {
                    nearest: Fewer(1.0 / 0.15),
                    farthest: Fewer(25.0),
                },
                clamped: false,
            },
            Case {
                measure: Measure::RiskRatio,
                effect: (0.8, 0.5, 1.25),
                acr: 0.2,
                treated: (160.0, 100.0, 250.0),
                nnt: Fewer(25.0),
                ci: NntInterval::SpansNoEffect {
                    fewer_events: 10.0,
                    more_events: 20.0,
                },
                clamped: false,
            },
            Case {
                measure: Measure::OddsRatio,
                effect: (2.0, 1.5, 3.0),
                acr: 0.1,
                treated: (200.0 / 1.1, 150.0 / 1.05, 250.0),
                nnt: More(1.0 / (0.2 / 1.1 - 0.1)),
                ci: NntInterval::OneSide {
                    nearest: More(1.0 / 0.15),
                    farthest: More(1.0 / (0.15 / 1.05 - 0.1)),
                },
                clamped: false,
            },
            Case {
                measure: Measure::RiskDifference,
                effect: (-0.05, -0.08, -0.02),
                acr: 0.3,
                treated: (250.0, 220.0, 280.0),
                nnt: Fewer(20.0),
                ci: NntInterval::OneSide {
                    nearest: Fewer(12.5),
                    farthest: Fewer(50.0),
                },
                clamped: false,
            },
            Case {
                measure: Measure::RiskRatio,
                effect: (3.0, 1.0, 5.0),
                acr: 0.3,
                treated: (900.0, 300.0, 1000.0),
                nnt: More(1.0 / 0.6),
                ci: NntInterval::OneSide {
                    nearest: More(1.0 / 0.7),
                    farthest: Infinite,
                },
                clamped: true,
            },
        ]);
    }

    #[test]
    fn impossible_inputs_are_errors() {
        let p = pooled(0.0, -0.1, 0.1);
        assert_eq!(
            absolute_effects(&p, Measure::RiskRatio, 1.5),
            Err(AbsoluteError::ControlRiskOutOfRange(1.5))
        );
        assert!(matches!(
            absolute_effects(&p, Measure::RiskRatio, f64::NAN),
            Err(AbsoluteError::ControlRiskOutOfRange(_))
        ));
        let big = pooled(4.0f64.ln(), 2.0f64.ln(), 8.0f64.ln());
        assert!(matches!(
            absolute_effects(&big, Measure::RiskRatio, 0.5),
            Err(AbsoluteError::ImpliedRiskOutOfRange(r)) if close(r, 2.0)
        ));
        let nan = pooled(f64::NAN, 0.0, 1.0);
        assert_eq!(
            absolute_effects(&nan, Measure::OddsRatio, 0.2),
            Err(AbsoluteError::NotFinite)
        );
    }

    /// No effect at all: ARD 0, NNT infinite, and an OR interval around 1 splits.
    #[test]
    fn no_effect_is_infinite() {
        let p = pooled(0.0, 0.5f64.ln(), 2.0f64.ln());
        let a = absolute_effects(&p, Measure::OddsRatio, 0.5).unwrap();
        assert_eq!(a.number_needed, NumberNeeded::Infinite);
        // OR 0.5 at 50%: 1/3; OR 2: 2/3 → ARD ±1/6 → NNT 6 either way.
        match a.number_needed_ci {
            NntInterval::SpansNoEffect {
                fewer_events,
                more_events,
            } => {
                assert!(close(fewer_events, 6.0) && close(more_events, 6.0));
            }
            other => panic!("expected a two-piece interval, got {other:?}"),
        }
    }
}
