"""Regular expressions compiled on first use.

Why: mcplint defines a few hundred patterns at module level (secret shapes,
tool-description phrases, client-config checks). Compiling them all at import
took about a fifth of a one-file run (pre-commit), although a given file needs
only a few of them. A :class:`LazyPattern` keeps the source and compiles it the
first time it is used; it answers exactly as the compiled pattern would, since
every call is handed to that pattern.

Use it for module-level patterns: ``_WORD = lazy_compile(r"\\w+")`` instead of
``re.compile``. It offers the methods of :class:`re.Pattern` that mcplint
calls; code that needs a real ``re.Pattern`` (``re.sub(pattern, …)``) takes
``.compiled``.

What a compilation produces is also kept between runs. :func:`re.compile`
does its work in Python (parsing the pattern, generating the matcher's code):
the patterns a one-file run meets took about 25 ms, a tenth of the run, on
every run. The code depends only on the pattern, its flags and the
interpreter, so it is stored in a table beside this module's bytecode
(``__pycache__/lazy_re.<cache tag>.regex``), under the same rules as a
``.pyc`` file (not written under ``PYTHONDONTWRITEBYTECODE`` or ``-B``, nor
where the folder cannot be written), and a later run hands the stored code to
the regex engine (``_sre.compile``, which checks it) instead of compiling
again. An entry is stored only after the pattern built from it compared equal
to the one :func:`re.compile` made (a compiled pattern compares its flags and
code); a table written by another interpreter build, or not readable as one,
is ignored. It is trusted as the ``.pyc`` files beside it are (whoever can
write there can change mcplint's code), and it is plain JSON. The table holds
mcplint's own patterns (every source is in its code) and is bounded all the
same. :func:`save` writes it: the command line calls it before it exits.
"""

from __future__ import annotations

import os
import re
import sys
from array import array
from collections.abc import Callable, Iterator
from typing import Any

try:  # the regex compiler's parts (CPython 3.11+); elsewhere patterns are compiled as usual, every run
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    if _sre.CODESIZE != array("I").itemsize:
        raise ImportError("the regex engine's code units are not C unsigned ints")
except ImportError:  # pragma: no cover - other interpreters
    _sre = None


class LazyPattern:
    """A pattern whose :func:`re.compile` is deferred to its first search."""

    __slots__ = ("pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags  # not exposed: re adds re.UNICODE to a compiled str pattern's flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if this is the first use)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _compile(self.pattern, self._flags)
        return compiled

    @property
    def groupindex(self) -> Any:
        return self.compiled.groupindex

    @property
    def groups(self) -> int:
        return self.compiled.groups

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(string, maxsplit)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def subn(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> tuple[str, int]:
        return self.compiled.subn(repl, string, count)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags!r})"


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, done when the pattern is first used."""
    return LazyPattern(pattern, flags)


# ---------------------------------------------------------------- the table of compiled code

_MAX_ENTRIES = 4096  # mcplint has about 500 patterns
_MAX_TABLE_BYTES = 8 * 1024 * 1024
# _sre.compile's arguments after the pattern: flags, code (as bytes: quick to load, made a list only when
# used), groups, groupindex, indexgroup.
_Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
_table: dict[tuple[str | bytes, int], _Entry] | None = None
_added: dict[tuple[str | bytes, int], _Entry] = {}


def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the stored code when the table has it."""
    key = (pattern, int(flags))
    table = _table if _table is not None else _load()
    entry = table.get(key)
    if entry is not None:
        try:
            return _build(pattern, entry)
        except Exception:  # noqa: BLE001 - a damaged entry: compile as usual
            pass
    compiled = re.compile(pattern, flags)
    if _sre is not None and len(table) + len(_added) < _MAX_ENTRIES:
        try:
            entry = _code_of(pattern, key[1])
            if _build(pattern, entry) == compiled:
                _added[key] = entry
        except Exception:  # noqa: BLE001 - the compiler's internals differ: nothing is stored
            pass
    return compiled


def _build(pattern: str, entry: _Entry) -> re.Pattern[str]:
    final_flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(  # type: ignore[no-any-return]
        pattern, final_flags, array("I", code).tolist(), groups, groupindex, indexgroup
    )


def _code_of(pattern: str | bytes, flags: int) -> _Entry:
    """What :func:`re._compiler.compile` hands ``_sre.compile`` for ``pattern``."""
    parsed = _parser.parse(pattern, flags)
    code = array("I", _compiler._code(parsed, flags)).tobytes()
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def _table_path() -> str | None:
    """Where the table lives: beside this module's ``.pyc`` (None where Python keeps no bytecode cache)."""
    import importlib.util

    try:
        cached = importlib.util.cache_from_source(__file__, optimization="")
    except (NotImplementedError, ValueError, TypeError):
        return None
    return cached[: -len(".pyc")] + ".regex" if cached.endswith(".pyc") else None


def _signature() -> tuple[object, ...]:
    """The interpreter build the stored code is valid for (JSON values: compared with the table's)."""
    return (sys.version, sys.implementation.cache_tag, _sre.MAGIC, _sre.CODESIZE, array("I").itemsize, sys.byteorder)


def _load() -> dict[tuple[str | bytes, int], _Entry]:
    global _table
    _table = {}
    path = _table_path() if _sre is not None else None
    if path is None:
        return _table
    try:
        import json

        with open(path, "rb") as handle:
            data = handle.read(_MAX_TABLE_BYTES + 1)
        if len(data) <= _MAX_TABLE_BYTES:
            stored = json.loads(data)
            if stored["signature"] == list(_signature()):
                _table = {
                    (source.encode("latin-1") if is_bytes else source, flags): (
                        final_flags, bytes.fromhex(code), groups, groupindex, tuple(indexgroup)
                    )
                    for source, is_bytes, flags, final_flags, code, groups, groupindex, indexgroup in stored["entries"]
                }
    except Exception:  # noqa: BLE001 - no table, or not one this interpreter wrote: compile as usual
        _table = {}
    return _table


def save() -> None:
    """Write the table with the code compiled in this run, if any (like a ``.pyc``: never under ``-B``)."""
    if not _added or sys.dont_write_bytecode:
        return
    path = _table_path()
    if path is None:
        return
    import json
    import tempfile

    table = dict(_table if _table is not None else _load())
    table.update(_added)
    entries = [
        [
            source.decode("latin-1") if isinstance(source, bytes) else source,
            isinstance(source, bytes),
            flags,
            final_flags,
            code.hex(),
            groups,
            groupindex,
            list(indexgroup),
        ]
        for (source, flags), (final_flags, code, groups, groupindex, indexgroup) in table.items()
    ]
    try:
        data = json.dumps({"signature": list(_signature()), "entries": entries}, separators=(",", ":")).encode()
        if len(data) > _MAX_TABLE_BYTES:
            return
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".lazy_re-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, os.stat(__file__).st_mode & 0o666)  # readable by whoever reads the .py, as a .pyc
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        return  # a read-only install, a full disk: the next run compiles again
    _added.clear()
