"""One TOML parse for everything mcplint reads: bounded, never a crash.

``tomllib`` is the TOML reader, but hostile text can make it misbehave:

* its cost is quadratic in the number of parts of a dotted key or a table
  header (``a.b.b.b…`` with 20,000 parts takes gigabytes), and
* it recurses once per nested array or inline table (two to five Python
  frames a level), so a few hundred levels end in ``RecursionError``.

:func:`parse_toml` first runs a cheap, linear pre-scan of the text that knows
just enough TOML (strings, comments, brackets, keys) to refuse, with the exact
offset, a dotted key or header of more than :data:`MAX_KEY_PARTS` parts and a
value nested deeper than :data:`MAX_DEPTH` levels (the length of its key path:
table header, dotted keys and array indexes together). Only text within those
bounds reaches ``tomllib``; a ``RecursionError`` or ``MemoryError`` it still
raises is a refusal too. Every failure is a :class:`TomlError` with a message
of one line and an offset into the text, which the scanned-file loader turns
into a positioned parse diagnostic and the configuration loader into a
one-line configuration error.

The bounds: real TOML files use keys of a handful of parts and nest a few
levels; 64 parts keeps ``tomllib``'s quadratic key handling under a
millisecond, and 256 levels of the deepest kind (inline tables, three frames a
level) stay below Python's default recursion limit of 1,000 with room for the
caller's frames.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from mcplint.lazy_re import lazy_compile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_KEY_PARTS = 64  # parts of one dotted key or table header
MAX_DEPTH = 256  # length of a value's key path (header parts + key parts + array indexes)

_POSITION = lazy_compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_SPACE = lazy_compile(r"[ \t]*")
_COMMENT = lazy_compile(r"#[^\n]*")
# Anything up to the next character the pre-scan cares about: bare keys, numbers, dates, booleans, junk.
_ATOM = lazy_compile(r"[^ \t\n.=,\[\]{}#\"']+")
# Strings, written so that they match in linear time and fail (unterminated) in linear time.
_ML_BASIC = lazy_compile(r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""(?:""?)?', re.S)
_ML_LITERAL = lazy_compile(r"'''[^']*(?:'(?!'')[^']*)*'''(?:''?)?")
_BASIC = lazy_compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_LITERAL = lazy_compile(r"'[^'\n]*'")


class TomlError(Exception):
    """Text that is not valid TOML (``refused`` False) or that mcplint will not parse (``refused`` True).

    ``message`` is one line without a position; ``offset`` is a code-point offset into the text.
    """

    def __init__(self, message: str, offset: int, refused: bool) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.refused = refused

    def describe(self) -> str:
        """``invalid TOML: …`` or ``TOML refused: …``, without a position."""
        return f"{'TOML refused' if self.refused else 'invalid TOML'}: {self.message}"

    def position(self, text: str) -> tuple[int, int]:
        """1-based (line, column) of the offset, counting lines as TOML does (``\\n``)."""
        offset = max(0, min(self.offset, len(text)))
        line_start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset) + 1, offset - line_start + 1


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, or a :class:`TomlError` for invalid or refused text (nothing else escapes)."""
    refusal = prescan(text)
    if refusal is not None:
        raise _earlier_error(text, refusal) or refusal
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, offset = decode_error(text, str(exc))
        raise TomlError(message, offset, refused=False) from None
    except RecursionError:
        raise TomlError("nesting too deep to analyse", _deepest_offset(text), refused=True) from None
    except MemoryError:
        raise TomlError("too large to analyse", 0, refused=True) from None
    except (ValueError, OverflowError) as exc:  # e.g. out-of-range dates
        raise TomlError(type(exc).__name__, 0, refused=False) from None


def decode_error(text: str, message: str) -> tuple[str, int]:
    """tomllib's message without its position suffix, and the offset it names."""
    match = _POSITION.search(message)
    if match is None:
        return message, 0
    if match.group(1) is None:
        return message[: match.start()], len(text)
    line, column = int(match.group(1)), int(match.group(2))
    offset = 0
    for _ in range(line - 1):  # tomllib counts lines by "\n"
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return message[: match.start()], offset + column - 1


