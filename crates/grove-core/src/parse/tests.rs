//! Examples of pasted text and what is read from it.

use super::*;

/// One expected row: name, year, subgroup and counts `e1 n1 e2 n2`.
type Row<'a> = (&'a str, Option<i32>, Option<&'a str>, [u64; 4]);

/// Parses `text` and checks the studies read and the problems reported (as
/// `(line, problem)`, structural and per-row together).
fn check(text: &str, rows: &[Row], problems: &[(usize, Problem)]) {
    let parsed = parse(text);
    let studies: Vec<Row> = parsed
        .studies()
        .iter()
        .map(|s| {
            let t = &s.table;
            (
                s.name.as_str(),
                s.year,
                s.subgroup.as_deref(),
                [t.ai(), t.n1(), t.ci(), t.n2()],
            )
        })
        .map(|(n, y, g, c)| {
            (
                &*n.to_string().leak(),
                y,
                g.map(|g| &*g.to_string().leak()),
                c,
            )
        })
        .collect();
    assert_eq!(studies, rows, "studies read from {text:?}");
    let found: Vec<(usize, Problem)> = parsed
        .all_diagnostics()
        .into_iter()
        .map(|d| (d.line, d.problem))
        .collect();
    assert_eq!(found, problems, "problems in {text:?}");
}

#[test]
fn delimiters_and_headers() {
    let bcg = [
        ("Aronson 1948", None, None, [4, 123, 11, 139]),
        ("Ferguson", None, None, [6, 306, 29, 303]),
    ];
    check(
        "Aronson 1948\t4\t123\t11\t139\nFerguson\t6\t306\t29\t303\n",
        &bcg,
        &[],
    );
    check(
        "Aronson 1948;4;123;11;139\r\nFerguson;6;306;29;303",
        &bcg,
        &[],
    );
    check(
        "Aronson 1948,4,123,11,139\n\nFerguson,6,306,29,303\n",
        &bcg,
        &[],
    );
    check(
        "Aronson 1948   4  123  11  139\nFerguson  6  306  29  303\n",
        &bcg,
        &[],
    );
    check(
        "Aronson 1948 4 123 11 139\nFerguson 6 306 29 303\n",
        &bcg,
        &[],
    );
    check(
        "study,ai,n1i,ci,n2i\n\"Aronson 1948\",4,123,11,139\nFerguson,6,306,29,303\n",
        &bcg,
        &[],
    );
    // The cell form: non-events instead of totals.
    check(
        "Study\ta\tb\tc\td\nAronson 1948\t4\t119\t11\t128\nFerguson\t6\t300\t29\t274\n",
        &bcg,
        &[],
    );
    // Columns in another order, named as meta names them.
    check(
        "studlab\tn.c\tevent.c\tn.e\tevent.e\nAronson 1948\t139\t11\t123\t4\nFerguson\t303\t29\t306\t6\n",
        &bcg,
        &[],
    );
}

#[test]
fn years_subgroups_and_separators() {
    check(
        "Aronson\t4\t1,234\t11\t139\t1948\tnorth\nFerguson\t6\t306.0\t29\t303\t1949\tsouth\n",
        &[
            ("Aronson", Some(1948), Some("north"), [4, 1234, 11, 139]),
            ("Ferguson", Some(1949), Some("south"), [6, 306, 29, 303]),
        ],
        &[],
    );
    check(
        "Aronson\t4\t123\t11\t139\tnorth\n\t6\t306\t29\t303\tsouth\n",
        &[
            ("Aronson", None, Some("north"), [4, 123, 11, 139]),
            ("Study 2", None, Some("south"), [6, 306, 29, 303]),
        ],
        &[],
    );
}

