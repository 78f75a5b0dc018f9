"""Checking an endpoint file while the model is built, so that its tree need not be kept.

A full run used to hold every endpoint's YAML tree until the report was
written: about 40 KB per endpoint, most of a large tree's memory. The
project-wide rules read small per-endpoint facts instead of trees
(``model/endpoint_facts.py``), and an endpoint file's own units (the endpoint,
its auth block, its document and the document's secret scan, and its
template's secret scan) depend only on the file, what it includes, its template
and the main config: all known once the builder has made the endpoint. So the
builder hands them here as soon as it has them; the findings are kept as the
result cache keeps a file's (by rule id and the unit's ordinal in the file),
and the file then stands in the model as a checked stand-in, like a file the
cache vouched for (``model/streamed_files.py``). The engine takes those findings
back with this run's unit numbers (``checks.py``), so the report is the same,
byte for byte, as a run that kept every tree.

The checks are those of ``checks.py`` (same limits, same contributors); a unit
whose rule raises is not kept here: the builder keeps that endpoint whole, and
the engine checks it in the usual place, where the internal error is reported.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field

from mcplint.engine.checks import _INTERNAL, _check, _release, _Work
from mcplint.engine.result_cache import FileEntry
from mcplint.engine.rule import Finding, Rule
from mcplint.model.model import Target, Unit
from mcplint.model.secret_scan import SecretScan, mask_spans
from mcplint.span import Span

_COLLECT_EVERY = 64  # endpoint files between collections of the young generation (see checks.py)
# Most files have no finding and no secret: they share one record (nobody changes a kept record).
_NO_MASKS: frozenset[Span] = frozenset()
_NOTHING = FileEntry("", [], _NO_MASKS)


@dataclass
class EndpointChecker:
    """Checks the units of one endpoint file (and its template) for the model builder."""

    rules: Sequence[Rule]
    rules_of: dict[Target, list[int]] = field(default_factory=dict)  # target -> indices of its rules
    calls: int = 0

    def __post_init__(self) -> None:
        for index, rule in enumerate(self.rules):
            if rule.check is not None and rule.target is not None:
                self.rules_of.setdefault(rule.target, []).append(index)

    def __call__(self, groups: dict[str, dict[Target, list[Unit]]]) -> dict[str, FileEntry] | None:
        """Each file's findings, as ``(rule id, ordinal among the file's units of the target, n, finding)``
        with the secrets its scans found; None when a rule raised on one of the units."""
        out: dict[str, FileEntry] | None = {}
        for path, units_of in groups.items():
            found = self._check_file(units_of)
            if found is None:
                out = None
                break
            scans = [unit for unit in units_of.get(Target.SECRET_SCAN, []) if isinstance(unit, SecretScan)]
            masks = mask_spans(scans)
            # No set of its own for a file without secrets (an empty set is 216 bytes).
            out[path] = FileEntry("", found, masks or _NO_MASKS) if found or masks else _NOTHING
        self.calls += 1
        if self.calls % _COLLECT_EVERY == 0:
            # Parse trees link back to their parents: with the collector paused (api.lint), the young
            # generation is collected now and then, after their analyses were let go (see checks.py).
            gc.collect(0)
        return out

    def _check_file(self, units_of: dict[Target, list[Unit]]) -> list[tuple[str, int, int, Finding]] | None:
        work = _Work([], {})
        entries: list[tuple[int, int]] = []
        for target, units in units_of.items():
            rule_indices = self.rules_of.get(target)
            if not rule_indices or not units:
                continue
            entries += [(len(work.targets), index) for index in range(len(units))]
            work.targets.append((units, rule_indices))
        tagged = _check(work, entries, self.rules, True, lambda _: None)
        _release(work, entries)  # the analyses the checks built (a template's parses) go now
        if any(key[0] == _INTERNAL for key, _ in tagged):
            return None
        return [(self.rules[rule_index].id, ordinal, n, finding) for (rule_index, ordinal, n), finding in tagged]
