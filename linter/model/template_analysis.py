"""What a flAPI SQL template does with each interpolation.

flAPI renders a template with Mustache and hands the text to DuckDB. To know
whether a value can change the statement, mcplint needs, for every
interpolation, its *SQL context*: inside a string literal (and which kind),
an expression operand, an identifier, ORDER BY, LIMIT/OFFSET, an IN list, a
whole predicate or statement, a comment. It finds the context by rendering
the template the way flAPI would, with a unique sentinel word in place of
each value, parsing the result with sqlglot (DuckDB dialect), and locating
each sentinel in the syntax tree. Sections are rendered in several ways
(:func:`scenarios`), since a template usually parses only with some of them.

Rendering is exposed for other rules too: :func:`render` produces SQL text
for any choice of sections and values, with a map of where each value went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING
from collections.abc import Callable

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.mustache import Interpolation, MustacheTemplate, Section, Tag, Text

if TYPE_CHECKING:
    from sqlglot import Expression

MAX_SCENARIOS = 34  # all present, all absent, and up to 32 single sections
_SENTINEL = "mcplsentinel{}x"
_SENTINEL_RE = lazy_compile(r"mcplsentinel(\d+)x")

# Functions whose string argument DuckDB (or an attached engine) executes as SQL.
EXECUTING_FUNCTIONS = frozenset(
    {
        "query",
        "query_table",
        "postgres_query",
        "postgres_execute",
        "mysql_query",
        "mysql_execute",
        "sqlite_query",
        "bigquery_query",
        "bigquery_execute",
        "snowflake_query",
        "odbc_query",
    }
)
_HTML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "/": "&#x2F;",
    "`": "&#x60;",
    "=": "&#x3D;",
}


def html_escape(value: str) -> str:
    """What flAPI's Mustache (Crow) does to a double-brace value."""
    return "".join(_HTML_ESCAPES.get(c, c) for c in value)


class Context(str, Enum):
    STRING = "string literal"
    LIKE_PATTERN = "LIKE pattern"
    EXECUTED_STRING = "string executed as SQL"
    QUOTED_IDENTIFIER = "quoted identifier"
    VALUE = "expression"
    IDENTIFIER = "identifier"
    TABLE = "table name"
    ORDER_BY = "ORDER BY term"
    LIMIT = "LIMIT/OFFSET"
    IN_LIST = "IN list"
    FRAGMENT = "SQL fragment"
    STATEMENT = "whole statement"
    COMMENT = "comment"
    UNKNOWN = "unknown position"

    @property
    def with_article(self) -> str:
        """The context as a noun phrase: "an expression", "a string literal"."""
        article = "an" if self.value[0] in "aeiouAEIOU" or self.value.startswith(("IN ", "ORDER", "LIMIT")) else "a"
        return f"{article} {self.value}"

    @property
    def quoted(self) -> bool:
        return self in (Context.STRING, Context.LIKE_PATTERN, Context.EXECUTED_STRING, Context.QUOTED_IDENTIFIER)


# ------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class Placed:
    """Where one interpolation's value landed in rendered text."""

    interpolation: Interpolation
    start: int
    end: int


@dataclass
class Rendered:
    text: str
    placed: list[Placed] = field(default_factory=list)


def render(
    template: MustacheTemplate,
    present: Callable[[str], bool],
    value: Callable[[Interpolation], str],
) -> Rendered:
    """Render as flAPI's Mustache would: sections render when ``present(name)``
    (inverted ones when not), each interpolation becomes ``value(it)``.
    Comments, partials and delimiter changes render nothing."""
    out: list[str] = []
    placed: list[Placed] = []
    length = 0
    stack: list[tuple[list, int, Section | None]] = [(template.elements, 0, None)]
    text = template.text
    while stack:
        elements, index, enclosing = stack.pop()
        while index < len(elements):
            element = elements[index]
            index += 1
            if isinstance(element, Text):
                piece = text[element.start : element.end]
            elif isinstance(element, Section):
                shown = present(element.name)
                if shown != element.inverted:
                    stack.append((elements, index, enclosing))
                    elements, index, enclosing = element.children, 0, element
                continue
            elif isinstance(element, Tag) and element.is_interpolation:
                interpolation = Interpolation(element, enclosing)
                piece = value(interpolation)
                placed.append(Placed(interpolation, length, length + len(piece)))
            else:
                continue
            out.append(piece)
            length += len(piece)
    return Rendered("".join(out), placed)


def section_names(template: MustacheTemplate) -> list[str]:
    seen: dict[str, None] = {}
    for section in template.sections():
        seen.setdefault(section.name, None)
    return list(seen)


def scenarios(template: MustacheTemplate, always: frozenset[str] = frozenset()) -> list[dict[str, bool]]:
    """Ways the sections can render that matter: all present, all absent (but
    those in ``always``, e.g. required fields), and each section alone."""
    names = section_names(template)
    everything = {n: True for n in names}
    nothing = {n: n in always for n in names}
    out = [everything, nothing]
    for name in names[: MAX_SCENARIOS - 2]:
        alone = {n: n == name or n in always for n in names}
        if alone not in out:
            out.append(alone)
    return out


