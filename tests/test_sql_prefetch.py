"""Templates parsed by the build helper give exactly the analyses and report of parsing them in the checks."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, write_tree
from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine import checks
from mcplint.engine.registry import default_registry
from mcplint.engine.runner import EngineSettings
from mcplint.loaders import yaml_prefetch
from mcplint.loaders.mustache import parse_mustache
from mcplint.model import sql_prefetch
from mcplint.model.sql_prefetch import SqlPrefetch, _records
from mcplint.model.template_analysis import all_sections_text, analyse, parse_sql, render
from mcplint.reporters import get_reporter

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is a forked process")

# Templates whose analyses take the unusual paths: a retry with a keyword (ORDER BY direction),
# inverted sections, raw values, writes, a statement that does not parse, sentinels in comments.
ODD_TEMPLATES = {
    "order.sql": "SELECT * FROM t\n{{#params.sort}}ORDER BY created {{ params.dir }}{{/params.sort}}\n",
    "inverted.sql": "SELECT * FROM t WHERE a = 1\n{{^params.all}}AND b = '{{ params.b }}'{{/params.all}}\n",
    "raw.sql": "SELECT * FROM {{{ params.table }}} WHERE id = {{ params.id }}\n",
    "delete.sql": "DELETE FROM things\n{{#params.id}}WHERE id = {{ params.id }}{{/params.id}}\n",
    "broken.sql": "SELECT FROM WHERE ((( {{ params.x }}\n",
    "comment.sql": "SELECT a /* {{ params.note }} */ FROM t WHERE s = '{{ params.s }}'\n",
    "exec.sql": "SELECT * FROM query('SELECT * FROM t WHERE x = ''{{ params.x }}''')\n",
}


def _endpoint(name: str) -> str:
    return (
        f"url-path: /odd-{name}/\nmethod: GET\nrequest:\n  - field-name: id\n    field-in: query\n"
        "    validators:\n      - type: int\n  - field-name: b\n    field-in: query\n"
        f"template-source: {name}.sql\nconnection: [warehouse]\n"
    )


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated project with odd templates beside it, and a helper even for its size."""
    monkeypatch.setattr(yaml_prefetch, "MIN_FILES", 1)
    root = tmp_path / "tree"
    generate(root, 40)
    files: dict[str, str] = {}
    for name, sql in ODD_TEMPLATES.items():
        files[f"sqls/odd/{name}"] = sql
        files[f"sqls/odd/{name[:-4]}.yaml"] = _endpoint(name[:-4])
    write_tree(root, files)
    return root


def _reports(root: Path, jobs: int) -> dict[str, str]:
    registry = default_registry()
    run = lint([root], root, Config(), registry, registry.select(None), EngineSettings(), jobs=jobs)
    return {fmt: get_reporter(fmt)(run.report) for fmt in ("json", "sarif")}


