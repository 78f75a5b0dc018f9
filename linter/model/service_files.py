"""Files a pgEdge MCP server config names, and their permissions on disk.

The pgEdge security guide asks for mode 600 on the token, user and secret files,
on API key files and on the TLS private key; the server itself refuses a secret
file that others can read. Rules never touch the file system, so the model looks
the files up once: each path is resolved against the config's folder (as a
server started from there would), and only files inside the scanned root are
looked at (a path outside it, or under ``~``, depends on the machine the server
runs on, not on this checkout). Where POSIX modes do not exist (Windows) nothing
is recorded and the permission rules stay silent.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mcplint.discovery import FileAccess
from mcplint.model.documents import Document
from mcplint.tree import MappingNode, ScalarNode

# Keys of a pgEdge server config whose value names a file that holds a secret, and what the file holds.
_SECRET_FILE_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("http", "tls", "key_file"), "TLS private key"),
    (("http", "auth", "token_file"), "token file"),
    (("http", "auth", "user_file"), "user file"),
    (("secret_file",), "encryption secret file"),
    (("llm", "anthropic_api_key_file"), "API key file"),
    (("llm", "openai_api_key_file"), "API key file"),
    (("embedding", "openai_api_key_file"), "API key file"),
    (("embedding", "voyage_api_key_file"), "API key file"),
    (("knowledgebase", "embedding_openai_api_key_file"), "API key file"),
    (("knowledgebase", "embedding_voyage_api_key_file"), "API key file"),
)


@dataclass(frozen=True)
class ReferencedFile:
    """A file named in a config, found inside the scanned root."""

    node: ScalarNode  # the value that names the file
    what: str  # "TLS private key", "token file", …
    path: str  # root-relative POSIX path
    mode: int  # st_mode
    scanned: bool  # the file is also a document of the model (its own unit reports on it)


def posix_modes() -> bool:
    """Whether file modes mean owner/group/other permissions on this system."""
    return os.name == "posix"


def referenced_files(document: Document, access: FileAccess, scanned: set[str]) -> list[ReferencedFile]:
    """The secret-holding files a pgEdge server config names that exist inside the root."""
    root = document.mapping
    if root is None or not posix_modes():
        return []
    folder = Path(document.source.abs_path).parent
    out: list[ReferencedFile] = []
    for keys, what in _SECRET_FILE_KEYS:
        node = _scalar_at(root, keys)
        if node is None or node.is_null:
            continue
        text = node.text.strip()
        if not text or text.startswith("~") or "$" in text or "{{" in text or "\x00" in text:
            continue
        path = Path(text) if os.path.isabs(text) else folder / text
        if not access.lexically_inside_root(path) or not access.inside_root(path):
            continue
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            continue
        if not stat.S_ISREG(status.st_mode):
            continue
        rel = access.rel(path)
        out.append(ReferencedFile(node, what, rel, status.st_mode, rel in scanned))
    return out


def _scalar_at(root: MappingNode, keys: tuple[str, ...]) -> ScalarNode | None:
    node: object = root
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        node = node.get(key)
    return node if isinstance(node, ScalarNode) else None
