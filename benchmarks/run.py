"""`make bench`: measure segql against DESIGN §8's targets and write docs/performance.md.

    python benchmarks/run.py [--events 10M|100M] [--only compile,validate,duckdb,memberships,big] [--out FILE]

(a) check + compile + render of 1,000 generated segments for each dialect, and prqlc on equivalent PRQL;
(b) `segql validate` of a 200-segment project as a whole process; (c) each suite segment on DuckDB at 10M
events against its hand-written SQL (after checking both select the same members); (d) one memberships
query over 50 segments against one segment and against 50 separate queries; (e) with `--events 100M`
(or BENCH_EVENTS=100M): peak memory and time at 100M events, else the numbers of the last such run,
kept in benchmarks/results_100m.json. Every figure is from one run: the fastest of its repeats, a median over
segments, or a ratio of those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks import generate, suite, templates  # noqa: E402

DATA = HERE / "data"
DIALECTS = ("duckdb", "postgres", "snowflake")
BIG_RESULTS = HERE / "results_100m.json"
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
BIG_SEGMENTS = ("high_value_lapsed", "store_first_mobile_now", "rfm_champions", "omnichannel_power")
SEED = 20260630


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- the machine ----


def machine() -> dict[str, str]:
    import duckdb
    import sqlglot

    info = {"cores": str(os.cpu_count()), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "sqlglot": sqlglot.__version__, "os": f"{platform.system()} {platform.machine()}"}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info["sqlglot_c"] = "yes" if _installed("sqlglotc") else "no"
    info["prqlc"] = _version("prqlc") or "not installed"
    return info


def _installed(name: str) -> bool:
    return _version(name) is not None


def _version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# ---- helpers ----


def project(dest: Path, generated: int = 0, suite_segments: bool = True) -> Path:
    """A project folder: the suite's segments (retail + heavy) and/or `generated` template segments."""
    suite.bench_project(dest)
    if not suite_segments:
        for path in (dest / "segments").glob("*.yml"):
            path.unlink()
    if generated:
        templates.write_segments(dest / "segments", generated, seed=7)
    return dest


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- (a) check + compile + render ----


def bench_compile(n: int = 1000, repeat: int = 5) -> dict[str, Any]:
    from segql import api
    from segql.compile import TableMap, compile_segment, render

    root = project(DATA / "project_compile", generated=n, suite_segments=False)
    started = time.perf_counter()
    loaded = api.load(root)
    loaded_at = time.perf_counter()
    result = api.check(loaded)
    checked_at = time.perf_counter()
    assert not [d for d in result.diagnostics if d.is_error], "the generated segments must be valid"
    ws = api.Workspace(loaded, result)
    tables = TableMap.from_schema(loaded.schema)
    out: dict[str, Any] = {"segments": n, "load_ms_per_segment": (loaded_at - started) * 1000 / n,
                           "check_ms_per_segment": (checked_at - loaded_at) * 1000 / n, "dialects": {}}
    segments = ws.segments(())
    for dialect in DIALECTS:
        builds, renders, totals = [], [], []
        for segment in segments:
            b, r = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                query = compile_segment(segment, tables=tables, dialect=dialect, as_of=suite.AS_OF, timezone="UTC")
                t1 = time.perf_counter()
                render(query, dialect)
                t2 = time.perf_counter()
                b.append(t1 - t0)
                r.append(t2 - t1)
            # the fastest of the repeats: what the code costs, with the least of what other processes add (the
            # 2-core machine is shared, and its speed varies by half within an hour)
            builds.append(min(b))
            renders.append(min(r))
            totals.append(min(x + y for x, y in zip(b, r, strict=True)))
        ordered = sorted(totals)
        out["dialects"][dialect] = {
            "build_ms": median_ms(builds), "render_ms": median_ms(renders), "total_ms": median_ms(totals),
            "p90_ms": ordered[int(0.9 * len(ordered))] * 1000, "max_ms": ordered[-1] * 1000,
        }
        log(f"  compile {dialect}: median {out['dialects'][dialect]['total_ms']:.3f} ms")
    out["prql"] = bench_prqlc(ws, tables)
    return out


