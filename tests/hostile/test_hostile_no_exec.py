"""No execution, no network: nothing from the scanned tree is imported or run.

* In process: the whole pipeline runs over a tree full of code (``.py``,
  ``conftest.py``, ``setup.py``, ``sitecustomize.py``, a ``.pth`` file, YAML
  with ``!!python/object/apply:os.system``, launch commands in client configs)
  with sockets, subprocesses, ``os.system``, ``eval``/``exec`` and imports of
  the tree's module names all trapped.
* As a command: ``mcplint`` started inside such a tree (as pre-commit and CI
  start it) must not import ``yaml.py``, ``click.py`` or a ``mcplint/`` package
  lying in the working directory; the GitHub Action's own command line is run
  the same way.
* Statically: the source never uses an unsafe YAML loader, ``eval``/``exec``,
  subprocesses, sockets or unpickling, except where listed with a reason.
"""

from __future__ import annotations

import builtins
import importlib
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from _make import MAIN, ORDINARY, check, Expect, run_bounded, write
from conftest import REPO, run_lint

SENTINELS = "pwned"  # folder (inside the tree) where hostile code would leave a mark

# Module names the tree defines; none may ever be imported.
TREE_MODULES = ("evil_h11_module", "mcplint_h11_pkg", "conftest_h11", "setup", "sitecustomize", "usercustomize")


def payload(root: Path, name: str) -> str:
    """Python that leaves ``pwned/<name>`` behind if it ever runs (the folder is created by the test)."""
    return f"open({str(root / SENTINELS / name)!r}, 'w').close()\n"


def code_tree(root: Path) -> Path:
    sentinel_dir = root / SENTINELS
    files: dict[str, str | bytes] = {
        **ORDINARY,
        "evil_h11_module.py": payload(root, "module"),
        "conftest.py": payload(root, "conftest"),
        "setup.py": payload(root, "setup"),
        "sitecustomize.py": payload(root, "sitecustomize"),
        "usercustomize.py": payload(root, "usercustomize"),
        "mcplint_h11_pkg/__init__.py": payload(root, "package"),
        "zz_h11.pth": f"import evil_h11_module\n{root}\n",
        "evil.yaml": (
            f"a: !!python/object/apply:os.system ['touch {sentinel_dir}/yaml-system']\n"
            f"b: !!python/object/apply:subprocess.Popen [['touch', '{sentinel_dir}/yaml-popen']]\n"
            "c: !!python/name:builtins.eval\n"
            f"d: !!python/object/new:evil_h11_module.X {{}}\n"
            "e: !!python/module:evil_h11_module\n"
        ),
        "sqls/evil.yaml": (
            "url-path: /evil/\ntemplate-source: evil.sql\nrequest:\n  - field-name: a\n    field-in: query\n"
            f"x: !!python/object/apply:os.system ['touch {sentinel_dir}/endpoint']\n"
        ),
        "sqls/evil.sql": f"COPY (SELECT 1) TO PROGRAM 'touch {sentinel_dir}/copy';\nSELECT '{{{{{{ params.a }}}}}}'\n",
        ".mcp.json": (
            '{"mcpServers": {"s": {"command": "sh", "args": ["-c", '
            f'"touch {sentinel_dir}/client"], "url": "http://127.0.0.1:9/"}}}}'
        ),
        ".envrc": f"export A=$(touch {sentinel_dir}/envrc)\n",
        "conf.toml": f"cmd = \"$(touch {sentinel_dir}/toml)\"\n",
        "main2/flapi.yaml": MAIN + f"connections:\n  db:\n    init: \"INSTALL x; LOAD '{sentinel_dir}/ext.duckdb_extension'\"\n",
    }
    write(root, files)
    sentinel_dir.mkdir()
    return root


