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
endpoint and peak RSS (the largest single process); these runs use ``--no-cache``.

Then the scenarios users feel, on a 2,000-endpoint project (``scenarios``): the
same tree re-linted with the result cache warm, a run after one endpoint changed,
and a pre-commit style run on that one file, as ratios to the parse floor (or, for
the one-file run, to ``python -c "import yaml, sqlglot"``), all in one run, taking
turns; and peak memory of a one-process run at growing sizes with the growth per
endpoint (``memory``).

Figures are ratios measured on this machine in this run, never absolutes to copy. The
first line names the sqlglot build: the compiled one (``mcplint[fast]``) halves the floor.
"""

from __future__ import annotations

import os
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
                "lint": (LINT, str(project), "--no-cache"),
                "single": (LINT, str(project), "--jobs", "1", "--no-cache"),
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


SCENARIO_SIZE = 2000


def _settle() -> None:
    """Files younger than two seconds are never cached (result_cache / mention_index RACY_NS): wait that out."""
    time.sleep(2.1)


def _edit_one(project: Path, turn: int) -> None:
    """Change one endpoint's tool description: new content, so a new stamp."""
    path = project / "sqls" / "group_010" / "things_1002.yaml"
    lines = path.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("  description: "):
            lines[index] = f"  description: List things (edit {turn}), newest first.\n"
    path.write_text("".join(lines))


def scenarios(n: int, repeat: int) -> None:
    """What users feel, as ratios to floors measured in the same run (best of ``repeat``, taking turns).

    * the parse floor (as above) and the import floor (``python -c "import yaml, sqlglot"``);
    * a full run without the cache, and its peak memory;
    * the same tree re-linted with the cache warm (nothing changed);
    * one endpoint changed since the cache was filled;
    * a pre-commit style run on that one endpoint file (its first run fills the pre-commit cache).
    """
    from generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        generate(project, n)
        _settle()
        lint = [sys.executable, "-m", "mcplint", ".", "--format", "json", "--exit-zero"]
        one_file = [sys.executable, "-m", "mcplint", "sqls/group_010/things_1002.yaml", "--format", "json",
                    "--exit-zero"]
        # The first runs fill the caches as a user's first runs after `pip install` do: with Python allowed to
        # write its bytecode caches (this machine's environment forbids it), where mcplint keeps the compiled
        # code of its regular expressions too (lazy_re.py).
        first_runs = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(lint, cwd=project, check=True, stdout=subprocess.DEVNULL, env=first_runs)  # fill the cache
        subprocess.run(one_file, cwd=project, check=True, stdout=subprocess.DEVNULL, env=first_runs)
        best: dict[str, float] = {}
        measured = {"floor": Measured(), "full": Measured()}
        for turn in range(repeat):
            for name, run in timed({"floor": (FLOOR, str(project)),
                                    "full": (LINT, str(project), "--no-cache")}, 1).items():
                previous = measured[name]
                previous.wall, previous.cpu = min(previous.wall, run.wall), min(previous.cpu, run.cpu)
                previous.rss = max(previous.rss, run.rss)
            best["import"] = min(best.get("import", 1e9),
                                 wall([sys.executable, "-c", "import yaml, sqlglot"], 1))
            best["unchanged"] = min(best.get("unchanged", 1e9), wall(lint, 1, cwd=project))
            _edit_one(project, turn)
            best["one changed"] = min(best.get("one changed", 1e9), wall(lint, 1, cwd=project))
            best["one file"] = min(best.get("one file", 1e9), wall(one_file, 1, cwd=project))
            _settle()
            subprocess.run(lint, cwd=project, check=True, stdout=subprocess.DEVNULL)  # the edit is cached now
        floor, full = measured["floor"], measured["full"]
        print(f"\nscenarios on {n:,} endpoints (best of {repeat}; wall-time ratios to the floor in brackets):")
        print(f"  parse floor {floor.wall:.2f} s, {floor.rss / 1024:.0f} MB;"
              f" import floor (python -c 'import yaml, sqlglot') {best['import']:.2f} s")
        print(f"  full run, no cache      {full.wall:6.2f} s  [{full.wall / floor.wall:.2f}x]"
              f"  CPU {full.cpu / floor.cpu:.2f}x the floor's, peak {full.rss / 1024:.0f} MB"
              f" [{full.rss / floor.rss:.2f}x]")
        print(f"  unchanged, cache warm   {best['unchanged']:6.2f} s  [{best['unchanged'] / floor.wall:.2f}x]")
        print(f"  one endpoint changed    {best['one changed']:6.2f} s  [{best['one changed'] / floor.wall:.2f}x]")
        print(f"  one-file run            {best['one file']:6.2f} s  [{best['one file'] / best['import']:.2f}x"
              " the import floor]")


def memory(sizes: list[int]) -> None:
    """Peak memory of a full run (one process, no cache) and its growth per endpoint between sizes."""
    from generate import generate

    peaks = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            generate(project, n)
            runs = timed({"floor": (FLOOR, str(project)), "lint": (LINT, str(project), "--no-cache", "--jobs", "1")}, 1)
            peaks.append((n, runs["floor"].rss, runs["lint"].rss))
    print("\npeak memory, one process, no cache:")
    for (n, floor, lint), previous in zip(peaks, [None, *peaks[:-1]], strict=True):
        growth = "" if previous is None else f", +{(lint - previous[2]) / (n - previous[0]):.1f} KB per endpoint"
        print(f"  {n:>6,} endpoints: floor {floor / 1024:.0f} MB, mcplint {lint / 1024:.0f} MB"
              f" [{lint / floor:.2f}x]{growth}")


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
    scenarios(SCENARIO_SIZE, 3 if quick else 5)
    memory([1000, 2000] if quick else [1000, 2000, 5000, 10000])


if __name__ == "__main__":
    main(sys.argv[1:])