#[test]
fn single_spaces_read_from_the_end_of_the_line() {
    check(
        "Aronson et al 4 123 11 139 1948 north\nFerguson 6 306 29 303 1949 south\n",
        &[
            (
                "Aronson et al",
                Some(1948),
                Some("north"),
                [4, 123, 11, 139],
            ),
            ("Ferguson", Some(1949), Some("south"), [6, 306, 29, 303]),
        ],
        &[],
    );
    // A last number that could be a year but leaves invalid counts is a count.
    check(
        "Trial 2001 3 1000 2 2000\nTrial 2002 5 1500 4 1999\n",
        &[
            ("Trial 2001", None, None, [3, 1000, 2, 2000]),
            ("Trial 2002", None, None, [5, 1500, 4, 1999]),
        ],
        &[],
    );
}

#[test]
fn problems_name_line_and_reason() {
    check(
        "Study\tE events\tE total\tC events\tC total\nA\t4\t123\t11\t139\nB\tx\t10\t12\t10\n",
        &[("A", None, None, [4, 123, 11, 139])],
        &[
            (3, Problem::NotWholeNumber("x".into())),
            (
                3,
                Problem::EventsExceedTotal {
                    events: 12,
                    total: 10,
                },
            ),
        ],
    );
    check(
        "Name\tColour\tShape\nA\t4\t123\t11\t139\n",
        &[("A", None, None, [4, 123, 11, 139])],
        &[(
            1,
            Problem::HeaderNotRecognised("Name | Colour | Shape".into()),
        )],
    );
    check(
        "A\t4\t123\t11\t139\t1948\tg\textra\n",
        &[("A", Some(1948), Some("g"), [4, 123, 11, 139])],
        &[(
            1,
            Problem::TooManyCells {
                expected: 7,
                found: 8,
                ignored: "extra".into(),
            },
        )],
    );
    check("A\t4\t0\t1\t2\n", &[], &[(1, Problem::ZeroTotal)]);
    check(
        "A\t-4\t10\t1\t2\n",
        &[],
        &[(1, Problem::Negative("-4".into()))],
    );
}

#[test]
fn header_not_recognised_says_what_happens() {
    let message = Problem::HeaderNotRecognised("Name | Colour".into()).to_string();
    assert!(
        message.contains("'Name | Colour'") && message.contains("default order"),
        "{message}"
    );
}

fn ambiguous(cell: &str, as_thousands: u64, as_decimal: u64) -> Problem {
    let separator = if cell.contains('.') {
        Separator::Dot
    } else {
        Separator::Comma
    };
    Problem::AmbiguousSeparator {
        cell: cell.into(),
        separator,
        as_thousands,
        as_decimal,
    }
}

#[test]
fn a_count_with_two_readings_is_never_guessed() {
    // Nothing in the text says whether the dot groups thousands.
    check(
        "Dupont;5;10.000;7;9.000\n",
        &[],
        &[
            (1, ambiguous("10.000", 10_000, 10)),
            (1, ambiguous("9.000", 9_000, 9)),
        ],
    );
    check(
        "Big trial,\"1,000\",\"2,000\",900,\"2,000\"\n",
        &[],
        &[
            (1, ambiguous("1,000", 1_000, 1)),
            (1, ambiguous("2,000", 2_000, 2)),
            (1, ambiguous("2,000", 2_000, 2)),
        ],
    );
    // Cells that show both conventions settle nothing.
    check(
        "Dupont;5;10.000;7;9.000\nMüller;12;1.234.567;30;2,500\n",
        &[("Müller", None, None, [12, 1_234_567, 30, 2_500])],
        &[
            (1, ambiguous("10.000", 10_000, 10)),
            (1, ambiguous("9.000", 9_000, 9)),
        ],
    );
}

