"""CRED001: a basic-auth password written in plaintext (flAPI compares it with ``==``)."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.rules.weak_credential._examples import PBKDF2, endpoint_with_password
from mcplint.rules.weak_credential._passwords import Kind, hits


def check(block: AuthBlock) -> Iterator[Finding]:
    for hit in hits(block, Kind.PLAINTEXT, Kind.EMPTY, Kind.APR1):
        if hit.kind is Kind.EMPTY:
            detail = "an empty password: anyone who sends the user name logs in"
        elif hit.kind is Kind.APR1:
            detail = (
                "an Apache `$apr1$` hash, which flAPI does not understand: it compares the "
                "hash text itself as a plaintext password, so the hash *is* the password"
            )
        elif hit.protects_nothing:
            detail = (
                f"a plaintext password ({len(hit.password)} characters) in a file without `url-path`: "
                "flAPI never applies endpoint `auth` to MCP calls, so the block protects nothing, "
                "but the password is still exposed to anyone who can read this file"
            )
        else:
            detail = (
                f"a plaintext password ({len(hit.password)} characters): flAPI compares it as "
                "written, so anyone who can read this file can log in"
            )
        yield hit.finding(f"basic-auth {hit.who} in {hit.where} has {detail}")


RULE = Rule(
    id="CRED001",
    name="plaintext-basic-auth-password",
    category="weak-credential",
    level=Level.ERROR,
    security_severity=8.0,
    precision="very-high",
    cwe=(256, 798),
    short_description="A basic-auth password is stored in plaintext in the configuration.",
    full_description=(
        "A basic-auth user in an endpoint `auth`, `mcp.auth` or the global `auth` block "
        "has a password that flAPI treats as plaintext: any value that is not a "
        "`$pbkdf2-sha256$` hash, an MD5 hex digest, a bcrypt hash or an `{{env.NAME}}` "
        "reference. That includes an empty password and Apache `$apr1$` hashes, which "
        "flAPI does not recognise. Included fragments are checked too. A `$pbkdf2-sha256$` hash "
        "is not reported, although flAPI's own startup auditor calls it `AUTH_PLAINTEXT_PASSWORD`: "
        "logins verify it as PBKDF2, so the auditor is wrong; it also says nothing about bcrypt, "
        "with which nobody can log in (CRED004)."
    ),
    why=(
        "The file is committed, copied and shared; everyone who reads it can log in "
        "as that user, and through the MCP tools read or change the data behind them."
    ),
    fix=(
        "Store a `$pbkdf2-sha256$<iterations>$<salt>$<hash>` hash, or read the password "
        "from the environment with `password: '{{env.API_PASSWORD}}'`, and rotate the "
        "exposed password."
    ),
    bad=Example(endpoint_with_password("analyst-2024"), description="A password written as is:"),
    good=Example(endpoint_with_password(PBKDF2), description="A PBKDF2 hash:"),
    target=Target.AUTH_BLOCK,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/256.html",
        "https://cwe.mitre.org/data/definitions/798.html",
    ),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_basic_auth_password_formats, "
        "tests/conformance/test_endpoint_behaviour.py::test_startup_audit_password_classes)"
    ),
)
