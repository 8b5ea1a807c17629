"""PostgreSQL: EXTRACT returns numeric, ROUND and % do not take double precision, integer `/` truncates (the
base class already casts the dividend), and a backslash in '…' may escape the next character. Builds sqlglot
nodes only.
"""

from __future__ import annotations

from sqlglot import exp

from segql.dialects.base import COMMON_RESERVED, SqlDialect


class Postgres(SqlDialect):
    name = "postgres"
    reserved = COMMON_RESERVED | frozenset(
        "analyse analyze asymmetric authorization binary collation concurrently current_catalog current_role "
        "current_schema deferrable do freeze initially isnull notnull overlaps placing returning similar "
        "symmetric variadic verbose".split()
    )
    # semi- and anti-joins the planner can drive from the most selective table, probing the (key, time) index; NOT IN
    # (subquery) would fall back to a per-row scan once its hash outgrows work_mem
    semi_joins = True
    correlated_exists = True
    edge_comparisons = False  # the EXISTS probes the (key, time) index: has_where_customer 0.72× its grouped query
    # one sort of the pass's rows, the picked row of each customer kept, instead of a window step and a grouping
    # (first_value, last_value 1.35x -> ~1.0x) or an ordered array per customer (nth_value)
    picked_rows = True
    # an EXISTS under `or` is costed as a subplan run per customer (tree_any_refs: estimated 1e9, so JIT-compiled for
    # 0.8 s) and NOT IN is out: a LEFT JOIN of the keys, an anti-join under `not`
    joined_key_sets = True
    binds_strings = True  # psycopg sends them as parameters of the extended protocol
    max_name_bytes = 63  # NAMEDATALEN - 1
    max_columns = 1664  # MaxTupleAttributeNumber: "target lists can have at most 1664 entries"

    def string_sql(self, text: str) -> str:
        # With standard_conforming_strings off (a legacy setting a database, a role or a target's `options` may
        # still have), a backslash in '…' escapes the next character: `\'` ends no string, and doubling the quotes
        # is not enough. E'…' reads backslashes as escapes whatever the setting, so a string holding one is
        # written there with each backslash doubled; one without any means the same under either setting.
        quoted = text.replace("'", "''")
        return "E'" + quoted.replace("\\", "\\\\") + "'" if "\\" in text else "'" + quoted + "'"

    def modulo(self, left: exp.Expression, right: exp.Expression, floating: bool) -> exp.Expression:
        # `%` exists for integers and numeric only, and an operand may be double precision whatever its
        # declared type (a true division, floor or abs of a float): cast always.
        left, right = self.cast(left, "NUMERIC"), self.cast(right, "NUMERIC")
        return super().modulo(left, right, floating)

    def round(self, value: exp.Expression, digits: exp.Expression | None, floating: bool) -> exp.Expression:
        # round(double precision) rounds halves to even and takes no digits; numeric rounds away from zero.
        # Cast always: a true division is double precision whatever the operands' declared types.
        value = self.cast(value, "NUMERIC")
        return super().round(value, digits, floating)

    def truncate(self, value: exp.Expression, unit: str) -> exp.Expression:
        # date_trunc has no DATE form: a DATE would become a timestamp with time zone in the session's zone
        return exp.DateTrunc(this=self.cast(value, "TIMESTAMP"), unit=exp.Var(this=unit.upper()))

    def mode_value(self, value: exp.Expression) -> exp.Expression | None:
        # mode() keeps, over the values sorted, the first that is more frequent than every one before it: ties go to
        # the first in order, the smallest (as MIN would pick, in the same collation); it skips NULLs. One sort per
        # customer instead of counting per (customer, value) and numbering them: mode 1.46x -> 1.0x.
        order = exp.Order(expressions=[exp.Ordered(this=value, desc=False, nulls_first=False)])
        return exp.WithinGroup(this=exp.Anonymous(this="MODE"), expression=order)

    def ordered_pick(self, func: str, value: exp.Expression, time: exp.Expression, guard: exp.Expression | None,
                     position: int | None) -> exp.Expression | None:
        # nth and nth_time: the ordered array of the matching events' values, its n-th element (one grouping, sorted
        # per customer, instead of numbering every row in a window step). first/last keep the window step: an
        # ordered array per customer measured no faster for those.
        if func not in ("nth", "nth_time"):
            return None
        order = [exp.Ordered(this=time, desc=False, nulls_first=False)]
        if func == "nth":
            order.append(exp.Ordered(this=value.copy(), desc=False, nulls_first=False))
        values: exp.Expression = exp.ArrayAgg(this=exp.Order(this=value, expressions=order))
        if guard is not None:
            values = exp.Filter(this=values, expression=exp.Where(this=guard))
        return exp.Bracket(this=exp.Paren(this=values), expressions=[exp.Literal.number(position)], offset=1)
