"""GIS formats through GDAL: the demo city exported by ogr2ogr and imported again.

Every fixture here is written at test time by the system GDAL (ogr2ogr), the tool a
planner's GIS office uses, never by hand. A store filled from Shapefile, GeoPackage,
KML or XLSX exports (in UTM 51S, EPSG:32751, except KML, which is WGS84 by
definition) must hold what the GeoJSON/CSV import holds: the same village and hexagon
figures from the API, and every child and household within 1 cm of where the CSV put
it. Bad inputs each get their own message and leave the store as it was.

The city is thinned (every 5th child, every 10th household) to keep the file well
under two minutes on a debug build; villages and facilities are whole.
"""
import csv
import json
import math
import sqlite3
import subprocess

import pytest

from conftest import Server, run

UTM51S = "EPSG:32751"
CHILD_EVERY, HOUSEHOLD_EVERY = 5, 10
POINTS = {
    "children": ["id", "sex", "birth_date", "measure_date", "height_cm", "haz"],
    "households": ["id", "has_latrine", "safe_water", "improved_sanitation"],
    "facilities": ["id", "name", "kind"],
}
# DBF field names stop at 10 characters (ogr2ogr writes measure_da, has_latrin,
# improved_s); the importer recognises such cut names without any --map.
SHAPEFILE_MAP = {"children": [], "households": [], "facilities": [], "villages": []}


def ogr(*args):
    p = subprocess.run(["ogr2ogr", *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, f"ogr2ogr {args}: {p.stderr}"


def thin(src, dst, every):
    with open(src, newline="") as f, open(dst, "w", newline="") as out:
        rows = csv.reader(f)
        w = csv.writer(out, lineterminator="\n")
        w.writerow(next(rows))
        for i, row in enumerate(rows):
            if i % every == 0:
                w.writerow(row)


def points_to(fmt, dst, src_csv, layer, srs, *extra):
    """A CSV with lat/lon columns as a point layer in `srs`, without the lat/lon
    attributes (the position must come from the geometry)."""
    ogr("-f", fmt, dst, src_csv, "-nln", layer,
        "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "KEEP_GEOM_COLUMNS=NO",
        "-s_srs", "EPSG:4326", "-t_srs", srs, *extra)


def revision(db):
    with sqlite3.connect(db) as c:
        return int(c.execute("SELECT value FROM sigap_meta WHERE key = 'revision'").fetchone()[0])


def positions(db, layer):
    """pseudonym -> (lon, lat) of a store's layer, read by GDAL from the GeoPackage."""
    p = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(db), layer],
                       capture_output=True, text=True, check=True)
    return {f["properties"]["pseudonym"]: tuple(f["geometry"]["coordinates"])
            for f in json.loads(p.stdout)["features"]}


def metres(a, b):
    """Haversine distance between two (lon, lat) points, in metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def figures(db):
    """The API's village list and resolution-9 hexagons, without the revision."""
    s = Server("--db", db)
    try:
        villages = s.json("/api/villages")
        villages.pop("revision")
        hexes = {f["properties"]["h3"]: f["properties"] for f in s.json("/api/hexes?res=9")["features"]}
        return villages, hexes
    finally:
        s.stop()


def same(a, b, where="$"):
    """Equal JSON values; floats within 1e-6 (nearest-facility distances move by the
    nanometres of a UTM round trip)."""
    if isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), f"{where}: {a} != {b}"
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def city(demo_dir, tmp_path_factory):
    """The thinned city as the demo writes it (GeoJSON + CSV), imported into a
    reference store; the key is shared with every other store here."""
    d = tmp_path_factory.mktemp("city")
    files = {"villages": demo_dir / "villages.geojson", "facilities": demo_dir / "facilities.csv"}
    for layer, every in [("children", CHILD_EVERY), ("households", HOUSEHOLD_EVERY)]:
        files[layer] = d / f"{layer}.csv"
        thin(demo_dir / f"{layer}.csv", files[layer], every)
    key = d / "city.key"
    db = d / "reference.gpkg"
    for layer in ["villages", "facilities", "households", "children"]:
        run("import", "--db", db, "--key", key, layer, files[layer])
    return {"dir": d, "files": files, "key": key, "db": db, "figures": figures(db)}


