"""Import benchmark: 1,000,000 households from a GeoPackage in UTM 51S (EPSG:32751).

The households are generated deterministically (seed 2026) as a CSV with x/y columns
in metres over Kendari, turned into a GeoPackage by ogr2ogr, then, in the same run:

- `sigap import --db STORE households FILE.gpkg` (GDAL read, reprojection to WGS84
  through PROJ, validation, keyed pseudonyms, batched writes in one SQLite
  transaction), into a store that already holds the demo city's villages;
- the same import into the shared PostgreSQL store (`--db postgres://...`: binary
  COPY in one transaction), on a throwaway PostgreSQL 15 cluster with fsync on
  (tests/python/pg.py), unless `--no-postgres`;
- `ogr2ogr -f GeoJSON out.geojson FILE.gpkg`, the peer: GDAL alone reading the same
  file and writing it out, no reprojection, no validation.

Each is run under GNU time (`/usr/bin/time -v`) for wall time and peak resident
memory. Prints one JSON line per tool and a Markdown table.

    .venv/bin/python benches/import.py --bin target/release/sigap
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

# Inside the demo villages' extent, in EPSG:32751 metres (about 122.45..122.61 E,
# 4.05..3.91 S).
X_RANGE = (440_000.0, 457_000.0)
Y_RANGE = (9_552_000.0, 9_568_000.0)


def households_csv(path, n, seed=2026):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("id,x,y,has_latrine,safe_water,improved_sanitation\n")
        for i in range(n):
            x = rng.uniform(*X_RANGE)
            y = rng.uniform(*Y_RANGE)
            flags = rng.getrandbits(3)
            f.write(f"7471{i:012d},{x:.3f},{y:.3f},{flags & 1},{flags >> 1 & 1},{flags >> 2 & 1}\n")


def timed(args, **kw):
    """Runs `args` under GNU time; returns (seconds, peak RSS in MiB, stderr)."""
    p = subprocess.run(["/usr/bin/time", "-v", *map(str, args)], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return seconds, rss_kib / 1024, p.stderr


def into_postgres(sigap, d, demo, gpkg, n):
    """`sigap import` of the same file into a PostgreSQL store holding the demo
    villages; the row count checked with psql."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
    from pg import APP_ROLE, SUPERUSER, Cluster

    cluster = Cluster(durable=True)
    try:
        name = cluster.database("bench")
        subprocess.run([sigap, "db", "init", "--db", cluster.url(SUPERUSER, name)], check=True, capture_output=True)
        url, key = cluster.url(APP_ROLE, name), os.path.join(d, "pg.key")
        subprocess.run([sigap, "import", "--db", url, "--key", key, "villages",
                        os.path.join(demo, "villages.geojson")], check=True, capture_output=True)
        secs, rss, _ = timed([sigap, "import", "--db", url, "--key", key, "households", gpkg],
                             env={**os.environ, "SIGAP_LOG": "warn"})
        count = int(cluster.psql(name, "SELECT count(*) FROM sigap.households"))
        assert count == n, f"PostgreSQL holds {count} households"
    finally:
        cluster.stop()
    return {"tool": "sigap import into PostgreSQL 15 (same file, binary COPY, fsync on)",
            "features": n, "seconds": round(secs, 2),
            "features_per_s": round(n / secs), "peak_rss_mib": round(rss, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL store")
    a = ap.parse_args()
    sigap = os.path.abspath(a.bin)
    with tempfile.TemporaryDirectory() as d:
        csv_path, gpkg = os.path.join(d, "households.csv"), os.path.join(d, "households.gpkg")
        households_csv(csv_path, a.households)
        subprocess.run(["ogr2ogr", "-f", "GPKG", gpkg, csv_path, "-nln", "households",
                        "-oo", "X_POSSIBLE_NAMES=x", "-oo", "Y_POSSIBLE_NAMES=y",
                        "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:32751"], check=True)
        demo, store = os.path.join(d, "demo"), os.path.join(d, "store.gpkg")
        subprocess.run([sigap, "demo", "--out", demo], check=True, capture_output=True)
        subprocess.run([sigap, "import", "--db", store, "villages", os.path.join(demo, "villages.geojson")],
                       check=True, capture_output=True)
        results = []
        secs, rss, err = timed([sigap, "import", "--db", store, "households", gpkg],
                               env={**os.environ, "SIGAP_LOG": "warn"})
        results.append({"tool": "sigap import (GPKG, EPSG:32751 -> WGS84, validate, store)",
                        "features": a.households, "seconds": round(secs, 2),
                        "features_per_s": round(a.households / secs), "peak_rss_mib": round(rss, 1)})
        if not a.no_postgres:
            results.append(into_postgres(sigap, d, demo, gpkg, a.households))
        secs, rss, _ = timed(["ogr2ogr", "-f", "GeoJSON", os.path.join(d, "out.geojson"), gpkg])
        results.append({"tool": "ogr2ogr -f GeoJSON (GDAL 3.6.2, same file)",
                        "features": a.households, "seconds": round(secs, 2),
                        "features_per_s": round(a.households / secs), "peak_rss_mib": round(rss, 1)})
        stored = subprocess.run(["ogrinfo", "-so", store, "households"], capture_output=True, text=True).stdout
        count = int(re.search(r"Feature Count: (\d+)", stored).group(1))
        assert count == a.households, f"the store holds {count} households"
        for r in results:
            print(json.dumps(r))
        print("\n| | features | seconds | features/s | peak RSS MiB |\n|---|---|---|---|---|")
        for r in results:
            print(f"| {r['tool']} | {r['features']:,} | {r['seconds']} | {r['features_per_s']:,} | {r['peak_rss_mib']} |")


if __name__ == "__main__":
    main()
