"""Making untrusted text safe to print on a terminal or in a CI log.

Messages and excerpts can quote a scanned file, which may contain ANSI escape
sequences, bidirectional overrides or other invisible characters meant to
mislead a reviewer or a terminal. They are replaced one-for-one (so carets
stay aligned) before anything is printed.

A CI log is also a command channel. The GitHub Actions runner reads a line
whose text, once white space is trimmed from both ends, starts with ``::`` as a
workflow command (``::error …::``, ``::add-mask::``, ``::stop-commands::``),
and a ``##[`` anywhere in a line as a legacy command (``##[group]``,
``##[error]``). Scanned text (file names, keys, tool names, comments in
excerpts) reaches every output format, so every format passes its output
through :func:`neutralise_lines` (text) or :func:`json_text` (JSON, SARIF), and
the ``github`` format, whose own lines are commands, through
:func:`neutralise_legacy` for the data it carries.
"""

from __future__ import annotations

import re

from mcplint.lazy_re import lazy_compile

# C0/C1 controls except tab (line breaks too: every printed piece is one line, and a
# line of a CI log that starts with `::` is a workflow command), DEL, the Unicode line
# and paragraph separators, bidi controls, zero-width and other invisible formatting
# characters, Unicode tag characters, lone surrogates (the bytes of a file name that is not
# UTF-8: no encoder writes them).
_UNSAFE = lazy_compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ud800-\udfff"
    "\U000e0000-\U000e007f]"
)
_LEGACY = "##["  # the runner looks for it anywhere in a line
_REPLACEMENT = "\ufffd"
# What JSON output must escape although json.dumps(ensure_ascii=False) writes it raw: the line
# separators some log viewers break lines at, and lone surrogates (file names that are not
# UTF-8) that no encoder writes.
_JSON_RAW = lazy_compile("[\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """Replace characters that could alter the display with U+FFFD."""
    return _UNSAFE.sub(_REPLACEMENT, text)


def neutralise_legacy(text: str) -> str:
    """``##[`` cannot start a legacy command: its ``[`` becomes U+FFFD (one for one)."""
    return text.replace(_LEGACY, "##" + _REPLACEMENT) if _LEGACY in text else text


def neutralise_line(line: str) -> str:
    """One output line that the runner reads as no command at all.

    A line that would start with ``::`` once trimmed gets its first ``:`` replaced by
    U+FFFD; any ``##[`` loses its ``[`` the same way. Python's white space includes
    every character .NET's ``Trim`` removes.
    """
    line = neutralise_legacy(line)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        cut = len(line) - len(stripped)
        line = line[:cut] + _REPLACEMENT + line[cut + 1 :]
    return line


def neutralise_lines(text: str) -> str:
    """:func:`neutralise_line` on every line of ``text`` (split where a log splits: CR, LF)."""
    return "".join(neutralise_line(part) for part in re.split(r"(\r\n|\r|\n)", text))


def safe_path(path: str) -> str:
    """A relative path for a line start: ``./`` before one that would start with ``:``."""
    shown = printable(path)
    return "./" + shown if shown.lstrip().startswith(":") else shown


def json_text(text: str) -> str:
    """JSON text (``json.dumps`` output) that no log line reads as a command, with the same value.

    ``#`` can only appear inside JSON strings, where ``[`` may be written ``\\u005b``; so
    ``##[`` becomes ``##\\u005b`` and the decoded document is unchanged. Lines of indented
    JSON start with white space and ``"``, ``{``, ``[``, ``]``, ``}`` or a value, never
    ``::``. U+2028, U+2029 and lone surrogates are written as ``\\uXXXX`` escapes.
    """
    text = text.replace(_LEGACY, "##\\u005b")
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
