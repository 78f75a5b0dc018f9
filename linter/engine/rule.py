"""The rule contract: metadata next to logic, and what a rule reports.

A rule is a pure function from one model unit (a project, an endpoint, an
auth block, …) to :class:`Finding` objects. Its metadata feeds every output
(SARIF rule descriptors, ``mcplint rules``, ``mcplint explain``, the docs
pages) and its bad/good examples are real inputs the test suite runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from collections.abc import Callable, Iterable, Mapping

from mcplint.lazy_re import lazy_compile
from mcplint.model.model import Target
from mcplint.span import Span


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


CATEGORIES = (
    "cors",
    "weak-credential",
    "hardcoded-secret",
    "sql-injection",
    "mandatory-filter",
    "tool-poisoning",
    "authentication",
    "authorization",
    "transport",
    "resource-limits",
    "data-exposure",
    "audit",
    "supply-chain",
    "config-error",
)
PRECISIONS = ("very-high", "high", "medium", "low")
_ID = lazy_compile(r"^[A-Z]{2,5}[0-9]{3}$")
_NAME = lazy_compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports. The engine adds the rule, level and fingerprints.

    ``logical_location`` names the place independently of lines (a YAML path
    such as ``auth.users[0].password``); ``identity`` adds what distinguishes
    two findings at one place. ``secret`` marks a region that holds a secret:
    no output shows its text, and it is left out of fingerprints.
    """

    span: Span
    message: str
    level: Level | None = None
    logical_location: str = ""
    identity: str = ""
    secret: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)
    related: tuple[RelatedLocation, ...] = ()
    # Set by the engine, not by rules: every file whose content the finding depends on (the unit's
    # files: an endpoint's YAML, its includes and its template). A pre-commit run on any of them
    # reports the finding, so a change to a validator in the YAML shows the injection in the SQL.
    contributors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Example:
    """A runnable example: files by path relative to a project folder.

    Content is text, or bytes where the example is about undecodable input.
    ``modes`` gives POSIX file modes where the example is about permissions
    (a checkout's mode depends on the umask, so the example states it).
    """

    files: Mapping[str, str | bytes]
    description: str = ""
    modes: Mapping[str, int] = field(default_factory=dict)
    # False only for the engine's internal-error rule, which no input should trigger.
    runnable: bool = True


CheckFn = Callable[[Any], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    level: Level
    security_severity: float
    precision: str
    cwe: tuple[int, ...]
    short_description: str
    full_description: str
    why: str
    fix: str
    bad: Example
    good: Example
    target: Target | None  # None: reported by the engine itself, not checked on the model
    check: CheckFn | None
    references: tuple[str, ...] = ()
    # Where the claim about flAPI was checked against the released binary: the release and the
    # conformance test(s), e.g. "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_x)".
    # Empty for rules whose claim is not about flAPI's behaviour (or not verified yet).
    verified_on: str = ""

    @property
    def tags(self) -> list[str]:
        return ["security", self.category] + [f"external/cwe/cwe-{c}" for c in self.cwe]

    def help_markdown(self) -> str:
        """ruff-style help: what it does, why it matters, examples, fix."""
        parts = [
            f"# {self.id} {self.name}",
            "",
            f"**Category:** `{self.category}` · **Default level:** `{self.level.value}` · "
            f"**Severity:** {self.security_severity:.1f} · **Precision:** `{self.precision}`"
            + (f" · **CWE:** {', '.join(f'CWE-{c}' for c in self.cwe)}" if self.cwe else ""),
            "",
            "## What it does",
            "",
            self.full_description.strip(),
            "",
            *([f"**Verified on:** {self.verified_on.strip()}", ""] if self.verified_on.strip() else []),
            "## Why is this bad?",
            "",
            self.why.strip(),
            "",
            "## Example",
            "",
            *_example_markdown(self.bad),
            "## Use instead",
            "",
            *_example_markdown(self.good),
            "## How to fix",
            "",
            self.fix.strip(),
            "",
        ]
        if self.references:
            parts += ["## References", ""] + [f"- {ref}" for ref in self.references] + [""]
        return "\n".join(parts)

    def help_text(self) -> str:
        """Plain-text help (SARIF ``help.text``): the prose without the examples."""
        verified = f"\n\nVerified on: {self.verified_on.strip()}" if self.verified_on.strip() else ""
        return f"{self.full_description.strip()}{verified}\n\nWhy: {self.why.strip()}\n\nFix: {self.fix.strip()}"

    def metadata(self) -> dict[str, Any]:
        """Complete metadata as plain data (``mcplint rules --format json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "level": self.level.value,
            "security_severity": self.security_severity,
            "precision": self.precision,
            "cwe": list(self.cwe),
            "tags": self.tags,
            "short_description": self.short_description,
            "full_description": self.full_description.strip(),
            "why": self.why.strip(),
            "fix": self.fix.strip(),
            "help_markdown": self.help_markdown(),
            "examples": {
                "bad": {"description": self.bad.description, "files": _as_text(self.bad.files)},
                "good": {"description": self.good.description, "files": _as_text(self.good.files)},
            },
            "references": list(self.references),
            "verified_on": self.verified_on.strip(),
            "engine_reported": self.check is None,
        }


def _as_text(files: Mapping[str, str | bytes]) -> dict[str, str]:
    return {
        path: content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        for path, content in files.items()
    }


def _example_markdown(example: Example) -> list[str]:
    lines: list[str] = []
    if example.description:
        lines += [example.description.strip(), ""]
    for path, content in _as_text(example.files).items():
        language = {"yaml": "yaml", "yml": "yaml", "sql": "sql", "json": "json"}.get(path.rsplit(".", 1)[-1], "")
        mode = f" (mode `{example.modes[path]:04o}`)" if path in example.modes else ""
        lines += [f"`{path}`{mode}:", "", f"```{language}", content.rstrip("\n"), "```", ""]
    return lines


def validate_rule(rule: Rule) -> list[str]:
    """Contract violations of one rule's metadata (empty when complete)."""
    problems: list[str] = []
    if not _ID.match(rule.id):
        problems.append(f"{rule.id}: id must look like ABC123")
    if not _NAME.match(rule.name):
        problems.append(f"{rule.id}: name {rule.name!r} is not kebab-case")
    if rule.category not in CATEGORIES:
        problems.append(f"{rule.id}: unknown category {rule.category!r}")
    if not 0.1 <= rule.security_severity <= 10.0:
        problems.append(f"{rule.id}: security_severity must be within 0.1-10")
    if rule.precision not in PRECISIONS:
        problems.append(f"{rule.id}: precision must be one of {PRECISIONS}")
    for attr in ("short_description", "full_description", "why", "fix"):
        if not getattr(rule, attr).strip():
            problems.append(f"{rule.id}: {attr} is empty")
    if rule.short_description.strip().count(". ") > 0 or not rule.short_description.endswith("."):
        problems.append(f"{rule.id}: short_description must be one sentence ending with a period")
    if not rule.bad.files or not rule.good.files:
        problems.append(f"{rule.id}: bad and good examples are required")
    if (rule.check is None) != (rule.target is None):
        problems.append(f"{rule.id}: check and target go together")
    return problems
