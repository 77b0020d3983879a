"""Benchmark, not a test (run by its path, never collected by the suite): how long
`POST /api/deliveries/campaign` takes to answer for the demo city's three villages
with the most baduta families, and how long until `/api/coverage` reports the
answer's revision (the figures count the campaign). The figures in the README's
campaign paragraph come from

    SIGAP_BIN=target/release/sigap .venv/bin/python -m pytest -q -s tests/python/bench_campaign_latency.py
"""
import time

from test_campaign import baduta_homes, call, city  # noqa: F401  (city: the fixture)


def test_campaign_latency(city):
    out = []
    for i, code in enumerate(c for c, _ in baduta_homes(city).most_common(3)):
        body = {"programme": "bansos", "village": code, "date": f"2026-09-0{i + 2}", "group": "baduta",
                "quantity": 1, "unit": "paket", "by": "Dinas Sosial"}
        t0 = time.perf_counter()
        status, got = call(city, "POST", "/api/deliveries/campaign", "planner", body)
        answered = time.perf_counter() - t0
        assert status == 201, got
        while call(city, "GET", "/api/coverage", "planner")[1]["revision"] < got["revision"]:
            time.sleep(0.05)
        shown = time.perf_counter() - t0
        out.append(f"{code}: {got['added']} families, answer {answered:.2f} s, figures {shown:.2f} s")
    print("\n" + "\n".join(out))
