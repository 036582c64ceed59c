//! One call that runs everything the settings ask for: per-study effect sizes, the
//! common-effect and random-effects fits, and subgroup analyses.
//!
//! - Inverse variance: common = [`rma::fit`] with [`Model::Common`], random =
//!   [`rma::fit`] with [`Model::Random`], both on the per-study `yi`/`vi` of
//!   [`effect::effect_sizes`].
//! - Mantel-Haenszel / Peto: common = [`mantel_haenszel`] / [`peto`]; random =
//!   inverse-variance random effects on the same per-study `yi`/`vi` that enter their Q
//!   (metafor's `rma.mh`/`rma.peto` estimates with double zeros dropped). This is the
//!   choice metafor users make (`rma(yi, vi)` after `rma.mh`).
//! - RevMan 5 ([`Convention::RevMan5`]) with DerSimonian-Laird: the random-effects
//!   model after Mantel-Haenszel or Peto takes tau² from the heterogeneity statistic of
//!   that method (Q about the MH or Peto estimate, reported as "Chi²"):
//!   `tau2 = max(0, (Q - df) / (Σ wi - Σ wi²/Σ wi))`, `wi = 1/vi`, then pools
//!   `yi` with weights `1/(vi + tau2)`; its heterogeneity is that same Q ("Statistical
//!   methods in RevMan 5", Deeks & Higgins 2010; every random-effects MH outcome of
//!   `tests/revman/`, e.g. `CD013656StatsDataOnly.rm5`). With another estimator the
//!   inverse-variance fit above is used, since RevMan offers none.
//!
//! The Hartung-Knapp method is defined for random-effects models (metafor warns
//! otherwise), so the common-effect model always uses the Wald interval.

use serde::Serialize;

use crate::effect::{self, EffectSize, NotEstimable};
use crate::mh::{self, mantel_haenszel};
use crate::peto::{self, peto_with};
use crate::rma::{self, Fit, Model, Undefined};
use crate::settings::{
    CiMethod, Convention, Measure, Method, Settings, Tau2Estimator, ZeroCellCorrection,
};
use crate::subgroup::{self, Subgroups};
use crate::table::{Study, Table};

/// One study's row in the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyResult {
    /// Position of the study in the input.
    pub index: usize,
    /// Its effect size, or why it has none (Peto's log odds ratio for [`Method::Peto`]).
    pub effect: Result<EffectSize, NotEstimable>,
    /// Weight in the common-effect model, percent (`None` when not in the fit).
    pub weight_common: Option<f64>,
    /// Weight in the random-effects model, percent (`None` when not in the fit).
    pub weight_random: Option<f64>,
}

/// Everything computed for one set of studies and settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The settings used.
    pub settings: Settings,
    /// One row per input study, in input order.
    pub studies: Vec<StudyResult>,
    /// The common-effect fit.
    pub common: Result<Fit, Undefined>,
    /// The random-effects fit.
    pub random: Result<Fit, Undefined>,
    /// Subgroup analyses, when any study has a subgroup label.
    pub subgroups: Option<Subgroups>,
}

/// The studies with an estimate: their positions among the analysed studies, their
/// `yi` and their `vi` (what the diagnostic analyses take).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Estimable {
    /// Position of each in [`Analysis::studies`].
    pub index: Vec<usize>,
    /// Effects on the analysis scale.
    pub yi: Vec<f64>,
    /// Their sampling variances.
    pub vi: Vec<f64>,
}

impl Analysis {
    /// The studies with an estimate, in order.
    pub fn estimable(&self) -> Estimable {
        let mut e = Estimable::default();
        for (i, s) in self.studies.iter().enumerate() {
            if let Ok(effect) = &s.effect {
                e.index.push(i);
                e.yi.push(effect.yi);
                e.vi.push(effect.vi);
            }
        }
        e
    }

    /// The fit of the given model.
    pub fn fit(&self, model: Model) -> &Result<Fit, Undefined> {
        match model {
            Model::Common => &self.common,
            Model::Random => &self.random,
        }
    }
}

