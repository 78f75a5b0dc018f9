"""Hardcoded secrets: where they are found, how they are judged, and that no output ever shows them."""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcplint.model import secret_patterns as sp
from mcplint.model.secret_scan import Context, Verdict, value_candidates
from mcplint.reporters import get_reporter
from mcplint.rules.hardcoded_secret import RULES
from mcplint.rules.hardcoded_secret import _examples as examples

from conftest import REPO, SARIF_SCHEMA, run_lint, write_tree

_RANDOM = random.Random(20250611)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rand(n: int, alphabet: str = ALNUM) -> str:
    """A random string that is never a placeholder (no runs, no words the detector treats as documentation)."""
    while True:
        value = "".join(_RANDOM.choice(alphabet) for _ in range(n))
        if not sp.is_placeholder(value) and any(c.isdigit() for c in value):
            return value


def jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{rand(43, ALNUM + '-_')}"


# One real-looking sample per token shape, built at run time (no token-shaped literal lives in this file).
SAMPLES = {
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\\n" + rand(64, ALNUM + "+/") + "\\n-----END RSA PRIVATE KEY-----",
    "github-token": "ghp_" + rand(36),
    "github-fine-grained-token": "github_pat_" + rand(22) + "_" + rand(59),
    "gitlab-token": "glpat-" + rand(20),
    "slack-token": "xoxb-" + rand(11, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24),
    "slack-app-token": "xapp-1-A" + rand(9, string.ascii_uppercase + string.digits) + "-" + rand(13, string.digits)
    + "-" + rand(64, HEX),
    "slack-webhook": "https://hooks.slack.com/services/T" + rand(8, string.ascii_uppercase + string.digits) + "/B"
    + rand(8, string.ascii_uppercase + string.digits) + "/" + rand(24),
    "discord-webhook": "https://discord.com/api/webhooks/" + rand(18, string.digits) + "/" + rand(68, ALNUM + "_-"),
    "anthropic-key": "sk-ant-api03-" + rand(93, ALNUM + "_-") + "AA",
    "openrouter-key": "sk-or-v1-" + rand(64, HEX),
    "openai-key": "sk-proj-" + rand(48, ALNUM + "_-"),
    "sk-key": "sk-" + rand(48),
    "stripe-key": "sk_" + "live_" + rand(24),
    "stripe-webhook-secret": "whsec_" + rand(32),
    "service-key": "sk_" + rand(40),
    "fluxbase-client-key": "fbk_" + rand(40),
    "aws-access-key-id": "AKIA" + rand(16, string.ascii_uppercase + "234567"),
    "google-api-key": "AIza" + rand(35, ALNUM + "_-"),
    "google-oauth-secret": "GOCSPX-" + rand(28, ALNUM + "_-"),
    "google-oauth-token": "ya29." + rand(60, ALNUM + "_-"),
    "jwt": jwt({"sub": "1234", "role": "service_role"}),
    "npm-token": "npm_" + rand(36),
    "pypi-token": "pypi-AgEIcHlwaS5vcmc" + rand(60, ALNUM + "_-"),
    "huggingface-token": "hf_" + rand(34),
    "sendgrid-key": "SG." + rand(22, ALNUM + "_-") + "." + rand(43, ALNUM + "_-"),
    "groq-key": "gsk_" + rand(52),
    "xai-key": "xai-" + rand(80),
    "perplexity-key": "pplx-" + rand(48),
    "linear-key": "lin_api_" + rand(40),
    "notion-token": "ntn_" + rand(46),
    "shopify-token": "shpat_" + rand(32, HEX),
    "digitalocean-token": "dop_v1_" + rand(64, HEX),
    "databricks-token": "dapi" + rand(32, HEX),
    "supabase-token": "sbp_" + rand(40, HEX),
    "replicate-token": "r8_" + rand(37),
    "tavily-key": "tvly-dev-" + rand(32),
    "langsmith-key": "lsv2_pt_" + rand(32, HEX) + "_" + rand(10, HEX),
    "atlassian-token": "ATATT3" + rand(180, ALNUM + "_-"),
    "postman-key": "PMAK-" + rand(24, HEX) + "-" + rand(34, HEX),
    "mailgun-key": "key-" + rand(32, HEX),
    "telegram-token": rand(10, string.digits) + ":AA" + rand(33, ALNUM + "_-"),
    "age-key": "AGE-SECRET-KEY-1" + rand(58, string.ascii_uppercase + string.digits),
    "sentry-token": "sntrys_" + rand(60),
    "figma-token": "figd_" + rand(43, ALNUM + "_-"),
    "doppler-token": "dp.pt." + rand(43),
    "grafana-token": "glsa_" + rand(32) + "_" + rand(8, HEX),
    "vault-token": "hvs." + rand(90, ALNUM + "_-"),
    "neon-key": "napi_" + rand(64, string.ascii_lowercase + string.digits),
    "rpc-url-key": "https://eth-mainnet.g.alchemy.com/v2/" + rand(32, ALNUM + "_-"),
    "heroku-key": "HRKU-" + rand(60, ALNUM + "_-"),
}
FLAPI = Context("flapi", flapi=True)
CLAUDE_CODE = Context("client", client="claude-code")
YAML = Context("yaml")


