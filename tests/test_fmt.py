"""`segql fmt`: canonical expression text, files rewritten in place byte for byte elsewhere, idempotence, the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segql import ast
from segql.cli import cli
from segql.diagnostics import DiagnosticError
from segql.fmt import FormatterBug, Printer, check_same_meaning, format_expression, format_source
from segql.source import SourceFile
from segql.syntax.parser import parse_expression
from segql.syntax.segments import load_segment_file
from segql.syntax.yamlpos import YMap, YNode, YSeq, load_yaml

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden" / "fmt"
ACME = TESTS / "fixtures" / "acme"
RETAIL = TESTS.parent / "examples" / "retail"
SEGMENT_FILES = sorted((ACME / "segments").glob("*.yml")) + sorted((RETAIL / "segments").glob("*.yml"))

# ---- expressions: input → canonical one-line text ----

CANONICAL = [
    # round 2: sequences, calendar windows, positions, groups
    ("HAS cart_adds AS a IN LAST 3 DAYS THEN NO orders WHERE x = a.y WITHIN 1 DAY",
     "has cart_adds as a in last 3 days then no orders where x = a.y within 1 day"),
    ("has a then b then c within 2 Days", "has a then b then c within 2 days"),
    ("(has a then b where x) and y", "(has a then b where x) and y"),
    ("has a then b where x within 1 day and y", "has a then b where x within 1 day and y"),
    ("has a where (has b) then c", "has a where (has b) then c"),
    ("count_days(orders IN THIS month) >= 3", "count_days(orders in this month) >= 3"),
    ("has orders in previous 1 quarter or has orders in Previous Quarter",
     "has orders in previous 1 quarter or has orders in previous quarter"),
    ("nth(orders.channel where a,2) = 'web'", 'nth(orders.channel where a, 2) = "web"'),
    ("in segment promo.holdout", "in segment promo.holdout"),
    ("x + 1 Quarter > today", "x + 1 quarter > today"),
    # keyword case and spacing
    ("a AND b OR NOT c", "a and b or not c"),
    ("x>1", "x > 1"),
    ("x   !=   'a'", 'x != "a"'),
    ("email IS NOT NULL and email is null", "email is not null and email is null"),
    ("email NOT Contains 'x' or email Starts   With 'a' or email not ends with 'z'",
     'email not contains "x" or email starts with "a" or email not ends with "z"'),
    ("x NOT BETWEEN 1 AND 2", "x not between 1 and 2"),
    ("TRUE = email_opt_in and x != FALSE and coalesce(x, NULL) > 1",
     "true = email_opt_in and x != false and coalesce(x, null) > 1"),
    ("Today > birth_date and signup_at < NOW", "today > birth_date and signup_at < now"),
    # lists and strings
    ("country in ['US','CA']", 'country in ["US", "CA"]'),
    ("country NOT IN [ \"US\" ]", 'country not in ["US"]'),
    ("x in []", "x in []"),
    ("x in [1+2, (a = b)]", "x in [1 + 2, (a = b)]"),
    (r"""email = 'it\'s' or email = "say \"hi\"" or email = 'back\\slash'""",
     r'''email = "it's" or email = "say \"hi\"" or email = "back\\slash"'''),
    ("email = '\"'", r'email = "\""'),
    ("email contains '# not a comment'", 'email contains "# not a comment"'),
    # numbers as written
    ("x = 19.90 and y = 007 and z = 0.5", "x = 19.90 and y = 007 and z = 0.5"),
    ("x > -3 and y < - 2.50", "x > -3 and y < -2.50"),
    ("-x < -(score * 2)", "-x < -(score * 2)"),
    ("- - x > 0", "--x > 0"),
    ("x - -3 > 0", "x - -3 > 0"),
    # arithmetic: minimal parentheses, left associative
    ("(a + b) + c > (a - b) - c", "a + b + c > a - b - c"),
    ("a + (b + c) > a - (b - c)", "a + (b + c) > a - (b - c)"),
    ("(a + b) * c > a + (b * c)", "(a + b) * c > a + b * c"),
    ("a / (b * c) % 2 > 1", "a / (b * c) % 2 > 1"),
    ("((x)) = ((1))", "x = 1"),
    # conditions: minimal parentheses that keep the tree
    ("(a or b) and c", "(a or b) and c"),
    ("a or (b and c)", "a or b and c"),
    ("(a and b) and c", "(a and b) and c"),
    ("a or (b or c)", "a or (b or c)"),
    ("not (a and b)", "not (a and b)"),
    ("not (not a)", "not not a"),
    ("not (x = 1)", "not x = 1"),
    ("(x = 1) = true", "(x = 1) = true"),
    ("(not a) = b", "(not a) = b"),
    ("((a or b) or c) and (d and e)", "((a or b) or c) and (d and e)"),
    # durations, relative time, dates
    ("birth_date < today - 30 DAYS and birth_date < today - 1 days", "birth_date < today - 30 days and birth_date < today - 1 day"),
    ("signup_at < now - 1 Hours or signup_at < now - 12 hour", "signup_at < now - 1 hour or signup_at < now - 12 hours"),
    ("x > today - 3 month and x > today - 1 Years and x > today - $n week",
     "x > today - 3 months and x > today - 1 year and x > today - $n weeks"),
    ("x < 30 days AGO and y < 1 week ago", "x < 30 days ago and y < 1 week ago"),
    ("x = 2024-01-31 or y < 2024-01-31T08:30", "x = 2024-01-31 or y < 2024-01-31T08:30:00"),
    ("y < 2024-01-31T08:30:05.25", "y < 2024-01-31T08:30:05.250000"),
    ("x + 1 MONTH > today", "x + 1 month > today"),
    # windows, aggregates, has
    ("has orders In Last 1 Days", "has orders in last 1 day"),
    ("has orders in   last $n days", "has orders in last $n days"),
    ("HAS NO orders SINCE 90 days ago", "has no orders since 90 days ago"),
    ("has orders before 2024-01-01 or has orders between 180 days ago and 90 days ago",
     "has orders before 2024-01-01 or has orders between 180 days ago and 90 days ago"),
    ("has orders since $d + 1 day", "has orders since $d + 1 day"),
    ("COUNT(orders WHERE status='paid' IN LAST 90 DAYS) >= 1", 'count(orders where status = "paid" in last 90 days) >= 1'),
    ("sum(orders.amount where status = 'paid') / Count(orders) > 50",
     'sum(orders.amount where status = "paid") / count(orders) > 50'),
    ("count_distinct(orders.channel in last 30 days) > 1", "count_distinct(orders.channel in last 30 days) > 1"),
    ("days_since(LAST_TIME(orders)) > 90", "days_since(last_time(orders)) > 90"),
    ("has orders where a = 1 and b", "has orders where a = 1 and b"),
    ("(has orders where a = 1) and b", "(has orders where a = 1) and b"),
    ("b and has orders where a = 1", "b and (has orders where a = 1)"),
    ("(has orders where a in last 3 days) and b", "(has orders where a in last 3 days) and b"),
    ("(has orders in last 3 days) and (has no orders)", "has orders in last 3 days and has no orders"),
    ("(not has orders where a = 1) and b", "(not has orders where a = 1) and b"),
    ("(a and not has orders where x = 1) or b", "(a and not has orders where x = 1) or b"),
    ("count(orders where (has web in last 3 days) in last 3 days) > 0",
     "count(orders where has web in last 3 days in last 3 days) > 0"),
    ("count(orders where (has web) in last 3 days) > 0", "count(orders where (has web) in last 3 days) > 0"),
    ("count(orders where (a and has web where x) since today) > 0",
     "count(orders where (a and (has web where x)) since today) > 0"),
    ("count(orders where (has web where x) since today) > 0", "count(orders where (has web where x) since today) > 0"),
    ("count(orders where pages between 1 and 2) > 0", "count(orders where pages between 1 and 2) > 0"),
    # reuse and ranking
    ("IN  Segment vip and NOT in segment churned", "in segment vip and not in segment churned"),
    ("TOP 10 % BY spend_365 or top $share% by a + b", "top 10% by spend_365 or top $share% by a + b"),
    ("top 5% by (x = 1)", "top 5% by (x = 1)"),
    ("x = $min_spend", "x = $min_spend"),
    ("years_between( birth_date , today ) >= 18 and round(x) > 1 and f() = 1",
     "years_between(birth_date, today) >= 18 and round(x) > 1 and f() = 1"),
    ("coalesce(has orders where x, false)", "coalesce(has orders where x, false)"),
    ("percentile(-days_since(last_time(orders))) >= 80", "percentile(-days_since(last_time(orders))) >= 80"),
    # white space and comments outside conditions
    ("  x\n   >\n 1  ", "x > 1"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_text(text: str, expected: str) -> None:
    assert format_expression(text, width=10_000) == expected
    assert parse_expression(expected) == parse_expression(text)
    assert format_expression(expected, width=10_000) == expected


LAYOUTS = [
    # a chain written on several lines stays broken, one item per line, the operator leading
    ("a and b\nor c", "a and b\nor c"),
    ("a\nand b", "a\nand b"),
    ("a\nand (b or c)", "a\nand (b or c)"),
    # too long: broken; items in parentheses broken and indented when they do not fit
    ("a_long_name_1 and (b_long_name_2 or c_long_name_3 or d_long_name_4 or f_name) and e_long_name_5",
     "a_long_name_1\nand (\n  b_long_name_2\n  or c_long_name_3\n  or d_long_name_4\n  or f_name\n)\nand e_long_name_5"),
    ("a_long_name_1 and b_long_name_2 or c_long_name_3 and d_long_name_4 and e_long_name_5 and g_name",
     "a_long_name_1 and b_long_name_2\nor c_long_name_3\n  and d_long_name_4\n  and e_long_name_5\n  and g_name"),
    ("(a_long_name_1 or b_long_name_2 or c_long_name_3 or d_long_name_4) and e",
     "(\n  a_long_name_1\n  or b_long_name_2\n  or c_long_name_3\n  or d_long_name_4\n)\nand e"),
    # a long arithmetic term hangs before its outermost operators
    ("count(orders where status = 'paid') / count(orders where channel = 'web') > $share",
     'count(orders where status = "paid")\n    / count(orders where channel = "web") > $share'),
    # a long sequence breaks before each `then`, also as an item of a chain
    ("has orders where status = 'paid' in last 1 year then reviews within 30 days then orders within 60 days",
     'has orders where status = "paid" in last 1 year\nthen reviews within 30 days\nthen orders within 60 days'),
    ("email_opt_in and has product_views as v in last 3 days then no order_items where product_id = v.product_id "
     "within 2 days",
     "email_opt_in\nand has product_views as v in last 3 days\n"
     "then no order_items where product_id = v.product_id within 2 days"),
    # comments beside the conditions they follow, or on their own lines
    ("a  # one\nAND b   #two\n# three\nand c\n# four", "a  # one\nand b  #two\n# three\nand c\n# four"),
    ("# lead\nx > 1", "# lead\nx > 1"),
    ("x > 1 # trailing", "x > 1  # trailing"),
    ("a and # after the operator\n b", "a  # after the operator\nand b"),
    ("(a  # inside parentheses, after the item\n) and b", "a  # inside parentheses, after the item\nand b"),
    # a comment inside a condition: left as written
    ("count(orders # why\n) > 1 and b", "count(orders # why\n) > 1 and b"),
    ("(a # why\n or b) and c", "(a # why\n or b) and c"),
]


@pytest.mark.parametrize(("text", "expected"), LAYOUTS)
def test_layout(text: str, expected: str) -> None:
    assert format_expression(text, width=60) == expected
    assert format_expression(expected, width=60) == expected


def test_one_line_when_it_fits_and_was_one_line() -> None:
    text = "a and b or c and (d or e)"
    assert format_expression(text) == text
    assert format_expression(text, force=True) == "a and b\nor c and (d or e)"


def test_width_counts_from_the_column() -> None:
    text = "aaaaaaaaaa and bbbbbbbbbb"
    assert format_expression(text, column=0, width=30) == text
    assert format_expression(text, column=10, width=30) == "aaaaaaaaaa\nand bbbbbbbbbb"


def test_numbers_without_source_text_are_printed_from_their_value() -> None:
    from decimal import Decimal

    printer = Printer()
    assert printer.flat(ast.Compare(">", ast.Name(("x",)), ast.Number(Decimal("19.90")))) == "x > 19.90"
    assert printer.flat(ast.Duration(ast.Number(1), "day")) == "1 day"
    assert printer.flat(ast.Neg(ast.Number(Decimal("1E-7")))) == "-0.0000001"


def test_a_change_of_meaning_is_a_bug() -> None:
    with pytest.raises(FormatterBug):
        check_same_meaning("a and b", "a or b")
    with pytest.raises(FormatterBug):
        check_same_meaning("a and b", "a and")


def test_syntax_errors_are_diagnostics() -> None:
    with pytest.raises(DiagnosticError):
        format_expression("count(orders in last 90) > 1")


# ---- files: golden before → after ----

CASES = sorted(p.name.removesuffix(".before.yml") for p in GOLDEN.glob("*.before.yml"))


def _format(text: str, name: str = "case.yml") -> str:
    result = format_source(SourceFile(name, text))
    assert not result.diagnostics, result.diagnostics
    return result.text


def test_golden_cases_exist() -> None:
    assert {"plain", "quoted", "literal", "folded", "tree", "segments_list", "comments"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_file(case: str, golden: Callable[[Path, str], None]) -> None:
    before = (GOLDEN / f"{case}.before.yml").read_text(encoding="utf-8")
    after = _format(before)
    golden(GOLDEN / f"{case}.after.yml", after)
    assert _format(after) == after  # idempotent
    segments_before, _ = load_segment_file(SourceFile("case.yml", before))
    segments_after, _ = load_segment_file(SourceFile("case.yml", after))
    assert segments_after == segments_before


def _changed_lines(before: str, after: str) -> set[int]:
    import difflib

    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return {i for tag, a0, a1, _, _ in matcher.get_opcodes() if tag != "equal" for i in range(a0, a1)}


@pytest.mark.parametrize("case", CASES)
def test_only_expression_lines_change(case: str) -> None:
    """Every line outside the expressions (comments, other keys, quoting) stays byte for byte."""
    before = (GOLDEN / f"{case}.before.yml").read_text(encoding="utf-8")
    source = SourceFile("case.yml", before)
    expression_lines: set[int] = set()

    def walk(node: YNode, inside_where: bool) -> None:
        if isinstance(node, YMap):
            for key, value in node.items:
                if inside_where or key.value == "where":
                    expression_lines.add(key.span.line - 1)  # a `|` header may replace a plain value here
                walk(value, inside_where or key.value == "where")
        elif isinstance(node, YSeq):
            for item in node.items:
                walk(item, inside_where)
        elif inside_where:
            first = source.position(node.span.start)[0] - 1
            last = source.position(max(node.span.end - 1, node.span.start))[0] - 1
            expression_lines.update(range(first, last + 1))

    root = load_yaml(source)
    assert root is not None
    walk(root, False)
    assert _changed_lines(before, _format(before)) <= expression_lines


def test_a_file_with_errors_is_left_alone() -> None:
    text = "where: x >\nname: broken   # a comment\n"
    result = format_source(SourceFile("broken.yml", text))
    assert result.text == text and not result.changed
    assert [d.code for d in result.diagnostics] == ["E110"]
    result = format_source(SourceFile("dup.yml", "where: a and b\nwhere: c\n"))
    assert [d.code for d in result.diagnostics] == ["E102"]


def test_a_file_without_a_final_newline() -> None:
    text = "where: in segment vip and not in segment churned and email = $code and lifetime_value > $floor_value"
    assert _format(text) == ("where: |\n  in segment vip\n  and not in segment churned\n  and email = $code\n"
                             "  and lifetime_value > $floor_value")


# ---- properties: idempotent and meaning-preserving ----


@pytest.mark.parametrize("path", SEGMENT_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_example_files_format_idempotently(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = _format(text, path.name)
    assert _format(once, path.name) == once
    before, _ = load_segment_file(SourceFile(path.name, text))
    after, _ = load_segment_file(SourceFile(path.name, once))
    assert after == before


def test_examples_are_formatted() -> None:
    """examples/retail is kept in canonical form (`segql fmt --check` passes on it)."""
    for path in sorted((RETAIL / "segments").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert _format(text, path.name) == text, f"{path.name} is not formatted: run `segql fmt`"


def _keyword(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.capitalize()])


_GAP = st.sampled_from([" "] * 12 + ["  ", "\n", "\n  ", " # note\n"])
NAMES = st.sampled_from(["country", "email", "x", "lifetime_value", "address.state", "customer.country", "tier"])
EVENTS = st.sampled_from(["orders", "web_sessions"])
NUMBERS = st.sampled_from(["0", "1", "3", "19.90", "007", "2.50", "1.0"])
UNITS = st.sampled_from(["hour", "day", "weeks", "Month", "years", "quarter"])
PERIODS = st.sampled_from(["week", "months", "Quarter", "year"])
STRINGS = st.text(alphabet="ab #%_\"'\\", max_size=6).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')
SINGLE_STRINGS = st.text(alphabet="ab \"'\\", max_size=4).map(
    lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'")


@st.composite
def _join(draw: st.DrawFn, *parts: str) -> str:
    out = parts[0]
    for part in parts[1:]:
        out += draw(_GAP) + part
    return out


def _amount() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["1", "3", "30"]), st.just("$n"))


@st.composite
def window(draw: st.DrawFn, depth: int) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(_join(draw(_keyword("in")), draw(_keyword("last")), draw(_amount()), draw(UNITS)))
    if kind == 4:
        return draw(_join(draw(_keyword("in")), draw(_keyword("this")), draw(PERIODS)))
    if kind == 5:
        count = [draw(_amount())] if draw(st.booleans()) else []
        return draw(_join(draw(_keyword("in")), draw(_keyword("previous")), *count, draw(PERIODS)))
    if kind == 1:
        return draw(_join(draw(_keyword("since")), draw(value(depth - 1))))
    if kind == 2:
        return draw(_join(draw(_keyword("before")), draw(value(depth - 1))))
    return draw(_join(draw(_keyword("between")), draw(value(depth - 1)), draw(_keyword("and")), draw(value(depth - 1))))


@st.composite
def value(draw: st.DrawFn, depth: int = 2) -> str:
    atoms = [NAMES, NUMBERS, STRINGS, SINGLE_STRINGS, _keyword("today"), _keyword("now"), _keyword("true"),
             st.just("$p"), st.sampled_from(["2024-01-31", "2024-01-31T08:30", "2024-02-29T23:59:59.5"]),
             st.builds(lambda a, u: f"{a} {u}", _amount(), UNITS),
             st.builds(lambda a, u, ago: f"{a} {u} {ago}", _amount(), UNITS, _keyword("ago"))]
    if depth <= 0:
        return draw(st.one_of(*atoms))
    kind = draw(st.integers(0, 8))
    if kind == 0:
        return draw(_join(draw(value(depth - 1)), draw(st.sampled_from("+-*/%")), draw(value(depth - 1))))
    if kind == 1:
        return draw(_join("-", draw(value(depth - 1))))
    if kind == 2:
        args = draw(st.lists(value(depth - 1), max_size=3))
        return draw(st.sampled_from(["lower", "coalesce", "f"])) + "(" + ", ".join(args) + ")"
    if kind == 3:
        func = draw(st.sampled_from(["count", "sum", "Max", "count_distinct", "last_time", "nth", "nth_time",
                                     "count_days", "median", "Mode"]))
        event = draw(EVENTS) + draw(st.sampled_from(["", ".amount"]))
        text = f"{func}({event}"
        if draw(st.booleans()):
            text = draw(_join(text, draw(_keyword("where")), draw(condition(depth - 1))))
        if draw(st.booleans()):
            text = draw(_join(text, draw(window(depth))))
        if func.startswith("nth"):
            text += ", " + draw(st.sampled_from(["1", "2", "$n"]))
        return text + ")"
    if kind == 4:
        return "(" + draw(st.one_of(value(depth - 1), condition(depth - 1))) + ")"
    return draw(st.one_of(*atoms))


@st.composite
def condition(draw: st.DrawFn, depth: int = 3) -> str:
    if depth <= 0:
        return draw(st.one_of(NAMES, st.builds(lambda a, b: f"{a} > {b}", NAMES, NUMBERS)))
    v = value(min(depth - 1, 2))
    kind = draw(st.integers(0, 14))
    k = draw
    if kind == 0:
        return draw(_join(k(v), k(st.sampled_from(["=", "!=", "<", "<=", ">", ">="])), k(v)))
    if kind == 1:
        neg = [k(_keyword("not"))] if k(st.booleans()) else []
        return draw(_join(k(v), *neg, k(_keyword("between")), k(v), k(_keyword("and")), k(v)))
    if kind == 2:
        neg = [k(_keyword("not"))] if k(st.booleans()) else []
        items = k(st.lists(v, max_size=3))
        return draw(_join(k(v), *neg, k(_keyword("in")), "[" + ", ".join(items) + "]"))
    if kind == 3:
        neg = [k(_keyword("not"))] if k(st.booleans()) else []
        return draw(_join(k(v), k(_keyword("is")), *neg, k(_keyword("null"))))
    if kind == 4:
        word = k(st.sampled_from([["contains"], ["starts", "with"], ["ends", "with"]]))
        neg = [k(_keyword("not"))] if k(st.booleans()) else []
        return draw(_join(k(v), *neg, *(k(_keyword(w)) for w in word), k(v)))
    if kind == 5:
        parts = [k(_keyword("has"))] + ([k(_keyword("no"))] if k(st.booleans()) else []) + [k(EVENTS)]
        if k(st.booleans()):
            parts += [k(_keyword("where")), k(condition(depth - 1))]
        if k(st.booleans()):
            parts.append(k(window(depth)))
        return draw(_join(*parts))
    if kind == 6:
        return draw(_join(k(_keyword("in")), k(_keyword("segment")), k(st.sampled_from(["vip", "promo.holdout"]))))
    if kind == 12 and depth > 1:  # a sequence: `has A [as a] … then [no] B … [within D] …`
        steps = []
        for i in range(k(st.integers(2, 3))):
            parts = [k(_keyword("then"))] if i else []
            if i and k(st.booleans()):
                parts.append(k(_keyword("no")))
            parts.append(k(EVENTS))
            if k(st.booleans()):
                parts += [k(_keyword("as")), f"s{i}"]
            if k(st.booleans()):
                parts += [k(_keyword("where")), k(condition(depth - 1))]
            if i == 0 and k(st.booleans()):
                parts.append(k(window(depth)))
            if i and k(st.booleans()):
                parts += [k(_keyword("within")), k(_amount()), k(UNITS)]
            steps.append(k(_join(*parts)))
        return draw(_join(k(_keyword("has")), *steps))
    if kind == 7:
        return draw(_join(k(_keyword("top")), k(_amount()) + "%", k(_keyword("by")), k(v)))
    if kind == 8:
        return draw(_join(k(_keyword("not")), k(condition(depth - 1))))
    if kind in (9, 10):
        word = k(_keyword("and" if kind == 9 else "or"))
        items = k(st.lists(condition(depth - 1), min_size=2, max_size=4))
        out = items[0]
        for item in items[1:]:
            out = draw(_join(out, word, item))
        return out
    if kind == 11:
        return "(" + k(condition(depth - 1)) + ")"
    return k(v)


def _parses(text: str) -> bool:
    try:
        parse_expression(text)
    except DiagnosticError:
        return False
    return True


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(condition(), st.sampled_from([40, 88, 10_000]))
def test_random_expressions_are_idempotent_and_keep_their_meaning(text: str, width: int) -> None:
    if not _parses(text):
        return
    once = format_expression(text, width=width)  # checks parse(once) == parse(text) itself
    assert parse_expression(once) == parse_expression(text)
    assert format_expression(once, width=width) == once


def _embed(expression: str, style: str) -> str:
    if style == "plain":
        return "where: " + expression + "\n"
    if style == '"':
        return "where: " + json.dumps(expression) + "\n"
    if style == "'":
        return "where: '" + expression.replace("'", "''") + "'\n"
    if style in ("|", ">"):
        return f"where: {style}\n" + "".join("  " + line + "\n" for line in expression.split("\n"))
    if style == "tree":
        return "where:\n  any:\n    - x\n    - " + json.dumps(expression) + "\n"
    return "where: {all: [" + json.dumps(expression) + "]}\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(condition(), st.sampled_from(["plain", '"', "'", "|", ">", "tree", "flow"]))
def test_random_segment_files_are_idempotent_and_keep_their_meaning(expression: str, style: str) -> None:
    text = "# a comment\nname: s   # the name\n" + _embed(expression, style) + "owner: me  # owner\n"
    result = format_source(SourceFile("s.yml", text))  # raises FormatterBug if the segments would change
    if result.diagnostics:
        assert result.text == text
        return
    assert result.text.startswith("# a comment\nname: s   # the name\nwhere:")
    assert result.text.endswith("owner: me  # owner\n")
    assert _format(result.text, "s.yml") == result.text


# ---- the command ----


def _run(*args: str, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"NO_COLOR": "1", "CI": "1", "GITHUB_ACTIONS": None}
    if cwd is None:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    import os

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The acme project with one unformatted segment and one with a syntax error."""
    root = tmp_path / "acme"
    shutil.copytree(ACME, root)
    for path in (root / "segments").glob("*.yml"):
        path.write_text(_format(path.read_text(encoding="utf-8"), path.name), encoding="utf-8")
    (root / "segments" / "ugly.yml").write_text("name: ugly  # keep\nwhere: x>1 AND y\n", encoding="utf-8")
    (root / "segments" / "broken.yml").write_text("where: count(orders in last 90) > 1\n", encoding="utf-8")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yml"))}


