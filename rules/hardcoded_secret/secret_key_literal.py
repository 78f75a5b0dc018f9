"""SEC003: a literal value under a secret-bearing name (password, token, api_key, client_secret …)."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits, served_note
from mcplint.rules.hardcoded_secret._examples import JWT_SECRET, bearer_auth


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.KEY):
        if hit.guards:
            impact = "anyone who can read this file can forge credentials that flAPI accepts"
        else:
            impact = "anyone who can read this file can use it"
        yield finding(
            hit,
            f"{hit.kind} `{hit.shown}` is written in {hit.where} (signal: key name): {impact}"
            f"{served_note(hit)}; {fix(hit)}, and rotate it",
        )


RULE = Rule(
    id="SEC003",
    name="secret-in-secret-named-key",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=8.0,
    precision="high",
    cwe=(798, 260),
    short_description="A literal secret is written under a secret-bearing name.",
    full_description=(
        "A key, environment variable, command-line flag, SQL option or header whose name says it holds "
        "a secret (`password`, `passwd`, `secret`, `token`, `api_key`, `private_key`, `client_secret`, "
        "`credentials`, `jwt-secret`, `PGPASSWORD`, `--api-key`, `PASSWORD '…'` in `CREATE SECRET`, "
        "`Authorization: Bearer …`, `password=` in a connection string, flAPI's `from-aws-secretmanager` "
        "`secret-id`/`secret-key` …) has a literal value. Names that only describe a secret stay quiet "
        "(`*_file`, `*_path`, `*_url`, `token_endpoint`, `password_hash`, `max_tokens`, `public_key`, "
        "`secret-name`), as do references, paths, prose, hashes and environment variable names. "
        "Basic-auth passwords in flAPI `auth` blocks are judged by the weak-credential rules."
    ),
    why=(
        "The name tells every reader, and every scanner, where the secret is. A secret in a committed "
        "file cannot be rotated by deleting the line: it stays in the history, the forks and the "
        "images built from it. A flAPI `jwt-secret` in the file lets anyone mint bearer tokens."
    ),
    fix=(
        "Read the value from the environment or a secret store: `{{env.NAME}}` in flAPI files, the "
        "client's reference syntax in MCP client configs, `FLUXBASE_*` variables, pgEdge `*_file` keys. "
        "Then rotate the exposed secret."
    ),
    bad=Example(bearer_auth(f"'{JWT_SECRET}'"), description="An HS256 key written into the main config:"),
    good=Example(bearer_auth("'{{env.FLAPI_JWT_SECRET}}'"), description="Read from the environment:"),
    target=Target.SECRET_SCAN,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cwe.mitre.org/data/definitions/260.html",
    ),
)
