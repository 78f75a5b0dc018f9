"""The rule engine: registry and selection, running rules, suppressions, ordering."""
