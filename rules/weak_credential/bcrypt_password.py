"""CRED004: a bcrypt hash, which flAPI recognises but can never verify."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.rules.weak_credential._examples import PBKDF2, endpoint_with_password
from mcplint.rules.weak_credential._passwords import Kind, hits


def check(block: AuthBlock) -> Iterator[Finding]:
    for hit in hits(block, Kind.BCRYPT):
        yield hit.finding(
            f"basic-auth {hit.who} in {hit.where} has a bcrypt hash: flAPI recognises bcrypt "
            "but can never verify it, so this user can never log in; use a `$pbkdf2-sha256$` hash"
        )


RULE = Rule(
    id="CRED004",
    name="bcrypt-password-never-verifies",
    category="weak-credential",
    level=Level.WARNING,
    security_severity=2.0,
    precision="very-high",
    cwe=(1188,),
    short_description="A basic-auth password is a bcrypt hash, which flAPI can never verify.",
    full_description=(
        "flAPI detects `$2a$`, `$2b$` and `$2y$` bcrypt hashes but has no bcrypt check, so "
        "every login of that user fails (401 with the right password). "
        "flAPI's own startup auditor disagrees and is wrong: it reports a `$pbkdf2-sha256$` hash as "
        "`AUTH_PLAINTEXT_PASSWORD` although logins verify it as PBKDF2, and says nothing about bcrypt "
        "(while recommending it) although nobody can log in with a bcrypt hash."
    ),
    why=(
        "The credential is not weak, but the account is unusable; the usual reaction is to "
        "replace the hash with a plaintext password to make logins work."
    ),
    fix="Store a `$pbkdf2-sha256$<iterations>$<salt>$<hash>` hash instead.",
    bad=Example(
        endpoint_with_password("'$2b$12$KIXQJ8o1Yz0uQxk0ZlqM2eJm7h1n0hQj1cHk9gN3nW2b0sX6rT5yK'"),
        description="A bcrypt hash:",
    ),
    good=Example(endpoint_with_password(PBKDF2), description="A PBKDF2 hash:"),
    target=Target.AUTH_BLOCK,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/1188.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_basic_auth_password_formats, "
        "tests/conformance/test_endpoint_behaviour.py::test_startup_audit_password_classes)"
    ),
)
