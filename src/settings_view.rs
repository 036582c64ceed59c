//! The analysis settings of an outcome as markup, and what a change to one of them does:
//! plain functions, tested natively. The page writes the markup whole when the settings
//! change and answers every control through one listener ([`crate::ui::settings`]); the
//! words come from the engine's vocabulary ([`Choice`]).

use crate::project::Outcome;
use grove_core::forest::escape;
use grove_core::report::{ModelView, ReportOptions, Totals};
use grove_core::settings::Choice;
use grove_core::{CiMethod, Convention, CorrectionScope, Tau2Estimator, ZeroCellCorrection};
use std::fmt::Write;

/// A control of the settings panel, named on the page by its `data-testid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Effect measure.
    Measure,
    /// Pooling method.
    Method,
    /// Common, random or both.
    Model,
    /// Which pooled results are shown.
    Totals,
    /// tau² estimator.
    Tau2,
    /// Wald or Hartung-Knapp.
    Ci,
    /// The prediction interval (a checkbox).
    Prediction,
    /// Which trials the zero-cell increment goes to.
    Scope,
    /// The zero-cell increment (a number typed).
    Increment,
    /// metafor's or RevMan 5's conventions.
    Convention,
}

impl Control {
    /// Every control, in the panel's order.
    pub const ALL: [Control; 10] = [
        Control::Measure,
        Control::Method,
        Control::Model,
        Control::Totals,
        Control::Tau2,
        Control::Ci,
        Control::Prediction,
        Control::Scope,
        Control::Increment,
        Control::Convention,
    ];

    /// Its `data-testid` and `name`, which names it in [`Control::from_testid`].
    pub fn testid(self) -> &'static str {
        match self {
            Control::Measure => "measure",
            Control::Method => "method",
            Control::Model => "model",
            Control::Totals => "totals",
            Control::Tau2 => "tau2",
            Control::Ci => "ci-method",
            Control::Prediction => "prediction",
            Control::Scope => "correction-scope",
            Control::Increment => "correction-increment",
            Control::Convention => "convention",
        }
    }

    /// The control with this `data-testid`.
    pub fn from_testid(testid: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.testid() == testid)
    }
}

/// An increment typed that the analysis does not use: the text as typed (kept in its
/// field) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// What was typed.
    pub typed: String,
    /// Why it is not used, and what the analysis keeps.
    pub why: String,
}

/// Why tau² and the interval method are greyed out when only the common effect is shown.
const TAU2_UNUSED: &str = "Not used: tau² belongs to the random-effects model, which is not shown.";
const CI_UNUSED: &str = "Not used: Hartung-Knapp applies to random effects; the common-effect \
                         model always uses the Wald interval.";
const PREDICTION: &str = "Where the true effect of a new trial is expected to lie (95%), from \
                          random effects with t on k−2 df (Higgins, Thompson & Spiegelhalter \
                          2009).";
const PREDICTION_UNUSED: &str = "Not used: the prediction interval belongs to the \
                                 random-effects model, which is not shown.";
const INCREMENT: &str =
    "Added to each cell of the trials chosen above (0.5 by convention), from 0.001 to 1.";
const REVMAN5: &str = "Mantel-Haenszel, random effects by DerSimonian-Laird, Wald intervals, \
                       0.5 added to studies with a zero cell, RevMan 5's conventions, no \
                       prediction interval: the numbers RevMan 5 prints.";

