"""Hexagon tiles encoded by sigap and by PostGIS `ST_AsMVT`, the same tiles of the
same hexagons with the same properties, in one run (issue 15's "tiles built on
request per second against PostGIS ST_AsMVT on the same hexagons").

Steps:
1. `sigap bench tiles --export DIR` encodes every hexes tile over the demo city at
   z10, z12, z13 and z14 (median of --repeat runs per tile, one thread) and writes
   the hexagons of every resolution (polygons and centre points, WGS84, with the
   tiles' properties) and the tiles it timed.
2. A throwaway PostgreSQL 15 + PostGIS cluster (tests/python/pg.py) gets them with
   ogr2ogr, reprojected once to Web Mercator (so PostGIS does not reproject per
   tile), the figures as `real` (sigap writes 32-bit floats), a GiST index on each.
3. A PL/pgSQL function encodes each tile --repeat times inside the server with
   `ST_AsMVTGeom` + `ST_AsMVT` (extent 4096, buffer 64, clipped, as sigap), the
   `hex_centers` layer too at z <= 12 as sigap's tiles carry it, from statements
   planned once (what a tile server's prepared statement gets); the median per
   tile. No network, no gzip on either side: encoding alone.

Prints one JSON line per zoom and a Markdown table: median ms per tile, tiles per
second on one core (1000 / the mean ms per tile), microseconds per hexagon (total
time / hexagons the tiles hold), and sigap's ratio.

    .venv/bin/python benches/postgis_mvt.py --bin target/release/sigap
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
from pg import SUPERUSER, Cluster  # noqa: E402

HEX_CENTERS_MAX_ZOOM = 12
RES_FOR_ZOOM = {10: 7, 12: 8, 13: 9, 14: 10}

TIMER = """
CREATE FUNCTION time_tiles(z int, xs int[], ys int[], reps int)
RETURNS TABLE(x int, y int, ms float8, bytes int) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  tile bytea;
BEGIN
  FOR i IN 1 .. array_length(xs, 1) LOOP
    FOR r IN 1 .. reps LOOP
      t0 := clock_timestamp();
      SELECT {query} INTO tile;
      x := xs[i]; y := ys[i];
      ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
      bytes := coalesce(length(tile), 0);
      RETURN NEXT;
    END LOOP;
  END LOOP;
END $$;
"""


def layer(table, name, columns):
    """The MVT of one layer of tile (z, xs[i], ys[i]) from `table`."""
    env = "ST_TileEnvelope(z, xs[i], ys[i])"
    return (f"(SELECT ST_AsMVT(t, '{name}', 4096, 'geom') FROM (SELECT "
            f"ST_AsMVTGeom(geom, {env}, 4096, 64, true) AS geom, {columns} FROM {table} "
            f"WHERE geom && ST_TileEnvelope(z, xs[i], ys[i], margin => 64.0 / 4096)) t)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/sigap")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sigap-mvt-"))
    out = subprocess.run([args.bin, "bench", "tiles", "--repeat", str(args.repeat), "--export", work],
                         capture_output=True, text=True, check=True).stdout
    ours = {r["zoom"]: r for r in map(json.loads, out.splitlines()) if r.get("bench") == "tile_encode"}
    timed = json.loads((work / "tiles.json").read_text())
    cluster = Cluster()
    try:
        db = cluster.database("mvt")
        pg = f"PG:host={cluster.dir} port={cluster.port} user={SUPERUSER} dbname={db}"
        for z, res in RES_FOR_ZOOM.items():
            for kind in ("hexes", "centres"):
                table = f"{kind}_r{res}"
                subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg, work / f"{table}.geojson", "-nln", table,
                                "-t_srs", "EPSG:3857", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
                                "-lco", "SPATIAL_INDEX=GIST", "-overwrite"], check=True, capture_output=True)
                for col in cluster.psql(db, f"SELECT column_name FROM information_schema.columns WHERE "
                                            f"table_name = '{table}' AND data_type = 'double precision'").split():
                    cluster.psql(db, f"ALTER TABLE {table} ALTER COLUMN {col} TYPE real")
                cluster.psql(db, f"VACUUM ANALYZE {table}")
        columns = ", ".join(c for c in cluster.psql(
            db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'hexes_r9' "
                "AND column_name NOT IN ('fid', 'geom') ORDER BY ordinal_position").split())
        rows = []
        for z, res in RES_FOR_ZOOM.items():
            query = layer(f"hexes_r{res}", "hexes", columns)
            if z <= HEX_CENTERS_MAX_ZOOM:
                query += " || " + layer(f"centres_r{res}", "hex_centers", columns)
            cluster.psql(db, "DROP FUNCTION IF EXISTS time_tiles")
            cluster.psql(db, TIMER.replace("{query}", query))
            tiles = timed[str(z)]
            xs = ",".join(str(t[0]) for t in tiles)
            ys = ",".join(str(t[1]) for t in tiles)
            # Once to warm the cache, then timed.
            cluster.psql(db, f"SELECT count(*) FROM time_tiles({z}, ARRAY[{xs}], ARRAY[{ys}], 1)")
            result = cluster.psql(db, f"SELECT x, y, ms, bytes FROM time_tiles({z}, ARRAY[{xs}], "
                                      f"ARRAY[{ys}], {args.repeat})")
            per_tile = {}
            for line in result.splitlines():
                x, y, ms, _ = line.split("|")
                per_tile.setdefault((int(x), int(y)), []).append(float(ms))
            medians = [statistics.median(v) for v in per_tile.values()]
            hexagons = sum(t[2] for t in tiles)
            s = ours[z]
            ours_total_ms = s["us_per_hexagon"] * s["hexagons"] / 1000
            row = {
                "zoom": z, "res": res, "tiles": len(tiles), "hexagons": hexagons,
                "postgis_median_ms_per_tile": statistics.median(medians),
                "postgis_tiles_per_s": 1000 * len(medians) / sum(medians),
                "postgis_us_per_hexagon": sum(medians) * 1000 / hexagons,
                "sigap_median_ms_per_tile": s["median_ms_per_tile"],
                "sigap_tiles_per_s": 1000 * s["tiles"] / ours_total_ms,
                "sigap_us_per_hexagon": s["us_per_hexagon"],
            }
            row["ratio"] = row["sigap_tiles_per_s"] / row["postgis_tiles_per_s"]
            print(json.dumps(row), flush=True)
            rows.append(row)
        print("| zoom | H3 res | tiles | hexagons | sigap ms/tile | PostGIS ms/tile | sigap tiles/s "
              "| PostGIS tiles/s | sigap µs/hexagon | PostGIS µs/hexagon | sigap ÷ PostGIS |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['zoom']} | {r['res']} | {r['tiles']} | {r['hexagons']:,} "
                  f"| {r['sigap_median_ms_per_tile']:.2f} | {r['postgis_median_ms_per_tile']:.2f} "
                  f"| {r['sigap_tiles_per_s']:,.0f} | {r['postgis_tiles_per_s']:,.0f} "
                  f"| {r['sigap_us_per_hexagon']:.2f} | {r['postgis_us_per_hexagon']:.2f} | {r['ratio']:.1f}x |")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
