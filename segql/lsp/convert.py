"""The analysis core's answers as LSP values: positions in the client's encoding, diagnostics, completion items,
hovers, locations, symbols and edits. Translation only: nothing here analyses anything.

Imports lsprotocol (the `lsp` extra) and the analysis core's data, never pygls's server.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from segql.analysis import Completion, Hover, Location, Symbol
from segql.analysis.positions import line_character, offset_at
from segql.diagnostics import Diagnostic
from segql.source import SourceFile, Span


def normalized(text: str) -> str:
    """An editor's text as the core reads it: lines end in `\\n` (LSP also ends lines at `\\r\\n` and `\\r`)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def uri_of(path: Path) -> str:
    return path.as_uri()


def position(source: SourceFile, offset: int, encoding: str) -> lsp.Position:
    line, character = line_character(source, offset, encoding)
    return lsp.Position(line=line, character=character)


def span_range(source: SourceFile, start: int, end: int, encoding: str) -> lsp.Range:
    return lsp.Range(start=position(source, start, encoding), end=position(source, max(start, end), encoding))


def offset(source: SourceFile, at: lsp.Position, encoding: str) -> int:
    return offset_at(source, at.line, at.character, encoding)


# ---- diagnostics ----

SEVERITIES = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}
UNNECESSARY = {"W005", "W006"}  # an unused parameter or trait: clients grey it out


def diagnostic(d: Diagnostic, encoding: str) -> lsp.Diagnostic:
    """§4's diagnostic: its code, its span, the message with the label under the caret and the hint."""
    source = d.span.source
    where = span_range(source, d.span.start, d.span.end, encoding) if source is not None else \
        lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    message = d.message
    if d.label and d.label not in message:
        message += f": {d.label}"
    if d.hint:
        message += f"\nhelp: {d.hint}"
    return lsp.Diagnostic(range=where, message=message, severity=SEVERITIES.get(d.severity,
                                                                               lsp.DiagnosticSeverity.Information),
                          code=d.code, source="segql",
                          tags=[lsp.DiagnosticTag.Unnecessary] if d.code in UNNECESSARY else None)


# ---- completion, hover, definitions ----

COMPLETION_KINDS = {
    "attribute": lsp.CompletionItemKind.Field,
    "lookup": lsp.CompletionItemKind.Module,
    "event": lsp.CompletionItemKind.Event,
    "trait": lsp.CompletionItemKind.Variable,
    "segment": lsp.CompletionItemKind.Reference,
    "parameter": lsp.CompletionItemKind.TypeParameter,
    "function": lsp.CompletionItemKind.Function,
    "keyword": lsp.CompletionItemKind.Keyword,
    "value": lsp.CompletionItemKind.EnumMember,
    "key": lsp.CompletionItemKind.Property,
}


def completion(item: Completion, index: int, source: SourceFile, encoding: str, markdown: bool,
               retrigger: lsp.Command | None) -> lsp.CompletionItem:
    """A candidate of the core: its edit replaces the text from its start to the cursor; the core's order is kept."""
    documentation: str | lsp.MarkupContent | None = None
    if item.documentation:
        documentation = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=item.documentation) if markdown \
            else item.documentation
    return lsp.CompletionItem(
        label=item.label, kind=COMPLETION_KINDS.get(item.kind, lsp.CompletionItemKind.Text),
        detail=item.detail or None, documentation=documentation, sort_text=f"{index:05d}",
        text_edit=lsp.TextEdit(range=span_range(source, item.start, item.end, encoding), new_text=item.insert),
        command=retrigger if item.retrigger else None)


def hover(found: Hover, source: SourceFile, encoding: str, markdown: bool) -> lsp.Hover:
    contents = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown if markdown else lsp.MarkupKind.PlainText,
                                 value=found.text if markdown else found.text.replace("**", "").replace("`", ""))
    return lsp.Hover(contents=contents, range=span_range(source, found.start, found.end, encoding))


def location(found: Location, encoding: str) -> lsp.Location | None:
    span = found.span
    if span.source is None:
        return None
    return lsp.Location(uri=uri_of(found.path), range=span_range(span.source, span.start, span.end, encoding))


# ---- symbols ----

SYMBOL_KINDS = {
    "segment": lsp.SymbolKind.Class,
    "parameter": lsp.SymbolKind.TypeParameter,
    "attribute": lsp.SymbolKind.Field,
    "lookup": lsp.SymbolKind.Module,
    "event": lsp.SymbolKind.Event,
    "trait": lsp.SymbolKind.Function,
    "target": lsp.SymbolKind.Object,
    "channel": lsp.SymbolKind.Interface,
}


def _span(symbol_span: Span, fallback: SourceFile) -> tuple[SourceFile, int, int]:
    return symbol_span.source or fallback, symbol_span.start, symbol_span.end


def document_symbol(symbol: Symbol, source: SourceFile, encoding: str) -> lsp.DocumentSymbol:
    whole = span_range(*_span(symbol.span, source), encoding)
    name = span_range(*_span(symbol.selection, source), encoding)
    return lsp.DocumentSymbol(name=symbol.name, kind=SYMBOL_KINDS.get(symbol.kind, lsp.SymbolKind.Variable),
                              range=whole, selection_range=name, detail=symbol.detail or None,
                              children=[document_symbol(c, source, encoding) for c in symbol.children] or None)


def symbol_information(symbol: Symbol, source: SourceFile, uri: str, encoding: str,
                       container: str | None = None) -> list[lsp.SymbolInformation]:
    """The flat form, for clients without hierarchical document symbols."""
    here = lsp.SymbolInformation(name=symbol.name, kind=SYMBOL_KINDS.get(symbol.kind, lsp.SymbolKind.Variable),
                                 location=lsp.Location(uri=uri, range=span_range(*_span(symbol.span, source), encoding)),
                                 container_name=container)
    return [here] + [s for c in symbol.children for s in symbol_information(c, source, uri, encoding, symbol.name)]


# ---- edits ----


def text_edits(source: SourceFile, edits: list[tuple[int, int, str]], encoding: str, newline: str) -> list[lsp.TextEdit]:
    """(start, end, replacement) of the core as TextEdits, written with the document's own line ends."""
    return [lsp.TextEdit(range=span_range(source, start, end, encoding),
                         new_text=replacement.replace("\n", newline) if newline != "\n" else replacement)
            for start, end, replacement in edits]
