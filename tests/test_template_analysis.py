"""Template analysis: rendering as flAPI does, section scenarios, SQL contexts, validator alphabets."""

from __future__ import annotations

import pytest

from mcplint.loaders.mustache import parse_mustache
from mcplint.model.regex_alphabet import regex_alphabet
from mcplint.model.template_analysis import (
    MAX_SCENARIOS,
    Context,
    analyse,
    html_escape,
    lexical_context,
    render,
    scenarios,
)


def contexts(text: str) -> dict[str, tuple[Context, str]]:
    template = parse_mustache(text)
    analysis = analyse(template)
    return {c.tag.name: (c.located.context, c.located.detail) for c in analysis.contexts.values()}


def test_html_escape_matches_flapi() -> None:
    assert html_escape("a&b<c>d\"e'f/g`h=i") == "a&amp;b&lt;c&gt;d&quot;e&#39;f&#x2F;g&#x60;h&#x3D;i"
    assert html_escape("1 OR TRUE") == "1 OR TRUE"  # nothing to escape in unquoted payloads


def test_render_sections_inverted_sections_and_placement() -> None:
    template = parse_mustache("A{{#x}}B{{ v }}{{/x}}{{^x}}C{{/x}}{{! note }}D{{{ w }}}")
    shown = render(template, lambda name: True, lambda i: f"<{i.tag.name}>")
    assert shown.text == "AB<v>D<w>"
    assert [(p.interpolation.tag.name, shown.text[p.start : p.end], p.interpolation.depth) for p in shown.placed] == [
        ("v", "<v>", 1),
        ("w", "<w>", 0),
    ]
    hidden = render(template, lambda name: False, lambda i: "")
    assert hidden.text == "ACD"


def test_scenarios_all_present_all_absent_each_alone_and_required() -> None:
    template = parse_mustache("{{#a}}1{{/a}}{{#b}}2{{/b}}{{^c}}3{{/c}}{{#a}}4{{/a}}")
    assert scenarios(template) == [
        {"a": True, "b": True, "c": True},
        {"a": False, "b": False, "c": False},
        {"a": True, "b": False, "c": False},
        {"a": False, "b": True, "c": False},
        {"a": False, "b": False, "c": True},
    ]
    assert scenarios(template, frozenset({"a"}))[1] == {"a": True, "b": False, "c": False}


def test_scenarios_are_bounded_for_templates_with_many_sections() -> None:
    text = "".join(f"{{{{#s{i}}}}}x{{{{/s{i}}}}}" for i in range(500))
    assert len(scenarios(parse_mustache(text))) == MAX_SCENARIOS


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT * FROM t WHERE a = '{{{ x }}}'", (Context.STRING, "")),
        ("SELECT * FROM t WHERE a ILIKE '%{{ x }}%'", (Context.LIKE_PATTERN, "ILIKE")),
        ("SELECT \"{{ x }}\" FROM t", (Context.QUOTED_IDENTIFIER, "")),
        ("SELECT * FROM t WHERE a = {{ x }}", (Context.VALUE, "")),
        ("SELECT * FROM t WHERE a = {{ x }}::INT + 1", (Context.VALUE, "")),
        ("SELECT {{ x }}, b FROM t", (Context.VALUE, "SELECT list")),
        ("SELECT * FROM t WHERE a IN (1, {{{ x }}})", (Context.IN_LIST, "")),
        ("SELECT * FROM t LIMIT {{ x }}", (Context.LIMIT, "LIMIT")),
        ("SELECT * FROM t LIMIT 5 OFFSET {{ x }}", (Context.LIMIT, "OFFSET")),
        ("SELECT * FROM t ORDER BY {{ x }} DESC", (Context.ORDER_BY, "")),
        ("SELECT * FROM t ORDER BY a {{ x }}", (Context.ORDER_BY, "direction")),
        ("SELECT * FROM t GROUP BY {{ x }}", (Context.IDENTIFIER, "GROUP")),
        ("SELECT * FROM sales_{{ x }}", (Context.TABLE, "")),
        ("SELECT * FROM t WHERE {{{ x }}}", (Context.FRAGMENT, "WHERE")),
        ("SELECT * FROM t WHERE a = 1 AND {{{ x }}}", (Context.FRAGMENT, "predicate")),
        ("SELECT a, count(*) FROM t GROUP BY a HAVING {{{ x }}}", (Context.FRAGMENT, "HAVING")),
        ("{{{ x }}}", (Context.STATEMENT, "")),
        ("SELECT 1 -- {{ x }}\nFROM t", (Context.COMMENT, "")),
        ("SELECT * FROM query('SELECT 1 WHERE a = {{ x }}')", (Context.EXECUTED_STRING, "query")),
        ("SELECT * FROM postgres_execute('db', 'DELETE FROM t WHERE a = ''{{ x }}''')",
         (Context.EXECUTED_STRING, "postgres_execute")),
    ],
)
def test_sql_contexts(sql: str, expected: tuple[Context, str]) -> None:
    assert contexts(sql)["x"] == expected


