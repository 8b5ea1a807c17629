"""The dialect layer, construct by construct: what each engine gets (a table), and the compile errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlglot import exp

from segql.check import tree as t
from segql.compile import TableMap, compile_segment, render
from segql.diagnostics import DiagnosticError
from segql.dialects import SqlDialect, get_dialect
from tests.compile_cases import AS_OF, SUM_PAID, TABLES, call, col, eq, gt, segment

X, D = exp.column("x"), exp.column("d")

# construct → (duckdb, postgres, snowflake, clickhouse, spark)
ENGINES = ("duckdb", "postgres", "snowflake", "clickhouse", "spark")
CONSTRUCTS: list[tuple[str, Callable[[SqlDialect], exp.Expression], tuple[str, str, str, str, str]]] = [
    ("plain_name", lambda d: d.column("customer_id", "c"), ("c.customer_id",) * 5),
    ("reserved_word", lambda d: d.column("order"), ('"order"',) * 4 + ("`order`",)),
    ("mixed_case", lambda d: d.column("VipLevel"), ('"VipLevel"',) * 4 + ("`VipLevel`",)),
    ("upper_case_kept_bare", lambda d: d.column("ID"), ("ID",) * 5),
    ("special_characters", lambda d: d.column('first "name"'), ('"first ""name"""',) * 4 + ('`first "name"`',)),
    ("table", lambda d: d.table(("crm", "customers"), "c"), ("crm.customers AS c",) * 5),
    ("date_plus_days", lambda d: d.add(D, 30, "day", True),
     ("d + 30", "d + 30", "DATEADD(DAY, 30, d)", "addDays(d, 30)", "DATE_ADD(d, 30)")),
    ("date_minus_days", lambda d: d.add(D, -30, "day", True),
     ("d - 30", "d - 30", "DATEADD(DAY, -30, d)", "addDays(d, -30)", "DATE_ADD(d, -30)")),
    ("date_plus_months", lambda d: d.add(D, 1, "month", True),
     ("CAST(d + INTERVAL '1' MONTH AS DATE)", "CAST(d + INTERVAL '1 MONTH' AS DATE)", "DATEADD(MONTH, 1, d)",
      "addMonths(d, 1)", "ADD_MONTHS(d, 1)")),
    ("timestamp_plus_months", lambda d: d.add(X, 1, "month", False),
     ("x + INTERVAL '1' MONTH", "x + INTERVAL '1 MONTH'", "DATEADD(MONTH, 1, x)", "addMonths(toTimeZone(x, 'UTC'), 1)",
      "x + INTERVAL '1' MONTH")),
    ("timestamp_minus_hours", lambda d: d.add(X, -12, "hour", False),
     ("x - INTERVAL '12' HOUR", "x - INTERVAL '12 HOUR'", "DATEADD(HOUR, -12, x)", "addHours(x, -12)",
      "x - INTERVAL '12' HOUR")),
    ("days_between", lambda d: d.days_between(D, X),
     ("x - d", "x - d", "DATEDIFF(DAY, d, x)", "dateDiff('day', d, x)", "DATEDIFF(x, d)")),
    ("day_of_week", lambda d: d.day_of_week(D),
     ("EXTRACT(ISODOW FROM d)", "EXTRACT(ISODOW FROM d)", "DAYOFWEEKISO(d)", "toDayOfWeek(d, 0, 'UTC')",
      "EXTRACT(DAYOFWEEK_ISO FROM d)")),
    ("local_day_of_week", lambda d: d.day_of_week(d.utc_to_local(X, "Asia/Tokyo")),
     ("EXTRACT(ISODOW FROM x AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Tokyo')",) * 2
     + ("DAYOFWEEKISO(CONVERT_TIMEZONE('UTC', 'Asia/Tokyo', x))", "toDayOfWeek(x, 0, 'Asia/Tokyo')",
        "EXTRACT(DAYOFWEEK_ISO FROM CONVERT_TIMEZONE('UTC', 'Asia/Tokyo', x))")),
    ("divide", lambda d: d.divide(X, D),
     ("CAST(x AS DOUBLE) / NULLIF(d, 0)", "CAST(x AS DOUBLE PRECISION) / NULLIF(d, 0)",
      "CAST(x AS DOUBLE) / NULLIF(d, 0)", "toFloat64(x) / nullIf(toFloat64(d), 0)", "CAST(x AS DOUBLE) / NULLIF(d, 0)")),
    ("modulo_float", lambda d: d.modulo(X, D, True),
     ("x % NULLIF(d, 0)", "CAST(x AS DECIMAL) % NULLIF(CAST(d AS DECIMAL), 0)", "x % NULLIF(d, 0)",
      "toFloat64(x) % nullIf(toFloat64(d), 0)", "x % NULLIF(d, 0)")),
    ("modulo_decimal", lambda d: d.modulo(X, D, False),
     ("x % NULLIF(d, 0)", "CAST(x AS DECIMAL) % NULLIF(CAST(d AS DECIMAL), 0)", "x % NULLIF(d, 0)",
      "toDecimal128(x, 18) % nullIf(toDecimal128(d, 18), 0)", "x % NULLIF(d, 0)")),
    ("round", lambda d: d.round(X, None, True),
     ("ROUND(x)", "ROUND(CAST(x AS DECIMAL))", "ROUND(x)",
      "COALESCE(toFloat64(ROUND(toDecimal128OrNull(toString(x), 18))), toFloat64(ROUND(x)))", "ROUND(x)")),
    ("never_null", lambda d: d.never_null(X), ("COALESCE(x, FALSE)",) * 5),
    ("like", lambda d: d.like_insensitive(X, exp.Literal.string("%50\\%%")),
     ("LOWER(x) LIKE LOWER('%50\\%%') ESCAPE '\\'",) * 2 + ("LOWER(x) LIKE LOWER('%50\\\\%%') ESCAPE '\\\\'",)
     + ("lowerUTF8(x) LIKE lowerUTF8('%50\\\\%%')", "LOWER(x) LIKE LOWER('%50\\\\%%') ESCAPE '\\\\'")),
    ("current_date", lambda d: d.current_date("Europe/Paris"),
     ("CAST(CURRENT_TIMESTAMP AT TIME ZONE 'Europe/Paris' AS DATE)",) * 2
     + ("CAST(CONVERT_TIMEZONE('Europe/Paris', CURRENT_TIMESTAMP()) AS DATE)",
        "toDate32(now64(6, 'UTC'), 'Europe/Paris')", "CAST(CONVERT_TIMEZONE('Europe/Paris', CURRENT_TIMESTAMP()) AS DATE)")),
    ("current_instant", lambda d: d.current_instant(),
     ("CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)",) * 2
     + ("CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS TIMESTAMPNTZ)", "now64(6, 'UTC')",
        "CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())")),
    ("utc_to_local", lambda d: d.utc_to_local(X, "Europe/Paris"),
     ("x AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/Paris'",) * 2
     + ("CONVERT_TIMEZONE('UTC', 'Europe/Paris', x)", "toTimeZone(x, 'Europe/Paris')",
        "CONVERT_TIMEZONE('UTC', 'Europe/Paris', x)")),
    ("midnight_to_utc", lambda d: d.local_to_utc(d.to_timestamp(D), "Europe/Paris"),
     ("CAST(d AS TIMESTAMP) AT TIME ZONE 'Europe/Paris' AT TIME ZONE 'UTC'",) * 2
     + ("CONVERT_TIMEZONE('Europe/Paris', 'UTC', CAST(d AS TIMESTAMPNTZ))", "toDateTime64(d, 6, 'Europe/Paris')",
        "CONVERT_TIMEZONE('Europe/Paris', 'UTC', CAST(d AS TIMESTAMP_NTZ))")),
    ("date_of_instant", lambda d: d.cast(X, "DATE"),
     ("CAST(x AS DATE)",) * 3 + ("toDate32(x, 'UTC')", "CAST(x AS DATE)")),
    ("timestamp_literal", lambda d: d.timestamp_literal(dt.datetime(2024, 6, 30, 23, 59, 59, 999999)),
     ("CAST('2024-06-30 23:59:59.999999' AS TIMESTAMP)",) * 2
     + ("CAST('2024-06-30 23:59:59.999999' AS TIMESTAMPNTZ)", "toDateTime64('2024-06-30 23:59:59.999999', 6, 'UTC')",
        "CAST('2024-06-30 23:59:59.999999' AS TIMESTAMP_NTZ)")),
    ("date_literal", lambda d: d.date_literal(dt.date(1850, 1, 1)),
     ("CAST('1850-01-01' AS DATE)",) * 3 + ("toDate32('1850-01-01')", "CAST('1850-01-01' AS DATE)")),
    ("first_boolean", lambda d: d.min_value(X, True),
     ("BOOL_AND(CAST(x AS BOOLEAN))", "BOOL_AND(x)", "BOOLAND_AGG(x)", "MIN(x)", "BOOL_AND(x)")),
]

