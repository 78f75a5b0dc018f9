"""The bounded TOML parse (safe_toml) and the configuration reader built on it.

Refusals must point at the exact key part or bracket that goes beyond the bounds; text within them
must read exactly as ``tomllib`` reads it; configuration problems are one line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mcplint import config as config_module
from mcplint.config import ConfigError, find_config_file, load_config
from mcplint.diagnostics import DiagnosticKind
from mcplint.loaders import safe_toml
from mcplint.loaders.safe_toml import MAX_DEPTH, MAX_KEY_PARTS, TomlError, parse_toml, prescan
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.toml_loader import load_toml
from mcplint.source import source_from_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def refusal(text: str) -> tuple[str, int, int]:
    """(describe(), line, column) of the TomlError parse_toml raises."""
    with pytest.raises(TomlError) as caught:
        parse_toml(text)
    line, column = caught.value.position(text)
    return caught.value.describe(), line, column


def assert_within_bound(text: str, expected: tuple[str, int, int] | None) -> None:
    """``expected`` None: parsed as tomllib parses it; else refused with that (message, line, column)."""
    if expected is None:
        assert parse_toml(text) == tomllib.loads(text)
    else:
        assert refusal(text) == expected


def keys(n: int, sep: str = ".", part: str = "b") -> str:
    return sep.join([part] * n)


# ----------------------------------------------------------------------------- bounds


def test_bounds_are_below_what_tomllib_survives() -> None:
    assert MAX_KEY_PARTS == 64 and MAX_DEPTH == 256
    assert sys.getrecursionlimit() >= 1000  # 256 inline tables take ~770 frames in tomllib


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # dotted keys: 64 parts pass, 65 are refused at the start of the key
        ("x = 1\n" + keys(64) + " = 1\n", None),
        ("x = 1\n" + keys(65) + " = 1\n", ("TOML refused: dotted key with more than 64 parts", 2, 1)),
        ("x = 1\n  " + keys(65, " . ") + " = 1\n", ("TOML refused: dotted key with more than 64 parts", 2, 3)),
        ("x = 1\n" + keys(1_000) + " = 1\n", ("TOML refused: dotted key with more than 64 parts", 2, 1)),
        # quoted parts count one each, whatever they hold
        ("x = 1\n" + keys(65, part="'b'") + " = 1\n", ("TOML refused: dotted key with more than 64 parts", 2, 1)),
        ('"a.b.c.d".' + keys(63, part='"q.q"') + " = 1\n", None),
        # table headers, plain and array-of-tables: refused at the bracket
        ("[" + keys(64) + "]\nx = 1\n", None),
        ("a = 1\n\n  [" + keys(65) + "]\n", ("TOML refused: table header with more than 64 parts", 3, 3)),
        ("[[" + keys(1_000, part="t") + "]]\n", ("TOML refused: table header with more than 64 parts", 1, 1)),
        # dotted keys inside inline tables
        ("a = {x = 1, " + keys(65) + " = 2}\n", ("TOML refused: dotted key with more than 64 parts", 1, 13)),
    ],
)
def test_key_parts_are_bounded_at_the_key(text: str, expected: tuple[str, int, int] | None) -> None:
    assert_within_bound(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # arrays: the array at path length 256 passes, the 257th bracket is refused (column 4 + 257)
        ("a = " + "[" * 256 + "]" * 256 + "\n", None),
        ("a = " + "[" * 257 + "]" * 257 + "\n", ("TOML refused: nesting deeper than 256 levels", 1, 261)),
        ("a = " + "[" * 5_000 + "]" * 5_000 + "\n", ("TOML refused: nesting deeper than 256 levels", 1, 261)),
        # inline tables: each `{b = ` is five characters; the key `b` at depth 257 is refused
        ("a = " + "{b = " * 255 + "1" + "}" * 255 + "\n", None),
        ("a = " + "{b = " * 256 + "1" + "}" * 256 + "\n", ("TOML refused: nesting deeper than 256 levels", 1, 1281)),
        # arrays of inline tables: two levels per `[{b = ` (six characters)
        ("a = " + "[{b = " * 127 + "1" + "}]" * 127 + "\n", None),
        ("x = 1\na = " + "[{b = " * 128 + "1" + "}]" * 128 + "\n",
         ("TOML refused: nesting deeper than 256 levels", 2, 4 + 6 * 127 + 2 + 1)),
        # dotted keys inside deep inline tables: the exact part that is too deep (`{b.c = `: seven characters)
        ("a = " + "{b.c = " * 128 + "1" + "}" * 128 + "\n",
         ("TOML refused: nesting deeper than 256 levels", 1, 4 + 7 * 127 + 1 + 2 + 1)),
        # header parts and key parts add up with the brackets
        # (the array a key names is at the key's own path length: 120 + 136 = 256)
        ("[" + keys(60) + "]\n" + keys(60, part="k") + " = " + "[" * 137 + "]" * 137 + "\n", None),
        ("[" + keys(60) + "]\n" + keys(60, part="k") + " = " + "[" * 138 + "]" * 138 + "\n",
         ("TOML refused: nesting deeper than 256 levels", 2, 119 + 3 + 137 + 1)),
    ],
)
def test_nesting_is_bounded_at_the_bracket(text: str, expected: tuple[str, int, int] | None) -> None:
    assert_within_bound(text, expected)


@pytest.mark.parametrize(
    "text",
    [
        # brackets, dots and comment signs inside strings and comments are not structure
        'x = "' + "[" * 400 + "a." * 100 + '"\n',
        "x = '" + "{" * 400 + "'\n",
        'x = """\n' + "[" * 400 + '\n""" # ' + "[" * 400 + "\n",
        "x = '''" + "[" * 400 + "'''\n",
        "# " + "[" * 400 + "\n" + "# " + "a." * 100 + "\n",
        # string edges: escaped quotes, quotes at the end of multi-line strings
        'x = "a\\"[[[["\ny = """q""""\nz = \'\'\'q\'\'\'\'\'\nw = """a\\"""[["""\n'
        + "".join(f"s{i} = ['[[', \"]]\", '''{{''']\n" for i in range(200)),
        # many dots in values: floats, dates, versions (forces the full pre-scan)
        "".join(f"v{i} = {i}.5\nd{i} = 1979-05-27 07:32:00.999\ns{i} = 'a.b.c'\n" for i in range(200)),
        # arrays of tables, sub-tables, inline tables in arrays, CRLF line ends
        "[[a]]\r\nx = 1\r\n[[a.b]]\r\ny = [{c = 1}, {d.e = [1, [2, [3]]]}]\r\n[a.f]\r\n"
        + "".join(f"g.h{i} = 1.5\r\n" for i in range(100)),
        "".join(f"a{i} = [\n  1,  # [[[\n  [2, 3],\n  {{ x.y = 1 }},\n]\n" for i in range(100)),
    ],
)
def test_text_within_the_bounds_reads_as_tomllib_reads_it(text: str) -> None:
    assert prescan(text) is None
    assert parse_toml(text) == tomllib.loads(text)


