//! Risk of bias of randomised trials by the Cochrane RoB 2 tool: five domains and an
//! overall judgement per trial, each Low, Some concerns or High (Sterne et al. 2019); how
//! a typed judgement is read; the overall judgement the domains propose; and the
//! weighted summary drawn as robvis's bar plot (McGuinness & Higgins 2021).
//!
//! References: Sterne JAC, Savović J, Page MJ, et al. (2019). RoB 2: a revised tool for
//! assessing risk of bias in randomised trials. BMJ 366:l4898. Higgins JPT, Savović J,
//! Page MJ, Elbers RG, Sterne JAC (2022). Chapter 8, Cochrane Handbook for Systematic
//! Reviews of Interventions 6.3. McGuinness LA, Higgins JPT (2021). Risk-of-bias
//! VISualization (robvis). Res Synth Methods 12:55–61.

use std::fmt;

/// A risk-of-bias judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Judgement {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
}

impl Judgement {
    /// Every judgement, from least to most concern.
    pub const ALL: [Judgement; 3] = [Judgement::Low, Judgement::SomeConcerns, Judgement::High];

    /// Its name ("Some concerns").
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Low => "Low",
            Judgement::SomeConcerns => "Some concerns",
            Judgement::High => "High",
        }
    }

    /// Its code where the page marks a judged cell (`data-rob`): `low`, `some`, `high`.
    pub fn code(self) -> &'static str {
        match self {
            Judgement::Low => "low",
            Judgement::SomeConcerns => "some",
            Judgement::High => "high",
        }
    }

    /// The symbol drawn in its circle, so that it reads without colour: `+`, `?`, `−`.
    pub fn symbol(self) -> &'static str {
        match self {
            Judgement::Low => "+",
            Judgement::SomeConcerns => "?",
            Judgement::High => "\u{2212}",
        }
    }

    /// The colour of its circle (robvis's palette).
    pub fn colour(self) -> &'static str {
        match self {
            Judgement::Low => "#02c100",
            Judgement::SomeConcerns => "#e2df07",
            Judgement::High => "#bf0000",
        }
    }

    /// Reads a typed judgement: the names ("Low", "Some concerns", "High", also "low
    /// risk", "high risk of bias"), their initials (L, S, SC, H) and robvis's symbols
    /// (+, ?, -); any case. An empty cell is `Ok(None)`: not assessed. RoB 1's
    /// "unclear" is refused rather than guessed, since RoB 2 has no such judgement.
    pub fn parse(cell: &str) -> Result<Option<Judgement>, JudgementError> {
        // ASCII case only: the words are ASCII, and Unicode's case tables would weigh on the page.
        let text = cell.trim().to_ascii_lowercase();
        let text = text
            .trim_end_matches(" of bias")
            .trim_end_matches(" risk")
            .trim_start_matches("risk: ");
        Ok(Some(match text {
            "" => return Ok(None),
            "low" | "l" | "+" => Judgement::Low,
            "some concerns" | "some concern" | "some" | "s" | "sc" | "?" => Judgement::SomeConcerns,
            "high" | "h" | "-" | "\u{2212}" | "\u{2013}" => Judgement::High,
            "unclear" | "u" => {
                return Err(JudgementError::Unclear(cell.trim().to_owned()));
            }
            _ => return Err(JudgementError::Unknown(cell.trim().to_owned())),
        }))
    }
}

/// Why a typed judgement was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JudgementError {
    /// RoB 1's "unclear risk", which RoB 2 does not have.
    Unclear(String),
    /// Not a judgement.
    Unknown(String),
}

impl fmt::Display for JudgementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JudgementError::Unclear(s) => write!(
                f,
                "\u{201c}{s}\u{201d} is a judgement of the older RoB 1 tool; RoB 2 has Low, Some concerns and High"
            ),
            JudgementError::Unknown(s) => write!(
                f,
                "\u{201c}{s}\u{201d} is not a risk-of-bias judgement (Low, Some concerns, High, or +, ?, -)"
            ),
        }
    }
}

impl std::error::Error for JudgementError {}

