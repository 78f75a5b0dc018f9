"""Checks spread over worker processes give exactly the report of a one-process run."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_tree
from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine import checks
from mcplint.engine.registry import Registry, default_registry
from mcplint.engine.runner import EngineSettings
from mcplint.model.model import Target
from mcplint.reporters import get_reporter

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need os.fork (not on Windows)")

FORMATS = ("text", "json", "sarif", "github")
SECRET = "ghp_" + "Zq8x" * 9  # a GitHub token shape, never to be printed


def _outputs(root: Path, jobs: int, registry: Registry | None = None) -> dict[str, str]:
    registry = registry or default_registry()
    run = lint([root], root, Config(), registry, registry.select(None), EngineSettings(), jobs=jobs)
    return {fmt: get_reporter(fmt)(run.report) for fmt in FORMATS}


@pytest.fixture()
def small_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let even a small tree use workers, so the tests exercise the parallel path."""
    monkeypatch.setattr(checks, "MIN_FILES_PER_WORKER", 1)


@pytest.fixture()
def rich_tree(tmp_path: Path) -> Path:
    """The bundled insecure example, a generated project and a client config with a secret."""
    root = tmp_path / "tree"
    for path in (REPO / "examples").rglob("*"):
        if path.is_file():
            target = root / "example" / path.relative_to(REPO / "examples")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    generate(root / "generated", 30)
    write_tree(root, {".mcp.json": '{"mcpServers": {"gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "%s"}}}}'
                      % SECRET})
    return root


def test_workers_produce_byte_identical_reports(rich_tree: Path, small_workers: None) -> None:
    single = _outputs(rich_tree, jobs=1)
    for jobs in (2, 3, 7):
        assert _outputs(rich_tree, jobs=jobs) == single, jobs
    assert "SQLI" in single["text"] and "SEC" in single["text"]  # the tree really has findings of both kinds


def test_secrets_found_in_workers_are_masked_in_every_format(rich_tree: Path, small_workers: None) -> None:
    def masked(jobs: int) -> set:  # type: ignore[type-arg]
        return lint([rich_tree], rich_tree, jobs=jobs).report.secret_spans

    spans = masked(1)
    assert any(span.path == ".mcp.json" for span in spans)
    assert masked(3) == spans  # the lazy scans ran in the workers; their spans came back
    outputs = _outputs(rich_tree, jobs=3)
    assert "mcp.json" in outputs["text"]
    for fmt, text in outputs.items():
        assert SECRET not in text and SECRET[4:20] not in text, fmt


