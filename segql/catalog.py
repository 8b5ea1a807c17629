"""`segql docs`: a static HTML catalog of a checked project — its segments, their SQL, the schema they read.

Pure: from an api.Workspace to {relative path: HTML text}; writes, prints and connects to nothing, so it can
never show customer data (pii attributes are only named). SQL comes from segql.api; sqlglot loads there, lazily.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePosixPath
from typing import Any

from segql import __version__, api, ast
from segql.check import tree as t
from segql.diagnostics import DiagnosticError
from segql.schema import Attribute
from segql.source import Span
from segql.syntax.yamlpos import YMap, YNode, YScalar, YSeq, load_yaml

DIALECT_TITLES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "snowflake": "Snowflake"}
GENERATOR = "segql docs"  # the generator <meta> of every page: how `segql docs` recognises pages it wrote

STYLE = """\
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:75rem;margin:0 auto;\
padding:1rem 1.5rem 3rem}
nav{border-bottom:1px solid #d0d7de;padding:.5rem 0;margin-bottom:1rem}nav a{margin-right:1.25rem}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
h1{margin:.5rem 0}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}h3{margin-bottom:.25rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.75rem;overflow-x:auto;line-height:1.35}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1.25rem}dt{font-weight:600}dd{margin:0}
.badge{display:inline-block;border-radius:4px;padding:0 .35rem;font-size:.8em;background:#ddf4ff;color:#0a3069;\
margin-right:.2rem}
.pii{background:#ffebe9;color:#82071e;font-weight:600}
.muted{color:#656d76}
footer{margin-top:3rem;color:#656d76;font-size:.85em}
"""


@dataclass(slots=True)
class Site:
    """The pages of a catalog by relative path (`index.html`, `segments/vip.html`), sorted; and the SQL that
    could not be compiled, as (segment, dialect, why) — shown on the segment's page instead of its SQL."""

    pages: dict[str, str]
    unavailable: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Reads:
    """What a segment's SQL reads, through its traits and the segments it refers to included."""

    attributes: frozenset[tuple[str, str, str]]  # (scope, owner, attribute): customer, lookup or event
    events: frozenset[str]
    traits: frozenset[str]


def build_site(ws: api.Workspace, dialects: Iterable[str] = tuple(DIALECT_TITLES),
               as_of: dt.date | None = None) -> Site:
    """Every page of the catalog: index.html, schema.html and segments/NAME.html for each segment, with its
    SQL for each dialect as of `as_of` (None: the SQL reads the current date when it runs, as `segql compile`)."""
    return _Catalog(ws, tuple(dialects), as_of).build()


# ---- what segments use and read ----


def nodes(expr: Any, *, into_traits: bool, into_segments: bool) -> Iterator[Any]:
    """Every node of a checked tree; into trait bodies and referenced segments only when asked."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(reversed(node))
            continue
        if not dataclasses.is_dataclass(node) or isinstance(node, (type, t.Type)):
            continue
        yield node
        if isinstance(node, t.TraitRef) and not into_traits or isinstance(node, t.SegmentRef) and not into_segments:
            continue
        stack.extend(reversed([getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "span"]))


def direct_segments(segment: t.CheckedSegment) -> list[str]:
    """The segments a segment names with `in segment` (in its own condition or its traits'), sorted."""
    found = nodes(segment.condition, into_traits=True, into_segments=False)
    return sorted({n.name for n in found if isinstance(n, t.SegmentRef)})


def direct_traits(segment: t.CheckedSegment) -> list[str]:
    """The traits a segment's own condition names, sorted."""
    found = nodes(segment.condition, into_traits=False, into_segments=False)
    return sorted({n.name for n in found if isinstance(n, t.TraitRef)})


def reads(segment: t.CheckedSegment) -> Reads:
    attributes, events, traits = set(), set(), set()
    for node in nodes(segment.condition, into_traits=True, into_segments=True):
        if isinstance(node, t.Column):
            attributes.add((node.scope, "" if node.scope == "customer" else node.owner, node.attribute))
            if node.scope == "event":
                events.add(node.owner)
        elif isinstance(node, t.Aggregate):
            events.add(node.event)
        elif isinstance(node, t.TraitRef):
            traits.add(node.name)
    return Reads(frozenset(attributes), frozenset(events), frozenset(traits))


# ---- reading the YAML again for what the models do not keep (descriptions, source text) ----


def _yaml(source: Any) -> YNode | None:
    try:
        return load_yaml(source) if source is not None else None
    except DiagnosticError:
        return None


def _at(node: YNode | None, *path: str) -> YNode | None:
    for key in path:
        node = node.get(key) if isinstance(node, YMap) else None
    return node


def _text(node: YNode | None) -> str:
    return node.value if isinstance(node, YScalar) and not node.is_null else ""


def _span_text(span: Span) -> str:
    """The text of a span as written, from the start of its first line when only indentation precedes it,
    dedented: a `where:` tree or an expression in a YAML block keeps its layout and comments."""
    if span.source is None:
        return ""
    text = span.source.text
    line_start = text.rfind("\n", 0, span.start) + 1
    start = line_start if not text[line_start:span.start].strip() else span.start
    return textwrap.dedent(text[start:span.end]).strip("\n").rstrip()


def _segment_node(definition: ast.SegmentDef, root: YNode | None) -> YMap | None:
    """The mapping of a segment in its file: the file itself, or its entry in a `segments:` list."""
    listed = _at(root, "segments")
    if isinstance(listed, YSeq):
        for item in listed.items:
            if isinstance(item, YMap) and _text(item.get("name")) == definition.name:
                return item
        return None
    return root if isinstance(root, YMap) else None


# ---- HTML ----


def _link(href: str, text: str, cls: str = "") -> str:
    attr = f' class="{escape(cls)}"' if cls else ""
    return f'<a href="{escape(href)}"{attr}>{escape(text)}</a>'


def anchor(kind: str, text: str) -> str:
    """A fragment id for any text (a tag, an owner): letters, digits, `_` and `-` kept, any other character
    written as `.hex.`, so that different texts never share an id."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", lambda m: f".{ord(m.group()):x}.", text)


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _pre(text: str, ident: str = "") -> str:
    attr = f' id="{escape(ident)}"' if ident else ""
    return f"<pre{attr}><code>{escape(text)}</code></pre>"


def _paragraphs(text: str) -> str:
    parts = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>" for p in parts)


PII_BADGE = '<span class="badge pii" title="pii: true in schema.yml">PII</span>'


def _table(headers: list[str], rows: list[list[str]], empty: str = "none") -> str:
    """A table of HTML cells (already escaped by the caller)."""
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def _type_text(typ: t.Type) -> str:
    return f"enum ({', '.join(typ.values)})" if typ.kind == "enum" and typ.values else str(typ)


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _page(title: str, body: str, project: str, depth: int) -> str:
    up = "../" * depth
    nav = f'<nav>{_link(up + "index.html", "Segments")}{_link(up + "schema.html", "Schema")}</nav>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{GENERATOR}">\n'
        f"<title>{escape(title)} · {escape(project)}</title>\n"
        f"<style>\n{STYLE}</style>\n</head>\n<body>\n{nav}\n<main>\n{body}\n</main>\n"
        f"<footer>Generated by segql {escape(__version__)} from the project's files; it holds no customer "
        "data.</footer>\n</body>\n</html>\n"
    )


def _page_files(names: Iterable[str]) -> dict[str, str]:
    """Each segment's page, `segments/NAME.html`; names that differ only in case (one file on macOS and
    Windows) get `NAME-2.html`, `-3`… in sorted order (`-` never appears in a segment name)."""
    files: dict[str, str] = {}
    taken: dict[str, int] = {}
    for name in sorted(names):
        folded = name.casefold()
        taken[folded] = taken.get(folded, 0) + 1
        suffix = f"-{taken[folded]}" if taken[folded] > 1 else ""
        files[name] = f"segments/{name}{suffix}.html"
    return files


# ---- the pages ----


class _Catalog:
    def __init__(self, ws: api.Workspace, dialects: tuple[str, ...], as_of: dt.date | None) -> None:
        self.ws = ws
        self.schema = ws.loaded.schema
        self.dialects = dialects
        self.as_of = as_of
        self.project_name = ws.project.name
        self.segments = {s.name: s for s in ws.segments([])}
        self.files = _page_files(self.segments)
        self.uses = {name: direct_segments(s) for name, s in self.segments.items()}
        self.used_by: dict[str, list[str]] = {name: [] for name in self.segments}
        for name, used in self.uses.items():
            for other in used:
                self.used_by.setdefault(other, []).append(name)
        self.reads = {name: reads(s) for name, s in self.segments.items()}
        self.read_by: dict[tuple[str, ...], list[str]] = {}  # ("attribute", scope, owner, name), ("event", name)…
        for name, found in self.reads.items():
            keys = [("attribute", *a) for a in found.attributes] + [("event", e) for e in found.events] + [
                ("trait", tr) for tr in found.traits]
            for key in keys:
                self.read_by.setdefault(key, []).append(name)
        self.schema_yaml = _yaml(self.schema.source)
        self.project_yaml = _yaml(ws.project.source)
        self.unavailable: list[tuple[str, str, str]] = []
        self._files: dict[int, YNode | None] = {}  # a segment file's YAML by id(SourceFile): read once per file

    def file_yaml(self, source: Any) -> YNode | None:
        if id(source) not in self._files:
            self._files[id(source)] = _yaml(source)
        return self._files[id(source)]

    def build(self) -> Site:
        pages = {"index.html": self.index(), "schema.html": self.schema_page()}
        for name, segment in self.segments.items():
            pages[self.files[name]] = self.segment_page(segment)
        return Site(dict(sorted(pages.items())), self.unavailable)

    # links from a page at `depth` folders below the site's root

    def segment_link(self, name: str, depth: int) -> str:
        href = PurePosixPath(self.files[name]).name if depth == 1 else self.files[name]
        return _link(href, name)

    def segment_links(self, names: Iterable[str], depth: int) -> str:
        return ", ".join(self.segment_link(n, depth) for n in sorted(names)) or '<span class="muted">none</span>'

    def schema_link(self, anchor: str, text: str, depth: int) -> str:
        return _link("../" * depth + f"schema.html#{anchor}", text)

    def attribute_of(self, scope: str, owner: str, name: str) -> Attribute | None:
        if scope == "customer":
            return self.schema.attributes.get(name)
        table = self.schema.lookups.get(owner) if scope == "lookup" else self.schema.events.get(owner)
        return table.attributes.get(name) if table is not None else None

    def as_of_html(self) -> str:
        if self.as_of is not None:
            return f"as of {escape(self.as_of.isoformat())}"
        return (f"without a pinned as-of date (<code>today</code> is the current date in "
                f"{escape(self.ws.project.timezone)} when the SQL runs)")

    # index.html

    def index(self) -> str:
        project = self.ws.project
        rows = []
        for name, segment in self.segments.items():
            d = segment.definition
            params = ", ".join(f"${p.name}: {p.type}" + (f" = {_value_text(p.default)}" if p.default is not None
                                                          else "") for p in segment.params)
            owner = _link(f"#{anchor('owner', d.owner)}", d.owner) if d.owner else ""
            rows.append([self.segment_link(name, 0), escape(" ".join(d.description.split())), owner,
                         " ".join(_link(f"#{anchor('tag', tag)}", tag, "badge") for tag in d.tags),
                         self.schema_link(f"channel-{d.channel}", d.channel, 0) if d.channel else "",
                         escape(params)])
        body = [f"<h1>{escape(project.name)}</h1>", _paragraphs(_text(_at(self.project_yaml, "description"))),
                f"<p>{len(self.segments)} segment{'s' if len(self.segments) != 1 else ''} over the "
                f"{_link('schema.html', 'customer schema')} (<code>{escape('.'.join(self.schema.table))}</code>). "
                f"SQL is shown for {escape(', '.join(DIALECT_TITLES.get(d, d) for d in self.dialects))}, "
                f"compiled {self.as_of_html()}.</p>",
                "<h2>Segments</h2>",
                _table(["Segment", "Description", "Owner", "Tags", "Channel", "Parameters"], rows, "no segments")]
        for kind, key in (("tag", lambda s: s.definition.tags), ("owner", lambda s: (s.definition.owner,))):
            groups = self.grouped(key)
            if groups:
                body.append(f'<h2 id="{kind}s">By {kind}</h2>')
                body.append(_table([kind.capitalize(), "Segments"], [
                    [f'<span id="{escape(anchor(kind, g))}">{escape(g)}</span>', self.segment_links(names, 0)]
                    for g, names in groups.items()]))
        return _page("Segments", "\n".join(b for b in body if b), self.project_name, 0)

    def grouped(self, key: Callable[[t.CheckedSegment], Iterable[str]]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for name, segment in self.segments.items():
            for group in key(segment):
                if group:
                    groups.setdefault(group, []).append(name)
        return dict(sorted(groups.items()))

    # segments/NAME.html

    def segment_page(self, segment: t.CheckedSegment) -> str:
        d = segment.definition
        name = segment.name
        node = _segment_node(d, self.file_yaml(d.span.source))
        body = [f"<h1>{escape(name)}</h1>", _paragraphs(d.description) or '<p class="muted">No description.</p>']
        facts = []
        if d.owner:
            facts.append(("Owner", _link(f"../index.html#{anchor('owner', d.owner)}", d.owner)))
        if d.tags:
            facts.append(("Tags", " ".join(_link(f"../index.html#{anchor('tag', tag)}", tag, "badge")
                                           for tag in d.tags)))
        if d.channel:
            channel = self.ws.project.channels.get(d.channel)
            requires = f" — only customers with {_code(channel.text)} (added to the condition)" if channel else ""
            facts.append(("Channel", self.schema_link(f"channel-{d.channel}", d.channel, 1) + requires))
        path = d.span.path
        facts.append(("File", _code(PurePosixPath(path).name if PurePosixPath(path).is_absolute() else path)))
        body.append("<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")

        where = _at(node, "where")
        text = where.value.strip("\n").rstrip() if isinstance(where, YScalar) else _span_text(
            where.span if where is not None else d.where.span)
        body += ["<h2>Condition</h2>", _pre(text, "condition")]

        rows = []
        for spec in segment.params:
            rows.append([_code("$" + spec.name), escape(str(spec.type)),
                         _code(_value_text(spec.default)) if spec.default is not None
                         else '<span class="muted">none: pass <code>--param</code></span>',
                         escape(_text(_at(node, "params", spec.name, "description")))])
        body += ["<h2>Parameters</h2>", _table(["Parameter", "Type", "Default", "Description"], rows)]

        body += ["<h2>References</h2>", self.references(segment)]
        body += ["<h2>Schema it reads</h2>",
                 '<p class="muted">Through its traits and the segments it refers to, too.</p>', self.reads_table(name)]
        body += ["<h2>SQL</h2>", f"<p>Compiled {self.as_of_html()}, with the parameters' defaults.</p>"]
        for dialect in self.dialects:
            body.append(f"<h3>{escape(DIALECT_TITLES.get(dialect, dialect))}</h3>")
            body.append(f'<p class="muted">{_code(self.compile_command(name, dialect))}</p>')
            try:
                sql = api.compile_sql(self.ws, segment, dialect, self.as_of)
            except DiagnosticError as err:
                why = "; ".join(x.message + (f" ({x.hint})" if x.hint else "") for x in err.diagnostics)
                self.unavailable.append((name, dialect, why))
                body.append(f'<p class="muted" id="sql-{escape(dialect)}">No SQL: {escape(why)}</p>')
                continue
            body.append(_pre(sql + ";", f"sql-{dialect}"))
        return _page(name, "\n".join(body), self.project_name, 1)

    def compile_command(self, name: str, dialect: str) -> str:
        pinned = f" --as-of {self.as_of.isoformat()}" if self.as_of is not None else ""
        return f"segql compile {name} --dialect {dialect}{pinned}"

    def references(self, segment: t.CheckedSegment) -> str:
        name = segment.name
        direct, users = self.uses[name], self.used_by.get(name, [])
        indirect = sorted(set(segment.references) - set(direct) - {name})
        users_indirect = sorted(n for n, s in self.segments.items() if name in s.references and n not in users)
        traits = ", ".join(self.schema_link(f"trait-{tr}", tr, 1) for tr in direct_traits(segment))
        rows = [("Segments it uses", self.segment_links(direct, 1) + self.through(indirect)),
                ("Traits it uses", traits or '<span class="muted">none</span>'),
                ("Segments using it", self.segment_links(users, 1) + self.through(users_indirect))]
        return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"

    def through(self, names: list[str]) -> str:
        if not names:
            return ""
        return f' <span class="muted">and, through them,</span> {self.segment_links(names, 1)}'

    def reads_table(self, name: str) -> str:
        found = self.reads[name]
        rows = []
        customer = [a for scope, _, a in found.attributes if scope == "customer"]
        if customer:
            rows.append([f"customer ({_code('.'.join(self.schema.table))})",
                         self.attribute_links("customer", "", customer, "attr-")])
        for lookup in sorted({o for scope, o, _ in found.attributes if scope == "lookup"}):
            table = self.schema.lookups[lookup]
            attrs = [a for scope, o, a in found.attributes if scope == "lookup" and o == lookup]
            rows.append([f"lookup {self.schema_link(f'lookup-{lookup}', lookup, 1)} ({_code('.'.join(table.table))})",
                         self.attribute_links("lookup", lookup, attrs, f"lookup-{lookup}-")])
        for event in sorted(found.events):
            table_e = self.schema.events[event]
            attrs = [a for scope, o, a in found.attributes if scope == "event" and o == event]
            rows.append([f"event {self.schema_link(f'event-{event}', event, 1)} ({_code('.'.join(table_e.table))})",
                         self.attribute_links("event", event, attrs, f"event-{event}-")
                         if attrs else '<span class="muted">counted, no attribute read</span>'])
        return _table(["Table", "Attributes"], rows, "nothing: the condition is constant")

    def attribute_links(self, scope: str, owner: str, names: Iterable[str], prefix: str) -> str:
        out = []
        for attr in sorted(set(names)):
            found = self.attribute_of(scope, owner, attr)
            out.append(self.schema_link(prefix + attr, attr, 1) + (" " + PII_BADGE if found and found.pii else ""))
        return ", ".join(out)

    # schema.html

    def readers(self, *key: str) -> str:
        return self.segment_links(self.read_by.get(key, []), 0)

    def attributes_table(self, scope: str, owner: str, attributes: dict[str, Attribute], prefix: str) -> str:
        rows = []
        for name, attr in attributes.items():
            rows.append([f'<span id="{escape(prefix + name)}">{_code(name)}</span>'
                         + (" " + PII_BADGE if attr.pii else ""),
                         escape(_type_text(attr.type)), _code(attr.column) if attr.column != name else "",
                         escape(attr.description), self.readers("attribute", scope, owner, name)])
        return _table(["Attribute", "Type", "Column", "Description", "Read by"], rows, "no attributes")

    def schema_page(self) -> str:
        s = self.schema
        top = self.schema_yaml
        body = [f"<h1>Schema: {escape(s.entity)}</h1>", _paragraphs(_text(_at(top, "description"))),
                f"<dl><dt>Customer table</dt><dd>{_code('.'.join(s.table))}</dd>"
                f"<dt>Key</dt><dd>{_code(s.key)}</dd><dt>Time zone</dt><dd>{escape(self.ws.project.timezone)}</dd></dl>",
                f'<p>Attributes marked {PII_BADGE} are personal data (<code>pii: true</code>): segql shows them in '
                "output only when asked for by name. This catalog names them and never shows a value.</p>",
                "<p><em>Read by</em> lists the segments whose condition names an attribute, event table or trait, "
                "through traits and referenced segments included; an event's time column is read by every segment "
                "that reads the event.</p>",
                '<h2 id="attributes">Customer attributes</h2>',
                self.attributes_table("customer", "", s.attributes, "attr-")]
        body.append('<h2 id="lookups">Lookups</h2>')
        if not s.lookups:
            body.append('<p class="muted">none</p>')
        for name, lookup in s.lookups.items():
            join = " and ".join(f"customer {_code(c)} = {_code(name + '.' + lc)}" for c, lc in lookup.on)
            body += [f'<h3 id="lookup-{escape(name)}">{escape(name)}</h3>',
                     _paragraphs(_text(_at(top, "lookups", name, "description"))),
                     f"<dl><dt>Table</dt><dd>{_code('.'.join(lookup.table))}</dd><dt>Joined on</dt><dd>{join}</dd></dl>",
                     self.attributes_table("lookup", name, lookup.attributes, f"lookup-{name}-")]
        body.append('<h2 id="events">Event tables</h2>')
        if not s.events:
            body.append('<p class="muted">none</p>')
        for name, event in s.events.items():
            time = (f"{_code(event.time)} ({escape(str(event.time_type))})" if event.time
                    else '<span class="muted">none: counted, never windowed</span>')
            body += [f'<h3 id="event-{escape(name)}">{escape(name)}</h3>',
                     _paragraphs(_text(_at(top, "events", name, "description"))),
                     f"<dl><dt>Table</dt><dd>{_code('.'.join(event.table))}</dd>"
                     f"<dt>Customer key</dt><dd>{_code(event.key)}</dd><dt>Time</dt><dd>{time}</dd>"
                     f"<dt>Read by</dt><dd>{self.readers('event', name)}</dd></dl>",
                     self.attributes_table("event", name, event.attributes, f"event-{name}-")]
        rows = []
        for name, trait in s.traits.items():
            checked = self.ws.result.traits.get(name)
            text = _text(_at(top, "traits", name)) or (
                _span_text(trait.expr.span) if trait.expr is not None
                else "SQL: " + "; ".join(f"{dialect}: {sql}" for dialect, sql in trait.sql))
            rows.append([f'<span id="trait-{escape(name)}">{_code(name)}</span>',
                         escape(_type_text(checked.type)) if checked is not None else "",
                         _code(" ".join(text.split())), self.readers("trait", name)])
        body += ['<h2 id="traits">Traits</h2>', _table(["Trait", "Type", "Definition", "Read by"], rows, "no traits")]
        rows = []
        for name, channel in sorted(self.ws.project.channels.items()):
            users = [n for n, seg in self.segments.items() if seg.channel == name]
            rows.append([f'<span id="channel-{escape(name)}">{_code(name)}</span>', _code(channel.text),
                         escape(_text(_at(self.project_yaml, "channels", name, "description"))),
                         self.segment_links(users, 0)])
        body += ['<h2 id="channels">Channels</h2>',
                 "<p>A segment sent through a channel selects only customers who meet its consent condition.</p>",
                 _table(["Channel", "Requires", "Description", "Segments"], rows, "no channels")]
        return _page("Schema", "\n".join(b for b in body if b), self.project_name, 0)
