"""Fixtures for the end-to-end tests: the real `sigap` binary on a loopback port.

`SIGAP_BIN` names the binary (make test sets it to target/debug/sigap).
"""
import json
import os
import re
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


class Server:
    """A running `sigap serve`, stopped by its PID at the end."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--addr", "127.0.0.1:0", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
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
            m = re.search(r"listening on (http://[0-9.:]+)", line)
            if m:
                self.url = m.group(1)
                break
        if not self.url:
            self.stop()
            raise RuntimeError("sigap serve did not report its address")

    def get(self, path, headers=None):
        """GET path; returns (status, headers, body bytes) without raising on 4xx."""
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

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
