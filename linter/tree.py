"""The positioned tree every loader produces (YAML, JSON and JSONC alike).

Each node knows its :class:`~mcplint.span.Span` and its logical path from the
document root (``("auth", "users", 0, "password")``). Rules work on this tree
and on the model built from it, never on raw text, so every finding can point
at the exact token and name a location that survives line moves.
"""

from __future__ import annotations

import sys
from typing import Protocol, Union
from collections.abc import Iterator

from mcplint.span import Span

PathKey = Union[str, int]
KeyPath = tuple[PathKey, ...]


class SpanMapper(Protocol):
    def span(self, start: int, end: int) -> Span: ...


# A span not computed yet: ``(mapper, start offset, end offset)``. Most nodes are never
# reported on, so their line/column lookup is left until someone asks for it; a plain
# tuple because a large tree has hundreds of thousands of nodes and an object per span
# cost a noticeable share of loading them.
DeferredSpan = tuple[SpanMapper, int, int]


class Node:
    __slots__ = ("_span", "path")

    def __init__(self, span: Span | DeferredSpan, path: KeyPath = ()) -> None:
        self._span = span
        self.path = path

    @property
    def span(self) -> Span:
        span = self._span
        if type(span) is tuple:
            span = self._span = span[0].span(span[1], span[2])
        return span  # type: ignore[return-value]

    @span.setter
    def span(self, value: Span | DeferredSpan) -> None:
        self._span = value

    @property
    def logical_path(self) -> str:
        # Interned: the same few paths ("url-path", "request[0].description") name places in every
        # endpoint, and a large run keeps many of them (facts, model texts, findings).
        return sys.intern(format_path(self.path))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.span}, {self.logical_path!r})"


class ScalarNode(Node):
    """A scalar. ``text`` is its string content as written (after quoting rules),
    ``value`` the YAML/JSON typed value. flAPI reads every scalar as its text,
    so flAPI rules use ``text``; ``env_refs`` lists ``{{env.X}}`` names in it."""

    __slots__ = ("text", "value", "style", "env_refs")

    def __init__(
        self,
        span: Span | DeferredSpan,
        path: KeyPath = (),
        text: str = "",
        value: object = None,
        style: str | None = None,
        env_refs: tuple[str, ...] = (),
    ) -> None:
        # The slots are set here, not through Node.__init__: one call less per node adds up.
        self._span = span
        self.path = path
        self.text = text
        self.value = value
        self.style = style  # None plain, "'" / '"' quoted, "|" / ">" block
        self.env_refs = env_refs

    @property
    def is_null(self) -> bool:
        return self.value is None and self.style is None


class MappingNode(Node):
    __slots__ = ("pairs",)

    def __init__(
        self, span: Span | DeferredSpan, path: KeyPath = (), pairs: list[tuple[Node, Node]] | None = None
    ) -> None:
        self._span = span
        self.path = path
        self.pairs = pairs if pairs is not None else []

    def get_pair(self, key: str) -> tuple[ScalarNode, Node] | None:
        """The first pair whose key text is ``key`` (yaml-cpp's lookup rule)."""
        for k, v in self.pairs:
            if isinstance(k, ScalarNode) and k.text == key:
                return k, v
        return None

    def get(self, key: str) -> Node | None:
        pair = self.get_pair(key)
        return pair[1] if pair else None

    def get_map(self, key: str) -> MappingNode | None:
        node = self.get(key)
        return node if isinstance(node, MappingNode) else None

    def get_seq(self, key: str) -> SequenceNode | None:
        node = self.get(key)
        return node if isinstance(node, SequenceNode) else None

    def get_scalar(self, key: str) -> ScalarNode | None:
        node = self.get(key)
        return node if isinstance(node, ScalarNode) else None

    def get_text(self, key: str) -> str | None:
        node = self.get_scalar(key)
        return None if node is None or node.is_null else node.text

    def keys(self) -> Iterator[str]:
        for k, _ in self.pairs:
            if isinstance(k, ScalarNode):
                yield k.text

    def __contains__(self, key: str) -> bool:
        return self.get_pair(key) is not None


class SequenceNode(Node):
    __slots__ = ("items",)

    def __init__(self, span: Span | DeferredSpan, path: KeyPath = (), items: list[Node] | None = None) -> None:
        self._span = span
        self.path = path
        self.items = items if items is not None else []


def format_path(path: KeyPath) -> str:
    """Render a key path as ``auth.users[0].password`` (odd keys are quoted)."""
    out: list[str] = []
    for key in path:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif key and all(c.isalnum() or c in "-_$" for c in key):
            out.append(("." if out else "") + key)
        else:
            escaped = key.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


def walk(node: Node | None) -> Iterator[Node]:
    """Every node below ``node`` (itself included), depth first, without recursion.

    Aliased YAML subtrees are shared; each shared node is visited once, which
    keeps a walk linear even for documents built to explode on expansion.
    """
    if node is None:
        return
    seen: set[int] = set()
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, MappingNode):
            for k, v in reversed(current.pairs):
                stack.append(v)
                stack.append(k)
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.items))


def scalars(node: Node | None) -> Iterator[ScalarNode]:
    for n in walk(node):
        if isinstance(n, ScalarNode):
            yield n
