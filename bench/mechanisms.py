"""Does each performance mechanism pay? Each one on and off, in the same run, as ratios.

    python bench/mechanisms.py [--repeat N] [--python OTHER_PYTHON] [--only NAME,...] [--sizes 100,1000]

Runs mcplint in fresh subprocesses through a small driver (``--driver``, below) that
switches one mechanism off by monkeypatching it away, then calls ``mcplint.cli.main``;
mcplint itself has no switches for this. Scenarios (projects from ``bench/generate.py``,
kept in ``$TMPDIR/mcplint-mechanisms``):

* full runs, ``mcplint DIR --format json --exit-zero --no-cache`` with the default jobs (all
  cores) and with ``-j1``, on 100 and 1,000 endpoints, with this interpreter's sqlglot and
  with the one of ``--python`` (e.g. a virtualenv with ``sqlglot[c]``, the compiled parser);
* a pre-commit run on one endpoint file of a 5,000-endpoint project, ``cd DIR && mcplint
  sqls/group_021/things_2100.yaml --format json --exit-zero`` with the caches on (warmed
  first; the file is touched before each run, as an edit would).

Variants of a scenario run interleaved (base, off-1, off-2, ..., base, off-1, ...) and the best
of ``--repeat`` counts. Wall time is measured here; CPU is user+sys of the child and its
descendants (``resource.getrusage(RUSAGE_CHILDREN)`` before and after each run). It prints
one row per mechanism and scenario: the best wall and CPU with the mechanism (``on``) and
without it (``off``), and on/off (below 1: the mechanism saves that share); then which
mechanisms pay at least 10% (on/off <= 0.90) of wall or CPU time in at least one scenario, and
the compiled sqlglot's time as a ratio of the pure-Python one's. Every variant's JSON report
is compared with the base's: a difference is printed as an error (a switch must not change
findings). The mechanisms:

* ``workers``: the checks run in this process (``checks._worker_count`` answers 1).
* ``schema-fast-path``: every document goes to jsonschema (``known_valid`` answers False).
* ``mention-index``: the pre-commit search for files that name the changed one is the
  uncached regex search (``MentionIndex`` built with ``use_cache=False``).

Removed after this script measured them (the figures and the decisions are in
docs/performance.md; run this script at commit 3b899b6 to measure them again): the build
helper that parsed the later YAML files (``yaml-prefetch``) and then SQL templates, handed over
pickled (``sql-prefetch``); the cache of each validator regex's alphabet (``alphabet-cache``;
the alphabet itself is what the SQL-injection verdicts are made of, not a shortcut).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.gettempdir(), "mcplint-mechanisms")
PRECOMMIT_FILE = "sqls/group_021/things_2100.yaml"
PAYS = 0.90  # on/off at or below this in some scenario: the mechanism pays


# ------------------------------------------------------------------ the driver (runs in the child)


def _off(name: str) -> None:
    """Switch mechanism ``name`` off in this process (before mcplint runs)."""
    if name == "workers":
        from mcplint.engine import checks

        checks._worker_count = lambda jobs, files: 1
    elif name == "schema-fast-path":
        from mcplint.rules.config_error import _flapi_schema

        _flapi_schema.known_valid = lambda schema, data: False
    elif name == "mention-index":
        from mcplint.model import builder

        class Uncached(builder.MentionIndex):  # type: ignore[misc,valid-type]
            def __init__(self, access, use_cache=True, sniffs=None):  # type: ignore[no-untyped-def]
                super().__init__(access, False, sniffs)

        builder.MentionIndex = Uncached
    elif name != "base":
        raise SystemExit(f"unknown mechanism {name}")


def driver(name: str, args: list[str]) -> None:
    _off(name)
    from mcplint.cli import main

    sys.argv = ["mcplint", *args]
    main()


# ------------------------------------------------------------------ the measuring side

MECHANISMS = ["workers", "schema-fast-path", "mention-index"]
# Which mechanisms can act in a scenario (the others are inert there and not measured).
PARALLEL_ONLY = {"workers"}


def project(n: int) -> Path:
    folder = WORK / f"p{n}"
    if not folder.is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(folder), str(n)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def run_once(python: str, mechanism: str, args: list[str], cwd: Path, touch: Path | None) -> tuple[float, float, bytes]:
    """One mcplint run: wall seconds, CPU seconds (the child and its descendants), its output."""
    if touch is not None:
        os.utime(touch)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([python, str(Path(__file__).resolve()), "--driver", mechanism, *args], cwd=cwd,
                          stdout=subprocess.PIPE, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def scenario(label: str, variants: list[tuple[str, str]], args: list[str], cwd: Path, repeat: int,
             touch: Path | None = None) -> dict[tuple[str, str], tuple[float, float]]:
    """Best wall and best CPU of each (interpreter, mechanism switched off) variant, run interleaved;
    checks that every output equals the first variant's."""
    best: dict[tuple[str, str], tuple[float, float]] = {}
    outputs: dict[tuple[str, str], bytes] = {}
    for python in dict.fromkeys(python for python, _ in variants):
        run_once(python, "base", args, cwd, touch)  # warms the disk cache (and, with caches on, .mcplint_cache)
    for _ in range(repeat):
        for variant in variants:
            wall, cpu, out = run_once(*variant, args, cwd, touch)
            old = best.get(variant, (float("inf"), float("inf")))
            best[variant] = (min(old[0], wall), min(old[1], cpu))
            outputs.setdefault(variant, out)
    for variant, out in outputs.items():
        if out != outputs[variants[0]]:
            print(f"ERROR: {label}: the report of {variant} differs from that of {variants[0]}", flush=True)
    return best


