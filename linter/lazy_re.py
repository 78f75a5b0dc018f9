"""Regular expressions compiled on first use.

Why: mcplint defines a few hundred patterns at module level (secret shapes,
tool-description phrases, client-config checks). Compiling them all at import
took about a fifth of a one-file run (pre-commit), although a given file needs
only a few of them. A :class:`LazyPattern` keeps the source and compiles it the
first time it is used; it answers exactly as the compiled pattern would, since
every call is handed to that pattern.

Use it for module-level patterns: ``_WORD = lazy_compile(r"\\w+")`` instead of
``re.compile``. It offers the methods of :class:`re.Pattern` that mcplint
calls; code that needs a real ``re.Pattern`` (``re.sub(pattern, …)``) takes
``.compiled``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any


class LazyPattern:
    """A pattern whose :func:`re.compile` is deferred to its first search."""

    __slots__ = ("pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags  # not exposed: re adds re.UNICODE to a compiled str pattern's flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if this is the first use)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self._flags)
        return compiled

    @property
    def groupindex(self) -> Any:
        return self.compiled.groupindex

    @property
    def groups(self) -> int:
        return self.compiled.groups

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(string, maxsplit)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def subn(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> tuple[str, int]:
        return self.compiled.subn(repl, string, count)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags!r})"


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, done when the pattern is first used."""
    return LazyPattern(pattern, flags)
