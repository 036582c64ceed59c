//! Reading RevMan 5 review files (`.rm5`): the XML that RevMan 5 writes
//! (`<COCHRANE_REVIEW>`), in ISO-8859-1 (older versions) or UTF-8.
//!
//! What is read:
//! - the review's title (`COVER_SHEET/TITLE`) and its study list (`STUDY`: `ID`,
//!   `NAME`, `YEAR`);
//! - every comparison (`COMPARISON`: `NO`, `NAME`) and each of its dichotomous outcomes
//!   (`DICH_OUTCOME`): number, name, arm labels (`GROUP_LABEL_1/2`), "Favours" labels
//!   (`GRAPH_LABEL_1/2`), measure (`EFFECT_MEASURE`), method (`METHOD`), model
//!   (`RANDOM`), subgroups (`DICH_SUBGROUP`), and the results RevMan stored for the
//!   outcome, its subgroups and its rows;
//! - each row (`DICH_DATA`): the study it belongs to (`STUDY_ID`), events and totals
//!   of each arm. With `SWAP_EVENTS="YES"` RevMan analyses the participants without the
//!   event, so the events are read as `total − events` and the outcome's source says so.
//!
//! Continuous, generic inverse-variance, O − E and other outcomes are listed in
//! [`Review::unsupported`] with the reason. Rows are kept in the order RevMan shows
//! them: the order of the file, which follows the outcome's sort (`SORT_BY`), except a
//! user-defined sort (`SORT_BY="USER"`), which follows each row's `ORDER`. A
//! risk-of-bias table of the original tool (RoB 1, `QUALITY_ITEM`) is counted in
//! [`Review::rob1`], not imported: its domains and judgements are not RoB 2's.
//!
//! A file that is not XML, or not a RevMan review, gives a [`RevManError`]; nothing of
//! it is returned.

use std::fmt;

use roxmltree::{Document, Node, ParsingOptions};

use crate::parse::RawRow;
use crate::report::{ModelView, ReportOptions};
use crate::review::{
    RevManOutcome, Review, ReviewOutcome, Rob1Table, Stored, StoredPooled, StoredStudy,
    StoredSubgroup, StoredTest, Totals, Unsupported,
};
use crate::settings::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};

/// The largest file read, 64 MiB: the largest Cochrane reviews are a few megabytes.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Why a file could not be read as a RevMan review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevManError {
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge(usize),
    /// The text is not in the encoding the file declares.
    Encoding(String),
    /// Not well-formed XML (the parser's message, with line and column).
    Xml(String),
    /// XML, but not a RevMan review (the root element found).
    NotAReview(String),
}

impl fmt::Display for RevManError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevManError::TooLarge(n) => write!(
                f,
                "the file is {} MB; RevMan files larger than {} MB are not read",
                n >> 20,
                MAX_FILE_BYTES >> 20
            ),
            RevManError::Encoding(why) => write!(f, "the file's text cannot be read: {why}"),
            RevManError::Xml(why) => write!(f, "the file is damaged or not XML: {why}"),
            RevManError::NotAReview(root) => write!(
                f,
                "this XML file is not a RevMan 5 review (its root element is <{root}>, not <COCHRANE_REVIEW>)"
            ),
        }
    }
}

impl std::error::Error for RevManError {}

