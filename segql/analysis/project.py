"""The analysis core's project state: every file's text (from disk, or an editor's unsaved copy), checked
incrementally — an edited segment file and the segments depending on it; schema.yml or segql.yml, everything.

Positions are character offsets into a file's text (Span), shown as 1-based line:column (DESIGN §4); front ends
convert them at their edge. Never prints, connects to nothing; sqlglot loads only when SQL is asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segql import api, ast
from segql.analysis import assist
from segql.check import CheckResult, check_project
from segql.check import tree as t
from segql.diagnostics import Diagnostic, DiagnosticError, sort_key
from segql.lint import Linter, lint
from segql.project import PROJECT_FILE, Project, load_project
from segql.schema import Schema, load_schema
from segql.source import SourceFile
from segql.syntax.segments import load_segment_file
from segql.types import Type

if TYPE_CHECKING:
    from segql.fmt import Formatted

SEGMENT, SCHEMA, PROJECT = "segment", "schema", "project"
DIALECTS = ("duckdb", "postgres", "snowflake")


@dataclass(slots=True)
class SegmentFile:
    """One segment file: its text, the segments it defines and the problems found reading it."""

    path: Path  # absolute
    source: SourceFile  # path shown relative to the project folder
    defs: list[ast.SegmentDef]
    problems: list[Diagnostic]
    edited: bool = False  # the text is an editor's copy, not (necessarily) what is on disk
    refs: tuple[frozenset[str], ...] = ()  # per definition, the segments its `where` names (`in segment`)

    def __post_init__(self) -> None:
        if len(self.refs) != len(self.defs):
            self.refs = tuple(frozenset(references(d.where)) for d in self.defs)


@dataclass(slots=True)
class Preview:
    """An unsaved file's text checked in place of the file, without changing the analysis."""

    path: Path
    source: SourceFile
    diagnostics: list[Diagnostic]  # of this file
    segments: dict[str, t.CheckedSegment | None]  # the segments it defines; None when one has errors
    definitions: list[ast.SegmentDef]


@dataclass(slots=True)
class _Delta:
    """The outcome of checking some segment files again; committed by `update`, only read by `preview`."""

    files: dict[Path, SegmentFile]
    checked: dict[str, t.CheckedSegment | None]
    diagnostics: dict[str, list[Diagnostic]]  # per file shown, for the files rechecked
    trait_uses: dict[str, frozenset[str]]


@dataclass(slots=True)
class _State:
    project: Project
    schema: Schema
    config_problems: list[Diagnostic]  # of segql.yml and schema.yml (reading, shape, traits, table mappings)
    files: dict[Path, SegmentFile]  # in project order
    checked: dict[str, t.CheckedSegment] = field(default_factory=dict)
    traits: dict[str, t.Expr] = field(default_factory=dict)
    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)  # per file shown
    trait_uses: dict[str, frozenset[str]] = field(default_factory=dict)  # segment -> traits its condition names
    trait_lint: list[Diagnostic] = field(default_factory=list)  # warnings about traits (schema.yml)


