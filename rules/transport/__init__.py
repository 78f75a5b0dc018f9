"""TLS, listening addresses and plain-HTTP connections."""

from mcplint.engine.rule import Rule
from mcplint.rules.transport import client_network, client_transport, file_permissions, flapi_tls, service_transport

RULES: tuple[Rule, ...] = (
    *flapi_tls.RULES,
    *client_transport.RULES,
    *client_network.RULES,
    *service_transport.RULES,
    *file_permissions.RULES,
)
