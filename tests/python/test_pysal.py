"""Empirical Bayes smoothing and Getis-Ord Gi* cross-checked against PySAL (esda, libpysal).

The same counts and the same neighbour lists go to `sigap stats` and to esda:
- H3 cells: the demo's res-8 cells from the running server, neighbours from Uber's h3
  `grid_disk` (k = 1 and 2), which sigap must also find by itself from the cell ids;
- villages: sigap's adjacency of the demo villages, checked first with shapely
  `intersects` on the polygons of villages.geojson.
Global EB, spatial EB, Gi* z and p agree to 1e-6; the hot/cold decisions after the
Benjamini-Hochberg correction equal `esda.fdr` on the two-sided p-values.
"""
import json
import random

import h3
import numpy as np
import pytest
from esda.getisord import G_Local
from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
from esda.util import fdr
from libpysal.weights import W
from shapely.geometry import shape

from conftest import run

TOL = 1e-6
MIN_BASE = 5


def counts(n, seed, hot):
    """Deterministic stunted/measured counts: tiny and large areas, a cluster `hot`."""
    rng = random.Random(seed)
    bases, events = [], []
    for i in range(n):
        b = rng.choice([1, 2, 3, 4, 6, 10, 25, 60, 120])
        p = rng.uniform(0.45, 0.6) if i in hot else rng.uniform(0.05, 0.3)
        bases.append(b)
        events.append(sum(rng.random() < p for _ in range(b)))
    return events, bases


def sigap_stats(tmp_path, doc):
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(doc))
    return json.loads(run("stats", "--input", path).stdout)


def pysal(events, bases, neighbours):
    ids = list(range(len(bases)))
    w = W({i: list(neighbours[i]) for i in ids}, id_order=ids, silence_warnings=True)
    e = np.array(events, dtype=float)
    b = np.array(bases, dtype=float)
    global_eb = Empirical_Bayes(e, b).r.ravel()
    spatial_eb = Spatial_Empirical_Bayes(e, b, w).r.ravel()
    w = W({i: list(neighbours[i]) for i in ids}, id_order=ids, silence_warnings=True)
    g = G_Local(global_eb, w, transform="B", star=True, permutations=0)
    return global_eb, spatial_eb, g


def assert_agrees(events, bases, neighbours, got):
    global_eb, spatial_eb, g = pysal(events, bases, neighbours)
    np.testing.assert_allclose(got["global_eb"], global_eb, rtol=0, atol=TOL)
    np.testing.assert_allclose(got["spatial_eb"], spatial_eb, rtol=0, atol=TOL)
    np.testing.assert_allclose(got["gi_z"], g.Zs, rtol=0, atol=TOL)
    np.testing.assert_allclose(got["gi_p"], g.p_norm, rtol=0, atol=TOL)
    # FDR: sigap's class at each level equals p < esda.fdr(p, alpha), two-sided p.
    p2 = np.minimum(2 * g.p_norm, 1.0)
    labels = got["hotspot"]
    for level, alpha in (("99", 0.01), ("95", 0.05), ("90", 0.10)):
        threshold = fdr(p2, alpha)
        stronger = {"99": ["99"], "95": ["99", "95"], "90": ["99", "95", "90"]}[level]
        for i, (z, p) in enumerate(zip(g.Zs, p2)):
            want = bool(p < threshold) and z != 0 and bases[i] >= MIN_BASE
            called = labels[i] in {f"{k}_{c}" for k in ("hot", "cold") for c in stronger}
            assert called == want, (i, level, z, p, threshold, labels[i])
            if called:
                assert labels[i].startswith("hot" if z > 0 else "cold")
    # Too few children: never called hot or cold.
    assert all(labels[i] == "too_few" for i in range(len(bases)) if bases[i] < MIN_BASE)
    # The data must exercise the classes, or the test proves little.
    assert any(lab.startswith("hot") for lab in labels), labels
    return g


@pytest.fixture(scope="module")
def demo_cells(server):
    feats = server.json("/api/hexes?res=8")["features"]
    cells = sorted(f["properties"]["h3"] for f in feats)
    assert len(cells) > 50
    return cells


