#!/usr/bin/env bash
# Public tiles under load (wrk, 256 connections, the public rate limit off), alone and
# while imports over HTTP run back to back, on the demo city in a store file: requests
# per second, p99 latency, errors, and the server's resident memory before and after.
# Usage: benches/load.sh [target/release/sigap]   (env: DUR, CONN, PORT)
set -euo pipefail
BIN=${1:-target/release/sigap}
PORT=${PORT:-18090}
DUR=${DUR:-60s}
CONN=${CONN:-256}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill "${pid:-0}" "${imports:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$BIN" demo --out "$tmp/demo" > /dev/null
for layer in villages:villages.geojson facilities:facilities.csv households:households.csv children:children.csv; do
  "$BIN" import --db "$tmp/city.gpkg" --key "$tmp/city.key" "${layer%%:*}" "$tmp/demo/${layer#*:}" > /dev/null 2>&1
done
printf '[public]\nrate_per_minute = 0\n' > "$tmp/sigap.toml"
token=$("$BIN" user add --db "$tmp/city.gpkg" bench-planner --role planner > /dev/null 2>&1;
        "$BIN" token add --db "$tmp/city.gpkg" --user bench-planner)
"$BIN" serve --addr "127.0.0.1:$PORT" --db "$tmp/city.gpkg" --key "$tmp/city.key" \
  --config "$tmp/sigap.toml" > "$tmp/out" 2> "$tmp/log" &
pid=$!
for _ in $(seq 1 600); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.2; done

# Every public hexes and villages tile over the city at z10..z14 (and the same staff
# tiles, for the staff case).
python3 - "$PORT" public > "$tmp/urls.txt" <<'PY'
import json, math, sys, urllib.request
port, kind = sys.argv[1], sys.argv[2]
prefix = "/public/tiles" if kind == "public" else "/tiles"
w, s, e, n = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/public/api/summary"))["bounds"]
def xy(lon, lat, z):
    k = 2 ** z
    return int((lon + 180) / 360 * k), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
for z in range(10, 15):
    (x0, y0), (x1, y1) = xy(w, n, z), xy(e, s, z)
    for layer in ("hexes", "villages"):
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                print(f"{prefix}/{layer}/{z}/{x}/{y}.mvt")
PY
sed 's|^/public/tiles/|/tiles/|' "$tmp/urls.txt" > "$tmp/staff.txt"
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

run_case() {
  local label=$1 urls=${2:-$tmp/urls.txt} auth=${3:-}
  local before; before=$(rss)
  URLS="$urls" TOKEN="$auth" wrk -t2 -c"$CONN" -d"$DUR" --latency -s "$here/tiles.lua" \
    "http://127.0.0.1:$PORT" > "$tmp/wrk.txt"
  local rps p99 errors non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$tmp/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.txt")
  echo "{\"bench\": \"public_tiles_load\", \"case\": \"$label\", \"urls\": $(wc -l < "$urls"), \"connections\": $CONN, \"duration\": \"$DUR\", \"req_per_s\": ${rps:-0}, \"p99\": \"${p99:-?}\", \"socket_errors\": ${errors:-0}, \"non_2xx\": ${non2xx:-0}, \"rss_mb_before\": $before, \"rss_mb_after\": $(rss)}"
}

run_case public_alone
# Imports over HTTP back to back (the demo's children, replaced) while wrk runs.
(
  n=0
  while true; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $token" \
      --data-binary "@$tmp/demo/children.csv" \
      "http://127.0.0.1:$PORT/api/import/children?filename=children.csv&replace=true" >> "$tmp/imports"
    n=$((n + 1))
  done
) &
imports=$!
run_case public_during_http_imports
run_case staff_during_http_imports "$tmp/staff.txt" "$token"
kill "$imports" 2>/dev/null || true; wait "$imports" 2>/dev/null || true
echo "{\"bench\": \"public_tiles_load\", \"imports_during\": $(grep -c 200 "$tmp/imports" || true), \"import_statuses\": \"$(sort "$tmp/imports" | uniq -c | tr -s ' ' | tr '\n' ';')\"}"
sleep 5
echo "{\"bench\": \"public_tiles_load\", \"rss_mb_after_imports_settled\": $(rss)}"
