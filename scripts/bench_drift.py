"""The peer of `slipway drift` in scripts/bench_drift.sh: pandas reads both
CSVs, scipy and numpy compute, per shared numeric column, what slipway drift
computes (KS statistic and p-value, Wasserstein-1, PSI on the reference's
deciles, Jensen-Shannon distance), and one JSON document is printed.

    python3 scripts/bench_drift.py REF.csv CUR.csv
    python3 scripts/bench_drift.py --generate ROWS COLS SEED SHIFT > FILE.csv
"""
import json
import sys

import numpy as np


def generate(rows, cols, seed, shift):
    rng = np.random.default_rng(seed)
    out = sys.stdout
    out.write(",".join(f"x{c}" for c in range(cols)) + "\n")
    chunk = 100_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        data = rng.normal(shift, 1 + shift, size=(n, cols)) + np.arange(cols)
        np.savetxt(out, data, fmt="%.6g", delimiter=",")


def compare(ref_path, cur_path):
    import pandas as pd
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    ref, cur = pd.read_csv(ref_path), pd.read_csv(cur_path)
    out = {}
    for c in ref.columns:
        if c not in cur.columns:
            continue
        r, k = ref[c].dropna().to_numpy(), cur[c].dropna().to_numpy()
        ks = stats.ks_2samp(r, k)
        edges = np.unique(np.quantile(r, np.linspace(0.1, 0.9, 9)))
        bins = np.concatenate(([-np.inf], edges, [np.inf]))
        rh = np.histogram(r, bins)[0] / len(r)
        ch = np.histogram(k, bins)[0] / len(k)
        rp, cp = np.maximum(rh, 1e-4), np.maximum(ch, 1e-4)
        out[c] = {
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "wasserstein": float(stats.wasserstein_distance(r, k)),
            "psi": float(np.sum((cp - rp) * np.log(cp / rp))),
            "js": float(jensenshannon(rh, ch, base=2)),
        }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "--generate":
        generate(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        compare(sys.argv[1], sys.argv[2])
