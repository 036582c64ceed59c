//! Share links: outcomes, with their rows as typed and their settings, carried in a URL's
//! fragment (`#…`), which browsers never send to a server.
//!
//! # Format, version 1
//!
//! The fragment is `grove1.` followed by the base64url (RFC 4648 §5, no padding) of the
//! raw DEFLATE (RFC 1951) compression of a UTF-8 text. Compressing is left to the caller
//! (the page has the browser's `CompressionStream("deflate-raw")`; native code any
//! DEFLATE implementation), so that no compressor ships in the page.
//!
//! The text is one record per line, its fields separated by tabs; a backslash, tab,
//! line feed or carriage return inside a field is written `\\`, `\t`, `\n`, `\r`
//! (⇥ below is a tab):
//!
//! ```text
//! grove ⇥ 1
//! active ⇥ 0
//! outcome ⇥ Tuberculosis ⇥ Colditz et al. (1994)
//! arms ⇥ Vaccinated ⇥ Not vaccinated
//! favours ⇥ Favours vaccine ⇥ Favours control
//! set ⇥ measure ⇥ RR
//! …
//! row ⇥ Aronson ⇥ 1948 ⇥ 4 ⇥ 123 ⇥ 11 ⇥ 139
//! ```
//!
//! - `grove 1` first: the format's version. A later Grove reads every earlier version;
//!   a link of a later version is refused with [`ShareError::NewerVersion`].
//! - `active i`: the outcome shown first (0-based).
//! - Per outcome, in order: `outcome name source`, `arms`, `favours`, then one `set key
//!   value` line for every setting (all of them, never only those differing from a
//!   default, so that a link keeps its meaning when defaults change), then one `row` line
//!   per row with its seven cells as typed: study, year, experimental events and total,
//!   control events and total, subgroup.
//!
//! # Format, version 2
//!
//! Version 1 and one more record: a row the user switched off (excluded from the
//! analysis, shown greyed) is written `excluded` instead of `row`, with the same seven
//! cells. A link with no such row is written as version 1, so that a Grove that reads
//! only version 1 still opens it; a version-1 reader refuses a version-2 link as newer
//! rather than damaged.
//! - Settings use Grove's own codes, never the names of Rust types: `measure` (`RR OR
//!   RD`), `method` (`IV MH Peto`), `tau2` (`DL REML PM ML HS SJ HE EB`), `ci` (`z HK`),
//!   `to` (`only0 all none if0all`), `add` (the increment, a decimal number), `convention`
//!   (`metafor revman5`), `models` (`common random both`), `prediction` (`yes no`),
//!   `totals` (`overall subtotals none`).
//!
//! # Format, version 3
//!
//! Version 2 and the reviewer's judgements, each record written only when it holds
//! something, and the link written as version 3 only when one is:
//! - `rob key D1 D2 D3 D4 D5 overall`: a study's risk-of-bias judgements as typed, under
//!   the key they are kept under ([`crate::rob::study_key`]), for the studies of the
//!   outcomes carried; anywhere after `grove`.
//! - Per outcome, after its `outcome` record: `risk typed`, the control-group risk per
//!   1000 for its absolute effects as typed; `thresholds benefit harm`, its thresholds
//!   of appreciable benefit and harm as typed; and one `grade domain concern reason`
//!   per GRADE domain the reviewer judged or gave a reason in, the domain as
//!   `risk-of-bias inconsistency indirectness imprecision publication-bias`, the concern
//!   as `not-serious serious very-serious`, or empty for Grove's proposal.
//!
//! Results RevMan stored for an outcome of a review are not carried: a link holds what
//! is needed to redo the analysis, not the review file.

use crate::base64;
use crate::grade::sof::Judgements;
use crate::grade::{Concern, Domain};
use crate::parse::RawRow;
use crate::report::{ModelView, ReportOptions, Totals};
use crate::settings::{
    CiMethod, Convention, CorrectionScope, Measure, Method, Settings, Tau2Estimator,
    ZeroCellCorrection,
};
use std::fmt;

/// What a share link carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The outcomes, in order; never empty.
    pub outcomes: Vec<SharedOutcome>,
    /// The outcome shown first.
    pub active: usize,
    /// Risk-of-bias judgements as typed, by the key of their study.
    pub rob: Vec<(String, crate::rob::Cells)>,
}

/// One outcome of a share link.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedOutcome {
    /// Its name ("Tuberculosis").
    pub name: String,
    /// Where the data come from; may be empty.
    pub source: String,
    /// The rows exactly as typed.
    pub rows: Vec<RawRow>,
    /// Analysis settings and labels.
    pub options: ReportOptions,
    /// The control-group risk per 1000 for the absolute effects, as typed.
    pub control_risk: String,
    /// The thresholds of appreciable benefit and harm, as typed.
    pub thresholds: [String; 2],
    /// The reviewer's GRADE judgements.
    pub grade: Judgements,
}

