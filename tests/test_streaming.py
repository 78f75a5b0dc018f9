"""Endpoint files checked as they are built: the tree goes, the report stays the same bytes.

A command-line run without a cache hands each endpoint file's own units to the
engine as soon as the builder has made them (``engine/streaming.py``) and keeps
a :class:`CheckedEndpoint` instead of the tree (``model/streamed_files.py``).
Each test compares such a run (``keep_model=False``) with one that keeps every
tree, in every output format, and checks which files were checked early: a file
that must stay whole (included by another, with a diagnostic, a rule that
raised) and is dropped anyway, or a difference in the report, fails here.
"""

from __future__ import annotations

import gc
import json
import random
from pathlib import Path

import pytest

from mcplint import api
from mcplint.engine import streaming
from mcplint.engine.registry import default_registry
from mcplint.model.flapi import CheckedEndpoint, Endpoint
from mcplint.reporters import get_reporter
from test_result_cache import CASES, _write

FORMATS = ("json", "sarif", "text", "github")
PASSWORD = "hunter2hunter2"
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _outputs(root: Path, keep_model: bool) -> tuple[dict[str, str], api.LintRun]:
    run = api.lint([root], root, keep_model=keep_model)
    return {name: get_reporter(name)(run.report) for name in FORMATS}, run


def _agree(root: Path) -> api.LintRun:
    """The streaming run, after checking that every format is the same as a run that keeps the trees."""
    kept, whole = _outputs(root, keep_model=True)
    streamed, run = _outputs(root, keep_model=False)
    for name in FORMATS:
        assert streamed[name] == kept[name], name
    assert [d.path for d in run.model.documents] == [d.path for d in whole.model.documents]
    return run


def _checked_early(run: api.LintRun) -> set[str]:
    return {e.unit_path for p in run.model.projects for e in p.endpoints if isinstance(e, CheckedEndpoint)}


def _project(root: Path, endpoints: int = 6) -> Path:
    _write(root / "flapi.yaml", "project-name: p\nproject-description: P\ntemplate:\n  path: sqls\n"
                                "cors:\n  allow-origins: ['*']\n")
    _write(root / "sqls/common/auth.yaml", "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n"
                                           f"      password: {PASSWORD}\n")
    for i in range(endpoints):
        include = "{{include:auth from common/auth.yaml}}\n" if i % 2 == 0 else ""
        other = f"tool_{(i + 1) % endpoints}"
        _write(root / f"sqls/e{i}.yaml", (
            f"url-path: /e{i}/\nmcp-tool:\n  name: tool_{i}\n"
            f"  description: Reads orders of kind {i}. Always call {other} first.\n"
            f"request:\n  - field-name: q\n    field-in: query\n    description: the query\n{include}"
            f"connection: ['{{{{env.DB_{i}}}}}']\ntemplate-source: e{i}.sql\n"
        ))
        _write(root / f"sqls/e{i}.sql", f"-- token {TOKEN}\nSELECT * FROM t{i} WHERE q = '{{{{{{ params.q }}}}}}'\n")
    return root


def test_endpoint_files_are_checked_as_built_and_the_report_is_the_same(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    run = _agree(root)
    assert _checked_early(run) == {f"sqls/e{i}.yaml" for i in range(6)}
    assert run.model.endpoints() == []  # no tree is kept
    rules = {r.rule.id for r in run.report.results}
    assert {"SQLI001", "CORS001"} <= rules, rules  # template, endpoint and project findings all there


def test_no_tree_outlives_its_check(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", endpoints=12)
    run = api.lint([root], root, keep_model=False)
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Endpoint)]
    assert alive == [], [e.unit_path for e in alive]
    assert len(_checked_early(run)) == 12


def test_a_lint_that_keeps_the_model_keeps_every_tree(tmp_path: Path) -> None:
    """lint() callers read the model: by default nothing is dropped."""
    root = _project(tmp_path / "p")
    run = api.lint([root], root)
    assert _checked_early(run) == set()
    assert len(run.model.endpoints()) == 6