def test_workers_really_run_in_other_processes(rich_tree: Path, small_workers: None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    work = checks._work(lint([rich_tree], rich_tree).model, default_registry().select(None))
    in_parent: list[str] = []
    original = checks._check

    def recording(work, entries, *args):  # type: ignore[no-untyped-def]
        # The workers' records stay in their memory.
        in_parent.extend(work.targets[slot][0][index].unit_path for slot, index in entries)
        return original(work, entries, *args)

    monkeypatch.setattr(checks, "_check", recording)
    _outputs(rich_tree, jobs=2)
    # Only the warm-up files (one per kind of unit, checked before forking) were checked here.
    assert 0 < len(set(in_parent)) <= len(work.targets) < len(work.by_path) // 4


def test_a_worker_that_dies_has_its_share_rerun_here(rich_tree: Path, small_workers: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    single = _outputs(rich_tree, jobs=1)

    def dying_worker(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        os._exit(3)

    monkeypatch.setattr(checks, "_worker", dying_worker)
    assert _outputs(rich_tree, jobs=3) == single


def test_a_failing_rule_in_a_worker_is_an_internal_error_like_in_one_process(
    rich_tree: Path, small_workers: None
) -> None:
    def explode(_unit):  # type: ignore[no-untyped-def]
        raise KeyError("do-not-print-me")

    base = default_registry()
    template = base.get("CORS001")
    assert template is not None
    broken = dataclasses.replace(template, id="CORS099", name="exploding-rule", check=explode, target=Target.ENDPOINT)
    registry = Registry(base.rules + (broken,))
    single = _outputs(rich_tree, jobs=1, registry=registry)
    assert _outputs(rich_tree, jobs=3, registry=registry) == single
    assert single["text"].count("internal error: rule CORS099") >= 30
    assert "do-not-print-me" not in single["text"]


def test_small_trees_stay_in_one_process(tmp_path: Path) -> None:
    generate(tmp_path, 10)
    assert checks._worker_count(8, files=20) == 1
    assert checks._worker_count(8, files=checks.MIN_FILES_PER_WORKER * 3) == 3
    assert checks._worker_count(1, files=10_000) == 1


def test_chunks_are_runs_of_neighbouring_files_covering_all() -> None:
    order = [f"f{i:03}" for i in range(1000)]
    chunks = checks._chunks(order, 2)
    assert [path for chunk in chunks for path in chunk] == order  # every file once, in order
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == sorted(sizes, reverse=True)  # long runs first, short ones last
    assert sizes[0] == 250 and max(sizes[-3:]) == checks._MIN_CHUNK  # a quarter first (2 workers), the minimum last
    assert len(chunks) > 2 * 4  # several per worker, so the load balances
    assert checks._chunks(order[:5], 4) == [order[:5]]  # never smaller than the minimum run
    for workers in (2, 64, 300, 5000):
        many = [f"f{i}" for i in range(200_000)]
        chunks = checks._chunks(many, workers)
        assert len(chunks) <= checks._MAX_CHUNKS  # their numbers fit the queue pipe
        assert [path for chunk in chunks for path in chunk] == many


def test_a_worker_that_dies_midway_has_only_its_runs_redone(
    rich_tree: Path, small_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = _outputs(rich_tree, jobs=1)
    original = checks._check_files
    calls = {"n": 0}

    def dying_after_a_while(work, groups, *args):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            calls["n"] += 1
            if calls["n"] == 3:
                os._exit(5)  # this worker took chunks and dies with them unreported
        return original(work, groups, *args)

    parent = os.getpid()
    monkeypatch.setattr(checks, "_check_files", dying_after_a_while)
    assert _outputs(rich_tree, jobs=2) == single


def test_cli_jobs_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mcplint.cli import cli

    generate(tmp_path, 5)
    runner = CliRunner()
    one = runner.invoke(cli, [str(tmp_path), "--format", "json", "--jobs", "1"])
    many = runner.invoke(cli, [str(tmp_path), "--format", "json", "-j", "4"])
    default = runner.invoke(cli, [str(tmp_path), "--format", "json"])
    assert one.output == many.output == default.output
    bad = runner.invoke(cli, [str(tmp_path), "--jobs", "-1"])
    assert bad.exit_code == 2 and "jobs" in bad.output


def test_caches_are_released_file_by_file_without_changing_the_report(
    rich_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = lint([rich_tree], rich_tree, jobs=1)
    assert released.model.endpoints() and all(
        not e.cache and (e.template is None or not e.template.shared) for e in released.model.endpoints()
    )
    monkeypatch.setattr(checks, "_release", lambda work, entries: None)
    kept = lint([rich_tree], rich_tree, jobs=1)
    assert any(e.cache for e in kept.model.endpoints())  # the analyses really were cached (and are kept here)
    for fmt in FORMATS:
        assert get_reporter(fmt)(released.report) == get_reporter(fmt)(kept.report), fmt


def test_without_a_queue_pipe_everything_is_checked_here(
    rich_tree: Path, small_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = _outputs(rich_tree, jobs=1)
    forks: list[int] = []
    monkeypatch.setattr(checks, "_queue", lambda count: None)
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or 0)  # would run the worker in this process
    assert _outputs(rich_tree, jobs=3) == single
    assert forks == []


def test_the_queue_holds_every_chunk_number_once() -> None:
    read_end = checks._queue(checks._MAX_CHUNKS)
    assert read_end is not None
    try:
        data = b""
        while chunk := os.read(read_end, 65536):
            data += chunk
    finally:
        os.close(read_end)
    numbers = [checks._CHUNK_NUMBER.unpack_from(data, i)[0] for i in range(0, len(data), checks._CHUNK_NUMBER.size)]
    assert numbers == list(range(checks._MAX_CHUNKS))


def test_a_fork_that_fails_costs_time_not_findings(
    rich_tree: Path, small_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = _outputs(rich_tree, jobs=1)
    real_fork = os.fork
    calls = {"n": 0}

    def second_fork_fails() -> int:
        calls["n"] += 1
        if calls["n"] >= 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", second_fork_fails)
    assert _outputs(rich_tree, jobs=3) == single  # one worker ran; the rest was checked here
    calls["n"] = 1
    assert _outputs(rich_tree, jobs=3) == single  # no worker at all
