"""Template analyses kept between runs (issue 25: a one-file run close to the import floor).

A pre-commit run on an edited endpoint file whose template did not change must
not parse SQL: the template's analysis and the columns its SELECT returns come
from the result cache (``model/analysis_memo.py``), and sqlglot is never
imported. What the cache holds is checked where it is used: entries that do not
fit the template are computed afresh, and every report equals an uncached one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcplint.engine import result_cache
from mcplint.mention_index import CACHE_DIR
from test_result_cache import _write, lint_output

_PROBE = """
import io, json, sys
import mcplint.cli
sys.argv = ["mcplint", *sys.argv[1:], "--format", "json", "--exit-zero"]
out, sys.stdout = sys.stdout, io.StringIO()
code = mcplint.cli._run()
report, sys.stdout = sys.stdout.getvalue(), out
print(json.dumps({"report": json.loads(report), "sqlglot": "sqlglot" in sys.modules}))
"""

ENDPOINT = (
    "url-path: /orders/\nmcp-tool:\n  name: list_orders\n  description: {description}\n"
    "request:\n  - field-name: status\n    field-in: query\n    validators:\n      - type: enum\n"
    "        allowedValues: [open, closed]\n  - field-name: email\n    field-in: query\n"
    "template-source: orders.sql\n"
)
TEMPLATE = (
    "SELECT id, email, status FROM orders WHERE 1 = 1\n"
    "{{#params.status}} AND status = '{{ params.status }}'{{/params.status}}\n"
    "{{#params.email}} AND email = '{{ params.email }}'{{/params.email}}\nLIMIT 100\n"
)


@pytest.fixture(autouse=True)
def cache_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(result_cache, "RACY_NS", -(10**18))


def _project(root: Path) -> Path:
    _write(root / "flapi.yaml", "project-name: p\nproject-description: P\ntemplate:\n  path: sqls\n")
    _write(root / "sqls/orders.yaml", ENDPOINT.format(description="Orders by status."))
    _write(root / "sqls/orders.sql", TEMPLATE)
    return root


def _probe(root: Path, *paths: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MCPLINT_DEBUG"}
    done = subprocess.run([sys.executable, "-c", _PROBE, *paths], cwd=root, capture_output=True, text=True,
                          timeout=120, check=True, env=env)
    return json.loads(done.stdout)


def _age(root: Path) -> None:
    """Make every file older than the racy window (the subprocess does not see the monkeypatch)."""
    for path in root.rglob("*"):
        if path.is_file() and CACHE_DIR not in path.parts:
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**10))


def test_an_edited_endpoint_whose_template_did_not_change_is_checked_without_sqlglot(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    first = _probe(root, "sqls/orders.yaml")
    assert first["sqlglot"], "the first run parses the template"
    _write(root / "sqls/orders.yaml", ENDPOINT.format(description="Orders, newest first."))
    second = _probe(root, "sqls/orders.yaml")
    assert not second["sqlglot"]
    rules = {f["rule_id"] for f in second["report"]["findings"]}
    assert "DATA001" in rules, rules  # the email column, judged from the cache
    # (An interpolation judged unsafe is proven with a payload, which parses SQL: those runs import sqlglot.)
    assert second["report"] == json.loads(lint_output(root, "sqls/orders.yaml", cached=False))


def test_a_changed_template_is_parsed_again(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _probe(root, "sqls/orders.sql")
    _write(root / "sqls/orders.sql", TEMPLATE.replace("'{{ params.email }}'", "'{{{ params.email }}}'"))
    run = _probe(root, "sqls/orders.sql")
    assert run["sqlglot"]
    assert run["report"] == json.loads(lint_output(root, "sqls/orders.sql", cached=False))


def _forge(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    cache_file = root / CACHE_DIR / result_cache.CACHE_FILE
    data = json.loads(cache_file.read_text())
    for value in data["analyses"].values():
        change(value)
    data["run"] = None
    data["files"] = {}
    cache_file.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v.__setitem__("tried", 10**9) if isinstance(v, dict) else None,
        lambda v: v["contexts"][0].__setitem__(0, 1) if isinstance(v, dict) else None,  # not a tag's position
        lambda v: v["contexts"][0].__setitem__(1, "nowhere") if isinstance(v, dict) else None,
        lambda v: v["contexts"][0][4].append(["params.nope", True]) if isinstance(v, dict) else None,
        lambda v: v.append(["email", "not a list", False]) if isinstance(v, list) else None,
        lambda v: v.clear() if isinstance(v, dict) else None,
    ],
    ids=["scenarios", "position", "context", "section", "projection", "empty"],
)
def test_kept_analyses_that_do_not_fit_the_template_are_computed_afresh(
    change, tmp_path: Path, sql_parses: list[str]  # type: ignore[no-untyped-def]
) -> None:
    root = _project(tmp_path / "p")
    lint_output(root)
    _forge(root, change)
    sql_parses.clear()
    cached = lint_output(root)
    assert sql_parses
    assert cached == lint_output(root, cached=False)


def test_a_kept_analysis_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: with the cache as written, the same run parses nothing."""
    root = _project(tmp_path / "p")
    lint_output(root)
    _forge(root, lambda v: None)
    from mcplint.model import injection

    def no_parse(text: str):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed")

    monkeypatch.setattr(injection, "parse_sql", no_parse)
    assert "DATA001" in lint_output(root)


def test_a_destructive_statement_is_found_in_any_case_and_a_template_without_one_is_not_parsed(
    tmp_path: Path
) -> None:
    from mcplint.model.statements import may_be_destructive
    from types import SimpleNamespace

    def endpoint(text: str) -> SimpleNamespace:
        return SimpleNamespace(template=SimpleNamespace(source=SimpleNamespace(text=text)))

    assert may_be_destructive(endpoint("{{#params.x}}drop table t{{/params.x}}"))  # type: ignore[arg-type]
    assert may_be_destructive(endpoint("COPY t TO 'x.csv'"))  # type: ignore[arg-type]
    assert not may_be_destructive(endpoint("SELECT dropped, copy_count FROM alters"))  # type: ignore[arg-type]
    root = tmp_path / "p"
    _write(root / "flapi.yaml", "project-name: p\nproject-description: P\ntemplate:\n  path: sqls\n")
    _write(root / "sqls/x.yaml", "url-path: /x/\nmethod: DELETE\ntemplate-source: x.sql\n")
    _write(root / "sqls/x.sql", "{{#params.x}}\ndrop table t\n{{/params.x}}\n")
    assert "FILT003" in lint_output(root, cached=False)
