"""Which files name a given file: the reverse-reference search, with a cache.

A pre-commit run lints a few files, but must resolve them in context: the
endpoint whose ``template-source`` is the changed ``.sql``, the endpoints
that include a changed fragment. Finding those means searching every YAML
file of the project for the changed file's name, which on a project of
thousands of endpoints costs more than the lint itself.

The search is by name token: a file *names* ``things.sql`` when
``things.sql`` appears in it as a whole run of name characters
(``[\\w.-]``). So each file is reduced once to its set of name tokens that
end in a suffix mcplint lints (``.yaml``, ``.sql``, ``.json``, ...: what a
changed file can be called; other names are searched in the text), plus the
named "sniffs" that match it, such as "may be a main config", and the sets
are kept in ``.mcplint_cache/mentions-v2.json`` under the scan
root, keyed by each file's ``(size, mtime_ns, ctime_ns, inode)``. A file
whose key changed is read again; ``ctime`` changes on every write and cannot
be set back by a tool, so an edited file is never answered from a stale
entry. Timestamps are coarse (a few milliseconds), so a file changed in the
same tick as it was read could keep its key: like git's "racily clean"
rule, a file whose ctime is less than :data:`RACY_NS` old is not cached.
The answer only narrows which files are parsed: each one found is still
parsed and kept only if its reference really resolves (see the model
builder).

The cache lives in the scanned tree, which an attacker may have written, so
it is plain JSON (never pickle), size-bounded and shape-checked, ignored when
anything about it is odd (a symlink, the wrong shape), and written atomically
into a real folder (never through a symlink). The folder gets a
``.gitignore`` so it is not committed. Nothing in it can change a finding:
forged entries would have to match the inode and ctime of the victim's own
checkout.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from mcplint import __version__
from mcplint.discovery import LINTED_SUFFIXES, FileAccess
from mcplint.source import stamp_of

CACHE_DIR = ".mcplint_cache"
CACHE_FILE = "mentions-v2.json"
_CACHE_VERSION = 2  # 2: only tokens that end in a linted suffix
# A 10,000-file project's index is about 0.7 MB; parsing JSON takes about ten times its size in memory,
# so a bigger (forged) file is ignored rather than read.
_MAX_CACHE_BYTES = 16 * 1024 * 1024
RACY_NS = 2_000_000_000  # files changed less than this long ago are read, never cached
_NAME_CHAR = re.compile(r"[\w.-]")
_NAME_ONLY = re.compile(r"[\w.-]+\Z")
# A linted suffix at the end of a run of name characters: where every indexed token ends.
_INDEXED_END = re.compile(
    r"\.(?:" + "|".join(re.escape(suffix[1:]) for suffix in LINTED_SUFFIXES) + r")(?![\w.-])", re.IGNORECASE
)
_LONGEST_NAME = 255  # no file system allows a longer file name

_Key = tuple[int, int, int, int]


def name_tokens(text: str) -> frozenset[str]:
    """Every maximal run of name characters that ends in a linted suffix (``things_1.sql``, ``shared.yaml``).

    Found from the suffixes (a few per file) and followed back to where the run
    starts, which costs a quarter of listing every word of the file. A run is
    followed back at most :data:`_LONGEST_NAME` characters: a longer one yields
    its tail, which no real file name can equal except one of exactly that
    length, and such a false hit only has a file parsed and verified for nothing.
    """
    found = set()
    for match in _INDEXED_END.finditer(text):
        start, end = match.start(), match.end()
        limit = max(0, end - _LONGEST_NAME)
        while start > limit and _NAME_CHAR.match(text, start - 1):
            start -= 1
        found.add(text[start:end])
    return frozenset(found)


def indexable(name: str) -> bool:
    """Whether the index answers for ``name`` (else its mentions are searched in the text)."""
    if len(name) > _LONGEST_NAME or not _NAME_ONLY.match(name):
        return False
    end = _INDEXED_END.search(name)
    return end is not None and end.end() == len(name)


def mention_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A regex that finds any of ``names`` as a whole name token (the uncached search)."""
    ordered = sorted(set(names))
    if not ordered:
        return None
    return re.compile("|".join(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])" for n in ordered))


def _marker(sniff: str) -> str:
    """How a matched sniff is recorded among a file's name tokens (no name token contains a space)."""
    return f"sniff {sniff}"


