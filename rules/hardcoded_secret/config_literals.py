"""SEC008–SEC009: passwords inside ODBC connection strings of MCP servers; pgEdge bootstrap tokens in compose files.

Issue 21. ODBC/ADO connection strings (``Driver=…;Server=…;UID=sa;PWD=…``) hide
the password in a ``key=value;`` list the general secret scan does not split.
The pgEdge Postgres MCP server's container creates its first API tokens and
users from ``INIT_TOKENS`` and ``INIT_USERS`` (``user:password`` pairs): written
into a ``docker-compose.yml`` they are committed credentials. Kept apart from
the secret patterns (``linter/model/secret_patterns.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.loaders.scalar_positions import value_span
from mcplint.model import ClientConfig, Target
from mcplint.model.model import DocumentUnit
from mcplint.model import secret_patterns as sp
from mcplint.rules.supply_chain._clients import config_label
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_ODBC_PASSWORD = lazy_compile(
    r"(?i)(?:^|;)\s*(?P<key>PWD|Password|Pass)\s*=\s*(?P<value>\{[^}]*\}|[^;\"']*)"
)
_ODBC_CONTEXT = lazy_compile(
    r"(?i)(?:^|;)\s*(?:driver|server|data source|dsn|uid|user id|database|initial catalog)\s*="
)
_REFERENCE = lazy_compile(r"\$\{|\$[A-Za-z_]|\{\{|%[A-Za-z_]+%|<[^>]*>")


def odbc_password(text: str) -> tuple[int, int, str] | None:
    """(start, end, key) of a literal password in an ODBC-style connection string, else None."""
    if ";" not in text or not _ODBC_CONTEXT.search(text):
        return None
    for match in _ODBC_PASSWORD.finditer(text):
        value = match.group("value").strip().strip("{}")
        if not value or _REFERENCE.search(value) or sp.is_placeholder(value):
            continue
        return match.start("value"), match.end("value"), match.group("key")
    return None


def _client_scalars(config: ClientConfig) -> Iterator[ScalarNode]:
    for server in config.servers:
        for mapping in (server.env, server.headers):
            if isinstance(mapping, MappingNode):
                yield from (v for _, v in mapping.pairs if isinstance(v, ScalarNode) and not v.is_null)
        yield from server.args
        if server.url is not None:
            yield server.url


def check_odbc(config: ClientConfig) -> Iterator[Finding]:
    source = config.document.source
    for node in _client_scalars(config):
        found = odbc_password(node.text)
        if found is None:
            continue
        start, end, key = found
        try:
            span = value_span(source, node, start, end)
        except (IndexError, ValueError):
            span = node.span
        yield Finding(
            span=span,
            message=(
                f"a connection string in {config_label(config.client)} (`{node.logical_path}`) carries a literal "
                f"database password in `{key}=`: anyone who can read the file can log in to that database; pass "
                "it through an environment variable the client expands, or use integrated authentication"
            ),
            logical_location=node.logical_path,
            secret=True,
        )


ODBC_PASSWORD = Rule(
    id="SEC008",
    name="mcp-client-connection-string-password",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=8.0,
    precision="high",
    cwe=(798, 259),
    short_description="An MCP server's ODBC/ADO connection string holds a literal password (`PWD=…`, `Password=…`).",
    full_description=(
        "A server entry's `env` value, header, argument or URL is a `key=value;` connection string (it names a "
        "`Driver`, `Server`, `Data Source`, `DSN`, `UID` or `Database`) whose `PWD`, `Password` or `Pass` is a "
        "literal. References (`${DB_PASSWORD}`, `%DB_PASSWORD%`), empty values and documentation placeholders "
        "are fine. The password is never shown."
    ),
    why="Connection strings are copied around whole; the password travels with the config into every fork.",
    fix="Write `PWD=${DB_PASSWORD}` (a client that expands variables) or use a DSN with stored credentials.",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "mssql": {\n      "command": "mssql-mcp",\n      "env": '
                              '{"CONNECTION_STRING": "Driver={ODBC Driver 18 for SQL Server};Server=db.example.com;'
                              'UID=app;PWD=Wx7qTr29LmZ4"}\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "mssql": {\n      "command": "mssql-mcp",\n      "env": '
                               '{"CONNECTION_STRING": "Driver={ODBC Driver 18 for SQL Server};Server=db.example.com;'
                               'UID=app;PWD=${MSSQL_PASSWORD}"}\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_odbc,
    references=("https://cwe.mitre.org/data/definitions/798.html",),
)


# ------------------------------------------------------------------ SEC009

_INIT = frozenset({"INIT_TOKENS", "INIT_USERS"})


def _compose(unit: DocumentUnit) -> MappingNode | None:
    root = unit.document.mapping
    name = unit.document.path.rsplit("/", 1)[-1].lower()
    if root is None or unit.document.format != "yaml":
        return None
    services = root.get_map("services")
    if services is None or not ("compose" in name or any(
            isinstance(v, MappingNode) and ("image" in v or "build" in v) for _, v in services.pairs)):
        return None
    return services


def _environment(service: MappingNode) -> Iterator[tuple[str, ScalarNode]]:
    env = service.get("environment")
    if isinstance(env, MappingNode):
        for key, value in env.pairs:
            if isinstance(key, ScalarNode) and isinstance(value, ScalarNode) and not value.is_null:
                yield key.text, value
    elif isinstance(env, SequenceNode):
        for item in env.items:
            if isinstance(item, ScalarNode) and "=" in item.text:
                yield item.text.split("=", 1)[0].strip(), item


def check_init_secrets(unit: DocumentUnit) -> Iterator[Finding]:
    services = _compose(unit)
    if services is None:
        return
    for name, service in services.pairs:
        if not isinstance(service, MappingNode) or not isinstance(name, ScalarNode):
            continue
        for key, node in _environment(service):
            if key not in _INIT:
                continue
            value = node.text.split("=", 1)[1] if node.text.startswith(key + "=") else node.text
            value = value.strip()
            if not value or _REFERENCE.search(value) or sp.is_placeholder(value):
                continue
            what = "API tokens" if key == "INIT_TOKENS" else "user passwords"
            yield Finding(
                span=node.span,
                message=(
                    f"service `{name.text}` sets `{key}` to literal {what}: the pgEdge MCP server creates them at "
                    "first start, so everyone who can read this compose file can call the server (and its "
                    f"database tools); use `{key}: ${{{key}}}` with the value in an untracked `.env` file or a "
                    "Docker secret"
                ),
                logical_location=node.logical_path,
                secret=True,
                identity=f"{name.text}:{key}",
            )


PGEDGE_INIT_SECRETS = Rule(
    id="SEC009",
    name="pgedge-init-credentials-in-compose",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=8.0,
    precision="high",
    cwe=(798,),
    short_description="A compose file gives the pgEdge MCP server literal `INIT_TOKENS` / `INIT_USERS`.",
    full_description=(
        "A `docker-compose.yml` (any YAML with `services` that have an `image` or `build`) sets "
        "`INIT_TOKENS` or `INIT_USERS` in a service's `environment` (mapping or `KEY=value` list) to a literal. "
        "References (`${INIT_TOKENS}`) and placeholders are fine. The value is never shown."
    ),
    why="These variables create the server's first tokens and user passwords; committed, they are credentials "
        "anyone with the repository can use.",
    fix="Reference a variable (`INIT_TOKENS: ${INIT_TOKENS}`) kept in an untracked `.env`, or use Docker secrets.",
    bad=Example({"docker-compose.yml": "services:\n  mcp:\n    image: ghcr.io/pgedge/postgres-mcp:1.0.0\n"
                                       "    environment:\n      INIT_USERS: alice:Wx7qTr29LmZ4\n"}),
    good=Example({"docker-compose.yml": "services:\n  mcp:\n    image: ghcr.io/pgedge/postgres-mcp:1.0.0\n"
                                        "    environment:\n      INIT_USERS: ${INIT_USERS}\n"}),
    target=Target.DOCUMENT,
    check=check_init_secrets,
    references=("https://cwe.mitre.org/data/definitions/798.html",),
)

RULES = (ODBC_PASSWORD, PGEDGE_INIT_SECRETS)
