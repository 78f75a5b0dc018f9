"""Secrets written into configuration: found everywhere, never printed."""

from mcplint.engine.rule import Rule
from mcplint.rules.hardcoded_secret import (
    config_literals,
    high_entropy,
    known_default,
    placeholder,
    secret_key_literal,
    token_shape,
    unexpanded_reference,
    url_credentials,
)

RULES: tuple[Rule, ...] = (
    token_shape.RULE,
    url_credentials.RULE,
    secret_key_literal.RULE,
    high_entropy.RULE,
    unexpanded_reference.RULE,
    known_default.RULE,
    placeholder.RULE,
    *config_literals.RULES,
)
