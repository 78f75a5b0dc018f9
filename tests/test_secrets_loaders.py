"""The TOML and .env loaders (positions, values, diagnostics) and their discovery hooks."""

from __future__ import annotations

import datetime
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcplint.diagnostics import DiagnosticKind
from mcplint.discovery import FileAccess, discover, has_suffix
from mcplint.loaders.env_file import is_env_file, load_env
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.toml_loader import MAX_DEPTH, load_toml
from mcplint.model.builder import build_model
from mcplint.source import source_from_text
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode, scalars

from conftest import write_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def toml(text: str):
    return load_toml(PlainText(source_from_text("x.toml", text)))


def env(text: str, lenient: bool = False):
    return load_env(PlainText(source_from_text(".env", text)), lenient=lenient)


def at(text: str, node: Node) -> str:
    return text[node.span.start_offset : node.span.end_offset]


def plain(node: Node | None) -> object:
    """The tree as plain Python data, scalars by their typed value."""
    if isinstance(node, MappingNode):
        return {k.text: plain(v) for k, v in node.pairs}  # type: ignore[union-attr]
    if isinstance(node, SequenceNode):
        return [plain(i) for i in node.items]
    assert isinstance(node, ScalarNode)
    return node.value


# --------------------------------------------------------------------- TOML

DOCUMENT = '''\
# settings
title = "Shop \\u00e9"
[owner]
name = 'Tom'  # trailing comment
dob = 1979-05-27 07:32:00-08:00
[database]
ports = [ 8000, 8001,
  # inside an array
  8002, ]
nested = [ ["a", "b"], [1, 2] ]
limits = { cpu = 79.5, case.temp = 72.0 }
[[servers]]
name = "alpha"
[[servers]]
name = """
multi\\
   line"""
[servers.extra]
raw = \'\'\'C:\\path\'\'\'
[tool.mcplint.per-file-ignores]
"secrets/**" = ["SEC003"]
a.b."c d" = true
'''


def test_toml_tree_matches_tomllib_and_spans_are_exact() -> None:
    root, problems = toml(DOCUMENT)
    assert problems == []
    assert plain(root) == tomllib.loads(DOCUMENT)
    for node in scalars(root):
        raw = at(DOCUMENT, node)
        if node.style is None and node.path and node.text == node.path[-1]:
            continue  # a bare key
        if node.style is not None and node.text == node.path[-1] and raw.strip("\"'") == node.text:
            continue  # a quoted key
        assert tomllib.loads(f"v = {raw}")["v"] == node.value, (node.logical_path, raw)


def test_toml_positions_of_keys_values_and_tables() -> None:
    root, _ = toml(DOCUMENT)
    assert isinstance(root, MappingNode)
    owner = root.get_map("owner")
    assert owner is not None and (owner.span.start_line, owner.span.start_col) == (3, 1)
    name = owner.get_scalar("name")
    assert name is not None and (name.span.start_line, name.span.start_col, name.span.end_col) == (4, 8, 13)
    assert name.style == "'" and name.logical_path == "owner.name"
    ports = root.get_map("database").get_seq("ports")  # type: ignore[union-attr]
    assert [(p.span.start_line, p.span.start_col) for p in ports.items] == [(7, 11), (7, 17), (9, 3)]
    servers = root.get_seq("servers")
    assert servers is not None and len(servers.items) == 2
    multi = servers.items[1].get_scalar("name")  # type: ignore[union-attr]
    assert multi.text == "multiline" and multi.style == '"""' and multi.span.start_line == 15
    raw = servers.items[1].get_map("extra").get_scalar("raw")  # type: ignore[union-attr]
    assert raw.text == "C:\\path" and raw.logical_path == "servers[1].extra.raw"
    ignores = root.get_map("tool").get_map("mcplint").get_map("per-file-ignores")  # type: ignore[union-attr]
    key, value = ignores.pairs[0]  # type: ignore[union-attr]
    assert key.text == "secrets/**" and value.logical_path == 'tool.mcplint.per-file-ignores["secrets/**"]'
    assert (key.span.start_line, key.span.start_col, key.span.end_col) == (21, 1, 13)


def test_toml_super_table_after_sub_table_and_dotted_keys() -> None:
    text = "[a.b]\nx = 1\n[a]\ny.z = 2\n"
    root, problems = toml(text)
    assert problems == [] and plain(root) == {"a": {"b": {"x": 1}, "y": {"z": 2}}}
    a = root.get_map("a")  # type: ignore[union-attr]
    assert a.span.start_line == 3  # the header that defines it


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ("a = 1\nb = \n", 2, 5, "invalid TOML: Invalid value"),
        ("[a]\n[a]\n", 2, 3, "invalid TOML: Cannot declare ('a',) twice"),
        ('a = "open', 1, 10, "invalid TOML: Unterminated string"),  # "at end of document"
        ('a = "open\n', 1, 10, "invalid TOML: Illegal character '\\n'"),
    ],
)
def test_invalid_toml_is_a_positioned_diagnostic(text: str, line: int, col: int, message: str) -> None:
    root, problems = toml(text)
    assert root is None
    [problem] = problems
    assert problem.kind is DiagnosticKind.PARSE_ERROR
    assert problem.message == message
    assert (problem.span.start_line, problem.span.start_col) == (line, col)


