"""Building findings about a position inside a model-visible text."""

from __future__ import annotations

from mcplint.engine.rule import Finding, Level
from mcplint.model.texts import ModelText


def at(unit: ModelText, start: int, end: int, message: str, identity: str = "",
       level: Level | None = None, secret: bool = False) -> Finding:
    """A finding on ``unit.text[start:end]``, positioned in the source file.

    ``secret`` marks a region no output may show (opaque data that may be a key).
    """
    return Finding(
        span=unit.span(start, end),
        message=message,
        level=level,
        logical_location=unit.logical_location,
        identity=identity,
        secret=secret,
    )
