//! The analysis settings of the active outcome, each explained in a sentence where it is
//! chosen, and the labels of the arms.

use super::State;
use crate::history::Edit;
use crate::project::Outcome;
use grove_core::report::{ModelView, ReportOptions, Totals};
use grove_core::{CiMethod, Convention, CorrectionScope, Measure, Method, Tau2Estimator};
use leptos::prelude::*;

/// A setting offered as a `<select>`: its option values (stable, used by tests) and the
/// sentence explaining each choice.
trait Choice: Copy + PartialEq + Send + Sync + 'static {
    const ALL: &'static [Self];
    fn value(self) -> &'static str;
    fn label(self) -> &'static str;
    fn explain(self) -> &'static str;
}

impl Choice for Measure {
    const ALL: &'static [Self] = &[
        Measure::RiskRatio,
        Measure::OddsRatio,
        Measure::RiskDifference,
    ];
    fn value(self) -> &'static str {
        grove_core::report::abbreviation(self)
    }
    fn label(self) -> &'static str {
        grove_core::report::measure_name(self)
    }
    fn explain(self) -> &'static str {
        match self {
            Measure::RiskRatio => {
                "The risk of the event with the experimental treatment divided by the risk with control; below 1 means fewer events. Pooled on the log scale."
            }
            Measure::OddsRatio => {
                "The odds of the event with the experimental treatment divided by the odds with control; close to the risk ratio when events are rare. Pooled on the log scale."
            }
            Measure::RiskDifference => {
                "The risk with the experimental treatment minus the risk with control: an absolute difference, directly giving the number needed to treat."
            }
        }
    }
}

impl Choice for Method {
    const ALL: &'static [Self] = &[
        Method::InverseVariance,
        Method::MantelHaenszel,
        Method::Peto,
    ];
    fn value(self) -> &'static str {
        match self {
            Method::InverseVariance => "IV",
            Method::MantelHaenszel => "MH",
            Method::Peto => "Peto",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Method::InverseVariance => "Inverse variance",
            Method::MantelHaenszel => "Mantel-Haenszel",
            Method::Peto => "Peto (odds ratio)",
        }
    }
    fn explain(self) -> &'static str {
        match self {
            Method::InverseVariance => {
                "Each trial is weighted by the inverse of its variance (metafor rma)."
            }
            Method::MantelHaenszel => {
                "Weights from the 2×2 counts, reliable when events are few (Mantel & Haenszel 1959; RevMan's default). With random effects the trials are pooled by inverse variance with tau² from the chosen estimator (with RevMan 5's conventions and DerSimonian-Laird, from the Mantel-Haenszel Chi², as RevMan computes it)."
            }
            Method::Peto => {
                "Peto's one-step odds ratio (Yusuf et al. 1985): suited to rare events in balanced arms with modest effects."
            }
        }
    }
}

impl Choice for ModelView {
    const ALL: &'static [Self] = &[ModelView::Common, ModelView::Random, ModelView::Both];
    fn value(self) -> &'static str {
        match self {
            ModelView::Common => "common",
            ModelView::Random => "random",
            ModelView::Both => "both",
        }
    }
    fn label(self) -> &'static str {
        match self {
            ModelView::Common => "Common effect",
            ModelView::Random => "Random effects",
            ModelView::Both => "Both",
        }
    }
    fn explain(self) -> &'static str {
        match self {
            ModelView::Common => "Assumes every trial estimates one and the same true effect.",
            ModelView::Random => {
                "Lets the true effect differ between trials; tau² is the variance of those true effects."
            }
            ModelView::Both => {
                "Shows the common-effect and the random-effects results together; the random-effects one is the headline."
            }
        }
    }
}

