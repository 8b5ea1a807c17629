"""DuckDB: the embedded default engine; its constructs are the portable ones, so little differs here.

Builds sqlglot nodes only.
"""

from __future__ import annotations

from sqlglot import exp

from segql.dialects.base import BUCKETS, COMMON_RESERVED, SqlDialect

# quantile_disc's fraction for the upper middle (DuckDB.middles_sum)
UPPER_MIDDLE = "0.500000000001"


class DuckDB(SqlDialect):
    name = "duckdb"
    # DuckDB also reserves these as column names (sqlglot quotes them too).
    reserved = COMMON_RESERVED | frozenset("analyse analyze asymmetric collation deferrable do initially "
                                           "pivot pivot_longer pivot_wider placing returning symmetric "
                                           "unpivot variadic".split())
    quoted_names_exact = False  # "Segs" and segs are one schema
    distinct_by_grouping = True  # each DISTINCT aggregate costs DuckDB a hash table of its own
    ranks_by_counting = True  # a window's sort of a million customers costs DuckDB more than grouping them
    semi_joins = True  # a MARK join on the events' keys (NOT EXISTS decorrelates about 3× slower than NOT IN)

    def like_insensitive(self, subject: exp.Expression, pattern: exp.Expression) -> exp.Expression:
        # DuckDB's LIKE has no default escape character, so a constant pattern without a backslash (nothing
        # was escaped) means the same without ESCAPE; ILIKE without ESCAPE runs on DuckDB's fast LIKE path
        # (about 1.4× faster than LOWER(x) LIKE LOWER(p) ESCAPE '\' on a million rows).
        if isinstance(pattern, exp.Literal) and pattern.is_string and "\\" not in pattern.this:
            return exp.ILike(this=subject, expression=pattern)
        return super().like_insensitive(subject, pattern)

    def bucket(self, text: exp.Expression) -> exp.Expression:
        # DuckDB reads a '0x…' string cast to BIGINT as hexadecimal
        digits = exp.Substring(this=exp.MD5(this=text), start=exp.Literal.number(1), length=exp.Literal.number(8))
        number = self.cast(exp.DPipe(this=exp.Literal.string("0x"), expression=digits, safe=True), "BIGINT")
        return exp.Mod(this=number, expression=exp.Literal.number(BUCKETS))

    def ordered_pick(self, func: str, value: exp.Expression, time: exp.Expression, guard: exp.Expression | None,
                     position: int | None) -> exp.Expression | None:
        # One grouping instead of a window step and a grouping: arg_min/arg_max over a (time, value) key (rows with
        # a NULL key, where the guard fails, are skipped; the value in the key breaks ties), min(x, n) / arg_min(v, key,
        # n) for the n smallest, in order (their n-th; fewer than n: NULL).
        def when(node: exp.Expression) -> exp.Expression:
            return node if guard is None else exp.Case(ifs=[exp.If(this=guard, true=node)])

        if func == "nth_time":
            assert position is not None
            return self.nth_of_smallest(value, guard, position, position)
        key = when(exp.Anonymous(this="ROW", expressions=[time, value.copy()]))
        if func == "first":
            return exp.ArgMin(this=value, expression=key)
        if func == "last":
            return exp.ArgMax(this=value, expression=key)
        if func == "nth":
            assert position is not None
            firsts = exp.ArgMin(this=value, expression=key, count=exp.Literal.number(position))
            return exp.Anonymous(this="LIST_EXTRACT", expressions=[firsts, exp.Literal.number(position)])
        return None

    def nth_of_smallest(self, value: exp.Expression, guard: exp.Expression | None, position: int,
                        count: int) -> exp.Expression | None:
        # min(x, n), the n smallest in order: nth_time(…, n) takes the n-th, a first_time beside it the first, and
        # DuckDB computes the one aggregate once (nth_time's shape: 1.10× → 1.0× its hand-written query's CPU)
        when = value if guard is None else exp.Case(ifs=[exp.If(this=guard, true=value)])
        smallest = exp.Anonymous(this="MIN", expressions=[when, exp.Literal.number(count)])
        return exp.Anonymous(this="LIST_EXTRACT", expressions=[smallest, exp.Literal.number(position)])

    def lower_median(self, value: exp.Expression) -> exp.Expression:
        # quantile_disc(v, 0.5) is the value at 0-based index floor((n - 1) / 2): the lower middle (the median itself
        # comes from middles_sum)
        return exp.Anonymous(this="QUANTILE_DISC", expressions=[value, exp.Literal.number("0.5")])

    def middles_sum(self, value: exp.Expression) -> exp.Expression | None:
        # Both middles from one quantile_disc over a list of fractions, one sorted state instead of two (the two
        # QUANTILE_DISC of the base form cost 1.6× DuckDB's median(); median() itself is not exact: it interpolates
        # in DOUBLE and at the column's scale). DuckDB's discrete index of a DOUBLE fraction q over n values is
        # max(1, n - floor(n - n * q)) - 1: for q = 0.5 the lower middle, floor((n - 1) / 2); for q = 0.5 + 1e-12 the
        # upper middle, floor(n / 2), whenever n * 1e-12 < 1/2 (up to 5e11 values of one customer).
        def middle(position: int) -> exp.Expression:  # DuckDB computes the two identical aggregates once
            fractions = [self.cast(exp.Literal.number(q), "DOUBLE") for q in ("0.5", UPPER_MIDDLE)]
            both = exp.Anonymous(this="QUANTILE_DISC", expressions=[value.copy(), exp.Array(expressions=fractions)])
            return exp.Anonymous(this="LIST_EXTRACT", expressions=[both, exp.Literal.number(position)])

        return exp.Add(this=middle(1), expression=middle(2))
