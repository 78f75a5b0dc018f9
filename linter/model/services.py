"""Other MCP server configurations recognised by content: Fluxbase and pgEdge."""

from __future__ import annotations

from dataclasses import dataclass

from mcplint.model.documents import Document


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

    @property
    def unit_path(self) -> str:
        return self.document.path
