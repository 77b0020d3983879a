"""Who to visit, for those allowed: names and addresses imported from e-PPGBM columns are
sealed in the store (no name in the .gpkg or its WAL), opened in /api/route and its GPX
only for callers whose scope covers the child, with the head of the household at the
child's point (kepala keluarga), each opening audited with its count of records (a child
and its household are two), and never in a public answer."""
import csv
import json
import re
import sqlite3

import pytest

from conftest import Server, assert_no_names, make_user, run, team_city


def store_bytes(db):
    data = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_an_e_ppgbm_file_is_imported_with_its_names_sealed(demo_dir, tmp_path):
    """The demo's children rewritten with e-PPGBM headers (Nama Anak, Nama Ortu, Alamat,
    Dusun, RT, RW, Posyandu, No HP): every row imported, no name, parent, street address
    or phone number in the store file's bytes, and a bad RT named by file, line and field."""
    db, key = tmp_path / "e.gpkg", tmp_path / "e.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    rows = list(csv.DictReader(open(demo_dir / "children.csv")))[:300]
    header = ["NIK", "Lintang", "Bujur", "JK", "Tgl Lahir", "Tgl Ukur", "TB", "ZS TB/U",
              "Nama Anak", "Nama Ortu", "Alamat", "Dusun", "RT", "RW", "Posyandu", "No HP"]
    phones = [f"0852{i:08d}" for i in range(len(rows))]
    src = tmp_path / "eppgbm.csv"
    with open(src, "w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        for r, phone in zip(rows, phones):
            w.writerow([r["id"], r["lat"].replace(".", ","), r["lon"].replace(".", ","),
                        "L" if r["sex"] == "M" else "P", r["birth_date"], r["measure_date"],
                        r["height_cm"].replace(".", ","), r["haz"].replace(".", ","),
                        r["name"], r["parent_name"], r["address"], r["dusun"], r["rt"], r["rw"],
                        r["posyandu"], phone])
    out = run("import", "--db", db, "--key", key, "children", src)
    assert f"{len(rows)} written, 0 rejected" in out.stdout
    assert f"{len(rows)} records' names and addresses sealed with the identity key" in out.stdout
    ident = tmp_path / "e.identity.key"
    assert ident.exists() and ident.stat().st_mode & 0o777 == 0o600
    assert len(ident.read_text().strip()) == 64 and ident.read_text() != key.read_text()
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM sigap_identities WHERE layer='children'").fetchone()[0] == len(rows)
    blob = store_bytes(db)
    for r, phone in zip(rows, phones):
        for text in (r["name"], r["parent_name"], r["address"], phone):
            assert text.encode() not in blob, text
    # The import's own output and log carry no name either.
    assert_no_names(out.stdout + out.stderr, rows)
    # A bad RT is named like every other bad field; the rejected name is not quoted.
    bad = tmp_path / "bad.csv"
    lines = src.read_text().splitlines()
    parts = lines[5].split(";")
    parts[header.index("RT")] = "12a"
    lines[5] = ";".join(parts)
    bad.write_text("\n".join(lines[:8]) + "\n")
    run("import", "--db", tmp_path / "f.gpkg", "--key", key, "villages", demo_dir / "villages.geojson")
    p = run("import", "--db", tmp_path / "f.gpkg", "--key", key, "children", bad, check=False)
    assert p.returncode != 0
    assert f"{bad}:6: field `rt`" in p.stderr, p.stderr
    assert_no_names(p.stdout + p.stderr, rows[:7])


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    c = team_city(demo_db, demo_dir, tmp_path_factory.mktemp("ident"))
    db = c["db"]
    c["tokens"] = {
        "fo": make_user(db, "i-fo", "field_officer", team="DP2KB"),
        "fo_b": make_user(db, "i-fo-b", "field_officer", team="Dinas Sosial"),
        "planner": make_user(db, "i-planner", "planner"),
        "viewer": make_user(db, "i-viewer", "viewer"),
    }
    # The household at each child's point, found here by coordinates in the demo's own
    # file (the server finds it by the located point).
    c["homes"] = {(r["lat"], r["lon"]): r for r in csv.DictReader(open(demo_dir / "households.csv"))}
    s = Server("--db", db, "--key", c["keyfile"], token=None)
    c["srv"] = s
    yield c
    s.stop()


def get(city, path, who):
    token = city["tokens"][who] if who else None
    return city["srv"].request("GET", path, token=token)


def stops_of(body):
    return [f["properties"] for f in json.loads(body)["features"] if f["geometry"]["type"] == "Point"]


def home_of(city, pseudonym):
    """The demo households.csv row at the child's very point, or None."""
    row = city["children"][pseudonym]
    return city["homes"].get((row["lat"], row["lon"]))


def opened(city, stops):
    """Records a reveal of these stops opens: each child, each household once."""
    homes = {(h["lat"], h["lon"]) for p in stops if (h := home_of(city, p["pseudonym"]))}
    return len(stops) + len(homes)


def reveals(city, username):
    with sqlite3.connect(city["db"]) as c:
        return c.execute("SELECT what, records FROM sigap_audit WHERE action = 'reveal' AND username = ? "
                         "ORDER BY id", (username,)).fetchall()


def test_the_store_file_holds_no_name_in_clear(city, demo_db, demo_dir):
    """Every child's and household head's name and address, looked up in the words of
    the store files' bytes (the .gpkg and its WAL)."""
    kids = list(city["children"].values())
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    with sqlite3.connect(demo_db) as c:
        sealed = dict(c.execute("SELECT layer, count(*) FROM sigap_identities GROUP BY layer"))
    assert sealed == {"children": len(kids), "households": len(homes)}
    for db in (demo_db, city["db"]):
        assert_no_names(store_bytes(db).decode("latin-1"), kids + homes)


def test_a_field_officer_sees_the_names_of_their_teams_children(city):
    status, _, body = get(city, "/api/route?max=8&hours=08:00-14:00", "fo")
    assert status == 200, body
    stops = stops_of(body)
    assert stops
    for p in stops:
        row = city["children"][p["pseudonym"]]
        assert city["team_of"][p["pseudonym"]] == "DP2KB"
        assert p["name"] == row["name"] and p["parent"] == row["parent_name"]
        assert p["address"] == f"{row['address']}, RT {row['rt']}/RW {row['rw']}, {row['dusun']}"
        assert p["posyandu"] == row["posyandu"] and p["village"]
        assert p["label"] == f"{p['order']}. {row['name']}"
        # The head of the household at the child's point; its address only where it
        # differs from the child's (in the demo every child lives at its household's
        # address, so never).
        home = home_of(city, p["pseudonym"])
        assert home and p["head"] == home["name"], (p, home)
        assert "head_address" not in p
    # One audit row for the request, with the count of records opened: the children
    # and their households (siblings share one).
    n = opened(city, stops)
    assert len(stops) < n <= 2 * len(stops)
    assert reveals(city, "i-fo")[-1] == ("identities route DP2KB", n)
    status, headers, gpx = get(city, "/api/route?max=8&hours=08:00-14:00&format=gpx", "fo")
    assert status == 200 and headers["content-type"] == "application/gpx+xml"
    text = gpx.decode()
    for p in stops:
        row = city["children"][p["pseudonym"]]
        assert f"<name>{p['order']}. {row['name']}</name>" in text
        assert row["parent_name"] in text and row["address"] in text and row["posyandu"] in text
        assert f"kepala keluarga {home_of(city, p['pseudonym'])['name']}; " in text
    assert reveals(city, "i-fo")[-1] == ("identities route DP2KB", n)
    assert len(reveals(city, "i-fo")) == 2


def test_another_team_a_viewer_and_no_login_get_no_name_of_the_team(city):
    dp2kb = [r for p, r in city["children"].items() if city["team_of"].get(p) == "DP2KB"]
    status, _, body = get(city, "/api/route?max=8", "fo_b")
    assert status == 200
    # Their own children only, each with its own name and address (names repeat across
    # families, so the check is per child, not a word scan).
    for p in stops_of(body):
        row = city["children"][p["pseudonym"]]
        assert city["team_of"][p["pseudonym"]] == "Dinas Sosial"
        assert (p["name"], p["parent"]) == (row["name"], row["parent_name"])
        assert p["address"].startswith(row["address"] + ",")
        assert p["head"] == home_of(city, p["pseudonym"])["name"]
    # Asking for the other team's route is refused, with no name (nor head of
    # household) in the answer.
    dp2kb_homes = [h for p, t in city["team_of"].items() if t == "DP2KB" and (h := home_of(city, p))]
    for who in ("fo_b", "viewer", None):
        for fmt in ("geojson", "gpx"):
            status, _, body = get(city, f"/api/route?team=DP2KB&format={fmt}", who)
            assert status in (401, 403), (who, status)
            assert_no_names(body.decode(), dp2kb + dp2kb_homes)
            assert b"head" not in body and b"kepala" not in body
    assert reveals(city, "i-viewer") == []
    # A planner may see any team's names (and is audited for it).
    status, _, body = get(city, "/api/route?team=DP2KB&max=4", "planner")
    assert status == 200 and all(p.get("name") and p.get("head") for p in stops_of(body))
    assert reveals(city, "i-planner")[-1] == ("identities route DP2KB", opened(city, stops_of(body)))


def test_case_tiles_and_public_answers_carry_no_name(city):
    kids = list(city["children"].values()) + list(city["homes"].values())
    srv = city["srv"]
    texts = []
    for path in ["/public/api/summary", "/public/api/villages", "/public/api/hexes?res=8", "/embed",
                 "/api/villages", "/api/cases/children", "/api/cases/households"]:
        status, _, body = srv.request("GET", path, token=city["tokens"]["planner"])
        assert status == 200, path
        texts.append(body.decode())
    assert_no_names("\n".join(texts), kids)
    # Case tiles carry what they carried before: no name property, no name bytes.
    import math
    lat, lon = float(kids[0]["lat"]), float(kids[0]["lon"])
    x = int((lon + 180) / 360 * 2 ** 14)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** 14)
    status, _, tile = srv.request("GET", f"/tiles/cases/children/14/{x}/{y}.mvt", token=city["tokens"]["planner"])
    assert status == 200 and len(tile) > 0
    for r in kids[:2000]:
        assert r["name"].encode() not in tile
    assert b"parent" not in tile and b"address" not in tile


