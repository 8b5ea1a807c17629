"""The compiler: a CheckedSegment → one sqlglot SELECT of the member keys, with §3's semantics built in.

Dialect-neutral: every construct that differs between engines is asked of the SqlDialect object.
SQL is built from node constructors only; user values become literal nodes. Imports sqlglot,
segql.check.tree, segql.dialects and the sibling modules.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlglot import exp

from segql.check import tree as t
from segql.check.params import parse_value
from segql.compile import dates, sql
from segql.compile.passes import EMPTY_IS_ZERO, EventPass, build_pass, common_conditions
from segql.compile.tables import TableMap
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.dialects import SqlDialect
from segql.source import NO_SPAN, Span

Temporal = dt.date | dt.datetime
Bound = dt.date | exp.Expression  # a date known at compile time, or the SQL computing it

RANKS, RANKED, RANK, VALUE = "ranks", "ranked", "percentile", "value"


def _error(code: str, message: str, span: Span = NO_SPAN, hint: str = "") -> DiagnosticError:
    return DiagnosticError([Diagnostic(code, message, span, hint=hint)])


class Compiler:
    """Compiles one segment; holds the event passes and lookups its condition needs."""

    def __init__(self, tables: TableMap, dialect: SqlDialect, as_of: dt.date | None, timezone: str,
                 params: dict[str, Any]) -> None:
        self.tables = tables
        self.d = dialect
        self.as_of = as_of
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _error("E301", f"unknown time zone `{timezone}`", hint="use an IANA name such as `Europe/Paris`") from None
        self.timezone = timezone
        self.utc = timezone in ("UTC", "Etc/UTC")
        self.params = params  # the values of the parameters in scope (a referenced segment has its own)
        names = {*tables.lookups, *tables.events}
        self.customer_alias = next(a for a in ("c", "c_", "customer", "customer_") if a not in names)
        self.passes: dict[str, EventPass] = {}
        self.lookups: list[str] = []  # joined to the main query, in order of first use
        self.inside: EventPass | None = None  # the pass whose aggregate is being compiled
        # Percentiles: their values are compiled by `ranker` (with the passes and lookups they need) and ranked
        # over all customers in one derived table of key and ranks, joined by key (see `ranks_join`).
        self.ranker: Compiler | None = None
        self.ranked: list[tuple[exp.Expression, bool]] = []  # each distinct value ranked, and if it can be NULL
        self.ranks_alias = ""
        self._splits: dict[int, tuple[t.Aggregate, list[t.Expr], list[t.Expr]]] = {}
        self.present: list[t.Column] = []  # columns known not to be NULL where the condition being compiled counts

    @contextmanager
    def parameters(self, params: dict[str, Any]) -> Iterator[None]:
        """Compile with a referenced segment's own parameter values, then the outer ones again."""
        outer, self.params = self.params, params
        try:
            yield
        finally:
            self.params = outer

    # ---- the query ----

    def query(self, condition: t.Expr) -> exp.Select:
        """SELECT the key of every customer for whom the condition holds.

        A pass whose aggregates, empty, make the condition false (`count(…) >= 3`, `max(…) > 10`) is INNER JOINed:
        a customer without its events is no member anyway, and the engine can filter the pass before joining."""
        where = self.cond(condition)
        key = self.d.column(self.tables.key, self.customer_alias)
        required = self.false_without(condition) if self.passes else set()
        return sql.select([key], self.customers(), self.joins(required=required), where)

    def memberships(self, segments: list[tuple[str, t.Expr, dict[str, Any]]]) -> exp.Select:
        """SELECT every customer's key and one TRUE/FALSE column per segment (named after it), all
        segments sharing one pass per event table."""
        columns: list[exp.Expression] = [self.d.column(self.tables.key, self.customer_alias)]
        for name, condition, params in segments:
            self.params = params
            columns.append(sql.alias(self.strict(condition), self.d.identifier(name)))
        return sql.select(columns, self.customers(), self.joins())

    def customers(self) -> exp.Table:
        return self.d.table(self.tables.customer, self.customer_alias)

    def joins(self, required: set[str] | frozenset[str] = frozenset()) -> list[exp.Join]:
        """The lookups and event passes the compiled conditions used (call after compiling them); the passes
        named in `required` are inner joins."""
        joins = [self.lookup_join(name) for name in self.lookups]
        for name in sorted(self.passes, key=list(self.tables.events).index):
            joins.append(self.pass_join(self.passes[name], inner=name in required))
        if self.ranker is not None:
            joins.append(self.ranks_join())
        return joins

    def lookup_join(self, name: str) -> exp.Join:
        d, c = self.d, self.customer_alias
        lookup = self.tables.lookups[name]
        on = sql.and_([sql.binary(exp.EQ, d.column(lk_col, name), d.column(c_col, c)) for c_col, lk_col in lookup.on.items()])
        return sql.join(d.table(lookup.table, name), on)

    def pass_join(self, p: EventPass, inner: bool = False) -> exp.Join:
        d, c = self.d, self.customer_alias
        event = p.table
        joins = []
        if p.needs_customer:
            on = sql.binary(exp.EQ, d.column(self.tables.key, c), d.column(event.key, p.alias))
            joins.append(sql.join(d.table(self.tables.customer, c), on, side=""))
            joins += [self.lookup_join(name) for name in p.lookups]
        time = d.column(event.time, p.alias) if event.time else None
        conditions = sql.conjuncts(self.pass_filter(p)) if event.time else []
        conditions += [c.copy() for c in common_conditions(p) if c not in conditions]
        where = sql.and_(conditions) if conditions else None
        query = build_pass(p, d, d.table(event.table, p.alias), joins, where, d.column(event.key, p.alias), time)
        on = sql.binary(exp.EQ, d.column(event.key, p.alias), d.column(self.tables.key, c))
        return sql.join(sql.subquery(query, d.identifier(p.alias)), on, side="" if inner else "LEFT")

    def pass_filter(self, p: EventPass) -> exp.Expression:
        """Events on or before the as-of date (a missing time never passes), within the widest window."""
        today = self.today_value()
        parts = [self.event_time_upper(p, today, inclusive=True)]
        bounds = p.lower_bounds
        if bounds and all(b is not None for b in bounds):
            known = [b for b in bounds if isinstance(b, dt.date)]
            computed: list[exp.Expression] = []
            for b in bounds:
                if isinstance(b, exp.Expression) and b not in computed:
                    computed.append(b)
            widest: Bound
            if not computed:
                widest = min(known)
            else:
                items = ([self.date_sql(min(known))] if known else []) + [b.copy() for b in computed]
                widest = items[0] if len(items) == 1 else self.d.least(items)
            parts.insert(0, self.event_time_lower(p, widest, inclusive=True))
        return sql.and_(parts)

    # ---- conditions ----

    def cond(self, node: t.Expr) -> exp.Expression:
        """A condition's SQL; it may be NULL where §3 says false, so use it only where NULL acts as false
        (WHERE, CASE WHEN, AND/OR operands). `strict` gives the never-NULL form."""
        match node:
            case t.Compare(op=op, left=left, right=right):
                ranged = self.date_range(node)
                if ranged is not None:
                    return ranged
                bare = self.bare_coalesce(node)
                if bare is not None:
                    return sql.binary(_COMPARE[op], *(self.value(side) for side in bare))
                lifted = self.lifted_guard(node)
                if lifted is not None:
                    aggregate, guard = lifted
                    values = [self.aggregate(aggregate, guarded=False) if side is aggregate else self.value(side)
                              for side in (_unwrap(left), _unwrap(right))]
                    return sql.and_([*(self.cond(c) for c in guard), sql.binary(_COMPARE[op], *values)])
                return sql.binary(_COMPARE[op], self.value(left), self.value(right))
            case t.Between(subject=subject, low=low, high=high):
                ranged = self.date_range(node)
                if ranged is not None:
                    return ranged
                return sql.between(self.value(subject), self.value(low), self.value(high))
            case t.InList(subject=subject, items=items):
                if not items:
                    return exp.Boolean(this=False)
                return exp.In(this=sql.wrap(self.value(subject), 5), expressions=[self.value(i) for i in items])
            case t.IsNull(subject=subject):
                return exp.Is(this=sql.wrap(self.value(subject), 5), expression=exp.Null())
            case t.Match():
                return self.match(node)
            case t.Not(operand=operand):
                return sql.not_(self.strict(operand))
            case t.And(items=items):
                # `x is not null and x not in [...]`: beside the first, the second needs no COALESCE against
                # a missing x (the AND is false there anyway)
                present = [i.operand.subject for i in items
                           if isinstance(i, t.Not) and isinstance(i.operand, t.IsNull) and isinstance(i.operand.subject, t.Column)]
                self.present.extend(present)
                try:
                    return sql.and_([self.cond(i) for i in items])
                finally:
                    del self.present[len(self.present) - len(present):]
            case t.Or(items=items):
                return sql.or_([self.cond(i) for i in items])
            case t.Truth(operand=operand):
                return self.value(operand)
            case t.TraitRef(expr=expr):
                return self.cond(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.parameters(params):
                    return self.cond(condition)
        if node.type == t.BOOLEAN:
            return self.value(node)
        raise AssertionError(f"not a condition: {node!r}")  # pragma: no cover

    def strict(self, node: t.Expr) -> exp.Expression:
        """The condition as exactly TRUE or FALSE (NULL read as false), for NOT and for values."""
        result = self.cond(node)
        return self.d.never_null(result) if self.nullable(node) else result

    def match(self, node: t.Match) -> exp.Expression:
        """contains / starts_with / ends_with: case-insensitive, `%` `_` `\\` in the pattern are plain text."""
        before = "%" if node.op in ("contains", "ends_with") else ""
        after = "%" if node.op in ("contains", "starts_with") else ""
        known = self.constant(node.pattern)
        if isinstance(known, str):
            pattern: exp.Expression = exp.Literal.string(before + _escape_like(known) + after)
        else:
            escaped = self.value(node.pattern)
            for char in ("\\", "%", "_"):  # the backslash first, so the escapes added are not doubled
                escaped = exp.Anonymous(this="REPLACE", expressions=[
                    escaped, exp.Literal.string(char), exp.Literal.string("\\" + char)])
            pattern = escaped
            if before:
                pattern = sql.binary(exp.DPipe, exp.Literal.string(before), pattern)
            if after:
                pattern = sql.binary(exp.DPipe, pattern, exp.Literal.string(after))
        return self.d.like_insensitive(self.value(node.subject), pattern)

    def nullable(self, node: t.Expr) -> bool:
        """Can the SQL of this node be NULL? (Columns always can; the schema does not say NOT NULL.)"""
        match node:
            case t.Literal(value=value):
                return value is None
            case t.Param():
                return self.param_value(node) is None
            case t.Today() | t.Now() | t.Duration() | t.IsNull() | t.Not():
                return False
            case t.Column():
                return node not in self.present
            case t.Arith(op=op, left=left, right=right):
                return op in "/%" or self.nullable(left) or self.nullable(right)
            case t.Negate(operand=operand) | t.Truth(operand=operand) | t.Percentile(expr=operand):
                return self.nullable(operand)
            case t.Call(name="coalesce", args=args):
                return all(self.nullable(a) for a in args)
            case t.Call(args=args):
                return any(self.nullable(a) for a in args)
            case t.Aggregate(func=func):
                return func not in EMPTY_IS_ZERO
            case t.TraitRef(expr=expr):
                return self.nullable(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.parameters(params):
                    return self.nullable(condition)
            case t.Compare(left=a, right=b):
                # a lifted guard (see `lifted_guard`) on a customer's attributes may be NULL
                return self.nullable(a) or self.nullable(b) or self.lifted_guard(node) is not None \
                    or self.bare_coalesce(node) is not None
            case t.Between(subject=s, low=lo, high=hi):
                return self.nullable(s) or self.nullable(lo) or self.nullable(hi)
            case t.InList(subject=s, items=items):
                return self.nullable(s) or any(self.nullable(i) for i in items)
            case t.Match(subject=s, pattern=p):
                return self.nullable(s) or self.nullable(p)
            case t.And(items=items) | t.Or(items=items):
                return any(self.nullable(i) for i in items)
        return True  # pragma: no cover

    # ---- values ----

    def value(self, node: t.Expr) -> exp.Expression:
        match node:
            case t.Literal(value=value, type=typ):
                return self.literal(value, typ)
            case t.Param(type=typ):
                return self.literal(self.param_value(node), typ)
            case t.Today():
                return self.date_sql(self.today_value())
            case t.Now():
                return self.instant_sql(self.now_value())
            case t.Column():
                return self.column(node)
            case t.Arith():
                return self.arith(node)
            case t.Negate(operand=operand):
                return sql.neg(self.value(operand))
            case t.Call():
                return self.call(node)
            case t.Percentile(expr=expr):
                return self.percentile(expr)
            case t.Aggregate():
                return self.aggregate(node)
            case t.TraitRef(expr=expr):
                return self.value(expr)
            case t.Compare() | t.Between() | t.InList() | t.IsNull() | t.Match() | t.Not() | t.And() | t.Or() \
                    | t.Truth() | t.SegmentRef():
                return self.strict(node)
        raise AssertionError(f"cannot compile {node!r}")  # pragma: no cover

    def literal(self, value: Any, typ: t.Type) -> exp.Expression:
        match value:
            case None:
                return exp.Null()
            case bool():
                return exp.Boolean(this=value)
            case int():
                return sql.number(value)
            case Decimal():
                return sql.number(format(value, "f"))
            case float():
                return sql.number(repr(value))
            case str():
                return exp.Literal.string(value)
            case dt.datetime():
                if value.tzinfo is not None:  # an offset given in a parameter: timestamps are naive UTC
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)
                return self.d.timestamp_literal(value)
            case dt.date():
                return self.d.date_literal(value)
        raise AssertionError(f"unexpected literal {value!r} of type {typ}")  # pragma: no cover

    def param_value(self, node: t.Param) -> Any:
        if node.name not in self.params:
            raise _error("E227", f"parameter `${node.name}` has no value", node.span,
                         f"pass one with `--param {node.name}=…` or give it a default")
        return self.params[node.name]

    def column(self, node: t.Column) -> exp.Expression:
        d = self.d
        if node.scope == "event":
            if self.inside is None or node.owner != self.inside.event:
                raise AssertionError(f"event attribute outside its aggregate: {node!r}")  # the checker forbids it
            return d.column(node.column, self.inside.alias)
        if node.scope == "lookup":
            if self.inside is not None:
                self.inside.use_lookup(node.owner)
            elif node.owner not in self.lookups:
                self.lookups.append(node.owner)
            return d.column(node.column, node.owner)
        if self.inside is not None:
            self.inside.needs_customer = True
        return d.column(node.column, self.customer_alias)

    def arith(self, node: t.Arith) -> exp.Expression:
        left, right, op = node.left, node.right, node.op
        if isinstance(right, t.Duration):
            known = self.constant(node)
            if known is not None:
                return self.literal(known, node.type)
            return self.shift(self.value(left), left.type == t.DATE, self.amount(right.amount, op), right.unit)
        a, b = self.value(left), self.value(right)
        match op:
            case "+":
                return sql.binary(exp.Add, a, b)
            case "-":
                return sql.binary(exp.Sub, a, b)
            case "*":
                return sql.binary(exp.Mul, a, b)
            case "/":
                return self.d.divide(sql.wrap(a, 6), sql.wrap(b, 6))
            case "%":
                floating = t.FLOAT in (left.type, right.type)
                return self.d.modulo(sql.wrap(a, 7), sql.wrap(b, 7), floating)
        raise AssertionError(f"unknown operator {op}")  # pragma: no cover

    def amount(self, raw: t.Literal | t.Param, op: str = "+") -> int:
        """A duration's whole number of units, negated for `-`."""
        value = raw.value if isinstance(raw, t.Literal) else self.param_value(raw)
        return -int(value) if op == "-" else int(value)

    def shift(self, value: exp.Expression, is_date: bool, amount: int, unit: str) -> exp.Expression:
        """date|timestamp + amount units (negative to subtract)."""
        if unit == "week":
            amount, unit = amount * 7, "day"
        if unit == "hour" and is_date:
            return self.d.add(self.day_start(value), amount, "hour", is_date=False)
        return self.d.add(value, amount, unit, is_date)

    # ---- functions ----

    def call(self, node: t.Call) -> exp.Expression:
        d, args, name = self.d, node.args, node.name
        if name in ("year", "month", "day_of_week"):
            day = self.known_date(args[0])
            if day is not None:  # of a pinned today, a literal or a parameter: folded
                return sql.number(day.year if name == "year" else day.month if name == "month" else day.isoweekday())
        match name:
            case "lower":
                return exp.Lower(this=self.value(args[0]))
            case "upper":
                return exp.Upper(this=self.value(args[0]))
            case "trim":
                return exp.Trim(this=self.value(args[0]))
            case "length":
                return exp.Length(this=self.value(args[0]))
            case "abs":
                return exp.Abs(this=self.value(args[0]))
            case "floor":
                return exp.Floor(this=self.value(args[0]))
            case "ceil":
                return exp.Ceil(this=self.value(args[0]))
            case "round":
                digits = self.value(args[1]) if len(args) > 1 else None
                return d.round(self.value(args[0]), digits, floating=args[0].type == t.FLOAT)
            case "coalesce":
                first, *rest = [self.value(a) for a in args]
                return exp.Coalesce(this=first, expressions=rest)
            case "date":
                return self.to_date(args[0])
            case "year":
                return d.year(self.local(args[0]))
            case "month":
                return d.month(self.local(args[0]))
            case "day_of_week":
                return d.day_of_week(self.local(args[0]))
            case "days_between":
                return d.days_between(self.to_date(args[0]), self.to_date(args[1]))
            case "days_since":
                return d.days_between(self.to_date(args[0]), self.date_sql(self.today_value()))
            case "years_between":
                return self.years_between(self.to_date(args[0]), self.to_date(args[1]))
        raise AssertionError(f"unknown function {name}")  # pragma: no cover

    def years_between(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """Whole years from a to b: the largest n with a + n years <= b (months clamp, so a birthday on
        Feb 29 is reached on Feb 28 of a common year); negative, symmetrically, when b is before a."""

        def forward(start: exp.Expression, end: exp.Expression) -> exp.Expression:
            years = sql.binary(exp.Sub, self.d.year(end.copy()), self.d.year(start.copy()))
            anniversary = self.d.add_years(start.copy(), years.copy())
            not_yet = sql.case(sql.binary(exp.GT, anniversary, end.copy()), sql.number(1), sql.number(0))
            return sql.binary(exp.Sub, years, not_yet)

        ordered = sql.binary(exp.LTE, a, b)
        return sql.case(ordered, forward(a, b), sql.neg(forward(b, a)))

    def percentile(self, expr: t.Expr) -> exp.Expression:
        """The customer's rank, a column of the ranks table (one column per distinct value, see `ranks_join`)."""
        d, key = self.d, self.tables.key
        ranker = self.ranker
        if ranker is None:
            ranker = self.ranker = Compiler(self.tables, d, self.as_of, self.timezone, self.params)
            taken = {*self.tables.lookups, *self.tables.events, self.customer_alias}
            self.ranks_alias = next(a for n in range(1, len(taken) + 2)
                                    if (a := RANKS if n == 1 else f"{RANKS}_{n}") not in taken)
        ranker.params = self.params  # a referenced segment's percentile reads its own parameters
        value = ranker.value(expr)
        number = next((n for n, (known, _) in enumerate(self.ranked, start=1) if known == value), 0)
        if not number:
            self.ranked.append((value, self.nullable(expr)))
            number = len(self.ranked)
        return d.column(_numbered(RANK, number, key), self.ranks_alias)

    def ranks_join(self) -> exp.Join:
        """LEFT JOIN (SELECT key, <rank of value_1> AS percentile_1, … FROM (SELECT c.key, <value> AS value_1, …
        FROM customers c <the passes and lookups the values need>)) AS ranks ON ranks.key = c.key.

        A rank is 100 × (customers with a strictly lower value) / (customers with a value − 1); 0 when only one
        has a value; NULL without a value. RANK gives ties the same rank on every engine. Ranking only key and
        values, apart from the main query, lets the main query filter as usual (and a percentile inside another's
        value is ranked by the ranker's own ranks table)."""
        d, key, ranker = self.d, self.tables.key, self.ranker
        assert ranker is not None
        values: list[exp.Expression] = [d.column(key, ranker.customer_alias)]
        ranks: list[exp.Expression] = [d.column(key, RANKED)]
        only = len(self.ranked) == 1 and self.ranked[0][1]
        for number, (value, nullable) in enumerate(self.ranked, start=1):
            name = _numbered(VALUE, number, key)
            values.append(sql.alias(value, d.identifier(name)))
            v = d.column(name, RANKED)
            order = exp.Order(expressions=[exp.Ordered(this=v.copy(), desc=False, nulls_first=False)])
            rank = exp.Window(this=exp.Anonymous(this="RANK", expressions=[]), order=order)
            lower = sql.binary(exp.Mul, sql.binary(exp.Sub, rank, sql.number(1)), sql.number(100))
            others = sql.binary(exp.Sub, exp.Window(this=exp.Count(this=v.copy())), sql.number(1))
            share: exp.Expression = exp.Coalesce(this=self.d.divide(lower, others), expressions=[sql.number(0)])
            if nullable and not only:
                share = sql.case(exp.Not(this=exp.Is(this=v, expression=exp.Null())), share)
            ranks.append(sql.alias(share, d.identifier(_numbered(RANK, number, key))))
        # one value that can be missing: only the customers with one are ranked (the others join to no row)
        where = exp.Not(this=exp.Is(this=sql.wrap(self.ranked[0][0].copy(), 5), expression=exp.Null())) if only else None
        inner = sql.select(values, ranker.customers(), ranker.joins(), where)
        query = sql.select(ranks, sql.subquery(inner, d.identifier(RANKED)))
        on = sql.binary(exp.EQ, d.column(key, self.ranks_alias), d.column(key, self.customer_alias))
        return sql.join(sql.subquery(query, d.identifier(self.ranks_alias)), on)

    # ---- aggregates ----

    def lifted_guard(self, node: t.Compare) -> tuple[t.Aggregate, list[t.Expr]] | None:
        """An aggregate compared here whose `where` has conditions on the customer alone, and those conditions,
        when the comparison is never true where they fail (the aggregate is then empty: NULL, or 0 for a count or
        sum compared with a constant that 0 fails). The comparison is then compiled as `<conditions> AND <aggregate
        without them> <op> …`, so that the engine filters customers before joining, instead of
        `COALESCE(CASE WHEN <conditions> THEN … END, 0) <op> …`."""
        if self.inside is not None:
            return None
        for side, other, flip in ((node.left, node.right, False), (node.right, node.left, True)):
            aggregate = _unwrap(side)
            if not isinstance(aggregate, t.Aggregate):
                continue
            _, on_customer = self.split_where(aggregate)
            if not on_customer:
                continue
            if aggregate.func in EMPTY_IS_ZERO:
                known = self.constant(other)
                operands = (known, 0) if flip else (0, known)
                if _holds(node.op, *operands) is not False:
                    continue
            return aggregate, on_customer
        return None

    # ---- comparisons of a monotone function of one date with constants ----

    def date_range(self, node: t.Compare | t.Between) -> exp.Expression | None:
        """`age between 25 and 40` (age = years_between(birth_date, today)), `birth_date + 18 years <= today`,
        `year(signup_at) = 2026`, with constants on the other side (a pinned as-of date among them): the dates for
        which the comparison holds, found at compile time, as a range on the date itself (`c.birth_date BETWEEN
        DATE … AND DATE …`), which engines check from the column alone (and skip row groups by) instead of
        computing the function for every row. Exact by construction: the function is monotone in the date, and
        the range is searched with the calendar arithmetic the SQL does (segql.compile.dates); None otherwise."""
        if isinstance(node, t.Between):
            low, high = self.constant(node.low), self.constant(node.high)
            found = self.monotone(node.subject)
            if found is None or low is None or high is None:
                return None
            ranges = [(op, k) for op, k in ((">=", low), ("<=", high))]
        else:
            found = self.monotone(node.left)
            known = self.constant(node.right)
            op = node.op
            if found is None:
                found, known, op = self.monotone(node.right), self.constant(node.left), _FLIPPED[node.op]
            if found is None or known is None:
                return None
            ranges = [(op, known)]
        subject, function, increasing, kind = found
        if not all(_comparable(kind, k) for _, k in ranges):
            return None
        days = _interval(function, increasing, tuple(ranges))
        if days is None:
            return exp.Boolean(this=False)
        return self.date_between(subject, *days)

    def monotone(self, node: t.Expr) -> tuple[t.Expr, tuple[Any, ...], bool, str] | None:
        """(x, f, increasing, "number" or "date") when the node is f(the date of x) for f monotone and x the one
        operand not known at compile time, f given as a key of `_FUNCTIONS` and its constants; else None."""
        node = _unwrap(node)
        match node:
            case t.Call(name="years_between" | "days_between" as name, args=(a, b)):
                since, until = self.known_date(a), self.known_date(b)
                if until is not None and since is None and _is_date(a):
                    return a, (f"{name}_until", until), False, "number"
                if since is not None and until is None and _is_date(b):
                    return b, (f"{name}_since", since), True, "number"
            case t.Call(name="days_since", args=(a,)):
                if self.as_of is not None and self.known_date(a) is None and _is_date(a):
                    return a, ("days_between_until", self.as_of), False, "number"
            case t.Call(name="year", args=(a,)):
                if self.known_date(a) is None and _is_date(a):
                    return a, ("year",), True, "number"
            case t.Call(name="date", args=(a,)):  # a timestamp's date compared with a date: from day starts
                if a.type == t.TIMESTAMP and self.constant(a) is None:
                    return a, ("date",), True, "date"
            case t.Arith(op="+" | "-" as op, left=left, right=t.Duration(unit=unit) as duration):
                if left.type == t.DATE and unit != "hour" and self.constant(left) is None:
                    return left, ("add", self.amount(duration.amount, op), unit), True, "date"
        return None

    def known_date(self, node: t.Expr) -> dt.date | None:
        """The date (in the project's zone) of a node known at compile time, else None."""
        known = self.constant(node)
        if isinstance(known, dt.datetime):
            return dates.utc_to_local_date(known, self.zone)
        return known if isinstance(known, dt.date) else None

    def date_between(self, node: t.Expr, first: dt.date | None, last: dt.date | None) -> exp.Expression:
        """The date of a date or timestamp expression is within [first, last] (None: unbounded on that side)."""
        value = self.value(node)
        if node.type != t.TIMESTAMP:
            if first is not None and last is not None:
                if first == last:
                    return sql.binary(exp.EQ, value, self.date_sql(first))
                return sql.between(value, self.date_sql(first), self.date_sql(last))
            low, high = (sql.binary(exp.GTE, value, self.date_sql(first)) if first is not None else None,
                         sql.binary(exp.LTE, value.copy(), self.date_sql(last)) if last is not None else None)
        else:  # a timestamp's date is read in the project's zone: compare with the starts of days there
            low = sql.binary(exp.GTE, value, self.day_start(first)) if first is not None else None
            high = sql.binary(exp.LT, value.copy(), self.day_start(dates.add(last, 1, "day"))) \
                if last is not None else None
        parts = [p for p in (low, high) if p is not None]
        return sql.and_(parts) if parts else exp.Not(this=exp.Is(this=sql.wrap(value, 5), expression=exp.Null()))

    def split_where(self, node: t.Aggregate) -> tuple[list[t.Expr], list[t.Expr]]:
        """`_split_where` of an aggregate, once per node (asked again by `nullable` and `lifted_guard`)."""
        found = self._splits.get(id(node))
        if found is None or found[0] is not node:
            found = self._splits[id(node)] = (node, *_split_where(node.where, node.value))
        return found[1], found[2]

    def bare_coalesce(self, node: t.Compare) -> tuple[t.Expr, t.Expr] | None:
        """`coalesce(x, k) >= 200` where `k >= 200` is false: the operands of `x >= 200`, which is false exactly
        where x is missing (NULL, read as false where a condition is used) and lets the engine read the column
        alone; None otherwise."""
        for side, other, flip in ((node.left, node.right, False), (node.right, node.left, True)):
            call = _unwrap(side)
            if not (isinstance(call, t.Call) and call.name == "coalesce" and len(call.args) == 2):
                continue
            known, default = self.constant(other), self.constant(call.args[1])
            if _holds(node.op, *((known, default) if flip else (default, known))) is False:
                return (other, call.args[0]) if flip else (call.args[0], other)
        return None

    # ---- customers without events ----

    def false_without(self, node: t.Expr) -> set[str]:
        """The event tables such that, for a customer without events in the table's pass, the condition is never
        true (its aggregates over that table are then all empty: 0 for count and sum, NULL otherwise)."""
        match node:
            case t.And(items=items):
                return set().union(*(self.false_without(i) for i in items))
            case t.Or(items=items):
                return set.intersection(*(self.false_without(i) for i in items))
            case t.TraitRef(expr=expr):
                return self.false_without(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.parameters(params):
                    return self.false_without(condition)
            case t.Compare(op=op, left=left, right=right):
                return self._never_true(lambda a, b: _holds(op, a, b), left, right)
            case t.Between(subject=subject, low=low, high=high):
                return self._never_true(lambda x, lo, hi: _both(_holds(">=", x, lo), _holds("<=", x, hi)),
                                        subject, low, high)
            case t.InList(subject=subject) | t.Match(subject=subject):
                return self._never_true(lambda x: None, subject)  # only a NULL subject is known to fail
            case t.Truth(operand=operand):
                return self._never_true(lambda x: x if isinstance(x, bool) else None, operand)
        return set()

    def _never_true(self, holds: Any, *operands: t.Expr) -> set[str]:
        found: set[str] = set()
        for event in self.passes:  # the event tables the query aggregates (an operand without one is _UNKNOWN)
            values = [self.empty_value(o, event) for o in operands]
            if any(v is _NULL for v in values) or (_UNKNOWN not in values and holds(*values) is False):
                found.add(event)
        return found

    def empty_value(self, node: t.Expr, event: str) -> Any:
        """The value of an expression for a customer without events in the event table's pass: _NULL, a Python
        value when it is known, or _UNKNOWN."""
        match node:
            case t.Aggregate(event=owner, func=func):
                if owner != event:
                    return _UNKNOWN
                return 0 if func in EMPTY_IS_ZERO else _NULL
            case t.Literal(value=value):
                return _NULL if value is None else value
            case t.Param():
                value = self.params.get(node.name)
                return _NULL if value is None else value
            case t.TraitRef(expr=expr):
                return self.empty_value(expr, event)
            case t.Negate(operand=operand):
                value = self.empty_value(operand, event)
                return -value if _is_number(value) else value if value is _NULL else _UNKNOWN
            case t.Arith(op=op, left=left, right=right):
                a = self.empty_value(left, event)
                b = self.empty_value(right, event) if not isinstance(right, t.Duration) else _UNKNOWN
                if a is _NULL or b is _NULL:
                    return _NULL
                if _is_number(a) and _is_number(b) and op in "+-*":
                    try:
                        return a + b if op == "+" else a - b if op == "-" else a * b
                    except TypeError:  # a Decimal with a float: the engines' rounding is not Python's
                        return _UNKNOWN
                return _UNKNOWN
            case t.Call(name="coalesce", args=args):
                for arg in args:
                    value = self.empty_value(arg, event)
                    if value is not _NULL:
                        return value
                return _NULL
            case t.Call(args=args):  # every other function is NULL on a NULL argument
                return _NULL if any(self.empty_value(a, event) is _NULL for a in args) else _UNKNOWN
        return _UNKNOWN

    def aggregate(self, node: t.Aggregate, guarded: bool = True) -> exp.Expression:
        """The aggregate's column of its pass; `guarded=False` leaves out the conditions of its `where` on the
        customer alone (the caller ANDs them, see `lifted_guard`)."""
        if self.inside is not None:
            raise AssertionError("an aggregate inside an aggregate")  # the checker forbids it
        event = self.tables.events[node.event]
        p = self.passes.get(node.event)
        if p is None:
            p = self.passes[node.event] = EventPass(node.event, event, node.event)
        # Conditions of the `where` on the customer alone hold for all of a customer's events or none, so they
        # are checked once per customer outside the pass: the pass then needs no join with the customer table.
        on_events, on_customer = self.split_where(node)
        self.inside = p
        try:
            filters = [self.cond(c) for c in on_events]
            lower: Bound | None = None
            if node.window is not None:
                window, lower = self.window(node.window, p)
                filters.append(window)
            value = self.value(node.value) if node.value is not None else None
        finally:
            self.inside = None
        boolean = node.value is not None and node.value.type == t.BOOLEAN
        alias = p.add(node.func, value, sql.and_(filters) if filters else None, lower, boolean)
        column: exp.Expression = self.d.column(alias, p.alias)
        if on_customer and guarded:
            column = sql.case(sql.and_([self.cond(c) for c in on_customer]), column)
        if node.func in EMPTY_IS_ZERO:  # a customer without matching events has 0, not NULL
            return exp.Coalesce(this=column, expressions=[sql.number(0)])
        return column

    def window(self, node: t.Window, p: EventPass) -> tuple[exp.Expression, Bound | None]:
        """The window as a condition on the event's time, and the first date it can include."""
        match node:
            case t.LastWindow(amount=amount, unit="hour"):
                # now - N hours < t <= now, on instants
                now, back = self.now_value(), self.amount(amount, "-")
                start = dates.add(now, back, "hour") if isinstance(now, dt.datetime) \
                    else self.shift(now.copy(), False, back, "hour")
                instant = self.event_instant(p)
                after = sql.binary(exp.GT, instant, self.instant_sql(start))
                until = sql.binary(exp.LTE, instant.copy(), self.instant_sql(now))
                # a first day for the pass's filter (so it need not read all history): today - (N // 24 + 1)
                # days starts at least N hours before the start of today, even across a DST change
                first = self.date_shift(self.today_value(), -(-back // 24 + 1), "day")
                return sql.and_([after, until]), first
            case t.LastWindow(amount=amount, unit=unit):
                # today - N units < d <= today (the upper end is the pass's own filter): the first day in
                # the window is today - (N - 1) days for days and weeks, the day after today - N months else
                back = self.amount(amount, "-")
                if unit in ("day", "week"):
                    first = self.date_shift(self.today_value(), back * (7 if unit == "week" else 1) + 1, "day")
                else:
                    first = self.date_shift(self.date_shift(self.today_value(), back, unit), 1, "day")
                return self.event_time_lower(p, first, inclusive=True), first
            case t.SinceWindow(start=start):
                begin = self.date_value(start)
                return self.event_time_lower(p, begin, inclusive=True), begin
            case t.BeforeWindow(end=end):
                return self.event_time_upper(p, self.date_value(end), inclusive=False), None
            case t.BetweenWindow(start=start, end=end):
                begin = self.date_value(start)
                both = [self.event_time_lower(p, begin, inclusive=True),
                        self.event_time_upper(p, self.date_value(end), inclusive=True)]
                return sql.and_(both), begin
        raise AssertionError(f"unknown window {node!r}")  # pragma: no cover

    def event_time_lower(self, p: EventPass, bound: Bound, inclusive: bool) -> exp.Expression:
        """The event's date is on/after (inclusive) or after `bound`; timestamps compare with day starts."""
        time = self.d.column(p.table.time or "", p.alias)
        if p.table.time_type == "date":
            return sql.binary(exp.GTE if inclusive else exp.GT, time, self.date_sql(bound))
        first_day = bound if inclusive else self.date_shift(bound, 1, "day")
        return sql.binary(exp.GTE, time, self.day_start(first_day))

    def event_time_upper(self, p: EventPass, bound: Bound, inclusive: bool) -> exp.Expression:
        """The event's date is on/before (inclusive) or before `bound`."""
        time = self.d.column(p.table.time or "", p.alias)
        if p.table.time_type == "date":
            return sql.binary(exp.LTE if inclusive else exp.LT, time, self.date_sql(bound))
        next_day = self.date_shift(bound, 1, "day") if inclusive else bound
        return sql.binary(exp.LT, time, self.day_start(next_day))

    def event_instant(self, p: EventPass) -> exp.Expression:
        time = self.d.column(p.table.time or "", p.alias)
        return time if p.table.time_type != "date" else self.day_start(time)

    # ---- time: known at compile time when possible, SQL otherwise ----

    def today_value(self) -> Bound:
        return self.as_of if self.as_of is not None else self.d.current_date(self.timezone)

    def now_value(self) -> dt.datetime | exp.Expression:
        """The end of the pinned as-of day in the project's zone, as naive UTC; else the current instant."""
        if self.as_of is None:
            return self.d.current_instant()
        return dates.day_start_utc(self.as_of + dt.timedelta(days=1), self.zone) - dt.timedelta(microseconds=1)

    def date_sql(self, value: Bound) -> exp.Expression:
        return self.d.date_literal(value) if isinstance(value, dt.date) else value.copy()

    def instant_sql(self, value: dt.datetime | exp.Expression) -> exp.Expression:
        return self.d.timestamp_literal(value) if isinstance(value, dt.datetime) else value.copy()

    def date_value(self, node: t.Expr) -> Bound:
        known = self.constant(node)
        return known if isinstance(known, dt.date) and not isinstance(known, dt.datetime) else self.value(node)

    def date_shift(self, value: Bound, amount: int, unit: str) -> Bound:
        if isinstance(value, dt.date):
            return dates.add(value, amount, unit)
        return self.shift(value.copy(), True, amount, unit)

    def day_start(self, day: Bound) -> exp.Expression:
        """The naive UTC instant at which a date starts in the project's zone."""
        if isinstance(day, dt.date):
            return self.d.timestamp_literal(dates.day_start_utc(day, self.zone))
        midnight = self.d.to_timestamp(day.copy())
        return midnight if self.utc else self.d.local_to_utc(midnight, self.timezone)

    def local(self, node: t.Expr) -> exp.Expression:
        """A date as is; a timestamp as wall-clock time in the project's zone."""
        value = self.value(node)
        if node.type == t.TIMESTAMP and not self.utc:
            return self.d.utc_to_local(sql.wrap(value, 9), self.timezone)
        return value

    def to_date(self, node: t.Expr) -> exp.Expression:
        """The date of a date or timestamp in the project's zone."""
        known = self.constant(node)
        if isinstance(known, dt.datetime):
            return self.d.date_literal(dates.utc_to_local_date(known, self.zone))
        if node.type != t.TIMESTAMP:
            return self.value(node)
        return self.d.cast(self.local(node), "DATE")

    def constant(self, node: t.Expr) -> Any:
        """The value of a node known at compile time (literals, parameters, a pinned today and now, and
        date arithmetic on those), or None."""
        match node:
            case t.Literal(value=value):
                return value
            case t.Param():
                return self.param_value(node)
            case t.Today():
                return self.as_of
            case t.Now():
                return self.now_value() if self.as_of is not None else None
            case t.TraitRef(expr=expr):
                return self.constant(expr)
            case t.Arith(op=op, left=left, right=t.Duration(unit=unit) as duration):
                base = self.constant(left)
                if not isinstance(base, dt.date):
                    return None
                amount = self.amount(duration.amount, op)
                if unit == "hour" and not isinstance(base, dt.datetime):
                    base = dates.day_start_utc(base, self.zone)
                return dates.add(base, amount, unit)
            case t.Call(name="date", args=(arg,)):
                known = self.constant(arg)
                if isinstance(known, dt.datetime):
                    return dates.utc_to_local_date(known, self.zone)
                return known if isinstance(known, dt.date) else None
            case t.Call(name="year" | "month" as name, args=(arg,)):
                day = self.known_date(arg)
                return None if day is None else day.year if name == "year" else day.month
        return None


_NULL, _UNKNOWN = object(), object()  # an expression's value for a customer without events: NULL, or not known


_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

# The monotone functions of a date `date_range` turns into ranges, by key: (key, *constants) → f(day).
_FUNCTIONS: dict[str, Any] = {
    "years_between_until": lambda until: lambda day: dates.years_between(day, until),
    "years_between_since": lambda since: lambda day: dates.years_between(since, day),
    "days_between_until": lambda until: lambda day: (until - day).days,
    "days_between_since": lambda since: lambda day: (day - since).days,
    "year": lambda: lambda day: day.year,
    "date": lambda: lambda day: day,
    "add": lambda amount, unit: lambda day: dates.add(day, amount, unit),
}


@functools.lru_cache(maxsize=4096)
def _interval(function: tuple[Any, ...], increasing: bool,
              ranges: tuple[tuple[str, Any], ...]) -> tuple[dt.date | None, dt.date | None] | None:
    """The dates for which f(day) <op> k holds for every (op, k): searched once per function and constants (a
    project compiles the same `age` comparison with the same as-of date in many segments)."""
    name, *constants = function
    f = _FUNCTIONS[name](*constants)

    def below(v: Any) -> bool:
        return any(op in ("=", ">=") and v < k or op == ">" and v <= k for op, k in ranges)

    def above(v: Any) -> bool:
        return any(op in ("=", "<=") and v > k or op == "<" and v >= k for op, k in ranges)

    return dates.interval(f, increasing, below, above)


def _is_date(node: t.Expr) -> bool:
    return node.type in (t.DATE, t.TIMESTAMP)


def _comparable(kind: str, value: object) -> bool:
    """Is a constant one the function's values can be compared with in Python as in SQL?"""
    if kind == "number":
        return _is_number(value)
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _holds(op: str, a: object, b: object) -> bool | None:
    """a <op> b for two numbers known at compile time; None when either is not a number."""
    if not (_is_number(a) and _is_number(b)):
        return None
    match op:
        case "=":
            return a == b
        case "<":
            return a < b  # type: ignore[operator]
        case "<=":
            return a <= b  # type: ignore[operator]
        case ">":
            return a > b  # type: ignore[operator]
        case ">=":
            return a >= b  # type: ignore[operator]
    return None


def _both(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return True if a and b else None


def _unwrap(node: t.Expr) -> t.Expr:
    while isinstance(node, t.TraitRef):
        node = node.expr
    return node


def _numbered(name: str, number: int, key: str) -> str:
    """`<name>_<number>`, a column of the ranks table, never the key's name."""
    column = f"{name}_{number}"
    return column if column != key else f"{column}_"


def _split_where(where: t.Expr | None, value: t.Expr | None) -> tuple[list[t.Expr], list[t.Expr]]:
    """An aggregate's `where` as (conjuncts on the event, conjuncts on the customer and lookups only)."""
    if where is None:
        return [], []
    conjuncts = _conjuncts(where)
    if value is not None and _reads(value) & {"customer", "lookup"}:
        return conjuncts, []  # the aggregated value needs the customer's row inside the pass anyway
    on_events: list[t.Expr] = []
    on_customer: list[t.Expr] = []
    for c in conjuncts:
        scopes = _reads(c)
        (on_customer if scopes and scopes <= {"customer", "lookup"} else on_events).append(c)
    return on_events, on_customer


def _conjuncts(node: t.Expr) -> list[t.Expr]:
    match node:
        case t.And(items=items):
            return [c for item in items for c in _conjuncts(item)]
        case t.TraitRef(expr=t.And() as expr):
            return _conjuncts(expr)
    return [node]


def _reads(node: object) -> set[str]:
    """The scopes of the columns a condition reads; "other" for what must stay where it is (aggregates,
    percentiles, segment references)."""
    if isinstance(node, t.Column):
        return {node.scope}
    if isinstance(node, t.Aggregate | t.Percentile | t.SegmentRef):
        return {"other"}
    found: set[str] = set()
    for name in getattr(type(node), "__dataclass_fields__", ()):
        if name == "span":
            continue
        child = getattr(node, name)
        if isinstance(child, tuple):
            for item in child:
                found |= _reads(item)
        elif hasattr(type(child), "__dataclass_fields__"):
            found |= _reads(child)
    return found


_COMPARE: dict[str, type[exp.Expression]] = {"=": exp.EQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def bind_params(segment: t.CheckedSegment, given: dict[str, Any] | None) -> dict[str, Any]:
    """The value of each parameter of the segment: given (a Python value, or text parsed by the declared
    type), else its default. A missing value is reported when the parameter is used."""
    given = dict(given or {})
    values: dict[str, Any] = {}
    for spec in segment.params:
        if spec.name in given:
            raw = given.pop(spec.name)
            if isinstance(raw, str) and spec.type.kind not in ("string", "enum"):
                try:
                    raw = parse_value(raw, spec.type)
                except ValueError as err:
                    raise _error("E227", f"bad value for parameter `${spec.name}`: {err}", spec.span) from None
            values[spec.name] = raw
        elif spec.default is not None:
            values[spec.name] = spec.default
    for name in given:
        hint = did_you_mean(name, [p.name for p in segment.params])
        raise _error("E206", f"segment `{segment.name}` has no parameter `${name}`",
                     hint=hint or "parameters are declared under `params:` in the segment file")
    return values
