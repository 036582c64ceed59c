//! Validated 2×2 tables and the trials that carry them.
//!
//! A [`Table`] cannot hold an invalid table: every constructor checks that each arm has
//! a positive total and no more events than participants. In metafor's vocabulary the
//! four cells are `ai` (experimental events), `bi` (experimental non-events), `ci`
//! (control events) and `di` (control non-events), with arm totals `n1i = ai + bi` and
//! `n2i = ci + di`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One arm of a two-arm trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Arm {
    /// The experimental (treatment) arm: metafor's group 1 (`ai`, `n1i`).
    Experimental,
    /// The control arm: metafor's group 2 (`ci`, `n2i`).
    Control,
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arm::Experimental => "experimental",
            Arm::Control => "control",
        })
    }
}

/// Why four counts do not make a 2×2 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    /// The arm has no participants, so no risk can be computed in it.
    ZeroTotal(Arm),
    /// The arm reports more events than participants.
    EventsExceedTotal {
        /// The arm at fault.
        arm: Arm,
        /// The events reported.
        events: u64,
        /// The participants reported.
        total: u64,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::ZeroTotal(arm) => write!(f, "the {arm} arm has a total of 0"),
            TableError::EventsExceedTotal { arm, events, total } => write!(
                f,
                "the {arm} arm has more events ({events}) than participants ({total})"
            ),
        }
    }
}

impl std::error::Error for TableError {}

/// A validated 2×2 table: events and totals in the experimental and control arms.
///
/// # Invariants
/// `0 < n1`, `e1 <= n1`, `0 < n2`, `e2 <= n2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Table {
    e1: u64,
    n1: u64,
    e2: u64,
    n2: u64,
}

impl Table {
    /// Builds a table from events and totals of each arm.
    ///
    /// # Errors
    /// [`TableError::ZeroTotal`] when an arm has no participants and
    /// [`TableError::EventsExceedTotal`] when it has more events than participants
    /// (the experimental arm is checked first).
    ///
    /// ```
    /// use grove_core::Table;
    /// let t = Table::new(4, 123, 11, 139).unwrap();
    /// assert_eq!((t.ai(), t.bi(), t.ci(), t.di()), (4, 119, 11, 128));
    /// assert!(Table::new(5, 4, 1, 10).is_err());
    /// ```
    pub fn new(e1: u64, n1: u64, e2: u64, n2: u64) -> Result<Table, TableError> {
        check_arm(Arm::Experimental, e1, n1)?;
        check_arm(Arm::Control, e2, n2)?;
        Ok(Table { e1, n1, e2, n2 })
    }

    /// Experimental events, metafor's `ai`.
    pub fn ai(&self) -> u64 {
        self.e1
    }
    /// Experimental non-events, metafor's `bi = n1i - ai`.
    pub fn bi(&self) -> u64 {
        self.n1 - self.e1
    }
    /// Control events, metafor's `ci`.
    pub fn ci(&self) -> u64 {
        self.e2
    }
    /// Control non-events, metafor's `di = n2i - ci`.
    pub fn di(&self) -> u64 {
        self.n2 - self.e2
    }
    /// Experimental participants, metafor's `n1i`.
    pub fn n1(&self) -> u64 {
        self.n1
    }
    /// Control participants, metafor's `n2i`.
    pub fn n2(&self) -> u64 {
        self.n2
    }
    /// All participants, `n1i + n2i`.
    pub fn total(&self) -> u64 {
        self.n1 + self.n2
    }
    /// Whether any of the four cells is zero (a continuity correction may apply).
    pub fn has_zero_cell(&self) -> bool {
        self.ai() == 0 || self.bi() == 0 || self.ci() == 0 || self.di() == 0
    }
    /// Whether neither arm has an event, or every participant in both arms had one
    /// (a "double-zero" study, uninformative for ratio measures).
    pub fn is_double_zero(&self) -> bool {
        (self.ai() == 0 && self.ci() == 0) || (self.bi() == 0 && self.di() == 0)
    }
    /// The same trial with the arms swapped (experimental becomes control).
    pub fn swapped(&self) -> Table {
        Table {
            e1: self.e2,
            n1: self.n2,
            e2: self.e1,
            n2: self.n1,
        }
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            e1: u64,
            n1: u64,
            e2: u64,
            n2: u64,
        }
        let r = Raw::deserialize(d)?;
        Table::new(r.e1, r.n1, r.e2, r.n2).map_err(serde::de::Error::custom)
    }
}

/// One trial: its label, optional year and subgroup, and its validated table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// Label shown in tables and the forest plot (e.g. "Aronson 1948").
    pub name: String,
    /// Year of publication, when known (used to order a cumulative analysis).
    pub year: Option<i32>,
    /// Subgroup label, when the analysis is split.
    pub subgroup: Option<String>,
    /// The 2×2 table.
    pub table: Table,
}

fn check_arm(arm: Arm, events: u64, total: u64) -> Result<(), TableError> {
    if total == 0 {
        return Err(TableError::ZeroTotal(arm));
    }
    if events > total {
        return Err(TableError::EventsExceedTotal { arm, events, total });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_zero_totals_and_excess_events() {
        assert_eq!(
            Table::new(0, 0, 1, 2),
            Err(TableError::ZeroTotal(Arm::Experimental))
        );
        assert_eq!(
            Table::new(0, 1, 0, 0),
            Err(TableError::ZeroTotal(Arm::Control))
        );
        assert_eq!(
            Table::new(1, 2, 3, 2),
            Err(TableError::EventsExceedTotal {
                arm: Arm::Control,
                events: 3,
                total: 2
            })
        );
    }

    #[test]
    fn double_zero_covers_no_events_and_all_events() {
        assert!(Table::new(0, 10, 0, 12).unwrap().is_double_zero());
        assert!(Table::new(10, 10, 12, 12).unwrap().is_double_zero());
        assert!(!Table::new(0, 10, 1, 12).unwrap().is_double_zero());
    }

    #[test]
    fn deserialising_validates() {
        let bad: Result<Table, _> = serde_json::from_str(r#"{"e1":3,"n1":2,"e2":0,"n2":1}"#);
        assert!(bad.is_err());
    }
}
