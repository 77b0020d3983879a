"""Deliveries from a campaign entry and from the visit form (issue 14):
`POST /api/deliveries/campaign` and `sigap campaign` against the recipients computed
here from the demo's files (villages by shapely), and a visit's items as deliveries."""
import csv
import json
import sqlite3
import time
import uuid
from collections import Counter
from datetime import date

import pytest

from conftest import Server, locate_villages, make_user, pseudonym, run, team_city

YES = {"true", "1", "yes", "ya", "y"}


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    c = team_city(demo_db, demo_dir, tmp_path_factory.mktemp("campaign"))
    db = c["db"]
    c["tokens"] = {
        "planner": make_user(db, "c-planner", "planner"),
        "admin": make_user(db, "c-admin", "admin"),
        "viewer": make_user(db, "c-viewer", "viewer"),
        "fo": make_user(db, "c-fo", "field_officer", team="DP2KB"),
    }
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    kids = list(csv.DictReader(open(demo_dir / "children.csv")))
    for rows in (homes, kids):
        for row, v in zip(rows, locate_villages(demo_dir, rows)):
            row["village"] = v
    features = json.loads((demo_dir / "villages.geojson").read_text())["features"]
    c["names"] = {str(f["properties"]["code"]).replace(".", ""): f["properties"]["name"] for f in features}
    c.update(homes=homes, kids=kids)
    s = Server("--db", db, "--key", c["keyfile"], token=None)
    c["srv"] = s
    yield c
    s.stop()


def call(c, method, path, who, body=None):
    status, _, raw = c["srv"].request(method, path, body=body, token=c["tokens"][who])
    return status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw


def ledger(c):
    with sqlite3.connect(c["db"]) as db:
        return db.execute("SELECT programme, recipient_kind, recipient, date, source, quantity, unit, cost, by "
                          "FROM sigap_deliveries").fetchall()


def baduta_homes(c):
    """Households with a baduta in the family, per village (shapely)."""
    return Counter(h["village"] for h in c["homes"] if h["baduta"].strip().lower() in YES and h["village"])


