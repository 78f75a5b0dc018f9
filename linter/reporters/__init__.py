"""Reporters: they format a finished :class:`~mcplint.engine.runner.Report`, nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from mcplint.engine.runner import Report

FORMATS = ("text", "json", "sarif", "github")


def get_reporter(name: str) -> Callable[..., str]:
    """The render function of a format (the whole report as one string), imported on demand."""
    module = _module(name)
    return module.render  # type: ignore[no-any-return]


def get_writer(name: str) -> Callable[..., Iterator[str]]:
    """The report of a format in pieces, to write as they come: what the command line uses, so that
    a large report is never held whole (the pieces join to what :func:`get_reporter` renders)."""
    module = _module(name)
    return module.chunks  # type: ignore[no-any-return]


def _module(name: str) -> ModuleType:
    if name == "text":
        from mcplint.reporters import text as module
    elif name == "json":
        from mcplint.reporters import json_report as module
    elif name == "sarif":
        from mcplint.reporters import sarif as module
    elif name == "github":
        from mcplint.reporters import github as module
    else:
        raise ValueError(f"unknown format {name!r}")
    return module


__all__ = ["FORMATS", "Report", "get_reporter", "get_writer"]
