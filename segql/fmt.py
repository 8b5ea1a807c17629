"""Canonical layout of segql expressions, and segment files rewritten with it in place.

`format_expression` prints ast nodes back as canonical text; `format_source` splices that text into a segment
file's YAML scalars and leaves every other byte alone. Imports segql.syntax, never yaml or lark; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from segql import ast
from segql.diagnostics import Diagnostic, DiagnosticError
from segql.source import SourceFile
from segql.syntax.parser import parse_expression
from segql.syntax.scan import regions
from segql.syntax.segments import load_segment_file
from segql.syntax.yamlpos import YMap, YNode, YScalar, YSeq, load_yaml

WIDTH = 88  # a one-line expression reaching past this column is broken at its and/or chain
INDENT = "  "

# precedence levels, lowest first (docs/language.md, "Operators and precedence")
OR, AND, NOT, PREDICATE, ADDITIVE, MULTIPLICATIVE, UNARY, ATOM = range(1, 9)
_PREDICATES = (ast.Compare, ast.Between, ast.InList, ast.IsNull, ast.Match, ast.Has, ast.Sequence, ast.InSegment,
               ast.TopBy)
_MATCH_WORDS = {"contains": "contains", "starts_with": "starts with", "ends_with": "ends with"}


class FormatterBug(Exception):
    """The formatted text would not mean what the original meant: a bug in segql, never written to disk."""


def level(node: ast.Expr) -> int:
    match node:
        case ast.Or():
            return OR
        case ast.And():
            return AND
        case ast.Not():
            return NOT
        case ast.BinOp(op=op):
            return ADDITIVE if op in ("+", "-") else MULTIPLICATIVE
        case ast.Neg():
            return UNARY
        case _ if isinstance(node, _PREDICATES):
            return PREDICATE
    return ATOM


def _ends_with_open_has(node: ast.Expr, with_where: bool) -> bool:
    """Does the printed text end in a `has` without a window (with a `where`, if asked)?

    Such a tail would swallow what follows it: a window (`has` without one takes it), and `and`/`or`
    (a `where` runs to the end of the condition).
    """
    while True:
        match node:
            case ast.And(items=items) | ast.Or(items=items):
                if level(items[-1]) <= level(node):
                    return False  # parenthesised: closed
                node = items[-1]
            case ast.Not(operand=operand):
                if level(operand) < NOT:
                    return False
                node = operand
            case ast.Has():
                return node.window is None and (node.where is not None or not with_where)
            case ast.Sequence(steps=steps):
                last = steps[-1]
                return last.window is None and last.within is None and (last.where is not None or not with_where)
            case _:
                return False


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(slots=True)
class Comments:
    """`#` comments of an expression, placed around the items of its top-level and/or chain."""

    leading: dict[int, list[str]] = field(default_factory=dict)  # own-line comments before item i
    trailing: dict[int, str] = field(default_factory=dict)  # a comment at the end of item i's last line
    final: list[str] = field(default_factory=list)  # own-line comments after the last item

    def __bool__(self) -> bool:
        return bool(self.leading or self.trailing or self.final)


class Printer:
    """Canonical text of ast nodes: one line (`flat`), or lines broken at and/or chains (`lines`)."""

    def __init__(self, width: int = WIDTH) -> None:
        self.width = width

    # ---- one line ----

    def wrap(self, node: ast.Expr, minimum: int) -> str:
        text = self.flat(node)
        return f"({text})" if level(node) < minimum else text

    def flat(self, node: ast.Expr) -> str:  # noqa: C901 - one branch per node, as in the checker
        match node:
            case ast.Number():
                return self.number(node)
            case ast.String(value=value):
                return _quote(value)
            case ast.Boolean(value=value):
                return "true" if value else "false"
            case ast.Null():
                return "null"
            case ast.DateLit(value=value) | ast.TimestampLit(value=value):
                return value.isoformat()
            case ast.Param(name=name):
                return "$" + name
            case ast.Duration(amount=amount, unit=unit):
                return f"{self.amount(amount)} {self.unit(amount, unit)}"
            case ast.Ago(duration=duration):
                return f"{self.flat(duration)} ago"
            case ast.Today():
                return "today"
            case ast.Now():
                return "now"
            case ast.ListLit(items=items):
                return "[" + ", ".join(self.wrap(item, ADDITIVE) for item in items) + "]"
            case ast.Name():
                return node.dotted
            case ast.Call(name=name, args=args):
                return f"{name}(" + ", ".join(self.flat(arg) for arg in args) + ")"
            case ast.Neg(operand=operand):
                return "-" + self.wrap(operand, UNARY)
            case ast.BinOp(op=op, left=left, right=right):
                here = level(node)
                return f"{self.wrap(left, here)} {op} {self.wrap(right, here + 1)}"
            case ast.Compare(op=op, left=left, right=right):
                return f"{self.wrap(left, ADDITIVE)} {op} {self.wrap(right, ADDITIVE)}"
            case ast.Between(subject=subject, low=low, high=high, negated=negated):
                word = "not between" if negated else "between"
                return (f"{self.wrap(subject, ADDITIVE)} {word} {self.wrap(low, ADDITIVE)}"
                        f" and {self.wrap(high, ADDITIVE)}")
            case ast.InList(subject=subject, items=items, negated=negated):
                return f"{self.wrap(subject, ADDITIVE)} {'not in' if negated else 'in'} {self.flat(items)}"
            case ast.IsNull(subject=subject, negated=negated):
                return f"{self.wrap(subject, ADDITIVE)} is {'not null' if negated else 'null'}"
            case ast.Match(op=op, subject=subject, pattern=pattern, negated=negated):
                word = ("not " if negated else "") + _MATCH_WORDS[op]
                return f"{self.wrap(subject, ADDITIVE)} {word} {self.wrap(pattern, ADDITIVE)}"
            case ast.Not(operand=operand):
                return "not " + self.wrap(operand, NOT)
            case ast.And(items=items) | ast.Or(items=items):
                word = " and " if isinstance(node, ast.And) else " or "
                return word.join(self.item(node, i) for i in range(len(items)))
            case ast.Aggregate(func=func, source=source, where=where, window=window, arg=arg):
                position = f", {self.flat(arg)}" if arg is not None else ""
                return f"{func}({source.dotted}{self.clauses(where, window)}{position})"
            case ast.Has(source=source, where=where, window=window, negated=negated):
                return f"has {'no ' if negated else ''}{source.dotted}{self.clauses(where, window)}"
            case ast.Sequence(steps=steps, negated=negated):
                return "has " + ("no " if negated else "") + " then ".join(self.step(step, i < len(steps) - 1)
                                                                        for i, step in enumerate(steps))
            case ast.InSegment(name=name, group=group):
                return f"in segment {name}" + (f".{group}" if group else "")
            case ast.TopBy(percent=percent, expr=expr):
                return f"top {self.amount(percent)}% by {self.wrap(expr, ADDITIVE)}"
        raise FormatterBug(f"no canonical form for {type(node).__name__}")

    def step(self, step: ast.Step, followed: bool) -> str:
        """A step of a sequence (`then` is written between steps): its `where` ends at its window, `within` or the
        next `then`, so a `where` ending in an open `has` is parenthesised before any of them."""
        text = ("no " if step.negated else "") + step.source.dotted
        if step.alias is not None:
            text += f" as {step.alias.dotted}"
        closes = step.window is not None or step.within is not None or followed
        if step.where is not None:
            condition = self.flat(step.where)
            if closes and _ends_with_open_has(step.where, with_where=False):
                condition = f"({condition})"
            text += " where " + condition
        if step.window is not None:
            text += " " + self.window(step.window)
        if step.within is not None:
            text += " within " + self.flat(step.within)
        return text

    def item(self, chain: ast.And | ast.Or, index: int) -> str:
        """Item `index` of an and/or chain, in parentheses when precedence or a `has … where` asks for them."""
        item = chain.items[index]
        text = self.flat(item)
        return f"({text})" if self.item_needs_parens(chain, index) else text

    @staticmethod
    def item_needs_parens(chain: ast.And | ast.Or, index: int) -> bool:
        item = chain.items[index]
        if level(item) <= level(chain):
            return True
        # `has … where` in a chain is always parenthesised: the where would take the conditions after it
        if isinstance(item, ast.Has) and item.where is not None:
            return True
        if isinstance(item, ast.Sequence) and item.steps[-1].where is not None and item.steps[-1].within is None:
            return True
        return index < len(chain.items) - 1 and _ends_with_open_has(item, with_where=True)

    def clauses(self, where: ast.Expr | None, window: ast.Window | None) -> str:
        text = ""
        if where is not None:
            condition = self.flat(where)
            if window is not None and _ends_with_open_has(where, with_where=False):
                condition = f"({condition})"  # the window would otherwise belong to the `has` ending the condition
            # (a condition ending in a bare value cannot be followed by `between D1 and D2`: it would read as a
            # `between` predicate, in parentheses too; the parser never builds such a tree)
            text += " where " + condition
        if window is not None:
            text += " " + self.window(window)
        return text

    def window(self, window: ast.Window) -> str:
        match window:
            case ast.LastWindow(amount=amount, unit=unit):
                return f"in last {self.amount(amount)} {self.unit(amount, unit)}"
            case ast.SinceWindow(start=start):
                return f"since {self.wrap(start, ADDITIVE)}"
            case ast.BeforeWindow(end=end):
                return f"before {self.wrap(end, ADDITIVE)}"
            case ast.BetweenWindow(start=start, end=end):
                return f"between {self.wrap(start, ADDITIVE)} and {self.wrap(end, ADDITIVE)}"
            case ast.ThisWindow(unit=unit):
                return f"in this {unit}"
            case ast.PreviousWindow(amount=None, unit=unit):
                return f"in previous {unit}"
            case ast.PreviousWindow(amount=amount, unit=unit):
                assert amount is not None
                return f"in previous {self.amount(amount)} {self.unit(amount, unit)}"
        raise FormatterBug(f"no canonical form for {type(window).__name__}")

    def amount(self, amount: ast.Number | ast.Param) -> str:
        return self.number(amount) if isinstance(amount, ast.Number) else "$" + amount.name

    @staticmethod
    def unit(amount: ast.Number | ast.Param, unit: str) -> str:
        return unit if isinstance(amount, ast.Number) and amount.value == 1 else unit + "s"

    @staticmethod
    def number(node: ast.Number) -> str:
        """As written (`19.90` stays `19.90`): the token's text when the node still knows it."""
        span = node.span
        if span.source is not None:
            text = span.source.text[span.start:span.end]
            if text and text.replace(".", "", 1).isdigit() and text.isascii():
                written: int | Decimal = Decimal(text) if "." in text else int(text)
                if written == node.value and type(written) is type(node.value):
                    return text
        return str(node.value) if isinstance(node.value, int) else format(node.value, "f")

    # ---- several lines ----

    def hang(self, node: ast.Expr) -> list[str]:
        """A long arithmetic term broken before each of its outermost operators (`a\\n    / b > c`); a long
        sequence broken before each `then`."""
        if isinstance(node, ast.Sequence):
            steps = node.steps
            first = "has " + ("no " if node.negated else "") + self.step(steps[0], len(steps) > 1)
            return [first, *("then " + self.step(step, i < len(steps) - 1) for i, step in enumerate(steps) if i)]
        subject: ast.Expr = node
        rest = ""
        if isinstance(node, ast.Compare):
            subject, rest = node.left, f" {node.op} {self.wrap(node.right, ADDITIVE)}"
        if not isinstance(subject, ast.BinOp):
            return [self.flat(node)]
        here = level(subject)
        terms: list[str] = []
        while isinstance(subject, ast.BinOp) and level(subject) == here:
            terms.append(f"{subject.op} {self.wrap(subject.right, here + 1)}")
            subject = subject.left
        lines = [self.wrap(subject, here), *(INDENT * 2 + term for term in reversed(terms))]
        lines[-1] += rest
        return lines

    def lines(self, node: ast.Expr, column: int, force: bool, comments: Comments | None = None) -> list[str]:
        """The text of node starting at `column`, as lines (the first at column, the others relative to it).

        An and/or chain is broken one item per line, the operator leading, when it is forced to be or does
        not fit; its items in parentheses are broken the same way, indented, when they do not fit.
        """
        comments = comments or Comments()
        chain = isinstance(node, ast.And | ast.Or)
        if not comments:
            text = self.flat(node)
            if column + len(text) <= self.width and not (chain and force):
                return [text]
            if not chain:
                return self.hang(node)
        items: tuple[ast.Expr, ...] = node.items if isinstance(node, ast.And | ast.Or) else (node,)
        out: list[str] = []
        for index in range(len(items)):
            out.extend(comments.leading.get(index, []))
            item_lines = self.item_lines(node, index, column) if isinstance(node, ast.And | ast.Or) \
                else self.lines(node, column, force=False)
            if index in comments.trailing:
                item_lines[-1] += "  " + comments.trailing[index]
            out.extend(item_lines)
        out.extend(comments.final)
        return out

    def item_lines(self, chain: ast.And | ast.Or, index: int, column: int) -> list[str]:
        item = chain.items[index]
        prefix = "" if index == 0 else ("and " if isinstance(chain, ast.And) else "or ")
        text = self.item(chain, index)
        if column + len(prefix) + len(text) <= self.width:
            return [prefix + text]
        if not isinstance(item, ast.And | ast.Or):
            hung = self.hang(item) if text == self.flat(item) else [text]
            return [prefix + hung[0], *hung[1:]]
        inner = self.lines(item, column + len(INDENT), force=True)
        if self.item_needs_parens(chain, index):
            return [prefix + "(", *(INDENT + line for line in inner), ")"]
        return [prefix + inner[0], *(INDENT + line for line in inner[1:])]