/// The domains of RoB 2, and the overall judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// D1: bias arising from the randomisation process.
    Randomisation,
    /// D2: bias due to deviations from intended interventions.
    Deviations,
    /// D3: bias due to missing outcome data.
    MissingData,
    /// D4: bias in measurement of the outcome.
    Measurement,
    /// D5: bias in selection of the reported result.
    Selection,
    /// The overall risk of bias of the result.
    Overall,
}

impl Domain {
    /// The five domains and the overall judgement, in the tool's order.
    pub const ALL: [Domain; 6] = [
        Domain::Randomisation,
        Domain::Deviations,
        Domain::MissingData,
        Domain::Measurement,
        Domain::Selection,
        Domain::Overall,
    ];

    /// Its column heading on the forest plot: "D1" … "D5", "Overall".
    pub fn short(self) -> &'static str {
        match self {
            Domain::Randomisation => "D1",
            Domain::Deviations => "D2",
            Domain::MissingData => "D3",
            Domain::Measurement => "D4",
            Domain::Selection => "D5",
            Domain::Overall => "Overall",
        }
    }

    /// Its name, as the legend gives it.
    pub fn label(self) -> &'static str {
        match self {
            Domain::Randomisation => "Bias arising from the randomisation process",
            Domain::Deviations => "Bias due to deviations from intended interventions",
            Domain::MissingData => "Bias due to missing outcome data",
            Domain::Measurement => "Bias in measurement of the outcome",
            Domain::Selection => "Bias in selection of the reported result",
            Domain::Overall => "Overall risk of bias",
        }
    }
}

/// One trial's assessment; `None` where not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Assessment {
    /// D1 to D5.
    pub domains: [Option<Judgement>; 5],
    /// The overall judgement.
    pub overall: Option<Judgement>,
}

impl Assessment {
    /// The judgement in `domain`.
    pub fn get(&self, domain: Domain) -> Option<Judgement> {
        match domain {
            Domain::Overall => self.overall,
            d => Domain::ALL
                .iter()
                .position(|&x| x == d)
                .and_then(|i| self.domains[i]),
        }
    }

    /// The overall judgement the domains propose, by the RoB 2 algorithm (Sterne et al.
    /// 2019, table 2): High when any domain is High; Low when every domain is Low; Some
    /// concerns otherwise. RoB 2 also allows High for "some concerns in multiple domains
    /// in a way that substantially lowers confidence in the result": a judgement the
    /// reviewer makes, never proposed. `None` when a domain that could change the
    /// answer is not assessed.
    pub fn proposed_overall(&self) -> Option<Judgement> {
        if self.domains.contains(&Some(Judgement::High)) {
            return Some(Judgement::High);
        }
        if self.domains.contains(&None) {
            return None;
        }
        if self.domains.iter().all(|d| *d == Some(Judgement::Low)) {
            Some(Judgement::Low)
        } else {
            Some(Judgement::SomeConcerns)
        }
    }
}

/// One trial's judgements as typed, D1 to D5 then overall; an empty cell is not
/// assessed. What was typed is kept even when it is not a judgement ([`read`] says why).
pub type Cells = [String; 6];

/// The assessment typed in `cells`, and each cell that is not a judgement with its
/// domain and why (that domain is then not assessed).
pub fn read(cells: &Cells) -> (Assessment, Vec<(Domain, JudgementError)>) {
    let mut a = Assessment::default();
    let mut problems = Vec::new();
    for (i, (domain, cell)) in Domain::ALL.iter().zip(cells).enumerate() {
        match Judgement::parse(cell) {
            Ok(j) if i < 5 => a.domains[i] = j,
            Ok(j) => a.overall = j,
            Err(why) => problems.push((*domain, why)),
        }
    }
    (a, problems)
}

/// Whether no cell holds anything.
pub fn is_blank(cells: &Cells) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// The key under which a trial's judgements are kept: its name as typed (trimmed) and
/// its year when one is typed, so that "Smith" of 2001 and of 2005 are two trials, and
/// the same trial in several outcomes of a review shares one assessment.
pub fn study_key(name: &str, year: &str) -> String {
    let (name, year) = (name.trim(), year.trim());
    if year.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({year})")
    }
}

