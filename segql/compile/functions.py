"""The lowering of scalar functions (`lower(x)`, `round(x, n)`, `years_between(a, b)`, …; the list and signatures
are segql.check.functions'), each in one branch, folded when its value is known at compile time.

Imports sqlglot, segql.check.tree and the sibling sql module (the expression lowering only for its type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from segql.check import tree as t
from segql.compile import sql

if TYPE_CHECKING:
    from segql.compile.expressions import Lowering


# Functions of one argument that are the same SQL function on every engine.
_PLAIN: dict[str, type[exp.Expression]] = {
    "lower": exp.Lower, "upper": exp.Upper, "trim": exp.Trim, "length": exp.Length, "abs": exp.Abs,
    "floor": exp.Floor, "ceil": exp.Ceil,
}


def call(lx: Lowering, node: t.Call) -> exp.Expression:
    d, args, name = lx.d, node.args, node.name
    if name in ("year", "month", "day_of_week"):
        day = lx.constants.known_date(args[0])
        if day is not None:  # of a pinned today, a literal or a parameter: folded
            return sql.number(day.year if name == "year" else day.month if name == "month" else day.isoweekday())
    plain = _PLAIN.get(name)
    if plain is not None:
        return plain(this=lx.value(args[0]))
    match name:
        case "round":
            digits = lx.value(args[1]) if len(args) > 1 else None
            return d.round(lx.value(args[0]), digits, floating=args[0].type == t.FLOAT)
        case "coalesce":
            first, *rest = [lx.value(a) for a in args]
            return exp.Coalesce(this=first, expressions=rest)
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
