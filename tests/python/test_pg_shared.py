"""The shared PostgreSQL store from the command line, on a throwaway cluster: the
schema made once by its owner, accounts and tokens written by one command and read
by the next, the audit log closed to the service role, and clear refusals that never
show the database's password."""
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

    # Teams live in the database too: added by one command, known to the next.
    p = run("user", "add", "--db", app, "cici", "--role", "field_officer", "--team", "TPK Mandonga",
            check=False)
    assert p.returncode != 0 and "unknown team `TPK Mandonga`" in p.stderr, p.stderr
    assert "team TPK Mandonga added" in run("team", "add", "--db", app, "TPK  Mandonga").stdout
    p = run("team", "add", "--db", app, "tpk mandonga", check=False)
    assert p.returncode != 0 and "TPK Mandonga" in p.stderr, p.stderr
    assert run("team", "list", "--db", app).stdout.splitlines() == ["TPK Mandonga"]
    run("user", "add", "--db", app, "cici", "--role", "field_officer", "--team", "tpk mandonga",
        "--password-stdin", input="sepuluh huruf\n")
    assert pg_cluster.psql(name, "SELECT team FROM sigap.sigap_users WHERE username = 'cici'") == "TPK Mandonga"

    token = run("token", "add", "--db", app, "--user", "ani", "--name", "skrip").stdout.strip()
    assert token.startswith("sgp_"), token
    tokens = run("token", "list", "--db", app).stdout
    assert "skrip" in tokens and token not in tokens, tokens
    assert pg_cluster.psql(name, f"SELECT count(*) FROM sigap.sigap_tokens WHERE hash <> '{token}'") == "1"

    # Every change above is in the audit log, which the service role cannot change.
    actions = pg_cluster.psql(name, "SELECT action FROM sigap.sigap_audit ORDER BY id").split()
    assert actions.count("user_add") == 3 and "token_add" in actions and "team_add" in actions, actions
    for sql in ("DELETE FROM sigap.sigap_audit", "UPDATE sigap.sigap_audit SET what = ''",
                "TRUNCATE sigap.sigap_audit"):
        try:
            pg_cluster.psql(name, sql, user=APP_ROLE)
        except AssertionError as e:
            assert "permission denied" in str(e), e
        else:
            raise AssertionError(f"{sql} succeeded as {APP_ROLE}")
    assert pg_cluster.psql(name, "SELECT count(*) FROM sigap.sigap_audit") == str(len(actions))


def test_refusals_name_the_database_without_the_password(pg_cluster, tmp_path):
    """Every command takes a postgres:// URL now; where one cannot go on, its message
    names the database with the password masked."""
    name = pg_cluster.database("refused")
    url = pg_cluster.url(APP_ROLE, name).replace(f"{APP_ROLE}@", f"{APP_ROLE}:rahasia-sekali@")
    # `identity rotate-key` needs the key file named: the keys are never in the database.
    p = run("identity", "rotate-key", "--db", url, check=False)
    assert p.returncode != 0 and "needs --key FILE" in p.stderr, p.stderr
    assert "rahasia" not in p.stderr and "***" in p.stderr, p.stderr
    # A database without the schema: the command says what to run.
    p = run("identity", "rotate-key", "--db", url, "--key", tmp_path / "city.key", check=False)
    assert p.returncode != 0 and "sigap db init" in p.stderr, p.stderr
    assert "rahasia" not in p.stderr and "***" in p.stderr, p.stderr
    assert not (tmp_path / "city.identity.key").exists()
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


def deliveries(rows):
    """Ledger rows as comparable tuples: text as stored, amounts as numbers (SQLite
    gives 90.0 where psql prints 90), NULL and psql's empty field as None."""
    def amount(v):
        return None if v in (None, "") else float(v)

    def text(v):
        return None if v in (None, "") else v

    return sorted((r[0], r[1], r[2], r[3], r[4], amount(r[5]), text(r[6]), amount(r[7]),
                   text(r[8]), r[9]) for r in rows)


