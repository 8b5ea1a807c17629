"""Issue 12: careless (not hostile) input that once gave wrong sizes, corrupted output or exit 3, each reproduced
on the tiny project (tests/tiny_project.py) on DuckDB and on the session's PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from tests import tiny_project
from tests.tiny_project import AS_OF, Tiny

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
D2 = dt.date(2024, 7, 1)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make(request: pytest.FixtureRequest, root: Path, engine: str, **options: object) -> Tiny:
    dsn = request.getfixturevalue("pg_dsn") if engine == "postgres" else ""
    return tiny_project.make(root, engine, pg_dsn=dsn, database="segql_careless", **options)  # type: ignore[arg-type]


def csv_rows(out: str) -> list[list[str]]:
    return [line.split(",") for line in out.splitlines()]


# ---- item 3: a segment named like the key column; a key column named like segql's own columns ----

@pytest.mark.parametrize("name", ["customer_id", "Customer_ID", "CUSTOMER_ID"])
def test_a_segment_named_like_the_key_counts_its_members(request: pytest.FixtureRequest, tmp_path: Path,
                                                         engine: str, name: str) -> None:
    tiny = make(request, tmp_path, engine)
    tiny.segment(name, 'where: country = "US"\n')
    tiny.segment("buyers", "where: has orders\n")
    code, out, err = tiny.invoke("count", "--format", "csv", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert sorted(csv_rows(out)[1:]) == sorted([[name, "2", "50.0"], ["buyers", "2", "50.0"]])
    code, out, err = tiny.invoke("run", "--all", "--format", "csv", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert csv_rows(out) == [["segment", "customer_id"], *sorted([["buyers", "1"], ["buyers", "2"], [name, "1"],
                                                                   [name, "4"]])]
    code, out, err = tiny.invoke("overlap", "--format", "csv", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert csv_rows(out)[1][2:5] == ["2", "2", "1"]  # sizes 2 and 2, one customer in both
    code, out, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert sorted((s, k) for _, s, k, _ in tiny.history()) == sorted([("buyers", 1), ("buyers", 2), (name, 1),
                                                                       (name, 4)])
    code, out, err = tiny.invoke("run", "--all", "--shape", "wide", "--format", "csv")
    assert code == 2 and f"two columns named `customer_id`: the key and segment `{name}`" in err


@pytest.mark.parametrize("key", ["segment", "as_of", "definition_hash", "Segment", "members", "change"])
def test_a_key_named_like_a_history_column_can_be_snapshotted(request: pytest.FixtureRequest, tmp_path: Path,
                                                              engine: str, key: str) -> None:
    tiny = make(request, tmp_path, engine, key=key)
    tiny.segment("us", 'where: country = "US"\n')
    tiny.segment("buyers", "where: has orders\n")
    for day in (AS_OF, D2):
        code, _, err = tiny.invoke("snapshot", "--all", "--as-of", day.isoformat())
        assert code == 0, err
    tiny.sql(f"UPDATE crm.customers SET country = 'CA' WHERE \"{key}\" = 4")
    code, _, err = tiny.invoke("snapshot", "--all", "--as-of", D2.isoformat())
    assert code == 0, err
    history = tiny.history()
    assert sorted((day, s, k) for day, s, k, _ in history) == sorted(
        [(day, s, k) for day in (AS_OF, D2) for s, k in (("buyers", 1), ("buyers", 2), ("us", 1))] + [(AS_OF, "us", 4)])
    column = f"{key}_key" if key.lower() in ("segment", "as_of", "definition_hash", "change") else key
    code, out, err = tiny.invoke("changes", "--from", AS_OF.isoformat(), "--to", D2.isoformat(), "--format", "jsonl")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [{"segment": "us", "change": "left", column: 4}]
    code, out, err = tiny.invoke("run", "us", "buyers", "--format", "jsonl", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    shown = f"{key}_key" if key.lower() == "segment" else key
    assert [json.loads(line) for line in out.splitlines()] == [{"segment": "us", shown: 1}, {"segment": "buyers", shown: 1},
                                                               {"segment": "buyers", shown: 2}]


# ---- item 11: --shape wide with a segment named like an attribute of --columns ----

@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "table"])
def test_wide_output_never_loses_a_column_to_a_segment_of_its_name(tmp_path: Path, fmt: str) -> None:
    tiny = tiny_project.make(tmp_path, "duckdb")
    tiny.segment("country", 'where: country = "US"\n')
    output = ["--output", str(tmp_path / "out.parquet")] if fmt == "parquet" else []
    code, out, err = tiny.invoke("run", "--all", "--shape", "wide", "--columns", "country", "--format", fmt, *output)
    assert code == 2, (out, err)
    assert "two columns named `country`: an attribute of --columns and segment `country`" in err
    assert "leave the attribute out of --columns" in err
    assert not (tmp_path / "out.parquet").exists()
    code, out, err = tiny.invoke("run", "--all", "--columns", "country", "--format", "jsonl")  # the long shape
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [{"segment": "country", "customer_id": 1, "country": "US"},
                                                               {"segment": "country", "customer_id": 4, "country": "US"}]


# ---- item 4: segment names differing only in case ----

def test_segments_differing_only_in_case_are_refused_before_anything_runs(tmp_path: Path) -> None:
    tiny = tiny_project.make(tmp_path, "duckdb")
    tiny.segment("vip", 'where: country = "US"\n')
    tiny.segment("vip_upper", 'name: VIP\nwhere: code = "B"\n')
    for args in (["count"], ["run", "vip", "VIP"], ["materialize", "--all"], ["validate"]):
        code, out, err = tiny.invoke(*args)
        assert code == 1 and "E220" in err + out and "differs from segment `vip` only in case" in err + out, args
    assert not tiny.relation_exists("segs", "vip")


# ---- item 5: names PostgreSQL would cut to 63 bytes ----

LONG = "customers_who_bought_in_spring_and_again_in_autumn_of_the_same_year"  # 67 characters


@pytest.mark.postgres
def test_names_postgres_would_cut_are_refused_before_writing(pg_dsn: str, tmp_path: Path) -> None:
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_careless")
    tiny.segment(f"{LONG}_one", 'where: country = "US"\n')  # the first 63 characters of both names are the same
    tiny.segment(f"{LONG}_two", 'where: code = "B"\n')
    code, out, err = tiny.invoke("materialize", "--all")
    assert code == 1 and err.count("error[E408]") == 2, (out, err)
    assert f"segment `{LONG}_one` is 71 characters long: postgres keeps only the first 63" in err
    assert f"segments/{LONG}_one.yml" in err  # pointing at the file
    assert not tiny.relation_exists("segs", f"{LONG}_one"[:63]) and out == ""
    code, out, err = tiny.invoke("count", "--format", "csv")  # reading takes them as they are
    assert code == 0, err
    assert sorted(csv_rows(out)[1:]) == [[f"{LONG}_one", "2", "50.0"], [f"{LONG}_two", "1", "25.0"]]
    code, _, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert sorted((s, k) for _, s, k, _ in tiny.history()) == [(f"{LONG}_one", 1), (f"{LONG}_one", 4),
                                                               (f"{LONG}_two", 2)]
    code, _, err = tiny.invoke("snapshot", "--all", "--schema", "s" * 64)
    assert code == 1 and "E408" in err and "is 64 bytes long" in err


def test_long_names_are_materialized_on_duckdb(tmp_path: Path) -> None:
    tiny = tiny_project.make(tmp_path, "duckdb")
    tiny.segment(f"{LONG}_one", 'where: country = "US"\n')
    tiny.segment(f"{LONG}_two", 'where: code = "B"\n')
    for _ in range(2):
        code, _, err = tiny.invoke("materialize", "--all")
        assert code == 0, err
    assert tiny.sql(f"SELECT customer_id FROM segs.{LONG}_two") == [(2,)]


# ---- item 8: run --output never overwrites the project's files or a target's data ----

def test_output_never_replaces_a_project_file_or_a_target_database(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("us", 'where: country = "US"\n')
    (tiny.root / "tests").mkdir()
    (tiny.root / "tests" / "us.yml").write_text("tests: []\n", encoding="utf-8")
    data = tiny.database
    config = json.loads((tiny.root / "segql.yml").read_text(encoding="utf-8"))
    config["targets"]["other"] = {"type": "duckdb", "path": "${TINY_DATA}"}  # the same file, by a variable
    config["targets"]["files"] = {"type": "duckdb", "tables": {"crm.customers": "parquet/*.parquet"}}
    (tiny.root / "parquet").mkdir()
    tiny.sql(f"COPY crm.customers TO '{tiny.root / 'parquet' / 'customers.parquet'}' (FORMAT parquet)")
    (tiny.root / "segql.yml").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("TINY_DATA", str(data))
    os.symlink(data, tmp_path / "link.duckdb")
    os.link(tiny.root / "schema.yml", tmp_path / "hard.yml")
    protected = {"segql.yml": tiny.root / "segql.yml", "schema.yml": tiny.root / "schema.yml",
                 "segment": tiny.root / "segments" / "us.yml", "test": tiny.root / "tests" / "us.yml",
                 "database": data, "a link to the database": tmp_path / "link.duckdb",
                 "a hard link to the schema": tmp_path / "hard.yml",
                 "a file mapped as a table": tiny.root / "parquet" / "customers.parquet"}
    before = {what: path.read_bytes() for what, path in protected.items()}
    for what, path in protected.items():
        for fmt in ("csv", "parquet", "table"):
            code, out, err = tiny.invoke("run", "us", "--format", fmt, "--output", str(path))
            assert code == 2 and "segql never writes over it" in err, (what, fmt, out, err)
        code, _, err = tiny.invoke("compile", "us", "--out", str(tiny.root / "segments"))  # us.sql is no project file
        assert code == 0, err
    assert {what: path.read_bytes() for what, path in protected.items()} == before
    elsewhere = tmp_path / "members.csv"
    elsewhere.write_text("old\n", encoding="utf-8")
    code, _, err = tiny.invoke("run", "us", "--format", "csv", "--output", str(elsewhere))
    assert code == 0 and elsewhere.read_text(encoding="utf-8") == "customer_id\n1\n4\n", err


# ---- item 9: many segments on PostgreSQL (at most 1664 columns in a SELECT) ----

MANY = 60  # overlap of 58 or more is over 1664 columns


def many_segments(tiny: Tiny, count: int) -> dict[str, set[int]]:
    """`count` segments, each selecting a different set of the four customers; their expected members."""
    expected = {}
    for i in range(count):
        keys = {k for k in (1, 2, 3, 4) if (i >> (k - 1)) & 1} or {i % 4 + 1}
        tiny.segment(f"s{i:03d}", "where: customer_id in [" + ", ".join(map(str, sorted(keys))) + "]\n")
        expected[f"s{i:03d}"] = keys
    return expected


@pytest.mark.postgres
def test_overlap_of_many_segments_on_postgres(pg_dsn: str, tmp_path: Path) -> None:
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_careless")
    expected = many_segments(tiny, MANY)
    code, out, err = tiny.invoke("overlap", "--format", "csv")
    assert code == 0, err
    rows = csv_rows(out)[1:]
    assert len(rows) == MANY * (MANY - 1) // 2
    for a, b, size_a, size_b, both, _ in rows:
        assert (int(size_a), int(size_b), int(both)) == (len(expected[a]), len(expected[b]),
                                                         len(expected[a] & expected[b])), (a, b)


def test_queries_split_at_the_column_limit_give_the_same_answers(request: pytest.FixtureRequest, tmp_path: Path,
                                                                 engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """count, overlap, run --all (wide, with columns) and snapshot split into several queries at a limit of 7
    columns (the mechanism PostgreSQL's 1664 needs) answer as one query does."""
    from segql.dialects import get_dialect

    tiny = make(request, tmp_path, engine)
    expected = many_segments(tiny, 9)
    commands = [("count", "--format", "csv"), ("overlap", "--format", "csv"),
                ("run", "--all", "--shape", "wide", "--columns", "code", "--format", "csv"),
                ("run", "--all", "--format", "csv")]
    whole = [tiny.invoke(*args) for args in commands]
    monkeypatch.setattr(type(get_dialect(engine)), "max_columns", 7)
    for args, (code, out, err) in zip(commands, whole, strict=True):
        assert code == 0, err
        assert tiny.invoke(*args) == (0, out, err), args
    code, _, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert sorted((s, k) for _, s, k, _ in tiny.history()) == sorted((s, k) for s, keys in expected.items() for k in keys)
    assert [(s, n) for _, s, _, n in tiny.snapshots()] == [(s, len(keys)) for s, keys in sorted(expected.items())]


# ---- item 10: ordinary input that once was exit 3 ("a bug in segql") ----

@pytest.fixture
def dated(tmp_path: Path) -> Tiny:
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("ancient", "where: has orders in last 5000 years\n")
    tiny.segment("window", "params:\n  n: {type: integer, default: 30}\nwhere: has orders in last $n days\n")
    tiny.segment("quarter", "where: count(orders in last 3 months) > 0\n")
    tiny.segment("buyers", "where: has orders\n")
    return tiny


@pytest.mark.parametrize(("args", "code", "says"), [
    (["run", "ancient", "--as-of", "2024-06-30"], 1, "error[E302]: segment `ancient`: 2024-06-30 - 5000 years falls "
                                                    "outside the calendar"),
    (["compile", "ancient", "--as-of", "2024-06-30", "--dialect", "postgres"], 1, "segments/ancient.yml:1:1"),
    (["run", "window", "--as-of", "2024-06-30", "--param", "n=1000000000000"], 1, "2024-06-30 - 999999999999 days"),
    (["count", "--as-of", "0001-01-02"], 1, "error[E302]: segment `quarter`: 0001-01-02 - 3 months"),
    (["run", "quarter", "--as-of", "0001-01-01"], 2, "the as-of date 0001-01-01 is outside the dates segql computes "
                                                     "with (0001-01-02 to 9999-12-30)"),
    (["count", "--as-of", "9999-12-31"], 2, "the as-of date 9999-12-31 is outside"),
    (["snapshot", "--all", "--as-of", "9999-12-31"], 2, "the as-of date 9999-12-31 is outside"),
    (["run", "quarter", "--as-of", "9999-12-30"], 0, ""),
])
def test_dates_out_of_range_are_diagnostics(dated: Tiny, args: list[str], code: int, says: str) -> None:
    got, out, err = dated.invoke(*args)
    assert (got, says in err) == (code, True), (out, err)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "table", "parquet"])
