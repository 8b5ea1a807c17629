"""`segql lsp` driven over stdio as an editor drives it (pytest-lsp), with the capabilities VS Code and Neovim send:
diagnostics as you type at the right place in every position encoding (non-ASCII text and YAML blocks before the
mistake), for the files that depend on a change, cleared on close, after a schema change and after a file is saved
outside the editor; completion, hover, definitions, symbols, formatting and the size code lens on the retail example
(its size checked against the reference evaluator); malformed files answered with diagnostics, never a crash.

One server per client kind for the whole module; each test leaves the files and documents as it found them.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from segql.fmt import format_source
from segql.source import SourceFile
from tests.workbench import AS_OF, make_project, retail_evaluator

pytestmark = pytest.mark.asyncio(loop_scope="module")

RETAIL = Path(__file__).resolve().parent.parent / "examples" / "retail"
CURSOR = "‸"
TIMEOUT = 20.0  # seconds a test waits for an answer before it fails (never a measure of speed)


# ---- the client: pytest-lsp's, recording every publication and registration ----


@dataclass
class Editor:
    """What a client kind sends at start-up, and the encoding the server must then use."""

    name: str
    capabilities: str  # pytest-lsp's captured capabilities of this client
    client_info: str
    encoding: str
    encodings: list[str] | None = None  # positionEncodings to offer instead of the captured ones


EDITORS = [
    Editor("vscode", "visual_studio_code_v1.65.2.json", "Visual Studio Code", "utf-16"),
    Editor("neovim", "neovim_v0.11.0.json", "Neovim", "utf-8"),
    Editor("utf32", "neovim_v0.11.0.json", "Neovim", "utf-32", ["utf-32"]),
]


# The tests whose answers depend on how positions are counted run with every encoding; the others (the server's
# behaviour, the same in each) with VS Code's and Neovim's capabilities only.
BEHAVIOUR = pytest.mark.parametrize("editor_client", EDITORS[:2], indirect=True, ids=[e.name for e in EDITORS[:2]])


@dataclass
class Record:
    published: list[lsp.PublishDiagnosticsParams] = field(default_factory=list)
    registrations: list[lsp.Registration] = field(default_factory=list)
    lens_refreshes: int = 0


RECORDS: dict[int, Record] = {}


def record_of(client: LanguageClient) -> Record:
    return RECORDS.setdefault(id(client), Record())


def publish(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    record_of(client).published.append(params)


def register(client: LanguageClient, params: lsp.RegistrationParams) -> None:
    record_of(client).registrations.extend(params.registrations)


def refresh_lenses(client: LanguageClient, params: None) -> None:
    record_of(client).lens_refreshes += 1


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   lsp.CLIENT_REGISTER_CAPABILITY: register,
                                   lsp.WORKSPACE_CODE_LENS_REFRESH: refresh_lenses})
    return client


def initialize_params(editor: Editor, root: Path) -> lsp.InitializeParams:
    captured = json.loads(resources.files("pytest_lsp.clients").joinpath(editor.capabilities).read_text())
    params = default_converter().structure(captured, lsp.InitializeParams)
    if editor.encodings is not None:
        params.capabilities.general = lsp.GeneralClientCapabilities(position_encodings=editor.encodings)
    params.client_info = lsp.ClientInfo(name=editor.client_info)
    params.root_uri = root.as_uri()
    params.workspace_folders = [lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)]
    params.initialization_options = {"debounce": 30, "asOf": AS_OF.isoformat()}
    return params


@dataclass
class Session:
    client: LanguageClient
    editor: Editor
    root: Path  # the retail example with its data
    bare: Path  # the retail example without data: sizes fail there
    result: lsp.InitializeResult
    database: Path  # the retail data the project's copy came from
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def record(self) -> Record:
        return record_of(self.client)

    def uri(self, file: str, root: Path | None = None) -> str:
        return ((root or self.root) / file).absolute().as_uri()  # as written: a link in the path is the client's

    def units(self, text: str) -> int:
        return {"utf-16": len(text.encode("utf-16-le")) // 2, "utf-8": len(text.encode("utf-8")),
                "utf-32": len(text)}[self.editor.encoding]

    def position(self, text: str, offset: int) -> lsp.Position:
        """An offset of `text` as this client counts (computed here from Python's encoders)."""
        line = text.count("\n", 0, offset)
        start = text.rfind("\n", 0, offset) + 1
        return lsp.Position(line=line, character=self.units(text[start:offset]))

    def offset(self, text: str, at: lsp.Position) -> int:
        lines = text.split("\n")
        start = sum(len(x) + 1 for x in lines[:at.line])
        line = lines[at.line] if at.line < len(lines) else ""
        for i in range(len(line) + 1):
            if self.units(line[:i]) >= at.character:
                return start + i
        return start + len(line)

    def open(self, file: str, text: str | None = None, root: Path | None = None) -> str:
        uri = self.uri(file, root)
        path = (root or self.root) / file
        body = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=body)))
        return uri

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri)))
        self.versions.pop(uri, None)

    def mark(self) -> int:
        return len(self.record.published)

    async def published(self, uri: str, since: int, version: int | None = None,
                        check: Any = None) -> lsp.PublishDiagnosticsParams:
        """The first publication for `uri` after `since` (of `version`, or passing `check`, when given)."""
        async def wait() -> lsp.PublishDiagnosticsParams:
            seen = since
            while True:
                found = self.record.published
                for item in found[seen:]:
                    if item.uri == uri and (version is None or item.version == version) and \
                            (check is None or check(item.diagnostics)):
                        return item
                seen = len(found)
                await asyncio.sleep(0.005)

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def diagnostics(self, uri: str, since: int, version: int | None = None) -> list[lsp.Diagnostic]:
        return list((await self.published(uri, since, version)).diagnostics)

    async def eventually(self, uri: str, since: int, check: Any) -> list[lsp.Diagnostic]:
        """The diagnostics of `uri` once they pass `check` (for a file whose version does not change: a dependant,
        or one whose dependency changed on disk; the publications before that may come from earlier checks)."""
        return list((await self.published(uri, since, check=check)).diagnostics)

    def internal_errors(self) -> list[str]:
        return [m.message for m in self.client.log_messages if "internal error" in m.message]


