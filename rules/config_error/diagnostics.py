"""CFG001–CFG005: problems found while loading files, reported as findings.

Loaders record diagnostics in the model instead of raising; each rule here
reports one kind of them, so they can be selected, ignored and re-levelled
like any other rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mcplint.diagnostics import DiagnosticKind
from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.model import DiagnosticUnit

_MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def _reporting(kind: DiagnosticKind) -> Callable[[DiagnosticUnit], Iterator[Finding]]:
    def check(unit: DiagnosticUnit) -> Iterator[Finding]:
        diagnostic = unit.diagnostic
        if diagnostic.kind is kind:
            yield Finding(
                span=diagnostic.span,
                message=diagnostic.message,
                logical_location=kind.value,
                identity=diagnostic.message,
            )

    return check


UNPARSABLE_FILE = Rule(
    id="CFG001",
    name="unparsable-file",
    category="config-error",
    level=Level.ERROR,
    security_severity=4.0,
    precision="very-high",
    cwe=(),
    short_description="A YAML or JSON file cannot be parsed, so it was not checked.",
    full_description=(
        "The file has a syntax error, or was refused because parsing it would be unsafe: "
        "an alias bomb (aliases expanding to more than a million nodes), a recursive "
        "alias, or nesting deep enough to crash a parser. The finding points at the "
        "position of the problem."
    ),
    why=(
        "flAPI refuses to load such a file, and mcplint cannot check what it cannot read: "
        "any problem inside stays hidden until the file parses."
    ),
    fix="Fix the syntax at the reported position (a YAML linter helps); remove alias tricks.",
    bad=Example({"flapi.yaml": _MAIN, "sqls/orders.yaml": "url-path: /orders/\nrequest: [\n"}),
    good=Example({"flapi.yaml": _MAIN, "sqls/orders.yaml": "url-path: /orders/\nrequest: []\n"}),
    target=Target.DIAGNOSTIC,
    check=_reporting(DiagnosticKind.PARSE_ERROR),
)

SKIPPED_FILE = Rule(
    id="CFG002",
    name="skipped-file",
    category="config-error",
    level=Level.NOTE,
    security_severity=1.0,
    precision="very-high",
    cwe=(),
    short_description="A file was skipped and not checked.",
    full_description=(
        "mcplint did not read this file: it is over the size bound, binary, unreadable, "
        "a symlink leading outside the scanned root, or an include whose path depends on "
        "the environment."
    ),
    why="A skipped file is not checked; the note makes the gap visible instead of silent.",
    fix=(
        "Nothing, if the file is not configuration. Otherwise raise `max-file-size`, fix "
        "permissions, or exclude the path explicitly with `exclude`."
    ),
    bad=Example({"data.json": "\x00\x01\x02 binary payload"}),
    good=Example({"data.json": '{"rows": []}\n'}),
    target=Target.DIAGNOSTIC,
    check=_reporting(DiagnosticKind.SKIPPED_FILE),
)

INCLUDE_ERROR = Rule(
    id="CFG003",
    name="broken-include",
    category="config-error",
    level=Level.ERROR,
    security_severity=4.0,
    precision="very-high",
    cwe=(),
    short_description="A flAPI `{{include}}` directive cannot be resolved.",
    full_description=(
        "The include target does not exist, lies outside the scanned root (mcplint does "
        "not read it), is not valid YAML, or lacks the requested top-level section."
    ),
    why=(
        "flAPI fails to load the endpoint, and whatever the include should have added "
        "(often `auth` or `request` validators) is missing from the analysis."
    ),
    fix="Point the include at an existing file inside the project and check the section name.",
    bad=Example(
        {
            "flapi.yaml": _MAIN,
            "sqls/orders.yaml": "url-path: /orders/\n{{include:auth from common.yaml}}\n",
            "sqls/common.yaml": "request: []\n",
        }
    ),
    good=Example(
        {
            "flapi.yaml": _MAIN,
            "sqls/orders.yaml": "url-path: /orders/\n{{include:request from common.yaml}}\n",
            "sqls/common.yaml": "request: []\n",
        }
    ),
    target=Target.DIAGNOSTIC,
    check=_reporting(DiagnosticKind.INCLUDE_ERROR),
)

TEMPLATE_ERROR = Rule(
    id="CFG004",
    name="template-syntax-error",
    category="config-error",
    level=Level.ERROR,
    security_severity=4.0,
    precision="very-high",
    cwe=(),
    short_description="A SQL template has Mustache syntax that cannot be rendered.",
    full_description=(
        "The template named by `template-source` has an unclosed tag, a section that is "
        "never closed, a closing tag without its opening tag, or a malformed delimiter change."
    ),
    why="flAPI cannot render the template, and mcplint cannot analyse what it would send to DuckDB.",
    fix="Balance every `{{#x}}`/`{{^x}}` with `{{/x}}` and close every tag.",
    bad=Example(
        {
            "flapi.yaml": _MAIN,
            "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
            "sqls/orders.sql": "SELECT * FROM orders WHERE 1=1 {{#params.id}} AND id = 1\n",
        }
    ),
    good=Example(
        {
            "flapi.yaml": _MAIN,
            "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
            "sqls/orders.sql": "SELECT * FROM orders WHERE 1=1 {{#params.id}} AND id = 1 {{/params.id}}\n",
        }
    ),
    target=Target.DIAGNOSTIC,
    check=_reporting(DiagnosticKind.TEMPLATE_ERROR),
)

INVALID_ENCODING = Rule(
    id="CFG005",
    name="invalid-utf8",
    category="config-error",
    level=Level.WARNING,
    security_severity=2.0,
    precision="very-high",
    cwe=(),
    short_description="A file is not valid in its encoding; undecodable bytes were replaced.",
    full_description=(
        "The file has byte sequences that are not valid in its encoding: UTF-8, or the UTF-16 or "
        "UTF-32 that a byte-order mark names (the message says which). mcplint replaced them with "
        "U+FFFD and checked the rest."
    ),
    why="Tools disagree on how to read such bytes, which can hide text from a reviewer.",
    fix="Save the file as UTF-8.",
    bad=Example({"settings.json": b'{"name": "caf\xe9"}\n'}, description="Latin-1 bytes in a JSON file:"),
    good=Example({"settings.json": '{"name": "café"}\n'}),
    target=Target.DIAGNOSTIC,
    check=_reporting(DiagnosticKind.DECODE_WARNING),
)

RULES = (UNPARSABLE_FILE, SKIPPED_FILE, INCLUDE_ERROR, TEMPLATE_ERROR, INVALID_ENCODING)
