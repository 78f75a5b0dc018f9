"""A whole run answered from the result cache when no file it read or looked for changed.

The report of a run over folders is kept with the stamp of every file it
depended on: each discovered file, each file the build read (fragments,
templates, a main config) and each file a configuration named whose
existence was asked about (a missing template that someone then creates
changes the report). The next run walks the tree as always; when the same
files are there with the same stamps, under the same settings, the report is
rebuilt from the cache, reading only the files its findings point into (for
excerpts and line hashes). Runs on single files (pre-commit) resolve their
context by searching the tree, which the stamps would not cover, so they use
the per-file cache only; so do runs that check file modes on disk (pgEdge).
"""

from __future__ import annotations

import os
from typing import Any

from mcplint.discovery import Discovery
from mcplint.engine.registry import Registry
from mcplint.engine.result_cache import ResultCache, RunEntry, Stamp, decode_finding, decode_span, digest
from mcplint.engine.result_cache import encode_finding, encode_span
from mcplint.source import stamp_of
from mcplint.engine.runner import Report, Result
from mcplint.engine.rule import Level, Rule
from mcplint.model.model import Model


def run_key(cache: ResultCache, discovery: Discovery, walk_notes: list[str]) -> str | None:
    """The key of a run over ``discovery``'s files, or None for a run the cache does not keep whole."""
    if discovery.explicit_files:
        return None
    files = [discovery.access.rel(path) for path in discovery.files]
    return digest(repr((cache.context, str(discovery.root), files, sorted(discovery.skipped), walk_notes)))


def replay(
    cache: ResultCache, key: str, registry: Registry, rules: list[Rule], discovery: Discovery
) -> tuple[Report, Model] | None:
    """The cached report of an unchanged run, or None."""
    entry = cache.lookup_run(key)
    if entry is None:
        return None
    try:
        return _report(entry.report, registry, rules, discovery)
    except (ValueError, TypeError, KeyError):
        return None


def remember(cache: ResultCache, key: str, report: Report, model: Model, discovery: Discovery) -> None:
    """Keep ``report`` for the next run, unless a file it depends on is too new to trust or a finding
    cannot be stored exactly."""
    if model.pgedge or report.internal_errors:
        return
    stamps: dict[str, Stamp | None] = {}
    for source in model.sources.values():
        if not cache.settled(source.stamp):
            return
        stamps[source.abs_name] = source.stamp
    for path in [*map(str, discovery.files), *sorted(model.probed)]:
        if path in stamps:
            continue
        try:
            stamp: Stamp | None = stamp_of(os.stat(path))
        except OSError:
            stamp = None
        if stamp is not None and not cache.settled(stamp):
            return
        stamps[path] = stamp
    try:
        data = {
            "results": [[r.rule.id, encode_finding(r.finding), r.level.value, r.fingerprint] for r in report.results],
            "secret_spans": sorted(encode_span(s) for s in report.secret_spans),
            "files_in_scope": report.files_in_scope,
            "suppressed": report.suppressed,
            "scope": sorted(model.scope),
            "read": sorted(model.sources),
        }
    except TypeError:
        return
    cache.remember_run(RunEntry(key, stamps, data))


def _report(data: dict[str, Any], registry: Registry, rules: list[Rule], discovery: Discovery) -> tuple[Report, Model]:
    by_id = {rule.id: rule for rule in registry.rules}
    results = []
    for rule_id, finding, level, fingerprint in data["results"]:
        if not isinstance(fingerprint, str):
            raise ValueError("fingerprint")
        results.append(Result(by_id[rule_id], decode_finding(finding), Level(level), fingerprint))
    scope, read = data["scope"], data["read"]
    if not all(isinstance(p, str) for p in [*scope, *read]):
        raise ValueError("paths")
    files_in_scope, suppressed = data["files_in_scope"], data["suppressed"]
    if type(files_in_scope) is not int or type(suppressed) is not int:
        raise ValueError("counts")
    access = discovery.access
    sources = {}
    pointed = {r.finding.span.path for r in results} | {rel.span.path for r in results for rel in r.finding.related}
    for path in sorted(pointed):
        if path in read:
            source = access.read(access.root / path)
            if source is None:
                raise ValueError("a file the report points into can no longer be read")
            sources[path] = source
    model = Model(root=access.root, scope=frozenset(scope) | frozenset(read))
    model.sources = sources
    report = Report(
        root=access.root,
        results=results,
        rules=list(rules),
        sources=sources,
        secret_spans={decode_span(s) for s in data["secret_spans"]},
        files_in_scope=files_in_scope,
        suppressed=suppressed,
    )
    return report, model
