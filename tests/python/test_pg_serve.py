"""Several `sigap serve` processes on one PostgreSQL database, beside one serving a
GeoPackage with the same files and key: the same answers byte for byte, a session
made on one server valid on the other, and an import through one server seen by the
other without a restart."""
import csv
import json
import os
import re
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from conftest import Server, make_user, run
from pg import APP_ROLE, SUPERUSER, pg_cluster  # noqa: F401 (the fixture)
from test_pg_import import big_households, copying, state
from test_tiles import tile_range

LAYERS = [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
          ("households", "households.csv"), ("children", "children.csv")]
PW = "kata sandi bersama"


@pytest.fixture(scope="module")
def shared(pg_cluster, demo_dir, tmp_path_factory):
    """The demo city's four layers, population raster and roads imported with one
    key, and its children shared among teams, into a PostgreSQL database (served by
    `a` and `b`) and into a GeoPackage (served by `g`), each through the CLI."""
    d = tmp_path_factory.mktemp("shared")
    name = pg_cluster.database("serve")
    run("db", "init", "--db", pg_cluster.url(SUPERUSER, name))
    url = pg_cluster.url(APP_ROLE, name)
    key = d / "city.key"
    gpkg = d / "city.gpkg"
    for db in (url, gpkg):
        for kind, file in LAYERS:
            run("import", "--db", db, "--key", key, kind, demo_dir / file)
        run("import", "--db", db, "population", demo_dir / "population.tif")
        run("import", "--db", db, "roads", demo_dir / "roads.osm.pbf")
        run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    # A quick login policy, so the throttle test waits seconds, not minutes.
    cfg = d / "sigap.toml"
    cfg.write_text("[auth]\nslow_after = 2\nlock_after = 4\nbase_delay_seconds = 1\n"
                   "max_delay_seconds = 2\nlock_minutes = 1\n")
    logs = [open(d / f"{n}.log", "w") for n in "abg"]
    servers = [Server("--db", db, "--key", key, "--config", cfg, stderr=log)
               for db, log in zip((url, url, gpkg), logs)]
    yield SimpleNamespace(cluster=pg_cluster, name=name, url=url, key=key, gpkg=gpkg, dir=d, cfg=cfg,
                          a=servers[0], b=servers[1], g=servers[2])
    for s in servers:
        s.stop()
    for log in logs:
        log.close()


def same_bytes(one, other, path):
    """`path` from two servers: the status and the body, with each server's own
    address taken out (TileJSON names it), and the second a day's plan was saved at
    (each store saves its own plan on the first request, one after the other: a
    second may tick between them)."""
    s1, _, b1 = one.get(path)
    s2, _, b2 = other.get(path)
    assert s1 == s2, (path, s1, s2, b1[:200], b2[:200])
    made_at = re.compile(rb'"made_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')
    b1 = made_at.sub(b'"made_at":"T"', b1.replace(one.url.encode(), b"HOST"))
    b2 = made_at.sub(b'"made_at":"T"', b2.replace(other.url.encode(), b"HOST"))
    assert b1 == b2, (path, b1[:300], b2[:300])
    return s1, b1


API = ["/health", "/api/config", "/basemap/style.json", "/api/route?team=Dinas%20Kesehatan", "/api/periods", "/api/villages", "/api/hexes?res=7",
       "/api/hexes?res=8", "/api/targets", "/api/coverage", "/api/measurement",
       "/api/cases/children", "/api/cases/households", "/api/rembuk", "/api/review",
       "/public/api/summary", "/public/api/villages", "/public/api/hexes",
       "/public/api/coverage", "/tiles/hexes.json", "/tiles/villages.json",
       "/tiles/facilities.json", "/public/tiles/hexes.json"]


def test_every_answer_from_postgres_is_the_one_from_a_file(shared):
    """The same files and key into either store: byte-identical API answers and
    tiles, staff and public, from a GeoPackage server and from both PostgreSQL
    servers."""
    served = 0
    for path in API:
        status, _ = same_bytes(shared.g, shared.a, path)
        same_bytes(shared.a, shared.b, path)
        served += status == 200
    assert served == len(API), served
    code = re.search(rb'"code":"([^"]+)"', shared.a.get("/api/villages")[2]).group(1).decode()
    same_bytes(shared.g, shared.a, f"/api/villages/{code}/profile")
    bounds = json.loads(shared.a.get("/tiles/hexes.json")[2])["bounds"]
    tiles = 0
    for z in (11, 13):
        for x, y in tile_range(bounds, z):
            for layer in ("/tiles/hexes", "/tiles/villages", "/tiles/facilities",
                          "/public/tiles/hexes", "/public/tiles/villages"):
                status, _ = same_bytes(shared.g, shared.a, f"{layer}/{z}/{x}/{y}.mvt")
                tiles += status == 200
    assert tiles > 20, tiles