impl SharedOutcome {
    /// An outcome of these rows and options, with nothing judged or typed besides.
    pub fn new(name: String, source: String, rows: Vec<RawRow>, options: ReportOptions) -> Self {
        SharedOutcome {
            name,
            source,
            rows,
            options,
            control_risk: String::new(),
            thresholds: Default::default(),
            grade: Judgements::default(),
        }
    }

    /// Whether it carries anything only version 3 writes.
    fn judged(&self) -> bool {
        !self.control_risk.is_empty()
            || self.thresholds.iter().any(|t| !t.is_empty())
            || !self.grade.is_empty()
    }
}

/// The newest version of the text this Grove reads and writes. A link is written in the
/// oldest version that carries it: version 1 unless a row is excluded (2) or something
/// is judged (3).
pub const VERSION: u32 = 3;

/// The version of the envelope (`grove1.` + base64url of DEFLATE), which is not the
/// version of the text inside it.
const ENVELOPE: u32 = 1;

/// What a fragment starts with (after `#`).
pub const PREFIX: &str = "grove1.";

/// Most bytes a link's text may expand to: a link is a few kilobytes, and a damaged or
/// hostile one must not make the page allocate without bound.
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// Why a fragment is not a link that can be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment is not a Grove share link (another anchor, or none): nothing to open.
    NotALink,
    /// Not base64url.
    Encoding,
    /// The compressed data could not be expanded (said by the caller that expands it).
    Compression(String),
    /// Made by a later Grove.
    NewerVersion(u32),
    /// Read but wrong: the line (1-based) and what is wrong there.
    Damaged(usize, String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::NotALink => f.write_str("the address holds no Grove analysis"),
            ShareError::Encoding => {
                f.write_str("the link is damaged (it is not in the encoding Grove writes)")
            }
            ShareError::Compression(why) => write!(f, "the link is damaged ({why})"),
            ShareError::NewerVersion(v) => write!(
                f,
                "the link was made by a newer version of Grove (format {v}; this page reads format {VERSION})"
            ),
            ShareError::Damaged(line, why) => {
                write!(f, "the link is damaged (record {line}: {why})")
            }
        }
    }
}

impl std::error::Error for ShareError {}

