"""Diagnostics: what segql tells a user about their files, and how it is shown.

Every user mistake becomes a Diagnostic with a stable code and a span. Imports only segql.source.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from segql.source import NO_SPAN, Span

# Every code segql can emit, with a one-line title. Codes are never reused; docs/errors.md
# explains each with an example (a test checks that every code here is documented).
CODES: dict[str, str] = {
    # E1xx: reading files, YAML shape, expression syntax
    "E100": "file cannot be read",
    "E101": "YAML syntax error",
    "E102": "duplicate key",
    "E103": "wrong kind of YAML value",
    "E104": "missing required key",
    "E105": "unknown key",
    "E106": "not a segment file",
    "E107": "invalid value",
    "E108": "input exceeds a resource limit",
    "E110": "syntax error in expression",
    "E111": "unterminated string",
    "E112": "unexpected character",
    "E113": "invalid date or timestamp",
    "E114": "invalid escape in string",
    "E115": "empty expression",
    "E116": "invalid `where` tree",
    "E117": "expression nested too deeply",
    "E118": "number out of range",
    # E2xx: names and types
    "E201": "unknown attribute",
    "E202": "unknown event",
    "E203": "unknown lookup",
    "E204": "unknown trait",
    "E205": "unknown segment",
    "E206": "unknown parameter",
    "E207": "unknown function",
    "E210": "value not in enum",
    "E211": "incompatible types",
    "E212": "comparison with null",
    "E213": "condition expected",
    "E214": "aggregate over something that is not an event",
    "E215": "window on an event without a time column",
    "E216": "wrong number of arguments",
    "E217": "wrong type of argument",
    "E218": "cycle among traits",
    "E219": "cycle among segments",
    "E220": "duplicate segment name",
    "E221": "aggregate inside an aggregate",
    "E222": "operator not applicable to these types",
    "E224": "aggregate needs an attribute",
    "E225": "event attribute outside an aggregate",
    "E226": "invalid parameter declaration",
    "E227": "invalid parameter value",
    "E228": "invalid percentage",
    "E229": "invalid duration",
    # schema.yml
    "E230": "unknown type",
    "E231": "invalid name",
    "E232": "invalid table name",
    "E233": "event without a time column",
    "E234": "name declared twice",
    "E235": "invalid enum declaration",
    "E236": "unknown channel",
    # tests/*.yml (segql test)
    "E240": "unknown table in test fixtures",
    "E241": "unknown column in a fixture row",
    "E242": "fixture value of the wrong type",
    "E243": "fixture value not in enum",
    "E244": "unknown segment in a test file",
    "E245": "invalid test expectation",
    "E246": "customer given twice in fixtures",
    # sequences, ordinals, calendar periods, splits and priority lists, SQL traits (DESIGN §3.10–3.14)
    "E250": "`then no` on a step that is not the last",
    "E251": "window on a later step of a sequence",
    "E252": "`within` in hours between date steps",
    "E253": "unknown or out-of-scope step name",
    "E254": "too many steps in a sequence",
    "E255": "`has no` with `then`",
    "E256": "invalid step name",
    "E257": "invalid position of nth or nth_time",
    "E259": "invalid bucket salt or key",
    "E260": "split shares not summing to 100",
    "E261": "invalid split share",
    "E262": "unknown group of a segment",
    "E263": "priority list naming itself",
    "E264": "priority list naming a segment twice",
    "E266": "SQL trait that does not parse",
    "E267": "invalid SQL trait declaration",
    # E3xx: dialect support
    "E301": "construct not supported by this dialect",
    "E302": "date outside the calendar",
    "E310": "SQL trait without SQL for this dialect",
    # E4xx: running
    "E401": "unknown target",
    "E402": "cannot connect to target",
    "E403": "query failed",
    "E404": "missing environment variable",
    "E405": "unsupported target type",
    "E406": "invalid table mapping of a target",
    "E407": "write schema refused",
    "E408": "name too long for the target",
    # W0xx: warnings of `segql lint` (segql.lint)
    "W001": "contradiction: conditions that cannot hold together",
    "W002": "condition always true or always false",
    "W003": "negative condition on a value that may be missing",
    "W004": "condition implied by another with a narrower window",
    "W005": "unused parameter",
    "W006": "unused trait",
    "W007": "segment reads a PII attribute",
    "W008": "duplicate condition",
    "W009": "customer condition inside an aggregate's `where`",
    "W010": "segment depends on a SQL trait",
    "W011": "splits of two segments share a salt",
    "W012": "segment of a priority list always empty after the ones above it",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span = NO_SPAN
    label: str = ""
    hint: str = ""
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class DiagnosticError(Exception):
    """Raised by a stage with every diagnostic it collected."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.code}: {first.message}" if first else "diagnostics")


