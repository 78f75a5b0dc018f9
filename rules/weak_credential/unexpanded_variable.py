"""CRED003: ``password: '${VAR}'``, which flAPI never expands."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.model.flapi import DEFAULT_FLAPI_VERSION, flapi_at_least
from mcplint.rules.weak_credential._examples import endpoint_with_password
from mcplint.rules.weak_credential._passwords import Kind, hits


def check(block: AuthBlock) -> Iterator[Finding]:
    # flAPI 26.10 substitutes `{{ env.NAME }}` with spaces too (26.6 kept it as text); `${…}` never.
    spaced_is_literal = not flapi_at_least(block.options.get("flapi-version", DEFAULT_FLAPI_VERSION), "26.10")
    kinds = (Kind.UNEXPANDED, Kind.SPACED_ENV) if spaced_is_literal else (Kind.UNEXPANDED,)
    for hit in hits(block, *kinds):
        if hit.kind is Kind.SPACED_ENV:
            form = "`{{ env.NAME }}` with spaces inside the braces, which flAPI 26.6 does not substitute in YAML"
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
        "flAPI substitutes only `{{env.NAME}}` in YAML. A password such as `'${API_PASSWORD}'` or "
        "`$API_PASSWORD` is taken literally by every flAPI release: the password really is that string. "
        "`'{{ env.API_PASSWORD }}'` (spaces inside the braces) is literal text in flAPI 26.6 but "
        "substituted by flAPI 26.10, so it is reported only with `flapi-version = \"26.6\"` (under 26.10 "
        "the variable must be in `template.environment-whitelist`, see CFG017). Verified on flAPI 26.10.2 "
        "and 26.6.28 (`--validate-config`: `template.path: './sqls${TP}'` names the folder `sqls${TP}` in "
        "both; `'./sqls{{ env.TP }}'` becomes `./sqlszzz` on 26.10.2 and stays literal on 26.6.28)."
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
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py"
        "::test_basic_auth_dollar_var_not_expanded_even_when_set, "
        "tests/conformance/test_endpoint_behaviour.py::test_basic_auth_password_formats)"
    ),
)
