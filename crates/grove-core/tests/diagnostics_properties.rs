//! Invariants of the diagnostic analyses on arbitrary data: identities between them and
//! with the full fit, GOSH's enumeration against direct fits, and no panic on any input.

use std::ops::ControlFlow;

use grove_core::diagnostics::{
    BaseFit, DiagnosticsError, GoshSubset, Histogram, Predictor, RegtestModel, RegtestTest, baujat,
    cumulative_by_year, gosh, gosh_summary, gosh_visit, influence, radial, regtest,
};
use proptest::prelude::*;

/// Agreement of two computations of the same quantity: rounding only.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 * a.abs().max(b.abs()).max(1.0)
}

/// Plausible log effects and variances, 2 to 9 studies.
fn studies() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    proptest::collection::vec((-3.0f64..3.0, 0.005f64..2.0), 2..10)
        .prop_map(|d| d.into_iter().unzip())
}

proptest! {
    #[test]
    fn influence_identities((yi, vi) in studies()) {
        for base in BaseFit::ALL {
            let fit = base.fit(&yi, &vi).expect("valid input");
            let inf = influence(&yi, &vi, base).expect("k >= 2");
            let b = baujat(&yi, &vi, base).expect("k >= 2");
            prop_assert!(close(inf.hat.iter().sum::<f64>(), 1.0));
            prop_assert!(close(inf.weight_pct.iter().sum::<f64>(), 100.0));
            for i in 0..yi.len() {
                // Baujat's y is Cook's distance over the covariance ratio.
                prop_assert!(close(b.y[i], inf.cook_d[i] / inf.cov_r[i]));
                prop_assert!(inf.cov_r[i] > 0.0);
            }
            if base == BaseFit::Common {
                // Baujat's x are the contributions to Q.
                prop_assert!(close(b.x.iter().sum::<f64>(), fit.heterogeneity.q));
                prop_assert!(inf.tau2_del.iter().all(|&t| t == 0.0));
            }
            let r = radial(&yi, &vi, base).expect("valid input");
            let sxy: f64 = r.x.iter().zip(&r.y).map(|(x, y)| x * y).sum();
            let sxx: f64 = r.x.iter().map(|x| x * x).sum();
            prop_assert!(close(sxy / sxx, r.slope));
        }
    }

    #[test]
    fn gosh_subsets_are_direct_fits((yi, vi) in studies()) {
        let k = yi.len();
        for base in BaseFit::ALL {
            let g = gosh(&yi, &vi, base).expect("k <= 20");
            let n = (1u64 << k) - 1;
            prop_assert_eq!(g.summary.n_subsets, n);
            prop_assert_eq!(g.summary.estimate.n, n);
            let binned: u64 = g.summary.histogram.counts.iter().flatten().sum();
            prop_assert_eq!(binned, n);
            // The estimates' range is that of the studies, known before any fit.
            prop_assert_eq!(&Histogram::for_studies(&yi), &Histogram {
                counts: vec![vec![0; 50]; 50],
                ..g.summary.histogram.clone()
            });
            // The full set is the full fit; single studies are their own estimates.
            let fit = base.fit(&yi, &vi).expect("valid input");
            let all = (n - 1) as usize;
            prop_assert!(close(g.estimate[all], fit.pooled.estimate));
            prop_assert!(close(g.q[all], fit.heterogeneity.q));
            prop_assert!(close(g.tau2.as_ref().map_or(0.0, |t| t[all]), fit.heterogeneity.tau2));
            for (b, &y) in yi.iter().enumerate() {
                prop_assert_eq!(g.estimate[(1usize << b) - 1], y);
            }
            // Every subset against a direct fit of its studies.
            for mask in 1..=n {
                let (ys, vs): (Vec<f64>, Vec<f64>) = (0..k)
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| (yi[b], vi[b]))
                    .unzip();
                let direct = base.fit(&ys, &vs).expect("valid subset");
                let i = (mask - 1) as usize;
                prop_assert!(close(g.estimate[i], direct.pooled.estimate), "mask {mask}");
                prop_assert!(close(g.q[i], direct.heterogeneity.q), "mask {mask}");
                // I² is the common-effect one in both fits.
                let ee = BaseFit::Common.fit(&ys, &vs).expect("valid subset");
                prop_assert!((g.i2[i] - ee.heterogeneity.i2).abs() < 1e-6, "mask {mask}");
            }
            // Streaming gives the same summary.
            let streamed = gosh_summary(&yi, &vi, base, |_| ControlFlow::Continue(()))
                .expect("valid input")
                .expect("not cancelled");
            prop_assert_eq!(&streamed.histogram, &g.summary.histogram);
            prop_assert!(close(streamed.estimate.mean, g.summary.estimate.mean));
            prop_assert!(close(streamed.q.sd, g.summary.q.sd));
            prop_assert_eq!(streamed.i2.max, g.summary.i2.max);
            prop_assert_eq!(streamed.estimate.percentiles, g.summary.estimate.percentiles);
            prop_assert_eq!(streamed.i2.percentiles, g.summary.i2.percentiles);
            prop_assert_eq!(streamed.q.percentiles, g.summary.q.percentiles);
        }
    }

    #[test]
    fn nothing_panics(
        data in proptest::collection::vec(
            (prop_oneof![-1e3f64..1e3, -1e300f64..1e300], 1e-300f64..1e300),
            0..7,
        ),
        sizes in proptest::collection::vec(0.0f64..1e7, 0..7),
    ) {
        let (yi, vi): (Vec<f64>, Vec<f64>) = data.into_iter().unzip();
        for base in BaseFit::ALL {
            let _ = influence(&yi, &vi, base);
            let _ = baujat(&yi, &vi, base);
            let _ = radial(&yi, &vi, base);
            let _ = gosh(&yi, &vi, base);
            let _ = cumulative_by_year(&yi, &vi, &vec![Some(2000); yi.len()], base);
            let _ = gosh_summary(&yi, &vi, base, |_| ControlFlow::Continue(()));
        }
        for test in RegtestTest::all() {
            let _ = regtest(&yi, &vi, &sizes, test);
        }
    }
}

