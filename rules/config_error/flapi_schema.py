"""CFG006–CFG008: flAPI files checked against the bundled JSON Schemas.

One validation per file (see ``_flapi_schema``) feeds three rules: keys flAPI
does not read, values it cannot convert, keys it requires. Problems whose
misspelling has a security consequence (``https:``, ``auth.required``, …) are
left to their own rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.model import DocumentUnit
from mcplint.rules.config_error._flapi_schema import ENDPOINT, SchemaIssue, schema_issues
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.tree import ScalarNode, format_path

MAIN = "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, status FROM orders LIMIT 100\n"


def _project(endpoint: str, main: str = MAIN) -> dict[str, str]:
    return {"flapi.yaml": main, "sqls/orders.yaml": endpoint, "sqls/orders.sql": SQL}


def _place(issue: SchemaIssue) -> str:
    if issue.where:
        return f"`{issue.where}`"
    return "this endpoint file" if issue.document_kind == ENDPOINT else "the main config"


def _issues(kind: str) -> Callable[[DocumentUnit], Iterator[tuple[SchemaIssue, DocumentUnit]]]:
    def select(unit: DocumentUnit) -> Iterator[tuple[SchemaIssue, DocumentUnit]]:
        for issue in schema_issues(unit.document):
            if issue.kind == kind and issue.own_rule is None:
                yield issue, unit

    return select


def _finding(unit: DocumentUnit, issue: SchemaIssue, message: str, identity: str = "") -> Finding:
    return Finding(
        span=issue.node.span,
        message=message,
        logical_location=_logical(issue),
        identity=identity,
        related=include_sites(unit.document, issue.node.span),
    )


def _logical(issue: SchemaIssue) -> str:
    return format_path(issue.path)


def check_unknown(unit: DocumentUnit) -> Iterator[Finding]:
    for issue, _ in _issues("unknown-key")(unit):
        hint = f"; {issue.suggestion}" if issue.suggestion else ""
        yield _finding(
            unit,
            issue,
            f"flAPI does not read `{issue.key}` in {_place(issue)}: it ignores keys it does not know, "
            f"so this one has no effect{hint}",
        )


def check_invalid(unit: DocumentUnit) -> Iterator[Finding]:
    for issue, _ in _issues("invalid-value")(unit):
        value = issue.node.text if isinstance(issue.node, ScalarNode) else None
        shown = "has no value" if isinstance(issue.node, ScalarNode) and issue.node.is_null else (
            f"is `{_short(value)}`" if value is not None else "is not a single value"
        )
        place = f"`{issue.where}.{issue.key}`" if issue.where else f"`{issue.key}`"
        if issue.expected == "`read` or `write`":
            message = (
                f"{place} {shown}, which flAPI does not know (only `read` or `write`): it ignores the value and "
                "keeps the type `method` implies"
            )
        elif issue.expected.startswith("one of"):
            message = f"{place} {shown}, a value flAPI does not know here: it knows only {issue.expected[7:]}"
        else:
            message = (
                f"{place} {shown}, but flAPI expects {issue.expected} here: flAPI cannot convert it and refuses "
                "to load the file"
            )
        yield _finding(unit, issue, message)


def check_missing(unit: DocumentUnit) -> Iterator[Finding]:
    for issue, _ in _issues("missing-key")(unit):
        if issue.key == "template-source":
            message = (
                "this endpoint has no `template-source`: flAPI requires one for every REST endpoint, tool "
                "and resource and refuses to load the file without it"
            )
        else:
            message = (
                f"{_place(issue)} has no `{issue.key}`: flAPI requires this key and refuses to load the file "
                "without it"
            )
        yield _finding(unit, issue, message, identity=issue.key)


def _short(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


UNKNOWN_KEY = Rule(
    id="CFG006",
    name="flapi-unknown-key",
    category="config-error",
    level=Level.WARNING,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="A flAPI file has a key that flAPI does not read.",
    full_description=(
        "The key is not part of flAPI's configuration at that place, so flAPI ignores it: the setting "
        "the author meant never takes effect. mcplint suggests the spelling flAPI reads when one is "
        "close (`result_mime_type` → `result-mime-type`, `metadata_path` → `metadata-path`). Main "
        "configs and endpoint files are checked against the schemas in `schemas/`; text that comes "
        "from an include is checked where it is inserted and reported in the fragment. Misspellings "
        "with a security consequence (`https:`, `auth.required`, validator and rate-limit spellings, "
        "`mcp.port`, `connections.*.allow`) have their own rules."
    ),
    why=(
        "flAPI spells keys exactly (hyphens, underscores and camelCase differ per key) and stays "
        "silent about most keys it does not know, so a typo looks like working configuration."
    ),
    fix=(
        "Rename the key to the suggested spelling, move it to where flAPI reads it, or delete it. "
        "Add `# yaml-language-server: $schema=…` (see the README) to get the same check in your editor."
    ),
    bad=Example(
        _project("url-path: /orders/\ntemplate-source: orders.sql\nwith_pagination: false\n"),
        description="`with_pagination` (underscore) is not read; the key is `with-pagination`:",
    ),
    good=Example(_project("url-path: /orders/\ntemplate-source: orders.sql\nwith-pagination: false\n")),
    target=Target.DOCUMENT,
    check=check_unknown,
)

INVALID_VALUE = Rule(
    id="CFG007",
    name="flapi-invalid-value",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="A flAPI key has a value flAPI cannot use.",
    full_description=(
        "The value does not have the type flAPI reads at that key (a boolean, an integer, a list, a "
        "mapping, a single value) or is not one of the values flAPI knows. flAPI reads every scalar "
        "as text and converts it on demand the way yaml-cpp does: `enabled: yes` and `max: \"100\"` "
        "are fine, `enabled: maybe` and `max: ten` stop flAPI with a conversion error."
    ),
    why=(
        "A value flAPI cannot convert stops it from loading the file; an unknown choice (an "
        "`mcp.auth.type` flAPI does not know) leaves a setting other than the author intended."
    ),
    fix="Write the value in the form the message names; `mcplint explain CFG007` lists the boolean spellings.",
    bad=Example(
        _project(
            "url-path: /orders/\ntemplate-source: orders.sql\nrate-limit:\n  enabled: true\n  max: ten\n"
        ),
        description="`max` must be an integer:",
    ),
    good=Example(
        _project("url-path: /orders/\ntemplate-source: orders.sql\nrate-limit:\n  enabled: yes\n  max: '10'\n"),
        description="yaml-cpp converts `yes` and `'10'`:",
    ),
    target=Target.DOCUMENT,
    check=check_invalid,
)

MISSING_KEY = Rule(
    id="CFG008",
    name="flapi-missing-key",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="high",
    cwe=(1286,),
    short_description="A flAPI file lacks a key that flAPI requires.",
    full_description=(
        "flAPI refuses to load a file without these keys: `project-name` and `project-description` of "
        "the main file (\"Missing required key: project-description\"); `template-source` for REST "
        "endpoints, tools and resources; `name` and `description` of `mcp-tool`, `mcp-resource` and "
        "`mcp-prompt` (and the prompt's `template`); `field-name` and `field-in` of each request field; "
        "`type` of each validator, and `allowedValues` of an `enum` validator (\"Configuration error at "
        "validators.allowedValues: Missing required key: allowedValues\": an enum spelled "
        "`allowed-values` stops flAPI rather than letting values through); `username` and `password` of "
        "each basic-auth user; `table` of `cache`. The main-file keys and `allowedValues` were verified "
        "on flAPI 26.10.2 and 26.6.28 (`--validate-config`); an empty `project-description: \"\"` is "
        "accepted."
    ),
    why="flAPI stops at start-up; what the file was meant to serve or protect is not there.",
    fix="Add the key the message names.",
    bad=Example(
        _project("url-path: /orders/\ntemplate-source: orders.sql\nrequest:\n  - field-name: id\n"),
        description="A request field without `field-in`:",
    ),
    good=Example(
        _project("url-path: /orders/\ntemplate-source: orders.sql\nrequest:\n  - field-name: id\n    field-in: query\n")
    ),
    target=Target.DOCUMENT,
    check=check_missing,
)

RULES = (UNKNOWN_KEY, INVALID_VALUE, MISSING_KEY)
