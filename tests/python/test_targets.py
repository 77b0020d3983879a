"""Explainable risk and priority villages against references we did not write.

- Percentile normalisation equals scipy.stats.rankdata(method="min") for every village
  and every resolution-8 cell.
- Scores and what-if weights follow sum(w * n) / sum(w) from the returned normalised values.
- Each reason quotes the API's own numbers (parsed back out of the Bahasa text).
- A village with no child measured is never ranked on prevalence.
- CSV (csv module), XLSX (openpyxl) and GeoJSON (json + shapely) exports hold the same
  villages and numbers as the JSON.
- The ±20% stability is recomputed here from the normalised values (1 + 64 corners +
  12 one-at-a-time scenarios).
"""
import csv
import io
import json
import re

import numpy as np
import openpyxl
import pytest
from scipy.stats import rankdata
from shapely.geometry import shape

from conftest import Server, run

FACTORS = ["prevalence", "stunted", "no_latrine", "no_safe_water", "no_sanitation", "puskesmas"]
EMPTY_CODE = "7471999001"


def expected_percentile(values):
    """(rankdata(v, "min") - 1) / (n - 1) over the known values; 0 for unknown ones."""
    known = [i for i, v in enumerate(values) if v is not None]
    out = [0.0] * len(values)
    if len(known) > 1:
        ranks = rankdata([values[i] for i in known], method="min")
        for i, r in zip(known, ranks):
            out[i] = (r - 1) / (len(known) - 1)
    return out


def factor_map(area):
    return {f["factor"]: f for f in area["factors"]}


def weighted(n, w):
    s = 0.0
    for wi, ni in zip(w, n):
        s += wi * ni
    return s / sum(w)


def check_percentiles(areas):
    for key in FACTORS:
        values = [factor_map(a)[key]["value"] for a in areas]
        want = expected_percentile(values)
        for a, v, e in zip(areas, values, want):
            f = factor_map(a)[key]
            assert abs(f["normalised"] - e) < 1e-9, (key, f, e)
            assert f["missing"] == (v is None)


def test_percentile_normalisation_equals_scipy(server):
    villages = server.json("/api/villages")["villages"]
    check_percentiles(villages)
    cells = [f["properties"] for f in server.json("/api/hexes?res=8")["features"]]
    assert len(cells) > 100
    check_percentiles(cells)
    # The prevalence factor is the smoothed one; the raw one stays beside it.
    for v in villages:
        p = factor_map(v)["prevalence"]["value"]
        if v["children"]:
            assert p == pytest.approx(v["prevalence_smoothed"], abs=1e-4)
            assert v["prevalence"] == pytest.approx(v["stunted"] / v["children"], abs=1e-4)


def test_contributions_sum_to_the_score(server):
    body = server.json("/api/villages")
    w = [body["weights"][k] for k in FACTORS]
    for v in body["villages"]:
        fs = factor_map(v)
        assert sum(f["contribution"] for f in fs.values()) == pytest.approx(v["risk"], abs=1e-12)
        assert v["risk"] == pytest.approx(weighted([fs[k]["normalised"] for k in FACTORS], w), abs=1e-12)
    for f in server.json("/api/hexes?res=9")["features"]:
        p = f["properties"]
        assert sum(x["contribution"] for x in p["factors"]) == pytest.approx(p["risk"], abs=1e-12)


def test_what_if_weights_rescore_exactly(server):
    base = server.json("/api/villages")
    moved = server.json("/api/villages?w.latrine=0.4&w.distance=0")
    assert moved["weights"]["no_latrine"] == 0.4 and moved["weights"]["puskesmas"] == 0
    assert moved["weights"]["prevalence"] == base["weights"]["prevalence"]
    w = [moved["weights"][k] for k in FACTORS]
    normalised = {v["code"]: [factor_map(v)[k]["normalised"] for k in FACTORS] for v in base["villages"]}
    for v in moved["villages"]:
        assert v["risk"] == pytest.approx(weighted(normalised[v["code"]], w), abs=1e-12)
        assert [factor_map(v)[k]["normalised"] for k in FACTORS] == normalised[v["code"]]
    order = sorted(normalised, key=lambda c: (-weighted(normalised[c], w), c))
    assert [v["code"] for v in moved["villages"]] == order
    assert [v["code"] for v in moved["villages"]] != [v["code"] for v in base["villages"]]
    hexes = server.json("/api/hexes?res=8&w.no_latrine=0.4")
    assert hexes["weights"]["no_latrine"] == 0.4
    hw = [hexes["weights"][k] for k in FACTORS]
    for f in hexes["features"][:200]:
        p = f["properties"]
        assert p["risk"] == pytest.approx(weighted([factor_map(p)[k]["normalised"] for k in FACTORS], hw), abs=1e-12)


