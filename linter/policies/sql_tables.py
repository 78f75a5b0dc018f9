"""The tables an endpoint's template reads and writes, positioned back into the template.

Built on the rendering every SQL analysis parses first (every section shown, a
sentinel for each value: ``statements.all_present``), so the parse is shared
with the built-in rules. sqlglot records where
each identifier is in the rendered text; the rendered text equals the template
with its tags replaced, so the n-th occurrence of a name in the rendering is
the n-th occurrence in the template once tags are blanked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from mcplint.lazy_re import lazy_compile
from mcplint.span import Span

if TYPE_CHECKING:
    from mcplint.model.flapi import Endpoint

_SENTINEL = lazy_compile(r"mcplsentinel\d+x")
_TAG = lazy_compile(r"\{\{\{?.*?\}?\}\}", re.DOTALL)


@dataclass(frozen=True)
class TableUse:
    name: str
    schema: str | None
    catalog: str | None
    access: str  # "read" | "write"
    dynamic: bool  # a part of the name comes from a template value
    span: Span  # the table name
    schema_span: Span | None = None
    catalog_span: Span | None = None


@dataclass(frozen=True)
class TemplateTables:
    tables: tuple[TableUse, ...]
    error: str | None  # the template did not parse: its tables are unknown


def _scan(statement):  # type: ignore[no-untyped-def]
    """(tables, ids of written tables, CTE names) in one walk of the statement."""
    from sqlglot import exp

    writers = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter)
    tables, targets, ctes = [], set(), set()
    for node in statement.walk():
        if isinstance(node, exp.Table):
            tables.append(node)
        elif isinstance(node, exp.CTE):
            ctes.add(node.alias_or_name)
        elif isinstance(node, writers):
            target = node.this.this if isinstance(node.this, exp.Schema) else node.this
            if isinstance(target, exp.Table):
                targets.add(id(target))
        elif isinstance(node, exp.TruncateTable):
            targets.update(id(t) for t in node.expressions if isinstance(t, exp.Table))
    return tables, targets, ctes


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w\"]){re.escape(word)}(?![\w\"])", re.IGNORECASE)


def template_tables(endpoint: Endpoint) -> TemplateTables:
    """Every table the template names (cached on the endpoint, dropped with its other analyses)."""
    cached = endpoint.cache.get("policy_tables")
    if cached is None:
        cached = endpoint.cache["policy_tables"] = _compute(endpoint)
    return cached


def _compute(endpoint: Endpoint) -> TemplateTables:
    from sqlglot import exp

    from mcplint.model.statements import all_present

    template = endpoint.template
    rendering = all_present(endpoint) if template is not None else None
    if template is None or rendering is None:
        return TemplateTables((), "no template")
    if rendering.error is not None and not rendering.statements:
        return TemplateTables((), rendering.error)
    rendered = rendering.text
    masked = _TAG.sub(lambda m: " " * len(m.group()), template.source.text)
    seen: dict[str, int] = {}
    uses: list[TableUse] = []
    for statement in rendering.statements:
        tables, writes, ctes = _scan(statement)
        for table in tables:
            name = table.name
            if not name or (name in ctes and not table.args.get("db")):
                continue
            if isinstance(table.this, exp.Func) or not isinstance(table.this, exp.Identifier):
                continue  # read_csv(…), a table function: not a named table
            parts = [table.args.get(k) for k in ("catalog", "db", "this")]
            dynamic = any(p is not None and _SENTINEL.search(p.name or "") for p in parts)
            span = _position(template, rendered, masked, table.this, seen)
            db, catalog = table.args.get("db"), table.args.get("catalog")
            schema_span = _position(template, rendered, masked, db, seen) if isinstance(db, exp.Identifier) else None
            catalog_span = (_position(template, rendered, masked, catalog, seen)
                            if isinstance(catalog, exp.Identifier) else None)
            uses.append(
                TableUse(
                    name=_SENTINEL.sub("{{…}}", name),
                    schema=_SENTINEL.sub("{{…}}", table.db) if table.db else None,
                    catalog=_SENTINEL.sub("{{…}}", table.catalog) if table.catalog else None,
                    access="write" if id(table) in writes else "read",
                    dynamic=bool(dynamic),
                    span=span,
                    schema_span=schema_span,
                    catalog_span=catalog_span,
                )
            )
    return TemplateTables(tuple(uses), None)


def _position(template, rendered: str, masked: str, ident, seen: dict[str, int]) -> Span:  # type: ignore[no-untyped-def]
    """The identifier's span in the template file (the template's start when it cannot be placed)."""
    word = ident.name
    start = ident.meta.get("start") if hasattr(ident, "meta") else None
    if ident.args.get("quoted"):
        word = f'"{word}"'
    pattern = _word_pattern(word)
    if isinstance(start, int):
        nth = sum(1 for m in pattern.finditer(rendered, 0, start))
    else:
        nth = seen.get(word.lower(), 0)
        seen[word.lower()] = nth + 1
    for index, match in enumerate(pattern.finditer(masked)):
        if index == nth:
            return template.span(match.start(), match.end())
    return template.span(0, 0)
