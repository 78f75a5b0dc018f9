"""MCP client configs (issue 8): every client format is loaded and scanned, and the client rules point at the token.

JSON cannot carry ``# expect:`` comments, so positions are asserted here: each
needle is searched in the file as written and its line and column must be the
finding's start (and, where the finding covers a value, its end).
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from mcplint.model import secret_patterns as sp
from mcplint.rules.authorization._tools import can_write
from mcplint.rules.supply_chain._clients import Arg, docker_run_options, shell_use
from mcplint.rules.supply_chain.client_launch import _npm_problem, _py_problem
from mcplint.rules.transport.client_transport import is_local_host, plain_http_host
from mcplint.tree import ScalarNode

from conftest import run_lint, write_tree

_RANDOM = random.Random(88)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random text that no detector takes for a placeholder (no token-shaped literal lives in this file)."""
    while True:
        value = "".join(_RANDOM.choice(alphabet) for _ in range(n))
        if not sp.is_placeholder(value) and sum(c.isdigit() for c in value) >= 3:
            return value


GITHUB = "ghp_" + rand(36)
HEADER = rand(20)
ARG = rand(18)
QUERY = rand(16)
SERVICE_KEY = "sk_" + rand(40)


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def results(tmp_path: Path, files: dict[str, str], select: list[str]) -> list:
    write_tree(tmp_path, files)
    return run_lint(tmp_path, select=select).report.results


def spots(found: list) -> set[tuple[str, str, int, int]]:
    return {(r.rule.id, r.span.path, r.span.start_line, r.span.start_col) for r in found}


# ------------------------------------------------------------ secrets in every client format

def _entries(reference: str | None) -> tuple[dict, dict]:
    """A local and a remote server entry; with ``reference``, secrets are references in that syntax."""
    token = reference.format("GITHUB_TOKEN") if reference else GITHUB
    header = reference.format("API_TOKEN") if reference else HEADER
    arg = reference.format("API_KEY") if reference else ARG
    query = reference.format("QUERY_TOKEN") if reference else QUERY
    local = {"command": "github-mcp-server", "args": ["stdio", f"--api-key={arg}"], "env": {"GITHUB_TOKEN": token}}
    remote = {"url": f"https://mcp.example.com/sse?token={query}", "headers": {"Authorization": f"Bearer {header}"}}
    return local, remote


def _client_file(client: str, reference: str | None) -> tuple[str, str]:
    local, remote = _entries(reference)
    if client == "claude-desktop":
        return "claude_desktop_config.json", json.dumps({"mcpServers": {"github": local, "remote": remote}}, indent=2)
    if client == "claude-code":
        return ".mcp.json", json.dumps({"mcpServers": {"github": local, "remote": {"type": "http", **remote}}},
                                       indent=2)
    if client == "cursor":
        return ".cursor/mcp.json", json.dumps({"mcpServers": {"github": local, "remote": remote}}, indent=2)
    if client == "vscode":
        inputs = [{"type": "promptString", "id": n, "password": True}
                  for n in ("GITHUB_TOKEN", "API_TOKEN", "API_KEY", "QUERY_TOKEN")]
        return ".vscode/mcp.json", json.dumps(
            {"inputs": inputs, "servers": {"github": {"type": "stdio", **local}, "remote": {"type": "http", **remote}}},
            indent=2,
        )
    if client == "windsurf":
        windsurf_remote = {"serverUrl": remote["url"], "headers": remote["headers"]}
        return "mcp_config.json", json.dumps({"mcpServers": {"github": local, "remote": windsurf_remote}}, indent=2)
    if client == "cline":
        return "cline_mcp_settings.json", json.dumps(
            {"mcpServers": {"github": {**local, "disabled": False, "autoApprove": []}, "remote": remote}}, indent=2
        )
    assert client == "zed"
    command = {"path": local["command"], "args": local["args"], "env": local["env"]}
    body = json.dumps({"context_servers": {"github": {"command": command, "settings": {}}, "remote": remote}},
                      indent=2)
    # Zed's settings.json is JSON with comments and trailing commas.
    body = body.replace('{\n  "context_servers"', '{\n  // MCP servers\n  "context_servers"', 1)
    return ".zed/settings.json", body.replace('"settings": {}', '"settings": {}, /* none */', 1)


CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "windsurf", "zed", "cline"]
# Each client's own reference syntax (other-configs.md); None: the client expands nothing.
REFERENCES = {"claude-code": "${{{}}}", "cursor": "${{env:{}}}", "vscode": "${{input:{}}}", "windsurf": "${{env:{}}}"}


@pytest.mark.parametrize("client", CLIENTS)
def test_every_client_format_is_loaded_and_its_secrets_reported_at_the_token(client: str, tmp_path: Path) -> None:
    path, text = _client_file(client, None)
    found = results(tmp_path, {path: text}, ["hardcoded-secret"])
    expected = {
        ("SEC001", path, *at(text, GITHUB)),  # env: GitHub token shape
        ("SEC003", path, *at(text, ARG)),  # args: --api-key=…
        ("SEC002", path, *at(text, QUERY)),  # url query string
        ("SEC003", path, *at(text, HEADER)),  # headers: Authorization: Bearer …
    }
    assert spots(found) == expected
    ends = {r.rule.id + str(r.span.start_line): r.span.end_col for r in found}
    line, col = at(text, GITHUB)
    assert ends["SEC001" + str(line)] == col + len(GITHUB)
    assert all(r.finding.secret for r in found)


@pytest.mark.parametrize("client", sorted(REFERENCES))
def test_references_in_each_clients_own_syntax_stay_quiet(client: str, tmp_path: Path) -> None:
    path, text = _client_file(client, REFERENCES[client])
    assert "${" in text
    assert results(tmp_path, {path: text}, ["hardcoded-secret"]) == []


def test_zed_comments_do_not_hide_secrets_and_positions_follow_the_comments(tmp_path: Path) -> None:
    path, text = _client_file("zed", None)
    assert "// MCP servers" in text and "/* none */" in text
    found = results(tmp_path, {path: text}, ["hardcoded-secret"])
    token = next(r for r in found if r.rule.id == "SEC001")
    assert (token.span.start_line, token.span.start_col) == at(text, GITHUB)
    assert "`env.GITHUB_TOKEN` of MCP server `github` in the Zed config" in token.message


def test_fluxbase_service_key_in_any_client_config_is_a_secret_and_a_privilege(tmp_path: Path) -> None:
    config = {"mcpServers": {"fluxbase": {"command": "fluxbase-mcp", "env": {"FLUXBASE_KEY": SERVICE_KEY}}}}
    text = json.dumps(config, indent=2)
    found = results(tmp_path, {".cursor/mcp.json": text}, ["SEC001", "AUTHZ018"])
    line, col = at(text, SERVICE_KEY)
    key_line, key_col = at(text, '"FLUXBASE_KEY"')
    assert spots(found) == {("SEC001", ".cursor/mcp.json", line, col),
                            ("AUTHZ018", ".cursor/mcp.json", key_line, key_col)}
    secret = next(r for r in found if r.rule.id == "SEC001")
    assert "`sk_` service key (Fluxbase style)" in secret.message and SERVICE_KEY not in secret.message
    privilege = next(r for r in found if r.rule.id == "AUTHZ018")
    assert "bypass row-level security" in privilege.message and SERVICE_KEY not in privilege.message


# ------------------------------------------------------------ TRANS010


def _mcp(servers: dict, path: str = ".mcp.json") -> tuple[str, str]:
    return path, json.dumps({"mcpServers": servers}, indent=2)


