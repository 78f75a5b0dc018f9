"""LIMIT010: an MCP tool or resource whose SELECT has no bound on the rows it returns."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.statements import optional_absent, top_select
from mcplint.model.values import as_bool

_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def _endpoint(sql: str, extra: str) -> dict[str, str]:
    return {
        "flapi.yaml": _MAIN,
        "sqls/events.yaml": (
            "url-path: /events/\nwith-pagination: false\n"
            "mcp-tool:\n  name: list_events\n  description: List events.\n" + extra + "template-source: events.sql\n"
        ),
        "sqls/events.sql": sql,
    }


def _max_rows(endpoint: Endpoint) -> bool:
    tool = endpoint.mcp_tool.node if endpoint.mcp_tool is not None else None
    response = tool.get_map("response") if tool is not None else None
    node = response.get_scalar("max-rows") if response is not None else None
    return node is not None and node.text.strip().isdigit() and int(node.text.strip()) > 0


def check(endpoint: Endpoint) -> Iterator[Finding]:
    if endpoint.mcp_tool is None and endpoint.mcp_resource is None:
        return
    pagination = endpoint.mapping.get_scalar("with-pagination")
    if pagination is None or as_bool(pagination) is not False or _max_rows(endpoint):
        return
    from sqlglot import exp  # only now: most endpoints never get here, and sqlglot is a tenth of a one-file run

    rendering = optional_absent(endpoint)
    if rendering is None or rendering.error is not None:
        return
    for statement in rendering.statements:
        select = top_select(statement)
        if select is None or select.args.get("limit") is not None or select.args.get("fetch") is not None:
            continue
        if isinstance(select, exp.Select) and select.find(exp.AggFunc) is not None and not select.args.get("group"):
            continue  # a single aggregate row
        yield Finding(
            span=pagination.span,
            message=(
                f"{endpoint.display_name} returns every row its SELECT matches: the query has no LIMIT (with "
                "optional fields left out), `with-pagination` is false and `mcp-tool.response.max-rows` is not "
                "set, so one call can pull a whole table into the model's context. Fix: set "
                "`mcp-tool.response.max-rows`, keep pagination on, or add a LIMIT."
            ),
            logical_location="with-pagination",
        )
        return


RULE = Rule(
    id="LIMIT010",
    name="unbounded-read-for-model",
    category="resource-limits",
    level=Level.WARNING,
    security_severity=5.3,
    precision="high",
    cwe=(770,),
    short_description="An MCP tool or resource can return an unbounded number of rows.",
    full_description=(
        "The tool's or resource's SELECT has no LIMIT when optional fields are left out, pagination is off "
        "(`with-pagination: false`) and `mcp-tool.response.max-rows` is not set."
    ),
    why="One call can move a whole table into the model's context (and out through other tools), or exhaust memory.",
    fix="Set `mcp-tool.response.max-rows`, keep pagination on, or add a LIMIT to the query.",
    bad=Example(_endpoint("SELECT id, kind, created_at FROM events ORDER BY created_at DESC\n", "")),
    good=Example(_endpoint("SELECT id, kind, created_at FROM events ORDER BY created_at DESC\n",
                           "  response:\n    max-rows: 200\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/770.html",),
)
