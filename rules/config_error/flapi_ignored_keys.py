"""CFG009–CFG011: keys flAPI silently ignores where the author expects protection or a setting.

The schema finds them (``_flapi_schema.OWN_RULE`` routes them here); these
rules say what the ignored spelling costs: a validator that checks nothing, a
rate limit left at its defaults, an MCP port or environment whitelist that
does not exist (flAPI 26.10 refuses to start on some of them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Document, Endpoint, FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.rules.config_error._flapi_schema import SchemaIssue, schema_issues
from mcplint.rules.sql_injection.ignored_validator import is_enum_validator
from mcplint.tree import MappingNode, ScalarNode, SequenceNode, format_path

MAIN = "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, status FROM orders WHERE status = 'open' LIMIT 100\n"

# Spellings whose being ignored removes no check (the field's validators still run; preventSqlInjection
# keeps its default, true): reported as notes. Verified on flAPI 26.10.2.
_NO_CHECK_LOST = ("defaultValue", "field-type", "prevent-sql-injection", "preventsqlinjection")
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
        if key == "allowed-values":
            holder = _holder(endpoint, issue)
            if holder is not None and is_enum_validator(holder):
                if "allowedValues" not in holder:
                    continue  # flAPI refuses the file: CFG008 reports the missing `allowedValues`
            elif _field_used(endpoint, issue, used):
                continue  # SQLI010 reports it, with the template that receives the value
        finding = _finding(document, issue, _validator_message(key, issue, in_validator))
        no_check_lost = key in _NO_CHECK_LOST or key.replace("-", "").lower() == "preventsqlinjection"
        yield replace(finding, level=Level.NOTE) if no_check_lost else finding


def _holder(endpoint: Endpoint, issue: SchemaIssue) -> MappingNode | None:
    """The request field or validator mapping that holds the issue's key."""
    node: object = endpoint.mapping
    for step in issue.path[:-1]:
        if isinstance(node, MappingNode) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return None
    return node if isinstance(node, MappingNode) else None


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
            "default (true), so the keyword filter stays on whatever this says; no check is lost"
        )
    if normal in ("pattern", "regexp", "regularexpression"):
        return (
            f"flAPI reads a string validator's expression only from `regex` and ignores `{key}`: this "
            "validator restricts the value's length at most, not its content"
        )
    if normal == "defaultvalue":
        return (
            f"flAPI reads a field's default only from `default` and ignores `{key}`: the field has no default "
            "(a request without it leaves the value empty); its validators still check any value sent"
        )
    if normal in ("fieldtype", "type") and not in_validator:
        return (
            f"flAPI ignores `{key}` on a request field: a value's type is checked only by a validator "
            "(`validators: [{type: int}]`); the field's validators still run"
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
        "sql-injection rule SQLI010 reports `allowed-values` instead; in an `enum` validator without "
        "`allowedValues`, flAPI refuses the file and CFG008 reports it.)\n\n"
        "`defaultValue`, `field-type` and `prevent-sql-injection` are reported as notes: ignoring them "
        "removes no check. The field's validators still run (on flAPI 26.10.2 a field with "
        "`field-type: integer`, `defaultValue: 1` and an `int` validator answers `abc` with 400 "
        "\"Invalid integer value\"; without `id` the template gets an empty value), and an ignored "
        "`prevent-sql-injection: false` leaves the keyword filter on. Verified on flAPI 26.10.2 (served)."
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
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_versions_and_beliefs.py::test_ignored_spellings_lose_no_check, "
        "tests/conformance/test_endpoint_behaviour.py::test_misspelled_field_keys_keep_validators)"
    ),
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
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_rate_limit_requests_window_names_ignored)"
    ),
)


# ------------------------------------------------------------------- CFG011


# flAPI 26.10.2's own words (``--validate-config``): the first two stop it, the others are warnings.
FLAPI_SERVER_WORDS = (
    "Configuration error at server: flAPI has no `server:` block; it was never read, so anything set under it "
    "had no effect."
)
FLAPI_WHITELIST_WORDS = (
    "Configuration error at environment-whitelist: `environment-whitelist` at the top level is never read, so it "
    "restricts nothing."
)
FLAPI_MCP_WORDS = {
    "port": "mcp.port is set but ignored: MCP is served on the HTTP port, alongside the REST API.",
    "host": "mcp.host is set but ignored: MCP binds wherever the HTTP server binds.",
    "allow-list-changed-notifications": (
        "mcp.allow-list-changed-notifications is set but ignored: flAPI has no server-to-client notification "
        "transport, so it always advertises listChanged: false."
    ),
}


