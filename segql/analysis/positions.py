"""Positions as the edges count them: UTF-16 code units (LSP's default, JavaScript strings in the browser), UTF-8
bytes or UTF-32 code points (what an LSP client may choose instead) from and to the character offsets of the core,
and 1-based line:column from offsets.

Lines are those of the core's texts (which end in `\\n`: editors' `\\r\\n` and `\\r` are read as `\\n`). Imports only
segql.source.
"""

from __future__ import annotations

from segql.source import SourceFile

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def units(text: str, encoding: str = UTF16) -> int:
    """How many code units of `encoding` (utf-8, utf-16 or utf-32) `text` takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return utf16_length(text)


def _char_units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == UTF32:
        return 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


def to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of a character offset of `text`."""
    return utf16_length(text[:offset])


def from_units(text: str, count: int, encoding: str = UTF16) -> int:
    """The character offset `count` code units of `encoding` into `text` (inside a character: the character's
    start; past the end: the end)."""
    if encoding == UTF32 or text.isascii():
        return max(0, min(count, len(text)))
    seen = 0
    for index, char in enumerate(text):
        if seen >= count:
            return index
        seen += _char_units(char, encoding)
        if seen > count:  # `count` falls inside this character
            return index
    return len(text)


def from_utf16(text: str, units16: int) -> int:
    """The character offset of a UTF-16 offset of `text` (inside a surrogate pair: the character's start)."""
    return from_units(text, units16, UTF16)


def offset_of(source: SourceFile, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (clamped to the text)."""
    starts = source.line_starts()
    line = max(1, min(line, len(starts)))
    start = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(source.text)
    return min(start + max(column, 1) - 1, end)


def line_character(source: SourceFile, offset: int, encoding: str = UTF16) -> tuple[int, int]:
    """The 0-based line and the code units of `encoding` before `offset` on it (an LSP Position)."""
    line, column = source.position(max(0, min(offset, len(source.text))))
    start = source.line_starts()[line - 1]
    return line - 1, units(source.text[start:start + column - 1], encoding)


def offset_at(source: SourceFile, line: int, character: int, encoding: str = UTF16) -> int:
    """The character offset of a 0-based line and a count of code units of `encoding` on it (an LSP Position),
    clamped to the line (past the last line: the end of the text)."""
    starts = source.line_starts()
    if line < 0:
        return 0
    if line >= len(starts):
        return len(source.text)
    start = starts[line]
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(source.text)
    return start + from_units(source.text[start:end], character, encoding)
