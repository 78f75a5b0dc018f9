"""The table of compiled regular expressions kept between runs (mcplint.lazy_re).

A pattern built from the table must be the very pattern :func:`re.compile`
makes (a compiled pattern compares its flags and code); a table that is
damaged, forged or written by another interpreter must change nothing but the
time a run takes. (The table is trusted as the ``.pyc`` files beside it are:
whoever can write there can change mcplint's code.)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from mcplint import lazy_re
from mcplint.lazy_re import lazy_compile

pytestmark = pytest.mark.skipif(lazy_re._sre is None, reason="no regex compiler internals on this interpreter")

PATTERNS: list[tuple[str | bytes, int]] = [
    (r"(?P<word>[a-z]+)(\d*)", re.IGNORECASE),
    (r"\b(?:ignore|disregard)\s{1,4}(?:all\s+)?previous\b", re.I | re.M),
    (r"^[\W_]{0,8}(?:when|if)\b[^,:\n]{1,160}[,:]", 0),
    (r"(?<![\w.-])things_1\.sql(?![\w.-])", 0),
    (r"(?x) [\u200b-\u200f\u2060] | a \# b  # a comment", 0),
    (rb"mcplint|\\[uUx]", 0),
    (r"(?s).*?(?P<x>x)(?(x)y|z)", re.ASCII),
]


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty table in ``tmp_path``, written even where PYTHONDONTWRITEBYTECODE is set."""
    path = tmp_path / "__pycache__" / "lazy_re.test.regex"
    monkeypatch.setattr(lazy_re, "_table_path", lambda: str(path))
    monkeypatch.setattr(lazy_re, "_table", None)
    monkeypatch.setattr(lazy_re, "_added", {})
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return path


def _fresh_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process sees: the table not loaded yet, nothing compiled."""
    monkeypatch.setattr(lazy_re, "_table", None)
    monkeypatch.setattr(lazy_re, "_added", {})


def _compile_all() -> list[re.Pattern]:  # type: ignore[type-arg]
    return [lazy_compile(source, flags).compiled for source, flags in PATTERNS]  # type: ignore[arg-type]


def test_patterns_from_the_table_are_those_re_compile_makes(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _compile_all()
    lazy_re.save()
    assert table.is_file()
    _fresh_run(monkeypatch)

    def no_compiling(*args: object) -> None:
        raise AssertionError("compiled again although the table holds the pattern")

    with monkeypatch.context() as patched:
        patched.setattr(re, "compile", no_compiling)
        second = _compile_all()
    for (source, flags), made, loaded in zip(PATTERNS, first, second, strict=True):
        eager = re.compile(source, flags)
        assert made == eager and loaded == eager
        assert (loaded.pattern, loaded.flags, loaded.groups, loaded.groupindex) == (
            eager.pattern, eager.flags, eager.groups, eager.groupindex
        )
    text = "Abc12 de 3 FGH"
    assert [m.span() for m in second[0].finditer(text)] == [m.span() for m in first[0].finditer(text)]


def test_a_run_adds_what_it_compiled_and_keeps_the_rest(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert lazy_compile(*PATTERNS[0]).compiled == re.compile(*PATTERNS[0])  # type: ignore[arg-type]
    lazy_re.save()
    _fresh_run(monkeypatch)
    assert lazy_compile(*PATTERNS[1]).compiled == re.compile(*PATTERNS[1])  # type: ignore[arg-type]
    lazy_re.save()
    entries = json.loads(table.read_bytes())["entries"]
    assert {(entry[0], entry[2]) for entry in entries} == {
        (PATTERNS[0][0], int(PATTERNS[0][1])), (PATTERNS[1][0], int(PATTERNS[1][1]))
    }


def test_nothing_is_written_under_dont_write_bytecode(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _compile_all()
    lazy_re.save()
    assert not table.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[" * 100_000,
        json.dumps({"signature": ["another interpreter"], "entries": []}).encode(),
        json.dumps([1, 2, 3]).encode(),
        "signature",  # replaced below by the right signature with forged entries
    ],
)
def test_a_damaged_or_foreign_table_changes_nothing(
    table: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | str
) -> None:
    if content == "signature":
        # The right signature, damaged entries: code the regex engine refuses, cut short, a wrong shape.
        other = lazy_re._code_of(r"x", 0)
        forged = [
            [PATTERNS[0][0], False, int(PATTERNS[0][1]), 1, "ffffffff", 0, {}, []],
            [PATTERNS[2][0], False, int(PATTERNS[2][1]), other[0], other[1][:-4].hex(), other[2], {}, []],
            [PATTERNS[3][0], False, int(PATTERNS[3][1]), other[0], other[1].hex(), other[2], "oops", []],
        ]
        content = json.dumps({"signature": list(lazy_re._signature()), "entries": forged}).encode()
    table.parent.mkdir()
    table.write_bytes(content)  # type: ignore[arg-type]
    for pattern, (source, flags) in zip(_compile_all(), PATTERNS, strict=True):
        assert pattern == re.compile(source, flags)


def test_a_table_that_cannot_be_written_is_left_alone(table: Path) -> None:
    table.parent.write_text("a file where the folder should be")
    _compile_all()
    lazy_re.save()  # no error: the next run compiles again
    assert table.parent.read_text() == "a file where the folder should be"


def test_the_table_lives_beside_the_bytecode() -> None:
    path = lazy_re._table_path()
    assert path is not None and path.endswith(".regex")
    assert Path(path).parent.name == "__pycache__" or sys.pycache_prefix
    assert not path.endswith((".py", ".json"))  # the result cache's code stamp hashes those files
