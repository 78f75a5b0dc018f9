"""The closed set of conditions a policy is written in, and how one is judged on a record.

A condition is one of

* a test of a field: ``{field: F, <operator>: V}`` with one operator of
  :data:`OPERATORS` (``is: P`` without ``field`` tests the entity itself);
* a combination: ``{all-of: [C, …]}``, ``{any-of: [C, …]}``, ``{not: C}``;
* a quantifier over a list field: ``{each|some|none: F, <operator>: V}`` (the
  operator applies to every item), or ``{each|some|none: F, require: C}`` for
  a list of records.

No code, no network, no recursion beyond :data:`MAX_DEPTH`; every list a
condition names or walks is bounded. Judging returns an :class:`Outcome`
that says why, and where to point when it fails: the offending token, or the
nearest existing parent when the value is not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from mcplint.lazy_re import lazy_compile
from mcplint.policies.facts import Record, Value
from mcplint.policies.regex_guard import full_match
from mcplint.span import Span

MAX_DEPTH = 8  # nesting of combinators and quantifiers
MAX_CONDITIONS = 64  # conditions in one policy's `where` and `require` together
MAX_ITEMS_JUDGED = 1000  # list items a quantifier looks at (more are not judged)

# operator -> (field types it applies to, what its argument must be)
OPERATORS: dict[str, tuple[frozenset[str], str]] = {
    "equals": (frozenset({"string", "integer", "number", "boolean"}), "scalar"),
    "in": (frozenset({"string", "integer", "number"}), "list-of-scalars"),
    "not-in": (frozenset({"string", "integer", "number"}), "list-of-scalars"),
    "matches": (frozenset({"string"}), "regex"),
    "starts-with": (frozenset({"string"}), "string"),
    "min": (frozenset({"integer", "number"}), "number"),
    "max": (frozenset({"integer", "number"}), "number"),
    "length-min": (frozenset({"string", "list", "records"}), "count"),
    "length-max": (frozenset({"string", "list", "records"}), "count"),
    "exists": (frozenset({"string", "integer", "number", "boolean", "list", "records", "section"}), "boolean"),
    "subset-of": (frozenset({"list"}), "list-of-scalars"),
    "is-true": (frozenset({"boolean"}), "boolean"),
    "is": (frozenset({"string"}), "predicate"),
}
QUANTIFIERS = ("each", "some", "none")
COMBINATORS = ("all-of", "any-of", "not")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    where: Span
    reason: str
    value: object = None  # the value judged (for `{value}` in messages)
    field: str = ""


@dataclass(frozen=True)
class Test:
    field: str | None  # None: an entity predicate (`is:` alone)
    operator: str
    argument: object  # a compiled regex for `matches`, a predicate function for `is`


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


@dataclass(frozen=True)
class Quantified:
    quantifier: str  # each | some | none
    field: str
    item: Union[Test, Condition]  # a Test on each scalar item (field None), or a condition on each record


Condition = Union[Test, AllOf, AnyOf, Not, Quantified]


def show(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v.value if isinstance(v, Value) else v) for v in value[:20]) + "]"
    if isinstance(value, Record):
        return value.label
    text = str(value)
    return f"`{text[:80]}{'…' if len(text) > 80 else ''}`"


# ------------------------------------------------------------------ judging


def judge(condition: Condition, record: Record) -> Outcome:
    if isinstance(condition, Test):
        if condition.field is None:
            predicate = record.predicates[condition.argument]  # type: ignore[index]
            holds = predicate()
            return Outcome(holds, record.anchor, f"{record.label} {'is' if holds else 'is not'} {condition.argument}")
        return _test(condition, record.get(condition.field), condition.field)
    if isinstance(condition, AllOf):
        last = None
        for child in condition.children:
            last = judge(child, record)
            if not last.ok:
                return last
        assert last is not None
        return Outcome(True, last.where, "all of: " + last.reason, last.value, last.field)
    if isinstance(condition, AnyOf):
        # When none holds, point where the last alternative failed: policies put the escapes first
        # (`{field: mcp-tool, exists: false}`) and the real requirement last.
        last = None
        for child in condition.children:
            last = judge(child, record)
            if last.ok:
                return last
        assert last is not None
        return Outcome(False, last.where, "no alternative holds; the last: " + last.reason, last.value, last.field)
    if isinstance(condition, Not):
        inner = judge(condition.child, record)
        return Outcome(not inner.ok, inner.where, ("not: " if inner.ok else "") + inner.reason, inner.value,
                       inner.field)
    return _quantified(condition, record)


def _quantified(condition: Quantified, record: Record) -> Outcome:
    held = record.get(condition.field)
    items = held.value if isinstance(held.value, list) else []
    items = items[:MAX_ITEMS_JUDGED]
    name = condition.field
    results = []
    for item in items:
        if isinstance(item, Record):
            results.append(judge(condition.item, item))
        else:
            assert isinstance(condition.item, Test)
            results.append(_test(condition.item, item, f"{name}[]"))
    if condition.quantifier == "each":
        failed = next((r for r in results if not r.ok), None)
        if failed is not None:
            return Outcome(False, failed.where, f"an item of `{name}` fails: {failed.reason}", failed.value, name)
        return Outcome(True, held.where, f"every item of `{name}` holds ({len(results)} item(s))", held.value, name)
    if condition.quantifier == "some":
        passed = next((r for r in results if r.ok), None)
        if passed is not None:
            return Outcome(True, passed.where, f"an item of `{name}` holds: {passed.reason}", passed.value, name)
        why = results[0].reason if results else f"`{name}` is empty or not set"
        return Outcome(False, held.where, f"no item of `{name}` holds ({why})", held.value, name)
    matched = next((r for r in results if r.ok), None)
    if matched is not None:
        return Outcome(False, matched.where, f"an item of `{name}` matches: {matched.reason}", matched.value, name)
    return Outcome(True, held.where, f"no item of `{name}` matches", held.value, name)


def _test(test: Test, held: Value, name: str) -> Outcome:
    value, op, arg = held.value, test.operator, test.argument
    shown = f"`{name}` is {show(value)}" + ("" if held.written or value is None else " (the default)")

    def out(ok: bool, reason: str) -> Outcome:
        return Outcome(ok, held.where, reason, value, name)

    if op == "exists":
        present = held.written and value is not None
        return out(present == arg, f"`{name}` is {'written' if present else 'not written'}")
    if op == "equals":
        return out(value == arg and type(value) is type(arg) or _same_number(value, arg),
                   f"{shown}; expected {show(arg)}")
    if op == "in":
        return out(value is not None and value in arg, f"{shown}; allowed: {show(arg)}")  # type: ignore[operator]
    if op == "not-in":
        return out(value is None or value not in arg, f"{shown}; not allowed: {show(arg)}")  # type: ignore[operator]
    if op == "matches":
        ok = isinstance(value, str) and full_match(arg, value)  # type: ignore[arg-type]
        return out(ok, f"{shown}; {'matches' if ok else 'does not match'} `{arg.pattern}`")  # type: ignore[union-attr]
    if op == "starts-with":
        return out(isinstance(value, str) and value.startswith(arg), f"{shown}; expected to start with {show(arg)}")
    if op in ("min", "max"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return out(False, f"{shown}; expected a number")
        ok = value >= arg if op == "min" else value <= arg  # type: ignore[operator]
        return out(ok, f"{shown}; {'at least' if op == 'min' else 'at most'} {arg} required")
    if op in ("length-min", "length-max"):
        length = len(value) if isinstance(value, (str, list)) else 0
        ok = length >= arg if op == "length-min" else length <= arg  # type: ignore[operator]
        return out(ok, f"`{name}` has length {length}; {'at least' if op == 'length-min' else 'at most'} {arg}")
    if op == "subset-of":
        items = [v.value for v in value] if isinstance(value, list) else []
        extra = [i for i in items if i not in arg]  # type: ignore[operator]
        if extra:
            bad = next(v for v in value if v.value in extra)  # type: ignore[union-attr]
            return Outcome(False, bad.where, f"`{name}` holds {show(extra)}, outside {show(arg)}", extra, name)
        return out(True, f"`{name}` is within {show(arg)}")
    if op == "is-true":
        return out(value is arg, f"{shown}; expected {show(arg)}")
    if op == "is":
        predicate = STRING_PREDICATES[arg][0]  # type: ignore[index]
        ok = isinstance(value, str) and predicate(value)
        return out(ok, f"{shown}, which {'is' if ok else 'is not'} {arg}")
    raise AssertionError(op)


def _same_number(a: object, b: object) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)


# ------------------------------------------------------------ predicates


def _write_tool(name: str) -> bool:
    from mcplint.rules.authorization._tools import can_write

    return can_write(name)


def _wildcard(name: str) -> bool:
    return name.strip() in ("*", "all", "ALL")


_ENV = lazy_compile(r"\{\{\s*env\.|\$\{|\$[A-Z_]")

# name -> (function on a string value, description)
STRING_PREDICATES = {
    "write-tool": (_write_tool, "a tool name that can change something: a write verb (`create_issue`, "
                   "`execute_sql`), a Fluxbase write tool, or `*`"),
    "wildcard": (_wildcard, "`*` (or `all`): every tool, resource or origin"),
    "env-reference": (lambda text: bool(_ENV.search(text)), "a reference to the environment (`{{env.X}}`, `${X}`)"),
}
ENTITY_PREDICATES = {
    "writes-data": "the endpoint's template writes (INSERT, UPDATE, DELETE, MERGE, CREATE, DROP, ALTER, TRUNCATE), "
                   "or the REST method or `operation.type` makes it a write",
}