def server_command() -> list[str]:
    return [sys.executable, "-c", "from segql.cli import main; main()", "lsp"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command(), client_factory=make_client),
                    scope="module", params=EDITORS, ids=[e.name for e in EDITORS])
async def editor_client(client: LanguageClient, request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> AsyncIterator[None]:
    """A server for the module and one client kind, initialized on a copy of the retail example (with its data)."""
    editor: Editor = request.param
    root = make_project(tmp_path_factory.mktemp(f"lsp-{editor.name}"), retail_duckdb)
    bare = tmp_path_factory.mktemp(f"lsp-{editor.name}-bare")
    for item in ("segql.yml", "schema.yml", "segments"):
        (shutil.copytree if (RETAIL / item).is_dir() else shutil.copy)(RETAIL / item, bare / item)
    result = await client.initialize_session(initialize_params(editor, root))
    SESSIONS[id(client)] = Session(client, editor, root, bare, result, retail_duckdb)
    yield
    await client.shutdown_session()


SESSIONS: dict[int, Session] = {}


@pytest.fixture
def lsp_session(editor_client: LanguageClient) -> Iterator[Session]:
    """The module's session; each test must end without an internal error of the server and with no document open."""
    session = SESSIONS[id(editor_client)]
    before = len(session.internal_errors())
    yield session
    left = sorted(session.versions)
    for uri in left:  # a failed test's documents: closed, so that the next test starts clean
        session.close(uri)
    assert session.internal_errors()[before:] == []
    assert left == [], "a test left documents open"


# ---- capabilities ----


async def test_the_server_announces_its_features_and_the_clients_encoding(lsp_session: Session) -> None:
    caps = lsp_session.result.capabilities
    assert caps.position_encoding == lsp_session.editor.encoding
    assert caps.completion_provider is not None and "." in (caps.completion_provider.trigger_characters or [])
    assert caps.hover_provider and caps.definition_provider and caps.document_symbol_provider
    assert caps.document_formatting_provider
    assert caps.code_lens_provider is not None and caps.code_lens_provider.resolve_provider
    assert caps.execute_command_provider is not None and "segql.size" in caps.execute_command_provider.commands
    assert lsp_session.result.server_info is not None and lsp_session.result.server_info.name == "segql"
    # VS Code registers watchers dynamically; Neovim (0.11 on Linux) cannot, and the server re-reads on save instead
    if lsp_session.editor.name == "vscode":
        async def registered() -> list[lsp.Registration]:
            while not lsp_session.record.registrations:
                await asyncio.sleep(0.005)
            return lsp_session.record.registrations

        [watched] = await asyncio.wait_for(registered(), TIMEOUT)
        assert watched.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
        assert isinstance(watched.register_options, dict) and watched.register_options["watchers"] == [
            {"globPattern": "**/*.{yml,yaml}"}]
    else:
        assert lsp_session.record.registrations == []


# ---- diagnostics ----

HVL = "segments/high_value_lapsed.yml"
PLACES = {  # where a typo sits: after non-ASCII text (2- and 4-unit characters in UTF-16 and UTF-8) in a block
    "block": ("where: |\n  country in [\"US\", \"CA\"]\n  and address.city != \"Zürich 🏙\" and lifetime_vlue > 3\n",
              "lifetime_vlue"),
    "list item": ("where:\n  all:\n    - address.city = \"Göteborg 🚲\"\n    - lifetime_vlue >= 100\n", "lifetime_vlue"),
    "quoted": ("description: \"Ünïcödé — ☕ everywhere\"\nwhere: \"address.city = 'Łódź 🎈' and lifetime_vlue > 3\"\n",
               "lifetime_vlue"),
    "folded": ("where: >\n  address.city = \"Straße 𝔘\"\n  and\n  lifetime_vlue > 3\n", "lifetime_vlue"),
}


@pytest.mark.parametrize("place", list(PLACES))
async def test_a_typo_is_shown_where_it_is_in_the_clients_encoding(lsp_session: Session, place: str) -> None:
    body, typo = PLACES[place]
    text = f"name: typo_{place.replace(' ', '_')}\n{body}"
    since = lsp_session.mark()
    uri = lsp_session.open(f"segments/typo_{place.replace(' ', '_')}.yml", text)
    found = await lsp_session.diagnostics(uri, since, 1)
    lsp_session.close(uri)
    start = text.index(typo)
    assert [(d.code, d.range.start, d.range.end) for d in found] == [
        ("E201", lsp_session.position(text, start), lsp_session.position(text, start + len(typo)))]
    assert found[0].severity == lsp.DiagnosticSeverity.Error and found[0].source == "segql"
    assert "did you mean `lifetime_value`" in found[0].message


@BEHAVIOUR
async def test_diagnostics_follow_typing_debounced_and_never_go_back(lsp_session: Session) -> None:
    original = (lsp_session.root / HVL).read_text(encoding="utf-8")
    since = lsp_session.mark()
    uri = lsp_session.open(HVL, original)
    assert await lsp_session.diagnostics(uri, since, 1) == []
    typed = " and lifetime_vlue > 2"
    since = lsp_session.mark()
    for i in range(1, len(typed) + 1):  # one keystroke after another, faster than the debounce
        last = lsp_session.change(uri, original.rstrip("\n") + typed[:i] + "\n")
    found = await lsp_session.diagnostics(uri, since, last)
    text = original.rstrip("\n") + typed + "\n"
    assert [(d.code, d.range.start) for d in found] == [("E201", lsp_session.position(text, text.index("lifetime_vlue")))]
    mine = [p for p in lsp_session.record.published[since:] if p.uri == uri]
    assert len(mine) < len(typed)  # debounced: not a check per keystroke
    versions = [p.version for p in mine]
    assert versions == sorted(versions) and versions[-1] == last  # stale results dropped: never an older version
    since = lsp_session.mark()
    fixed = lsp_session.change(uri, original)
    assert await lsp_session.diagnostics(uri, since, fixed) == []
    lsp_session.close(uri)


@BEHAVIOUR
async def test_a_change_rechecks_the_files_that_depend_on_it(lsp_session: Session) -> None:
    since = lsp_session.mark()
    vip = lsp_session.open("segments/vip.yml")
    healthy = lsp_session.open("segments/vip_healthy.yml")
    assert await lsp_session.diagnostics(healthy, since, 1) == []
    original = (lsp_session.root / "segments/vip.yml").read_text(encoding="utf-8")
    since = lsp_session.mark()
    lsp_session.change(vip, original.replace("name: vip\n", "name: very_important\n"))
    found = await lsp_session.eventually(healthy, since, lambda ds: ds)  # the dependant, not the file changed
    assert [(d.code, d.range.start.line) for d in found] == [("E205", 5)] and "`vip`" in found[0].message
    since = lsp_session.mark()
    lsp_session.change(vip, original)
    assert await lsp_session.eventually(healthy, since, lambda ds: not ds) == []
    lsp_session.close(vip)
    lsp_session.close(healthy)


@BEHAVIOUR
async def test_closing_a_file_clears_its_unsaved_mistakes(lsp_session: Session) -> None:
    original = (lsp_session.root / HVL).read_text(encoding="utf-8")
    since = lsp_session.mark()
    uri = lsp_session.open(HVL, original.replace("email_opt_in", "emial_opt_in"))
    assert [d.code for d in await lsp_session.diagnostics(uri, since, 1)] == ["E201"]
    since = lsp_session.mark()
    lsp_session.close(uri)
    assert await lsp_session.diagnostics(uri, since) == []


@BEHAVIOUR
async def test_a_file_opened_through_a_link_to_the_project_is_answered_under_its_uri(lsp_session: Session) -> None:
    """The project folder reached through a link (as macOS's /tmp is): the client's own URI gets the diagnostics,
    and the clearing on close."""
    alias = lsp_session.root.parent / f"{lsp_session.root.name}-alias"
    if not alias.exists():
        alias.symlink_to(lsp_session.root, target_is_directory=True)
    text = (lsp_session.root / HVL).read_text(encoding="utf-8").replace("email_opt_in", "emial_opt_in")
    since = lsp_session.mark()
    uri = lsp_session.open(HVL, text, root=alias)
    assert uri.startswith(alias.as_uri())
    assert [d.code for d in await lsp_session.diagnostics(uri, since, 1)] == ["E201"]
    since = lsp_session.mark()
    lsp_session.close(uri)
    assert await lsp_session.diagnostics(uri, since) == []


@BEHAVIOUR
async def test_a_schema_change_rechecks_the_open_segments(lsp_session: Session) -> None:
    since = lsp_session.mark()
    hvl = lsp_session.open(HVL)
    schema = lsp_session.open("schema.yml")
    assert await lsp_session.diagnostics(hvl, since, 1) == []
    original = (lsp_session.root / "schema.yml").read_text(encoding="utf-8")
    since = lsp_session.mark()
    lsp_session.change(schema, original.replace("  spend_365:", "  spend_last_year:"))
    found = await lsp_session.eventually(hvl, since, lambda ds: ds)
    assert [d.code for d in found] == ["E201"] and "`spend_365`" in found[0].message
    since = lsp_session.mark()
    lsp_session.change(schema, original)
    assert await lsp_session.eventually(hvl, since, lambda ds: not ds) == []
    lsp_session.close(schema)
    lsp_session.close(hvl)


@BEHAVIOUR
async def test_a_file_saved_outside_the_editor_is_read_again(lsp_session: Session) -> None:
    """VS Code tells about files changed on disk (the watcher the server registered); Neovim does not, so the
    server reads the project again when a file is saved."""
    path = lsp_session.root / "segments" / "churn_risk.yml"
    original = path.read_text(encoding="utf-8")
    since = lsp_session.mark()
    healthy = lsp_session.open("segments/vip_healthy.yml")
    assert await lsp_session.diagnostics(healthy, since, 1) == []

    async def saved_elsewhere(text: str, broken: bool) -> list[lsp.Diagnostic]:
        path.write_text(text, encoding="utf-8")
        mark = lsp_session.mark()
        if lsp_session.editor.name == "vscode":
            lsp_session.client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
                lsp.FileEvent(uri=path.as_uri(), type=lsp.FileChangeType.Changed)]))
        else:
            lsp_session.client.text_document_did_save(lsp.DidSaveTextDocumentParams(
                text_document=lsp.TextDocumentIdentifier(uri=healthy)))
        return await lsp_session.eventually(healthy, mark, lambda ds: bool(ds) == broken)

    try:
        found = await saved_elsewhere(original.replace("name: churn_risk", "name: churn_danger"), True)
        assert [d.code for d in found] == ["E205"] and "churn_risk" in found[0].message
    finally:
        assert await saved_elsewhere(original, False) == []
    lsp_session.close(healthy)


