"""JSON / JSONC to a positioned tree (mcplint.loaders.json_loader)."""

from __future__ import annotations

import codecs
import math

import pytest

from mcplint.diagnostics import DiagnosticKind
from mcplint.loaders.json_loader import MAX_DEPTH, load_json
from mcplint.loaders.textmap import PlainText
from mcplint.source import read_source, source_from_text
from mcplint.span import Span
from mcplint.tree import MappingNode, ScalarNode, SequenceNode, walk


def load(text: str, path: str = "c.json"):
    return load_json(PlainText(source_from_text(path, text)))


def load_ok(text: str, path: str = "c.json"):
    root, diagnostics = load(text, path)
    assert diagnostics == []
    return root


def pos(node) -> tuple[int, int, int, int]:
    s = node.span
    return s.start_line, s.start_col, s.end_line, s.end_col


def error(text: str):
    """The single diagnostic for ``text``; loading must not raise."""
    root, diagnostics = load(text)
    assert root is None
    assert len(diagnostics) == 1
    assert diagnostics[0].kind is DiagnosticKind.PARSE_ERROR
    assert diagnostics[0].message.startswith("invalid JSON: ")
    return diagnostics[0]


# ------------------------------------------------------------- positions


def test_positions_and_paths_of_a_client_config():
    text = (
        "{\n"
        '  "mcpServers": {\n'
        '    "db": {\n'
        '      "command": "npx",\n'
        '      "args": ["-y", "pg"],\n'
        '      "env": {"PGPASSWORD": "hunter2"}\n'
        "    }\n"
        "  }\n"
        "}\n"
    )
    root = load_ok(text)
    assert isinstance(root, MappingNode)
    assert pos(root) == (1, 1, 9, 2)
    db = root.get_map("mcpServers").get_map("db")
    assert pos(db) == (3, 11, 7, 6)
    command_key, command = db.get_pair("command")
    assert pos(command_key) == (4, 7, 4, 16)  # quotes included
    assert command_key.path == ("mcpServers", "db", "command")
    assert (command.text, command.value, command.style) == ("npx", "npx", '"')
    assert pos(command) == (4, 18, 4, 23)
    args = db.get_seq("args")
    assert pos(args) == (5, 15, 5, 27)
    assert [(i.text, pos(i), i.path) for i in args.items] == [
        ("-y", (5, 16, 5, 20), ("mcpServers", "db", "args", 0)),
        ("pg", (5, 22, 5, 26), ("mcpServers", "db", "args", 1)),
    ]
    password = db.get_map("env").get_scalar("PGPASSWORD")
    assert pos(password) == (6, 29, 6, 38)
    assert password.logical_path == "mcpServers.db.env.PGPASSWORD"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{\r\n"a":\r\n  "vv"}', (3, 3, 3, 7)),  # CRLF
        ('{\r"a":\r  "vv"}', (3, 3, 3, 7)),  # CR only
        ('{\n\t"a":\t"vv"}', (2, 7, 2, 11)),  # tabs are one column
        ('{"é😀": "vv"}', (1, 8, 1, 12)),  # astral characters are one column
        ('{"k": "😀"}\n', (1, 7, 1, 10)),
        ('\ufeff{"a": "vv"}', (1, 8, 1, 12)),  # a BOM left in the text is a column
        ("// c\n/* x\n y */ {\"a\": \"vv\"}", (3, 13, 3, 17)),
    ],
)
def test_value_positions(text, expected):
    root = load_ok(text)
    value = root.pairs[0][1]
    assert pos(value) == expected
    assert text[value.span.start_offset : value.span.end_offset] in ('"vv"', '"😀"')


def test_positions_after_a_utf8_bom_on_disk(tmp_path):
    path = tmp_path / "mcp.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a":\r\n "b"}')
    source, diagnostics = read_source(path, "mcp.json")
    assert diagnostics == []
    root, diagnostics = load_json(PlainText(source))
    assert diagnostics == []
    assert root.span == Span("mcp.json", 1, 1, 2, 6, 0, 12)
    assert pos(root.get("a")) == (2, 2, 2, 5)


# ------------------------------------------------------------ typed values


