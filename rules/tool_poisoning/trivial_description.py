"""POIS031: a tool, resource or prompt with an empty or one-word description."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import Target
from mcplint.model.texts import ModelText
from mcplint.rules.tool_poisoning._examples import tool_project

_WORD = lazy_compile(r"\w+")
# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar): there a
# run of \w is a phrase, and two or more of its characters are more than one word.
_UNSPACED = lazy_compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def _word_count(text: str) -> int:
    words = _WORD.findall(text)
    if len(words) == 1 and len(_UNSPACED.findall(words[0])) >= 2:
        return 2
    return len(words)


def check(unit: ModelText) -> Iterator[Finding]:
    if not unit.kind.is_entry_description:
        return
    count = _word_count(unit.text)
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
