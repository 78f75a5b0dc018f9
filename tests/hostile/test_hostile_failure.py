"""Failure discipline and output safety through the command line.

* A rule that raises becomes a CFG900 ``internal-error`` finding naming the
  rule and the file, never quoting the exception's text; every other rule
  still reports, in every output format, also when the checks run in forked
  workers; the exit code is 2 whatever ``--exit-zero`` or ``--fail-on`` say.
* ``--output`` (and ``--write-baseline``) never overwrite a scanned file, never
  write through a symlink (a linked file or a linked folder on the way), and
  fail with one line and exit 2 on a folder or an impossible path.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import mcplint.rules
from mcplint.cli import cli
from mcplint.model import Target

from _make import MAIN, ORDINARY, endpoint, run_bounded, write
from conftest import symlink

LEAK = "hunter2-from-the-exception"
RULE_PACK = mcplint.rules.ALL_RULES  # as shipped, before any test patches it


def exploding_rules(target: Target = Target.ENDPOINT, exception: type[BaseException] = KeyError) -> tuple:  # type: ignore[type-arg]
    base = next(r for r in RULE_PACK if r.id == "CORS001")

    def explode(unit):  # type: ignore[no-untyped-def]
        raise exception(LEAK)

    return (*RULE_PACK, dataclasses.replace(base, id="CORS099", name="exploding-test-rule",
                                                          check=explode, target=target))


def lint_cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str, rules: tuple | None = None):  # type: ignore[no-untyped-def, type-arg]
    """Run `mcplint check` in process (the registry is built from the patched rule pack)."""
    monkeypatch.setattr(mcplint.rules, "ALL_RULES", rules if rules is not None else exploding_rules())
    monkeypatch.chdir(root)
    collecting = gc.isenabled()
    try:
        return CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False)
    finally:
        if collecting:
            gc.enable()


def project(root: Path, endpoints: int = 1) -> Path:
    files: dict[str, str | bytes] = dict(ORDINARY)
    for i in range(endpoints):
        files[f"sqls/e{i:03d}.yaml"] = endpoint(f"e{i:03d}.sql", url=f"/e{i}/")
        files[f"sqls/e{i:03d}.sql"] = "SELECT id FROM t WHERE x = {{ params.a }}\n"
    return write(root, files)


def test_a_failing_rule_is_reported_the_others_still_run_and_the_exit_code_is_2(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "tree")
    result = lint_cli(root, monkeypatch, "--format", "json", "--jobs", "1")
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    internal = [f for f in report["findings"] if f["rule_id"] == "CFG900"]
    assert {f["path"] for f in internal} == {"sqls/e000.yaml", "sqls/ok.yaml"}
    for finding in internal:
        assert "CORS099" in finding["message"] and "exploding-test-rule" in finding["message"]
        assert "KeyError" in finding["message"]
    assert LEAK not in result.output
    seen = {(f["path"], f["rule_id"], f["region"]["start_line"], f["region"]["start_column"]) for f in report["findings"]}
    assert {("flapi.yaml", "CORS001", 5, 7), ("sqls/ok.sql", "SQLI001", 3, 15)} <= seen


@pytest.mark.parametrize("fmt", ["text", "sarif", "github"])
def test_internal_errors_reach_every_format(fmt: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "tree")
    result = lint_cli(root, monkeypatch, "--format", fmt, "--jobs", "1")
    assert result.exit_code == 2
    assert "CFG900" in result.stdout and "CORS001" in result.stdout and "SQLI001" in result.stdout
    assert LEAK not in result.output


@pytest.mark.parametrize("args", [("--exit-zero",), ("--fail-on", "error"), ("--select", "CORS099,CFG900")],
                         ids=["exit-zero", "fail-on-error", "only-the-failing-rule"])
def test_nothing_turns_an_internal_error_into_success(args: tuple[str, ...], tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "tree")
    result = lint_cli(root, monkeypatch, "--format", "json", "--jobs", "1", *args)
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize("exception", [RecursionError, MemoryError, ValueError, AssertionError])
def test_any_exception_in_a_rule_on_any_unit_is_contained(exception, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "tree")
    rules = exploding_rules(Target.DIAGNOSTIC, exception)
    write(root, {"broken.yaml": "a: [\n"})  # one diagnostic unit
    result = lint_cli(root, monkeypatch, "--format", "json", "--jobs", "1", rules=rules)
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert ("broken.yaml", "CFG900") in {(f["path"], f["rule_id"]) for f in report["findings"]}
    assert ("broken.yaml", "CFG001") in {(f["path"], f["rule_id"]) for f in report["findings"]}


def test_internal_errors_in_forked_workers_give_the_same_report(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this OS")
    root = project(tmp_path / "tree", endpoints=120)
    one = lint_cli(root, monkeypatch, "--format", "json", "--jobs", "1")
    many = lint_cli(root, monkeypatch, "--format", "json", "--jobs", "2")
    assert one.exit_code == many.exit_code == 2
    assert one.stdout == many.stdout
    assert sum(f["rule_id"] == "CFG900" for f in json.loads(many.stdout)["findings"]) == 121


# ------------------------------------------------------------------ --output


def output_tree(tmp_path: Path) -> Path:
    return write(tmp_path / "tree", {**ORDINARY, "bin.json": b"\x00\x01binary", "notes.txt": "keep me\n"})


def contents(root: Path) -> dict[str, bytes]:
    """Every regular file below ``root`` (links not followed)."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                out[str(path)] = path.read_bytes()
    return out


