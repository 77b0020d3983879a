"""Hosted by a city's IT team: sigap behind a real nginx terminating TLS, and the
binary copied alone to an empty directory.

nginx (Debian's package) runs as a non-daemon on a free loopback port with a
throwaway self-signed certificate made by openssl at test time, and forwards
`X-Forwarded-For/Proto/Host` the way the README's example does. Checked: no URL that
sigap writes starts with http:// (mixed content would break the map over https); the
public rate limit, the audit log and the cookie's `Secure` flag believe the proxy's
headers only when `[server] trusted_proxies` names it; the viewer and the embed draw
their map in headless Chromium over https; and a binary with no source tree beside it
serves the viewer, MapLibre and the embed from itself.
"""
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, ROOT, Server, make_user, start_nginx, stop_process

PW = "sepuluh huruf"


def copy_store(src, dst):
    """A private copy of the demo store (SQLite's backup, so the WAL comes along)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


class Nginx:
    """nginx terminating TLS on a free port and proxying to `upstream`; stopped by PID."""

    def __init__(self, d, upstream):
        d.mkdir(parents=True, exist_ok=True)
        self.cert, key = d / "cert.pem", d / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1",
             "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True)
        self.proc, port, self.error_log = start_nginx(d, lambda port: f"""  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {self.cert};
    ssl_certificate_key {key};
    client_max_body_size 256m;
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }}
  }}""")
        self.url = f"https://127.0.0.1:{port}"
        self.tls = ssl.create_default_context(cafile=str(self.cert))

    def request(self, method, path, body=None, headers=None):
        """Over https, verifying the throwaway certificate; (status, headers, body)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(headers or {})
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.tls) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def stop(self):
        stop_process(self.proc)


def hosted(db, d, config):
    """sigap on `db` with `config` (TOML text) behind nginx; returns (sigap, nginx)."""
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "sigap.toml"
    cfg.write_text(config)
    srv = Server("--db", db, "--config", cfg)
    try:
        return srv, Nginx(d / "nginx", srv.url)
    except Exception:
        srv.stop()
        raise


@pytest.fixture(scope="module")
def db(demo_db, tmp_path_factory):
    d = tmp_path_factory.mktemp("hosting")
    db = copy_store(demo_db, d / "city.gpkg")
    make_user(db, "hosting-planner", "planner", password=PW)
    return db


@pytest.fixture(scope="module")
def trusted(db, tmp_path_factory):
    """Behind nginx on 127.0.0.1, which is trusted; 5 public requests a minute."""
    srv, proxy = hosted(db, tmp_path_factory.mktemp("trusted"),
                        '[server]\ntrusted_proxies = ["127.0.0.1"]\n[public]\nrate_per_minute = 5\n')
    yield srv, proxy
    proxy.stop()
    srv.stop()


@pytest.fixture(scope="module")
def untrusted(db, tmp_path_factory):
    """The same, but nobody is trusted (the default)."""
    srv, proxy = hosted(db, tmp_path_factory.mktemp("untrusted"), "[public]\nrate_per_minute = 5\n")
    yield srv, proxy
    proxy.stop()
    srv.stop()


