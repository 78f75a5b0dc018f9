"""JSON and JSON-with-comments to a positioned tree.

MCP client configs are JSON, and some editors (VS Code, Zed) accept comments
and trailing commas, so one lenient parser reads them all. It is iterative,
bounded in nesting depth, and reports syntax errors as diagnostics. Duplicate
keys keep the last value, as JSON parsers do.
"""

from __future__ import annotations

import json
import re
from typing import Protocol

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.lazy_re import lazy_compile
from mcplint.span import Span
from mcplint.tree import KeyPath, MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 400

_TOKEN = lazy_compile(
    r"""
    (?P<ws>[ \t\r\n\ufeff]+)
  | (?P<comment>//[^\r\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<literal>true|false|null)
  | (?P<punct>[{}\[\]:,])
    """,
    re.VERBOSE | re.DOTALL,
)
_LITERALS = {"true": True, "false": False, "null": None}


class TextWithSpans(Protocol):
    text: str

    def span(self, start: int, end: int) -> Span: ...


def _shown(token: tuple[str, str, int]) -> str:
    """A token as an error message names it: punctuation and short words as they are, never a
    string or a long word (a broken file may hold a secret right where the parser stopped)."""
    kind, raw, _ = token
    if kind == "punct" or (kind != "string" and len(raw) <= 5):
        return repr(raw)
    return {"string": "a string", "number": "a number"}.get(kind, f"a word of {len(raw)} characters")


class _SyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def load_json(source: TextWithSpans) -> tuple[Node | None, list[Diagnostic]]:
    try:
        return _Parser(source).parse(), []
    except _SyntaxError as exc:
        offset = max(0, min(exc.offset, len(source.text)))
        span = source.span(offset, min(offset + 1, len(source.text)))
        return None, [Diagnostic(DiagnosticKind.PARSE_ERROR, span, f"invalid JSON: {exc}")]


class _Parser:
    def __init__(self, source: TextWithSpans) -> None:
        self.source = source
        self.text = source.text
        self.pos = 0

    def _next(self) -> tuple[str, str, int] | None:
        """The next significant token as (kind, text, start), skipping blanks and comments."""
        text = self.text
        while self.pos < len(text):
            match = _TOKEN.match(text, self.pos)
            if match is None:
                if text.startswith("/*", self.pos):
                    raise _SyntaxError("unterminated comment", self.pos)
                if text[self.pos] == '"':
                    raise _SyntaxError("unterminated string or invalid character in string", self.pos)
                raise _SyntaxError(f"unexpected character {text[self.pos]!r}", self.pos)
            self.pos = match.end()
            kind = match.lastgroup or ""
            if kind not in ("ws", "comment"):
                return kind, match.group(), match.start()
        return None

    def _expect_value_start(self) -> tuple[str, str, int]:
        token = self._next()
        if token is None:
            raise _SyntaxError("unexpected end of input, expected a value", len(self.text))
        return token

    def _scalar(self, kind: str, raw: str, start: int, path: KeyPath) -> ScalarNode:
        span = self.source.span(start, start + len(raw))
        if kind == "string":
            try:
                value = json.loads(raw)
            except ValueError:
                raise _SyntaxError("invalid escape in string", start) from None
            return ScalarNode(span, path, value, value, '"')
        if kind == "number":
            try:
                value: object = json.loads(raw)
            except ValueError:  # more digits than Python converts; keep the text
                value = raw
            return ScalarNode(span, path, raw, value, None)
        return ScalarNode(span, path, raw, _LITERALS[raw], None)

    def parse(self) -> Node | None:
        token = self._next()
        if token is None:
            return None
        root = self._value(token, ())
        trailing = self._next()
        if trailing is not None:
            raise _SyntaxError(f"unexpected {_shown(trailing)} after the document", trailing[2])
        return root

    def _value(self, token: tuple[str, str, int], path: KeyPath) -> Node:
        kind, raw, start = token
        if kind != "punct":
            return self._scalar(kind, raw, start, path)
        if raw not in "[{":
            raise _SyntaxError(f"unexpected {_shown(token)}, expected a value", start)
        return self._container(token, path)

    def _container(self, first: tuple[str, str, int], path: KeyPath) -> Node:
        """Parse nested arrays/objects with an explicit stack (no recursion)."""

        def open_node(raw: str, start: int, node_path: KeyPath) -> list:
            node: Node
            if raw == "{":
                node = MappingNode(self.source.span(start, start + 1), node_path, [])
            else:
                node = SequenceNode(self.source.span(start, start + 1), node_path, [])
            if len(stack) >= MAX_DEPTH:
                raise _SyntaxError(f"nesting deeper than {MAX_DEPTH} levels", start)
            # frame: node, start offset, expecting-comma flag, pending key
            return [node, start, False, None]

        stack: list[list] = []
        stack.append(open_node(first[1], first[2], path))
        while True:
            frame = stack[-1]
            node, start, after_item, _ = frame
            token = self._next()
            if token is None:
                raise _SyntaxError("unexpected end of input in an unclosed container", start)
            kind, raw, tok_start = token
            closing = "}" if isinstance(node, MappingNode) else "]"
            if kind == "punct" and raw == closing:
                node.span = self.source.span(start, tok_start + 1)
                if isinstance(node, MappingNode):
                    node.pairs = _last_wins(node.pairs)
                stack.pop()
                if not stack:
                    return node
                self._attach(stack[-1], node)
                continue
            if after_item:
                if kind == "punct" and raw == ",":
                    frame[2] = False
                    continue
                raise _SyntaxError(f"expected ',' or {closing!r}, found {_shown(token)}", tok_start)
            if isinstance(node, MappingNode):
                if kind != "string":
                    raise _SyntaxError(f"expected a string key, found {_shown(token)}", tok_start)
                key = self._scalar(kind, raw, tok_start, node.path)
                key.path = node.path + (key.text,)
                colon = self._next()
                if colon is None or colon[1] != ":":
                    raise _SyntaxError("expected ':' after the key", colon[2] if colon else len(self.text))
                frame[3] = key
                token = self._expect_value_start()
                child_path = key.path
            else:
                child_path = node.path + (len(node.items),)
            if token[0] == "punct" and token[1] in "[{":
                stack.append(open_node(token[1], token[2], child_path))
                continue
            self._attach(frame, self._value(token, child_path))

    @staticmethod
    def _attach(frame: list, child: Node) -> None:
        node = frame[0]
        if isinstance(node, MappingNode):
            node.pairs.append((frame[3], child))
            frame[3] = None
        else:
            node.items.append(child)
        frame[2] = True


def _last_wins(pairs: list[tuple[Node, Node]]) -> list[tuple[Node, Node]]:
    seen: dict[str, int] = {}
    for i, (key, _) in enumerate(pairs):
        if isinstance(key, ScalarNode):
            seen[key.text] = i
    if len(seen) == len(pairs):
        return pairs
    keep = set(seen.values())
    return [pair for i, pair in enumerate(pairs) if i in keep]
