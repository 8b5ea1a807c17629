"""Operating segments on a target: `run --all` (one query, long and wide shapes), `count` and `overlap` (one query,
checked against set arithmetic on the members), duckdb targets reading tables from Parquet/CSV files, `targets
check`, the PII guard, secrets never shown, and no progress in piped output. On DuckDB and on the session's PostgreSQL.

The data is the retail example's seeded generator; the expected members of each segment come from its own compiled
SQL (`segql compile`) executed directly, so every test compares one query against 24 independent ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import duckdb
import pytest

from tests import cli, pg_server
from tests.conftest import RETAIL_GROUPS, RETAIL_SEGMENTS

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF = "2026-06-30"
SECRET = "s3cr3t-Vx81"  # a value from the environment that must never be shown


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    return cli.invoke(*args, env={"NO_COLOR": "1", **(env or {})})


def make_project(root: Path, targets: str, database: Path | None = None) -> Path:
    """The retail example in `root` with `targets:` replaced (YAML lines under `targets:`, the first one the default)
    and its own copy of the data file."""
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / item)
    config = (RETAIL / "segql.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^targets:\n(?:  .*\n)+", "targets:\n" + targets, config)
    config = re.sub(r"(?m)^default_target: \w+$", "default_target: " + targets.split(":")[0].strip(), config)
    (root / "segql.yml").write_text(config, encoding="utf-8")
    if database is not None:
        (root / "data").mkdir(exist_ok=True)
        shutil.copy(database, root / "data" / "retail.duckdb")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> Path:
    return make_project(tmp_path_factory.mktemp("retail"), "  local: {type: duckdb, path: data/retail.duckdb}\n"
                        '  warehouse: {type: postgres, dsn: "${SEGQL_PG_DSN}"}\n', retail_duckdb)


@pytest.fixture(scope="module")
def expected(project: Path, retail_duckdb: Path) -> dict[str, set[int]]:
    """Every segment's members from its own query (`segql compile`, run directly on the DuckDB file)."""
    from segql import api

    ws = api.open_workspace(project)
    con = duckdb.connect(str(retail_duckdb), read_only=True)
    try:
        return {s.name: {r[0] for r in con.execute(api.compile_sql(ws, s, "duckdb", api_date())).fetchall()}
                for s in ws.segments([])}
    finally:
        con.close()


def api_date():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.date.fromisoformat(AS_OF)


def long_members(out: str) -> dict[str, set[int]]:
    got: dict[str, set[int]] = {}
    for line in out.splitlines():
        row = json.loads(line)
        got.setdefault(row["segment"], set()).add(row["customer_id"])
    return got


# ---- run --all ----

