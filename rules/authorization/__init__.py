"""Who may call what, once authenticated."""

from mcplint.engine.rule import Rule
from mcplint.rules.authorization import flapi_access

RULES: tuple[Rule, ...] = (*flapi_access.RULES,)
