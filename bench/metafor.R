#!/usr/bin/env Rscript
# Generates the benchmark data sets and times R's metafor on them.
#
# Usage: Rscript bench/metafor.R OUTDIR K...
#
# For each k: writes OUTDIR/k<k>.tsv (study, ai, n1i, ci, n2i; tab-separated, with a
# header Grove's parser reads) and prints one line per task to stdout:
#   k <TAB> task <TAB> seconds per run <TAB> estimate
# Tasks: rma.uni on log risk ratios with each tau2 estimator (method = DL, REML, PM,
# ML, HS, SJ, HE, EB), leave1out() and cumul() of the random-effects DL fit.
#
# metafor's rma.uni() builds k x k weight and projection matrices, so memory and time
# grow with k^2 or faster: one DL or HS fit at k = 10000 takes about 15 s, and the
# other estimators multiply k x k matrices (HE, SJ: k^3) or repeat the k^2 work at
# every iteration (REML, ML, PM, EB); leave1out/cumul refit k times. So DL and HS are
# timed up to GROVE_R_MAX_K (default 10000), the other estimators up to
# GROVE_R_MAX_K_OTHER (default 1000) and leave-one-out/cumulative up to
# GROVE_R_MAX_K_SENS (default 100); larger k are printed as "NA".
suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript bench/metafor.R OUTDIR K...")
outdir <- args[1]
ks <- as.integer(args[-1])
max_k <- as.integer(Sys.getenv("GROVE_R_MAX_K", "10000"))
max_k_other <- as.integer(Sys.getenv("GROVE_R_MAX_K_OTHER", "1000"))
max_k_sens <- as.integer(Sys.getenv("GROVE_R_MAX_K_SENS", "100"))
quadratic <- c("DL", "HS")
min_time <- as.numeric(Sys.getenv("GROVE_MIN_TIME", "0.5"))

# Trials with 20-500 participants per arm, control risk 5-40%, true log risk ratios
# drawn around -0.3 with SD 0.3 (heterogeneous), so every estimator has work to do.
generate <- function(k) {
  set.seed(20240 + k)
  n1i <- sample(20:500, k, replace = TRUE)
  n2i <- sample(20:500, k, replace = TRUE)
  p2 <- runif(k, 0.05, 0.4)
  p1 <- pmin(p2 * exp(rnorm(k, -0.3, 0.3)), 0.95)
  data.frame(study = paste0("S", seq_len(k)), ai = rbinom(k, n1i, p1), n1i = n1i,
             ci = rbinom(k, n2i, p2), n2i = n2i)
}

# Seconds per run: repeats until min_time has elapsed (at least once).
per_run <- function(f) {
  reps <- 0
  start <- proc.time()[["elapsed"]]
  repeat {
    value <- f()
    reps <- reps + 1
    elapsed <- proc.time()[["elapsed"]] - start
    if (elapsed >= min_time) break
  }
  list(seconds = elapsed / reps, value = value)
}

emit <- function(k, task, timing) {
  if (is.null(timing)) {
    cat(k, task, "NA", "NA", sep = "\t")
  } else {
    cat(k, task, sprintf("%.6g", timing$seconds), sprintf("%.10g", timing$value), sep = "\t")
  }
  cat("\n")
}

for (k in ks) {
  d <- generate(k)
  write.table(d, file.path(outdir, paste0("k", k, ".tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE)
  dat <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)
  for (method in c("DL", "REML", "PM", "ML", "HS", "SJ", "HE", "EB")) {
    timing <- NULL
    if (k <= (if (method %in% quadratic) max_k else max_k_other)) {
      timing <- tryCatch(per_run(function() {
        as.numeric(rma(yi, vi, data = dat, method = method, control = list(maxiter = 1000))$beta)
      }), error = function(e) NULL)
    }
    emit(k, paste0("pool/", method), timing)
  }
  timing <- NULL
  if (k <= max_k_sens) {
    fit <- rma(yi, vi, data = dat, method = "DL")
    timing <- per_run(function() as.numeric(tail(leave1out(fit)$estimate, 1)))
  }
  emit(k, "leave1out/DL", timing)
  timing <- NULL
  if (k <= max_k_sens) {
    fit <- rma(yi, vi, data = dat, method = "DL")
    timing <- per_run(function() as.numeric(tail(cumul(fit)$estimate, 1)))
  }
  emit(k, "cumulative/DL", timing)
}
