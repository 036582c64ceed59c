//! The `grove` binary end to end: analyses agree with the reference files, input errors
//! are explained on standard error with exit status 1, validation reports every check.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn grove(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grove"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("grove runs");
    // A command that reads a file, not standard input, may have finished before this
    // is written: its closed pipe is then no failure.
    match child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {e}"),
        _ => {}
    }
    child.wait_with_output().expect("grove finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

fn reference(name: &str) -> Value {
    let path = reference_dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference file")).expect("JSON")
}

/// The studies of a reference file as the tab-separated text a spreadsheet copies.
fn as_tsv(file: &Value) -> String {
    let mut out = String::from(
        "Study\tYear\tExperimental events\tExperimental total\tControl events\tControl total\n",
    );
    for s in file["studies"].as_array().expect("studies") {
        let year = s["year"]
            .as_i64()
            .map(|y| y.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "{}\t{year}\t{}\t{}\t{}\t{}\n",
            s["study"].as_str().unwrap_or(""),
            s["e1"],
            s["n1"],
            s["e2"],
            s["n2"]
        ));
    }
    out
}

fn analysis<'a>(file: &'a Value, id: &str) -> &'a Value {
    file["analyses"]
        .as_array()
        .expect("analyses")
        .iter()
        .find(|a| a["id"] == id)
        .expect("analysis in file")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1e-3)
}

/// Runs `grove analyze - --json` with `options` on a reference file's studies and checks
/// the pooled result against the analysis `id`.
fn check(file: &str, options: &[&str], id: &str) {
    let file = reference(file);
    let mut args = vec!["analyze", "-", "--json"];
    args.extend_from_slice(options);
    let out = grove(&args, &as_tsv(&file));
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let pooled = &json["pooled"];
    let expected = &analysis(&file, id)["pooled"];
    let ratio = !id.starts_with("RD");
    let natural = |x: f64| if ratio { x.exp() } else { x };
    for (ours, theirs, transform) in [
        ("estimate", "estimate", true),
        ("ci_lower", "ci_lower", true),
        ("ci_upper", "ci_upper", true),
        ("p", "p", false),
        ("q", "Q", false),
        ("i2", "I2", false),
        ("tau2", "tau2", false),
    ] {
        let (Some(a), Some(b)) = (pooled[ours].as_f64(), expected[theirs].as_f64()) else {
            assert!(
                expected[theirs].is_null() || expected.get(theirs).is_none(),
                "{id}: {ours} missing in {pooled}"
            );
            continue;
        };
        let b = if transform { natural(b) } else { b };
        assert!(close(a, b), "{id}: {ours} = {a}, metafor {b}");
    }
    let studies = json["studies"].as_array().expect("studies");
    assert_eq!(
        studies.len(),
        file["studies"].as_array().map_or(0, Vec::len)
    );
}

#[test]
fn analyses_agree_with_metafor() {
    check("bcg.json", &[], "RR/IV/random/REML/z");
    check(
        "bcg.json",
        &["--measure", "or", "--tau2", "dl", "--ci", "hk"],
        "OR/IV/random/DL/HK",
    );
    check(
        "bcg.json",
        &["--measure", "rd", "--model", "common"],
        "RD/IV/common",
    );
    check(
        "magnesium.json",
        &["--measure", "or", "--method", "mh", "--model", "common"],
        "OR/MH/common",
    );
    check(
        "magnesium.json",
        &["--measure", "or", "--method", "peto", "--model", "common"],
        "OR/Peto/common",
    );
    check(
        "edge-zero-cells.json",
        &["--tau2", "pm"],
        "RR/IV/random/PM/z",
    );
    check(
        "catheters.json",
        &["--tau2", "sj", "--ci", "hk"],
        "RR/IV/random/SJ/HK",
    );
}