def bench_prqlc(ws: Any, tables: Any, repeat: int = 30) -> dict[str, Any]:
    """prqlc.compile on the PRQL of a few suite segments, against segql on the same segments."""
    try:
        import prqlc
    except ImportError:
        return {"error": "prqlc is not installed (pip install prqlc, or make bench, which installs the bench extra)"}
    from segql import api
    from segql.compile import compile_segment, render

    suite_ws = api.open_workspace(project(DATA / "project_suite"))
    rows: dict[str, Any] = {}
    for path in sorted((HERE / "prql").glob("*.prql")):
        text = path.read_text(encoding="utf-8")
        segment = suite_ws.segment(path.stem)
        row: dict[str, Any] = {}
        for dialect in DIALECTS:
            options = prqlc.CompileOptions(target=f"sql.{dialect}", format=True, signature_comment=False)
            prqlc.compile(text, options)
            p, s = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                prqlc.compile(text, options)
                t1 = time.perf_counter()
                render(compile_segment(segment, tables=tables, dialect=dialect, as_of=suite.AS_OF), dialect)
                t2 = time.perf_counter()
                p.append(t1 - t0)
                s.append(t2 - t1)
            row[dialect] = {"prqlc_ms": median_ms(p), "segql_ms": median_ms(s)}
        rows[path.stem] = row
    return {"version": prqlc.__version__, "segments": rows}


# ---- (b) validate as a whole process ----


def bench_validate(n: int = 200, runs: int = 15) -> dict[str, Any]:
    root = project(DATA / "project_validate", generated=n, suite_segments=False)
    segql = Path(sys.executable).parent / "segql"
    command = [str(segql), "validate", "--project", str(root), "--format", "short"]
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(command, check=True, capture_output=True, env=env)  # warm the file cache and Lark's cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
        assert done.returncode == 0, done.stderr
    probe = ("import sys, runpy; sys.argv = ['segql', 'validate', '--project', sys.argv[1], '--format', 'short']\n"
             "try:\n    from segql.cli import main; main()\nexcept SystemExit:\n    pass\n"
             "print(','.join(sorted(m for m in ('sqlglot', 'duckdb', 'psycopg', 'snowflake') if m in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True, env=env)
    return {"segments": n, "runs": runs, "median_s": statistics.median(times), "min_s": min(times),
            "heavy_modules_loaded": loaded.stdout.strip().splitlines()[-1] if loaded.stdout.strip() else ""}


# ---- (c) DuckDB: compiled against hand-written ----


def ensure_data(events: int, customers: int = 1_000_000, memory_limit: str | None = None) -> Path:
    label = f"{events // 1_000_000}M" if events >= 1_000_000 else str(events)
    folder = DATA / label
    stamp = folder / "generated.json"
    wanted = {"customers": customers, "events": events, "seed": SEED, "generator": _generator_digest()}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return folder
    log(f"generating {label} events for {customers:,} customers into {folder} …")
    started = time.perf_counter()
    generate.generate(folder, customers, events, SEED, memory_limit=memory_limit)
    stamp.write_text(json.dumps(wanted))
    log(f"  done in {time.perf_counter() - started:.0f}s")
    return folder


def _generator_digest() -> str:
    import hashlib

    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:16]


def connect(data: Path, memory_limit: str | None = None, threads: int | None = None) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{DATA / 'duckdb_tmp'}'")
    generate.attach(con, data)
    return con