/// Runs the whole analysis.
///
/// ```
/// use grove_core::analysis::analyze;
/// use grove_core::{Settings, Study, Table};
/// let s = |e1, n1, e2, n2| Study { name: String::new(), year: None, subgroup: None,
///                                  table: Table::new(e1, n1, e2, n2).unwrap() };
/// let a = analyze(&[s(4, 123, 11, 139), s(6, 306, 29, 303)], &Settings::default());
/// assert!(a.common.is_ok() && a.random.is_ok());
/// ```
pub fn analyze(studies: &[Study], settings: &Settings) -> Analysis {
    let tables: Vec<Table> = studies.iter().map(|s| s.table).collect();
    let Pooling {
        effects,
        common,
        random,
    } = pool(&tables, settings);
    let common_w = weights_per_study(&common, &effects, settings.method);
    let random_w = weights_per_study(&random, &effects, Method::InverseVariance);
    let rows = effects
        .into_iter()
        .enumerate()
        .map(|(index, effect)| StudyResult {
            index,
            effect,
            weight_common: common_w.get(index).copied().flatten(),
            weight_random: random_w.get(index).copied().flatten(),
        })
        .collect();
    let subgroups = if studies.iter().any(|s| s.subgroup.is_some()) {
        Some(subgroup::subgroups(studies, settings))
    } else {
        None
    };
    Analysis {
        settings: *settings,
        studies: rows,
        common,
        random,
        subgroups,
    }
}

/// Per-study effects and the two fits for one set of tables.
pub(crate) struct Pooling {
    /// Per-study effects, in input order.
    pub(crate) effects: Vec<Result<EffectSize, NotEstimable>>,
    /// The common-effect fit.
    pub(crate) common: Result<Fit, Undefined>,
    /// The random-effects fit.
    pub(crate) random: Result<Fit, Undefined>,
}

/// Whether `to="if0all"` adds the correction over `tables`: some table has a zero cell,
/// double zeros counting where the method's trial estimates keep them
/// ([`effect::any_zero_in_set`]).
pub(crate) fn if0all_applies(tables: &[Table], settings: &Settings) -> bool {
    let policy = match settings.method {
        Method::InverseVariance => effect::DoubleZeroPolicy::for_measure(settings.measure),
        Method::MantelHaenszel => mh::double_zero_policy(settings.measure, settings.convention),
        Method::Peto => effect::DoubleZeroPolicy::Drop,
    };
    effect::any_zero_in_set(tables, policy)
}

/// Per-study effects and the two fits for a set of tables (no subgroups).
pub(crate) fn pool(tables: &[Table], settings: &Settings) -> Pooling {
    let measure = settings.measure;
    let (effects, common) = match settings.method {
        Method::InverseVariance => {
            let effects = effect::effect_sizes_for(tables, settings);
            let (yi, vi) = split(&effects);
            let common = rma::fit(&yi, &vi, Model::Common, settings.tau2, CiMethod::Wald);
            (effects, common)
        }
        Method::MantelHaenszel => {
            let effects = mh::study_effects(tables, measure, settings);
            (effects, mantel_haenszel(tables, measure, settings))
        }
        Method::Peto => {
            if measure != Measure::OddsRatio {
                let effects = effect::effect_sizes(tables, measure, settings.correction);
                let why = Undefined::MeasureNotSupported(
                    "Peto's method estimates the odds ratio only".into(),
                );
                return Pooling {
                    effects,
                    common: Err(why.clone()),
                    random: Err(why),
                };
            }
            let correction = peto_correction(settings);
            (
                peto::study_effects(tables, correction),
                peto_with(tables, correction),
            )
        }
    };
    let (yi, vi) = split(&effects);
    let revman_dl = settings.convention == Convention::RevMan5
        && settings.tau2 == Tau2Estimator::DerSimonianLaird
        && settings.method != Method::InverseVariance;
    let random = match &common {
        Ok(c) if revman_dl => random_from_q(&yi, &vi, &c.heterogeneity, settings.ci),
        _ => rma::fit(&yi, &vi, Model::Random, settings.tau2, settings.ci),
    };
    Pooling {
        effects,
        common,
        random,
    }
}

/// The zero-cell correction of the trials' own Peto estimates: the one chosen with
/// metafor's conventions; none with RevMan 5's, which computes them from the raw counts
/// (they need no correction; `CD009865StatsDataOnly.rm5`).
pub(crate) fn peto_correction(settings: &Settings) -> ZeroCellCorrection {
    match settings.convention {
        Convention::Metafor => settings.correction,
        Convention::RevMan5 => ZeroCellCorrection {
            scope: crate::settings::CorrectionScope::None,
            ..settings.correction
        },
    }
}

