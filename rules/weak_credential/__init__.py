"""Basic-auth passwords that flAPI stores or checks in a weak or broken way."""

from mcplint.engine.rule import Rule
from mcplint.rules.weak_credential import bcrypt_password, md5_password, plaintext_password, unexpanded_variable

RULES: tuple[Rule, ...] = (
    plaintext_password.RULE,
    md5_password.RULE,
    unexpanded_variable.RULE,
    bcrypt_password.RULE,
)
