"""Schema checks of the other formats mcplint reads: MCP client configs, Fluxbase, pgEdge.

The flAPI machinery (:func:`~mcplint.rules.config_error._flapi_schema.validate_tree`)
finds the problems with exact positions; this module decides which to report.
Every client and server here silently ignores keys it does not know, and real
files carry many keys mcplint has no opinion on (each client adds its own), so an
unknown key is reported only where its schema says so:

- ``x-mcplint-unknown-keys: all`` on a mapping (Fluxbase ``mcp`` and ``cors``,
  whose keys are known one by one) reports every unknown key;
- elsewhere an unknown key is reported when it looks like a misspelling of one of
  the mapping's ``x-mcplint-security-keys`` (``header`` for ``headers``,
  ``sslmode`` for Fluxbase's ``ssl_mode``, ``expires`` for ``expires_at``);
- ``x-mcplint-case-insensitive`` (Fluxbase: viper lower-cases every key) accepts
  a key that differs from a known one only in case.

Invalid values are reported as the schema finds them; ``x-mcplint-expected`` on
the value's schema says what the product accepts, in words.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from mcplint.lazy_re import lazy_compile
from mcplint.model import Document
from mcplint.rules.config_error._flapi_schema import SchemaIssue, validate_tree
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

CLIENT = "mcp-client"
FLUXBASE = "fluxbase"
PGEDGE = {"server": "pgedge-server", "tokens": "pgedge-tokens", "users": "pgedge-users"}
_SUGGESTED = lazy_compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Problem:
    """A schema problem worth reporting: an unknown key (with the key meant) or an invalid value."""

    issue: SchemaIssue
    meant: str = ""  # unknown-key: the key the author probably meant ('' when none is close)
    expected: str = ""  # invalid-value: what the product accepts, in words


_CACHE: weakref.WeakKeyDictionary[Document, tuple[Problem, ...]] = weakref.WeakKeyDictionary()


def problems(document: Document, kind: str, root: MappingNode | None = None) -> tuple[Problem, ...]:
    """The problems of one document validated as ``kind`` (computed once per document).

    ``root``: where the settings start when not at the document's root (Fluxbase in Helm values).
    """
    cached = _CACHE.get(document)
    if cached is None:
        root = root if root is not None else document.mapping
        issues = [] if root is None else validate_tree(root, kind, f"{kind}.schema.json")
        cached = tuple(p for p in map(_problem, issues) if p is not None)
        _CACHE[document] = cached
    return cached


def _problem(issue: SchemaIssue) -> Problem | None:
    schema = issue.schema if isinstance(issue.schema, dict) else {}
    if issue.kind == "invalid-value":
        return Problem(issue, expected=str(schema.get("x-mcplint-expected") or issue.expected or "a different value"))
    if issue.kind != "unknown-key":
        return None
    known = schema.get("properties", {})
    if schema.get("x-mcplint-case-insensitive") and issue.key.lower() in {k.lower() for k in known}:
        return None
    found = _SUGGESTED.search(issue.suggestion)
    meant = found.group(1) if found else ""
    if schema.get("x-mcplint-unknown-keys") == "all":
        return Problem(issue, meant=meant)
    if meant and meant in schema.get("x-mcplint-security-keys", ()):
        return Problem(issue, meant=meant)
    return None


_SAFE_TO_SHOW = frozenset({"boolean", "integer", "sslmode", "provider"})


def shown_value(problem: Problem) -> str:
    """How a message describes the invalid value: ``is `requir```, ``is a list``, ``has no value``.

    The text is shown only for values that cannot be secrets (booleans, numbers,
    modes): a header or an environment value in the wrong shape may hold a token.
    """
    node = problem.issue.node
    schema = problem.issue.schema if isinstance(problem.issue.schema, dict) else {}
    if isinstance(node, SequenceNode):
        return "is a list"
    if isinstance(node, MappingNode):
        return "is a mapping"
    if not isinstance(node, ScalarNode) or node.is_null:
        return "has no value"
    if schema.get("title") not in _SAFE_TO_SHOW or len(node.text) > 40 or "\n" in node.text:
        return "is a single value"
    return f"is `{node.text}`"
