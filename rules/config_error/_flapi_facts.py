"""flAPI behaviour shared by the posture rules (flapi-semantics.md §3–§4).

Small questions several rules ask of the model: is this endpoint a write, is
MCP authentication on, where did included text come from. Each answer follows
flapi-semantics.md, not flAPI's documentation.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from mcplint.engine.rule import RelatedLocation
from mcplint.model.endpoint_facts import include_site_spans
from mcplint.model.values import as_bool, get_bool, get_text
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode

if TYPE_CHECKING:
    from mcplint.model import AuthBlock, Document, Endpoint, FlapiProject

WRITE_METHODS = ("POST", "PUT", "PATCH")
INCLUDE_SITE = "the include that brings this text in"


def include_sites(document: Document, span: Span) -> tuple[RelatedLocation, ...]:
    """The include directive that brought ``span`` into ``document``, if it came from one."""
    return tuple(RelatedLocation(site, INCLUDE_SITE) for site in include_site_spans(document, span))


def operation_type(endpoint: Endpoint) -> str | None:
    """``read``/``write`` when ``operation.type`` says so (any case), else None."""
    operation = endpoint.mapping.get_map("operation")
    text = get_text(operation, "type")
    if text is not None and text.strip().lower() in ("read", "write"):
        return text.strip().lower()
    return None


def is_write(endpoint: Endpoint) -> bool:
    """flAPI's write detection: POST/PUT/PATCH on a REST endpoint, unless ``operation.type`` overrides.

    The detection applies to the whole file, so an MCP tool in a POST file runs as a write too.
    """
    explicit = operation_type(endpoint)
    if explicit is not None:
        return explicit == "write"
    return endpoint.is_rest and endpoint.method in WRITE_METHODS


def write_marker(endpoint: Endpoint) -> Node:
    """The token that makes the endpoint a write: ``method`` for POST/PUT/PATCH, else ``operation.type``."""
    operation = endpoint.mapping.get_map("operation")
    by_method = endpoint.is_rest and endpoint.method in WRITE_METHODS
    if operation is not None and operation_type(endpoint) == "write" and not by_method:
        node = operation.get_scalar("type")
        if node is not None:
            return node
    method = endpoint.mapping.get_scalar("method")
    if method is not None:
        return method
    return endpoint.url_path if endpoint.url_path is not None else endpoint.mapping.pairs[0][0]


def write_reason(endpoint: Endpoint) -> str:
    if endpoint.is_rest and endpoint.method in WRITE_METHODS:
        return f"`method: {endpoint.method}`"
    return "`operation.type: write`"


def auth_enabled(block: AuthBlock | None) -> bool:
    """``enabled`` defaults to false for endpoint ``auth`` and ``mcp.auth``."""
    return block is not None and block.enabled is True


def mcp_auth_enabled(project: FlapiProject) -> bool:
    return auth_enabled(project.mcp_auth)


def mcp_auth_anchor(project: FlapiProject) -> ScalarNode:
    """Where to point when MCP auth is off: ``mcp.auth.enabled``, ``mcp.auth``, ``mcp`` or the first key."""
    block = project.mcp_auth
    if block is not None and block.mapping is not None:
        pair = block.mapping.get_pair("enabled")
        if pair is not None:
            return pair[0]
        return block.key
    mcp_pair = project.mapping.get_pair("mcp")
    if mcp_pair is not None:
        return mcp_pair[0]
    return project.mapping.pairs[0][0]  # type: ignore[return-value]


def enabled_value(mapping: MappingNode | None) -> bool | None:
    return get_bool(mapping, "enabled")


def is_loopback_host(text: str) -> bool:
    """Whether a listen address accepts only local connections."""
    host = text.strip().strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bool_of(node: Node | None) -> bool | None:
    return as_bool(node)
