"""SQL templates parsed by the build helper while this process builds the model.

On a large tree the checks parse every SQL template with sqlglot (a third of
their work), and they run only after the model is built. The YAML helper
(``loaders/yaml_prefetch.py``) finishes its share of the YAML long before
the build does, so it goes on with the templates: for each ``.sql`` file it
renders the one text every analysis parses first (every section shown, a
sentinel for each value; :func:`~mcplint.model.template_analysis.all_sections_text`),
parses it and appends the statements, pickled, to a temporary file. When the
checks start they stop the helper (:meth:`SqlPrefetch.settle`), and a
template's first parse becomes an unpickling, a third of the cost of parsing,
for every template the helper reached.

What keeps this safe and the report unchanged:

* The helper is a fork of the builder and reads and renders each template
  with the builder's own code; a parse is used only for the very text asked
  for (the file's root-relative path and the whole rendered text are the
  key), so a template changed in between is parsed again.
* Only successful parses travel; a template that does not parse is parsed
  again where it is checked, and reports its error there.
* The file is an anonymous temporary file of this run, written only by our
  own helper; nothing in it comes from the scanned tree as code. A record cut
  short (the helper stopped or died while writing) is ignored, and a helper
  that fails only means the checks parse everything, as without it.
* The helper stops between templates as soon as the checks begin, so it
  never competes with the check workers; one stuck in a very long parse is
  killed after :data:`MAX_WAIT` seconds.
"""

from __future__ import annotations

import marshal
import mmap
import os
import pickle
import select
import signal
import struct
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import Expression

MAX_WAIT = 0.5  # seconds the checks wait for the helper to finish the template it is parsing
_HEADER = struct.Struct("<II")  # length of the key, length of the pickled statements
# Parses one template as the checks would first parse it: (root-relative path, the rendered text,
# its statements), or None when the file cannot be read or the text does not parse.
ParseOf = Callable[[Path], "tuple[str, str, list[Expression]] | None"]


class SqlPrefetch:
    """The helper's parses of ``paths``; made in the builder before the helper forks.

    The YAML helper calls :meth:`in_helper` (in the fork, after its own
    work), :meth:`in_parent` (here, right after forking) and :meth:`adopt`
    (here, once it has handed its YAML over and the process is this
    object's to stop and reap).
    """

    def __init__(self, paths: Sequence[Path], parse_of: ParseOf) -> None:
        self._paths = list(paths)
        self._parse_of = parse_of
        self._pid = 0
        self._index: dict[tuple[str, str], tuple[int, int]] | None = None
        self._data: bytes | mmap.mmap = b""
        self._results: IO[bytes] | None = None
        self._stop_read = self._stop_write = -1
        try:
            self._results = tempfile.TemporaryFile()
            self._stop_read, self._stop_write = os.pipe()
        except OSError:  # no room or no descriptors: no prefetch
            self.close()

    @property
    def usable(self) -> bool:
        """Whether a helper can work for this object (its file and pipe exist)."""
        return self._results is not None and self._stop_write >= 0

    # ------------------------------------------------------------ the helper side

    def in_helper(self) -> None:
        """Parse the templates until they are done or the checks ask to stop (in the fork)."""
        if not self.usable:
            return
        assert self._results is not None
        os.close(self._stop_write)
        descriptor = self._results.fileno()
        # The last files first: the workers take the first files in long runs and the last in short
        # ones (engine/checks.py), so the cheaper checks of prefetched templates land where they
        # even out the workers' load at the end, whatever share of the templates the helper reached.
        for path in reversed(self._paths):
            if select.select([self._stop_read], [], [], 0)[0]:  # the write end closed: stop now
                return
            try:
                parsed = self._parse_of(path)
                if parsed is None:
                    continue
                rel, text, statements = parsed
                key = marshal.dumps((rel, text))
                payload = pickle.dumps(statements, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - e.g. a tree too deep to pickle: that template is parsed where checked
                continue
            _write_all(descriptor, _HEADER.pack(len(key), len(payload)) + key + payload)

    # ------------------------------------------------------------ this process

    def in_parent(self) -> None:
        """Right after the fork: the read end of the stop pipe is the helper's."""
        if self._stop_read >= 0:
            os.close(self._stop_read)
            self._stop_read = -1

    def adopt(self, pid: int) -> None:
        """The helper process is now this object's to stop and reap."""
        self._pid = pid

    def settle(self) -> None:
        """Stop the helper (once) and index what it wrote; later calls do nothing."""
        if self._index is not None:
            return
        self._index = {}
        if self._stop_write >= 0:
            os.close(self._stop_write)  # the helper sees the pipe closed before its next template
            self._stop_write = -1
        if self._pid:
            _stop(self._pid)
            self._pid = 0
        if self._results is not None:
            try:  # mapped, not read: the workers forked later share these pages instead of copying them
                self._data = mmap.mmap(self._results.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # ValueError: an empty file (the helper parsed nothing)
                self._data = b""
            self._results.close()
            self._results = None
        self._index = _records(self._data)

    def statements(self, rel: str, text: str) -> list[Expression] | None:
        """The helper's parse of exactly ``text`` (the template ``rel``), or None: parse it here."""
        self.settle()
        assert self._index is not None
        found = self._index.get((rel, text))
        if found is None:
            return None
        start, length = found
        try:
            loaded = pickle.loads(self._data[start : start + length])  # written by our own helper (see above)
        except Exception:  # noqa: BLE001 - any damage only means parsing it here
            return None
        return loaded if isinstance(loaded, list) else None

    def close(self) -> None:
        """Stop a helper nobody settled (the build failed) and free the file and the pipe."""
        if self._pid:
            _stop(self._pid, wait=0.0)
            self._pid = 0
        for descriptor in (self._stop_read, self._stop_write):
            if descriptor >= 0:
                os.close(descriptor)
        self._stop_read = self._stop_write = -1
        if self._results is not None:
            self._results.close()
            self._results = None


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _stop(pid: int, wait: float = MAX_WAIT) -> None:
    """Reap ``pid``, which has been asked to stop; kill it if it takes longer than ``wait`` seconds."""
    deadline = time.monotonic() + wait
    try:
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.0005)
    except OSError:  # already reaped, or not ours any more
        return


def _records(data: bytes | mmap.mmap) -> dict[tuple[str, str], tuple[int, int]]:
    """(path, text) -> (offset, length) of each complete record; a record cut short ends the list."""
    index: dict[tuple[str, str], tuple[int, int]] = {}
    offset = 0
    while offset + _HEADER.size <= len(data):
        key_length, payload_length = _HEADER.unpack_from(data, offset)
        key_start = offset + _HEADER.size
        payload_start = key_start + key_length
        end = payload_start + payload_length
        if end > len(data):
            break
        try:
            key = marshal.loads(data[key_start:payload_start])  # written by our own helper (see above)
        except (EOFError, ValueError, TypeError):
            break
        if isinstance(key, tuple) and len(key) == 2 and all(isinstance(part, str) for part in key):
            index[key] = (payload_start, payload_length)
        offset = end
    return index
