"""Lines changed against a git ref, for ``mcplint --diff REF``.

On a large existing project, a pull request should answer for what it
changes: ``--diff origin/main`` keeps only findings on lines that differ
from the ref (files new since the ref count as changed throughout).

git is run as a trusted tool on the scanned repository, with everything
that could run code or reach the network from repository content turned
off: no external diff drivers or textconv filters (both can be configured
per path through a committed ``.gitattributes``), no fsmonitor hook, no
pager, no lazy fetching of missing objects in a partial clone.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from mcplint.span import Span

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_TIMEOUT = 120


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


def _git(root: Path, *args: str) -> str:
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
            command, cwd=root, env=env, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise GitDiffError("--diff needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitDiffError(f"git {args[0]} did not finish within {_TIMEOUT} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitDiffError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout.decode("utf-8", "surrogateescape")


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines of files under ``root`` that differ from ``ref`` (working tree, staged or not, and untracked)."""
    if ref.startswith("-"):
        raise GitDiffError(f"--diff: {ref!r} is not a git ref")
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    diff = _git(
        root, "diff", "--no-ext-diff", "--no-textconv", "--no-renames", "--no-color", "--unified=0",
        "--diff-filter=AMT", ref, "--", ".",
    )
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--full-name", "--", ".")
    out = ChangedLines()
    real_root = os.path.realpath(root)

    def relative(repo_path: str) -> str | None:
        absolute = os.path.realpath(os.path.join(top, repo_path))
        rel = os.path.relpath(absolute, real_root)
        return None if rel.startswith("..") else Path(rel).as_posix()

    for block in re.split(r"^diff --git ", diff, flags=re.MULTILINE)[1:]:
        header = re.search(r"^\+\+\+ b/(.*)$", block, re.MULTILINE)
        if header is None:
            continue  # binary or mode-only change: no lines to report on
        path = relative(header.group(1))
        if path is None:
            continue
        if re.search(r"^new file mode", block, re.MULTILINE):
            out.whole.add(path)
            continue
        lines = out.lines.setdefault(path, set())
        for match in _HUNK.finditer(block):
            start, count = int(match.group(1)), int(match.group(2) or 1)
            # A pure deletion (count 0) changes the file after line `start`: findings there count.
            lines.update(range(start, start + count) if count else (start, start + 1))
    for name in untracked.split("\0"):
        if name:
            path = relative(name)
            if path is not None:
                out.whole.add(path)
    return out
