"""Shared wording and finding construction for the SQL-injection rules.

The judgement itself lives in the model (``mcplint.model.injection``); these
helpers only turn an :class:`Assessment` into a precise message that names
the field, the endpoint file declaring it, the context, the proof and the fix.
"""

from __future__ import annotations

from mcplint.engine.rule import Finding
from mcplint.model import Endpoint
from mcplint.model.injection import Assessment, Context, Control, Route

_FIXES = {
    Context.STRING: "bind it instead (double braces, exactly `params.<name>`, outside sections, with a typed "
    "validator, and without the quotes) or restrict it with an `enum` or a quote-free `regex`",
    Context.LIKE_PATTERN: "bind it (`LIKE '%' || {{ params.x }} || '%'` at depth 0 with a typed validator) or "
    "restrict it with a quote-free `regex`",
    Context.QUOTED_IDENTIFIER: "restrict it with an `enum` validator listing the allowed names",
    Context.EXECUTED_STRING: "do not build SQL for `query()`-style functions from request values; restrict the "
    "value with an `enum` or `int` validator",
    Context.VALUE: "bind it (double braces, exactly `params.<name>`, outside sections, with a typed validator) or "
    "validate it as `int`, `enum`, `date`, `uuid`",
    Context.LIMIT: "bind it or validate it as `int`",
    Context.IN_LIST: "bind each value or validate the list with a digits-and-commas `regex`",
    Context.ORDER_BY: "restrict it with an `enum` validator listing the sortable columns",
    Context.IDENTIFIER: "restrict it with an `enum` validator listing the allowed names",
    Context.TABLE: "restrict it with an `enum` validator listing the allowed tables",
    Context.FRAGMENT: "never take SQL from the caller: expose each option as its own validated field",
    Context.STATEMENT: "never take SQL from the caller: expose each option as its own validated field",
    Context.COMMENT: "do not put request values in SQL comments",
}


def field_description(assessment: Assessment, endpoint: Endpoint) -> str:
    """`params.x` (declared in sqls/x.yaml with …) — who controls the value, in words."""
    var = f"`{assessment.variable}`"
    where = endpoint.unit_path
    control = assessment.control
    if control is Control.UNDECLARED:
        return (f"{var} (not declared in {where}, yet {route_list(assessment.routes)} "
                f"{'passes' if len(assessment.routes) == 1 else 'pass'} a parameter of that name to the template "
                "unvalidated; MCP tools/call would refuse it)")
    if control is Control.PAGINATION:
        return f"{var} (flAPI passes `limit` and `offset` to the template as raw, unvalidated text)"
    if control is Control.SHADOWABLE:
        return (f"{var} (a caller can shadow this context value with the request parameter "
                f"`{assessment.request_name}` through {route_list(assessment.routes)}, which "
                f"{'accepts' if len(assessment.routes) == 1 else 'accept'} undeclared parameters)")
    field = assessment.field
    if field is None:
        return var
    kinds = [(v.type or "?") for v in field.validators]
    if not kinds:
        detail = "without validators"
    elif control is Control.REGEX and assessment.alphabet is not None:
        detail = f"whose `string` regex admits {assessment.alphabet.describe()}"
    elif control is Control.UNVALIDATED and "string" in kinds:
        detail = "with a `string` validator without `regex` (`min`/`max` only limit the length)"
    else:
        detail = "with validators " + ", ".join(f"`{k}`" for k in kinds)
    return f"{var} (declared in {where} {detail})"


def how(assessment: Assessment) -> str:
    if assessment.raw:
        return f"inserted raw by `{assessment.form}`"
    return "inserted as text by `{{ }}` (HTML-escaped, which is no SQL escaping)"


def context_words(assessment: Assessment) -> str:
    detail = f" ({assessment.context_detail})" if assessment.context_detail else ""
    if assessment.context is Context.EXECUTED_STRING:
        detail = f" (by `{assessment.context_detail}()`)"
    return f"into {assessment.context.with_article}{detail}"


def route_list(routes: tuple[Route, ...]) -> str:
    names = [route.describe() for route in routes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def proof_sentence(assessment: Assessment) -> str:
    """The proof: the request that carries the payload (it passes the route's validators and flAPI
    26.10.2's keyword filter) and what the payload does to the statement flAPI renders."""
    proof = assessment.proof
    if proof is None:
        return ""
    payload = proof.payload.replace("\n", "\\n")
    via = f" via {proof.request()}" if proof.route is not None else ""
    if assessment.control in (Control.UNDECLARED, Control.SHADOWABLE, Control.PAGINATION):
        passes = "no validator or keyword filter checks it"  # flAPI validates declared fields only
        if assessment.request_name in ("limit", "offset"):
            passes += " (it starts with a number, as flAPI's pagination requires)"
    else:
        passes = "it passes the field's validators and flAPI's keyword filter"
    return f" Proven{via}: {passes}, and rendered as flAPI renders it the value `{payload}` {proof.change}."


def fix(assessment: Assessment) -> str:
    if assessment.control is Control.SHADOWABLE:
        return "set `request-fields-validation: true` on the endpoint so that callers cannot shadow context values"
    return _FIXES.get(assessment.context, "restrict it with a strict validator")


def finding(assessment: Assessment, endpoint: Endpoint, message: str) -> Finding:
    template = endpoint.template
    assert template is not None
    tag = assessment.tag
    properties: dict[str, object] = {
        "context": assessment.context.value,
        "control": assessment.control.value,
        "form": assessment.form,
        "endpoint": endpoint.unit_path,
        "proven": assessment.proof is not None,
    }
    if assessment.proof is not None:
        proof = assessment.proof
        properties["payload"] = proof.payload
        properties["change"] = proof.change
        properties["benign"] = proof.benign
        if proof.route is not None:
            properties["route"] = proof.route.describe()
            properties["parameter"] = proof.parameter
    return Finding(
        span=template.span(tag.start, tag.end),
        message=message,
        logical_location=f"{assessment.variable}",
        identity=endpoint.unit_path,
        properties=properties,
    )


def standard_message(assessment: Assessment, endpoint: Endpoint) -> str:
    return (
        f"{field_description(assessment, endpoint)} is {how(assessment)} {context_words(assessment)}: "
        f"a caller can {assessment.reason}.{proof_sentence(assessment)} Fix: {fix(assessment)}."
    )
