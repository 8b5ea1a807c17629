"""The lowering of scalar functions (`lower(x)`, `round(x, n)`, `years_between(a, b)`, …; the list and signatures
are segql.check.functions'), each in one branch, folded when its value is known at compile time.

Imports sqlglot, segql.check.tree and the sibling sql module (the expression lowering only for its type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from segql.check import tree as t
from segql.compile import sql
from segql.compile.constants import error

if TYPE_CHECKING:
    from segql.compile.expressions import Lowering


# Functions of one argument that are the same SQL function on every engine.
_PLAIN: dict[str, type[exp.Expression]] = {
    "lower": exp.Lower, "upper": exp.Upper, "trim": exp.Trim, "length": exp.Length, "abs": exp.Abs,
    "floor": exp.Floor, "ceil": exp.Ceil,
}


def call(lx: Lowering, node: t.Call) -> exp.Expression:
    d, args, name = lx.d, node.args, node.name
    if name in _OF_A_DAY:
        day = lx.constants.known_date(args[0])
        if day is not None:  # of a pinned today, a literal or a parameter: folded
            return sql.number(_OF_A_DAY[name](day))
    if name in _FOLDED:
        known = lx.constants.constant(node)
        if known is not None:
            return lx.literal(known, node.type)
    plain = _PLAIN.get(name)
    if plain is not None:
        return plain(this=lx.value(args[0]))
    match name:
        case "round":
            digits = lx.value(args[1]) if len(args) > 1 else None
            return d.round(lx.value(args[0]), digits, floating=args[0].type == t.FLOAT)
        case "coalesce":
            return d.coalesce([lx.value(a) for a in args], node.type.kind)
        case "date":
            return lx.to_date(args[0])
        case "year":
            return d.year(lx.local(args[0]))
        case "month":
            return d.month(lx.local(args[0]))
        case "day_of_week":
            return d.day_of_week(lx.local(args[0]))
        case "days_between":
            return d.days_between(lx.to_date(args[0]), lx.to_date(args[1]))
        case "days_since":
            return d.days_between(lx.to_date(args[0]), lx.clock.date_sql(lx.clock.today()))
        case "years_between":
            return years_between(lx, lx.to_date(args[0]), lx.to_date(args[1]))
        case "day":
            return d.day_of_month(lx.local(args[0]))
        case "quarter":
            return d.quarter(lx.local(args[0]))
        case "day_of_year":
            return d.day_of_year(lx.local(args[0]))
        case "start_of_week":
            week_start = args[1].value if isinstance(args[1], t.Literal) else 1
            return d.period_start(lx.to_date(args[0]), "week", week_start)
        case "start_of_month" | "start_of_quarter" | "start_of_year":
            return d.period_start(lx.to_date(args[0]), name.removeprefix("start_of_"))
        case "days_until":
            return d.days_between(lx.clock.date_sql(lx.clock.today()), lx.to_date(args[0]))
        case "next_anniversary":
            return next_anniversary(lx, lx.to_date(args[0]))
        case "bucket":
            return bucket(lx, node)
    raise AssertionError(f"unknown function {name}")  # pragma: no cover


def years_between(lx: Lowering, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Whole years from a to b: the largest n with a + n years <= b (months clamp, so a birthday on
    Feb 29 is reached on Feb 28 of a common year); negative, symmetrically, when b is before a."""

    def forward(start: exp.Expression, end: exp.Expression) -> exp.Expression:
        years = sql.binary(exp.Sub, lx.d.year(end.copy()), lx.d.year(start.copy()))
        anniversary = lx.d.add_years(start.copy(), years.copy())
        not_yet = sql.case(sql.binary(exp.GT, anniversary, end.copy()), sql.number(1), sql.number(0))
        return sql.binary(exp.Sub, years, not_yet)

    ordered = sql.binary(exp.LTE, a, b)
    return sql.case(ordered, forward(a, b), sql.neg(forward(b, a)))


# functions of one day (of a date, or a timestamp's date in the project's zone) folded when the day is known
_OF_A_DAY = {
    "year": lambda day: day.year, "month": lambda day: day.month, "day_of_week": lambda day: day.isoweekday(),
    "day": lambda day: day.day, "quarter": lambda day: (day.month - 1) // 3 + 1,
    "day_of_year": lambda day: day.timetuple().tm_yday,
}
_FOLDED = ("start_of_week", "start_of_month", "start_of_quarter", "start_of_year", "next_anniversary", "days_until")


def next_anniversary(lx: Lowering, day: exp.Expression) -> exp.Expression:
    """The first date on or after today with day's month and day: its anniversary this year (months clamp, so
    Feb 29 falls on Feb 28 in a common year), or next year's when this year's has passed."""
    today = lx.clock.today()
    this_year = lx.d.year(lx.clock.date_sql(today))
    years = sql.binary(exp.Sub, this_year, lx.d.year(day.copy()))
    anniversary = lx.d.add_years(day.copy(), years)
    passed = sql.binary(exp.LT, anniversary.copy(), lx.clock.date_sql(today))
    following = lx.d.add_years(day, sql.binary(exp.Add, years.copy(), sql.number(1)))
    return sql.case(passed, following, anniversary)


def bucket(lx: Lowering, node: t.Call) -> exp.Expression:
    """DESIGN §3.13: md5(salt + ":" + key), its first 8 hex digits as a number, mod 10000. The checker gives the
    call the salt and the customer's key column."""
    salt, key = node.args
    text = lx.constants.constant(salt)
    if not isinstance(text, str):
        raise error("E259", "the salt of `bucket` must be fixed text", node.span)
    key_text = lx.d.key_text(lx.value(key), key.type.is_textual)
    return lx.d.bucket(sql.binary(exp.DPipe, exp.Literal.string(text + ":"), key_text))
