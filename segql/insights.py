"""Understanding a segment on a target: its size and how much each top-level condition cuts it, why one customer is
in or out (the values each condition read), its members per value of an attribute, a sample of members (PII never
read), and its membership over time from the snapshot history. Each is one query, SELECT only.

What `segql explain`, `segql breakdown` and the workbench (segql.serve) show. Library code: raises DiagnosticError or
UsageProblem, never prints. Imports segql.api, segql.compile, segql.warehouse; sqlglot loads with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from segql.api import Workspace
from segql.check import tree as t
from segql.check.params import parse_value
from segql.diagnostics import UsageProblem, did_you_mean
from segql.source import Span

if TYPE_CHECKING:
    from segql.engines import Engine


# ---- the conditions of a segment ----


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a segment's top-level `and` (or `all:`), as written."""

    text: str
    node: t.Expr
    span: Span
    consent: bool = False  # added by the segment's channel (segql.yml), not written in the segment


def source_text(span: Span) -> str:
    """A span's text on one line (a condition written over several lines of a YAML block)."""
    if span.source is None:
        return ""
    return " ".join(span.source.text[span.start:span.end].split())


def top_conditions(segment: t.CheckedSegment) -> list[Condition]:
    """The conditions whose conjunction is the segment: its `and` / `all:` items, nested ones flattened."""
    own = segment.definition.span.source
    items: list[t.Expr] = []
    stack: list[t.Expr] = [segment.condition]
    while stack:
        node = stack.pop()
        if isinstance(node, t.And):
            stack.extend(reversed(node.items))
        else:
            items.append(node)
    return [Condition(source_text(n.span), n, n.span, consent=n.span.source is not own and n.span.source is not None)
            for n in items]


def values_read(node: t.Expr) -> list[tuple[str, t.Expr]]:
    """The values a condition reads, named as written: attributes, traits, aggregates, parameters, percentiles and
    referenced segments (not what is inside them), once each, in order."""
    out: dict[str, t.Expr] = {}
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, t.Column | t.TraitRef | t.Aggregate | t.Param | t.Percentile | t.SegmentRef):
            if isinstance(current, t.Column) and current.scope in ("event", "step"):
                continue
            name = _value_name(current)
            if name and name not in out:
                out[name] = current
            continue
        children: list[Any] = []
        for attr in getattr(current, "__slots__", ()):
            if attr in ("span", "type"):
                continue
            value = getattr(current, attr)
            if isinstance(value, tuple):
                children.extend(value)
            elif hasattr(value, "__slots__") and not isinstance(value, t.Type):
                children.append(value)
        stack.extend(reversed(children))
    return list(out.items())


def _value_name(node: t.Expr) -> str:
    if isinstance(node, t.Param):
        return f"${node.name}"
    if isinstance(node, t.SegmentRef):
        return f"in segment {node.name}"
    text = source_text(node.span)
    if isinstance(node, t.Aggregate) and text.lower().startswith("has "):
        rest = text[4:].lstrip()
        if rest.lower().startswith("no "):
            rest = rest[3:].lstrip()
        return f"count({rest})"
    return text


# ---- size and the count after each condition ----


@dataclass(slots=True)
class ConditionCount:
    text: str
    members: int  # customers this condition holds for
    cumulative: int  # customers it and every condition before it hold for


@dataclass(slots=True)
class SizeReport:
    as_of: dt.date | None
    total: int  # customers in all
    members: int
    conditions: list[ConditionCount] = field(default_factory=list)


def size_sql(ws: Workspace, segment: t.CheckedSegment, dialect: str, as_of: dt.date | None,
             params: dict[str, Any] | None = None) -> str:
    from segql.compile import TableMap, render
    from segql.compile.sizes import size_query

    conditions = [c.node for c in top_conditions(segment)]
    query = size_query(segment, conditions, tables=TableMap.from_schema(ws.loaded.schema), dialect=dialect,
                       as_of=as_of, timezone=ws.project.timezone, params=params)
    return render(query, dialect)


def size(ws: Workspace, engine: Engine, segment: t.CheckedSegment, as_of: dt.date | None,
         params: dict[str, Any] | None = None) -> SizeReport:
    """The segment's size, all customers, and per top-level condition its own count and the count after it."""
    return read_size(segment, engine.query(size_sql(ws, segment, engine.dialect, as_of, params))[1], as_of)


def read_size(segment: t.CheckedSegment, rows: list[tuple[Any, ...]], as_of: dt.date | None) -> SizeReport:
    values = [int(v or 0) for v in rows[0]]
    conditions = top_conditions(segment)
    counts = [ConditionCount(c.text, values[1 + 2 * i], values[2 + 2 * i]) for i, c in enumerate(conditions)]
    return SizeReport(as_of, values[0], counts[-1].cumulative if counts else values[0], counts)


