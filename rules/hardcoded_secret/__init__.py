"""Secrets written into configuration."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
