"""Human output: ``path:line:col: ID level message``, an excerpt with a caret, a summary."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mcplint.engine.runner import Report, Result
from mcplint.reporters.safe_text import neutralise_lines, printable, safe_path
from mcplint.settings_note import settings_line
from mcplint.span import Span

_MAX_EXCERPT = 120
_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "note": "\033[1;36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def chunks(report: Report, colour: bool = False, settings: dict[str, Any] | None = None, **_: object) -> Iterator[str]:
    """The report in pieces of whole lines, one piece per finding (a large report is never held whole)."""
    secrets = _secrets_by_path(report)
    # Every line, whatever it quotes, is no workflow command in a CI log.
    for result in report.results:
        yield neutralise_lines("".join(line + "\n" for line in _result(report, result, colour, secrets)))
    out = [_summary(report, colour)]
    line = settings_line(settings)
    if line is not None:  # in-tree settings can silence findings: say where they came from
        out.append(printable(line))
    yield neutralise_lines("".join(line + "\n" for line in out))


def render(report: Report, colour: bool = False, settings: dict[str, Any] | None = None, **_: object) -> str:
    return "".join(chunks(report, colour, settings))


def _secrets_by_path(report: Report) -> dict[str, list[Span]]:
    """The report's secret spans by file (read per excerpt: the whole set per finding was quadratic)."""
    found: dict[str, list[Span]] = {}
    for span in report.secret_spans:
        found.setdefault(span.path, []).append(span)
    return found


def _paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour else text


def _result(report: Report, result: Result, colour: bool, secrets: dict[str, list[Span]]) -> list[str]:
    span = result.span
    level = result.level.value
    head = (
        f"{_paint(f'{safe_path(span.path)}:{span.start_line}:{span.start_col}:', _BOLD, colour)} "
        f"{_paint(result.rule.id, _COLOURS[level], colour)} {level} {printable(result.message)}"
    )
    lines = [head]
    lines.extend(_excerpt(report, result, secrets.get(span.path, ())))
    for related in result.finding.related:
        where = f"{printable(related.span.path)}:{related.span.start_line}:{related.span.start_col}"
        lines.append(f"  = note: {printable(related.message)} ({where})")
    lines.append("")
    return lines


def _masked_line(report: Report, result: Result, line_no: int, secrets: Iterable[Span]) -> str | None:
    """The line, with every secret on it starred (``secrets``: the report's, in this file)."""
    source = report.sources.get(result.span.path)
    if source is None or line_no > source.lines.line_count:
        return None
    start = source.lines.line_start(line_no)
    text = list(source.line_text(line_no))
    for secret in [*secrets, result.span] if result.finding.secret else secrets:
        lo = max(secret.start_offset - start, 0)
        hi = min(secret.end_offset - start, len(text))
        for i in range(lo, hi):
            text[i] = "*"
    return printable("".join(text).replace("\t", " "))


def _excerpt(report: Report, result: Result, secrets: Iterable[Span]) -> list[str]:
    span: Span = result.span
    line = _masked_line(report, result, span.start_line, secrets)
    if line is None or (span.is_empty and span.start_offset == 0 and not line.strip()):
        return []
    first = span.start_col - 1
    last = span.end_col - 1 if span.end_line == span.start_line else len(line.rstrip())
    last = max(last, first + 1)
    offset = 0
    if len(line) > _MAX_EXCERPT:  # show a window around the span
        offset = max(0, min(first - 20, len(line) - _MAX_EXCERPT))
        line = ("…" if offset else "") + line[offset : offset + _MAX_EXCERPT] + "…"
        shift = 1 if offset else 0
        first, last = first - offset + shift, min(last - offset + shift, _MAX_EXCERPT + shift)
    gutter = " " * len(str(span.start_line))
    caret = " " * first + "^" * max(1, min(last, len(line) + 1) - first)
    return [f"{gutter} |", f"{span.start_line} | {line.rstrip()}", f"{gutter} | {caret}"]


def _summary(report: Report, colour: bool) -> str:
    counts = {"error": 0, "warning": 0, "note": 0}
    for result in report.results:
        counts[result.level.value] += 1
    total = len(report.results)
    files = len({r.span.path for r in report.results})
    scanned = f"{report.files_in_scope} file{'s' if report.files_in_scope != 1 else ''} scanned"
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    if report.baseline is not None:
        suppressed += f", {report.baseline.known} in the baseline, {report.baseline.fixed} fixed since the baseline"
    if report.outside_diff is not None:
        suppressed += f", {report.outside_diff} on unchanged lines"
    if not total:
        what = "No new findings" if report.baseline is not None or report.outside_diff is not None else "No findings"
        return _paint(f"{what} ({scanned}{suppressed}).", _BOLD, colour)
    parts = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
    return _paint(
        f"Found {total} finding{'s' if total != 1 else ''} ({parts}) in {files} file"
        f"{'s' if files != 1 else ''} ({scanned}{suppressed}).",
        _BOLD,
        colour,
    )
