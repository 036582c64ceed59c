//! An R script that reproduces Grove's analyses with metafor (Viechtbauer 2010): for each
//! outcome the data Grove analysed, `escalc()` with the zero-cell settings, the pooled
//! fits (`rma()`, `rma.mh()` or `rma.peto()` with the estimator and test), the subgroups
//! with their test for differences, and the forest plot.
//!
//! Every argument comes from the settings vocabulary ([`Choice::metafor`]), so that the
//! script says what the page and the command line say. Run with `Rscript`, the script
//! prints each pooled result on the natural scale as one line
//!
//! ```text
//! grove-check OUTCOME ESTIMATE CI_LOWER CI_UPPER
//! ```
//!
//! where OUTCOME is the outcome's name, then the subgroup's if any, then `common` or
//! `random`, joined by `/` with every character other than letters, digits, `.`, `-` and
//! `_` written `_` ([`check_label`]), so that each line is five fields.
//!
//! With RevMan 5's conventions ([`Convention::RevMan5`]), the rules where RevMan differs
//! from metafor are written out in R, each where it applies, as [`crate::effect`],
//! [`crate::mh`] and [`crate::analysis`] document them: a risk difference's estimate from
//! the raw counts, the correction inside the Mantel-Haenszel sums, Greenland & Robins'
//! variance of the Mantel-Haenszel risk difference, one trial's own estimate as the
//! pooled result, and DerSimonian-Laird's tau² from the Mantel-Haenszel or Peto Q.
//!
//! Reference: Viechtbauer W (2010). Conducting meta-analyses in R with the metafor
//! package. Journal of Statistical Software 36(3):1–48.

use std::fmt::Write;

use crate::effect::NotEstimable;
use crate::parse::RawRow;
use crate::report::{Report, ReportOptions, Totals, measure_name, model_name};
use crate::rma::Model;
use crate::settings::{Choice, Convention, Measure, Method, Tau2Estimator};

/// One outcome to reproduce: its name, rows as typed and options.
#[derive(Debug, Clone, Copy)]
pub struct ScriptOutcome<'a> {
    /// The outcome's name ("Tuberculosis").
    pub name: &'a str,
    /// Its rows as typed; those with problems and those switched off are left out, as
    /// Grove leaves them out, and named in a comment.
    pub rows: &'a [RawRow],
    /// Its settings.
    pub options: &'a ReportOptions,
}

/// The R script reproducing `outcomes`, in order.
pub fn r_script(outcomes: &[ScriptOutcome]) -> String {
    let mut s = String::new();
    let n = outcomes.len();
    let _ = writeln!(
        s,
        "# Grove's analysis of {n} outcome{}, reproduced with R's metafor package.",
        if n == 1 { "" } else { "s" }
    );
    s.push_str(PREAMBLE);
    if outcomes.iter().any(needs_revman_helpers) {
        s.push_str(REVMAN_HELPERS);
    }
    for (i, o) in outcomes.iter().enumerate() {
        outcome(&mut s, i + 1, o);
    }
    s
}

/// The OUTCOME field of a `grove-check` line: `parts` joined by `/`, each character
/// other than an ASCII letter, digit, `.`, `-` or `_` written `_`.
pub fn check_label(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        if part.is_empty() {
            out.push('_');
        }
        out.extend(part.chars().map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        }));
    }
    out
}