MALFORMED = {
    "broken flow": "name: broken\nwhere: [\n",
    "not a mapping": "- just\n- a list\n",
    "tabs and NUL": "name: x\n\twhere: \x00\n",
    "empty": "",
    "unclosed aggregate": "name: x\nwhere: |\n  count(orders where (status = \"paid\"\n",
    "deep nesting": "name: deep\nwhere: " + "not " * 3000 + "(email_opt_in and " * 500 + "sms_opt_in" + ")" * 500 + "\n",
    "duplicate keys": "name: dup\nwhere: email_opt_in\nwhere: sms_opt_in\n",
    "unterminated string": "name: s\nwhere: 'country = \"US'\n",
    "odd unicode": "name: u\nwhere: country = \"\u2028\ud7ff\ufeff\" and 🦄\n",
    "params not a map": "name: p\nparams: 3\nwhere: $x > 1\n",
}


@BEHAVIOUR
@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_files_get_diagnostics_and_every_request_an_answer(lsp_session: Session, case: str) -> None:
    text = MALFORMED[case]
    since = lsp_session.mark()
    uri = lsp_session.open("segments/malformed.yml", text)
    found = await lsp_session.diagnostics(uri, since, 1)
    assert found and all(d.severity == lsp.DiagnosticSeverity.Error for d in found)
    document = lsp.TextDocumentIdentifier(uri=uri)
    lines = text.split("\n")
    for line in range(len(lines) + 1):
        for character in (0, 3, 10_000):
            at = lsp.Position(line=line, character=character)
            await lsp_session.client.text_document_completion_async(lsp.CompletionParams(text_document=document,
                                                                                         position=at))
            await lsp_session.client.text_document_hover_async(lsp.HoverParams(text_document=document, position=at))
            await lsp_session.client.text_document_definition_async(lsp.DefinitionParams(text_document=document,
                                                                                         position=at))
    await lsp_session.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=document))
    assert not await lsp_session.client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=document, options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    await lsp_session.client.text_document_code_lens_async(lsp.CodeLensParams(text_document=document))
    lsp_session.close(uri)


