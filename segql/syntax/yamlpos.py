"""YAML with positions: PyYAML's composer turned into small nodes that remember their spans.

Duplicate keys, syntax errors and unreadable files become diagnostics. The only module importing yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.limits import MAX_FILE_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, size_text
from segql.source import SourceFile, Span

try:  # libyaml is several times faster; fall back to pure Python when the wheel lacks it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"


@dataclass(eq=False, slots=True)
class YScalar:
    value: str
    span: Span
    tag: str  # str, int, float, bool, null, timestamp, ...
    style: str | None  # None (plain), "'", '"', "|", ">"
    _offsets: list[int] | None = field(default=None, repr=False)

    @property
    def is_null(self) -> bool:
        return self.tag == "null"

    def offsets(self) -> list[int]:
        """File offset of every character of `value` (plus one past the end)."""
        if self._offsets is None:
            self._offsets = _align(self)
        return self._offsets


@dataclass(eq=False, slots=True)
class YMap:
    items: list[tuple[YScalar, YNode]]
    span: Span

    def get(self, key: str) -> YNode | None:
        for k, v in self.items:
            if k.value == key:
                return v
        return None

    def key(self, key: str) -> YScalar | None:
        for k, _ in self.items:
            if k.value == key:
                return k
        return None


@dataclass(eq=False, slots=True)
class YSeq:
    items: list[YNode]
    span: Span


YNode = YScalar | YMap | YSeq

KIND_NAMES = {YScalar: "a single value", YMap: "a mapping (key: value)", YSeq: "a list"}


def describe(node: YNode) -> str:
    return KIND_NAMES[type(node)]


def read_source(path: str, display: str | None = None) -> SourceFile:
    """Read a file as UTF-8 text with `\n` line breaks (YAML also reads CRLF and a lone CR as one); anything else
    is diagnostic E100, and a file over MAX_FILE_BYTES is E108 (read no further than that, so a link to /dev/zero
    costs nothing)."""
    shown = display or path
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise DiagnosticError([Diagnostic("E100", f"cannot read `{shown}`: {err.strerror}",
                                          Span(SourceFile(shown, ""), 0, 0))]) from None
    if len(data) > MAX_FILE_BYTES:
        raise DiagnosticError([Diagnostic("E108", f"`{shown}` is larger than {size_text(MAX_FILE_BYTES)}, the most "
                                          "segql reads of one file", Span(SourceFile(shown, ""), 0, 0), "",
                                          "split it into several files (segments may be one per file)")])
    if b"\x00" in data:
        raise DiagnosticError([Diagnostic("E100", f"`{shown}` is a binary file, not YAML text",
                                          Span(SourceFile(shown, ""), 0, 0), "",
                                          "keep only segment YAML files in the segments folder")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DiagnosticError([Diagnostic("E100", f"`{shown}` is not UTF-8 text (byte {err.start})",
                                          Span(SourceFile(shown, ""), 0, 0), "",
                                          "save the file as UTF-8")]) from None
    return SourceFile(shown, text.replace("\r\n", "\n").replace("\r", "\n"))  # YAML's line breaks, all three


def load_yaml(source: SourceFile) -> YNode | None:
    """Compose one YAML document into positioned nodes; None for an empty document."""
    try:
        node = yaml.compose(source.text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        offset = _mark_offset(source, mark) if mark is not None else 0
        problem = err.problem or err.context or "invalid YAML"
        hint = ""
        context = err.context_mark
        if offset < len(source.text) and source.text[offset] == "\t":
            hint = "YAML does not allow tabs for indentation; use spaces"
        elif "mapping values are not allowed" in problem:
            hint = "a value containing `: ` must be quoted, or written as a block (`|`)"
        elif "found unexpected end of stream" in problem:
            hint = "a quoted value is never closed"
        elif "expected a single document" in problem or "but found another document" in problem:
            hint = "put one document in each file (remove the extra `---`)"
        elif context is not None and mark is not None and context.line != mark.line and err.context:
            hint = f"{err.context} that started on line {context.line + 1}"
        end = min(offset + 1, len(source.text))
        raise DiagnosticError([Diagnostic("E101", f"invalid YAML: {problem}", Span(source, offset, end),
                                          "here", hint)]) from None
    except yaml.YAMLError as err:
        raise DiagnosticError([Diagnostic("E101", f"invalid YAML: {err}", Span(source, 0, 0))]) from None
    except RecursionError:
        raise DiagnosticError([Diagnostic("E101", "invalid YAML: nested too deeply", Span(source, 0, 0))]) from None
    if node is None:
        return None
    problems: list[Diagnostic] = []
    try:
        result = _Converter(source, problems).convert(node, 0)
    except _TooMuch as err:
        raise DiagnosticError([err.diagnostic]) from None
    if problems:
        raise DiagnosticError(problems)
    return result


def _mark_offset(source: SourceFile, mark: yaml.Mark) -> int:
    # libyaml counts offsets in characters like the pure-Python reader; line/column are
    # the reliable pair, so compute the offset from them.
    starts = source.line_starts()
    if mark.line >= len(starts):
        return len(source.text)
    end = starts[mark.line + 1] - 1 if mark.line + 1 < len(starts) else len(source.text)
    return min(starts[mark.line] + mark.column, end)


def _node_span(node: yaml.Node, source: SourceFile) -> Span:
    return Span(source, _mark_offset(source, node.start_mark), _mark_offset(source, node.end_mark))


class _TooMuch(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _Converter:
    """PyYAML's node graph as positioned nodes. An alias (`*name`) is the very node its anchor (`&name`) marks, so
    the graph may share nodes, or even contain itself (`tags: &a [*a]`): each node is counted every time it is
    reached, and the conversion stops at MAX_YAML_NODES (519 bytes of nested aliases once took 22 GB) and at a
    node reached from inside itself."""

    def __init__(self, source: SourceFile, problems: list[Diagnostic]) -> None:
        self.source = source
        self.problems = problems
        self.count = 0
        self.open: set[int] = set()  # the nodes being converted: the path from the root

    def convert(self, node: yaml.Node, depth: int) -> YNode:
        source = self.source
        span = _node_span(node, source)
        if depth > MAX_YAML_DEPTH:
            self.problems.append(Diagnostic("E101", "invalid YAML: nested too deeply", span, "",
                                            f"segql reads at most {MAX_YAML_DEPTH} levels of mappings and lists"))
            return YScalar("", span, "null", None)
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise _TooMuch(Diagnostic("E108", f"this YAML expands to more than {MAX_YAML_NODES} values", span,
                                      "expanded here", "aliases (`*name`) repeat their anchor's whole value each "
                                      "time; write fewer of them, or split the file"))
        if isinstance(node, yaml.ScalarNode):
            tag = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
            return YScalar(node.value, span, tag, node.style or None)
        if id(node) in self.open:
            raise _TooMuch(Diagnostic("E108", "a YAML alias is used inside the value of its own anchor", span,
                                      "this value contains itself", "an anchor (`&name`) cannot be used (`*name`) "
                                      "inside the value it marks: it would never end"))
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return YSeq([self.convert(item, depth + 1) for item in node.value], span)
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node, span, depth)
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, span: Span, depth: int) -> YMap:
        items: list[tuple[YScalar, YNode]] = []
        seen: dict[str, YScalar] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, depth + 1)
            value = self.convert(value_node, depth + 1)
            if not isinstance(key, YScalar):
                self.problems.append(Diagnostic("E103", "a key must be a plain name, not " + describe(key), key.span,
                                                "not a valid key"))
                continue
            if key.value in seen:
                first = seen[key.value]
                line = first.span.line
                self.problems.append(Diagnostic("E102", f"duplicate key `{key.value}`", key.span,
                                                f"already given on line {line}",
                                                "remove one of them; YAML would silently keep only the last"))
                continue
            seen[key.value] = key
            items.append((key, value))
        return YMap(items, span)


def _align(scalar: YScalar) -> list[int]:
    """Map each character of a scalar's value to its offset in the file.

    Block scalars drop indentation and the header line; plain and folded scalars fold line
    breaks; quoted scalars have escapes. Walking value and raw text together handles all of
    them: equal characters map one to one, extra raw whitespace and escape characters are skipped.
    """
    source = scalar.span.source
    assert source is not None
    raw = source.text
    value = scalar.value
    j = scalar.span.start
    end = max(scalar.span.end, j)
    if scalar.style in ("|", ">"):
        newline = raw.find("\n", j)
        j = newline + 1 if newline != -1 else end
    elif scalar.style in ("'", '"'):
        j += 1
    offsets: list[int] = []
    for ch in value:
        while j < end:
            r = raw[j]
            if r == ch:
                break
            if scalar.style == '"' and r == "\\":
                break
            if scalar.style == "'" and r == "'" and ch == "'":
                break
            if ch in " \n" and r in " \t\n":
                break
            j += 1
        offsets.append(min(j, end))
        if j < end:
            r = raw[j]
            if scalar.style == '"' and r == "\\" and ch != "\\" or scalar.style == '"' and raw[j:j + 2] == "\\\\":
                j += _escape_length(raw, j)
            elif scalar.style == "'" and raw[j:j + 2] == "''":
                j += 2
            else:
                j += 1
    offsets.append(min(j, end) if value else scalar.span.start)
    return offsets


def _escape_length(raw: str, j: int) -> int:
    nxt = raw[j + 1:j + 2]
    return {"x": 4, "u": 6, "U": 10}.get(nxt, 2)


class Shape:
    """Checks the shape of loaded YAML (kinds of values, known and required keys), collecting
    diagnostics instead of stopping at the first one."""

    def __init__(self, problems: list[Diagnostic] | None = None) -> None:
        self.problems: list[Diagnostic] = [] if problems is None else problems

    def error(self, code: str, message: str, span: Span, label: str = "", hint: str = "") -> None:
        self.problems.append(Diagnostic(code, message, span, label, hint))

    def mapping(self, node: YNode | None, what: str) -> YMap | None:
        if node is None or isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.is_null:
            return None
        self.error("E103", f"{what} must be a mapping (key: value), not {describe(node)}", node.span,
                   "expected a mapping here")
        return None

    def sequence(self, node: YNode | None, what: str) -> YSeq | None:
        if node is None or isinstance(node, YSeq):
            return node
        if isinstance(node, YScalar) and node.is_null:
            return None
        self.error("E103", f"{what} must be a list, not {describe(node)}", node.span, "expected a list here",
                   "write the items as `[a, b]` or one `- item` per line")
        return None

    def scalar(self, node: YNode | None, what: str) -> YScalar | None:
        if node is None or isinstance(node, YScalar):
            return node
        self.error("E103", f"{what} must be a single value, not {describe(node)}", node.span,
                   "expected a single value here")
        return None

    def text(self, node: YNode | None, what: str, default: str = "") -> str:
        scalar = self.scalar(node, what)
        return default if scalar is None or scalar.is_null else scalar.value

    def flag(self, node: YNode | None, what: str) -> bool:
        scalar = self.scalar(node, what)
        if scalar is None or scalar.is_null:
            return False
        if scalar.tag != "bool":
            self.error("E107", f"{what} must be true or false, not `{scalar.value}`", scalar.span, "not a boolean")
            return False
        return scalar.value.lower() in ("true", "yes", "on", "y")

    def keys(self, node: YMap, allowed: tuple[str, ...], what: str, required: tuple[str, ...] = ()) -> None:
        from segql.diagnostics import did_you_mean

        for key, _ in node.items:
            if key.value not in allowed:
                hint = did_you_mean(key.value, allowed) or "the keys allowed here are " + ", ".join(f"`{a}`" for a in allowed)
                self.error("E105", f"unknown key `{key.value}` in {what}", key.span, "not a known key", hint)
        for name in required:
            if node.get(name) is None:
                end = Span(node.span.source, node.span.start, max(node.span.start, min(node.span.start + 1, node.span.end)))
                self.error("E104", f"{what} has no `{name}`", end, f"`{name}` is required", f"add `{name}: …`")
