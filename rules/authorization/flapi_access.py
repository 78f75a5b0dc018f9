"""AUTHZ001–AUTHZ002: who may call a tool, and connection settings that restrict nothing.

flapi-semantics.md §3–§4: with ``mcp.auth.enabled: true`` a tool without
``allowed-roles`` (or with ``[]``) refuses every call; ``connections.*.allow``
is ignored, and every connection's ``init`` runs on one shared DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.model import Endpoint, FlapiProject, Target
from mcplint.rules.authentication._examples import MAIN, MCP_AUTH, project, tool
from mcplint.rules.config_error._flapi_facts import include_sites, mcp_auth_anchor, mcp_auth_enabled
from mcplint.tree import ScalarNode, SequenceNode


def check_allowed_roles(endpoint: Endpoint) -> Iterator[Finding]:
    project_ = endpoint.project
    entry = endpoint.mcp_tool
    if project_ is None or entry is None or not mcp_auth_enabled(project_):
        return
    pair = entry.node.get_pair("allowed-roles") if entry.node is not None else None
    if pair is not None:
        value = pair[1]
        empty = (isinstance(value, SequenceNode) and not value.items) or (
            isinstance(value, ScalarNode) and value.is_null
        )
        if not empty:
            return
        anchor = value if isinstance(value, SequenceNode) else pair[0]
        what = "an empty `allowed-roles`"
    else:
        anchor = entry.key
        what = "no `allowed-roles`"
    name = f"`{entry.name}`" if entry.name else "in this file"
    yield Finding(
        span=anchor.span,
        message=(
            f"MCP tool {name} has {what}: with `mcp.auth.enabled: true` flAPI refuses every call to such a "
            "tool, so nobody can use it; list the roles that may call it"
        ),
        logical_location="mcp-tool.allowed-roles",
        related=(RelatedLocation(mcp_auth_anchor(project_).span, "MCP authentication is switched on here"),)
        + include_sites(endpoint.document, anchor.span),
    )


TOOL_WITHOUT_ROLES = Rule(
    id="AUTHZ001",
    name="flapi-tool-without-allowed-roles",
    category="authorization",
    level=Level.NOTE,
    security_severity=1.0,
    precision="very-high",
    cwe=(1286,),
    short_description="Under MCP authentication, a tool without `allowed-roles` refuses every call.",
    full_description=(
        "When `mcp.auth.enabled` is true, flAPI authorizes each `tools/call` against the tool's "
        "`mcp-tool.allowed-roles`; a tool without the key, or with an empty list, is denied to "
        "everyone. This is safe, but the tool is dead, and the usual 'fix' under time pressure is "
        "to switch MCP authentication off."
    ),
    why="A deny-all tool is a configuration mistake that invites weakening the whole server's authentication.",
    fix="Add `allowed-roles: [role, …]` with the roles (from basic users, JWT or OIDC claims) that may call the tool.",
    bad=Example(project(tool(), MAIN + MCP_AUTH)),
    good=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH)),
    target=Target.ENDPOINT,
    check=check_allowed_roles,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py::test_mcp_auth_enabled_basic)"
    ),
)


def check_connection_allow(project_: FlapiProject) -> Iterator[Finding]:
    for connection in project_.connections:
        if connection.node is None:
            continue
        pair = connection.node.get_pair("allow")
        if pair is None:
            continue
        key, value = pair
        wildcard = isinstance(value, ScalarNode) and value.text.strip() == "*"
        yield Finding(
            span=key.span,
            message=(
                f"flAPI ignores `allow` on connection `{connection.name}`: it is no access control — any "
                "endpoint may name this connection, and every connection's `init` runs on the one DuckDB all "
                "endpoints share"
            ),
            level=Level.NOTE if wildcard else None,
            logical_location=f"connections.{connection.name}.allow",
            identity=connection.name,
            related=include_sites(project_.document, key.span),
        )


CONNECTION_ALLOW = Rule(
    id="AUTHZ002",
    name="flapi-connection-allow-ignored",
    category="authorization",
    level=Level.WARNING,
    security_severity=4.0,
    precision="very-high",
    cwe=(1286, 284),
    short_description="A connection has an `allow` setting, which flAPI ignores.",
    full_description=(
        "flAPI reads `init`, `properties`, `log-queries`, `log-parameters` and `serialize-access` "
        "of a connection; `allow` is not among them and restricts nothing. Which endpoints use a "
        "connection is decided only by their `connection` lists, and since all `init` SQL runs on "
        "a single shared DuckDB, any template can reach what any connection attached. `allow: '*'` "
        "is reported as a note (it restricts nothing by intent)."
    ),
    why="An access rule that flAPI never applies gives a false sense of separation between data sources.",
    fix=(
        "Remove `allow`. Separate data by running separate flAPI instances, and restrict who calls "
        "what with endpoint `auth` and `mcp-tool.allowed-roles`."
    ),
    bad=Example(
        project(
            "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [orders]\n",
            MAIN + "connections:\n  orders:\n    properties:\n      path: ./orders.parquet\n    allow: [reporting]\n",
        )
    ),
    good=Example(
        project(
            "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [orders]\n",
            MAIN + "connections:\n  orders:\n    properties:\n      path: ./orders.parquet\n",
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_connection_allow,
)

RULES = (TOOL_WITHOUT_ROLES, CONNECTION_ALLOW)
