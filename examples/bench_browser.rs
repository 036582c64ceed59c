//! Times the engine's WebAssembly in headless Chromium (the release build's GOSH worker,
//! `src/gosh.rs`, which carries the engine built for speed) and prints the figures a user
//! waits for, one per line as `NAME k=K: MEDIAN ms`: pooling with DL and REML at
//! k = 10³, 10⁴, 10⁵; leave-one-out (DL, REML) at k = 10³, 10⁴; the exact GOSH heatmap
//! (every subset, common effect, a trial highlighted) at k = 15, 20, 25, 30. Last, the GOSH
//! view run at k = 30 from the page: its time, and the longest task on the page's main
//! thread meanwhile (a `longtask` observer: tasks over 50 ms). A report, not a test:
//! timings vary with the machine. Run through `scripts/bench-browser`.

#[path = "../tests/e2e/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::Page;
use serde_json::json;

/// (benchmark, k, repetitions), in the order printed.
const RUNS: [(&str, usize, usize); 15] = [
    ("pool-dl", 1_000, 15),
    ("pool-dl", 10_000, 15),
    ("pool-dl", 100_000, 7),
    ("pool-reml", 1_000, 15),
    ("pool-reml", 10_000, 15),
    ("pool-reml", 100_000, 7),
    ("leave-one-out-dl", 1_000, 15),
    ("leave-one-out-dl", 10_000, 7),
    ("leave-one-out-reml", 1_000, 15),
    ("leave-one-out-reml", 10_000, 7),
    ("gosh-exact", 15, 15),
    ("gosh-exact", 20, 7),
    ("gosh-exact", 25, 5),
    ("gosh-exact", 30, 1),
    ("gosh-exact", 30, 1),
];

/// Starts the GOSH worker in the page and waits for it to listen (`window.benchWorker`).
const START: &str = "const done = arguments[arguments.length - 1];
    const w = new Worker(window.groveGosh || './grove-gosh_loader.js');
    w.onmessage = (e) => { if (e.data === 'ready') { window.benchWorker = w; done(true); } };
    w.onerror = (e) => done('the GOSH worker failed: ' + (e.message || e));";

/// Runs one benchmark in the worker: `{ms: [...]}` or `{failed}`.
const TIME: &str =
    "const [bench, k, reps] = arguments; const done = arguments[arguments.length - 1];
    const w = window.benchWorker;
    w.onmessage = (e) => done(e.data);
    w.postMessage({ bench, k, reps });";

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let page = Page::open().await;
    let started = page
        .client
        .execute_async(START, vec![])
        .await
        .expect("the script runs");
    assert_eq!(started, json!(true), "{started}");
    // The first k = 30 run warms up; the second is reported (the last line of RUNS).
    let mut printed = std::collections::HashSet::new();
    for (i, (name, k, reps)) in RUNS.iter().enumerate() {
        let answer = page
            .client
            .execute_async(TIME, vec![json!(name), json!(k), json!(reps)])
            .await
            .expect("the benchmark runs");
        let Some(ms) = answer["ms"].as_array() else {
            println!("{name} k={k}: failed ({answer})");
            continue;
        };
        let ms: Vec<f64> = ms.iter().filter_map(|m| m.as_f64()).collect();
        let warm_up = RUNS[i + 1..].iter().any(|r| r.0 == *name && r.1 == *k);
        if warm_up || !printed.insert((name, k)) {
            continue;
        }
        println!("{name} k={k}: {:.1} ms", median(ms));
    }
    page.close().await;

    // The view itself at k = 30, from the page: run time and the main thread's longest task.
    let page = Page::open().await;
    // 30 trials with varied counts: 2^30 − 1 subsets.
    let paste = harness::varied_trials(30);
    page.paste(&paste).await;
    page.settle().await;
    let observe = "window.longest = 0; window.tasks = 0;
        new PerformanceObserver((list) => { for (const e of list.getEntries()) {
          window.tasks += 1; window.longest = Math.max(window.longest, e.duration); } })
          .observe({ type: 'longtask' });
        window.goshStart = performance.now(); return true;";
    page.js(observe, vec![]).await;
    page.click("view-gosh").await;
    let ms = harness::eventually("the GOSH view at k = 30", || async {
        let v = page
            .js(
                "return document.querySelector('[data-testid=gosh-table]') ? performance.now() - window.goshStart : null;",
                vec![],
            )
            .await;
        v.as_f64()
    })
    .await;
    let longest = page
        .js("return [window.longest, window.tasks];", vec![])
        .await;
    // The observer's own check: an 80 ms task of the page's, which it must report.
    let check = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const before = window.tasks;
             setTimeout(() => { const t = performance.now(); while (performance.now() - t < 80) {} }, 0);
             setTimeout(() => done(window.tasks > before), 300);",
            vec![],
        )
        .await
        .expect("the check runs");
    println!("gosh-view k=30: {ms:.0} ms, from the click to the plot on the page");
    println!(
        "main thread meanwhile: longest task {} ms ({} tasks over 50 ms){}",
        longest[0],
        longest[1],
        if check == json!(true) {
            " (the observer saw an 80 ms task made to check it)"
        } else {
            " (the longtask observer did not work here: no figure)"
        }
    );
    page.close().await;
}
