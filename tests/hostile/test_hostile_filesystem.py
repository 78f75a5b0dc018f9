"""Hostile file systems: huge files, FIFOs, symlink loops and escapes, unreadable files, includes out of the root.

The tree under review may hold files that are not files (FIFOs, folders named
``x.yaml``), links that loop or leave the root, and include directives that
point at ``/etc/passwd``. mcplint must not read what lies outside the root,
must not block on a FIFO, must not load a 200 MB file to find out it is too
big, and must say which file it skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _make import (
    MAIN,
    ORDINARY,
    Expect,
    check,
    endpoint,
    run_bounded,
    sparse,
    write,
)
from conftest import run_lint, symlink

SKIP = {"CFG002"}
BIG = 200 * 1024 * 1024
# A file outside the scan root whose content would give findings if it were ever read.
OUTSIDE_SECRET = "leaked-outside-pw-4711"
OUTSIDE_FILE = (
    MAIN + "auth:\n  enabled: true\n  type: basic\n  users:\n"
    f"    - username: root\n      password: {OUTSIDE_SECRET}\n"
)
OUTSIDE_RULES = frozenset({"CRED001"})


def tree(tmp_path: Path, files: dict[str, str | bytes] | None = None) -> Path:
    return write(tmp_path / "tree", {**ORDINARY, **(files or {})})


def outside(tmp_path: Path) -> Path:
    return write(tmp_path / "outside", {"secret.yaml": OUTSIDE_FILE, "sub/secret.yaml": OUTSIDE_FILE})


def mkfifo(path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("this OS has no FIFOs")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def assert_nothing_from_outside(outcome) -> None:  # type: ignore[no-untyped-def]
    assert not outcome.timed_out, outcome.describe()
    assert OUTSIDE_SECRET not in outcome.stdout
    fired = {f["rule_id"] for f in outcome.findings()} & OUTSIDE_RULES
    assert not fired, f"{outcome.case}: a file outside the root was analysed ({sorted(fired)})"


# ------------------------------------------------------------------ size bound


def test_200mb_files_are_skipped_by_the_size_bound_without_being_read(tmp_path: Path) -> None:
    root = tree(tmp_path, {"sqls/big.yaml": endpoint("big.sql", url="/big/")})
    sparse(root / "big.yaml", BIG, b"a: 1\n")
    sparse(root / "big.json", BIG, b'{"a": 1}')
    sparse(root / "sqls/big.sql", BIG, b"SELECT 1")
    outcome = run_bounded("200mb-files", root, budget=10)
    # Reading any of them would take at least 200 MB: the peak shows they were only stat'ed.
    check(outcome, Expect({"big.yaml": SKIP, "big.json": SKIP, "sqls/big.sql": SKIP}, max_peak_mb=150))


def test_200mb_file_is_never_opened(tmp_path: Path, opened: list[str]) -> None:
    root = tree(tmp_path)
    sparse(root / "big.yaml", BIG, b"a: 1\n")
    run = run_lint(root)
    assert os.path.realpath(root / "big.yaml") not in opened
    assert ("big.yaml", 1, "CFG002") in {(r.span.path, r.span.start_line, r.rule.id) for r in run.report.results}


def test_200mb_file_given_explicitly_is_skipped(tmp_path: Path) -> None:
    root = tree(tmp_path)
    sparse(root / "big.yaml", BIG, b"a: 1\n")
    outcome = run_bounded("200mb-file-explicit", root, ["big.yaml", "flapi.yaml", "sqls"], budget=10)
    check(outcome, Expect({"big.yaml": SKIP}, max_peak_mb=150))


def test_200mb_pyproject_is_not_read_whole(tmp_path: Path) -> None:
    """pyproject.toml is read for `[tool.mcplint]` before anything is linted: the size bound must hold there too."""
    root = tree(tmp_path)
    sparse(root / "pyproject.toml", BIG, b"[project]\nname = 'x'\n")
    outcome = run_bounded("200mb-pyproject", root, budget=10)
    check(outcome, Expect({"pyproject.toml": SKIP}, max_peak_mb=150))


# ------------------------------------------------------------------------ FIFOs


def test_fifos_in_the_tree_never_block_and_are_reported(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "sqls/p.yaml": endpoint("pipe.sql", url="/p/", extra="{{include from frag_pipe.yaml}}\n"),
    })
    for name in ("pipe.yaml", "pipe.json", "conf/pipe.toml", ".env", "sqls/pipe.sql", "sqls/frag_pipe.yaml"):
        mkfifo(root / name)
    outcome = run_bounded("fifos-in-tree", root, budget=10, wall=15)
    check(outcome, Expect({"pipe.yaml": SKIP, "pipe.json": SKIP, ".env": SKIP}))


def test_fifo_given_on_the_command_line_does_not_block(tmp_path: Path) -> None:
    root = tree(tmp_path)
    mkfifo(root / "pipe.yaml")
    outcome = run_bounded("fifo-explicit", root, ["pipe.yaml", "flapi.yaml", "sqls"], budget=5, wall=8)
    check(outcome, Expect({"pipe.yaml": SKIP}))


def test_fifo_as_the_config_file_does_not_block(tmp_path: Path) -> None:
    root = tree(tmp_path)
    mkfifo(root / ".mcplint.toml")
    outcome = run_bounded("fifo-config", root, budget=5, wall=8)
    assert not outcome.timed_out, outcome.describe()
    assert "Traceback" not in outcome.stderr


def test_folders_named_like_files(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "dir.yaml/inner.yaml": "a: 1\n",
        "sqls/d.yaml": endpoint("dir.sql", url="/d/", extra="{{include from inc.yaml}}\n"),
        "sqls/dir.sql/keep": "",
        "sqls/inc.yaml/keep": "",
    })
    check(run_bounded("folders-named-like-files", root), Expect({"sqls/d.yaml": {"CFG003", "CFG012"}}))


# --------------------------------------------------------------------- symlinks


def test_symlink_loops_end_and_are_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    symlink("loop.yaml", root / "loop.yaml")
    symlink("b.yaml", root / "a.yaml")
    symlink("a.yaml", root / "b.yaml")
    (root / "d").mkdir()
    symlink("..", root / "d" / "up")
    symlink(root / "d", root / "d" / "self")
    symlink("loopdir", root / "loopdir")
    outcome = run_bounded("symlink-loops", root, budget=15)
    check(outcome, Expect({"loop.yaml": SKIP, "a.yaml": SKIP, "b.yaml": SKIP}))


def test_symlinks_out_of_the_root_are_never_read_and_are_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    out = outside(tmp_path)
    symlink(out / "secret.yaml", root / "in.yaml")
    symlink(out, root / "linked")
    symlink("/etc/passwd", root / "passwd.yaml")
    symlink("../outside/secret.yaml", root / "relative.yaml")
    outcome = run_bounded("symlinks-out-of-root", root, budget=15)
    assert_nothing_from_outside(outcome)
    check(outcome, Expect({"in.yaml": SKIP, "linked": SKIP, "passwd.yaml": SKIP, "relative.yaml": SKIP}))


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    symlink("nowhere.yaml", root / "dangling.yaml")
    check(run_bounded("dangling-symlink", root), Expect({"dangling.yaml": SKIP}))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode (FIFOs and dangling links cover this as root)")
def test_unreadable_file_and_folder_are_reported(tmp_path: Path) -> None:  # pragma: no cover - not as root
    root = tree(tmp_path, {"locked.yaml": "a: 1\n", "closed/inner.yaml": "a: 1\n"})
    (root / "locked.yaml").chmod(0)
    (root / "closed").chmod(0)
    try:
        outcome = run_bounded("unreadable", root)
    finally:
        (root / "closed").chmod(0o755)
        (root / "locked.yaml").chmod(0o644)
    check(outcome, Expect({"locked.yaml": SKIP, "closed": SKIP}))


# --------------------------------------------------------------------- includes

ESCAPING = endpoint(extra=(
    "auth:\n  {{include:auth from ../../outside/secret.yaml}}\n"
    "x-a: {{include from ../../../../../../../../etc/passwd}}\n"
    "x-b: {{include from /etc/passwd}}\n"
    "x-c: {{include from ../../outside/sub/../secret.yaml}}\n"
    "{{include from linked_frag.yaml}}\n"
))


def escaping_tree(tmp_path: Path) -> Path:
    out = outside(tmp_path)
    root = tree(tmp_path, {"sqls/t.yaml": ESCAPING, "sqls/t.sql": "SELECT 1\n"})
    symlink(out / "secret.yaml", root / "sqls" / "linked_frag.yaml")
    return root


def test_includes_that_escape_the_root_are_refused(tmp_path: Path) -> None:
    root = escaping_tree(tmp_path)
    outcome = run_bounded("include-escapes-root", root)
    assert_nothing_from_outside(outcome)
    report = check(outcome, Expect({"sqls/t.yaml": {"CFG003"}}))
    refused = [f for f in report["findings"] if f["rule_id"] == "CFG003" and f["path"] == "sqls/t.yaml"]
    assert len(refused) == 5, [f["message"] for f in refused]
    assert {f["region"]["start_line"] for f in refused} == {10, 11, 12, 13, 14}


def test_includes_that_escape_the_root_never_open_the_target(tmp_path: Path, opened: list[str]) -> None:
    root = escaping_tree(tmp_path)
    run = run_lint(root)
    outside_files = {os.path.realpath(tmp_path / "outside" / "secret.yaml"), "/etc/passwd"}
    assert not outside_files & set(opened), sorted(outside_files & set(opened))
    assert not any(OUTSIDE_SECRET in r.message for r in run.report.results)
    assert not [r for r in run.report.results if r.rule.id in OUTSIDE_RULES]


def test_include_cycles_and_odd_targets_terminate(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "sqls/t.yaml": endpoint(extra="{{include from a.yaml}}\n"),
        "sqls/t.sql": "SELECT 1\n",
        "sqls/a.yaml": "{{include from b.yaml}}\nq: 1\n",
        "sqls/b.yaml": "{{include from a.yaml}}\nz: 2\n",
        "sqls/self.yaml": endpoint(url="/self/", extra="{{include from self.yaml}}\n"),
        "sqls/many.yaml": endpoint(url="/many/", extra="".join(
            f"x-{i}: {{{{include:q from a.yaml}}}}\n" for i in range(2_000))),
        "sqls/bin.yaml": endpoint(url="/bin/", extra="{{include from frag.bin}}\n"),
        "sqls/frag.bin": b"\x00\x01" * 10,
    })
    sparse(root / "sqls" / "huge.yaml", BIG, b"q: 1\n")
    (root / "sqls" / "h.yaml").write_text(endpoint(url="/h/", extra="{{include from huge.yaml}}\n"))
    outcome = run_bounded("include-cycles", root, budget=15)
    check(outcome, Expect({"sqls/a.yaml": {"CFG001"}, "sqls/huge.yaml": SKIP, "sqls/bin.yaml": {"CFG003"}},
                          max_peak_mb=150))


# ------------------------------------------------------------ the index cache


@pytest.mark.parametrize("content", [
    "[" * 200_000,
    '{"version": "x", "files": {"sqls/t.sql": [[1, 2, 3, 4], ["x"]], "b": "zz", "c": [[1e999, "a", null, -1], [1, 2]]}}',
    "[" + ",".join(["[1,2,3,4,5,6,7,8,9,0]"] * 720_000) + "]",  # just under the cache's 16 MiB bound
    "[" + ",".join(["[1,2,3,4,5,6,7,8,9,0]"] * 2_900_000) + "]",  # over it: ignored unread
], ids=["deep", "wrong-shape", "16mb", "64mb"])
def test_a_hostile_index_cache_changes_nothing(content: str, tmp_path: Path) -> None:
    """`.mcplint_cache/` lies in the scanned tree: whatever it holds, a one-file run reports the same."""
    root = tree(tmp_path, {".mcplint_cache/mentions-v2.json": content})
    outcome = run_bounded(f"hostile-cache-{len(content)}", root, ["sqls/ok.sql"], budget=10)
    report = check(outcome, Expect(ordinary=False))
    assert ("sqls/ok.sql", "SQLI001") in {(f["path"], f["rule_id"]) for f in report["findings"]}
