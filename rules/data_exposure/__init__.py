"""Sensitive data returned to callers and models."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
