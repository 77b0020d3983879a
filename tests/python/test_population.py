"""Population rasters end to end: rasters written by GDAL itself (an ESRI ASCII grid
converted with gdal_translate), in EPSG:4326 and in UTM 51S (EPSG:32751), imported
with `sigap import population`, and the sums checked against the raster's known total
and against the sub-pixel rule computed here with Uber's h3 (and gdaltransform for
the UTM pixel corners)."""
import json
import math
import re
import sqlite3
import subprocess

import h3
import mapbox_vector_tile
import pytest

from conftest import Server, run

RESOLUTIONS = range(5, 11)
NODATA = -9999


def villages_extent(demo_dir):
    with open(demo_dir / "villages.geojson") as f:
        fc = json.load(f)
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for e in c:
                walk(e)

    for feat in fc["features"]:
        walk(feat["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def south_west(demo_dir, frac=0.5):
    """The south-west part of the villages' extent (frac of each side): a raster over
    it reaches past the city's edge (so some of it is outside every village) while
    keeping the imports quick."""
    w, s, e, n = villages_extent(demo_dir)
    return w, s, w + (e - w) * frac, s + (n - s) * frac


def grid_values(ncols, nrows):
    """Deterministic counts 0..16, a nodata block and a few negative cells."""
    rows = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            if 10 <= r < 14 and 20 <= c < 26:
                row.append(NODATA)
            elif (r * ncols + c) % 97 == 5:
                row.append(-3)
            else:
                row.append((c * 7 + r * 13) % 17)
        rows.append(row)
    return rows


def known_total(rows):
    return sum(v for row in rows for v in row if v >= 0)


def write_raster(tmp_path, name, xll, yll, cell, rows, srs):
    """An ESRI ASCII grid converted to GeoTIFF by gdal_translate."""
    asc = tmp_path / f"{name}.asc"
    lines = [
        f"ncols {len(rows[0])}",
        f"nrows {len(rows)}",
        f"xllcorner {xll!r}",
        f"yllcorner {yll!r}",
        f"cellsize {cell!r}",
        f"NODATA_value {NODATA}",
    ] + [" ".join(str(v) for v in row) for row in rows]
    asc.write_text("\n".join(lines) + "\n")
    tif = tmp_path / f"{name}.tif"
    subprocess.run(
        ["gdal_translate", "-q", "-of", "GTiff", "-ot", "Float32", "-a_srs", srs, str(asc), str(tif)],
        check=True,
    )
    return tif


def fresh_store(tmp_path, demo_dir, children=False):
    db = tmp_path / "pop.gpkg"
    run("import", "--db", db, "villages", demo_dir / "villages.geojson")
    if children:
        run("import", "--db", db, "children", demo_dir / "children.csv")
    return db


def stored(db):
    con = sqlite3.connect(db)
    try:
        cells = {h: (r, v) for r, h, v in con.execute("SELECT res, h3, value FROM population_cells")}
        villages = dict(con.execute("SELECT code, value FROM population_villages"))
        total, outside, beyond = con.execute("SELECT total, outside, beyond FROM population_source").fetchone()
        revision = int(con.execute("SELECT value FROM sigap_meta WHERE key = 'revision'").fetchone()[0])
    finally:
        con.close()
    return cells, villages, (total, outside, beyond), revision


def revision_and_tables(db):
    con = sqlite3.connect(db)
    try:
        revision = con.execute("SELECT value FROM sigap_meta WHERE key = 'revision'").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'population%'")}
    finally:
        con.close()
    return revision, tables


def printed_subdivision(stdout):
    """{res: n} from the import's report."""
    return {int(r): int(n) for r, n in re.findall(r"res (\d+): (\d+)x\d+", stdout)}


def edge_m(corners):
    """Longest edge of a pixel (corners tl, tr, br, bl as lon, lat), equirectangular,
    the way sigap states its rule."""
    best = 0.0
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]):
        lat = math.radians((y0 + y1) / 2)
        dx = math.radians(x1 - x0) * math.cos(lat)
        dy = math.radians(y1 - y0)
        best = max(best, math.hypot(dx, dy) * 6371008.8)
    return best


