"""SQLI008: a bound parameter inside quotes, which flAPI renders as the literal ``'?'``."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Control, assess
from mcplint.rules.sql_injection._common import finding
from mcplint.rules.sql_injection._examples import STATUS_ENUM, project

CONTEXTS = (Context.STRING, Context.LIKE_PATTERN, Context.QUOTED_IDENTIFIER, Context.EXECUTED_STRING)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.control is Control.BOUND and a.context in CONTEXTS:
            yield finding(
                a,
                endpoint,
                f"`{a.variable}` is a bound parameter (double braces, outside sections, typed validator), so flAPI "
                f"replaces it with `?` before rendering; inside {a.context.with_article} that `?` is just a question "
                "mark: the query compares against '?' and fails with a parameter-count error. Remove the quotes "
                "(`status = {{ params.status }}`); for LIKE write `LIKE '%' || {{ params.x }} || '%'`.",
            )


RULE = Rule(
    id="SQLI008",
    name="bound-parameter-in-quotes",
    category="sql-injection",
    level=Level.WARNING,
    security_severity=3.0,
    precision="very-high",
    cwe=(1286,),
    short_description="A bound parameter is written inside quotes, where flAPI turns it into a literal '?'.",
    full_description=(
        "flAPI turns a double-brace `params.<name>` at section depth 0 with a typed validator into a prepared "
        "statement parameter by replacing it with `?` before rendering. Written as `'{{ params.x }}'`, the "
        "result is the string `'?'`, not a parameter. Read from flAPI's source (mid 2026), not yet "
        "checked on the flAPI 26.10.2 binary."
    ),
    why=(
        "The endpoint breaks (wrong results, a parameter-count error), and the usual 'fix' is to switch to "
        "triple braces, which opens a real injection."
    ),
    fix="Drop the quotes around the bound value; build LIKE patterns with `||`.",
    bad=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = '{{ params.status }}'\n")),
    good=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = {{ params.status }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/1286.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_quoted_bound_param_fails_to_bind)"
    ),
)
