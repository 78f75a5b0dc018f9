"""SEC006: a default or demo secret that products and tutorials publish."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits, served_note


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.DEFAULT):
        yield finding(
            hit,
            f"{hit.kind} in {hit.where} is a well-known default or demo value (`{hit.shown}`, signal: "
            f"{hit.signal}): it is in published documentation and password lists, so an attacker does not "
            f"need to read this file to know it{served_note(hit)}; generate a random secret and {fix(hit)}",
        )


def _fluxbase(jwt_line: str) -> dict[str, str]:
    return {
        "fluxbase.yaml": (
            "database:\n  host: db\n  user: fluxbase\n"
            f"auth:\n  jwt_secret: {jwt_line}\n"
            "mcp:\n  enabled: true\n  allowed_tools: [query_table]\n"
        )
    }


RULE = Rule(
    id="SEC006",
    name="well-known-default-secret",
    category="hardcoded-secret",
    level=Level.WARNING,
    security_severity=7.5,
    precision="high",
    cwe=(1392, 798),
    short_description="A secret is a well-known default or demo value.",
    full_description=(
        "A secret-bearing value is one that products ship or tutorials print: Fluxbase's "
        "`your-secret-key-change-in-production`, Supabase's demo JWT secret and demo `service_role` "
        "key, `changeme`, `changeit`, `minioadmin`, `postgres`, `admin`, `password`, `secret`, "
        "`123456` and other entries of common default-password lists, and values that say "
        "`insecure` or `change-in-production`."
    ),
    why=(
        "A default secret is known to everyone who read the same documentation; attackers try these "
        "first. Forgetting to replace it leaves the deployment as open as if it had no secret."
    ),
    fix="Generate a random secret (for example `openssl rand -base64 32`) and supply it from the environment.",
    bad=Example(_fluxbase("your-secret-key-change-in-production"), description="Fluxbase's shipped JWT secret:"),
    good=Example(
        _fluxbase("''  # set FLUXBASE_AUTH_JWT_SECRET in the environment"),
        description="Left empty in the file and set through the environment:",
    ),
    target=Target.SECRET_SCAN,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/1392.html",
        "https://cwe.mitre.org/data/definitions/798.html",
    ),
)
