"""A day's route: the visiting order checked against brute force (up to 10 stops) and
Google's OR-Tools (30 to 80 stops, 10 seconds each), on travel-time matrices of the
demo city's roads; and `sigap route` end to end (urgency, working time, GPX,
GeoJSON)."""
import csv
import itertools
import json
import random
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from conftest import run


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("routes")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    run("import", "roads", "--db", db, demo_dir / "roads.osm.pbf")
    run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    children = list(csv.DictReader(open(demo_dir / "children.csv")))
    puskesmas = [r for r in csv.DictReader(open(demo_dir / "facilities.csv")) if r["kind"] == "puskesmas"]
    return dict(db=db, children=children, puskesmas=puskesmas, d=d)


def matrix(city, points, name):
    path = city["d"] / f"{name}.csv"
    with open(path, "w") as f:
        f.write("lat,lon\n")
        for lon, lat in points:
            f.write(f"{lat!r},{lon!r}\n")
    m = json.loads(run("travel-time", "--db", city["db"], "--matrix", path).stdout)["secs"]
    assert all(x is not None for row in m for x in row)
    return m


def instance(city, n, seed, near=None):
    """A puskesmas (index 0, start and end) and n children's homes: anywhere, or
    among the 4n nearest the puskesmas named `near`."""
    rng = random.Random(seed)
    if near:
        base = next(p for p in city["puskesmas"] if p["name"] == near)
        key = lambda c: (float(c["lon"]) - float(base["lon"])) ** 2 + (float(c["lat"]) - float(base["lat"])) ** 2
        homes = rng.sample(sorted(city["children"], key=key)[: 4 * n], n)
    else:
        base = rng.choice(city["puskesmas"])
        homes = rng.sample(city["children"], n)
    pts = [(float(base["lon"]), float(base["lat"]))] + [(float(c["lon"]), float(c["lat"])) for c in homes]
    return matrix(city, pts, f"i{n}-{seed}")


def cost(m, order, start=0, end=0):
    seq = [start, *order, end]
    return sum(m[a][b] for a, b in zip(seq, seq[1:]))


def sigap_order(m, stops, start=0, end=0):
    inst = json.dumps({"matrix": m, "start": start, "end": end, "stops": stops})
    out = json.loads(run("tour", input=inst).stdout)
    assert sorted(out["order"]) == sorted(stops)
    assert out["secs"] == pytest.approx(cost(m, out["order"], start, end), rel=1e-12)
    return out["order"]


@pytest.mark.parametrize("n,seed,near", [
    (5, 1, None), (6, 2, "Puskesmas Benu-Benua"), (7, 3, None), (8, 4, "Puskesmas Benu-Benua"),
    (9, 5, None), (10, 6, "Puskesmas Benu-Benua")])
def test_small_days_are_optimal_against_brute_force(city, n, seed, near):
    m = instance(city, n, seed, near)
    stops = list(range(1, n + 1))
    if near:
        # The old town's one-way streets make the matrix asymmetric: direction matters.
        assert any(abs(m[i][j] - m[j][i]) > 1 for i in range(n) for j in range(n))
    best = min(cost(m, p) for p in itertools.permutations(stops))
    got = cost(m, sigap_order(m, stops))
    assert got == pytest.approx(best, rel=1e-9, abs=1e-6)


def ortools_cost(m, seconds=10):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(m)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    scaled = [[int(round(x * 1000)) for x in row] for row in m]

    def transit(i, j):
        return scaled[manager.IndexToNode(i)][manager.IndexToNode(j)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(transit))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = seconds
    sol = routing.SolveWithParameters(params)
    assert sol is not None
    order, i = [], routing.Start(0)
    while not routing.IsEnd(i):
        node = manager.IndexToNode(i)
        if node:
            order.append(node)
        i = sol.Value(routing.NextVar(i))
    return cost(m, order)


@pytest.mark.parametrize("n,seed", [(30, 11), (50, 12), (80, 13)])
def test_larger_days_are_within_five_percent_of_ortools(city, n, seed):
    m = instance(city, n, seed)
    stops = list(range(1, n + 1))
    mine = cost(m, sigap_order(m, stops))
    theirs = ortools_cost(m)
    assert mine <= 1.05 * theirs, (mine, theirs)


def test_route_command_urgency_time_and_exports(city, tmp_path):
    db = city["db"]
    team = "Dinas Kesehatan"
    out = json.loads(run("route", "--db", db, "--team", team, "--format", "json",
                         "--max-visits", "8", "--hours", "08:00-11:00", "--service-min", "15").stdout)
    plan = out["plan"]
    stops = plan["stops"]
    assert 0 < len(stops) <= 8
    assert plan["total_min"] <= 180 + 1e-6
    assert plan["service_min"] == pytest.approx(15 * len(stops))
    # Most urgent first: the chosen are the top of the urgency list, except those that
    # did not fit; every skipped more urgent child would have broken the day.
    ranks = sorted(s["urgency_rank"] for s in stops)
    assert ranks[0] == 1
    times = [s["arrive_min"] for s in stops]
    assert times == sorted(times)
    for a, b in zip(stops, stops[1:]):
        assert b["arrive_min"] == pytest.approx(a["leave_min"] + b["travel_min"], abs=1e-6)
    gpx = run("route", "--db", db, "--team", team, "--format", "gpx", "--max-visits", "8",
              "--hours", "08:00-11:00", "--service-min", "15").stdout
    root = ET.fromstring(gpx)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert len(root.findall("g:wpt", ns)) == len(stops)
    assert len(root.findall(".//g:trkpt", ns)) > len(stops)
    gj = json.loads(run("route", "--db", db, "--team", team, "--format", "geojson", "--max-visits", "8",
                        "--hours", "08:00-11:00", "--service-min", "15").stdout)
    points = [f for f in gj["features"] if f["geometry"]["type"] == "Point"]
    assert [f["properties"]["order"] for f in points] == list(range(1, len(stops) + 1))
    assert all(f["properties"]["navigate"].startswith("geo:-3.") for f in points)
    bad = run("route", "--db", db, "--team", "Dinas Tidak Ada", check=False)
    assert bad.returncode != 0 and "Dinas Kesehatan" in bad.stderr