def test_run_all_members_equal_each_segments_own_query(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, err = invoke("run", "--all", "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0, err
    got = long_members(out)
    assert len(expected) == RETAIL_SEGMENTS and sum(map(len, expected.values())) > 0
    assert {name: got.get(name, set()) for name in expected} == expected
    assert set(got) <= set(expected)


def test_run_wide_is_one_row_per_customer_in_any_segment(project: Path, expected: dict[str, set[int]],
                                                         tmp_path: Path) -> None:
    code, out, err = invoke("run", "--all", "--shape", "wide", "--project", str(project), "--as-of", AS_OF,
                            "--format", "csv")
    assert code == 0, err
    lines = out.splitlines()
    header = lines[0].split(",")
    assert header == ["customer_id", *sorted(expected), "campaign_waves_group", "cart_abandoners_group"]
    header = header[:1 + len(expected)]
    rows = [line.split(",") for line in lines[1:]]
    keys = [int(r[0]) for r in rows]
    assert keys == sorted(set().union(*expected.values())), "every customer in some segment, once, by key"
    for i, name in enumerate(header[1:], start=1):
        assert {int(r[0]) for r in rows if r[i] == "true"} == expected[name]
        assert all(r[i] in ("true", "false") for r in rows)
    parquet = tmp_path / "wide.parquet"
    code, _, _ = invoke("run", "vip", "churn_risk", "--shape", "wide", "--project", str(project), "--as-of", AS_OF,
                        "--format", "parquet", "--output", str(parquet))
    assert code == 0
    got = duckdb.sql(f"SELECT customer_id, vip, churn_risk FROM read_parquet('{parquet}')").fetchall()
    assert {k for k, vip, _ in got if vip is True} == expected["vip"]
    assert {k for k, _, churn in got if churn is True} == expected["churn_risk"]


def test_one_named_segment_still_writes_only_keys(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, _ = invoke("run", "vip", "--project", str(project), "--as-of", AS_OF, "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "customer_id"
    assert [int(x) for x in out.splitlines()[1:]] == sorted(expected["vip"])


@pytest.mark.parametrize(("args", "fragment"), [
    (["run"], "needs segment names or --all"),
    (["run", "vip", "--all"], "not both"),
    (["run", "--all", "--shape", "tall"], "--shape"),
])
def test_run_wrong_calls(project: Path, args: list[str], fragment: str) -> None:
    code, out, err = invoke(*args, "--project", str(project))
    assert code == 2 and fragment in out + err


def test_run_all_params_apply_to_the_segments_declaring_them(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, _ = invoke("run", "--all", "--param", "min_spend=100", "--project", str(project), "--as-of", AS_OF,
                          "--format", "jsonl")
    assert code == 0
    got = long_members(out)
    assert got["high_value_lapsed"] > expected["high_value_lapsed"]  # both declare min_spend
    assert got["vip"] > expected["vip"]
    assert got["churn_risk"] == expected["churn_risk"]
    code, _, err = invoke("run", "--all", "--param", "nothing=1", "--project", str(project), "--as-of", AS_OF)
    assert code == 2 and "nothing" in err


# ---- count and overlap ----

def test_count_is_one_query_agreeing_with_the_members(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, err = invoke("count", "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0, err
    rows = {r["segment"]: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == set(expected) | set(RETAIL_GROUPS)
    for name, members in expected.items():
        assert rows[name]["members"] == len(members)
        assert rows[name]["share_pct"] == round(100 * len(members) / 5000, 2)


def test_overlap_pairs_agree_with_set_arithmetic(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, err = invoke("overlap", "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    names = sorted(expected)
    assert [(r["segment_a"], r["segment_b"]) for r in rows] == list(combinations(names, 2))
    for r in rows:
        a, b = expected[r["segment_a"]], expected[r["segment_b"]]
        assert (r["size_a"], r["size_b"], r["both"]) == (len(a), len(b), len(a & b))
        assert r["jaccard"] == round(len(a & b) / len(a | b), 4) if a | b else r["jaccard"] == 0
    assert any(r["both"] for r in rows) and any(not r["both"] for r in rows)


@pytest.mark.parametrize("measure", ["count", "jaccard"])
def test_overlap_matrix(project: Path, expected: dict[str, set[int]], measure: str) -> None:
    names = ["vip", "churn_risk", "high_value_lapsed", "loyal_veterans"]
    code, out, err = invoke("overlap", *names, "--matrix", measure, "--project", str(project), "--as-of", AS_OF,
                            "--format", "csv")
    assert code == 0, err
    lines = [line.split(",") for line in out.splitlines()]
    assert lines[0] == ["segment", *names]
    for row in lines[1:]:
        a = expected[row[0]]
        for name, value in zip(names, row[1:], strict=True):
            b = expected[name]
            want = len(a & b) if measure == "count" else round(len(a & b) / len(a | b), 4) if a | b else 0.0
            assert float(value) == want


def test_overlap_of_one_segment_has_no_pairs(project: Path) -> None:
    code, out, _ = invoke("overlap", "vip", "--project", str(project), "--as-of", AS_OF, "--format", "csv")
    assert code == 0 and out.splitlines() == ["segment_a,segment_b,size_a,size_b,both,jaccard"]


# ---- duckdb targets over Parquet and CSV files ----

@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> Path:
    """The example data as files: Parquet per table, orders split over three files (a glob), addresses as CSV."""
    folder = tmp_path_factory.mktemp("lake")
    (folder / "orders").mkdir()
    con = duckdb.connect(str(retail_duckdb), read_only=True)
    try:
        for table, name in [("crm.customers", "customers.parquet"), ("web.sessions", "sessions.parquet"),
                            ("support.tickets", "tickets.parquet"), ("marketing.email_events", "email.parquet"),
                            ("sales.order_items", "items.parquet"), ("web.product_views", "views.parquet"),
                            ("shop.cart_adds", "cart.parquet"), ("shop.reviews", "reviews.parquet")]:
            con.execute(f"COPY {table} TO '{folder / name}' (FORMAT parquet)")
        for part in range(3):
            con.execute(f"COPY (SELECT * FROM sales.orders WHERE order_id % 3 = {part}) "
                        f"TO '{folder / 'orders' / f'part-{part}.parquet'}' (FORMAT parquet)")
        con.execute(f"COPY crm.addresses TO '{folder / 'addresses.csv'}' (HEADER)")
    finally:
        con.close()
    return folder


LAKE_TABLES = ('{{crm.customers: "{d}/customers.parquet", crm.addresses: "{d}/addresses.csv", '
               'sales.orders: "{d}/orders/*.parquet", web.sessions: "{d}/sessions.parquet", '
               'support.tickets: "{d}/tickets.parquet", marketing.email_events: "{d}/email.parquet", '
               'sales.order_items: "{d}/items.parquet", web.product_views: "{d}/views.parquet", '
               'shop.cart_adds: "{d}/cart.parquet", shop.reviews: "{d}/reviews.parquet"}}')


def test_tables_from_files_give_the_members_of_the_database(tmp_path: Path, lake: Path, retail_duckdb: Path,
                                                            expected: dict[str, set[int]]) -> None:
    shutil.copytree(lake, tmp_path / "lake")
    project = make_project(tmp_path, "  lake: {type: duckdb, path: ':memory:', tables: "
                           + LAKE_TABLES.format(d="lake") + "}\n"
                           "  mixed: {type: duckdb, path: data/retail.duckdb, tables: "
                           "{sales.orders: 'lake/orders/*.parquet'}}\n", retail_duckdb)
    for target in ("lake", "mixed"):
        code, out, err = invoke("run", "--all", "--target", target, "--project", str(project), "--as-of", AS_OF,
                                "--format", "jsonl")
        assert code == 0, err
        got = long_members(out)
        assert {name: got.get(name, set()) for name in expected} == expected, target
        code, out, err = invoke("targets", "check", "--target", target, "--project", str(project))
        assert code == 0, out + err
    # the database file of `mixed` is only read: its tables are views in memory, nothing is written to it
    con = duckdb.connect(str(project / "data" / "retail.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone() == (0,)
    con.close()


@pytest.mark.parametrize(("tables", "fragment"), [
    ("{crm.customer: x.parquet}", "maps `crm.customer`, which is not a table of schema.yml"),
    ("{crm.customer: x.parquet}", "did you mean `crm.customers`?"),
    ("{crm.customers: x.xlsx}", "cannot tell how to read `x.xlsx`"),
    ("{crm.customers: ''}", "maps to no file"),
    ("[a, b]", "must be a mapping"),
])
def test_table_mappings_are_validated(tmp_path: Path, tables: str, fragment: str) -> None:
    project = make_project(tmp_path, f"  local: {{type: duckdb, path: ':memory:', tables: {tables}}}\n")
    code, out, err = invoke("validate", "--project", str(project), "--format", "short")
    assert code == 1 and fragment in out, out + err
    assert "segql.yml:" in out


def test_a_postgres_target_cannot_map_tables(tmp_path: Path) -> None:
    project = make_project(tmp_path, "  pg: {type: postgres, dsn: x, tables: {crm.customers: c.parquet}}\n")
    code, out, _ = invoke("validate", "--project", str(project), "--format", "short")
    assert code == 1 and "E406" in out and "only duckdb targets map tables to files" in out


def test_a_missing_file_is_e406_when_the_target_opens(tmp_path: Path) -> None:
    project = make_project(tmp_path, "  local: {type: duckdb, path: ':memory:', tables: "
                           "{sales.orders: 'nowhere/*.parquet'}}\n")
    code, _, err = invoke("count", "vip", "--project", str(project), "--as-of", AS_OF)
    assert code == 1 and "E406" in err and "cannot read `sales.orders` from `nowhere/*.parquet`" in err


# ---- targets check ----

def test_targets_check_reports_a_dropped_column_and_a_missing_table(tmp_path: Path, retail_duckdb: Path) -> None:
    project = make_project(tmp_path, "  local: {type: duckdb, path: data/retail.duckdb}\n", retail_duckdb)
    con = duckdb.connect(str(project / "data" / "retail.duckdb"))
    con.execute("ALTER TABLE sales.orders DROP COLUMN discount_code")
    con.execute("DROP TABLE support.tickets")
    con.close()
    code, out, err = invoke("targets", "check", "--project", str(project))
    assert code == 1, out + err
    lines = {line.split()[0] + " " + line.split()[-1] for line in out.splitlines()[1:]}
    assert "COLUMNS discount_code" in lines
    assert "MISSING found" in lines
    assert "2 with problems" in err
    code, out, _ = invoke("targets", "check", "--project", str(project), "--format", "jsonl")
    rows = {r["table"]: r for r in map(json.loads, out.splitlines())}
    assert code == 1 and len(rows) == 10
    assert rows["sales.orders"]["exists"] and rows["sales.orders"]["missing"] == ["discount_code"]
    assert not rows["support.tickets"]["exists"] and "satisfaction" in rows["support.tickets"]["missing"]
    assert rows["crm.customers"] == {"target": "local", "role": "customer table", "table": "crm.customers",
                                     "exists": True, "missing": [], "ok": True}


def test_targets_check_reads_the_physical_join_and_time_columns(project: Path) -> None:
    from segql import api, operations

    declared = operations.declared_columns(api.open_workspace(project))
    assert declared[("crm", "customers")][0] == "customer_id"
    assert "address_id" in declared[("crm", "addresses")]
    assert declared[("sales", "orders")][:2] == ["customer_id", "ordered_at"]
    assert all(len(cols) == len(set(cols)) for cols in declared.values())


# ---- privacy: only keys unless asked, PII only by name with --include-pii, secrets never shown ----

def test_output_holds_only_keys_unless_columns_are_named(project: Path) -> None:
    code, out, _ = invoke("run", "vip", "churn_risk", "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0 and set(json.loads(out.splitlines()[0])) == {"segment", "customer_id"}
    code, out, _ = invoke("run", "vip", "--columns", "country,loyalty_tier", "--project", str(project),
                          "--as-of", AS_OF, "--format", "jsonl")
    row = json.loads(out.splitlines()[0])
    assert code == 0 and list(row) == ["customer_id", "country", "loyalty_tier"] and row["loyalty_tier"]


@pytest.mark.parametrize(("columns", "fragment"), [
    ("email", "add --include-pii"),
    ("country,first_name", "`first_name` is personal data"),
    ("contry", "did you mean `country`?"),
    ("state", "not an attribute of the customer table"),
])
def test_pii_and_unknown_columns_are_refused(project: Path, columns: str, fragment: str) -> None:
    code, out, err = invoke("run", "vip", "--columns", columns, "--project", str(project), "--as-of", AS_OF)
    assert code == 2 and fragment in err and out == ""


def test_pii_with_include_pii(project: Path, expected: dict[str, set[int]]) -> None:
    code, out, _ = invoke("run", "vip", "--all", "--columns", "email", "--include-pii", "--project", str(project))
    assert code == 2  # names and --all are still exclusive
    code, out, err = invoke("run", "vip", "--columns", "email", "--include-pii", "--project", str(project),
                            "--as-of", AS_OF, "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[0] == "customer_id,email" and "@" in out


def test_secrets_from_the_environment_are_never_shown(tmp_path: Path) -> None:
    project = make_project(tmp_path, "  local: {type: duckdb, path: '${SEGQL_SECRET_DIR}/retail.duckdb'}\n"
                           "  lake: {type: duckdb, path: ':memory:', tables: "
                           "{crm.customers: '${SEGQL_SECRET_DIR}/customers.parquet'}}\n")
    env = {"SEGQL_SECRET_DIR": f"/nonexistent/{SECRET}"}
    for target in ("local", "lake"):
        for command in (["count", "vip"], ["run", "vip"], ["targets", "check"]):
            code, out, err = invoke(*command, "--target", target, "--project", str(project), env=env)
            assert code == 1 and ("E402" in err or "E406" in err), err
            assert SECRET not in out + err
            assert "${SEGQL_SECRET_DIR}" in err
    code, _, err = invoke("count", "--target", "local", "--project", str(project), env={"SEGQL_SECRET_DIR": ""})
    assert code == 1


# ---- progress: on a terminal only ----

def test_no_progress_in_piped_output(project: Path) -> None:
    for command in (["run", "--all", "--format", "csv"], ["count"], ["overlap", "vip", "churn_risk"],
                    ["targets", "check"]):
        done = subprocess.run([sys.executable, "-c", "from segql.cli import main; main()", *command, "--project", str(project),
                               "--as-of", AS_OF][: None if command[0] != "targets" else -2],
                              capture_output=True, text=True, env={**os.environ, "NO_COLOR": ""})
        assert done.returncode == 0, done.stderr
        for text in (done.stdout, done.stderr):
            assert "\x1b" not in text and "running" not in text and "counting" not in text
            assert not any(ch in text for ch in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")


def test_progress_shows_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from segql.cli import app

    shown: list[str] = []

    class Status:
        def __init__(self, message: str) -> None:
            shown.append(message)

        def __enter__(self) -> None:
            return None

        def __exit__(self, *_: object) -> None:
            return None

    monkeypatch.setattr(app, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr("rich.console.Console.status", lambda self, message: Status(message))
    with app.progress("running 3 segments on local…"):
        pass
    assert shown == ["running 3 segments on local…"]
    monkeypatch.setattr(app, "stderr_is_terminal", lambda: False)
    with app.progress("quiet"):
        pass
    assert shown == ["running 3 segments on local…"]


# ---- PostgreSQL ----

@pytest.fixture(scope="module")
def pg_project(pg_dsn: str, retail_duckdb: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    dsn = pg_server.create_database(pg_dsn, "segql_operations")
    pg_server.copy_duckdb(retail_duckdb, dsn, ("crm", "sales", "web", "support", "marketing", "shop"))
    root = make_project(tmp_path_factory.mktemp("retail_pg"), '  pg: {type: postgres, dsn: "${SEGQL_OPS_DSN}"}\n')
    return root, dsn


@pytest.mark.postgres
def test_run_all_count_overlap_on_postgres(pg_project: tuple[Path, str], expected: dict[str, set[int]]) -> None:
    root, dsn = pg_project
    env = {"SEGQL_OPS_DSN": dsn}
    code, out, err = invoke("run", "--all", "--project", str(root), "--as-of", AS_OF, "--format", "jsonl", env=env)
    assert code == 0, err
    got = long_members(out)
    assert {name: got.get(name, set()) for name in expected} == expected
    code, out, err = invoke("overlap", "--project", str(root), "--as-of", AS_OF, "--format", "jsonl", env=env)
    assert code == 0, err
    for r in map(json.loads, out.splitlines()):
        assert r["both"] == len(expected[r["segment_a"]] & expected[r["segment_b"]])
    code, out, err = invoke("count", "--project", str(root), "--as-of", AS_OF, "--format", "jsonl", env=env)
    sizes = {r["segment"]: r["members"] for r in map(json.loads, out.splitlines())}
    assert code == 0 and {name: sizes[name] for name in expected} == {n: len(m) for n, m in expected.items()}
    assert set(sizes) == set(expected) | set(RETAIL_GROUPS)


@pytest.mark.postgres
def test_targets_check_on_postgres(pg_project: tuple[Path, str]) -> None:
    import psycopg

    root, dsn = pg_project
    code, out, err = invoke("targets", "check", "--project", str(root), env={"SEGQL_OPS_DSN": dsn})
    assert code == 0, out + err
    broken = pg_server.create_database(dsn, "segql_operations_broken")
    with psycopg.connect(broken, autocommit=True) as con:
        con.execute("CREATE SCHEMA crm")
        con.execute("CREATE TABLE crm.customers (customer_id integer, country text)")
    code, out, err = invoke("targets", "check", "--project", str(root), "--format", "jsonl",
                            env={"SEGQL_OPS_DSN": broken})
    rows = {r["table"]: r for r in map(json.loads, out.splitlines())}
    assert code == 1
    assert rows["crm.customers"]["exists"] and "email" in rows["crm.customers"]["missing"]
    assert "country" not in rows["crm.customers"]["missing"]
    assert not rows["sales.orders"]["exists"]


def test_the_editor_schema_accepts_table_mappings() -> None:
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "segql" / "schemas" / "project.json").read_text(encoding="utf-8"))
    config = yaml.safe_load("name: x\ntargets:\n  lake: {type: duckdb, path: ':memory:', tables: "
                            + LAKE_TABLES.format(d="lake") + "}\n")
    jsonschema.validate(config, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"targets": {"lake": {"type": "duckdb", "tables": {"crm.customers": [1]}}}}, schema)


def test_an_engine_that_cannot_list_columns_is_e405(project: Path) -> None:
    from segql import api, operations
    from segql.diagnostics import DiagnosticError

    class Engine:  # an engine with query() but no columns(), as a driver might be
        dialect = "snowflake"

    with pytest.raises(DiagnosticError) as raised:
        operations.check_tables(api.open_workspace(project), Engine())  # type: ignore[arg-type]
    assert [d.code for d in raised.value.diagnostics] == ["E405"]
