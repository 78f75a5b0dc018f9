"""Unbounded reads and missing rate limits."""

from mcplint.engine.rule import Rule
from mcplint.rules.resource_limits import mcp_rate_limit, unbounded_read

RULES: tuple[Rule, ...] = (*mcp_rate_limit.RULES, unbounded_read.RULE)
