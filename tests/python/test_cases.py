"""Case-level data: who gets which children and households.

The expected records are computed here from the demo's files, independently of sigap:
pseudonyms with Python's hmac (HMAC-SHA256 of the source id with the store's key),
teams from assignments.csv, villages by shapely point-in-polygon."""
import csv
import json
import sqlite3

import pytest

from conftest import Server, locate_villages, make_user, pseudonym, run


@pytest.fixture(scope="module")
def world(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("cases")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    keyfile = demo_db.parent / "city.key"
    out = run("assignments", "--db", db, "--key", keyfile, demo_dir / "assignments.csv").stdout
    assert "children assigned to 13 teams" in out, out
    key = keyfile.read_text().strip()
    children = list(csv.DictReader(open(demo_dir / "children.csv")))  # the latest period, 2026-08
    households = list(csv.DictReader(open(demo_dir / "households.csv")))
    teams = {r["id"]: r["team"] for r in csv.DictReader(open(demo_dir / "assignments.csv"))}
    villages_c = locate_villages(demo_dir, children)
    villages_h = locate_villages(demo_dir, households)
    kids = {pseudonym(key, c["id"]): (teams.get(c["id"]), v) for c, v in zip(children, villages_c)}
    homes = {pseudonym(key, h["id"]): v for h, v in zip(households, villages_h)}
    # Two field officers: one team in two of its villages, one team in the whole city.
    team_a = "Dinas Kesehatan"
    a_villages = sorted({v for (t, v) in kids.values() if t == team_a})[:2]
    tokens = {
        "planner": make_user(db, "c-planner", "planner"),
        "admin": make_user(db, "c-admin", "admin"),
        "fo_a": make_user(db, "c-fo-a", "field_officer", team=team_a, villages=a_villages),
        "fo_b": make_user(db, "c-fo-b", "field_officer", team="DP2KB"),
        "viewer": make_user(db, "c-viewer", "viewer"),
        "revoked": make_user(db, "c-revoked", "planner"),
    }
    ids = [l.split()[0] for l in run("token", "list", "--db", db).stdout.splitlines()[1:] if " c-revoked " in l]
    run("token", "revoke", "--db", db, ids[0])
    s = Server("--db", db, "--key", keyfile, token=None)
    yield dict(srv=s, db=db, kids=kids, homes=homes, tokens=tokens, team_a=team_a, a_villages=a_villages)
    s.stop()


def features(w, path, who):
    status, headers, body = w["srv"].get(path, token=w["tokens"][who])
    assert status == 200, (path, who, status, body[:200])
    assert headers["cache-control"] == "private, no-store"
    return json.loads(body)["features"]


def test_planner_and_admin_get_every_child_of_the_period_with_team_and_village(world):
    kids = world["kids"]
    for who in ["planner", "admin"]:
        fs = features(world, "/api/cases/children", who)
        got = {f["properties"]["pseudonym"]: (f["properties"]["team"], f["properties"]["village"]) for f in fs}
        assert got == kids
        assert {f["properties"]["period"] for f in fs} == {"2026-08"}


def test_field_officers_get_exactly_their_team_in_their_villages(world):
    kids, team_a, av = world["kids"], world["team_a"], world["a_villages"]
    want_a = {p for p, (t, v) in kids.items() if t == team_a and v in av}
    got_a = {f["properties"]["pseudonym"] for f in features(world, "/api/cases/children", "fo_a")}
    assert want_a and got_a == want_a
    want_b = {p for p, (t, _) in kids.items() if t == "DP2KB"}
    got_b = {f["properties"]["pseudonym"] for f in features(world, "/api/cases/children", "fo_b")}
    assert want_b and got_b == want_b
    assert not got_a & got_b
    # Households: those of their villages; none for an officer without villages.
    homes = world["homes"]
    got = {f["properties"]["pseudonym"] for f in features(world, "/api/cases/households", "fo_a")}
    assert got == {p for p, v in homes.items() if v in av}
    assert features(world, "/api/cases/households", "fo_b") == []
    allh = {f["properties"]["pseudonym"] for f in features(world, "/api/cases/households", "planner")}
    assert allh == set(homes)


def test_viewers_and_strangers_get_nothing(world):
    srv, tokens = world["srv"], world["tokens"]
    for path in ["/api/cases/children", "/api/cases/households", "/api/cases/children?format=csv"]:
        assert srv.get(path, token=tokens["viewer"])[0] == 403
        assert srv.get(path, token=None)[0] == 401
        assert srv.get(path, token=tokens["revoked"])[0] == 401


def test_csv_export_equals_the_geojson_and_every_read_is_audited(world):
    srv, tokens = world["srv"], world["tokens"]
    status, headers, body = srv.get("/api/cases/children?format=csv", token=tokens["fo_a"])
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(body.decode().splitlines()))
    gj = features(world, "/api/cases/children", "fo_a")
    assert sorted(r["pseudonym"] for r in rows) == sorted(f["properties"]["pseudonym"] for f in gj)
    assert srv.get("/api/cases/children?format=xml", token=tokens["planner"])[0] == 400
    with sqlite3.connect(world["db"]) as c:
        got = c.execute("SELECT action, what, records FROM sigap_audit WHERE username = 'c-fo-a' "
                        "AND what LIKE 'children%' ORDER BY id").fetchall()
    n = len(gj)
    assert ("export", "children 2026-08 csv", n) in got and ("read", "children 2026-08 geojson", n) in got