def test_the_commands_say_the_same_on_either_store(shared):
    """`targets`, `route` and `travel-time` read a PostgreSQL store as they read the
    file, to the byte."""
    team = "Dinas Kesehatan"
    for args in (["targets", "--format", "csv", "--columns", "key"],
                 ["route", "--team", team, "--format", "json"],
                 ["travel-time", "--from", "-3.99,122.51", "--to", "-3.96,122.55", "--json"]):
        on_pg = run(args[0], "--db", shared.url, *args[1:]).stdout
        on_file = run(args[0], "--db", shared.gpkg, *args[1:]).stdout
        assert len(on_pg) > 100, (args, on_pg)
        # A file made by the run says when; nothing else may differ.
        strip = lambda t: re.sub(r'"made":\s*"[^"]*"', "", t)  # noqa: E731
        assert strip(on_pg) == strip(on_file), args


def test_published_files_are_the_same_from_either_store(shared):
    """`sigap publish` from the database and from the file: the same files, to the
    byte (each made by the same run of the figures)."""
    out = {}
    for label, db in (("pg", shared.url), ("file", shared.gpkg)):
        out[label] = shared.dir / f"published-{label}"
        run("publish", "--db", db, "--out", out[label])
    files = sorted(p.relative_to(out["pg"]) for p in out["pg"].rglob("*") if p.is_file())
    archives = [f for f in files if f.suffix == ".pmtiles"]
    assert len(files) > 20 and len(archives) >= 2, files
    assert files == sorted(p.relative_to(out["file"]) for p in out["file"].rglob("*") if p.is_file())
    differ = [f for f in files if (out["pg"] / f).read_bytes() != (out["file"] / f).read_bytes()]
    assert not differ, differ[:10]


def login(srv, user):
    status, headers, body = srv.request("POST", "/api/login", {"username": user, "password": PW},
                                        token=None)
    assert status == 200, body
    cookie = re.match(r"sigap_session=([0-9a-f]+);", headers["set-cookie"]).group(1)
    return {"Cookie": f"sigap_session={cookie}", "X-CSRF-Token": json.loads(body)["csrf"]}


