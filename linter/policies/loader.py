"""Reading policy files: positioned YAML, the JSON Schema, then a strict compile.

Every problem is a :class:`PolicyError` that names ``file:line:col`` and what
is wrong; a run with a broken policy stops (exit 2), it never skips it.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.policies.conditions import (
    COMBINATORS,
    ENTITY_PREDICATES,
    MAX_CONDITIONS,
    MAX_DEPTH,
    OPERATORS,
    QUANTIFIERS,
    STRING_PREDICATES,
    AllOf,
    AnyOf,
    Condition,
    Not,
    Quantified,
    Test,
)
from mcplint.policies.entities import ENTITIES, EntityDef
from mcplint.policies.files import PolicyError
from mcplint.policies.regex_guard import UnsafePattern, check_pattern
from mcplint.source import source_from_text
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

POLICY_VERSION = 1
MAX_POLICY_FILE_SIZE = 512 * 1024
MAX_POLICIES = 200  # in one run, over every file
_PLACEHOLDER = lazy_compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_.-]*)\}")
_MESSAGE_EXTRAS = ("label", "value", "field")


@dataclass(frozen=True)
class CompiledPolicy:
    """One policy, checked and compiled; :mod:`mcplint.policies.rule` makes it a Rule."""

    id: str
    name: str
    category: str
    level: str
    security_severity: float
    precision: str
    cwe: tuple[int, ...]
    short_description: str
    full_description: str
    why: str
    fix: str
    message: str
    references: tuple[str, ...]
    entity: EntityDef
    where: Condition | None
    require: Condition
    on_unknown: str
    bad: dict[str, str]
    good: dict[str, str]
    bad_description: str
    good_description: str
    file: str  # as shown in messages
    digest: str  # sha256 of the policy file's bytes
    span: Span  # the policy's `id` in its file


# ------------------------------------------------------------------ files


def read_policy_file(path: Path, shown: str | None = None) -> list[CompiledPolicy]:
    shown = shown or path.as_posix()
    try:
        if not path.is_file():
            raise PolicyError(shown, None, "not a regular file")
        size = path.stat().st_size
        if size > MAX_POLICY_FILE_SIZE:
            raise PolicyError(shown, None, f"{size} bytes is over the {MAX_POLICY_FILE_SIZE} bytes of a policy file")
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(shown, None, f"cannot be read ({exc.strerror or exc})") from None
    return parse_policies(data, shown)


def parse_policies(data: bytes, shown: str) -> list[CompiledPolicy]:
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(shown, None, f"not UTF-8 (invalid byte at offset {exc.start})") from None
    source = source_from_text(shown, text)
    root, diagnostics = load_yaml(source)
    if diagnostics:
        raise PolicyError(shown, diagnostics[0].span, diagnostics[0].message)
    if root is None:
        raise PolicyError(shown, source.span(0, 0), "the file is empty; expected `version: 1` and `policies`")
    data_tree = _to_data(root, shown)
    _validate_schema(data_tree, root, shown)
    assert isinstance(root, MappingNode)
    policies_node = root.get("policies")
    assert isinstance(policies_node, SequenceNode)
    return [_compile_policy(node, shown, digest, text) for node in policies_node.items]  # type: ignore[arg-type]


def _to_data(node: Node, shown: str, depth: int = 0) -> Any:
    """Plain data for the schema; duplicate keys and non-string keys are errors (yaml-cpp would keep one)."""
    if depth > 64:
        raise PolicyError(shown, node.span, "nested too deeply")
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key, value in node.pairs:
            if not isinstance(key, ScalarNode) or not isinstance(key.value, str):
                raise PolicyError(shown, key.span, "keys must be strings")
            if key.text in out:
                raise PolicyError(shown, key.span, f"duplicate key `{key.text}`")
            out[key.text] = _to_data(value, shown, depth + 1)
        return out
    if isinstance(node, SequenceNode):
        return [_to_data(item, shown, depth + 1) for item in node.items]
    assert isinstance(node, ScalarNode)
    return node.value


@lru_cache(maxsize=1)
def _validator():  # type: ignore[no-untyped-def]
    from jsonschema import Draft202012Validator

    from mcplint.schemas import load_schema

    return Draft202012Validator(load_schema("policy.schema.json"))


def _node_at(root: Node, path: list[Any]) -> tuple[Node, ScalarNode | None]:
    """The node at a schema error's path, and the key that leads to it."""
    node, key = root, None
    for part in path:
        if isinstance(node, MappingNode) and isinstance(part, str):
            pair = node.get_pair(part)
            if pair is None:
                break
            key, node = pair
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.items):
            node, key = node.items[part], None
        else:
            break
    return node, key


