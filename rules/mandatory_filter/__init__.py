"""Write and delete statements that one call can apply to every row."""

from mcplint.engine.rule import Rule
from mcplint.rules.mandatory_filter import destructive_statement, optional_only_filter, unfiltered_write, write_guards

RULES: tuple[Rule, ...] = (
    unfiltered_write.RULE,
    optional_only_filter.RULE,
    destructive_statement.RULE,
    write_guards.VALIDATION_OFF,
    write_guards.NO_TRANSACTION,
)