# ---- explain one customer ----


@dataclass(slots=True)
class Explained:
    text: str
    holds: bool
    values: dict[str, Any]
    consent: bool = False


@dataclass(slots=True)
class Explanation:
    segment: str
    key: Any
    member: bool
    conditions: list[Explained]


def customer_key(ws: Workspace, key: Any) -> Any:
    """A customer key given as text, read as the key attribute's type."""
    schema = ws.loaded.schema
    attribute = schema.attributes.get(schema.key)
    if not isinstance(key, str) or attribute is None or attribute.type.kind in ("string", "enum"):
        return key
    try:
        return parse_value(key, attribute.type)
    except ValueError as err:
        raise UsageProblem(f"the key `{key}` is not a customer key: {err}") from None


def explain(ws: Workspace, engine: Engine, segment: t.CheckedSegment, key: Any, as_of: dt.date | None,
            params: dict[str, Any] | None = None) -> Explanation:
    """Each top-level condition for the customer with this key: whether it held and the values it read."""
    from segql.compile import TableMap, render
    from segql.compile.sizes import explain_query

    value = customer_key(ws, key)
    conditions = top_conditions(segment)
    reads = [values_read(c.node) for c in conditions]
    query = explain_query(segment, [c.node for c in conditions], [[n for _, n in r] for r in reads], value,
                          tables=TableMap.from_schema(ws.loaded.schema), dialect=engine.dialect, as_of=as_of,
                          timezone=ws.project.timezone, params=params)
    _, rows = engine.query(render(query, engine.dialect))
    if not rows:
        raise UsageProblem(f"no customer with key {value!r} in `{'.'.join(ws.loaded.schema.table)}`")
    row = list(rows[0])
    out: list[Explained] = []
    at = 0
    for condition, read in zip(conditions, reads, strict=True):
        holds = bool(row[at])
        values = {name: row[at + 1 + j] for j, (name, _) in enumerate(read)}
        at += 1 + len(read)
        out.append(Explained(condition.text, holds, values, condition.consent))
    return Explanation(segment.name, value, all(c.holds for c in out), out)


# ---- breakdown ----


@dataclass(slots=True)
class Breakdown:
    by: str
    rows: list[tuple[Any, int]]  # (value, members), most members first; None is the missing value

    @property
    def members(self) -> int:
        return sum(n for _, n in self.rows)


def breakdown_value(ws: Workspace, by: str, *, include_pii: bool = False) -> t.Expr:
    """The value to break down by: a customer attribute (`country`), a lookup attribute (`address.state`) or a
    trait; PII only when asked for."""
    schema = ws.loaded.schema
    owner, _, name = by.rpartition(".")
    attribute = None
    if not owner and by in schema.attributes:
        attribute, scope, owner_name = schema.attributes[by], "customer", ""
    elif owner == schema.entity and name in schema.attributes:
        attribute, scope, owner_name = schema.attributes[name], "customer", ""
    elif owner in schema.lookups and name in schema.lookups[owner].attributes:
        attribute, scope, owner_name = schema.lookups[owner].attributes[name], "lookup", owner
    if attribute is not None:
        if attribute.pii and not include_pii:
            raise UsageProblem(f"`{by}` is personal data (pii: true in schema.yml): members are broken down by "
                               "it only when asked to (`segql breakdown --include-pii`)")
        return t.Column(scope, owner_name, attribute.name, attribute.column, attribute.type, span=Span(None, 0, 0))
    trait = ws.result.traits.get(by)
    if trait is not None and not owner:
        return t.TraitRef(by, trait, trait.type)
    choices = [*schema.attributes, *(f"{lk}.{a}" for lk, look in schema.lookups.items() for a in look.attributes),
               *ws.result.traits]
    hint = did_you_mean(by, choices)
    raise UsageProblem(f"`{by}` is no attribute, lookup attribute or trait" + (f"; {hint}" if hint else ""))


def breakdown(ws: Workspace, engine: Engine, segment: t.CheckedSegment, by: str, as_of: dt.date | None,
              params: dict[str, Any] | None = None, *, include_pii: bool = False) -> Breakdown:
    """The segment's members per value of an attribute, lookup attribute or trait (one query)."""
    from segql.compile import TableMap, render
    from segql.compile.sizes import breakdown_query

    value = breakdown_value(ws, by, include_pii=include_pii)
    query = breakdown_query(segment, value, tables=TableMap.from_schema(ws.loaded.schema), dialect=engine.dialect,
                            as_of=as_of, timezone=ws.project.timezone, params=params)
    _, rows = engine.query(render(query, engine.dialect))
    return Breakdown(by, [(v, int(n)) for v, n in rows])


# ---- a sample of members ----


@dataclass(slots=True)
class Sample:
    columns: list[str]  # the key, then every customer attribute
    masked: list[str]  # the PII attributes among them: never read, shown masked
    rows: list[list[Any]]