# ---- expressions ----


def _comment_ranges(text: str) -> list[tuple[int, int]]:
    """Where the `#` comments of an expression are (strings skipped)."""
    return [(start, end) for kind, start, end in regions(text) if kind == "comment"]


def _place_comments(text: str, tree: ast.Expr) -> Comments | None:
    """Attach each comment to an item of the top-level chain; None when one sits inside an item."""
    items = tree.items if isinstance(tree, ast.And | ast.Or) else (tree,)
    comments = Comments()
    for start, end in _comment_ranges(text):
        body = text[start:end].rstrip()
        before = [i for i, item in enumerate(items) if item.span.end <= start]
        if any(item.span.start <= start < item.span.end for item in items):
            return None
        if not before:
            comments.leading.setdefault(0, []).append(body)
            continue
        previous = before[-1]
        same_line = "\n" not in text[items[previous].span.end:start]
        if same_line and previous not in comments.trailing:
            comments.trailing[previous] = body
        elif previous == len(items) - 1:
            comments.final.append(body)
        else:
            comments.leading.setdefault(previous + 1, []).append(body)
    return comments


@dataclass(frozen=True, slots=True)
class Layout:
    """An expression's canonical lines, or None as lines when it is left as written (comments inside it)."""

    lines: list[str] | None
    has_comments: bool


