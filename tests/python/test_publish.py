"""`sigap publish --out DIR`: the public map as static files.

The archives are read with PyPI `pmtiles` (protomaps' own reader, not sigap's) and every
tile decoded with `mapbox-vector-tile`; each must equal what the running server's
/public/tiles answers for the same z/x/y and period. Then the usual leak scan over every
published file and tile, and headless Chromium drawing DIR/index.html from nginx (HTTP
Range) with no sigap process serving it. The JSON files (summary, villages, coverage)
must be the server's answers byte for byte.
"""
import csv
import functools
import gzip
import json
import re
import shutil
import sqlite3
import subprocess
import time
import urllib.request

import h3
import mapbox_vector_tile
import pytest
from pmtiles.reader import MmapSource, Reader, all_tiles

from conftest import ROOT, Server, assert_no_private_data, run, start_nginx, stop_process

K = 10


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    """A copy of the demo store with its February round too (two periods) and the demo's
    intervention ledger (coverage to publish), the config both the server and `publish`
    read, and the published folder."""
    d = tmp_path_factory.mktemp("publish")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    key = demo_db.parent / "city.key"
    run("import", "--db", db, "--key", key, "children", demo_dir / "children-2026-02.csv")
    run("import", "--db", db, "--key", key, "interventions", demo_dir / "interventions.csv")
    config = d / "sigap.toml"
    # The comparison asks the server for every tile: no public rate limit here.
    config.write_text("[public]\nrate_per_minute = 0\n")
    out = d / "peta"
    started = time.time()
    p = run("publish", "--db", db, "--config", config, "--out", out, "--url", "https://kendarikota.go.id/peta/")
    seconds = time.time() - started
    srv = Server("--db", db, "--config", config, token=None)
    yield dict(db=db, out=out, srv=srv, stdout=p.stdout, stderr=p.stderr, seconds=seconds,
               key=key.read_text().strip(), dir=d)
    srv.stop()


@functools.lru_cache(maxsize=4)
def read_archive(path):
    """(header, metadata, {(z, x, y): decoded tile}) through PyPI pmtiles (decoded once
    per archive: the tests only read them)."""
    with open(path, "rb") as f:
        reader = Reader(MmapSource(f))
        header, metadata = reader.header(), reader.metadata()
        tiles = {}
        for (z, x, y), data in all_tiles(reader.get_bytes):
            tiles[(z, x, y)] = mapbox_vector_tile.decode(gzip.decompress(data))
    return header, metadata, tiles


def archives(city):
    """(period, archive path) of every period published, the default first."""
    summary = json.loads((city["out"] / "data" / "summary.json").read_text())
    out = [(summary["period"], city["out"] / "sigap.pmtiles")]
    for p in summary["periods"]:
        if p != summary["period"]:
            out.append((p, city["out"] / "periods" / p / "sigap.pmtiles"))
    return out


def server_tile(srv, z, x, y, period):
    """The server's public tile as one decoded dict of both layers."""
    out = {}
    for layer in ("villages", "hexes"):
        status, _, body = srv.get(f"/public/tiles/{layer}/{z}/{x}/{y}.mvt?period={period}")
        assert status in (200, 204), (layer, z, x, y, status)
        if status == 200:
            out.update(mapbox_vector_tile.decode(body))
    return out


def test_publish_writes_every_part_and_reports_it(city):
    out = city["out"]
    for part in ["index.html", "snippet.html", "snippet.txt", "sigap.pmtiles", "basemap.pmtiles",
                 "basemap/style.json", "data/summary.json", "data/villages.json", "data/coverage.json",
                 "web/embed.js",
                 "vendor/maplibre-gl/maplibre-gl.mjs", "vendor/maplibre-gl/maplibre-gl-worker.mjs",
                 "vendor/pmtiles/pmtiles.js", "fonts/DejaVu Sans Book/0-255.pbf"]:
        assert (out / part).is_file(), part
    # The npm pmtiles pinned in package.json is the one vendored.
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["pmtiles"]
    assert pinned == "4.5.0"
    assert (out / "vendor/pmtiles/pmtiles.js").read_bytes() == (ROOT / "node_modules/pmtiles/dist/pmtiles.js").read_bytes()
    # Two periods, the summary line, progress on stderr, nothing left beside DIR.
    assert len(archives(city)) == 2
    line = city["stdout"].strip().splitlines()[-1]
    assert line.startswith(f"published {out}") and "tiles" in line and "bytes" in line and " s" in line, line
    assert "archive written" in city["stderr"]
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []
    snippet = (out / "snippet.txt").read_text()
    assert 'src="https://kendarikota.go.id/peta/index.html"' in snippet
    style = json.loads((out / "basemap/style.json").read_text())
    assert style["sources"]["basemap"]["url"] == "pmtiles://basemap.pmtiles"
    assert style["glyphs"] == "fonts/{fontstack}/{range}.pbf"
    for layer in style["layers"]:
        for font in layer.get("layout", {}).get("text-font", []):
            assert (out / "fonts" / font / "0-255.pbf").is_file(), font


