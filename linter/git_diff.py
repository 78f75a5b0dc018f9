"""What changed against a git ref, for ``mcplint --diff REF``.

On a large existing project, a pull request should answer for what it
changes. A finding is the pull request's when

- it did not exist at the ref: the tree at the ref is linted the same way and
  findings are compared by identity (as the baseline compares them, so moving
  lines does not make a finding new). Deleting an ``auth:`` block makes a
  finding appear on an unchanged ``method: POST`` line; removing a validator's
  ``regex`` in the YAML opens an injection in an unchanged ``.sql``: both are
  new, wherever they point;
- or a line it is at, or a related place it names, changed (a finding that
  existed but whose cause was edited again is worth a look).

git is only asked for the ref's objects (``ls-tree``, ``cat-file``), never to
compare or filter the working tree: a ``.gitattributes`` committed in the
scanned repository can attach diff drivers, textconv and clean/process filters
to paths, and with the matching ``.git/config`` entries those run programs.
Reading blobs runs none of them; the line comparison is made here.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import tempfile
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mcplint.baseline import identity_of
from mcplint.engine.meta_rules import INTERNAL_ERROR
from mcplint.engine.runner import Report, Result
from mcplint.span import Span

_TIMEOUT = 120
_MAX_LINES_TO_COMPARE = 200_000  # beyond this, a changed file counts as changed throughout


class GitDiffError(Exception):
    """git is missing, the folder is not in a repository, or the ref is unknown (a usage error)."""


@dataclass
class ChangedLines:
    """Changed line numbers per root-relative path; ``whole`` files are new or untracked."""

    lines: dict[str, set[int]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)

    def touches(self, span: Span) -> bool:
        """Whether a finding at ``span`` is on a changed line (a file-level finding: the file changed)."""
        if span.path in self.whole:
            return True
        changed = self.lines.get(span.path)
        if not changed:
            return False
        if span.is_empty and span.start_offset == 0:
            return True  # about the file as a whole
        return any(line in changed for line in range(span.start_line, span.end_line + 1))


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {
        **os.environ,
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_PAGER": "cat",
        "LC_ALL": "C",
    }
    command = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotePath=false", *args]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell; see the module docstring
            command, cwd=root, env=env, input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise GitDiffError("--diff needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitDiffError(f"git {args[0]} did not finish within {_TIMEOUT} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitDiffError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _resolve_ref(root: Path, ref: str) -> str:
    """The commit ``ref`` names, or a usage error that says what to do."""
    if ref.startswith("-"):
        raise GitDiffError(f"--diff: {ref!r} is not a git ref")
    _git(root, "rev-parse", "--show-toplevel")  # "not a git repository" first
    try:
        return _text(_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")).strip()
    except GitDiffError:
        shallow = _text(_git(root, "rev-parse", "--is-shallow-repository")).strip() == "true"
        hint = (
            " This is a shallow clone: fetch the history the ref needs (in GitHub Actions, "
            "`actions/checkout` with `fetch-depth: 0`)."
            if shallow
            else " Check the name, or fetch it first (`git fetch origin main`)."
        )
        raise GitDiffError(f"git rev-parse failed: --diff {ref}: no such commit in this repository.{hint}") from None


@contextmanager
def tree_at(root: Path, ref: str) -> Iterator[Callable[[Path], Path]]:
    """The files under ``root`` as they were at ``ref``, written to a temporary folder.

    Yields a function that maps a path of the working tree (below the repository's
    top folder) to the same path in that copy. Blobs are read with ``cat-file``, which
    applies no filter; symlinks and submodules are left out (a link's target at the ref
    could point anywhere, and a scan never follows links out of its root).
    """
    commit = _resolve_ref(root, ref)
    top = Path(_text(_git(root, "rev-parse", "--show-toplevel")).strip())
    real_top = os.path.realpath(top)
    below = os.path.relpath(os.path.realpath(root), real_top)
    if below.startswith(".."):
        raise GitDiffError(f"--diff: {root} is not inside the repository at {top}")
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", "." if below == "." else below)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            blobs.append((sha.decode("ascii"), os.fsdecode(name)))
    with tempfile.TemporaryDirectory(prefix="mcplint-diff-") as folder:
        base = Path(folder)
        if blobs:
            _write_blobs(root, base, blobs)

        def at_ref(path: Path) -> Path:
            rel = os.path.relpath(os.path.realpath(path), real_top)
            if rel.startswith(".."):
                raise GitDiffError(f"--diff: {path} is not inside the repository at {top}")
            return base / rel

        yield at_ref


def _write_blobs(root: Path, base: Path, blobs: list[tuple[str, str]]) -> None:
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha, _ in blobs).encode("ascii"))
    position = 0
    for _, name in blobs:
        header_end = out.index(b"\n", position)
        size = int(out[position:header_end].split()[2])
        data = out[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1  # the content is followed by a newline
        target = base / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            continue  # git never stores such names; never write outside the copy
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def changed_lines_between(paths: list[str], root: Path, at_ref: Callable[[Path], Path]) -> ChangedLines:
    """Lines of ``paths`` (relative to ``root``) that differ from the copy at the ref."""
    out = ChangedLines()
    for rel in paths:
        now_path = root / rel
        then_path = at_ref(now_path)
        try:
            now = now_path.read_bytes()
        except OSError:
            continue
        if not then_path.is_file():
            out.whole.add(rel)
            continue
        then = then_path.read_bytes()
        if then != now:
            out.lines[rel] = _changed(then, now)
            if not out.lines[rel]:
                out.whole.add(rel)  # differs only in ways lines cannot show (line endings, a final newline)
    return out


def _changed(then: bytes, now: bytes) -> set[int]:
    """1-based numbers of the lines of ``now`` that are new; a deletion marks the lines around it."""
    old_lines, new_lines = then.splitlines(), now.splitlines()
    if len(old_lines) + len(new_lines) > _MAX_LINES_TO_COMPARE:
        return set(range(1, len(new_lines) + 2))
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(start + 1, end + 1))
        elif tag == "delete":
            changed.update((start, start + 1) if start else (1,))
    return changed


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines of the files under ``root`` that differ from ``ref`` (every file, tracked or not)."""
    paths = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        paths += [Path(os.path.relpath(os.path.join(folder, name), root)).as_posix() for name in names]
    with tree_at(root, ref) as at_ref:
        return changed_lines_between(sorted(paths), root, at_ref)


