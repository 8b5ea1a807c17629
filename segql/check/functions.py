"""Scalar functions of the language: names, arity and argument kinds, result types.

Data for the checker (and the docs); the compiler maps each name to SQL. Imports only segql.types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from segql.types import DATE, DECIMAL, FLOAT, INTEGER, STRING, Type

# argument kinds
NUMERIC, TEXT, TEMPORAL, ANY = "number", "string", "date or timestamp", "value"


def _accepts(kind: str, t: Type) -> bool:
    if t.is_error or t.kind == "null":
        return True
    return {NUMERIC: t.is_numeric, TEXT: t.is_textual, TEMPORAL: t.is_temporal, ANY: t.kind != "duration"}[kind]


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[str, ...]  # argument kinds; the last one repeats when variadic
    result: Callable[[Sequence[Type]], Type]
    min_args: int
    max_args: int | None  # None: any number
    doc: str

    def signature(self) -> str:
        names = list(self.params[: self.min_args])
        if self.max_args is None:
            names.append("…")
        elif self.max_args > self.min_args:
            names.extend(f"[{p}]" for p in self.params[self.min_args : self.max_args])
        return f"{self.name}({', '.join(names)})"

    def kind_of(self, index: int) -> str:
        return self.params[min(index, len(self.params) - 1)]

    @staticmethod
    def accepts(kind: str, t: Type) -> bool:
        return _accepts(kind, t)


def _fixed(t: Type) -> Callable[[Sequence[Type]], Type]:
    return lambda _args: t


def _same_numeric(args: Sequence[Type]) -> Type:
    return args[0] if args and args[0].is_numeric else DECIMAL


def _rounded(args: Sequence[Type]) -> Type:
    if args and args[0].kind == "float":
        return FLOAT
    if len(args) == 1 and args[0].kind == "integer":
        return INTEGER
    return DECIMAL


def common_type(types: Sequence[Type]) -> Type | None:
    """The type values of these types share, or None when they don't mix."""
    known = [t for t in types if not t.is_error and t.kind != "null"]
    if not known:
        return types[0] if types else None
    if all(t.is_numeric for t in known):
        if any(t.kind == "float" for t in known):
            return FLOAT
        return DECIMAL if any(t.kind == "decimal" for t in known) else INTEGER
    if all(t.is_textual for t in known):
        first = known[0]
        return first if all(t == first for t in known) else STRING
    if all(t.is_temporal for t in known):
        return known[0] if all(t == known[0] for t in known) else DATE
    if all(t == known[0] for t in known):
        return known[0]
    return None


def _coalesced(args: Sequence[Type]) -> Type:
    return common_type(args) or args[0]


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("lower", (TEXT,), _fixed(STRING), 1, 1, "the text in lower case"),
        Function("upper", (TEXT,), _fixed(STRING), 1, 1, "the text in upper case"),
        Function("trim", (TEXT,), _fixed(STRING), 1, 1, "the text without leading and trailing spaces"),
        Function("length", (TEXT,), _fixed(INTEGER), 1, 1, "the number of characters"),
        Function("abs", (NUMERIC,), _same_numeric, 1, 1, "the absolute value"),
        Function("round", (NUMERIC, NUMERIC), _rounded, 1, 2, "rounded to n decimal places (default 0), halves away from zero"),
        Function("floor", (NUMERIC,), _fixed(INTEGER), 1, 1, "the largest whole number not above x"),
        Function("ceil", (NUMERIC,), _fixed(INTEGER), 1, 1, "the smallest whole number not below x"),
        Function("coalesce", (ANY,), _coalesced, 2, None, "the first argument that is not missing"),
        Function("years_between", (TEMPORAL, TEMPORAL), _fixed(INTEGER), 2, 2,
                 "whole calendar years from a to b (a birthday not yet reached does not count)"),
        Function("days_between", (TEMPORAL, TEMPORAL), _fixed(INTEGER), 2, 2, "calendar days from a to b"),
        Function("days_since", (TEMPORAL,), _fixed(INTEGER), 1, 1, "days_between(x, today)"),
        Function("date", (TEMPORAL,), _fixed(DATE), 1, 1, "the date of x in the project's time zone"),
        Function("year", (TEMPORAL,), _fixed(INTEGER), 1, 1, "the year of x"),
        Function("month", (TEMPORAL,), _fixed(INTEGER), 1, 1, "the month of x, 1 to 12"),
        Function("day_of_week", (TEMPORAL,), _fixed(INTEGER), 1, 1, "1 = Monday … 7 = Sunday"),
        Function("day", (TEMPORAL,), _fixed(INTEGER), 1, 1, "the day of the month of x, 1 to 31"),
        Function("quarter", (TEMPORAL,), _fixed(INTEGER), 1, 1, "the quarter of x, 1 to 4"),
        Function("day_of_year", (TEMPORAL,), _fixed(INTEGER), 1, 1, "the day of the year of x, 1 to 366"),
        Function("start_of_week", (TEMPORAL,), _fixed(DATE), 1, 1,
                 "the first day of x's week (weeks start on segql.yml's `week_start`, Monday by default)"),
        Function("start_of_month", (TEMPORAL,), _fixed(DATE), 1, 1, "the first day of x's month"),
        Function("start_of_quarter", (TEMPORAL,), _fixed(DATE), 1, 1, "the first day of x's quarter"),
        Function("start_of_year", (TEMPORAL,), _fixed(DATE), 1, 1, "January 1 of x's year"),
        Function("days_until", (TEMPORAL,), _fixed(INTEGER), 1, 1, "days_between(today, x)"),
        Function("next_anniversary", (TEMPORAL,), _fixed(DATE), 1, 1,
                 "the first date on or after today with x's month and day (Feb 29 falls on Feb 28 in common years)"),
        Function("bucket", (TEXT,), _fixed(INTEGER), 1, 1,
                 "the customer's fixed number 0 … 9999 for a salt: md5(salt + \":\" + key), first 8 hex digits, mod 10000"),
        Function("percentile", (ANY,), _fixed(FLOAT), 1, 1,
                 "the customer's percentile rank of x among all customers with a value (0–100)"),
    )
}

AGGREGATES = ("count", "count_distinct", "sum", "avg", "min", "max", "first", "last", "first_time", "last_time",
              "nth", "nth_time", "count_days", "count_weeks", "count_months", "median", "mode")
# Aggregates of events (no attribute) and aggregates of an attribute's values; count takes either.
EVENT_AGGREGATES = ("count", "first_time", "last_time", "nth_time", "count_days", "count_weeks", "count_months")
TIMED_AGGREGATES = ("first", "last", "first_time", "last_time", "nth", "nth_time", "count_days", "count_weeks",
                    "count_months")  # they need the event's time
POSITIONAL_AGGREGATES = ("nth", "nth_time")  # take a position n after the window: `nth(orders.channel, 2)`
