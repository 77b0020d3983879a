"""A throwaway PostgreSQL cluster for the tests of the shared store.

initdb in a fresh directory under /tmp (pytest's tmp_path lies under a 0700 root
directory the postgres user cannot enter), the server on a free loopback port with
its socket in that directory, trust authentication, no locale, fsync off; PostGIS in
a template each test's database copies, and the roles sigap_owner (NOLOGIN, owns the
schema) and sigap_app (what the service logs in as). As root, initdb and pg_ctl run
as the postgres user: they refuse root. Stopped and removed at the end of the session.

Without the binaries a test is skipped, unless CI or SIGAP_REQUIRE_POSTGRES (set by
`make test`) is: there it fails, naming the package `make deps-test` installs.
"""
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")
TEMPLATE = "sigap_template"
APP_ROLE = "sigap_app"
OWNER_ROLE = "sigap_owner"
SUPERUSER = "postgres"


class Cluster:
    def __init__(self, durable=False):
        """`durable`: fsync and full page writes on, as a real server runs (for
        benchmarks); off by default, since tests throw the data away."""
        self.dir = Path(tempfile.mkdtemp(prefix="sigap-pg-", dir="/tmp"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._names = itertools.count()
        started = time.monotonic()
        data = self.dir / "data"
        self._server("initdb", "-D", data, "--auth=trust", "-U", SUPERUSER, "-E", "UTF8", "--no-locale")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._server("pg_ctl", "-D", data, "-l", self.dir / "server.log", "-w", "-o", options, "start")
        for sql in (f"CREATE DATABASE {TEMPLATE}", f"CREATE ROLE {OWNER_ROLE} NOLOGIN",
                    f"CREATE ROLE {APP_ROLE} LOGIN"):
            self.psql("postgres", sql)
        self.psql(TEMPLATE, "CREATE EXTENSION postgis")
        self.started_in = time.monotonic() - started

    def _server(self, program, *args):
        cmd = [str(BIN / program), *map(str, args)]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")

    def psql(self, dbname, sql, user=SUPERUSER):
        """Runs `sql` with psql; its output, unaligned, tuples only."""
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir),
                            "-p", str(self.port), "-U", user, "-d", dbname, "-c", sql],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError(f"psql {sql!r} as {user}:\n{p.stderr}")
        return p.stdout.strip()

    def url(self, user, dbname):
        """A postgres:// URL through the cluster's socket."""
        return f"postgres://{user}@{quote(str(self.dir), safe='')}:{self.port}/{dbname}"

    def database(self, name):
        """A new database with PostGIS, unique in this cluster; its name."""
        name = f"{name}_{next(self._names)}"
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def stop(self):
        try:
            self._server("pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    for path, package in ((BIN / "initdb", "postgresql-15"), (POSTGIS, "postgresql-15-postgis-3")):
        if not path.exists():
            if os.environ.get("CI") or os.environ.get("SIGAP_REQUIRE_POSTGRES"):
                pytest.fail(f"{path} is missing: install the Debian package {package} (make deps-test)")
            pytest.skip(f"{path} is missing (install {package})")
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
