"""SQLI010: a value list spelled ``allowed-values``, which flAPI ignores, on a field the template uses.

flAPI reads a list of allowed values only as camelCase ``allowedValues`` of an
``enum`` validator. Of the spellings it ignores, only this one costs a check:
``defaultValue``, ``field-type`` and ``prevent-sql-injection`` remove no
validation (the field's validators still run, and ``preventSqlInjection``
keeps its default, true), so CFG009 reports them as notes. An ``enum``
validator without ``allowedValues`` stops flAPI at start (CFG008), so it is
not reported here either.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.rules.sql_injection._examples import STATUS_ENUM, project
from mcplint.tree import MappingNode, ScalarNode

SPELLING = "allowed-values"


def is_enum_validator(mapping: MappingNode) -> bool:
    kind = mapping.get("type")
    return isinstance(kind, ScalarNode) and kind.text.strip() == "enum"


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None:
        return
    used = {
        tag.name[len("params.") :].split(".", 1)[0] for tag in template.mustache.tags if tag.name.startswith("params.")
    }
    for field in endpoint.request:
        if field.name not in used:
            continue
        holders = [(field.node, "on the request field")] + [
            (v.node, f"in a `{v.type}` validator") for v in field.validators if not is_enum_validator(v.node)
        ]
        for mapping, where in holders:
            for key, _ in mapping.pairs:
                if isinstance(key, ScalarNode) and key.text == SPELLING:
                    yield Finding(
                        span=key.span,
                        message=(
                            f"flAPI ignores `{SPELLING}` {where}: this list restricts nothing, so "
                            f"`params.{field.name}`, which {template.path} uses, reaches the template with any "
                            "value; flAPI reads a value list only as `allowedValues` of an `enum` validator "
                            "(`validators: [{type: enum, allowedValues: [...]}]`)"
                        ),
                        logical_location=key.logical_path,
                    )


RULE = Rule(
    id="SQLI010",
    name="ignored-validator-spelling",
    category="sql-injection",
    level=Level.ERROR,
    security_severity=7.5,
    precision="very-high",
    cwe=(1286,),
    short_description=(
        "A value list is spelled `allowed-values`, which flAPI ignores, on a field the SQL template uses."
    ),
    full_description=(
        "flAPI reads a list of allowed values only as camelCase `allowedValues` of an `enum` validator. "
        "`allowed-values` on a request field or in a `string` (or other) validator is silently ignored: the "
        "author believes the field is restricted to the list, but any value reaches the SQL template.\n\n"
        "Other ignored spellings are not injection risks and are not reported here: `defaultValue` and "
        "`field-type` remove no check (the field's validators still run: on flAPI 26.10.2 a field with "
        "`field-type: integer`, `defaultValue: 1` and an `int` validator still answers `abc` with 400 "
        "\"Invalid integer value\"), and an ignored `prevent-sql-injection: false` leaves flAPI's keyword "
        "filter on (\"Potential SQL injection detected\"); CFG009 reports those as notes. An `enum` validator "
        "that has `allowed-values` but no `allowedValues` is not a silent gap either: flAPI refuses to load "
        "the file (\"Missing required key: allowedValues\"), which CFG008 reports. Verified on flAPI 26.10.2 "
        "(served) and 26.6.28 (`--validate-config`)."
    ),
    why="A value list that is not enforced is the usual reason a 'validated' value ends up injectable.",
    fix=(
        "Use an `enum` validator with camelCase `allowedValues`: `validators: [{type: enum, allowedValues: "
        "[open, shipped]}]`, or a `string` validator with a full-match `regex`."
    ),
    bad=Example(
        project(
            "  - field-name: status\n    field-in: query\n    validators:\n"
            "      - type: string\n        allowed-values: [open, shipped]\n",
            "SELECT * FROM orders WHERE status = {{ params.status }}\n",
        ),
        description="A `string` validator with an ignored value list lets `1 OR TRUE` through:",
    ),
    good=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = {{ params.status }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/1286.html",),
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_endpoint_behaviour.py"
        "::test_allowed_values_on_a_string_validator_is_ignored, "
        "tests/conformance/test_versions_and_beliefs.py::test_enum_without_allowed_values_is_refused, "
        "tests/conformance/test_versions_and_beliefs.py::test_ignored_spellings_lose_no_check)"
    ),
)