@BEHAVIOUR
async def test_a_broken_schema_is_a_diagnostic_of_schema_yml(lsp_session: Session) -> None:
    original = (lsp_session.root / "schema.yml").read_text(encoding="utf-8")
    since = lsp_session.mark()
    schema = lsp_session.open("schema.yml", original.replace("  lifetime_value: {type: decimal",
                                                             "  lifetime_value: {type: decimel"))
    found = await lsp_session.diagnostics(schema, since, 1)
    line = original.split("\n").index(next(x for x in original.split("\n") if x.startswith("  lifetime_value:")))
    assert [(d.code, d.range.start.line) for d in found] == [("E230", line)]
    since = lsp_session.mark()
    lsp_session.close(schema)
    assert await lsp_session.diagnostics(schema, since) == []


# ---- completion ----

SPLIT = "name: spring_promo\nwhere: email_opt_in\nsplits:\n  groups: {treatment: 90, holdout: 10}\n"

COMPLETIONS = [  # (where the cursor is, labels that must be offered, labels that must not)
    ('where: address.‸', {"address.state", "address.city", "address.postal_code"}, {"country"}),
    ('where: address.ci‸', {"address.city"}, {"address.state"}),
    ('where: |\n  count(orders where status = ‸', {'"paid"', '"cancelled"', '"refunded"'}, set()),
    ('where: |\n  has orders where status = "re‸', {"refunded"}, {"paid"}),
    ('where: country in ["US", ‸', {'"CA"', '"GB"', '"DE"', '"FR"'}, set()),
    ('where: has ‸', {"orders", "web_sessions", "support_tickets", "no"}, {"country"}),
    ('where: |\n  count(orders where am‸', {"amount"}, {"pages"}),
    ('where: |\n  sum(orders.‸', {"orders.amount", "orders.status"}, {"orders.pages"}),
    ('where: spe‸', {"spend_365"}, set()),
    ('where: in segment v‸', {"vip", "vip_healthy"}, {"churn_risk"}),
    ('where: in segment spring_promo.‸', {"spring_promo.treatment", "spring_promo.holdout"}, set()),
    ('params:\n  floor: {type: decimal, default: 5}\nwhere: lifetime_value > $‸', {"$floor"}, set()),
    ('where: days_b‸', {"days_between"}, set()),
    ('where: has no orders in l‸', {"in last"}, set()),
    ('where: has cart_adds in last 3 days then ‸', {"orders", "no"}, set()),
    ('where: |\n  has cart_adds in last 3 days then no orders wi‸', {"within"}, set()),
    ('where: count_d‸', {"count_days"}, set()),
    ('where: lifetime_value > 10 an‸', {"and"}, set()),
    ('where: in segment campaign_waves.‸', {"campaign_waves.cart_abandoners", "campaign_waves.browse_abandoners",
                                            "campaign_waves.birthday_next_week"}, set()),  # a priority list's groups
    ('where: in segment cart_abandoners.h‸', {"cart_abandoners.holdout"}, {"cart_abandoners.reminder"}),
    ('where: next_ann‸', {"next_anniversary"}, set()),  # round 2's functions
    ('where: bucke‸', {"bucket"}, set()),
    ('where: email_dom‸', {"email_domain"}, set()),  # a SQL trait
    ('where: |\n  has web_sessions as w then orders where channel = w.‸', {"w.device", "w.pages"}, {"w.amount"}),
]


