//! The reference-file format of `tests/reference/README.md`, as serde types.
//!
//! The skeleton (studies, analysis specification) is typed; the values to compare
//! (`studies`, `pooled`, each extra) are kept as a generic [`Node`] tree, so that every
//! field a file holds is compared, including fields added to the format later: a field
//! the engine does not produce is reported, never skipped.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// One reference file: a data set and what metafor computes for it. Unknown fields are
/// an error, so that nothing a file holds goes unchecked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFile {
    /// Short name of the data set ("bcg").
    pub name: String,
    /// Where the data come from.
    #[serde(default)]
    pub source: String,
    /// The software that computed the values ("R 4.2.2 metafor 3.8.1").
    #[serde(default)]
    pub oracle: String,
    /// Free-text notes on conventions.
    #[serde(default)]
    pub conventions: BTreeMap<String, Node>,
    /// The trials, in order.
    pub studies: Vec<ReferenceStudy>,
    /// One entry per (measure, method, model, tau² estimator, CI method).
    pub analyses: Vec<ReferenceAnalysis>,
    /// Extra analyses per measure ("RR", "OR"); an empty list in the file means none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub extras: BTreeMap<String, BTreeMap<String, Node>>,
}

/// One trial of a reference file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceStudy {
    /// Study label.
    pub study: String,
    /// Year of publication, if known.
    pub year: Option<i32>,
    /// Experimental events (`ai`).
    pub e1: u64,
    /// Experimental total (`n1i`).
    pub n1: u64,
    /// Control events (`ci`).
    pub e2: u64,
    /// Control total (`n2i`).
    pub n2: u64,
    /// Subgroup label, if any.
    pub subgroup: Option<String>,
}

/// One analysis of a reference file: its specification and metafor's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceAnalysis {
    /// Identifier, e.g. `"RR/IV/random/REML/HK"`.
    pub id: String,
    /// `RR`, `OR` or `RD`.
    pub measure: String,
    /// `IV`, `MH` or `Peto`.
    pub method: String,
    /// `common` or `random`.
    pub model: String,
    /// metafor's tau² estimator code (`DL`, `REML`, ...); `null` for common models.
    pub tau2_method: Option<String>,
    /// `z` or `HK`.
    pub ci_method: String,
    /// Zero-cell handling: `add`, `to`, `drop00`, and free-text `note`/`applies_to`.
    #[serde(default)]
    pub correction: BTreeMap<String, Node>,
    /// Per-study `yi`, `vi`, `weight_pct` (a single number when there is one study).
    pub studies: BTreeMap<String, Node>,
    /// Pooled results: `estimate`, `se`, `ci_lower`, ..., `tau2_ci`.
    pub pooled: BTreeMap<String, Node>,
}

/// A JSON value as the reference files hold them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// `null`: R's `NA`/`NULL`, a value metafor does not define.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (integers included).
    Number(f64),
    /// A string.
    Text(String),
    /// A list.
    List(Vec<Node>),
    /// An object.
    Map(BTreeMap<String, Node>),
}

impl Node {
    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(x) => Some(*x),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value, or [`Node::Null`] for `None` and non-finite numbers (an undefined
    /// result, as metafor's `NA`).
    pub fn number(x: Option<f64>) -> Node {
        match x {
            Some(x) if x.is_finite() => Node::Number(x),
            _ => Node::Null,
        }
    }

    /// A list of numbers, `None` and non-finite entries as [`Node::Null`].
    pub fn numbers<I: IntoIterator<Item = Option<f64>>>(xs: I) -> Node {
        Node::List(xs.into_iter().map(Node::number).collect())
    }
}

/// `extras` is an object keyed by measure, or `[]` when a file has none.
fn map_or_empty_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, BTreeMap<String, Node>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Extras {
        Map(BTreeMap<String, BTreeMap<String, Node>>),
        List(Vec<Node>),
    }
    match Extras::deserialize(d)? {
        Extras::Map(m) => Ok(m),
        Extras::List(l) if l.is_empty() => Ok(BTreeMap::new()),
        Extras::List(_) => Err(serde::de::Error::custom(
            "`extras` must be an object keyed by measure, or an empty list",
        )),
    }
}
