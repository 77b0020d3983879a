"""End to end: the case audit and re-measure lists (GET /api/audit, /api/audit.xlsx,
POST /api/audit) against lists computed here from the round files.

The store holds the demo's February and August 2026 rounds, with a few rows changed
so every list has members: an August HAZ beyond the WHO flag, children whose height
shrank or whose HAZ jumped, children left out of August. Each list is recomputed in
Python from the two CSV files (joined on the child's id, pseudonyms by Python's
hmac), with the rules written out below from their documentation (risk/audit.rs,
risk/plausibility.rs), villages by shapely point-in-polygon; the workbook is read
with openpyxl and the store with sqlite3.
"""
import csv
import io
import sqlite3
from datetime import date

import openpyxl
import pytest

from conftest import Server, locate_villages, make_user, pseudonym, run

FEB, AUG = "2026-02", "2026-08"
# The documented thresholds (risk/plausibility.rs, risk/audit.rs, model.rs).
HAZ_FLAG, SHRINK_CM, POSITION_CM, STANDING_FROM = 6.0, 1.5, 0.7, 731
JUMP_BASE, JUMP_PER_YEAR, WORSE_DROP, AGED_OUT = 1.0, 1.0, 0.5, 1856


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def day(s):
    return date.fromisoformat(s)


def flagged(r):
    return not -HAZ_FLAG <= float(r["haz"]) <= HAZ_FLAG


def history_checks(now, before):
    """height_shrank and haz_jump of `now` against `before` (the visit rules)."""
    born, d, last = day(now["birth_date"]), day(now["measure_date"]), day(before["measure_date"])
    switched = (last - born).days < STANDING_FROM <= (d - born).days
    allowed = SHRINK_CM + (POSITION_CM if switched else 0.0)
    out = []
    if float(now["height_cm"]) < float(before["height_cm"]) - allowed:
        out.append("height_shrank")
    limit = JUMP_BASE + JUMP_PER_YEAR * (max(0, (d - last).days) / 365.25)
    if abs(float(now["haz"]) - float(before["haz"])) > limit:
        out.append("haz_jump")
    return out


def expected_lists(rounds, period):
    """{source id: (kinds, checks)} of `period` over `rounds` ({period: rows})."""
    periods = sorted(rounds)
    earlier = [p for p in periods if p < period]
    prev = earlier[-1] if earlier else None
    by = {p: {r["id"]: r for r in rows} for p, rows in rounds.items()}
    seen = {}
    for p in periods:
        for i in by[p]:
            seen[i] = seen.get(i, 0) + 1
    first = date(int(period[:4]), int(period[5:]), 1)
    out = {}
    for i in sorted(set(by[period]) | set(by.get(prev, {}))):
        now, before = by[period].get(i), by.get(prev, {}).get(i)
        kinds, checks = [], []
        if now is not None:
            if flagged(now):
                kinds.append("implausible")
            if before is not None:
                checks = history_checks(now, before)
                if checks:
                    kinds.append("jump")
            if seen[i] == 1:
                kinds.append("once")
            if before is not None and not flagged(now) and not flagged(before):
                b, n = float(before["haz"]), float(now["haz"])
                if b >= -2 and n < -2:
                    kinds.append("newly_stunted")
                if b < -2 and n < -2 and (n < b - WORSE_DROP or (b >= -3 and n < -3)):
                    kinds.append("worse")
        elif (first - day(before["birth_date"])).days < AGED_OUT:
            kinds.append("missed")
        if kinds:
            out[i] = (kinds, checks)
    return out


@pytest.fixture(scope="module")
def city(demo_dir, tmp_path_factory):
    """Both rounds with every list populated, teams assigned, a server with the
    identity key, and one token per role."""
    d = tmp_path_factory.mktemp("audit")
    feb, aug = read(demo_dir / "children-2026-02.csv"), read(demo_dir / "children.csv")
    feb_by = {r["id"]: r for r in feb}
    followed = [r for r in aug if r["id"] in feb_by]
    # Implausible: an August HAZ past the flag (the height kept, so also a jump).
    for r in followed[10:13]:
        r["haz"] = "6.40" if r is followed[10] else "-6.30"
    # A height that shrank by 3 cm, and one by 1 cm (within the tolerance).
    followed[20]["height_cm"] = f"{float(feb_by[followed[20]['id']]['height_cm']) - 3:.1f}"
    followed[21]["height_cm"] = f"{float(feb_by[followed[21]['id']]['height_cm']) - 1:.1f}"
    # A HAZ jump without a height change worth noting.
    followed[30]["haz"] = f"{float(feb_by[followed[30]['id']]['haz']) + 2.5:.2f}"
    # Missed: five young children left out of August, and one who aged out.
    missed = {r["id"] for r in followed[40:45]}
    aug = [r for r in aug if r["id"] not in missed]
    # Under five in February (1690 days), 60 months (1856 days) by 1 August.
    old = dict(feb[0], id="7471999999990001", birth_date="2021-06-20", height_cm="105.0")
    feb = feb + [old]
    feb_file, aug_file = d / "feb.csv", d / "aug.csv"
    write(feb_file, feb)
    write(aug_file, aug)
    db, key = d / "city.gpkg", d / "city.key"
    run("import", "--db", db, "--key", key, "villages", demo_dir / "villages.geojson")
    run("import", "--db", db, "--key", key, "children", feb_file)
    run("import", "--db", db, "--key", key, "children", aug_file)
    run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    tokens = {
        "planner": make_user(db, "a-planner", "planner"),
        "fo": make_user(db, "a-fo", "field_officer", team="DP2KB"),
        "viewer": make_user(db, "a-viewer", "viewer"),
    }
    k = key.read_text().strip()
    srv = Server("--db", db, "--key", key, token=tokens["planner"])
    with sqlite3.connect(db) as c:
        team_of = dict(c.execute("SELECT pseudonym, team FROM sigap_assignments"))
    yield dict(srv=srv, db=db, key=k, tokens=tokens, rounds={FEB: feb, AUG: aug},
               team_of=team_of, missed=missed, demo_dir=demo_dir)
    srv.stop()


