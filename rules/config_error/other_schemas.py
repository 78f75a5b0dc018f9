"""CFG030–CFG035: MCP client configs, Fluxbase and pgEdge files checked against their schemas.

The schemas in ``schemas/`` (``mcp-client``, ``fluxbase``, ``pgedge-server``,
``pgedge-tokens``, ``pgedge-users``) are validated with the flAPI machinery;
``_other_schema`` decides what is worth reporting (misspelt security keys, every
unknown key in Fluxbase ``mcp`` and ``cors``, values the product cannot use).
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import ClientConfig, FluxbaseConfig, PgEdgeConfig, Target
from mcplint.model.client_formats import OTHER_FORMATS
from mcplint.rules.config_error._other_schema import CLIENT, FLUXBASE, PGEDGE, Problem, problems, shown_value
from mcplint.rules.supply_chain._clients import client_name
from mcplint.tree import format_path


def _finding(problem: Problem, message: str) -> Finding:
    issue = problem.issue
    return Finding(span=issue.node.span, message=message, logical_location=format_path(issue.path))


def _place(problem: Problem, product: str) -> str:
    where = problem.issue.where
    return f"`{where}`" if where else f"the top level of the {product} file"


def _hint(problem: Problem) -> str:
    return f"; did you mean `{problem.meant}`?" if problem.meant else ""


# ------------------------------------------------------------------ MCP clients


def _client_place(problem: Problem, config: ClientConfig) -> str:
    path = problem.issue.path
    if len(path) >= 3 and path[0] == config.servers_key:
        inner = format_path(path[2:-1]) if problem.issue.kind == "unknown-key" else ""
        server = f"MCP server `{path[1]}`"
        return f"`{inner}` of {server}" if inner else server
    return _place(problem, "client")


def check_client_unknown(config: ClientConfig) -> Iterator[Finding]:
    if config.client in OTHER_FORMATS:
        return  # the schema describes the `mcpServers` JSON family only
    name = client_name(config.client)
    for problem in problems(config.document, CLIENT):
        if problem.issue.kind != "unknown-key":
            continue
        yield _finding(
            problem,
            f"{name} does not read `{problem.issue.key}` in {_client_place(problem, config)}: it ignores keys "
            f"it does not know, so the setting never takes effect{_hint(problem)}",
        )


def check_client_invalid(config: ClientConfig) -> Iterator[Finding]:
    if config.client in OTHER_FORMATS:
        return
    name = client_name(config.client)
    for problem in problems(config.document, CLIENT):
        issue = problem.issue
        if issue.kind != "invalid-value":
            continue
        yield _finding(
            problem,
            f"`{format_path(issue.path)}` {shown_value(problem)}, but {name} expects {problem.expected} here: "
            "the client rejects the entry or ignores the setting",
        )


_CLIENT_GOOD = (
    '{\n  "mcpServers": {\n    "github": {\n      "url": "https://api.githubcopilot.com/mcp/",\n'
    '      "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}\n    }\n  }\n}\n'
)

CLIENT_UNKNOWN_KEY = Rule(
    id="CFG030",
    name="mcp-client-unknown-key",
    category="config-error",
    level=Level.WARNING,
    security_severity=4.0,
    precision="high",
    cwe=(1286,),
    short_description="An MCP server entry has a misspelt security key that the client ignores.",
    full_description=(
        "MCP clients (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Zed, Cline) ignore keys they "
        "do not know in a server entry. mcplint reports an unknown key when it looks like a misspelling of a "
        "key with security meaning: `header` or `Headers` for `headers` (the token is never sent), "
        "`environment` for `env`, `auto_approve` for `autoApprove`, `serverURL` for `serverUrl`, `disable` "
        "for `disabled`. Client-specific extras (`disabledTools`, `timeout`, `cwd`, `oauth`, …) are known "
        "and stay quiet; see `schemas/mcp-client.schema.json`."
    ),
    why=(
        "The setting the author wrote is not the setting the client applies: a server meant to be disabled "
        "still starts, a header meant to authenticate is never sent, a restriction is never enforced."
    ),
    fix="Rename the key to the spelling the client reads (the message suggests it).",
    bad=Example(
        {".mcp.json": _CLIENT_GOOD.replace('"headers"', '"header"')},
        description="`header` (singular): Claude Code sends no Authorization header:",
    ),
    good=Example({".mcp.json": _CLIENT_GOOD}),
    target=Target.CLIENT_CONFIG,
    check=check_client_unknown,
)

CLIENT_INVALID_VALUE = Rule(
    id="CFG031",
    name="mcp-client-invalid-value",
    category="config-error",
    level=Level.WARNING,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="An MCP server entry has a value of the wrong shape.",
    full_description=(
        "`args`, `autoApprove` and `alwaysAllow` must be lists of strings, `env` and `headers` mappings of "
        "names to strings, `command` a string (Zed: a mapping with `path`, `args` and `env`), `disabled` a "
        "boolean, and the servers key a mapping of names to entries. Clients reject such an entry or ignore "
        "the setting."
    ),
    why="A server that does not start, or a restriction (`disabled`, `autoApprove`) that does not apply.",
    fix="Write the value in the shape the message names.",
    bad=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "mcp-files",\n'
                      '      "args": "--read-only /srv/docs"\n    }\n  }\n}\n'},
        description="`args` as one string instead of a list:",
    ),
    good=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "mcp-files",\n'
                      '      "args": ["--read-only", "/srv/docs"]\n    }\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_client_invalid,
)


# ------------------------------------------------------------------ Fluxbase


def check_fluxbase_unknown(config: FluxbaseConfig) -> Iterator[Finding]:
    for problem in problems(config.document, FLUXBASE, config.mapping):
        if problem.issue.kind != "unknown-key":
            continue
        yield _finding(
            problem,
            f"Fluxbase does not read `{problem.issue.key}` in {_place(problem, 'Fluxbase')}: viper ignores keys "
            f"that no setting has, so the setting you meant keeps its default{_hint(problem)}",
        )


def check_fluxbase_invalid(config: FluxbaseConfig) -> Iterator[Finding]:
    for problem in problems(config.document, FLUXBASE, config.mapping):
        issue = problem.issue
        if issue.kind != "invalid-value":
            continue
        yield _finding(
            problem,
            f"`{format_path(issue.path)}` {shown_value(problem)}, but Fluxbase expects {problem.expected}: it "
            "cannot decode or accept the value and refuses to start",
        )


_FLUX = "database:\n  host: db.internal\n  user: fluxbase\n  password: ''\n{db}mcp:\n  enabled: true\n" \
        "  allowed_tools: [query_table]\n"

FLUXBASE_UNKNOWN_KEY = Rule(
    id="CFG032",
    name="fluxbase-unknown-key",
    category="config-error",
    level=Level.WARNING,
    security_severity=5.0,
    precision="high",
    cwe=(1286,),
    short_description="A Fluxbase config has a key Fluxbase does not read.",
    full_description=(
        "Fluxbase reads `fluxbase.yaml` with viper, which ignores keys that no setting has. mcplint reports "
        "every unknown key in `mcp` and `cors` (whose settings are known one by one) and, elsewhere, keys "
        "that look like misspellings of security settings: `sslmode` for `database.ssl_mode`, "
        "`allowed_tool` for `mcp.allowed_tools`, `jwtSecret` for `auth.jwt_secret`. Keys are compared "
        "without regard to case, as viper does. See `schemas/fluxbase.schema.json`."
    ),
    why=(
        "The setting keeps its default: `database.ssl_mode` stays `disable`, `mcp.allowed_tools` stays "
        "empty (every tool enabled), `auth.jwt_secret` stays the published placeholder."
    ),
    fix="Rename the key to the spelling Fluxbase reads (the message suggests it), or delete it.",
    bad=Example({"fluxbase.yaml": _FLUX.format(db="  sslmode: verify-full\n")},
                description="`sslmode` is pgEdge's spelling; Fluxbase reads `ssl_mode`:"),
    good=Example({"fluxbase.yaml": _FLUX.format(db="  ssl_mode: verify-full\n")}),
    target=Target.FLUXBASE,
    check=check_fluxbase_unknown,
)

FLUXBASE_INVALID_VALUE = Rule(
    id="CFG033",
    name="fluxbase-invalid-value",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="A Fluxbase setting has a value Fluxbase cannot use.",
    full_description=(
        "Fluxbase decodes `fluxbase.yaml` with mapstructure (weakly typed: `\"100\"` is a number, `\"a,b\"` a "
        "list) and validates it at start-up. Booleans must be Go booleans (`true`/`false`, `1`/`0`, `t`/`f`; "
        "not `yes`), counts whole numbers, `database.ssl_mode` one of the libpq modes and "
        "`storage.provider` `local` or `s3`. Other values stop Fluxbase at start-up."
    ),
    why="The server does not start; a hurried fix (dropping the setting) silently restores an unsafe default.",
    fix="Write the value in the form the message names.",
    bad=Example({"fluxbase.yaml": _FLUX.format(db="  ssl_mode: verify\n")},
                description="`verify` is not an SSL mode:"),
    good=Example({"fluxbase.yaml": _FLUX.format(db="  ssl_mode: verify-full\n")}),
    target=Target.FLUXBASE,
    check=check_fluxbase_invalid,
)


# ------------------------------------------------------------------ pgEdge

_PG_FILE = {"server": "pgEdge server config", "tokens": "pgEdge token file", "users": "pgEdge user file"}


def check_pgedge_unknown(config: PgEdgeConfig) -> Iterator[Finding]:
    for problem in problems(config.document, PGEDGE[config.kind]):
        if problem.issue.kind != "unknown-key":
            continue
        yield _finding(
            problem,
            f"the pgEdge MCP server does not read `{problem.issue.key}` in {_place(problem, _PG_FILE[config.kind])}"
            f": it ignores keys it does not know, so the setting you meant keeps its default{_hint(problem)}",
        )


def check_pgedge_invalid(config: PgEdgeConfig) -> Iterator[Finding]:
    for problem in problems(config.document, PGEDGE[config.kind]):
        issue = problem.issue
        if issue.kind != "invalid-value":
            continue
        yield _finding(
            problem,
            f"`{format_path(issue.path)}` {shown_value(problem)}, but the pgEdge MCP server expects "
            f"{problem.expected}: it cannot decode the file or the connection, and fails to start or to connect",
        )


_PG = (
    "http:\n  enabled: true\n  address: 127.0.0.1:8080\n  auth:\n    enabled: true\n"
    "    token_file: ./tokens.yaml\ndatabases:\n  - name: shop\n    host: db.internal\n    database: shop\n"
    "    user: mcp_reader\n{db}"
)

PGEDGE_UNKNOWN_KEY = Rule(
    id="CFG034",
    name="pgedge-unknown-key",
    category="config-error",
    level=Level.WARNING,
    security_severity=5.0,
    precision="high",
    cwe=(1286,),
    short_description="A pgEdge MCP server file has a misspelt security key that the server ignores.",
    full_description=(
        "The pgEdge Postgres MCP server decodes its YAML files with Go's yaml.v3, which ignores unknown keys "
        "and compares them with case. mcplint reports unknown keys that look like misspellings of security "
        "settings: `ssl_mode` for `sslmode`, `allow_write` for `allow_writes`, `tls_enabled` for `tls`, "
        "`expires` for a token's `expires_at`. See `schemas/pgedge-server.schema.json`, "
        "`pgedge-tokens.schema.json` and `pgedge-users.schema.json`."
    ),
    why=(
        "The setting keeps its default: `sslmode` stays `prefer` (no certificate check), a token meant to "
        "expire never does."
    ),
    fix="Rename the key to the spelling the server reads (the message suggests it).",
    bad=Example({"pgedge.yaml": _PG.format(db="    ssl_mode: verify-full\n")},
                description="`ssl_mode` is not read; the key is `sslmode`:"),
    good=Example({"pgedge.yaml": _PG.format(db="    sslmode: verify-full\n")}),
    target=Target.PGEDGE,
    check=check_pgedge_unknown,
)

PGEDGE_INVALID_VALUE = Rule(
    id="CFG035",
    name="pgedge-invalid-value",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="A pgEdge MCP server setting has a value the server cannot use.",
    full_description=(
        "Switches (`http.enabled`, `http.tls.enabled`, `http.auth.enabled`, `allow_writes`, …) must be "
        "YAML booleans, limits integers, `sslmode` one of `disable`, `allow`, `prefer`, `require`, "
        "`verify-ca`, `verify-full`, and `databases` a list of connections."
    ),
    why="The server refuses the file or the connection; dropping the setting to get it running restores the default.",
    fix="Write the value in the form the message names.",
    bad=Example({"pgedge.yaml": _PG.format(db="    sslmode: verify_full\n")},
                description="`verify_full` (underscore) is not an SSL mode:"),
    good=Example({"pgedge.yaml": _PG.format(db="    sslmode: verify-full\n")}),
    target=Target.PGEDGE,
    check=check_pgedge_invalid,
)

RULES = (
    CLIENT_UNKNOWN_KEY,
    CLIENT_INVALID_VALUE,
    FLUXBASE_UNKNOWN_KEY,
    FLUXBASE_INVALID_VALUE,
    PGEDGE_UNKNOWN_KEY,
    PGEDGE_INVALID_VALUE,
)
