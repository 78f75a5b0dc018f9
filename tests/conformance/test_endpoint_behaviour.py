"""What flAPI 26.10.2 does with endpoint-level settings, asked of the running binary.

One server holds many small endpoints (each endpoint isolates one behaviour; they share only the
`people` table), so the suite starts flAPI once for all of them. docs/flapi-conformance.md lists
each behaviour with the belief it checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance.oracle import Oracle, Server, endpoint_files, minimal_project, write_project

PLAIN_PW = "plainpw"
MD5_PW = "md5pw"
PBKDF2_PW = "pbkdf2pw"
JWT_SECRET = "conformance-jwt-secret"
# A well-formed bcrypt hash (of "password"); flAPI recognises the prefix but cannot verify bcrypt.
BCRYPT = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def pbkdf2_hash(password: str, iterations: int = 1000, salt: bytes = b"conformance-salt") -> str:
    """flAPI's format (src/password_hasher.cpp): ``$pbkdf2-sha256$<iter>$<salt>$<hash>``, URL-safe base64, no padding."""
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    return f"$pbkdf2-sha256${iterations}${_b64url(salt)}${_b64url(derived)}"


def hs256_token(secret: str, claims: dict[str, object]) -> str:
    """A JWT signed with HS256."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def _string_field(name: str, field_in: str = "query") -> str:
    return (f"request:\n  - field-name: {name}\n    field-in: {field_in}\n"
            "    validators:\n      - type: string\n        max: 50\n")


def _endpoints() -> dict[str, str]:
    files = minimal_project(
        endpoint_extra="mcp-tool:\n  name: people\n  description: list people\n",
        init=("CREATE TABLE people AS SELECT * FROM (VALUES (1, 'alice'), (2, 'bob'), (3, 'carol')) t(id, name);\n"
              "CREATE TABLE seen (v VARCHAR);"),
        connection_extra="properties:\n  secret_prop: s3cr3t-prop-value\n")

    def add(name: str, sql: str, extra: str = "") -> None:
        files.update(endpoint_files(name, "/" + name, sql, extra))

    users = (f"    - username: plain\n      password: '{PLAIN_PW}'\n"
             f"    - username: md5\n      password: '{hashlib.md5(MD5_PW.encode()).hexdigest()}'\n"
             "    - username: dollar\n      password: '${CONFORMANCE_PW}'\n"
             f"    - username: bcrypt\n      password: '{BCRYPT}'\n"
             f"    - username: pbkdf2\n      password: '{pbkdf2_hash(PBKDF2_PW)}'\n")
    add("auth_not_enabled", "SELECT 1 AS v", "auth:\n  type: basic\n  users:\n    - username: u\n      password: p\n")
    add("auth_basic", "SELECT 1 AS v", "auth:\n  enabled: true\n  type: basic\n  users:\n" + users
        + "mcp-tool:\n  name: auth_basic_tool\n  description: the same file as a tool\n")
    add("auth_jwt", "SELECT 1 AS v", f"auth:\n  enabled: true\n  type: jwt\n  jwt-secret: {JWT_SECRET}\n  jwt-issuer: flapi\n")
    add("auth_bearer", "SELECT 1 AS v",
        f"auth:\n  enabled: true\n  type: bearer\n  jwt-secret: {JWT_SECRET}\n  jwt-issuer: flapi\n")
    add("undeclared_get", "SELECT '{{{ params.zz }}}' AS v")
    add("undeclared_get_rfv", "SELECT '{{{ params.zz }}}' AS v", "request-fields-validation: true\n")
    write = "method: POST\noperation:\n  type: write\n"
    add("write_default", "INSERT INTO seen VALUES ('default:{{{ params.zz }}}')", write + _string_field("a", "body"))
    add("write_no_validate", "INSERT INTO seen VALUES ('novalidate:{{{ params.zz }}}')",
        write + "  validate-before-write: false\n" + _string_field("a", "body"))
    add("seen", "SELECT v FROM seen ORDER BY v")
    add("pager", "SELECT '{{{ params.limit }}}' AS l, '{{{ params.offset }}}' AS o",
        "mcp-tool:\n  name: pager\n  description: shows limit and offset\n")
    add("bound_depth0", "SELECT id FROM people WHERE id = {{ params.n }}", _string_field("n"))
    add("in_section", "SELECT id FROM people {{#params.n}}WHERE id = {{ params.n }}{{/params.n}}", _string_field("n"))
    add("quoted_bound", "SELECT id FROM people WHERE name = '{{ params.n }}'", _string_field("n"))
    add("escape", "SELECT '{{ params.u }}' AS v")  # undeclared: textual, so the escaping is visible
    add("inject", "SELECT id, name FROM people WHERE name = '{{{ params.name }}}'", _string_field("name"))
    add("handlebars", "SELECT 1 AS v {{#if params.x}}WHERE 1 = 1{{/if}}")
    add("delete", "SELECT error('the DELETE endpoint ran its SQL') AS v", "method: DELETE\n")
    add("misspelled_keys", "SELECT '{{{ params.f }}}' AS v",
        "request:\n  - field-name: f\n    field-in: query\n    field-type: string\n    defaultValue: x\n"
        "    validators:\n      - type: int\n        min: 1\n        max: 5\n")
    add("rate_limited", "SELECT 1 AS v", "rate-limit:\n  enabled: true\n  max: 2\n  interval: 60\n")
    add("rate_misnamed", "SELECT 1 AS v", "rate-limit:\n  enabled: true\n  requests: 2\n  window: 60\n")
    add("tool_rate_limited", "SELECT 1 AS v", "mcp-tool:\n  name: tool_rate_limited\n  description: limited\n"
        "  rate-limit:\n    enabled: true\n    max: 2\n    interval: 60\n")
    add("tool_unlimited", "SELECT 1 AS v", "mcp-tool:\n  name: tool_unlimited\n  description: no limit\n")
    add("allowed_values_string", "SELECT '{{{ params.name }}}' AS v",
        _string_field("name").rstrip("\n") + "\n        allowed-values: [alice]\n")
    return files


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("endpoints"), _endpoints())


@pytest.fixture(scope="module")
def server(oracle: Oracle, project: Path) -> Iterator[Server]:
    with oracle.serve(project) as running:
        yield running


def rows(resp) -> list[dict]:
    assert resp.status == 200, (resp.status, resp.text)
    return resp.json["data"]


# --- endpoint auth -----------------------------------------------------------------------------

def test_auth_block_without_enabled_does_nothing(server: Server) -> None:
    assert server.get("/auth_not_enabled").status == 200


def test_auth_enabled_basic_refuses_anonymous(server: Server) -> None:
    assert server.get("/auth_basic").status == 401


@pytest.mark.parametrize(("user", "password", "status"), [
    ("plain", PLAIN_PW, 200),
    ("md5", MD5_PW, 200),                                                  # 32 hex = MD5 of the password
    ("md5", hashlib.md5(MD5_PW.encode()).hexdigest(), 401),                # ... not the hash itself
    ("dollar", "${CONFORMANCE_PW}", 200),                                  # ${VAR} is never expanded
    ("bcrypt", "password", 401),                                           # bcrypt: nobody can log in
    ("pbkdf2", PBKDF2_PW, 200),
    ("pbkdf2", "wrong", 401),
])
def test_basic_auth_password_formats(server: Server, user: str, password: str, status: int) -> None:
    assert server.get("/auth_basic", auth=(user, password)).status == status


def test_basic_auth_dollar_var_not_expanded_even_when_set(oracle: Oracle, project: Path) -> None:
    """The literal ``${VAR}`` is the password: the auditor calls it plaintext with the variable set."""
    out = oracle.validate(project, env={"CONFORMANCE_PW": "expanded"}).output
    assert "[AUTH_PLAINTEXT_PASSWORD] User 'dollar'" in out


def test_startup_audit_password_classes(oracle: Oracle, project: Path) -> None:
    """flAPI's own startup auditor: MD5 flagged, bcrypt not flagged, and (surprise) PBKDF2 called plaintext."""
    out = oracle.validate(project).output
    assert "[AUTH_MD5_PASSWORD] User 'md5'" in out
    assert "[AUTH_PLAINTEXT_PASSWORD] User 'plain'" in out
    assert "User 'bcrypt'" not in out
    assert "[AUTH_PLAINTEXT_PASSWORD] User 'pbkdf2'" in out


