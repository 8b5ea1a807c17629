"""Issue 12, item 1: string values reach PostgreSQL safely whatever the session's settings. With
standard_conforming_strings off (a legacy database setting, or `options: -c standard_conforming_strings=off` in
the target), a backslash in '…' escapes the next character, so doubling the quotes no longer closes the string:
a value ending `\\'` once let `materialize` drop a table outside the write schema and `run` return every customer.

Run on the session's PostgreSQL with the hostile setting applied both ways, through `--param` and through a
string literal of a segment file, for `run` and `materialize`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests import tiny_project
from tests.tiny_project import CUSTOMERS, WRITE_SCHEMA, Tiny

pytestmark = pytest.mark.postgres

DROP = "\\'; DROP TABLE public.victim; --"  # closes the string under the legacy setting, then drops a table
EVERYONE = "\\' OR TRUE) AS hostile --"  # makes the segment's column true for every customer
SHOUT = "\\\\'; DROP TABLE public.victim; --"  # an escaped backslash, then the same
PAYLOADS = [DROP, EVERYONE, SHOUT]
# One customer holds each payload as its code: the segment `code = <payload>` selects exactly that customer.
HOSTILE_CUSTOMERS = [*CUSTOMERS, *((10 + i, text, "US") for i, text in enumerate(PAYLOADS))]


def segql_string(text: str) -> str:
    """A segql string literal of `text` (DESIGN §3.1: backslash escapes `\\"` and `\\\\`)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module", params=["target options", "database setting"])
def legacy_database(request: pytest.FixtureRequest, pg_dsn: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiny]:
    """The tiny project on a database whose sessions have standard_conforming_strings off: set by the target's
    `options`, or by ALTER DATABASE (as a legacy database would be). One per module and setting."""
    options = {"options": "-c standard_conforming_strings=off"} if request.param == "target options" else {}
    database = "segql_legacy_" + request.param.split()[0]
    tiny = tiny_project.make(tmp_path_factory.mktemp("legacy"), "postgres", pg_dsn=pg_dsn, database=database,
                             target=options, customers=HOSTILE_CUSTOMERS)
    if request.param == "database setting":
        tiny.sql(f"ALTER DATABASE {database} SET standard_conforming_strings = off")
    with psycopg.connect(tiny.dsn, **options) as con:  # a session as the target's settings alone would make it
        assert con.execute("SHOW standard_conforming_strings").fetchone() == ("off",)
    yield tiny


@pytest.fixture
def legacy(legacy_database: Tiny) -> Iterator[Tiny]:
    """The legacy project, its write schema empty for each test."""
    legacy_database.sql(f"DROP SCHEMA IF EXISTS {WRITE_SCHEMA} CASCADE")
    yield legacy_database


def expected(payload: str) -> str:
    return str(10 + PAYLOADS.index(payload))


def by_parameter(tiny: Tiny) -> None:
    tiny.segment("hostile", "params:\n  code: {type: string, default: A}\nwhere: code = $code\n")


def by_literal(tiny: Tiny, payload: str) -> None:
    tiny.segment("hostile", f"where: |\n  code = {segql_string(payload)}\n")


def params_for(how: str, payload: str) -> list[str]:
    return ["--param", f"code={payload}"] if how == "param" else []


def write(tiny: Tiny, how: str, payload: str) -> None:
    if how == "param":
        by_parameter(tiny)
    else:
        by_literal(tiny, payload)


