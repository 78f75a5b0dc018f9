"""The positioned Mustache tokenizer (mcplint.loaders.mustache)."""

from __future__ import annotations

import random

import pytest

from mcplint.loaders.mustache import (
    Section,
    Tag,
    TagKind,
    TemplateError,
    Text,
    parse_mustache,
)


def tag_view(template_text: str):
    template = parse_mustache(template_text)
    return [
        (t.kind, t.name, t.start, t.end, template_text[t.name_start : t.name_end])
        for t in template.tags
    ]


# ------------------------------------------------------------------- tags


def test_every_tag_kind_with_offsets():
    text = "SELECT {{ params.x }} {{{raw}}} {{& amp }} {{! note }} {{> part}} {{#s}}{{/s}} {{^i}}{{/i}}"
    template = parse_mustache(text)
    assert template.errors == []
    assert [(t.kind, t.name, t.start, t.end, t.name_start, t.name_end) for t in template.tags] == [
        (TagKind.VARIABLE, "params.x", 7, 21, 10, 18),
        (TagKind.TRIPLE, "raw", 22, 31, 25, 28),
        (TagKind.AMPERSAND, "amp", 32, 42, 36, 39),
        (TagKind.COMMENT, "note", 43, 54, 47, 51),
        (TagKind.PARTIAL, "part", 55, 65, 59, 63),
        (TagKind.SECTION, "s", 66, 72, 69, 70),
        (TagKind.CLOSE, "s", 72, 78, 75, 76),
        (TagKind.INVERTED, "i", 79, 85, 82, 83),
        (TagKind.CLOSE, "i", 85, 91, 88, 89),
    ]
    for t in template.tags:
        assert text[t.start : t.start + 2] == "{{"
        assert text[t.end - 2 : t.end] == "}}"
        assert text[t.name_start : t.name_end] == t.name


@pytest.mark.parametrize(
    "text, kind, name, name_start",
    [
        ("{{x}}", TagKind.VARIABLE, "x", 2),
        ("{{   params.id   }}", TagKind.VARIABLE, "params.id", 5),
        ("{{{ x }}}", TagKind.TRIPLE, "x", 4),
        ("{{{x}}}", TagKind.TRIPLE, "x", 3),
        ("{{&x}}", TagKind.AMPERSAND, "x", 3),
        ("{{& x}}", TagKind.AMPERSAND, "x", 4),
        ("{{>  p }}", TagKind.PARTIAL, "p", 5),
        ("{{!}}", TagKind.COMMENT, "", 3),
        ("😀é{{ é😀 }}", TagKind.VARIABLE, "é😀", 5),  # offsets are code points
    ],
)
def test_single_tag(text, kind, name, name_start):
    template = parse_mustache(text)
    assert template.errors == []
    (tag,) = template.tags
    assert (tag.kind, tag.name, tag.name_start, tag.name_end) == (kind, name, name_start, name_start + len(name))
    assert tag.end == len(text)


def test_raw_and_interpolation_flags():
    template = parse_mustache("{{a}}{{{b}}}{{&c}}{{!d}}{{>e}}")
    flags = [(t.name, t.is_interpolation, t.is_raw) for t in template.tags]
    assert flags == [
        ("a", True, False),
        ("b", True, True),
        ("c", True, True),
        ("d", False, False),
        ("e", False, False),
    ]


def test_text_elements_cover_the_gaps():
    text = "a {{x}} b"
    template = parse_mustache(text)
    assert template.elements == [Text(0, 2), template.tags[0], Text(7, 9)]
    assert parse_mustache("").elements == []
    assert parse_mustache("plain").elements == [Text(0, 5)]


def test_multiline_tag_positions():
    text = "SELECT *\r\nFROM t\nWHERE id = {{\n  params.id\n}}"
    template = parse_mustache(text)
    (tag,) = template.tags
    assert tag.name == "params.id"
    assert text[tag.name_start : tag.name_end] == "params.id"
    assert tag.start == text.index("{{")
    assert tag.end == len(text)


# -------------------------------------------------------- delimiter change


