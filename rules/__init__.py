"""The mcplint rule pack.

One folder per category; each folder's ``__init__`` lists its rules in
``RULES`` and each rule (or small family sharing a check) lives in its own
module. The engine reads ``ALL_RULES`` and knows no rule by name;
``tests/test_rule_pack.py`` fails when a module defines a rule that is not listed.
"""

from mcplint.rules import audit
from mcplint.rules import authentication
from mcplint.rules import authorization
from mcplint.rules import config_error
from mcplint.rules import cors
from mcplint.rules import data_exposure
from mcplint.rules import hardcoded_secret
from mcplint.rules import mandatory_filter
from mcplint.rules import resource_limits
from mcplint.rules import sql_injection
from mcplint.rules import supply_chain
from mcplint.rules import tool_poisoning
from mcplint.rules import transport
from mcplint.rules import weak_credential

ALL_RULES = (
    *cors.RULES,
    *weak_credential.RULES,
    *hardcoded_secret.RULES,
    *sql_injection.RULES,
    *mandatory_filter.RULES,
    *tool_poisoning.RULES,
    *authentication.RULES,
    *authorization.RULES,
    *transport.RULES,
    *resource_limits.RULES,
    *data_exposure.RULES,
    *audit.RULES,
    *supply_chain.RULES,
    *config_error.RULES,
)