def test_sigap_import_interventions_into_postgres_as_into_a_file(pg_cluster, demo_dir, tmp_path):
    """The demo's ledger through `sigap import interventions` into PostgreSQL and into
    a GeoPackage holding the same layers under the same key: the same summary and the
    same rows. A bad file is refused on PostgreSQL row by row as on a file, and
    writes nothing."""
    name = pg_cluster.database("ledger")
    run("db", "init", "--db", pg_cluster.url(SUPERUSER, name))
    url = pg_cluster.url(APP_ROLE, name)
    key = tmp_path / "city.key"
    gpkg = tmp_path / "city.gpkg"
    # The demo's five layer files (two rounds of children), as `sigap demo` imports them.
    for kind, file in [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
                       ("households", "households.csv"), ("children", "children-2026-02.csv"),
                       ("children", "children.csv")]:
        run("import", "--db", url, "--key", key, kind, demo_dir / file)
        run("import", "--db", gpkg, "--key", key, kind, demo_dir / file)

    def revision():
        return pg_cluster.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'")

    # Without --key the ids could not be matched: refused before anything is read.
    p = run("import", "--db", url, "interventions", demo_dir / "interventions.csv", check=False)
    assert p.returncode != 0 and "needs --key" in p.stderr, p.stderr

    # One good row, a child the store does not have, and a pregnant women's
    # programme for a household with no pregnant woman (the household's target
    # groups as PostgreSQL keeps them).
    ledger = list(csv.DictReader(open(demo_dir / "interventions.csv")))
    good = next(r for r in ledger if r["program"] == "pmt")
    no_bumil = next(h["id"] for h in csv.DictReader(open(demo_dir / "households.csv"))
                    if h["bumil"] == "false")
    bumil = next(r for r in ledger if r["program"] == "ttd_bumil")
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(good))
        w.writeheader()
        w.writerow(good)
        w.writerow({**good, "id_anak": "9999999999999999"})
        w.writerow({**bumil, "id_keluarga": no_bumil})
    refused = {}
    for db in (url, gpkg):
        p = run("import", "--db", db, "--key", key, "interventions", bad, check=False)
        assert p.returncode != 0 and "the store is unchanged" in p.stderr, p.stderr
        refused[db] = [line for line in p.stderr.splitlines() if "bad.csv:" in line]
    assert "bad.csv:3: field `id_anak`: no child with this id in the store" in p.stderr, p.stderr
    assert ("bad.csv:4: field `id_keluarga`: `ttd_bumil` reaches bumil but this household has "
            "none in the family data") in p.stderr, p.stderr
    assert "bad.csv:2:" not in p.stderr
    assert refused[url] == refused[gpkg] and len(refused[url]) == 2, refused
    assert pg_cluster.psql(name, "SELECT count(*) FROM sigap.sigap_deliveries") == "0"
    assert revision() == "5"

    into_pg = run("import", "--db", url, "--key", key, "interventions", demo_dir / "interventions.csv")
    into_file = run("import", "--db", gpkg, "--key", key, "interventions", demo_dir / "interventions.csv")
    # "imported N deliveries from PATH: A added, P already in the ledger (per
    # programme; store revision R)": both stores were at revision 5.
    first = into_pg.stdout.split("\n")[0]
    assert first == into_file.stdout.split("\n")[0], (into_pg.stdout, into_file.stdout)
    assert f"imported {len(ledger)} deliveries" in first and f"{len(ledger)} added" in first, first
    assert "ttd_bumil" in first and revision() == "6", first

    columns = 'programme, recipient_kind, recipient, date, period, quantity, unit, cost, "by", source'
    in_pg = [line.split("|") for line in
             pg_cluster.psql(name, f"SELECT {columns} FROM sigap.sigap_deliveries").split("\n")]
    with sqlite3.connect(gpkg) as lite:
        in_file = lite.execute(f"SELECT {columns} FROM sigap_deliveries").fetchall()
    assert len(in_pg) == len(ledger) and deliveries(in_pg) == deliveries(in_file)

    # The same file again adds nothing.
    again = run("import", "--db", url, "--key", key, "interventions", demo_dir / "interventions.csv")
    assert f"0 added, {len(ledger)} already in the ledger" in again.stdout, again.stdout
