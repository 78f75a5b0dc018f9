"""Running the selected rules over the model and producing an ordered report.

The runner has each rule applied to the units it targets (``checks.py``: an
exception in a rule is pinned to the unit's file as an ``internal-error``
finding; other rules and units carry on; large trees use worker processes),
keeps only findings in files that are in scope, applies
per-file ignores and inline suppressions, de-duplicates, orders
deterministically and computes fingerprints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcplint.discovery import copied_name
from mcplint.engine.checks import run_checks
from mcplint.engine.meta_rules import (
    INTERNAL_ERROR,
    INVALID_SUPPRESSION,
    UNJUSTIFIED_SUPPRESSION,
    UNUSED_SUPPRESSION,
)
from mcplint.engine.registry import Registry
from mcplint.engine.result_cache import ResultCache
from mcplint.engine.rule import Finding, Level, Rule
from mcplint.engine.suppressions import Suppression, parse_suppressions
from mcplint.globs import matches
from mcplint.model.model import Model
from mcplint.progress import NO_PROGRESS, Progress
from mcplint.settings_tree import FolderSettings, settings_for
from mcplint.source import SourceFile
from mcplint.span import Span

if TYPE_CHECKING:
    from mcplint.baseline import BaselineOutcome

FINGERPRINT_KEY = "mcplint/v1"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Result:
    rule: Rule
    finding: Finding
    level: Level
    fingerprint: str

    @property
    def span(self) -> Span:
        return self.finding.span

    @property
    def message(self) -> str:
        return self.finding.message


@dataclass
class EngineSettings:
    levels: dict[str, Level] = field(default_factory=dict)  # rule id -> level
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)  # glob -> rule ids
    # Command-line selections, kept so that nested configurations are resolved with them too.
    cli_select: list[str] | None = None
    cli_ignore: list[str] = field(default_factory=list)
    cli_extend: list[str] = field(default_factory=list)
    # Nested configurations of a monorepo: the files below each folder are judged by it; with
    # them, `selected` holds the rules the run's own configuration selects (the others run for
    # the nested folders only).
    folders: tuple[FolderSettings, ...] = ()
    selected: frozenset[str] | None = None


@dataclass
class Report:
    """Everything a reporter needs; reporters only format it."""

    root: Path
    results: list[Result]
    rules: list[Rule]  # the rules that ran, in registry order
    sources: dict[str, SourceFile]
    secret_spans: set[Span]
    files_in_scope: int
    suppressed: int = 0
    baseline: BaselineOutcome | None = None  # set when findings were compared with a baseline
    outside_diff: int | None = None  # with --diff: findings left out because their lines did not change

    @property
    def internal_errors(self) -> int:
        return sum(1 for r in self.results if r.rule.id == INTERNAL_ERROR.id)


def run(
    model: Model,
    rules: list[Rule],
    registry: Registry,
    settings: EngineSettings | None = None,
    jobs: int = 1,
    progress: Progress = NO_PROGRESS,
    cache: ResultCache | None = None,
) -> Report:
    """Check the model; ``jobs`` > 1 lets large trees use worker processes, a ``cache`` lets unchanged
    files' findings be reused (same output either way)."""
    settings = settings or EngineSettings()
    selected = {r.id for r in rules}
    outcome = run_checks(model, rules, INTERNAL_ERROR.id in selected, jobs, progress, cache)
    raw = [(rule, f) for rule, f in outcome.findings if _reported(rule, f.span.path, settings)]
    kept, suppressed, meta = _apply_suppressions(raw, model, registry, selected)
    kept.extend(meta)
    results = _finalise(kept, model.sources, settings)
    return Report(
        root=model.root,
        results=results,
        rules=list(rules),
        sources=model.sources,
        # The model's own set when the scans found nothing more (a large tree has a password per endpoint).
        secret_spans=model.secret_spans | outcome.secret_spans if outcome.secret_spans else model.secret_spans,
        files_in_scope=len(model.scope),
        suppressed=suppressed,
    )


def _reported(rule: Rule, path: str, settings: EngineSettings) -> bool:
    """Whether the settings that judge ``path`` (the nearest nested configuration, else the run's) keep it."""
    nested = settings_for(path, settings.folders)
    if nested is None:
        if settings.selected is not None and rule.id not in settings.selected and rule.id != INTERNAL_ERROR.id:
            return False  # run for a nested folder's configuration only
        return not any(rule.id in ids and matches(glob, path) for glob, ids in settings.per_file_ignores.items())
    if rule.id == INTERNAL_ERROR.id:
        return True  # a bug in mcplint is reported whatever a configuration selects
    return rule.id in nested.selected and not nested.excludes(path) and not nested.ignores(rule.id, path)


