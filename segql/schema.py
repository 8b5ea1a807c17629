"""The customer schema (schema.yml): entity, attributes, lookups, events, traits; and its loader.

Checked like a segment: every problem is a diagnostic with a position. Imports no sqlglot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from segql import ast
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.source import NO_SPAN, SourceFile, Span
from segql.syntax.parser import parse_expression
from segql.syntax.yamlpos import Shape, YMap, YNode, YScalar, load_yaml
from segql.types import DECLARABLE_TYPES, ERROR, SCALAR_TYPES, TIMESTAMP, Type

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
COLUMN_RE = re.compile(r"[^\x00]+\Z")

# Words the language reserves: a schema name spelled like one could never be referred to.
KEYWORDS = frozenset(
    "and or not between in is null contains starts ends with has no where top by true false today now ago "
    "since before count count_distinct sum avg min max first last first_time last_time".split()
)


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    type: Type
    column: str
    pii: bool = False
    description: str = ""
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Lookup:
    name: str
    table: tuple[str, ...]
    on: tuple[tuple[str, str], ...]  # (customer column, lookup column)
    attributes: dict[str, Attribute]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    table: tuple[str, ...]
    key: str  # column holding the customer key
    time: str | None  # the event-time column, or None for `time: none`
    time_type: Type | None
    attributes: dict[str, Attribute]
    span: Span = field(default=NO_SPAN, compare=False)


# The dialects a SQL trait may be written for (DESIGN §3.14); the compiler refuses one without an entry (E310).
SQL_DIALECTS = ("duckdb", "postgres", "snowflake", "clickhouse", "spark", "databricks")


@dataclass(frozen=True, slots=True)
class Trait:
    """A named expression of the language, or (DESIGN §3.14) a SQL expression per dialect with a declared type."""

    name: str
    expr: ast.Expr | None
    span: Span = field(default=NO_SPAN, compare=False)
    sql: tuple[tuple[str, str], ...] = ()  # (dialect, SQL text)
    type: Type | None = None  # declared, for a SQL trait
    description: str = ""
    # where each SQL text is in schema.yml: the file offset of every character (plus one past the end)
    sql_offsets: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), compare=False, repr=False)


@dataclass(slots=True)
class Schema:
    entity: str
    table: tuple[str, ...]
    key: str
    attributes: dict[str, Attribute]
    lookups: dict[str, Lookup] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    traits: dict[str, Trait] = field(default_factory=dict)
    source: SourceFile | None = None

    @property
    def key_column(self) -> str:
        attr = self.attributes.get(self.key)
        return attr.column if attr else self.key


def _key_hint(key: str, attributes: dict[str, Attribute]) -> str:
    """The fix for a key that names no attribute: the attribute reading that column; a near-identical name (a
    typo: `customer_idd`); else to declare it, a merely similar attribute mentioned after, never instead
    (`c_customer_sk` is not `customer_code`)."""
    import difflib

    reading = [a.name for a in attributes.values() if a.column == key]
    if reading:
        return f"the attribute `{reading[0]}` reads the column `{key}`: write `key: {reading[0]}`"
    declare = f"declare it under `attributes:`, e.g. `{key}: integer`"
    typo = difflib.get_close_matches(key, list(attributes), n=1, cutoff=0.9)
    if typo:
        return f"did you mean `{typo[0]}`? If not, {declare}"
    close = did_you_mean(key, attributes)
    return declare + (f" (or, if the key is another attribute, name it: {close})" if close else "")


def load_schema(source: SourceFile) -> tuple[Schema, list[Diagnostic]]:
    """A best-effort schema and the problems found; unusable parts are left out or typed `error`."""
    shape = Shape()
    try:
        root = load_yaml(source)
    except DiagnosticError as err:
        return _empty(source), err.diagnostics
    top = shape.mapping(root, "schema.yml")
    if top is None:
        if root is None:
            shape.error("E104", "schema.yml is empty", Span(source, 0, 0), "", "declare `table`, `key` and `attributes`")
        return _empty(source), shape.problems
    shape.keys(top, ("entity", "table", "key", "attributes", "lookups", "events", "traits", "description"),
               "the schema", required=("table", "key", "attributes"))
    entity = shape.text(top.get("entity"), "`entity`", "customer")
    table = _table(shape, top.get("table"), "the customer table")
    key = shape.text(top.get("key"), "`key`", "")
    attributes = _attributes(shape, top.get("attributes"), "customer")
    key_node = top.get("key")
    if key and key not in attributes and isinstance(key_node, YScalar):
        shape.error("E201", f"the key `{key}` is not among the attributes", key_node.span, "not declared",
                    _key_hint(key, attributes))
    schema = Schema(entity, table, key, attributes, source=source)
    names: dict[str, tuple[str, Span]] = {entity: ("the entity", Span(source, 0, 0))}

    def claim(name: str, what: str, span: Span) -> None:
        if name in names:
            shape.error("E234", f"`{name}` names both {names[name][0]} and {what}", span, "name already used",
                        "give each lookup, event and trait its own name")
        else:
            names[name] = (what, span)

    for name, attr in attributes.items():
        names.setdefault(name, ("an attribute", attr.span))
    lookups = shape.mapping(top.get("lookups"), "`lookups`")
    for key_node_, node in lookups.items if lookups else []:
        spec = shape.mapping(node, f"lookup `{key_node_.value}`")
        if spec is None or not _valid_name(shape, key_node_):
            continue
        shape.keys(spec, ("table", "on", "attributes", "description"), f"lookup `{key_node_.value}`",
                   required=("table", "on", "attributes"))
        claim(key_node_.value, "a lookup", key_node_.span)
        on_map = shape.mapping(spec.get("on"), "`on`")
        on = tuple((k.value, shape.text(v, "a join column")) for k, v in (on_map.items if on_map else []))
        schema.lookups[key_node_.value] = Lookup(
            key_node_.value, _table(shape, spec.get("table"), f"lookup `{key_node_.value}`"), on,
            _attributes(shape, spec.get("attributes"), f"lookup `{key_node_.value}`"), key_node_.span)
    events = shape.mapping(top.get("events"), "`events`")
    for key_node_, node in events.items if events else []:
        spec = shape.mapping(node, f"event `{key_node_.value}`")
        if spec is None or not _valid_name(shape, key_node_):
            continue
        claim(key_node_.value, "an event", key_node_.span)
        schema.events[key_node_.value] = _event(shape, key_node_, spec, schema)
    traits = shape.mapping(top.get("traits"), "`traits`")
    for key_node_, node in traits.items if traits else []:
        if not _valid_name(shape, key_node_):
            continue
        claim(key_node_.value, "a trait", key_node_.span)
        trait = _trait(shape, key_node_, node, source)
        if trait is not None:
            schema.traits[key_node_.value] = trait
    return schema, shape.problems


def _trait(shape: Shape, name: YScalar, node: YNode | None, source: SourceFile) -> Trait | None:
    """`name: <expression>`, `name: {expr: <expression>, description: …}`, or a SQL trait
    `name: {type: float, sql: {duckdb: "…", postgres: "…"}, description: …}`."""
    what = f"trait `{name.value}`"
    description = ""
    if isinstance(node, YMap):
        shape.keys(node, ("expr", "sql", "type", "description"), what)
        description = shape.text(node.get("description"), "`description`")
        if node.get("sql") is not None:
            return _sql_trait(shape, name, node, description)
        if node.get("expr") is None:
            shape.error("E104", f"{what} has neither `expr` nor `sql`", name.span, "no definition",
                        "write the trait as an expression, or give `sql:` per dialect with a `type:`")
            return None
        node = node.get("expr")
    scalar = shape.scalar(node, what)
    if scalar is None:
        return None
    try:
        expr = parse_expression(scalar.value, source, scalar.offsets())
    except DiagnosticError as err:
        shape.problems.extend(err.diagnostics)
        return None
    return Trait(name.value, expr, name.span, description=description)


def _sql_trait(shape: Shape, name: YScalar, node: YMap, description: str) -> Trait | None:
    what = f"SQL trait `{name.value}`"
    if node.get("expr") is not None:
        key = node.key("expr")
        shape.error("E267", f"{what} has both `expr` and `sql`", key.span if key else name.span, "one definition only",
                    "keep the expression of the language, or the SQL, not both")
        return None
    kind = shape.scalar(node.get("type"), f"the type of {what}")
    if kind is None:
        shape.error("E267", f"{what} needs a `type`", name.span, "type missing",
                    "segql cannot infer the type of SQL: add e.g. `type: float`")
        return None
    typ = _type(shape, kind, None, f"`{name.value}`")
    if kind.value == "enum":
        shape.error("E267", f"{what} cannot be an enum", kind.span, "not a SQL trait type",
                    "declare it as `string`")
        return None
    entries = shape.mapping(node.get("sql"), f"the `sql` of {what}")
    sql: list[tuple[str, str]] = []
    offsets: list[tuple[str, tuple[int, ...]]] = []
    for dialect, text in entries.items if entries else []:
        if dialect.value not in SQL_DIALECTS:
            shape.error("E267", f"`{dialect.value}` is not a dialect segql compiles to", dialect.span, "unknown dialect",
                        did_you_mean(dialect.value, SQL_DIALECTS) or "the dialects are " + ", ".join(SQL_DIALECTS))
            continue
        scalar = shape.scalar(text, f"the {dialect.value} SQL of {what}")
        if scalar is None or scalar.is_null or not scalar.value.strip():
            shape.error("E267", f"the {dialect.value} SQL of {what} is empty", dialect.span, "no SQL",
                        "write one SQL expression over the customer row `c`, e.g. `c.churn_score`")
            continue
        sql.append((dialect.value, scalar.value))
        offsets.append((dialect.value, tuple(scalar.offsets())))
    if not sql or typ.is_error:
        return None
    return Trait(name.value, None, name.span, tuple(sql), typ, description, tuple(offsets))


def _empty(source: SourceFile) -> Schema:
    return Schema("customer", ("customers",), "", {}, source=source)


def _valid_name(shape: Shape, key: YScalar) -> bool:
    if not NAME_RE.match(key.value):
        shape.error("E231", f"`{key.value}` is not a valid name", key.span, "names use letters, digits and _",
                    "rename it, and map it to the physical name with `column:`")
        return False
    if key.value.lower() in KEYWORDS:
        shape.error("E231", f"`{key.value}` is a keyword of the segql language", key.span, "cannot be referred to",
                    f"rename it (e.g. `{key.value}_value`) and set `column: {key.value}`")
        return False
    return True


def _table(shape: Shape, node: object, what: str) -> tuple[str, ...]:
    scalar = shape.scalar(node, f"the table of {what}")  # type: ignore[arg-type]
    if scalar is None or scalar.is_null:
        return ("",)
    parts = tuple(scalar.value.split("."))
    if not scalar.value.strip():
        shape.error("E232", f"the table name of {what} is empty", scalar.span, "no table",
                    "write the table as `name`, `schema.name` or `database.schema.name`")
    elif any(not p.strip() for p in parts) or len(parts) > 3:
        shape.error("E232", f"`{scalar.value}` is not a valid table name", scalar.span, "expected `table` or `schema.table`",
                    "write the table as `name`, `schema.name` or `database.schema.name`")
    return parts


def _type(shape: Shape, node: YScalar | None, values: object, where: str) -> Type:
    if node is None or node.is_null:
        return ERROR
    name = node.value
    if name not in DECLARABLE_TYPES:
        hint = did_you_mean(name, DECLARABLE_TYPES) or "the types are " + ", ".join(DECLARABLE_TYPES)
        shape.error("E230", f"unknown type `{name}`", node.span, "not a segql type", hint)
        return ERROR
    if name != "enum":
        return SCALAR_TYPES[name]
    seq = shape.sequence(values, f"the values of enum {where}")  # type: ignore[arg-type]
    items = [shape.text(v, "an enum value") for v in seq.items] if seq else []
    if not items:
        shape.error("E235", f"enum {where} has no `values`", node.span, "an enum needs a closed list of values",
                    "add e.g. `values: [paid, cancelled]`")
        return ERROR
    return Type("enum", tuple(items))


def _attributes(shape: Shape, node: object, owner: str) -> dict[str, Attribute]:
    mapping = shape.mapping(node, f"the attributes of {owner}")  # type: ignore[arg-type]
    out: dict[str, Attribute] = {}
    for key, spec in mapping.items if mapping else []:
        if not _valid_name(shape, key):
            continue
        where = f"`{key.value}`"
        if isinstance(spec, YMap):
            shape.keys(spec, ("type", "values", "pii", "description", "column"), f"attribute {where}",
                       required=("type",))
            kind = shape.scalar(spec.get("type"), f"the type of {where}")
            typ = _type(shape, kind, spec.get("values"), where)
            column = shape.text(spec.get("column"), "`column`", key.value) or key.value
            out[key.value] = Attribute(key.value, typ, column, shape.flag(spec.get("pii"), "`pii`"),
                                       shape.text(spec.get("description"), "`description`"), key.span)
        else:
            kind = shape.scalar(spec, f"the type of {where}")
            if kind is not None and kind.is_null:
                shape.error("E104", f"attribute {where} has no type", key.span, "type missing", "e.g. `string`")
            out[key.value] = Attribute(key.value, _type(shape, kind, None, where), key.value, span=key.span)
    return out


def _event(shape: Shape, name: YScalar, spec: YMap, schema: Schema) -> Event:
    what = f"event `{name.value}`"
    shape.keys(spec, ("table", "key", "time", "attributes", "description"), what, required=("table",))
    attributes = _attributes(shape, spec.get("attributes"), what)
    key = shape.text(spec.get("key"), "`key`", schema.key_column) or schema.key_column
    time_node = spec.get("time")
    time: str | None = shape.text(time_node, "`time`") or None
    time_type: Type | None = None
    if time_node is None:
        shape.error("E233", f"{what} has no `time` column", name.span, "events need a time",
                    "add `time: <column>` (the event's date or timestamp), or `time: none` if the table has none")
    elif time and time.lower() == "none":
        time = None
    elif time:
        declared = attributes.get(time)
        if declared is None:
            attributes[time] = Attribute(time, TIMESTAMP, time, span=time_node.span)
            time_type = TIMESTAMP
        elif declared.type.is_temporal:
            time_type = declared.type
            time = declared.column
        else:
            shape.error("E233", f"the time column `{time}` of {what} is declared as {declared.type}",
                        time_node.span, "not a date or timestamp", f"declare `{time}` as date or timestamp")
            time = None
    return Event(name.value, _table(shape, spec.get("table"), what), key, time, time_type, attributes, name.span)
