"""TOML to a positioned tree.

``tomllib`` decides whether a file is valid TOML and what every value is; it
keeps no positions, so a small scanner of our own walks the same text and
records the span of every key and value. The scanner runs only on text that
``tomllib`` accepted, builds the tree the way TOML defines it (tables from
``[headers]`` and dotted keys, arrays of tables from ``[[headers]]``, inline
tables, arrays) and takes each scalar's typed value from ``tomllib``'s result
by its key path, so a value is never decoded differently from a real TOML
reader. It is iterative (no recursion on nested arrays) and bounded in depth.

Spans follow the YAML and JSON loaders: a string's span includes its quotes,
a table's span is its header (or the key that created it).

Text goes to ``tomllib`` only through :func:`mcplint.loaders.safe_toml.parse_toml`,
which refuses (with a positioned diagnostic) dotted keys and headers of more than
``MAX_KEY_PARTS`` parts and values nested deeper than :data:`MAX_DEPTH` levels:
``tomllib`` is quadratic in the one and recursive in the other.
"""

from __future__ import annotations

from typing import Protocol

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.lazy_re import lazy_compile
from mcplint.loaders.safe_toml import MAX_DEPTH, TomlError, parse_toml
from mcplint.span import Span
from mcplint.tree import KeyPath, MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["MAX_DEPTH", "load_toml"]

_BARE_KEY = lazy_compile(r"[A-Za-z0-9_-]+")
_WS = lazy_compile(r"[ \t]*")
_BLANK = lazy_compile(r"(?:[ \t\r\n]|#[^\n]*)*")  # whitespace, newlines and comments (inside arrays)
_LINE_REST = lazy_compile(r"[ \t]*(?:#[^\n]*)?(?:\r?\n|$)")
_ATOM = lazy_compile(r"[^ \t\r\n,\]\}#]+")
_DATE_TIME_SPACE = lazy_compile(r"\d{4}-\d{2}-\d{2} \d{2}:")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}


class TextWithSpans(Protocol):
    text: str

    def span(self, start: int, end: int) -> Span: ...


class _ScanError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def load_toml(source: TextWithSpans) -> tuple[Node | None, list[Diagnostic]]:
    """Parse a TOML document; a file that is not valid TOML (or is refused) gives a diagnostic and no tree."""
    try:
        data = parse_toml(source.text)
    except TomlError as exc:
        return None, [_diagnostic(source, exc.describe(), exc.offset)]
    try:
        return _Scanner(source, data).document(), []
    except _ScanError as exc:
        return None, [_diagnostic(source, f"TOML refused: {exc}", exc.offset)]


def _diagnostic(source: TextWithSpans, message: str, offset: int) -> Diagnostic:
    offset = max(0, min(offset, len(source.text)))
    return Diagnostic(DiagnosticKind.PARSE_ERROR, source.span(offset, min(offset + 1, len(source.text))), message)


