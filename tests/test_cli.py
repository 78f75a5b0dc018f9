"""The command line: exit codes, options, configuration, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcplint import __version__

from conftest import REPO, write_tree

NAMED = "project-name: shop\nproject-description: Shop API\n"  # flAPI refuses a main file without them (CFG008)
CLEAN = {
    "flapi.yaml": "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]  # mcplint: ignore[CORS005] -- a reverse proxy enforces the list\n"
    "http-host: 127.0.0.1\n" + NAMED
}
WARNING_ONLY = {"flapi.yaml": "template:\n  path: ./sqls\nhttp-host: 127.0.0.1\n" + NAMED}  # CORS002 (warning)


def mcplint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MCPLINT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "mcplint", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_the_bundled_example_reports_cors_and_passwords_with_positions() -> None:
    result = mcplint("examples/", cwd=REPO)
    assert result.returncode == 1, result.stderr
    heads = [line for line in result.stdout.splitlines() if line.startswith("examples/")]
    assert heads == [
        'examples/flapi.yaml:2:1: AUDIT001 warning flAPI records requests (REST and MCP `tools/call`) only when `audit.enabled` is true: the 3 MCP tools here (`cancel_orders`, `find_customers`, `list_orders`) run without a record of who called what with which arguments',
        'examples/flapi.yaml:2:1: CORS002 warning this flAPI config has no `cors` block: flAPI then answers every origin with `Access-Control-Allow-Origin: *`; list your front-end origins in `cors.allow-origins` and enforce them in a reverse proxy, since flAPI 26.10 answers unlisted origins with `*` too',
        'examples/flapi.yaml:2:1: TRANS002 warning flAPI serves plain HTTP on `0.0.0.0` (every interface, the default when `http-host` is not set) because `enforce-https.enabled` is not true: passwords, tokens and query results cross the network unencrypted',
        "examples/flapi.yaml:15:36: SEC002 error password in a URL `…(17 chars)` is written in a SQL string in `connections.retail.init` (signal: URL user-info): anyone who can read this file can connect with it; a flAPI started with `--config-service` also returns connection `init` SQL verbatim at `GET /config` to anyone holding the config-service token; let DuckDB find the credentials itself (`CREATE SECRET (TYPE s3, PROVIDER credential_chain)`, instance or workload credentials), or write `{{env.PASSWORD}}`, which flAPI substitutes at start-up (with `--config-service`, `GET /config` still returns the substituted SQL to config-service token holders)",
        'examples/flapi.yaml:26:17: CRED003 error basic-auth user `admin` in `auth` has a password written as a shell-style `${…}` reference, which flAPI never expands: the password is that literal text, known to anyone who reads this file; write `{{env.NAME}}` instead',
        'examples/flapi.yaml:29:1: POIS032 note this project serves MCP tools without `mcp.strict-descriptions`: flAPI then only logs descriptions its scanner flags (control characters, over 2048 bytes, *ignore previous instructions*) instead of refusing to start; set `mcp.strict-descriptions: true`',
        'examples/flapi.yaml:36:19: CRED002 error basic-auth user `claude` in `mcp.auth` has an MD5 password hash: flAPI accepts it, but unsalted MD5 is cracked in seconds for ordinary passwords',
        "examples/sqls/cancel_orders.sql:1:1: FILT002 warning `UPDATE retail.orders` is filtered only by `status = 'open'` once a caller leaves out `customer_id`, which uses no required request field: one call through tool `cancel_orders` applies it to every row that matches. Fix: filter on a required, validated key field (e.g. make `id` `required: true` and add `AND id = {{ params.id }}` outside any section).",
        'examples/sqls/cancel_orders.yaml:4:1: LIMIT001 note MCP tool `cancel_orders` has no `rate-limit`: flAPI limits calls to a tool only through `mcp-tool.rate-limit` with `enabled: true`, so a client or a looping agent can call it as fast as the server answers',
        'examples/sqls/common/auth.yaml:8:17: CRED001 error basic-auth user `support` in `auth` has a plaintext password (11 characters): flAPI compares it as written, so anyone who can read this file can log in',
        "examples/sqls/customers.sql:11:20: SQLI001 error `params.name` (declared in examples/sqls/customers.yaml with a `string` validator without `regex` (`min`/`max` only limit the length)) is inserted raw by `{{{ }}}` into a LIKE pattern (ILIKE): a caller can close the string literal with a quote. Proven via REST GET /customers/ with the query parameter `name=zz' OR 'a'<'b`: it passes the field's validators and flAPI's keyword filter, and rendered as flAPI renders it the value `zz' OR 'a'<'b` adds an OR predicate. Fix: bind it (`LIKE '%' || {{ params.x }} || '%'` at depth 0 with a typed validator) or restrict it with a quote-free `regex`.",
        'examples/sqls/customers.yaml:4:1: LIMIT001 note MCP tool `find_customers` has no `rate-limit`: flAPI limits calls to a tool only through `mcp-tool.rate-limit` with `enabled: true`, so a client or a looping agent can call it as fast as the server answers',
        'examples/sqls/orders.yaml:4:1: LIMIT001 note MCP tool `list_orders` has no `rate-limit`: flAPI limits calls to a tool only through `mcp-tool.rate-limit` with `enabled: true`, so a client or a looping agent can call it as fast as the server answers',
        'examples/sqls/orders.yaml:26:17: CRED001 error basic-auth user `analyst` in `auth` has a plaintext password (12 characters): flAPI compares it as written, so anyone who can read this file can log in',
    ]
    for secret in ("Winter2024!", "analyst-2024", "Sup3r-S3cret-2024"):
        assert secret not in result.stdout
    assert result.stderr == ""


def test_version_from_another_directory(tmp_path: Path) -> None:
    result = mcplint("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"mcplint {__version__}\n")


def test_clean_tree_exits_zero(tmp_path: Path) -> None:
    write_tree(tmp_path, CLEAN)
    result = mcplint(cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "No findings (1 file scanned, 1 suppressed).\n"  # CORS005: the proxy enforces the list


def test_fail_on_and_exit_zero(tmp_path: Path) -> None:
    write_tree(tmp_path, WARNING_ONLY)
    assert mcplint(".", cwd=tmp_path).returncode == 1
    assert mcplint(".", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert mcplint(".", "--exit-zero", cwd=tmp_path).returncode == 0
    assert mcplint("check", ".", "--select", "CRED", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("--bogus",), "No such option"),
        (("--format", "xml"), "Invalid value for '--format'"),
        (("--select", "NOPE"), "unknown rule selector 'NOPE'"),
        (("does-not-exist",), "path does not exist: does-not-exist"),
        (("--config", "missing.toml"), "config file not found"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    write_tree(tmp_path, CLEAN)
    result = mcplint(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "files, message",
    [
        ({".mcplint.toml": "select = [\n"}, "invalid TOML"),
        ({".mcplint.toml": 'slect = ["CORS"]\n'}, "unknown key `slect` (did you mean `select`?)"),
        ({".mcplint.toml": 'fail-on = "fatal"\n'}, "`fail-on` must be one of error, warning, note"),
        ({"pyproject.toml": '[tool.mcplint]\nignore = "CORS"\n'}, "[tool.mcplint] `ignore` must be a list of strings"),
        ({".mcplint.toml": '[levels]\nNOPE001 = "note"\n'}, "`levels` names unknown rule 'NOPE001'"),
    ],
)
def test_broken_configuration_is_one_line_and_exit_2(tmp_path: Path, files: dict, message: str) -> None:
    write_tree(tmp_path, {**CLEAN, **files})
    result = mcplint(cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_configuration_from_pyproject_and_precedence(tmp_path: Path) -> None:
    write_tree(tmp_path, {**WARNING_ONLY, "pyproject.toml": '[tool.mcplint]\nignore = ["CORS002"]\n'})
    assert mcplint(cwd=tmp_path).returncode == 0
    write_tree(tmp_path, {".mcplint.toml": 'fail-on = "warning"\n'})  # wins over pyproject.toml
    assert mcplint(cwd=tmp_path).returncode == 1
    sub = tmp_path / "sub"
    sub.mkdir()
    assert mcplint("..", cwd=sub).returncode == 1  # found by walking up from the working directory


def test_exclude_option_and_config(tmp_path: Path) -> None:
    write_tree(tmp_path, {"service/flapi.yaml": WARNING_ONLY["flapi.yaml"]})
    assert mcplint("--exclude", "service", cwd=tmp_path).returncode == 0
    write_tree(tmp_path, {".mcplint.toml": 'exclude = ["service/**"]\n'})
    assert mcplint(cwd=tmp_path).returncode == 0


def test_output_file_and_refusals(tmp_path: Path) -> None:
    write_tree(tmp_path, WARNING_ONLY)
    result = mcplint("--format", "sarif", "--output", "out/report.sarif", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((tmp_path / "out/report.sarif").read_text())["version"] == "2.1.0"
    refused = mcplint("--output", "flapi.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "refusing to overwrite a scanned file" in refused.stderr
    (tmp_path / "link.txt").symlink_to(tmp_path / "elsewhere.txt")
    refused = mcplint("--output", "link.txt", cwd=tmp_path)
    assert refused.returncode == 2 and "symlink" in refused.stderr
    assert not (tmp_path / "elsewhere.txt").exists()


def test_rules_json_lists_complete_metadata(tmp_path: Path) -> None:
    result = mcplint("rules", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    rules = json.loads(result.stdout)
    assert {"CORS001", "CORS002", "CRED001", "CFG001", "CFG900"} <= {r["id"] for r in rules}
    required = {"id", "name", "category", "level", "security_severity", "precision", "cwe", "tags",
                "short_description", "full_description", "why", "fix", "help_markdown", "examples"}
    for rule in rules:
        assert required <= set(rule)
        assert rule["examples"]["bad"]["files"] and rule["examples"]["good"]["files"]


def test_rules_table_and_category_filter(tmp_path: Path) -> None:
    result = mcplint("rules", "--category", "cors", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CATEGORY", "LEVEL", "SEVERITY", "PRECISION"]
    assert [line.split()[0] for line in lines[1:]] == ["CORS001", "CORS002", "CORS005", "CORS003", "CORS004"]
    assert mcplint("rules", "--category", "nope", cwd=tmp_path).returncode == 2


def test_explain(tmp_path: Path) -> None:
    result = mcplint("explain", "cors001", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# CORS001 flapi-cors-wildcard-origin\n")
    assert "## How to fix" in result.stdout
    by_name = mcplint("explain", "plaintext-basic-auth-password", cwd=tmp_path)
    assert by_name.stdout.startswith("# CRED001 ")
    unknown = mcplint("explain", "CORS01", cwd=tmp_path)
    assert unknown.returncode == 2 and "did you mean" in unknown.stderr


def test_hostile_files_give_diagnostics_not_tracebacks(tmp_path: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write_tree(
        tmp_path,
        {
            **CLEAN,
            "broken.yaml": "key: [unclosed\n",
            "binary.json": b"\x00\x01\x02\xff" * 10,
            "bomb.yaml": bomb,
            "deep.json": "[" * 100_000,
        },
    )
    result = mcplint("--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    findings = {(f["path"], f["rule_id"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == {
        ("broken.yaml", "CFG001"),
        ("binary.json", "CFG002"),
        ("bomb.yaml", "CFG001"),
        ("deep.json", "CFG001"),
    }


def test_default_command_and_explicit_check_agree(tmp_path: Path) -> None:
    write_tree(tmp_path, WARNING_ONLY)
    assert mcplint(".", cwd=tmp_path).stdout == mcplint("check", ".", cwd=tmp_path).stdout
