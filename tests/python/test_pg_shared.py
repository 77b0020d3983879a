"""The shared PostgreSQL store from the command line, on a throwaway cluster: the
schema made once by its owner, accounts and tokens written by one command and read
by the next, the audit log closed to the service role, and clear refusals where a
command cannot use PostgreSQL yet."""
import re

import csv
import sqlite3

from conftest import pseudonym, run
from pg import APP_ROLE, SUPERUSER, pg_cluster  # noqa: F401 (the fixture)


def test_db_init_makes_the_schema_and_accounts_live_in_postgres(pg_cluster):
    name = pg_cluster.database("cli")
    owner = pg_cluster.url(SUPERUSER, name)
    app = pg_cluster.url(APP_ROLE, name)

    # A database without the schema: the command says what to run.
    p = run("user", "list", "--db", app, check=False)
    assert p.returncode != 0
    assert "sigap db init" in p.stderr, p.stderr

    out = run("db", "init", "--db", owner).stdout
    assert "version 1" in out and "revision 0" in out, out
    again = run("db", "init", "--db", owner).stdout
    assert "revision 0" in again, again

    status = run("db", "status", "--db", app).stdout
    assert re.search(r"schema\s+1", status) and re.search(r"revision\s+0", status), status
    assert "may serve" in status, status
    # The superuser could rewrite the audit log: it must not serve.
    assert "must not serve" in run("db", "status", "--db", owner).stdout

    run("user", "add", "--db", app, "ani", "--role", "planner", "--password-stdin",
        input="sepuluh huruf\n")
    once = run("user", "add", "--db", app, "budi", "--role", "admin").stdout
    assert once.strip(), "no one-time password printed"
    p = run("user", "add", "--db", app, "ani", "--role", "viewer", check=False)
    assert p.returncode != 0 and "exists already" in p.stderr, p.stderr
    listed = run("user", "list", "--db", app).stdout
    rows = {line.split()[0]: line.split() for line in listed.splitlines()[1:]}
    assert rows["ani"][1:3] == ["planner", "-"] and rows["ani"][3] == "active", listed
    assert rows["budi"][1] == "admin" and rows["budi"][3] == "new", listed

    token = run("token", "add", "--db", app, "--user", "ani", "--name", "skrip").stdout.strip()
    assert token.startswith("sgp_"), token
    tokens = run("token", "list", "--db", app).stdout
    assert "skrip" in tokens and token not in tokens, tokens
    assert pg_cluster.psql(name, f"SELECT count(*) FROM sigap.sigap_tokens WHERE hash <> '{token}'") == "1"

    # Every change above is in the audit log, which the service role cannot change.
    actions = pg_cluster.psql(name, "SELECT action FROM sigap.sigap_audit ORDER BY id").split()
    assert actions.count("user_add") == 2 and "token_add" in actions, actions
    for sql in ("DELETE FROM sigap.sigap_audit", "UPDATE sigap.sigap_audit SET what = ''",
                "TRUNCATE sigap.sigap_audit"):
        try:
            pg_cluster.psql(name, sql, user=APP_ROLE)
        except AssertionError as e:
            assert "permission denied" in str(e), e
        else:
            raise AssertionError(f"{sql} succeeded as {APP_ROLE}")
    assert pg_cluster.psql(name, "SELECT count(*) FROM sigap.sigap_audit") == str(len(actions))


def test_commands_not_yet_on_postgres_say_so_without_the_password(pg_cluster, tmp_path):
    name = pg_cluster.database("not_yet")
    url = pg_cluster.url(APP_ROLE, name).replace(f"{APP_ROLE}@", f"{APP_ROLE}:rahasia-sekali@")
    villages = tmp_path / "villages.csv"
    villages.write_text("code,name\n")
    for args in (["import", "--db", url, "population", villages],
                 ["route", "--db", url, "--team", "TPK"]):
        p = run(*args, check=False)
        assert p.returncode != 0, args
        assert "GeoPackage store file only for now" in p.stderr, (args, p.stderr)
        assert "rahasia" not in p.stderr and "***" in p.stderr, p.stderr
    # A file for a PostgreSQL-only command.
    p = run("db", "status", "--db", tmp_path / "city.gpkg", check=False)
    assert p.returncode != 0 and "PostgreSQL store" in p.stderr, p.stderr


def test_sigap_import_writes_layers_into_postgres_as_into_a_file(pg_cluster, demo_dir, tmp_path):
    """The demo city's four layers through `sigap import` into PostgreSQL and into a
    GeoPackage with the same key: the same rows, under the pseudonyms Python's HMAC
    gives, at the coordinates of the files."""
    name = pg_cluster.database("imported")
    run("db", "init", "--db", pg_cluster.url(SUPERUSER, name))
    url = pg_cluster.url(APP_ROLE, name)
    key = tmp_path / "city.key"
    gpkg = tmp_path / "city.gpkg"
    files = [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
             ("households", "households.csv"), ("children", "children.csv")]

    # Without --key the import is refused before anything is read.
    p = run("import", "--db", url, "villages", demo_dir / "villages.geojson", check=False)
    assert p.returncode != 0 and "needs --key" in p.stderr, p.stderr
    assert pg_cluster.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'") == "0"

    for kind, file in files:
        into_pg = run("import", "--db", url, "--key", key, kind, demo_dir / file)
        into_file = run("import", "--db", gpkg, "--key", key, kind, demo_dir / file)
        # "imported N KIND from PATH: W written, R rejected": the same counts.
        assert into_pg.stdout.split("\n")[0] == into_file.stdout.split("\n")[0], (into_pg.stdout, into_file.stdout)
    assert pg_cluster.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'") == "4"
    status = run("db", "status", "--db", url).stdout
    with sqlite3.connect(gpkg) as lite:
        n = {t: lite.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("villages", "children", "households", "facilities")}
    assert (f"layers    {n['villages']} villages, {n['children']} children, "
            f"{n['households']} households, {n['facilities']} facilities") in status, status

    key_hex = key.read_text().strip()
    with sqlite3.connect(gpkg) as lite:
        for table, column in [("villages", "code"), ("facilities", "id"),
                              ("households", "pseudonym"), ("children", "pseudonym")]:
            in_pg = pg_cluster.psql(name, f"SELECT {column} FROM sigap.{table} ORDER BY fid").split("\n")
            in_file = [r[0] for r in lite.execute(f"SELECT {column} FROM {table} ORDER BY fid")]
            assert len(in_pg) > 3 and in_pg == in_file, table
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    stored = pg_cluster.psql(
        name, "SELECT pseudonym || ' ' || ST_X(geom)::text || ' ' || ST_Y(geom)::text "
              "FROM sigap.households ORDER BY fid").split("\n")
    assert len(stored) == len(homes)
    for row, line in zip(homes, stored):
        pseudo, x, y = line.split(" ")
        assert pseudo == pseudonym(key_hex, row["id"])
        assert abs(float(x) - float(row["lon"])) < 1e-9 and abs(float(y) - float(row["lat"])) < 1e-9

    # A second import of the same children adds nothing and changes nothing.
    p = run("import", "--db", url, "--key", key, "children", demo_dir / "children.csv", check=False)
    assert p.returncode != 0 and "the store is unchanged" in p.stderr, p.stderr
    assert pg_cluster.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'") == "4"