def test_check_lists_files_writes_nothing_and_exits_1(project: Path) -> None:
    before = _snapshot(project)
    result = _run("fmt", "--check", "--project", str(project))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "would reformat segments/ugly.yml" in lines
    assert not any("reformat" in line and "broken" in line for line in lines)
    assert "segments/broken.yml:1:31: error[E110]: expected a duration unit (days, weeks, months, quarters, years) after 90" \
        " (write e.g. `90 days`)" in result.stderr
    assert lines[-1] == "1 file would be reformatted, 16 files would be left unchanged, 1 file with errors left alone"
    assert _snapshot(project) == before


def test_fmt_rewrites_only_the_expression(project: Path) -> None:
    broken = (project / "segments" / "broken.yml").read_bytes()
    result = _run("fmt", "--project", str(project))
    assert result.exit_code == 1  # the broken file
    assert "reformatted segments/ugly.yml" in result.stderr.splitlines()
    assert (project / "segments" / "ugly.yml").read_text() == "name: ugly  # keep\nwhere: x > 1 and y\n"
    assert (project / "segments" / "broken.yml").read_bytes() == broken
    (project / "segments" / "broken.yml").unlink()
    again = _run("fmt", "--check", "--project", str(project))
    assert again.exit_code == 0
    assert again.stderr == "17 files would be left unchanged\n"
    assert _run("fmt", "--project", str(project)).stderr == "17 files left unchanged\n"


