"""A character-level scan of expression text that knows strings and `#` comments.

Shared by the parser (which `(` is never closed) and the formatter (where comments are),
so both agree on what is code. Imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator


def regions(text: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) for each run of `code`, `string` or `comment` text, in order.

    A string runs to its closing quote (a backslash escapes the next character) or to the end of
    the line, as the lexer never lets a string span lines; a comment runs to the end of the line.
    """
    i, start, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            if i > start:
                yield "code", start, i
            j = i + 1
            while j < n and text[j] not in (ch, "\n"):
                j += 2 if text[j] == "\\" else 1
            end = min(j + 1, n) if j < n and text[j] == ch else min(j, n)
            yield "string", i, end
            i = start = end
        elif ch == "#":
            if i > start:
                yield "code", start, i
            end = text.find("\n", i)
            end = n if end == -1 else end
            yield "comment", i, end
            i = start = end
        else:
            i += 1
    if start < n:
        yield "code", start, n
