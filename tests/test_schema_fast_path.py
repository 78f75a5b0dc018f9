"""The quick validity check never says "valid" where jsonschema finds an error, and usually decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import REPO
from mcplint.api import lint
from mcplint.rules.config_error import _flapi_schema as fs
from mcplint.rules.config_error._schema_fast_path import known_valid

# The schemas of scanned files: mcplint's own report format and policy files (recursive, checked by
# jsonschema itself when policies load) never go through the fast path.
SCHEMAS = sorted(
    p.name for p in (REPO / "schemas").glob("*.schema.json") if p.name not in ("report.schema.json", "policy.schema.json")
)


def _documents() -> list[Any]:
    """Every fixture and example file's tree, as the validator sees it."""
    out = []
    for folder in (REPO / "tests" / "fixtures", REPO / "examples"):
        run = lint([folder], folder)
        out.extend(fs.to_data(d.root) for d in run.model.documents if d.root is not None)
    return out


@pytest.fixture(scope="module")
def documents() -> list[Any]:
    return _documents()


@pytest.mark.parametrize("schema_file", SCHEMAS)
def test_valid_only_where_jsonschema_finds_nothing(schema_file: str, documents: list[Any]) -> None:
    schema = fs._inlined(schema_file)
    validator = Draft202012Validator(schema)
    decided = valid = 0
    for data in documents:
        really_valid = not any(validator.iter_errors(data))
        quick = known_valid(schema, data)
        assert not quick or really_valid, data
        valid += really_valid
        decided += quick
    assert decided == valid or decided >= 0.8 * valid  # it decides most valid documents itself


def test_flapi_files_are_mostly_decided_without_jsonschema(documents: list[Any]) -> None:
    for kind in (fs.MAIN, fs.ENDPOINT):
        schema = fs._inlined(kind)
        validator = Draft202012Validator(schema)
        valid = [d for d in documents if isinstance(d, dict) and not any(validator.iter_errors(d))]
        assert len(valid) >= 5
        assert all(known_valid(schema, d) for d in valid), kind


_TEXTS = st.sampled_from(["", "x", "true", "yes", "no", "GET", "POST", "100", "1.5", "-1", "basic", "bearer", "*",
                          "/path", "${VAR}", "{{env.X}}", "string", "int", "enum", "https://a.b"])


def _instances(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.sampled_from(keys) | st.text("abc-_", min_size=1, max_size=4)
    leaves = st.none() | _TEXTS
    return st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=5), max_leaves=12
    )


def _vocabulary(schema: Any, out: set[str]) -> set[str]:
    if isinstance(schema, dict):
        for name, sub in schema.items():
            if name == "properties" and isinstance(sub, dict):
                out.update(sub)
            _vocabulary(sub, out)
    elif isinstance(schema, list):
        for sub in schema:
            _vocabulary(sub, out)
    return out


@pytest.mark.parametrize("schema_file", SCHEMAS)
def test_random_documents_agree_with_jsonschema(schema_file: str) -> None:
    schema = fs._inlined(schema_file)
    validator = Draft202012Validator(schema)

    @settings(max_examples=300, deadline=None)
    @given(_instances(sorted(_vocabulary(schema, set())) or ["x"]))
    def check(data: Any) -> None:
        if known_valid(schema, data):
            assert not any(validator.iter_errors(data)), data

    check()


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.extend(_paths(value, (*prefix, index)))
    return out


def _mutated(data: Any, path: tuple[Any, ...], action: str, value: Any, key: str) -> Any:
    """A copy of ``data`` with one change at ``path``: a new value, the key removed, or a key added."""
    if not path:
        if action == "add" and isinstance(data, dict):
            return {**data, key: value}
        return value if action == "set" else data
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        if not rest and action == "remove":
            copy.pop(head, None)
        else:
            copy[head] = _mutated(data[head], rest, action, value, key)
        return copy
    copy_list = list(data)
    if not rest and action == "remove":
        del copy_list[head]
    else:
        copy_list[head] = _mutated(data[head], rest, action, value, key)
    return copy_list


