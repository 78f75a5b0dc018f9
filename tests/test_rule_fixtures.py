"""Fixture projects annotated semgrep-style: every finding is expected, nothing else.

Each folder under ``fixtures/rules/<family>/<case>/`` is a small project. A
comment ``# expect: ID[, ID]`` (``-- expect:`` in SQL) marks the line where a
finding of that rule must be reported; a comment alone on its line marks the
next code line. ``# ok: ID`` marks a tricky negative: no finding of that rule
may appear there. Only the rules of the family's category run, and the set of
(file, line, rule) reported must equal the set expected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import found, run_lint

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASES = sorted(p for family in FIXTURES.iterdir() if family.is_dir() for p in family.iterdir() if p.is_dir())
_ANNOTATION = re.compile(r"(?:#|--)\s*(?P<kind>expect|ok):\s*(?P<ids>[A-Z]{2,5}[0-9]{3}(?:\s*,\s*[A-Z]{2,5}[0-9]{3})*)")


def annotations(case: Path) -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    expected: set[tuple[str, int, str]] = set()
    forbidden: set[tuple[str, int, str]] = set()
    for path in sorted(case.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(case).as_posix()
        # Only the line breaks editors and mcplint count (str.splitlines also breaks at U+2028 and others).
        lines = re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8"))
        for index, line in enumerate(lines):
            match = _ANNOTATION.search(line)
            if match is None:
                continue
            target = index + 1
            if not line[: match.start()].strip():  # a comment line: annotates the next code line
                target = next(
                    (j + 1 for j in range(index + 1, len(lines))
                     if lines[j].strip() and not lines[j].strip().startswith(("#", "--"))),
                    index + 2,
                )
            bucket = expected if match.group("kind") == "expect" else forbidden
            for rule_id in re.split(r"\s*,\s*", match.group("ids")):
                bucket.add((rel, target, rule_id))
    return expected, forbidden


def category(case: Path) -> str:
    """The fixture family folder is named after the category (underscores for hyphens)."""
    return case.parent.name.replace("_", "-")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture(case: Path) -> None:
    expected, forbidden = annotations(case)
    assert expected or forbidden, "a fixture without annotations tests nothing"
    run = run_lint(case, select=[category(case)])
    reported = found(run)
    assert reported == expected
    assert not (reported & forbidden)