@pytest.mark.parametrize("path", ["/api/villages", "/api/hexes?res=8", "/api/targets"])
@pytest.mark.parametrize("bad", ["w.latrines=1", "w.latrine=abc", "w.water=-1", "w.latrine=nan"])
def test_bad_weight_is_400(server, path, bad):
    sep = "&" if "?" in path else "?"
    status, _, body = server.get(f"{path}{sep}{bad}")
    assert status == 400, body
    msg = json.loads(body)["error"]
    if "latrines" in bad:
        assert "no_latrine" in msg and "puskesmas" in msg and "distance" in msg


# ---- reasons -------------------------------------------------------------------------

def num(text):
    """An Indonesian number: thousands dot, decimal comma."""
    return float(text.replace(".", "").replace(",", "."))


N = r"(\d{1,3}(?:\.\d{3})*(?:,\d+)?)"
CHILD = re.compile(
    N + r" anak stunting(?: \(tertinggi ke-(\d+)\))? dari " + N + r" diukur, prevalensi " + N
    + r"%(?: \(dihaluskan " + N + r"%(?:, tertinggi ke-(\d+))?\))?")
SHARE = re.compile(N + r"% rumah tangga (tanpa jamban|tanpa air minum layak|tanpa sanitasi layak)"
                   r"(?: \(tertinggi ke-(\d+)\))?")
DIST = re.compile(N + r" km ke puskesmas terdekat(?: \(terjauh ke-(\d+)\))?")
SHARE_FACTOR = {"tanpa jamban": "no_latrine", "tanpa air minum layak": "no_safe_water",
                "tanpa sanitasi layak": "no_sanitation"}


def half_unit(text):
    """Half the last printed digit: "4,7" is within 0.05, "31" within 0.5."""
    return (0.05 if "," in text else 0.5) + 1e-9


def rank_from_top(values, x):
    return 1 + sum(1 for v in values if v is not None and v > x)


def check_reason(t, all_values):
    """Every number in t["reason"] is one of t's own numbers; phrases by contribution."""
    reason = t["reason"]
    fs = factor_map(t)
    covered = []
    order = []  # (position, contribution)

    def rank_ok(got, key):
        want = rank_from_top(all_values[key], fs[key]["value"])
        assert fs[key]["rank"] == want, (key, t["code"])
        if got is not None:
            assert int(got) == want, (reason, key)

    for m in CHILD.finditer(reason):
        covered.append(m.span())
        stunted, r_st, children, raw, smoothed, r_prev = m.groups()
        assert num(stunted) == t["stunted"] and num(children) == t["children"]
        assert abs(num(raw) - 100 * t["prevalence"]) <= half_unit(raw)
        assert t["prevalence"] == t["stunted"] / t["children"]
        assert abs(num(smoothed) - 100 * fs["prevalence"]["value"]) <= half_unit(smoothed)
        assert t["prevalence_smoothed"] == fs["prevalence"]["value"]
        rank_ok(r_st, "stunted")
        rank_ok(r_prev, "prevalence")
        order.append((m.start(), fs["prevalence"]["contribution"] + fs["stunted"]["contribution"]))
    for m in SHARE.finditer(reason):
        covered.append(m.span())
        key = SHARE_FACTOR[m.group(2)]
        assert abs(num(m.group(1)) - 100 * fs[key]["value"]) <= half_unit(m.group(1))
        rank_ok(m.group(3), key)
        order.append((m.start(), fs[key]["contribution"]))
    for m in DIST.finditer(reason):
        covered.append(m.span())
        assert abs(num(m.group(1)) - fs["puskesmas"]["value"]) <= 0.05 + 1e-9
        rank_ok(m.group(2), "puskesmas")
        order.append((m.start(), fs["puskesmas"]["contribution"]))
    rest = list(reason)
    for a, b in covered:
        rest[a:b] = [" "] * (b - a)
    assert not re.search(r"\d", "".join(rest)), ("unparsed number", reason)
    contributions = [c for _, c in sorted(order)]
    assert contributions == sorted(contributions, reverse=True), reason
    assert ("belum ada anak diukur" in reason) == (t["children"] == 0)
    if t["children"] == 0:
        assert "prevalensi" not in reason


