"""SQL injection: every context × form × validator combination that matters, with the rules expected.

Each row is one template with one interpolation of ``params.v`` (or another
variable), rendered the way flAPI renders it. The expected rule ids are
written by hand from flapi-semantics.md §4–§5 — including the negatives naive
linters get wrong: enum and quote-free regex in quotes, bound depth-0
parameters, ``conn.*``, int-validated values in sections, HTML-escaped
double braces inside quotes.
"""

from __future__ import annotations

import pytest

from conftest import run_lint, write_tree

CONTEXTS = {
    "string": "SELECT * FROM t WHERE a = '{X}'",
    "like": "SELECT * FROM t WHERE a LIKE '%{X}%'",
    "quoted_ident": 'SELECT "{X}" FROM t',
    "value": "SELECT * FROM t WHERE a = {X}",
    "select_list": "SELECT {X} FROM t",
    "in_list": "SELECT * FROM t WHERE a IN ({X})",
    "limit": "SELECT * FROM t LIMIT {X}",
    "order_by": "SELECT * FROM t ORDER BY {X}",
    "order_dir": "SELECT * FROM t ORDER BY created_at {X}",
    "table": "SELECT * FROM {X}",
    "where": "SELECT * FROM t WHERE {X}",
    "and": "SELECT * FROM t WHERE a = 1 AND {X}",
    "statement": "{X}",
    "comment": "SELECT a -- note {X}\nFROM t",
    "executed": "SELECT * FROM query('SELECT * FROM t WHERE a = {X}')",
    "executed_quoted": "SELECT * FROM query('SELECT * FROM t WHERE a = ''{X}''')",
    "remote": "SELECT * FROM postgres_query('pg', 'SELECT * FROM t WHERE a = {X}')",
}
FORMS = {
    "double": "{{{{ {var} }}}}",
    "triple": "{{{{{{ {var} }}}}}}",
    "amp": "{{{{& {var} }}}}",
    "section_double": "{{{{#{var}}}}}{{{{ {var} }}}}{{{{/{var}}}}}",
    "section_triple": "{{{{#{var}}}}}{{{{{{ {var} }}}}}}{{{{/{var}}}}}",
}
VALIDATORS = {
    "none": "",
    "string_len": "      - type: string\n        min: 1\n        max: 64\n",
    "prevent_only": "      - type: string\n        preventSqlInjection: true\n",
    "regex_letters_space": "      - type: string\n        regex: '^[A-Za-z ]{1,40}$'\n",
    "regex_quote": "      - type: string\n        regex: \"^[A-Za-z' ]{1,40}$\"\n",
    "regex_word": "      - type: string\n        regex: '^[a-z_]{1,30}$'\n",
    "regex_digits": "      - type: string\n        regex: '^[0-9]{1,9}$'\n",
    "regex_digits_commas": "      - type: string\n        regex: '^[0-9,]{1,60}$'\n",
    "int": "      - type: int\n        min: 1\n",
    "enum_safe": "      - type: enum\n        allowedValues: [open, closed]\n",
    "enum_evil": "      - type: enum\n        allowedValues: [open, \"zz' OR 'a'<'b\", \"1 OR TRUE\"]\n",
    # flAPI's keyword filter refuses this allowed value (a quote with ` OR` next to it): no proof
    "enum_refused": "      - type: enum\n        allowedValues: [open, \"x' OR TRUE OR 'y\"]\n",
    "date": "      - type: date\n",
    "uuid": "      - type: uuid\n",
}

