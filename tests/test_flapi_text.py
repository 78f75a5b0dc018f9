"""flAPI text pre-processing with a source map (mcplint.loaders.flapi_text, env_refs, textmap)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.loaders.env_refs import mark_env_refs, unmark_env_refs
from mcplint.loaders.flapi_text import IncludeDirective, preprocess
from mcplint.loaders.textmap import MappedText, PlainText
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.source import SourceFile, source_from_text
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, walk

# ---------------------------------------------------------------- helpers


@dataclass
class FakeFragment:
    """Implements the Fragment protocol the way the model builder does."""

    source: SourceFile
    marked_text: str
    root: Node | None
    parse_diagnostics: list[Diagnostic]


def fragment(path: str, text: str) -> FakeFragment:
    source = source_from_text(path, text)
    marked = mark_env_refs(source.text)
    root, diagnostics = load_yaml(PlainText(source, marked))
    return FakeFragment(source, marked, root, diagnostics)


@dataclass
class FakeResolver:
    fragments: dict[str, FakeFragment | str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, including: SourceFile, target: str) -> FakeFragment | str:
        self.calls.append((including.path, target))
        found = self.fragments.get(target)
        if found is None:
            return f"include target `{target}` not found"
        return found


COMMON = (
    "# shared settings\n"
    "other: 1\n"
    "auth:\n"
    "  enabled: true\n"
    "  users:\n"
    "    - username: admin\n"
    "      password: '{{env.PW}}'\n"
    "last: z\n"
)


def resolver(**extra: FakeFragment | str) -> FakeResolver:
    fragments: dict[str, FakeFragment | str] = {"common.yaml": fragment("common.yaml", COMMON)}
    fragments.update(extra)
    return FakeResolver(fragments)


def run(text: str, resolve: FakeResolver | None = None, path: str = "ep.yaml"):
    source = source_from_text(path, text)
    resolve = resolve if resolve is not None else resolver()
    result = preprocess(source, resolve)
    root, diagnostics = load_yaml(result.mapped)
    assert diagnostics == [], diagnostics
    return result, root, resolve


def where(node: Node) -> tuple[str, int, int, int, int]:
    s = node.span
    return s.path, s.start_line, s.start_col, s.end_line, s.end_col


# ------------------------------------------------------------- env_refs


def test_mark_env_refs_keeps_length_and_unmarks_back():
    text = "a: {{env.PW}} b {{env.X_1}} {{ env.NO }} {{env.9x}} ${ENV}"
    marked = mark_env_refs(text)
    assert len(marked) == len(text)
    assert marked == (
        "a: \ue000\ue000env.PW\ue001\ue001 b \ue000\ue000env.X_1\ue001\ue001 {{ env.NO }} {{env.9x}} ${ENV}"
    )
    assert unmark_env_refs(marked) == (text, ("PW", "X_1"))
    assert unmark_env_refs("plain") == ("plain", ())
    assert mark_env_refs("no refs") == "no refs"


# ----------------------------------------------------- no directives at all


def test_text_without_directives_maps_to_itself():
    text = "url-path: /x\r\npassword: {{env.PW}}\r\n"
    result, root, resolve = run(text)
    assert result.includes == []
    assert result.diagnostics == []
    assert resolve.calls == []
    password = root.get_scalar("password")
    assert (password.text, password.env_refs) == ("{{env.PW}}", ("PW",))
    assert where(password) == ("ep.yaml", 2, 11, 2, 21)


# ------------------------------------------------------------ section include


MAIN = (
    "url-path: /x\n"  # 1
    "{{include:auth from common.yaml}}\n"  # 2
    "method: GET\n"  # 3
    "x: 1\n"  # 4
)


def test_section_include_points_into_the_included_file():
    result, root, resolve = run(MAIN)
    assert resolve.calls == [("ep.yaml", "common.yaml")]
    assert result.diagnostics == []
    auth_key, auth = root.get_pair("auth")
    assert where(auth_key) == ("common.yaml", 3, 1, 3, 5)
    assert auth_key.path == ("auth",)
    assert isinstance(auth, MappingNode)
    assert where(auth.get_pair("enabled")[0]) == ("common.yaml", 4, 3, 4, 10)
    enabled = auth.get_scalar("enabled")
    assert (enabled.value, where(enabled)) == (True, ("common.yaml", 4, 12, 4, 16))
    user = auth.get_seq("users").items[0]
    assert where(user.get_scalar("username")) == ("common.yaml", 6, 17, 6, 22)
    password = user.get_scalar("password")
    assert password.text == "{{env.PW}}"
    assert password.env_refs == ("PW",)
    assert where(password) == ("common.yaml", 7, 17, 7, 29)
    assert password.logical_path == "auth.users[0].password"
    # only the section is inserted, not its neighbours
    assert "other" not in root and "last" not in root


def test_text_around_the_directive_keeps_its_positions():
    result, root, _ = run(MAIN)
    assert where(root.get_pair("url-path")[0]) == ("ep.yaml", 1, 1, 1, 9)
    assert where(root.get_scalar("url-path")) == ("ep.yaml", 1, 11, 1, 13)
    assert where(root.get_pair("method")[0]) == ("ep.yaml", 3, 1, 3, 7)
    assert where(root.get_scalar("method")) == ("ep.yaml", 3, 9, 3, 12)
    assert where(root.get_scalar("x")) == ("ep.yaml", 4, 4, 4, 5)


def test_include_directive_record():
    result, _, _ = run(MAIN)
    assert result.includes == [
        IncludeDirective(
            span=Span("ep.yaml", 2, 1, 2, 34, 13, 46),
            section="auth",
            target="common.yaml",
            condition=None,
            fragment_path="common.yaml",
            fragment_range=(COMMON.index("auth:"), COMMON.index("last: z")),
        )
    ]


def test_same_line_text_after_a_whole_file_include_keeps_exact_columns():
    nums = fragment("nums.yaml", "10, 20")
    text = "nums: [{{include from nums.yaml}}, 30]\nafter: [1]\n"
    result, root, _ = run(text, resolver(**{"nums.yaml": nums}))
    items = root.get_seq("nums").items
    assert [i.value for i in items] == [10, 20, 30]
    assert where(items[0]) == ("nums.yaml", 1, 1, 1, 3)
    assert where(items[1]) == ("nums.yaml", 1, 5, 1, 7)
    assert where(items[2]) == ("ep.yaml", 1, 36, 1, 38)
    assert where(root.get_seq("after").items[0]) == ("ep.yaml", 2, 9, 2, 10)


def test_whole_file_include_with_crlf_and_non_ascii_before_it():
    shared = fragment("shared.yaml", "cors:\r\n  allow-origins: ['*']\r\n")
    text = "name: café 😀\r\n{{include from shared.yaml}}after: 😀x\r\n"
    result, root, _ = run(text, resolver(**{"shared.yaml": shared}))
    origin = root.get_map("cors").get_seq("allow-origins").items[0]
    assert where(origin) == ("shared.yaml", 2, 19, 2, 22)
    after = root.get_scalar("after")
    assert after.text == "😀x"
    assert where(root.get_pair("after")[0]) == ("ep.yaml", 2, 29, 2, 34)
    assert where(after) == ("ep.yaml", 2, 36, 2, 38)


def test_env_refs_in_the_including_file_after_an_include():
    text = "{{include:auth from common.yaml}}\ntoken: {{env.TOKEN}}\n"
    _, root, _ = run(text)
    token = root.get_scalar("token")
    assert (token.text, token.env_refs) == ("{{env.TOKEN}}", ("TOKEN",))
    assert where(token) == ("ep.yaml", 2, 8, 2, 21)


def test_several_includes_of_one_file():
    text = "{{include:other from common.yaml}}\n{{include:last from common.yaml}}\nz: 0\n"
    result, root, resolve = run(text)
    assert resolve.calls == [("ep.yaml", "common.yaml"), ("ep.yaml", "common.yaml")]
    assert where(root.get_pair("other")[0]) == ("common.yaml", 2, 1, 2, 6)
    assert where(root.get_pair("last")[0]) == ("common.yaml", 8, 1, 8, 5)
    assert where(root.get_pair("z")[0]) == ("ep.yaml", 3, 1, 3, 2)
    assert [i.fragment_path for i in result.includes] == ["common.yaml", "common.yaml"]


# --------------------------------------------------------------- comments


@pytest.mark.parametrize(
    "line",
    [
        "# {{include:auth from common.yaml}}",
        "   # {{include:auth from common.yaml}}",
        "\t#{{include:auth from common.yaml}}",
        "## see {{include:auth from common.yaml}}",
    ],
)
def test_directive_on_a_comment_line_is_ignored(line):
    text = f"a: 1\r\n{line}\r\nb: 2\r\n"
    resolve = resolver()
    result = preprocess(source_from_text("ep.yaml", text), resolve)
    assert resolve.calls == []
    assert result.includes == []
    assert result.diagnostics == []
    assert result.mapped.text == text
    b = text.index("b: 2")
    assert result.mapped.span(b, b + 1) == Span("ep.yaml", 3, 1, 3, 2, b, b + 1)


def test_directive_in_a_trailing_comment_is_processed():
    # Only full-line comments are skipped (flAPI checks the text between the
    # line start and the directive); a trailing comment is not.
    text = "x: 1 # {{include:other from common.yaml}}\n"
    resolve = resolver()
    result = preprocess(source_from_text("ep.yaml", text), resolve)
    assert resolve.calls == [("ep.yaml", "common.yaml")]
    assert result.mapped.text == "x: 1 # other: 1\n"
    assert [i.span for i in result.includes] == [Span("ep.yaml", 1, 8, 1, 42, 7, 41)]


def test_comment_on_the_first_line_is_ignored():
    text = "# {{include:auth from common.yaml}}\nb: 2\n"
    result, root, resolve = run(text)
    assert resolve.calls == []
    assert list(root.keys()) == ["b"]


# ------------------------------------------------------------ conditions


def test_if_false_drops_the_include():
    text = "a: 1\n{{include:auth from common.yaml if false}}\nb: 2\n"
    result, root, resolve = run(text)
    assert resolve.calls == []
    assert result.diagnostics == []
    assert list(root.keys()) == ["a", "b"]
    assert result.includes == [
        IncludeDirective(Span("ep.yaml", 2, 1, 2, 43, 5, 47), "auth", "common.yaml", "false", None)
    ]
    assert where(root.get_pair("b")[0]) == ("ep.yaml", 3, 1, 3, 2)


@pytest.mark.parametrize("condition", ["env.FEATURE", "!env.FEATURE", "true"])
def test_other_conditions_keep_the_include(condition):
    text = f"a: 1\n{{{{include:auth from common.yaml if {condition}}}}}\nb: 2\n"
    result, root, resolve = run(text)
    assert resolve.calls == [("ep.yaml", "common.yaml")]
    assert result.diagnostics == []
    assert list(root.keys()) == ["a", "auth", "b"]
    assert where(root.get_pair("auth")[0]) == ("common.yaml", 3, 1, 3, 5)
    assert [(i.condition, i.fragment_path) for i in result.includes] == [(condition, "common.yaml")]


# ---------------------------------------------------------------- problems


def test_missing_section_is_an_include_error_at_the_directive():
    text = "a: 1\n  {{include:nope from common.yaml}}\nb: 2\n"
    source = source_from_text("ep.yaml", text)
    result = preprocess(source, resolver())
    assert [(d.kind, d.span) for d in result.diagnostics] == [
        (DiagnosticKind.INCLUDE_ERROR, Span("ep.yaml", 2, 3, 2, 36, 7, 40))
    ]
    assert "`nope`" in result.diagnostics[0].message
    assert "common.yaml" in result.diagnostics[0].message
    assert result.includes[0].fragment_path is None
    assert result.mapped.text == "a: 1\n  \nb: 2\n"


def test_resolver_error_is_an_include_error_at_the_directive():
    text = "a: 1\n{{include from missing.yaml}}\n"
    source = source_from_text("ep.yaml", text)
    resolve = resolver()
    result = preprocess(source, resolve)
    assert resolve.calls == [("ep.yaml", "missing.yaml")]
    assert result.diagnostics == [
        Diagnostic(
            DiagnosticKind.INCLUDE_ERROR,
            Span("ep.yaml", 2, 1, 2, 30, 5, 34),
            "include target `missing.yaml` not found",
        )
    ]
    assert result.includes == [
        IncludeDirective(Span("ep.yaml", 2, 1, 2, 30, 5, 34), None, "missing.yaml", None, None)
    ]


@pytest.mark.parametrize(
    "fragment_text, reason",
    [("a: [\n", "is not valid YAML"), ("", "is empty"), ("# nothing\n", "is empty")],
)
def test_section_of_an_unusable_fragment_is_an_include_error(fragment_text, reason):
    resolve = resolver(**{"bad.yaml": fragment("bad.yaml", fragment_text)})
    source = source_from_text("ep.yaml", "{{include:a from bad.yaml}}\n")
    result = preprocess(source, resolve)
    assert [(d.kind, d.span) for d in result.diagnostics] == [
        (DiagnosticKind.INCLUDE_ERROR, Span("ep.yaml", 1, 1, 1, 28, 0, 27))
    ]
    assert result.diagnostics[0].message == f"include of section `a` failed: `bad.yaml` {reason}"


def test_section_of_a_sequence_fragment_is_not_found():
    resolve = resolver(**{"list.yaml": fragment("list.yaml", "- a\n- b\n")})
    result = preprocess(source_from_text("ep.yaml", "{{include:a from list.yaml}}\n"), resolve)
    assert [d.kind for d in result.diagnostics] == [DiagnosticKind.INCLUDE_ERROR]
    assert "not found at the top level" in result.diagnostics[0].message


def test_section_nested_below_the_top_level_is_not_found():
    result = preprocess(source_from_text("ep.yaml", "{{include:enabled from common.yaml}}\n"), resolver())
    assert [d.kind for d in result.diagnostics] == [DiagnosticKind.INCLUDE_ERROR]


@pytest.mark.parametrize(
    "directive, env_name",
    [
        ("{{include from {{env.DIR}}/common.yaml}}", "DIR"),
        ("{{include:auth from conf/{{env.STAGE}}.yaml}}", "STAGE"),
        ("{{include:auth from {{env.A}}/{{env.B}}.yaml if env.C}}", "A"),
    ],
)
def test_env_dependent_include_path_is_skipped(directive, env_name):
    text = f"a: 1\n{directive}\nb: 2\n"
    source = source_from_text("ep.yaml", text)
    resolve = resolver()
    result = preprocess(source, resolve)
    assert resolve.calls == []
    start = text.index(directive)
    end = start + len(directive)
    assert [(d.kind, d.span) for d in result.diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, Span("ep.yaml", 2, 1, 2, 1 + len(directive), start, end))
    ]
    assert f"{{{{env.{env_name}}}}}" in result.diagnostics[0].message
    include = result.includes[0]
    assert "{{env." + env_name + "}}" in include.target
    assert include.fragment_path is None
    root, diagnostics = load_yaml(result.mapped)
    assert diagnostics == []
    assert list(root.keys()) == ["a", "b"]


def test_problems_do_not_stop_later_includes():
    text = (
        "{{include from missing.yaml}}\n"
        "{{include:nope from common.yaml}}\n"
        "{{include from {{env.D}}/x.yaml}}\n"
        "{{include:auth from common.yaml}}\n"
    )
    result, root, _ = run(text)
    assert [d.kind for d in result.diagnostics] == [
        DiagnosticKind.INCLUDE_ERROR,
        DiagnosticKind.INCLUDE_ERROR,
        DiagnosticKind.SKIPPED_FILE,
    ]
    assert [d.span.start_line for d in result.diagnostics] == [1, 2, 3]
    assert where(root.get_pair("auth")[0]) == ("common.yaml", 3, 1, 3, 5)


# ---------------------------------------------------------------- textmap


def test_mapped_text_spans_are_clamped_to_one_piece():
    a = source_from_text("a.yaml", "AAAA\nAA")
    b = source_from_text("b.yaml", "x\nBBB")
    mapped = MappedText(a)
    mapped.append(a, 0, "AAAA\n")
    mapped.append(b, 2, "BBB")
    mapped.append(a, 5, "")  # empty pieces are dropped
    mapped.append(a, 5, "AA")
    mapped.finish()
    assert mapped.text == "AAAA\nBBBAA"
    assert len(mapped.segments) == 3
    assert mapped.span(0, 4) == Span("a.yaml", 1, 1, 1, 5, 0, 4)
    assert mapped.span(5, 8) == Span("b.yaml", 2, 1, 2, 4, 2, 5)
    # a range that runs past its piece ends where the piece ends
    assert mapped.span(6, 10) == Span("b.yaml", 2, 2, 2, 4, 3, 5)
    assert mapped.span(8, 10) == Span("a.yaml", 2, 1, 2, 3, 5, 7)
    assert mapped.source_at(6) == (b, 3)
    assert mapped.source_at(9) == (a, 6)


def test_empty_mapped_text_maps_to_its_origin():
    origin = source_from_text("o.yaml", "")
    mapped = MappedText(origin).finish()
    assert mapped.text == ""
    assert mapped.span(0, 0) == Span("o.yaml", 1, 1, 1, 1, 0, 0)
    assert mapped.source_at(0) == (origin, 0)


def test_plain_text_can_carry_a_rewritten_text():
    source = source_from_text("p.yaml", "k: {{env.X}}")
    plain = PlainText(source, mark_env_refs(source.text))
    assert plain.text != source.text and len(plain.text) == len(source.text)
    assert plain.span(3, 12) == Span("p.yaml", 1, 4, 1, 13, 3, 12)
    assert plain.source_at(4) == (source, 4)


def test_every_scalar_of_an_included_document_points_at_its_own_text():
    result, root, resolve = run(MAIN)
    sources = {"ep.yaml": source_from_text("ep.yaml", MAIN), "common.yaml": resolve.fragments["common.yaml"].source}
    for node in walk(root):
        if isinstance(node, ScalarNode) and not node.is_null:
            span = node.span
            written = sources[span.path].text[span.start_offset : span.end_offset]
            assert written.strip("'\"") == node.text, (span, written, node.text)
