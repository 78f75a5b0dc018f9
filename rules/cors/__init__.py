"""Cross-origin resource sharing: who may call the API from a browser."""

from mcplint.engine.rule import Rule
from mcplint.rules.cors import flapi_default_origin, flapi_origin_list, flapi_wildcard_origin, fluxbase_wildcard

RULES: tuple[Rule, ...] = (
    flapi_wildcard_origin.RULE,
    flapi_default_origin.RULE,
    flapi_origin_list.RULE,
    fluxbase_wildcard.WILDCARD,
    fluxbase_wildcard.WILDCARD_WITH_CREDENTIALS,
)
