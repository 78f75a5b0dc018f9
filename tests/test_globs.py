"""Glob patterns of ``exclude`` / ``per-file-ignores`` (mcplint.globs)."""

from __future__ import annotations

import pytest

from mcplint.globs import matches, matches_any


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # `*` stays inside one segment
        ("sqls/*.sql", "sqls/orders.sql", True),
        ("sqls/*.sql", "sqls/sub/orders.sql", False),
        ("sqls/*.sql", "sqls/orders.yaml", False),
        ("a/*/c.yaml", "a/b/c.yaml", True),
        ("a/*/c.yaml", "a/b/x/c.yaml", False),
        ("a/*/c.yaml", "a/c.yaml", False),
        ("*.yaml", "flapi.yml", False),
        # `?` is exactly one character, never a slash
        ("?.yaml", "a.yaml", True),
        ("?.yaml", "ab.yaml", False),
        ("a?b.yaml", "a/b.yaml", False),
        # character classes, with `!` negation
        ("[ab].yaml", "a.yaml", True),
        ("[ab].yaml", "c.yaml", False),
        ("[!ab].yaml", "a.yaml", False),
        ("[!ab].yaml", "c.yaml", True),
    ],
)
def test_single_segment_wildcards(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("a/**/c.yaml", "a/c.yaml", True),  # `**/` may match no folder at all
        ("a/**/c.yaml", "a/b/c.yaml", True),
        ("a/**/c.yaml", "a/b/d/e/c.yaml", True),
        ("a/**/c.yaml", "x/a/b/c.yaml", False),  # anchored at the root
        ("**/secrets.yaml", "secrets.yaml", True),
        ("**/secrets.yaml", "deep/down/secrets.yaml", True),
        ("**/secrets.yaml", "deep/down/secrets.yml", False),
        ("tests/**", "tests/fixtures/x.yaml", True),
        ("tests/**", "tests/x.yaml", True),
        ("tests/**", "other/tests/x.yaml", False),
        ("tests/**", "testsuite/x.yaml", False),
        ("**/*.sql", "a/b/c.sql", True),
        ("**/*.sql", "c.sql", True),
        ("**/*.sql", "c.sql.bak", False),
    ],
)
def test_double_star_crosses_segments(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.yaml", "flapi.yaml", True),
        ("*.yaml", "a/b/c/endpoint.yaml", True),
        ("secrets.json", "secrets.json", True),
        ("secrets.json", "config/deep/secrets.json", True),
        ("secrets.json", "config/deep/my-secrets.json", False),
        ("generated", "generated", True),
        ("generated", "src/generated/x.yaml", True),
        ("generated", "src/generated-not/x.yaml", False),
        ("build/", "x/build/y.yaml", True),  # a trailing slash does not anchor
    ],
)
def test_pattern_without_slash_matches_a_name_at_any_depth(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("vendor", "vendor/a.yaml", True),
        ("vendor", "vendor/deep/er/a.sql", True),
        ("examples/legacy", "examples/legacy/flapi.yaml", True),
        ("examples/legacy", "examples/legacy/sqls/a.sql", True),
        ("examples/legacy", "examples/legacy2/flapi.yaml", False),
        ("examples/legacy", "other/examples/legacy/flapi.yaml", False),  # has a `/`: anchored
        ("/gen", "gen/x.yaml", True),  # a leading slash anchors
        ("/gen", "src/gen/x.yaml", False),
        ("a/*", "a/b/c/d.yaml", True),  # `a/b` is matched, so everything below it is
        ("./examples", "examples/flapi.yaml", True),
    ],
)
def test_folder_pattern_matches_everything_below(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_backslashes_in_patterns_are_folder_separators() -> None:
    assert matches("docs\\rules\\*.yaml", "docs/rules/x.yaml") is True
    assert matches("docs\\rules\\*.yaml", "docs/x.yaml") is False


def test_regex_metacharacters_are_literal() -> None:
    assert matches("a+b.yaml", "a+b.yaml") is True
    assert matches("a+b.yaml", "aab.yaml") is False
    assert matches("x.yaml", "xayaml") is False
    assert matches("(x).yaml", "(x).yaml") is True


def test_matches_any() -> None:
    assert matches_any(("*.sql", "vendor"), "vendor/lib/a.yaml") is True
    assert matches_any(("*.sql", "vendor"), "q/a.sql") is True
    assert matches_any(("*.sql", "vendor"), "q/a.yaml") is False
    assert matches_any((), "a.yaml") is False
    assert matches_any([], "a.yaml") is False
