"""Rotating the identity key (`sigap identity rotate-key`): every sealed name re-sealed
under a new key in one transaction, the old key kept as KEY.old-<time>, names still
readable through the API; a failure or a kill part-way leaves the store readable with
a key on disk, and the next run finishes or drops what a killed run left. The same on
a PostgreSQL store, whose key files are beside --key."""
import csv
import json
import signal
import shutil
import sqlite3
import subprocess

import pytest

from conftest import BIN, Server, make_user, pseudonym, run
from pg import APP_ROLE, SUPERUSER, pg_cluster  # noqa: F401 (the fixture)


def sealed(db):
    with sqlite3.connect(db) as c:
        return {(l, p): bytes(s) for l, p, s in c.execute("SELECT layer, pseudonym, sealed FROM sigap_identities")}


@pytest.fixture
def world(demo_db, demo_dir, tmp_path):
    """A copy of the demo store with its pseudonym key (`city.key`) and identity key
    (`city.identity.key`) in a folder of its own."""
    db = tmp_path / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    for name in ("city.key", "city.identity.key"):
        shutil.copy2(demo_db.parent / name, tmp_path / name)
    key = (tmp_path / "city.key").read_text().strip()
    kids = {pseudonym(key, r["id"]): r for r in csv.DictReader(open(demo_dir / "children.csv"))}
    return dict(db=db, dir=tmp_path, key=tmp_path / "city.key", ident=tmp_path / "city.identity.key", kids=kids)


def names_readable(world, n=3):
    """Whether the server, started with the world's keys, opens the first `n` children's names."""
    token = make_user(world["db"], "rot-planner", "planner")
    s = Server("--db", world["db"], "--key", world["key"], token=token)
    try:
        for p, row in list(world["kids"].items())[:n]:
            status, _, body = s.request("GET", f"/api/children/{p}/identity")
            assert status == 200, body
            if json.loads(body).get("name") != row["name"]:
                return False
        return True
    finally:
        s.stop()


def rotate(world, check=True):
    return run("identity", "rotate-key", "--db", world["db"], "--key", world["key"], check=check)


def leftovers(world):
    return sorted(p.name for p in world["dir"].iterdir() if p.name.startswith("city.identity.key."))


def test_rotation_reseals_every_record_keeps_the_old_key_and_names_stay_readable(world):
    before, old_key = sealed(world["db"]), world["ident"].read_text()
    assert len(before) > 1000
    # A KEY.new cut while a killed run was writing it (before it touched the store) is dropped.
    (world["dir"] / "city.identity.key.new").write_text("3f9a")
    p = rotate(world)
    n = len(before)
    assert f"{n} records re-sealed with a new identity key in {world['ident']}" in p.stdout, p.stdout
    assert f"re-sealed 1000 of {n} records" in p.stderr and f"re-sealed {n} of {n} records" in p.stderr
    new_key = world["ident"].read_text()
    assert new_key != old_key and len(new_key.strip()) == 64
    assert world["ident"].stat().st_mode & 0o777 == 0o600
    [old_copy] = leftovers(world)
    assert old_copy.startswith("city.identity.key.old-")
    assert (world["dir"] / old_copy).read_text() == old_key
    assert (world["dir"] / old_copy).stat().st_mode & 0o777 == 0o600
    after = sealed(world["db"])
    assert after.keys() == before.keys()
    assert all(after[k] != before[k] for k in before)
    with sqlite3.connect(world["db"]) as c:
        assert c.execute("SELECT username, records FROM sigap_audit WHERE action = 'identity_rotate_key'"
                         ).fetchall() == [("(console)", n)]
    assert names_readable(world)
    # The old key opens nothing any more: a server given it reads no name.
    world["ident"].write_text(old_key)
    assert not names_readable(world, n=1)


def test_a_record_that_does_not_open_stops_the_rotation_and_changes_nothing(world):
    before, old_key = sealed(world["db"]), world["ident"].read_text()
    # The last record re-sealed (ORDER BY layer, pseudonym) is changed by one byte:
    # every record before it was already re-sealed inside the transaction.
    last = max(before)
    with sqlite3.connect(world["db"]) as c:
        bad = bytearray(before[last])
        bad[-1] ^= 1
        c.execute("UPDATE sigap_identities SET sealed = ? WHERE layer = ? AND pseudonym = ?", (bytes(bad), *last))
    p = rotate(world, check=False)
    assert p.returncode != 0
    assert "a sealed households record did not open with the key" in p.stderr and "nothing was changed" in p.stderr
    assert "re-sealed 1000 of" in p.stderr  # it did fail part-way
    after = sealed(world["db"])
    assert all(after[k] == before[k] for k in before if k != last)
    assert world["ident"].read_text() == old_key and leftovers(world) == []
    assert names_readable(world)


