"""`segql lsp`: the language server (pygls) over stdio, on segment files, schema.yml and segql.yml of segql projects.

A thin front end of the analysis core (segql.analysis), which answers every question: this module keeps the open
documents, debounces checks (dropping results that a newer keystroke made stale), publishes diagnostics for the files
a change re-checked, converts positions to the encoding the client chose (segql.lsp.convert) and runs a segment's
size on the default target when the user asks (segql.jobs; SELECTs only). Imports pygls, the `lsp` extra.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from segql import __version__
from segql.analysis import PROJECT, SCHEMA, SEGMENT, Analysis
from segql.diagnostics import DiagnosticError, UsageProblem
from segql.jobs import Cancelled, Runner
from segql.lsp import convert
from segql.project import find_project
from segql.source import SourceFile

logger = logging.getLogger("segql.lsp")

SIZE_COMMAND = "segql.size"
OPEN, EVERYWHERE = "open", "project"  # diagnostics of open documents only, or of every file of the project
TRIGGERS = [".", "$", '"', "'"]
T = TypeVar("T")


@dataclass(slots=True)
class Options:
    """How the server behaves; set on the command line or by the client's `initializationOptions`."""

    debounce: float = 0.15  # seconds from the last keystroke to the check
    diagnostics: str = OPEN
    target: str | None = None  # the target sized by the code lens (default: the project's default_target)
    as_of: dt.date | None = None  # the as-of date of sizes (default: today in the project's time zone)
    code_lens: bool = True

    def read(self, given: Any) -> list[str]:
        """Take the client's initializationOptions (`debounce` in ms, `diagnostics`, `target`, `asOf`, `codeLens`);
        returns what was wrong with them (each value left as it was)."""
        if not isinstance(given, dict):
            return [] if given is None else ["initializationOptions must be an object"]
        problems = []
        if "debounce" in given:
            value = given["debounce"]
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10_000:
                self.debounce = value / 1000
            else:
                problems.append("`debounce` must be milliseconds from 0 to 10000")
        if "diagnostics" in given:
            if given["diagnostics"] in (OPEN, EVERYWHERE):
                self.diagnostics = given["diagnostics"]
            else:
                problems.append(f"`diagnostics` must be `{OPEN}` or `{EVERYWHERE}`")
        if "target" in given:
            if given["target"] is None or isinstance(given["target"], str):
                self.target = given["target"] or None
            else:
                problems.append("`target` must name a target of segql.yml")
        if "asOf" in given:
            try:
                self.as_of = dt.date.fromisoformat(given["asOf"]) if given["asOf"] else None
            except (TypeError, ValueError):
                problems.append("`asOf` must be a date (YYYY-MM-DD)")
        if "codeLens" in given:
            if isinstance(given["codeLens"], bool):
                self.code_lens = given["codeLens"]
            else:
                problems.append("`codeLens` must be true or false")
        return problems


@dataclass(eq=False, slots=True)
class Project:
    """One project folder, checked by one analysis core."""

    analysis: Analysis
    edited: set[Path] = field(default_factory=set)  # the files whose editor copy the core reads
    published: set[str] = field(default_factory=set)  # URIs whose diagnostics the client shows
    pending: set[str] = field(default_factory=set)  # files (as shown) re-checked by checks whose results went stale
    sizes: dict[str, tuple[Any, str]] = field(default_factory=dict)  # segment -> (its checked tree when sized, title)
    uris: dict[Path, str] = field(default_factory=dict)  # the URI the client opened a file by (clients spell URIs
    # their own way: a closed file's diagnostics are cleared under the URI they were published for)


@dataclass(eq=False, slots=True)
class Document:
    uri: str
    path: Path
    project: Project
    version: int
    timer: asyncio.TimerHandle | None = None
    closed: bool = False


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """A handler that never lets an exception out: a bug is logged to the client (window/logMessage) and the
    request answered with null, so no input can crash the server."""
    if asyncio.iscoroutinefunction(method):
        @functools.wraps(method)
        async def run_async(self: SegqlServer, *args: Any) -> Any:
            try:
                return await method(self, *args)
            except Exception as err:  # noqa: BLE001 - a bug of segql: reported, never fatal
                self.bug(method.__name__, err)
                return None

        return run_async

    @functools.wraps(method)
    def run(self: SegqlServer, *args: Any) -> Any:
        try:
            return method(self, *args)
        except Exception as err:  # noqa: BLE001 - a bug of segql: reported, never fatal
            self.bug(method.__name__, err)
            return None

    return run


