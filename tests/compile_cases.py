"""Hand-built checked trees, a tiny DuckDB fixture and the table of compile cases shared by the compile
tests (execution on DuckDB, golden SQL per dialect). Expected members are reasoned out from DESIGN §3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from segql import ast
from segql.check import tree as t
from segql.check.tree import BOOLEAN, DATE, DECIMAL, FLOAT, INTEGER, STRING, TIMESTAMP
from segql.compile import EventTable, LookupTable, TableMap

AS_OF = dt.date(2024, 6, 30)  # a Sunday

TABLES = TableMap(
    customer=("crm", "customers"),
    key="customer_id",
    lookups={"address": LookupTable(("crm", "addresses"), {"address_id": "address_id"})},
    events={
        "orders": EventTable(("sales", "orders"), "customer_id", "ordered_at", "timestamp"),
        "visits": EventTable(("web", "visits"), "customer_id", "visit_date", "date"),
        "tickets": EventTable(("support", "tickets"), "customer_id", None),
        "cart_adds": EventTable(("shop", "cart_adds"), "customer_id", "added_at", "timestamp"),
        "reviews": EventTable(("shop", "reviews"), "customer_id", "review_date", "date"),
        "logins": EventTable(("web", "logins"), "customer_id", "logged_at", "timestamp"),
    },
)

# the database schemas the fixture's tables are in (copied to every engine)
SCHEMAS = tuple(dict.fromkeys(table[0] for table in (TABLES.customer, *(lk.table for lk in TABLES.lookups.values()),
                                                         *(ev.table for ev in TABLES.events.values()))))

# ---- the fixture: 6 customers; 5 has no events at all ----

DDL = """
CREATE SCHEMA crm; CREATE SCHEMA sales; CREATE SCHEMA web; CREATE SCHEMA support; CREATE SCHEMA shop;
CREATE TABLE crm.customers (customer_id INTEGER, name VARCHAR, nickname VARCHAR, country VARCHAR,
  birth_date DATE, signup_at TIMESTAMP, email_opt_in BOOLEAN, lifetime_value DECIMAL(12, 2),
  address_id INTEGER, score DOUBLE, "group" INTEGER, "VipLevel" INTEGER, referrals INTEGER);
CREATE TABLE crm.addresses (address_id INTEGER, state VARCHAR, city VARCHAR, tax_rate DECIMAL(6, 3));
CREATE TABLE sales.orders (order_id INTEGER, customer_id INTEGER, ordered_at TIMESTAMP, amount DECIMAL(10, 2),
  status VARCHAR, channel VARCHAR, gift BOOLEAN);
