"""Village import benchmark: one village of 100,000 or 1,000,000 vertices.

A finely digitised boundary (a coastline, a river bank) can hold a million vertices.
Each file holds three villages: a star-shaped one around Kendari, about 11 km across,
with `--vertices` vertices (valid by construction: its radius wobbles slowly and by at
most half a vertex spacing, so every ray from the centre crosses it once), a 2 km
square overlapping its eastern edge (the overlaps survey reports it) and a small
square far away. The "twisted" case swaps two neighbouring vertices where that makes
the ring cross itself, so the import repairs the village (even-odd rebuild, union).

Each import runs under GNU time (`/usr/bin/time -v`) for wall time and peak resident
memory, into a fresh store. Prints one JSON line per case.

    .venv/bin/python benches/big_village.py --bin target/release/sigap
"""
import argparse
import json
import math
import os
import random
import re
import signal
import subprocess
import tempfile


def orient(p, q, r):
    return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])


def star(n, twisted, seed=2026):
    """The big village's ring, closed, in WGS84 degrees."""
    rng = random.Random(seed)
    spacing = 0.05 * 2 * math.pi / n
    pts = []
    for k in range(n):
        a = 2 * math.pi * k / n
        r = 0.05 * (1 + 0.2 * math.sin(5 * a)) - 0.5 * spacing * rng.random()
        pts.append([122.5 + r * math.cos(a), -4.0 + r * math.sin(a)])
    if twisted:
        for k in range(1000, n - 3):
            a, b, c, d = pts[k - 1], pts[k + 1], pts[k], pts[k + 2]
            if orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0:
                pts[k], pts[k + 1] = pts[k + 1], pts[k]
                break
    return pts + [pts[0]]


def villages(path, n, twisted):
    square = lambda x, y, s: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]
    feature = lambda code, name, rings: {
        "type": "Feature", "properties": {"code": code, "name": name, "district": "Bench"},
        "geometry": {"type": "Polygon", "coordinates": rings}}
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [
            feature("7471011001", "Besar", [star(n, twisted)]),
            feature("7471011002", "Timur", square(122.545, -4.01, 0.02)),
            feature("7471011003", "Jauh", square(122.7, -4.0, 0.01)),
        ]}, f)


def timed(args, timeout):
    """Runs `args` under GNU time; returns (seconds, peak RSS in MiB), or None on timeout."""
    # Its own process group, so that a timeout stops sigap too, not only GNU time.
    p = subprocess.Popen(["/usr/bin/time", "-v", *map(str, args)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True,
                         env={**os.environ, "SIGAP_LOG": "warn"})
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    if p.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({p.returncode}):\n{out}\n{err[-3000:]}")
    h, m, s = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)",
                        err).groups()
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    return int(h or 0) * 3600 + int(m) * 60 + float(s), rss_kib / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--vertices", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--timeout", type=float, default=600, help="seconds per import")
    a = ap.parse_args()
    sigap = os.path.abspath(a.bin)
    with tempfile.TemporaryDirectory() as d:
        for n in a.vertices:
            for twisted in (False, True):
                path = os.path.join(d, f"villages-{n}-{twisted}.geojson")
                villages(path, n, twisted)
                store = os.path.join(d, f"store-{n}-{twisted}.gpkg")
                got = timed([sigap, "import", "--db", store, "villages", path], a.timeout)
                print(json.dumps({"bench": "big_village_import", "vertices": n,
                                  "case": "twisted, repaired" if twisted else "valid",
                                  "seconds": round(got[0], 2) if got else f"> {a.timeout:g}",
                                  "peak_rss_mib": round(got[1], 1) if got else None}), flush=True)


if __name__ == "__main__":
    main()
