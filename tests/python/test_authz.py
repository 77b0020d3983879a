"""The authorisation matrix: every endpoint x every kind of caller, with the exact
status, and for the aggregate endpoints the same body for every role allowed.

Callers: admin, planner, field officer (team + villages), viewer, no credential, a
revoked token, a disabled user's token. Which case records each role gets is
tests/python/test_cases.py; imports over HTTP and case tiles are not built yet."""
import json
import sqlite3

import pytest

from conftest import Server, make_user, run

ROLES = ["admin", "planner", "field_officer", "viewer"]
CALLERS = ROLES + ["none", "revoked", "disabled"]
STAFF = {r: 200 for r in ROLES} | {"none": 401, "revoked": 401, "disabled": 401}
CASES = {"admin": 200, "planner": 200, "field_officer": 200, "viewer": 403,
         "none": 401, "revoked": 401, "disabled": 401}
ADMIN = {"admin": 200, "planner": 403, "field_officer": 403, "viewer": 403,
         "none": 401, "revoked": 401, "disabled": 401}
PUBLIC = {c: 200 for c in CALLERS}


@pytest.fixture(scope="module")
def world(demo_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("authz") / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    run("team", "add", "--db", db, "Dinas Kesehatan")  # no assignments in this store
    tokens = {
        "admin": make_user(db, "m-admin", "admin"),
        "planner": make_user(db, "m-planner", "planner"),
        "field_officer": make_user(db, "m-field", "field_officer", team="Dinas Kesehatan",
                                   villages=["7471011005", "7471011006"]),
        "viewer": make_user(db, "m-viewer", "viewer"),
        "none": None,
        "revoked": make_user(db, "m-revoked", "planner"),
        "disabled": make_user(db, "m-disabled", "planner"),
    }
    ids = [l.split()[0] for l in run("token", "list", "--db", db).stdout.splitlines()[1:] if " m-revoked " in l]
    run("token", "revoke", "--db", db, ids[0])
    run("user", "disable", "--db", db, "m-disabled")
    # An account for the admin to reset (a reset revokes its tokens: not a caller's).
    make_user(db, "m-reset", "viewer")
    s = Server("--db", db, token=None)
    yield s, tokens
    s.stop()


def tile_path(srv, tokens):
    tj = json.loads(srv.get("/tiles/hexes.json", token=tokens["planner"])[2])
    lon, lat, _ = tj["center"]
    import math
    z = 12
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/hexes/{z}/{x}/{y}.mvt"


GETS = [
    ("/health", PUBLIC),
    ("/", PUBLIC),
    ("/web/app.js", PUBLIC),
    ("/api/villages", STAFF),
    ("/api/villages/7471011005/profile", STAFF),
    ("/api/hexes?res=7", STAFF),
    ("/api/config", STAFF),
    ("/api/periods", STAFF),
    ("/api/targets?top=5", STAFF),
    ("/api/targets?top=5&format=csv", STAFF),
    ("/tiles/villages.json", STAFF),
    ("/tiles/villages/12/3430/2058.mvt", None),  # a tile: staff statuses, 200 or 204
    ("TILE", None),
    ("/api/tokens", STAFF),
    ("/api/cases/children", CASES),
    ("/api/cases/children?format=csv", CASES),
    ("/api/cases/households", CASES),
    ("/api/admin/users", ADMIN),
    ("/api/admin/tokens", ADMIN),
    ("/api/admin/audit", ADMIN),
    ("/public/api/summary", PUBLIC),
    ("/public/api/villages", PUBLIC),
    ("/public/api/hexes?res=8", PUBLIC),
    ("/public/tiles/villages.json", PUBLIC),
    ("/embed", PUBLIC),
    ("/embed/snippet", PUBLIC),
    ("CASE_TILE", None),
]


@pytest.mark.parametrize("path,want", GETS, ids=[p for p, _ in GETS])
def test_get_matrix(world, path, want):
    srv, tokens = world
    if path == "TILE":
        path = tile_path(srv, tokens)
    case_tile = path == "CASE_TILE"
    if case_tile:
        path = tile_path(srv, tokens).replace("/tiles/hexes/12/", "/tiles/cases/households/12/")
    bodies = {}
    for who in CALLERS:
        status, _, body = srv.get(path, token=tokens[who])
        if case_tile:  # case points: not for viewers
            if who in ("admin", "planner", "field_officer"):
                assert status in (200, 204), (path, who, status)
            else:
                assert status == (403 if who == "viewer" else 401), (path, who, status)
        elif want is None:  # a tile: 200 or 204 (empty) for staff
            expected_ok = who in ROLES
            assert (status in (200, 204)) if expected_ok else status == 401, (path, who, status)
        else:
            assert status == want[who], (path, who, status, body[:200])
        if status == 200:
            bodies[who] = body
    if not case_tile and path.startswith(("/api/villages", "/api/hexes", "/api/config", "/api/periods",
                                          "/api/targets", "/tiles/", "/public/")):
        # Aggregates: every role allowed gets the very same answer.
        assert len(set(bodies.values())) <= 1, (path, {k: len(v) for k, v in bodies.items()})


def test_me_answers_everyone_with_their_own_account(world):
    srv, tokens = world
    for who in ROLES:
        user = json.loads(srv.get("/api/me", token=tokens[who])[2])["user"]
        assert user["role"] == who and user["username"].startswith("m-")
    assert json.loads(srv.get("/api/me", token=None)[2])["user"] is None
    for who in ["revoked", "disabled"]:
        assert srv.get("/api/me", token=tokens[who])[0] == 401


@pytest.mark.parametrize("method,path,body,want", [
    ("POST", "/api/admin/users", {"username": "m-new", "role": "viewer"},
     {"admin": 201, "planner": 403, "field_officer": 403, "viewer": 403, "none": 401, "revoked": 401, "disabled": 401}),
    ("POST", "/api/admin/users/m-reset/password", None,
     {"admin": 200, "planner": 403, "field_officer": 403, "viewer": 403, "none": 401, "revoked": 401, "disabled": 401}),
    ("POST", "/api/tokens", {"name": "matrix"},
     {"admin": 201, "planner": 201, "field_officer": 201, "viewer": 201, "none": 401, "revoked": 401, "disabled": 401}),
    # No ?filename: 400 for those who may import, before anything is read.
    ("POST", "/api/import/households", b"id,lat,lon\n",
     {"admin": 400, "planner": 400, "field_officer": 403, "viewer": 403, "none": 401, "revoked": 401, "disabled": 401}),
    ("POST", "/api/logout", None,
     {"admin": 204, "planner": 204, "field_officer": 204, "viewer": 204, "none": 401, "revoked": 401, "disabled": 401}),
])
def test_state_changing_matrix(world, method, path, body, want):
    srv, tokens = world
    for who in CALLERS:
        status, _, resp = srv.request(method, path, body, token=tokens[who])
        if path == "/api/admin/users" and who == "admin":
            assert status == 201, resp
            continue
        assert status == want[who], (method, path, who, status, resp[:200])
