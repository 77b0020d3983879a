"""End to end: two measurement periods (the demo's February and August 2026 rounds).

Every figure is recomputed here from the demo's children files: villages by shapely
point-in-polygon on the demo's villages.geojson, H3 cells by h3-py (Uber's h3), the
comparison (followed, newly stunted, recovered, prevalence change) by joining the two
files on the child's id. The store is read with Python's sqlite3, not with sigap.
"""
import csv
import json
import sqlite3
from collections import Counter, defaultdict

import h3
import mapbox_vector_tile
import pytest

from conftest import Server, locate_villages, run

FEB, AUG = "2026-02", "2026-08"
FEB_FILE = "children-2026-02.csv"


def read_children(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def stunted(row):
    return float(row["haz"]) < -2


def per_area(rows, area_of):
    """{area: [children, stunted]}."""
    out = defaultdict(lambda: [0, 0])
    for r, a in zip(rows, area_of):
        if a is not None:
            out[a][0] += 1
            out[a][1] += stunted(r)
    return out


def expected_change(feb, aug, feb_area, aug_area):
    """Per area: base counts by February position; followed, newly stunted and
    recovered by August position."""
    base = per_area(feb, feb_area)
    then = {r["id"]: stunted(r) for r in feb}
    out = defaultdict(lambda: {"followed": 0, "newly_stunted": 0, "recovered": 0})
    for r, a in zip(aug, aug_area):
        if a is None or r["id"] not in then:
            continue
        was, now = then[r["id"]], stunted(r)
        out[a]["followed"] += 1
        out[a]["newly_stunted"] += (not was) and now
        out[a]["recovered"] += was and not now
    return base, out


def check_change(change, now_children, now_stunted, base, moved):
    bc, bs = base
    assert change["base"] == FEB
    assert (change["base_children"], change["base_stunted"]) == (bc, bs)
    for k in ("followed", "newly_stunted", "recovered"):
        assert change[k] == moved[k], k
    if bc and now_children:
        want = 100 * (now_stunted / now_children - bs / bc)
        assert change["prevalence_change_pp"] == pytest.approx(want, abs=1e-9)
        assert change["base_prevalence"] == pytest.approx(bs / bc, abs=1e-12)
    else:
        assert change["prevalence_change_pp"] is None


@pytest.fixture(scope="module")
def rounds(demo_dir):
    feb = read_children(demo_dir / FEB_FILE)
    aug = read_children(demo_dir / "children.csv")
    return feb, aug


@pytest.fixture(scope="module")
def two_rounds(demo_dir, tmp_path_factory):
    """A store with both rounds, August imported after February; and its import output."""
    d = tmp_path_factory.mktemp("periods")
    db, key = d / "city.gpkg", d / "city.key"
    for kind, name in [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
                       ("households", "households.csv")]:
        run("import", "--db", db, "--key", key, kind, demo_dir / name)
    out_feb = run("import", "--db", db, "--key", key, "children", demo_dir / FEB_FILE).stdout
    out_aug = run("import", "--db", db, "--key", key, "children", demo_dir / "children.csv").stdout
    return db, key, out_feb, out_aug


@pytest.fixture(scope="module")
def server2(two_rounds):
    s = Server("--db", two_rounds[0])
    yield s
    s.stop()


def test_import_summary_names_the_periods_and_keeps_the_first_round(two_rounds, rounds):
    db, _, out_feb, out_aug = two_rounds
    feb, aug = rounds
    assert f"children per period: {FEB}: {len(feb)}" in out_feb
    assert f"children per period: {AUG}: {len(aug)}" in out_aug
    with sqlite3.connect(db) as c:
        got = dict(c.execute("SELECT period, count(*) FROM children GROUP BY period"))
    assert got == {FEB: len(feb), AUG: len(aug)}


def test_periods_endpoint_and_health(server2, rounds):
    feb, aug = rounds
    p = server2.json("/api/periods")
    assert p["default"] == AUG
    got = {x["period"]: (x["children"], x["stunted"], x["severe"]) for x in p["periods"]}
    severe = lambda rows: sum(float(r["haz"]) < -3 for r in rows)
    assert got == {
        FEB: (len(feb), sum(map(stunted, feb)), severe(feb)),
        AUG: (len(aug), sum(map(stunted, aug)), severe(aug)),
    }
    assert (len(aug), sum(map(stunted, aug)), severe(aug)) == (25_084, 462, 95)
    h = server2.json("/health")
    assert h["children"] == 25_084 and h["periods"] == [FEB, AUG] and h["period"] == AUG


def test_villages_per_period_and_compared(server2, rounds, demo_dir):
    feb, aug = rounds
    feb_v, aug_v = locate_villages(demo_dir, feb), locate_villages(demo_dir, aug)
    for period, rows, where in [(FEB, feb, feb_v), (AUG, aug, aug_v)]:
        want = per_area(rows, where)
        got = server2.json(f"/api/villages?period={period}")
        assert got["period"] == period
        assert {v["code"]: [v["children"], v["stunted"]] for v in got["villages"] if v["children"]} == want
    base, moved = expected_change(feb, aug, feb_v, aug_v)
    got = server2.json(f"/api/villages?compare={FEB}")
    assert got["period"] == AUG and got["compare"] == FEB
    totals = Counter()
    for v in got["villages"]:
        c = v["change"]
        check_change(c, v["children"], v["stunted"], base.get(v["code"], [0, 0]), moved[v["code"]])
        totals.update({k: c[k] for k in ("followed", "newly_stunted", "recovered")})
    # The demo's story: most children followed, some recovered, a few newly stunted.
    assert 0 < totals["newly_stunted"] < totals["recovered"] < totals["followed"]
    assert totals["followed"] == len({r["id"] for r in feb} & {r["id"] for r in aug})


def test_hexes_per_period_and_compared(server2, rounds):
    feb, aug = rounds
    cell = lambda rows: [h3.latlng_to_cell(float(r["lat"]), float(r["lon"]), 8) for r in rows]
    feb_c, aug_c = cell(feb), cell(aug)
    base, moved = expected_change(feb, aug, feb_c, aug_c)
    got = server2.json(f"/api/hexes?res=8&compare={FEB}")
    seen = set()
    for f in got["features"]:
        p = f["properties"]
        seen.add(p["h3"])
        check_change(p["change"], p["children"], p["stunted"], base.get(p["h3"], [0, 0]), moved[p["h3"]])
    assert set(aug_c) <= seen
    feb_only = server2.json(f"/api/hexes?res=8&period={FEB}")
    want = per_area(feb, feb_c)
    assert {f["properties"]["h3"]: [f["properties"]["children"], f["properties"]["stunted"]]
            for f in feb_only["features"] if f["properties"]["children"]} == want


def test_unknown_or_malformed_period_is_400_listing_the_available(server2):
    for path in ["/api/villages?period=2025-08", "/api/hexes?compare=2025-02",
                 "/api/villages?period=Agustus", "/tiles/villages/12/3461/2066.mvt?period=2024-01"]:
        status, _, body = server2.get(path)
        assert status == 400, path
        assert f"{FEB}, {AUG}" in json.loads(body)["error"], path


def test_village_tiles_carry_the_period_asked_for(server2, rounds, demo_dir):
    feb, _ = rounds
    want = per_area(feb, locate_villages(demo_dir, feb))
    z, seen = 11, {}
    w, s, e, n = server2.json("/tiles/villages.json")["bounds"]
    import math

    def xy(lon, lat):
        return (int((lon + 180) / 360 * 2**z),
                int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z))
    (x0, y0), (x1, y1) = xy(w, n), xy(e, s)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            status, _, body = server2.get(f"/tiles/villages/{z}/{x}/{y}.mvt?period={FEB}")
            if status != 200:
                continue
            tile = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
            for f in tile["villages"]["features"]:
                p = f["properties"]
                seen[p["code"]] = [p["children"], p["stunted"]]
    assert {k: v for k, v in seen.items() if v[0]} == want


