//! Comparing the engine's values with a reference file's, within the tolerances of
//! `tests/reference/README.md`.
//!
//! A value agrees when `|actual − expected| ≤ max(relative · |expected|, absolute)`.
//! The *deviation* reported is `|actual − expected| / max(|expected|, absolute /
//! relative)`: the relative deviation, with values so close to zero that the absolute
//! tolerance governs measured against that floor; a value agrees exactly when its
//! deviation is at most the relative tolerance.

use super::reference::Node;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Relative tolerance for closed-form results (README: "1e-6 relative").
pub const CLOSED_FORM_RELATIVE: f64 = 1e-6;
/// Relative tolerance for iterative results: REML, ML, PM and EB estimates and what
/// depends on them, Q-profile bounds, trim-and-fill (README: "to 1e-5").
pub const ITERATIVE_RELATIVE: f64 = 1e-5;
/// Absolute tolerance for values near zero (README: "1e-9 absolute near zero").
pub const ABSOLUTE_NEAR_ZERO: f64 = 1e-9;
/// Absolute tolerance for p-values of the diagnostics files
/// (`tests/reference/diagnostics/README.md`: "1e-6 relative or 1e-12 absolute").
pub const P_VALUE_ABSOLUTE: f64 = 1e-12;

/// Which of the README's tolerances applies to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Tolerance {
    /// [`CLOSED_FORM_RELATIVE`], or [`ABSOLUTE_NEAR_ZERO`].
    ClosedForm,
    /// [`ITERATIVE_RELATIVE`], or [`ABSOLUTE_NEAR_ZERO`].
    Iterative,
    /// p-values of the diagnostics files: [`CLOSED_FORM_RELATIVE`], or
    /// [`P_VALUE_ABSOLUTE`].
    PValue,
    /// Counts, indices and bitmasks: equal.
    Exact,
}

impl Tolerance {
    /// The relative tolerance.
    pub fn relative(self) -> f64 {
        match self {
            Tolerance::ClosedForm | Tolerance::PValue => CLOSED_FORM_RELATIVE,
            Tolerance::Iterative => ITERATIVE_RELATIVE,
            Tolerance::Exact => 0.0,
        }
    }

    /// The absolute tolerance near zero.
    pub fn absolute(self) -> f64 {
        match self {
            Tolerance::ClosedForm | Tolerance::Iterative => ABSOLUTE_NEAR_ZERO,
            Tolerance::PValue => P_VALUE_ABSOLUTE,
            Tolerance::Exact => 0.0,
        }
    }

    /// The deviation of `actual` from `expected` (see the module docs; for
    /// [`Tolerance::Exact`] the plain relative difference, floored at 1).
    pub fn deviation(self, expected: f64, actual: f64) -> f64 {
        let floor = match self {
            Tolerance::Exact => 1.0,
            _ => self.absolute() / self.relative(),
        };
        (actual - expected).abs() / expected.abs().max(floor)
    }

    /// Whether `actual` agrees with `expected`.
    pub fn agrees(self, expected: f64, actual: f64) -> bool {
        match self {
            Tolerance::Exact => expected == actual,
            _ => self.deviation(expected, actual) <= self.relative(),
        }
    }
}

/// One field that does not agree with the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    /// Where: `pooled.tau2`, `studies.yi[3]`, `within[2].estimate`, ...
    pub field: String,
    /// How it differs.
    pub kind: MismatchKind,
}

/// How a field differs from the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MismatchKind {
    /// Both are numbers, further apart than the tolerance.
    Differs {
        /// The reference value.
        expected: f64,
        /// The engine's value.
        actual: f64,
        /// The deviation (see the module docs).
        deviation: f64,
        /// The tolerance that applied.
        tolerance: Tolerance,
    },
    /// The reference has a number; the engine reports the value as undefined.
    Undefined {
        /// The reference value.
        expected: f64,
    },
    /// The reference says undefined (`null`); the engine gives a number.
    UnexpectedValue {
        /// The engine's value.
        actual: f64,
    },
    /// Lists of different lengths.
    Length {
        /// Reference length.
        expected: usize,
        /// Engine length.
        actual: usize,
    },
    /// Different texts (e.g. trim-and-fill's side).
    Text {
        /// Reference text.
        expected: String,
        /// Engine text.
        actual: String,
    },
    /// The engine does not produce this field at all.
    NotProduced,
    /// The reference holds a value of a kind the engine's field cannot be compared with.
    Incomparable {
        /// The reference value, as JSON-like text.
        expected: String,
    },
}