@pytest.mark.parametrize("case", COMPLETIONS, ids=[c[0].replace("\n", "⏎") for c in COMPLETIONS])
async def test_completion(lsp_session: Session, case: tuple[str, set[str], set[str]]) -> None:
    marked, wanted, unwanted = case
    text = "name: completing\n" + marked
    offset = text.index(CURSOR)
    text = text.replace(CURSOR, "")
    split = lsp_session.open("segments/spring_promo.yml", SPLIT)
    since = lsp_session.mark()
    uri = lsp_session.open("segments/completing.yml", text)
    await lsp_session.published(uri, since, 1)
    answer = await lsp_session.client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp_session.position(text, offset)))
    lsp_session.close(uri)
    lsp_session.close(split)
    assert answer is not None
    items = answer.items if isinstance(answer, lsp.CompletionList) else answer
    labels = {i.label for i in items}
    assert wanted <= labels, sorted(labels)
    assert not unwanted & labels
    if all(w.startswith('"') for w in wanted):  # enum values come first, before other names
        first = sorted(items, key=lambda i: i.sort_text or "")[:len(wanted)]
        assert all(i.label.startswith('"') and i.kind == lsp.CompletionItemKind.EnumMember for i in first)
    for item in items:  # each edit replaces what was typed of the word, up to the cursor
        assert isinstance(item.text_edit, lsp.TextEdit)
        assert lsp_session.offset(text, item.text_edit.range.end) == offset
        assert lsp_session.offset(text, item.text_edit.range.start) <= offset


async def completion_at_the_end(session: Session, text: str) -> lsp.CompletionList:
    """Open `text` as a new segment file, ask for completion after its last character, close it."""
    since = session.mark()
    uri = session.open("segments/completing.yml", text)
    await session.published(uri, since, 1)
    answer = await session.client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=session.position(text, len(text))))
    session.close(uri)
    assert isinstance(answer, lsp.CompletionList)
    return answer


async def test_completion_after_non_ascii_text_on_the_line(lsp_session: Session) -> None:
    text = 'name: completing\nwhere: address.city = "Zürich 🏙" and address.st'
    answer = await completion_at_the_end(lsp_session, text)
    [item] = [i for i in answer.items if i.label == "address.state"]
    assert isinstance(item.text_edit, lsp.TextEdit) and item.text_edit.new_text == "address.state"
    assert item.text_edit.range.start == lsp_session.position(text, text.rindex("address.st"))
    assert item.kind == lsp.CompletionItemKind.Field and item.detail == "string"


