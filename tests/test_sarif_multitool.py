"""The bundled example's SARIF passes Microsoft's SARIF multitool (SARIF and GitHub rules).

The multitool is an npm package; ``.ci/run`` installs it and sets
``MCPLINT_SARIF_MULTITOOL``. Its exit code is 0 even when it finds errors, so
the test reads the SARIF file it writes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run_lint
from mcplint.reporters import get_reporter

TOOL = os.environ.get("MCPLINT_SARIF_MULTITOOL", "")
REQUIRED = os.environ.get("MCPLINT_REQUIRE_MULTITOOL") == "1"


def test_example_sarif_passes_the_multitool(tmp_path: Path) -> None:
    if not TOOL or not Path(TOOL).is_file():
        if REQUIRED:
            pytest.fail(f"MCPLINT_REQUIRE_MULTITOOL=1 but the multitool is missing: {TOOL!r}")
        pytest.skip("Sarif.Multitool not installed (bash .ci/run installs it and makes this test mandatory)")
    sarif = tmp_path / "example.sarif"
    sarif.write_text(get_reporter("sarif")(run_lint(REPO, paths=["examples"]).report), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    subprocess.run([TOOL, "validate", "--rule-kind", "Sarif;Gh", "-o", str(out), str(sarif)],
                   capture_output=True, text=True, timeout=300)
    assert out.is_file(), "the multitool wrote no output"
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    problems = [
        f"{r.get('level', 'warning')} {r['ruleId']}: {r['message']}"
        for r in results
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert problems == []
