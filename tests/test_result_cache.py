"""The result cache (issue 25): cached runs print exactly what an uncached run prints.

Every fixture project and every rule's bad and good example is linted three
times (without the cache, filling it, answered from it) and the three outputs
must be the same bytes; random edits to a project are followed by a cached and
an uncached run that must agree. The cache must also be useless to an attacker
who commits one, hold no secret, and stay out of runs that turn it off.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mcplint import api
from mcplint.cli import cli
from mcplint.engine import check_cache, result_cache
from mcplint.engine.registry import default_registry
from mcplint.mention_index import CACHE_DIR
from mcplint.model import builder

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASES = sorted(p for family in FIXTURES.iterdir() if family.is_dir() for p in family.iterdir() if p.is_dir())
EXAMPLES = Path(__file__).parent.parent / "examples"
RULES = [rule for rule in default_registry().rules if rule.bad.runnable]


@pytest.fixture(autouse=True)
def cache_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test files are seconds old; let the cache keep them (the racy rule has its own test below)."""
    monkeypatch.setattr(result_cache, "RACY_NS", -(10**18))


_clock = [1_700_000_000_000_000_000]


def _write(path: Path, content: str | bytes) -> None:
    """Write and give the file a new, later mtime: two writes within one tick of the file system's
    coarse clock could otherwise leave every timestamp as it was (the racy rule covers that in real
    runs, and is switched off here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    _clock[0] += 1_000_000_000
    os.utime(path, ns=(_clock[0], _clock[0]))


def lint_output(root: Path, *args: str, cached: bool = True, output_format: str = "json") -> str:
    old = Path.cwd()
    os.chdir(root)
    try:
        extra = [] if cached else ["--no-cache"]
        result = CliRunner().invoke(cli, [*args, "--format", output_format, "--exit-zero", "-j1", *extra])
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 2), result.output
    return result.output


def assert_cache_agrees(root: Path, *args: str) -> None:
    uncached = lint_output(root, *args, cached=False)
    assert not (root / CACHE_DIR).exists(), "--no-cache wrote a cache"
    assert lint_output(root, *args) == uncached, "the run that fills the cache differs"
    assert lint_output(root, *args) == uncached, "the run answered from the cache differs"


def copy_case(case: Path, tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(case, target, symlinks=True)
    return target


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_cached_runs_print_what_an_uncached_run_prints_on_every_fixture(case: Path, tmp_path: Path) -> None:
    assert_cache_agrees(copy_case(case, tmp_path))


def _example_files(example: object) -> Iterator[tuple[str, str | bytes, int | None]]:
    for rel, content in example.files.items():  # type: ignore[attr-defined]
        yield rel, content, example.modes.get(rel)  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["bad", "good"])
def test_cached_runs_print_what_an_uncached_run_prints_on_every_rule_example(kind: str, tmp_path: Path) -> None:
    for rule in RULES:
        root = tmp_path / f"{rule.id}-{kind}"
        for rel, content, mode in _example_files(getattr(rule, kind)):
            _write(root / rel, content)
            if mode is not None:
                os.chmod(root / rel, mode)
        root.mkdir(exist_ok=True)
        assert_cache_agrees(root)


def test_cached_runs_print_what_an_uncached_run_prints_on_the_examples_in_every_format(tmp_path: Path) -> None:
    root = copy_case(EXAMPLES, tmp_path)
    for output_format in ("text", "json", "sarif", "github"):
        uncached = lint_output(root, cached=False, output_format=output_format)
        assert lint_output(root, output_format=output_format) == uncached
        assert lint_output(root, output_format=output_format) == uncached


# ------------------------------------------------------------------ random edits

_EDITS = ("delete a line", "duplicate a line", "swap braces", "loosen a validator", "touch", "remove a file",
          "add an endpoint", "rename a tool")


def _edit(root: Path, rng: random.Random) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file() and CACHE_DIR not in p.parts)
    path = rng.choice(files)
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    edit = rng.choice(_EDITS)
    if edit == "delete a line" and lines:
        del lines[rng.randrange(len(lines))]
        _write(path, "".join(lines))
    elif edit == "duplicate a line" and lines:
        index = rng.randrange(len(lines))
        lines.insert(index, lines[index])
        _write(path, "".join(lines))
    elif edit == "swap braces":
        _write(path, text.replace("{{ ", "{{{ ", 1).replace(" }}", " }}}", 1) if "{{ " in text else text + "\n")
    elif edit == "loosen a validator":
        _write(path, text.replace("regex:", "min:", 1) if "regex:" in text else text.replace("enabled: true", "enabled: false", 1))
    elif edit == "touch":
        _write(path, text)
    elif edit == "remove a file" and len(files) > 3:
        path.unlink()
    elif edit == "add an endpoint":
        name = f"new_{rng.randrange(10**6)}"
        _write(root / "sqls" / f"{name}.yaml",
               f"url-path: /{name}/\nmcp-tool:\n  name: {name}\n  description: Reads orders.\nrequest:\n"
               f"  - field-name: q\n    field-in: query\ntemplate-source: {name}.sql\n")
        _write(root / "sqls" / f"{name}.sql", "SELECT * FROM orders WHERE q = '{{{ params.q }}}'\n")
    else:  # rename a tool (tool names are facts other files' texts are judged against)
        _write(path, text.replace("name: ", "name: renamed_", 1) if "name: " in text else text + "\n")
    return f"{edit} {path.relative_to(root)}"


@pytest.mark.parametrize("seed", range(10))
def test_random_edits_cached_and_uncached_runs_agree(seed: int, tmp_path: Path) -> None:
    root = copy_case(EXAMPLES, tmp_path)
    rng = random.Random(seed)
    lint_output(root)  # fill the cache
    for _ in range(8):
        done = _edit(root, rng)
        cached = lint_output(root)
        assert cached == lint_output(root, cached=False), f"after: {done}"


# ------------------------------------------------------------------ what is reused


def _flapi_project(root: Path, endpoints: int = 6) -> Path:
    files = {
        "flapi.yaml": "project-name: p\ntemplate:\n  path: sqls\ncors:\n  allow-origins: ['*']\n",
        "sqls/common/auth.yaml": "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n"
                                 "      password: hunter2hunter2\n",
    }
    for i in range(endpoints):
        include = "{{include:auth from common/auth.yaml}}\n" if i % 2 == 0 else ""
        files[f"sqls/e{i}.yaml"] = (
            f"url-path: /e{i}/\nmcp-tool:\n  name: tool_{i}\n  description: Reads orders of kind {i}.\n"
            f"request:\n  - field-name: q\n    field-in: query\n{include}template-source: e{i}.sql\n"
        )
        files[f"sqls/e{i}.sql"] = f"SELECT * FROM t{i} WHERE q = '{{{{{{ params.q }}}}}}'\n"
    for rel, content in files.items():
        _write(root / rel, content)
    return root


def _checked_files(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """Per run, the files whose units were checked (not taken from the cache)."""
    runs: list[set[str]] = []
    original = check_cache.record

    def spy(cache, keys, targets, by_path, tagged, spans, rules, model):  # type: ignore[no-untyped-def]
        runs.append(set(by_path))
        return original(cache, keys, targets, by_path, tagged, spans, rules, model)

    monkeypatch.setattr(check_cache, "record", spy)
    return runs


def test_an_unchanged_tree_is_answered_without_building_the_model(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = _flapi_project(tmp_path / "p")
    first = lint_output(root)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was built for an unchanged tree")

    monkeypatch.setattr(api, "build_model", no_build)
    assert lint_output(root) == first


def test_an_edited_endpoint_is_checked_again_with_what_depends_on_it_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _flapi_project(tmp_path / "p")
    runs = _checked_files(monkeypatch)
    lint_output(root)
    _write(root / "sqls/e1.sql", "SELECT * FROM t1 WHERE q = {{ params.q }}\n")
    assert lint_output(root) == lint_output(root, cached=False)
    # The project (main config) is always checked: its rules see every endpoint.
    assert runs[1] == {"flapi.yaml", "sqls/e1.yaml", "sqls/e1.sql"}


def test_an_edited_fragment_rechecks_every_endpoint_that_includes_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = _flapi_project(tmp_path / "p")
    runs = _checked_files(monkeypatch)
    lint_output(root)
    _write(root / "sqls/common/auth.yaml", "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n"
                                           "      password: '{{env.PW}}'\n")
    assert lint_output(root) == lint_output(root, cached=False)
    assert {"sqls/e0.yaml", "sqls/e2.yaml", "sqls/e4.yaml", "sqls/common/auth.yaml"} <= runs[1]
    assert not {"sqls/e1.yaml", "sqls/e3.yaml", "sqls/e5.yaml"} & runs[1]


def test_a_changed_main_config_rechecks_the_whole_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _flapi_project(tmp_path / "p")
    runs = _checked_files(monkeypatch)
    lint_output(root)
    _write(root / "flapi.yaml", "project-name: p\ntemplate:\n  path: sqls\ncors:\n  allow-origins: [https://a.example]\n")
    assert lint_output(root) == lint_output(root, cached=False)
    assert {f"sqls/e{i}.yaml" for i in range(6)} <= runs[1]


def test_different_settings_do_not_share_findings(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    lint_output(root)
    assert lint_output(root, "--select", "CORS") == lint_output(root, "--select", "CORS", cached=False)
    assert lint_output(root, "--flapi-version", "26.6") == lint_output(root, "--flapi-version", "26.6", cached=False)
    assert lint_output(root) == lint_output(root, cached=False)


def test_creating_a_missing_template_changes_the_report(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    (root / "sqls/e3.sql").unlink()
    lint_output(root)
    _write(root / "sqls/e3.sql", "SELECT 1\n")
    assert lint_output(root) == lint_output(root, cached=False)


def test_pre_commit_runs_agree_with_uncached_ones(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    for paths in (["sqls/e1.sql"], ["sqls/e2.yaml", "sqls/common/auth.yaml"], ["flapi.yaml"]):
        assert_cache_agrees_files(root, paths)
    _write(root / "sqls/e2.yaml", (root / "sqls/e2.yaml").read_text().replace("{{include", "#{{include"))
    assert lint_output(root, "sqls/e2.yaml") == lint_output(root, "sqls/e2.yaml", cached=False)


def assert_cache_agrees_files(root: Path, paths: list[str]) -> None:
    uncached = lint_output(root, *paths, cached=False)
    assert lint_output(root, *paths) == uncached
    assert lint_output(root, *paths) == uncached


# ------------------------------------------------------------------ safety


def test_a_committed_cache_is_not_trusted_in_another_checkout(tmp_path: Path) -> None:
    """A cache copied with the tree (an attacker commits .mcplint_cache/) carries another checkout's
    inodes and ctimes: nothing in it matches, so every file is checked."""
    original = _flapi_project(tmp_path / "a")
    lint_output(original)
    data = json.loads((original / CACHE_DIR / result_cache.CACHE_FILE).read_text())
    for entry in data["files"].values():
        entry["findings"] = []  # the forgery: "nothing to report here"
    data["run"]["report"]["results"] = []
    (original / CACHE_DIR / result_cache.CACHE_FILE).write_text(json.dumps(data))
    clone = tmp_path / "b"
    shutil.copytree(original, clone)  # new inodes and ctimes, same content and cache
    assert lint_output(clone) == lint_output(clone, cached=False)
    assert json.loads(lint_output(clone))["findings"], "the forged cache silenced the findings"


@pytest.mark.parametrize("forgery", ["not json", "a list", "wrong shapes", "huge", "symlink"])
def test_an_odd_cache_file_is_ignored(forgery: str, tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    expected = lint_output(root, cached=False)
    folder = root / CACHE_DIR
    folder.mkdir()
    target = folder / result_cache.CACHE_FILE
    if forgery == "not json":
        target.write_text("{")
    elif forgery == "a list":
        target.write_text("[]")
    elif forgery == "wrong shapes":
        lint_output(root)
        data = json.loads(target.read_text())
        for entry in data["files"].values():
            entry["findings"] = [["CORS001", "x", 0, [1, 2, 3]]]
        target.write_text(json.dumps(data))
    elif forgery == "huge":
        target.write_text(" " * (result_cache._MAX_CACHE_BYTES + 1))
    else:
        (tmp_path / "elsewhere.json").write_text("{}")
        target.symlink_to(tmp_path / "elsewhere.json")
    assert lint_output(root) == expected
    if forgery == "symlink":
        assert (tmp_path / "elsewhere.json").read_text() == "{}", "the cache was written through a symlink"


def test_the_cache_holds_no_secret(tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    root = _flapi_project(tmp_path / "p")
    _write(root / ".mcp.json", json.dumps({"mcpServers": {"gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": token}}}}))
    report = lint_output(root)
    assert "SEC" in report or "hunter2" not in report
    for path in (root / CACHE_DIR).iterdir():
        text = path.read_text()
        assert token not in text and "hunter2hunter2" not in text, path.name


def test_files_changed_within_the_racy_window_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(result_cache, "RACY_NS", 10**18)  # every file is "just written"
    root = _flapi_project(tmp_path / "p")
    assert lint_output(root) == lint_output(root, cached=False)
    data = json.loads((root / CACHE_DIR / result_cache.CACHE_FILE).read_text()) if (
        root / CACHE_DIR / result_cache.CACHE_FILE).exists() else {"files": {}, "run": None}
    assert data["files"] == {} and data["run"] is None


def test_cache_false_in_the_configuration_writes_no_results(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    write_tree(root, {".mcplint.toml": "cache = false\n"})
    lint_output(root)
    assert not (root / CACHE_DIR / result_cache.CACHE_FILE).exists()


def test_a_cache_folder_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    (root / CACHE_DIR).write_text("a file where the folder would go")
    assert lint_output(root) == lint_output(root, cached=False)
    assert (root / CACHE_DIR).read_text() == "a file where the folder would go"


def test_the_model_records_the_files_it_looked_for(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    (root / "sqls/e3.sql").unlink()
    run = api.lint([root], root, use_cache=True)
    assert str(root / "sqls/e3.sql") in run.model.probed
    assert builder  # the builder records them (see _Builder._probe)


def test_a_cache_too_big_to_read_back_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _flapi_project(tmp_path / "p")
    lint_output(root)
    assert (root / CACHE_DIR / result_cache.CACHE_FILE).exists()
    monkeypatch.setattr(result_cache, "_MAX_CACHE_BYTES", 100)
    _write(root / "sqls/e1.sql", "SELECT 2\n")
    assert lint_output(root) == lint_output(root, cached=False)
    assert not (root / CACHE_DIR / result_cache.CACHE_FILE).exists()


@pytest.mark.parametrize("loosen", ["file writable by others", "folder writable by others", "file of another user"])
def test_a_cache_others_could_have_written_is_not_read(loosen: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever can read the tree can read the stamps; only a cache nobody else can write is trusted."""
    root = _flapi_project(tmp_path / "p")
    lint_output(root)
    target = root / CACHE_DIR / result_cache.CACHE_FILE
    assert oct(target.stat().st_mode & 0o777) == "0o600" and oct((root / CACHE_DIR).stat().st_mode & 0o777) == "0o700"
    if loosen == "file writable by others":
        os.chmod(target, 0o666)
    elif loosen == "folder writable by others":
        os.chmod(root / CACHE_DIR, 0o777)
    else:
        monkeypatch.setattr(os, "geteuid", lambda: target.stat().st_uid + 1)
    runs = _checked_files(monkeypatch)
    assert lint_output(root) == lint_output(root, cached=False)
    assert {f"sqls/e{i}.yaml" for i in range(6)} <= runs[0], "the cache was trusted"


