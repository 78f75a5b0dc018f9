"""Positions in source files.

Every value mcplint reports on carries a :class:`Span`. Lines and columns are
1-based; columns count Unicode code points and the end column is exclusive,
which is what SARIF's ``unicodeCodePoints`` column kind means. Line breaks are
what editors and GitHub treat as line breaks (``\\n``, ``\\r\\n``, ``\\r``), not
YAML's wider set, so a position always lands where a user looks.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from mcplint.lazy_re import lazy_compile

_LINE_BREAK = lazy_compile(r"\r\n|\r|\n")


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A region of one file: ``path`` is relative to the scan root, POSIX style."""

    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    start_offset: int = 0
    end_offset: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.start_line}:{self.start_col}"

    @property
    def is_empty(self) -> bool:
        return self.start_offset == self.end_offset


_SIX_INTS = [int] * 6


def encode_span(span: Span) -> list[Any]:
    """A span as JSON (the result cache keeps findings and facts by position)."""
    return [span.path, span.start_line, span.start_col, span.end_line, span.end_col, span.start_offset, span.end_offset]


def decode_span(data: Any) -> Span:
    """The inverse of :func:`encode_span`; raises ValueError on anything else (the cache is untrusted)."""
    path, *numbers = data
    if not isinstance(path, str) or list(map(type, numbers)) != _SIX_INTS:
        raise ValueError("span")
    return Span(path, *numbers)


class LineIndex:
    """Maps code-point offsets of a text to (line, column) and back."""

    __slots__ = ("_starts", "_length")

    def __init__(self, text: str) -> None:
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        n = len(text)
        self._starts = starts
        self._length = n

    @property
    def line_count(self) -> int:
        return len(self._starts)

    @property
    def length(self) -> int:
        return self._length

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a code-point offset, clamped to the text."""
        offset = max(0, min(offset, self._length))
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of a 1-based line."""
        line = max(1, min(line, len(self._starts)))
        return self._starts[line - 1]

    def line_end(self, line: int, text: str) -> int:
        """Offset just past the last character of a line, before its break."""
        if line >= len(self._starts):
            return self._length
        end = self._starts[line]
        if end > 0 and text[end - 1] == "\n":
            end -= 1
            if end > 0 and text[end - 1] == "\r":
                end -= 1
        elif end > 0 and text[end - 1] == "\r":
            end -= 1
        return end

    def offset(self, line: int, col: int) -> int:
        """Inverse of :meth:`position` (no validation of the column)."""
        return self.line_start(line) + col - 1
