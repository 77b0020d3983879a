"""Recompute benchmark: every aggregate, smoothing and hot spot for 10 rounds of
1,000,000 synthetic children over the demo city (H3 resolutions 5-10), and PySAL doing
the same Gi* on the same cells in the same run.

`sigap bench recompute --out DIR` generates each round (deterministic, seed 2026),
times `Analysis::compute` on it, times its spatial part again per resolution (k = 1
neighbour lists from the cell ids; global and spatial Empirical Bayes + Gi* + FDR;
Gi* alone) and writes, per round and resolution, the cells with children, their
stunted and measured counts, the neighbour lists exactly as Gi* used them, the
globally smoothed rates Gi* ran on, and sigap's Gi* z. This script then builds a
libpysal `W` from those lists and runs `esda.G_Local(y, w, transform="B", star=True,
permutations=0)` on the same values (as tests/python/test_pysal.py does), timing both,
and checks that esda's z equal sigap's (|difference| < 1e-6). A second sigap run with
RAYON_NUM_THREADS=1 gives the one-core figures.

    .venv/bin/python benches/recompute.py --bin target/release/sigap

Prints one JSON line per round and a Markdown table for BENCHMARKS.md.
"""
import argparse
import glob
import json
import os
import gc
import subprocess
import tempfile
import time
import warnings

import esda
import h3
import libpysal
import numpy as np
from esda.getisord import G_Local
from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
from esda.util import fdr
from libpysal.weights import W

TOL = 1e-6


def sigap(binary, periods, children, out=None, threads=None):
    cmd = [binary, "bench", "recompute", "--periods", str(periods), "--children", str(children)]
    if out:
        cmd += ["--out", out]
    env = dict(os.environ, SIGAP_LOG="warn")
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    run = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    lines = [json.loads(x) for x in run.stdout.splitlines() if x.startswith("{")]
    rounds = [x for x in lines if x["bench"] == "recompute"]
    total = next(x for x in lines if x["bench"] == "recompute_total")
    return rounds, total


class Timer:
    """Wall seconds of a block, with Python's garbage collector off (as `timeit`
    does), so a collection of the loaded JSON is not charged to PySAL."""

    def __enter__(self):
        gc.collect()
        gc.disable()
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.s = time.perf_counter() - self.t
        gc.enable()


def pysal_gi(doc):
    """Seconds to build W and to run G_Local, and the z values."""
    d = doc["data"]
    ids = list(range(len(d["cells"])))
    with Timer() as tw:
        w = W({i: d["neighbours"][i] for i in ids}, id_order=ids, silence_warnings=True)
    y = np.array(d["y"], dtype=float)
    with Timer() as tg:
        g = G_Local(y, w, transform="B", star=True, permutations=0)
    return tw.s, tg.s, np.asarray(g.Zs, dtype=float)


def h3_lists(doc):
    """Seconds for Uber's h3 to find the same k = 1 lists from the cell ids (the way
    tests/python/test_pysal.py does), checked equal to sigap's."""
    cells = doc["data"]["cells"]
    with Timer() as t:
        index = {c: i for i, c in enumerate(cells)}
        lists = [sorted(index[d] for d in h3.grid_disk(c, 1) if d in index and d != c)
                 for c in cells]
    assert lists == doc["data"]["neighbours"], "h3 and sigap find different neighbours"
    return t.s


def pysal_chain(doc):
    """Seconds for what sigap's smoothing + Gi* + FDR step does, in PySAL: W from the
    lists, global and spatial Empirical Bayes, G_Local on the global rates, and
    esda.fdr at the three levels; and esda's global rates."""
    d = doc["data"]
    ids = list(range(len(d["cells"])))
    e = np.array(d["events"], dtype=float)
    b = np.array(d["bases"], dtype=float)
    with Timer() as t:
        w = W({i: d["neighbours"][i] for i in ids}, id_order=ids, silence_warnings=True)
        global_eb = Empirical_Bayes(e, b).r.ravel()
        Spatial_Empirical_Bayes(e, b, w)
        g = G_Local(global_eb, w, transform="B", star=True, permutations=0)
        p2 = np.minimum(2 * g.p_norm, 1.0)
        for alpha in (0.01, 0.05, 0.10):
            fdr(p2, alpha)
    return t.s, global_eb


