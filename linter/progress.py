"""A one-line progress indicator on stderr, for long runs on a terminal.

It stays silent for the first :data:`DELAY` seconds (most runs end before),
redraws at most ten times a second, and erases itself when the run ends, so
nothing of it remains in the terminal or in captured output. The command line
enables it only when stderr is a terminal and the report is for people (the
text format); :data:`NO_PROGRESS` is the do-nothing stand-in everywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

DELAY = 0.5  # seconds before the first redraw
_INTERVAL = 0.1  # seconds between redraws


class Progress:
    """Counts work done in named phases and redraws one status line."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] | None = None) -> None:
        self._stream = stream
        self._clock = clock or time.monotonic
        self._started = self._clock()
        self._next_draw = self._started + DELAY
        self._phase = ""
        self._total = 0
        self._done = 0
        self._drawn = 0  # width of the line on screen, 0 when nothing is shown

    def phase(self, name: str, total: int) -> None:
        """Start counting ``total`` units of a new phase (e.g. ``"reading"`` files)."""
        self._phase, self._total, self._done = name, total, 0
        self._maybe_draw(force=True)

    def advance(self, count: int = 1) -> None:
        self._done += count
        self._maybe_draw()

    def done(self) -> None:
        """Erase the status line (called at the end of each phase and of the run)."""
        if self._stream is not None and self._drawn:
            self._stream.write("\r" + " " * self._drawn + "\r")
            self._stream.flush()
            self._drawn = 0

    def _maybe_draw(self, force: bool = False) -> None:
        """Redraw if the line is due; ``force`` (a new phase) skips the redraw interval, not the delay."""
        if self._stream is None:
            return
        now = self._clock()
        if now < self._next_draw and not (force and now >= self._started + DELAY):
            return
        self._next_draw = now + _INTERVAL
        done = min(self._done, self._total)
        percent = f" ({100 * done // self._total}%)" if self._total else ""
        line = f"mcplint: {self._phase} {done:,}/{self._total:,}{percent} {now - self._started:.0f}s"
        self._stream.write("\r" + line.ljust(self._drawn))
        self._stream.flush()
        self._drawn = max(self._drawn, len(line))


class _NoProgress(Progress):
    def __init__(self) -> None:
        super().__init__(None)

    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()
