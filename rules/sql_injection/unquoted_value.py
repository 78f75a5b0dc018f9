"""SQLI002: a caller's value in an unquoted position (an expression, an IN list, LIMIT)."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Context, Control, Verdict, assess
from mcplint.rules.sql_injection._common import finding, standard_message
from mcplint.rules.sql_injection._examples import ID_INT, STATUS_FREE, project

CONTEXTS = (Context.VALUE, Context.IN_LIST, Context.LIMIT)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.verdict is Verdict.UNSAFE and a.proof and a.context in CONTEXTS and a.control is not Control.PAGINATION:
            yield finding(a, endpoint, standard_message(a, endpoint))


RULE = Rule(
    id="SQLI002",
    name="value-in-unquoted-position",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=9.1,
    precision="high",
    cwe=(89,),
    short_description="A caller's value is substituted into an unquoted SQL position.",
    full_description=(
        "An interpolation that flAPI does not bind (it is in a section, triple-braced, or its field has no "
        "typed validator) stands where SQL expects an expression, a list item or a number, and its "
        "validation admits more than numbers. HTML-escaping of `{{ }}` changes nothing here: `1 OR TRUE` "
        "has nothing to escape. The finding carries a proof payload and its effect on the parsed statement."
        " Verified on flAPI 26.10.2: the proof is sent through the finding's route and replayed on the binary"
        ' (tests/conformance/test_proof_replay.py).'
    ),
    why="The caller writes SQL: extra predicates that return every row, subqueries that read other tables.",
    fix=(
        "Let flAPI bind it (double braces, exactly `params.<name>`, outside any section, a typed validator), "
        "or validate it as `int`, `enum`, `date` or `uuid`. Note that `{{#params.id}} AND id = {{ params.id }} "
        "{{/params.id}}` is not bound because of the section: keep the `int` validator in that pattern."
    ),
    bad=Example(project(STATUS_FREE, "SELECT * FROM orders WHERE 1 = 1\n"
                                     "{{#params.status}} AND status_code = {{ params.status }} {{/params.status}}\n")),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_proof_replay.py::test_every_proven_finding_replays, "
        "tests/conformance/test_endpoint_behaviour.py::test_double_brace_inside_section_is_textual)"
    ),
)
