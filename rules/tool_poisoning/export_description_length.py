"""POIS033: an over-long description in an exported tools/list, prompts/list or resources/list.

Issue 21: POIS030 measures flAPI's own descriptions against flAPI's limit; an
exported list from any server has no such limit, but a description of several
kilobytes is where pasted files and hidden instructions end up.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.texts import ModelText, TextKind

NOTE_OVER = 2048  # bytes: flAPI's limit, used as the sane size for any server
# A note only: real, benign servers (Neon, AWS) ship tool descriptions of 4-10 KB (the shared benign corpus).


def check(unit: ModelText) -> Iterator[Finding]:
    if unit.flapi or unit.kind is not TextKind.EXPORTED_TOOL_DESCRIPTION or unit.node is None:
        return
    size = len(unit.text.encode("utf-8", errors="surrogatepass"))
    if size <= NOTE_OVER:
        return
    yield Finding(
        span=unit.anchor,
        logical_location=unit.logical_location,
        message=f"{unit.where} is {size} bytes (over {NOTE_OVER}): the model reads all of it with every request, "
        "and long descriptions are where pasted files and hidden instructions go unnoticed; read it whole, "
        "then keep what the model needs to choose and call it",
    )


_LONG = "Look up orders. " + "Returns id, status and total for each order. " * 100

RULE = Rule(
    id="POIS033",
    name="exported-description-too-long",
    category="tool-poisoning",
    level=Level.NOTE,
    security_severity=3.0,
    precision="high",
    cwe=(1427,),
    short_description="A description in an exported tool, prompt or resource list is very long.",
    full_description=(
        "The description of a tool, prompt or resource in a `tools/list`, `prompts/list` or `resources/list` "
        "export is over 2048 bytes (UTF-8). It is a note: real, benign servers ship descriptions of 4-10 KB, "
        "so length alone is no evidence; what hides in them is the other rules' business. flAPI's own "
        "descriptions are `POIS030`'s."
    ),
    why=(
        "Descriptions are sent to the model in every conversation; very long ones crowd the context and hide "
        "payloads from the people who review them."
    ),
    fix="Shorten the description; move details into documentation the user reads.",
    bad=Example({"tools.json": '{"tools": [{"name": "get_orders", "description": "' + _LONG + '", '
                               '"inputSchema": {"type": "object"}}]}\n'}),
    good=Example({"tools.json": '{"tools": [{"name": "get_orders", "description": "Look up orders.", '
                                '"inputSchema": {"type": "object"}}]}\n'}),
    target=Target.MODEL_TEXT,
    check=check,
)
