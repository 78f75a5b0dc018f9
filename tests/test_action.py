"""The GitHub Action (action.yml), run the way GitHub's runner runs a composite action.

The steps' ``run:`` scripts are executed in order with ``bash --noprofile --norc -eo pipefail``
(GitHub's ``shell: bash``), in a workspace folder, with only what the runner provides substituted:
``GITHUB_ACTION_PATH`` (a clean copy of this repository, as GitHub downloads it), a fresh
``GITHUB_OUTPUT`` file per step, and the steps' ``env:`` mappings, whose ``${{ inputs.x }}``
expressions are evaluated from the inputs' defaults and the test's values. ``actions/setup-python``
is the one step not run: a fresh virtualenv's ``python`` first on the PATH stands in for it, and the
install step really ``pip install``s the action path into it (once per test session).

Tests that only check the command lines the scripts build run them against a stub ``python`` that
records its arguments.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
import yaml

import mcplint
from conftest import REPO, SARIF_SCHEMA, write_tree

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*(?P<expr>[^{}]*?)\s*\}\}")
_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "node_modules",
                                 ".pytest_cache", ".hypothesis", ".tools", ".mcplint_cache", ".ruff_cache")
DEFAULTS = {
    "paths": ".",
    "format": "sarif",
    "output": "mcplint.sarif",
    "fail-on": "error",
    "baseline": "",
    "sarif-category": "mcplint",
    "python-version": "3.12",
    "version": "",
    "args": "",
}
# A project whose only finding is a warning (CORS002: no `cors` block).
WARNING_ONLY = {
    "flapi.yaml": "project-name: demo\nhttp-host: 127.0.0.1\ntemplate:\n  path: ./sqls\n",
    "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
    "sqls/orders.sql": "SELECT id FROM orders LIMIT 10\n",
}
HOSTILE = "$(touch pwned)"


@dataclass
class ActionRun:
    steps: list[tuple[str, int]]  # (step id, exit code) of every step that ran
    outputs: dict[str, str]       # the action's outputs, evaluated as GitHub evaluates them
    log: str

    @property
    def failed(self) -> bool:
        return any(code != 0 for _, code in self.steps)

    @property
    def code(self) -> int:
        return self.steps[-1][1]


def _evaluate(value: object, inputs: Mapping[str, str], step_outputs: Mapping[str, Mapping[str, str]]) -> str:
    """Evaluate an ``env:``/output value: exactly one ``${{ inputs.x }}`` or ``${{ steps.id.outputs.x }}``."""
    match = _EXPRESSION.fullmatch(str(value))
    assert match, f"value is not a single expression the test maps: {value!r}"
    expr = match["expr"]
    if expr.startswith("inputs."):
        name = expr.removeprefix("inputs.")
        assert name in inputs, f"undeclared input {name!r}"
        return inputs[name]
    step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
    assert step, f"expression the test does not map: {expr!r}"
    return step_outputs.get(step[1], {}).get(step[2], "")  # GitHub: a missing output is ''


def _read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (``name=value`` and ``name<<DELIMITER`` blocks)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise AssertionError(f"unterminated output {name!r}")
            outputs[name] = "\n".join(value)
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_action(workspace: Path, inputs: Mapping[str, str] | None = None, *, bin_dir: Path, action_path: Path,
               steps: Sequence[str] = ("install", "run"), env: Mapping[str, str] | None = None) -> ActionRun:
    """Run the ``run:`` steps named in ``steps`` in the order of action.yml, stopping at the first failure."""
    inputs = dict(inputs or {})
    assert not set(inputs) - set(ACTION["inputs"]), "the test passes an input action.yml does not declare"
    values = {name: inputs.get(name, str(spec.get("default", ""))) for name, spec in ACTION["inputs"].items()}
    base = {k: v for k, v in os.environ.items()
            if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MCPLINT_DEBUG"} and not k.startswith("GITHUB_")}
    base["PATH"] = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    base.update(env or {})
    ran: list[tuple[str, int]] = []
    step_outputs: dict[str, dict[str, str]] = {}
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="runner-temp-") as temp:
        runner_temp = Path(temp)
        for index, step in enumerate(ACTION["runs"]["steps"]):
            if "uses" in step or step["id"] not in steps:
                continue
            script = runner_temp / f"step{index}.sh"
            script.write_text(step["run"], encoding="utf-8")
            output_file = runner_temp / f"output{index}"
            output_file.touch()
            step_env = {**base, "GITHUB_ACTION_PATH": str(action_path), "GITHUB_WORKSPACE": str(workspace),
                        "GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(runner_temp)}
            step_env.update({key: _evaluate(value, values, step_outputs) for key, value in step.get("env", {}).items()})
            result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                    cwd=workspace, env=step_env, capture_output=True, text=True, timeout=900)
            log.append(result.stdout + result.stderr)
            step_outputs[step["id"]] = _read_outputs(output_file)
            ran.append((step["id"], result.returncode))
            if result.returncode != 0:
                break  # GitHub skips the remaining steps (none of them is `if: always()`)
    outputs = {name: _evaluate(spec["value"], values, step_outputs) for name, spec in ACTION["outputs"].items()}
    return ActionRun(ran, outputs, "".join(log))


def _pwned(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.name == "pwned"]


# --------------------------------------------------------------------------- shape


def test_action_declares_the_documented_inputs_outputs_and_steps() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} == DEFAULTS
    assert all(spec.get("description") for spec in [*ACTION["inputs"].values(), *ACTION["outputs"].values()])
    assert {name: spec["value"] for name, spec in ACTION["outputs"].items()} == {
        "sarif-file": "${{ steps.run.outputs.sarif-file }}",
        "exit-code": "${{ steps.run.outputs.exit-code }}",
    }
    setup, install, run = ACTION["runs"]["steps"]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}"}
    assert (install["id"], install["shell"], run["id"], run["shell"]) == ("install", "bash", "run", "bash")


def test_inputs_reach_the_scripts_only_through_env() -> None:
    mapped: dict[str, str] = {}
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        assert "${{" not in step["run"], "an expression inside a script body is pasted into the shell as code"
        assert "if" not in step, "the test runs every run step unconditionally"
        for key, value in step.get("env", {}).items():
            match = _EXPRESSION.fullmatch(value)
            assert match and match["expr"].startswith("inputs."), (key, value)
            mapped[key] = match["expr"].removeprefix("inputs.")
    expected = {f"INPUT_{name.upper().replace('-', '_')}": name for name in DEFAULTS if name != "python-version"}
    assert mapped == expected


def test_readme_workflow_uses_the_action_with_declared_inputs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GitHub Actions code scanning", 1)[1].split("\n## ", 1)[0]
    workflow = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S)[1])
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    steps = workflow["jobs"]["mcplint"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert uses[0] == "actions/checkout@v4" and uses[1].startswith("mcplint/mcplint@")
    assert uses[2] == "github/codeql-action/upload-sarif@v3" and "always()" in steps[2]["if"]
    assert set(steps[1].get("with", {})) <= set(DEFAULTS)
    table = dict(re.findall(r"^\| `([a-z-]+)` \| (?:`([^`]*)`|empty) \|", section, re.M))
    assert table == DEFAULTS, "the README's inputs table lists every input with its default"


# --------------------------------------------------------------------------- command lines (stub python)


@pytest.fixture()
def stub(tmp_path: Path) -> dict[str, Path]:
    """A ``python`` that records its arguments (one JSON list per call), writes the file named by
    ``--output`` as mcplint would, and exits with ``$STUB_EXIT``."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "args = sys.argv[1:]\n"
        "with open(os.environ['STUB_LOG'], 'a', encoding='utf-8') as log:\n"
        "    log.write(json.dumps(args) + '\\n')\n"
        "if '--output' in args:\n"
        "    open(args[args.index('--output') + 1], 'w').write('{}')\n"
        "sys.exit(int(os.environ.get('STUB_EXIT', '0')))\n",
        encoding="utf-8",
    )
    python.chmod(0o755)
    workspace = tmp_path / "workspace"
    write_tree(workspace, {"legacy/a.yaml": "a: 1\n", "b.sql": "SELECT 1\n"})  # things a stray glob would match
    return {"bin": bin_dir, "workspace": workspace, "log": tmp_path / "calls.jsonl", "action": tmp_path / "action"}


