"""Applying rules to model units, in this process or in forked workers.

The model is built once; a rule applied to one unit depends on nothing else
the run does. On a large tree the checks (with the lazy analyses they start:
a template's SQL parse, a document's secret scan) are most of the work, so
they are spread over worker processes:

* Workers are forked after the model is built, so they inherit it
  copy-on-write: nothing is serialised on the way in, and nothing from the
  scanned tree is ever executed or unpickled from disk.
* Work is split by the file a unit belongs to, so each file's lazy analyses
  run in exactly one worker. Workers take runs of neighbouring files from a
  queue until it is empty, so the load balances itself.
* Each worker sends back only its findings (small, plain data) tagged with
  ``(rule index, unit index, finding index)``; the parent sorts by that key,
  which is exactly the order of a one-process run. Output is therefore
  byte-identical whatever ``jobs`` is.
* Runs that no worker reports (a worker died, could not write its results,
  or could not be forked at all) are checked in the parent, so a failure
  costs time, never findings.

Forking is used where the platform has it (not on Windows); elsewhere, and
for small trees where a fork costs more than it saves, the checks run here.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import struct
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import IO

from mcplint.diagnostics import file_span
from mcplint.engine import check_cache
from mcplint.engine.meta_rules import INTERNAL_ERROR
from mcplint.engine.result_cache import FileEntry, ResultCache
from mcplint.engine.rule import Finding, Rule
from mcplint.model.contributions import contributing_files
from mcplint.model.flapi import CachedUnit
from mcplint.model.model import Model, Target, Unit
from mcplint.model.secret_scan import SecretScan, mask_spans
from mcplint.progress import NO_PROGRESS, Progress
from mcplint.span import Span

# Below this many files per worker a fork costs more than it saves: bench/mechanisms.py measured
# workers at 1.10x and 0.95x the one-process wall time at 1,000 endpoints (2,000 files, 2 cores),
# 0.88x at 10,000 (docs/performance.md), so they start from 5,000 files on two cores.
MIN_FILES_PER_WORKER = 2500
_INTERNAL = -1  # rule index that stands for the engine's internal-error rule
_TICK = 64  # a worker reports progress every this many units
_COLLECT_EVERY = 64  # files between collections of the young generation
_SHARES_PER_WORKER = 2  # each run is 1/(workers * this) of the files left
_MIN_CHUNK = 8
# Their numbers (4 bytes each) are written to a pipe before the fork: 4 KiB, the one page even a
# pipe cut down by the system's per-user pipe limit still holds.
_MAX_CHUNKS = 1024
MAX_FINDINGS_PER_UNIT = 200  # per rule and unit (a file, an endpoint): more is never useful to read


@dataclass
class _Work:
    """Everything one run checks, without one object per (rule, unit) pair.

    A large tree has hundreds of thousands of such pairs; building an object
    for each cost more than a second at 10,000 endpoints. Instead each target
    keeps its units and the rules that apply to them, and each file lists its
    units as ``(target slot, unit index)``.
    """

    targets: list[tuple[list[Unit], list[int]]]  # per target slot: its units, the indices of its rules
    by_path: dict[str, list[tuple[int, int]]]  # file -> its units, as (target slot, unit index)

    @property
    def check_count(self) -> int:
        """How many (rule, unit) checks the run makes (the progress total): those of the files still in
        ``by_path``, which the result cache may have thinned."""
        return sum(len(self.targets[slot][1]) for entries in self.by_path.values() for slot, _ in entries)


@dataclass
class CheckOutcome:
    findings: list[tuple[Rule, Finding]]  # in the order of a one-process run
    secret_spans: set[Span]  # every secret the lazy secret scans found


_Tagged = tuple[tuple[int, int, int], Finding]
_CHUNK_NUMBER = struct.Struct("<I")


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_checks(
    model: Model,
    rules: Sequence[Rule],
    include_internal: bool,
    jobs: int = 1,
    progress: Progress = NO_PROGRESS,
    cache: ResultCache | None = None,
) -> CheckOutcome:
    """Apply every rule to every unit it targets; ``jobs`` > 1 may use worker processes.

    With a ``cache``, files whose findings it holds under an unchanged key are not
    checked again (``check_cache.py``); the outcome is the same.
    """
    work = _work(model, rules)
    scans_by_path: dict[str, list[SecretScan]] = {}
    for scan in model.secret_scans:
        if isinstance(scan, SecretScan):  # not a placeholder: its findings come from the cache or the build
            scans_by_path.setdefault(scan.path, []).append(scan)
    # Files checked while the model was built (engine/streaming.py); never in a run with a cache.
    prechecked, prechecked_spans = _take_prechecked(model, work, rules)
    reused = check_cache.reuse(cache, model, work.targets, work.by_path, scans_by_path, rules) if cache else None
    checked_paths = dict(work.by_path)  # what is checked in this run (the cache may have taken the rest)
    workers = _worker_count(jobs, len(work.by_path))
    progress.phase("checking", work.check_count)
    if workers <= 1:
        tagged = _check_files(work, list(work.by_path.values()), rules, include_internal, progress.advance)
        spans_by_path = {path: mask_spans(scans) for path, scans in scans_by_path.items()}
    else:
        tagged, spans_by_path = _check_in_workers(model, work, rules, include_internal, workers, progress,
                                                  scans_by_path)
    progress.done()
    spans = set().union(*spans_by_path.values()) if spans_by_path else set()
    if reused is not None:
        check_cache.record(cache, reused.keys, work.targets, checked_paths, tagged, spans_by_path, rules, model)
        tagged.extend(reused.tagged)
        spans |= reused.spans
    tagged.extend(prechecked)
    spans |= prechecked_spans
    tagged.sort(key=lambda pair: pair[0])
    findings = [(INTERNAL_ERROR if key[0] == _INTERNAL else rules[key[0]], f) for key, f in tagged]
    return CheckOutcome([(r, f) for r, f in findings if in_scope(f, model.scope)], spans)


def _take_prechecked(model: Model, work: _Work, rules: Sequence[Rule]) -> tuple[list[_Tagged], set[Span]]:
    """The findings of the files checked while the model was built, tagged with this run's unit numbers;
    their placeholder units leave ``work`` (the rest of such a file, its model texts, is checked as usual).
    ``_work`` left out the placeholders of files with nothing to report."""
    if not model.prechecked:
        return [], set()
    slot_of = check_cache.rule_slots(work.targets)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    tagged: list[_Tagged] = []
    spans: set[Span] = set()
    for path, entry in model.prechecked.items():
        assert isinstance(entry, FileEntry)
        spans |= entry.masks
        entries = work.by_path.get(path)
        if entries is None:
            continue
        kept: list[tuple[int, int]] = []
        live: list[tuple[int, int]] = []
        for slot, index in entries:
            if isinstance(work.targets[slot][0][index], CachedUnit):
                kept.append((slot, index))
            else:
                live.append((slot, index))
        found = check_cache.retag(entry, kept, slot_of, rule_index) if entry.findings else []
        if found is None:  # cannot happen: the builder gave the file a placeholder for each unit checked
            raise RuntimeError(f"the findings kept for {path} do not fit its units")
        tagged.extend(found)
        if live:
            work.by_path[path] = live
        else:
            del work.by_path[path]
    return tagged, spans


def in_scope(finding: Finding, scope: set[str] | frozenset[str]) -> bool:
    """Whether the run reports ``finding``: its place, a related place or a file it depends on is in scope."""
    return (
        finding.span.path in scope
        or any(path in scope for path in finding.contributors)
        or any(related.span.path in scope for related in finding.related)
    )


def _work(model: Model, rules: Sequence[Rule]) -> _Work:
    slots: dict[Target, int] = {}
    work = _Work([], {})
    for rule_index, rule in enumerate(rules):
        if rule.check is None or rule.target is None:
            continue
        if rule.target not in slots:
            slots[rule.target] = len(work.targets)
            work.targets.append((model.units(rule.target), []))
        work.targets[slots[rule.target]][1].append(rule_index)
    paths: dict[int, str] = {}  # id(unit) -> its file: some units compute their path
    # Files checked while the model was built with nothing to report: their placeholders need no place.
    quiet = {path for path, entry in model.prechecked.items() if not entry.findings}  # type: ignore[attr-defined]
    for slot, (units, _) in enumerate(work.targets):
        for index, unit in enumerate(units):
            if isinstance(unit, CachedUnit):
                path = unit.path
                if path in quiet:
                    continue
            else:
                key = id(unit)
                path = paths.get(key)
                if path is None:
                    # An auth block included from a fragment belongs with its endpoint file (model/flapi.py).
                    path = paths[key] = getattr(unit, "group_path", None) or unit.unit_path
            work.by_path.setdefault(path, []).append((slot, index))
    return work


def checks_here(jobs: int, files: int) -> bool:
    """Whether a run over ``files`` files checks them all in this process (no worker processes)."""
    return _worker_count(jobs, files) <= 1


def _worker_count(jobs: int, files: int) -> int:
    if jobs <= 1 or not hasattr(os, "fork") or sys.platform == "win32":
        return 1
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


def _check_files(
    work: _Work,
    groups: Sequence[Sequence[tuple[int, int]]],
    rules: Sequence[Rule],
    include_internal: bool,
    tick: Callable[[int], None],
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
        out.extend(_check(work, group, rules, include_internal, tick))
        _release(work, group)
        if count % _COLLECT_EVERY == 0:
            gc.collect(0)
    return out


def _release(work: _Work, entries: Sequence[tuple[int, int]]) -> None:
    units = {id(unit): unit for unit in (work.targets[slot][0][index] for slot, index in entries)}
    for unit in units.values():
        release = getattr(unit, "release_caches", None)
        if release is not None:
            release()


def _check(
    work: _Work,
    entries: Sequence[tuple[int, int]],
    rules: Sequence[Rule],
    include_internal: bool,
    tick: Callable[[int], None],
) -> list[_Tagged]:
    """Every rule on each of ``entries`` (one file's units), tagged for the one-process order."""
    out: list[_Tagged] = []
    done = 0
    for slot, unit_index in entries:
        units, rule_indices = work.targets[slot]
        unit = units[unit_index]
        for rule_index in rule_indices:
            rule = rules[rule_index]
            try:
                # At most MAX_FINDINGS_PER_UNIT (+1 to know there are more): a hostile file with 100,000
                # problems must not cost 100,000 findings' work (rules yield lazily, so the rest never runs).
                findings = list(islice(rule.check(unit), MAX_FINDINGS_PER_UNIT + 1))  # type: ignore[misc]
                if len(findings) > MAX_FINDINGS_PER_UNIT:
                    findings[MAX_FINDINGS_PER_UNIT] = _overflow(rule, findings[MAX_FINDINGS_PER_UNIT])
            except Exception as exc:  # noqa: BLE001 - any bug in a rule must not stop the run
                if include_internal:
                    key = (_INTERNAL, rule_index, unit_index)
                    out.append((key, internal_error(rule, unit.unit_path, exc)))
            else:
                if findings:
                    out.extend(
                        ((rule_index, unit_index, n),
                         replace(f, contributors=contributing_files(unit, unit.unit_path, f.span.path)))
                        for n, f in enumerate(findings)
                    )
        done += len(rule_indices)
        if done >= _TICK:
            tick(done)
            done = 0
    tick(done)
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


def _chunks(order: Sequence[str], workers: int) -> list[list[str]]:
    """Runs of neighbouring files for the workers to take one at a time, largest first.

    Neighbours, not a round robin: a file's model objects were allocated
    together, near those of the files read before and after it, so a worker
    that checks a run of files writes (reference counts, caches) to memory
    pages that mostly no other worker touches, and copies few pages after the
    fork. Taken one at a time, so that a worker that got the heavy files does
    not leave the other cores idle at the end. Each run is a share of what is
    left (guided scheduling): long runs first, then ever shorter ones, so the
    last run any worker takes is short and the workers finish together.
    """
    floor = max(_MIN_CHUNK, -(-len(order) // _MAX_CHUNKS))
    out: list[list[str]] = []
    start = 0
    while start < len(order):
        size = max(floor, -(-(len(order) - start) // (workers * _SHARES_PER_WORKER)))
        out.append(list(order[start : start + size]))
        start += size
    if len(out) > _MAX_CHUNKS:  # only with very many workers: equal runs, as many as the queue holds
        return [list(order[i : i + floor]) for i in range(0, len(order), floor)]
    return out


def _warm_up_files(order: Sequence[str], work: _Work) -> list[str]:
    """A few files that between them give every target's rules a unit to run on.

    Checked here before forking, they load what the checks load once (imports
    such as sqlglot's dialect, compiled patterns, schema validators), and every
    worker inherits it instead of building it again.
    """
    missing = set(range(len(work.targets)))
    chosen: list[str] = []
    for path in order:
        slots = {slot for slot, _ in work.by_path.get(path, ())}
        if slots & missing:
            chosen.append(path)
            missing -= slots
            if not missing:
                break
    return chosen


def _check_in_workers(
    model: Model,
    work: _Work,
    rules: Sequence[Rule],
    include_internal: bool,
    workers: int,
    progress: Progress,
    scans_by_path: dict[str, list[SecretScan]],
) -> tuple[list[_Tagged], dict[str, set[Span]]]:
    runs = _Runs(work, rules, include_internal, scans_by_path)
    # Every file with checks or a secret scan (needed for masking even when no secret rule runs),
    # in the order they were read, which is the order their model objects lie in memory.
    read_order = {path: n for n, path in enumerate(model.sources)}
    order = sorted({*work.by_path, *runs.scans_by_path}, key=lambda p: (read_order.get(p, len(read_order)), p))

    warm = _warm_up_files(order, work)
    tagged, spans = runs.check(warm, progress.advance)
    warmed = set(warm)
    runs.chunks = _chunks([path for path in order if path not in warmed], workers)

    done: set[int] = set()
    queue_read = _queue(len(runs.chunks))
    if queue_read is not None:  # without a queue no worker starts, and every run is checked below
        done, found, found_spans = _run_workers(runs, queue_read, workers, progress)
        tagged.extend(found)
        spans.update(found_spans)
    for index, chunk in enumerate(runs.chunks):  # runs no worker reported: checked here, so no finding is lost
        if index not in done:
            found, found_spans = runs.check(chunk, progress.advance)
            tagged.extend(found)
            spans.update(found_spans)
    return tagged, spans


@dataclass
class _Runs:
    """What every run of files is checked with, here or in a worker."""

    work: _Work
    rules: Sequence[Rule]
    include_internal: bool
    scans_by_path: dict[str, list[SecretScan]]  # the secret scans of each file
    chunks: list[list[str]] = field(default_factory=list)  # the runs the workers take by number

    def check(self, paths: Sequence[str], tick: Callable[[int], None]) -> tuple[list[_Tagged], dict[str, set[Span]]]:
        """Check ``paths``: their findings, and per file the secrets its scans found (to mask in the report)."""
        groups = [self.work.by_path[path] for path in paths if path in self.work.by_path]
        tagged = _check_files(self.work, groups, self.rules, self.include_internal, tick)
        return tagged, {path: mask_spans(self.scans_by_path[path]) for path in paths if path in self.scans_by_path}


def _run_workers(
    runs: _Runs, queue_read: int, workers: int, progress: Progress
) -> tuple[set[int], list[_Tagged], dict[str, set[Span]]]:
    """Fork up to ``workers`` workers on the queue (closed here); the runs they reported, and what they found."""
    sys.stdout.flush()
    sys.stderr.flush()
    tick_read, tick_write = os.pipe()
    children: dict[int, IO[bytes]] = {}  # pid -> its results file
    done: set[int] = set()
    tagged: list[_Tagged] = []
    spans: dict[str, set[Span]] = {}
    try:
        for _ in range(workers):
            try:
                results = tempfile.TemporaryFile()
            except OSError:  # no room for results: the runs no worker reports are checked by the caller
                break
            try:
                pid = os.fork()
            except OSError:  # no more processes (EAGAIN, ENOMEM): likewise
                results.close()
                break
            if pid == 0:  # the worker
                os.close(tick_read)
                _worker(runs, queue_read, results, tick_write)
            children[pid] = results
        os.close(tick_write)
        tick_write = -1
        statuses = _wait_with_progress(set(children), tick_read, progress)
        for pid, results in sorted(children.items()):
            loaded = _load(results) if statuses.get(pid) == 0 else None
            if loaded is not None:
                done.update(loaded[0])
                tagged.extend(loaded[1])
                spans.update(loaded[2])
    finally:
        for pid in children:
            _reap(pid)
        for fd in (tick_read, tick_write, queue_read):
            if fd >= 0:
                os.close(fd)
        for results in children.values():
            results.close()
    return done, tagged, spans


def _queue(count: int) -> int | None:
    """The read end of a pipe holding the numbers ``0 .. count-1``, or None if they do not fit."""
    try:
        queue_read, queue_write = os.pipe()
    except OSError:  # out of file descriptors
        return None
    queued = b"".join(_CHUNK_NUMBER.pack(index) for index in range(count))
    try:
        os.set_blocking(queue_write, False)  # a pipe smaller than expected must fail here, not hang
        written = os.write(queue_write, queued)
    except OSError:
        written = -1
    finally:
        os.close(queue_write)
    if written < len(queued):
        os.close(queue_read)
        return None
    return queue_read


def _worker(runs: _Runs, queue_read: int, results: IO[bytes], tick_write: int) -> None:
    """Take runs of files from the queue until it is empty, then write
    ``(runs done, findings, secret spans)`` to ``results``; never returns."""
    code = 1
    try:
        os.set_blocking(tick_write, False)

        def tick(count: int) -> None:
            if count:
                try:
                    os.write(tick_write, bytes([255] * (count // 255) + [count % 255]))
                except (BlockingIOError, OSError):
                    pass  # a full pipe only loses a progress update

        done: list[int] = []
        tagged: list[_Tagged] = []
        spans: dict[str, set[Span]] = {}
        while True:
            # Each number was written whole, and a pipe read of that size takes it whole.
            data = os.read(queue_read, _CHUNK_NUMBER.size)
            if len(data) < _CHUNK_NUMBER.size:
                break
            (index,) = _CHUNK_NUMBER.unpack(data)
            found, found_spans = runs.check(runs.chunks[index], tick)
            tagged.extend(found)
            spans.update(found_spans)
            done.append(index)
        pickle.dump((done, tagged, spans), results, protocol=pickle.HIGHEST_PROTOCOL)
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


def _load(results: IO[bytes]) -> tuple[list[int], list[_Tagged], dict[str, set[Span]]] | None:
    """Our own worker's pickle (written by this program, never by the scanned tree)."""
    try:
        results.seek(0)
        loaded = pickle.load(results)  # noqa: S301 - produced by our forked worker a moment ago
    except Exception:  # noqa: BLE001 - a truncated file means the worker failed
        return None
    return loaded  # type: ignore[no-any-return]
