"""SQLI007: a caller's value inside a string that a function executes as SQL."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Verdict, assess
from mcplint.rules.sql_injection._common import finding, standard_message
from mcplint.rules.sql_injection._examples import ID_INT, STATUS_FREE, project


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.verdict is Verdict.UNSAFE and a.proof and a.context is Context.EXECUTED_STRING:
            yield finding(a, endpoint, standard_message(a, endpoint))


RULE = Rule(
    id="SQLI007",
    name="value-in-executed-sql-string",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=9.1,
    precision="high",
    cwe=(89,),
    short_description="A caller's value is part of a SQL string that a function executes.",
    full_description=(
        "The interpolation is inside a string argument of `query()`, `query_table()` or a call into "
        "another engine (`postgres_query`, `postgres_execute`, `mysql_query`, `bigquery_query`, …). The "
        "string is SQL itself, so there are two layers: HTML-escaping of `{{ }}` may protect the outer "
        "quotes, but an unquoted position inside the executed SQL needs no quote at all."
        " Verified on flAPI 26.10.2 with DuckDB's `query()` (tests/conformance/test_proof_replay.py); calls "
        'into other engines are judged the same way but need that engine to replay.'
    ),
    why="The caller writes SQL that DuckDB or the attached database executes, e.g. on the remote Postgres.",
    fix="Keep request values out of executed SQL text, or restrict them with `int`/`enum` validators.",
    bad=Example(project(STATUS_FREE, "SELECT * FROM query('SELECT * FROM orders WHERE id = {{ params.status }}')\n")),
    good=Example(project(ID_INT, "SELECT * FROM query('SELECT * FROM orders WHERE id = {{ params.id }}')\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_proof_replay.py::test_every_proven_finding_replays)"
    ),
)
