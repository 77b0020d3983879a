"""Tiles decoded by an independent decoder (PyPI mapbox-vector-tile)."""
import gzip
import math

import h3
import mapbox_vector_tile
import pytest
from shapely.geometry import shape

RES_FOR_ZOOM = {10: 7, 11: 8, 12: 8, 13: 9, 14: 10, 15: 10}
HEX_FIELDS = {"h3", "children", "stunted", "households", "prevalence", "share_no_latrine",
              "share_no_safe_water", "share_no_sanitation", "risk", "n_prevalence", "n_stunted",
              "n_no_latrine", "n_no_safe_water", "n_no_sanitation", "n_puskesmas"}
# Figures only the popup shows: from /api/hexes on click, not in every tile.
POPUP_ONLY = {"res", "severe", "no_latrine", "no_safe_water", "no_sanitation", "families_at_risk",
              "prevalence_smoothed", "gi_z", "gi_p", "gi_q", "hotspot"}


def tile_range(bounds, z):
    w, s, e, n = bounds

    def xy(lon, lat):
        x = (lon + 180) / 360 * 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z
        return int(x), int(y)

    x0, y0 = xy(w, n)
    x1, y1 = xy(e, s)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def decode(body):
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def test_tilejson(server):
    for layer in ["hexes", "villages", "facilities"]:
        tj = server.json(f"/tiles/{layer}.json")
        assert tj["tilejson"] == "3.0.0"
        assert tj["tiles"][0].endswith(f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
        w, s, e, n = tj["bounds"]
        assert 122.3 < w < e < 122.8 and -4.2 < s < n < -3.8
        assert tj["minzoom"] <= tj["maxzoom"]
        assert tj["vector_layers"] and all("fields" in v for v in tj["vector_layers"])
    hexes = server.json("/tiles/hexes.json")
    ids = {v["id"] for v in hexes["vector_layers"]}
    assert ids == {"hexes", "hex_centers"}
    assert HEX_FIELDS <= set(hexes["vector_layers"][0]["fields"])
    assert not POPUP_ONLY & set(hexes["vector_layers"][0]["fields"])


@pytest.mark.parametrize("z", [10, 11, 12, 13, 14, 15])
def test_hex_tiles_decode_and_add_up(server, z):
    bounds = server.json("/tiles/hexes.json")["bounds"]
    res = RES_FOR_ZOOM[z]
    seen = {}
    for x, y in tile_range(bounds, z):
        status, headers, body = server.get(f"/tiles/hexes/{z}/{x}/{y}.mvt", {"Accept-Encoding": "gzip"})
        if status == 204:
            continue
        assert status == 200
        assert headers["content-type"] == "application/vnd.mapbox-vector-tile"
        assert headers["content-encoding"] == "gzip"
        assert "etag" in headers and "cache-control" in headers
        tile = decode(gzip.decompress(body))
        assert set(tile) <= {"hexes", "hex_centers"}
        layer = tile.get("hexes", {"features": [], "extent": 4096})
        assert layer["extent"] == 4096
        for f in layer["features"]:
            props = f["properties"]
            assert HEX_FIELDS <= set(props), set(HEX_FIELDS) - set(props)
            assert not POPUP_ONLY & set(props), POPUP_ONLY & set(props)
            assert h3.get_resolution(props["h3"]) == res
            geom = shape(f["geometry"])
            assert geom.geom_type in ("Polygon", "MultiPolygon")
            assert geom.is_valid, (z, x, y, props["h3"])
            assert geom.area > 0
            # A cell cut by tile edges appears in several tiles with the same figures.
            if props["h3"] in seen:
                assert seen[props["h3"]] == props["children"]
            seen[props["h3"]] = props["children"]
    api = server.json(f"/api/hexes?res={res}")["features"]
    want = {f["properties"]["h3"]: f["properties"]["children"] for f in api}
    assert seen == want
    total = server.json("/health")["children"]
    assert sum(seen.values()) == total


def test_village_and_facility_tiles(server):
    z = 12
    bounds = server.json("/tiles/villages.json")["bounds"]
    codes, kinds = set(), set()
    for x, y in tile_range(bounds, z):
        status, _, body = server.get(f"/tiles/villages/{z}/{x}/{y}.mvt")
        if status == 200:
            for f in decode(body)["villages"]["features"]:
                assert shape(f["geometry"]).is_valid
                codes.add(f["properties"]["code"])
        status, _, body = server.get(f"/tiles/facilities/{z}/{x}/{y}.mvt")
        if status == 200:
            for f in decode(body)["facilities"]["features"]:
                assert f["geometry"]["type"] == "Point"
                kinds.add(f["properties"]["kind"])
    assert len(codes) == 65
    assert kinds == {"puskesmas", "pustu", "posyandu"}


def test_plain_gzip_etag_and_empty(server):
    bounds = server.json("/tiles/hexes.json")["bounds"]
    x, y = tile_range(bounds, 12)[len(tile_range(bounds, 12)) // 2]
    path = f"/tiles/hexes/12/{x}/{y}.mvt"
    s1, h1, plain = server.get(path)
    s2, h2, gz = server.get(path, {"Accept-Encoding": "gzip"})
    assert s1 == s2 == 200
    assert "content-encoding" not in h1
    assert gzip.decompress(gz) == plain
    assert h1["etag"] == h2["etag"]
    s3, _, body = server.get(path, {"If-None-Match": h1["etag"]})
    assert s3 == 304 and body == b""
    # Open ocean far from the city: empty tile, answered 204.
    s4, h4, body = server.get("/tiles/hexes/12/0/0.mvt")
    assert s4 == 204 and body == b"" and "etag" in h4
    assert server.get("/tiles/roads/12/0/0.mvt")[0] == 404
    assert server.get("/tiles/hexes/3/9/0.mvt")[0] == 404