def test_plain_http_to_a_remote_host(tmp_path: Path) -> None:
    path, text = _mcp({
        "crm": {"type": "http", "url": "http://crm.example.com/mcp", "headers": {"Authorization": "Bearer ${T}"}},
        "wiki": {"url": "http://10.0.0.5:3010/sse"},
        "bridge": {"command": "npx", "args": ["-y", "mcp-remote@0.1.18", "http://tools.example.com/sse"]},
        "off": {"url": "http://old.example.com/sse", "disabled": True},
        "dev": {"url": "http://localhost:3000/mcp"},
        "loop": {"url": "http://127.0.0.1:8765/mcp"},
        "docker": {"url": "http://host.docker.internal:8080/mcp"},
        "tls": {"url": "https://crm.example.com/mcp"},
        "ref": {"url": "http://${input:host}/mcp"},
    })
    found = results(tmp_path, {path: text}, ["TRANS010"])
    assert spots(found) == {
        ("TRANS010", path, *at(text, '"http://crm.example.com/mcp"')),
        ("TRANS010", path, *at(text, '"http://10.0.0.5:3010/sse"')),
        ("TRANS010", path, *at(text, '"http://tools.example.com/sse"')),
        ("TRANS010", path, *at(text, '"http://old.example.com/sse"')),
    }
    levels = {r.span.start_line: r.level.value for r in found}
    assert levels[at(text, "crm.example.com/mcp")[0]] == "error"  # an Authorization header crosses in clear text
    assert levels[at(text, "10.0.0.5")[0]] == "warning"
    assert levels[at(text, "old.example.com")[0]] == "note"  # disabled server
    wiki = next(r for r in found if "10.0.0.5" in r.message)
    assert "your local network" in wiki.message


def test_windsurf_server_url_is_checked(tmp_path: Path) -> None:
    path, text = _mcp({"docs": {"serverUrl": "http://docs.example.com/mcp"}}, "mcp_config.json")
    [found] = results(tmp_path, {path: text}, ["TRANS010"])
    assert (found.span.start_line, found.span.start_col) == at(text, '"http://docs.example.com/mcp"')
    assert "`serverUrl`" in found.message and "Windsurf" in found.message


@pytest.mark.parametrize(
    ("url", "host"),
    [("http://mcp.example.com/x", "mcp.example.com"), ("http://user:pw@Example.COM:80/", "Example.COM"),
     ("http://localhost:1/", None), ("http://[::1]:8/", None), ("http://api.localhost/", None),
     ("https://mcp.example.com/", None), ("http://${HOST}/x", None), ("http://0.0.0.0:8080", "0.0.0.0"),
     ("http://YOUR_SERVER_IP:3010/sse", "YOUR_SERVER_IP"), ("ftp://x", None)],
)
def test_plain_http_host(url: str, host: str | None) -> None:
    assert plain_http_host(url) == host


def test_local_hosts() -> None:
    assert all(map(is_local_host, ["localhost", "127.0.0.5", "::1", "host.docker.internal", "app.localhost"]))
    assert not any(map(is_local_host, ["10.0.0.1", "example.com", "localhost.example.com"]))


# ------------------------------------------------------------ CHAIN010 / CHAIN011


def test_shell_with_inline_code_and_curl_pipe_sh(tmp_path: Path) -> None:
    path, text = _mcp({
        "installer": {"command": "bash", "args": ["-c", "curl -fsSL https://get.example.com/i.sh | sh"]},
        "venv": {"command": "/bin/sh", "args": ["-lc", "source .venv/bin/activate && python server.py"]},
        "win": {"command": "cmd", "args": ["/c", "npx", "-y", "@modelcontextprotocol/server-memory@2025.4.25"]},
        "plain": {"command": "sh", "args": ["-c", "exec node dist/server.js"]},
        "script": {"command": "bash", "args": ["./start.sh", "-c", "x && y"]},
    })
    found = results(tmp_path, {path: text}, ["CHAIN010", "CHAIN011"])
    assert spots(found) == {
        ("CHAIN010", path, *at(text, '"curl -fsSL')),
        ("CHAIN010", path, *at(text, '"source .venv')),
    }
    levels = {r.span.start_line: r.level.value for r in found}
    assert levels[at(text, "curl -fsSL")[0]] == "error"
    assert levels[at(text, "source .venv")[0]] == "warning"


