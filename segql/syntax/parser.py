"""The expression parser: Lark LALR over grammar/segql.lark, building segql.ast nodes directly.

Spans come from tokens (no propagate_positions) and are mapped to file offsets. Imports lark, never yaml.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from segql import ast
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.limits import MAX_DIGITS
from segql.source import SourceFile, Span
from segql.syntax.scan import regions


def grammar_path() -> Path:
    """The grammar inside the installed package, or beside the package in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / "segql.lark", here.parent / "grammar" / "segql.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/segql.lark is missing from this installation of segql")


_UNITS = {"hour", "day", "week", "month", "quarter", "year"}
MAX_DEPTH = 100  # nesting deeper than this is refused (E117) so no later stage can overflow the stack
_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}


class _Builder(Transformer[Token, Any]):
    """Turns parse-tree callbacks into ast nodes; state is reset for every parse."""

    def __init__(self) -> None:
        super().__init__()
        self.source: SourceFile | None = None
        self.offsets: list[int] = []
        self.problems: list[Diagnostic] = []

    # -- spans --
    def tspan(self, tok: Token) -> Span:
        offsets = self.offsets
        start = tok.start_pos or 0
        end = tok.end_pos if tok.end_pos is not None else start
        return Span(self.source, offsets[start], offsets[end - 1] + 1 if end > start else offsets[start])

    def span(self, first: Any, last: Any) -> Span:
        a = first.span if isinstance(first, ast.Node) else self.tspan(first)
        b = last.span if isinstance(last, ast.Node) else self.tspan(last)
        return a.to(b)

    # -- literals --
    def number(self, c: list[Token]) -> ast.Number:
        text = str(c[0])
        if len(text.replace(".", "").lstrip("0")) > MAX_DIGITS:
            self.problems.append(Diagnostic("E118", f"a number with more than {MAX_DIGITS} digits", self.tspan(c[0]),
                                            "too long for any database", "write a shorter number"))
            return ast.Number(0, span=self.tspan(c[0]))
        value: int | Decimal = int(text) if "." not in text else Decimal(text)
        return ast.Number(value, span=self.tspan(c[0]))

    def string(self, c: list[Token]) -> ast.String:
        tok = c[0]
        body = str(tok)[1:-1]
        out = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                else:
                    start = (tok.start_pos or 0) + 1 + i
                    span = Span(self.source, self.offsets[start], self.offsets[start + 1] + 1)
                    self.problems.append(
                        Diagnostic("E114", f"unknown escape `\\{nxt}` in string", span, "not an escape segql knows",
                                   'the escapes are \\" \\\' and \\\\; write \\\\ for a backslash')
                    )
                    out.append(nxt)
                i += 2
                continue
            out.append(ch)
            i += 1
        return ast.String("".join(out), span=self.tspan(tok))

    def true(self, c: list[Token]) -> ast.Boolean:
        return ast.Boolean(True, span=self.tspan(c[0]))

    def false(self, c: list[Token]) -> ast.Boolean:
        return ast.Boolean(False, span=self.tspan(c[0]))

    def null(self, c: list[Token]) -> ast.Null:
        return ast.Null(span=self.tspan(c[0]))

    def date(self, c: list[Token]) -> ast.DateLit:
        span = self.tspan(c[0])
        try:
            value = dt.date.fromisoformat(str(c[0]))
        except ValueError as err:
            self.problems.append(Diagnostic("E113", f"invalid date `{c[0]}`: {err}", span, "not a calendar date",
                                            "dates are written YYYY-MM-DD, e.g. 2024-01-31"))
            value = dt.date(1970, 1, 1)
        return ast.DateLit(value, span=span)

    def timestamp(self, c: list[Token]) -> ast.TimestampLit:
        span = self.tspan(c[0])
        try:
            value = dt.datetime.fromisoformat(str(c[0]))
        except ValueError as err:
            self.problems.append(Diagnostic("E113", f"invalid timestamp `{c[0]}`: {err}", span, "not a valid time",
                                            "timestamps are written YYYY-MM-DDTHH:MM:SS, e.g. 2024-01-31T08:30:00"))
            value = dt.datetime(1970, 1, 1)
        return ast.TimestampLit(value, span=span)

    def today(self, c: list[Token]) -> ast.Today:
        return ast.Today(span=self.tspan(c[0]))

    def now(self, c: list[Token]) -> ast.Now:
        return ast.Now(span=self.tspan(c[0]))

    def param(self, c: list[Token]) -> ast.Param:
        return ast.Param(str(c[0])[1:], span=self.tspan(c[0]))

    def _unit(self, tok: Token) -> str:
        unit = str(tok).lower()
        return unit[:-1] if unit not in _UNITS else unit

    def duration(self, c: list[Any]) -> ast.Duration:
        return ast.Duration(c[0], self._unit(c[1]), span=self.span(c[0], c[1]))

    def ago(self, c: list[Any]) -> ast.Ago:
        return ast.Ago(c[0], span=self.span(c[0], c[1]))

    # -- names and calls --
    def name(self, c: list[Token]) -> ast.Name:
        return ast.Name(tuple(str(c[0]).split(".")), span=self.tspan(c[0]))

    def call(self, c: list[Any]) -> ast.Call:
        args = tuple(x for x in c[2:-1] if x is not None)
        return ast.Call(str(c[0]), args, span=self.span(c[0], c[-1]), name_span=self.tspan(c[0]))

    def paren(self, c: list[Any]) -> Any:
        return c[1]

    # -- operators --
    def neg(self, c: list[Any]) -> ast.Neg:
        return ast.Neg(c[1], span=self.span(c[0], c[1]))

    def binop(self, c: list[Any]) -> ast.BinOp:
        return ast.BinOp(str(c[1]), c[0], c[2], span=self.span(c[0], c[2]))

    def compare(self, c: list[Any]) -> ast.Compare:
        return ast.Compare(str(c[1]), c[0], c[2], span=self.span(c[0], c[2]))

    def between(self, c: list[Any]) -> ast.Between:
        negated = len(c) == 5
        return ast.Between(c[0], c[-2], c[-1], negated, span=self.span(c[0], c[-1]))

    def in_list(self, c: list[Any]) -> ast.InList:
        return ast.InList(c[0], c[-1], len(c) == 4, span=self.span(c[0], c[-1]))

    def is_null(self, c: list[Any]) -> ast.IsNull:
        return ast.IsNull(c[0], len(c) == 4, span=self.span(c[0], c[-1]))

    def _match(self, op: str, c: list[Any]) -> ast.Match:
        return ast.Match(op, c[0], c[-1], len(c) == 4, span=self.span(c[0], c[-1]))

    def contains(self, c: list[Any]) -> ast.Match:
        return self._match("contains", c)

    def starts_with(self, c: list[Any]) -> ast.Match:
        return self._match("starts_with", c)

    def ends_with(self, c: list[Any]) -> ast.Match:
        return self._match("ends_with", c)

    def not_(self, c: list[Any]) -> ast.Not:
        return ast.Not(c[1], span=self.span(c[0], c[1]))

    def and_test(self, c: list[Any]) -> ast.And:
        return ast.And(tuple(c), span=self.span(c[0], c[-1]))

    def or_test(self, c: list[Any]) -> ast.Or:
        return ast.Or(tuple(c), span=self.span(c[0], c[-1]))

    # -- behaviour --
    def last_window(self, c: list[Any]) -> ast.LastWindow:
        return ast.LastWindow(c[1], self._unit(c[2]), span=self.span(c[0], c[2]))

    def since_window(self, c: list[Any]) -> ast.SinceWindow:
        return ast.SinceWindow(c[1], span=self.span(c[0], c[1]))

    def before_window(self, c: list[Any]) -> ast.BeforeWindow:
        return ast.BeforeWindow(c[1], span=self.span(c[0], c[1]))

    def between_window(self, c: list[Any]) -> ast.BetweenWindow:
        return ast.BetweenWindow(c[1], c[2], span=self.span(c[0], c[2]))

    def this_window(self, c: list[Any]) -> ast.ThisWindow:
        return ast.ThisWindow(self._unit(c[1]), span=self.span(c[0], c[1]))

    def previous_window(self, c: list[Any]) -> ast.PreviousWindow:
        return ast.PreviousWindow(c[1], self._unit(c[2]), span=self.span(c[0], c[2]))

    def aggregate(self, c: list[Any]) -> ast.Aggregate:
        func, _, source, where, window, arg, rpar = c
        return ast.Aggregate(str(func).lower(), self.name([source]), where, window, arg,
                             span=self.span(func, rpar), func_span=self.tspan(func))

    def has(self, c: list[Any]) -> ast.Has | ast.Sequence:
        negated = isinstance(c[1], Token) and c[1].type == "NO"
        source, alias, where, window, *later = c[2:] if negated else c[1:]
        last = window or where or alias or source
        span = self.span(c[0], last)
        if not later and alias is None:
            return ast.Has(self.name([source]), where, window, negated, span=span)
        first = ast.Step(self.name([source]), self.name([alias]) if alias is not None else None, where, window,
                         span=self.span(source, last))
        steps = (first, *later)
        return ast.Sequence(steps, negated, span=self.span(c[0], steps[-1]))

    def then_step(self, c: list[Any]) -> ast.Step:
        negated = isinstance(c[1], Token) and c[1].type == "NO"
        source, alias, where, window, within = c[2:] if negated else c[1:]
        last = within or window or where or alias or source
        return ast.Step(self.name([source]), self.name([alias]) if alias is not None else None, where, window,
                        within, negated, span=self.span(c[0], last))

    def in_segment(self, c: list[Token]) -> ast.InSegment:
        name, _, group = str(c[1]).partition(".")
        span = self.tspan(c[1])
        name_span, group_span = span, span
        if group:
            name_span = Span(span.source, span.start, span.start + len(name))
            group_span = Span(span.source, span.start + len(name) + 1, span.end)
        return ast.InSegment(name, group, span=self.span(c[0], c[1]), name_span=name_span, group_span=group_span)

    def top_by(self, c: list[Any]) -> ast.TopBy:
        return ast.TopBy(c[1], c[-1], span=self.span(c[0], c[-1]))

    # Last in the class: from here on `list` names this callback (Lark calls it for the rule `list`),
    # so an annotation below it would no longer mean the builtin.
    def list(self, c: list[Any]) -> ast.ListLit:
        items = tuple(x for x in c[1:-1] if x is not None)
        return ast.ListLit(items, span=self.span(c[0], c[-1]))


