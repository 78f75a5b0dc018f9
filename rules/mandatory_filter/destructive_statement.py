"""FILT003: DROP, TRUNCATE, ALTER, ATTACH/DETACH, COPY … TO or CREATE SECRET in a callable template."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.statements import all_present, destructive_kind, may_be_destructive
from mcplint.rules.mandatory_filter._common import statement_span
from mcplint.rules.mandatory_filter._examples import ID_REQUIRED, write_endpoint

_WHY = {
    "DROP": "removes a table or view for good",
    "TRUNCATE": "deletes every row",
    "ALTER": "changes the schema",
    "ATTACH": "opens another database (or file) in the server's DuckDB",
    "DETACH": "detaches a database the server relies on",
    "COPY … TO": "writes query results to a file or remote location",
    "CREATE SECRET": "creates credentials inside DuckDB for every later query",
}


def check(endpoint: Endpoint) -> Iterator[Finding]:
    if not may_be_destructive(endpoint):
        return  # no keyword of such a statement in the template: nothing to parse for
    rendering = all_present(endpoint)
    if rendering is None or rendering.error is not None:
        return
    for index, statement in enumerate(rendering.statements):
        kind = destructive_kind(statement)
        if kind is None:
            continue
        effect = _WHY.get(kind.split()[0], _WHY.get(kind, "changes the database"))
        yield Finding(
            span=statement_span(endpoint, rendering, statement),
            message=(
                f"`{kind}` in a template that {endpoint.display_name} runs for every caller: it {effect}. "
                "Fix: keep schema changes, attachments, exports and secrets in `connections.*.init` or in "
                "migrations, never in a callable endpoint."
            ),
            logical_location=f"statement[{index}]",
            identity=endpoint.unit_path,
            properties={"statement": kind},
        )


RULE = Rule(
    id="FILT003",
    name="destructive-statement-in-template",
    category="mandatory-filter",
    level=Level.ERROR,
    security_severity=8.1,
    precision="very-high",
    cwe=(),
    short_description="A callable template runs DROP, TRUNCATE, ALTER, ATTACH/DETACH, COPY … TO or CREATE SECRET.",
    full_description=(
        "Endpoint and MCP tool templates run for every caller. Statements that drop or truncate tables, "
        "change the schema, attach or detach databases, export data with `COPY … TO`, or create DuckDB secrets "
        "do not belong there."
    ),
    why="One call (or one prompt-injected agent) destroys data, exfiltrates it, or plants credentials.",
    fix="Move such statements to `connections.*.init`, migrations or an administrative job.",
    bad=Example(write_endpoint(ID_REQUIRED, "DELETE FROM orders WHERE id = {{ params.id }};\nDROP TABLE order_log;\n")),
    good=Example(write_endpoint(ID_REQUIRED, "DELETE FROM orders WHERE id = {{ params.id }};\n")),
    target=Target.ENDPOINT,
    check=check,
)