def test_a_campaign_reaches_every_baduta_family_of_the_village_once(city):
    code, n = baduta_homes(city).most_common(1)[0]
    want = {pseudonym(city["key"], h["id"]) for h in city["homes"]
            if h["village"] == code and h["baduta"].strip().lower() in YES}
    assert len(want) == n > 0
    before = call(city, "GET", "/api/coverage", "planner")[1]
    body = {"programme": "bansos", "village": code, "date": "2026-09-01", "group": "baduta",
            "quantity": 1, "unit": "paket", "cost": 250000, "by": "Dinas Sosial"}
    status, got = call(city, "POST", "/api/deliveries/campaign", "planner", body)
    assert status == 201, got
    assert (got["added"], got["present"], got["recipients"]) == (n, 0, n)
    assert got["message"].startswith(f"{n} keluarga baduta di {city['names'][code]} menerima")
    rows = [r for r in ledger(city) if r[0] == "bansos"]
    assert {r[2] for r in rows} == want and len(rows) == n
    assert {(r[1], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows} == {
        ("household", "2026-09-01", f"campaign:2026-09-01:{code}", 1.0, "paket", 250000.0, "Dinas Sosial")}
    # The answer comes once the rows are committed, carrying the store's new revision;
    # the snapshot is rebuilt after it, and coverage shows that revision within a bound.
    assert got["revision"] > before["revision"]
    after = coverage_at(city, got["revision"])
    assert after["revision"] == got["revision"]
    total = lambda cov: cov["total"]["bansos"]["deliveries"]
    assert total(after) - total(before) == n
    village = lambda cov: next(v for v in cov["villages"] if v["code"] == code)
    assert village(after)["programmes"]["bansos"]["deliveries"] - village(before)["programmes"]["bansos"]["deliveries"] == n
    assert village(after)["groups"]["baduta"]["accompanied"] == n
    assert after["total"]["bansos"]["cost"] - before["total"]["bansos"]["cost"] == 250000 * n
    # The same campaign again adds nothing.
    status, again = call(city, "POST", "/api/deliveries/campaign", "admin", body)
    assert status == 200 and (again["added"], again["present"]) == (0, n)
    assert again["revision"] == got["revision"]
    assert len([r for r in ledger(city) if r[0] == "bansos"]) == n
    with sqlite3.connect(city["db"]) as db:
        audit = db.execute("SELECT username, what, records FROM sigap_audit WHERE action = 'campaign'").fetchall()
    assert ("c-planner", f"bansos {code} 2026-09-01 baduta: {n} added, 0 already present", n) in audit
    assert any(u == "c-admin" and r == 0 for u, _, r in audit)


def coverage_at(c, revision, bound=120):
    """/api/coverage once its snapshot is at `revision` (polled, at most `bound` s)."""
    deadline = time.time() + bound
    while True:
        cov = call(c, "GET", "/api/coverage", "planner")[1]
        if cov["revision"] >= revision or time.time() > deadline:
            return cov
        time.sleep(0.25)


def months(born, on):
    m = (on.year - born.year) * 12 + on.month - born.month
    if on.day < born.day and m > 0:
        m -= 1
    return m


def test_a_child_campaign_reaches_the_stunted_children_under_two(city, demo_dir):
    on = date(2026, 9, 2)
    picked = Counter(k["village"] for k in city["kids"] if k["village"])
    code = picked.most_common(2)[1][0]
    want = {pseudonym(city["key"], k["id"]) for k in city["kids"]
            if k["village"] == code and -6 <= float(k["haz"]) < -2
            and months(date.fromisoformat(k["birth_date"]), on) < 24}
    assert want
    status, got = call(city, "POST", "/api/deliveries/campaign", "planner",
                       {"programme": "telur", "village": code, "date": on.isoformat(), "group": "baduta",
                        "quantity": 10})
    assert status == 201, got
    assert got["added"] == len(want) and got["who"] == "anak stunting baduta"
    # Rebuilt after the answer: coverage counts them once it reports the answer's revision.
    cov = coverage_at(city, got["revision"])
    assert cov["revision"] == got["revision"] and cov["total"]["telur"]["deliveries"] >= len(want)
    rows = [r for r in ledger(city) if r[0] == "telur" and r[4].startswith("campaign:")]
    assert {r[2] for r in rows} == want
    assert {(r[1], r[6], r[8]) for r in rows} == {("child", "butir", "Dinas Ketahanan Pangan")}


@pytest.mark.parametrize("change, needle", [
    ({"programme": "telor"}, "`telur`"),
    ({"group": "badut"}, "`baduta`"),
    ({"programme": "ttd_bumil", "group": "baduta"}, "bumil"),
    ({"programme": "telur", "group": "bumil"}, "baduta atau balita"),
    ({"date": "2025-01-15"}, "putaran"),
    ({"date": "2030-01-01"}, "belum terjadi"),
    ({"date": "1/9/2026"}, "YYYY-MM-DD"),
    ({"quantity": -3}, "negatif"),
])
def test_bad_campaigns_are_refused_in_bahasa_and_write_nothing(city, change, needle):
    code = baduta_homes(city).most_common(1)[0][0]
    body = {"programme": "bansos", "village": code, "date": "2026-09-05", "group": "baduta", **change}
    before = len(ledger(city))
    status, got = call(city, "POST", "/api/deliveries/campaign", "planner", body)
    assert status == 422, got
    assert needle in got["error"], got
    assert len(ledger(city)) == before


def test_a_misspelt_village_is_answered_with_the_closest(city):
    code = baduta_homes(city).most_common(1)[0][0]
    name = city["names"][code]
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    status, got = call(city, "POST", "/api/deliveries/campaign", "planner",
                       {"programme": "bansos", "village": typo, "date": "2026-09-05"})
    assert status == 422 and f"{name} ({code})" in got["error"], got


@pytest.mark.parametrize("who", ["viewer", "fo"])
def test_viewers_and_field_officers_may_not_enter_campaigns(city, who):
    code = baduta_homes(city).most_common(1)[0][0]
    before = len(ledger(city))
    status, _ = call(city, "POST", "/api/deliveries/campaign", who,
                     {"programme": "bansos", "village": code, "date": "2026-09-06"})
    assert status == 403
    assert len(ledger(city)) == before


def test_the_cli_shares_the_core(city):
    code = baduta_homes(city).most_common(3)[2][0]
    args = ["campaign", "--db", city["db"], "--programme", "bansos", "--village", code,
            "--date", "2026-09-07", "--group", "baduta", "--quantity", "2"]
    p = run(*args, "--check")
    assert "nothing written" in p.stdout
    n = baduta_homes(city)[code]
    p = run(*args)
    assert f"{n} keluarga baduta" in p.stdout and f"{n} added, 0 already" in p.stdout, p.stdout
    p = run(*args)
    assert f"0 added, {n} already" in p.stdout, p.stdout
    bad = run("campaign", "--db", city["db"], "--programme", "telor", "--village", code, "--date", "2026-09-07",
              check=False)
    assert bad.returncode != 0 and "`telur`" in bad.stderr


def coverage_total(c, programme):
    return call(c, "GET", "/api/coverage", "planner")[1]["total"][programme]["deliveries"]


def store_revision(c):
    with sqlite3.connect(c["db"]) as db:
        return int(db.execute("SELECT value FROM sigap_meta WHERE key = 'revision'").fetchone()[0])


def test_eggs_on_a_visit_are_a_telur_delivery_once_and_a_referral_none(city):
    p = next(p for p, t in sorted(city["team_of"].items())
             if t == "DP2KB" and city["children"][p]["birth_date"] > "2021-10-01")
    # Earlier campaigns are rebuilt after their answers: start from a settled snapshot.
    assert coverage_at(city, store_revision(city))["revision"] == store_revision(city)
    before = coverage_total(city, "telur")
    visit = {"id": str(uuid.uuid4()), "pseudonym": p, "visited_on": "2026-09-10", "outcome": "visited",
             "given": ["eggs", "referral"]}
    status, body = call(city, "POST", "/api/visits", "fo", visit)
    assert status == 201 and body["deliveries"] == 1, body
    rows = [r for r in ledger(city) if r[4] == f"visit:{visit['id']}"]
    assert rows == [("telur", "child", p, "2026-09-10", f"visit:{visit['id']}", None, "butir", None, "DP2KB")]
    # The snapshot is rebuilt in the background: coverage counts it within seconds.
    deadline = time.time() + 60
    while coverage_total(city, "telur") == before and time.time() < deadline:
        time.sleep(0.5)
    assert coverage_total(city, "telur") == before + 1
    status, body = call(city, "POST", "/api/visits", "fo", visit)
    assert status == 200 and body["duplicate"] is True and body["deliveries"] == 0
    assert len([r for r in ledger(city) if r[4] == f"visit:{visit['id']}"]) == 1
    referral = {**visit, "id": str(uuid.uuid4()), "visited_on": "2026-09-11", "given": ["referral"]}
    status, body = call(city, "POST", "/api/visits", "fo", referral)
    assert status == 201 and body["deliveries"] == 0
    assert not [r for r in ledger(city) if r[4] == f"visit:{referral['id']}"]
    # A food package is the food-aid programme's delivery, a not-found visit gives none.
    food = {**visit, "id": str(uuid.uuid4()), "visited_on": "2026-09-12", "given": ["food_package"]}
    assert call(city, "POST", "/api/visits", "fo", food)[1]["deliveries"] == 1
    assert [r[0] for r in ledger(city) if r[4] == f"visit:{food['id']}"] == ["bantuan_pangan"]