/// `text` as an R string literal: quotes and backslashes escaped, control characters and
/// every non-ASCII character as `\U{…}`, so that the script reads the same in any locale.
pub fn r_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // R refuses the NUL character in strings.
            '\0' => out.push_str("\\U{FFFD}"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let _ = write!(out, "\\U{{{:X}}}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

const PREAMBLE: &str = r#"# Run it with `Rscript FILE.R`, or source it in R (metafor 3.8 or later). Each
# pooled result is printed on the natural scale as one line
#   grove-check OUTCOME ESTIMATE CI_LOWER CI_UPPER
# to compare with Grove's own numbers.

library(metafor)

# Prints a pooled result (on the natural scale for ratios) as a grove-check line.
grove_check <- function(outcome, estimate, ci.lb, ci.ub, ratio) {
  x <- c(estimate, ci.lb, ci.ub)
  if (ratio) x <- exp(x)
  cat("grove-check", outcome, sprintf("%.12g", x))
  cat("\n")
}
"#;

const REVMAN_HELPERS: &str = r#"
# RevMan 5's rules where they differ from metafor's (Deeks & Higgins 2010, "Statistical
# methods in RevMan 5"), used below where an outcome needs them.

# The correction added to each cell of each trial: `add` to the trials `to` names
# ("only0": those with a zero cell; "if0all": every trial when one has a zero cell;
# "all"; "none"), none to trials left out (`keep` FALSE).
revman_added <- function(d, add, to, keep = rep(TRUE, nrow(d))) {
  zero <- with(d, ai == 0 | bi == 0 | ci == 0 | di == 0) & keep
  switch(to,
    only0 = ifelse(zero, add, 0),
    if0all = ifelse(keep & any(zero), add, 0),
    all = ifelse(keep, add, 0),
    none = rep(0, nrow(d)))
}

# Mantel-Haenszel risk difference: the estimate and the weights n1i n2i / Ni from the
# raw counts, Greenland & Robins' (1985) variance from the corrected cells.
revman_mh_rd <- function(d, added) {
  Ni <- d$n1i + d$n2i
  w <- d$n1i * d$n2i / Ni
  est <- sum((d$ai * d$n2i - d$ci * d$n1i) / Ni) / sum(w)
  a <- d$ai + added; b <- d$bi + added; c <- d$ci + added; dd <- d$di + added
  n1 <- a + b; n2 <- c + dd
  v <- sum((a * b * n2^3 + c * dd * n1^3) / (n1 * n2 * (n1 + n2)^2)) / sum(w)^2
  list(b = est, se = sqrt(v), ci.lb = est - qnorm(0.975) * sqrt(v),
       ci.ub = est + qnorm(0.975) * sqrt(v))
}

# DerSimonian-Laird's tau² from the heterogeneity statistic Q of the Mantel-Haenszel or
# Peto analysis, with the trials' inverse-variance weights.
revman_tau2 <- function(Q, yi, vi) {
  w <- 1 / vi[!is.na(yi) & !is.na(vi)]
  if (length(w) < 2) return(0)
  max(0, (Q - (length(w) - 1)) / (sum(w) - sum(w^2) / sum(w)))
}

# RevMan 5's Mantel-Haenszel fit of the trials of `d` that `rows` selects, the correction
# decided over all the trials of `d`: ratios with the correction added to the cells inside
# the sums and double zeros left out; Q about the estimate from the trials' own estimates;
# one trial's own estimate as the pooled result. A list with b, se, ci.lb, ci.ub and QE.
revman_mh <- function(d, rows, measure, add, to) {
  if (measure == "RD") {
    res <- revman_mh_rd(d[rows, ], revman_added(d, add, to)[rows])
  } else {
    keep <- with(d, !((ai == 0 & ci == 0) | (bi == 0 & di == 0)))
    added <- revman_added(d, add, to, keep)
    sel <- rows & keep
    fit <- with(d[sel, ], rma.mh(ai = ai + added[sel], bi = bi + added[sel],
      ci = ci + added[sel], di = di + added[sel], measure = measure, add = 0, to = "none"))
    res <- list(b = fit$b[1], se = fit$se, ci.lb = fit$ci.lb, ci.ub = fit$ci.ub)
  }
  s <- d[rows, ]
  res$QE <- max(0, sum((s$yi - res$b)^2 / s$vi, na.rm = TRUE))
  if (nrow(s) == 1 && !is.na(s$yi[1])) {
    res$b <- s$yi[1]; res$se <- sqrt(s$vi[1])
    res$ci.lb <- res$b - qnorm(0.975) * res$se; res$ci.ub <- res$b + qnorm(0.975) * res$se
  }
  res
}
"#;

fn needs_revman_helpers(o: &ScriptOutcome) -> bool {
    let s = &o.options.settings;
    s.convention == Convention::RevMan5 && s.method != Method::InverseVariance
}

/// A number as R reads it back to the same double.
fn num(x: f64) -> String {
    format!("{x}")
}

fn r_bool(b: bool) -> &'static str {
    if b { "TRUE" } else { "FALSE" }
}

/// A vector of R string literals.
fn strings<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let parts: Vec<String> = items.map(r_string).collect();
    format!("c({})", parts.join(", "))
}

