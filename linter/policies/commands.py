"""``mcplint policy test`` and ``mcplint policy explain``: the work behind the commands.

``test`` runs every policy's ``bad`` and ``good`` examples (bad must give the
policy a finding, good none) and, with ``--fixtures DIR``, lints a fixture
project and compares the policies' findings with the ``ID path:line:col``
lines of ``DIR/policy-expectations.txt`` exactly. ``explain`` shows the
records a policy selected in a file and why each passed or failed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from mcplint.policies.files import PolicyError, policy_files
from mcplint.policies.rule import PolicyRule, render_message, verdicts

EXPECTATIONS = "policy-expectations.txt"


def _policies(paths: tuple[Path, ...], cwd: Path) -> tuple[object, list[PolicyRule]]:
    """(registry, policy rules): from PATHS (files, folders, globs) or else the configuration."""
    from mcplint.config import load_config
    from mcplint.engine.registry import Registry, default_registry
    from mcplint.policies import load_policy_rules, registry_with_policies

    if not paths:
        registry = registry_with_policies(load_config(None, cwd), cwd)
    else:
        globs: list[str] = []
        for path in paths:
            if path.is_dir():
                globs += [str(path / "*.yaml"), str(path / "*.yml")]
            else:
                globs.append(str(path))
        base = default_registry()
        rules = load_policy_rules(policy_files(globs, cwd), base.rules)
        registry = Registry(tuple(base.rules) + tuple(rules))
    return registry, [r for r in registry.rules if isinstance(r, PolicyRule)]  # type: ignore[attr-defined]


def _findings_of(rule: PolicyRule, registry: object, root: Path, rules: list[PolicyRule] | None = None) -> list:
    from mcplint.api import lint
    from mcplint.config import Config
    from mcplint.engine.runner import EngineSettings

    run = lint([root], root, Config(), registry, list(rules or [rule]), EngineSettings(), isolated=True)  # type: ignore[arg-type]
    return [r for r in run.report.results if isinstance(r.rule, PolicyRule)]


def run_example(rule: PolicyRule, registry: object, kind: str) -> list:
    example = rule.bad if kind == "bad" else rule.good
    with tempfile.TemporaryDirectory(prefix="mcplint-policy-") as folder:
        root = Path(folder)
        for rel, content in example.files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content if isinstance(content, str) else content.decode("utf-8"), encoding="utf-8")
        return [r for r in _findings_of(rule, registry, root) if r.rule.id == rule.id]


def run_test(paths: tuple[Path, ...], fixtures: tuple[Path, ...]) -> int:
    cwd = Path.cwd()
    try:
        registry, rules = _policies(paths, cwd)
    except PolicyError as exc:
        click.echo(f"mcplint: error: policy: {exc}", err=True)
        return 2
    if not rules:
        click.echo("mcplint: no policies found (looked in the configured `policies`, default "
                   "`.mcplint/policies/*.yaml`)", err=True)
        return 2
    failures = 0
    for rule in rules:
        bad = run_example(rule, registry, "bad")
        good = run_example(rule, registry, "good")
        problems = []
        if not bad:
            problems.append("the bad example gives no finding")
        if good:
            problems += [f"the good example gives a finding: {r.span}: {r.message}" for r in good]
        status = "ok  " if not problems else "FAIL"
        click.echo(f"{status} {rule.id} {rule.name} ({rule.policy_file}): bad {len(bad)} finding(s), good "
                   f"{len(good)}")
        for problem in problems:
            click.echo(f"     {problem}")
        failures += bool(problems)
    for folder in fixtures:
        failures += _run_fixture(folder, registry, rules)
    click.echo(f"{len(rules)} polic{'y' if len(rules) == 1 else 'ies'}, {len(fixtures)} fixture folder(s): "
               + ("all passed" if not failures else f"{failures} failed"))
    return 1 if failures else 0


def read_expectations(folder: Path) -> set[str]:
    lines = (folder / EXPECTATIONS).read_text(encoding="utf-8").splitlines()
    return {" ".join(line.split("#", 1)[0].split()) for line in lines if line.split("#", 1)[0].strip()}


def fixture_findings(folder: Path, registry: object, rules: list[PolicyRule]) -> set[str]:
    findings = _findings_of(rules[0], registry, folder, rules)
    return {f"{r.rule.id} {r.span.path}:{r.span.start_line}:{r.span.start_col}" for r in findings}


def _run_fixture(folder: Path, registry: object, rules: list[PolicyRule]) -> int:
    if not (folder / EXPECTATIONS).is_file():
        click.echo(f"FAIL {folder}: no {EXPECTATIONS} (lines `ID path:line:col`)")
        return 1
    expected = read_expectations(folder)
    found = fixture_findings(folder, registry, rules)
    missing, unexpected = sorted(expected - found), sorted(found - expected)
    click.echo(f"{'ok  ' if not missing and not unexpected else 'FAIL'} fixture {folder}: {len(found)} finding(s)")
    for line in missing:
        click.echo(f"     expected, not found: {line}")
    for line in unexpected:
        click.echo(f"     found, not expected: {line}")
    return 1 if missing or unexpected else 0


def run_explain(rule_id: str, file: Path) -> int:
    import difflib

    from mcplint.api import lint
    from mcplint.config import Config
    from mcplint.engine.runner import EngineSettings

    cwd = Path.cwd()
    try:
        registry, rules = _policies((), cwd)
    except (PolicyError, Exception) as exc:  # noqa: BLE001 - a configuration error is reported in one line
        click.echo(f"mcplint: error: {exc}", err=True)
        return 2
    rule = next((r for r in rules if r.id == rule_id.upper() or r.name == rule_id), None)
    if rule is None:
        close = difflib.get_close_matches(rule_id, [r.id for r in rules] + [r.name for r in rules], n=1)
        click.echo(f"mcplint: error: unknown policy {rule_id!r}" + (f" (did you mean {close[0]}?)" if close else "")
                   + "; policies come from the configured `policies` (default `.mcplint/policies/*.yaml`)", err=True)
        return 2
    if not os.path.lexists(file):
        click.echo(f"mcplint: error: path does not exist: {file}", err=True)
        return 2
    run = lint([file], cwd, Config(), registry, [rule], EngineSettings(), isolated=True)  # type: ignore[arg-type]
    model = run.model
    absolute = os.path.abspath(file)
    rel = Path(os.path.relpath(absolute, model.root)).as_posix()
    policy = rule.policy
    assert policy is not None
    click.echo(f"{rule.id} {rule.name}: for each `{policy.entity.name}` ({rule.policy_file})")
    units = [u for u in model.units(policy.entity.target)
             if os.path.isdir(absolute) or u.unit_path == rel or rel == "."]
    count = 0
    for unit in units:
        for verdict in verdicts(policy, unit):
            count += 1
            record = verdict.record
            click.echo(f"- {record.label} at {record.anchor}")
            if verdict.selection is not None:
                click.echo(f"    where:   {'selected' if verdict.selection.ok else 'not selected'} — "
                           f"{verdict.selection.reason}")
            if verdict.unknown:
                click.echo("    require: unknown — the name comes from a template value or the SQL does not parse "
                           f"(on-unknown: {policy.on_unknown})")
            elif verdict.outcome is not None:
                outcome = verdict.outcome
                click.echo(f"    require: {'holds' if outcome.ok else 'FAILS'} — {outcome.reason}")
                if not outcome.ok:
                    click.echo(f"    finding: {outcome.where}: {render_message(policy, record, outcome)}")
    if count == 0:
        click.echo(f"(no `{policy.entity.name}` in {file})")
    return 0
