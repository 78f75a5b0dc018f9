"""AUTHN001–AUTHN004, AUTHN006: REST authentication that is not what the file suggests.

flapi-semantics.md §3–§4: endpoint ``auth`` defaults to ``enabled: false``;
``type: jwt`` parses but answers every request with 401; ``auth.required`` is
ignored; the global ``auth`` block is never enforced on endpoints; endpoint
``auth`` never protects MCP calls.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.model import DocumentUnit
from mcplint.model.values import get_bool
from mcplint.rules.authentication._examples import BASIC_AUTH, MAIN, WRITE_SQL, project
from mcplint.rules.config_error._flapi_facts import (
    auth_enabled,
    include_sites,
    mcp_auth_anchor,
    is_write,
    write_marker,
    write_reason,
)
from mcplint.rules.config_error._flapi_schema import schema_issues
from mcplint.tree import ScalarNode, format_path

_REST = "url-path: /orders/\ntemplate-source: orders.sql\n"


def _route(endpoint: Endpoint, node: ScalarNode) -> str:
    """``GET /orders/`` when ``node`` is in the endpoint's own file, else "the endpoint" (shared text)."""
    if node.span.path == endpoint.document.path and endpoint.url_path is not None:
        return f"`{endpoint.method} {endpoint.url_path.text}`"
    return "the endpoint"


# ------------------------------------------------------------------ AUTHN001


def check_not_enabled(endpoint: Endpoint) -> Iterator[Finding]:
    block = endpoint.auth
    if block is None or not endpoint.is_rest or block.mapping is None or "enabled" in block.mapping:
        return
    write = is_write(endpoint) and endpoint.method != "DELETE"
    route = _route(endpoint, block.key)
    consequence = f"{route} accepts every caller" + (", and it changes data" if write else "")
    yield Finding(
        span=block.key.span,
        message=(
            f"this `auth` block has no `enabled: true`: flAPI's endpoint authentication is off unless "
            f"`enabled` is true, so {consequence}"
        ),
        level=Level.ERROR if write else None,
        logical_location="auth",
        related=include_sites(endpoint.document, block.key.span),
    )


NOT_ENABLED = Rule(
    id="AUTHN001",
    name="flapi-auth-not-enabled",
    category="authentication",
    level=Level.WARNING,
    security_severity=7.5,
    precision="very-high",
    cwe=(306, 1188),
    short_description="A REST endpoint's `auth` block lacks `enabled: true`, so it protects nothing.",
    full_description=(
        "In flAPI, endpoint `auth` defaults to `enabled: false`: a block with users, a type and a "
        "secret but without `enabled: true` is parsed and then ignored. The finding is an error on "
        "write endpoints (POST, PUT, PATCH or `operation.type: write`). An explicit "
        "`enabled: false` is taken as a decision and not reported."
    ),
    why="The file reads like a protected endpoint; in fact anyone who can reach flAPI can call it.",
    fix="Add `enabled: true` to the block (or share one block through an `{{include:auth from …}}`).",
    bad=Example(
        project(_REST + "auth:\n  type: basic\n  users:\n    - username: analyst\n      password: '{{env.PW}}'\n"),
        description="Users are configured, but authentication is off:",
    ),
    good=Example(project(_REST + BASIC_AUTH)),
    target=Target.ENDPOINT,
    check=check_not_enabled,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_auth_block_without_enabled_does_nothing, "
        "tests/conformance/test_endpoint_behaviour.py::test_auth_enabled_basic_refuses_anonymous)"
    ),
)


# ------------------------------------------------------------------ AUTHN002


def check_jwt_type(endpoint: Endpoint) -> Iterator[Finding]:
    block = endpoint.auth
    if block is None or not endpoint.is_rest or block.mapping is None or not auth_enabled(block):
        return
    node = block.mapping.get_scalar("type")
    if node is None or node.text.strip() != "jwt":
        return
    yield Finding(
        span=node.span,
        message=(
            f"flAPI accepts `type: jwt` when it loads the file but then answers every request to "
            f"{_route(endpoint, node)} with 401: use `type: bearer` for JWTs signed with `jwt-secret` (flAPI "
            "then accepts a token only if it carries a `roles` array claim and the `iss` of `jwt-issuer`)"
        ),
        logical_location="auth.type",
        related=include_sites(endpoint.document, node.span),
    )


