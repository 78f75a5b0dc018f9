"""CHAIN001–CHAIN003: SQL fetched over the network, and templates that can read every secret.

flapi-semantics.md §3: ``template.path`` may be remote (``https://``, ``s3://``,
``gs://``, ``az://``) and remote SQL is a supply-chain input;
``template.environment-whitelist`` holds regexes (full match) of variables
visible as ``env.*`` in SQL templates, and ``.*`` exposes the whole environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import Endpoint, FlapiProject, Target
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.tree import ScalarNode, SequenceNode

_SQL = "SELECT id, status FROM orders LIMIT 100\n"
_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
_REMOTE = lazy_compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _files(main: str, template_source: str = "orders.sql") -> dict[str, str]:
    return {
        "flapi.yaml": main,
        "sqls/orders.yaml": f"url-path: /orders/\ntemplate-source: {template_source}\n",
        "sqls/orders.sql": _SQL,
    }


def _remote(node: ScalarNode | None) -> str | None:
    if node is None or node.is_null or node.env_refs:
        return None
    text = node.text.strip()
    return text if _REMOTE.match(text) else None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower()


# ------------------------------------------------------------------ CHAIN001


def check_plain_http_project(project: FlapiProject) -> Iterator[Finding]:
    url = _remote(project.template_path)
    if url is None or _origin(url)[0] != "http":
        return
    assert project.template_path is not None
    yield Finding(
        span=project.template_path.span,
        message=(
            f"flAPI loads its endpoint definitions and SQL templates from `{url}` over plain HTTP: anyone on the "
            "network path can replace the SQL this server runs; use `https://` (or a bucket URL)"
        ),
        logical_location="template.path",
        related=include_sites(project.document, project.template_path.span),
    )


def check_plain_http_endpoint(endpoint: Endpoint) -> Iterator[Finding]:
    url = _remote(endpoint.template_source)
    if url is None or _origin(url)[0] != "http":
        return
    assert endpoint.template_source is not None
    yield Finding(
        span=endpoint.template_source.span,
        message=(
            f"flAPI fetches this endpoint's SQL template from `{url}` over plain HTTP: anyone on the network "
            "path can replace the SQL it runs; use `https://` (or keep the template in the project)"
        ),
        logical_location="template-source",
        related=include_sites(endpoint.document, endpoint.template_source.span),
    )


PLAIN_HTTP_TEMPLATES = Rule(
    id="CHAIN001",
    name="flapi-template-over-plain-http",
    category="supply-chain",
    level=Level.ERROR,
    security_severity=8.0,
    precision="very-high",
    cwe=(494, 319),
    short_description="An endpoint's SQL template is fetched over plain `http://`.",
    full_description=(
        "The endpoint's `template-source` is an `http://` URL. flAPI downloads the SQL from there "
        "without TLS, so whoever can intercept or redirect the connection (a Wi-Fi, a proxy, DNS) "
        "decides what SQL runs against your data. A plain-HTTP `template.path` is CHAIN004."
    ),
    why="Remote SQL is code: fetching it without integrity or TLS hands execution to the network.",
    fix="Use `https://` or a cloud bucket (`s3://`, `gs://`, `az://`), or keep the template in the project.",
    bad=Example(_files(_MAIN, "http://templates.example.com/orders.sql")),
    good=Example(_files(_MAIN)),
    target=Target.ENDPOINT,
    check=check_plain_http_endpoint,
)

def check_foreign_host(endpoint: Endpoint) -> Iterator[Finding]:
    url = _remote(endpoint.template_source)
    if url is None:
        return
    scheme, host = _origin(url)
    if scheme == "http":
        return  # CHAIN001
    own: tuple[str, str] | None = None
    related: tuple[RelatedLocation, ...] = ()
    if endpoint.project is not None:
        base = _remote(endpoint.project.template_path)
        if base is not None:
            own = _origin(base)
            if endpoint.project.template_path is not None:
                related = (RelatedLocation(endpoint.project.template_path.span, "the project's template location"),)
    if own == (scheme, host):
        return
    where = f"`{host}`" if host else f"`{url}`"
    ours = "the project's own template location" if own is not None else "this project, whose templates are local"
    assert endpoint.template_source is not None
    yield Finding(
        span=endpoint.template_source.span,
        message=(
            f"flAPI fetches this endpoint's SQL from {where} at start-up, outside {ours}: whoever controls that "
            "location decides what the endpoint executes, and a review of this repository does not see it"
        ),
        logical_location="template-source",
        related=related + include_sites(endpoint.document, endpoint.template_source.span),
    )


FOREIGN_HOST = Rule(
    id="CHAIN002",
    name="flapi-template-from-foreign-host",
    category="supply-chain",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(829, 494),
    short_description="An endpoint's SQL template is fetched from a host outside the project.",
    full_description=(
        "`template-source` is a remote URL (`https://`, `s3://`, `gs://`, `az://`, …) on another host "
        "than the project's `template.path` (or any remote URL when the project's templates are "
        "local). flAPI fetches and runs that SQL; its content is neither in the repository nor "
        "under the project's control."
    ),
    why="A compromised or re-pointed remote file changes what an endpoint does without any change here.",
    fix="Copy the SQL into the project (next to the endpoint file) and review it there.",
    bad=Example(_files(_MAIN, "https://raw.githubusercontent.com/someone/repo/main/orders.sql")),
    good=Example(_files(_MAIN)),
    target=Target.ENDPOINT,
    check=check_foreign_host,
)


# ------------------------------------------------------------------ CHAIN003

# Variable names of unrelated kinds: a pattern that fully matches all of them matches everything.
_PROBES = ("PATH", "HOME", "AWS_SECRET_ACCESS_KEY", "DATABASE_PASSWORD", "GITHUB_TOKEN", "X", "flapi_db_2")
# Well-known names of secret variables: a broad pattern that admits one of them exposes it to templates.
# FLAPI_CONFIG_SERVICE_TOKEN is flAPI's own (src/main.cpp reads it): the token that opens GET /config.
SECRET_NAMES = (
    "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET",
    "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GCS_SECRET",
    "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "HF_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
    "STRIPE_SECRET_KEY", "SLACK_BOT_TOKEN", "MOTHERDUCK_TOKEN", "SNOWFLAKE_PASSWORD", "DATABASE_URL",
    "DATABASE_PASSWORD", "DB_PASSWORD", "POSTGRES_PASSWORD", "PGPASSWORD", "MYSQL_PASSWORD", "REDIS_PASSWORD",
    "JWT_SECRET", "FLAPI_CONFIG_SERVICE_TOKEN", "FLAPI_JWT_SECRET", "SECRET_KEY", "API_KEY", "API_TOKEN",
    "ACCESS_TOKEN", "PRIVATE_KEY", "ENCRYPTION_KEY",
)
_NESTED_QUANTIFIER = lazy_compile(r"\([^()]*[*+}][^()]*\)\s*[*+{]")
_LITERAL_PARTS = lazy_compile(r"\(\?:|[()|^$]")


def _compiled(pattern: str) -> re.Pattern[str] | None:
    if len(pattern) > 80 or _NESTED_QUANTIFIER.search(pattern):
        return None  # never run a pattern that could backtrack for long
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def _matches_everything(pattern: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is not None and all(compiled.fullmatch(name) for name in _PROBES)


def _is_broad(pattern: str) -> bool:
    """Whether the pattern admits names beyond those it spells out (``^DB_PASSWORD$`` and ``^(A|B)$`` do not)."""
    rest = _LITERAL_PARTS.sub("", pattern)
    return any(char in rest for char in ".*+?[]{}\\")


def admitted_secret(pattern: str) -> str | None:
    """A well-known secret variable name a broad pattern admits (full match), or None."""
    compiled = _compiled(pattern)
    if compiled is None or not _is_broad(pattern):
        return None
    return next((name for name in SECRET_NAMES if compiled.fullmatch(name)), None)


def check_whitelist(project: FlapiProject) -> Iterator[Finding]:
    template = project.mapping.get_map("template")
    whitelist = template.get("environment-whitelist") if template is not None else None
    if not isinstance(whitelist, SequenceNode):
        return
    for item in whitelist.items:
        if not isinstance(item, ScalarNode) or item.is_null or item.env_refs:
            continue
        if _matches_everything(item.text):
            message = (
                f"`{item.text}` in `template.environment-whitelist` matches every variable name: flAPI makes the "
                "server's whole environment (cloud keys, database passwords, tokens) readable in SQL "
                "templates as `env.*`"
            )
        else:
            secret = admitted_secret(item.text)
            if secret is None:
                continue
            message = (
                f"`{item.text}` in `template.environment-whitelist` admits secret variables such as `{secret}`: "
                f"flAPI makes them readable in every SQL template as `{{{{env.{secret}}}}}`, to be put into a "
                "query or a result; list the exact names templates and YAML need instead (e.g. `'^AWS_REGION$'`)"
            )
        yield Finding(
            span=item.span,
            message=message,
            logical_location=item.logical_path,
            identity=item.text,
            related=include_sites(project.document, item.span),
        )


WHITELIST_EVERYTHING = Rule(
    id="CHAIN003",
    name="flapi-environment-whitelist-everything",
    category="supply-chain",
    level=Level.WARNING,
    security_severity=6.0,
    precision="high",
    cwe=(200, 526),
    short_description=(
        "`template.environment-whitelist` exposes every environment variable, or well-known secret ones, to SQL "
        "templates."
    ),
    full_description=(
        "The whitelist holds regular expressions that must match a variable's whole name (`SECRET` does not "
        "admit `SECRET_KEY`); an empty list exposes nothing. Whatever it admits, every SQL template can read "
        "as `{{env.NAME}}`. A pattern such as `.*`, `.+` or `^.*$` matches every name, so every template, "
        "including remote ones and any a contributor adds later, can read `{{env.AWS_SECRET_ACCESS_KEY}}` "
        "and put it into a query or a result. A narrower but still broad pattern (`^AWS_.*`, `.*KEY.*`, "
        "`.*_TOKEN`) is reported when it admits a well-known secret variable name (`AWS_SECRET_ACCESS_KEY`, "
        "`GITHUB_TOKEN`, `DB_PASSWORD`, …; the message names one). A pattern that spells out exact names "
        "(`^DB_PASSWORD$`, `^(A|B)$`) is a deliberate choice and is not reported: flAPI 26.10 requires every "
        "variable the YAML references to be listed, secrets included. `^APP_.*` admits none of the "
        "well-known names and is not reported, although it admits whatever `APP_` variables the deployment "
        "defines. Verified on flAPI 26.10.2 (served: with `['APP_.*']`, a template's `{{env.APP_X}}` renders "
        "the value and `{{env.SECRET_Y}}` renders empty) and 26.6.28 (`--validate-config`)."
    ),
    why="The process environment usually holds the most valuable secrets of the deployment.",
    fix=(
        "List exactly the variables templates and the YAML need, e.g. `'^FLAPI_REGION$'` or "
        "`'^FLAPI_PUBLIC_[A-Z_]+$'`."
    ),
    bad=Example(_files("template:\n  path: ./sqls\n  environment-whitelist:\n    - '.*'\n")),
    good=Example(_files("template:\n  path: ./sqls\n  environment-whitelist:\n    - '^FLAPI_REGION$'\n")),
    target=Target.FLAPI_PROJECT,
    check=check_whitelist,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_versions_and_beliefs.py"
        "::test_whitelist_decides_what_templates_read_from_the_environment)"
    ),
)


REMOTE_PROJECT_PLAIN_HTTP = Rule(
    id="CHAIN004",
    name="flapi-template-path-over-plain-http",
    category="supply-chain",
    level=Level.ERROR,
    security_severity=8.5,
    precision="very-high",
    cwe=(494, 319),
    short_description="The project's `template.path` is a plain `http://` URL.",
    full_description=(
        "flAPI loads every endpoint definition and SQL template from `template.path`. Over "
        "`http://` there is no TLS: whoever can intercept or redirect the connection serves flAPI "
        "endpoints, auth settings and SQL of their choosing."
    ),
    why="The whole API's behaviour, including its authentication, comes from that download.",
    fix="Use `https://` or a cloud bucket (`s3://`, `gs://`, `az://`), or keep the templates in the repository.",
    bad=Example({"flapi.yaml": "template:\n  path: http://config.example.com/sqls/\n"}),
    good=Example({"flapi.yaml": "template:\n  path: https://config.example.com/sqls/\n"}),
    target=Target.FLAPI_PROJECT,
    check=check_plain_http_project,
)

RULES = (PLAIN_HTTP_TEMPLATES, FOREIGN_HOST, WHITELIST_EVERYTHING, REMOTE_PROJECT_PLAIN_HTTP)
