//! Share links (`grove_core::share`): every outcome and setting survives the round trip,
//! links made by earlier versions still open, damaged or foreign fragments are refused
//! with a reason, and a link of 20 trials is short enough for a QR code.
//!
//! Compression is the caller's: here miniz_oxide's raw DEFLATE, as the page uses the
//! browser's `CompressionStream("deflate-raw")`.

use grove_core::parse::{self, RawRow};
use grove_core::report::{ModelView, ReportOptions, Totals};
use grove_core::settings::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};
use grove_core::share::{self, MAX_TEXT_BYTES, ShareError, Shared, SharedOutcome};
use proptest::prelude::*;

fn link(shared: &Shared) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec(shared.to_text().as_bytes(), 10);
    share::fragment(&compressed)
}

fn open(fragment: &str) -> Result<Shared, ShareError> {
    let compressed = share::compressed(fragment)?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_TEXT_BYTES)
        .map_err(|e| ShareError::Compression(format!("{:?}", e.status)))?;
    let text = String::from_utf8(text)
        .map_err(|_| ShareError::Compression("not UTF-8 text".to_owned()))?;
    Shared::from_text(&text)
}

fn bcg() -> SharedOutcome {
    SharedOutcome::new(
        "Tuberculosis".to_owned(),
        "Colditz et al. (1994), JAMA 271:698–702".to_owned(),
        parse::parse(include_str!("../../../src/examples/bcg.tsv")).raw_rows(),
        ReportOptions {
            arms: ["Vaccinated".to_owned(), "Not vaccinated".to_owned()],
            favours: ["Favours vaccine".to_owned(), "Favours control".to_owned()],
            ..ReportOptions::default()
        },
    )
}

/// `k` trials named as trials are ("Author 1987"), with four- and five-digit counts.
/// The fixed links below were made from it: changing it breaks them.
fn trials(k: usize) -> SharedOutcome {
    let names = [
        "Aronson",
        "Ferguson",
        "Rosenthal",
        "Hart",
        "Frimodt-Moller",
        "Stein",
        "Vandiviere",
        "TPT Madras",
        "Coetzee",
        "Rosenthal",
        "Comstock",
        "Comstock",
        "Comstock",
    ];
    let rows = (0..k)
        .map(|i| RawRow {
            study: format!("{} {}", names[i % names.len()], 1948 + (i * 7) % 50),
            year: (1948 + (i * 7) % 50).to_string(),
            e1: (3 + (i * 37) % 200).to_string(),
            n1: (120 + (i * 997) % 20000).to_string(),
            e2: (5 + (i * 53) % 300).to_string(),
            n2: (118 + (i * 1009) % 20000).to_string(),
            subgroup: String::new(),
            excluded: false,
        })
        .collect();
    SharedOutcome { rows, ..bcg() }
}

