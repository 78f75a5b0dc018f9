"""Caller input that can change a SQL statement through Mustache interpolation."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