def subdivision(pixel_edge):
    return {r: max(1, math.ceil(pixel_edge * 4 / h3.average_hexagon_edge_length(r, "m"))) for r in RESOLUTIONS}


def split_into_cells(pixels, res, n):
    """The rule computed independently: each pixel (corners tl, tr, br, bl in lon/lat,
    value) cut into n x n sub-pixels placed bilinearly, value / n^2 to the h3 cell of
    each centre."""
    out = {}
    for (tl, tr, br, bl), v in pixels:
        w = v / (n * n)
        for j in range(n):
            fv = (j + 0.5) / n
            for i in range(n):
                fu = (i + 0.5) / n
                top = (tl[0] + (tr[0] - tl[0]) * fu, tl[1] + (tr[1] - tl[1]) * fu)
                bottom = (bl[0] + (br[0] - bl[0]) * fu, bl[1] + (br[1] - bl[1]) * fu)
                lon = top[0] + (bottom[0] - top[0]) * fv
                lat = top[1] + (bottom[1] - top[1]) * fv
                cell = h3.latlng_to_cell(lat, lon, res)
                out[cell] = out.get(cell, 0.0) + w
    return out


def check_sums(db, total):
    """Cells of every resolution, and villages plus outside, add up to the raster."""
    cells, villages, (stored_total, outside, beyond), _ = stored(db)
    assert stored_total == pytest.approx(total, rel=1e-9)
    assert beyond == 0  # the rasters lie within the villages' extent grown by 0.01 degrees
    for res in RESOLUTIONS:
        in_cells = sum(v for r, v in cells.values() if r == res)
        assert in_cells == pytest.approx(total, rel=1e-3), res
    assert len(villages) == 65 and 0 < sum(v > 0 for v in villages.values()) < 65
    assert sum(villages.values()) + outside == pytest.approx(total, rel=1e-3)
    assert 0 < outside < 0.5 * total  # the raster reaches past the city's edge
    return cells


def corners_wgs84(xll, ytop, cell, ncols, nrows, transform=None):
    """Grid of pixel corners (rows 0..nrows, cols 0..ncols) in lon/lat."""
    pts = [(xll + c * cell, ytop - r * cell) for r in range(nrows + 1) for c in range(ncols + 1)]
    if transform:
        pts = transform(pts)
    return [pts[r * (ncols + 1):(r + 1) * (ncols + 1)] for r in range(nrows + 1)]


def pixels_of(grid, rows, keep=None):
    out = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v < 0:
                continue
            px = (grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c])
            if keep is None or keep(px):
                out.append((px, v))
    return out