def test_endpoint_auth_does_not_protect_its_mcp_tool(server: Server) -> None:
    """The REST route of the file is 401 without credentials; its MCP tool answers anyone."""
    result = server.call_tool("auth_basic_tool", {}).json["result"]
    assert not result.get("isError")
    assert result["structuredContent"]["rows"] == [{"v": 1}]


def _token() -> str:
    return hs256_token(JWT_SECRET, {"sub": "u", "iss": "flapi", "roles": ["r"], "exp": int(time.time()) + 600})


def test_auth_type_jwt_refuses_every_request(server: Server, oracle: Oracle, project: Path) -> None:
    assert server.get("/auth_jwt").status == 401
    assert server.get("/auth_jwt", headers={"Authorization": "Bearer " + _token()}).status == 401
    assert "[AUTH_UNKNOWN_TYPE] Endpoint declares auth type 'jwt'" in oracle.validate(project).output


def test_auth_type_bearer_accepts_the_same_token(server: Server) -> None:
    """Contrast for the jwt test: the token is valid (HS256, iss, a ``roles`` array — required)."""
    assert server.get("/auth_bearer", headers={"Authorization": "Bearer " + _token()}).status == 200
    no_roles = hs256_token(JWT_SECRET, {"sub": "u", "iss": "flapi", "exp": int(time.time()) + 600})
    assert server.get("/auth_bearer", headers={"Authorization": "Bearer " + no_roles}).status == 401
    other_issuer = hs256_token(JWT_SECRET, {"sub": "u", "iss": "other", "roles": ["r"], "exp": int(time.time()) + 600})
    assert server.get("/auth_bearer", headers={"Authorization": "Bearer " + other_issuer}).status == 401


