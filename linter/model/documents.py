"""A parsed configuration file: its source, its tree, and where its text came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcplint.loaders.flapi_text import IncludeDirective
from mcplint.source import SourceFile
from mcplint.tree import MappingNode, Node

IncludeRecord = IncludeDirective
# The format of a document the result cache vouches for: read, not parsed (``model/cached.py``).
CACHED_FORMAT = "cached"


@dataclass(eq=False, slots=True, weakref_slot=True)
class Document:
    """One YAML or JSON file after loading (and flAPI pre-processing, if any).

    Slotted (with a slot for the schema checks' weak references): a placeholder
    stays for every endpoint file checked as it was built."""

    source: SourceFile = field(repr=False)
    root: Node | None = field(repr=False)  # may hold secrets; never repr it
    format: str = "yaml"  # "yaml", "json", "toml", "env", or CACHED_FORMAT (not parsed: root is None)
    includes: list[IncludeRecord] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Document({self.source.path!r}, {self.format})"

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def mapping(self) -> MappingNode | None:
        """The top-level mapping, or None when the document is not a mapping."""
        return self.root if isinstance(self.root, MappingNode) else None
