//! Recognising header cells: "Study", "Experimental events", "n.e", "ai", "tpos", ...
//!
//! A header cell is first looked up whole (lower case, punctuation and spaces removed)
//! among fixed names — metafor's `ai bi ci di n1i n2i`, meta's `event.e n.e event.c
//! n.c`, the `a b c d` cell form, metadat's `tpos tneg cpos cneg` — then read as words:
//! an arm word (experimental, treatment, intervention, ... / control, placebo, ...) with
//! a quantity word (events, cases, deaths, ... / total, n, patients, ... / non-events).

use super::Column;

/// The column a header cell names, if any.
pub(crate) fn recognise(cell: &str) -> Option<Column> {
    let lower = cell.trim().to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if let Some(c) = exact(&compact) {
        return Some(c);
    }
    let words = words(&lower);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    if has(STUDY_WORDS) && !has(EVENT_WORDS) && !has(TOTAL_WORDS) {
        return Some(Column::Study);
    }
    if has(&["year", "yr", "published"]) {
        return Some(Column::Year);
    }
    if has(&[
        "subgroup",
        "subgroups",
        "group",
        "category",
        "subset",
        "stratum",
        "strata",
        "byvar",
    ]) && !has(EXPERIMENTAL_WORDS)
        && !has(CONTROL_WORDS)
        && !has(EVENT_WORDS)
        && !has(TOTAL_WORDS)
    {
        return Some(Column::Subgroup);
    }
    let experimental = has(EXPERIMENTAL_WORDS);
    let control = has(CONTROL_WORDS);
    let arm_is_experimental = match (experimental, control) {
        (true, false) => true,
        (false, true) => false,
        _ => return None,
    };
    let non_events =
        has(NON_EVENT_WORDS) || lower.contains("non-event") || lower.contains("no event");
    let quantity = if non_events {
        Quantity::NonEvents
    } else if has(EVENT_WORDS) {
        Quantity::Events
    } else if has(TOTAL_WORDS) {
        Quantity::Total
    } else {
        return None;
    };
    Some(match (arm_is_experimental, quantity) {
        (true, Quantity::Events) => Column::ExperimentalEvents,
        (true, Quantity::Total) => Column::ExperimentalTotal,
        (true, Quantity::NonEvents) => Column::ExperimentalNonEvents,
        (false, Quantity::Events) => Column::ControlEvents,
        (false, Quantity::Total) => Column::ControlTotal,
        (false, Quantity::NonEvents) => Column::ControlNonEvents,
    })
}

enum Quantity {
    Events,
    Total,
    NonEvents,
}

fn exact(compact: &str) -> Option<Column> {
    use Column::*;
    Some(match compact {
        "study" | "studies" | "studyname" | "studyid" | "author" | "authors" | "firstauthor"
        | "authoryear" | "trial" | "trials" | "trialname" | "name" | "id" | "label" | "studlab"
        | "slab" | "reference" | "citation" | "source" => Study,
        "year" | "yr" | "pubyear" | "publicationyear" | "yearofpublication" => Year,
        "subgroup" | "group" | "subgroups" | "groups" | "category" | "byvar" | "subset" => Subgroup,
        "a" | "ai" | "e1" | "e1i" | "x1" | "x1i" | "r1" | "events1" | "event1" | "evente"
        | "eventse" | "ee" | "eventt" | "eventst" | "tpos" | "eventexp" | "eventsexp" => {
            ExperimentalEvents
        }
        "n1" | "n1i" | "ne" | "ntot1" | "total1" | "nt" | "nexp" | "totale" | "totalexp" => {
            ExperimentalTotal
        }
        "b" | "bi" | "tneg" | "nonevents1" => ExperimentalNonEvents,
        "c" | "ci" | "e2" | "e2i" | "x2" | "x2i" | "r2" | "events2" | "event2" | "eventc"
        | "eventsc" | "ec" | "cpos" | "eventctrl" | "eventsctrl" => ControlEvents,
        "n2" | "n2i" | "nc" | "ntot2" | "total2" | "nctrl" | "totalc" | "totalctrl" => ControlTotal,
        "d" | "di" | "cneg" | "nonevents2" => ControlNonEvents,
        _ => return None,
    })
}