CREATE TABLE web.visits (customer_id INTEGER, visit_date DATE, page VARCHAR);
CREATE TABLE support.tickets (customer_id INTEGER, topic VARCHAR);
CREATE TABLE shop.cart_adds (customer_id INTEGER, added_at TIMESTAMP, product_id INTEGER, category VARCHAR);
CREATE TABLE shop.reviews (customer_id INTEGER, review_date DATE, product_id INTEGER, stars INTEGER);
CREATE TABLE web.logins (customer_id INTEGER, logged_at TIMESTAMP);
"""

D, TS = dt.date, dt.datetime

CUSTOMERS = [
    # id, name, nickname, country, birth_date, signup_at, opt_in, ltv, address, score, group, VipLevel, referrals
    (1, "Alice 50% off", "50%", "US", D(1990, 6, 30), TS(2020, 1, 31, 10), True, Decimal("1200"), 1, 10.5, 7, 2, None),
    (2, "bob_smith", "B_S", "CA", D(1990, 7, 1), TS(2024, 6, 29, 23, 30), False, Decimal("300"), 2, 2.0, 2, None, 5),
    (3, None, None, None, None, None, None, None, None, None, None, None, None),
    (4, "O'Brien \\ back", "\\", "GB", D(2000, 2, 29), TS(2024, 7, 1), True, Decimal("0"), 3, 2.0, 0, None, None),
    (5, "BxS Eve", "b_s", "DE", D(1980, 1, 31), None, False, Decimal("50"), None, 0.0, 5, None, None),
    (6, "Frank 500", "50%", "US", D(1985, 12, 31), TS(2024, 1, 31), True, Decimal("200"), 1, 3.0, 4, 2, None),
]
ADDRESSES = [(1, "CA", "San Francisco", Decimal("0.085")), (2, "TX", "Austin", Decimal("0.063")),
             (3, None, "London", None)]
ORDERS = [
    (1, 1, TS(2024, 6, 30, 23, 59, 59), Decimal("100"), "paid", "web", False),  # the last second of as-of day
    (2, 1, TS(2024, 7, 1), Decimal("999"), "paid", "web", False),  # after as-of: never counts
    (3, 1, TS(2024, 4, 1, 10), Decimal("50"), "cancelled", "store", False),  # exactly 90 days before
    (4, 1, None, Decimal("500"), "paid", "web", False),  # no time: never counts
    (5, 2, TS(2024, 4, 2), Decimal("20"), "paid", "store", False),  # 89 days before
    (6, 2, TS(2023, 6, 30, 12), Decimal("300"), "paid", "web", True),  # exactly one year before
    (7, 3, TS(2024, 6, 15, 8), Decimal("0"), "refunded", None, None),
    (8, 4, TS(2024, 5, 1, 9), Decimal("10"), "paid", "web", False),  # ties at 05-01 09:00
    (9, 4, TS(2024, 5, 1, 9), Decimal("30"), "paid", "app", True),
    (10, 4, TS(2024, 6, 1, 8), Decimal("40"), "paid", None, False),  # the latest, but no channel
    (11, 4, TS(2024, 5, 20, 12), Decimal("15"), "paid", "mail", False),  # ties at 05-20 12:00
    (12, 4, TS(2024, 5, 20, 12), Decimal("25"), "cancelled", "app", True),
    (13, 6, TS(2024, 6, 10), Decimal("200"), "paid", "web", True),
]
VISITS = [
    (1, D(2024, 6, 30), "home"),
    (1, D(2024, 7, 1), "promo"),  # after as-of
    (2, D(2024, 6, 24), "home"),  # 6 days before: in the last 7 days
    (2, D(2024, 6, 23), "cart"),  # 7 days before: not
    (4, D(2024, 2, 29), "home"),  # a leap day
    (4, None, "home"),
]
TICKETS = [(2, "billing"), (3, "login")]
# Sequences (DESIGN §3.10) read cart additions (timestamps) then orders (timestamps) or reviews (dates).
CART_ADDS = [
    (1, TS(2024, 6, 29, 23), 10, "books"),  # no order within a day after it, and the day has passed: abandoned
    (1, TS(2024, 6, 30, 23, 30), 11, "toys"),  # the order at 23:59:59 follows within a day
    (2, TS(2024, 6, 30, 9), 12, "books"),  # no order after it, but its day has not passed: not yet abandoned
    (3, TS(2024, 6, 14, 8), 13, "garden"),  # the order at 06-15 08:00 is exactly one day later: within
    (4, TS(2024, 5, 1, 9), 14, "books"),  # orders at the same instant: an order follows (ties count)
    (4, TS(2024, 5, 20, 12), 15, "toys"),  # likewise
    (6, None, 16, "books"),  # no time: never counts
    (6, TS(2024, 7, 1, 10), 17, "toys"),  # after the as-of date: never counts
]
REVIEWS = [
    (1, D(2024, 6, 30), 10, 5),  # the product added on 06-29, a day later
    (2, D(2024, 6, 30), 99, 3),  # another product than the one added
    (3, None, 13, 4),  # no date
    (4, D(2024, 5, 1), 14, 1),  # the day of the addition and of the orders
    (6, D(2024, 6, 9), 16, 2),  # before the order of 06-10 00:00 UTC, the same day in New York
]
# Near the starts of days in New York (04:00 UTC in June), for windows whose first day is read from a column
LOGINS = [
    (1, TS(2024, 6, 30, 2)),
    (2, TS(2024, 6, 29, 3)),  # 23:00 on 06-28 in New York: before customer 2's signup day there (06-29)
    (4, TS(2024, 6, 30, 5)),  # 01:00 on 06-30 in New York: on customer 4's signup day there (06-30)
    (6, TS(2024, 6, 29, 4)),  # midnight in New York
    (3, TS(2024, 7, 1, 3)),  # 23:00 on the as-of day in New York; customer 3 has no signup
]
EVENT_ROWS = {"orders": ORDERS, "visits": VISITS, "tickets": TICKETS, "logins": LOGINS,
              "cart_adds": CART_ADDS, "reviews": REVIEWS}


def build_database(con: Any) -> None:
    con.execute(DDL)
    for table, rows in (("crm.customers", CUSTOMERS), ("crm.addresses", ADDRESSES), ("sales.orders", ORDERS),
                        ("web.visits", VISITS), ("support.tickets", TICKETS), ("web.logins", LOGINS),
                        ("shop.cart_adds", CART_ADDS), ("shop.reviews", REVIEWS)):
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


ALL = frozenset(range(1, 7))

# ---- tree builders ----

_COLUMN_TYPES = {
    "customer_id": INTEGER, "name": STRING, "nickname": STRING, "country": STRING, "birth_date": DATE,
    "signup_at": TIMESTAMP, "email_opt_in": BOOLEAN, "lifetime_value": DECIMAL, "score": FLOAT,
    "group": INTEGER, "VipLevel": INTEGER, "referrals": INTEGER,
    "address.state": STRING, "address.city": STRING, "address.tax_rate": DECIMAL,
    "orders.order_id": INTEGER, "orders.amount": DECIMAL, "orders.status": STRING, "orders.channel": STRING,
    "orders.gift": BOOLEAN, "visits.page": STRING, "tickets.topic": STRING,
    "cart_adds.product_id": INTEGER, "cart_adds.category": STRING, "reviews.product_id": INTEGER,
    "reviews.stars": INTEGER,
}


def col(name: str) -> t.Column:
    """`country` (customer), `address.state` (lookup) or `orders.amount` (event) from the fixture."""
    typ = _COLUMN_TYPES[name]
    owner, _, attr = name.rpartition(".")
    if not owner:
        return t.Column("customer", "", attr, attr, typ)
    scope = "lookup" if owner == "address" else "event"
    return t.Column(scope, owner, attr, attr, typ)


def lit(value: Any) -> t.Literal:
    match value:
        case None:
            return t.Literal(None, t.NULL)
        case bool():
            return t.Literal(value, BOOLEAN)
        case int():
            return t.Literal(value, INTEGER)
        case Decimal() | float():
            return t.Literal(Decimal(str(value)), DECIMAL)
        case str():
            return t.Literal(value, STRING)
        case dt.datetime():
            return t.Literal(value, TIMESTAMP)
        case dt.date():
            return t.Literal(value, DATE)
    raise TypeError(value)


def _e(x: Any) -> t.Expr:
    return x if hasattr(x, "__slots__") and not isinstance(x, (str, Decimal, dt.date)) else lit(x)


def cmp(op: str, left: Any, right: Any) -> t.Expr:
    return t.Compare(op, _e(left), _e(right))


def eq(a: Any, b: Any) -> t.Expr:
    return cmp("=", a, b)


def ne(a: Any, b: Any) -> t.Expr:
    return t.Not(cmp("=", a, b))


def gt(a: Any, b: Any) -> t.Expr:
    return cmp(">", a, b)


def ge(a: Any, b: Any) -> t.Expr:
    return cmp(">=", a, b)


def lt(a: Any, b: Any) -> t.Expr:
    return cmp("<", a, b)


def le(a: Any, b: Any) -> t.Expr:
    return cmp("<=", a, b)


def and_(*items: t.Expr) -> t.Expr:
    return t.And(tuple(items))


def or_(*items: t.Expr) -> t.Expr:
    return t.Or(tuple(items))


def not_(x: t.Expr) -> t.Expr:
    return t.Not(x)


def in_(subject: Any, *items: Any) -> t.Expr:
    return t.InList(_e(subject), tuple(_e(i) for i in items))


def between(subject: Any, low: Any, high: Any) -> t.Expr:
    return t.Between(_e(subject), _e(low), _e(high))


def is_null(subject: Any) -> t.Expr:
    return t.IsNull(_e(subject))


def match(op: str, subject: Any, pattern: Any) -> t.Expr:
    return t.Match(op, _e(subject), _e(pattern))


def truth(x: t.Expr) -> t.Expr:
    return t.Truth(x)


def arith(op: str, left: Any, right: Any) -> t.Expr:
    a, b = _e(left), _e(right)
    if isinstance(b, t.Duration):
        typ = TIMESTAMP if b.unit == "hour" else a.type
    elif op == "/":
        typ = FLOAT if FLOAT in (a.type, b.type) else DECIMAL
    elif a.type == b.type:
        typ = a.type
    else:
        typ = FLOAT if FLOAT in (a.type, b.type) else DECIMAL
    return t.Arith(op, a, b, typ)


def dur(amount: int | str, unit: str) -> t.Duration:
    """`30 days`; a str amount names an integer parameter."""
    value = t.Param(amount, INTEGER) if isinstance(amount, str) else t.Literal(amount, INTEGER)
    return t.Duration(value, unit)


_RESULTS = {"length": INTEGER, "floor": INTEGER, "ceil": INTEGER, "years_between": INTEGER,
            "days_between": INTEGER, "days_since": INTEGER, "date": DATE, "year": INTEGER, "month": INTEGER,
            "day_of_week": INTEGER, "lower": STRING, "upper": STRING, "trim": STRING, "day": INTEGER,
            "quarter": INTEGER, "day_of_year": INTEGER, "start_of_week": DATE, "start_of_month": DATE,
            "start_of_quarter": DATE, "start_of_year": DATE, "days_until": INTEGER, "next_anniversary": DATE,
            "bucket": INTEGER}


def call(name: str, *args: Any) -> t.Call:
    checked = tuple(_e(a) for a in args)
    return t.Call(name, checked, _RESULTS.get(name, checked[0].type))


def date_of(x: t.Expr) -> t.Call:
    return t.Call("date", (x,), DATE)


def agg(func: str, source: str, where: t.Expr | None = None, window: t.Window | None = None,
        arg: int | str | None = None, week_start: int = 1) -> t.Aggregate:
    """`count("orders")`, `sum("orders.amount", where, window)`, `nth("orders.channel", arg=2)` (a str arg names
    an integer parameter); count_weeks counts weeks starting on ISO weekday `week_start`."""
    event, _, attr = source.partition(".")
    value = col(source) if attr else None
    if func in ("count", "count_distinct", "count_days", "count_weeks", "count_months"):
        typ = INTEGER
    elif func in ("first_time", "last_time", "nth_time"):
        typ = DATE if TABLES.events[event].time_type == "date" else TIMESTAMP
    elif func in ("avg", "median"):
        typ = DECIMAL
    else:
        assert value is not None
        typ = value.type
    position: t.Literal | t.Param | None = None
    if arg is not None:
        position = t.Param(arg, INTEGER) if isinstance(arg, str) else t.Literal(arg, INTEGER)
    if func == "count_weeks":
        position = t.Literal(week_start, INTEGER)
    return t.Aggregate(func, event, value, where, window, typ, position)


def last(amount: int | str, unit: str) -> t.LastWindow:
    d = dur(amount, unit)
    return t.LastWindow(d.amount, unit)


def since(start: Any) -> t.SinceWindow:
    return t.SinceWindow(_e(start))


def before(end: Any) -> t.BeforeWindow:
    return t.BeforeWindow(_e(end))


def between_w(start: Any, end: Any) -> t.BetweenWindow:
    return t.BetweenWindow(_e(start), _e(end))


def this_w(unit: str, week_start: int = 1) -> t.ThisWindow:
    return t.ThisWindow(unit, week_start)


def previous_w(unit: str, amount: int | str = 1, week_start: int = 1) -> t.PreviousWindow:
    return t.PreviousWindow(dur(amount, unit).amount, unit, week_start)


def has(source: str, where: t.Expr | None = None, window: t.Window | None = None) -> t.Expr:
    return gt(agg("count", source, where, window), 0)


def step(event: str, where: t.Expr | None = None, within: t.Duration | None = None, alias: str = "",
         negated: bool = False, after: str = "") -> t.Step:
    """A sequence step over `event`; `after` names the previous step's event (for the grain and the same-table
    rule, which the checker works out from the schema)."""
    instant = bool(after) and TABLES.events[after].time_type == "timestamp" \
        and TABLES.events[event].time_type == "timestamp"
    same = bool(after) and TABLES.events[after].table == TABLES.events[event].table
    return t.Step(event, alias, where, within, negated, instant, same)


def seq(first: t.Step, *later: t.Step, window: t.Window | None = None) -> t.Sequence:
    """`has first then later…`: each later step's grain and same-table rule follow from the step before it."""
    steps = [first]
    for s_ in later:
        steps.append(step(s_.event, s_.where, s_.within, s_.alias, s_.negated, after=steps[-1].event))
    return t.Sequence(tuple(steps), window)