#[test]
fn other_cells_show_how_separators_are_used() {
    // A dot twice can only group thousands.
    check(
        "Dupont;5;10.000;7;9.000\nMüller;12;1.234.567;30;1.200.000\n",
        &[
            ("Dupont", None, None, [5, 10_000, 7, 9_000]),
            ("Müller", None, None, [12, 1_234_567, 30, 1_200_000]),
        ],
        &[],
    );
    // 1.234 participants are 1 234: a count is whole.
    check(
        "Study;E events;E total;C events;C total\nDupont;5;10.000;7;9.000\nMüller;12;1.234;30;1.250\n",
        &[
            ("Dupont", None, None, [5, 10_000, 7, 9_000]),
            ("Müller", None, None, [12, 1_234, 30, 1_250]),
        ],
        &[],
    );
    // A decimal comma elsewhere (a mistake of its own, but it shows the convention).
    check(
        "Dupont;5;10.000;7;9.000\nMüller;12,5;100;30;100\n",
        &[("Dupont", None, None, [5, 10_000, 7, 9_000])],
        &[(2, Problem::NotWholeNumber("12,5".into()))],
    );
    // A comma group and a decimal dot: the dot is the decimal mark.
    check(
        "Dupont;5;10.000;7;9.000\nSmith;1;2,500;3;12.0\n",
        &[
            ("Dupont", None, None, [5, 10, 7, 9]),
            ("Smith", None, None, [1, 2_500, 3, 12]),
        ],
        &[],
    );
    check(
        "Big trial\t1,000\t2,000\t900\t2,100\n",
        &[("Big trial", None, None, [1_000, 2_000, 900, 2_100])],
        &[],
    );
    // The cell form adds events and non-events read the same way.
    check(
        "Study;a;b;c;d\nDupont;5;10.000;7;1.234.567\n",
        &[("Dupont", None, None, [5, 10_005, 7, 1_234_574])],
        &[],
    );
}

#[test]
fn confirming_a_reading_is_retyping_the_cell() {
    let parsed = parse("Dupont;5;10.000;7;9.000\n");
    let mut row = parsed.rows[0].raw.clone();
    assert_eq!(row.n1, "10.000", "the cell is kept as typed");
    for (column, choice) in [(Column::ExperimentalTotal, 0), (Column::ControlTotal, 1)] {
        let problems = row.validate(1).unwrap_err();
        let problem = &problems
            .iter()
            .find(|d| d.column == Some(column))
            .expect("the cell is flagged")
            .problem;
        *row.get_mut(column) = problem.confirmations()[choice].text.clone();
    }
    let study = row.validate(1).expect("both cells confirmed");
    assert_eq!([study.table.n1(), study.table.n2()], [10_000, 9], "{row:?}");
}

#[test]
fn headerless_columns_in_another_order() {
    use Column::*;
    let forest_order = vec![
        Study,
        Year,
        ExperimentalEvents,
        ExperimentalTotal,
        ControlEvents,
        ControlTotal,
    ];
    // Study, year, counts: the order of a forest plot's table.
    check(
        "Smith 2001\t1999\t4\t123\t11\t139\nJones\t2003\t6\t306\t29\t303\n",
        &[
            ("Smith 2001", Some(1999), None, [4, 123, 11, 139]),
            ("Jones", Some(2003), None, [6, 306, 29, 303]),
        ],
        &[(1, Problem::ColumnOrderAssumed(forest_order.clone()))],
    );
    let mut with_subgroup = forest_order.clone();
    with_subgroup.push(Subgroup);
    check(
        "Smith,1999,4,123,11,139,north\nJones,,6,306,29,303,south\n",
        &[
            ("Smith", Some(1999), Some("north"), [4, 123, 11, 139]),
            ("Jones", None, Some("south"), [6, 306, 29, 303]),
        ],
        &[(1, Problem::ColumnOrderAssumed(with_subgroup))],
    );
    // Each total before its events.
    check(
        "Aronson;123;4;139;11\nFerguson;306;6;303;29\nRosenthal;231;3;220;11\n",
        &[
            ("Aronson", None, None, [4, 123, 11, 139]),
            ("Ferguson", None, None, [6, 306, 29, 303]),
            ("Rosenthal", None, None, [3, 231, 11, 220]),
        ],
        &[(
            1,
            Problem::ColumnOrderAssumed(vec![
                Study,
                ExperimentalTotal,
                ExperimentalEvents,
                ControlTotal,
                ControlEvents,
            ]),
        )],
    );
    // One row with more events than participants is a typo, not an order.
    check(
        "A\t4\t123\t11\t139\nB\t6\t306\t29\t303\nC\t40\t12\t11\t139\n",
        &[
            ("A", None, None, [4, 123, 11, 139]),
            ("B", None, None, [6, 306, 29, 303]),
        ],
        &[(
            3,
            Problem::EventsExceedTotal {
                events: 40,
                total: 12,
            },
        )],
    );
}