impl Domain {
    /// The domain a header cell names, if any: `D1`…`D5`, `Overall`, or the domain's
    /// words ("Randomisation process", "Deviations from intended interventions",
    /// "Missing outcome data", "Measurement of the outcome", "Selection of the reported
    /// result", "Overall risk of bias"), any case, as robvis's templates and reviewers'
    /// spreadsheets name them.
    pub fn recognise(cell: &str) -> Option<Domain> {
        let compact: String = cell
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let c = compact
            .trim_start_matches("rob")
            .trim_start_matches("riskofbias");
        Some(match c {
            "d1" => Domain::Randomisation,
            "d2" => Domain::Deviations,
            "d3" => Domain::MissingData,
            "d4" => Domain::Measurement,
            "d5" => Domain::Selection,
            "overall" | "" if !compact.is_empty() => Domain::Overall,
            _ if c.contains("random") => Domain::Randomisation,
            _ if c.contains("deviation") => Domain::Deviations,
            _ if c.contains("missing") => Domain::MissingData,
            _ if c.contains("measurement") => Domain::Measurement,
            _ if c.contains("selection") || c.contains("reportedresult") => Domain::Selection,
            _ if c.starts_with("overall") => Domain::Overall,
            _ => return None,
        })
    }
}

/// The share of the analysis's weight at each judgement in one domain (robvis's
/// weighted summary bar); the four shares add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shares {
    /// At low risk.
    pub low: f64,
    /// At some concerns.
    pub some_concerns: f64,
    /// At high risk.
    pub high: f64,
    /// Not assessed.
    pub not_assessed: f64,
}