@BEHAVIOUR
async def test_completing_a_lookup_asks_again_for_its_attributes_in_vscode(lsp_session: Session) -> None:
    answer = await completion_at_the_end(lsp_session, "name: completing\nwhere: addr")
    [item] = [i for i in answer.items if i.label == "address"]
    assert isinstance(item.text_edit, lsp.TextEdit) and item.text_edit.new_text == "address."
    assert (item.command is not None) == (lsp_session.editor.name == "vscode")  # a command only VS Code knows


# ---- hover and definitions ----


async def ask(session: Session, method: str, file: str, marked: str, root: Path | None = None) -> Any:
    """Open `file` with its own text, ask `method` at the first place `marked` (a part of the text holding the
    cursor mark) points to, close it; the answer and the text."""
    text = ((root or session.root) / file).read_text(encoding="utf-8")
    offset = text.index(marked.replace(CURSOR, "")) + marked.index(CURSOR)
    since = session.mark()
    uri = session.open(file, text, root)
    await session.published(uri, since, 1)
    document = lsp.TextDocumentIdentifier(uri=uri)
    at = session.position(text, offset)
    if method == "hover":
        answer = await session.client.text_document_hover_async(lsp.HoverParams(text_document=document, position=at))
    else:
        answer = await session.client.text_document_definition_async(lsp.DefinitionParams(text_document=document,
                                                                                          position=at))
    session.close(uri)
    return answer, text


HOVERS = [  # (file, the cursor's place, what the hover must say)
    (HVL, "spend_3‸65 >", ["**trait** `spend_365`: decimal", 'sum(orders.amount where status = "paid" in last 365 days)']),
    (HVL, "country‸ in", ["**attribute** `country`", "Billing country", 'values: "US", "CA", "GB", "DE", "FR"']),
    (HVL, "$min_‸spend", ["**parameter** `$min_spend`: decimal", "default: `500`"]),
    (HVL, "has no ord‸ers", ["**event** `orders`", "sales.orders", "Every order, online or in a store"]),
    ("segments/vip_healthy.yml", "in segment vi‸p\n", ["**segment** `vip`", "Our best customers", "segments/vip.yml"]),
    ("segments/vip.yml", 'status = "refunded"', ["**attribute** `status` of each `orders` event",
                                                 'values: "paid", "cancelled", "refunded"']),
    ("segments/gmail_subscribers.yml", "email_dom‸ain", ["**trait** `email_domain`: string · SQL",
                                                        "duckdb: lower(split_part(c.email, '@', 2))"]),
    ("segments/campaign_waves.yml", "browse_aband‸oners", ["**segment** `browse_abandoners`", "Looked at a product"]),
]


@pytest.mark.parametrize("case", HOVERS, ids=[c[1] for c in HOVERS])
async def test_hover(lsp_session: Session, case: tuple[str, str, list[str]]) -> None:
    file, marked, wanted = case
    marked = marked if CURSOR in marked else CURSOR + marked
    answer, text = await ask(lsp_session, "hover", file, marked)
    assert isinstance(answer, lsp.Hover) and isinstance(answer.contents, lsp.MarkupContent)
    assert answer.contents.kind == lsp.MarkupKind.Markdown
    for part in wanted:
        assert part in answer.contents.value
    assert answer.range is not None
    word = text[lsp_session.offset(text, answer.range.start):lsp_session.offset(text, answer.range.end)]
    assert word in marked.replace(CURSOR, "")


DEFINITIONS = [  # (file, the cursor's place, the file declaring it, the start of the line it is declared on)
    (HVL, "spend_3‸65", "schema.yml", "  spend_365:"),
    (HVL, "$min_‸spend", HVL, "  min_spend:"),
    (HVL, "has no ord‸ers", "schema.yml", "  orders:"),
    ("segments/vip_healthy.yml", "in segment vi‸p\n", "segments/vip.yml", "name: vip"),
    ("segments/vip_healthy.yml", "in segment churn_r‸isk", "segments/churn_risk.yml", "name: churn_risk"),
    ("segments/young_families_ca_tx.yml", "addr‸ess.state", "schema.yml", "  address:"),
    ("segments/young_families_ca_tx.yml", "address.sta‸te", "schema.yml", "      state:"),
    ("schema.yml", "orders.amo‸unt where", "schema.yml", "      amount:"),
    ("segments/campaign_waves.yml", "browse_aband‸oners", "segments/browse_abandoners.yml", "name: browse_abandoners"),
    ("segments/cart_abandoners.yml", "then no ord‸ers", "schema.yml", "  orders:"),
]


@pytest.mark.parametrize("case", DEFINITIONS, ids=[c[1] for c in DEFINITIONS])
async def test_go_to_definition(lsp_session: Session, case: tuple[str, str, str, str]) -> None:
    file, marked, declared_in, line_start = case
    answer, _ = await ask(lsp_session, "definition", file, marked)
    assert isinstance(answer, list) and len(answer) == 1
    [place] = answer
    assert place.uri == lsp_session.uri(declared_in)
    target = (lsp_session.root / declared_in).read_text(encoding="utf-8").split("\n")
    assert target[place.range.start.line].startswith(line_start), target[place.range.start.line]


