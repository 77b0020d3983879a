"""Requests per second with one and with three `sigap serve` on one PostgreSQL store
(issue 15), beside one server on a GeoPackage file, on loopback with wrk.

The demo city (four layers, population, roads, children shared among teams) is
imported with one key into a throwaway PostgreSQL 15 cluster with fsync on
(tests/python/pg.py) and into a GeoPackage. For each setup and each URL, one wrk per
server runs at the same time (the connections split evenly among them) and their
requests per second are summed; the servers' CPU time per request is read from
/proc. The URLs:

- `/api/visits`: read from the store on every request (the recorded visits);
- `/api/villages`: answered from the server's snapshot in memory;
- `/tiles/hexes/13/X/Y.mvt`: the demo city's z13 tiles, from the tile cache once
  warm (tiles.lua cycles through them).

On a 2-core machine wrk, the servers and PostgreSQL share the same two cores, so
three servers cannot answer more than one: the figure shows what a second and third
server cost, not what they would add on their own machines.

    .venv/bin/python benches/servers.py --bin target/release/sigap
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
from pg import APP_ROLE, SUPERUSER, Cluster  # noqa: E402

LAYERS = [("villages", "villages.geojson"), ("facilities", "facilities.csv"),
          ("households", "households.csv"), ("children", "children.csv")]


def sigap(bin_, *args, **kw):
    p = subprocess.run([bin_, *map(str, args)], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"sigap {' '.join(map(str, args))} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def prepare(bin_, db, key, demo):
    for kind, file in LAYERS:
        sigap(bin_, "import", "--db", db, "--key", key, kind, demo / file)
    sigap(bin_, "import", "--db", db, "population", demo / "population.tif")
    sigap(bin_, "import", "--db", db, "roads", demo / "roads.osm.pbf")
    sigap(bin_, "assign", "--db", db, "--teams", demo / "teams.csv")
    sigap(bin_, "user", "add", "--db", db, "bench-planner", "--role", "planner")
    return sigap(bin_, "token", "add", "--db", db, "--user", "bench-planner").strip()


def start(bin_, db, key, log):
    proc = subprocess.Popen([bin_, "serve", "--addr", "127.0.0.1:0", "--db", str(db), "--key", str(key)],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    while True:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise SystemExit("sigap serve exited")
        m = re.search(r"listening on (http://[0-9.:]+)", line)
        if m:
            return proc, m.group(1)


def tile_urls(url, token, z=13):
    req = urllib.request.Request(url + "/tiles/hexes.json", headers={"Authorization": f"Bearer {token}"})
    w, s, e, n = json.load(urllib.request.urlopen(req))["bounds"]

    def xy(lon, lat):
        k = 2 ** z
        return int((lon + 180) / 360 * k), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
    (x0, y0), (x1, y1) = xy(w, n), xy(e, s)
    return [f"/tiles/hexes/{z}/{x}/{y}.mvt" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(servers, path, token, urls_file, seconds, connections):
    """One wrk per server at once; summed req/s, requests, server CPU µs/request."""
    per = max(1, connections // len(servers))
    cpu0 = [cpu_seconds(p.pid) for p, _ in servers]
    env = {**os.environ, "TOKEN": token, "URLS": str(urls_file)}
    runs = []
    for _, url in servers:
        args = ["wrk", "-t1", f"-c{per}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}"]
        if path == "tiles":
            args += ["-s", str(HERE / "tiles.lua"), url]
        else:
            args.append(url + path)
        runs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env))
    outs = [r.communicate()[0] for r in runs]
    cpu = sum(cpu_seconds(p.pid) - c for (p, _), c in zip(servers, cpu0))
    rps = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1)) for o in outs)
    n = sum(int(re.search(r"(\d+) requests in", o).group(1)) for o in outs)
    errors = sum(int(m.group(1)) for o in outs for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)", o))
    return rps, n, cpu / max(n, 1) * 1e6, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=24)
    args = ap.parse_args()
    bin_ = str(Path(args.bin).resolve())
    d = Path(tempfile.mkdtemp(prefix="sigap-servers-"))
    cluster = Cluster(durable=True)
    procs = []
    try:
        demo = d / "demo"
        sigap(bin_, "demo", "--out", demo)
        name = cluster.database("bench")
        sigap(bin_, "db", "init", "--db", cluster.url(SUPERUSER, name))
        pg_url = cluster.url(APP_ROLE, name)
        key = d / "city.key"
        gpkg = d / "city.gpkg"
        tokens = {"pg": prepare(bin_, pg_url, key, demo), "file": prepare(bin_, gpkg, key, demo)}
        log = open(d / "servers.log", "w")
        rows = []
        for label, db, count in (("GeoPackage, 1 server", gpkg, 1), ("PostgreSQL, 1 server", pg_url, 1),
                                 ("PostgreSQL, 3 servers", pg_url, 3)):
            token = tokens["file" if db == gpkg else "pg"]
            servers = [start(bin_, db, key, log) for _ in range(count)]
            procs += [p for p, _ in servers]
            urls = tile_urls(servers[0][1], token)
            urls_file = d / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n")
            for _, url in servers:  # warm each server's tile cache
                for u in urls:
                    req = urllib.request.Request(url + u, headers={"Authorization": f"Bearer {token}"})
                    urllib.request.urlopen(req).read()
            for path in ("/api/visits", "/api/villages", "tiles"):
                rps, n, cpu_us, errors = load(servers, path, token, urls_file, args.seconds, args.connections)
                row = {"bench": "servers", "setup": label, "url": path, "servers": count,
                       "connections": args.connections, "seconds": args.seconds,
                       "req_per_s": round(rps, 1), "requests": n, "errors": errors,
                       "server_cpu_us_per_req": round(cpu_us, 1)}
                print(json.dumps(row), flush=True)
                rows.append(row)
            for p, _ in servers:
                p.terminate()
                p.wait(timeout=30)
            time.sleep(1)
        print("\n| setup | URL | req/s | server CPU µs/req | non-2xx |\n|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['setup']} | `{r['url']}` | {r['req_per_s']:,.0f} | {r['server_cpu_us_per_req']:,.0f} "
                  f"| {r['errors']} |")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        cluster.stop()


if __name__ == "__main__":
    main()