# --- /config -----------------------------------------------------------------------------------

def test_get_config_needs_the_config_service_token(server: Server) -> None:
    resp = server.get("/config")
    assert resp.status == 401
    assert "config-service token" in resp.text
    assert "CREATE TABLE" not in resp.text and "s3cr3t-prop-value" not in resp.text


# --- undeclared parameters ---------------------------------------------------------------------

def test_undeclared_param_reaches_rest_get_template(server: Server) -> None:
    assert rows(server.get("/undeclared_get", {"zz": "hello"})) == [{"v": "hello"}]


def test_undeclared_param_refused_with_request_fields_validation(server: Server) -> None:
    resp = server.get("/undeclared_get_rfv", {"zz": "hello"})
    assert resp.status == 400
    assert "Unknown parameter not defined in endpoint configuration" in resp.text


def test_rest_writes_and_undeclared_params(server: Server) -> None:
    refused = server.post("/write_default", {"a": "x", "zz": "hello"})
    assert refused.status == 400 and "Unknown parameter" in refused.text
    assert server.post("/write_no_validate", {"a": "x", "zz": "hello"}).status == 201
    # declared fields are validated on writes whatever validate-before-write says
    for path in ("/write_default", "/write_no_validate"):
        too_long = server.post(path, {"a": "x" * 60})
        assert too_long.status == 400 and "longer than the maximum" in too_long.text
    assert {"v": "novalidate:hello"} in rows(server.get("/seen"))
    assert not any(r["v"].startswith("default:hello") for r in rows(server.get("/seen")))


def test_mcp_call_rejects_undeclared_argument(server: Server) -> None:
    resp = server.call_tool("people", {"zz": "1"})
    result = resp.json["result"]
    assert result["isError"] is True
    assert "zz: Unknown parameter not defined in endpoint configuration" in result["content"][0]["text"]


def test_mcp_call_without_auth_succeeds(server: Server) -> None:
    """No ``mcp.auth`` block: any caller may call any tool."""
    result = server.call_tool("people", {}).json["result"]
    assert not result.get("isError")
    assert result["structuredContent"]["row_count"] == 3


# --- limit / offset ----------------------------------------------------------------------------

def test_rest_limit_reaches_template_raw_offset_must_be_numeric(server: Server) -> None:
    assert rows(server.get("/pager")) == [{"l": "100", "o": "0"}]       # defaults are filled in
    assert rows(server.get("/pager", {"limit": "1 OR TRUE"})) == [{"l": "1 OR TRUE", "o": "0"}]
    bad_offset = server.get("/pager", {"offset": "abc"})
    assert bad_offset.status == 400 and "Invalid pagination parameters" in bad_offset.text
    assert server.get("/pager", {"limit": "abc'x"}).status == 400      # a leading non-digit is refused
    # only a leading number is checked: the rest reaches the template raw, quotes included
    breakout = "1' || (SELECT 'pwned') || '"
    assert rows(server.get("/pager", {"limit": breakout})) == [{"l": "1pwned", "o": "0"}]


def test_mcp_limit_reaches_template_raw(server: Server) -> None:
    result = server.call_tool("pager", {"limit": "5 OR 1"}).json["result"]
    assert result["structuredContent"]["rows"] == [{"l": "5 OR 1", "o": ""}]


# --- binding and escaping ----------------------------------------------------------------------

