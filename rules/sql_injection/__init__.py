"""Caller input that can change a SQL statement through Mustache interpolation."""

from mcplint.engine.rule import Rule
from mcplint.rules.sql_injection import (
    bound_in_quotes,
    caller_sql,
    executed_string,
    handlebars,
    identifier,
    ignored_validator,
    pagination,
    possible,
    raw_in_quotes,
    undeclared,
    unquoted_value,
)

RULES: tuple[Rule, ...] = (
    raw_in_quotes.RULE,
    unquoted_value.RULE,
    identifier.RULE,
    caller_sql.RULE,
    pagination.RULE,
    undeclared.RULE,
    executed_string.RULE,
    bound_in_quotes.RULE,
    handlebars.RULE,
    ignored_validator.RULE,
    possible.RULE,
)
