"""Finding the files to lint, safely.

Discovery walks the given paths and decides which files are *in scope* (the
ones findings may be reported on). It never follows a symlink out of the scan
root, never descends into VCS or dependency folders, and never reads a file
over the size bound. The same :class:`FileAccess` is later used to read
context files (the main config above a single ``.sql`` that pre-commit
passed, an include fragment), so every read obeys the same rules.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mcplint.diagnostics import Diagnostic, DiagnosticKind, file_span
from mcplint.globs import matches_any
from mcplint.loaders.env_file import is_env_file
from mcplint.source import DEFAULT_MAX_FILE_SIZE, SourceFile, Unreadable, read_file_bytes, read_source

LINTED_SUFFIXES = (".yaml", ".yml", ".json", ".jsonc", ".sql", ".toml", ".env")


# Copies people keep next to a real config and copy verbatim (issue 21): `.mcp.json.example`,
# `config.yaml.sample`, `settings.json.dist`. They are scanned as the file they copy; findings say so.
EXAMPLE_SUFFIXES = (".example", ".sample", ".dist")
_COPYABLE = (".yaml", ".yml", ".json", ".jsonc", ".toml")


def copied_name(name: str) -> str | None:
    """The name an example copy stands for (`mcp.json.example` -> `mcp.json`), else None."""
    lower = name.lower()
    for suffix in EXAMPLE_SUFFIXES:
        if lower.endswith(suffix):
            inner = name[: -len(suffix)]
            dot = inner.rfind(".")
            if 0 <= dot < len(inner) - 1 and inner[dot:].lower() in _COPYABLE and inner[:dot].strip("."):
                return inner
            return None
    return None


def effective_name(name: str) -> str:
    """The name a file is read as: an example copy's original name, else the name itself."""
    return copied_name(name) or name


