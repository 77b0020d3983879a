"""The public side: what /public/api shows, checked against counts computed here from
the demo files (shapely villages, Uber's h3 cells), a leak scan of every public answer,
and a linear-programming attack (scipy) on the suppression."""
import csv
import json
import re

import h3
import numpy as np
import pytest
from scipy.optimize import linprog

from conftest import Server, assert_no_private_data, locate_villages

K = 10
RES = [5, 6, 7, 8]
CHILD_FIELDS = ["children", "stunted", "severe"]
HOUSE_FIELDS = ["households", "no_latrine", "no_safe_water", "no_sanitation"]


@pytest.fixture(scope="module")
def srv(demo_db):
    s = Server("--db", demo_db, token=None)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def truth(demo_dir):
    """Per record: its area keys and the fields it adds to, for the latest period."""
    kids = [c for c in csv.DictReader(open(demo_dir / "children.csv")) if abs(float(c["haz"])) <= 6]
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    recs = []
    for rows, kind in [(kids, "c"), (homes, "h")]:
        villages = locate_villages(demo_dir, rows)
        for r, v in zip(rows, villages):
            lat, lon = float(r["lat"]), float(r["lon"])
            keys = [("v", v or "outside")] + [(res, h3.latlng_to_cell(lat, lon, res)) for res in RES]
            if kind == "c":
                haz = float(r["haz"])
                f = {"children": 1, "stunted": int(haz < -2), "severe": int(haz < -3)}
            else:
                no = lambda k: int(r[k].strip().lower() in ("0", "false", "no", "tidak"))
                f = {"households": 1, "no_latrine": no("has_latrine"), "no_safe_water": no("safe_water"),
                     "no_sanitation": no("improved_sanitation")}
            recs.append((keys, f, kind))
    return recs, kids, homes


def true_counts(recs, field):
    out = {}
    for keys, f, _ in recs:
        for key in keys:
            out[key] = out.get(key, 0) + f.get(field, 0)
    return out


def published(srv):
    """Every public area: key -> properties."""
    areas = {}
    vs = json.loads(srv.get("/public/api/villages")[2])
    for f in vs["features"]:
        areas[("v", f["properties"]["code"])] = f["properties"]
    areas[("v", "outside")] = vs["outside"]
    for res in RES:
        for f in json.loads(srv.get(f"/public/api/hexes?res={res}")[2])["features"]:
            areas[(res, f["properties"]["h3"])] = f["properties"]
    return areas


def test_published_counts_are_true_and_small_ones_hidden(srv, truth):
    recs, _, _ = truth
    areas = published(srv)
    hidden = 0
    for field in CHILD_FIELDS + HOUSE_FIELDS:
        counts = true_counts(recs, field)
        for key, props in areas.items():
            true = counts.get(key, 0)
            if props[field] is None:
                hidden += 1
                assert props[f"{field}_text"] in (f"<{K}", "*"), (key, field, props)
                assert (true < K) == (props[f"{field}_text"] == f"<{K}"), (key, field, true)
            else:
                assert props[field] == true, (key, field, props[field], true)
                assert not 1 <= true < K, (key, field, true)
    assert hidden > 100  # the demo city has many small counts: the rule is exercised


def test_rates_only_where_both_counts_are_published_and_large(srv):
    for key, p in published(srv).items():
        if p["prevalence"] is not None:
            assert p["stunted"] is not None and p["children"] >= 30
            assert abs(p["prevalence"] - p["stunted"] / p["children"]) < 0.0006
        if p["no_latrine_share"] is not None:
            assert p["no_latrine"] is not None and p["households"] >= 30


def test_no_res_finer_than_8_and_no_cookie(srv):
    for res in [9, 10, 4]:
        status, _, body = srv.get(f"/public/api/hexes?res={res}")
        assert status == 400 and b"resolutions 5 to 8" in body
    for path in ["/public/api/summary", "/public/api/villages", "/embed", "/embed/snippet"]:
        status, headers, _ = srv.get(path)
        assert status == 200 and "set-cookie" not in headers, path
    _, headers, _ = srv.get("/embed")
    assert "frame-ancestors *" in headers["content-security-policy"]
    assert "x-frame-options" not in headers


