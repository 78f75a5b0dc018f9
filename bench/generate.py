"""Generate a realistic synthetic flAPI project for benchmarks.

    python bench/generate.py OUT_DIR N

Each endpoint is a YAML file with request fields and validators, an SQL
template with sections, every third one an MCP tool, every fifth one taking
its ``auth`` from a shared include fragment; plus a main config and two MCP
client configs. Output is deterministic for a given N.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MAIN = """\
project-name: bench
template:
  path: ./sqls
  environment-whitelist: ['^BENCH_.*']
connections:
  warehouse:
    init: |
      INSTALL postgres;
      LOAD postgres;
    properties:
      schema: analytics
cors:
  allow-origins: [https://app.example.com]
mcp:
  enabled: true
  auth:
    enabled: true
    type: bearer
    jwt-secret: '{{env.BENCH_JWT_SECRET}}'
"""

FRAGMENT = """\
auth:
  enabled: true
  type: basic
  users:
    - username: '{{env.BENCH_USER}}'
      password: '{{env.BENCH_PASSWORD}}'
      roles: [read]
rate-limit:
  enabled: true
  max: 100
  interval: 60
"""


def endpoint(i: int) -> str:
    lines = [f"url-path: /things-{i}/", "method: GET"]
    if i % 3 == 0:
        lines += [
            "mcp-tool:",
            f"  name: list_things_{i}",
            f"  description: List things of kind {i}, newest first, optionally filtered by status and owner.",
            "  allowed-roles: [read]",
        ]
    lines += [
        "request:",
        "  - field-name: id",
        "    field-in: query",
        "    description: Thing id",
        "    required: false",
        "    validators:",
        "      - type: int",
        "        min: 1",
        "  - field-name: status",
        "    field-in: query",
        "    required: false",
        "    validators:",
        "      - type: enum",
        "        allowedValues: [open, closed, archived]",
        "  - field-name: owner",
        "    field-in: query",
        "    required: false",
        "    validators:",
        "      - type: string",
        "        regex: '^[a-z]{3,20}$'",
    ]
    if i % 5 == 0:
        lines.append("{{include:auth from ../common/shared.yaml}}")
    else:
        lines += [
            "auth:",
            "  enabled: true",
            "  type: basic",
            "  users:",
            "    - username: reader",
            "      password: '{{env.BENCH_READER_PASSWORD}}'",
            "      roles: [read]",
        ]
    lines += [f"template-source: things_{i}.sql", "connection: [warehouse]", ""]
    return "\n".join(lines)


def template(i: int) -> str:
    return f"""\
SELECT id, status, owner, created_at
FROM analytics.things_{i}
WHERE 1 = 1
{{{{#params.id}}}}
  AND id = {{{{ params.id }}}}
{{{{/params.id}}}}
{{{{#params.status}}}}
  AND status = '{{{{ params.status }}}}'
{{{{/params.status}}}}
{{{{#params.owner}}}}
  AND owner = '{{{{ params.owner }}}}'
{{{{/params.owner}}}}
ORDER BY created_at DESC
LIMIT 100
"""


def generate(out: Path, n: int) -> None:
    sqls = out / "sqls"
    (sqls / "common").mkdir(parents=True, exist_ok=True)
    (out / "flapi.yaml").write_text(MAIN)
    (sqls / "common" / "shared.yaml").write_text(FRAGMENT)
    for i in range(n):
        folder = sqls / f"group_{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"things_{i}.yaml").write_text(endpoint(i))
        (folder / f"things_{i}.sql").write_text(template(i))
    servers = {
        "flapi": {"command": "npx", "args": ["-y", "mcp-remote@1.2.0", "http://localhost:8080/mcp"]},
        "files": {
            "command": "uvx",
            "args": ["mcp-server-filesystem==0.6.2", "/srv/data"],
            "env": {"TOKEN": "${FS_TOKEN}"},
        },
    }
    (out / ".mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=2))
    (out / ".vscode").mkdir(exist_ok=True)
    (out / ".vscode" / "mcp.json").write_text(json.dumps({"servers": servers}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python bench/generate.py OUT_DIR N")
    generate(Path(sys.argv[1]), int(sys.argv[2]))
