"""Parsing the YAML files of a large tree in a forked helper, while this process reads others.

The model is built in one process, and on a tree of thousands of endpoints
composing the YAML (libyaml, then mcplint's positioned nodes) is the largest
part of that. A helper process forked before the reading starts takes the
*later* YAML files, parses them exactly as the builder would, and writes
each tree as plain nested tuples; this process parses the earlier files
itself and, when it reaches the helper's share, only rebuilds the nodes from
the tuples, which costs a quarter of parsing them.

What keeps this safe and the report unchanged:

* The helper runs the builder's own reading code (it is a fork of this
  process); a tree is used only if the text this process parsed for that
  file is the very text the helper parsed (same length and hash), so a file
  changed in between is simply parsed again here.
* Only plain cases travel: a file whose parse reported a problem, whose text
  has anchors and aliases (shared nodes), or that starts with a byte-order
  mark is left to this process, which then produces the diagnostics itself.
* The tuples are written with :mod:`marshal` (strings, numbers, tuples and
  lists only) into a temporary file of this run, read back once, and never
  come from the scanned tree. A helper that fails, dies or cannot be forked
  only means this process parses everything, as it would without it.

Once its trees are written the helper says so on a pipe; given a further
task (``then``: the SQL templates, ``model/sql_prefetch.py``), it goes on with
that while this process builds, and the task's owner stops and reaps it.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from mcplint.loaders.yaml_loader import TextWithSpans
from mcplint.tree import KeyPath, MappingNode, Node, ScalarNode, SequenceNode

# Below this many YAML files the fork and the hand-over cost more than they save.
MIN_FILES = 400
# The helper's share of the YAML files (the later ones). It parses and flattens each (about 0.29 ms
# an endpoint file), while this process parses its own (0.21 ms) and then reads, pre-processes and
# rebuilds the helper's (0.12 ms): 0.4 lets both reach the hand-over together.
HELPER_SHARE = 0.4

MAX_DEPTH = 100  # collections nested deeper are parsed here
_SCALAR, _SEQUENCE, _MAPPING = 0, 1, 2
_VALUE_TYPES = (str, int, float, bool, type(None))  # what a YAML scalar's value can be, all marshal-able
# What the helper hands over per file: (length of the text, hash of the text, the tree as tuples).
_Flat = tuple[Any, ...]
# Parses one file as the builder does: (root-relative path, the text parsed, its tree), or None
# when the file had a problem (the builder then parses it itself, to report the problem).
TreeOf = Callable[[Path], "tuple[str, str, Node | None] | None"]


class HelperTask(Protocol):
    """More work for the helper once its YAML is handed over (see ``model/sql_prefetch.py``)."""

    @property
    def usable(self) -> bool:
        """Whether the task can run (its files and pipes exist)."""

    def in_helper(self) -> None:
        """Run in the helper after its trees are written; returns when done or told to stop."""

    def in_parent(self) -> None:
        """Run here right after the fork."""

    def adopt(self, pid: int) -> None:
        """The helper now belongs to the task: it stops and reaps it."""


def flatten(node: Node, depth: int = 0) -> _Flat | None:
    """The tree as nested tuples, or None if it holds something only the parser can reproduce.

    Deep trees stay with the parser too (``marshal`` refuses deep nesting, and
    real configuration files are shallow).
    """
    span = node._span  # noqa: SLF001 - the deferred offsets are what travels
    if type(span) is not tuple or depth > MAX_DEPTH:
        return None
    if isinstance(node, ScalarNode):
        if type(node.value) not in _VALUE_TYPES:
            return None
        return (_SCALAR, span[1], span[2], node.text, node.value, node.style, node.env_refs)
    if isinstance(node, SequenceNode):
        items = [flatten(item, depth + 1) for item in node.items]
        return None if any(item is None for item in items) else (_SEQUENCE, span[1], span[2], items)
    if isinstance(node, MappingNode):
        pairs = []
        for key, value in node.pairs:
            flat_key, flat_value = flatten(key, depth + 1), flatten(value, depth + 1)
            if flat_key is None or flat_value is None:
                return None
            pairs.append((flat_key, flat_value))
        return (_MAPPING, span[1], span[2], pairs)
    return None


def rebuild(flat: _Flat, source: TextWithSpans, path: KeyPath = ()) -> Node:
    """The nodes :func:`flatten` described, with spans deferred on ``source`` (as the YAML loader makes them)."""
    kind = flat[0]
    span = (source, flat[1], flat[2])
    if kind == _SCALAR:
        return ScalarNode(span, path, flat[3], flat[4], flat[5], flat[6])
    if kind == _SEQUENCE:
        return SequenceNode(span, path, [rebuild(item, source, path + (i,)) for i, item in enumerate(flat[3])])
    pairs: list[tuple[Node, Node]] = []
    for flat_key, flat_value in flat[3]:
        # The YAML loader names a child by its key's text, or "?" for a key that is not a scalar.
        child_path = path + (flat_key[3] if flat_key[0] == _SCALAR else "?",)
        pairs.append((rebuild(flat_key, source, child_path), rebuild(flat_value, source, child_path)))
    return MappingNode(span, path, pairs)


def _plain(text: str) -> bool:
    """Texts whose tree the tuples reproduce exactly (no shared nodes, no shifted offsets)."""
    return not ("*" in text and "&" in text) and not text.startswith("\ufeff")


class YamlPrefetch:
    """A helper that parses the later part of ``paths``; :meth:`take` hands its trees over."""

    def __init__(self, paths: Sequence[Path], tree_of: TreeOf, then: HelperTask | None = None) -> None:
        self._share = set(paths[len(paths) - int(len(paths) * HELPER_SHARE) :])
        self._results: IO[bytes] | None = None
        self._ready = -1  # read end of the pipe on which the helper says its trees are written
        self._pid = 0
        self._then = then if then is not None and then.usable else None
        self._trees: dict[str, _Flat] | None = None
        if len(paths) < MIN_FILES or not hasattr(os, "fork") or sys.platform == "win32":
            self._share = set()
            return
        try:
            self._results = tempfile.TemporaryFile()
            self._ready, ready_write = os.pipe()
        except OSError:  # no room or no descriptors: everything is parsed here
            self._close()
            return
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            self._pid = os.fork()
        except OSError:  # no process: everything is parsed here
            os.close(ready_write)
            self._close()
            return
        if self._pid == 0:
            os.close(self._ready)
            self._helper([p for p in paths if p in self._share], tree_of, ready_write)
        os.close(ready_write)
        if self._then is not None:
            self._then.in_parent()

    @property
    def forked(self) -> bool:
        """Whether a helper was started (a usable ``then`` task runs in it after the YAML)."""
        return self._pid != 0

    def covers(self, path: Path) -> bool:
        """Whether the helper was asked to parse ``path``."""
        return path in self._share

    def take(self, rel: str, source: TextWithSpans) -> Node | None:
        """The helper's tree of ``rel`` if it parsed exactly ``source.text``; None: parse it here."""
        trees = self._collect()
        found = trees.pop(rel, None)
        text = source.text
        if found is None or found[0] != len(text) or found[1] != hash(text) or not _plain(text):
            return None
        return rebuild(found[2], source)

    def _collect(self) -> dict[str, _Flat]:
        """Wait for the helper's trees once and read them (nothing, if it failed)."""
        if self._trees is not None:
            return self._trees
        self._trees = {}
        if self._pid:
            try:
                ok = os.read(self._ready, 1) == b"y"  # nothing: the helper ended without writing its trees
            except OSError:
                ok = False
            if ok and self._then is not None:
                self._then.adopt(self._pid)  # it goes on with the task, whose owner stops it
            else:
                try:
                    os.waitpid(self._pid, 0)
                except ChildProcessError:
                    pass
            self._pid = 0
            if ok and self._results is not None:
                try:
                    self._results.seek(0)
                    # Read whole, then decoded: marshal.load on a file reads object by object, ten times slower.
                    loaded = marshal.loads(self._results.read())  # written by our own helper a moment ago
                    if isinstance(loaded, dict):
                        self._trees = loaded
                except (EOFError, ValueError, TypeError, OSError):
                    pass
        self._close()
        return self._trees

    def close(self) -> None:
        """Stop a helper whose work is no longer wanted (the builder failed) and free its file."""
        if self._pid:
            try:
                os.kill(self._pid, 9)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = 0
        self._close()

    def _close(self) -> None:
        if self._results is not None:
            self._results.close()
            self._results = None
        if self._ready >= 0:
            os.close(self._ready)
            self._ready = -1

    def _helper(self, paths: list[Path], tree_of: TreeOf, ready: int) -> None:
        """In the fork: parse each file, keep the plain ones as tuples, write them, then
        say so and run the ``then`` task; never returns."""
        code = 1
        try:
            trees: dict[str, _Flat] = {}
            for path in paths:
                parsed = tree_of(path)
                if parsed is None:
                    continue
                rel, text, root = parsed
                flat = flatten(root) if root is not None and _plain(text) else None
                if flat is not None:
                    trees[rel] = (len(text), hash(text), flat)
            assert self._results is not None
            self._results.write(marshal.dumps(trees))
            self._results.flush()
            os.write(ready, b"y")
            os.close(ready)
            if self._then is not None:
                self._then.in_helper()
            code = 0
        except BaseException:  # noqa: BLE001 - the parent parses these files itself
            code = 1
        finally:
            os._exit(code)
