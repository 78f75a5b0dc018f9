"""Findings follow their causes across files and lines: ``--diff REF`` and runs on some files only.

A change to an endpoint's YAML alone can open an injection in its unchanged ``.sql``; deleting
an ``auth:`` block makes a finding appear on an unchanged line. Both must be reported by
``--diff`` and by the pre-commit run (which passes only the changed files), and a change
elsewhere must not drag them in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REPO, write_tree
from mcplint.cli import cli

PROJECT = {
    "flapi.yaml": (
        "project-name: demo\nproject-description: d\nhttp-host: 127.0.0.1\ntemplate:\n  path: ./sqls\n"
        "cors:\n  allow-origins: [https://app.example.com]\n"
    ),
    "sqls/customers.yaml": (
        "url-path: /customers/\n"
        "request:\n"
        "  - field-name: name\n"
        "    field-in: query\n"
        "    validators:\n"
        "      - type: string\n"
        "        regex: '^[a-z]+$'\n"
        "template-source: customers.sql\n"
    ),
    "sqls/customers.sql": "SELECT id FROM customers WHERE name = '{{{ params.name }}}' LIMIT 10\n",
    "sqls/regions.yaml": "url-path: /regions/\ndescription: Sales regions\ntemplate-source: regions.sql\n",
    "sqls/regions.sql": "SELECT id FROM regions LIMIT 10\n",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", message)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "repo", PROJECT)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "base")
    monkeypatch.chdir(root)
    return root


def mcplint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reported(result: Result) -> set[tuple[str, str, int]]:
    return {(f["rule_id"], f["path"], f["region"]["start_line"]) for f in json.loads(result.stdout)["findings"]}


def injections(result: Result) -> set[tuple[str, str, int]]:
    return {f for f in reported(result) if f[0].startswith("SQLI")}


def remove_regex(root: Path) -> None:
    endpoint = root / "sqls/customers.yaml"
    endpoint.write_text(endpoint.read_text().replace("        regex: '^[a-z]+$'\n", ""))


def test_the_base_project_has_no_injection(repo: Path) -> None:
    assert injections(mcplint(".", "--format", "json")) == set()


def test_diff_reports_an_injection_that_a_yaml_only_change_opens_in_an_unchanged_template(repo: Path) -> None:
    remove_regex(repo)
    result = mcplint(".", "--diff", "main", "--format", "json")
    assert ("SQLI001", "sqls/customers.sql", 1) in reported(result)
    commit_all(repo, "drop the regex")  # the same once committed, against the commit before
    assert ("SQLI001", "sqls/customers.sql", 1) in reported(mcplint(".", "--diff", "main~1", "--format", "json"))


def test_diff_does_not_report_an_old_injection_because_of_a_change_elsewhere(repo: Path) -> None:
    remove_regex(repo)
    commit_all(repo, "an old hole")
    regions = repo / "sqls/regions.yaml"
    regions.write_text(regions.read_text().replace("Sales regions", "Sales regions of the company"))
    result = mcplint(".", "--diff", "main", "--format", "json")
    assert injections(result) == set()
    assert json.loads(result.stdout)["summary"]["outside_diff"] >= 1


def test_diff_reports_a_finding_that_deleting_an_auth_block_makes_on_an_unchanged_line(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    root = tmp_path / "examples"
    shutil.copytree(REPO / "examples", root)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "base")
    monkeypatch.chdir(root)
    before = reported(mcplint(".", "--format", "json"))
    cancel = root / "sqls/cancel_orders.yaml"
    text = cancel.read_text()
    start = text.index("auth:\n")
    cancel.write_text(text[:start] + text[text.index("template-source:"):])
    appeared = reported(mcplint(".", "--format", "json")) - before
    assert appeared, "deleting the auth block must produce a finding"
    # Every new finding is reported by --diff, also those on lines the change did not touch.
    assert appeared <= reported(mcplint(".", "--diff", "main", "--format", "json"))
    assert any(path == "sqls/cancel_orders.yaml" and line < start for _, path, line in appeared)

    flapi = root / "flapi.yaml"
    text = flapi.read_text()
    flapi.write_text(text[: text.index("  auth:\n", text.index("mcp:"))])  # drop mcp.auth
    appeared = reported(mcplint(".", "--format", "json")) - before
    assert any(rule == "AUTHN005" for rule, _, _ in appeared)
    assert appeared <= reported(mcplint(".", "--diff", "main", "--format", "json"))


def test_diff_never_runs_filters_or_drivers_from_the_repository_config(repo: Path) -> None:
    (repo / ".gitattributes").write_text("*.yaml filter=evil diff=evil\n")
    commit_all(repo, "attributes")
    ran = repo.parent / "ran"
    for key in ("filter.evil.clean", "filter.evil.smudge", "filter.evil.process", "diff.evil.textconv",
                "diff.evil.command"):
        git(repo, "config", key, f"sh -c 'touch {ran}; cat'")
    remove_regex(repo)
    result = mcplint(".", "--diff", "main", "--format", "json")
    assert ("SQLI001", "sqls/customers.sql", 1) in reported(result)
    assert not ran.exists()


def test_diff_in_a_shallow_clone_says_to_fetch_the_history(repo: Path, tmp_path: Path, monkeypatch) -> None:
    regions = repo / "sqls/regions.yaml"
    regions.write_text(regions.read_text() + "# second commit\n")
    commit_all(repo, "second")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    monkeypatch.chdir(shallow)
    result = mcplint(".", "--diff", "HEAD~1")
    assert result.exit_code == 2
    assert "shallow clone" in result.stderr and "fetch-depth: 0" in result.stderr


def test_diff_with_an_unknown_ref_says_what_to_do(repo: Path) -> None:
    result = mcplint(".", "--diff", "origin/nowhere")
    assert result.exit_code == 2
    assert "no such commit" in result.stderr and "git fetch" in result.stderr


def test_a_run_on_the_endpoint_yaml_alone_reports_the_injection_it_opens_in_the_template(repo: Path) -> None:
    remove_regex(repo)
    only_yaml = mcplint("sqls/customers.yaml", "--format", "json")
    assert ("SQLI001", "sqls/customers.sql", 1) in reported(only_yaml)
    only_other = mcplint("sqls/regions.yaml", "--format", "json")
    assert injections(only_other) == set()


def test_the_sarif_result_names_the_files_it_depends_on(repo: Path) -> None:
    remove_regex(repo)
    sarif = json.loads(mcplint("sqls/customers.yaml", "--format", "sarif").stdout)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SQLI001")
    related = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in result.get("relatedLocations", [])}
    assert "sqls/customers.yaml" in related
