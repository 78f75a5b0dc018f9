"""Organisation policies as data (mcplint.policies): loading, judging, positions, the commands."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcplint.engine.registry import default_registry
from mcplint.engine.rule import CATEGORIES
from mcplint.policies import PolicyError, load_policy_rules
from mcplint.policies.commands import fixture_findings, read_expectations, run_example
from mcplint.policies.reference import render
from mcplint.schemas import load_schema

from conftest import REPO, write_tree

EXAMPLE_POLICIES = REPO / "examples" / "policies" / "acme.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "policies" / "project"


def mcplint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MCPLINT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "mcplint", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def example_rules():  # type: ignore[no-untyped-def]
    builtin = default_registry().rules
    return load_policy_rules([(EXAMPLE_POLICIES, "examples/policies/acme.yaml")], builtin)


def registry_with(rules):  # type: ignore[no-untyped-def]
    from mcplint.engine.registry import Registry

    return Registry(tuple(default_registry().rules) + tuple(rules))


# ------------------------------------------------------------ the eight example policies


def test_the_eight_example_policies_load_as_rules() -> None:
    rules = example_rules()
    assert [r.id for r in rules] == [f"ACME00{n}" for n in range(1, 9)]
    assert all("policy" in r.tags for r in rules)


@pytest.mark.parametrize("index", range(8))
def test_each_example_policy_fires_on_bad_and_not_on_good(index: int) -> None:
    rules = example_rules()
    registry = registry_with(rules)
    rule = rules[index]
    assert run_example(rule, registry, "bad"), f"{rule.id}: bad example gives no finding"
    assert not run_example(rule, registry, "good"), f"{rule.id}: good example gives a finding"


def test_fixture_project_findings_are_exactly_at_the_violating_tokens() -> None:
    rules = example_rules()
    assert fixture_findings(FIXTURE, registry_with(rules), rules) == read_expectations(FIXTURE)


def test_every_example_policy_is_violated_somewhere_in_the_fixture() -> None:
    ids = {line.split()[0] for line in read_expectations(FIXTURE)}
    assert ids == {f"ACME00{n}" for n in range(1, 9)}


def test_policies_on_the_bundled_example(tmp_path: Path) -> None:
    config = tmp_path / "policies.toml"
    config.write_text(f'policies = ["{EXAMPLE_POLICIES.as_posix()}"]\n', encoding="utf-8")
    result = mcplint("examples/", "--config", str(config), "--select", "ACME", cwd=REPO)
    heads = sorted(line.split(" warning")[0] for line in result.stdout.splitlines() if " ACME" in line)
    assert heads == [
        "examples/sqls/cancel_orders.yaml:4:1: ACME003",
        "examples/sqls/customers.yaml:4:1: ACME003",
        "examples/sqls/orders.yaml:4:1: ACME003",
    ]
    assert result.returncode == 1


def test_example_policies_are_not_loaded_unless_configured() -> None:
    result = mcplint("examples/", cwd=REPO)
    assert result.returncode == 1
    assert "ACME" not in result.stdout


def test_policy_test_command_runs_examples_and_fixture() -> None:
    result = mcplint("policy", "test", str(EXAMPLE_POLICIES), "--fixtures", str(FIXTURE), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 policies, 1 fixture folder(s): all passed" in result.stdout


def test_policy_explain_shows_selection_and_reasons() -> None:
    result = mcplint("policy", "explain", "ACME008", "sqls/", cwd=FIXTURE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "where:   not selected" in out  # /orders is not an admin route
    assert "require: holds" in out  # /admin/stats
    assert "require: FAILS — `auth.enabled` is false (the default)" in out
    assert "finding: sqls/admin_purge.yaml:1:11:" in out


# ------------------------------------------------------------ integration with the engine


def test_sarif_rule_has_policy_tag_and_file_digest(tmp_path: Path) -> None:
    config = tmp_path / "policies.toml"
    config.write_text(f'policies = ["{EXAMPLE_POLICIES.as_posix()}"]\n', encoding="utf-8")
    result = mcplint("examples/", "--config", str(config), "--select", "ACME003", "--format", "sarif", cwd=REPO)
    sarif = json.loads(result.stdout)
    rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ACME003")
    assert "policy" in rule["properties"]["tags"]
    digest = hashlib.sha256(EXAMPLE_POLICIES.read_bytes()).hexdigest()
    assert rule["properties"]["policyDigest"] == f"sha256:{digest}"
    assert "helpUri" not in rule  # mcplint's rule pages do not document a policy; its file does
    assert len(sarif["runs"][0]["results"]) == 3


def test_default_policy_folder_inline_suppression_and_isolated(tmp_path: Path) -> None:
    policy = EXAMPLE_POLICIES.read_text(encoding="utf-8")
    write_tree(tmp_path, {
        ".mcplint/policies/acme.yaml": policy,
        "sqls/a.yaml": "mcp-tool:\n  name: a_tool\n  description: A.\n  allowed-roles: [x]\ntemplate-source: a.sql\n",
        "sqls/b.yaml": "mcp-tool:  # mcplint: ignore[ACME001] -- fixture: reviewed\n  name: b_tool\n"
                       "  description: B.\ntemplate-source: a.sql\n",
        "sqls/c.yaml": "mcp-tool:\n  name: c_tool\n  description: C.\ntemplate-source: a.sql\n",
        "sqls/a.sql": "SELECT 1\n",
    })
    result = mcplint(".", "--select", "ACME001", cwd=tmp_path)
    lines = [line for line in result.stdout.splitlines() if " ACME001 " in line]
    assert [line.split(":")[0] for line in lines] == ["sqls/c.yaml"], result.stdout + result.stderr
    isolated = mcplint(".", "--isolated", "--select", "CORS", cwd=tmp_path)
    assert "ACME" not in isolated.stdout and isolated.returncode in (0, 1)


def test_rules_and_explain_list_policies(tmp_path: Path) -> None:
    write_tree(tmp_path, {".mcplint/policies/acme.yaml": EXAMPLE_POLICIES.read_text(encoding="utf-8")})
    listed = mcplint("rules", cwd=tmp_path)
    assert "ACME001" in listed.stdout and "SQLI001" in listed.stdout
    explained = mcplint("explain", "ACME007", cwd=tmp_path)
    assert explained.returncode == 0 and "no-pii-schema" in explained.stdout


def test_a_broken_policy_stops_the_run_with_its_position(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".mcplint/policies/broken.yaml": EXAMPLE_POLICIES.read_text(encoding="utf-8").replace(
            "for: tool\n  require: {field: allowed-roles", "for: tool\n  require: {field: allowed-role"),
        "flapi.yaml": "template:\n  path: ./sqls\n",
    })
    result = mcplint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert ".mcplint/policies/broken.yaml:15:20: unknown field `allowed-role` of `tool` (did you mean " \
           "`allowed-roles`?)" in result.stderr


# ------------------------------------------------------------ broken policy files

_GOOD = """version: 1
policies:
- id: ORG001
  name: org-rule
  category: authorization
  level: error
  short-description: Tools declare roles.
  why: Because.
  fix: Add roles.
  for: tool
  require: {field: allowed-roles, length-min: 1}
  message: "tool `{name}` has no roles"
  examples:
    bad: {files: {sqls/a.yaml: "mcp-tool:\\n  name: a\\n"}}
    good: {files: {sqls/a.yaml: "mcp-tool:\\n  name: a\\n  allowed-roles: [x]\\n"}}
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return load_policy_rules([(path, "p.yaml")], default_registry().rules)


