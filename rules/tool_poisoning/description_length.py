"""POIS030: an MCP description over flAPI's 2048-byte limit."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.texts import ModelText, TextKind
from mcplint.rules.tool_poisoning._examples import tool_project

# flAPI's MCPDescriptionScanner::kMaxDescriptionLength, compared with the UTF-8 byte size.
FLAPI_LIMIT = 2048
_JUDGED = (TextKind.TOOL_DESCRIPTION, TextKind.RESOURCE_DESCRIPTION, TextKind.PROMPT_DESCRIPTION)


def check(unit: ModelText) -> Iterator[Finding]:
    if not unit.flapi or unit.kind not in _JUDGED:
        return
    size = len(unit.text.encode("utf-8", errors="surrogatepass"))
    if size <= FLAPI_LIMIT:
        return
    yield Finding(
        span=unit.anchor,  # the whole value: its first token (quote or block indicator)
        logical_location=unit.logical_location,
        message=f"{unit.where} is {size} bytes, over flAPI's limit of {FLAPI_LIMIT}: flAPI's description scanner "
        "flags it (and refuses to start with `mcp.strict-descriptions: true`); long descriptions crowd the "
        "model's context and are where payloads hide; shorten it and move details to documentation",
    )


RULE = Rule(
    id="POIS030",
    name="description-too-long",
    category="tool-poisoning",
    level=Level.WARNING,
    security_severity=3.0,
    precision="very-high",
    cwe=(1427,),
    short_description="An flAPI MCP description is longer than flAPI's 2048-byte limit.",
    full_description=(
        "flAPI scans MCP descriptions when it loads its configuration and flags any over 2048 bytes "
        "(UTF-8); with `mcp.strict-descriptions: true` it refuses to start. The rule measures the "
        "description of each `mcp-tool`, `mcp-resource` and `mcp-prompt` as flAPI reads it (after "
        "includes and YAML folding)."
    ),
    why=(
        "A description is sent to the model with every conversation. Very long ones waste context, "
        "can drown out the user's request, and are where pasted files and hidden payloads end up."
    ),
    fix="Shorten the description to what the model needs to choose and call the tool.",
    bad=Example(
        tool_project(
            "name: get_orders\ndescription: >\n  Look up orders." + " Returns id, status and total." * 75 + "\n"
        ),
        description="A description of about 2,200 bytes:",
    ),
    good=Example(
        tool_project("name: get_orders\ndescription: Look up orders; returns id, status and total.\n"),
        description="A short description:",
    ),
    target=Target.MODEL_TEXT,
    check=check,
    references=("https://github.com/DataZooDE/flapi",),
)
