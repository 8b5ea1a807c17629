"""Injection through every string a user controls, on every engine the suite runs, under hostile session settings.

One project whose table, column and enum names are hostile, whose customers hold hostile codes, and whose segments
compare them through string literals, `in` lists, `contains` and `starts with`, enum values, event attributes and
`--param` values. Each segment must select exactly the customers Python says it does, on DuckDB, on PostgreSQL (its
database with standard_conforming_strings off, the target's session in SJIS and with a search_path naming a schema
whose LOWER drops a table before pg_catalog) and on the Snowflake emulator; materialize and snapshot write only
into the write schema; and a table outside it (`victim`) survives everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

from segql import api
from tests import pg_server
from tests.tiny_project import WRITE_SCHEMA

HOSTILE = [
    "'", "''", "\\", "\\'", "\\\\'", "'; DROP TABLE victim; --", "\\'; DROP TABLE victim; --", "' OR '1'='1",
    '" OR "1"="1', "$$; DROP TABLE victim; $$", "$tag$ x $tag$", "-- comment", "/* open", "*/", "%", "_", "%_\\",
    "a\nb", "a\rb", "\t", "%s", "%(x)s", "$1", "?", ":name", "{0}", "\u2028", "ü€😀", "ʼ", "＇; DROP", "\x1a",
    "e'x\\'", "\\x27", "U&'\\0027'",
]
# Names of the schema: a table (no dots: a dot separates schema and table), columns and enum values.
CUSTOMERS = ("crm", 'cust"omers; DROP TABLE victim; --')
ORDERS = ("sa'les", "or\\ders $$")
# fakesnow 0.12 itself builds SQL about the tables it creates with f-strings (`SET schema='<database>.<schema>'`, the
# lengths of text columns), so a schema or column named with a single quote breaks the emulator, not segql: there,
# the schemas have plain names and the columns no single quote.
EMULATED = {CUSTOMERS: ("crm", CUSTOMERS[1]), ORDERS: ("sales", ORDERS[1])}
CODE = "co\"de'; DROP TABLE victim; --"
STATUS = "st$$atus \\' %s"
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def segql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def ascii_lower(text: str) -> str:
    """LOWER as every engine here agrees on it: the strings' non-ASCII letters are all lower case already."""
    return re.sub("[A-Z]", lambda m: m[0].lower(), text)


class Cases:
    """The customers and segments over a list of hostile strings: customer 100 + i holds strings[i] as its code, as
    the status of its one order and (for the first few) as its country."""

    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        literal = [s for s in strings if not {"\n", "\r"} & set(s)]  # a segql string literal holds no line break
        self.enum = [s for s in literal if s.strip()][:12]
        self.rows = [(1, "A", "US"), (2, None, None),
                     *((100 + i, s, self.enum[i % len(self.enum)]) for i, s in enumerate(strings))]
        self.order_rows = [(100 + i, s) for i, s in enumerate(strings)]
        self.segments: dict[str, tuple[str, set[int]]] = {}  # name -> (the segment file, the customers it selects)
        codes = {k: c for k, c, _ in self.rows}
        for i, s in enumerate(strings):
            exact = {k for k, c in codes.items() if c == s}
            self.segments[f"param_{i}"] = (f"params:\n  p{i}: {{type: string, default: none}}\nwhere: code = $p{i}\n",
                                           exact)
            if s not in literal:
                continue
            lit = segql_string(s)
            self.add(f"equal_{i}", f"code = {lit}", exact)
            self.add(f"listed_{i}", f"code in [{lit}, {segql_string(chr(126))}]", exact)
            self.add(f"contains_{i}", f"code contains {lit}",
                     {k for k, c in codes.items() if c is not None and ascii_lower(s) in ascii_lower(c)})
            self.add(f"starts_{i}", f"code starts with {lit}",
                     {k for k, c in codes.items() if c is not None and ascii_lower(c).startswith(ascii_lower(s))})
            self.add(f"ordered_{i}", f"has orders where status = {lit}", {k for k, st in self.order_rows if st == s})
            if s in self.enum:
                self.add(f"enum_{i}", f"country = {lit}", {k for k, _, c in self.rows if c == s})
        self.params = [arg for i, s in enumerate(strings) for arg in ("--param", f"p{i}={s}")]

    def add(self, name: str, condition: str, keys: set[int]) -> None:
        self.segments[name] = (f"where: {yaml_string(condition)}\n", keys)

    def expected(self) -> dict[str, set[int]]:
        return {name: keys for name, (_, keys) in self.segments.items()}


