"""End to end: the real binary, its command line and its HTTP API."""
import csv
import json
import re

from conftest import Server, run


def test_health_and_villages(server):
    h = server.json("/health")
    assert h["status"] == "ok" and h["demo"] is False
    assert h["villages"] == 65
    vs = server.json("/api/villages")["villages"]
    assert len(vs) == 65
    risks = [v["risk"] for v in vs]
    assert risks == sorted(risks, reverse=True)
    assert sum(v["children"] for v in vs) + server.json("/api/villages")["outside"]["children"] == h["children"]
    for v in vs:
        total = sum(f["contribution"] for f in v["factors"])
        assert abs(total - v["risk"]) < 1e-3, v["code"]
        assert 0 <= v["risk"] <= 1


def test_counts_equal_the_files(server, demo_dir):
    with open(demo_dir / "children.csv", newline="") as f:
        children = list(csv.DictReader(f))
    with open(demo_dir / "households.csv", newline="") as f:
        households = list(csv.DictReader(f))
    h = server.json("/health")
    assert h["children"] == len(children)
    assert h["households"] == len(households)
    stunted = sum(float(c["haz"]) < -2 for c in children)
    assert stunted == 462
    for res in (5, 8, 10):
        feats = server.json(f"/api/hexes?res={res}")["features"]
        assert sum(f["properties"]["children"] for f in feats) == len(children)
        assert sum(f["properties"]["stunted"] for f in feats) == stunted
        assert sum(f["properties"]["households"] for f in feats) == len(households)


def test_api_rejects_bad_parameters(server):
    assert server.get("/api/hexes?res=11")[0] == 400
    assert server.get("/api/hexes?bbox=1,2,3")[0] == 400
    all8 = server.json("/api/hexes?res=8")["features"]
    some = server.json("/api/hexes?res=8&bbox=122.50,-4.00,122.55,-3.95")["features"]
    assert 0 < len(some) < len(all8)


def coordinate_pairs(value, out):
    """Collects every [x, y] number pair in a JSON value, rounded to 5 decimals (~1 m).

    H3 cell geometry is skipped: its vertices are fixed by the H3 grid, not by the data,
    and some fall within a metre of a child by chance."""
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            out.add((round(value[0], 5), round(value[1], 5)))
        for v in value:
            coordinate_pairs(v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "geometry":
                coordinate_pairs(v, out)
    return out


def test_no_endpoint_serves_individuals(server, demo_dir):
    """No child's id, birth date or position appears in any API response."""
    with open(demo_dir / "children.csv", newline="") as f:
        children = list(csv.DictReader(f))
    paths = ["/health", "/api/villages", "/api/config"] + [f"/api/hexes?res={r}" for r in range(5, 11)]
    bodies = [server.get(p)[2].decode() for p in paths]
    text = "\n".join(bodies)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "a date appears in the API"
    pairs = set()
    for b in bodies:
        coordinate_pairs(json.loads(b), pairs)
    assert len(pairs) >= 65  # the scan sees the villages' centres
    long_numbers = set(re.findall(r"\d{12,}", text))
    for c in children:
        assert c["id"] not in long_numbers, c["id"]
        assert (round(float(c["lon"]), 5), round(float(c["lat"]), 5)) not in pairs, c["id"]


def test_import_rejects_bad_rows_and_writes_nothing(tmp_path, demo_dir):
    db, key = tmp_path / "t.gpkg", tmp_path / "t.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    src = (demo_dir / "children.csv").read_text().splitlines()
    header, rows = src[0], src[1:2001]
    bad = list(rows)
    # line numbers are 1-based with the header on line 1
    cols = header.split(",")
    def set_field(i, field, value):
        parts = bad[i].split(",")
        parts[cols.index(field)] = value
        bad[i] = ",".join(parts)
    set_field(9, "birth_date", "2024-13-45")       # line 11
    set_field(99, "haz", "-2..5")                   # line 101
    p = bad[499].split(",")                         # line 501: swapped lat/lon
    p[cols.index("lat")], p[cols.index("lon")] = p[cols.index("lon")], p[cols.index("lat")]
    bad[499] = ",".join(p)
    f = tmp_path / "children_bad.csv"
    f.write_text("\n".join([header, *bad]) + "\n")
    r = run("import", "--db", db, "--key", key, "children", f, check=False)
    assert r.returncode != 0
    msg = r.stdout + r.stderr
    assert "3 rows rejected" in msg, msg
    assert ":11:" in msg and "birth_date" in msg
    assert ":101:" in msg and "haz" in msg
    assert ":501:" in msg and "swapped" in msg
    # Nothing written: a server on this store has no children.
    s = Server("--db", db)
    try:
        assert s.json("/health")["children"] == 0
    finally:
        s.stop()
    # --skip-invalid writes the 1997 good rows and a rejects file.
    r = run("import", "--db", db, "--key", key, "--skip-invalid", "children", f)
    rejects = tmp_path / "children_bad.rejects.csv"
    assert rejects.exists()
    with open(rejects, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 3
    s = Server("--db", db)
    try:
        assert s.json("/health")["children"] == 1997
    finally:
        s.stop()


def test_server_picks_up_a_new_import(tmp_path, demo_dir):
    """A running server sees a new import: figures change and cached tiles are dropped."""
    import time

    import mapbox_vector_tile

    db, key = tmp_path / "live.gpkg", tmp_path / "live.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    s = Server("--db", db)
    tile = "/tiles/villages/12/3442/2093.mvt"

    def tile_children():
        status, headers, body = s.get(tile)
        assert status == 200
        layer = mapbox_vector_tile.decode(body)["villages"]
        return headers["etag"], sum(f["properties"]["children"] for f in layer["features"])

    try:
        assert s.json("/health")["children"] == 0
        etag0, n0 = tile_children()
        assert n0 == 0
        assert tile_children()[0] == etag0  # cached
        run("import", "--db", db, "--key", key, "children", demo_dir / "children.csv")
        for _ in range(100):
            if s.json("/health")["children"] > 0:
                break
            time.sleep(0.2)
        assert s.json("/health")["children"] > 20_000
        etag1, n1 = tile_children()
        assert etag1 != etag0 and n1 > 0
    finally:
        s.stop()


def test_demo_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run("demo", "--out", a)
    run("demo", "--out", b)
    for name in ["villages.geojson", "children.csv", "households.csv", "facilities.csv", "population.tif"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    gj = json.loads((a / "villages.geojson").read_text())
    assert len(gj["features"]) == 65
    assert all(f["properties"]["code"].startswith("7471") for f in gj["features"])
