"""Mapping offsets of a (possibly pre-processed) text back to source files.

flAPI rewrites YAML text before parsing it (environment references, includes).
mcplint parses the rewritten text but must report positions in the files a
user edits, so every text handed to a parser comes with a map from its
offsets to (file, offset) pairs.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from mcplint.source import SourceFile
from mcplint.span import Span


class PlainText:
    """A source file's own text: offsets map to themselves."""

    def __init__(self, source: SourceFile, text: str | None = None) -> None:
        self.source = source
        self.text = source.text if text is None else text

    def span(self, start: int, end: int) -> Span:
        return self.source.span(start, end)

    def source_at(self, offset: int) -> tuple[SourceFile, int]:
        return self.source, offset


@dataclass
class Segment:
    out_start: int
    length: int
    source: SourceFile
    src_start: int


class MappedText:
    """Text assembled from pieces of several files, with its source map.

    Build it with :meth:`append` calls, then :meth:`finish` once.
    """

    def __init__(self, origin: SourceFile) -> None:
        self.origin = origin
        self.segments: list[Segment] = []
        self._starts: list[int] = []
        self._pieces: list[str] = []
        self._length = 0
        self.text = ""

    def append(self, source: SourceFile, src_start: int, piece: str) -> None:
        if not piece:
            return
        self.segments.append(Segment(self._length, len(piece), source, src_start))
        self._starts.append(self._length)
        self._pieces.append(piece)
        self._length += len(piece)

    def finish(self) -> MappedText:
        self.text = "".join(self._pieces)
        self._pieces = []
        return self

    def _segment(self, offset: int) -> Segment:
        if not self.segments:
            return Segment(0, 0, self.origin, 0)
        i = max(bisect_right(self._starts, offset) - 1, 0)
        return self.segments[i]

    def source_at(self, offset: int) -> tuple[SourceFile, int]:
        seg = self._segment(offset)
        return seg.source, seg.src_start + min(max(offset - seg.out_start, 0), seg.length)

    def span(self, start: int, end: int) -> Span:
        """Span in the file holding ``start``; an end beyond that piece is clamped to it."""
        seg = self._segment(start)
        rel_start = min(max(start - seg.out_start, 0), seg.length)
        rel_end = min(max(end - seg.out_start, rel_start), seg.length)
        return seg.source.span(seg.src_start + rel_start, seg.src_start + rel_end)
