"""What an editor asks about a position: completion candidates, hover information, definitions, and a file's symbols.

Keywords and aggregates come from the grammar (segql.syntax.expect: what the parser accepts at the cursor), functions
from segql.check.functions, names from the schema and the project; so new language constructs appear without a
change here. Offsets in and out are character offsets into the file; imports no lark, no yaml, no sqlglot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segql import ast
from segql.analysis import sites as s
from segql.check import tree as t
from segql.check.functions import FUNCTIONS
from segql.diagnostics import DiagnosticError
from segql.schema import Attribute, Schema, Trait
from segql.source import SourceFile, Span
from segql.syntax.expect import accepted, aggregate_terminals, keywords
from segql.syntax.segments import SEGMENT_KEYS
from segql.syntax.yamlpos import YMap, YNode, YScalar, load_yaml
from segql.types import Type

if TYPE_CHECKING:
    from segql.analysis.project import Analysis

ATTRIBUTE, LOOKUP, EVENT, TRAIT, SEGMENT, PARAMETER = "attribute", "lookup", "event", "trait", "segment", "parameter"
FUNCTION, KEYWORD, VALUE, KEY = "function", "keyword", "value", "key"


@dataclass(frozen=True, slots=True)
class Completion:
    """A candidate at the cursor: `insert` replaces the file's text from `start` to `end`. `retrigger`: ask for
    completion again after inserting it (after `address.`)."""

    label: str
    kind: str
    detail: str = ""
    documentation: str = ""
    insert: str = ""
    start: int = 0
    end: int = 0
    retrigger: bool = False


@dataclass(frozen=True, slots=True)
class Hover:
    """What the word at a position is (`text` in Markdown), over the span from `start` to `end`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file of the project: the file's absolute path and a span of its text."""

    path: Path
    span: Span


@dataclass(frozen=True, slots=True)
class Symbol:
    """A named thing of a file (segment, parameter, attribute, lookup, event, trait, target, channel); `span`
    covers all of it, `selection` its name."""

    name: str
    kind: str
    span: Span
    selection: Span
    detail: str = ""
    children: tuple[Symbol, ...] = ()


# ---- what the cursor is in ----


@dataclass(slots=True)
class _Context:
    """What the tokens before the cursor say about the place the cursor is at."""

    event: str | None = None  # inside an aggregate or `has … where` over this event
    expects_event: bool = False  # right after `has`, `has no` or `count(`
    after_segment: bool = False  # right after `in segment`
    enum: Type | None = None  # after `x =`, `x !=` or inside `x in [` with x an enum
    params: tuple[ast.ParamDef, ...] = ()
    role: str = s.WHERE
    tokens: list[s.Token] = field(default_factory=list)


STEP_WORDS = ("has", "then")  # words after which an event is named, whose `where` sees its attributes


def _aggregate_words() -> set[str]:
    words = keywords()
    return {w for term in aggregate_terminals() for w in words.get(term, ())}


def _context(before: list[s.Token], schema: Schema, traits: dict[str, t.Expr], site: s.Site | None = None) -> _Context:
    ctx = _Context(tokens=before)
    if site is not None and site.role == s.PRIORITY:  # an item of `priority: [s1, s2]` names a segment, as `in segment`
        ctx.after_segment = True
        return ctx
    aggregates = _aggregate_words()
    ctx.event = _event_scope(before, aggregates, schema)
    last = before[-1] if before else None
    if last is not None:
        if last.word in STEP_WORDS:
            ctx.expects_event = True
        elif last.word == "no" and len(before) > 1 and before[-2].word in STEP_WORDS:
            ctx.expects_event = True
        elif last.text == "(" and len(before) > 1 and before[-2].kind == "keyword" and before[-2].word in aggregates:
            ctx.expects_event = True
        elif last.kind == "keyword" and last.word == "segment" and len(before) > 1 and before[-2].word == "in":
            ctx.after_segment = True
    subject = _enum_subject(before)
    if subject is not None:
        typ = type_of_name(subject.text, ctx.event, schema, traits)
        if typ is not None and typ.kind == "enum":
            ctx.enum = typ
    return ctx


