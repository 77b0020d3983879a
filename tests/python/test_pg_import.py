"""Imports into the shared PostgreSQL store survive a kill: `sigap import` killed with
SIGKILL while its rows are being copied in leaves the database as it was before (rows,
revision, identities), the write lock is free again, and the next import goes through.
Checked through psql, not through sigap."""

import csv
import os
import signal
import subprocess
import time

from conftest import BIN, run
from pg import APP_ROLE, SUPERUSER, pg_cluster  # noqa: F401 (the fixture)

# Copies of the demo's households in the big file: enough that the import is still
# copying rows when it is killed.
COPIES = 4


def revision(pg, name):
    return int(pg.psql(name, "SELECT value FROM sigap.sigap_meta WHERE key = 'revision'"))


def state(pg, name):
    """What an import changes: revision, rows of each layer, identities."""
    return pg.psql(name, "SELECT (SELECT value FROM sigap.sigap_meta WHERE key = 'revision') || ' ' || "
                         "(SELECT count(*) FROM sigap.households) || ' ' || "
                         "(SELECT count(*) FROM sigap.villages) || ' ' || "
                         "(SELECT count(*) FROM sigap.sigap_identities)")


def copying(pg, name):
    """Whether a session of `name` is copying households in right now."""
    return pg.psql(name, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND query LIKE 'COPY households%' AND state = 'active'") != "0"


def big_households(demo_dir, out):
    """The demo's households COPIES times over, each copy under new ids."""
    rows = list(csv.DictReader(open(demo_dir / "households.csv")))
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys())
        w.writeheader()
        for copy in range(COPIES):
            for r in rows:
                w.writerow({**r, "id": f"{r['id']}-{copy}"})
    return len(rows) * COPIES


def test_a_killed_import_leaves_postgres_as_it_was(pg_cluster, demo_dir, tmp_path):
    name = pg_cluster.database("killed")
    run("db", "init", "--db", pg_cluster.url(SUPERUSER, name))
    url = pg_cluster.url(APP_ROLE, name)
    key = tmp_path / "city.key"
    run("import", "--db", url, "--key", key, "villages", demo_dir / "villages.geojson")
    run("import", "--db", url, "--key", key, "households", demo_dir / "households.csv")
    before = state(pg_cluster, name)
    assert before.split(" ")[0] == "2" and int(before.split(" ")[1]) > 0, before
    big = tmp_path / "households-big.csv"
    n = big_households(demo_dir, big)

    for attempt in range(3):
        proc = subprocess.Popen([BIN, "import", "--db", url, "--key", key, "--replace",
                                 "households", big], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not copying(pg_cluster, name):
            assert proc.poll() is None, f"import ended before it was killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "the import never started copying"
            time.sleep(0.02)
        # Later each time: the first batches, then deeper into the file.
        time.sleep(attempt * 0.7)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"attempt {attempt}: the import finished before the kill"
        # The server notices the closed connection and rolls the transaction back.
        deadline = time.monotonic() + 30
        while copying(pg_cluster, name):
            assert time.monotonic() < deadline, "the killed import's session stayed"
            time.sleep(0.05)
        assert state(pg_cluster, name) == before, f"attempt {attempt}"

    # The write lock is free: the whole file goes in, once, as one new revision.
    run("import", "--db", url, "--key", key, "--replace", "households", big)
    after = state(pg_cluster, name).split(" ")
    assert after[0] == "3" and after[1] == str(n), after
