"""TRANS001–TRANS003: plain HTTP where TLS looks configured, and secrets flAPI returns at ``GET /config``.

flapi-semantics.md §3: ``enforce-https: {enabled, ssl-cert-file, ssl-key-file}``
is the only TLS switch (a block named ``https:`` is ignored); ``http-host``
defaults to ``0.0.0.0``. The notes' "``GET /config`` is open" is wrong for
flAPI 26.10.2 (docs/flapi-conformance.md): it answers 401 without the
config-service token; started with ``--config-service``, it returns each
connection's ``init`` SQL verbatim (``{{env.X}}`` substituted) to token holders
and shows ``properties`` values as ``"<redacted>"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.model.values import as_bool, get_bool
from mcplint.rules.config_error._flapi_facts import include_sites, is_loopback_host
from mcplint.tree import MappingNode, Node

_SQLS = {"sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
         "sqls/orders.sql": "SELECT id, status FROM orders LIMIT 100\n"}
_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
_TLS = "enforce-https:\n  enabled: true\n  ssl-cert-file: /etc/flapi/tls.crt\n  ssl-key-file: /etc/flapi/tls.key\n"


def _files(main: str) -> dict[str, str]:
    return {"flapi.yaml": main, **_SQLS}


def _tls_enabled(project: FlapiProject) -> bool:
    return get_bool(project.mapping.get_map("enforce-https"), "enabled") is True


# ------------------------------------------------------------------ TRANS001


# flAPI 26.10.2's own warning (``--validate-config``); 26.6.28 says nothing.
FLAPI_HTTPS_WORDS = (
    "Unknown top-level configuration key `https` is ignored; nothing reads it: did you mean `enforce-https`?"
)


def check_https_block(project: FlapiProject) -> Iterator[Finding]:
    pair = project.mapping.get_pair("https")
    if pair is None:
        return
    key, block = pair
    mapping = block if isinstance(block, MappingNode) else None
    wants_tls = mapping is not None and (
        as_bool(mapping.get("enabled")) is True
        or any(k in mapping for k in ("ssl_cert_file", "ssl-cert-file", "ssl_key_file", "ssl-key-file", "cert", "key"))
    )
    if _tls_enabled(project):
        level: Level | None = Level.NOTE
        message = (
            "flAPI ignores the `https` block (TLS comes from `enforce-https`, which is enabled here): remove "
            "the dead block so nobody edits it expecting an effect"
        )
    else:
        level = None if wants_tls else Level.WARNING
        message = (
            "flAPI ignores the `https` block, so TLS stays off: the only TLS switch is "
            "`enforce-https: {enabled: true, ssl-cert-file: …, ssl-key-file: …}` (hyphens, not underscores)"
        )
        if flapi_at_least(project.flapi_version, "26.10"):
            message += f' (flAPI {project.flapi_version} only logs a warning: "{FLAPI_HTTPS_WORDS}")'
    yield Finding(
        span=key.span,
        message=message,
        level=level,
        logical_location="https",
        related=include_sites(project.document, key.span),
    )


HTTPS_BLOCK = Rule(
    id="TRANS001",
    name="flapi-https-block-ignored",
    category="transport",
    level=Level.ERROR,
    security_severity=7.5,
    precision="very-high",
    cwe=(319, 1286),
    short_description="The main config has an `https:` block, which flAPI ignores: TLS stays off.",
    full_description=(
        "flAPI switches TLS on only through `enforce-https` with `enabled: true`, `ssl-cert-file` "
        "and `ssl-key-file`. A block named `https:` (often with `ssl_cert_file`/`ssl_key_file`) is "
        "not read: the server answers plain HTTP while the file suggests HTTPS. Reported as an "
        "error when the block tries to enable TLS, as a warning otherwise, and as a note when "
        "`enforce-https` is enabled as well. flAPI 26.10 starts anyway and only logs \"Unknown top-level "
        "configuration key `https` is ignored; nothing reads it: did you mean `enforce-https`?\" (the "
        "message quotes it under `flapi-version = \"26.10\"`); 26.6 says nothing. Verified on flAPI 26.10.2 "
        "and 26.6.28 (`--validate-config`)."
    ),
    why="Credentials and data cross the network in clear text while everyone believes they are encrypted.",
    fix="Rename the block to `enforce-https` and the keys to `enabled`, `ssl-cert-file`, `ssl-key-file`.",
    bad=Example(
        _files(
            _MAIN + "https:\n  enabled: true\n  ssl_cert_file: /etc/flapi/tls.crt\n  ssl_key_file: /etc/flapi/tls.key\n"
        )
    ),
    good=Example(_files(_MAIN + _TLS)),
    target=Target.FLAPI_PROJECT,
    check=check_https_block,
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_project_behaviour.py"
        "::test_https_block_is_ignored_with_a_warning)"
    ),
)


# ------------------------------------------------------------------ TRANS002


def check_plain_http(project: FlapiProject) -> Iterator[Finding]:
    if _tls_enabled(project):
        return
    root = project.mapping
    host_node = root.get_scalar("http-host")
    if host_node is not None and (host_node.env_refs or (not host_node.is_null and not host_node.text.strip())):
        return
    host = host_node.text.strip() if host_node is not None and not host_node.is_null else "0.0.0.0"
    if is_loopback_host(host):
        return
    tls = root.get_map("enforce-https")
    anchor: Node
    if tls is not None and tls.get_pair("enabled") is not None:
        anchor = tls.get_pair("enabled")[1]  # type: ignore[index]
    elif root.get_pair("enforce-https") is not None:
        anchor = root.get_pair("enforce-https")[0]  # type: ignore[index]
    elif host_node is not None:
        anchor = host_node
    else:
        anchor = root.pairs[0][0]
    where = (
        f"`{host}` (every interface, the default when `http-host` is not set)"
        if host_node is None
        else (f"`{host}` (every interface)" if host in ("0.0.0.0", "::", "*") else f"`{host}`")
    )
    ignored = " (the `https` block is ignored)" if "https" in root else ""
    related: tuple[RelatedLocation, ...] = ()
    if host_node is not None and anchor is not host_node:
        related = (RelatedLocation(host_node.span, "the listen address"),)
    yield Finding(
        span=anchor.span,
        message=(
            f"flAPI serves plain HTTP on {where} because `enforce-https.enabled` is not true{ignored}: "
            "passwords, tokens and query results cross the network unencrypted"
        ),
        logical_location="enforce-https.enabled",
        related=related,
    )


PLAIN_HTTP = Rule(
    id="TRANS002",
    name="flapi-plain-http-listener",
    category="transport",
    level=Level.WARNING,
    security_severity=6.5,
    precision="medium",
    cwe=(319,),
    short_description="flAPI listens on a non-loopback address without TLS.",
    full_description=(
        "`enforce-https.enabled` is not true while `http-host` is not a loopback address; flAPI's "
        "default host is `0.0.0.0`, every interface. Basic-auth passwords, bearer tokens, MCP "
        "traffic and query results then travel in clear text. A TLS-terminating proxy in front of "
        "flAPI makes this acceptable only if flAPI itself is not reachable from the network: then "
        "bind it to `127.0.0.1` (or set the host with `--host`/`FLAPI_HOST` and suppress the "
        "finding with a reason)."
    ),
    why="Anyone on the network path can read or replay credentials and data.",
    fix=(
        "Enable `enforce-https` with `ssl-cert-file` and `ssl-key-file`, or bind flAPI to "
        "`http-host: 127.0.0.1` behind a TLS-terminating proxy."
    ),
    bad=Example(_files(_MAIN), description="No `http-host` and no TLS: plain HTTP on 0.0.0.0:"),
    good=Example(_files(_MAIN + "http-host: 127.0.0.1\n"), description="Only reachable locally (behind a proxy):"),
    target=Target.FLAPI_PROJECT,
    check=check_plain_http,
)


# ------------------------------------------------------------------ TRANS003

_ENV = lazy_compile(r"\{\{env\.([A-Za-z_][A-Za-z0-9_]*)\}\}")
_SECRET_NAME = lazy_compile(
    r"SECRET|PASSW|PWD|TOKEN|API_?KEY|ACCESS_?KEY(?!_?ID)|PRIVATE_?KEY|ACCOUNT_?KEY|STORAGE_?KEY|CREDENTIAL"
    r"|CONN(?:ECTION)?_?STR|(?:^|_)KEY$",
    re.IGNORECASE,
)
_SECRET_CONTEXT = lazy_compile(
    r"(?:\b(?:SECRET|PASSWORD|TOKEN|SESSION_TOKEN|ACCOUNT_KEY|CLIENT_SECRET|CONNECTION_STRING)\s*[=:]?\s*['\"]?"
    r"|://[^/@\s:'\"]*:|\bpassword\s*=\s*)$",
    re.IGNORECASE,
)


def check_config_exposure(project: FlapiProject) -> Iterator[Finding]:
    # Only `init`: GET /config shows every `properties` value as "<redacted>" (flAPI 26.10.2).
    for connection in project.connections:
        init = connection.init
        if init is not None and init.env_refs and connection.init_sql is not None:
            text = init.text
            for match in _ENV.finditer(text):
                before = text[max(0, match.start() - 40) : match.start()]
                if not (_SECRET_NAME.search(match.group(1)) or _SECRET_CONTEXT.search(before)):
                    continue
                yield _exposure(
                    project, connection.name, "init", match.group(0),
                    connection.init_sql.span(match.start(), match.end()),
                )


def _exposure(project: FlapiProject, name: str, where: str, reference: str, span) -> Finding:  # type: ignore[no-untyped-def]
    return Finding(
        span=span,
        message=(
            f"flAPI substitutes `{reference}` into `connections.{name}.{where}` when it starts; started with "
            "`--config-service`, it returns every connection's `init` SQL verbatim at `GET /config`, so the "
            "secret's value is readable by anyone holding the config-service token (without the token flAPI "
            "answers 401)"
        ),
        logical_location=f"connections.{name}.{where}",
        identity=reference,
        related=include_sites(project.document, span),
    )


CONFIG_EXPOSURE = Rule(
    id="TRANS003",
    name="flapi-config-endpoint-exposes-secret",
    category="transport",
    level=Level.NOTE,
    security_severity=4.0,
    precision="medium",
    cwe=(200, 522),
    short_description=(
        "A secret from the environment is substituted into connection `init` SQL, which `GET /config` "
        "returns to config-service token holders."
    ),
    full_description=(
        "flAPI replaces `{{env.NAME}}` in the main config before it parses it. `GET /config` answers "
        "401 unless the caller presents the config-service token (`X-Config-Token` or `Authorization: "
        "Bearer`); a flAPI started with `--config-service` then returns every connection's `init` SQL "
        "verbatim, with the substituted values, while `properties` values are shown as `\"<redacted>\"`. "
        "Reading a credential from the environment keeps it out of the repository, but inside "
        "`connections.*.init` (e.g. `CREATE SECRET (… SECRET '{{env.AWS_SECRET_ACCESS_KEY}}')`) its "
        "value is readable by everyone who holds that token (without `--config-service-token` flAPI "
        "makes one up and prints it in its log). The rule looks at environment references with "
        "secret-like names or in secret positions (`SECRET`, `PASSWORD`, `TOKEN` options, the password "
        "of a connection URL); references in `properties` are not reported. A note: mcplint cannot "
        "see whether the server runs with `--config-service`. Secrets written literally there are "
        "reported by the hardcoded-secret rules."
    ),
    why=(
        "The config-service token becomes as good as the cloud or database credential: whoever holds "
        "it, or reads the log it was printed to, can fetch the credential and use it directly."
    ),
    fix=(
        "Let DuckDB find credentials itself (`CREATE SECRET (TYPE s3, PROVIDER credential_chain)`, "
        "instance roles, `GOOGLE_APPLICATION_CREDENTIALS`), so no secret value passes through the "
        "config; or run flAPI without `--config-service`, or give it a `--config-service-token` "
        "that only the people allowed to see the credential hold."
    ),
    bad=Example(
        _files(
            _MAIN + "http-host: 127.0.0.1\nconnections:\n  lake:\n    init: |\n"
            "      CREATE SECRET s3 (TYPE s3, KEY_ID '{{env.AWS_ACCESS_KEY_ID}}', "
            "SECRET '{{env.AWS_SECRET_ACCESS_KEY}}');\n"
        )
    ),
    good=Example(
        _files(
            _MAIN + "http-host: 127.0.0.1\nconnections:\n  lake:\n    init: |\n"
            "      CREATE SECRET s3 (TYPE s3, PROVIDER credential_chain);\n"
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_config_exposure,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_get_config_returns_env_values_substituted_into_init, "
        "tests/conformance/test_project_behaviour.py::test_get_config_with_config_service_token, "
        "tests/conformance/test_endpoint_behaviour.py::test_get_config_needs_the_config_service_token)"
    ),
)

RULES = (HTTPS_BLOCK, PLAIN_HTTP, CONFIG_EXPOSURE)
