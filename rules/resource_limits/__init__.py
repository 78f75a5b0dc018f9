"""Unbounded reads and missing rate limits."""

from mcplint.engine.rule import Rule
from mcplint.rules.resource_limits import fluxbase_limits, mcp_rate_limit, unbounded_read

RULES: tuple[Rule, ...] = (*mcp_rate_limit.RULES, unbounded_read.RULE, fluxbase_limits.RULE)
