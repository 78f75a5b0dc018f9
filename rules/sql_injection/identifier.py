"""SQLI003: a caller's value used as a name: a column, a table, an ORDER BY term."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Control, Verdict, assess
from mcplint.rules.sql_injection._common import finding, standard_message
from mcplint.rules.sql_injection._examples import project

CONTEXTS = (Context.IDENTIFIER, Context.ORDER_BY, Context.TABLE)
SORT_FREE = "  - field-name: sort\n    field-in: query\n"
SORT_ENUM = (
    "  - field-name: sort\n    field-in: query\n    validators:\n"
    "      - type: enum\n        allowedValues: [created_at, total]\n"
)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.verdict is Verdict.UNSAFE and a.proof and a.context in CONTEXTS and a.control is not Control.PAGINATION:
            yield finding(a, endpoint, standard_message(a, endpoint))


RULE = Rule(
    id="SQLI003",
    name="caller-controlled-identifier",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=8.6,
    precision="high",
    cwe=(89,),
    short_description="A caller's value is used as a column, table or ORDER BY term.",
    full_description=(
        "An interpolation stands where SQL expects a name (a selected column, a table, an ORDER BY term). "
        "Names cannot be bound as parameters, so only an `enum` (or a regex of plain name characters) "
        "makes this safe; here the value may hold an expression or a subquery."
        ' Verified on flAPI 26.10.2: the proof (a FROM-first subquery such as `(FROM no_such_table)`, which '
        "passes flAPI's keyword filter where `SELECT` does not) is replayed on the binary."
    ),
    why="`ORDER BY (SELECT …)` or a subquery in place of a column reads data the endpoint never meant to expose.",
    fix="Validate the value with an `enum` listing the allowed names.",
    bad=Example(project(SORT_FREE, "SELECT id, total FROM orders ORDER BY {{{ params.sort }}}\n")),
    good=Example(project(SORT_ENUM, "SELECT id, total FROM orders ORDER BY {{{ params.sort }}}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_proof_replay.py::test_every_proven_finding_replays)"
    ),
)
