"""LIMIT001: an MCP tool without a rate limit.

flapi-semantics.md §4: ``mcp-tool.rate-limit: {enabled (false), max (100),
interval (60), key}`` limits calls to a tool; without ``enabled: true`` there
is no limit. The endpoint file's top-level ``rate-limit`` is the REST
endpoint's limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.values import get_bool
from mcplint.rules.authentication._examples import MAIN, MCP_AUTH, project, tool
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.tree import Node


def check(endpoint: Endpoint) -> Iterator[Finding]:
    entry = endpoint.mcp_tool
    if entry is None:
        return
    limit = entry.node.get_map("rate-limit") if entry.node is not None else None
    if get_bool(limit, "enabled") is True:
        return
    anchor: Node = entry.key
    state = "has no `rate-limit`"
    if limit is not None:
        pair = limit.get_pair("enabled")
        anchor = pair[1] if pair is not None else entry.node.get_pair("rate-limit")[0]  # type: ignore[union-attr, index]
        state = "has a `rate-limit` without `enabled: true`"
    name = f"`{entry.name}`" if entry.name else "of this file"
    rest = ""
    if get_bool(endpoint.mapping.get_map("rate-limit"), "enabled") is True:
        rest = " (the file's top-level `rate-limit` is the REST endpoint's limit)"
    yield Finding(
        span=anchor.span,
        message=(
            f"MCP tool {name} {state}: flAPI limits calls to a tool only through `mcp-tool.rate-limit` with "
            f"`enabled: true`, so a client or a looping agent can call it as fast as the server answers{rest}"
        ),
        logical_location="mcp-tool.rate-limit",
        related=include_sites(endpoint.document, anchor.span),
    )


RULE = Rule(
    id="LIMIT001",
    name="flapi-mcp-tool-without-rate-limit",
    category="resource-limits",
    level=Level.NOTE,
    security_severity=3.5,
    precision="high",
    cwe=(770,),
    short_description="An MCP tool has no enabled rate limit.",
    full_description=(
        "flAPI limits calls per tool with `mcp-tool.rate-limit: {enabled: true, max, interval, key}` "
        "(per authenticated principal, with a shared bucket for anonymous callers). Without "
        "`enabled: true` the tool has no limit; the endpoint file's top-level `rate-limit` block "
        "is the REST route's limit."
    ),
    why=(
        "Agents retry and loop; an unlimited tool lets one client exhaust DuckDB, a warehouse "
        "quota (BigQuery, Snowflake) or scrape a table call by call."
    ),
    fix="Add `rate-limit: {enabled: true, max: 60, interval: 60}` under `mcp-tool`.",
    bad=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH)),
    good=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n  rate-limit:\n    enabled: true\n    max: 60\n    interval: 60\n"),
            MAIN + MCP_AUTH,
        )
    ),
    target=Target.ENDPOINT,
    check=check,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py"
        "::test_mcp_tool_rate_limit_enforced_only_when_enabled)"
    ),
)

RULES = (RULE,)
