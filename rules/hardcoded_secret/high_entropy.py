"""SEC004: a long random string that looks like a generated secret."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits, served_note
from mcplint.rules.hardcoded_secret._examples import RANDOM_KEY


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.ENTROPY):
        yield finding(
            hit,
            f"a random {len(hit.secret)}-character string `{hit.shown}` is written in {hit.where} (signal: entropy): "
            f"it looks like a generated key or token{served_note(hit)}; if it is one, {fix(hit)}",
        )


def _config(value: str) -> dict[str, str]:
    return {"analytics.yaml": f"analytics:\n  endpoint: https://ingest.example.com\n  ingest: {value}\n"}


RULE = Rule(
    id="SEC004",
    name="high-entropy-string",
    category="hardcoded-secret",
    level=Level.WARNING,
    security_severity=6.0,
    precision="medium",
    cwe=(798,),
    short_description="A long random string that looks like a generated secret is written into a configuration file.",
    full_description=(
        "A value (or the value of a `--flag=…` / `KEY=…` piece) of at least 24 characters from the "
        "base64 alphabet, mixing upper case, lower case and digits, with high Shannon entropy and no "
        "long words, under a name that does not say what it is. Hex digests, UUIDs, `sha256-…` and "
        "Docker digests, password hashes, DER/SSH public keys, paths, dotted names and slugs are not "
        "reported, nor are values under names such as `hash`, `checksum`, `integrity`, `id`, `commit`."
    ),
    why=(
        "Many services issue keys without a recognisable prefix. A random string in a config next to "
        "an endpoint is most often such a key; a reviewer should decide, and the decision is cheap."
    ),
    fix=(
        "If the string is a credential, move it to the environment or a secret store and rotate it; "
        "if it is not, give it a name that says so (`…_id`, `…_hash`) or suppress the finding with a reason."
    ),
    bad=Example(_config(RANDOM_KEY), description="An ingest key without a telling name:"),
    good=Example(_config("'${ANALYTICS_INGEST_KEY}'"), description="Read from the environment:"),
    target=Target.SECRET_SCAN,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/798.html",),
)
