//! End-to-end tests of the release build in headless Chromium: what a user does, checked
//! on the page itself. See `harness.rs` for the served site and the `data-testid` hooks.

mod harness;

use harness::{Page, Server, eventually, single_file, workspace_root};
use serde_json::{Value, json};

/// Relative agreement expected on the page for closed-form results (the reference
/// README's tolerance), and for iterative ones.
const CLOSED_FORM: f64 = 1e-6;
const ITERATIVE: f64 = 1e-5;
/// Absolute agreement near zero.
const NEAR_ZERO: f64 = 1e-9;

fn reference(name: &str) -> Value {
    let path = workspace_root().join("tests/reference").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference JSON")
}

fn reference_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace_root().join("tests/reference"))
        .expect("reference folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// The studies of a reference file as tab-separated text with a header, as a
/// spreadsheet would copy them.
fn as_pasted_text(file: &Value) -> String {
    let mut text = String::from(
        "Study\tYear\tExperimental events\tExperimental total\tControl events\tControl total\tSubgroup\n",
    );
    for s in file["studies"].as_array().expect("studies") {
        let cell = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            cell(&s["study"]),
            cell(&s["year"]),
            cell(&s["e1"]),
            cell(&s["n1"]),
            cell(&s["e2"]),
            cell(&s["n2"]),
            cell(&s["subgroup"])
        ));
    }
    text
}

fn agrees(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs()
        || (actual - expected).abs() <= NEAR_ZERO
}

/// Sets several selects at once (one render), as the settings panel offers them.
async fn choose(page: &Page, settings: &[(&str, &str)]) {
    let pairs: Vec<Value> = settings.iter().map(|(k, v)| json!([k, v])).collect();
    let result = page
        .js(
            "for (const [id, value] of arguments[0]) {
               const e = document.querySelector(`[data-testid='${id}']`);
               if (!e) return `no select ${id}`;
               if (![...e.options].some(o => o.value === value)) return `${id} has no option ${value}`;
               e.value = value; e.dispatchEvent(new Event('change', {bubbles: true}));
             }
             return 'ok';",
            vec![Value::Array(pairs)],
        )
        .await;
    assert_eq!(result, json!("ok"));
    page.settle().await;
}

#[tokio::test]
async fn the_example_renders_without_console_errors() {
    let page = Page::open().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    let plot = page.text("forest-plot").await;
    for name in [
        "Aronson",
        "Comstock & Webster",
        "TPT Madras",
        "Favours vaccine",
    ] {
        assert!(plot.contains(name), "the plot shows {name}");
    }
    let squares = page
        .js(
            "return document.querySelectorAll(`[data-testid='forest-plot'] polygon`).length;",
            vec![],
        )
        .await;
    assert!(
        squares.as_u64().unwrap_or(0) >= 14,
        "13 squares and a diamond"
    );
    assert!(
        page.text("sentence")
            .await
            .starts_with("RR 0.49 (95% CI 0.34 to 0.70; 13 trials, 357,347 participants")
    );
    page.screenshot("example").await;
    page.screenshot_of("forest-plot", "example-plot").await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    page.close().await;
}

#[tokio::test]
async fn every_reference_analysis_shows_metafors_pooled_values() {
    let page = Page::open().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in reference_files() {
        let file = reference(&name);
        page.paste(&as_pasted_text(&file)).await;
        for analysis in file["analyses"].as_array().expect("analyses") {
            let id = analysis["id"].as_str().unwrap_or_default();
            let measure = analysis["measure"].as_str().unwrap_or_default();
            let model = analysis["model"].as_str().unwrap_or_default();
            let mut settings = vec![
                ("measure", measure),
                ("method", analysis["method"].as_str().unwrap_or_default()),
                ("model", model),
                ("ci-method", analysis["ci_method"].as_str().unwrap_or("z")),
            ];
            if let Some(t) = analysis["tau2_method"].as_str() {
                settings.push(("tau2", t));
            }
            choose(&page, &settings).await;
            let iterative = matches!(
                analysis["tau2_method"].as_str(),
                Some("REML" | "ML" | "PM" | "EB")
            );
            let tolerance = if iterative { ITERATIVE } else { CLOSED_FORM };
            let natural = |x: f64| if measure == "RD" { x } else { x.exp() };
            let pooled = &analysis["pooled"];
            let mut expect = vec![
                ("data-estimate", pooled["estimate"].as_f64().map(natural)),
                ("data-ci-lower", pooled["ci_lower"].as_f64().map(natural)),
                ("data-ci-upper", pooled["ci_upper"].as_f64().map(natural)),
                ("data-i2", pooled["I2"].as_f64()),
                ("data-k", pooled["k"].as_f64()),
            ];
            if model == "random" {
                expect.push(("data-tau2", pooled["tau2"].as_f64()));
            }
            for (attribute, expected) in expect {
                let shown = page.attr("pooled-summary", attribute).await;
                let ok = match (&shown, expected) {
                    (Some(s), Some(e)) => s.parse::<f64>().is_ok_and(|a| agrees(a, e, tolerance)),
                    (None, None) => true,
                    // metafor leaves I² undefined for one study; the page shows no pooled result then.
                    _ => false,
                };
                checked += 1;
                if !ok {
                    failures.push(format!(
                        "{name} {id} {attribute}: page {shown:?}, metafor {expected:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} values disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 2000, "only {checked} values checked");
    page.close().await;
}

#[tokio::test]
async fn each_setting_changes_what_it_should() {
    let page = Page::open().await;
    let bcg = reference("bcg.json");
    let pooled = |id: &str| {
        bcg["analyses"]
            .as_array()
            .expect("analyses")
            .iter()
            .find(|a| a["id"] == id)
            .expect("analysis")["pooled"]
            .clone()
    };
    let estimate = || page.summary_number("data-estimate");

    choose(&page, &[("measure", "OR")]).await;
    let want = pooled("OR/IV/random/REML/z")["estimate"]
        .as_f64()
        .expect("estimate")
        .exp();
    assert!(agrees(estimate().await, want, ITERATIVE), "odds ratio");
    assert!(page.text("forest-plot").await.contains("Odds Ratio"));

    choose(&page, &[("measure", "RR"), ("model", "common")]).await;
    let want = pooled("RR/IV/common")["estimate"]
        .as_f64()
        .expect("estimate")
        .exp();
    assert!(agrees(estimate().await, want, CLOSED_FORM), "common effect");
    assert_eq!(page.summary_number("data-tau2").await, 0.0);
    assert!(
        !page
            .text("forest-plot")
            .await
            .contains("Prediction interval"),
        "no prediction interval without random effects"
    );

    choose(&page, &[("model", "random"), ("tau2", "DL")]).await;
    let want = pooled("RR/IV/random/DL/z")["tau2"].as_f64().expect("tau2");
    assert!(
        agrees(page.summary_number("data-tau2").await, want, CLOSED_FORM),
        "DerSimonian-Laird"
    );

    let width = |lo: f64, hi: f64| hi.ln() - lo.ln();
    let wald = width(
        page.summary_number("data-ci-lower").await,
        page.summary_number("data-ci-upper").await,
    );
    choose(&page, &[("ci-method", "HK")]).await;
    let hk = width(
        page.summary_number("data-ci-lower").await,
        page.summary_number("data-ci-upper").await,
    );
    let want = pooled("RR/IV/random/DL/HK");
    assert!(agrees(
        page.summary_number("data-ci-upper").await,
        want["ci_upper"].as_f64().expect("ci").exp(),
        CLOSED_FORM
    ));
    assert!(hk > wald, "the Hartung-Knapp interval is wider here");
    assert!(
        page.text("forest-plot").await.contains("t = "),
        "the footer reports t"
    );

    choose(
        &page,
        &[("method", "MH"), ("model", "common"), ("ci-method", "z")],
    )
    .await;
    let want = pooled("RR/MH/common")["estimate"]
        .as_f64()
        .expect("estimate")
        .exp();
    assert!(
        agrees(estimate().await, want, CLOSED_FORM),
        "Mantel-Haenszel"
    );
    assert!(
        page.text("forest-plot")
            .await
            .contains("M-H, Common, 95% CI")
    );

    choose(&page, &[("method", "Peto")]).await;
    assert_eq!(
        page.attr("measure", "value").await,
        None,
        "value is a property, read below"
    );
    let measure = page
        .js(
            "return document.querySelector(`[data-testid='measure']`).value;",
            vec![],
        )
        .await;
    assert_eq!(measure, json!("OR"), "Peto's method implies odds ratios");
    let want = pooled("OR/Peto/common")["estimate"]
        .as_f64()
        .expect("estimate")
        .exp();
    assert!(agrees(estimate().await, want, CLOSED_FORM), "Peto");

    choose(&page, &[("method", "IV"), ("model", "both")]).await;
    let plot = page.text("forest-plot").await;
    assert!(plot.contains("Weight (common)") && plot.contains("Weight (random)"));
    assert!(plot.contains("Prediction interval"));
    page.click("prediction").await;
    assert!(
        !page
            .text("forest-plot")
            .await
            .contains("Prediction interval"),
        "the checkbox hides it"
    );

    page.click("revman5").await;
    let method = page
        .js(
            "return document.querySelector(`[data-testid='method']`).value;",
            vec![],
        )
        .await;
    assert_eq!(method, json!("MH"));
    assert!(
        page.text("forest-plot")
            .await
            .contains("M-H, Random, 95% CI")
    );

    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    page.close().await;
}

#[tokio::test]
async fn bad_rows_are_shown_on_their_cells_and_good_rows_kept() {
    let page = Page::open().await;
    page.paste("Alpha\t4\t100\t9\t100\nBeta\tabc\t100\t9\t100\nGamma\t3\t80\t7\t82\nDelta\t12\t10\t4\t90\nEpsilon\t6\t120\t11\t118")
        .await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("3")
    );
    assert_eq!(page.count("diagnostic").await, 2);
    let problems = page.text("diagnostics").await;
    assert!(
        problems.contains("Row 2, Experimental events"),
        "{problems}"
    );
    assert!(problems.contains("Row 4"), "{problems}");
    assert!(page.text("exclusions").await.contains("Row 2"));
    let typed = page
        .js("return document.querySelector(`input[aria-label='Row 2, Experimental events']`).value;", vec![])
        .await;
    assert_eq!(typed, json!("abc"), "what was typed is kept");
    let invalid = page
        .js("return document.querySelector(`input[aria-label='Row 2, Experimental events']`).getAttribute('aria-invalid');", vec![])
        .await;
    assert_eq!(invalid, json!("true"));
    let plot = page.text("forest-plot").await;
    assert!(plot.contains("Alpha") && plot.contains("Epsilon") && !plot.contains("Beta"));

    // Correcting the cell in the table brings the row back.
    page.js(
        "const e = document.querySelector(`input[aria-label='Row 2, Experimental events']`); e.value = '5'; e.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("4")
    );
    assert_eq!(page.count("diagnostic").await, 1);
    page.close().await;
}

#[tokio::test]
async fn the_project_survives_a_reload() {
    let page = Page::open().await;
    page.paste("One\t4\t100\t9\t100\nTwo\t3\t80\t7\t82\nThree\t6\t120\t11\t118")
        .await;
    choose(&page, &[("measure", "OR")]).await;
    let before = page.summary_number("data-estimate").await;
    page.click("add-outcome").await;
    page.paste("Four\t1\t50\t5\t50\nFive\t2\t60\t6\t60").await;
    page.reload().await;
    assert_eq!(page.count("outcome-tab").await, 2);
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2"),
        "the second outcome is shown"
    );
    page.js(
        "document.querySelectorAll(`[data-testid='outcome-tab']`)[0].click();",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(page.summary_number("data-estimate").await, before);
    let measure = page
        .js(
            "return document.querySelector(`[data-testid='measure']`).value;",
            vec![],
        )
        .await;
    assert_eq!(measure, json!("OR"));
    page.close().await;
}

/// The exported file, decoded from the link's `data:` URL and parsed by the browser's
/// XML parser as a standalone document.
async fn exported_svg(page: &Page) -> Value {
    page.js(
        "const link = document.querySelector(`[data-testid='export-svg']`);
         link.click();
         const href = link.getAttribute('href');
         const prefix = 'data:image/svg+xml;charset=utf-8,';
         if (!href.startsWith(prefix)) return {error: 'not an SVG data URL'};
         const text = decodeURIComponent(href.slice(prefix.length));
         const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
         const broken = doc.getElementsByTagName('parsererror').length > 0;
         const root = doc.documentElement;
         return {
           text, broken,
           namespace: root.namespaceURI, name: root.localName,
           texts: [...doc.querySelectorAll('text')].map(t => t.textContent),
           scripts: doc.getElementsByTagName('script').length,
           external: /(href|src)=|url\\(/.test(text),
         };",
        vec![],
    )
    .await
}

#[tokio::test]
async fn the_exported_svg_is_standalone_and_holds_every_study() {
    let page = Page::open().await;
    let svg = exported_svg(&page).await;
    assert_eq!(svg["broken"], json!(false), "parses as XML");
    assert_eq!(svg["namespace"], json!("http://www.w3.org/2000/svg"));
    assert_eq!(svg["name"], json!("svg"));
    assert_eq!(svg["scripts"], json!(0));
    assert_eq!(
        svg["external"],
        json!(false),
        "nothing refers outside the file"
    );
    let texts: Vec<String> = serde_json::from_value(svg["texts"].clone()).expect("texts");
    let bcg = reference("bcg.json");
    for s in bcg["studies"].as_array().expect("studies") {
        let name = s["study"].as_str().expect("name");
        assert!(
            texts.iter().any(|t| t.starts_with(name)),
            "{name} is in the export"
        );
    }
    let same = page
        .js(
            "const shown = document.querySelector(`[data-testid='forest-plot']`);
             const link = document.querySelector(`[data-testid='export-svg']`);
             link.click();
             const href = link.getAttribute('href');
             const text = decodeURIComponent(href.slice(href.indexOf(',') + 1));
             const file = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
             // Elements, attributes and text in order; the page's test hook, the class that
             // takes groups far from the view out of layout, the namespace declaration and
             // the framework's empty markers aside.
             const canon = (n) => {
               if (n.nodeType === Node.TEXT_NODE) return n.data === '' ? null : n.data;
               if (n.nodeType !== Node.ELEMENT_NODE) return null;
               const attrs = [...n.attributes]
                 .filter(a => a.name !== 'xmlns' && a.name !== 'data-testid' && a.name !== 'class')
                 .map(a => `${a.name}=${a.value}`).sort();
               return [n.namespaceURI, n.localName, attrs, [...n.childNodes].map(canon).filter(c => c !== null)];
             };
             const a = JSON.stringify(canon(shown)), b = JSON.stringify(canon(file));
             return a === b ? true : [a.slice(0, 600), b.slice(0, 600)];",
            vec![],
        )
        .await;
    assert_eq!(
        same,
        json!(true),
        "the export is the plot on screen, node for node"
    );
    page.close().await;
}

#[tokio::test]
async fn markup_in_a_study_name_stays_text() {
    let page = Page::open().await;
    page.js(
        "window.alerted = false; window.alert = () => { window.alerted = true; };",
        vec![],
    )
    .await;
    let evil = "<script>alert(1)</script>";
    page.paste(&format!(
        "{evil}\t4\t100\t9\t100\n<img src=x onerror=alert(2)>\t3\t80\t7\t82"
    ))
    .await;
    let plot = page.text("forest-plot").await;
    assert!(plot.contains(evil), "the name is shown as typed");
    let injected = page
        .js("return document.querySelectorAll(`[data-testid='forest-plot'] script, [data-testid='forest-plot'] img, main img`).length;", vec![])
        .await;
    assert_eq!(injected, json!(0));
    let cell = page
        .js(
            "return document.querySelector(`input[aria-label='Row 1, Study']`).value;",
            vec![],
        )
        .await;
    assert_eq!(cell, json!(evil));
    let svg = exported_svg(&page).await;
    assert_eq!(svg["scripts"], json!(0));
    assert!(
        svg["text"]
            .as_str()
            .unwrap_or_default()
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    page.settle().await;
    assert_eq!(
        page.js("return window.alerted;", vec![]).await,
        json!(false)
    );
    page.close().await;
}

#[tokio::test]
async fn outcomes_keep_their_own_data_and_examples_open() {
    let page = Page::open_sized(1400, 1400).await;
    page.click("add-outcome").await;
    assert!(
        page.attr("pooled-summary", "data-k").await.is_none(),
        "a new outcome starts empty"
    );
    page.paste("One\t4\t100\t9\t100\nTwo\t3\t80\t7\t82").await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2")
    );
    page.js(
        "document.querySelectorAll(`[data-testid='outcome-tab']`)[0].click();",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );

    choose(&page, &[("examples", "zero-cells")]).await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("17"),
        "one of 18 trials has no events"
    );
    assert!(page.text("exclusions").await.contains("not estimable"));
    choose(&page, &[("examples", "subgroups")]).await;
    let plot = page.text("forest-plot").await;
    assert!(
        plot.contains("Test for subgroup differences"),
        "subgroups have their test"
    );
    assert!(plot.contains("Subtotal (95% CI)"));
    page.screenshot_of("forest-plot", "subgroups-plot").await;
    page.click("paste-append").await;
    let pasted = page
        .js(
            "return document.querySelector(`[data-testid='data-input']`).value;",
            vec![],
        )
        .await;
    assert_eq!(
        pasted,
        json!(""),
        "an example opens with an empty paste area"
    );
    page.close().await;
}

#[tokio::test]
async fn a_damaged_project_file_is_refused_and_the_work_kept() {
    let page = Page::open().await;
    let path = std::env::temp_dir().join(format!("grove-damaged-{}.json", std::process::id()));
    std::fs::write(&path, "{\"version\": 1, \"outcomes\": [ {\"name\": ").expect("write file");
    let notice = choose_file(&page, "open-project", &path).await;
    assert!(notice.contains("not a Grove project file"), "{notice}");
    assert!(notice.contains("unchanged"), "{notice}");
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    let _ = std::fs::remove_file(path);
    page.close().await;
}

#[tokio::test]
async fn screenshots_of_a_large_analysis_and_the_dark_theme() {
    let page = Page::open_sized(1400, 1600).await;
    let mut text = String::new();
    for i in 0..40u32 {
        let n1 = 60 + (i * 37) % 400;
        let n2 = 55 + (i * 53) % 420;
        let e1 = 2 + (i * 7) % 25;
        let e2 = 3 + (i * 11) % 31;
        text.push_str(&format!(
            "Trial {} et al.\t{}\t{}\t{}\t{}\t{}\n",
            i + 1,
            e1,
            n1,
            e2,
            n2,
            1985 + i % 35
        ));
    }
    page.paste(&text).await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("40")
    );
    page.screenshot("forty-studies").await;
    page.screenshot_of("forest-plot", "forty-studies-plot")
        .await;
    page.click("theme").await;
    let theme = page
        .js(
            "return document.querySelector('.app').dataset.theme;",
            vec![],
        )
        .await;
    assert_eq!(theme, json!("dark"));
    let plot_background = page
        .js("return document.querySelector(`[data-testid='forest-plot'] rect`).getAttribute('fill');", vec![])
        .await;
    assert_eq!(
        plot_background,
        json!("#ffffff"),
        "the plot stays print-friendly"
    );
    page.screenshot("dark").await;
    page.close().await;
}

#[tokio::test]
async fn nothing_leaves_the_page_after_load() {
    let page = Page::open().await;
    let outcome = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/index.html').then(() => done('fetched'), () => done('refused'));",
            vec![],
        )
        .await
        .expect("script ran");
    assert_eq!(
        outcome,
        json!("refused"),
        "the page cannot fetch even its own files once running"
    );
    let errors = page.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "the refusal is the policy's: {errors:#?}"
    );
    page.close().await;
}

#[tokio::test]
async fn png_export_and_copying_the_sentence() {
    let page = Page::open().await;
    // Capture what the page hands to the browser instead of downloading or copying it.
    page.js(
        "window.downloads = [];
         HTMLAnchorElement.prototype.click = function () { window.downloads.push([this.download, this.href]); };
         window.copied = null;
         Object.defineProperty(navigator, 'clipboard', { value: { writeText: (t) => { window.copied = t; return Promise.resolve(); } } });",
        vec![],
    )
    .await;
    page.click("export-png").await;
    let png = eventually("a PNG download", || async {
        let d = page.js("return window.downloads;", vec![]).await;
        d.as_array().filter(|a| !a.is_empty()).cloned()
    })
    .await;
    assert_eq!(png[0][0], json!("tuberculosis-forest.png"));
    let size = page
        .js(
            "const href = window.downloads[0][1];
             if (!href.startsWith('data:image/png;base64,')) return 'not a PNG data URL';
             const bytes = Uint8Array.from(atob(href.slice(22, 22 + 40)), c => c.charCodeAt(0));
             const view = new DataView(bytes.buffer);
             const svg = document.querySelector(`[data-testid='forest-plot']`);
             return [view.getUint32(16), view.getUint32(20), Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))];",
            vec![],
        )
        .await;
    let n = |i: usize| {
        size[i]
            .as_f64()
            .unwrap_or_else(|| panic!("PNG header: {size}"))
    };
    assert_eq!(n(0), (n(2) * 300.0 / 96.0).ceil(), "300 dpi width");
    assert_eq!(n(1), (n(3) * 300.0 / 96.0).ceil(), "300 dpi height");
    // The file says so: a pHYs chunk of 11,811 pixels per metre (300 dpi) after IHDR.
    let phys = page
        .js(
            "const href = window.downloads[0][1];
             const bytes = Uint8Array.from(atob(href.slice(22)), c => c.charCodeAt(0));
             const view = new DataView(bytes.buffer);
             const type = String.fromCharCode(...bytes.slice(37, 41));
             return [type, view.getUint32(41), view.getUint32(45), bytes[49]];",
            vec![],
        )
        .await;
    assert_eq!(
        phys,
        json!(["pHYs", 11811, 11811, 1]),
        "300 dpi in the file"
    );

    page.click("copy-sentence").await;
    let copied = page.js("return window.copied;", vec![]).await;
    assert_eq!(copied.as_str(), Some(page.text("sentence").await.as_str()));
    let status = page
        .js(
            "return document.querySelector('.sentence .status').textContent;",
            vec![],
        )
        .await;
    assert_eq!(status, json!("Copied."));
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    page.close().await;
}

