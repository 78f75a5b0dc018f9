"""YAML to a positioned tree (mcplint.loaders.yaml_loader) and the tree helpers (mcplint.tree)."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import textwrap

import pytest

from mcplint.diagnostics import DiagnosticKind
from mcplint.loaders.env_refs import mark_env_refs
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.yaml_loader import MAX_NESTING, load_yaml
from mcplint.source import read_source, source_from_text
from mcplint.span import Span
from mcplint.tree import (
    MappingNode,
    ScalarNode,
    SequenceNode,
    format_path,
    scalars,
    walk,
)


def load(text: str, path: str = "f.yaml"):
    return load_yaml(PlainText(source_from_text(path, text)))


def load_ok(text: str, path: str = "f.yaml"):
    root, diagnostics = load(text, path)
    assert diagnostics == []
    return root


def pos(node) -> tuple[int, int, int, int]:
    s = node.span
    return s.start_line, s.start_col, s.end_line, s.end_col


def only_diagnostic(text: str):
    root, diagnostics = load(text)
    assert root is None
    assert len(diagnostics) == 1
    assert diagnostics[0].kind is DiagnosticKind.PARSE_ERROR
    return diagnostics[0]


def _no_core_dump() -> None:
    try:
        import resource
    except ImportError:  # not POSIX
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_isolated(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run loader code in a child process: a C-level stack overflow must not take pytest down."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_no_core_dump if os.name == "posix" else None,
    )


_ISOLATED_PRELUDE = """
import json, sys
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.source import source_from_text
def report(text):
    root, diags = load_yaml(PlainText(source_from_text("deep.yaml", text)))
    print(json.dumps({
        "root": type(root).__name__,
        "diagnostics": [[d.kind.value, d.span.start_line, d.span.start_col, d.span.end_line, d.span.end_col, d.message] for d in diags],
    }))