JWT_TYPE = Rule(
    id="AUTHN002",
    name="flapi-auth-type-jwt",
    category="authentication",
    level=Level.NOTE,
    security_severity=2.0,
    precision="very-high",
    cwe=(1286,),
    short_description="Endpoint `auth` uses `type: jwt`, which makes flAPI refuse every request.",
    full_description=(
        "flAPI's endpoint auth types are `basic`, `bearer` and `oidc`. `type: jwt` passes the "
        "parser, but the middleware knows no such type and answers every request with 401, with "
        "or without a valid token (flAPI's own startup audit says `[AUTH_UNKNOWN_TYPE]`). JWTs "
        "signed with `jwt-secret` (HS256) are `type: bearer`; flAPI 26.10.2 accepts such a token "
        "only if it carries a `roles` array claim and an `iss` claim equal to the endpoint's "
        "`jwt-issuer`, and answers 401 otherwise, so the tokens must be issued that way."
    ),
    why="Not a hole, but a broken endpoint, and a frequent reason people switch auth off to 'make it work'.",
    fix=(
        "Use `type: bearer` with `jwt-secret` and `jwt-issuer` (and issue tokens with that `iss` and a "
        "`roles` array claim), or `type: oidc` for an identity provider."
    ),
    bad=Example(
        project(_REST + "auth:\n  enabled: true\n  type: jwt\n  jwt-secret: '{{env.FLAPI_JWT_SECRET}}'\n"),
    ),
    good=Example(
        project(_REST + "auth:\n  enabled: true\n  type: bearer\n  jwt-secret: '{{env.FLAPI_JWT_SECRET}}'\n"),
    ),
    target=Target.ENDPOINT,
    check=check_jwt_type,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_auth_type_jwt_refuses_every_request, "
        "tests/conformance/test_endpoint_behaviour.py::test_auth_type_bearer_accepts_the_same_token)"
    ),
)


# ------------------------------------------------------------------ AUTHN003


def check_required_key(unit: DocumentUnit) -> Iterator[Finding]:
    document = unit.document
    root = document.mapping
    for issue in schema_issues(document):
        if issue.own_rule != "AUTHN003" or root is None:
            continue
        owner = root.get_map("mcp") if issue.path[0] == "mcp" else root
        block = owner.get_map("auth") if owner is not None else None
        enabled = get_bool(block, "enabled") is True
        where = "mcp.auth" if issue.path[0] == "mcp" else "auth"
        tail = "" if enabled else ", and this block has no `enabled: true`, so it does nothing"
        yield Finding(
            span=issue.node.span,
            message=(
                f"flAPI ignores `{where}.required`: only `enabled: true` switches authentication on{tail}"
            ),
            logical_location=format_path(issue.path),
            related=include_sites(document, issue.node.span),
        )


REQUIRED_IGNORED = Rule(
    id="AUTHN003",
    name="flapi-auth-required-ignored",
    category="authentication",
    level=Level.WARNING,
    security_severity=6.0,
    precision="very-high",
    cwe=(1286, 306),
    short_description="An `auth` block uses `required:`, which flAPI ignores.",
    full_description=(
        "`auth.required: true` (in an endpoint, `mcp.auth` or the global `auth`) looks like it "
        "makes authentication mandatory. flAPI does not read it: authentication is on only with "
        "`enabled: true`. (For MCP, `mcp.auth.methods.<method>.required` is a real key; "
        "`mcp.auth.required` is not.)"
    ),
    why="Combined with a missing `enabled: true`, the block protects nothing while looking strict.",
    fix="Replace `required: true` with `enabled: true`.",
    bad=Example(project(_REST + "auth:\n  required: true\n  type: basic\n  users: []\n")),
    good=Example(project(_REST + BASIC_AUTH)),
    target=Target.DOCUMENT,
    check=check_required_key,
)


# ------------------------------------------------------------------ AUTHN004


def _global_auth_claims(endpoint: Endpoint) -> RelatedLocation | None:
    """The global ``auth`` block when it suggests protection (present and not switched off)."""
    project_ = endpoint.project
    if project_ is None or project_.global_auth is None:
        return None
    block = project_.global_auth
    if block.enabled is False:
        return None
    return RelatedLocation(block.key.span, "the global `auth` block flAPI never enforces on endpoints")


def check_global_auth(endpoint: Endpoint) -> Iterator[Finding]:
    related = _global_auth_claims(endpoint)
    if related is None or not endpoint.is_rest or endpoint.auth is not None or endpoint.url_path is None:
        return
    if is_write(endpoint) and endpoint.method != "DELETE":
        return  # AUTHN006 reports it as an error
    yield Finding(
        span=endpoint.url_path.span,
        message=(
            "flAPI never enforces the main config's global `auth` block on endpoints, and this endpoint "
            f"has no `auth` of its own: `{endpoint.method} {endpoint.url_path.text}` accepts every caller"
        ),
        logical_location="url-path",
        related=(related,),
    )


