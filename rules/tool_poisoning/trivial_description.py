"""POIS031: a tool, resource or prompt with an empty or one-word description."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.texts import ModelText
from mcplint.rules.tool_poisoning._examples import tool_project

_WORD = re.compile(r"\w+")


def check(unit: ModelText) -> Iterator[Finding]:
    if not unit.kind.is_entry_description:
        return
    count = len(_WORD.findall(unit.text))
    if count > 1:
        return
    if not unit.present:
        problem = "is missing"
    elif count == 0:
        problem = "is empty"
    else:
        problem = "is a single word"
    yield Finding(
        span=unit.anchor,  # the whole value: its first token (quote or block indicator)
        logical_location=unit.logical_location,
        message=f"{unit.where} {problem}: the model picks tools by their descriptions, so it may call this one for "
        "the wrong task or with the wrong arguments; say in a sentence what it does and returns",
    )


RULE = Rule(
    id="POIS031",
    name="trivial-description",
    category="tool-poisoning",
    level=Level.NOTE,
    security_severity=2.0,
    precision="high",
    cwe=(1059,),
    short_description="A tool, resource or prompt has an empty or one-word description.",
    full_description=(
        "Reports `mcp-tool`, `mcp-resource` and `mcp-prompt` entries, and tools in exported tool lists, "
        "whose description is missing, empty or a single word."
    ),
    why=(
        "The description is the only thing the model knows about a tool. Without it the model guesses "
        "when to call the tool and what to pass, which leads to wrong calls on real data."
    ),
    fix="Write a sentence or two: what the tool does, what it returns, and what its parameters mean.",
    bad=Example(tool_project("name: get_orders\ndescription: Orders\n"), description="One word:"),
    good=Example(
        tool_project("name: get_orders\ndescription: Look up the orders of one customer, newest first.\n"),
        description="A sentence:",
    ),
    target=Target.MODEL_TEXT,
    check=check,
    references=("https://modelcontextprotocol.io/specification/2025-06-18/server/tools",),
)