/// Reads a RevMan 5 review from the bytes of its file.
///
/// # Errors
/// [`RevManError`] when the file is too large, not in its declared encoding, not XML, or
/// not a review.
pub fn read(bytes: &[u8]) -> Result<Review, RevManError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(RevManError::TooLarge(bytes.len()));
    }
    let text = decode(bytes)?;
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(&text, options)
        .map_err(|e| RevManError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "COCHRANE_REVIEW" {
        return Err(RevManError::NotAReview(root.tag_name().name().to_owned()));
    }
    let title = root
        .children()
        .find(|n| n.has_tag_name("COVER_SHEET"))
        .and_then(|c| child(c, "TITLE"))
        .map(text_of)
        .unwrap_or_default();
    let studies: Vec<(&str, &str, &str)> = root
        .descendants()
        .filter(|n| n.has_tag_name("STUDY"))
        .filter_map(|n| {
            Some((
                n.attribute("ID")?,
                n.attribute("NAME")?,
                n.attribute("YEAR").unwrap_or(""),
            ))
        })
        .collect();
    let study = |id: &str| studies.iter().find(|s| s.0 == id).map(|s| (s.1, s.2));

    let mut review = Review {
        title,
        outcomes: Vec::new(),
        unsupported: Vec::new(),
        rob1: rob1_table(root),
    };
    for comparison in root.descendants().filter(|n| n.has_tag_name("COMPARISON")) {
        let cmp_no = comparison.attribute("NO").unwrap_or("");
        let cmp_name = child(comparison, "NAME").map(text_of).unwrap_or_default();
        let cmp_title = format!("{cmp_no} {cmp_name}").trim().to_owned();
        for outcome in comparison.children().filter(Node::is_element) {
            let tag = outcome.tag_name().name();
            let number = format!("{cmp_no}.{}", outcome.attribute("NO").unwrap_or(""));
            let name = child(outcome, "NAME").map(text_of).unwrap_or_default();
            let why = match tag {
                "DICH_OUTCOME" => {
                    review
                        .outcomes
                        .push(dichotomous(outcome, number, name, &cmp_title, &study));
                    continue;
                }
                "CONT_OUTCOME" => {
                    "continuous outcome (means and standard deviations): Grove analyses 2×2 tables"
                }
                "IV_OUTCOME" => {
                    "generic inverse-variance outcome (estimates and standard errors): Grove analyses 2×2 tables"
                }
                "IPD_OUTCOME" => {
                    "O − E and variance outcome (individual patient data): Grove analyses 2×2 tables"
                }
                "OTHER_OUTCOME" => "other data (text only): no numbers to analyse",
                _ => continue,
            };
            review.unsupported.push(Unsupported {
                number,
                name,
                comparison: cmp_title.clone(),
                reason: why.to_owned(),
            });
        }
    }
    Ok(review)
}

/// The review's RoB 1 table (`QUALITY_ITEMS`), when it has domains or judgements.
fn rob1_table(root: Node) -> Option<Rob1Table> {
    let items = root
        .descendants()
        .filter(|n| n.has_tag_name("QUALITY_ITEM"));
    let domains: Vec<String> = items
        .map(|n| child(n, "NAME").map(text_of).unwrap_or_default())
        .collect();
    let judgements = root
        .descendants()
        .filter(|n| n.has_tag_name("QUALITY_ITEM_DATA_ENTRY"))
        .count();
    (!domains.is_empty() || judgements > 0).then_some(Rob1Table {
        domains,
        judgements,
    })
}

/// Text of the file in the encoding its XML declaration names: UTF-8 (the default) or
/// ISO-8859-1 / Windows-1252, whose bytes map to characters one by one.
fn decode(bytes: &[u8]) -> Result<String, RevManError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let declared = head
        .split("encoding=")
        .nth(1)
        .and_then(|rest| rest.get(1..))
        .and_then(|rest| rest.split(['"', '\'']).next())
        .unwrap_or("utf-8")
        .to_owned();
    match declared.as_str() {
        "utf-8" | "utf8" => String::from_utf8(bytes.to_vec())
            .map_err(|e| RevManError::Encoding(format!("it declares UTF-8 but is not ({e})"))),
        "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "windows-1252" | "cp1252" => {
            Ok(bytes.iter().map(|&b| windows_1252(b)).collect())
        }
        other => Err(RevManError::Encoding(format!(
            "its encoding {other} is not one RevMan writes (UTF-8 or ISO-8859-1)"
        ))),
    }
}

/// A Windows-1252 byte as a character: ISO-8859-1 except 0x80–0x9F, where Windows puts
/// typographic characters (RevMan on Windows writes them into "ISO-8859-1" files).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(tag))
}

