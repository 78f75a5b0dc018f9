"""SQLI009: Handlebars helpers (``{{#if x}}``, ``{{else}}``) in a Mustache template."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.loaders.mustache import TagKind
from mcplint.model import Endpoint, Target
from mcplint.rules.sql_injection._examples import ID_INT, project

HELPERS = ("if", "unless", "each", "with")


# What flAPI 26.10.2 answers every request to such an endpoint (served; `--validate-config` passes).
FLAPI_WORDS = "Internal Server Error: crow::mustache error: not matched {{# {{/ pair"


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None:
        return
    for tag in template.mustache.tags:
        head = tag.name.split(None, 1)[0] if tag.name else ""
        if tag.kind in (TagKind.SECTION, TagKind.INVERTED) and head in HELPERS:
            text = template.source.text[tag.start : tag.end]
            message = (
                f"`{text}` is Handlebars, not Mustache: flAPI's Mustache compiler (Crow) cannot pair "
                f"`{{{{#{tag.name}}}}}` with its closing tag, so every call to this endpoint fails with HTTP 500 "
                f'("{FLAPI_WORDS}: {tag.name}, …"); flAPI still starts and `--validate-config` passes, so only '
                "a request shows it. Write `{{#params.x}}…{{/params.x}}`, and `{{^params.x}}…{{/params.x}}` for "
                "the else branch"
            )
        elif tag.kind is TagKind.VARIABLE and tag.name == "else":
            message = (
                "`{{else}}` is Handlebars, not Mustache: flAPI renders it as a value named `else` (empty), so "
                "both branches around it are rendered or skipped together; use an inverted section "
                "`{{^params.x}}…{{/params.x}}`"
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
    security_severity=4.0,
    precision="very-high",
    cwe=(670,),
    short_description="A SQL template uses Handlebars helpers that flAPI's Mustache does not understand.",
    full_description=(
        "`{{#if x}}`, `{{#unless x}}`, `{{#each x}}`, `{{#with x}}` and `{{else}}` are Handlebars. flAPI "
        "renders templates with Crow's Mustache, whose compiler reads `{{#if x}}` as a section named `if x` "
        "and finds its closing `{{/if}}` does not match: the template does not compile, and every call to "
        "the endpoint fails (over REST with HTTP 500, in flAPI's words \"Internal Server Error: "
        "crow::mustache error: not matched {{# {{/ pair: if params.x, if\"). Nothing is silently skipped, "
        "and no injection follows from it; but flAPI starts and `--validate-config` passes, so the broken "
        "endpoint ships unnoticed until it is called. A lone `{{else}}` inside a Mustache section is read as "
        "a value named `else` (empty), so both branches around it render together, or neither. Verified on "
        "flAPI 26.10.2 (served) and 26.6.28 (`--validate-config` passes)."
    ),
    why=(
        "The endpoint is dead on arrival: every caller, including an agent using the MCP tool, gets a 500 "
        "instead of data, and the usual hasty workarounds (string concatenation in the template) introduce "
        "injection."
    ),
    fix="Use Mustache sections: `{{#params.id}} … {{/params.id}}`, and `{{^params.id}} … {{/params.id}}` for else.",
    bad=Example(project(ID_INT, "SELECT * FROM orders WHERE 1 = 1 {{#if params.id}} AND id = 1 {{/if}}\n")),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE 1 = 1 {{#params.id}} AND id = 1 {{/params.id}}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://mustache.github.io/mustache.5.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_handlebars_if_breaks_every_request, "
        "tests/conformance/test_versions_and_beliefs.py::test_handlebars_if_fails_every_call_with_500, "
        "tests/conformance/test_versions_and_beliefs.py::test_lone_else_is_an_empty_value_inside_a_mustache_section)"
    ),
)
