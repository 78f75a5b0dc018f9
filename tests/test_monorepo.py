"""Monorepos: each file is judged by the nearest configuration above it (as ruff does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import write_tree
from mcplint.cli import cli

MAIN = "project-name: {name}\nproject-description: d\ntemplate:\n  path: ./sqls\n"


def mcplint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def findings(result: Result) -> set[tuple[str, str, str]]:
    assert result.exit_code in (0, 1), result.output
    return {(f["rule_id"], f["path"], f["level"]) for f in json.loads(result.stdout)["findings"]}


@pytest.fixture()
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "mono", {
        "billing/flapi.yaml": MAIN.format(name="billing"),
        "crm/flapi.yaml": MAIN.format(name="crm"),
        "crm/legacy/flapi.yaml": MAIN.format(name="legacy"),
        "shop/flapi.yaml": MAIN.format(name="shop"),
    })
    monkeypatch.chdir(root)
    return root


def test_without_nested_configurations_every_project_gets_the_same_findings(monorepo: Path) -> None:
    found = findings(mcplint(".", "--format", "json"))
    assert {path for rule, path, _ in found if rule == "CORS002"} == {
        "billing/flapi.yaml", "crm/flapi.yaml", "crm/legacy/flapi.yaml", "shop/flapi.yaml"
    }


def test_the_nearest_configuration_decides_selection_and_levels(monorepo: Path) -> None:
    write_tree(monorepo, {
        ".mcplint.toml": 'levels = {TRANS002 = "note"}\n',
        "billing/.mcplint.toml": 'ignore = ["CORS002"]\n',
        "crm/pyproject.toml": '[project]\nname = "crm"\n\n[tool.mcplint]\nlevels = {CORS002 = "error"}\n',
        "shop/pyproject.toml": '[project]\nname = "shop"\n',  # no [tool.mcplint]: not a configuration
    })
    found = findings(mcplint(".", "--format", "json"))
    cors = {path: level for rule, path, level in found if rule == "CORS002"}
    assert "billing/flapi.yaml" not in cors
    assert cors["crm/flapi.yaml"] == "error"
    assert cors["crm/legacy/flapi.yaml"] == "error"  # the nearest configuration above it is crm's
    assert cors["shop/flapi.yaml"] == "warning"  # the root's, which changes TRANS002 only
    trans = {path: level for rule, path, level in found if rule == "TRANS002"}
    assert trans["shop/flapi.yaml"] == "note"
    assert trans["crm/flapi.yaml"] == "warning"  # crm's configuration replaces the root's levels


def test_nested_per_file_ignores_and_exclude_are_relative_to_their_folder(monorepo: Path) -> None:
    write_tree(monorepo, {
        "crm/.mcplint.toml": 'exclude = ["legacy/**"]\nper-file-ignores = {"flapi.yaml" = ["TRANS"]}\n',
    })
    found = findings(mcplint(".", "--format", "json"))
    paths = {path for _, path, _ in found}
    assert "crm/legacy/flapi.yaml" not in paths
    assert ("TRANS002", "crm/flapi.yaml", "warning") not in found
    assert ("TRANS002", "shop/flapi.yaml", "warning") in found


def test_a_nested_configuration_cannot_change_what_applies_to_the_whole_run(monorepo: Path) -> None:
    write_tree(monorepo, {"billing/.mcplint.toml": 'fail-on = "error"\n'})
    result = mcplint(".")
    assert result.exit_code == 2
    assert "billing/.mcplint.toml" in result.stderr and "`fail-on` applies to the whole run" in result.stderr


POLICY = """version: 1
policies:
- id: {id}
  name: {name}
  category: config-error
  level: warning
  short-description: The project is named in lower case.
  why: Our dashboards group projects by name.
  fix: Rename it.
  for: project
  require: {{field: project-name, matches: '[a-z]+-[a-z]+'}}
  message: "project `{{project-name}}` is not named team-name"
  examples:
    bad:
      files:
        flapi.yaml: "project-name: Orders\\nproject-description: d\\ntemplate:\\n  path: ./sqls\\n"
    good:
      files:
        flapi.yaml: "project-name: crm-orders\\nproject-description: d\\ntemplate:\\n  path: ./sqls\\n"
