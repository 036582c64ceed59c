#!/usr/bin/env python3
"""Exact upper chi-square tails for every heterogeneity statistic stored in the RevMan
files of this folder, to show how precise RevMan's stored p-values are.

For each estimable pooled result with df > 0 (outcomes and subgroups), it reads RevMan's
CHI2, DF and P_CHI2 and computes P(X > CHI2) for X ~ chi-square(DF) with 40 significant
digits (mpmath, `pip install mpmath`). Output: chi2_exact.tsv (file, what, chi2, df,
revman_p, exact_p), sorted and without duplicates.

    python3 tests/revman/chi2_exact.py > tests/revman/chi2_exact.tsv
"""
import glob
import os
import xml.etree.ElementTree as ET

import mpmath as mp

mp.mp.dps = 40
here = os.path.dirname(os.path.abspath(__file__))
rows = set()
for path in sorted(glob.glob(os.path.join(here, "*.rm5"))):
    root = ET.parse(path).getroot()
    for outcome in root.iter("DICH_OUTCOME"):
        for node in [outcome] + outcome.findall("DICH_SUBGROUP"):
            a = node.attrib
            if a.get("ESTIMABLE") != "YES" or a.get("DF") in (None, "0"):
                continue
            chi2, df = a["CHI2"], a["DF"]
            exact = mp.gammainc(mp.mpf(df) / 2, mp.mpf(chi2) / 2, mp.inf, regularized=True)
            rows.add((os.path.basename(path), outcome.get("ID"), chi2, df, a["P_CHI2"],
                      mp.nstr(exact, 20, min_fixed=0, max_fixed=0)))
print("file\toutcome\tchi2\tdf\trevman_p\texact_p")
for r in sorted(rows):
    print("\t".join(r))
