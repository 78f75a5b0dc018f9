"""TRANS016–TRANS018: what an MCP client config sends over the network, and where a local server listens.

Issue 21: peers report ``ws://`` remote servers, plain-HTTP URLs handed to a
stdio server (``API_URL=http://…`` in ``env``, ``--api-url http://…`` in
``args``), and servers told to listen on every interface (``--host 0.0.0.0``).
The unspecified addresses ``0.0.0.0`` and ``[::]`` are *not* local here: a
server bound to them is reachable from the whole network, and a URL naming
them is not a loopback URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.rules.supply_chain._clients import config_label, docker_run_options, effective_argv, program
from mcplint.rules.supply_chain.client_launch import server_level
from mcplint.rules.transport.client_transport import _BRIDGES, _private, is_local_host
from mcplint.tree import ScalarNode

_REFERENCE = lazy_compile(r"\$\{|\{\{|%[A-Za-z_]+%|<[^>]*>|\$[A-Za-z_]")
_URL = lazy_compile(r"(?i)\b(?P<scheme>https?|wss?)://(?P<authority>[^/\s\"'?#]+)[^\s\"']*")
_UNSPECIFIED = frozenset({"0.0.0.0", "::", "[::]", "0"})
_CREDENTIAL_KEYS = lazy_compile(r"(?i)(?:key|token|secret|passw|auth|bearer|cookie|credential)")


def _where(config: ClientConfig, server: ClientServer) -> str:
    return f"MCP server `{server.name}` in {config_label(config.client)}"


def remote_host(authority: str) -> str | None:
    """The host of a URL authority when it is another machine (the unspecified address counts); else None."""
    if _REFERENCE.search(authority):
        return None
    host_port = authority.rsplit("@", 1)[-1]
    if host_port.startswith("["):
        host = host_port[1:host_port.find("]")] if "]" in host_port else host_port
    else:
        host = host_port.split(":", 1)[0]
    if not host:
        return None
    if host.strip("[]") in _UNSPECIFIED:
        return host
    return None if is_local_host(host) else host


def _urls(text: str, schemes: tuple[str, ...]) -> Iterator[tuple[re.Match[str], str]]:
    for match in _URL.finditer(text):
        if match.group("scheme").lower() in schemes:
            host = remote_host(match.group("authority"))
            if host is not None:
                yield match, host


def _network(host: str) -> str:
    if host.strip("[]") in _UNSPECIFIED:
        return "the network (`0.0.0.0`/`::` is not a loopback address)"
    return "your local network" if _private(host) else "the network"


def _sends_credentials(server: ClientServer) -> bool:
    headers = server.headers
    return headers is not None and any(
        isinstance(k, ScalarNode) and _CREDENTIAL_KEYS.search(k.text) for k, _ in headers.pairs
    )


# ------------------------------------------------------------------ TRANS016


def _server_urls(server: ClientServer) -> Iterator[ScalarNode]:
    for key in ("url", "serverUrl", "httpUrl"):
        node = server.node.get_scalar(key)
        if node is not None and not node.is_null:
            yield node
    argv = effective_argv(server)
    for i, arg in enumerate(argv):
        if program(arg).split("@")[0] in _BRIDGES:
            yield from (a.node for a in argv[i + 1:])


def check_websocket(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for node in _server_urls(server):
            for match, host in _urls(node.text, ("ws",)):
                credentials = _sends_credentials(server) or bool(urlsplit(match.group(0)).password)
                yield Finding(
                    span=node.span,
                    message=(
                        f"{_where(config, server)} is reached over unencrypted WebSocket (`ws://`) at `{host}`: "
                        f"{'its credentials and ' if credentials else ''}every tool call and result cross "
                        f"{_network(host)} in clear text and can be read or changed on the way; use `wss://`"
                    ),
                    level=server_level(server, Level.ERROR if credentials else None),
                    logical_location=node.logical_path,
                    identity=f"{server.name}:{host}",
                )


WEBSOCKET_REMOTE = Rule(
    id="TRANS016",
    name="mcp-client-websocket-remote",
    category="transport",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(319,),
    short_description="An MCP client reaches a remote server over unencrypted WebSocket (`ws://`).",
    full_description=(
        "A server entry's `url` (`serverUrl`, `httpUrl`), or the URL given to a bridge such as `mcp-remote`, "
        "uses `ws://` to a host that is not this machine. `0.0.0.0` and `[::]` are not loopback addresses. "
        "An error when the entry also sends credentials in a header or the URL. `wss://` and local hosts are "
        "fine; hosts written as references (`${HOST}`) are not judged."
    ),
    why="A WebSocket without TLS carries prompts, results and tokens in clear text, like plain HTTP.",
    fix="Use `wss://` for every remote server.",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "live": {"url": "ws://mcp.example.com/socket"}\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "live": {"url": "wss://mcp.example.com/socket"},\n'
                               '    "dev": {"url": "ws://localhost:8765"}\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_websocket,
    references=("https://cwe.mitre.org/data/definitions/319.html",),
)


# ------------------------------------------------------------------ TRANS017


def check_plain_http_handed(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        if server.command is None:
            continue  # a remote entry: its own URL is TRANS010's
        bridged = {id(n) for n in _server_urls(server)}
        places: list[tuple[ScalarNode, str]] = []
        if server.env is not None:
            places += [(v, f"`env.{k.text}`") for k, v in server.env.pairs
                       if isinstance(k, ScalarNode) and isinstance(v, ScalarNode) and not v.is_null]
        places += [(a, "`args`") for a in server.args if id(a) not in bridged]
        for node, where in places:
            for _match, host in _urls(node.text, ("http",)):
                yield Finding(
                    span=node.span,
                    message=(
                        f"{_where(config, server)} is handed a plain-HTTP URL to `{host}` in {where}: the server "
                        f"talks to it unencrypted, so what it sends and receives (queries, results, API keys) "
                        f"crosses {_network(host)} readable and changeable; use `https://`"
                    ),
                    level=server_level(server),
                    logical_location=node.logical_path,
                    identity=f"{server.name}:{host}",
                )
                break


PLAIN_HTTP_HANDED = Rule(
    id="TRANS017",
    name="mcp-client-plain-http-in-server-settings",
    category="transport",
    level=Level.WARNING,
    security_severity=5.5,
    precision="high",
    cwe=(319,),
    short_description="A local MCP server is told to use a plain-HTTP URL to another machine.",
    full_description=(
        "A stdio server's `env` value (`API_URL=http://api.example.com`) or `args` item "
        "(`--endpoint http://…`) is an `http://` URL to a host that is not this machine (`0.0.0.0` and `[::]` "
        "count as remote). The server then calls that service without TLS. URLs given to a bridge such as "
        "`mcp-remote` are `TRANS010`'s; local hosts and references are fine."
    ),
    why="The server forwards queries, results and often its API key to that URL; without TLS they can be read "
        "or changed on the way.",
    fix="Use the service's `https://` URL.",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "crm": {\n      "command": "crm-mcp",\n      "env": '
                              '{"API_URL": "http://crm.example.com/api"}\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "crm": {\n      "command": "crm-mcp",\n      "env": '
                               '{"API_URL": "https://crm.example.com/api", "CACHE": "http://127.0.0.1:6379"}\n'
                               '    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_plain_http_handed,
    references=("https://cwe.mitre.org/data/definitions/319.html",),
)


# ------------------------------------------------------------------ TRANS018

_HOST_FLAGS = frozenset({"--host", "--bind", "--listen", "--address", "--addr", "--bind-address",
                         "--listen-address", "--http-host", "--server-host", "-h", "-H", "-b"})
_HOST_ENV = lazy_compile(r"(?i)^(?:[A-Z0-9]+_)*(?:HOST|BIND|BIND_ADDR(?:ESS)?|LISTEN(?:_ADDR(?:ESS)?)?|ADDR(?:ESS)?)$")
_ALL_INTERFACES = lazy_compile(r"^(?:https?://)?(?:0\.0\.0\.0|\[::\]|::)(?::\d+)?/?$")


def _binds_all(config: ClientConfig, server: ClientServer) -> Iterator[tuple[ScalarNode, str]]:
    argv = effective_argv(server)
    for i, arg in enumerate(argv):
        flag, eq, value = arg.text.partition("=")
        if eq and flag in _HOST_FLAGS and _ALL_INTERFACES.match(value.strip()):
            yield arg.node, f"`{arg.text}`"
        elif (not eq and arg.text in _HOST_FLAGS and i + 1 < len(argv)
              and _ALL_INTERFACES.match(argv[i + 1].text.strip())):
            yield argv[i + 1].node, f"`{arg.text} {argv[i + 1].text}`"
    if server.env is not None:
        for key, value in server.env.pairs:
            if (isinstance(key, ScalarNode) and isinstance(value, ScalarNode) and _HOST_ENV.match(key.text)
                    and _ALL_INTERFACES.match(value.text.strip())):
                yield value, f"`{key.text}={value.text}`"
    for option in docker_run_options(argv) or []:
        if option.name in ("-p", "--publish") and option.value is not None:
            parts = option.value_text.strip().split(":")
            if len(parts) == 2 or (len(parts) == 3 and parts[0] in ("0.0.0.0", "")):
                yield option.value.node, f"`{option.name} {option.value_text}` (no host address: every interface)"


def check_binds_all(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for node, what in _binds_all(config, server):
            yield Finding(
                span=node.span,
                message=(
                    f"{_where(config, server)} is told to listen on every network interface ({what}): the server, "
                    "started on your machine for your assistant, is reachable from the whole network, usually "
                    "without authentication; bind it to `127.0.0.1`"
                ),
                level=server_level(server),
                logical_location=node.logical_path,
                identity=f"{server.name}:{what}",
            )


BINDS_ALL_INTERFACES = Rule(
    id="TRANS018",
    name="mcp-client-server-listens-on-all-interfaces",
    category="transport",
    level=Level.WARNING,
    security_severity=6.0,
    precision="high",
    cwe=(1327, 668),
    short_description="A locally started MCP server listens on `0.0.0.0` / `[::]`.",
    full_description=(
        "The server's command line sets a listen address of `0.0.0.0` or `::` (`--host 0.0.0.0`, "
        "`--bind=[::]`), an environment variable named for one (`HOST`, `MCP_HOST`, `BIND_ADDRESS`) holds it, "
        "or `docker run -p 8080:8080` publishes a port without a host address (Docker then listens on every "
        "interface). The unspecified address is not local: it accepts connections from the network."
    ),
    why="Local MCP servers rarely authenticate callers: on every interface, anyone on the same network "
        "(a café Wi-Fi, a shared office) can call their tools.",
    fix="Bind to `127.0.0.1` (`--host 127.0.0.1`, `-p 127.0.0.1:8080:8080`).",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "db": {\n      "command": "db-mcp",\n      "args": '
                              '["--transport", "sse", "--host", "0.0.0.0"]\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "db": {\n      "command": "db-mcp",\n      "args": '
                               '["--transport", "sse", "--host", "127.0.0.1"]\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_binds_all,
    references=("https://cwe.mitre.org/data/definitions/1327.html",),
)

RULES = (WEBSOCKET_REMOTE, PLAIN_HTTP_HANDED, BINDS_ALL_INTERFACES)
