"""The reference evaluator: a checked segment's members computed from in-memory rows by DESIGN §3 alone.

The semantic oracle of the differential tests and the basis of explanations; written from the spec,
not from the compiler. Plain Python (datetime, decimal, zoneinfo): imports no sqlglot, no driver,
nothing of segql.compile or segql.dialects.

Where DESIGN §3 is silent, this module decides (and the compiled SQL must agree):

- A timestamp without a zone is UTC. `now` is the end of the as-of day in the project's time zone
  (as_of 23:59:59.999999 there), as a naive UTC timestamp; a date used as a timestamp (`date ± N hours`,
  an `in last N hours` window over date-typed events) is the start of that day in the project's zone.
  Timestamp literals and parameters are naive UTC (an offset is converted to UTC).
- Timestamp ± days/weeks/months/years is calendar arithmetic on the UTC value (a day is 24 hours).
- `years_between(a, b)` is the largest N ≥ 0 with `a + N years <= b` (clamped, so someone born on
  Feb 29 turns one on Feb 28 of the next year), and `-years_between(b, a)` when b < a: whole years,
  truncated toward zero. Timestamps are taken by their date in the project's zone, as for `days_between`;
  `year`, `month` and `day_of_week` of a timestamp likewise.
- A float compared with a decimal (`=`, `<`, `between`, `in`) compares as floats, as the engines compare
  DOUBLE with DECIMAL: `round(score / 4, 1) = 2.6` holds for a score of 10.5.
- `%` is the truncated remainder of SQL engines (its sign is the dividend's): `-7 % 3` is -1.
- `round` of a float rounds its shortest decimal representation (`round(2.675, 2)` is 2.68).
- `trim` removes spaces only (SQL TRIM), not tabs or newlines.
- contains / starts with / ends with compare `str.lower()` of both sides; Python's lower case may differ
  from an engine's LOWER for a few non-ASCII characters (`İ`, final sigma).
- `min`/`max`/`first`/`last` of text order by code point (binary collation).
- When several lookup rows match a customer, the first in the Dataset's order is used.
- `sum` of events that all have a missing value is 0, like `sum` of no events.
- A segment's `channel:` consent is not §3: the checker puts it in the condition, so it is applied here too.
- Sequences (§3.10) are evaluated literally: every chain of events is tried, step by step. Two steps read the
  "same table" when their events are declared on the same physical table.
- `median` of integers or decimals is a decimal (the mean of the two middle values is exact); of floats a float.
- `bucket(salt)` of a customer without a key is missing; the key is written as Python writes an int or a str.
- A SQL trait (§3.14) is the engine's, not §3's: evaluating one raises EvaluationRefused.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from segql.check import tree as t
from segql.check.params import parse_value
from segql.schema import Event, Schema
from segql.types import DATE, DECIMAL, FLOAT, INTEGER, TIMESTAMP, Type

UTC = dt.UTC


class EvaluationRefused(Exception):
    """The segment uses what §3 does not define (a SQL trait), so the reference evaluator cannot say who is in it."""


@dataclass(slots=True)
class Dataset:
    """Rows keyed by physical column names, values as Python (int, Decimal, float, str, bool, date,
    datetime (naive = UTC), None)."""

    customers: list[dict[str, Any]]
    lookups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by lookup name
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by event name


def evaluate_segment(segment: t.CheckedSegment, schema: Schema, data: Dataset, *, as_of: dt.date,
                     timezone: str = "UTC", params: Mapping[str, Any] | None = None) -> set[Any]:
    """The keys of the customers the segment selects on the as-of date."""
    return Evaluator(schema, data, as_of=as_of, timezone=timezone).members(segment, params)


def evaluate_value(expr: t.Expr, schema: Schema, data: Dataset, key: Any, *, as_of: dt.date,
                   timezone: str = "UTC", params: Mapping[str, Any] | None = None) -> Any:
    """The value of an expression for the customer with this key (a condition gives True or False)."""
    ev = Evaluator(schema, data, as_of=as_of, timezone=timezone)
    return ev.value_for(expr, key, dict(params or {}))


@dataclass(slots=True)
class _Customer:
    row: dict[str, Any]
    key: Any
    position: int  # in Dataset.customers
    lookups: dict[str, dict[str, Any] | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Occurrence:
    """An event row that counts on the as-of date: its time (naive UTC or a date) and its local date."""

    row: dict[str, Any]
    time: Any
    day: dt.date | None


@dataclass(frozen=True, slots=True)
class _Env:
    customer: _Customer
    params: Mapping[str, Any]
    event: _Occurrence | None = None
    steps: Mapping[str, _Occurrence] = field(default_factory=dict)  # a sequence's earlier steps, by `as` name


class Evaluator:
    """One dataset on one as-of date; indexes are built once and shared by every segment evaluated."""

    def __init__(self, schema: Schema, data: Dataset, *, as_of: dt.date, timezone: str = "UTC") -> None:
        self.schema = schema
        self.data = data
        self.today = as_of
        self.zone = ZoneInfo(timezone)
        self.utc = timezone in ("UTC", "Etc/UTC")
        self.now = self.start_of(as_of + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
        key_column = schema.key_column
        self.customers = [_Customer(row, row.get(key_column), i) for i, row in enumerate(data.customers)]
        self.by_key = {c.key: c for c in self.customers}
        self._events: dict[str, dict[Any, list[_Occurrence]]] = {}
        self._lookups: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        # by (id of the node, params); the node is kept so that its id is never reused
        self._percentiles: dict[tuple[int, tuple[tuple[str, Any], ...]], tuple[t.Percentile, list[float | None]]] = {}

    # ---- entry points ----

    def members(self, segment: t.CheckedSegment, params: Mapping[str, Any] | None = None) -> set[Any]:
        bound = self.bind(segment, params)
        return {c.key for c in self.customers if self.holds(segment.condition, _Env(c, bound))}

    def bind(self, segment: t.CheckedSegment, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Parameter values: given ones (text is parsed by the declared type), else the defaults."""
        given = dict(given or {})
        specs = {p.name: p for p in segment.params}
        unknown = sorted(set(given) - set(specs))
        if unknown:
            raise ValueError(f"segment `{segment.name}` has no parameter `{unknown[0]}`")
        bound: dict[str, Any] = {}
        for name, spec in specs.items():
            value = given.get(name, spec.default)
            if isinstance(value, str) and spec.type.kind != "string":
                value = parse_value(value, spec.type)
            if value is None:
                raise ValueError(f"parameter `{name}` of segment `{segment.name}` needs a value")
            bound[name] = _typed(value, spec.type)
        return bound

    def value_for(self, expr: t.Expr, key: Any, params: Mapping[str, Any]) -> Any:
        customer = self.by_key.get(key)
        if customer is None:
            raise KeyError(f"no customer with key {key!r}")
        return self.value(expr, _Env(customer, params))

    # ---- conditions: always True or False ----

    def holds(self, expr: t.Expr, env: _Env) -> bool:
        return self.value(expr, env) is True

    # ---- values ----

    def value(self, expr: t.Expr, env: _Env) -> Any:  # noqa: C901 - one branch per node, like the checker
        match expr:
            case t.Literal(value=value, type=typ):
                return _typed(value, typ)
            case t.Param(name=name):
                return env.params[name]
            case t.Today():
                return self.today
            case t.Now():
                return self.now
            case t.Duration():
                raise AssertionError("a duration is only a value inside date arithmetic")
            case t.Column():
                return self.column(expr, env)
            case t.Arith():
                return self.arith(expr, env)
            case t.Negate(operand=operand):
                v = self.value(operand, env)
                return None if v is None else -v
            case t.Call():
                return self.call(expr, env)
            case t.Percentile():
                return self.percentile(expr, env)
            case t.Compare(op=op, left=left, right=right):
                a, b = _comparable(self.value(left, env), self.value(right, env))
                return a is not None and b is not None and _COMPARE[op](a, b)
            case t.Between(subject=subject, low=low, high=high):
                s, lo, hi = self.value(subject, env), self.value(low, env), self.value(high, env)
                if s is None or lo is None or hi is None:
                    return False
                return _COMPARE["<="](*_comparable(lo, s)) and _COMPARE["<="](*_comparable(s, hi))
            case t.InList(subject=subject, items=items):
                s = self.value(subject, env)
                return s is not None and any(
                    (v := self.value(i, env)) is not None and _COMPARE["="](*_comparable(s, v)) for i in items)
            case t.IsNull(subject=subject):
                return self.value(subject, env) is None
            case t.Match(op=op, subject=subject, pattern=pattern):
                s, p = self.value(subject, env), self.value(pattern, env)
                if s is None or p is None:
                    return False
                s, p = s.lower(), p.lower()
                return {"contains": p in s, "starts_with": s.startswith(p), "ends_with": s.endswith(p)}[op]
            case t.Not(operand=operand):
                return not self.holds(operand, env)
            case t.And(items=items):
                return all(self.holds(i, env) for i in items)
            case t.Or(items=items):
                return any(self.holds(i, env) for i in items)
            case t.Truth(operand=operand):
                return self.value(operand, env) is True
            case t.Aggregate():
                return self.aggregate(expr, env)
            case t.Sequence():
                return self.sequence(expr, env)
            case t.SqlTrait(name=name):
                raise EvaluationRefused(f"trait `{name}` is written in SQL, so only an engine can compute it")
            case t.TraitRef(expr=inner):
                return self.value(inner, env)
            case t.SegmentRef(condition=condition, params=params):
                return self.holds(condition, _Env(env.customer, params, env.event))
        raise AssertionError(f"unhandled node {expr!r}")

    def column(self, col: t.Column, env: _Env) -> Any:
        match col.scope:
            case "customer":
                row: dict[str, Any] | None = env.customer.row
            case "event":
                assert env.event is not None, "an event column outside its aggregate"
                row = env.event.row
            case "lookup":
                row = self.lookup_row(env.customer, col.owner)
            case "step":
                row = env.steps[col.owner].row
            case _:
                raise AssertionError(col.scope)
        return None if row is None else self.read(row.get(col.column), col.type)

    def read(self, raw: Any, typ: Type) -> Any:
        """A stored value as the evaluator works with it (naive UTC timestamps, dates, Decimals)."""
        if raw is None:
            return None
        if typ == TIMESTAMP:
            return self.as_timestamp(raw)
        if typ == DATE and isinstance(raw, dt.datetime):
            return self.date_of(raw)
        return _typed(raw, typ)

    # ---- arithmetic ----

    def arith(self, expr: t.Arith, env: _Env) -> Any:
        if isinstance(expr.right, t.Duration):
            return self.shift(expr, env)
        a, b = self.value(expr.left, env), self.value(expr.right, env)
        if a is None or b is None:
            return None
        a, b = _typed(a, expr.type), _typed(b, expr.type)
        match expr.op:
            case "+":
                return a + b
            case "-":
                return a - b
            case "*":
                return a * b
            case "/":
                if b == 0:
                    return None
                if expr.type == FLOAT:
                    return a / b
                with localcontext() as ctx:
                    ctx.prec = 38
                    return Decimal(a) / Decimal(b)
            case "%":
                if b == 0:
                    return None
                if isinstance(a, int):
                    r = abs(a) % abs(b)
                    return r if a >= 0 else -r
                if isinstance(a, float):
                    return math.fmod(a, b)
                return a % b  # Decimal's remainder is already truncated
        raise AssertionError(expr.op)

    def shift(self, expr: t.Arith, env: _Env) -> Any:
        """date|timestamp ± duration."""
        duration = expr.right
        assert isinstance(duration, t.Duration)
        base, amount = self.value(expr.left, env), self.value(duration.amount, env)
        if base is None or amount is None:
            return None
        n = amount if expr.op == "+" else -amount
        if duration.unit == "hour":
            return self.as_timestamp(base) + dt.timedelta(hours=n)
        return shift_date(base, n, duration.unit)

    # ---- functions ----

    def call(self, expr: t.Call, env: _Env) -> Any:
        args = [self.value(a, env) for a in expr.args]
        name = expr.name
        if name == "coalesce":
            return next((_typed(a, expr.type) for a in args if a is not None), None)
        if any(a is None for a in args):
            return None
        x = args[0]
        match name:
            case "lower":
                return x.lower()
            case "upper":
                return x.upper()
            case "trim":
                return x.strip(" ")
            case "length":
                return len(x)
            case "abs":
                return abs(x)
            case "round":
                return _round(x, args[1] if len(args) > 1 else None, expr.type)
            case "floor":
                return math.floor(x)
            case "ceil":
                return math.ceil(x)
            case "date":
                return self.date_of(x)
            case "year":
                return self.date_of(x).year
            case "month":
                return self.date_of(x).month
            case "day_of_week":
                return self.date_of(x).isoweekday()
            case "days_between":
                return (self.date_of(args[1]) - self.date_of(x)).days
            case "days_since":
                return (self.today - self.date_of(x)).days
            case "years_between":
                return years_between(self.date_of(x), self.date_of(args[1]))
            case "day":
                return self.date_of(x).day
            case "quarter":
                return (self.date_of(x).month - 1) // 3 + 1
            case "day_of_year":
                return self.date_of(x).timetuple().tm_yday
            case "start_of_week":
                return period_start(self.date_of(x), "week", args[1])
            case "start_of_month":
                return period_start(self.date_of(x), "month")
            case "start_of_quarter":
                return period_start(self.date_of(x), "quarter")
            case "start_of_year":
                return period_start(self.date_of(x), "year")
            case "days_until":
                return (self.date_of(x) - self.today).days
            case "next_anniversary":
                return next_anniversary(self.date_of(x), self.today)
            case "bucket":
                return bucket(x, env.customer.key)
        raise AssertionError(f"unknown function {name}")

    # ---- time ----

    def date_of(self, value: dt.date) -> dt.date:
        """The date of a date or a (naive UTC) timestamp in the project's time zone."""
        if not isinstance(value, dt.datetime):
            return value
        if value.tzinfo is not None:
            return value.astimezone(self.zone).date()
        if self.utc:
            return value.date()
        return value.replace(tzinfo=UTC).astimezone(self.zone).date()

    def start_of(self, day: dt.date) -> dt.datetime:
        """The first instant of a day in the project's time zone, as a naive UTC timestamp."""
        local = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    def as_timestamp(self, value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, dt.date):
            return self.start_of(value)
        raise TypeError(f"not a timestamp: {value!r}")

    # ---- joins ----

    def lookup_row(self, customer: _Customer, name: str) -> dict[str, Any] | None:
        if name in customer.lookups:
            return customer.lookups[name]
        lookup = self.schema.lookups[name]
        index = self._lookups.get(name)
        if index is None:
            index = {}
            for row in self.data.lookups.get(name, []):
                key = tuple(row.get(col) for _, col in lookup.on)
                if None not in key:
                    index.setdefault(key, row)  # several matching rows: the first one (§3 is silent)
            self._lookups[name] = index
        key = tuple(customer.row.get(col) for col, _ in lookup.on)
        found = None if None in key else index.get(key)
        customer.lookups[name] = found
        return found

    def occurrences(self, event: Event, key: Any) -> list[_Occurrence]:
        """The customer's events that count on the as-of date: with a time, on or before `today`."""
        index = self._events.get(event.name)
        if index is None:
            index = {}
            time_type = event.time_type or TIMESTAMP
            for row in self.data.events.get(event.name, []):
                owner = row.get(event.key)
                if owner is None:
                    continue
                if event.time is None:  # `time: none`: counted, never windowed or ordered
                    index.setdefault(owner, []).append(_Occurrence(row, None, None))
                    continue
                time = self.read(row.get(event.time), time_type)
                if time is None:
                    continue
                day = self.date_of(time)
                if day <= self.today:
                    index.setdefault(owner, []).append(_Occurrence(row, time, day))
            self._events[event.name] = index
        return [] if key is None else index.get(key, [])

    # ---- behaviour ----

    def aggregate(self, agg: t.Aggregate, env: _Env) -> Any:
        event = self.schema.events[agg.event]
        inside = self.window_test(agg.window, event, env)
        matching = [
            o for o in self.occurrences(event, env.customer.key)
            if inside(o) and (agg.where is None or self.holds(agg.where, _Env(env.customer, env.params, o)))
        ]
        func = agg.func
        if func == "first_time":
            return min((o.time for o in matching), default=None)
        if func == "last_time":
            return max((o.time for o in matching), default=None)
        if func == "nth_time":  # events at the same time count one by one
            n = self.value(agg.arg, env) if agg.arg is not None else None
            times = sorted(o.time for o in matching)
            return times[n - 1] if n is not None and 1 <= n <= len(times) else None
        if func in ("count_days", "count_weeks", "count_months"):
            assert all(o.day is not None for o in matching)
            if func == "count_days":
                return len({o.day for o in matching})
            if func == "count_months":
                return len({(o.day.year, o.day.month) for o in matching if o.day is not None})
            start = self.value(agg.arg, env) if agg.arg is not None else 1
            return len({period_start(o.day, "week", start) for o in matching if o.day is not None})
        if agg.value is None:
            assert func == "count"
            return len(matching)
        assert isinstance(agg.value, t.Column)
        pairs = [(o.time, v) for o in matching
                 if (v := self.value(agg.value, _Env(env.customer, env.params, o))) is not None]
        values = [v for _, v in pairs]
        match func:
            case "count":
                return len(values)
            case "count_distinct":
                return len(set(values))
            case "sum":
                return sum((_typed(v, agg.type) for v in values), _typed(0, agg.type))
            case "avg":
                if not values:
                    return None
                if agg.type == FLOAT:
                    return math.fsum(float(v) for v in values) / len(values)
                with localcontext() as ctx:
                    ctx.prec = 38
                    return sum((Decimal(v) for v in values), Decimal(0)) / len(values)
            case "min":
                return min(values, default=None)
            case "max":
                return max(values, default=None)
            case "first":  # earliest event with a value; ties at one time: the smallest value
                return min(pairs, default=(None, None))[1]
            case "last":  # latest event with a value; ties: the largest value
                return max(pairs, default=(None, None))[1]
            case "nth":  # the n-th event with a value, by time, then value
                n = self.value(agg.arg, env) if agg.arg is not None else None
                by_time = sorted(pairs)
                return by_time[n - 1][1] if n is not None and 1 <= n <= len(by_time) else None
            case "median":
                if not values:
                    return None
                ordered = sorted(values)
                middle = len(ordered) // 2
                if len(ordered) % 2:
                    return _typed(ordered[middle], agg.type)
                if agg.type == FLOAT:
                    return (float(ordered[middle - 1]) + float(ordered[middle])) / 2
                with localcontext() as ctx:
                    ctx.prec = 38
                    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2
            case "mode":  # the most frequent value; ties: the smallest
                if not values:
                    return None
                counts = Counter(values)
                top = max(counts.values())
                return min(v for v, c in counts.items() if c == top)
        raise AssertionError(func)

    def sequence(self, seq: t.Sequence, env: _Env) -> bool:
        """§3.10 literally: is there a chain of events e1 … en, each passing its step, e1 in the window, each later
        one within its step's bound after the one before (a `then no` step: no such event, and its interval ended)?"""
        steps = seq.steps
        events = [self.schema.events[s.event] for s in steps]
        key = env.customer.key
        inside = self.window_test(seq.window, events[0], env)

        def passes(i: int, o: _Occurrence, bound: dict[str, _Occurrence]) -> bool:
            where = steps[i].where
            return where is None or self.holds(where, _Env(env.customer, env.params, o, bound))

        def after(i: int, previous: _Occurrence, o: _Occurrence) -> bool:
            """Is o within step i's bound after the previous step's event?"""
            step = steps[i]
            a, b = (previous.time, o.time) if step.instant else (previous.day, o.day)
            if a is None or b is None:
                return False
            if b < a or (step.same_table and b == a):
                return False
            end = self.step_end(step, previous, env)
            return end is None or b <= end

        def chain(i: int, previous: _Occurrence, bound: dict[str, _Occurrence]) -> bool:
            step = steps[i]
            candidates = self.occurrences(events[i], key)
            if step.negated:
                if any(after(i, previous, o) and passes(i, o, bound) for o in candidates):
                    return False
                end = self.step_end(step, previous, env)  # the interval must have ended: t + D <= now
                return end is None or end <= (self.now if step.instant else self.today)
            for o in candidates:
                if after(i, previous, o) and passes(i, o, bound):
                    here = {**bound, step.alias: o} if step.alias else bound
                    if i + 1 == len(steps) or chain(i + 1, o, here):
                        return True
            return False

        for o in self.occurrences(events[0], key):
            if inside(o) and passes(0, o, {}):
                bound = {steps[0].alias: o} if steps[0].alias else {}
                if chain(1, o, bound):
                    return True
        return False

    def step_end(self, step: t.Step, previous: _Occurrence, env: _Env) -> Any:
        """The last time (or date) a step's event may have after the previous step's: t + D; None without `within`."""
        if step.within is None:
            return None
        n = self.value(step.within.amount, env)
        if step.instant:
            if step.within.unit == "hour":
                return previous.time + dt.timedelta(hours=n)
            return shift_date(previous.time, n, step.within.unit)
        return shift_date(previous.day, n, step.within.unit)

    def window_test(self, window: t.Window | None, event: Event, env: _Env) -> Any:
        """A predicate on an occurrence: is it inside the window? (the as-of bound is already applied)"""
        match window:
            case None:
                return lambda o: True
            case t.LastWindow(amount=amount, unit=unit):
                n = self.value(amount, env)
                if n is None:
                    return lambda o: False
                if unit == "hour":
                    low = self.now - dt.timedelta(hours=n)
                    return lambda o: low < self.as_timestamp(o.time) <= self.now
                first_excluded = shift_date(self.today, -n, unit)
                return lambda o: first_excluded < o.day <= self.today
            case t.SinceWindow(start=start):
                d = self.value(start, env)
                return (lambda o: False) if d is None else (lambda o: d <= o.day)
            case t.BeforeWindow(end=end):
                d = self.value(end, env)
                return (lambda o: False) if d is None else (lambda o: o.day < d)
            case t.BetweenWindow(start=start, end=end):
                lo, hi = self.value(start, env), self.value(end, env)
                return (lambda o: False) if lo is None or hi is None else (lambda o: lo <= o.day <= hi)
            case t.ThisWindow(unit=unit, week_start=week_start):
                begin = period_start(self.today, unit, week_start)
                return lambda o: begin <= o.day <= self.today
            case t.PreviousWindow(amount=amount, unit=unit, week_start=week_start):
                n = self.value(amount, env)
                current = period_start(self.today, unit, week_start)
                begin = shift_date(current, -n, unit)
                return lambda o: begin <= o.day < current
        raise AssertionError(window)

    # ---- ranking ----

    def percentile(self, expr: t.Percentile, env: _Env) -> float | None:
        """100 × (customers with a strictly lower value) / (customers with a value − 1); 0 if only one."""
        cache_key = (id(expr), tuple(sorted(env.params.items())))
        cached = self._percentiles.get(cache_key)
        if cached is not None:
            ranks = cached[1]
        else:
            values = [self.value(expr.expr, _Env(c, env.params)) for c in self.customers]
            present = sorted(v for v in values if v is not None)
            n = len(present)
            ranks = [None if v is None else (0.0 if n == 1 else 100 * bisect.bisect_left(present, v) / (n - 1))
                     for v in values]
            self._percentiles[cache_key] = (expr, ranks)
        return ranks[env.customer.position]


