"""Exported MCP tool lists: a JSON file holding a ``tools/list`` result (or ``prompts/list``, ``resources/list``).

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
    kind: str = "tool"  # "tool", "prompt" or "resource" (prompts/list, resources/list exports)


@dataclass(eq=False)
class ToolListFile:
    document: Document
    tools: list[ToolEntry] = field(default_factory=list)

    @property
    def unit_path(self) -> str:
        return self.document.path


_LIST_KEYS = (("tools", "tool", "inputSchema"), ("prompts", "prompt", "arguments"),
              ("resources", "resource", "uri"), ("resourceTemplates", "resource", "uriTemplate"))


def export_items(root: Node | None) -> tuple[SequenceNode, str] | None:
    """(items, kind) of a tools/list, prompts/list or resources/list export, or None for other JSON."""
    for key, kind, marker in _LIST_KEYS:
        candidate: Node | None = root if key == "tools" else None
        if isinstance(root, MappingNode):
            result = root.get_map("result")
            candidate = (result or root).get(key)
        if not isinstance(candidate, SequenceNode) or not candidate.items:
            continue
        if all(isinstance(item, MappingNode) and isinstance(item.get("name"), ScalarNode) for item in candidate.items):
            if any(isinstance(item, MappingNode) and ("description" in item or marker in item)
                   for item in candidate.items):
                return candidate, kind
    return None


def tool_items(root: Node | None) -> SequenceNode | None:
    """The list of tool objects in a tools/list export, or None for other JSON."""
    found = export_items(root)
    return found[0] if found is not None and found[1] == "tool" else None


def tool_list(document: Document) -> ToolListFile | None:
    found = export_items(document.root)
    if found is None:
        return None
    items, kind = found
    tools = []
    for item in items.items:
        assert isinstance(item, MappingNode)
        tools.append(
            ToolEntry(
                node=item,
                name=item.get_text("name"),
                description=item.get_scalar("description"),
                input_schema=item.get("inputSchema"),
                kind=kind,
            )
        )
    return ToolListFile(document, tools)
