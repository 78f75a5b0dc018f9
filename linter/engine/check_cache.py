"""Between the checks and the result cache: which files' findings can be reused, and what to keep.

A file's group is every unit whose ``unit_path`` is the file (for every rule
target) plus the secret scans of the file. Its key names the stamps of the
files those units depend on (``model/dependencies.py``), their facts, and how
many units of each target the file has; findings are stored by rule id and the
unit's ordinal among the file's units of that target, and come back tagged
with this run's indices, so the report's order is that of a run without cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcplint.engine.result_cache import FileEntry, ResultCache, Tagged, encode_finding
from mcplint.engine.rule import Finding, Rule
from mcplint.model.cached import (
    VOUCHED_TARGETS,
    Voucher,
    decode_voucher,
    encode_voucher,
    layout_digest,
    main_config_layout,
    voucher_for,
)
from mcplint.model.dependencies import Dependencies, project_files, tool_names_digest, unit_dependencies
from mcplint.model.flapi import Endpoint
from mcplint.model.texts import ModelText, endpoint_text_files
from mcplint.model.model import Model, Unit
from mcplint.model.secret_scan import SecretScan
from mcplint.span import Span

_INTERNAL = -1  # the engine's tag for an internal error (checks.py)


@dataclass
class Reuse:
    """What the cache answered for this run."""

    tagged: list[Tagged] = field(default_factory=list)  # cached findings, tagged with this run's indices
    spans: set[Span] = field(default_factory=set)  # secrets the cached files' scans found
    keys: dict[str, str] = field(default_factory=dict)  # file -> its key, for files to check and keep


def vouchers(cache: ResultCache) -> Callable[[str], tuple[Voucher, FileEntry] | None]:
    """What the model builder asks for each endpoint file: its voucher and cached findings, if any."""

    def find(path: str) -> tuple[Voucher, FileEntry] | None:
        entry = cache.vouched(path)
        if entry is None:
            return None
        try:
            return decode_voucher(entry.voucher), entry
        except (ValueError, TypeError, KeyError, RecursionError):
            return None  # an odd voucher: the file is parsed

    return find


def reuse(
    cache: ResultCache,
    model: Model,
    targets: Sequence[tuple[list[Unit], list[int]]],
    by_path: dict[str, list[tuple[int, int]]],
    scans_by_path: dict[str, list[SecretScan]],
    rules: Sequence[Rule],
) -> Reuse:
    """Take the cached findings of every file whose key still holds out of ``by_path`` and ``scans_by_path``."""
    out = Reuse()
    slot_of = rule_slots(targets)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    for cached in model.cached_endpoints():  # vouched for by the cache when the model was built
        path = cached.unit_path
        entry = cached.entry
        assert isinstance(entry, FileEntry)
        tagged = retag(entry, by_path.pop(path, []), slot_of, rule_index)
        if tagged is None:  # cannot happen: the voucher gave the file the units it had
            raise RuntimeError(f"the result cache's record of {path} does not fit its units")
        out.tagged.extend(tagged)
        out.spans |= entry.masks
        scans_by_path.pop(path, None)
        cache.remember(path, entry)
    main_of = project_files(model)
    documents = {document.path: document for document in model.documents}
    memo: dict[int, str] = {}  # id(shared object) -> its facts
    # Which files are flAPI main configs, and as what stamps, is part of every key: a main config
    # decides which YAML files are endpoints and fragments, so any change to one starts afresh.
    layout = main_config_layout(model)
    for path in sorted({*by_path, *scans_by_path}):
        entries = by_path.get(path, [])
        scans = scans_by_path.get(path, [])
        found = [unit_dependencies(targets[slot][0][index], main_of, documents, memo) for slot, index in entries]
        found += [unit_dependencies(scan, main_of, documents, memo) for scan in scans]
        key = _key(cache, model, path, found, entries, len(scans), layout)
        if key is None:
            continue
        entry = cache.lookup(path, key)
        if entry is None:
            out.keys[path] = key
            continue
        tagged = retag(entry, entries, slot_of, rule_index)
        if tagged is None:  # a rule id no longer in the run (cannot happen under the same context)
            out.keys[path] = key
            continue
        out.tagged.extend(tagged)
        out.spans |= entry.masks
        by_path.pop(path, None)
        scans_by_path.pop(path, None)
    return out


def record(
    cache: ResultCache,
    keys: dict[str, str],
    targets: Sequence[tuple[list[Unit], list[int]]],
    by_path: dict[str, list[tuple[int, int]]],
    tagged: Sequence[Tagged],
    spans_by_path: dict[str, set[Span]],
    rules: Sequence[Rule],
    model: Model,
) -> None:
    """Keep the findings of each checked file that has a key (none of a file with an internal error),
    with a voucher for each endpoint file that qualifies (``model/cached.py``)."""
    where: dict[tuple[int, int], tuple[str, int]] = {}  # (slot, unit index) -> (file, ordinal)
    for path in keys:
        ordinals: dict[int, int] = {}
        for slot, index in by_path.get(path, []):
            where[(slot, index)] = (path, ordinals.get(slot, 0))
            ordinals[slot] = ordinals.get(slot, 0) + 1
    slot_of = rule_slots(targets)
    findings: dict[str, list[tuple[str, int, int, Finding]]] = {path: [] for path in keys}
    broken: set[str] = set()
    for (rule_index, unit_index, n), finding in tagged:
        if rule_index == _INTERNAL:
            place = where.get((slot_of.get(unit_index, -1), n))  # internal: (-1, rule index, unit index)
            broken.add(place[0] if place is not None else finding.span.path)
            continue
        place = where.get((slot_of[rule_index], unit_index))
        if place is not None:
            findings[place[0]].append((rules[rule_index].id, place[1], n, finding))
    vouchers = _Vouchers(model, targets, rules)
    for path, key in keys.items():
        if path in broken:
            continue
        try:
            for _, _, _, finding in findings[path]:
                encode_finding(finding)  # only findings JSON can hold exactly are kept
        except TypeError:
            continue
        voucher = vouchers.voucher(path, by_path.get(path, []))
        cache.remember(path, FileEntry(key, findings[path], set(spans_by_path.get(path, ())), voucher))


@dataclass
class _Vouchers:
    """Writes the vouchers of the endpoint files a run checked."""

    model: Model
    targets: Sequence[tuple[list[Unit], list[int]]]
    rules: Sequence[Rule]
    layout: str = ""
    target_of: dict[int, str] = field(default_factory=dict)  # slot -> its rule target's value
    diagnosed: set[str] = field(default_factory=set)  # files with a diagnostic
    included: set[str] = field(default_factory=set)  # files some document includes
    memo: dict[int, str] = field(default_factory=dict)  # the tool-name digest, computed once

    def __post_init__(self) -> None:
        self.layout = layout_digest(self.model)
        self.target_of = {slot: self.rules[indices[0]].target.value  # type: ignore[union-attr]
                          for slot, (_, indices) in enumerate(self.targets) if indices}
        self.diagnosed = {d.span.path for d in self.model.diagnostics}
        self.included = {i.fragment_path for d in self.model.documents for i in d.includes if i.fragment_path}

    def voucher(self, path: str, entries: list[tuple[int, int]]) -> dict[str, Any] | None:
        counts: dict[str, int] = {}
        endpoint = None
        tools = ""
        for slot, index in entries:
            target = self.target_of[slot]
            counts[target] = counts.get(target, 0) + 1
            unit = self.targets[slot][0][index]
            if isinstance(unit, Endpoint):
                endpoint = unit
            elif isinstance(unit, ModelText) and not tools:
                tools = tool_names_digest(unit.known_tools, self.memo)
        if endpoint is None or counts.get("endpoint") != 1 or not set(counts) <= VOUCHED_TARGETS:
            return None
        if path in self.included:
            return None
        if endpoint.document.includes and not endpoint_text_files(self.model, endpoint) <= {path}:
            return None  # a text in a fragment: another endpoint's copy of it would be judged in its place
        voucher = voucher_for(endpoint, self.model.sources, counts, self.layout, tools)
        if voucher is None or (voucher.stamps.keys() - {voucher.main}) & self.diagnosed:
            return None  # the file, a fragment or its template gave a diagnostic
        return encode_voucher(voucher)


def _key(
    cache: ResultCache,
    model: Model,
    path: str,
    found: list[Dependencies | None],
    entries: list[tuple[int, int]],
    scans: int,
    layout: str,
) -> str | None:
    """The file's key, or None when one of its units is not cacheable or a file it depends on is too new."""
    stamps = []
    facts = [layout]
    files: set[str] = set()
    for dependencies in found:
        if dependencies is None:
            return None
        files |= dependencies.files
        if dependencies.facts:
            facts.append(dependencies.facts)
    for name in files:
        source = model.sources.get(name)
        if source is None or not cache.settled(source.stamp):
            return None
        assert source.stamp is not None
        stamps.append((name, source.stamp))
    shape: dict[int, int] = {}
    for slot, _ in entries:
        shape[slot] = shape.get(slot, 0) + 1
    return cache.file_key(path, stamps, facts, (sorted(shape.items()), scans))


def rule_slots(targets: Sequence[tuple[list[Unit], list[int]]]) -> dict[int, int]:
    """Rule index -> the target slot whose units the rule checks."""
    return {rule_index: slot for slot, (_, indices) in enumerate(targets) for rule_index in indices}


def retag(
    entry: FileEntry,
    entries: list[tuple[int, int]],
    slot_of: dict[int, int],
    rule_index: dict[str, int],
) -> list[Tagged] | None:
    """A file's kept findings tagged with this run's indices: ``entries`` are its units (in this run's
    order) that the findings were kept for; None when they do not fit them."""
    by_slot: dict[int, list[int]] = {}
    for slot, index in entries:
        by_slot.setdefault(slot, []).append(index)
    out: list[Tagged] = []
    for rule_id, ordinal, n, finding in entry.findings:
        index = rule_index.get(rule_id)
        if index is None:
            return None
        units = by_slot.get(slot_of.get(index, -1), [])
        if ordinal >= len(units):
            return None
        out.append(((index, units[ordinal], n), finding))
    return out