def test_the_reference_policy_is_valid(tmp_path: Path) -> None:
    assert [r.id for r in _load(tmp_path, _GOOD)] == ["ORG001"]


_DEEP = "{not: " * 9 + "{field: name, equals: x}" + "}" * 9

BROKEN = {
    "bad-yaml": (_GOOD.replace("  fix: Add roles.\n", "  fix: [Add roles.\n"), "p.yaml:10:6:", "invalid YAML"),
    "unknown-entity": (_GOOD.replace("for: tool", "for: tools"), "p.yaml:10:8:",
                       "unknown entity `tools` (did you mean `tool`?)"),
    "unknown-field": (_GOOD.replace("field: allowed-roles", "field: roles"), "p.yaml:11:20:",
                      "unknown field `roles` of `tool`"),
    "wrong-operator-type": (_GOOD.replace("{field: allowed-roles, length-min: 1}", "{field: name, max: 3}"),
                            "p.yaml:11:26:", "operator `max` does not apply to `name` (a string)"),
    "catastrophic-regex": (_GOOD.replace("{field: allowed-roles, length-min: 1}", "{field: name, matches: '(a+)+$'}"),
                           "p.yaml:11:35:", "nested unbounded repetition"),
    "id-collision": (_GOOD.replace("ORG001", "SQLIX01").replace("SQLIX01", "SQLI901"), "p.yaml:3:7:",
                     "collides with the built-in rules' prefix `SQLI`"),
    "missing-id": (_GOOD.replace("- id: ORG001\n  name", "- name"), "p.yaml:3:3:", "'id' is a required property"),
    "bad-level": (_GOOD.replace("level: error", "level: fatal"), "p.yaml:6:10:", "is not one of error, warning, note"),
    "unknown-category": (_GOOD.replace("category: authorization", "category: authorisation"), "p.yaml:5:13:",
                         "(did you mean `authorization`?)"),
    "too-deep": (_GOOD.replace("{field: allowed-roles, length-min: 1}", _DEEP), "p.yaml:11:",
                 "nested more than 8 deep"),
    "unknown-key": (_GOOD.replace("  why: Because.", "  wyh: Because."), "p.yaml:8:3:",
                    "unknown key `wyh` in policy #1 (did you mean `why`?)"),
    "wrong-version": (_GOOD.replace("version: 1", "version: 2"), "p.yaml:1:10:", "1 was expected"),
    "argument-type": (_GOOD.replace("{field: allowed-roles, length-min: 1}", "{field: name, in: [1, 2]}"),
                      "p.yaml:11:30:", "needs a list of strings"),
    "unknown-placeholder": (_GOOD.replace("tool `{name}`", "tool `{name.__class__}`"), "p.yaml:12:12:",
                            "unknown placeholder `{name.__class__}`"),
    "quantifier-on-scalar": (_GOOD.replace("{field: allowed-roles, length-min: 1}", "{each: name, equals: x}"),
                             "p.yaml:11:19:", "`each` needs a list field; `name` is a string"),
    "two-operators": (_GOOD.replace("length-min: 1}", "length-min: 1, length-max: 3}"), "p.yaml:11:12:",
                      "takes exactly one operator"),
    "duplicate-key": (_GOOD.replace("  fix: Add roles.\n", "  fix: Add roles.\n  fix: Again.\n"), "p.yaml:10:3:",
                      "duplicate key `fix`"),
    "unknown-predicate": (_GOOD.replace("{field: allowed-roles, length-min: 1}", "{is: dangerous}"),
                          "p.yaml:11:17:", "unknown predicate `dangerous` for `tool`"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_policy_fails_with_a_located_message(tmp_path: Path, kind: str) -> None:
    text, where, what = BROKEN[kind]
    with pytest.raises(PolicyError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(where), message
    assert what in message, message


def test_duplicate_policy_ids_across_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(_GOOD, encoding="utf-8")
    second.write_text(_GOOD.replace("org-rule", "org-rule-two"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"^b.yaml:3:7: policy id `ORG001` is already used at a.yaml:3:7"):
        load_policy_rules([(first, "a.yaml"), (second, "b.yaml")], default_registry().rules)


def test_messages_are_filled_without_format_strings(tmp_path: Path) -> None:
    from mcplint.policies.commands import run_example

    text = _GOOD.replace('"tool `{name}` has no roles"', '"{0} {{name}} `{name}` {value}"')
    rules = _load(tmp_path, text)
    found = run_example(rules[0], registry_with(rules), "bad")
    assert [r.message for r in found] == ["{0} {name} `a` (not set)"]


# ------------------------------------------------------------ schema and reference


def test_schema_categories_match_the_rule_contract() -> None:
    schema = load_schema("policy.schema.json")
    assert tuple(schema["$defs"]["policy"]["properties"]["category"]["enum"]) == CATEGORIES


def test_reference_is_in_sync() -> None:
    committed = (REPO / "docs" / "policies-reference.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m mcplint.policies.reference docs/policies-reference.md"


def test_sql_tables_are_positioned_in_the_template_through_sections(tmp_path: Path) -> None:
    text = _GOOD.replace("for: tool", "for: sql-table").replace(
        "{field: allowed-roles, length-min: 1}", "{field: schema, not-in: [pii]}").replace(
        "tool `{name}` has no roles", "`{qualified-name}` ({access})")
    text = text.replace(
        'bad: {files: {sqls/a.yaml: "mcp-tool:\\n  name: a\\n"}}',
        'bad: {files: {sqls/a.yaml: "url-path: /a\\ntemplate-source: a.sql\\n", sqls/a.sql: "SELECT 1 FROM pii.x"}}')
    text = text.replace(
        'good: {files: {sqls/a.yaml: "mcp-tool:\\n  name: a\\n  allowed-roles: [x]\\n"}}',
        'good: {files: {sqls/a.yaml: "url-path: /a\\ntemplate-source: a.sql\\n", sqls/a.sql: "SELECT 1 FROM x"}}')
    rules = _load(tmp_path, text)
    registry = registry_with(rules)
    write_tree(tmp_path / "p", {
        "sqls/a.yaml": "url-path: /a\nrequest:\n  - field-name: id\ntemplate-source: a.sql\n",
        "sqls/a.sql": "SELECT {{ params.id }} AS pii FROM main.t\n{{#params.id}}\nJOIN pii.orders o ON TRUE\n"
                      "{{/params.id}}\n;\nINSERT INTO pii.audit SELECT 1\n",
    })
    from mcplint.policies.commands import _findings_of

    found = _findings_of(rules[0], registry, tmp_path / "p")
    assert sorted((str(r.span), r.message) for r in found) == [
        ("sqls/a.sql:3:6", "`pii.orders` (read)"),
        ("sqls/a.sql:6:13", "`pii.audit` (write)"),
    ]