def timed(con: Any, sql: str) -> tuple[float, float]:
    """(wall, CPU) seconds of running a query to the end."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    con.execute(sql).fetchall()
    return time.perf_counter() - t0, cpu_seconds() - c0


def bench_duckdb(data: Path, runs: int = 9) -> dict[str, Any]:
    """Per segment: check that the members agree, then alternate compiled and hand-written runs (warm)."""
    from segql import api

    ws = api.open_workspace(project(DATA / "project_suite"))
    con = connect(data)
    rows: dict[str, Any] = {}
    for name in suite.segment_names():
        compiled, hand = suite.compiled_sql(ws, name), suite.handwritten(name)
        got, expected = suite.members(con, compiled), suite.members(con, hand)
        if got != expected:
            raise SystemExit(f"{name}: the compiled segment selects {len(got)} customers, the hand-written SQL "
                             f"{len(expected)}; fix one of them before timing")
        samples: dict[str, list[tuple[float, float]]] = {"compiled": [], "hand": []}
        for _ in range(runs):  # alternate, so that load from other processes hits both alike
            samples["compiled"].append(timed(con, compiled))
            samples["hand"].append(timed(con, hand))
        # the fastest run of each: the same query varies by ±15% from run to run on the shared machine
        wall = {k: min(s[0] for s in v) for k, v in samples.items()}
        cpu = {k: min(s[1] for s in v) for k, v in samples.items()}
        rows[name] = {"members": len(got), "compiled_ms": wall["compiled"] * 1000, "hand_ms": wall["hand"] * 1000,
                      "ratio": wall["compiled"] / wall["hand"], "cpu_ratio": cpu["compiled"] / cpu["hand"]}
        log(f"  {name}: {rows[name]['ratio']:.2f}× (CPU {rows[name]['cpu_ratio']:.2f}×)")
    con.close()
    return rows


# ---- (d) memberships over 50 segments ----


def bench_memberships(data: Path, n: int = 50, runs: int = 3) -> dict[str, Any]:
    """The suite's segments plus generated ones up to n: one memberships query against each segment alone."""
    from sqlglot import exp

    from segql import api
    from segql.compile import TableMap, compile_memberships, compile_segment, render

    root = project(DATA / "project_memberships", generated=n)
    ws = api.open_workspace(root)
    names = suite.segment_names()
    names += [s for s in sorted(ws.result.segments) if s.startswith("gen_")][: n - len(names)]
    segments = [ws.segment(name) for name in names]
    tables = TableMap.from_schema(ws.loaded.schema)
    d = "duckdb"
    query = compile_memberships(segments, tables=tables, dialect=d, as_of=suite.AS_OF, timezone="UTC")
    # count each segment's members from the one query, so that fetching a million rows is not timed
    counts = [exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=exp.column(name, "m")))
              for name in names]
    together = render(exp.Select(expressions=counts).from_(
        exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("m"))), copy=False), d)
    alone = {}
    for segment in segments:
        q = compile_segment(segment, tables=tables, dialect=d, as_of=suite.AS_OF, timezone="UTC")
        alone[segment.name] = render(exp.Select(expressions=[exp.Count(this=exp.Star())]).from_(
            exp.Subquery(this=q, alias=exp.TableAlias(this=exp.to_identifier("m"))), copy=False), d)
    con = connect(data)
    sizes = con.execute(together).fetchone()
    for name, size in zip(names, sizes, strict=True):
        assert con.execute(alone[name]).fetchone()[0] == size, f"{name}: memberships and the segment disagree"
    all_times = [timed(con, together)[0] for _ in range(runs)]
    single = {name: min(timed(con, sql)[0] for _ in range(runs)) for name, sql in alone.items()}
    con.close()
    all_s = min(all_times)  # fastest runs, as for (c)
    typical = statistics.median(single.values())
    slowest_name = max(single, key=single.__getitem__)
    return {"segments": len(names), "all_s": all_s, "one_median_s": typical, "slowest": slowest_name,
            "slowest_s": single[slowest_name], "separate_sum_s": sum(single.values()),
            "ratio_to_median_one": all_s / typical, "ratio_to_slowest_one": all_s / single[slowest_name],
            "ratio_separate": sum(single.values()) / typical}


# ---- (e) 100M events: time and peak memory, each segment in a child process ----