def _unclosed(before: list[s.Token], opening: str, closing: str, stop: Callable[[int], bool] | None = None) -> int:
    """The index of the last `opening` token not closed before the cursor (-1 if none); `stop(i)`, asked of every
    token outside brackets on the way back, ends the search early (-1)."""
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        text = before[i].text
        if text == closing:
            depth += 1
        elif text == opening:
            if not depth:
                return i
            depth -= 1
        elif not depth and stop is not None and stop(i):
            return -1
    return -1


def _event_scope(before: list[s.Token], aggregates: set[str], schema: Schema) -> str | None:
    """The event whose attributes names resolve to first: an unclosed `count(orders …` or `has orders where …`."""
    found: list[str] = []

    def has_where(i: int) -> bool:  # `has [no] EVENT where …` (or a step `then [no] EVENT … where`) goes on
        tok = before[i]
        if tok.word not in STEP_WORDS:
            return False
        j = i + 2 if i + 1 < len(before) and before[i + 1].word == "no" else i + 1
        rest = before[j + 1:]
        ended = any(r.word in ("since", "before") or r.word == "in" and k + 1 < len(rest)
                    and rest[k + 1].word in ("last", "this", "previous") for k, r in enumerate(rest))
        if j < len(before) and before[j].kind == "name" and any(r.word == "where" for r in rest) and not ended:
            found.append(before[j].text)
        return True

    at = _unclosed(before, "(", ")", has_where)
    while at > 0 and not found:
        if before[at - 1].kind == "keyword" and before[at - 1].word in aggregates:
            nxt = before[at + 1] if at + 1 < len(before) else None
            found.append(nxt.text.split(".")[0] if nxt is not None and nxt.kind == "name" else "")
            break
        at = _unclosed(before[:at], "(", ")", has_where)
    return found[0] if found and found[0] in schema.events else None


def _enum_subject(before: list[s.Token]) -> s.Token | None:
    """The name compared with what comes next: `x =`, `x !=`, `x in [ …`, `x not in [ …`."""
    if len(before) >= 2 and before[-1].text in ("=", "!=") and before[-2].kind == "name":
        return before[-2]
    j = _unclosed(before, "[", "]") - 1
    if j >= 0 and before[j].word == "in":
        j -= 1
        if j >= 0 and before[j].word == "not":
            j -= 1
        if j >= 0 and before[j].kind == "name":
            return before[j]
    return None


def attribute_of(text: str, event: str | None, schema: Schema) -> tuple[str, str, Attribute] | None:
    """(scope, owner, attribute) a name reads: an event's attribute inside its aggregate first, then the customer's;
    `lookup.x`, `event.x`, `customer.x` dotted."""
    parts = text.split(".")
    if len(parts) == 1:
        name = parts[0]
        if event is not None and name in schema.events[event].attributes:
            return "event", event, schema.events[event].attributes[name]
        if name in schema.attributes:
            return "customer", schema.entity, schema.attributes[name]
        return None
    owner, name = parts[0], parts[1]
    if owner == schema.entity and name in schema.attributes:
        return "customer", owner, schema.attributes[name]
    if owner in schema.lookups and name in schema.lookups[owner].attributes:
        return "lookup", owner, schema.lookups[owner].attributes[name]
    if owner in schema.events and name in schema.events[owner].attributes:
        return "event", owner, schema.events[owner].attributes[name]
    return None


def type_of_name(text: str, event: str | None, schema: Schema, traits: dict[str, t.Expr]) -> Type | None:
    found = attribute_of(text, event, schema)
    if found is not None:
        return found[2].type
    trait = traits.get(text)
    return trait.type if trait is not None else None


