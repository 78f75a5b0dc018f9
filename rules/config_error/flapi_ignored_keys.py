"""CFG009–CFG011: keys flAPI silently ignores where the author expects protection or a setting.

The schema finds them (``_flapi_schema.OWN_RULE`` routes them here); these
rules say what the ignored spelling costs: a validator that checks nothing, a
rate limit left at its defaults, an MCP port or environment whitelist that
does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Document, Endpoint, FlapiProject, Target
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.rules.config_error._flapi_schema import SchemaIssue, schema_issues
from mcplint.tree import MappingNode, ScalarNode, format_path

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, status FROM orders WHERE status = 'open' LIMIT 100\n"

# The spellings another rule (SQLI010) reports when the SQL template uses the field.
_SQLI_SPELLINGS = ("allowed-values", "prevent-sql-injection", "defaultValue", "field-type")
_VALIDATOR_TYPES = "`int`, `string`, `enum`, `email`, `uuid`, `date` and `time`"


def _project(endpoint: str, main: str = MAIN, sql: str = SQL) -> dict[str, str]:
    return {"flapi.yaml": main, "sqls/orders.yaml": endpoint, "sqls/orders.sql": sql}


def _routed(document: Document, rule_id: str) -> Iterator[SchemaIssue]:
    for issue in schema_issues(document):
        if issue.own_rule == rule_id:
            yield issue


def _finding(document: Document, issue: SchemaIssue, message: str) -> Finding:
    return Finding(
        span=issue.node.span,
        message=message,
        logical_location=format_path(issue.path),
        related=include_sites(document, issue.node.span),
    )


# ------------------------------------------------------------------- CFG009


def _field_used(endpoint: Endpoint, issue: SchemaIssue, used: set[str]) -> bool:
    request = endpoint.mapping.get_seq("request")
    index = issue.path[1] if len(issue.path) > 1 and isinstance(issue.path[1], int) else None
    if request is None or index is None or not 0 <= index < len(request.items):
        return False
    field = request.items[index]
    name = field.get_text("field-name") if isinstance(field, MappingNode) else None
    return name is not None and name in used


def check_validator(endpoint: Endpoint) -> Iterator[Finding]:
    used = _params_used(endpoint)
    document = endpoint.document
    for issue in _routed(document, "CFG009"):
        in_validator = "validators" in issue.path
        if issue.kind == "invalid-value":
            value = issue.node.text if isinstance(issue.node, ScalarNode) else "?"
            hint = "; did you mean `int`?" if value.strip().lower() in ("integer", "number", "numeric") else ""
            yield _finding(
                document,
                issue,
                f"validator type `{value}` is not one flAPI knows ({_VALIDATOR_TYPES}): flAPI skips a "
                f"validator of any other type, so this one checks nothing{hint}",
            )
            continue
        if issue.kind != "unknown-key":
            continue
        key = issue.key
        if key in _SQLI_SPELLINGS and _field_used(endpoint, issue, used):
            continue  # SQLI010 reports it, with the template that receives the value
        yield _finding(document, issue, _validator_message(key, issue, in_validator))


def _validator_message(key: str, issue: SchemaIssue, in_validator: bool) -> str:
    normal = key.replace("-", "").replace("_", "").lower()
    if normal == "allowedvalues":
        return (
            f"flAPI reads the enum's values only from camelCase `allowedValues` and ignores `{key}`: "
            "this list restricts nothing"
        )
    if normal == "preventsqlinjection":
        return (
            f"flAPI reads only camelCase `preventSqlInjection` and ignores `{key}`: the setting keeps its "
            "default (true)"
        )
    if normal in ("pattern", "regexp", "regularexpression"):
        return (
            f"flAPI reads a string validator's expression only from `regex` and ignores `{key}`: this "
            "validator restricts the value's length at most, not its content"
        )
    if normal == "defaultvalue":
        return f"flAPI reads a field's default only from `default` and ignores `{key}`: the field has no default"
    if normal in ("fieldtype", "type") and not in_validator:
        return (
            f"flAPI ignores `{key}` on a request field: a value's type is checked only by a validator "
            "(`validators: [{type: int}]`)"
        )
    hint = f"; {issue.suggestion}" if issue.suggestion else ""
    if in_validator:
        return f"flAPI ignores `{key}` in a validator: it is not a setting flAPI reads, so it checks nothing{hint}"
    return f"flAPI ignores `{key}` on a request field: it is not a setting flAPI reads{hint}"


def _params_used(endpoint: Endpoint) -> set[str]:
    """Field names the endpoint's SQL template reads as ``params.<name>`` (empty when unknown)."""
    if endpoint.template is None:
        return set()
    return {
        tag.name[len("params."):].split(".", 1)[0]
        for tag in endpoint.template.mustache.tags
        if tag.name.startswith("params.")
    }


