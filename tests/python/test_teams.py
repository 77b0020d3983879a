"""Teams are data, not free text: a field officer's team and villages must be known to
the store (the teams file, `sigap team add`, the admin page), or the CLI and the API
refuse them, naming the closest known team ("Dinkes" is Dinas Kesehatan)."""
import json
import sqlite3

import pytest

from conftest import Server, make_user, run


@pytest.fixture(scope="module")
def world(demo_db, demo_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("teams") / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    # A store without assignments knows no team yet.
    p = run("user", "add", "--db", db, "no-team-yet", "--role", "field_officer", "--team", "DP2KB", check=False)
    assert p.returncode != 0 and "unknown team `DP2KB`" in p.stderr and "none yet" in p.stderr, p.stderr
    run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    admin = make_user(db, "teams-admin", "admin")
    s = Server("--db", db)
    yield dict(db=db, srv=s, admin=admin, demo_dir=demo_dir)
    s.stop()


def users(db):
    with sqlite3.connect(db) as c:
        return {u: (t, v) for u, t, v in c.execute("SELECT username, team, villages FROM sigap_users")}


def test_the_cli_refuses_an_unknown_team_and_suggests_the_closest(world):
    db = world["db"]
    p = run("user", "add", "--db", db, "typo.dinkes", "--role", "field_officer", "--team", "Dinkes", check=False)
    assert p.returncode != 0
    assert "unknown team `Dinkes` (did you mean `Dinas Kesehatan`?)" in p.stderr, p.stderr
    # The API's message in Bahasa Indonesia first, the English after it in brackets.
    bahasa = 'Tim "Dinkes" tidak dikenal. Maksud Anda "Dinas Kesehatan"?'
    assert bahasa in p.stderr and p.stderr.index(bahasa) < p.stderr.index("(unknown team"), p.stderr
    assert "typo.dinkes" not in users(db)
    p = run("user", "add", "--db", db, "typo.village", "--role", "field_officer", "--team", "DP2KB",
            "--villages", "7471011005,7471019999", check=False)
    assert p.returncode != 0 and "unknown village code(s) 7471019999" in p.stderr, p.stderr
    assert "Kode kelurahan tidak dikenal: 7471019999." in p.stderr
    assert p.stderr.index("Kode kelurahan") < p.stderr.index("(unknown village"), p.stderr
    # Letter case and spaces are no typo: the account gets the team as the store spells it.
    run("user", "add", "--db", db, "fo.dinkes", "--role", "field_officer", "--team", " dinas  kesehatan",
        "--villages", "74.71.01.1005")
    assert users(db)["fo.dinkes"][0] == "Dinas Kesehatan"


def test_the_cli_adds_and_lists_teams(world):
    db = world["db"]
    listed = run("team", "list", "--db", db).stdout.split("\n")
    teams_csv = (world["demo_dir"] / "teams.csv").read_text().splitlines()[1:]
    assert {r.split(",")[0] for r in teams_csv} <= set(listed)
    assert "team TPK Mandonga added" in run("team", "add", "--db", db, "TPK  Mandonga").stdout
    assert "TPK Mandonga" in run("team", "list", "--db", db).stdout.split("\n")
    p = run("team", "add", "--db", db, "dp2kb", check=False)
    assert p.returncode != 0 and "team `DP2KB` exists already" in p.stderr
    assert 'Tim "DP2KB" sudah ada. (team `DP2KB` exists already)' in p.stderr, p.stderr
    run("user", "add", "--db", db, "tpk.mandonga", "--role", "field_officer", "--team", "TPK Mandonga")
    with sqlite3.connect(db) as c:
        assert ("(console)", "team_add", "TPK Mandonga") in c.execute(
            "SELECT username, action, what FROM sigap_audit").fetchall()


def api(world, method, path, body=None, token=None):
    status, _, raw = world["srv"].request(method, path, body=body, token=token or world["admin"])
    return status, json.loads(raw) if raw else None


def test_the_api_refuses_an_unknown_team_in_bahasa(world):
    status, body = api(world, "POST", "/api/admin/users",
                       {"username": "api.dinkes", "role": "field_officer", "team": "Dinkes"})
    assert status == 422, body
    assert body["code"] == "unknown_team" and body["suggestion"] == "Dinas Kesehatan"
    assert body["error"] == ('Tim "Dinkes" tidak dikenal. Maksud Anda "Dinas Kesehatan"? '
                             "Pilih tim dari daftar, atau tambahkan tim baru lebih dulu.")
    status, body = api(world, "POST", "/api/admin/users",
                       {"username": "api.village", "role": "field_officer", "team": "DP2KB", "villages": ["123"]})
    assert status == 422 and body["code"] == "unknown_village" and "123" in body["error"], body
    assert "api.dinkes" not in users(world["db"]) and "api.village" not in users(world["db"])


def test_admins_list_and_add_teams_through_the_api(world):
    status, body = api(world, "GET", "/api/admin/teams")
    assert status == 200
    with sqlite3.connect(world["db"]) as c:
        assigned = dict(c.execute("SELECT team, count(*) FROM sigap_assignments GROUP BY team"))
    got = {t["name"]: t["children"] for t in body["teams"]}
    assert {t: got[t] for t in assigned} == assigned
    assert len(body["villages"]) > 0 and all(v["code"].isdigit() and v["name"] for v in body["villages"])
    status, body = api(world, "POST", "/api/admin/teams", {"name": "TPK Poasia"})
    assert status == 201 and body == {"name": "TPK Poasia"}
    status, body = api(world, "POST", "/api/admin/teams", {"name": "tpk poasia"})
    assert status == 409 and body["error"] == 'Tim "TPK Poasia" sudah ada.'
    assert api(world, "POST", "/api/admin/teams", {"name": " "})[0] == 422
    village = api(world, "GET", "/api/admin/teams")[1]["villages"][0]["code"]
    status, body = api(world, "POST", "/api/admin/users",
                       {"username": "tpk.poasia", "role": "field_officer", "team": "TPK Poasia", "villages": [village]})
    assert status == 201, body
    assert users(world["db"])["tpk.poasia"][0] == "TPK Poasia"
    fo = next(t for t in api(world, "GET", "/api/admin/teams")[1]["teams"] if t["name"] == "TPK Poasia")
    assert fo == {"name": "TPK Poasia", "children": 0, "field_officers": 1}
    # Admins only.
    planner = make_user(world["db"], "teams-planner", "planner")
    assert api(world, "GET", "/api/admin/teams", token=planner)[0] == 403
    assert api(world, "POST", "/api/admin/teams", {"name": "TPK X"}, token=planner)[0] == 403