def layout_expression(text: str, column: int = 0, width: int = WIDTH, force: bool | None = None) -> Layout:
    """Lay out one expression starting at `column`. Raises DiagnosticError when it does not parse.

    The chain is broken when the text does not fit, when `force` says so, or (by default) when it
    was written on several lines already. parse(result) == parse(text) is checked here.
    """
    tree = parse_expression(text)
    multiline = "\n" in text.strip()
    comments = _place_comments(text, tree) if "#" in text else Comments()
    if comments is None:
        return Layout(None, True)
    lines = Printer(width).lines(tree, column, multiline if force is None else force, comments)
    check_same_meaning(text, "\n".join(lines), tree)
    return Layout(lines, bool(comments))


def format_expression(text: str, column: int = 0, width: int = WIDTH, force: bool | None = None) -> str:
    """The canonical text of one expression (unchanged when a comment sits inside a condition)."""
    layout = layout_expression(text, column, width, force)
    return text if layout.lines is None else "\n".join(layout.lines)


def check_same_meaning(original: str, formatted: str, tree: ast.Expr | None = None) -> None:
    """Raise FormatterBug unless both texts parse to the same tree (spans aside)."""
    before = parse_expression(original) if tree is None else tree
    try:
        after = parse_expression(formatted)
    except DiagnosticError as err:
        raise FormatterBug(f"formatted text does not parse: {formatted!r} ({err.diagnostics[0].message})") from None
    if after != before:
        raise FormatterBug(f"formatting changed the meaning of {original!r}: {formatted!r}")