CASES = Cases(HOSTILE)
# fakesnow also reads `$name` inside string literals as a session variable (Snowflake does not): not for the emulator.
EMULATED_CASES = Cases([s for s in HOSTILE if "$" not in s])


def named(table: tuple[str, str], dialect: str) -> tuple[str, str]:
    return EMULATED[table] if dialect == "snowflake" else table


def column_named(name: str, dialect: str) -> str:
    return name.replace("'", "") if dialect == "snowflake" else name


def schema_yml(dialect: str, cases: Cases) -> str:
    enum = ", ".join(yaml_string(v) for v in ["US", *cases.enum])
    customers, orders = named(CUSTOMERS, dialect), named(ORDERS, dialect)
    return (f"entity: customer\ntable: {yaml_string('.'.join(customers))}\nkey: customer_id\nattributes:\n"
            f"  customer_id: integer\n  code: {{type: string, column: {yaml_string(column_named(CODE, dialect))}}}\n"
            f"  country: {{type: enum, values: [{enum}]}}\nevents:\n  orders:\n    table: {yaml_string('.'.join(orders))}\n"
            f"    key: customer_id\n    time: none\n    attributes:\n      status: {{type: string, column: "
            f"{yaml_string(column_named(STATUS, dialect))}}}\n")


def data_statements(dialect: str, cases: Cases) -> list[str]:
    """The tables and rows, as sqlglot trees rendered for the dialect (names quoted, strings escaped by it)."""
    def table(parts: tuple[str, str]) -> exp.Table:
        schema, name = named(parts, dialect)
        return exp.Table(this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(schema, quoted=True))

    def column(name: str, kind: str) -> exp.ColumnDef:
        name = column_named(name, dialect)
        return exp.ColumnDef(this=exp.to_identifier(name, quoted=name != name.lower() or not name.isidentifier()),
                             kind=exp.DataType.build(kind))

    def value(v: Any) -> exp.Expression:
        return exp.null() if v is None else exp.Literal.number(v) if isinstance(v, int) else exp.Literal.string(v)

    def insert(into: tuple[str, str], rows: list[tuple[Any, ...]]) -> exp.Insert:
        return exp.insert(exp.values([tuple(value(v) for v in row) for row in rows]), table(into))

    statements: list[exp.Expression] = [
        exp.Create(this=exp.Table(db=exp.to_identifier(named(t, dialect)[0], quoted=True)), kind="SCHEMA", exists=True)
        for t in (CUSTOMERS, ORDERS)]
    statements += [
        exp.Create(this=exp.Schema(this=table(CUSTOMERS), expressions=[column("customer_id", "INT"),
                                                                        column(CODE, "TEXT"), column("country", "TEXT")]),
                   kind="TABLE"),
        exp.Create(this=exp.Schema(this=table(ORDERS), expressions=[column("customer_id", "INT"),
                                                                     column(STATUS, "TEXT")]), kind="TABLE"),
        insert(CUSTOMERS, cases.rows), insert(ORDERS, cases.order_rows),
        exp.Create(this=exp.Schema(this=exp.to_table("victim"), expressions=[column("x", "INT")]), kind="TABLE"),
        exp.insert(exp.values([(exp.Literal.number(1),)]), "victim"),
    ]
    return [s.sql(dialect=dialect) for s in statements]


def write_project(root: Path, target: dict[str, str], cases: Cases = CASES) -> None:
    (root / "segments").mkdir(parents=True)
    (root / "schema.yml").write_text(schema_yml(target["type"], cases), encoding="utf-8")
    for name, (text, _) in cases.segments.items():
        (root / "segments" / f"{name}.yml").write_text(text, encoding="utf-8")
    config = {"name": "hostile", "timezone": "UTC", "default_target": "main",
              "targets": {"main": {**target, "schema": WRITE_SCHEMA}}}
    (root / "segql.yml").write_text(json.dumps(config), encoding="utf-8")