#[test]
fn an_outcome_survives_the_round_trip() {
    let shared = Shared {
        outcomes: vec![bcg()],
        active: 0,
        rob: Vec::new(),
    };
    let fragment = link(&shared);
    assert!(fragment.starts_with("grove1."));
    assert!(
        fragment[7..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "only characters a URL fragment keeps as they are"
    );
    assert_eq!(open(&fragment), Ok(shared.clone()));
    assert_eq!(open(&format!("#{fragment}")), Ok(shared));
}

#[test]
fn link_lengths_for_5_20_and_100_trials() {
    let mut lengths = Vec::new();
    for k in [5, 20, 100] {
        let shared = Shared {
            outcomes: vec![trials(k)],
            active: 0,
            rob: Vec::new(),
        };
        let fragment = link(&shared);
        assert_eq!(open(&fragment), Ok(shared));
        lengths.push((k, fragment.len()));
    }
    println!("share link fragment length (characters): {lengths:?}");
    // 20 trials fit a QR code that scans from a screen (version 40 holds 2,953 bytes;
    // under 1,000 characters is version 22 or lower at error correction level L).
    assert!(lengths[1].1 < 1000, "{lengths:?}");
}

fn settings_strategy() -> impl Strategy<Value = ReportOptions> {
    (
        prop::sample::select(vec![
            Measure::RiskRatio,
            Measure::OddsRatio,
            Measure::RiskDifference,
        ]),
        prop::sample::select(Method::ALL.to_vec()),
        prop::sample::select(Tau2Estimator::ALL.to_vec()),
        prop::sample::select(CiMethod::ALL.to_vec()),
        prop::sample::select(CorrectionScope::ALL.to_vec()),
        prop_oneof![Just(0.5), 0.001f64..=1.0],
        prop::sample::select(Convention::ALL.to_vec()),
        prop::sample::select(ModelView::ALL.to_vec()),
        any::<bool>(),
        prop::sample::select(Totals::ALL.to_vec()),
        [".*", ".*"],
        [".*", ".*"],
    )
        .prop_map(
            |(
                measure,
                method,
                tau2,
                ci,
                scope,
                increment,
                convention,
                models,
                prediction,
                totals,
                arms,
                favours,
            )| {
                ReportOptions {
                    settings: Settings {
                        measure,
                        method,
                        tau2,
                        ci,
                        correction: ZeroCellCorrection { increment, scope },
                        convention,
                    },
                    models,
                    prediction,
                    arms,
                    favours,
                    totals,
                }
            },
        )
}

fn row_strategy() -> impl Strategy<Value = RawRow> {
    (
        [".*", ".*", ".*", ".*", ".*", ".*", ".*"],
        proptest::bool::weighted(0.2),
    )
        .prop_map(
            |([study, year, e1, n1, e2, n2, subgroup], excluded)| RawRow {
                study,
                year,
                e1,
                n1,
                e2,
                n2,
                subgroup,
                excluded,
            },
        )
}

proptest! {
    /// Any outcomes, any settings, any text in any cell (tabs, line breaks, backslashes,
    /// any script) come back as they were.
    #[test]
    fn any_project_survives_the_round_trip(
        outcomes in prop::collection::vec(
            (".*", ".*", prop::collection::vec(row_strategy(), 0..6), settings_strategy()),
            1..4,
        ),
        active in 0usize..4,
    ) {
        let outcomes: Vec<SharedOutcome> = outcomes
            .into_iter()
            .map(|(name, source, rows, options)| SharedOutcome::new(name, source, rows, options))
            .collect();
        let shared = Shared { active: active % outcomes.len(), outcomes, rob: Vec::new() };
        prop_assert_eq!(Shared::from_text(&shared.to_text()), Ok(shared.clone()));
        prop_assert_eq!(open(&link(&shared)), Ok(shared));
    }

    /// Whatever a fragment holds, reading it gives a project or a reason, never a panic.
    #[test]
    fn any_fragment_is_read_or_refused(text in ".*", bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Shared::from_text(&text);
        let _ = open(&text);
        let _ = open(&share::fragment(&bytes));
        let _ = open(&share::fragment(&miniz_oxide::deflate::compress_to_vec(&bytes, 6)));
    }
}

/// Links made by Grove 0.1 (format 1). They must open, with these contents, in every
/// later version.
const FIXED: [&str; 3] = [FIXED_TRIALS, FIXED_SETTINGS, FIXED_TWO_OUTCOMES];
const FIXED_TRIALS: &str = "grove1.PZBNTsMwEIXXk1NkCRKq4jQ_DbsKUQGiLCLU_WC7bSTHg_wT1K64AzfkJHXsqpvneW8-P1k-GJoksAy5G8JQZOQdp1HCp_-ShntFdrDwREoM7pxLl6Na5Hes66r7h_xtvV3nZcsem271__vXFmWGZrSwQ84HjU4K-CCXTzeb7XEibyxs0nldyZvnpJ0hlVnpYJRovZHQ91frjiTgdRedQ19C_7x9j44PcE4xAWl1KqJBIaBY1IkgPUntBtJzEe7JpFISUlkwqAWNMfk2Ugw8gidpr6UOAxQ-yqBSmaEfWBvSlnTOumoFUZbAygJqYGwFEdlIc_CJqUM8S1WENWuhDndY2SauJxsedkQVwKaEKG0LJWPVTIdh2STyBY2boQ6SBGA5E6yZh6qG7AI";
const FIXED_SETTINGS: &str = "grove1.PY-9bsMwDITn01PkCQrLseN0bIcgQJG2yNCdsZjYgC0W-nHRt48iGVmoO95Hgbw5WRhaUR_GJColMfQyM94nEeODY5o3o71yysVCkZs9fqjvR0uBDT4lbJanVVdaJDqPQ3nXiJ--FxucTMpzwMzko2N8nVcbBjE4HbMLFGt8n7LuRxw_SldAU5kmY1C91G0hxC5s84aOl5lsac9iePK4SBiy_3VsxnLIP_v1x0AJ8fFSlHLyhzcn1ovd6Ndmj1y20HWFFlrvkZEDu1ssTJvaj9JUKdYd2jSj665wZ_FpsYGmBO5q5NJ1qLVuHnQS2x3UHQ";
const FIXED_TWO_OUTCOMES: &str = "grove1.7ZAxTsMwFIbnl1N4BKmq4tCShq1CVAK1DBXqlMV1Xtuojh_YTqp26h1ghDNwAbbepCfBSarCxgVYnv09__7t9y8NVQg8ENLlzYZKJ6lAeCrnaGSpyOYWbklludsxdEyoLrvgSdK77LCH4WTIopjfXCeD4_41DqNAmMLCTEiZa-Ewg0dyrDpjsBAVlcbCqF1PR3hmSdoZUoFFBwUKWxqE6fSEbkUZ3M8acqKMYHo3GTckc9i1bQLSahs2ILIMwm6_VZCuULucdG0kFmRaU8pQWTBCZ1Q0nWeDWS4b4RbtydQJL_JBGaFUYGgDQ0PakmY86Q2gKVfAoxD6wPkAfkIU89St0GCHCab8oKmeGxTrGtOU-VfZcf_-UpJDe9x_eHhjhy99-JT-X_-p_516rxP-zr0WjdAsy1bV9-269LyI8xj6_haPYhjThpncroNv";

fn fixed_settings() -> Shared {
    let mut o = trials(3);
    o.name = "Bloodstream infection".to_owned();
    o.source = String::new();
    o.options.settings = Settings {
        measure: Measure::OddsRatio,
        method: Method::MantelHaenszel,
        tau2: Tau2Estimator::PauleMandel,
        ci: CiMethod::HartungKnapp,
        correction: ZeroCellCorrection {
            increment: 0.25,
            scope: CorrectionScope::AllStudies,
        },
        convention: Convention::RevMan5,
    };
    o.options.models = ModelView::Both;
    o.options.prediction = true;
    o.options.totals = Totals::SubtotalsOnly;
    Shared {
        outcomes: vec![o],
        active: 0,
        rob: Vec::new(),
    }
}

fn fixed_two_outcomes() -> Shared {
    let mut second = trials(2);
    let first = trials(1);
    second.name = "Tab\there, a line\nbreak, a \\ and “quotes” — ünïcode".to_owned();
    second.rows[1].subgroup = "Low risk".to_owned();
    second.rows[0].e1 = "4,0".to_owned();
    Shared {
        outcomes: vec![first, second],
        active: 1,
        rob: Vec::new(),
    }
}

#[test]
fn links_made_by_earlier_versions_open() {
    let expected = [
        Shared {
            outcomes: vec![trials(4)],
            active: 0,
            rob: Vec::new(),
        },
        fixed_settings(),
        fixed_two_outcomes(),
    ];
    for (fixed, want) in FIXED.iter().zip(&expected) {
        assert_eq!(open(fixed).as_ref(), Ok(want));
    }
    // Spot checks that do not go through the helpers above.
    let two = open(FIXED_TWO_OUTCOMES).expect("opens");
    assert_eq!(two.active, 1);
    assert_eq!(two.outcomes[1].rows[0].e1, "4,0", "a cell as typed");
    assert!(two.outcomes[1].name.contains("Tab\there, a line\nbreak"));
    let settings = open(FIXED_SETTINGS).expect("opens").outcomes[0]
        .options
        .clone();
    assert_eq!(settings.settings.tau2.code(), "PM");
    assert_eq!(settings.settings.correction.increment, 0.25);
}

#[test]
fn foreign_damaged_and_newer_fragments_are_refused_with_a_reason() {
    assert_eq!(open("#main"), Err(ShareError::NotALink));
    assert_eq!(open(""), Err(ShareError::NotALink));
    assert_eq!(open("#grove2.AAAA"), Err(ShareError::NewerVersion(2)));
    assert_eq!(open("#grove1.Zm9v+"), Err(ShareError::Encoding));
    assert!(matches!(
        open("#grove1.Zm9v"),
        Err(ShareError::Compression(_))
    ));
    let good = Shared {
        outcomes: vec![trials(2)],
        active: 0,
        rob: Vec::new(),
    }
    .to_text();
    let damaged = |text: &str| match Shared::from_text(text) {
        Err(ShareError::Damaged(line, why)) => (line, why),
        other => panic!("{other:?} for {text:?}"),
    };
    assert_eq!(
        Shared::from_text(&good.replacen("grove\t1", "grove\t7", 1)),
        Err(ShareError::NewerVersion(7))
    );
    assert_eq!(damaged("hello").0, 1);
    let (line, why) = damaged(&good.replace("set\tmeasure\tRR", "set\tmeasure\tHR"));
    assert_eq!(line, 3, "{why}");
    assert!(why.contains("HR") && why.contains("measure"), "{why}");
    let (_, why) = damaged(&good.replace("set\tadd\t0.5", "set\tadd\t5"));
    assert!(why.contains("increment"), "{why}");
    let (_, why) = damaged(&good.replace("set\tci\tz\n", ""));
    assert!(why.contains("ci is missing"), "{why}");
    let (line, _) = damaged(&good.replacen("row\t", "row\tone more\t", 1));
    assert_eq!(line, 16);
    assert!(
        damaged(&good.replace("active\t0", "active\t3"))
            .1
            .contains("does not exist")
    );
    assert!(damaged("grove\t1\n").1.contains("no outcome"));
    // A small link that would expand without bound is stopped at the stated size.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b'a'; MAX_TEXT_BYTES + 1], 10);
    assert!(bomb.len() < 20_000);
    assert!(matches!(
        open(&share::fragment(&bomb)),
        Err(ShareError::Compression(_))
    ));
    // Every refusal says what happened, in words.
    for e in [
        ShareError::NotALink,
        ShareError::Encoding,
        ShareError::NewerVersion(2),
        ShareError::Damaged(3, "x".to_owned()),
    ] {
        assert!(!e.to_string().is_empty());
    }
}

/// Every setting's code names it and only it: a link depends on it.
#[test]
fn setting_codes_read_back() {
    for m in Method::ALL {
        assert_eq!(Method::from_code(m.code()), Some(m));
    }
    for m in CiMethod::ALL {
        assert_eq!(CiMethod::from_code(m.code()), Some(m));
    }
    for m in CorrectionScope::ALL {
        assert_eq!(CorrectionScope::from_code(m.code()), Some(m));
    }
    for m in ModelView::ALL {
        assert_eq!(ModelView::from_code(m.code()), Some(m));
    }
    for m in Totals::ALL {
        assert_eq!(Totals::from_code(m.code()), Some(m));
    }
    for m in Tau2Estimator::ALL {
        assert_eq!(Tau2Estimator::from_code(m.code()), Some(m));
    }
    for m in Convention::ALL {
        assert_eq!(Convention::from_code(m.code()), Some(m));
    }
    assert_eq!(CiMethod::from_code("knha"), Some(CiMethod::HartungKnapp));
    assert_eq!(Method::from_code("XYZ"), None);
}

/// A trial switched off travels in the link; a link without one stays version 1, which
/// every Grove reads, and version 1 knows no `excluded` record.
#[test]
fn switched_off_trials_travel_and_raise_the_version_only_when_present() {
    let plain = Shared {
        outcomes: vec![trials(4)],
        active: 0,
        rob: Vec::new(),
    };
    assert!(plain.to_text().starts_with("grove\t1\n"));
    let mut off = plain.clone();
    off.outcomes[0].rows[1].excluded = true;
    let text = off.to_text();
    assert!(text.starts_with("grove\t2\n"), "{text}");
    assert_eq!(text.matches("\nexcluded\t").count(), 1);
    assert_eq!(Shared::from_text(&text), Ok(off));
    let as_v1 = text.replacen("grove\t2", "grove\t1", 1);
    assert!(matches!(
        Shared::from_text(&as_v1),
        Err(ShareError::Damaged(_, _))
    ));
}

#[test]
fn judgements_travel_as_typed_and_raise_the_version_only_when_present() {
    use grove_core::grade::Concern;
    let mut judged = Shared {
        outcomes: vec![trials(3)],
        active: 0,
        rob: vec![(
            "Aronson 1948".to_owned(),
            ["Low", "+", "?", "unclear", "", "High"].map(str::to_owned),
        )],
    };
    judged.outcomes[0].control_risk = "40".to_owned();
    judged.outcomes[0].thresholds = ["0,8".to_owned(), String::new()];
    judged.outcomes[0].grade.concerns[2] = Some(Concern::VerySerious);
    judged.outcomes[0].grade.reasons[2] = "Adults\tonly".to_owned();
    judged.outcomes[0].grade.reasons[4] = "Funnel asymmetric".to_owned();
    let text = judged.to_text();
    assert!(text.starts_with("grove\t3\n"), "{text}");
    assert!(text.contains("\nrob\tAronson 1948\tLow\t+\t?\tunclear\t\tHigh\n"));
    assert!(text.contains("\ngrade\tindirectness\tvery-serious\tAdults\\tonly\n"));
    assert!(text.contains("\ngrade\tpublication-bias\t\tFunnel asymmetric\n"));
    assert!(text.contains("\nthresholds\t0,8\t\n") && text.contains("\nrisk\t40\n"));
    assert_eq!(Shared::from_text(&text), Ok(judged.clone()));
    // Through the whole link, compressed.
    assert_eq!(open(&link(&judged)), Ok(judged.clone()));
    // A version-2 reader's view of it: refused as newer, not misread.
    assert!(matches!(
        Shared::from_text(&text.replacen("grove\t3", "grove\t2", 1)),
        Err(ShareError::Damaged(_, _))
    ));
    let damaged = |text: &str| match Shared::from_text(text) {
        Err(ShareError::Damaged(_, why)) => why,
        other => panic!("{other:?} for {text:?}"),
    };
    assert!(damaged(&text.replace("very-serious", "grave")).contains("no GRADE judgement grave"));
    assert!(damaged(&text.replace("indirectness", "directness")).contains("no GRADE domain"));
    let twice = text.replacen("\nrob\t", "\nrob\tAronson 1948\t\t\t\t\t\t\nrob\t", 1);
    assert!(damaged(&twice).contains("given twice"));
    // Nothing judged: the version the rest needs.
    let mut plain = judged.clone();
    plain.rob.clear();
    plain.outcomes[0] = trials(3);
    assert!(plain.to_text().starts_with("grove\t1\n"));
}
