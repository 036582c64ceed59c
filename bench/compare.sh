#!/bin/sh
# Times Grove's engine against R's metafor on the same generated data.
#
# Usage: bench/compare.sh [K...]          (default K: 10 100 1000 10000 100000 1000000)
#
# 1. bench/metafor.R generates one data set per k (written as TSV to a temporary
#    directory) and times metafor on it: rma() with each tau2 estimator, leave1out()
#    and cumul() of the DL fit. metafor's cost grows with k^2 (k x k matrices), so it
#    is timed only up to GROVE_R_MAX_K (default 10000) for DL and HS,
#    GROVE_R_MAX_K_OTHER (default 1000) for the other estimators and
#    GROVE_R_MAX_K_SENS (default 100) for leave-one-out and cumulative; "n/a" in the
#    table (see bench/metafor.R). A full run takes a few minutes.
# 2. The `metafor_compare` bench of grove-core (release build) reads the same files
#    with Grove's parser and times the same tasks.
# 3. Prints, per k and task: seconds per run in R and in Grove, the ratio R / Grove,
#    and whether the two pooled estimates agree to 1e-6 relative.
#
# Installs r-cran-metafor with apt-get when R or metafor is missing.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
ks=${*:-10 100 1000 10000 100000 1000000}

if ! Rscript -e 'suppressPackageStartupMessages(library(metafor))' >/dev/null 2>&1; then
    echo "metafor not found; installing r-cran-metafor with apt-get" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get install -y r-cran-metafor >&2
    else
        sudo apt-get install -y r-cran-metafor >&2
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Generating data and timing metafor (k = $ks) ..." >&2
Rscript "$root/bench/metafor.R" "$work" $ks >"$work/r.tsv"

echo "Timing Grove ..." >&2
(cd "$root" && cargo bench -q -p grove-core --bench metafor_compare -- "$work" $ks) >"$work/grove.tsv"

R_VERSION=$(Rscript -e 'cat(R.version$major, R.version$minor, sep=".")')
METAFOR_VERSION=$(Rscript -e 'cat(as.character(packageVersion("metafor")))')
echo "R $R_VERSION, metafor $METAFOR_VERSION; Grove $(git -C "$root" rev-parse --short HEAD)"
awk -F '\t' '
    function fmt(s) { return s == "NA" ? "n/a" : sprintf("%.3g s", s) }
    NR == FNR { rs[$1 "\t" $2] = $3; re[$1 "\t" $2] = $4; next }
    {
        key = $1 "\t" $2
        r = (key in rs) ? rs[key] : "NA"
        ratio = (r == "NA" || $3 == "NA" || $3 == 0) ? "n/a" : sprintf("%.1fx", r / $3)
        agree = "n/a"
        if (r != "NA" && re[key] != "NA") {
            d = $4 - re[key]; if (d < 0) d = -d
            s = re[key]; if (s < 0) s = -s; if (s < 1e-3) s = 1e-3
            agree = (d / s <= 1e-6) ? "yes" : sprintf("NO (%s vs %s)", $4, re[key])
        }
        printf "%-9s %-15s %12s %12s %10s  %s\n", $1, $2, fmt(r), fmt($3), ratio, agree
    }
    BEGIN { printf "%-9s %-15s %12s %12s %10s  %s\n", "k", "task", "metafor", "Grove", "R/Grove", "same estimate" }
' "$work/r.tsv" "$work/grove.tsv"