def verdicts(text: str, key: str | None, context: Context = YAML, **options) -> list[tuple[str, str]]:
    """(verdict, the text it covers) for one value."""
    return [(c.verdict.value, text[c.start : c.end]) for c in value_candidates(text, key, context, **options)]


def test_every_token_shape_has_a_sample() -> None:
    assert set(SAMPLES) == {shape.id for shape in sp.TOKEN_SHAPES}


@pytest.mark.parametrize("shape_id", sorted(SAMPLES))
def test_each_token_shape_is_found_inside_text_and_alone(shape_id: str) -> None:
    token = SAMPLES[shape_id]
    assert [(m.shape.id, m.start, m.end) for m in sp.token_matches(token)] == [(shape_id, 0, len(token))]
    embedded = f"Bearer {token} (rotated monthly)"
    assert [(v, t) for v, t in verdicts(embedded, "description")] == [("token-shape", token)]
    assert verdicts(token, "GITHUB", CLAUDE_CODE) == [("token-shape", token)]


def test_token_shaped_placeholders_are_placeholders_not_tokens() -> None:
    for value in ("ghp_" + "x" * 36, "sk-" + "X" * 48, "AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"):
        assert verdicts(value, "token") == [("placeholder", value)], value
    assert verdicts("ghp_" + "x" * 36, "description") == []  # documentation may show placeholders


