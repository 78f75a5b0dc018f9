"""Whether calls are recorded."""

from mcplint.engine.rule import Rule
from mcplint.rules.audit import flapi_audit

RULES: tuple[Rule, ...] = (*flapi_audit.RULES,)
