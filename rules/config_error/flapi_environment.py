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
from collections.abc import Iterator
from dataclasses import dataclass

from mcplint.engine.rule import Example, Finding, Level, RelatedLocation, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import Document, FlapiProject, Target
from mcplint.model.flapi import flapi_at_least
from mcplint.model.secret_patterns import flapi_secret_key_kind
from mcplint.rules.config_error._flapi_facts import include_sites
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import ScalarNode, SequenceNode, scalars

# What flAPI 26.10 treats as a reference in YAML text (spaces inside the braces included).
_REFERENCE = lazy_compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_CONDITION = lazy_compile(r"!?\s*env\.([A-Za-z_][A-Za-z0-9_]*)")
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


@dataclass(frozen=True)
class EnvReference:
    """One reference flAPI checks: its name, where it is written, and the include directive if it is a condition."""

    name: str
    span: Span
    written: str  # as the file spells it (``{{ env.X }}`` keeps its spaces)
    condition: str | None = None


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


def _full_line_comment(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return text[line_start:position].lstrip(" \t").startswith("#")


def _scan(source: SourceFile, start: int = 0, end: int | None = None) -> Iterator[EnvReference]:
    text = source.text
    stop = len(text) if end is None else end
    if "env." not in text[start:stop]:
        return
    for match in _REFERENCE.finditer(text, start, stop):
        if not _full_line_comment(text, match.start()):
            yield EnvReference(match.group(1), source.span(match.start(), match.end()), match.group())


def _conditions(document: Document) -> Iterator[EnvReference]:
    source = document.source
    for record in document.includes:
        if record.span.path != source.path or not record.condition:
            continue
        directive = source.text[record.span.start_offset : record.span.end_offset]
        found = _CONDITION.fullmatch(record.condition.strip())
        if found is None:
            continue
        at = directive.rfind(record.condition.strip())
        base = record.span.start_offset + max(at, 0)
        length = len(record.condition.strip()) if at >= 0 else len(directive)
        condition = record.condition.strip()
        yield EnvReference(found.group(1), source.span(base, base + length), condition, condition)


def references(project: FlapiProject) -> Iterator[EnvReference]:
    """Every environment reference flAPI 26.10 checks at start, each once, in file order."""
    documents = [project.document, *(e.document for e in project.endpoints), *project.fragments]
    seen: set[tuple[str, int]] = set()
    for document in documents:
        pieces: list[tuple[SourceFile, int, int | None]] = [(document.source, 0, None)]
        for record in document.includes:
            fragment = project.sources.get(record.fragment_path or "")
            if fragment is not None:
                pieces.append((fragment, record.fragment_range[0], record.fragment_range[1]))
        for source, start, end in pieces:
            for reference in _scan(source, start, end):
                key = (reference.span.path, reference.span.start_offset)
                if key not in seen:
                    seen.add(key)
                    yield reference
        yield from _conditions(document)


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

# ``${NAME}`` / ``$NAME``: shell syntax no flAPI release expands in YAML.
_SHELL_REFERENCE = lazy_compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]{0,200})?\}|^\$([A-Za-z_][A-Za-z0-9_]*)$")
_SQL_KEYS = frozenset({"init"})  # SQL: secrets in it are the secret scan's (SEC005)


def _holds_secret(node: ScalarNode) -> bool:
    """Whether the value sits under a key the secret rules judge (SEC005, CRED003), or is SQL."""
    names = [step for step in node.path if isinstance(step, str)]
    if not names:
        return False
    key = names[-1]
    parent = names[-2] if len(names) > 1 else None
    return key in _SQL_KEYS or flapi_secret_key_kind(key, parent) is not None


def check_shell_reference(project: FlapiProject) -> Iterator[Finding]:
    documents = [project.document, *(e.document for e in project.endpoints), *project.fragments]
    seen: set[tuple[str, int]] = set()
    for document in documents:
        for node in scalars(document.root):
            if node.is_null or "$" not in node.text or _holds_secret(node):
                continue
            match = _SHELL_REFERENCE.search(node.text.strip())
            if match is None:
                continue
            key = (node.span.path, node.span.start_offset)
            if key in seen:
                continue
            seen.add(key)
            name = match.group(1) or match.group(2)
            where = node.logical_path or "this value"
            yield Finding(
                span=node.span,
                message=(
                    f"`{where}` is written with `{match.group()}`, which flAPI never expands: the value is that "
                    f"literal text (not a secret, and not the variable's value). Write `{{{{env.{name}}}}}` to "
                    f"read the environment (flAPI 26.10 also needs `{name}` in `template.environment-whitelist`)"
                ),
                logical_location=node.logical_path,
                identity=match.group(),
                related=include_sites(project.document, node.span),
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