async def test_definition_of_an_open_file_points_into_its_unsaved_text(lsp_session: Session) -> None:
    """A trait renamed and moved in an unsaved schema.yml: the definition is where the editor's text has it."""
    original = (lsp_session.root / "schema.yml").read_text(encoding="utf-8")
    moved = original.replace("traits:\n", "traits:\n  # ☕ Ünïcödé comment pushing things down\n\n", 1)
    since = lsp_session.mark()
    schema = lsp_session.open("schema.yml", moved)
    await lsp_session.published(schema, since, 1)
    answer, _ = await ask(lsp_session, "definition", HVL, "spend_3‸65")
    lsp_session.close(schema)
    [place] = answer
    assert moved.split("\n")[place.range.start.line].startswith("  spend_365:")
    assert place.range.start.line == original.split("\n").index(
        next(x for x in original.split("\n") if x.startswith("  spend_365:"))) + 2


# ---- symbols, formatting ----


def flatten(symbols: list[Any]) -> list[tuple[str, lsp.SymbolKind, int]]:
    out = []
    for s in symbols:
        out.append((s.name, s.kind, s.selection_range.start.line))
        assert s.range.start <= s.selection_range.start and s.selection_range.end <= s.range.end
        out += [(f"{s.name}.{n}", k, line) for n, k, line in flatten(s.children or [])]
    return out


async def symbols_of(session: Session, file: str) -> list[tuple[str, lsp.SymbolKind, int]]:
    since = session.mark()
    uri = session.open(file)
    await session.published(uri, since, 1)
    answer = await session.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    session.close(uri)
    return flatten(answer or [])


async def test_document_symbols_of_the_three_kinds_of_file(lsp_session: Session) -> None:
    assert await symbols_of(lsp_session, HVL) == [("high_value_lapsed", lsp.SymbolKind.Class, 0),
                                                  ("high_value_lapsed.min_spend", lsp.SymbolKind.TypeParameter, 5)]
    schema = await symbols_of(lsp_session, "schema.yml")
    schema_lines = (lsp_session.root / "schema.yml").read_text(encoding="utf-8").split("\n")
    for name, _, line in schema:
        assert schema_lines[line].lstrip().startswith(name.split(".")[-1] + ":")
    names = {name: kind for name, kind, _ in schema}
    assert names["country"] == lsp.SymbolKind.Field and names["address"] == lsp.SymbolKind.Module
    assert names["address.state"] == lsp.SymbolKind.Field and names["orders"] == lsp.SymbolKind.Event
    assert names["orders.amount"] == lsp.SymbolKind.Field and names["spend_365"] == lsp.SymbolKind.Function
    assert await symbols_of(lsp_session, "segql.yml") == [("local", lsp.SymbolKind.Object, 11),
                                                         ("warehouse", lsp.SymbolKind.Object, 12),
                                                         ("email", lsp.SymbolKind.Interface, 15),
                                                         ("sms", lsp.SymbolKind.Interface, 16)]


def applied(session: Session, text: str, edits: list[lsp.TextEdit]) -> str:
    """The client's side of formatting: the edits applied to the text, last first."""
    spans = [(session.offset(text, e.range.start), session.offset(text, e.range.end), e.new_text) for e in edits]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


UNFORMATTED = ('name: messy\ndescription: "Ünïcödé ☕ before the edits"\nwhere: |\n  country   in ["US","CA"]'
               '   and  (lifetime_value>1000 or loyalty_tier = "gold")  # a comment kept\n'
               'params:\n  floor: {type: decimal, default: 5}\n')


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
async def test_formatting_through_fmt(lsp_session: Session, newline: str) -> None:
    text = UNFORMATTED.replace("\n", newline)
    since = lsp_session.mark()
    uri = lsp_session.open("segments/messy.yml", text)
    await lsp_session.published(uri, since, 1)
    edits = await lsp_session.client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), options=lsp.FormattingOptions(tab_size=2,
                                                                                        insert_spaces=True)))
    lsp_session.close(uri)
    assert edits
    expected = format_source(SourceFile("segments/messy.yml", UNFORMATTED)).text
    assert 'where: |\n  country in ["US", "CA"]\n  and (lifetime_value > 1000 or loyalty_tier = "gold")  # a comment kept\n' \
        in expected
    result = applied(lsp_session, text.replace("\r\n", "\n"), [
        lsp.TextEdit(range=e.range, new_text=e.new_text.replace("\r\n", "\n")) for e in edits])
    assert result == expected
    assert all(newline in e.new_text or "\n" not in e.new_text for e in edits)  # the document's own line ends


# ---- the size code lens ----


async def lenses_of(session: Session, uri: str) -> list[lsp.CodeLens]:
    found = await session.client.text_document_code_lens_async(lsp.CodeLensParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    return [await session.client.code_lens_resolve_async(lens) for lens in found or []]


async def size(session: Session, uri: str, name: str) -> Any:
    return await session.client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command="segql.size", arguments=[uri, name]))


