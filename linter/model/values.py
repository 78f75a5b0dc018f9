"""How flAPI (yaml-cpp) reads scalar values.

yaml-cpp converts a scalar's *text* on demand: ``as<bool>()`` accepts more
spellings than JSON, ``as<std::string>()`` returns the text unchanged (so
``password: 0x1F`` is the string ``0x1F``, not 31). The model uses these
helpers so rules see what flAPI sees.
"""

from __future__ import annotations

from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}


def as_bool(node: Node | None) -> bool | None:
    """yaml-cpp's bool conversion; None when absent or not a boolean spelling."""
    if not isinstance(node, ScalarNode) or node.is_null:
        return None
    if node.text in _TRUE:
        return True
    if node.text in _FALSE:
        return False
    return None


def as_text(node: Node | None) -> str | None:
    if not isinstance(node, ScalarNode) or node.is_null:
        return None
    return node.text


def as_text_list(node: Node | None) -> list[str]:
    """A sequence of scalars as texts; a single scalar counts as a one-item list."""
    if isinstance(node, SequenceNode):
        return [n.text for n in node.items if isinstance(n, ScalarNode) and not n.is_null]
    text = as_text(node)
    return [text] if text is not None else []


def get_bool(mapping: MappingNode | None, key: str) -> bool | None:
    return as_bool(mapping.get(key)) if mapping is not None else None


def get_text(mapping: MappingNode | None, key: str) -> str | None:
    return as_text(mapping.get(key)) if mapping is not None else None
