"""POIS032: flAPI serves MCP tools without ``mcp.strict-descriptions``."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FlapiProject, Target
from mcplint.model.values import as_bool
from mcplint.rules.tool_poisoning._examples import MAIN, tool_project

_WHAT = (
    "flAPI then only logs descriptions its scanner flags (control characters, over 2048 bytes, "
    "*ignore previous instructions*) instead of refusing to start; set `mcp.strict-descriptions: true`"
)


def check(project: FlapiProject) -> Iterator[Finding]:
    if not any(facts.has_tool for facts in project.endpoint_facts()):
        return
    mcp = project.mcp
    pair = mcp.get_pair("strict-descriptions") if mcp is not None else None
    if pair is not None:
        if as_bool(pair[1]) is True:
            return
        yield Finding(
            span=pair[1].span,
            message=f"`mcp.strict-descriptions` is not `true` while this project serves MCP tools: {_WHAT}",
            logical_location="mcp.strict-descriptions",
        )
        return
    mcp_pair = project.mapping.get_pair("mcp")
    anchor = mcp_pair[0] if mcp_pair is not None else (project.mapping.pairs[0][0] if project.mapping.pairs else None)
    if anchor is None:
        return
    yield Finding(
        span=anchor.span,
        message=f"this project serves MCP tools without `mcp.strict-descriptions`: {_WHAT}",
        logical_location="mcp.strict-descriptions",
    )


RULE = Rule(
    id="POIS032",
    name="strict-descriptions-disabled",
    category="tool-poisoning",
    level=Level.NOTE,
    security_severity=2.0,
    precision="very-high",
    cwe=(1188,),
    short_description="flAPI serves MCP tools without `mcp.strict-descriptions: true`.",
    full_description=(
        "The flAPI main config serves at least one `mcp-tool` and does not set "
        "`mcp.strict-descriptions: true` (the default is false). flAPI scans tool descriptions for "
        "control characters, excessive length and known override phrases at start; only in strict "
        "mode does it refuse to start on a finding."
    ),
    why=(
        "Strict mode turns flAPI's own check into a gate: a poisoned or broken description that "
        "reaches the server through a merge or an include stops the deployment instead of reaching "
        "clients. It costs nothing for clean descriptions."
    ),
    fix="Add `strict-descriptions: true` under `mcp:` in the flAPI main config.",
    bad=Example(
        tool_project(
            "name: get_orders\ndescription: Look up the orders of a customer.\n",
            main="project-name: shop\ntemplate:\n  path: ./sqls\nmcp:\n  enabled: true\n",
        ),
        description="No strict mode:",
    ),
    good=Example(
        tool_project("name: get_orders\ndescription: Look up the orders of a customer.\n", main=MAIN),
        description="Strict mode on:",
    ),
    target=Target.FLAPI_PROJECT,
    check=check,
    references=("https://github.com/DataZooDE/flapi",),
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_project_behaviour.py"
        "::test_strict_descriptions_refuses_to_start, "
        "tests/conformance/test_project_behaviour.py::test_suspicious_description_only_warns_when_not_strict)"
    ),
)
