"""A baseline never records findings in files git ignores, unless asked (a local .env is nobody's to accept)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mcplint.cli import cli

TOKEN = "ghp_" + "Z8yX7wV6uT5sR4qP3oN2mL1kJ0iH9gF8eD7c"
FILES = {
    ".gitignore": ".env\nbuild/\n",
    ".env": f"GITHUB_TOKEN={TOKEN}\n",
    "build/mcp.json": json.dumps({"mcpServers": {"gh": {"command": "x", "env": {"GITHUB_TOKEN": TOKEN}}}}) + "\n",
    ".mcp.json": json.dumps({"mcpServers": {"gh": {"command": "x", "env": {"GITHUB_TOKEN": TOKEN}}}}) + "\n",
}


def recorded(path: Path) -> set[str]:
    return {entry["path"] for entry in json.loads(path.read_text())["findings"]}


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "repo", FILES)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    monkeypatch.chdir(root)
    return root


def test_findings_in_git_ignored_files_are_not_recorded(repo: Path) -> None:
    result = CliRunner().invoke(cli, [".", "--write-baseline", "base.json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert recorded(repo / "base.json") == {".mcp.json"}
    assert "left out 2 findings in files git ignores" in result.stderr
    assert TOKEN not in (repo / "base.json").read_text()


def test_asked_for_they_are_recorded(repo: Path) -> None:
    result = CliRunner().invoke(cli, [".", "--write-baseline", "base.json", "--baseline-ignored-files"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert recorded(repo / "base.json") == {".mcp.json", ".env", "build/mcp.json"}


def test_a_tracked_file_that_matches_an_ignore_rule_is_not_ignored(repo: Path) -> None:
    subprocess.run(["git", "add", "-f", ".env"], cwd=repo, check=True)
    CliRunner().invoke(cli, [".", "--write-baseline", "base.json"], catch_exceptions=False)
    assert recorded(repo / "base.json") == {".mcp.json", ".env"}


def test_outside_a_repository_nothing_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "plain", FILES)
    monkeypatch.chdir(root)
    CliRunner().invoke(cli, [".", "--write-baseline", "base.json"], catch_exceptions=False)
    assert recorded(root / "base.json") == {".mcp.json", ".env", "build/mcp.json"}