def between_variance_negative(doc):
    """Whether the method-of-moments variance of the true rates between areas
    (Marshall 1991, what both Empirical Bayes estimators use) is negative: rates more
    alike than chance. sigap then gives every area the city rate (a constant field,
    whose Gi* is 0); esda's weights leave [0, 1] and its rates are not rates."""
    e = np.array(doc["data"]["events"], dtype=float)
    b = np.array(doc["data"]["bases"], dtype=float)
    r = e.sum() / b.sum()
    s2 = (b * (e / b - r) ** 2).sum() / b.sum()
    return s2 - r / b.mean() < 0


def compare_rates(doc, global_eb):
    """Largest |esda - sigap| global Empirical Bayes rate."""
    mine = np.array(doc["data"]["y"], dtype=float)
    return float(np.max(np.abs(mine - global_eb)))


def compare(doc, z):
    """Largest |esda z - sigap z| where esda's z is a number; how many z esda left
    undefined (NaN or infinite: no variance, in a neighbourhood holding every cell or
    a constant field); and the largest |sigap z| there (0 by sigap's definition, up
    to rounding in its variance)."""
    mine = np.array(doc["data"]["gi_z"], dtype=float)
    bad = ~np.isfinite(z)
    diff = float(np.max(np.abs(mine[~bad] - z[~bad]))) if np.any(~bad) else 0.0
    undefined = float(np.max(np.abs(mine[bad]))) if np.any(bad) else 0.0
    return diff, int(bad.sum()), undefined