/// The settings grid for `options`, with a refused increment shown as typed.
pub fn markup(options: &ReportOptions, refused: Option<&Refused>) -> String {
    let s = &options.settings;
    let random = options.models != ModelView::Common;
    let mut out = String::with_capacity(6_000);
    select(
        &mut out,
        "Effect measure",
        Control::Measure,
        s.measure,
        None,
    );
    select(&mut out, "Pooling", Control::Method, s.method, None);
    select(&mut out, "Model", Control::Model, options.models, None);
    select(
        &mut out,
        "Pooled results shown",
        Control::Totals,
        options.totals,
        None,
    );
    let unused = |why| (!random).then_some(why);
    select(
        &mut out,
        "tau² estimator",
        Control::Tau2,
        s.tau2,
        unused(TAU2_UNUSED),
    );
    select(
        &mut out,
        "Confidence interval",
        Control::Ci,
        s.ci,
        unused(CI_UNUSED),
    );
    let _ = write!(
        out,
        r#"<div class="setting"><label class="inline"><input type="checkbox" name="prediction" data-testid="prediction"{}{}><span>Prediction interval</span></label><p class="explain">{}</p></div>"#,
        if options.prediction { " checked" } else { "" },
        if random { "" } else { " disabled" },
        if random {
            PREDICTION
        } else {
            PREDICTION_UNUSED
        },
    );
    select(
        &mut out,
        "Zero-cell correction applies to",
        Control::Scope,
        s.correction.scope,
        None,
    );
    let typed = refused.map_or_else(|| s.correction.increment.to_string(), |r| r.typed.clone());
    let _ = write!(
        out,
        r#"<div class="setting"><label for="setting-increment">Zero-cell increment</label><input id="setting-increment" type="number" min="0.001" max="1" step="0.01" name="correction-increment" data-testid="correction-increment" aria-describedby="increment-explain" value="{}"{}>"#,
        escape(&typed),
        if refused.is_some() {
            r#" aria-invalid="true""#
        } else {
            ""
        },
    );
    if let Some(r) = refused {
        let _ = write!(
            out,
            r#"<p class="field-error" role="alert" data-testid="increment-error">{}</p>"#,
            escape(&r.why)
        );
    }
    let _ = write!(
        out,
        r#"<p class="explain" id="increment-explain">{INCREMENT}</p></div>"#
    );
    select(
        &mut out,
        "Conventions",
        Control::Convention,
        s.convention,
        None,
    );
    let _ = write!(
        out,
        r#"<div class="setting"><button type="button" data-testid="revman5" data-action="revman5">RevMan 5 compatible</button><p class="explain">{REVMAN5}</p></div>"#
    );
    out
}

/// What a change to `control` does to `outcome`: `value` is the control's value (for the
/// prediction checkbox, `"on"` or `"off"`). An increment that cannot be used changes
/// nothing and says why.
///
/// # Errors
/// A [`Refused`] increment.
pub fn apply(outcome: &mut Outcome, control: Control, value: &str) -> Result<(), Refused> {
    if control == Control::Measure {
        set(value, |m| outcome.set_measure(m));
    }
    if control == Control::Method {
        set(value, |m| outcome.set_method(m));
    }
    let o = &mut outcome.options;
    let s = &mut o.settings;
    match control {
        Control::Measure | Control::Method => {}
        Control::Model => set(value, |m| o.models = m),
        Control::Totals => set(value, |t: Totals| o.totals = t),
        Control::Tau2 => set(value, |t: Tau2Estimator| s.tau2 = t),
        Control::Ci => set(value, |c: CiMethod| s.ci = c),
        Control::Prediction => o.prediction = value == "on",
        Control::Scope => set(value, |c: CorrectionScope| s.correction.scope = c),
        Control::Convention => set(value, |c: Convention| s.convention = c),
        Control::Increment => s.correction = increment(s.correction, value)?,
    }
    Ok(())
}

/// The correction with the increment typed, or why it is not used.
fn increment(current: ZeroCellCorrection, typed: &str) -> Result<ZeroCellCorrection, Refused> {
    let text = typed.trim();
    let keeps = current.increment;
    let why = match text.parse::<f64>() {
        Ok(v) => match current.with_increment(v) {
            Ok(c) => return Ok(c),
            Err(why) => format!("Not used: {why}; the analysis keeps {keeps}."),
        },
        Err(_) => {
            format!("Not used: \u{201c}{text}\u{201d} is not a number; the analysis keeps {keeps}.")
        }
    };
    Err(Refused {
        typed: typed.to_owned(),
        why,
    })
}

/// Sets a choice by its code; an unknown code changes nothing.
fn set<T: Choice>(code: &str, put: impl FnOnce(T)) {
    if let Some(c) = T::from_code(code) {
        put(c);
    }
}

