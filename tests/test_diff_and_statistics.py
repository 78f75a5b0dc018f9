"""``--diff REF`` (only findings on changed lines) and ``--statistics`` (counts per rule)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REPO
from mcplint.cli import cli
from mcplint.git_diff import changed_lines
from mcplint.span import Span


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    return root


def mcplint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reported(result: Result) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["path"], f["region"]["start_line"]) for f in json.loads(result.stdout)["findings"]]


def test_only_findings_on_changed_lines_are_reported(repo: Path) -> None:
    assert mcplint(".", "--diff", "main").exit_code == 0  # nothing changed yet
    orders = repo / "sqls" / "orders.yaml"
    lines = orders.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if "password: analyst-2024" in text)
    lines[line] = lines[line].replace("analyst-2024", "analyst-2025")
    orders.write_text("".join(lines))
    result = mcplint(".", "--diff", "main", "--format", "json")
    assert result.exit_code == 1
    assert reported(result) == [("CRED001", "sqls/orders.yaml", line + 1)]
    assert json.loads(result.stdout)["summary"]["outside_diff"] == 13
    text = mcplint(".", "--diff", "main")
    assert "13 on unchanged lines" in text.stdout


def test_new_and_untracked_files_count_as_changed_throughout(repo: Path) -> None:
    (repo / "sqls" / "stock.yaml").write_text("url-path: /stock/\ntemplate-source: stock.sql\n")
    (repo / "sqls" / "stock.sql").write_text("SELECT * FROM stock LIMIT 5\n")
    untracked = reported(mcplint(".", "--diff", "HEAD", "--format", "json"))
    assert {(rule, path) for rule, path, _ in untracked} == {("AUTHN004", "sqls/stock.yaml")}
    git(repo, "add", "-A")  # staged, new since HEAD
    assert reported(mcplint(".", "--diff", "HEAD", "--format", "json")) == untracked


def test_a_pure_deletion_counts_for_the_lines_around_it(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.yaml").write_text("one: 1\ntwo: 2\nthree: 3\n")
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "-m", "x")
    (root / "a.yaml").write_text("one: 1\nthree: 3\n")
    changed = changed_lines(root, "HEAD")
    assert changed.lines == {"a.yaml": {1, 2}}
    assert changed.touches(Span("a.yaml", 2, 1, 2, 6, 7, 12))
    assert not changed.touches(Span("b.yaml", 2, 1, 2, 6, 7, 12))


def test_diff_errors_are_usage_errors(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = mcplint(".", "--diff", "no-such-branch")
    assert unknown.exit_code == 2 and "mcplint: error: git rev-parse failed" in unknown.stderr
    option = mcplint(".", "--diff", "--output=/tmp/x")
    assert option.exit_code == 2 and "is not a git ref" in option.stderr
    outside = tmp_path / "plain"
    shutil.copytree(REPO / "examples", outside)
    monkeypatch.chdir(outside)
    result = mcplint(".", "--diff", "main")
    assert result.exit_code == 2 and "not a git repository" in result.stderr


def test_diff_never_runs_repository_configured_programs(repo: Path) -> None:
    # A committed .gitattributes can name a diff driver; its textconv/command run only if git is allowed to.
    (repo / ".gitattributes").write_text("*.yaml diff=evil\n")
    git(repo, "config", "diff.evil.textconv", f"touch {repo / 'textconv-ran'}; cat")
    git(repo, "config", "diff.evil.command", f"touch {repo / 'command-ran'}; true")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "attributes")
    main = repo / "flapi.yaml"
    main.write_text(main.read_text() + "# edited\n")
    result = mcplint(".", "--diff", "HEAD~1")
    assert result.exit_code == 0 and "on unchanged lines" in result.stdout, result.output
    assert not (repo / "textconv-ran").exists() and not (repo / "command-ran").exists()


def test_statistics_counts_per_rule(repo: Path) -> None:
    text = mcplint(".", "--statistics")
    assert text.exit_code == 1
    lines = text.stdout.splitlines()
    assert lines[0] == "3  LIMIT001  note     flapi-mcp-tool-without-rate-limit"
    assert lines[1] == "2  CRED001   error    plaintext-basic-auth-password"
    assert lines[-1] == "Found 14 findings."
    data = json.loads(mcplint(".", "--statistics", "--format", "json").stdout)
    assert data["findings"] == 14 == sum(row["count"] for row in data["statistics"])
    assert data["statistics"][0] == {
        "rule_id": "LIMIT001", "rule_name": "flapi-mcp-tool-without-rate-limit", "level": "note", "count": 3
    }
    bad = mcplint(".", "--statistics", "--format", "sarif")
    assert bad.exit_code == 2 and "--statistics works with --format text or json" in bad.stderr


def test_statistics_with_baseline_counts_only_new_findings(repo: Path) -> None:
    assert mcplint(".", "--write-baseline", "b.json").exit_code == 0
    result = mcplint(".", "--statistics", "--baseline", "b.json")
    assert result.exit_code == 0 and result.stdout == "No findings.\n"
