"""Template analyses kept between runs: a run whose templates did not change parses no SQL.

(Also what other analyses of a template's renderings derive, e.g. the columns
a SELECT returns: :meth:`AnalysisMemo.recall` and :meth:`AnalysisMemo.keep`.)

:func:`~mcplint.model.template_analysis.analyse` renders a template with
sentinels and parses each rendering with sqlglot. On a pre-commit run of one
endpoint file whose template did not change, importing sqlglot and its DuckDB
dialect for that parse was over a third of the run. The analysis depends only
on the template's text, the sections always present (required fields) and the
code that computes it (mcplint's and sqlglot's, which the result cache's
context names), so the result cache keeps it under a digest of the first two
and a later run takes it from there.

The cache lives in a tree an attacker may have written: an entry is used only
if every part of it fits the template it is looked up for (each position is an
interpolation of that template, each context one mcplint knows, each scenario
names that template's sections); anything else is computed afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcplint.loaders.mustache import MustacheTemplate
from mcplint.model.template_analysis import (
    MAX_SCENARIOS,
    Context,
    Located,
    TagContext,
    TemplateAnalysis,
    section_names,
)

_CONTEXTS = {context.value: context for context in Context}


@dataclass
class AnalysisMemo:
    """Analyses read from the cache (as JSON, checked when used) and those this run computed."""

    stored: Mapping[str, Any] = field(default_factory=dict)
    added: dict[str, Any] = field(default_factory=dict)
    enabled: bool = False  # only a run with the result cache on keeps anything

    def lookup(self, template: MustacheTemplate, always: frozenset[str]) -> TemplateAnalysis | None:
        data = self.recall("analysis", template, sorted(always))
        if data is None:
            return None
        try:
            return _decode(template, data)
        except (ValueError, TypeError, KeyError):
            return None  # not an analysis of this template: computed afresh

    def remember(self, template: MustacheTemplate, always: frozenset[str], analysis: TemplateAnalysis) -> None:
        if self.enabled:
            self.keep("analysis", template, _encode(analysis), sorted(always))

    def recall(self, kind: str, template: MustacheTemplate, extra: object = None) -> Any:
        """What an earlier run kept as ``kind`` for this template text (JSON: the caller checks it), or None."""
        return self.stored.get(_key(kind, template, extra)) if self.stored else None

    def keep(self, kind: str, template: MustacheTemplate, value: Any, extra: object = None) -> None:
        """Keep ``value`` (JSON data that depends only on the template's text, ``extra`` and the code)."""
        if self.enabled:
            self.added[_key(kind, template, extra)] = value


def _key(kind: str, template: MustacheTemplate, extra: object) -> str:
    text = json.dumps([kind, template.text, extra])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _encode(analysis: TemplateAnalysis) -> dict[str, Any]:
    return {
        "contexts": [
            [start, c.located.context.value, c.located.detail, c.located.inner.value if c.located.inner else None,
             list(c.scenario.items())]
            for start, c in sorted(analysis.contexts.items())
        ],
        "error": analysis.parse_error,
        "tried": analysis.scenarios_tried,
    }


def _decode(template: MustacheTemplate, data: Any) -> TemplateAnalysis:
    tags = {interpolation.tag.start: interpolation.tag for interpolation in template.interpolations()}
    sections = set(section_names(template))
    error, tried = data["error"], data["tried"]
    if not (error is None or isinstance(error, str)) or type(tried) is not int or not 0 <= tried <= MAX_SCENARIOS:
        raise ValueError("analysis")
    contexts: dict[int, TagContext] = {}
    for start, context, detail, inner, scenario in data["contexts"]:
        if type(start) is not int or start not in tags or start in contexts or not isinstance(detail, str):
            raise ValueError("analysis")
        if not all(isinstance(name, str) and name in sections and type(on) is bool for name, on in scenario):
            raise ValueError("analysis")
        located = Located(_CONTEXTS[context], detail, None if inner is None else _CONTEXTS[inner])
        contexts[start] = TagContext(tags[start], located, dict(scenario))
    return TemplateAnalysis(contexts, error, tried)
