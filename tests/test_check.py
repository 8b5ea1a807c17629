"""The checker: expression → inferred type or diagnostic, lowering, scoping, references and parameters.

Expressions are checked against the acme fixture schema (tests/fixtures/acme/schema.yml).
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from segql import api, ast
from segql.check import CheckResult, check_project
from segql.check import tree as t
from segql.diagnostics import Diagnostic
from segql.schema import Schema, Trait, load_schema
from segql.source import SourceFile, Span
from segql.syntax.parser import parse_expression
from segql.syntax.yamlpos import read_source

ACME = Path(__file__).parent / "fixtures" / "acme"


def _acme_schema() -> Schema:
    schema, found = load_schema(read_source(str(ACME / "schema.yml"), "schema.yml"))
    assert found == []
    return schema


SCHEMA = _acme_schema()

# Parameters of the segment under test, as `params:` would declare them.
PARAMS = (
    ast.ParamDef("n", "integer", "3"),
    ast.ParamDef("amount", "decimal", None),
    ast.ParamDef("ratio", "float", "0.5"),
    ast.ParamDef("start", "date", "2024-01-01"),
    ast.ParamDef("moment", "timestamp", "2024-01-01T10:00:00"),
    ast.ParamDef("code", "string", "x"),
    ast.ParamDef("flag", "boolean", "true"),
)


def _segment(name: str, text: str, params: tuple[ast.ParamDef, ...] = ()) -> ast.SegmentDef:
    source = SourceFile(f"segments/{name}.yml", text)
    return ast.SegmentDef(name, parse_expression(text, source), params=params, span=Span(source, 0, 0))


# Other segments the expressions may refer to.
OTHERS = [
    _segment("vip", "lifetime_value > 1000"),
    _segment("buyers", "has orders"),
    _segment("needs_value", "lifetime_value > $q", (ast.ParamDef("q", "integer", None),)),
    _segment("has_default", "lifetime_value > $q", (ast.ParamDef("q", "integer", "5"),)),
]


def check_segment(text: str) -> tuple[CheckResult, t.CheckedSegment | None]:
    result = check_project(SCHEMA, [_segment("s", text, PARAMS), *OTHERS])
    return result, result.segments.get("s")


def check_trait(text: str) -> tuple[t.Expr | None, list[Diagnostic]]:
    schema = copy.copy(SCHEMA)
    schema.traits = {**SCHEMA.traits, "x_": Trait("x_", parse_expression(text, SourceFile("schema.yml", text)))}
    result = check_project(schema, [])
    return result.traits.get("x_"), result.diagnostics


# ---- types ----

TYPES = [
    ("1", "integer"), ("1.5", "decimal"), ('"a"', "string"), ("'a'", "string"), ("true", "boolean"),
    ("null", "null"), ("2024-01-01", "date"), ("2024-01-01T00:00", "timestamp"), ("today", "date"),
    ("now", "timestamp"), ("30 days", "duration"), ("30 days ago", "date"), ("12 hours ago", "timestamp"),
    ("customer_id", "integer"), ("email", "string"), ("country", "enum"), ("birth_date", "date"),
    ("signup_at", "timestamp"), ("email_opt_in", "boolean"), ("lifetime_value", "decimal"), ("score", "float"),
    ("address.state", "string"), ("customer.email", "string"), ("customer.country", "enum"),
    ("customer_id + 1", "integer"), ("customer_id * 2 - 1", "integer"), ("customer_id / 2", "decimal"),
    ("customer_id % 2", "integer"), ("lifetime_value % 2", "decimal"), ("lifetime_value + customer_id", "decimal"),
    ("score + 1", "float"), ("score / 2", "float"), ("lifetime_value + score", "float"),
    ("-score", "float"), ("-customer_id", "integer"), ("-(lifetime_value)", "decimal"),
    ("birth_date + 1 year", "date"), ("birth_date - 3 months", "date"), ("1 day + birth_date", "date"),
    ("signup_at + 1 day", "timestamp"), ("birth_date + 3 hours", "timestamp"), ("today - 7 days", "date"),
    ("now - 2 hours", "timestamp"),
    ("count(orders)", "integer"), ("count(orders where status = \"paid\")", "integer"),
    ("count_distinct(orders.channel)", "integer"), ("sum(orders.amount)", "decimal"),
    ("sum(web_sessions.pages)", "integer"), ("avg(orders.amount)", "decimal"), ("avg(web_sessions.pages)", "decimal"),
    ("min(orders.amount)", "decimal"), ("max(web_sessions.pages)", "integer"), ("min(orders.status)", "enum"),
    ("first(orders.channel)", "string"), ("last(web_sessions.device)", "enum"), ("first_time(orders)", "timestamp"),
    ("last_time(web_sessions)", "timestamp"), ("sum(wishlist_items.price)", "decimal"),
    ("count(wishlist_items)", "integer"),
    ("lower(email)", "string"), ("upper(country)", "string"), ("trim(email)", "string"), ("length(email)", "integer"),
    ("abs(customer_id)", "integer"), ("abs(lifetime_value)", "decimal"), ("round(lifetime_value)", "decimal"),
    ("round(customer_id)", "integer"), ("round(score, 1)", "float"), ("round(lifetime_value, 2)", "decimal"),
    ("floor(score)", "integer"), ("ceil(lifetime_value)", "integer"),
    ("coalesce(email, \"x\")", "string"), ("coalesce(country, \"x\")", "string"),
    ("coalesce(customer_id, lifetime_value)", "decimal"), ("coalesce(lifetime_value, score, 0)", "float"),
    ("coalesce(birth_date, today)", "date"), ("coalesce(birth_date, signup_at)", "date"),
    ("years_between(birth_date, today)", "integer"), ("days_between(signup_at, now)", "integer"),
    ("days_since(signup_at)", "integer"), ("date(signup_at)", "date"), ("year(birth_date)", "integer"),
    ("month(signup_at)", "integer"), ("day_of_week(today)", "integer"),
    ("percentile(lifetime_value)", "float"), ("percentile(signup_at)", "float"),
    ("age", "integer"), ("spend_365", "decimal"), ("is_adult", "boolean"), ("sessions_30", "integer"),
    ("age + 1", "integer"), ("spend_365 / count(orders)", "decimal"),
    ("lifetime_value > 1", "boolean"), ("has orders", "boolean"), ("email is null", "boolean"),
    ("top 10% by lifetime_value", "boolean"), ("email_opt_in and is_adult", "boolean"),
    # round 2
    ("nth(orders.channel, 2)", "string"), ("nth(web_sessions.device, 2)", "enum"), ("nth_time(orders, 3)", "timestamp"),
    ("nth_time(reviews, 1)", "date"), ("count_days(orders)", "integer"), ("count_weeks(orders in this year)", "integer"),
    ("count_months(reviews)", "integer"), ("median(orders.amount)", "decimal"), ("median(web_sessions.pages)", "decimal"),
    ("mode(orders.channel)", "string"), ("mode(web_sessions.device)", "enum"), ("mode(orders.amount)", "decimal"),
    ("day(birth_date)", "integer"), ("quarter(signup_at)", "integer"), ("day_of_year(today)", "integer"),
    ("start_of_week(signup_at)", "date"), ("start_of_month(today)", "date"), ("start_of_quarter(birth_date)", "date"),
    ("start_of_year(now)", "date"), ("days_until(birth_date)", "integer"), ("next_anniversary(birth_date)", "date"),
    ("next_anniversary(signup_at)", "date"), ('bucket("spring")', "integer"),
    ("birth_date + 1 quarter", "date"), ("2 quarters ago", "date"),
    ("has cart_adds then no orders within 1 day", "boolean"),
]


@pytest.mark.parametrize(("text", "expected"), TYPES)
def test_inferred_type(text: str, expected: str) -> None:
    expr, found = check_trait(text)
    assert found == []
    assert expr is not None and expr.type.kind == expected


PARAM_TYPES = [
    ("$n + 1 > 0", "n", "integer"), ("lifetime_value > $amount", "amount", "decimal"),
    ("score > $ratio", "ratio", "float"), ("birth_date > $start", "start", "date"),
    ("signup_at > $moment", "moment", "timestamp"), ("email = $code", "code", "string"), ("$flag", "flag", "boolean"),
]


@pytest.mark.parametrize(("text", "name", "kind"), PARAM_TYPES)
def test_parameter_types(text: str, name: str, kind: str) -> None:
    result, seg = check_segment(text)
    assert result.diagnostics == []
    assert seg is not None
    found: list[t.Param] = []

    def walk(node: object) -> None:
        if isinstance(node, t.Param):
            found.append(node)
        for slot in getattr(node, "__slots__", ()):
            value = getattr(node, slot, None)
            for child in value if isinstance(value, tuple) else (value,):
                if hasattr(child, "__slots__") and not isinstance(child, t.Type):
                    walk(child)

    walk(seg.condition)
    assert [(p.name, p.type.kind) for p in found] == [(name, kind)]


# ---- segments that check clean (conditions) ----

CLEAN = [
    "email_opt_in", "not email_opt_in", "is_adult", "recent_buyer", "$flag", "in segment vip",
    "not in segment buyers", "in segment has_default", "country = \"US\"", "country != \"GB\"",
    "country in [\"US\", \"CA\"]", "tier = \"gold\"", "email is not null",
    "signup_at >= 2024-01-31", "birth_date < 2024-01-01T12:00", "birth_date = $start",
    "has orders where status = \"refunded\"", "count(orders where in segment vip) > 1",
    "has orders where email_opt_in", "lifetime_value between 1 and 2.5", "score between 0 and lifetime_value",
    "lower(email) contains \"acme\"", "country starts with \"U\"", "email ends with $code",
    "email_opt_in = true", "email_opt_in != $flag", "(lifetime_value > 1) = true",
    "has orders in last $n days", "top $n% by score", "top $ratio% by score", "top 100% by score",
    "top 0.1% by age", "has orders between $start and today", "has orders before 1 day ago",
    "count(orders in last 1 hour) > 0", "coalesce(email, null) = \"a\"", "email is null or true",
    # round 2
    "has cart_adds in last 3 days then no orders within 1 day",
    "has cart_adds as a then reviews where product_id = a.product_id within 2 days",
    "has cart_adds as a then orders within 12 hours then reviews as r where stars > 3 and product_id = a.product_id",
    "has orders as o where o.amount > 10", "has no orders as o where o.status = \"paid\"",
    "has orders then orders within $n days", "has cart_adds then no orders where amount > lifetime_value",
    "has cart_adds where address.state = \"CA\" then orders where customer.country = \"US\"",
    "has orders in this week", "has orders in previous month", "has orders in previous $n quarters",
    "count_days(orders in this month) >= 3", "nth_time(orders, 2) >= start_of_month(today)",
    "days_until(next_anniversary(birth_date)) < 7", 'bucket("spring") < 1000', "bucket($code) between 0 and 999",
    'mode(orders.channel) = "web"', "median(orders.amount) > 100", "not (has cart_adds then orders)",
]


@pytest.mark.parametrize("text", CLEAN)
def test_checks_clean(text: str) -> None:
    result, seg = check_segment(text)
    assert result.diagnostics == []
    assert seg is not None and seg.condition.type.kind == "boolean"


# ---- diagnostics: expression → (code, column, span text, hint fragment) ----

DIAGNOSTICS = [
    ("lifetime_vlue > 1000", "E201", 1, "lifetime_vlue", "did you mean `lifetime_value`?"),
    ("address.stat = \"CA\"", "E201", 9, "stat", "did you mean `state`?"),
    ("customer.contry = \"US\"", "E201", 10, "contry", "did you mean `country`?"),
    ("state = \"CA\"", "E201", 1, "state", "did you mean `address.state`?"),
    ("channel = \"web\"", "E201", 1, "channel", "did you mean `orders.channel`?"),
    ("spend_36 > 1", "E204", 1, "spend_36", "did you mean the trait `spend_365`?"),
    ("is_adlt", "E204", 1, "is_adlt", "did you mean the trait `is_adult`?"),
    ("has orders where amout > 1", "E201", 18, "amout", "did you mean `amount`?"),
    ("count(orders.amout) > 1", "E201", 14, "amout", "did you mean `amount`?"),
    ("count(ordrs) > 1", "E202", 7, "ordrs", "did you mean `orders`?"),
    ("has ordr", "E202", 5, "ordr", "did you mean `orders`?"),
    ("count(zzz) > 1", "E202", 7, "zzz", "the events are `orders`, `web_sessions`, `cart_adds`, `reviews`, `wishlist_items`"),
    ("adress.state = \"CA\"", "E203", 1, "adress", "did you mean `address`?"),
    ("address = 1", "E203", 1, "address", "e.g. `address.state`"),
    ("in segment vipp", "E205", 12, "vipp", "did you mean `vip`?"),
    ("lifetime_value > $amout", "E206", 18, "$amout", "did you mean `$amount`?"),
    ("lifetime_value > $zzz", "E206", 18, "$zzz", "declare it"),
    ("lowr(email) = \"x\"", "E207", 1, "lowr", "did you mean `lower`?"),
    ("percentil(score) > 1", "E207", 1, "percentil", "did you mean `percentile`?"),
    ("country = \"UK\"", "E210", 11, "\"UK\"", 'the values are "US", "CA", "GB", "DE", "FR"'),
    ("country = \"us\"", "E210", 11, "\"us\"", 'did you mean "US"?'),
    ("\"Us\" = country", "E210", 1, "\"Us\"", 'did you mean "US"?'),
    ("country in [\"US\", \"UK\"]", "E210", 19, "\"UK\"", "the values are"),
    ("has orders where status = \"pai\"", "E210", 27, "\"pai\"", 'did you mean "paid"?'),
    ("country != \"XX\"", "E210", 12, "\"XX\"", "the values are"),
    ("birth_date > \"2024-01-31\"", "E211", 1, None, "write the date without quotes: `2024-01-31`"),
    ("signup_at > \"2024-01-31T08:00:00\"", "E211", 1, None, "without quotes: `2024-01-31T08:00:00`"),
    ("birth_date > \"last year\"", "E211", 1, None, "dates are written without quotes"),
    ("lifetime_value > \"5\"", "E211", 1, None, "numbers are written without quotes"),
    ("email = 5", "E211", 1, None, 'text is written in quotes: `"5"`'),
    ("signup_at > 30 days", "E211", 1, None, "`30 days ago`"),
    ("email_opt_in = 1", "E211", 1, None, ""),
    ("birth_date between 2024-01-01 and 2", "E211", 1, None, ""),
    ("coalesce(email, 1) = \"x\"", "E211", 1, None, ""),
    ("email = null", "E212", 1, None, "write `is null`"),
    ("email != null", "E212", 1, None, "write `is not null`"),
    ("null = email", "E212", 1, None, "write `is null`"),
    ("lifetime_value > null", "E212", 1, None, "`is null`"),
    ("country in [\"US\", null]", "E212", 19, "null", "`is null`"),
    ("lifetime_value", "E213", 1, "lifetime_value", "`… > 0`"),
    ("email", "E213", 1, "email", '`… = "value"`'),
    ("not 5", "E213", 5, "5", "`… > 0`"),
    ("email_opt_in and 3", "E213", 18, "3", ""),
    ("has orders where amount", "E213", 18, "amount", "`… > 0`"),
    ("$n", "E213", 1, "$n", ""),
    ("age", "E213", 1, "age", ""),
    ("count(country) > 1", "E214", 7, "country", "aggregates take an event"),
    ("count(address) > 1", "E214", 7, "address", "aggregates take an event"),
    ("sum(customer.lifetime_value) > 1", "E214", 5, "customer.lifetime_value", "aggregates take an event"),
    ("count(wishlist_items in last 30 days) > 1", "E215", 22, "in last 30 days", "declare `time:`"),
    ("has wishlist_items since 2024-01-01", "E215", 20, "since 2024-01-01", "declare `time:`"),
    ("first(wishlist_items.sku) = \"a\"", "E215", 1, "first", "declare `time:` for `wishlist_items`"),
    ("last_time(wishlist_items) > today", "E215", 1, "last_time", "declare `time:`"),
    ("years_between(birth_date) > 1", "E216", 1, "years_between(birth_date)", "call it as `years_between("),
    ("coalesce(email) = \"x\"", "E216", 1, None, "`coalesce(value, …)`"),
    ("round(score, 1, 2) > 1", "E216", 1, None, "`round(number, [number])`"),
    ("lower() = \"x\"", "E216", 1, "lower()", "`lower(string)`"),
    ("days_since(\"2024-01-01\") > 1", "E217", 12, "\"2024-01-01\"", "write the date without quotes"),
    ("sum(orders.channel) > 1", "E217", 5, "orders.channel", "use count, count_distinct"),
    ("avg(orders.status) > 1", "E217", 5, "orders.status", ""),
    ("min(web_sessions.email_opt_in)", "E217", 5, "web_sessions.email_opt_in", "`has web_sessions where email_opt_in`"),
    ("lower(lifetime_value) = \"x\"", "E217", 7, "lifetime_value", ""),
    ("abs(email) > 1", "E217", 5, "email", ""),
    ("has orders since \"2024-01-01\"", "E217", 18, "\"2024-01-01\"", "write the date without quotes"),
    ("has orders since signup_at", "E217", 18, "signup_at", "use `date(…)`"),
    ("has orders before 5", "E217", 19, "5", "a date literal"),
    ("has orders between today and 5", "E217", 30, "5", ""),
    ("email contains 1", "E217", 16, "1", ""),
    ("lifetime_value contains \"a\"", "E217", 1, "lifetime_value", ""),
    ("percentile(email) > 1", "E217", 12, "email", ""),
    ("count(orders where count(orders) > 1) > 1", "E221", 20, "count(orders)", "outside"),
    ("count(orders where spend_365 > 1) > 1", "E221", 20, "spend_365", "outside the aggregate"),
    ("count(orders where percentile(amount) > 1) > 1", "E221", 20, None, ""),
    ("has orders where in segment buyers", "E221", 18, "in segment buyers", ""),
    ("has orders where top 10% by amount", "E221", 18, None, ""),
    ("email + 1 > 1", "E222", 1, None, "`+` does not join text"),
    ("signup_at - birth_date > 1", "E222", 1, None, "days_between"),
    ("-country = \"US\"", "E222", 1, "-country", ""),
    ("email_opt_in < true", "E222", 1, None, "compare with `=` or `!=`"),
    ("lifetime_value + 1 day > 1", "E222", 1, None, "durations are added to dates"),
    ("birth_date * 2 > 1", "E222", 1, None, ""),
    ("sum(orders) > 1", "E224", 5, "orders", "`sum(orders.amount)`"),
    ("avg(web_sessions) > 1", "E224", 5, "web_sessions", "`avg(web_sessions.pages)`"),
    ("first_time(orders.amount) > today", "E224", 12, "orders.amount", "`first_time(orders)`"),
    ("orders.amount > 5", "E225", 1, "orders.amount", "`max(orders.amount)`"),
    ("orders > 3", "E225", 1, "orders", "`count(orders) > 0`"),
    ("has orders where web_sessions.pages > 1", "E225", 18, "web_sessions.pages", ""),
    ("in segment needs_value", "E227", 1, "in segment needs_value", "give `q` a default in segments/needs_value.yml"),
    ("top 120% by lifetime_value", "E228", 5, "120", "`top 10% by …`"),
    ("top 0% by lifetime_value", "E228", 5, "0", ""),
    ("top $code% by lifetime_value", "E228", 5, "$code", "integer or decimal"),
    ("has orders in last 1.5 days", "E229", 20, "1.5", "`36 hours`"),
    ("has orders in last 0 days", "E229", 20, "0", "`in last 1 day`"),
    ("has orders in last $amount days", "E229", 20, "$amount", "declare the parameter as `integer`"),
    ("birth_date > today - 1.5 days", "E229", 22, "1.5", ""),
]


@pytest.mark.parametrize(("text", "code", "column", "span_text", "hint"), DIAGNOSTICS)
def test_diagnostic(text: str, code: str, column: int, span_text: str | None, hint: str) -> None:
    result, seg = check_segment(text)
    assert [d.code for d in result.diagnostics] == [code]
    (d,) = result.diagnostics
    assert (d.span.path, d.span.line, d.span.column) == ("segments/s.yml", 1, column)
    assert span_text is None or text[d.span.start:d.span.end] == span_text
    assert hint in d.hint
    assert seg is None  # a segment with problems is not handed to the compiler


@pytest.mark.parametrize(("text", "bad"), [
    ("signup_at > 30 days", "a a "),
    ("has orders before 5", "a integer"),
    ("email contains 1", "a integer"),
])
def test_messages_read_well(text: str, bad: str) -> None:
    result, _ = check_segment(text)
    (d,) = result.diagnostics
    assert bad not in f"{d.message} {d.label}"


def test_all_problems_of_a_segment_are_reported() -> None:
    result, _ = check_segment('lifetime_vlue > 1 and country = "UK" and count(ordrs) > 1 and lowr(email) = "a"')
    assert [d.code for d in result.diagnostics] == ["E201", "E210", "E202", "E207"]


def test_no_second_diagnostic_from_an_error_typed_node() -> None:
    result, _ = check_segment("lifetime_vlue + 1 > 2 and lower(zzz) contains \"a\" and -(qqq) > 1")
    assert [d.code for d in result.diagnostics] == ["E201", "E201", "E201"]


# ---- lowering: what the compiler receives ----

LTV = t.Column("customer", "", "lifetime_value", "lifetime_value", t.DECIMAL)
SIGNUP = t.Column("customer", "", "signup_at", "signup_at", t.TIMESTAMP)
BIRTH = t.Column("customer", "", "birth_date", "birth_date", t.DATE)
COUNTRY = t.Column("customer", "", "country", "country", SCHEMA.attributes["country"].type)


def lit(value: object, typ: t.Type) -> t.Literal:
    return t.Literal(value, typ)


def count(event: str = "orders", where: t.Expr | None = None, window: t.Window | None = None) -> t.Aggregate:
    return t.Aggregate("count", event, None, where, window, t.INTEGER)


LOWERING = [
    ("lifetime_value != 1", t.Not(t.Compare("=", LTV, lit(1, t.INTEGER)))),
    ("lifetime_value = 1", t.Compare("=", LTV, lit(1, t.INTEGER))),
    ("has no orders", t.Compare("=", count(), lit(0, t.INTEGER))),
    ("has orders", t.Compare(">", count(), lit(0, t.INTEGER))),
    ("has no orders in last 90 days",
     t.Compare("=", count(window=t.LastWindow(lit(90, t.INTEGER), "day")), lit(0, t.INTEGER))),
    ("signup_at >= 2024-01-31",
     t.Compare(">=", t.Call("date", (SIGNUP,), t.DATE), lit(dt.date(2024, 1, 31), t.DATE))),
    ("birth_date < 2024-01-31T10:00",
     t.Compare("<", BIRTH, t.Call("date", (lit(dt.datetime(2024, 1, 31, 10), t.TIMESTAMP),), t.DATE))),
    ("signup_at > now", t.Compare(">", SIGNUP, t.Now())),
    ("signup_at > today", t.Compare(">", t.Call("date", (SIGNUP,), t.DATE), t.Today())),
    ("top 10% by lifetime_value",
     t.Compare(">=", t.Percentile(LTV), t.Arith("-", lit(100, t.INTEGER), lit(10, t.INTEGER), t.DECIMAL))),
    ("email_opt_in", t.Truth(t.Column("customer", "", "email_opt_in", "email_opt_in", t.BOOLEAN))),
    ("lifetime_value not between 1 and 2", t.Not(t.Between(LTV, lit(1, t.INTEGER), lit(2, t.INTEGER)))),
    ('country not in ["US"]', t.Not(t.InList(COUNTRY, (lit("US", t.STRING),)))),
    ("birth_date is not null", t.Not(t.IsNull(BIRTH))),
    ('email not contains "x"',
     t.Not(t.Match("contains", t.Column("customer", "", "email", "email", t.STRING), lit("x", t.STRING)))),
    ("birth_date < 30 days ago",
     t.Compare("<", BIRTH, t.Arith("-", t.Today(), t.Duration(lit(30, t.INTEGER), "day"), t.DATE))),
    ("signup_at < 12 hours ago",
     t.Compare("<", SIGNUP, t.Arith("-", t.Now(), t.Duration(lit(12, t.INTEGER), "hour"), t.TIMESTAMP))),
    ("1 day + birth_date < today",
     t.Compare("<", t.Arith("+", BIRTH, t.Duration(lit(1, t.INTEGER), "day"), t.DATE), t.Today())),
    ("signup_at between 2024-01-01 and 2024-02-01",
     t.Between(t.Call("date", (SIGNUP,), t.DATE), lit(dt.date(2024, 1, 1), t.DATE), lit(dt.date(2024, 2, 1), t.DATE))),
    ("signup_at in [2024-01-01]",
     t.InList(t.Call("date", (SIGNUP,), t.DATE), (lit(dt.date(2024, 1, 1), t.DATE),))),
    ("not in segment vip",
     t.Not(t.SegmentRef("vip", t.Compare(">", LTV, lit(1000, t.INTEGER)), {}))),
    ("in segment has_default",
     t.SegmentRef("has_default", t.Compare(">", LTV, t.Param("q", t.INTEGER)), {"q": 5})),
    ('sum(orders.amount where status = "paid" in last 365 days) > 0',
     t.Compare(">", t.Aggregate(
         "sum", "orders", t.Column("event", "orders", "amount", "amount", t.DECIMAL),
         t.Compare("=", t.Column("event", "orders", "status", "status", SCHEMA.events["orders"].attributes["status"].type),
                   lit("paid", t.STRING)),
         t.LastWindow(lit(365, t.INTEGER), "day"), t.DECIMAL), lit(0, t.INTEGER))),
]


CART = t.Column("event", "cart_adds", "product_id", "product_id", t.INTEGER)
REVIEW = t.Column("event", "reviews", "product_id", "product_id", t.INTEGER)

LOWERING += [
    ("has cart_adds as a in last 3 days then no reviews where product_id = a.product_id within 2 days",
     t.Sequence((t.Step("cart_adds", "a", None),
                 t.Step("reviews", "", t.Compare("=", REVIEW, t.Column("step", "a", "product_id", "product_id",
                                                                        t.INTEGER)),
                        t.Duration(lit(2, t.INTEGER), "day"), negated=True, instant=False)),
                t.LastWindow(lit(3, t.INTEGER), "day"))),
    ("has orders then orders within 1 hour",
     t.Sequence((t.Step("orders", "", None), t.Step("orders", "", None, t.Duration(lit(1, t.INTEGER), "hour"),
                                                    instant=True, same_table=True)), None)),
    ("has orders as o where o.amount > 1",
     t.Compare(">", count(where=t.Compare(">", t.Column("event", "orders", "amount", "amount", t.DECIMAL),
                                          lit(1, t.INTEGER))), lit(0, t.INTEGER))),
    ("start_of_week(today) = today",
     t.Compare("=", t.Call("start_of_week", (t.Today(), lit(1, t.INTEGER)), t.DATE), t.Today())),
    ("count_weeks(orders) > 1",
     t.Compare(">", t.Aggregate("count_weeks", "orders", None, None, None, t.INTEGER, lit(1, t.INTEGER)),
               lit(1, t.INTEGER))),
    ("has orders in previous 2 quarters",
     t.Compare(">", count(window=t.PreviousWindow(lit(2, t.INTEGER), "quarter")), lit(0, t.INTEGER))),
    ("has orders in this week", t.Compare(">", count(window=t.ThisWindow("week")), lit(0, t.INTEGER))),
]


@pytest.mark.parametrize(("text", "expected"), LOWERING)
def test_lowering(text: str, expected: t.Expr) -> None:
    result, seg = check_segment(text)
    assert result.diagnostics == []
    assert seg is not None and seg.condition == expected


def test_no_compare_is_ever_not_equal() -> None:
    """The compiler only sees positive comparisons (tree.Compare's contract)."""
    result, seg = check_segment("lifetime_value != 1 and email != \"a\" and (has orders where amount != 2)")
    assert result.diagnostics == [] and seg is not None
    assert "'!='" not in repr(seg.condition)


def test_traits_are_referenced_not_copied() -> None:
    result, seg = check_segment("age > 18")
    assert seg is not None
    assert isinstance(seg.condition, t.Compare) and isinstance(seg.condition.left, t.TraitRef)
    assert seg.condition.left.name == "age" and seg.condition.left.type == t.INTEGER


# ---- scoping inside an aggregate's `where` ----

WEB_OPT_IN = t.Column("event", "web_sessions", "email_opt_in", "email_opt_in", t.BOOLEAN)
CUSTOMER_OPT_IN = t.Column("customer", "", "email_opt_in", "email_opt_in", t.BOOLEAN)

SCOPING = [
    # the event's attribute wins over the customer's of the same name
    ("has web_sessions where email_opt_in", t.Truth(WEB_OPT_IN)),
    ("has web_sessions where customer.email_opt_in", t.Truth(CUSTOMER_OPT_IN)),
    ("has web_sessions where web_sessions.email_opt_in", t.Truth(WEB_OPT_IN)),
    ("has orders where address.state = \"CA\"",
     t.Compare("=", t.Column("lookup", "address", "state", "state", t.STRING), lit("CA", t.STRING))),
    ("has orders where amount > lifetime_value",
     t.Compare(">", t.Column("event", "orders", "amount", "amount", t.DECIMAL), LTV)),
    ("has orders where orders.amount > 1",
     t.Compare(">", t.Column("event", "orders", "amount", "amount", t.DECIMAL), lit(1, t.INTEGER))),
    ("has orders where is_adult", t.TraitRef("is_adult", None, t.BOOLEAN)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("text", "expected_where"), SCOPING)
def test_scoping_in_where(text: str, expected_where: t.Expr) -> None:
    result, seg = check_segment(text)
    assert result.diagnostics == []
    assert seg is not None and isinstance(seg.condition, t.Compare)
    agg = seg.condition.left
    assert isinstance(agg, t.Aggregate)
    if isinstance(expected_where, t.TraitRef):
        assert isinstance(agg.where, t.TraitRef) and agg.where.name == expected_where.name
    else:
        assert agg.where == expected_where


def test_event_attributes_are_not_visible_in_another_events_where() -> None:
    result, _ = check_segment("has orders where device = \"mobile\"")
    (d,) = result.diagnostics
    assert d.code == "E201" and "did you mean `web_sessions.device`?" in d.hint


def test_event_attributes_are_not_visible_outside_aggregates() -> None:
    result, _ = check_segment("amount > 1")
    (d,) = result.diagnostics
    assert d.code == "E201" and d.hint == "did you mean `orders.amount`?"


# ---- parameters and their defaults ----


def test_parameters_and_defaults() -> None:
    result, seg = check_segment("email_opt_in")
    assert result.diagnostics == [] and seg is not None
    assert {p.name: (p.type.kind, p.default) for p in seg.params} == {
        "n": ("integer", 3),
        "amount": ("decimal", None),
        "ratio": ("float", 0.5),
        "start": ("date", dt.date(2024, 1, 1)),
        "moment": ("timestamp", dt.datetime(2024, 1, 1, 10)),
        "code": ("string", "x"),
        "flag": ("boolean", True),
    }
    assert isinstance(dict((p.name, p.default) for p in seg.params)["n"], int)


BAD_DEFAULTS = [
    ("integer", "abc", "`abc` is not a whole number"),
    ("integer", "1.5", "not a whole number"),
    ("decimal", "ten", "not a number"),
    ("decimal", "NaN", "`NaN` is not a number"),
    ("date", "2024-02-30", "not a date"),
    ("timestamp", "noon", "not a timestamp"),
    ("boolean", "maybe", "not true or false"),
]


@pytest.mark.parametrize(("kind", "default", "fragment"), BAD_DEFAULTS)
def test_bad_default_is_e226(kind: str, default: str, fragment: str) -> None:
    source = SourceFile("segments/p.yml", "x")
    seg = ast.SegmentDef("p", ast.Boolean(True), params=(
        ast.ParamDef("q", kind, default, span=Span(source, 0, 1), default_span=Span(source, 0, 1)),))
    result = check_project(SCHEMA, [seg])
    (d,) = result.diagnostics
    assert d.code == "E226" and fragment in d.message and d.span.path == "segments/p.yml"


def test_segment_with_bad_default_is_not_returned() -> None:
    seg = ast.SegmentDef("p", ast.Boolean(True), params=(ast.ParamDef("q", "integer", "abc"),))
    result = check_project(SCHEMA, [seg])
    assert [d.code for d in result.diagnostics] == ["E226"]
    assert "p" not in result.segments


def test_decimal_default_is_exact() -> None:
    seg = ast.SegmentDef("p", ast.Boolean(True), params=(ast.ParamDef("q", "decimal", "0.1"),))
    result = check_project(SCHEMA, [seg])
    assert result.segments["p"].params[0].default == Decimal("0.1")


# ---- projects: segment references, cycles, duplicates (through api.validate) ----


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project on the acme schema; tests add segment files."""
    shutil.copy(ACME / "schema.yml", tmp_path / "schema.yml")
    (tmp_path / "segql.yml").write_text("name: t\n")
    (tmp_path / "segments").mkdir()
    return tmp_path


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / "segments" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def codes(result: CheckResult) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.span.path, d.span.line, d.span.column) for d in result.diagnostics]


def test_the_acme_fixture_is_clean() -> None:
    result = api.validate(ACME)
    assert result.diagnostics == []
    assert len(result.segments) == 17
    assert {"high_value_lapsed", "churned", "vip", "vip_lite", "gold_buyers", "rfm_champions"} <= set(result.segments)


def test_references_are_recorded(project: Path) -> None:
    write(project, {"a.yml": "where: in segment b or in segment c\n", "b.yml": "where: in segment c\n",
                    "c.yml": "where: email_opt_in\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    assert result.segments["a"].references == ("b", "c")
    assert result.segments["c"].references == ()


def test_cycle_among_segments_names_every_segment(project: Path) -> None:
    write(project, {"a.yml": "where: in segment b\n", "b.yml": "where: email_opt_in and in segment c\n",
                    "c.yml": "where:\n  any:\n    - in segment a\n", "d.yml": "where: in segment a\n",
                    "e.yml": "where: email_opt_in\n"})
    result = api.validate(project)
    assert codes(result) == [("E219", "segments/c.yml", 3, 18)]
    (d,) = result.diagnostics
    assert d.message == "cycle among segments: a → b → c → a"
    assert {"a", "b", "c"}.isdisjoint(result.segments) and "e" in result.segments


@pytest.mark.parametrize("files", [
    {"a.yml": "where: zzz > 1\n", "z.yml": "where: in segment a and email_opt_in\n"},
    {"a.yml": "where: in segment b\n", "b.yml": "where: in segment a\n", "d.yml": "where: in segment a\n"},
])
def test_a_segment_using_a_broken_segment_is_not_returned(project: Path, files: dict[str, str]) -> None:
    write(project, files)
    result = api.validate(project)
    assert len(result.diagnostics) == 1
    assert result.segments == {}


def test_a_segment_referring_to_itself(project: Path) -> None:
    write(project, {"me.yml": "where: email_opt_in or in segment me\n"})
    result = api.validate(project)
    assert codes(result) == [("E219", "segments/me.yml", 1, 35)]
    assert "me → me" in result.diagnostics[0].message


def test_duplicate_segment_names_across_files(project: Path) -> None:
    write(project, {"a.yml": "where: email_opt_in\n", "sub/other.yml": "name: a\nwhere: is_adult\n",
                    "list.yml": "segments:\n  - name: a\n    where: is_adult\n  - name: b\n    where: is_adult\n"})
    result = api.validate(project)
    assert codes(result) == [("E220", "segments/list.yml", 2, 11), ("E220", "segments/sub/other.yml", 1, 7)]
    assert all("first defined at segments/a.yml:1" in d.label for d in result.diagnostics)
    assert set(result.segments) == {"a", "b"}


def test_problems_in_a_referenced_segment_are_reported_once_at_its_file(project: Path) -> None:
    write(project, {"a.yml": "where: in segment b\n", "b.yml": "where: zzz > 1\n"})
    result = api.validate(project)
    assert codes(result) == [("E201", "segments/b.yml", 1, 8)]


def test_segment_with_parameter_without_default_checks_but_cannot_be_referenced(project: Path) -> None:
    write(project, {"p.yml": "params:\n  q: integer\nwhere: lifetime_value > $q\n",
                    "user.yml": "where: in segment p\n"})
    result = api.validate(project)
    assert codes(result) == [("E227", "segments/user.yml", 1, 8)]
    assert "p" in result.segments and result.segments["p"].params[0].default is None
    assert "segments/p.yml" in result.diagnostics[0].hint


def test_name_defaults_to_the_file_stem(project: Path) -> None:
    write(project, {"my_segment.yml": "where: email_opt_in\n", "other.yaml": "where: email_opt_in\n"})
    result = api.validate(project)
    assert result.diagnostics == [] and set(result.segments) == {"my_segment", "other"}


def test_file_name_that_is_not_a_valid_name(project: Path) -> None:
    write(project, {"my-segment.yml": "where: email_opt_in\n"})
    result = api.validate(project)
    assert [d.code for d in result.diagnostics] == ["E231"]


# ---- splits, priority lists, week_start and SQL traits (DESIGN §3.11, §3.13, §3.14) ----

def _range(group: t.Group) -> t.Expr:
    assert isinstance(group.condition, t.And)
    return group.condition.items[-1]


def test_splits_take_consecutive_bucket_ranges_in_the_order_written(project: Path) -> None:
    write(project, {"promo.yml": "where: email_opt_in\nsplits:\n  salt: spring_2026\n"
                                 "  groups: {treatment: 87.5, control: 2.25, holdout: 10.25}\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    seg = result.segments["promo"]
    assert seg.group_kind == "splits" and [g.name for g in seg.groups] == ["treatment", "control", "holdout"]
    key = t.Column("customer", "", "customer_id", "customer_id", t.INTEGER)
    bucket = t.Call("bucket", (t.Literal("spring_2026", t.STRING), key), t.INTEGER)
    assert _range(seg.groups[0]) == t.Compare("<", bucket, lit(8750, t.INTEGER))
    assert _range(seg.groups[1]) == t.Between(bucket, lit(8750, t.INTEGER), lit(8974, t.INTEGER))
    assert _range(seg.groups[2]) == t.Compare(">=", bucket, lit(8975, t.INTEGER))
    assert all(g.condition.items[0] == seg.condition for g in seg.groups)  # type: ignore[attr-defined]


def test_the_salt_defaults_to_the_segment_name_and_groups_are_referenced(project: Path) -> None:
    write(project, {"promo.yml": "where: email_opt_in\nsplits:\n  groups: {treatment: 90, holdout: 10}\n",
                    "promo_holdout.yml": "where: in segment promo.holdout and country = \"US\"\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    ref = result.segments["promo_holdout"].condition.items[0]  # type: ignore[attr-defined]
    assert isinstance(ref, t.SegmentRef) and ref.name == "promo" and ref.group == "holdout"
    assert ref.condition == result.segments["promo"].groups[1].condition
    assert "Call(name='bucket', args=(Literal(value='promo'" in repr(ref.condition)  # the salt: the segment's name


def test_a_priority_list_assigns_each_customer_to_its_first_segment(project: Path) -> None:
    write(project, {"vip.yml": "where: lifetime_value > 1000\n", "lapsed.yml": "where: has no orders in last 90 days\n",
                    "new.yml": "where: signup_at > 30 days ago\n", "waves.yml": "priority: [vip, lapsed, new]\n",
                    "second.yml": "where: in segment waves.lapsed\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    waves = result.segments["waves"]
    assert waves.group_kind == "priority" and [g.name for g in waves.groups] == ["vip", "lapsed", "new"]
    vip, lapsed, new = (t.SegmentRef(n, result.segments[n].condition, {}) for n in ("vip", "lapsed", "new"))
    assert waves.condition == t.Or((vip, lapsed, new))
    assert waves.groups[0].condition == vip
    assert waves.groups[1].condition == t.And((lapsed, t.Not(vip)))
    assert waves.groups[2].condition == t.And((new, t.Not(t.Or((vip, lapsed)))))
    second = result.segments["second"].condition
    assert isinstance(second, t.SegmentRef) and second.condition == waves.groups[1].condition
    assert waves.references == ("lapsed", "new", "vip")


def test_week_start_sunday_reaches_every_week_construct(project: Path) -> None:
    (project / "segql.yml").write_text("name: t\nweek_start: sunday\n")
    write(project, {"s.yml": "where: start_of_week(today) = today and count_weeks(orders) > 1 "
                             "and has orders in this week and has orders in previous 2 weeks\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    text = repr(result.segments["s"].condition)
    assert "week_start=7" in text and "week_start=1" not in text
    assert "Call(name='start_of_week', args=(Today(type=Type(kind='date', values=())), Literal(value=7" in text


def test_an_unknown_week_start_is_a_diagnostic(project: Path) -> None:
    (project / "segql.yml").write_text("name: t\nweek_start: saturday\n")
    result = api.validate(project)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("E107", 2, 13)]
    assert "sunday" in result.diagnostics[0].hint


def test_a_sql_trait_is_checked_with_its_declared_type(project: Path) -> None:
    schema = (project / "schema.yml").read_text()
    (project / "schema.yml").write_text(schema + "  churn_score:\n    type: float\n    description: the model's\n"
                                        "    sql: {duckdb: \"c.churn_score_v2\", snowflake: \"C.CHURN_SCORE_V2\"}\n")
    write(project, {"churners.yml": "where: churn_score > 0.8 and email_opt_in\n"})
    result = api.validate(project)
    assert result.diagnostics == []
    trait = result.segments["churners"].condition.items[0].left  # type: ignore[attr-defined]
    assert isinstance(trait, t.TraitRef) and isinstance(trait.expr, t.SqlTrait) and trait.type == t.FLOAT
    assert trait.expr.text_for("snowflake") == "C.CHURN_SCORE_V2" and trait.expr.text_for("postgres") is None
