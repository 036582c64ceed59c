//! Explanations (`grove_core::explain`) hold for any data and settings: every substituted
//! formula evaluates to the value it explains, the values of the pooled results are the
//! analysis's own, and nothing panics.

use grove_core::explain::explain;
use grove_core::parse::RawRow;
use grove_core::report::{Report, ReportOptions};
use grove_core::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};
use proptest::prelude::*;

fn row() -> impl Strategy<Value = RawRow> {
    (1u64..400, 1u64..400).prop_flat_map(|(n1, n2)| {
        (0..=n1, 0..=n2, 0u8..3).prop_map(move |(e1, e2, g)| RawRow {
            study: format!("S{e1}-{e2}"),
            year: String::new(),
            e1: e1.to_string(),
            n1: n1.to_string(),
            e2: e2.to_string(),
            n2: n2.to_string(),
            subgroup: ["", "a", "b"][usize::from(g)].to_owned(),
            excluded: false,
        })
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop_oneof![
            Just(Measure::RiskRatio),
            Just(Measure::OddsRatio),
            Just(Measure::RiskDifference)
        ],
        prop::sample::select(Method::ALL.to_vec()),
        prop::sample::select(Tau2Estimator::ALL.to_vec()),
        prop::sample::select(CiMethod::ALL.to_vec()),
        prop::sample::select(CorrectionScope::ALL.to_vec()),
        prop_oneof![Just(0.5), Just(0.01), Just(1.0)],
        prop::sample::select(Convention::ALL.to_vec()),
    )
        .prop_map(
            |(measure, method, tau2, ci, scope, increment, convention)| Settings {
                measure: if method == Method::Peto {
                    Measure::OddsRatio
                } else {
                    measure
                },
                method,
                tau2,
                ci,
                correction: ZeroCellCorrection { increment, scope },
                convention,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_substituted_formula_gives_its_value(rows in prop::collection::vec(row(), 1..16), settings in settings()) {
        let report = Report::new(&rows, &ReportOptions { settings, ..ReportOptions::default() });
        let (derivations, _) = explain(&report);
        for d in &derivations {
            let v = d.substituted.eval();
            prop_assert!(v.is_some(), "{}: symbols left in {}", d.key, d.substituted.to_text());
            let v = v.unwrap_or(f64::NAN);
            let fine = (v - d.value).abs() <= 1e-8 * (1.0 + d.value.abs())
                || (v.is_nan() && d.value.is_nan())
                || (v.is_infinite() && v == d.value);
            prop_assert!(fine, "{:?}: {} = {} evaluates to {v}", settings, d.key, d.value);
            prop_assert!(!d.to_owned().formula.to_mathml().is_empty());
        }
        let a = &report.analysis;
        if let (Ok(common), Some(d)) = (&a.common, derivations.iter().find(|d| d.key == "common estimate")) {
            prop_assert!((d.value - common.pooled.estimate).abs() <= 1e-12 * (1.0 + common.pooled.estimate.abs()));
        }
        if let Ok(random) = &a.random {
            if let Some(d) = derivations.iter().find(|d| d.key == "tau2") {
                prop_assert!((d.value - random.heterogeneity.tau2).abs() <= 1e-12 * (1.0 + random.heterogeneity.tau2));
            }
            if let Some(d) = derivations.iter().find(|d| d.key == "random estimate") {
                prop_assert!((d.value - random.pooled.estimate).abs() <= 1e-9 * (1.0 + random.pooled.estimate.abs()), "{:?}: {} against {}", settings, d.value, random.pooled.estimate);
            }
        }
    }
}