# ---- completion ----


def complete(analysis: Analysis, file: str | Path, offset: int, text: str | None = None) -> list[Completion]:
    """Candidates at a character offset of a file (its text as analysed, or `text` when given)."""
    source, kind = _source(analysis, file, text)
    if source is None or kind is None:
        return []
    offset = max(0, min(offset, len(source.text)))
    site = s.site_at(s.sites(source, kind), offset) or _fallback_site(source, kind, offset)
    if site is None:
        return _key_completions(source, kind, offset)
    index = site.index(offset)
    prefix = site.text[:index]
    toks = s.tokens(prefix)
    schema, traits = analysis.schema, analysis.traits
    params = _params_of(analysis, file, site, text)
    # inside a string being written: the values of the enum it is compared with
    if toks and toks[-1].kind == "string" and s.string_is_open(toks[-1]) and toks[-1].end == index:
        ctx = _context(toks[:-1], schema, traits)
        if ctx.enum is None:
            return []
        quote = toks[-1].text[0]
        typed = toks[-1].text[1:]
        start = site.offsets[toks[-1].start + 1]
        close = "" if site.text[index:index + 1] == quote else quote
        return [Completion(v, VALUE, "enum value", insert=v + close, start=start, end=offset)
                for v in ctx.enum.values if v.lower().startswith(typed.lower())]
    partial = toks[-1] if toks and toks[-1].end == index and toks[-1].kind in ("name", "keyword", "param") else None
    before = toks[:-1] if partial is not None else toks
    text_before = prefix[:partial.start] if partial is not None else prefix
    typed = partial.text if partial is not None else ""
    start = site.offsets[partial.start] if partial is not None else offset
    ctx = _context(before, schema, traits, site)
    ctx.params, ctx.role = params, site.role
    out: list[Completion] = []

    def add(label: str, kind: str, detail: str = "", doc: str = "", insert: str | None = None,
            retrigger: bool = False, at: int | None = None) -> None:
        if typed and not _matches(label, typed):
            return
        out.append(Completion(label, kind, detail, doc, insert if insert is not None else label,
                              start if at is None else at, offset, retrigger))

    if typed.startswith("$") or (partial is None and prefix.endswith("$")):
        if partial is None:
            start = offset - 1
        for p in ctx.params:
            add("$" + p.name, PARAMETER, p.type, f"default: {p.default}" if p.default is not None else "no default")
        return out
    if "." in typed and ctx.after_segment:  # a group of a segment's splits or priority list
        owner, _, typed_group = typed.partition(".")
        for label, detail in _groups(analysis.segment_definition(owner)):
            if label.lower().startswith(typed_group.lower()):
                out.append(Completion(f"{owner}.{label}", SEGMENT, detail, insert=f"{owner}.{label}", start=start,
                                      end=offset))
        return out
    if "." in typed:
        owner, _, _ = typed.partition(".")
        typed_attr = typed.split(".", 1)[1]
        dotted = _dotted_attributes(owner, schema, ctx)
        return [Completion(f"{owner}.{name}", ATTRIBUTE, _type_text(a.type), a.description, f"{owner}.{name}",
                           start, offset) for name, a in dotted.items() if _matches(name, typed_attr) or not typed_attr]
    if ctx.after_segment:
        current = site.owner if site.role in (s.WHERE, s.PRIORITY) else ""
        for d in analysis.definitions():
            if d.name != current:
                add(d.name, SEGMENT, d.owner and f"owner: {d.owner}", d.description)
        return _unique(out)
    if ctx.expects_event:
        for name, event in schema.events.items():
            add(name, EVENT, ".".join(event.table), _schema_description(analysis, "events", name))
        if before and before[-1].word in STEP_WORDS and (accepts := accepted(text_before)) is not None \
                and "NO" in accepts:
            add("no", KEYWORD, "has no …: no matching event" if before[-1].word == "has" else
                "then no …: no matching event after the step before")
        return out
    accepts = accepted(text_before)
    wants = accepts if accepts is not None else None
    if ctx.enum is not None and (wants is None or "STRING" in wants):
        for v in ctx.enum.values:
            add(f'"{v}"', VALUE, "enum value", insert=f'"{v}"')
    if wants is None or "NAME" in wants:
        _names(analysis, ctx, add)
    _keyword_candidates(wants, add)
    # a keyword of two words whose first one is already typed (`in l` → `in last`)
    if partial is not None and before and before[-1].kind == "keyword":
        earlier = accepted(prefix[:before[-1].start])
        for term, spellings in keywords().items():
            if earlier is not None and term not in earlier:
                continue
            for word in spellings:
                first, _, second = word.partition(" ")
                if second and first == before[-1].word and second.startswith(typed.lower()):
                    out.append(Completion(word, KEYWORD, insert=word, start=site.offsets[before[-1].start],
                                          end=offset))
    return _unique(out)


