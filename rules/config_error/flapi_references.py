"""CFG012–CFG016: references in a flAPI project that lead nowhere, or to two places.

A ``template-source`` that does not exist or lies outside the project, a
``connection`` the main file does not define, and names that two endpoint
files claim (an MCP tool name, a REST route). Broken includes are CFG003.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.model import Endpoint, FlapiProject, Target
from mcplint.model.endpoint_facts import Claim
from mcplint.rules.config_error._flapi_facts import INCLUDE_SITE, include_sites
from mcplint.tree import ScalarNode, SequenceNode

MAIN = "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, status FROM orders LIMIT 100\n"


def _project(files: dict[str, str], main: str = MAIN) -> dict[str, str]:
    return {"flapi.yaml": main, **files}


def _orders(template_source: str) -> dict[str, str]:
    endpoint = f"url-path: /orders/\ntemplate-source: {template_source}\n"
    return _project({"sqls/orders.yaml": endpoint, "sqls/orders.sql": SQL})


def _related(endpoint: Endpoint, node: ScalarNode) -> tuple[RelatedLocation, ...]:
    return include_sites(endpoint.document, node.span)


# ------------------------------------------------------------------- CFG012


def check_missing_template(endpoint: Endpoint) -> Iterator[Finding]:
    reference = endpoint.template_source
    if reference is None or endpoint.template_status != "missing":
        return
    name = reference.text.strip()
    if not name:
        message = "`template-source` is empty: flAPI has no SQL to run for this endpoint and fails the call"
    else:
        message = (
            f"`template-source` names `{name}`, but there is no such file next to this endpoint file: "
            "flAPI resolves the name relative to the endpoint file's folder and cannot load the template"
        )
    yield Finding(
        span=reference.span,
        message=message,
        logical_location="template-source",
        related=_related(endpoint, reference),
    )


MISSING_TEMPLATE = Rule(
    id="CFG012",
    name="flapi-template-source-missing",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="very-high",
    cwe=(),
    short_description="An endpoint's `template-source` names a SQL file that does not exist.",
    full_description=(
        "flAPI resolves `template-source` relative to the folder of the endpoint file (not the "
        "main config, not `template.path`). The file it names is not there, so the endpoint cannot "
        "render its SQL; mcplint cannot check the SQL either. Remote sources and paths built from "
        "`{{env.X}}` are not checked here."
    ),
    why="The endpoint fails on every call, and whatever its template would do stays unreviewed.",
    fix="Correct the file name or the relative path (it starts at the endpoint file's folder).",
    bad=Example(
        _orders("sqls/orders.sql"),
        description="The path is resolved from `sqls/`, so flAPI looks for `sqls/sqls/orders.sql`:",
    ),
    good=Example(_orders("orders.sql")),
    target=Target.ENDPOINT,
    check=check_missing_template,
)


# ------------------------------------------------------------------- CFG013


def _project_dir(endpoint: Endpoint) -> tuple[str, str] | None:
    if endpoint.project is not None:
        folder = os.path.dirname(endpoint.project.document.source.abs_name)
        return folder, f"the project folder of {endpoint.project.document.path}"
    return None


def check_outside_project(endpoint: Endpoint) -> Iterator[Finding]:
    reference = endpoint.template_source
    if reference is None or endpoint.template_status in ("", "remote", "env", "missing"):
        return
    name = reference.text.strip()
    base = _project_dir(endpoint)
    if not name or base is None:
        return
    folder, described = base
    target = os.path.normpath(os.path.join(os.path.dirname(endpoint.document.source.abs_name), name))
    if target == folder or target.startswith(folder + os.sep):
        return
    yield Finding(
        span=reference.span,
        message=(
            f"`template-source: {name}` leads out of {described}: flAPI reads whatever file is at that path "
            "when it starts, so the SQL this endpoint runs is not the SQL under review; keep the template "
            "inside the project"
        ),
        logical_location="template-source",
        related=_related(endpoint, reference),
    )


OUTSIDE_PROJECT = Rule(
    id="CFG013",
    name="flapi-template-source-outside-project",
    category="config-error",
    level=Level.WARNING,
    security_severity=5.0,
    precision="high",
    cwe=(829,),
    short_description="An endpoint's `template-source` points outside the flAPI project.",
    full_description=(
        "The path (absolute, or relative with `..`) resolves outside the folder of the project's "
        "main config. flAPI reads any file path it is given, so the SQL that runs comes from "
        "wherever that path leads on the server: a file the repository does not contain and a "
        "review does not see."
    ),
    why=(
        "Whoever can write that file decides what the endpoint executes, and mcplint cannot check "
        "SQL it is not shown."
    ),
    fix="Move the SQL file into the project (next to the endpoint file) and reference it relatively.",
    bad=Example(
        _orders("../../shared/orders.sql"),
        description="The template lives two folders above the project:",
    ),
    good=Example(_orders("orders.sql")),
    target=Target.ENDPOINT,
    check=check_outside_project,
)


# ------------------------------------------------------------------- CFG014


def check_unknown_connection(endpoint: Endpoint) -> Iterator[Finding]:
    project = endpoint.project
    node = endpoint.mapping.get("connection")
    if project is None or node is None:
        return
    defined = [c.name for c in project.connections]
    connections_key = project.mapping.get_pair("connections")
    anchor = connections_key[0] if connections_key is not None else project.mapping.pairs[0][0]
    where = RelatedLocation(anchor.span, "the main config's `connections`")
    items = node.items if isinstance(node, SequenceNode) else [node]
    for index, item in enumerate(items):
        if not isinstance(item, ScalarNode) or item.is_null or item.env_refs:
            continue
        name = item.text
        if name in defined:
            continue
        close = difflib.get_close_matches(name, defined, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        effect = (
            "so `conn.*` in the template (taken from the first listed connection) is empty"
            if index == 0
            else "so the endpoint runs without it"
        )
        yield Finding(
            span=item.span,
            message=(
                f"connection `{name}` is not defined under `connections` in the main config: flAPI finds no "
                f"connection of that name, {effect}{hint}"
            ),
            logical_location=item.logical_path,
            identity=name,
            related=(where,) + _related(endpoint, item),
        )


UNKNOWN_CONNECTION = Rule(
    id="CFG014",
    name="flapi-unknown-connection",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="very-high",
    cwe=(),
    short_description="An endpoint names a connection the main config does not define.",
    full_description=(
        "Each name in an endpoint's `connection` list must be a key of `connections` in the main "
        "config. flAPI takes the template's `conn.*` values from the first listed connection; a name "
        "it does not know gives the template nothing, so paths and settings the SQL relies on render "
        "as empty text."
    ),
    why="The SQL runs with empty values where it expects a file path or a setting: it fails or reads the wrong data.",
    fix="Use a connection name defined under `connections:` in the main config (names are case-sensitive).",
    bad=Example(
        _project(
            {
                "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [order-db]\n",
                "sqls/orders.sql": SQL,
            },
            MAIN + "connections:\n  orders-db:\n    properties:\n      path: ./data/orders.parquet\n",
        ),
        description="`order-db` is not `orders-db`:",
    ),
    good=Example(
        _project(
            {
                "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [orders-db]\n",
                "sqls/orders.sql": SQL,
            },
            MAIN + "connections:\n  orders-db:\n    properties:\n      path: ./data/orders.parquet\n",
        )
    ),
    target=Target.ENDPOINT,
    check=check_unknown_connection,
)


# ------------------------------------------------------------- CFG015/016


def _claims(project: FlapiProject) -> dict[tuple[str, str], list[tuple[str, Claim]]]:
    """(kind, name) → the endpoint files that claim it, with the claim, in path order."""
    claims: dict[tuple[str, str], list[tuple[str, Claim]]] = {}
    for facts in sorted(project.endpoint_facts(), key=lambda f: f.path):
        for claim in facts.claims:
            claims.setdefault((claim.kind, claim.name), []).append((facts.path, claim))
    return claims


def _duplicates(project: FlapiProject, routes: bool) -> Iterator[Finding]:
    for (kind, name), owners in _claims(project).items():
        if (kind == "route") != routes or len(owners) < 2:
            continue
        first_path, first = owners[0]
        for _, claim in owners[1:]:
            if routes:
                message = (
                    f"route `{name}` is also defined in {first_path}: flAPI matches a "
                    "request to the first endpoint it loaded (in directory order), so one of the two "
                    "never answers"
                )
            else:
                message = (
                    f"MCP {kind} name `{name}` is also used in {first_path}: flAPI looks "
                    f"{kind}s up by name and serves the first one it loaded (in directory order), so one of "
                    "the two is unreachable"
                )
            yield Finding(
                span=claim.span,
                message=message,
                logical_location=claim.logical_location,
                identity=f"{kind}:{name}",
                related=(RelatedLocation(first.span, f"the other definition of `{name}`"),)
                + tuple(RelatedLocation(site, INCLUDE_SITE) for site in claim.include_sites),
            )


def check_duplicate_names(project: FlapiProject) -> Iterator[Finding]:
    yield from _duplicates(project, routes=False)


def check_duplicate_routes(project: FlapiProject) -> Iterator[Finding]:
    yield from _duplicates(project, routes=True)


_TOOL = "mcp-tool:\n  name: {name}\n  description: {description}\ntemplate-source: orders.sql\n"

DUPLICATE_NAME = Rule(
    id="CFG015",
    name="flapi-duplicate-mcp-name",
    category="config-error",
    level=Level.ERROR,
    security_severity=4.0,
    precision="very-high",
    cwe=(694,),
    short_description="Two endpoint files define an MCP tool, resource or prompt with the same name.",
    full_description=(
        "flAPI loads every YAML file below `template.path` and finds tools, resources and prompts by "
        "name. When two files use one name, the one loaded first answers, and the load order is the "
        "file system's directory order: the tool an agent calls can change between machines."
    ),
    why=(
        "The tool that runs may not be the one reviewed, with different SQL, validation or "
        "`allowed-roles`; a stale copy in a sub-folder can shadow the real tool."
    ),
    fix="Give each tool, resource and prompt a unique name, or delete (or rename to `.yaml.inactive`) the old copy.",
    bad=Example(
        _project(
            {
                "sqls/orders.yaml": _TOOL.format(name="get_orders", description="Orders by status."),
                "sqls/old/orders.yaml": _TOOL.format(name="get_orders", description="Old orders tool.")
                .replace("orders.sql", "../orders.sql"),
                "sqls/orders.sql": SQL,
            }
        ),
        description="Two files define `get_orders`:",
    ),
    good=Example(
        _project(
            {
                "sqls/orders.yaml": _TOOL.format(name="get_orders", description="Orders by status."),
                "sqls/old/orders.yaml.inactive": _TOOL.format(name="get_orders", description="Old orders tool."),
                "sqls/orders.sql": SQL,
            }
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_duplicate_names,
)

DUPLICATE_ROUTE = Rule(
    id="CFG016",
    name="flapi-duplicate-route",
    category="config-error",
    level=Level.ERROR,
    security_severity=4.0,
    precision="very-high",
    cwe=(694,),
    short_description="Two endpoint files define the same `url-path` and method.",
    full_description=(
        "flAPI matches a request against its endpoints in the order it loaded them (the file "
        "system's directory order) and uses the first match. Two files with the same `url-path` and "
        "`method` compete: which one answers depends on the machine."
    ),
    why="The endpoint that answers may lack the `auth`, validators or filters of the one that was reviewed.",
    fix="Give each endpoint its own `url-path` (or method), or remove the old copy.",
    bad=Example(
        _project(
            {
                "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
                "sqls/orders-v2.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
                "sqls/orders.sql": SQL,
            }
        ),
        description="Both files serve `GET /orders/`:",
    ),
    good=Example(
        _project(
            {
                "sqls/orders.yaml": "url-path: /orders/\ntemplate-source: orders.sql\n",
                "sqls/orders-v2.yaml": "url-path: /v2/orders/\ntemplate-source: orders.sql\n",
                "sqls/orders.sql": SQL,
            }
        )
    ),
    target=Target.FLAPI_PROJECT,
    check=check_duplicate_routes,
)

RULES = (MISSING_TEMPLATE, OUTSIDE_PROJECT, UNKNOWN_CONNECTION, DUPLICATE_NAME, DUPLICATE_ROUTE)