def api(c, path, who="planner"):
    import json

    status, headers, body = c["srv"].request("GET", path, token=c["tokens"].get(who))
    return status, headers, (json.loads(body) if headers.get("content-type", "").startswith("application/json") else body)


def by_pseudonym(c, expected):
    return {pseudonym(c["key"], i): v for i, v in expected.items()}


@pytest.mark.parametrize("period", [AUG, FEB])
def test_every_list_equals_the_lists_from_the_round_files(city, period):
    c = city
    want = by_pseudonym(c, expected_lists(c["rounds"], period))
    status, _, body = api(c, f"/api/audit?period={period}")
    assert status == 200, body
    got = {r["pseudonym"]: (r["kinds"], r["checks"]) for r in body["rows"]}
    assert got == want
    counts = {k: sum(k in v[0] for v in want.values()) for k in
              ("implausible", "jump", "once", "missed", "newly_stunted", "worse")}
    assert body["counts"] == counts
    if period == AUG:
        assert body["previous"] == FEB
        # Every list has members, so each rule was tried on real rows.
        assert all(counts.values()), counts
        assert {pseudonym(c["key"], i) for i in c["missed"]} <= {
            p for p, (k, _) in got.items() if "missed" in k}
        assert pseudonym(c["key"], "7471999999990001") not in got  # aged out
    else:
        assert body["previous"] is None
        assert counts["jump"] == counts["missed"] == counts["newly_stunted"] == 0


def test_rows_carry_both_rounds_the_village_and_the_names(city):
    c = city
    _, _, body = api(c, f"/api/audit?period={AUG}")
    rows = {r["pseudonym"]: r for r in body["rows"]}
    by = {p: {pseudonym(c["key"], r["id"]): r for r in rows_} for p, rows_ in c["rounds"].items()}
    shown = []
    for p, r in rows.items():
        now, before = by[AUG].get(p), by[FEB].get(p)
        for got, src in ((r["now"], now), (r["before"], before)):
            if src is None:
                assert got is None
            else:
                assert got["measure_date"] == src["measure_date"]
                assert got["height_cm"] == pytest.approx(float(src["height_cm"]))
                assert got["haz"] == pytest.approx(float(src["haz"]))
        shown.append((r, now or before))
    # The village of the round shown (August, or February for a missed child).
    sample = shown[:400]
    codes = locate_villages(c["demo_dir"], [src for _, src in sample])
    assert [r["village"] for r, _ in sample] == codes
    # Names and posyandu opened (August rows carry them; February rows none).
    for r, src in sample:
        if "name" in src:
            assert (r["name"], r["parent"], r["posyandu"]) == (src["name"], src["parent_name"], src["posyandu"])
    assert body["names"] is True


def test_filters_by_village_posyandu_and_kind(city):
    c = city
    want = by_pseudonym(c, expected_lists(c["rounds"], AUG))
    _, _, body = api(c, f"/api/audit?period={AUG}")
    # The village list counts the listed children of each village.
    per = {}
    for r in body["rows"]:
        per[r["village"]] = per.get(r["village"], 0) + 1
    assert {v["code"]: v["rows"] for v in body["villages"]} == per
    village = body["rows"][0]["village"]
    _, _, v = api(c, f"/api/audit?period={AUG}&village={village}")
    assert {r["pseudonym"] for r in v["rows"]} == {r["pseudonym"] for r in body["rows"] if r["village"] == village}
    _, _, k = api(c, f"/api/audit?period={AUG}&kind=newly_stunted")
    assert {r["pseudonym"] for r in k["rows"]} == {p for p, (kinds, _) in want.items() if "newly_stunted" in kinds}
    posyandu = next(r["posyandu"] for r in body["rows"] if r["posyandu"])
    from urllib.parse import quote
    _, _, p = api(c, f"/api/audit?period={AUG}&posyandu={quote(posyandu)}")
    aug = {pseudonym(c["key"], r["id"]): r for r in c["rounds"][AUG]}
    assert {r["pseudonym"] for r in p["rows"]} == {
        q for q in want if q in aug and aug[q]["posyandu"] == posyandu}
    assert api(c, f"/api/audit?period={AUG}&kind=lain")[0] == 400