def check_ignored_setting(project: FlapiProject) -> Iterator[Finding]:
    root = project.mapping
    refuses = flapi_at_least(project.flapi_version, "26.10")
    version = project.flapi_version
    for issue in _routed(project.document, "CFG011"):
        level: Level | None = None
        if issue.path == ("server",):
            server = root.get_map("server")
            settings = [k for k in ("host", "port") if server is not None and k in server]
            ignored = " and ".join(f"`server.{k}`" for k in settings)
            message = (
                "flAPI has no `server:` block"
                + (f" ({ignored} take{'s' if len(settings) == 1 else ''} no effect)" if settings else "")
                + ": it listens on the top-level `http-host` and `http-port` (default 0.0.0.0:8080, every "
                "interface); set those instead"
            )
            if refuses:
                level = Level.ERROR
                message += f'. flAPI {version} refuses to start with it ("{FLAPI_SERVER_WORDS}")'
        elif issue.path == ("environment-whitelist",):
            message = (
                "flAPI never reads a top-level `environment-whitelist`: only `template.environment-whitelist` "
                "counts, and every variable it admits is readable by every SQL template as `env.*` (from flAPI "
                "26.10 it also decides which `{{env.…}}` the YAML may use). Do not move a list of secret names "
                "there; delete this key and list under `template.environment-whitelist` only the variables the "
                "YAML's `{{env.…}}` references (26.10) or the templates need"
            )
            if refuses:
                level = Level.ERROR
                message += f' (flAPI {version} refuses to start with it: "{FLAPI_WHITELIST_WORDS}")'
        elif issue.path in (("mcp", "port"), ("mcp", "host")):
            key = issue.path[1]
            if key == "port":
                message = (
                    "flAPI ignores `mcp.port` and serves MCP on the main HTTP port (`http-port`), next to the "
                    "REST API: a firewall rule for this port does not shield MCP"
                )
            else:
                message = (
                    "flAPI ignores `mcp.host` and serves MCP wherever the HTTP server listens (`http-host`, "
                    "default 0.0.0.0, every interface)"
                )
            if refuses:
                message += f' (flAPI {version} says so too: "{FLAPI_MCP_WORDS[key]}")'
        else:
            level = Level.NOTE
            message = (
                "flAPI ignores `mcp.allow-list-changed-notifications`: it has no way to notify clients of "
                "changed tool lists and always advertises `listChanged: false`; remove the key"
            )
            if refuses:
                message += f' (flAPI {version}: "{FLAPI_MCP_WORDS["allow-list-changed-notifications"]}")'
        finding = _finding(project.document, issue, message)
        yield finding if level is None else replace(finding, level=level)


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
        "wherever the HTTP server listens), a top-level `environment-whitelist` (only "
        "`template.environment-whitelist` is read) and `mcp.allow-list-changed-notifications` (reported "
        "as a note: flAPI always advertises `listChanged: false`). Each but the last looks like it narrows "
        "what is exposed.\n\n"
        "flAPI 26.10 says so itself: it refuses to start with a `server:` block (\"flAPI has no `server:` "
        "block; it was never read, so anything set under it had no effect.\") or a top-level "
        "`environment-whitelist` (\"`environment-whitelist` at the top level is never read, so it restricts "
        "nothing.\"), both reported as errors under `flapi-version = \"26.10\"`, and it warns \"mcp.port is "
        "set but ignored: MCP is served on the HTTP port, alongside the REST API.\", \"mcp.host is set but "
        "ignored: MCP binds wherever the HTTP server binds.\" and \"mcp.allow-list-changed-notifications is "
        "set but ignored\". mcplint still reports them: a warning in a start-up log is easy to miss, and the "
        "firewall or proxy built for the ignored port is the actual mistake. (flAPI's wording for a "
        "`https:` block, \"Unknown top-level configuration key `https` is ignored\", belongs to TRANS001.)\n\n"
        "flAPI's own message for the top-level whitelist says to move it under `template:`. Do that only "
        "with names the YAML's `{{env.…}}` references need: `template.environment-whitelist` also decides "
        "which variables every SQL template can read as `env.*`, so a list of secret names moved there "
        "hands those secrets to the templates. Verified on flAPI 26.10.2 and 26.6.28 (`--validate-config`; "
        "26.6 accepts all of these silently)."
    ),
    why=(
        "A listen address or port that never takes effect leaves flAPI on 0.0.0.0:8080; a firewall or "
        "proxy set up for the configured MCP port protects nothing; on flAPI 26.10 a `server:` block or a "
        "top-level whitelist stops the server."
    ),
    fix=(
        "Use `http-host` and `http-port` at the top level, drop `mcp.port`, `mcp.host` and "
        "`mcp.allow-list-changed-notifications`, and delete a top-level `environment-whitelist`; under "
        "`template.environment-whitelist` list only the variables your YAML references or your templates "
        "need (never secret names the templates have no use for)."
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
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_versions_and_beliefs.py"
        "::test_top_level_whitelist_and_server_block_stop_26_10_only, "
        "tests/conformance/test_versions_and_beliefs.py"
        "::test_ignored_mcp_and_https_keys_are_warnings_in_flapis_words)"
    ),
)

RULES = (VALIDATOR_IGNORED, RATE_LIMIT_IGNORED, IGNORED_SETTING)
