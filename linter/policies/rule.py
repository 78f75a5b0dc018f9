"""A compiled policy as an ordinary :class:`~mcplint.engine.rule.Rule`.

Because it is a Rule, everything the engine does for built-in rules applies
unchanged: selection by id, name or category, levels, per-file ignores,
inline suppressions, the baseline, fingerprints, workers, every reporter. The
only additions are SARIF metadata: a ``policy`` tag, and the policy file and
its sha256 digest in the rule's properties, so a code-scanning history shows
when a policy changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.policies.conditions import Outcome, judge
from mcplint.policies.facts import Record, Value
from mcplint.policies.loader import CompiledPolicy

_PLACEHOLDER = lazy_compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_.-]*)\}")  # `{{`, `}}`: literal braces
MAX_MESSAGE_VALUE = 120


@dataclass(frozen=True)
class PolicyRule(Rule):
    policy_file: str = ""
    policy_digest: str = ""
    policy: CompiledPolicy | None = field(default=None, compare=False, repr=False)

    @property
    def tags(self) -> list[str]:
        return [*super().tags, "policy"]

    @property
    def sarif_properties(self) -> dict[str, Any]:
        """Added to the SARIF rule descriptor's properties."""
        return {"policyFile": self.policy_file, "policyDigest": f"sha256:{self.policy_digest}"}

    def metadata(self) -> dict[str, Any]:
        data = super().metadata()
        data["policy"] = {"file": self.policy_file, "sha256": self.policy_digest}
        return data


@dataclass(frozen=True)
class Verdict:
    """One record as a policy judged it (``mcplint policy explain``)."""

    record: Record
    selected: bool
    selection: Outcome | None
    outcome: Outcome | None  # None when not selected
    unknown: bool = False  # `known: false` (a table named by a template value)


def verdicts(policy: CompiledPolicy, unit: object) -> Iterator[Verdict]:
    for record in policy.entity.records(unit):
        selection = judge(policy.where, record) if policy.where is not None else None
        if selection is not None and not selection.ok:
            yield Verdict(record, False, selection, None)
            continue
        if "known" in record.fields and record.get("known").value is False:
            yield Verdict(record, policy.on_unknown == "report", selection, None, unknown=True)
            continue
        yield Verdict(record, True, selection, judge(policy.require, record))


def _text(value: object) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(v.value if isinstance(v, Value) else v) for v in value[:20])
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).replace("\n", " ")
    return text[:MAX_MESSAGE_VALUE] + ("…" if len(text) > MAX_MESSAGE_VALUE else "")


def render_message(policy: CompiledPolicy, record: Record, outcome: Outcome) -> str:
    """The message template with `{placeholders}` filled; no format strings, no attribute access."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group()[0]
        if name == "label":
            return record.label
        if name == "field":
            return outcome.field or ""
        if name == "value":
            field = policy.entity.field(outcome.field.rstrip("[]")) if outcome.field else None
            if field is not None and not field.quotable:
                return "(not shown)"
            return _text(outcome.value)
        return _text(record.get(name).value)

    return _PLACEHOLDER.sub(fill, policy.message)


def _check(policy: CompiledPolicy):  # type: ignore[no-untyped-def]
    def check(unit: object) -> Iterator[Finding]:
        for verdict in verdicts(policy, unit):
            record = verdict.record
            if verdict.unknown:
                if verdict.selected:
                    yield Finding(
                        span=record.anchor,
                        message=(
                            f"{record.label}: the name comes from a template value (or the SQL does not parse), so "
                            f"policy {policy.id} cannot tell whether it holds (`on-unknown: ignore` accepts this)"
                        ),
                        logical_location=f"{policy.entity.name}:{record.label}",
                        identity="unknown",
                    )
                continue
            outcome = verdict.outcome
            if outcome is None or outcome.ok:
                continue
            yield Finding(
                span=outcome.where,
                message=render_message(policy, record, outcome),
                logical_location=f"{policy.entity.name}:{record.label}",
                identity=outcome.field,
            )

    return check


def to_rule(policy: CompiledPolicy) -> PolicyRule:
    return PolicyRule(
        id=policy.id,
        name=policy.name,
        category=policy.category,
        level=Level(policy.level),
        security_severity=policy.security_severity,
        precision=policy.precision,
        cwe=policy.cwe,
        short_description=policy.short_description,
        full_description=policy.full_description,
        why=policy.why,
        fix=policy.fix,
        bad=Example(dict(policy.bad), policy.bad_description),
        good=Example(dict(policy.good), policy.good_description),
        target=policy.entity.target,
        check=_check(policy),
        references=policy.references,
        policy_file=policy.file,
        policy_digest=policy.digest,
        policy=policy,
    )
