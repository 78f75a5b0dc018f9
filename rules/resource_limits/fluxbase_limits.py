"""LIMIT020: Fluxbase's MCP server without a rate limit.

other-configs.md: ``mcp.rate_limit_per_min: 0`` is accepted and means no limit
(per client key). Fluxbase's own default, when the key is absent, is 100 per
minute, so only an explicit 0 switches the limit off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Rule, Level
from mcplint.model import FluxbaseConfig, Target
from mcplint.model.values import as_bool
from mcplint.rules.authorization.fluxbase_authz import setting_value
from mcplint.tree import MappingNode, ScalarNode


def check(config: FluxbaseConfig) -> Iterator[Finding]:
    root = config.mapping
    mcp = setting_value(root, "mcp")
    if not isinstance(mcp, MappingNode) or as_bool(setting_value(mcp, "enabled")) is False:
        return
    node = setting_value(mcp, "rate_limit_per_min")
    if not isinstance(node, ScalarNode) or node.is_null or not re.fullmatch(r"\s*[+-]?0+\s*", node.text):
        return
    yield Finding(
        span=node.span,
        message=(
            "Fluxbase `mcp.rate_limit_per_min: 0` switches the MCP rate limit off: one client key (or a model "
            "stuck in a loop, or one following injected instructions) can call tools without bound, running "
            "up database load and cost; set a limit such as 60, or remove the line (the default is 100)"
        ),
        logical_location="mcp.rate_limit_per_min",
    )


_FLUX = (
    "database:\n  host: localhost\n  user: fluxbase\n  password: ''\nmcp:\n  enabled: true\n"
    "  allowed_tools: [query_table]\n  allowed_resources: [schema://tables]\n  rate_limit_per_min: {limit}\n"
)

RULE = Rule(
    id="LIMIT020",
    name="fluxbase-mcp-no-rate-limit",
    category="resource-limits",
    level=Level.WARNING,
    security_severity=4.5,
    precision="very-high",
    cwe=(770,),
    short_description="Fluxbase's MCP server has its rate limit switched off.",
    full_description=(
        "`mcp.rate_limit_per_min` is 0, which Fluxbase accepts as \"no limit\". A missing key is not "
        "reported: Fluxbase's default is 100 requests per minute per client key. `mcp.enabled: false` "
        "silences the rule."
    ),
    why=(
        "Agents retry and loop; without a limit one key can exhaust database connections and query budget, "
        "and a prompt injection can make an assistant scrape data as fast as the server answers."
    ),
    fix="Set `mcp.rate_limit_per_min` to what your assistants need (e.g. 60), or remove it for the default 100.",
    bad=Example({"fluxbase.yaml": _FLUX.format(limit=0)}),
    good=Example({"fluxbase.yaml": _FLUX.format(limit=60)}),
    target=Target.FLUXBASE,
    check=check,
)
