"""Fixtures for the end-to-end tests: the real `sigap` binary on a loopback port.

`SIGAP_BIN` names the binary (make test sets it to target/debug/sigap).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("SIGAP_BIN", str(ROOT / "target" / "debug" / "sigap"))


def run(*args, check=True, **kw):
    """Runs the sigap binary and returns the CompletedProcess (text mode)."""
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"sigap {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def pseudonym(key_hex, source_id):
    """What sigap stores for `source_id`: HMAC-SHA256 with the store's key (Python's
    hmac, independent of sigap), first 20 hex digits."""
    import hashlib
    import hmac

    return hmac.new(bytes.fromhex(key_hex), source_id.strip().encode(), hashlib.sha256).hexdigest()[:20]


def make_user(db, name, role, team=None, villages=(), password=None):
    """Adds an account to the store `db` (if it has none of that name) and returns a new
    API token of it, through the `sigap user add` / `sigap token add` commands."""
    args = ["user", "add", "--db", db, name, "--role", role]
    if team:
        args += ["--team", team]
    if villages:
        args += ["--villages", ",".join(villages)]
    if password:
        args.append("--password-stdin")
    p = run(*args, check=False, input=(password + "\n") if password else None)
    if p.returncode != 0 and "exists already" not in p.stderr:
        raise AssertionError(f"sigap user add failed:\n{p.stdout}\n{p.stderr}")
    return run("token", "add", "--db", db, "--user", name).stdout.strip()


# Columns of the case records: never a key of a public answer.
PRIVATE_FIELDS = ("birth_date", "pseudonym", "source_id", "haz", "waz", "whz", "sex", "height_cm", "weight_kg",
                  "measure_date", "has_latrine", "safe_water", "improved_sanitation")


def _windows(runs, width):
    """Every `width`-long piece of the strings in `runs`."""
    return {r[i:i + width] for r in runs for i in range(len(r) - width + 1)}


def assert_no_private_data(text, kids, homes, k, key_hex=None):
    """The leak scan every public output passes: no record's id (or its pseudonym under
    `key_hex`), birth date or coordinate (to 4 decimals), no name of a record's field as a
    JSON key, and no count field holding 1..k-1.

    The text is cut into its digit runs, hex runs, dates and numbers once, and every
    record looked up in those sets (a substring search per record is too slow for the
    tiles' text): an id is any 16 digits in a row, a pseudonym any 20 hex digits."""
    import re

    digits = _windows(set(re.findall(r"\d{16,}", text)), 16)
    hexes = _windows(set(re.findall(r"[0-9a-f]{20,}", text)), 20)
    dates = set(re.findall(r"\d{4}-\d{2}-\d{2}", text))
    numbers = set(re.findall(r"-?\d+\.\d{4}", text))
    for c in kids + homes:
        assert c["id"] not in digits, c["id"]
        if key_hex:
            assert pseudonym(key_hex, c["id"]) not in hexes, c["id"]
    for c in kids:
        assert c["birth_date"] not in dates, c["id"]
        lat, lon = float(c["lat"]), float(c["lon"])
        assert f"{lat:.4f}" not in numbers and f"{lon:.4f}" not in numbers, c["id"]
    assert_no_names(text, kids + homes)
    for name in PRIVATE_FIELDS:
        assert f'"{name}"' not in text, name
    for m in re.finditer(r'"(children|stunted|severe|households|no_latrine|no_safe_water|no_sanitation|reached|unreached|target)": ?(\d+)', text):
        assert not 1 <= int(m.group(2)) < k, m.group(0)


# The identifying columns of the demo files (names and street addresses); posyandu
# names are facility names, public anyway.
NAME_COLUMNS = ("name", "parent_name", "address")


def assert_no_names(text, rows):
    """No child's, parent's or family head's name and no street address of `rows` (demo
    CSV rows) in `text`. The text is cut into its runs of capitalised words once (every
    sub-run of up to four words kept), and each name looked up there; an address is
    "Jl. Street No. N", so the text must hold no "No. N" at all."""
    words = re.findall(r"[A-Za-z][A-Za-z'.-]*(?: [A-Za-z][A-Za-z'.-]*)*", text)
    pieces = set()
    for run in words:
        w = run.split(" ")
        for i in range(len(w)):
            for j in range(i + 1, min(len(w), i + 4) + 1):
                pieces.add(" ".join(w[i:j]))
    for r in rows:
        for col in ("name", "parent_name"):
            name = r.get(col)
            if name:
                assert name not in pieces, f"{col} of {r['id']} found"
    if any(r.get("address") for r in rows):
        assert not re.search(r"\bNo\. \d+", text), "a street address found"


def header_dict(message):
    """Response headers by lower-case name; a repeated header (Vary) joined with ", "
    as HTTP reads it, except Set-Cookie (the last one)."""
    out = {}
    for k, v in message.items():
        k = k.lower()
        out[k] = out[k] + ", " + v if k in out and k != "set-cookie" else v
    return out


class Server:
    """A running `sigap serve`, stopped by its PID at the end.

    With `--db`, requests carry a planner's API token unless `token=None` is given
    (or another token); `admin_password` is the one-time password the server printed
    when it created the first admin."""

    def __init__(self, *args, token="planner", stderr=subprocess.DEVNULL):
        args = [str(a) for a in args]
        if token == "planner":
            token = make_user(args[args.index("--db") + 1], "pytest-planner", "planner") if "--db" in args else None
        self.token = token
        self.admin_password = None
        self.proc = subprocess.Popen(
            [BIN, "serve", "--addr", "127.0.0.1:0", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        deadline = time.time() + 600
        self.url = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"sigap serve exited with {self.proc.returncode}")
                continue
            m = re.search(r"first admin: admin, one-time password: (\S+)", line)
            if m:
                self.admin_password = m.group(1)
            m = re.search(r"listening on (http://[0-9.:]+)", line)
            if m:
                self.url = m.group(1)
                break
        if not self.url:
            self.stop()
            raise RuntimeError("sigap serve did not report its address")

    def request(self, method, path, body=None, headers=None, token="default"):
        """Any request; returns (status, headers, body bytes) without raising on 4xx.
        `body` may be bytes or a JSON-able object; `token` overrides the server's."""
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {token}"
        data = body
        if body is not None and not isinstance(body, (bytes, bytearray)):
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, header_dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, header_dict(e.headers), e.read()

    def get(self, path, headers=None, token="default"):
        """GET path; returns (status, headers, body bytes) without raising on 4xx."""
        return self.request("GET", path, headers=headers, token=token)

    def json(self, path):
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, 9)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """The demo city's files, written by `sigap demo`."""
    d = tmp_path_factory.mktemp("demo")
    run("demo", "--out", d)
    return d


@pytest.fixture(scope="session")
def demo_db(demo_dir, tmp_path_factory):
    """A store with the demo city imported through `sigap import`, layer by layer."""
    d = tmp_path_factory.mktemp("db")
    db = d / "city.gpkg"
    key = d / "city.key"
    for kind, name in [
        ("villages", "villages.geojson"),
        ("facilities", "facilities.csv"),
        ("households", "households.csv"),
        ("children", "children.csv"),
    ]:
        run("import", "--db", db, "--key", key, kind, demo_dir / name)
    run("import", "--db", db, "population", demo_dir / "population.tif")
    return db


@pytest.fixture(scope="session")
def server(demo_db):
    """`sigap serve --db` on the imported demo city."""
    s = Server("--db", demo_db)
    yield s
    s.stop()


def team_city(demo_db, demo_dir, d):
    """A copy of the demo store in `d` with its roads and the demo teams' assignments:
    `db`, `keyfile`, `key` (hex), `team_of` (pseudonym -> team) and `children`
    (pseudonym -> the demo CSV row)."""
    import csv
    import sqlite3

    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    keyfile = demo_db.parent / "city.key"
    run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf")
    run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    key = keyfile.read_text().strip()
    with sqlite3.connect(db) as c:
        team_of = dict(c.execute("SELECT pseudonym, team FROM sigap_assignments"))
    children = {pseudonym(key, r["id"]): r for r in csv.DictReader(open(demo_dir / "children.csv"))}
    return dict(db=db, keyfile=keyfile, key=key, team_of=team_of, children=children)


def locate_villages(demo_dir, rows):
    """The demo village code of each row's `lon`/`lat` point, by shapely (an independent
    point-in-polygon); on a shared border the smallest code, as sigap decides."""
    import json

    from shapely import STRtree
    from shapely.geometry import Point, shape

    features = json.loads((demo_dir / "villages.geojson").read_text())["features"]
    shapes = [shape(f["geometry"]) for f in features]
    codes = [str(f["properties"]["code"]).replace(".", "") for f in features]
    tree = STRtree(shapes)
    out = []
    for r in rows:
        p = Point(float(r["lon"]), float(r["lat"]))
        hits = sorted(codes[i] for i in tree.query(p) if shapes[i].covers(p))
        out.append(hits[0] if hits else None)
    return out


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(d, server, http_extra=""):
    """Debian's nginx in the folder `d` with one server block, `server(port)` (its text),
    on a free loopback port; `http_extra` goes first in the http block. Returns
    (process, port, error log path) once it listens; stop it with `stop_process`."""
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    error_log = d / "error.log"
    # As root (CI) the workers would drop to `nobody`, who cannot enter tmp_path.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {k}_temp_path {d / k};" for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    conf = d / "nginx.conf"
    conf.write_text(f"""{user}daemon off;
worker_processes 1;
pid {d / 'nginx.pid'};
error_log {error_log} info;
events {{ worker_connections 128; }}
http {{
{http_extra}
  access_log {d / 'access.log'};
{temp}
{server(port)}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(conf), "-e", str(error_log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"nginx exited: {proc.stderr.read()}\n{log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, error_log
        except OSError:
            time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError("nginx did not start listening")


def stop_process(proc):
    """Stops `proc` by its PID: TERM, then KILL after 10 s."""
    if proc.poll() is None:
        os.kill(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, 9)