def _validate_schema(data: Any, root: Node, shown: str) -> None:
    errors = sorted(_validator().iter_errors(data), key=lambda e: (len(list(e.absolute_path)), str(e.path)))
    if not errors:
        return
    located = []
    for error in errors:
        path = list(error.absolute_path)
        node, key = _node_at(root, path)
        where = ".".join(str(p) for p in path) or "the file"
        if error.validator == "additionalProperties" and isinstance(node, MappingNode):
            allowed = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            pair = node.get_pair(extra[0])
            hint = difflib.get_close_matches(extra[0], allowed, n=1)
            message = f"unknown key `{extra[0]}` in {_describe(path)}" + (f" (did you mean `{hint[0]}`?)" if hint else
                                                                        f"; allowed: {', '.join(allowed)}")
            located.append((pair[0].span if pair else node.span, message, True))
        elif error.validator == "required":
            located.append(((key or node).span, f"{_describe(path)}: {error.message}", False))
        elif error.validator == "enum":
            hint = difflib.get_close_matches(str(error.instance), [str(e) for e in error.validator_value], n=1)
            message = f"`{where}`: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
            located.append((node.span, message + (f" (did you mean `{hint[0]}`?)" if hint else ""), False))
        else:
            located.append((node.span, f"`{where}`: {error.message}", False))
    # An unknown key first: it is usually why a required one looks missing (a typo).
    located.sort(key=lambda item: (not item[2], item[0].start_line, item[0].start_col))
    span, message, _ = located[0]
    more = f" (and {len(located) - 1} more problem(s))" if len(located) > 1 else ""
    raise PolicyError(shown, span, message + more)


def _describe(path: list[Any]) -> str:
    if not path:
        return "the file"
    if len(path) >= 2 and path[0] == "policies":
        rest = ".".join(str(p) for p in path[2:])
        return f"policy #{int(path[1]) + 1}" + (f" `{rest}`" if rest else "")
    return "`" + ".".join(str(p) for p in path) + "`"


# ------------------------------------------------------------------ compile


def _scalar(mapping: MappingNode, key: str) -> Any:
    node = mapping.get(key)
    return node.value if isinstance(node, ScalarNode) else None


def _compile_policy(node: MappingNode, shown: str, digest: str, text: str) -> CompiledPolicy:
    id_node = node.get_scalar("id")
    assert id_node is not None
    entity_node = node.get_scalar("for")
    assert entity_node is not None
    entity = ENTITIES.get(entity_node.text)
    if entity is None:
        hint = difflib.get_close_matches(entity_node.text, list(ENTITIES), n=1)
        raise PolicyError(shown, entity_node.span, f"unknown entity `{entity_node.text}`" + (
            f" (did you mean `{hint[0]}`?)" if hint else f"; entities: {', '.join(ENTITIES)}"))
    counter = [0]
    where_node, require_node = node.get("where"), node.get("require")
    where = _condition(where_node, entity, shown, 1, counter) if where_node is not None else None
    require = _condition(require_node, entity, shown, 1, counter)  # type: ignore[arg-type]
    on_unknown = _scalar(node, "on-unknown") or "report"
    message_node = node.get_scalar("message")
    assert message_node is not None
    _check_message(message_node, entity, shown)
    short = str(_scalar(node, "short-description")).strip()
    if not short.endswith(".") or ". " in short:
        raise PolicyError(shown, node.get_scalar("short-description").span,  # type: ignore[union-attr]
                          "`short-description` must be one sentence ending with a period")
    examples = node.get_map("examples")
    assert examples is not None

    def files(kind: str) -> tuple[dict[str, str], str]:
        block = examples.get_map(kind)
        assert block is not None
        found = block.get_map("files")
        assert found is not None
        out = {}
        for key, value in found.pairs:
            rel = key.text  # type: ignore[union-attr]
            if ".." in rel.split("/") or rel.startswith(("/", "\\")) or ":" in rel:
                raise PolicyError(shown, key.span, f"example file `{rel}` must be a relative path inside the example")
            out[rel] = value.text  # type: ignore[union-attr]
        return out, str(_scalar(block, "description") or "")

    bad, bad_description = files("bad")
    good, good_description = files("good")
    full = str(_scalar(node, "full-description") or "").strip() or _generated_description(node, entity, shown, text)
    return CompiledPolicy(
        id=id_node.text,
        name=str(_scalar(node, "name")),
        category=str(_scalar(node, "category")),
        level=str(_scalar(node, "level")),
        security_severity=float(_scalar(node, "security-severity") or 5.0),
        precision=str(_scalar(node, "precision") or "high"),
        cwe=tuple(int(c) for c in (_to_data(node.get("cwe"), shown) if node.get("cwe") is not None else [])),
        short_description=short,
        full_description=full,
        why=str(_scalar(node, "why")).strip(),
        fix=str(_scalar(node, "fix")).strip(),
        message=message_node.text,
        references=tuple(_to_data(node.get("references"), shown) or ()) if node.get("references") else (),
        entity=entity,
        where=where,
        require=require,
        on_unknown=on_unknown,
        bad=bad,
        good=good,
        bad_description=bad_description,
        good_description=good_description,
        file=shown,
        digest=digest,
        span=id_node.span,
    )


