"""Files mcplint (and flAPI) cannot read as intended."""

from mcplint.engine.rule import Rule
from mcplint.rules.config_error import diagnostics

RULES: tuple[Rule, ...] = (*diagnostics.RULES,)
