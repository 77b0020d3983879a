"""A team's day plan on a real server: saved when first made, the same stops in the
same order on every later read whatever the options or the visits recorded since,
visits marking stops done, re-planning only on purpose (audited, leaving out children
already visited that day), one plan when two phones open the day at once, kept across
a restart, and every team's progress for planners without a child in it."""
import json
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import Server, make_user, team_city

DAY = "2026-09-10"


@pytest.fixture(scope="module")
def plans(demo_db, demo_dir, tmp_path_factory):
    city = team_city(demo_db, demo_dir, tmp_path_factory.mktemp("plans"))
    db = city["db"]
    tokens = {
        "fo": make_user(db, "p-fo", "field_officer", team="DP2KB"),
        "fo2": make_user(db, "p-fo2", "field_officer", team="Dinas Sosial"),
        "planner": make_user(db, "p-planner", "planner"),
        "viewer": make_user(db, "p-viewer", "viewer"),
    }
    state = dict(db=db, keyfile=city["keyfile"], team_of=city["team_of"], tokens=tokens)
    state["srv"] = Server("--db", db, "--key", city["keyfile"], token=None)
    yield state
    state["srv"].stop()


def call(p, method, path, who, body=None):
    status, _, raw = p["srv"].request(method, path, body=body, token=p["tokens"][who])
    return status, json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw


def stops(body):
    return [f["properties"] for f in body["features"] if f["geometry"]["type"] == "Point"]


def visit(p, who, pseudonym, day, outcome="visited"):
    status, body = call(p, "POST", "/api/visits", who, {
        "id": str(uuid.uuid4()), "pseudonym": pseudonym, "visited_on": day, "outcome": outcome})
    assert status == 201, body


def test_a_plan_holds_while_visits_are_recorded(plans):
    status, first = call(plans, "GET", f"/api/route?date={DAY}&max=5&hours=08:00-13:00", "fo")
    assert status == 200, first
    order = [(s["order"], s["pseudonym"]) for s in stops(first)]
    assert 0 < len(order) <= 5
    assert first["saved"]["version"] == 1 and first["saved"]["made_by"] == "p-fo"
    assert first["options"] == {"max": 5, "hours": "08:00-13:00", "service": 20.0, "mode": "motorbike"}
    assert first["day"] == DAY and first["summary"]["done"] == 0
    # Other options on a later read do not make another plan.
    status, again = call(plans, "GET", f"/api/route?date={DAY}&max=9&hours=07:00-15:00", "fo")
    assert status == 200 and again["options"]["max"] == 5
    assert [(s["order"], s["pseudonym"]) for s in stops(again)] == order
    # A visit recorded marks its stop done; nothing is renumbered or dropped.
    second = order[1][1] if len(order) > 1 else order[0][1]
    visit(plans, "fo", second, DAY)
    status, after = call(plans, "GET", f"/api/route?date={DAY}", "fo")
    assert [(s["order"], s["pseudonym"]) for s in stops(after)] == order
    marks = {s["pseudonym"]: s["done"] for s in stops(after)}
    assert marks[second]["outcome"] == "visited" and marks[second]["by"] == "p-fo"
    assert sum(m is not None for m in marks.values()) == 1 and after["summary"]["done"] == 1
    # A visit on another day marks nothing in this day's plan.
    visit(plans, "fo", order[0][1], "2026-09-09")
    assert call(plans, "GET", f"/api/route?date={DAY}", "fo")[1]["summary"]["done"] == 1
    # The GPX is the saved plan too.
    status, gpx = call(plans, "GET", f"/api/route?date={DAY}&format=gpx&max=9", "fo")
    assert status == 200 and gpx.count(b"<wpt ") == len(order)


def test_replanning_is_on_purpose_audited_and_leaves_out_the_visited(plans):
    status, before = call(plans, "GET", f"/api/route?date={DAY}", "fo")
    visited = {s["pseudonym"] for s in stops(before) if s["done"]}
    assert visited, "the previous test recorded a visit on this day"
    status, body = call(plans, "POST", "/api/route", "fo", {"date": DAY, "max": 7, "hours": "08:00-14:00"})
    assert status == 200, body
    assert body["saved"]["version"] == 2 and body["options"]["max"] == 7
    assert not visited & {s["pseudonym"] for s in stops(body)}
    assert all(s["done"] is None for s in stops(body))
    assert call(plans, "GET", f"/api/route?date={DAY}", "fo")[1]["saved"]["version"] == 2
    with sqlite3.connect(plans["db"]) as c:
        rows = c.execute("SELECT username, what, records FROM sigap_audit WHERE action = 'plan'").fetchall()
    assert ("p-fo", f"route DP2KB {DAY} v2", len(stops(body))) in rows
    # Another team's plan is not the officer's to make; viewers make none.
    assert call(plans, "POST", "/api/route", "fo", {"date": DAY, "team": "Dinas Sosial"})[0] == 403
    assert call(plans, "POST", "/api/route", "viewer", {"date": DAY, "team": "DP2KB"})[0] == 403
    assert call(plans, "GET", "/api/route?date=2026-02-30", "fo")[0] == 400


def test_a_child_visited_before_the_plan_is_made_is_not_in_it(plans):
    day = "2026-09-12"
    team = [k for k, t in sorted(plans["team_of"].items()) if t == "Dinas Sosial"]
    probe = call(plans, "GET", f"/api/route?date=2026-09-13&max=3", "fo2")[1]
    first = stops(probe)[0]["pseudonym"]
    assert first in team
    visit(plans, "fo2", first, day)
    body = call(plans, "GET", f"/api/route?date={day}&max=3", "fo2")[1]
    assert first not in {s["pseudonym"] for s in stops(body)}


def test_two_phones_opening_the_day_at_once_get_one_plan(plans):
    day = "2026-09-15"
    with ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(lambda _: call(plans, "GET", f"/api/route?date={day}&max=4", "fo2")[1], range(4)))
    orders = {tuple(s["pseudonym"] for s in stops(b)) for b in bodies}
    assert len(orders) == 1 and {b["saved"]["version"] for b in bodies} == {1}
    with sqlite3.connect(plans["db"]) as c:
        assert c.execute("SELECT count(*) FROM sigap_plans WHERE day = ?", (day,)).fetchone()[0] == 1


def test_planners_see_every_teams_plan_without_a_child(plans):
    status, body = call(plans, "GET", f"/api/plans?date={DAY}", "planner")
    assert status == 200 and body["day"] == DAY
    rows = {r["team"]: r for r in body["plans"]}
    assert rows["DP2KB"]["version"] == 2 and rows["DP2KB"]["done"] == 0
    own = call(plans, "GET", f"/api/plans?date={DAY}", "fo")[1]["plans"]
    assert [r["team"] for r in own] == ["DP2KB"]
    assert call(plans, "GET", f"/api/plans?date={DAY}", "viewer")[0] == 200
    text = json.dumps(body)
    assert not any(p in text for p in plans["team_of"]), "no pseudonym in the plans overview"


def test_the_plan_survives_a_restart(plans):
    before = call(plans, "GET", f"/api/route?date={DAY}", "fo")[1]
    plans["srv"].stop()
    plans["srv"] = Server("--db", plans["db"], "--key", plans["keyfile"], token=None)
    after = call(plans, "GET", f"/api/route?date={DAY}&max=1", "fo")[1]
    assert [s["pseudonym"] for s in stops(after)] == [s["pseudonym"] for s in stops(before)]
    assert after["saved"] == before["saved"]
