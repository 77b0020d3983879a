"""End to end: keluarga berisiko stunting (families at risk of stunting, BKKBN).

The rule is written here again from the README, not taken from sigap: a family is at
risk when it has at least one target group (catin, bumil, bufas, baduta, balita) and
at least one of: no safe drinking water; no decent latrine (no latrine, or one
without improved sanitation); unfit housing; a 4T pregnancy risk. Households are put
in villages by shapely point-in-polygon on the demo's villages.geojson (on a border,
the smallest code) and in H3 cells by h3-py (Uber's h3); the counts must equal
/api/villages, /api/hexes and the decoded village and hex tiles exactly.
"""
import csv
import json
import math
from collections import defaultdict

import h3
import mapbox_vector_tile
import pytest

from conftest import Server, locate_villages, run

GROUPS = ["catin", "bumil", "bufas", "baduta", "balita"]
CRITERIA = ["no_safe_water", "no_decent_latrine", "unfit_housing", "four_t"]


def yes(text):
    return text.strip().lower() in {"true", "ya", "y", "1", "yes"}


def at_risk(row):
    """(groups, criteria) of an at-risk family, or None."""
    groups = [g for g in GROUPS if yes(row.get(g, ""))]
    criteria = {
        "no_safe_water": not yes(row["safe_water"]),
        "no_decent_latrine": not yes(row["has_latrine"]) or not yes(row["improved_sanitation"]),
        "unfit_housing": yes(row.get("unfit_housing", "")),
        "four_t": yes(row.get("four_t", "")),
    }
    if groups and any(criteria.values()):
        return groups, [c for c in CRITERIA if criteria[c]]
    return None


def tally(rows, area_of):
    """{area: {total, each group, each criterion}} over at-risk families."""
    out = defaultdict(lambda: dict.fromkeys(["total", *GROUPS, *CRITERIA], 0))
    for r, a in zip(rows, area_of):
        risk = at_risk(r)
        if a is None or risk is None:
            continue
        groups, criteria = risk
        out[a]["total"] += 1
        for k in groups + criteria:
            out[a][k] += 1
    return dict(out)


@pytest.fixture(scope="module")
def households(demo_dir):
    with open(demo_dir / "households.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def by_village(demo_dir, households):
    where = locate_villages(demo_dir, households)
    return tally(households, where)


def nonzero(d):
    return {k: v for k, v in d.items() if v["total"]}


def test_demo_shares_are_plausible(households):
    n = len(households)
    share = {g: sum(yes(r[g]) for r in households) / n for g in GROUPS}
    assert 0.01 < share["catin"] < 0.04 and 0.02 < share["bumil"] < 0.07
    assert 0.07 < share["baduta"] < 0.13 and 0.15 < share["balita"] < 0.25
    risky = sum(at_risk(r) is not None for r in households)
    # Most families with a target group have no gap at all; some do.
    assert 0.03 * n < risky < 0.2 * n


def test_villages_api_counts_per_group_and_criterion(server, by_village):
    got = server.json("/api/villages")
    api = {v["code"]: v["families_at_risk"] for v in got["villages"]}
    for code, want in by_village.items():
        for k, n in want.items():
            assert api[code][k] == n, (code, k)
    assert nonzero({c: {k: f[k] for k in ["total", *GROUPS, *CRITERIA]} for c, f in api.items()}) == by_village
    totals = got["totals"]["families_at_risk"]
    for k in ["total", *GROUPS, *CRITERIA]:
        assert totals[k] == sum(v[k] for v in by_village.values()) + got["outside"]["families_at_risk"][k], k
    assert totals["unsurveyed"] == 0


def test_hexes_api_counts_per_cell(server, households):
    cells = [h3.latlng_to_cell(float(r["lat"]), float(r["lon"]), 8) for r in households]
    want = tally(households, cells)
    got = server.json("/api/hexes?res=8")
    api = {f["properties"]["h3"]: f["properties"]["families_at_risk"] for f in got["features"]}
    assert nonzero({c: {k: f[k] for k in ["total", *GROUPS, *CRITERIA]} for c, f in api.items()}) == want


def tiles(server, tileset, z):
    w, s, e, n = server.json(f"/tiles/{tileset}.json")["bounds"]

    def xy(lon, lat):
        return (int((lon + 180) / 360 * 2**z),
                int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z))
    (x0, y0), (x1, y1) = xy(w, n), xy(e, s)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            status, _, body = server.get(f"/tiles/{tileset}/{z}/{x}/{y}.mvt")
            if status == 200 and body:
                yield mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def test_village_tiles_carry_counts_per_group(server, by_village):
    seen = {}
    for tile in tiles(server, "villages", 11):
        for f in tile.get("villages", {}).get("features", []):
            p = f["properties"]
            seen[p["code"]] = {"total": p["families_at_risk"],
                               **{g: p[f"families_at_risk_{g}"] for g in GROUPS}}
    want = {c: {k: v[k] for k in ["total", *GROUPS]} for c, v in by_village.items()}
    assert nonzero(seen) == want


