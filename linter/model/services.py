"""Other MCP server configurations recognised by content: Fluxbase and pgEdge."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcplint.model.documents import Document
from mcplint.model.service_files import ReferencedFile
from mcplint.tree import MappingNode


@dataclass(eq=False)
class FluxbaseConfig:
    document: Document
    # Where the settings start: the document's root, or the block of Helm values holding them
    # (`config:` in a chart's values.yaml, issue 21).
    root: MappingNode | None = None

    @property
    def unit_path(self) -> str:
        return self.document.path

    @property
    def mapping(self) -> MappingNode | None:
        return self.root if self.root is not None else self.document.mapping


@dataclass(eq=False)
class PgEdgeConfig:
    document: Document
    kind: str  # "server" | "tokens" | "users"
    files: list[ReferencedFile] = field(default_factory=list)  # secret files a server config names (on disk)

    @property
    def unit_path(self) -> str:
        return self.document.path