/// A labelled `<select>` of a setting with the sentence on the current choice (or why the
/// control is not used). Its options' values are the engine's codes.
fn select<T: Choice>(
    out: &mut String,
    label: &str,
    control: Control,
    now: T,
    unused: Option<&str>,
) {
    let entries: Vec<(&str, &str, bool)> = T::CHOICES
        .iter()
        .map(|&c| (c.code(), c.label(), c == now))
        .collect();
    write_select(
        out,
        label,
        control,
        &entries,
        unused.unwrap_or(now.explanation()),
        unused.is_some(),
    );
}

/// [`select`]'s markup, written once for every setting rather than once per type.
fn write_select(
    out: &mut String,
    label: &str,
    control: Control,
    entries: &[(&str, &str, bool)],
    explain: &str,
    disabled: bool,
) {
    let id = control.testid();
    let _ = write!(
        out,
        r#"<div class="setting"><label for="setting-{id}">{label}</label><select id="setting-{id}" name="{id}" data-testid="{id}" aria-describedby="setting-{id}-help"{}>"#,
        if disabled { " disabled" } else { "" },
    );
    for (code, name, selected) in entries {
        let _ = write!(
            out,
            r#"<option value="{code}"{}>{name}</option>"#,
            if *selected { " selected" } else { "" },
        );
    }
    let _ = write!(
        out,
        r#"</select><p class="explain" id="setting-{id}-help">{explain}</p></div>"#
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use grove_core::{Measure, Method};

    #[test]
    fn every_control_is_in_the_markup_with_its_current_value() {
        let mut options = ReportOptions::default();
        options.settings.tau2 = Tau2Estimator::PauleMandel;
        let html = markup(&options, None);
        for c in Control::ALL {
            assert!(
                html.contains(&format!(r#"data-testid="{}""#, c.testid())),
                "{c:?}"
            );
            assert_eq!(Control::from_testid(c.testid()), Some(c));
        }
        assert!(html.contains(r#"<option value="PM" selected>Paule-Mandel</option>"#));
        assert!(html.contains(Tau2Estimator::PauleMandel.explanation()));
        assert_eq!(html.matches(" selected").count(), 8, "one per select");
        assert!(!html.contains(" disabled"));
        // Only the common effect: tau², the interval and the prediction say why unused.
        options.models = ModelView::Common;
        let html = markup(&options, None);
        assert_eq!(html.matches(" disabled").count(), 3);
        assert!(html.contains(TAU2_UNUSED) && html.contains(PREDICTION_UNUSED));
    }

    #[test]
    fn a_change_does_what_the_control_says_and_a_bad_increment_is_kept_as_typed() {
        let mut o = crate::project::Example::Bcg.outcome();
        apply(&mut o, Control::Measure, "OR").expect("applies");
        apply(&mut o, Control::Method, "Peto").expect("applies");
        assert_eq!(o.options.settings.method, Method::Peto);
        apply(&mut o, Control::Measure, "RR").expect("applies");
        assert_eq!(
            o.options.settings.method,
            Method::InverseVariance,
            "Peto needs odds ratios"
        );
        apply(&mut o, Control::Prediction, "on").expect("applies");
        assert!(o.options.prediction);
        apply(&mut o, Control::Measure, "HR").expect("an unknown code changes nothing");
        assert_eq!(o.options.settings.measure, Measure::RiskRatio);
        apply(&mut o, Control::Increment, "0.25").expect("applies");
        assert_eq!(o.options.settings.correction.increment, 0.25);
        let before = o.clone();
        let refused = apply(&mut o, Control::Increment, "5").expect_err("out of range");
        assert_eq!(o, before, "nothing changes");
        assert!(refused.why.contains("keeps 0.25"), "{}", refused.why);
        let html = markup(&o.options, Some(&refused));
        assert!(
            html.contains(r#"value="5" aria-invalid="true""#),
            "kept as typed"
        );
        assert!(html.contains("increment-error"));
        let refused = apply(&mut o, Control::Increment, "<b>").expect_err("not a number");
        let html = markup(&o.options, Some(&refused));
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
    }
}
