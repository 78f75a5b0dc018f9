"""The set of known rules and selection by id, id prefix, name or category.

The registry gets its rules from the rule pack (``mcplint.rules.ALL_RULES``)
plus the engine's own rules; it knows none of them by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcplint.engine.rule import CATEGORIES, Rule, validate_rule


class SelectorError(ValueError):
    """A selector that matches no rule (a usage error, reported in one line)."""


@dataclass(frozen=True)
class Registry:
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        problems = [p for rule in self.rules for p in validate_rule(rule)]
        ids = [r.id for r in self.rules]
        names = [r.name for r in self.rules]
        problems += [f"duplicate rule id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
        problems += [f"duplicate rule name {n}" for n in sorted({n for n in names if names.count(n) > 1})]
        if problems:
            raise ValueError("invalid rule pack: " + "; ".join(problems))

    def get(self, key: str) -> Rule | None:
        """A rule by exact id (any case) or name."""
        upper = key.upper()
        for rule in self.rules:
            if rule.id == upper or rule.name == key:
                return rule
        return None

    def resolve(self, selector: str) -> set[str]:
        """Rule ids a selector names: ALL, an id or id prefix, a rule name, a category."""
        selector = selector.strip()
        if not selector:
            raise SelectorError("empty rule selector")
        if selector.upper() == "ALL":
            return {r.id for r in self.rules}
        if selector in CATEGORIES:
            return {r.id for r in self.rules if r.category == selector}
        rule = self.get(selector)
        if rule is not None:
            return {rule.id}
        prefixed = {r.id for r in self.rules if r.id.startswith(selector.upper())}
        if prefixed and selector[:1].isalpha():
            return prefixed
        raise SelectorError(f"unknown rule selector {selector!r} (try `mcplint rules`)")

    def select(
        self, select: list[str] | None, ignore: list[str] | None = None, extend: list[str] | None = None
    ) -> list[Rule]:
        """``select`` (default: all) plus ``extend``, minus ``ignore``; in registry order."""
        chosen = {r.id for r in self.rules} if not select else {i for s in select for i in self.resolve(s)}
        chosen |= {i for s in extend or [] for i in self.resolve(s)}
        chosen -= {i for s in ignore or [] for i in self.resolve(s)}
        return [r for r in self.rules if r.id in chosen]


def default_registry() -> Registry:
    from mcplint.engine.meta_rules import META_RULES
    from mcplint.rules import ALL_RULES

    return Registry(tuple(ALL_RULES) + tuple(META_RULES))
