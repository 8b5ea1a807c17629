"""The constructs whose SQL differs between engines, behind one small interface.

`SqlDialect` holds the portable (ANSI/PostgreSQL-like) form of each; the module per engine overrides
only what that engine needs. Builds sqlglot nodes only; imports nothing of segql but diagnostics.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from sqlglot import exp

_SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Words reserved by (nearly) every SQL engine: a column spelled like one is always quoted.
COMMON_RESERVED = frozenset(
    "all and any array as asc between both by case cast check collate column constraint create cross "
    "current_date current_time current_timestamp current_user default desc distinct else end except exists "
    "false fetch for foreign from full grant group having ilike in inner intersect interval into is join "
    "lateral leading left like limit localtime localtimestamp natural not null of offset on only or order "
    "outer primary qualify references right select session_user some table tablesample then to trailing "
    "true union unique user using values when where window with".split()
)

UNITS = ("hour", "day", "week", "month", "year")
BUCKETS = 10000  # bucket(salt) is 0 … 9999 (DESIGN §3.13)
_TYPES: dict[tuple[str, str], exp.DataType] = {}


class SqlDialect:
    """Dialect-specific SQL constructs; the compiler calls these and never asks which engine it serves."""

    name: ClassVar[str] = "ansi"  # the sqlglot dialect used to render
    reserved: ClassVar[frozenset[str]] = COMMON_RESERVED
    double_type: ClassVar[str] = "DOUBLE"
    timestamp_type: ClassVar[str] = "TIMESTAMP"
    # COUNT(DISTINCT v) in an event pass as a grouping by customer and v, then by customer (see compile.passes)
    distinct_by_grouping: ClassVar[bool] = False
    # percentiles ranked by counting the customers of each distinct value rather than by RANK() over every customer
    # (compile.lower.counted_ranks)
    ranks_by_counting: ClassVar[bool] = False
    # `has` over an event table the query reads nothing else of as a semi-join (rewrites.semi_joins): `key IN
    # (SELECT key …)`, or with `correlated_exists` `EXISTS (SELECT 1 … WHERE key = c.key)` (an anti-join for `has no`)
    semi_joins: ClassVar[bool] = False
    # a pass of one first/last/nth as the rows picked, no grouping (passes.build_pass): SELECT DISTINCT ON (key) key,
    # value … ORDER BY key, time, value; nth the rows whose ROW_NUMBER() in that order is n
    picked_rows: ClassVar[bool] = False
    correlated_exists: ClassVar[bool] = False
    # `has E where x > customer.v` as `max(x of E) > customer.v` (rewrites.edge_comparisons): the events grouped by
    # customer alone, not joined with the customer row first; off where a correlated EXISTS probes an index instead
    edge_comparisons: ClassVar[bool] = True
    # A referenced segment computed apart (compile.rewrites.key_sets) as its members' keys LEFT JOINed, read as `key IS
    # NOT NULL`, instead of `key IN (SELECT key …)`
    joined_key_sets: ClassVar[bool] = False
    # The engine's driver takes string values as bound parameters ($1, $2…) in the statements it plans
    # (SELECT, INSERT, DELETE): they then never pass through SQL text (compile.render.render_bound).
    binds_strings: ClassVar[bool] = False
    # How the engine stores a name `identifier()` writes bare: folded to lower case (PostgreSQL, DuckDB) or to
    # upper case (Snowflake); a quoted one as written, except on DuckDB, where names never differ by case alone.
    folds_to_upper: ClassVar[bool] = False
    quoted_names_exact: ClassVar[bool] = True
    # The longest name the engine keeps whole, in bytes (None: no limit segql meets): PostgreSQL cuts longer ones
    # to 63 bytes, silently, so two long names that begin alike would be one table.
    max_name_bytes: ClassVar[int | None] = None
    # The most columns one SELECT may have (None: no limit segql meets); queries over many segments are split.
    max_columns: ClassVar[int | None] = None

    def __init__(self) -> None:
        self._quoted: dict[str, bool] = {}  # per name: must it be quoted? (asked for every column built)

    # ---- names ----

    def identifier(self, name: str) -> exp.Identifier:
        """As the schema writes it; quoted only for reserved words, mixed case and special characters."""
        quoted = self._quoted.get(name)
        if quoted is None:
            quoted = self._quoted[name] = bool(
                not _SIMPLE_NAME.match(name)
                or (name != name.lower() and name != name.upper())
                or name.lower() in self.reserved
            )
        return exp.Identifier(this=name, quoted=quoted)

    def stored_name(self, name: str) -> str:
        """The name the engine keeps for `identifier(name)`: `RACY` and `racy` are one schema on PostgreSQL."""
        if self.identifier(name).args.get("quoted") and self.quoted_names_exact:
            return name
        return name.upper() if self.folds_to_upper else name.lower()

    def column(self, name: str, table: str | None = None) -> exp.Column:
        return exp.Column(this=self.identifier(name), table=self.identifier(table) if table else None)

    def table(self, parts: tuple[str, ...], alias: str) -> exp.Table:
        idents = [self.identifier(p) for p in parts]
        return exp.Table(
            this=idents[-1],
            db=idents[-2] if len(idents) >= 2 else None,
            catalog=idents[-3] if len(idents) >= 3 else None,
            alias=exp.TableAlias(this=self.identifier(alias)),
        )

    # ---- the statement ----

    def finish(self, statement: exp.Expression) -> exp.Expression:
        """The statement as it is sent (render calls this last; the tree given is not changed)."""
        return statement

    # ---- literals and types ----

    def string_sql(self, text: str) -> str | None:
        """The SQL text of a string literal when sqlglot's own is not safe on this engine; None: sqlglot's."""
        return None

    def cast(self, expr: exp.Expression, type_name: str) -> exp.Expression:
        built = _TYPES.get((self.name, type_name))
        if built is None:  # DataType.build parses its argument: do it once per type, copy after
            built = _TYPES[(self.name, type_name)] = exp.DataType.build(type_name, dialect=self.name)
        if not any(isinstance(v, exp.Expression | list) for v in built.args.values()):
            return exp.Cast(this=expr, to=exp.DataType(**built.args))  # plain arguments: no deep copy needed
        return exp.Cast(this=expr, to=built.copy())

    def date_literal(self, value: dt.date) -> exp.Expression:
        return self.cast(exp.Literal.string(value.isoformat()), "DATE")

    def timestamp_literal(self, value: dt.datetime) -> exp.Expression:
        return self.cast(exp.Literal.string(value.isoformat(sep=" ")), self.timestamp_type)

    def to_timestamp(self, expr: exp.Expression) -> exp.Expression:
        return self.cast(expr, self.timestamp_type)

    # ---- logic ----

    def never_null(self, condition: exp.Expression) -> exp.Expression:
        """The condition with a missing (NULL) result read as false."""
        return exp.Coalesce(this=condition, expressions=[exp.Boolean(this=False)])

    # ---- numbers ----

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        """True division (never integer division); a zero divisor gives NULL, never an error."""
        return exp.Div(this=self.cast(left, self.double_type), expression=nullif_zero(right))

    def modulo(self, left: exp.Expression, right: exp.Expression, floating: bool) -> exp.Expression:
        """Remainder with the sign of the dividend; a zero divisor gives NULL."""
        return exp.Mod(this=left, expression=nullif_zero(right))

    def round(self, value: exp.Expression, digits: exp.Expression | None, floating: bool) -> exp.Expression:
        """Halves away from zero."""
        return exp.Round(this=value, decimals=digits)

    # ---- text ----

    def like_insensitive(self, subject: exp.Expression, pattern: exp.Expression) -> exp.Expression:
        """Case-insensitive LIKE on an already escaped pattern, with `\\` as the explicit escape."""
        like = exp.Like(this=exp.Lower(this=subject), expression=exp.Lower(this=pattern))
        return exp.Escape(this=like, expression=exp.Literal.string("\\"))

    # ---- calendar ----

    def year(self, value: exp.Expression) -> exp.Expression:
        return exp.Year(this=value)

    def month(self, value: exp.Expression) -> exp.Expression:
        return exp.Month(this=value)

    def day_of_week(self, value: exp.Expression) -> exp.Expression:
        """1 = Monday … 7 = Sunday."""
        return exp.Extract(this=exp.Var(this="ISODOW"), expression=value)

    def day_of_month(self, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.Var(this="DAY"), expression=value)

    def quarter(self, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.Var(this="QUARTER"), expression=value)

    def day_of_year(self, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.Var(this="DOY"), expression=value)

    def period_start(self, value: exp.Expression, unit: str, week_start: int = 1) -> exp.Expression:
        """The first day (a DATE) of the calendar week, month, quarter or year of a DATE; weeks start on the ISO
        weekday `week_start` (1 Monday … 7 Sunday)."""
        if unit == "week":
            dow = self.day_of_week(value.copy())
            if week_start == 1:
                back: exp.Expression = exp.Sub(this=dow, expression=exp.Literal.number(1))
            else:  # the days since the last `week_start` day: (dow - week_start + 7) % 7
                shifted = exp.Add(this=dow, expression=exp.Literal.number(7 - week_start)) if week_start != 7 else dow
                back = exp.Mod(this=exp.Paren(this=shifted) if week_start != 7 else shifted,
                               expression=exp.Literal.number(7))
            return self.add_days(value, back, subtract=True)
        return self.cast(self.truncate(value, unit), "DATE")

    def truncate(self, value: exp.Expression, unit: str) -> exp.Expression:
        """DATE_TRUNC of a DATE to month, quarter or year (the caller casts the result to DATE)."""
        return exp.DateTrunc(this=value, unit=exp.Var(this=unit.upper()))

    def add_days(self, value: exp.Expression, days: exp.Expression, subtract: bool = False) -> exp.Expression:
        """DATE ± a computed whole number of days, a DATE."""
        op: type[exp.Add] | type[exp.Sub] = exp.Sub if subtract else exp.Add
        # EXTRACT gives BIGINT (DuckDB) or numeric (PostgreSQL), and a DATE takes only INTEGER from `+` and `-`
        return op(this=value, expression=self.cast(days, "INTEGER"))

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        """Whole days from one DATE to another (end - start)."""
        if isinstance(start, exp.Add | exp.Sub):  # `date + 3`: end - (date + 3), never end - date + 3
            start = exp.Paren(this=start)
        return exp.Sub(this=end, expression=start)

    def add(self, value: exp.Expression, amount: int, unit: str, is_date: bool) -> exp.Expression:
        """value + amount units; unit is day, month, year (a DATE stays a DATE) or hour (on a TIMESTAMP).

        Months and years clamp to the end of the month (2024-01-31 + 1 month = 2024-02-29)."""
        op: type[exp.Add] | type[exp.Sub] = exp.Add if amount >= 0 else exp.Sub
        if unit == "day" and is_date:
            return op(this=value, expression=exp.Literal.number(abs(amount)))
        interval = exp.Interval(this=exp.Literal.string(str(abs(amount))), unit=exp.Var(this=unit.upper()))
        total = op(this=value, expression=interval)
        return self.cast(total, "DATE") if is_date else total

    def add_years(self, value: exp.Expression, years: exp.Expression) -> exp.Expression:
        """DATE + a computed number of years, clamped at the end of February."""
        interval = exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this="YEAR"))
        product = exp.Mul(this=exp.Paren(this=years), expression=interval)
        return self.cast(exp.Add(this=value, expression=product), "DATE")

    # ---- clocks and time zones (timestamps are naive values in UTC) ----

    def current_instant(self) -> exp.Expression:
        """The current time as a naive UTC timestamp."""
        return self.cast(exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=exp.Literal.string("UTC")),
                         self.timestamp_type)

    def current_date(self, timezone: str) -> exp.Expression:
        """Today's date in the time zone."""
        return self.cast(exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=exp.Literal.string(timezone)), "DATE")

    def utc_to_local(self, value: exp.Expression, timezone: str) -> exp.Expression:
        """A naive UTC timestamp as the naive wall-clock time of the zone."""
        as_utc = exp.AtTimeZone(this=value, zone=exp.Literal.string("UTC"))
        return exp.AtTimeZone(this=as_utc, zone=exp.Literal.string(timezone))

    def local_to_utc(self, value: exp.Expression, timezone: str) -> exp.Expression:
        """A naive wall-clock time of the zone as a naive UTC timestamp."""
        as_local = exp.AtTimeZone(this=value, zone=exp.Literal.string(timezone))
        return exp.AtTimeZone(this=as_local, zone=exp.Literal.string("UTC"))

    def coalesce(self, values: list[exp.Expression], kind: str) -> exp.Expression:
        """The first of the values that is not NULL; `kind` is the result's type (`decimal`, `float`, …)."""
        return exp.Coalesce(this=values[0], expressions=values[1:])

    def least(self, items: list[exp.Expression]) -> exp.Expression:
        """The smallest of values that are never NULL (the engine's plain LEAST)."""
        return exp.Least(this=items[0], expressions=items[1:], ignore_nulls=True)

    # ---- hashing ----

    def key_text(self, key: exp.Expression, is_text: bool) -> exp.Expression:
        """A customer key as bucket(salt) hashes it: an integer written in decimal, a string as it is."""
        return key if is_text else self.cast(key, "VARCHAR")

    def bucket(self, text: exp.Expression) -> exp.Expression:
        """The first 8 hexadecimal digits of md5(text) (UTF-8) read as an unsigned number, modulo 10000."""
        digits = exp.Substring(this=exp.MD5(this=text), start=exp.Literal.number(1), length=exp.Literal.number(8))
        bits = self.cast(exp.DPipe(this=exp.Literal.string("x"), expression=digits, safe=True), "BIT(32)")
        return exp.Mod(this=self.cast(bits, "BIGINT"), expression=exp.Literal.number(BUCKETS))

    # ---- aggregates ----

    def lower_median(self, value: exp.Expression) -> exp.Expression:
        """The lower middle of the non-missing values (the middle one when their number is odd), exactly."""
        order = exp.Order(expressions=[exp.Ordered(this=value, desc=False, nulls_first=False)])
        return exp.WithinGroup(this=exp.PercentileDisc(this=exp.Literal.number("0.5")), expression=order)

    def middles_sum(self, value: exp.Expression) -> exp.Expression | None:
        """The sum of the lower and upper middles of the non-missing values from one aggregate, exactly, or None when
        the engine has none (the pass then takes the lower middle of the values and of their negations: two)."""
        return None

    def min_value(self, value: exp.Expression, boolean: bool) -> exp.Expression:
        return exp.LogicalAnd(this=value) if boolean else exp.Min(this=value)

    def mode_value(self, value: exp.Expression) -> exp.Expression | None:
        """The most frequent non-NULL value of a group as one aggregate, ties going to the smallest, or None when the
        engine has none (the mode's subquery then counts each value and numbers them per customer)."""
        return None

    def ordered_pick(self, func: str, value: exp.Expression, time: exp.Expression, guard: exp.Expression | None,
                     position: int | None) -> exp.Expression | None:
        """One aggregate over a customer's events where `guard` holds, or None when the engine has none (the pass
        then numbers its rows in a window step): `first`/`last` the value at the earliest/latest time (ties: the
        smallest/largest value), `nth` the `position`-th value in order of time then value, `nth_time` the
        `position`-th time (`value` is the time), ties counted one by one. Rows without a value (first, last, nth)
        fail the guard, or are not among the events (guard None: every event counts)."""
        return None

    def nth_of_smallest(self, value: exp.Expression, guard: exp.Expression | None, position: int,
                        count: int) -> exp.Expression | None:
        """The `position`-th of the `count` smallest values where `guard` holds (NULL when there are fewer), as one
        aggregate that `first_time` can share with an `nth_time(…, count)` of the same events; None where the
        engine has no such aggregate or sharing it would not pay (the default: `first_time` stays a MIN)."""
        return None

    def max_value(self, value: exp.Expression, boolean: bool) -> exp.Expression:
        return exp.LogicalOr(this=value) if boolean else exp.Max(this=value)


def nullif_zero(expr: exp.Expression) -> exp.Expression:
    return exp.Nullif(this=expr, expression=exp.Literal.number(0))
