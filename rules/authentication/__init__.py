"""Authentication that is not what the configuration suggests."""

from mcplint.engine.rule import Rule
from mcplint.rules.authentication import endpoint_auth, mcp_auth, pgedge_auth, token_checks

RULES: tuple[Rule, ...] = (*endpoint_auth.RULES, *mcp_auth.RULES, *token_checks.RULES, *pgedge_auth.RULES)
