# Golden values for crates/grove-core/tests/extras_reference.rs (see make.sh).
# One result per line, fields separated by spaces, NA where metafor has no value:
#   trimfill <file> <measure> <method> <k0> <side> <estimate> <ci.lb> <ci.ub> <tau2>
#     (all NA when metafor stops with an error)
#   leave1out|cumul <file> <measure> <method> <test> <step> <estimate> <se> <ci.lb> <ci.ub> <tau2> <I2> <Q>
#   ranktest <k> <tau> <pval> <yi...> <vi...>
suppressMessages(library(metafor))
stopifnot(as.character(packageVersion("metafor")) == "3.8.1")
dir <- commandArgs(trailingOnly = TRUE)[1]
methods <- c("FE", "DL", "REML", "PM", "ML", "HS", "SJ", "HE", "EB")
g <- function(x) ifelse(is.na(x), "NA", sprintf("%.12g", x))
cat("# metafor", as.character(packageVersion("metafor")), "\n")
for (f in list.files(dir, pattern = "csv$")) {
  d <- read.csv(file.path(dir, f))
  name <- sub("csv$", "json", f)
  for (measure in c("RR", "OR")) {
    es <- escalc(measure = measure, ai = e1, n1i = n1, ci = e2, n2i = n2, data = d, drop00 = TRUE)
    es <- es[!is.na(es$yi), ]
    for (m in methods) {
      fit <- try(rma(es$yi, es$vi, method = m), silent = TRUE)
      if (inherits(fit, "try-error")) next
      tf <- try(trimfill(fit), silent = TRUE)
      if (inherits(tf, "try-error")) {
        cat("trimfill", name, measure, m, "NA NA NA NA NA NA\n")  # metafor stops with an error
      } else {
        cat("trimfill", name, measure, m, tf$k0, tf$side, g(tf$beta), g(tf$ci.lb), g(tf$ci.ub),
            g(tf$tau2), "\n")
      }
      if (name != "bcg.json" || measure != "RR") next
      for (test in c("z", "knha")) {
        fit <- suppressWarnings(rma(es$yi, es$vi, method = m, test = test))
        for (kind in c("leave1out", "cumul")) {
          r <- suppressWarnings(if (kind == "leave1out") leave1out(fit) else cumul(fit))
          tau2 <- if (is.null(r$tau2)) rep(0, length(r$estimate)) else r$tau2
          for (i in seq_along(r$estimate))
            cat(kind, name, measure, m, test, i, g(r$estimate[i]), g(r$se[i]), g(r$ci.lb[i]),
                g(r$ci.ub[i]), g(tau2[i]), g(r$I2[i]), g(r$Q[i]), "\n")
        }
      }
    }
  }
}
# Begg's test beyond k = 50: metafor asks cor.test for the exact p-value at any k.
set.seed(20221)
k <- 60
vi <- runif(k, 0.01, 0.5)
yi <- rnorm(k, 0.3 * sqrt(vi), sqrt(vi))
rt <- ranktest(rma(yi, vi, method = "FE"))
cat("ranktest", k, g(rt$tau), g(rt$pval), g(yi), g(vi), "\n")