def test_inner_context_of_an_executed_string() -> None:
    template = parse_mustache("SELECT * FROM query('SELECT 1 WHERE a = ''{{ x }}'' AND b = {{ y }}')")
    located = {c.tag.name: c.located for c in analyse(template).contexts.values()}
    assert located["x"].inner is Context.STRING
    assert located["y"].inner is Context.VALUE


def test_sections_that_only_parse_in_some_combinations() -> None:
    # All present: "WHERE  AND b = … AND c = …" does not parse; each alone does.
    text = "SELECT * FROM t WHERE {{#p.a}} a = {{ p.a }} {{/p.a}} {{#p.b}} b = '{{{ p.b }}}' {{/p.b}}"
    template = parse_mustache(text)
    analysis = analyse(template)
    found = {c.tag.name: c.located.context for c in analysis.contexts.values()}
    assert found == {"p.a": Context.VALUE, "p.b": Context.STRING}
    assert analysis.parse_error is None


def test_unparsable_template_reports_why_and_falls_back_to_quotes() -> None:
    template = parse_mustache("SELEC * FRM t WHERE a = '{{{ x }}}' AND AND")
    analysis = analyse(template)
    assert analysis.contexts == {}
    assert analysis.parse_error
    text = template.text
    assert lexical_context(text, text.index("{{{")) is Context.STRING
    assert lexical_context("a = 'it''s' AND b = {{x}}", 20) is Context.VALUE


@pytest.mark.parametrize(
    "pattern, quote, space, only_digits",
    [
        ("^[A-Z]{2}$", False, False, False),
        ("^[A-Za-z ]{2,50}$", False, True, False),
        (r"^\d+$", False, False, True),
        (r"^-?\d+(\.\d{1,2})?$", False, False, False),
        ("^[^']+$", False, True, False),
        ("^(yes|no)$", False, False, False),
        (".*", True, True, False),
        (r"^\S+$", True, False, False),
        ("(a)\\1", True, True, False),  # back-references: assume anything
        ("[z-a]", True, True, False),  # invalid: assume anything
    ],
)
def test_regex_alphabets(pattern: str, quote: bool, space: bool, only_digits: bool) -> None:
    alphabet = regex_alphabet(pattern)
    assert alphabet.admits("'") is quote
    assert alphabet.admits(" ") is space
    assert alphabet.within("0123456789") is only_digits


def test_alphabet_descriptions_are_readable() -> None:
    assert regex_alphabet("^[A-Z]{2}$").describe() == "[A-Z]"
    assert regex_alphabet(r"^[a-z0-9\-]+$").describe() == "[0-9a-z-]"
    assert regex_alphabet("^[^']+$").describe() == "any character except \"'\""