def test_hexagons_carry_one_count_in_the_api_and_none_in_tiles(server, households):
    """A cell's families at risk are in /api/hexes (its popup); hexagon tiles leave
    them out (the families view steps the hexagons aside)."""
    cells = [h3.latlng_to_cell(float(r["lat"]), float(r["lon"]), 8) for r in households]
    want = {c: v["total"] for c, v in tally(households, cells).items()}
    seen = {}
    for f in server.json("/api/hexes?res=8")["features"]:
        p = f["properties"]
        seen[p["h3"]] = p["families_at_risk"]["total"]
    assert {c: n for c, n in seen.items() if n} == want
    for tile in tiles(server, "hexes", 11):
        for f in tile.get("hexes", {}).get("features", []):
            assert not any(k.startswith("families_at_risk") for k in f["properties"])


HEADER = ["id", "lat", "lon", "has_latrine", "safe_water", "improved_sanitation"]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture()
def scratch(demo_dir, tmp_path):
    db, key = tmp_path / "f.gpkg", tmp_path / "f.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    return db, key


def test_bad_family_values_are_rejected_with_line_and_field(scratch, households, tmp_path):
    db, key = scratch
    header = list(households[0].keys())
    bad = tmp_path / "bad.csv"
    write(bad, header, [households[0], dict(households[1], bumil="maybe"),
                        dict(households[2], four_t="sering")])
    p = run("import", "--db", db, "--key", key, "households", bad, check=False)
    assert p.returncode != 0
    assert f"{bad}:3: field `bumil`: `maybe` is not a yes/no value" in p.stderr
    assert f"{bad}:4: field `four_t`: `sering` is not a yes/no value" in p.stderr
    listed = tmp_path / "sasaran.csv"
    rows = [{k: households[0][k] for k in HEADER} | {"sasaran": "bumil, lansia"}]
    write(listed, HEADER + ["sasaran"], rows)
    p = run("import", "--db", db, "--key", key, "households", listed, check=False)
    assert p.returncode != 0
    assert f"{listed}:2: field `sasaran`: `lansia` is not a target group" in p.stderr


def test_old_style_file_imports_and_is_never_at_risk(scratch, households, tmp_path):
    db, key = scratch
    old = tmp_path / "old.csv"
    rows = [{k: r[k] for k in HEADER} for r in households[:200]]
    write(old, HEADER, rows)
    out = run("import", "--db", db, "--key", key, "households", old).stdout
    assert "200 households lack a family field" in out


def test_sasaran_list_counts_like_yes_no_columns(scratch, households, tmp_path):
    """A `sasaran` column and Indonesian aliases (Ibu Hamil, RTLH) feed the same rule."""
    db, key = scratch
    picked = [r for r in households if at_risk(r)][:30] + [r for r in households if not at_risk(r)][:30]
    header = ["No KK", "lat", "lon", "Punya Jamban", "Air Minum Layak", "Sanitasi Layak",
              "RTLH", "4T", "Sasaran"]
    rows = [{"No KK": r["id"], "lat": r["lat"], "lon": r["lon"],
             "Punya Jamban": "ya" if yes(r["has_latrine"]) else "tidak",
             "Air Minum Layak": "ya" if yes(r["safe_water"]) else "tidak",
             "Sanitasi Layak": "ya" if yes(r["improved_sanitation"]) else "tidak",
             "RTLH": "ya" if yes(r["unfit_housing"]) else "tidak",
             "4T": "ya" if yes(r["four_t"]) else "tidak",
             "Sasaran": ", ".join(g for g in GROUPS if yes(r[g])) or "-"} for r in picked]
    path = tmp_path / "sasaran.csv"
    write(path, header, rows)
    out = run("import", "--db", db, "--key", key, "households", path).stdout
    assert "lack a family field" not in out
    s = Server("--db", db)
    try:
        totals = s.json("/api/villages")["totals"]["families_at_risk"]
    finally:
        s.stop()
    assert totals["total"] == sum(at_risk(r) is not None for r in picked) == 30
    for g in GROUPS:
        assert totals[g] == sum(g in at_risk(r)[0] for r in picked if at_risk(r)), g