def _earlier_error(text: str, refusal: TomlError) -> TomlError | None:
    """A syntax error on a line before the refused one: that is what a TOML reader reports first.

    The text before the refused line passed the pre-scan, so ``tomllib`` may read it; an error it
    finds there at a position (not at the end, where the cut text merely stops) is a real one.
    """
    cut = text.rfind("\n", 0, refusal.offset) + 1
    if cut == 0:
        return None
    try:
        tomllib.loads(text[:cut])
    except tomllib.TOMLDecodeError as exc:
        message, offset = decode_error(text, str(exc))
        return TomlError(message, offset, refused=False) if offset < cut else None
    except Exception:  # noqa: BLE001 - the refusal stands
        return None
    return None


def _deepest_offset(text: str) -> int:
    """Where the text nests deepest (for a RecursionError the pre-scan let through)."""
    scan = _PreScan(text, MAX_DEPTH, MAX_KEY_PARTS)
    scan.run()
    return scan.deepest_offset


def prescan(text: str) -> TomlError | None:
    """The first place where ``text`` goes beyond the bounds, as a refusal; None when within them.

    Linear in the length of the text. It follows TOML's lexical structure only as far as ``tomllib``
    would read: at an unterminated string it stops, since ``tomllib`` stops there with an error too.
    """
    dots = text.count(".")
    brackets = text.count("[") + text.count("{")
    # No key can have more parts than dots + 1; no path can be longer than the parts of all keys
    # on it (each key, header or inline table, adds its dots + 1) plus one index per bracket.
    if dots + 1 <= MAX_KEY_PARTS and dots + 2 + 2 * brackets <= MAX_DEPTH:
        return None
    scan = _PreScan(text, MAX_DEPTH, MAX_KEY_PARTS)
    return scan.run()


_START, _KEY, _VALUE = 0, 1, 2
_BARE_PART = lazy_compile(r"[A-Za-z0-9_-]+")
_BARE_DOTTED = lazy_compile(r"[A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*")
# A whole `dotted.key = scalar  # comment` line, the common case, read in one step.
_SIMPLE_LINE = lazy_compile(
    r"""([A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*)[ \t]*=[ \t]*"""
    r"""(?:"(?!"")[^"\\\n]*(?:\\.[^"\\\n]*)*"|'(?!'')[^'\n]*'|[^\s\[\]{}#"',=]+(?:[ \t]+[^\s\[\]{}#"',=]+)?)"""
    r"""[ \t]*(?:#[^\n]*)?(?=\n|\r\n|$)"""
)
# Inside an array (or after `=` at the top): values, commas and strings up to the next bracket,
# comment or newline; nothing in such a run opens or closes a container or starts a key.
_ARRAY_RUN = lazy_compile(
    r"""[^\[\]{}"'#\n]*(?:(?:"(?!"")[^"\\\n]*(?:\\.[^"\\\n]*)*"|'(?!'')[^'\n]*')[^\[\]{}"'#\n]*)*"""
)
_TABLE_RUN = lazy_compile(r"""[^\[\]{}"'#\n,]+""")  # the same inside an inline table, where a comma starts a key


