"""Who may call what, once authenticated."""

from mcplint.engine.rule import Rule
from mcplint.rules.authorization import client_authz, client_privileges, flapi_access, fluxbase_authz, pgedge_authz

RULES: tuple[Rule, ...] = (
    *flapi_access.RULES,
    *client_authz.RULES,
    *fluxbase_authz.RULES,
    client_authz.SERVICE_KEY_FOR_CLIENT,
    *client_privileges.RULES,
    *pgedge_authz.RULES,
)