def _groups(definition: ast.SegmentDef | None) -> list[tuple[str, str]]:
    """(group, what it is) of a segment with `splits:` (its groups) or of a priority list (its segments)."""
    if definition is None:
        return []
    splits = getattr(definition, "splits", None)
    found = [(g.name, f"{g.percent}% of its members") for g in splits.groups] if splits is not None else []
    priority = getattr(definition, "priority", ())
    found += [(ref.name, f"priority {i}: in {ref.name} and none before") for i, ref in enumerate(priority, start=1)]
    return found


def _names(analysis: Analysis, ctx: _Context, add: Any) -> None:
    schema = analysis.schema
    if ctx.event is not None:
        for name, a in schema.events[ctx.event].attributes.items():
            add(name, ATTRIBUTE, f"{_type_text(a.type)} · each `{ctx.event}` event", a.description)
    for name, a in schema.attributes.items():
        add(name, ATTRIBUTE, _type_text(a.type) + (" · pii" if a.pii else ""), a.description)
    for name, trait in schema.traits.items():
        checked = analysis.traits.get(name)
        add(name, TRAIT, _type_text(checked.type) if checked is not None else "trait", _trait_text(trait))
    for name, lookup in schema.lookups.items():
        add(name, LOOKUP, ".".join(lookup.table), _schema_description(analysis, "lookups", name), insert=name + ".",
            retrigger=True)
    for fn in FUNCTIONS.values():
        add(fn.name, FUNCTION, fn.signature(), fn.doc, insert=fn.name + "(")


def _keyword_candidates(wants: frozenset[str] | None, add: Any) -> None:
    aggregates = aggregate_terminals()
    for term, spellings in keywords().items():
        if wants is not None and term not in wants:
            continue
        for word in spellings:
            if term in aggregates:
                add(word, FUNCTION, "aggregate over events", insert=word + "(")
            else:
                add(word, KEYWORD)


def _dotted_attributes(owner: str, schema: Schema, ctx: _Context) -> dict[str, Attribute]:
    toks = ctx.tokens
    aliased = {toks[i + 2].text: toks[i].text for i in range(len(toks) - 2)
               if toks[i + 1].word == "as" and toks[i].kind == "name" and toks[i + 2].kind in ("name", "keyword")}
    owner = aliased.get(owner, owner)  # `has product_views as v … then … v.`: the attributes of that step's event
    if owner in schema.lookups:
        return schema.lookups[owner].attributes
    if owner in schema.events:
        return schema.events[owner].attributes
    if owner == schema.entity:
        return schema.attributes
    return {}


def _matches(label: str, typed: str) -> bool:
    label, typed = label.lower().lstrip('"'), typed.lower()
    return label.startswith(typed) or f"_{typed}" in label


def _unique(items: list[Completion]) -> list[Completion]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        if (item.label, item.kind) not in seen:
            seen.add((item.label, item.kind))
            out.append(item)
    return out


