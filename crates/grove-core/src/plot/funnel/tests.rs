use super::*;
use crate::parse;
use crate::report::ReportOptions;
use proptest::prelude::*;

const BCG: &str = include_str!("../../../../../src/examples/bcg.tsv");
const CATHETERS: &str = include_str!("../../../../../src/examples/catheters.tsv");

fn report(text: &str, measure: Measure) -> Report {
    let mut options = ReportOptions::default();
    options.settings.measure = measure;
    Report::new(&parse::parse(text).raw_rows(), &options)
}

fn circles(layout: &FunnelLayout) -> Vec<(f64, f64, bool)> {
    layout
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Circle { cx, cy, filled, .. } => Some((*cx, *cy, *filled)),
            _ => None,
        })
        .collect()
}

/// Each trial sits at its effect on the forest plot's axis and at its standard error,
/// which grows downwards; the pooled line is at the pooled estimate.
#[test]
fn trials_sit_at_their_effect_and_standard_error() {
    for measure in [
        Measure::RiskRatio,
        Measure::OddsRatio,
        Measure::RiskDifference,
    ] {
        let r = report(BCG, measure);
        let spec = FunnelSpec::new(&r, false);
        assert_eq!(spec.points.len(), 13);
        let o = FunnelOptions::default();
        let l = layout(&spec, &o);
        let dots = circles(&l);
        assert_eq!(dots.len(), 13);
        let top = dots.iter().map(|d| d.1).fold(f64::INFINITY, f64::min);
        for (p, &(cx, cy, filled)) in spec.points.iter().zip(&dots) {
            assert!(filled, "observed trials are filled");
            assert!((cx - l.axis.clamped(natural(measure, p.effect))).abs() < 1e-9);
            assert!(cy >= top && cy <= top + o.height + 1e-9 || p.se <= l.max_se);
        }
        // Larger standard errors lie lower.
        let mut by_se: Vec<(f64, f64)> = spec
            .points
            .iter()
            .zip(&dots)
            .map(|(p, d)| (p.se, d.1))
            .collect();
        by_se.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            by_se.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-9),
            "{by_se:?}"
        );
        assert!(l.max_se >= spec.points.iter().map(|p| p.se).fold(0.0, f64::max));
        let svg = l.to_svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(svg.contains("p &lt; 0.01"));
    }
}

/// The contour of p = 0.05 meets the largest standard error at no effect ± 1.96 SE (held
/// to the axis ends), and the pseudo limits do so around the pooled estimate.
#[test]
fn contours_and_pseudo_limits_follow_their_formulas() {
    let r = report(BCG, Measure::RiskRatio);
    let spec = FunnelSpec::new(&r, false);
    let l = layout(&spec, &FunnelOptions::default());
    let polygons: Vec<&Vec<(f64, f64)>> = l
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Polygon { points, ink } if *ink != Ink::Shade(0) => Some(points),
            _ => None,
        })
        .collect();
    let z = normal_quantile(0.975);
    let bottom = polygons[0].iter().map(|p| p.1).fold(0.0, f64::max);
    let want = [
        l.axis.clamped((-z * l.max_se).exp()),
        l.axis.clamped((z * l.max_se).exp()),
    ];
    // The second region drawn is p > 0.05.
    let at_bottom: Vec<f64> = polygons[1]
        .iter()
        .filter(|p| (p.1 - bottom).abs() < 1e-9)
        .map(|p| p.0)
        .collect();
    for x in want {
        assert!(
            at_bottom.iter().any(|b| (b - x).abs() < 1e-9),
            "{x} in {at_bottom:?}"
        );
    }
    // The pseudo limits: dashed lines from the pooled estimate at SE 0.
    let (mu, _) = spec.pooled.expect("pooled");
    let dashed: Vec<&Vec<(f64, f64)>> = l
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Polyline {
                points,
                dashed: true,
                ink: Ink::Pooled,
                ..
            } => Some(points),
            _ => None,
        })
        .collect();
    assert_eq!(dashed.len(), 2);
    let apex = l.axis.clamped(mu.exp());
    assert!(dashed.iter().any(|d| (d[0].0 - apex).abs() < 1e-9));
    assert!(
        dashed
            .iter()
            .any(|d| (d.last().expect("end").0 - apex).abs() < 1e-9)
    );
}

