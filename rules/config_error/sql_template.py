"""CFG201: a SQL template that does not parse in any way its sections can render."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import template_analysis

_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
_ENDPOINT = (
    "url-path: /orders/\ntemplate-source: orders.sql\nrequest:\n  - field-name: id\n    validators: [{type: int}]\n"
)


def check(endpoint: Endpoint) -> Iterator[Finding]:
    template = endpoint.template
    if template is None or not template.mustache.interpolations() or template.mustache.errors:
        return
    analysis = template_analysis(template, endpoint)
    if analysis.parse_error is None:
        return
    yield Finding(
        span=template.span(0, min(len(template.source.text), len(template.source.text.split("\n", 1)[0]))),
        message=(
            f"this template does not parse as DuckDB SQL in any of {analysis.scenarios_tried} ways its sections "
            f"can render ({analysis.parse_error}); mcplint judged its interpolations from the quotes around them only"
        ),
        logical_location="template",
        identity=endpoint.unit_path,
    )


RULE = Rule(
    id="CFG201",
    name="unanalysable-sql-template",
    category="config-error",
    level=Level.NOTE,
    security_severity=2.0,
    precision="high",
    cwe=(),
    short_description="A SQL template does not parse, so its interpolations were judged without SQL context.",
    full_description=(
        "mcplint renders each template the way flAPI would (all sections present, all absent, each alone) and "
        "parses the result with sqlglot's DuckDB dialect to find every interpolation's SQL context. When no "
        "rendering parses, the SQL-injection rules fall back to counting quotes and report at lower precision."
    ),
    why=(
        "SQL that sqlglot cannot parse may be DuckDB syntax it does not know yet, or a template that breaks "
        "at run time."
    ),
    fix="Check the template renders to valid SQL for the sections a caller can turn on; report sqlglot gaps upstream.",
    bad=Example({"flapi.yaml": _MAIN, "sqls/orders.yaml": _ENDPOINT,
                 "sqls/orders.sql": "SELECT * FROM orders WHERE id = {{ params.id }} AND AND\n"}),
    good=Example({"flapi.yaml": _MAIN, "sqls/orders.yaml": _ENDPOINT,
                  "sqls/orders.sql": "SELECT * FROM orders WHERE id = {{ params.id }}\n"}),
    target=Target.ENDPOINT,
    check=check,
)