fn counts(items: impl Iterator<Item = u64>) -> String {
    let parts: Vec<String> = items.map(|x| x.to_string()).collect();
    format!("c({})", parts.join(", "))
}

/// A fit in the script: the R variable holding it (with `b`, `se`, `ci.lb`, `ci.ub`),
/// and whether it is metafor's own model object, which `forest()` draws.
struct Fitted {
    name: String,
    model_object: bool,
}

fn outcome(s: &mut String, number: usize, o: &ScriptOutcome) {
    let report = Report::new(o.rows, o.options);
    let settings = o.options.settings;
    let measure = settings.measure;
    let ratio = measure.is_ratio();
    let d = format!("dat{number}");
    let _ = writeln!(s, "\n## Outcome {number}: {}", comment(o.name));
    settings_comment(s, o.options);
    for e in report.exclusions() {
        if e.reason.starts_with("left out") {
            let _ = writeln!(
                s,
                "# Row {} ({}) is left out, as in Grove: {}.",
                e.row,
                comment(&e.label),
                e.reason
            );
        }
    }
    for a in &report.set_aside {
        let _ = writeln!(
            s,
            "# Row {} ({}) is switched off in Grove and left out here.",
            a.row + 1,
            comment(&crate::report::study_label(&a.study))
        );
    }
    if report.studies.is_empty() {
        let _ = writeln!(s, "# No trial to analyse.");
        return;
    }
    let studies = &report.studies;
    let _ = writeln!(s, "{d} <- data.frame(");
    let _ = writeln!(
        s,
        "  study = {},",
        strings(studies.iter().map(|t| t.name.as_str()))
    );
    if studies.iter().any(|t| t.year.is_some()) {
        let years: Vec<String> = studies
            .iter()
            .map(|t| t.year.map_or_else(|| "NA".to_owned(), |y| y.to_string()))
            .collect();
        let _ = writeln!(s, "  year = c({}),", years.join(", "));
    }
    let subgroups = report.analysis.subgroups.as_ref();
    if subgroups.is_some() {
        let _ = writeln!(
            s,
            "  subgroup = {},",
            strings(studies.iter().map(|t| t.subgroup.as_deref().unwrap_or("")))
        );
    }
    let _ = writeln!(
        s,
        "  ai = {},",
        counts(studies.iter().map(|t| t.table.ai()))
    );
    let _ = writeln!(
        s,
        "  bi = {},",
        counts(studies.iter().map(|t| t.table.bi()))
    );
    let _ = writeln!(
        s,
        "  ci = {},",
        counts(studies.iter().map(|t| t.table.ci()))
    );
    let _ = writeln!(s, "  di = {}", counts(studies.iter().map(|t| t.table.di())));
    let _ = writeln!(s, ")");
    let _ = writeln!(s, "{d}$n1i <- {d}$ai + {d}$bi");
    let _ = writeln!(s, "{d}$n2i <- {d}$ci + {d}$di");

    escalc(s, &d, o.options);
    if report
        .analysis
        .studies
        .iter()
        .any(|r| r.effect == Err(NotEstimable::ZeroVariance))
    {
        let _ = writeln!(
            s,
            "# A trial whose sampling variance is zero cannot be weighted: Grove leaves it out (metafor would stop).\n{d}$yi[!is.na({d}$vi) & {d}$vi <= 0] <- NA"
        );
    }

    let shown_overall = o.options.totals == Totals::Overall;
    let shown_subtotals = o.options.totals != Totals::None;
    let models = o.options.models.models();
    let mut first: Option<Fitted> = None;
    let _ = writeln!(s, "\n# Pooled over all trials.");
    for &model in models {
        match report.fit(model) {
            Ok(_) => {
                let name = format!("res{number}.{}", model_code(model));
                let f = fit(s, &name, model, &d, None, o);
                if shown_overall {
                    check(s, &[o.name, model_code(model)], &f, ratio);
                }
                first.get_or_insert(f);
            }
            Err(why) => {
                let _ = writeln!(s, "# {}: no result in Grove ({why}).", model_name(model));
            }
        }
    }
    if let (Some(groups), true) = (subgroups, shown_subtotals) {
        for &model in models {
            let mut fitted = Vec::new();
            let _ = writeln!(
                s,
                "\n# Subgroups, each pooled on its own ({}).",
                model_name(model).to_lowercase()
            );
            for (g, group) in groups.groups.iter().enumerate() {
                let result = match model {
                    Model::Common => &group.common,
                    Model::Random => &group.random,
                };
                if let Err(why) = result {
                    let _ = writeln!(
                        s,
                        "# Subgroup {}: no result in Grove ({why}).",
                        comment(&group.name)
                    );
                    continue;
                }
                let name = format!("res{number}.{}.{}", model_code(model), g + 1);
                let f = fit(s, &name, model, &d, Some(&group.name), o);
                check(s, &[o.name, &group.name, model_code(model)], &f, ratio);
                fitted.push(f);
            }
            let test = match model {
                Model::Common => &groups.test_common,
                Model::Random => &groups.test_random,
            };
            match test {
                Ok(_) => subgroup_test(s, &format!("{number}.{}", model_code(model)), &fitted),
                Err(why) => {
                    let _ = writeln!(s, "# No test for subgroup differences in Grove ({why}).");
                }
            }
        }
    }
    if let Some(f) = first {
        forest(s, &f, &d, measure);
    }
}

