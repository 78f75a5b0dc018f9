"""Baselines: accept today's findings, report only new ones.

A large project adopting mcplint cannot fix everything at once. ``mcplint
--write-baseline FILE`` records the current findings; ``mcplint --baseline
FILE`` then reports only findings that are not in it, and counts the
recorded ones that are gone ("3 fixed since baseline").

A finding's identity in the baseline is what it is about, never where it
sits: the rule id, the file, the logical location (a YAML/JSON path such as
``auth.users[0].password`` or a template variable) and what distinguishes
two findings there. For a secret it is a hash of the value: an HMAC under
``MCPLINT_BASELINE_KEY`` when that per-repository secret is set, else scrypt
(memory-hard), so that a committed baseline does not make a weak password easy to
guess, and rotating the secret makes it new again. Where a rule gives no
logical location, a hash of the offending text stands in. No line numbers
and no timestamps: moving code or unrelated edits do not churn the file.

The file is JSON with one finding per line, sorted, so that two branches
that each add findings merge without conflicts. Identical identities are
kept as a count.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass
from functools import cache

from mcplint.engine.meta_rules import INTERNAL_ERROR
from mcplint.engine.runner import Report, Result
from mcplint.lazy_re import lazy_compile
from mcplint.source import SourceFile

BASELINE_KEY = "mcplint_baseline"
VERSION = 1
_PBKDF2_ROUNDS = 50_000  # legacy entries only
_SCRYPT_N = 2**14
BASELINE_KEY_ENV = "MCPLINT_BASELINE_KEY"
_WHITESPACE = lazy_compile(r"\s+")
_MAX_BYTES = 64 * 1024 * 1024
_FIELDS = ("rule", "path", "location", "identity", "value_hash", "text")
_TOP_KEYS = frozenset({BASELINE_KEY, "about", "findings"})
# The shapes of the fields mcplint writes (a rule id; the hashes below).
_SHAPES = {
    "rule": lazy_compile(r"[A-Z]{2,12}[0-9]{3}"),
    "value_hash": lazy_compile(r"(?:pbkdf2-sha256|scrypt|hmac-sha256):[0-9a-f]{24}"),
    "text": lazy_compile(r"[0-9a-f]{16}"),
}
_SHAPE_NAMES = {"rule": "a rule id", "value_hash": "a value hash", "text": "a text hash"}


class BaselineError(Exception):
    """A baseline file that cannot be used (reported in one line, exit 2)."""


@dataclass(frozen=True, order=True)
class Identity:
    rule: str
    path: str
    location: str = ""
    identity: str = ""
    value_hash: str = ""  # slow salted hash of the secret value, for findings on a secret
    text: str = ""  # hash of the offending text, when the rule gives no logical location

    def as_json(self, count: int) -> dict[str, object]:
        data: dict[str, object] = {f: getattr(self, f) for f in _FIELDS if getattr(self, f)}
        data["count"] = count
        return data


@dataclass(frozen=True)
class BaselineOutcome:
    """What comparing a run with a baseline found."""

    known: int  # findings in the baseline, not reported
    fixed: int  # baseline entries no longer found


def identity_of(result: Result, source: SourceFile | None) -> Identity:
    finding = result.finding
    span = finding.span
    excerpt = source.text[span.start_offset : span.end_offset] if source is not None else ""
    value_hash = _secret_hash(result.rule.id, span.path, excerpt) if finding.secret and excerpt else ""
    text = ""
    if not finding.logical_location and not value_hash:
        normalised = _WHITESPACE.sub(" ", excerpt).strip()[:200]
        text = hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]
    return Identity(result.rule.id, span.path, finding.logical_location, finding.identity, value_hash, text)


def _secret_hash(rule: str, path: str, value: str) -> str:
    """The baseline's identity of a secret value (decided in issue 24).

    A baseline is committed, so its hashes are public; a hash of a weak password can be guessed
    offline whatever the function (one with a public salt and 50,000 PBKDF2 rounds fell in 840
    guesses). Two defences: with ``MCPLINT_BASELINE_KEY`` set (a per-repository secret kept
    outside the baseline, e.g. a CI secret), the hash is an HMAC under that key and cannot be
    guessed without it; without it, scrypt (N=2^14, r=8: 16 MB and tens of milliseconds per
    guess, memory-hard so GPUs gain little) makes each guess costly. Older ``pbkdf2-sha256:``
    entries still match (:func:`apply_baseline`).
    """
    return _keyed_hash(rule, path, value, os.environ.get(BASELINE_KEY_ENV, ""))


@cache
def _keyed_hash(rule: str, path: str, value: str, key: str) -> str:
    salt = f"mcplint-baseline\0{rule}\0{path}".encode("utf-8", "surrogatepass")
    data = value.encode("utf-8", "surrogatepass")
    if key:
        return "hmac-sha256:" + hmac.new(key.encode("utf-8"), salt + b"\0" + data, "sha256").hexdigest()[:24]
    digest = hashlib.scrypt(data, salt=salt, n=_SCRYPT_N, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
    return "scrypt:" + digest.hex()[:24]


@cache
def _legacy_secret_hash(rule: str, path: str, value: str) -> str:
    """The hash baselines written before issue 24 recorded (public salt, PBKDF2)."""
    salt = f"mcplint-baseline\0{rule}\0{path}".encode("utf-8", "surrogatepass")
    digest = hashlib.pbkdf2_hmac("sha256", value.encode("utf-8", "surrogatepass"), salt, _PBKDF2_ROUNDS)
    return "pbkdf2-sha256:" + digest.hex()[:24]


def render_baseline(report: Report) -> str:
    """The baseline file for every finding of ``report``: sorted, one finding per line."""
    counts = Counter(
        identity_of(r, report.sources.get(r.span.path)) for r in report.results if r.rule.id != INTERNAL_ERROR.id
    )
    lines = [json.dumps(key.as_json(n), ensure_ascii=False, sort_keys=False) for key, n in sorted(counts.items())]
    body = ",\n    ".join(lines)
    findings = f"[\n    {body}\n  ]" if lines else "[]"
    return (
        "{\n"
        f'  "{BASELINE_KEY}": {VERSION},\n'
        '  "about": "Findings accepted when this file was written: `mcplint --baseline FILE` reports only others.",\n'
        f'  "findings": {findings}\n'
        "}\n"
    )


def read_baseline_text(path: str | os.PathLike[str]) -> str:
    """The text of the file given to ``--baseline``, checked before anything is read.

    ``stat`` first (following a symlink): only a regular file of at most 64 MB is opened, so a
    link to ``/dev/zero``, a FIFO or a huge file is refused instead of read (it used to be read
    whole, then measured). Raises FileNotFoundError, OSError, UnicodeDecodeError or BaselineError.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise BaselineError(f"{os.fspath(path)}: not a regular file (a device, FIFO or folder); refused as a baseline")
    if info.st_size > _MAX_BYTES:
        raise BaselineError(f"{os.fspath(path)}: too large for a baseline")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(_MAX_BYTES + 1)  # the file may have grown since the stat
    if len(data) > _MAX_BYTES:
        raise BaselineError(f"{os.fspath(path)}: too large for a baseline")
    return data.decode("utf-8")


