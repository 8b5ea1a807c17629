"""schema.yml: the model the loader builds, and every schema diagnostic with its position."""

from __future__ import annotations

from pathlib import Path

import pytest

from segql.check import check_project
from segql.schema import Schema, load_schema
from segql.source import SourceFile
from segql.syntax.yamlpos import read_source
from segql.types import BOOLEAN, DATE, DECIMAL, FLOAT, INTEGER, STRING, TIMESTAMP

ACME = Path(__file__).parent / "fixtures" / "acme"

BASE = "table: crm.customers\nkey: id\nattributes:\n  id: integer\n"  # lines 1-4


def load(text: str) -> tuple[Schema, list[tuple[str, int, int]], list[str]]:
    """The schema, (code, line, column) of every problem (loading and trait checking), and their texts."""
    schema, found = load_schema(SourceFile("schema.yml", text))
    found = found + check_project(schema, []).diagnostics
    return schema, [(d.code, d.span.line, d.span.column) for d in found], [f"{d.message} | {d.hint}" for d in found]


@pytest.fixture(scope="module")
def acme() -> Schema:
    schema, found = load_schema(read_source(str(ACME / "schema.yml"), "schema.yml"))
    assert found == []
    return schema


def test_acme_schema_model(acme: Schema) -> None:
    assert acme.entity == "customer"
    assert acme.table == ("crm", "customers")
    assert acme.key == "customer_id" and acme.key_column == "customer_id"
    types = {name: attr.type for name, attr in acme.attributes.items()}
    assert types["customer_id"] == INTEGER and types["email"] == STRING and types["birth_date"] == DATE
    assert types["signup_at"] == TIMESTAMP and types["email_opt_in"] == BOOLEAN
    assert types["lifetime_value"] == DECIMAL and types["score"] == FLOAT
    assert types["country"].kind == "enum" and types["country"].values == ("US", "CA", "GB", "DE", "FR")
    assert acme.attributes["email"].pii and not acme.attributes["country"].pii
    assert acme.attributes["lifetime_value"].description == "Sum of paid orders, from finance"
    address = acme.lookups["address"]
    assert address.table == ("crm", "addresses") and address.on == (("address_id", "address_id"),)
    assert set(address.attributes) == {"state", "city"}


def test_acme_events(acme: Schema) -> None:
    orders = acme.events["orders"]
    assert (orders.table, orders.key, orders.time, orders.time_type) == (("sales", "orders"), "customer_id",
                                                                          "ordered_at", TIMESTAMP)
    assert orders.attributes["status"].type.values == ("paid", "cancelled", "refunded")
    sessions = acme.events["web_sessions"]
    assert (sessions.time, sessions.time_type) == ("started_at", TIMESTAMP)
    assert sessions.attributes["device"].type.values == ("desktop", "mobile", "tablet")
    wishlist = acme.events["wishlist_items"]
    assert (wishlist.time, wishlist.time_type) == (None, None)
    assert wishlist.key == "customer_id"  # defaults to the customer key


def test_acme_traits_check(acme: Schema) -> None:
    result = check_project(acme, [])
    assert result.diagnostics == []
    assert {name: str(expr.type) for name, expr in result.traits.items()} == {
        "age": "integer", "spend_365": "decimal", "is_adult": "boolean", "sessions_30": "integer",
        "recent_buyer": "boolean",
    }


def test_attribute_options() -> None:
    schema, found, _ = load(BASE + '  e: {type: string, pii: true, column: "E-Mail", description: "d"}\n'
                            "  d: {type: date, pii: false}\n")
    assert found == []
    e = schema.attributes["e"]
    assert (e.column, e.pii, e.description) == ("E-Mail", True, "d")
    assert schema.attributes["d"].column == "d"


def test_event_time_column_declared_as_date() -> None:
    schema, found, _ = load(BASE + "events:\n  visits:\n    table: v\n    time: day\n    attributes:\n"
                            "      day: {type: date, column: visit_day}\n")
    assert found == []
    assert (schema.events["visits"].time, schema.events["visits"].time_type) == ("visit_day", DATE)


def test_undeclared_time_column_is_a_timestamp() -> None:
    schema, found, _ = load(BASE + "events:\n  visits:\n    table: v\n    time: at\n")
    assert found == []
    assert schema.events["visits"].time_type == TIMESTAMP and schema.events["visits"].attributes["at"].type == TIMESTAMP