def test_one_childs_identity_for_the_case_popup_is_scoped_and_audited(city):
    p = sorted(q for q, t in city["team_of"].items() if t == "DP2KB")[0]
    row = city["children"][p]
    path = f"/api/children/{p}/identity"
    for who in ("planner", "fo"):
        status, headers, body = get(city, path, who)
        assert status == 200, (who, body)
        assert headers["cache-control"] == "private, no-store"
        got = json.loads(body)
        assert (got["name"], got["parent"], got["posyandu"]) == (row["name"], row["parent_name"], row["posyandu"])
        assert got["address"].startswith(row["address"]) and got["village"]
        assert got["head"] == home_of(city, p)["name"] and not got["head_address"]
    # Two records opened: the child and its household.
    assert reveals(city, "i-planner")[-1] == ("identities child", 2)
    assert reveals(city, "i-fo")[-1] == ("identities child", 2)
    # Another team's officer: as if the child did not exist; a viewer and no login: refused.
    assert get(city, path, "fo_b")[0] == 404
    assert get(city, "/api/children/00000000000000000000/identity", "fo_b")[0] == 404
    assert get(city, path, "viewer")[0] == 403
    assert get(city, path, None)[0] == 401
    for who in ("fo_b", "viewer", None):
        body = get(city, path, who)[2]
        assert row["name"].encode() not in body and home_of(city, p)["name"].encode() not in body
    assert reveals(city, "i-fo-b")[-1:] != [("identities child", 2)]