GLOBAL_AUTH = Rule(
    id="AUTHN004",
    name="flapi-global-auth-not-enforced",
    category="authentication",
    level=Level.WARNING,
    security_severity=7.0,
    precision="high",
    cwe=(306,),
    short_description="A REST endpoint relies on the global `auth` block, which flAPI never enforces.",
    full_description=(
        "flAPI parses a top-level `auth` block in the main config but does not apply it to "
        "endpoints (only its `oidc` settings are copied into endpoints that declare "
        "`type: oidc`). Each endpoint is protected only by its own `auth` block with "
        "`enabled: true`. The rule reports read endpoints without `auth` while a global block "
        "suggests protection; unauthenticated writes are AUTHN006."
    ),
    why="Everyone reading the main config believes the API is protected; every endpoint without its own block is open.",
    fix=(
        "Give every endpoint its own `auth` block with `enabled: true`, e.g. shared through "
        "`{{include:auth from common/auth.yaml}}`."
    ),
    bad=Example(project(_REST, MAIN + BASIC_AUTH), description="The global block protects nothing:"),
    good=Example(project(_REST + BASIC_AUTH, MAIN + BASIC_AUTH)),
    target=Target.ENDPOINT,
    check=check_global_auth,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py::test_global_auth_block_not_enforced)"
    ),
)


# ------------------------------------------------------------------ AUTHN006


def check_unauthenticated_write(endpoint: Endpoint) -> Iterator[Finding]:
    if not is_write(endpoint):
        return
    reason = write_reason(endpoint)
    if endpoint.is_rest and endpoint.auth is None and endpoint.method != "DELETE" and endpoint.url_path is not None:
        related = _global_auth_claims(endpoint)
        tail = " (the global `auth` block is never enforced on endpoints)" if related else ""
        yield Finding(
            span=write_marker(endpoint).span,
            message=(
                f"`{endpoint.method} {endpoint.url_path.text}` writes data ({reason}) and has no `auth` block: "
                f"flAPI lets every caller run it{tail}"
            ),
            logical_location="auth",
            identity="rest",
            related=(related,) if related else (),
        )
    project_ = endpoint.project
    if endpoint.mcp_tool is None or project_ is None or auth_enabled(project_.mcp_auth):
        return
    name = f"`{endpoint.mcp_tool.name}`" if endpoint.mcp_tool.name else "of this file"
    tail = ""
    if endpoint.auth is not None:
        tail = " (this file's `auth` block never applies to MCP calls)"
    yield Finding(
        span=endpoint.mcp_tool.key.span,
        message=(
            f"MCP tool {name} writes data ({reason}) and `mcp.auth.enabled` is not true in the main "
            f"config: flAPI lets every MCP caller run it{tail}"
        ),
        logical_location="mcp-tool",
        identity="mcp",
        related=(RelatedLocation(mcp_auth_anchor(project_).span, "the main config, where `mcp.auth` belongs"),),
    )


UNAUTHENTICATED_WRITE = Rule(
    id="AUTHN006",
    name="flapi-unauthenticated-write",
    category="authentication",
    level=Level.ERROR,
    security_severity=9.0,
    precision="high",
    cwe=(306, 862),
    short_description="An endpoint or MCP tool that changes data can be called without authentication.",
    full_description=(
        "flAPI treats POST, PUT and PATCH endpoints, and any endpoint with "
        "`operation.type: write`, as writes (a REST DELETE never runs its SQL). A REST write "
        "without an `auth` block, or a write MCP tool while `mcp.auth.enabled` is not true in the "
        "main config, can be run by anyone who reaches the server. Endpoint `auth` never protects "
        "MCP calls, so a write tool needs MCP authentication even when its file has `auth`. (A "
        "REST write whose `auth` block lacks `enabled: true` is AUTHN001, as an error.)"
    ),
    why="Unauthenticated writes let any caller, or any agent connected to the MCP server, change or destroy data.",
    fix=(
        "Add an `auth` block with `enabled: true` to REST writes, and set `mcp.auth.enabled: true` "
        "(with `allowed-roles` on each tool) for write tools."
    ),
    bad=Example(
        project("url-path: /orders/\nmethod: POST\ntemplate-source: orders.sql\n", sql=WRITE_SQL),
        description="A POST endpoint anyone can call:",
    ),
    good=Example(
        project("url-path: /orders/\nmethod: POST\ntemplate-source: orders.sql\n" + BASIC_AUTH, sql=WRITE_SQL)
    ),
    target=Target.ENDPOINT,
    check=check_unauthenticated_write,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_rest_writes_and_undeclared_params, "
        "tests/conformance/test_endpoint_behaviour.py::test_mcp_call_without_auth_succeeds, "
        "tests/conformance/test_endpoint_behaviour.py::test_endpoint_auth_does_not_protect_its_mcp_tool)"
    ),
)

RULES = (NOT_ENABLED, JWT_TYPE, REQUIRED_IGNORED, GLOBAL_AUTH, UNAUTHENTICATED_WRITE)
