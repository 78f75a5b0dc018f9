"""Other MCP server configurations recognised by content: Fluxbase and pgEdge."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcplint.model.documents import Document
from mcplint.model.service_files import ReferencedFile


@dataclass(eq=False)
class FluxbaseConfig:
    document: Document

    @property
    def unit_path(self) -> str:
        return self.document.path


@dataclass(eq=False)
class PgEdgeConfig:
    document: Document
    kind: str  # "server" | "tokens" | "users"
    files: list[ReferencedFile] = field(default_factory=list)  # secret files a server config names (on disk)

    @property
    def unit_path(self) -> str:
        return self.document.path
