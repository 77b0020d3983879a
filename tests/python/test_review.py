"""The annual review (issue 14): `GET /api/review` and `/api/review.xlsx` on the demo
store with both rounds, the demo teams' assignments (`sigap assign`) and the demo's
own ledger of both rounds (`interventions.csv`, with its named sponsors), checked
against figures recomputed here from the files: children located in villages by
shapely, stunted and plausible by their haz, deliveries put in rounds by their date,
kecamatan as sums of their villages, changes in points, deliverers' and sponsors'
sums from the ledger rows; the plan and measurement figures equal their own
endpoints' for each round; the workbook's rounded cells equal the API's."""
import csv
import io
import json
import sqlite3
from collections import Counter, defaultdict

import openpyxl
import pytest

from conftest import Server, assert_no_private_data, locate_villages, make_user, run

HAZ_FLAG = 6.0
ROUNDS = {"2026-02": ("2026-02-01", "2026-08-01"), "2026-08": ("2026-08-01", "2027-02-01")}
FILES = {"2026-02": "children-2026-02.csv", "2026-08": "children.csv"}


def yes(v):
    return str(v).strip().lower() in {"true", "1", "yes", "ya", "y"}


def round_of(day):
    for p, (a, b) in ROUNDS.items():
        if a <= day < b:
            return p
    return None


