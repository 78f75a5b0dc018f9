"""What a policy sees: records of named fields, each value with the place it is written.

A :class:`Record` is one entity instance (an endpoint, an MCP tool, a table a
template reads). Its fields already mean what flAPI (or Fluxbase, pgEdge, the
MCP client) does with them: an absent key holds the product's default, and
the value remembers where it is written or, when it is not written at all,
the nearest existing parent, so that a finding always points at a token.
Fields that cost work (a template's SQL parse) are computed on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Value:
    """A field's value: a scalar (str, int, float, bool), None (absent, no default),
    a list of :class:`Value`, or a list of :class:`Record` for record lists."""

    value: object
    where: Span  # the token, or the nearest existing parent when not written
    written: bool  # False: absent in the file (``value`` is the default, if any)


Lazy = Callable[[], Value]


@dataclass(eq=False)
class Record:
    entity: str
    anchor: Span  # where the entity itself is written (its key, its name)
    label: str  # for messages and ``policy explain``: "tool `get_orders`"
    fields: dict[str, Union[Value, Lazy]] = field(default_factory=dict)
    predicates: dict[str, Callable[[], bool]] = field(default_factory=dict)  # entity predicates (``is:``)

    def get(self, name: str) -> Value:
        held = self.fields.get(name)
        if held is None:
            return Value(None, self.anchor, False)
        if callable(held):
            held = held()
            self.fields[name] = held
        return held


# ------------------------------------------------------------ reading nodes


def key_span(mapping: MappingNode | None, key: str) -> Span | None:
    pair = mapping.get_pair(key) if mapping is not None else None
    return pair[0].span if pair is not None else None


def lookup(mapping: MappingNode | None, keys: list[str], parent: Span) -> tuple[Node | None, Span]:
    """The node at ``keys`` below ``mapping``, and the span of the deepest key that exists."""
    node: Node | None = mapping
    nearest = parent
    for key in keys:
        if not isinstance(node, MappingNode):
            return None, nearest
        pair = node.get_pair(key)
        if pair is None:
            return None, nearest
        nearest = pair[0].span
        node = pair[1]
    return node, nearest


_TRUE = {"y", "yes", "true", "on"}
_FALSE = {"n", "no", "false", "off"}


def scalar_value(node: Node | None, kind: str) -> object:
    """A scalar as ``kind`` (string, integer, number, boolean) the way yaml-cpp converts text; None if it does not."""
    if not isinstance(node, ScalarNode) or node.is_null:
        return None
    text = node.text.strip()
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind == "integer":
        try:
            return int(text, 0) if text.lower().startswith(("0x", "0o")) else int(text)
        except ValueError:
            return None
    if kind == "number":
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return None
    return node.text


def at(mapping: MappingNode | None, dotted: str, parent: Span, kind: str = "string", default: object = None) -> Value:
    """The field at a dotted path of keys as ``kind``, with the default when absent."""
    node, nearest = lookup(mapping, dotted.split("."), parent)
    if node is None or (isinstance(node, ScalarNode) and node.is_null):
        return Value(default, nearest, False)
    if kind == "list":
        return list_value(node, nearest)
    if kind == "section":
        return Value(True, nearest, True)
    value = scalar_value(node, kind)
    return Value(value if value is not None or kind == "string" else default, node.span, True)


def list_value(node: Node | None, where: Span, comma_separated: bool = False) -> Value:
    """A YAML list of scalars (a single scalar counts as one item, or as comma-separated items)."""
    if isinstance(node, SequenceNode):
        items = [Value(n.text, n.span, True) for n in node.items if isinstance(n, ScalarNode) and not n.is_null]
        return Value(items, node.span, True)
    if isinstance(node, ScalarNode) and not node.is_null:
        if comma_separated:
            parts = [p.strip() for p in node.text.split(",") if p.strip()]
            return Value([Value(p, node.span, True) for p in parts], node.span, True)
        return Value([Value(node.text, node.span, True)], node.span, True)
    return Value(None, where, False)


def text_value(node: ScalarNode | None, where: Span) -> Value:
    if node is None or node.is_null:
        return Value(None, where, False)
    return Value(node.text, node.span, True)


def fixed(value: object, where: Span, written: bool = True) -> Value:
    return Value(value, where, written)