@pytest.fixture(scope="module")
def phones(demo_db, demo_dir, tmp_path_factory):
    """The team city with the children re-imported with a `No HP` column (the demo city
    makes up no phone number): `phone_of` (pseudonym -> number as imported)."""
    d = tmp_path_factory.mktemp("phones")
    c = team_city(demo_db, demo_dir, d)
    rows = list(csv.DictReader(open(demo_dir / "children.csv")))
    src = d / "children-hp.csv"
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[*rows[0].keys(), "No HP"])
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({**r, "No HP": f"0852-{i // 10000:04d}-{i % 10000:04d}"})
    run("import", "--db", c["db"], "--key", c["keyfile"], "--replace", "children", src)
    c["phone_of"] = {p: f"0852{i // 10000:04d}{i % 10000:04d}" for i, p in enumerate(c["children"])}
    c["homes"] = {(r["lat"], r["lon"]): r for r in csv.DictReader(open(demo_dir / "households.csv"))}
    c["tokens"] = {
        "fo": make_user(c["db"], "hp-fo", "field_officer", team="DP2KB"),
        "fo_b": make_user(c["db"], "hp-fo-b", "field_officer", team="Dinas Sosial"),
        "planner": make_user(c["db"], "hp-planner", "planner"),
        "viewer": make_user(c["db"], "hp-viewer", "viewer"),
    }
    c["srv"] = Server("--db", c["db"], "--key", c["keyfile"], token=None)
    yield c
    c["srv"].stop()


