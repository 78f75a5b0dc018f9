"""FILT004/FILT005: write operations with flAPI's guard rails switched off."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.injection import routes
from mcplint.model.statements import all_present
from mcplint.model.values import as_bool
from mcplint.rules.mandatory_filter._examples import ID_REQUIRED, write_endpoint
from mcplint.tree import MappingNode, ScalarNode

_SQL = "UPDATE orders SET closed = TRUE WHERE id = {{ params.id }};\nINSERT INTO order_log VALUES ({{ params.id }});\n"


def is_write_endpoint(endpoint: Endpoint) -> bool:
    """flAPI: POST/PUT/PATCH make a REST endpoint a write; `operation.type` overrides it."""
    operation = endpoint.mapping.get_map("operation")
    kind = operation.get_text("type") if operation is not None else None
    if kind is not None and kind.strip().lower() in ("read", "write"):
        return kind.strip().lower() == "write"
    return endpoint.is_rest and endpoint.method in ("POST", "PUT", "PATCH")


def _operation_flag(endpoint: Endpoint, *names: str) -> tuple[ScalarNode, bool] | None:
    operation = endpoint.mapping.get_map("operation")
    if not isinstance(operation, MappingNode):
        return None
    for name in names:
        node = operation.get_scalar(name)
        value = as_bool(node)
        if node is not None and value is not None:
            return node, value
    return None


def _undeclared_params(endpoint: Endpoint) -> list[str]:
    """``params.<name>`` the template reads that no request field declares (``limit``/``offset`` aside)."""
    if endpoint.template is None:
        return []
    declared = {f.name for f in endpoint.request if f.name}
    names: list[str] = []
    for tag in endpoint.template.mustache.tags:
        if tag.name.startswith("params."):
            name = tag.name[len("params.") :].split(".", 1)[0]
            if name and name not in declared and name not in ("limit", "offset") and name not in names:
                names.append(name)
    return names


def check_validation(endpoint: Endpoint) -> Iterator[Finding]:
    flag = _operation_flag(endpoint, "validate-before-write", "validateBeforeWrite")
    if flag is None or flag[1] or not is_write_endpoint(endpoint):
        return
    if not any(route.kind == "rest" and route.method != "GET" for route in routes(endpoint)):
        # The key only governs REST POST/PUT/PATCH requests: MCP tools/call always refuses undeclared
        # arguments, and a REST DELETE never runs the template (CFG for REST DELETE says so).
        return
    undeclared = _undeclared_params(endpoint)
    effect = (
        f"`validate-before-write` is off for the write {endpoint.display_name}: flAPI still runs the validators "
        "of the declared fields, but no longer rejects REST parameters the endpoint does not declare"
    )
    if undeclared:
        shown = ", ".join(f"`params.{n}`" for n in undeclared[:5])
        message = (
            f"{effect}, and the template reads {shown} which no request field declares: any caller can now set "
            f"{'it' if len(undeclared) == 1 else 'them'} to any value, unvalidated. Fix: remove the key (it "
            "defaults to true) and declare the field with a validator."
        )
        level = Level.WARNING
    else:
        message = (
            f"{effect} (they reach the template as `params.<name>`; this template reads none today). Fix: remove "
            "the key (it defaults to true)."
        )
        level = None
    yield Finding(span=flag[0].span, message=message, level=level, logical_location=flag[0].logical_path)


def check_transaction(endpoint: Endpoint) -> Iterator[Finding]:
    flag = _operation_flag(endpoint, "transaction")
    if flag is None or flag[1] or not is_write_endpoint(endpoint):
        return
    rendering = all_present(endpoint)
    count = len(rendering.statements) if rendering is not None and rendering.error is None else 0
    if count < 2:
        return
    yield Finding(
        span=flag[0].span,
        message=(
            f"the write {endpoint.display_name} runs {count} statements with `transaction: false`: flAPI then "
            "commits each one on its own, so a failure half-way leaves the data half-changed. Fix: remove the key "
            "(it defaults to true)."
        ),
        logical_location=flag[0].logical_path,
    )


VALIDATION_OFF = Rule(
    id="FILT004",
    name="write-validation-disabled",
    category="mandatory-filter",
    level=Level.NOTE,
    security_severity=5.0,
    precision="very-high",
    cwe=(20,),
    short_description="A write endpoint turns off flAPI's rejection of undeclared parameters.",
    full_description=(
        "`operation.validate-before-write: false` on a write (POST/PUT/PATCH, or `operation.type: write`) does "
        "not turn validation off: flAPI still runs every declared field's validators (an `int` field still "
        "answers `abc` with 400 \"Invalid integer value\"). What it turns off is the rejection of parameters "
        "the endpoint does not declare: with the default (true) flAPI answers 400 \"Unknown parameter not "
        "defined in endpoint configuration\"; with false, any extra body or query key reaches the template "
        "as `params.<name>`. Reported as a warning when the template reads such an undeclared parameter (a "
        "caller then sets it to anything, unvalidated), as a note otherwise. MCP tool calls reject undeclared "
        "arguments whatever this key says. Verified on flAPI 26.10.2 (served)."
    ),
    why=(
        "Undeclared parameters are values no validator ever sees; a template that reads one (often a field "
        "someone forgot to declare) takes it verbatim from the caller."
    ),
    fix="Remove `validate-before-write: false` (the default is true) and declare every parameter the template reads.",
    bad=Example(
        write_endpoint(
            ID_REQUIRED,
            "UPDATE orders SET note = '{{{ params.note }}}' WHERE id = {{ params.id }}\n",
            "operation:\n  type: write\n  validate-before-write: false\n",
        ),
        description="`params.note` is not declared: any caller sets it, unvalidated:",
    ),
    good=Example(write_endpoint(ID_REQUIRED, _SQL, "operation:\n  type: write\n")),
    target=Target.ENDPOINT,
    check=check_validation,
    references=("https://cwe.mitre.org/data/definitions/20.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_versions_and_beliefs.py"
        "::test_validate_before_write_false_keeps_validators_and_admits_undeclared, "
        "tests/conformance/test_endpoint_behaviour.py::test_rest_writes_and_undeclared_params)"
    ),
)

NO_TRANSACTION = Rule(
    id="FILT005",
    name="multi-statement-write-without-transaction",
    category="mandatory-filter",
    level=Level.WARNING,
    security_severity=4.0,
    precision="very-high",
    cwe=(662,),
    short_description="A write runs several statements with transactions turned off.",
    full_description=(
        "flAPI runs a write template's statements in one transaction by default; `operation.transaction: false` "
        "commits each statement separately."
    ),
    why="A failure (or a malicious value that breaks the second statement) leaves the data inconsistent.",
    fix="Remove `transaction: false`; the default is true.",
    bad=Example(write_endpoint(ID_REQUIRED, _SQL, "operation:\n  type: write\n  transaction: false\n")),
    good=Example(write_endpoint(ID_REQUIRED, _SQL, "operation:\n  type: write\n")),
    target=Target.ENDPOINT,
    check=check_transaction,
    references=("https://cwe.mitre.org/data/definitions/662.html",),
)
