"""Validating flAPI files against the bundled JSON Schemas, with exact positions.

The schemas (``schemas/flapi-config.schema.json`` and
``schemas/flapi-endpoint.schema.json``) describe what flAPI reads. They are
written for editors too, so they accept typed YAML values; mcplint feeds them
the tree as flAPI sees it instead: every scalar becomes its *text* (yaml-cpp
converts text on demand, so ``enabled: yes`` and ``max: "100"`` are what flAPI
accepts, and the schemas' string branches say exactly which texts convert).
Null scalars become ``None``. Each validation error's path leads back to the
positioned node, so a finding points at the offending key or value.

Fragments (YAML under ``template.path`` that is not an endpoint) are not
validated on their own: their top-level keys are section names chosen by the
author. The text they contribute through an include is validated as part of
the endpoint that includes it, and the finding points into the fragment.

Keys whose misspelling has a security consequence are reported by their own
rules (:data:`OWN_RULE`); the generic rules leave them alone.
"""

from __future__ import annotations

import difflib
import json
import re
import weakref
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from mcplint.model import Document
from mcplint.model import classify
from mcplint.rules.config_error._schema_fast_path import known_valid
from mcplint.schemas import load_schema
from mcplint.tree import KeyPath, MappingNode, Node, ScalarNode, SequenceNode

if TYPE_CHECKING:  # jsonschema is imported on first validation: a run without flAPI files never needs it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

MAIN = "main"
ENDPOINT = "endpoint"
_MAX_DEPTH = 40  # deeper than any schema: below this the shape is wrong anyway
MAX_SUGGESTIONS = 200  # unknown keys per mapping that get a "did you mean" (the findings of a file stop at 200)

# Paths (indices as ``[]``, free map keys as ``*``) whose problems have their own rule.
OWN_RULE: dict[str, dict[str, str]] = {
    MAIN: {
        "https": "TRANS001",
        "environment-whitelist": "CFG011",
        "server": "CFG011",
        "mcp.port": "CFG011",
        "mcp.host": "CFG011",
        "mcp.allow-list-changed-notifications": "CFG011",
        "connections.*.allow": "AUTHZ002",
        "auth.required": "AUTHN003",
        "mcp.auth.required": "AUTHN003",
    },
    ENDPOINT: {
        "auth.required": "AUTHN003",
        "request[].*": "CFG009",  # any key flAPI ignores in a request field or validator
        "request[].validators[].*": "CFG009",
        "rate-limit.requests": "CFG010",
        "rate-limit.window": "CFG010",
        "mcp-tool.rate-limit.requests": "CFG010",
        "mcp-tool.rate-limit.window": "CFG010",
        "rate_limit": "CFG010",
        "rateLimit": "CFG010",
    },
}
# Invalid values reported by their own rule (an unknown validator type checks nothing).
OWN_RULE_FOR_VALUES: dict[str, dict[str, str]] = {MAIN: {}, ENDPOINT: {"request[].validators[].type": "CFG009"}}
# Maps whose keys are names chosen by the author.
_FREE_MAPS = {MAIN: {"connections", "mcp.auth.methods", "duckdb"}, ENDPOINT: set()}

# Hints flAPI itself gives for common wrong top-level keys of the main file.
_MAIN_HINTS = {
    "rate-limit": "did you mean the global `rate_limit` (underscore)? `rate-limit` is the per-endpoint key",
    "description": "did you mean `project-description`?",
    "name": "did you mean `project-name`?",
    "port": "did you mean `http-port`?",
    "host": "did you mean `http-host`?",
    "template-source": "`template-source` belongs in an endpoint file, not the main configuration",
    "url-path": "`url-path` belongs in an endpoint file below `template.path`, not the main configuration",
}


