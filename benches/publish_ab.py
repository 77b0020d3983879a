"""Two or more sigap builds' `publish --db` on one store, taking turns: which is faster.

    .venv/bin/python benches/publish_ab.py --db city.gpkg --runs 30 old=/tmp/sigap-old new=target/release/sigap

Each round runs every build once, in the order given, into a fresh folder; a machine
whose speed drifts (a shared VM) weighs on all alike. Prints, per build, the median and
first quartile of the wall time and the median CPU time (user + system, of the process
and its threads), in seconds.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="the store to publish (e.g. the demo city imported)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("builds", nargs="+", help="NAME=PATH of a sigap binary")
    args = ap.parse_args()
    builds = [b.split("=", 1) for b in args.builds]
    wall = {name: [] for name, _ in builds}
    cpu = {name: [] for name, _ in builds}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "map"
        for _ in range(args.runs):
            for name, path in builds:
                shutil.rmtree(out, ignore_errors=True)
                started = time.perf_counter()
                p = subprocess.Popen([path, "publish", "--out", str(out), "--db", args.db],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(p.pid, 0)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                if status != 0:
                    raise SystemExit(f"{name}: sigap publish failed (status {status})")
    for name, _ in builds:
        w = sorted(wall[name])
        print(f"{name}: wall median {statistics.median(w):.3f} s, first quartile "
              f"{w[len(w) // 4]:.3f} s; CPU median {statistics.median(cpu[name]):.3f} s")


if __name__ == "__main__":
    main()