impl Choice for Tau2Estimator {
    const ALL: &'static [Self] = &Tau2Estimator::ALL;
    fn value(self) -> &'static str {
        self.code()
    }
    fn label(self) -> &'static str {
        match self {
            Tau2Estimator::DerSimonianLaird => "DerSimonian-Laird",
            Tau2Estimator::RestrictedMaximumLikelihood => "Restricted maximum likelihood",
            Tau2Estimator::PauleMandel => "Paule-Mandel",
            Tau2Estimator::MaximumLikelihood => "Maximum likelihood",
            Tau2Estimator::HunterSchmidt => "Hunter-Schmidt",
            Tau2Estimator::SidikJonkman => "Sidik-Jonkman",
            Tau2Estimator::Hedges => "Hedges",
            Tau2Estimator::EmpiricalBayes => "Empirical Bayes",
        }
    }
    fn explain(self) -> &'static str {
        match self {
            Tau2Estimator::DerSimonianLaird => {
                "Method of moments from Cochran's Q (DerSimonian & Laird 1986); RevMan's estimator, known to underestimate tau² when it is large."
            }
            Tau2Estimator::RestrictedMaximumLikelihood => {
                "Maximises the restricted likelihood (Viechtbauer 2005); metafor's default and a good general choice."
            }
            Tau2Estimator::PauleMandel => {
                "Sets the generalised Q statistic equal to its degrees of freedom (Paule & Mandel 1982); recommended by Veroniki et al. (2016)."
            }
            Tau2Estimator::MaximumLikelihood => {
                "Maximises the full likelihood; biased downwards with few trials."
            }
            Tau2Estimator::HunterSchmidt => {
                "Hunter & Schmidt (2004): a simple moment estimator, biased downwards."
            }
            Tau2Estimator::SidikJonkman => {
                "Sidik & Jonkman (2005): a two-step estimator that is never zero."
            }
            Tau2Estimator::Hedges => "Hedges (1983): an unweighted method of moments.",
            Tau2Estimator::EmpiricalBayes => {
                "Morris (1983): empirical Bayes, equal to Paule-Mandel for these models."
            }
        }
    }
}

impl Choice for CiMethod {
    const ALL: &'static [Self] = &[CiMethod::Wald, CiMethod::HartungKnapp];
    fn value(self) -> &'static str {
        match self {
            CiMethod::Wald => "z",
            CiMethod::HartungKnapp => "HK",
        }
    }
    fn label(self) -> &'static str {
        match self {
            CiMethod::Wald => "Wald (normal)",
            CiMethod::HartungKnapp => "Hartung-Knapp-Sidik-Jonkman",
        }
    }
    fn explain(self) -> &'static str {
        match self {
            CiMethod::Wald => {
                "Estimate ± 1.96 standard errors, tested with z: the classic interval, too narrow when trials are few."
            }
            CiMethod::HartungKnapp => {
                "Rescales the standard error by the spread of the trials and uses t with k−1 df (Hartung & Knapp 2001; Sidik & Jonkman 2002): better coverage with few trials."
            }
        }
    }
}

impl Choice for CorrectionScope {
    const ALL: &'static [Self] = &[
        CorrectionScope::StudiesWithZero,
        CorrectionScope::IfAnyStudyHasZero,
        CorrectionScope::AllStudies,
        CorrectionScope::None,
    ];
    fn value(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => "only0",
            CorrectionScope::AllStudies => "all",
            CorrectionScope::IfAnyStudyHasZero => "if0all",
            CorrectionScope::None => "none",
        }
    }
    fn label(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => "Trials with a zero cell",
            CorrectionScope::AllStudies => "All trials",
            CorrectionScope::IfAnyStudyHasZero => "All trials, if any has a zero cell",
            CorrectionScope::None => "No trial",
        }
    }
    fn explain(self) -> &'static str {
        match self {
            CorrectionScope::StudiesWithZero => {
                "The increment is added to the four cells of trials that have a zero cell (metafor and RevMan default). Trials without events in either arm are left out of ratios."
            }
            CorrectionScope::AllStudies => "The increment is added to every cell of every trial.",
            CorrectionScope::IfAnyStudyHasZero => {
                "The increment is added to every cell of every trial, but only when at least one trial has a zero cell."
            }
            CorrectionScope::None => {
                "No correction: a trial with a zero cell has no ratio estimate and is left out."
            }
        }
    }
}

impl Choice for Totals {
    const ALL: &'static [Self] = &Totals::ALL;
    fn value(self) -> &'static str {
        self.code()
    }
    fn label(self) -> &'static str {
        Totals::label(self)
    }
    fn explain(self) -> &'static str {
        self.explanation()
    }
}

impl Choice for Convention {
    const ALL: &'static [Self] = &Convention::ALL;
    fn value(self) -> &'static str {
        self.code()
    }
    fn label(self) -> &'static str {
        Convention::label(self)
    }
    fn explain(self) -> &'static str {
        self.explanation()
    }
}