/// Trim-and-fill's trials are open circles mirroring observed ones, as many as it
/// estimates missing, and its adjusted estimate is drawn.
#[test]
fn trim_and_fill_adds_open_circles() {
    for text in [BCG, CATHETERS] {
        let r = report(text, Measure::OddsRatio);
        let spec = FunnelSpec::new(&r, true);
        let observed = spec.points.iter().filter(|p| !p.filled).count();
        let crate::analysis::Estimable { yi, vi, .. } = r.analysis.estimable();
        let tf = trim_fill_of(&r, &yi, &vi).expect("trim-and-fill");
        let filled: Vec<&FunnelPoint> = spec.points.iter().filter(|p| p.filled).collect();
        assert_eq!(filled.len(), tf.k0);
        assert_eq!(spec.adjusted, Some(tf.fit.pooled.estimate));
        let l = layout(&spec, &FunnelOptions::default());
        let open = circles(&l).iter().filter(|c| !c.2).count();
        assert_eq!(open, tf.k0);
        assert_eq!(observed + tf.k0, spec.points.len());
        for p in filled {
            assert!(p.label.starts_with("Filled (mirrors "), "{}", p.label);
        }
        // Without asking, none.
        assert!(FunnelSpec::new(&r, false).points.iter().all(|p| !p.filled));
    }
}

/// The tests beside the plot are those of the bias module on the same trials; Peters'
/// and Harbord's say where they are not defined.
#[test]
fn the_tests_are_the_trials_own() {
    let r = report(BCG, Measure::RiskRatio);
    let t = crate::bias::SmallStudyEffects::new(&r);
    let crate::analysis::Estimable { yi, vi, .. } = r.analysis.estimable();
    assert_eq!(t.k, 13);
    assert!(!t.too_few());
    assert_eq!(
        t.egger,
        crate::bias::egger(&yi, &vi).map_err(|e| e.to_string())
    );
    assert_eq!(
        t.begg,
        crate::bias::begg(&yi, &vi).map_err(|e| e.to_string())
    );
    assert!(t.peters.is_ok());
    assert!(t.harbord.is_err(), "the odds ratio only");
    let rd = crate::bias::SmallStudyEffects::new(&report(BCG, Measure::RiskDifference));
    assert!(rd.peters.is_err() && rd.harbord.is_err());
    let few = report(
        "A\t4\t123\t11\t139\nB\t6\t306\t29\t303\nC\t3\t231\t11\t220\n",
        Measure::OddsRatio,
    );
    let few = crate::bias::SmallStudyEffects::new(&few);
    assert!(few.too_few());
}

/// No trial, one trial: a plot without a funnel, and no panic.
#[test]
fn few_trials_still_draw() {
    for text in ["", "A\t4\t123\t11\t139\n", "A\t0\t10\t0\t10\n"] {
        let r = report(text, Measure::RiskRatio);
        let svg = layout(&FunnelSpec::new(&r, true), &FunnelOptions::default()).to_svg();
        assert!(svg.ends_with("</svg>") && !svg.contains("NaN"), "{svg}");
    }
}

proptest! {
    /// Any trials: every circle inside the plot, no NaN in the file.
    #[test]
    fn every_trial_is_drawn_inside(
        cells in proptest::collection::vec((0u64..60, 1u64..80, 0u64..60, 1u64..80), 1..25),
        measure in prop::sample::select(vec![Measure::RiskRatio, Measure::OddsRatio, Measure::RiskDifference]),
        filled in any::<bool>(),
    ) {
        let text: String = cells
            .iter()
            .enumerate()
            .map(|(i, &(a, n1, c, n2))| format!("S{i}\t{}\t{}\t{}\t{}\n", a.min(n1), n1, c.min(n2), n2))
            .collect();
        let r = report(&text, measure);
        let l = layout(&FunnelSpec::new(&r, filled), &FunnelOptions::default());
        for (cx, cy, _) in circles(&l) {
            prop_assert!(cx.is_finite() && cy.is_finite());
            prop_assert!(cx >= 0.0 && cx <= l.width && cy >= 0.0 && cy <= l.height, "{cx} {cy}");
        }
        let svg = l.to_svg();
        prop_assert!(!svg.contains("NaN"));
    }
}
