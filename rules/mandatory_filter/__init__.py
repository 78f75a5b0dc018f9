"""Write and delete statements that one call can apply to every row."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