def test_fmt_files_given(project: Path) -> None:
    ugly = project / "segments" / "ugly.yml"
    result = _run("fmt", "--check", "segments/ugly.yml", "segments/vip.yml", cwd=project)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["would reformat segments/ugly.yml",
                                          "1 file would be reformatted, 1 file would be left unchanged"]
    assert _run("fmt", str(ugly)).exit_code == 0
    assert _run("fmt", "--check", str(ugly)).exit_code == 0


def test_fmt_a_folder(project: Path) -> None:
    result = _run("fmt", "--check", str(project / "segments"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("1 file would be reformatted, 16 files")


def test_diff_prints_a_unified_diff_and_writes_nothing(project: Path) -> None:
    before = _snapshot(project)
    result = _run("fmt", "--diff", "segments/ugly.yml", cwd=project)
    assert result.exit_code == 0
    assert result.stdout == ("--- a/segments/ugly.yml\n+++ b/segments/ugly.yml\n@@ -1,2 +1,2 @@\n"
                             " name: ugly  # keep\n-where: x>1 AND y\n+where: x > 1 and y\n")
    assert _snapshot(project) == before


def test_line_endings_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yml"
    path.write_bytes(b"\xef\xbb\xbfname: crlf\r\nwhere: |\r\n  x>1\r\n  AND y\r\nowner: me\r\n")
    assert _run("fmt", str(path)).exit_code == 0
    assert path.read_bytes() == b"\xef\xbb\xbfname: crlf\r\nwhere: |\r\n  x > 1\r\n  and y\r\nowner: me\r\n"


def test_unreadable_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "latin.yml").write_bytes(b"where: x = '\xe9'\n")
    (tmp_path / "binary.yml").write_bytes(b"where: \x00\n")
    result = _run("fmt", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.count("error[E100]") == 2
    assert result.stderr.splitlines()[-1] == "2 files with errors left alone"


def test_no_project_is_a_usage_error(tmp_path: Path) -> None:
    assert _run("fmt", cwd=tmp_path).exit_code == 2
    assert _run("fmt", "missing.yml", cwd=tmp_path).exit_code == 2


def test_the_example_project_is_formatted() -> None:
    result = _run("fmt", "--check", "--project", str(RETAIL))
    assert result.exit_code == 0, result.stderr