@needs_fork
def test_the_report_is_the_same_with_the_helpers_parses(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    original = SqlPrefetch.statements

    def counting(self: SqlPrefetch, rel: str, text: str):  # type: ignore[no-untyped-def]
        found = original(self, rel, text)
        if found is not None:
            used.append(rel)
        return found

    single = _reports(tree, jobs=1)
    monkeypatch.setattr(sql_prefetch, "MAX_WAIT", 30.0)  # a slow machine must not cut the helper short here
    monkeypatch.setattr(SqlPrefetch, "settle", _settle_when_done(SqlPrefetch.settle))
    assert _reports(tree, jobs=2) == single  # checked in workers, which inherit the parses
    # Checked in this process (no workers, the helper still runs), so that the uses can be counted.
    monkeypatch.setattr(checks, "MIN_FILES_PER_WORKER", 10**9)
    monkeypatch.setattr(SqlPrefetch, "statements", counting)
    assert _reports(tree, jobs=2) == single
    assert len(used) > 40  # the helper's parses were really used, one per template that parses
    odd = {rel.rsplit("/", 1)[1] for rel in used if "/odd/" in rel}
    # broken.sql does not parse, nor does order.sql with a bare sentinel for the direction: both are
    # parsed (and the analysis retries, or reports) where they are checked.
    assert odd == {"inverted.sql", "raw.sql", "delete.sql", "comment.sql", "exec.sql"}


def _settle_when_done(settle):  # type: ignore[no-untyped-def]
    """``settle`` that first lets the helper finish every template (so every template has a parse)."""

    def patient(self: SqlPrefetch) -> None:
        if self._index is None and self._pid:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if os.waitpid(self._pid, os.WNOHANG)[0]:
                    self._pid = 0  # done with every template, and reaped here
                    break
                time.sleep(0.01)
        settle(self)

    return patient


@needs_fork
def test_a_helper_that_fails_costs_time_not_findings(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    single = _reports(tree, jobs=1)

    def failing_dumps(value: object, protocol: int | None = None) -> bytes:
        raise ValueError("cannot write")

    monkeypatch.setattr(sql_prefetch.pickle, "dumps", failing_dumps)
    assert _reports(tree, jobs=2) == single


def test_the_helpers_text_is_what_the_analysis_parses_first() -> None:
    compared = 0
    for name, sql in ODD_TEMPLATES.items():
        template = parse_mustache(sql)
        asked: list[str] = []

        def parse(text: str, asked: list[str] = asked):  # type: ignore[no-untyped-def]
            asked.append(text)
            return parse_sql(text)

        analyse(template, parse=parse)
        # With every section shown but no value in sight (an inverted section), that rendering is
        # skipped by the analysis; statements.all_present still parses it.
        if render(template, lambda _: True, lambda _: "").placed:
            assert asked[0] == all_sections_text(template), name
            compared += 1
    assert compared >= 5


def _fork_helper(prefetch: SqlPrefetch, adopt: bool = True) -> int:
    """Run the helper side of ``prefetch`` in a fork, as the YAML helper does; its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            prefetch.in_helper()
        finally:
            os._exit(0)
    prefetch.in_parent()
    if adopt:
        prefetch.adopt(pid)
    return pid


def _parses(tmp_path: Path, texts: dict[str, str]) -> SqlPrefetch:
    """A prefetch over ``texts`` (name -> SQL) whose helper parsed every one of them, settled."""
    paths = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)

    def parse_of(path: Path):  # type: ignore[no-untyped-def]
        text = all_sections_text(parse_mustache(path.read_text(encoding="utf-8")))
        statements, error = parse_sql(text)
        return None if error else (path.name, text, statements)

    prefetch = SqlPrefetch(paths, parse_of)
    os.waitpid(_fork_helper(prefetch, adopt=False), 0)  # done with every file (reaped here)
    prefetch.settle()
    return prefetch


@needs_fork
def test_a_parse_is_used_only_for_the_very_text_it_was_made_of(tmp_path: Path) -> None:
    prefetch = _parses(tmp_path, {"a.sql": "SELECT 1 FROM t WHERE x = {{ params.x }}", "b.sql": "SELECT ((("})
    text = all_sections_text(parse_mustache("SELECT 1 FROM t WHERE x = {{ params.x }}"))
    found = prefetch.statements("a.sql", text)
    assert found is not None and [s.sql("duckdb") for s in found] == [s.sql("duckdb") for s in parse_sql(text)[0]]
    assert prefetch.statements("a.sql", text + " ") is None  # changed since the helper read it
    assert prefetch.statements("other.sql", text) is None  # the same text of another file
    assert prefetch.statements("b.sql", "SELECT (((") is None  # did not parse: not stored
    prefetch.close()


@needs_fork
def test_a_template_that_cannot_travel_leaves_the_others_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_dumps = sql_prefetch.pickle.dumps

    def dumps(value: object, protocol: int | None = None) -> bytes:
        if "deep" in repr(value):
            raise RecursionError("maximum recursion depth exceeded")
        return real_dumps(value, protocol=protocol)

    monkeypatch.setattr(sql_prefetch.pickle, "dumps", dumps)
    # The helper starts with the last file: the one that cannot travel comes before the others.
    prefetch = _parses(tmp_path, {"b.sql": "SELECT 2", "c.sql": "SELECT 3", "a.sql": "SELECT deep FROM t"})
    assert prefetch.statements("a.sql", "SELECT deep FROM t") is None
    assert prefetch.statements("b.sql", "SELECT 2") is not None and prefetch.statements("c.sql", "SELECT 3") is not None
    prefetch.close()


@needs_fork
def test_a_record_cut_short_is_ignored_and_the_rest_kept(tmp_path: Path) -> None:
    prefetch = _parses(tmp_path, {"a.sql": "SELECT 1", "b.sql": "SELECT 2"})
    data = bytes(prefetch._data)
    assert set(_records(data)) == {("a.sql", "SELECT 1"), ("b.sql", "SELECT 2")}
    for cut in range(len(data)):
        kept = set(_records(data[:cut]))
        assert kept <= {("a.sql", "SELECT 1"), ("b.sql", "SELECT 2")}
    assert set(_records(data[:-1])) == {("b.sql", "SELECT 2")}  # the last file was parsed first
    prefetch.close()


@needs_fork
def test_a_helper_stuck_in_a_parse_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_prefetch, "MAX_WAIT", 0.2)
    paths = [tmp_path / "slow.sql", tmp_path / "fast.sql"]  # the helper starts with the last

    def parse_of(path: Path):  # type: ignore[no-untyped-def]
        if path.name == "slow.sql":
            time.sleep(60)
        return path.name, "SELECT 1", parse_sql("SELECT 1")[0]

    prefetch = SqlPrefetch(paths, parse_of)
    pid = _fork_helper(prefetch)
    time.sleep(0.3)  # the helper is in the slow parse now
    started = time.monotonic()
    prefetch.settle()
    assert time.monotonic() - started < 5
    assert prefetch.statements("fast.sql", "SELECT 1") is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    prefetch.close()


@needs_fork
def test_closing_without_settling_stops_the_helper(tmp_path: Path) -> None:
    def parse_of(path: Path):  # type: ignore[no-untyped-def]
        time.sleep(60)

    prefetch = SqlPrefetch([tmp_path / "a.sql"], parse_of)
    pid = _fork_helper(prefetch)
    prefetch.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_small_trees_and_one_job_have_no_helper_parses(tmp_path: Path) -> None:
    generate(tmp_path / "p", 3)
    registry = default_registry()
    for jobs in (1, 2):
        run = lint([tmp_path / "p"], tmp_path / "p", Config(), registry, registry.select(None), EngineSettings(),
                   jobs=jobs)
        assert run.model.sql_parses is None
