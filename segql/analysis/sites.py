"""Where the expressions of a file are (segment `where`s, schema traits, channel consent), and the tokens of one.

A Site maps each character of an expression (a YAML scalar's value) to its file offset, so the assists of
segql.analysis.assist work on expression text and answer in file offsets. Imports segql.syntax, never lark or yaml.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from segql.diagnostics import DiagnosticError
from segql.source import SourceFile
from segql.syntax.expect import call_words, keyword_words
from segql.syntax.scan import regions
from segql.syntax.segments import TREE_KEYS
from segql.syntax.yamlpos import YMap, YNode, YScalar, YSeq, load_yaml

WHERE, TRAIT, CONSENT, PRIORITY = "where", "trait", "consent", "priority"


@dataclass(frozen=True, slots=True)
class Site:
    """One expression of a file: its text, the file offset of each character (one more for the end), what it is
    (`where` of a segment, a `trait`, a channel's `consent`, a segment named by a `priority` list) and whose (the
    segment, trait, channel or priority list's name)."""

    text: str
    offsets: tuple[int, ...]
    role: str
    owner: str

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        return self.offsets[-1]

    def index(self, offset: int) -> int:
        """The position in `text` of a file offset inside the site."""
        return min(bisect_left(self.offsets, offset), len(self.text))

    def covers(self, offset: int) -> bool:
        return self.start <= offset <= self.end


def yaml_root(source: SourceFile | None) -> YMap | None:
    """The top mapping of a file, or None when its YAML is broken or holds something else."""
    if source is None:
        return None
    try:
        root = load_yaml(source)
    except DiagnosticError:
        return None
    return root if isinstance(root, YMap) else None


def sites(source: SourceFile, kind: str) -> list[Site]:
    """Every expression of a file of the given kind (`segment`, `schema`, `project`); [] when its YAML is broken."""
    root = yaml_root(source)
    if root is None:
        return []
    out: list[Site] = []
    if kind == "segment":
        for name, mapping in segment_mappings(root, source):
            where = mapping.get("where")
            if where is not None:
                out += [_site(s, WHERE, name) for s in _where_scalars(where)]
            listed = mapping.get("priority")
            for item in listed.items if isinstance(listed, YSeq) else []:
                if isinstance(item, YScalar) and not item.is_null:
                    out.append(_site(item, PRIORITY, name))
    elif kind == "schema":
        traits = root.get("traits")
        for key, value in traits.items if isinstance(traits, YMap) else []:
            if isinstance(value, YScalar) and not value.is_null:
                out.append(_site(value, TRAIT, key.value))
    elif kind == "project":
        channels = root.get("channels")
        for key, value in channels.items if isinstance(channels, YMap) else []:
            requires = value.get("requires") if isinstance(value, YMap) else None
            if isinstance(requires, YScalar) and not requires.is_null:
                out.append(_site(requires, CONSENT, key.value))
    return out


def segment_mappings(root: YMap, source: SourceFile) -> list[tuple[str, YMap]]:
    """(name, mapping) of each segment of a segment file: the file itself, or each entry of its `segments:` list
    (a segment without `name:` is named after its file)."""
    listed = root.get("segments")
    mappings = [m for m in listed.items if isinstance(m, YMap)] if isinstance(listed, YSeq) else [root]
    out = []
    for mapping in mappings:
        node = mapping.get("name")
        out.append((node.value if isinstance(node, YScalar) and not node.is_null else Path(source.path).stem, mapping))
    return out


def _site(scalar: YScalar, role: str, owner: str) -> Site:
    return Site(scalar.value, tuple(scalar.offsets()), role, owner)


def _where_scalars(node: YNode) -> list[YScalar]:
    if isinstance(node, YScalar):
        return [] if node.is_null else [node]
    if isinstance(node, YSeq):
        return [s for item in node.items for s in _where_scalars(item)]
    return [s for key, value in node.items if key.value in TREE_KEYS for s in _where_scalars(value)]


def site_at(found: list[Site], offset: int) -> Site | None:
    return next((s for s in found if s.covers(offset)), None)


# ---- tokens ----


@dataclass(frozen=True, slots=True)
class Token:
    """kind: name (dotted allowed), keyword (a word of a grammar keyword, lower-cased in `word`), param, number,
    date, string, op, other; start/end index the site's text."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.lower()


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<date>\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*)?)?)
  | (?P<op><=|>=|!=|=|<|>|[-+*/%(),\[\]])
  | (?P<other>.)
""", re.VERBOSE)


def tokens(text: str) -> list[Token]:
    """The tokens of expression text; comments are left out, an unclosed string runs to the end of its line."""
    out: list[Token] = []
    words, calls = keyword_words(), call_words()
    for kind, start, end in regions(text):
        if kind == "comment":
            continue
        if kind == "string":
            out.append(Token("string", text[start:end], start, end))
            continue
        for match in _TOKEN.finditer(text, start, end):
            group = match.lastgroup or "other"
            if group == "space":
                continue
            value = match.group()
            if group == "name" and value.lower() in words and (value.lower() not in calls
                                                               or text[match.end():].lstrip().startswith("(")):
                group = "keyword"  # `mode(` is the aggregate, `mode` alone may be an attribute
            out.append(Token(group, value, match.start(), match.end()))
    return out


def string_is_open(token: Token) -> bool:
    body = token.text
    return len(body) < 2 or body[-1] != body[0] or body.endswith("\\" + body[0]) and not body.endswith("\\\\" + body[0])