def tile_urls(proxy, path, token=None):
    """The tile URLs of a TileJSON fetched over https, and each resolved against it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _, body = proxy.get(path, headers)
    assert status == 200, (path, status, body[:200])
    tiles = json.loads(body)["tiles"]
    return tiles, [urllib.parse.urljoin(proxy.url + path, t) for t in tiles]


def test_tilejson_over_https_has_no_http_url(trusted):
    srv, proxy = trusted
    for path, token in [("/tiles/villages.json", srv.token), ("/tiles/hexes.json", srv.token),
                        ("/public/tiles/villages.json", None)]:
        status, _, body = proxy.get(path, {"Authorization": f"Bearer {token}"} if token else {})
        assert status == 200 and b"http://" not in body, (path, body[:300])
        tiles, resolved = tile_urls(proxy, path, token)
        assert all(u.startswith(proxy.url + "/") for u in resolved), resolved
        # A tile fetched from the URL as a browser resolves it, through the proxy.
        tile = resolved[0].replace("{z}/{x}/{y}", "12/3441/2093")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, _, _ = proxy.get(tile[len(proxy.url):], headers)
        assert status in (200, 204), (tile, status)
    # The snippet page builds the iframe from the browser's own address.
    status, _, body = proxy.get("/embed/snippet")
    assert status == 200 and b"http://" not in body


def test_public_url_is_the_base_of_tile_urls(db, tmp_path):
    srv, proxy = hosted(db, tmp_path, '[server]\npublic_url = "https://peta.kota.example/"\n')
    try:
        for path, token in [("/tiles/villages.json", srv.token), ("/public/tiles/hexes.json", None)]:
            tiles, _ = tile_urls(proxy, path, token)
            assert tiles[0].startswith("https://peta.kota.example/"), tiles
            assert "//" not in tiles[0][len("https://"):], tiles
        # The embed snippet page takes the iframe's address from here.
        summary = json.loads(proxy.get("/public/api/summary")[2])
        assert summary["public_url"] == "https://peta.kota.example/"
    finally:
        proxy.stop()
        srv.stop()


def exhaust(proxy, forwarded_for, n=5):
    """`n` public requests claiming to come from `forwarded_for`; their statuses."""
    return [proxy.get("/public/api/summary", {"X-Forwarded-For": forwarded_for})[0] for _ in range(n)]


def test_a_trusted_proxy_gives_each_client_its_own_bucket(trusted):
    _, proxy = trusted
    assert exhaust(proxy, "198.51.100.1") == [200] * 5
    assert proxy.get("/public/api/summary", {"X-Forwarded-For": "198.51.100.1"})[0] == 429
    # Another client behind the same proxy still gets answers.
    assert exhaust(proxy, "198.51.100.2", 3) == [200] * 3


def test_an_untrusted_proxy_shares_one_bucket(untrusted):
    _, proxy = untrusted
    assert exhaust(proxy, "198.51.100.1") == [200] * 5
    # Forwarded headers are not believed: every client is the proxy, already refused.
    assert proxy.get("/public/api/summary", {"X-Forwarded-For": "198.51.100.2"})[0] == 429
    assert proxy.get("/public/api/summary", {"X-Forwarded-For": "203.0.113.50"})[0] == 429


def login_through(proxy, forwarded_for):
    return proxy.request("POST", "/api/login", {"username": "hosting-planner", "password": PW},
                         {"X-Forwarded-For": forwarded_for})


def last_login_address(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT address FROM sigap_audit WHERE username = 'hosting-planner' "
                         "AND action = 'login' ORDER BY id DESC LIMIT 1").fetchone()[0]


def test_audit_and_secure_cookie_believe_only_a_trusted_proxy(trusted, untrusted, db):
    status, headers, body = login_through(trusted[1], "198.51.100.77")
    assert status == 200, body
    assert last_login_address(db) == "198.51.100.77"
    # The browser came over https (X-Forwarded-Proto from a trusted proxy).
    assert "; Secure" in headers["set-cookie"], headers["set-cookie"]
    status, headers, body = login_through(untrusted[1], "198.51.100.78")
    assert status == 200, body
    assert last_login_address(db) == "127.0.0.1"
    assert "Secure" not in headers["set-cookie"]
    # The standard Forwarded header, from a trusted peer (sigap reached directly from
    # 127.0.0.1), is read the same way.
    status, _, body = trusted[0].request("POST", "/api/login", {"username": "hosting-planner", "password": PW},
                                         headers={"Forwarded": 'for=6.6.6.6, for="198.51.100.80:4711";proto=https'},
                                         token=None)
    assert status == 200, body
    assert last_login_address(db) == "198.51.100.80"
    # A case read with an API token is audited with the forwarded address too.
    for (srv, proxy), want in [(trusted, "198.51.100.79"), (untrusted, "127.0.0.1")]:
        status, _, body = proxy.get("/api/cases/children", {"Authorization": f"Bearer {srv.token}",
                                                            "X-Forwarded-For": "198.51.100.79"})
        assert status == 200, body[:200]
        with sqlite3.connect(db) as c:
            address = c.execute("SELECT address FROM sigap_audit WHERE username = 'pytest-planner' "
                                "AND action = 'read' ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert address == want


def test_viewer_and_embed_draw_over_https_without_mixed_content(db, tmp_path):
    """Headless Chromium through nginx (tests/browser/over-https.mjs), with the default
    rate limit and no trusted proxy: nothing here may depend on configuration."""
    srv, proxy = hosted(db, tmp_path, "")
    try:
        status, headers, body = login_through(proxy, "198.51.100.90")
        assert status == 200, body
        cookie = headers["set-cookie"].split(";")[0]
        p = subprocess.run(["node", str(ROOT / "tests" / "browser" / "over-https.mjs"), proxy.url, cookie],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
        report = json.loads(p.stdout.strip().splitlines()[-1])
        assert report["viewer_features"] > 0 and report["embed_features"] > 0, report
        assert report["insecure"] == [] and report["problems"] == [], report
    finally:
        proxy.stop()
        srv.stop()


def hiding_the_source_tree():
    """A command prefix that runs a program with this checkout (web/, node_modules/)
    covered by an empty tmpfs in a private mount namespace, so a binary that still
    looked for its files beside its sources would find nothing; [] where that is not
    allowed (not root, no unshare), and the test is weaker but still runs."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return []
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount -t tmpfs sigap-hidden "$0" && exec "$@"', str(ROOT)]
    probe = subprocess.run([*prefix, "ls", "-A", str(ROOT)], capture_output=True, text=True)
    return prefix if probe.returncode == 0 and probe.stdout.strip() == "" else []


