"""Benchmark mcplint against the cost of just parsing the same files, in one run.

    python bench/run.py [N ...]        (default: 100 1000 10000)

For each N it generates a project (bench/generate.py), then measures in fresh
processes, best of 3:
  floor   read every file mcplint reads and parse it with the same YAML loader
          (PyYAML's C composer) and JSON parser; SQL templates with sqlglot (DuckDB dialect; section tags
          removed, interpolations replaced by a literal);
  mcplint `mcplint --format json` over the same tree;
and prints wall time, time per endpoint, peak RSS, and the ratio mcplint/floor.
Figures are ratios measured on this machine in this run, never absolutes to copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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
for dirpath, dirnames, filenames in os.walk(root):
    for name in filenames:
        path = Path(dirpath, name)
        text = path.read_text(encoding="utf-8")
        if name.endswith((".yaml", ".yml")):
            try:
                yaml.compose(text, Loader=loader)
            except yaml.YAMLError:  # raw flAPI YAML with {{include}} lines is not plain YAML
                pass
        elif name.endswith(".json"):
            json.loads(text)
        elif name.endswith(".sql"):
            sqlglot.parse(tag.sub("1", section.sub("", text)), read="duckdb")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
LINT = r"""
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "mcplint", sys.argv[1], "--format", "json", "--output", sys.argv[2],
                "--exit-zero"], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(code: str, *args: str) -> tuple[float, int]:
    best, rss = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - start)
        rss = max(rss, int(out.stdout.strip().splitlines()[-1]))
    return best, rss


def main(sizes: list[int]) -> None:
    sys.path.insert(0, str(HERE))
    from generate import generate

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    header = ("N", "floor s", "mcplint s", "ratio", "ms/endpoint", "floor MB", "mcplint MB")
    widths = (7, 9, 10, 6, 12, 9, 11)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            generate(project, n)
            floor, floor_rss = timed(FLOOR, str(project))
            lint, lint_rss = timed(LINT, str(project), str(Path(tmp) / "report.json"))
            print(
                f"{n:>7} {floor:>9.2f} {lint:>10.2f} {lint / floor:>6.2f} {1000 * lint / n:>12.3f}"
                f" {floor_rss / 1024:>9.0f} {lint_rss / 1024:>11.0f}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 10000])