impl Shared {
    /// The text of the link, before compression.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let excludes = self
            .outcomes
            .iter()
            .flat_map(|o| &o.rows)
            .any(|r| r.excluded);
        let judged = !self.rob.is_empty() || self.outcomes.iter().any(SharedOutcome::judged);
        let version = match (judged, excludes) {
            (true, _) => 3,
            (false, true) => 2,
            (false, false) => 1,
        };
        line(&mut out, &["grove", &version.to_string()]);
        line(&mut out, &["active", &self.active.to_string()]);
        for (key, cells) in &self.rob {
            let mut fields = vec!["rob", key.as_str()];
            fields.extend(cells.iter().map(String::as_str));
            line(&mut out, &fields);
        }
        for o in &self.outcomes {
            let options = &o.options;
            let settings = &options.settings;
            line(&mut out, &["outcome", &o.name, &o.source]);
            line(&mut out, &["arms", &options.arms[0], &options.arms[1]]);
            line(
                &mut out,
                &["favours", &options.favours[0], &options.favours[1]],
            );
            if !o.control_risk.is_empty() {
                line(&mut out, &["risk", &o.control_risk]);
            }
            if o.thresholds.iter().any(|t| !t.is_empty()) {
                line(
                    &mut out,
                    &["thresholds", &o.thresholds[0], &o.thresholds[1]],
                );
            }
            for (i, domain) in Domain::ALL.iter().enumerate() {
                let (concern, reason) = (o.grade.concerns[i], &o.grade.reasons[i]);
                if concern.is_some() || !reason.is_empty() {
                    let concern = concern.map_or("", Concern::code);
                    line(&mut out, &["grade", domain.code(), concern, reason]);
                }
            }
            let increment = settings.correction.increment.to_string();
            for (key, value) in [
                ("measure", settings.measure.code()),
                ("method", settings.method.code()),
                ("tau2", settings.tau2.code()),
                ("ci", settings.ci.code()),
                ("to", settings.correction.scope.code()),
                ("add", increment.as_str()),
                ("convention", settings.convention.code()),
                ("models", options.models.code()),
                ("prediction", if options.prediction { "yes" } else { "no" }),
                ("totals", options.totals.code()),
            ] {
                line(&mut out, &["set", key, value]);
            }
            for r in &o.rows {
                line(
                    &mut out,
                    &[
                        if r.excluded { "excluded" } else { "row" },
                        &r.study,
                        &r.year,
                        &r.e1,
                        &r.n1,
                        &r.e2,
                        &r.n2,
                        &r.subgroup,
                    ],
                );
            }
        }
        out
    }

    /// Reads the text of a link (of this version or an earlier one).
    pub fn from_text(text: &str) -> Result<Shared, ShareError> {
        let mut records = text
            .split('\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| (i + 1, fields(l)));
        let damaged = |line: usize, why: &str| ShareError::Damaged(line, why.to_owned());
        let (n, first) = records.next().ok_or_else(|| damaged(1, "it is empty"))?;
        let first = first.map_err(|why| damaged(n, &why))?;
        let version = match first.as_slice() {
            [tag, v] if tag == "grove" => v
                .parse::<u32>()
                .map_err(|_| damaged(n, "no format version"))?,
            _ => return Err(damaged(n, "it does not start with Grove's format version")),
        };
        if version > VERSION {
            return Err(ShareError::NewerVersion(version));
        }
        let mut active = None;
        let mut rob: Vec<(String, crate::rob::Cells)> = Vec::new();
        // Each outcome with the line it starts on and its `set` records.
        let mut outcomes: Vec<(usize, SharedOutcome, SetRecords)> = Vec::new();
        for (n, record) in records {
            let record = record.map_err(|why| damaged(n, &why))?;
            let current = outcomes.last_mut();
            match (record.as_slice(), current) {
                ([tag, i], _) if tag == "active" && active.is_none() => {
                    active = Some(i.parse::<usize>().map_err(|_| damaged(n, "bad index"))?);
                }
                ([tag, name, source], _) if tag == "outcome" => outcomes.push((
                    n,
                    SharedOutcome::new(
                        name.clone(),
                        source.clone(),
                        Vec::new(),
                        ReportOptions::default(),
                    ),
                    Vec::new(),
                )),
                ([tag, key, cells @ ..], _) if tag == "rob" && version >= 3 && cells.len() == 6 => {
                    if rob.iter().any(|(k, _)| k == key) {
                        return Err(damaged(n, &format!("the judgements of {key} given twice")));
                    }
                    rob.push((key.clone(), std::array::from_fn(|i| cells[i].clone())));
                }
                ([tag, typed], Some((_, o, _))) if tag == "risk" && version >= 3 => {
                    o.control_risk = typed.clone();
                }
                ([tag, benefit, harm], Some((_, o, _))) if tag == "thresholds" && version >= 3 => {
                    o.thresholds = [benefit.clone(), harm.clone()];
                }
                ([tag, domain, concern, reason], Some((_, o, _)))
                    if tag == "grade" && version >= 3 =>
                {
                    let i = Domain::ALL
                        .iter()
                        .position(|d| d.code() == domain)
                        .ok_or_else(|| damaged(n, &format!("no GRADE domain {domain}")))?;
                    o.grade.concerns[i] = match concern.as_str() {
                        "" => None,
                        code => Some(
                            Concern::from_code(code)
                                .ok_or_else(|| damaged(n, &format!("no GRADE judgement {code}")))?,
                        ),
                    };
                    o.grade.reasons[i] = reason.clone();
                }
                ([tag, a, b], Some((_, o, _))) if tag == "arms" => {
                    o.options.arms = [a.clone(), b.clone()]
                }
                ([tag, a, b], Some((_, o, _))) if tag == "favours" => {
                    o.options.favours = [a.clone(), b.clone()]
                }
                ([tag, key, value], Some((_, _, set))) if tag == "set" => {
                    if set.iter().any(|(k, _)| k == key) {
                        return Err(damaged(n, &format!("setting {key} given twice")));
                    }
                    set.push((key.clone(), value.clone()));
                }
                ([tag, study, year, e1, n1, e2, n2, subgroup], Some((_, o, _)))
                    if tag == "row" || (tag == "excluded" && version >= 2) =>
                {
                    o.rows.push(RawRow {
                        study: study.clone(),
                        year: year.clone(),
                        e1: e1.clone(),
                        n1: n1.clone(),
                        e2: e2.clone(),
                        n2: n2.clone(),
                        subgroup: subgroup.clone(),
                        excluded: tag == "excluded",
                    })
                }
                _ => return Err(damaged(n, "a record Grove does not write")),
            }
        }
        let outcomes = outcomes
            .into_iter()
            .map(|(n, mut o, set)| {
                o.options = options(&set, o.options).map_err(|why| damaged(n, &why))?;
                Ok(o)
            })
            .collect::<Result<Vec<_>, ShareError>>()?;
        if outcomes.is_empty() {
            return Err(damaged(1, "it holds no outcome"));
        }
        let active = active.unwrap_or(0);
        if active >= outcomes.len() {
            return Err(damaged(2, "the outcome shown first does not exist"));
        }
        Ok(Shared {
            outcomes,
            active,
            rob,
        })
    }
}

