"""flAPI's text pre-processing, emulated with a source map.

flAPI reads an endpoint or main YAML file as text, replaces ``{{env.NAME}}``
and ``{{include…}}`` directives, and only then parses YAML (see
flapi-semantics.md §2). mcplint does the same so that it sees the document
flAPI sees, but keeps a map from every character back to the file it came
from: a finding in included text points into the included file.

Faithful details:
- directives on a full-line YAML comment are not processed;
- included files are inserted as they are, not pre-processed again (flAPI
  loads them with a plain YAML load), so include cycles cannot occur;
- ``{{include:SECTION from f}}`` inserts ``SECTION: <value>`` from ``f``'s
  top level; mcplint inserts the original text of that key and value;
- ``if false`` drops the include; every other condition (``if env.X``,
  ``if !env.X``, ``if true``) depends on the runtime environment or is true,
  so the include is analysed as present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol
from collections.abc import Callable

from mcplint.diagnostics import Diagnostic, DiagnosticKind
from mcplint.lazy_re import lazy_compile
from mcplint.loaders.env_refs import mark_env_refs, unmark_env_refs
from mcplint.loaders.textmap import MappedText
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import MappingNode, Node

INCLUDE_RE = lazy_compile(
    r"\{\{include(?::([^}]+))?\s+from\s+((?:[^{}]|\{\{[^}]*\}\})*?)(?:\s+if\s+([^}]+))?\}\}"
)


class Fragment(Protocol):
    """An include target as the resolver hands it over (parsed once, cached)."""

    source: SourceFile
    marked_text: str
    root: Node | None
    parse_diagnostics: list[Diagnostic]


# Resolves an include target named in ``including``; returns a Fragment or a
# one-line reason why it cannot be followed.
Resolver = Callable[[SourceFile, str], "Fragment | str"]


@dataclass(frozen=True, slots=True)
class IncludeDirective:
    span: Span
    section: str | None
    target: str
    condition: str | None
    fragment_path: str | None  # root-relative path of the file inserted, if any
    fragment_range: tuple[int, int] = (0, 0)  # offsets of the inserted text in that file

    def inserted(self, span: Span) -> bool:
        """Whether ``span`` lies in the text this directive inserted."""
        start, end = self.fragment_range
        return span.path == self.fragment_path and start <= span.start_offset < max(end, start + 1)


@dataclass
class FlapiText:
    mapped: MappedText
    includes: list[IncludeDirective] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _on_comment_line(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    prefix = text[line_start:pos].lstrip(" \t")
    return prefix.startswith("#")


def _condition_is_false(condition: str | None) -> bool:
    return condition is not None and condition.strip() == "false"


# Include amplification: each directive inserts its fragment again (flAPI does the same), so one
# small endpoint naming a 400 KB fragment 60 times expanded to 24 MB and ended the run with
# MemoryError. Per including file and per run, the number of insertions and the inserted text are
# bounded; a directive past a bound is not followed and is reported where it stands.
MAX_INCLUDES_PER_FILE = 200
MAX_INSERTED_PER_FILE = 4 * 1024 * 1024  # characters
MAX_INCLUDES_PER_RUN = 20_000
MAX_INSERTED_PER_RUN = 64 * 1024 * 1024  # characters


@dataclass
class IncludeBudget:
    """What a whole run may still insert (one per model build); each file gets its own bound too."""

    includes: int = MAX_INCLUDES_PER_RUN
    characters: int = MAX_INSERTED_PER_RUN


@dataclass
class _FileBudget:
    run: IncludeBudget
    includes: int = MAX_INCLUDES_PER_FILE
    characters: int = MAX_INSERTED_PER_FILE

    def refusal(self, size: int) -> str | None:
        """Why inserting ``size`` more characters is over a bound, or None (then it is spent)."""
        if self.includes <= 0:
            return f"more than {MAX_INCLUDES_PER_FILE} includes in one file"
        if size > self.characters:
            return f"the includes of this file would insert more than {MAX_INSERTED_PER_FILE // (1024 * 1024)} MB"
        if self.run.includes <= 0:
            return f"more than {MAX_INCLUDES_PER_RUN} includes in this run"
        if size > self.run.characters:
            return f"the includes of this run would insert more than {MAX_INSERTED_PER_RUN // (1024 * 1024)} MB"
        self.includes -= 1
        self.characters -= size
        self.run.includes -= 1
        self.run.characters -= size
        return None


def preprocess(source: SourceFile, resolve: Resolver, budget: IncludeBudget | None = None) -> FlapiText:
    marked = mark_env_refs(source.text)
    mapped = MappedText(source)
    result = FlapiText(mapped)
    if "{{include" not in marked:
        mapped.append(source, 0, marked)
        mapped.finish()
        return result
    cursor = 0
    spend = _FileBudget(budget if budget is not None else IncludeBudget())
    for match in INCLUDE_RE.finditer(marked):
        if _on_comment_line(marked, match.start()):
            continue
        mapped.append(source, cursor, marked[cursor : match.start()])
        cursor = match.end()
        _insert(source, match, resolve, result, spend)
    mapped.append(source, cursor, marked[cursor:])
    mapped.finish()
    return result


def _insert(source: SourceFile, match: re.Match[str], resolve: Resolver, out: FlapiText, spend: _FileBudget) -> None:
    span = source.span(match.start(), match.end())
    section = match.group(1).strip() if match.group(1) else None
    target_marked = match.group(2).strip()
    target, env_names = unmark_env_refs(target_marked)
    condition = match.group(3).strip() if match.group(3) else None

    def record(path: str | None, inserted: tuple[int, int] = (0, 0)) -> None:
        out.includes.append(IncludeDirective(span, section, target, condition, path, inserted))

    def problem(kind: DiagnosticKind, message: str) -> None:
        out.diagnostics.append(Diagnostic(kind, span, message))
        record(None)

    if _condition_is_false(condition):
        record(None)
        return
    if env_names:
        problem(
            DiagnosticKind.SKIPPED_FILE,
            f"include not followed: its path depends on the environment ({{{{env.{env_names[0]}}}}})",
        )
        return
    fragment = resolve(source, target)
    if isinstance(fragment, str):
        problem(DiagnosticKind.INCLUDE_ERROR, fragment)
        return
    if section is None:
        refused = spend.refusal(len(fragment.marked_text))
        if refused:
            problem(DiagnosticKind.INCLUDE_ERROR, _not_followed(refused))
            return
        out.mapped.append(fragment.source, 0, fragment.marked_text)
        record(fragment.source.path, (0, len(fragment.marked_text)))
        return
    if fragment.root is None:
        reason = "is not valid YAML" if fragment.parse_diagnostics else "is empty"
        problem(
            DiagnosticKind.INCLUDE_ERROR,
            f"include of section `{section}` failed: `{target}` {reason}",
        )
        return
    pair = fragment.root.get_pair(section) if isinstance(fragment.root, MappingNode) else None
    if pair is None:
        problem(
            DiagnosticKind.INCLUDE_ERROR,
            f"section `{section}` not found at the top level of `{target}`; flAPI refuses this file",
        )
        return
    key, value = pair
    start, end = key.span.start_offset, max(value.span.end_offset, key.span.end_offset)
    refused = spend.refusal(end - start)
    if refused:
        problem(DiagnosticKind.INCLUDE_ERROR, _not_followed(refused))
        return
    out.mapped.append(fragment.source, start, fragment.marked_text[start:end])
    record(fragment.source.path, (start, end))


def _not_followed(refused: str) -> str:
    return f"include not followed: {refused} (a bound against include amplification)"
