"""The oracle of drift_oracle_test.go: reads a reference and a current CSV
(argv[1], argv[2]) and prints, per column, what scipy and numpy compute."""
import csv
import json
import math
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

MISSING = {"", "na", "nan", "null", "n/a", "none"}


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    return {h: [r[i].strip() for r in rows if r[i].strip().lower() not in MISSING] for i, h in enumerate(header)}


def numeric(values):
    try:
        xs = [float(v) for v in values]
    except ValueError:
        return None
    return xs if all(math.isfinite(x) for x in xs) else None


def main():
    ref, cur = read(sys.argv[1]), read(sys.argv[2])
    out = {}
    for name in ref:
        if name not in cur:
            continue
        r, c = numeric(ref[name]), numeric(cur[name])
        if r is not None and c is not None:
            r, c = np.array(r), np.array(c)
            ks = stats.ks_2samp(r, c)
            w = stats.wasserstein_distance(r, c)
            edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
            bins = np.concatenate(([-np.inf], edges, [np.inf]))
            rp = np.histogram(r, bins)[0] / len(r)
            cp = np.histogram(c, bins)[0] / len(c)
            rf, cf = np.maximum(rp, 1e-4), np.maximum(cp, 1e-4)
            out[name] = {
                "kind": "numeric", "statistic": float(ks.statistic), "p_value": float(ks.pvalue),
                "wasserstein": float(w), "wasserstein_norm": float(w / np.std(r)),
                "psi": float(np.sum((cf - rf) * np.log(cf / rf))),
                "js": float(jensenshannon(rp, cp, base=2)), "bins": len(rp),
            }
        else:
            cats = sorted(set(ref[name]) | set(cur[name]))
            rc = np.array([ref[name].count(k) for k in cats], dtype=float)
            cc = np.array([cur[name].count(k) for k in cats], dtype=float)
            chi = stats.chi2_contingency(np.array([rc, cc]))
            rp, cp = rc / rc.sum(), cc / cc.sum()
            rf, cf = np.maximum(rp, 1e-4), np.maximum(cp, 1e-4)
            out[name] = {
                "kind": "categorical", "statistic": float(chi[0]), "p_value": float(chi[1]),
                "psi": float(np.sum((cf - rf) * np.log(cf / rf))),
                "js": float(jensenshannon(rp, cp, base=2)), "bins": len(cats),
            }
    json.dump(out, sys.stdout)


main()