def _plain(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A bound method as the plain function pygls registers (it labels its handlers; methods take no labels)."""
    if asyncio.iscoroutinefunction(handler):
        async def call_async(*args: Any) -> Any:
            return await handler(*args)

        return call_async

    def call(*args: Any) -> Any:
        return handler(*args)

    return call


class SegqlServer(LanguageServer):
    """The language server: one analysis core per project folder (the `--project` one, or the nearest folder above
    each opened file holding segql.yml), and the documents the client has open."""

    def __init__(self, root: Path | None = None, options: Options | None = None) -> None:
        # Whole-document sync: segment files are small, and the core's lines (`\n`) are then the client's exactly.
        super().__init__("segql", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.root = root.resolve() if root is not None else None
        self.options = options or Options()
        self.projects: dict[Path, Project] = {}
        self.documents: dict[str, Document] = {}
        self.by_path: dict[Path, Document] = {}
        self.lock = threading.RLock()  # the analyses are read and changed by one thread at a time
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="segql-check")  # checks, in the order asked
        self.runner = Runner()
        self.markdown = True
        self.hierarchical_symbols = True
        self.retrigger: lsp.Command | None = None
        self.watching = False  # the client tells us about files changed on disk
        self.lens_refresh = False
        self.preload: Path | None = None  # the client's root folder, when it is a project
        self._register()

    def _register(self) -> None:
        features: list[tuple[str, Any, Any]] = [
            (lsp.INITIALIZE, self.initialize, None),
            (lsp.INITIALIZED, self.initialized, None),
            (lsp.SHUTDOWN, self.on_shutdown, None),
            (lsp.TEXT_DOCUMENT_DID_OPEN, self.did_open, None),
            (lsp.TEXT_DOCUMENT_DID_CHANGE, self.did_change, None),
            (lsp.TEXT_DOCUMENT_DID_CLOSE, self.did_close, None),
            (lsp.TEXT_DOCUMENT_DID_SAVE, self.did_save, lsp.SaveOptions(include_text=False)),
            (lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, self.did_change_watched_files, None),
            (lsp.TEXT_DOCUMENT_COMPLETION, self.completion,
             lsp.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=False)),
            (lsp.TEXT_DOCUMENT_HOVER, self.hover, None),
            (lsp.TEXT_DOCUMENT_DEFINITION, self.definition, None),
            (lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, self.document_symbol, None),
            (lsp.TEXT_DOCUMENT_FORMATTING, self.formatting, None),
            (lsp.TEXT_DOCUMENT_CODE_LENS, self.code_lens, lsp.CodeLensOptions(resolve_provider=True)),
            (lsp.CODE_LENS_RESOLVE, self.code_lens_resolve, None),
        ]
        for method, handler, options in features:
            self.feature(method, options)(_plain(handler))
        self.command(SIZE_COMMAND)(_plain(self.size))

    # ---- reporting ----

    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client (pygls picks the client's first choice it supports)."""
        chosen = self.workspace.position_encoding
        return str(getattr(chosen, "value", chosen) or "utf-16")

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def say(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))

    def bug(self, where: str, err: BaseException) -> None:
        logger.exception("internal error in %s", where, exc_info=err)
        self.log(f"internal error in segql {__version__} ({where}): {type(err).__name__}: {err}. This is a bug in segql,"
                 " not in your files; please report it.", lsp.MessageType.Error)

    # ---- projects and documents ----

    def _project_for(self, path: Path) -> tuple[Project | None, bool]:
        """The project a file belongs to (read and checked the first time), and whether it was new."""
        root = self.root if self.root is not None else find_project(path.parent)
        if root is None:
            return None, False
        with self.lock:
            found = self.projects.get(root)
            if found is not None:
                return found, False
            found = self.projects[root] = Project(Analysis(root))
            return found, True

    def _text(self, doc: Document) -> str:
        return convert.normalized(self.workspace.get_text_document(doc.uri).source)

    @staticmethod
    def _core_text(analysis: Analysis, path: Path) -> str | None:
        """The text of a file the core reads: the editor's copy it was given, else the file's (None when unread)."""
        given = analysis.overlays.get(path)
        if given is not None:
            return given
        source = analysis.source(path)
        return source.text if source is not None else None

    def _apply(self, doc: Document, text: str) -> list[str] | None:
        """Give the core the document's text; the files it re-checked, or None when the core read that text already."""
        analysis = doc.project.analysis
        with self.lock:
            if self._core_text(analysis, doc.path) == text:
                return None
            doc.project.edited.add(doc.path)
            return analysis.update(doc.path, text)

    async def _in_worker(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.worker, work)

    def _schedule(self, doc: Document, delay: float) -> None:
        if doc.timer is not None:
            doc.timer.cancel()
        version = doc.version
        doc.timer = asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._check(doc,
                                                                                                          version)))

    @guarded
    async def _check(self, doc: Document, version: int) -> None:
        """The debounced check of one version of a document; its result is dropped when a newer version came in
        meanwhile (that version's own check publishes, with the files this one re-checked)."""
        if doc.closed or doc.version != version:
            return
        doc.timer = None
        text = self._text(doc)

        def work() -> list[str] | None:
            if doc.closed or doc.version != version:  # superseded before it started
                return None
            changed = self._apply(doc, text)
            return [doc.project.analysis.display(doc.path)] if changed is None else changed

        changed = await self._in_worker(work)
        if changed is None:
            return
        project = doc.project
        if doc.closed or doc.version != version:
            project.pending.update(changed)
            return
        self.publish(project, changed)

    def _flush(self, doc: Document) -> None:
        """Check a document now when the core does not read its latest text yet (before answering from the core's
        own copy: symbols, code lenses, sizes)."""
        if doc.timer is not None:
            doc.timer.cancel()
            doc.timer = None
        changed = self._apply(doc, self._text(doc))
        if changed is not None:
            self.publish(doc.project, changed)

    def publish(self, project: Project, files: Iterable[str]) -> None:
        """Send the diagnostics of files (as the core shows them) re-checked, with those of stale checks: of open
        documents (and, with `diagnostics: project`, of every file); a closed file's are cleared."""
        analysis = project.analysis
        shown = set(files) | project.pending
        project.pending.clear()
        encoding = self.encoding
        for name in sorted(shown):
            path = analysis.path_of(name)
            if analysis.kind(path) is None:
                continue
            doc = self.by_path.get(path)
            uri = doc.uri if doc is not None else project.uris.get(path) or convert.uri_of(path)
            if doc is None and self.options.diagnostics != EVERYWHERE:
                if uri in project.published:
                    project.published.discard(uri)
                    self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
                continue
            with self.lock:
                if doc is not None and self._core_text(analysis, path) != self._text(doc):
                    continue  # the core has not read this text yet: its own check publishes
                found = [convert.diagnostic(d, encoding) for d in analysis.diagnostics(path)]
            (project.published.add if found else project.published.discard)(uri)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, diagnostics=found, version=doc.version if doc is not None else None))

    def _document(self, uri: str) -> Document | None:
        return self.documents.get(uri)

    # ---- lifecycle ----

    def initialize(self, params: lsp.InitializeParams) -> None:
        for problem in self.options.read(params.initialization_options):
            self.say(f"segql: {problem}", lsp.MessageType.Warning)
        caps = params.capabilities
        text = caps.text_document
        hover_formats = text.hover.content_format if text is not None and text.hover is not None else None
        self.markdown = hover_formats is None or lsp.MarkupKind.Markdown in hover_formats
        symbols = text.document_symbol if text is not None else None
        self.hierarchical_symbols = bool(symbols and symbols.hierarchical_document_symbol_support)
        watched = caps.workspace.did_change_watched_files if caps.workspace is not None else None
        self.watching = bool(watched and watched.dynamic_registration)
        lens = caps.workspace.code_lens if caps.workspace is not None else None
        self.lens_refresh = bool(lens and lens.refresh_support)
        client = (params.client_info.name if params.client_info is not None else "").lower()
        if "code" in client or "codium" in client:  # VS Code and its kin know this command: completion after `x.`
            self.retrigger = lsp.Command(title="complete again", command="editor.action.triggerSuggest")
        if self.root is None and params.root_uri:
            root_path = to_fs_path(params.root_uri)
            if root_path is not None and (Path(root_path) / "segql.yml").is_file():
                self.preload = Path(root_path).resolve()

    @guarded
    async def initialized(self, params: lsp.InitializedParams) -> None:
        if self.watching:
            watchers = [lsp.FileSystemWatcher(glob_pattern="**/*.{yml,yaml}")]
            try:
                await self.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
                    id="segql-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))
            except Exception as err:  # noqa: BLE001 - the client refused: files saved elsewhere are read on save
                self.watching = False
                self.log(f"segql: the client does not watch files for us ({err}); re-reading the project on save")
        start = self.root or self.preload
        if start is not None:  # read and check the project before the first file is opened
            project, created = await self._in_worker(lambda: self._project_for(start / "segql.yml"))
            if project is not None and created and self.options.diagnostics == EVERYWHERE:
                self.publish(project, project.analysis.files_with_diagnostics())

    def on_shutdown(self, params: None) -> None:
        self.worker.shutdown(wait=False, cancel_futures=True)

    # ---- documents ----

    @guarded
    def did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        fs_path = to_fs_path(uri)
        if fs_path is None:
            return
        project, created = self._project_for(Path(os.path.abspath(fs_path)))
        path = project.analysis.path_of(fs_path) if project is not None else None
        if project is None or path is None or project.analysis.kind(path) is None:
            return  # not a file of a segql project
        project.uris[path] = uri
        doc = Document(uri, path, project, params.text_document.version)
        self.documents[uri] = doc
        self.by_path[path] = doc
        if created and self.options.diagnostics == EVERYWHERE:
            project.pending.update(project.analysis.files_with_diagnostics())
        self._schedule(doc, 0)

    @guarded
    def did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = self._document(params.text_document.uri)
        if doc is None:
            return
        doc.version = params.text_document.version
        self._schedule(doc, self.options.debounce)

    @guarded
    async def did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        doc = self.documents.pop(params.text_document.uri, None)
        if doc is None:
            return
        doc.closed = True
        if doc.timer is not None:
            doc.timer.cancel()
        self.by_path.pop(doc.path, None)
        project = doc.project

        def work() -> list[str]:
            with self.lock:
                if doc.path not in project.edited:
                    return []
                project.edited.discard(doc.path)
                return project.analysis.revert(doc.path)

        changed = await self._in_worker(work)
        self.publish(project, [*changed, project.analysis.display(doc.path)])

    @guarded
    async def did_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        """A client that does not watch files: what was saved elsewhere (a git checkout, another editor) is read
        again with each save."""
        if self.watching:
            return
        doc = self._document(params.text_document.uri)
        if doc is None:
            return
        project = doc.project
        changed = await self._in_worker(lambda: self._locked(project.analysis.reload))
        self.publish(project, changed)

    def _locked(self, work: Callable[[], T]) -> T:
        with self.lock:
            return work()

    @guarded
    async def did_change_watched_files(self, params: lsp.DidChangeWatchedFilesParams) -> None:
        """Files created, changed or deleted on disk (saved outside the editor): read again, with what depends on
        them (everything, for schema.yml or segql.yml)."""
        touched: dict[Project, set[Path]] = {}
        for change in params.changes:
            fs_path = to_fs_path(change.uri)
            if fs_path is None:
                continue
            for project in list(self.projects.values()):
                path = project.analysis.path_of(fs_path)
                if project.analysis.kind(path) is not None:
                    touched.setdefault(project, set()).add(path)
        for project, paths in touched.items():
            def work(project: Project = project, paths: set[Path] = paths) -> list[str]:
                with self.lock:
                    analysis = project.analysis
                    if any(analysis.kind(p) in (SCHEMA, PROJECT) for p in paths):
                        return analysis.reload()
                    return sorted({name for p in sorted(paths) for name in analysis.reload_file(p)})

            self.publish(project, await self._in_worker(work))

    # ---- questions about a position ----

    def _at(self, uri: str, position: lsp.Position | None = None) -> tuple[Document, SourceFile, int, str | None] | None:
        """The open document, its text as a source, the offset of a position in it, and the text to give the core
        (None when the core already reads this text)."""
        doc = self._document(uri)
        if doc is None:
            return None
        text = self._text(doc)
        source = SourceFile(doc.project.analysis.display(doc.path), text)
        with self.lock:
            source_now = doc.project.analysis.source(doc.path)
        given = None if source_now is not None and source_now.text == text else text
        at = convert.offset(source, position, self.encoding) if position is not None else 0
        return doc, source, at, given

    def _ask(self, params: lsp.CompletionParams | lsp.HoverParams | lsp.DefinitionParams,
             question: Callable[[Analysis, Path, int, str | None], T]) -> tuple[SourceFile, T] | None:
        """The core's answer to a question about a position of an open document (None for a document not ours),
        with the document's text as a source to convert the answer's offsets."""
        found = self._at(params.text_document.uri, params.position)
        if found is None:
            return None
        doc, source, offset, given = found
        with self.lock:
            return source, question(doc.project.analysis, doc.path, offset, given)

    @guarded
    def completion(self, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        asked = self._ask(params, Analysis.complete)
        if asked is None:
            return None
        source, items = asked
        return lsp.CompletionList(is_incomplete=False, items=[
            convert.completion(item, i, source, self.encoding, self.markdown, self.retrigger)
            for i, item in enumerate(items)])

    @guarded
    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        asked = self._ask(params, Analysis.hover)
        if asked is None or asked[1] is None:
            return None
        return convert.hover(asked[1], asked[0], self.encoding, self.markdown)

    @guarded
    def definition(self, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        asked = self._ask(params, Analysis.definition)
        if asked is None:
            return None
        located = [convert.location(place, self.encoding) for place in asked[1]]
        return [place for place in located if place is not None]

    # ---- questions about a file ----

    @guarded
    def document_symbol(self, params: lsp.DocumentSymbolParams) -> list[Any] | None:
        doc = self._document(params.text_document.uri)
        if doc is None:
            return None
        self._flush(doc)
        with self.lock:
            analysis = doc.project.analysis
            source = analysis.source(doc.path)
            found = analysis.symbols(doc.path)
        if source is None:
            return []
        if self.hierarchical_symbols:
            return [convert.document_symbol(s, source, self.encoding) for s in found]
        return [info for s in found for info in convert.symbol_information(s, source, doc.uri, self.encoding)]

    @guarded
    def formatting(self, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        """`segql fmt` on the document's text: the edits that lay out its expressions (comments kept); none while the
        file does not parse."""
        from segql.fmt import FormatterBug

        doc = self._document(params.text_document.uri)
        if doc is None:
            return None
        raw = self.workspace.get_text_document(doc.uri).source
        text = convert.normalized(raw)
        try:
            with self.lock:
                formatted = doc.project.analysis.format(doc.path, text)
        except FormatterBug as err:
            self.bug("formatting", err)
            return []
        if formatted is None:
            return []
        if formatted.diagnostics:
            self.log(f"segql: {doc.project.analysis.display(doc.path)} was not formatted: it does not parse")
            return []
        newline = "\r\n" if "\r\n" in raw else "\n"
        return convert.text_edits(SourceFile("", text), formatted.edits, self.encoding, newline)

    # ---- the size of a segment, on request ----

    def _target_name(self, project: Project) -> str | None:
        return self.options.target or project.analysis.project.default_target or None

    @guarded
    def code_lens(self, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        doc = self._document(params.text_document.uri)
        if doc is None or not self.options.code_lens:
            return None
        if doc.project.analysis.kind(doc.path) != SEGMENT:
            return []
        self._flush(doc)
        with self.lock:
            analysis = doc.project.analysis
            source = analysis.source(doc.path)
            segments = [s for s in analysis.symbols(doc.path) if s.kind == "segment"]
        if source is None:
            return []
        return [lsp.CodeLens(range=convert.span_range(source, s.selection.start, s.selection.end, self.encoding),
                             data={"uri": doc.uri, "segment": s.name}) for s in segments]

    @guarded
    def code_lens_resolve(self, lens: lsp.CodeLens) -> lsp.CodeLens:
        data = lens.data if isinstance(lens.data, dict) else {}
        uri, name = data.get("uri"), data.get("segment")
        doc = self._document(uri) if isinstance(uri, str) else None
        if doc is None or not isinstance(name, str):
            lens.command = lsp.Command(title="size", command=SIZE_COMMAND, arguments=[uri, name])
            return lens
        project = doc.project
        with self.lock:
            segment = project.analysis.segment(name)
        known = project.sizes.get(name)
        target = self._target_name(project)
        if known is not None and segment is not None and known[0] is segment:
            title = known[1]
        elif target is None:
            title = "size: segql.yml has no default_target"
        else:
            title = f"size on {target}"
        lens.command = lsp.Command(title=title, command=SIZE_COMMAND, arguments=[doc.uri, name])
        return lens

    @guarded
    async def size(self, *args: Any) -> dict[str, Any] | None:
        """`segql.size URI SEGMENT`: the segment's size on the target (one SELECT), shown as a message and in its
        code lens; every problem (errors in the segment, no target, the database) is a message, never a crash."""
        from segql import insights

        uri, name = (args[0], args[1]) if len(args) >= 2 else (None, None)
        doc = self._document(uri) if isinstance(uri, str) else None
        if doc is None or not isinstance(name, str):
            self.say("segql.size needs an open segment file and a segment's name", lsp.MessageType.Error)
            return None
        self._flush(doc)
        project = doc.project
        with self.lock:
            analysis = project.analysis
            segment = analysis.segment(name)
            if segment is None:
                defined = analysis.segment_definition(name) is not None
                self.say(f"segment `{name}` has errors: fix them to size it" if defined else
                         f"no segment named `{name}`", lsp.MessageType.Warning)
                return None
            try:
                ws = analysis.workspace()
                target = ws.target(self.options.target)
            except UsageProblem as err:
                self.say(f"segql: {err}", lsp.MessageType.Warning)
                return None
        as_of = self.options.as_of
        self.log(f"segql: sizing `{name}` on `{target.name}` …")
        try:
            report, _ = await asyncio.get_running_loop().run_in_executor(None, lambda: self.runner.run(
                ws, target, lambda engine: insights.size(ws, engine, segment, as_of), key=("size", name, id(segment)),
                job=f"size:{name}"))
        except DiagnosticError as err:
            first = err.diagnostics[0] if err.diagnostics else None
            message = f"{first.message}" + (f" ({first.hint})" if first is not None and first.hint else "") \
                if first is not None else "the size could not be computed"
            self.say(f"segql: `{name}` on `{target.name}`: {message}", lsp.MessageType.Error)
            return None
        except (UsageProblem, Cancelled) as err:
            self.say(f"segql: `{name}` on `{target.name}`: {err}", lsp.MessageType.Error)
            return None
        share = f" ({100 * report.members / report.total:.1f}%)" if report.total else ""
        when = f"as of {as_of.isoformat()}" if as_of is not None else "as of today"
        title = f"{report.members:,} of {report.total:,} customers{share} on {target.name}, {when}"
        project.sizes[name] = (segment, title)
        self.say(f"{name}: {title}")
        if self.lens_refresh:
            try:
                await self.workspace_code_lens_refresh_async(None)
            except Exception as err:  # noqa: BLE001 - the lens shows the size when next resolved
                self.log(f"segql: the client did not refresh code lenses ({err})")
        return {"segment": name, "target": target.name, "as_of": as_of.isoformat() if as_of else None,
                "members": report.members, "total": report.total}


def serve(root: Path | None = None, options: Options | None = None) -> None:
    """Run the language server on standard input and output until the client exits."""
    SegqlServer(root, options).start_io()
