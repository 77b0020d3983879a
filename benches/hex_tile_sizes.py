"""Mean size of the staff hexagon tiles over a store's villages, per zoom (uncompressed).

    SIGAP_BIN=target/release/sigap .venv/bin/python benches/hex_tile_sizes.py city.gpkg

Starts `sigap serve --db STORE` with a planner's token (tests/python/conftest.py) and
asks for every /tiles/hexes/{z}/{x}/{y}.mvt over the villages' bounds at z10-z14."""
import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "python"))
from conftest import Server  # noqa: E402


def tile_xy(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def main(db):
    s = Server("--db", db)
    try:
        w, south, e, n = s.json("/tiles/hexes.json")["bounds"]
        sizes = {}
        for z in range(10, 15):
            x0, y0 = tile_xy(w, n, z)
            x1, y1 = tile_xy(e, south, z)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    status, _, body = s.get(f"/tiles/hexes/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"})
                    if status == 200 and body:
                        sizes.setdefault(z, []).append(len(body))
        for z, v in sizes.items():
            print(f"z{z}: {len(v)} tiles, mean {sum(v) / len(v) / 1024:.1f} KB")
        every = [b for v in sizes.values() for b in v]
        print(f"all: {len(every)} tiles, mean {sum(every) / len(every) / 1024:.1f} KB")
    finally:
        s.stop()


if __name__ == "__main__":
    main(sys.argv[1])
