"""Whether calls are recorded."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