"""

# ------------------------------------------------------------- positions


def test_positions_of_a_nested_document():
    text = "a: \"x\"\nb: [1, 2]\nc:\n  d: 1\n  e:\n    - f\n"
    root = load_ok(text)
    assert isinstance(root, MappingNode)
    assert root.span == Span("f.yaml", 1, 1, 7, 1, 0, len(text))
    a_key, a_val = root.get_pair("a")
    assert pos(a_key) == (1, 1, 1, 2)
    assert pos(a_val) == (1, 4, 1, 7)  # quotes included
    b = root.get_seq("b")
    assert pos(b) == (2, 4, 2, 10)
    assert [pos(i) for i in b.items] == [(2, 5, 2, 6), (2, 8, 2, 9)]
    c = root.get_map("c")
    assert pos(c.get_pair("d")[0]) == (4, 3, 4, 4)
    assert pos(c.get("d")) == (4, 6, 4, 7)
    f = c.get_seq("e").items[0]
    assert pos(f) == (6, 7, 6, 8)
    assert f.path == ("c", "e", 0)
    assert f.logical_path == "c.e[0]"


@pytest.mark.parametrize(
    "text, value_pos, value_text",
    [
        ("a: 1\r\nb: 2\r\nkey: vv\r\n", (3, 6, 3, 8), "vv"),  # CRLF
        ("a: 1\rb: 2\rkey: vv\r", (3, 6, 3, 8), "vv"),  # CR only
        ("a: 1\r\nb: 2\rkey: vv\n", (3, 6, 3, 8), "vv"),  # mixed
        ("key:\tvv\n", (1, 6, 1, 8), "vv"),  # a tab is one column
        ("é: 1\nkey: vv\n", (2, 6, 2, 8), "vv"),
        ("key: 😀😀 vv\n", (1, 6, 1, 11), "😀😀 vv"),  # astral characters are one column each
        ("😀: [😀, x]\nkey: [😀, vv]\n", (2, 6, 2, 13), "[😀, vv]"),
    ],
)
def test_positions_after_line_breaks_tabs_and_non_ascii(text, value_pos, value_text):
    root = load_ok(text)
    value = root.get("key")
    assert pos(value) == value_pos
    assert text[value.span.start_offset : value.span.end_offset] == value_text


def test_astral_characters_in_flow_sequence():
    root = load_ok("😀😀: [😀, b]\n")
    key, seq = root.pairs[0]
    assert pos(key) == (1, 1, 1, 3)
    assert pos(seq) == (1, 5, 1, 11)
    assert [pos(i) for i in seq.items] == [(1, 6, 1, 7), (1, 9, 1, 10)]
    assert seq.items[0].text == "😀"


def test_u2028_in_a_quoted_string_is_not_a_line_break_for_positions():
    # YAML counts U+2028 as a line break; editors and GitHub do not.
    text = 'a: "x\u2028y"\nb: [1, 2]\n'
    root = load_ok(text)
    a = root.get_scalar("a")
    assert a.text == "x\u2028y"
    assert pos(a) == (1, 4, 1, 9)
    b_key = root.get_pair("b")[0]
    assert pos(b_key) == (2, 1, 2, 2)
    assert [pos(i) for i in root.get_seq("b").items] == [(2, 5, 2, 6), (2, 8, 2, 9)]


def test_u2028_inside_a_flow_mapping_keeps_the_rest_of_the_line():
    text = '{a: "x\u2028y", b: 1}'
    root = load_ok(text)
    b_key, b_val = root.get_pair("b")
    assert pos(b_key) == (1, 12, 1, 13)
    assert pos(b_val) == (1, 15, 1, 16)


def test_nel_is_not_a_line_break_for_positions():
    # U+0085 is a YAML line break too, so `c` starts a new YAML line.
    root = load_ok("a: b\n\x85c: d\n")
    c_key, c_val = root.get_pair("c")
    assert pos(c_key) == (2, 2, 2, 3)
    assert pos(c_val) == (2, 5, 2, 6)


def test_positions_of_a_file_with_a_utf8_bom(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(codecs.BOM_UTF8 + "a: 1\r\nbé: 😀x\n".encode())
    source, diagnostics = read_source(path, "bom.yaml")
    assert diagnostics == []
    root, diagnostics = load_yaml(PlainText(source))
    assert diagnostics == []
    a_key, a_val = root.get_pair("a")
    assert pos(a_key) == (1, 1, 1, 2)
    assert pos(a_val) == (1, 4, 1, 5)
    key, value = root.get_pair("bé")
    assert pos(key) == (2, 1, 2, 3)
    assert pos(value) == (2, 5, 2, 7)


def test_a_bom_left_in_the_text_does_not_shift_positions():
    # libyaml skips a leading U+FEFF without counting it in its mark index;
    # mcplint positions are offsets in the text, so the BOM is column 1 and
    # `a` is column 2. (A file starting with two UTF-8 BOMs reaches the
    # loader this way: read_source strips only the first.)
    text = "\ufeffa: 1\nb: 2\n"
    root = load_ok(text)
    a_key, a_val = root.get_pair("a")
    assert a_key.span.start_offset == text.index("a")
    assert pos(a_key) == (1, 2, 1, 3)
    assert pos(a_val) == (1, 5, 1, 6)
    assert pos(root.get_pair("b")[0]) == (2, 1, 2, 2)


def test_block_scalars_and_styles():
    text = "lit: |\n  one\n  two\nfold: >\n  f\nsq: 'q'\ndq: \"d\"\nplain: p\n"
    root = load_ok(text)
    lit = root.get_scalar("lit")
    assert (lit.text, lit.style) == ("one\ntwo\n", "|")
    assert pos(lit) == (1, 6, 4, 1)
    fold = root.get_scalar("fold")
    assert (fold.text, fold.style) == ("f\n", ">")
    assert root.get_scalar("sq").style == "'"
    assert root.get_scalar("dq").style == '"'
    assert root.get_scalar("plain").style is None


# ------------------------------------------------------------ typed values


@pytest.mark.parametrize(
    "scalar, text, value",
    [
        ("yes", "yes", True),
        ("No", "No", False),
        ("on", "on", True),
        ("Off", "Off", False),
        ("true", "true", True),
        ("0x1F", "0x1F", 31),
        ("017", "017", 15),  # YAML 1.1 octal
        ("0b101", "0b101", 5),
        ("1_000", "1_000", 1000),
        ("+12", "+12", 12),
        ("1:20", "1:20", 80),  # sexagesimal
        ("1.5", "1.5", 1.5),
        ("~", "~", None),
        ("null", "null", None),
        ("", "", None),
        ("'yes'", "yes", "yes"),  # quoted: a string
        ('"0x1F"', "0x1F", "0x1F"),
        ("!!str 12", "12", "12"),
        ("!!int '0x1F'", "0x1F", 31),
        ("y", "y", "y"),  # PyYAML does not read `y` as a bool
        ("2001-12-14", "2001-12-14", "2001-12-14"),  # timestamps stay text
        ("1e3", "1e3", "1e3"),  # YAML 1.1 floats need a dot
    ],
)
def test_typed_values_keep_their_text(scalar, text, value):
    root = load_ok(f"k: {scalar}\n")
    node = root.get_scalar("k")
    assert node.text == text
    assert node.value == value
    assert type(node.value) is type(value)


def test_special_floats():
    root = load_ok("a: .inf\nb: -.Inf\nc: .nan\n")
    assert root.get_scalar("a").value == float("inf")
    assert root.get_scalar("b").value == float("-inf")
    nan = root.get_scalar("c").value
    assert nan != nan
    assert root.get_scalar("c").text == ".nan"


def test_null_and_empty_string_differ():
    root = load_ok("a:\nb: ''\n")
    assert root.get_scalar("a").is_null
    assert root.get_text("a") is None
    assert not root.get_scalar("b").is_null
    assert root.get_text("b") == ""


def test_huge_integer_stays_text():
    digits = "1" * 5000  # beyond Python's int/str conversion limit
    root = load_ok(f"n: {digits}\n")
    node = root.get_scalar("n")
    assert node.text == digits
    limit = sys.get_int_max_str_digits()
    # with Python's default conversion limit the value cannot be an int
    assert node.value == (digits if 0 < limit < 5000 else int(digits))


# ---------------------------------------------------------- env references


def test_env_references_become_plain_scalars_with_names():
    text = "p: {{env.PW}}\nq: '{{env.A}}x{{env.B}}'\nport: {{env.PORT}}\n{{env.K}}: v\nn: 5\n"
    source = source_from_text("f.yaml", text)
    root, diagnostics = load_yaml(PlainText(source, mark_env_refs(source.text)))
    assert diagnostics == []
    p = root.get_scalar("p")
    assert (p.text, p.value, p.env_refs) == ("{{env.PW}}", "{{env.PW}}", ("PW",))
    assert pos(p) == (1, 4, 1, 14)
    q = root.get_scalar("q")
    assert (q.text, q.env_refs, q.style) == ("{{env.A}}x{{env.B}}", ("A", "B"), "'")
    port = root.get_scalar("port")
    assert (port.text, port.value) == ("{{env.PORT}}", "{{env.PORT}}")
    key, value = root.get_pair("{{env.K}}")
    assert key.env_refs == ("K",)
    assert value.path == ("{{env.K}}",)
    assert pos(root.get("n")) == (5, 4, 5, 5)


def test_env_reference_with_spaces_is_not_marked():
    text = "r: {{ env.X }}\n"
    source = source_from_text("f.yaml", text)
    root, diagnostics = load_yaml(PlainText(source, mark_env_refs(source.text)))
    assert diagnostics == []
    assert isinstance(root.get("r"), MappingNode)  # a flow mapping, as in flAPI


# --------------------------------------------------- documents and keys


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n", "\r\n  \r"])
def test_empty_documents(text):
    assert load(text) == (None, [])


def test_only_the_first_document_is_read():
    root = load_ok("a: 1\n---\nb: [\n")
    assert list(root.keys()) == ["a"]


def test_duplicate_keys_are_kept_and_lookup_takes_the_first():
    root = load_ok("a: 1\na: 2\n")
    assert [(k.text, v.text) for k, v in root.pairs] == [("a", "1"), ("a", "2")]
    assert root.get_text("a") == "1"
    assert "a" in root and "z" not in root


def test_merge_keys_are_not_expanded():
    root = load_ok("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n")
    assert list(root.get_map("d").keys()) == ["<<", "y"]


def test_non_scalar_key_path():
    root = load_ok("? [a, b]\n: v\n")
    key, value = root.pairs[0]
    assert isinstance(key, SequenceNode)
    assert value.path == ("?",)


# ---------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    "text, start",
    [
        ("a: [1, 2\nb: 3\n", (2, 2)),
        ("a: b: c\n", (1, 5)),
        ("a:\n  - 1\n - 2\n", (3, 2)),
        ("a:\t- b\n", (1, 4)),
        ("\ta: 1\n", (1, 1)),
        ("a: 1\r\n  b: 2\r\n", (2, 4)),
        ("a: *nope\n", (1, 4)),
        ("%YAML 1.1\n%YAML 1.1\n--- a\n", (2, 1)),
        ("x: 😀\ny: [\n", (3, 1)),
    ],
)
def test_syntax_errors_are_diagnostics_at_the_problem(text, start):
    diagnostic = only_diagnostic(text)
    assert (diagnostic.span.start_line, diagnostic.span.start_col) == start
    assert diagnostic.span.path == "f.yaml"
    assert diagnostic.message.startswith("invalid YAML: ")


def test_unterminated_quote_points_at_the_end_of_the_text():
    text = "a: 'unterminated\n"
    diagnostic = only_diagnostic(text)
    assert diagnostic.span == Span("f.yaml", 2, 1, 2, 1, len(text), len(text))
    assert "quoted scalar" in diagnostic.message


@pytest.mark.parametrize(
    "text, start",
    [
        ("a: 1\n\x00b: 2\n", (2, 1)),
        ("a: 😀\x00\n", (1, 5)),  # offsets are code points, not UTF-8 bytes
    ],
)
def test_nul_byte_gives_a_diagnostic_at_the_nul(text, start):
    diagnostic = only_diagnostic(text)
    assert "#x0000" in diagnostic.message
    assert (diagnostic.span.start_line, diagnostic.span.start_col) == start


def test_lone_surrogate_gives_a_diagnostic():
    diagnostic = only_diagnostic("a: \ud800\n")
    assert diagnostic.message.startswith("invalid YAML: ")


# ------------------------------------------------------ hostile documents

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused():
    diagnostic = only_diagnostic(BILLION_LAUGHS)
    # `g` is the first node whose expansion exceeds a million nodes
    assert diagnostic.span == Span("f.yaml", 7, 4, 7, 5, 240, 241)
    assert "alias bomb" in diagnostic.message


def test_moderate_aliases_are_fine_and_shared():
    root = load_ok("a: &a [1, 2]\nb: *a\nc: [*a, *a]\n")
    a = root.get("a")
    assert root.get("b") is a
    assert root.get_seq("c").items == [a, a]
    assert a.path == ("a",)
    nodes = list(walk(root))
    assert len(nodes) == 8  # the shared sequence and its items are visited once
    assert [n.span.start_line for n in nodes] == [1, 1, 1, 1, 1, 2, 3, 3]


@pytest.mark.parametrize(
    "text, start",
    [
        ("a: &a [*a]\n", (1, 4)),
        ("a: &a\n  b: *a\n", (1, 4)),
        ("- &x [1, [2, *x]]\n", (1, 3)),
    ],
)
def test_recursive_alias_is_refused(text, start):
    diagnostic = only_diagnostic(text)
    assert (diagnostic.span.start_line, diagnostic.span.start_col) == start
    assert diagnostic.message == "YAML refused: an alias refers to its own anchor"


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    text = (
        f'cmd: !!python/object/apply:os.system ["touch {marker}"]\n'
        "obj: !!python/object:os.system x\n"
        "name: !!python/name:os.system ''\n"
        "map: !!python/object/new:subprocess.Popen {args: [id]}\n"
    )
    root = load_ok(text)
    assert not marker.exists()
    cmd = root.get_seq("cmd")
    assert [(i.text, i.value) for i in cmd.items] == [(f"touch {marker}", f"touch {marker}")]
    assert (root.get_scalar("obj").text, root.get_scalar("obj").value) == ("x", "x")
    assert root.get_scalar("name").value == ""
    assert isinstance(root.get("map"), MappingNode)
    for node in scalars(root):
        assert node.value is None or isinstance(node.value, (str, bool, int, float))


def test_flow_nesting_at_the_limit_is_accepted():
    depth = MAX_NESTING
    root = load_ok("[" * depth + "]" * depth)
    levels = 0
    node = root
    while isinstance(node, SequenceNode):
        levels += 1
        node = node.items[0] if node.items else None
    assert levels == depth


def test_nesting_over_the_limit_is_refused_at_the_first_collection_too_deep():
    # The top-level mapping is level 1, so the MAX_NESTING-th bracket is one too deep.
    depth = MAX_NESTING
    diagnostic = only_diagnostic("a: " + "[" * depth + "]" * depth)
    offset = 3 + MAX_NESTING - 1
    assert diagnostic.span == Span("f.yaml", 1, offset + 1, 1, offset + 2, offset, offset + 1)
    assert diagnostic.message == f"YAML refused: collections nested more than {MAX_NESTING} deep"


@pytest.mark.parametrize(
    "text, col",
    [
        ('"[" * 100_000 + "]" * 100_000', MAX_NESTING + 1),
        ('"[" * 100_000', MAX_NESTING + 1),
        ('"{a: " * 100_000 + "1" + "}" * 100_000', 4 * MAX_NESTING + 1),
    ],
)
def test_100k_deep_flow_nesting_does_not_crash(text, col):
    result = run_isolated(_ISOLATED_PRELUDE + f"report({text})\n")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["root"] == "NoneType"
    assert report["diagnostics"] == [
        ["parse-error", 1, col, 1, col + 1, f"YAML refused: collections nested more than {MAX_NESTING} deep"]
    ]


@pytest.mark.parametrize(
    "text",
    [
        '"- " * 100_000 + "x\\n"',  # block sequences nested on one line
        '"? " * 100_000 + "x\\n"',  # complex keys nested on one line
    ],
)
def test_100k_deep_block_nesting_does_not_crash(text):
    # Same hazard as deep flow nesting: libyaml's composer recurses per level.
    result = run_isolated(_ISOLATED_PRELUDE + f"report({text})\n")
    assert result.returncode == 0, f"loader process died with {result.returncode}: {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    if report["root"] == "NoneType":
        assert [d[0] for d in report["diagnostics"]] == ["parse-error"]
    else:
        assert report["diagnostics"] == []


@pytest.mark.parametrize(
    "text",
    [
        'key: "' + "[" * 5000 + '"\n',  # brackets inside a quoted scalar
        "# " + "{" * 5000 + "\na: 1\n",  # brackets inside a comment
        "pattern: '" + "[" * 4500 + "'\nsql: SELECT 1\n",
    ],
)
def test_brackets_that_are_not_flow_nesting_are_not_refused(text):
    # Only real flow collections overflow libyaml's composer; a string or a
    # comment full of brackets is valid YAML (yaml-cpp loads it) and must be
    # analysed, or one comment line hides a whole file from every rule.
    root, diagnostics = load(text)
    assert diagnostics == []
    assert isinstance(root, MappingNode)


def test_garbage_never_raises():
    samples = [
        "]]]]",
        "{{{{",
        "&a &b x",
        "*",
        "!<tag:x> [",
        "? : ? :",
        "- - - -",
        "'''",
        "|\n x\n  y\n z",
        ">-\n\ta",
        "%TAG ! tag:x\n--- !foo\n",
        "a: !!binary |\n  ###\n",
        "\u2028\u2029\x85",
    ]
    for text in samples:
        root, diagnostics = load(text)
        assert all(d.kind is DiagnosticKind.PARSE_ERROR for d in diagnostics)
        assert root is None or not diagnostics


# ------------------------------------------------------------------- tree


@pytest.mark.parametrize(
    "path, rendered",
    [
        ((), ""),
        (("auth", "users", 0, "password"), "auth.users[0].password"),
        ((0, 1), "[0][1]"),
        (("a b",), '["a b"]'),
        (("x", 'q"uote'), 'x["q\\"uote"]'),
        (("back\\slash",), '["back\\\\slash"]'),
        (("",), '[""]'),
        (("k.v",), '["k.v"]'),
        (("mcp-tool", "allowed_roles", "$ref"), "mcp-tool.allowed_roles.$ref"),
        (("é",), "é"),
    ],
)
def test_format_path(path, rendered):
    assert format_path(path) == rendered


def test_walk_none_and_order():
    assert list(walk(None)) == []
    root = load_ok("a: [1, {b: 2}]\nc: 3\n")
    kinds = [(type(n).__name__, n.path) for n in walk(root)]
    assert kinds == [
        ("MappingNode", ()),
        ("ScalarNode", ("a",)),
        ("SequenceNode", ("a",)),
        ("ScalarNode", ("a", 0)),
        ("MappingNode", ("a", 1)),
        ("ScalarNode", ("a", 1, "b")),
        ("ScalarNode", ("a", 1, "b")),
        ("ScalarNode", ("c",)),
        ("ScalarNode", ("c",)),
    ]
    assert [s.text for s in scalars(root)] == ["a", "1", "b", "2", "c", "3"]


def test_walk_a_very_deep_tree_without_recursion():
    span = Span("f", 1, 1, 1, 1)
    leaf = ScalarNode(span, (), "leaf", "leaf")
    node = leaf
    for _ in range(50_000):
        node = SequenceNode(span, (), [node])
    nodes = list(walk(node))
    assert len(nodes) == 50_001
    assert nodes[-1] is leaf


def test_walk_visits_nodes_shared_by_aliases_once():
    text = "a: &a {x: 1}\n" + "".join(f"k{i}: [*a, *a, *a]\n" for i in range(200))
    root = load_ok(text)
    nodes = list(walk(root))
    assert len(nodes) == len({id(n) for n in nodes})
    shared = root.get("a")
    assert sum(1 for n in nodes if n is shared) == 1
    # 1 root + 201 keys + 3 nodes of the shared map + 200 sequences
    assert len(nodes) == 1 + 201 + 3 + 200


def test_mapping_helpers():
    root = load_ok("m: {a: 1}\ns: [1]\nt: text\nn:\n")
    assert root.get_map("m") is root.get("m")
    assert root.get_map("s") is None
    assert root.get_seq("s") is root.get("s")
    assert root.get_scalar("m") is None
    assert root.get_text("t") == "text"
    assert root.get_text("n") is None
    assert root.get_text("missing") is None
    assert root.get("missing") is None
    assert list(root.keys()) == ["m", "s", "t", "n"]
