"""Reading files safely and keeping their text with a line index.

A repository under review may be hostile: files can be huge, binary, in odd
encodings or unreadable. :func:`read_source` turns each of those into a
diagnostic instead of an exception, and never reads more than the size bound.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from mcplint.diagnostics import Diagnostic, DiagnosticKind, file_span
from mcplint.packed_text import pack, unpack
from mcplint.span import LineIndex, Span

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
_BINARY_SNIFF = 8192

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_FIRST_BYTES = frozenset(bom[:1] for bom, _ in _BOMS)  # most files start with none of them
_MODES: dict[int, int] = {}  # st_mode values, shared: each read made a new int object
# What SourceFile.contains answers for a packed file without unpacking it: the mark of a suppression comment.
NOTED_NEEDLES = ("mcplint:",)
_ROOTED, _NOTED = 1, 2  # SourceFile._flags


class SourceFile:
    """The decoded text of one file, addressed by its path relative to the root.

    Small, because a large tree keeps one per file for the whole run: slotted,
    with the text packable (:meth:`pack`), and the absolute path kept as the
    scan root's prefix (one string, shared) when it is that prefix and ``path``
    (``root_prefix``). A ``Path``, a second copy of the file's name and a text of
    a few hundred bytes were most of what each endpoint file still cost after
    it was checked (see ``engine/streaming.py``)."""

    __slots__ = ("path", "_abs_name", "_text", "hash_text_override", "mode", "stamp", "_lines", "_flags")

    def __init__(
        self,
        path: str,
        abs_path: Path | str,
        text: str,
        hash_text_override: str | None = None,
        mode: int | None = None,
        stamp: tuple[int, int, int, int] | None = None,
        root_prefix: str | None = None,
    ) -> None:
        self.path = path
        name = os.fspath(abs_path)
        rooted = (
            root_prefix is not None
            and len(name) == len(root_prefix) + len(path)
            and name.startswith(root_prefix)
            and name.endswith(path)
        )
        self._abs_name = root_prefix if rooted else name
        # Bits: _ROOTED (the absolute name is _abs_name + path), then, once packed, which of
        # NOTED_NEEDLES the text holds.
        self._flags = _ROOTED if rooted else 0
        self._text: str | bytes = text
        # The text as GitHub's fingerprinting reads it (UTF-8 with replacement,
        # BOM kept) when that differs from ``text``; None when identical.
        self.hash_text_override = hash_text_override
        # st_mode at read time (permission checks); None when not from disk. One object per distinct mode.
        self.mode = mode if mode is None else _MODES.setdefault(mode, mode)
        # (size, mtime_ns, ctime_ns, inode) of what was read: the result cache's key for this file's
        # content (result_cache.py); None when not read from disk.
        self.stamp = stamp
        self._lines: LineIndex | None = None

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.abs_name!r})"

    @property
    def abs_path(self) -> Path:
        return Path(self.abs_name)

    @property
    def abs_name(self) -> str:
        """The absolute path as a string (what ``os.path`` functions take, without making a ``Path``)."""
        return self._abs_name + self.path if self._flags & _ROOTED else self._abs_name

    @property
    def text(self) -> str:
        text = self._text
        if text.__class__ is bytes:  # packed: unpacked once, for the few files read again late
            text = self._text = unpack(text)  # type: ignore[arg-type]
        return text  # type: ignore[return-value]

    def pack(self) -> None:
        """Keep the text compressed and drop the line table, until they are asked for again.

        A checked endpoint file is seldom read again (a late finding's excerpt or
        fingerprint, a suppression comment), but a large tree keeps every file:
        packed, its text takes about a third of the room (``packed_text``)."""
        self._lines = None
        text = self._text
        if text.__class__ is str:
            self._flags |= sum(_NOTED << i for i, needle in enumerate(NOTED_NEEDLES) if needle in text)  # type: ignore[operator]
            self._text = pack(text)  # type: ignore[arg-type]

    @property
    def packed(self) -> bool:
        """Whether the text is held compressed (:meth:`pack`)."""
        return self._text.__class__ is bytes

    def text_between(self, start: int, end: int) -> str:
        """``self.text[start:end]``; a packed text is unpacked for it but stays packed (a late finding's
        fingerprint reads a few characters of a file nothing else reads again)."""
        return self._text_unkept()[start:end]

    def _text_unkept(self) -> str:
        """The text, unpacked for this read only if it is packed (it stays packed)."""
        text = self._text
        return unpack(text) if text.__class__ is bytes else text  # type: ignore[arg-type,return-value]

    def contains(self, needle: str) -> bool:
        """``needle in self.text``, answered without unpacking the text for :data:`NOTED_NEEDLES`
        (every file's suppression comments are looked for once the checks are done)."""
        text = self._text
        if text.__class__ is bytes and needle in NOTED_NEEDLES:
            return bool(self._flags & _NOTED << NOTED_NEEDLES.index(needle))
        return needle in self.text

    @property
    def lines(self) -> LineIndex:
        """Built when a position is first asked for: most files of a large tree never report one."""
        lines = self._lines
        if lines is None:
            lines = self._lines = LineIndex(self.text)
        return lines

    @property
    def hash_text(self) -> str:
        """The text GitHub's fingerprints hash (read once per file with results: a packed text stays packed)."""
        return self._text_unkept() if self.hash_text_override is None else self.hash_text_override

    def span(self, start: int, end: int) -> Span:
        """Span of the code-point range ``[start, end)`` of this file's text."""
        end = max(start, end)
        sl, sc = self.lines.position(start)
        el, ec = self.lines.position(end)
        return Span(self.path, sl, sc, el, ec, start, end)

    def line_text(self, line: int) -> str:
        start = self.lines.line_start(line)
        return self.text[start : self.lines.line_end(line, self.text)]

    @property
    def suffix(self) -> str:
        """``Path.suffix``, lower case (without making a ``Path``)."""
        name = os.path.basename(self.abs_name)
        dot = name.rfind(".")
        return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def decode_bytes(data: bytes) -> tuple[str, str | None, int | None]:
    """Decode file bytes: returns (text, hash_text_override, first_bad_byte).

    A byte-order mark selects the encoding; otherwise UTF-8 is assumed and
    invalid sequences are replaced, reporting the first bad byte offset.
    """
    for bom, encoding in _BOMS if data[:1] in _BOM_FIRST_BYTES else ():
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text, bad = body.decode(encoding), None
            except UnicodeDecodeError as exc:
                text, bad = body.decode(encoding, errors="replace"), exc.start + len(bom)
            return text, data.decode("utf-8", errors="replace"), bad
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as exc:
        return data.decode("utf-8", errors="replace"), None, exc.start


def encoding_name(data: bytes) -> str:
    """The encoding :func:`decode_bytes` reads ``data`` in, as messages name it ("UTF-16-LE")."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding.upper()
    return "UTF-8"


def looks_binary(data: bytes) -> bool:
    """NUL bytes near the start mean binary, unless a UTF-16/32 BOM explains them."""
    head = data[:_BINARY_SNIFF]
    if b"\x00" not in head:
        return False
    return not any(head.startswith(bom) for bom, encoding in _BOMS if encoding != "utf-8")


def _not_readable(status: os.stat_result, max_size: int) -> str | None:
    """Why a file with this status is skipped, or None."""
    if stat.S_ISDIR(status.st_mode):
        return "file skipped: is a directory"
    if not stat.S_ISREG(status.st_mode):
        return "file skipped: not a regular file (a FIFO, socket or device)"
    if status.st_size > max_size:
        return (
            f"file skipped: {status.st_size} bytes is over the size bound of {max_size} bytes"
            " (set `max-file-size` to raise it)"
        )
    return None


def read_bounded(descriptor: int, size: int, limit: int) -> bytes:
    """An open file's bytes, at most ``limit`` + 1 of them (more than ``limit`` means: too big).

    ``size`` is what ``fstat`` said: the first read asks for exactly that (plus
    one byte to see growth), so a small file costs one allocation of its own
    size, not a buffer of ``limit``. Plain ``os.read`` calls: a buffered file
    object costs more than the read itself for the small files a project holds.
    """
    parts: list[bytes] = []
    total = 0
    want = size + 1
    while total <= limit:
        chunk = os.read(descriptor, min(want, limit + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        want = max(want - len(chunk), 1 << 16)  # grown since the stat: read on in blocks, still bounded
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Unreadable(Exception):
    """A file that is not opened or not read; the message says why (a skipped-file note)."""


def read_file_bytes(path: Path | str, max_size: int, stat_first: bool = True) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes (at most ``max_size`` + 1: more means it grew) and the status of what was opened.

    With ``stat_first`` the file is judged before it is opened, so an oversized
    or special file is never opened; without, the caller already knows it is a
    regular file (a walk found it). Raises :class:`Unreadable` or ``OSError``.
    """
    if stat_first:
        problem = _not_readable(os.stat(path), max_size)
        if problem is not None:
            raise Unreadable(problem)
    # O_NONBLOCK: opening a FIFO (or a device) swapped in since the stat must not wait for a
    # writer; fstat then tells what was really opened. O_BINARY: no newline translation.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(descriptor)
        problem = _not_readable(status, max_size)
        if problem is not None:
            raise Unreadable(problem)
        return read_bounded(descriptor, status.st_size, max_size), status
    finally:
        os.close(descriptor)


def stamp_of(info: os.stat_result) -> tuple[int, int, int, int]:
    """``(size, mtime_ns, ctime_ns, inode)``: what tells a file's content from an earlier one without reading
    it (ctime moves on every write and cannot be set back); the key of mcplint's caches."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def read_source(
    abs_path: Path | str,
    rel_path: str,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    keep_stamp: bool = True,
    root_prefix: str | None = None,
) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read and decode one file; on failure return None and a skipped-file note. Without ``keep_stamp``
    the source has no stamp (nothing will compare it with a later read); ``root_prefix``: the scan root
    and a separator, which the source keeps instead of its own absolute name when that is the prefix
    and ``rel_path``."""

    def skipped(reason: str) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(DiagnosticKind.SKIPPED_FILE, file_span(rel_path), reason)]

    try:
        data, status = read_file_bytes(abs_path, max_size)
    except Unreadable as exc:
        return skipped(str(exc))
    except PermissionError:
        return skipped("file skipped: permission denied")
    except IsADirectoryError:
        return skipped("file skipped: is a directory")
    except OSError as exc:
        return skipped(f"file skipped: cannot be read ({exc.strerror or type(exc).__name__})")
    if len(data) > max_size:  # grew while we looked
        return skipped(f"file skipped: over the size bound of {max_size} bytes")
    if looks_binary(data):
        return skipped("file skipped: binary content (NUL bytes)")
    text, hash_override, bad_byte = decode_bytes(data)
    clean = _neutralise_markers(text)
    if clean is not text and hash_override is None:
        hash_override = text
    stamp = stamp_of(status) if keep_stamp else None
    source = SourceFile(rel_path, abs_path, clean, hash_override, status.st_mode, stamp, root_prefix)
    diagnostics: list[Diagnostic] = []
    if bad_byte is not None:
        diagnostics.append(
            Diagnostic(
                DiagnosticKind.DECODE_WARNING,
                file_span(rel_path),
                f"invalid {encoding_name(data)} at byte {bad_byte}; undecodable bytes were replaced with U+FFFD",
            )
        )
    return source, diagnostics


def source_from_text(rel_path: str, text: str, abs_path: Path | None = None) -> SourceFile:
    """A SourceFile for text that is not on disk (tests, rule examples)."""
    clean = _neutralise_markers(text)
    return SourceFile(rel_path, abs_path or Path(rel_path), clean, None if clean is text else text)


def _neutralise_markers(text: str) -> str:
    """Replace the private-use characters mcplint uses as internal markers.

    The flAPI pre-processor marks ``{{env.X}}`` references with U+E000/U+E001
    so that positions stay exact; a file that already contains those code
    points could otherwise forge a reference. They carry no meaning in any
    configuration, so U+FFFD (same length) stands in for them.
    """
    if "\ue000" in text or "\ue001" in text:
        return text.replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")
    return text