def test_public_and_demo_jwts() -> None:
    anon = jwt({"role": "anon", "iss": "supabase"})
    assert verdicts(anon, "anon_key") == []
    assert verdicts(anon, "SUPABASE_KEY", env_style=True) == [("key-name", anon)]  # a secret name still counts
    demo = jwt({"iss": "supabase-demo", "role": "service_role"})
    assert verdicts(demo, "service_role_key") == [("known-default", demo)]


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        # references stay quiet, in each client's syntax
        ("${GITHUB_TOKEN}", "GITHUB_TOKEN", []),
        ("${DB_PASSWORD:-}", "DB_PASSWORD", []),
        ("${env:BRAVE_API_KEY}", "BRAVE_API_KEY", []),
        ("${input:api-key}", "API_KEY", []),
        ("${{ secrets.DEPLOY_TOKEN }}", "token", []),
        ("Bearer ${input:ha-token}", "Authorization", []),
        ("op://vault/item/password", "password", []),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", "secret", []),
        # names of things, not secrets
        ("NextToken", "output_token", []),
        ("GITHUB_TOKEN", "token_env", []),
        ("/run/secrets/db_password", "password_file", []),
        ("./keys/service-account.json", "credentials", []),
        ("The password of the reporting user.", "password", []),
        ("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "password", []),
        ("write", "id-token", []),
        # literals under secret names
        ("Rfvm1310&Shop", "ODOO_PASSWORD", [("key-name", "Rfvm1310&Shop")]),
        ("Bearer q8Lm2Nx7Vb4K", "Authorization", [("key-name", "q8Lm2Nx7Vb4K")]),
        ("changeme", "smtp_password", [("known-default", "changeme")]),
        ("<your-api-key>", "api_key", [("placeholder", "<your-api-key>")]),
        # inside longer values
        ("--api-key=Zq81LmV0cP4", "args", [("key-name", "Zq81LmV0cP4")]),
        ("host=db user=app password=Pw-1x9 dbname=shop", "dsn", [("key-name", "Pw-1x9")]),
        ("Server=db;Database=shop;User Id=app;Password={Pw;x2};", "connection_string", [("key-name", "Pw;x2")]),
        ("DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Ab9+cd/Ef==;", "conn",
         [("key-name", "Ab9+cd/Ef==")]),
        ("Authorization: Bearer Qw3rTy6UiOp9", None, [("key-name", "Qw3rTy6UiOp9")]),
        ("postgres://app:Pw-7x@db/shop", "url", [("url-credentials", "Pw-7x")]),
        ("postgres://reader@db/shop", "url", []),
        ("postgres://app:{{env.PG_PASSWORD}}@db/shop", "url", []),
        ("https://mcp.example.com/sse?api_key=Zz9Yy8Xx7W&format=json", "url", [("url-credentials", "Zz9Yy8Xx7W")]),
        ("https://mcp.example.com/sse?project_ref=yaehbwimocvvnnlojkxe", "url", []),
        # entropy, and what is not random
        ("Kq8ZpD3vLw7NcR2xYb5TgH9mJ4sF6aE1", "ingest", [("entropy", "Kq8ZpD3vLw7NcR2xYb5TgH9mJ4sF6aE1")]),
        ("9fceb02d0ae598e95dc970b74767f19372d61af8", "ingest", []),
        ("3f2c9a1e-7b4d-4e8a-9c6f-2d1b0a9e8f7c", "ingest", []),
        ("getUserAccountDetailsV2Handler", "handler_name", []),
        ("anthoscli-windows-x86_64", "dependency", []),
        ("Kq8ZpD3vLw7NcR2xYb5TgH9mJ4sF6aE1", "checksum", []),
    ],
)
def test_value_verdicts(text: str, key: str | None, expected: list[tuple[str, str]]) -> None:
    assert verdicts(text, key, CLAUDE_CODE) == expected


def test_flapi_expands_only_env_references() -> None:
    assert verdicts("{{env.JWT_SECRET}}", "jwt-secret", FLAPI) == []
    assert verdicts("${JWT_SECRET}", "jwt-secret", FLAPI) == [("unexpanded-reference", "${JWT_SECRET}")]
    assert verdicts("{{ env.JWT_SECRET }}", "jwt-secret", FLAPI) == [("unexpanded-reference", "{{ env.JWT_SECRET }}")]
    assert verdicts("${JWT_SECRET}", "jwt-secret", YAML) == []  # elsewhere `${…}` is a reference
    phrase = "test-jwt-secret-key-for-integration-tests"  # seen in flAPI's own test configs
    assert verdicts(phrase, "jwt-secret", FLAPI) == [("key-name", phrase)]
    assert verdicts("jwtSecret", "jwt-secret", FLAPI) == [("key-name", "jwtSecret")]  # flAPI never reads a name
    assert verdicts("jwtSecret", "jwt_secret_field", YAML) == []
    assert verdicts("AKID-1", "secret-id", FLAPI, parent="from-aws-secretmanager") == [("key-name", "AKID-1")]
    assert verdicts("AKID-1", "secret-id", FLAPI) == []


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("password", "password"),
        ("PGPASSWORD", "password"),
        ("jwt-secret", "secret"),
        ("client-secret", "secret"),
        ("apiKey", "API key"),
        ("x-api-key", "API key"),
        ("GITHUB_PERSONAL_ACCESS_TOKEN", "token"),
        ("DB_PASS", "password"),
        ("SEED_PHRASE", "wallet seed phrase"),
        ("refresh_token", "token"),
        ("private_key", "private key"),
        ("token_endpoint", None),
        ("max_tokens", None),
        ("password_hash", None),
        ("secret-name", None),
        ("key", None),
        ("public_key", None),
        ("existingSecret", None),
        ("tokenizer", None),
        ("nextPageToken", None),
        ("ClientRequestToken", None),
        ("s3_access_key", None),
        ("PasswordLastUsed", None),
        ("pwd", None),
    ],
)
def test_secret_bearing_names(key: str, kind: str | None) -> None:
    assert sp.secret_key_kind(key) == kind