DEEP = "[" * 300 + "{" * 300 + "a." * 100


@pytest.mark.parametrize(
    "value",
    [
        f'"{DEEP}\\"{DEEP}"',  # escaped quote in a basic string
        f"'{DEEP}\\'",  # a literal string ends at its first quote, backslash or not
        f'"""\n{DEEP}\n\\"""{DEEP}"""',  # escaped quotes inside a multi-line basic string
        f'"""{DEEP}""""',  # one quote of content before the closing delimiter
        f'"""{DEEP}"""""',  # two quotes of content
        f"'''{DEEP}''''",
        f"'''{DEEP}'''''",
        f"'''\n{DEEP}\n'' '''",
        f'"""\\\n  {DEEP} \\\n"""',  # line-ending backslashes
        f'["{DEEP}", \'{DEEP}\', """{DEEP}""", \'\'\'{DEEP}\'\'\'] # {DEEP}',
        f'{{a = "{DEEP}", b.c = \'{DEEP}\'}}',
        f"1979-05-27 07:32:00.999 # {DEEP}",
    ],
)
def test_strings_and_comments_are_skipped_exactly(value: str) -> None:
    # Brackets, braces and dots inside them would be refused as structure; what follows them is read as structure.
    text = f"v = {value}\n"
    assert parse_toml(text) == tomllib.loads(text)
    line = text.count("\n") + 1
    assert refusal(text + "  " + keys(65) + " = 1\n") == ("TOML refused: dotted key with more than 64 parts", line, 3)
    assert refusal(text + "w = " + "[" * 257 + "]" * 257 + "\n") == (
        "TOML refused: nesting deeper than 256 levels", line, 4 + 257,
    )