"""


def test_a_nested_configuration_brings_its_own_policies_for_its_folder_only(monorepo: Path) -> None:
    write_tree(monorepo, {
        "crm/.mcplint.toml": 'ignore = ["TRANS"]\n',
        "crm/.mcplint/policies/naming.yaml": POLICY.format(id="CRMX001", name="crm-naming"),
        "billing/.mcplint.toml": 'policies = ["team-policies.yaml"]\n',
        "billing/team-policies.yaml": POLICY.format(id="BILX001", name="billing-naming"),
    })
    found = findings(mcplint(".", "--format", "json"))
    assert {(rule, path) for rule, path, _ in found if rule.endswith("X001")} == {
        ("CRMX001", "crm/flapi.yaml"), ("CRMX001", "crm/legacy/flapi.yaml"), ("BILX001", "billing/flapi.yaml"),
    }
    write_tree(monorepo, {"billing/team-policies.yaml": POLICY.format(id="CRMX001", name="billing-naming")})
    clash = mcplint(".")
    assert clash.exit_code == 2 and "CRMX001" in clash.stderr and "already used" in clash.stderr


def test_a_rule_only_a_nested_configuration_selects_is_not_reported_elsewhere(monorepo: Path) -> None:
    write_tree(monorepo, {
        ".mcplint.toml": 'select = ["TRANS"]\n',
        "crm/.mcplint.toml": 'select = ["CORS"]\n',
    })
    found = findings(mcplint(".", "--format", "json"))
    assert {(rule, path) for rule, path, _ in found if rule == "CORS002"} == {
        ("CORS002", "crm/flapi.yaml"), ("CORS002", "crm/legacy/flapi.yaml"),
    }
    assert ("TRANS002", "shop/flapi.yaml", "warning") in found
    assert not any(path.startswith("crm/") and rule.startswith("TRANS") for rule, path, _ in found)


def test_a_selector_error_in_a_nested_configuration_names_the_file(monorepo: Path) -> None:
    write_tree(monorepo, {"crm/.mcplint.toml": 'ignore = ["NOPE123"]\n'})
    result = mcplint(".")
    assert result.exit_code == 2 and "crm/.mcplint.toml" in result.stderr


def test_show_settings_names_the_configuration_that_applies(monorepo: Path) -> None:
    write_tree(monorepo, {"crm/.mcplint.toml": 'ignore = ["CORS"]\n'})
    crm = mcplint("--show-settings", "crm/legacy/flapi.yaml")
    assert crm.exit_code == 0
    assert f"configuration: {monorepo / 'crm' / '.mcplint.toml'}" in crm.stdout
    assert "ignore: CORS" in crm.stdout
    shop = mcplint("--show-settings", "shop/flapi.yaml")
    assert "configuration: (none: defaults)" in shop.stdout


def test_isolated_and_config_leave_every_in_tree_configuration_out(monorepo: Path, tmp_path: Path) -> None:
    write_tree(monorepo, {".mcplint.toml": 'ignore = ["ALL"]\n', "billing/.mcplint.toml": 'ignore = ["ALL"]\n'})
    assert findings(mcplint(".", "--format", "json")) == set()
    isolated = findings(mcplint(".", "--isolated", "--format", "json"))
    assert ("CORS002", "billing/flapi.yaml", "warning") in isolated
    outside = write_tree(tmp_path / "ci", {"ci.toml": 'fail-on = "error"\n'})
    given = findings(mcplint(".", "--config", str(outside / "ci.toml"), "--format", "json"))
    assert ("CORS002", "billing/flapi.yaml", "warning") in given
    both = mcplint(".", "--isolated", "--config", str(outside / "ci.toml"))
    assert both.exit_code == 2 and "cannot be combined" in both.stderr


def test_every_format_names_the_nested_configurations_and_what_they_switch_off(monorepo: Path) -> None:
    write_tree(monorepo, {"crm/.mcplint.toml": 'ignore = ["ALL"]\n'})
    text = mcplint(".")
    assert "crm/.mcplint.toml (for crm/): ignore = ['ALL']" in text.stdout
    report = json.loads(mcplint(".", "--format", "json").stdout)
    assert report["summary"]["settings"]["source"] == "no configuration at the root"
    assert any("crm/.mcplint.toml" in item for item in report["summary"]["settings"]["switched_off"])
    assert not any(f["path"].startswith("crm/") for f in report["findings"])
