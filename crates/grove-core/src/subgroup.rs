//! Subgroup analysis: each subgroup pooled on its own (its own tau²), then the test for
//! subgroup differences.
//!
//! # Test for subgroup differences (Borenstein et al. 2009, ch. 19; Cochrane Handbook
//! §10.11.3.1; metafor `rma(estimates, sei=se, method="FE")`)
//! `Q = Σ_g (θ_g - θ̄)² / se_g²` with `θ̄ = Σ θ_g/se_g² / Σ 1/se_g²`, over the subgroups
//! whose fit exists, `df = G - 1`, `p = P(χ²_df > Q)`, and
//! `I² = max(0, 100 (Q - df)/Q)` (RevMan 5's `I2_Q`); done separately for the
//! common-effect and the random-effects subgroup estimates. A subgroup of one study
//! takes part with that study's estimate, as in metafor and RevMan 5.
//!
//! # Zero cells
//! A trial's estimate in its subgroup is the one its row shows. With `to="if0all"` the
//! correction is added to every trial when any trial *of the analysis* has a zero cell,
//! not any trial of the subgroup: as metafor computes one `escalc()` of all the trials
//! and then fits each subgroup with `rma(yi, vi, subset = ...)`.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::{if0all_applies, pool, weights_per_study};
use crate::dist;
use crate::rma::{Fit, Undefined};
use crate::settings::{CorrectionScope, Method, Settings};
use crate::table::{Study, Table};

/// One subgroup's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupResult {
    /// The subgroup label (empty for studies without one).
    pub name: String,
    /// Input positions of its studies.
    pub studies: Vec<usize>,
    /// Its common-effect fit.
    pub common: Result<Fit, Undefined>,
    /// Its random-effects fit.
    pub random: Result<Fit, Undefined>,
    /// Each member's weight in the subgroup's common-effect fit, percent (aligned with
    /// `studies`; `None` when it is not in the fit).
    pub weights_common: Vec<Option<f64>>,
    /// Each member's weight in the subgroup's random-effects fit, percent.
    pub weights_random: Vec<Option<f64>>,
}

/// The test for subgroup differences.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SubgroupTest {
    /// Q between subgroups.
    pub q: f64,
    /// Degrees of freedom, number of subgroups with an estimate minus one.
    pub df: usize,
    /// `P(χ²_df > Q)`.
    pub p: f64,
    /// I² of the subgroup estimates, percent: the share of their spread beyond chance.
    pub i2: f64,
}

/// All subgroups and the tests across them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subgroups {
    /// Subgroups in order of first appearance.
    pub groups: Vec<SubgroupResult>,
    /// Test across the common-effect subgroup estimates.
    pub test_common: Result<SubgroupTest, Undefined>,
    /// Test across the random-effects subgroup estimates.
    pub test_random: Result<SubgroupTest, Undefined>,
}

/// Splits the studies by subgroup label (studies without one form a group with an empty
/// name), pools each group with `settings`, and tests for differences.
pub fn subgroups(studies: &[Study], settings: &Settings) -> Subgroups {
    let tables: Vec<Table> = studies.iter().map(|s| s.table).collect();
    let settings = &settings_of_the_whole(&tables, settings);
    // Grouped by hashing, so that one subgroup per study stays linear.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, s) in studies.iter().enumerate() {
        let name = s.subgroup.as_deref().unwrap_or_default();
        let g = *index.entry(name).or_insert_with(|| {
            names.push(name.to_owned());
            members.push(Vec::new());
            names.len() - 1
        });
        members[g].push(i);
    }
    let groups: Vec<SubgroupResult> = names
        .into_iter()
        .zip(members)
        .map(|(name, idx)| {
            let tables: Vec<Table> = idx.iter().map(|&i| studies[i].table).collect();
            let pooled = pool(&tables, settings);
            let weights_common =
                weights_per_study(&pooled.common, &pooled.effects, settings.method);
            let weights_random =
                weights_per_study(&pooled.random, &pooled.effects, Method::InverseVariance);
            SubgroupResult {
                name,
                studies: idx,
                common: pooled.common,
                random: pooled.random,
                weights_common,
                weights_random,
            }
        })
        .collect();
    let test_common = difference_test(groups.iter().map(|g| &g.common));
    let test_random = difference_test(groups.iter().map(|g| &g.random));
    Subgroups {
        groups,
        test_common,
        test_random,
    }
}

/// `settings` with `to="if0all"` decided over all the analysed `tables` (see the module
/// documentation): the correction for every trial when it applies, for none otherwise.
fn settings_of_the_whole(tables: &[Table], settings: &Settings) -> Settings {
    let mut s = *settings;
    if s.correction.scope == CorrectionScope::IfAnyStudyHasZero {
        s.correction.scope = if if0all_applies(tables, settings) {
            CorrectionScope::AllStudies
        } else {
            CorrectionScope::None
        };
    }
    s
}

/// Common-effect Q across subgroup estimates (see the module documentation).
///
/// # Errors
/// [`Undefined::TooFewSubgroups`] when fewer than two subgroups have an estimate with a
/// positive standard error.
pub fn difference_test<'a>(
    fits: impl Iterator<Item = &'a Result<Fit, Undefined>>,
) -> Result<SubgroupTest, Undefined> {
    let est: Vec<(f64, f64)> = fits
        .filter_map(|f| f.as_ref().ok())
        .map(|f| (f.pooled.estimate, f.pooled.se))
        .filter(|(e, se)| e.is_finite() && se.is_finite() && *se > 0.0)
        .collect();
    if est.len() < 2 {
        return Err(Undefined::TooFewSubgroups);
    }
    let w: Vec<f64> = est.iter().map(|(_, se)| 1.0 / (se * se)).collect();
    let sw: f64 = w.iter().sum();
    let mean = est.iter().zip(&w).map(|((e, _), w)| e * w).sum::<f64>() / sw;
    let q = est
        .iter()
        .zip(&w)
        .map(|((e, _), w)| w * (e - mean).powi(2))
        .sum::<f64>();
    let df = est.len() - 1;
    let i2 = if q > 0.0 {
        (100.0 * (1.0 - df as f64 / q)).max(0.0)
    } else {
        0.0
    };
    Ok(SubgroupTest {
        q,
        df,
        p: dist::chi2_sf(q, df as f64),
        i2,
    })
}
