"""Shared example files for the tool-poisoning rules (real inputs; the tests run them)."""

from __future__ import annotations

MAIN = """\
project-name: shop
template:
  path: ./sqls
mcp:
  strict-descriptions: true
"""
SQL = "SELECT id, status, total FROM orders WHERE customer_id = {{ params.customer_id }}\n"


def tool_project(mcp_tool: str, request: str = "", main: str = MAIN) -> dict[str, str]:
    """A flAPI project with one MCP tool; ``mcp_tool`` is the YAML body under ``mcp-tool:``."""
    endpoint = "mcp-tool:\n" + _indent(mcp_tool) + (f"request:\n{_indent(request)}" if request else "")
    endpoint += "template-source: orders.sql\n"
    return {"flapi.yaml": main, "sqls/orders.yaml": endpoint, "sqls/orders.sql": SQL}


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
