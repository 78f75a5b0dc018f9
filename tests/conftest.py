"""Shared helpers for the test suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import pytest

from mcplint.api import LintRun, lint
from mcplint.config import Config
from mcplint.engine.registry import default_registry

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MCPLINT_SHARED", REPO.parent / "shared"))
SARIF_SCHEMA = SHARED / "data" / "sarif-schema-2.1.0.json"


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create files below ``root``; str content is written as UTF-8."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_lint(root: Path, paths: list[str] | None = None, select: list[str] | None = None,
             config: Config | None = None) -> LintRun:
    """Lint ``paths`` (relative to ``root``; default: all of ``root``) with ``root`` as cwd."""
    config = config or Config()
    registry = default_registry()
    if select is not None:
        config = Config(**{**config.__dict__, "select": select})
    return lint([root / p for p in paths] if paths else [root], root, config, registry)


def found(run: LintRun) -> set[tuple[str, int, str]]:
    """(path, line, rule id) of every reported result."""
    return {(r.span.path, r.span.start_line, r.rule.id) for r in run.report.results}


@pytest.fixture(scope="session")
def registry():
    return default_registry()
