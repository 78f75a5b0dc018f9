"""What organisation policies cost: a run with the eight example policies against one without, in one run.

    python bench/policies.py [N] [--repeat R] [--jobs J]     (default: N = 1000, R = 5, J = 0: all cores)

Generates the benchmark project (bench/generate.py) of N endpoints, then times in fresh
processes, taking turns, `mcplint --format json` with the built-in rules only and with
the eight policies of examples/policies/acme.yaml added (a configuration naming them);
prints the best wall time of each and the ratio. The figure is a ratio on this machine in
this run, never an absolute to copy.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def _time(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"mcplint failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=0)
    options = parser.parse_args()
    policies = (HERE.parent / "examples" / "policies" / "acme.yaml").resolve()
    with tempfile.TemporaryDirectory(prefix="mcplint-bench-policies-") as folder:
        root = Path(folder) / "project"
        generate(root, options.n)
        plain_config = Path(folder) / "plain.toml"
        plain_config.write_text("policies = []\n", encoding="utf-8")
        policy_config = Path(folder) / "policies.toml"
        policy_config.write_text(f'policies = ["{policies.as_posix()}"]\n', encoding="utf-8")
        base = [sys.executable, "-m", "mcplint", "check", ".", "--format", "json", "--no-cache",
                "--jobs", str(options.jobs)]
        runs: dict[str, list[float]] = {"built-in rules": [], "with 8 policies": []}
        for _ in range(options.repeat):
            runs["built-in rules"].append(_time([*base, "--config", str(plain_config)], root))
            runs["with 8 policies"].append(_time([*base, "--config", str(policy_config)], root))
    best = {name: min(times) for name, times in runs.items()}
    for name, seconds in best.items():
        print(f"{name:16} best of {options.repeat}: {seconds:.2f} s")
    ratio = best["with 8 policies"] / best["built-in rules"]
    print(f"N = {options.n} endpoints, --jobs {options.jobs}: policies add {100 * (ratio - 1):+.1f}% "
          f"(ratio {ratio:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