class _PreScan:
    """A token walk keeping a stack of open arrays and inline tables and the parts of the current key."""

    def __init__(self, text: str, max_depth: int, max_parts: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.max_parts = max_parts
        self.deepest = -1
        self.deepest_offset = 0

    def _depth(self, depth: int, offset: int) -> TomlError | None:
        if depth > self.deepest:
            self.deepest, self.deepest_offset = depth, offset
        if depth > self.max_depth:
            return TomlError(f"nesting deeper than {self.max_depth} levels", offset, refused=True)
        return None

    def _key_parts(self, start: int, end: int, before: int, count: int) -> TomlError | None:
        """Depth checks for ``count`` key parts in ``text[start:end]`` that follow a path of length ``before``."""
        refusal = self._depth(before + count, start)
        if refusal is None or count == 1:
            return refusal
        for i, part in enumerate(_BARE_PART.finditer(self.text, start, end), start=before + 1):
            if i > self.max_depth:  # the first part that is too deep
                return TomlError(refusal.message, part.start(), refused=True)
        return refusal  # pragma: no cover - the count above says one part is too deep

    def run(self) -> TomlError | None:  # noqa: C901 - one state machine
        text = self.text
        n = len(text)
        pos = 0
        mode = _START
        # Open arrays and inline tables, innermost last: (is_inline_table, path length of the container).
        stack: list[tuple[bool, int]] = []
        table_depth = 0  # path length of the table the last [header] opened
        header = False  # the key being read is a [header]
        header_array = False
        key_base = 0  # path length the current key starts from
        parts = 0
        key_start = 0
        value_depth = 0  # path length of the container a value opened now would have
        while True:
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= n:
                return None
            c = text[pos]
            if c == "\n" or (c == "\r" and text.startswith("\r\n", pos)):
                pos += 1 if c == "\n" else 2
                if not stack:
                    mode = _START
                continue
            if c == "#":
                pos = _COMMENT.match(text, pos).end()  # type: ignore[union-attr]
                continue
            if mode == _START:
                line = _SIMPLE_LINE.match(text, pos)
                if line is not None:
                    count = text.count(".", line.start(1), line.end(1)) + 1
                    if count <= self.max_parts and table_depth + count <= self.max_depth:
                        self._depth(table_depth + count, pos)
                        pos = line.end()
                        mode = _VALUE
                        continue
            elif mode == _VALUE and c not in "[]{}\"'":
                if stack and stack[-1][0]:
                    if c != ",":
                        pos = _TABLE_RUN.match(text, pos).end()  # type: ignore[union-attr]
                        continue
                else:
                    pos = _ARRAY_RUN.match(text, pos).end()  # type: ignore[union-attr]
                    continue
            start = pos
            if c == '"' or c == "'":
                if text.startswith(c * 3, pos):
                    match = (_ML_BASIC if c == '"' else _ML_LITERAL).match(text, pos)
                else:
                    match = (_BASIC if c == '"' else _LITERAL).match(text, pos)
                if match is None:  # unterminated: tomllib reports it
                    return None
                pos = match.end()
                c = "a"  # an atom: a key part or a value
            elif c in "[]{},=.":
                pos += 1
            else:
                match = _ATOM.match(text, pos)
                pos = match.end() if match else pos + 1
                c = "b"  # a bare atom

            if mode == _START:
                if c == "[":
                    header, header_array = True, text.startswith("[", pos)
                    if header_array:
                        pos += 1
                    mode, key_base, parts, key_start = _KEY, 0, 0, start
                    continue
                if c in "ab":
                    header = False
                    mode, key_base, parts, key_start = _KEY, table_depth, 0, start
                else:
                    mode = _VALUE  # not TOML: tomllib reports it; only keep the brackets in step
                    continue
            if mode == _KEY:
                if c in "ab":
                    if parts == 0 and not header:
                        key_start = start
                    end = pos
                    if c == "b":
                        dotted = _BARE_DOTTED.match(text, start)
                        if dotted is not None:
                            end = pos = dotted.end()
                    count = text.count(".", start, end) + 1 if c == "b" else 1
                    if parts + count > self.max_parts:
                        what = "table header" if header else "dotted key"
                        return TomlError(f"{what} with more than {self.max_parts} parts", key_start, refused=True)
                    refusal = self._key_parts(start, end, key_base + parts + (1 if header_array else 0), count)
                    if refusal:
                        return refusal
                    parts += count
                elif c == "=" and not header:
                    mode, value_depth = _VALUE, key_base + parts
                elif c == "]" and header:
                    if header_array and text.startswith("]", pos):
                        pos += 1
                    table_depth = parts + (1 if header_array else 0)
                    header = header_array = False
                    mode = _VALUE  # the rest of the line
                elif c == "}" and stack and stack[-1][0]:
                    stack.pop()
                    mode = _VALUE
                    if stack and not stack[-1][0]:
                        value_depth = stack[-1][1] + 1
                elif c != ".":
                    header = header_array = False
                    mode = _VALUE
                continue
            # _VALUE: a value, or what follows one
            if c == "[" or c == "{":
                refusal = self._depth(value_depth, start)
                if refusal:
                    return refusal
                stack.append((c == "{", value_depth))
                if c == "{":
                    mode, key_base, parts, key_start, header = _KEY, value_depth, 0, pos, False
                else:
                    value_depth += 1
            elif c == ",":
                if stack and stack[-1][0]:
                    mode, key_base, parts, key_start, header = _KEY, stack[-1][1], 0, pos, False
            elif c == "]" or c == "}":
                if stack:
                    stack.pop()
                    if stack and not stack[-1][0]:
                        value_depth = stack[-1][1] + 1
