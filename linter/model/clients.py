"""MCP client configurations (Claude, Cursor, VS Code, Windsurf, Zed, Cline)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcplint.model.documents import Document
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(eq=False)
class ClientServer:
    """One server entry; fields are None when the entry does not set them."""

    name: str
    key: ScalarNode
    node: MappingNode
    command: ScalarNode | None
    args: list[ScalarNode]
    env: MappingNode | None
    url: ScalarNode | None
    headers: MappingNode | None


@dataclass(eq=False)
class ClientConfig:
    document: Document
    client: str  # claude-desktop, claude-code, cursor, vscode, windsurf, zed, cline, generic
    servers_key: str  # mcpServers / servers / context_servers
    servers: list[ClientServer] = field(default_factory=list)
    inputs: SequenceNode | None = None

    @property
    def unit_path(self) -> str:
        return self.document.path


def server_entries(container: Node | None) -> list[tuple[ScalarNode, MappingNode]]:
    if not isinstance(container, MappingNode):
        return []
    return [
        (k, v) for k, v in container.pairs if isinstance(k, ScalarNode) and isinstance(v, MappingNode)
    ]