# (context, form, validator, expected rule ids); validator None = field not declared.
ROWS = [
    # --- inside a string literal: only a raw value with a quote breaks out
    ("string", "double", "none", set()),
    ("string", "triple", "none", {"SQLI001"}),
    ("string", "amp", "none", {"SQLI001"}),
    ("string", "triple", "string_len", {"SQLI001"}),
    ("string", "triple", "prevent_only", {"SQLI001"}),
    ("string", "triple", "regex_letters_space", set()),
    ("string", "triple", "regex_quote", {"SQLI001"}),
    ("string", "triple", "int", set()),
    ("string", "triple", "enum_safe", set()),
    ("string", "triple", "enum_evil", {"SQLI001"}),
    ("string", "triple", "enum_refused", {"SQLI020"}),
    ("string", "triple", "date", set()),
    ("string", "double", "int", {"SQLI008"}),  # bound: flAPI renders '?'
    ("string", "double", "string_len", {"SQLI008"}),
    ("string", "section_double", "none", set()),
    ("string", "section_triple", "none", {"SQLI001"}),
    ("string", "section_double", "int", set()),
    ("string", "triple", None, {"SQLI001", "SQLI006"}),
    ("string", "double", None, {"SQLI006"}),
    ("like", "triple", "none", {"SQLI001"}),
    ("like", "double", "none", set()),
    ("like", "double", "enum_safe", {"SQLI008"}),
    ("like", "triple", "regex_letters_space", set()),
    ("quoted_ident", "triple", "none", {"SQLI001"}),
    ("quoted_ident", "double", "none", set()),
    ("quoted_ident", "triple", "regex_word", set()),
    # --- unquoted positions: HTML-escaping does not help
    ("value", "double", "none", {"SQLI002"}),
    ("value", "triple", "none", {"SQLI002"}),
    ("value", "amp", "none", {"SQLI002"}),
    ("value", "double", "int", set()),  # bound
    ("value", "double", "string_len", set()),  # bound: a string validator is typed
    ("value", "section_double", "int", set()),  # not bound, but int is strict
    ("value", "section_double", "string_len", {"SQLI002"}),
    ("value", "section_double", "prevent_only", {"SQLI002"}),
    ("value", "triple", "regex_digits", set()),
    ("value", "triple", "regex_word", {"SQLI020"}),  # can name a column: `a = a`
    ("value", "triple", "regex_letters_space", {"SQLI002"}),  # `a OR TRUE`
    ("value", "triple", "enum_safe", set()),
    ("value", "triple", "enum_evil", {"SQLI002"}),
    ("value", "section_double", "uuid", set()),
    ("value", "double", None, {"SQLI002", "SQLI006"}),
    ("select_list", "triple", "none", {"SQLI002"}),
    ("select_list", "triple", "regex_digits", set()),
    ("in_list", "triple", "none", {"SQLI002"}),
    ("in_list", "double", "none", {"SQLI002"}),
    ("in_list", "triple", "regex_digits_commas", set()),
    ("limit", "double", "none", {"SQLI002"}),
    ("limit", "double", "int", set()),
    ("limit", "section_double", "int", set()),
    # --- names
    ("order_by", "triple", "none", {"SQLI003"}),
    ("order_by", "double", "none", {"SQLI003"}),
    ("order_by", "triple", "enum_safe", set()),
    ("order_by", "double", "regex_word", set()),
    ("order_dir", "triple", "none", {"SQLI003"}),
    ("order_dir", "triple", "enum_safe", set()),
    ("table", "triple", "none", {"SQLI003"}),
    ("table", "triple", "regex_word", {"SQLI020"}),  # another table is still possible
    ("table", "triple", "enum_safe", set()),
    # --- the caller writes SQL
    ("where", "triple", "none", {"SQLI004"}),
    ("where", "double", "none", {"SQLI004"}),
    ("where", "triple", "regex_word", {"SQLI020"}),
    ("and", "section_triple", "none", {"SQLI004"}),
    ("statement", "triple", "none", {"SQLI004"}),
    ("comment", "double", "none", {"SQLI004"}),  # a line break ends the comment
    ("comment", "triple", "regex_letters_space", set()),
    # --- strings executed as SQL (two layers)
    ("executed", "double", "none", {"SQLI007"}),  # no quote needed inside
    ("executed", "triple", "regex_digits", set()),
    ("executed", "double", "int", {"SQLI008"}),  # bound inside quotes
    ("executed", "section_double", "int", set()),
    ("executed_quoted", "triple", "none", {"SQLI007"}),
    ("executed_quoted", "double", "none", set()),  # escaping protects both layers
    ("remote", "double", "none", {"SQLI007"}),
]


