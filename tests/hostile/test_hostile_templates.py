"""Hostile SQL templates: 100,000 Mustache sections, SQL that makes sqlglot slow, many interpolations.

A template is parsed by the Mustache tokenizer, rendered in several scenarios
and parsed by sqlglot for every interpolation's context and proof. Each of
those steps must stay bounded for any file under the size bound: the run
finishes within its budget and memory limit, reports the template (a finding
or a CFG201/CFG004 diagnostic), and still reports the ordinary template beside it.
"""

from __future__ import annotations

import pytest

from _make import Case, Expect, endpoint, runner_fixture, sql_template

TEMPLATE = "sqls/t.sql"
ANALYSED = {"SQLI001", "SQLI020", "CFG201", "CFG004"}  # judged, or reported as not analysable


def template_case(name: str, sql: str, budget: float = 10, exact: frozenset = frozenset()) -> Case:
    return Case(name, {"sqls/t.yaml": endpoint(), TEMPLATE: sql}, Expect({TEMPLATE: ANALYSED}), budget, exact)


CASES = [
    # --- 100,000 sections
    template_case("sections-100k-flat-on-one-line", "SELECT 1 FROM t WHERE 1 = 1 " + "{{#a}}{{/a}}" * 100_000
                  + " AND y = '{{{ params.a }}}'\n"),
    template_case("sections-100k-nested", "SELECT 1 FROM t WHERE 1 = 1 " + "{{#a}}" * 100_000
                  + " AND y = '{{{ params.a }}}' " + "{{/a}}" * 100_000 + "\n"),
    template_case("sections-100k-unclosed", "SELECT 1 FROM t WHERE y = '{{{ params.a }}}' " + "{{#a}}" * 100_000 + "\n"),
    template_case("sections-30k-stray-closes", "SELECT 1 FROM t WHERE y = '{{{ params.a }}}' " + "{{/a}}" * 30_000 + "\n"),
    template_case("sections-20k-distinct-names", "SELECT 1 FROM t WHERE 1 = 1 "
                  + "".join(f"{{{{#s{i}}}}} AND c{i} = 1{{{{/s{i}}}}}" for i in range(20_000))
                  + " AND y = '{{{ params.a }}}'\n"),
    template_case("unclosed-tags-100k", "SELECT 1 FROM t WHERE y = '{{{ params.a }}}' " + "{{ x " * 100_000 + "\n"),
    template_case("delimiter-changes-50k", "SELECT 1 FROM t WHERE y = '{{{ params.a }}}' "
                  + "{{=<% %>=}}<%={{ }}=%>" * 50_000 + "\n"),
    # --- SQL that makes sqlglot slow
    template_case("sql-nested-parentheses-20k", sql_template("SELECT " + "(" * 20_000 + "1" + ")" * 20_000
                                                             + " AS v FROM t WHERE 1 = 1")),
    template_case("sql-in-list-60k", sql_template("SELECT id FROM t WHERE x IN ("
                                                   + ",".join(str(i) for i in range(60_000)) + ")")),
    template_case("sql-case-chain-15k", sql_template("SELECT CASE " + " ".join(f"WHEN x = {i} THEN {i}" for i in range(15_000))
                                                     + " END AS v FROM t WHERE 1 = 1")),
    template_case("sql-or-chain-20k", sql_template("SELECT id FROM t WHERE (" + " OR ".join(f"x = {i}" for i in range(20_000)) + ")")),
    template_case("sql-nested-case-3k", sql_template("SELECT " + "CASE WHEN a THEN " * 3_000 + "1" + " END" * 3_000
                                                     + " AS v FROM t WHERE 1 = 1")),
    template_case("sql-nested-subqueries-2k", sql_template("SELECT * FROM " + "(SELECT * FROM " * 2_000 + "t"
                                                           + ") s" * 2_000 + " WHERE 1 = 1")),
    template_case("sql-statements-20k", "SELECT 1;\n" * 20_000 + "SELECT id FROM t WHERE y = '{{{ params.a }}}'\n"),
    template_case("sql-unterminated-string", "SELECT id FROM t WHERE y = '{{{ params.a }}}' AND z = '" + "x" * 1_000_000 + "\n"),
    template_case("sql-unterminated-comment", "SELECT id FROM t WHERE y = '{{{ params.a }}}' /*" + " x" * 500_000 + "\n"),
    template_case("sql-dollar-quotes", "SELECT id FROM t WHERE y = '{{{ params.a }}}' AND z = " + "$$ x $$ || " * 50_000 + "1\n"),
    # --- many interpolations: each one is rendered and parsed for its context and proof
    template_case("interpolations-1k-raw", "SELECT id FROM t WHERE "
                  + " OR ".join("y = '{{{ params.a }}}'" for _ in range(1_000)) + "\n"),
    template_case("interpolations-20k-bound", "SELECT id FROM t WHERE y = '{{{ params.a }}}' AND ("
                  + " OR ".join("z = {{ params.a }}" for _ in range(20_000)) + ")\n"),
]


runner = runner_fixture(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_template(case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    runner.check(case)
