"""Organisation policies as data: YAML files that compile into ordinary rules.

``.mcplint/policies/*.yaml`` (or the files the configuration's ``policies``
names) hold ``version: 1`` and a list of policies. Each one addresses an
entity of the typed model (``for: tool``), selects records (``where``) and
states what must hold (``require``) in a closed set of conditions; it
becomes a :class:`~mcplint.policies.rule.PolicyRule` beside the built-in
rules. See docs/policies.md and docs/policies-reference.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcplint.policies.files import DEFAULT_POLICY_GLOBS, PolicyError, policy_files

if TYPE_CHECKING:
    from mcplint.policies.loader import CompiledPolicy
    from mcplint.policies.rule import PolicyRule

__all__ = [
    "DEFAULT_POLICY_GLOBS", "CompiledPolicy", "PolicyError", "PolicyRule", "builtin_prefixes", "load_policy_rules",
    "policy_base", "registry_with_policies",
]

def __getattr__(name: str) -> Any:
    """``mcplint.policies.PolicyRule`` and ``CompiledPolicy`` still resolve, importing their module then:
    a run whose globs name no policy file needs only mcplint.policies.files."""
    if name == "CompiledPolicy":
        from mcplint.policies.loader import CompiledPolicy

        return CompiledPolicy
    if name == "PolicyRule":
        from mcplint.policies.rule import PolicyRule

        return PolicyRule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def builtin_prefixes(rules) -> set[str]:  # type: ignore[no-untyped-def]
    """The letter prefixes of the built-in rule ids (CORS, SQLI, …), read from the registry."""
    return {re.match(r"[A-Z]+", rule.id).group() for rule in rules}  # type: ignore[union-attr]


def policy_base(config, cwd: Path) -> Path:  # type: ignore[no-untyped-def]
    """Policy paths are relative to the configuration file's folder (the working folder without one)."""
    return config.path.parent if getattr(config, "path", None) is not None else cwd


def load_policy_rules(files: list[tuple[Path, str]], builtin) -> list[PolicyRule]:  # type: ignore[no-untyped-def]
    """Every policy of ``files`` as a rule; a broken file, a collision or too many policies is a PolicyError."""
    from mcplint.policies.loader import MAX_POLICIES, read_policy_file
    from mcplint.policies.rule import to_rule

    prefixes = builtin_prefixes(builtin)
    names = {rule.name for rule in builtin}
    ids = {rule.id for rule in builtin}
    seen: dict[str, CompiledPolicy] = {}
    seen_names: dict[str, CompiledPolicy] = {}
    rules: list[PolicyRule] = []
    for path, shown in files:
        for policy in read_policy_file(path, shown):
            prefix = re.match(r"[A-Z]+", policy.id).group()  # type: ignore[union-attr]
            clash = next((p for p in sorted(prefixes) if prefix.startswith(p)), None)
            if clash is not None or policy.id in ids:
                raise PolicyError(policy.file, policy.span, f"policy id `{policy.id}` collides with the built-in "
                                  f"rules' prefix `{clash or prefix}`; choose a prefix of your own (e.g. ACME001)")
            if policy.id in seen:
                first = seen[policy.id]
                raise PolicyError(policy.file, policy.span, f"policy id `{policy.id}` is already used at "
                                  f"{first.file}:{first.span.start_line}:{first.span.start_col}")
            if policy.name in names:
                raise PolicyError(policy.file, policy.span, f"policy name `{policy.name}` is a built-in rule's name")
            if policy.name in seen_names:
                first = seen_names[policy.name]
                raise PolicyError(policy.file, policy.span, f"policy name `{policy.name}` is already used at "
                                  f"{first.file}:{first.span.start_line}:{first.span.start_col}")
            seen[policy.id] = seen_names[policy.name] = policy
            rules.append(to_rule(policy))
            if len(rules) > MAX_POLICIES:
                raise PolicyError(policy.file, policy.span, f"more than {MAX_POLICIES} policies in one run")
    return rules


def registry_with_policies(config, cwd: Path, isolated: bool = False):  # type: ignore[no-untyped-def]
    """The default registry plus the configured policies (none with ``isolated``: no file of the tree is read).

    Raises :class:`PolicyError` for a broken policy or configured path.
    """
    from mcplint.engine.registry import Registry, default_registry

    registry = default_registry()
    if isolated:
        return registry
    configured = getattr(config, "policies", None)
    globs = list(configured) if configured is not None else list(DEFAULT_POLICY_GLOBS)
    files = policy_files(globs, policy_base(config, cwd))
    if not files:
        return registry
    rules = load_policy_rules(files, registry.rules)
    return Registry(tuple(registry.rules) + tuple(rules))


def nested_policy_rules(config, folder: Path, registry) -> list[PolicyRule]:  # type: ignore[no-untyped-def]
    """The policies a nested configuration (monorepo, settings_tree.py) names, relative to its folder.

    Ids must be unique in the run: a policy that repeats an id of ``registry`` (the built-in
    rules and every policy loaded so far) is a PolicyError, as two policies of one file are.
    """
    from mcplint.engine.registry import default_registry

    configured = getattr(config, "policies", None)
    globs = list(configured) if configured is not None else list(DEFAULT_POLICY_GLOBS)
    files = policy_files(globs, folder)
    if not files:
        return []
    rules = load_policy_rules(files, default_registry().rules)
    known = {rule.id: rule for rule in registry.rules}
    for rule in rules:
        if rule.id in known:
            policy = rule.policy
            raise PolicyError(policy.file, policy.span, f"policy id `{rule.id}` is already used by another policy "
                              "of this run (ids must be unique across the configurations of a monorepo)")
    return rules