def effective_suffix(path: Path | str) -> str:
    """The lower-case suffix a file is read by (`x.json.example` -> `.json`)."""
    name = effective_name(os.path.basename(str(path)))
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def has_suffix(path: Path | str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of the ``suffixes``; ``.env`` also stands for `.env`, `.env.local`, `.envrc`."""
    return name_has_suffix(os.path.basename(os.fspath(path)), suffixes)


def name_has_suffix(name: str, suffixes: tuple[str, ...]) -> bool:
    """:func:`has_suffix` on a file name (the directory walk's hot path: no ``Path`` objects)."""
    if name[-4:].lower() in ("mple", "dist"):  # a cheap test before copied_name
        name = effective_name(name)
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # pathlib's rule: ".env" has no suffix
    if suffix in suffixes and suffix != ".env":
        return True
    return ".env" in suffixes and is_env_file(name)


SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mcplint_cache",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


@dataclass
class FileAccess:
    """All file reads go through here: root containment, size bound, caching.

    ``exclude`` decides what :meth:`walk` yields (what is in scope); a context
    file that an in-scope file names (an include, a template) is still read,
    because flAPI reads it too.
    """

    root: Path
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Whether each file read keeps its stamp (SourceFile.stamp): only mcplint's caches read stamps, and on
    # a large tree they are a noticeable share of what a run keeps per file.
    keep_stamps: bool = True
    _cache: dict[str, SourceFile | None] = field(default_factory=dict)
    _noted: set[str] = field(default_factory=set)
    _root_real: str = ""
    _root_prefix: str = ""
    _real_dirs: dict[str, str] = field(default_factory=dict)
    # Walks answer with absolute path names, not Path objects: a large tree keeps one per file for the
    # whole run, and a Path (with its tuple of parts) costs three times the string.
    _walks: dict[tuple[str, tuple[str, ...]], list[str]] = field(default_factory=dict)
    _walked: dict[str, str] = field(default_factory=dict)  # absolute path -> rel, for files a walk kept
    # The folders named on the command line (lexical, real), when every path named was a folder:
    # nothing outside them is read, even below the root (`cd ~ && mcplint Downloads/evil` must not
    # follow a link or an include to ~/.aws/credentials). Empty: the root is the boundary.
    _bounds: tuple[tuple[str, str], ...] = ()
    _context: frozenset[str] = frozenset()  # folders between the root and a bound (see limit_to)

    def __post_init__(self) -> None:
        self.root = Path(os.path.abspath(self.root))
        self._root_real = os.path.realpath(self.root)
        self._root_prefix = str(self.root).rstrip(os.sep) + os.sep

    def rel(self, path: Path | str) -> str:
        """Root-relative POSIX path (lexical: a symlink keeps its own name)."""
        known = self._walked.get(os.fspath(path))
        if known is not None:
            return known
        absolute = os.path.abspath(path)
        if absolute.startswith(self._root_prefix):  # the common case, without relpath's cost
            rel = absolute[len(self._root_prefix) :]
            return rel.replace(os.sep, "/") if os.sep != "/" else rel
        return Path(os.path.relpath(absolute, self.root)).as_posix()

    def _realpath(self, path: Path | str) -> str:
        """realpath with the folder part cached: one lstat per file instead of one per component."""
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        real_folder = self._real_dirs.get(folder)
        if real_folder is None:
            real_folder = self._real_dirs[folder] = os.path.realpath(folder)
        if os.path.islink(absolute):
            return os.path.realpath(absolute)
        return os.path.join(real_folder, name)

    def limit_to(self, folders: list[Path]) -> None:
        """Make the named folders the boundary of every read (see ``_bounds``).

        One exception keeps flAPI's project context: the folders between the root and a named
        folder are searched for the main config that owns the named one (as for a single named
        file), so a regular file lying directly in such a folder may be read. Nothing below those
        folders outside the named ones, and nothing reached through a link, is.
        """
        self._bounds = tuple((os.path.abspath(f), os.path.realpath(f)) for f in folders)
        context: set[str] = set()
        for lexical, _ in self._bounds:
            folder = os.path.dirname(lexical)
            while folder == str(self.root) or folder.startswith(self._root_prefix):
                context.add(folder)
                if folder == str(self.root):
                    break
                folder = os.path.dirname(folder)
        self._context = frozenset(context)

    def _within_bounds(self, absolute: str, real: str | None) -> bool:
        """Inside a named folder, or a project-context folder above one (or a regular file directly in it)."""
        if real is not None:
            if any(real == b or real.startswith(b.rstrip(os.sep) + os.sep) for _, b in self._bounds):
                return True
            if real != absolute:
                return False  # reached through a link: only inside the named folders
        elif any(absolute == b or absolute.startswith(b.rstrip(os.sep) + os.sep) for b, _ in self._bounds):
            return True
        return absolute in self._context or os.path.dirname(absolute) in self._context

    def inside_root(self, path: Path | str) -> bool:
        real = self._realpath(path)
        if not (real == self._root_real or real.startswith(self._root_real + os.sep)):
            return False
        return not self._bounds or self._within_bounds(os.path.abspath(path), real)

    def lexically_inside_root(self, path: Path | str) -> bool:
        absolute = os.path.abspath(path)
        if not (absolute == str(self.root) or absolute.startswith(self._root_prefix)):
            return False
        return not self._bounds or self._within_bounds(absolute, None)

    def excluded(self, rel: str) -> bool:
        return bool(self.exclude) and matches_any(self.exclude, rel)

    def forget(self) -> None:
        """Drop what speeds up building a model (walks, what they found, files read), for a run that
        reads nothing more: on a large tree it is a name and a few table entries per file. Later
        calls walk and read again."""
        self._walks, self._walked, self._cache = {}, {}, {}

    def note(self, rel: str, message: str) -> None:
        """Record that ``rel`` was skipped (once per path, whoever asks first)."""
        if rel in self._noted:
            return
        self._noted.add(rel)
        self.diagnostics.append(Diagnostic(DiagnosticKind.SKIPPED_FILE, file_span(rel), message))

    def noted_paths(self) -> frozenset[str]:
        """Paths noted as skipped so far."""
        return frozenset(self._noted)

    def read(self, path: Path | str) -> SourceFile | None:
        """Read a file under the root once; later calls return the cached result."""
        name = os.fspath(path)
        walked = self._walked.get(name)  # found inside the root by a walk: no second check
        abs_path = name if walked is not None else os.path.abspath(name)
        rel = walked if walked is not None else self.rel(abs_path)
        if rel in self._cache:
            return self._cache[rel]
        source: SourceFile | None = None
        if walked is None and (not self.lexically_inside_root(abs_path) or not self.inside_root(abs_path)):
            self.note(rel, "skipped: the file lies outside the scanned root")
        else:
            source, problems = read_source(abs_path, rel, self.max_file_size, self.keep_stamps, self._root_prefix)
            if problems:
                self.diagnostics.extend(problems)
        self._cache[rel] = source
        return source

    def _skipped_folder(self, path: Path) -> bool:
        """VCS/dependency folders are skipped by name, also when reached through a symlink."""
        if path.name in SKIPPED_DIRS:
            return True
        real = Path(os.path.realpath(path))
        try:
            parts = real.relative_to(self._root_real).parts
        except ValueError:
            parts = (real.name,)
        return any(part in SKIPPED_DIRS for part in parts)

    def stat_inside_root(self, path: Path | str) -> os.stat_result | None:
        """``os.stat`` of a file under the root, or None (outside, unreadable, vanished).

        One ``lstat`` per file: only a symlink needs its full real path resolved.
        A file a walk kept was checked then: it costs one ``stat``.
        """
        if os.fspath(path) in self._walked:
            try:
                return os.stat(path)
            except OSError:
                return None
        absolute = os.path.abspath(path)
        if not self.lexically_inside_root(absolute):
            return None
        try:
            info = os.lstat(absolute)
            if stat.S_ISLNK(info.st_mode):
                if not self.inside_root(absolute):
                    return None
                return os.stat(absolute)
        except OSError:
            return None
        folder = os.path.dirname(absolute)
        real_folder = self._real_dirs.get(folder)
        if real_folder is None:
            real_folder = self._real_dirs[folder] = os.path.realpath(folder)
        inside = real_folder == self._root_real or real_folder.startswith(self._root_real + os.sep)
        return info if inside else None

    def peek(self, path: Path | str) -> str | None:
        """A file's text for a quick search, without keeping or indexing it.

        Used to find the few files worth parsing among many (which endpoint
        names this ``.sql``?); the chosen ones are then read with :meth:`read`.
        Obeys the same root and size rules; problems are left to :meth:`read`.
        """
        found = self.peek_with_status(path)
        return None if found is None else found[0]

    def peek_with_status(self, path: Path | str) -> tuple[str, os.stat_result] | None:
        """:meth:`peek`, and the status of the file the text came from (what a cache key describes)."""
        rel = self.rel(path)
        cached = self._cache.get(rel)
        try:
            if cached is not None:
                return cached.text, os.stat(path)
            # A file a walk kept was found inside the root and regular then (the search reads
            # thousands of them in a pre-commit run): only the checks on the open file are repeated.
            walked = os.fspath(path) in self._walked
            if not walked and (not self.lexically_inside_root(path) or not self.inside_root(path)):
                return None
            data, status = read_file_bytes(path, self.max_file_size, stat_first=not walked)
            return data[: self.max_file_size].decode("utf-8", errors="replace"), status
        except (Unreadable, OSError):
            return None

    def walk(self, start: Path | str, suffixes: tuple[str, ...] = LINTED_SUFFIXES) -> list[str]:
        """Absolute names of the files below ``start`` with one of ``suffixes``, sorted, each real file once.

        Real folders are walked before folders reached through symlinks, so a
        file reachable both ways keeps its own name; a symlinked folder whose
        target was already walked is skipped, which also ends symlink loops.
        A folder walked before (discovery, then a project's template folder)
        is answered from the first walk.
        """
        key = (os.path.abspath(start), suffixes)
        cached = self._walks.get(key)
        if cached is None:
            covering = next(
                (
                    files
                    for (folder, kinds), files in self._walks.items()
                    if set(suffixes) <= set(kinds) and (key[0] + os.sep).startswith(folder.rstrip(os.sep) + os.sep)
                ),
                None,
            )
            if covering is not None:
                prefix = key[0].rstrip(os.sep) + os.sep
                cached = [p for p in covering if p.startswith(prefix) and has_suffix(p, suffixes)]
            else:
                cached = self._walk(start, suffixes)
            self._walks[key] = cached
        return list(cached)

    def _walk(self, start: Path | str, suffixes: tuple[str, ...]) -> list[str]:
        # Hot path for big trees: strings until a file is kept, one realpath per
        # folder (not per file) unless a symlink is involved.
        found: list[tuple[str, bool, str]] = []  # (real path, reached through a symlink, rel path)
        visited_dirs: set[str] = set()
        # (folder, reached through a symlink, its real path when known). A real folder's real path is
        # its parent's plus its name: one realpath per folder cost depth² lstats of depth-long paths
        # (a tree 2,040 folders deep took 132 s).
        stack: list[tuple[str, bool, str | None]] = [(os.path.abspath(start), False, None)]
        below_skipped = self._skipped_folder(Path(os.path.abspath(start)))  # `mcplint node_modules/x`: as before
        linked: list[tuple[str, bool, str | None]] = []  # symlinked folders, walked once the real ones are done
        while stack or linked:
            if not stack:
                linked.sort(key=lambda item: self.rel(item[0]), reverse=True)
                stack.append(linked.pop())
            directory, via_link, known_real = stack.pop()
            real_dir = known_real if known_real is not None else os.path.realpath(directory)
            if real_dir in visited_dirs:
                continue
            visited_dirs.add(real_dir)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                self.note(self.rel(directory), f"skipped: folder cannot be read ({exc.strerror or type(exc).__name__})")
                continue
            rel_dir = self.rel(directory)
            rel_prefix = "" if rel_dir in ("", ".") else rel_dir + "/"
            for entry in entries:
                name = entry.name
                rel = rel_prefix + name
                if self.exclude and self.excluded(rel):
                    continue
                try:
                    is_link = entry.is_symlink()
                    if is_link and not self.inside_root(entry.path):
                        self.note(rel, "skipped: symlink leads outside the scanned root")
                        continue
                    is_dir = entry.is_dir(follow_symlinks=True)
                    if not is_dir and not name_has_suffix(name, suffixes):
                        continue
                    is_file = not is_dir and entry.is_file(follow_symlinks=True)
                except OSError as exc:  # symlink loops, vanished files
                    self.note(rel, f"skipped: {exc.strerror or type(exc).__name__}")
                    continue
                if is_dir:
                    if is_link:
                        if not self._skipped_folder(Path(entry.path)):
                            linked.append((entry.path, True, None))
                    elif name not in SKIPPED_DIRS and not below_skipped:  # real path: the folder's plus its name
                        stack.append((entry.path, via_link, os.path.join(real_dir, name)))
                elif is_file:
                    real = os.path.realpath(entry.path) if is_link else os.path.join(real_dir, name)
                    found.append((real, via_link or is_link, rel))
                elif is_link and not os.path.exists(entry.path):
                    self.note(rel, "skipped: dangling symlink (its target does not exist)")
                else:
                    self.note(rel, "skipped: not a regular file (a FIFO, socket or device)")
        # A file reachable twice (through a symlink) is linted once, under its own name.
        best: dict[str, tuple[bool, str]] = {}
        for real, is_link, rel in found:
            candidate = (is_link, rel)
            if real not in best or candidate < best[real]:
                best[real] = candidate
        rels = sorted(rel for _, rel in best.values())
        root = str(self.root)
        out = [os.path.join(root, rel) if os.sep == "/" else os.path.join(root, *rel.split("/")) for rel in rels]
        # Only files whose real path is inside the root are trusted later without a second check: a
        # walk that starts below a symlinked folder (`mcplint linked/sub`) finds files outside it.
        inside = {rel for real, (_, rel) in best.items() if real.startswith(self._root_real + os.sep)}
        for path, rel in zip(out, rels, strict=True):
            if rel in inside:
                self._walked[path] = rel
        return out


@dataclass
class Discovery:
    access: FileAccess
    files: list[str]  # absolute names of the in-scope files, sorted by relative path
    explicit_files: bool  # pre-commit style: some paths were files, resolve context around them
    # Paths discovery itself skipped (symlink loops and escapes, FIFOs, unreadable folders): their
    # notes are about what was asked for, so they are in scope although nothing of them is read.
    skipped: frozenset[str] = frozenset()

    @property
    def root(self) -> Path:
        return self.access.root

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(self.access.rel(p) for p in self.files) | self.skipped


class DiscoveryError(Exception):
    """A path given on the command line does not exist (a usage error)."""


def choose_root(paths: list[Path], cwd: Path) -> Path:
    """The scan root: the working directory when it holds every path, else their common folder."""
    absolute = [Path(os.path.abspath(p)) for p in paths] or [cwd]
    cwd = Path(os.path.abspath(cwd))
    if all(p == cwd or cwd in p.parents for p in absolute):
        return cwd
    common = Path(os.path.commonpath([str(p) for p in absolute]))
    return common if common.is_dir() else common.parent


def discover(paths: list[Path], access: FileAccess) -> Discovery:
    files: list[str] = []
    explicit = False
    named = [Path(os.path.abspath(p)) for p in paths]
    if named and all(p.is_dir() for p in named) and any(p != access.root for p in named):
        # Folders named below the root: each is a boundary, not the root above them.
        access.limit_to(named)
    for given in paths or [access.root]:
        path = Path(os.path.abspath(given))
        if not os.path.lexists(path):
            raise DiscoveryError(f"path does not exist: {given}")
        rel = access.rel(path)
        if path != access.root and access.excluded(rel):
            continue
        if path.is_symlink() and not access.inside_root(path):
            access.note(rel, "skipped: symlink leads outside the scanned root")
            continue
        if path.is_dir():
            files.extend(access.walk(path))
        else:
            explicit = True
            if has_suffix(path, LINTED_SUFFIXES):
                files.append(str(path))
    unique = {access.rel(p): p for p in files}
    return Discovery(access, [unique[k] for k in sorted(unique)], explicit, access.noted_paths())