def lp_range(A_eq, b_eq, lo, hi, target):
    """min and max of target·x subject to A_eq x = b_eq, lo <= x <= hi (None: free)."""
    n = len(target)
    out = []
    for sign in (1, -1):
        r = linprog(sign * target, A_eq=A_eq, b_eq=b_eq, bounds=list(zip(lo, hi)), method="highs")
        assert r.status == 0, r.message
        out.append(sign * r.fun)
    return out


def hidden_counts_determined(atoms, areas, field, cap=None):
    """The linear-programming attack. The attacker knows every published number, that
    "<k" means 0..k-1 and "*" means k or more, and which (village, cell at each
    resolution) combinations hold records: `atoms` maps each combination (a tuple of
    area keys) to its true count of `field`. Unknowns: the count of each combination.
    `cap(props)`, when given, is one more upper bound an area's published fields put on
    its hidden count (or None). Returns (the number of hidden counts 1..k-1 attacked,
    those whose minimum and maximum over the linear program are less than 1 apart)."""
    atom_list = list(atoms)
    index = {}
    for i, a in enumerate(atom_list):
        for key in a:
            index.setdefault(key, []).append(i)
    rows, b, hidden_small = [], [], []
    extra_rows, extra_lo, extra_hi = [], [], []
    for key, props in areas.items():
        members = index.get(key, [])
        if not members:
            continue
        row = np.zeros(len(atom_list))
        row[members] = 1
        if props[field] is not None:
            rows.append(row)
            b.append(props[field])
            continue
        if props[f"{field}_text"] == f"<{K}":
            lo, hi = 0, K - 1
            if sum(atoms[atom_list[i]] for i in members) > 0:
                hidden_small.append((key, row))
        else:
            lo, hi = K, None
        more = cap(props) if cap else None
        if more is not None:
            hi = more if hi is None else min(hi, more)
        extra_rows.append(row)
        extra_lo.append(lo)
        extra_hi.append(hi)
    # Hidden sums become slack variables s = row·x with their bounds.
    n, m = len(atom_list), len(extra_rows)
    A = np.zeros((len(rows) + m, n + m))
    A[: len(rows), :n] = np.array(rows) if rows else 0
    for j, row in enumerate(extra_rows):
        A[len(rows) + j, :n] = row
        A[len(rows) + j, n + j] = -1
    beq = np.array(b + [0] * m, dtype=float)
    lo = [0] * n + extra_lo
    hi = [None] * n + extra_hi
    determined = []
    for key, row in hidden_small:
        target = np.concatenate([row, np.zeros(m)])
        mn, mx = lp_range(A, beq, lo, hi, target)
        if mx - mn < 1 - 1e-6:
            determined.append((key, mn, mx))
    return len(hidden_small), determined


@pytest.mark.parametrize("field", ["children", "stunted", "severe", "no_latrine"])
def test_no_hidden_count_can_be_derived_from_the_published_ones(srv, truth, field):
    """For every hidden small count, the linear program's minimum and maximum of that
    area's sum must differ ([`hidden_counts_determined`])."""
    recs, _, _ = truth
    kind = "c" if field in CHILD_FIELDS else "h"
    atoms = {}
    for keys, f, k in recs:
        if k == kind:
            atoms.setdefault(tuple(keys), 0)
            atoms[tuple(keys)] += f[field]
    attacked, determined = hidden_counts_determined(atoms, published(srv), field)
    assert attacked, f"no hidden {field} count to attack"
    assert determined == [], (field, determined)


