"""SQLI020: a value that may change the SQL, where mcplint could not prove that it does."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Control, Verdict, assess
from mcplint.rules.sql_injection._common import context_words, field_description, finding, fix, how
from mcplint.rules.sql_injection._examples import ID_INT, project

CODE_WORD = (
    "  - field-name: code\n    field-in: query\n    validators:\n      - type: string\n        regex: '^[a-z_]+$'\n"
)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.control is Control.PAGINATION or a.verdict is Verdict.SAFE:
            continue
        if a.verdict is Verdict.UNSAFE and a.proof is not None:
            continue  # proven: reported by the specific rule
        if a.lexical_guess:
            basis = ("no way of rendering the sections gave SQL that parses, so its position was guessed from the "
                     "quotes around it")
        elif a.verdict is Verdict.POSSIBLE:
            basis = "its validation stops obvious payloads but not this"
        elif a.unproven_because:
            basis = a.unproven_because
        else:
            basis = "no payload tried changed the parsed statement, so it is not proven"
        yield finding(
            a,
            endpoint,
            f"{field_description(a, endpoint)} is {how(a)} {context_words(a)}: a caller may {a.reason} "
            f"({basis}). Fix: {fix(a)}.",
        )


RULE = Rule(
    id="SQLI020",
    name="possible-sql-injection",
    category="sql-injection",
    level=Level.WARNING,
    security_severity=6.5,
    precision="medium",
    cwe=(89,),
    short_description="A caller's value may change the SQL, but mcplint could not prove it.",
    full_description=(
        "Candidates that the proven SQL-injection rules do not report: the value is only partly restricted "
        "(a regex of letters in an expression lets a caller name a column, `id = id`), no payload changed the "
        "parsed statement, or the template did not parse in any section combination, so the context was "
        "guessed. They are reported at lower precision, never dropped."
        " The proven rules' payloads are those flAPI 26.10.2's keyword filter lets through (checked on the "
        'binary); a candidate whose every payload the filter or a validator refuses lands here, unproven.'
    ),
    why="Partial restrictions still let a caller change which rows or tables a query touches.",
    fix="Bind the value, or validate it strictly (`int`, `enum`, `date`, `uuid`).",
    bad=Example(project(CODE_WORD, "SELECT * FROM orders WHERE 1 = 1 {{#params.code}} AND code = {{ params.code }} "
                                   "{{/params.code}}\n")),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
)
