"""Exported MCP tool lists: a JSON file holding a ``tools/list`` result.

Accepted shapes: ``{"tools": [...]}``, a JSON-RPC response
``{"result": {"tools": [...]}}``, and a bare list of tool objects, where each
tool has a ``name`` and usually a ``description`` and ``inputSchema``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mcplint.model.documents import Document
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(eq=False)
class ToolEntry:
    node: MappingNode
    name: str | None
    description: ScalarNode | None
    input_schema: Node | None


@dataclass(eq=False)
class ToolListFile:
    document: Document
    tools: list[ToolEntry] = field(default_factory=list)

    @property
    def unit_path(self) -> str:
        return self.document.path


def tool_items(root: Node | None) -> SequenceNode | None:
    """The list of tool objects in a tools/list export, or None for other JSON."""
    candidate: Node | None = root
    if isinstance(root, MappingNode):
        result = root.get_map("result")
        candidate = (result or root).get("tools")
    if not isinstance(candidate, SequenceNode) or not candidate.items:
        return None
    if all(isinstance(item, MappingNode) and isinstance(item.get("name"), ScalarNode) for item in candidate.items):
        if any(isinstance(item, MappingNode) and ("description" in item or "inputSchema" in item)
               for item in candidate.items):
            return candidate
    return None


def tool_list(document: Document) -> ToolListFile | None:
    items = tool_items(document.root)
    if items is None:
        return None
    tools = []
    for item in items.items:
        assert isinstance(item, MappingNode)
        tools.append(
            ToolEntry(
                node=item,
                name=item.get_text("name"),
                description=item.get_scalar("description"),
                input_schema=item.get("inputSchema"),
            )
        )
    return ToolListFile(document, tools)
