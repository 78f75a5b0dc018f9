"""The rule pack honours the rule contract: complete metadata, registered, runnable examples."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import os
import re

import pytest

import mcplint.rules
from mcplint.engine.meta_rules import META_RULES
from mcplint.engine.rule import CATEGORIES, Rule, validate_rule
from mcplint.rules import ALL_RULES

from conftest import run_lint, write_tree

EVERY_RULE = list(ALL_RULES) + list(META_RULES)


def test_every_rule_object_in_the_pack_is_registered() -> None:
    defined: set[str] = set()
    for module_info in pkgutil.walk_packages(mcplint.rules.__path__, "mcplint.rules."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module):
            if isinstance(value, Rule):
                defined.add(value.id)
            if isinstance(value, tuple) and value and all(isinstance(v, Rule) for v in value):
                defined.update(v.id for v in value)
    assert defined == {r.id for r in ALL_RULES}


@pytest.mark.parametrize("rule", EVERY_RULE, ids=lambda r: r.id)
def test_metadata_is_complete(rule: Rule) -> None:
    assert validate_rule(rule) == []
    assert rule.category in CATEGORIES
    assert rule.help_markdown().startswith(f"# {rule.id} {rule.name}")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## How to fix"):
        assert section in rule.help_markdown()
    assert all(re.fullmatch(r"external/cwe/cwe-\d+", t) for t in rule.tags[2:])


def test_ids_are_grouped_by_category() -> None:
    prefixes: dict[str, set[str]] = {}
    for rule in EVERY_RULE:
        prefixes.setdefault(rule.category, set()).add(re.sub(r"\d+$", "", rule.id))
    assert all(len(p) == 1 for p in prefixes.values()), prefixes
    owners = [p.pop() for p in prefixes.values()]
    assert len(owners) == len(set(owners))


RUNNABLE_BAD = [r for r in EVERY_RULE if r.bad.runnable]


def write_example(root, example) -> None:  # type: ignore[no-untyped-def]
    write_tree(root, example.files)
    for path, mode in example.modes.items():
        os.chmod(root / path, mode)


NEEDS_POSIX_MODES = pytest.mark.skipif(os.name != "posix", reason="the example sets POSIX file modes")


def _marks(rule: Rule):  # type: ignore[no-untyped-def]
    return [NEEDS_POSIX_MODES] if rule.bad.modes or rule.good.modes else []


@pytest.mark.parametrize("rule", [pytest.param(r, marks=_marks(r), id=r.id) for r in RUNNABLE_BAD])
def test_bad_example_triggers_the_rule(rule: Rule, tmp_path) -> None:
    write_example(tmp_path, rule.bad)
    run = run_lint(tmp_path)  # all rules: engine rules judge the others' results
    assert rule.id in {r.rule.id for r in run.report.results}


@pytest.mark.parametrize("rule", [pytest.param(r, marks=_marks(r), id=r.id) for r in EVERY_RULE])
def test_good_example_does_not_trigger_the_rule(rule: Rule, tmp_path) -> None:
    write_example(tmp_path, rule.good)
    run = run_lint(tmp_path)
    assert [r.message for r in run.report.results if r.rule.id == rule.id] == []


def test_only_the_internal_error_rule_has_an_example_that_cannot_run() -> None:
    assert [r.id for r in EVERY_RULE if not r.bad.runnable] == ["CFG900"]
