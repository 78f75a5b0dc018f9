"""AUTHN020–AUTHN021: pgEdge HTTP without authentication, and API tokens that never expire.

other-configs.md: pgEdge ``http.auth: {enabled, token_file, user_file, …}``;
authentication is on by default and ``http.auth.enabled: false`` switches it
off. Tokens file: ``tokens: {<id>: {hash, expires_at, …}}``; a token without
``expires_at`` (or with ``expires_at: null``) never expires.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import PgEdgeConfig, Target
from mcplint.model.values import as_bool
from mcplint.rules.transport.client_transport import is_local_host
from mcplint.rules.transport.service_transport import listen_host
from mcplint.tree import MappingNode, ScalarNode


def check_http_without_auth(config: PgEdgeConfig) -> Iterator[Finding]:
    root = config.document.mapping
    http = root.get_map("http") if root is not None and config.kind == "server" else None
    if http is None or as_bool(http.get("enabled")) is not True:
        return
    auth = http.get_map("auth")
    switch = auth.get("enabled") if auth is not None else None
    if as_bool(switch) is not False:
        return
    assert switch is not None
    address = http.get_text("address") or ":8080"
    host = listen_host(address)
    local = bool(host) and is_local_host(host) and host not in ("0.0.0.0", "::")
    yield Finding(
        span=switch.span,
        message=(
            f"`http.auth.enabled: false` lets anyone who can reach `{address}` use the pgEdge MCP server without "
            "a token or password: they run SQL against every configured database as its database user; remove "
            "the line (authentication is on by default) and create tokens with `pgedge-postgres-mcp token add`"
        ),
        level=Level.NOTE if local else None,
        logical_location="http.auth.enabled",
    )


def _pg(auth: str) -> dict[str, str]:
    return {
        "pgedge.yaml": (
            "http:\n  enabled: true\n  address: ':8443'\n  tls:\n    enabled: true\n"
            "    cert_file: /etc/pgedge/server.crt\n    key_file: /etc/pgedge/server.key\n"
            f"  auth:\n{auth}databases:\n  - name: shop\n    host: localhost\n    database: shop\n"
            "    user: mcp_reader\n    sslmode: verify-full\n"
        )
    }


HTTP_WITHOUT_AUTH = Rule(
    id="AUTHN020",
    name="pgedge-http-without-auth",
    category="authentication",
    level=Level.ERROR,
    security_severity=9.1,
    precision="very-high",
    cwe=(306,),
    short_description="The pgEdge MCP server serves HTTP with authentication switched off.",
    full_description=(
        "`http.enabled` is true and `http.auth.enabled` is false. Authentication is on by default; this "
        "switch turns it off for every request. A loopback-only `http.address` makes it a note (every local "
        "process and browser page can still reach it)."
    ),
    why="Whoever reaches the port can query (and with `allow_writes`, change) every configured database.",
    fix="Remove `enabled: false` from `http.auth` and create API tokens or users for the clients.",
    bad=Example(_pg("    enabled: false\n")),
    good=Example(_pg("    enabled: true\n    token_file: /etc/pgedge/tokens.yaml\n")),
    target=Target.PGEDGE,
    check=check_http_without_auth,
    references=("https://cwe.mitre.org/data/definitions/306.html",),
)


def check_token_expiry(config: PgEdgeConfig) -> Iterator[Finding]:
    root = config.document.mapping
    tokens = root.get_map("tokens") if root is not None and config.kind == "tokens" else None
    if tokens is None:
        return
    for key, entry in tokens.pairs:
        if not isinstance(key, ScalarNode) or not isinstance(entry, MappingNode):
            continue
        pair = entry.get_pair("expires_at")
        if pair is not None and isinstance(pair[1], ScalarNode) and not pair[1].is_null and pair[1].text.strip() \
                and pair[1].text.strip().lower() not in ("null", "~", "none", "never"):
            continue
        if pair is None:
            anchor = key
        else:
            anchor = pair[1] if isinstance(pair[1], ScalarNode) and pair[1].text.strip() else pair[0]
        written = "`expires_at` is null" if pair is not None else "has no `expires_at`"
        yield Finding(
            span=anchor.span,
            message=(
                f"pgEdge API token `{key.text}` {written}, so it never expires: a leaked token keeps working "
                "until someone notices and removes it; create tokens with `--expires` (e.g. 90 days) and "
                "rotate them"
            ),
            logical_location=f"tokens.{key.text}.expires_at",
            identity=key.text,
        )


TOKEN_WITHOUT_EXPIRY = Rule(
    id="AUTHN021",
    name="pgedge-token-without-expiry",
    category="authentication",
    level=Level.WARNING,
    security_severity=5.0,
    precision="very-high",
    cwe=(613, 324),
    short_description="A pgEdge MCP server API token never expires.",
    full_description=(
        "An entry of a pgEdge tokens file (`tokens: {<id>: {hash, …}}`) has no `expires_at`, or "
        "`expires_at: null`. The server accepts such a token forever."
    ),
    why="Tokens leak (shell history, CI logs, client configs); one without an expiry gives lasting access.",
    fix="Recreate the token with an expiry (`pgedge-postgres-mcp token add --expires 90d`) and remove the old one.",
    bad=Example({"pgedge-tokens.yaml": (
        "tokens:\n  ci-bot:\n    hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n"
        "    annotation: CI token\n")}),
    good=Example({"pgedge-tokens.yaml": (
        "tokens:\n  ci-bot:\n    hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n"
        "    annotation: CI token\n    expires_at: 2026-03-31T23:59:59Z\n")}),
    target=Target.PGEDGE,
    check=check_token_expiry,
)

RULES = (HTTP_WITHOUT_AUTH, TOKEN_WITHOUT_EXPIRY)