def test_delimiter_change():
    text = "{{=<% %>=}}<% x %> {{y}} <%#s%><%u%><%/s%><%={{ }}=%>{{z}}"
    template = parse_mustache(text)
    assert template.errors == []
    assert [(t.kind, t.name, t.start, t.end, t.name_start) for t in template.tags] == [
        (TagKind.DELIMITER, "<% %>", 0, 11, 3),
        (TagKind.VARIABLE, "x", 11, 18, 14),
        (TagKind.SECTION, "s", 25, 31, 28),
        (TagKind.VARIABLE, "u", 31, 36, 33),
        (TagKind.CLOSE, "s", 36, 42, 39),
        (TagKind.DELIMITER, "{{ }}", 42, 53, 45),
        (TagKind.VARIABLE, "z", 53, 58, 55),
    ]
    # `{{y}}` was plain text while `<% %>` were the delimiters
    assert [i.tag.name for i in template.interpolations()] == ["x", "u", "z"]


@pytest.mark.parametrize(
    "text, error",
    [
        ("{{=<%=}}", TemplateError(0, 8, "invalid delimiter change")),
        ("{{=<% %>}}", TemplateError(0, 10, "delimiter change must end with `=`")),
        ("{{=a b c=}}", TemplateError(0, 11, "invalid delimiter change")),
    ],
)
def test_invalid_delimiter_change(text, error):
    template = parse_mustache(text)
    assert template.errors == [error]


def test_invalid_delimiter_change_keeps_the_old_delimiters():
    template = parse_mustache("{{=<%=}}{{x}}<%y%>")
    assert [i.tag.name for i in template.interpolations()] == ["x"]


def test_triple_mustache_after_a_delimiter_change_is_an_error():
    # Crow (flAPI's renderer) throws "cannot use triple mustache when
    # delimiter changed"; flAPI cannot render such a template.
    template = parse_mustache("{{=<% %>=}}<%{ t }%>")
    assert len(template.errors) == 1
    assert (template.errors[0].start, template.errors[0].end) == (11, 20)


# ---------------------------------------------------------------- sections


def test_sections_nest_and_interpolations_know_their_enclosing_sections():
    text = "{{#a}}{{#b}}{{x}}{{/b}}{{y}}{{/a}}{{z}}{{^n}}{{{w}}}{{/n}}"
    template = parse_mustache(text)
    assert template.errors == []
    found = [(i.tag.name, [s.name for s in i.sections], i.depth, i.tag.kind) for i in template.interpolations()]
    assert found == [
        ("x", ["a", "b"], 2, TagKind.VARIABLE),
        ("y", ["a"], 1, TagKind.VARIABLE),
        ("z", [], 0, TagKind.VARIABLE),
        ("w", ["n"], 1, TagKind.TRIPLE),
    ]
    sections = template.sections()
    assert [(s.name, s.inverted) for s in sections] == [("a", False), ("b", False), ("n", True)]
    a = sections[0]
    assert isinstance(a, Section)
    assert (a.open.start, a.open.end, a.close.start, a.close.end) == (0, 6, 28, 34)
    assert a.children[0] is sections[1]


def test_interpolation_sections_are_the_section_objects():
    template = parse_mustache("{{#params.id}} AND id = {{ params.id }} {{/params.id}}")
    (interpolation,) = template.interpolations()
    (section,) = template.sections()
    assert interpolation.sections == (section,)
    assert interpolation.tag.name == "params.id"
    assert (interpolation.tag.name_start, interpolation.tag.name_end) == (27, 36)


def test_deep_sections_do_not_recurse():
    depth = 5000
    text = "".join(f"{{{{#s{i}}}}}" for i in range(depth)) + "{{x}}" + "".join(
        f"{{{{/s{i}}}}}" for i in reversed(range(depth))
    )
    template = parse_mustache(text)
    assert template.errors == []
    (interpolation,) = template.interpolations()
    assert interpolation.depth == depth
    assert [s.name for s in interpolation.sections] == [f"s{i}" for i in range(depth)]  # parent links, in order
    assert len(template.sections()) == depth


