"""The statements an endpoint's template runs, rendered the way a caller can make it.

Built on the template analysis (``template_analysis``): the template is
rendered with every optional section absent — the call a caller makes by
leaving optional fields out — and also with every section present, with a
sentinel in place of each value so that a statement's WHERE clause can be
traced back to the request fields it uses. Rules for write filters, unbounded
reads and exposed columns read these statements; none of them parses SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.mustache import Interpolation
from mcplint.model.template_analysis import render, section_names, sentinel, sentinel_index

if TYPE_CHECKING:
    from sqlglot import Expression

    from mcplint.model.flapi import Endpoint

_SENTINEL = lazy_compile(r"mcplsentinel(\d+)x")
_WRITE_WORD = lazy_compile(r"\b(?:update|delete|merge)\b", re.IGNORECASE)
_CREATE_SECRET = lazy_compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:PERSISTENT\s+|TEMPORARY\s+)?SECRET\b", re.I)


@dataclass
class Rendering:
    """One way of rendering the template, parsed."""

    sections: dict[str, bool]
    text: str
    statements: list[Expression]
    error: str | None
    variables: dict[int, str] = field(default_factory=dict)  # sentinel index -> variable name
    interpolations: dict[int, Interpolation] = field(default_factory=dict)

    def variables_in(self, node: Expression | None) -> list[str]:
        """Names of the template variables whose values appear below ``node``."""
        if node is None:
            return []
        found: list[str] = []
        for match in _SENTINEL.finditer(node.sql(dialect="duckdb")):
            name = self.variables.get(int(match.group(1)))
            if name is not None and name not in found:
                found.append(name)
        return found


def required_fields(endpoint: Endpoint) -> set[str]:
    return {f.name for f in endpoint.request if f.required and f.name}


def _render(endpoint: Endpoint, present: dict[str, bool]) -> Rendering | None:
    from sqlglot import exp

    from mcplint.model.injection import template_parser

    template = endpoint.template
    if template is None:
        return None
    index = sentinel_index(template.mustache)
    variables: dict[int, str] = {}
    interpolations: dict[int, Interpolation] = {}

    def value(interp: Interpolation) -> str:
        number = index[interp.tag.start]
        variables[number] = interp.tag.name
        interpolations[number] = interp
        return sentinel(number)

    rendered = render(template.mustache, lambda name: present.get(name, True), value)
    statements, error = template_parser(template)(rendered.text)
    statements = [s for s in statements if not isinstance(s, exp.Semicolon)]  # a comment after the last `;`
    return Rendering(present, rendered.text, statements, error, variables, interpolations)


# Every statement destructive_kind names starts from one of these keywords (sqlglot reads keywords in any
# case, never split or escaped), and a rendering's text is the template's text with values replaced by
# sentinels: a template without any of them cannot render such a statement.
_DESTRUCTIVE_WORD = lazy_compile(r"\b(?:drop|truncate|alter|attach|detach|copy|secret)\b", re.IGNORECASE)


def may_be_destructive(endpoint: Endpoint) -> bool:
    """A cheap test before parsing: can the template contain a statement :func:`destructive_kind` names?"""
    template = endpoint.template
    return template is not None and _DESTRUCTIVE_WORD.search(template.source.text) is not None


def may_write(endpoint: Endpoint) -> bool:
    """A cheap test before parsing: can the template contain a write statement at all?"""
    template = endpoint.template
    return template is not None and _WRITE_WORD.search(template.source.text) is not None


def optional_absent(endpoint: Endpoint) -> Rendering | None:
    """Every section on an optional request field absent; required ones and
    server values (``conn.*``, ``env.*``, ``auth.*``) present. Cached."""
    if "optional_absent" not in endpoint.cache:
        template = endpoint.template
        required = required_fields(endpoint)
        sections = {}
        if template is not None:
            for name in section_names(template.mustache):
                is_param = name.startswith("params.")
                sections[name] = not is_param or name[len("params."):].split(".", 1)[0] in required
        endpoint.cache["optional_absent"] = _render(endpoint, sections)
    return endpoint.cache["optional_absent"]


def all_present(endpoint: Endpoint) -> Rendering | None:
    if "all_present" not in endpoint.cache:
        endpoint.cache["all_present"] = _render(endpoint, {})
    return endpoint.cache["all_present"]


# ------------------------------------------------------------ statement kinds


def is_write(statement: Expression) -> bool:
    from sqlglot import exp

    return isinstance(statement, (exp.Update, exp.Delete, exp.Merge))


def filter_of(statement: Expression) -> Expression | None:
    """The row filter of an UPDATE/DELETE (its WHERE) or a MERGE (its ON condition)."""
    from sqlglot import exp

    if isinstance(statement, exp.Merge):
        return statement.args.get("on")
    where = statement.args.get("where")
    return where.this if where is not None else None


def statement_kind(statement: Expression) -> str:
    from sqlglot import exp

    if isinstance(statement, exp.Command):
        return str(statement.this).upper()
    return type(statement).__name__.upper().replace("TRUNCATETABLE", "TRUNCATE")


def destructive_kind(statement: Expression) -> str | None:
    """DROP, TRUNCATE, ALTER, ATTACH, DETACH, COPY … TO, CREATE SECRET — or None."""
    from sqlglot import exp

    if isinstance(statement, exp.Drop):
        return f"DROP {statement.args.get('kind') or ''}".strip()
    if isinstance(statement, exp.TruncateTable):
        return "TRUNCATE"
    if isinstance(statement, exp.Alter):
        return f"ALTER {statement.args.get('kind') or ''}".strip()
    if isinstance(statement, exp.Attach):
        return "ATTACH"
    if isinstance(statement, exp.Detach):
        return "DETACH"
    if isinstance(statement, exp.Copy) and not statement.args.get("kind"):
        return "COPY … TO"
    if isinstance(statement, exp.Command) and _CREATE_SECRET.match(statement.sql(dialect="duckdb")):
        return "CREATE SECRET"
    return None


def is_tautology(condition: Expression | None) -> bool:
    """A filter that keeps every row: TRUE, 1, 1=1, x = x, or an OR with such a branch."""
    from sqlglot import exp

    if condition is None:
        return True
    node = condition
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        return not node.is_string and node.this not in ("0", "0.0")
    if isinstance(node, exp.Or):
        return is_tautology(node.left) or is_tautology(node.right)
    if isinstance(node, exp.And):
        return is_tautology(node.left) and is_tautology(node.right)
    if isinstance(node, (exp.EQ, exp.GTE, exp.LTE, exp.Is)) and node.left is not None and node.right is not None:
        left = node.left.sql(dialect="duckdb")
        return left == node.right.sql(dialect="duckdb") and "mcplsentinel" not in left
    if isinstance(node, exp.Not):
        return _is_false(node.this)
    return False


def _is_false(node: Expression) -> bool:
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    return (isinstance(node, exp.Boolean) and not node.this) or (
        isinstance(node, exp.Literal) and not node.is_string and node.this in ("0", "0.0")
    )


def top_select(statement: Expression) -> Expression | None:
    """The outermost SELECT (or set operation) of a read statement, if it is one."""
    from sqlglot import exp

    if isinstance(statement, (exp.Select, exp.Union, exp.Intersect, exp.Except)):
        return statement
    return None
