"""CRED002: a basic-auth password stored as an MD5 hash."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import AuthBlock, Target
from mcplint.rules.weak_credential._examples import PBKDF2, endpoint_with_password
from mcplint.rules.weak_credential._passwords import Kind, hits


def check(block: AuthBlock) -> Iterator[Finding]:
    for hit in hits(block, Kind.MD5):
        yield hit.finding(
            f"basic-auth {hit.who} in {hit.where} has an MD5 password hash: flAPI accepts it, "
            "but unsalted MD5 is cracked in seconds for ordinary passwords"
        )


RULE = Rule(
    id="CRED002",
    name="md5-basic-auth-password",
    category="weak-credential",
    level=Level.ERROR,
    security_severity=7.5,
    precision="very-high",
    cwe=(328, 916),
    short_description="A basic-auth password is stored as an unsalted MD5 hash.",
    full_description=(
        "flAPI treats a password of exactly 32 hexadecimal characters as an MD5 hash and "
        "checks logins against it. MD5 is fast and unsalted, so a committed hash is as "
        "good as the password for anyone with a GPU or a lookup table. flAPI's own startup "
        "auditor reports it too (`AUTH_MD5_PASSWORD`), but it recommends bcrypt, which flAPI cannot "
        "verify (CRED004), and calls a `$pbkdf2-sha256$` hash plaintext although logins verify it as PBKDF2."
    ),
    why="Leaked MD5 hashes of human-chosen passwords are reversed almost instantly.",
    fix=(
        "Replace it with a `$pbkdf2-sha256$<iterations>$<salt>$<hash>` hash (flAPI checks it "
        "in constant time) or an `{{env.NAME}}` reference, and rotate the password."
    ),
    bad=Example(endpoint_with_password("5f4dcc3b5aa765d61d8327deb882cf99"), description="An MD5 digest:"),
    good=Example(endpoint_with_password(PBKDF2), description="A PBKDF2 hash:"),
    target=Target.AUTH_BLOCK,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/916.html",),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_endpoint_behaviour.py::test_basic_auth_password_formats)"
    ),
)
