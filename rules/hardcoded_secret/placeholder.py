"""SEC007: a documentation placeholder where a secret belongs."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits
from mcplint.rules.hardcoded_secret._examples import cursor_config


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.PLACEHOLDER):
        yield finding(
            hit,
            f"{hit.kind} in {hit.where} is a documentation placeholder (`{hit.shown}`, signal: {hit.signal}): "
            f"deployed as is, the secret is a value anyone can guess, or the service does not work; {fix(hit)}",
        )


RULE = Rule(
    id="SEC007",
    name="placeholder-secret",
    category="hardcoded-secret",
    level=Level.NOTE,
    security_severity=3.0,
    precision="medium",
    cwe=(1392,),
    short_description="A secret-bearing value is still a documentation placeholder.",
    full_description=(
        "A value where a secret belongs is placeholder text copied from documentation: `YOUR_API_KEY`, "
        "`<token>`, `your-token-here`, `xxxx`, `***`, `sk-...`, `replace-me`, `AKIAIOSFODNN7EXAMPLE`. "
        "Placeholders are expected in example and template files (`.env.example`, `config.sample.yaml`), "
        "which stay quiet, and in descriptions."
    ),
    why=(
        "A committed placeholder means the real secret is added somewhere by hand, or never: the "
        "configuration either does not work or protects a service with a value every reader can guess."
    ),
    fix="Replace the placeholder by a reference to the real secret in the file's reference syntax.",
    bad=Example(cursor_config("YOUR_BRAVE_API_KEY_HERE"), description="A placeholder left in `.cursor/mcp.json`:"),
    good=Example(cursor_config("${env:BRAVE_API_KEY}"), description="Cursor expands `${env:NAME}`:"),
    target=Target.SECRET_SCAN,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/1392.html",),
)