def main():
    # esda warns (and returns NaN) where a z has no variance; compare() accounts for it.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="esda")
    warnings.filterwarnings("ignore", message="The weights matrix is not fully connected")
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--pysal-periods", type=int, default=None,
                    help="run PySAL on the first N rounds only (default: all)")
    ap.add_argument("--no-one-thread", action="store_true", help="skip the one-core run")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sigap-recompute-") as out:
        t = time.perf_counter()
        rounds, total = sigap(a.bin, a.periods, a.children, out=out)
        wall = time.perf_counter() - t
        labels = [r["period"] for r in rounds]
        pysal_labels = labels[: a.pysal_periods] if a.pysal_periods else labels
        # Warm-up: first calls import and compile what esda needs.
        warm = json.load(open(sorted(glob.glob(os.path.join(out, "*.json")))[0]))
        pysal_gi(warm)
        worst, worst_rate, nans, rows, alike, undefined = 0.0, 0.0, 0, [], 0, 0.0
        for r in rounds:
            if r["period"] not in pysal_labels:
                continue
            w_s = gi_s = chain_s = h3_s = 0.0
            for res in range(5, 11):
                doc = json.load(open(os.path.join(out, f"{r['period']}-res{res}.json")))
                dw, dg, z = pysal_gi(doc)
                dc, global_eb = pysal_chain(doc)
                h3_s += h3_lists(doc)
                w_s, gi_s, chain_s = w_s + dw, gi_s + dg, chain_s + dc
                diff, n, und = compare(doc, z)
                worst, nans, undefined = max(worst, diff), nans + n, max(undefined, und)
                if between_variance_negative(doc):
                    alike += 1
                else:
                    worst_rate = max(worst_rate, compare_rates(doc, global_eb))
            res_t = r["resolutions"]
            row = {
                "period": r["period"],
                "children": r["children"],
                "stunted": r["stunted"],
                "tested_cells": sum(x["tested"] for x in res_t),
                "hot_cells": sum(x["hot"] for x in res_t),
                "sigap_compute_s": r["compute_s"],
                "sigap_villages_s": r["villages_s"],
                "sigap_cells_s": r["cells_s"],
                "sigap_neighbours_s": sum(x["neighbours_s"] for x in res_t),
                "sigap_smoothing_gi_fdr_s": sum(x["smoothing_gi_s"] for x in res_t),
                "sigap_gi_star_s": sum(x["gi_star_s"] for x in res_t),
                "pysal_w_s": w_s,
                "pysal_gi_star_s": gi_s,
                "pysal_w_eb_gi_fdr_s": chain_s,
                "h3_py_lists_s": h3_s,
            }
            rows.append(row)
            print(json.dumps(row))

    one, one_rounds = None, []
    if not a.no_one_thread:
        one_rounds, one = sigap(a.bin, a.periods, a.children, threads=1)
    split = lambda rs: {k: sum(r[k] for r in rs) for k in ("villages_s", "cells_s", "spatial_s")}

    summary = {
        "bench": "recompute_vs_pysal",
        "periods": a.periods,
        "children_per_period": a.children,
        "pysal_periods": len(rows),
        "sigap_threads": total["threads"],
        "sigap_compute_s": total["compute_s"],
        "sigap_spatial_s": total["spatial_s"],
        "sigap_compute_s_per_round_min_max": [min(r["compute_s"] for r in rounds),
                                              max(r["compute_s"] for r in rounds)],
        "sigap_split_s": split(rounds),
        "sigap_compute_s_1thread": one and one["compute_s"],
        "sigap_split_s_1thread": one and split(one_rounds),
        "sigap_peak_rss_mib_1thread": one and one["peak_rss_mib"],
        "sigap_peak_rss_mib": total["peak_rss_mib"],
        "sigap_wall_s_with_export": wall,
        "max_abs_z_difference": worst,
        "max_abs_global_eb_difference": worst_rate,
        "esda_undefined_z": nans,
        "sigap_max_abs_z_where_esda_undefined": undefined,
        "sets_with_rates_more_alike_than_chance": alike,
        "tested_cells": sum(r["tested_cells"] for r in rows),
        "z_agree": worst < TOL,
        "esda": esda.__version__,
        "h3": h3.__version__,
        "libpysal": libpysal.__version__,
        "numpy": np.__version__,
    }
    print(json.dumps(summary))
    s = lambda k: sum(r[k] for r in rows)
    print()
    print(f"Seconds summed over {len(rows)} rounds x resolutions 5-10 "
          f"({summary['tested_cells']:,} cells tested):")
    print("| step | sigap | PySAL |")
    print("|---|---|---|")
    print(f"| Gi* on given values and lists | {s('sigap_gi_star_s'):.4f} | {s('pysal_gi_star_s'):.3f} |")
    print(f"| neighbour lists from H3 ids (PySAL column: Uber's h3 grid_disk) "
          f"| {s('sigap_neighbours_s'):.3f} | {s('h3_py_lists_s'):.3f} |")
    print(f"| W from the lists | | {s('pysal_w_s'):.3f} |")
    print(f"| W/lists + global and spatial EB + Gi* + FDR "
          f"| {s('sigap_neighbours_s') + s('sigap_smoothing_gi_fdr_s'):.3f} | {s('pysal_w_eb_gi_fdr_s'):.3f} |")
    print(f"\nmax |z sigap - z esda| = {worst:.2e} ({'OK' if worst < TOL else 'FAIL'} < {TOL}); "
          f"max |global EB difference| = {worst_rate:.2e} (sets with rates more alike than "
          f"chance, not compared: {alike}); z undefined in esda: {nans}, where sigap's "
          f"|z| <= {undefined:.1e}")
    if worst >= TOL or worst_rate >= TOL:
        raise SystemExit("sigap and esda disagree")


if __name__ == "__main__":
    main()
