"""Machine output: one JSON object per finding, versioned by ``schemas/report.schema.json``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mcplint import __version__
from mcplint.engine.runner import Report, Result
from mcplint.reporters.json_stream import lazy_list, stream_json
from mcplint.reporters.safe_text import json_text
from mcplint.span import Span

SCHEMA_VERSION = "1.1"


def _region(span: Span) -> dict[str, int]:
    return {
        "start_line": span.start_line,
        "start_column": span.start_col,
        "end_line": span.end_line,
        "end_column": span.end_col,
    }


def _finding(result: Result) -> dict[str, Any]:
    span = result.span
    return {
        "rule_id": result.rule.id,
        "rule_name": result.rule.name,
        "category": result.rule.category,
        "level": result.level.value,
        "message": result.message,
        "path": span.path,
        "region": _region(span),
        "logical_location": result.finding.logical_location,
        "related_locations": [
            {"path": r.span.path, "region": _region(r.span), "message": r.message} for r in result.finding.related
        ],
        "fingerprint": result.fingerprint,
        "properties": dict(sorted(result.finding.properties.items())),
    }


def chunks(report: Report, settings: dict[str, object] | None = None, **_: object) -> Iterator[str]:
    """The report in pieces, each finding made as it is written (``json_stream``)."""
    counts = {level: sum(1 for r in report.results if r.level.value == level) for level in ("error", "warning", "note")}
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mcplint", "version": __version__},
        "summary": {
            "files_scanned": report.files_in_scope,
            "findings": len(report.results),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "notes": counts["note"],
            "suppressed": report.suppressed,
            **(
                {"baseline_known": report.baseline.known, "baseline_fixed": report.baseline.fixed}
                if report.baseline is not None
                else {}
            ),
            **({"outside_diff": report.outside_diff} if report.outside_diff is not None else {}),
            **({"settings": settings} if settings is not None else {}),
        },
        "findings": lazy_list(map(_finding, report.results), empty=not report.results),
    }
    # Same document, but no line of it reads as a workflow command in a CI log.
    yield from stream_json(document, json_text)
    yield "\n"


def render(report: Report, settings: dict[str, object] | None = None, **_: object) -> str:
    return "".join(chunks(report, settings))
