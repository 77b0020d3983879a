"""Indonesian headers end to end: an e-PPGBM-like export of the demo's children,
an unknown header fixed with --map, and the --check dry run.

The export is made here from the demo's canonical children.csv with Python's csv and
datetime modules (spreadsheet date numbers counted from 1899-12-30, Excel's 1900 date
system), so sigap's readers are checked against an independent writer.
"""
import csv
import datetime
import sqlite3

from conftest import run

HEADER = ["NIK", "Nama Anak", "JK", "Tgl Lahir", "Tgl Ukur", "TB", "BB", "ZS TB/U", "Lintang", "Bujur"]
EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)


def comma(text):
    return text.replace(".", ",")


def write_eppgbm(canonical, out, rename=None, bad_row=None):
    """Writes the children of `canonical` as an e-PPGBM export through a spreadsheet set
    to Indonesian: `;` separated, decimal commas, day-first dates with every 9th birth
    date as a spreadsheet date number, L/P. Returns the number of rows."""
    with open(canonical, newline="") as f:
        rows = list(csv.DictReader(f))
    header = [(rename or {}).get(h, h) for h in HEADER]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        for i, r in enumerate(rows):
            birth = datetime.date.fromisoformat(r["birth_date"])
            measure = datetime.date.fromisoformat(r["measure_date"])
            birth_text = str((birth - EXCEL_DAY_ZERO).days) if i % 9 == 0 else birth.strftime("%d/%m/%Y")
            measure_text = measure.strftime(["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"][i % 3])
            haz = "9,,9" if i == bad_row else comma(r["haz"])
            w.writerow([
                r["id"], f"Anak {i}", {"M": "L", "F": "P"}[r["sex"]], birth_text, measure_text,
                comma(r["height_cm"]), comma(f"{float(r['height_cm']) * 0.13:.1f}"), haz,
                comma(r["lat"]), comma(r["lon"]),
            ])
    return len(rows)


def query(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def children(db):
    return query(db, "SELECT pseudonym, hex(geom), sex, birth_date, measure_date, height_cm, haz "
                     "FROM children ORDER BY fid")


def revision(db):
    return int(query(db, "SELECT value FROM sigap_meta WHERE key = 'revision'")[0][0])


def store_with_villages(demo_dir, tmp_path, name):
    db = tmp_path / f"{name}.gpkg"
    run("import", "--db", db, "--key", tmp_path / "city.key", "villages", demo_dir / "villages.geojson")
    return db


def test_eppgbm_export_imports_like_the_canonical_file(demo_dir, tmp_path):
    export = tmp_path / "eppgbm.csv"
    n = write_eppgbm(demo_dir / "children.csv", export)
    key = tmp_path / "city.key"
    canonical_db = store_with_villages(demo_dir, tmp_path, "canonical")
    export_db = store_with_villages(demo_dir, tmp_path, "export")
    run("import", "--db", canonical_db, "--key", key, "children", demo_dir / "children.csv")
    p = run("import", "--db", export_db, "--key", key, "children", export)
    assert f"imported {n} children" in p.stdout and f"{n} written, 0 rejected" in p.stdout, p.stdout
    want = children(canonical_db)
    assert len(want) == n > 20000
    assert children(export_db) == want


def test_unknown_header_is_named_and_map_fixes_it(demo_dir, tmp_path):
    export = tmp_path / "ukur.csv"
    n = write_eppgbm(demo_dir / "children.csv", export, rename={"TB": "Ukur TB"})
    db = store_with_villages(demo_dir, tmp_path, "city")
    key = tmp_path / "city.key"
    p = run("import", "--db", db, "--key", key, "children", export, check=False)
    assert p.returncode != 0
    assert "missing required column `height_cm` (recognised names: height_cm, height" in p.stderr, p.stderr
    assert ("columns found: NIK, Nama Anak, JK, Tgl Lahir, Tgl Ukur, Ukur TB, BB, ZS TB/U, Lintang, Bujur; "
            "if a column holds it, pass --map height_cm=COLUMN") in p.stderr, p.stderr
    assert revision(db) == 1
    p = run("import", "--db", db, "--key", key, "--map", "height_cm=Ukur TB", "children", export)
    assert f"{n} written, 0 rejected" in p.stdout, p.stdout
    assert len(children(db)) == n


def test_unknown_haz_header_is_computed_and_named(demo_dir, tmp_path):
    """haz is optional: under a name sigap does not know it is computed from the
    measurements, and the import names the unused column so --map can take it."""
    export = tmp_path / "skor.csv"
    n = write_eppgbm(demo_dir / "children.csv", export, rename={"ZS TB/U": "Skor Z"})
    db = store_with_villages(demo_dir, tmp_path, "city")
    key = tmp_path / "city.key"
    p = run("import", "--db", db, "--key", key, "children", export)
    assert f"{n} written, 0 rejected" in p.stdout, p.stdout
    assert f"{n} children had no haz: computed" in p.stdout, p.stdout
    assert "columns not used: Skor Z; if one holds the haz, pass --map haz=COLUMN" in p.stdout, p.stdout


def test_check_reports_and_writes_nothing(demo_dir, tmp_path):
    db = store_with_villages(demo_dir, tmp_path, "city")
    key = tmp_path / "city.key"
    before = db.read_bytes()
    good = tmp_path / "good.csv"
    n = write_eppgbm(demo_dir / "children.csv", good)
    p = run("import", "--check", "--db", db, "--key", key, "children", good)
    assert "nothing written" in p.stdout, p.stdout
    assert f"{n} read, {n} valid, 0 rejected" in p.stdout, p.stdout
    for line in ["haz          ← ZS TB/U", "lat          ← Lintang", "birth_date   ← Tgl Lahir"]:
        assert line in p.stdout, p.stdout

    bad = tmp_path / "bad.csv"
    write_eppgbm(demo_dir / "children.csv", bad, bad_row=41)
    p = run("import", "--check", "--skip-invalid", "--db", db, "--key", key, "children", bad, check=False)
    assert p.returncode != 0
    assert f"{n} read, {n - 1} valid, 1 rejected" in p.stdout, p.stdout
    # Row 41 is on line 43 (the header is line 1).
    assert f"{bad}:43: field `haz`: `9,,9` is not a number" in p.stdout, p.stdout
    assert not list(tmp_path.glob("*.rejects.csv"))
    assert revision(db) == 1 and children(db) == []
    assert db.read_bytes() == before

    # A dry run against a store that does not exist creates neither it nor a key.
    fresh = tmp_path / "fresh.gpkg"
    p = run("import", "--check", "--db", fresh, "villages", demo_dir / "villages.geojson")
    assert "nothing written" in p.stdout, p.stdout
    assert not fresh.exists() and not (tmp_path / "fresh.gpkg.key").exists()