def test_every_archived_tile_equals_the_servers_tile(city):
    srv = city["srv"]
    tilejson = json.loads(srv.get("/public/tiles/hexes.json")[2])
    compared = 0
    for period, path in archives(city):
        header, metadata, tiles = read_archive(path)
        summary = json.loads(srv.get(f"/public/api/summary?period={period}")[2])
        assert header["tile_type"].name == "MVT" and header["clustered"]
        assert (header["min_zoom"], header["max_zoom"]) == (tilejson["minzoom"], tilejson["maxzoom"])
        bounds = [header[k] / 1e7 for k in ("min_lon_e7", "min_lat_e7", "max_lon_e7", "max_lat_e7")]
        assert bounds == pytest.approx(summary["bounds"], abs=1e-6)
        assert metadata["period"] == period
        fields = {l["id"]: l["fields"] for l in metadata["vector_layers"]}
        assert set(fields) == {"villages", "hexes"}
        assert header["addressed_tiles_count"] == len(tiles)
        assert {z for z, _, _ in tiles} == set(range(tilejson["minzoom"], tilejson["maxzoom"] + 1))
        for (z, x, y), decoded in tiles.items():
            assert decoded == server_tile(srv, z, x, y, period), (period, z, x, y)
            for layer, content in decoded.items():
                for f in content["features"]:
                    assert set(f["properties"]) <= set(fields[layer]), (layer, f["properties"])
            compared += 1
        # No tile the server has is missing: a ring of tiles around the archive's.
        for z in (8, 12, 14):
            xs = [x for zz, x, _ in tiles if zz == z]
            ys = [y for zz, _, y in tiles if zz == z]
            for x in range(min(xs) - 2, max(xs) + 3):
                for y in range(min(ys) - 2, max(ys) + 3):
                    if (z, x, y) not in tiles:
                        assert server_tile(srv, z, x, y, period) == {}, (period, z, x, y)
    assert compared > 2000


def data_files(city):
    """(period, folder of its summary.json, villages.json and coverage.json) of every
    period published, the default first."""
    return [(p, path.parent if p != archives(city)[0][0] else city["out"] / "data")
            for p, path in archives(city)]


def test_every_json_file_is_the_servers_answer_byte_for_byte(city):
    """summary.json (its `periods` aside: the periods published), villages.json and
    coverage.json are the bodies of /public/api/{summary,villages,coverage}?period=P
    on the same store, as a visitor's browser gets them (no login)."""
    srv = city["srv"]
    published = [p for p, _ in archives(city)]
    for period, folder in data_files(city):
        for name in ("villages", "coverage"):
            status, headers, body = srv.get(f"/public/api/{name}?period={period}", token=None)
            assert status == 200 and "set-cookie" not in headers
            assert (folder / f"{name}.json").read_bytes() == body, (period, name)
        summary = json.loads(srv.get(f"/public/api/summary?period={period}", token=None)[2])
        summary["periods"] = published
        assert json.loads((folder / "summary.json").read_text()) == summary, period
    # The default period's files answer the API without ?period= too.
    assert (city["out"] / "data" / "coverage.json").read_bytes() == srv.get("/public/api/coverage", token=None)[2]