def sqlglot_build(python: str) -> str:
    code = "import sys; sys.path.insert(0, sys.argv[1]); from run import sqlglot_build; print(sqlglot_build())"
    return subprocess.run([python, "-c", code, str(HERE)], capture_output=True, text=True, check=True).stdout.strip()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", action="append", default=[], help="another interpreter (a second build)")
    parser.add_argument("--only", default=",".join(MECHANISMS))
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--no-precommit", action="store_true")
    options = parser.parse_args(argv)
    wanted = options.only.split(",")
    pythons = [sys.executable, *options.python]
    builds = {python: sqlglot_build(python) for python in pythons}
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  repeat: {options.repeat}  "
          f"builds: {' | '.join(builds.values())}", flush=True)

    rows: list[tuple[str, str, tuple[float, float], tuple[float, float]]] = []  # mechanism, scenario, on, off
    bases: dict[str, dict[str, tuple[float, float]]] = {}  # scenario -> build -> base (wall, cpu)
    for n in [int(s) for s in options.sizes.split(",") if s]:
        folder = project(n)
        for jobs in ("", "-j1"):
            name = f"{n} endpoints, {'-j1' if jobs else 'jobs=all'}"
            mechanisms = [m for m in wanted if m != "mention-index" and not (jobs and m in PARALLEL_ONLY)]
            variants = [(python, m) for python in pythons for m in ["base", *mechanisms]]
            args = [str(folder), "--format", "json", "--exit-zero", "--no-cache", *([jobs] if jobs else [])]
            best = scenario(name, variants, args, folder, options.repeat)
            for python in pythons:
                label = f"{name}, {builds[python].split(', ')[1]}"
                bases.setdefault(name, {})[python] = best[(python, "base")]
                rows.extend((m, label, best[(python, "base")], best[(python, m)]) for m in mechanisms)
                print(f"  done: {label}: base {best[(python, 'base')][0]:.2f} s wall, "
                      f"{best[(python, 'base')][1]:.2f} s CPU", flush=True)
    if not options.no_precommit:
        folder = project(5000)
        mechanisms = [m for m in wanted if m not in PARALLEL_ONLY]
        label = "pre-commit, 1 file of 5,000"
        best = scenario(label, [(sys.executable, m) for m in ["base", *mechanisms]],
                        [PRECOMMIT_FILE, "--format", "json", "--exit-zero"], folder, options.repeat * 2,
                        touch=folder / PRECOMMIT_FILE)
        rows.extend((m, label, best[(sys.executable, "base")], best[(sys.executable, m)]) for m in mechanisms)

    print()
    print("| mechanism | scenario | wall on | wall off | wall on/off | CPU on | CPU off | CPU on/off |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    paying: dict[str, list[str]] = {}
    for mechanism in MECHANISMS:
        for m, label, on, off in rows:
            if m != mechanism:
                continue
            wall, cpu = on[0] / off[0], on[1] / off[1]
            print(f"| {m} | {label} | {on[0]:.2f} | {off[0]:.2f} | {wall:.2f} "
                  f"| {on[1]:.2f} | {off[1]:.2f} | {cpu:.2f} |")
            if wall <= PAYS or cpu <= PAYS:
                paying.setdefault(m, []).append(f"{label} (wall {wall:.2f}, CPU {cpu:.2f})")
    print()
    for mechanism in wanted:
        measured = any(m == mechanism for m, *_ in rows)
        verdict = ("pays: " + "; ".join(paying[mechanism])) if mechanism in paying else (
            "does not pay 10% anywhere" if measured else "not measured")
        print(f"{mechanism}: {verdict}")
    if len(pythons) > 1:
        print()
        print("compiled sqlglot against pure Python (everything on; the same interleaved runs):")
        print("| scenario | pure wall | compiled wall | compiled/pure wall "
              "| pure CPU | compiled CPU | compiled/pure CPU |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, by_python in bases.items():
            a, b = by_python[pythons[0]], by_python[pythons[1]]
            print(f"| {name} | {a[0]:.2f} | {b[0]:.2f} | {b[0] / a[0]:.2f} "
                  f"| {a[1]:.2f} | {b[1]:.2f} | {b[1] / a[1]:.2f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--driver"]:
        driver(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1:])