def _stub_run(stub: dict[str, Path], inputs: Mapping[str, str], steps: Sequence[str],
              exit_code: int = 0) -> tuple[ActionRun, list[list[str]]]:
    result = run_action(stub["workspace"], inputs, bin_dir=stub["bin"], action_path=stub["action"], steps=steps,
                        env={"STUB_LOG": str(stub["log"]), "STUB_EXIT": str(exit_code)})
    calls = [json.loads(line) for line in stub["log"].read_text().splitlines()] if stub["log"].exists() else []
    return result, calls


@pytest.mark.parametrize(("version", "requirement"), [
    ("", None),  # the action's own checkout
    ("0.1.0", "mcplint==0.1.0"),
    ("v0.2.0", "mcplint==0.2.0"),
    ("0.1.*", "mcplint==0.1.*"),
    ("1.0.0rc1", "mcplint==1.0.0rc1"),
])
def test_install_step_builds_the_pip_requirement(stub: dict[str, Path], version: str, requirement: str | None) -> None:
    result, calls = _stub_run(stub, {"version": version}, ["install"])
    assert not result.failed, result.log
    (call,) = calls
    assert call == ["-I", "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off",
                    requirement or str(stub["action"])]


@pytest.mark.parametrize("version", [
    "1.0 --index-url https://example.com/simple", "--index-url=https://example.com/simple", HOSTILE,
    "0.1.0; touch pwned", "`touch pwned`", "-e .", "../mcplint", "git+https://example.com/x", "0.1.0\n0.2.0",
])
def test_install_step_refuses_anything_but_a_version(stub: dict[str, Path], version: str) -> None:
    result, calls = _stub_run(stub, {"version": version}, ["install"])
    assert result.steps == [("install", 2)]
    assert calls == []
    assert "input 'version' must be a version number" in result.log
    assert not _pwned(stub["workspace"])


