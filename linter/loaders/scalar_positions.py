"""Positions inside a scalar's value.

A YAML scalar's value is not its source text: block scalars drop their
indentation, folded and plain scalars turn line breaks into spaces, quoted
scalars decode escapes. Rules that find something *inside* a value (a hidden
character in a tool description, a password in init SQL) need the source
position of a value offset; :func:`value_offsets` aligns the decoded value
with the raw text, character by character, and :func:`value_span` turns a
value range into a :class:`~mcplint.span.Span`.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from functools import lru_cache

from mcplint.lazy_re import lazy_compile
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import ScalarNode

_SIMPLE_ESCAPES = set("0abtnvfre \"/\\N_LP\t")
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}
_SURROGATE_PAIR = lazy_compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def value_offsets(raw: str, value: str, style: str | None) -> list[int]:
    """For each index of ``value`` (and one past its end), the offset in ``raw``.

    ``raw`` is the scalar's source text (quotes and block header included).
    Characters the value gained by folding map to the line break they came
    from; an escape maps to its backslash.
    """
    offsets: list[int] = []
    j = 0
    n = len(raw)
    if style in ('"', "'"):
        j = 1  # opening quote
    elif style in ("|", ">"):
        j = raw.find("\n") + 1 if "\n" in raw else n
    indent = _block_indent(raw, j) if style in ("|", ">") else 0
    at_line_start = style in ("|", ">")
    for ch in value:
        if at_line_start:
            j = _skip_indent(raw, j, indent)
            at_line_start = False
        while j < n:
            current = raw[j]
            if style == '"' and current == "\\":
                length = _escape_length(raw, j, ch)
                if raw[j + 1 : j + 2] in ("\n", "\r"):  # escaped line break: contributes nothing
                    j += length
                    continue
                offsets.append(j)
                j += length
                break
            if style == "'" and current == "'" and raw[j + 1 : j + 2] == "'":
                offsets.append(j)
                j += 2
                break
            if current == ch:
                offsets.append(j)
                j += 1
                if ch == "\n" and style in ("|", ">"):
                    at_line_start = True
                break
            if current in " \t\r\n":
                if ch in " \n" and current in "\r\n":  # a folded line break
                    offsets.append(j)
                    j = _skip_break_and_indent(raw, j, indent if style in ("|", ">") else None)
                    break
                j += 1
                continue
            # The value has a character the raw text does not show here; keep going.
            offsets.append(j)
            break
        else:
            offsets.append(n)
    end = n - 1 if style in ('"', "'") and n else n
    offsets.append(max(min(j, end), offsets[-1] + 1 if offsets else 0))
    return offsets


def _block_indent(raw: str, start: int) -> int:
    header = raw[: max(start - 1, 0)]
    digits = [c for c in header if c.isdigit()]
    for line in raw[start:].split("\n"):
        stripped = line.lstrip(" ")
        if stripped.strip():
            found = len(line) - len(stripped)
            return int(digits[0]) if digits and int(digits[0]) <= found else found
    return 0


def _skip_indent(raw: str, j: int, indent: int) -> int:
    k = 0
    while k < indent and j < len(raw) and raw[j] == " ":
        j += 1
        k += 1
    return j


def _skip_break_and_indent(raw: str, j: int, indent: int | None) -> int:
    """Past the line break at ``j`` and the next line's indentation."""
    if raw.startswith("\r\n", j):
        j += 2
    else:
        j += 1
    if indent is None:
        while j < len(raw) and raw[j] in " \t":
            j += 1
        return j
    return _skip_indent(raw, j, indent)


def _escape_length(raw: str, j: int, ch: str = "") -> int:
    nxt = raw[j + 1 : j + 2]
    if nxt == "u" and ch > "\uffff" and _SURROGATE_PAIR.match(raw, j):
        return 12  # JSON writes a character beyond U+FFFF as two escapes (YAML keeps two characters)
    if nxt in _HEX_LENGTH:
        return 2 + _HEX_LENGTH[nxt]
    if nxt == "\r" and raw[j + 2 : j + 3] == "\n":
        return 3
    return 2 if nxt else 1


@lru_cache(maxsize=4)
def _cached_offsets(raw: str, value: str, style: str | None) -> Sequence[int]:
    """:func:`value_offsets`, remembered for the last few scalars: rules point at several places
    in one long description, and aligning a megabyte of text takes a noticeable fraction of a second."""
    return array("q", value_offsets(raw, value, style))


def value_span(source: SourceFile, node: ScalarNode, start: int, end: int) -> Span:
    """The source span of ``node.text[start:end]``."""
    base = node.span.start_offset
    raw = source.text[base : node.span.end_offset]
    offsets = _cached_offsets(raw, node.text, node.style)
    start = max(0, min(start, len(offsets) - 1))
    end = max(start, min(end, len(offsets) - 1))
    if end <= start:
        last = offsets[start]
    elif node.style == '"' and raw[offsets[end - 1] : offsets[end - 1] + 1] == "\\":
        last = offsets[end - 1] + _escape_length(raw, offsets[end - 1], node.text[end - 1])  # the whole escape
    else:
        last = offsets[end - 1] + 1
    return source.span(base + offsets[start], base + max(last, offsets[start]))
