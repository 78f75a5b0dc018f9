"""Code and templates fetched from elsewhere at start-up."""

from mcplint.engine.rule import Rule
from mcplint.rules.supply_chain import flapi_templates

RULES: tuple[Rule, ...] = (*flapi_templates.RULES,)