def test_secrets_of_endpoints_checked_early_are_masked_in_every_format(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _write(root / "sqls/e1.yaml", (root / "sqls/e1.yaml").read_text() + (
        "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: admin\n"
        f"      password: {PASSWORD}x\n"
    ))
    streamed, run = _outputs(root, keep_model=False)
    assert "sqls/e1.yaml" in _checked_early(run)
    assert any(r.rule.id.startswith("AUTH") and r.span.path == "sqls/e1.yaml" for r in run.report.results)
    for name, text in streamed.items():
        assert PASSWORD not in text and TOKEN[4:] not in text, name
    _agree(root)


def test_a_file_another_file_includes_is_kept_whole(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _write(root / "sqls/z.yaml", "{{include from e1.yaml}}\n")  # found after e1: its text decides
    run = _agree(root)
    assert "sqls/e1.yaml" not in _checked_early(run)
    assert "sqls/e3.yaml" in _checked_early(run)


def test_a_file_with_a_diagnostic_is_kept_whole(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _write(root / "sqls/e3.yaml", (root / "sqls/e3.yaml").read_text() + "{{include:auth from missing.yaml}}\n")
    run = _agree(root)
    assert "sqls/e3.yaml" not in _checked_early(run)
    assert any(d.span.path == "sqls/e3.yaml" for d in run.model.diagnostics)


def test_a_rule_that_raises_on_an_endpoint_is_reported_as_in_a_run_that_keeps_the_tree(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    registry = default_registry()
    rule = registry.get("SQLI001")
    assert rule is not None and rule.check is not None
    original = rule.check

    def broken(unit):  # type: ignore[no-untyped-def]
        if unit.unit_path == "sqls/e2.yaml":
            raise ValueError("boom")
        return original(unit)

    object.__setattr__(rule, "check", broken)  # the registry's own rule object (rules are frozen)
    try:
        run = _agree(root)
    finally:
        object.__setattr__(rule, "check", original)
    assert "sqls/e2.yaml" not in _checked_early(run)
    errors = [r for r in run.report.results if r.rule.id == "CFG900"]
    assert [r.span.path for r in errors] == ["sqls/e2.yaml"] and "SQLI001" in errors[0].message


def test_a_template_two_endpoints_share_is_scanned_once(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    for i in (1, 2):
        _write(root / f"sqls/e{i}.yaml", (root / f"sqls/e{i}.yaml").read_text().replace(f"e{i}.sql", "e0.sql"))
    run = _agree(root)
    tokens = [r for r in run.report.results if r.span.path == "sqls/e0.sql" and r.rule.id == "SEC001"]
    assert len(tokens) == 1, [(r.rule.id, r.message) for r in tokens]


@pytest.mark.parametrize("main", [
    'template: {path: sqls}\n',  # flow style
    '"template":\n  "path": sqls\n',  # quoted keys
    '"templ\\x61te":\n  path: sqls\n',  # an escape in a quoted key
    "base: &b\n  path: sqls\ntemplate: *b\n",  # an alias
    "{{include from conf/base.yaml}}\n",  # the key comes in through an include
])
def test_main_configs_written_any_way_are_found_before_their_endpoints(tmp_path: Path, main: str) -> None:
    root = _project(tmp_path / "p")
    _write(root / "flapi.yaml", main)
    _write(root / "conf/base.yaml", "template:\n  path: sqls\n")  # a main config too, of conf/sqls (none)
    run = _agree(root)
    assert _checked_early(run) == {f"sqls/e{i}.yaml" for i in range(6)}


def test_an_endpoint_that_names_the_word_template_is_read_with_the_main_configs(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _write(root / "sqls/e4.yaml", (root / "sqls/e4.yaml").read_text().replace("Reads orders", "Reads a template"))
    run = _agree(root)
    assert "sqls/e4.yaml" in _checked_early(run)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_every_fixture_project_gives_the_same_report(case: Path) -> None:
    _agree(case)


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_agree_with_runs_that_keep_every_tree(seed: int, tmp_path: Path) -> None:
    from test_vouchers import _project as voucher_project
    from test_vouchers import _random_edit

    root = voucher_project(tmp_path / "p", endpoints=8)
    rng = random.Random(seed)
    early = 0
    for _ in range(6):
        done = _random_edit(root, rng)
        try:
            run = _agree(root)
        except AssertionError as exc:
            raise AssertionError(f"after: {done}") from exc
        early += len(_checked_early(run))
    assert early, "no endpoint file was checked early"


def test_the_checker_keeps_nothing_for_a_file_whose_rule_raised() -> None:
    """engine/streaming.py: a unit whose rule raises makes the whole group come back as None."""
    import dataclasses

    from mcplint.model.flapi import CachedUnit
    from mcplint.model.model import Target

    def boom(unit):  # type: ignore[no-untyped-def]
        raise RuntimeError("x")

    def quiet(unit):  # type: ignore[no-untyped-def]
        return iter(())

    rule = next(r for r in default_registry().rules if r.target is Target.ENDPOINT)
    groups = {"a.yaml": {Target.ENDPOINT: [CachedUnit("a.yaml")]}}
    assert streaming.EndpointChecker([dataclasses.replace(rule, check=boom)])(groups) is None  # type: ignore[arg-type]
    kept = streaming.EndpointChecker([dataclasses.replace(rule, check=quiet)])(groups)  # type: ignore[arg-type]
    assert kept is not None and kept["a.yaml"].findings == []


def test_json_findings_of_a_large_project_match(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", endpoints=40)
    run = _agree(root)
    assert len(_checked_early(run)) == 40
    data = json.loads(get_reporter("json")(run.report))
    assert data["findings"]


def test_a_file_two_projects_take_as_an_endpoint_is_kept_whole(tmp_path: Path) -> None:
    """Each project makes its own endpoint of the file: the second needs the tree the first would drop."""
    root = _project(tmp_path / "p")
    _write(root / "other.yaml", "project-name: q\ntemplate:\n  path: sqls\n")
    run = _agree(root)
    assert _checked_early(run) == set()
    assert len(run.model.projects) == 2


def test_documents_stay_in_the_order_the_files_were_found(tmp_path: Path) -> None:
    """Endpoint files are parsed after the main configs, project by project, but the documents (and so
    the units of every rule on them) keep discovery order, as when every file was parsed while read."""
    root = _project(tmp_path / "p")
    _write(root / "a-first.yaml", "mcpServers: {}\n")
    _write(root / "zz/.mcp.json", '{"mcpServers": {}}\n')
    for keep_model in (True, False):
        run = api.lint([root], root, keep_model=keep_model)
        paths = [d.path for d in run.model.documents]
        assert paths == sorted(paths), paths
        assert paths[0] == "a-first.yaml" and "flapi.yaml" in paths


def test_a_file_whose_reading_gave_a_diagnostic_is_kept_whole(tmp_path: Path) -> None:
    """A note from reading the file (bytes that are not UTF-8) counts as a diagnostic too."""
    root = _project(tmp_path / "p")
    text = (root / "sqls/e3.yaml").read_bytes().replace(b"Reads orders", b"Reads \xe9orders")
    (root / "sqls/e3.yaml").write_bytes(text)
    run = _agree(root)
    assert "sqls/e3.yaml" not in _checked_early(run)
    assert {"sqls/e1.yaml", "sqls/e5.yaml"} <= _checked_early(run)
    assert any(d.span.path == "sqls/e3.yaml" for d in run.model.diagnostics)