def step_col(alias: str, source: str) -> t.Column:
    """An earlier step's attribute read by its `as` name: `v.product_id`."""
    column = col(source)
    return t.Column("step", alias, column.attribute, column.column, column.type)


def bucket_of(salt: str) -> t.Call:
    return t.Call("bucket", (lit(salt), col("customer_id")), INTEGER)


def hashlib_bucket(salt: str, key: object) -> int:
    """DESIGN §3.13 by hand, for the expected members of bucket cases: md5 of salt:key, 8 hex digits, mod 10000."""
    import hashlib

    return int(hashlib.md5(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % 10000


def pct(x: Any) -> t.Percentile:
    return t.Percentile(_e(x))


def top(percent: int, x: Any) -> t.Expr:
    return ge(pct(x), t.Arith("-", lit(100), lit(percent), DECIMAL))


TODAY, NOW = t.Today(), t.Now()


def ago(n: int, unit: str) -> t.Expr:
    return arith("-", NOW if unit == "hour" else TODAY, dur(n, unit))


def param(name: str, typ: t.Type) -> t.Param:
    return t.Param(name, typ)


def ref(name: str, condition: t.Expr, **params: Any) -> t.SegmentRef:
    return t.SegmentRef(name, condition, params)


def trait(name: str, expr: t.Expr) -> t.TraitRef:
    return t.TraitRef(name, expr, expr.type)


def segment(condition: t.Expr, name: str = "case", params: tuple[t.ParamSpec, ...] = ()) -> t.CheckedSegment:
    return t.CheckedSegment(name, condition, params, ast.SegmentDef(name, ast.Boolean(True)))


# ---- the cases ----


@dataclass(frozen=True)
class Case:
    name: str
    condition: t.Expr
    expected: frozenset[int]
    as_of: dt.date | None = AS_OF
    timezone: str = "UTC"
    params: dict[str, Any] | None = None
    specs: tuple[t.ParamSpec, ...] = ()
    golden: bool = False  # also kept as golden SQL for every dialect
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def segment(self) -> t.CheckedSegment:
        return segment(self.condition, self.name, self.specs)


def case(name: str, condition: t.Expr, expected: set[int] | frozenset[int], **kw: Any) -> Case:
    return Case(name, condition, frozenset(expected), **kw)


PAID = eq(col("orders.status"), "paid")
SUM_PAID = agg("sum", "orders.amount", PAID)
AGE = trait("age", call("years_between", col("birth_date"), TODAY))
MIN_SPEND = t.ParamSpec("min_spend", DECIMAL, Decimal("150"))
DAYS = t.ParamSpec("days", INTEGER, 90)
US = ref("us", eq(col("country"), "US"))
BIG_SPENDER = ref("big_spender", gt(SUM_PAID, param("min", DECIMAL)), min=Decimal("150"))
ONE_VISIT = ref("one_visit", eq(agg("count", "visits"), 1))

CASES: list[Case] = [
    # ---- two-valued logic: NULL attributes under =, !=, in, not in, not ----
    case("eq", eq(col("country"), "US"), {1, 6}, golden=True),
    case("ne_null_included", ne(col("country"), "US"), {2, 3, 4, 5}, golden=True),
    case("in_list", in_(col("country"), "US", "CA"), {1, 2, 6}),
    case("not_in_beside_is_not_null", and_(not_(is_null(col("country"))), not_(in_(col("country"), "US", "CA"))),
         {4, 5}, golden=True),
    case("coalesce_bare", ge(call("coalesce", col("lifetime_value"), 0), 200), {1, 2, 6}, golden=True),
    case("coalesce_kept", le(call("coalesce", col("lifetime_value"), 0), 100), {3, 4, 5}),
    # values of different numeric types or scales (ClickHouse's conditional functions refuse to mix them)
    case("coalesce_decimal_float", ge(t.Call("coalesce", (col("lifetime_value"), col("score")), FLOAT), 200),
         {1, 2, 6}),
    case("coalesce_timestamp_and_date", eq(t.Call("coalesce", (col("signup_at"), col("birth_date")), DATE),
                                            D(1980, 1, 31)), {5}),
    case("coalesce_decimal_literal", le(call("coalesce", col("lifetime_value"), Decimal("0.125")), 100), {3, 4, 5}),
    case("coalesce_decimal_scales", lt(call("coalesce", col("address.tax_rate"), col("lifetime_value")), 1),
         {1, 2, 4, 6}),
    case("not_in_null_included", not_(in_(col("country"), "US", "CA")), {3, 4, 5}),
    case("is_null", is_null(col("country")), {3}),
    case("is_not_null", not_(is_null(col("country"))), {1, 2, 4, 5, 6}),
    case("truth", truth(col("email_opt_in")), {1, 4, 6}),
    case("not_truth", not_(truth(col("email_opt_in"))), {2, 3, 5}),
    case("and_or", and_(or_(eq(col("country"), "US"), gt(col("lifetime_value"), 250)), truth(col("email_opt_in"))),
         {1, 6}, golden=True),
    case("not_and_with_nulls", not_(and_(gt(col("lifetime_value"), 100), truth(col("email_opt_in")))), {2, 3, 4, 5}),
    case("between", between(col("lifetime_value"), 50, 300), {2, 5, 6}),
    case("not_between", not_(between(col("lifetime_value"), 50, 300)), {1, 3, 4}),
    # ---- numbers ----
    case("true_division", eq(arith("/", col("group"), 2), Decimal("3.5")), {1}, golden=True),
    case("division_by_zero_is_missing", gt(arith("/", col("lifetime_value"), col("score")), 100), {1, 2}),
    case("not_division_by_zero", not_(gt(arith("/", col("lifetime_value"), col("score")), 100)), {3, 4, 5, 6}),
    case("modulo", eq(arith("%", col("group"), 2), 0), {2, 4, 6}),
    case("modulo_by_zero_is_missing", not_(eq(arith("%", col("group"), 0), 0)), ALL),
    case("negate", lt(t.Negate(col("lifetime_value"), DECIMAL), -1000), {1}),
    case("round_half_away", eq(call("round", arith("/", col("lifetime_value"), 4)), 13), {5}),
    case("round_digits", eq(call("round", arith("/", col("score"), 4), 1), Decimal("2.6")), {1}, golden=True),
    case("floor", eq(call("floor", col("score")), 2), {2, 4}),
    case("ceil", eq(call("ceil", col("score")), 11), {1}),
    case("abs", eq(call("abs", t.Negate(col("score"), FLOAT)), 3), {6}),
    case("coalesce", eq(call("coalesce", col("country"), "none"), "none"), {3}),
    # ---- strings ----
    case("contains_percent", match("contains", col("name"), "50%"), {1}, golden=True),
    case("contains_underscore", match("contains", col("name"), "B_S"), {2}),
    case("starts_with", match("starts_with", col("name"), "alice"), {1}),
    case("ends_with", match("ends_with", col("name"), "OFF"), {1}),
    case("contains_backslash", match("contains", col("name"), "n \\"), {4}),
    case("eq_quote_backslash", eq(col("name"), "O'Brien \\ back"), {4}, golden=True),
    case("not_contains_null_included", not_(match("contains", col("name"), "50%")), {2, 3, 4, 5, 6}),
    case("contains_column_pattern", match("contains", col("name"), col("nickname")), {1, 2, 4}, golden=True),
    case("eq_case_sensitive", eq(col("name"), "alice 50% off"), set()),
    case("lower", eq(call("lower", col("name")), "alice 50% off"), {1}),
    case("upper_trim", eq(call("trim", call("upper", col("country"))), "DE"), {5}),
    case("length", eq(call("length", col("name")), 9), {2, 6}),
    # ---- time ----
    case("years_between", ge(AGE, 34), {1, 5, 6}, golden=True),
    case("years_between_birthday_today", eq(AGE, 34), {1}),
    case("years_between_birthday_tomorrow", eq(AGE, 33), {2}),
    case("years_between_leap_day", eq(call("years_between", col("birth_date"), D(2001, 2, 28)), 1), {4}),
    case("years_between_leap_day_before", eq(call("years_between", col("birth_date"), D(2001, 2, 27)), 0), {4}),
    case("years_between_negative", eq(call("years_between", TODAY, col("birth_date")), -34), {1}),
    # two columns: the function in SQL (against a constant it is a range, see test_compile_date_ranges.py)
    case("years_between_columns", ge(call("years_between", col("birth_date"), date_of(col("signup_at"))), 30),
         {2, 6}, golden=True),
    case("year_of_column_folded", eq(call("year", col("signup_at")), call("year", TODAY)), {2, 4, 6}),
    case("days_between", eq(call("days_between", col("birth_date"), D(1990, 7, 31)), 30), {2}),
    case("days_since_timestamp", eq(call("days_since", col("signup_at")), 1), {2}),
    case("jan_31_plus_month", eq(arith("+", col("birth_date"), dur(1, "month")), D(1980, 2, 29)), {5}, golden=True),
    case("leap_day_plus_year", eq(arith("+", col("birth_date"), dur(1, "year")), D(2001, 2, 28)), {4}),
    case("minus_month", eq(arith("-", col("birth_date"), dur(1, "month")), D(1990, 6, 1)), {2}),
    case("plus_weeks", eq(arith("+", col("birth_date"), dur(2, "week")), D(1990, 7, 15)), {2}),
    case("constant_month_clamp", eq(arith("+", lit(D(2024, 1, 31)), dur(1, "month")), D(2024, 2, 29)), ALL),
    case("timestamp_plus_hours", gt(arith("+", col("signup_at"), dur(12, "hour")), TS(2024, 6, 30, 11)), {2, 4}),
    case("timestamp_plus_month", eq(arith("+", col("signup_at"), dur(1, "month")), TS(2024, 2, 29)), {6}),
    case("year", eq(call("year", col("birth_date")), 1990), {1, 2}),
    case("month", eq(call("month", col("birth_date")), 2), {4}),
    case("day_of_week_sunday", eq(call("day_of_week", col("birth_date")), 7), {2}),
    case("day_of_week_tuesday", eq(call("day_of_week", col("birth_date")), 2), {4, 6}),
    case("date_of_timestamp", eq(date_of(col("signup_at")), D(2024, 1, 31)), {6}),
    case("timestamp_vs_date", ge(date_of(col("signup_at")), D(2024, 6, 29)), {2, 4}),
    case("before_now", cmp("<=", col("signup_at"), NOW), {1, 2, 6}, golden=True),
    case("after_now", gt(col("signup_at"), NOW), {4}),
    case("hours_ago", gt(col("signup_at"), ago(48, "hour")), {2, 4}),
    case("days_ago", gt(col("birth_date"), ago(365 * 30, "day")), {4}),
    # ---- aggregates ----
    case("count_zero", eq(agg("count", "orders"), 0), {5}),
    case("count", eq(agg("count", "orders"), 2), {1, 2}),
    case("count_last_90_days", eq(agg("count", "orders", window=last(90, "day")), 1), {1, 2, 3, 6}, golden=True),
    case("count_where_window", eq(agg("count", "orders", eq(col("orders.status"), "cancelled"), last(90, "day")), 0),
         {1, 2, 3, 5, 6}),
    case("count_last_91_days", eq(agg("count", "orders", window=last(91, "day")), 2), {1}),
    case("has_no", eq(agg("count", "orders", window=last(90, "day")), 0), {5}),
    case("sum_excludes_future_and_untimed", eq(SUM_PAID, 100), {1}),
    case("sum_empty_is_zero", eq(SUM_PAID, 0), {3, 5}),
    case("sum_last_year", eq(agg("sum", "orders.amount", PAID, last(1, "year")), 20), {2}),
    case("sum_last_12_months", eq(agg("sum", "orders.amount", PAID, last(12, "month")), 20), {2}),
    case("sum_last_53_weeks", eq(agg("sum", "orders.amount", PAID, last(53, "week")), 320), {2}),
    case("avg", lt(agg("avg", "orders.amount"), 50), {3, 4}),
    case("not_avg_empty_included", not_(lt(agg("avg", "orders.amount"), 50)), {1, 2, 5, 6}),
    case("max", ge(agg("max", "orders.amount"), 200), {2, 6}),
    case("min", eq(agg("min", "orders.amount"), 10), {4}),
    case("count_distinct", eq(agg("count_distinct", "orders.channel"), 3), {4}),
    case("count_distinct_empty", eq(agg("count_distinct", "orders.channel"), 0), {3, 5}),
    # with few other aggregates DuckDB groups by customer and channel, then by customer (compile.passes)
    case("count_distinct_avg", and_(ge(agg("count_distinct", "orders.channel"), 2), lt(agg("avg", "orders.amount"), 100)),
         {1, 4}, golden=True),
    case("count_distinct_first_last_min", and_(eq(agg("count_distinct", "orders.channel"), 3),
                                               eq(agg("first", "orders.channel"), "app"),
                                               eq(agg("last", "orders.channel"), "mail"),
                                               eq(agg("min", "orders.amount"), 10)), {4}),
    case("count_distinct_first_boolean_sum", and_(eq(agg("count_distinct", "orders.channel"), 1),
                                                  truth(agg("first", "orders.gift")), eq(SUM_PAID, 200)), {6}),
    case("count_distinct_max_count", and_(eq(agg("count_distinct", "orders.channel"), 2),
                                          eq(agg("max", "orders.amount"), 300), eq(agg("count", "orders"), 2)), {2}),
    case("first_tie_smallest", eq(agg("first", "orders.channel"), "app"), {4}, golden=True),
    case("first", eq(agg("first", "orders.channel"), "store"), {1}),
    case("last_tie_largest_skips_missing", eq(agg("last", "orders.channel"), "mail"), {4}),
    case("last", eq(agg("last", "orders.channel"), "web"), {1, 6}),
    case("first_last_amount", and_(eq(agg("first", "orders.amount"), 10), eq(agg("last", "orders.amount"), 40)), {4}),
    case("first_boolean", truth(agg("first", "orders.gift")), {2, 6}),
    case("last_boolean", truth(agg("last", "orders.gift")), {6}),
    case("first_with_others", and_(eq(agg("first", "orders.channel"), "app"), eq(agg("count", "orders"), 5),
                                   eq(agg("sum", "orders.amount", PAID, last(60, "day")), 55)), {4}),
    case("last_time_today", ge(agg("last_time", "orders"), TS(2024, 6, 30)), {1}),
    case("days_since_last_time", gt(call("days_since", agg("last_time", "orders")), 60), {2}, golden=True),
    case("not_days_since_last_time", not_(gt(call("days_since", agg("last_time", "orders")), 60)), {1, 3, 4, 5, 6}),
    case("first_time_date", lt(date_of(agg("first_time", "orders", PAID)), D(2024, 1, 1)), {2}),
    case("where_customer_column", ge(agg("count", "orders", gt(col("orders.amount"),
                                                                  arith("/", col("lifetime_value"), 10))), 1),
         {2, 4, 6}, golden=True),
    case("where_lookup", has("orders", eq(col("address.state"), "CA")), {1, 6}),
    # a has alone over its table is a semi-join (DuckDB, PostgreSQL): with the customer row and lookups inside it,
    # in an or of several tables, or beside another aggregate of its table (then it stays in the pass)
    case("has_where_event_or_lookup", has("orders", or_(eq(col("orders.channel"), "store"), eq(col("address.state"), "TX"))),
         {1, 2}),
    case("has_where_customer_value", has("orders", gt(col("orders.amount"), arith("/", col("lifetime_value"), 10))),
         {2, 4, 6}),
    # … as max(amount) > lifetime_value / 10 (rewrites.edge_comparisons), `has no` too, min for <, timestamps
    case("has_no_where_customer_value",
         not_(has("orders", gt(col("orders.amount"), arith("/", col("lifetime_value"), 10)))), {1, 3, 5}, golden=True),
    case("has_where_below_customer_value",
         has("orders", lt(col("orders.amount"), arith("/", col("lifetime_value"), 10)), window=last(90, "day")), {1, 2}),
    case("has_where_at_least_customer_value", has("reviews", ge(col("reviews.stars"), col("VipLevel"))), {1, 6}),
    # `has` in a grouped pass (beside other aggregates of its table) as the pass's boolean column (rewrites.reached):
    # from the latest matching time where only the window's start is left to check, the earliest where only its end
    case("reached_since", or_(has("orders", PAID, window=since(D(2024, 6, 1))), ge(agg("count", "orders"), 3)),
         {1, 4, 6}),
    case("reached_has_no_last_days", and_(not_(has("orders", PAID, window=last(30, "day"))),
                                          ge(agg("count", "orders"), 1)), {2, 3}),
    case("reached_before", and_(has("orders", PAID, window=before(D(2024, 5, 1))),
                                ge(agg("sum", "orders.amount"), 50)), {2}),
    case("reached_previous_months", and_(has("orders", window=previous_w("month", 2)),
                                         not_(has("orders", window=this_w("month")))), {2}, golden=True),
    # `has … in W and has no … in V` (V's conditions among W's): has … in W ∪ V (rewrites.covered_windows)
    case("covered_all_time", and_(has("orders", PAID, window=between_w(D(2024, 6, 1), D(2024, 6, 30))),
                                  not_(has("orders", PAID, window=before(D(2024, 6, 1)))),
                                  not_(has("orders", window=since(D(2024, 7, 1))))), {1, 6}, golden=True),
    case("covered_up_to_a_gap", and_(has("orders", PAID, window=between_w(D(2024, 5, 1), D(2024, 5, 31))),
                                     not_(has("orders", PAID, window=before(D(2024, 5, 1)))),
                                     not_(has("orders", window=since(D(2024, 6, 2))))), {4}),
    case("covered_with_parameters", and_(has("orders", PAID, window=between_w(param("start", DATE), D(2024, 5, 31))),
                                         not_(has("orders", PAID, window=before(param("start", DATE)))),
                                         not_(has("orders", window=since(D(2024, 6, 2))))), {4},
         params={"start": D(2024, 5, 1)}, specs=(t.ParamSpec("start", DATE, D(2024, 5, 1)),)),
    case("covered_through_reference", ref("spring", and_(
        has("orders", PAID, window=between_w(param("start", DATE), D(2024, 5, 31))),
        not_(has("orders", PAID, window=before(param("start", DATE)))), not_(has("orders", window=since(D(2024, 6, 2))))),
        start=D(2024, 5, 1)), {4}),
    case("covered_not_by_other_events", and_(has("orders", PAID, window=previous_w("month")),
                                             not_(has("orders", eq(col("orders.channel"), "app"),
                                                      window=this_w("month")))), {4}),
    case("reached_between_inside_pass", and_(has("orders", window=between_w(D(2024, 5, 1), D(2024, 5, 31))),
                                             ge(agg("count", "orders", window=last(1, "year")), 2)), {4}),
    case("reached_guarded", or_(has("orders", and_(PAID, eq(col("country"), "US")), window=last(90, "day")),
                                ge(agg("max", "orders.amount"), 250)), {1, 2, 6}),
    case("reached_of_dates", or_(has("visits", window=last(7, "day")), ge(agg("count", "visits"), 2)), {1, 2}),
    case("reached_without_time", and_(has("tickets", eq(col("tickets.topic"), "billing")),
                                      ge(agg("count", "tickets"), 1)), {2}),
    case("reached_every_row", or_(has("tickets"), eq(agg("count", "tickets", eq(col("tickets.topic"), "login")), 5)),
         {2, 3}),
    case("reached_beside_last", and_(has("orders", PAID, window=since(D(2024, 5, 15))),
                                     eq(agg("last", "orders.channel"), "web")), {1, 6}),
    # COUNT(DISTINCT)s of different values beside other aggregates: passes of their own on DuckDB
    # (rewrites.distinct_apart), joined to the rest of the pass
    case("distinct_apart", and_(ge(agg("count_distinct", "orders.channel"), 2), ge(agg("count_days", "orders"), 2),
                                ge(agg("sum", "orders.amount"), 10)), {1, 2, 4}, golden=True),
    case("distinct_apart_filtered", and_(ge(agg("count_distinct", "orders.channel", PAID), 2),
                                         ge(agg("count_days", "orders"), 2), ge(agg("count", "orders"), 1)), {2, 4}),
    case("reached_beside_count_distinct", and_(has("orders", PAID, window=since(D(2024, 5, 1))),
                                               ge(agg("count_distinct", "orders.channel"), 2)), {1, 4}),
    # `has E where (a or L)`, L on the customer alone: `has E where a or (L and has E)`, a pass of two counts without
    # the customer join (customer 4's address has no state, 3 has no address: L fails for both, under `not` too)
    case("has_or_lookup_window", has("orders", or_(eq(col("orders.channel"), "store"), eq(col("address.state"), "CA")),
                                     last(30, "day")), {1, 6}),
    case("not_has_or_lookup", not_(has("orders", or_(eq(col("orders.channel"), "store"),
                                                     eq(col("address.state"), "CA")))), {3, 4, 5}),
    case("has_no_or_lookup", eq(agg("count", "orders", or_(eq(col("orders.channel"), "app"),
                                                          eq(col("address.state"), "TX"))), 0), {1, 3, 5, 6}),
    case("has_and_or_lookup", has("orders", and_(eq(col("orders.status"), "cancelled"),
                                                 or_(eq(col("orders.channel"), "web"), eq(col("address.state"), "CA")))),
         {1}),
    case("has_either_table", or_(has("visits", window=last(7, "day")), has("tickets")), {1, 2, 3}),
    case("inner_has_and_sum", and_(has("orders"), gt(agg("sum", "orders.amount"), 100)), {1, 2, 4, 6}),
    case("lookup_in_both", and_(eq(col("address.state"), "CA"),
                                eq(agg("count", "orders", and_(eq(col("address.state"), "CA"),
                                                              eq(col("orders.channel"), "web"))), 1)), {1, 6}),
    # ---- customers without events: INNER JOIN where they can't be members, LEFT JOIN where they can ----
    case("inner_between_counts", between(agg("count", "orders"), 2, 3), {1, 2}),
    case("left_or_without_events", or_(ge(agg("count", "orders"), 5), eq(col("country"), "DE")), {4, 5}),
    case("left_or_two_passes", or_(gt(agg("max", "orders.amount"), 100), ge(agg("count", "visits"), 1)),
         {1, 2, 4, 6}),
    case("inner_arithmetic", ge(arith("+", agg("count", "orders"), 1), 3), {1, 2, 4}),
    case("left_arithmetic_passes_empty", ge(arith("+", agg("count", "orders"), 3), 3), ALL),
    case("inner_and_left", and_(ge(agg("count", "orders"), 1), eq(agg("count", "visits"), 0)), {3, 6}),
    case("inner_through_trait_and_ref", and_(trait("buyer", ge(agg("count", "orders", PAID), 1)),
                                             ref("tall", gt(agg("max", "orders.amount"), 100))), {2, 6}),
    case("guard_lifted", ge(agg("count", "orders", eq(col("country"), "US")), 1), {1, 6}, golden=True),
    case("guard_lifted_not", not_(ge(agg("count", "orders", eq(col("country"), "US")), 1)), {2, 3, 4, 5}),
    case("guard_kept_when_empty_passes", gt(agg("sum", "orders.amount", eq(col("country"), "US")), -1), ALL),
    case("guard_kept_for_zero", eq(agg("count", "orders", eq(col("country"), "US")), 0), {2, 3, 4, 5}),
    case("guard_lifted_max", lt(agg("max", "orders.amount", in_(col("country"), "US", "GB")), 50), {4}),
    case("since", eq(agg("count", "orders", window=since(D(2024, 6, 1))), 1), {1, 3, 4, 6}),
    case("before", eq(agg("count", "orders", window=before(D(2024, 5, 1))), 0), {3, 4, 5, 6}),
    case("between_window", eq(agg("count", "orders", window=between_w(D(2024, 5, 1), D(2024, 5, 20))), 4), {4}),
    case("last_12_hours", has("orders", window=last(12, "hour")), {1}),
    case("last_month", eq(agg("count", "orders", window=last(1, "month")), 1), {1, 3, 4, 6}),
    case("ratio_of_aggregates", gt(arith("/", SUM_PAID, agg("count", "orders", PAID)), 100), {2, 6}, golden=True),
    case("visits_last_7_days", has("visits", window=last(7, "day")), {1, 2}),
    case("visits_count", eq(agg("count", "visits"), 1), {1, 4}),
    case("visits_future_never", has("visits", eq(col("visits.page"), "promo")), set()),
    case("visits_since_leap_day", eq(agg("count", "visits", window=since(D(2024, 2, 29))), 1), {1, 4}),
    case("visits_last_4_months", has("visits", window=last(4, "month")), {1, 2}),
    case("visits_last_5_months", has("visits", window=last(5, "month")), {1, 2, 4}, golden=True),
    case("untimed_events", eq(agg("count", "tickets"), 1), {2, 3}),
    case("untimed_where", has("tickets", eq(col("tickets.topic"), "billing")), {2}),
    # ---- percentiles: over all customers, ties equal, no value → missing ----
    case("top_20_percent", top(20, col("lifetime_value")), {1}, golden=True),
    case("percentile", ge(pct(col("lifetime_value")), 50), {1, 2, 6}),
    case("not_percentile", not_(ge(pct(col("lifetime_value")), 50)), {3, 4, 5}),
    case("percentile_ties", eq(pct(col("score")), 25), {2, 4}),
    case("percentile_of_aggregate", ge(pct(SUM_PAID), 80), {2, 6}),
    case("percentile_over_everyone", and_(ge(pct(col("lifetime_value")), 50), eq(col("country"), "US")), {1, 6}),
    case("percentile_single_value", eq(pct(col("referrals")), 0), {2}),
    # ---- parameters, segments, traits, lookups, quoting ----
    case("param_default", gt(SUM_PAID, param("min_spend", DECIMAL)), {2, 6}, specs=(MIN_SPEND,), golden=True),
    case("param_given_as_text", gt(SUM_PAID, param("min_spend", DECIMAL)), {1, 2, 4, 6}, specs=(MIN_SPEND,),
         params={"min_spend": "90"}),
    case("param_duration", eq(agg("count", "orders", window=last("days", "day")), 2), {1}, specs=(DAYS,),
         params={"days": 91}),
    case("segment_ref", US, {1, 6}),
    case("not_segment_ref", not_(US), {2, 3, 4, 5}),
    case("segment_ref_own_params", and_(gt(SUM_PAID, param("min", DECIMAL)), BIG_SPENDER), {2, 6},
         specs=(t.ParamSpec("min", DECIMAL, Decimal("0")),), golden=True),
    # a reference under `or`/`not` whose passes nothing else reads: a key set of its own (rewrites.key_sets)
    case("key_set_or", or_(BIG_SPENDER, eq(col("country"), "US")), {1, 2, 6}, golden=True),
    case("key_set_not", not_(BIG_SPENDER), {1, 3, 4, 5}),
    case("key_set_two_tables", or_(BIG_SPENDER, ONE_VISIT), {1, 2, 4, 6}),
    case("key_set_shared_pass_inlined", or_(BIG_SPENDER, ref("tall", gt(agg("max", "orders.amount"), 100))), {2, 6}),
    # (inlined: true for customers without orders, so a customer without a key could be a member)
    case("key_set_true_without_events", or_(ref("small", lt(SUM_PAID, 50)), eq(col("country"), "CA")), {2, 3, 5}),
    case("key_set_not_true_without_events", not_(ref("small", lt(SUM_PAID, 50))), {1, 2, 4, 6}),
    case("key_set_ranked", or_(ref("top_half", and_(ge(agg("count", "orders"), 2), ge(pct(SUM_PAID), 50))),
                               eq(col("country"), "US")), {1, 2, 6}),
    case("key_set_nested", not_(ref("spender_not_one_visit", and_(BIG_SPENDER, not_(ONE_VISIT)))), {1, 3, 4, 5}),
    case("key_set_beside_has", and_(has("orders"), not_(ONE_VISIT)), {2, 3, 6}),
    # `not (has A or has B)` as a conjunct: NOT EXISTS each on PostgreSQL (rewrites.anti_joins), also through a reference
    case("anti_joins", and_(eq(col("country"), "US"), not_(or_(has("visits", window=last(7, "day")), has("tickets")))),
         {6}),
    case("anti_joins_through_reference", and_(eq(col("country"), "US"), ref("quiet", not_(or_(
        has("visits", window=last(7, "day")), has("tickets"))))), {6}),
    case("anti_joins_not_deeper", not_(and_(eq(col("country"), "US"), not_(or_(
        has("visits", window=last(7, "day")), has("tickets"))))), {1, 2, 3, 4, 5}),
    case("trait", gt(AGE, 40), {5}),
    case("lookup", eq(col("address.state"), "CA"), {1, 6}),
    case("not_lookup_missing_included", ne(col("address.state"), "TX"), {1, 3, 4, 5, 6}),
    case("lookup_is_null", is_null(col("address.city")), {3, 5}),
    case("reserved_word_column", eq(col("group"), 7), {1}, golden=True),
    case("mixed_case_column", eq(col("VipLevel"), 2), {1, 6}),
    # ---- time zones: an order at 2024-07-01 00:00 UTC is on 2024-06-30 in New York ----
    case("tz_sum_includes_local_as_of_day", eq(SUM_PAID, 1099), {1}, timezone="America/New_York", golden=True),
    case("tz_window_local_dates", eq(agg("count", "orders", window=last(90, "day")), 0), {2, 5},
         timezone="America/New_York"),
    case("tz_date_of_timestamp", eq(date_of(col("signup_at")), D(2024, 6, 30)), {4}, timezone="America/New_York"),
    case("tz_day_of_week", eq(call("day_of_week", col("signup_at")), 7), {4}, timezone="America/New_York"),
    # ---- an unpinned as-of date: today and now are the engine's clock ----
    case("unpinned_today", gt(TODAY, D(2024, 1, 1)), ALL, as_of=None, golden=True),
    case("unpinned_now_is_today", eq(date_of(NOW), TODAY), ALL, as_of=None, timezone="Asia/Tokyo"),
    case("unpinned_window", has("orders", window=last(36500, "day")), {1, 2, 3, 4, 6}, as_of=None,
         timezone="America/New_York", golden=True),
    case("unpinned_months", has("visits", window=last(1200, "month")), {1, 2, 4}, as_of=None),
    case("unpinned_mixed_windows", or_(has("orders", window=last(1200, "month")),
                                       has("orders", window=since(D(2024, 6, 1)))), {1, 2, 3, 4, 6}, as_of=None,
         golden=True),
    # ---- a local day's start read from a column: New York's midnight is 04:00 UTC in June ----
    case("since_column", has("logins", window=since(date_of(col("signup_at")))), {1, 2, 6}),
    case("tz_since_column", has("logins", window=since(date_of(col("signup_at")))), {1, 4, 6},
         timezone="America/New_York", golden=True),
    case("tz_unpinned_since_column", has("logins", window=since(date_of(col("signup_at")))), {1, 4, 6}, as_of=None,
         timezone="America/New_York", golden=True),
    case("timestamp_param_with_offset", gt(col("signup_at"), param("since", TIMESTAMP)), {2, 4},
         specs=(t.ParamSpec("since", TIMESTAMP, None),), params={"since": "2024-06-30T01:00:00+02:00"}),
]


# ---- round 2 (DESIGN §3.10–3.14): sequences, ordinals, frequency, calendar periods, buckets, SQL traits ----

CART_THEN = step("cart_adds")
N_SPEC = t.ParamSpec("n", INTEGER, 4)
MONTHS_SPEC = t.ParamSpec("n", INTEGER, 2)
LAPSED = ref("lapsed", eq(agg("count", "orders", window=last(30, "day")), 0))
VIP = ref("vip", gt(col("lifetime_value"), 1000))
DOUBLE_SCORE = trait("double_score", t.SqlTrait("double_score", (
    ("duckdb", "c.score * 2"), ("postgres", "c.score * 2"), ("snowflake", "c.score * 2"), ("clickhouse", "c.score * 2"),
    ("spark", "c.score * 2")), FLOAT))


def _bucketed(salt: str, low: int, high: int) -> set[int]:
    return {k for k in ALL if low <= hashlib_bucket(salt, k) <= high}


ROUND2: list[Case] = [
    # ---- sequences: abandonment, ties, the interval that has not ended, same-table steps, the grain ----
    case("seq_abandoned", seq(CART_THEN, step("orders", within=dur(1, "day"), negated=True)), {1}, golden=True),
    case("seq_abandoned_in_window", seq(CART_THEN, step("orders", within=dur(1, "day"), negated=True),
                                        window=last(3, "day")), {1}),
    # the first step's window bounds the later steps' scans too (each is at or after the one before)
    case("seq_followed_in_window", seq(CART_THEN, step("orders", within=dur(1, "day")), window=last(20, "day")),
         {1, 3}),
    case("seq_followed_in_hours", seq(CART_THEN, step("orders", within=dur(1, "hour")), window=last(2, "hour")),
         {1}),
    case("seq_three_steps_in_window", seq(CART_THEN, step("orders", within=dur(1, "day")),
                                          step("reviews", within=dur(1, "day")), window=last(3, "day")), {1}),
    case("seq_tz_in_window", seq(step("orders"), step("reviews", within=dur(0, "day")), window=last(30, "day")),
         {1, 6}, timezone="America/New_York"),
    # `then no`'s ended interval folded to a bound on the step before (d <= today - 7 days)
    case("seq_date_grain_then_no_week", seq(step("visits"), step("orders", within=dur(1, "week"), negated=True)),
         {2, 4}),
    case("seq_abandoned_week", seq(CART_THEN, step("orders", within=dur(1, "week"), negated=True)), set()),
    case("seq_abandoned_month", seq(CART_THEN, step("orders", within=dur(1, "month"), negated=True)), set()),
    case("seq_abandoned_12_hours", seq(CART_THEN, step("orders", within=dur(12, "hour"), negated=True)), {1, 2, 3}),
    case("seq_then_no_where", seq(CART_THEN, step("orders", eq(col("orders.channel"), "web"), dur(1, "day"),
                                                  negated=True)), {1, 3, 4}),
    case("seq_then_no_ever", seq(CART_THEN, step("orders", negated=True)), {2}),
    case("seq_followed_within_day", seq(CART_THEN, step("orders", within=dur(1, "day"))), {1, 3, 4}, golden=True),
    case("seq_followed_within_hour", seq(CART_THEN, step("orders", within=dur(1, "hour"))), {1, 4}),
    case("seq_correlated", seq(step("cart_adds", alias="a"),
                               step("reviews", eq(col("reviews.product_id"), step_col("a", "cart_adds.product_id")),
                                    dur(2, "day"))), {1, 4}, golden=True),
    case("seq_correlated_same_day", seq(step("cart_adds", alias="a"),
                                        step("reviews", eq(col("reviews.product_id"),
                                                           step_col("a", "cart_adds.product_id")), dur(0, "day"))),
         {4}),
    case("seq_three_steps", seq(CART_THEN, step("orders", within=dur(1, "day")), step("reviews", within=dur(1, "day"))),
         {1, 4}, golden=True),
    case("seq_same_table_later", seq(step("orders"), step("orders", within=dur(30, "day"))), {4}),
    case("seq_same_table_ties_not_later", seq(step("orders"), step("orders", within=dur(1, "day"))), set()),
    case("seq_same_table_any_time", seq(step("orders"), step("orders")), {1, 2, 4}),
    case("seq_same_table_dates", seq(step("visits"), step("visits", within=dur(1, "day"))), {2}),
    case("seq_date_grain_then_no", seq(step("visits"), step("orders", within=dur(2, "day"), negated=True)), {2, 4},
         golden=True),
    case("seq_date_grain_same_day", seq(step("orders"), step("reviews", within=dur(0, "day"))), {1, 4}),
    case("seq_tz_date_grain", seq(step("orders"), step("reviews", within=dur(0, "day"))), {1, 4, 6},
         timezone="America/New_York"),
    case("seq_within_param", seq(CART_THEN, step("orders", within=dur("days", "day"), negated=True)), {1},
         specs=(t.ParamSpec("days", INTEGER, 1),)),
    # ---- ordinals ----
    case("nth_time_ties", eq(agg("nth_time", "orders", arg=2), TS(2024, 5, 1, 9)), {4}, golden=True),
    case("nth_time_this_month", ge(date_of(agg("nth_time", "orders", arg=2)), call("start_of_month", TODAY)), {1}),
    # the date of nth_time within a range as counts of the pass (rewrites.nth_counts), a parameter's n, a date column
    case("nth_time_in_may", between(date_of(agg("nth_time", "orders", arg=3)), D(2024, 5, 1), D(2024, 5, 31)), {4},
         golden=True),
    case("nth_time_before_may", lt(date_of(agg("nth_time", "orders", arg="n")), D(2024, 5, 1)), {2},
         params={"n": 2}, specs=(t.ParamSpec("n", INTEGER, 2),)),
    case("nth_time_of_dates", ge(agg("nth_time", "visits", arg=2), D(2024, 6, 24)), {2}),
    case("nth_time_windowed_kept", ge(date_of(agg("nth_time", "orders", window=since(D(2024, 5, 15)), arg=2)),
                                      D(2024, 5, 20)), {4}),
    case("nth_time_missing", is_null(agg("nth_time", "orders", arg=3)), {1, 2, 3, 5, 6}),
    # first_time beside an nth_time of the same events: one aggregate of the n smallest times on DuckDB
    case("first_and_second_time", le(call("days_between", agg("first_time", "orders", eq(col("orders.status"), "paid")),
                                          agg("nth_time", "orders", eq(col("orders.status"), "paid"), arg=2)), 30),
         {4}, golden=True),
    case("first_time_without_a_third", and_(lt(agg("first_time", "orders", eq(col("orders.status"), "paid")),
                                               TS(2024, 6, 1)),
                                            is_null(agg("nth_time", "orders", eq(col("orders.status"), "paid"), arg=3))),
         {2}),
    case("nth_value", eq(agg("nth", "orders.channel", arg=2), "web"), {1, 4}, golden=True),
    case("nth_first_is_first", eq(agg("nth", "orders.channel", arg=1), "app"), {4}),
    case("nth_param", eq(agg("nth", "orders.channel", arg="n"), "mail"), {4}, specs=(N_SPEC,)),
    case("nth_where", eq(agg("nth", "orders.amount", PAID, arg=2), 30), {4}),
    # ---- frequency ----
    case("count_days", ge(agg("count_days", "orders"), 3), {4}, golden=True),
    case("count_days_empty", eq(agg("count_days", "orders"), 0), {5}),
    case("count_days_this_month", eq(agg("count_days", "orders", window=this_w("month")), 1), {1, 3, 4, 6}),
    case("count_weeks_monday", eq(agg("count_weeks", "visits"), 2), {2}, golden=True),
    case("count_weeks_sunday", eq(agg("count_weeks", "visits", week_start=7), 1), {1, 2, 4}),
    case("count_months", eq(agg("count_months", "orders"), 2), {1, 2, 4}),
    # ---- median and mode ----
    case("median_odd", eq(agg("median", "orders.amount"), 25), {4}, golden=True),
    case("median_even_mean", eq(agg("median", "orders.amount"), 75), {1}),
    case("median_above", gt(agg("median", "orders.amount"), 70), {1, 2, 6}),
    case("median_empty", is_null(agg("median", "orders.amount")), {5}),
    case("median_even_where", eq(agg("median", "orders.amount", PAID), Decimal("22.5")), {4}),  # 15 and 30
    case("median_integer_even", eq(agg("median", "orders.order_id"), Decimal("5.5")), {2}),  # orders 5 and 6
    case("mode_tie_smallest", eq(agg("mode", "orders.channel"), "store"), {1, 2}, golden=True),
    case("mode", eq(agg("mode", "orders.channel"), "app"), {4}),
    case("mode_skips_missing", is_null(agg("mode", "orders.channel")), {3, 5}),
    case("mode_window", eq(agg("mode", "orders.status", window=last(90, "day")), "paid"), {1, 2, 4, 6}),
    case("mode_untimed_events", eq(agg("mode", "tickets.topic"), "billing"), {2}),  # `time: none`: every one counts
    # ---- calendar periods (2024-06-30 is a Sunday) ----
    case("this_month", has("orders", window=this_w("month")), {1, 3, 4, 6}, golden=True),
    case("this_week_monday", has("visits", window=this_w("week")), {1, 2}),
    case("this_week_sunday", has("visits", window=this_w("week", 7)), {1}),
    case("previous_week_monday", eq(agg("count", "visits", window=previous_w("week")), 2), set()),
    case("previous_week_sunday", eq(agg("count", "visits", window=previous_w("week", week_start=7)), 2), {2}),
    case("previous_month", has("orders", window=previous_w("month")), {4}, golden=True),
    case("previous_3_months", has("orders", window=previous_w("month", 3)), {1, 2, 4}),
    case("previous_months_param", has("orders", window=previous_w("month", "n")), {1, 2, 4}, specs=(MONTHS_SPEC,)),
    case("this_quarter", has("orders", window=this_w("quarter")), {1, 2, 3, 4, 6}),
    case("previous_quarter", has("visits", window=previous_w("quarter")), {4}),
    case("previous_2_quarters", has("visits", window=previous_w("quarter", 2)), {4}),
    case("this_year", has("orders", window=this_w("year")), {1, 2, 3, 4, 6}),
    case("previous_year", has("orders", window=previous_w("year")), {2}),
    case("earlier_not_this_month", and_(has("orders", window=previous_w("month", 2)),
                                        not_(has("orders", window=this_w("month")))), {2}),
    case("tz_this_month", eq(agg("count", "orders", window=this_w("month")), 2), {1}, timezone="America/New_York"),
    case("utc_this_month", eq(agg("count", "orders", window=this_w("month")), 2), set()),
    case("last_quarter_window", has("orders", window=last(1, "quarter")), {1, 2, 3, 4, 6}),
    case("plus_quarter", eq(arith("+", col("birth_date"), dur(1, "quarter")), D(1990, 9, 30)), {1}),
    case("plus_quarter_clamps", eq(arith("+", col("birth_date"), dur(1, "quarter")), D(1980, 4, 30)), {5}),
    # ---- calendar functions and anniversaries ----
    case("day", eq(call("day", col("birth_date")), 31), {5, 6}),
    case("quarter", eq(call("quarter", col("birth_date")), 1), {4, 5}),
    case("day_of_year_leap", eq(call("day_of_year", col("birth_date")), 60), {4}),
    case("day_of_year_end", eq(call("day_of_year", col("birth_date")), 365), {6}),
    case("start_of_week_monday", eq(call("start_of_week", date_of(col("signup_at")), 1), D(2024, 6, 24)), {2},
         golden=True),
    case("start_of_week_sunday", eq(call("start_of_week", date_of(col("signup_at")), 7), D(2024, 6, 23)), {2}),
    case("start_of_week_today", eq(call("start_of_week", TODAY, 1), D(2024, 6, 24)), ALL),
    case("start_of_month", eq(call("start_of_month", col("birth_date")), D(1990, 6, 1)), {1}),
    case("start_of_quarter", eq(call("start_of_quarter", col("birth_date")), D(1990, 7, 1)), {2}),
    case("start_of_year_timestamp", eq(call("start_of_year", col("signup_at")), D(2024, 1, 1)), {2, 4, 6}),
    case("tz_start_of_quarter", eq(call("start_of_quarter", col("signup_at")), D(2024, 4, 1)), {2, 4},
         timezone="America/New_York"),
    # compared with a column, not with constants: computed per row (the forms above become ranges at compile time)
    case("start_of_week_per_row", eq(call("days_between", call("start_of_week", col("birth_date"), 7),
                                          col("birth_date")), 2), {4, 6}),
    case("start_of_quarter_per_row", eq(call("days_between", call("start_of_quarter", col("birth_date")),
                                             col("birth_date")), 0), {2}),
    case("tz_start_of_year_per_row", eq(call("days_between", call("start_of_year", col("signup_at")),
                                             date_of(col("signup_at"))), 30), {1}, timezone="America/New_York"),
    case("anniversary_per_row", lt(call("days_between", date_of(col("signup_at")),
                                        call("next_anniversary", col("birth_date"))), 100), {2}),
    case("birthday_next_7_days", lt(call("days_until", call("next_anniversary", col("birth_date"))), 7), {1, 2},
         golden=True),
    case("birthday_across_year_end", lt(call("days_until", call("next_anniversary", col("birth_date"))), 35), {5, 6},
         as_of=D(2024, 12, 30)),
    case("anniversary_feb_29_common_year", eq(call("next_anniversary", col("birth_date")), D(2025, 2, 28)), {4},
         as_of=D(2025, 2, 28)),
    case("anniversary_feb_29_leap_year", eq(call("days_until", call("next_anniversary", col("birth_date"))), 0), {4},
         as_of=D(2024, 2, 29)),
    case("anniversary_feb_29_passed", eq(call("days_until", call("next_anniversary", col("birth_date"))), 364), {4},
         as_of=D(2025, 3, 1)),
    case("anniversary_of_timestamp", eq(call("next_anniversary", col("signup_at")), D(2025, 1, 31)), {1, 6}),
    case("tz_anniversary_of_timestamp", eq(call("next_anniversary", col("signup_at")), D(2025, 1, 30)), {6},
         timezone="America/New_York"),
    case("days_until_constant", eq(call("days_until", lit(D(2024, 7, 7))), 7), ALL),
    case("days_until_column", eq(call("days_until", date_of(col("signup_at"))), 1), {4}),
    # ---- buckets, splits and priority lists (the checker lowers `in segment s.group` to these) ----
    case("bucket_half", lt(bucket_of("spring"), 5000), _bucketed("spring", 0, 4999), golden=True),
    case("bucket_range", between(bucket_of("spring_promo_2026"), 5000, 6999), _bucketed("spring_promo_2026", 5000, 6999)),
    case("split_holdout", and_(eq(col("country"), "US"), ge(bucket_of("spring"), 5000)),
         {k for k in (1, 6) if hashlib_bucket("spring", k) >= 5000}),
    case("priority_second", and_(LAPSED, not_(VIP)), {2, 5}),
    # ---- a SQL trait (the evaluator refuses it: its meaning is the engine's) ----
    case("sql_trait", gt(DOUBLE_SCORE, 5), {1, 6}, golden=True),
]
CASES += ROUND2


def sqlglot_readable(sql: str) -> str:
    """SQL as sqlglot's readers take it back. PostgreSQL's SQL writes a string holding a backslash as an escape
    string (E'…', the same whatever standard_conforming_strings says), which sqlglot reads everywhere except after
    ESCAPE: there `E'\\'` is read back as the `'\'` it means."""
    return sql.replace("ESCAPE E'\\\\'", "ESCAPE '\\'")