def parse_baseline(text: str, shown: str) -> Counter[Identity]:
    """Read a baseline file's text; raises :class:`BaselineError` with what is wrong.

    This is *the* baseline format, exactly: the top-level keys ``mcplint_baseline`` (the
    version), ``findings`` and optionally ``about`` (a string), nothing else; each finding
    only the fields :func:`render_baseline` writes, rule ids and hashes in their shapes.
    A file in the scanned tree counts as a baseline (and is not linted as config) only
    when this accepts it (:func:`is_baseline_file`).
    """
    if len(text) > _MAX_BYTES:
        raise BaselineError(f"{shown}: too large for a baseline")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{shown}: not a JSON baseline ({exc})") from None
    if not isinstance(data, dict) or BASELINE_KEY not in data:
        raise BaselineError(
            f"{shown}: not an mcplint baseline (no `{BASELINE_KEY}` key); write one with --write-baseline"
        )
    if type(data[BASELINE_KEY]) is not int or data[BASELINE_KEY] != VERSION:
        raise BaselineError(f"{shown}: baseline version {data[BASELINE_KEY]!r} is not supported (expected {VERSION})")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise BaselineError(f"{shown}: not an mcplint baseline (unexpected key `{unknown[0]}`)")
    if not isinstance(data.get("about", ""), str):
        raise BaselineError(f"{shown}: `about` must be a string")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{shown}: `findings` must be a list")
    counts: Counter[Identity] = Counter()
    for index, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("rule"), str)
            or not isinstance(entry.get("path"), str)
            or not all(isinstance(entry.get(f, ""), str) for f in _FIELDS)
            or set(entry) - {*_FIELDS, "count"}
        ):
            raise BaselineError(f"{shown}: finding {index + 1} is malformed")
        count = entry.get("count", 1)
        if type(count) is not int or count < 1:
            raise BaselineError(f"{shown}: finding {index + 1} has an invalid count")
        problem = _field_problem(entry)
        if problem:
            raise BaselineError(f"{shown}: finding {index + 1} is malformed ({problem})")
        counts[Identity(**{f: entry.get(f, "") for f in _FIELDS})] += count
    return counts


def _field_problem(entry: dict[str, object]) -> str:
    """What is wrong with the shape of one finding's fields, or ``""``."""
    for name, shape in _SHAPES.items():
        value = entry.get(name, "")
        if value and not shape.fullmatch(str(value)):
            return f"`{name}` is not {_SHAPE_NAMES[name]}"
    return ""


def is_baseline_file(text: str) -> bool:
    """Whether a scanned file is an mcplint baseline, and so holds no configuration to check.

    Only the exact format counts (:func:`parse_baseline`): a file that merely has the keys
    ``mcplint_baseline`` and ``findings`` next to an ``mcpServers`` block is linted as what it
    is. A string with a provider token's shape (a baseline records hashes, never values) also
    makes the file ordinary JSON, so that the secret scan reports the token.
    """
    try:
        parse_baseline(text, "")
    except BaselineError:
        return False
    from mcplint.model.secret_patterns import token_matches

    return not token_matches(text)


def apply_baseline(report: Report, baseline: Counter[Identity]) -> tuple[Report, BaselineOutcome]:
    """The report without the findings the baseline accepts, and the counts for the summary."""
    remaining = Counter(baseline)
    legacy = any(k.value_hash.startswith("pbkdf2-sha256:") for k in baseline)
    kept: list[Result] = []
    known = 0
    for result in report.results:
        if result.rule.id == INTERNAL_ERROR.id:  # a bug in mcplint is never an accepted finding
            kept.append(result)
            continue
        source = report.sources.get(result.span.path)
        key = identity_of(result, source)
        if legacy and key.value_hash and remaining[key] <= 0 and source is not None:
            span = result.finding.span
            old = _legacy_secret_hash(result.rule.id, span.path, source.text[span.start_offset : span.end_offset])
            key = dataclasses.replace(key, value_hash=old)
        if remaining[key] > 0:
            remaining[key] -= 1
            known += 1
        else:
            kept.append(result)
    outcome = BaselineOutcome(known=known, fixed=sum(remaining.values()))
    return dataclasses.replace(report, results=kept, baseline=outcome), outcome