VALIDATOR_IGNORED = Rule(
    id="CFG009",
    name="flapi-ignored-validator-setting",
    category="config-error",
    level=Level.WARNING,
    security_severity=5.0,
    precision="very-high",
    cwe=(1286, 20),
    short_description="A request field or validator setting is spelled in a way flAPI silently ignores.",
    full_description=(
        "flAPI reads `allowedValues` and `preventSqlInjection` in camelCase only, a string "
        "validator's expression only from `regex`, a field's default only from `default`, and "
        "knows the validator types `int`, `string`, `enum`, `email`, `uuid`, `date` and `time`. "
        "`allowed-values`, `prevent-sql-injection`, `pattern`, `defaultValue`, `field-type` and "
        "validators of other types (`integer`, `number`) are skipped without a word: the field is "
        "less restricted than the file says. (When the SQL template uses the field, the "
        "sql-injection rule SQLI010 reports the four named spellings instead.)"
    ),
    why=(
        "Validation is what keeps request values in the shape the SQL expects; a misspelled "
        "validator looks like protection and provides none."
    ),
    fix=(
        "Use flAPI's spelling: `allowedValues`, `preventSqlInjection`, `regex`, `default`, and "
        "`validators: [{type: int}]` instead of `field-type`; validator types are `int`, `string`, "
        "`enum`, `email`, `uuid`, `date`, `time`."
    ),
    bad=Example(
        _project(
            "url-path: /orders/\ntemplate-source: orders.sql\nrequest:\n  - field-name: region\n"
            "    field-in: query\n    validators:\n      - type: string\n        pattern: '^[a-z]+$'\n"
        ),
        description="`pattern` is ignored; the string validator checks nothing:",
    ),
    good=Example(
        _project(
            "url-path: /orders/\ntemplate-source: orders.sql\nrequest:\n  - field-name: region\n"
            "    field-in: query\n    validators:\n      - type: string\n        regex: '^[a-z]+$'\n"
        )
    ),
    target=Target.ENDPOINT,
    check=check_validator,
)


# ------------------------------------------------------------------- CFG010


def check_rate_limit(endpoint: Endpoint) -> Iterator[Finding]:
    for issue in _routed(endpoint.document, "CFG010"):
        key = issue.key
        if key in ("rate_limit", "rateLimit"):
            message = (
                f"flAPI reads an endpoint's limit only from `rate-limit` (hyphen) and ignores `{key}`: "
                "this endpoint has no rate limit"
            )
        elif key == "requests":
            message = (
                f"flAPI reads the number of calls from `max` and ignores `requests`: `{issue.where}` "
                "allows the default of 100 calls per interval"
            )
        else:
            message = (
                f"flAPI reads the window from `interval` (seconds) and ignores `window`: `{issue.where}` "
                "counts calls over the default of 60 seconds"
            )
        yield _finding(endpoint.document, issue, message)