/// The fragment (without `#`) for the compressed text of a link.
pub fn fragment(compressed: &[u8]) -> String {
    let mut out = String::with_capacity(PREFIX.len() + compressed.len() * 4 / 3 + 3);
    out.push_str(PREFIX);
    base64::encode(base64::URL_SAFE, compressed, &mut out);
    out
}

/// The compressed text of a link from its fragment (with or without `#`).
pub fn compressed(fragment: &str) -> Result<Vec<u8>, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if let Some(rest) = fragment.strip_prefix("grove") {
        // A later format announces itself by its number: say so rather than "damaged".
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(v) = digits.parse::<u32>()
            && v > ENVELOPE
            && rest[digits.len()..].starts_with('.')
        {
            return Err(ShareError::NewerVersion(v));
        }
    }
    let data = fragment.strip_prefix(PREFIX).ok_or(ShareError::NotALink)?;
    base64::decode(base64::URL_SAFE, data).ok_or(ShareError::Encoding)
}

// ---------------------------------------------------------------------------------------

/// An outcome's `set` records: key and value.
type SetRecords = Vec<(String, String)>;

/// Appends one record.
fn line(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        for c in field.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
}

/// The fields of one record, unescaped.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(String::new()),
            '\\' => {
                let unescaped = match chars.next() {
                    Some('\\') => '\\',
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    _ => return Err("a broken escape".to_owned()),
                };
                if let Some(f) = out.last_mut() {
                    f.push(unescaped);
                }
            }
            // A carriage return is written escaped; a bare one is a line end from a
            // system that writes CR LF.
            '\r' => {}
            c => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    Ok(out)
}

/// The options an outcome's `set` records describe; every setting must be given.
fn options(set: &SetRecords, mut options: ReportOptions) -> Result<ReportOptions, String> {
    let get = |key: &str| {
        set.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("the setting {key} is missing"))
    };
    let bad = |key: &str, value: &str| format!("“{value}” is not a value of {key}");
    let measure = get("measure")?;
    let method = get("method")?;
    let tau2 = get("tau2")?;
    let ci = get("ci")?;
    let to = get("to")?;
    let add = get("add")?;
    let convention = get("convention")?;
    let models = get("models")?;
    let prediction = get("prediction")?;
    let totals = get("totals")?;
    if let Some((key, _)) = set.iter().find(|(k, _)| {
        ![
            "measure",
            "method",
            "tau2",
            "ci",
            "to",
            "add",
            "convention",
            "models",
            "prediction",
            "totals",
        ]
        .contains(&k.as_str())
    }) {
        return Err(format!("a setting Grove does not know: {key}"));
    }
    let settings = Settings {
        measure: Measure::from_code(measure).ok_or_else(|| bad("measure", measure))?,
        method: Method::from_code(method).ok_or_else(|| bad("method", method))?,
        tau2: Tau2Estimator::from_code(tau2).ok_or_else(|| bad("tau2", tau2))?,
        ci: CiMethod::from_code(ci).ok_or_else(|| bad("ci", ci))?,
        correction: ZeroCellCorrection {
            increment: add.parse::<f64>().map_err(|_| bad("add", add))?,
            scope: CorrectionScope::from_code(to).ok_or_else(|| bad("to", to))?,
        },
        convention: Convention::from_code(convention)
            .ok_or_else(|| bad("convention", convention))?,
    };
    settings.check().map_err(|e| e.to_string())?;
    options.settings = settings;
    options.models = ModelView::from_code(models).ok_or_else(|| bad("models", models))?;
    options.prediction = match prediction {
        "yes" => true,
        "no" => false,
        other => return Err(bad("prediction", other)),
    };
    options.totals = Totals::from_code(totals).ok_or_else(|| bad("totals", totals))?;
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fields_round_trip(cells in proptest::collection::vec(".*", 1..8)) {
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let mut s = String::new();
            line(&mut s, &refs);
            prop_assert_eq!(s.matches('\n').count(), 1);
            prop_assert_eq!(fields(s.trim_end_matches('\n')), Ok(cells));
        }
    }
}