def until(check, seconds=120):
    """Polls `check` until it is true; how long that took (fails after `seconds`)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not seen in time"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_session_made_on_one_server_is_valid_on_the_other(shared):
    make_user(shared.url, "sari", "planner", password=PW)
    h = login(shared.a, "sari")
    me = lambda srv: json.loads(srv.get("/api/me", headers=h, token=None)[2])["user"]  # noqa: E731
    assert me(shared.a)["username"] == "sari"
    assert me(shared.b)["username"] == "sari"
    assert shared.b.get("/api/villages", headers=h, token=None)[0] == 200
    # Logged out on b: refused on a too, though a had the session cached.
    assert shared.b.request("POST", "/api/logout", headers=h, token=None)[0] == 204
    took = until(lambda: shared.a.get("/api/villages", headers=h, token=None)[0] == 401)
    print(f"logout on b refused on a after {took:.2f} s")
    # Disabled by the CLI: refused on both.
    h = login(shared.b, "sari")
    assert shared.a.get("/api/villages", headers=h, token=None)[0] == 200
    run("user", "disable", "--db", shared.url, "sari")
    for srv in (shared.a, shared.b):
        until(lambda: srv.get("/api/villages", headers=h, token=None)[0] == 401)
    # A file server knows nothing of it: its accounts are its own.
    assert shared.g.get("/api/villages", headers=h, token=None)[0] == 401


def test_an_import_through_one_server_is_seen_by_the_other(shared, demo_dir):
    """Children of a new month posted to a: b lists the month and serves its tiles
    without a restart, and the import is in the shared audit log."""
    periods = json.loads(shared.b.get("/api/periods")[2])
    before = [p["period"] if isinstance(p, dict) else p for p in periods["periods"]]
    rows = list(csv.DictReader(open(demo_dir / "children.csv")))
    month = max(before)
    year, mon = map(int, month.split("-"))
    later = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    for r in rows:
        r["measure_date"] = f"{later}-{min(int(r['measure_date'][8:10]), 28):02d}"
    upload = shared.dir / "children-later.csv"
    with open(upload, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys())
        w.writeheader()
        w.writerows(rows)
    revision = json.loads(shared.b.get("/api/coverage")[2])["revision"]
    status, _, body = shared.a.request(
        "POST", f"/api/import/children?filename=children-later.csv&period={later}",
        upload.read_bytes(), headers={"Content-Type": "text/csv"})
    assert status == 200, body
    done = json.loads(body)
    assert done["revision"] == revision + 1 and done["read"] == len(rows), done

    def seen():
        listed = json.loads(shared.b.get("/api/periods")[2])["periods"]
        return later in [p["period"] if isinstance(p, dict) else p for p in listed]
    took = until(seen)
    print(f"import through a seen on b after {took:.2f} s")
    assert json.loads(shared.b.get("/api/coverage")[2])["revision"] == revision + 1
    same_bytes(shared.a, shared.b, f"/api/hexes?res=8&period={later}")
    bounds = json.loads(shared.b.get("/tiles/hexes.json")[2])["bounds"]
    x, y = next(iter(tile_range(bounds, 12)))
    same_bytes(shared.a, shared.b, f"/tiles/hexes/12/{x}/{y}.mvt?period={later}")
    audit = pg_cluster_psql(shared, "SELECT action || ' ' || what FROM sigap.sigap_audit "
                                    "WHERE action = 'import'")
    assert "import children" in audit, audit


def pg_cluster_psql(shared, sql):
    return shared.cluster.psql(shared.name, sql)


def test_serve_on_postgres_needs_the_key_and_hides_the_password(pg_cluster, shared):
    url = shared.url.replace(f"{APP_ROLE}@", f"{APP_ROLE}:rahasia-sekali@")
    p = run("serve", "--db", url, "--addr", "127.0.0.1:0", check=False)
    assert p.returncode != 0 and "needs --key" in p.stderr, p.stderr
    assert "rahasia" not in p.stderr, p.stderr


def test_failed_logins_on_either_server_count_together(shared):
    """The throttle lives in the database: two failures on a and one on b make the
    third wait, on both servers, even with the right password."""
    make_user(shared.url, "tono", "planner", password=PW)
    wrong = {"username": "tono", "password": "bukan kata sandinya"}
    post = lambda srv, body: srv.request("POST", "/api/login", body, token=None)  # noqa: E731
    assert post(shared.a, wrong)[0] == 401
    assert post(shared.b, wrong)[0] == 401
    status, headers, _ = post(shared.a, wrong)
    assert status == 429 and int(headers["retry-after"]) >= 1, status
    assert post(shared.b, {"username": "tono", "password": PW})[0] == 429
    audit = shared.cluster.psql(shared.name, "SELECT count(*) FROM sigap.sigap_audit "
                                             "WHERE username = 'tono' AND action = 'login_failed'")
    assert audit == "2", audit


def test_servers_heal_when_their_database_sessions_are_cut(shared, demo_dir):
    """Every session on the database ended by the server (as a database restart or a
    dropped network would): each server answers again after at most one failed
    request per session, logins included, and hears the next import."""
    make_user(shared.url, "rini", "planner", password=PW)
    cut = shared.cluster.psql(shared.name, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert int(cut) >= 4, cut  # each server's store, reader, accounts (2) and listener
    for srv in (shared.a, shared.b):
        failed = 0
        for path in ("/api/visits", "/api/villages", "/api/visits"):
            while srv.get(path)[0] != 200:
                failed += 1
                assert failed <= 4, (srv.url, path)
        for _ in range(3):
            status = srv.request("POST", "/api/login", {"username": "rini", "password": PW}, token=None)[0]
            if status == 200:
                break
            assert status >= 500, status
        assert status == 200
    revision = json.loads(shared.a.get("/api/coverage")[2])["revision"]
    run("assign", "--db", shared.url, "--teams", demo_dir / "teams.csv", "--reassign")
    for srv in (shared.a, shared.b):
        until(lambda: json.loads(srv.get("/api/coverage")[2])["revision"] > revision)


def test_a_server_killed_mid_import_leaves_the_database_and_the_others_answer(shared, demo_dir):
    """A third server on the database takes a big households upload and is killed
    with SIGKILL while it copies rows in, twice: the database is as it was, and while
    the rows went in the other servers kept answering."""
    pg, name = shared.cluster, shared.name
    big = shared.dir / "households-big.csv"
    big_households(demo_dir, big)
    body = big.read_bytes()
    before = state(pg, name)
    bounds = json.loads(shared.b.get("/tiles/hexes.json")[2])["bounds"]
    x, y = next(iter(tile_range(bounds, 12)))
    path = "/api/import/households?filename=households-big.csv&replace=true"

    def post(srv):
        try:
            srv.request("POST", path, body, headers={"Content-Type": "text/csv"})
        except OSError:
            pass  # the server was killed under the request

    for attempt in range(2):
        c = Server("--db", shared.url, "--key", shared.key)
        upload = threading.Thread(target=post, args=(c,), daemon=True)
        upload.start()
        until(lambda: copying(pg, name), seconds=180)
        # While c copies rows in, b answers from its snapshot without waiting.
        for p in ("/api/villages", "/public/api/summary", f"/tiles/hexes/12/{x}/{y}.mvt"):
            assert shared.b.get(p)[0] == 200, p
        time.sleep(attempt * 0.5)
        os.kill(c.proc.pid, signal.SIGKILL)
        c.proc.wait()
        upload.join(timeout=30)
        until(lambda: not copying(pg, name), seconds=30)
        assert state(pg, name) == before, f"attempt {attempt}"
    # The write lock is free again: the demo's own households go back in, once, and
    # both servers move to that revision.
    run("import", "--db", shared.url, "--key", shared.key, "--replace", "households",
        demo_dir / "households.csv")
    after = state(pg, name).split(" ")
    assert after[0] == str(int(before.split(" ")[0]) + 1) and after[1:] == before.split(" ")[1:], after
    for srv in (shared.a, shared.b):
        until(lambda: json.loads(srv.get("/api/coverage")[2])["revision"] == int(after[0]))