def test_bad_assignment_rows_are_named_and_nothing_is_written(world, tmp_path):
    bad = tmp_path / "tim.csv"
    bad.write_text("nik;opd\n9999999999999999;Dinas Sosial\n;Dinas Sosial\n")
    rev = world["srv"].get("/health")[2]
    p = run("assignments", "--db", world["db"], "--key", world["db"].parent.parent / "x.key", bad, check=False)
    # Another key: every id is unknown, each row named with its line and field.
    assert p.returncode != 0
    assert f"{bad}:2: field `nik`: no child with this id in the store" in p.stderr
    assert f"{bad}:3: field `nik`: empty child id" in p.stderr
    assert world["srv"].get("/health")[2] == rev


def test_imports_over_http_are_for_planners_all_or_nothing_and_audited(world):
    srv, tokens = world["srv"], world["tokens"]
    header = "id,lat,lon,has_latrine,safe_water,improved_sanitation\n"
    good = (header + "HTTP-UJI-1,-3.969584,122.518517,false,true,true\n"
            "HTTP-UJI-2,-3.969600,122.518600,true,false,true\n").encode()
    path = "/api/import/households?filename=rumah.csv"
    for who, want in [("fo_a", 403), ("viewer", 403), ("revoked", 401)]:
        assert srv.request("POST", path, good, token=tokens[who])[0] == want, who
    assert srv.request("POST", path, good, token=None)[0] == 401
    before = json.loads(srv.get("/health")[2])["revision"]
    bad = (header + "HTTP-UJI-3,-3.969584,122.518517,mungkin,true,true\n").encode()
    status, _, body = srv.request("POST", path, bad, token=tokens["planner"])
    assert status == 422, body
    err = json.loads(body)
    assert err["rejects"][0]["line"] == 2 and err["rejects"][0]["field"] == "has_latrine", err
    assert "/tmp" not in body.decode()
    assert json.loads(srv.get("/health")[2])["revision"] == before
    assert srv.request("POST", "/api/import/households", good, token=tokens["planner"])[0] == 400
    assert srv.request("POST", "/api/import/roads?filename=a.csv", good, token=tokens["planner"])[0] == 404
    n0 = len(features(world, "/api/cases/households", "planner"))
    status, _, body = srv.request("POST", path, good, token=tokens["planner"])
    assert status == 200, body
    assert json.loads(body)["read"] == 2
    assert json.loads(srv.get("/health")[2])["revision"] == before + 1
    assert len(features(world, "/api/cases/households", "planner")) == n0 + 2
    with sqlite3.connect(world["db"]) as c:
        got = c.execute("SELECT action, what, records FROM sigap_audit WHERE username = 'c-planner' "
                        "AND action = 'import'").fetchall()
    assert got == [("import", "households", 2)]


def test_case_tiles_hold_exactly_the_callers_records(world):
    import math

    import mapbox_vector_tile
    srv, tokens = world["srv"], world["tokens"]
    z = 14

    def tile_of(lon, lat):
        n = 2 ** z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    for who in ["fo_a", "planner"]:
        want = {f["properties"]["pseudonym"]: f for f in features(world, "/api/cases/children", who)}
        tiles = {tile_of(*f["geometry"]["coordinates"]) for f in want.values()}
        if who == "planner":
            tiles = set(sorted(tiles)[:25])
            want = {p: f for p, f in want.items() if tile_of(*f["geometry"]["coordinates"]) in tiles}
        got = {}
        for x, y in tiles:
            status, headers, body = srv.get(f"/tiles/cases/children/{z}/{x}/{y}.mvt", token=tokens[who])
            assert status == 200 and headers["cache-control"] == "private, max-age=60", (who, status)
            assert "cookie" in headers["vary"].lower(), headers
            for f in mapbox_vector_tile.decode(body)["children"]["features"]:
                got[f["properties"]["pseudonym"]] = f["properties"]
        assert set(got) == set(want), who
        for p, props in got.items():
            assert props.get("team") == want[p]["properties"]["team"]
            assert props["haz"] == pytest.approx(want[p]["properties"]["haz"])
    x, y = next(iter(tiles))
    assert srv.get(f"/tiles/cases/children/{z}/{x}/{y}.mvt", token=tokens["viewer"])[0] == 403
    assert srv.get(f"/tiles/cases/children/{z}/{x}/{y}.mvt", token=None)[0] == 401
    # Below zoom 12 no points at all.
    assert srv.get("/tiles/cases/children/10/843/514.mvt", token=tokens["planner"])[0] == 204
