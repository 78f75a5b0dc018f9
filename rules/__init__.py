"""The mcplint rule pack.

One rule (or one small family sharing a check) per module; every rule object
is listed here once. The engine reads ``ALL_RULES`` and knows no rule by name;
``tests/test_rule_pack.py`` fails when a module defines a rule that is not listed.
"""

from mcplint.rules.config_error import diagnostics as _config_error
from mcplint.rules.cors import flapi_default_origin, flapi_wildcard_origin, fluxbase_wildcard
from mcplint.rules.weak_credential import (
    bcrypt_password,
    md5_password,
    plaintext_password,
    unexpanded_variable,
)

ALL_RULES = (
    flapi_wildcard_origin.RULE,
    flapi_default_origin.RULE,
    fluxbase_wildcard.WILDCARD,
    fluxbase_wildcard.WILDCARD_WITH_CREDENTIALS,
    plaintext_password.RULE,
    md5_password.RULE,
    unexpanded_variable.RULE,
    bcrypt_password.RULE,
    *_config_error.RULES,
)
