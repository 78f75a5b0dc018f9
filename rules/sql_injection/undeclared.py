"""SQLI006: a template refers to ``params.x`` that the endpoint does not declare."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import PAGINATION, rejects_undeclared
from mcplint.rules.sql_injection._examples import ID_INT, project


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None:
        return
    declared = {f.name for f in endpoint.request if f.name}
    seen: set[str] = set()
    for tag in template.mustache.tags:
        if not tag.name.startswith("params.") or tag.kind.value in ("comment", "partial", "delimiter", "close"):
            continue
        name = tag.name[len("params.") :].split(".", 1)[0]
        if name in declared or name in PAGINATION or name in seen:
            continue
        seen.add(name)
        usage = "a section condition" if tag.kind.value in ("section", "inverted") else "a value"
        if rejects_undeclared(endpoint):
            effect = ("flAPI rejects undeclared parameters on this endpoint (`request-fields-validation: true`), so it "
                      "is always empty" + (" and this section never renders" if usage == "a section condition" else ""))
        else:
            effect = ("flAPI still passes any query or body key of that name to the template, unvalidated"
                      + (" (a typo here silently disables this section)" if usage == "a section condition" else ""))
        yield Finding(
            span=template.span(tag.start, tag.end),
            message=(
                f"`params.{name}` is used as {usage} but {endpoint.unit_path} declares no request field "
                f"`{name}`: {effect}; declare `{name}` with a validator or fix the name"
            ),
            logical_location=f"params.{name}",
            identity=endpoint.unit_path,
        )


RULE = Rule(
    id="SQLI006",
    name="undeclared-parameter",
    category="sql-injection",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(20,),
    short_description="A template uses a request parameter that the endpoint does not declare.",
    full_description=(
        "flAPI passes every query and body key to the template, declared or not; declared fields are the "
        "only ones validated. A template that reads an undeclared `params.x` takes it unvalidated, and a "
        "misspelled section name silently turns a filter off."
    ),
    why="Undeclared parameters skip every validator, and typos in section names hide missing filters.",
    fix="Declare the field under `request` with a validator (or correct the name).",
    bad=Example(
        project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }} AND region = '{{ params.region }}'\n")
    ),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/20.html",),
)