def test_double_brace_at_depth0_with_typed_validator_is_bound(server: Server) -> None:
    assert rows(server.get("/bound_depth0", {"n": "1"})) == [{"id": 1}]
    resp = server.get("/bound_depth0", {"n": "1 OR TRUE"})
    assert resp.status == 500 and "Could not convert string '1 OR TRUE' to INT32" in resp.text


def test_double_brace_inside_section_is_textual(server: Server) -> None:
    assert len(rows(server.get("/in_section", {"n": "1 OR TRUE"}))) == 3


def test_quoted_bound_param_fails_to_bind(server: Server) -> None:
    resp = server.get("/quoted_bound", {"n": "alice"})
    assert resp.status == 500 and "Failed to bind parameter 'n'" in resp.text


def test_double_brace_html_escapes(server: Server) -> None:
    value = rows(server.get("/escape", {"u": "a&b<c>\"d'e/f`g=h"}))[0]["v"]
    assert value == "a&amp;b&lt;c&gt;&quot;d&#39;e&#x2F;f&#x60;g&#x3D;h"


# --- the preventSqlInjection keyword filter ----------------------------------------------------

@pytest.mark.parametrize(("payload", "outcome"), [
    ("alice", 1),
    ("' OR TRUE OR '", 3),
    ("zz' OR 'a'<'b", 3),
    ("ali'||'ce", 1),
    ("xyz' or true or '", 3),
    ("' OR 't", 3),                     # passes, while x' OR 't is refused
    ("'OR'a", "refused"),
    ("x' OR 't", "refused"),
    ("' OR 1=1 --", "refused"),
    ("x' UNION SELECT 1, 'a", "refused"),
    ("x' OR name IN (SELECT name FROM people) OR '", "refused"),
    ("x'||(FROM read_text('/etc/hostname'))||'", "reaches DuckDB"),
])
def test_prevent_sql_injection_filter(server: Server, payload: str, outcome: int | str) -> None:
    resp = server.get("/inject", {"name": payload})
    if outcome == "refused":
        assert resp.status == 400
        assert resp.json == {"errors": [{"message": "Potential SQL injection detected", "field": "name"}]}
    elif outcome == "reaches DuckDB":
        assert resp.status == 500
        assert "read_text('/etc/hostname')" in resp.text  # the rendered SQL comes back to the caller
    else:
        assert len(rows(resp)) == outcome


# --- other template and endpoint behaviour -----------------------------------------------------

def test_handlebars_if_breaks_every_request(server: Server) -> None:
    for params in ({"x": "1"}, None):
        resp = server.get("/handlebars", params)
        assert resp.status == 500 and "not matched {{# {{/ pair" in resp.text


def test_rest_delete_method_is_not_served(server: Server) -> None:
    resp = server.request("DELETE", "/delete")
    assert resp.status == 405
    assert "ran its SQL" not in resp.text


def test_allowed_values_on_a_string_validator_is_ignored(server: Server) -> None:
    """`allowed-values` (not an enum's `allowedValues`) passes validation and restricts nothing."""
    assert rows(server.get("/allowed_values_string", {"name": "alice"})) == [{"v": "alice"}]
    assert rows(server.get("/allowed_values_string", {"name": "zed"})) == [{"v": "zed"}]  # not in the list


def test_misspelled_field_keys_keep_validators(server: Server) -> None:
    bad = server.get("/misspelled_keys", {"f": "abc"})
    assert bad.status == 400 and "Invalid integer value" in bad.text
    assert rows(server.get("/misspelled_keys")) == [{"v": ""}]                # defaultValue: no default
    assert rows(server.get("/misspelled_keys", {"f": "3"})) == [{"v": "3"}]


def test_rate_limit_enforced_when_enabled(server: Server) -> None:
    statuses = [server.get("/rate_limited").status for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_rate_limit_requests_window_names_ignored(server: Server) -> None:
    assert [server.get("/rate_misnamed").status for _ in range(4)] == [200] * 4


def test_mcp_tool_rate_limit_enforced_only_when_enabled(server: Server) -> None:
    """`mcp-tool.rate-limit` with `enabled: true` limits tools/call; a tool without one has no limit."""
    limited = [server.call_tool("tool_rate_limited", {}) for _ in range(3)]
    assert [r.status for r in limited] == [200, 200, 200]
    assert not any(r.json["result"].get("isError") for r in limited[:2])
    assert limited[2].json["result"]["isError"] is True
    assert "Rate limit exceeded for tool 'tool_rate_limited'" in limited[2].text
    unlimited = [server.call_tool("tool_unlimited", {}) for _ in range(6)]
    assert all(r.status == 200 and not r.json.get("result", {}).get("isError") for r in unlimited)
