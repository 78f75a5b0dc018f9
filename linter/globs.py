"""Glob patterns for ``exclude`` and ``per-file-ignores``, matched against root-relative paths.

``*`` and ``?`` stay inside one path segment, ``**`` crosses segments, and a
pattern without a ``/`` matches a file or folder name at any depth (as in
``.gitignore``). A pattern matching a folder matches everything below it.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().replace("\\", "/")
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$")


def matches(pattern: str, rel_path: str) -> bool:
    return _compile(pattern).match(rel_path) is not None


def matches_any(patterns: tuple[str, ...] | list[str], rel_path: str) -> bool:
    return any(_compile(p).match(rel_path) is not None for p in patterns)