RATE_LIMIT_IGNORED = Rule(
    id="CFG010",
    name="flapi-ignored-rate-limit-key",
    category="config-error",
    level=Level.WARNING,
    security_severity=4.0,
    precision="very-high",
    cwe=(770, 1286),
    short_description="A rate-limit setting is spelled in a way flAPI silently ignores.",
    full_description=(
        "flAPI's endpoint rate limit is `rate-limit: {enabled, max, interval, key}` (also under "
        "`mcp-tool`). `requests` and `window` are ignored, so the limit stays at flAPI's defaults "
        "(100 calls per 60 seconds); an endpoint-level `rate_limit` or `rateLimit` block is ignored "
        "entirely (the underscore spelling belongs to the main file's global block)."
    ),
    why="The limit the file shows is not the limit flAPI enforces; a scraping client or agent loop gets far more.",
    fix="Rename `requests` to `max` and `window` to `interval`; use `rate-limit` in endpoint files.",
    bad=Example(
        _project(
            "url-path: /orders/\ntemplate-source: orders.sql\nrate-limit:\n  enabled: true\n"
            "  requests: 10\n  interval: 60\n"
        ),
        description="`requests` is ignored; flAPI allows 100 calls per minute:",
    ),
    good=Example(
        _project(
            "url-path: /orders/\ntemplate-source: orders.sql\nrate-limit:\n  enabled: true\n"
            "  max: 10\n  interval: 60\n"
        )
    ),
    target=Target.ENDPOINT,
    check=check_rate_limit,
)


# ------------------------------------------------------------------- CFG011


def check_ignored_setting(project: FlapiProject) -> Iterator[Finding]:
    root = project.mapping
    for issue in _routed(project.document, "CFG011"):
        if issue.path == ("server",):
            server = root.get_map("server")
            settings = [k for k in ("host", "port") if server is not None and k in server]
            ignored = " and ".join(f"`server.{k}`" for k in settings)
            message = (
                "flAPI has no `server:` block and ignores it"
                + (f" ({ignored} take{'s' if len(settings) == 1 else ''} no effect)" if settings else "")
                + ": it listens on the top-level `http-host` and `http-port` (default 0.0.0.0:8080, every "
                "interface); set those instead"
            )
        elif issue.path == ("environment-whitelist",):
            message = (
                "flAPI ignores a top-level `environment-whitelist`: only `template.environment-whitelist` "
                "decides which environment variables SQL templates see; move the list under `template:`"
            )
        elif issue.path == ("mcp", "port"):
            message = (
                "flAPI ignores `mcp.port` and serves MCP on the main HTTP port (`http-port`), next to the "
                "REST API: a firewall rule for this port does not shield MCP"
            )
        else:
            message = (
                "flAPI ignores `mcp.host` and serves MCP wherever the HTTP server listens (`http-host`, "
                "default 0.0.0.0, every interface)"
            )
        yield _finding(project.document, issue, message)


IGNORED_SETTING = Rule(
    id="CFG011",
    name="flapi-ignored-setting",
    category="config-error",
    level=Level.WARNING,
    security_severity=4.0,
    precision="very-high",
    cwe=(1286,),
    short_description="A main-config setting that flAPI ignores, although it looks like it restricts exposure.",
    full_description=(
        "flAPI reads none of these: a `server:` block (the listen address is the top-level "
        "`http-host`/`http-port`), `mcp.port` and `mcp.host` (MCP is served on the main port, "
        "wherever the HTTP server listens), and a top-level `environment-whitelist` (only "
        "`template.environment-whitelist` is read). Each looks like it narrows what is exposed."
    ),
    why=(
        "A listen address or port that never takes effect leaves flAPI on 0.0.0.0:8080; a firewall or "
        "proxy set up for the configured MCP port protects nothing."
    ),
    fix=(
        "Use `http-host` and `http-port` at the top level, drop `mcp.port`/`mcp.host`, and move "
        "`environment-whitelist` under `template:`."
    ),
    bad=Example(
        {
            "flapi.yaml": MAIN + "mcp:\n  enabled: true\n  port: 8081\n",
            "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
            "sqls/orders.sql": SQL,
        },
        description="MCP is served on 8080 anyway:",
    ),
    good=Example(
        {
            "flapi.yaml": MAIN + "http-port: 8081\nmcp:\n  enabled: true\n",
            "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
            "sqls/orders.sql": SQL,
        }
    ),
    target=Target.FLAPI_PROJECT,
    check=check_ignored_setting,
)

RULES = (VALIDATOR_IGNORED, RATE_LIMIT_IGNORED, IGNORED_SETTING)