def test_deeply_nested_toml_is_refused_not_crashed() -> None:
    depth = MAX_DEPTH + 50
    text = "a = " + "[" * depth + "1" + "]" * depth + "\n"
    root, problems = toml(text)
    assert root is None and len(problems) == 1
    assert problems[0].message in ("invalid TOML: nesting too deep to analyse", f"TOML refused: nesting deeper than {MAX_DEPTH} levels")


# mcplint's sources replace U+E000/U+E001 (its internal markers), so generated text avoids them.
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ue000\ue001")
_KEYS = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True), st.text(alphabet=_CHARS, min_size=1, max_size=6)
)
_SCALARS = st.one_of(
    st.text(alphabet=_CHARS, max_size=12),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1)),
)


def _key(key: str, draw_style: int) -> str:
    if draw_style == 0 and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return _basic(key)


def _basic(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _value(value: object, style: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and math.isfinite(value) else str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    assert isinstance(value, str)
    if style == 1 and "'" not in value and all(ord(c) >= 0x20 and ord(c) != 0x7F for c in value):
        return f"'{value}'"
    if style == 2 and '"' not in value and "\\" not in value and all(ord(c) >= 0x20 and c != "\x7f" for c in value):
        return f'"""\n{value}"""'
    return _basic(value)


@st.composite
def documents(draw):  # type: ignore[no-untyped-def]
    """Random TOML text built from random data, in varied styles, with the data it holds."""
    lines: list[str] = []
    data: dict = {}
    for _ in range(draw(st.integers(0, 4))):
        key = draw(_KEYS)
        if key in data:
            continue
        kind = draw(st.integers(0, 3))
        style = draw(st.integers(0, 2))
        if kind == 0:
            value = draw(_SCALARS)
            data[key] = value
            lines.append(f"{_key(key, style)} = {_value(value, style)}  # c")
        elif kind == 1:
            items = draw(st.lists(st.integers(-5, 5), max_size=4))
            data[key] = items
            lines.append(f"{_key(key, style)} = [\n  " + ",\n  ".join(map(str, items)) + (",\n]" if items else "]"))
        elif kind == 2:
            inner = draw(st.dictionaries(_KEYS, st.text(alphabet=_CHARS, max_size=6), max_size=3))
            data[key] = inner
            body = ", ".join(f"{_key(k, 1)} = {_basic(v)}" for k, v in inner.items())
            lines.append(f"{_key(key, style)} = {{ {body} }}")
        else:
            table = draw(st.dictionaries(_KEYS, _SCALARS, max_size=3))
            data.setdefault("__tables__", []).append((key, table))
    text = "\n".join(lines) + "\n"
    for key, table in data.pop("__tables__", []):
        if key in data:
            continue
        data[key] = table
        text += f"\n[{_key(key, 1)}]\n" + "".join(f"{_key(k, 0)} = {_value(v, 0)}\n" for k, v in table.items())
    return text, data


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents())
def test_toml_loader_agrees_with_tomllib_on_random_documents(doc) -> None:  # type: ignore[no-untyped-def]
    text, data = doc
    expected = tomllib.loads(text)  # the generator writes valid TOML
    assert expected == data
    root, problems = toml(text)
    assert problems == []
    assert plain(root) == expected
    for node in scalars(root):
        if node.path and node.text == node.path[-1] and not isinstance(node.value, (bool, int, float)):
            continue  # keys
        assert tomllib.loads(f"v = {at(text, node)}")["v"] == node.value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab=[]{}\"'#.,\n \t\\10x-")), max_size=60))
def test_toml_loader_never_raises(text: str) -> None:
    root, problems = toml(text)
    assert root is not None or problems


# ---------------------------------------------------------------------- .env

