"""Plan against delivery (issue 14): `GET /api/coverage/plan` on a demo store with
roads, the demo teams' assignments (`sigap assign`), a ledger imported and visits
recorded through the API, checked against every figure recomputed here from the
files: per deliverer the children assigned, visited, given an intervention and
reached by neither, what it delivered per programme; the villages nobody reached."""
import csv
import json
import uuid
from collections import defaultdict

import pytest

from conftest import Server, locate_villages, make_user, pseudonym, run, team_city

CONFIG = """
[[programmes]]
code = "pmt"
name = "PMT lokal"
kind = "specific"
target = "child"
by = "Dinas Kesehatan"
unit = "paket"

[[programmes]]
code = "jamban"
name = "Jamban sehat"
kind = "sensitive"
target = "household"
need = "no_latrine"
by = "Dinas PUPR"

[[programmes]]
code = "air"
name = "Sumur bor"
kind = "sensitive"
target = "desa"
by = "PT Sponsor"
"""

BY = {"pmt": "Dinas Kesehatan", "jamban": "Dinas PUPR", "air": "PT Sponsor"}


def yes(v):
    return str(v).strip().lower() in {"true", "1", "yes", "ya", "y"}


@pytest.fixture(scope="module")
def plan(demo_db, demo_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("plan")
    city = team_city(demo_db, demo_dir, d)
    db, key = city["db"], city["key"]
    config = d / "sigap.toml"
    config.write_text(CONFIG)
    kids = list(csv.DictReader(open(demo_dir / "children.csv")))
    homes = list(csv.DictReader(open(demo_dir / "households.csv")))
    for row, v in zip(kids, locate_villages(demo_dir, kids)):
        row["village"] = v
    for row, v in zip(homes, locate_villages(demo_dir, homes)):
        row["village"] = v
    villages = [str(f["properties"]["code"]).replace(".", "")
                for f in json.loads((demo_dir / "villages.geojson").read_text())["features"]]
    # A deterministic ledger: PMT to some stunted children (by the programme's OPD or
    # a puskesmas), latrines to some households without one, a borehole to some villages.
    rows = []
    for i, k in enumerate(kids):
        if float(k["haz"]) < -2 and i % 4 == 1:
            rows.append(("pmt", k["id"], "", "", "2026-09-0%d" % (1 + i % 9), "", "Puskesmas Lepo-Lepo" if i % 3 == 0 else ""))
    for i, h in enumerate(homes):
        if not yes(h["has_latrine"]) and i % 9 == 0:
            rows.append(("jamban", "", h["id"], "", "2026-10-01", "", ""))
    for j, v in enumerate(villages):
        if j % 6 == 0:
            rows.append(("air", "", "", v[:2] + "." + v[2:4] + "." + v[4:6] + "." + v[6:], "2026-11-01", "", ""))
    ledger = d / "ledger.csv"
    with open(ledger, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["program", "id_anak", "id_keluarga", "kode_desa", "tanggal", "jumlah", "oleh"])
        w.writerows(rows)
    p = run("import", "--db", db, "--key", city["keyfile"], "--config", config, "interventions", ledger)
    assert f"imported {len(rows)} deliveries" in p.stdout, p.stdout
    tokens = {
        "fo": make_user(db, "p-fo", "field_officer", team="DP2KB"),
        "planner": make_user(db, "p-planner", "planner"),
        "viewer": make_user(db, "p-viewer", "viewer"),
    }
    s = Server("--db", db, "--key", city["keyfile"], "--config", config, token=None)
    yield dict(srv=s, tokens=tokens, kids=kids, homes=homes, villages=villages, rows=rows,
               team_of=city["team_of"], key=key, d=d)
    s.stop()


def call(f, method, path, who, body=None):
    status, _, raw = f["srv"].request(method, path, body=body, token=f["tokens"][who])
    return status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw


def visit(f, who, p, day, outcome="visited"):
    status, body = call(f, "POST", "/api/visits", who, {
        "id": str(uuid.uuid4()), "pseudonym": p, "visited_on": day, "outcome": outcome})
    assert status == 201, body
    return dict(pseudonym=p, day=day, outcome=outcome)


@pytest.fixture(scope="module")
def visits(plan):
    """Visits through the API: DP2KB's field officer finds some of the team's children
    and misses one; a planner finds Dinas Kesehatan's; one visit before the round."""
    team_of = plan["team_of"]
    dp2kb = sorted(p for p, t in team_of.items() if t == "DP2KB")
    dinkes = sorted(p for p, t in team_of.items() if t == "Dinas Kesehatan")
    out = [visit(plan, "fo", p, "2026-09-%02d" % (1 + i)) for i, p in enumerate(dp2kb[:5])]
    out.append(visit(plan, "fo", dp2kb[5], "2026-09-10", "not_found"))
    out += [visit(plan, "planner", p, "2026-10-%02d" % (1 + i)) for i, p in enumerate(dinkes[:3])]
    # Before the August round began: counts towards no round.
    out.append(visit(plan, "planner", dinkes[3], "2026-07-20"))
    return out


def expected(plan, visits):
    """Every figure recomputed from the files."""
    key = plan["key"]
    pseud = {pseudonym(key, k["id"]): k for k in plan["kids"]}
    # The household at the child's very point (children are placed at their home).
    at = {(float(h["lon"]), float(h["lat"])): h for h in plan["homes"]}
    home = {p: at.get((float(k["lon"]), float(k["lat"]))) for p, k in pseud.items()}
    in_round = lambda day: "2026-08" <= day[:7] < "2027-02"  # one round: at most six months
    found = {v["pseudonym"] for v in visits if v["outcome"] == "visited" and in_round(v["day"])}
    got_kid = {pseudonym(key, r[1]) for r in plan["rows"] if r[1]}
    got_home = {r[2] for r in plan["rows"] if r[2]}
    by = defaultdict(lambda: dict(assigned=0, visited=0, received=0, unreached=0, programmes={}))
    for p, team in plan["team_of"].items():
        e = by[team]
        seen = p in found
        got = p in got_kid or (home[p] is not None and home[p]["id"] in got_home)
        e["assigned"] += 1
        e["visited"] += seen
        e["received"] += got
        e["unreached"] += not seen and not got
    recipients = defaultdict(set)
    deliveries = defaultdict(int)
    for prog, kid, hh, village, _day, _q, who in plan["rows"]:
        k = (who or BY[prog], prog)
        deliveries[k] += 1
        recipients[k].add(kid or hh or village)
    for (who, prog), n in deliveries.items():
        by[who]["programmes"][prog] = (n, len(recipients[(who, prog)]))
    # Villages: any delivery to anyone in it, any child of the round found there.
    of_kid = {k["id"]: k["village"] for k in plan["kids"]}
    of_home = {h["id"]: h["village"] for h in plan["homes"]}
    reached = {pseud[p]["village"] for p in found}
    for prog, kid, hh, village, *_ in plan["rows"]:
        reached.add(of_kid[kid] if kid else of_home[hh] if hh else village.replace(".", ""))
    unreached = sorted(v for v in plan["villages"] if v not in reached)
    return by, unreached


def test_plan_against_delivery_equals_python(plan, visits):
    status, body = call(plan, "GET", "/api/coverage/plan", "planner")
    assert status == 200, body
    assert body["period"] == "2026-08"
    want, unreached = expected(plan, visits)
    got = {d["by"]: d for d in body["by"]}
    assert set(got) == set(want)
    for who, w in want.items():
        g = got[who]
        assert {k: g[k] for k in ("assigned", "visited", "received", "unreached")} == \
            {k: w[k] for k in ("assigned", "visited", "received", "unreached")}, who
        assert {p: (x["deliveries"], x["recipients"]) for p, x in g["programmes"].items()} == w["programmes"], who
    # The figures are not trivial: each kind of count is somewhere above zero.
    assert got["DP2KB"]["visited"] == 5 and got["Dinas Kesehatan"]["visited"] == 3
    assert sum(d["received"] for d in body["by"]) > 0
    assert sum(d["unreached"] for d in body["by"]) > 0
    assert got["PT Sponsor"]["assigned"] == 0 and got["PT Sponsor"]["programmes"]["air"]["deliveries"] > 0
    assert sum(d["assigned"] for d in body["by"]) == len(plan["team_of"])
    assert [v["code"] for v in body["villages_unreached"]] == unreached
    assert 0 < len(unreached) < len(plan["villages"])
    assert all(v["name"] for v in body["villages_unreached"])


def test_plan_is_for_staff_and_counts_only(plan, visits):
    assert call(plan, "GET", "/api/coverage/plan", "viewer")[0] == 200
    assert call(plan, "GET", "/api/coverage/plan", "fo")[0] == 403
    assert plan["srv"].request("GET", "/api/coverage/plan", token=None)[0] == 401
    status, body = call(plan, "GET", "/api/coverage/plan?period=1999-01", "planner")
    assert status == 400 and "2026-08" in str(body)
    _, raw = call(plan, "GET", "/api/coverage/plan", "planner")
    text = json.dumps(raw)
    key = plan["key"]
    assert not any(pseudonym(key, k["id"]) in text or k["id"] in text for k in plan["kids"])
    assert not any(h["id"] in text for h in plan["homes"])


def test_a_new_visit_shows_at_once(plan, visits):
    """Visits do not bump the store's revision: the plan reads them per request."""
    before = {d["by"]: d for d in call(plan, "GET", "/api/coverage/plan", "planner")[1]["by"]}
    seen = {v["pseudonym"] for v in visits}
    p = next(p for p, t in sorted(plan["team_of"].items()) if t == "DP2KB" and p not in seen)
    visit(plan, "fo", p, "2026-11-02")
    visits.append(dict(pseudonym=p, day="2026-11-02", outcome="visited"))
    after = {d["by"]: d for d in call(plan, "GET", "/api/coverage/plan", "planner")[1]["by"]}
    assert after["DP2KB"]["visited"] == before["DP2KB"]["visited"] + 1