def new_or_changed(report: Report, ref: str, lint_at_ref: Callable[[Callable[[Path], Path]], Report]) -> Report:
    """``report`` with only the findings this change is answerable for (see the module docstring).

    ``lint_at_ref`` lints the copy of the tree at the ref (given the path mapping) with the
    same configuration and rules. Internal errors are always kept.
    """
    with tree_at(report.root, ref) as at_ref:
        before = lint_at_ref(at_ref)
        paths = sorted(
            {r.span.path for r in report.results}
            | {rel.span.path for r in report.results for rel in r.finding.related}
        )
        changed = changed_lines_between(paths, report.root, at_ref)
    existing = Counter(identity_of(r, before.sources.get(r.span.path)) for r in before.results)
    kept: list[Result] = []
    for result in report.results:
        identity = identity_of(result, report.sources.get(result.span.path))
        is_new = existing[identity] == 0
        if not is_new:
            existing[identity] -= 1
        if (
            is_new
            or result.rule.id == INTERNAL_ERROR.id
            or changed.touches(result.span)
            or any(changed.touches(related.span) for related in result.finding.related)
        ):
            kept.append(result)
    return dataclasses.replace(report, results=kept, outside_diff=len(report.results) - len(kept))


def ignored_files(root: Path, paths: list[str]) -> set[str]:
    """Which of ``paths`` (relative to ``root``) git ignores: untracked and matched by an ignore rule.

    A baseline records what a team accepts; findings in files git ignores (a local `.env`,
    build output) are nobody's to accept and must not end up in a committed file. Outside a
    repository, or without git, nothing counts as ignored. Tracked files are never ignored.
    """
    if not paths:
        return set()
    try:
        _git(root, "rev-parse", "--show-toplevel")
    except GitDiffError:
        return set()
    names = "".join(f"{path}\0" for path in paths).encode("utf-8", "surrogateescape")
    try:
        output = _git_allowing_no_match(root, names)
    except GitDiffError:
        return set()
    return {name for name in output.decode("utf-8", "surrogateescape").split("\0") if name}


def _git_allowing_no_match(root: Path, names: bytes) -> bytes:
    """``git check-ignore`` exits 1 when no path is ignored: that is an answer, not a failure."""
    try:
        return _git(root, "check-ignore", "-z", "--stdin", stdin=names)
    except GitDiffError as exc:
        if "exit 1" in str(exc):
            return b""
        raise