class MentionIndex:
    """Answers "which of these files name one of these file names?" for one run.

    ``sniffs`` are named regexes whose match is recorded per file as well
    (e.g. whether a YAML file may be a flAPI main config), answered by
    :meth:`sniffed` from the same cache.
    """

    def __init__(
        self, access: FileAccess, use_cache: bool = True, sniffs: Mapping[str, re.Pattern[str]] | None = None
    ) -> None:
        self._access = access
        self._folder = Path(access.root, CACHE_DIR)
        self._use_cache = use_cache
        self._sniffs = dict(sorted((sniffs or {}).items()))
        # Entries are only valid for the same mcplint and the same sniffs.
        self._signature = [__version__, *(f"{name}={rx.pattern}/{rx.flags}" for name, rx in self._sniffs.items())]
        self._entries: dict[str, tuple[_Key, frozenset[str]]] | None = None
        self._dirty = False
        # Files changed after this (or during the run) are not cached (see RACY_NS).
        self._racy_after = time.time_ns() - RACY_NS

    def sniffed(self, path: Path, sniff: str) -> bool:
        """Whether the sniff named ``sniff`` matches the file's text (False if it cannot be read)."""
        summary = self._tokens(path)
        return summary is not None and _marker(sniff) in summary

    def files_naming(self, candidates: Iterable[Path], names: Iterable[str]) -> list[Path]:
        """The candidates whose text names at least one of ``names``, in the given order."""
        wanted = set(names)
        if not wanted:
            return []
        if not self._use_cache:
            # Nothing to keep tokens for: one search per file costs a fifth of tokenising it.
            pattern = mention_pattern(wanted)
            assert pattern is not None
            return [p for p in candidates if (text := self._access.peek(p)) is not None and pattern.search(text)]
        tokenable = {n for n in wanted if indexable(n)}
        others = mention_pattern(wanted - tokenable)
        out: list[Path] = []
        for path in candidates:
            tokens = self._tokens(path) if tokenable else frozenset()
            if tokens is None:
                continue  # unreadable: the parse would not find a reference either
            if tokenable & tokens:
                out.append(path)
            elif others is not None:
                text = self._access.peek(path)
                if text is not None and others.search(text):
                    out.append(path)
        return out

    def save(self) -> None:
        """Write the cache back if this run added to it (errors are ignored: it is only a cache)."""
        if not (self._use_cache and self._dirty and self._entries is not None):
            return
        try:
            if not prepare_cache_folder(self._folder):
                return
            data = {
                "version": _CACHE_VERSION,
                "signature": self._signature,
                "files": {rel: [*key, sorted(tokens)] for rel, (key, tokens) in sorted(self._entries.items())},
            }
            handle, temporary = tempfile.mkstemp(dir=self._folder, prefix=".mentions-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(data, out, separators=(",", ":"))
                os.replace(temporary, self._folder / CACHE_FILE)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass

    # ------------------------------------------------------------------ internals

    def _tokens(self, path: Path) -> frozenset[str] | None:
        rel = self._access.rel(path)
        entries = self._load()
        cached = entries.get(rel)
        if cached is not None:
            info = self._access.stat_inside_root(path)
            if info is None:
                return None
            if cached[0] == stamp_of(info):
                return cached[1]
        found = self._access.peek_with_status(path)  # the key comes from the file that was read
        if found is None:
            return None
        text, info = found
        tokens = name_tokens(text) | {_marker(name) for name, rx in self._sniffs.items() if rx.search(text)}
        if self._use_cache and info.st_ctime_ns < self._racy_after:
            entries[rel] = (stamp_of(info), tokens)
            self._dirty = True
        return tokens

    def _load(self) -> dict[str, tuple[_Key, frozenset[str]]]:
        if self._entries is None:
            self._entries = self._read() if self._use_cache else {}
        return self._entries

    def _read(self) -> dict[str, tuple[_Key, frozenset[str]]]:
        target = self._folder / CACHE_FILE
        try:
            if not real_folder(self._folder) or not stat.S_ISREG(os.lstat(target).st_mode):
                return {}
            if os.lstat(target).st_size > _MAX_CACHE_BYTES:
                return {}
            with open(target, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return {}
        valid = isinstance(data, dict) and data.get("version") == _CACHE_VERSION
        valid = valid and data.get("signature") == self._signature
        files = data.get("files") if valid else None
        if not isinstance(files, dict):
            return {}
        entries: dict[str, tuple[_Key, frozenset[str]]] = {}
        for rel, entry in files.items():
            if (
                isinstance(rel, str)
                and isinstance(entry, list)
                and len(entry) == 5
                and all(type(n) is int for n in entry[:4])
                and isinstance(entry[4], list)
                and all(isinstance(t, str) for t in entry[4])
            ):
                entries[rel] = ((entry[0], entry[1], entry[2], entry[3]), frozenset(entry[4]))
        return entries


def real_folder(folder: Path) -> bool:
    """The cache folder exists and is a real folder (not a symlink)."""
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode)
    except OSError:
        return False


def prepare_cache_folder(folder: Path) -> bool:
    """Create the cache folder (with a ``.gitignore``) unless something else has its name; raises OSError."""
    if not real_folder(folder):
        if os.path.lexists(folder):
            return False  # a symlink or a file with that name: leave it alone
        os.mkdir(folder, 0o700)  # mcplint's own: the result cache trusts only a folder nobody else writes
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):
        with open(ignore, "x", encoding="utf-8") as out:
            out.write("# Written by mcplint: a cache, safe to delete.\n*\n")
    return True