/// The weighted summary of each domain and the overall judgement, in [`Domain::ALL`]'s
/// order: trial `i` counts with `weights[i]` (its weight in the analysis; trials without
/// a weight count 0). All zero when no trial has weight.
pub fn summary(assessments: &[Assessment], weights: &[f64]) -> [Shares; 6] {
    let total: f64 = weights
        .iter()
        .take(assessments.len())
        .filter(|w| w.is_finite() && **w > 0.0)
        .sum();
    Domain::ALL.map(|domain| {
        let mut s = Shares::default();
        if total <= 0.0 {
            return s;
        }
        for (a, &w) in assessments.iter().zip(weights) {
            if !(w.is_finite() && w > 0.0) {
                continue;
            }
            let share = w / total;
            match a.get(domain) {
                Some(Judgement::Low) => s.low += share,
                Some(Judgement::SomeConcerns) => s.some_concerns += share,
                Some(Judgement::High) => s.high += share,
                None => s.not_assessed += share,
            }
        }
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn judgements_are_read_as_reviewers_type_them() {
        for (typed, read) in [
            ("Low", Some(Judgement::Low)),
            (" low risk ", Some(Judgement::Low)),
            ("Low risk of bias", Some(Judgement::Low)),
            ("+", Some(Judgement::Low)),
            ("Some concerns", Some(Judgement::SomeConcerns)),
            ("SC", Some(Judgement::SomeConcerns)),
            ("?", Some(Judgement::SomeConcerns)),
            ("HIGH", Some(Judgement::High)),
            ("High risk", Some(Judgement::High)),
            ("-", Some(Judgement::High)),
            ("\u{2212}", Some(Judgement::High)),
            ("", None),
            ("   ", None),
        ] {
            assert_eq!(Judgement::parse(typed), Ok(read), "{typed:?}");
        }
        let unclear = Judgement::parse("Unclear").unwrap_err();
        assert!(unclear.to_string().contains("RoB 1"), "{unclear}");
        assert!(matches!(
            Judgement::parse("moderate"),
            Err(JudgementError::Unknown(_))
        ));
        for j in Judgement::ALL {
            assert_eq!(Judgement::parse(j.label()), Ok(Some(j)));
            assert_eq!(Judgement::parse(j.symbol()), Ok(Some(j)));
        }
    }

    #[test]
    fn headers_name_the_domains() {
        for (typed, domain) in [
            ("D1", Some(Domain::Randomisation)),
            ("d5", Some(Domain::Selection)),
            ("Overall", Some(Domain::Overall)),
            ("RoB overall", Some(Domain::Overall)),
            ("Risk of bias", Some(Domain::Overall)),
            ("Overall risk of bias", Some(Domain::Overall)),
            (
                "Bias arising from the randomization process",
                Some(Domain::Randomisation),
            ),
            (
                "Deviations from intended interventions",
                Some(Domain::Deviations),
            ),
            ("Missing outcome data", Some(Domain::MissingData)),
            ("Measurement of the outcome", Some(Domain::Measurement)),
            ("Selection of the reported result", Some(Domain::Selection)),
            ("Study", None),
            ("Events", None),
            ("", None),
        ] {
            assert_eq!(Domain::recognise(typed), domain, "{typed}");
        }
    }

    #[test]
    fn typed_cells_keep_what_is_not_a_judgement_with_its_reason() {
        let cells = ["Low", "some concerns", "", "unclear", "-", "High"].map(String::from);
        let (a, problems) = read(&cells);
        assert_eq!(a.domains[0], Some(Judgement::Low));
        assert_eq!(a.domains[1], Some(Judgement::SomeConcerns));
        assert_eq!(a.domains[2], None);
        assert_eq!(a.domains[3], None, "refused, so not assessed");
        assert_eq!(a.domains[4], Some(Judgement::High));
        assert_eq!(a.overall, Some(Judgement::High));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, Domain::Measurement);
        assert!(problems[0].1.to_string().contains("RoB 1"));
        assert_eq!(study_key(" Smith ", "2001"), "Smith (2001)");
        assert_eq!(study_key("Smith 2001", ""), "Smith 2001");
        assert!(is_blank(&Default::default()));
    }

    #[test]
    fn the_overall_judgement_follows_the_rob2_algorithm() {
        use Judgement::*;
        let a = |d: [Option<Judgement>; 5]| Assessment {
            domains: d,
            overall: None,
        };
        assert_eq!(a([Some(Low); 5]).proposed_overall(), Some(Low));
        assert_eq!(
            a([
                Some(Low),
                Some(SomeConcerns),
                Some(Low),
                Some(Low),
                Some(Low)
            ])
            .proposed_overall(),
            Some(SomeConcerns)
        );
        assert_eq!(
            a([Some(Low), None, Some(High), Some(Low), Some(Low)]).proposed_overall(),
            Some(High),
            "one High decides, whatever is missing"
        );
        assert_eq!(
            a([Some(Low), None, Some(Low), Some(Low), Some(Low)]).proposed_overall(),
            None
        );
        let mut b = a([Some(Low); 5]);
        b.domains[3] = Some(High);
        b.overall = Some(SomeConcerns);
        assert_eq!(b.get(Domain::Measurement), Some(High));
        assert_eq!(b.get(Domain::Overall), Some(SomeConcerns));
    }

    #[test]
    fn the_summary_weighs_each_trial_by_its_weight() {
        use Judgement::*;
        let trials = [
            Assessment {
                domains: [Some(Low); 5],
                overall: Some(Low),
            },
            Assessment {
                domains: [Some(High); 5],
                overall: Some(High),
            },
            Assessment {
                domains: [None; 5],
                overall: None,
            },
        ];
        let s = summary(&trials, &[60.0, 30.0, 10.0]);
        assert_eq!(
            s[5],
            Shares {
                low: 0.6,
                some_concerns: 0.0,
                high: 0.3,
                not_assessed: 0.1
            }
        );
        assert_eq!(
            summary(&trials, &[0.0, 0.0, f64::NAN]),
            [Shares::default(); 6]
        );
    }

    fn judgement() -> impl Strategy<Value = Option<Judgement>> {
        prop::option::of(prop::sample::select(Judgement::ALL.to_vec()))
    }

    proptest! {
        #[test]
        fn shares_add_up_to_one(
            trials in prop::collection::vec((prop::array::uniform5(judgement()), judgement(), 0.0f64..100.0), 1..20)
        ) {
            let assessments: Vec<Assessment> = trials.iter().map(|(d, o, _)| Assessment { domains: *d, overall: *o }).collect();
            let weights: Vec<f64> = trials.iter().map(|t| t.2).collect();
            let any = weights.iter().any(|w| *w > 0.0);
            for s in summary(&assessments, &weights) {
                let sum = s.low + s.some_concerns + s.high + s.not_assessed;
                let fine = if any { (sum - 1.0).abs() < 1e-9 } else { sum == 0.0 };
                prop_assert!(fine, "shares add up to {}", sum);
            }
        }

        #[test]
        fn any_cell_is_read_or_refused_with_a_reason(cell in ".*") {
            match Judgement::parse(&cell) {
                Ok(_) => {}
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