/// Chooses `path` in the file input with this testid and waits for the notice.
/// Opening an example, a project file or a RevMan review replaces or adds to the work
/// in place; each is one step that undo takes back and redo does again.
#[tokio::test]
async fn opening_an_example_a_project_or_a_review_can_be_undone() {
    let page = Page::open().await;
    page.paste("Mine\t1\t10\t2\t10\nOurs\t2\t20\t3\t20\n").await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    assert_eq!(rows(&page).await, 2);
    let first_study = || async {
        page.js(
            "return document.querySelector(`input[aria-label='Row 1, Study']`).value;",
            vec![],
        )
        .await
    };
    // An example replaces the outcome's table.
    page.js(
        "const s = document.querySelector(`[data-testid='examples']`); s.value = 'zero-cells'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(rows(&page).await, 18);
    page.click("undo").await;
    assert_eq!(rows(&page).await, 2);
    assert_eq!(first_study().await, json!("Mine"));
    page.click("redo").await;
    assert_eq!(rows(&page).await, 18);
    page.click("undo").await;
    // A project file replaces the project.
    let path = std::env::temp_dir().join(format!("grove-undo-{}.json", std::process::id()));
    // The project as saved once typing pauses, made into another one.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let project = page
        .js("return localStorage.getItem('grove.project');", vec![])
        .await;
    let mut other: Value =
        serde_json::from_str(project.as_str().expect("a stored project")).expect("JSON");
    let active = other["active"].as_u64().expect("active") as usize;
    other["outcomes"][active]["rows"] = json!([{"study": "Theirs", "year": "", "e1": "3", "n1": "30", "e2": "4", "n2": "30", "subgroup": ""}]);
    std::fs::write(&path, other.to_string()).expect("write the project file");
    let notice = choose_file(&page, "open-project", &path).await;
    assert!(notice.contains("opened"), "{notice}");
    assert_eq!(first_study().await, json!("Theirs"));
    page.click("undo").await;
    assert_eq!(first_study().await, json!("Mine"));
    assert_eq!(rows(&page).await, 2);
    // A review adds its outcomes.
    let review = workspace_root().join("tests/revman").join(
        std::fs::read_dir(workspace_root().join("tests/revman"))
            .expect("review files")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".rm5"))
            .min()
            .expect("a review file"),
    );
    let before = page.count("outcome-tab").await + page.count("outcome-item").await;
    let notice = choose_file(&page, "open-revman", &review).await;
    // Its RoB 1 table is not taken for RoB 2 judgements, and the user is told so.
    assert!(
        notice.contains("Its risk-of-bias table (RoB 1: 8 domains, ")
            && notice.contains("is not imported: Grove assesses risk of bias with RoB 2"),
        "{notice}"
    );
    page.screenshot("revman-rob1-notice").await;
    let opened = page.count("outcome-tab").await + page.count("outcome-item").await;
    assert!(opened > before, "{before} → {opened}");
    page.click("undo").await;
    assert_eq!(
        page.count("outcome-tab").await + page.count("outcome-item").await,
        before
    );
    assert_eq!(first_study().await, json!("Mine"));
    let _ = std::fs::remove_file(&path);
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// Chooses `path` in the file input `testid` and returns the notice that answers it (any
/// earlier notice dismissed first).
async fn choose_file(page: &Page, testid: &str, path: &std::path::Path) -> String {
    page.js(
        "const b = document.querySelector(`[data-testid='notice'] button`); if (b) b.click();",
        vec![],
    )
    .await;
    let input = page
        .client
        .find(fantoccini::Locator::Css(&format!(
            "[data-testid='{testid}']"
        )))
        .await
        .expect("file input");
    input
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the file");
    // A review is read in the worker: "Reading …" until it has answered.
    eventually("a notice", || async {
        if page.count("notice").await > 0 {
            Some(page.text("notice").await).filter(|n| !n.starts_with("Reading"))
        } else {
            None
        }
    })
    .await
}

#[tokio::test]
async fn a_revman_file_opens_as_outcomes_that_show_revmans_numbers() {
    let path = workspace_root().join("tests/revman/CD003188StatsDataOnly.rm5");
    let review =
        grove_core::parse::revman::read(&std::fs::read(&path).expect("file")).expect("a review");
    let outcome = review
        .outcomes
        .iter()
        .find(|o| o.source.number == "1.4")
        .expect("outcome 1.4");
    let stored = outcome.source.stored.overall;

    let page = Page::open_sized(1440, 2200).await;
    let notice = choose_file(&page, "open-revman", &path).await;
    assert!(notice.contains("16 dichotomous outcomes added"), "{notice}");
    assert!(notice.contains("not analysed"), "{notice}");
    // The others are listed too, each with the reason.
    assert_eq!(page.count("outcome-unsupported").await, 3);
    assert!(
        page.text("outcome-unsupported")
            .await
            .contains("not analysed: ")
    );
    // A review's outcomes are a searchable list grouped by comparison, not tabs.
    assert_eq!(page.count("outcome-item").await, 16);
    assert_eq!(page.count("outcome-tab").await, 0);
    page.js(
        "const e = document.querySelector(`[data-testid='outcome-search']`); e.value = 'non-vertebral'; e.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(page.count("outcome-item").await, 1);
    page.click("outcome-item").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='outcome-name']`).value;",
            vec![]
        )
        .await,
        json!("1.4 Non-vertebral fractures")
    );
    // The pooled result is RevMan's, to its stored digits.
    let close = |shown: f64, stored: Option<f64>| {
        let s = stored.expect("stored");
        assert!(
            (shown - s).abs() <= 1e-9 * s.abs().max(1.0),
            "{shown} vs RevMan {s}"
        );
    };
    close(page.summary_number("data-estimate").await, stored.effect);
    close(page.summary_number("data-ci-lower").await, stored.ci_start);
    close(page.summary_number("data-ci-upper").await, stored.ci_end);
    close(page.summary_number("data-i2").await, stored.i2);
    close(page.summary_number("data-tau2").await, stored.tau2);
    assert_eq!(
        page.attr("revman-agreement", "data-agrees")
            .await
            .as_deref(),
        Some("true")
    );
    assert!(
        page.text("revman-agreement")
            .await
            .contains("agrees with all")
    );
    page.screenshot("revman-1440").await;

    // Changing a setting is shown as a difference from the file.
    page.js(
        "const e = document.querySelector(`[data-testid='convention']`); e.value = 'metafor'; e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(
        page.attr("revman-agreement", "data-agrees")
            .await
            .as_deref(),
        Some("false")
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;

    let small = Page::open_sized(1024, 768).await;
    choose_file(&small, "open-revman", &path).await;
    small.screenshot("revman-1024x768").await;
    small.close().await;
}

#[tokio::test]
async fn a_damaged_or_foreign_revman_file_is_refused_and_the_work_kept() {
    let page = Page::open().await;
    let dir = std::env::temp_dir().join(format!("grove-e2e-rm5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = std::fs::read(workspace_root().join("tests/revman/Fleiss1993.rm5")).expect("file");
    let cut = dir.join("cut.rm5");
    std::fs::write(&cut, &text[..text.len() / 2]).expect("write");
    let notice = choose_file(&page, "open-revman", &cut).await;
    assert!(
        notice.contains("cut.rm5 was not opened: the file is damaged or not XML"),
        "{notice}"
    );
    assert!(
        notice.contains("Your current work is unchanged"),
        "{notice}"
    );
    let svg = dir.join("plot.rm5");
    std::fs::write(
        &svg,
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .expect("write");
    page.js(
        "document.querySelector(`[data-testid='notice'] button`).click();",
        vec![],
    )
    .await;
    let notice = choose_file(&page, "open-revman", &svg).await;
    assert!(notice.contains("not a RevMan 5 review"), "{notice}");
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    assert_eq!(page.count("outcome-tab").await, 1);
    std::fs::remove_dir_all(&dir).ok();
    page.close().await;
}

#[tokio::test]
async fn an_outcome_with_subtotals_only_shows_what_revman_shows() {
    let path = workspace_root().join("tests/revman/CD010590StatsDataOnly.rm5");
    let page = Page::open_sized(1440, 2000).await;
    let notice = choose_file(&page, "open-revman", &path).await;
    assert!(notice.contains("11 dichotomous outcomes added"), "{notice}");
    // Outcome 1.1 pools each comparison on its own (RevMan TOTALS="SUB").
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='totals']`).value;",
            vec![]
        )
        .await,
        json!("subtotals")
    );
    assert_eq!(page.attr("pooled-summary", "data-k").await, None);
    assert_eq!(
        page.attr("revman-agreement", "data-agrees")
            .await
            .as_deref(),
        Some("true")
    );
    let plot = page.text("forest-plot").await;
    assert!(
        plot.contains("Subtotal (95% CI)") && !plot.contains("Total (95% CI)"),
        "{plot}"
    );
    assert!(plot.contains("Test for subgroup differences"), "{plot}");
    page.screenshot("revman-subtotals-1440").await;
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