@pytest.mark.parametrize("where", ["a missing folder", "an unwritable place", "a full device"])
def test_output_that_cannot_be_written_is_a_usage_error(dated: Tiny, tmp_path: Path, fmt: str, where: str) -> None:
    path = {"a missing folder": tmp_path / "nowhere" / "out", "an unwritable place": Path("/proc/out"),
            "a full device": Path("/dev/full")}[where]
    code, out, err = dated.invoke("run", "buyers", "--format", fmt, "--output", str(path))
    assert code == 2 and f"cannot write `{path}`" in err and "internal error" not in err, (out, err)


def test_a_failed_write_keeps_the_old_file(dated: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output is written beside the file and renamed over it once complete: a write that fails midway (here,
    after the first bytes) leaves neither half a file nor a missing one."""
    old = tmp_path / "members.csv"
    old.write_text("the old members\n", encoding="utf-8")
    real = Path.write_text

    def fail(self: Path, text: str, *args: object, **kwargs: object) -> int:
        real(self, text[:3], encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", fail)
    code, _, err = dated.invoke("run", "buyers", "--format", "csv", "--output", str(old))
    monkeypatch.undo()
    assert code == 2 and "No space left on device" in err
    assert old.read_text(encoding="utf-8") == "the old members\n" and sorted(tmp_path.iterdir()) == [old, tmp_path / "p"]


def test_standard_output_on_a_full_device_is_a_usage_error(dated: Tiny) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(dated.command("compile", "quarter"), stdout=full, stderr=subprocess.PIPE, text=True,
                              env=dated.process_env(), check=False)
    assert done.returncode == 2 and "cannot write the output: No space left on device" in done.stderr, done.stderr


@pytest.mark.parametrize("text", ['# comment\rwhere: has orders # c\r', 'where:\r  all:\r    - has orders\r'
                                  '    - country = "US"\r', 'description: "a\rb"\rwhere:   has orders and   country="US"\r'])
def test_fmt_and_validate_take_lone_cr_line_endings(dated: Tiny, text: str) -> None:
    path = dated.segment("old_mac", "")
    path.write_bytes(text.encode())
    code, out, err = dated.invoke("fmt")
    assert code == 0, (out, err)
    written = path.read_bytes()
    assert b"\n" not in written and written.count(b"\r") >= text.count("\r") - 1  # its line endings kept
    code, out, err = dated.invoke("validate", "--format", "short")
    assert code == 0, out + err
    path.write_bytes(b"where: has orders\r  and nonsense\r")  # a mistake on the second line is shown there
    code, out, _ = dated.invoke("validate", "--format", "short")
    assert code == 1 and "segments/old_mac.yml:2:" in out, out


@pytest.mark.parametrize("value", ["123456789012345678901234567890.5", "1e400", "1" * 39, "1_000"])
def test_an_oversized_decimal_in_a_test_fixture_is_e242(dated: Tiny, value: str) -> None:
    (dated.root / "tests").mkdir()
    (dated.root / "tests" / "big.yml").write_text(
        "as_of: 2024-06-30\nfixtures:\n  customer:\n    - {customer_id: 1, country: US}\n  orders:\n"
        f"    - {{customer_id: 1, ordered_at: 2024-06-01, amount: {value}, status: paid}}\n"
        "segments:\n  quarter: {expect: [1]}\n", encoding="utf-8")
    code, out, err = dated.invoke("test", "--format", "short")
    assert code == 1 and "tests/big.yml:6:" in out + err and "E242" in out + err, (out, err)


# ---- item 14: parameter numbers as the language writes them; a segment's name is text ----

@pytest.mark.parametrize(("kind", "value", "says"), [
    ("integer", "1_000", "write it without `_`: `1000`"), ("decimal", "1_000", "write it without `_`: `1000`"),
    ("integer", "1" * 39, "has more than 38 digits"), ("decimal", "1" * 20 + "." + "1" * 19, "has more than 38 digits"),
    ("decimal", "1e5", "no exponent"), ("float", "1" * 39, "has more than 38 digits"),
])
def test_parameter_values_and_defaults_follow_the_rules_of_numbers(tmp_path: Path, kind: str, value: str,
                                                                   says: str) -> None:
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("given", f"params:\n  x: {{type: {kind}, default: 1}}\nwhere: count(orders) > $x\n")
    code, out, err = tiny.invoke("compile", "given", "--param", f"x={value}")
    assert code == 1 and "error[E227]: bad value for parameter `$x`" in err and says in err, (out, err)
    tiny.segment("given", f"params:\n  x: {{type: {kind}, default: {value}}}\nwhere: count(orders) > $x\n")
    code, out, err = tiny.invoke("validate", "--format", "short")
    assert code == 1 and "segments/given.yml:2:" in out and "E226" in out and says in out, (out, err)
    tiny.segment("given", f"params:\n  x: {{type: {kind}, default: 1}}\nwhere: count(orders) > $x\n")
    for good in ("1000", "-5", "+5", "1" * 38):
        code, _, err = tiny.invoke("compile", "given", "--param", f"x={good}")
        assert code == 0, (good, err)


@pytest.mark.parametrize("name", ["true", "no", "1.5", "2024-01-01"])
def test_a_segment_name_yaml_reads_as_another_kind_of_value_is_e231(tmp_path: Path, name: str) -> None:
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("odd", f"name: {name}\nwhere: has orders\n")
    code, out, _ = tiny.invoke("validate", "--format", "short")
    assert code == 1 and f"segments/odd.yml:1:7: error[E231]: `name: {name}` is not a name" in out, out
    tiny.segment("odd", 'name: "true"\nwhere: has orders\n')  # quoted, it is a name (`in segment true` works)
    tiny.segment("uses", "where: in segment true\n")
    code, out, _ = tiny.invoke("validate", "--format", "short")
    assert code == 0, out


# ---- item 15: a key not declared among the attributes gets the fix as its hint ----

@pytest.mark.parametrize(("key", "attributes", "hint"), [
    ("c_customer_sk", "customer_code: {type: string, column: c_customer_id}",
     "declare it under `attributes:`, e.g. `c_customer_sk: integer` (or, if the key is another attribute, name it: "
     "did you mean `customer_code`?)"),
    ("c_customer_sk", "customer_sk: {type: integer, column: c_customer_sk}",
     "the attribute `customer_sk` reads the column `c_customer_sk`: write `key: customer_sk`"),
    ("customer_idd", "customer_id: integer", "did you mean `customer_id`? If not, declare it under `attributes:`"),
    ("id", "email: string", "declare it under `attributes:`, e.g. `id: integer`"),
])
def test_the_hint_for_an_undeclared_key_shows_the_fix(key: str, attributes: str, hint: str) -> None:
    from segql.schema import load_schema
    from segql.source import SourceFile

    _, problems = load_schema(SourceFile("schema.yml", f"table: crm.customers\nkey: {key}\nattributes:\n  {attributes}\n"))
    [problem] = problems
    assert problem.code == "E201" and problem.hint.startswith(hint), problem.hint
