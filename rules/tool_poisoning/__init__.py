"""Text shown to the model that tries to steer it."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
