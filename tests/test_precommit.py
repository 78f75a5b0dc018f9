"""A real ``pre-commit try-repo`` round trip against a scratch repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_tree

INSECURE = {
    "api/flapi.yaml": "project-name: demo\ntemplate:\n  path: ./sqls\n",
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
        "project-name: demo\nhttp-host: 127.0.0.1\ntemplate:\n  path: ./sqls\n"
        "cors:\n  allow-origins: [https://app.example.com]\n"
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
