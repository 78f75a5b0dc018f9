"""Reporters: they format a finished :class:`~mcplint.engine.runner.Report`, nothing else."""

from __future__ import annotations

from collections.abc import Callable

from mcplint.engine.runner import Report

FORMATS = ("text", "json", "sarif", "github")


def get_reporter(name: str) -> Callable[..., str]:
    """The render function of a format, imported on demand."""
    if name == "text":
        from mcplint.reporters.text import render
    elif name == "json":
        from mcplint.reporters.json_report import render
    elif name == "sarif":
        from mcplint.reporters.sarif import render
    elif name == "github":
        from mcplint.reporters.github import render
    else:
        raise ValueError(f"unknown format {name!r}")
    return render


__all__ = ["FORMATS", "Report", "get_reporter"]
