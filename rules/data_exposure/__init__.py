"""Sensitive data returned to callers and models."""

from mcplint.engine.rule import Rule
from mcplint.rules.data_exposure import sensitive_columns

RULES: tuple[Rule, ...] = (sensitive_columns.SENSITIVE, sensitive_columns.STAR)
