"""CFG036: a file that is an MCP client config by its name or its keys, but defines no server.

Issue 21: silence on such a file hides a mistake (the servers under a key the
client does not read, `mcpServers` in a VS Code file that wants `servers`, an
empty map left from a template) and tells the reader nothing was checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import ClientConfig, Target
from mcplint.model.client_formats import MCP_ONLY_FILES
from mcplint.rules.supply_chain._clients import config_label

# Other keys some client reads servers from: named in the message when the file uses one of them.
_SERVER_KEYS = ("mcpServers", "servers", "context_servers", "mcp_servers", "mcp")


def check(config: ClientConfig) -> Iterator[Finding]:
    if config.servers:
        return
    root = config.document.mapping
    if root is None:
        return
    name = PurePosixPath(config.document.path).name.lower()
    key = config.servers_key.split(".")[0] if config.servers_key else ""
    present = root.get_pair(key) if key else None
    if present is None and name not in MCP_ONLY_FILES:
        return  # a general settings file (Zed, Gemini, Codex) without MCP servers is normal
    others = [k for k in _SERVER_KEYS if k != key and k in root]
    hint = (f"; the file has `{others[0]}`, which this client does not read for servers (it reads "
            f"`{config.servers_key}`)") if others else ""
    anchor = present[0] if present is not None else None
    yield Finding(
        span=anchor.span if anchor is not None else root.span,
        message=(
            f"{config_label(config.client)} `{config.document.path}` defines no MCP server"
            f"{' under `' + config.servers_key + '`' if config.servers_key else ''}{hint}: the client starts "
            "nothing from it and mcplint had nothing to check; remove the file or add the servers"
        ),
        logical_location=config.servers_key,
    )


RULE = Rule(
    id="CFG036",
    name="mcp-client-config-without-servers",
    category="config-error",
    level=Level.NOTE,
    security_severity=1.0,
    precision="high",
    cwe=(1286,),
    short_description="An MCP client config defines no server.",
    full_description=(
        "A file that is an MCP client config by its name (`.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, "
        "`mcp_config.json`, `cline_mcp_settings.json`) or by its servers key (`mcpServers`, `mcp.servers`, "
        "`context_servers`, `mcp_servers`) has no server entry: the key is missing, empty or not a map of "
        "entries. General settings files (`settings.json`, `config.toml`) without any servers key stay quiet."
    ),
    why="Usually the servers are under a key this client does not read, so the config the author tested is "
        "not the one that runs; at least the reader should know nothing was checked.",
    fix="Put the servers under the key the client reads (the message names it), or delete the file.",
    bad=Example({".cursor/mcp.json": '{\n  "servers": {\n    "docs": {"url": "https://docs.example.com/mcp"}\n'
                                     '  }\n}\n'}),
    good=Example({".cursor/mcp.json": '{\n  "mcpServers": {\n    "docs": {"url": "https://docs.example.com/mcp"}\n'
                                      '  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check,
)

RULES = (RULE,)