def all_factor_values(villages):
    return {k: [factor_map(v)[k]["value"] for v in villages] for k in FACTORS}


def test_reasons_quote_the_api(server):
    villages = server.json("/api/villages")["villages"]
    body = server.json("/api/targets?top=65")
    assert [t["code"] for t in body["targets"]] == [v["code"] for v in villages]
    values = all_factor_values(villages)
    for t, v in zip(body["targets"], villages):
        assert t["score"] == v["risk"] and t["rank"] == v["rank"]
        check_reason(t, values)


# ---- stability -----------------------------------------------------------------------

def scenarios(w):
    down, up = 1 - 0.2, 1 + 0.2
    out = [list(w)]
    for corner in range(64):
        out.append([x * (up if corner >> i & 1 else down) for i, x in enumerate(w)])
    for i in range(6):
        for m in (down, up):
            x = list(w)
            x[i] *= m
            out.append(x)
    return out


def check_stability(body, villages, top):
    w = [body["weights"][k] for k in FACTORS]
    normalised = {v["code"]: [factor_map(v)[k]["normalised"] for k in FACTORS] for v in villages}
    all_w = scenarios(w)
    assert body["scenarios"] == len(all_w) == 77
    ranks = {c: [] for c in normalised}
    for sw in all_w:
        order = sorted(normalised, key=lambda c: (-weighted(normalised[c], sw), c))
        for r, c in enumerate(order, 1):
            ranks[c].append(r)
    base = sorted(normalised, key=lambda c: (-weighted(normalised[c], w), c))[:top]
    assert [t["code"] for t in body["targets"]] == base
    for t in body["targets"]:
        r = ranks[t["code"]]
        s = t["stability"]
        assert (s["min_rank"], s["max_rank"]) == (min(r), max(r)), t["code"]
        assert s["top_share"] == pytest.approx(sum(x <= top for x in r) / len(r), abs=1e-12)
    always = [c for c in base if max(ranks[c]) <= top]
    assert body["always_top"] == always
    entrants = [c for c in sorted(normalised, key=lambda c: (-weighted(normalised[c], w), c))[top:]
                if min(ranks[c]) <= top]
    assert [e["code"] for e in body["entrants"]] == entrants
    return always, entrants


def test_stability_matches_recomputed_scenarios(server):
    villages = server.json("/api/villages")["villages"]
    for top, query in [(10, ""), (5, "&w.latrine=0.05"), (20, "&w.stunted=1")]:
        body = server.json(f"/api/targets?top={top}{query}")
        always, entrants = check_stability(body, villages, top)
        assert len(body["targets"]) == top
    # Some ranking must move under ±20% for this to test anything.
    body = server.json("/api/targets?top=10")
    assert any(t["stability"]["min_rank"] != t["stability"]["max_rank"] for t in body["targets"])


# ---- exports -------------------------------------------------------------------------

def json_rows(server, top):
    body = server.json(f"/api/targets?top={top}")
    return body["targets"]


