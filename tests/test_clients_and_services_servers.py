"""Fluxbase and pgEdge MCP server configs (issue 8): secrets, exact positions, file permissions, schemas."""

from __future__ import annotations

import os
import random
import string
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mcplint.model import secret_patterns as sp
from mcplint.rules import ALL_RULES
from mcplint.schemas import load_schema

from conftest import run_lint, write_tree

_RANDOM = random.Random(808)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    while True:
        value = "".join(_RANDOM.choice(alphabet) for _ in range(n))
        if not sp.is_placeholder(value) and sum(c.isdigit() for c in value) >= 3:
            return value


def at(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def lint(tmp_path: Path, files: dict[str, str], select: list[str], modes: dict[str, int] | None = None) -> list:
    write_tree(tmp_path, files)
    for rel in files:
        os.chmod(tmp_path / rel, (modes or {}).get(rel, 0o600))  # the umask must not decide the permission rules
    return run_lint(tmp_path, select=select).report.results


# ------------------------------------------------------------ secrets (the SEC rules see both formats)


def test_fluxbase_secrets_are_reported_by_the_secret_rules(tmp_path: Path) -> None:
    db, admin, s3, smtp, key = rand(14), rand(15), rand(32), rand(16), rand(32)
    text = (
        "database:\n  host: db.internal\n  user: fluxbase\n"
        f"  password: {db}\n  admin_password: {admin}\n  ssl_mode: verify-full\n"
        "auth:\n  jwt_secret: your-secret-key-change-in-production\n"
        f"storage:\n  provider: s3\n  s3_access_key: fluxbase-uploader\n  s3_secret_key: {s3}\n"
        f"email:\n  smtp_password: {smtp}\n"
        f"encryption_key: {key}\n"
        "security:\n  setup_token: ${FLUXBASE_SECURITY_SETUP_TOKEN}\n"
        "mcp:\n  allowed_tools: [query_table]\n"
    )
    found = lint(tmp_path, {"fluxbase.yaml": text}, ["hardcoded-secret"])
    assert {(r.rule.id, r.span.start_line, r.span.start_col) for r in found} == {
        ("SEC003", *at(text, db)),
        ("SEC003", *at(text, admin)),
        ("SEC006", *at(text, "your-secret-key")),  # the shipped placeholder
        ("SEC003", *at(text, s3)),
        ("SEC003", *at(text, smtp)),
        ("SEC003", *at(text, key)),
    }
    jwt = next(r for r in found if r.rule.id == "SEC006")
    assert "FLUXBASE_*" in jwt.message and "your-secret-key" not in jwt.message


def test_pgedge_inline_api_keys_and_passwords_are_secrets_and_the_file_form_is_not(tmp_path: Path) -> None:
    anthropic = "sk-ant-api03-" + rand(93, ALNUM + "_-") + "AA"
    voyage, password = rand(32), rand(14)
    text = (
        "http:\n  enabled: false\n"
        f"databases:\n  - name: shop\n    host: db.internal\n    user: mcp_reader\n    password: {password}\n"
        "    sslmode: verify-full\n"
        f"llm:\n  provider: anthropic\n  anthropic_api_key: {anthropic}\n"
        "  openai_api_key_file: /etc/pgedge/openai.key\n"
        f"embedding:\n  provider: voyage\n  voyage_api_key: {voyage}\n"
        "secret_file: /etc/pgedge/postgres-mcp.secret\n"
    )
    found = lint(tmp_path, {"pgedge.yaml": text}, ["hardcoded-secret"])
    assert {(r.rule.id, r.span.start_line, r.span.start_col) for r in found} == {
        ("SEC003", *at(text, password)),
        ("SEC001", *at(text, anthropic)),
        ("SEC003", *at(text, voyage)),
    }
    assert all("`*_file` twin" in r.message for r in found)


# ------------------------------------------------------------ exact positions of every YAML rule

_PG_HTTP = (
    "http:\n  enabled: true\n  address: ':8080'\n  tls:\n    enabled: false\n  auth:\n    enabled: false\n"
    "databases:\n  - name: shop\n    host: db.internal\n    database: shop\n    user: postgres\n"
    "    sslmode: prefer\n    allow_writes: true\n    ssl_mode: verify-full\n"
)
_TOKENS = "tokens:\n  ci-bot:\n    hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n    expires: soon\n"
_FLUX = (
    "database:\n  host: db.internal\n  user: fluxbase\n  sslmode: require\n"
    "mcp:\n  enabled: maybe\n  allowed_tools: [query_table, delete_record]\n  allowed_resources: []\n"
    "  rate_limit_per_min: 0\n"
    "tenants:\n  default:\n    client_keys:\n      - name: bot\n        scopes: [read:tables, execute:sql]\n"
)
_FLUX_EMPTY = "database:\n  host: localhost\n  user: fluxbase\nmcp:\n  allowed_tools: []\n"

POSITIONS = [
    # rule, files, file, needle (the finding starts there), level
    ("TRANS011", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "false\n  auth", "warning"),
    ("TRANS012", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "prefer", "warning"),
    ("AUTHN020", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "false\ndatabases", "error"),
    ("AUTHZ019", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "postgres", "error"),  # with allow_writes: error
    ("AUTHZ020", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "true\n    ssl_mode", "warning"),
    ("CFG034", {"pgedge.yaml": _PG_HTTP}, "pgedge.yaml", "ssl_mode", "warning"),
    ("CFG035", {"pgedge.yaml": _PG_HTTP.replace("sslmode: prefer", "sslmode: verify_full")}, "pgedge.yaml",
     "verify_full", "error"),
    ("AUTHN021", {"pgedge-tokens.yaml": _TOKENS}, "pgedge-tokens.yaml", "ci-bot", "warning"),
    ("TRANS013", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "db.internal", "error"),  # default ssl_mode: disable
    ("CFG032", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "sslmode", "warning"),
    ("CFG033", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "maybe", "error"),
    ("AUTHZ015", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "delete_record", "note"),
    ("AUTHZ016", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "[]\n  rate", "warning"),
    ("LIMIT020", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "0\ntenants", "warning"),
    ("AUTHZ017", {"fluxbase.yaml": _FLUX}, "fluxbase.yaml", "execute:sql", "warning"),
    ("AUTHZ014", {"fluxbase.yaml": _FLUX_EMPTY}, "fluxbase.yaml", "[]", "warning"),
]


@pytest.mark.parametrize(("rule_id", "files", "path", "needle", "level"), POSITIONS, ids=[p[0] for p in POSITIONS])
def test_exact_position_and_level(rule_id: str, files: dict[str, str], path: str, needle: str, level: str,
                                  tmp_path: Path) -> None:
    found = [r for r in lint(tmp_path, files, [rule_id])]
    assert [(r.span.path, r.span.start_line, r.span.start_col, r.level.value) for r in found] == [
        (path, *at(files[path], needle), level)
    ]


def test_every_rule_of_this_issue_has_a_position_test() -> None:
    mine = {r.id for r in ALL_RULES if r.id in {
        "TRANS010", "TRANS011", "TRANS012", "TRANS013", "TRANS014", "TRANS015", "CHAIN010", "CHAIN011",
        "AUTHN020", "AUTHN021", "LIMIT020"} or r.id.startswith("AUTHZ01") or r.id in {"AUTHZ020"}
        or r.id in {f"CFG0{n}" for n in range(30, 36)}}
    here = {p[0] for p in POSITIONS} | {"TRANS014", "TRANS015"}  # the permission tests below
    json_rules = {"TRANS010", "CHAIN010", "CHAIN011", "AUTHZ010", "AUTHZ011", "AUTHZ012", "AUTHZ013", "AUTHZ018",
                  "CFG030", "CFG031"}  # test_clients_and_services.py
    assert mine == here | json_rules
    assert len(mine) == 28


def test_fluxbase_settings_are_read_without_regard_to_case(tmp_path: Path) -> None:
    text = "Database:\n  host: localhost\nMCP:\n  Allowed_Tools: [query_table]\n  RATE_LIMIT_PER_MIN: 0\n"
    found = lint(tmp_path, {"fluxbase.yaml": text}, ["AUTHZ014", "LIMIT020", "CFG032"])
    assert [(r.rule.id, r.span.start_line) for r in found] == [("LIMIT020", 5)]


# ------------------------------------------------------------ file permissions (TRANS014 / TRANS015)

posix = pytest.mark.skipif(os.name != "posix", reason="file modes mean owner/group/other only on POSIX systems")

_SERVER = (
    "http:\n  enabled: true\n  address: 127.0.0.1:8443\n  tls:\n    enabled: true\n    cert_file: tls/server.crt\n"
    "    key_file: tls/server.key\n  auth:\n    enabled: true\n    token_file: secrets/tokens.txt\n"
    "secret_file: ./postgres-mcp.secret\n"
    "llm:\n  anthropic_api_key_file: ~/.anthropic-api-key\n"
    "databases:\n  - name: shop\n    host: localhost\n    database: shop\n    user: mcp_reader\n    password: {pw}\n"
)


@posix
def test_readable_key_and_secret_files_are_reported_at_the_key_naming_them(tmp_path: Path) -> None:
    text = _SERVER.format(pw="''")
    files = {"pgedge.yaml": text, "tls/server.key": "key\n", "tls/server.crt": "cert\n",
             "secrets/tokens.txt": "tokens\n", "postgres-mcp.secret": "k\n"}
    modes = {"tls/server.key": 0o640, "tls/server.crt": 0o644, "secrets/tokens.txt": 0o604,
             "postgres-mcp.secret": 0o600}
    found = lint(tmp_path, files, ["TRANS014", "TRANS015"], modes)
    assert [(r.rule.id, r.span.start_line, r.span.start_col, r.level.value) for r in found] == [
        ("TRANS014", *at(text, "tls/server.key"), "warning"),
        ("TRANS015", *at(text, "secrets/tokens.txt"), "warning"),
    ]
    key, tokens = found
    assert "mode 0640: its group can read it" in key.message and "chmod 600 tls/server.key" in key.message
    assert "token file `secrets/tokens.txt`" in tokens.message and "every local user can read it" in tokens.message


@posix
def test_mode_600_and_files_outside_the_root_are_quiet(tmp_path: Path) -> None:
    text = _SERVER.format(pw="''").replace("tls/server.key", "/etc/pgedge/server.key")
    files = {"pgedge.yaml": text, "secrets/tokens.txt": "t\n", "postgres-mcp.secret": "k\n"}
    modes = {"pgedge.yaml": 0o644}  # no inline credential: a readable config alone is not reported
    assert lint(tmp_path, files, ["TRANS014", "TRANS015"], modes) == []


@posix
def test_scanned_token_and_user_files_and_configs_with_inline_credentials(tmp_path: Path) -> None:
    users = "users:\n  alice:\n    password_hash: $2b$12$" + rand(53, ALNUM + "./") + "\n"
    config = _SERVER.format(pw=rand(14)).replace("secrets/tokens.txt", "pgedge-tokens.yaml")
    files = {"pgedge.yaml": config, "pgedge-tokens.yaml": _TOKENS, "pgedge-users.yaml": users,
             "private/pgedge-users.yaml": users}
    modes = {"pgedge.yaml": 0o644, "pgedge-tokens.yaml": 0o660, "pgedge-users.yaml": 0o604}
    found = lint(tmp_path, files, ["TRANS015"], modes)
    assert [(r.span.path, r.span.start_line, r.span.start_col, r.level.value) for r in found] == [
        ("pgedge-tokens.yaml", 1, 1, "note"),  # reported once, on the file itself (not where the config names it)
        ("pgedge-users.yaml", 1, 1, "note"),
        ("pgedge.yaml", *at(config, "password"), "note"),
    ]
    assert "mode 0660: its group can read and write it" in found[0].message


def test_no_posix_modes_no_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mcplint.model.service_files as service_files
    import mcplint.rules.transport.file_permissions as file_permissions

    monkeypatch.setattr(service_files, "posix_modes", lambda: False)
    monkeypatch.setattr(file_permissions, "posix_modes", lambda: False)
    files = {"pgedge.yaml": _SERVER.format(pw=rand(14)), "tls/server.key": "k\n", "pgedge-tokens.yaml": _TOKENS}
    assert lint(tmp_path, files, ["TRANS014", "TRANS015"], {"tls/server.key": 0o644, "pgedge.yaml": 0o644,
                                                            "pgedge-tokens.yaml": 0o644}) == []


# ------------------------------------------------------------ schemas

SCHEMAS = ["mcp-client", "fluxbase", "pgedge-server", "pgedge-tokens", "pgedge-users"]


def _objects(node: object):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


@pytest.mark.parametrize("name", SCHEMAS)
def test_schemas_are_valid_and_their_annotations_name_real_keys(name: str) -> None:
    schema = load_schema(f"{name}.schema.json")
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/schemas/{name}.schema.json")
    checked = 0
    for node in _objects(schema):
        keys = node.get("x-mcplint-security-keys")
        if keys is not None:
            assert set(keys) <= set(node.get("properties", {})), keys
            checked += 1
        assert node.get("x-mcplint-unknown-keys", "all") == "all"
    assert checked >= 1


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("mcp-client", {"mcpServers": {"a": {"command": "npx", "args": ["-y", "x@1.0.0"], "env": {"A": "1"},
                                              "disabled": False, "autoApprove": ["get"]}}}),
        ("mcp-client", {"context_servers": {"pg": {"command": {"path": "pg-mcp", "args": [], "env": {}}}}}),
        ("fluxbase", {"database": {"host": "db", "port": 5432, "ssl_mode": "verify-full"},
                      "mcp": {"enabled": True, "allowed_tools": ["query_table"], "rate_limit_per_min": 60}}),
        ("pgedge-server", {"http": {"enabled": True, "tls": {"enabled": True}}, "databases": [{"port": 5432}]}),
        ("pgedge-tokens", {"tokens": {"t": {"hash": "ab", "expires_at": None}}}),
        ("pgedge-users", {"users": {"alice": {"password_hash": "$2b$", "enabled": True}}}),
    ],
)
def test_schemas_accept_typed_documents_for_editors(name: str, document: dict) -> None:
    assert list(Draft202012Validator(load_schema(f"{name}.schema.json")).iter_errors(document)) == []


