"""SARIF 2.1.0 for GitHub code scanning, built with ``sarif-om``.

The object model comes from sarif-om; serialisation is our own (sarif-om has
none): camelCase names from each field's ``schema_property_name`` metadata,
no nulls, values equal to the schema default left out *except* ``level``
(a result at the default level ``warning`` still says so), keys in a stable
order. Positions use ``unicodeCodePoints`` columns with an exclusive end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attr
import sarif_om as om

from mcplint import INFORMATION_URI, __version__
from mcplint.engine.rule import Rule
from mcplint.engine.runner import FINGERPRINT_KEY, Report, Result
from mcplint.reporters.json_stream import lazy_list, stream_json
from mcplint.reporters.line_hash import line_hashes
from mcplint.reporters.safe_text import json_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_ALWAYS_KEEP = {"level"}
_GITHUB_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def help_uri(rule: Rule) -> str:
    return f"{INFORMATION_URI}/blob/main/docs/rules/{rule.id}.md"


def _friendly_name(rule: Rule) -> str:
    """SARIF asks for a Pascal-case friendly name; ours are kebab-case."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", rule.name))


def _descriptor(rule: Rule) -> om.ReportingDescriptor:
    properties = {
        "tags": rule.tags,
        "precision": rule.precision,
        "security-severity": f"{rule.security_severity:.1f}",
        "problem.severity": _GITHUB_SEVERITY[rule.level.value],
        "category": rule.category,
        "mcplintName": rule.name,
    }
    properties.update(getattr(rule, "sarif_properties", None) or {})  # a policy's file and digest (mcplint.policies)
    return om.ReportingDescriptor(
        id=rule.id,
        name=_friendly_name(rule),
        short_description=om.MultiformatMessageString(text=rule.short_description),
        full_description=om.MultiformatMessageString(text=rule.full_description.strip()),
        help=om.MultiformatMessageString(text=rule.help_text(), markdown=rule.help_markdown()),
        # A policy is documented in its own file (in properties), not on mcplint's rule pages.
        help_uri=None if getattr(rule, "policy_file", "") else help_uri(rule),
        default_configuration=om.ReportingConfiguration(level=rule.level.value),
        properties=properties,
    )


def _location(span: Any, message: str | None = None, location_id: int | None = None) -> om.Location:
    region = om.Region(
        start_line=span.start_line,
        start_column=span.start_col,
        end_line=span.end_line,
        end_column=span.end_col,
    )
    return om.Location(
        id=location_id if location_id is not None else -1,
        physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=_uri(span.path), uri_base_id=SRCROOT),
            region=region,
        ),
        message=om.Message(text=message) if message else None,
    )


def _file_location(path: str, location_id: int) -> om.Location:
    return om.Location(
        id=location_id,
        physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=_uri(path), uri_base_id=SRCROOT),
        ),
        message=om.Message(text="this finding depends on this file (declarations, validators or auth)"),
    )


def _uri(path: str) -> str:
    """A relative URI reference: percent-encode what is not allowed in a path.

    A file name that is not valid UTF-8 reaches us with surrogate escapes (``os.fsdecode``):
    its raw bytes are percent-encoded as they are. A first segment holding ``:`` would read
    as a scheme (``javascript:alert(1).yaml`` is an absolute URI), so such a path starts
    with ``./`` (RFC 3986 §4.2).
    """
    from urllib.parse import quote

    uri = quote(path.encode("utf-8", "surrogateescape"), safe="/-._~!$&'()*+,;=:@")
    if ":" in uri.split("/", 1)[0]:
        uri = "./" + uri
    return uri


