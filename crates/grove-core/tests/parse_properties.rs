//! Properties of the parser: no text makes it panic, and studies written as TSV, CSV or
//! semicolon-separated text (with a header, quoting where needed) read back unchanged.

use grove_core::parse::{Column, RawRow, parse, to_tsv};
use grove_core::{Study, Table};
use proptest::prelude::*;

/// Cells that spreadsheets and CSV files hold, in every separator and quoting style.
fn spreadsheet_text() -> impl Strategy<Value = String> {
    let cell = prop_oneof![
        "[0-9]{0,7}",
        "[0-9]{1,3}(,[0-9]{3}){0,2}",
        "-?[0-9]{1,4}\\.[0-9]{0,2}",
        "[A-Za-z ]{0,12}",
        "\"[A-Za-z,;\t \"\n]{0,8}\"?",
        "[ \t\u{a0}]{0,3}",
        "(Study|Year|Events|Total|ai|n1i|ci|n2i|Experimental events|Control total|Subgroup|bi|di)",
    ];
    let line = (
        prop::collection::vec(cell, 0..9),
        prop_oneof![Just("\t"), Just(","), Just(";"), Just("  "), Just(" ")],
    )
        .prop_map(|(cells, sep)| cells.join(sep));
    let ending = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
    prop::collection::vec((line, ending), 0..12).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(l, e)| format!("{l}{e}"))
            .collect::<String>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let parsed = parse(&text);
        check_invariants(&text, &parsed);
    }

    #[test]
    fn spreadsheet_like_text_never_panics(text in spreadsheet_text()) {
        let parsed = parse(&text);
        check_invariants(&text, &parsed);
    }
}

/// What holds for any text: rows in line order, lines within the text, and every
/// invalid row explained.
fn check_invariants(text: &str, parsed: &grove_core::parse::Parsed) {
    let lines = text.split(['\n', '\r']).count().max(1);
    let mut last = 0;
    for row in &parsed.rows {
        assert!(
            row.line > last && row.line <= lines,
            "row line {} after {last} of {lines}",
            row.line
        );
        last = row.line;
        if let Err(diagnostics) = &row.study {
            assert!(
                !diagnostics.is_empty(),
                "invalid row without a diagnostic: {row:?}"
            );
        }
    }
    for d in parsed.all_diagnostics() {
        assert!(
            d.line >= 1 && d.line <= lines,
            "diagnostic line {} of {lines}",
            d.line
        );
    }
}

/// A valid study with a name that needs quoting now and then.
fn study() -> impl Strategy<Value = Study> {
    let name = "[A-Za-z][A-Za-z0-9 ,;\"'&().é-]{0,20}[A-Za-z0-9)é]";
    let arm = || (1u64..5_000_000).prop_flat_map(|n| (0..=n, Just(n)));
    let subgroup = prop::option::of("[A-Za-z][A-Za-z0-9 ]{0,10}[a-z]");
    (
        name,
        prop::option::of(1000i32..=9999),
        arm(),
        arm(),
        subgroup,
    )
        .prop_map(|(name, year, (e1, n1), (e2, n2), subgroup)| Study {
            name,
            year,
            subgroup,
            table: Table::new(e1, n1, e2, n2).expect("events never exceed totals"),
        })
}

/// Writes studies with a header, separated by `delimiter`, quoting cells that hold a
/// separator, a quote or a line break.
fn write(studies: &[Study], delimiter: char) -> String {
    let quote = |cell: String| {
        if cell.contains([',', ';', '\t', '"', '\n', '\r']) {
            format!("\"{}\"", cell.replace('"', "\"\""))
        } else {
            cell
        }
    };
    let mut out = Column::ROW
        .map(Column::heading)
        .join(&delimiter.to_string());
    out.push('\n');
    for s in studies {
        let cells = [
            s.name.clone(),
            s.year.map(|y| y.to_string()).unwrap_or_default(),
            s.table.ai().to_string(),
            s.table.n1().to_string(),
            s.table.ci().to_string(),
            s.table.n2().to_string(),
            s.subgroup.clone().unwrap_or_default(),
        ];
        out.push_str(&cells.map(quote).join(&delimiter.to_string()));
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn written_studies_read_back(studies in prop::collection::vec(study(), 1..20), delimiter in prop::sample::select(vec!['\t', ',', ';'])) {
        let text = write(&studies, delimiter);
        let parsed = parse(&text);
        prop_assert!(parsed.is_clean(), "diagnostics {:?} for\n{text}", parsed.all_diagnostics());
        prop_assert_eq!(parsed.studies(), studies);
    }

    #[test]
    fn raw_rows_survive_to_tsv(rows in prop::collection::vec(study(), 1..10)) {
        let raw: Vec<RawRow> = rows
            .iter()
            .map(|s| RawRow {
                study: s.name.clone(),
                year: s.year.map(|y| y.to_string()).unwrap_or_default(),
                e1: s.table.ai().to_string(),
                n1: s.table.n1().to_string(),
                e2: s.table.ci().to_string(),
                n2: s.table.n2().to_string(),
                subgroup: s.subgroup.clone().unwrap_or_default(),
            })
            .collect();
        prop_assert_eq!(parse(&to_tsv(&raw)).raw_rows(), raw);
    }
}
