"""FILT001: an UPDATE/DELETE/MERGE that one call can apply to every row."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.statements import may_write, all_present, filter_of, is_tautology, is_write, optional_absent
from mcplint.rules.mandatory_filter._common import headline, readable, statement_span
from mcplint.rules.mandatory_filter._examples import ID_OPTIONAL, ID_REQUIRED, write_endpoint


def vanishing_fields(endpoint: Endpoint, index: int) -> list[str]:
    """Optional request fields whose absence removes (part of) the filter.

    They are the optional fields the full filter uses, and the optional fields
    whose sections enclose the full filter's values.
    """
    full = all_present(endpoint)
    if full is None or full.error is not None or index >= len(full.statements):
        return []
    required = {f.name for f in endpoint.request if f.required}
    condition = filter_of(full.statements[index])
    names: list[str] = []

    def add(variable: str) -> None:
        name = variable[len("params."):].split(".", 1)[0] if variable.startswith("params.") else ""
        if name and name not in required and name not in names:
            names.append(name)

    sql = condition.sql(dialect="duckdb") if condition is not None else ""
    for number, interp in full.interpolations.items():
        if f"mcplsentinel{number}x" in sql:
            add(interp.tag.name)
            for section in interp.sections:
                add(section.name)
    if not names and condition is not None and endpoint.template is not None:
        for section in endpoint.template.mustache.sections():
            add(section.name)
    return names


def check(endpoint: Endpoint) -> Iterator[Finding]:
    if not may_write(endpoint):
        return
    rendering = optional_absent(endpoint)
    if rendering is None or rendering.error is not None:
        return
    for index, statement in enumerate(rendering.statements):
        if not is_write(statement):
            continue
        condition = filter_of(statement)
        if condition is not None and not is_tautology(condition):
            continue
        missing = vanishing_fields(endpoint, index)
        what = headline(statement)
        if condition is None:
            state = "has no WHERE clause" if not what.startswith("MERGE") else "has no ON condition"
        else:
            state = f"is filtered by `{readable(rendering, condition)}`, which is always true"
        if missing:
            because = (
                f"when a caller leaves out {', '.join(f'`{m}`' for m in missing)}: the filter sits in a section "
                f"on an optional field, so it vanishes"
            )
            fix = (f"make {', '.join(f'`{m}`' for m in missing)} `required: true`, or move the WHERE clause out of "
                   "the section")
        else:
            because = "in every call"
            fix = "add a WHERE clause on a required, validated request field (e.g. `WHERE id = {{ params.id }}`)"
        yield Finding(
            span=statement_span(endpoint, rendering, statement),
            message=(
                f"`{what}` {state} {because}; one call {'deletes' if 'DELETE' in what else 'changes'} every row "
                f"through {endpoint.display_name}. Fix: {fix}."
            ),
            logical_location=f"statement[{index}]",
            identity=endpoint.unit_path,
            properties={"statement": what, "vanishing_fields": missing},
        )


RULE = Rule(
    id="FILT001",
    name="write-without-filter",
    category="mandatory-filter",
    level=Level.ERROR,
    security_severity=8.1,
    precision="high",
    cwe=(),
    short_description="An UPDATE, DELETE or MERGE can change every row in one call.",
    full_description=(
        "The template is rendered the way a caller renders it by leaving out every optional field (their "
        "sections disappear) and parsed. A write statement then has no WHERE clause (or MERGE ON condition), "
        "or only one that is always true (`1 = 1`, `TRUE`, `x = x`, an OR with such a branch)."
    ),
    why=(
        "An AI agent that omits an argument — by mistake or because a prompt told it to — changes or deletes "
        "the whole table through one tool call."
    ),
    fix=(
        "Make the key field `required: true` and keep its condition outside any section: "
        "`DELETE FROM orders WHERE id = {{ params.id }}`."
    ),
    bad=Example(write_endpoint(ID_OPTIONAL, "DELETE FROM orders {{#params.id}} WHERE id = {{ params.id }} "
                                            "{{/params.id}}\n")),
    good=Example(write_endpoint(ID_REQUIRED, "DELETE FROM orders WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://owasp.org/www-project-top-10-for-large-language-model-applications/",),
)