#[tokio::test]
async fn an_increment_out_of_range_is_refused_where_it_is_typed() {
    let page = Page::open().await;
    let before = page.attr("pooled-summary", "data-estimate").await;
    page.js(
        "const e = document.querySelector(`[data-testid='correction-increment']`); e.value = '5'; e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    let message = page.text("increment-error").await;
    assert!(
        message.contains("from 0.001 to 1") && message.contains("keeps 0.5"),
        "{message}"
    );
    assert_eq!(
        page.attr("correction-increment", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    // What was typed stays in the field; the analysis is unchanged.
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='correction-increment']`).value;",
            vec![]
        )
        .await,
        json!("5")
    );
    assert_eq!(page.attr("pooled-summary", "data-estimate").await, before);
    page.close().await;
}

#[tokio::test]
async fn a_count_with_two_readings_waits_for_the_user_to_choose() {
    let page = Page::open().await;
    page.paste("Dupont;5;10.000;7;9.000\nMartin;3;120;6;118\n")
        .await;
    // Nothing in the paste says whether the dot groups thousands: the row waits.
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("1")
    );
    let diagnostics = page.text("diagnostics").await;
    assert!(diagnostics.contains("could be 10 000"), "{diagnostics}");
    assert_eq!(
        page.count("confirm-reading").await,
        4,
        "two readings for each of two cells"
    );
    page.js(
        "document.querySelector(`[data-testid='confirm-reading'][data-reading='10000']`).click();",
        vec![],
    )
    .await;
    page.settle().await;
    page.js(
        "document.querySelector(`[data-testid='confirm-reading'][data-reading='9000']`).click();",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2")
    );
    assert_eq!(page.count("confirm-reading").await, 0);
    page.close().await;
}

/// The number of rows in the data table (a long table draws only those in view).
async fn rows(page: &Page) -> usize {
    page.attr("data-table", "aria-rowcount")
        .await
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n - 2)
}

/// `k` generated trials, one per line.
fn trials(k: usize) -> String {
    (1..=k)
        .map(|i| {
            format!(
                "Trial {i}\t{}\t{}\t{}\t{}\n",
                3 + i % 40,
                100 + i % 900,
                5 + i % 45,
                100 + i % 700
            )
        })
        .collect()
}

/// A plot of 1,000 trials holds an element for every group of the exported file, but
/// draws only the groups within a window's height of the view; scrolling draws the groups
/// that come near, and printing draws them all: the export's elements and text.
#[tokio::test]
async fn a_long_plot_draws_the_groups_near_the_view() {
    let page = Page::open_sized(1440, 900).await;
    page.paste(&trials(1000)).await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    let plot_texts = "return [...document.querySelectorAll(`[data-testid='forest-plot'] text`)].map(t => t.textContent);";
    let shown = page.js(plot_texts, vec![]).await;
    let shown: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(shown.contains(&"Trial 1"), "the first trial is drawn");
    assert!(
        !shown.contains(&"Trial 1000"),
        "the last trial is far and not drawn"
    );
    assert!(shown.len() < 1000, "{} texts drawn", shown.len());
    let far = page
        .js(
            "return document.querySelectorAll(`[data-testid='forest-plot'] > g.far`).length;",
            vec![],
        )
        .await;
    assert!(far.as_u64().unwrap() > 100, "{far} far groups");
    // Scroll to the plot's last rows: they are drawn.
    page.js(
        "const p = document.querySelector(`[data-testid='forest-plot']`).getBoundingClientRect(); window.scrollTo(0, window.scrollY + p.bottom - window.innerHeight);",
        vec![],
    )
    .await;
    eventually("the last trial drawn", || async {
        let shown = page.js(plot_texts, vec![]).await;
        shown
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str() == Some("Trial 1000"))
            .then_some(())
    })
    .await;
    page.screenshot("long-plot-end").await;
    // Before printing every group is drawn, and the page's plot is the exported file.
    let same = page
        .js(
            "window.dispatchEvent(new Event('beforeprint'));
             const shown = document.querySelector(`[data-testid='forest-plot']`);
             const link = document.querySelector(`[data-testid='export-svg']`);
             link.click();
             const href = link.getAttribute('href');
             const file = new DOMParser().parseFromString(decodeURIComponent(href.slice(href.indexOf(',') + 1)), 'image/svg+xml').documentElement;
             return [shown.querySelectorAll('*').length, file.querySelectorAll('*').length, shown.querySelectorAll('g.far').length, shown.textContent === file.textContent];",
            vec![],
        )
        .await;
    assert_eq!(
        same[0], same[1],
        "every element of the export is on the page: {same}"
    );
    assert_eq!(same[2], json!(0), "no group is left empty for printing");
    assert_eq!(
        same[3],
        json!(true),
        "the page's plot has the export's text"
    );
    page.close().await;
}

/// A table of 1,000 trials draws the rows in view and a margin, so that an edit costs
/// what it costs at 50; scrolling draws the rows come into view, and moving the focus to
/// a row not drawn (a row added at the end, Enter at the bottom of the view) scrolls to
/// it.
#[tokio::test]
async fn a_long_table_draws_the_rows_in_view() {
    let page = Page::open_sized(1440, 900).await;
    page.paste(&trials(1000)).await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    assert_eq!(rows(&page).await, 1000);
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("1000")
    );
    let drawn = page.count("data-row").await;
    assert!((20..=80).contains(&drawn), "{drawn} rows drawn");
    // The scroll height is the whole table's: the spacers stand in for the other rows.
    let heights = page
        .js(
            "const w = document.querySelector('.table-wrap'); const r = document.querySelector(`[data-testid='data-row']`).getBoundingClientRect().height; return [w.scrollHeight, r];",
            vec![],
        )
        .await;
    let (scroll_height, row) = (heights[0].as_f64().unwrap(), heights[1].as_f64().unwrap());
    assert!(
        (scroll_height - 1000.0 * row).abs() < 2.0 * row + 80.0,
        "{scroll_height} for rows of {row}"
    );
    // Scroll to the middle: row 500 is drawn, with its own values and row number.
    page.js(
        "const w = document.querySelector('.table-wrap'); w.scrollTop = 499 * arguments[0];",
        vec![json!(row)],
    )
    .await;
    let cell = |label: String| {
        let page = &page;
        async move {
            eventually(&format!("{label} drawn"), || async {
                let v = page
                    .js(
                        "const e = document.querySelector(`input[aria-label='${arguments[0]}']`); return e ? e.value : null;",
                        vec![json!(label)],
                    )
                    .await;
                v.as_str().map(str::to_owned)
            })
            .await
        }
    };
    assert_eq!(cell("Row 500, Study".into()).await, "Trial 500");
    assert_eq!(cell("Row 500, Control total".into()).await, "600");
    assert_eq!(
        page.js(
            "return document.querySelector(`input[aria-label='Row 1, Study']`);",
            vec![]
        )
        .await,
        Value::Null,
        "row 1 is far out of view and not drawn"
    );
    page.screenshot("long-table-middle").await;
    // An edit in the middle reaches the analysis.
    page.js(
        "const e = document.querySelector(`input[aria-label='Row 500, Experimental events']`); e.value = 'x'; e.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await;
    assert_eq!(
        eventually("row 500 left out", || async {
            let k = page.attr("pooled-summary", "data-k").await;
            (k.as_deref() == Some("999")).then_some(k)
        })
        .await
        .as_deref(),
        Some("999")
    );
    page.click("undo").await;
    // "+ Row" scrolls to the new last row and focuses it.
    page.click("add-row").await;
    eventually("focus on the added row", || async {
        (focused_label(&page).await == json!("Row 1001, Study")).then_some(())
    })
    .await;
    // Enter from the last row in view moves to the next, scrolled into view.
    page.js(
        "document.querySelector('.table-wrap').scrollTop = 0;",
        vec![],
    )
    .await;
    let last_in_view = eventually("rows drawn from the top", || async {
        page.js(
            "const w = document.querySelector('.table-wrap').getBoundingClientRect(); let last = null; for (const r of document.querySelectorAll(`[data-testid='data-row']`)) { const b = r.getBoundingClientRect(); if (b.bottom <= w.bottom) last = r; } return last && last.querySelector('th').textContent;",
            vec![],
        )
        .await
        .as_str()
        .and_then(|n| n.parse::<usize>().ok())
    })
    .await;
    let mut label = format!("Row {last_in_view}, Year");
    for step in 1..=30 {
        page.js(
            "const e = document.querySelector(`input[aria-label='${arguments[0]}']`); e.focus(); e.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));",
            vec![json!(label)],
        )
        .await;
        label = format!("Row {}, Year", last_in_view + step);
        let want = json!(label.clone());
        eventually(&format!("focus on {label}"), || async {
            (focused_label(&page).await == want).then_some(())
        })
        .await;
    }
    // A problem far down the table: its "Go to" button scrolls to the cell and focuses it.
    page.js(
        "document.querySelector('.table-wrap').scrollTop = 0;",
        vec![],
    )
    .await;
    page.settle().await;
    page.paste(&trials(1000).replace("Trial 900\t", "Trial 900\tmany"))
        .await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    page.js(
        "document.querySelector(`[data-testid='go-to-cell']`).click();",
        vec![],
    )
    .await;
    eventually("focus on the cell with the problem", || async {
        (focused_label(&page).await == json!("Row 900, Experimental events")).then_some(())
    })
    .await;
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

#[tokio::test]
async fn every_destructive_action_can_be_undone_and_redone() {
    let page = Page::open().await;
    assert_eq!(rows(&page).await, 13);
    // Deleting a row.
    page.click("delete-row").await;
    assert_eq!(rows(&page).await, 12);
    page.click("undo").await;
    assert_eq!(rows(&page).await, 13);
    page.click("redo").await;
    assert_eq!(rows(&page).await, 12);
    page.click("undo").await;
    // Replacing the table by a paste.
    page.paste("A\t1\t10\t2\t10\nB\t2\t20\t3\t20\n").await;
    assert_eq!(rows(&page).await, 2);
    page.click("undo").await;
    assert_eq!(rows(&page).await, 13);
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    // The RevMan 5 preset.
    page.click("revman5").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='method']`).value;",
            vec![]
        )
        .await,
        json!("MH")
    );
    page.click("undo").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='method']`).value;",
            vec![]
        )
        .await,
        json!("IV")
    );
    // Removing an outcome, undone from the keyboard.
    page.click("add-outcome").await;
    assert_eq!(page.count("outcome-tab").await, 2);
    page.click("remove-outcome").await;
    assert_eq!(page.count("outcome-tab").await, 1);
    page.js(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'z', ctrlKey: true, bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(page.count("outcome-tab").await, 2);
    page.js(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Z', ctrlKey: true, shiftKey: true, bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(page.count("outcome-tab").await, 1);
    // Typing in a cell is one step.
    page.js(
        "const e = document.querySelector(`[data-testid='data-row'] td input`); for (const v of ['X', 'XY', 'XYZ']) { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }",
        vec![],
    )
    .await;
    page.settle().await;
    page.click("undo").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='data-row'] td input`).value;",
            vec![]
        )
        .await,
        json!("Aronson")
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// Dispatches a paste of `text` into the input with this `aria-label`, as a browser does
/// when the user pastes from a spreadsheet.
async fn paste_into_cell(page: &Page, label: &str, text: &str) {
    page.js(
        "const e = document.querySelector(`input[aria-label='${arguments[0]}']`); e.focus(); const d = new DataTransfer(); d.setData('text/plain', arguments[1]); e.dispatchEvent(new ClipboardEvent('paste', {clipboardData: d, bubbles: true, cancelable: true}));",
        vec![json!(label), json!(text)],
    )
    .await;
    page.settle().await;
}

async fn focused_label(page: &Page) -> Value {
    page.js(
        "return document.activeElement.getAttribute('aria-label');",
        vec![],
    )
    .await
}

#[tokio::test]
async fn the_table_behaves_like_a_spreadsheet() {
    let page = Page::open().await;
    // A 2×4 block pasted into one cell fills the cells from there, adding a row.
    paste_into_cell(
        &page,
        "Row 13, Experimental events",
        "7\t70\t9\t71\r\n8\t80\t10\t81\r\n",
    )
    .await;
    assert_eq!(rows(&page).await, 14);
    let value = |label: &'static str| {
        let page = &page;
        async move {
            page.js(
                "return document.querySelector(`input[aria-label='${arguments[0]}']`).value;",
                vec![json!(label)],
            )
            .await
        }
    };
    assert_eq!(value("Row 13, Experimental events").await, json!("7"));
    assert_eq!(value("Row 13, Control total").await, json!("71"));
    assert_eq!(value("Row 14, Control events").await, json!("10"));
    assert_eq!(value("Row 13, Study").await, json!("Comstock et al"));
    // One undo takes the whole block back.
    page.click("undo").await;
    assert_eq!(rows(&page).await, 13);
    // Enter moves down, Shift+Enter up.
    page.js(
        "const e = document.querySelector(`input[aria-label='Row 2, Control total']`); e.focus(); e.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(focused_label(&page).await, json!("Row 3, Control total"));
    // Focus follows an added row and a moved row.
    page.click("add-row").await;
    page.settle().await;
    assert_eq!(focused_label(&page).await, json!("Row 14, Study"));
    page.click("undo").await;
    page.js(
        "document.querySelector(`[aria-label='Move row 5 up']`).click();",
        vec![],
    )
    .await;
    page.settle().await;
    page.settle().await;
    assert_eq!(focused_label(&page).await, json!("Move row 4 up"));
    // The outcome tabs take the arrow keys.
    page.click("add-outcome").await;
    page.js(
        "const t = document.querySelectorAll(`[data-testid='outcome-tab']`)[1]; t.focus(); t.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    page.settle().await;
    assert_eq!(
        page.js("return document.activeElement.getAttribute('aria-selected') + document.activeElement.textContent;", vec![]).await,
        json!("trueTuberculosis")
    );
    page.close().await;
}

#[tokio::test]
async fn every_control_is_a_target_of_at_least_24_by_24_px() {
    let page = Page::open_sized(1024, 768).await;
    let small = page
        .js(
            "const out = []; for (const e of document.querySelectorAll('button, select, input[type=text], input[type=number], input[type=search], label.file-button, [role=tab]')) { const r = e.getBoundingClientRect(); if (r.width === 0 && r.height === 0) continue; if (r.width < 24 || r.height < 24) out.push((e.getAttribute('aria-label') || e.textContent || e.id) + ' ' + r.width.toFixed(1) + '×' + r.height.toFixed(1)); } return out;",
            vec![],
        )
        .await;
    assert_eq!(small, json!([]), "controls smaller than 24×24 px");
    page.close().await;
}

/// Runs axe-core (installed pinned by `scripts/setup`, path in `GROVE_AXE`) on the page
/// with the WCAG 2.0, 2.1 and 2.2 A and AA rules; returns the violations as text.
async fn accessibility_violations(page: &Page) -> Vec<String> {
    let path = std::env::var("GROVE_AXE").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/grove-tools/axe-core-4.11.0/node_modules/axe-core/axe.min.js")
    });
    let axe = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {path} ({e}): run scripts/setup"));
    let result = page
        .js(
            &format!(
                "{axe}\n;return axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}}}).then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join('; ')));"
            ),
            vec![],
        )
        .await;
    result
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_else(|| vec![format!("axe did not run: {result}")])
}

#[tokio::test]
async fn axe_finds_no_wcag_2_2_aa_violations() {
    let page = Page::open_sized(1280, 900).await;
    // The checker itself: an image without a text alternative is found.
    page.js("const i = document.createElement('img'); i.id = 'axe-probe'; i.src = 'data:,'; document.body.append(i);", vec![]).await;
    let probe = accessibility_violations(&page).await;
    assert!(
        probe.iter().any(|v| v.starts_with("image-alt")),
        "{probe:?}"
    );
    page.js("document.getElementById('axe-probe').remove();", vec![])
        .await;
    let mut found = Vec::new();
    found.extend(accessibility_violations(&page).await);
    // Rows with problems, the dark theme, a review with its outcome list.
    page.paste("Alpha\t4\t100\t9\t100\nBeta\tabc\t100\t9\t100\nDupont;5;10.000;7;9.000")
        .await;
    found.extend(accessibility_violations(&page).await);
    page.click("theme").await;
    found.extend(accessibility_violations(&page).await);
    choose_file(
        &page,
        "open-revman",
        &workspace_root().join("tests/revman/CD003188StatsDataOnly.rm5"),
    )
    .await;
    found.extend(accessibility_violations(&page).await);
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "axe-core violations:\n{}",
        found.join("\n")
    );
    page.close().await;
}