def test_the_published_coverage_is_suppressed_and_not_empty(city):
    """The demo's August deliveries reach many children: some villages show their
    reach, stunted children's programmes are hidden in most ("<10" or "*"), and no
    shown count is 1..k-1; February (worked less) reaches fewer."""
    cov = json.loads((city["out"] / "data" / "coverage.json").read_text())
    assert cov["k"] == K and cov["programmes"]
    codes = [p["code"] for p in cov["programmes"]]
    assert "pmt" in codes and "vita" in codes
    pairs = [v["programmes"][c] for v in cov["villages"] for c in codes]
    shown = [p for p in pairs if p["share"] is not None]
    hidden = [p for p in pairs if p["reached"] is None]
    assert len(shown) > 50 and len(hidden) > 50, (len(shown), len(hidden))
    assert {p["reached_text"] for p in hidden} <= {"<10", "*"}
    for p in pairs:
        for side in ("reached", "unreached"):
            assert p[side] is None or not 1 <= p[side] < K, p
            assert p[side + "_text"] == (str(p[side]) if p[side] is not None else p[side + "_text"])
        if p["target"] is not None:
            assert p["target"] == p["reached"] + p["unreached"]
    assert cov["total"]["vita"]["reached"] > 1000
    _, feb = data_files(city)[1]
    feb_cov = json.loads((feb / "coverage.json").read_text())
    assert feb_cov["period"] == "2026-02"
    # February's ledger was worked less (the demo draws it at 0.6 of August's effort).
    assert 0 < feb_cov["total"]["vita"]["reached"] < cov["total"]["vita"]["reached"], feb_cov["total"]


def test_the_public_only_path_writes_the_same_bytes_as_the_full_analysis(city, tmp_path):
    """`publish` computes only the public figures (no H3 analysis, no other period's
    analysis, no staff layers); the hidden --full-analysis computes everything as
    `sigap serve` does. Every file, every archive byte, must be the same."""
    config = city["dir"] / "sigap.toml"
    full = tmp_path / "full"
    run("publish", "--db", city["db"], "--config", config, "--out", full,
        "--url", "https://kendarikota.go.id/peta/", "--full-analysis")
    fast = {p.relative_to(city["out"]): p for p in city["out"].rglob("*") if p.is_file()}
    slow = {p.relative_to(full): p for p in full.rglob("*") if p.is_file()}
    assert sorted(fast) == sorted(slow)
    assert len(fast) > 20
    differ = [str(rel) for rel, p in fast.items() if p.read_bytes() != slow[rel].read_bytes()]
    assert not differ, f"files differ between the two paths: {differ}"


def test_no_hexagon_finer_than_resolution_8(city):
    for _, path in archives(city):
        _, _, tiles = read_archive(path)
        seen = set()
        for decoded in tiles.values():
            for f in decoded.get("hexes", {}).get("features", []):
                seen.add(f["properties"]["h3"])
        assert seen
        assert max(h3.get_resolution(c) for c in seen) == 8
        assert all(h3.is_valid_cell(c) for c in seen)


def test_leak_scan_of_every_published_file_and_tile(city, demo_dir):
    kids = [c for c in csv.DictReader(open(demo_dir / "children.csv"))]
    kids += list(csv.DictReader(open(demo_dir / "children-2026-02.csv")))
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    out = city["out"]
    texts = []
    scanned = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir() or rel.startswith(("vendor/", "fonts/")):
            continue
        scanned.append(rel)
        if path.suffix == ".pmtiles":
            header, metadata, tiles = read_archive(path)
            texts.append(json.dumps(metadata))
            for (z, x, y), decoded in tiles.items():
                for layer in decoded.values():
                    for f in layer["features"]:
                        texts.append(json.dumps(f["properties"]))
                        if "id" in f and f["properties"].get("h3"):
                            assert f["id"] == int(f["properties"]["h3"], 16)
        elif path.suffix == ".json" and "villages" in path.name:
            data = json.loads(path.read_text())
            for f in data["features"]:
                f["geometry"] = None  # the villages file's own boundaries
            texts.append(json.dumps(data))
        elif path.name == "summary.json":
            # The round's last measurement day is public by design (the embed's
            # title) and may be some child's birthday: checked, then left out.
            data = json.loads(path.read_text())
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data.pop("measured_until"))
            texts.append(json.dumps(data))
        else:
            texts.append(path.read_text())
    assert len(texts) > 1000
    assert {"data/coverage.json", "periods/2026-02/coverage.json"} <= set(scanned), scanned
    # Tile properties are scanned as JSON, so counts 1..k-1 show as `"stunted": 3`.
    assert_no_private_data("\n".join(texts), kids, homes, K, key_hex=city["key"])


