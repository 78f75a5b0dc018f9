"""The flAPI behaviours behind `flapi-version` and the rules it changes, asked of the released binaries.

flAPI 26.10.2 is served and validated; 26.6.28 only validated (``--validate-config``). Where a rule
quotes flAPI's own words, the test checks that the binary prints exactly those words, so a reworded
release fails here before mcplint quotes it wrongly. tests/test_flapi_versions.py checks the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance.oracle import Oracle, OracleError, Server, endpoint_files, minimal_project, write_project

from mcplint.rules.config_error.flapi_environment import FLAPI_CONDITION_WORDS, FLAPI_WORDS
from mcplint.rules.config_error.flapi_ignored_keys import FLAPI_MCP_WORDS, FLAPI_SERVER_WORDS, FLAPI_WHITELIST_WORDS
from mcplint.rules.sql_injection.handlebars import FLAPI_WORDS as HANDLEBARS_WORDS
from mcplint.rules.transport.flapi_tls import FLAPI_HTTPS_WORDS

REFUSED_26_10 = "flAPI cannot start until the configuration is valid."


def _validate(oracle: Oracle, tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):
    return oracle.validate(write_project(tmp_path, files), env=env)


def _with_whitelist(files: dict[str, str], patterns: str) -> dict[str, str]:
    files = dict(files)
    files["flapi.yaml"] = files["flapi.yaml"].replace(
        "  path: ./sqls\n", f"  path: ./sqls\n  environment-whitelist: {patterns}\n"
    )
    return files


# --- CFG017: {{env.NAME}} in YAML and template.environment-whitelist --------------------------------

ENV_IN_MAIN = minimal_project(connection_extra="properties:\n  region: '{{env.SECRET_X}}'")


@pytest.mark.parametrize(
    ("patterns", "accepted"),
    [
        (None, False),
        ("[]", False),
        ("['SECRET']", False),  # full match: SECRET does not admit SECRET_X
        ("['ECRET_X']", False),  # and no search
        ("['SECRET_.*']", True),
        ("['^SECRET_X$']", True),
    ],
)
def test_env_reference_needs_a_full_match_in_the_whitelist_on_26_10(
    oracle: Oracle, oracle_26_6: Oracle, tmp_path: Path, patterns: str | None, accepted: bool
) -> None:
    files = ENV_IN_MAIN if patterns is None else _with_whitelist(ENV_IN_MAIN, patterns)
    done = _validate(oracle, tmp_path / "new", files)
    if accepted:
        assert done.returncode == 0, done.output
    else:
        assert done.returncode != 0
        assert FLAPI_WORDS.format(name="SECRET_X") in done.output
        assert REFUSED_26_10 in done.output
    older = _validate(oracle_26_6, tmp_path / "old", files)
    assert older.returncode == 0, older.output  # 26.6 never checks the YAML against the whitelist


@pytest.mark.parametrize(
    ("where", "files", "name"),
    [
        ("endpoint", minimal_project(endpoint_extra="description: '{{env.EP_VAR}}'"), "EP_VAR"),
        ("spaced", minimal_project(endpoint_extra="description: '{{ env.SPACED }}'"), "SPACED"),
        ("trailing comment", minimal_project(main_extra="http-host: 127.0.0.1  # {{env.TRAILING}}"), "TRAILING"),
        ("orphan YAML", minimal_project(extra_files={"sqls/frag.yaml": "x: '{{env.ORPHAN}}'\n"}), "ORPHAN"),
        (
            "included fragment",
            minimal_project(main_extra="cors:\n  {{include:allow-origins from frag.yaml}}",
                            extra_files={"frag.yaml": "allow-origins:\n  - '{{env.FRAG_VAR}}'\n"}),
            "FRAG_VAR",
        ),
    ],
)
def test_every_yaml_reference_is_checked(oracle: Oracle, tmp_path: Path, where: str, files: dict, name: str) -> None:
    done = _validate(oracle, tmp_path, files)
    assert done.returncode != 0, where
    assert FLAPI_WORDS.format(name=name) in done.output


def test_full_line_comment_is_not_checked(oracle: Oracle, tmp_path: Path) -> None:
    done = _validate(oracle, tmp_path, minimal_project(main_extra="# password: {{env.IN_A_COMMENT}}"))
    assert done.returncode == 0, done.output


@pytest.mark.parametrize("condition", ["env.COND_VAR", "!env.COND_VAR"])
def test_include_condition_reads_a_variable_that_must_be_whitelisted(oracle: Oracle, tmp_path: Path,
                                                                      condition: str) -> None:
    files = minimal_project(main_extra=f"{{{{include from extra.yaml if {condition}}}}}",
                            extra_files={"extra.yaml": "http-port: 8090\n"})
    done = _validate(oracle, tmp_path, files)
    assert done.returncode != 0
    assert FLAPI_CONDITION_WORDS.format(name="COND_VAR", condition=condition) in done.output


def test_yaml_references_expand_whitelisted_or_not_on_26_6(oracle_26_6: Oracle, tmp_path: Path) -> None:
    """26.6 substitutes every {{env.X}} (the folder then does not exist); the whitelist plays no part."""
    files = minimal_project()
    files["flapi.yaml"] = files["flapi.yaml"].replace("  path: ./sqls\n", "  path: ./sqls{{env.TP}}\n")
    assert _validate(oracle_26_6, tmp_path / "unset", files).returncode == 0
    done = _validate(oracle_26_6, tmp_path / "set", files, env={"TP": "zzz"})
    assert done.returncode != 0 and "sqlszzz" in done.output


@pytest.mark.parametrize(("version", "expanded"), [("26.10", True), ("26.6", False)])
def test_spaced_reference_expands_only_on_26_10_and_shell_syntax_never(
    oracle: Oracle, oracle_26_6: Oracle, tmp_path: Path, version: str, expanded: bool
) -> None:
    binary = oracle if version == "26.10" else oracle_26_6
    spaced = _with_whitelist(minimal_project(), "['^TP$']")
    spaced["flapi.yaml"] = spaced["flapi.yaml"].replace("  path: ./sqls\n", "  path: './sqls{{ env.TP }}'\n")
    done = _validate(binary, tmp_path / "spaced", spaced, env={"TP": "zzz"})
    if expanded:
        assert done.returncode != 0 and "sqlszzz" in done.output
    else:
        assert done.returncode != 0 and "sqls{{ env.TP }}" in done.output
    shell = _with_whitelist(minimal_project(), "['^TP$']")
    shell["flapi.yaml"] = shell["flapi.yaml"].replace("  path: ./sqls\n", "  path: './sqls${TP}'\n")
    shell = {name.replace("sqls/", "sqls${TP}/"): text for name, text in shell.items()}
    literal = _validate(binary, tmp_path / "shell", shell, env={"TP": "zzz"})
    assert literal.returncode == 0, literal.output  # the folder literally named sqls${TP}


# --- CFG011: ignored keys -------------------------------------------------------------------------

def test_top_level_whitelist_and_server_block_stop_26_10_only(oracle: Oracle, oracle_26_6: Oracle,
                                                               tmp_path: Path) -> None:
    whitelist = minimal_project(main_extra="environment-whitelist: ['^APP_X$']")
    done = _validate(oracle, tmp_path / "w", whitelist)
    assert done.returncode != 0 and FLAPI_WHITELIST_WORDS in done.output
    assert _validate(oracle_26_6, tmp_path / "w6", whitelist).returncode == 0
    server = minimal_project(main_extra="server:\n  host: 127.0.0.1")
    done = _validate(oracle, tmp_path / "s", server)
    assert done.returncode != 0 and FLAPI_SERVER_WORDS in done.output
    assert _validate(oracle_26_6, tmp_path / "s6", server).returncode == 0


def test_ignored_mcp_and_https_keys_are_warnings_in_flapis_words(oracle: Oracle, oracle_26_6: Oracle,
                                                                  tmp_path: Path) -> None:
    files = minimal_project(main_extra=(
        "https:\n  enabled: true\n  ssl_cert_file: a.pem\n  ssl_key_file: b.pem\n"
        "mcp:\n  enabled: true\n  port: 8081\n  host: 127.0.0.1\n  allow-list-changed-notifications: true"
    ))
    done = _validate(oracle, tmp_path / "new", files)
    assert done.returncode == 0, done.output
    for words in FLAPI_MCP_WORDS.values():
        assert words in done.output
    assert FLAPI_HTTPS_WORDS in done.output
    older = _validate(oracle_26_6, tmp_path / "old", files)
    assert older.returncode == 0 and "set but ignored" not in older.output


# --- CFG008: required keys ------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["project-description", "project-name"])
def test_project_name_and_description_are_required_by_both_releases(oracle: Oracle, oracle_26_6: Oracle,
                                                                     tmp_path: Path, key: str) -> None:
    files = minimal_project()
    files["flapi.yaml"] = "\n".join(
        line for line in files["flapi.yaml"].splitlines() if not line.startswith(key + ":")
    ) + "\n"
    for binary, folder in ((oracle, "new"), (oracle_26_6, "old")):
        done = _validate(binary, tmp_path / folder, files)
        assert done.returncode != 0
        assert f"Missing required key: {key}" in done.output


def test_empty_project_description_is_accepted(oracle: Oracle, tmp_path: Path) -> None:
    files = minimal_project()
    files["flapi.yaml"] = files["flapi.yaml"].replace(
        "project-description: conformance test project", "project-description: ''"
    )
    assert _validate(oracle, tmp_path, files).returncode == 0


def test_enum_without_allowed_values_is_refused(oracle: Oracle, oracle_26_6: Oracle, tmp_path: Path) -> None:
    files = minimal_project(endpoint_extra=(
        "request:\n  - field-name: name\n    field-in: query\n    validators:\n"
        "      - type: enum\n        allowed-values: [alice]"
    ))
    for binary, folder in ((oracle, "new"), (oracle_26_6, "old")):
        done = _validate(binary, tmp_path / folder, files)
        assert done.returncode != 0
        assert "Configuration error at validators.allowedValues: Missing required key: allowedValues" in done.output


# --- served on 26.10.2: SQLI009, FILT004, CFG009/SQLI010, CHAIN003, CHAIN005 -----------------------

WRITE = (
    "method: POST\noperation:\n  type: write\n{flag}"
    "request:\n  - field-name: id\n    field-in: body\n    required: true\n"
    "    validators:\n      - type: int\n        min: 1\n        max: 1000\n"
)
PEOPLE = "CREATE TABLE IF NOT EXISTS people AS SELECT * FROM (VALUES (1, 'alice'), (2, 'bob')) t(id, name);"
INSTALL_FROM_HTTP = "INSTALL h3 FROM 'http://extensions.invalid/repo';"
SERVED = minimal_project(
    init=PEOPLE,
    extra_files={
        **endpoint_files("hb", "/hb", "SELECT * FROM people {{#if params.x}}WHERE id = 1{{/if}}",
                         "request:\n  - field-name: x\n    field-in: query"),
        **endpoint_files("els", "/els", "SELECT '{{#params.x}}a{{else}}b{{/params.x}}' AS v",
                         "request:\n  - field-name: x\n    field-in: query"),
        **endpoint_files("loose", "/loose", "INSERT INTO people VALUES ({{{ params.id }}}, '{{{ params.name }}}')",
                         WRITE.format(flag="  validate-before-write: false\n")),
        **endpoint_files("strict", "/strict", "INSERT INTO people VALUES ({{{ params.id }}}, '{{{ params.name }}}')",
                         WRITE.format(flag="")),
        **endpoint_files("typed", "/typed", "SELECT * FROM people WHERE id = {{{ params.id }}}",
                         "request:\n  - field-name: id\n    field-in: query\n    field-type: integer\n"
                         "    defaultValue: 1\n    validators:\n      - type: int\n        min: 1\n        max: 10\n"
                         "        prevent-sql-injection: false"),
        **endpoint_files("named", "/named", "SELECT * FROM people WHERE name = '{{{ params.name }}}'",
                         "request:\n  - field-name: name\n    field-in: query\n    validators:\n"
                         "      - type: string\n        max: 50\n        prevent-sql-injection: false"),
        **endpoint_files("env", "/env", "SELECT '{{env.APP_X}}' AS app, '{{env.SECRET_Y}}' AS secret"),
        **endpoint_files("unsigned", "/unsigned", "SELECT current_setting('allow_unsigned_extensions') AS v"),
    },
)
SERVED = _with_whitelist(SERVED, "['APP_.*']")


@pytest.fixture(scope="module")
def server(oracle: Oracle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = write_project(tmp_path_factory.mktemp("beliefs"), SERVED)
    with oracle.serve(project, env={"APP_X": "visible", "SECRET_Y": "hidden"}) as running:
        yield running


def test_served_project_passes_validate_config_on_both_releases(oracle: Oracle, oracle_26_6: Oracle,
                                                                 tmp_path: Path) -> None:
    """Handlebars, ignored spellings and INSTALL FROM http:// all pass --validate-config: only a call shows them."""
    files = dict(SERVED)
    files["flapi.yaml"] = files["flapi.yaml"].replace(PEOPLE, PEOPLE + "\n      " + INSTALL_FROM_HTTP)
    assert INSTALL_FROM_HTTP in files["flapi.yaml"]
    for binary, folder in ((oracle, "new"), (oracle_26_6, "old")):
        done = _validate(binary, tmp_path / folder, files)
        assert done.returncode == 0, done.output