def test_env_values_quotes_comments_and_positions() -> None:
    text = (
        "# comment\n"
        "PLAIN=value with spaces   # trailing comment\n"
        "export EXPORTED='single # not a comment'\n"
        'DOUBLE="line\\nbreak \\"quoted\\""  # c\n'
        "EMPTY=\n"
        "EMPTY_COMMENT=  # only a comment\n"
        "HASH=abc#def\n"
        "not an assignment\n"
        "MULTI=\"first\nsecond\"\n"
        "SPACED = spaced\r\n"
        "PLAIN=again\n"
    )
    root, problems = env(text)
    assert problems == []
    assert isinstance(root, MappingNode)
    values = [(k.text, v.text, v.style) for k, v in root.pairs]  # type: ignore[union-attr]
    assert values == [
        ("PLAIN", "value with spaces", None),
        ("EXPORTED", "single # not a comment", "'"),
        ("DOUBLE", 'line\nbreak "quoted"', '"'),
        ("EMPTY", "", None),
        ("EMPTY_COMMENT", "", None),
        ("HASH", "abc#def", None),
        ("MULTI", "first\nsecond", '"'),
        ("SPACED", "spaced", None),
        ("PLAIN", "again", None),  # a key written twice keeps both lines
    ]
    plain_value = root.pairs[0][1]
    assert (plain_value.span.start_line, plain_value.span.start_col, plain_value.span.end_col) == (2, 7, 24)
    exported_key = root.pairs[1][0]
    assert (exported_key.span.start_line, exported_key.span.start_col) == (3, 8)
    assert at(text, root.pairs[1][1]) == "'single # not a comment'"
    assert root.pairs[6][1].span.end_line == 10
    assert root.pairs[0][1].logical_path == "PLAIN"


def test_unterminated_quote_is_reported_except_in_envrc() -> None:
    text = 'A=1\nB="never closed\nC=3\n'
    root, problems = env(text)
    [problem] = problems
    assert problem.kind is DiagnosticKind.PARSE_ERROR
    assert (problem.span.start_line, problem.span.start_col) == (2, 3)
    assert "never closed" in problem.message and "B" not in problem.message.split("quote")[0]
    assert [k.text for k, _ in root.pairs] == ["A"]  # type: ignore[union-attr]
    _, quiet = env(text, lenient=True)
    assert quiet == []


def test_envrc_shell_lines_are_skipped() -> None:
    text = "use flake\nif [ -f x ]; then source x; fi\nexport TOKEN=abc\nPATH_add bin\n"
    root, problems = env(text, lenient=True)
    assert problems == [] and [(k.text, v.text) for k, v in root.pairs] == [("TOKEN", "abc")]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "linted"),
    [
        (".env", True),
        (".env.local", True),
        (".env.production", True),
        (".env.example", True),
        ("prod.env", True),
        (".envrc", True),
        (".env.vault", False),  # dotenv-vault: encrypted, meant to be committed
        ("env", False),
        ("environment.py", False),
        (".environment", False),
    ],
)
def test_environment_file_names(name: str, linted: bool) -> None:
    assert is_env_file(name) is linted
    suffixes = (".yaml", ".toml", ".env")
    assert has_suffix(Path("dir") / name, suffixes) is linted
    assert has_suffix(Path("dir") / name, (".yaml",)) is False


def test_discovery_and_model_read_toml_and_env_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".env": "A=1\n",
            "sub/.env.local": "B=2\n",
            "sub/app.env": "C=3\n",
            ".envrc": "export D=4\n",
            ".env.vault": "DOTENV_VAULT=encrypted\n",
            ".env.yaml": "e: 5\n",
            "pyproject.toml": "[project]\nname = 'x'\n",
            "broken.toml": "a = \n",
            "fluxbase.toml": "[database]\npassword = 'x'\n[auth]\njwt_secret = 'y'\n",
        },
    )
    access = FileAccess(tmp_path)
    found = discover([tmp_path], access)
    names = sorted(access.rel(p) for p in found.files)
    assert names == [".env", ".env.yaml", ".envrc", "broken.toml", "fluxbase.toml", "pyproject.toml",
                     "sub/.env.local", "sub/app.env"]
    model = build_model(found)
    formats = {d.path: d.format for d in model.documents}
    assert formats == {
        ".env": "env",
        ".env.yaml": "yaml",
        ".envrc": "env",
        "broken.toml": "toml",
        "fluxbase.toml": "toml",
        "pyproject.toml": "toml",
        "sub/.env.local": "env",
        "sub/app.env": "env",
    }
    assert model.fluxbase == []  # TOML files are read for secrets only, never classified as services
    [problem] = [d for d in model.diagnostics if d.span.path == "broken.toml"]
    assert problem.kind is DiagnosticKind.PARSE_ERROR and problem.span.start_line == 1


def test_a_single_env_file_can_be_passed(tmp_path: Path) -> None:
    write_tree(tmp_path, {".env.local": "A=1\n", "notes.txt": "x\n"})
    access = FileAccess(tmp_path)
    found = discover([tmp_path / ".env.local", tmp_path / "notes.txt"], access)
    assert [access.rel(p) for p in found.files] == [".env.local"]