def test_a_failed_publish_keeps_the_previous_map(city, tmp_path):
    out = city["out"]
    before = (out / "sigap.pmtiles").read_bytes()
    p = run("publish", "--db", city["db"], "--config", city["dir"] / "sigap.toml", "--out", out,
            "--period", "2019-01", check=False)
    assert p.returncode != 0
    assert "2019-01" in p.stderr and "2026-02" in p.stderr, p.stderr
    assert (out / "sigap.pmtiles").read_bytes() == before
    assert sorted(x.name for x in out.parent.iterdir() if x.name.startswith(".")) == []
    # A folder sigap did not write is not replaced.
    mine = tmp_path / "situs"
    mine.mkdir()
    (mine / "index.html").write_text("<p>halaman kota</p>")
    p = run("publish", "--db", city["db"], "--out", mine, check=False)
    assert p.returncode != 0 and "replaces only a folder it published" in p.stderr, p.stderr
    assert (mine / "index.html").read_text() == "<p>halaman kota</p>"


class StaticNginx:
    """nginx serving a folder as files (HTTP Range included), stopped by its PID."""

    def __init__(self, root, d):
        self.proc, port, self.error_log = start_nginx(
            d,
            lambda port: f"  server {{ listen 127.0.0.1:{port}; root {root}; }}",
            "  include /etc/nginx/mime.types;\n  types { text/javascript mjs; application/octet-stream pmtiles; }",
        )
        self.url = f"http://127.0.0.1:{port}/"

    def stop(self):
        stop_process(self.proc)


def test_the_published_map_draws_from_a_static_server_without_sigap(city, tmp_path):
    # A copy, so that the server of the other tests is not what answers.
    site = tmp_path / "site" / "peta"
    shutil.copytree(city["out"], site)
    nginx = StaticNginx(site.parent, tmp_path / "nginx")
    try:
        req = urllib.request.Request(nginx.url + "peta/sigap.pmtiles", headers={"Range": "bytes=0-126"})
        with urllib.request.urlopen(req) as r:
            assert r.status == 206 and r.read()[:7] == b"PMTiles"
        shots = ROOT / "tests" / "browser" / "out"
        shots.mkdir(parents=True, exist_ok=True)
        p = subprocess.run(["node", str(ROOT / "tests" / "browser" / "published.mjs"), nginx.url + "peta/", str(shots)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
        report = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    finally:
        nginx.stop()
    # Villages and res-8 hexagons drawn; their colours change over a third of the view.
    assert report["village_features"] > 0 and report["hex_features"] > 0, report
    assert report["changed_pixels"] > 0.05, report
    assert report["basemap_features"] > 0, report
    # The archives were read in pieces (HTTP Range), and nothing came from elsewhere.
    assert report["ranges"] > 0 and report["failed"] == [] and report["foreign"] == [], report
    place = json.loads((city["out"] / "data" / "summary.json").read_text())["place"]
    assert report["title"] == "Peta risiko stunting" + (f" · {place}" if place else ""), report
    assert report["period_village_features"] > 0 and "2026-02" in report["period_subtitle"], report
    assert f'src="{nginx.url}peta/index.html' in report["snippet"], report
    assert report["snippet_periods"] == ["", "2026-08", "2026-02"], report
    # The coverage view, read from data/coverage.json alone: the villages recoloured
    # against the prevalence view, ranges and the grey "tidak ditampilkan" class, and
    # a village's popup saying the file's numbers.
    assert report["coverage_files"] == ["data/coverage.json"], report
    assert report["coverage_changed_pixels"] > 0.1, report
    for label in ("Cakupan intervensi", "< 25%", "25% – < 50%", "≥ 90%", "tidak ditampilkan"):
        assert label in report["coverage_legend"], report["coverage_legend"]
    assert report["coverage_popup"] == report["coverage_expected"], report
    assert re.fullmatch(r"Sudah menerima: [\d.]+ dari [\d.]+ anak \([\d,]+%\)", report["coverage_popup"][2])
