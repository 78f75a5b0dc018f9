"""Shared helpers for the write-filter rules: positions and readable SQL."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mcplint.lazy_re import lazy_compile
from mcplint.model import Endpoint
from mcplint.model.statements import Rendering, statement_kind
from mcplint.span import Span

if TYPE_CHECKING:
    from sqlglot import Expression

_SENTINEL = lazy_compile(r"mcplsentinel(\d+)x")
_KEYWORDS = {"DELETE": "DELETE", "UPDATE": "UPDATE", "MERGE": "MERGE"}


def statement_span(endpoint: Endpoint, rendering: Rendering, statement: Expression) -> Span:
    """Where a statement starts in the template: its n-th keyword of that kind."""
    template = endpoint.template
    assert template is not None
    kind = statement_kind(statement).split()[0]
    keyword = {"TRUNCATE": "TRUNCATE", "COMMAND": "CREATE"}.get(kind, kind)
    same = [s for s in rendering.statements if statement_kind(s).split()[0] == kind]
    nth = next((i for i, s in enumerate(same) if s is statement), 0)
    text = template.source.text
    matches = [
        m for m in re.finditer(rf"\b{re.escape(keyword)}\b", text, re.IGNORECASE) if not _in_comment(text, m.start())
    ]
    if nth < len(matches):
        match = matches[nth]
        return template.span(match.start(), match.end())
    return template.span(0, 0)


def _in_comment(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return "--" in text[line_start:offset]


def readable(rendering: Rendering, node: Expression | None, limit: int = 80) -> str:
    """SQL of ``node`` with each value shown as the template variable it comes from."""
    if node is None:
        return ""
    sql = node.sql(dialect="duckdb", comments=False)
    sql = _SENTINEL.sub(lambda m: "{{ " + rendering.variables.get(int(m.group(1)), "?") + " }}", sql)
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


def headline(statement: Expression) -> str:
    """`DELETE FROM orders`, `UPDATE customers`: the statement and its table."""
    from sqlglot import exp

    table = statement.find(exp.Table)
    name = table.sql(dialect="duckdb", comments=False) if table is not None else ""
    kind = statement_kind(statement)
    verb = {"DELETE": "DELETE FROM", "UPDATE": "UPDATE", "MERGE": "MERGE INTO"}.get(kind, kind)
    return f"{verb} {name}".strip()
