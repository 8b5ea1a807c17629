"""The editing target of DESIGN §8 for `segql lsp`, measured over stdio as an editor sees it:

    python benchmarks/lsp.py [--keystrokes 300] [--segments 200] [--encoding utf-16]

A 200-segment project; `segql lsp --debounce 0` (the debounce is the editor's wait, not the server's work) in its own
process; the segment most others depend on typed character by character (each keystroke re-checks its dependants). For each keystroke the client sends `didChange` (the whole text,
as the server asks) and, at once, a completion request at the cursor, as an editor does while one types; timed from
sending the change: the completion's answer, and the `publishDiagnostics` for that version of the file. p50 and p95 in
ms; the target is 30 ms (p95) for both. Also: opening the project (initialize to the first diagnostics). Prints one
JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import run  # noqa: E402
from benchmarks.workbench import TYPED, percentiles  # noqa: E402  (the workbench's keystrokes, its statistics)


def most_used(root: Path) -> Path:
    """The segment file whose segments the most others use through `in segment` (each keystroke re-checks them too)."""
    from segql.analysis import Analysis

    analysis = Analysis(root)
    files = analysis.segment_files()
    chosen = max(files, key=lambda f: (len(analysis.dependants(d.name for d in f.defs)), -files.index(f)))
    return chosen.path


async def bench_edit(root: Path, keystrokes: int, encoding: str) -> dict[str, Any]:
    from lsprotocol import types as lsp
    from pygls.lsp.client import LanguageClient

    files = sorted((root / "segments").glob("*.yml"))
    path = most_used(root)
    base = path.read_text(encoding="utf-8").rstrip("\n")
    uri = path.resolve().as_uri()
    client = LanguageClient("segql-bench", "1")
    published: dict[int, float] = {}  # version -> when its diagnostics arrived
    arrived = asyncio.Event()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        if params.uri == uri and params.version is not None:
            published.setdefault(params.version, time.perf_counter())
            arrived.set()

    async def diagnostics_of(version: int) -> float:
        while version not in published:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 30)
        return published[version]

    await client.start_io(sys.executable, "-c", "from segql.cli import main; main()", "lsp", "--debounce", "0")
    t0 = time.perf_counter()
    await client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(general=lsp.GeneralClientCapabilities(position_encodings=[encoding])),
        root_uri=root.resolve().as_uri()))
    client.initialized(lsp.InitializedParams())
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=base + "\n")))
    opened = await diagnostics_of(1) - t0
    typed = (TYPED * (1 + keystrokes // len(TYPED)))[:keystrokes]
    completion, checked = [], []
    last_line = base.count("\n")
    for i in range(1, keystrokes + 1):
        version = i + 1
        text = base + typed[:i] + "\n"
        line = base[base.rfind("\n") + 1:] + typed[:i]
        units = {"utf-16": len(line.encode("utf-16-le")) // 2, "utf-8": len(line.encode()), "utf-32": len(line)}
        start = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        answer = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=last_line, character=units[encoding])))
        completion.append(time.perf_counter() - start)
        if answer is None:
            raise SystemExit(f"no completion answer at keystroke {i}")
        checked.append(await diagnostics_of(version) - start)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    from segql.analysis import Analysis

    analysis = Analysis(root)
    users = analysis.dependants(d.name for f in analysis.segment_files() if f.path == path for d in f.defs)
    return {"segments": len(files), "file": f"segments/{path.name}", "dependants": len(users), "encoding": encoding,
            "diagnostics": percentiles(checked), "completion": percentiles(completion),
            "open_project_ms": round(opened * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--encoding", default="utf-16", choices=["utf-8", "utf-16", "utf-32"])
    args = parser.parse_args(argv)
    run.log(f"lsp: a keystroke in a {args.segments}-segment project, over stdio …")
    root = run.project(run.DATA / "project_lsp", generated=args.segments, suite_segments=False)
    result = {"machine": run.machine(), "edit": asyncio.run(bench_edit(root, args.keystrokes, args.encoding))}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