def test_a_file_with_a_parse_error_is_answered_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _flapi_project(tmp_path / "p")
    _write(root / "sqls/broken.yaml", "url-path: /b/\nrequest: [\n")
    runs = _checked_files(monkeypatch)
    first = lint_output(root)
    assert "sqls/broken.yaml" in first
    _write(root / "sqls/e1.sql", "SELECT 2\n")
    assert lint_output(root) == lint_output(root, cached=False)
    assert "sqls/broken.yaml" in runs[0] and "sqls/broken.yaml" not in runs[1]


def test_a_new_main_config_makes_standalone_files_endpoints_of_its_project(tmp_path: Path) -> None:
    root = _flapi_project(tmp_path / "p")
    (root / "flapi.yaml").unlink()
    lint_output(root)
    _write(root / "flapi.yaml", "project-name: p\ntemplate:\n  path: sqls\nmcp:\n  enabled: true\n")
    assert lint_output(root) == lint_output(root, cached=False)
    _write(root / "flapi.yaml", "project-name: p\ntemplate:\n  path: elsewhere\n")
    assert lint_output(root) == lint_output(root, cached=False)


def test_mcplints_own_files_are_part_of_the_context(tmp_path: Path) -> None:
    """A rule or a flAPI schema edited in a checkout (same version number) must not be answered from the cache."""
    import mcplint.rules
    import mcplint.schemas

    before = result_cache.code_stamp()
    for package in (mcplint.rules, mcplint.schemas):
        target = Path(package.__path__[0]) / "__init__.py"
        info = target.stat()
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
        try:
            assert result_cache.code_stamp() != before, package.__name__
        finally:
            os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert result_cache.code_stamp() == before


def test_another_release_of_a_library_that_shapes_findings_is_a_new_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pip install -U sqlglot` may parse differently: findings cached with the old release must not be reused."""
    library = tmp_path / "shaping_lib_for_test" / "__init__.py"
    library.parent.mkdir()
    library.write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(result_cache, "_SHAPING_LIBRARIES", ("shaping_lib_for_test",))
    before = result_cache.code_stamp()
    assert result_cache.code_stamp() == before
    library.write_text("VERSION = 22\n")
    assert result_cache.code_stamp() != before
    import sys

    assert "shaping_lib_for_test" not in sys.modules  # found, never imported
