"""Is this document valid? A quick answer for the common case, before jsonschema is asked.

Most configuration files are valid, and jsonschema (its import, then walking
every keyword through its generic machinery) costs more than the rest of
their checks. The bundled schemas use a small set of keywords, and the
documents reach the validator as flAPI reads them: strings, None, and maps
and lists of those (:func:`~mcplint.rules.config_error._flapi_schema.to_data`).
For exactly that, :func:`known_valid` decides validity itself, with each
schema turned once into nested Python checks.

It only ever answers "valid" (True) when jsonschema would find no error;
anything else (an error, or a keyword or value it does not know) is False,
and the caller then asks jsonschema, which finds and describes the errors.
So a mistake here could only hide an error if this code said "valid"
wrongly; the tests compare its verdict with jsonschema's on every fixture,
on random documents and on random changes to valid flAPI files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that say nothing about validity (and mcplint's own `x-mcplint-*` annotations).
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$schema", "$id", "$comment"})
_MAX_DEPTH = 60
_compiled: dict[int, tuple[Any, Check | None]] = {}  # id(schema) -> (schema, its check or None: unknown)


class _Unknown(Exception):
    """A keyword (or value) this check does not decide: jsonschema must."""


def known_valid(schema: Any, instance: Any) -> bool:
    """True only if ``instance`` is valid against ``schema`` (local ``$ref`` already inlined)."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        try:
            check: Check | None = _compile(schema, 0)
        except (_Unknown, re.error, RecursionError, TypeError):
            check = None
        if len(_compiled) >= 64:
            _compiled.clear()
        entry = _compiled[id(schema)] = (schema, check)  # the schema is kept: its id stays its own
    if entry[1] is None:
        return False
    try:
        return entry[1](instance)
    except (_Unknown, RecursionError, TypeError):  # TypeError: an instance of a shape never expected here
        return False


def _compile(schema: Any, depth: int) -> Check:
    if isinstance(schema, bool):
        return _ACCEPT if schema else _REJECT
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        raise _Unknown
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-") or keyword in ("then", "else"):
            continue  # `then` and `else` are compiled with their `if` (and mean nothing without it)
        make = _KEYWORDS.get(keyword)
        if make is None:
            raise _Unknown
        checks.append(make(value, schema, depth + 1))
    if len(checks) == 1:
        return checks[0]

    def all_hold(instance: Any) -> bool:
        for check in checks:
            if not check(instance):
                return False
        return True

    return all_hold


def _accept(instance: Any) -> bool:
    return True


def _reject(instance: Any) -> bool:
    return False


_ACCEPT, _REJECT = _accept, _reject


def _number(instance: Any) -> bool:
    """Numbers never reach the validator as numbers (flAPI reads text): if one does, jsonschema decides."""
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        raise _Unknown
    return False


def _type(value: Any, schema: dict[str, Any], depth: int) -> Check:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _Unknown
    kinds: set[type] = set()
    for name in names:
        if name in ("number", "integer"):
            continue
        kind = {"string": str, "null": type(None), "object": dict, "array": list, "boolean": bool}.get(name)
        if kind is None:
            raise _Unknown
        kinds.add(kind)
    numbers = "number" in names or "integer" in names

    def check(instance: Any) -> bool:
        return type(instance) in kinds or (numbers and _number(instance))

    return check


def _properties(value: Any, schema: dict[str, Any], depth: int) -> Check:
    if not isinstance(value, dict):
        raise _Unknown
    subs = {key: _compile(sub, depth) for key, sub in value.items()}

    def check(instance: Any) -> bool:
        if type(instance) is not dict:
            return True
        for key, item in instance.items():
            sub = subs.get(key)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _additional(value: Any, schema: dict[str, Any], depth: int) -> Check:
    if "patternProperties" in schema:
        raise _Unknown
    known = frozenset(schema.get("properties", {}))
    if value is False:
        return lambda instance: type(instance) is not dict or not (instance.keys() - known)
    sub = _compile(value, depth)
    return lambda instance: type(instance) is not dict or all(
        sub(item) for key, item in instance.items() if key not in known
    )


def _required(value: Any, schema: dict[str, Any], depth: int) -> Check:
    keys = tuple(value)
    return lambda instance: type(instance) is not dict or all(key in instance for key in keys)


def _enum(value: Any, schema: dict[str, Any], depth: int) -> Check:
    if not isinstance(value, list):
        raise _Unknown
    # A text or null instance can only equal a text or null option (JSON equality keeps types apart).
    allowed = frozenset(option for option in value if option is None or isinstance(option, str))

    def check(instance: Any) -> bool:
        if instance is not None and type(instance) is not str:
            raise _Unknown  # jsonschema's own equality (1 vs true, maps, lists) decides these
        return instance in allowed

    return check


def _const(value: Any, schema: dict[str, Any], depth: int) -> Check:
    return _enum([value], schema, depth)


def _any_of(value: Any, schema: dict[str, Any], depth: int) -> Check:
    subs = [_compile(sub, depth) for sub in value]
    return lambda instance: any(sub(instance) for sub in subs)


def _all_of(value: Any, schema: dict[str, Any], depth: int) -> Check:
    subs = [_compile(sub, depth) for sub in value]
    return lambda instance: all(sub(instance) for sub in subs)


def _not(value: Any, schema: dict[str, Any], depth: int) -> Check:
    sub = _compile(value, depth)
    return lambda instance: not sub(instance)


def _if(value: Any, schema: dict[str, Any], depth: int) -> Check:
    condition = _compile(value, depth)
    then = _compile(schema["then"], depth) if "then" in schema else _ACCEPT
    otherwise = _compile(schema["else"], depth) if "else" in schema else _ACCEPT
    return lambda instance: then(instance) if condition(instance) else otherwise(instance)


def _items(value: Any, schema: dict[str, Any], depth: int) -> Check:
    if "prefixItems" in schema:
        raise _Unknown
    sub = _compile(value, depth)
    return lambda instance: type(instance) is not list or all(sub(item) for item in instance)


def _pattern(value: Any, schema: dict[str, Any], depth: int) -> Check:
    search = re.compile(value).search  # as jsonschema: re.search on text, anything else passes
    return lambda instance: type(instance) is not str or search(instance) is not None


def _number_bound(value: Any, schema: dict[str, Any], depth: int) -> Check:
    def check(instance: Any) -> bool:
        _number(instance)  # a number here is for jsonschema to judge
        return True  # a bound on numbers says nothing about text, null, maps or lists

    return check


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any], int], Check]] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "enum": _enum,
    "const": _const,
    "anyOf": _any_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
    "items": _items,
    "pattern": _pattern,
    "minimum": _number_bound,
    "maximum": _number_bound,
    "exclusiveMinimum": _number_bound,
    "exclusiveMaximum": _number_bound,
}
