"""AUTHN005, AUTHN007: MCP calls that no authentication covers.

flapi-semantics.md §3–§4: ``mcp.auth.enabled`` defaults to false and is the
only authentication for MCP calls; endpoint ``auth`` never applies to them;
the MCP routes are served on the main port even with ``mcp.enabled: false``;
``mcp.auth.methods.<method>.required: false`` exempts a JSON-RPC method.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.model import Endpoint, FlapiProject, Target
from mcplint.model.values import as_bool, get_bool
from mcplint.rules.authentication._examples import MAIN, MCP_AUTH, project, tool
from mcplint.rules.config_error._flapi_facts import auth_enabled, is_write, mcp_auth_anchor
from mcplint.tree import MappingNode, ScalarNode

_KINDS = {"tool": "MCP tool", "resource": "MCP resource", "prompt": "MCP prompt"}
_DATA_METHODS = ("tools/call", "resources/read", "prompts/get")
# The handshake: exempting it lets a client open a session, not read anything.
_HANDSHAKE = ("initialize", "notifications/initialized", "ping")


def check_mcp_without_auth(endpoint: Endpoint) -> Iterator[Finding]:
    project_ = endpoint.project
    if project_ is None or auth_enabled(project_.mcp_auth):
        return
    mcp_off = project_.mcp is not None and get_bool(project_.mcp, "enabled") is False
    for entry in endpoint.mcp_entries:
        if entry.kind == "tool" and is_write(endpoint):
            continue  # AUTHN006 reports write tools as errors
        name = f" `{entry.name}`" if entry.name else ""
        parts = [
            f"flAPI serves {_KINDS[entry.kind]}{name} to every caller: `mcp.auth.enabled` is not true in "
            "the main config, and MCP calls are authenticated only when it is"
        ]
        if mcp_off:
            parts.append("(`mcp.enabled: false` does not stop flAPI from serving the MCP routes)")
        if endpoint.auth is not None:
            parts.append(
                "— this file's `auth` block protects only the REST route, never MCP calls"
                if endpoint.is_rest
                else "— this file's `auth` block never applies to MCP calls (and the file has no REST route)"
            )
        yield Finding(
            span=entry.key.span,
            message=" ".join(parts),
            level=Level.NOTE if entry.kind == "prompt" else None,
            logical_location=f"mcp-{entry.kind}",
            identity=entry.kind,
            related=(RelatedLocation(mcp_auth_anchor(project_).span, "the main config, where `mcp.auth` belongs"),),
        )


MCP_WITHOUT_AUTH = Rule(
    id="AUTHN005",
    name="flapi-mcp-without-auth",
    category="authentication",
    level=Level.WARNING,
    security_severity=7.5,
    precision="very-high",
    cwe=(306,),
    short_description="An MCP tool, resource or prompt is served while MCP authentication is off.",
    full_description=(
        "flAPI authenticates MCP calls only through `mcp.auth` with `enabled: true` in the main "
        "config; the default is off. An endpoint file's own `auth` block protects its REST route "
        "and never its tool, resource or prompt, and `mcp.enabled: false` does not stop flAPI from "
        "serving the MCP routes. Read tools and resources are warnings, prompts notes; write tools "
        "are AUTHN006."
    ),
    why=(
        "Any client that reaches the port can list and call the tools and read the data behind "
        "them, including an agent on another machine."
    ),
    fix=(
        "Set `mcp.auth: {enabled: true, type: bearer, jwt-secret: '{{env.FLAPI_JWT_SECRET}}'}` (or "
        "`basic`/`oidc`) in the main config and give each tool `allowed-roles`."
    ),
    bad=Example(
        project(tool() + "auth:\n  enabled: true\n  type: basic\n  users: []\n"),
        description="The `auth` block does not apply to the tool:",
    ),
    good=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH)),
    target=Target.ENDPOINT,
    check=check_mcp_without_auth,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_mcp_call_without_auth_succeeds, "
        "tests/conformance/test_endpoint_behaviour.py::test_endpoint_auth_does_not_protect_its_mcp_tool, "
        "tests/conformance/test_project_behaviour.py::test_mcp_auth_enabled_basic)"
    ),
)


def check_method_exempt(project_: FlapiProject) -> Iterator[Finding]:
    block = project_.mcp_auth
    if block is None or block.mapping is None or not auth_enabled(block):
        return
    methods = block.mapping.get_map("methods")
    if methods is None:
        return
    for key, value in methods.pairs:
        if not isinstance(key, ScalarNode) or not isinstance(value, MappingNode):
            continue
        pair = value.get_pair("required")
        if pair is None or as_bool(pair[1]) is not False:
            continue
        method = key.text
        if method in _HANDSHAKE:
            continue
        if method == "tools/call":
            # flAPI 26.10.2: the call passes authentication, but the tool's allowed-roles check still
            # refuses an anonymous caller (403; a tool without allowed-roles refuses everyone).
            message = (
                "`required: false` exempts `tools/call` from MCP authentication; flAPI 26.10.2 still refuses "
                "anonymous calls with 403 because every tool needs a caller role under `mcp.auth` (anonymous "
                "callers have none), so the exemption opens no tool today, but it says the opposite and "
                "leaves the role check as the only barrier"
            )
            level: Level | None = None
        else:
            data = method in _DATA_METHODS
            what = (
                "which reaches resources and prompts" if data else "which the client can then use without credentials"
            )
            message = (
                f"`required: false` exempts JSON-RPC method `{method}` from MCP authentication: flAPI answers "
                f"it for anyone although `mcp.auth.enabled` is true, {what}"
            )
            level = Level.ERROR if data else None
        yield Finding(
            span=pair[1].span,
            message=message,
            level=level,
            logical_location=f"mcp.auth.methods.{method}.required",
            identity=method,
        )


METHOD_EXEMPT = Rule(
    id="AUTHN007",
    name="flapi-mcp-method-auth-exempt",
    category="authentication",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(306,),
    short_description="An MCP JSON-RPC method is exempted from authentication with `required: false`.",
    full_description=(
        "`mcp.auth.methods.<method>.required` defaults to true; `false` lets unauthenticated "
        "clients call that method although `mcp.auth.enabled` is true. Exempting discovery methods "
        "such as `tools/list` leaks what the server offers: flAPI 26.10.2 lists every tool to an "
        "anonymous caller. Exempting `tools/call` is a warning, not an error: flAPI 26.10.2 lets the "
        "call past authentication but its role check still answers 403 (a tool's `allowed-roles` "
        "never match an anonymous caller, and a tool without `allowed-roles` refuses everyone under "
        "`mcp.auth`), so no tool runs; the setting still claims otherwise and leaves a single barrier. "
        "Exempting `resources/read` or `prompts/get` is an error: it opens the data itself (not "
        "checked on the binary). The handshake (`initialize`, `notifications/initialized`, `ping`) "
        "is not reported."
    ),
    why="One exempted method is enough to bypass the authentication the rest of the config sets up.",
    fix="Remove the `required: false` entry.",
    bad=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + MCP_AUTH + "    methods:\n      tools/call:\n        required: false\n",
        )
    ),
    good=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + MCP_AUTH + "    methods:\n      tools/call:\n        required: true\n",
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_method_exempt,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_mcp_auth_method_exemption_opens_list_but_not_call)"
    ),
)

RULES = (MCP_WITHOUT_AUTH, METHOD_EXEMPT)
