#!/usr/bin/env bash
# Tiles per second over HTTP on loopback with wrk, for a fixed set of tile URLs over
# the demo city (every hexes tile at z13 = H3 res 9, and at z14 = res 10), with the
# tile cache on (cached) and off (built on every request).
# Usage: benches/http.sh [target/release/sigap]   (env: DUR, CONN, PORT, ZOOMS)
set -euo pipefail
BIN=${1:-target/release/sigap}
PORT=${PORT:-18089}
DUR=${DUR:-10s}
CONN=${CONN:-4}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# Staff tiles answer only to an account: the demo city in a store, a planner's token.
"$BIN" demo --out "$tmp/demo" > /dev/null
for layer in villages:villages.geojson facilities:facilities.csv households:households.csv children:children.csv; do
  "$BIN" import --db "$tmp/city.gpkg" --key "$tmp/city.key" "${layer%%:*}" "$tmp/demo/${layer#*:}" > /dev/null 2>&1
done
TOKEN=$("$BIN" user add --db "$tmp/city.gpkg" bench-planner --role planner > /dev/null 2>&1;
        "$BIN" token add --db "$tmp/city.gpkg" --user bench-planner)
export TOKEN

run_case() {
  local label=$1 cache=$2 z=$3
  printf '[server]\ntile_cache_entries = %s\n' "$cache" > "$tmp/sigap.toml"
  "$BIN" serve --addr "127.0.0.1:$PORT" --db "$tmp/city.gpkg" --key "$tmp/city.key" --config "$tmp/sigap.toml" > "$tmp/out" 2>/dev/null &
  pid=$!
  for _ in $(seq 1 600); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.2; done
  # The fixed URL set: every z13 tile over the demo city's bounds.
  python3 - "$PORT" "$z" > "$tmp/urls.txt" <<'PY'
import json, math, sys, urllib.request
port, z = sys.argv[1], int(sys.argv[2])
import os
req = urllib.request.Request(f"http://127.0.0.1:{port}/tiles/hexes.json",
                             headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
tj = json.load(urllib.request.urlopen(req))
w, s, e, n = tj["bounds"]
def xy(lon, lat):
    k = 2 ** z
    return int((lon + 180) / 360 * k), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
x0, y0 = xy(w, n); x1, y1 = xy(e, s)
for x in range(x0, x1 + 1):
    for y in range(y0, y1 + 1):
        print(f"/tiles/hexes/{z}/{x}/{y}.mvt")
PY
  # warm the cache (no effect when it is off)
  while read -r u; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$u"; done < "$tmp/urls.txt"
  # The server's CPU time (user + system) over the run, per request: steadier than
  # req/s on a machine whose cores other work also uses.
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  URLS="$tmp/urls.txt" wrk --latency -t2 -c"$CONN" -d"$DUR" -s "$here/tiles.lua" "http://127.0.0.1:$PORT" > "$tmp/wrk.txt"
  cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  n=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
  cpu_us=$(awk -v d=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}')
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
  echo "{\"bench\": \"http_tiles\", \"case\": \"$label\", \"zoom\": $z, \"urls\": $(wc -l < "$tmp/urls.txt"), \"connections\": $CONN, \"duration\": \"$DUR\", \"req_per_s\": $rps, \"p50\": \"$p50\", \"p99\": \"$p99\", \"server_cpu_us_per_req\": $cpu_us}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for z in ${ZOOMS:-13 14}; do
  run_case cached 50000 "$z"
  run_case built_on_request 0 "$z"
done
