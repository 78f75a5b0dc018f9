"""Applying rules to model units, in this process or in forked workers.

The model is built once; a rule applied to one unit depends on nothing else
the run does. On a large tree the checks (with the lazy analyses they start:
a template's SQL parse, a document's secret scan) are most of the work, so
they are spread over worker processes:

* Workers are forked after the model is built, so they inherit it
  copy-on-write: nothing is serialised on the way in, and nothing from the
  scanned tree is ever executed or unpickled from disk.
* Work is split by the file a unit belongs to, so each file's lazy analyses
  run in exactly one worker.
* Each worker sends back only its findings (small, plain data) tagged with
  ``(rule index, unit index, finding index)``; the parent sorts by that key,
  which is exactly the order of a one-process run. Output is therefore
  byte-identical whatever ``jobs`` is.
* A worker that dies or cannot send its results has its share re-run in the
  parent, so a failed fork costs time, never findings.

Forking is used where the platform has it (not on Windows); elsewhere, and
for small trees where a fork costs more than it saves, the checks run here.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

from mcplint.diagnostics import file_span
from mcplint.engine.meta_rules import INTERNAL_ERROR
from mcplint.engine.rule import Finding, Rule
from mcplint.model.model import Model, Target, Unit
from mcplint.model.secret_scan import SecretScan, mask_spans
from mcplint.progress import NO_PROGRESS, Progress
from mcplint.span import Span

# Below this many files per worker a fork costs more than it saves.
MIN_FILES_PER_WORKER = 48
_INTERNAL = -1  # rule index that stands for the engine's internal-error rule
_TICK = 64  # a worker reports progress every this many units
_COLLECT_EVERY = 64  # files between collections of the young generation
MAX_FINDINGS_PER_UNIT = 200  # per rule and unit (a file, an endpoint): more is never useful to read


@dataclass(frozen=True)
class _Item:
    rule_index: int
    unit_index: int
    unit: Unit


@dataclass
class CheckOutcome:
    findings: list[tuple[Rule, Finding]]  # in the order of a one-process run
    secret_spans: set[Span]  # every secret the lazy secret scans found


_Tagged = tuple[tuple[int, int, int], Finding]


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_checks(
    model: Model, rules: Sequence[Rule], include_internal: bool, jobs: int = 1, progress: Progress = NO_PROGRESS
) -> CheckOutcome:
    """Apply every rule to every unit it targets; ``jobs`` > 1 may use worker processes."""
    items = _work(model, rules)
    by_path = _group_by_path(items)
    workers = _worker_count(jobs, len(by_path))
    progress.phase("checking", len(items))
    if workers <= 1:
        tagged = _check_files(list(by_path.values()), rules, include_internal, progress.advance)
        spans = mask_spans(model.secret_scans)
    else:
        tagged, spans = _check_in_workers(model, by_path, rules, include_internal, workers, progress)
    progress.done()
    tagged.sort(key=lambda pair: pair[0])
    findings = [(INTERNAL_ERROR if key[0] == _INTERNAL else rules[key[0]], f) for key, f in tagged]
    return CheckOutcome([(r, f) for r, f in findings if f.span.path in model.scope], spans)


def _work(model: Model, rules: Sequence[Rule]) -> list[_Item]:
    units: dict[Target, list[Unit]] = {}
    items: list[_Item] = []
    for rule_index, rule in enumerate(rules):
        if rule.check is None or rule.target is None:
            continue
        if rule.target not in units:
            units[rule.target] = model.units(rule.target)
        items.extend(_Item(rule_index, i, unit) for i, unit in enumerate(units[rule.target]))
    return items


def _group_by_path(items: list[_Item]) -> dict[str, list[_Item]]:
    groups: dict[str, list[_Item]] = {}
    paths: dict[int, str] = {}  # id(unit) -> its path: many rules share a unit, some units compute their path
    for item in items:
        key = id(item.unit)
        path = paths.get(key)
        if path is None:
            path = paths[key] = item.unit.unit_path
        groups.setdefault(path, []).append(item)
    return groups


def _worker_count(jobs: int, files: int) -> int:
    if jobs <= 1 or not hasattr(os, "fork") or sys.platform == "win32":
        return 1
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


def _check_files(
    groups: Sequence[Sequence[_Item]], rules: Sequence[Rule], include_internal: bool, tick: Callable[[int], None]
) -> list[_Tagged]:
    """Check file by file; once every rule has seen a file's units, let them drop their caches.

    Analyses (a template's parses, a document's secret scan) are what the
    checks of one file share; keeping them for the whole run would hold every
    parse tree of a large tree at once. Parse trees link back to their
    parents, so with the cyclic collector paused (see ``api.lint``) the young
    generation is collected now and then: it holds only what recent files
    allocated, because the model was frozen out of the collector's view.
    """
    out: list[_Tagged] = []
    for count, group in enumerate(groups, 1):
        out.extend(_check(group, rules, include_internal, tick))
        _release(group)
        if count % _COLLECT_EVERY == 0:
            gc.collect(0)
    return out


def _release(items: Sequence[_Item]) -> None:
    units = {id(item.unit): item.unit for item in items}
    for unit in units.values():
        release = getattr(unit, "release_caches", None)
        if release is not None:
            release()


def _check(
    items: Sequence[_Item], rules: Sequence[Rule], include_internal: bool, tick: Callable[[int], None]
) -> list[_Tagged]:
    out: list[_Tagged] = []
    for done, item in enumerate(items, 1):
        rule = rules[item.rule_index]
        try:
            # At most MAX_FINDINGS_PER_UNIT (+1 to know there are more): a hostile file with 100,000
            # problems must not cost 100,000 findings' work (rules yield lazily, so the rest never runs).
            findings = list(islice(rule.check(item.unit), MAX_FINDINGS_PER_UNIT + 1))  # type: ignore[misc]
            if len(findings) > MAX_FINDINGS_PER_UNIT:
                findings[MAX_FINDINGS_PER_UNIT] = _overflow(rule, findings[MAX_FINDINGS_PER_UNIT])
        except Exception as exc:  # noqa: BLE001 - any bug in a rule must not stop the run
            if include_internal:
                key = (_INTERNAL, item.rule_index, item.unit_index)
                out.append((key, internal_error(rule, item.unit.unit_path, exc)))
        else:
            out.extend(((item.rule_index, item.unit_index, n), f) for n, f in enumerate(findings))
        if done % _TICK == 0:
            tick(_TICK)
    tick(len(items) % _TICK)
    return out


def _overflow(rule: Rule, first_unlisted: Finding) -> Finding:
    """Stands for the findings of one rule on one unit beyond the limit, at the first one not listed."""
    return Finding(
        span=first_unlisted.span,
        message=(
            f"{rule.id} found more than {MAX_FINDINGS_PER_UNIT} problems here; the rest are not listed "
            "(fix these and run again)"
        ),
        logical_location=f"{rule.id}:more",
        identity="more",
        secret=first_unlisted.secret,
    )


def internal_error(rule: Rule, path: str, exc: Exception) -> Finding:
    """The finding that stands for a rule that raised on a unit of ``path``."""
    # Only the exception type and mcplint's own frame: the message could quote file content.
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Finding(
        span=file_span(path),
        message=(
            f"internal error: rule {rule.id} ({rule.name}) failed on this file with "
            f"{type(exc).__name__}{where}; the file was not fully checked"
        ),
        logical_location=rule.id,
    )


# ------------------------------------------------------------------ workers


def _shards(weights: dict[str, int], workers: int) -> list[list[str]]:
    """Split files over workers, heaviest first onto the lightest worker (deterministic)."""
    loads = [0] * workers
    shards: list[list[str]] = [[] for _ in range(workers)]
    for path in sorted(weights, key=lambda p: (-weights[p], p)):
        lightest = loads.index(min(loads))
        shards[lightest].append(path)
        loads[lightest] += weights[path]
    return shards


def _check_in_workers(
    model: Model,
    by_path: dict[str, list[_Item]],
    rules: Sequence[Rule],
    include_internal: bool,
    workers: int,
    progress: Progress,
) -> tuple[list[_Tagged], set[Span]]:
    scans_by_path: dict[str, list[SecretScan]] = {}
    for scan in model.secret_scans:
        scans_by_path.setdefault(scan.path, []).append(scan)
    # Every file with checks or a secret scan (needed for masking even when no secret rule runs).
    paths = {*by_path, *scans_by_path}
    weights = {path: len(by_path.get(path, ())) + len(scans_by_path.get(path, ())) for path in paths}

    def shard_items(shard: list[str]) -> list[list[_Item]]:
        return [by_path[path] for path in shard if path in by_path]

    def shard_spans(shard: list[str]) -> set[Span]:
        return mask_spans([scan for path in shard for scan in scans_by_path.get(path, ())])

    # Warm up here on the heaviest file first: the imports, compiled patterns and schema
    # validators its checks load are then inherited by every worker instead of built in each.
    warm = [min(weights, key=lambda p: (-weights[p], p))]
    del weights[warm[0]]
    first = _check_files(shard_items(warm), rules, include_internal, progress.advance)
    first_spans = shard_spans(warm)
    shards = _shards(weights, workers)

    sys.stdout.flush()
    sys.stderr.flush()
    tick_read, tick_write = os.pipe()
    children: dict[int, tuple[int, IO[bytes]]] = {}  # pid -> (shard index, results file)
    tagged: list[_Tagged] = first
    spans: set[Span] = first_spans
    rerun: list[int] = []
    try:
        for index, shard in enumerate(shards):
            results = tempfile.TemporaryFile()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(tick_read)
                spans_of_shard = lambda s=shard: shard_spans(s)  # noqa: E731
                _worker(shard_items(shard), rules, include_internal, spans_of_shard, results, tick_write)
            children[pid] = (index, results)
        os.close(tick_write)
        tick_write = -1
        statuses = _wait_with_progress(set(children), tick_read, progress)
        for pid, (index, results) in sorted(children.items(), key=lambda kv: kv[1][0]):
            loaded = _load(results) if statuses.get(pid) == 0 else None
            if loaded is None:
                rerun.append(index)
            else:
                tagged.extend(loaded[0])
                spans |= loaded[1]
    finally:
        for pid in children:
            _reap(pid)
        os.close(tick_read)
        if tick_write >= 0:
            os.close(tick_write)
        for _, results in children.values():
            results.close()
    for index in rerun:  # a worker failed: do its share here, so no finding is lost
        tagged.extend(_check_files(shard_items(shards[index]), rules, include_internal, progress.advance))
        spans |= shard_spans(shards[index])
    return tagged, spans


def _worker(
    groups: list[list[_Item]],
    rules: Sequence[Rule],
    include_internal: bool,
    secret_spans: Callable[[], set[Span]],
    results: IO[bytes],
    tick_write: int,
) -> None:
    """Run one share and write ``(findings, secret spans)`` to ``results``; never returns."""
    code = 1
    try:
        os.set_blocking(tick_write, False)

        def tick(count: int) -> None:
            if count:
                try:
                    os.write(tick_write, bytes([min(count, 255)]))
                except (BlockingIOError, OSError):
                    pass  # a full pipe only loses a progress update

        tagged = _check_files(groups, rules, include_internal, tick)
        pickle.dump((tagged, secret_spans()), results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent re-runs this share
        code = 1
    finally:
        os._exit(code)


def _wait_with_progress(waiting: set[int], tick_read: int, progress: Progress) -> dict[int, int]:
    """Wait for every worker, passing their progress ticks on; returns pid -> exit code."""
    statuses: dict[int, int] = {}
    while waiting:
        ready, _, _ = select.select([tick_read], [], [], 0.1)
        if ready:
            progress.advance(sum(os.read(tick_read, 4096)))
        for pid in sorted(waiting):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
                code = os.waitstatus_to_exitcode(status) if done else None
            except ChildProcessError:  # already reaped elsewhere: its results cannot be trusted
                code = 1
            if code is not None:
                statuses[pid] = code
                waiting.discard(pid)
    return statuses


def _reap(pid: int) -> None:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError, OSError):
        pass


def _load(results: IO[bytes]) -> tuple[list[_Tagged], set[Span]] | None:
    """Our own worker's pickle (written by this program, never by the scanned tree)."""
    try:
        results.seek(0)
        loaded = pickle.load(results)  # noqa: S301 - produced by our forked worker a moment ago
    except Exception:  # noqa: BLE001 - a truncated file means the worker failed
        return None
    return loaded  # type: ignore[no-any-return]