def _fallback_site(source: SourceFile, kind: str, offset: int) -> s.Site | None:
    """While the YAML is broken (an unclosed quote being typed): the current line after `- ` or `where:`."""
    text = source.text
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    for marker in ("where:", "- "):
        at = line.find(marker)
        if at != -1 and kind == "segment":
            begin = line_start + at + len(marker)
            while begin < offset and text[begin] in " |>-":
                begin += 1
            if begin < offset and text[begin] in "\"'":  # the opening quote of the scalar being typed
                begin += 1
            end = text.find("\n", offset)
            end = len(text) if end == -1 else end
            return s.Site(text[begin:end], tuple(range(begin, end + 1)), s.WHERE, Path(source.path).stem)
    return None


def _key_completions(source: SourceFile, kind: str, offset: int) -> list[Completion]:
    """The keys of a segment file, at the start of a line of the top level."""
    text = source.text
    line_start = text.rfind("\n", 0, offset) + 1
    typed = text[line_start:offset]
    if kind != "segment" or not typed.isidentifier() and typed:
        return []
    present = {line.split(":", 1)[0] for line in text.splitlines() if ":" in line and not line[:1].isspace()}
    return [Completion(key, KEY, "segment file key", insert=key + ": ", start=line_start, end=offset)
            for key in SEGMENT_KEYS if key not in present and key.startswith(typed)]


# ---- hover and definitions ----


def _token_at(site: s.Site, offset: int) -> tuple[list[s.Token], int] | None:
    toks = s.tokens(site.text)
    index = site.index(offset)
    for i, tok in enumerate(toks):
        if tok.start <= index < tok.end or (tok.end == index and tok.kind in ("name", "keyword", "param")
                                            and (i + 1 == len(toks) or toks[i + 1].start > index)):
            return toks, i
    return None


def hover(analysis: Analysis, file: str | Path, offset: int, text: str | None = None) -> Hover | None:
    """What the name, parameter, function or keyword at the offset is: its type, description, a trait's definition,
    an enum's values, a segment's description."""
    found = _at(analysis, file, offset, text)
    if found is None:
        return None
    source, site, toks, i = found
    tok = toks[i]
    schema = analysis.schema
    ctx = _context(toks[:i], schema, analysis.traits, site)
    span = (site.offsets[tok.start], site.offsets[tok.end - 1] + 1)
    lines: list[str] = []
    if tok.kind == "param":
        param = next((p for p in _params_of(analysis, file, site, text) if p.name == tok.text[1:]), None)
        if param is not None:
            lines.append(f"**parameter** `${param.name}`: {param.type}")
            lines.append(f"default: `{param.default}`" if param.default is not None else "no default: give a value")
    elif tok.kind == "name" and ctx.after_segment:
        name, _, group = tok.text.partition(".")
        definition = analysis.segment_definition(name)
        if definition is not None:
            where = analysis.file_of(name)
            lines.append(f"**segment** `{definition.name}`" + (f" · owner {definition.owner}" if definition.owner else ""))
            if definition.description:
                lines.append(definition.description)
            if where is not None:
                lines.append(f"in `{analysis.display(where)}`")
            described = dict(_groups(definition))
            if group:
                lines.insert(1, f"group `{group}`: {described.get(group, 'not a group of this segment')}")
            elif described:
                lines.append("groups: " + ", ".join(f"`{g}`" for g in described))
    elif tok.kind == "name" and i + 1 < len(toks) and toks[i + 1].text == "(" and tok.text in FUNCTIONS:
        fn = FUNCTIONS[tok.text]
        lines.append(f"**function** `{fn.signature()}`")
        lines.append(fn.doc)
    elif tok.kind == "name":
        owner, dot, _ = tok.text.partition(".")
        on_owner = dot and site.index(offset) <= tok.start + len(owner)
        lines += _describe_name(analysis, owner if on_owner else tok.text, ctx)
    elif tok.kind == "keyword" and tok.word in _aggregate_words():
        lines.append(f"**aggregate** `{tok.word}(…)` over the events of a table")
    if not lines:
        return None
    typ = type_at(analysis, file, offset, text)
    if typ is not None and not any(typ.kind in line for line in lines[:1]):
        lines.append(f"type here: {_type_text(typ)}")
    return Hover(span[0], span[1], "\n\n".join(lines))