#[test]
fn an_unclear_order_is_explained_once() {
    use Column::*;
    let default = vec![
        Study,
        ExperimentalEvents,
        ExperimentalTotal,
        ControlEvents,
        ControlTotal,
    ];
    let exceeds = |events, total| Problem::EventsExceedTotal { events, total };
    // No order tried fits: one message for the text, besides each row's own problems.
    check(
        "A\t12\t10\t1\t2\nB\t9\t3\t8\t1\n",
        &[],
        &[
            (
                1,
                Problem::ColumnOrderUnclear {
                    read: default.clone(),
                    fitting: vec![],
                },
            ),
            (1, exceeds(12, 10)),
            (2, exceeds(9, 3)),
            (2, exceeds(8, 1)),
        ],
    );
    // Two orders fit every row: which one is not guessed.
    let year_second = vec![
        Study,
        Year,
        ExperimentalEvents,
        ExperimentalTotal,
        ControlEvents,
        ControlTotal,
    ];
    let totals_first = vec![
        Study,
        Year,
        ExperimentalTotal,
        ExperimentalEvents,
        ControlTotal,
        ControlEvents,
    ];
    let text = "A\t2001\t5\t5\t3\t3\nB\t2002\t4\t4\t7\t7\n";
    let parsed = parse(text);
    assert_eq!(
        parsed.diagnostics,
        vec![Diagnostic {
            line: 1,
            column: None,
            problem: Problem::ColumnOrderUnclear {
                read: [default.clone(), vec![Subgroup]].concat(),
                fitting: vec![year_second, totals_first],
            },
        }]
    );
    let message = parsed.diagnostics[0].problem.to_string();
    assert!(
        message.contains("every row would be valid as study, year, experimental events")
            && message.ends_with("add a header row naming the columns"),
        "{message}"
    );
    // A single row is not a pattern.
    check("A\t4\t0\t1\t2\n", &[], &[(1, Problem::ZeroTotal)]);
}

#[test]
fn risk_of_bias_columns_are_read_by_their_headers() {
    let text = "Study\tYear\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
                Aronson\t1948\t4\t123\t11\t139\tLow\tLow\tSome concerns\tLow\tLow\tSome concerns\n\
                Ferguson\t1949\t6\t306\t29\t303\t+\t?\t-\tunclear\t\tHigh\n\
                Rosenthal\t1960\t3\t231\t11\t220\n";
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        parsed.studies().len(),
        3,
        "the judgements leave the counts as they were"
    );
    let rob: Vec<crate::rob::Cells> = parsed.rows.iter().map(|r| r.rob.clone().unwrap()).collect();
    assert_eq!(rob[0][2], "Some concerns");
    assert_eq!(
        rob[1],
        ["+", "?", "-", "unclear", "", "High"].map(String::from),
        "as typed"
    );
    assert!(crate::rob::is_blank(&rob[2]), "a short row is not assessed");
    let named = parse(
        "Study,ai,n1i,ci,n2i,Randomisation process,Overall risk of bias\nA,1,10,2,10,High,High\n",
    );
    assert!(named.diagnostics.is_empty(), "{:?}", named.diagnostics);
    let cells = named.rows[0].rob.clone().unwrap();
    assert_eq!((cells[0].as_str(), cells[5].as_str()), ("High", "High"));
    let without = parse("Study\tE events\tE total\tC events\tC total\nA\t1\t10\t2\t10\n");
    assert_eq!(without.rows[0].rob, None, "no such column, no judgements");
}