def test_a_kill_part_way_leaves_the_store_readable_and_the_next_run_finishes(world):
    before, old_key = sealed(world["db"]), world["ident"].read_text()
    proc = subprocess.Popen([BIN, "identity", "rotate-key", "--db", str(world["db"]), "--key", str(world["key"])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert line.startswith("re-sealed 1000 of"), line
    after = sealed(world["db"])
    if world["ident"].read_text() == old_key and after == before:
        # Killed inside the transaction: rolled back, the key untouched, KEY.new left over.
        assert names_readable(world)
    else:
        # Killed after the commit: the new key is in KEY.new until the next run.
        pending = world["dir"] / "city.identity.key.new"
        assert pending.exists() and all(after[k] != before[k] for k in before)
    p = rotate(world)
    assert "records re-sealed" in p.stdout
    assert not (world["dir"] / "city.identity.key.new").exists()
    assert names_readable(world)


def test_a_run_killed_between_the_commit_and_the_rename_is_finished_by_the_next(world):
    """The one window the order of writes leaves: the store committed under the new key,
    still in KEY.new, KEY the old key. Made here from a finished rotation."""
    rotate(world)
    [old_copy] = leftovers(world)
    world["ident"].rename(world["dir"] / "city.identity.key.new")
    shutil.copy2(world["dir"] / old_copy, world["ident"])
    assert not names_readable(world, n=1)  # KEY is the old key: no name opens
    p = rotate(world)
    assert "finished the rotation a stopped run had committed" in p.stdout, p.stdout
    assert "records re-sealed" in p.stdout
    assert not (world["dir"] / "city.identity.key.new").exists()
    assert names_readable(world)


def test_rotation_on_postgres_reseals_every_record_and_a_server_reads_the_same_names(
        pg_cluster, demo_dir, tmp_path):
    """`rotate-key --db postgres://...`: the key files beside --key on this machine,
    every record re-sealed in the database, the revision unmoved, one audit row, and a
    server restarted with the new key shows the names the old one showed."""
    name = pg_cluster.database("rotate")
    run("db", "init", "--db", pg_cluster.url(SUPERUSER, name))
    url = pg_cluster.url(APP_ROLE, name)
    keys = tmp_path / "keys"
    keys.mkdir()
    key = keys / "city.key"
    ident = keys / "city.identity.key"
    # The demo's first rows (its 115 000 records take a debug build a minute).
    for kind, file, rows in [("villages", "villages.geojson", None), ("households", "households.csv", 700),
                             ("children", "children.csv", 400)]:
        if rows:
            lines = open(demo_dir / file).read().splitlines(keepends=True)[:rows + 1]
            (tmp_path / file).write_text("".join(lines))
        run("import", "--db", url, "--key", key, kind, tmp_path / file if rows else demo_dir / file)
    key_hex = key.read_text().strip()
    kids = [(pseudonym(key_hex, r["id"]), r["name"]) for r in csv.DictReader(open(tmp_path / "children.csv"))][:3]

    def stored():
        rows = pg_cluster.psql(name, "SELECT layer || '/' || pseudonym || ' ' || md5(sealed) "
                                     "FROM sigap.sigap_identities").split("\n")
        return dict(r.split(" ") for r in rows)

    def revision():
        return pg_cluster.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'")

    def names(token):
        s = Server("--db", url, "--key", key, token=token)
        try:
            return [json.loads(s.request("GET", f"/api/children/{p}/identity")[2]).get("name") for p, _ in kids]
        finally:
            s.stop()

    token = make_user(url, "rot-planner", "planner")
    assert names(token) == [n for _, n in kids]
    before, old_key, rev = stored(), ident.read_text(), revision()
    assert len(before) == 1100, len(before)

    # Without --key on PostgreSQL: refused, nothing touched.
    p = run("identity", "rotate-key", "--db", url, check=False)
    assert p.returncode != 0 and "needs --key FILE for identity rotate-key" in p.stderr, p.stderr
    assert stored() == before and sorted(f.name for f in keys.iterdir()) == ["city.identity.key", "city.key"]

    p = run("identity", "rotate-key", "--db", url, "--key", key)
    n = len(before)
    assert f"{n} records re-sealed with a new identity key in {ident}" in p.stdout, p.stdout
    assert "to every server of this database" in p.stdout and "restart each one" in p.stdout, p.stdout
    assert f"re-sealed 1000 of {n} records" in p.stderr and f"re-sealed {n} of {n} records" in p.stderr, p.stderr
    after = stored()
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in before)
    assert revision() == rev
    [old_copy] = [f for f in keys.iterdir() if f.name.startswith("city.identity.key.old-")]
    assert old_copy.read_text() == old_key and ident.read_text() != old_key
    assert not (keys / "city.identity.key.new").exists()
    assert pg_cluster.psql(name, "SELECT username || ' ' || records FROM sigap.sigap_audit "
                                 "WHERE action = 'identity_rotate_key'") == f"(console) {n}"
    assert names(token) == [n for _, n in kids]
    # The old key opens nothing any more: a server given it reads no name.
    ident.write_text(old_key)
    assert all(got != want for got, (_, want) in zip(names(token), kids))
