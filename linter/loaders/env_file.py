"""``.env`` files (and ``.envrc``) to a positioned tree.

A dotenv file is a list of ``KEY=VALUE`` lines, optionally prefixed with
``export``; values are unquoted (a `` #`` starts a comment), single-quoted
(literal) or double-quoted (``\\n``-style escapes); quoted values may span
lines. That is what python-dotenv, Docker Compose and most loaders accept.
The tree is one mapping from key to value. Every assignment is kept, also a
key written twice: a secret in the line that a later one overrides is still
in the file.

Lines that are not assignments are skipped: loaders ignore them, and an
``.envrc`` is a shell script of which only the ``export`` lines matter. Only
an unterminated quote (which swallows the rest of the file) is reported, and
not for ``.envrc``.
"""

from __future__ import annotations

import re
from typing import Protocol

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.lazy_re import lazy_compile
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode

# A file name is an environment file when it is `.env`, `.env.<anything>`, `<name>.env` or `.envrc`.
_ENV_NAME = lazy_compile(r"^(?:\.env(?:\..+)?|.+\.env|\.envrc)$", re.IGNORECASE)
# Encrypted stores that are meant to be committed (dotenv-vault).
_NOT_ENV = frozenset({".env.vault"})

_ASSIGNMENT = lazy_compile(r"[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_UNQUOTED_END = lazy_compile(r"[ \t]+#|\r?\n|$")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "$": "$", "`": "`"}


class TextWithSpans(Protocol):
    text: str

    def span(self, start: int, end: int) -> Span: ...


def is_env_file(name: str) -> bool:
    """Whether a file name is an environment file this loader reads."""
    return bool(_ENV_NAME.match(name)) and name.lower() not in _NOT_ENV


def load_env(source: TextWithSpans, lenient: bool = False) -> tuple[Node | None, list[Diagnostic]]:
    """Parse a dotenv file. ``lenient`` (for ``.envrc``) reports nothing at all."""
    text = source.text
    root = MappingNode(source.span(0, len(text)), (), [])
    diagnostics: list[Diagnostic] = []
    pos = 0
    n = len(text)
    while pos < n:
        line_end = _line_end(text, pos)
        match = _ASSIGNMENT.match(text, pos, line_end)
        if match is None:
            pos = _next_line(text, line_end)
            continue
        key_text = match.group("key")
        key = ScalarNode(source.span(match.start("key"), match.end("key")), (key_text,), key_text, key_text, None)
        start = match.end()
        quote = text[start] if start < n and text[start] in "\"'" else ""
        if quote:
            value, end = _quoted(text, start)
            if value is None:
                if not lenient:
                    diagnostics.append(
                        Diagnostic(
                            DiagnosticKind.PARSE_ERROR,
                            source.span(start, start + 1),
                            f"invalid .env: the {'double' if quote == chr(34) else 'single'} quote opened here "
                            "is never closed, so the rest of the file is part of this value",
                        )
                    )
                break
            node = ScalarNode(source.span(start, end), (key_text,), value, value, quote)
            pos = _next_line(text, _line_end(text, end))
        else:
            if text.startswith("#", start):  # `KEY= # comment`: an empty value
                end = start
            else:
                end = _UNQUOTED_END.search(text, start).start()  # type: ignore[union-attr]
            raw = text[start:end].rstrip()
            end = start + len(raw)
            node = ScalarNode(source.span(start, end), (key_text,), raw, raw, None)
            pos = _next_line(text, line_end)
        root.pairs.append((key, node))
    return root, diagnostics


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _next_line(text: str, line_end: int) -> int:
    return line_end + 1 if line_end < len(text) else len(text)


def _quoted(text: str, start: int) -> tuple[str | None, int]:
    """The value of the quoted string at ``start`` and the offset past its closing quote."""
    quote = text[start]
    if quote == "'":
        close = text.find("'", start + 1)
        return (None, len(text)) if close < 0 else (text[start + 1 : close], close + 1)
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return None, len(text)
