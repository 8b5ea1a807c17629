"""Expression parser: text → AST (nodes compare without spans), and text → syntax diagnostic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from segql import ast
from segql.diagnostics import DiagnosticError
from segql.syntax.parser import parse_expression

# ---- small constructors, so the tables read like the language ----


def N(*parts: str) -> ast.Name:
    return ast.Name(tuple(parts))


def num(value: int | str) -> ast.Number:
    return ast.Number(Decimal(value) if isinstance(value, str) else value)


def s(value: str) -> ast.String:
    return ast.String(value)


def cmp(op: str, left: ast.Expr, right: ast.Expr) -> ast.Compare:
    return ast.Compare(op, left, right)


def and_(*items: ast.Expr) -> ast.And:
    return ast.And(items)


def or_(*items: ast.Expr) -> ast.Or:
    return ast.Or(items)


def dur(amount: int | str, unit: str) -> ast.Duration:
    return ast.Duration(ast.Param(amount[1:]) if isinstance(amount, str) else num(amount), unit)


def last(amount: int, unit: str) -> ast.LastWindow:
    return ast.LastWindow(num(amount), unit)


def agg(func: str, source: ast.Name, where: ast.Expr | None = None, window: ast.Window | None = None) -> ast.Aggregate:
    return ast.Aggregate(func, source, where, window)


def lst(*items: ast.Expr) -> ast.ListLit:
    return ast.ListLit(items)


a, b, c, x, y = N("a"), N("b"), N("c"), N("x"), N("y")
D = dt.date

PRECEDENCE = [
    ("a or b and c", or_(a, and_(b, c))),
    ("a and b or c", or_(and_(a, b), c)),
    ("a or b or c", or_(a, b, c)),
    ("a and b and c", and_(a, b, c)),
    ("not a and b", and_(ast.Not(a), b)),
    ("not a or not b", or_(ast.Not(a), ast.Not(b))),
    ("not not a", ast.Not(ast.Not(a))),
    ("not x = 1", ast.Not(cmp("=", x, num(1)))),
    ("(a or b) and c", and_(or_(a, b), c)),
    ("a and (b or c)", and_(a, or_(b, c))),
    ("((a))", a),
    ("x = 1 and y = 2", and_(cmp("=", x, num(1)), cmp("=", y, num(2)))),
    ("x + 1 > y * 2", cmp(">", ast.BinOp("+", x, num(1)), ast.BinOp("*", y, num(2)))),
    ("x = 1 + 2 * 3", cmp("=", x, ast.BinOp("+", num(1), ast.BinOp("*", num(2), num(3))))),
    ("(1 + 2) * 3", ast.BinOp("*", ast.BinOp("+", num(1), num(2)), num(3))),
    ("a - b - c", ast.BinOp("-", ast.BinOp("-", a, b), c)),
    ("a / b % c", ast.BinOp("%", ast.BinOp("/", a, b), c)),
    ("a * b / c", ast.BinOp("/", ast.BinOp("*", a, b), c)),
    ("a + b * c - x", ast.BinOp("-", ast.BinOp("+", a, ast.BinOp("*", b, c)), x)),
    ("-x * 2", ast.BinOp("*", ast.Neg(x), num(2))),
    ("-x > -3", cmp(">", ast.Neg(x), ast.Neg(num(3)))),
    ("- - x", ast.Neg(ast.Neg(x))),
    ("-(a + b)", ast.Neg(ast.BinOp("+", a, b))),
    ("x between 1 and 2 and y", and_(ast.Between(x, num(1), num(2)), y)),
    ("x between 1 + 1 and 2 * 3", ast.Between(x, ast.BinOp("+", num(1), num(1)), ast.BinOp("*", num(2), num(3)))),
    ("a and x in [1] or y is null", or_(and_(a, ast.InList(x, lst(num(1)))), ast.IsNull(y))),
]

PREDICATES = [
    ("x = 1", cmp("=", x, num(1))),
    ("x != 1", cmp("!=", x, num(1))),
    ("x < 1", cmp("<", x, num(1))),
    ("x <= 1", cmp("<=", x, num(1))),
    ("x > 1", cmp(">", x, num(1))),
    ("x >= 1", cmp(">=", x, num(1))),
    ("x>=1", cmp(">=", x, num(1))),
    ("x between 1 and 2", ast.Between(x, num(1), num(2))),
    ("x not between 1 and 2", ast.Between(x, num(1), num(2), negated=True)),
    ('x in ["US", "CA"]', ast.InList(x, lst(s("US"), s("CA")))),
    ("x not in [1]", ast.InList(x, lst(num(1)), negated=True)),
    ("x in [1 + 1, -2]", ast.InList(x, lst(ast.BinOp("+", num(1), num(1)), ast.Neg(num(2))))),
    ("x in []", ast.InList(x, lst())),
    ("x is null", ast.IsNull(x)),
    ("x is not null", ast.IsNull(x, negated=True)),
    ('x contains "a"', ast.Match("contains", x, s("a"))),
    ('x not contains "a"', ast.Match("contains", x, s("a"), negated=True)),
    ('x starts with "a"', ast.Match("starts_with", x, s("a"))),
    ('x not starts with "a"', ast.Match("starts_with", x, s("a"), negated=True)),
    ("x ends with 'b'", ast.Match("ends_with", x, s("b"))),
    ("x not ends with 'b'", ast.Match("ends_with", x, s("b"), negated=True)),
    ("has orders", ast.Has(N("orders"))),
    ("has no orders", ast.Has(N("orders"), negated=True)),
    ("has no orders in last 90 days", ast.Has(N("orders"), None, last(90, "day"), negated=True)),
    ('has orders where channel = "web" in last 30 days',
     ast.Has(N("orders"), cmp("=", N("channel"), s("web")), last(30, "day"))),
    ("has orders where a and b", ast.Has(N("orders"), and_(a, b))),
    ("(has orders where a) and b", and_(ast.Has(N("orders"), a), b)),
    ("has no orders in last 30 days and a", and_(ast.Has(N("orders"), None, last(30, "day"), negated=True), a)),
    ("in segment vip", ast.InSegment("vip")),
    ("not in segment vip", ast.Not(ast.InSegment("vip"))),
    ("a and in segment vip", and_(a, ast.InSegment("vip"))),
    ("top 10% by spend", ast.TopBy(num(10), N("spend"))),
    ("top 2.5% by x + y", ast.TopBy(num("2.5"), ast.BinOp("+", x, y))),
    ("top $p% by spend", ast.TopBy(ast.Param("p"), N("spend"))),
    ("top 10% by x and a", and_(ast.TopBy(num(10), x), a)),
    ("email_opt_in", N("email_opt_in")),
]

LITERALS = [
    ("x = 42", cmp("=", x, num(42))),
    ("x = 19.99", cmp("=", x, num("19.99"))),
    ("x = -3", cmp("=", x, ast.Neg(num(3)))),
    ("x = 0", cmp("=", x, num(0))),
    ('x = "paid"', cmp("=", x, s("paid"))),
    ("x = 'paid'", cmp("=", x, s("paid"))),
    (r'x = "say \"hi\""', cmp("=", x, s('say "hi"'))),
    (r"x = 'it\'s'", cmp("=", x, s("it's"))),
    (r'x = "a\\b"', cmp("=", x, s("a\\b"))),
    (r'x = "\'"', cmp("=", x, s("'"))),
    (r"x = '\"'", cmp("=", x, s('"'))),
    ("x = \"it's\"", cmp("=", x, s("it's"))),
    ("x = 'say \"hi\"'", cmp("=", x, s('say "hi"'))),
    ('x = ""', cmp("=", x, s(""))),
    ('x = "# not a comment"', cmp("=", x, s("# not a comment"))),
    ('x = "and or not"', cmp("=", x, s("and or not"))),
    ("x = true", cmp("=", x, ast.Boolean(True))),
    ("x = false", cmp("=", x, ast.Boolean(False))),
    ("x = TRUE or x = False", or_(cmp("=", x, ast.Boolean(True)), cmp("=", x, ast.Boolean(False)))),
    ("x = null", cmp("=", x, ast.Null())),
    ("x = 2024-01-31", cmp("=", x, ast.DateLit(D(2024, 1, 31)))),
    ("x = 2024-02-29", cmp("=", x, ast.DateLit(D(2024, 2, 29)))),
    ("x = 2024-01-31T08:30:00", cmp("=", x, ast.TimestampLit(dt.datetime(2024, 1, 31, 8, 30)))),
    ("x = 2024-01-31T08:30", cmp("=", x, ast.TimestampLit(dt.datetime(2024, 1, 31, 8, 30)))),
    ("x = 2024-01-31T08:30:15.25", cmp("=", x, ast.TimestampLit(dt.datetime(2024, 1, 31, 8, 30, 15, 250000)))),
    ("x = 2024-01-31 - 1 day", cmp("=", x, ast.BinOp("-", ast.DateLit(D(2024, 1, 31)), dur(1, "day")))),
    ("x = 30 days", cmp("=", x, dur(30, "day"))),
    ("x = 1 day", cmp("=", x, dur(1, "day"))),
    ("x = 2 weeks", cmp("=", x, dur(2, "week"))),
    ("x = 1 week", cmp("=", x, dur(1, "week"))),
    ("x = 6 months", cmp("=", x, dur(6, "month"))),
    ("x = 3 month", cmp("=", x, dur(3, "month"))),
    ("x = 1 year", cmp("=", x, dur(1, "year"))),
    ("x = 2 years", cmp("=", x, dur(2, "year"))),
    ("x = 12 hours", cmp("=", x, dur(12, "hour"))),
    ("x = 1 hour", cmp("=", x, dur(1, "hour"))),
    ("x = 3 DAYS", cmp("=", x, dur(3, "day"))),
    ("x = $n days", cmp("=", x, dur("$n", "day"))),
    ("x < 30 days ago", cmp("<", x, ast.Ago(dur(30, "day")))),
    ("x < 1 year ago", cmp("<", x, ast.Ago(dur(1, "year")))),
    ("x < 12 hours AGO", cmp("<", x, ast.Ago(dur(12, "hour")))),
    ("x < $n days ago", cmp("<", x, ast.Ago(dur("$n", "day")))),
    ("x < today - 30 days", cmp("<", x, ast.BinOp("-", ast.Today(), dur(30, "day")))),
    ("x > today", cmp(">", x, ast.Today())),
    ("x > now", cmp(">", x, ast.Now())),
    ("now > today", cmp(">", ast.Now(), ast.Today())),
    ("x > $min_spend", cmp(">", x, ast.Param("min_spend"))),
    ("$flag", ast.Param("flag")),
    ('x in ["US", \'CA\']', ast.InList(x, lst(s("US"), s("CA")))),
    ("x in [2024-01-01, today]", ast.InList(x, lst(ast.DateLit(D(2024, 1, 1)), ast.Today()))),
    ("x in [$a, $b]", ast.InList(x, lst(ast.Param("a"), ast.Param("b")))),
]

o = N("orders")
AGGREGATES = [
    ("count(orders)", agg("count", o)),
    ("count(orders where status = \"paid\" in last 90 days)",
     agg("count", o, cmp("=", N("status"), s("paid")), last(90, "day"))),
    ('sum(orders.amount where status = "paid" in last 365 days)',
     agg("sum", N("orders", "amount"), cmp("=", N("status"), s("paid")), last(365, "day"))),
    ("avg(orders.amount)", agg("avg", N("orders", "amount"))),
    ("min(orders.amount)", agg("min", N("orders", "amount"))),
    ("max(orders.amount)", agg("max", N("orders", "amount"))),
    ("count_distinct(orders.channel in last 30 days)", agg("count_distinct", N("orders", "channel"), None, last(30, "day"))),
    ("first(orders.channel)", agg("first", N("orders", "channel"))),
    ("last(orders.channel)", agg("last", N("orders", "channel"))),
    ("first_time(orders where a)", agg("first_time", o, a)),
    ("last_time(orders where a)", agg("last_time", o, a)),
    ("count(orders in last 12 hours)", agg("count", o, None, last(12, "hour"))),
    ("count(orders in last 1 week)", agg("count", o, None, last(1, "week"))),
    ("count(orders in last 3 month)", agg("count", o, None, last(3, "month"))),
    ("count(orders in last 2 years)", agg("count", o, None, last(2, "year"))),
    ("count(orders in last $n days)", agg("count", o, None, ast.LastWindow(ast.Param("n"), "day"))),
    ("count(orders in   last 7 days)", agg("count", o, None, last(7, "day"))),
    ("count(orders since 2024-01-01)", agg("count", o, None, ast.SinceWindow(ast.DateLit(D(2024, 1, 1))))),
    ("count(orders since today)", agg("count", o, None, ast.SinceWindow(ast.Today()))),
    ("count(orders since 90 days ago)", agg("count", o, None, ast.SinceWindow(ast.Ago(dur(90, "day"))))),
    ("count(orders since $start)", agg("count", o, None, ast.SinceWindow(ast.Param("start")))),
    ("count(orders before 2024-01-01)", agg("count", o, None, ast.BeforeWindow(ast.DateLit(D(2024, 1, 1))))),
    ("count(orders between 2024-01-01 and today)",
     agg("count", o, None, ast.BetweenWindow(ast.DateLit(D(2024, 1, 1)), ast.Today()))),
    ("count(orders where a and b between 1 and 2 since today)",
     agg("count", o, and_(a, ast.Between(b, num(1), num(2))), ast.SinceWindow(ast.Today()))),
    ("count(orders where x > 1 before today - 1 day)",
     agg("count", o, cmp(">", x, num(1)), ast.BeforeWindow(ast.BinOp("-", ast.Today(), dur(1, "day"))))),
    ("sum(orders.amount) / count(orders) > 50",
     cmp(">", ast.BinOp("/", agg("sum", N("orders", "amount")), agg("count", o)), num(50))),
    ("days_since(last_time(orders)) > 90", cmp(">", ast.Call("days_since", (agg("last_time", o),)), num(90))),
    ("COUNT(orders IN LAST 3 Months)", agg("count", o, None, last(3, "month"))),
    ("Sum(orders.amount WHERE a)", agg("sum", N("orders", "amount"), a)),
]

def step(event: str, alias: str | None = None, where: ast.Expr | None = None, window: ast.Window | None = None,
         within: ast.Duration | None = None, negated: bool = False) -> ast.Step:
    return ast.Step(N(event), N(alias) if alias else None, where, window, within, negated)


SEQUENCES = [
    ("has cart_adds then no orders within 1 day",
     ast.Sequence((step("cart_adds"), step("orders", within=dur(1, "day"), negated=True)))),
    ("has product_views as v in last 7 days then no orders where product_id = v.product_id within 2 days",
     ast.Sequence((step("product_views", "v", window=last(7, "day")),
                   step("orders", where=cmp("=", N("product_id"), N("v", "product_id")), within=dur(2, "day"),
                        negated=True)))),
    ("has signups then orders within 30 days then reviews within 14 days",
     ast.Sequence((step("signups"), step("orders", within=dur(30, "day")), step("reviews", within=dur(14, "day"))))),
    ('has email_events where clicked in last 30 days then orders where status = "paid" within 2 days',
     ast.Sequence((step("email_events", where=N("clicked"), window=last(30, "day")),
                   step("orders", where=cmp("=", N("status"), s("paid")), within=dur(2, "day"))))),
    # `then` and `within` end a step's `where`, as a window does; `and` after `within` is outside
    ("has a where x and y then b where z within 1 day and w",
     and_(ast.Sequence((step("a", where=and_(x, N("y"))), step("b", where=N("z"), within=dur(1, "day")))), N("w"))),
    ("HAS a THEN NO b WITHIN $n HOURS",
     ast.Sequence((step("a"), step("b", within=ast.Duration(ast.Param("n"), "hour"), negated=True)))),
    ("has no a then b", ast.Sequence((step("a"), step("b")), negated=True)),
    ("has orders as o where o.amount > 1", ast.Sequence((step("orders", "o", where=cmp(">", N("o", "amount"), num(1))),))),
    ("has a then b in last 2 days", ast.Sequence((step("a"), step("b", window=last(2, "day"))))),
    ("has orders in this month", ast.Has(N("orders"), None, ast.ThisWindow("month"))),
    ("has orders in previous quarter", ast.Has(N("orders"), None, ast.PreviousWindow(None, "quarter"))),
    ("has orders in previous 3 weeks", ast.Has(N("orders"), None, ast.PreviousWindow(num(3), "week"))),
    ("has orders In  Previous $n Years", ast.Has(N("orders"), None, ast.PreviousWindow(ast.Param("n"), "year"))),
    ("nth(orders.channel where a in this year, 2)",
     ast.Aggregate("nth", N("orders", "channel"), a, ast.ThisWindow("year"), num(2))),
    ("nth_time(orders, $n)", ast.Aggregate("nth_time", N("orders"), None, None, ast.Param("n"))),
    ("count_days(orders) + count_weeks(orders) + count_months(orders)",
     ast.BinOp("+", ast.BinOp("+", agg("count_days", o), agg("count_weeks", o)), agg("count_months", o))),
    ("median(orders.amount) > mode", cmp(">", agg("median", N("orders", "amount")), N("mode"))),
    ("mode (orders.channel) = nth", cmp("=", agg("mode", N("orders", "channel")), N("nth"))),
    ("in segment promo.holdout", ast.InSegment("promo", "holdout")),
    ("x + 2 quarters", ast.BinOp("+", x, dur(2, "quarter"))),
]

CALLS = [
    ("lower(email)", ast.Call("lower", (N("email"),))),
    ("f()", ast.Call("f", ())),
    ("coalesce(a, b, c)", ast.Call("coalesce", (a, b, c))),
    ("round(x, 2)", ast.Call("round", (x, num(2)))),
    ("years_between(birth_date, today)", ast.Call("years_between", (N("birth_date"), ast.Today()))),
    ("percentile(-days_since(x))", ast.Call("percentile", (ast.Neg(ast.Call("days_since", (x,))),))),
    ("Lower(x)", ast.Call("Lower", (x,))),
    ("f(a or b, not c)", ast.Call("f", (or_(a, b), ast.Not(c)))),
]

NAMES = [
    ("address.state", N("address", "state")),
    ("customer.country", N("customer", "country")),
    ("orders.amount", N("orders", "amount")),
    ("orders", o),
    ("android and index", and_(N("android"), N("index"))),
    ("origin or notes", or_(N("origin"), N("notes"))),
    ("notable and internal and isolated", and_(N("notable"), N("internal"), N("isolated"))),
    ("hasty and nobody and topic and bypass", and_(N("hasty"), N("nobody"), N("topic"), N("bypass"))),
    ("today_x = nowhere", cmp("=", N("today_x"), N("nowhere"))),
    ("counter > summit", cmp(">", N("counter"), N("summit"))),
    ("first_name = last_name", cmp("=", N("first_name"), N("last_name"))),
    ("inlast = segments", cmp("=", N("inlast"), N("segments"))),
    ("startswith = ends", cmp("=", N("startswith"), N("ends"))),
    ("_private = x1", cmp("=", N("_private"), N("x1"))),
    ("Country = COUNTRY", cmp("=", N("Country"), N("COUNTRY"))),
]

KEYWORD_CASE = [
    ("NOT a AND b OR c", or_(and_(ast.Not(a), b), c)),
    ("x IS NOT NULL", ast.IsNull(x, negated=True)),
    ("x Not Between 1 AND 2", ast.Between(x, num(1), num(2), negated=True)),
    ("x NOT IN [1]", ast.InList(x, lst(num(1)), negated=True)),
    ('x STARTS WITH "a"', ast.Match("starts_with", x, s("a"))),
    ('x Ends With "a"', ast.Match("ends_with", x, s("a"))),
    ('x CONTAINS "a"', ast.Match("contains", x, s("a"))),
    ("HAS NO orders", ast.Has(o, negated=True)),
    ("In Segment vip", ast.InSegment("vip")),
    ("IN\tSEGMENT vip", ast.InSegment("vip")),
    ("TOP 5% BY x", ast.TopBy(num(5), x)),
    ("x < TODAY or x < Now", or_(cmp("<", x, ast.Today()), cmp("<", x, ast.Now()))),
]

COMMENTS_AND_SPACE = [
    ("a # a comment", a),
    ("a and # the rest of this line is ignored\n b", and_(a, b)),
    ("# leading comment\na", a),
    ("a\n  and b\n  and c\n", and_(a, b, c)),
    ("  x  =  1  ", cmp("=", x, num(1))),
    ("a\tand\tb", and_(a, b)),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    PRECEDENCE + PREDICATES + LITERALS + AGGREGATES + SEQUENCES + CALLS + NAMES + KEYWORD_CASE + COMMENTS_AND_SPACE,
)
def test_parses_to(text: str, expected: ast.Expr) -> None:
    assert parse_expression(text) == expected


def test_the_design_segment_parses() -> None:
    text = 'country in ["US", "CA"]\nand email_opt_in\nand spend_365 > $min_spend\nand has no orders in last 90 days\n'
    assert parse_expression(text) == and_(
        ast.InList(N("country"), lst(s("US"), s("CA"))),
        N("email_opt_in"),
        cmp(">", N("spend_365"), ast.Param("min_spend")),
        ast.Has(o, None, last(90, "day"), negated=True),
    )


# ---- spans: columns of nodes, offsets mapped through `offsets` ----

SPANS = [
    # text, a function picking a node, (start, end) offsets
    ("x = 1", lambda e: e, (0, 5)),
    ("x = 1", lambda e: e.right, (4, 5)),
    ("  lifetime_value > 10", lambda e: e.left, (2, 16)),
    ('a and b = "q"', lambda e: e.items[1].right, (10, 13)),
    ("count(orders in last 3 days) > 1", lambda e: e.left, (0, 28)),
    ("count(orders in last 3 days) > 1", lambda e: e.left.window, (13, 27)),
    ("count(orders in last 3 days) > 1", lambda e: e.left.func_span, (0, 5)),
    ("in segment vip", lambda e: e.name_span, (11, 14)),
    ("lower(email) = 'a'", lambda e: e.left.name_span, (0, 5)),
    ("has no orders in last 9 days", lambda e: e, (0, 28)),
    ("x < 30 days ago", lambda e: e.right, (4, 15)),
    ("(a or b)", lambda e: e, (1, 7)),
]


@pytest.mark.parametrize(("text", "pick", "expected"), SPANS)
def test_spans(text: str, pick, expected: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    node = pick(parse_expression(text))
    span = node if not isinstance(node, ast.Node) else node.span
    assert (span.start, span.end) == expected


def test_offsets_map_text_positions_to_the_file() -> None:
    from segql.source import SourceFile

    # the expression `a >> 1` sits at offset 100 of some file
    source = SourceFile("f.yml", " " * 100 + "a >> 1")
    with pytest.raises(DiagnosticError) as info:
        parse_expression("a >> 1", source, list(range(100, 107)))
    (d,) = info.value.diagnostics
    assert d.span.source is source and d.span.start == 103


# ---- syntax errors: text → (code, column, message fragment, hint fragment) ----

SYNTAX_ERRORS = [
    ("count(orders in last 90) > 1", "E110", 24,
     "expected a duration unit (days, weeks, months, quarters, years) after 90", "90 days"),
    ("has orders in last 3 fortnights", "E110", 22, "duration unit", "3 days"),
    ("a == 1", "E110", 4, "found `=`", "single `=`"),
    ("x <> 1", "E110", 4, "found `>`", "`!=`"),
    ("a && b", "E112", 3, "unexpected character `&`", "`and`"),
    ("a || b", "E112", 3, "unexpected character `|`", "`or`"),
    ("a ! b", "E112", 3, "unexpected character `!`", "`not`"),
    ("x = @home", "E112", 5, "unexpected character `@`", ""),
    ("a and b)", "E110", 8, "unexpected `)`", "no matching `(`"),
    ("(a and b", "E110", None, "expected `)`", "never closed"),
    ("x in [1, 2", "E110", None, "found the end of the expression", "`[` is never closed"),
    ('email = "abc', "E111", 9, "unterminated string", 'matching "'),
    ("email = 'abc", "E111", 9, "unterminated string", "matching '"),
    ('email = "abc\nand x', "E111", 9, "unterminated string", ""),
    ("birth_date = 2024-02-30", "E113", 14, "invalid date `2024-02-30`", "YYYY-MM-DD"),
    ("birth_date = 2023-13-01", "E113", 14, "invalid date", "YYYY-MM-DD"),
    ("x = 2024-01-31T25:00:00", "E113", 5, "invalid timestamp", "YYYY-MM-DDTHH:MM:SS"),
    (r'email = "a\nb"', "E114", 11, r"unknown escape `\n`", r"\\"),
    (r"email = 'a\tb'", "E114", 11, r"unknown escape `\t`", ""),
    ("", "E115", 1, "empty expression", "email_opt_in"),
    ("   \n  ", "E115", None, "empty expression", "write a condition"),
    ("x in last 3 days", "E110", 3, "unexpected `in last`", "inside an aggregate or `has`"),
    ("x since 2024-01-01", "E110", 3, "`since`", "inside an aggregate"),
    ("a b", "E110", 3, "found `b`", "`and` or `or`"),
    ("x = 1 2", "E110", 7, "found `2`", "`and` or `or`"),
    ('x = 1 "a"', "E110", 7, 'found `"a"`', "`and` or `or`"),
    ("x = 1 adn y = 2", "E110", 7, "found `adn`", "did you mean `and`?"),
    ("not", "E110", None, "found the end of the expression", "stops too early"),
    ("x >", "E110", None, "found the end of the expression", "stops too early"),
    ("a and", "E110", None, "found the end of the expression", "stops too early"),
    ("top 10% by", "E110", None, "end of the expression", ""),
    ("has", "E110", None, "end of the expression", ""),
    ("in segment", "E110", None, "expected a name", ""),
    ("in segment 42", "E110", 12, "expected a name", ""),
    ("count(orders where)", "E110", 19, "found `)`", ""),
    ("count(1) > 1", "E110", 7, "found `1`", ""),
    ("x in 1", "E110", 6, "expected `[`", ""),
    ("[1, 2] = x", "E110", 1, "found `[`", ""),
    ("x = ,", "E110", 5, "found `,`", ""),
    ("x between 1", "E110", None, "end of the expression", ""),
    ("x = 1.", "E112", 6, "unexpected character `.`", ""),
    ("orders.amount.total > 1", "E112", 14, "unexpected character `.`", ""),
    ("x = $", "E112", 5, "unexpected character `$`", ""),
    ("x = 1 day 2", "E110", 11, "found `2`", ""),
    ("has a then", "E110", None, "found the end of the expression", "stops too early"),
    ("has a then b within 2", "E110", 22, "duration unit", "`2 days`"),
    ("has a in this 3 months", "E110", 15, "calendar period", "`in previous 3 months`"),
    ("has a in previous", "E110", None, "calendar period", "`in previous month`"),
    ("x in this month", "E110", 3, "unexpected `in this`", "inside an aggregate or `has`"),
    ("nth(orders.x, )", "E110", 15, "found `)`", ""),
    ("has a as", "E110", None, "expected a name", ""),
]


@pytest.mark.parametrize(("text", "code", "column", "message", "hint"), SYNTAX_ERRORS)
def test_syntax_error(text: str, code: str, column: int | None, message: str, hint: str) -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expression(text)
    diagnostics = info.value.diagnostics
    assert len(diagnostics) == 1
    (d,) = diagnostics
    assert d.code == code
    if column is not None:
        assert d.span.column == column
    assert message in d.message
    assert hint in d.hint
    assert d.span.source is not None and 0 <= d.span.start <= d.span.end <= len(text)


# A diagnostic about the end of the expression should point at (or after) the last token,
# not at a token before it.
END_OF_INPUT = [
    ("x >", 3),
    ("(a and b", 8),
    ("a and", 3),
    ("x in [1, 2", 10),
    ("top 10% by", 9),
]


@pytest.mark.parametrize(("text", "last_token_column"), END_OF_INPUT)
def test_end_of_input_error_points_at_the_end(text: str, last_token_column: int) -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expression(text)
    assert info.value.diagnostics[0].span.column >= last_token_column


def test_missing_unit_at_the_end_of_the_input() -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expression("has orders in last 7")
    (d,) = info.value.diagnostics
    assert "expected a duration unit (days, weeks, months, quarters, years) after 7" in d.message
    assert "`%`" not in d.message


def test_end_of_input_after_a_single_token() -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expression("not")
    assert info.value.diagnostics[0].span.column >= 1


def test_every_bad_escape_is_reported_at_once() -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expression(r'x = "\q" or y = "\w"')
    assert [(d.code, d.span.column) for d in info.value.diagnostics] == [("E114", 6), ("E114", 18)]


def test_parser_state_does_not_leak_between_parses() -> None:
    with pytest.raises(DiagnosticError):
        parse_expression(r'x = "\q"')
    assert parse_expression('x = "ok"') == cmp("=", x, s("ok"))
