"""The cached search for files that name a changed file (pre-commit runs on large projects)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import mcplint
from conftest import write_tree
from mcplint import mention_index
from mcplint.api import lint
from mcplint.cli import cli
from mcplint.config import Config
from mcplint.discovery import FileAccess
from mcplint.mention_index import CACHE_DIR, CACHE_FILE, MentionIndex, indexable, mention_pattern, name_tokens

MAIN = "template:\n  path: sqls\n"
ENDPOINT = "url-path: /orders/\nrequest:\n  - field-name: id\n    field-in: query\ntemplate-source: orders.sql\n"
WEAK = "SELECT * FROM orders WHERE id = '{{{ params.id }}}'\n"


@pytest.fixture(autouse=True)
def cache_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old; let the cache keep them (the racy rule is tested below)."""
    monkeypatch.setattr(mention_index, "RACY_NS", -(10**18))


def project(root: Path, endpoints: int = 5) -> Path:
    files = {"flapi.yaml": MAIN, "sqls/orders.yaml": ENDPOINT, "sqls/orders.sql": WEAK}
    for i in range(endpoints):
        files[f"sqls/other_{i}.yaml"] = f"url-path: /o{i}/\ntemplate-source: other_{i}.sql\n"
        files[f"sqls/other_{i}.sql"] = "SELECT 1\n"
    return write_tree(root, files)


def lint_sql(root: Path, use_cache: bool = True) -> set[tuple[str, int, str]]:
    run = lint([root / "sqls/orders.sql"], root, Config(), use_cache=use_cache)
    return {(r.span.path, r.span.start_line, r.rule.id) for r in run.report.results}


def cache_entries(root: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((root / CACHE_DIR / CACHE_FILE).read_text())["files"]  # type: ignore[no-any-return]


def test_a_one_file_run_writes_the_index_and_a_gitignore(tmp_path: Path) -> None:
    project(tmp_path)
    found = lint_sql(tmp_path)
    assert ("sqls/orders.sql", 1, "SQLI001") in found
    entries = cache_entries(tmp_path)
    assert "orders.sql" in entries["sqls/orders.yaml"][4]
    assert entries["sqls/other_0.yaml"][4] == ["other_0.sql"]
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_second_run_answers_from_the_index_without_reading_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path)
    first = lint_sql(tmp_path)
    peeked: list[str] = []
    original = FileAccess.peek

    def recording(self: FileAccess, path: Path | str) -> str | None:
        peeked.append(self.rel(path))
        return original(self, path)

    monkeypatch.setattr(FileAccess, "peek", recording)
    assert lint_sql(tmp_path) == first
    assert peeked == []  # every candidate was answered from its cached tokens


def test_an_index_from_another_mcplint_version_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path)
    lint_sql(tmp_path)
    cache = tmp_path / CACHE_DIR / CACHE_FILE
    data = json.loads(cache.read_text())
    assert data["signature"][0] == mcplint.__version__
    data["signature"][0] = "0.0.0-older"
    data["files"]["sqls/other_0.yaml"][4] = ["orders.sql"]  # would make other_0.yaml a candidate if trusted
    cache.write_text(json.dumps(data))
    run = lint([tmp_path / "sqls/orders.sql"], tmp_path, Config(), use_cache=True)
    assert "sqls/other_0.yaml" not in run.model.sources
    assert json.loads(cache.read_text())["signature"][0] == mcplint.__version__  # rewritten


def test_an_edited_file_is_read_again_even_with_its_size_and_mtime_restored(tmp_path: Path) -> None:
    project(tmp_path)
    lint_sql(tmp_path)
    target = tmp_path / "sqls/other_0.yaml"
    before = target.stat()
    text = target.read_text()
    # Same size, same mtime: only ctime (which no tool can set back) tells the change.
    edited = text.replace("other_0.sql", "orders.sql ")
    assert len(edited) == len(text)
    target.write_text(edited)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    run = lint([tmp_path / "sqls/orders.sql"], tmp_path, Config(), use_cache=True)
    assert "sqls/other_0.yaml" in {e.document.path for e in run.model.endpoints()}


def test_recently_changed_files_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mention_index, "RACY_NS", 10**12)  # everything is "recent"
    project(tmp_path)
    lint_sql(tmp_path)
    assert not (tmp_path / CACHE_DIR / CACHE_FILE).exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[1, 2, 3]",
        '{"version": 1, "files": {"sqls/other_0.yaml": "oops"}}',
        '{"version": 1, "files": {"sqls/other_0.yaml": [1, 2, 3, 4, [5]]}}',
        '{"version": 2, "files": {}}',
        "[" * 100_000,
    ],
)
def test_a_broken_or_forged_index_is_ignored(tmp_path: Path, content: str) -> None:
    project(tmp_path)
    expected = lint_sql(tmp_path, use_cache=False)
    write_tree(tmp_path, {f"{CACHE_DIR}/{CACHE_FILE}": content})
    assert lint_sql(tmp_path) == expected


