"""Source files and spans: where a piece of text came from.

Offsets only; line and column are computed when a diagnostic is shown. Imports nothing of segql.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class SourceFile:
    """A file's path (as shown to the user) and its whole text."""

    path: str
    text: str
    _line_starts: list[int] | None = field(default=None, repr=False)

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        starts = self.line_starts()
        index = bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def line_text(self, line: int) -> str:
        starts = self.line_starts()
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of character offsets [start, end) in one source file."""

    source: SourceFile | None
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))

    @property
    def line(self) -> int:
        return self.source.position(self.start)[0] if self.source else 0

    @property
    def column(self) -> int:
        return self.source.position(self.start)[1] if self.source else 0

    @property
    def path(self) -> str:
        return self.source.path if self.source else "<unknown>"


NO_SPAN = Span(None, 0, 0)