_CHECK = ["-I", "-m", "mcplint", "check"]


@pytest.mark.parametrize(("inputs", "expected"), [
    ({}, [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--fail-on", "error",
          "--output", "mcplint.sarif", "--", "."]),
    ({"paths": "api  config/flapi.yaml\t.mcp.json sub\\dir", "format": "json", "output": "", "sarif-category": "api",
      "fail-on": "warning"},
     [*_CHECK, "--format", "json", "--sarif-category", "api", "--fail-on", "warning",
      "--", "api", "config/flapi.yaml", ".mcp.json", "sub\\dir"]),
    # One path per line: spaces stay inside a path; nothing is evaluated.
    ({"paths": f"my dir\n{HOSTILE}\n\n  `touch pwned`  \n-rf\n", "fail-on": "never", "output": "out put.sarif"},
     [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--fail-on", "note",
      "--output", "out put.sarif", "--", "my dir", HOSTILE, "`touch pwned`", "-rf"]),
    # Blank-separated: words, never globbed or evaluated.
    ({"paths": f"a {HOSTILE} * legacy/**", "fail-on": ""},
     [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--output", "mcplint.sarif",
      "--", "a", "$(touch", "pwned)", "*", "legacy/**"]),
    ({"paths": " \n \n"},
     [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--fail-on", "error",
      "--output", "mcplint.sarif", "--", "."]),
    ({"baseline": "mcplint baseline.json", "args": "--select CRED,SQLI --exclude legacy/** --jobs 1",
      "output": f"{HOSTILE}.sarif"},
     [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--fail-on", "error",
      "--output", f"{HOSTILE}.sarif", "--baseline", "mcplint baseline.json",
      "--select", "CRED,SQLI", "--exclude", "legacy/**", "--jobs", "1", "--", "."]),
    ({"args": "--ignore\nCFG002\n", "paths": "x"},
     [*_CHECK, "--format", "sarif", "--sarif-category", "mcplint", "--fail-on", "error",
      "--output", "mcplint.sarif", "--ignore", "CFG002", "--", "x"]),
])
def test_run_step_builds_the_command_line(stub: dict[str, Path], inputs: dict[str, str], expected: list[str]) -> None:
    result, calls = _stub_run(stub, inputs, ["run"])
    assert not result.failed, result.log
    assert calls == [expected]
    assert not _pwned(stub["workspace"])
    assert result.outputs["sarif-file"] == inputs.get("output", "mcplint.sarif")