def cross_check(cells, grid, rows, printed):
    # The pixel size sigap reports for its rule, from pixels at the corners and centre.
    nrows, ncols = len(rows), len(rows[0])
    sample = [(0, 0), (ncols - 1, 0), (ncols - 1, nrows - 1), (0, nrows - 1), ((ncols - 1) // 2, (nrows - 1) // 2)]
    pixel_edge = max(edge_m((grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c])) for c, r in sample)
    ns = subdivision(pixel_edge)
    assert printed == ns
    # Coarse resolutions: every cell of the raster.
    everything = pixels_of(grid, rows)
    for res in (5, 6, 7):
        want = split_into_cells(everything, res, ns[res])
        got = {h: v for h, (r, v) in cells.items() if r == res}
        assert set(got) == set(want), res
        for h, v in want.items():
            assert got[h] == pytest.approx(v, rel=1e-9, abs=1e-9), (res, h)
    # Fine resolutions: a few cells, from the pixels around each.
    for res in (9, 10):
        got = sorted(((v, h) for h, (r, v) in cells.items() if r == res), reverse=True)
        for v, h in got[:: max(1, len(got) // 5)][:5]:
            lats, lons = zip(*h3.cell_to_boundary(h))
            near = pixels_of(
                grid,
                rows,
                lambda px: min(p[0] for p in px) <= max(lons)
                and max(p[0] for p in px) >= min(lons)
                and min(p[1] for p in px) <= max(lats)
                and max(p[1] for p in px) >= min(lats),
            )
            want = split_into_cells(near, res, ns[res]).get(h, 0.0)
            assert v == pytest.approx(want, rel=1e-9, abs=1e-9), (res, h)


def test_wgs84_raster(tmp_path, demo_dir):
    w, s, e, n = south_west(demo_dir)
    cell = 0.002
    xll, yll = math.floor(w / cell) * cell, math.floor(s / cell) * cell
    ncols, nrows = math.ceil((e - xll) / cell), math.ceil((n - yll) / cell)
    rows = grid_values(ncols, nrows)
    total = known_total(rows)
    tif = write_raster(tmp_path, "balita_4326", xll, yll, cell, rows, "EPSG:4326")
    db = fresh_store(tmp_path, demo_dir)
    out = run("import", "--db", db, "population", tif).stdout
    assert "imported population" in out and "EPSG:4326" in out
    nodata_cells = 4 * 6
    negative = sum(v == -3 for row in rows for v in row)
    assert f"{ncols * nrows - nodata_cells - negative} counted, {nodata_cells} nodata skipped, {negative} negative skipped" in out
    cells = check_sums(db, total)
    grid = corners_wgs84(xll, yll + nrows * cell, cell, ncols, nrows)
    cross_check(cells, grid, rows, printed_subdivision(out))


def gdaltransform(points):
    text = "\n".join(f"{x!r} {y!r}" for x, y in points) + "\n"
    p = subprocess.run(
        ["gdaltransform", "-s_srs", "EPSG:32751", "-t_srs", "EPSG:4326"],
        input=text, capture_output=True, text=True, check=True,
    )
    return [tuple(map(float, line.split()[:2])) for line in p.stdout.splitlines()]


def test_utm_raster(tmp_path, demo_dir):
    w, s, e, n = south_west(demo_dir)
    p = subprocess.run(
        ["gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:32751"],
        input=f"{w} {s}\n{e} {n}\n{w} {n}\n{e} {s}\n", capture_output=True, text=True, check=True,
    )
    xy = [tuple(map(float, line.split()[:2])) for line in p.stdout.splitlines()]
    cell = 250.0
    x0 = math.floor(min(x for x, _ in xy) / cell) * cell
    y0 = math.floor(min(y for _, y in xy) / cell) * cell
    ncols = math.ceil((max(x for x, _ in xy) - x0) / cell)
    nrows = math.ceil((max(y for _, y in xy) - y0) / cell)
    rows = grid_values(ncols, nrows)
    total = known_total(rows)
    tif = write_raster(tmp_path, "balita_32751", x0, y0, cell, rows, "EPSG:32751")
    db = fresh_store(tmp_path, demo_dir)
    out = run("import", "--db", db, "population", tif).stdout
    assert "EPSG:32751" in out
    cells = check_sums(db, total)
    grid = corners_wgs84(x0, y0 + nrows * cell, cell, ncols, nrows, gdaltransform)
    cross_check(cells, grid, rows, printed_subdivision(out))
    # The same grid declared without a CRS needs --crs; with it, the same sums.
    plain = tmp_path / "plain.asc"
    subprocess.run(["gdal_translate", "-q", "-of", "AAIGrid", str(tif), str(plain)], check=True)
    prj = plain.with_suffix(".prj")
    if prj.exists():
        prj.unlink()
    db2 = tmp_path / "second.gpkg"
    run("import", "--db", db2, "villages", demo_dir / "villages.geojson")
    p = run("import", "--db", db2, "population", plain, check=False)
    assert p.returncode != 0 and "--crs" in p.stderr, p.stderr
    run("import", "--db", db2, "population", plain, "--crs", "EPSG:32751")
    again = stored(db2)[0]
    assert set(again) == set(cells)
    for h, (r, v) in cells.items():
        assert again[h][1] == pytest.approx(v, rel=1e-9, abs=1e-9), h


def test_api_tiles_and_coverage(tmp_path, demo_dir):
    w, s, e, n = south_west(demo_dir)
    cell = 0.004
    xll, yll = math.floor(w / cell) * cell, math.floor(s / cell) * cell
    ncols, nrows = math.ceil((e - xll) / cell), math.ceil((n - yll) / cell)
    rows = [[5 + (r + c) % 3 for c in range(ncols)] for r in range(nrows)]
    total = known_total(rows)
    tif = write_raster(tmp_path, "pop", xll, yll, cell, rows, "EPSG:4326")
    db = fresh_store(tmp_path, demo_dir, children=True)
    run("import", "--db", db, "population", tif)
    srv = Server("--db", db)
    try:
        body = srv.json("/api/villages")
        assert body["population"]["total"] == pytest.approx(total)
        vs = body["villages"]
        in_villages = sum(v["population"] for v in vs)
        assert in_villages + body["population"]["outside"] == pytest.approx(total, rel=1e-3)
        for v in vs:
            if v["population"] > 0:
                # population is rounded to 0.1 in the API, coverage is not
                assert v["coverage"] == pytest.approx(v["children"] / v["population"], rel=0.06 / v["population"])
        for res in (6, 7, 10):
            feats = srv.json(f"/api/hexes?res={res}")["features"]
            props = [f["properties"] for f in feats]
            # Each value is rounded to 0.1 (exact sums are checked in the store by the
            # other tests); the few coarse cells must add up here.
            if res < 10:
                assert sum(p.get("population", 0) for p in props) == pytest.approx(total, rel=1e-3)
            # Cells with people and nobody measured are listed, with coverage 0.
            assert any(p["children"] == 0 and p.get("population", 0) > 0 and p["coverage"] == 0 for p in props)
            for p in props:
                if p.get("population", 0) >= 10:  # rounding to 0.1 moves it < 0.5%
                    assert p["coverage"] == pytest.approx(p["children"] / p["population"], rel=1e-2)
        fields = srv.json("/tiles/hexes.json")["vector_layers"][0]["fields"]
        assert "population" in fields and "coverage" in fields
        assert "population" in srv.json("/tiles/villages.json")["vector_layers"][0]["fields"]
        # A z11 tile (resolution 8) at the raster's centre, decoded independently.
        z, lon, lat = 11, (xll + e) / 2, (yll + n) / 2
        x = int((lon + 180) / 360 * 2**z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
        status, _, body = srv.get(f"/tiles/hexes/{z}/{x}/{y}.mvt")
        assert status == 200
        hexes = mapbox_vector_tile.decode(body)["hexes"]["features"]
        api8 = {f["properties"]["h3"]: f["properties"] for f in srv.json("/api/hexes?res=8")["features"]}
        peopled = [f["properties"] for f in hexes if "population" in f["properties"]]
        assert peopled
        for p in peopled:
            assert p["population"] == pytest.approx(api8[p["h3"]]["population"])
            assert p["coverage"] == pytest.approx(api8[p["h3"]]["coverage"])
    finally:
        srv.stop()


def test_bad_rasters_write_nothing(tmp_path, demo_dir):
    db = fresh_store(tmp_path, demo_dir)
    before = revision_and_tables(db)
    garbage = tmp_path / "balita.tif"
    garbage.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    p = run("import", "--db", db, "population", garbage, check=False)
    assert p.returncode != 0 and "is not a raster GDAL can read" in p.stderr, p.stderr
    nogeo = tmp_path / "nogeo.tif"
    subprocess.run(["gdal_create", "-q", "-of", "GTiff", "-outsize", "5", "5", "-bands", "1", "-burn", "3", str(nogeo)], check=True)
    p = run("import", "--db", db, "population", nogeo, check=False)
    assert p.returncode != 0 and "has no georeference" in p.stderr, p.stderr
    vector = demo_dir / "villages.geojson"
    p = run("import", "--db", db, "population", vector, check=False)
    assert p.returncode != 0 and "is not a raster" in p.stderr, p.stderr
    p = run("import", "--db", db, "--map", "a=b", "population", nogeo, check=False)
    assert p.returncode != 0 and "--map does not apply" in p.stderr, p.stderr
    assert revision_and_tables(db) == before
    assert before[1] == set()