# --------------------------------------------------------- client configs (JSON: exact positions)

CLIENT = (
    "{\n"
    '  "mcpServers": {\n'
    '    "api": {\n'
    '      "command": "npx",\n'
    '      "args": ["-y", "api-mcp", "--api-key", "Zq7Lm2Nx9Vb4Kc8T", "--token=Pq7Rs8Tu9Vw0Xy1Z"],\n'
    '      "env": {"API_TOKEN": "${API_TOKEN}", "DEBUG": "1", "OPENAI_API_KEY": "%s"},\n'
    '      "url": "https://admin:Hx8-pw-55@mcp.example.com/sse?key=Mm4Nn5Oo6Pp7Qq8R",\n'
    '      "headers": {"Authorization": "Bearer Tt1Uu2Vv3Ww4Xx5Y", "X-Trace": "abc"}\n'
    "    }\n"
    "  }\n"
    "}\n"
)


def positions(run) -> list[tuple[str, int, int, int]]:
    return sorted((r.rule.id, r.span.start_line, r.span.start_col, r.span.end_col) for r in run.report.results)


def test_client_config_findings_point_at_the_secret(tmp_path: Path) -> None:
    openai = "sk-proj-" + rand(48, ALNUM + "_-")
    write_tree(tmp_path, {".mcp.json": CLIENT % openai})
    run = run_lint(tmp_path, select=["hardcoded-secret"])
    text = (tmp_path / ".mcp.json").read_text()
    lines = text.splitlines()

    def col(line: int, needle: str) -> int:
        return lines[line - 1].index(needle) + 1

    assert positions(run) == sorted(
        [
            ("SEC003", 5, col(5, "Zq7Lm2"), col(5, "Zq7Lm2") + 16),  # value of `--api-key`
            ("SEC003", 5, col(5, "Pq7Rs8"), col(5, "Pq7Rs8") + 16),  # --token=…
            ("SEC001", 6, col(6, openai), col(6, openai) + len(openai)),
            ("SEC002", 7, col(7, "Hx8-pw"), col(7, "Hx8-pw") + 9),  # user-info password
            ("SEC002", 7, col(7, "Mm4Nn5"), col(7, "Mm4Nn5") + 16),  # ?key=
            ("SEC003", 8, col(8, "Tt1Uu2"), col(8, "Tt1Uu2") + 16),  # Bearer …
        ]
    )
    by_rule = {(r.rule.id, r.span.start_line): r for r in run.report.results}
    token = by_rule[("SEC001", 6)]
    assert token.message.startswith(
        f"OpenAI API key `sk-proj-…({len(openai)} chars)` is written in `env.OPENAI_API_KEY` of MCP server `api` "
        "in the Claude Code config (signal: token shape)"
    )
    assert "write `${OPENAI_API_KEY}`, which Claude Code expands from the environment" in token.message
    assert token.finding.secret and token.finding.properties == {"signal": "token shape", "secretKind": "OpenAI API key"}
    messages = [r.message for r in run.report.results]
    assert any("`…(16 chars)` is written in the value of `--api-key` in `args[3]`" in m for m in messages)
    assert any("is written in `--token=` in `args[4]`" in m for m in messages)
    assert any("password in a URL `…(9 chars)`" in m and "(signal: URL user-info)" in m for m in messages)
    assert any("query parameter `key` of a URL in `url`" in m and "(signal: URL query parameter)" in m for m in messages)