/// RevMan 5's random-effects model after Mantel-Haenszel or Peto pooling (see the module
/// documentation): DerSimonian-Laird's tau² from the method's own Q.
fn random_from_q(
    yi: &[f64],
    vi: &[f64],
    common: &rma::Heterogeneity,
    ci: CiMethod,
) -> Result<Fit, Undefined> {
    let wi: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
    let df = common.df as f64;
    // tau2 <- max(0, (QE - (k-1)) / (sum(wi) - sum(wi^2)/sum(wi)))
    let tau2 = if yi.len() > 1 {
        ((common.q - df) / rma::trace_p(&wi)).max(0.0)
    } else {
        0.0
    };
    let mut fit = rma::fit_with_tau2(yi, vi, tau2, ci)?;
    // The heterogeneity reported is the method's own: its Q, df and P; I² and H² follow
    // from tau² as for any random-effects fit, which for this tau² is
    // I² = (Q - df)/Q and H² = Q/df.
    fit.heterogeneity.q = common.q;
    fit.heterogeneity.q_p = common.q_p;
    Ok(fit)
}

fn split(effects: &[Result<EffectSize, NotEstimable>]) -> (Vec<f64>, Vec<f64>) {
    effects
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .map(|e| (e.yi, e.vi))
        .unzip()
}

/// Maps a fit's weights back to input positions.
pub(crate) fn weights_per_study(
    fit: &Result<Fit, Undefined>,
    effects: &[Result<EffectSize, NotEstimable>],
    method: Method,
) -> Vec<Option<f64>> {
    let Ok(fit) = fit else {
        return vec![None; effects.len()];
    };
    match method {
        // Mantel-Haenszel and Peto weigh every table.
        Method::MantelHaenszel | Method::Peto => fit.weights.iter().map(|w| Some(*w)).collect(),
        Method::InverseVariance => {
            let mut it = fit.weights.iter();
            effects
                .iter()
                .map(|e| if e.is_ok() { it.next().copied() } else { None })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(e1: u64, n1: u64, e2: u64, n2: u64) -> Study {
        Study {
            name: String::new(),
            year: None,
            subgroup: None,
            table: Table::new(e1, n1, e2, n2).expect("valid table"),
        }
    }

    #[test]
    fn peto_refuses_other_measures() {
        let s = Settings {
            method: Method::Peto,
            ..Settings::default()
        };
        let a = analyze(&[study(3, 10, 5, 10), study(2, 12, 6, 11)], &s);
        assert!(matches!(a.common, Err(Undefined::MeasureNotSupported(_))));
        assert!(matches!(a.random, Err(Undefined::MeasureNotSupported(_))));
    }

    #[test]
    fn excluded_studies_have_no_inverse_variance_weight_but_a_zero_mh_weight() {
        let studies = [
            study(0, 10, 0, 12),
            study(3, 10, 5, 10),
            study(2, 12, 6, 11),
        ];
        let iv = analyze(&studies, &Settings::default());
        assert_eq!(iv.studies[0].effect, Err(NotEstimable::DoubleZero));
        assert_eq!(iv.studies[0].weight_common, None);
        assert_eq!(iv.studies[0].weight_random, None);
        let s = Settings {
            method: Method::MantelHaenszel,
            ..Settings::default()
        };
        let mh = analyze(&studies, &s);
        assert_eq!(mh.studies[0].weight_common, Some(0.0));
        assert_eq!(mh.studies[0].weight_random, None);
    }

    #[test]
    fn revman_correction_changes_nothing_without_zero_cells() {
        let studies = [study(3, 10, 5, 10), study(2, 12, 6, 11)];
        let raw = Settings {
            method: Method::MantelHaenszel,
            ..Settings::default()
        };
        let revman = Settings {
            convention: Convention::RevMan5,
            ..raw
        };
        assert_eq!(
            analyze(&studies, &raw).common,
            analyze(&studies, &revman).common
        );
        let zero = [study(0, 10, 5, 10), study(2, 12, 6, 11)];
        assert_ne!(analyze(&zero, &raw).common, analyze(&zero, &revman).common);
    }
}
