"""Property tests: every injection claimed as proven really changes the parsed statement.

Hypothesis builds templates from SQL contexts, interpolation forms, sections
and validators (including random character-class regexes). For each finding
with a proof, the test checks — with its own code, not the proof engine's —
that the payload is a value the field's validators accept, that both the
benign and the attacked SQL parse, that the attacked SQL really holds the
payload as flAPI would render it, and that the statements differ in
structure. It also checks that nothing crashes and output is deterministic.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from mcplint.model.injection import assess
from mcplint.model.template_analysis import html_escape

from conftest import run_lint, write_tree

SNIPPETS = [
    "a = '{X}'",
    "a LIKE '%{X}%'",
    "a = {X}",
    "a IN ({X})",
    "{X}",
    "a = 1 OR {X}",
    "b = (SELECT max(c) FROM u WHERE d = {X})",
    "a = (SELECT 1 FROM query('SELECT 1 WHERE z = {X}'))",
]
TAILS = ["", " ORDER BY {X}", " LIMIT {X}", " ORDER BY a {X}"]
FORMS = ["{{{{ {v} }}}}", "{{{{{{ {v} }}}}}}", "{{{{& {v} }}}}"]
CLASSES = ["a-z", "A-Z", "0-9", " ", "'", "_", ",", "()", "=", ";", "-"]

validators = st.one_of(
    st.just(""),
    st.just("      - type: int\n"),
    st.just("      - type: string\n        max: 30\n"),
    st.lists(st.sampled_from(CLASSES), min_size=1, max_size=4, unique=True).map(
        # "-" goes last in the class so that it is a literal, not a range
        lambda parts: "      - type: string\n        regex: \"^["
        + "".join(sorted(parts, key=lambda p: p == "-")) + "]{1,40}$\"\n"
    ),
    st.lists(st.sampled_from(["open", "a_b", "1 OR TRUE", "x' OR TRUE OR 'y", "2"]), min_size=1, max_size=3,
             unique=True).map(lambda values: "      - type: enum\n        allowedValues: ["
                              + ", ".join(f'"{v}"' for v in values) + "]\n"),
)


@st.composite
def projects(draw):  # type: ignore[no-untyped-def]
    where = draw(st.sampled_from(SNIPPETS))
    tail = draw(st.sampled_from(TAILS))
    names = ["v", "w"]
    parts = []
    for i, piece in enumerate((where, tail)):
        if "{X}" not in piece:
            parts.append(piece)
            continue
        form = draw(st.sampled_from(FORMS)).format(v=f"params.{names[i]}")
        if draw(st.booleans()):
            form = f"{{{{#params.{names[i]}}}}}" + form + f"{{{{/params.{names[i]}}}}}"
        parts.append(piece.replace("{X}", form))
    sql = f"SELECT a FROM t WHERE {parts[0]}{parts[1]}\n"
    request = "request:\n"
    for name in names:
        spec = draw(validators)
        request += f"  - field-name: {name}\n    field-in: query\n" + (f"    validators:\n{spec}" if spec else "")
    return {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/e.yaml": f"url-path: /e/\ntemplate-source: e.sql\n{request}",
        "sqls/e.sql": sql,
    }


def _structure(sql: str) -> tuple[int, Counter]:
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    leaves = (exp.Literal, exp.Column, exp.Identifier, exp.Boolean, exp.Null, exp.Placeholder, exp.Var)
    counts: Counter = Counter()
    for statement in statements:
        for node in statement.walk():
            if not isinstance(node, leaves):
                counts[type(node).__name__] += 1
            if isinstance(node, exp.Literal) and node.is_string and isinstance(node.parent, exp.Func) \
                    and "query" in node.parent.sql_name().lower() + str(node.parent.this).lower():
                inner = sqlglot.parse(node.this, read="duckdb")
                counts.update(f"inner:{type(n).__name__}" for s in inner if s for n in s.walk()
                              if not isinstance(n, leaves))
    return len(statements), counts


def _accepts(field, value: str) -> bool:  # type: ignore[no-untyped-def]
    for validator in field.validators:
        kind = (validator.type or "").strip()
        if kind == "enum":
            return value in (validator.allowed_values or [])
        if kind == "int":
            return re.fullmatch(r"-?\d+", value) is not None
        if kind == "string":
            if validator.max is not None and len(value) > int(validator.max.text):
                return False
            if validator.regex is not None and re.fullmatch(validator.regex.text, value) is None:
                return False
    return True


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=projects())
def test_every_proven_finding_changes_the_statement(files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp), files)
        run = run_lint(root, select=["sql-injection"])
        (endpoint,) = run.model.endpoints()
        for assessment in assess(endpoint):
            proof = assessment.proof
            if proof is None:
                continue
            if assessment.field is not None:
                assert _accepts(assessment.field, proof.payload), (proof.payload, files["sqls/e.yaml"])
            rendered = proof.payload if assessment.raw else html_escape(proof.payload)
            assert rendered in proof.attacked_sql
            benign_count, benign = _structure(proof.benign_sql)
            attacked_count, attacked = _structure(proof.attacked_sql)
            assert (benign_count, benign) != (attacked_count, attacked), (proof, files["sqls/e.sql"])
        proven = {r.rule.id for r in run.report.results if r.finding.properties.get("proven")}
        assert "SQLI020" not in proven


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=projects())
def test_same_input_same_findings(files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp), files)
        first = [(r.rule.id, r.span, r.message) for r in run_lint(root).report.results]
        second = [(r.rule.id, r.span, r.message) for r in run_lint(root).report.results]
        assert first == second
