"""FILT002: a write filter that uses no required caller-supplied field."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.statements import may_write, filter_of, is_tautology, is_write, optional_absent, required_fields
from mcplint.rules.mandatory_filter._common import headline, readable, statement_span
from mcplint.rules.mandatory_filter._examples import ID_REQUIRED, write_endpoint
from mcplint.rules.mandatory_filter.unfiltered_write import vanishing_fields

STATUS_ONLY = "  - field-name: status\n    validators: [{type: enum, allowedValues: [open, stale]}]\n"


def check(endpoint: Endpoint) -> Iterator[Finding]:
    if not may_write(endpoint):
        return
    rendering = optional_absent(endpoint)
    if rendering is None or rendering.error is not None:
        return
    required = {f"params.{name}" for name in required_fields(endpoint)}
    for index, statement in enumerate(rendering.statements):
        condition = filter_of(statement)
        if not is_write(statement) or condition is None or is_tautology(condition):
            continue
        used = rendering.variables_in(condition)
        if any(v in required for v in used):
            continue
        what = headline(statement)
        missing = vanishing_fields(endpoint, index)
        left_out = f" once a caller leaves out {', '.join(f'`{m}`' for m in missing)}" if missing else ""
        yield Finding(
            span=statement_span(endpoint, rendering, statement),
            message=(
                f"`{what}` is filtered only by `{readable(rendering, condition)}`{left_out}, which uses no required "
                f"request field: one call through {endpoint.display_name} applies it to every row that matches. "
                "Fix: filter on a required, validated key field (e.g. make `id` `required: true` and add "
                "`AND id = {{ params.id }}` outside any section)."
            ),
            logical_location=f"statement[{index}]",
            identity=endpoint.unit_path,
            properties={"statement": what, "filter_uses": used},
        )


RULE = Rule(
    id="FILT002",
    name="write-filter-without-required-field",
    category="mandatory-filter",
    level=Level.WARNING,
    security_severity=6.5,
    precision="medium",
    cwe=(),
    short_description="An UPDATE, DELETE or MERGE filters on no required request field.",
    full_description=(
        "With every optional field left out, the write statement's WHERE clause (or MERGE ON condition) still "
        "exists but uses no required caller-supplied field: only constants (`status = 'open'`), server values "
        "or optional fields remain, so one call changes every matching row."
    ),
    why="A tool meant to change one record changes many; an agent cannot be trusted to always pass the key.",
    fix="Require the key field (`required: true`) and filter on it outside any section.",
    bad=Example(
        write_endpoint(
            STATUS_ONLY,
            "UPDATE orders SET archived = TRUE WHERE state = 'done' "
            "{{#params.status}} AND status = {{ params.status }} {{/params.status}}\n",
        )
    ),
    good=Example(write_endpoint(ID_REQUIRED, "UPDATE orders SET archived = TRUE WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
)