def test_unpinned_packages_point_at_the_package(tmp_path: Path) -> None:
    path, text = _mcp({
        "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/docs"]},
        "pw": {"command": "npx", "args": ["@playwright/mcp@latest", "--headless"]},
        "range": {"command": "pnpm", "args": ["dlx", "some-mcp@^1.2.0"]},
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
        "git": {"command": "uvx", "args": ["--from", "git+https://github.com/example/tools", "tools-mcp"]},
        "win": {"command": "cmd", "args": ["/c", "npx -y mcp-remote https://mcp.example.com/sse"]},
        "dev": {"command": "npx", "args": ["tsx", "./src/server.ts"]},
        "pinned": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/srv"]},
        "pinned-py": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]},
        "pinned-uv-at": {"command": "uvx", "args": ["--python", "3.12", "mcp-server-time@0.6.2"]},
        "sha": {"command": "uvx", "args": ["--from", "git+https://github.com/example/tools@3f2c9a1", "tools-mcp"]},
        "local": {"command": "npx", "args": ["."]},
        "no-install": {"command": "npx", "args": ["--no-install", "eslint-mcp"]},
        "token-arg": {"command": "npx", "args": ["--api-key", rand(30), "pkg@1.0.0"]},
    })
    found = results(tmp_path, {path: text}, ["CHAIN011"])
    assert spots(found) == {
        ("CHAIN011", path, *at(text, '"@modelcontextprotocol/server-filesystem"')),
        ("CHAIN011", path, *at(text, '"@playwright/mcp@latest"')),
        ("CHAIN011", path, *at(text, '"some-mcp@^1.2.0"')),
        ("CHAIN011", path, *at(text, '"mcp-server-fetch"')),
        ("CHAIN011", path, *at(text, '"git+https://github.com/example/tools"')),
        ("CHAIN011", path, *at(text, "mcp-remote https")),  # inside the string `cmd /c` runs
        ("CHAIN011", path, *at(text, '"tsx"')),
    }
    win = next(r for r in found if "mcp-remote" in r.message)
    assert win.span.end_col - win.span.start_col == len("mcp-remote")
    messages = {r.span.start_line: r for r in found}
    assert "the floating tag `latest`" in messages[at(text, "@playwright")[0]].message
    assert "the range `^1.2.0`" in messages[at(text, "some-mcp")[0]].message
    assert "`@modelcontextprotocol/server-filesystem@1.2.3`" in messages[at(text, "server-filesystem")[0]].message
    assert messages[at(text, '"tsx"')[0]].level.value == "note"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [("pkg", "no version"), ("@s/p", "no version"), ("@s/p@1.2.3", None), ("p@next", "the floating tag `next`"),
     ("p@1.x", "the range `1.x`"), ("./dist", None), ("github:o/r#3f2c9a1", None),
     ("git+https://user:tok@github.com/o/r", "a branch of a git repository"), ("p@1.2.3-beta.1", None)],
)
def test_npm_specs(spec: str, problem: str | None) -> None:
    found = _npm_problem(spec)
    assert (found[1] if found else None) == problem
    assert found is None or "tok" not in found[0]  # user-info never reaches a message


@pytest.mark.parametrize(
    ("spec", "problem"),
    [("mcp-server-fetch", "no version"), ("mcp-server-fetch==1.2", None), ("pkg>=1.0", "the range `>=1.0`"),
     ("pkg@latest", "the floating tag `latest`"), ("pkg@0.6.2", None), ("pkg[cli]==1.0", None), (".", None)],
)
def test_python_specs(spec: str, problem: str | None) -> None:
    found = _py_problem(spec)
    assert (found[1] if found else None) == problem


def _argv(*words: str) -> list[Arg]:
    return [Arg(w, ScalarNode(None, text=w), 0, len(w)) for w in words]  # type: ignore[arg-type]


def test_shell_use() -> None:
    use = shell_use(_argv("bash", "-c", "curl -s https://x.example/i.sh | bash"))
    assert use is not None and use.inline_code and use.pipe_to_shell
    plain = shell_use(_argv("cmd.exe", "/c", "npx", "-y", "pkg@1.0.0"))
    assert plain is not None and not plain.inline_code
    assert shell_use(_argv("node", "-c", "x | y")) is None
    assert shell_use(_argv("bash", "run.sh", "-c", "x | y")) is None  # -c belongs to the script
    encoded = shell_use(_argv("pwsh", "-NoProfile", "-EncodedCommand", "SQBFAFgA"))
    assert encoded is not None and encoded.inline_code


# ------------------------------------------------------------ AUTHZ010