def exports(city, fmt):
    """The city's four layers in `fmt`: (layer, file, extra import arguments)."""
    d, files = city["dir"] / fmt, city["files"]
    d.mkdir()
    out = []
    if fmt == "xlsx":
        # Spreadsheets carry no geometry: villages stay GeoJSON (in UTM, with its
        # `crs` member); children as UTM x/y columns (text cells) given --crs,
        # households and facilities as lat/lon with typed cells (numbers, dates).
        villages = d / "villages.geojson"
        ogr("-f", "GeoJSON", villages, files["villages"], "-t_srs", UTM51S)
        out.append(("villages", villages, []))
        xy_csv = d / "children_xy.csv"
        points_to("CSV", xy_csv, files["children"], "children", UTM51S, "-lco", "GEOMETRY=AS_XY")
        ogr("-f", "XLSX", d / "children.xlsx", xy_csv, "-nln", "anak")
        out.append(("children", d / "children.xlsx", ["--crs", UTM51S]))
        for layer in ["households", "facilities"]:
            ogr("-f", "XLSX", d / f"{layer}.xlsx", files[layer], "-nln", layer, "-oo", "AUTODETECT_TYPE=YES")
            out.append((layer, d / f"{layer}.xlsx", []))
        return out
    # KML points through GDAL's KML driver: LIBKML writes 9,000 placemarks in 40 s.
    # The villages go through LIBKML as KMZ, so both KML flavours are read back.
    driver, ext, srs = {
        "shp": ("ESRI Shapefile", "shp", UTM51S),
        "gpkg": ("GPKG", "gpkg", UTM51S),
        "fgb": ("FlatGeobuf", "fgb", UTM51S),
        "kml": ("KML", "kml", "EPSG:4326"),
    }[fmt]
    villages_driver, villages_ext = ("LIBKML", "kmz") if fmt == "kml" else (driver, ext)
    villages = d / f"villages.{villages_ext}"
    ogr("-f", villages_driver, villages, files["villages"], "-nln", "villages", "-t_srs", srs)
    out.append(("villages", villages, []))
    for layer in POINTS:
        dst = d / f"{layer}.{ext}"
        points_to(driver, dst, files[layer], layer, srs)
        out.append((layer, dst, SHAPEFILE_MAP[layer] if fmt == "shp" else []))
    return out


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "fgb", "kml", "xlsx"])
def test_round_trip_gives_the_same_figures_and_positions(city, fmt):
    db = city["dir"] / f"{fmt}.gpkg"
    order = {"villages": 0, "facilities": 1, "households": 2, "children": 3}
    for layer, path, extra in sorted(exports(city, fmt), key=lambda e: order[e[0]]):
        run("import", "--db", db, "--key", city["key"], *extra, layer, path)
    villages, hexes = figures(db)
    ref_villages, ref_hexes = city["figures"]
    assert len(ref_villages["villages"]) == 65 and len(ref_hexes) > 100
    same(villages, ref_villages)
    assert hexes.keys() == ref_hexes.keys()
    same(hexes, ref_hexes)
    for layer in ["children", "households"]:
        got, want = positions(db, layer), positions(city["db"], layer)
        assert got.keys() == want.keys() and len(want) > 1000, layer
        worst = max(metres(got[p], want[p]) for p in want)
        assert worst < 0.01, f"{layer}: a point moved {worst:.4f} m"


@pytest.fixture()
def villages_only(city, tmp_path):
    """A store with the villages imported (revision 1), and UTM exports to break."""
    db = tmp_path / "store.gpkg"
    run("import", "--db", db, "--key", city["key"], "villages", city["files"]["villages"])
    utm = tmp_path / "anak_utm.gpkg"
    points_to("GPKG", utm, city["files"]["children"], "anak", UTM51S)
    return db, utm, tmp_path


