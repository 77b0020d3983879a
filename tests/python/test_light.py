"""Light pages (issue 12): answers compressed as the client asks (brotli, gzip), and
the largest JSON answer, every res-10 cell of the city, sent as it is written so the
server's memory stays where it was."""
import gzip
import json
import time
import urllib.request

import brotli
import h3

from conftest import Server


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024


def raw_get(srv, path, encoding, token=None):
    """GET without urllib decoding anything: (status, headers, body as sent)."""
    headers = {"Accept-Encoding": encoding}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(srv.url + path, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


def test_scripts_and_json_come_compressed_as_asked(server):
    for path, token in [("/vendor/maplibre-gl/maplibre-gl.mjs", None), ("/web/app.js", None),
                        ("/api/villages", server.token), ("/public/api/summary", None)]:
        _, h, plain = raw_get(server, path, "identity", token)
        assert "content-encoding" not in h, path
        _, h, br = raw_get(server, path, "gzip, deflate, br", token)
        assert h.get("content-encoding") == "br", (path, h)
        assert brotli.decompress(br) == plain, path
        _, h, gz = raw_get(server, path, "gzip", token)
        assert h.get("content-encoding") == "gzip", (path, h)
        assert gzip.decompress(gz) == plain, path
        if len(plain) > 10_000:
            assert len(br) < len(plain) / 2, (path, len(br), len(plain))
        assert "accept-encoding" in h.get("vary", "").lower(), path


def test_res10_cells_stream_and_memory_stays(demo_db):
    s = Server("--db", demo_db, "--key", demo_db.parent / "city.key")
    try:
        # Warm: the same route at a coarse resolution, then settle.
        assert s.get("/api/hexes?res=8")[0] == 200
        time.sleep(1)
        base = rss_mb(s.proc.pid)
        status, h, body = s.get("/api/hexes?res=10")
        assert status == 200 and h["content-type"] == "application/json"
        doc = json.loads(body)
        cells = [f["properties"]["h3"] for f in doc["features"]]
        assert len(cells) > 5000 and len(set(cells)) == len(cells)
        assert all(h3.get_resolution(c) == 10 for c in cells[:500])
        assert doc["weights"] and doc["type"] == "FeatureCollection"
        # Each cell's ring is the cell's boundary by Uber's h3.
        for f in doc["features"][:50]:
            ring = f["geometry"]["coordinates"][0]
            want = [[lng, lat] for lat, lng in h3.cell_to_boundary(f["properties"]["h3"])]
            assert len(ring) == len(want) + 1 and ring[0] == ring[-1]
            for (x, y), (wx, wy) in zip(ring, want):
                assert abs(x - wx) < 1e-9 and abs(y - wy) < 1e-9
        # A bbox keeps the cells with a corner inside it, a subset of the whole.
        w, so, e, n = 122.50, -4.00, 122.52, -3.98
        part = json.loads(s.get(f"/api/hexes?res=10&bbox={w},{so},{e},{n}")[2])
        inside = {f["properties"]["h3"] for f in part["features"]}
        assert inside and inside < set(cells)
        time.sleep(1)
        after = rss_mb(s.proc.pid)
        print(f"resident memory {base:.0f} MB before a res-10 answer of {len(body) / 1e6:.1f} MB, {after:.0f} MB after")
        assert after <= base * 1.10, (base, after)
    finally:
        s.stop()