def bench_big(events: int, memory_limit: str = "16GB") -> dict[str, Any]:
    data = ensure_data(events, memory_limit=memory_limit)
    results: dict[str, Any] = {"date": dt.date.today().isoformat(), "events": events, "memory_limit": memory_limit,
                               "threads": 2, "segments": {}}
    for name in (*BIG_SEGMENTS, "__memberships__"):
        code = (f"import sys, time, resource; sys.path.insert(0, {str(ROOT)!r})\n"
                "from benchmarks import run\n"
                f"print(run.big_child({name!r}, {str(data)!r}, {memory_limit!r}))\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode != 0:
            results["segments"][name] = {"error": done.stderr.strip().splitlines()[-1]}
        else:
            line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{"))
            results["segments"][name] = json.loads(line)
        log(f"  100M {name}: {results['segments'][name]}")
    files = sum(p.stat().st_size for p in data.glob("*.parquet"))
    results["parquet_gib"] = files / 2**30
    return results


def big_child(name: str, data: str, memory_limit: str) -> str:
    """In a fresh process: run one segment (or the memberships of all) twice; time of each, peak RSS."""
    from sqlglot import exp

    from segql import api
    from segql.compile import TableMap, compile_memberships, render

    ws = api.open_workspace(project(DATA / "project_big"))
    con = connect(Path(data), memory_limit=memory_limit, threads=2)
    if name == "__memberships__":
        tables = TableMap.from_schema(ws.loaded.schema)
        names = suite.segment_names()
        query = compile_memberships([ws.segment(n) for n in names], tables=tables, dialect="duckdb",
                                    as_of=suite.AS_OF, timezone="UTC")
        counts = [exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=exp.column(n, "m")))
                  for n in names]
        sql = render(exp.Select(expressions=counts).from_(
            exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("m"))), copy=False), "duckdb")
    else:
        sql = f"SELECT count(*) FROM ({suite.compiled_sql(ws, name)}) AS m"
    times = [timed(con, sql)[0] for _ in range(2)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB → GiB
    return json.dumps({"first_s": times[0], "second_s": times[1], "peak_rss_gib": peak})


# ---- the report ----


def report(info: dict[str, str], results: dict[str, Any], big: dict[str, Any] | None) -> str:
    lines = ["# Performance", "",
             "Measured by `make bench` (benchmarks/run.py) against the targets of DESIGN §8. Every figure is from",
             "one run: the fastest of its repeats, a median over segments, or a ratio of those. The machine is a",
             "shared virtual machine whose speed varies (see \"Reading the numbers\"); the DuckDB table also gives",
             "the ratio of CPU time.", "",
             f"Measured {results['date']} on: {info.get('cpu', '?')}, {info['cores']} cores, "
             f"{info.get('memory', '?')} memory; {info['os']}; Python {info['python']}, duckdb {info['duckdb']}, "
             f"sqlglot {info['sqlglot']} (compiled sqlglot[c]: {info['sqlglot_c']}), prqlc {info['prqlc']}.", ""]
    targets = summary(results, big)
    lines += ["## Targets", "", "| target (DESIGN §8) | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets]
    lines.append("")
    if "compile" in results:
        c = results["compile"]
        lines += ["## (a) Check and compile", "",
                  f"{c['segments']} segments generated from templates over the retail schema "
                  "(benchmarks/templates.py). Loading (YAML + parsing) "
                  f"{c['load_ms_per_segment']:.3f} ms and checking {c['check_ms_per_segment']:.3f} ms a segment; "
                  "then per segment and dialect, the fastest of 5 runs of building the sqlglot tree and rendering it (the table: the median and p90 of those over the segments):",
                  "", "| dialect | build | render | build + render (median) | p90 | max |", "|---|---|---|---|---|---|"]
        for d, r in c["dialects"].items():
            lines.append(f"| {d} | {r['build_ms']:.3f} ms | {r['render_ms']:.3f} ms | **{r['total_ms']:.3f} ms** | "
                         f"{r['p90_ms']:.3f} ms | {r['max_ms']:.3f} ms |")
        prql = c.get("prql", {})
        lines.append("")
        if "error" in prql:
            lines += [f"prqlc: {prql['error']}.", ""]
        else:
            lines += [f"The same queries written in PRQL (benchmarks/prql/) and compiled by prqlc {prql['version']} "
                      "(`prqlc.compile`, Rust), against segql's compile + render of the segment (median of 30):", "",
                      "| segment | " + " | ".join(f"{d}: prqlc / segql" for d in DIALECTS) + " |",
                      "|---|" + "---|" * len(DIALECTS)]
            for name, row in prql["segments"].items():
                lines.append(f"| {name} | " + " | ".join(
                    f"{row[d]['prqlc_ms']:.3f} / {row[d]['segql_ms']:.3f} ms" for d in DIALECTS) + " |")
            lines.append("")
    if "validate" in results:
        v = results["validate"]
        lines += ["## (b) `segql validate`, whole process", "",
                  f"A project of {v['segments']} generated segments, `segql validate --format short` run "
                  f"{v['runs']} times as a subprocess (start-up included): median **{v['median_s']:.3f} s**, "
                  f"fastest {v['min_s']:.3f} s. Heavy modules imported by validate: "
                  f"{v['heavy_modules_loaded'] or 'none (no sqlglot, duckdb or drivers)'}.", ""]
    if "duckdb" in results:
        rows = results["duckdb"]
        lines += ["## (c) Compiled segments against hand-written SQL on DuckDB", "",
                  f"{results.get('events_label', '10M')} events (benchmarks/generate.py, Parquet). Each compiled "
                  "segment (as of 2026-06-30) and its hand-written SQL (benchmarks/handwritten/) were first checked "
                  "to select exactly the same members, then run alternately, 9 times each, warm; the fastest run of each.",
                  "", "| segment | members | compiled | hand-written | ratio | CPU ratio |", "|---|---|---|---|---|---|"]
        for name, r in sorted(rows.items(), key=lambda kv: -kv[1]["ratio"]):
            mark = " ⚠" if r["ratio"] > 1.1 else ""
            lines.append(f"| {name} | {r['members']:,} | {r['compiled_ms']:.0f} ms | {r['hand_ms']:.0f} ms | "
                         f"{r['ratio']:.2f}×{mark} | {r['cpu_ratio']:.2f}× |")
        ratios = [r["ratio"] for r in rows.values()]
        lines += ["", f"Median ratio {statistics.median(ratios):.2f}×; geometric mean "
                      f"{statistics.geometric_mean(ratios):.2f}×; worst {max(ratios):.2f}×.", ""]
    if "memberships" in results:
        m = results["memberships"]
        lines += ["## (d) `run --all`: one memberships query over 50 segments", "",
                  f"{m['segments']} segments (the suite and generated ones) at {results.get('events_label', '10M')} "
                  "events, each query counted to the end (the fastest of 3 runs):", "",
                  "| what | time |", "|---|---|",
                  f"| one memberships query, all {m['segments']} segments | {m['all_s']:.2f} s |",
                  f"| one segment alone (median over the {m['segments']}) | {m['one_median_s']:.2f} s |",
                  f"| the slowest segment alone ({m['slowest']}) | {m['slowest_s']:.2f} s |",
                  f"| {m['segments']} separate queries | {m['separate_sum_s']:.2f} s |", "",
                  f"All together: {m['ratio_to_median_one']:.1f}× one typical segment, "
                  f"{m['ratio_to_slowest_one']:.1f}× the slowest; {m['segments']} separate queries: "
                  f"{m['ratio_separate']:.1f}× one typical segment.", ""]
    lines += big_section(big)
    notes = HERE / "analysis.md"  # written by hand: why a target is missed, what was changed for speed
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def big_section(big: dict[str, Any] | None) -> list[str]:
    if not big:
        return ["## (e) 100M events", "", "Not measured yet: run `make bench BENCH_EVENTS=100M`.", ""]
    lines = ["## (e) 100M events", "",
             f"Measured {big['date']}: {big['events'] / 1e6:.0f}M event rows in Parquet "
             f"({big['parquet_gib']:.1f} GiB), 1M customers, DuckDB with {big['threads']} threads and "
             f"memory_limit {big['memory_limit']} (spilling to a temporary directory), each query in a fresh "
             "process, run twice; peak RSS of the process:", "",
             "| query | first run | second run | peak RSS |", "|---|---|---|---|"]
    for name, r in big["segments"].items():
        label = "memberships of the 28 suite segments" if name == "__memberships__" else name
        if "error" in r:
            lines.append(f"| {label} | failed: {r['error']} | | |")
        else:
            lines.append(f"| {label} | {r['first_s']:.1f} s | {r['second_s']:.1f} s | {r['peak_rss_gib']:.2f} GiB |")
    if "note" in big:
        lines += ["", big["note"]]
    return [*lines, ""]


def summary(results: dict[str, Any], big: dict[str, Any] | None) -> list[tuple[str, str, bool]]:
    rows = []
    if "compile" in results:
        worst = max(results["compile"]["dialects"].items(), key=lambda kv: kv[1]["total_ms"])
        text = ", ".join(f"{d} {r['total_ms']:.2f} ms" for d, r in results["compile"]["dialects"].items())
        rows.append(("check + compile ≤ 1 ms per segment per dialect",
                     f"check {results['compile']['check_ms_per_segment']:.2f} ms; build + render {text}",
                     worst[1]["total_ms"] + results["compile"]["check_ms_per_segment"] <= 1.0))
    if "validate" in results:
        v = results["validate"]
        rows.append(("validate, 200 segments, whole process < 0.5 s", f"{v['median_s']:.3f} s", v["median_s"] < 0.5))
    if "duckdb" in results:
        d = results["duckdb"]
        over = [f"{n} {r['ratio']:.2f}×" for n, r in d.items() if r["ratio"] > 1.1]
        worst = max(r["ratio"] for r in d.values())
        rows.append(("every compiled segment ≤ 1.1× hand-written (DuckDB, 10M events)",
                     f"worst {worst:.2f}×; over 1.1×: {', '.join(over) or 'none'}", not over))
    if "memberships" in results:
        m = results["memberships"]
        rows.append(("run --all of 50 segments ≤ 2× one segment",
                     f"{m['ratio_to_median_one']:.1f}× a typical segment, {m['ratio_to_slowest_one']:.1f}× the "
                     f"slowest (50 separate queries: {m['ratio_separate']:.0f}×)", m["ratio_to_median_one"] <= 2))
    if big:
        ok = all("error" not in r for r in big["segments"].values())
        peak = max((r.get("peak_rss_gib", 0) for r in big["segments"].values()), default=0)
        rows.append(("100M events on 2 cores within 24 GiB", f"peak RSS {peak:.1f} GiB ({big['date']})", ok))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", default=os.environ.get("BENCH_EVENTS", "10M"),
                        help="10M (default) or 100M: 100M also measures (e) at 100M events")
    parser.add_argument("--only", default="compile,validate,duckdb,memberships,big")
    parser.add_argument("--out", type=Path, default=PERFORMANCE_MD)
    parser.add_argument("--report-only", action="store_true",
                        help="write the report again from benchmarks/data/results.json, measuring nothing")
    args = parser.parse_args(argv)
    if args.report_only:
        saved = json.loads((DATA / "results.json").read_text())
        info = saved.pop("machine")
        big = json.loads(BIG_RESULTS.read_text()) if BIG_RESULTS.exists() else None
        args.out.write_text(report(info, saved, big), encoding="utf-8")
        return 0
    parts = set(args.only.split(","))
    big_events = generate.parse_count(args.events)
    info = machine()
    results: dict[str, Any] = {"date": dt.date.today().isoformat(), "events_label": "10M"}
    saved = DATA / "results.json"
    if saved.exists() and parts != {"compile", "validate", "duckdb", "memberships", "big"}:
        # a partial run (--only) keeps the other parts' last measurements in the report
        previous = json.loads(saved.read_text())
        results.update({k: v for k, v in previous.items() if k in ("compile", "validate", "duckdb", "memberships")})
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("compile", bench_compile), ("validate", bench_validate),
        ("duckdb", lambda: bench_duckdb(ensure_data(10_000_000))),
        ("memberships", lambda: bench_memberships(ensure_data(10_000_000))),
    ]
    for name, step in steps:
        if name in parts:
            log(f"({name}) …")
            results[name] = step()
    big = json.loads(BIG_RESULTS.read_text()) if BIG_RESULTS.exists() else None
    if "big" in parts and big_events >= 100_000_000:
        log("(100M) …")
        big = bench_big(big_events)
        BIG_RESULTS.write_text(json.dumps(big, indent=2) + "\n")
    (DATA / "results.json").write_text(json.dumps({"machine": info, **results}, indent=2))
    text = report(info, results, big)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
