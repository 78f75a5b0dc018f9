"""CORS002: no ``cors.allow-origins``, which flAPI serves as ``*``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.rules.cors._examples import flapi_project
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_CONSEQUENCE = (
    "flAPI then answers every origin with `Access-Control-Allow-Origin: *`; "
    "list your front-end origins in `cors.allow-origins`"
)
# flAPI 26.10.2 answers origins missing from the list with `*` as well (CORS005).
_NOT_ENFORCED = " and enforce them in a reverse proxy, since flAPI {version} answers unlisted origins with `*` too"


def check(project: FlapiProject) -> Iterator[Finding]:
    for finding in _check(project):
        version = project.flapi_version
        if flapi_at_least(version, "26.10"):
            finding = dataclasses.replace(finding, message=finding.message + _NOT_ENFORCED.format(version=version))
        yield finding


def _check(project: FlapiProject) -> Iterator[Finding]:
    root = project.mapping
    if project.cors_key is None:
        first_key = root.pairs[0][0] if root.pairs else None
        if first_key is None:
            return
        yield Finding(
            span=first_key.span,
            message=f"this flAPI config has no `cors` block: {_CONSEQUENCE}",
            logical_location="cors",
        )
        return
    cors = project.cors
    pair = cors.get_pair("allow-origins") if isinstance(cors, MappingNode) else None
    if pair is None:
        yield Finding(
            span=project.cors_key.span,
            message=f"`cors` sets no `allow-origins`: {_CONSEQUENCE}",
            logical_location="cors.allow-origins",
        )
        return
    key, origins = pair
    empty = (isinstance(origins, SequenceNode) and not origins.items) or (
        isinstance(origins, ScalarNode) and (origins.is_null or not origins.text.strip())
    )
    if empty:
        anchor = key if isinstance(origins, ScalarNode) and origins.is_null else origins
        yield Finding(
            span=anchor.span,
            message=f"`cors.allow-origins` is empty: {_CONSEQUENCE}",
            logical_location="cors.allow-origins",
        )


RULE = Rule(
    id="CORS002",
    name="flapi-cors-default-wildcard",
    category="cors",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(942, 1188),
    short_description="flAPI CORS is left at its default, which allows every origin.",
    full_description=(
        "The flAPI main config has no `cors` block, a `cors` block without "
        "`allow-origins`, or an empty `allow-origins` list. flAPI treats all three as "
        "`Access-Control-Allow-Origin: *`, a default its documentation does not make obvious. "
        "On flAPI 26.10 a list of origins does not help either: origins missing from it are still "
        "answered with `*` (CORS005), so the message also asks for a reverse proxy that enforces them."
    ),
    why=(
        "A silent wildcard is worse than an explicit one: nobody decided on it. Any web "
        "page a user visits can call the API and read the answers, including the data "
        "behind MCP tools."
    ),
    fix=(
        "Add `cors.allow-origins` with the exact origins of your front ends; on flAPI 26.10 also "
        "enforce them in the reverse proxy in front of flAPI (CORS005)."
    ),
    bad=Example(flapi_project("template:\n  path: ./sqls\n"), description="No `cors` block at all:"),
    good=Example(
        flapi_project("template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - https://app.example.com\n"),
        description="An explicit allow-list:",
    ),
    target=Target.FLAPI_PROJECT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/942.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_cors_wildcard_without_list_empty_list_or_star)"
    ),
)