def test_leading_space_before_a_sigil_is_not_a_section_in_crow():
    # Crow reads the character right after `{{` as the sigil; `{{ #a }}` is a
    # plain variable named "#a", so `{{x}}` here is at depth 0 for flAPI.
    template = parse_mustache("{{ #a }}{{x}}{{ /a }}")
    assert template.errors == []
    assert [(t.kind, t.name) for t in template.tags] == [
        (TagKind.VARIABLE, "#a"),
        (TagKind.VARIABLE, "x"),
        (TagKind.VARIABLE, "/a"),
    ]
    assert [i.depth for i in template.interpolations()] == [0, 0, 0]


# ------------------------------------------------------------------ errors


def test_unclosed_section():
    template = parse_mustache("{{#a}}{{x}}")
    assert template.errors == [TemplateError(0, 6, "section `a` is never closed")]
    assert [(i.tag.name, i.depth) for i in template.interpolations()] == [("x", 1)]
    assert template.sections()[0].close is None


def test_close_without_open():
    template = parse_mustache("x {{/a}} y")
    assert template.errors == [TemplateError(2, 8, "`{{/a}}` closes no open section")]
    assert template.elements == [Text(0, 2), Text(8, 10)]


def test_close_skipping_an_inner_section():
    template = parse_mustache("{{#a}}{{#b}}{{/a}}{{y}}")
    assert template.errors == [TemplateError(6, 12, "section `b` is never closed")]
    a, b = template.sections()
    assert a.close is not None and (a.close.start, a.close.end) == (12, 18)
    assert b.close is None
    assert [(i.tag.name, i.depth) for i in template.interpolations()] == [("y", 0)]


def test_mismatched_close():
    # Crow stops at the first mismatch: one broken pair is one error, and the
    # mismatched tag closes the innermost section.
    template = parse_mustache("{{#a}}{{x}}{{/b}}{{y}}")
    assert template.errors == [TemplateError(11, 17, "`{{/b}}` does not match the open section `a`")]
    assert [(i.tag.name, [s.name for s in i.sections]) for i in template.interpolations()] == [
        ("x", ["a"]),
        ("y", []),
    ]


def test_handlebars_if_gets_one_error_with_a_hint():
    template = parse_mustache("SELECT 1 {{#if params.x}} AND x = 1 {{/if}}")
    (error,) = template.errors
    assert error.message.startswith("`{{/if}}` does not match the open section `if params.x`;")
    assert "Handlebars, not Mustache" in error.message


@pytest.mark.parametrize(
    "text, errors, texts",
    [
        ("abc {{x", [TemplateError(4, 7, "tag opened with `{{` is never closed")], [Text(0, 4), Text(4, 7)]),
        ("{{{x}}", [TemplateError(0, 6, "tag opened with `{{` is never closed")], [Text(0, 6)]),
        ("{{x}} {{", [TemplateError(6, 8, "tag opened with `{{` is never closed")], None),
    ],
)
def test_unclosed_tag(text, errors, texts):
    template = parse_mustache(text)
    assert template.errors == errors
    if texts is not None:
        assert template.elements == texts


def test_empty_tags_are_errors():
    template = parse_mustache("{{}} {{ }} {{#}} {{{ }}}")
    assert template.errors == [
        TemplateError(0, 4, "empty tag"),
        TemplateError(5, 10, "empty tag"),
        TemplateError(11, 16, "empty tag"),
        TemplateError(17, 24, "empty tag"),
    ]
    assert template.tags == []


def test_unclosed_section_inside_another_reports_both():
    template = parse_mustache("{{#outer}}{{^inner}}")
    assert template.errors == [
        TemplateError(0, 10, "section `outer` is never closed"),
        TemplateError(10, 20, "section `inner` is never closed"),
    ]


# ------------------------------------------------------------ never raises


def test_never_raises_on_random_templates():
    rng = random.Random(20240611)
    pieces = ["{{", "}}", "{{{", "}}}", "{", "}", "#", "/", "^", "!", ">", "&", "=", " ", "x", "\n", "<%", "%>",
              "{{=<% %>=}}", "<%={{ }}=%>", "{{#a}}", "{{/a}}", "😀"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        template = parse_mustache(text)
        template.interpolations()
        template.sections()
        for t in template.tags:
            assert 0 <= t.start <= t.name_start <= t.name_end <= t.end <= len(text)
            assert isinstance(t, Tag)
        for e in template.errors:
            assert 0 <= e.start <= e.end <= len(text)
