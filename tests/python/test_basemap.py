"""The basemap decoded by an independent decoder (PyPI mapbox-vector-tile): its layers
and fields, street names and the bay from the demo's OpenStreetMap extract, village
boundaries from the store, no login needed, and nothing about a child or a household."""
import gzip
import json
import math
import shutil

import mapbox_vector_tile
import pytest

from conftest import Server, run
from test_tiles import tile_range

FIELDS = {
    "water": {"name"},
    "landuse": {"class"},
    "roads": {"class", "name"},
    "buildings": set(),
    "places": {"kind", "name"},
    "villages": {"code", "name"},
    "village_labels": {"code", "name"},
}
ROAD_CLASSES = {"motorway", "primary", "secondary", "tertiary", "residential", "track", "path"}
BOUNDS = (122.45, -4.10, 122.65, -3.90)


@pytest.fixture(scope="module")
def basemap_server(demo_db, demo_dir, tmp_path_factory):
    """The demo store with its roads imported by `sigap import roads` (which keeps the
    extract for the basemap), served."""
    d = tmp_path_factory.mktemp("basemap")
    db = d / "city.gpkg"
    shutil.copy(demo_db, db)
    run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf")
    s = Server("--db", db, token=None)
    yield s
    s.stop()


def tiles(server, z, bounds=BOUNDS):
    """Every non-empty basemap tile at zoom z over the city: (x, y, decoded)."""
    out = []
    for x, y in tile_range(bounds, z):
        status, headers, body = server.get(f"/basemap/{z}/{x}/{y}.mvt", {"Accept-Encoding": "gzip"}, token=None)
        if status == 204:
            continue
        assert status == 200, (z, x, y, status)
        assert headers["content-type"] == "application/vnd.mapbox-vector-tile"
        assert headers["cache-control"].startswith("public")
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        out.append((x, y, mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})))
    return out


def to_lonlat(z, x, y, px, py, extent=4096):
    n = 2**z
    lon = (x + px / extent) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + py / extent) / n))))
    return lon, lat


def test_style_is_public_and_names_the_layers(basemap_server):
    status, headers, body = basemap_server.get("/basemap/style.json", token=None)
    assert status == 200 and headers["cache-control"].startswith("public")
    style = json.loads(body)
    assert style["version"] == 8
    assert style["sources"]["basemap"]["tiles"] == ["/basemap/{z}/{x}/{y}.mvt"]
    used = {layer.get("source-layer") for layer in style["layers"]} - {None}
    assert used <= set(FIELDS)
    assert style["layers"][0]["type"] == "background"


@pytest.mark.parametrize("z", [12, 15])
def test_tiles_have_the_announced_layers_and_fields_only(basemap_server, z):
    bounds = BOUNDS if z < 15 else (122.50, -3.98, 122.53, -3.96)
    seen = {}
    for _, _, tile in tiles(basemap_server, z, bounds):
        for name, layer in tile.items():
            assert name in FIELDS, name
            for f in layer["features"]:
                assert set(f["properties"]) <= FIELDS[name], (name, f["properties"])
                seen.setdefault(name, []).append(f)
    assert {"landuse", "roads", "villages", "village_labels"} <= set(seen), set(seen)
    classes = {f["properties"]["class"] for f in seen["roads"]}
    assert classes <= ROAD_CLASSES
    names = {f["properties"].get("name", "") for f in seen["roads"]}
    if z == 12:
        # Residential streets start at z13, paths at z15.
        assert not classes & {"residential", "track", "path"}, classes
    else:
        assert "residential" in classes
        assert any(n.startswith(("Jl. ", "Lorong ")) for n in names), sorted(names)[:20]
    assert any(n.startswith("Jalan ") for n in names), sorted(names)[:20]
    if z == 12:
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in seen["water"])


def test_the_bay_and_the_villages_match_the_demo(basemap_server, demo_dir):
    water, labels = [], {}
    for _, _, tile in tiles(basemap_server, 11):
        water += [f["properties"].get("name") for f in tile.get("water", {}).get("features", [])]
        for f in tile.get("village_labels", {}).get("features", []):
            labels[f["properties"]["code"]] = f["properties"]["name"]
    assert "Teluk Kendari" in water
    villages = basemap_server.json("/public/api/villages")["features"]
    assert labels == {v["properties"]["code"]: v["properties"]["name"] for v in villages}


def test_no_point_is_a_home_or_a_child(basemap_server):
    """Every point in the basemap is a place or a village label named after a
    kelurahan (or the city): never a household or a child, which have no name here."""
    villages = {v["properties"]["name"] for v in basemap_server.json("/public/api/villages")["features"]}
    points = set()
    for _, _, tile in tiles(basemap_server, 13):
        for name, layer in tile.items():
            for f in layer["features"]:
                if f["geometry"]["type"] != "Point":
                    continue
                assert name in ("places", "village_labels"), name
                assert f["properties"]["name"] in villages | {"Kendari"}, f["properties"]
                points.add((name, f["properties"]["name"]))
    # One label and one place per kelurahan, and the city.
    assert len(villages) < len(points) <= 2 * len(villages) + 1
