"""What every hardcoded-secret finding shares: redaction, identity and the fix for each kind of file.

A finding shows the secret only in redacted form (a provider's public prefix
and the length, ``ghp_…(40 chars)``), marks its region secret (no output
shows that text, and it stays out of fingerprints) and takes its identity
from a slow salted hash of the value: the same secret moved to another line
or key keeps its fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Finding, Level
from mcplint.lazy_re import lazy_compile
from mcplint.model.secret_scan import SecretHit, SecretScan, Verdict

_ENV_NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INIT = lazy_compile(r"(?:^|\.)init(?:$|[.\[])")
# Verified on flAPI 26.10.2: tests/conformance/test_project_behaviour.py::test_get_config_with_config_service_token
# and ::test_get_config_returns_env_values_substituted_into_init; without the token /config is 401
# (tests/conformance/test_endpoint_behaviour.py::test_get_config_needs_the_config_service_token).
CONFIG_SERVICE = "GET /config with the config-service token"


def hits(scan: SecretScan, verdict: Verdict) -> Iterator[SecretHit]:
    for hit in scan.hits:
        if hit.verdict is verdict:
            yield hit


def finding(hit: SecretHit, message: str, level: Level | None = None) -> Finding:
    """A redacted finding at the rule's level (or ``level``).

    A secret in a connection's ``init`` SQL is also returned by ``GET /config`` to holders of the
    config-service token (flAPI 26.10.2, started with ``--config-service``): the ``servedAt``
    property says so; it does not raise the level (the token holders administer the server).
    """
    properties = {"signal": hit.signal, "secretKind": hit.kind}
    if served_in_init(hit) and hit.verdict is not Verdict.PLACEHOLDER:
        properties["servedAt"] = CONFIG_SERVICE
    return Finding(
        span=hit.span,
        message=message,
        level=level,
        identity=hit.secret.identity(),
        secret=True,
        properties=properties,
    )


def variable_name(hit: SecretHit) -> str:
    """A name to suggest for the environment variable that should hold the secret."""
    key = hit.key.lstrip("-")
    if key.lower() in ("authorization", "proxy-authorization"):
        return "API_TOKEN"
    if key and _ENV_NAME.fullmatch(key.replace("-", "_")):
        return key.replace("-", "_").upper()
    return "SECRET_NAME"


def served_in_init(hit: SecretHit) -> bool:
    """A secret in a flAPI connection's ``init`` SQL, which ``GET /config`` returns verbatim to token holders.

    ``properties`` values are shown as ``"<redacted>"`` there, so they are not served.
    """
    return hit.served and bool(_INIT.search(hit.secret.logical_path or ""))


def served_note(hit: SecretHit) -> str:
    if not served_in_init(hit):
        return ""
    return (
        "; a flAPI started with `--config-service` also returns connection `init` SQL verbatim at "
        "`GET /config` to anyone holding the config-service token"
    )


def fix(hit: SecretHit) -> str:
    """How to keep this secret out of this kind of file, in the file's own reference syntax."""
    name = variable_name(hit)
    context = hit.context
    if served_in_init(hit):
        return (
            "let DuckDB find the credentials itself (`CREATE SECRET (TYPE s3, PROVIDER credential_chain)`, "
            f"instance or workload credentials), or write `{{{{env.{name}}}}}`, which flAPI substitutes at "
            "start-up (with `--config-service`, `GET /config` still returns the substituted SQL to "
            "config-service token holders)"
        )
    if context.role == "sql-template":
        return (
            "move the credential into `connections.<name>.init` of the main config as "
            f"`'{{{{env.{name}}}}}'`, which flAPI substitutes at start-up"
        )
    if context.flapi:
        return f"write `{{{{env.{name}}}}}`, which flAPI substitutes from the environment at start-up"
    if context.role == "client":
        client = context.client
        if client == "claude-code":
            return f"write `${{{name}}}`, which Claude Code expands from the environment"
        if client in ("cursor", "windsurf"):
            return f"write `${{env:{name}}}`, which {client.capitalize()} expands from the environment"
        if client == "vscode":
            return (
                f"write `${{input:{name.lower()}}}` with an `inputs` entry that has `\"password\": true` "
                "(VS Code prompts once and stores it securely), or use `envFile`"
            )
        return (
            "this client does not expand variables: start the server from a wrapper that reads the secret "
            "from the OS keychain or the environment, and keep this file out of version control"
        )
    if context.role == "env-file":
        return (
            "keep `.env` files out of version control (add them to `.gitignore`) and commit a template without values"
        )
    if context.role == "fluxbase":
        return "set it through the matching `FLUXBASE_*` environment variable, which overrides the file"
    if context.role == "pgedge":
        return "use the `*_file` twin of the key (or an empty `password` with `.pgpass`) and a file with mode 600"
    return "read it from the environment or a secret manager at run time"
