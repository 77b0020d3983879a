"""The rembuk stunting's decisions (issue 14): recorded per village and round by
planners, carried into the next round's view until that round's rembuk decides,
kept as an append-only history, refused with a reason in Bahasa."""
import json
import sqlite3

import pytest

from conftest import Server, make_user, run


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("rembuk")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    run("import", "--db", db, "--key", demo_db.parent / "city.key", "children", demo_dir / "children-2026-02.csv")
    tokens = {r: make_user(db, f"r-{r}", r) for r in ("planner", "viewer")}
    s = Server("--db", db, token=tokens["planner"])
    village = json.loads(s.get("/api/villages")[2])["villages"][0]["code"]
    yield dict(srv=s, db=db, tokens=tokens, village=village)
    s.stop()


def post(city, body, who="planner"):
    status, _, raw = city["srv"].request("POST", "/api/rembuk", body, token=city["tokens"][who])
    return status, json.loads(raw)


def test_decisions_are_carried_into_the_next_round_until_it_decides(city):
    v, srv = city["village"], city["srv"]
    feb = {"village": v, "period": "2026-02", "priority": True, "actions": [
        {"action": "PMT lokal 90 hari untuk baduta stunting", "lead": "Dinas Kesehatan"},
        {"action": "  Jamban sehat 20 unit  ", "lead": "Dinas PUPR"}]}
    status, out = post(city, feb)
    assert status == 201, out
    assert out["decisions"]["actions"][1] == {"action": "Jamban sehat 20 unit", "lead": "Dinas PUPR"}
    # The August view, before August's rembuk: February's decisions, marked as such.
    aug = json.loads(srv.get("/api/rembuk?period=2026-08")[2])
    assert aug["period"] == "2026-08"
    shown = aug["villages"][v]
    assert (shown["period"], shown["priority"], len(shown["actions"])) == ("2026-02", True, 2)
    assert shown["username"] == "r-planner"
    profile = json.loads(srv.get(f"/api/villages/{v}/profile?period=2026-08")[2])
    assert profile["rembuk"] == shown
    # August's rembuk drops the village; February's view keeps what it decided.
    status, out = post(city, {"village": v, "period": "2026-08", "priority": False})
    assert status == 201 and out["decisions"]["actions"] == []
    aug = json.loads(srv.get("/api/rembuk")[2])["villages"][v]
    assert (aug["period"], aug["priority"], aug["actions"]) == ("2026-08", False, [])
    assert json.loads(srv.get("/api/rembuk?period=2026-02")[2])["villages"][v]["actions"][0]["lead"] == "Dinas Kesehatan"
    # A correction of February replaces the shown set; the history keeps both.
    status, _ = post(city, dict(feb, actions=feb["actions"][:1]))
    assert status == 201
    assert len(json.loads(srv.get("/api/rembuk?period=2026-02")[2])["villages"][v]["actions"]) == 1
    with sqlite3.connect(city["db"]) as c:
        assert c.execute("SELECT count(DISTINCT batch) FROM sigap_rembuk WHERE village = ?", (v,)).fetchone()[0] == 3
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            c.execute("DELETE FROM sigap_rembuk")
        rows = c.execute("SELECT what, records FROM sigap_audit WHERE action = 'rembuk' ORDER BY id").fetchall()
    assert rows[0] == (f"2026-02 {v} prioritas: 2 aksi", 2)


def test_bad_decisions_are_refused_in_bahasa_and_nothing_is_written(city):
    v = city["village"]
    with sqlite3.connect(city["db"]) as c:
        before = c.execute("SELECT count(*) FROM sigap_rembuk").fetchone()[0]
    status, out = post(city, {"village": v, "period": "2026-08", "priority": True,
                              "actions": [{"action": "Kelas ibu balita", "lead": " "}]})
    assert status == 400 and "penanggung jawab" in out["error"], out
    status, out = post(city, {"village": "9999999999", "period": "2026-08", "priority": True})
    assert status == 404 and "9999999999" in out["error"]
    status, out = post(city, {"village": v, "period": "2025-01", "priority": True})
    assert status == 400 and "2026-08" in out["error"], out
    status, out = post(city, {"village": v, "period": "2026-08", "priority": True}, who="viewer")
    assert status == 403 and "perencana" in out["error"]
    with sqlite3.connect(city["db"]) as c:
        assert c.execute("SELECT count(*) FROM sigap_rembuk").fetchone()[0] == before
    # Anyone signed in reads them; the public does not.
    assert city["srv"].get("/api/rembuk", token=city["tokens"]["viewer"])[0] == 200
    assert city["srv"].get("/api/rembuk", token=None)[0] == 401