def _generated_description(node: MappingNode, entity: EntityDef, shown: str, text: str) -> str:
    """What the policy checks, from its own text (the conditions as written)."""
    parts = [f"An organisation policy (`{shown}`) on every `{entity.name}` ({entity.doc.rstrip('.')})."]
    for key in ("where", "require"):
        pair = node.get_pair(key)
        if pair is None:
            continue
        body = _source_text(pair[1], text)
        label = "Selected when" if key == "where" else "It requires"
        parts.append(f"{label}:\n\n```yaml\n{body}\n```")
    return "\n\n".join(parts)


def _source_text(node: Node, text: str) -> str:
    span = node.span
    return text[span.start_offset:span.end_offset].strip()


def _check_message(node: ScalarNode, entity: EntityDef, shown: str) -> None:
    for match in _PLACEHOLDER.finditer(node.text):
        name = match.group(1)
        if name is None or name in _MESSAGE_EXTRAS:
            continue
        field = entity.field(name)
        if field is None or field.type == "records":
            names = [f.name for f in entity.fields if f.type != "records"] + list(_MESSAGE_EXTRAS)
            hint = difflib.get_close_matches(name, names, n=1)
            suggestion = f" (did you mean `{{{hint[0]}}}`?)" if hint else f"; placeholders: {', '.join(names)}"
            raise PolicyError(shown, node.span,
                              f"`message` names unknown placeholder `{{{name}}}` of `{entity.name}`{suggestion}")
        if not field.quotable:
            raise PolicyError(shown, node.span, f"`message` cannot quote `{{{name}}}`: it may hold a credential")


def _condition(node: Node, entity: EntityDef, shown: str, depth: int, counter: list[int]) -> Condition:
    assert isinstance(node, MappingNode)
    if depth > MAX_DEPTH:
        raise PolicyError(shown, node.span, f"conditions are nested more than {MAX_DEPTH} deep")
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise PolicyError(shown, node.span, f"a policy may hold at most {MAX_CONDITIONS} conditions")
    keys = {k.text: (k, v) for k, v in node.pairs}  # type: ignore[union-attr]
    combinators = [k for k in keys if k in COMBINATORS]
    quantifiers = [k for k in keys if k in QUANTIFIERS]
    if combinators:
        if len(keys) != 1:
            other = next(k for k in keys if k != combinators[0])
            raise PolicyError(shown, keys[other][0].span, f"`{combinators[0]}` stands alone; move `{other}` into it")
        key, value = keys[combinators[0]]
        if key.text == "not":
            return Not(_condition(value, entity, shown, depth + 1, counter))
        children = tuple(_condition(c, entity, shown, depth + 1, counter) for c in value.items)  # type: ignore[union-attr]
        return AllOf(children) if key.text == "all-of" else AnyOf(children)
    if quantifiers:
        if len(quantifiers) > 1 or "field" in keys:
            extra = quantifiers[1] if len(quantifiers) > 1 else "field"
            raise PolicyError(shown, keys[extra][0].span, f"`{quantifiers[0]}` names the list; `{extra}` cannot "
                              "stand beside it")
        key, value = keys[quantifiers[0]]
        field = _field(entity, value, shown)  # type: ignore[arg-type]
        if field.type not in ("list", "records"):
            raise PolicyError(shown, value.span, f"`{quantifiers[0]}` needs a list field; `{field.name}` is a "
                              f"{field.type}")
        rest = {k: kv for k, kv in keys.items() if k != quantifiers[0]}
        if field.type == "records":
            if set(rest) != {"require"}:
                raise PolicyError(shown, key.span, f"`{field.name}` holds `{field.records}` records: write "
                                  f"`{quantifiers[0]}: {field.name}` with `require: {{…}}`")
            sub = ENTITIES[field.records]
            return Quantified(quantifiers[0], field.name, _condition(rest["require"][1], sub, shown, depth + 1,
                                                                     counter))
        if "require" in rest:
            raise PolicyError(shown, rest["require"][0].span, f"`{field.name}` is a list of values: write the "
                              f"operator beside `{quantifiers[0]}` (e.g. `{quantifiers[0]}: {field.name}, in: […]`)")
        test = _test(rest, None, "string", entity, shown, node)
        return Quantified(quantifiers[0], field.name, test)
    if "require" in keys:
        raise PolicyError(shown, keys["require"][0].span, "`require` inside a condition goes with `each`, `some` or "
                          "`none` over a list of records")
    field_pair = keys.pop("field", None)
    if field_pair is None:
        if set(keys) == {"is"}:
            name = keys["is"][1]
            text = name.text if isinstance(name, ScalarNode) else ""
            if text not in entity.predicates:
                known = list(entity.predicates)
                raise PolicyError(shown, name.span, f"unknown predicate `{text}` for `{entity.name}`" + (
                    f"; predicates of `{entity.name}`: {', '.join(known)}" if known else
                    f"; `{entity.name}` has no entity predicates (string predicates go with `field`)"))
            return Test(None, "is", text)
        raise PolicyError(shown, node.span, "a condition needs `field` and one operator, a combinator (`all-of`, "
                          "`any-of`, `not`) or a quantifier (`each`, `some`, `none`)")
    field = _field(entity, field_pair[1], shown)  # type: ignore[arg-type]
    return _test(keys, field.name, field.type, entity, shown, node)