def refused(root: Path, *args: str, case: str):  # type: ignore[no-untyped-def]
    before = contents(root)
    outcome = run_bounded(case, root, args, budget=20)
    assert outcome.returncode == 2, outcome.describe()
    assert outcome.stderr.startswith("mcplint: error: ") or outcome.stderr.startswith("Usage:"), outcome.describe()
    assert "Traceback" not in outcome.stderr
    after = contents(root)
    assert after == before, f"{case}: files changed: {sorted(p for p in after if after[p] != before.get(p))}"
    return outcome


def test_output_refuses_a_symlink_to_a_scanned_file(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    symlink(root / "flapi.yaml", root / "report.json")
    refused(root, "--output", "report.json", case="output-symlink-to-scanned")


def test_output_refuses_a_folder(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    (root / "reports").mkdir()
    refused(root, "--output", "reports", case="output-folder")
    refused(root, "--output", "sqls", case="output-scanned-folder")


def test_output_refuses_a_scanned_file_however_it_is_spelled(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    refused(root, "--output", "sqls/../flapi.yaml", case="output-dotdot")
    refused(root, "--output", str(root / "sqls" / "ok.sql"), case="output-absolute")


def test_output_refuses_a_scanned_file_reached_through_a_linked_folder(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    symlink(root, root / "here")  # here/flapi.yaml is flapi.yaml
    refused(root, "--output", "here/flapi.yaml", case="output-linked-folder-to-scanned")
    refused(root, "--write-baseline", "here/sqls/ok.sql", case="baseline-linked-folder-to-scanned")


def test_output_never_writes_through_a_linked_folder(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    symlink(elsewhere, root / "out")
    refused(root, "--output", "out/report.sarif", case="output-through-linked-folder")
    assert list(elsewhere.iterdir()) == []


def test_output_refuses_a_scanned_file_that_was_skipped(tmp_path: Path) -> None:
    """bin.json is in scope (and reported as skipped): it is still a scanned file."""
    root = output_tree(tmp_path)
    refused(root, "--output", "bin.json", case="output-skipped-scanned-file")


def test_output_into_a_path_below_a_file_fails_in_one_line(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    refused(root, "--output", "flapi.yaml/report.json", case="output-below-a-file")


def test_output_over_a_hard_link_or_fifo_leaves_the_scanned_file_alone(tmp_path: Path) -> None:
    root = output_tree(tmp_path)
    os.link(root / "flapi.yaml", root / "hard.txt")
    outcome = run_bounded("output-hard-link", root, ["--output", "hard.txt"], budget=20)
    assert outcome.returncode in (1, 2), outcome.describe()
    assert (root / "flapi.yaml").read_text() == MAIN
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "report.fifo")
        outcome = run_bounded("output-fifo", root, ["--output", "report.fifo"], budget=5, wall=8)
        assert not outcome.timed_out, outcome.describe()
        assert (root / "flapi.yaml").read_text() == MAIN


# ----------------------------------------------------- secrets in broken files

TOKEN = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
PASSWORD = "hunter2-Sup3r-S3cret"
BROKEN_WITH_SECRETS = {
    # a missing comma right before the token: the parser's complaint is about the token itself
    ".mcp.json": '{"mcpServers": {"gh": {"command": "npx", "args": ["--token" "' + TOKEN + '"]}}}',
    "d.yaml": f'key: [ "{TOKEN}" }}\n',
    "c.toml": f'A = "x"\nPASSWORD = "{PASSWORD}" "again"\n',
    "e.json": '{"password": "' + PASSWORD + '" "x": 1}',
    "sqls/t.yaml": endpoint(extra=f"auth:\n  users:\n    - username: u\n      password: '{PASSWORD}\n"),
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_secrets_in_files_that_do_not_parse_never_reach_the_output(fmt: str, tmp_path: Path) -> None:
    """A parse error must not quote the token it tripped over, nor show it in the excerpt."""
    root = write(tmp_path / "tree", {**ORDINARY, **BROKEN_WITH_SECRETS})
    outcome = run_bounded(f"secrets-in-broken-files-{fmt}", root, fmt=fmt)
    assert outcome.returncode == 1, outcome.describe()
    assert "CFG001" in outcome.stdout
    for secret in (TOKEN, PASSWORD, TOKEN[4:20], PASSWORD[8:]):
        assert secret not in outcome.stdout, f"{fmt}: {secret[:6]}… appears in the output"


# ------------------------------------------------- output line injection

INJECTING_NAME = "n\n::warning file=forged.yaml::forged by a file name%0A.yaml"
INJECTING_MAIN = MAIN + '"k\\n::error file=forged.yaml,line=1::forged by a key\\r\\x1b[2K\\u202e": 1\n'


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_file_names_and_keys_cannot_forge_output_lines(fmt: str, tmp_path: Path) -> None:
    """Text output is often printed in a CI log, where a line starting with `::` is a workflow command."""
    root = write(tmp_path / "tree", {**ORDINARY, "x/flapi.yaml": INJECTING_MAIN})
    try:
        write(root, {INJECTING_NAME: INJECTING_MAIN})
    except OSError:
        pytest.skip("this file system refuses newlines in file names")
    outcome = run_bounded(f"injection-{fmt}", root, fmt=fmt)
    assert outcome.returncode == 1, outcome.describe()
    lines = outcome.stdout.splitlines()
    assert not [c for c in outcome.stdout if c in "\r\x1b\u202e"], "raw control characters in the output"
    if fmt == "text":
        assert [line for line in lines if line.startswith("::")] == []
    else:  # `::level k=v,k=v::message`: nothing from the tree may add a line or a property
        for line in filter(None, lines):
            match = re.match(r"::(?:error|warning|notice) ([^:]*)::", line)
            assert match, line[:120]
            keys = [part.split("=", 1)[0] for part in match.group(1).split(",")]
            assert set(keys) <= {"file", "line", "col", "endLine", "endColumn", "title"} and len(keys) == len(set(keys)), line[:160]
