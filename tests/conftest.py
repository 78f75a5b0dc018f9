"""Shared helpers for the test suite."""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path
from collections.abc import Mapping

import pytest
from hypothesis import settings

from mcplint.api import LintRun, lint
from mcplint.config import Config
from mcplint.engine.registry import default_registry

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MCPLINT_SHARED", REPO.parent / "shared"))
# The SARIF schema ships with the tests (tests/data/README.md names its source and licence).
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
# `.ci/run` sets this: there, a test that needs ../shared must run, so a missing file fails it.
REQUIRE_SHARED = os.environ.get("MCPLINT_REQUIRE_SHARED") == "1"


def shared_file(relative: str) -> Path:
    """The file ``relative`` below ``../shared``, or skip the test saying what is missing.

    A user's clone has no ``../shared`` (the measurement corpora and the real flAPI live there),
    so its tests are skipped with a visible reason; under ``MCPLINT_REQUIRE_SHARED=1`` (CI) the
    same absence is a failure, so a measurement can never be skipped silently where it must run.
    """
    path = SHARED / relative
    if not path.exists():
        reason = f"needs ../shared/{relative} (measurement data beside the clone; absent in a plain clone)"
        if REQUIRE_SHARED:
            pytest.fail(f"{reason}, but MCPLINT_REQUIRE_SHARED=1 says it must be there", pytrace=False)
        pytest.skip(reason)
    return path

# Property tests draw the same examples on every run, so a test run (and CI) passes or fails
# the same way each time; `HYPOTHESIS_PROFILE=explore` draws fresh ones to look for new bugs.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create files below ``root``; str content is written as UTF-8."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")  # line endings exactly as given
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


def symlink(target: Path | str, link: Path) -> None:
    """Create a symlink, or skip the test (with the reason) where the OS cannot."""
    try:
        os.symlink(target, link)
    except (OSError, NotImplementedError) as exc:  # e.g. Windows without developer mode
        pytest.skip(f"this OS cannot create symlinks here: {exc}")


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Real paths of every file opened for reading while the test runs."""
    seen: list[str] = []
    real_open = builtins.open

    def recording_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        mode = args[0] if args else kwargs.get("mode", "r")
        if isinstance(file, (str, bytes, os.PathLike)) and "r" in mode:
            seen.append(os.path.realpath(os.fsdecode(file)))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def recording_os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(path, (str, bytes, os.PathLike)) and not flags & (os.O_WRONLY | os.O_RDWR):
            seen.append(os.path.realpath(os.fsdecode(path)))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(os, "open", recording_os_open)  # reads open with O_NONBLOCK through os.open
    return seen


@pytest.fixture
def sql_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL text mcplint parses with sqlglot while the test runs (template analyses and renderings)."""
    from mcplint.model import injection, template_analysis

    parsed: list[str] = []
    original = template_analysis.parse_sql

    def counting(text: str):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return original(text)

    monkeypatch.setattr(template_analysis, "parse_sql", counting)
    monkeypatch.setattr(injection, "parse_sql", counting)
    return parsed
