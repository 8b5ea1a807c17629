"""Values known at compile time: literals, parameters, a pinned as-of date and instant, and date arithmetic on those.

`bind_params` gives a segment's parameters their values. Shared by the rewrites (which solve comparisons with constants) and the lowering (which folds them into literals).
Imports segql.check.tree and the sibling dates module; no sqlglot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from segql.check import tree as t
from segql.check.params import parse_value
from segql.compile import dates
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.source import NO_SPAN, Span


def error(code: str, message: str, span: Span = NO_SPAN, hint: str = "") -> DiagnosticError:
    return DiagnosticError([Diagnostic(code, message, span, hint=hint)])


class Constants:
    """The as-of date (None: the current date, known only to the engine), the project's time zone and the values of
    the parameters in scope (a referenced segment's own while its condition is compiled, see `parameters`)."""

    def __init__(self, as_of: dt.date | None, timezone: str, params: Mapping[str, Any]) -> None:
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise error("E301", f"unknown time zone `{timezone}`", hint="use an IANA name such as `Europe/Paris`") from None
        self.as_of = as_of
        self.timezone = timezone
        self.utc = timezone in ("UTC", "Etc/UTC")
        self.params = params

    def parameters(self, params: Mapping[str, Any]) -> _Parameters:
        """`with constants.parameters(p):` reads a referenced segment's own parameter values, then the outer ones
        again."""
        return _Parameters(self, params)

    def param_value(self, node: t.Param) -> Any:
        if node.name not in self.params:
            raise error("E227", f"parameter `${node.name}` has no value", node.span,
                        f"pass one with `--param {node.name}=…` or give it a default")
        return self.params[node.name]

    def amount(self, raw: t.Literal | t.Param, op: str = "+") -> int:
        """A duration's whole number of units, negated for `-`."""
        value = raw.value if isinstance(raw, t.Literal) else self.param_value(raw)
        return -int(value) if op == "-" else int(value)

    def window_days(self, node: t.Window | None) -> tuple[dt.date | None, dt.date | None] | None:
        """The first and last date a window includes (None: unbounded on that side; the as-of date bounds every
        pass anyway) with a pinned as-of date and constant bounds, as windows.window computes them; None when they
        are not known at compile time or the window is of hours (its instants are not whole days)."""
        today = self.as_of
        if today is None:
            return None
        match node:
            case None:
                return None, None
            case t.LastWindow(unit="hour"):
                return None
            case t.LastWindow(amount=amount, unit=unit):
                back = self.amount(amount, "-")
                if unit in ("day", "week"):
                    return dates.add(today, back * (7 if unit == "week" else 1) + 1, "day"), None
                return dates.add(dates.add(today, back, unit), 1, "day"), None
            case t.ThisWindow(unit=unit, week_start=week_start):
                return dates.period_start(today, unit, week_start), None
            case t.PreviousWindow(amount=amount, unit=unit, week_start=week_start):
                current = dates.period_start(today, unit, week_start)
                return dates.add(current, self.amount(amount, "-"), unit), current - dt.timedelta(days=1)
            case t.SinceWindow(start=start):
                first = self._day(start)
                return (first, None) if first is not None else None
            case t.BeforeWindow(end=end):
                last = self._day(end)
                return (None, last - dt.timedelta(days=1)) if last is not None else None
            case t.BetweenWindow(start=start, end=end):
                first, last = self._day(start), self._day(end)
                return (first, last) if first is not None and last is not None else None
        return None

    def _day(self, node: t.Expr) -> dt.date | None:
        """A date known at compile time (not a timestamp), or None."""
        known = self.constant(node)
        return known if isinstance(known, dt.date) and not isinstance(known, dt.datetime) else None

    def now(self) -> dt.datetime | None:
        """The end of the pinned as-of day in the project's zone, as naive UTC; None when the as-of date is not pinned."""
        if self.as_of is None:
            return None
        return dates.day_start_utc(self.as_of + dt.timedelta(days=1), self.zone) - dt.timedelta(microseconds=1)

    def constant(self, node: Any) -> Any:
        """The value of a node known at compile time (literals, parameters, a pinned today and now, and date
        arithmetic on those), or None."""
        match node:
            case t.Literal(value=value):
                return value
            case t.Param():
                return self.param_value(node)
            case t.Today():
                return self.as_of
            case t.Now():
                return self.now()
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
            case t.Call(name="start_of_week", args=(arg, t.Literal(value=week_start))):
                day = self.known_date(arg)
                return None if day is None else dates.period_start(day, "week", week_start)
            case t.Call(name="start_of_month" | "start_of_quarter" | "start_of_year" as name, args=(arg,)):
                day = self.known_date(arg)
                return None if day is None else dates.period_start(day, name.removeprefix("start_of_"))
            case t.Call(name="next_anniversary", args=(arg,)):
                day = self.known_date(arg)
                return None if day is None or self.as_of is None else dates.next_anniversary(day, self.as_of)
            case t.Call(name="days_until", args=(arg,)):
                day = self.known_date(arg)
                return None if day is None or self.as_of is None else (day - self.as_of).days
        return None

    def known_date(self, node: Any) -> dt.date | None:
        """The date (in the project's zone) of a node known at compile time, else None."""
        known = self.constant(node)
        if isinstance(known, dt.datetime):
            return dates.utc_to_local_date(known, self.zone)
        return known if isinstance(known, dt.date) else None


class _Parameters:
    """The context of `Constants.parameters` (a class, not a generator: it is entered several times per segment)."""

    __slots__ = ("constants", "params", "outer")

    def __init__(self, constants: Constants, params: Mapping[str, Any]) -> None:
        self.constants, self.params, self.outer = constants, params, constants.params

    def __enter__(self) -> None:
        self.outer, self.constants.params = self.constants.params, self.params

    def __exit__(self, *_: object) -> None:
        self.constants.params = self.outer


def bind_params(segment: t.CheckedSegment, given: Mapping[str, Any] | None) -> dict[str, Any]:
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
                    raise error("E227", f"bad value for parameter `${spec.name}`: {err}", spec.span) from None
            values[spec.name] = raw
        elif spec.default is not None:
            values[spec.name] = spec.default
    for name in given:
        hint = did_you_mean(name, [p.name for p in segment.params])
        raise error("E206", f"segment `{segment.name}` has no parameter `${name}`",
                    hint=hint or "parameters are declared under `params:` in the segment file")
    return values
