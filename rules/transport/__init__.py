"""TLS, listening addresses and plain-HTTP connections."""

from mcplint.engine.rule import Rule
from mcplint.rules.transport import flapi_tls

RULES: tuple[Rule, ...] = (*flapi_tls.RULES,)
