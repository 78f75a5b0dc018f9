"""flAPI posture rules: exact positions, levels, merged findings, secrets, and the flAPI facts they rely on."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from mcplint.engine.registry import default_registry
from mcplint.engine.rule import Level
from mcplint.reporters import get_reporter
from mcplint.rules.config_error._flapi_facts import is_loopback_host, is_write
from mcplint.rules.supply_chain import flapi_templates
from mcplint.span import Span
from mcplint.tree import ScalarNode

from conftest import REPO, run_lint, write_tree

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\nhttp-host: 127.0.0.1\n"
MCP_ON = "mcp:\n  auth:\n    enabled: true\n    jwt-secret: '{{env.FLAPI_JWT_SECRET}}'\n"
SQL = "SELECT id FROM orders LIMIT 100\n"
WRITE_SQL = "INSERT INTO orders (status) VALUES ('open')\n"
MY_CATEGORIES = ("config-error", "authentication", "authorization", "transport", "audit", "supply-chain")
MY_IDS = {
    "CFG006", "CFG007", "CFG008", "CFG009", "CFG010", "CFG011", "CFG012", "CFG013", "CFG014", "CFG015", "CFG016",
    "AUTHN001", "AUTHN002", "AUTHN003", "AUTHN004", "AUTHN005", "AUTHN006", "AUTHN007", "AUTHN008", "AUTHN009",
    "AUTHN010", "AUTHZ001", "AUTHZ002", "TRANS001", "TRANS002", "TRANS003", "CHAIN001", "CHAIN002", "CHAIN003",
    "CHAIN004", "AUDIT001", "AUDIT002", "LIMIT001",
}


def lint(tmp_path: Path, files: dict[str, str], select: str) -> list:
    write_tree(tmp_path, files)
    return run_lint(tmp_path, select=[select]).report.results


def where(results: list) -> list[tuple[str, str, int, int, str]]:
    return [(r.rule.id, r.span.path, r.span.start_line, r.span.start_col, r.level.value) for r in results]


# ------------------------------------------------------------- one per rule


CASES = {
    "CFG009": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nrequest:\n  - field-name: x\n"
         "    field-in: query\n    validators:\n      - type: number\n", "sqls/a.sql": SQL},
        [("CFG009", "sqls/a.yaml", 7, 15, "warning")],
    ),
    "CFG010": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nrate-limit:\n  window: 10\n",
         "sqls/a.sql": SQL},
        [("CFG010", "sqls/a.yaml", 4, 3, "warning")],
    ),
    "CFG011": (
        {"flapi.yaml": MAIN + "mcp:\n  port: 9000\n", "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n",
         "sqls/a.sql": SQL},
        [("CFG011", "flapi.yaml", 7, 3, "warning")],
    ),
    "CFG012": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source:   missing.sql\n"},
        [("CFG012", "sqls/a.yaml", 2, 20, "error")],
    ),
    "CFG013": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: ../../x.sql\n"},
        [("CFG013", "sqls/a.yaml", 2, 18, "warning")],
    ),
    "CFG014": (
        {"flapi.yaml": MAIN + "connections:\n  db: {}\n",
         "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nconnection: [db, dbx]\n", "sqls/a.sql": SQL},
        [("CFG014", "sqls/a.yaml", 3, 18, "error")],
    ),
    "CFG015": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "mcp-tool: {name: t, description: d}\ntemplate-source: a.sql\n",
         "sqls/b.yaml": "mcp-tool:\n  name: t\n  description: d\ntemplate-source: a.sql\n", "sqls/a.sql": SQL},
        [("CFG015", "sqls/b.yaml", 2, 9, "error")],
    ),
    "CFG016": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\nmethod: post\ntemplate-source: a.sql\n",
         "sqls/b.yaml": "method: POST\nurl-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": WRITE_SQL},
        [("CFG016", "sqls/b.yaml", 2, 11, "error")],
    ),
    "AUTHN001": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\nmethod: PATCH\ntemplate-source: a.sql\n  \nauth: {type: basic}\n",
         "sqls/a.sql": WRITE_SQL},
        [("AUTHN001", "sqls/a.yaml", 5, 1, "error")],
    ),
    "AUTHN002": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nauth: {enabled: true, type: jwt}\n",
         "sqls/a.sql": SQL},
        [("AUTHN002", "sqls/a.yaml", 3, 29, "note")],
    ),
    "AUTHN003": (
        {"flapi.yaml": MAIN + "auth:\n  enabled: false\n  required: true\n",
         "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": SQL},
        [("AUTHN003", "flapi.yaml", 8, 3, "warning")],
    ),
    "AUTHN004": (
        {"flapi.yaml": MAIN + "auth:\n  enabled: true\n", "sqls/a.yaml": "template-source: a.sql\nurl-path: /a/\n",
         "sqls/a.sql": SQL},
        [("AUTHN004", "sqls/a.yaml", 2, 11, "warning")],
    ),
    "AUTHN005": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "template-source: a.sql\nmcp-resource: {name: r, description: d}\n",
         "sqls/a.sql": SQL},
        [("AUTHN005", "sqls/a.yaml", 2, 1, "warning")],
    ),
    "AUTHN006": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\nmethod:   put\ntemplate-source: a.sql\n",
         "sqls/a.sql": WRITE_SQL},
        [("AUTHN006", "sqls/a.yaml", 2, 11, "error")],
    ),
    "AUTHN007": (
        {"flapi.yaml": MAIN + MCP_ON + "    methods:\n      resources/read: {required: off}\n",
         "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": SQL},
        [("AUTHN007", "flapi.yaml", 11, 34, "error")],
    ),
    "AUTHN008": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nauth:\n  enabled: true\n"
         "  type: oidc\n  oidc:\n    issuer-url: https://id.example.com\n    allowed-audiences:\n", "sqls/a.sql": SQL},
        [("AUTHN008", "sqls/a.yaml", 8, 5, "warning")],
    ),
    "AUTHN009": (
        {"flapi.yaml": MAIN + "auth:\n  oidc: {issuer-url: 'https://id.example.com', allowed-audiences: [a], "
         "verify-expiration: No}\n", "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\nauth: {enabled: true}\n",
         "sqls/a.sql": SQL},
        [("AUTHN009", "flapi.yaml", 7, 91, "error")],
    ),
    "AUTHN010": (
        {"flapi.yaml": MAIN + "mcp:\n  auth:\n    enabled: true\n    type: bearer\n    jwt-secret: 'tiny'\n",
         "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": SQL},
        [("AUTHN010", "flapi.yaml", 10, 17, "warning")],
    ),
    "AUTHZ001": (
        {"flapi.yaml": MAIN + MCP_ON, "sqls/a.yaml": "template-source: a.sql\nmcp-tool: {name: t, description: d}\n",
         "sqls/a.sql": SQL},
        [("AUTHZ001", "sqls/a.yaml", 2, 1, "note")],
    ),
    "AUTHZ002": (
        {"flapi.yaml": MAIN + "connections:\n  db:\n    allow: '*'\n",
         "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "sqls/a.sql": SQL},
        [("AUTHZ002", "flapi.yaml", 8, 5, "note")],
    ),
    "TRANS001": (
        {"flapi.yaml": MAIN + "https: {enabled: false}\n", "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n",
         "sqls/a.sql": SQL},
        [("TRANS001", "flapi.yaml", 6, 1, "warning")],
    ),
    "TRANS002": (
        {"flapi.yaml": "template:\n  path: ./sqls\nhttp-host: 192.168.1.20\n"},
        [("TRANS002", "flapi.yaml", 3, 12, "warning")],
    ),
    "CHAIN001": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: HTTP://x.example/a.sql\n"},
        [("CHAIN001", "sqls/a.yaml", 2, 18, "error")],
    ),
    "CHAIN002": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "url-path: /a/\ntemplate-source: gs://bucket/a.sql\n"},
        [("CHAIN002", "sqls/a.yaml", 2, 18, "warning")],
    ),
    "CHAIN003": (
        {"flapi.yaml": "template:\n  path: ./sqls\n  environment-whitelist: ['^.*$']\n"},
        [("CHAIN003", "flapi.yaml", 3, 27, "warning")],
    ),
    "CHAIN004": (
        {"flapi.yaml": "template:\n  path:  http://x.example/sqls\n"},
        [("CHAIN004", "flapi.yaml", 2, 10, "error")],
    ),
    "AUDIT001": (
        {"flapi.yaml": MAIN + "audit: {enabled: off}\n", "sqls/a.yaml": "template-source: a.sql\nmcp-tool: {name: t, description: d}\n",
         "sqls/a.sql": SQL},
        [("AUDIT001", "flapi.yaml", 6, 18, "warning")],
    ),
    "AUDIT002": (
        {"flapi.yaml": MAIN + "audit:\n  enabled: true\n  redact: []\n",
         "sqls/a.yaml": "template-source: a.sql\nmcp-tool: {name: t, description: d}\nrequest:\n"
         "  - {field-name: api_token, field-in: query}\n", "sqls/a.sql": SQL},
        [("AUDIT002", "flapi.yaml", 8, 11, "warning")],
    ),
    "LIMIT001": (
        {"flapi.yaml": MAIN, "sqls/a.yaml": "template-source: a.sql\nmcp-tool:\n  name: t\n  description: d\n"
         "  rate-limit: {max: 5}\n", "sqls/a.sql": SQL},
        [("LIMIT001", "sqls/a.yaml", 5, 3, "note")],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_exact_position_and_level(rule_id: str, tmp_path: Path) -> None:
    files, expected = CASES[rule_id]
    assert where(lint(tmp_path, files, rule_id)) == expected


def test_every_rule_of_this_issue_has_a_position_test_here_or_in_the_schema_tests() -> None:
    assert MY_IDS - set(CASES) == {"CFG006", "CFG007", "CFG008", "TRANS003"}  # test_flapi_schema.py, below


def test_env_reference_inside_a_block_scalar_is_pointed_at_exactly(tmp_path: Path) -> None:
    main = MAIN + (
        "connections:\n  lake:\n    init: |\n      INSTALL httpfs;\n      CREATE SECRET s3 (\n"
        "        TYPE s3,\n        SECRET '{{env.AWS_SECRET_ACCESS_KEY}}',\n        REGION '{{env.AWS_REGION}}'\n"
        "      );\n"
    )
    results = lint(tmp_path, {"flapi.yaml": main}, "TRANS003")
    assert [(r.span.start_line, r.span.start_col, r.span.end_col) for r in results] == [(12, 17, 46)]
    assert "`{{env.AWS_SECRET_ACCESS_KEY}}`" in results[0].message


# ------------------------------------------------------------------ levels


def test_levels_follow_what_is_at_stake(tmp_path: Path) -> None:
    files = {
        "flapi.yaml": MAIN + MCP_ON + "    methods:\n      tools/list: {required: false}\n      ping: {required: false}\n"
        "https:\n  enabled: false\nenforce-https: {enabled: true, ssl-cert-file: c, ssl-key-file: k}\n",
        "sqls/read.yaml": "url-path: /read/\ntemplate-source: a.sql\nauth: {type: basic}\n",
        "sqls/a.sql": SQL,
    }
    results = {(r.rule.id, r.span.path): r.level for r in lint(tmp_path, files, "ALL") if r.rule.id in MY_IDS}
    assert results[("AUTHN001", "sqls/read.yaml")] is Level.WARNING
    assert results[("AUTHN007", "flapi.yaml")] is Level.WARNING  # tools/list; the ping exemption is not reported
    assert results[("TRANS001", "flapi.yaml")] is Level.NOTE  # TLS is on through enforce-https


def test_prompts_are_notes_write_tools_are_authn006(tmp_path: Path) -> None:
    files = {
        "flapi.yaml": MAIN,
        "sqls/p.yaml": "mcp-prompt: {name: p, description: d, template: 'Hi {{x}}'}\n",
        "sqls/w.yaml": "mcp-tool: {name: w, description: d}\noperation: {type: write}\ntemplate-source: a.sql\n",
        "sqls/a.sql": WRITE_SQL,
    }
    write_tree(tmp_path, files)
    run = run_lint(tmp_path, select=["authentication"])
    assert where(run.report.results) == [
        ("AUTHN005", "sqls/p.yaml", 1, 1, "note"),
        ("AUTHN006", "sqls/w.yaml", 1, 1, "error"),
    ]


# ------------------------------------------------------ merged and included


def test_three_main_configs_sharing_endpoints_give_one_finding_per_place(tmp_path: Path) -> None:
    files = {f"{name}.yaml": MAIN for name in ("flapi", "flapi-dev", "flapi-test")}
    files.update({"sqls/a.yaml": "template-source: a.sql\nmcp-tool: {name: t, description: d}\n", "sqls/a.sql": SQL})
    results = lint(tmp_path, files, "AUTHN005")
    assert len(results) == 1
    assert sorted(r.span.path for r in results[0].finding.related) == ["flapi-dev.yaml", "flapi-test.yaml", "flapi.yaml"]


def test_an_included_auth_block_without_enabled_is_reported_once_in_the_fragment(tmp_path: Path) -> None:
    endpoint = "url-path: /{n}/\ntemplate-source: a.sql\n{{{{include:auth from common.yaml}}}}\n"
    files = {
        "flapi.yaml": MAIN,
        "sqls/a.yaml": endpoint.format(n="a"),
        "sqls/b.yaml": endpoint.format(n="b"),
        "sqls/common.yaml": "auth:\n  type: basic\n  users: []\n",
        "sqls/a.sql": SQL,
    }
    (result,) = lint(tmp_path, files, "AUTHN001")
    assert (result.span.path, result.span.start_line, result.span.start_col) == ("sqls/common.yaml", 1, 1)
    assert "so the endpoint accepts every caller" in result.message
    assert sorted((r.span.path, r.span.start_line) for r in result.finding.related) == [
        ("sqls/a.yaml", 3), ("sqls/b.yaml", 3)
    ]


# ------------------------------------------------------------- secrecy


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_short_jwt_secret_never_appears_in_any_output(fmt: str, tmp_path: Path) -> None:
    secret = "Pa55-w0rd-short"
    files = {
        "flapi.yaml": MAIN + f"mcp:\n  auth:\n    enabled: true\n    jwt-secret: {secret}\n",
        "sqls/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n",
        "sqls/a.sql": SQL,
    }
    write_tree(tmp_path, files)
    run = run_lint(tmp_path, select=["AUTHN010"])
    assert [r.rule.id for r in run.report.results] == ["AUTHN010"]
    assert "15 bytes" in run.report.results[0].message
    assert secret not in get_reporter(fmt)(run.report)


# ------------------------------------------------- every message names flAPI


def _fixture_cases() -> list[Path]:
    base = REPO / "tests" / "fixtures" / "rules"
    folders = [base / c.replace("-", "_") for c in MY_CATEGORIES] + [base / "resource_limits"]
    return sorted(case for folder in folders for case in folder.iterdir() if case.is_dir())


def test_every_message_states_the_flapi_behaviour_and_the_rules_explain_a_fix() -> None:
    seen: set[str] = set()
    for case in _fixture_cases():
        run = run_lint(case, select=sorted(MY_IDS))
        for result in run.report.results:
            seen.add(result.rule.id)
            assert "flAPI" in result.message, result.message
            assert "\n" not in result.message
    assert seen == MY_IDS
    registry = default_registry()
    for rule_id in MY_IDS:
        rule = registry.get(rule_id)
        assert rule is not None and rule.fix.strip() and "## How to fix" in rule.help_markdown()


# ------------------------------------------------------------- flAPI facts


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("api.example.com", False), ("", False)],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("endpoint", "write"),
    [
        ("url-path: /a/\n", False),
        ("url-path: /a/\nmethod: post\n", True),
        ("url-path: /a/\nmethod: PUT\noperation: {type: READ}\n", False),
        ("url-path: /a/\nmethod: DELETE\n", False),
        ("url-path: /a/\noperation: {type: Write}\n", True),
        ("mcp-tool: {name: t, description: d}\noperation: {type: write}\n", True),
        ("mcp-tool: {name: t, description: d}\nmethod: POST\n", False),  # no REST route: method means nothing
    ],
)
def test_write_detection(endpoint: str, write: bool, tmp_path: Path) -> None:
    write_tree(tmp_path, {"flapi.yaml": MAIN, "sqls/a.yaml": endpoint + "template-source: a.sql\n", "sqls/a.sql": SQL})
    (unit,) = run_lint(tmp_path, select=["CFG001"]).model.endpoints()
    assert is_write(unit) is write


def _scalar(text: str) -> ScalarNode:
    return ScalarNode(Span("x.yaml", 1, 1, 1, 1 + len(text)), (), text, text)


@pytest.mark.parametrize(
    ("template_path", "template_source", "reported"),
    [
        ("https://cdn.example.com/sqls/", "https://cdn.example.com/sqls/a.sql", False),
        ("https://cdn.example.com/sqls/", "https://other.example.com/a.sql", True),
        ("s3://bucket/sqls/", "s3://bucket/shared/a.sql", False),
        ("s3://bucket/sqls/", "gs://bucket/a.sql", True),
        ("./sqls", "https://cdn.example.com/a.sql", True),
        ("./sqls", "a.sql", False),
    ],
)
def test_foreign_template_hosts(template_path: str, template_source: str, reported: bool) -> None:
    project = SimpleNamespace(template_path=_scalar(template_path))
    endpoint = SimpleNamespace(
        template_source=_scalar(template_source), project=project, document=SimpleNamespace(path="x.yaml", includes=[])
    )
    assert bool(list(flapi_templates.check_foreign_host(endpoint))) is reported


@pytest.mark.parametrize(
    ("pattern", "everything"),
    [(".*", True), (".+", True), ("^.*$", True), ("[\\s\\S]*", True), ("(?i)[a-z0-9_]+", True),
     ("^FLAPI_.*", False), ("[A-Z_]+", False), ("(", False), ("(.*)*x", False), ("x" * 100, False)],
)
def test_whitelist_patterns_that_match_everything(pattern: str, everything: bool) -> None:
    assert flapi_templates._matches_everything(pattern) is everything


def test_json_output_carries_the_related_main_config_for_mcp_findings(tmp_path: Path) -> None:
    files = {"flapi.yaml": MAIN, "sqls/a.yaml": "template-source: a.sql\nmcp-tool: {name: t, description: d}\n",
             "sqls/a.sql": SQL}
    write_tree(tmp_path, files)
    run = run_lint(tmp_path, select=["AUTHN005"])
    document = json.loads(get_reporter("json")(run.report))
    (finding,) = document["findings"]
    assert finding["message"].startswith("flAPI serves MCP tool `t` to every caller")


ODD_MAINS = [
    "template:\n  path: ./sqls\nmcp: [1, 2]\nauth: yes\nconnections: [a, b]\naudit: 3\nenforce-https: [x]\n",
    "template:\n  path: ./sqls\nmcp:\n  auth: [x]\n  port: {a: 1}\nhttps: null\nhttp-host: [a]\ncors: 1\n",
    "template:\n  path: ./sqls\n  environment-whitelist: {a: b}\nconnections:\n  x: 1\n  y:\n    allow:\n    init: [a]\n",
    "template:\n  path: ./sqls\n  environment-whitelist: [null, [a], '[', '(?P<x>']\nserver: 1\nmcp:\n  auth:\n"
    "    enabled: true\n    methods: [a]\n    oidc: 1\n    jwt-secret: [a]\n",
    "template:\n  path: ./sqls\nmcp:\n  auth:\n    enabled: true\n    type: oidc\n    oidc:\n      allowed-audiences: x\n"
    "    methods:\n      tools/call: 1\n      tools/list: {required: null}\naudit:\n  enabled: true\n  redact: x\n",
]
ODD_ENDPOINTS = [
    "url-path: [a]\nmethod: {a: 1}\nauth: 1\nmcp-tool: 1\nrequest: {a: 1}\nconnection: {a: b}\ntemplate-source: [x]\n",
    "url-path:\nmcp-tool:\n  name: [x]\n  allowed-roles: x\n  rate-limit: 1\nauth:\n  enabled: true\n  type: [jwt]\n"
    "  oidc: [1]\noperation: [write]\nrequest:\n  - 1\n  - validators: 1\n  - validators: [1, {type: [int]}]\n",
    "mcp-prompt: null\nmcp-resource: [1]\nrate-limit: [1]\nrate_limit: 1\ntemplate-source: ''\n",
    "url-path: /a/\nmethod: POST\noperation: {type: 1}\nauth: {enabled: maybe, required: [x]}\n"
    "template-source: '{{env.X}}'\n",
]


@pytest.mark.parametrize("main", ODD_MAINS)
@pytest.mark.parametrize("endpoint", ODD_ENDPOINTS)
def test_odd_shapes_never_crash_a_rule(main: str, endpoint: str, tmp_path: Path) -> None:
    write_tree(tmp_path, {"flapi.yaml": main, "sqls/a.yaml": endpoint, "sqls/b.yaml": endpoint, "sqls/a.sql": SQL})
    run = run_lint(tmp_path, select=sorted(MY_IDS | {"CFG900"}))
    assert [r.message for r in run.report.results if r.rule.id == "CFG900"] == []
