"""What a run does not import: a pre-commit run of one file is mostly start-up.

sqlglot (and its DuckDB dialect) and jsonschema are the heaviest imports mcplint
has; only a SQL template or init script that is tokenized or parsed, or a schema
error that must be described, needs them. A run on an MCP client configuration
or a ``.env`` file needs neither. Each check runs in a fresh interpreter, the
only place where ``sys.modules`` says what a run imported.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mcplint.lazy_re import lazy_compile

_PROBE = """
import io, json, sys
import mcplint.cli
sys.argv = ["mcplint", *sys.argv[1:], "--format", "json", "--exit-zero", "--no-cache", "--isolated"]
out, sys.stdout = sys.stdout, io.StringIO()
code = mcplint.cli._run()
report, sys.stdout = sys.stdout.getvalue(), out
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"sqlglot", "jsonschema"})
policies = sorted(name for name in sys.modules if name.startswith("mcplint.policies."))
print(json.dumps({"code": code, "report": json.loads(report), "heavy": heavy, "policies": policies}))
"""

_CLIENT = {
    "mcpServers": {
        "files": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem@1.0.0", "/srv/docs"],
            "env": {"API_KEY": "ghp_" + "a1B2c3D4e5" * 3 + "a1B2c3"},
        },
        "remote": {"url": "http://mcp.example.com/sse", "headers": {"Authorization": "Bearer abc"}},
    }
}


def _run(tmp_path: Path, *paths: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *paths], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".cursor/mcp.json", json.dumps(_CLIENT, indent=2)),
        (".env", "DB_PASSWORD=hunter2\nAPI_URL=http://internal.example.com\nGITHUB_TOKEN=ghp_" + "x" * 36 + "\n"),
    ],
)
def test_a_client_config_or_env_file_run_imports_neither_sqlglot_nor_jsonschema(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = _run(tmp_path, name)
    assert result["code"] == 0
    assert result["report"]["summary"]["files_scanned"] == 1
    assert result["report"]["findings"], "the file should be linted for real, not skipped"
    assert result["heavy"] == []


def test_an_init_script_without_a_quoted_location_is_not_tokenized(tmp_path: Path) -> None:
    """CHAIN005 decides `INSTALL postgres;` from the text: no DuckDB tokenizer, so no sqlglot."""
    (tmp_path / "flapi.yaml").write_text(
        "project-name: p\ntemplate:\n  path: ./sqls\nconnections:\n  db:\n    init: |\n      INSTALL postgres;\n"
        "      LOAD postgres;\n",
        encoding="utf-8",
    )
    result = _run(tmp_path, "flapi.yaml")
    assert result["report"]["summary"]["files_scanned"] == 1
    assert "sqlglot" not in result["heavy"]


def test_a_project_without_policy_files_does_not_import_the_policy_loader(tmp_path: Path) -> None:
    """Only mcplint.policies.files (the globs, PolicyError) is needed to learn that there is no policy."""
    (tmp_path / ".env").write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    result = _run(tmp_path, ".env")
    assert result["report"]["findings"]
    assert result["policies"] == ["mcplint.policies.files"]


def test_a_lazy_pattern_answers_as_the_compiled_one_and_compiles_on_first_use() -> None:
    source, flags = r"(?P<word>[a-z]+)(\d*)", re.IGNORECASE
    lazy, eager = lazy_compile(source, flags), re.compile(source, flags)
    assert lazy._compiled is None
    text = "Abc12 de 3 FGH"
    assert lazy.search(text, 1).span() == eager.search(text, 1).span()  # type: ignore[union-attr]
    assert lazy.match(text).groupdict() == eager.match(text).groupdict()  # type: ignore[union-attr]
    assert lazy.fullmatch("abc1") is not None and lazy.fullmatch("abc 1") is None
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub("-", text) == eager.sub("-", text) and lazy.subn("-", text, 1) == eager.subn("-", text, 1)
    assert lazy.split(text) == eager.split(text)
    assert lazy.compiled is lazy.compiled and lazy.pattern == source and lazy.groupindex == eager.groupindex
