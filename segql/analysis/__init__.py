"""The analysis core shared by the CLI, `segql serve` and `segql lsp`: a project checked incrementally, with the
diagnostics, symbols, types, SQL, completion, hover and definitions editors ask for.

Positions are character offsets into a file's text (and Spans over them); front ends convert them at their edge
(segql.analysis.positions: UTF-16, as LSP clients and browsers count). Imports no lark, no yaml, no driver.
"""

from segql.analysis.assist import Completion, Hover, Location, Symbol
from segql.analysis.project import DIALECTS, PROJECT, SCHEMA, SEGMENT, Analysis, Preview, SegmentFile

__all__ = ["DIALECTS", "PROJECT", "SCHEMA", "SEGMENT", "Analysis", "Completion", "Hover", "Location", "Preview",
           "SegmentFile", "Symbol"]
