"""SQLI010: a validator spelled the way flAPI ignores, on a field the template uses."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import IGNORED_VALIDATOR_KEYS
from mcplint.rules.sql_injection._examples import STATUS_ENUM, project
from mcplint.tree import ScalarNode


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
        mappings = [field.node] + [v.node for v in field.validators]
        for mapping in mappings:
            for key, _ in mapping.pairs:
                if isinstance(key, ScalarNode) and key.text in IGNORED_VALIDATOR_KEYS:
                    right = IGNORED_VALIDATOR_KEYS[key.text]
                    yield Finding(
                        span=key.span,
                        message=(
                            f"`{key.text}` is not flAPI's spelling (`{right}`): flAPI silently ignores it, so "
                            f"`params.{field.name}`, which {template.path} uses, reaches the template without "
                            f"this check; rename it to `{right}`"
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
    short_description="A validator key is spelled the way flAPI ignores, on a field the SQL template uses.",
    full_description=(
        "flAPI reads `allowedValues` and `preventSqlInjection` in camelCase only; `allowed-values`, "
        "`prevent-sql-injection`, `defaultValue` and `field-type` are silently ignored. The author believes "
        "the field is restricted, but its value reaches the SQL template unchecked."
    ),
    why="An enum that is not enforced is the usual reason a 'validated' value ends up injectable.",
    fix="Use flAPI's spellings: `allowedValues`, `preventSqlInjection`, `default`, `type`.",
    bad=Example(
        project(
            "  - field-name: status\n    field-in: query\n    validators:\n"
            "      - type: enum\n        allowed-values: [open, shipped]\n",
            "SELECT * FROM orders WHERE status = {{ params.status }}\n",
        )
    ),
    good=Example(project(STATUS_ENUM, "SELECT * FROM orders WHERE status = {{ params.status }}\n")),
    target=Target.ENDPOINT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/1286.html",),
)