def write_rows(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def test_duplicates_are_per_period(two_rounds, demo_dir, rounds, tmp_path):
    db, key, _, _ = two_rounds
    feb, _ = rounds
    header = list(feb[0].keys())
    # Twice in one period in one file: line 4 repeats line 2.
    dup = tmp_path / "dup.csv"
    write_rows(dup, header, [feb[0], feb[1], feb[0]])
    scratch = tmp_path / "scratch.gpkg"
    run("import", "--db", scratch, "--key", key, "villages", demo_dir / "villages.geojson")
    p = run("import", "--db", scratch, "--key", key, "children", dup, check=False)
    assert p.returncode != 0
    assert f"{dup}:4: field `id`: duplicate id in period {FEB}: already used on line 2" in p.stderr
    # The same child in another period of the same file is fine.
    other = dict(feb[0], period="2026-01")
    ok = tmp_path / "ok.csv"
    write_rows(ok, header, [feb[0], other])
    out = run("import", "--db", scratch, "--key", key, "children", ok).stdout
    assert "children per period: 2026-01: 1, 2026-02: 1" in out
    # Already stored for that period (the two-round store holds every February child).
    again = tmp_path / "again.csv"
    write_rows(again, header, [feb[5]])
    p = run("import", "--db", db, "--key", key, "children", again, check=False)
    assert p.returncode != 0
    assert f"{again}:2: field `id`: this child is already in the store for period {FEB}" in p.stderr


def test_bad_period_value_is_a_row_reject(demo_dir, rounds, tmp_path):
    feb, _ = rounds
    bad = tmp_path / "bad.csv"
    write_rows(bad, list(feb[0].keys()), [feb[0], dict(feb[1], period="Feb 2026")])
    db, key = tmp_path / "b.gpkg", tmp_path / "b.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    p = run("import", "--db", db, "--key", key, "children", bad, check=False)
    assert p.returncode != 0
    assert f"{bad}:3: field `period`: `Feb 2026` is not a period" in p.stderr


def test_period_flag_overrides_the_measurement_month(demo_dir, rounds, tmp_path):
    feb, _ = rounds
    header = [h for h in feb[0] if h != "period"]
    no_column = tmp_path / "feb-no-period.csv"
    write_rows(no_column, header, [{k: r[k] for k in header} for r in feb])
    march = sum(r["measure_date"].startswith("2026-03") for r in feb)
    assert march > 0, "the demo's late kelurahan weigh in early March"
    db, key = tmp_path / "f.gpkg", tmp_path / "f.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    check = run("import", "--db", db, "--key", key, "--check", "children", no_column).stdout
    assert f"children per period: {FEB}: {len(feb) - march}, 2026-03: {march}" in check
    out = run("import", "--db", db, "--key", key, "--period", FEB, "children", no_column).stdout
    assert f"children per period: {FEB}: {len(feb)}" in out
    p = run("import", "--db", db, "--key", key, "--period", "2026-13", "children", no_column, check=False)
    assert p.returncode != 0 and "YYYY-MM" in p.stderr


def test_replace_replaces_only_the_periods_of_the_file(demo_dir, rounds, tmp_path):
    feb, aug = rounds
    db, key = tmp_path / "r.gpkg", tmp_path / "r.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    run("import", "--db", db, "--key", key, "children", demo_dir / FEB_FILE)
    run("import", "--db", db, "--key", key, "children", demo_dir / "children.csv")
    small = tmp_path / "aug-small.csv"
    write_rows(small, list(aug[0].keys()), aug[:100])
    run("import", "--db", db, "--key", key, "--replace", "children", small)
    with sqlite3.connect(db) as c:
        got = dict(c.execute("SELECT period, count(*) FROM children GROUP BY period"))
    assert got == {FEB: len(feb), AUG: 100}


def test_village_profile_is_its_row_standing_and_change(server2, rounds, demo_dir):
    """GET /api/villages/{code}/profile (the printable profile's one answer): the
    village's row of /api/villages, its rank in that order, a priority's reason and
    stability as /api/targets lists them, its change since February recomputed from the
    children files, and its bounds from the villages file (shapely)."""
    from shapely.geometry import shape

    feb, aug = rounds
    base, moved = expected_change(feb, aug, locate_villages(demo_dir, feb), locate_villages(demo_dir, aug))
    features = json.loads((demo_dir / "villages.geojson").read_text())["features"]
    bounds = {str(f["properties"]["code"]).replace(".", ""): shape(f["geometry"]).bounds for f in features}
    villages = server2.json("/api/villages")["villages"]
    body = server2.json("/api/targets?top=10")
    targets = {t["code"]: t for t in body["targets"]}
    entrants = {e["code"]: e["top_share"] for e in body["entrants"]}
    every = {t["code"]: t for t in server2.json(f"/api/targets?top={len(villages)}")["targets"]}
    outside = 0
    for pos, v in enumerate(villages):
        p = server2.json(f"/api/villages/{v['code']}/profile")
        assert (p["period"], p["previous"]) == (AUG, FEB)
        assert p["configured_weights"] is True
        assert p["measured_until"].startswith(AUG)
        row = dict(p["village"])
        assert row.pop("bounds") == pytest.approx(bounds[v["code"]], abs=1e-7)
        assert row == v
        s = p["standing"]
        assert (s["rank"], s["of"], s["top"]) == (pos + 1, len(villages), 10)
        assert s["priority"] == (v["code"] in targets)
        if s["priority"]:
            t = targets[v["code"]]
            assert s["reason"] == t["reason"]
            assert (s["min_rank"], s["max_rank"]) == (t["stability"]["min_rank"], t["stability"]["max_rank"])
            assert s["top_share"] == pytest.approx(t["stability"]["top_share"])
        else:
            outside += 1
            assert s["min_rank"] is None
            assert s["top_share"] == pytest.approx(entrants.get(v["code"], 0.0))
            # The reason a priority would get: /api/targets asked for every village
            # (each reason is checked against the API's numbers in test_targets.py).
            assert s["reason"] == every[v["code"]]["reason"]
        check_change(p["change"], v["children"], v["stunted"], base.get(v["code"], [0, 0]), moved[v["code"]])
    assert outside > 0
    # The first round has none before it.
    first = server2.json(f"/api/villages/{villages[0]['code']}/profile?period={FEB}")
    assert (first["period"], first["previous"], first["change"]) == (FEB, None, None)
    # What-if weights: the rank under them, as /api/targets ranks.
    want = server2.json("/api/targets?top=10&w.no_latrine=1")["targets"]
    p = server2.json(f"/api/villages/{want[2]['code']}/profile?w.no_latrine=1")
    assert p["configured_weights"] is False and p["weights"]["no_latrine"] == 1
    assert (p["standing"]["rank"], p["standing"]["reason"]) == (3, want[2]["reason"])


def test_village_profile_errors_and_login(server2):
    status, _, body = server2.get("/api/villages/7471999999/profile")
    assert status == 404 and "tidak ada desa/kelurahan" in json.loads(body)["error"]
    code = server2.json("/api/villages")["villages"][0]["code"]
    assert server2.get(f"/api/villages/{code}/profile?w.no_latrine=-1")[0] == 400
    assert server2.get(f"/api/villages/{code}/profile?period=2020-01")[0] == 400
    assert server2.get(f"/api/villages/{code}/profile", token=None)[0] == 401