@pytest.mark.parametrize(
    ("path", "servers", "reference", "fix"),
    [
        (".cursor/mcp.json", "mcpServers", "${env:BRAVE_API_KEY}", "`${env:BRAVE_API_KEY}`, which Cursor expands"),
        (".vscode/mcp.json", "servers", "${input:brave_api_key}", "`${input:brave_api_key}` with an `inputs` entry"),
        ("claude_desktop_config.json", "mcpServers", None, "this client does not expand variables"),
        ("mcp_config.json", "mcpServers", "${env:BRAVE_API_KEY}", "which Windsurf expands"),
    ],
)
def test_each_client_gets_its_own_reference_syntax(tmp_path: Path, path: str, servers: str, reference: str | None,
                                                   fix: str) -> None:
    literal = "BSAq8Lm2Nx7Vb4Kc9Zs3"
    config = {servers: {"brave": {"command": "npx", "env": {"BRAVE_API_KEY": literal}}}}
    write_tree(tmp_path, {path: json.dumps(config, indent=2)})
    [result] = run_lint(tmp_path, select=["hardcoded-secret"]).report.results
    assert result.rule.id == "SEC003" and fix in result.message
    if reference is not None:
        config[servers]["brave"]["env"]["BRAVE_API_KEY"] = reference
        write_tree(tmp_path, {path: json.dumps(config, indent=2)})
        assert run_lint(tmp_path, select=["hardcoded-secret"]).report.results == []


def test_zed_nested_command_env(tmp_path: Path) -> None:
    config = {"context_servers": {"pg": {"command": {"path": "mcp-pg", "args": [], "env": {"PGPASSWORD": "zPw-91x"}}}}}
    write_tree(tmp_path, {".zed/settings.json": json.dumps(config)})
    [result] = run_lint(tmp_path, select=["hardcoded-secret"]).report.results
    assert result.rule.id == "SEC003"
    assert "`env.PGPASSWORD` of MCP server `pg` in the Zed config" in result.message


# ------------------------------------------------------------------------ flAPI semantics


def test_flapi_levels_and_served_secrets(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **examples.flapi_project(
                "connections:\n"
                "  pg:\n"
                "    init: |\n"
                "      CREATE SECRET s (TYPE postgres, PASSWORD 'Pw-init-77');\n"
                "    properties:\n"
                "      password: ${PG_PASSWORD}\n"
                "mcp:\n"
                "  auth:\n"
                "    enabled: true\n"
                "    type: bearer\n"
                "    jwt-secret: ${JWT_SECRET}\n"
                "auth:\n"
                "  users:\n"
                "    - username: admin\n"
                "      password: ${ADMIN_PW}\n"
            )
        },
    )
    run = run_lint(tmp_path, select=["hardcoded-secret", "weak-credential"])
    results = {(r.rule.id, r.span.start_line): r for r in run.report.results}
    assert sorted(results) == [("CRED003", 19), ("SEC003", 8), ("SEC005", 10), ("SEC005", 15)]
    init = results[("SEC003", 8)]
    assert (init.span.start_col, init.span.end_col) == (49, 59)
    assert "`GET /config`" in init.message and "`PASSWORD` of a SQL statement in `connections.pg.init`" in init.message
    assert "config-service token" in init.message  # /config answers 401 without it (flAPI 26.10.2)
    assert init.finding.properties["servedAt"] == "GET /config with the config-service token"
    assert results[("SEC005", 15)].level.value == "error"  # flAPI verifies callers' tokens with it
    # A credential flAPI sends elsewhere is a warning; GET /config shows `properties` as "<redacted>":
    assert results[("SEC005", 10)].level.value == "warning"
    assert "servedAt" not in results[("SEC005", 10)].finding.properties
    assert "`GET /config`" not in results[("SEC005", 10)].message
    assert "credential_chain" in init.message  # {{env.X}} would still be returned by /config to token holders


def test_secret_in_template_is_found_with_mustache_blanked(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "flapi.yaml": examples.MAIN,
            "sqls/orders.yaml": examples.ENDPOINT,
            "sqls/orders.sql": (
                "ATTACH 'postgres://etl:Tpl-pw-31@db/shop' AS r (TYPE postgres);\n"
                "SELECT * FROM r.orders WHERE note = '{{{ params.note }}}' AND pw = '${NOT_EXPANDED}'\n"
            ),
        },
    )
    run = run_lint(tmp_path, select=["hardcoded-secret"])
    assert positions(run) == [("SEC002", 1, 24, 33)]


# ------------------------------------------------------------------------------ redaction