@dataclass(frozen=True)
class SchemaIssue:
    """One problem found by the schema: an unknown key, a wrong value or a missing key.

    ``node`` is what the finding points at: the unknown key, the wrong value, or
    for a missing key the key of the mapping that lacks it (the first key of the
    file at the top level). ``where`` names the enclosing mapping (``mcp-tool``,
    ``request[0]``) or is empty at the top level.
    """

    kind: str  # "unknown-key" | "invalid-value" | "missing-key"
    document_kind: str  # MAIN | ENDPOINT
    node: Node
    path: KeyPath  # logical path of the key (unknown, missing) or value (invalid)
    key: str
    where: str
    expected: str = ""  # invalid-value: what flAPI accepts
    suggestion: str = ""  # unknown-key: a did-you-mean hint
    # The subschema of the mapping with the unknown key, or of the invalid value: other formats read
    # their own ``x-mcplint-*`` annotations from it (see ``validate_tree``). Not part of equality.
    schema: Any = field(default=None, compare=False, repr=False)

    @property
    def pattern(self) -> str:
        return path_pattern(self.path, self.document_kind)

    @property
    def own_rule(self) -> str | None:
        """The rule that reports this problem instead of the generic ones, if any."""
        pattern = self.pattern
        if self.kind == "invalid-value":
            return OWN_RULE_FOR_VALUES.get(self.document_kind, {}).get(pattern)
        if self.kind != "unknown-key":
            return None
        table = OWN_RULE.get(self.document_kind, {})
        if pattern in table:
            return table[pattern]
        parent = pattern.rsplit(".", 1)[0] if "." in pattern else ""
        return table.get(f"{parent}.*") if parent else None


def document_kind(document: Document) -> str | None:
    """MAIN or ENDPOINT for flAPI YAML files mcplint validates, else None."""
    if document.format != "yaml" or document.mapping is None:
        return None
    if classify.is_main_config(document.root):
        return MAIN
    if classify.is_endpoint(document.root):
        return ENDPOINT
    return None


_CACHE: weakref.WeakKeyDictionary[Document, tuple[SchemaIssue, ...]] = weakref.WeakKeyDictionary()


def schema_issues(document: Document) -> tuple[SchemaIssue, ...]:
    """Every schema problem of a main config or endpoint file (computed once per document)."""
    cached = _CACHE.get(document)
    if cached is None:
        kind = document_kind(document)
        cached = () if kind is None else tuple(_validate(document, kind))
        _CACHE[document] = cached
    return cached


_SCHEMA_FILES = {MAIN: "flapi-config.schema.json", ENDPOINT: "flapi-endpoint.schema.json"}


def validate_tree(root: MappingNode, kind: str, schema_file: str) -> list[SchemaIssue]:
    """Schema problems of any positioned tree against a bundled schema, with exact positions.

    The same machinery as for flAPI files, for other formats (MCP client configs,
    Fluxbase, pgEdge): ``kind`` names the format in the issues (the flAPI tables of
    own rules and author-named maps apply only to MAIN and ENDPOINT), ``schema_file``
    the schema in ``schemas/``. Not cached: callers validate each document once.
    """
    data = to_data(root)
    if known_valid(_inlined(schema_file), data):
        return []  # the usual case, decided without jsonschema (see _schema_fast_path.py)
    errors = sorted(_errors(data, schema_file), key=lambda e: list(map(str, e.path)))
    issues: list[SchemaIssue] = []
    for error in errors:
        issues.extend(_issues(error, root, kind))
    return issues


@cache
def _inlined(schema_file: str) -> dict[str, Any]:
    """A schema file with its local references inlined (MAIN and ENDPOINT name the flAPI schemas)."""
    schema = load_schema(_SCHEMA_FILES.get(schema_file, schema_file))
    definitions = schema.get("$defs", {})
    return {k: _inline(v, definitions) for k, v in schema.items() if k != "$defs"}