class UsageProblem(Exception):
    """The caller asked for something that does not exist (a segment, a target): exit 2, not a file problem."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or '' when nothing is close."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"did you mean `{matches[0]}`?" if matches else ""


def sort_key(d: Diagnostic) -> tuple[str, int, str]:
    return (d.span.path, d.span.start, d.code)


# ---- renderers: each returns text; only the CLI prints it ----

_RED, _YELLOW, _BLUE, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[0m"


def render_rich(diagnostics: Iterable[Diagnostic], colour: bool = False) -> str:
    def paint(text: str, *styles: str) -> str:
        return "".join(styles) + text + _RESET if colour else text

    blocks = []
    for d in diagnostics:
        sev_colour = _RED if d.is_error else _YELLOW
        head = paint(f"{d.severity}[{d.code}]", _BOLD, sev_colour) + paint(f": {d.message}", _BOLD)
        lines = [head]
        span = d.span
        if span.source is not None and not span.source.text:
            lines.append(f" {paint('-->', _BLUE)} {span.path}")
            span = NO_SPAN
        if span.source is None:
            if d.hint:
                lines.append(f"  = help: {d.hint}")
            blocks.append("\n".join(lines))
            continue
        line, col = span.source.position(span.start)
        end_line, end_col = span.source.position(max(span.start, span.end - 1))
        text = span.source.line_text(line)
        prefix = text[: col - 1]
        shown_prefix = prefix.expandtabs(4)
        shown_text = shown_prefix + text[col - 1 :].expandtabs(4)
        width = (end_col - col + 1) if end_line == line else max(1, len(text) - col + 1)
        width = max(1, width)
        gutter = " " * len(str(line))
        lines.append(f"{gutter}{paint('-->', _BLUE)} {span.path}:{line}:{col}")
        lines.append(f"{gutter} {paint('|', _BLUE)}")
        lines.append(f"{paint(str(line), _BLUE)} {paint('|', _BLUE)} {shown_text}")
        caret = " " * len(shown_prefix) + paint("^" * width + (" " + d.label if d.label else ""), sev_colour)
        lines.append(f"{gutter} {paint('|', _BLUE)} {caret}".rstrip())
        if d.hint:
            lines.append(f"{gutter} {paint('|', _BLUE)}")
            lines.append(f"{gutter} {paint('=', _BLUE)} help: {d.hint}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def render_short(diagnostics: Iterable[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        hint = f" ({d.hint})" if d.hint else ""
        out.append(f"{d.span.path}:{d.span.line}:{d.span.column}: {d.severity}[{d.code}]: {d.message}{hint}")
    return "".join(line + "\n" for line in out)


def diagnostic_dict(d: Diagnostic) -> dict[str, object]:
    span = d.span
    if span.source is not None:
        line, col = span.source.position(span.start)
        end_line, end_col = span.source.position(max(span.start, span.end))
    else:
        line = col = end_line = end_col = 0
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "file": span.path,
        "line": line,
        "column": col,
        "end_line": end_line,
        "end_column": end_col,
        "label": d.label,
        "hint": d.hint,
    }


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    items = [diagnostic_dict(d) for d in diagnostics]
    summary = {
        "errors": sum(1 for i in items if i["severity"] == "error"),
        "warnings": sum(1 for i in items if i["severity"] == "warning"),
    }
    return json.dumps({"version": 1, "diagnostics": items, "summary": summary}, indent=2) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        item = diagnostic_dict(d)
        kind = "error" if d.is_error else "warning"
        props = (
            f"file={_gh_escape(str(item['file']), True)},line={item['line']},col={item['column']},"
            f"endLine={item['end_line']},endColumn={item['end_column']},title={d.code}"
        )
        hint = f" ({d.hint})" if d.hint else ""
        out.append(f"::{kind} {props}::{_gh_escape(f'{d.code} {d.message}{hint}')}")
    return "".join(line + "\n" for line in out)


RENDERERS = {"short": render_short, "json": render_json, "github": render_github}