# ---- the project on each engine ----

class Hostile:
    def __init__(self, root: Path, engine: str, dsn: str = "") -> None:
        self.root, self.engine, self.dsn = root, engine, dsn

    def invoke(self, *args: str) -> tuple[int, str, str]:
        from tests import cli

        return cli.invoke(*args, "--project", str(self.root), env={"NO_COLOR": "1", "HOSTILE_DSN": self.dsn})

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        if self.engine == "duckdb":
            import duckdb

            with duckdb.connect(str(self.root / "data.duckdb")) as con:
                return con.execute(query).fetchall()
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as con:
            cursor = con.execute(query)
            return cursor.fetchall() if cursor.description else []

    def relations(self) -> set[tuple[str, str]]:
        return {(str(s), str(t)) for s, t in self.sql(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
            "('pg_catalog', 'information_schema')")}


@pytest.fixture(scope="module", params=ENGINES)
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    root = tmp_path_factory.mktemp("hostile")
    if request.param == "duckdb":
        import duckdb

        with duckdb.connect(str(root / "data.duckdb")) as con:
            for statement in data_statements("duckdb", CASES):
                con.execute(statement)
        write_project(root, {"type": "duckdb", "path": "data.duckdb"})
        yield Hostile(root, "duckdb")
        return
    import psycopg

    dsn = pg_server.create_database(request.getfixturevalue("pg_dsn"), "segql_hostile")
    with psycopg.connect(dsn, autocommit=True) as con:
        for statement in data_statements("postgres", CASES):
            con.execute(statement.encode())
        # The hostile session: legacy strings for the database, and a schema whose LOWER and = come first.
        con.execute("ALTER DATABASE segql_hostile SET standard_conforming_strings = off")
        con.execute("CREATE SCHEMA evil")
        con.execute("CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                    "EXECUTE 'DROP TABLE IF EXISTS public.victim'; RETURN pg_catalog.lower($1); END $$")
        con.execute("CREATE FUNCTION evil.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$")
        con.execute("CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always)")
    write_project(root, {"type": "postgres", "dsn": "${HOSTILE_DSN}", "application_name": "x'; DROP TABLE victim; --",
                         "options": "-c client_encoding=SJIS -c search_path=evil,pg_catalog,public "
                                    "-c backslash_quote=on"})
    yield Hostile(root, "postgres", dsn)


def members(out: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {name: set() for name in CASES.segments}
    for line in out.splitlines():
        row = json.loads(line)
        found[row["segment"]].add(row["customer_id"])
    return found


def test_every_segment_selects_exactly_its_customers(hostile: Hostile) -> None:
    code, out, err = hostile.invoke("run", "--all", "--format", "jsonl", *CASES.params)
    assert code == 0, err
    assert members(out) == CASES.expected()
    assert hostile.sql("SELECT x FROM victim") == [(1,)]


def test_count_agrees_with_run(hostile: Hostile) -> None:
    """Sizes from `count`, the parameters left at their default (`none`, a code nobody has)."""
    names = sorted(CASES.segments)[:30]
    code, out, err = hostile.invoke("count", *names, "--format", "jsonl")
    assert code == 0, err
    sizes = {row["segment"]: row["members"] for row in map(json.loads, out.splitlines())}
    assert sizes == {n: len(CASES.segments[n][1]) if not n.startswith("param_") else 0 for n in names}


def test_materialize_and_snapshot_write_only_into_the_write_schema(hostile: Hostile) -> None:
    before = hostile.relations()
    chosen = sorted(CASES.segments)[::3]
    given = [arg for i in range(len(HOSTILE)) if f"param_{i}" in chosen for arg in ("--param", f"p{i}={HOSTILE[i]}")]
    for args in (["materialize", *chosen, *given], ["materialize", *chosen, *given, "--kind", "table", "--as-of",
                                                     "2024-06-30"], ["snapshot", *chosen, *given]):
        code, _, err = hostile.invoke(*args)
        assert code == 0, (args[0], err)
    after = hostile.relations()
    assert {r for r in after if r[0] != WRITE_SCHEMA} == {r for r in before if r[0] != WRITE_SCHEMA}
    assert {t for s, t in after if s == WRITE_SCHEMA} == {*chosen, "segql_history", "segql_snapshots"}
    for name in chosen:
        keys = {k for (k,) in hostile.sql(f'SELECT customer_id FROM {WRITE_SCHEMA}."{name}"')}  # noqa: S608
        assert keys == CASES.segments[name][1], name
    assert hostile.sql("SELECT x FROM victim") == [(1,)]


def test_a_nul_in_a_literal_is_refused_by_the_engine_never_a_crash(hostile: Hostile, tmp_path: Path) -> None:
    path = hostile.root / "segments" / "nul.yml"
    path.write_text('where: "code = \\"A\\\\0B\\""\n'.replace("\\\\0", "\\0"), encoding="utf-8")
    try:
        for args in (["run", "nul"], ["materialize", "nul"]):
            code, _, err = hostile.invoke(*args)
            assert code in (0, 1) and "internal error" not in err, err
    finally:
        path.unlink()
    assert hostile.sql("SELECT x FROM victim") == [(1,)]


@pytest.mark.snowflake
def test_the_snowflake_emulator_selects_exactly_the_same(snowflake_emulator: Any, tmp_path: Path) -> None:
    cases = EMULATED_CASES
    write_project(tmp_path, {"type": "snowflake", "account": "emulated"}, cases)
    ws = api.open_workspace(tmp_path)
    given = {f"p{i}": s for i, s in enumerate(cases.strings)}
    queries = {name: api.compile_sql(ws, ws.segment(name), "snowflake", None,
                                     {k: v for k, v in given.items() if k in {p.name for p in ws.segment(name).params}})
               for name in cases.segments}
    out = snowflake_emulator.run({"setup": data_statements("snowflake", cases), "queries": queries}, workers=2)
    got = {}
    for name, result in out["results"].items():
        assert "error" not in result, (name, result)
        got[name] = {row[0] for row in result["rows"]}
    assert got == cases.expected()


def test_hostile_names_of_segments_and_parameters_are_refused(tmp_path: Path) -> None:
    write_project(tmp_path, {"type": "duckdb", "path": ":memory:"})
    for i, s in enumerate(["x'; DROP TABLE victim; --", 'a"b', "a b", "$1", "ü"]):
        (tmp_path / "segments" / f"named_{i}.yml").write_text(f"name: {yaml_string(s)}\nwhere: code = \"A\"\n",
                                                              encoding="utf-8")
        (tmp_path / "segments" / f"param_name_{i}.yml").write_text(
            f"params:\n  {yaml_string(s)}: string\nwhere: code = \"A\"\n", encoding="utf-8")
    codes = [d.code for d in api.validate(tmp_path).diagnostics if d.span.path.startswith(("segments/named_",
                                                                                           "segments/param_name_"))]
    assert codes.count("E231") == 5 and codes.count("E226") == 5, codes


def test_duckdb_target_settings_holding_quotes_are_one_path(tmp_path: Path) -> None:
    """A database path and a file mapped as a table, both named with quotes and SQL: read as those files."""
    import duckdb

    folder = tmp_path / "x'; DROP TABLE victim; --"
    folder.mkdir()
    database = folder / "da'ta.duckdb"
    parquet = folder / "cust'omers.parquet"
    with duckdb.connect(str(database)) as con:
        for statement in data_statements("duckdb", CASES):
            con.execute(statement)
        source = exp.Table(this=exp.to_identifier(CUSTOMERS[1], quoted=True),
                           db=exp.to_identifier(CUSTOMERS[0], quoted=True))
        con.execute(exp.Copy(this=exp.select("*").from_(source).subquery(), kind=False,
                             files=[exp.Literal.string(str(parquet))],
                             params=[exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("parquet"))]
                             ).sql("duckdb"))
    write_project(tmp_path / "project", {"type": "duckdb", "path": str(database),
                                         "tables": {".".join(CUSTOMERS): str(parquet)}})
    code, out, err = Hostile(tmp_path / "project", "duckdb").invoke("run", "equal_5", "--format", "csv")
    assert code == 0 and out.splitlines() == ["customer_id", "105"], err
    with duckdb.connect(str(database)) as con:
        assert con.execute("SELECT x FROM victim").fetchall() == [(1,)]
