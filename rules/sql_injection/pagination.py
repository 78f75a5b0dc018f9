"""SQLI005: ``params.limit`` / ``params.offset`` interpolated (always raw, unvalidated text)."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import Control, Verdict, assess
from mcplint.rules.sql_injection._common import context_words, finding, how, proof_sentence
from mcplint.rules.sql_injection._examples import ID_INT, project


def check(endpoint: Endpoint) -> Iterator[Finding]:
    for a in assess(endpoint):
        if a.control is not Control.PAGINATION or a.verdict is Verdict.SAFE:
            continue
        unproven = a.unproven_because or "no payload changed the parsed statement, so this is not proven"
        proven = proof_sentence(a) or f" ({unproven})"
        yield finding(
            a,
            endpoint,
            f"`{a.variable}` is {how(a)} {context_words(a)}: flAPI passes `limit` and `offset` to templates as raw, "
            f"unvalidated text (pagination reads them) unless a validator is declared for them.{proven} Fix: let flAPI "
            "paginate (`with-pagination`) or use a differently named `int`-validated field, bound outside sections.",
        )


RULE = Rule(
    id="SQLI005",
    name="pagination-value-interpolated",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=8.6,
    precision="high",
    cwe=(89,),
    short_description="`params.limit` or `params.offset` is interpolated into SQL.",
    full_description=(
        "flAPI reads `limit` and `offset` for its own pagination and passes them to the template as raw "
        "strings. Undeclared, or declared without validators, they are checked only by `std::stoll` (the text "
        "must start with a number) on REST and MCP alike, and an undeclared one by no keyword filter, so "
        "`1 + (FROM no_such_table)` runs a subquery. Declared with an `int` validator they are validated like "
        "any field (an earlier belief said otherwise) and are not reported. Verified on flAPI 26.10.2."
    ),
    why="A caller controls the text after LIMIT/OFFSET, where a subquery or a second statement fits.",
    fix=(
        "Let flAPI paginate (`with-pagination: true`), or name the field differently, validate it as `int` "
        "and bind it."
    ),
    bad=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }} LIMIT {{ params.limit }}\n")),
    good=Example(project(ID_INT, "SELECT * FROM orders WHERE id = {{ params.id }} LIMIT 100\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/89.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py"
        "::test_rest_limit_reaches_template_raw_offset_must_be_numeric, "
        "tests/conformance/test_endpoint_behaviour.py::test_mcp_limit_reaches_template_raw, "
        "tests/conformance/test_proof_replay.py::test_every_proven_finding_replays)"
    ),
)