MASK = "•••"


def sample(ws: Workspace, engine: Engine, segment: t.CheckedSegment, as_of: dt.date | None,
           params: dict[str, Any] | None = None, limit: int = 20) -> Sample:
    """The first members by key with every customer attribute; PII attributes are not selected, only masked."""
    from segql.compile import TableMap, render
    from segql.compile.sizes import sample_query

    schema = ws.loaded.schema
    shown = [a for name, a in schema.attributes.items() if name != schema.key]
    readable = [a for a in shown if not a.pii]
    query = sample_query(segment, [a.column for a in readable], limit, tables=TableMap.from_schema(schema),
                         dialect=engine.dialect, as_of=as_of, timezone=ws.project.timezone, params=params)
    _, rows = engine.query(render(query, engine.dialect))
    out = []
    for row in rows:
        values = dict(zip([a.name for a in readable], row[1:], strict=True))
        out.append([row[0], *(MASK if a.pii else values[a.name] for a in shown)])
    return Sample([schema.key, *(a.name for a in shown)], [a.name for a in shown if a.pii], out)


# ---- membership over time ----


@dataclass(slots=True)
class HistoryRow:
    as_of: dt.date
    members: int
    entered: int  # since the snapshot before (0 on the first)
    exited: int
    definition_changed: bool  # the definition hash differs from the snapshot before


def history(ws: Workspace, engine: Engine, *, schema: str, segment: str) -> list[HistoryRow]:
    """Every snapshot of a segment in the history tables of `schema` (segql snapshot), with who entered and left
    since the snapshot before it; [] when there is no history yet."""
    from sqlglot import exp

    from segql import warehouse
    from segql.dialects import get_dialect

    d = get_dialect(engine.dialect)
    if warehouse.find_relation(engine, schema, warehouse.SNAPSHOTS) is None:
        return []
    name = exp.Literal.string(segment)
    order = exp.Order(expressions=[exp.Ordered(this=d.column("as_of"))])
    lag_day = exp.Window(this=exp.Anonymous(this="LAG", expressions=[d.column("as_of")]), order=order)
    days = exp.select(d.column("as_of"), d.column("members"), d.column("definition_hash"),
                      exp.alias_(lag_day, "previous_day")).from_(
        warehouse.table_node(d, schema, warehouse.SNAPSHOTS)).where(
        exp.EQ(this=d.column("segment"), expression=name))
    _, rows = engine.query(days.order_by(d.column("as_of")).sql(dialect=d.name))
    snapshots = [(_date(r[0]), int(r[1]), str(r[2])) for r in rows]
    key = ws.loaded.schema.key_column

    def moved(into: str, out_of: str) -> dict[dt.date, int]:
        """Per snapshot day, the keys on the `into` side missing on the `out_of` side (the day before or after)."""
        history_table = warehouse.table_node(d, schema, warehouse.HISTORY)
        days_alias = exp.Subquery(this=days.copy(), alias=exp.TableAlias(this=d.identifier("days")))
        on_day = exp.and_(exp.EQ(this=d.column("segment", into), expression=name.copy()),
                          exp.EQ(this=d.column("as_of", into),
                                 expression=d.column("as_of" if into == "cur" else "previous_day", "days")))
        on_other = exp.and_(exp.EQ(this=d.column("segment", out_of), expression=name.copy()),
                            exp.EQ(this=d.column("as_of", out_of),
                                   expression=d.column("previous_day" if into == "cur" else "as_of", "days")),
                            exp.EQ(this=d.column(key, out_of), expression=d.column(key, into)))
        query = (exp.select(d.column("as_of", "days"), exp.Count(this=exp.Star()))
                 .from_(days_alias)
                 .join(exp.alias_(history_table.copy(), into, table=True), on=on_day, join_type="INNER")
                 .join(exp.alias_(history_table.copy(), out_of, table=True), on=on_other, join_type="LEFT")
                 .where(exp.and_(exp.Not(this=exp.Is(this=d.column("previous_day", "days"), expression=exp.Null())),
                                 exp.Is(this=d.column(key, out_of), expression=exp.Null())))
                 .group_by(d.column("as_of", "days")))
        _, found = engine.query(query.sql(dialect=d.name))
        return {_date(day): int(n) for day, n in found}

    entered, exited = moved("cur", "prev"), moved("prev", "cur")
    out = []
    previous_hash = None
    for day, members, digest in snapshots:
        changed = previous_hash is not None and digest != previous_hash
        out.append(HistoryRow(day, members, entered.get(day, 0), exited.get(day, 0), changed))
        previous_hash = digest
    return out


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def jsonable(value: Any) -> Any:
    """A value read from a target as JSON shows it: dates and timestamps in ISO form, decimals as numbers."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    return value
