"""Who may call what, once authenticated."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