def test_the_documented_fluxbase_example_has_no_unknown_keys(tmp_path: Path) -> None:
    """Keys of Fluxbase's own configuration reference (nimbleflux/fluxbase docs) are all known."""
    text = (
        "base_url: http://localhost:8080\npublic_base_url: https://api.example.com\ndebug: false\n"
        "server:\n  address: ':8080'\n  body_limit: 2147483648\n  allowed_ip_ranges: []\n"
        "  body_limits:\n    enabled: true\n"
        "database:\n  host: localhost\n  port: 5432\n  user: postgres\n  admin_user: ''\n  password: ''\n"
        "  admin_password: ''\n  database: fluxbase\n  ssl_mode: disable\n  max_connections: 50\n"
        "auth:\n  jwt_expiry: 15m\n  service_role_ttl: 24h\n  signup_enabled: true\n  totp_issuer: Fluxbase\n"
        "  allow_user_client_keys: true\n  oauth_providers:\n    - name: google\n      client_id: ${ID}\n"
        "storage:\n  enabled: true\n  provider: local\n  s3_force_path_style: true\n  default_buckets: [uploads]\n"
        "  transforms:\n    enabled: true\n"
        "realtime:\n  enabled: true\nadmin:\n  enabled: false\ntenants:\n  default:\n    name: Default\n"
        "logging:\n  console_level: info\n"
        "cors:\n  allowed_origins: http://localhost:5173\n  allowed_methods: GET,POST\n  allowed_headers: Origin\n"
        "  exposed_headers: Content-Range\n  allow_credentials: true\n  max_age: 300\n"
        "security:\n  setup_token: ''\n  enable_global_rate_limit: false\n  captcha:\n    enabled: false\n"
        "    provider: hcaptcha\n    secret_key: ''\n"
        "encryption_key: ''\nmigrations:\n  enabled: true\n  require_service_key: true\n"
        "mcp:\n  enabled: true\n  base_path: /mcp\n  session_timeout: 30m\n  max_message_size: 10485760\n"
        "  rate_limit_per_min: 100\n  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n"
        "  tools_dir: /app/mcp-tools\n  auto_load_on_boot: true\n"
        "  oauth:\n    enabled: true\n    dcr_enabled: true\n    token_expiry: 1h\n    allowed_redirect_uris: []\n"
        "branching:\n  enabled: false\n"
    )
    assert lint(tmp_path, {"fluxbase.yaml": text}, ["config-error"]) == []