def _project(context: str, form: str, validator: str | None, var: str = "params.v") -> dict[str, str]:
    tag = FORMS[form].format(var=var)
    sql = CONTEXTS[context].replace("{X}", tag) + "\n"
    request = "request:\n  - field-name: other\n    field-in: query\n"
    if validator is not None:
        request += "  - field-name: v\n    field-in: query\n"
        if VALIDATORS[validator]:
            request += "    validators:\n" + VALIDATORS[validator]
    return {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/e.yaml": f"url-path: /e/\ntemplate-source: e.sql\n{request}",
        "sqls/e.sql": sql,
    }


@pytest.mark.parametrize("context, form, validator, expected", ROWS,
                         ids=[f"{c}-{f}-{v}" for c, f, v, _ in ROWS])
def test_matrix(tmp_path, context, form, validator, expected) -> None:
    write_tree(tmp_path, _project(context, form, validator))
    run = run_lint(tmp_path, select=["sql-injection"])
    found = {r.rule.id for r in run.report.results}
    assert found == expected, [r.message for r in run.report.results]
    tag_line = CONTEXTS[context].split("{X}")[0].count("\n") + 1
    for result in run.report.results:
        assert (result.span.path, result.span.start_line) == ("sqls/e.sql", tag_line)


@pytest.mark.parametrize(
    "var, yaml_extra, expected",
    [
        ("conn.schema", "", set()),
        ("env.SCHEMA", "", set()),
        # flAPI 26.10.2 fills auth.* itself: a caller's `__auth_username` (query parameter or MCP argument)
        # does not reach it (tests/conformance/test_proof_replay.py)
        ("auth.username", "", set()),
        ("auth.username", "request-fields-validation: true\n", set()),
        ("cache.table", "", {"SQLI001"}),  # `?cacheTable=…` on the REST GET route
        ("cache.table", "request-fields-validation: true\n", set()),  # REST refuses it, MCP refuses it
    ],
)
def test_server_and_context_values(tmp_path, var, yaml_extra, expected) -> None:
    files = _project("string", "triple", "none", var=var)
    files["sqls/e.yaml"] += yaml_extra
    write_tree(tmp_path, files)
    found = {r.rule.id for r in run_lint(tmp_path, select=["sql-injection"]).report.results}
    assert found == expected


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_pagination_parameters_are_raw_unless_declared_with_validators(tmp_path, name) -> None:
    # Undeclared (or declared without validators), `limit`/`offset` reach the template as raw text
    # on every route; declared with an `int` validator, flAPI 26.10.2 validates them like any field
    # (`limit=(SELECT 1)` gets "Invalid integer value"), which an earlier belief denied.
    files = _project("limit", "double", "int")
    files["sqls/e.sql"] = f"SELECT * FROM t LIMIT 10 OFFSET {{{{ params.{name} }}}}\n"
    undeclared = dict(files, **{"sqls/e.yaml": files["sqls/e.yaml"].replace("field-name: v", "field-name: w")})
    write_tree(tmp_path / "a", undeclared)
    results = run_lint(tmp_path / "a", select=["sql-injection"]).report.results
    assert [r.rule.id for r in results] == ["SQLI005"]
    assert "raw, unvalidated text" in results[0].message
    assert results[0].finding.properties["payload"] == "1 + (FROM no_such_table)"  # starts with a number: stoll
    validated = dict(files, **{"sqls/e.yaml": files["sqls/e.yaml"].replace("field-name: v", f"field-name: {name}")})
    write_tree(tmp_path / "b", validated)
    assert run_lint(tmp_path / "b", select=["sql-injection"]).report.results == []


def test_message_names_field_endpoint_context_and_proof(tmp_path) -> None:
    write_tree(tmp_path, _project("string", "triple", "string_len"))
    (result,) = run_lint(tmp_path, select=["sql-injection"]).report.results
    assert result.message.startswith(
        "`params.v` (declared in sqls/e.yaml with a `string` validator without `regex` (`min`/`max` only limit the "
        "length)) is inserted raw by `{{{ }}}` into a string literal: a caller can close the string literal with a "
        "quote. Proven via REST GET /e/ with the query parameter `v=' OR TRUE OR '`: it passes the field's "
        "validators and flAPI's keyword filter, and rendered as flAPI renders it the value `' OR TRUE OR '` adds "
        "an OR predicate."
    )
    assert (result.span.start_col, result.span.end_col) == (28, 44)  # the `{{{ params.v }}}` tag
    props = result.finding.properties
    assert props["proven"] is True and props["payload"] == "' OR TRUE OR '" and props["change"] == "adds an OR predicate"
    assert props["route"] == "REST GET /e/" and props["parameter"] == "v" and props["benign"] == "abc"