def _field(entity: EntityDef, node: Node, shown: str):  # type: ignore[no-untyped-def]
    name = node.value if isinstance(node, ScalarNode) else None
    field = entity.field(name) if isinstance(name, str) else None
    if field is None:
        names = [f.name for f in entity.fields]
        hint = difflib.get_close_matches(str(name), names, n=1)
        raise PolicyError(shown, node.span, f"unknown field `{name}` of `{entity.name}`" + (
            f" (did you mean `{hint[0]}`?)" if hint else f"; fields: {', '.join(names)}"))
    return field


def _test(keys: dict[str, tuple[ScalarNode, Node]], field: str | None, field_type: str, entity: EntityDef,
          shown: str, node: MappingNode) -> Test:
    operators = [k for k in keys if k in OPERATORS]
    if len(operators) != 1 or len(keys) != 1:
        what = f"`{field}`" if field else "each item"
        raise PolicyError(shown, node.span, f"a test of {what} takes exactly one operator (found "
                          f"{', '.join(f'`{k}`' for k in keys) or 'none'}); combine tests with `all-of`")
    operator = operators[0]
    key, value = keys[operator]
    applies, argument_kind = OPERATORS[operator]
    subject = f"`{field}` (a {field_type})" if field else "a list item (a string)"
    if field_type not in applies:
        useful = [op for op, (types, _) in OPERATORS.items() if field_type in types]
        raise PolicyError(shown, key.span, f"operator `{operator}` does not apply to {subject}; use one of "
                          f"{', '.join(useful)}")
    argument = value.value if isinstance(value, ScalarNode) else _to_data(value, shown)
    scalar_types = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}

    def fits(item: object) -> bool:
        wanted = scalar_types.get(field_type, (str,))
        return isinstance(item, wanted) and not (isinstance(item, bool) and bool not in wanted)

    if argument_kind == "regex":
        try:
            return Test(field, operator, check_pattern(argument))
        except UnsafePattern as exc:
            raise PolicyError(shown, value.span, f"`matches`: {exc}") from None
    if argument_kind == "predicate":
        if argument not in STRING_PREDICATES:
            known = list(STRING_PREDICATES) + [f"{p} (entity, without `field`)" for p in ENTITY_PREDICATES]
            hint = difflib.get_close_matches(str(argument), list(STRING_PREDICATES) + list(ENTITY_PREDICATES), n=1)
            raise PolicyError(shown, value.span, f"unknown predicate `{argument}`" + (
                f" (did you mean `{hint[0]}`?)" if hint else f"; predicates: {', '.join(known)}"))
        return Test(field, operator, argument)
    if argument_kind == "scalar" and not fits(argument):
        raise PolicyError(shown, value.span, f"`{operator}` of {subject} needs a {field_type}, not {argument!r}")
    if argument_kind == "list-of-scalars":
        items = argument if isinstance(argument, list) else []
        item_type = "string" if field_type == "list" else field_type
        wrong = [i for i in items if not isinstance(i, scalar_types.get(item_type, (str,)))
                 or (isinstance(i, bool) and item_type != "boolean")]
        if wrong:
            raise PolicyError(shown, value.span, f"`{operator}` of {subject} needs a list of {item_type}s; "
                              f"{wrong[0]!r} is not one")
        argument = tuple(items)
    return Test(field, operator, argument)