class Trap:
    """Records calls of every trapped function; each call also raises."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, name: str):  # type: ignore[no-untyped-def]
        def trapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls.append(f"{name}{args[:2]!r}")
            raise PermissionError(f"{name} is not allowed while linting")

        return trapped


def test_linting_a_tree_of_code_runs_and_imports_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warm = code_tree(tmp_path / "warm")
    run_lint(warm)  # first run imports mcplint's lazily loaded modules before the traps go up
    root = code_tree(tmp_path / "tree")
    before = set(sys.modules)
    trap = Trap()
    for module, names in (
        (socket, ("socket", "create_connection", "getaddrinfo", "socketpair", "fromfd")),
        (subprocess, ("Popen", "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")),
        (os, ("system", "popen", "execv", "execve", "execvp", "spawnv", "posix_spawn", "posix_spawnp", "startfile")),
        (builtins, ("eval", "exec", "compile", "breakpoint")),
    ):
        for name in names:
            if hasattr(module, name):
                monkeypatch.setattr(module, name, trap(f"{module.__name__}.{name}"))
    real_import_module = importlib.import_module
    trapped_import_module = trap("importlib.import_module")

    def guarded_import_module(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        # sqlglot (28 and later) looks up its own dialect modules by fixed names on every parse; a
        # name from the scanned tree never reaches this call, anything else is trapped.
        if name == "sqlglot" or name.startswith("sqlglot."):
            return real_import_module(name, *args, **kwargs)
        return trapped_import_module(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", guarded_import_module)
    real_import = builtins.__import__

    def guarded_import(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.split(".")[0] in TREE_MODULES:
            trap.calls.append(f"import {name}")
            raise ImportError(f"{name} comes from the scanned tree")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    try:
        run = run_lint(root)
    finally:
        monkeypatch.undo()
    assert trap.calls == []
    assert sorted(os.listdir(root / SENTINELS)) == []
    new = set(sys.modules) - before
    from_tree = [m for m in new if (getattr(sys.modules[m], "__file__", None) or "").startswith(str(tmp_path))]
    assert from_tree == [] and not set(TREE_MODULES) & new
    found = {(r.span.path, r.rule.id) for r in run.report.results}
    assert ("flapi.yaml", "CORS001") in found and ("sqls/ok.sql", "SQLI001") in found  # the run did its work


SHADOWS = {
    "yaml.py": "yaml", "click.py": "click", "sqlglot/__init__.py": "sqlglot", "jsonschema.py": "jsonschema",
    "tomllib.py": "tomllib", "mcplint/__init__.py": "mcplint", "mcplint/__main__.py": "mcplint-main",
    "sitecustomize.py": "sitecustomize", "usercustomize.py": "usercustomize", "re.py": "re", "json.py": "json",
}


def shadow_tree(root: Path) -> Path:
    """A working directory whose modules shadow mcplint and its dependencies."""
    write(root, {**ORDINARY, **{rel: payload(root, name) for rel, name in SHADOWS.items()},
                 "zz_shadow.pth": "import sitecustomize\n"})
    (root / SENTINELS).mkdir()
    return root


def test_the_console_script_imports_nothing_from_the_working_directory(tmp_path: Path) -> None:
    root = shadow_tree(tmp_path / "tree")
    outcome = run_bounded("console-script-in-hostile-cwd", root, budget=20)
    assert sorted(os.listdir(root / SENTINELS)) == [], outcome.describe()
    check(outcome, Expect())


def action_command() -> list[str]:
    """How the GitHub Action starts mcplint: the words before `check` in its `command=(…)` line."""
    action = REPO / "action.yml"
    if not action.exists():
        pytest.skip("no action.yml in this checkout")
    match = re.search(r"command=\((\"?\$?python\"?[^)\n]*?)\s+check\b", action.read_text(encoding="utf-8"))
    assert match, "action.yml no longer builds `command=(python … check …)`: update this test"
    words = shlex.split(match.group(1))
    return [sys.executable, *words[1:]]


def test_the_github_action_command_imports_nothing_from_the_workspace(tmp_path: Path) -> None:
    """The Action runs in the checked-out repository, which a pull request controls."""
    root = shadow_tree(tmp_path / "tree")
    command = [*action_command(), "check"]
    outcome = run_bounded("action-command-in-hostile-workspace", root, budget=20, command=command)
    assert sorted(os.listdir(root / SENTINELS)) == [], f"{shlex.join(command)} ran code from the workspace"
    check(outcome, Expect())


# ------------------------------------------------------------------ static

SOURCES = sorted((REPO / "linter").rglob("*.py")) + sorted((REPO / "rules").rglob("*.py"))
FORBIDDEN = {
    "unsafe YAML loading": re.compile(
        r"yaml\.(?:load|load_all|full_load|full_load_all|unsafe_load|unsafe_load_all)\s*\("
        r"|\b(?:Unsafe|Full)Loader\b|yaml\.Loader\b"
    ),
    "eval/exec/compile of text": re.compile(r"(?<![\w.])(?:eval|exec)\s*\(|(?<![\w.])compile\s*\(|\bbreakpoint\s*\("),
    "subprocess or shell": re.compile(r"\bimport\s+subprocess\b|\bsubprocess\.|\bos\.(?:system|popen|exec\w*|spawn\w*|posix_spawn\w*)\s*\("),
    "network": re.compile(r"\bimport\s+socket\b|\bfrom\s+socket\b|\bsocket\.\w+\(|\burllib\.request\b|\bhttp\.client\b"
                          r"|\bimport\s+(?:requests|httpx|aiohttp)\b"),
    "dynamic import": re.compile(r"\b__import__\s*\(|\bimport_module\s*\(|\bimportlib\.util\.spec_from_file_location\b"
                                 r"|\brunpy\b|\bexecfile\b"),
    "deserialising code": re.compile(r"\bpickle\.loads?\s*\(|\bmarshal\.loads?\s*\(|\bshelve\.|\bdill\b|\bjsonpickle\b"),
}
# Each exception names the file, what it may do, and why that is not content from the scanned tree.
ALLOWED = {
    ("linter/git_diff.py", "subprocess or shell"): "`--diff REF` runs git with a fixed argv, no shell, hooks and drivers off",
    ("linter/engine/checks.py", "deserialising code"): "unpickles its own forked worker's results from an anonymous temp file",
}


def test_the_source_uses_no_unsafe_loader_eval_subprocess_or_network() -> None:
    problems = []
    for path in SOURCES:
        rel = path.relative_to(REPO).as_posix()
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                source_line = text.splitlines()[line - 1].strip()
                if source_line.startswith("#") or (rel, what) in ALLOWED:
                    continue
                problems.append(f"{rel}:{line}: {what}: {source_line}")
    assert problems == []


def test_every_yaml_loader_in_use_is_a_safe_one() -> None:
    import yaml

    safe = {"SafeLoader", "CSafeLoader", "_Loader"}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"Loader\s*=\s*(?!getattr\()([\w.]+)", text):
            assert match.group(1).split(".")[-1] in safe, f"{path}: {match.group(0)}"
        for match in re.finditer(r"getattr\(yaml,\s*\"(\w+)\",\s*yaml\.(\w+)\)", text):
            assert set(match.groups()) <= {"CSafeLoader", "SafeLoader"}, f"{path}: {match.group(0)}"
    from mcplint.loaders import yaml_loader

    loaders = [getattr(yaml_loader, name) for name in dir(yaml_loader) if name.endswith("Loader")]
    assert loaders and all(loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)) for loader in loaders)


def test_the_static_check_would_catch_what_it_forbids() -> None:
    """The patterns above match the calls they exist for (a check that cannot fail is no check)."""
    samples = {
        "unsafe YAML loading": ["yaml.load(text)", "yaml.unsafe_load(x)", "Loader=yaml.UnsafeLoader", "yaml.full_load(s)"],
        "eval/exec/compile of text": ["eval(text)", "exec(code, {})", "compile(src, 'f', 'exec')"],
        "subprocess or shell": ["import subprocess", "os.system('x')", "os.popen(cmd)", "subprocess.run(x)"],
        "network": ["import socket", "socket.create_connection(a)", "urllib.request.urlopen(u)", "import requests"],
        "dynamic import": ["__import__(name)", "importlib.import_module(n)"],
        "deserialising code": ["pickle.loads(b)", "marshal.load(f)"],
    }
    for what, lines in samples.items():
        for line in lines:
            assert FORBIDDEN[what].search(line), (what, line)
    for harmless in ["re.compile(r'x')", "literal_eval(x)", "the Docker socket", "node.eval_string"]:
        assert not any(p.search(harmless) for p in FORBIDDEN.values()), harmless