class _Scanner:
    def __init__(self, source: TextWithSpans, data: dict) -> None:
        self.source = source
        self.text = source.text
        self.data = data
        self.pos = 0
        # Per mapping (by id): key text -> child node, for tables that later lines extend.
        self.children: dict[int, dict[str, Node]] = {}
        self._starts: dict[int, int] = {}  # open arrays and inline tables: id -> start offset

    # ------------------------------------------------------------------ helpers

    def span(self, start: int, end: int) -> Span:
        return self.source.span(start, end)

    def _skip_ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def _mapping(self, start: int, end: int, path: KeyPath) -> MappingNode:
        node = MappingNode(self.span(start, end), path, [])
        self.children[id(node)] = {}
        return node

    def _add(self, table: MappingNode, key: ScalarNode, value: Node) -> None:
        table.pairs.append((key, value))
        self.children[id(table)][key.text] = value

    def _typed(self, path: KeyPath) -> tuple[bool, object]:
        """The value tomllib read at ``path`` (False when the path does not resolve)."""
        current: object = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(current, list) or part >= len(current):
                    return False, None
                current = current[part]
            else:
                if not isinstance(current, dict) or part not in current:
                    return False, None
                current = current[part]
        return True, current

    # --------------------------------------------------------------- document

    def document(self) -> MappingNode:
        text = self.text
        root = self._mapping(0, len(text), ())
        current = root
        n = len(text)
        while True:
            self.pos = _BLANK.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= n:
                break
            if text[self.pos] == "[":
                current = self._header(root)
            else:
                self._key_value(current)
            rest = _LINE_REST.match(text, self.pos)
            if rest is None:
                raise _ScanError("unexpected text after a value", self.pos)
            self.pos = rest.end()
        return root

    def _header(self, root: MappingNode) -> MappingNode:
        start = self.pos
        array = self.text.startswith("[[", start)
        self.pos += 2 if array else 1
        keys = self._dotted_key()
        self._skip_ws()
        close = "]]" if array else "]"
        if not self.text.startswith(close, self.pos):
            raise _ScanError("table header is not closed", self.pos)
        self.pos += len(close)
        end = self.pos
        table = root
        for i, (name, key_start, key_end) in enumerate(keys):
            last = i == len(keys) - 1
            child = self.children[id(table)].get(name)
            if last and array:
                if not isinstance(child, SequenceNode):
                    key = ScalarNode(self.span(key_start, key_end), table.path + (name,), name, name, None)
                    child = SequenceNode(self.span(start, end), table.path + (name,), [])
                    self._add(table, key, child)
                item = self._mapping(start, end, child.path + (len(child.items),))
                child.items.append(item)
                return item
            if isinstance(child, SequenceNode):  # [[a]] then [a.b]: b belongs to the last a
                child = child.items[-1] if child.items else None
            if not isinstance(child, MappingNode):
                key = ScalarNode(self.span(key_start, key_end), table.path + (name,), name, name, None)
                child = self._mapping(start, end, table.path + (name,))
                self._add(table, key, child)
            elif last:
                child.span = self.span(start, end)  # a super-table defined after its sub-tables
            table = child
        return table

    def _dotted_key(self) -> list[tuple[str, int, int]]:
        keys = []
        while True:
            self._skip_ws()
            keys.append(self._simple_key())
            self._skip_ws()
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return keys

    def _simple_key(self) -> tuple[str, int, int]:
        start = self.pos
        text = self.text
        if start < len(text) and text[start] in "\"'":
            value, end = self._string(start)
            if value is None or "\n" in text[start:end]:
                raise _ScanError("invalid quoted key", start)
            self.pos = end
            return value, start, end
        match = _BARE_KEY.match(text, start)
        if match is None:
            raise _ScanError("expected a key", start)
        self.pos = match.end()
        return match.group(), start, match.end()

    def _key_value(self, table: MappingNode) -> None:
        keys = self._dotted_key()
        if self.pos >= len(self.text) or self.text[self.pos] != "=":
            raise _ScanError("expected '=' after a key", self.pos)
        self.pos += 1
        self._skip_ws()
        target, key = self._last_key(table, keys)
        self._add(target, key, self._value(key.path))

    def _last_key(self, table: MappingNode, keys: list[tuple[str, int, int]]) -> tuple[MappingNode, ScalarNode]:
        """The table a dotted key ``a.b.c`` lands in (``a`` and ``b`` made on the way) and the node of ``c``."""
        target = table
        for name, key_start, key_end in keys[:-1]:
            child = self.children[id(target)].get(name)
            if not isinstance(child, MappingNode):
                key = ScalarNode(self.span(key_start, key_end), target.path + (name,), name, name, None)
                child = self._mapping(key_start, key_end, target.path + (name,))
                self._add(target, key, child)
            target = child
        name, key_start, key_end = keys[-1]
        path = target.path + (name,)
        return target, ScalarNode(self.span(key_start, key_end), path, name, name, None)

    # ------------------------------------------------------------------ values

    def _value(self, path: KeyPath) -> Node:
        """A value at ``self.pos``; arrays and inline tables with an explicit stack."""
        text = self.text
        first = text[self.pos] if self.pos < len(text) else ""
        if first not in "[{":
            return self._scalar(path)
        # The stack holds the open arrays and inline tables, innermost last.
        root = self._open(path)
        stack: list[Node] = [root]
        while stack:
            node = stack[-1]
            if isinstance(node, SequenceNode):
                self.pos = _BLANK.match(text, self.pos).end()  # type: ignore[union-attr]
                if text.startswith("]", self.pos):
                    self._close(node, stack)
                    continue
                child_path = node.path + (len(node.items),)
                if text[self.pos : self.pos + 1] in ("[", "{"):
                    child = self._open(child_path)
                    node.items.append(child)
                    stack.append(child)
                    continue
                node.items.append(self._scalar(child_path))
                self._after_item(node)
            else:
                assert isinstance(node, MappingNode)
                self.pos = _BLANK.match(text, self.pos).end()  # type: ignore[union-attr]
                if text.startswith("}", self.pos):
                    self._close(node, stack)
                    continue
                keys = self._dotted_key()
                if not text.startswith("=", self.pos):
                    raise _ScanError("expected '=' in an inline table", self.pos)
                self.pos += 1
                self._skip_ws()
                target, key = self._last_key(node, keys)
                child_path = key.path
                if text[self.pos : self.pos + 1] in ("[", "{"):
                    child = self._open(child_path)
                    self._add(target, key, child)
                    stack.append(child)
                    continue
                self._add(target, key, self._scalar(child_path))
                self._after_item(node)
        return root

    def _open(self, path: KeyPath) -> Node:
        if len(path) > MAX_DEPTH:
            raise _ScanError(f"nesting deeper than {MAX_DEPTH} levels", self.pos)
        start = self.pos
        self.pos += 1
        if self.text[start] == "[":
            node: Node = SequenceNode(self.span(start, start + 1), path, [])
        else:
            node = self._mapping(start, start + 1, path)
        self._starts[id(node)] = start
        return node

    def _close(self, node: Node, stack: list[Node]) -> None:
        self.pos += 1
        start = self._starts.pop(id(node))
        node.span = self.span(start, self.pos)
        stack.pop()
        if stack:
            self._after_item(stack[-1])

    def _after_item(self, container: Node) -> None:
        """Past the separator after an item: ``,`` or the closing bracket (not consumed)."""
        text = self.text
        self.pos = _BLANK.match(text, self.pos).end()  # type: ignore[union-attr]
        if text.startswith(",", self.pos):
            self.pos += 1
            return
        closing = "]" if isinstance(container, SequenceNode) else "}"
        if not text.startswith(closing, self.pos):
            raise _ScanError(f"expected ',' or '{closing}'", self.pos)

    def _scalar(self, path: KeyPath) -> ScalarNode:
        text = self.text
        start = self.pos
        style: str | None = None
        if start < len(text) and text[start] in "\"'":
            decoded, end = self._string(start)
            if decoded is None:
                raise _ScanError("invalid string", start)
            quote = text[start]
            style = quote * 3 if text.startswith(quote * 3, start) else quote
            raw = decoded
        else:
            if _DATE_TIME_SPACE.match(text, start):  # a date-time with a space separator
                first = _ATOM.match(text, start + 11)
                end = first.end() if first else start + 10
            else:
                match = _ATOM.match(text, start)
                if match is None:
                    raise _ScanError("expected a value", start)
                end = match.end()
            raw = text[start:end]
        self.pos = end
        found, value = self._typed(path)
        if not found:
            value = raw
        if style is None:
            return ScalarNode(self.span(start, end), path, raw, value, None)
        return ScalarNode(self.span(start, end), path, value if isinstance(value, str) else raw, value, style)

    def _string(self, start: int) -> tuple[str | None, int]:
        """Decode the string starting at ``start``: (value, end offset), value None if malformed."""
        text = self.text
        quote = text[start]
        if text.startswith(quote * 3, start):
            close = text.find(quote * 3, start + 3)
            if close < 0:
                return None, len(text)
            end = close + 3
            while end < len(text) and text[end] == quote and end - close < 5:  # up to two quotes of content
                end += 1
            body = text[start + 3 : end - 3]
            if body.startswith("\r\n"):
                body = body[2:]
            elif body.startswith("\n"):
                body = body[1:]
            if quote == "'":
                return body, end
            return _unescape(body, multiline=True), end
        i = start + 1
        if quote == "'":
            close = text.find("'", i)
            if close < 0 or "\n" in text[i:close]:
                return None, len(text)
            return text[i:close], close + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                return _unescape(text[start + 1 : i], multiline=False), i + 1
            if ch == "\n":
                break
            i += 1
        return None, len(text)


def _unescape(body: str, multiline: bool) -> str | None:
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if multiline and nxt in (" ", "\t", "\r", "\n"):
            j = i + 1
            while j < n and body[j] in " \t":
                j += 1
            if j < n and body[j] in "\r\n":  # line-ending backslash: trim to the next text
                while j < n and body[j] in " \t\r\n":
                    j += 1
                i = j
                continue
            return None
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        length = {"u": 4, "U": 8, "x": 2}.get(nxt)
        digits = body[i + 2 : i + 2 + length] if length else ""
        if length is None or len(digits) != length or not all(c in "0123456789abcdefABCDEF" for c in digits):
            return None
        code = int(digits, 16)
        if code > 0x10FFFF:
            return None
        out.append(chr(code))
        i += 2 + length
    return "".join(out)
