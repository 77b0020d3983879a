"""Intervention ledger benchmark: importing 1,000,000 deliveries beside ogr2ogr reading
the same file, then the coverage recompute for the store and for 10x its children,
households and deliveries.

The store holds the demo city (villages, households, the August 2026 round of
children, imported with a key). The ledger is generated deterministically (seed 2026)
from the demo's own ids: PMT, eggs and vitamin A to children, latrines, water and
social assistance to households, each (programme, recipient, day) once, days from
2026-08-01 to 2026-12-05. In the same run, on the same file:

- `sigap import --db STORE --key KEY interventions ledger.csv` (CSV read, every field
  validated, ids pseudonymised and looked up in the store, the round of each date,
  duplicates in the file and in the ledger, one SQLite transaction);
- `ogr2ogr -f CSV /vsistdout/ ledger.csv` (to /dev/null), the peer: GDAL alone
  reading the same file and writing it out.

Each under GNU time (`/usr/bin/time -v`) for wall time and peak resident memory; then
`sigap bench coverage --db STORE --scale 1` and `--scale 10`. Prints JSON lines and a
Markdown table.

    .venv/bin/python benches/deliveries.py --bin target/release/sigap
"""
import argparse
import csv
import datetime
import json
import os
import random
import sqlite3
import subprocess
import tempfile


def timed(args, **kw):
    """benches/import.py's: (seconds, peak RSS in MiB, stderr) under GNU time."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_bench", os.path.join(os.path.dirname(__file__), "import.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.timed(args, **kw)


CHILD = ["pmt", "telur", "vita"]
HOUSEHOLD = ["jamban", "air", "bansos"]
FIRST = datetime.date(2026, 8, 1)
DAYS = (datetime.date(2026, 12, 5) - FIRST).days + 1


def ledger_csv(path, children, households, n, seed=2026):
    rng = random.Random(seed)
    seen = set()
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["program", "id_anak", "id_keluarga", "tanggal", "jumlah", "biaya"])
        while len(seen) < n:
            if rng.random() < 0.5:
                prog, rec, kid = rng.choice(CHILD), rng.choice(children), True
            else:
                prog, rec, kid = rng.choice(HOUSEHOLD), rng.choice(households), False
            day = FIRST + datetime.timedelta(days=rng.randrange(DAYS))
            key = (prog, rec, day)
            if key in seen:
                continue
            seen.add(key)
            w.writerow([prog, rec if kid else "", "" if kid else rec, day.isoformat(),
                        rng.randint(1, 5), rng.choice(["", "15000", "250000"])])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--deliveries", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sigap = os.path.abspath(a.bin)
    quiet = {**os.environ, "SIGAP_LOG": "warn"}
    with tempfile.TemporaryDirectory() as d:
        demo, store, key = os.path.join(d, "demo"), os.path.join(d, "store.gpkg"), os.path.join(d, "store.key")
        subprocess.run([sigap, "demo", "--out", demo], check=True, capture_output=True)
        for kind, name in [("villages", "villages.geojson"), ("households", "households.csv"),
                           ("children", "children.csv")]:
            subprocess.run([sigap, "import", "--db", store, "--key", key, kind, os.path.join(demo, name)],
                           check=True, capture_output=True, env=quiet)
        children = [r["id"] for r in csv.DictReader(open(os.path.join(demo, "children.csv")))]
        households = [r["id"] for r in csv.DictReader(open(os.path.join(demo, "households.csv")))]
        ledger = os.path.join(d, "ledger.csv")
        ledger_csv(ledger, children, households, a.deliveries)
        results = []
        secs, rss, _ = timed([sigap, "import", "--db", store, "--key", key, "interventions", ledger], env=quiet)
        results.append({"tool": "sigap import interventions (CSV, validate, pseudonymise, store)",
                        "rows": a.deliveries, "seconds": round(secs, 2),
                        "rows_per_s": round(a.deliveries / secs), "peak_rss_mib": round(rss, 1)})
        secs, rss, _ = timed(["sh", "-c", f"ogr2ogr -f CSV /vsistdout/ '{ledger}' > /dev/null"])
        results.append({"tool": "ogr2ogr -f CSV /vsistdout/ (GDAL 3.6.2, same file)",
                        "rows": a.deliveries, "seconds": round(secs, 2),
                        "rows_per_s": round(a.deliveries / secs), "peak_rss_mib": round(rss, 1)})
        with sqlite3.connect(store) as c:
            stored = c.execute("SELECT count(*) FROM sigap_deliveries").fetchone()[0]
        assert stored == a.deliveries, f"the store holds {stored} deliveries"
        for r in results:
            print(json.dumps(r))
        print("\n| | rows | seconds | rows/s | peak RSS MiB |\n|---|---|---|---|---|")
        for r in results:
            print(f"| {r['tool']} | {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} | {r['peak_rss_mib']} |")
        for scale in (1, 10):
            out = subprocess.run([sigap, "bench", "coverage", "--db", store, "--scale", str(scale),
                                  "--repeat", str(a.repeat)], check=True, capture_output=True, text=True,
                                 env=quiet).stdout
            print(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
