//! Properties of the engine that hold for any valid data: symmetry under swapping
//! arms, invariance to study order, weights that sum to 100, intervals that contain
//! their estimates, non-negative tau², and no panic whatever the tables and settings.

use grove_core::analysis::analyze;
use grove_core::rma::{Model, fit};
use grove_core::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Study, Table, Tau2Estimator,
    ZeroCellCorrection,
};
use proptest::prelude::*;

/// Relative agreement expected from the same arithmetic in another order.
const REORDER_RELATIVE: f64 = 1e-9;
/// Relative agreement after reordering for iterative estimators, whose stopping point
/// may move by rounding (well inside the 1e-5 reference tolerance).
const REORDER_ITERATIVE_RELATIVE: f64 = 1e-6;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

fn table() -> impl Strategy<Value = Table> {
    (1u64..300, 1u64..300).prop_flat_map(|(n1, n2)| {
        (0..=n1, 0..=n2).prop_map(move |(e1, e2)| {
            Table::new(e1, n1, e2, n2).expect("events never exceed totals")
        })
    })
}

fn tables(max: usize) -> impl Strategy<Value = Vec<Table>> {
    prop::collection::vec(table(), 1..max)
}

fn measure() -> impl Strategy<Value = Measure> {
    prop_oneof![
        Just(Measure::RiskRatio),
        Just(Measure::OddsRatio),
        Just(Measure::RiskDifference)
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        measure(),
        prop_oneof![
            Just(Method::InverseVariance),
            Just(Method::MantelHaenszel),
            Just(Method::Peto)
        ],
        prop::sample::select(Tau2Estimator::ALL.to_vec()),
        prop_oneof![Just(CiMethod::Wald), Just(CiMethod::HartungKnapp)],
        prop_oneof![
            Just(CorrectionScope::StudiesWithZero),
            Just(CorrectionScope::AllStudies),
            Just(CorrectionScope::None),
            Just(CorrectionScope::IfAnyStudyHasZero)
        ],
        prop_oneof![Just(0.5), Just(0.0), Just(0.01)],
        prop_oneof![Just(Convention::Metafor), Just(Convention::RevMan5)],
    )
        .prop_map(
            |(measure, method, tau2, ci, scope, increment, convention)| Settings {
                measure,
                method,
                tau2,
                ci,
                correction: ZeroCellCorrection { increment, scope },
                convention,
            },
        )
}

fn studies(tables: &[Table]) -> Vec<Study> {
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| Study {
            name: format!("S{i}"),
            year: None,
            subgroup: (i % 3 == 0).then(|| "a".to_string()),
            table: *t,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn swapping_arms_negates_the_common_effect(ts in tables(12), m in measure()) {
        let s = Settings { measure: m, ..Settings::default() };
        let swapped: Vec<Table> = ts.iter().map(Table::swapped).collect();
        let a = analyze(&studies(&ts), &s);
        let b = analyze(&studies(&swapped), &s);
        match (&a.common, &b.common) {
            (Ok(x), Ok(y)) => {
                prop_assert!(close(x.pooled.estimate, -y.pooled.estimate, REORDER_RELATIVE));
                prop_assert!(close(x.pooled.se, y.pooled.se, REORDER_RELATIVE));
                prop_assert!(close(x.heterogeneity.q, y.heterogeneity.q, REORDER_RELATIVE));
            }
            (Err(x), Err(y)) => prop_assert_eq!(x, y),
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
        }
    }

    #[test]
    fn study_order_does_not_change_pooled_results(ts in tables(12), s in settings()) {
        let mut reversed = ts.clone();
        reversed.reverse();
        let a = analyze(&studies(&ts), &s);
        let b = analyze(&studies(&reversed), &s);
        let iterative = matches!(
            s.tau2,
            Tau2Estimator::RestrictedMaximumLikelihood
                | Tau2Estimator::MaximumLikelihood
                | Tau2Estimator::PauleMandel
                | Tau2Estimator::EmpiricalBayes
        );
        for model in [Model::Common, Model::Random] {
            let rel = if iterative && model == Model::Random {
                REORDER_ITERATIVE_RELATIVE
            } else {
                REORDER_RELATIVE
            };
            match (a.fit(model), b.fit(model)) {
                (Ok(x), Ok(y)) => {
                    prop_assert!(close(x.pooled.estimate, y.pooled.estimate, rel),
                        "{model:?} {} vs {}", x.pooled.estimate, y.pooled.estimate);
                    prop_assert!(close(x.pooled.se, y.pooled.se, rel));
                    prop_assert!(close(x.heterogeneity.tau2, y.heterogeneity.tau2, rel));
                    prop_assert!(close(x.heterogeneity.q, y.heterogeneity.q, REORDER_RELATIVE));
                }
                (Err(_), Err(_)) => {}
                (x, y) => prop_assert!(false, "{model:?}: {:?} vs {:?}", x, y),
            }
        }
    }

    #[test]
    fn fits_are_coherent(ts in tables(15), s in settings()) {
        let a = analyze(&studies(&ts), &s);
        for model in [Model::Common, Model::Random] {
            let Ok(f) = a.fit(model) else { continue };
            let total: f64 = f.weights.iter().sum();
            prop_assert!((total - 100.0).abs() < 1e-9, "weights sum to {total}");
            let est = f.pooled.estimate;
            prop_assert!(f.pooled.ci.contains(est), "{:?} does not contain {est}", f.pooled.ci);
            prop_assert!(f.heterogeneity.tau2 >= 0.0);
            prop_assert!(f.heterogeneity.q >= 0.0);
            prop_assert!((0.0..=100.0).contains(&f.heterogeneity.i2));
            prop_assert!((0.0..=1.0).contains(&f.pooled.p) || f.pooled.p.is_nan() && f.pooled.se == 0.0);
            if let Some(p) = &f.prediction {
                prop_assert!(p.normal.contains(est));
                if let Some(t) = p.t {
                    prop_assert!(t.contains(est));
                }
            }
            if let Some(ci) = f.heterogeneity.tau2_ci {
                prop_assert!(ci.lower >= 0.0 && ci.lower <= ci.upper);
            }
        }
        for row in &a.studies {
            if let Ok(e) = row.effect {
                prop_assert!(e.vi > 0.0 && e.yi.is_finite());
                prop_assert!(e.ci(0.95).contains(e.yi));
            }
        }
        if let Some(sg) = &a.subgroups {
            let members: usize = sg.groups.iter().map(|g| g.studies.len()).sum();
            prop_assert_eq!(members, ts.len());
        }
    }

    #[test]
    fn tau2_is_never_negative(
        yv in prop::collection::vec((-5.0f64..5.0, 1e-4f64..10.0), 2..20),
        est in prop::sample::select(Tau2Estimator::ALL.to_vec()),
    ) {
        let (yi, vi): (Vec<f64>, Vec<f64>) = yv.into_iter().unzip();
        if let Ok(f) = fit(&yi, &vi, Model::Random, est, CiMethod::Wald) {
            prop_assert!(f.heterogeneity.tau2 >= 0.0);
            prop_assert!(f.heterogeneity.se_tau2.is_some_and(|s| s >= 0.0));
        }
    }
}