@BEHAVIOUR
async def test_the_code_lens_sizes_a_segment_on_the_default_target(lsp_session: Session) -> None:
    since = lsp_session.mark()
    uri = lsp_session.open("segments/vip.yml")
    await lsp_session.published(uri, since, 1)
    [lens] = await lenses_of(lsp_session, uri)
    assert lens.range.start.line == 0 and lens.command is not None
    assert lens.command.title == "size on local" and lens.command.command == "segql.size"
    messages = len(lsp_session.client.messages)
    answer = await size(lsp_session, *lens.command.arguments)
    evaluator = retail_evaluator(lsp_session.database)
    from segql.analysis import Analysis

    expected = len(evaluator.members(Analysis(lsp_session.root).segment("vip")))
    assert answer == {"segment": "vip", "target": "local", "as_of": AS_OF.isoformat(), "members": expected,
                      "total": len(evaluator.data.customers)}
    shown = [m.message for m in lsp_session.client.messages[messages:]]
    assert any(m.startswith(f"vip: {expected:,} of ") for m in shown), shown
    [lens] = await lenses_of(lsp_session, uri)
    assert lens.command is not None and lens.command.title.startswith(f"{expected:,} of ")
    assert (lsp_session.record.lens_refreshes > 0) == (lsp_session.editor.name == "vscode")
    since = lsp_session.mark()
    lsp_session.change(uri, (lsp_session.root / "segments/vip.yml").read_text().replace("paid_orders >= 5",
                                                                                          "paid_orders >= 6"))
    await lsp_session.published(uri, since)
    [lens] = await lenses_of(lsp_session, uri)
    assert lens.command is not None and lens.command.title == "size on local"  # that size was of another definition
    lsp_session.close(uri)


@BEHAVIOUR
async def test_sizing_problems_are_messages(lsp_session: Session) -> None:
    messages = len(lsp_session.client.messages)
    since = lsp_session.mark()
    broken = lsp_session.open("segments/vip.yml", (lsp_session.root / "segments/vip.yml").read_text().replace(
        "paid_orders >= 5", "paid_ordrs >= 5"))
    await lsp_session.published(broken, since, 1)
    assert await size(lsp_session, broken, "vip") is None
    assert await size(lsp_session, broken, "no_such_segment") is None
    assert await size(lsp_session, broken, 42) is None
    lsp_session.close(broken)
    since = lsp_session.mark()
    elsewhere = lsp_session.open(HVL, root=lsp_session.bare)  # a second project, whose database was never built
    await lsp_session.published(elsewhere, since, 1)
    assert await size(lsp_session, elsewhere, "high_value_lapsed") is None
    lsp_session.close(elsewhere)
    shown = [(m.type, m.message) for m in lsp_session.client.messages[messages:]]
    assert shown[0] == (lsp.MessageType.Warning, "segment `vip` has errors: fix them to size it")
    assert shown[1] == (lsp.MessageType.Warning, "no segment named `no_such_segment`")
    assert shown[2][0] == lsp.MessageType.Error and "needs an open segment file" in shown[2][1]
    assert shown[3][0] == lsp.MessageType.Error and "`high_value_lapsed` on `local`" in shown[3][1]
    assert all("internal error" not in m for _, m in shown)



# ---- the latency benchmark (benchmarks/lsp.py) measures what it says: it runs here on a small project ----


async def test_the_latency_benchmark_runs_over_stdio(tmp_path: Path) -> None:
    from benchmarks import lsp as bench
    from benchmarks import run

    root = run.project(tmp_path / "project", generated=12, suite_segments=False)
    result = await bench.bench_edit(root, 6, "utf-16")
    assert result["segments"] == 12 and result["diagnostics"]["n"] == 6 and result["completion"]["n"] == 6


# ---- the VS Code extension (editors/vscode) starts the server with settings it reads ----


async def test_the_vscode_extension_sends_what_the_server_reads() -> None:
    from click.testing import CliRunner

    from segql.cli import cli
    from segql.lsp import Options

    folder = Path(__file__).resolve().parent.parent / "editors" / "vscode"
    manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    settings = manifest["contributes"]["configuration"]["properties"]
    script = (folder / "extension.js").read_text(encoding="utf-8")
    sent = dict(re.findall(r"(\w+): config\.get\(\"(\w+)\"", script))  # initializationOption -> its setting
    assert sorted({*sent.values(), "command"}) == sorted(key.removeprefix("segql.") for key in settings)
    defaults = {option: settings[f"segql.{setting}"]["default"] for option, setting in sent.items()}
    server = Options()
    assert server.read(defaults) == []  # every option accepted, and the extension's defaults are the server's
    assert (server.debounce, server.diagnostics, server.target, server.code_lens) == (
        Options().debounce, Options().diagnostics, Options().target, Options().code_lens)
    assert settings["segql.diagnostics"]["enum"] == ["open", "project"]
    assert manifest["main"] == "./extension.js" and "vscode-languageclient" in manifest["dependencies"]
    assert 'args: [...args, "lsp"], transport: TransportKind.stdio' in script  # the client adds `--stdio`
    assert "--stdio" in CliRunner().invoke(cli, ["lsp", "--help"]).output