def test_marking_a_case_persists_and_shows(city):
    c = city
    _, _, body = api(c, f"/api/audit?period={AUG}&kind=jump")
    target = body["rows"][0]["pseudonym"]
    srv, tok = c["srv"], c["tokens"]
    mark = {"pseudonym": target, "period": AUG, "kind": "jump", "decision": "remeasure",
            "note": "Ukur ulang di posyandu bulan depan"}
    status, _, out = srv.request("POST", "/api/audit", mark, token=tok["planner"])
    assert status == 201, out
    status, _, out = srv.request("POST", "/api/audit", dict(mark, decision="valid", note="Sudah dicek"),
                                 token=tok["planner"])
    assert status == 201, out
    _, _, after = api(c, f"/api/audit?period={AUG}&kind=jump")
    row = next(r for r in after["rows"] if r["pseudonym"] == target)
    assert (row["audit"]["decision"], row["audit"]["note"], row["audit"]["username"]) == ("valid", "Sudah dicek", "a-planner")
    # Refused: an unknown decision (in Bahasa), a child not on that list, other roles.
    status, _, out = srv.request("POST", "/api/audit", dict(mark, decision="lupakan"), token=tok["planner"])
    assert status == 400 and b"tidak dikenal" in out, out
    status, _, _ = srv.request("POST", "/api/audit", dict(mark, kind="missed"), token=tok["planner"])
    assert status == 404
    for who in ("fo", "viewer"):
        assert srv.request("POST", "/api/audit", mark, token=tok[who])[0] == 403
    assert srv.request("POST", "/api/audit", mark, token=None)[0] == 401
    with sqlite3.connect(c["db"]) as db:
        rows = db.execute("SELECT decision, note FROM sigap_case_audits WHERE pseudonym = ? ORDER BY id",
                          [target]).fetchall()
        logged = db.execute("SELECT what FROM sigap_audit WHERE action = 'case_audit'").fetchall()
    assert rows == [("remeasure", "Ukur ulang di posyandu bulan depan"), ("valid", "Sudah dicek")]
    assert ("2026-08 jump valid",) in logged


def test_a_viewer_and_the_public_get_nothing(city):
    c = city
    for path in (f"/api/audit?period={AUG}", f"/api/audit.xlsx?period={AUG}"):
        status, _, body = api(c, path, "viewer")
        assert status == 403, body
        status, _, _ = c["srv"].request("GET", path, token=None)
        assert status == 401


def test_a_field_officer_sees_only_their_teams_children_and_reveals_are_counted(city):
    c = city
    want = by_pseudonym(c, expected_lists(c["rounds"], AUG))
    mine = {p for p in want if c["team_of"].get(p) == "DP2KB"}
    assert mine, "the team has no listed child"
    status, _, body = api(c, f"/api/audit?period={AUG}", "fo")
    assert status == 200
    assert {r["pseudonym"] for r in body["rows"]} == mine
    assert sum(1 for r in body["rows"] if r["name"]) >= 1
    with sqlite3.connect(c["db"]) as db:
        (records,) = db.execute(
            "SELECT records FROM sigap_audit WHERE username = 'a-fo' AND action = 'reveal' "
            "ORDER BY id DESC LIMIT 1").fetchone()
    assert records == sum(1 for r in body["rows"] if r["name"])


def test_the_workbook_has_the_same_rows(city):
    c = city
    _, _, body = api(c, f"/api/audit?period={AUG}&kind=worse")
    status, headers, data = api(c, f"/api/audit.xlsx?period={AUG}&kind=worse")
    assert status == 200
    assert 'filename="sigap-audit-kasus-2026-08-worse.xlsx"' in headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["audit_kasus", "keterangan"]
    ws = wb["audit_kasus"]
    header = [x.value for x in ws[1]]
    assert header[:4] == ["Kecamatan", "Desa/Kelurahan", "Posyandu", "Nama anak"]
    rows = [dict(zip(header, [x.value for x in r])) for r in ws.iter_rows(min_row=2)]
    assert [r["Kode anak"] for r in rows] == [r["pseudonym"] for r in body["rows"]]
    for x, r in zip(rows, body["rows"]):
        assert (x["Nama anak"] or None) == r["name"]
        assert x["HAZ"] == pytest.approx(r["now"]["haz"])
        assert x["HAZ sebelumnya"] == pytest.approx(r["before"]["haz"])
        assert "Memburuk" in x["Daftar"]
        checks = {"height_shrank": "tinggi turun", "haz_jump": "HAZ melonjak"}
        assert (x["Pemeriksaan"] or "") == ", ".join(checks[k] for k in r["checks"])
    notes = {r[0].value: r[1].value for r in wb["keterangan"].iter_rows(min_row=2)}
    assert notes["Periode pengukuran"] == AUG and notes["Periode pembanding"] == FEB
    assert notes["Jumlah anak"] == str(len(rows))