@pytest.mark.parametrize("kind", [fs.MAIN, fs.ENDPOINT])
def test_changed_valid_flapi_files_agree_with_jsonschema(kind: str, documents: list[Any]) -> None:
    """Random documents are never valid flAPI files; one change to a valid file often still is."""
    schema = fs._inlined(kind)
    validator = Draft202012Validator(schema)
    valid = [d for d in documents if isinstance(d, dict) and not any(validator.iter_errors(d))]
    seen = {"still valid": 0, "made invalid": 0}

    @settings(max_examples=400, deadline=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        document = data.draw(st.sampled_from(valid))
        path = data.draw(st.sampled_from(_paths(document)))
        action = data.draw(st.sampled_from(["set", "remove", "add"]))
        value = data.draw(_instances(sorted(_vocabulary(schema, set()))))
        key = data.draw(st.sampled_from(sorted(_vocabulary(schema, set())) + ["zz-unknown"]))
        changed = _mutated(document, path, action, value, key)
        really_valid = not any(validator.iter_errors(changed))
        if known_valid(schema, changed):
            assert really_valid, (path, action, changed)
        seen["still valid" if really_valid else "made invalid"] += 1

    check()
    assert seen["still valid"] > 20 and seen["made invalid"] > 20, seen  # both sides were exercised


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "string"}, "x", True),
        ({"type": "string"}, None, False),
        ({"type": ["string", "null"]}, None, True),
        ({"type": "integer"}, "1", False),  # text is not a number
        ({"enum": ["GET", "POST"]}, "GET", True),
        ({"enum": [1, True]}, "1", False),
        ({"const": "a"}, "b", False),
        ({"pattern": "^a"}, "ab", True),
        ({"pattern": "^a"}, "ba", False),
        ({"properties": {"a": {"type": "null"}}, "required": ["a"]}, {"a": None}, True),
        ({"required": ["a"]}, {}, False),
        ({"additionalProperties": False, "properties": {"a": True}}, {"a": 1, "b": 2}, False),
        ({"additionalProperties": False, "properties": {"a": True}}, {"a": "1"}, True),
        ({"items": {"type": "string"}}, ["a", None], False),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": "x"}, False),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"c": "x"}, True),
        ({"anyOf": [{"type": "null"}, {"pattern": "^x"}]}, "xy", True),
        ({"not": {"type": "string"}}, "x", False),
        ({"minLength": 1}, "x", False),  # not a keyword it knows: jsonschema decides
        ({"patternProperties": {"^a": True}, "additionalProperties": False}, {"a": "x"}, False),
    ],
)
def test_keywords(schema: dict[str, Any], instance: Any, expected: bool) -> None:
    assert known_valid(schema, instance) is expected
    if expected:
        assert not any(Draft202012Validator(schema).iter_errors(instance))


def test_a_tree_of_valid_files_never_imports_jsonschema(tmp_path: Path) -> None:
    """jsonschema (about 0.05 s to import) is loaded only for a document with a schema error."""
    import subprocess
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate

    generate(tmp_path / "valid", 3)
    (tmp_path / "broken" / "flapi.yaml").parent.mkdir()
    (tmp_path / "broken" / "flapi.yaml").write_text("project-name: x\ntemplate:\n  path: .\nhttp-port: [1]\n")
    code = (
        "import sys; from pathlib import Path; from mcplint.api import lint; "
        "root = Path(sys.argv[1]); run = lint([root], root, jobs=1); "
        "print('jsonschema' in sys.modules, sorted({r.rule.id for r in run.report.results}))"
    )
    for folder, imported in (("valid", "False"), ("broken", "True")):
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path / folder)],
                             capture_output=True, text=True, check=True).stdout
        assert out.split()[0] == imported, out
    assert "CFG" in out  # the broken file's schema error was reported