EVENT = "events:\n  orders:\n    table: o\n"  # lines 5-7

# schema text → [(code, line, column)], and a fragment of some message or hint
SCHEMA_PROBLEMS = [
    ("E230 unknown type", BASE + "  x: dat\n", [("E230", 5, 6)], "did you mean `date`?"),
    ("E230 in a mapping", BASE + "  x: {type: strng}\n", [("E230", 5, 13)], "did you mean `string`?"),
    ("E230 nothing close", BASE + "  x: blob\n", [("E230", 5, 6)], "the types are integer, decimal"),
    ("E230 in an event", BASE + EVENT + "    time: at\n    attributes:\n      n: integr\n", [("E230", 10, 10)],
     "did you mean `integer`?"),
    ("E233 missing time", BASE + EVENT, [("E233", 6, 3)], "`time: none`"),
    ("E233 time not temporal", BASE + EVENT + "    time: at\n    attributes:\n      at: string\n",
     [("E233", 8, 11)], "declare `at` as date or timestamp"),
    ("time: none is fine", BASE + EVENT + "    time: none\n", [], ""),
    ("E234 lookup named like an attribute", BASE + "lookups:\n  id:\n    table: x\n    on: {a: b}\n"
     "    attributes: {c: string}\n", [("E234", 6, 3)], "names both an attribute and a lookup"),
    ("E234 trait named like an event", BASE + EVENT + "    time: at\ntraits:\n  orders: id + 1\n",
     [("E234", 10, 3)], "names both an event and a trait"),
    ("E234 event named like a lookup", BASE + "lookups:\n  a:\n    table: x\n    on: {a: b}\n"
     "    attributes: {c: string}\nevents:\n  a:\n    table: y\n    time: none\n", [("E234", 11, 3)],
     "names both a lookup and an event"),
    ("E234 trait named like the entity", BASE + "traits:\n  customer: id > 1\n", [("E234", 6, 3)], "the entity"),
    ("E235 enum without values", BASE + "  x: {type: enum}\n", [("E235", 5, 13)], "values: [paid, cancelled]"),
    ("E235 enum with empty values", BASE + "  x: {type: enum, values: []}\n", [("E235", 5, 13)], "has no `values`"),
    ("E231 keyword names", BASE + "  count: integer\n  or: string\n", [("E231", 5, 3), ("E231", 6, 3)],
     "set `column: count`"),
    ("E231 keyword in any case", BASE + "  Has: integer\n", [("E231", 5, 3)], "keyword"),
    ("E231 keyword event", BASE + "events:\n  where:\n    table: o\n    time: none\n", [("E231", 6, 3)], "keyword"),
    ("E231 keyword trait", BASE + "traits:\n  today: id > 1\n", [("E231", 6, 3)], "keyword"),
    ("E231 not an identifier", BASE + "  bad-name: integer\n", [("E231", 5, 3)], "column:"),
    ("E232 double dot", "table: a..b\nkey: id\nattributes: {id: integer}\n", [("E232", 1, 8)], "schema.name"),
    ("E232 empty", "table: ''\nkey: id\nattributes: {id: integer}\n", [("E232", 1, 8)], "is empty"),
    ("E232 four parts", "table: a.b.c.d\nkey: id\nattributes: {id: integer}\n", [("E232", 1, 8)],
     "database.schema.name"),
    ("E232 lookup table", BASE + "lookups:\n  a:\n    table: x.\n    on: {a: b}\n    attributes: {c: string}\n",
     [("E232", 7, 12)], "not a valid table name"),
    ("E105 unknown top-level key", BASE + "colour: red\n", [("E105", 5, 1)], "the keys allowed here are"),
    ("E105 unknown attribute key", BASE + "  x: {type: string, pi: true}\n", [("E105", 5, 21)], "did you mean `pii`?"),
    ("E105 unknown event key", BASE + EVENT + "    time: none\n    tim: at\n", [("E105", 9, 5)],
     "did you mean `time`?"),
    ("E105 unknown lookup key", BASE + "lookups:\n  a:\n    table: x\n    on: {a: b}\n    attributes: {c: string}\n"
     "    join: x\n", [("E105", 10, 5)], "unknown key `join` in lookup `a`"),
    ("E104 no key", "table: t\nattributes:\n  id: integer\n", [("E104", 1, 1)], "has no `key`"),
    ("E104 empty schema", "", [("E104", 1, 1)], "schema.yml is empty"),
    ("E104 attribute without type", BASE + "  x:\n", [("E104", 5, 3)], "has no type"),
    ("E104 lookup without on", BASE + "lookups:\n  a:\n    table: x\n    attributes: {c: string}\n", [("E104", 7, 5)],
     "has no `on`"),
    ("E201 key not declared", "table: t\nkey: cid\nattributes:\n  id: integer\n", [("E201", 2, 6)],
     "did you mean `id`?"),
    ("E201 key not declared, nothing close", "table: t\nkey: zz\nattributes:\n  id: integer\n", [("E201", 2, 6)],
     "declare it under `attributes:`, e.g. `zz: integer`"),
    ("E103 schema is a list", "- a\n", [("E103", 1, 1)], "must be a mapping"),
    ("E103 trait is a list", BASE + "traits:\n  t: [1]\n", [("E103", 6, 6)], "single value"),
    ("E107 pii not a boolean", BASE + "  x: {type: boolean, pii: maybe}\n", [("E107", 5, 27)], "true or false"),
    ("E101 YAML", BASE + "  x: [integer\n", [("E101", 6, 1)], "started on line 5"),
    ("E110 trait syntax", BASE + "traits:\n  t: id >> 1\n", [("E110", 6, 10)], "found `>`"),
    ("E110 trait syntax, block", BASE + "traits:\n  t: |\n    id > 1\n    and id >> 2\n", [("E110", 8, 13)],
     "expected a value or a condition"),
    ("E113 trait date", BASE + "traits:\n  t: id = 2024-02-30\n", [("E113", 6, 11)], "YYYY-MM-DD"),
    ("E201 trait type error", BASE + "traits:\n  t: idd > 1\n", [("E201", 6, 6)], "did you mean `id`?"),
    ("E206 parameter in a trait", BASE + "traits:\n  t: $p > 1\n", [("E206", 6, 6)], "move the condition into a segment"),
    ("E211 trait types", BASE + 'traits:\n  t: id = "1"\n', [("E211", 6, 6)], "numbers are written without quotes"),
    ("E218 self cycle", BASE + "traits:\n  a: a + 1\n", [("E218", 6, 6)], "cycle among traits: a → a"),
    ("E218 three traits", BASE + "traits:\n  a: b + 1\n  b: c + 1\n  c: a + 1\n", [("E218", 8, 6)],
     "cycle among traits: a → b → c → a"),
    ("E218 cycle behind a good trait", BASE + "traits:\n  ok: x > 1\n  x: y + 1\n  y: x * 2\n", [("E218", 8, 6)],
     "x → y → x"),
]