@cache
def _validator(schema_file: str) -> Draft202012Validator:
    """The jsonschema validator of a schema file (imported here: only documents with errors need it)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_inlined(schema_file))


_ANNOTATIONS = frozenset({"description", "default", "examples", "$schema", "$id"})


def _inline(node: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """The schema with local ``$ref`` replaced by their definitions and annotations dropped.

    Same meaning, about three times faster to validate with (no reference
    resolution, fewer keywords). ``title`` stays: messages are phrased from it.
    The bundled definitions are not recursive; the depth bound guards edits.
    """
    if depth > 50:
        raise ValueError("schema definitions nest too deeply (recursive $ref?)")
    if isinstance(node, list):
        return [_inline(item, definitions, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        out.update(_inline(definitions[ref[len("#/$defs/"):]], definitions, depth + 1))
    for key, value in node.items():
        if key == "$ref" or (key in _ANNOTATIONS and not isinstance(value, dict)) or key in out:
            continue
        out[key] = _inline(value, definitions, depth + 1) if isinstance(value, (dict, list)) else value
    return out


def to_data(node: Node | None, depth: int = 0) -> Any:
    """The tree as plain data, as flAPI reads it: scalars are their text, null is None.

    For duplicate keys the first pair wins (yaml-cpp's lookup rule); keys that
    are not scalars are left out (flAPI never looks them up).
    """
    if isinstance(node, ScalarNode):
        return None if node.is_null else node.text
    if depth >= _MAX_DEPTH:
        return "\u2026"
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key, value in node.pairs:
            if isinstance(key, ScalarNode) and key.text not in out:
                out[key.text] = to_data(value, depth + 1)
        return out
    if isinstance(node, SequenceNode):
        return [to_data(item, depth + 1) for item in node.items]
    return None


@dataclass(frozen=True)
class _Error:
    """What the issue mapping needs from a jsonschema error, with the path from the document root."""

    path: tuple[Any, ...]
    validator: str
    schema: Any
    instance: Any
    validator_value: Any


def _validate(document: Document, kind: str) -> list[SchemaIssue]:
    root = document.mapping
    assert root is not None
    return validate_tree(root, kind, _SCHEMA_FILES[kind]) + _required_by_flapi(root, kind)


# Keys flAPI refuses to start without that the editor schemas do not (yet) require: "Missing required
# key: project-description" (also project-name), and an enum validator's "validators.allowedValues".
# Seen on flAPI 26.10.2 and 26.6.28 (--validate-config).
_MAIN_REQUIRED = ("project-name", "project-description")


def _required_by_flapi(root: MappingNode, kind: str) -> list[SchemaIssue]:
    out: list[SchemaIssue] = []
    if kind == MAIN:
        for key in _MAIN_REQUIRED:
            if key not in root:
                out.append(SchemaIssue("missing-key", kind, _first_key(root), (key,), key, ""))
        return out
    request = root.get("request")
    if not isinstance(request, SequenceNode):
        return out
    for i, field_node in enumerate(request.items):
        validators = field_node.get("validators") if isinstance(field_node, MappingNode) else None
        if not isinstance(validators, SequenceNode):
            continue
        for j, validator in enumerate(validators.items):
            if not isinstance(validator, MappingNode) or "allowedValues" in validator:
                continue
            pair = validator.get_pair("type")
            if pair is None or not isinstance(pair[1], ScalarNode) or pair[1].text.strip() != "enum":
                continue
            path = ("request", i, "validators", j)
            out.append(SchemaIssue("missing-key", kind, pair[0], path + ("allowedValues",), "allowedValues",
                                   _where(path)))
    return out


def _errors(data: Any, schema_file: str) -> list[_Error]:
    """All schema errors of a document, validated in parts that repeat across files.

    The root is checked against a shell (its keys, required keys and the
    endpoint conditions); each top-level value, and each item of a top-level
    list (request fields, users), against its own subschema. Parts with the same
    content give the same errors, so they are validated once (``_part_errors``):
    endpoint files share request fields, auth blocks and limits. The result is
    exactly the full document's validation.
    """
    shell, parts = _split(schema_file)
    out = [_error(e) for e in shell.iter_errors(data)]
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        part = parts.get(key)
        if part is None:
            continue
        list_check, item_schema = part
        if item_schema is not None and isinstance(value, list):
            out.extend(_prefixed((key,), tuple(_error(e) for e in list_check.iter_errors(value))))
            for index, item in enumerate(value):
                out.extend(_prefixed((key, index), _part_errors(schema_file, key + "[]", item)))
        else:
            out.extend(_prefixed((key,), _part_errors(schema_file, key, value)))
    return out


def _prefixed(prefix: tuple[Any, ...], errors: tuple[_Error, ...]) -> list[_Error]:
    return [_Error(prefix + e.path, e.validator, e.schema, e.instance, e.validator_value) for e in errors]


_PART_CACHE: dict[tuple[str, str, str], tuple[_Error, ...]] = {}
_PART_CACHE_LIMIT = 10_000
_PART_CACHE_MAX_TEXT = 2_000


def _part_errors(schema_file: str, part: str, value: Any) -> tuple[_Error, ...]:
    """Errors of one part (relative paths), memoised by its content; a pure function of its arguments."""
    text = json.dumps(value, ensure_ascii=False)
    key = (schema_file, part, text)
    cached = _PART_CACHE.get(key)
    if cached is not None:
        return cached
    _, parts = _split(schema_file)
    value_check, item_check = parts[part[:-2] if part.endswith("[]") else part]
    validator = item_check if part.endswith("[]") else value_check
    assert validator is not None
    found = tuple(_error(e) for e in validator.iter_errors(value))
    if len(text) <= _PART_CACHE_MAX_TEXT:  # large parts rarely repeat; keep the memo small
        if len(_PART_CACHE) >= _PART_CACHE_LIMIT:
            _PART_CACHE.clear()
        _PART_CACHE[key] = found
    return found


def _error(error: ValidationError) -> _Error:
    return _Error(tuple(error.absolute_path), error.validator, error.schema, error.instance, error.validator_value)


_Parts = dict[str, "tuple[Draft202012Validator, Draft202012Validator | None]"]


@cache
def _split(schema_file: str) -> tuple[Draft202012Validator, _Parts]:
    """The root shell validator and, per top-level key, (value validator, list-item validator or None)."""
    from jsonschema import Draft202012Validator

    schema = _validator(schema_file).schema
    properties = schema.get("properties", {})
    shell = dict(schema)
    shell["properties"] = {key: True for key in properties}
    parts: _Parts = {}
    for key, sub in properties.items():
        items = sub.get("items") if isinstance(sub, dict) and isinstance(sub.get("items"), dict) else None
        if items is not None:
            without_items = {k: v for k, v in sub.items() if k != "items"}
            parts[key] = (Draft202012Validator(without_items), Draft202012Validator(items))
        else:
            parts[key] = (Draft202012Validator(sub), None)
    return Draft202012Validator(shell), parts


def _issues(error: _Error, root: MappingNode, kind: str) -> list[SchemaIssue]:
    path = error.path
    target = _find(root, path)
    if target is None:
        return []
    holder_key, node = target
    where = _where(path)
    if error.validator == "additionalProperties" and isinstance(node, MappingNode):
        properties = error.schema.get("properties", {})
        known = sorted(properties)
        out = []
        for key, _ in _first_pairs(node):
            if key.text in properties or key.text not in error.instance:
                continue
            # A suggestion costs a difflib search: a mapping of 100,000 unknown keys gets them for the first few.
            suggested = len(out) < MAX_SUGGESTIONS
            out.append(
                SchemaIssue(
                    "unknown-key", kind, key, path + (key.text,), key.text, where,
                    suggestion=_suggest(key.text, known, kind if not path else "") if suggested else "",
                    schema=error.schema,
                )
            )
        return out
    if error.validator == "required" and isinstance(node, MappingNode):
        anchor: Node = holder_key if holder_key is not None else _first_key(node)
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        return [SchemaIssue("missing-key", kind, anchor, path + (k,), k, where) for k in missing]
    if error.validator in ("anyOf", "type", "enum", "pattern", "const"):
        return [SchemaIssue("invalid-value", kind, node, path, _last_key(path), _where(path[:-1]),
                            expected=_expected(error), schema=error.schema)]
    return []


def _first_key(node: MappingNode) -> Node:
    """Where a problem of a whole mapping is shown: the key that makes a file an endpoint, else the first key."""
    pairs = _first_pairs(node)
    for key, _ in pairs:
        if key.text in classify.ENDPOINT_KEYS:
            return key
    return pairs[0][0] if pairs else node


def _first_pairs(node: MappingNode) -> list[tuple[ScalarNode, Node]]:
    seen: set[str] = set()
    out = []
    for key, value in node.pairs:
        if isinstance(key, ScalarNode) and key.text not in seen:
            seen.add(key.text)
            out.append((key, value))
    return out


def _find(root: MappingNode, path: tuple[Any, ...]) -> tuple[ScalarNode | None, Node] | None:
    """The node at ``path`` and the key that holds it (None for sequence items and the root)."""
    node: Node = root
    holder: ScalarNode | None = None
    for step in path:
        if isinstance(step, int) and isinstance(node, SequenceNode) and 0 <= step < len(node.items):
            node, holder = node.items[step], None
        elif isinstance(step, str) and isinstance(node, MappingNode):
            pair = node.get_pair(step)
            if pair is None:
                return None
            holder, node = pair
        else:
            return None
    return holder, node


def path_pattern(path: KeyPath, kind: str) -> str:
    """``request[].validators[].type``; keys of author-named maps become ``*``."""
    out = ""
    free = False
    for step in path:
        if isinstance(step, int):
            out += "[]"
        else:
            out += ("." if out else "") + ("*" if free else step)
        free = out in _FREE_MAPS.get(kind, ())
    return out


def _where(path: tuple[Any, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + str(step)
    return out


def _last_key(path: tuple[Any, ...]) -> str:
    for step in reversed(path):
        if isinstance(step, str):
            return step
    return ""


@lru_cache(maxsize=4096)
def _normal(key: str) -> str:
    return re.sub(r"[-_\s]", "", key).lower()


def _suggest(key: str, known: list[str], top_level_kind: str) -> str:
    return _suggestion(key, tuple(known), top_level_kind)


@lru_cache(maxsize=4096)
def _suggestion(key: str, known: tuple[str, ...], top_level_kind: str) -> str:
    """Memoised: a file repeating one typo thousands of times costs one difflib search."""
    if len(key) > 200:
        return ""  # no flAPI key is that long; difflib's cost grows with the length
    if top_level_kind == MAIN and key in _MAIN_HINTS:
        return _MAIN_HINTS[key]
    same = [k for k in known if _normal(k) == _normal(key)]
    if same:
        return f"did you mean `{same[0]}`?"
    prefixed = [k for k in known if min(len(k), len(key)) >= 3 and (_normal(key).startswith(_normal(k))
                                                                    or _normal(k).startswith(_normal(key)))]
    if len(prefixed) == 1:
        return f"did you mean `{prefixed[0]}`?"
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    if not close:
        by_normal = {_normal(k): k for k in known}
        close = [by_normal[m] for m in difflib.get_close_matches(_normal(key), list(by_normal), n=1, cutoff=0.8)]
    return f"did you mean `{close[0]}`?" if close else ""


_TITLE_PHRASES = {
    "boolean": "a boolean (`true`/`false`, `yes`/`no`, `on`/`off`)",
    "integer": "an integer",
    "number": "a number",
    "list": "a list",
    "text": "a single value",
}


def _expected(error: _Error) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum" or "enum" in schema:
        values = schema.get("enum", error.validator_value)
        shown: list[str] = []
        for value in values:
            if isinstance(value, str) and value.lower() not in (s.lower() for s in shown):
                shown.append(value)
        return "one of " + ", ".join(f"`{v}`" for v in shown)
    title = schema.get("title")
    if title in _TITLE_PHRASES:
        return _TITLE_PHRASES[title]
    if title == "operation type":
        return "`read` or `write`"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, list) else [wanted]
        if "object" in wanted:
            return "a mapping"
        if "array" in wanted:
            return "a list"
        return "a single value"
    return "a different value"