def _result(result: Result, rule_index: int, hashes: dict[int, str] | None, compared: bool) -> om.Result:
    fingerprints = {FINGERPRINT_KEY: result.fingerprint}
    if hashes and result.span.start_line in hashes:
        fingerprints["primaryLocationLineHash"] = hashes[result.span.start_line]
    related = [
        _location(r.span, r.message, location_id=i) for i, r in enumerate(result.finding.related, start=1)
    ]
    named = {result.span.path} | {r.span.path for r in result.finding.related}
    for path in sorted(result.finding.contributors - named):  # files the finding depends on, no place within
        related.append(_file_location(path, len(related) + 1))
    properties = dict(sorted(result.finding.properties.items()))
    if result.finding.logical_location:
        properties["logicalLocation"] = result.finding.logical_location
    return om.Result(
        rule_id=result.rule.id,
        rule_index=rule_index,
        level=result.level.value,
        message=om.Message(text=result.message),
        locations=[_location(result.span)],
        related_locations=related or None,
        partial_fingerprints=fingerprints,
        properties=properties or None,
        # With --baseline, every listed result is one the baseline did not accept.
        baseline_state="new" if compared else None,
    )


def _line_hashes(report: Report) -> dict[str, dict[int, str]]:
    """Per file with results, the ``primaryLocationLineHash`` of each line a result starts on (only
    those: a large report would otherwise hold one per line of every such file)."""
    lines: dict[str, set[int]] = {}
    for result in report.results:
        lines.setdefault(result.span.path, set()).add(result.span.start_line)
    hashes: dict[str, dict[int, str]] = {}
    for path, wanted in lines.items():
        if path in report.sources:
            every = line_hashes(report.sources[path].hash_text)
            hashes[path] = {line: every[line] for line in wanted if line in every}
    return hashes


def build_log(report: Report, category: str = "mcplint") -> om.SarifLog:
    return _log(report, category, list(_results(report)))


def _results(report: Report) -> Iterator[om.Result]:
    """The report's results as sarif-om objects, made one at a time."""
    index = {rule.id: i for i, rule in enumerate(report.rules)}  # every result's rule ran
    hashes = _line_hashes(report)
    compared = report.baseline is not None
    for r in report.results:
        yield _result(r, index[r.rule.id], hashes.get(r.span.path), compared)


def _log(report: Report, category: str, results: list[Any]) -> om.SarifLog:
    rules = list(report.rules)
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="mcplint",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(rule) for rule in rules],
            )
        ),
        automation_details=om.RunAutomationDetails(id=f"{category.rstrip('/')}/"),
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(
                description=om.Message(text="The root of the scanned repository; result paths are relative to it.")
            )
        },
        column_kind="unicodeCodePoints",
        invocations=[om.Invocation(execution_successful=report.internal_errors == 0)],
        results=results,
    )
    return om.SarifLog(version="2.1.0", schema_uri=SARIF_SCHEMA, runs=[run])


def to_json_data(value: Any) -> Any:
    """Serialise sarif-om objects: camelCase keys, no nulls, defaults omitted but ``level``."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None:
                continue
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = attr.NOTHING if default.takes_self else default.factory()
            if field.name not in _ALWAYS_KEEP and default is not attr.NOTHING and item == default:
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_json_data(item)
        return out
    if isinstance(value, dict):
        return {str(k): to_json_data(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_json_data(v) for v in value]
    return value


def chunks(
    report: Report, category: str = "mcplint", settings: dict[str, Any] | None = None, **_: object
) -> Iterator[str]:
    """The log in pieces: each result is made, turned into JSON data and written on its own
    (``json_stream``), so that a large report never holds them all."""
    pending = object()
    data = to_json_data(_log(report, category, [pending]))
    run = data["runs"][0]
    assert run["results"] == [pending]
    run["results"] = lazy_list(map(to_json_data, _results(report)), empty=not report.results)
    if settings is not None:  # in-tree settings can silence findings: say where they came from
        run["invocations"][0].setdefault("properties", {})["mcplintSettings"] = settings
    ordered = {"$schema": data.pop("$schema"), "version": data.pop("version"), **data}
    yield from stream_json(ordered, json_text)
    yield "\n"


def render(report: Report, category: str = "mcplint", settings: dict[str, Any] | None = None, **_: object) -> str:
    return "".join(chunks(report, category, settings))