_builder = _Builder()
_parser: Lark | None = None


def _get_parser() -> Lark:
    global _parser
    if _parser is None:
        text = grammar_path().read_text(encoding="utf-8")
        try:
            _parser = Lark(text, parser="lalr", lexer="contextual", transformer=_builder, maybe_placeholders=True,
                           cache=True)
        except OSError:  # no usable temporary folder for the cache (a full disk, a read-only /tmp): build it anew
            _parser = Lark(text, parser="lalr", lexer="contextual", transformer=_builder, maybe_placeholders=True)
    return _parser


# ---- friendly syntax errors ----

_DESCRIBE = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "PARAM": "a parameter",
    "DATE": "a date", "TIMESTAMP": "a timestamp", "UNIT": "a duration unit (days, weeks, months, quarters, years)",
    "THEN": "`then`", "_WITHIN": "`within`", "_AS": "`as`", "IN_THIS": "`in this`", "IN_PREVIOUS": "`in previous`",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "_COMMA": "`,`",
    "COMP_OP": "a comparison (=, !=, <, <=, >, >=)", "PERCENT": "`%`", "IN_LAST": "`in last`",
    "IN_SEGMENT": "`in segment`", "_AND": "`and`", "_OR": "`or`", "_WHERE": "`where`", "_BY": "`by`",
    "_WITH": "`with`", "$END": "the end of the expression", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`",
}
_VALUE_START = {"NAME", "NUMBER", "STRING", "LPAR"}
_ARITHMETIC = {"PLUS", "MINUS", "STAR", "SLASH", "PERCENT"}
_KEYWORD_HINTS = ["and", "or", "not", "in", "between", "contains", "starts", "ends", "is", "where"]


def _unclosed_paren(text: str) -> int | None:
    """The offset of the last `(` in text that is not closed, ignoring strings and comments."""
    stack: list[int] = []
    for kind, start, end in regions(text):
        if kind != "code":
            continue
        for i in range(start, end):
            if text[i] == "(":
                stack.append(i)
            elif text[i] == ")" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _column_of(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{column}" if line == 0 else f"{column} of line {line + 1} of the expression"


def _too_deep(node: object) -> bool:
    """Is the tree nested deeper than MAX_DEPTH? Iterative, so it cannot overflow itself."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for name in getattr(current, "__slots__", ()):
            if name == "span":
                continue
            value = getattr(current, name, None)
            if isinstance(value, ast.Node):
                stack.append((value, depth + 1))
            elif isinstance(value, tuple):
                stack.extend((v, depth + 1) for v in value if isinstance(v, ast.Node))
    return False


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the expression"
    return f"`{tok}`"


def _describe_expected(expected: set[str]) -> str:
    if _VALUE_START <= expected:
        return "a value or a condition"
    if {"_AND", "_OR"} <= expected or "COMP_OP" in expected:
        if "RPAR" in expected:
            return "an operator (such as `and`, `or`, `=`) or `)`"
        return "an operator (such as `and`, `or`, `=`, `>`)"
    names = sorted(_DESCRIBE.get(e, f"`{e.strip('_').lower()}`") for e in expected if e != "$END")
    if not names:
        return ""
    if len(names) > 6:
        names = names[:6] + ["…"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _syntax_diagnostic(err: UnexpectedInput, text: str, source: SourceFile | None, offsets: list[int]) -> Diagnostic:
    pos = getattr(err, "pos_in_stream", None)
    if pos is None:
        pos = len(text)
    pos = min(pos, len(text))

    def at(start: int, end: int) -> Span:
        start = min(start, len(text))
        end = min(max(end, start + 1), len(text))
        if start >= len(text):
            return Span(source, offsets[len(text)], offsets[len(text)])
        return Span(source, offsets[start], offsets[end - 1] + 1)

    before = text[:pos].rstrip()
    previous = re.search(r"\S+$", before)
    prev_text = previous.group(0) if previous else ""

    if isinstance(err, UnexpectedCharacters):
        ch = text[pos] if pos < len(text) else ""
        if ch in "\"'":
            return Diagnostic("E111", "unterminated string", at(pos, len(text.split("\n")[0])),
                              "this string is never closed", f"close the string with a matching {ch}")
        hint = {"&": "write `and` instead of `&&`", "|": "write `or` instead of `||`",
                "!": "write `not` or `!=`", "=": "compare with a single `=`",
                ".": "a name has at most one dot: `lookup.attribute` or `event.attribute`"}.get(ch, "")
        return Diagnostic("E112", f"unexpected character `{ch}`", at(pos, pos + 1), "not part of the language", hint)

    if isinstance(err, UnexpectedToken):
        tok = err.token
        expected = set(err.expected)
        if tok.type == "$END":  # Lark's end token borrows the last token's position: use the real end
            before = text.rstrip()
            previous = re.search(r"\S+$", before)
            prev_text = previous.group(0) if previous else ""
            span = at(len(before), len(before) + 1)
        else:
            span = at(tok.start_pos or 0, tok.end_pos or (tok.start_pos or 0) + 1)
        after_count = re.search(r"(last|within|previous)\s+\S+$", before, re.IGNORECASE) is not None
        if "UNIT" in expected and prev_text.lower() in ("this", "previous"):
            word = prev_text.lower()
            return Diagnostic("E110", f"expected a calendar period (week, month, quarter, year) after `in {word}`",
                              span, "a period is needed here",
                              "write e.g. `in this month` (to date), `in previous month` or `in previous 3 months`")
        if "UNIT" in expected and (expected == {"UNIT"} or after_count):
            return Diagnostic("E110", f"expected a duration unit (days, weeks, months, quarters, years) after {prev_text}",
                              span, "a unit is needed here", f"write e.g. `{prev_text} days`")
        open_paren = _unclosed_paren(before)
        if open_paren is None:
            expected.discard("RPAR")
        if expected - _ARITHMETIC:
            expected -= _ARITHMETIC
        found = _describe_token(tok)
        wanted = _describe_expected(expected)
        message = f"expected {wanted}, found {found}" if wanted else f"unexpected {found}"
        hint = ""
        if tok.type in ("IN_LAST", "SINCE", "BEFORE", "IN_THIS", "IN_PREVIOUS"):
            hint = "a window belongs inside an aggregate or `has`, e.g. `has orders in last 30 days`"
        elif tok.type == "COMP_OP" and str(tok) == "=" and prev_text.endswith("="):
            hint = "compare with a single `=`"
        elif tok.type == "COMP_OP" and str(tok) == ">" and prev_text.endswith("<"):
            hint = "write `!=` for 'not equal'"
        elif tok.type == "RPAR" and open_paren is None:
            hint = "this `)` has no matching `(`"
        elif tok.type == "$END" and "RPAR" in expected and open_paren is not None:
            hint = f"the `(` at column {_column_of(text, open_paren)} is never closed"
        elif tok.type == "$END" and "RSQB" in expected:
            hint = "a `[` is never closed"
        elif tok.type == "NAME" and {"_AND", "_OR"} <= expected:
            hint = did_you_mean(str(tok), _KEYWORD_HINTS) or "join conditions with `and` or `or`"
        elif tok.type in ("STRING", "NUMBER") and {"_AND", "_OR"} <= expected:
            hint = "join conditions with `and` or `or`"
        elif tok.type == "$END":
            hint = "the expression stops too early"
        return Diagnostic("E110", message, span, "unexpected here", hint)

    if isinstance(err, UnexpectedEOF):
        return Diagnostic("E110", "unexpected end of expression", at(len(text), len(text)), "", "")
    return Diagnostic("E110", "syntax error", at(pos, pos + 1))


def parse_expression(text: str, source: SourceFile | None = None, offsets: list[int] | None = None) -> ast.Expr:
    """Parse one expression. `offsets[i]` is the file offset of text[i] (len(text)+1 entries)."""
    if source is None:
        source = SourceFile("<expression>", text)
    if offsets is None:
        offsets = list(range(len(text) + 1))
    if not text.strip():
        end = offsets[len(text)]
        raise DiagnosticError([Diagnostic("E115", "empty expression", Span(source, end, end), "a condition is needed here",
                                          "write a condition, e.g. `email_opt_in`")])
    parser = _get_parser()
    _builder.source, _builder.offsets, _builder.problems = source, offsets, []
    try:
        # Lark's stubs type parse() as returning a Tree; with transformer= it returns what _Builder built.
        tree = cast(ast.Expr, parser.parse(text))
    except UnexpectedInput as err:
        raise DiagnosticError([_syntax_diagnostic(err, text, source, offsets)]) from None
    except VisitError as err:  # a transformer callback failed: a bug, not a user mistake
        raise err.orig_exc from None
    finally:
        _builder.source = None
    if _builder.problems:
        raise DiagnosticError(_builder.problems)
    if _too_deep(tree):
        raise DiagnosticError([Diagnostic("E117", f"the expression is nested more than {MAX_DEPTH} levels deep",
                                          tree.span, "too deeply nested", "split it, e.g. into traits")])
    return tree