impl fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MismatchKind::Differs {
                expected,
                actual,
                deviation,
                tolerance,
            } => write!(
                f,
                "expected {expected:e}, got {actual:e} (deviation {deviation:.2e} > {:.0e})",
                tolerance.relative()
            ),
            MismatchKind::Undefined { expected } => {
                write!(f, "expected {expected:e}, the engine reports it undefined")
            }
            MismatchKind::UnexpectedValue { actual } => {
                write!(
                    f,
                    "metafor leaves it undefined (NA), the engine gives {actual:e}"
                )
            }
            MismatchKind::Length { expected, actual } => {
                write!(f, "expected {expected} values, got {actual}")
            }
            MismatchKind::Text { expected, actual } => {
                write!(f, "expected '{expected}', got '{actual}'")
            }
            MismatchKind::NotProduced => f.write_str("the engine does not produce this value"),
            MismatchKind::Incomparable { expected } => {
                write!(f, "cannot compare the reference value {expected}")
            }
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.kind)
    }
}

/// The largest deviation found, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    /// The field.
    pub field: String,
    /// The deviation (see the module docs).
    pub value: f64,
}

/// Accumulates comparisons of one analysis or extra.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Comparison {
    /// Numbers compared (including `null`s matched by undefined values).
    pub compared: usize,
    /// The largest deviation among the numbers compared.
    pub largest: Option<Deviation>,
    /// Every field that does not agree.
    pub mismatches: Vec<Mismatch>,
}

/// Keys whose text is a description of how metafor was called, not a result.
pub const DESCRIPTIVE_KEYS: [&str; 7] = [
    "test",
    "intercept_note",
    "note",
    "applies_to",
    "base",
    "definition",
    "per_subset_omitted",
];

impl Comparison {
    /// Compares a reference tree with the engine's. Every leaf of `expected` is
    /// compared: missing engine values are mismatches; fields only the engine has are
    /// ignored. `tolerance` gives the tolerance of a field from its path.
    pub fn tree(
        &mut self,
        path: &str,
        expected: &Node,
        actual: Option<&Node>,
        tolerance: &dyn Fn(&str) -> Tolerance,
    ) {
        let mismatch = |this: &mut Self, kind| {
            this.mismatches.push(Mismatch {
                field: path.to_string(),
                kind,
            })
        };
        let last_key = path.rsplit('.').next().unwrap_or(path);
        match (expected, actual) {
            (Node::Text(_), None) if DESCRIPTIVE_KEYS.contains(&last_key) => {}
            (_, None) => mismatch(self, MismatchKind::NotProduced),
            (Node::Number(e), Some(Node::Number(a))) => self.number(path, *e, *a, tolerance(path)),
            (Node::Number(e), Some(Node::Null)) => {
                self.compared += 1;
                mismatch(self, MismatchKind::Undefined { expected: *e });
            }
            (Node::Null, Some(Node::Null)) => self.compared += 1,
            (Node::Null, Some(Node::Number(a))) => {
                self.compared += 1;
                mismatch(self, MismatchKind::UnexpectedValue { actual: *a });
            }
            (Node::Bool(e), Some(Node::Bool(a))) => {
                self.compared += 1;
                if e != a {
                    mismatch(
                        self,
                        MismatchKind::Text {
                            expected: e.to_string(),
                            actual: a.to_string(),
                        },
                    );
                }
            }
            (Node::Text(e), Some(Node::Text(a))) => {
                if e != a {
                    mismatch(
                        self,
                        MismatchKind::Text {
                            expected: e.clone(),
                            actual: a.clone(),
                        },
                    );
                }
            }
            (Node::List(e), Some(Node::List(a))) => {
                if e.len() != a.len() {
                    mismatch(
                        self,
                        MismatchKind::Length {
                            expected: e.len(),
                            actual: a.len(),
                        },
                    );
                }
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    self.tree(&format!("{path}[{i}]"), e, Some(a), tolerance);
                }
            }
            (Node::Map(e), Some(Node::Map(a))) => self.maps(path, e, a, tolerance),
            (e, Some(_)) => mismatch(
                self,
                MismatchKind::Incomparable {
                    expected: describe(e),
                },
            ),
        }
    }

    /// Compares two maps key by key (see [`Comparison::tree`]).
    pub fn maps(
        &mut self,
        path: &str,
        expected: &BTreeMap<String, Node>,
        actual: &BTreeMap<String, Node>,
        tolerance: &dyn Fn(&str) -> Tolerance,
    ) {
        for (key, e) in expected {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            self.tree(&child, e, actual.get(key), tolerance);
        }
    }

    /// Compares one number.
    pub fn number(&mut self, field: &str, expected: f64, actual: f64, tolerance: Tolerance) {
        self.compared += 1;
        let deviation = tolerance.deviation(expected, actual);
        // NaN deviations (never produced by finite inputs) count as the worst.
        let deviation = if deviation.is_nan() {
            f64::INFINITY
        } else {
            deviation
        };
        if self.largest.as_ref().is_none_or(|d| deviation > d.value) {
            self.largest = Some(Deviation {
                field: field.to_string(),
                value: deviation,
            });
        }
        if !tolerance.agrees(expected, actual) {
            self.mismatches.push(Mismatch {
                field: field.to_string(),
                kind: MismatchKind::Differs {
                    expected,
                    actual,
                    deviation,
                    tolerance,
                },
            });
        }
    }
}

