"""The `flapi-version` setting, and the rules whose claims depend on the flAPI release.

Each behaviour asserted here was seen on the released binaries (flAPI 26.10.2 and 26.6.28);
tests/conformance/test_versions_and_beliefs.py asks them again where they are installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_lint, write_tree
from mcplint.config import Config, ConfigError, load_config, parse_flapi_version
from mcplint.model.flapi import DEFAULT_FLAPI_VERSION, flapi_at_least

HEAD = "project-name: shop\nproject-description: Shop API\n"
ENDPOINT = "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [db]\n"
SQL = "SELECT id FROM orders LIMIT 10\n"


def project(main: str, **files: str) -> dict[str, str]:
    tree = {"flapi.yaml": HEAD + main, "sqls/orders.yaml": ENDPOINT, "sqls/orders.sql": SQL}
    tree.update({name.replace("__", "/").replace("_DOT_", "."): text for name, text in files.items()})
    return tree


def results(tmp_path: Path, files: dict[str, str], rules: list[str], version: str | None = None) -> list[tuple]:
    write_tree(tmp_path, files)
    config = Config(select=rules)
    if version is not None:
        config.flapi_version = version
    run = run_lint(tmp_path, config=config)
    return sorted(
        (r.rule.id, r.span.path, r.span.start_line, r.span.start_col, r.span.end_col, r.level.value, r.message)
        for r in run.report.results
    )


# ------------------------------------------------------------------ the setting


@pytest.mark.parametrize(
    ("given", "series"),
    [("26.10", "26.10"), ("26.10.2", "26.10"), ("26.6", "26.6"), ("26.6.28", "26.6"), ("v26.06.28", "26.6")],
)
def test_versions_map_to_their_series(given: str, series: str) -> None:
    assert parse_flapi_version(given) == series


@pytest.mark.parametrize("given", ["26.5", "27.1", "latest", "", 26.10])
def test_unknown_versions_are_refused_with_the_supported_ones(given: object) -> None:
    with pytest.raises(ValueError, match=r"supported: 26\.6, 26\.10"):
        parse_flapi_version(given)


def test_default_is_the_newest_conformance_tested_release() -> None:
    assert DEFAULT_FLAPI_VERSION == "26.10" and Config().flapi_version == "26.10"
    assert flapi_at_least("26.10", "26.10") and flapi_at_least("26.10", "26.6") and not flapi_at_least("26.6", "26.10")


def test_configuration_file_setting(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mcplint]\nflapi-version = "26.6.28"\n')
    assert load_config(None, tmp_path).flapi_version == "26.6"
    (tmp_path / ".mcplint.toml").write_text("flapi-version = 26.10\n")  # a TOML float: 26.1
    with pytest.raises(ConfigError, match=r"`flapi-version` must be a quoted version"):
        load_config(None, tmp_path)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mcplint", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_option_overrides_the_configuration_and_bad_values_exit_2(tmp_path: Path) -> None:
    write_tree(tmp_path, project("template:\n  path: ./sqls\nhttp-host: '{{env.HOST}}'\n"))
    (tmp_path / ".mcplint.toml").write_text('flapi-version = "26.6"\nselect = ["CFG017"]\n')
    assert _cli("--no-cache", cwd=tmp_path).returncode == 0  # 26.6: nothing to report
    newer = _cli("--no-cache", "--flapi-version", "26.10.2", cwd=tmp_path)
    assert newer.returncode == 1 and "CFG017" in newer.stdout
    bad = _cli("--no-cache", "--flapi-version", "27.1", cwd=tmp_path)
    assert bad.returncode == 2
    assert "--flapi-version: '27.1' is not a flAPI version mcplint knows; supported: 26.6, 26.10" in bad.stderr
    (tmp_path / ".mcplint.toml").write_text('flapi-version = "25.1"\n')
    broken = _cli("--no-cache", cwd=tmp_path)
    assert broken.returncode == 2 and "supported: 26.6, 26.10" in broken.stderr


def test_the_version_reaches_rules_through_the_model(tmp_path: Path) -> None:
    write_tree(tmp_path, project("template:\n  path: ./sqls\n"))
    for version in ("26.6", "26.10"):
        run = run_lint(tmp_path, config=Config(select=["CFG017"], flapi_version=version))
        assert [p.flapi_version for p in run.model.projects] == [version]
        assert {e.options["flapi-version"] for e in run.model.endpoints()} == {version}


# ------------------------------------------------------------------ CFG017


def test_env_reference_outside_the_whitelist_points_at_the_token(tmp_path: Path) -> None:
    main = "template:\n  path: ./sqls\nconnections:\n  db:\n    properties:\n      file: 'data/{{env.DB_FILE}}.db'\n"
    found = results(tmp_path, project(main), ["CFG017"])
    assert [(f[0], f[1], f[2], f[3], f[4], f[5]) for f in found] == [("CFG017", "flapi.yaml", 8, 19, 34, "error")]
    assert "is missing: flAPI 26.10 refuses to start" in found[0][6]
    assert "an empty or missing whitelist allows no variables." in found[0][6]
    assert results(tmp_path, project(main), ["CFG017"], version="26.6") == []


@pytest.mark.parametrize(
    ("patterns", "reported"),
    [
        ("['^DB_FILE$']", False),
        ("['DB_.*']", False),
        ("['DB_FILE', 'OTHER']", False),
        ("['DB']", True),  # full match: DB does not admit DB_FILE
        ("['B_FILE']", True),  # no search either
        ("[]", True),
        ("['(unclosed']", True),
    ],
)
def test_whitelist_patterns_must_match_the_whole_name(tmp_path: Path, patterns: str, reported: bool) -> None:
    main = (
        f"template:\n  path: ./sqls\n  environment-whitelist: {patterns}\n"
        "connections:\n  db:\n    properties:\n      file: '{{env.DB_FILE}}'\n"
    )
    assert bool(results(tmp_path, project(main), ["CFG017"])) is reported


def test_env_references_in_endpoints_fragments_includes_and_conditions(tmp_path: Path) -> None:
    main = "template:\n  path: ./sqls\n{{include from extra.yaml if env.WITH_EXTRA}}\ncors:\n  {{include:allow-origins from cors.yaml}}\n"
    files = project(main)
    files["extra.yaml"] = "http-port: 8090\n"
    files["cors.yaml"] = "allow-origins:\n  - '{{env.ORIGIN}}'\n"
    files["sqls/orders.yaml"] = ENDPOINT + "description: 'Orders in {{ env.REGION }}'  # {{env.TRAILING}}\n"
    files["sqls/orphan.yaml"] = "# {{env.IN_A_COMMENT}}\nx: '{{env.ORPHAN}}'\n"  # every YAML below template.path
    found = results(tmp_path, files, ["CFG017"])
    where = [(f[1], f[2], f[3]) for f in found]
    assert where == [
        ("cors.yaml", 2, 6),
        ("flapi.yaml", 5, 30),
        ("sqls/orders.yaml", 4, 25),
        ("sqls/orders.yaml", 4, 46),
        ("sqls/orphan.yaml", 2, 5),
    ]
    condition = next(f[6] for f in found if f[1] == "flapi.yaml")
    assert "include condition `env.WITH_EXTRA`" in condition and "is read by the include condition" in condition
    spaced = next(f[6] for f in found if f[3] == 25)
    assert spaced.startswith("`{{ env.REGION }}` reads the environment variable `REGION`")


# ------------------------------------------------------------------ CFG011 under both versions


def test_top_level_whitelist_stops_26_10_and_the_advice_does_not_expose_secrets(tmp_path: Path) -> None:
    main = "template:\n  path: ./sqls\nenvironment-whitelist: ['^DB_PASSWORD$']\nserver:\n  port: 9000\n"
    newer = results(tmp_path, project(main), ["CFG011"])
    assert [(f[2], f[5]) for f in newer] == [(5, "error"), (6, "error")]
    whitelist = newer[0][6]
    assert "Do not move a list of secret names there" in whitelist
    assert "`environment-whitelist` at the top level is never read, so it restricts nothing." in whitelist
    assert "flAPI has no `server:` block; it was never read" in newer[1][6]
    older = results(tmp_path, project(main), ["CFG011"], version="26.6")
    assert [(f[2], f[5]) for f in older] == [(5, "warning"), (6, "warning")]
    assert "refuses to start" not in older[0][6]


def test_ignored_mcp_keys_quote_flapi_and_list_changed_is_a_note(tmp_path: Path) -> None:
    main = "template:\n  path: ./sqls\nmcp:\n  port: 8081\n  host: 127.0.0.1\n  allow-list-changed-notifications: true\n"
    found = results(tmp_path, project(main), ["CFG011", "CFG006"])
    assert [(f[0], f[2], f[5]) for f in found] == [
        ("CFG011", 6, "warning"), ("CFG011", 7, "warning"), ("CFG011", 8, "note")
    ]
    assert '"mcp.port is set but ignored: MCP is served on the HTTP port, alongside the REST API."' in found[0][6]
    assert '"mcp.host is set but ignored: MCP binds wherever the HTTP server binds."' in found[1][6]
    assert "always advertises listChanged: false" in found[2][6]


# ------------------------------------------------------------------ CFG008


def test_project_name_and_description_are_required(tmp_path: Path) -> None:
    write_tree(tmp_path, {"flapi.yaml": "template:\n  path: ./sqls\n", "sqls/orders.yaml": ENDPOINT,
                          "sqls/orders.sql": SQL})
    run = run_lint(tmp_path, config=Config(select=["CFG008"]))
    assert sorted(r.message.split("`")[1] for r in run.report.results) == ["project-description", "project-name"]
    (tmp_path / "flapi.yaml").write_text(HEAD.replace("Shop API", "''") + "template:\n  path: ./sqls\n")
    assert not run_lint(tmp_path, config=Config(select=["CFG008"])).report.results  # empty is accepted


def test_enum_without_allowed_values_stops_flapi(tmp_path: Path) -> None:
    endpoint = ENDPOINT + "request:\n  - field-name: s\n    field-in: query\n    validators:\n      - type: enum\n        allowed-values: [a]\n"
    files = project("template:\n  path: ./sqls\n")
    files["sqls/orders.yaml"] = endpoint
    files["sqls/orders.sql"] = "SELECT * FROM t WHERE s = '{{{ params.s }}}'\n"
    found = results(tmp_path, files, ["CFG008", "CFG009", "SQLI010"])
    assert [(f[0], f[2]) for f in found] == [("CFG008", 8)]
    assert "`allowedValues`" in found[0][6]


# ------------------------------------------------------------------ SQLI010 / CFG009


def test_ignored_spellings_that_lose_no_check_are_notes_not_injection(tmp_path: Path) -> None:
    endpoint = ENDPOINT + (
        "request:\n  - field-name: id\n    field-in: query\n    field-type: integer\n    defaultValue: 1\n"
        "    validators:\n      - type: int\n        prevent-sql-injection: false\n"
        "  - field-name: s\n    field-in: query\n    validators:\n      - type: string\n        allowed-values: [a, b]\n"
    )
    files = project("template:\n  path: ./sqls\n")
    files["sqls/orders.yaml"] = endpoint
    files["sqls/orders.sql"] = "SELECT * FROM t WHERE id = {{{ params.id }}} AND s = {{{ params.s }}}\n"
    found = results(tmp_path, files, ["CFG009", "SQLI010"])
    assert [(f[0], f[2], f[5]) for f in found] == [
        ("CFG009", 7, "note"), ("CFG009", 8, "note"), ("CFG009", 11, "note"), ("SQLI010", 16, "error")
    ]
    assert "its validators still check any value sent" in found[1][6]
    assert "this list restricts nothing" in found[3][6]


# ------------------------------------------------------------------ SQLI009


def test_handlebars_message_says_every_call_fails(tmp_path: Path) -> None:
    files = project("template:\n  path: ./sqls\n")
    files["sqls/orders.sql"] = "SELECT * FROM t {{#if params.x}}WHERE x = 1{{/if}}\n"
    found = results(tmp_path, files, ["SQLI009"])
    assert len(found) == 1
    assert "every call to this endpoint fails with HTTP 500" in found[0][6]
    assert "crow::mustache error: not matched {{# {{/ pair" in found[0][6]
    assert "silently" not in found[0][6]


# ------------------------------------------------------------------ FILT004


def _write(validate: str, sql: str) -> dict[str, str]:
    files = project("template:\n  path: ./sqls\n")
    files["sqls/orders.yaml"] = (
        "url-path: /orders/\nmethod: POST\ntemplate-source: orders.sql\nconnection: [db]\n"
        f"operation:\n  type: write\n  validate-before-write: {validate}\n"
        "request:\n  - field-name: id\n    field-in: body\n    required: true\n    validators: [{type: int}]\n"
    )
    files["sqls/orders.sql"] = sql
    return files


def test_validate_before_write_false_is_about_undeclared_parameters(tmp_path: Path) -> None:
    declared = results(tmp_path, _write("false", "UPDATE t SET x = 1 WHERE id = {{ params.id }}\n"), ["FILT004"])
    assert [(f[2], f[5]) for f in declared] == [(7, "note")]
    assert "still runs the validators of the declared fields" in declared[0][6]
    undeclared = results(
        tmp_path, _write("false", "UPDATE t SET note = '{{{ params.note }}}' WHERE id = {{ params.id }}\n"), ["FILT004"]
    )
    assert [(f[2], f[5]) for f in undeclared] == [(7, "warning")]
    assert "`params.note` which no request field declares" in undeclared[0][6]
    assert results(tmp_path, _write("true", "UPDATE t SET x = 1 WHERE id = {{ params.id }}\n"), ["FILT004"]) == []


# ------------------------------------------------------------------ CHAIN005


@pytest.mark.parametrize(
    ("init", "expected"),
    [
        ("INSTALL h3 FROM 'http://ext.example.com/repo';", [(9, 24, 51, "error")]),
        ("FORCE INSTALL h3 FROM 'https://ext.example.com/repo';", [(9, 30, 58, "warning")]),
        ("INSTALL 'http://ext.example.com/h3.duckdb_extension';", [(9, 16, 58, "error")]),
        ("SET custom_extension_repository = 'http://r.example.com';", [(9, 42, 62, "error")]),
        ("INSTALL httpfs;", []),
        ("INSTALL h3 FROM community;", []),
        ("INSTALL spatial FROM core_nightly; LOAD spatial;", []),
        ("SELECT 'INSTALL x FROM http://nowhere' AS note;", []),
    ],
)
def test_extension_installs_from_outside_duckdb(tmp_path: Path, init: str, expected: list[tuple]) -> None:
    main = f"template:\n  path: ./sqls\nconnections:\n  db:\n    init: |\n      CREATE TABLE t (x INT);\n      {init}\n"
    found = results(tmp_path, project(main), ["CHAIN005"])
    assert [(f[2], f[3], f[4], f[5]) for f in found] == expected


# ------------------------------------------------------------------ CHAIN003


@pytest.mark.parametrize(
    ("pattern", "secret"),
    [
        ("^AWS_.*", "AWS_SECRET_ACCESS_KEY"),
        (".*KEY.*", "AWS_SECRET_ACCESS_KEY"),
        (".*_TOKEN", "AWS_SESSION_TOKEN"),
        ("[A-Z_]+_PASSWORD", "SNOWFLAKE_PASSWORD"),
        ("^APP_.*", None),
        ("^DB_PASSWORD$", None),  # an exact name is a deliberate choice (26.10 needs it listed)
        ("^(DB_PASSWORD|DB_USER)$", None),
        ("^FLAPI_PUBLIC_[A-Z_]+$", None),
    ],
)
def test_broad_whitelist_patterns_name_a_secret_they_admit(tmp_path: Path, pattern: str, secret: str | None) -> None:
    main = f"template:\n  path: ./sqls\n  environment-whitelist:\n    - '{pattern}'\n"
    found = results(tmp_path, project(main), ["CHAIN003"])
    if secret is None:
        assert found == []
    else:
        assert [(f[2], f[3]) for f in found] == [(6, 7)]
        assert f"admits secret variables such as `{secret}`" in found[0][6]


# ------------------------------------------------------------------ ${VAR}: CFG018, SEC005, CRED003


def test_shell_variables_in_plain_keys_are_notes_and_secrets_keep_their_rules(tmp_path: Path) -> None:
    main = (
        "template:\n  path: ./sqls\nconnections:\n  db:\n    properties:\n      region: '${REGION}'\n"
        "      password: '${DB_PASSWORD}'\n"
    )
    files = project(main)
    files["sqls/orders.yaml"] = (
        "url-path: /orders/${TENANT}\ntemplate-source: orders.sql\nconnection: [db]\n"
        "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: admin\n      password: '${ADMIN_PASSWORD}'\n"
    )
    found = results(tmp_path, files, ["CFG018", "SEC005", "CRED003"])
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("CFG018", "flapi.yaml", 8),
        ("CFG018", "sqls/orders.yaml", 1),
        ("CRED003", "sqls/orders.yaml", 9),
        ("SEC005", "flapi.yaml", 9),  # its level is SEC005's business (a connection secret: warning or error)
    ]
    assert [f[5] for f in found[:3]] == ["note", "note", "error"]
    assert "literal text (not a secret" in found[0][6]


def test_shell_variables_written_with_escapes_or_in_fragments_are_found(tmp_path: Path) -> None:
    """A value can hold `$` without the file's text having one: a double-quoted escape, or an include."""
    files = project("template:\n  path: ./sqls\n")
    files["sqls/orders.yaml"] = 'url-path: "/orders/\\x24{TENANT}"\ntemplate-source: orders.sql\nconnection: [db]\n'
    files["sqls/items.yaml"] = (
        "url-path: /items/\ntemplate-source: orders.sql\n{{include:connection from ../shared/db.yaml}}\n"
    )
    files["shared/db.yaml"] = "connection: ['${DB}']\n"
    found = results(tmp_path, files, ["CFG018"])
    assert [(f[1], f[2], f[3]) for f in found] == [("shared/db.yaml", 1, 14), ("sqls/orders.yaml", 1, 11)]


def test_spaced_env_reference_is_literal_only_before_26_10(tmp_path: Path) -> None:
    files = project("template:\n  path: ./sqls\n  environment-whitelist: ['^PW$', '^JWT$']\n")
    files["sqls/orders.yaml"] = (
        ENDPOINT + "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: admin\n"
        "      password: '{{ env.PW }}'\n"
    )
    assert results(tmp_path, files, ["CRED003", "SEC005"]) == []
    older = results(tmp_path, files, ["CRED003", "SEC005"], version="26.6")
    assert [(f[0], f[2]) for f in older] == [("CRED003", 9)]