# round 2's dialect methods on the first three engines (ClickHouse and Spark get theirs with their round-2 work)
ROUND2_CONSTRUCTS: list[tuple[str, Callable[[SqlDialect], exp.Expression], tuple[str, str, str]]] = [
    ("start_of_week_monday", lambda d: d.period_start(D, "week", 1),
     ("d - CAST(EXTRACT(ISODOW FROM d) - 1 AS INT)",) * 2 + ("DATEADD(DAY, -(DAYOFWEEKISO(d) - 1), d)",)),
    ("start_of_week_sunday", lambda d: d.period_start(D, "week", 7),
     ("d - CAST(EXTRACT(ISODOW FROM d) % 7 AS INT)",) * 2 + ("DATEADD(DAY, -(DAYOFWEEKISO(d) % 7), d)",)),
    ("start_of_quarter", lambda d: d.period_start(D, "quarter"),
     ("CAST(DATE_TRUNC('QUARTER', d) AS DATE)", "CAST(DATE_TRUNC('QUARTER', CAST(d AS TIMESTAMP)) AS DATE)",
      "CAST(DATE_TRUNC('QUARTER', d) AS DATE)")),
    ("day_of_year", lambda d: d.day_of_year(D), ("EXTRACT(DAYOFYEAR FROM d)", "EXTRACT(DOY FROM d)", "DAYOFYEAR(d)")),
    ("quarter", lambda d: d.quarter(D), ("EXTRACT(QUARTER FROM d)",) * 2 + ("DATE_PART(QUARTER, d)",)),
    ("lower_median", lambda d: d.lower_median(X),
     ("QUANTILE_DISC(x, 0.5)",) + ("PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY x ASC)",) * 2),
    ("bucket", lambda d: d.bucket(X),
     ("CAST('0x' || SUBSTRING(MD5(x), 1, 8) AS BIGINT) % 10000",
      "CAST(CAST('x' || SUBSTRING(MD5(x) FROM 1 FOR 8) AS BIT(32)) AS BIGINT) % 10000",
      "((CHARINDEX(SUBSTRING(MD5(x), 1, 1), '0123456789abcdef') - 1) * 268435456 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 2, 1), '0123456789abcdef') - 1) * 16777216 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 3, 1), '0123456789abcdef') - 1) * 1048576 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 4, 1), '0123456789abcdef') - 1) * 65536 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 5, 1), '0123456789abcdef') - 1) * 4096 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 6, 1), '0123456789abcdef') - 1) * 256 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 7, 1), '0123456789abcdef') - 1) * 16 + "
      "(CHARINDEX(SUBSTRING(MD5(x), 8, 1), '0123456789abcdef') - 1) * 1) % 10000")),
]


