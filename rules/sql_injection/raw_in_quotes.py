"""SQLI001: a caller's value inserted raw between quotes, where a quote ends the string."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Control, Verdict, assess
from mcplint.rules.sql_injection._common import finding, standard_message
from mcplint.rules.sql_injection._examples import STATUS_ENUM, STATUS_FREE, project

CONTEXTS = (Context.STRING, Context.LIKE_PATTERN, Context.QUOTED_IDENTIFIER)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.verdict is Verdict.UNSAFE and a.proof and a.context in CONTEXTS and a.control is not Control.PAGINATION:
            yield finding(a, endpoint, standard_message(a, endpoint))


RULE = Rule(
    id="SQLI001",
    name="raw-value-in-quoted-string",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=9.1,
    precision="high",
    cwe=(89,),
    short_description="A caller's value is inserted raw into a quoted SQL string and can close it.",
    full_description=(
        "A `{{{ }}}` or `{{& }}` interpolation sits inside a SQL string literal (or a double-quoted "
        "identifier), and nothing stops the value from containing the closing quote: no bound "
        "parameter, no strict validator, no regex that excludes the quote. The finding carries a proof: "
        "a payload rendered as flAPI renders it and the change it makes to the parsed statement."
        " Verified on flAPI 26.10.2 (tests/conformance/test_proof_replay.py replays every proof on it): `' OR"
        " TRUE OR '` and `zz' OR 'a'<'b` pass its keyword filter and return every row; `'OR'a` and `x' OR 't`"
        ' do not pass.'
    ),
    why=(
        "flAPI's Mustache does no SQL escaping. A value such as `' OR TRUE OR '` closes the string and "
        "adds conditions, subqueries or statements; the `preventSqlInjection` keyword heuristic lets "
        "such payloads through."
    ),
    fix=(
        "Prefer a bound parameter: `status = {{ params.status }}` (double braces, exactly `params.<name>`, "
        "outside sections, a typed validator, no quotes). Otherwise restrict the value with an `enum` or "
        "a `regex` that admits no quote."
    ),
    bad=Example(project(STATUS_FREE, "SELECT * FROM orders WHERE status = '{{{ params.status }}}'\n")),
    good=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = '{{{ params.status }}}'\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_proof_replay.py::test_every_proven_finding_replays, "
        "tests/conformance/test_endpoint_behaviour.py::test_prevent_sql_injection_filter)"
    ),
)
