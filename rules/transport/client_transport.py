"""TRANS010: an MCP client talks to a remote server over plain ``http://``.

other-configs.md: remote servers are reached through ``url`` (Windsurf:
``serverUrl``; Gemini CLI: ``httpUrl``), with ``headers`` that often carry a
bearer token; stdio bridges such as ``mcp-remote`` take the URL as an argument.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.rules.config_error._flapi_facts import is_loopback_host
from mcplint.rules.supply_chain._clients import Arg, config_label, effective_argv, program
from mcplint.rules.supply_chain.client_launch import disabled
from mcplint.tree import ScalarNode

_REFERENCE = lazy_compile(r"\$\{|\{\{|%[A-Za-z_]+%|<[^>]*>")
_BRIDGES = ("mcp-remote",)
_AUTH_HEADERS = lazy_compile(r"^(?:authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|cookie)$",
                           re.IGNORECASE)


def is_local_host(host: str) -> bool:
    """Loopback, ``localhost`` names, the unspecified address and Docker's name for the host machine."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if not host or host.endswith(".localhost") or host in ("host.docker.internal", "gateway.docker.internal"):
        return True
    if is_loopback_host(host):
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _private(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_private
    except ValueError:
        return host.endswith((".local", ".lan", ".internal", ".home.arpa"))


@dataclass(frozen=True)
class _PlainUrl:
    node: ScalarNode
    arg: Arg | None  # the bridge argument, when the URL is one
    host: str
    key: str  # what names it: `url`, `serverUrl`, an `mcp-remote` argument


def plain_http_host(text: str) -> str | None:
    """The host of an ``http://`` URL to a non-local host; None for anything else (or a host not written out)."""
    value = text.strip()
    if not value.lower().startswith("http://"):
        return None
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return None
    authority = value.split("/", 3)[2] if value.count("/") >= 2 else value
    if not host or _REFERENCE.search(authority):
        return None
    if is_local_host(host) and host.strip("[]") not in ("0.0.0.0", "::"):  # the unspecified address is not local
        return None
    written = authority.rsplit("@", 1)[-1]  # the host as written (urlsplit lower-cases it)
    return written[: written.rfind(":")] if written.count(":") == 1 else written


def _plain_urls(server: ClientServer) -> list[_PlainUrl]:
    out: list[_PlainUrl] = []
    for key in ("url", "serverUrl", "httpUrl"):
        node = server.node.get_scalar(key)
        if node is not None and not node.is_null:
            host = plain_http_host(node.text)
            if host is not None:
                out.append(_PlainUrl(node, None, host, f"`{key}`"))
    argv = effective_argv(server)
    for i, arg in enumerate(argv):
        name = program(arg).split("@")[0]
        if name not in _BRIDGES:
            continue
        for candidate in argv[i + 1:]:
            host = plain_http_host(candidate.text)
            if host is not None:
                out.append(_PlainUrl(candidate.node, candidate, host, f"the `{name}` URL"))
                break
    return out


def _sends_credentials(server: ClientServer, url: str) -> bool:
    headers = server.headers
    if headers is not None and any(
        isinstance(k, ScalarNode) and _AUTH_HEADERS.match(k.text) for k, _ in headers.pairs
    ):
        return True
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return bool(parts.password or re.search(r"(?i)(?:key|token|secret|auth)[^=&]*=", parts.query))


def check_plain_http(config: ClientConfig) -> Iterator[Finding]:
    source = config.document.source
    for server in config.servers:
        for found in _plain_urls(server):
            credentials = _sends_credentials(server, found.node.text)
            network = "your local network" if _private(found.host) else "the network"
            what = "credentials and " if credentials else ""
            level = Level.NOTE if disabled(server) else (Level.ERROR if credentials else None)
            span = found.arg.span(source) if found.arg is not None else found.node.span
            yield Finding(
                span=span,
                message=(
                    f"MCP server `{server.name}` in {config_label(config.client)} is reached over plain "
                    f"HTTP at `{found.host}` ({found.key}): {what}every tool call and result cross {network} "
                    "unencrypted and can be read or changed on the way; use `https://`"
                ),
                level=level,
                logical_location=found.node.logical_path,
                identity=server.name,
            )


PLAIN_HTTP_REMOTE = Rule(
    id="TRANS010",
    name="mcp-client-plain-http-remote",
    category="transport",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(319,),
    short_description="An MCP client reaches a remote server over plain `http://`.",
    full_description=(
        "A server entry's `url` (Windsurf: `serverUrl`, Gemini CLI: `httpUrl`), or the URL given to a stdio "
        "bridge such as `mcp-remote`, uses `http://` to a host that is not this machine (`localhost`, "
        "loopback addresses and `host.docker.internal` are fine; `0.0.0.0` and `[::]` are not local). It is "
        "an error when the entry also sends "
        "credentials (an `Authorization` or API-key header, a password or key in the URL). URLs whose host "
        "is a reference (`${input:host}`) are not judged."
    ),
    why=(
        "Tool calls carry prompts, file contents and query results, and headers carry bearer tokens: anyone on "
        "the network path can read them, and can change tool descriptions and results to steer the model."
    ),
    fix="Use `https://` for every remote server; keep plain HTTP for servers on this machine only.",
    bad=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "crm": {\n      "type": "http",\n      "url": '
                      '"http://mcp.example.com/mcp",\n      "headers": {"Authorization": "Bearer ${CRM_TOKEN}"}'
                      "\n    }\n  }\n}\n"}
    ),
    good=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "crm": {\n      "type": "http",\n      "url": '
                      '"https://mcp.example.com/mcp",\n      "headers": {"Authorization": "Bearer ${CRM_TOKEN}"}'
                      '\n    },\n    "dev": {"type": "http", "url": "http://localhost:3000/mcp"}\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_plain_http,
    references=("https://cwe.mitre.org/data/definitions/319.html",),
)

RULES = (PLAIN_HTTP_REMOTE,)