def _secrets_tree() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Files full of secrets in every place the scan looks, and (public prefix, secret) for each."""
    s = {name: rand(24) for name in ("jwt", "init", "url", "props", "aws", "frag", "tpl", "header", "arg", "flag",
                                     "query", "userinfo", "flux", "pg", "env", "toml", "compose", "cred", "cred2")}
    tokens = {
        "ghp": "ghp_" + rand(36),
        "ant": "sk-ant-api03-" + rand(90, ALNUM + "_-"),
        "aws": "AKIA" + rand(16, string.ascii_uppercase + "234567"),
        "slack": "xoxb-" + rand(12, string.digits) + "-" + rand(24),
        "stripe": "sk_" + "live_" + rand(24),
        "pem": rand(64, ALNUM + "+/"),
        "jwt": jwt({"role": "service_role", "sub": rand(12)}),
    }
    pem = "-----BEGIN PRIVATE KEY-----\\n" + tokens["pem"] + "\\n-----END PRIVATE KEY-----"
    files = {
        "flapi.yaml": examples.MAIN
        + "connections:\n  pg:\n    init: |\n"
        f"      CREATE SECRET s (TYPE postgres, PASSWORD '{s['init']}');\n"
        f"      ATTACH 'postgres://app:{s['url']}@db/shop' AS shop (TYPE postgres);\n"
        f"    properties:\n      password: {s['props']}\n      github: {tokens['ghp']}\n"
        f"mcp:\n  auth:\n    enabled: true\n    type: bearer\n    jwt-secret: '{s['jwt']}'\n"
        "auth:\n  users:\n"
        f"    - {{username: bob, password: {s['cred']}, note: {tokens['slack']}}}\n"
        f"    - username: eve\n      password: {s['cred2']}\n",
        "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n{{include:auth from common.yaml}}\n",
        "sqls/common.yaml": f"auth:\n  enabled: true\n  type: bearer\n  jwt-secret: {s['frag']}\n"
        f"  from-aws-secretmanager:\n    secret-key: {s['aws']}\n",
        "sqls/orders.sql": f"-- {tokens['stripe']}\nATTACH 'postgres://etl:{s['tpl']}@db/x' AS r (TYPE postgres);\n"
        "SELECT 1\n",
        ".mcp.json": json.dumps(
            {
                "mcpServers": {
                    "x": {
                        "command": "npx",
                        "args": ["--api-key", s["arg"], f"--token={s['flag']}"],
                        "env": {"ANTHROPIC_API_KEY": tokens["ant"], "AWS_ACCESS_KEY_ID": tokens["aws"],
                                "PRIVATE_KEY": pem},
                        "url": f"https://u:{s['userinfo']}@mcp.example.com/sse?api_key={s['query']}",
                        "headers": {"Authorization": f"Bearer {s['header']}", "X-Jwt": tokens["jwt"]},
                    }
                }
            },
            indent=2,
        ).replace("\\\\n", "\\n"),
        "fluxbase.yaml": f"database:\n  password: {s['flux']}\nauth:\n  jwt_secret: x{s['flux']}\n",
        "pgedge.yaml": f"databases:\n  - name: a\n    database: a\n    user: u\n    password: {s['pg']}\n"
        "    sslmode: verify-full\nllm:\n  provider: x\n",
        ".env": f"DB_PASSWORD={s['env']}\nGITHUB_TOKEN={tokens['ghp']}x\n",
        "config.toml": f"[mcp_servers.db]\nenv = {{ DB_PASSWORD = \"{s['toml']}\" }}\n",
        "docker-compose.yml": f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={s['compose']}\n",
    }
    public = {"ghp": "ghp_", "ant": "sk-ant-", "aws": "AKIA", "slack": "xoxb-", "stripe": "sk_live_", "pem": "",
              "jwt": "eyJ"}
    secrets = [("", value) for value in s.values()] + [(public[k], v) for k, v in tokens.items()]
    secrets.append(("ghp_", tokens["ghp"] + "x"))
    return files, secrets


def _windows(secret: str, prefix: str, size: int = 8) -> set[str]:
    private = secret[len(prefix) :]
    return {private[i : i + size] for i in range(len(private) - size + 1)}


@pytest.fixture(scope="module")
def secret_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("secrets")
    files, secrets = _secrets_tree()
    write_tree(root, files)
    return root, secrets, run_lint(root)  # every rule: other rules' excerpts and messages must not leak either


def test_every_planted_secret_is_reported(secret_run) -> None:  # type: ignore[no-untyped-def]
    root, secrets, run = secret_run
    covered = [
        (root / r.span.path).read_text()[r.span.start_offset : r.span.end_offset] for r in run.report.results
    ]
    for prefix, secret in secrets:
        assert any(secret in text or text in secret and len(text) >= len(secret) - 2 for text in covered), prefix
    assert {r.rule.id for r in run.report.results} >= {"SEC001", "SEC002", "SEC003", "CRED001"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_secret_in_any_output_format(secret_run, fmt: str) -> None:  # type: ignore[no-untyped-def]
    _, secrets, run = secret_run
    output = get_reporter(fmt)(run.report).encode("utf-8")
    for prefix, secret in secrets:
        assert secret.encode() not in output
        assert json.dumps(secret)[1:-1].encode() not in output  # nor its JSON-escaped form
        for window in _windows(secret, prefix):  # nor any part of it inside a longer value
            assert window.encode() not in output, (fmt, prefix)


def test_sarif_help_carries_the_documented_examples_not_the_planted_secrets(secret_run) -> None:  # type: ignore[no-untyped-def]
    _, _, run = secret_run
    sarif = get_reporter("sarif")(run.report)
    # The rule help (with its bad example) is part of the bytes checked above, and its secrets differ.
    assert examples.GITHUB_TOKEN in sarif and examples.JWT_SECRET in sarif
    for value in (examples.GITHUB_TOKEN, examples.DB_PASSWORD, examples.JWT_SECRET, examples.RANDOM_KEY):
        assert "docs" in value.lower() or value == examples.RANDOM_KEY
    assert sp.token_matches(examples.GITHUB_TOKEN) and not sp.is_placeholder(examples.GITHUB_TOKEN)


def test_secret_findings_in_sarif_and_json_are_valid(secret_run) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    from mcplint.schemas import load_schema

    _, _, run = secret_run
    sarif = json.loads(get_reporter("sarif")(run.report))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(sarif)
    report = json.loads(get_reporter("json")(run.report))
    jsonschema.Draft202012Validator(load_schema("report.schema.json")).validate(report)
    secret_results = [r for r in sarif["runs"][0]["results"] if r["ruleId"].startswith("SEC")]
    assert secret_results and all(r["properties"]["signal"] for r in secret_results)


def test_text_masks_secrets_found_by_the_scan_in_other_rules_excerpts(secret_run) -> None:  # type: ignore[no-untyped-def]
    _, secrets, run = secret_run
    text = get_reporter("text")(run.report)
    bob = [line for line in text.splitlines() if "username: bob" in line]
    assert bob, "the CRED001 excerpt of bob's line is shown"
    assert all("note: *" in line and "password: *" in line for line in bob)


def test_text_excerpt_masks_the_finding_region(tmp_path: Path) -> None:
    token = "ghp_" + rand(36)
    write_tree(tmp_path, {".env": f"export GH_TOKEN={token}  # rotate\n"})
    text = get_reporter("text")(run_lint(tmp_path, select=["hardcoded-secret"]).report)
    assert text.splitlines()[:4] == [
        ".env:1:17: SEC001 error GitHub token `ghp_…(40 chars)` is written in variable `GH_TOKEN` (signal: token "
        "shape): anyone who can read this file can use it; keep `.env` files out of version control (add them to "
        "`.gitignore`) and commit a template without values, and revoke this one",
        "  |",
        "1 | export GH_TOKEN=" + "*" * 40 + "  # rotate",
        "  |                 " + "^" * 40,
    ]


# ----------------------------------------------------------------------------- identity

def _fingerprints(root: Path) -> dict[str, str]:
    return {r.rule.id: r.fingerprint for r in run_lint(root, select=["hardcoded-secret"]).report.results}


def test_a_secret_keeps_its_fingerprint_when_moved(tmp_path: Path) -> None:
    secret = rand(20)
    write_tree(tmp_path, {"app.yaml": f"db:\n  password: {secret}\n"})
    before = _fingerprints(tmp_path)
    write_tree(tmp_path, {"app.yaml": f"# moved\nother: 1\nstorage:\n  backup:\n    db_password: '{secret}'\n"})
    assert _fingerprints(tmp_path) == before
    write_tree(tmp_path, {"app.yaml": f"db:\n  password: {rand(20)}\n"})
    assert _fingerprints(tmp_path) != before
    [result] = run_lint(tmp_path, select=["hardcoded-secret"]).report.results
    assert result.finding.identity and secret not in result.finding.identity and result.finding.logical_location == ""


# ---------------------------------------------------------------------------- precision

def test_mcplint_own_configuration_is_not_a_secret(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": (REPO / "pyproject.toml").read_text(encoding="utf-8")
            + '\n[tool.mcplint.per-file-ignores]\n"secrets/**" = ["SEC003", "hardcoded-secret"]\n',
            ".mcplint.toml": 'ignore = ["SEC004"]\n[per-file-ignores]\n"tokens/**" = ["SEC001"]\n',
        },
    )
    assert run_lint(tmp_path, select=["hardcoded-secret"]).report.results == []


def test_the_repository_itself_is_clean() -> None:
    run = run_lint(REPO, paths=["pyproject.toml", "examples", ".pre-commit-hooks.yaml"], select=["hardcoded-secret"])
    # The insecure example holds exactly one secret on purpose: a password in the init SQL's ATTACH URL.
    assert [(r.rule.id, r.span.path) for r in run.report.results] == [("SEC002", "examples/flapi.yaml")]


def test_rule_metadata_is_consistent() -> None:
    from mcplint.rules.hardcoded_secret import config_literals

    # SEC001-SEC007: one rule per verdict of the secret scan; then the literal checks of client configs.
    assert [r.id for r in RULES] == [f"SEC00{i}" for i in range(1, 8)] + [r.id for r in config_literals.RULES]
    assert [r.id for r in config_literals.RULES] == ["SEC008", "SEC009"]
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(r.category == "hardcoded-secret" for r in RULES)
    verdict_rules = {v.value for v in Verdict}
    assert len(verdict_rules) == 7  # one rule per verdict


def test_a_failing_scan_is_an_internal_error_on_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcplint.model import secret_scan

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(secret_scan, "value_candidates", broken)
    write_tree(tmp_path, {"app.yaml": "password: x\n", "flapi.yaml": examples.MAIN})
    run = run_lint(tmp_path, select=["hardcoded-secret", "internal-error"])
    assert sorted((r.rule.id, r.span.path) for r in run.report.results) == [
        ("CFG900", "app.yaml"),
        ("CFG900", "flapi.yaml"),
    ]
    assert all("rule SEC001" in r.message and "RuntimeError" in r.message and "boom" not in r.message
               for r in run.report.results)


# --------------------------------------------------------------------------- hostile input

@pytest.mark.parametrize("unit", ["${", "${{ ", "{{", "$(", "ab cd ", "x", "a=", "http://", "authorization: ", "-----BEGIN "])
def test_long_hostile_values_are_scanned_in_linear_time(unit: str) -> None:
    # A backtracking pattern would make this take minutes (the suite's timeout catches it).
    text = unit * (100_000 // len(unit))
    for context in (YAML, FLAPI, CLAUDE_CODE):
        for key in ("password", "description", None):
            value_candidates(text, key, context, env_style=True)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(list("aZ9_-=:/@?&;'\"{}$<> \n.+~") + ["${", "{{env.", "://", "Bearer ", "ghp_"]),
             max_size=40).map("".join),
    st.sampled_from(["password", "description", "API_KEY", "args", None]),
)
def test_value_scan_never_raises_and_stays_inside_the_value(text: str, key: str | None) -> None:
    for context in (YAML, FLAPI):
        for candidate in value_candidates(text, key, context, env_style=True):
            assert 0 <= candidate.start < candidate.end <= len(text)
