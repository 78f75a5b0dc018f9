"""Issue 21, part 4 (and part 2's Fluxbase in Helm values): files that are not mcplint's business stay
quiet, example copies are scanned and marked, CHAIN011 does not bury the rest, secrets name the right server."""

from __future__ import annotations

import json
import time
from pathlib import Path

from mcplint.discovery import copied_name, effective_suffix
from mcplint.model.classify import is_go_template
from mcplint.model.secret_patterns import is_reference
from mcplint.rules.tool_poisoning._structure import analyse

from conftest import run_lint, write_tree

TOKEN = "ghp_" + "Z8k2Lm4Qx7Rt9Vb3Nc6Hj1Pw5Yd0Fs2Ga8Ke"


def lint(tmp_path: Path, files: dict[str, str], select: list[str] | None = None):
    write_tree(tmp_path, files)
    return run_lint(tmp_path, select=select).report.results


def test_example_copies_are_read_as_the_file_they_copy() -> None:
    assert copied_name(".mcp.json.example") == ".mcp.json"
    assert copied_name("config.yaml.sample") == "config.yaml"
    assert copied_name("settings.json.dist") == "settings.json"
    assert copied_name("README.example") is None  # not a configuration format
    assert copied_name(".env.example") is None  # read as an env file already
    assert copied_name("x.json") is None
    assert effective_suffix("claude_desktop_config.json.example") == ".json"


def test_example_copy_findings_say_where_they_come_from(tmp_path: Path) -> None:
    config = json.dumps({"mcpServers": {"gh": {"command": "sudo", "args": ["gh-mcp"], "env": {"GITHUB_TOKEN": TOKEN}}}})
    found = lint(tmp_path, {".mcp.json.example": config, "claude_desktop_config.json.sample": config})
    by_file = {(r.span.path, r.rule.id) for r in found}
    assert {(".mcp.json.example", "AUTHZ021"), (".mcp.json.example", "SEC001"),
            ("claude_desktop_config.json.sample", "SEC001")} <= by_file
    for result in found:
        assert "in an example copy of `" in result.message
        assert result.finding.properties["example_copy"] in (".mcp.json", "claude_desktop_config.json")


def test_secrets_in_nested_client_formats_name_the_server(tmp_path: Path) -> None:
    found = lint(tmp_path, {
        ".vscode/settings.json": json.dumps({"mcp": {"servers": {"gh": {"command": "x", "env": {"GITHUB_TOKEN": TOKEN}}}}}),
        ".continue/config.yaml": "name: c\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: hub\n    command: x\n"
                                 f"    env:\n      GITHUB_TOKEN: {TOKEN}\n",
        ".codex/config.toml": f'[mcp_servers.codexgh]\ncommand = "x"\nenv = {{ GITHUB_TOKEN = "{TOKEN}" }}\n',
    }, ["hardcoded-secret"])
    messages = {r.span.path: r.message for r in found}
    assert "`env.GITHUB_TOKEN` of MCP server `gh` in the VS Code config" in messages[".vscode/settings.json"]
    assert "`env.GITHUB_TOKEN` of MCP server `hub` in the Continue config" in messages[".continue/config.yaml"]
    assert "`env.GITHUB_TOKEN` of MCP server `codexgh` in the Codex config" in messages[".codex/config.toml"]
    assert not any("MCP server `servers`" in m or "MCP server `0`" in m for m in messages.values())


def test_helm_templates_are_recognised_not_unparsable() -> None:
    assert is_go_template('name: {{ include "x.fullname" . }}\n')
    assert is_go_template("  {{- if .Values.enabled }}\n")
    assert is_go_template("{{/* comment */}}\n")
    assert not is_go_template("url: {{env.API_URL}}\n")  # flAPI's own syntax
    assert not is_go_template("{{include:request from common.yaml}}\n")


def test_helm_template_is_quiet_but_a_literal_token_in_it_is_not(tmp_path: Path) -> None:
    template = (
        "metadata:\n  name: {{ include \"mcp.fullname\" . }}\n  labels:\n    {{- include \"mcp.labels\" . | nindent 4 }}\n"
        "env:\n  - name: API_KEY\n    value: {{ .Values.apiKey | quote }}\n"
        f"  - name: GITHUB_TOKEN\n    value: \"{TOKEN}\"\n"
    )
    found = lint(tmp_path, {"chart/templates/deploy.yaml": template})
    assert [(r.rule.id, r.span.start_line) for r in found] == [("SEC001", 9)]
    assert "in a Helm template" in found[0].message


def test_unexpanded_references_are_not_secrets() -> None:
    for value in ("%(API_KEY)s", "%(ENV_TOKEN)s", "%{DB_PASSWORD}", "#{secrets.token}", "@API_KEY@", "$API_KEY$"):
        assert is_reference(value), value
    assert not is_reference("s3cr3t-%-value")


def test_kubernetes_key_names_and_local_test_values(tmp_path: Path) -> None:
    found = lint(tmp_path, {
        "k8s.yaml": "env:\n  - name: KEY\n    valueFrom:\n      secretKeyRef:\n        name: mcp\n        key: service-key\n",
        "values.yaml": "auth:\n  secretKey: service-key\n  existingSecret: mcp-credentials\n",
        "local.yaml": "server:\n  url: http://localhost:8080\n  api_key: local-test-key\n",
    }, ["hardcoded-secret"])
    assert [(r.span.path, r.rule.id, r.level.value) for r in found] == [("local.yaml", "SEC007", "note")]


def test_unpinned_packages_give_one_warning_per_file(tmp_path: Path) -> None:
    servers = {f"s{i}": {"command": "npx", "args": ["-y", f"@modelcontextprotocol/server-{name}"]}
               for i, name in enumerate(["filesystem", "github", "memory", "fetch"])}
    servers["root"] = {"command": "sudo", "args": ["/opt/x/bin/x"]}
    found = lint(tmp_path, {".mcp.json": json.dumps({"mcpServers": servers}, indent=2)}, ["supply-chain", "authorization"])
    chain = [r for r in found if r.rule.id == "CHAIN011"]
    assert len(chain) == 4
    assert sorted(r.level.value for r in chain) == ["note", "note", "note", "warning"]
    warning = next(r for r in chain if r.level.value == "warning")
    assert "and 3 more unpinned packages in this file" in warning.message
    assert any(r.rule.id == "AUTHZ021" and r.level.value == "error" for r in found)


def test_fluxbase_in_helm_values_is_a_fluxbase_config(tmp_path: Path) -> None:
    values = (
        "replicaCount: 1\nimage:\n  repository: ghcr.io/fluxbase-eu/fluxbase\nconfig:\n  database:\n    host: db\n"
        "    ssl_mode: verify-full\n  mcp:\n    enabled: true\n    allowed_tools: []\n    rate_limit_per_min: 60\n"
    )
    found = lint(tmp_path, {"chart/values.yaml": values})
    assert {(r.rule.id, r.span.start_line) for r in found} >= {("AUTHZ014", 10)}
    assert not any(r.rule.id == "CFG032" for r in found)  # `image`, `replicaCount` are the chart's, not Fluxbase's


def test_structure_analysis_is_linear_on_hostile_text() -> None:
    for unit in ("when ", "a_", "x@", "`a", "a.", "do not ", "The a tool "):
        small, large = unit * (20000 // len(unit)), unit * (80000 // len(unit))
        started = time.perf_counter()
        analyse(small)
        first = time.perf_counter() - started
        started = time.perf_counter()
        analyse(large)
        second = time.perf_counter() - started
        assert second < max(first, 0.01) * 12, unit  # 4x the text: about 4x the time, never 16x