def _describe_name(analysis: Analysis, text: str, ctx: _Context) -> list[str]:
    schema = analysis.schema
    found = attribute_of(text, ctx.event, schema)
    if found is not None:
        scope, owner, attr = found
        where = {"customer": f"of `{schema.entity}`", "lookup": f"of lookup `{owner}`",
                 "event": f"of each `{owner}` event"}[scope]
        lines = [f"**attribute** `{attr.name}` {where}: {_type_text(attr.type)}" + (" · **pii**" if attr.pii else "")]
        if attr.description:
            lines.append(attr.description)
        if attr.type.kind == "enum":
            lines.append("values: " + ", ".join(f'"{v}"' for v in attr.type.values))
        return lines
    if text in schema.traits:
        checked = analysis.traits.get(text)
        trait = schema.traits[text]
        lines = [f"**trait** `{text}`: {_type_text(checked.type) if checked is not None else 'unknown type'}"
                 + (" · SQL" if trait.expr is None else ""), f"```segql\n{_trait_text(trait)}\n```"]
        if trait.description:
            lines.append(trait.description)
        if checked is not None and checked.type.kind == "enum":
            lines.append("values: " + ", ".join(f'"{v}"' for v in checked.type.values))
        return lines
    if text in schema.events:
        event = schema.events[text]
        lines = [f"**event** `{text}`: table `{'.'.join(event.table)}`"
                 + (f", time `{event.time}`" if event.time else ", no time column")]
        description = _schema_description(analysis, "events", text)
        return lines + ([description] if description else []) + \
            ["attributes: " + ", ".join(f"`{a}`" for a in event.attributes)]
    if text in schema.lookups:
        lookup = schema.lookups[text]
        description = _schema_description(analysis, "lookups", text)
        return [f"**lookup** `{text}`: table `{'.'.join(lookup.table)}`"] + ([description] if description else []) + \
            ["attributes: " + ", ".join(f"`{a}`" for a in lookup.attributes)]
    return []


def definition(analysis: Analysis, file: str | Path, offset: int, text: str | None = None) -> list[Location]:
    """Where the thing at the offset is declared: a trait, attribute, lookup or event in schema.yml, a segment in its
    file (`in segment s`), a parameter under `params:`."""
    found = _at(analysis, file, offset, text)
    if found is None:
        return []
    source, site, toks, i = found
    tok = toks[i]
    schema = analysis.schema
    schema_path = analysis.path_of(analysis.project.schema_path)
    ctx = _context(toks[:i], schema, analysis.traits, site)
    if tok.kind == "param":
        param = next((p for p in _params_of(analysis, file, site, text) if p.name == tok.text[1:]), None)
        return [Location(analysis.path_of(file), param.span)] if param is not None else []
    if tok.kind != "name":
        return []
    if ctx.after_segment:
        name = tok.text.split(".")[0]
        target = analysis.segment_definition(name)
        where = analysis.file_of(name)
        return [Location(where, target.span)] if target is not None and where is not None else []
    parts = tok.text.split(".")
    index = site.index(offset)
    on_owner = len(parts) == 2 and index <= tok.start + len(parts[0])
    if on_owner:
        owner = parts[0]
        declared = schema.lookups.get(owner) or schema.events.get(owner)
        return [Location(schema_path, declared.span)] if declared is not None else []
    found_attr = attribute_of(tok.text, ctx.event, schema)
    if found_attr is not None:
        return [Location(schema_path, found_attr[2].span)]
    for table in (schema.traits, schema.events, schema.lookups):
        declared_ = table.get(tok.text)
        if declared_ is not None:
            return [Location(schema_path, declared_.span)]
    return []


