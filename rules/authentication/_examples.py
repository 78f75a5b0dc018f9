"""Example projects for the posture rules (real inputs; the tests run them)."""

from __future__ import annotations

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, status FROM orders WHERE status = 'open' LIMIT 100\n"
WRITE_SQL = "INSERT INTO orders (status) VALUES ('open')\n"
MCP_AUTH = (
    "mcp:\n  auth:\n    enabled: true\n    type: bearer\n    jwt-secret: '{{env.FLAPI_JWT_SECRET}}'\n"
)
BASIC_AUTH = (
    "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: analyst\n"
    "      password: '{{env.ANALYST_PASSWORD}}'\n      roles: [read]\n"
)


def project(endpoint: str, main: str = MAIN, sql: str = SQL) -> dict[str, str]:
    return {"flapi.yaml": main, "sqls/orders.yaml": endpoint, "sqls/orders.sql": sql}


def tool(name: str = "get_orders", extra: str = "") -> str:
    return (
        f"mcp-tool:\n  name: {name}\n  description: Open orders.\n{extra}"
        "template-source: orders.sql\n"
    )