# ---- files ----


@dataclass(slots=True)
class Formatted:
    """A file's text after formatting; `diagnostics` when it could not be formatted (then text is the original)."""

    original: str
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, replacement) in `original`, in order

    @property
    def changed(self) -> bool:
        return self.text != self.original


@dataclass(frozen=True, slots=True)
class _Site:
    """A YAML scalar holding one expression, and where it could start a block scalar."""

    scalar: YScalar
    block_indent: int  # the indentation of a `|` block replacing a plain or quoted scalar here
    in_flow: bool


def format_source(source: SourceFile, width: int = WIDTH) -> Formatted:
    """Format every expression of a segment file in place; a file with errors is returned unchanged."""
    _, diagnostics = load_segment_file(source)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        return Formatted(source.text, source.text, errors)
    root = load_yaml(source)
    edits: list[tuple[int, int, str]] = []
    for site in _sites(root, source):
        edits.extend(_edits(site, source, width))
    text = source.text
    edits = [e for e in sorted(edits, key=lambda e: (e[0], e[1])) if source.text[e[0]:e[1]] != e[2]]
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    if text != source.text:
        _check_same_file(source, text)
    return Formatted(source.text, text, edits=edits)


def _check_same_file(source: SourceFile, text: str) -> None:
    before, _ = load_segment_file(source)
    after, problems = load_segment_file(SourceFile(source.path, text))
    if problems or after != before:
        raise FormatterBug(f"formatting {source.path} would change its segments"
                           + (f": {problems[0].message}" if problems else ""))


