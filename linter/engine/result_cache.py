"""Findings kept between runs, so that a run re-checks only what changed.

Two levels, both in ``.mcplint_cache/results-v1.json`` under the scan root:

* **Per file.** The findings every rule made on a file's units (and the
  secrets its scans found, for masking), under a key made of the run's
  context and the read stamps of every file those units depend on
  (``model/dependencies.py``). A run still builds the whole model, runs the
  project-wide rules and checks the units whose key changed; the others'
  findings are taken from the cache.
* **Per run.** The finished report, under the stamps of every file the run
  read or looked for. When nothing changed, a run walks the tree, compares
  stamps and prints the report again without parsing anything.

A stamp is ``(size, mtime_ns, ctime_ns, inode)`` as ``fstat`` gave it when the
file was read. ``ctime`` changes on every write and no tool can set it back,
so an edited file never matches a stale entry; a file changed less than
:data:`~mcplint.mention_index.RACY_NS` before the run is never cached (its
timestamp may not have moved yet). The context is mcplint's version and the
stamps of its own code, the rules that run (a policy by its digest), the
settings and options: any change there starts afresh.

The cache lives in a tree an attacker may have written, as the mention index
does: plain JSON (never pickle), size-bounded, shape-checked, ignored when
anything about it is odd, written atomically into a real folder. A forged
entry would have to match the inode and ctime of the victim's own checkout;
and since whoever can read a folder can read those stamps, a cache file is
only read when it belongs to the user running mcplint and nobody else may
write it or its folder.
No secret is ever written: findings carry spans and messages, never a value.
Output is byte-identical to a run without the cache (tests compare them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from mcplint import __version__
from mcplint.engine.rule import Finding, Level, RelatedLocation, Rule
from mcplint.mention_index import CACHE_DIR, RACY_NS, prepare_cache_folder, real_folder
from mcplint.source import stamp_of
from mcplint.span import Span, decode_span, encode_span

CACHE_FILE = "results-v1.json"
# Runs on some files (pre-commit) build a model of part of a project: they keep their own entries.
FILES_CACHE_FILE = "results-files-v1.json"
_FORMAT = 1
_MAX_CACHE_BYTES = 64 * 1024 * 1024  # about 100,000 findings; a bigger (forged) file is not read

Stamp = tuple[int, int, int, int]
# A finding as the engine tags it: (rule index, unit index, finding index) and the finding.
Tagged = tuple[tuple[int, int, int], Finding]


def code_stamp() -> str:
    """A digest of mcplint's own files (names, sizes, times): a changed rule or schema in a checkout is a new
    context."""
    import mcplint
    import mcplint.rules
    import mcplint.schemas

    code = hashlib.sha256(__version__.encode())
    for folder in sorted({*mcplint.__path__, *mcplint.rules.__path__, *mcplint.schemas.__path__}):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".py", ".json")):
                    info = os.stat(os.path.join(dirpath, name))
                    code.update(f"{dirpath}/{name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    for name in _SHAPING_LIBRARIES:
        code.update(f"{name}:{_library_stamp(name)}\n".encode())
    return code.hexdigest()


# Libraries whose behaviour shapes findings: another release of one (``pip install -U sqlglot``) parses
# differently, so it is a new context. They are told apart by their top-level module file's size and time
# (found without importing them: a run the cache answers must not pay for importing sqlglot).
_SHAPING_LIBRARIES = ("sqlglot", "sqlglotc", "yaml", "jsonschema")


def _library_stamp(name: str) -> str:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "-"
    if spec is None or not spec.origin:
        return "-"
    try:
        info = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def run_context(rules: Sequence[Rule], *parts: object) -> str:
    """The run's context: mcplint's code, the rules that run and everything else that shapes findings."""
    rule_ids = [f"{rule.id}:{getattr(rule, 'policy_digest', '')}" for rule in rules]
    return digest(json.dumps([code_stamp(), rule_ids, canonical(list(parts))], sort_keys=True))


def digest(text: str) -> str:
    """The cache's key for a text (paths that are not UTF-8 hold surrogate escapes: hashed as they are)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def canonical(value: Any) -> Any:
    """``value`` as JSON data that is the same in every process (sets sorted, dataclasses as fields)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return [[canonical(k), canonical(v)] for k, v in sorted(value.items(), key=lambda kv: repr(canonical(kv[0])))]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # paths, compiled patterns: their text


# ------------------------------------------------------------------ encoding


def _encode_value(value: Any) -> Any:
    """Property values as JSON, with tuples and sets marked so that they come back as they were."""
    if isinstance(value, tuple):
        return {"t": [_encode_value(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        raise TypeError("sets are not cached")  # unordered: would not come back in the same order
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("keys")
        return {"d": {k: _encode_value(v) for k, v in value.items()}}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{type(value).__name__} is not cached")


def _decode_value(data: Any) -> Any:
    if isinstance(data, list):
        return [_decode_value(v) for v in data]
    if isinstance(data, dict):
        if set(data) == {"t"} and isinstance(data["t"], list):
            return tuple(_decode_value(v) for v in data["t"])
        if set(data) == {"d"} and isinstance(data["d"], dict):
            return {k: _decode_value(v) for k, v in data["d"].items()}
        raise ValueError("value")
    return data


def encode_finding(finding: Finding) -> list[Any]:
    """A finding as JSON; raises TypeError for one whose properties JSON cannot hold exactly."""
    return [
        encode_span(finding.span),
        finding.message,
        finding.level.value if finding.level is not None else None,
        finding.logical_location,
        finding.identity,
        finding.secret,
        _encode_value(dict(finding.properties)),
        [[encode_span(r.span), r.message] for r in finding.related],
        sorted(finding.contributors),
    ]


def decode_finding(data: Any) -> Finding:
    span, message, level, logical, identity, secret, properties, related, contributors = data
    if not (isinstance(message, str) and isinstance(logical, str) and isinstance(identity, str)):
        raise ValueError("finding")
    if type(secret) is not bool or not isinstance(related, list) or not isinstance(contributors, list):
        raise ValueError("finding")
    decoded = _decode_value(properties)
    if not isinstance(decoded, dict) or not all(isinstance(c, str) for c in contributors):
        raise ValueError("finding")
    links = []
    for item in related:
        where, text = item
        if not isinstance(text, str):
            raise ValueError("related")
        links.append(RelatedLocation(decode_span(where), text))
    return Finding(
        span=decode_span(span),
        message=message,
        level=None if level is None else Level(level),
        logical_location=logical,
        identity=identity,
        secret=secret,
        properties=decoded,
        related=tuple(links),
        contributors=frozenset(contributors),
    )


# ------------------------------------------------------------------ the cache


@dataclass
class FileEntry:
    """One file's cached findings: (rule id, target slot's unit ordinal in the file, n, finding)."""

    key: str
    findings: list[tuple[str, int, int, Finding]]
    masks: AbstractSet[Span]  # read only
    voucher: dict[str, Any] | None = None  # an endpoint file's voucher (model/cached.py), as JSON


@dataclass
class RunEntry:
    """A finished report and what it depended on."""

    key: str  # the run's context with the scope and discovery's diagnostics-free inputs
    stamps: dict[str, Stamp | None]  # absolute path -> stamp, None: did not exist
    report: dict[str, Any]  # see api.py


@dataclass
class ResultCache:
    """The cache for one run: read once, written back once (errors are ignored: it is only a cache)."""

    root: Path
    context: str
    name: str = CACHE_FILE
    enabled: bool = True
    racy_after: int = field(default_factory=lambda: time.time_ns() - RACY_NS)
    files: dict[str, FileEntry] = field(default_factory=dict)
    run: RunEntry | None = None
    _kept: dict[str, FileEntry] = field(default_factory=dict)  # what this run found still valid or new
    _kept_run: RunEntry | None = None  # the run entry to write (the old one if this run did not replace it)
    _loaded: bool = False
    _analyses: dict[str, Any] = field(default_factory=dict)  # template analyses (model/analysis_memo.py)
    _new_analyses: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.root / CACHE_DIR

    def settled(self, stamp: Stamp | None) -> bool:
        """Whether a file read with this stamp may be cached (not changed within the racy window)."""
        return stamp is not None and stamp[2] < self.racy_after

    # ----------------------------------------------------------- per file

    def file_key(self, path: str, stamps: Iterable[tuple[str, Stamp]], facts: Iterable[str], shape: object) -> str:
        return digest(repr((self.context, path, sorted(stamps), sorted(facts), shape)))

    def lookup(self, path: str, key: str) -> FileEntry | None:
        self._load()
        entry = self.files.get(path)
        if entry is None or entry.key != key:
            return None
        self._kept[path] = entry
        return entry

    def remember(self, path: str, entry: FileEntry) -> None:
        self._kept[path] = entry

    def vouched(self, path: str) -> FileEntry | None:
        """The entry of ``path`` if it carries a voucher (the caller checks what the voucher rests on)."""
        self._load()
        entry = self.files.get(path)
        return entry if entry is not None and entry.voucher is not None else None

    # ------------------------------------------------------ template analyses

    def analyses(self) -> Mapping[str, Any]:
        """Template analyses by digest, as JSON (the memo checks each one where it is used)."""
        self._load()
        return self._analyses

    def keep_analyses(self, added: Mapping[str, Any]) -> None:
        self._new_analyses.update(added)

    # ------------------------------------------------------------ per run

    def lookup_run(self, key: str) -> RunEntry | None:
        self._load()
        entry = self.run
        if entry is None or entry.key != key:
            return None
        for path, stamp in entry.stamps.items():
            try:
                now: Stamp | None = stamp_of(os.stat(path))
            except OSError:
                now = None
            if now != stamp:
                return None
        self._kept_run = entry
        return entry

    def remember_run(self, entry: RunEntry) -> None:
        self._kept_run = entry

    # ------------------------------------------------------------ storage

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self.enabled:
            return
        target = self.folder / self.name
        try:
            if not real_folder(self.folder) or not stat.S_ISREG(os.lstat(target).st_mode):
                return
            if os.lstat(target).st_size > _MAX_CACHE_BYTES or not _ours(self.folder, 0o002) or not _ours(target, 0o022):
                return
            with open(target, encoding="utf-8") as handle:
                data = json.load(handle)
            if not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("context") != self.context:
                return
            self.files = {path: _decode_file(path, entry) for path, entry in _mapping(data.get("files")).items()}
            self._analyses = dict(_mapping(data.get("analyses", {})))
            run = data.get("run")
            self.run = None if run is None else _decode_run(run)
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            self.files, self.run, self._analyses = {}, None, {}  # anything odd: start afresh

    def save(self) -> None:
        if not self.enabled:
            return
        # A run entry this run did not confirm is stale, but harmless (its stamps never match again):
        # it is not worth writing the whole file to drop it.
        unchanged = (
            all(self.files.get(p) is e for p, e in self._kept.items())
            and self._kept_run in (None, self.run)
            and self._new_analyses.keys() <= self._analyses.keys()
        )
        if not self._loaded or unchanged:
            return  # nothing new
        # Entries of files this run did not look at stay (a run on part of the tree must not empty the
        # cache), except those of files that are gone.
        files = {p: e for p, e in self.files.items() if os.path.lexists(self.root / p)} | self._kept
        data = {
            "format": _FORMAT,
            "context": self.context,
            "files": {path: _encode_file(entry) for path, entry in sorted(files.items())},
            "run": None if self._kept_run is None else _encode_run(self._kept_run),
            "analyses": _bounded({**self._analyses, **self._new_analyses}),
        }
        text = json.dumps(data, separators=(",", ":"))
        try:
            if not prepare_cache_folder(self.folder):
                return
            if len(text) > _MAX_CACHE_BYTES:  # it would never be read back: drop the old one too
                if stat.S_ISREG(os.lstat(self.folder / self.name).st_mode):
                    os.unlink(self.folder / self.name)
                return
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".results-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self.folder / self.name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass


_MAX_ANALYSES = 50_000  # templates; an analysis is a few hundred bytes


def _bounded(analyses: dict[str, Any]) -> dict[str, Any]:
    """At most :data:`_MAX_ANALYSES`, the newest (a run's own come last) kept."""
    if len(analyses) <= _MAX_ANALYSES:
        return analyses
    return dict(list(analyses.items())[-_MAX_ANALYSES:])


def _ours(path: Path, foreign_write: int) -> bool:
    """Whether ``path`` belongs to this user and nobody else may write it (``foreign_write``: the mode bits
    that must be clear). In a folder others can write, someone who can read the files' stamps could
    otherwise forge findings away; mcplint writes its cache file 0600 and its folder 0700."""
    if not hasattr(os, "geteuid"):
        return True  # Windows: no POSIX owner and mode bits to check
    info = os.lstat(path)
    return info.st_uid == os.geteuid() and not info.st_mode & foreign_write


def _mapping(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("mapping")
    return data


def _encode_file(entry: FileEntry) -> dict[str, Any]:
    encoded = {
        "key": entry.key,
        "findings": [[rule_id, ordinal, n, encode_finding(f)] for rule_id, ordinal, n, f in entry.findings],
        "masks": sorted(encode_span(s) for s in entry.masks),
    }
    if entry.voucher is not None:
        encoded["voucher"] = entry.voucher
    return encoded


def _decode_file(path: str, data: Any) -> FileEntry:
    entry = _mapping(data)
    key, findings, masks = entry["key"], entry["findings"], entry["masks"]
    if not isinstance(key, str) or not isinstance(findings, list) or not isinstance(masks, list):
        raise ValueError(path)
    decoded = []
    for rule_id, ordinal, n, finding in findings:
        if not isinstance(rule_id, str) or type(ordinal) is not int or type(n) is not int:
            raise ValueError(path)
        decoded.append((rule_id, ordinal, n, decode_finding(finding)))
    voucher = entry.get("voucher")
    if voucher is not None and not isinstance(voucher, dict):
        raise ValueError(path)
    return FileEntry(key, decoded, {decode_span(s) for s in masks}, voucher)


def _encode_run(entry: RunEntry) -> dict[str, Any]:
    return {"key": entry.key, "stamps": dict(sorted(entry.stamps.items())), "report": entry.report}


def _decode_run(data: Any) -> RunEntry:
    entry = _mapping(data)
    key, stamps, report = entry["key"], _mapping(entry["stamps"]), _mapping(entry["report"])
    if not isinstance(key, str):
        raise ValueError("run")
    decoded: dict[str, Stamp | None] = {}
    for path, value in stamps.items():
        if value is not None and not (isinstance(value, list) and len(value) == 4
                                      and all(type(n) is int for n in value)):
            raise ValueError("run")
        decoded[path] = None if value is None else (value[0], value[1], value[2], value[3])
    return RunEntry(key, decoded, dict(report))
