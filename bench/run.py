"""Benchmark mcplint against the cost of just parsing the same files, in one run.

    python bench/run.py [N ...]        (default: 100 1000 10000)
    python bench/run.py --quick        (N = 100 and 1000, fewer repetitions)

For each N it generates a project (bench/generate.py), then measures in fresh
processes, best of 5 (of 3 from 10,000 endpoints), the three runs taking turns
so that a slow spell of the machine touches all of them:
  floor      read every file mcplint reads and parse it with the same YAML
             loader (PyYAML's C composer; flAPI include lines blanked so the
             whole file parses) and JSON parser; SQL templates with sqlglot
             (DuckDB dialect; section tags removed, interpolations replaced by
             a literal). One process, no checks at all.
  mcplint    `mcplint --format json` over the same tree (default --jobs: all cores);
  mcplint-j1 the same with --jobs 1 (one process);
and prints wall time, the ratio to the floor, the CPU ratios (CPU time of all
mcplint's processes, user and system, to the floor's; with ``--jobs 1`` it is
how much more work mcplint does than parsing, whatever the cores), time per
endpoint and peak RSS (the largest single process). Then, on a 5,000-endpoint project, it times
(best of 7) `mcplint --version` and a pre-commit style run on one endpoint file: the first
run (no `.mcplint_cache/` index yet: it is removed before each repetition),
then with the index warm, and with `--no-cache`.

Figures are ratios measured on this machine in this run, never absolutes to copy. The
first line names the sqlglot build: the compiled one (``mcplint[fast]``) halves the floor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR = r"""
import os, re, sys, json, resource
from pathlib import Path
import yaml, sqlglot
root = Path(sys.argv[1])
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
section = re.compile(r"\{\{[#^/!][^}]*\}\}")
tag = re.compile(r"\{\{[^}]*\}\}\}?")
include = re.compile(r"^[ \t]*\{\{include[^}]*\}\}[ \t]*$", re.MULTILINE)
for dirpath, dirnames, filenames in os.walk(root):
    for name in filenames:
        path = Path(dirpath, name)
        text = path.read_text(encoding="utf-8")
        if name.endswith((".yaml", ".yml")):
            yaml.compose(include.sub("", text), Loader=loader)
        elif name.endswith(".json"):
            json.loads(text)
        elif name.endswith(".sql"):
            sqlglot.parse(tag.sub("1", section.sub("", text)), read="duckdb")
usage = resource.getrusage(resource.RUSAGE_SELF)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""
LINT = r"""
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "mcplint", *sys.argv[1:], "--format", "json", "--exit-zero"],
               check=True, stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # mcplint and every process it waited for
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


@dataclass
class Measured:
    wall: float = float("inf")  # best wall time, s
    cpu: float = float("inf")  # least CPU time (user + system, all processes), s
    rss: int = 0  # largest peak RSS of a single process, KB


def timed(runs: dict[str, tuple[str, ...]], repeat: int) -> dict[str, Measured]:
    """Per named run (code and arguments): best wall time and least CPU time of ``repeat`` fresh
    processes, and the largest peak RSS.

    The runs take turns (floor, mcplint, floor, mcplint, ...), so a slow spell of
    the machine touches each of them instead of all repetitions of one.
    """
    best = {name: Measured() for name in runs}
    for _ in range(repeat):
        for name, (code, *args) in runs.items():
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
            elapsed = time.perf_counter() - start
            rss, cpu = out.stdout.strip().splitlines()[-1].split()
            measured = best[name]
            measured.wall = min(measured.wall, elapsed)
            measured.cpu = min(measured.cpu, float(cpu))
            measured.rss = max(measured.rss, int(rss))
    return best


def wall(command: list[str], repeat: int, cwd: Path | None = None, before: Callable[[], None] | None = None) -> float:
    """Best wall time of ``repeat`` runs of ``command``; ``before`` runs (untimed) before each."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        subprocess.run(command, check=False, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def scaling(sizes: list[int], repeat: int) -> None:
    from generate import generate

    header = ("N", "floor s", "mcplint s", "ratio", "-j1 s", "-j1 ratio", "CPU ratio", "-j1 CPU ratio",
              "ms/endpoint", "floor MB", "mcplint MB")
    widths = (7, 8, 10, 6, 7, 9, 9, 13, 12, 9, 11)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            generate(project, n)
            runs = {
                "floor": (FLOOR, str(project)),
                "lint": (LINT, str(project)),
                "single": (LINT, str(project), "--jobs", "1"),
            }
            measured = timed(runs, repeat + 2 if repeat > 1 and n < 10_000 else repeat)
            floor, lint, single = measured["floor"], measured["lint"], measured["single"]
            print(
                f"{n:>7} {floor.wall:>8.2f} {lint.wall:>10.2f} {lint.wall / floor.wall:>6.2f} {single.wall:>7.2f}"
                f" {single.wall / floor.wall:>9.2f} {lint.cpu / floor.cpu:>9.2f} {single.cpu / floor.cpu:>13.2f}"
                f" {1000 * lint.wall / n:>12.3f}"
                f" {floor.rss / 1024:>9.0f} {max(lint.rss, single.rss) / 1024:>11.0f}",
                flush=True,
            )


def precommit(n: int, repeat: int) -> None:
    from generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        started = time.time()
        generate(project, n)
        # Files younger than two seconds are never cached (mention_index.RACY_NS): wait that out.
        time.sleep(max(0.0, 2.1 - (time.time() - started)))
        changed = "sqls/group_021/things_2100.yaml"
        version = wall([sys.executable, "-m", "mcplint", "--version"], repeat)
        command = [sys.executable, "-m", "mcplint", changed, "--format", "json", "--exit-zero"]
        # "First": no index yet (it is removed before each repetition), so the run fills it.
        first = wall(command, repeat, cwd=project, before=lambda: shutil.rmtree(project / ".mcplint_cache", True))
        wall(command, 1, cwd=project)  # files still "racy" during the first runs are indexed now
        warm = wall(command, repeat, cwd=project)
        uncached = wall([*command, "--no-cache"], repeat, cwd=project)
        print(f"mcplint --version: {version:.2f} s")
        print(f"one-file run on a {n:,}-endpoint project: first {first:.2f} s, with the index warm {warm:.2f} s,"
              f" --no-cache {uncached:.2f} s")


def compile_package() -> None:
    """Byte-compile mcplint as `pip install` does, so that an editable checkout is timed like an install.

    (With PYTHONDONTWRITEBYTECODE set, an editable install would compile every module on every start.)
    """
    import compileall
    import importlib.util

    for name in ("mcplint", "mcplint.rules"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                compileall.compile_dir(folder, quiet=1)


def sqlglot_build() -> str:
    """The sqlglot in use, e.g. ``30.30.0, compiled``: the compiled build (``pip install 'mcplint[fast]'``)
    parses about four times faster, which moves the floor (and every ratio) a lot."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("sqlglot.parser")
    compiled = spec is not None and spec.origin is not None and not spec.origin.endswith(".py")
    return f"{importlib.metadata.version('sqlglot')}, {'compiled' if compiled else 'pure Python'}"


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    compile_package()
    quick = "--quick" in argv
    sizes = [int(a) for a in argv if a != "--quick"] or ([100, 1000] if quick else [100, 1000, 10000])
    repeat = 1 if quick else 3
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  platform: {sys.platform}"
          f"  sqlglot: {sqlglot_build()}", flush=True)
    scaling(sizes, repeat)
    precommit(5000, 1 if quick else 7)  # runs of half a second: best of 7 is cheap and steadier


if __name__ == "__main__":
    main(sys.argv[1:])