def test_a_forged_entry_for_another_checkout_cannot_hide_a_reference(tmp_path: Path) -> None:
    project(tmp_path)
    lint_sql(tmp_path)  # a real index: right version and signature, so the forged entry is really read
    cache = tmp_path / CACHE_DIR / CACHE_FILE
    data = json.loads(cache.read_text())
    info = (tmp_path / "sqls/orders.yaml").stat()
    # An attacker can guess size and mtime, not the inode and ctime of the victim's checkout.
    data["files"]["sqls/orders.yaml"] = [info.st_size, info.st_mtime_ns, 1, 1, []]
    cache.write_text(json.dumps(data))
    assert ("sqls/orders.sql", 1, "SQLI001") in lint_sql(tmp_path)
    # With the victim's own key the entry would be believed: the forgery fails only on the key.
    data["files"]["sqls/orders.yaml"] = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, []]
    cache.write_text(json.dumps(data))
    assert ("sqls/orders.sql", 1, "SQLI001") not in lint_sql(tmp_path)


def test_a_symlinked_cache_folder_is_neither_read_nor_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = project(tmp_path / "repo")
    (root / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    lint_sql(root)
    assert list(outside.iterdir()) == []
    assert (root / CACHE_DIR).is_symlink()


def test_a_symlinked_cache_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    root = project(tmp_path / "repo")
    (root / CACHE_DIR).mkdir()
    (root / CACHE_DIR / CACHE_FILE).symlink_to(victim)
    lint_sql(root)
    assert victim.read_text() == "keep me\n"
    assert not (root / CACHE_DIR / CACHE_FILE).is_symlink()


def test_no_cache_leaves_no_trace(tmp_path: Path) -> None:
    project(tmp_path)
    lint_sql(tmp_path, use_cache=False)
    assert not (tmp_path / CACHE_DIR).exists()
    result = CliRunner().invoke(cli, [str(tmp_path / "sqls/orders.sql"), "--no-cache"])
    assert result.exit_code == 1 and "SQLI001" in result.output
    assert not (tmp_path / CACHE_DIR).exists()


def test_config_can_turn_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path)
    write_tree(tmp_path, {".mcplint.toml": "cache = false\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sqls/orders.sql"])
    assert result.exit_code == 1 and "SQLI001" in result.output
    assert not (tmp_path / CACHE_DIR).exists()
    write_tree(tmp_path, {".mcplint.toml": 'cache = "no"\n'})
    result = CliRunner().invoke(cli, ["sqls/orders.sql"])
    assert result.exit_code == 2 and "`cache` must be true or false" in result.output


def test_the_cli_caches_by_default_and_the_cache_is_never_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["sqls/orders.sql"]).exit_code == 1
    assert (tmp_path / CACHE_DIR / CACHE_FILE).is_file()
    result = CliRunner().invoke(cli, [".", "--format", "json"])
    assert CACHE_DIR not in result.output


@pytest.mark.parametrize("use_cache", [True, False], ids=["token-index", "text-search-only"])
def test_names_that_are_not_single_tokens_fall_back_to_a_text_search(tmp_path: Path, use_cache: bool) -> None:
    """Without a cache every name is searched in the text; the answers are the same as the index's."""
    write_tree(tmp_path, {"a.yaml": "template-source: my query.sql\n", "b.yaml": "template-source: my_query.sql\n"})
    index = MentionIndex(FileAccess(tmp_path), use_cache=use_cache)
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    assert index.files_naming(paths, {"my query.sql"}) == [tmp_path / "a.yaml"]  # not a token: text search
    assert index.files_naming(paths, {"query.sql"}) == [tmp_path / "a.yaml"]  # `my_query.sql` is another name
    assert index.files_naming(paths, {"template-source"}) == paths  # no dot: searched in the text


_PIECES = st.sampled_from(
    [*"ab_.-1é/ :'\"{}\n", ".sql", ".SQL", ".yaml", ".yml", ".json", ".jsonc", ".toml", ".env", ".md", "x.sql", "a.yaml"]
)
_NAMES = st.builds(
    lambda stem, suffix: stem + suffix,
    st.text(st.sampled_from(list("ab_.-1é")), max_size=5),
    st.sampled_from(["", ".sql", ".SQL", ".yaml", ".yml", ".json", ".jsonc", ".toml", ".env", ".md", ".sql.bak"]),
).filter(bool)


@settings(max_examples=600, deadline=None)
@given(text=st.lists(_PIECES, max_size=24).map("".join), name=_NAMES)
def test_token_lookup_agrees_with_the_text_search(text: str, name: str) -> None:
    pattern = mention_pattern([name])
    assert pattern is not None
    if indexable(name):
        assert (name in name_tokens(text)) == bool(pattern.search(text))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("orders.sql", True), ("Orders.SQL", True), ("shared.yaml", True), (".env", True), ("x.sql.bak", False),
     ("README.md", False), ("my query.sql", False), ("template-source", False), ("a" * 252 + ".sql", False)],
)
def test_which_names_the_index_answers_for(name: str, expected: bool) -> None:
    """Names that end in a linted suffix; the others (and impossible lengths) are searched in the text."""
    assert indexable(name) is expected


def test_a_long_run_of_name_characters_costs_linear_time_and_yields_its_tail() -> None:
    text = ("a" * 100_000 + ".sql ") * 20
    tokens = name_tokens(text)
    assert tokens == {"a" * 251 + ".sql"}  # followed back 255 characters at most
    assert "a.sql" not in tokens  # not a whole token there, as the text search agrees
