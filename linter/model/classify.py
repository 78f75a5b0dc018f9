"""Recognising what a parsed file is, by its name and its content.

flAPI main configs and endpoint files are recognised by their keys (any file
name works with ``flapi -c``); client configs mostly by their well-known file
names; Fluxbase and pgEdge configs by a combination of distinctive keys, so
that an ordinary application config is not mistaken for them.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from mcplint.discovery import effective_name
from mcplint.lazy_re import lazy_compile
from mcplint.tree import MappingNode, Node, SequenceNode

ENDPOINT_KEYS = ("url-path", "mcp-tool", "mcp-resource", "mcp-prompt")
MAIN_CONFIG_SNIFF = re.compile(r"^template[ \t]*:", re.MULTILINE)
# Any text that could hold the key ``template`` once parsed: the word anywhere (a quoted or flow
# key, an anchor's mapping) except as ``template-source``, or a backslash (an escape in a quoted key).
_MAYBE_TEMPLATE_KEY = re.compile(r"template(?!-source)|\\")

# (client, key holding the servers) by file name; the folder matters for some.
_CLIENT_FILES: dict[str, tuple[str, str]] = {
    "claude_desktop_config.json": ("claude-desktop", "mcpServers"),
    ".mcp.json": ("claude-code", "mcpServers"),
    "mcp_config.json": ("windsurf", "mcpServers"),
    "cline_mcp_settings.json": ("cline", "mcpServers"),
    "mcp_settings.json": ("cline", "mcpServers"),
}
_FLUXBASE_MARKERS = (
    ("database", "admin_password"),
    ("storage", "s3_secret_key"),
    ("storage", "provider"),
    ("mcp", "allowed_tools"),
    ("mcp", "allowed_resources"),
    ("mcp", "rate_limit_per_min"),
    ("auth", "jwt_secret"),
    ("cors", "allowed_origins"),
    ("email", "smtp_password"),
    ("realtime", "enabled"),
)


# A Go-template action as Helm writes them: `{{ .Values.x }}`, `{{- include "name" . }}`, `{{ if … }}`, `{{/* */}}`.
# flAPI's own `{{env.X}}` and `{{include:SECTION from f}}` do not match (no dot, dash or quoted name first).
_GO_ACTION = lazy_compile(
    r"\{\{-?\s{0,4}(?:\.[A-Za-z]|\$|/\*|(?:include|template)\s{1,4}\"|(?:if|else|end|range|with|define|block|toYaml"
    r"|tpl|required|printf|lookup|fail)\b(?![:.]))"
)


def is_go_template(text: str) -> bool:
    """Whether a YAML file holds Go-template actions (a Helm chart template)."""
    return bool(_GO_ACTION.search(text))


def is_main_config(root: Node | None) -> bool:
    """flapi-semantics §1: a top-level ``template`` mapping with a ``path`` key."""
    if not isinstance(root, MappingNode):
        return False
    template = root.get_map("template")
    return template is not None and "path" in template


def may_hold_main_config(text: str) -> bool:
    """False only for a text that cannot parse to a main config (:func:`is_main_config`): it never
    names the key ``template``. Its includes are the caller's to check (their text is inserted)."""
    return _MAYBE_TEMPLATE_KEY.search(text) is not None


def is_mcplint_baseline(root: Node | None, text: str) -> bool:
    """mcplint's own baseline file (``--write-baseline``): its hashes are not secrets, nothing in it is config.

    Only a file in the exact baseline format counts (``baseline.is_baseline_file``); a file
    that imitates it with the two keys and holds anything else is linted as what it is.
    """
    if not (isinstance(root, MappingNode) and "mcplint_baseline" in root and "findings" in root):
        return False
    from mcplint.baseline import is_baseline_file

    return is_baseline_file(text)


def is_endpoint(root: Node | None) -> bool:
    return isinstance(root, MappingNode) and any(k in root for k in ENDPOINT_KEYS)


def client_kind(rel_path: str, root: Node | None) -> tuple[str, str] | None:
    """(client, servers key) for an MCP client config, else None."""
    if not isinstance(root, MappingNode):
        return None
    path = PurePosixPath(rel_path)
    path = path.with_name(effective_name(path.name))  # `.mcp.json.example` is read as `.mcp.json`
    parent = path.parent.name
    if path.name == "mcp.json" and parent == ".cursor":
        return ("cursor", "mcpServers")
    if path.name == "mcp.json" and parent == ".vscode":
        return ("vscode", "servers")
    if path.name == "settings.json" and parent == ".zed":
        return ("zed", "context_servers")
    if path.name in _CLIENT_FILES:
        return _CLIENT_FILES[path.name]
    if isinstance(root.get("mcpServers"), MappingNode):
        return ("generic", "mcpServers")
    if isinstance(root.get("context_servers"), MappingNode):
        return ("zed", "context_servers")
    if path.name == "mcp.json" and isinstance(root.get("servers"), MappingNode):
        return ("vscode", "servers")
    return None


# Helm values that carry a Fluxbase configuration: the chart renders this block into fluxbase.yaml.
_HELM_FLUXBASE_BLOCKS = (("config",), ("fluxbase", "config"), ("fluxbase",), ("configuration",))


def fluxbase_root(rel_path: str, root: Node | None) -> MappingNode | None:
    """The mapping holding a Fluxbase configuration: the root, or a Helm values block (`config.mcp.…`)."""
    if not isinstance(root, MappingNode):
        return None
    if is_fluxbase(rel_path, root):
        return root
    for keys in _HELM_FLUXBASE_BLOCKS:
        block: Node | None = root
        for key in keys:
            block = block.get(key) if isinstance(block, MappingNode) else None
        if isinstance(block, MappingNode) and _fluxbase_markers(block) >= 2 and (
            "database" in block or "mcp" in block
        ):
            return block
    return None


def is_fluxbase(rel_path: str, root: Node | None) -> bool:
    if not isinstance(root, MappingNode):
        return False
    if PurePosixPath(effective_name(PurePosixPath(rel_path).name)).stem.lower() in ("fluxbase", "fluxbase.example"):
        return True
    if "database" not in root:
        return False
    return _fluxbase_markers(root) >= 2


def _fluxbase_markers(root: MappingNode) -> int:
    hits = 0
    for section, key in _FLUXBASE_MARKERS:
        block = root.get_map(section)
        if block is not None and key in block:
            hits += 1
    return hits


def pgedge_kind(root: Node | None) -> str | None:
    """"server", "tokens" or "users" for pgEdge MCP server files, else None."""
    if not isinstance(root, MappingNode):
        return None
    databases = root.get("databases")
    if isinstance(databases, SequenceNode) and any(
        isinstance(item, MappingNode) and ("sslmode" in item or ("database" in item and "user" in item))
        for item in databases.items
    ):
        if any(k in root for k in ("http", "llm", "embedding", "secret_file")):
            return "server"
    http = root.get_map("http")
    if http is not None and http.get_map("auth") is not None and "token_file" in http.get_map("auth"):
        return "server"
    tokens = root.get_map("tokens")
    if tokens is not None and tokens.pairs and all(
        isinstance(v, MappingNode) and "hash" in v for _, v in tokens.pairs
    ):
        return "tokens"
    users = root.get_map("users")
    if users is not None and users.pairs and all(
        isinstance(v, MappingNode) and "password_hash" in v for _, v in users.pairs
    ):
        return "users"
    return None