@pytest.mark.parametrize(("text", "expected", "fragment"), [(t, e, f) for _, t, e, f in SCHEMA_PROBLEMS],
                         ids=[i for i, *_ in SCHEMA_PROBLEMS])
def test_schema_problem(text: str, expected: list[tuple[str, int, int]], fragment: str) -> None:
    _, found, texts = load(text)
    assert found == expected
    assert any(fragment in t for t in texts) or not expected


def test_every_problem_of_a_schema_is_reported_at_once() -> None:
    text = BASE + "  a: dat\n  b: {type: enum}\n  count: integer\ncolour: red\n" + EVENT + "traits:\n  t: a + + 1\n"
    _, found, _ = load(text)
    assert sorted({code for code, _, _ in found}) == ["E105", "E110", "E230", "E231", "E233", "E235"]


def test_a_trait_cycle_names_every_member_once() -> None:
    _, found, texts = load(BASE + "traits:\n  a: b + 1\n  b: c + 1\n  c: a + d\n  d: id\n")
    assert [f[0] for f in found] == ["E218"]
    (text,) = texts
    for name in ("a", "b", "c"):
        assert f"{name} →" in text or f"→ {name}" in text
    assert "d" not in text.split("|")[0].replace("traits", "")


def test_empty_table_name_message() -> None:
    _, _, texts = load("table: ''\nkey: id\nattributes: {id: integer}\n")
    assert "``" not in texts[0]