def test_the_parents_phone_goes_only_to_callers_who_may_see_the_child(phones):
    c = phones
    status, _, body = get(c, "/api/route?max=8&hours=08:00-14:00", "fo")
    assert status == 200, body
    stops = stops_of(body)
    assert stops and all(p["phone"] == c["phone_of"][p["pseudonym"]] for p in stops)
    assert reveals(c, "hp-fo")[-1] == ("identities route DP2KB", opened(c, stops))
    status, _, gpx = get(c, "/api/route?max=8&hours=08:00-14:00&format=gpx", "fo")
    assert status == 200
    for p in stops:
        assert f"HP {p['phone']}; " in gpx.decode()
    # HAZ in the GPX text is written as the rest of it, in Indonesian: a decimal comma.
    assert re.search(r"HAZ -\d,\d\d</desc>", gpx.decode()) and not re.search(r"HAZ -\d\.\d", gpx.decode())
    status, _, one = get(c, f"/api/children/{stops[0]['pseudonym']}/identity", "planner")
    assert status == 200 and json.loads(one)["phone"] == stops[0]["phone"]
    # Another team's officer, a viewer and no login: not one DP2KB phone number, in any format.
    dp2kb = [n for p, n in c["phone_of"].items() if c["team_of"].get(p) == "DP2KB"]
    texts = []
    for who in ("fo_b", "viewer", None):
        for fmt in ("geojson", "gpx"):
            status, _, body = get(c, f"/api/route?team=DP2KB&format={fmt}", who)
            assert status in (401, 403), (who, fmt, status)
            texts.append(body.decode())
    status, _, own = get(c, "/api/route?max=8&format=gpx", "fo_b")
    assert status == 200
    texts.append(own.decode())
    status, _, own = get(c, "/api/route?max=8", "fo_b")
    assert all(c["team_of"][p["pseudonym"]] == "Dinas Sosial" for p in stops_of(own))
    texts.append(own.decode())
    assert get(c, f"/api/children/{stops[0]['pseudonym']}/identity", "fo_b")[0] == 404
    # Case-level answers and public ones carry no phone at all (only the identity and
    # the route do).
    for path in ["/api/cases/children", "/api/cases/households", "/public/api/villages", "/embed"]:
        texts.append(get(c, path, "planner")[2].decode())
    blob = "\n".join(texts)
    assert not any(n in blob for n in dp2kb)
    # (as a JSON string or a "phone" key: digit runs inside coordinates and hex pseudonyms
    # are no phone number)
    assert not re.search(r'"0852\d{8}"|"phone"', "\n".join(texts[-4:]))


def test_the_households_address_is_shown_only_where_it_differs_from_the_childs(demo_db, demo_dir, tmp_path_factory):
    """Half the households re-imported with another street (the demo puts every child at
    its household's address): their heads come with the household's address line, the
    others' without one."""
    d = tmp_path_factory.mktemp("moved")
    c = team_city(demo_db, demo_dir, d)
    rows = list(csv.DictReader(open(demo_dir / "households.csv")))
    for i, r in enumerate(rows):
        if i % 2:
            r["address"] = f"Jl. Pindahan No. {i}"
    src = d / "households-moved.csv"
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    run("import", "--db", c["db"], "--key", c["keyfile"], "--replace", "households", src)
    c["homes"] = {(r["lat"], r["lon"]): r for r in rows}
    c["tokens"] = {"fo": make_user(c["db"], "mv-fo", "field_officer", team="DP2KB")}
    c["srv"] = Server("--db", c["db"], "--key", c["keyfile"], token=None)
    try:
        status, _, body = get(c, "/api/route?max=10&hours=08:00-15:00", "fo")
        assert status == 200, body
        stops = stops_of(body)
        moved = 0
        for p in stops:
            home = home_of(c, p["pseudonym"])
            assert p["head"] == home["name"]
            if home["address"].startswith("Jl. Pindahan"):
                moved += 1
                assert p["head_address"] == f"{home['address']}, RT {home['rt']}/RW {home['rw']}, {home['dusun']}"
                assert p["head_address"] != p["address"]
            else:
                assert "head_address" not in p
        assert 0 < moved < len(stops), "the stops should hold both kinds"
        assert reveals(c, "mv-fo")[-1] == ("identities route DP2KB", opened(c, stops))
        status, _, gpx = get(c, "/api/route?max=10&hours=08:00-15:00&format=gpx", "fo")
        assert status == 200 and "alamat KK Jl. Pindahan No. " in gpx.decode()
    finally:
        c["srv"].stop()
