"""DATA001/DATA002: MCP tools and resources that return sensitive columns (or `*`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Endpoint, Target
from mcplint.model.statements import all_present, top_select
from mcplint.model.values import as_text_list
from mcplint.rules.data_exposure._columns import normalise, sensitive_label
from mcplint.rules.data_exposure._examples import tool
from mcplint.span import Span

_SQL_BAD = "SELECT id, name, email, phone FROM crm.customers WHERE region = {{ params.region }} LIMIT 100\n"
_SQL_GOOD = "SELECT id, name FROM crm.customers WHERE region = {{ params.region }} LIMIT 100\n"


def _exposed(endpoint: Endpoint) -> bool:
    return endpoint.mcp_tool is not None or endpoint.mcp_resource is not None


def _redacted(endpoint: Endpoint) -> set[str]:
    tool = endpoint.mcp_tool.node if endpoint.mcp_tool is not None else None
    response = tool.get_map("response") if tool is not None else None
    names = as_text_list(response.get("redact-columns")) if response is not None else []
    return {normalise(n) for n in names}


Projection = tuple[str, list[str], bool]


def projections(endpoint: Endpoint) -> list[Projection]:
    """(output name, source column names, is_star) of each projected column of the top SELECTs.

    They depend only on the template's text, so a run keeps them (``analysis_memo.py``) and a later run
    whose template did not change takes them from there instead of parsing the SQL again.
    """
    template = endpoint.template
    memo = template.memo if template is not None else None
    if template is not None and memo is not None:
        found = memo.recall("projections", template.mustache)
        if _projections_shape(found):
            return [(output, list(sources), star) for output, sources, star in found]
    computed = list(_projections(endpoint))
    if template is not None and memo is not None and memo.enabled:
        memo.keep("projections", template.mustache, [[output, sources, star] for output, sources, star in computed])
    return computed


def _projections_shape(data: object) -> bool:
    return isinstance(data, list) and all(
        isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and type(item[2]) is bool
        and isinstance(item[1], list) and all(isinstance(name, str) for name in item[1])
        for item in data
    )


def _projections(endpoint: Endpoint) -> Iterator[Projection]:
    from sqlglot import exp

    rendering = all_present(endpoint)
    if rendering is None or rendering.error is not None:
        return
    for statement in rendering.statements:
        select = top_select(statement)
        while isinstance(select, (exp.Union, exp.Intersect, exp.Except)):
            select = select.this
        if not isinstance(select, exp.Select):
            continue
        for expression in select.expressions:
            if isinstance(expression, exp.Star) or (isinstance(expression, exp.Column) and expression.is_star):
                yield "*", [], True
                continue
            sources = []
            inner = expression.this if isinstance(expression, exp.Alias) else expression
            if isinstance(inner, exp.Column):
                sources.append(inner.name)
            yield expression.alias_or_name, sources, False


def _span_of(endpoint: Endpoint, name: str) -> Span:
    template = endpoint.template
    assert template is not None
    text = template.source.text
    start = max(text.lower().find("select"), 0)
    match = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)", re.I).search(text, start)
    if match is None:
        match = re.compile(r"\bselect\b", re.I).search(text)
    return template.span(match.start(), match.end()) if match else template.span(0, 0)


def check_sensitive(endpoint: Endpoint) -> Iterator[Finding]:
    if not _exposed(endpoint):
        return
    redacted = _redacted(endpoint)
    extra = endpoint.options.get("sensitive-columns", [])
    seen: set[str] = set()
    for output, sources, star in projections(endpoint):
        if star or not output or normalise(output) in seen:
            continue
        label = next((lbl for lbl in (sensitive_label(n, extra) for n in [output, *sources]) if lbl), None)
        if label is None or normalise(output) in redacted:
            continue
        seen.add(normalise(output))
        where = ("add it to `mcp-tool.response.redact-columns`" if endpoint.mcp_tool is not None
                 else "leave it out of the query (resources cannot redact)")
        yield Finding(
            span=_span_of(endpoint, sources[0] if sources else output),
            message=(
                f"{endpoint.display_name} returns column `{output}` ({label}) to the model, and flAPI sends it "
                f"unredacted; {where}, or drop it from the SELECT"
            ),
            logical_location=f"column:{normalise(output)}",
            identity=endpoint.unit_path,
            properties={"column": output, "kind": label},
        )


def check_star(endpoint: Endpoint) -> Iterator[Finding]:
    if not _exposed(endpoint):
        return
    for _, _, star in projections(endpoint):
        if star:
            yield Finding(
                span=_span_of(endpoint, "*"),
                message=(
                    f"{endpoint.display_name} returns `*`: whatever columns the table has today or gains later "
                    "(emails, tokens, …) reach the model; list the columns it needs"
                ),
                logical_location="column:*",
                identity=endpoint.unit_path,
            )
            return


SENSITIVE = Rule(
    id="DATA001",
    name="sensitive-columns-returned",
    category="data-exposure",
    level=Level.WARNING,
    security_severity=6.5,
    precision="medium",
    cwe=(359,),
    short_description="An MCP tool or resource returns columns that look personal or secret, unredacted.",
    full_description=(
        "The projected column names of the tool's or resource's SELECT (aliases resolved with sqlglot) match "
        "the documented list of sensitive names — email, phone, national id, IBAN/account number, payment "
        "card, salary, date of birth, address, password/hash/token/secret, IP address — and "
        "`mcp-tool.response.redact-columns` does not cover them. Extend the list with "
        "`extend-sensitive-columns` in the configuration."
    ),
    why="Whatever a tool returns lands in the model's context, in logs and possibly in other tools' calls.",
    fix="Drop the column, or list it in `mcp-tool.response.redact-columns`.",
    bad=Example(tool(_SQL_BAD)),
    good=Example(tool(_SQL_BAD, "  response:\n    redact-columns: [email, phone]\n")),
    target=Target.ENDPOINT,
    check=check_sensitive,
    references=("https://cwe.mitre.org/data/definitions/359.html",),
)

STAR = Rule(
    id="DATA002",
    name="select-star-to-model",
    category="data-exposure",
    level=Level.NOTE,
    security_severity=3.0,
    precision="low",
    cwe=(359,),
    short_description="An MCP tool or resource returns `SELECT *`, so its columns are unknown.",
    full_description=(
        "With `SELECT *` the returned columns are whatever the table holds, now or after a schema change; "
        "mcplint cannot tell whether sensitive ones are among them."
    ),
    why="New columns (an email, a token) silently become visible to every agent using the tool.",
    fix="List the columns the tool needs.",
    bad=Example(tool("SELECT * FROM crm.customers WHERE region = {{ params.region }} LIMIT 100\n")),
    good=Example(tool(_SQL_GOOD)),
    target=Target.ENDPOINT,
    check=check_star,
    references=("https://cwe.mitre.org/data/definitions/359.html",),
)