@pytest.mark.parametrize(("name", "build", "expected"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
@pytest.mark.parametrize("index", range(len(ENGINES)), ids=list(ENGINES))
def test_construct(name: str, build: Callable[[SqlDialect], exp.Expression],
                   expected: tuple[str, str, str, str, str], index: int) -> None:
    d = get_dialect(ENGINES[index])
    assert build(d).sql(dialect=d.name) == expected[index]


@pytest.mark.parametrize(("name", "build", "expected"), ROUND2_CONSTRUCTS, ids=[c[0] for c in ROUND2_CONSTRUCTS])
@pytest.mark.parametrize("index", range(3), ids=list(ENGINES[:3]))
def test_round2_construct(name: str, build: Callable[[SqlDialect], exp.Expression], expected: tuple[str, str, str],
                          index: int) -> None:
    d = get_dialect(ENGINES[index])
    assert build(d).sql(dialect=d.name) == expected[index]


def test_middles_sum_is_one_aggregate_on_duckdb_only() -> None:
    """DuckDB: both middles of one QUANTILE_DISC over two fractions (DuckDB computes the identical calls once); the
    others take the lower middles of the values and of their negations."""
    fractions = "[CAST(0.5 AS DOUBLE), CAST(0.500000000001 AS DOUBLE)]"
    both = get_dialect("duckdb").middles_sum(X)
    assert both is not None and both.sql(dialect="duckdb") == (
        f"LIST_EXTRACT(QUANTILE_DISC(x, {fractions}), 1) + LIST_EXTRACT(QUANTILE_DISC(x, {fractions}), 2)")
    assert all(get_dialect(name).middles_sum(X) is None for name in ENGINES if name != "duckdb")


def compile_(condition: t.Expr, **kw: object) -> exp.Select:
    specs = kw.pop("specs", ())
    options: dict[str, object] = {"tables": TABLES, "dialect": "duckdb", "as_of": AS_OF, **kw}
    return compile_segment(segment(condition, "s", specs), **options)  # type: ignore[arg-type]


MIN = t.ParamSpec("min", t.DECIMAL, None)
ONLY_DUCKDB = t.TraitRef("score_2", t.SqlTrait("score_2", (("duckdb", "c.score * 2"),), t.FLOAT), t.FLOAT)


def test_a_sql_trait_without_the_dialect_names_the_trait_and_the_fix() -> None:
    with pytest.raises(DiagnosticError) as err:
        compile_(gt(ONLY_DUCKDB, 1), dialect="snowflake")
    (problem,) = err.value.diagnostics
    assert problem.code == "E310" and "`score_2`" in problem.message and "snowflake" in problem.message
    assert "`snowflake: …`" in problem.hint and "duckdb" in problem.hint
    assert "c.score * 2" in render(compile_(gt(ONLY_DUCKDB, 1)), "duckdb")


@pytest.mark.parametrize(("code", "make"), [
    ("E301", lambda: compile_(eq(col("country"), "US"), dialect="oracle")),
    ("E301", lambda: render(compile_(eq(col("country"), "US")), "postgres")),
    ("E301", lambda: compile_(eq(col("country"), "US"), timezone="Mars/Olympus")),
    ("E227", lambda: compile_(gt(SUM_PAID, t.Param("min", t.DECIMAL)), specs=(MIN,))),
    ("E227", lambda: compile_(gt(SUM_PAID, t.Param("min", t.DECIMAL)), specs=(MIN,), params={"min": "lots"})),
    ("E206", lambda: compile_(gt(SUM_PAID, t.Param("min", t.DECIMAL)), specs=(MIN,), params={"mni": "1"})),
    ("E310", lambda: compile_(gt(ONLY_DUCKDB, 1), dialect="postgres")),
], ids=["unknown_dialect", "rendered_for_another_dialect", "unknown_time_zone", "parameter_without_value",
        "parameter_not_a_number", "unknown_parameter", "sql_trait_without_the_dialect"])
def test_compile_errors(code: str, make: Callable[[], object]) -> None:
    with pytest.raises(DiagnosticError) as err:
        make()
    assert [d.code for d in err.value.diagnostics] == [code]


def test_param_value_given_as_python_value() -> None:
    query = compile_(gt(SUM_PAID, t.Param("min", t.DECIMAL)), specs=(MIN,), params={"min": Decimal("12.50")})
    assert "> 12.50" in render(query, "duckdb")


def test_postgresql_is_an_alias() -> None:
    assert get_dialect("postgresql") is get_dialect("postgres")


def test_databricks_is_spark_sql() -> None:
    assert get_dialect("databricks") is get_dialect("spark")


def test_clickhouse_sql_carries_its_settings_and_utf8_case() -> None:
    """join_use_nulls (a LEFT JOIN miss is NULL, not 0 or '') and aggregate_functions_null_for_empty, in the query
    itself so that it means the same in clickhouse-client; lower/upper by character, not by byte."""
    query = compile_(eq(call("lower", col("name")), "élan"), dialect="clickhouse")
    text = render(query, "clickhouse")
    assert text.endswith("SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1")
    assert "lowerUTF8(c.name) = 'élan'" in text and "LOWER(" not in text
    assert "SETTINGS" not in query.sql("clickhouse"), "render adds the settings to a copy"


def test_clickhouse_refuses_a_catalog() -> None:
    tables = TableMap(("lake", "crm", "customers"), "customer_id")
    with pytest.raises(DiagnosticError) as err:
        compile_segment(segment(eq(col("country"), "US"), "s"), tables=tables, dialect="clickhouse", as_of=AS_OF)
    assert [d.code for d in err.value.diagnostics] == ["E301"] and "database.table" in err.value.diagnostics[0].message


def test_spark_round_takes_constant_places() -> None:
    with pytest.raises(DiagnosticError) as err:
        render(compile_(eq(call("round", col("score"), col("group")), 1), dialect="spark"), "spark")
    assert [d.code for d in err.value.diagnostics] == ["E301"]