@pytest.mark.parametrize(
    "raw, text, value",
    [
        ("1", "1", 1),
        ("-0", "-0", 0),
        ("1.5E+3", "1.5E+3", 1500.0),
        ("0.25", "0.25", 0.25),
        ("true", "true", True),
        ("false", "false", False),
        ("null", "null", None),
        ('"x\\ny"', "x\ny", "x\ny"),
        ('"\\u00e9\\ud83d\\ude00"', "é😀", "é😀"),
        ('"\\ud800"', "\ud800", "\ud800"),  # a lone surrogate escape is accepted, as json does
        ('""', "", ""),
    ],
)
def test_scalar_values(raw, text, value):
    root = load_ok(raw)
    assert isinstance(root, ScalarNode)
    assert root.text == text
    assert root.value == value
    assert type(root.value) is type(value)
    assert pos(root) == (1, 1, 1, 1 + len(raw))


def test_huge_exponent_is_infinity():
    root = load_ok("[1e999]")
    assert math.isinf(root.items[0].value)
    assert root.items[0].text == "1e999"


def test_null_scalar_is_null_but_string_is_not():
    root = load_ok('{"a": null, "b": "", "c": "null"}')
    assert root.get_scalar("a").is_null
    assert not root.get_scalar("b").is_null
    assert root.get_text("c") == "null"


# ------------------------------------------------------------------ JSONC


def test_comments_and_trailing_commas():
    text = '// head\n{\n  /* x */ "a": [1, 2,], // t\n  "b": {"c": 3,},\n}\n/* tail */'
    root = load_ok(text)
    assert pos(root) == (2, 1, 5, 2)
    assert list(root.keys()) == ["a", "b"]
    assert [i.value for i in root.get_seq("a").items] == [1, 2]
    assert pos(root.get_pair("a")[0]) == (3, 11, 3, 14)
    assert root.get_map("b").get_scalar("c").value == 3


def test_comment_markers_inside_strings_are_text():
    root = load_ok('{"url": "http://x/*y*/", "c": "//"}')
    assert root.get_text("url") == "http://x/*y*/"
    assert root.get_text("c") == "//"


@pytest.mark.parametrize("text", ["", "   \n\t", "// only\n", "/* only */"])
def test_empty_documents(text):
    assert load(text) == (None, [])


# ---------------------------------------------------------- duplicate keys


def test_last_duplicate_key_wins():
    root = load_ok('{"a": 1, "b": 2, "a": 3}')
    assert [(k.text, v.value) for k, v in root.pairs] == [("b", 2), ("a", 3)]
    key, value = root.get_pair("a")
    assert pos(key) == (1, 18, 1, 21)
    assert pos(value) == (1, 23, 1, 24)
    assert value.value == 3


def test_duplicate_keys_in_nested_objects():
    root = load_ok('{"s": {"k": "old", "k": {"deep": true}}}')
    inner = root.get_map("s")
    assert len(inner.pairs) == 1
    assert inner.get_map("k").get_scalar("deep").value is True
    assert inner.get_map("k").get_scalar("deep").path == ("s", "k", "deep")


# -------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    "text, start, message",
    [
        ('{"a" 1}', (1, 6), "expected ':' after the key"),
        ('{"a":}', (1, 6), "unexpected '}', expected a value"),
        ("[1,,2]", (1, 4), "unexpected ',', expected a value"),
        ("[,]", (1, 2), "unexpected ',', expected a value"),
        ("{,}", (1, 2), "expected a string key, found ','"),
        ("[1 2]", (1, 4), "expected ',' or ']', found '2'"),
        ('{"a":1 "b":2}', (1, 8), "expected ',' or '}', found a string"),  # never quotes a string: secrets
        ('{"a":1}x', (1, 8), "unexpected character 'x'"),
        ('{"a":1} {}', (1, 9), "unexpected '{' after the document"),
        ("01", (1, 2), "unexpected '1' after the document"),
        ("-", (1, 1), "unexpected character '-'"),
        ("tru", (1, 1), "unexpected character 't'"),
        ("{1:2}", (1, 2), "expected a string key, found '1'"),
        ("{'a': 1}", (1, 2), "unexpected character \"'\""),
        ("/* open", (1, 1), "unterminated comment"),
        ('"abc', (1, 1), "unterminated string or invalid character in string"),
        ('{"a":\n  "b\tc"}', (2, 3), "unterminated string or invalid character in string"),
        ('{"a": "\\x"}', (1, 7), "invalid escape in string"),
        ("[\n1,\r\n2", (1, 1), "unexpected end of input in an unclosed container"),
        ('{"a":', (1, 6), "unexpected end of input, expected a value"),
        ("\x00", (1, 1), "unexpected character '\\x00'"),
        ("[\x00]", (1, 2), "unexpected character '\\x00'"),
        ('"a\x00b"', (1, 1), "unterminated string or invalid character in string"),
        ("]", (1, 1), "unexpected ']', expected a value"),
    ],
)
def test_syntax_errors(text, start, message):
    diagnostic = error(text)
    assert (diagnostic.span.start_line, diagnostic.span.start_col) == start
    assert diagnostic.message == f"invalid JSON: {message}"
    assert diagnostic.span.path == "c.json"


