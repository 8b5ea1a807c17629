"""Lint: warnings (W0xx) about segments and traits that are valid but probably not what their author meant.

Works on the checked tree (spans point into the segment files) and the AST for unused parameters. Each rule
is documented in docs/errors.md under "Warnings". Imports no sqlglot, no duckdb, no yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from segql import ast
from segql.check import CheckResult
from segql.check import tree as t
from segql.diagnostics import CODES, Diagnostic, sort_key
from segql.schema import Attribute, Schema
from segql.source import Span

WARNINGS: dict[str, str] = {code: title for code, title in CODES.items() if code.startswith("W")}


def lint(schema: Schema, result: CheckResult, project_wide: bool = True) -> list[Diagnostic]:
    """Every warning about the checked segments and traits; `project_wide` adds the rules that need the whole
    project to have checked (unused traits)."""
    linter = Linter(schema)
    for name in sorted(result.traits):
        linter.walk(result.traits[name], ())
    for name in sorted(result.segments):
        linter.segment(result.segments[name])
        linter.priority_list(result.segments[name], result)
    if project_wide:
        linter.unused_traits(result)
        linter.shared_salts(result)
    return sorted(linter.warnings, key=sort_key)


# ---- shapes of conditions the rules look for ----

Number = int | Decimal | float


@dataclass(frozen=True, slots=True)
class Constraint:
    """What one condition allows for its subject: the missing value or not, and which values.

    `values` is a frozenset (only those), a (low, low_inclusive, high, high_inclusive) interval with None for
    unbounded, or None for any value; `excluded` are values ruled out (by != and not in)."""

    subject: t.Expr
    null: bool
    values: frozenset[Any] | tuple[Any, bool, Any, bool] | None
    excluded: frozenset[Any] = frozenset()


def constant(expr: t.Expr) -> Any:
    """The value of a literal (None when it is not a literal or has no value)."""
    if isinstance(expr, t.Literal) and expr.value is not None and not expr.type.is_error:
        return expr.value
    return None


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def constraint(cond: t.Expr) -> Constraint | None:
    match cond:
        case t.Compare(op=op, left=left, right=right):
            value = constant(right)
            subject = left
            if value is None:
                value, subject, op = constant(left), right, _FLIP[op]
            if value is None or constant(subject) is not None:
                return None
            if op == "=":
                return Constraint(subject, False, frozenset([value]))
            low, high = (value, None) if op in (">", ">=") else (None, value)
            return Constraint(subject, False, (low, op == ">=", high, op == "<="))
        case t.Between(subject=subject, low=low, high=high):
            lo, hi = constant(low), constant(high)
            if lo is None or hi is None:
                return None
            return Constraint(subject, False, (lo, True, hi, True))
        case t.InList(subject=subject, items=items):
            values = [constant(i) for i in items]
            if any(v is None for v in values):
                return None
            return Constraint(subject, False, frozenset(values))
        case t.IsNull(subject=subject):
            return Constraint(subject, True, frozenset())
        case t.Not(operand=t.IsNull(subject=subject)):
            return Constraint(subject, False, None)
        case t.Not(operand=inner):
            positive = constraint(inner)
            if positive is None or not isinstance(positive.values, frozenset) or positive.null:
                return None
            return Constraint(positive.subject, True, None, positive.values)
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _inside(value: Any, allowed: tuple[Any, bool, Any, bool]) -> bool:
    low, low_in, high, high_in = allowed
    if low is not None and (value < low or (value == low and not low_in)):
        return False
    return not (high is not None and (value > high or (value == high and not high_in)))


def _comparable(*values: Any) -> bool:
    return len({_kind(v) for v in values if v is not None}) <= 1


def compatible(a: Constraint, b: Constraint, integral: bool) -> bool | None:
    """Can one value satisfy both? None when the values cannot be compared (then nothing is claimed)."""
    if a.null and b.null:
        return True
    excluded = a.excluded | b.excluded
    sets = [c.values for c in (a, b) if isinstance(c.values, frozenset)]
    ranges = [c.values for c in (a, b) if isinstance(c.values, tuple)]
    every = [v for s in sets for v in s] + [v for r in ranges for v in (r[0], r[2])] + list(excluded)
    if not _comparable(*every):
        return None
    if ranges and any(_kind(v) == "text" for r in ranges for v in (r[0], r[2]) if v is not None):
        return None  # text order depends on the engine's collation: claim nothing
    if sets:
        candidates = set(sets[0]).intersection(*sets[1:])
        return any(v not in excluded and all(_inside(v, r) for r in ranges) for v in candidates)
    if not ranges:
        return True  # any value, minus finitely many
    lows = [(r[0], r[1]) for r in ranges if r[0] is not None]
    highs = [(r[2], r[3]) for r in ranges if r[2] is not None]
    if not lows or not highs:
        return True
    low, low_in = max(lows, key=lambda p: (p[0], not p[1]))
    high, high_in = min(highs, key=lambda p: (p[0], p[1]))
    if integral and isinstance(low, int) and isinstance(high, int):
        low, low_in = (low, True) if low_in else (low + 1, True)
        high, high_in = (high, True) if high_in else (high - 1, True)
    if low > high or (low == high and not (low_in and high_in)):
        return False
    if low == high:
        return low not in excluded
    return True


@dataclass(frozen=True, slots=True)
class Presence:
    """`has E where P in W` (count > 0) or `has no …` (count = 0)."""

    negated: bool
    event: str
    where: t.Expr | None
    window: t.Window | None


def presence(cond: t.Expr) -> Presence | None:
    match cond:
        case t.Compare(op=">" | "=" as op, left=t.Aggregate(func="count") as agg, right=right) if constant(right) == 0:
            return Presence(op == "=", agg.event, agg.where, agg.window)
    return None


_DAYS = {"day": 1, "week": 7}
_MONTHS = {"month": 1, "year": 12}


def window_within(inner: t.Window | None, outer: t.Window | None) -> bool:
    """Is every event time of `inner` also in `outer`? (False when it cannot be told.)"""
    if outer is None:
        return True
    if inner is None:
        return False
    match inner, outer:
        case t.LastWindow(amount=a, unit=u), t.LastWindow(amount=b, unit=v):
            x, y = constant(a), constant(b)
            if x is None or y is None:
                return False
            for table in (_DAYS, _MONTHS, {"hour": 1}):
                if u in table and v in table:
                    return bool(x * table[u] <= y * table[v])
            return False
        case t.SinceWindow(start=a), t.SinceWindow(start=b):
            x, y = constant(a), constant(b)
            return x is not None and y is not None and x >= y
        case t.BeforeWindow(end=a), t.BeforeWindow(end=b):
            x, y = constant(a), constant(b)
            return x is not None and y is not None and x <= y
    return False


def events_within(a: Presence, b: Presence) -> bool:
    """Is every event counted by `a` also counted by `b`?"""
    return a.event == b.event and (b.where is None or a.where == b.where) and window_within(a.window, b.window)


def implies(a: t.Expr, b: t.Expr) -> bool:
    """Is every customer for whom `a` holds one for whom `b` holds? True only when it can be told from the trees
    (each conjunct of b follows from one of a: the same condition, a narrower range or set of one subject, or the
    presence of fewer events); False when it cannot be told."""
    a_items, b_items = flatten(_unwrap(a), t.And), flatten(_unwrap(b), t.And)
    a_items = [x for item in a_items for x in flatten(_unwrap(item), t.And)]
    return all(any(_follows(x, y) for x in a_items) for y in b_items)


def _follows(x: t.Expr, y: t.Expr) -> bool:
    x, y = _unwrap(x), _unwrap(y)
    if x == y:
        return True
    px, py = presence(x), presence(y)
    if px is not None and py is not None and not px.negated and not py.negated:
        return events_within(px, py)
    cx, cy = constraint(x), constraint(y)
    if cx is None or cy is None or cx.subject != cy.subject or cx.null or cy.null or cx.excluded or cy.excluded:
        return False
    if isinstance(cx.values, frozenset) and isinstance(cy.values, frozenset):
        return _comparable(*cx.values, *cy.values) and cx.values <= cy.values
    if isinstance(cx.values, frozenset) and isinstance(cy.values, tuple):
        return _comparable(*cx.values, cy.values[0], cy.values[2]) and all(_inside(v, cy.values) for v in cx.values)
    if isinstance(cx.values, tuple) and isinstance(cy.values, tuple):
        (lo, lo_in, hi, hi_in), (ylo, ylo_in, yhi, yhi_in) = cx.values, cy.values
        if not _comparable(lo, hi, ylo, yhi) or any(_kind(v) == "text" for v in (lo, hi, ylo, yhi) if v is not None):
            return False
        low_ok = ylo is None or (lo is not None and (lo > ylo or (lo == ylo and (ylo_in or not lo_in))))
        high_ok = yhi is None or (hi is not None and (hi < yhi or (hi == yhi and (yhi_in or not hi_in))))
        return low_ok and high_ok
    return False


def _unwrap(expr: t.Expr) -> t.Expr:
    while isinstance(expr, t.SegmentRef | t.TraitRef):
        expr = expr.condition if isinstance(expr, t.SegmentRef) else expr.expr
    return expr


# ---- walking the trees ----


def children(expr: Any) -> Iterator[Any]:
    """The sub-expressions of a checked node, not entering referenced segments and traits (linted on their own)."""
    if isinstance(expr, t.SegmentRef | t.TraitRef):
        return
    for name in getattr(expr, "__slots__", ()):
        if name in ("span", "type"):
            continue
        value = getattr(expr, name)
        for item in value if isinstance(value, tuple) else (value,):
            if hasattr(item, "__slots__") and not isinstance(item, t.Type) and not isinstance(item, str):
                yield item


def flatten(expr: t.Expr, kind: type[t.And] | type[t.Or]) -> list[t.Expr]:
    if isinstance(expr, kind):
        return [x for item in expr.items for x in flatten(item, kind)]
    return [expr]


def _text(span: Span) -> str:
    if span.source is None:
        return ""
    return " ".join(span.source.text[span.start:span.end].split())


def _quote(span: Span, fallback: str = "this condition") -> str:
    text = _text(span)
    return f"`{text}`" if text and len(text) <= 60 else fallback


def _name(expr: t.Expr) -> str:
    match expr:
        case t.Column(scope="customer", attribute=a):
            return a
        case t.Column(owner=o, attribute=a):
            return f"{o}.{a}"
        case t.TraitRef(name=n):
            return n
    return _text(expr.span) or "the value"


class Linter:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.warnings: list[Diagnostic] = []
        self.consent: frozenset[int] = frozenset()  # ids of channel consent conditions (not written by the user)
        self.redundant: set[int] = set()  # ids of conditions of the current group already reported by W004

    def warn(self, code: str, message: str, span: Span, label: str = "", hint: str = "") -> None:
        self.warnings.append(Diagnostic(code, message, span, label, hint, severity="warning"))

    # ---- per segment ----

    def segment(self, seg: t.CheckedSegment) -> None:
        own = seg.definition.span.source
        condition = seg.condition
        if seg.channel and isinstance(condition, t.And):
            self.consent = frozenset(id(i) for i in condition.items if i.span.source is not own)
        self.walk(condition, ())
        self.consent = frozenset()
        self.unused_params(seg.definition)
        self.pii(seg)
        self.sql_traits(seg)

    def unused_params(self, definition: ast.SegmentDef) -> None:
        used = {node.name for node in _ast_nodes(definition.where) if isinstance(node, ast.Param)}
        for param in definition.params:
            if param.name not in used:
                self.warn("W005", f"parameter `${param.name}` is declared but never used", param.span,
                          "not used in `where`", f"use `${param.name}` in the condition, or remove it from `params:`")

    def pii(self, seg: t.CheckedSegment) -> None:
        seen: set[str] = set()
        for node in _nodes(seg.condition, into_traits=False):
            if isinstance(node, t.Column):
                attr = self.attribute(node)
                if attr is not None and attr.pii and _name(node) not in seen:
                    seen.add(_name(node))
                    self.warn("W007", f"segment `{seg.name}` reads `{_name(node)}`, which schema.yml marks as PII",
                              node.span, "personal data", "make sure this use is allowed; PII is never shown in "
                              "output unless asked for by name")
            elif isinstance(node, t.TraitRef):
                used = [n for n in _nodes(node.expr, into_traits=True) if isinstance(n, t.Column)
                        and (a := self.attribute(n)) is not None and a.pii]
                if used and node.name not in seen:
                    seen.add(node.name)
                    self.warn("W007", f"segment `{seg.name}` uses trait `{node.name}`, which reads "
                              f"`{_name(used[0])}`, marked as PII", node.span, "personal data",
                              "make sure this use is allowed")

    def attribute(self, col: t.Column) -> Attribute | None:
        schema = self.schema
        if col.scope == "customer":
            return schema.attributes.get(col.attribute)
        table = schema.lookups.get(col.owner) if col.scope == "lookup" else schema.events.get(col.owner)
        return table.attributes.get(col.attribute) if table is not None else None

    def sql_traits(self, seg: t.CheckedSegment) -> None:
        used = sorted({n.name for n in _nodes(seg.condition, into_traits=True, into_segments=True)
                       if isinstance(n, t.SqlTrait)})
        if used:
            names = ", ".join(f"`{n}`" for n in used)
            self.warn("W010", f"segment `{seg.name}` depends on SQL trait{'s' if len(used) > 1 else ''} {names}",
                      seg.definition.span, "its meaning is the engine's",
                      "SQL traits are not checked against §3's semantics, may differ between engines and cannot be "
                      "evaluated by `segql explain`; prefer the language where it can say it")

    def priority_list(self, seg: t.CheckedSegment, result: CheckResult) -> None:
        """A segment of a priority list that only holds for customers of a segment above it is always empty."""
        items = seg.definition.priority
        for i, item in enumerate(items):
            later = result.segments.get(item.name)
            if later is None:
                continue
            for above in items[:i]:
                earlier = result.segments.get(above.name)
                if earlier is not None and earlier.name != later.name and implies(later.condition, earlier.condition):
                    self.warn("W012", f"`{item.name}` gets nobody in priority list `{seg.name}`: its members are all "
                              f"in `{above.name}`, above it", item.name_span, "always empty here",
                              f"move `{item.name}` above `{above.name}`, or remove it from the list")
                    break

    def shared_salts(self, result: CheckResult) -> None:
        """Two splits with one salt put the same customers in the same buckets: their holdouts coincide."""
        first: dict[str, t.CheckedSegment] = {}
        for name in sorted(result.segments, key=lambda n: (result.segments[n].definition.span.path, n)):
            seg = result.segments[name]
            splits = seg.definition.splits
            if splits is None:
                continue
            other = first.setdefault(splits.salt, seg)
            if other is not seg:
                self.warn("W011", f"the splits of `{seg.name}` and `{other.name}` share the salt `{splits.salt}`",
                          splits.salt_span, "the same buckets",
                          "the same customers land in the same groups of both (a holdout of one is a holdout of "
                          f"the other); give `{seg.name}` a salt of its own")

    def unused_traits(self, result: CheckResult) -> None:
        used: set[str] = set()
        for expr in [*result.traits.values(), *(s.condition for s in result.segments.values())]:
            used.update(n.name for n in _nodes(expr, into_traits=False) if isinstance(n, t.TraitRef))
        for name, trait in self.schema.traits.items():
            if name not in used and name in result.traits:
                self.warn("W006", f"trait `{name}` is used by no segment and no trait", trait.span, "unused",
                          "use it, or remove it from schema.yml")

    # ---- conditions ----

    def walk(self, expr: t.Expr, guarded: tuple[Any, ...]) -> None:
        """Visit every node; `guarded` holds subjects an enclosing `and` already requires to have a value."""
        match expr:
            case t.And():
                items = flatten(expr, t.And)
                self.group(items, conjunction=True)
                guarded = guarded + tuple(c.subject for c in map(constraint, items) if c is not None and not c.null)
                for item in items:
                    self.walk(item, guarded)
                return
            case t.Or():
                items = flatten(expr, t.Or)
                self.group(items, conjunction=False)
                for item in items:
                    self.walk(item, guarded)
                return
            case t.Not(operand=inner):
                self.negation(expr, inner, guarded)
                self.always(expr)
                if not (isinstance(inner, t.InList) and not inner.items):  # `not in []` said it all
                    self.walk(inner, ())
                return
            case t.Aggregate(where=where) if where is not None:
                self.ambiguous_where(expr, where)
        self.always(expr)
        for child in children(expr):
            self.walk(child, guarded)

    def group(self, items: list[t.Expr], conjunction: bool) -> None:
        """Rules over the items of one `and` (conjunction) or `or`: duplicates, contradictions, implied windows."""
        word = "and" if conjunction else "or"
        user = [i for i in items if id(i) not in self.consent]
        for n, item in enumerate(user):
            if any(item == earlier for earlier in user[:n]):
                self.warn("W008", f"{_quote(item.span)} appears twice in one `{word}`", item.span, "duplicate",
                          "remove one of them")
        self.redundant = set()
        for n, b in enumerate(items):
            for a in items[:n]:
                if a == b:
                    continue
                if conjunction:
                    self.contradiction(a, b)
                elif _opposite(a, b):
                    later = b if id(b) not in self.consent else a
                    self.warn("W002", "`or` of a condition and its negation is always true", later.span,
                              "always true", "every customer matches one or the other; remove the `or`")
                self.implied(a, b, conjunction)

    def contradiction(self, a: t.Expr, b: t.Expr) -> None:
        later = b if id(b) not in self.consent else a
        earlier = a if later is b else b
        if _opposite(a, b):
            self.report_contradiction(earlier, later)
            return
        ca, cb = constraint(a), constraint(b)
        if ca is None or cb is None or ca.subject != cb.subject:
            return
        integral = ca.subject.type == t.INTEGER
        if compatible(ca, cb, integral) is False:
            self.report_contradiction(earlier, later)

    def report_contradiction(self, earlier: t.Expr, later: t.Expr) -> None:
        if id(earlier) in self.consent:
            self.warn("W001", f"{_quote(later.span)} contradicts the consent rule of the segment's channel "
                      f"({_quote(earlier.span, 'segql.yml')}), so the segment is always empty", later.span,
                      "never true with the channel's consent", "drop the condition or the segment's `channel:`")
            return
        where = f" (line {earlier.span.line})" if earlier.span.line != later.span.line else ""
        self.warn("W001", f"{_quote(later.span)} contradicts {_quote(earlier.span, 'an earlier condition')}{where}: "
                  "no customer can match both", later.span, "never true together with the other",
                  "did you mean `or`, or swap the bounds?")

    def implied(self, a: t.Expr, b: t.Expr, conjunction: bool) -> None:
        pa, pb = presence(a), presence(b)
        if pa is None or pb is None or pa.negated != pb.negated or pa == pb:
            return
        for x, y, px, py in ((a, b, pa, pb), (b, a, pb, pa)):
            if not events_within(px, py):
                continue
            # x's events are among y's: has(x) implies has(y); has no(y) implies has no(x)
            strong, weak = (x, y) if not px.negated else (y, x)
            redundant = weak if conjunction else strong
            other = strong if redundant is weak else weak
            if id(redundant) in self.consent or id(redundant) in self.redundant:
                return
            self.redundant.add(id(redundant))
            verb = "is implied by" if conjunction else "implies"
            self.warn("W004", f"{_quote(redundant.span)} {verb} {_quote(other.span, 'another condition')}, "
                      f"so it changes nothing in this `{'and' if conjunction else 'or'}`", redundant.span,
                      "redundant", "remove it, or change one of the windows if both were meant to count")
            return

    def always(self, expr: t.Expr) -> None:
        """Conditions that hold for every customer or for none, whatever the data."""
        match expr:
            case t.InList(items=()):
                self.warn("W002", "`in []` is always false: the list is empty", expr.span, "always false",
                          "add values to the list, or remove the condition")
            case t.Not(operand=t.InList(items=())):
                self.warn("W002", "`not in []` is always true: the list is empty", expr.span, "always true",
                          "add values to the list, or remove the condition")
            case t.Between(low=low, high=high):
                lo, hi = constant(low), constant(high)
                if lo is not None and hi is not None and _comparable(lo, hi) and _kind(lo) != "text" and lo > hi:
                    self.warn("W002", f"`between {lo} and {hi}` is always false: the low bound is above the high one",
                              expr.span, "always false", f"write `between {hi} and {lo}`")
            case t.Compare(op=op, left=left, right=right):
                count, value = (left, constant(right)) if isinstance(left, t.Aggregate) else (right, constant(left))
                if not (isinstance(count, t.Aggregate) and count.func in ("count", "count_distinct")):
                    return
                if value is None or _kind(value) != "number":
                    return
                if count is right:
                    op = _FLIP[op]
                verdict = _count_verdict(op, value)
                if verdict is not None:
                    self.warn("W002", f"{_quote(expr.span)} is always {verdict}: a count is never negative",
                              expr.span, f"always {verdict}",
                              "remove it" if verdict == "true" else "did you mean `>` or `= 0`?")

    def negation(self, expr: t.Expr, inner: t.Expr, guarded: tuple[Any, ...]) -> None:
        """`!=`, `not in`, `not between`, `not contains` on a customer's value that may be missing."""
        match inner:
            case t.InList(items=()):
                return  # `not in []`: always true, said by W002
            case t.Compare(op="=") | t.InList() | t.Between() | t.Match():
                subject = inner.left if isinstance(inner, t.Compare) else inner.subject
            case _:
                return
        if isinstance(inner, t.Compare) and constant(subject) is not None:
            subject = inner.right
        if not isinstance(subject, t.Column) or subject.scope == "event" or subject in guarded:
            return
        if subject.scope == "customer" and subject.attribute == self.schema.key:
            return
        name = _name(subject)
        extra = f" (and those without an `{subject.owner}` row)" if subject.scope == "lookup" else ""
        self.warn("W003", f"{_quote(expr.span)} also selects customers with no `{name}`{extra}", expr.span,
                  "includes missing values", f"if they are not meant, write `{name} is not null and …`")

    def ambiguous_where(self, agg: t.Aggregate, where: t.Expr) -> None:
        """`has orders where status = "paid" and email_opt_in`: the last part reads like a customer condition."""
        if not isinstance(where, t.And):
            return
        last = where.items[-1]
        columns = [n for n in _nodes(last, into_traits=True) if isinstance(n, t.Column)]
        if not columns or any(c.scope == "event" for c in columns):
            return
        if any(isinstance(n, t.Aggregate) for n in _nodes(last, into_traits=True)):
            return
        if f"{self.schema.entity}." in _text(last.span):
            return  # written `customer.x`: clearly meant per event
        self.warn("W009", f"{_quote(last.span)} is part of the `where` of `{agg.event}`, though it does not "
                  "depend on the event", last.span, f"inside `{agg.func}({agg.event} where …)`",
                  f"if it is meant for the customer, close the aggregate before it (parentheses around `has …`); "
                  f"to keep it per event, write `{self.schema.entity}.{_name(columns[0])}`")


