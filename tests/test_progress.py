"""The progress line: only on a terminal, only for the text format, and gone when the run ends."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from mcplint import cli as cli_module
from mcplint import progress as progress_module
from mcplint.progress import NO_PROGRESS, Progress

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_silent_for_short_runs_then_redraws_at_most_ten_times_a_second() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, clock)
    progress.phase("checking", 1000)
    progress.advance(10)
    assert stream.getvalue() == ""  # the first half second stays quiet
    clock.now += progress_module.DELAY
    progress.advance(90)
    assert stream.getvalue() == "\rmcplint: checking 100/1,000 (10%) 0s"
    progress.advance(100)  # no time has passed: no redraw
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.1
    progress.advance(800)
    assert stream.getvalue().endswith("\rmcplint: checking 1,000/1,000 (100%) 1s")


def test_done_erases_the_line_so_nothing_remains() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, clock)
    clock.now += 1
    progress.phase("reading", 5)
    drawn = stream.getvalue()
    progress.done()
    assert stream.getvalue() == drawn + "\r" + " " * (len(drawn) - 1) + "\r"
    progress.done()  # a second call writes nothing more
    assert stream.getvalue() == drawn + "\r" + " " * (len(drawn) - 1) + "\r"


def test_the_null_progress_writes_nothing() -> None:
    NO_PROGRESS.phase("checking", 10)
    NO_PROGRESS.advance(5)
    NO_PROGRESS.done()  # nothing to assert but that it accepts the calls; it has no stream at all
    assert NO_PROGRESS._stream is None


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    generate(tmp_path, 20)
    return tmp_path


def _run(project: Path, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli_module.cli, [str(project), *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout, result.stderr


def test_no_progress_when_stderr_is_not_a_terminal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    _, stderr = _run(project)
    assert stderr == ""


def test_progress_on_a_terminal_for_the_text_format_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(cli_module, "_is_terminal", lambda stream: True)
    stdout, stderr = _run(project, "--jobs", "1")
    assert "mcplint: reading" in stderr and "mcplint: checking" in stderr
    assert stderr.endswith("\r") and stderr.rstrip("\r ").count("\r") >= 2  # redrawn, then erased
    assert "mcplint:" not in stdout  # the report itself is untouched
    for fmt in ("json", "sarif", "github"):
        _, stderr = _run(project, "--format", fmt)
        assert stderr == "", fmt
