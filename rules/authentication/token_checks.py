"""AUTHN008–AUTHN010: token validation weaker than it looks.

flapi-semantics.md §6: OIDC ``allowed-audiences`` empty means no audience
check; ``verify-expiration`` defaults to true; ``jwt-secret`` is an HS256 key.
The global block's ``oidc`` settings are copied into endpoints with
``type: oidc``, so they are checked where they are written.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.model.secrets import SecretValue
from mcplint.model.values import as_bool
from mcplint.rules.authentication._examples import MAIN, MCP_AUTH, project, tool
from mcplint.rules.config_error._flapi_facts import auth_enabled, include_sites
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_MIN_SECRET_BYTES = 32
_OIDC = (
    "    type: oidc\n    oidc:\n      issuer-url: https://login.example.com/realms/data\n"
    "      client-id: flapi\n"
)


def _active_type(block: AuthBlock) -> str | None:
    """The auth type flAPI uses for this block, or None when the block is not in use."""
    if block.scope == "global":
        return "global"
    if not auth_enabled(block):
        return None
    default = "bearer" if block.scope == "mcp" else ""
    return (block.type or default).strip()


def _oidc(block: AuthBlock) -> tuple[ScalarNode, MappingNode] | None:
    kind = _active_type(block)
    mapping = block.mapping
    if kind not in ("global", "oidc") or mapping is None:
        return None
    pair = mapping.get_pair("oidc")
    if pair is None or not isinstance(pair[1], MappingNode):
        return None
    return pair[0], pair[1]


def _where(block: AuthBlock) -> str:
    if block.scope == "global":
        return "the global `auth.oidc` (copied into every endpoint with `type: oidc`)"
    return f"`{block.location_name}.oidc`"


def check_audience(block: AuthBlock) -> Iterator[Finding]:
    found = _oidc(block)
    if found is None:
        return
    key, oidc = found
    pair = oidc.get_pair("allowed-audiences")
    value = pair[1] if pair is not None else None
    empty = value is None or (isinstance(value, SequenceNode) and not value.items) or (
        isinstance(value, ScalarNode) and value.is_null
    )
    if not empty:
        return
    anchor = pair[1] if pair is not None and isinstance(pair[1], SequenceNode) else (pair[0] if pair else key)
    yield Finding(
        span=anchor.span,
        message=(
            f"{_where(block)} has no `allowed-audiences`: flAPI then checks no audience, so a token the "
            "issuer signed for any other client is accepted here"
        ),
        logical_location=f"{block.location_name}.oidc.allowed-audiences",
        related=include_sites(block.document, anchor.span),
    )


OIDC_AUDIENCE = Rule(
    id="AUTHN008",
    name="flapi-oidc-audience-unchecked",
    category="authentication",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(287, 345),
    short_description="OIDC authentication accepts tokens for any audience.",
    full_description=(
        "With `allowed-audiences` missing or empty, flAPI does not check a token's `aud` claim. "
        "Any token issued by the same identity provider, for any application, is then accepted by "
        "this endpoint or by MCP. Checked in endpoint `auth.oidc` and `mcp.auth.oidc` (when the "
        "block is enabled with `type: oidc`) and in the global `auth.oidc`, which flAPI copies into "
        "endpoints with `type: oidc`."
    ),
    why="Tokens for a low-value app in the same tenant become keys to your data.",
    fix="List this API's client id(s) in `allowed-audiences`.",
    bad=Example(
        project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + "mcp:\n  auth:\n    enabled: true\n" + _OIDC)
    ),
    good=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + "mcp:\n  auth:\n    enabled: true\n" + _OIDC + "      allowed-audiences: [flapi]\n",
        )
    ),
    target=Target.AUTH_BLOCK,
    check=check_audience,
)


def check_expiration(block: AuthBlock) -> Iterator[Finding]:
    found = _oidc(block)
    if found is None:
        return
    node = found[1].get_scalar("verify-expiration")
    if node is None or as_bool(node) is not False:
        return
    yield Finding(
        span=node.span,
        message=(
            f"`verify-expiration: false` in {_where(block)}: flAPI then accepts expired tokens, so a token "
            "that leaked once works forever"
        ),
        logical_location=f"{block.location_name}.oidc.verify-expiration",
        related=include_sites(block.document, node.span),
    )


OIDC_EXPIRATION = Rule(
    id="AUTHN009",
    name="flapi-oidc-expiration-unchecked",
    category="authentication",
    level=Level.ERROR,
    security_severity=7.5,
    precision="very-high",
    cwe=(613, 287),
    short_description="OIDC authentication accepts expired tokens (`verify-expiration: false`).",
    full_description=(
        "`verify-expiration` defaults to true. Set to false, flAPI accepts tokens whose `exp` "
        "claim has passed: revoking a user or rotating sessions no longer ends their access, and "
        "any token found in a log or a browser history keeps working."
    ),
    why="Token lifetime is the main limit on the damage of a stolen token.",
    fix="Remove `verify-expiration: false`; fix clock problems with `clock-skew-seconds` instead.",
    bad=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + "mcp:\n  auth:\n    enabled: true\n" + _OIDC
            + "      allowed-audiences: [flapi]\n      verify-expiration: false\n",
        )
    ),
    good=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + "mcp:\n  auth:\n    enabled: true\n" + _OIDC
            + "      allowed-audiences: [flapi]\n      clock-skew-seconds: 60\n",
        )
    ),
    target=Target.AUTH_BLOCK,
    check=check_expiration,
)


def check_jwt_secret(block: AuthBlock) -> Iterator[Finding]:
    if _active_type(block) != "bearer" or block.mapping is None:
        return
    node = block.mapping.get_scalar("jwt-secret")
    if node is None or node.env_refs:
        return
    secret = SecretValue.from_node(node)
    size = len(secret.reveal().encode("utf-8"))
    if size >= _MIN_SECRET_BYTES:
        return
    yield Finding(
        span=node.span,
        message=(
            f"`{block.location_name}.jwt-secret` is {size} bytes long: flAPI signs and checks HS256 tokens "
            f"with it, and a key under {_MIN_SECRET_BYTES} bytes can be brute-forced offline from a single "
            "token, which then lets anyone mint their own"
        ),
        logical_location=f"{block.location_name}.jwt-secret",
        identity=secret.identity(),
        secret=True,
        related=include_sites(block.document, node.span),
    )


WEAK_JWT_SECRET = Rule(
    id="AUTHN010",
    name="flapi-weak-jwt-secret",
    category="authentication",
    level=Level.WARNING,
    security_severity=7.0,
    precision="high",
    cwe=(326, 521),
    short_description="An HS256 `jwt-secret` is shorter than 32 bytes.",
    full_description=(
        "flAPI's bearer authentication (`mcp.auth`, whose type defaults to `bearer`, and endpoint "
        "`auth` with `type: bearer`) verifies HS256 tokens with `jwt-secret` (and accepts them only "
        "with an `iss` equal to `jwt-issuer` and a `roles` array claim, both of which the token's "
        "issuer chooses). HS256 keys should "
        "have at least 256 bits (32 bytes) of randomness (RFC 7518 §3.2); a short key can be "
        "recovered offline from any token. Values read from `{{env.NAME}}` are not checked here."
    ),
    why="Whoever recovers the key can issue tokens with any user and roles, including `allowed-roles` ones.",
    fix=(
        "Generate a random key of 32 bytes or more (`openssl rand -base64 48`), pass it as "
        "`jwt-secret: '{{env.FLAPI_JWT_SECRET}}'`, and rotate the old one."
    ),
    bad=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n"),
            MAIN + "mcp:\n  auth:\n    enabled: true\n    type: bearer\n    jwt-secret: s3cret-key\n",
        )
    ),
    good=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH)),
    target=Target.AUTH_BLOCK,
    check=check_jwt_secret,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_auth_type_bearer_accepts_the_same_token)"
    ),
)

RULES = (OIDC_AUDIENCE, OIDC_EXPIRATION, WEAK_JWT_SECRET)
