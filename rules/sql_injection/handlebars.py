"""SQLI009: Handlebars helpers (``{{#if x}}``, ``{{else}}``) in a Mustache template."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.loaders.mustache import TagKind
from mcplint.model import Endpoint, Target
from mcplint.rules.sql_injection._examples import ID_INT, project

HELPERS = ("if", "unless", "each", "with")


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None:
        return
    for tag in template.mustache.tags:
        head = tag.name.split(None, 1)[0] if tag.name else ""
        if tag.kind in (TagKind.SECTION, TagKind.INVERTED) and head in HELPERS:
            text = template.source.text[tag.start : tag.end]
            message = (
                f"`{text}` is Handlebars, not Mustache: flAPI's renderer looks up a value named `{tag.name}`, "
                "finds none, and never renders this section, so whatever it guards (often a filter) silently "
                "disappears; write `{{#params.x}}…{{/params.x}}` and `{{^params.x}}…{{/params.x}}` for the else branch"
            )
        elif tag.kind is TagKind.VARIABLE and tag.name == "else":
            message = (
                "`{{else}}` is Handlebars, not Mustache: flAPI renders it as an empty variable, so both branches "
                "around it are rendered or skipped together; use an inverted section `{{^params.x}}…{{/params.x}}`"
            )
        else:
            continue
        yield Finding(
            span=template.span(tag.start, tag.end),
            message=message,
            logical_location=f"handlebars:{tag.name}",
            identity=endpoint.unit_path,
        )


RULE = Rule(
    id="SQLI009",
    name="handlebars-syntax-in-template",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=6.5,
    precision="very-high",
    cwe=(670,),
    short_description="A SQL template uses Handlebars helpers that flAPI's Mustache does not understand.",
    full_description=(
        "`{{#if x}}`, `{{#unless x}}`, `{{#each x}}`, `{{#with x}}` and `{{else}}` are Handlebars. flAPI "
        "renders templates with Mustache (Crow), which reads `if x` as the name of a value that does not "
        "exist: the section never renders."
    ),
    why=(
        "A guarded filter (`{{#if params.id}} AND id = … {{/if}}`) silently vanishes, so the query returns "
        "or changes every row; the usual workaround attempts then introduce injection."
    ),
    fix="Use Mustache sections: `{{#params.id}} … {{/params.id}}`, and `{{^params.id}} … {{/params.id}}` for else.",
    bad=Example(project(ID_INT, "SELECT * FROM orders WHERE 1 = 1 {{#if params.id}} AND id = 1 {{/if}}\n")),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE 1 = 1 {{#params.id}} AND id = 1 {{/params.id}}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://mustache.github.io/mustache.5.html",),
)