def type_at(analysis: Analysis, file: str | Path, offset: int, text: str | None = None) -> Type | None:
    """The type of the smallest checked expression at the offset (of a segment's condition or a trait)."""
    found = _site_at(analysis, file, offset, text)
    if found is None:
        return None
    source, kind, site = found
    roots: list[Any] = []
    segment = analysis.segment(site.owner) if text is None or kind != "segment" else \
        analysis.preview(file, text).segments.get(site.owner)
    if site.role == s.WHERE and segment is not None:
        roots.append(segment.condition)
    elif site.role == s.TRAIT and site.owner in analysis.traits:
        roots.append(analysis.traits[site.owner])
    best: tuple[int, Type] | None = None
    from segql.analysis.project import walk_checked

    for root in roots:
        for node in walk_checked(root):
            span = getattr(node, "span", None)
            typ = getattr(node, "type", None)
            if span is None or typ is None or span.source is not source or not span.start <= offset < max(span.end,
                                                                                                         span.start + 1):
                continue
            size = span.end - span.start
            if best is None or size < best[0]:
                best = (size, typ)
    return best[1] if best is not None else None


def _site_at(analysis: Analysis, file: str | Path, offset: int,
             text: str | None = None) -> tuple[SourceFile, str, s.Site] | None:
    """The file's text (or `text`), its kind and the expression at the offset."""
    source, kind = _source(analysis, file, text)
    if source is None or kind is None:
        return None
    site = s.site_at(s.sites(source, kind), offset)
    return (source, kind, site) if site is not None else None


def _at(analysis: Analysis, file: str | Path, offset: int,
        text: str | None = None) -> tuple[SourceFile, s.Site, list[s.Token], int] | None:
    at = _site_at(analysis, file, offset, text)
    if at is None:
        return None
    source, _, site = at
    found = _token_at(site, offset)
    if found is None:
        return None
    return source, site, found[0], found[1]


def _source(analysis: Analysis, file: str | Path, text: str | None = None) -> tuple[SourceFile | None, str | None]:
    kind = analysis.kind(file)
    if kind is None:
        return None, None
    if text is not None:
        return SourceFile(analysis.display(analysis.path_of(file)), text.replace("\r\n", "\n")), kind
    return analysis.source(file), kind


def _params_of(analysis: Analysis, file: str | Path, site: s.Site, text: str | None = None) -> tuple[ast.ParamDef, ...]:
    """The parameters the site's segment declares, read from the YAML itself (its `where` may not parse yet)."""
    if site.role != s.WHERE:
        return ()
    source, _ = _source(analysis, file, text)
    root = s.yaml_root(source)
    if root is None or source is None:
        return ()
    for owner, mapping in s.segment_mappings(root, source):
        params = mapping.get("params")
        if owner != site.owner or not isinstance(params, YMap):
            continue
        out = []
        for key, spec in params.items:
            kind = _scalar(spec, "type")
            default = spec.get("default") if isinstance(spec, YMap) else None
            value = default.value if isinstance(default, YScalar) and not default.is_null else None
            out.append(ast.ParamDef(key.value, kind, value, span=key.span))
        return tuple(out)
    return ()


def _type_text(typ: Type) -> str:
    return f"enum ({', '.join(typ.values)})" if typ.kind == "enum" and len(typ.values) <= 6 else str(typ)


def _trait_text(trait: Trait) -> str:
    """A trait's definition as written: its expression, or (a SQL trait) its SQL per dialect."""
    if trait.expr is not None:
        return _source_text(trait.expr.span)
    return "\n".join(f"{dialect}: {text}" for dialect, text in trait.sql)


def _source_text(span: Span) -> str:
    if span.source is None:
        return ""
    return " ".join(span.source.text[span.start:span.end].split())


