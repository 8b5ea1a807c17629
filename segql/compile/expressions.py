"""The lowering of the plan's expressions to sqlglot for one dialect, with §3's semantics built in (two-valued
logic, calendar arithmetic, time zones).

A Lowering works over one plan.Source and collects what its joins must provide: the lookups read (in order of
first use), each pass's aggregate columns and the values to rank. It applies no optimisation of its own: those are
rewrites (segql.compile.rewrites). Imports sqlglot, segql.check.tree, segql.dialects and the sibling modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlglot import exp

from segql.check import tree as t
from segql.compile import dates, functions, plan, planner, sequences, sql, windows
from segql.compile.clock import Bound, Clock
from segql.compile.constants import Constants, error
from segql.compile.passes import EMPTY_IS_ZERO, EXISTS, EventPass
from segql.compile.tables import TableMap
from segql.dialects import SqlDialect

RANKS = "ranks"  # the alias of the ranks table (numbered when a lookup or an event has the name)
MODE = "mode"  # the column of a mode aggregate's subquery
_COMPARE: dict[str, type[exp.Expression]] = {"=": exp.EQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}


@dataclass(slots=True)
class Mode:
    """A mode aggregate: its subquery's alias, the pass (alias, customer and lookups its filter reads) it is lowered
    over, the value counted, the filter and the first date it can count."""

    alias: str
    event: str
    p: EventPass
    value: exp.Expression
    condition: exp.Expression | None
    lower: Bound | None
    written: tuple[exp.Expression, exp.Expression | None]  # value and condition as lowered (to find identical ones)


def _requalified(node: exp.Expression | None, old: str, new: exp.Identifier) -> exp.Expression | None:
    """A copy of the node with the columns of table `old` read from `new`."""
    if node is None:
        return None
    copied = node.copy()
    for column in copied.find_all(exp.Column):
        if column.table == old:
            column.set("table", new.copy())
    return copied


class Lowering:
    """Lowers expressions over one source: the customer row (alias `customer_alias`), its lookups, its passes (one
    EventPass each, collecting its aggregate columns) and the ranks table (`ranker` lowers the ranked values over
    the ranks' own source; `ranked` holds each distinct one, and whether it can be NULL)."""

    def __init__(self, tables: TableMap, dialect: SqlDialect, constants: Constants, source: plan.Source) -> None:
        self.tables = tables
        self.d = dialect
        self.constants = constants
        self.clock = Clock(dialect, constants)
        names = {*tables.lookups, *tables.events}
        self.customer_alias = next(a for a in ("c", "c_", "customer", "customer_") if a not in names)
        self.source = source
        self.passes = {p.event: EventPass(p.event, tables.events[p.event], p.event) for p in source.passes}
        self.lookups: list[str] = []  # joined to the query, in order of first use
        self.inside: EventPass | None = None  # the pass whose aggregate is being lowered
        self.present: list[t.Column] = []  # columns known not to be NULL where the condition being lowered counts
        self.ranker: Lowering | None = None
        self.ranked: list[tuple[exp.Expression, bool]] = []
        self.ranks_alias = ""
        # mode aggregates, one grouped subquery each (passes.build_mode), and sequences, one subquery each
        # (segql.compile.sequences), with the key sets of referenced segments where they are joined (`member`):
        # LEFT JOINed by key after the passes
        self.modes: list[Mode] = []
        self.sequences: list[tuple[str, exp.Select]] = []
        # the SELECT of a referenced segment's members, a query of its own (given by lower.lower, which builds it)
        self.key_set: Callable[[plan.Query], exp.Select] | None = None
        self.step_aliases: dict[str, str] = {}  # inside a sequence: the `as` names of earlier steps → their aliases
        self.taken = {*tables.lookups, *tables.events, self.customer_alias, RANKS}  # names of joined relations
        if source.ranks is not None:
            self.ranker = Lowering(tables, dialect, constants, source.ranks)
            taken = {*tables.lookups, *tables.events, self.customer_alias}
            self.ranks_alias = next(a for n in range(1, len(taken) + 2)
                                    if (a := RANKS if n == 1 else f"{RANKS}_{n}") not in taken)

    # ---- conditions ----

    def cond(self, node: plan.Expr) -> exp.Expression:
        """A condition's SQL; it may be NULL where §3 says false, so use it only where NULL acts as false
        (WHERE, CASE WHEN, AND/OR operands). `strict` gives the never-NULL form."""
        match node:
            case t.Compare(op=op, left=left, right=right):
                return sql.binary(_COMPARE[op], self.value(left), self.value(right))
            case t.Between(subject=subject, low=low, high=high):
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
                keys: list[plan.Exists] = [i for i in cast(tuple[Any, ...], items)
                                           if isinstance(i, plan.Exists) and not i.aggregate.on_customer]
                if len(keys) < 2:
                    return sql.or_([self.cond(i) for i in items])
                # `has A or has B`: the key among the keys of both (one semi-join of their UNION ALL)
                union: exp.Expression = self.event_keys(keys[0], correlated=False)
                for other in keys[1:]:
                    union = exp.Union(this=union, expression=self.event_keys(other, correlated=False), distinct=False)
                among = exp.In(this=self.d.column(self.tables.key, self.customer_alias), query=exp.Subquery(this=union))
                return sql.or_([among, *(self.cond(i) for i in items if not any(i is k for k in keys))])
            case t.Truth(operand=operand):
                return self.value(operand)
            case t.TraitRef(expr=expr):
                return self.cond(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.constants.parameters(params):
                    return self.cond(condition)
            case t.Sequence():
                return sequences.member(self, node)
            case plan.DateRange():
                return self.date_range(node)
            case plan.AnnualDays():
                return self.annual_days(node)
            case plan.Exists():
                return self.exists(node)
            case plan.Reached():
                return self.reached(node)
            case plan.Member():
                return self.member(node)
            case plan.Uncoalesced(op=op, left=left, right=right):
                return sql.binary(_COMPARE[op], self.value(left), self.value(right))
            case plan.Lifted(op=op, left=left, right=right, guard=guard):
                compared = sql.binary(_COMPARE[op], self.value(left), self.value(right))
                return sql.and_([*(self.cond(c) for c in guard), compared])
        if node.type == t.BOOLEAN:
            return self.value(node)
        raise AssertionError(f"not a condition: {node!r}")  # pragma: no cover

    def strict(self, node: plan.Expr) -> exp.Expression:
        """The condition as exactly TRUE or FALSE (NULL read as false), for NOT and for values."""
        result = self.cond(node)
        return self.d.never_null(result) if self.nullable(node) else result

    def match(self, node: t.Match) -> exp.Expression:
        """contains / starts_with / ends_with: case-insensitive, `%` `_` `\\` in the pattern are plain text."""
        before = "%" if node.op in ("contains", "ends_with") else ""
        after = "%" if node.op in ("contains", "starts_with") else ""
        known = self.constants.constant(node.pattern)
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

    def date_range(self, node: plan.DateRange) -> exp.Expression:
        """The date of a date or timestamp expression is within [first, last] (None: unbounded on that side)."""
        if node.empty:
            return exp.Boolean(this=False)
        value, first, last, clock = self.value(node.subject), node.first, node.last, self.clock
        if node.subject.type != t.TIMESTAMP:
            if first is not None and last is not None:
                if first == last:
                    return sql.binary(exp.EQ, value, clock.date_sql(first))
                return sql.between(value, clock.date_sql(first), clock.date_sql(last))
            low, high = (sql.binary(exp.GTE, value, clock.date_sql(first)) if first is not None else None,
                         sql.binary(exp.LTE, value.copy(), clock.date_sql(last)) if last is not None else None)
        else:  # a timestamp's date is read in the project's zone: compare with the starts of days there
            low = sql.binary(exp.GTE, value, clock.day_start(first)) if first is not None else None
            high = sql.binary(exp.LT, value.copy(), clock.day_start(dates.add(last, 1, "day"))) \
                if last is not None else None
        parts = [p for p in (low, high) if p is not None]
        return sql.and_(parts) if parts else exp.Not(this=exp.Is(this=sql.wrap(value, 5), expression=exp.Null()))

    def annual_days(self, node: plan.AnnualDays) -> exp.Expression:
        """The month and day of a date (a timestamp's in the project's zone) within ranges of (month, day): per range
        `month = m AND day BETWEEN a AND b`, or the months between whole."""
        if not node.runs:
            return exp.Boolean(this=False)
        d = self.d

        def month() -> exp.Expression:
            return d.month(self.local(node.subject))

        def day(op: type[exp.Expression], number: int) -> exp.Expression:
            return sql.binary(op, d.day_of_month(self.local(node.subject)), sql.number(number))

        def in_month(m: int, first: int, last: int) -> exp.Expression:
            is_month = sql.binary(exp.EQ, month(), sql.number(m))
            if first == 1 and last == dates.DAYS_IN_MONTH[m]:
                return is_month
            if first == last:
                return sql.and_([is_month, day(exp.EQ, first)])
            days = day(exp.GTE, first) if last == dates.DAYS_IN_MONTH[m] else day(exp.LTE, last) if first == 1 \
                else sql.between(d.day_of_month(self.local(node.subject)), sql.number(first), sql.number(last))
            return sql.and_([is_month, days])

        parts: list[exp.Expression] = []
        for (m1, d1), (m2, d2) in node.runs:
            if (m1, d1, m2, d2) == (1, 1, 12, 31):
                return exp.Not(this=exp.Is(this=sql.wrap(self.value(node.subject), 5), expression=exp.Null()))
            if m1 == m2:
                parts.append(in_month(m1, d1, d2))
                continue
            if d1 > 1:
                parts.append(in_month(m1, d1, dates.DAYS_IN_MONTH[m1]))
                m1 += 1
            if d2 < dates.DAYS_IN_MONTH[m2]:
                last = in_month(m2, 1, d2)
                m2 -= 1
            else:
                last = None
            if m1 == m2:
                parts.append(sql.binary(exp.EQ, month(), sql.number(m1)))
            elif m1 < m2:
                parts.append(sql.between(month(), sql.number(m1), sql.number(m2)))
            if last is not None:
                parts.append(last)
        return parts[0] if len(parts) == 1 else sql.or_(parts)

    def nullable(self, node: plan.Expr) -> bool:
        """Can the SQL of this node be NULL? (Columns always can; the schema does not say NOT NULL.)"""
        match node:
            case t.Literal(value=value):
                return value is None
            case t.Param():
                return self.constants.param_value(node) is None
            case t.Today() | t.Now() | t.Duration() | t.IsNull() | t.Not() | t.Sequence():
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
            case plan.Aggregate(func=func):
                return func not in EMPTY_IS_ZERO
            case t.TraitRef(expr=expr):
                return self.nullable(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.constants.parameters(params):
                    return self.nullable(condition)
            case t.Compare(left=a, right=b):
                return self.nullable(a) or self.nullable(b)
            case t.Between(subject=s, low=lo, high=hi):
                return self.nullable(s) or self.nullable(lo) or self.nullable(hi)
            case t.InList(subject=s, items=items):
                return self.nullable(s) or any(self.nullable(i) for i in items)
            case t.Match(subject=s, pattern=p):
                return self.nullable(s) or self.nullable(p)
            case t.Or(items=items) if sum(isinstance(i, plan.Exists) for i in items) > 1:
                return True  # the keys of several `has` in one IN (see cond), NULL for a missing key
            case t.And(items=items) | t.Or(items=items):
                return any(self.nullable(i) for i in items)
            case plan.DateRange(subject=subject) | plan.AnnualDays(subject=subject):
                return self.nullable(subject)
            case plan.Uncoalesced() | plan.Lifted():  # NULL where the operand or the guard is
                return True
            case plan.Exists(aggregate=aggregate):  # IN: NULL for a missing key
                return not self.correlated(aggregate) or any(self.nullable(c) for c in aggregate.on_customer)
            case plan.Reached():  # the pass's column: NULL for a customer without its row
                return True
            case plan.Member():  # IN: NULL for a missing key
                return not self.d.joined_key_sets
        return True  # pragma: no cover

    # ---- values ----

    def value(self, node: plan.Expr) -> exp.Expression:
        match node:
            case t.Literal(value=value, type=typ):
                return self.literal(value, typ)
            case t.Param(type=typ):
                return self.literal(self.constants.param_value(node), typ)
            case t.Today():
                return self.clock.date_sql(self.clock.today())
            case t.Now():
                return self.clock.instant_sql(self.clock.now())
            case t.Column():
                return self.column(node)
            case t.Arith():
                return self.arith(node)
            case t.Negate(operand=operand):
                return sql.neg(self.value(operand))
            case t.Call():
                return functions.call(self, node)
            case t.Percentile(expr=expr):
                return self.percentile(expr)
            case plan.Aggregate():
                return self.aggregate(node)
            case t.TraitRef(expr=expr):
                return self.value(expr)
            case t.SqlTrait():
                return self.sql_trait(node)
            case t.Compare() | t.Between() | t.InList() | t.IsNull() | t.Match() | t.Not() | t.And() | t.Or() \
                    | t.Truth() | t.SegmentRef() | t.Sequence() | plan.DateRange() | plan.AnnualDays() | plan.Exists() \
                    | plan.Reached() | plan.Member() | plan.Uncoalesced() \
                    | plan.Lifted():
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

    def column(self, node: t.Column) -> exp.Expression:
        d = self.d
        if node.scope == "step":  # an earlier step of the sequence being lowered, by its `as` name
            return d.column(node.column, self.step_aliases[node.owner])
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
            known = self.constants.constant(node)
            if known is not None:
                return self.literal(known, node.type)
            return self.clock.shift(self.value(left), left.type == t.DATE,
                                    self.constants.amount(right.amount, op), right.unit)
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

    # ---- time ----

    def sql_trait(self, node: t.SqlTrait) -> exp.Expression:
        """A SQL trait's expression for this dialect (DESIGN §3.14), parsed from schema.yml's text as a tree, its
        customer columns (`c.x`) read from the customer row's alias here."""
        from segql.dialects.sql_traits import CUSTOMER, SqlTraitProblem, parse_sql_trait

        text = node.text_for(self.d.name)
        if text is None:
            written = ", ".join(name for name, _ in node.sql)
            raise error("E310", f"SQL trait `{node.name}` has no SQL for {self.d.name}", node.span,
                        f"add `{self.d.name}: …` under the trait's `sql:` in schema.yml (it has {written})")
        try:
            tree = parse_sql_trait(text, self.d.name).copy()
        except SqlTraitProblem as problem:
            raise error("E266", f"SQL trait `{node.name}`: {problem.message}", node.span, problem.hint) from None
        for column in tree.find_all(exp.Column):
            if column.find_ancestor(exp.Query) is None and column.table.lower() == CUSTOMER:
                column.set("table", self.d.identifier(self.customer_alias))
        if self.inside is not None:
            self.inside.needs_customer = True
        return exp.Paren(this=tree)

    def event_date(self, p: EventPass) -> exp.Expression:
        """The date of an event's time in the project's zone."""
        time: exp.Expression = self.d.column(p.table.time or "", p.alias)
        if p.table.time_type == "date":
            return time
        if not self.constants.utc:
            time = self.d.utc_to_local(sql.wrap(time, 9), self.constants.timezone)
        return self.d.cast(time, "DATE")

    def lookup_join(self, name: str) -> exp.Join:
        """LEFT JOIN a lookup ON its columns = the customer row's."""
        d, c = self.d, self.customer_alias
        lookup = self.tables.lookups[name]
        on = sql.and_([sql.binary(exp.EQ, d.column(lk_col, name), d.column(c_col, c))
                       for c_col, lk_col in lookup.on.items()])
        return sql.join(d.table(lookup.table, name), on)

    def free_alias(self, name: str) -> str:
        """`name`, numbered from 1, not the name of a relation the query joins (lookups, events, the customer row)."""
        number = 1
        while f"{name}_{number}" in self.taken:
            number += 1
        found = f"{name}_{number}"
        self.taken.add(found)
        return found

    def date_value(self, node: plan.Expr) -> Bound:
        known = self.constants.constant(node)
        return known if isinstance(known, dt.date) and not isinstance(known, dt.datetime) else self.value(node)

    def local(self, node: plan.Expr) -> exp.Expression:
        """A date as is; a timestamp as wall-clock time in the project's zone."""
        value = self.value(node)
        if node.type == t.TIMESTAMP and not self.constants.utc:
            return self.d.utc_to_local(sql.wrap(value, 9), self.constants.timezone)
        return value

    def to_date(self, node: plan.Expr) -> exp.Expression:
        """The date of a date or timestamp in the project's zone."""
        known = self.constants.constant(node)
        if isinstance(known, dt.datetime):
            return self.d.date_literal(dates.utc_to_local_date(known, self.constants.zone))
        if node.type != t.TIMESTAMP:
            return self.value(node)
        return self.d.cast(self.local(node), "DATE")

    # ---- aggregates and percentiles ----

    def aggregate(self, node: plan.Aggregate) -> exp.Expression:
        """The aggregate's column of its pass (guarded by its customer conditions, unless they were lifted)."""
        if self.inside is not None:
            raise AssertionError("an aggregate inside an aggregate")  # the checker forbids it
        p = self.passes[node.event]
        if node.func == "mode":  # a grouped subquery of its own (the most frequent value, ties the smallest)
            p = EventPass(node.event, self.tables.events[node.event], f"{node.event}_{MODE}")
        self.inside = p
        try:
            filters = [self.cond(c) for c in node.on_events]
            lower: Bound | None = None
            if node.window is not None:
                window, lower = windows.window(self, node.window, p)
                filters.append(window)
            value = self.value(node.value) if node.value is not None else None
            if value is not None and node.func in ("first", "last", "nth"):  # of the events with a value
                filters.append(exp.Not(this=exp.Is(this=sql.wrap(value.copy(), 5), expression=exp.Null())))
        finally:
            self.inside = None
        boolean = node.value is not None and node.value.type == t.BOOLEAN
        func, position = node.func, None
        if func in ("count_days", "count_weeks", "count_months"):  # distinct calendar days, weeks, months
            day = self.event_date(p)
            if func != "count_days":
                week_start = node.arg.value if isinstance(node.arg, t.Literal) else 1
                day = self.d.period_start(day, "week" if func == "count_weeks" else "month", week_start)
            func, value = "count_distinct", day
        elif func in ("nth", "nth_time"):
            assert node.arg is not None
            position = self.constants.amount(node.arg)
        condition = sql.and_(filters) if filters else None
        if func == "mode":
            assert value is not None
            column: exp.Expression = self.mode(p, value, condition, lower, boolean)
        else:
            alias = p.add(func, value, condition, lower, boolean, position)
            column = self.d.column(alias, p.alias)
        if node.on_customer and node.guarded:
            column = sql.case(sql.and_([self.cond(c) for c in node.on_customer]), column)
        if node.func in EMPTY_IS_ZERO:  # a customer without matching events has 0, not NULL
            return exp.Coalesce(this=column, expressions=[sql.number(0)])
        return column

    def exists(self, node: plan.Exists) -> exp.Expression:
        """The customer has a matching event (`has`, rewrites.semi_joins): `c.key IN (SELECT key FROM <events> WHERE
        <as-of bound, window and where>)`, or on a dialect that plans it better, `EXISTS (SELECT 1 FROM <events>
        WHERE <key> = c.key AND …)`; after the aggregate's conditions on the customer, if any."""
        correlated = self.correlated(node.aggregate)
        events = self.event_keys(node, correlated)
        found: exp.Expression = exp.Exists(this=events) if correlated else \
            exp.In(this=self.d.column(self.tables.key, self.customer_alias), query=exp.Subquery(this=events))
        if node.aggregate.on_customer:
            return sql.and_([*(self.cond(g) for g in node.aggregate.on_customer), found])
        return found

    def reached(self, node: plan.Reached) -> exp.Expression:
        """`has` as its pass's boolean column (rewrites.reached), after the aggregate's conditions on the customer."""
        aggregate = node.aggregate
        column = self.aggregate(plan.rebuild(aggregate, {"func": EXISTS, "guarded": False}))
        if aggregate.on_customer and aggregate.guarded:
            return sql.and_([*(self.cond(g) for g in aggregate.on_customer), column])
        return column

    def member(self, node: plan.Member) -> exp.Expression:
        """The customer is a member of a referenced segment computed apart (rewrites.key_sets): `c.key IN (SELECT
        key FROM <its own query>)`, or on a dialect that plans it better, `<name>.key IS NOT NULL` with the members'
        keys LEFT JOINed as <name> (identical ones shared; one row per key, as the customer table has), never NULL:
        under `not` an anti-join, not a NOT IN."""
        assert self.key_set is not None, "lower.lower gives the lowering its key sets"
        keys = self.key_set(node.query)
        if not self.d.joined_key_sets:
            return exp.In(this=self.d.column(self.tables.key, self.customer_alias), query=exp.Subquery(this=keys))
        alias = next((a for a, q in self.sequences if q == keys), "")
        if not alias:
            limit = self.d.max_name_bytes
            fits = limit is None or len(node.name.encode()) <= limit  # else the engine would cut it (and may clash)
            alias = node.name if fits and node.name not in self.taken else self.free_alias("segment")
            self.taken.add(alias)
            self.sequences.append((alias, keys))
        return exp.Not(this=exp.Is(this=self.d.column(self.tables.key, alias), expression=exp.Null()))

    def correlated(self, aggregate: plan.Aggregate) -> bool:
        """EXISTS on a dialect that prefers it, but for events whose `where` reads the customer row or a lookup inside
        (PostgreSQL planned lookup_in_has's correlated form 3.9× slower than an IN joining them inside)."""
        return self.d.correlated_exists and not any(planner.reads(c) & {"customer", "lookup"}
                                                    for c in aggregate.on_events)

    def event_keys(self, node: plan.Exists, correlated: bool) -> exp.Select:
        """SELECT key FROM <the aggregate's events> WHERE <as-of bound, window and where>; `correlated`: SELECT 1 …
        AND key = c.key, reading the outer query's customer row and lookups."""
        aggregate, d, c = node.aggregate, self.d, self.customer_alias
        table = self.tables.events[aggregate.event]
        p = EventPass(aggregate.event, table, self.free_alias(aggregate.event))
        self.inside = p
        try:
            filters = [self.cond(f) for f in aggregate.on_events]
            lower: Bound | None = None
            if aggregate.window is not None:
                window, lower = windows.window(self, aggregate.window, p)
                filters.append(window)
        finally:
            self.inside = None
        conditions = windows.time_filter(self.clock, p, lower) if table.time else []
        conditions += [part for f in filters for part in sql.conjuncts(f) if part not in conditions]
        key = d.column(table.key, p.alias)
        joins: list[exp.Join] = []
        if correlated:
            conditions.insert(0, sql.binary(exp.EQ, key, d.column(self.tables.key, c)))
        elif p.needs_customer:
            on = sql.binary(exp.EQ, d.column(self.tables.key, c), key.copy())
            joins.append(sql.join(d.table(self.tables.customer, c), on, side=""))
        joins += [self.lookup_join(name) for name in p.lookups]
        return sql.select([sql.number(1) if correlated else key], d.table(table.table, p.alias), joins,
                          sql.and_(conditions) if conditions else None)

    def mode(self, p: EventPass, value: exp.Expression, condition: exp.Expression | None, lower: Bound | None,
             boolean: bool) -> exp.Expression:
        """The column of a mode aggregate's subquery (identical ones share one). It was lowered over the alias
        `<event>_mode`; its subquery gets a numbered one, free among the query's relations."""
        for found in self.modes:
            if (found.event, found.written) == (p.event, (value, condition)):
                return self.d.column(MODE, found.alias)
        written = (value, condition)
        placeholder = p.alias
        p.alias = self.free_alias(placeholder)
        renamed = self.d.identifier(p.alias)
        value = _requalified(value, placeholder, renamed) or value
        condition = _requalified(condition, placeholder, renamed)
        self.modes.append(Mode(p.alias, p.event, p, value, condition, lower, written))
        return self.d.column(MODE, p.alias)

    def percentile(self, expr: plan.Expr) -> exp.Expression:
        """The customer's rank, a column of the ranks table (one column per distinct value, see lower.ranks_join)."""
        ranker = self.ranker
        assert ranker is not None  # the planner gave the source its ranks
        value = ranker.value(expr)
        number = next((n for n, (known, _) in enumerate(self.ranked, start=1) if known == value), 0)
        if not number:
            self.ranked.append((value, self.nullable(expr)))
            number = len(self.ranked)
        return self.d.column(numbered("percentile", number, self.tables.key), self.ranks_alias)


def numbered(name: str, number: int, key: str) -> str:
    """`<name>_<number>`, a column of the ranks table, never the key's name."""
    column = f"{name}_{number}"
    return column if column != key else f"{column}_"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