fn model_code(model: Model) -> &'static str {
    match model {
        Model::Common => "common",
        Model::Random => "random",
    }
}

/// A comment's text on one line.
fn comment(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn settings_comment(s: &mut String, options: &ReportOptions) {
    let st = &options.settings;
    let arg = |name: &str, code: Option<&str>| {
        code.map_or_else(String::new, |c| format!(" ({name} = \"{c}\")"))
    };
    let _ = writeln!(s, "# As Grove analysed it:");
    let _ = writeln!(
        s,
        "#   effect measure: {}{}",
        st.measure.label(),
        arg("measure", st.measure.metafor())
    );
    let _ = writeln!(
        s,
        "#   pooling: {} ({})",
        st.method.label(),
        st.method.metafor().unwrap_or("rma")
    );
    let _ = writeln!(
        s,
        "#   random effects: tau² by {}{}, intervals by {}{}",
        st.tau2.label(),
        arg("method", st.tau2.metafor()),
        st.ci.label(),
        arg("test", st.ci.metafor())
    );
    let _ = writeln!(
        s,
        "#   zero cells: {} added to {}{}",
        num(st.correction.increment),
        st.correction.scope.label().to_lowercase(),
        arg("to", st.correction.scope.metafor())
    );
    let _ = writeln!(s, "#   conventions: {}", st.convention.label());
    let _ = writeln!(s, "#   shown: {}", options.models.label().to_lowercase());
}

/// `add`, `to` and `drop00` as metafor's arguments.
fn zero_cell_args(options: &ReportOptions, drop00: bool) -> String {
    let c = options.settings.correction;
    format!(
        "add = {}, to = \"{}\", drop00 = {}",
        num(c.increment),
        c.scope.metafor().unwrap_or("only0"),
        r_bool(drop00)
    )
}

/// The trials' estimates and variances (`yi`, `vi`) as Grove computes them: the ones
/// inverse-variance pooling takes, and Q and the random effects after Mantel-Haenszel or
/// Peto.
fn escalc(s: &mut String, d: &str, options: &ReportOptions) {
    let st = &options.settings;
    let revman = st.convention == Convention::RevMan5;
    let (measure, drop00, correction) = match st.method {
        // Grove drops double zeros for the ratios, whose estimate is then undefined, and
        // keeps them for the risk difference (crate::effect::DoubleZeroPolicy).
        Method::InverseVariance => (st.measure.metafor(), st.measure.is_ratio(), None),
        // rma.mh's per-trial estimates drop double zeros (drop00=TRUE); RevMan 5 keeps
        // them for the risk difference.
        Method::MantelHaenszel => (
            st.measure.metafor(),
            !(revman && st.measure == Measure::RiskDifference),
            None,
        ),
        // Peto's trial estimates: with RevMan 5's conventions from the raw counts.
        Method::Peto => (
            Some("PETO"),
            true,
            revman.then_some("add = 0, to = \"none\", drop00 = TRUE"),
        ),
    };
    let args = correction.map_or_else(|| zero_cell_args(options, drop00), str::to_owned);
    let _ = writeln!(
        s,
        "{d} <- escalc(measure = \"{}\", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = {d},\n  {args})",
        measure.unwrap_or("OR"),
    );
    if revman && st.measure == Measure::RiskDifference {
        let _ = writeln!(
            s,
            "# RevMan 5: a risk difference's estimate from the raw counts, its variance from the corrected ones.\n{d}$yi <- with({d}, ai / n1i - ci / n2i)"
        );
    }
}

/// Fits `model` over all trials (`group` None) or one subgroup into the R variable
/// `name`.
fn fit(
    s: &mut String,
    name: &str,
    model: Model,
    d: &str,
    group: Option<&str>,
    o: &ScriptOutcome,
) -> Fitted {
    let st = &o.options.settings;
    let subset = group.map_or_else(String::new, |g| {
        format!(", subset = subgroup == {}", r_string(g))
    });
    let rows = group.map_or_else(
        || format!("rep(TRUE, nrow({d}))"),
        |g| format!("{d}$subgroup == {}", r_string(g)),
    );
    let revman = st.convention == Convention::RevMan5;
    let test = st.ci.metafor().unwrap_or("z");
    match (st.method, model) {
        (Method::InverseVariance, Model::Common) => {
            let _ = writeln!(
                s,
                "{name} <- rma(yi, vi, data = {d}{subset}, method = \"EE\", slab = study)"
            );
        }
        (Method::MantelHaenszel, Model::Common) if revman => {
            revman_mh(s, name, d, &rows, o);
            return Fitted {
                name: name.to_owned(),
                model_object: false,
            };
        }
        (Method::MantelHaenszel, Model::Common) => {
            let _ = writeln!(
                s,
                "{name} <- rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = {d}{subset},\n  measure = \"{}\", {}, slab = study)",
                st.measure.metafor().unwrap_or("RR"),
                zero_cell_args(o.options, true)
            );
        }
        (Method::Peto, Model::Common) => {
            let _ = writeln!(
                s,
                "{name} <- rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = {d}{subset},\n  {}, slab = study)",
                zero_cell_args(o.options, true)
            );
        }
        (Method::MantelHaenszel | Method::Peto, Model::Random)
            if revman && st.tau2 == Tau2Estimator::DerSimonianLaird =>
        {
            // The Mantel-Haenszel or Peto fit of the same trials gives Q.
            let common = format!("{name}.q");
            match st.method {
                Method::MantelHaenszel => revman_mh(s, &common, d, &rows, o),
                _ => {
                    let _ = writeln!(
                        s,
                        "{common} <- rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = {d}{subset},\n  {})",
                        zero_cell_args(o.options, true)
                    );
                }
            }
            let _ = writeln!(
                s,
                "# RevMan 5: DerSimonian-Laird's tau² from the {} Q.\n{name} <- rma(yi, vi, data = {d}{subset}, tau2 = revman_tau2({common}$QE, {d}$yi[{rows}], {d}$vi[{rows}]),\n  test = \"{test}\", slab = study)",
                st.method.label()
            );
        }
        (_, Model::Random) => {
            let _ = writeln!(
                s,
                "{name} <- rma(yi, vi, data = {d}{subset}, method = \"{}\", test = \"{test}\", slab = study)",
                st.tau2.metafor().unwrap_or("REML")
            );
        }
    }
    Fitted {
        name: name.to_owned(),
        model_object: true,
    }
}

/// RevMan 5's Mantel-Haenszel fit into `name` of the trials of the data frame `d` that
/// `rows` (an R logical vector) selects (the R function `revman_mh` above).
fn revman_mh(s: &mut String, name: &str, d: &str, rows: &str, o: &ScriptOutcome) {
    let st = &o.options.settings;
    let c = st.correction;
    let _ = writeln!(
        s,
        "{name} <- revman_mh({d}, {rows}, \"{}\", add = {}, to = \"{}\")",
        st.measure.metafor().unwrap_or("RR"),
        num(c.increment),
        c.scope.metafor().unwrap_or("only0"),
    );
}

fn check(s: &mut String, parts: &[&str], f: &Fitted, ratio: bool) {
    let n = &f.name;
    let _ = writeln!(
        s,
        "grove_check(\"{}\", {n}$b[1], {n}$ci.lb, {n}$ci.ub, ratio = {})",
        check_label(parts),
        r_bool(ratio)
    );
}

/// The test for subgroup differences across the fitted subgroups (Grove's
/// [`crate::subgroup`]): a common-effect fit of their estimates with their standard errors.
fn subgroup_test(s: &mut String, id: &str, fitted: &[Fitted]) {
    let b: Vec<String> = fitted.iter().map(|f| format!("{}$b[1]", f.name)).collect();
    let se: Vec<String> = fitted.iter().map(|f| format!("{}$se", f.name)).collect();
    let _ = writeln!(
        s,
        "test{id} <- rma(c({}), sei = c({}), method = \"EE\")\ncat(sprintf(\"Test for subgroup differences: Q = %.4f, df = %d, p = %.4g\\n\",\n  test{id}$QE, test{id}$k - 1, test{id}$QEp))",
        b.join(", "),
        se.join(", ")
    );
}

/// The forest plot of the first fitted model: metafor's own for its model objects; the
/// trials and the pooled diamond for RevMan 5's Mantel-Haenszel results, which are not.
/// A plot R cannot draw (every estimate zero with no spread) does not stop the script.
fn forest(s: &mut String, f: &Fitted, d: &str, measure: Measure) {
    let transf = if measure.is_ratio() {
        ", atransf = exp"
    } else {
        ""
    };
    let header = format!("c(\"Study\", \"{} [95% CI]\")", measure_name(measure));
    let n = &f.name;
    if f.model_object {
        let _ = writeln!(s, "try(forest({n}{transf}, header = {header}))");
    } else {
        let _ = writeln!(
            s,
            "try({{\n  forest({d}$yi, {d}$vi, slab = {d}$study{transf}, header = {header},\n    ylim = c(-2, sum(!is.na({d}$yi)) + 3))\n  addpoly({n}$b[1], ci.lb = {n}$ci.lb, ci.ub = {n}$ci.ub, rows = -1{transf}, mlab = \"Pooled\")\n}})"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_one_field() {
        assert_eq!(
            check_label(&["Death (any cause)", "random"]),
            "Death__any_cause_/random"
        );
        assert_eq!(
            check_label(&["Mortalité", "", "common"]),
            "Mortalit_/_/common"
        );
    }

    #[test]
    fn strings_read_the_same_in_any_locale() {
        assert_eq!(r_string("Smith \"A\" \\ 1"), "\"Smith \\\"A\\\" \\\\ 1\"");
        assert_eq!(r_string("Müller\n"), "\"M\\U{FC}ller\\n\"");
    }
}