/// The text of an element and its descendants, with runs of white space made one space.
fn text_of(node: Node) -> String {
    let mut s = String::new();
    for t in node.descendants().filter(Node::is_text) {
        s.push_str(t.text().unwrap_or(""));
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn number(node: Node, attr: &str) -> Option<f64> {
    node.attribute(attr)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

fn yes(node: Node, attr: &str) -> bool {
    node.attribute(attr) == Some("YES")
}

fn pooled(node: Node) -> StoredPooled {
    StoredPooled {
        effect: number(node, "EFFECT_SIZE"),
        ci_start: number(node, "CI_START"),
        ci_end: number(node, "CI_END"),
        chi2: number(node, "CHI2"),
        df: number(node, "DF"),
        p_chi2: number(node, "P_CHI2"),
        i2: number(node, "I2"),
        tau2: number(node, "TAU2"),
        z: number(node, "Z"),
        p_z: number(node, "P_Z"),
    }
}

/// The settings RevMan uses for an outcome: its measure and method, DerSimonian-Laird,
/// Wald intervals, 0.5 added to the cells of studies with a zero cell, and RevMan's
/// conventions ([`Convention::RevMan5`]).
fn settings_of(outcome: Node) -> Settings {
    let (measure, method) = match (
        outcome.attribute("EFFECT_MEASURE").unwrap_or(""),
        outcome.attribute("METHOD").unwrap_or(""),
    ) {
        ("PETO_OR", _) | (_, "PETO") => (Measure::OddsRatio, Method::Peto),
        (m, method) => (
            Measure::from_code(m).unwrap_or_default(),
            if method == "IV" {
                Method::InverseVariance
            } else {
                Method::MantelHaenszel
            },
        ),
    };
    Settings {
        measure,
        method,
        tau2: Tau2Estimator::DerSimonianLaird,
        ci: CiMethod::Wald,
        correction: ZeroCellCorrection {
            increment: 0.5,
            scope: CorrectionScope::StudiesWithZero,
        },
        convention: Convention::RevMan5,
    }
}

fn dichotomous<'a>(
    outcome: Node,
    number: String,
    name: String,
    comparison: &str,
    study: &dyn Fn(&str) -> Option<(&'a str, &'a str)>,
) -> ReviewOutcome {
    let label = |tag: &str, fallback: &str| {
        child(outcome, tag)
            .map(text_of)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    let arms = [
        label("GROUP_LABEL_1", "Experimental"),
        label("GROUP_LABEL_2", "Control"),
    ];
    let favours = [
        label("GRAPH_LABEL_1", "Favours experimental"),
        label("GRAPH_LABEL_2", "Favours control"),
    ];
    let swap = yes(outcome, "SWAP_EVENTS");
    let user_order = outcome.attribute("SORT_BY") == Some("USER");

    let mut rows = Vec::new();
    let mut studies = Vec::new();
    let mut subgroups = Vec::new();
    let groups: Vec<(Option<Node>, Vec<Node>)> = {
        let subs: Vec<Node> = outcome
            .children()
            .filter(|n| n.has_tag_name("DICH_SUBGROUP"))
            .collect();
        if subs.is_empty() {
            vec![(None, data_rows(outcome, user_order))]
        } else {
            subs.into_iter()
                .map(|s| (Some(s), data_rows(s, user_order)))
                .collect()
        }
    };
    for (sub, data) in groups {
        let sub_name = sub
            .and_then(|s| child(s, "NAME"))
            .map(text_of)
            .unwrap_or_default();
        if let Some(s) = sub {
            subgroups.push(StoredSubgroup {
                name: sub_name.clone(),
                estimable: yes(s, "ESTIMABLE"),
                pooled: pooled(s),
            });
        }
        for d in data {
            let id = d.attribute("STUDY_ID").unwrap_or("");
            let (study_name, year) = study(id).unwrap_or((id, ""));
            let cell = |attr: &str| d.attribute(attr).unwrap_or("").trim().to_owned();
            let (mut e1, n1, mut e2, n2) = (
                cell("EVENTS_1"),
                cell("TOTAL_1"),
                cell("EVENTS_2"),
                cell("TOTAL_2"),
            );
            if swap {
                e1 = complement(&e1, &n1);
                e2 = complement(&e2, &n2);
            }
            rows.push(RawRow {
                study: study_name.to_owned(),
                year: year_of(year),
                e1,
                n1,
                e2,
                n2,
                subgroup: sub_name.clone(),
                excluded: false,
            });
            studies.push(StoredStudy {
                estimable: yes(d, "ESTIMABLE"),
                effect: self::number(d, "EFFECT_SIZE"),
                ci_start: self::number(d, "CI_START"),
                ci_end: self::number(d, "CI_END"),
                weight: self::number(d, "WEIGHT"),
                var: self::number(d, "VAR"),
            });
        }
    }
    let totals = match outcome.attribute("TOTALS") {
        Some("SUB") => Totals::SubtotalsOnly,
        Some("NO") => Totals::None,
        _ => Totals::Overall,
    };
    let has_subgroups = !subgroups.is_empty();
    let subgroup_test = has_subgroups && yes(outcome, "SUBGROUP_TEST");
    let stored = Stored {
        estimable: yes(outcome, "ESTIMABLE"),
        overall: pooled(outcome),
        subgroups,
        studies,
        subgroup_test: subgroup_test.then(|| StoredTest {
            chi2: self::number(outcome, "Q"),
            p: self::number(outcome, "P_Q"),
            i2: self::number(outcome, "I2_Q"),
        }),
    };
    let options = ReportOptions {
        settings: settings_of(outcome),
        models: if yes(outcome, "RANDOM") {
            ModelView::Random
        } else {
            ModelView::Common
        },
        prediction: false,
        arms,
        favours,
        totals,
    };
    ReviewOutcome {
        source: RevManOutcome {
            id: outcome.attribute("ID").unwrap_or("").to_owned(),
            number,
            name,
            comparison: comparison.to_owned(),
            totals,
            subgroup_test,
            swapped_events: swap,
            stored,
        },
        rows,
        options,
    }
}

/// The `DICH_DATA` rows of an outcome or subgroup, in the order RevMan shows them.
fn data_rows<'a, 'i>(parent: Node<'a, 'i>, user_order: bool) -> Vec<Node<'a, 'i>> {
    let mut rows: Vec<Node> = parent
        .children()
        .filter(|n| n.has_tag_name("DICH_DATA"))
        .collect();
    if user_order {
        crate::sort::by_key(&mut rows, |d| {
            d.attribute("ORDER").and_then(|o| o.parse::<i64>().ok())
        });
    }
    rows
}

/// `total − events` as text, or the events unchanged when either is not a count (the
/// row then reports the problem as typed).
fn complement(events: &str, total: &str) -> String {
    match (events.parse::<u64>(), total.parse::<u64>()) {
        (Ok(e), Ok(n)) if e <= n => (n - e).to_string(),
        _ => events.to_owned(),
    }
}

/// RevMan's study year ("1995", "1995a", "") as Grove reads years: the four digits, or
/// nothing.
fn year_of(year: &str) -> String {
    let digits: String = year
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.len() == 4 {
        digits
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<COCHRANE_REVIEW><COVER_SHEET><TITLE>Aspirin   after infarction</TITLE></COVER_SHEET>
<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>
<STUDY ID="STD-A" NAME="Alpha 1980" YEAR="1980a"/><STUDY ID="STD-B" NAME="Beta 1991" YEAR="1991"/>
</INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES>
<ANALYSES_AND_DATA><COMPARISON ID="CMP-001" NO="1"><NAME>Aspirin versus placebo</NAME>
<DICH_OUTCOME CHI2="1.5" CI_END="1.2" CI_START="0.7" DF="1" EFFECT_MEASURE="RR" EFFECT_SIZE="0.9" ESTIMABLE="YES" I2="33.3" ID="CMP-001.01" METHOD="MH" NO="1" P_CHI2="0.22" P_Z="0.5" RANDOM="YES" SORT_BY="USER" SUBGROUPS="NO" SWAP_EVENTS="NO" TAU2="0.01" TOTALS="YES" Z="0.6">
<NAME>Death</NAME><GROUP_LABEL_1>Aspirin</GROUP_LABEL_1><GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<GRAPH_LABEL_1>Favours aspirin</GRAPH_LABEL_1><GRAPH_LABEL_2>Favours placebo</GRAPH_LABEL_2>
<DICH_DATA EVENTS_1="3" TOTAL_1="10" EVENTS_2="4" TOTAL_2="11" ESTIMABLE="YES" ORDER="2" STUDY_ID="STD-B" WEIGHT="40"/>
<DICH_DATA EVENTS_1="1" TOTAL_1="12" EVENTS_2="2" TOTAL_2="13" ESTIMABLE="YES" ORDER="1" STUDY_ID="STD-A" WEIGHT="60"/>
</DICH_OUTCOME>
<CONT_OUTCOME ID="CMP-001.02" NO="2"><NAME>Pain</NAME></CONT_OUTCOME>
</COMPARISON></ANALYSES_AND_DATA></COCHRANE_REVIEW>"#;

    #[test]
    fn reads_outcomes_labels_studies_and_stored_results() {
        let r = read(MINIMAL.as_bytes()).unwrap();
        assert_eq!(r.title, "Aspirin after infarction");
        let o = &r.outcomes[0];
        assert_eq!(o.title(), "1.1 Death");
        assert_eq!(o.source.comparison, "1 Aspirin versus placebo");
        assert_eq!(o.options.arms, ["Aspirin", "Placebo"]);
        assert_eq!(o.options.favours, ["Favours aspirin", "Favours placebo"]);
        assert_eq!(o.options.settings.method, Method::MantelHaenszel);
        assert_eq!(o.options.settings.convention, Convention::RevMan5);
        assert_eq!(o.options.models, ModelView::Random);
        // SORT_BY="USER": rows in ORDER.
        assert_eq!(o.rows[0].study, "Alpha 1980");
        assert_eq!(o.rows[0].year, "1980");
        assert_eq!((o.rows[0].e1.as_str(), o.rows[0].n2.as_str()), ("1", "13"));
        assert_eq!(o.source.stored.studies[0].weight, Some(60.0));
        assert_eq!(o.source.stored.overall.tau2, Some(0.01));
        assert_eq!(r.unsupported.len(), 1);
        assert!(r.unsupported[0].reason.starts_with("continuous"));
        assert_eq!(r.unsupported[0].number, "1.2");
    }

    #[test]
    fn swapped_events_are_read_as_non_events() {
        let text = MINIMAL.replace(r#"SWAP_EVENTS="NO""#, r#"SWAP_EVENTS="YES""#);
        let o = &read(text.as_bytes()).unwrap().outcomes[0];
        assert!(o.source.swapped_events);
        assert_eq!((o.rows[0].e1.as_str(), o.rows[0].e2.as_str()), ("11", "11"));
    }

    #[test]
    fn latin1_and_utf8_give_the_same_names() {
        let utf8 = MINIMAL.replace("Alpha 1980", "Müller 1980");
        let latin1: Vec<u8> = utf8
            .replace("UTF-8", "ISO-8859-1")
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let a = read(utf8.as_bytes()).unwrap();
        let b = read(&latin1).unwrap();
        assert_eq!(a.outcomes[0].rows[0].study, "Müller 1980");
        assert_eq!(a.outcomes, b.outcomes);
    }

    #[test]
    fn damaged_and_foreign_files_are_refused_with_a_reason() {
        let cut = &MINIMAL[..MINIMAL.len() / 2];
        assert!(matches!(read(cut.as_bytes()), Err(RevManError::Xml(_))));
        assert_eq!(
            read(b"<?xml version=\"1.0\"?><svg/>"),
            Err(RevManError::NotAReview("svg".into()))
        );
        assert!(matches!(
            read(b"\xff\xfe\x00"),
            Err(RevManError::Encoding(_))
        ));
        assert!(matches!(
            read(b"{\"version\": 1}"),
            Err(RevManError::Xml(_))
        ));
        let e = read(b"").unwrap_err();
        assert!(!e.to_string().is_empty());
        for bad in [
            "<COCHRANE_REVIEW><TITLE></COCHRANE_REVIEW>",
            "<COCHRANE_REVIEW></COCHRANE_REVIEW></COCHRANE_REVIEW>",
            "<COCHRANE_REVIEW A=\"1\" A=\"2\"/>",
            "<COCHRANE_REVIEW>&nosuch;</COCHRANE_REVIEW>",
            "<COCHRANE_REVIEW/><COCHRANE_REVIEW/>",
        ] {
            assert!(
                matches!(read(bad.as_bytes()), Err(RevManError::Xml(_))),
                "{bad}"
            );
        }
        let entities = "<COCHRANE_REVIEW><COVER_SHEET><TITLE>A &amp; B &#233;&#xE9; &lt;C&gt;</TITLE></COVER_SHEET></COCHRANE_REVIEW>";
        assert_eq!(read(entities.as_bytes()).unwrap().title, "A & B éé <C>");
    }
}
