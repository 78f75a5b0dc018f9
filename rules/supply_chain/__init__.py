"""Code and templates fetched from elsewhere at start-up."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