class Analysis:
    """A segql project as an editor sees it: files with unsaved text, checked incrementally.

    The one context object of the CLI, `segql serve` and `segql lsp`: diagnostics (with spans), symbols, types,
    the SQL per dialect, completion, hover and definitions (segql.analysis.assist) all come from here."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.overlays: dict[Path, str] = {}  # unsaved texts by absolute path
        self.state = self._full()

    # ---- files ----

    @property
    def project(self) -> Project:
        return self.state.project

    @property
    def schema(self) -> Schema:
        return self.state.schema

    def path_of(self, file: str | Path) -> Path:
        """An absolute path for a path relative to the project folder (or already absolute), spelt as the CLI reads
        it: links inside the project are not followed (one leaving it is refused when read, E100, as `segql
        validate` refuses it); a project folder reached through a link (macOS's /tmp) is spelt from the real one."""
        given = Path(file)
        path = Path(os.path.abspath(given if given.is_absolute() else self.root / given))
        if path == self.root or self.root in path.parents:
            return path
        for parent in path.parents:
            if parent.resolve() == self.root:
                return self.root / path.relative_to(parent)
        return path

    def display(self, path: Path) -> str:
        """A file as diagnostics show it: relative to the project folder."""
        return self.project.display(self.path_of(path)) if path.is_absolute() else str(path)

    def kind(self, file: str | Path) -> str | None:
        """`segment`, `schema` or `project` for a file of the project, else None."""
        path = self.path_of(file)
        if path == self.root / PROJECT_FILE:
            return PROJECT
        if path == self.path_of(self.project.schema_path):
            return SCHEMA
        if path.suffix in (".yml", ".yaml") and self._is_segment_path(path):
            return SEGMENT
        return None

    def _is_segment_path(self, path: Path, project: Project | None = None) -> bool:
        folder = self.path_of((project or self.project).segments_path)
        return path == folder or folder in path.parents

    def source(self, file: str | Path) -> SourceFile | None:
        """The text of a project file as analysed (an editor's copy when there is one)."""
        path = self.path_of(file)
        match self.kind(path):
            case "segment":
                found = self.state.files.get(path)
                return found.source if found else None
            case "schema":
                return self.schema.source
            case "project":
                return self.project.source
        return None

    def segment_files(self) -> list[SegmentFile]:
        return list(self.state.files.values())

    # ---- edits ----

    def update(self, file: str | Path, text: str) -> list[str]:
        """An editor's unsaved text of a file; returns the files (as shown) whose diagnostics were recomputed."""
        path = self.path_of(file)
        kind = self.kind(path)
        if kind is None:
            return []
        self.overlays[path] = text
        if kind != SEGMENT:
            return self._refresh()
        delta = self._recheck({path: self._read_segment_file(path, text)})
        self._commit(delta)
        return sorted(delta.diagnostics)

    def revert(self, file: str | Path) -> list[str]:
        """Forget the editor's copy of a file (closed without saving, or saved): read it from disk again."""
        path = self.path_of(file)
        self.overlays.pop(path, None)
        return self.reload_file(path)

    def reload_file(self, file: str | Path) -> list[str]:
        """A file changed on disk (saved, created or deleted outside the editor)."""
        path = self.path_of(file)
        kind = self.kind(path)
        if kind is None:
            return []
        if kind != SEGMENT:
            return self._refresh()
        if path in self.overlays:
            return []
        if not path.is_file():
            if path not in self.state.files:
                return []
            delta = self._recheck({path: None})
        else:
            delta = self._recheck({path: self._read_segment_file(path, None)})
        self._commit(delta)
        return sorted(delta.diagnostics)

    def reload(self) -> list[str]:
        """Everything read and checked again (keeping the editors' copies)."""
        return self._refresh()

    def preview(self, file: str | Path, text: str) -> Preview:
        """`text` checked as if it were the file's (a segment file), without changing the analysis."""
        path = self.path_of(file)
        if self.kind(path) != SEGMENT:
            raise ValueError(f"`{file}` is not a segment file of this project")
        delta = self._recheck({path: self._read_segment_file(path, text)})
        shown = self.display(path)
        new = delta.files[path]
        diagnostics = list(delta.diagnostics.get(shown, []))
        for definition in new.defs:  # a name taken by another file: said here too, where it is being written
            other = next((f for p, f in delta.files.items() if p != path and any(d.name == definition.name
                                                                             for d in f.defs)), None)
            if other is not None and not any(d.code == "E220" and d.span == definition.span for d in diagnostics):
                diagnostics.append(Diagnostic("E220", f"segment `{definition.name}` is defined twice", definition.span,
                                              f"also defined in {other.source.path}",
                                              "segment names are unique across a project; rename one"))
        return Preview(path, new.source, sorted(diagnostics, key=sort_key),
                       {d.name: delta.checked.get(d.name) for d in new.defs}, new.defs)

    # ---- answers ----

    def diagnostics(self, file: str | Path | None = None) -> list[Diagnostic]:
        """The errors and warnings of one file, or of every file."""
        if file is None:
            return sorted((d for ds in self.state.diagnostics.values() for d in ds), key=sort_key)
        return list(self.state.diagnostics.get(self.display(self.path_of(file)), []))

    def files_with_diagnostics(self) -> list[str]:
        return sorted(name for name, found in self.state.diagnostics.items() if found)

    def has_errors(self) -> bool:
        return any(d.is_error for ds in self.state.diagnostics.values() for d in ds)

    def definitions(self) -> list[ast.SegmentDef]:
        """Every segment definition, in project order (duplicates included)."""
        return [d for f in self.state.files.values() for d in f.defs]

    def segment_definition(self, name: str) -> ast.SegmentDef | None:
        return next((d for d in self.definitions() if d.name == name), None)

    def file_of(self, name: str) -> Path | None:
        return next((f.path for f in self.state.files.values() for d in f.defs if d.name == name), None)

    def segment(self, name: str) -> t.CheckedSegment | None:
        """A segment that checked without errors (None when it has errors or does not exist)."""
        return self.state.checked.get(name)

    @property
    def checked(self) -> dict[str, t.CheckedSegment]:
        return self.state.checked

    @property
    def traits(self) -> dict[str, t.Expr]:
        return self.state.traits

    def dependants(self, names: Iterable[str]) -> set[str]:
        """The segments that use any of `names` through `in segment`, directly or not (not the names themselves)."""
        reverse: dict[str, set[str]] = {}
        for segment_file in self.state.files.values():
            for definition, refs in zip(segment_file.defs, segment_file.refs, strict=True):
                for ref in refs:
                    reverse.setdefault(ref, set()).add(definition.name)
        found: set[str] = set()
        todo = list(names)
        while todo:
            for user in reverse.get(todo.pop(), ()):
                if user not in found:
                    found.add(user)
                    todo.append(user)
        return found - set(names)

    def workspace(self) -> api.Workspace:
        """The project as segql.api's Workspace (its valid segments), to compile and run."""
        loaded = api.Loaded(self.project, self.schema, self.definitions(), [])
        return api.Workspace(loaded, CheckResult(dict(self.state.checked), dict(self.state.traits),
                                                 self.diagnostics()))

    def sql(self, segment: t.CheckedSegment, dialects: Iterable[str] = DIALECTS, as_of: dt.date | None = None,
            params: dict[str, Any] | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
        """The segment's SQL per dialect, and the problems of the dialects it could not be compiled for."""
        ws = self.workspace()
        out: dict[str, str] = {}
        problems: list[Diagnostic] = []
        for dialect in dialects:
            try:
                out[dialect] = api.compile_sql(ws, segment, dialect, as_of, params)
            except DiagnosticError as err:
                problems += err.diagnostics
        return out, problems

    # ---- assists (segql.analysis.assist): offsets are characters of the file's text as analysed ----

    # `text`, when given, is read in place of the file's text without changing the analysis (the workbench sends
    # its editor's text with each request; a language server updates the analysis instead).

    def complete(self, file: str | Path, offset: int, text: str | None = None) -> list[assist.Completion]:
        return assist.complete(self, file, offset, text)

    def hover(self, file: str | Path, offset: int, text: str | None = None) -> assist.Hover | None:
        return assist.hover(self, file, offset, text)

    def definition(self, file: str | Path, offset: int, text: str | None = None) -> list[assist.Location]:
        return assist.definition(self, file, offset, text)

    def symbols(self, file: str | Path) -> list[assist.Symbol]:
        return assist.symbols(self, file)

    def type_at(self, file: str | Path, offset: int, text: str | None = None) -> Type | None:
        return assist.type_at(self, file, offset, text)

    def format(self, file: str | Path, text: str | None = None) -> Formatted | None:
        """A segment file (its text as analysed, or `text`) formatted as `segql fmt` does, with the edits that make
        it so; None for a file that is not a segment file. A file that cannot be read (YAML or syntax errors) is left
        as it is (`diagnostics` say why); raises segql.fmt.FormatterBug when formatting would change the file's meaning (a bug of the formatter).
        """
        from segql.fmt import format_source

        if self.kind(file) != SEGMENT:
            return None
        source = self.source(file) if text is None else SourceFile(self.display(self.path_of(file)),
                                                                   text.replace("\r\n", "\n"))
        if source is None:
            return None
        return format_source(source)

    def graph(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        """The dependency graph: nodes (id, kind, label) of segments, traits and event tables, and edges (user, used):
        a segment or trait to the segments, traits and events its own condition names."""
        nodes: list[tuple[str, str, str]] = []
        edges: list[tuple[str, str]] = []
        used_events: set[str] = set()

        def uses(owner: str, expr: Any) -> None:
            for node in walk_checked(expr):
                if isinstance(node, t.SegmentRef):
                    edges.append((owner, f"segment:{node.name}"))
                elif isinstance(node, t.TraitRef):
                    edges.append((owner, f"trait:{node.name}"))
                elif isinstance(node, t.Aggregate):
                    edges.append((owner, f"event:{node.event}"))
                    used_events.add(node.event)

        for definition in self.definitions():
            nodes.append((f"segment:{definition.name}", SEGMENT, definition.name))
            checked = self.state.checked.get(definition.name)
            if checked is not None:
                uses(f"segment:{definition.name}", checked.condition)
        for name, expr in self.state.traits.items():
            nodes.append((f"trait:{name}", "trait", name))
            uses(f"trait:{name}", expr)
        nodes += [(f"event:{name}", "event", name) for name in self.schema.events]
        return list(dict.fromkeys(nodes)), list(dict.fromkeys(edges))

    # ---- checking ----

    def _read_segment_file(self, path: Path, text: str | None) -> SegmentFile:
        shown = self.project.display(path)
        edited = text is not None or path in self.overlays
        if text is None and path in self.overlays:
            text = self.overlays[path]
        if text is None:
            try:
                source = self.project.read(path)
            except DiagnosticError as err:
                return SegmentFile(path, SourceFile(shown, ""), [], err.diagnostics)
        else:
            source = SourceFile(shown, text.replace("\r\n", "\n"))
        defs, problems = load_segment_file(source)
        return SegmentFile(path, source, defs, problems, edited)

    def _refresh(self) -> list[str]:
        before = set(self.state.diagnostics)
        self.state = self._full()
        return sorted(before | set(self.state.diagnostics))

    def _full(self) -> _State:
        """Read and check everything (editors' copies in place of the files)."""
        project_text = self.overlays.get(self.root / PROJECT_FILE)
        project, problems = load_project(self.root, project_text)
        schema_path = self.path_of(project.schema_path)
        try:
            schema_text = self.overlays.get(schema_path)
            shown = project.display(project.schema_path)
            source = project.read(project.schema_path) if schema_text is None else SourceFile(shown, schema_text)
            schema, schema_problems = load_schema(source)
        except DiagnosticError as err:
            schema, schema_problems = api.load_schema_placeholder(), err.diagnostics
        problems += schema_problems
        if not schema_problems:
            problems += api.table_file_problems(project, schema)
        state = _State(project, schema, problems, {})
        paths = {self.path_of(p) for p in project.segment_files()}
        paths |= {p for p in self.overlays if p.suffix in (".yml", ".yaml") and self._is_segment_path(p, project)}
        self.state = state  # _read_segment_file shows paths relative to this project
        for path in sorted(paths):
            state.files[path] = self._read_segment_file(path, None)
        result = check_project(schema, [d for f in state.files.values() for d in f.defs], project.channels)
        state.traits = dict(result.traits)
        state.checked = dict(result.segments)
        state.trait_uses = {name: traits_named(seg.condition) for name, seg in result.segments.items()}
        shown_files = [f.source.path for f in state.files.values()]
        by_file: dict[str, list[Diagnostic]] = {name: [] for name in
                                                [PROJECT_FILE, project.display(project.schema_path), *shown_files]}
        for d in [*problems, *result.diagnostics, *(p for f in state.files.values() for p in f.problems)]:
            by_file.setdefault(d.span.path, []).append(d)
        warnings = lint(schema, CheckResult(result.segments, result.traits, []), project_wide=False)
        schema_shown = project.display(project.schema_path)
        state.trait_lint = [w for w in warnings if w.span.path == schema_shown]
        for w in warnings:
            by_file.setdefault(w.span.path, []).append(w)
        state.diagnostics = {name: sorted(found, key=sort_key) for name, found in by_file.items()}
        self._unused_traits(state)
        return state

    def _unused_traits(self, state: _State) -> None:
        """W006 in schema.yml, which depends on every segment: only while the project has no errors (as `segql
        lint`: a segment with errors uses no trait yet)."""
        shown = state.project.display(state.project.schema_path)
        kept = [d for d in state.diagnostics.get(shown, []) if d.code != "W006"]
        errors = any(d.is_error for ds in state.diagnostics.values() for d in ds)
        if not errors:
            linter = Linter(state.schema)
            linter.unused_traits(CheckResult(state.checked, state.traits, []))
            kept += linter.warnings
        state.diagnostics[shown] = sorted(kept, key=sort_key)

    def _recheck(self, changed: dict[Path, SegmentFile | None]) -> _Delta:
        """Check the changed files' segments again, with every segment that depends on them (and, so that a
        file's diagnostics are whole, the other segments of their files)."""
        state = self.state
        files = dict(state.files)
        names: set[str] = set()
        for path, new in changed.items():
            old = files.get(path)
            names |= {d.name for d in old.defs} if old else set()
            if new is None:
                files.pop(path, None)
            else:
                names |= {d.name for d in new.defs}
                files[path] = new
        if any(path not in state.files for path in changed):
            files = dict(sorted(files.items()))
        defs = [d for f in files.values() for d in f.defs]
        reverse: dict[str, set[str]] = {}
        direct: dict[str, set[str]] = {}
        file_names: dict[Path, set[str]] = {p: {d.name for d in f.defs} for p, f in files.items()}
        name_files: dict[str, set[Path]] = {}
        for path, in_file in file_names.items():
            for name in in_file:
                name_files.setdefault(name, set()).add(path)
        for segment_file in files.values():
            for d, refs in zip(segment_file.defs, segment_file.refs, strict=True):
                direct.setdefault(d.name, set()).update(refs)
                for ref in refs:
                    reverse.setdefault(ref, set()).add(d.name)
        affected = set(names)
        todo = list(affected)
        while todo:  # closed under "depends on" and "shares a file with"
            name = todo.pop()
            neighbours = set(reverse.get(name, ()))
            for path in name_files.get(name, ()):
                neighbours |= file_names[path]
            for other in neighbours - affected:
                affected.add(other)
                todo.append(other)
        needed = set(affected)
        todo = list(affected)
        while todo:
            for ref in direct.get(todo.pop(), ()):
                if ref not in needed:
                    needed.add(ref)
                    todo.append(ref)
        chosen = [d for d in defs if d.name in needed]
        result = check_project(state.schema, chosen, state.project.channels)
        checked = {name: result.segments.get(name) for name in affected}
        rechecked_files = {p for name in affected for p in name_files.get(name, ())}
        rechecked_files |= {p for p, new in changed.items() if new is not None}
        shown = {files[p].source.path: p for p in rechecked_files if p in files}
        diagnostics: dict[str, list[Diagnostic]] = {name: list(files[p].problems) for name, p in shown.items()}
        for p, new in changed.items():
            if new is None and p in state.files:
                diagnostics[state.files[p].source.path] = []
        for problem in result.diagnostics:
            if problem.span.path in shown:
                diagnostics[problem.span.path].append(problem)
        valid = {name: seg for name, seg in checked.items() if seg is not None}
        for w in lint(state.schema, CheckResult(valid, {}, []), project_wide=False):
            if w.span.path in shown:
                diagnostics[w.span.path].append(w)
        return _Delta(files, checked, {name: sorted(found, key=sort_key) for name, found in diagnostics.items()},
                      {name: traits_named(seg.condition) for name, seg in valid.items()})

    def _commit(self, delta: _Delta) -> None:
        state = self.state
        errors_before = self.has_errors()
        uses_before = {name: state.trait_uses.get(name) for name in delta.checked}
        state.files = delta.files
        for name, seg in delta.checked.items():
            if seg is None:
                state.checked.pop(name, None)
                state.trait_uses.pop(name, None)
            else:
                state.checked[name] = seg
                state.trait_uses[name] = delta.trait_uses[name]
        for shown, found in delta.diagnostics.items():
            if found or shown in {f.source.path for f in state.files.values()}:
                state.diagnostics[shown] = found
            else:
                state.diagnostics.pop(shown, None)
        uses_after = {name: state.trait_uses.get(name) for name in delta.checked}
        if uses_before != uses_after or errors_before != self.has_errors():
            self._unused_traits(state)


def _walk(node: Any) -> Iterator[Any]:
    """Every node below an AST or checked-tree node (dataclasses), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, tuple):
            stack.extend(reversed(current))
            continue
        if not dataclasses.is_dataclass(current) or isinstance(current, type | t.Type):
            continue
        yield current
        if isinstance(current, t.TraitRef | t.SegmentRef):
            continue
        for f in dataclasses.fields(current):
            if f.name != "span" and not f.name.endswith("_span"):
                stack.append(getattr(current, f.name))


def references(where: ast.Expr) -> set[str]:
    """The segments an expression names with `in segment` (the AST, before checking)."""
    return {n.name for n in _walk(where) if isinstance(n, ast.InSegment)}


def traits_named(condition: t.Expr) -> frozenset[str]:
    """The traits a checked condition names itself (not through other traits)."""
    return frozenset(n.name for n in _walk(condition) if isinstance(n, t.TraitRef))


def walk_checked(node: Any) -> Iterator[Any]:
    """Every node of a checked tree, not entering traits and referenced segments."""
    return _walk(node)