# ---- helpers ----

_COMPARE = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Two values as compared: a float against a Decimal compares as floats, as every engine compares DOUBLE with
    DECIMAL (Python's exact float-to-Decimal comparison makes `round(score / 4, 1) = 2.6` false)."""
    if isinstance(a, float) and isinstance(b, Decimal):
        return a, float(b)
    if isinstance(a, Decimal) and isinstance(b, float):
        return float(a), b
    return a, b


def _typed(value: Any, typ: Type) -> Any:
    """A number as its declared numeric type (Python does not mix Decimal and float)."""
    if value is None or isinstance(value, bool):
        return value
    if typ == DECIMAL and isinstance(value, float):
        return Decimal(repr(value))
    if typ == DECIMAL and isinstance(value, int):
        return Decimal(value)
    if typ == FLOAT and isinstance(value, int | Decimal):
        return float(value)
    if typ == INTEGER and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if typ == TIMESTAMP and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def add_months(day: Any, months: int) -> Any:
    """A date or timestamp moved by calendar months, clamped to the end of the month (Jan 31 + 1 month = Feb 29)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def shift_date(day: Any, n: int, unit: str) -> Any:
    """A date or timestamp ± n days, weeks, months, quarters or years."""
    match unit:
        case "day":
            return day + dt.timedelta(days=n)
        case "week":
            return day + dt.timedelta(weeks=n)
        case "month":
            return add_months(day, n)
        case "quarter":
            return add_months(day, 3 * n)
        case "year":
            return add_months(day, 12 * n)
    raise AssertionError(unit)


def period_start(day: dt.date, unit: str, week_start: int = 1) -> dt.date:
    """The first day of the calendar week (starting on ISO weekday `week_start`), month, quarter or year of day."""
    match unit:
        case "week":
            return day - dt.timedelta(days=(day.isoweekday() - week_start) % 7)
        case "month":
            return day.replace(day=1)
        case "quarter":
            return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        case "year":
            return day.replace(month=1, day=1)
    raise AssertionError(unit)


def next_anniversary(day: dt.date, today: dt.date) -> dt.date:
    """The first date on or after today with day's month and day; Feb 29 falls on Feb 28 in common years."""
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, day.month)[1]
        candidate = dt.date(year, day.month, min(day.day, last))
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable: next year's anniversary is after today")


def bucket(salt: str, key: Any) -> int | None:
    """§3.13: the first 8 hexadecimal digits of md5(salt + ":" + key) (UTF-8) as an unsigned number, mod 10000."""
    if key is None:
        return None
    digest = hashlib.md5(f"{salt}:{key}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 10000


def years_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar years from a to b: the largest N with a + N years <= b (negative when b < a)."""
    if b < a:
        return -years_between(b, a)
    n = b.year - a.year
    while n > 0 and add_months(a, 12 * n) > b:
        n -= 1
    return n


def _round(x: Any, places: Any, typ: Type) -> Any:
    """Halves away from zero, to `places` decimal places (0 when not given)."""
    n = 0 if places is None else int(places)
    if isinstance(x, int) and n >= 0:
        return x if typ == INTEGER else Decimal(x)
    exact = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    with localcontext() as ctx:
        ctx.prec = 80
        rounded = exact.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
    if typ == FLOAT:
        return float(rounded)
    if typ == INTEGER:
        return int(rounded)
    return rounded

