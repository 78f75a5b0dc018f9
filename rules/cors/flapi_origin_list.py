"""CORS005: an explicit ``cors.allow-origins`` list, which flAPI 26.10 does not enforce.

docs/flapi-conformance.md: flAPI 26.10.2 echoes a listed origin, but answers
every other origin with ``Access-Control-Allow-Origin: *`` (an ``OPTIONS``
preflight too). Its current source (``cors_policy.cpp``) means to send no header
then; the released binary does not. The list therefore keeps no site out.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.rules.cors._examples import flapi_project
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_LIST = "template:\n  path: ./sqls\ncors:\n  allow-origins:\n    - https://app.example.com\n"


def _origins(node: object) -> list[ScalarNode]:
    items = node.items if isinstance(node, SequenceNode) else [node]
    return [i for i in items if isinstance(i, ScalarNode) and not i.is_null and i.text.strip()]


def check(project: FlapiProject) -> Iterator[Finding]:
    version = project.flapi_version
    if not flapi_at_least(version, "26.10"):
        return  # 26.6 could not be served in the conformance runs: its CORS answers are unverified
    cors = project.cors
    pair = cors.get_pair("allow-origins") if isinstance(cors, MappingNode) else None
    if pair is None:
        return  # CORS002
    key, value = pair
    origins = _origins(value)
    if not origins or any(o.text == "*" for o in origins):
        return  # empty: CORS002; `*` listed: CORS001
    shown = ", ".join(f"`{o.text}`" for o in origins[:3]) + (", …" if len(origins) > 3 else "")
    yield Finding(
        span=key.span,
        message=(
            f"flAPI {version} does not enforce `cors.allow-origins`: it echoes the listed "
            f"origin{'s' if len(origins) > 1 else ''} ({shown}) but answers every other origin with "
            "`Access-Control-Allow-Origin: *` (preflight requests too), so any web page can still call this API "
            "and read the answers; enforce the origins in a reverse proxy in front of flAPI"
        ),
        logical_location="cors.allow-origins",
    )


RULE = Rule(
    id="CORS005",
    name="flapi-cors-origin-list-not-enforced",
    category="cors",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(942,),
    short_description=(
        "flAPI 26.10 answers origins missing from `cors.allow-origins` with `*`: the list keeps no site out."
    ),
    full_description=(
        "The flAPI main config lists concrete origins in `cors.allow-origins`. flAPI 26.10 echoes a "
        "listed origin in `Access-Control-Allow-Origin`, but answers any other origin with "
        "`Access-Control-Allow-Origin: *`, on `OPTIONS` preflight requests too: the same answer as "
        "without a list (CORS002). flAPI's current source means to send no header to an unlisted "
        "origin; the released 26.10.2 binary does not. Reported under `flapi-version = \"26.10\"` (the "
        "default); not under `\"26.6\"`, whose CORS answers could not be checked (that release cannot be "
        "served in the conformance runs). Lists that contain `*` are CORS001, empty lists CORS002."
    ),
    why=(
        "The author believes only their front end may call the API from a browser, and stops looking "
        "for other protection; in fact any web page a user opens can query a flAPI server the user can "
        "reach (a developer machine, an internal network) and read the data behind its endpoints and tools."
    ),
    fix=(
        "Keep the list (it says what is intended, and a fixed flAPI will apply it), and enforce it where "
        "it works: in the reverse proxy in front of flAPI, drop or overwrite `Access-Control-Allow-Origin` "
        "for origins that are not listed. Record that with a suppression comment and its reason. Endpoints "
        "that must not be read by other sites also need authentication (`auth` with `enabled: true`)."
    ),
    bad=Example(flapi_project(_LIST), description="A list that flAPI 26.10 answers with `*` for every other origin:"),
    good=Example(
        flapi_project(
            "template:\n  path: ./sqls\ncors:\n"
            "  # mcplint: ignore[CORS005] -- the ingress answers other origins without CORS headers\n"
            "  allow-origins:\n    - https://app.example.com\n"
        ),
        description="The same list, enforced by the reverse proxy (and the suppression says so):",
    ),
    target=Target.FLAPI_PROJECT,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/942.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS",
    ),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py"
        "::test_cors_explicit_origin_still_answers_star_to_others)"
    ),
)