def same_as_json(rows, targets, close):
    assert [r["code"] for r in rows] == [t["code"] for t in targets]
    for r, t in zip(rows, targets):
        fs = factor_map(t)
        assert int(r["rank"]) == t["rank"] and r["name"] == t["name"] and r["district"] == t["district"]
        close(r["score"], t["score"])
        assert int(r["children"]) == t["children"] and int(r["stunted"]) == t["stunted"]
        for k in FACTORS:
            if fs[k]["value"] is None:
                assert r[f"value_{k}"] in (None, "")
            else:
                close(r[f"value_{k}"], fs[k]["value"])
            close(r[f"n_{k}"], fs[k]["normalised"])
            close(r[f"c_{k}"], fs[k]["contribution"])
        assert int(r["min_rank"]) == t["stability"]["min_rank"]
        assert int(r["max_rank"]) == t["stability"]["max_rank"]
        close(r["top_share"], t["stability"]["top_share"])
        assert r["reason"] == t["reason"]


def test_exports_hold_the_same_numbers(server, demo_dir):
    targets = json_rows(server, 12)

    def exact(a, b):
        assert float(a) == b

    def close(a, b):
        assert float(a) == pytest.approx(b, rel=1e-9, abs=1e-12)

    status, headers, body = server.get("/api/targets?top=12&format=csv&columns=key")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"] and ".csv" in headers["content-disposition"]
    same_as_json(list(csv.DictReader(io.StringIO(body.decode("utf-8")))), targets, exact)

    status, headers, body = server.get("/api/targets?top=12&format=xlsx&columns=key")
    assert status == 200 and ".xlsx" in headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    cells = list(ws.iter_rows(values_only=True))
    header = list(cells[0])
    same_as_json([dict(zip(header, row)) for row in cells[1:]], targets, close)

    status, headers, body = server.get("/api/targets?top=12&format=geojson&columns=key")
    assert status == 200 and ".geojson" in headers["content-disposition"]
    fc = json.loads(body)
    same_as_json([f["properties"] for f in fc["features"]], targets, exact)
    source = {f["properties"]["code"]: shape(f["geometry"])
              for f in json.loads((demo_dir / "villages.geojson").read_text())["features"]}
    for f in fc["features"]:
        got = shape(f["geometry"])
        want = source[f["properties"]["code"]]
        assert got.area == pytest.approx(want.area, rel=1e-6)
        assert got.symmetric_difference(want).area < 1e-6 * want.area

    status, _, _ = server.get("/api/targets?format=pdf")
    assert status == 400
    status, _, _ = server.get("/api/targets?top=0")
    assert status == 400


def test_cli_matches_the_api(server, demo_db, tmp_path):
    out = tmp_path / "t.csv"
    run("targets", "--db", demo_db, "--top", "7", "--format", "csv", "-o", out, "--weight", "latrine=0.4",
        "--columns", "key")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    api = server.json("/api/targets?top=7&w.latrine=0.4")["targets"]
    assert [r["code"] for r in rows] == [t["code"] for t in api]
    assert [float(r["score"]) for r in rows] == [t["score"] for t in api]
    table = run("targets", "--db", demo_db, "--top", "3").stdout
    assert all(t["reason"] in table for t in server.json("/api/targets?top=3")["targets"])
    bad = run("targets", "--db", demo_db, "--weight", "latrines=1", check=False)
    assert bad.returncode != 0 and "no_latrine" in bad.stderr


