//! Inputs reported to give impossible statistics, each kept as a regression test with its
//! reproducer: every result is a proper value or an explicit reason.

use grove_core::parse::parse;
use grove_core::report::{ModelView, Report, ReportOptions};
use grove_core::{CorrectionScope, Measure, Settings, Tau2Estimator, ZeroCellCorrection};

fn report(text: &str, settings: Settings) -> Report {
    let options = ReportOptions {
        settings,
        models: ModelView::Both,
        ..ReportOptions::default()
    };
    Report::new(&parse(text).raw_rows(), &options)
}

/// Every fit is either proper (I² in [0, 100], H² ≥ 0, and ≥ 1 for random effects, where
/// it is tau²/vt + 1; tau² ≥ 0; finite estimate and CI containing it; P in [0, 1]) or an
/// explicit reason; returns the number of proper fits.
fn proper_fits(r: &Report) -> usize {
    let mut n = 0;
    for f in [&r.analysis.common, &r.analysis.random]
        .into_iter()
        .flatten()
    {
        let h = &f.heterogeneity;
        assert!((0.0..=100.0).contains(&h.i2), "I² = {}", h.i2);
        let least = match f.model {
            grove_core::Model::Common => 0.0,
            grove_core::Model::Random => 1.0 - 1e-12,
        };
        assert!(h.h2 >= least, "H² = {}", h.h2);
        assert!(h.tau2 >= 0.0 && h.tau2.is_finite(), "tau² = {}", h.tau2);
        assert!(f.pooled.estimate.is_finite());
        assert!(f.pooled.ci.contains(f.pooled.estimate));
        assert!((0.0..=1.0).contains(&h.q_p));
        n += 1;
    }
    n
}

/// Trial weights differing by more than 2⁵³ made Σw − Σw²/Σw cancel: I² reached 133%
/// and H² −3 (RD, REML, no correction).
#[test]
fn weights_beyond_two_to_the_53_give_a_proper_i2() {
    let settings = Settings {
        measure: Measure::RiskDifference,
        tau2: Tau2Estimator::RestrictedMaximumLikelihood,
        correction: ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::None,
        },
        ..Settings::default()
    };
    let r = report(
        "A\t0\t4\t1\t683304105\nB\t1\t2\t853791482\t853791482\n",
        settings,
    );
    assert_eq!(proper_fits(&r), 2);
}

/// The same cancellation made DerSimonian-Laird "not finite" and REML "did not converge"
/// (RD, default settings).
#[test]
fn a_billion_to_one_weight_ratio_is_fitted_by_every_estimator() {
    for tau2 in Tau2Estimator::ALL {
        let settings = Settings {
            measure: Measure::RiskDifference,
            tau2,
            ..Settings::default()
        };
        let r = report("A\t0\t1000000000\t1\t1000000000\nB\t1\t2\t0\t2\n", settings);
        proper_fits(&r);
        if let Err(why) = &r.analysis.random {
            panic!("{tau2:?}: {why}");
        }
    }
}

/// A Peto log odds ratio above 709 became an infinite odds ratio, shown as "–" with no
/// reason.
#[test]
fn a_ratio_too_large_for_a_number_says_so() {
    let settings = Settings {
        measure: Measure::OddsRatio,
        method: grove_core::Method::Peto,
        ..Settings::default()
    };
    let r = report("A\t1\t1\t0\t1000000000\nB\t2\t10\t3\t10\n", settings);
    let why = r.study_effect(0).expect_err("no number");
    assert!(why.starts_with("Too large to show (log OR = "), "{why}");
    assert!(r.study_effect(1).is_ok());
    for model in [grove_core::Model::Common, grove_core::Model::Random] {
        match r.overall(model) {
            Ok(f) => assert!(f.pooled.estimate.exp().is_finite()),
            Err(e) => assert!(e.to_string().contains("too large to show"), "{e}"),
        }
    }
    let spec = r.forest();
    let svg =
        grove_core::forest::layout(&spec, &grove_core::forest::PlotOptions::default()).to_svg();
    assert!(svg.contains("Too large to show"), "the row says why");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

/// One subgroup per row was quadratic (100,000 rows took 11.7 s per analysis): the
/// subgroups are now grouped by hashing. The result is checked, not the time.
#[test]
fn one_subgroup_per_study_is_analysed() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "S{i}\t{}\t50\t{}\t50\t\tGroup {i}\n",
            1 + i % 7,
            2 + i % 5
        ));
    }
    let r = report(&text, Settings::default());
    let groups = r.analysis.subgroups.as_ref().expect("subgroups");
    assert_eq!(groups.groups.len(), 20_000);
    let test = groups
        .test_common
        .as_ref()
        .expect("a test across subgroups");
    assert_eq!(test.df, 19_999);
}

/// Found by `scripts/fuzz`: I² rounded one step above 100 (100.00000000000001) when Q or
/// tau² dwarfed the rest, in the common-effect fit, the random-effects fit and the test
/// for subgroup differences.
#[test]
fn i2_never_rounds_above_100() {
    let peto = Settings {
        measure: Measure::OddsRatio,
        method: grove_core::Method::Peto,
        ..Settings::default()
    };
    for (text, settings) in [
        (
            "A\t0\t1\t9007199254740992\t9007199254740992\nB\t1\t1\t2\t9007199254740992\n",
            peto,
        ),
        (
            "A\t0\t1\t2\t2\nB\t9007199254740992\t9007199254740992\t0\t2\n",
            Settings {
                tau2: Tau2Estimator::DerSimonianLaird,
                ..peto
            },
        ),
    ] {
        proper_fits(&report(text, settings));
    }
    let rd_mh = Settings {
        measure: Measure::RiskDifference,
        method: grove_core::Method::MantelHaenszel,
        ..Settings::default()
    };
    let r = report(";0;491;4;4\r;4;4;0;1868;2", rd_mh);
    proper_fits(&r);
    if let Some(Ok(t)) = r.analysis.subgroups.as_ref().map(|s| &s.test_common) {
        assert!((0.0..=100.0).contains(&t.i2), "I² = {}", t.i2);
    }
}

/// Found by `scripts/fuzz`: tables written by `to_tsv` whose cells were mostly empty or
/// held spaces, commas or semicolons were read back with another delimiter.
#[test]
fn to_tsv_reads_back_whatever_the_cells_hold() {
    use grove_core::parse::{RawRow, to_tsv};
    let row = |study: &str, n1: &str, n2: &str| RawRow {
        study: study.into(),
        n1: n1.into(),
        n2: n2.into(),
        ..RawRow::default()
    };
    for rows in [
        vec![row("A B", "", ""), row("C", "", "")],
        vec![row("1", "8", ""), row("f", "", ""), row("e", "", "")],
        vec![row("2", "", ""), row("5  8", "", "")],
        vec![row(",", "", ""), row(",+", "", "")],
        vec![row(";", "", ""), row(";x", "", "")],
        vec![row("r", "", ""), row("", "", "9"), row("\n", "", "0")],
    ] {
        assert_eq!(parse(&to_tsv(&rows)).raw_rows(), rows);
    }
}