/// Lower-case words, split at anything that is not a letter or digit and between
/// letters and digits ("events1" → "events", "1").
fn words(lower: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut last_digit = None;
    for ch in lower.chars() {
        if ch.is_alphanumeric() {
            let digit = ch.is_ascii_digit();
            if last_digit.is_some_and(|d| d != digit) && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.push(ch);
            last_digit = Some(digit);
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            last_digit = None;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

const STUDY_WORDS: &[&str] = &[
    "study",
    "studies",
    "author",
    "authors",
    "trial",
    "trials",
    "name",
    "reference",
];

const EXPERIMENTAL_WORDS: &[&str] = &[
    "experimental",
    "experiment",
    "exp",
    "e",
    "treatment",
    "treatments",
    "treated",
    "treat",
    "tx",
    "trt",
    "t",
    "intervention",
    "interventions",
    "int",
    "active",
    "drug",
    "vaccine",
    "vaccinated",
    "1",
];

const CONTROL_WORDS: &[&str] = &[
    "control",
    "controls",
    "ctrl",
    "ctl",
    "c",
    "placebo",
    "pbo",
    "plac",
    "comparator",
    "comparison",
    "usual",
    "standard",
    "std",
    "unvaccinated",
    "2",
];

const EVENT_WORDS: &[&str] = &[
    "events",
    "event",
    "ev",
    "evts",
    "cases",
    "case",
    "deaths",
    "death",
    "dead",
    "died",
    "responders",
    "response",
    "responses",
    "successes",
    "success",
    "outcomes",
    "outcome",
    "positive",
    "pos",
    "x",
    "r",
];

const TOTAL_WORDS: &[&str] = &[
    "total",
    "totals",
    "tot",
    "n",
    "participants",
    "patients",
    "subjects",
    "people",
    "size",
    "randomised",
    "randomized",
    "sample",
    "number",
    "no",
    "all",
];

const NON_EVENT_WORDS: &[&str] = &[
    "nonevents",
    "nonevent",
    "non",
    "negative",
    "neg",
    "without",
    "survivors",
];

#[cfg(test)]
mod tests {
    use super::*;
    use Column::*;

    #[test]
    fn spellings() {
        for (cell, expected) in [
            ("Study", Some(Study)),
            ("Author(s)", Some(Study)),
            ("Study name", Some(Study)),
            ("Year", Some(Year)),
            ("Publication year", Some(Year)),
            ("Experimental events", Some(ExperimentalEvents)),
            ("Events (experimental)", Some(ExperimentalEvents)),
            ("Treatment: events", Some(ExperimentalEvents)),
            ("Intervention cases", Some(ExperimentalEvents)),
            ("No. of events, intervention", Some(ExperimentalEvents)),
            ("event.e", Some(ExperimentalEvents)),
            ("e1", Some(ExperimentalEvents)),
            ("ai", Some(ExperimentalEvents)),
            ("n1i", Some(ExperimentalTotal)),
            ("n.e", Some(ExperimentalTotal)),
            ("Experimental total", Some(ExperimentalTotal)),
            ("Treatment N", Some(ExperimentalTotal)),
            ("Total 1", Some(ExperimentalTotal)),
            ("Control events", Some(ControlEvents)),
            ("Placebo deaths", Some(ControlEvents)),
            ("event.c", Some(ControlEvents)),
            ("ci", Some(ControlEvents)),
            ("Control total", Some(ControlTotal)),
            ("Placebo patients", Some(ControlTotal)),
            ("n.c", Some(ControlTotal)),
            ("n2", Some(ControlTotal)),
            ("bi", Some(ExperimentalNonEvents)),
            ("Experimental non-events", Some(ExperimentalNonEvents)),
            ("Control no events", Some(ControlNonEvents)),
            ("cneg", Some(ControlNonEvents)),
            ("Subgroup", Some(Subgroup)),
            ("Group", Some(Subgroup)),
            ("weight", None),
            ("events", None),
        ] {
            assert_eq!(recognise(cell), expected, "header cell {cell:?}");
        }
    }
}
