"""`sigap assign`: the demo's 462 stunted children shared among 13 OPDs by share.

Counts are checked against the largest remainder method computed here with exact
fractions; every stunted child is assigned once; areas are more compact than the
demo's village-group split; a re-run keeps existing assignments; and a field
officer of a team sees exactly that team's children.
"""
import csv
import json
import math
import sqlite3
from collections import Counter
from fractions import Fraction

import pytest

from conftest import Server, make_user, pseudonym, run



def hamilton(n, shares):
    total = sum(shares)
    quotas = [Fraction(n * s, total) for s in shares]
    counts = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(shares)), key=lambda i: (-(quotas[i] - counts[i]), -shares[i], i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def metres(a, b):
    mx = 111_320.0 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * mx, (a[1] - b[1]) * 110_574.0)


def spread(groups):
    """Mean distance of a child to the member home nearest the group's others."""
    total, n = 0.0, 0
    for pts in groups.values():
        centre = min(pts, key=lambda p: sum(metres(p, q) for q in pts))
        total += sum(metres(centre, p) for p in pts)
        n += len(pts)
    return total / n


@pytest.fixture(scope="module")
def world(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("assign")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    keyfile = demo_db.parent / "city.key"
    run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf")
    key = keyfile.read_text().strip()
    children = [c for c in csv.DictReader(open(demo_dir / "children.csv")) if float(c["haz"]) < -2]
    teams = list(csv.DictReader(open(demo_dir / "teams.csv")))
    return dict(db=db, key=key, keyfile=keyfile, children=children, teams=teams, demo_dir=demo_dir)


def stored(db):
    with sqlite3.connect(db) as c:
        return dict(c.execute("SELECT pseudonym, team FROM sigap_assignments"))


def test_exact_shares_every_child_once_and_compact(world):
    out = run("assign", "--db", world["db"], "--teams", world["demo_dir"] / "teams.csv").stdout
    assert "462 stunted children of 2026-08 shared among 13 teams" in out, out
    assert "over the roads" in out
    got = stored(world["db"])
    ids = {pseudonym(world["key"], c["id"]): c for c in world["children"]}
    assert len(ids) == 462
    assert set(got) == set(ids), "every stunted child assigned, and only they"
    names = [t["team"] for t in world["teams"]]
    want = hamilton(462, [int(t["share"]) for t in world["teams"]])
    counts = Counter(got.values())
    assert [counts[n] for n in names] == want
    assert len(set(want)) > 5, "shares differ, so exactness is tested"
    # Compact: closer together than the demo's split by village groups.
    mine = {}
    for p, team in got.items():
        c = ids[p]
        mine.setdefault(team, []).append((float(c["lon"]), float(c["lat"])))
    base_team = {r["id"]: r["team"] for r in csv.DictReader(open(world["demo_dir"] / "assignments.csv"))}
    base = {}
    for c in world["children"]:
        base.setdefault(base_team[c["id"]], []).append((float(c["lon"]), float(c["lat"])))
    assert spread(mine) < 0.8 * spread(base), (spread(mine), spread(base))


def test_a_rerun_keeps_what_exists_and_fills_the_rest(world):
    db = world["db"]
    before = stored(db)
    dropped = sorted(before)[:40]
    with sqlite3.connect(db) as c:
        c.executemany("DELETE FROM sigap_assignments WHERE pseudonym = ?", [(p,) for p in dropped])
    run("assign", "--db", db, "--teams", world["demo_dir"] / "teams.csv")
    after = stored(db)
    assert set(after) == set(before)
    assert all(after[p] == before[p] for p in before if p not in dropped)
    assert Counter(after.values()) == Counter(before.values())
    # --reassign may move children; counts stay exact.
    out = run("assign", "--db", db, "--teams", world["demo_dir"] / "teams.csv", "--reassign", "--dry-run").stdout
    assert "0 kept their team" in out and "nothing written" in out
    assert stored(db) == after


def test_bad_teams_files_are_named(world, tmp_path):
    bad = tmp_path / "teams.csv"
    bad.write_text("team,share\nDinas Kesehatan,3\nDP2KB,-1\n")
    p = run("assign", "--db", world["db"], "--teams", bad, check=False)
    assert p.returncode != 0
    assert f"{bad}:3: field share" in p.stderr, p.stderr
    bad.write_text("team,share,capacity\nA,1,2\n")
    p = run("assign", "--db", world["db"], "--teams", bad, check=False)
    assert "not both" in p.stderr
    bad.write_text("team,capacity\nA,100\nB,100\n")
    p = run("assign", "--db", world["db"], "--teams", bad, "--reassign", "--dry-run", check=False)
    assert p.returncode != 0 and "fewer than the 462 children" in p.stderr


def test_field_officers_see_exactly_their_assigned_children(world):
    db = world["db"]
    got = stored(db)
    team = "Dinas Sosial"
    token = make_user(db, "assign-fo", "field_officer", team=team)
    s = Server("--db", db, "--key", world["keyfile"], token=None)
    try:
        status, _, body = s.get("/api/cases/children", token=token)
        assert status == 200
        seen = {f["properties"]["pseudonym"] for f in json.loads(body)["features"]}
    finally:
        s.stop()
    assert seen == {p for p, t in got.items() if t == team}
    assert len(seen) == hamilton(462, [int(t["share"]) for t in world["teams"]])[2]