def test_leak_scan_of_every_public_answer(srv, truth, demo_dir):
    _, kids, homes = truth
    bodies = []
    periods = json.loads(srv.get("/public/api/summary")[2])["periods"]
    assert periods
    for path in ["/embed", "/embed/snippet", "/web/embed.js", "/web/snippet.js", "/web/embed.css",
                 "/public/api/summary", "/public/api/villages"] + [
            f"/public/api/{what}?period={p}" for p in periods for what in ("summary", "villages")]:
        status, _, body = srv.get(path)
        assert status == 200, path
        bodies.append((path, body.decode()))
    for res in RES:
        for period in [""] + [f"&period={p}" for p in periods]:
            path = f"/public/api/hexes?res={res}{period}"
            body = srv.get(path)[2].decode()
            data = json.loads(body)
            # Geometry must be exactly the H3 boundary of the published cell: then drop it.
            for f in data["features"]:
                ring = f["geometry"]["coordinates"][0][:-1]
                want = [[lng, lat] for lat, lng in h3.cell_to_boundary(f["properties"]["h3"])]
                assert np.allclose(ring, want, atol=1e-9), f["properties"]["h3"]
                f["geometry"] = None
            bodies.append((path, json.dumps(data)))
    # Village geometry must be the villages file's: then drop it.
    village_shapes = {str(f["properties"]["code"]).replace(".", ""): f["geometry"]
                      for f in json.loads((demo_dir / "villages.geojson").read_text())["features"]}
    for i, (path, body) in enumerate(bodies):
        if path.startswith("/public/api/villages"):
            data = json.loads(body)
            for f in data["features"]:
                assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
                f["geometry"] = None
            bodies[i] = (path, json.dumps(data))
    assert_no_private_data("\n".join(b for _, b in bodies), kids, homes, K)


def tiles_covering(bounds, z):
    import math
    w, s, e, n = bounds
    def xy(lon, lat):
        k = 2 ** z
        return int((lon + 180) / 360 * k), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
    x0, y0 = xy(w, n)
    x1, y1 = xy(e, s)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


@pytest.mark.parametrize("z", [10, 12, 14, 16])
def test_public_tiles_carry_exactly_the_public_figures(srv, truth, z):
    import mapbox_vector_tile
    _, kids, _ = truth
    summary = json.loads(srv.get("/public/api/summary")[2])
    api = {f["properties"]["code"]: f["properties"] for f in json.loads(srv.get("/public/api/villages")[2])["features"]}
    res = {10: 7, 12: 8, 14: 8, 16: 8}[z]
    hexes = {f["properties"]["h3"]: f["properties"] for f in json.loads(srv.get(f"/public/api/hexes?res={res}")[2])["features"]}
    coords = {f"{float(c['lat']):.4f}" for c in kids} | {f"{float(c['lon']):.4f}" for c in kids}
    ids = {c["id"] for c in kids} | {c["birth_date"] for c in kids}
    tiles = tiles_covering(summary["bounds"], z)
    if z == 16:
        tiles = tiles[:: max(1, len(tiles) // 40)]  # a sample of the many z16 tiles
    seen = 0
    for x, y in tiles:
        for layer, want in [("villages", api), ("hexes", hexes)]:
            status, headers, body = srv.get(f"/public/tiles/{layer}/{z}/{x}/{y}.mvt")
            assert status in (200, 204) and "set-cookie" not in headers
            if status == 204:
                continue
            decoded = mapbox_vector_tile.decode(body)
            for f in decoded[layer]["features"]:
                p = f["properties"]
                key = p.get("code") or p.get("h3")
                assert key in want, key
                for name, value in p.items():
                    if name in ("code", "h3", "name"):
                        continue
                    expected = want[key][name]
                    assert value == pytest.approx(expected), (layer, key, name, value, expected)
                    assert str(value) not in ids and str(value) not in coords
                    if isinstance(value, int) and name in CHILD_FIELDS + HOUSE_FIELDS:
                        assert not 1 <= value < K
                # Hidden counts are absent, their text is there.
                for name in CHILD_FIELDS + HOUSE_FIELDS:
                    assert (name in p) == (want[key][name] is not None)
                seen += 1
    assert seen > 0
    assert srv.get("/public/tiles/children/12/1/1.mvt")[0] == 404


def test_public_requests_are_limited_per_address(demo_db, tmp_path):
    cfg = tmp_path / "sigap.toml"
    cfg.write_text('[public]\nrate_per_minute = 5\nframe_ancestors = ["https://kendarikota.go.id"]\n')
    s = Server("--db", demo_db, "--config", cfg, token=None)
    try:
        statuses = [s.get("/public/api/summary")[0] for _ in range(5)]
        assert statuses == [200] * 5
        status, headers, body = s.get("/public/tiles/villages/12/3430/2058.mvt")
        assert status == 429 and int(headers["retry-after"]) >= 1, (status, body)
        # Staff routes are not counted against the public limit.
        assert s.get("/health")[0] == 200
        _, headers, _ = s.get("/embed")
        assert headers["content-security-policy"].endswith("frame-ancestors https://kendarikota.go.id")
    finally:
        s.stop()
