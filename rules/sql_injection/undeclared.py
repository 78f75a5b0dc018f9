"""SQLI006: a template refers to ``params.x`` that the endpoint does not declare."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import PAGINATION, Route, routes, undeclared_routes
from mcplint.rules.sql_injection._common import route_list
from mcplint.rules.sql_injection._examples import ID_INT, project


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None:
        return
    declared = {f.name for f in endpoint.request if f.name}
    accepting = undeclared_routes(endpoint)
    refusing = [r for r in routes(endpoint) if not r.accepts_undeclared]
    seen: set[str] = set()
    for tag in template.mustache.tags:
        if not tag.name.startswith("params.") or tag.kind.value in ("comment", "partial", "delimiter", "close"):
            continue
        name = tag.name[len("params.") :].split(".", 1)[0]
        if name in declared or name in PAGINATION or name in seen:
            continue
        seen.add(name)
        section = tag.kind.value in ("section", "inverted")
        usage = "a section condition" if section else "a value"
        refused = f" ({_refusals(refusing)})" if refusing else ""
        if accepting:
            level = None  # the rule's level: a caller sets it, unvalidated
            effect = (f"{route_list(accepting)} still {'passes' if len(accepting) == 1 else 'pass'} a parameter "
                      f"of that name to the template, unvalidated{refused}"
                      + (" (a typo here silently disables this section)" if section else ""))
        else:
            level = Level.NOTE  # no caller can set it: a typo or a leftover, not a way in
            never = ("so this section never renders" if tag.kind.value == "section"
                     else "so this inverted section always renders" if section else "so it always renders empty")
            effect = (f"no caller can set it ({_refusals(refusing) if refusing else 'no route renders the template'}), "
                      f"{never}")
        yield Finding(
            span=template.span(tag.start, tag.end),
            message=(
                f"`params.{name}` is used as {usage} but {endpoint.unit_path} declares no request field "
                f"`{name}`: {effect}; declare `{name}` with a validator or fix the name"
            ),
            level=level,
            logical_location=f"params.{name}",
            identity=endpoint.unit_path,
            properties={"routes": [r.describe() for r in accepting]},
        )


def _refusals(refusing: list[Route]) -> str:
    """Why each route refuses undeclared parameters (flAPI 26.10.2, verified on the binary)."""
    reasons = []
    for route in refusing:
        if route.kind == "mcp":
            reasons.append(f"{route.describe()} refuses undeclared arguments")
        elif route.method == "GET":
            reasons.append(f"{route.describe()} refuses them under `request-fields-validation: true`")
        else:
            reasons.append(f"{route.describe()} refuses them while `operation.validate-before-write` is true, "
                           "its default")
    return "; ".join(reasons)


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
        "A template reads `params.x` that the endpoint file does not declare. Whether a caller can set it "
        "depends on the route (flAPI 26.10.2, verified on the binary): REST GET passes every undeclared "
        "query parameter to the template unvalidated unless the file sets `request-fields-validation: true`; "
        "REST POST/PUT/PATCH refuse undeclared parameters while `operation.validate-before-write` is true "
        "(the default) and pass them when it is false; MCP `tools/call` always refuses undeclared arguments "
        "(only `limit`, `offset` and `__auth_*` pass). Where some route passes it, the finding is a warning "
        "and names that route. Where none does, the value is never set: the finding is only a note (a typo "
        "or a leftover: a section on it never renders, so the filter it guards is silently off), and the "
        "injection rules report nothing for it, because no caller can reach it."
    ),
    why=(
        "Undeclared parameters skip every validator and flAPI's keyword filter on the routes that pass them; "
        "elsewhere a misspelled section name silently turns a filter off."
    ),
    fix="Declare the field under `request` with a validator (or correct the name).",
    bad=Example(
        project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }} AND region = '{{ params.region }}'\n")
    ),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/20.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py"
        "::test_undeclared_param_reaches_rest_get_template, "
        "tests/conformance/test_endpoint_behaviour.py::test_mcp_call_rejects_undeclared_argument, "
        "tests/conformance/test_proof_replay.py::test_routes_and_undeclared_parameters)"
    ),
)