def test_an_earlier_syntax_error_is_reported_before_a_refusal() -> None:
    text = "a = 1\nb = = 2\nc = 3\n" + keys(65) + " = 1\n"
    assert refusal(text) == ("invalid TOML: Invalid value", 2, 5)
    # the error on the refused line itself: the refusal stands (it is at the same place or before)
    assert refusal("a = 1\n" + keys(65) + " = = 1\n")[0] == "TOML refused: dotted key with more than 64 parts"


def test_an_unterminated_string_stops_the_pre_scan_and_tomllib_reports_it() -> None:
    text = 'a = "open\nb = ' + "[" * 400 + "]" * 400 + "\n"
    assert refusal(text) == ("invalid TOML: Illegal character '\\n'", 1, 10)
    text = 'a = """never closed\n' + keys(100) + " = 1\n"
    assert refusal(text)[0] == "invalid TOML: Unterminated string"


def test_recursion_and_memory_errors_from_tomllib_are_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "x = 1\na = [[[1]]]\n"

    def recursion(_: str) -> dict:  # type: ignore[type-arg]
        raise RecursionError

    monkeypatch.setattr(safe_toml.tomllib, "loads", recursion)
    # positioned at the deepest place the pre-scan saw: the innermost bracket
    assert refusal(text) == ("TOML refused: nesting too deep to analyse", 2, 7)

    def memory(_: str) -> dict:  # type: ignore[type-arg]
        raise MemoryError

    monkeypatch.setattr(safe_toml.tomllib, "loads", memory)
    assert refusal(text) == ("TOML refused: too large to analyse", 1, 1)


# ------------------------------------------------------------------ scanned files


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ("ok = 1\n" + keys(1_000) + " = 1\n", 2, 1, "TOML refused: dotted key with more than 64 parts"),
        ("ok = 1\n[" + keys(1_000, part="t") + "]\nx = 1\n", 2, 1, "TOML refused: table header with more than 64 parts"),
        ("ok = 1\na = " + "[" * 5_000 + "]" * 5_000 + "\n", 2, 261, "TOML refused: nesting deeper than 256 levels"),
    ],
)
def test_scanned_toml_refusal_is_a_positioned_parse_diagnostic(text: str, line: int, col: int, message: str) -> None:
    root, problems = load_toml(PlainText(source_from_text("x.toml", text)))
    assert root is None
    [problem] = problems
    assert problem.kind is DiagnosticKind.PARSE_ERROR
    assert problem.message == message
    assert (problem.span.start_line, problem.span.start_col, problem.span.end_line, problem.span.end_col) == (
        line, col, line, col + 1,
    )


# ------------------------------------------------------------------ configuration


def found_here(folder: Path) -> bool:
    """Whether the configuration lookup from ``folder`` stops at a file in it (not in a parent folder)."""
    found = find_config_file(folder)
    return found is not None and found[0].parent == folder


def config_error(tmp_path: Path, explicit: Path | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(explicit, tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a = " + "[" * 5_000 + "]" * 5_000 + "\n", "TOML refused: nesting deeper than 256 levels (at line 1, column 261)"),
        ("x = 1\n" + keys(1_000) + " = 1\n", "TOML refused: dotted key with more than 64 parts (at line 2, column 1)"),
        ("select = [\n", "invalid TOML: Invalid value (at line 2, column 1)"),
    ],
)
def test_broken_mcplint_toml_is_a_one_line_configuration_error(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / ".mcplint.toml").write_text(text, encoding="utf-8")
    assert config_error(tmp_path) == f"{tmp_path / '.mcplint.toml'}: {expected}"


