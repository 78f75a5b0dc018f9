"""TLS, listening addresses and plain-HTTP connections."""

from mcplint.engine.rule import Rule
from mcplint.rules.transport import client_transport, file_permissions, flapi_tls, service_transport

RULES: tuple[Rule, ...] = (
    *flapi_tls.RULES,
    *client_transport.RULES,
    *service_transport.RULES,
    *file_permissions.RULES,
)
