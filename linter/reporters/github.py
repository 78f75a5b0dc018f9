"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.runner import Report
from mcplint.reporters.safe_text import neutralise_legacy, printable
from mcplint.settings_note import settings_line

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def chunks(report: Report, settings: dict[str, object] | None = None, **_: object) -> Iterator[str]:
    """One line per piece: the settings notice, then one annotation per finding."""
    line = settings_line(settings)
    if line is not None:  # in-tree settings can silence findings: say where they came from
        yield f"::notice title=mcplint settings::{_escape_data(neutralise_legacy(printable(line)))}\n"
    for result in report.results:
        span = result.span
        props = [
            f"file={_escape_property(neutralise_legacy(printable(span.path)))}",
            f"line={span.start_line}",
            f"col={span.start_col}",
            f"endLine={span.end_line}",
            f"endColumn={span.end_col}",
            f"title={_escape_property(f'{result.rule.id} {result.rule.name}')}",
        ]
        # Scanned text goes through the same sanitiser as the text format: no control characters
        # (a line break would end the command and start another line), no legacy `##[` command.
        message = _escape_data(neutralise_legacy(printable(result.message)))
        yield f"::{_COMMANDS[result.level.value]} {','.join(props)}::{message}\n"


def render(report: Report, settings: dict[str, object] | None = None, **_: object) -> str:
    return "".join(chunks(report, settings))