def test_pyproject_that_cannot_be_parsed_is_skipped_only_when_it_cannot_be_mcplint_s(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    deep = "a = " + "[" * 5_000 + "]" * 5_000 + "\n"
    pyproject.write_text(deep, encoding="utf-8")
    assert not found_here(tmp_path)
    pyproject.write_text(keys(1_000) + " = 1\n[project]\n", encoding="utf-8")
    assert not found_here(tmp_path)
    # the word anywhere (a comment) or an escape that could spell it: cannot tell, so an error
    pyproject.write_text("# checked by mcplint\n" + deep, encoding="utf-8")
    assert config_error(tmp_path).endswith("pyproject.toml: TOML refused: nesting deeper than 256 levels (at line 2, column 261)")
    pyproject.write_text('[tool]\n"\\u006dcplint" = {select = [\n', encoding="utf-8")
    assert "pyproject.toml: invalid TOML: " in config_error(tmp_path)
    # not UTF-8: the same rule
    pyproject.write_bytes(b"name = '\xff'\n")
    assert not found_here(tmp_path)
    pyproject.write_bytes(b"[tool.mcplint]\nname = '\xff'\n")
    assert config_error(tmp_path).endswith("pyproject.toml: cannot be read as UTF-8 (invalid byte at offset 23)")


def test_valid_pyproject_is_found_and_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.mcplint]\nignore = ["CORS002"]\n')
    assert find_config_file(tmp_path) == (tmp_path / "pyproject.toml", True)
    assert load_config(None, tmp_path).ignore == ["CORS002"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert not found_here(tmp_path)


def test_explicit_pyproject_whose_tool_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("tool = 1\n")
    assert load_config(tmp_path / "pyproject.toml", tmp_path).select is None


def sparse(path: Path, size: int, head: bytes = b"", tail: bytes = b"") -> None:
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size - len(tail))
        handle.seek(size - len(tail))
        handle.write(tail)


def test_big_pyproject_is_searched_in_chunks_never_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = tmp_path / "pyproject.toml"
    size = 3 * 1024 * 1024
    sparse(pyproject, size, b"[project]\nname = 'x'\n")
    assert not found_here(tmp_path)  # certainly not mcplint's: skipped
    # the name straddling the boundary of the first two chunks
    sparse(pyproject, size, b"[project]\n", b"")
    with open(pyproject, "r+b") as handle:
        handle.seek(1024 * 1024 - 3)
        handle.write(b"mcplint")
    message = config_error(tmp_path)
    assert message == (
        f"{pyproject}: {size} bytes is over the 1048576 bytes mcplint reads for configuration, "
        "and it may hold [tool.mcplint]; move mcplint's configuration to .mcplint.toml beside it"
    )
    # a .mcplint.toml beside it wins, and the big file is not looked at
    (tmp_path / ".mcplint.toml").write_text('ignore = ["CORS002"]\n')
    assert load_config(None, tmp_path).ignore == ["CORS002"]
    (tmp_path / ".mcplint.toml").unlink()
    # beyond what is searched: cannot tell, so an error
    monkeypatch.setattr(config_module, "MAX_PYPROJECT_SCAN", 2 * 1024 * 1024)
    sparse(pyproject, size, b"[project]\nname = 'x'\n")
    assert "may hold [tool.mcplint]" in config_error(tmp_path)


def test_big_mcplint_toml_is_a_configuration_error(tmp_path: Path) -> None:
    sparse(tmp_path / ".mcplint.toml", 2 * 1024 * 1024, b"select = []\n")
    assert config_error(tmp_path) == (
        f"{tmp_path / '.mcplint.toml'}: 2097152 bytes is over the 1048576 bytes of a configuration file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_config_never_blocks(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".mcplint.toml")
    os.mkfifo(tmp_path / "pyproject.toml")
    assert not found_here(tmp_path)  # neither is a regular file: both skipped, nothing blocks
    assert config_error(tmp_path, tmp_path / ".mcplint.toml").endswith(".mcplint.toml: cannot be read (not a regular file)")


def test_config_errors_escape_line_breaks_and_control_characters(tmp_path: Path) -> None:
    (tmp_path / ".mcplint.toml").write_text('"a\\nb\\u001b[31m" = 1\n', encoding="utf-8")
    assert config_error(tmp_path).endswith(": unknown key `a\\nb\\x1b[31m`")
    assert str(ConfigError("one\ntwo\r\u2028three")) == "one\\ntwo\\r\\u2028three"


def test_missing_explicit_config(tmp_path: Path) -> None:
    assert config_error(tmp_path, tmp_path / "missing.toml") == f"config file not found: {tmp_path / 'missing.toml'}"