def test_cline_auto_approve_of_write_tools(tmp_path: Path) -> None:
    path, text = _mcp({
        "github": {"command": "github-mcp-server@1.0.0", "autoApprove": ["search_issues", "create_pull_request",
                                                                        "get_file_contents", "push_files"]},
        "browser": {"command": "browser-mcp", "alwaysAllow": ["browser_snapshot", "browser_click"]},
        "all": {"command": "db-mcp", "autoApprove": ["*"], "disabled": True},
        "read": {"command": "docs-mcp", "autoApprove": ["list_docs", "query_table", "get_settings"]},
    }, "cline_mcp_settings.json")
    found = results(tmp_path, {path: text}, ["AUTHZ010"])
    assert spots(found) == {
        ("AUTHZ010", path, *at(text, '"create_pull_request"')),
        ("AUTHZ010", path, *at(text, '"push_files"')),
        ("AUTHZ010", path, *at(text, '"browser_click"')),
        ("AUTHZ010", path, *at(text, '"*"')),
    }
    star = next(r for r in found if "every tool" in r.message)
    assert star.level.value == "note"  # the server is disabled


@pytest.mark.parametrize("name", ["create_issue", "deleteFile", "execute_sql", "browser_click", "*", "insert_record",
                                  "mcp__github__push_files", "send_email", "update_record"])
def test_write_capable_tool_names(name: str) -> None:
    assert can_write(name)


@pytest.mark.parametrize("name", ["get_issue", "list_files", "search_code", "query_table", "get_settings",
                                  "read_resource", "browser_snapshot", "get_dataset", "describe_table"])
def test_read_tool_names(name: str) -> None:
    assert not can_write(name)


# ------------------------------------------------------------ Docker (AUTHZ011–AUTHZ013)


def test_docker_options(tmp_path: Path) -> None:
    image = "ghcr.io/example/files-mcp:1.4.2"
    path, text = _mcp({
        "priv": {"command": "docker", "args": ["run", "-i", "--rm", "--privileged", image]},
        "caps": {"command": "docker", "args": ["run", "--cap-add=SYS_ADMIN", "--pid", "host", image]},
        "sock": {"command": "podman", "args": ["run", "-v", "/var/run/docker.sock:/var/run/docker.sock", image]},
        "net": {"command": "docker", "args": ["run", "-i", "--network", "host", image]},
        "net2": {"command": "docker", "args": ["container", "run", "--net=host", image]},
        "home": {"command": "docker", "args": ["run", "-v", "${HOME}:/data", image]},
        "home-ro": {"command": "docker", "args": ["run", "--mount", "type=bind,source=/Users/alice,target=/h,readonly",
                                                  image]},
        "root": {"command": "docker", "args": ["run", "-v", "/:/host", image]},
        "fine": {"command": "docker", "args": ["run", "-i", "--rm", "-v", "/Users/alice/notes:/data:ro",
                                               "-e", "MODE=--privileged", image, "--network", "host"]},
    })
    found = results(tmp_path, {path: text}, ["AUTHZ011", "AUTHZ012", "AUTHZ013"])
    assert spots(found) == {
        ("AUTHZ011", path, *at(text, '"--privileged"')),
        ("AUTHZ011", path, *at(text, '"--cap-add=SYS_ADMIN"')),
        ("AUTHZ011", path, *at(text, '"host"')),  # --pid host
        ("AUTHZ011", path, *at(text, '"/var/run/docker.sock')),
        ("AUTHZ012", path, *at(text, '"host"', 1)),
        ("AUTHZ012", path, *at(text, '"--net=host"')),
        ("AUTHZ013", path, *at(text, '"${HOME}:/data"')),
        ("AUTHZ013", path, *at(text, '"type=bind,source=/Users/alice')),
        ("AUTHZ013", path, *at(text, '"/:/host"')),
    }
    ro = next(r for r in found if "/Users/alice`" in r.message)
    assert "can read SSH keys" in ro.message