# --------------------------------------------------------- parsing & contexts


def quiet_sqlglot() -> None:
    """sqlglot logs a warning for every statement it parses as a generic Command
    (e.g. ``CREATE SECRET``); a linter must not print on stderr for that."""
    import logging

    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse_sql(text: str) -> tuple[list[Expression], str | None]:
    """sqlglot statements of ``text`` (DuckDB dialect), or an error in one line."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    quiet_sqlglot()
    try:
        return [s for s in sqlglot.parse(text, read="duckdb") if s is not None], None
    except (SqlglotError, ValueError, IndexError, RecursionError, TypeError, AttributeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [], message


@dataclass(frozen=True)
class Located:
    context: Context
    detail: str = ""  # e.g. the executing function's name, "ORDER BY", a clause
    inner: Context | None = None  # for a string executed as SQL: the context inside that SQL


def sentinel(index: int) -> str:
    return _SENTINEL.format(index)


def locate_sentinels(statements: list[Expression]) -> dict[int, Located]:
    """For each sentinel index found in the statements, its SQL context."""
    from sqlglot import exp

    found: dict[int, Located] = {}
    for statement in statements:
        for node in statement.walk():
            for comment in node.comments or ():
                for match in _SENTINEL_RE.finditer(comment):
                    in_order = isinstance(node, exp.Ordered) or isinstance(node.parent, exp.Ordered)
                    where = Located(Context.ORDER_BY, "direction") if in_order else Located(Context.COMMENT)
                    found.setdefault(int(match.group(1)), where)
            if isinstance(node, exp.Literal) and node.is_string:
                for match in _SENTINEL_RE.finditer(node.this):
                    found.setdefault(int(match.group(1)), _string_context(node, int(match.group(1))))
            elif isinstance(node, exp.Identifier):
                for match in _SENTINEL_RE.finditer(node.this):
                    found.setdefault(int(match.group(1)), _identifier_context(node))
            elif isinstance(node, (exp.Var, exp.Parameter)) and isinstance(node.this, str):
                for match in _SENTINEL_RE.finditer(node.this):
                    found.setdefault(int(match.group(1)), _operand_context(node))
    return found


def _function_name(node: Expression) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return (node.sql_name() if hasattr(node, "sql_name") else type(node).__name__).lower()


def _string_context(literal: Expression, index: int) -> Located:
    from sqlglot import exp

    parent = literal.parent
    while isinstance(parent, (exp.Paren, exp.Cast, exp.TryCast, exp.Concat, exp.DPipe)):
        parent = parent.parent
    if isinstance(parent, (exp.Like, exp.ILike, exp.SimilarTo, exp.RegexpLike, exp.RegexpILike)):
        return Located(Context.LIKE_PATTERN, type(parent).__name__.upper())
    if isinstance(parent, exp.Func):
        name = _function_name(parent)
        if name in EXECUTING_FUNCTIONS:
            return Located(Context.EXECUTED_STRING, name, _inner_context(literal.this, index))
    return Located(Context.STRING)


def _inner_context(sql: str, index: int) -> Context:
    """Where sentinel ``index`` sits inside SQL text that a function executes."""
    statements, error = parse_sql(sql)
    if error is not None:
        position = sql.find(sentinel(index))
        return lexical_context(sql, position) if position >= 0 else Context.UNKNOWN
    located = locate_sentinels(statements).get(index)
    return located.context if located is not None else Context.UNKNOWN


def _identifier_context(identifier: Expression) -> Located:
    from sqlglot import exp

    if identifier.args.get("quoted"):
        return Located(Context.QUOTED_IDENTIFIER)
    parent = identifier.parent
    if isinstance(parent, exp.Table):
        return Located(Context.TABLE)
    if isinstance(parent, exp.Column):
        return _operand_context(parent)
    return Located(Context.IDENTIFIER, type(parent).__name__ if parent is not None else "")


def _operand_context(node: Expression) -> Located:
    """Context of an expression node standing where the sentinel was."""
    from sqlglot import exp

    child, parent = node, node.parent
    while isinstance(parent, exp.Paren):
        child, parent = parent, parent.parent
    if parent is None:
        return Located(Context.STATEMENT)
    if isinstance(parent, (exp.Where, exp.Having, exp.Qualify)) or (
        isinstance(parent, exp.Join) and parent.args.get("on") is child
    ):
        return Located(Context.FRAGMENT, type(parent).__name__.upper())
    if isinstance(parent, (exp.And, exp.Or, exp.Not, exp.Xor)):
        return Located(Context.FRAGMENT, "predicate")
    if isinstance(parent, exp.Ordered):
        return Located(Context.ORDER_BY)
    if isinstance(parent, (exp.Limit, exp.Offset, exp.Fetch)):
        return Located(Context.LIMIT, type(parent).__name__.upper())
    if isinstance(parent, exp.In) and child is not parent.this:
        return Located(Context.IN_LIST)
    if isinstance(parent, exp.Select) and child in parent.expressions:
        return Located(Context.VALUE, "SELECT list")
    if isinstance(parent, (exp.Group, exp.Distinct)):
        return Located(Context.IDENTIFIER, type(parent).__name__.upper())
    if isinstance(parent, (exp.Alias, exp.DataType, exp.Schema, exp.ColumnDef)):
        return Located(Context.IDENTIFIER, type(parent).__name__.upper())
    return Located(Context.VALUE)


# ---------------------------------------------------------- template analysis


@dataclass(frozen=True)
class TagContext:
    """The SQL context of one interpolation tag and the scenario it was seen in."""

    tag: Tag
    located: Located
    scenario: dict[str, bool]


@dataclass
class TemplateAnalysis:
    """Contexts of every interpolation of one template, from the sentinel renders."""

    contexts: dict[int, TagContext]  # tag start offset -> context
    parse_error: str | None  # why no scenario parsed, if none did
    scenarios_tried: int

    def context_of(self, tag: Tag) -> TagContext | None:
        return self.contexts.get(tag.start)


Parser = Callable[[str], "tuple[list[Expression], str | None]"]


def sentinel_index(template: MustacheTemplate) -> dict[int, int]:
    """The sentinel number of each interpolation (by tag offset): its position in the template.

    Every rendering with sentinels numbers them this way, so equal renderings
    are equal texts and a cached parse can serve all of them.
    """
    return {interp.tag.start: i for i, interp in enumerate(template.interpolations())}


def analyse(
    template: MustacheTemplate, always: frozenset[str] = frozenset(), parse: Parser = parse_sql
) -> TemplateAnalysis:
    """Render with sentinels in each scenario until every interpolation has a context."""
    interpolations = template.interpolations()
    index_of = sentinel_index(template)
    tag_at = {interp.tag.start: interp.tag for interp in interpolations}
    contexts: dict[int, TagContext] = {}
    first_error: str | None = None
    tried = 0
    any_parsed = False
    pending = set(index_of)
    for scenario in scenarios(template, always):
        if not pending:
            break
        tried += 1
        present = lambda name, s=scenario: s.get(name, False)  # noqa: E731
        rendered = render(template, present, lambda interp: sentinel(index_of[interp.tag.start]))
        shown = {p.interpolation.tag.start for p in rendered.placed}
        if not (shown & pending):
            continue
        statements, error = parse(rendered.text)
        if error is not None:
            # A value right after an expression is usually a sort direction
            # (`ORDER BY x {{dir}}`): retry with a keyword that carries the sentinel.
            rendered = render(template, present, lambda interp: _keyword_aware(template, interp, index_of))
            statements, retry_error = parse(rendered.text)
            if retry_error is not None:
                first_error = first_error or error
                continue
        any_parsed = True
        located = locate_sentinels(statements)
        for start in shown & pending:
            where = located.get(index_of[start], Located(Context.UNKNOWN))
            contexts[start] = TagContext(tag_at[start], where, scenario)
        pending -= shown
    if not interpolations:
        statements, error = parse(render(template, lambda _: True, lambda _: "").text)
        any_parsed, first_error = error is None, error
    return TemplateAnalysis(contexts, None if any_parsed else first_error, tried)


_LAST_WORD = lazy_compile(r"(\w+|\}\}\}?|[)\]\"])\s*$")
_KEYWORDS = frozenset(
    "select from where and or not by order group having limit offset on join as in is like ilike between "
    "case when then else end union all distinct into values set update delete insert with".split()
)
_BEFORE_END = lazy_compile(r"^\s*(?:$|[,;)]|\{\{|(?i:limit|offset|nulls)\b)")


def _keyword_aware(template: MustacheTemplate, interp: Interpolation, index_of: dict[int, int]) -> str:
    """The sentinel, or ``ASC`` with the sentinel in a comment where a keyword is expected."""
    text = template.text
    before = text[max(0, interp.tag.start - 80) : interp.tag.start]
    after = text[interp.tag.end : interp.tag.end + 20]
    last = _LAST_WORD.search(before)
    if last and last.group(1).lower() not in _KEYWORDS and _BEFORE_END.match(after):
        return f"/*{sentinel(index_of[interp.tag.start])}*/ ASC"
    return sentinel(index_of[interp.tag.start])


def lexical_context(text: str, offset: int) -> Context:
    """A fallback when no rendering parses: is ``offset`` inside single quotes?

    Counts quotes from the start of the statement (after the last ``;``
    outside quotes), ignoring doubled quotes; a guess, used only for findings
    that are then reported as unproven.
    """
    inside = False
    i = 0
    while i < offset:
        c = text[i]
        if c == "'":
            if inside and text[i + 1 : i + 2] == "'" and i + 1 < offset:
                i += 2
                continue
            inside = not inside
        elif c == ";" and not inside:
            pass
        i += 1
    return Context.STRING if inside else Context.VALUE
