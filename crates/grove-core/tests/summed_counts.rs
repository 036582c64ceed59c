//! Sums of counts (events, participants per arm, participants in all) shown exactly
//! however large: each count is at most 2^53, but 1,024 of them reach 2^63 per arm and
//! 2^64 in all, past `u64`.

use grove_core::forest::{PlotOptions, layout};
use grove_core::parse::parse;
use grove_core::report::{Report, ReportOptions};

/// `trials` rows of `S\t1\t9007199254740992\t1\t9007199254740992` (2^53 per arm),
/// through the report, the plot and the sentence.
fn check(trials: u128) {
    const MAX: u128 = 1 << 53;
    let text = "S\t1\t9007199254740992\t1\t9007199254740992\n".repeat(trials as usize);
    let rows = parse(&text).raw_rows();
    assert_eq!(rows.len() as u128, trials);
    let report = Report::new(&rows, &ReportOptions::default());
    assert_eq!(report.studies.len() as u128, trials);

    let per_arm = trials * MAX;
    assert_eq!(report.participants(), 2 * per_arm);
    let spec = report.forest();
    let section = &spec.sections[0];
    assert_eq!(section.total_events, Some([trials, trials]));
    assert_eq!(section.pooled[0].totals, Some([per_arm, per_arm]));

    let svg = layout(&spec, &PlotOptions::default()).to_svg();
    let shown = grove_core::format::count(per_arm);
    assert!(
        svg.contains(&format!(">{shown}<")),
        "{shown} not in the plot"
    );

    let sentence = report.sentence().expect("pooled");
    let participants = grove_core::format::count(2 * per_arm);
    assert!(
        sentence.contains(&format!("{trials} trials, {participants} participants")),
        "{sentence}"
    );
}

#[test]
fn participants_past_u64_are_summed_exactly() {
    // 2^64 participants: the sum wrapped to "0" (and panicked in a checked build).
    check(1024);
    assert_eq!(
        grove_core::format::count(2 * 1024 * (1_u128 << 53)),
        "18,446,744,073,709,551,616"
    );
    // 2^64 per arm: the totals row of the plot wrapped too.
    check(2048);
}