def _apply_suppressions(
    raw: list[tuple[Rule, Finding]], model: Model, registry: Registry, selected: set[str]
) -> tuple[list[tuple[Rule, Finding]], int, list[tuple[Rule, Finding]]]:
    by_file: dict[str, list[Suppression]] = {}
    # (path, line) -> the suppressions covering that line; line None: file-wide. Indexed so that
    # matching costs one lookup per finding, not one pass over the file's suppressions.
    covering: dict[tuple[str, int | None], list[Suppression]] = {}
    for path in sorted(model.scope):
        source = model.sources.get(path)
        if source is not None:
            found = parse_suppressions(source)
            if found:
                by_file[path] = found
                for suppression in found:
                    if suppression.malformed is None:
                        covering.setdefault((path, None if suppression.file_wide else suppression.line), []).append(
                            suppression
                        )
    kept: list[tuple[Rule, Finding]] = []
    suppressed = 0
    for rule, finding in raw:
        hit = False
        if rule.check is not None and covering:  # engine findings cannot be silenced inline
            path = finding.span.path
            candidates = covering.get((path, finding.span.start_line), []) + covering.get((path, None), [])
            for suppression in candidates:
                if suppression.covers(finding.span) and any(registry.get(t) is rule for t in suppression.tokens):
                    suppression.used.add(rule.id)
                    hit = True
        if hit:
            suppressed += 1
        else:
            kept.append((rule, finding))
    return kept, suppressed, _suppression_findings(by_file, registry, selected)


def _suppression_findings(
    by_file: dict[str, list[Suppression]], registry: Registry, selected: set[str]
) -> list[tuple[Rule, Finding]]:
    out: list[tuple[Rule, Finding]] = []
    for suppressions in by_file.values():
        for s in suppressions:
            logical = f"suppression:{','.join(s.tokens)}"
            if s.malformed is not None:
                finding = Finding(s.span, f"suppression {s.malformed}", logical_location=logical)
                out.append((INVALID_SUPPRESSION, finding))
                continue
            for token in s.tokens:
                rule = registry.get(token)
                if rule is None:
                    out.append(
                        (
                            INVALID_SUPPRESSION,
                            Finding(s.span, f"suppression names unknown rule `{token}`", logical_location=logical),
                        )
                    )
                elif rule.id in selected and rule.check is not None and rule.id not in s.used:
                    where = "in this file" if s.file_wide else f"on line {s.line}"
                    out.append(
                        (
                            UNUSED_SUPPRESSION,
                            Finding(
                                s.span,
                                f"unused suppression: {rule.id} ({rule.name}) reports nothing {where}",
                                logical_location=logical,
                                identity=rule.id,
                            ),
                        )
                    )
            if not s.reason or not any(c.isalpha() for c in s.reason):
                out.append(
                    (
                        UNJUSTIFIED_SUPPRESSION,
                        Finding(
                            s.span,
                            f"suppression of {', '.join(s.tokens)} gives no reason; "
                            "add one after the rule list (`-- why this is acceptable`)",
                            logical_location=logical,
                        ),
                    )
                )
    return [(rule, f) for rule, f in out if rule.id in selected]


def _finalise(
    pairs: list[tuple[Rule, Finding]], sources: dict[str, SourceFile], settings: EngineSettings
) -> list[Result]:
    unique: dict[tuple[str, Span, str], tuple[Rule, Finding]] = {}
    for rule, finding in pairs:
        key = (rule.id, finding.span, finding.message)
        if key in unique:  # the same finding reached twice (a fragment included by two endpoints)
            first = unique[key][1]
            related = sorted(set(first.related) | set(finding.related), key=lambda r: (r.span, r.message))
            finding = dataclasses.replace(
                first, related=tuple(related), contributors=first.contributors | finding.contributors
            )
        unique[key] = (rule, finding)
    ordered = sorted(
        unique.values(),
        key=lambda rf: (
            rf[1].span.path,
            rf[1].span.start_line,
            rf[1].span.start_col,
            rf[0].id,
            rf[1].span.end_line,
            rf[1].span.end_col,
            rf[1].message,
        ),
    )
    seen: dict[str, int] = {}
    results: list[Result] = []
    for rule, finding in ordered:
        base = _fingerprint(rule, finding, sources.get(finding.span.path))
        seen[base] = seen.get(base, 0) + 1
        nested = settings_for(finding.span.path, settings.folders) if settings.folders else None
        levels = settings.levels if nested is None else nested.levels
        level = levels.get(rule.id) or finding.level or rule.level
        copied = copied_name(finding.span.path.rsplit("/", 1)[-1])
        if copied is not None:  # an example copy (issue 21): people copy it verbatim, so it is scanned; say so
            finding = dataclasses.replace(
                finding,
                message=f"{finding.message} (in an example copy of `{copied}`: whoever copies it gets this too)",
                properties={**finding.properties, "example_copy": copied},
            )
        results.append(Result(rule, finding, level, f"{base}:{seen[base]}"))
    return results


def _fingerprint(rule: Rule, finding: Finding, source: SourceFile | None) -> str:
    """A hash of what the finding is about, not where: it survives moving lines."""
    token = ""
    if source is not None and not finding.secret:
        token = source.text_between(finding.span.start_offset, finding.span.end_offset)
        token = _WHITESPACE.sub(" ", token).strip()[:200]
    parts = (rule.id, finding.span.path, finding.logical_location, finding.identity, token)
    # A path that is not valid UTF-8 holds surrogate escapes (os.fsdecode): hash them as they are.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