def _column(source: SourceFile, offset: int) -> int:
    return source.position(offset)[1] - 1


def _is_flow(node: YMap | YSeq, source: SourceFile) -> bool:
    return source.text[node.span.start:node.span.start + 1] in ("{", "[")


def _sites(root: YNode | None, source: SourceFile) -> list[_Site]:
    if not isinstance(root, YMap):
        return []
    segments = root.get("segments")
    mappings = [item for item in segments.items if isinstance(item, YMap)] if isinstance(segments, YSeq) else [root]
    flow_of_list = isinstance(segments, YSeq) and _is_flow(segments, source)
    out: list[_Site] = []
    for mapping in mappings:
        key, value = mapping.key("where"), mapping.get("where")
        if key is None or value is None:
            continue
        in_flow = flow_of_list or _is_flow(mapping, source)
        _where_sites(value, _column(source, key.span.start) + len(INDENT), in_flow, source, out)
    return out


def _where_sites(node: YNode, block_indent: int, in_flow: bool, source: SourceFile, out: list[_Site]) -> None:
    if isinstance(node, YScalar):
        out.append(_Site(node, block_indent, in_flow))
    elif isinstance(node, YMap):
        in_flow = in_flow or _is_flow(node, source)
        for key, value in node.items:
            indent = _column(source, key.span.start) + len(INDENT)
            if isinstance(value, YSeq):
                seq_flow = in_flow or _is_flow(value, source)
                for item in value.items:
                    _where_sites(item, _column(source, item.span.start), seq_flow, source, out)
            else:
                _where_sites(value, indent, in_flow, source, out)


