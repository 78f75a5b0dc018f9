"""Bounds that keep hostile templates linear: proofs per endpoint, template errors, deep nesting.

The bounds must never drop a finding: an interpolation beyond the proof
bounds is still reported (as unproven, saying why), and a template with more
errors than are listed one by one still says how many there are (deep
nesting: tests/test_mustache.py).
"""

from __future__ import annotations

from conftest import run_lint, write_tree
from mcplint.loaders.mustache import MAX_ERRORS, parse_mustache
from mcplint.model import injection

ENDPOINT = (
    "url-path: /t/\ntemplate-source: t.sql\n"
    "request:\n  - field-name: a\n    field-in: query\n"
)


def _lint_template(tmp_path, sql: str):  # type: ignore[no-untyped-def]
    write_tree(tmp_path, {"sqls/t.yaml": ENDPOINT, "sqls/t.sql": sql})
    return run_lint(tmp_path, select=["sql-injection"])


def _by_column(run) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Rule id of each finding in the template, by its start column (one line)."""
    out: dict[int, str] = {}
    for result in run.report.results:
        if result.span.path == "sqls/t.sql":
            assert result.span.start_col not in out
            out[result.span.start_col] = result.rule.id
    return out


def _columns(sql: str, tag: str) -> list[int]:
    columns, start = [], sql.find(tag)
    while start >= 0:
        columns.append(start + 1)
        start = sql.find(tag, start + 1)
    return columns


def test_values_beyond_the_proof_count_are_reported_unproven(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(injection, "MAX_PROOFS", 5)
    tag = "{{{ params.a }}}"
    sql = "SELECT id FROM t WHERE " + " OR ".join(f"y = '{tag}'" for _ in range(8)) + "\n"
    run = _lint_template(tmp_path, sql)
    columns = _columns(sql, tag)
    found = _by_column(run)
    assert sorted(found) == columns  # every interpolation has exactly one finding
    assert [found[c] for c in columns] == ["SQLI001"] * 5 + ["SQLI020"] * 3
    unproven = [r for r in run.report.results if r.rule.id == "SQLI020"]
    assert all("at most 5 unsafe values per endpoint" in r.message for r in unproven)
    assert all(r.finding.properties["proven"] is False for r in unproven)


def test_values_beyond_the_parsed_characters_are_reported_unproven(tmp_path, monkeypatch) -> None:
    tag = "{{{ params.a }}}"
    sql = "SELECT id FROM t WHERE " + " OR ".join(f"y = '{tag}'" for _ in range(6)) + "\n"
    # An attacked rendering: the target's payload in place, `abc` for the other five values.
    attacked = len(sql) - 6 * len(tag) + 5 * len("abc") + len("' OR TRUE OR '")
    budget = 2 * attacked + attacked // 2  # room for two proofs, not three
    monkeypatch.setattr(injection, "MAX_PROOF_CHARS", budget)
    monkeypatch.setattr(injection, "PROOF_TEMPLATE_FACTOR", 0)
    run = _lint_template(tmp_path, sql)
    found = _by_column(run)
    columns = _columns(sql, tag)
    assert sorted(found) == columns
    assert [found[c] for c in columns] == ["SQLI001"] * 2 + ["SQLI020"] * 4
    unproven = [r for r in run.report.results if r.rule.id == "SQLI020"]
    assert all(f"{budget:,} characters of rendered SQL (plus 0 times" in r.message for r in unproven)


def test_a_long_template_still_gets_its_proof(tmp_path) -> None:
    """Bigger than the fixed character bound: the template's own length is added to it."""
    padding = "x" * (injection.MAX_PROOF_CHARS + 1_000)
    sql = f"SELECT id FROM t WHERE note = '{padding}' AND y = '{{{{{{ params.a }}}}}}'\n"
    found = _by_column(_lint_template(tmp_path, sql))
    assert found == {sql.index("{{{") + 1: "SQLI001"}


def test_a_realistic_template_is_far_inside_the_proof_bounds(tmp_path) -> None:
    """Forty unsafe values in one statement: every one is proven with the default bounds."""
    tag = "{{{ params.a }}}"
    sql = "SELECT id FROM t WHERE " + " OR ".join(f"c{i} = '{tag}'" for i in range(40)) + "\n"
    found = _by_column(_lint_template(tmp_path, sql))
    assert sorted(found.values()) == ["SQLI001"] * 40


def test_a_value_that_no_payload_changes_is_not_blamed_on_the_bounds(tmp_path) -> None:
    """A failed proof inside the bounds keeps the ordinary unproven wording."""
    budget = injection.ProofBudget(proofs=1, chars=10_000)
    assert budget.start_proof() and not budget.cut_short
    assert budget.spend("x" * 10_000) and not budget.cut_short
    assert not budget.spend("x") and budget.cut_short
    assert not budget.start_proof() and budget.cut_short


def test_the_benign_rendering_is_parsed_once_per_scenario(tmp_path, sql_parses) -> None:
    """Proofs share the benign parse; only attacked renderings are parsed per value."""
    parsed = sql_parses
    tag = "{{{ params.a }}}"
    sql = "SELECT id FROM t WHERE " + " OR ".join(f"y = '{tag}'" for _ in range(10)) + "\n"
    _lint_template(tmp_path, sql)
    attacked = [text for text in parsed if "OR TRUE OR" in text]
    assert len(attacked) == 10  # the first payload proves each value
    assert len(parsed) == len(set(parsed))  # nothing parsed twice, the benign text at most once


# ------------------------------------------------------------------ Mustache bounds


def test_template_errors_beyond_the_cap_are_counted_in_one_error() -> None:
    text = "SELECT 1 " + "{{/a}}" * (MAX_ERRORS + 30)
    errors = parse_mustache(text).errors
    assert len(errors) == MAX_ERRORS + 1
    summary = errors[-1]
    assert summary.message.startswith(f"30 more template errors after the first {MAX_ERRORS}")
    first_left_out = len("SELECT 1 ") + MAX_ERRORS * len("{{/a}}")
    assert (summary.start, summary.end) == (first_left_out, first_left_out + len("{{/a}}"))
    assert [e.start for e in errors[:3]] == [9, 15, 21]  # the reported ones keep their exact positions


def test_exactly_the_cap_has_no_summary() -> None:
    errors = parse_mustache("{{/a}}" * MAX_ERRORS).errors
    assert len(errors) == MAX_ERRORS
    assert not any("more template error" in e.message for e in errors)


def test_one_error_beyond_the_cap_is_singular() -> None:
    errors = parse_mustache("{{/a}}" * (MAX_ERRORS + 1)).errors
    assert errors[-1].message.startswith(f"1 more template error after the first {MAX_ERRORS}")


def test_closing_an_outer_section_reports_the_inner_ones_left_open() -> None:
    text = "{{#a}}{{#b}}{{#c}}x{{/a}}"
    errors = parse_mustache(text).errors
    assert [(e.start, e.message) for e in errors] == [
        (12, "section `c` is never closed"),
        (6, "section `b` is never closed"),
    ]
