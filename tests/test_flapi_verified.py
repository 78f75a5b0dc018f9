"""Issue 20: each flAPI rule's docs name the flAPI release its claim was verified on, and the test.

``Rule.verified_on`` names the release and one or more conformance tests as
``tests/conformance/<file>.py::<test>``; the docs page prints it as "Verified on".
Every rule checked on a flAPI unit (project, endpoint, auth block) has one, naming
tests that exist, unless it is listed below with the reason it has none yet.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from conftest import run_lint, write_tree
from mcplint.config import Config
from mcplint.docs import rule_page
from mcplint.engine.registry import default_registry
from mcplint.engine.rule import Rule
from mcplint.model import Target

REPO = Path(__file__).resolve().parent.parent
FLAPI_UNITS = (Target.FLAPI_PROJECT, Target.ENDPOINT, Target.AUTH_BLOCK)
_REFERENCE = re.compile(r"(tests/conformance/[\w/]+\.py)::(\w+)")

# flAPI rules without `verified_on`, and why. Remove an entry when its rule gains a conformance test.
NOT_VERIFIED = {
    # The claim is about the SQL or the data, not about what flAPI does with the configuration.
    "SQLI020": "a possible injection mcplint could not prove: nothing to replay",
    "FILT001": "a write without WHERE changes every row: DuckDB semantics, not flAPI's",
    "FILT002": "a write filtered on optional fields only: a property of the template",
    "FILT003": "DROP/ATTACH/COPY in a template: a property of the template",
    "LIMIT010": "an unbounded read: a property of the template",
    "DATA001": "personal or secret columns: a property of the template",
    "DATA002": "SELECT *: a property of the template",
    "CFG201": "mcplint's own SQL parser could not read the template",
    # About flAPI, not yet checked on the binary.
    "FILT005": "`transaction: false` and multi-statement writes: no conformance test yet",
    "AUTHN008": "OIDC audience: needs an identity provider the offline oracle lacks",
    "AUTHN009": "OIDC expiry: needs an identity provider the offline oracle lacks",
    "AUTHZ002": "a connection's `allow` key ignored: no conformance test yet",
    "TRANS002": "default listen address 0.0.0.0: the harness always passes --host",
    "CHAIN001": "template-source over http://: no conformance test yet (needs a template server)",
    "CHAIN002": "template-source from a foreign host: no conformance test yet",
    "CHAIN004": "template.path over http://: no conformance test yet",
    "CFG012": "missing template-source file: no conformance test yet",
    "CFG013": "template-source outside the project: no conformance test yet",
    "CFG014": "unknown connection: no conformance test yet",
    "CFG015": "duplicate MCP names: no conformance test yet",
    "CFG016": "duplicate routes: no conformance test yet",
}

FLAPI_RULES = [r for r in default_registry().rules if r.target in FLAPI_UNITS]


@cache
def _tests_in(path: str) -> frozenset[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, ast.FunctionDef))


def references(rule: Rule) -> list[tuple[str, str]]:
    return _REFERENCE.findall(rule.verified_on)


@pytest.mark.parametrize("rule", FLAPI_RULES, ids=[r.id for r in FLAPI_RULES])
def test_every_flapi_rule_names_the_conformance_tests_its_claim_was_verified_on(rule: Rule) -> None:
    if rule.id in NOT_VERIFIED:
        assert not rule.verified_on, f"{rule.id} is verified now: remove it from NOT_VERIFIED"
        return
    assert re.match(r"flAPI \d+\.\d+\.\d+", rule.verified_on), f"{rule.id}: verified_on must name the release"
    found = references(rule)
    assert found, f"{rule.id}: verified_on names no tests/conformance/<file>.py::<test>"
    for path, test in found:
        assert (REPO / path).is_file(), f"{rule.id}: no {path}"
        assert test in _tests_in(path), f"{rule.id}: no test {test} in {path}"


def test_every_reference_in_any_rule_exists() -> None:
    for rule in default_registry().rules:
        for path, test in references(rule):
            assert (REPO / path).is_file() and test in _tests_in(path), (rule.id, path, test)


def test_the_exemptions_are_flapi_rules() -> None:
    assert set(NOT_VERIFIED) <= {r.id for r in FLAPI_RULES}


def test_verified_on_reaches_the_docs_page_and_the_metadata() -> None:
    rule = next(r for r in default_registry().rules if r.id == "CORS005")
    page = rule_page(rule)
    assert f"**Verified on:** {rule.verified_on}" in page
    assert page.index("**Verified on:**") < page.index("## Why is this bad?")
    assert rule.metadata()["verified_on"] == rule.verified_on
    assert f"Verified on: {rule.verified_on}" in rule.help_text()
    quiet = next(r for r in default_registry().rules if r.id == "DATA001")
    assert "Verified on" not in rule_page(quiet) and quiet.metadata()["verified_on"] == ""


# ------------------------------------------------------------------ CORS005 and the version


MAIN = "project-name: p\nproject-description: d\ntemplate:\n  path: ./sqls\n"
SQLS = {"sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": "SELECT 1 AS v\n"}


def _lint(tmp_path: Path, main: str, version: str | None = None) -> list[tuple[str, int, str, str]]:
    write_tree(tmp_path, {"flapi.yaml": MAIN + main, **SQLS})
    config = Config(select=["cors"])
    if version is not None:
        config.flapi_version = version
    run = run_lint(tmp_path, config=config)
    return sorted((r.rule.id, r.span.start_line, r.level.value, r.message) for r in run.report.results)


def test_an_origin_list_is_not_enforced_on_26_10(tmp_path: Path) -> None:
    found = _lint(tmp_path, "cors:\n  allow-origins: [https://app.example.com, https://admin.example.com]\n")
    assert [(f[0], f[1], f[2]) for f in found] == [("CORS005", 6, "warning")]
    assert "flAPI 26.10 does not enforce `cors.allow-origins`" in found[0][3]
    assert "(`https://app.example.com`, `https://admin.example.com`)" in found[0][3]
    assert "`Access-Control-Allow-Origin: *`" in found[0][3]


def test_an_origin_list_is_not_reported_for_26_6(tmp_path: Path) -> None:
    assert _lint(tmp_path, "cors:\n  allow-origins: [https://app.example.com]\n", version="26.6") == []


def test_wildcards_and_empty_lists_stay_with_cors001_and_cors002(tmp_path: Path) -> None:
    found = _lint(tmp_path, "cors:\n  allow-origins: ['*', https://app.example.com]\n")
    assert [f[0] for f in found] == ["CORS001"]
    found = _lint(tmp_path / "empty", "cors:\n  allow-origins: []\n")
    assert [f[0] for f in found] == ["CORS002"]
    assert found[0][3].endswith("enforce them in a reverse proxy, since flAPI 26.10 answers unlisted origins with `*` too")
    older = _lint(tmp_path / "older", "cors:\n  allow-origins: []\n", version="26.6")
    assert older[0][3].endswith("list your front-end origins in `cors.allow-origins`")


# ------------------------------------------------------------------ GET /config needs the config-service token


def test_only_init_secrets_are_said_to_be_served_and_levels_are_not_raised(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "flapi.yaml": MAIN + "connections:\n  pg:\n    init: |\n"
        "      CREATE SECRET s (TYPE postgres, PASSWORD '{{env.PG_PASSWORD}}');\n"
        "    properties:\n      password: '{{env.PG_PASSWORD}}'\n      api_token: ${PARTNER_TOKEN}\n",
        **SQLS,
    })
    run = run_lint(tmp_path, select=["TRANS003", "hardcoded-secret"])
    found = {(r.rule.id, r.span.start_line): r for r in run.report.results}
    assert sorted(found) == [("SEC005", 11), ("TRANS003", 8)]
    exposure = found[("TRANS003", 8)]
    assert exposure.level.value == "note"
    assert "config-service token" in exposure.message and "without authentication" not in exposure.message
    in_properties = found[("SEC005", 11)]
    assert in_properties.level.value == "warning"  # a credential flAPI sends elsewhere; properties are redacted
    assert "servedAt" not in in_properties.finding.properties and "/config" not in in_properties.message
