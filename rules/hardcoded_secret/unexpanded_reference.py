"""SEC005: a flAPI secret written as ``${VAR}``, which flAPI never expands."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import Target
from mcplint.model.flapi import DEFAULT_FLAPI_VERSION, flapi_at_least
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, hits, served_note, variable_name
from mcplint.rules.hardcoded_secret._examples import bearer_auth


# ``{{ env.NAME }}`` with spaces (and nothing flAPI never expands): substituted by flAPI 26.10, literal in 26.6.
_SPACED_ONLY = lazy_compile(r"\{\{\s*env\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}")


def _expanded_by(scan: SecretScan, value: str) -> bool:
    """Whether the flAPI release the project runs on substitutes this reference after all."""
    if "$" in value or not _SPACED_ONLY.search(value):
        return False
    return flapi_at_least(scan.options.get("flapi-version", DEFAULT_FLAPI_VERSION), "26.10")


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.UNEXPANDED):
        if _expanded_by(scan, hit.secret.reveal()):
            continue
        if hit.guards:
            impact = "which anyone who reads this file knows, so they can forge credentials that flAPI accepts"
            level = Level.ERROR
        else:
            impact = "so flAPI sends that text as the credential: the connection fails, or works with a public value"
            level = Level.WARNING
        yield finding(
            hit,
            f"{hit.kind} in {hit.where} is written as a reference (`{hit.shown}`) that flAPI never expands "
            "(it only substitutes `{{env.NAME}}`; before 26.10 only without spaces): the secret is the literal text, "
            f"{impact}{served_note(hit)}; write `{{{{env.{variable_name(hit)}}}}}` instead",
            level=level,
        )


RULE = Rule(
    id="SEC005",
    name="unexpanded-secret-reference",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=8.0,
    precision="very-high",
    cwe=(798, 1188),
    short_description="A flAPI secret is a `${VAR}` reference that flAPI never expands.",
    full_description=(
        "In flAPI YAML (main config, endpoint files, fragments), SQL in `connections.*.init` and SQL "
        "templates, only `{{env.NAME}}` is replaced by an environment variable. A secret written as "
        "`${NAME}` or `$NAME` is used as that literal text by every flAPI release: a "
        "`jwt-secret: '${JWT_SECRET}'` signs tokens with the public string `${JWT_SECRET}`. "
        "`{{ env.NAME }}` with spaces is literal in flAPI 26.6 but substituted by flAPI 26.10, so it is "
        "reported only with `flapi-version = \"26.6\"`. A `${NAME}` in a key that holds no secret "
        "(`url-path`, `connection`, a `properties` value) is not a secret problem: CFG018 reports it as a "
        "note. Verified on flAPI 26.10.2 and 26.6.28 (`--validate-config`). Reported at "
        "error level where flAPI checks callers against the secret (`jwt-secret`, OIDC `client-secret`) "
        "and as a warning for credentials flAPI sends elsewhere (connection passwords). Basic-auth "
        "passwords written this way are reported by CRED003."
    ),
    why=(
        "The author believes the secret comes from the environment, so nobody rotates or protects it, "
        "but every deployment of this configuration uses the same published value."
    ),
    fix="Write `{{env.NAME}}` (no spaces inside the braces) and set the variable when flAPI starts.",
    bad=Example(bearer_auth("'${FLAPI_JWT_SECRET}'"), description="A shell-style reference flAPI keeps as text:"),
    good=Example(bearer_auth("'{{env.FLAPI_JWT_SECRET}}'"), description="flAPI's own reference syntax:"),
    target=Target.SECRET_SCAN,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/798.html",),
)