@pytest.fixture(scope="module")
def city(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("review")
    db = d / "city.gpkg"
    with sqlite3.connect(demo_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    keyfile = demo_db.parent / "city.key"
    run("import", "--db", db, "--key", keyfile, "children", demo_dir / "children-2026-02.csv")
    run("assign", "--db", db, "--teams", demo_dir / "teams.csv")
    ledger = demo_dir / "interventions.csv"
    rows = list(csv.DictReader(open(ledger)))
    p = run("import", "--db", db, "--key", keyfile, "interventions", ledger)
    assert f"imported {len(rows)} deliveries" in p.stdout, p.stdout
    features = json.loads((demo_dir / "villages.geojson").read_text())["features"]
    district = {str(f["properties"]["code"]).replace(".", ""): f["properties"]["district"] for f in features}
    kids = {}
    for period, name in FILES.items():
        kids[period] = list(csv.DictReader(open(demo_dir / name)))
        for k, v in zip(kids[period], locate_villages(demo_dir, kids[period])):
            k["village"] = v
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    for h, v in zip(homes, locate_villages(demo_dir, homes)):
        h["village"] = v
    tokens = {
        "planner": make_user(db, "r-planner", "planner"),
        "viewer": make_user(db, "r-viewer", "viewer"),
        "fo": make_user(db, "r-fo", "field_officer", team="DP2KB"),
    }
    s = Server("--db", db, "--key", keyfile, token=tokens["planner"])
    yield dict(srv=s, tokens=tokens, kids=kids, homes=homes, rows=rows, district=district, d=d,
               key=keyfile.read_text().strip())
    s.stop()


@pytest.fixture(scope="module")
def review(city):
    return city["srv"].json("/api/review")


def expected_villages(city):
    """Per round and village: measured, stunted, and for the programmes recomputed
    here (PMT, eggs, foster parents to stunted children; latrines to households
    without one) the target and the reached."""
    got = defaultdict(set)  # (round, programme) -> recipient ids
    for r in city["rows"]:
        got[(round_of(r["tanggal"]), r["program"])].add(r["id_anak"] or r["id_keluarga"] or r["kode_desa"])
    out = {}
    for period in ROUNDS:
        v = defaultdict(Counter)
        for k in city["kids"][period]:
            haz = float(k["haz"])
            if k["village"] is None or abs(haz) > HAZ_FLAG:
                continue
            c = v[k["village"]]
            c["measured"] += 1
            if haz < -2:
                c["stunted"] += 1
                for p in ("pmt", "telur", "bapak_asuh"):
                    c[p + ".target"] += 1
                    c[p + ".reached"] += k["id"] in got[(period, p)]
        for h in city["homes"]:
            if h["village"] is not None and not yes(h["has_latrine"]):
                c = v[h["village"]]
                c["jamban.target"] += 1
                c["jamban.reached"] += h["id"] in got[(period, "jamban")]
        out[period] = v
    return out


def test_every_village_and_kecamatan_round_equals_python(city, review):
    want = expected_villages(city)
    assert review["periods"] == list(ROUNDS)
    assert len(review["villages"]) == len(city["district"]) == 65
    by_district = defaultdict(lambda: defaultdict(Counter))
    for v in review["villages"]:
        assert v["district"] == city["district"][v["code"]]
        before = None
        for r in v["rounds"]:
            w = want[r["period"]][v["code"]]
            assert (r["measured"], r["stunted"]) == (w["measured"], w["stunted"]), (v["code"], r["period"])
            prev = w["stunted"] / w["measured"] if w["measured"] else None
            assert r["prevalence"] == pytest.approx(prev, rel=1e-12), v["code"]
            if before is None or prev is None:
                assert r["change_points"] is None, v["code"]
            else:
                assert r["change_points"] == pytest.approx((prev - before) * 100, abs=1e-9), v["code"]
            before = prev
            for p in ("pmt", "telur", "bapak_asuh", "jamban"):
                got = r["programmes"][p]
                assert (got["target"], got["reached"]) == (w[p + ".target"], w[p + ".reached"]), (v["code"], r["period"], p)
            d = by_district[v["district"]][r["period"]]
            d.update({k: n for k, n in w.items()})
    # Kecamatan are their villages' sums.
    assert [d["name"] for d in review["districts"]] == sorted(by_district)
    for d in review["districts"]:
        assert d["villages"] == sum(1 for v in review["villages"] if v["district"] == d["name"])
        for r in d["rounds"]:
            w = by_district[d["name"]][r["period"]]
            assert (r["measured"], r["stunted"]) == (w["measured"], w["stunted"]), d["name"]
            assert r["prevalence"] == pytest.approx(w["stunted"] / w["measured"], rel=1e-12)
            for p in ("pmt", "jamban"):
                assert (r["programmes"][p]["target"], r["programmes"][p]["reached"]) == (w[p + ".target"], w[p + ".reached"])
        a, b = d["rounds"]
        assert b["change_points"] == pytest.approx((b["prevalence"] - a["prevalence"]) * 100, abs=1e-9)
    # The February round was worked less than August's, as the demo says.
    feb, aug = review["city"]["rounds"]
    assert 0 < feb["programmes"]["pmt"]["share"] < aug["programmes"]["pmt"]["share"]


def test_measurement_and_city_figures_equal_their_endpoints(city, review):
    """Measurement coverage per village is `/api/measurement`'s for each round; a
    kecamatan's is its measured-where-targeted over its targets; the city's figures
    are `/api/measurement`'s summary and `/api/coverage`'s totals."""
    srv = city["srv"]
    for k, period in enumerate(ROUNDS):
        m = srv.json(f"/api/measurement?period={period}")
        cov = srv.json(f"/api/coverage?period={period}")
        rows = {v["code"]: v for v in m["villages"]}
        for v in review["villages"]:
            r, w = v["rounds"][k], rows[v["code"]]
            assert r["target"] == pytest.approx(w["target"], rel=1e-12)
            assert r["measurement_coverage"] == pytest.approx(w["coverage"], rel=1e-12)
            assert r["below"] == int(w["below"])
        for d in review["districts"]:
            mine = [rows[v["code"]] for v in review["villages"] if v["district"] == d["name"]]
            targeted = [w for w in mine if w["target"] is not None]
            t = sum(w["target"] for w in targeted)
            r = d["rounds"][k]
            assert r["target"] == pytest.approx(t, rel=1e-12)
            assert r["measurement_coverage"] == pytest.approx(sum(w["measured"] for w in targeted) / t, rel=1e-12)
            assert r["below"] == sum(w["below"] for w in mine)
        c = review["city"]["rounds"][k]
        s = m["summary"]
        assert (c["measured"], c["stunted"], c["below"]) == (s["measured"], s["stunted"], s["below"])
        assert c["prevalence"] == pytest.approx(s["register"], rel=1e-12)
        for code, t in cov["total"].items():
            assert (c["programmes"][code]["target"], c["programmes"][code]["reached"]) == (t["target"], t["reached"])


def test_deliverers_and_sponsors_equal_the_ledger_and_the_plan(city, review):
    srv = city["srv"]
    default_by = {p["code"]: p["by"] for p in review["programmes"]}
    sponsored = {p["code"] for p in review["programmes"] if p["sponsored"]}
    assert sponsored == {"bapak_asuh"}
    sums = defaultdict(Counter)  # (by, round) -> deliveries, cost
    gifts = defaultdict(lambda: defaultdict(Counter))  # sponsor -> round -> ...
    recipients = defaultdict(set)
    for r in city["rows"]:
        by = r["pelaksana"] or default_by[r["program"]]
        period = round_of(r["tanggal"])
        sums[(by, period)]["deliveries"] += 1
        sums[(by, period)]["cost"] += float(r["biaya"] or 0)
        if r["program"] in sponsored:
            g = gifts[by][period]
            g["deliveries"] += 1
            g["quantity"] += float(r["jumlah"] or 0)
            g["cost"] += float(r["biaya"] or 0)
            recipients[(by, period)].add(r["id_anak"])
    rows = {d["by"]: d for d in review["deliverers"]}
    for k, period in enumerate(ROUNDS):
        plan = {p["by"]: p for p in srv.json(f"/api/coverage/plan?period={period}")["by"]}
        for by, d in rows.items():
            r = d["rounds"][k]
            assert r["period"] == period
            p = plan.get(by, {})
            for f in ("assigned", "visited", "received", "unreached"):
                assert r[f] == p.get(f, 0), (by, period, f)
            assert r["deliveries"] == sums[(by, period)]["deliveries"], (by, period)
            assert r["cost"] == pytest.approx(sums[(by, period)]["cost"]), (by, period)
        assert sum(d["rounds"][k]["assigned"] for d in rows.values()) > 0
    # Every deliverer in the ledger is listed; the thirteen OPDs have children.
    assert {by for by, _ in sums} <= set(rows)
    assert sum(1 for d in rows.values() if d["rounds"][1]["assigned"]) == 13
    # The four invented sponsors, and only they, are sponsors.
    assert sorted(s["by"] for s in review["sponsors"]) == sorted(gifts)
    assert len(gifts) == 4 and all(rows[s]["sponsor"] for s in gifts)
    assert not rows["Dinas Kesehatan"]["sponsor"]
    for s in review["sponsors"]:
        assert s["deliveries"] == sum(g["deliveries"] for g in gifts[s["by"]].values())
        assert s["cost"] == pytest.approx(sum(g["cost"] for g in gifts[s["by"]].values()))
        for r in s["rounds"]:
            g = gifts[s["by"]][r["period"]]
            got = r["programmes"].get("bapak_asuh", {"deliveries": 0, "recipients": 0, "quantity": 0, "cost": 0})
            assert (got["deliveries"], got["recipients"]) == (g["deliveries"], len(recipients[(s["by"], r["period"])]))
            assert (got["quantity"], got["cost"]) == (pytest.approx(g["quantity"]), pytest.approx(g["cost"]))


def test_villages_nobody_reached_and_decisions(city, review):
    srv = city["srv"]
    for k, period in enumerate(ROUNDS):
        plan = srv.json(f"/api/coverage/plan?period={period}")
        assert review["unreached"][k] == {"period": period, "villages": [v["code"] for v in plan["villages_unreached"]]}
    code = review["villages"][0]["code"]
    status, _, raw = srv.request("POST", "/api/rembuk", body={
        "village": code, "period": "2026-02", "priority": True,
        "actions": [{"action": "PMT lokal 90 hari", "lead": "Dinas Kesehatan"}]})
    assert status == 201, raw
    # Decided in February, in force in August's review.
    got = srv.json("/api/review")["decisions"][code]
    assert got["period"] == "2026-02" and got["priority"] is True
    assert got["actions"] == [{"action": "PMT lokal 90 hari", "lead": "Dinas Kesehatan"}]


def test_a_run_of_rounds_and_bad_ones(city):
    srv = city["srv"]
    one = srv.json("/api/review?from=2026-08")
    assert one["periods"] == ["2026-08"] and one["villages"][0]["rounds"][0]["change_points"] is None
    assert srv.json("/api/review?to=2026-02")["periods"] == ["2026-02"]
    status, _, raw = srv.get("/api/review?from=2026-08&to=2026-02")
    assert status == 400 and b"after" in raw
    status, _, raw = srv.get("/api/review?from=1999-01")
    assert status == 400 and b"2026-08" in raw


def test_only_staff_read_it_and_it_holds_no_record(city, review):
    srv = city["srv"]
    assert srv.get("/api/review", token=city["tokens"]["fo"])[0] == 403
    assert srv.get("/api/review.xlsx", token=city["tokens"]["fo"])[0] == 403
    assert srv.get("/api/review", token=None)[0] == 401
    assert srv.get("/api/review", token=city["tokens"]["viewer"])[0] == 200
    # Staff see small counts (k = 1), but never a child, household, name or place.
    kids = city["kids"]["2026-08"] + city["kids"]["2026-02"]
    assert_no_private_data(json.dumps(review), kids, city["homes"], 1, city["key"])


def test_the_workbook_has_the_apis_numbers_rounded(city, review):
    status, headers, raw = city["srv"].get("/api/review.xlsx")
    assert status == 200
    assert "sigap-tinjauan-tahunan-2026-02-2026-08.xlsx" in headers["content-disposition"]
    assert "no-store" in headers["cache-control"]
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["desa", "kecamatan", "kota", "pelaksana", "sponsor", "keterangan"]

    def table(name):
        rows = list(wb[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    pct = lambda x: None if x is None else round(x * 100, 1)
    kec = {(r["Wilayah"], r["Periode"]): r for r in table("kecamatan")}
    assert len(kec) == 2 * len(review["districts"])
    names = {p["code"]: p["name"] for p in review["programmes"]}
    for d in review["districts"]:
        for r in d["rounds"]:
            row = kec[(d["name"], r["period"])]
            assert (row["Anak diukur"], row["Stunting"]) == (r["measured"], r["stunted"])
            assert row["Prevalensi (%)"] == pytest.approx(pct(r["prevalence"]), abs=1e-9)
            assert row["Cakupan pengukuran (%)"] == pytest.approx(pct(r["measurement_coverage"]), abs=1e-9)
            s = r["programmes"]["pmt"]
            assert row[f"{names['pmt']} (%)"] == pytest.approx(pct(s["share"]), abs=1e-9)
            assert row[f"{names['pmt']}: tercapai/sasaran"] == f"{s['reached']}/{s['target']}"
            if r["change_points"] is not None:
                assert row["Perubahan (poin)"] == pytest.approx(round(r["change_points"], 1), abs=1e-9)
    desa = table("desa")
    assert len(desa) == 2 * 65 and {r["Kode"] for r in desa} == {v["code"] for v in review["villages"]}
    city_rows = table("kota")
    assert [r["Anak diukur"] for r in city_rows] == [r["measured"] for r in review["city"]["rounds"]]
    sponsors = table("sponsor")
    assert sum(r["Biaya (Rp)"] for r in sponsors) == pytest.approx(sum(s["cost"] for s in review["sponsors"]))
    about = {r["keterangan"]: r["nilai"] for r in table("keterangan")}
    assert about["Periode"] == "2026-02, 2026-08" and "poin" in about["Perubahan"]