@pytest.mark.parametrize("how", ["param", "literal"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_run_selects_only_the_customer_holding_the_value(legacy: Tiny, how: str, payload: str) -> None:
    write(legacy, how, payload)
    code, out, err = legacy.invoke("run", "hostile", "--format", "csv", *params_for(how, payload))
    assert code == 0, err
    assert out.splitlines() == ["customer_id", expected(payload)]
    code, out, err = legacy.invoke("count", "hostile", "--format", "csv", *params_for(how, payload))
    assert code == 0, err
    assert out.splitlines()[1].split(",")[:2] == ["hostile", "1"]
    assert legacy.victim_intact()


@pytest.mark.parametrize("kind", ["view", "table"])
@pytest.mark.parametrize("how", ["param", "literal"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_materialize_writes_only_the_segment(legacy: Tiny, how: str, payload: str, kind: str) -> None:
    write(legacy, how, payload)
    pinned = ["--kind", "table", "--as-of", "2024-06-30"] if kind == "table" else []
    code, out, err = legacy.invoke("materialize", "hostile", *pinned, *params_for(how, payload))
    assert code == 0, err
    assert out.splitlines() == [f"created {kind} {WRITE_SCHEMA}.hostile"]
    assert legacy.victim_intact()
    assert legacy.sql(f"SELECT customer_id FROM {WRITE_SCHEMA}.hostile") == [(int(expected(payload)),)]
    outside = legacy.sql("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
                         "('pg_catalog', 'information_schema') ORDER BY 1, 2")
    assert outside == [("crm", "customers"), ("public", "victim"), ("sales", "orders"), (WRITE_SCHEMA, "hostile")]


# ---- each layer on its own ----

def test_compiled_sql_is_safe_in_a_client_whatever_the_setting(legacy: Tiny) -> None:
    """`segql compile` output piped into a client of a legacy session (which segql's own settings do not reach):
    strings holding a backslash are written E'…', read the same whatever standard_conforming_strings says."""
    for payload in PAYLOADS:
        by_literal(legacy, payload)
        code, sql, err = legacy.invoke("compile", "hostile", "--dialect", "postgres")
        assert code == 0, err
        with psycopg.connect(legacy.dsn, options="-c standard_conforming_strings=off") as con:
            assert con.execute("SHOW standard_conforming_strings").fetchone() == ("off",)
            assert con.execute(sql.encode()).fetchall() == [(int(expected(payload)),)]
    assert legacy.victim_intact()


def test_the_session_is_standard_conforming_and_utf8(legacy: Tiny) -> None:
    with legacy.connected() as (_, engine):
        _, rows = engine.query("SELECT current_setting('standard_conforming_strings'), "
                               "current_setting('client_encoding')")
    assert rows == [("on", "UTF8")]


def test_a_second_statement_is_refused_by_the_writer(legacy: Tiny) -> None:
    from segql.diagnostics import DiagnosticError

    with legacy.connected(write=True) as (_, writer), writer.transaction():
        with pytest.raises(DiagnosticError, match="cannot insert multiple commands"):
            writer.execute("SELECT 1; DROP TABLE public.victim")
    assert legacy.victim_intact()


def test_values_are_bound_not_written_into_the_sql(legacy: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `run` sends: the SQL text holds placeholders, the payload travels as a parameter."""
    from segql.engines.postgres import PostgresEngine

    sent: list[tuple[str, list[str]]] = []
    real = PostgresEngine.query

    def spy(self: PostgresEngine, sql: str, params: object = ()) -> object:
        sent.append((sql, list(params)))  # type: ignore[call-overload]
        return real(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(PostgresEngine, "query", spy)
    by_parameter(legacy)
    code, out, err = legacy.invoke("run", "hostile", "--format", "csv", "--param", f"code={DROP}")
    assert code == 0 and out.splitlines() == ["customer_id", expected(DROP)], err
    [(sql, values)] = [(s, v) for s, v in sent if "crm.customers" in s]
    assert DROP in values and "DROP" not in sql and "$1" in sql


@pytest.mark.parametrize("encoding", ["SJIS", "BIG5", "GBK"])
def test_a_client_encoding_that_hides_backslashes_is_overridden(pg_dsn: str, tmp_path: Path, encoding: str) -> None:
    """In SJIS, BIG5 and GBK a backslash byte may be the second half of a character: UTF-8 text read in one of
    them could swallow the backslash of an escape. segql's session talks UTF-8 whatever the target says."""
    payload = "Á\\' OR TRUE) AS hostile --"  # Á is C3 81 in UTF-8; 81 5C is one character in SJIS
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_legacy_encoding",
                             target={"options": f"-c client_encoding={encoding} -c standard_conforming_strings=off"},
                             customers=[*CUSTOMERS, (10, payload, "US")])
    for how in ("param", "literal"):
        write(tiny, how, payload)
        code, out, err = tiny.invoke("run", "hostile", "--format", "csv", *params_for(how, payload))
        assert code == 0, err
        assert out.splitlines() == ["customer_id", "10"]
        code, out, err = tiny.invoke("materialize", "hostile", *params_for(how, payload))
        assert code == 0, err
        assert tiny.sql(f"SELECT customer_id FROM {WRITE_SCHEMA}.hostile") == [(10,)]
    assert tiny.victim_intact()