@pytest.mark.parametrize(("fail_on", "mcplint_exit", "step_exit"), [
    ("error", 0, 0), ("error", 1, 1), ("warning", 1, 1), ("note", 1, 1), ("", 1, 1),
    ("never", 0, 0), ("never", 1, 0),
    ("never", 2, 2), ("error", 2, 2), ("never", 120, 120),
])
def test_exit_code_output_and_step_result(stub: dict[str, Path], fail_on: str, mcplint_exit: int,
                                          step_exit: int) -> None:
    result, calls = _stub_run(stub, {"fail-on": fail_on}, ["run"], exit_code=mcplint_exit)
    assert len(calls) == 1
    assert result.steps == [("run", step_exit)]
    assert result.outputs == {"exit-code": str(mcplint_exit), "sarif-file": "mcplint.sarif"}
    if step_exit:
        assert "::error title=mcplint::" in result.log


@pytest.mark.parametrize("inputs", [
    {"fail-on": "errors"}, {"fail-on": HOSTILE}, {"output": "report.sarif\nexit-code=0"},
])
def test_bad_inputs_fail_before_running_mcplint(stub: dict[str, Path], inputs: dict[str, str]) -> None:
    result, calls = _stub_run(stub, inputs, ["run"])
    assert calls == []
    assert result.steps == [("run", 2)]
    assert result.outputs == {"exit-code": "2", "sarif-file": ""}
    assert not _pwned(stub["workspace"])


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="session")
def action_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh virtualenv and a clean copy of the repository as the action path (one per session)."""
    work = tmp_path_factory.mktemp("action")
    action_path = work / "action"
    shutil.copytree(REPO, action_path, ignore=_IGNORE)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return {"bin": venv / "bin", "venv": venv, "action": action_path, "work": work}


@pytest.fixture(scope="session")
def examples_run(action_env: dict[str, Path]) -> tuple[ActionRun, Path]:
    """The whole action with its defaults on a workspace holding a copy of examples/: installs mcplint."""
    workspace = action_env["work"] / "examples-workspace"
    shutil.copytree(REPO / "examples", workspace / "examples")
    return run_action(workspace, bin_dir=action_env["bin"], action_path=action_env["action"]), workspace


def _real(action_env: dict[str, Path], examples_run: tuple[ActionRun, Path], workspace: Path,
          inputs: Mapping[str, str]) -> ActionRun:
    install = examples_run[0].steps[0]
    assert install == ("install", 0), examples_run[0].log
    return run_action(workspace, inputs, bin_dir=action_env["bin"], action_path=action_env["action"], steps=["run"])


def _sarif(path: Path) -> dict:
    assert path.is_file()
    log = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)] == []
    return log


def _uris(log: dict) -> set[str]:
    return {unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in log["runs"][0]["results"]}


def test_install_step_installs_the_action_checkout(action_env: dict[str, Path],
                                                   examples_run: tuple[ActionRun, Path]) -> None:
    run, _ = examples_run
    assert run.steps[0] == ("install", 0), run.log
    python = str(action_env["bin"] / "python")
    probe = subprocess.run([python, "-c", "import mcplint; print(mcplint.__version__, mcplint.__file__)"],
                           capture_output=True, text=True, check=True, cwd=action_env["work"])
    version, location = probe.stdout.split()
    assert version == mcplint.__version__
    assert Path(location).is_relative_to(action_env["venv"])  # a real install, not this checkout


def test_default_run_writes_sarif_and_fails_on_errors(examples_run: tuple[ActionRun, Path]) -> None:
    run, workspace = examples_run
    assert run.steps == [("install", 0), ("run", 1)], run.log
    assert run.outputs == {"exit-code": "1", "sarif-file": "mcplint.sarif"}
    log = _sarif(workspace / "mcplint.sarif")
    results = log["runs"][0]["results"]
    assert results and {r["level"] for r in results} >= {"error", "warning"}
    assert log["runs"][0]["automationDetails"]["id"] == "mcplint/"
    assert all(uri.startswith("examples/") for uri in _uris(log))
    assert "::error title=mcplint::mcplint reported findings" in run.log


@pytest.mark.parametrize(("project", "inputs", "step_exit", "exit_code"), [
    ("examples", {"fail-on": "warning"}, 1, "1"),
    ("examples", {"fail-on": "never", "sarif-category": "api"}, 0, "1"),
    ("warning-only", {"fail-on": "error"}, 0, "0"),
    ("warning-only", {"fail-on": "warning"}, 1, "1"),
    ("warning-only", {"fail-on": ""}, 1, "1"),  # the CLI's default, warning
    ("warning-only+config", {"fail-on": ""}, 0, "0"),  # the project's fail-on = "error"
    ("warning-only+config", {"fail-on": "note"}, 1, "1"),  # the input overrides the project's setting
])
def test_fail_on(action_env: dict[str, Path], examples_run: tuple[ActionRun, Path], tmp_path: Path, project: str,
                 inputs: dict[str, str], step_exit: int, exit_code: str) -> None:
    if project == "examples":
        shutil.copytree(REPO / "examples", tmp_path / "examples")
    else:
        write_tree(tmp_path, WARNING_ONLY)
        if project.endswith("+config"):
            write_tree(tmp_path, {".mcplint.toml": 'fail-on = "error"\n'})
    run = _real(action_env, examples_run, tmp_path, inputs)
    assert run.steps == [("run", step_exit)], run.log
    assert run.outputs == {"exit-code": exit_code, "sarif-file": "mcplint.sarif"}
    log = _sarif(tmp_path / "mcplint.sarif")
    assert log["runs"][0]["results"]  # the report is complete whatever fail-on says
    assert log["runs"][0]["automationDetails"]["id"] == inputs.get("sarif-category", "mcplint") + "/"


def test_broken_run_fails_the_step_even_with_fail_on_never(action_env: dict[str, Path],
                                                           examples_run: tuple[ActionRun, Path],
                                                           tmp_path: Path) -> None:
    write_tree(tmp_path, WARNING_ONLY)
    run = _real(action_env, examples_run, tmp_path, {"fail-on": "never", "args": "--config missing.toml"})
    assert run.steps == [("run", 2)], run.log
    assert run.outputs == {"exit-code": "2", "sarif-file": ""}
    assert "could not complete the run (exit code 2)" in run.log


def test_hostile_paths_are_linted_never_executed(action_env: dict[str, Path], examples_run: tuple[ActionRun, Path],
                                                 tmp_path: Path) -> None:
    names = ["my dir", HOSTILE, "`touch pwned`; touch pwned"]
    for name in names:
        shutil.copytree(REPO / "examples", tmp_path / name)
    run = _real(action_env, examples_run, tmp_path, {"paths": "\n".join(names) + "\n", "fail-on": "never"})
    assert run.steps == [("run", 0)], run.log
    assert run.outputs == {"exit-code": "1", "sarif-file": "mcplint.sarif"}
    tops = {uri.split("/", 1)[0] for uri in _uris(_sarif(tmp_path / "mcplint.sarif"))}
    assert tops == set(names)
    assert not _pwned(tmp_path, action_env["work"]) and not Path("pwned").exists()


def test_baseline_input_hides_accepted_findings(action_env: dict[str, Path], examples_run: tuple[ActionRun, Path],
                                                tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    subprocess.run([str(action_env["bin"] / "python"), "-m", "mcplint", "check", "--write-baseline",
                    "accepted findings.json", "examples"], cwd=tmp_path, check=True, capture_output=True)
    inputs = {"baseline": "accepted findings.json", "fail-on": "note"}
    accepted = _real(action_env, examples_run, tmp_path, inputs)
    assert accepted.steps == [("run", 0)], accepted.log
    assert accepted.outputs == {"exit-code": "0", "sarif-file": "mcplint.sarif"}
    assert _sarif(tmp_path / "mcplint.sarif")["runs"][0]["results"] == []

    write_tree(tmp_path / "new", WARNING_ONLY)
    fresh = _real(action_env, examples_run, tmp_path, inputs)
    assert fresh.steps == [("run", 1)], fresh.log
    assert fresh.outputs == {"exit-code": "1", "sarif-file": "mcplint.sarif"}
    assert _uris(_sarif(tmp_path / "mcplint.sarif")) == {"new/flapi.yaml"}

    missing = _real(action_env, examples_run, tmp_path, {"baseline": "missing.json", "fail-on": "never"})
    assert missing.steps == [("run", 2)] and missing.outputs["exit-code"] == "2"