/// Waits until a service worker controls the page (it keeps the page's files).
async fn wait_for_service_worker(page: &Page) {
    eventually("a service worker controls the page", || async {
        page.js(
            "return navigator.serviceWorker.controller !== null;",
            vec![],
        )
        .await
        .as_bool()
        .filter(|&b| b)
    })
    .await;
}

/// Served under a sub-path of a static host, the page loads, keeps its files, and with
/// the server gone reloads the example, then the project stored in the browser, and
/// opens a RevMan review.
#[tokio::test]
async fn the_page_works_under_a_sub_path_and_offline() {
    let server = Server::start("/some/sub/path/");
    let page = Page::open_url(&server.site.url).await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    // Installable: a manifest, found where the page says, with its icons.
    let href = page
        .js(
            "return document.querySelector('link[rel=manifest]').href;",
            vec![],
        )
        .await;
    let manifest: Value = serde_json::from_str(
        &http_get(href.as_str().unwrap_or_default()).expect("the manifest is served"),
    )
    .expect("manifest JSON");
    assert_eq!(manifest["start_url"], json!("./"));
    let icons = manifest["icons"].as_array().expect("icons");
    for size in ["any", "192x192", "512x512"] {
        assert!(
            icons.iter().any(|i| i["sizes"] == json!(size)),
            "icon {size}"
        );
    }
    for icon in icons {
        let url = format!(
            "{}{}",
            server.site.url,
            icon["src"].as_str().unwrap_or_default()
        );
        assert!(http_get(&url).is_some(), "{url} is served");
    }
    wait_for_service_worker(&page).await;
    server.stop();
    // Nothing is served any more.
    assert!(
        std::net::TcpStream::connect(
            server
                .site
                .url
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap()
        )
        .is_err()
    );
    page.reload().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    assert_eq!(rows(&page).await, 13);
    // A project entered offline is stored, and there after another reload.
    page.paste("A\t4\t50\t9\t50\nB\t3\t40\t7\t41\nC\t10\t90\t12\t88\n")
        .await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    page.reload().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("3")
    );
    // A RevMan review opens offline: the worker that reads it is kept as well.
    let notice = choose_file(
        &page,
        "open-revman",
        &workspace_root().join("tests/revman/Fleiss1993.rm5"),
    )
    .await;
    assert!(notice.starts_with("Opened"), "{notice}");
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    page.close().await;
}

/// Once loaded, the page can reach no other origin: a fetch, an image and a script
/// aimed at another server are refused by the Content-Security-Policy, and that server
/// sees no request.
#[tokio::test]
async fn a_request_to_another_origin_is_refused() {
    let other = Server::start("/");
    let page = Page::open().await;
    let before = other.requests();
    let refused = page
        .client
        .execute_async(
            "const [url, done] = [arguments[0], arguments[arguments.length - 1]];
             const seen = [];
             document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective));
             const img = new Image(); img.src = url + 'icons/grove-192.png';
             const script = document.createElement('script'); script.src = url + 'sw.js'; document.head.append(script);
             fetch(url + 'index.html').then(() => 'fetched', (e) => e.name).then((fetch) => {
               setTimeout(() => done([fetch, seen]), 300);
             });",
            vec![json!(other.site.url.replace("127.0.0.1", "localhost"))],
        )
        .await
        .expect("requests to another origin");
    assert_eq!(refused[0], json!("TypeError"), "{refused}");
    let seen: Vec<&str> = refused[1]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for directive in ["connect-src", "img-src", "script-src-elem"] {
        assert!(
            seen.contains(&directive),
            "{directive} not enforced: {seen:?}"
        );
    }
    assert_eq!(other.requests(), before, "the other origin saw no request");
    page.close().await;
}

/// The body of a plain HTTP GET of `url` (`http://host:port/path`) when it answers 200.
fn http_get(url: &str) -> Option<String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_at(rest.find('/')?);
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    // The request is complete: the server waits for that before it closes.
    stream.shutdown(std::net::Shutdown::Write).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

/// The single file (`scripts/build-single`) works opened from disk: the example, a
/// project kept across a reload, a RevMan review opened, and no request to any server.
#[tokio::test]
async fn the_single_file_works_from_disk() {
    let file = single_file();
    // Three WebAssembly modules (the page, its worker, the GOSH worker), gzip-compressed
    // and base64-encoded: small enough for any e-mail attachment.
    let size = std::fs::metadata(&file).expect("the single file").len();
    assert!(size < 1_200_000, "{size} bytes");
    let other = Server::start("/");
    let page = Page::open_url(&format!("file://{}", file.display())).await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    page.paste("A\t4\t50\t9\t50\nB\t3\t40\t7\t41\n").await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    page.reload().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2")
    );
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    let refused = page
        .client
        .execute_async(
            "const [url, done] = [arguments[0], arguments[arguments.length - 1]];
             fetch(url).then(() => done('fetched'), (e) => done(e.name));",
            vec![json!(other.site.url)],
        )
        .await
        .expect("a request to a server");
    assert_eq!(refused, json!("TypeError"));
    // A RevMan review opens: its reader, the page's worker, is inlined too.
    let notice = choose_file(
        &page,
        "open-revman",
        &workspace_root().join("tests/revman/Fleiss1993.rm5"),
    )
    .await;
    assert!(notice.starts_with("Opened"), "{notice}");
    // GOSH runs in its own worker, inlined as well.
    page.click("view-gosh").await;
    let text = eventually("the GOSH plot", || async { gosh_text(&page).await }).await;
    assert!(text.contains("subsets of"), "{text}");
    assert_eq!(other.requests(), 0, "no request left the file");
    page.close().await;
}

/// A new build on the server is what the next load shows, although a service worker
/// keeps the old one: pages come from the network first.
#[tokio::test]
async fn a_new_build_is_seen_at_the_next_load() {
    let root = std::env::temp_dir().join(format!("grove-deploy-{}", std::process::id()));
    copy_dir(&harness_dist(), &root);
    let server = Server::start_at(root.clone(), "/");
    let page = Page::open_url(&server.site.url).await;
    wait_for_service_worker(&page).await;
    let index = root.join("index.html");
    let html = std::fs::read_to_string(&index).expect("index.html");
    let old = html[html.find("<title>").expect("title")..html.find("</title>").expect("title")]
        .to_owned();
    std::fs::write(&index, html.replace(&old, "<title>Grove, next build")).expect("deploy");
    page.reload().await;
    assert_eq!(
        page.js("return document.title;", vec![]).await,
        json!("Grove, next build")
    );
    page.close().await;
    let _ = std::fs::remove_dir_all(&root);
}

