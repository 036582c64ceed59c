//! Measures the page's speed budgets in headless Chromium on the release build and prints
//! them (a report, not a test: timings vary with the machine). Run through
//! `scripts/page-perf`.
//!
//! - navigation → example plot on screen (budget 300 ms): the `grove:mounted` performance
//!   mark the page sets once its first render is in the DOM, and the first contentful
//!   paint;
//! - one edit → results and plot updated (budgets 16 ms at 50 studies, 100 ms at 1,000):
//!   from dispatching `input` on a table cell to the end of the work it triggers, layout
//!   included; the median and the worst of 15 edits;
//! - switching the first trial off and on (budget 16 ms at 50 studies), the same way;
//! - pasting 1,000 rows → table, results and plot on screen (budget 300 ms), the same way;
//! - a reload with those 1,000 rows stored → the plot in the DOM (budget 500 ms).

#[path = "../tests/e2e/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::Page;
use serde_json::json;

const EDITS: usize = 15;

fn studies(k: usize) -> String {
    (0..k)
        .map(|i| {
            let i = i as u64;
            format!(
                "Trial {}\t{}\t{}\t{}\t{}\t{}\n",
                i + 1,
                3 + (i * 7) % 40,
                100 + (i * 37) % 900,
                5 + (i * 11) % 45,
                100 + (i * 53) % 900,
                1970 + i % 50
            )
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut loads = Vec::new();
    for _ in 0..5 {
        let page = Page::open().await;
        let v = page
            .js(
                "const m = performance.getEntriesByName('grove:mounted')[0];
                 const p = performance.getEntriesByName('first-contentful-paint')[0];
                 return [m ? m.startTime : null, p ? p.startTime : null];",
                vec![],
            )
            .await;
        loads.push((v[0].as_f64(), v[1].as_f64()));
        page.close().await;
    }
    println!("navigation → example plot in the DOM / first contentful paint (ms), 5 fresh loads:");
    for (mounted, paint) in &loads {
        println!(
            "  {:>7.1} / {:>7.1}",
            mounted.unwrap_or(f64::NAN),
            paint.unwrap_or(f64::NAN)
        );
    }

    let page = Page::open().await;
    let mut pastes = Vec::new();
    for i in 0..5 {
        // Alternate two tables so that each paste changes every row.
        let text = if i % 2 == 0 {
            studies(1000)
        } else {
            studies(999)
        };
        let ms = page
            .client
            .execute_async(
                "const [text, done] = [arguments[0], arguments[arguments.length - 1]];
                 const area = document.querySelector(`[data-testid='data-input']`);
                 const t0 = performance.now();
                 area.value = text;
                 area.dispatchEvent(new Event('input', {bubbles: true}));
                 setTimeout(() => { document.body.getBoundingClientRect(); done(performance.now() - t0); }, 0);",
                vec![json!(text)],
            )
            .await
            .expect("timed paste");
        pastes.push(ms.as_f64().unwrap_or(f64::NAN));
        page.js(
            "document.querySelector(`[data-testid='data-input']`).blur();",
            vec![],
        )
        .await;
    }
    let in_order = pastes
        .iter()
        .map(|ms| format!("{ms:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    pastes.sort_by(f64::total_cmp);
    println!(
        "paste 1,000 rows → table, results and plot: median {:.1} ms, worst {:.1} ms over 5 pastes (in order: {in_order} ms; the first replaces the 13-trial example)",
        pastes[2], pastes[4]
    );
    // Let the project be saved (it is saved once typing pauses), then reload.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut reloads = Vec::new();
    for _ in 0..3 {
        page.reload().await;
        let v = page
            .js(
                "const m = performance.getEntriesByName('grove:mounted')[0]; return [m ? m.startTime : null, Number(document.querySelector(`[data-testid='data-table']`).getAttribute('aria-rowcount')) - 2];",
                vec![],
            )
            .await;
        reloads.push((
            v[0].as_f64().unwrap_or(f64::NAN),
            v[1].as_u64().unwrap_or(0),
        ));
    }
    for (ms, rows) in &reloads {
        println!("reload with {rows} stored rows → plot in the DOM: {ms:.1} ms");
    }
    for k in [50usize, 1000] {
        page.paste(&studies(k)).await;
        let k_shown = page
            .attr("pooled-summary", "data-k")
            .await
            .unwrap_or_default();
        // Typing a count into the first row.
        let t = timed(
            &page,
            "const cell = document.querySelector(`input[aria-label='Row 1, Experimental events']`);
             cell.value = String(3 + (i % 5));
             cell.dispatchEvent(new Event('input', {bubbles: true}));",
        )
        .await;
        report(&format!("one edit at {k} studies (k shown: {k_shown})"), &t);
        // Switching the first trial off and on.
        let t = timed(
            &page,
            "document.querySelector(`[data-testid='include-row']`).click();",
        )
        .await;
        report(&format!("one trial switched off or on at {k} studies"), &t);
    }
    page.close().await;
}

/// Runs `action` (JavaScript with the step number `i`) [`EDITS`] times, one per frame,
/// and returns how long each took until the page had laid out the result, sorted.
async fn timed(page: &Page, action: &str) -> Vec<f64> {
    let script = format!(
        "const [edits, done] = [arguments[0], arguments[arguments.length - 1]];
         const times = [];
         const step = (i) => {{
           if (i === edits) {{ done(times); return; }}
           const t0 = performance.now();
           {action}
           // Reactive updates run as microtasks; a task queued now runs after them.
           setTimeout(() => {{
             document.body.getBoundingClientRect();
             times.push(performance.now() - t0);
             requestAnimationFrame(() => step(i + 1));
           }}, 0);
         }};
         step(0);"
    );
    let timings = page
        .client
        .execute_async(&script, vec![json!(EDITS)])
        .await
        .expect("timed steps");
    let mut t: Vec<f64> = timings
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_f64())
        .collect();
    t.sort_by(f64::total_cmp);
    t
}

/// Prints the median and the worst of sorted timings.
fn report(what: &str, t: &[f64]) {
    println!(
        "{what}: median {:.1} ms, worst {:.1} ms over {} steps",
        t.get(t.len() / 2).copied().unwrap_or(f64::NAN),
        t.last().copied().unwrap_or(f64::NAN),
        t.len()
    );
}