def refused(db, *args):
    """Runs an import that must fail and leave the store's revision at 1."""
    p = run("import", "--db", db, *args, check=False)
    assert p.returncode != 0, p.stdout
    assert revision(db) == 1
    return p.stderr


def test_wrong_crs_is_refused_with_the_crs_to_use(villages_only):
    db, utm, d = villages_only
    as_degrees = d / "anak_degrees.gpkg"
    ogr("-f", "GPKG", as_degrees, utm, "-a_srs", "EPSG:4326")
    err = refused(db, "children", as_degrees)
    assert f"{as_degrees}: coordinates cannot be in EPSG:4326 (from the file)" in err
    assert "look like metres (UTM?) declared as degrees; try --crs EPSG:32751" in err
    north = d / "anak_51n.gpkg"
    ogr("-f", "GPKG", north, utm, "-a_srs", "EPSG:32651")
    err = refused(db, "children", north)
    assert f"{north}: coordinates cannot be in EPSG:32651" in err and "try --crs EPSG:32751" in err
    # The suggestion works: --crs overrides what the file declares.
    run("import", "--db", db, "--crs", UTM51S, "children", north)
    assert revision(db) == 2


def test_xy_columns_need_a_crs_and_land_within_a_centimetre(villages_only, city):
    db, utm, d = villages_only
    xy = d / "anak_xy.csv"
    ogr("-f", "CSV", xy, utm, "-lco", "GEOMETRY=AS_XY")
    err = refused(db, "children", xy)
    assert f"{xy}: x/y columns (like (" in err
    assert "need a coordinate reference system and the file declares none; try --crs EPSG:32751" in err
    # The CSV reader (exact line numbers) with --crs: X/Y become lon/lat.
    run("import", "--db", db, "--key", city["key"], "--crs", UTM51S, "children", xy)
    got, want = positions(db, "children"), positions(city["db"], "children")
    assert got.keys() == want.keys()
    assert max(metres(got[p], want[p]) for p in want) < 0.01


def test_damaged_files_are_unreadable(villages_only):
    db, utm, d = villages_only
    data = utm.read_bytes()
    cut = d / "cut.gpkg"
    cut.write_bytes(data[: len(data) // 2])
    assert f"{cut}: cannot be read" in refused(db, "children", cut)
    shp = d / "anak.shp"
    ogr("-f", "ESRI Shapefile", shp, utm)
    shp_data = shp.read_bytes()
    shp.write_bytes(shp_data[: len(shp_data) // 2])
    err = refused(db, "children", shp)
    assert f"{shp}: cannot be read" in err and "truncated" in err
    for ext, driver in [("gpkg", "GPKG"), ("shp", "ESRI Shapefile")]:
        junk = d / f"junk.{ext}"
        junk.write_bytes(bytes((i * 2654435761 >> 13) & 0xFF for i in range(8192)))
        err = refused(db, "children", junk)
        assert f"{junk}: cannot be read: GDAL cannot open it as {driver}" in err


def test_layer_choice_and_empty_layers(villages_only, city):
    db, utm, d = villages_only
    both = d / "survey.gpkg"
    ogr("-f", "GPKG", both, utm, "-nln", "anak")
    ogr("-f", "GPKG", "-update", both, utm, "-nln", "kosong", "-where", "1 = 0")
    err = refused(db, "children", both)
    assert f"{both}: the file has 2 layers; its layers: `anak` (" in err
    assert "`kosong` (0 features); choose one with --layer NAME" in err
    err = refused(db, "--layer", "kosong", "children", both)
    assert f"{both}: layer `kosong` has no features; nothing to import" in err
    err = refused(db, "--layer", "villages", "villages", db)
    assert f"{db}: this is the store being imported into" in err
    listing = run("layers", both).stdout
    assert "anak: " in listing and "CRS EPSG:32751" in listing and "kosong: 0 features" in listing
    run("import", "--db", db, "--layer", "anak", "children", both)
    assert revision(db) == 2