/// The built page the tests are run on.
fn harness_dist() -> std::path::PathBuf {
    let site = std::path::PathBuf::from(
        std::env::var("GROVE_DIST").unwrap_or_else(|_| "target/e2e-dist".to_owned()),
    );
    if site.is_absolute() {
        site
    } else {
        workspace_root().join(site)
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the build").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Under the numbers, what they mean: I² in the Handbook's bands, the prediction interval,
/// and the pooled effect per 1000 people at the trials' median control risk or a typed one.
#[tokio::test]
async fn the_numbers_say_what_they_mean() {
    let page = Page::open().await;
    let text = |testid: &'static str| {
        let page = &page;
        async move { page.text(testid).await }
    };
    assert!(
        text("meaning-i2")
            .await
            .contains("considerable heterogeneity")
    );
    assert!(
        text("meaning-prediction")
            .await
            .contains("includes no effect")
    );
    // 13 trials with I² of 92%: the caution on heterogeneity, not the one on few trials.
    let cautions = text("meaning-i2").await;
    assert!(
        cautions.contains("Caution: I² of 50% or more") && !cautions.contains("fewer than 10"),
        "{cautions}"
    );
    let absolute = text("meaning-absolute").await;
    let note = text("control-risk-note").await;
    assert!(note.contains("median"), "{note}");
    let median: String = note
        .split(", ")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(
        absolute.starts_with(&format!("With {median} per 1000")),
        "{absolute} / {note}"
    );
    assert!(absolute.contains("Number needed to treat"), "{absolute}");
    let type_risk = |value: &'static str| {
        let page = &page;
        async move {
            page.js(
                "const e = document.querySelector(`[data-testid='control-risk']`); e.value = arguments[0]; e.dispatchEvent(new Event('input', {bubbles: true}));",
                vec![json!(value)],
            )
            .await;
            page.settle().await;
        }
    };
    type_risk("200").await;
    assert!(
        text("meaning-absolute")
            .await
            .starts_with("With 200 per 1000")
    );
    type_risk("abc").await;
    assert_eq!(
        page.attr("control-risk", "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert!(
        text("control-risk-note")
            .await
            .contains("not a risk per 1000")
    );
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='control-risk']`).value;",
            vec![]
        )
        .await,
        json!("abc"),
        "what was typed is kept"
    );
    assert!(
        text("meaning-absolute")
            .await
            .starts_with(&format!("With {median} per 1000"))
    );
    // Typing in the field is one step that undo takes back.
    page.click("undo").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='control-risk']`).value;",
            vec![]
        )
        .await,
        json!("")
    );
    // The risk is kept with the outcome: there after a reload.
    type_risk("150").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    page.reload().await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='control-risk']`).value;",
            vec![]
        )
        .await,
        json!("150")
    );
    assert!(
        text("meaning-absolute")
            .await
            .starts_with("With 150 per 1000")
    );
    page.screenshot("meaning").await;
    // Three similar trials: the caution on few trials, not the one on heterogeneity.
    page.paste("One\t10\t100\t20\t100\nTwo\t11\t100\t21\t100\nThree\t9\t100\t19\t100")
        .await;
    let cautions = text("meaning-i2").await;
    assert!(
        cautions.contains("Caution: fewer than 10 trials (3)")
            && !cautions.contains("Caution: I² of 50%"),
        "{cautions}"
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// The smallest text of the presentation view's plot in CSS pixels, the texts that reach
/// past the window or the plot (cut), and whether the plot's bottom can be scrolled to.
async fn stage_legibility(page: &Page) -> Value {
    page.js(
        "const stage = document.querySelector(`[data-testid='stage']`);
         const svg = stage.querySelector('svg');
         const box = svg.getBoundingClientRect();
         const scale = box.width / svg.viewBox.baseVal.width;
         let smallest = Infinity;
         const cut = [];
         for (const t of svg.querySelectorAll('text')) {
           smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
           const b = t.getBoundingClientRect();
           if (b.left < Math.max(0, box.left) - 0.5 || b.right > Math.min(innerWidth, box.right) + 0.5
               || b.bottom > box.bottom + 0.5) cut.push(t.textContent);
         }
         const reachable = box.bottom + stage.scrollTop <= stage.scrollHeight + 1;
         return [smallest, cut, reachable, innerWidth, innerHeight];",
        vec![],
    )
    .await
}

/// The presentation view, at the projectors' sizes and a large screen, for 1, 13 and 40
/// trials: the plot's smallest text is at least 16 CSS px, no text is cut, and a plot
/// taller than the screen scrolls (the clicker's "next" scrolls it first).
#[tokio::test]
async fn the_presentation_view_is_legible_at_projector_sizes() {
    for (w, h) in [(1024, 768), (1280, 720), (1920, 1080)] {
        let page = Page::open_viewport(w, h).await;
        for k in [13, 1, 40] {
            if k != 13 {
                page.paste(&trials(k)).await;
                page.js(
                    "document.querySelector(`[data-testid='data-input']`).blur();",
                    vec![],
                )
                .await;
            }
            // Opened by its key (a script's key press, so without full screen, which
            // would take the headless browser's own screen size).
            page.key("p").await;
            page.wait_for("stage").await;
            let v = stage_legibility(&page).await;
            assert_eq!(
                (v[3].as_u64(), v[4].as_u64()),
                (Some(u64::from(w)), Some(u64::from(h))),
                "window size"
            );
            let smallest = v[0].as_f64().expect("texts measured");
            println!(
                "presentation view at {w}×{h}, {k} trials: smallest plot text {smallest:.1} CSS px"
            );
            assert!(
                smallest >= 16.0 - 1e-9,
                "{w}×{h}, {k} trials: smallest text {smallest} px"
            );
            assert_eq!(v[1], json!([]), "{w}×{h}, {k} trials: texts cut");
            assert_eq!(
                v[2],
                json!(true),
                "{w}×{h}, {k} trials: the plot's end is reachable"
            );
            if k == 13 && w != 1280 {
                page.screenshot(&format!("stage-{w}x{h}")).await;
            }
            page.key("Escape").await;
            eventually("the presentation left", || async {
                (page.count("stage").await == 0).then_some(())
            })
            .await;
        }
        page.close().await;
    }
}

/// The views in the presentation: V shows the funnel plot, leave-one-out, cumulative,
/// influence and L'Abbé views of the outcome in place of its forest plot, each with its
/// smallest text at 16 CSS px or more on a 1024×768 projector, then the forest plot again.
#[tokio::test]
async fn the_presentation_view_shows_the_views_legibly() {
    let page = Page::open_viewport(1024, 768).await;
    page.key("p").await;
    page.wait_for("stage").await;
    for name in [
        "Funnel plot",
        "Leave one out",
        "Cumulative",
        "Influence",
        "L'Abbé plot",
    ] {
        page.key("v").await;
        eventually(name, || async {
            let shown = page
                .js(
                    "const v = document.querySelector(`[data-testid='stage-view']`);
                     return v && v.querySelector('svg') ? v.querySelector('h2').textContent : null;",
                    vec![],
                )
                .await;
            (shown == json!(name)).then_some(())
        })
        .await;
        let v = stage_legibility(&page).await;
        let smallest = v[0].as_f64().expect("texts measured");
        println!("presentation view, {name} at 1024×768: smallest text {smallest:.1} CSS px");
        assert!(
            smallest >= 16.0 - 1e-9,
            "{name}: smallest text {smallest} px"
        );
        assert_eq!(v[2], json!(true), "{name}: the plot's end is reachable");
        if name == "Funnel plot" {
            page.screenshot("stage-funnel-1024x768").await;
        }
    }
    page.key("v").await;
    page.wait_for("stage-plot").await;
    assert_eq!(page.count("stage-view").await, 0);
    // The button does what the key does.
    page.click("stage-views").await;
    page.wait_for("stage-view").await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    page.close().await;
}

/// The keys of the presentation view: P opens it, the arrows step through the outcomes,
/// B builds the plot up one study at a time (the headline moving to each cumulative
/// result), Escape returns; the dark theme is white on black.
#[tokio::test]
async fn the_presentation_view_steps_and_builds_up() {
    let page = Page::open_viewport(1024, 768).await;
    page.click("add-outcome").await;
    page.paste("A\t4\t50\t9\t50\nB\t3\t40\t7\t41\n").await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    page.click("theme").await;
    let key = |k: &'static str| page.key(k);
    key("p").await;
    page.wait_for("stage").await;
    assert_eq!(page.text("stage-title").await, "Outcome 2");
    assert!(page.text("stage-place").await.starts_with("Outcome 2 of 2"));
    let colours = page
        .js(
            "const s = getComputedStyle(document.querySelector(`[data-testid='stage']`)); return [s.backgroundColor, s.color];",
            vec![],
        )
        .await;
    assert_eq!(colours, json!(["rgb(0, 0, 0)", "rgb(255, 255, 255)"]));
    key("PageUp").await;
    assert_eq!(page.text("stage-title").await, "Tuberculosis");
    key("b").await;
    let place = page.text("stage-place").await;
    assert!(place.contains("1 of 13 studies"), "{place}");
    assert!(page.text("stage-headline").await.contains("1 trial"));
    for step in 2..=13 {
        // "Next" scrolls through a plot taller than the screen before moving on.
        for _ in 0..5 {
            key("ArrowRight").await;
            if page
                .text("stage-place")
                .await
                .contains(&format!("{step} of 13"))
            {
                break;
            }
        }
        let place = page.text("stage-place").await;
        assert!(place.contains(&format!("{step} of 13 studies")), "{place}");
        assert!(
            page.text("stage-headline")
                .await
                .contains(&format!("{step} trials"))
        );
    }
    page.screenshot("stage-build-up").await;
    for _ in 0..5 {
        key("ArrowRight").await;
    }
    assert_eq!(page.text("stage-title").await, "Outcome 2");
    page.click("stage-close").await;
    eventually("the presentation left", || async {
        (page.count("stage").await == 0).then_some(())
    })
    .await;
    // A key typed into a field is text, not a command.
    page.js(
        "document.querySelector(`[data-testid='data-input']`).focus();",
        vec![],
    )
    .await;
    page.key("p").await;
    assert_eq!(page.count("stage").await, 0);
    // The button opens it full screen; leaving full screen (the browser's Escape) leaves it.
    page.click("present").await;
    page.wait_for("stage").await;
    eventually("full screen", || async {
        let full = page
            .js(
                "return document.fullscreenElement && document.fullscreenElement.dataset.testid;",
                vec![],
            )
            .await;
        (full == json!("stage")).then_some(())
    })
    .await;
    page.js("document.exitFullscreen();", vec![]).await;
    eventually("the presentation left with full screen", || async {
        (page.count("stage").await == 0).then_some(())
    })
    .await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    page.close().await;
}

/// The share link in the panel, once made.
async fn share_link(page: &Page, other_than: &str) -> String {
    eventually("a share link", || async {
        let v = page
            .js(
                "const e = document.querySelector(`[data-testid='share-link']`); return e ? e.value : '';",
                vec![],
            )
            .await;
        v.as_str()
            .filter(|l| l.contains("#grove1.") && *l != other_than)
            .map(str::to_owned)
    })
    .await
}

/// The project kept in this browser.
async fn stored_project(page: &Page) -> Value {
    let text = page
        .js("return localStorage.getItem('grove.project');", vec![])
        .await;
    serde_json::from_str(text.as_str().unwrap_or("null")).expect("stored JSON")
}

/// A share link is made in the panel, of the project or of one outcome, with its QR
/// code; opened in a browser that has work of its own, it shows the shared analysis and
/// leaves that work as it was, until the visitor keeps a copy (added to their work) or
/// goes back to it. A damaged or foreign link is refused with a message.
#[tokio::test]
async fn a_share_link_opens_without_touching_the_visitors_work() {
    let page = Page::open().await;
    page.click("add-outcome").await;
    page.paste("P\t1\t10\t2\t10\nQ\t2\t12\t3\t12\n").await;
    page.js(
        "document.querySelector(`[data-testid='data-input']`).blur();",
        vec![],
    )
    .await;
    page.click("share").await;
    let link = share_link(&page, "").await;
    let status = page.text("share-status").await;
    assert!(
        status.starts_with(&format!("{} characters", link.chars().count())),
        "{status}"
    );
    // The example's link fits a QR code, which the page's worker draws.
    eventually("the QR code", || async {
        (page.count("qr").await == 1).then_some(())
    })
    .await;
    let qr_file = page.attr("qr-svg", "href").await.unwrap_or_default();
    assert!(qr_file.starts_with("data:image/svg+xml"));
    page.click("share-outcome").await;
    let one = share_link(&page, &link).await;
    page.screenshot("share-panel").await;
    // Link lengths, and a link too long for a QR code.
    let mut last = one.clone();
    for k in [5, 20, 100] {
        page.paste(&trials(k)).await;
        last = share_link(&page, &last).await;
        println!(
            "share link of one outcome of {k} trials: {} characters",
            last.chars().count()
        );
    }
    // The QR code is made by the page's worker, after the link.
    let status_with = |words: &'static str| {
        let page = &page;
        eventually(words, move || async move {
            let status = page.text("share-status").await;
            status.contains(words).then_some(status)
        })
    };
    status_with("No QR code").await;
    assert_eq!(page.count("qr").await, 0);
    page.click("share-project").await;
    share_link(&page, &last).await;
    status_with("The link of this outcome alone may fit").await;
    page.close().await;

    let visitor = Page::open().await;
    visitor
        .paste("Mine\t4\t50\t9\t50\nOurs\t3\t40\t7\t41\n")
        .await;
    visitor
        .js(
            "document.querySelector(`[data-testid='data-input']`).blur();",
            vec![],
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let mine = stored_project(&visitor).await;
    visitor.client.goto(&link).await.expect("open the link");
    visitor.reload().await;
    visitor.wait_for("visit").await;
    assert_eq!(
        visitor.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2")
    );
    assert_eq!(visitor.count("outcome-tab").await, 2);
    let shared_to_plot = visitor
        .js(
            "const m = performance.getEntriesByName('grove:shared')[0]; return m ? m.startTime : null;",
            vec![],
        )
        .await;
    println!("share link → shared analysis in the DOM: {shared_to_plot} ms after navigation");
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    assert_eq!(
        stored_project(&visitor).await,
        mine,
        "a visit saves nothing"
    );
    visitor.click("keep-copy").await;
    eventually("the copy kept", || async {
        let stored = stored_project(&visitor).await;
        (stored["outcomes"].as_array().map(Vec::len) == Some(3)).then_some(())
    })
    .await;
    let stored = stored_project(&visitor).await;
    assert_eq!(stored["outcomes"][0]["rows"][0]["study"], json!("Mine"));
    assert_eq!(stored["outcomes"][1]["name"], json!("Tuberculosis"));
    assert_eq!(stored["outcomes"][2]["rows"][1]["study"], json!("Q"));
    assert_eq!(visitor.count("visit").await, 0);
    assert_eq!(visitor.js("return location.hash;", vec![]).await, json!(""));

    // The one-outcome link, then back to the visitor's own work.
    visitor.client.goto(&one).await.expect("open the link");
    visitor.reload().await;
    visitor.wait_for("visit").await;
    assert_eq!(
        visitor.count("outcome-tab").await,
        1,
        "the one outcome of the link"
    );
    assert_eq!(
        visitor.attr("pooled-summary", "data-k").await.as_deref(),
        Some("2")
    );
    visitor.click("leave-visit").await;
    eventually("own work back", || async {
        (visitor.count("visit").await == 0).then_some(())
    })
    .await;
    assert_eq!(stored_project(&visitor).await, stored);
    assert_eq!(visitor.count("outcome-tab").await, 3);

    // Damaged and foreign links: a message, and the work as it was.
    let base = link.split('#').next().unwrap_or_default().to_owned();
    for (fragment, says) in [
        ("#grove1.AAAAAAAA", "could not be opened"),
        ("#grove9.abc", "newer"),
        ("#grove1.%%%", "could not be opened"),
    ] {
        visitor
            .client
            .goto(&format!("{base}{fragment}"))
            .await
            .expect("open");
        visitor.reload().await;
        let notice = eventually("a notice", || async {
            (visitor.count("notice").await > 0).then_some(visitor.text("notice").await)
        })
        .await;
        assert!(notice.contains(says), "{fragment}: {notice}");
        assert_eq!(visitor.count("visit").await, 0);
        assert_eq!(stored_project(&visitor).await, stored);
    }
    visitor.close().await;
}

/// Decodes the one QR symbol in a screenshot, as a phone would.
fn scan(png_path: &std::path::Path) -> String {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).expect("the screenshot"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("its pixels");
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        let px = &buf[i..i + channels.min(3)];
        (px.iter().map(|&v| u32::from(v)).sum::<u32>() / px.len() as u32) as u8
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol in {}", png_path.display());
    grids[0].decode().expect("the symbol decodes").1
}

/// In the presentation view, Q shows the QR code of the outcome's share link: a decoder
/// reads it from the screen, and the link opens that outcome. "Download slide" makes a
/// 1920×1080 PNG that carries its resolution.
#[tokio::test]
async fn the_presentation_shows_a_qr_code_that_scans_and_downloads_a_slide() {
    let page = Page::open_viewport(1280, 720).await;
    page.key("p").await;
    page.wait_for("stage").await;
    page.key("q").await;
    eventually("the QR code", || async {
        (page
            .js(
                "return !!document.querySelector(`[data-testid='stage-qr'] svg`);",
                vec![],
            )
            .await
            == json!(true))
        .then_some(())
    })
    .await;
    let shot = page.screenshot_of("stage-qr", "stage-qr").await;
    let link = scan(&shot);
    assert!(link.contains("#grove1."), "{link}");
    // The slide: a PNG of 1920×1080 pixels, its resolution stated.
    let slide = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const click = HTMLAnchorElement.prototype.click;
             HTMLAnchorElement.prototype.click = function () {
               HTMLAnchorElement.prototype.click = click;
               done([this.download, this.href]);
             };
             document.querySelector(`[data-testid='stage-slide']`).click();",
            vec![],
        )
        .await
        .expect("the slide download");
    assert_eq!(slide[0], json!("tuberculosis-slide.png"));
    let href = slide[1].as_str().expect("a data URL");
    let bytes = grove_core::base64::decode(
        grove_core::base64::STANDARD,
        href.split_once(",").expect("base64 data").1,
    )
    .expect("base64");
    std::fs::write(
        workspace_root().join("target/screenshots/slide.png"),
        &bytes,
    )
    .expect("keep the slide");
    let reader = png::Decoder::new(std::io::Cursor::new(&bytes))
        .read_info()
        .expect("a PNG");
    let info = reader.info();
    assert_eq!((info.width, info.height), (1920, 1080));
    assert!(
        info.pixel_dims.is_some(),
        "the slide carries its resolution"
    );
    page.close().await;

    let visitor = Page::open().await;
    visitor
        .client
        .goto(&link)
        .await
        .expect("open the scanned link");
    visitor.reload().await;
    visitor.wait_for("visit").await;
    assert_eq!(
        visitor.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    visitor.close().await;
}

/// The text of `testid` in the explanation panel, once it is there.
async fn explained(page: &Page, testid: &str) -> String {
    eventually(&format!("{testid} in the explanation"), || async {
        let v = page
            .js(
                "const o = document.querySelector(`[data-testid='explain-panel'] [data-testid='${arguments[0]}']`); return o ? o.textContent : null;",
                vec![json!(testid)],
            )
            .await;
        v.as_str().map(str::to_owned)
    })
    .await
}

/// A number of the results tables, clicked or reached with Tab and Enter, opens how it was
/// computed: the formula and the same formula with this analysis's values in MathML, the
/// result equal to the number the page reports, and for REML the steps it took. The panel
/// closes when the data change.
#[tokio::test]
async fn a_number_explains_how_it_was_computed() {
    let page = Page::open().await;
    let tau2 = page
        .attr("pooled-summary", "data-tau2")
        .await
        .expect("tau²");
    page.click_css("button.explain[data-explain^='tau2']").await;
    let value = explained(&page, "explained-value").await;
    let shown: f64 = value.parse().expect("a number");
    let reported: f64 = tau2.parse().expect("a number");
    assert!(
        (shown - reported).abs() <= 1e-12 * reported.abs(),
        "{shown} vs {reported}"
    );
    let panel = page.text("explain-panel").await;
    assert!(panel.contains("Fisher scoring, step by step"), "{panel}");
    assert!(
        page.js(
            "return document.querySelectorAll(`[data-testid='explain-panel'] math`).length;",
            vec![]
        )
        .await
        .as_u64()
            > Some(1)
    );
    page.screenshot("explain-tau2").await;
    // I², with its Q-profile interval.
    let i2 = page.summary_number("data-i2").await;
    page.click_css("button.explain[data-explain^='random I2']")
        .await;
    eventually("I² explained", || async {
        let v = explained(&page, "explained-value").await;
        let v: f64 = v.parse().expect("a number");
        ((v - i2).abs() <= 1e-12 * i2).then_some(())
    })
    .await;
    let panel = page.text("explain-panel").await;
    assert!(panel.contains("Lower 95% limit of I²"), "{panel}");
    // The headline: its estimate, as on the page.
    let headline = page
        .js(
            "return document.querySelector(`[data-testid='pooled-summary'] strong`).textContent;",
            vec![],
        )
        .await;
    page.click_css("[data-testid='pooled-summary'] button.explain")
        .await;
    eventually("the headline explained", || async {
        let natural = explained(&page, "explained-natural").await;
        (json!(natural) == headline).then_some(())
    })
    .await;
    // A trial's numbers on the forest plot: a click on its estimate.
    page.js(
        "const svg = document.querySelector(`[data-testid='forest-plot']`);
         const t = [...svg.querySelectorAll('text')].find(t => t.textContent.startsWith('0.20 [0.09, 0.49]'));
         const r = t.getBoundingClientRect();
         t.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2}));",
        vec![],
    )
    .await;
    eventually("the trial explained from the plot", || async {
        let v = page
            .js(
                "const o = document.querySelector(`[data-testid='explain-panel'] [data-testid='explained-natural']`); const h = document.querySelector(`[data-testid='explain-panel'] h4`); return o && h && h.textContent.includes('Ferguson') ? o.textContent : null;",
                vec![],
            )
            .await;
        (v == json!("0.20")).then_some(())
    })
    .await;
    let panel = page.text("explain-panel").await;
    assert!(
        panel.contains("weight (random effects), % of the total"),
        "{panel}"
    );
    // A footer line of the plot: heterogeneity.
    page.js(
        "const svg = document.querySelector(`[data-testid='forest-plot']`);
         const t = [...svg.querySelectorAll('text')].find(t => t.textContent.startsWith('Heterogeneity:'));
         const r = t.getBoundingClientRect();
         t.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.x + 20, clientY: r.y + r.height / 2}));",
        vec![],
    )
    .await;
    eventually("heterogeneity explained from the plot", || async {
        let panel = page.text("explain-panel").await;
        (panel.contains("Cochran's Q") && panel.contains("I² (%) of the random-effects model"))
            .then_some(())
    })
    .await;
    // DerSimonian-Laird's τ², in closed form.
    choose(&page, &[("tau2", "DL")]).await;
    let dl = page.summary_number("data-tau2").await;
    page.click_css("button.explain[data-explain^='tau2']").await;
    eventually("DL's τ² explained", || async {
        let v = explained(&page, "explained-value").await;
        let v: f64 = v.parse().expect("a number");
        let panel = page.text("explain-panel").await;
        ((v - dl).abs() <= 1e-12 * dl && panel.contains("DerSimonian-Laird")).then_some(())
    })
    .await;
    choose(&page, &[("tau2", "REML")]).await;
    // The pooled estimate, reached from the keyboard: shown as on the page.
    let estimate = page
        .client
        .find(fantoccini::Locator::Css(
            "button.explain[data-explain='random estimate']",
        ))
        .await
        .expect("the estimate");
    let on_page = estimate.text().await.expect("its text");
    estimate.send_keys("\u{E007}").await.expect("Enter");
    let natural = explained(&page, "explained-natural").await;
    assert_eq!(natural, on_page);
    // A trial's own effect, in the per-study table.
    page.click_css(".study-table summary").await;
    let trial = page
        .js(
            "return document.querySelector(`button.explain[data-explain='study 2 yi']`).textContent;",
            vec![],
        )
        .await;
    page.click_css("button.explain[data-explain='study 2 yi']")
        .await;
    eventually("the trial's derivation", || async {
        let v = page
            .js(
                "const o = document.querySelector(`[data-testid='explain-panel'] [data-testid='explained-natural']`); const h = document.querySelector(`[data-testid='explain-panel'] h4`); return o && h && h.textContent.includes('Ferguson') ? o.textContent : null;",
                vec![],
            )
            .await;
        (v == trial).then_some(())
    })
    .await;
    // New data: the explanation closes.
    page.paste("A\t4\t50\t9\t50\nB\t3\t40\t7\t41\n").await;
    eventually("the panel closed", || async {
        (page.count("explain-panel").await == 0).then_some(())
    })
    .await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    page.close().await;
}

/// Whether the plot on screen and the exported file hold `text`.
async fn plot_and_export_hold(page: &Page, text: &str) -> (bool, bool) {
    let shown = page
        .js(
            "return document.querySelector(`[data-testid='forest-plot']`).textContent.includes(arguments[0]);",
            vec![json!(text)],
        )
        .await;
    let svg = exported_svg(page).await;
    let texts: Vec<String> = serde_json::from_value(svg["texts"].clone()).expect("texts");
    (shown == json!(true), texts.iter().any(|t| t.contains(text)))
}

#[tokio::test]
async fn a_trial_switched_off_stays_greyed_on_the_plot_and_comes_back() {
    let page = Page::open().await;
    let all = page.summary_number("data-estimate").await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    assert!(!page.text("pooled-summary").await.contains("excluded"));
    // Off, in the table.
    page.click_css("[data-testid='include-row']").await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("12")
    );
    assert_ne!(page.summary_number("data-estimate").await, all);
    assert!(
        page.text("pooled-summary")
            .await
            .contains("1 excluded by you")
    );
    assert!(
        page.text("sentence")
            .await
            .contains("excluding Aronson 1948")
    );
    assert_eq!(
        plot_and_export_hold(&page, "1 trial excluded by you (Aronson 1948)").await,
        (true, true),
        "the plot's footer names it, on screen and in the file"
    );
    let grey = page
        .js(
            "return [...document.querySelectorAll(`[data-testid='forest-plot'] text`)]
               .filter(t => t.textContent === 'excluded' || t.textContent.startsWith('Aronson'))
               .map(t => t.getAttribute('fill'));",
            vec![],
        )
        .await;
    assert_eq!(
        grey,
        json!(["#767676", "#767676"]),
        "its label and weight are grey"
    );
    // Kept with the project.
    page.reload().await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("12")
    );
    let checked = page
        .js(
            "return document.querySelector(`[data-testid='include-row']`).checked;",
            vec![],
        )
        .await;
    assert_eq!(checked, json!(false));
    // On again, by a click on its name on the plot.
    page.js(
        "[...document.querySelectorAll(`[data-testid='forest-plot'] text`)]
           .find(t => t.textContent.startsWith('Aronson')).setAttribute('data-probe', 'name');",
        vec![],
    )
    .await;
    page.click_css("[data-probe='name']").await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    assert_eq!(page.summary_number("data-estimate").await, all);
    assert_eq!(
        plot_and_export_hold(&page, "excluded").await,
        (false, false),
        "nothing is marked once it is back"
    );
    // A click elsewhere on the plot changes nothing.
    page.click_css("[data-testid='forest-plot'] polygon").await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("13")
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// The circles of the L'Abbé plot on the page: their titles and whether filled.
/// The funnel plot: a circle per trial, the tests beside it, trim-and-fill's trials on
/// request (open circles, as many as it reports), the data behind it, and its exports.
#[tokio::test]
async fn the_funnel_plot_shows_its_tests_and_trim_and_fill_and_exports() {
    let page = Page::open().await;
    capture_downloads(&page).await;
    page.click("view-funnel").await;
    let circles = eventually("the funnel plot", || async {
        let c = labbe_circles(&page).await;
        (c.len() == 13).then_some(c)
    })
    .await;
    assert!(circles.iter().all(|c| c.1), "observed trials are filled");
    assert!(
        circles[0].0.starts_with("Aronson 1948: RR 0.41, SE "),
        "{:?}",
        circles[0]
    );
    let tests = page.text("funnel-tests").await;
    for name in [
        "Egger's regression test",
        "Begg & Mazumdar's rank correlation",
        "Trim-and-fill",
    ] {
        assert!(tests.contains(name), "{name} in {tests}");
    }
    assert!(tests.contains("t = ") && tests.contains("P = "), "{tests}");
    assert_eq!(page.count("funnel-caution").await, 0, "13 trials");
    // Trim-and-fill's trials, as many as the table reports.
    page.click("funnel-trim-fill").await;
    let missing: usize = tests
        .split("Trim-and-fill")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("k0");
    let circles = eventually("trim-and-fill's trials", || async {
        let c = labbe_circles(&page).await;
        (c.len() == 13 + missing
            && page
                .attr("funnel-trim-fill", "aria-pressed")
                .await
                .as_deref()
                == Some("true"))
        .then_some(c)
    })
    .await;
    assert_eq!(circles.iter().filter(|c| !c.1).count(), missing);
    assert_eq!(
        page.js(
            "return document.querySelectorAll(`[data-testid='funnel-table'] tbody tr`).length;",
            vec![]
        )
        .await,
        json!(13 + missing)
    );
    page.click("view-export-svg").await;
    page.click("view-export-png").await;
    let downloads = downloads(&page, 2).await;
    assert_eq!(downloads[0][0], json!("tuberculosis-funnel-filled.svg"));
    assert_eq!(downloads[1][0], json!("tuberculosis-funnel-filled.png"));
    let file = page
        .js(
            "const href = window.downloads[0][1];
             const text = decodeURIComponent(href.slice(href.indexOf(',') + 1));
             const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
             return [doc.getElementsByTagName('parsererror').length, doc.querySelectorAll('circle').length];",
            vec![],
        )
        .await;
    assert_eq!(file, json!([0, 13 + missing]));
    // Three trials: the Handbook's caution, the plot still drawn.
    page.paste("A\t4\t50\t9\t50\nB\t3\t40\t7\t41\nC\t8\t90\t12\t88\n")
        .await;
    eventually("the caution", || async {
        (page.count("funnel-caution").await == 1 && labbe_circles(&page).await.len() >= 3)
            .then_some(())
    })
    .await;
    page.screenshot("funnel-few").await;
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// The row headers of the steps' table.
async fn first_rows(page: &Page) -> serde_json::Value {
    page.js(
        "return [...document.querySelectorAll(`[data-testid='steps-table'] tbody th`)].map(t => t.textContent);",
        vec![],
    )
    .await
}

/// Leave-one-out and cumulative meta-analysis: a forest plot of the steps with their
/// numbers (estimate, CI, τ², I²), by year or in table order, exported as SVG.
#[tokio::test]
async fn the_sensitivity_views_show_every_step_and_export() {
    let page = Page::open().await;
    capture_downloads(&page).await;
    page.click("view-leave-one-out").await;
    let rows = eventually("leave-one-out", || async {
        let r = first_rows(&page).await;
        r.as_array().filter(|a| a.len() == 13).cloned()
    })
    .await;
    assert_eq!(rows[0], json!("Omitting Aronson 1948"));
    let texts = page
        .js(
            "return document.querySelector(`[data-testid='view-host'] svg`).textContent;",
            vec![],
        )
        .await;
    assert!(
        texts
            .as_str()
            .is_some_and(|t| t.contains("Trial left out") && t.contains("All trials (13)"))
    );
    page.click("view-cumulative").await;
    let by_year = eventually("cumulative by year", || async {
        let r = first_rows(&page).await;
        r.as_array()
            .filter(|a| a.len() == 13 && a[0].as_str().is_some_and(|t| t.starts_with("+ ")))
            .cloned()
    })
    .await;
    assert_eq!(by_year[0], json!("+ Aronson 1948"));
    page.click("cumulative-order").await;
    eventually("in table order", || async {
        let r = first_rows(&page).await;
        (page.text("cumulative-order").await.contains("By year")
            && r.as_array().is_some_and(|a| a.len() == 13))
        .then_some(())
    })
    .await;
    page.click("view-export-svg").await;
    let downloads = downloads(&page, 1).await;
    assert_eq!(downloads[0][0], json!("tuberculosis-cumulative-table.svg"));
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// Keeps what the page hands to the browser to download in `window.downloads` (name and
/// address) instead of downloading it.
async fn capture_downloads(page: &Page) {
    page.js(
        "window.downloads = [];
         HTMLAnchorElement.prototype.click = function () { window.downloads.push([this.download, this.href]); };",
        vec![],
    )
    .await;
}

/// The first `n` downloads captured, once there are that many.
async fn downloads(page: &Page, n: usize) -> Vec<serde_json::Value> {
    eventually(&format!("{n} downloads"), || async {
        let d = page.js("return window.downloads;", vec![]).await;
        d.as_array().filter(|a| a.len() == n).cloned()
    })
    .await
}

async fn labbe_circles(page: &Page) -> Vec<(String, bool)> {
    let v = page
        .js(
            "return [...document.querySelectorAll(`[data-testid='view-host'] circle`)]
               .map(c => [c.querySelector('title').textContent, c.getAttribute('fill') !== 'none']);",
            vec![],
        )
        .await;
    serde_json::from_value(v).expect("circles")
}

#[tokio::test]
async fn the_labbe_plot_draws_every_trial_follows_the_data_and_exports() {
    let page = Page::open().await;
    capture_downloads(&page).await;
    page.click("view-labbe").await;
    let circles = eventually("the L'Abbé plot", || async {
        let c = labbe_circles(&page).await;
        (c.len() == 13).then_some(c)
    })
    .await;
    assert!(
        circles[0]
            .0
            .starts_with("Aronson 1948: 4/123 vs 11/139, weight ")
    );
    assert!(circles.iter().all(|c| c.1), "every trial is pooled");
    let rows = page
        .js(
            "return document.querySelectorAll(`[data-testid='labbe-table'] tbody tr`).length;",
            vec![],
        )
        .await;
    assert_eq!(rows, json!(13), "the data behind the plot");
    // It follows the data: a trial switched off becomes an open circle.
    page.click_css("[data-testid='include-row']").await;
    let circles = eventually("the plot drawn again", || async {
        let c = labbe_circles(&page).await;
        (c.len() == 13 && !c[0].1).then_some(c)
    })
    .await;
    assert!(
        circles[0].0.ends_with("excluded by you"),
        "{:?}",
        circles[0]
    );
    // Exports: the SVG parses as a standalone document, the PNG is at 300 dpi.
    page.click("view-export-svg").await;
    page.click("view-export-png").await;
    let downloads = downloads(&page, 2).await;
    assert_eq!(downloads[0][0], json!("tuberculosis-labbe.svg"));
    assert_eq!(downloads[1][0], json!("tuberculosis-labbe.png"));
    let file = page
        .js(
            "const href = window.downloads[0][1];
             const text = decodeURIComponent(href.slice(href.indexOf(',') + 1));
             const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
             const png = window.downloads[1][1];
             return [doc.getElementsByTagName('parsererror').length, doc.querySelectorAll('circle').length,
                     png.startsWith('data:image/png;base64,')];",
            vec![],
        )
        .await;
    assert_eq!(file, json!([0, 13, true]));
    // Pressed again, the view closes.
    page.click("view-labbe").await;
    assert_eq!(page.count("view-host").await, 0);
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// Moves a what-if slider to `value` as a drag does (input events), and lets it go
/// (change) when `release` says so.
async fn slide(page: &Page, knob: &str, value: i64, release: bool) {
    page.js(
        "const e = document.querySelector(`[data-testid='whatif-${arguments[0]}']`);
         e.value = String(arguments[1]);
         e.dispatchEvent(new Event('input', {bubbles: true}));
         if (arguments[2]) e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(knob), json!(value), json!(release)],
    )
    .await;
    page.settle().await;
}

#[tokio::test]
async fn what_if_changes_one_trial_and_gives_the_data_back() {
    let page = Page::open().await;
    let typed = page.summary_number("data-estimate").await;
    page.click("view-whatif").await;
    assert_eq!(page.count("whatif").await, 1);
    let cell =
        "return document.querySelector(`input[aria-label='Row 1, Experimental events']`).value;";
    // A zero cell, while dragging: the results answer at once.
    slide(&page, "e1", 0, false).await;
    assert_eq!(page.js(cell, vec![]).await, json!("0"));
    assert_eq!(page.text("whatif-e1-value").await, "0 of 123");
    let zero = page.summary_number("data-estimate").await;
    assert_ne!(zero, typed);
    // A much larger trial weighs more and moves the pooled result further.
    slide(&page, "size", 5, true).await;
    assert!(page.text("whatif-size-value").await.contains("× 32"));
    assert_ne!(page.summary_number("data-estimate").await, zero);
    // The data as typed are what is saved, whatever the sandbox shows.
    let stored = eventually("the project saved", || async {
        let text = page
            .js("return localStorage.getItem('grove.project');", vec![])
            .await;
        text.as_str()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    })
    .await;
    assert_eq!(stored["outcomes"][0]["rows"][0]["e1"], json!("4"));
    // Back to the data.
    page.click("whatif-restore").await;
    assert_eq!(page.js(cell, vec![]).await, json!("4"));
    assert_eq!(page.summary_number("data-estimate").await, typed);
    // Keeping the numbers keeps them, and undo takes them back.
    slide(&page, "e1", 0, true).await;
    page.click("whatif-keep").await;
    assert_eq!(page.count("whatif").await, 0);
    assert_eq!(page.summary_number("data-estimate").await, zero);
    page.click("undo").await;
    assert_eq!(page.summary_number("data-estimate").await, typed);
    // The keyboard moves a slider too (the browser's own arrow keys on a range).
    page.click("view-whatif").await;
    let slider = page
        .client
        .find(fantoccini::Locator::Css("[data-testid='whatif-e2']"))
        .await
        .expect("the control slider");
    slider.send_keys("\u{E012}").await.expect("ArrowLeft");
    page.settle().await;
    assert_eq!(
        page.text("whatif-e2-value").await,
        "10 of 139",
        "ArrowLeft: one event fewer"
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// The absolute effects beside the pooled result explain themselves too: the assumed
/// control risk, the risk with the intervention, the difference and the number needed to
/// treat, each equal to the number shown.
#[tokio::test]
async fn the_absolute_effects_explain_how_they_were_computed() {
    let page = Page::open().await;
    let sentence = page.text("meaning-absolute").await;
    page.click("explain-absolute").await;
    let keys = eventually("ten derivations", || async {
        let v = page
            .js(
                "return [...document.querySelectorAll(`[data-testid='explain-panel'] section.derivation`)].map(s => s.dataset.key);",
                vec![],
            )
            .await;
        v.as_array().filter(|a| a.len() == 10).cloned()
    })
    .await;
    let wanted: Vec<serde_json::Value> = grove_core::explain::ABSOLUTE_KEYS
        .split('|')
        .map(|k| json!(k))
        .collect();
    assert_eq!(keys, wanted);
    let values = page
        .js(
            "return [...document.querySelectorAll(`[data-testid='explain-panel'] [data-testid='explained-value']`)].map(o => Number(o.textContent));",
            vec![],
        )
        .await;
    let nnt = values[7].as_f64().expect("the NNT");
    // A number of people is whole: rounded up, as the panel says; so are its limits.
    let shown = format!("event: {}", nnt.ceil());
    let (low, high) = (
        values[8].as_f64().expect("a limit").ceil(),
        values[9].as_f64().expect("a limit").ceil(),
    );
    assert!(
        sentence.contains(&format!("(95% CI {low} to {high})")),
        "{low} and {high} in {sentence}"
    );
    assert_eq!(
        explained(&page, "explained-shown").await,
        nnt.ceil().to_string()
    );
    assert!(sentence.contains(&shown), "{shown} in {sentence}");
    let control = values[0].as_f64().expect("the control risk");
    assert!(
        sentence.contains(&format!("With {} per 1000", control.round())),
        "{control} in {sentence}"
    );
    page.close().await;
}

/// Influence: metafor's diagnostics of each trial in a table (a row per trial, the
/// influential ones marked), the Baujat plot and, a click away, the Galbraith plot; both
/// exported.
#[tokio::test]
async fn the_influence_view_shows_the_diagnostics_and_both_plots() {
    let page = Page::open().await;
    capture_downloads(&page).await;
    page.click("view-influence").await;
    let rows = eventually("the influence table", || async {
        let r = page
            .js(
                "return [...document.querySelectorAll(`[data-testid='influence-table'] tbody th`)].map(t => t.textContent);",
                vec![],
            )
            .await;
        r.as_array().filter(|a| a.len() == 13).cloned()
    })
    .await;
    assert_eq!(rows[0], json!("1. Aronson 1948"));
    let svg_text = "return document.querySelector(`[data-testid='view-host'] svg`).textContent;";
    let baujat = page.js(svg_text, vec![]).await;
    assert!(
        baujat.as_str().is_some_and(|t| t.contains("Baujat")),
        "{baujat}"
    );
    page.click("view-export-svg").await;
    page.click("influence-plot").await;
    eventually("the Galbraith plot", || async {
        let t = page.js(svg_text, vec![]).await;
        t.as_str()
            .is_some_and(|t| t.contains("Galbraith"))
            .then_some(())
    })
    .await;
    page.click("view-export-svg").await;
    page.click("view-export-png").await;
    let downloads = downloads(&page, 3).await;
    assert_eq!(downloads[0][0], json!("tuberculosis-influence.svg"));
    assert_eq!(
        downloads[1][0],
        json!("tuberculosis-influence-galbraith.svg")
    );
    assert_eq!(
        downloads[2][0],
        json!("tuberculosis-influence-galbraith.png")
    );
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// The GOSH view's SVG text, when drawn.
async fn gosh_text(page: &Page) -> Option<String> {
    page.js(
        "const s = document.querySelector(`[data-testid='gosh-plot'] svg`); return s ? s.textContent : null;",
        vec![],
    )
    .await
    .as_str()
    .map(str::to_owned)
}

/// Chooses `value` in the GOSH select `which` (`base`, `highlight`).
async fn gosh_choose(page: &Page, which: &str, value: &str) {
    page.js(
        "const s = document.querySelector(`[data-gosh='${arguments[0]}']`); s.value = arguments[1];
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(which), json!(value)],
    )
    .await;
}

/// GOSH in its worker: every subset of the 13 BCG trials drawn as a heatmap with its
/// table, a trial's subsets highlighted, the random-effects model, the exports; with 30
/// trials (2^30 − 1 subsets) the run shows its progress and can be cancelled and run
/// again.
#[tokio::test]
async fn the_gosh_view_runs_in_its_worker_highlights_cancels_and_exports() {
    let page = Page::open().await;
    capture_downloads(&page).await;
    page.click("view-gosh").await;
    let text = eventually("the GOSH plot", || async { gosh_text(&page).await }).await;
    assert!(text.contains("All 8,191 subsets of 13 trials"), "{text}");
    assert!(text.contains("common effect"), "{text}");
    assert_eq!(
        page.js(
            "return document.querySelectorAll(`[data-testid='gosh-bands'] tbody tr`).length;",
            vec![]
        )
        .await,
        json!(5)
    );
    gosh_choose(&page, "highlight", "0").await;
    eventually("Aronson's subsets highlighted", || async {
        gosh_text(&page)
            .await
            .filter(|t| t.contains("Subsets with Aronson 1948"))
    })
    .await;
    gosh_choose(&page, "base", "DL").await;
    eventually("random effects", || async {
        gosh_text(&page)
            .await
            .filter(|t| t.contains("DerSimonian") && t.contains("Subsets with Aronson 1948"))
    })
    .await;
    page.click("view-export-svg").await;
    page.click("view-export-png").await;
    let downloads = downloads(&page, 2).await;
    assert_eq!(downloads[0][0], json!("tuberculosis-gosh.svg"));
    assert_eq!(downloads[1][0], json!("tuberculosis-gosh.png"));
    let file = page
        .js(
            "const href = window.downloads[0][1];
             const text = decodeURIComponent(href.slice(href.indexOf(',') + 1));
             const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
             return [doc.getElementsByTagName('parsererror').length, doc.querySelectorAll('rect').length > 10];",
            vec![],
        )
        .await;
    assert_eq!(file, json!([0, true]));
    // 30 trials, every subset by the common effect: a long run, with its progress,
    // cancelled, and run again.
    gosh_choose(&page, "base", "EE").await;
    eventually("the common effect again", || async {
        gosh_text(&page)
            .await
            .filter(|t| t.contains("common effect"))
    })
    .await;
    let paste = harness::varied_trials(30);
    page.paste(&paste).await;
    eventually("the run's progress", || async {
        (page.count("gosh-progress").await == 1).then_some(())
    })
    .await;
    assert!(
        page.text("view-host").await.contains("1,073,741,823"),
        "the number of subsets"
    );
    page.click("gosh-cancel").await;
    eventually("cancelled", || async {
        (page.count("gosh-cancelled").await == 1).then_some(())
    })
    .await;
    page.click_css("[data-action='gosh-run']").await;
    eventually("running again", || async {
        (page.count("gosh-progress").await == 1).then_some(())
    })
    .await;
    // Leaving the view ends the run.
    page.click("view-gosh").await;
    assert!(page.console_errors().await.is_empty());
    page.close().await;
}

/// `text` of a `data:…;charset=utf-8,` URL, percent-decoded.
fn data_url_text(href: &str) -> String {
    let (_, encoded) = href.split_once(',').expect("a data URL");
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
            out.push(u8::from_str_radix(hex, 16).expect("a percent escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
async fn the_r_script_of_a_three_outcome_project_reproduces_the_page_in_r() {
    let page = Page::open_sized(1400, 1400).await;
    page.click("add-outcome").await;
    choose(&page, &[("examples", "zero-cells")]).await;
    choose(&page, &[("method", "MH"), ("measure", "OR")]).await;
    page.click("add-outcome").await;
    choose(&page, &[("examples", "subgroups")]).await;
    choose(&page, &[("tau2", "DL"), ("ci-method", "HK")]).await;
    // Each outcome's name and headline, as the page shows them.
    let mut shown = Vec::new();
    for i in 0..3 {
        page.js(
            "document.querySelectorAll(`[data-testid='outcome-tab']`)[arguments[0]].click();",
            vec![json!(i)],
        )
        .await;
        page.settle().await;
        let name = page
            .js(
                "return document.querySelector(`[data-testid='outcome-name']`).value;",
                vec![],
            )
            .await;
        let mut numbers = Vec::new();
        for a in ["data-estimate", "data-ci-lower", "data-ci-upper"] {
            let v = page
                .attr("pooled-summary", a)
                .await
                .expect("a pooled result");
            numbers.push(v.parse::<f64>().expect("a number"));
        }
        shown.push((name.as_str().expect("a name").to_owned(), numbers));
    }
    capture_downloads(&page).await;
    // The results paragraph's view offers the script.
    page.click("view-paragraph").await;
    eventually("the R script button", || async {
        page.js(
            "return document.querySelector(`[data-testid='export-r']`) !== null;",
            vec![],
        )
        .await
        .as_bool()
        .filter(|&b| b)
    })
    .await;
    page.click("export-r").await;
    let d = downloads(&page, 1).await;
    assert_eq!(d[0][0], json!("grove-analysis.R"));
    let script = data_url_text(d[0][1].as_str().expect("an address"));
    assert!(script.contains("escalc(measure = \"OR\"") && script.contains("test = \"knha\""));

    let dir = std::env::temp_dir().join(format!("grove-e2e-r-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(dir.join("grove-analysis.R"), &script).expect("written");
    let r = std::process::Command::new("Rscript")
        .arg("grove-analysis.R")
        .current_dir(&dir)
        .output()
        .expect("Rscript runs (scripts/setup installs R and metafor)");
    let stdout = String::from_utf8_lossy(&r.stdout).into_owned();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, numbers) in &shown {
        let label = grove_core::rscript::check_label(&[name, "random"]);
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(label.as_str()))
            .unwrap_or_else(|| panic!("no line for {label} in\n{stdout}"));
        let r: Vec<f64> = line
            .split_whitespace()
            .skip(2)
            .map(|v| v.parse().expect("a number"))
            .collect();
        for (got, want) in r.iter().zip(numbers) {
            assert!(
                (got - want).abs() <= 1e-9 * want.abs(),
                "{label}: R {got}, the page {want}"
            );
        }
    }
    assert!(stdout.contains("Test for subgroup differences"));
    page.close().await;
}

/// The titles of the trials' risk-of-bias discs on the forest plot ("D1: Low"), top to
/// bottom, left to right; the legend's are left out.
async fn rob_discs(page: &Page) -> Vec<String> {
    let v = page
        .js(
            "return [...document.querySelectorAll(`[data-testid='forest-plot'] circle title`)].map(t => t.textContent).filter(t => t.includes(':'));",
            vec![],
        )
        .await;
    serde_json::from_value(v).expect("titles")
}

#[tokio::test]
async fn risk_of_bias_judgements_show_on_the_plot_are_shared_by_outcomes_and_restrict_an_analysis()
{
    let page = Page::open_sized(1440, 1000).await;
    page.paste(
        "Study\tYear\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
         Aronson\t1948\t4\t123\t11\t139\tLow\tLow\tSome concerns\tLow\tLow\tSome concerns\n\
         Ferguson\t1949\t6\t306\t29\t303\tLow\tLow\tLow\tLow\tLow\tLow\n\
         Rosenthal\t1960\t3\t231\t11\t220\tHigh\t?\t+\t+\t+\t-\n\
         Hart\t1977\t62\t13598\t248\t12867\tLow\tLow\tLow\tLow\tSome concerns\tSome concerns\n\
         Frimodt-Moller\t1973\t33\t5069\t47\t5808\tSome concerns\tLow\tHigh\tLow\tLow\tHigh\n\
         Stein\t1953\t180\t1541\t372\t1451\n\
         Vandiviere\t1973\t8\t2545\t10\t629\tLow\tLow\tLow\tLow\tLow\tLow",
    )
    .await;
    assert_eq!(
        page.attr("pooled-summary", "data-k").await.as_deref(),
        Some("7")
    );
    let plot = page.text("forest-plot").await;
    assert!(
        plot.contains("Risk of bias") && plot.contains("Risk of bias legend"),
        "{plot}"
    );
    let discs = rob_discs(&page).await;
    // Six judgements for six trials (Stein has none).
    assert_eq!(discs.len(), 6 * 6, "{discs:?}");
    assert_eq!(discs[0], "D1: Low");
    assert_eq!(discs[12], "D1: High", "Rosenthal's row");
    assert_eq!(discs[17], "Overall: High", "a typed - is High");
    // The exported SVG carries them.
    capture_downloads(&page).await;
    page.click("export-svg").await;
    let svg = page
        .js(
            "return decodeURIComponent(document.querySelector(`[data-testid='export-svg']`).getAttribute('href').split(',')[1]);",
            vec![],
        )
        .await;
    let svg = svg.as_str().expect("the SVG");
    assert_eq!(
        svg.matches("<circle").count(),
        discs.len() + 3,
        "and the legend's three"
    );
    assert!(svg.contains("<title>Overall: Some concerns</title>"));
    page.screenshot_of("forest-plot", "rob-forest-plot").await;

    // The panel: a select per judgement; a change is drawn on the plot at once.
    page.click("view-rob").await;
    eventually("the risk-of-bias table", || async {
        page.js(
            "return document.querySelectorAll(`[data-testid='rob-table'] select`).length;",
            vec![],
        )
        .await
        .as_u64()
        .filter(|&n| n == 7 * 6)
    })
    .await;
    let sensitivity = page.text("rob-sensitivity").await;
    assert!(
        sensitivity
            .starts_with("Sensitivity analysis, trials at low overall risk of bias only: RR")
            && sensitivity.contains("2 trials")
            && sensitivity.contains("All trials: RR"),
        "{sensitivity}"
    );
    page.screenshot_of("view-host", "rob-panel").await;
    // robvis's summary plot, weighted, and its export.
    let title = page
        .js(
            "return document.querySelector(`[data-testid='view-host'] svg title`).textContent;",
            vec![],
        )
        .await;
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.starts_with("Risk of bias summary")),
        "{title}"
    );
    page.click("view-export-svg").await;
    let exported = eventually("the summary plot's SVG", || async {
        let d = page
            .js("return window.downloads.map(d => d[0]);", vec![])
            .await;
        let names: Vec<String> = serde_json::from_value(d).ok()?;
        names.into_iter().find(|n| n.ends_with("-rob.svg"))
    })
    .await;
    assert_eq!(exported, "my-outcome-rob.svg");
    page.js(
        "const s = document.querySelector(`select[name='rob-1-5']`); s.value = 'High'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    let discs = rob_discs(&page).await;
    assert_eq!(discs[11], "Overall: High", "Ferguson now at high risk");
    eventually("the restricted analysis follows", || async {
        let t = page.text("rob-sensitivity").await;
        t.contains("1 trial,").then_some(t)
    })
    .await;
    page.click("undo").await;
    assert_eq!(rob_discs(&page).await[11], "Overall: Low", "undone");

    // Another outcome of the same trials shares their judgements.
    page.click("add-outcome").await;
    page.paste("Aronson\t1948\t2\t123\t5\t139\nVandiviere\t1973\t1\t2545\t3\t629")
        .await;
    let discs = rob_discs(&page).await;
    assert_eq!(discs.len(), 2 * 6, "{discs:?}");
    assert_eq!(discs[5], "Overall: Some concerns");
    let violations = accessibility_violations(&page).await;
    assert!(violations.is_empty(), "{violations:?}");
    page.close().await;
}

#[tokio::test]
async fn the_results_paragraph_covers_every_outcome_in_the_settings_words_and_is_copied() {
    let page = Page::open_sized(1440, 1000).await;
    page.click("add-outcome").await;
    choose(&page, &[("examples", "zero-cells")]).await;
    choose(&page, &[("model", "common"), ("method", "MH")]).await;
    page.click("view-paragraph").await;
    let text = eventually("the paragraph", || async {
        let v = page
            .js("const p = document.querySelector(`[data-testid='paragraph']`); return p && p.textContent;", vec![])
            .await;
        v.as_str().map(str::to_owned)
    })
    .await;
    assert!(text.starts_with("A total of "), "{text}");
    assert!(
        text.contains("randomised trials with") && text.contains("participants were included."),
        "{text}"
    );
    assert!(
        text.contains("Tuberculosis: RR 0.49 (95% CI 0.34 to 0.70;"),
        "{text}"
    );
    assert!(
        text.contains("a common-effect model (Mantel-Haenszel)"),
        "{text}"
    );
    assert!(text.contains("a random-effects model (REML)"), "{text}");
    assert!(!text.contains("NaN"));
    // A change of settings is in the words at once.
    choose(&page, &[("model", "random"), ("tau2", "DL")]).await;
    eventually("the paragraph follows the settings", || async {
        let t = page.text("paragraph").await;
        t.contains("Trials were pooled with")
            .then_some(())
            .is_none()
            .then_some(())?;
        t.contains("a random-effects model (DL) with Wald 95% confidence intervals)")
            .then_some(t)
    })
    .await;
    page.js(
        "window.copied = null;
         Object.defineProperty(navigator, 'clipboard', { value: { writeText: (t) => { window.copied = t; return Promise.resolve(); } } });",
        vec![],
    )
    .await;
    page.click("copy-paragraph").await;
    let copied = eventually("copied", || async {
        let v = page.js("return window.copied;", vec![]).await;
        v.as_str().map(str::to_owned)
    })
    .await;
    assert_eq!(copied, page.text("paragraph").await);
    assert_eq!(page.text("paragraph-status").await, "Copied.");
    page.screenshot_of("view-host", "paragraph").await;
    page.close().await;
}

#[tokio::test]
async fn the_summary_of_findings_has_a_row_per_outcome_and_follows_the_reviewers_judgements() {
    let page = Page::open_sized(1440, 1000).await;
    page.click("add-outcome").await;
    choose(&page, &[("examples", "zero-cells")]).await;
    page.click("add-outcome").await;
    choose(&page, &[("examples", "subgroups")]).await;
    page.click("view-findings").await;
    let rows = eventually("three rows", || async {
        page.js(
            "return document.querySelectorAll(`[data-testid='sof-row']`).length;",
            vec![],
        )
        .await
        .as_u64()
        .filter(|&n| n == 3)
    })
    .await;
    assert_eq!(rows, 3);
    let table = page.text("sof-table").await;
    assert!(
        table.contains("Tuberculosis") && table.contains("(13 RCTs)"),
        "{table}"
    );
    assert!(table.contains("RR 0.49 (0.34 to 0.70)"), "{table}");
    assert!(table.contains("per 1000"), "{table}");
    let certainty = |i: usize| {
        let page = &page;
        async move {
            page.js(
                "return document.querySelectorAll(`[data-testid='sof-certainty']`)[arguments[0]].textContent;",
                vec![json!(i)],
            )
            .await
            .as_str()
            .expect("a certainty")
            .to_owned()
        }
    };
    let before = certainty(0).await;
    assert!(before.starts_with('⊕'), "{before}");
    page.screenshot_of("view-host", "summary-of-findings").await;
    // Indirectness, judged very serious by the reviewer with a reason: two levels down.
    page.js(
        "const s = document.querySelector(`select[name='grade-0-2']`); s.value = 'Very serious'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    let after = eventually("the certainty follows", || async {
        let c = certainty(0).await;
        (c != before).then_some(c)
    })
    .await;
    assert!(
        after.contains("Very low") || after.contains("Low"),
        "{before} -> {after}"
    );
    page.js(
        "const i = document.querySelector(`input[name='gradereason-0-2']`); i.value = 'Adolescents only'; i.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    eventually("the reason is a footnote", || async {
        let t = page
            .js("const f = document.querySelector(`[data-testid='sof-footnotes']`); return f && f.textContent;", vec![])
            .await;
        t.as_str().filter(|t| t.contains("Indirectness: rated down two levels (Adolescents only).")).map(str::to_owned)
    })
    .await;
    // The exports hold the table.
    let csv = page
        .js(
            "return decodeURIComponent(document.querySelector(`[data-testid='sof-csv']`).getAttribute('href').split(',')[1]);",
            vec![],
        )
        .await;
    let csv = csv.as_str().expect("CSV");
    assert_eq!(csv.lines().count(), 4, "a header and three outcomes: {csv}");
    assert!(csv.contains("Adolescents only"));
    let html = page
        .js(
            "return decodeURIComponent(document.querySelector(`[data-testid='sof-html']`).getAttribute('href').split(',')[1]);",
            vec![],
        )
        .await;
    assert!(
        html.as_str()
            .is_some_and(|h| h.starts_with("<!DOCTYPE html>") && h.contains("border:1px solid"))
    );
    // The table as an image, and its export.
    page.js(
        "document.querySelector(`[data-testid='sof-image']`).open = true;",
        vec![],
    )
    .await;
    page.screenshot_of("sof-image", "summary-of-findings-image")
        .await;
    capture_downloads(&page).await;
    page.click("view-export-svg").await;
    let d = downloads(&page, 1).await;
    assert_eq!(d[0][0], json!("summary-of-findings.svg"));
    assert!(
        d[0][1]
            .as_str()
            .is_some_and(|h| h.contains("Summary%20of%20findings"))
    );
    // The paragraph says each outcome's certainty.
    page.click("view-paragraph").await;
    eventually("the paragraph with certainty", || async {
        let v = page
            .js("const p = document.querySelector(`[data-testid='paragraph']`); return p && p.textContent;", vec![])
            .await;
        v.as_str().filter(|t| t.matches("-certainty evidence").count() == 3).map(str::to_owned)
    })
    .await;
    let violations = accessibility_violations(&page).await;
    assert!(violations.is_empty(), "{violations:?}");
    page.close().await;
}

/// At a projector's 1024×768, the risk-of-bias columns, the summary of findings and the
/// paragraph are drawn within the page's width (tables scroll in their own box).
#[tokio::test]
async fn risk_of_bias_and_findings_fit_a_1024_by_768_screen() {
    let page = Page::open_viewport(1024, 768).await;
    page.paste(
        "Study\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
         Aronson 1948\t4\t123\t11\t139\tLow\tLow\tSome concerns\tLow\tLow\tSome concerns\n\
         Ferguson 1949\t6\t306\t29\t303\tLow\tLow\tLow\tLow\tLow\tLow\n\
         Rosenthal 1960\t3\t231\t11\t220\tHigh\t?\t+\t+\t+\t-",
    )
    .await;
    assert_eq!(rob_discs(&page).await.len(), 18);
    page.screenshot("rob-1024").await;
    page.screenshot_of("data-table", "rob-data-table-1024")
        .await;
    page.click("view-findings").await;
    eventually("the summary of findings", || async {
        page.js(
            "return document.querySelectorAll(`[data-testid='sof-row']`).length;",
            vec![],
        )
        .await
        .as_u64()
        .filter(|&n| n == 1)
    })
    .await;
    page.screenshot_of("view-host", "findings-1024").await;
    let overflow = page
        .js(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await;
    assert!(
        overflow.as_f64().is_some_and(|o| o <= 0.0),
        "the page is wider than the screen by {overflow}"
    );
    page.close().await;
}

/// The value of the data table's input labelled `label` ("Row 2, D3").
async fn cell(page: &Page, label: &str) -> String {
    page.js(
        "const i = document.querySelector(`input[aria-label='${arguments[0]}']`); return i ? i.value : null;",
        vec![json!(label)],
    )
    .await
    .as_str()
    .unwrap_or_else(|| panic!("no cell {label}"))
    .to_owned()
}

/// Presses the keys of `text` (WebDriver's key codes for Tab and the like) on whatever
/// has the focus, as a keyboard does: a key after a Tab goes to the next field even when
/// the page has written that field anew in between.
async fn keyboard(page: &Page, text: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut keys = KeyActions::new("keyboard".to_owned());
    // Control (U+E009) stays down until U+E000, as in WebDriver's "send keys".
    for c in text.chars() {
        keys = match c {
            '\u{E009}' => keys.then(KeyAction::Down { value: c }),
            '\u{E000}' => keys.then(KeyAction::Up { value: '\u{E009}' }),
            _ => keys
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c }),
        };
    }
    page.client
        .perform_actions(keys)
        .await
        .expect("keys pressed");
}

/// Whether the data table shows its risk-of-bias columns (header and cells).
async fn rob_columns_shown(page: &Page) -> bool {
    page.js(
        "const cell = document.querySelector(`input[aria-label='Row 1, D1']`); const head = document.querySelector(`.data-table th.rob-col`); return cell.offsetParent !== null && head.offsetParent !== null;",
        vec![],
    )
    .await
    .as_bool()
    .expect("a boolean")
}

/// Types `text` over what the data table's input labelled `label` holds, key by key, as
/// a user does.
async fn type_in(page: &Page, label: &str, text: &str) {
    let input = page
        .client
        .find(fantoccini::Locator::Css(&format!(
            "input[aria-label='{label}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no cell {label}: {e}"));
    // Select all, then type over it: the first key replaces what was there.
    input
        .send_keys(&format!("\u{E009}a\u{E000}{text}"))
        .await
        .expect("typed");
    page.settle().await;
}

/// Opens the presentation view and checks its risk-of-bias discs and whether it says
/// they were left out; closes it again.
async fn stage_risk_of_bias(page: &Page, discs: usize, left_out: bool) {
    // Without full screen, which after the clicks before it would be allowed and take
    // the headless browser's own 800×600 screen instead of the window.
    page.js(
        "document.activeElement.blur(); Element.prototype.requestFullscreen = undefined;",
        vec![],
    )
    .await;
    page.key("p").await;
    page.wait_for("stage").await;
    let shown = page
        .js(
            "return [...document.querySelectorAll(`[data-testid='stage-plot'] circle title`)].filter(t => t.textContent.includes(':')).length;",
            vec![],
        )
        .await;
    let place = page.text("stage-place").await;
    page.screenshot(&format!("stage-rob-{discs}")).await;
    assert_eq!(shown, json!(discs), "{place}");
    assert_eq!(
        place.ends_with("risk of bias left out: too wide for this screen"),
        left_out,
        "{place}"
    );
    let smallest = stage_legibility(page).await[0].as_f64().expect("measured");
    assert!(smallest >= 16.0 - 1e-9, "{smallest}");
    page.key("Escape").await;
    eventually("the presentation left", || async {
        (page.count("stage").await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn risk_of_bias_is_entered_in_the_data_table_beside_each_trial() {
    let page = Page::open_viewport(1440, 900).await;
    // Columns hidden until asked for, or until judgements are pasted.
    assert_eq!(page.count("rob-columns").await, 1);
    assert!(!rob_columns_shown(&page).await);
    page.paste(
        "Study\tYear\tE events\tE total\tC events\tC total\tD1\tD2\tD3\tD4\tD5\tOverall\n\
         Aronson\t1948\t4\t123\t11\t139\tLow\tLow\tSome concerns\tLow\tLow\tSome concerns\n\
         Ferguson\t1949\t6\t306\t29\t303\tLow\tLow\tLow\tLow\tLow\tLow\n\
         Rosenthal\t1960\t3\t231\t11\t220\tHigh\t?\t+\t+\t+\t-",
    )
    .await;
    assert!(
        rob_columns_shown(&page).await,
        "shown once judgements are pasted"
    );
    assert_eq!(cell(&page, "Row 1, D3").await, "Some concerns");
    assert_eq!(cell(&page, "Row 3, Overall").await, "-");
    assert_eq!(
        page.js(
            "return document.querySelector(`input[aria-label='Row 3, Overall']`).dataset.rob;",
            vec![]
        )
        .await,
        json!("high")
    );
    assert_eq!(rob_discs(&page).await[11], "Overall: Low");
    // Typed in the table: drawn on the plot at once; one step to undo.
    type_in(&page, "Row 2, Overall", "?").await;
    assert_eq!(rob_discs(&page).await[11], "Overall: Some concerns");
    page.click("undo").await;
    assert_eq!(cell(&page, "Row 2, Overall").await, "Low");
    assert_eq!(rob_discs(&page).await[11], "Overall: Low");
    // What is not a judgement is kept as typed, named by row and column, and counts as
    // not assessed.
    type_in(&page, "Row 2, D4", "unclear").await;
    let problems = page.text("rob-cell-problems").await;
    assert!(
        problems.starts_with(
            "Row 2, D4: \u{201c}unclear\u{201d} is a judgement of the older RoB 1 tool"
        ),
        "{problems}"
    );
    assert_eq!(cell(&page, "Row 2, D4").await, "unclear");
    assert_eq!(
        page.js("return document.querySelector(`input[aria-label='Row 2, D4']`).getAttribute('aria-invalid');", vec![]).await,
        json!("true")
    );
    assert_eq!(
        rob_discs(&page).await.len(),
        17,
        "one disc fewer: {:?}",
        rob_discs(&page).await
    );
    // The views panel's table shows what the data table holds, and the other way round.
    page.click("view-rob").await;
    eventually("the panel's table", || async {
        page.js(
            "const s = document.querySelector(`select[name='rob-2-0']`); return s && s.value;",
            vec![],
        )
        .await
        .as_str()
        .filter(|v| *v == "High")
        .map(str::to_owned)
    })
    .await;
    page.js(
        "const s = document.querySelector(`select[name='rob-2-0']`); s.value = 'Low'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    page.settle().await;
    assert_eq!(cell(&page, "Row 3, D1").await, "Low");
    // A study renamed keeps its judgements; a row without a study takes none.
    type_in(&page, "Row 1, Study", "Aronson JD").await;
    assert_eq!(cell(&page, "Row 1, D3").await, "Some concerns");
    // Cleared first, then typed anew: they come along all the same.
    type_in(&page, "Row 1, Study", "\u{E003}").await;
    assert_eq!(cell(&page, "Row 1, Study").await, "");
    type_in(&page, "Row 1, Study", "Aronson J.D.").await;
    assert_eq!(cell(&page, "Row 1, D3").await, "Some concerns");
    page.click("add-row").await;
    assert_eq!(
        page.js(
            "return document.querySelector(`input[aria-label='Row 4, D1']`).disabled;",
            vec![]
        )
        .await,
        json!(true)
    );
    page.screenshot_of("data-table", "rob-data-table").await;
    // Hidden on request, and shown again.
    page.click("rob-columns").await;
    assert!(!rob_columns_shown(&page).await);
    page.click("rob-columns").await;
    assert!(rob_columns_shown(&page).await);
    assert_eq!(cell(&page, "Row 1, D1").await, "Low");
    // The table scrolled back to its first columns, as a user sees it.
    page.js(
        "document.querySelector('.table-wrap').scrollLeft = 0;",
        vec![],
    )
    .await;
    page.screenshot("rob-data-table-page").await;
    let violations = accessibility_violations(&page).await;
    assert!(violations.is_empty(), "{violations:?}");
    // On stage the columns come along where the screen holds them at 16 px or more,
    // and the presenter is told when it does not.
    stage_risk_of_bias(&page, 17, false).await;
    page.client
        .set_window_size(1024, 768)
        .await
        .expect("a projector's width");
    page.settle().await;
    stage_risk_of_bias(&page, 0, true).await;
    page.client.set_window_size(1440, 900).await.expect("back");
    // A share link carries the judgements: the visitor sees the same columns.
    let discs = rob_discs(&page).await;
    page.click("share").await;
    let link = share_link(&page, "").await;
    page.close().await;
    let visitor = Page::open().await;
    visitor.client.goto(&link).await.expect("open the link");
    visitor.reload().await;
    visitor.wait_for("visit").await;
    eventually("the shared judgements on the plot", || async {
        (rob_discs(&visitor).await == discs).then_some(())
    })
    .await;
    assert_eq!(cell(&visitor, "Row 2, D4").await, "unclear", "as typed");
    visitor.close().await;
}

#[tokio::test]
async fn the_reviewers_thresholds_judge_imprecision_and_typing_on_is_never_lost() {
    let page = Page::open_sized(1440, 1000).await;
    page.click("view-findings").await;
    let imprecision = || {
        let page = &page;
        async move {
            page.js(
                "const s = document.querySelector(`select[name='grade-0-3']`); return s && s.closest('.grade-domain').textContent;",
                vec![],
            )
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
        }
    };
    eventually("GRADE's default thresholds", || async {
        let t = imprecision().await;
        t.contains("a relative risk reduction of 25%").then_some(t)
    })
    .await;
    // Typed as a user types: the first field, Tab, straight on into the second.
    let field = |name: &'static str| {
        let page = &page;
        async move {
            page.client
                .find(fantoccini::Locator::Css(&format!("input[name='{name}']")))
                .await
                .expect("the field")
        }
    };
    field("gradelimit-0-0")
        .await
        .click()
        .await
        .expect("focused");
    keyboard(&page, "0.5\u{E004}1.5").await;
    page.settle().await;
    eventually("the benefit threshold applies", || async {
        let t = imprecision().await;
        t.contains("a relative risk reduction of 50%").then_some(t)
    })
    .await;
    let (value, focused) = {
        let v = page
            .js(
                "const i = document.querySelector(`input[name='gradelimit-0-1']`); return [i.value, document.activeElement === i];",
                vec![],
            )
            .await;
        (v[0].clone(), v[1].clone())
    };
    assert_eq!(value, json!("1.5"), "typing on after Tab is kept");
    assert_eq!(focused, json!(true), "and the field keeps the focus");
    // A bad threshold: why, the defaults used, and the text kept.
    keyboard(&page, "\u{E009}a\u{E000}0.9\u{E004}").await;
    let note = eventually("why the threshold is not used", || async {
        let t = page.text("grade-thresholds-note").await;
        t.starts_with("Not used:").then_some(t)
    })
    .await;
    assert!(
        note.contains("appreciable harm must be a relative risk above 1"),
        "{note}"
    );
    assert!(
        imprecision()
            .await
            .contains("a relative risk reduction of 25%")
    );
    assert_eq!(
        page.js(
            "return document.querySelector(`input[name='gradelimit-0-1']`).value;",
            vec![]
        )
        .await,
        json!("0.9")
    );
    // The assumed risk with the comparator, typed here, is the outcome's control risk.
    field("graderisk-0-0").await.click().await.expect("focused");
    keyboard(&page, "100\u{E004}").await;
    eventually("the absolute effects at 100 per 1000", || async {
        let t = page.text("sof-table").await;
        t.contains("100 per 1000").then_some(t)
    })
    .await;
    assert_eq!(
        page.js(
            "return document.querySelector(`[data-testid='control-risk']`).value;",
            vec![]
        )
        .await,
        json!("100"),
        "the same field as under \u{201c}What it means\u{201d}"
    );
    page.screenshot_of("view-host", "grade-thresholds").await;
    let violations = accessibility_violations(&page).await;
    assert!(violations.is_empty(), "{violations:?}");
    page.close().await;
}