_DESCRIPTIONS: dict[int, tuple[SourceFile, dict[tuple[str, str], str]]] = {}


def _schema_description(analysis: Analysis, section: str, name: str) -> str:
    """The `description:` of a lookup or event in schema.yml (the schema model keeps none)."""
    source = analysis.schema.source
    if source is None:
        return ""
    cached = _DESCRIPTIONS.get(id(source))
    if cached is None or cached[0] is not source:
        found: dict[tuple[str, str], str] = {}
        try:
            root = load_yaml(source)
        except DiagnosticError:
            root = None
        for part in ("lookups", "events"):
            table = root.get(part) if isinstance(root, YMap) else None
            for key, value in table.items if isinstance(table, YMap) else []:
                text = value.get("description") if isinstance(value, YMap) else None
                if isinstance(text, YScalar) and not text.is_null:
                    found[(part, key.value)] = text.value
        _DESCRIPTIONS.clear()
        cached = _DESCRIPTIONS[id(source)] = (source, found)
    return cached[1].get((section, name), "")


# ---- symbols ----


def symbols(analysis: Analysis, file: str | Path) -> list[Symbol]:
    """The outline of a file: segments and their parameters; the schema's attributes, lookups, events and traits;
    the project's targets and channels."""
    source, kind = _source(analysis, file)
    root = s.yaml_root(source)
    if source is None or root is None:
        return []
    if kind == "segment":
        out = []
        for name, mapping in s.segment_mappings(root, source):
            name_node = mapping.get("name")
            selection = name_node.span if isinstance(name_node, YScalar) else mapping.span
            params = mapping.get("params")
            children = tuple(Symbol(k.value, PARAMETER, k.span.to(v.span), k.span, _scalar(v, "type"))
                             for k, v in (params.items if isinstance(params, YMap) else []))
            description = mapping.get("description")
            out.append(Symbol(name, SEGMENT, mapping.span, selection,
                              description.value if isinstance(description, YScalar) else "", children))
        return out
    if kind == "schema":
        out = []
        attributes = root.get("attributes")
        out += [_attr_symbol(k, v) for k, v in (attributes.items if isinstance(attributes, YMap) else [])]
        for section, what in (("lookups", LOOKUP), ("events", EVENT)):
            table = root.get(section)
            for k, v in table.items if isinstance(table, YMap) else []:
                attrs = v.get("attributes") if isinstance(v, YMap) else None
                kids = tuple(_attr_symbol(a, b) for a, b in (attrs.items if isinstance(attrs, YMap) else []))
                out.append(Symbol(k.value, what, k.span.to(v.span), k.span, _scalar(v, "table"), kids))
        traits = root.get("traits")
        out += [Symbol(k.value, TRAIT, k.span.to(v.span), k.span, v.value if isinstance(v, YScalar) else "")
                for k, v in (traits.items if isinstance(traits, YMap) else [])]
        return out
    out = []
    for section, what in (("targets", "target"), ("channels", "channel")):
        table = root.get(section)
        out += [Symbol(k.value, what, k.span.to(v.span), k.span, _scalar(v, "type") or _scalar(v, "requires"))
                for k, v in (table.items if isinstance(table, YMap) else [])]
    return out


def _attr_symbol(key: YScalar, value: YNode) -> Symbol:
    detail = value.value if isinstance(value, YScalar) else _scalar(value, "type")
    return Symbol(key.value, ATTRIBUTE, key.span.to(value.span), key.span, detail)


def _scalar(node: YNode, key: str) -> str:
    found = node.get(key) if isinstance(node, YMap) else (node if isinstance(node, YScalar) and key == "type" else None)
    return found.value if isinstance(found, YScalar) and not found.is_null else ""


__all__ = ["Completion", "Hover", "Location", "Symbol", "complete", "definition", "hover", "symbols", "type_at"]
