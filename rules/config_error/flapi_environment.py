"""CFG017: a ``{{env.NAME}}`` in flAPI YAML that ``template.environment-whitelist`` does not admit.

flAPI 26.10 checks every environment reference in the YAML it reads (main
file, endpoint files, every YAML file below ``template.path``, included
fragments, include conditions) against ``template.environment-whitelist``
(regular expressions, full match) and refuses to start on the first one no
pattern admits; an empty or missing whitelist admits none. flAPI 26.6
replaced every reference with the variable's value (empty when unset)
whatever the whitelist said. Seen on the released binaries (26.10.2 and
26.6.28, ``--validate-config``): a full-line YAML comment is skipped, a
trailing comment is not, and ``{{ env.NAME }}`` with spaces counts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TypeVar

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.model import FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.model.endpoint_facts import EnvReference, ShellReference, env_references, shell_references
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.tree import ScalarNode, SequenceNode

_Reference = TypeVar("_Reference", EnvReference, ShellReference)
_MAX_PATTERN = 500  # characters of a whitelist pattern mcplint compiles (longer ones admit nothing here)

# flAPI 26.10.2's own words (``--validate-config``).
FLAPI_WORDS = (
    "environment variable {name} referenced as {{{{env.NAME}}}} but not whitelisted. Add a pattern matching it to "
    "`template.environment-whitelist` in the main configuration file; an empty or missing whitelist allows no "
    "variables."
)
FLAPI_CONDITION_WORDS = (
    "environment variable {name} is read by the include condition '{condition}' but is not whitelisted."
)

_SQL = "SELECT id, status FROM orders LIMIT 100\n"
_ENDPOINT = "url-path: /orders/\ntemplate-source: orders.sql\nconnection: [warehouse]\n"


def _files(main: str) -> dict[str, str]:
    return {"flapi.yaml": main, "sqls/orders.yaml": _ENDPOINT, "sqls/orders.sql": _SQL}


_BAD_MAIN = (
    "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\n"
    "connections:\n  warehouse:\n    properties:\n      db_file: '{{env.WAREHOUSE_FILE}}'\n"
)
_GOOD_MAIN = (
    "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\n"
    "  environment-whitelist: ['^WAREHOUSE_FILE$']\n"
    "connections:\n  warehouse:\n    properties:\n      db_file: '{{env.WAREHOUSE_FILE}}'\n"
)


def whitelist_patterns(project: FlapiProject) -> list[ScalarNode]:
    template = project.mapping.get_map("template")
    whitelist = template.get("environment-whitelist") if template is not None else None
    if not isinstance(whitelist, SequenceNode):
        return []
    return [item for item in whitelist.items if isinstance(item, ScalarNode) and not item.is_null]


def admits(patterns: list[ScalarNode], name: str) -> bool:
    """Whether some pattern fully matches ``name`` (flAPI uses full match: ``SECRET`` does not admit ``SECRET_X``)."""
    for item in patterns:
        text = item.text
        if len(text) > _MAX_PATTERN:
            continue
        try:
            if re.fullmatch(text, name):
                return True
        except (re.error, RecursionError, OverflowError):
            continue
    return False


def _first_of_each_place(found: Iterable[_Reference]) -> Iterator[_Reference]:
    """Each reference once (a fragment included by several files is seen from each of them)."""
    seen: set[tuple[str, int]] = set()
    for reference in found:
        key = (reference.span.path, reference.span.start_offset)
        if key not in seen:
            seen.add(key)
            yield reference


def references(project: FlapiProject) -> Iterator[EnvReference]:
    """Every environment reference flAPI 26.10 checks at start, each once, in file order."""
    found: list[EnvReference] = list(env_references(project.document, project.sources))
    for facts in project.endpoint_facts():
        found.extend(facts.env_references)
    for fragment in project.fragments:
        found.extend(env_references(fragment, project.sources))
    return _first_of_each_place(found)


def check(project: FlapiProject) -> Iterator[Finding]:
    if not flapi_at_least(project.flapi_version, "26.10"):
        return  # flAPI 26.6 expands every reference, whitelisted or not
    patterns = whitelist_patterns(project)
    template = project.mapping.get_map("template")
    whitelist_key = template.get_pair("environment-whitelist") if template is not None else None
    where: tuple[RelatedLocation, ...] = (
        (RelatedLocation(whitelist_key[0].span, "the whitelist"),) if whitelist_key is not None else ()
    )
    state = "has no pattern that matches this whole name" if patterns else (
        "is empty" if whitelist_key is not None else "is missing"
    )
    for reference in references(project):
        if admits(patterns, reference.name):
            continue
        if reference.condition is not None:
            words = FLAPI_CONDITION_WORDS.format(name=reference.name, condition=reference.condition)
            what = f"the include condition `{reference.condition}` reads `{reference.name}`"
        else:
            words = FLAPI_WORDS.format(name=reference.name)
            what = f"`{reference.written}` reads the environment variable `{reference.name}`"
        yield Finding(
            span=reference.span,
            message=(
                f"{what}, but `template.environment-whitelist` {state}: flAPI {project.flapi_version} refuses to "
                f'start ("{words}"). Add a pattern that matches exactly this variable, e.g. '
                f"`'^{reference.name}$'` (every variable listed there is also readable by SQL templates as "
                "`env.*`, so list no more than the YAML needs)"
            ),
            logical_location=f"env.{reference.name}",
            identity=reference.name,
            related=where + include_sites(project.document, reference.span),
        )


RULE = Rule(
    id="CFG017",
    name="flapi-env-not-whitelisted",
    category="config-error",
    level=Level.ERROR,
    security_severity=3.0,
    precision="very-high",
    cwe=(1286,),
    short_description="A `{{env.NAME}}` in flAPI YAML is not admitted by `template.environment-whitelist`.",
    full_description=(
        "From flAPI 26.10, every environment reference in the YAML flAPI reads (the main file, endpoint "
        "files, every YAML file below `template.path`, included fragments, and `if env.X` include "
        "conditions) must be admitted by a pattern of `template.environment-whitelist`; patterns are "
        "regular expressions that must match the whole name (`SECRET` does not admit `SECRET_KEY`), and "
        "an empty or missing whitelist admits none. Otherwise flAPI refuses to start, in its own words: "
        "\"environment variable NAME referenced as {{env.NAME}} but not whitelisted. Add a pattern "
        "matching it to `template.environment-whitelist` in the main configuration file; an empty or "
        "missing whitelist allows no variables.\" A full-line YAML comment is skipped; a trailing comment "
        "and `{{ env.NAME }}` with spaces are checked too. flAPI 26.6 replaced every reference with the "
        "variable's value (empty when unset) whatever the whitelist said, so with `flapi-version = "
        "\"26.6\"` this rule reports nothing. Verified on flAPI 26.10.2 and 26.6.28 (`--validate-config`)."
    ),
    why=(
        "A deployment upgraded to flAPI 26.10 does not start; the usual quick fix, a whitelist of `.*`, "
        "hands every environment variable (cloud keys, database passwords) to the SQL templates."
    ),
    fix=(
        "Add to `template.environment-whitelist` an anchored pattern for exactly the variables the YAML "
        "references, e.g. `'^WAREHOUSE_FILE$'`. Everything the whitelist admits is also readable in SQL "
        "templates as `{{env.NAME}}`, so do not widen it beyond those names."
    ),
    bad=Example(_files(_BAD_MAIN), description="No whitelist: flAPI 26.10 refuses to start:"),
    good=Example(_files(_GOOD_MAIN)),
    target=Target.FLAPI_PROJECT,
    check=check,
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_versions_and_beliefs.py"
        "::test_env_reference_needs_a_full_match_in_the_whitelist_on_26_10, "
        "tests/conformance/test_project_behaviour.py::test_env_in_yaml_must_be_whitelisted, "
        "tests/conformance/test_versions_and_beliefs.py::test_yaml_references_expand_whitelisted_or_not_on_26_6)"
    ),
)

# ------------------------------------------------------------------- CFG018

def check_shell_reference(project: FlapiProject) -> Iterator[Finding]:
    found: list[ShellReference] = list(shell_references(project.document))
    for facts in project.endpoint_facts():
        found.extend(facts.shell_references)
    for fragment in project.fragments:
        found.extend(shell_references(fragment))
    for reference in _first_of_each_place(found):
        where = reference.logical_location or "this value"
        yield Finding(
            span=reference.span,
            message=(
                f"`{where}` is written with `{reference.written}`, which flAPI never expands: the value is that "
                f"literal text (not a secret, and not the variable's value). Write `{{{{env.{reference.name}}}}}` "
                f"to read the environment (flAPI 26.10 also needs `{reference.name}` in "
                "`template.environment-whitelist`)"
            ),
            logical_location=reference.logical_location,
            identity=reference.written,
            related=include_sites(project.document, reference.span),
        )


SHELL_REFERENCE = Rule(
    id="CFG018",
    name="flapi-shell-variable-not-expanded",
    category="config-error",
    level=Level.NOTE,
    security_severity=2.0,
    precision="very-high",
    cwe=(1286,),
    short_description="A flAPI YAML value uses `${NAME}`, which flAPI never expands.",
    full_description=(
        "flAPI substitutes environment variables in its YAML only as `{{env.NAME}}`. A value written "
        "`${NAME}` or `$NAME` (a `url-path`, a `connection` name, a `properties` value, a `template.path`) "
        "is used as that literal text by every flAPI release: `url-path: /v1/${TENANT}/orders` serves the "
        "route with `${TENANT}` in it. This is a configuration mistake, not a leaked secret, so it is a "
        "note; where the key holds a secret (`password`, `jwt-secret`, a secret-named property, SQL in "
        "`init`) SEC005 or CRED003 report it instead, because the secret then is a public string. Verified "
        "on flAPI 26.10.2 and 26.6.28 (`--validate-config` with `template.path: './sqls${TP}'` and `TP` "
        "set loads the folder literally named `sqls${TP}`)."
    ),
    why="The deployment silently runs with a placeholder where a value was meant; routes, files or buckets are wrong.",
    fix=(
        "Write `{{env.NAME}}` and set the variable when flAPI starts; on flAPI 26.10 also admit it in "
        "`template.environment-whitelist` (an anchored pattern such as `'^NAME$'`)."
    ),
    bad=Example(
        {
            "flapi.yaml": (
                "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\n"
                "connections:\n  warehouse:\n    properties:\n      region: '${AWS_REGION}'\n"
            ),
            "sqls/orders.yaml": _ENDPOINT,
            "sqls/orders.sql": _SQL,
        },
        description="The region is the text `${AWS_REGION}`:",
    ),
    good=Example(
        {
            "flapi.yaml": (
                "project-name: orders\nproject-description: Orders API\ntemplate:\n  path: ./sqls\n"
                "  environment-whitelist: ['^AWS_REGION$']\n"
                "connections:\n  warehouse:\n    properties:\n      region: '{{env.AWS_REGION}}'\n"
            ),
            "sqls/orders.yaml": _ENDPOINT,
            "sqls/orders.sql": _SQL,
        }
    ),
    target=Target.FLAPI_PROJECT,
    check=check_shell_reference,
    verified_on=(
        "flAPI 26.10.2 and 26.6.28 (tests/conformance/test_versions_and_beliefs.py"
        "::test_spaced_reference_expands_only_on_26_10_and_shell_syntax_never)"
    ),
)

RULES = (RULE, SHELL_REFERENCE)
