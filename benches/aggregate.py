"""Aggregation benchmark: 1,000,000 deterministic points counted per H3 cell at
resolution 8, by Uber's h3 from Python and by `sigap bench aggregate`, in the same
run on the same points. Both must produce the same counts (checked by checksum).

    .venv/bin/python benches/aggregate.py --bin target/release/sigap
"""
import argparse
import json
import os
import random
import subprocess
import tempfile
import time
from collections import Counter

import h3


def points(n, seed=2026):
    rng = random.Random(seed)
    # Spread like a province: Sulawesi Tenggara's bounding box.
    return [(rng.uniform(-5.9, -2.9), rng.uniform(120.8, 124.6)) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--res", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    pts = points(a.points)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "points.csv")
        with open(path, "w") as f:
            f.write("".join(f"{lat!r},{lon!r}\n" for lat, lon in pts))
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            counts = Counter(h3.latlng_to_cell(lat, lon, a.res) for lat, lon in pts)
            times.append(time.perf_counter() - t)
        py = sorted(times)[len(times) // 2]
        checksum = sum((int(c, 16) % 1_000_000_007) * n for c, n in counts.items()) % 2**64
        out = subprocess.run([a.bin, "bench", "aggregate", "--input", path, "--res", str(a.res)],
                             capture_output=True, text=True, check=True).stdout
        rs = json.loads(out.strip().splitlines()[-1])
    assert rs["checksum"] == checksum, "sigap and h3 disagree on the counts"
    assert rs["cells"] == len(counts)
    result = {
        "points": a.points, "res": a.res, "cells": len(counts),
        "h3_python_s": py, "h3_python_ns_per_point": py / a.points * 1e9,
        "sigap_s": rs["median_s"], "sigap_ns_per_point": rs["median_s"] / a.points * 1e9,
        "sigap_threads": rs["threads"],
        "sigap_1thread_ns_per_point": rs["median_s_1thread"] / a.points * 1e9,
        "speedup_vs_h3_python": py / rs["median_s"],
        "h3_version": h3.__version__,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