def test_error_span_is_one_character_or_empty_at_the_end():
    diagnostic = error('{"a":')
    assert diagnostic.span == Span("c.json", 1, 6, 1, 6, 5, 5)
    diagnostic = error("[1 2]")
    assert diagnostic.span == Span("c.json", 1, 4, 1, 5, 3, 4)


@pytest.mark.parametrize(
    "text, start",
    [
        ('{"\\x": 1}', (1, 2)),  # invalid escape in a key
        ('{"ok": {"\\u12": 1}}', (1, 9)),  # truncated \u escape in a nested key
    ],
)
def test_invalid_escape_in_a_key_is_a_diagnostic_not_an_exception(text, start):
    diagnostic = error(text)
    assert (diagnostic.span.start_line, diagnostic.span.start_col) == start
    assert "escape" in diagnostic.message


@pytest.mark.parametrize(
    "text, number",
    [
        ("1" * 5000, "1" * 5000),
        ("[" + "9" * 5000 + "]", "9" * 5000),
        ('{"n": -' + "1" * 4500 + "}", "-" + "1" * 4500),
    ],
)
def test_number_with_thousands_of_digits_does_not_raise(text, number):
    # Python refuses int("1" * 5000) by default; the loader must still answer
    # with a tree or a diagnostic, never an exception.
    root, diagnostics = load(text)
    if root is None:
        assert [d.kind for d in diagnostics] == [DiagnosticKind.PARSE_ERROR]
    else:
        assert diagnostics == []
        scalars = [n for n in walk(root) if isinstance(n, ScalarNode) and n.style is None]
        assert [n.text for n in scalars] == [number]


# --------------------------------------------------------------- nesting


def test_nesting_at_the_limit_is_accepted():
    root = load_ok("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    depth = 0
    node = root
    while isinstance(node, SequenceNode):
        depth += 1
        node = node.items[0] if node.items else None
    assert depth == MAX_DEPTH


@pytest.mark.parametrize(
    "text, start_col",
    [
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), MAX_DEPTH + 1),
        ("[" * 100_000, MAX_DEPTH + 1),
        ("[" * 100_000 + "]" * 100_000, MAX_DEPTH + 1),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, 5 * MAX_DEPTH + 1),
        ('[{"a":' * 50_000, 3 * MAX_DEPTH + 1),
    ],
)
def test_deep_nesting_is_a_diagnostic_at_the_first_bracket_too_deep(text, start_col):
    diagnostic = error(text)
    assert diagnostic.span == Span("c.json", 1, start_col, 1, start_col + 1, start_col - 1, start_col)
    assert diagnostic.message == f"invalid JSON: nesting deeper than {MAX_DEPTH} levels"


def test_deep_but_allowed_nesting_keeps_paths():
    text = '{"a":' * 50 + "7" + "}" * 50
    root = load_ok(text)
    leaf = [n for n in walk(root) if isinstance(n, ScalarNode) and n.value == 7]
    assert len(leaf) == 1
    assert leaf[0].path == ("a",) * 50
    assert pos(leaf[0]) == (1, 251, 1, 252)