def test_exports_are_meeting_ready(server):
    """Indonesian column names, rounded values, period and weights in the file name and
    in the "keterangan" sheet; English on request."""
    targets = json_rows(server, 12)
    path = "/api/targets?top=12&format={}&w.latrine=0.4"
    status, headers, body = server.get(path.format("xlsx"))
    assert status == 200
    name = re.search(r'filename="([^"]+)"', headers["content-disposition"]).group(1)
    period = server.json("/api/periods")["default"]
    assert name == f"sigap-prioritas-{period}-bobot-prev30-stunting10-jamban40-air15-sanitasi10-puskesmas15.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert wb.sheetnames == ["prioritas", "keterangan"]
    rows = list(wb["prioritas"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:9] == ["Peringkat", "Kode wilayah", "Desa/Kelurahan", "Kecamatan", "Skor risiko (0-1)",
                          "Anak diukur", "Anak stunting", "Rumah tangga", "Prevalensi (%)"]
    assert "Ternormalisasi: tanpa jamban" in header and "Alasan" in header
    assert not any(h.startswith(("n_", "c_", "value_")) for h in header)
    api = server.json("/api/targets?top=12&w.latrine=0.4")["targets"]
    for row, t in zip(rows[1:], api):
        r = dict(zip(header, row))
        assert r["Kode wilayah"] == t["code"]
        assert r["Skor risiko (0-1)"] == round(t["score"], 3)
        if t["children"]:
            assert r["Prevalensi (%)"] == round(100 * t["stunted"] / t["children"], 1)
        assert r["Selalu prioritas"] in ("ya", "tidak")
        for v in r.values():
            if isinstance(v, float):
                assert len(repr(v).split(".")[1]) <= 3, (v, r)
    about = dict(list(wb["keterangan"].iter_rows(values_only=True))[1:])
    assert about["Periode pengukuran"] == period
    assert about["Bobot"].startswith("simulasi")
    assert float(about["Bobot tanpa jamban"]) == 0.4
    # English on request, in the CSV header and the GeoJSON's metadata.
    status, headers, body = server.get(path.format("csv") + "&columns=en")
    header = next(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert header[:3] == ["Rank", "Code", "Village"] and "Normalised: no latrine" in header
    fc = json.loads(server.get(path.format("geojson"))[2])
    assert fc["metadata"]["Periode pengukuran"] == period
    assert server.get(path.format("csv") + "&columns=fr")[0] == 400


# ---- a village where no child was measured --------------------------------------------

@pytest.fixture(scope="module")
def empty_village_server(demo_dir, tmp_path_factory):
    """The demo city plus one village (no child, no household) away from the others."""
    d = tmp_path_factory.mktemp("empty")
    fc = json.loads((demo_dir / "villages.geojson").read_text())
    ring = [[122.62, -4.10], [122.63, -4.10], [122.63, -4.09], [122.62, -4.09], [122.62, -4.10]]
    fc["features"].append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                           "properties": {"code": EMPTY_CODE, "district": "Uji", "name": "Kosong"}})
    (d / "villages.geojson").write_text(json.dumps(fc))
    db, key = d / "city.gpkg", d / "city.key"
    run("import", "--db", db, "--key", key, "villages", d / "villages.geojson")
    for kind, name in [("facilities", "facilities.csv"), ("households", "households.csv"),
                       ("children", "children.csv")]:
        run("import", "--db", db, "--key", key, kind, demo_dir / name)
    s = Server("--db", db)
    yield s
    s.stop()


def test_village_without_children_is_not_ranked_on_prevalence(empty_village_server):
    s = empty_village_server
    villages = s.json("/api/villages")["villages"]
    v = next(v for v in villages if v["code"] == EMPTY_CODE)
    assert v["children"] == 0
    fs = factor_map(v)
    for k in ["prevalence", "stunted", "no_latrine", "no_safe_water", "no_sanitation"]:
        assert fs[k]["missing"] is True and fs[k]["value"] is None
        assert fs[k]["normalised"] == 0 and fs[k]["contribution"] == 0
    assert fs["puskesmas"]["missing"] is False
    check_percentiles(villages)
    # Even with all the weight on prevalence and the count, it scores 0.
    only = s.json("/api/villages?w.prevalence=1&w.stunted=1&w.latrine=0&w.water=0&w.sanitation=0&w.distance=0")
    assert next(x for x in only["villages"] if x["code"] == EMPTY_CODE)["risk"] == 0
    body = s.json(f"/api/targets?top={len(villages)}")
    t = next(t for t in body["targets"] if t["code"] == EMPTY_CODE)
    assert "belum ada anak diukur" in t["reason"] and "prevalensi" not in t["reason"]
    assert t["prevalence"] is None and t["prevalence_smoothed"] is None
    values = all_factor_values(villages)
    for x in body["targets"]:
        check_reason(x, values)
    assert np.isclose(sum(f["contribution"] for f in t["factors"]), t["score"])