def test_docker_run_options_stop_at_the_image() -> None:
    options = docker_run_options(_argv("docker", "run", "-it", "--rm", "-e", "A=1", "-vfoo:/x", "img:1", "--privileged"))
    assert options is not None
    assert [(o.name, o.value_text) for o in options] == [
        ("-i", ""), ("-t", ""), ("--rm", ""), ("-e", "A=1"), ("-v", "foo:/x")
    ]
    assert docker_run_options(_argv("docker", "ps")) is None
    assert docker_run_options(_argv("node", "run")) is None


# ------------------------------------------------------------ AUTHZ018


def test_service_keys_handed_to_assistants(tmp_path: Path) -> None:
    path, text = _mcp({
        "flux": {"type": "http", "url": "https://api.example.com/mcp",
                 "headers": {"X-Service-Key": "${FLUXBASE_SERVICE_KEY}"}},
        "supa": {"command": "supabase-mcp@0.4.0", "env": {"SUPABASE_SERVICE_ROLE_KEY": "${SUPABASE_SERVICE_ROLE_KEY}"}},
        "flag": {"command": "supa-mcp", "args": ["--service-role-key", "${KEY}"]},
        "client": {"type": "http", "url": "https://api.example.com/mcp",
                   "headers": {"X-Client-Key": "${FLUXBASE_CLIENT_KEY}"}},
        "eleven": {"command": "elevenlabs-mcp", "env": {"ELEVENLABS_API_KEY": "sk_" + rand(40, "0123456789abcdef")}},
        "anon": {"command": "supa-mcp", "env": {"SUPABASE_ANON_KEY": "${SUPABASE_ANON_KEY}"}},
    })
    found = results(tmp_path, {path: text}, ["AUTHZ018"])
    assert spots(found) == {
        ("AUTHZ018", path, *at(text, '"X-Service-Key"')),
        ("AUTHZ018", path, *at(text, '"SUPABASE_SERVICE_ROLE_KEY"')),
        ("AUTHZ018", path, *at(text, '"--service-role-key"')),
    }


# ------------------------------------------------------------ CFG030 / CFG031


def test_misspelt_security_keys_of_server_entries(tmp_path: Path) -> None:
    path, text = _mcp({
        "gh": {"url": "https://api.example.com/mcp/", "header": {"Authorization": "Bearer ${T}"}},
        "files": {"command": "mcp-files", "Env": {"ROOT": "/srv"}, "auto_approve": ["list"], "disable": True},
        "extras": {"command": "mcp-x", "disabledTools": ["a"], "timeout": 30, "cwd": ".", "description": "x",
                   "headersHelper": "node h.js", "arguments": ["a"]},
        "bad": {"command": "mcp-y", "args": "--read-only /srv", "env": ["A=1"], "disabled": "yes"},
    })
    found = results(tmp_path, {path: text}, ["CFG030", "CFG031"])
    assert spots(found) == {
        ("CFG030", path, *at(text, '"header"')),
        ("CFG030", path, *at(text, '"Env"')),
        ("CFG030", path, *at(text, '"auto_approve"')),
        ("CFG030", path, *at(text, '"disable"')),
        ("CFG031", path, *at(text, '"--read-only /srv"')),
        ("CFG031", path, *at(text, '[\n        "A=1"')),
        ("CFG031", path, *at(text, '"yes"')),
    }
    header = next(r for r in found if "`header`" in r.message)
    assert header.message == (
        "Claude Code does not read `header` in MCP server `gh`: it ignores keys it does not know, so the setting "
        "never takes effect; did you mean `headers`?"
    )
    args = next(r for r in found if "args" in r.message and r.rule.id == "CFG031")
    assert "--read-only" not in args.message  # values of the wrong shape are never quoted (they may be tokens)


def test_every_client_of_the_ext_corpus_shape_is_accepted(tmp_path: Path) -> None:
    """Keys seen in real configs (type, headersHelper, disabledTools, timeout_ms, cwd, transport…) are known."""
    path, text = _mcp({
        "a": {"type": "http", "url": "https://x.example/mcp", "headersHelper": "node h.mjs"},
        "b": {"command": "x", "args": [], "disabledTools": ["t"], "enabled": True, "timeout_ms": 10000},
        "c": {"url": "https://y.example/", "transport": {"type": "http"}, "description": "d", "cwd": "."},
    })
    assert results(tmp_path, {path: text}, ["config-error"]) == []
