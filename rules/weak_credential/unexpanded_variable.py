"""CRED003: ``password: '${VAR}'``, which flAPI never expands."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.rules.weak_credential._examples import endpoint_with_password
from mcplint.rules.weak_credential._passwords import Kind, hits


def check(block: AuthBlock) -> Iterator[Finding]:
    for hit in hits(block, Kind.UNEXPANDED, Kind.SPACED_ENV):
        if hit.kind is Kind.SPACED_ENV:
            form = "`{{ env.NAME }}` with spaces inside the braces, which flAPI does not substitute in YAML"
        else:
            form = "a shell-style `${…}` reference, which flAPI never expands"
        yield hit.finding(
            f"basic-auth {hit.who} in {hit.where} has a password written as {form}: the password "
            "is that literal text, known to anyone who reads this file; write `{{env.NAME}}` instead"
        )


RULE = Rule(
    id="CRED003",
    name="unexpanded-password-variable",
    category="weak-credential",
    level=Level.ERROR,
    security_severity=9.0,
    precision="very-high",
    cwe=(798, 1188),
    short_description="A basic-auth password is a reference that flAPI never expands.",
    full_description=(
        "flAPI only substitutes `{{env.NAME}}` (no spaces inside the braces) in YAML. A password "
        "such as `'${API_PASSWORD}'`, `$API_PASSWORD` or `'{{ env.API_PASSWORD }}'` is taken "
        "literally: the password really is that string."
    ),
    why=(
        "The author believes the password comes from a secret store, but it is a "
        "fixed, public string that works on every deployment of this configuration."
    ),
    fix="Write `password: '{{env.API_PASSWORD}}'` (flAPI's syntax) and set the variable at start-up.",
    bad=Example(endpoint_with_password("'${ANALYST_PASSWORD}'"), description="A shell-style reference:"),
    good=Example(endpoint_with_password("'{{env.ANALYST_PASSWORD}}'"), description="flAPI's reference syntax:"),
    target=Target.AUTH_BLOCK,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/798.html",),
)