#[test]
fn degenerate_inputs_are_typed_errors() {
    assert_eq!(
        influence(&[], &[], BaseFit::Common),
        Err(DiagnosticsError::NoStudies)
    );
    assert_eq!(
        influence(&[0.3], &[0.1], BaseFit::DerSimonianLaird),
        Err(DiagnosticsError::OneStudy)
    );
    assert_eq!(
        gosh(&[0.3], &[0.1], BaseFit::Common).map(|g| g.k),
        Err(DiagnosticsError::OneStudy)
    );
    assert_eq!(
        influence(&[0.3, 0.1], &[0.1, 0.0], BaseFit::Common),
        Err(DiagnosticsError::InvalidStudy { index: 1 })
    );
    assert_eq!(
        gosh(&[0.1; 21], &[0.1; 21], BaseFit::Common).map(|g| g.k),
        Err(DiagnosticsError::TooManyStudies { k: 21, max: 20 })
    );
    assert_eq!(
        cumulative_by_year(&[0.1, 0.2], &[0.1, 0.1], &[None, None], BaseFit::Common),
        Err(DiagnosticsError::NoYears)
    );
    let lm = RegtestTest {
        model: RegtestModel::Lm,
        predictor: Predictor::Sei,
    };
    // Equal variances: the predictor is constant.
    assert_eq!(
        regtest(&[0.1, 0.2, 0.4], &[0.1; 3], &[50.0; 3], lm),
        Err(DiagnosticsError::RankDeficient)
    );
    let dl = RegtestTest {
        model: RegtestModel::Rma(BaseFit::DerSimonianLaird),
        predictor: Predictor::Ninv,
    };
    assert_eq!(
        regtest(&[0.1, 0.2], &[0.1, 0.2], &[50.0, 80.0], dl),
        Err(DiagnosticsError::TooFewStudiesForTau2 { k: 2, p: 2 })
    );
    // Two studies and lm: the line exists, its standard errors do not.
    let r = regtest(&[0.1, 0.2], &[0.1, 0.2], &[50.0, 80.0], lm).expect("two points");
    assert_eq!(
        (r.df, r.stat, r.slope_se, r.sigma),
        (Some(0), None, None, None)
    );
}

#[test]
fn gosh_visits_stop_when_asked() {
    let yi = [0.1, 0.5, -0.2, 0.3, 0.0];
    let vi = [0.04, 0.04, 0.08, 0.02, 0.1];
    let mut seen: Vec<GoshSubset> = Vec::new();
    let outcome = gosh_visit(&yi, &vi, BaseFit::DerSimonianLaird, |s| {
        seen.push(*s);
        if seen.len() == 10 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(outcome, Ok(ControlFlow::Break(())));
    assert_eq!(seen.len(), 10);
    // Gray-code order: consecutive subsets differ by one study.
    assert!(
        seen.windows(2)
            .all(|w| (w[0].bitmask ^ w[1].bitmask).count_ones() == 1)
    );
    let mut calls = 0;
    let cancelled = gosh_summary(&yi, &vi, BaseFit::Common, |_| {
        calls += 1;
        ControlFlow::Break(())
    });
    assert_eq!(cancelled, Ok(None));
    assert_eq!(calls, 1);
}

/// 30 studies, the page's largest common-effect GOSH: a billion subsets streamed. Run
/// here at 22 studies (4 million subsets) to keep the suite fast; the time per subset
/// is what matters.
#[test]
fn gosh_streams_millions_of_subsets() {
    let k = 22;
    let yi: Vec<f64> = (0..k).map(|i| ((i * 7) % 11) as f64 / 10.0 - 0.5).collect();
    let vi: Vec<f64> = (0..k).map(|i| 0.02 + (i % 5) as f64 / 20.0).collect();
    let mut last = None;
    let summary = gosh_summary(&yi, &vi, BaseFit::Common, |p| {
        last = Some(p);
        ControlFlow::Continue(())
    })
    .expect("valid input")
    .expect("not cancelled");
    let n = (1u64 << k) - 1;
    assert_eq!(summary.n_subsets, n);
    let last = last.expect("progress reported");
    assert_eq!((last.done, last.subsets), (n, n));
    assert!(last.pass >= 2, "{last:?}");
    let p = summary.estimate.percentiles.expect("percentiles");
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    let fit = BaseFit::Common.fit(&yi, &vi).expect("valid input");
    assert!(summary.estimate.min <= fit.pooled.estimate);
    assert!(summary.estimate.max >= fit.pooled.estimate);
}
