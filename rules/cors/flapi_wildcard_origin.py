"""CORS001: ``cors.allow-origins`` lists ``*``."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FlapiProject, Target
from mcplint.rules.cors._examples import flapi_project
from mcplint.tree import MappingNode, ScalarNode, SequenceNode


def check(project: FlapiProject) -> Iterator[Finding]:
    cors = project.cors
    if not isinstance(cors, MappingNode):
        return
    origins = cors.get("allow-origins")
    candidates = origins.items if isinstance(origins, SequenceNode) else [origins]
    for item in candidates:
        if isinstance(item, ScalarNode) and item.text == "*":
            mixed = isinstance(origins, SequenceNode) and len(origins.items) > 1
            yield Finding(
                span=item.span,
                message=(
                    "`cors.allow-origins` contains `*`: flAPI then answers every origin with "
                    "`Access-Control-Allow-Origin: *`"
                    + (", whatever else the list holds" if mixed else "")
                    + ", so any web page a user opens can call this API and read the answers"
                ),
                logical_location=item.logical_path,
            )


RULE = Rule(
    id="CORS001",
    name="flapi-cors-wildcard-origin",
    category="cors",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(942,),
    short_description="flAPI CORS allows every origin with `*`.",
    full_description=(
        "The flAPI main config lists `*` in `cors.allow-origins`. flAPI's CORS policy "
        "returns `Access-Control-Allow-Origin: *` whenever the list contains `*`, even "
        "when concrete origins are listed next to it."
    ),
    why=(
        "A browser lets any web page read responses from an API that answers with a "
        "wildcard origin. A flAPI server on a developer machine or an internal network "
        "(it listens on `0.0.0.0` by default) can then be queried by any site its users "
        "visit, and so can the data behind its endpoints and MCP tools."
    ),
    fix=(
        "List the exact origins of your front ends in `cors.allow-origins` "
        "(for example `https://app.example.com`) and remove `*`; on flAPI 26.10 also enforce them "
        "in the reverse proxy in front of flAPI, which answers unlisted origins with `*` too (CORS005)."
    ),
    bad=Example(
        flapi_project("template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - '*'\n"),
        description="A wildcard origin:",
    ),
    good=Example(
        flapi_project("template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - https://app.example.com\n"),
        description="Only the known front end:",
    ),
    target=Target.FLAPI_PROJECT,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/942.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS",
    ),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_cors_wildcard_without_list_empty_list_or_star)"
    ),
)
