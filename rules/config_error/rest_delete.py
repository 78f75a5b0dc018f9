"""CFG202: a REST endpoint with `method: DELETE`, whose SQL flAPI never runs."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target

_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def _files(method: str) -> dict[str, str]:
    return {
        "flapi.yaml": _MAIN,
        "sqls/delete-order.yaml": (
            f"url-path: /orders/delete\nmethod: {method}\ntemplate-source: delete-order.sql\n"
            "request:\n  - field-name: id\n    required: true\n    validators: [{type: int}]\n"
        ),
        "sqls/delete-order.sql": "DELETE FROM orders WHERE id = {{ params.id }}\n",
    }


def check(endpoint: Endpoint) -> Iterator[Finding]:
    if not endpoint.is_rest or endpoint.method != "DELETE":
        return
    node = endpoint.mapping.get_scalar("method")
    if node is None:
        return
    yield Finding(
        span=node.span,
        message=(
            f"REST `method: DELETE` on {endpoint.url_path.text if endpoint.url_path else endpoint.unit_path}: flAPI "
            "never runs the template for a REST DELETE, so this endpoint does nothing (or something else than "
            "intended); use `method: POST` with `operation.type: write`"
        ),
        logical_location="method",
    )


RULE = Rule(
    id="CFG202",
    name="rest-delete-never-runs",
    category="config-error",
    level=Level.WARNING,
    security_severity=3.0,
    precision="very-high",
    cwe=(),
    short_description="A REST endpoint uses `method: DELETE`, for which flAPI never runs the SQL.",
    full_description="flAPI accepts `method: DELETE` on a REST endpoint but does not execute its template.",
    why="The delete a client believes it performed never happens; workarounds tend to move the logic somewhere unsafe.",
    fix="Use `method: POST` (or PUT) with `operation.type: write` for deleting writes.",
    bad=Example(_files("DELETE")),
    good=Example(_files("POST")),
    target=Target.ENDPOINT,
    check=check,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_rest_delete_method_is_not_served)"
    ),
)
