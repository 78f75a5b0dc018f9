"""Authentication that is not what the configuration suggests."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
