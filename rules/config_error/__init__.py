"""Files mcplint (and flAPI) cannot read as intended."""

from mcplint.engine.rule import Rule
from mcplint.rules.config_error import (
    client_no_servers,
    diagnostics,
    flapi_environment,
    flapi_ignored_keys,
    flapi_references,
    flapi_schema,
    other_schemas,
    rest_delete,
    sql_template,
)

RULES: tuple[Rule, ...] = (
    *diagnostics.RULES,
    *flapi_schema.RULES,
    *flapi_ignored_keys.RULES,
    *flapi_references.RULES,
    *flapi_environment.RULES,
    *other_schemas.RULES,
    sql_template.RULE,
    rest_delete.RULE,
    client_no_servers.RULE,
)
