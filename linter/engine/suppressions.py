"""Inline suppressions in YAML, SQL and JSONC comments.

Syntax (the reason is required; a missing one is reported but still honoured)::

    # mcplint: ignore[CORS001, plaintext-basic-auth-password] -- why this is acceptable
    -- mcplint: ignore[SQLI001] -- value comes from an enum validator upstream
    # mcplint: ignore-file[CORS002] -- demo project, never deployed

A comment with code before it covers its own line; a comment alone on its
line covers the next line that is neither blank nor a comment. ``ignore-file``
covers the whole file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mcplint.lazy_re import lazy_compile
from mcplint.source import SourceFile
from mcplint.span import Span

_DIRECTIVE = lazy_compile(r"mcplint:\s*(?P<kind>ignore-file|ignore)\b(?P<rules>\[[^\]\n]*\])?(?P<rest>[^\n]*)")
_REASON_TRIM = lazy_compile(r"^[\s\-–—:,;.]+")
_COMMENT_STYLES = {
    ".yaml": ("#",),
    ".yml": ("#",),
    ".sql": ("--", "/*"),
    ".json": ("//", "/*"),
    ".jsonc": ("//", "/*"),
    ".toml": ("#",),
}


def _comment_openers(source: SourceFile) -> tuple[str, ...] | None:
    """Comment markers of a file's format; ``.env`` files are recognised by name."""
    from mcplint.loaders.env_file import is_env_file

    openers = _COMMENT_STYLES.get(source.suffix)
    if openers is None and is_env_file(os.path.basename(source.abs_name)):
        return ("#",)
    return openers


@dataclass(eq=False)
class Suppression:
    span: Span  # the directive inside the comment
    tokens: tuple[str, ...]  # rule ids or names as written
    reason: str
    file_wide: bool
    line: int | None  # the line covered (None for file-wide)
    malformed: str | None = None  # why it cannot apply, if so
    used: set[str] = field(default_factory=set)  # rule ids it silenced

    def covers(self, finding_span: Span) -> bool:
        return self.file_wide or finding_span.start_line == self.line


def parse_suppressions(source: SourceFile) -> list[Suppression]:
    if not source.contains("mcplint:"):
        return []
    openers = _comment_openers(source)
    if openers is None:
        return []
    found: list[Suppression] = []
    lines = [source.line_text(n) for n in range(1, source.lines.line_count + 1)]
    next_code = _next_code_lines(lines, openers)
    for line_no, line in enumerate(lines, start=1):
        if "mcplint:" not in line:
            continue
        comment_at = _comment_start(line, openers)
        if comment_at is None:
            continue
        match = _DIRECTIVE.search(line, comment_at)
        if match is None:
            continue
        line_start = source.lines.line_start(line_no)
        directive = line[match.start() : match.end()]
        if "*/" in directive:
            directive = directive[: directive.index("*/")]
        rest = match.group("rest").split("*/", 1)[0]
        end = match.start() + len(directive.rstrip())
        span = source.span(line_start + match.start(), line_start + end)
        standalone = not line[:comment_at].strip()
        target = next_code[line_no] if standalone else line_no
        rules_text = match.group("rules")
        tokens = tuple(t.strip() for t in (rules_text or "[]")[1:-1].split(",") if t.strip())
        malformed = None
        if rules_text is None or not tokens:
            malformed = "names no rules; write `mcplint: ignore[RULE-ID] -- reason` (blanket ignores are not supported)"
        found.append(
            Suppression(
                span=span,
                tokens=tokens,
                reason=_REASON_TRIM.sub("", rest).strip(),
                file_wide=match.group("kind") == "ignore-file",
                line=None if match.group("kind") == "ignore-file" else target,
                malformed=malformed,
            )
        )
    return found


def _comment_start(line: str, openers: tuple[str, ...]) -> int | None:
    """Column where a comment starts, ignoring comment markers inside quotes."""
    quote: str | None = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            # In YAML a quote only opens a string at the start of a scalar.
            if openers != ("#",) or i == 0 or line[i - 1] in " \t:[{,-=":
                quote = c
        else:
            for opener in openers:
                if line.startswith(opener, i) and (opener != "#" or i == 0 or line[i - 1] in " \t"):
                    return i
        i += 1
    return None


def _next_code_lines(lines: list[str], openers: tuple[str, ...]) -> list[int]:
    """For each 1-based line, the next later line that is neither blank nor a comment."""
    result = [0] * (len(lines) + 2)
    following = len(lines) + 1
    for line_no in range(len(lines), 0, -1):
        result[line_no] = following
        stripped = lines[line_no - 1].strip()
        if stripped and not stripped.startswith(openers):
            following = line_no
    return result
