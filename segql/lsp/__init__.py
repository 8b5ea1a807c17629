"""`segql lsp`: a language server for segment files, schema.yml and segql.yml, over stdio (pygls, the `lsp` extra).

A thin front end of the analysis core (segql.analysis): segql.lsp.server keeps documents and talks LSP,
segql.lsp.convert translates the core's answers. Loaded only by `segql lsp`; imports no driver at start-up.
"""

from segql.lsp.server import Options, SegqlServer, serve

__all__ = ["Options", "SegqlServer", "serve"]
