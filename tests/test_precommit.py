"""Real pre-commit round trips against a scratch repository: ``pre-commit try-repo``, and
``pre-commit install`` + ``git commit`` with the hook pinned to a commit of this working tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_tree

INSECURE = {
    "api/flapi.yaml": "project-name: demo\ntemplate:\n  path: ./sqls\nproject-description: Demo\n",
    "api/sqls/orders.yaml": (
        "url-path: /orders/\ntemplate-source: orders.sql\n{{include:auth from common/auth.yaml}}\n"
    ),
    "api/sqls/orders.sql": "SELECT id FROM orders LIMIT 10\n",
    "api/sqls/common/auth.yaml": (
        "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: ops\n      password: ops-password\n"
    ),
}
FIXED = {
    "api/flapi.yaml": (
        "project-name: demo\nhttp-host: 127.0.0.1\ntemplate:\n  path: ./sqls\n  environment-whitelist: ['^OPS_PASSWORD$']\n"
        "cors:\n  allow-origins: [https://app.example.com]  # mcplint: ignore[CORS005] -- a reverse proxy enforces the list\nproject-description: Demo\n"
    ),
    "api/sqls/common/auth.yaml": (
        "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: ops\n"
        "      password: '{{env.OPS_PASSWORD}}'\n"
    ),
}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    write_tree(repo, INSECURE)
    _git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("MCPLINT_DEBUG", None)
    return repo, env


def _try_repo(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "mcplint", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_fails_on_findings_and_passes_once_fixed(scratch: tuple[Path, dict[str, str]]) -> None:
    repo, env = scratch
    failing = _try_repo(repo, env, "--all-files")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "api/flapi.yaml:1:1: CORS002 warning" in failing.stdout
    assert "api/sqls/common/auth.yaml:6:17: CRED001 error" in failing.stdout
    assert "ops-password" not in failing.stdout

    only_fragment = _try_repo(repo, env, "--files", "api/sqls/common/auth.yaml")
    assert only_fragment.returncode == 1
    assert "CRED001" in only_fragment.stdout and "CORS002" not in only_fragment.stdout

    only_sql = _try_repo(repo, env, "--files", "api/sqls/orders.sql")
    assert only_sql.returncode == 0, only_sql.stdout

    write_tree(repo, FIXED)
    _git(repo, "add", "-A")
    passing = _try_repo(repo, env, "--all-files")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout


# What a clone of this repository holds: the working tree (uncommitted changes included) without
# virtualenvs, CI tools and caches.
_SNAPSHOT_IGNORE = shutil.ignore_patterns(".git", ".venv", ".tools", "build", "dist", "*.egg-info", "__pycache__",
                                          ".pytest_cache", ".hypothesis", ".mcplint_cache", ".ruff_cache",
                                          "node_modules")
_IDENTITY = ("-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "commit.gpgsign=false")


def _snapshot_of_working_tree(dest: Path) -> str:
    """Copy the working tree to ``dest``, commit it there and return the commit's sha."""
    shutil.copytree(REPO, dest, ignore=_SNAPSHOT_IGNORE)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, *_IDENTITY, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, check=True, capture_output=True,
                          text=True).stdout.strip()


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *_IDENTITY, "commit", "-m", message], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


def test_git_commit_is_blocked_until_the_findings_are_fixed(scratch: tuple[Path, dict[str, str]],
                                                            tmp_path: Path) -> None:
    repo, env = scratch
    env = {k: v for k, v in env.items() if not k.startswith("GIT_")}
    source = tmp_path / "mcplint-clone"
    sha = _snapshot_of_working_tree(source)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {json.dumps(str(source))}\n    rev: {sha}\n    hooks:\n      - id: mcplint\n",
        encoding="utf-8",
    )
    _git(repo, "add", "-A")
    install = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()

    blocked = _commit(repo, env, "Add the orders API")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "mcplint (MCP / flAPI security lint)" in output and "Failed" in output
    assert "api/flapi.yaml:1:1: CORS002 warning" in output
    assert "api/sqls/common/auth.yaml:6:17: CRED001 error" in output
    assert "ops-password" not in output
    no_commit = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo, capture_output=True)
    assert no_commit.returncode != 0, "the blocked commit was created"

    write_tree(repo, FIXED)
    _git(repo, "add", "-A")
    passed = _commit(repo, env, "Add the orders API, fixed")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "mcplint (MCP / flAPI security lint)" in output and "Passed" in output
    log = subprocess.run(["git", "log", "--format=%s"], cwd=repo, capture_output=True, text=True, check=True)
    assert log.stdout == "Add the orders API, fixed\n"
    files = subprocess.run(["git", "show", "--name-only", "--format=", "HEAD"], cwd=repo, capture_output=True,
                           text=True, check=True).stdout.split()
    assert sorted(files) == sorted([".pre-commit-config.yaml", *INSECURE])


def test_hook_on_a_yaml_only_change_reports_the_injection_it_opens_in_the_unchanged_template(
    scratch: tuple[Path, dict[str, str]],
) -> None:
    repo, env = scratch
    endpoint = (
        "url-path: /customers/\nrequest:\n  - field-name: name\n    field-in: query\n    validators:\n"
        "      - type: string\n{regex}template-source: customers.sql\n"
    )
    write_tree(repo, {
        "api/sqls/customers.yaml": endpoint.format(regex="        regex: '^[a-z]+$'\n"),
        "api/sqls/customers.sql": "SELECT id FROM customers WHERE name = '{{{ params.name }}}' LIMIT 10\n",
    })
    _git(repo, "add", "-A")
    _git(repo, *_IDENTITY, "commit", "-q", "--no-verify", "-m", "customers")
    strict = _try_repo(repo, env, "--files", "api/sqls/customers.yaml")
    assert "SQLI" not in strict.stdout, strict.stdout

    write_tree(repo, {"api/sqls/customers.yaml": endpoint.format(regex="")})  # the YAML alone changes
    _git(repo, "add", "-A")
    opened = _try_repo(repo, env, "--files", "api/sqls/customers.yaml")
    assert opened.returncode == 1, opened.stdout
    assert "api/sqls/customers.sql:1:40: SQLI001 error" in opened.stdout
    elsewhere = _try_repo(repo, env, "--files", "api/sqls/orders.yaml")
    assert "SQLI" not in elsewhere.stdout, elsewhere.stdout
