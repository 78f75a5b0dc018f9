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
from dataclasses import dataclass, field
from pathlib import Path

from mcplint.diagnostics import Diagnostic, DiagnosticKind, file_span
from mcplint.globs import matches_any
from mcplint.source import DEFAULT_MAX_FILE_SIZE, SourceFile, read_source

LINTED_SUFFIXES = (".yaml", ".yml", ".json", ".jsonc", ".sql")
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
    """All file reads go through here: root containment, excludes, size bound, caching."""

    root: Path
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _cache: dict[str, SourceFile | None] = field(default_factory=dict)
    _root_real: str = ""

    def __post_init__(self) -> None:
        self.root = Path(os.path.abspath(self.root))
        self._root_real = os.path.realpath(self.root)

    def rel(self, path: Path | str) -> str:
        """Root-relative POSIX path (lexical: a symlink keeps its own name)."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return Path(rel).as_posix()

    def inside_root(self, path: Path | str) -> bool:
        real = os.path.realpath(path)
        return real == self._root_real or real.startswith(self._root_real + os.sep)

    def lexically_inside_root(self, path: Path | str) -> bool:
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return rel != ".." and not rel.startswith(".." + os.sep)

    def excluded(self, rel: str) -> bool:
        return bool(self.exclude) and matches_any(self.exclude, rel)

    def note(self, rel: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(DiagnosticKind.SKIPPED_FILE, file_span(rel), message))

    def read(self, path: Path | str) -> SourceFile | None:
        """Read a file under the root once; later calls return the cached result."""
        abs_path = Path(os.path.abspath(path))
        rel = self.rel(abs_path)
        if rel in self._cache:
            return self._cache[rel]
        source: SourceFile | None = None
        if not self.lexically_inside_root(abs_path) or not self.inside_root(abs_path):
            self.note(rel, "file skipped: it lies outside the scanned root")
        else:
            source, problems = read_source(abs_path, rel, self.max_file_size)
            self.diagnostics.extend(problems)
        self._cache[rel] = source
        return source

    def walk(self, start: Path, suffixes: tuple[str, ...] = LINTED_SUFFIXES) -> list[Path]:
        """Files below ``start`` with one of ``suffixes``, sorted, each real file once."""
        found: list[tuple[str, bool, Path]] = []  # (real path, via symlink, path)
        visited_dirs: set[str] = set()
        stack = [Path(os.path.abspath(start))]
        while stack:
            directory = stack.pop()
            real_dir = os.path.realpath(directory)
            if real_dir in visited_dirs:
                continue
            visited_dirs.add(real_dir)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                self.note(self.rel(directory), f"folder skipped: {exc.strerror or type(exc).__name__}")
                continue
            for entry in entries:
                path = Path(entry.path)
                rel = self.rel(path)
                if self.excluded(rel):
                    continue
                try:
                    is_link = entry.is_symlink()
                    if is_link and not self.inside_root(path):
                        self.note(rel, "skipped: symlink leads outside the scanned root")
                        continue
                    is_dir = entry.is_dir(follow_symlinks=True)
                    is_file = not is_dir and entry.is_file(follow_symlinks=True)
                except OSError as exc:  # symlink loops, vanished files
                    self.note(rel, f"skipped: {exc.strerror or type(exc).__name__}")
                    continue
                if is_dir:
                    if entry.name not in SKIPPED_DIRS:
                        stack.append(path)
                elif is_file and path.suffix.lower() in suffixes:
                    found.append((os.path.realpath(path), is_link, path))
        # A file reachable twice (through a symlink) is linted once, under its own name.
        best: dict[str, tuple[bool, str, Path]] = {}
        for real, is_link, path in found:
            candidate = (is_link, self.rel(path), path)
            if real not in best or candidate[:2] < best[real][:2]:
                best[real] = candidate
        return sorted((c[2] for c in best.values()), key=self.rel)


@dataclass
class Discovery:
    access: FileAccess
    files: list[Path]  # in-scope files, sorted by relative path
    explicit_files: bool  # pre-commit style: some paths were files, resolve context around them

    @property
    def root(self) -> Path:
        return self.access.root

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(self.access.rel(p) for p in self.files)


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
    files: list[Path] = []
    explicit = False
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
            if path.suffix.lower() in LINTED_SUFFIXES:
                files.append(path)
    unique = {access.rel(p): p for p in files}
    return Discovery(access, [unique[k] for k in sorted(unique)], explicit)
