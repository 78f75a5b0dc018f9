"""Where policy files are and how a broken one is reported: what every run needs from mcplint.policies.

Why a module of its own: each run asks whether the configured policy globs
name any file, but few projects have policies. Reading and compiling them
(the loader, its JSON Schema, the conditions and entity tables) takes a
noticeable share of a one-file pre-commit run, so :mod:`mcplint.policies`
imports :mod:`mcplint.policies.loader` only once a policy file exists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcplint.span import Span

DEFAULT_POLICY_GLOBS = (".mcplint/policies/*.yaml",)
MAX_POLICY_FILES = 100


class PolicyError(Exception):
    """A policy file that cannot be used: ``file:line:col: what is wrong``."""

    def __init__(self, path: str, span: Span | None, message: str) -> None:
        where = f"{path}:{span.start_line}:{span.start_col}" if span is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.span = span
        self.problem = message


def policy_files(globs: list[str], base: Path) -> list[tuple[Path, str]]:
    """(path, as shown) of every policy file the globs name, relative to ``base``; sorted, no duplicates."""
    found: dict[Path, str] = {}
    for pattern in globs:
        if "://" in pattern:
            raise PolicyError(pattern, None, "policies are local files; URLs are not read")
        absolute = Path(pattern) if os.path.isabs(pattern) else base / pattern
        if any(ch in pattern for ch in "*?["):
            anchor = Path(absolute.anchor)
            matches = sorted(anchor.glob(str(absolute.relative_to(anchor))))
        else:
            if not absolute.exists():
                raise PolicyError(pattern, None, "no such policy file")
            matches = [absolute]
        for match in matches:
            if match.is_file():
                try:
                    display = match.relative_to(base).as_posix()
                except ValueError:
                    display = match.as_posix()
                found.setdefault(match.resolve(), display)
    if len(found) > MAX_POLICY_FILES:
        raise PolicyError(globs[0], None, f"{len(found)} policy files; at most {MAX_POLICY_FILES} are read")
    return sorted(((p, shown) for p, shown in found.items()), key=lambda pair: pair[1])
