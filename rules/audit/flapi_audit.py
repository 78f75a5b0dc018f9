"""AUDIT001–AUDIT002: MCP tool calls without an audit trail, or with secrets in it.

``audit.{enabled, sink, path, redact}`` is off by default. flapi-semantics.md §3
says only MCP ``tools/call`` is audited; flAPI 26.10.2 audits REST requests too
(docs/flapi-conformance.md): one JSON line per REST request (even a 404) and per
``tools/call``, each with its parameters, and ``redact`` masks the values of the
names it lists in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import FlapiProject, Target
from mcplint.model.endpoint_facts import EndpointFacts
from mcplint.model.values import get_bool
from mcplint.rules.authentication._examples import MAIN, MCP_AUTH, project, tool
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.tree import Node, ScalarNode, SequenceNode

_AUDIT = "audit:\n  enabled: true\n  sink: file\n  path: /var/log/flapi/audit.jsonl\n"
# Argument names that carry credentials or personal data.
_SENSITIVE = lazy_compile(
    r"passw|pwd|secret|token|api_?key|apikey|credential|auth|session|cookie"
    r"|e_?mail|phone|mobile|ssn|social_?security|passport|tax_?id|national_?id|iban|account_?n(?:o|um)"
    r"|credit_?card|card_?n(?:o|um)|cvv|birth|dob|salary|address|first_?name|last_?name|full_?name|surname",
    re.IGNORECASE,
)


def _tools(project: FlapiProject) -> list[EndpointFacts]:
    return sorted((f for f in project.endpoint_facts() if f.has_tool), key=lambda f: f.path)


def _tool_name(facts: EndpointFacts) -> str:
    return facts.tool_name or facts.path


def _anchor(project: FlapiProject) -> Node:
    audit = project.mapping.get_map("audit")
    if audit is not None and audit.get_pair("enabled") is not None:
        return audit.get_pair("enabled")[1]  # type: ignore[index]
    pair = project.mapping.get_pair("audit")
    if pair is not None:
        return pair[0]
    return project.mapping.pairs[0][0]


def check_audit_disabled(project: FlapiProject) -> Iterator[Finding]:
    tools = _tools(project)
    if not tools or get_bool(project.mapping.get_map("audit"), "enabled") is True:
        return
    unique = list(dict.fromkeys(_tool_name(e) for e in tools))
    names = ", ".join(f"`{n}`" for n in unique[:3]) + (", …" if len(unique) > 3 else "")
    count = f"{len(tools)} MCP tools here ({names}) run" if len(tools) != 1 else f"MCP tool {names} runs"
    anchor = _anchor(project)
    yield Finding(
        span=anchor.span,
        message=(
            f"flAPI records requests (REST and MCP `tools/call`) only when `audit.enabled` is true: the {count} "
            "without a record of who called what with which arguments"
        ),
        logical_location="audit.enabled",
        related=include_sites(project.document, anchor.span),
    )


AUDIT_DISABLED = Rule(
    id="AUDIT001",
    name="flapi-mcp-audit-disabled",
    category="audit",
    level=Level.WARNING,
    security_severity=4.0,
    precision="very-high",
    cwe=(778,),
    short_description="The project serves MCP tools while flAPI's audit log is off.",
    full_description=(
        "flAPI's audit log (`audit: {enabled, sink, path, redact}`) is off by default. When on, it "
        "writes one JSON line per REST request (method, path, principal, status, parameters; even a "
        "404 on an unknown path) and per MCP `tools/call` (the caller, the tool and its arguments). "
        "The rule reports projects that serve MCP tools with the log off: there is then no trace of "
        "what an agent did through the tools, which is exactly what an incident review needs."
    ),
    why="Agents act fast and at scale; without a record nobody can tell which data a tool call read or changed.",
    fix="Add `audit: {enabled: true, sink: file, path: …, redact: [password, token, …]}` to the main config.",
    bad=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH)),
    good=Example(project(tool(extra="  allowed-roles: [analyst]\n"), MAIN + MCP_AUTH + _AUDIT)),
    target=Target.FLAPI_PROJECT,
    check=check_audit_disabled,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py::test_audit_logs_rest_and_mcp_calls)"
    ),
)


def _redact_list(project: FlapiProject) -> tuple[Node | None, list[str]]:
    audit = project.mapping.get_map("audit")
    pair = audit.get_pair("redact") if audit is not None else None
    if pair is None:
        return None, []
    value = pair[1]
    if isinstance(value, SequenceNode):
        return value, [i.text for i in value.items if isinstance(i, ScalarNode) and not i.is_null]
    return pair[0], []


def check_audit_redact(project: FlapiProject) -> Iterator[Finding]:
    audit = project.mapping.get_map("audit")
    if get_bool(audit, "enabled") is not True:
        return
    redact_node, redacted = _redact_list(project)
    if redacted:
        return
    sensitive: list[str] = []
    for facts in _tools(project):
        for name in facts.request_fields:
            if name and _SENSITIVE.search(name):
                entry = f"`{name}` ({_tool_name(facts)})"
                if entry not in sensitive:
                    sensitive.append(entry)
    if not sensitive:
        return
    shown = ", ".join(sensitive[:4]) + (", …" if len(sensitive) > 4 else "")
    anchor = redact_node if redact_node is not None else project.mapping.get_pair("audit")[0]  # type: ignore[index]
    yield Finding(
        span=anchor.span,
        message=(
            f"flAPI's audit log records every REST request and `tools/call` with its parameters and `audit.redact` "
            f"lists nothing: values of {shown} are written to the log in clear"
        ),
        logical_location="audit.redact",
        related=include_sites(project.document, anchor.span),
    )


AUDIT_WITHOUT_REDACT = Rule(
    id="AUDIT002",
    name="flapi-audit-without-redact",
    category="audit",
    level=Level.WARNING,
    security_severity=5.0,
    precision="medium",
    cwe=(532, 359),
    short_description="The audit log is on without a `redact` list while tools take secrets or personal data.",
    full_description=(
        "With `audit.enabled: true`, flAPI writes each REST request and each MCP `tools/call` with its "
        "parameters to the audit sink, showing the values of the names listed in `audit.redact` as "
        "`\"<redacted>\"` and every other value in clear. The rule reports an "
        "empty or missing `redact` list when a tool has request fields named like credentials or "
        "personal data (`password`, `token`, `api_key`, `email`, `phone`, `iban`, `birth_date`, "
        "`address`, …)."
    ),
    why="Audit logs are widely readable and long-lived; secrets and personal data in them outlive any rotation.",
    fix="List those argument names in `audit.redact` (e.g. `redact: [password, token, email]`).",
    bad=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n")
            + "request:\n  - field-name: email\n    field-in: query\n    validators:\n      - type: email\n",
            MAIN + MCP_AUTH + _AUDIT,
        )
    ),
    good=Example(
        project(
            tool(extra="  allowed-roles: [analyst]\n")
            + "request:\n  - field-name: email\n    field-in: query\n    validators:\n      - type: email\n",
            MAIN + MCP_AUTH + _AUDIT + "  redact: [email]\n",
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_audit_redact,
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_audit_logs_parameters_and_masks_redact_names)"
    ),
)

RULES = (AUDIT_DISABLED, AUDIT_WITHOUT_REDACT)
