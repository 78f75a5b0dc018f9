"""SQL text in the model, with positions back to where it is written.

SQL appears in ``.sql`` templates and inside YAML scalars (``connections.*.init``).
Rules never tokenize or parse text themselves: they ask a :class:`SqlText` for
its tokens or statements (sqlglot, DuckDB dialect, computed once, on demand)
and for the source span of any range of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from collections.abc import Callable

from mcplint.span import Span

if TYPE_CHECKING:  # sqlglot is imported lazily: most runs never need it
    from sqlglot import Expression


@dataclass(frozen=True)
class SqlToken:
    kind: str  # sqlglot TokenType name, e.g. "STRING", "VAR", "CREATE"
    text: str  # the token's value (a string literal without its quotes)
    start: int  # offset of the token in the SQL text
    end: int  # offset just past the token (quotes included)


class SqlText:
    def __init__(self, text: str, span_of: Callable[[int, int], Span]) -> None:
        self.text = text
        self._span_of = span_of

    def span(self, start: int, end: int) -> Span:
        """Source span of ``text[start:end]``."""
        return self._span_of(start, end)

    @cached_property
    def tokens(self) -> list[SqlToken]:
        """The DuckDB tokens, or an empty list if the text does not tokenize."""
        from sqlglot.dialects.duckdb import DuckDB
        from sqlglot.errors import SqlglotError

        try:
            raw = DuckDB().tokenize(self.text)
        except (SqlglotError, ValueError, IndexError):
            return []
        return [SqlToken(t.token_type.name, t.text, t.start, t.end + 1) for t in raw]

    @cached_property
    def parsed(self) -> tuple[list[Expression], str | None]:
        """(statements, error): the parsed statements, or none and a one-line reason."""
        import sqlglot
        from sqlglot.errors import SqlglotError

        from mcplint.model.template_analysis import quiet_sqlglot

        quiet_sqlglot()

        try:
            statements = [s for s in sqlglot.parse(self.text, read="duckdb") if s is not None]
        except (SqlglotError, ValueError, IndexError, RecursionError) as exc:
            return [], str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return statements, None

    def __repr__(self) -> str:
        return f"SqlText({len(self.text)} chars)"

