"""TRANS011–TRANS013: pgEdge HTTP without TLS, and database connections that do not insist on TLS.

other-configs.md: pgEdge ``http: {enabled, address, tls: {enabled, …}}``; its
security guide asks for HTTPS for anything but local development.
``databases[].sslmode`` of ``disable``/``allow``/``prefer`` does not protect a
non-local connection (``prefer``, the libpq default, accepts a plain
connection and checks no certificate); ``verify-full`` is the strong setting.
Fluxbase ``database.ssl_mode`` defaults to ``disable`` and ``database.host`` to
``localhost``.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import FluxbaseConfig, PgEdgeConfig, Target
from mcplint.model.values import as_bool
from mcplint.rules.authorization.fluxbase_authz import setting_value
from mcplint.rules.transport.client_transport import is_local_host
from mcplint.tree import MappingNode, Node, ScalarNode

_WEAK = {"disable": "no TLS at all", "allow": "TLS only if the server insists", "prefer": (
    "TLS when the server offers it, without checking its certificate")}
_REFERENCE = lazy_compile(r"\$\{|\{\{|\$[A-Za-z_]")


def listen_host(address: str) -> str:
    """The host part of ``host:port``, ``:port`` or ``[v6]:port`` ('' means every interface)."""
    text = address.strip()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    host, colon, port = text.rpartition(":")
    return host if colon and port.isdigit() else text


def _key(mapping: MappingNode, name: str) -> ScalarNode | None:
    pair = mapping.get_pair(name)
    return pair[0] if pair is not None else None


# ------------------------------------------------------------------ TRANS011


def check_pgedge_http(config: PgEdgeConfig) -> Iterator[Finding]:
    root = config.document.mapping
    http = root.get_map("http") if root is not None and config.kind == "server" else None
    if http is None or as_bool(http.get("enabled")) is not True:
        return
    tls = http.get_map("tls")
    if tls is not None and as_bool(tls.get("enabled")) is True:
        return
    address_node = http.get_scalar("address")
    address = address_node.text if address_node is not None and not address_node.is_null else ":8080"
    if _REFERENCE.search(address):
        return
    host = listen_host(address)
    if host and is_local_host(host) and host not in ("0.0.0.0", "::"):
        return
    anchor: Node | None = None
    if tls is not None and tls.get("enabled") is not None:
        anchor = tls.get("enabled")
    elif tls is not None or http.get_pair("tls") is not None:
        anchor = _key(http, "tls")
    else:
        anchor = http.get("enabled")
    assert anchor is not None
    where = f"`{address}` (every interface)" if not host or host in ("0.0.0.0", "::", "*") else f"`{address}`"
    yield Finding(
        span=anchor.span,
        message=(
            f"the pgEdge MCP server serves HTTP on {where} without TLS (`http.tls.enabled` is not true): bearer "
            "tokens, user passwords, SQL and query results cross the network in clear text; set "
            "`http.tls.enabled: true` with `cert_file` and `key_file`, or listen on `127.0.0.1` behind a "
            "TLS-terminating proxy"
        ),
        logical_location="http.tls.enabled",
    )


_PG = (
    "http:\n  enabled: true\n  address: ':8443'\n{tls}  auth:\n    enabled: true\n    token_file: ./tokens.yaml\n"
    "databases:\n  - name: shop\n    host: db.internal\n    database: shop\n    user: mcp_reader\n"
    "    sslmode: verify-full\n"
)
_TLS_ON = "  tls:\n    enabled: true\n    cert_file: /etc/pgedge/server.crt\n    key_file: /etc/pgedge/server.key\n"

PGEDGE_HTTP_WITHOUT_TLS = Rule(
    id="TRANS011",
    name="pgedge-http-without-tls",
    category="transport",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(319,),
    short_description="The pgEdge MCP server serves HTTP on a network interface without TLS.",
    full_description=(
        "`http.enabled` is true, `http.tls.enabled` is not, and `http.address` is not a loopback address "
        "(the default `:8080` listens on every interface). pgEdge's security guide asks for HTTPS for "
        "anything but local development."
    ),
    why=(
        "API tokens and user passwords are sent with every request, and the answers contain your data: anyone "
        "on the network path can read them and replay the tokens."
    ),
    fix=(
        "Set `http.tls.enabled: true` with `cert_file` and `key_file` (TLS 1.2 or newer), or bind to "
        "`127.0.0.1:8080` behind a TLS-terminating proxy."
    ),
    bad=Example({"pgedge.yaml": _PG.format(tls="  tls:\n    enabled: false\n")}),
    good=Example({"pgedge.yaml": _PG.format(tls=_TLS_ON)}, description="`tls.enabled: true`:"),
    target=Target.PGEDGE,
    check=check_pgedge_http,
    references=("https://cwe.mitre.org/data/definitions/319.html",),
)


# ------------------------------------------------------------------ TRANS012


def _hosts(database: MappingNode) -> list[ScalarNode]:
    hosts = database.get_seq("hosts")
    if hosts is not None:
        return [h.get_scalar("host") for h in hosts.items
                if isinstance(h, MappingNode) and h.get_scalar("host") is not None]  # type: ignore[misc]
    host = database.get_scalar("host")
    return [host] if host is not None else []


def _remote(hosts: list[ScalarNode]) -> ScalarNode | None:
    for host in hosts:
        text = host.text.strip() if not host.is_null else ""
        if text and not _REFERENCE.search(text) and not text.startswith("/") and not is_local_host(text):
            return host
    return None


def _sslmode_finding(mode_node: ScalarNode | None, host: ScalarNode, key: str, default: str,
                     product: str, logical: str) -> Finding | None:
    mode = mode_node.text.strip().lower() if mode_node is not None and not mode_node.is_null else default
    if mode not in _WEAK or (mode_node is not None and _REFERENCE.search(mode_node.text)):
        return None
    written = f"`{key}: {mode}`" if mode_node is not None and not mode_node.is_null else (
        f"no `{key}` (the default is `{default}`)")
    return Finding(
        span=(mode_node if mode_node is not None and not mode_node.is_null else host).span,
        message=(
            f"{product} connects to the database on `{host.text.strip()}` with {written}, which means "
            f"{_WEAK[mode]}: the database password and every query and result can be read or changed on the "
            f"network; set `{key}: verify-full` (with the server's CA certificate) for any host that is not "
            "this machine"
        ),
        level=Level.ERROR if mode == "disable" else None,
        logical_location=logical,
    )


def check_pgedge_sslmode(config: PgEdgeConfig) -> Iterator[Finding]:
    root = config.document.mapping
    databases = root.get_seq("databases") if root is not None and config.kind == "server" else None
    if databases is None:
        return
    for index, database in enumerate(databases.items):
        if not isinstance(database, MappingNode):
            continue
        host = _remote(_hosts(database))
        if host is None:
            continue
        name = database.get_text("name") or str(index)
        finding = _sslmode_finding(database.get_scalar("sslmode"), host, "sslmode", "prefer",
                                   f"the pgEdge MCP server (database `{name}`)", f"databases[{index}].sslmode")
        if finding is not None:
            yield finding


PGEDGE_WEAK_SSLMODE = Rule(
    id="TRANS012",
    name="pgedge-weak-sslmode",
    category="transport",
    level=Level.WARNING,
    security_severity=6.8,
    precision="high",
    cwe=(319, 295),
    short_description="The pgEdge MCP server connects to a remote database without verified TLS.",
    full_description=(
        "A `databases` entry whose `host` (or one of its `hosts`) is not this machine has `sslmode` "
        "`disable`, `allow` or `prefer`, or no `sslmode` (the default is `prefer`). `prefer` and `allow` "
        "fall back to a plain connection and never check the certificate; `disable` (an error) never "
        "encrypts. `require` encrypts without checking the certificate and is not reported; `verify-full` "
        "is the strong setting."
    ),
    why=(
        "The database password, the SQL the model writes and every row it reads cross the network; an "
        "attacker on the path can read them, or impersonate the database."
    ),
    fix="Set `sslmode: verify-full` and give the connection the server's CA certificate.",
    bad=Example({"pgedge.yaml": _PG.format(tls=_TLS_ON).replace("verify-full", "prefer")}),
    good=Example({"pgedge.yaml": _PG.format(tls=_TLS_ON)}),
    target=Target.PGEDGE,
    check=check_pgedge_sslmode,
    references=("https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION",),
)


# ------------------------------------------------------------------ TRANS013


def check_fluxbase_sslmode(config: FluxbaseConfig) -> Iterator[Finding]:
    root = config.mapping
    database = setting_value(root, "database")
    if not isinstance(database, MappingNode):
        return
    host_node = setting_value(database, "host")
    host = _remote([host_node] if isinstance(host_node, ScalarNode) else [])
    if host is None:
        return
    mode = setting_value(database, "ssl_mode")
    finding = _sslmode_finding(mode if isinstance(mode, ScalarNode) else None, host, "ssl_mode", "disable", "Fluxbase",
                               "database.ssl_mode")
    if finding is not None:
        yield finding


_FLUX = "database:\n  host: db.internal\n  user: fluxbase\n  password: ''\n{mode}mcp:\n  allowed_tools: [query_table]\n"

FLUXBASE_WEAK_SSLMODE = Rule(
    id="TRANS013",
    name="fluxbase-weak-ssl-mode",
    category="transport",
    level=Level.WARNING,
    security_severity=6.8,
    precision="high",
    cwe=(319, 295),
    short_description="Fluxbase connects to a remote database without verified TLS.",
    full_description=(
        "`database.host` is not this machine and `database.ssl_mode` is `disable`, `allow` or `prefer`, or "
        "missing: Fluxbase's default is `disable` (reported as an error, like an explicit `disable`). "
        "`FLUXBASE_DATABASE_SSL_MODE` overrides the file; set it there if the file is a template."
    ),
    why=(
        "Fluxbase's database user, its password and all application data cross the network unencrypted or "
        "without a certificate check."
    ),
    fix="Set `database.ssl_mode: verify-full` (or `FLUXBASE_DATABASE_SSL_MODE=verify-full`).",
    bad=Example({"fluxbase.yaml": _FLUX.format(mode="")}, description="No `ssl_mode`: the default is `disable`:"),
    good=Example({"fluxbase.yaml": _FLUX.format(mode="  ssl_mode: verify-full\n")}),
    target=Target.FLUXBASE,
    check=check_fluxbase_sslmode,
    references=("https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION",),
)

RULES = (PGEDGE_HTTP_WITHOUT_TLS, PGEDGE_WEAK_SSLMODE, FLUXBASE_WEAK_SSLMODE)
