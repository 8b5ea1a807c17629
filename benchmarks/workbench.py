"""The editing and sizing targets of DESIGN §8 for `segql serve` and the analysis core:

    python benchmarks/workbench.py [--keystrokes 300] [--events 10M] [--only edit,size]

(a) edit: a 200-segment project; one segment typed character by character. Each keystroke is timed through the
workbench's API (`POST /api/check` with the editor's text: diagnostics and the SQL of three dialects, as the browser
asks) and through the core alone (`Analysis.update` + diagnostics, what a language server does); completion at the
cursor (`POST /api/complete`) likewise. p50 and p95 in ms; the target is 30 ms (p95).
(b) size: for the suite's heaviest segments on DuckDB at 10M events, the size with the count after each condition
(one query, COUNT(*) FILTER per prefix) against a plain COUNT(*) of the segment's own query; the fastest of
alternating runs each; the target is 1.5×. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import run, suite  # noqa: E402

TYPED = ' and (country = "US" or address.state in ["CA", "TX"]) and count(orders where status = "paid") >= 2'
SIZED = ("high_value_lapsed", "churn_risk", "vip", "store_first_mobile_now", "omnichannel_power", "rfm_champions")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2), "n": len(ordered)}


def bench_edit(keystrokes: int) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from segql.analysis import Analysis
    from segql.serve.app import Workbench, create_app

    root = run.project(run.DATA / "project_edit", generated=200, suite_segments=False)
    files = sorted((root / "segments").glob("*.yml"))
    path = files[len(files) // 2]
    base = path.read_text(encoding="utf-8").rstrip("\n")
    file = f"segments/{path.name}"
    analysis = Analysis(root)
    token = "bench"
    bench = Workbench(analysis, token, 8000, None, suite.AS_OF)
    client = TestClient(create_app(bench), base_url="http://127.0.0.1:8000",
                        headers={"Authorization": f"Bearer {token}"})
    typed = (TYPED * (1 + keystrokes // len(TYPED)))[:keystrokes]
    api_check, api_complete, core = [], [], []
    for i in range(1, keystrokes + 1):
        text = base + typed[:i] + "\n"
        t0 = time.perf_counter()
        answer = client.post("/api/check", json={"text": text, "file": file})
        api_check.append(time.perf_counter() - t0)
        assert answer.status_code == 200, answer.text
        t0 = time.perf_counter()
        found = client.post("/api/complete", json={"text": text, "file": file, "offset": len(text) - 1})
        api_complete.append(time.perf_counter() - t0)
        assert found.status_code == 200
        t0 = time.perf_counter()
        analysis.update(file, text)
        analysis.diagnostics(file)
        core.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    Analysis(root)
    opened = time.perf_counter() - t0
    return {"segments": len(files), "file": file, "api_check": percentiles(api_check),
            "api_complete": percentiles(api_complete), "core_update": percentiles(core),
            "open_project_ms": round(opened * 1000, 1)}


def bench_size(events: int, runs: int = 5) -> dict[str, Any]:
    from sqlglot import exp

    from segql import api, insights
    from segql.compile import render

    data = run.ensure_data(events)
    ws = api.open_workspace(run.project(run.DATA / "project_suite"))
    con = run.connect(data)
    rows: dict[str, Any] = {}
    for name in SIZED:
        segment = ws.segment(name)
        query = api.compile_query(ws, segment, "duckdb", suite.AS_OF)
        plain = exp.Select(expressions=[exp.Count(this=exp.Star())]).from_(
            exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("members"))), copy=False)
        plain.meta.update(query.meta)
        plain_sql = render(plain, "duckdb")
        size_sql = insights.size_sql(ws, segment, "duckdb", suite.AS_OF)
        members = con.execute(plain_sql).fetchone()[0]
        report = insights.read_size(segment, con.execute(size_sql).fetchall(), suite.AS_OF)
        if report.members != members:
            raise SystemExit(f"{name}: the size query says {report.members}, the segment's count {members}")
        times: dict[str, list[float]] = {"plain": [], "size": []}
        for _ in range(runs):
            times["plain"].append(run.timed(con, plain_sql)[0])
            times["size"].append(run.timed(con, size_sql)[0])
        best = {k: min(v) for k, v in times.items()}
        rows[name] = {"members": members, "conditions": len(report.conditions), "plain_ms": round(best["plain"] * 1000, 1),
                      "size_ms": round(best["size"] * 1000, 1), "ratio": round(best["size"] / best["plain"], 2)}
        run.log(f"  {name}: {rows[name]['ratio']:.2f}× ({rows[name]['conditions']} conditions)")
    con.close()
    ratios = [r["ratio"] for r in rows.values()]
    return {"events": events, "segments": rows, "max_ratio": max(ratios),
            "geomean_ratio": round(statistics.geometric_mean(ratios), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--events", default="10M")
    parser.add_argument("--only", default="edit,size")
    args = parser.parse_args(argv)
    chosen = set(args.only.split(","))
    result: dict[str, Any] = {"machine": run.machine()}
    if "edit" in chosen:
        run.log("edit: a keystroke in a 200-segment project …")
        result["edit"] = bench_edit(args.keystrokes)
    if "size" in chosen:
        run.log(f"size: the count after each condition at {args.events} events …")
        result["size"] = bench_size(run.generate.parse_count(args.events))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