#[test]
fn text_report_shows_studies_and_pooled_result() {
    let file = reference("bcg.json");
    let out = grove(&["analyze", "-"], &as_tsv(&file));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for s in file["studies"].as_array().expect("studies") {
        assert!(
            stdout.contains(s["study"].as_str().unwrap_or("?")),
            "{stdout}"
        );
    }
    let p = &analysis(&file, "RR/IV/random/REML/z")["pooled"];
    let f = |key: &str| p[key].as_f64().expect("number").exp();
    let pooled = grove_core::format::effect_with_ci(f("estimate"), f("ci_lower"), f("ci_upper"));
    assert!(
        stdout.contains(&format!("Pooled RR (13 studies): {pooled}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("Heterogeneity: Q = ") && stdout.contains("Prediction interval"),
        "{stdout}"
    );
}

#[test]
fn reads_files_as_well_as_stdin() {
    let dir = std::env::temp_dir().join(format!("grove-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("trials.csv");
    std::fs::write(&path, "Study,e1,n1,e2,n2\nA,4,123,11,139\nB,6,306,29,303\n").expect("write");
    let out = grove(
        &["analyze", path.to_str().expect("path"), "--model", "common"],
        "",
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Pooled RR (2 studies)"),
        "{}",
        text(&out.stdout)
    );
}

/// Input errors: exit status 1, nothing on stdout, stderr names line, column and reason.
fn check_input_error(input: &str, args: &[&str], expected: &[&str]) {
    let mut all = vec!["analyze", "-"];
    all.extend_from_slice(args);
    let out = grove(&all, input);
    assert_eq!(out.status.code(), Some(1), "{input:?}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in {stderr}");
    }
}

#[test]
fn input_errors_are_explained() {
    check_input_error(
        "A\t4\t123\t11\t139\nB\tabc\t306\t29\t303\n",
        &[],
        &[
            "line 2",
            "experimental events",
            "'abc' is not a whole number",
        ],
    );
    check_input_error(
        "A\t40\t12\t11\t139\n",
        &[],
        &["line 1", "40 events is more than the 12 participants"],
    );
    check_input_error(
        "A\t4\t0\t11\t139\n",
        &[],
        &["line 1", "experimental total", "the total is 0"],
    );
    check_input_error("", &[], &["no studies found"]);
    check_input_error(
        "A\t4\t123\t11\t139\n",
        &["--method", "peto"],
        &["odds ratios only"],
    );
    let out = grove(&["analyze", "/nonexistent/trials.tsv"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read /nonexistent/trials.tsv"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_options_list_what_is_accepted() {
    let out = grove(&["analyze", "-", "--tau2", "xyz"], "");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("xyz") && stderr.contains("dl, reml, pm, ml, hs, sj, he, eb"),
        "{stderr}"
    );
    let out = grove(&["--help"], "");
    let help = text(&out.stdout);
    assert!(
        help.contains("analyze") && help.contains("validate"),
        "{help}"
    );
    let out = grove(&["analyze", "--help"], "");
    let help = text(&out.stdout);
    for option in [
        "--measure",
        "--method",
        "--model",
        "--tau2",
        "--ci",
        "--json",
    ] {
        assert!(help.contains(option), "{help}");
    }
}

fn reference_paths() -> Vec<String> {
    json_files(&reference_dir())
}

/// The JSON files of a folder, sorted.
fn json_files(dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(dir)
        .expect("reference dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.display().to_string())
        .collect();
    paths.sort();
    paths
}

/// Number of analyses and extras in a reference file.
fn checks_in(file: &Value) -> usize {
    let analyses = file["analyses"].as_array().map_or(0, Vec::len);
    let extras: usize = file["extras"]
        .as_object()
        .map(|m| {
            m.values()
                .map(|e| {
                    e.as_object().map_or(0, |e| {
                        e.keys().filter(|k| *k != "measure" && *k != "base").count()
                    })
                })
                .sum()
        })
        .unwrap_or(0);
    analyses + extras
}

#[test]
fn validate_passes_on_every_reference_file() {
    let paths = reference_paths();
    let expected: usize = paths
        .iter()
        .map(|p| {
            checks_in(&reference(
                Path::new(p)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(""),
            ))
        })
        .sum();
    let args: Vec<&str> = std::iter::once("validate")
        .chain(paths.iter().map(String::as_str))
        .collect();
    let out = grove(&args, "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(stdout.lines().count(), expected + 1, "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{expected} passed, 0 failed").as_str())
    );
}

#[test]
fn validate_fails_on_an_altered_file() {
    let mut file = reference("lidocaine.json");
    let estimate = &mut file["analyses"][0]["pooled"]["estimate"];
    *estimate = Value::from(estimate.as_f64().expect("number") * 1.001);
    let dir = std::env::temp_dir().join(format!("grove-cli-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let altered = dir.join("altered.json");
    std::fs::write(&altered, file.to_string()).expect("write");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"name\": 1}").expect("write");
    let out = grove(
        &[
            "validate",
            altered.to_str().expect("path"),
            broken.to_str().expect("path"),
        ],
        "",
    );
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let failing: Vec<&str> = stdout.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(failing.len(), 1, "{stdout}");
    assert!(
        failing[0].contains("RR/IV/common") && failing[0].contains("pooled.estimate"),
        "{stdout}"
    );
    let total = checks_in(&file);
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{} passed, 2 failed", total - 1).as_str())
    );
    assert!(
        text(&out.stderr).contains("not a reference file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn writes_the_forest_plot_as_svg() {
    let bcg = reference("bcg.json");
    let path = std::env::temp_dir().join(format!("grove-cli-{}.svg", std::process::id()));
    let out = grove(
        &[
            "analyze",
            "-",
            "--measure",
            "or",
            "--svg",
            &path.display().to_string(),
        ],
        &as_tsv(&bcg),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(&path).expect("SVG written");
    let _ = std::fs::remove_file(&path);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert!(svg.contains("Odds Ratio"));
    for s in bcg["studies"].as_array().expect("studies") {
        let name = s["study"].as_str().expect("name").replace('&', "&amp;");
        assert!(svg.contains(&name), "{name} is in the plot");
    }
}

#[test]
fn writes_the_funnel_plot_with_trim_and_fills_trials() {
    let bcg = reference("bcg.json");
    let path = std::env::temp_dir().join(format!("grove-cli-funnel-{}.svg", std::process::id()));
    for (extra, open) in [(None, false), (Some("--trim-fill"), true)] {
        let mut args = vec!["analyze", "-", "--funnel"];
        let target = path.display().to_string();
        args.push(&target);
        args.extend(extra);
        let out = grove(&args, &as_tsv(&bcg));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let svg = std::fs::read_to_string(&path).expect("SVG written");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("Funnel plot"));
        assert!(svg.matches("<circle").count() >= 13);
        assert_eq!(
            svg.contains(r##"fill="none" stroke="#b22222""##),
            open,
            "filled trials"
        );
    }
    let _ = std::fs::remove_file(&path);
    let refused = grove(&["analyze", "-", "--trim-fill"], &as_tsv(&bcg));
    assert!(!refused.status.success(), "--trim-fill needs --funnel");
}

#[test]
fn text_report_lists_subgroups_and_their_test() {
    let input = "Study\tExperimental events\tExperimental total\tControl events\tControl total\tSubgroup\n\
                 A\t4\t123\t11\t139\tearly\nB\t6\t306\t29\t303\tearly\n\
                 C\t62\t13598\t248\t12867\tlate\nD\t33\t5069\t47\t5808\tlate\n";
    let out = grove(&["analyze", "-", "--model", "common"], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("Subgroups"), "{report}");
    assert!(report.contains("  early: RR "), "{report}");
    assert!(report.contains("  late: RR "), "{report}");
    assert!(
        report.contains("Test for subgroup differences: Q = "),
        "{report}"
    );
}

fn revman_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/revman")
}

#[test]
fn revman_check_passes_on_every_review_file() {
    let mut files: Vec<String> = std::fs::read_dir(revman_dir())
        .expect("tests/revman")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rm5"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    let args: Vec<&str> = std::iter::once("revman-check")
        .chain(files.iter().map(String::as_str))
        .collect();
    let out = grove(&args, "");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("329 passed, 0 failed"));
    assert_eq!(
        stdout.lines().filter(|l| l.contains(": agrees (")).count(),
        329
    );
    // Other outcome types are listed with their reason, not counted.
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("not compared: continuous"))
            .count(),
        120
    );
    assert!(stdout.contains(
        "Fleiss1993.rm5  1.1 Aspirin for Preventing Death after Myocardial Infarction: agrees"
    ));
    // A RoB 1 table is said not to be imported.
    assert!(stdout.contains(
        "Fleiss1993.rm5  Its risk-of-bias table (RoB 1: 6 domains, 12 judgements) is not imported"
    ));
}

#[test]
fn revman_check_fails_on_an_altered_or_damaged_file() {
    let original = std::fs::read_to_string(revman_dir().join("Fleiss1993.rm5"))
        .expect("Fleiss1993.rm5 is ISO-8859-1 with ASCII content");
    // RevMan's pooled OR 0.8968655609130709, moved in the sixth digit.
    let altered = original.replacen(
        r#"EFFECT_SIZE="0.8968655609130709""#,
        r#"EFFECT_SIZE="0.8968705609130709""#,
        1,
    );
    assert_ne!(altered, original);
    let dir = std::env::temp_dir().join(format!("grove-cli-revman-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("altered.rm5");
    std::fs::write(&path, altered).expect("write");
    let broken = dir.join("broken.rm5");
    std::fs::write(&broken, &original[..original.len() / 3]).expect("write");
    let out = grove(
        &[
            "revman-check",
            "-v",
            path.to_str().expect("path"),
            broken.to_str().expect("path"),
        ],
        "",
    );
    std::fs::remove_dir_all(&dir).ok();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("1.1 Aspirin for Preventing Death after Myocardial Infarction: differs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("overall: EFFECT_SIZE: RevMan 0.8968705609130709 Grove 0.89686556"),
        "{stdout}"
    );
    assert!(
        stdout.contains("broken.rm5: cannot be read: the file is damaged or not XML"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("0 passed, 2 failed"));
}

#[test]
fn analyzes_an_outcome_of_a_revman_review() {
    let file = revman_dir().join("CD009865StatsDataOnly.rm5");
    let file = file.to_str().expect("path");
    let out = grove(&["analyze", file, "--outcome", "1.3"], "");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("1.3 Number withdrawn due to adverse events"),
        "{stdout}"
    );
    assert!(stdout.contains("Peto"), "{stdout}");
    assert!(
        stdout.contains("Against the numbers stored in the review: agrees"),
        "{stdout}"
    );
    // Without --outcome the outcomes are listed.
    let out = grove(&["analyze", file], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("choose an outcome with --outcome NUMBER"));
    assert!(text(&out.stderr).contains("\n  1.3 Number withdrawn"));
    // A continuous outcome is named with the reason.
    let out = grove(&["analyze", file, "--outcome", "1.1"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("outcome 1.1 Pain is not analysed: continuous"),
        "{err}"
    );
    // Options given on the command line override the file's.
    let out = grove(
        &[
            "analyze",
            file,
            "--outcome",
            "1.3",
            "--convention",
            "metafor",
            "--json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let file = revman_dir().join("CD012859StatsDataOnly.rm5");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grove"))
        .args(["revman-check", file.to_str().expect("path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("grove runs");
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut child.stdout.take().expect("stdout"), &mut first)
        .expect("some output");
    // The reading end is now closed, as `| head -1` closes it.
    let out = child.wait_with_output().expect("grove finishes");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

/// Any file was read whole: `/dev/zero` took the CLI to 4 GB and an out-of-memory kill.
#[test]
fn endless_input_is_refused_at_the_stated_size() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let out = grove(&["analyze", "/dev/zero"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("larger than 64 MB, the most grove reads"),
        "{err}"
    );
}

fn diagnostics_paths() -> Vec<String> {
    json_files(&reference_dir().join("diagnostics"))
}

/// Number of checks in a diagnostics file: per measure the effects, each EE/DL block
/// (GOSH not computed by metafor gives none), each regression test, L'Abbé, absolute.
fn diagnostic_checks_in(file: &Value) -> usize {
    let measures = file["diagnostics"].as_object().expect("diagnostics");
    measures
        .values()
        .map(|block| {
            let fits: usize = [
                "fits",
                "influence",
                "baujat",
                "radial",
                "gosh",
                "cumulative_by_year",
            ]
            .iter()
            .flat_map(|key| ["EE", "DL"].map(|fit| &block[key][fit]))
            .filter(|b| {
                !b["not_computed"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("k ="))
            })
            .count();
            let tests = block["regtest"]["tests"].as_array().map_or(0, Vec::len);
            1 + fits + tests + 2
        })
        .sum()
}

#[test]
fn validate_reads_diagnostics_files() {
    let paths = diagnostics_paths();
    assert_eq!(paths.len(), 9, "{paths:?}");
    let expected: usize = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("diagnostics file");
            diagnostic_checks_in(&serde_json::from_str(&text).expect("JSON"))
        })
        .sum();
    let args: Vec<&str> = std::iter::once("validate")
        .chain(paths.iter().map(String::as_str))
        .collect();
    let out = grove(&args, "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("bcg.json  OR/gosh/DL"), "{stdout}");
    assert!(
        stdout.contains("edge-single-study.json  RR/influence/EE"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), expected + 1, "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{expected} passed, 0 failed").as_str())
    );
}

#[test]
fn validate_names_the_altered_diagnostics_value() {
    let path = reference_dir().join("diagnostics/edge-zero-cells.json");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("file")).expect("JSON");
    let x = &mut file["diagnostics"]["OR"]["influence"]["DL"]["cook_d"][4];
    *x = Value::from(x.as_f64().expect("number") * 1.01);
    // A refusal the engine does not share: the OR block's first regression test.
    file["diagnostics"]["OR"]["regtest"]["tests"][0] = serde_json::json!({
        "id": "rma/DL/sei", "model": "rma", "base_fit": "DL", "predictor": "sei",
        "refused": "Stopped because k = 1."
    });
    let dir = std::env::temp_dir().join(format!("grove-cli-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let altered = dir.join("altered.json");
    std::fs::write(&altered, file.to_string()).expect("write");
    let out = grove(&["validate", altered.to_str().expect("path")], "");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let failing: Vec<&str> = stdout.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(failing.len(), 2, "{stdout}");
    assert!(
        failing[0].starts_with("altered.json  OR/influence/DL")
            && failing[0].contains("influence.DL.cook_d[4]: expected"),
        "{stdout}"
    );
    assert!(
        failing[1].contains("OR/regtest/rma/DL/sei")
            && failing[1].contains("the engine computes a result where metafor refused"),
        "{stdout}"
    );
    let total = diagnostic_checks_in(&file);
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{} passed, 2 failed", total - 2).as_str())
    );
}

/// `--link` prints a share link that `grove analyze LINK` reads back to the same
/// analysis, settings included; `--qr` writes its QR code; a damaged link is refused.
#[test]
fn share_links_round_trip_through_the_command_line() {
    let table = as_tsv(&reference("bcg.json"));
    let dir = std::env::temp_dir().join(format!("grove-cli-share-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let qr = dir.join("link.svg");
    let made = grove(
        &[
            "analyze",
            "-",
            "--measure",
            "or",
            "--tau2",
            "dl",
            "--link",
            "https://example.org/grove/",
            "--qr",
            qr.to_str().expect("path"),
        ],
        &table,
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let out = text(&made.stdout);
    let link = out
        .lines()
        .find_map(|l| l.strip_prefix("Share link: "))
        .expect("a share link")
        .to_owned();
    assert!(
        link.starts_with("https://example.org/grove/#grove1."),
        "{link}"
    );
    let svg = std::fs::read_to_string(&qr).expect("the QR code");
    assert!(svg.starts_with("<svg") && svg.contains("<path"), "{svg}");
    let opened = grove(&["analyze", &link], "");
    assert!(opened.status.success(), "{}", text(&opened.stderr));
    let pooled = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("Pooled") || l.starts_with("Heterogeneity"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(pooled(&text(&opened.stdout)), pooled(&out));
    assert!(pooled(&out)[0].starts_with("Pooled OR"), "{out}");
    let damaged = grove(&["analyze", "https://example.org/grove/#grove1.AAAA"], "");
    assert!(!damaged.status.success());
    assert!(
        text(&damaged.stderr).contains("damaged"),
        "{}",
        text(&damaged.stderr)
    );
    let newer = grove(&["analyze", "https://example.org/grove/#grove9.AAAA"], "");
    assert!(
        text(&newer.stderr).contains("newer version"),
        "{}",
        text(&newer.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `grove explain` prints one block per number, each ending in `= VALUE` at full
/// precision; the pooled estimate is the one `grove analyze --json` reports.
#[test]
fn explain_prints_each_number_with_its_formula_and_value() {
    let table = as_tsv(&reference("bcg.json"));
    let out = grove(&["explain", "-", "--tau2", "dl"], &table);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = text(&out.stdout);
    let blocks: Vec<&str> = out.split("\n\n").filter(|b| !b.trim().is_empty()).collect();
    assert!(blocks.len() > 13 * 5, "{} blocks", blocks.len());
    for b in &blocks {
        let last = b.lines().last().expect("a line");
        let value = last.strip_prefix("= ").unwrap_or_else(|| panic!("{b}"));
        assert!(value.parse::<f64>().is_ok(), "{b}");
    }
    let value = |key: &str| -> f64 {
        let b = blocks
            .iter()
            .find(|b| {
                b.lines()
                    .next()
                    .is_some_and(|l| l.ends_with(&format!("[{key}]")))
            })
            .unwrap_or_else(|| panic!("no block {key}"));
        b.lines()
            .last()
            .and_then(|l| l.strip_prefix("= "))
            .and_then(|v| v.parse().ok())
            .expect("value")
    };
    let json = grove(&["analyze", "-", "--tau2", "dl", "--json"], &table);
    let json: Value = serde_json::from_str(&text(&json.stdout)).expect("JSON");
    for (key, field) in [
        ("random estimate", "estimate_analysis_scale"),
        ("random se", "se"),
        ("random z", "stat"),
        ("tau2", "tau2"),
        ("Q", "q"),
        ("I2", "i2"),
    ] {
        let reported = json["pooled"][field].as_f64().expect(field);
        let explained = value(key);
        assert!(
            (explained - reported).abs() <= 1e-12 * (1.0 + reported.abs()),
            "{key}: {explained} against {reported}"
        );
    }
    // Refused before the input is read: nothing is written to it.
    let refused = grove(&["explain", "-", "--json"], "");
    assert!(!refused.status.success());
}

/// `grove r-script` writes a script that R runs with metafor, printing the pooled result
/// `grove analyze` prints, for each model asked for; a review's every outcome has its line.
#[test]
fn r_script_reproduces_the_analysis_in_r() {
    let dir = std::env::temp_dir().join(format!("grove-cli-r-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/examples/catheters.tsv");
    let table = table.to_str().expect("a UTF-8 path");
    let script = dir.join("catheters.R");
    let settings = [
        "--measure",
        "or",
        "--method",
        "mh",
        "--tau2",
        "dl",
        "--ci",
        "hk",
    ];
    for model in ["common", "random"] {
        let mut args = vec!["r-script", table, "--model", model, "-o"];
        args.push(script.to_str().expect("a UTF-8 path"));
        args.extend(settings);
        let out = grove(&args, "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let r = Command::new("Rscript")
            .arg(&script)
            .current_dir(&dir)
            .output()
            .expect("Rscript runs (scripts/setup installs R and metafor)");
        assert!(r.status.success(), "{}", text(&r.stderr));
        let lines: Vec<String> = text(&r.stdout)
            .lines()
            .filter(|l| l.starts_with("grove-check "))
            .map(str::to_owned)
            .collect();
        assert_eq!(lines.len(), 1, "one pooled result: {lines:?}");
        let fields: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(fields[1], format!("catheters/{model}"));
        let mut args = vec!["analyze", table, "--json", "--model", model];
        args.extend(settings);
        let json: serde_json::Value =
            serde_json::from_slice(&grove(&args, "").stdout).expect("JSON");
        for (field, key) in fields[2..].iter().zip(["estimate", "ci_lower", "ci_upper"]) {
            let r: f64 = field.parse().expect("a number");
            let g = json["pooled"][key].as_f64().expect("a number");
            assert!((r - g).abs() <= 1e-9 * g.abs(), "{key}: R {r}, Grove {g}");
        }
    }
    let review =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/revman/CD008625StatsDataOnly.rm5");
    let out = grove(&["r-script", review.to_str().expect("UTF-8")], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.contains("## Outcome 1: 1.3 Deaths") && script.contains("revman_mh_rd("));
    let out = grove(
        &["r-script", table, "--method", "peto", "--measure", "rr"],
        "",
    );
    assert!(!out.status.success() && text(&out.stderr).contains("odds ratios only"));
    let _ = std::fs::remove_dir_all(&dir);
}