@pytest.mark.parametrize("k", [1, 2])
def test_h3_smoothing_and_gi_star_equal_pysal(tmp_path, demo_cells, k):
    cells = demo_cells
    index = {c: i for i, c in enumerate(cells)}
    neighbours = [sorted(index[d] for d in h3.grid_disk(c, k) if d in index and d != c) for c in cells]
    centre = cells[len(cells) // 2]
    hot = {index[d] for d in h3.grid_disk(centre, 2) if d in index}
    events, bases = counts(len(cells), seed=k, hot=hot)
    got = sigap_stats(tmp_path, {"events": events, "bases": bases, "cells": cells, "k": k})
    assert got["neighbours"] == neighbours
    assert_agrees(events, bases, neighbours, got)
    # Same answer when the neighbour lists are given instead of the cells.
    given = sigap_stats(tmp_path, {"events": events, "bases": bases, "neighbours": neighbours})
    assert given["gi_z"] == got["gi_z"] and given["hotspot"] == got["hotspot"]


def test_village_adjacency_and_statistics_equal_pysal(tmp_path, demo_dir, demo_db):
    adj = json.loads(run("stats", "--villages-of", demo_db).stdout)
    geo = json.loads((demo_dir / "villages.geojson").read_text())
    by_code = {}
    for f in geo["features"]:
        code = "".join(ch for ch in str(f["properties"].get("code", f["properties"].get("kode", ""))) if ch.isdigit())
        by_code[code] = shape(f["geometry"])
    codes = adj["codes"]
    assert sorted(codes) == sorted(by_code), "the store holds the demo villages"
    polys = [by_code[c] for c in codes]
    want = [sorted(j for j in range(len(polys)) if j != i and polys[i].intersects(polys[j])) for i in range(len(polys))]
    assert adj["neighbours"] == want
    assert sum(map(len, want)) > 2 * len(want), "villages do share borders"

    hot = {0, *want[0]}
    hot |= {j for i in hot for j in want[i]}
    events, bases = counts(len(codes), seed=42, hot=hot)
    got = sigap_stats(tmp_path, {"events": events, "bases": bases, "neighbours": want, "min_base": MIN_BASE})
    assert_agrees(events, bases, want, got)


def test_constant_field_has_no_hot_spot(tmp_path):
    chain = [[1], [0, 2], [1, 3], [2]]
    got = sigap_stats(tmp_path, {"events": [2, 2, 2, 2], "bases": [10, 10, 10, 10], "neighbours": chain})
    assert got["gi_z"] == [0, 0, 0, 0]
    assert got["hotspot"] == ["none"] * 4
    # Rates more alike than chance: the variance estimate is negative, so every rate is
    # the city rate (esda's global estimator divides by zero here and returns NaN).
    assert got["global_eb"] == pytest.approx([0.2] * 4, abs=1e-12)
    assert got["spatial_eb"] == pytest.approx([0.2] * 4, abs=1e-12)


def served_vs_pysal(areas, neighbours):
    """Served areas (properties dicts) against esda on their own counts."""
    events = [a["stunted"] for a in areas]
    bases = [a["children"] for a in areas]
    global_eb, spatial_eb, g = pysal(events, bases, neighbours)
    q = {}
    p2 = np.minimum(2 * g.p_norm, 1.0)
    for i, a in enumerate(areas):
        # Served values are rounded: 4 decimals for rates and z, 6 for p.
        if np.isnan(spatial_eb[i]):
            # No stunted child around: esda divides 0 by 0, sigap keeps the rate 0.
            assert events[i] + sum(events[j] for j in neighbours[i]) == 0
            assert a["prevalence_smoothed"] == 0
        else:
            assert a["prevalence_smoothed"] == pytest.approx(spatial_eb[i], abs=6e-5)
        assert a["gi_z"] == pytest.approx(g.Zs[i], abs=6e-5)
        assert a["gi_p"] == pytest.approx(g.p_norm[i], abs=2e-6)
        q[i] = a["hotspot"]
    for alpha, level in ((0.01, "99"), (0.05, "95"), (0.10, "90")):
        t = fdr(p2, alpha)
        for i, a in enumerate(areas):
            if bases[i] < MIN_BASE:
                assert q[i] == "too_few"
            elif p2[i] < t and g.Zs[i] != 0:
                assert q[i] != "none" and int(q[i].split("_")[1]) >= int(level), (i, q[i], level)


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_served_cells_and_villages_equal_pysal(server):
    feats = server.json("/api/hexes?res=8")["features"]
    cells = [f["properties"] for f in feats if f["properties"]["children"] > 0]
    assert all("gi_z" not in f["properties"] for f in feats if f["properties"]["children"] == 0)
    index = {c["h3"]: i for i, c in enumerate(cells)}
    neighbours = [sorted(index[d] for d in h3.grid_disk(c["h3"], 1) if d in index and d != c["h3"]) for c in cells]
    served_vs_pysal(cells, neighbours)

    villages = [v for v in server.json("/api/villages")["villages"] if v["children"] > 0]
    assert villages and all("hotspot" in v for v in villages)