/// One option of a [`ChoiceSelect`]: value, label and explanation.
type Entry = (&'static str, &'static str, &'static str);

/// The entries of a [`Choice`], for a [`ChoiceSelect`].
fn entries<T: Choice>() -> Vec<Entry> {
    T::ALL
        .iter()
        .map(|c| (c.value(), c.label(), c.explain()))
        .collect()
}

/// The choice of `T` whose value is `value`.
fn parse<T: Choice>(value: &str) -> Option<T> {
    T::ALL.iter().copied().find(|c| c.value() == value)
}

/// A labelled `<select>` with the sentence for the current choice. Not generic, so that
/// one copy of its code serves every setting.
#[component]
fn ChoiceSelect(
    label: &'static str,
    testid: &'static str,
    entries: Vec<Entry>,
    /// The current choice's value.
    current: Signal<&'static str>,
    set: Callback<String>,
    #[prop(optional)] disabled: Option<Signal<bool>>,
    /// Said instead of the choice's explanation while the control is disabled.
    #[prop(optional)]
    why_disabled: Option<&'static str>,
) -> impl IntoView {
    let id = format!("setting-{testid}");
    let help = format!("{id}-help");
    let explain = {
        let entries = entries.clone();
        move || {
            if disabled.is_some_and(|d| d.get())
                && let Some(why) = why_disabled
            {
                return why;
            }
            let now = current.get();
            entries
                .iter()
                .find(|e| e.0 == now)
                .map(|e| e.2)
                .unwrap_or_default()
        }
    };
    view! {
        <div class="setting">
            <label for=id.clone()>{label}</label>
            <select id=id data-testid=testid aria-describedby=help.clone()
                prop:value=move || current.get()
                disabled=move || disabled.map(|d| d.get()).unwrap_or(false)
                on:change=move |ev| set.run(event_target_value(&ev))>
                {entries.into_iter().map(|(value, text, _)| view! {
                    <option value=value selected=move || current.get() == value>{text}</option>
                }).collect_view()}
            </select>
            <p class="explain" id=help>{explain}</p>
        </div>
    }
}

/// The settings panel.
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let state = expect_context::<State>();
    let options = Memo::new(move |_| state.project.with(|p| p.active().options.clone()));
    let edit = move |f: &dyn Fn(&mut Outcome)| state.change(Edit::Step, |p| f(p.active_mut()));
    let s = move || options.get().settings;
    // What was wrong with the last increment typed; cleared by a valid one.
    let increment_error = RwSignal::new(None::<String>);
    let random_shown = Signal::derive(move || options.get().models != ModelView::Common);

    let text_field = move |label: &'static str,
                           testid: &'static str,
                           get: fn(&ReportOptions) -> String,
                           put: fn(&mut ReportOptions, String)| {
        view! {
            <label class="text-setting">
                <span>{label}</span>
                <input type="text" data-testid=testid
                    prop:value=move || options.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); state.change(Edit::Text(state.project.with_untracked(|p| p.active), testid), |p| put(&mut p.active_mut().options, v)); }/>
            </label>
        }
    };

    view! {
        <h2 id="settings-heading">"Analysis"</h2>
        <div class="settings-grid">
            <ChoiceSelect label="Effect measure" testid="measure" entries={entries::<Measure>()}
                current=Signal::derive(move || s().measure.value())
                set={Callback::new(move |v: String| if let Some(m) = parse::<Measure>(&v) { edit(&|o| o.set_measure(m)) })}/>
            <ChoiceSelect label="Pooling" testid="method" entries={entries::<Method>()}
                current=Signal::derive(move || s().method.value())
                set={Callback::new(move |v: String| if let Some(m) = parse::<Method>(&v) { edit(&|o| o.set_method(m)) })}/>
            <ChoiceSelect label="Model" testid="model" entries={entries::<ModelView>()}
                current=Signal::derive(move || options.get().models.value())
                set={Callback::new(move |v: String| if let Some(m) = parse::<ModelView>(&v) { edit(&|o| o.options.models = m) })}/>
            <ChoiceSelect label="Pooled results shown" testid="totals" entries={entries::<Totals>()}
                current=Signal::derive(move || options.get().totals.value())
                set={Callback::new(move |v: String| if let Some(t) = parse::<Totals>(&v) { edit(&|o| o.options.totals = t) })}/>
            <ChoiceSelect label="tau² estimator" testid="tau2" entries={entries::<Tau2Estimator>()}
                current=Signal::derive(move || s().tau2.value())
                set={Callback::new(move |v: String| if let Some(t) = parse::<Tau2Estimator>(&v) { edit(&|o| o.options.settings.tau2 = t) })}
                disabled=Signal::derive(move || !random_shown.get())
                why_disabled="Not used: tau² belongs to the random-effects model, which is not shown."/>
            <ChoiceSelect label="Confidence interval" testid="ci-method" entries={entries::<CiMethod>()}
                current=Signal::derive(move || s().ci.value())
                set={Callback::new(move |v: String| if let Some(c) = parse::<CiMethod>(&v) { edit(&|o| o.options.settings.ci = c) })}
                disabled=Signal::derive(move || !random_shown.get())
                why_disabled="Not used: Hartung-Knapp applies to random effects; the common-effect model always uses the Wald interval."/>
            <div class="setting">
                <label class="inline">
                    <input type="checkbox" data-testid="prediction"
                        prop:checked=move || options.get().prediction
                        prop:disabled=move || !random_shown.get()
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|o| o.options.prediction = on); }/>
                    <span>"Prediction interval"</span>
                </label>
                <p class="explain">{move || if random_shown.get() {
                    "Where the true effect of a new trial is expected to lie (95%), from random effects with t on k−2 df (Higgins, Thompson & Spiegelhalter 2009)."
                } else {
                    "Not used: the prediction interval belongs to the random-effects model, which is not shown."
                }}</p>
            </div>
            <ChoiceSelect label="Zero-cell correction applies to" testid="correction-scope" entries={entries::<CorrectionScope>()}
                current=Signal::derive(move || s().correction.scope.value())
                set={Callback::new(move |v: String| if let Some(c) = parse::<CorrectionScope>(&v) { edit(&|o| o.options.settings.correction.scope = c) })}/>
            <div class="setting">
                <label for="setting-increment">"Zero-cell increment"</label>
                <input id="setting-increment" type="number" min="0.001" max="1" step="0.01" data-testid="correction-increment"
                    aria-invalid=move || increment_error.get().is_some().then_some("true")
                    aria-describedby="increment-explain"
                    prop:value=move || s().correction.increment.to_string()
                    on:change=move |ev| {
                        let typed = event_target_value(&ev);
                        let current = s().correction;
                        match typed.trim().parse::<f64>().map_err(|_| typed.trim().to_owned()) {
                            Ok(v) => match current.with_increment(v) {
                                Ok(c) => {
                                    increment_error.set(None);
                                    edit(&|o| o.options.settings.correction = c);
                                }
                                Err(why) => increment_error.set(Some(format!("Not used: {why}; the analysis keeps {}.", current.increment))),
                            },
                            Err(text) => increment_error.set(Some(format!("Not used: \u{201c}{text}\u{201d} is not a number; the analysis keeps {}.", current.increment))),
                        }
                    }/>
                {move || increment_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="increment-error">{e}</p> })}
                <p class="explain" id="increment-explain">"Added to each cell of the trials chosen above (0.5 by convention), from 0.001 to 1."</p>
            </div>
            <ChoiceSelect label="Conventions" testid="convention" entries={entries::<Convention>()}
                current=Signal::derive(move || s().convention.value())
                set={Callback::new(move |v: String| if let Some(c) = parse::<Convention>(&v) { edit(&|o| o.options.settings.convention = c) })}/>
            <div class="setting">
                <button type="button" data-testid="revman5" on:click=move |_| edit(&|o| o.apply_revman5())>"RevMan 5 compatible"</button>
                <p class="explain">"Mantel-Haenszel, random effects by DerSimonian-Laird, Wald intervals, 0.5 added to studies with a zero cell, RevMan 5's conventions, no prediction interval: the numbers RevMan 5 prints."</p>
            </div>
        </div>
        <h3>"Labels"</h3>
        <div class="labels-grid">
            {text_field("Experimental arm", "arm-experimental", |o| o.arms[0].clone(), |o, v| o.arms[0] = v)}
            {text_field("Control arm", "arm-control", |o| o.arms[1].clone(), |o, v| o.arms[1] = v)}
            {text_field("Left of no effect", "favours-left", |o| o.favours[0].clone(), |o, v| o.favours[0] = v)}
            {text_field("Right of no effect", "favours-right", |o| o.favours[1].clone(), |o, v| o.favours[1] = v)}
        </div>
    }
}
