"""Code and templates fetched from elsewhere at start-up."""

from mcplint.engine.rule import Rule
from mcplint.rules.supply_chain import client_launch, client_packages, flapi_extensions, flapi_templates

RULES: tuple[Rule, ...] = (
    *flapi_templates.RULES, *flapi_extensions.RULES, *client_launch.RULES, *client_packages.RULES,
)
