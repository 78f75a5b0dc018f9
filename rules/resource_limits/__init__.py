"""Unbounded reads and missing rate limits."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
