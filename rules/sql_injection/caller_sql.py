"""SQLI004: a whole condition, statement or comment-breaking value from the caller."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Control, Verdict, assess
from mcplint.rules.sql_injection._common import finding, standard_message
from mcplint.rules.sql_injection._examples import STATUS_ENUM, project

CONTEXTS = (Context.FRAGMENT, Context.STATEMENT, Context.COMMENT)
FILTER_FREE = "  - field-name: filter\n    field-in: query\n"


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.verdict is Verdict.UNSAFE and a.proof and a.context in CONTEXTS and a.control is not Control.PAGINATION:
            yield finding(a, endpoint, standard_message(a, endpoint))


RULE = Rule(
    id="SQLI004",
    name="caller-supplied-sql",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=9.8,
    precision="high",
    cwe=(89,),
    short_description="A caller's value is a whole SQL condition, statement or comment.",
    full_description=(
        "An interpolation forms a complete predicate (`WHERE {{{ params.filter }}}`, `AND {{{ params.f }}}`), "
        "a whole statement, or sits in a SQL comment it can end with a line break. Whatever the caller sends "
        "becomes SQL."
        " Verified on flAPI 26.10.2: the proof is sent through the finding's route and replayed on the binary."
    ),
    why="The endpoint or MCP tool executes arbitrary SQL for anyone who can call it.",
    fix="Never take SQL from the caller; model each option as its own validated field.",
    bad=Example(project(FILTER_FREE, "SELECT * FROM orders WHERE {{{ params.filter }}}\n")),
    good=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = '{{{ params.status }}}'\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_proof_replay.py::test_every_proven_finding_replays)"
    ),
)
