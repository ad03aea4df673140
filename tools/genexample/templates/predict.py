#!/usr/bin/env python3
"""Classify iris flowers with the example model in this folder.

    python predict.py 5.1 3.5 1.4 0.2    # one flower: sepal length, sepal width, petal length, petal width (cm)
    python predict.py < data/iris.csv    # CSV rows (a header line is skipped); the first four columns are used

Prints the predicted species and its probability, one line per flower. Needs
numpy only: model.safetensors is read by hand (an 8-byte little-endian header
length, a JSON header, then little-endian float32 data).
"""

import json
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def load_safetensors(path):
    """Return {name: float64 array} for the F32 tensors of a safetensors file."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']}, want F32")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        tensors[name] = array.astype(np.float64)
    return tensors


def predict_proba(tensors, rows):
    """Class probabilities, shape [n, n_classes], for raw measurements of shape [n, n_features]."""
    z = (np.asarray(rows, dtype=np.float64) - tensors["feature_mean"]) / tensors["feature_std"]
    logits = z @ tensors["weight"].T + tensors["bias"]
    logits -= logits.max(axis=-1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=-1, keepdims=True)


def read_rows(lines, n_features):
    """Parse CSV lines into rows of n_features floats, skipping a header line."""
    rows = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        fields = line.strip().split(",")[:n_features]
        try:
            row = [float(f) for f in fields]
        except ValueError:
            if i == 0:
                continue  # the header
            raise
        if len(row) != n_features:
            raise ValueError(f"line {i + 1}: {len(row)} values, want {n_features}")
        rows.append(row)
    return rows


def main(argv):
    config = json.loads((HERE / "config.json").read_text())
    tensors = load_safetensors(HERE / "model.safetensors")
    n_features = config["n_features"]
    if argv:
        if len(argv) != n_features:
            sys.exit("usage: predict.py " + " ".join(config["feature_names"]))
        rows = [[float(a) for a in argv]]
    else:
        rows = read_rows(sys.stdin, n_features)
    if not rows:
        return
    for p in predict_proba(tensors, rows):
        c = int(p.argmax())
        print(f"{config['class_names'][c]} {p[c]:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