@pytest.mark.parametrize("with_store", [True, False], ids=["store", "demo-city"])
def test_the_binary_alone_serves_the_viewer_and_the_embed(db, tmp_path, with_store):
    """The binary copied to an empty directory (no web/, no node_modules beside it, and
    where allowed the source tree hidden from it), serving a store or, with no
    arguments, the demo city."""
    alone = tmp_path / "srv"
    alone.mkdir()
    binary = alone / "sigap"
    shutil.copy2(BIN, binary)
    if with_store:
        copy_store(db, alone / "city.gpkg")
    expected = {
        "/": (ROOT / "web" / "index.html").read_bytes(),
        "/vendor/maplibre-gl/maplibre-gl.mjs":
            (ROOT / "node_modules" / "maplibre-gl" / "dist" / "maplibre-gl.mjs").read_bytes(),
    }
    args = ["--db", "city.gpkg"] if with_store else []
    cmd = [*hiding_the_source_tree(), str(binary), "serve", "--addr", "127.0.0.1:0", *args]
    proc = subprocess.Popen(cmd, cwd=alone, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        deadline = time.time() + 300
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise AssertionError(f"sigap exited with {proc.returncode}")
            if "listening on " in line:
                url = line.split("listening on ")[1].split()[0].rstrip("/")
        assert url, "no listening line"
        embedded = {}
        for path, kind in [("/", "text/html"), ("/web/app.js", "text/javascript"),
                           ("/vendor/maplibre-gl/maplibre-gl.mjs", "text/javascript"),
                           ("/vendor/maplibre-gl/maplibre-gl-worker.mjs", "text/javascript"),
                           ("/vendor/maplibre-gl/maplibre-gl.css", "text/css"),
                           ("/embed", "text/html"), ("/web/embed.js", "text/javascript")]:
            with urllib.request.urlopen(url + path, timeout=30) as r:
                assert r.status == 200 and r.headers["content-type"].startswith(kind), path
                embedded[path] = r.read()
                etag = r.headers["etag"]
            req = urllib.request.Request(url + path, headers={"If-None-Match": etag})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=30)
            assert e.value.code == 304, path
        # The very bytes of the source tree and of npm's MapLibre.
        for path, want in expected.items():
            assert embedded[path] == want, path
        assert not (alone / "web").exists() and not (alone / "node_modules").exists()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, 15)
            proc.wait(timeout=20)
