"""Rough edges a new user meets: mistyped commands, standard input, file names in capitals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO, write_tree
from mcplint.cli import cli


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_a_mistyped_command_with_a_rule_id_suggests_explain() -> None:
    result = run("rule", "CORS002")
    assert result.exit_code == 2
    assert "did you mean `mcplint explain CORS002`?" in result.stderr


def test_a_mistyped_command_alone_suggests_the_command() -> None:
    assert "did you mean `mcplint rules`?" in run("rulez").stderr
    assert "did you mean `mcplint explain RULE`?" in run("explian").stderr


def test_a_missing_path_that_looks_like_no_command_gets_no_guess() -> None:
    result = run("no-such-folder")
    assert result.exit_code == 2
    assert result.stderr == "mcplint: error: path does not exist: no-such-folder\n"


def test_a_dash_says_standard_input_is_not_read_and_what_to_do() -> None:
    result = run("-", input="project-name: x\n")
    assert result.exit_code == 2
    assert "does not read standard input" in result.stderr and "pass the file's path" in result.stderr


def test_the_hook_pattern_and_discovery_take_file_names_in_any_case(tmp_path: Path) -> None:
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    pattern = re.compile(hook["files"])
    for name in ("A.YAML", "mcp.Json", "orders.SQL", "pyproject.TOML", "x/a.yml", ".env", "prod.env"):
        assert pattern.search(name), name
    assert not pattern.search("README.md")
    write_tree(tmp_path, {"CLIENT.JSON": '{"mcpServers": {"x": {"command": "npx", "args": ["-y", "srv"], '
                                         '"env": {"GITHUB_TOKEN": "ghp_' + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6" + '"}}}}'})
    result = run("CLIENT.JSON", "--format", "json")
    assert '"rule_id": "SEC' in result.stdout
