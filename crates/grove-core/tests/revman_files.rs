//! Every dichotomous outcome of the RevMan 5 review files in `tests/revman/`, analysed
//! with the settings its file gives, reproduces the numbers RevMan stored for it
//! (see `grove_core::review::agreement`).

use std::path::PathBuf;

use grove_core::parse::revman;
use grove_core::report::Report;
use grove_core::review::agreement::compare;

fn files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/revman");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/revman exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rm5"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_estimable_dichotomous_outcome_agrees_with_revman() {
    let files = files();
    assert_eq!(files.len(), 13, "the 13 review files are present");
    let (mut compared, mut failed, mut numbers) = (0, Vec::new(), 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let review = revman::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (mut ok, mut n) = (0, 0);
        for o in &review.outcomes {
            if !o.source.stored.estimable {
                continue;
            }
            n += 1;
            let report = Report::new(&o.rows, &o.options);
            let a = compare(&o.source, &report);
            numbers += a.checks.len();
            if a.agrees() {
                ok += 1;
            } else {
                failed.push(format!(
                    "{} {}: {a}",
                    path.file_name().unwrap().to_string_lossy(),
                    o.title()
                ));
            }
        }
        compared += n;
        println!(
            "{}: {ok} of {n} estimable outcomes agree",
            path.file_name().unwrap().to_string_lossy()
        );
    }
    println!("{compared} outcomes, {numbers} numbers compared");
    assert!(
        failed.is_empty(),
        "{} of {compared} outcomes differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!(compared, 279);
}

/// Grove's chi-square tail is exact where RevMan's is not: against 40-digit values for
/// every heterogeneity statistic in the files (`tests/revman/chi2_exact.py`), Grove errs
/// by less than 1e-12 relative, RevMan by up to 1.3e-5 (and by up to 2e-10 absolute
/// below 1e-6).
#[test]
fn chi_square_p_values_are_exact_where_revman_rounds() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/revman/chi2_exact.tsv");
    let text = std::fs::read_to_string(path).expect("chi2_exact.tsv");
    let (mut n, mut grove_worst, mut revman_worst) = (0, 0.0f64, 0.0f64);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let num = |i: usize| f[i].parse::<f64>().expect("a number");
        let (chi2, df, revman, exact) = (num(2), num(3), num(4), num(5));
        let grove = grove_core::dist::chi2_sf(chi2, df);
        let rel = |x: f64| (x - exact).abs() / exact;
        assert!(rel(grove) < 1e-12, "{line}: Grove {grove}");
        grove_worst = grove_worst.max(rel(grove));
        // Below 1e-6 RevMan's error is absolute (about 2e-10 at most).
        assert!((revman - exact).abs() < 1e-6, "{line}");
        if exact > 1e-6 {
            revman_worst = revman_worst.max(rel(revman));
        }
        n += 1;
    }
    println!("{n} tails: Grove's largest error {grove_worst:.1e}, RevMan's {revman_worst:.1e}");
    assert!(n > 400);
    assert!(revman_worst > 1e-5 && revman_worst < 2e-5);
}

/// The comparison can fail: a stored number moved by 1e-5 is reported, with its place.
#[test]
fn a_changed_stored_number_is_a_disagreement() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/revman/Fleiss1993.rm5");
    let review = revman::read(&std::fs::read(path).expect("file")).expect("a review");
    let mut o = review.outcomes[0].clone();
    let report = Report::new(&o.rows, &o.options);
    assert!(compare(&o.source, &report).agrees());
    let ci = o.source.stored.overall.ci_end.expect("stored");
    o.source.stored.overall.ci_end = Some(ci * (1.0 + 1e-5));
    let a = compare(&o.source, &report);
    assert!(!a.agrees());
    assert!(a.to_string().contains("overall: CI_END"), "{a}");
    let mut o = review.outcomes[0].clone();
    o.source.stored.studies[2].weight = o.source.stored.studies[2].weight.map(|w| w + 0.01);
    assert!(!compare(&o.source, &report).agrees());
}

/// A review's RoB 1 table is counted, with its domains' names, so that the user is told
/// it was not imported; a review without one has none.
#[test]
fn a_rob_1_table_is_counted_not_imported() {
    let counts: Vec<(String, Option<(usize, usize)>)> = files()
        .iter()
        .map(|path| {
            let review = revman::read(&std::fs::read(path).expect("readable")).expect("a review");
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                review.rob1.map(|t| (t.domains.len(), t.judgements)),
            )
        })
        .collect();
    let of = |name: &str| counts.iter().find(|c| c.0 == name).expect(name).1;
    assert_eq!(of("Fleiss1993.rm5"), Some((6, 12)));
    assert_eq!(of("CD008521StatsDataOnly.rm5"), Some((8, 402)));
    assert_eq!(of("CD012859StatsDataOnly.rm5"), Some((7, 4140)));
    assert_eq!(of("CD003188StatsDataOnly.rm5"), None);
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/revman/CD008521StatsDataOnly.rm5"),
    )
    .expect("readable");
    let table = revman::read(&bytes)
        .expect("a review")
        .rob1
        .expect("a RoB 1 table");
    assert_eq!(
        table.domains[0],
        "Random sequence generation (selection bias)"
    );
    assert!(table.not_imported().starts_with(
        "Its risk-of-bias table (RoB 1: 8 domains, 402 judgements) is not imported: Grove \
         assesses risk of bias with RoB 2"
    ));
}