def _opposite(a: t.Expr, b: t.Expr) -> bool:
    """Is one condition the negation of the other (`x` and `not x`, `has E …` and `has no E …`)?"""
    if a == t.Not(b) or b == t.Not(a):
        return True
    pa, pb = presence(a), presence(b)
    return pa is not None and pb is not None and pa.negated != pb.negated and (
        (pa.event, pa.where, pa.window) == (pb.event, pb.where, pb.window))


def _count_verdict(op: str, value: Any) -> str | None:
    match op:
        case ">=":
            return "true" if value <= 0 else None
        case ">":
            return "true" if value < 0 else None
        case "<":
            return "false" if value <= 0 else None
        case "<=" | "=":
            return "false" if value < 0 else None
    return None


def _nodes(expr: Any, into_traits: bool, into_segments: bool = False) -> Iterator[Any]:
    """Every node of a checked tree; into trait definitions and referenced segments only when asked."""
    yield expr
    if isinstance(expr, t.TraitRef) and into_traits:
        yield from _nodes(expr.expr, into_traits, into_segments)
    if isinstance(expr, t.SegmentRef) and into_segments:
        yield from _nodes(expr.condition, into_traits, into_segments)
    for child in children(expr):
        yield from _nodes(child, into_traits, into_segments)


def _ast_nodes(node: Any) -> Iterator[Any]:
    yield node
    for name in getattr(node, "__slots__", ()):
        if name.endswith("span"):
            continue
        value = getattr(node, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, ast.Node):
                yield from _ast_nodes(item)
