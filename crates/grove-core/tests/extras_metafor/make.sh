#!/bin/sh
# Regenerates golden.txt: trim-and-fill with every tau2 estimator, leave-one-out and
# cumulative analyses with every estimator and CI method, and a rank test with k = 60,
# all from R's metafor 3.8.1 on the studies of ../../../../tests/reference/*.json.
# Needs python3, R and metafor 3.8.1 (apt-get install r-cran-metafor).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
python3 - "$here/../../../../tests/reference" "$work" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"):
        continue
    d = json.load(open(os.path.join(src, name)))
    if len(d["studies"]) < 3:
        continue
    with open(os.path.join(dst, name[:-5] + ".csv"), "w") as f:
        f.write("e1,n1,e2,n2\n")
        for s in d["studies"]:
            f.write(f"{s['e1']},{s['n1']},{s['e2']},{s['n2']}\n")
PY
Rscript "$here/make.R" "$work" > "$here/golden.txt"
rm -r "$work"
