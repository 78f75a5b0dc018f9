"""Count the instructions mcplint and the parse floor execute, under valgrind's callgrind.

    python bench/instructions.py [N ...]        (default: 1 100 1000)

Wall and CPU times on a shared 2-core machine vary by 15% within minutes, which
hides any change smaller than that. Instruction counts do not: the same
program on the same input executes the same number of instructions whatever
else the machine does. So this script answers "did this change make mcplint do
less work?" exactly, where ``bench/run.py`` answers "how long does it take?".

For each N it generates a project (bench/generate.py) and counts, in one
process each (``--jobs 1``; a count says nothing about how work spreads over
cores):
  floor    the same parse floor as bench/run.py (read, YAML compose, JSON, sqlglot);
  mcplint  ``mcplint --jobs 1 --format json`` over the same tree;
and prints both, their ratio and their difference (what mcplint does beyond
parsing). N = 1 shows the fixed cost (interpreter start, imports, rule
patterns). Callgrind runs programs about 50 times slower: N = 1,000 takes
about four minutes.

Counts depend on the Python build and the sqlglot build (the first line names
both), never on load. Needs ``valgrind`` on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(command: list[str]) -> int:
    """Instructions executed by ``command`` (and nothing it forks: mcplint runs with --jobs 1)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    found = _COLLECTED.search(out.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str]) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH (Debian: apt-get install valgrind)")
    sys.path.insert(0, str(HERE))
    from generate import generate
    from run import FLOOR, compile_package, sqlglot_build

    compile_package()
    sizes = [int(a) for a in argv] or [1, 100, 1000]
    print(f"python: {sys.version.split()[0]}  sqlglot: {sqlglot_build()}", flush=True)
    print(f"{'N':>7} {'floor Minstr':>13} {'mcplint Minstr':>15} {'ratio':>6} {'mcplint - floor':>16}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            generate(project, n)
            floor = count([sys.executable, "-c", FLOOR, str(project)])
            lint = count([sys.executable, "-m", "mcplint", str(project), "--jobs", "1", "--format", "json",
                          "--exit-zero", "--no-cache"])
            print(f"{n:>7} {floor / 1e6:>13.0f} {lint / 1e6:>15.0f} {lint / floor:>6.2f} {(lint - floor) / 1e6:>16.0f}",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
