"""TLS, listening addresses and plain-HTTP connections."""

from mcplint.engine.rule import Rule

RULES: tuple[Rule, ...] = ()
