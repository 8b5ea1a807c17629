"""Positions as the edges count them: UTF-16 code units (LSP's default, JavaScript strings in the browser) from and
to the character offsets of the core, and 1-based line:column from offsets.

Imports only segql.source.
"""

from __future__ import annotations

from segql.source import SourceFile


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of a character offset of `text`."""
    return utf16_length(text[:offset])


def from_utf16(text: str, units: int) -> int:
    """The character offset of a UTF-16 offset of `text` (inside a surrogate pair: the character's start)."""
    if text.isascii():
        return max(0, min(units, len(text)))
    count = 0
    for index, char in enumerate(text):
        if count >= units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def offset_of(source: SourceFile, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (clamped to the text)."""
    starts = source.line_starts()
    line = max(1, min(line, len(starts)))
    start = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(source.text)
    return min(start + max(column, 1) - 1, end)
