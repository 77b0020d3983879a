"""End to end: village boundaries closed, repaired or refused; overlaps and gaps
reported with their area; children known only by their village code placed there.

Areas are checked against the spherical formula on the authalic sphere and villages
against a plain ray-casting point-in-polygon, both written here, not taken from sigap.
"""
import csv
import json
import math
import re

from conftest import Server, run

AUTHALIC_RADIUS_M = 6_371_007.2


def rect_area_m2(w, s, e, n):
    """Area of a lon/lat rectangle on the authalic sphere (good to 0.3% at 4°S)."""
    return AUTHALIC_RADIUS_M**2 * math.radians(e - w) * abs(math.sin(math.radians(n)) - math.sin(math.radians(s)))


def ring_contains(ring, x, y):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def village_of(villages, x, y):
    """The code of the village holding (x, y) by ray casting, smallest code first."""
    for code, bbox, parts in villages:
        if not (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]):
            continue
        for rings in parts:
            if ring_contains(rings[0], x, y) and not any(ring_contains(h, x, y) for h in rings[1:]):
                return code
    return None


def load_villages(path):
    out = []
    for f in json.loads(path.read_text())["features"]:
        parts = polygons(f["geometry"])
        xs = [p[0] for rings in parts for p in rings[0]]
        ys = [p[1] for rings in parts for p in rings[0]]
        out.append((str(f["properties"]["code"]).replace(".", ""), (min(xs), min(ys), max(xs), max(ys)), parts))
    return sorted(out)


def feature(code, ring):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"V{code}", "district": "D"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def rect(w, s, e, n):
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def write_collection(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_the_demo_city_has_no_overlap_and_no_gap(demo_dir, tmp_path):
    p = run("import", "--db", tmp_path / "v.gpkg", "villages", demo_dir / "villages.geojson")
    assert "villages: no overlaps or gaps between them" in p.stdout, p.stdout
    assert "overlap" not in p.stdout.replace("no overlaps", "")


def test_broken_boundaries_are_closed_repaired_or_refused(tmp_path):
    db = tmp_path / "b.gpkg"
    unclosed = rect(122.50, -3.98, 122.52, -3.96)[:4]
    overlapping = rect(122.515, -3.98, 122.53, -3.97)
    # Two lobes of equal size crossing at (122.55, -3.97): no net area to keep.
    bow_tie = [[122.54, -3.98], [122.56, -3.96], [122.56, -3.98], [122.54, -3.96], [122.54, -3.98]]
    features = [
        feature("7471011001", unclosed),
        feature("7471011002", overlapping),
        feature("7471011003", bow_tie),
    ]
    p = run("import", "--db", db, "villages", write_collection(tmp_path / "all.geojson", features), check=False)
    assert p.returncode != 0
    assert re.search(r"feature 3: field `geometry`: village 7471011003: .*self-intersection", p.stderr), p.stderr
    assert "the store is unchanged" in p.stderr

    p = run("import", "--db", db, "villages", write_collection(tmp_path / "two.geojson", features[:2]))
    assert "7471011001: closed ring 1" in p.stdout, p.stdout
    m = re.search(r"villages 7471011001 and 7471011002 overlap by ([0-9.]+) ha", p.stdout)
    assert m, p.stdout
    expected_ha = rect_area_m2(122.515, -3.98, 122.52, -3.97) / 10_000
    assert abs(float(m.group(1)) - expected_ha) < 0.01 * expected_ha, (m.group(1), expected_ha)


def test_children_without_coordinates_are_placed_at_their_village(demo_dir, tmp_path):
    db, key = tmp_path / "c.gpkg", tmp_path / "c.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    villages = load_villages(demo_dir / "villages.geojson")
    with open(demo_dir / "children.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = {code: 0 for code, _, _ in villages}
    placed = 0
    for i, row in enumerate(rows):
        code = village_of(villages, float(row["lon"]), float(row["lat"]))
        assert code is not None, row
        expected[code] += 1
        row["kode_desa"] = ""
        if i % 10 == 3:
            # Dotted form, as e-PPGBM writes it.
            row["kode_desa"] = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
            row["lat"] = row["lon"] = ""
            placed += 1
    path = tmp_path / "children.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    p = run("import", "--db", db, "--key", key, "children", path)
    assert f"{placed} children had no coordinates and were placed at their village" in p.stdout, p.stdout

    s = Server("--db", db)
    try:
        got = {v["code"]: v["children"] for v in s.json("/api/villages")["villages"]}
        assert got == expected
        for res in range(5, 11):
            hexes = s.json(f"/api/hexes?res={res}")
            in_cells = sum(f["properties"]["children"] for f in hexes["features"])
            assert in_cells + hexes["unplaced_children"] == len(rows), res
            assert hexes["unplaced_children"] <= placed
        # Every demo village is wider than a res-10 cell.
        assert s.json("/api/hexes?res=10")["unplaced_children"] == placed
    finally:
        s.stop()

    # A code no stored village has is refused on its line.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,lat,lon,sex,birth_date,measure_date,height_cm,haz,kode_desa\n"
        "x1,,,L,2024-01-15,2025-08-04,70.1,-1.0,7471019999\n"
    )
    p = run("import", "--db", db, "--key", key, "children", bad, check=False)
    assert p.returncode != 0
    assert f"{bad}:2: field `village_code`: " in p.stderr, p.stderr
    assert "no stored village has code 7471019999" in p.stderr