def _plain_ok(text: str, in_flow: bool) -> bool:
    """Can text stand as a plain YAML scalar, read back as exactly itself?"""
    if not text or text != text.strip() or "\n" in text:
        return False
    if text[0] in "?:,[]{}#&*!|>'\"%@`" or text[0] == "-" and text[1:2] in ("", " "):
        return False
    if ": " in text or " #" in text or "\t#" in text or text.endswith(":"):
        return False
    return not (in_flow and any(ch in text for ch in ",[]{}:"))


def _quoted(text: str, style: str) -> str:
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    import json

    return json.dumps(text, ensure_ascii=False)


def _edits(site: _Site, source: SourceFile, width: int) -> list[tuple[int, int, str]]:
    """Plain and quoted scalars keep their style while the text fits on one line; otherwise they become `|` blocks."""
    scalar = site.scalar
    raw = source.text
    start, end = scalar.span.start, scalar.span.end
    if scalar.style in ("|", ">"):
        return _block_edits(scalar, source, width)
    column = _column(source, start) + (1 if scalar.style else 0)
    if site.in_flow:  # no block can stand inside [ ] or { }: one line, quoted when plain will not do
        layout = layout_expression(scalar.value, column, width=1 << 30, force=False)
        if layout.lines is None or len(layout.lines) != 1:
            return []
        text = layout.lines[0]
        new = text if scalar.style is None and _plain_ok(text, in_flow=True) else _quoted(text, scalar.style or '"')
        return [] if new == raw[start:end] else [(start, end, new)]
    layout = layout_expression(scalar.value, column, width, force="\n" in raw[start:end])
    if layout.lines is None:
        return []
    if len(layout.lines) == 1:
        text = layout.lines[0]
        if scalar.style is not None:
            new = _quoted(text, scalar.style)
        elif _plain_ok(text, in_flow=False):
            new = text
        else:
            new = ""
        if new:
            return [] if new == raw[start:end] else [(start, end, new)]
    # a `|` block in place of the scalar: the header here, its lines after the rest of this line (a comment, say)
    lines = layout_expression(scalar.value, site.block_indent, width, force=True).lines
    assert lines is not None
    body = "".join(" " * site.block_indent + line + "\n" for line in lines)
    line_end = raw.find("\n", end)
    if line_end == -1:
        return [(start, end, "|"), (len(raw), len(raw), "\n" + body.rstrip("\n"))]
    return [(start, end, "|"), (line_end + 1, line_end + 1, body)]


def _block_edits(scalar: YScalar, source: SourceFile, width: int) -> list[tuple[int, int, str]]:
    """A `|` or `>` block keeps its header and indentation; its content lines are replaced."""
    raw = source.text
    header_end = raw.find("\n", scalar.span.start)
    if header_end == -1 or header_end >= scalar.span.end:
        return []
    header = raw[scalar.span.start:header_end].split("#")[0]
    if any(ch.isdigit() for ch in header):
        return []  # an explicit indentation indicator: left as written
    content_start = header_end + 1
    content = raw[content_start:scalar.span.end]
    last = content.find("\n", len(content.rstrip(" \n")))  # the end of the last line with text
    written = content[:last] if last != -1 else content
    first = next((line for line in written.split("\n") if line.strip()), "")
    indent = len(first) - len(first.lstrip(" "))
    layout = layout_expression(scalar.value, indent, width, force="\n" in written.strip())
    if layout.lines is None or scalar.style == ">" and layout.has_comments:
        return []  # comments in a folded block would swallow the lines after them
    new = "\n".join(" " * indent + line for line in layout.lines)
    return [] if new == written else [(content_start, content_start + len(written), new)]