fn describe(node: &Node) -> String {
    match node {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Number(x) => x.to_string(),
        Node::Text(s) => format!("\"{s}\""),
        Node::List(l) => format!("a list of {}", l.len()),
        Node::Map(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expected: f64, actual: f64, tolerance: Tolerance, agrees: bool) {
        assert_eq!(
            tolerance.agrees(expected, actual),
            agrees,
            "{expected} vs {actual} ({tolerance:?})"
        );
    }

    #[test]
    fn tolerances() {
        check(1.0, 1.0 + 0.9e-6, Tolerance::ClosedForm, true);
        check(1.0, 1.0 + 1.1e-6, Tolerance::ClosedForm, false);
        check(1.0, 1.0 + 9e-6, Tolerance::Iterative, true);
        check(-2.0, -2.0 - 3e-5, Tolerance::Iterative, false);
        check(0.0, 0.9e-9, Tolerance::ClosedForm, true);
        check(0.0, 1.1e-9, Tolerance::ClosedForm, false);
        check(2.3e-26, 0.0, Tolerance::ClosedForm, true);
        check(0.0, 0.9e-12, Tolerance::PValue, true);
        check(0.0, 1.1e-12, Tolerance::PValue, false);
        check(0.5, 0.5 + 4e-7, Tolerance::PValue, true);
        check(3.0, 3.0, Tolerance::Exact, true);
        check(3.0, 3.0 + 1e-12, Tolerance::Exact, false);
    }

    #[test]
    fn trees_report_every_kind_of_difference() {
        let e = Node::Map(BTreeMap::from([
            ("a".to_string(), Node::Number(1.0)),
            ("b".to_string(), Node::Null),
            (
                "c".to_string(),
                Node::List(vec![Node::Number(1.0), Node::Number(2.0)]),
            ),
            ("d".to_string(), Node::Number(3.0)),
            ("test".to_string(), Node::Text("description".into())),
            ("side".to_string(), Node::Text("left".into())),
        ]));
        let a = Node::Map(BTreeMap::from([
            ("a".to_string(), Node::Number(1.1)),
            ("b".to_string(), Node::Number(0.0)),
            ("c".to_string(), Node::List(vec![Node::Number(1.0)])),
            ("side".to_string(), Node::Text("right".into())),
        ]));
        let mut c = Comparison::default();
        c.tree("", &e, Some(&a), &|_| Tolerance::ClosedForm);
        let fields: Vec<&str> = c.mismatches.iter().map(|m| m.field.as_str()).collect();
        assert_eq!(fields, ["a", "b", "c", "d", "side"]);
        assert_eq!(c.compared, 3);
    }
}