def test_proof_uses_only_values_the_validator_accepts(tmp_path) -> None:
    write_tree(tmp_path, _project("value", "triple", "enum_evil"))
    (result,) = run_lint(tmp_path, select=["sql-injection"]).report.results
    assert result.finding.properties["payload"] == "1 OR TRUE"  # an allowed enum value, not a made-up payload


def test_unproven_candidates_are_reported_at_lower_precision(tmp_path) -> None:
    write_tree(tmp_path, _project("value", "triple", "regex_word"))
    (result,) = run_lint(tmp_path, select=["sql-injection"]).report.results
    assert result.rule.id == "SQLI020" and result.rule.precision == "medium"
    assert result.finding.properties["proven"] is False
    assert "payload" not in result.finding.properties


# Routes (flAPI 26.10.2, verified on the binary in tests/conformance/test_proof_replay.py): an undeclared
# parameter reaches the template through REST GET (unless request-fields-validation: true) and through a
# REST write only with `operation.validate-before-write: false`; MCP tools/call refuses it.
_UNDECLARED_SQL = "SELECT * FROM t WHERE name = '{{{ params.region }}}'\n"


@pytest.mark.parametrize(
    "head, injection, level",
    [
        ("mcp-tool:\n  name: t\n  description: Rows.\n", set(), "note"),
        ("url-path: /e/\nmcp-tool:\n  name: t\n  description: Rows.\n", {"SQLI001"}, "warning"),
        ("url-path: /e/\nrequest-fields-validation: true\nmcp-tool:\n  name: t\n  description: Rows.\n", set(), "note"),
        ("url-path: /e/\nmethod: POST\n", set(), "note"),
        ("url-path: /e/\nmethod: PUT\noperation:\n  validate-before-write: true\n", set(), "note"),
        ("url-path: /e/\nmethod: POST\noperation:\n  validate-before-write: false\n", {"SQLI001"}, "warning"),
        ("mcp-resource:\n  name: r\n  description: Rows.\n", set(), "note"),
    ],
    ids=["mcp-only", "rest-get-and-mcp", "rest-get-strict", "post-default", "put-validating", "post-open",
         "resource"],
)
def test_undeclared_parameter_by_route(tmp_path, head, injection, level) -> None:
    write_tree(tmp_path, {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/e.yaml": head + "template-source: e.sql\n",
        "sqls/e.sql": _UNDECLARED_SQL,
    })
    results = run_lint(tmp_path, select=["sql-injection"]).report.results
    assert {r.rule.id for r in results} - {"SQLI006"} == injection, [r.message for r in results]
    (undeclared,) = [r for r in results if r.rule.id == "SQLI006"]
    assert undeclared.level.value == level
    if level == "note":
        assert "no caller can set it" in undeclared.message
    for result in results:
        if result.rule.id == "SQLI001":
            route = "REST GET /e/" if "GET" in result.message else "REST POST /e/"
            assert result.finding.properties["route"] == route
            assert "MCP tools/call would refuse it" in result.message


def test_no_message_claims_undeclared_values_reach_mcp_calls(tmp_path) -> None:
    write_tree(tmp_path, {
        "flapi.yaml": "template:\n  path: ./sqls\n",
        "sqls/e.yaml": "url-path: /e/\nmcp-tool:\n  name: t\n  description: Rows.\ntemplate-source: e.sql\n",
        "sqls/e.sql": _UNDECLARED_SQL,
    })
    for result in run_lint(tmp_path, select=["sql-injection"]).report.results:
        assert "MCP tools/call t" not in result.finding.properties.get("route", "")
        assert "any query or body key" not in result.message
