"""MCP client formats beyond the ``mcpServers`` JSON family (issue 21).

Each reader returns a :class:`ClientConfig` whose servers carry the same fields
as the JSON clients' (command, args, env, url, headers), so every client-config
rule applies unchanged. Formats, from each client's documentation:

- VS Code user/workspace ``settings.json``: ``"mcp": {"servers": {…}, "inputs": […]}``
  (also the older ``mcp.mcpServers`` and the flat key ``"mcp.servers"``).
- Continue ``.continue/config.yaml`` and ``.continue/mcpServers/*.yaml``:
  ``mcpServers:`` is a *list* of entries with a ``name``; remote entries keep
  their headers under ``requestOptions.headers``.
- OpenAI Codex ``.codex/config.toml``: ``[mcp_servers.<name>]`` tables with
  ``command``/``args``/``env``/``url``/``http_headers``.
- Gemini CLI ``.gemini/settings.json``: ``mcpServers`` with ``httpUrl`` for
  streamable HTTP and ``trust: true`` to skip every confirmation.
- Claude Code plugins: ``.mcp.json`` at the plugin root holds the server map
  at the top level (no ``mcpServers`` key).

:func:`other_client_config` returns None for the formats ``classify.client_kind``
already reads, so those keep their behaviour.
"""

from __future__ import annotations


from mcplint.discovery import effective_name
from mcplint.model.clients import ClientConfig, ClientServer
from mcplint.model.documents import Document
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

# Clients read by this module: their files are not validated against the `mcpServers` JSON schema (CFG030/031).
OTHER_FORMATS = frozenset({"continue", "codex", "gemini", "claude-code-plugin", "vscode-settings"})
# Keys that make a mapping a server entry (any client).
_ENTRY_KEYS = frozenset({"command", "args", "url", "serverUrl", "httpUrl", "type", "transport"})
# Files that hold nothing but MCP servers: one without servers is a mistake worth a note.
MCP_ONLY_FILES = frozenset({".mcp.json", "mcp.json", "mcp_config.json", "mcp_settings.json",
                            "cline_mcp_settings.json"})


def _entry(key: ScalarNode, entry: MappingNode, url_keys: tuple[str, ...] = ("url", "serverUrl", "httpUrl"),
           headers: MappingNode | None = None) -> ClientServer:
    command_node = entry.get("command")
    args_node: Node | None = entry.get("args")
    env = entry.get_map("env")
    command = command_node if isinstance(command_node, ScalarNode) else None
    if isinstance(command_node, SequenceNode):  # Codex also accepts command = ["npx", "-y", "pkg"]
        words = [n for n in command_node.items if isinstance(n, ScalarNode)]
        command = words[0] if words else None
        extra = args_node.items if isinstance(args_node, SequenceNode) else []
        args_items: list[Node] = [*words[1:], *extra]
    else:
        args_items = list(args_node.items) if isinstance(args_node, SequenceNode) else []
    url = next((n for n in (entry.get_scalar(k) for k in url_keys) if n is not None and not n.is_null), None)
    return ClientServer(
        name=key.text,
        key=key,
        node=entry,
        command=command,
        args=[a for a in args_items if isinstance(a, ScalarNode)],
        env=env,
        url=url,
        headers=headers if headers is not None else entry.get_map("headers"),
    )


def _map_servers(container: Node | None) -> list[ClientServer]:
    if not isinstance(container, MappingNode):
        return []
    return [_entry(k, v) for k, v in container.pairs if isinstance(k, ScalarNode) and isinstance(v, MappingNode)]


def looks_like_entry(node: Node | None) -> bool:
    return isinstance(node, MappingNode) and any(k in _ENTRY_KEYS for k in node.keys())


def _vscode_settings(document: Document, root: MappingNode) -> ClientConfig | None:
    mcp = root.get_map("mcp")
    for key in ("servers", "mcpServers"):
        if mcp is not None and key in mcp:
            config = ClientConfig(document, "vscode-settings", f"mcp.{key}", inputs=mcp.get_seq("inputs"))
            config.servers = _map_servers(mcp.get(key))
            return config
        if f"mcp.{key}" in root:
            config = ClientConfig(document, "vscode-settings", f"mcp.{key}", inputs=root.get_seq("mcp.inputs"))
            config.servers = _map_servers(root.get(f"mcp.{key}"))
            return config
    return None


def _continue(document: Document, root: MappingNode) -> ClientConfig | None:
    servers = root.get("mcpServers")
    if not isinstance(servers, SequenceNode):
        return None
    config = ClientConfig(document, "continue", "mcpServers")
    for item in servers.items:
        if not isinstance(item, MappingNode):
            continue
        name = item.get_scalar("name")
        key = name if name is not None else item.get_pair(next(iter(item.keys()), ""))
        if isinstance(key, tuple):
            key = key[0]
        if not isinstance(key, ScalarNode):
            continue
        options = item.get_map("requestOptions")
        headers = options.get_map("headers") if options is not None else None
        config.servers.append(_entry(key, item, headers=headers))
    return config


def _codex(document: Document, root: MappingNode) -> ClientConfig | None:
    servers = root.get("mcp_servers")
    if not isinstance(servers, MappingNode):
        return None
    config = ClientConfig(document, "codex", "mcp_servers")
    for key, entry in servers.pairs:
        if isinstance(key, ScalarNode) and isinstance(entry, MappingNode):
            config.servers.append(_entry(key, entry, headers=entry.get_map("http_headers")))
    return config


def other_client_config(document: Document) -> ClientConfig | None:
    """A client config in one of the formats above, else None (see the module docs)."""
    root = document.mapping
    if root is None:
        return None
    # Strings, not a PurePosixPath: every endpoint file is asked (pathlib interns each part it parses).
    parts = document.path.split("/")
    # An example copy is read as its original.
    name, parent = effective_name(parts[-1]).lower(), parts[-2] if len(parts) > 1 else ""
    if document.format == "toml":
        return _codex(document, root)
    if document.format == "yaml":
        if "mcpServers" in root and (parent in ("mcpServers", ".continue") or ".continue" in parts
                                     or isinstance(root.get("mcpServers"), SequenceNode)):
            return _continue(document, root)
        return None
    if document.format != "json":
        return None
    if name == "settings.json" and parent == ".gemini":
        config = ClientConfig(document, "gemini", "mcpServers")
        config.servers = _map_servers(root.get("mcpServers"))
        return config
    if name == "settings.json" or "mcp" in root or "mcp.servers" in root:
        found = _vscode_settings(document, root)
        if found is not None:
            return found
    if name == ".mcp.json" and "mcpServers" not in root and any(looks_like_entry(v) for _, v in root.pairs):
        config = ClientConfig(document, "claude-code-plugin", "")
        config.servers = [s for s in _map_servers(root) if looks_like_entry(s.node)]
        return config
    return None