def test_install_from_http_downloads_from_that_url_at_start(oracle: Oracle, tmp_path: Path) -> None:
    """At start flAPI fetches the extension from the named repository over plain HTTP (offline here: it fails)."""
    project = write_project(tmp_path, minimal_project(init=PEOPLE + "\n" + INSTALL_FROM_HTTP))
    with pytest.raises(OracleError) as failed, oracle.serve(project):
        pass
    assert 'Failed to download extension "h3" at URL "http://extensions.invalid/repo/' in str(failed.value)


def test_handlebars_if_fails_every_call_with_500(server: Server) -> None:
    for params in ({"x": "1"}, {}):
        resp = server.get("/hb", params)
        assert resp.status == 500
        assert HANDLEBARS_WORDS in resp.text


def test_lone_else_is_an_empty_value_inside_a_mustache_section(server: Server) -> None:
    """``{{else}}`` compiles as a value named ``else`` (empty): both branches render together, or neither."""
    assert server.get("/els", {"x": "1"}).json["data"] == [{"v": "ab"}]
    assert server.get("/els").json["data"] == [{"v": ""}]


def test_validate_before_write_false_keeps_validators_and_admits_undeclared(server: Server) -> None:
    for path in ("/loose", "/strict"):
        assert server.post(path, {"id": "abc"}).status == 400  # "Invalid integer value": validators run
        assert server.post(path, {"id": 5000}).status == 400
    refused = server.post("/strict", {"id": 7, "name": "zed"})
    assert refused.status == 400 and "Unknown parameter not defined in endpoint configuration" in refused.text
    admitted = server.post("/loose", {"id": 8, "name": "zed"})
    assert admitted.status in (200, 201), admitted.text


def test_ignored_spellings_lose_no_check(server: Server) -> None:
    assert server.get("/typed", {"id": "abc"}).status == 400  # field-type ignored, int validator runs
    assert server.get("/typed", {"id": "50"}).status == 400  # max 10
    assert server.get("/typed", {"id": "2"}).status == 200
    assert server.get("/typed").status == 500  # defaultValue ignored: no default, the SQL breaks
    assert server.get("/named", {"name": "bob"}).status == 200
    refused = server.get("/named", {"name": "bob'--"})  # prevent-sql-injection: false is ignored: the filter runs
    assert refused.status == 400 and "Potential SQL injection detected" in refused.text


def test_whitelist_decides_what_templates_read_from_the_environment(server: Server) -> None:
    rows = server.get("/env").json["data"]
    assert rows == [{"app": "visible", "secret": ""}]


def test_flapi_allows_unsigned_extensions_and_starts_despite_install_from_http(server: Server) -> None:
    assert server.get("/unsigned").json["data"] == [{"v": True}]
