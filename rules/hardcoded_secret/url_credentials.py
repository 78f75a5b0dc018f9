"""SEC002: a password in a URL's user-info, or a secret in its query string."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits, served_note
from mcplint.rules.hardcoded_secret._examples import DB_PASSWORD, postgres_init


def check(scan: SecretScan) -> Iterator[Finding]:
    for hit in hits(scan, Verdict.URL):
        yield finding(
            hit,
            f"{hit.kind} `{hit.shown}` is written in {hit.where} (signal: {hit.signal}): anyone who can read "
            f"this file can connect with it{served_note(hit)}; {fix(hit)}",
        )


RULE = Rule(
    id="SEC002",
    name="credentials-in-url",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=8.5,
    precision="high",
    cwe=(798, 522),
    short_description="A URL carries a password in its user-info or a secret in its query string.",
    full_description=(
        "A URL such as `postgres://user:password@host/db`, `https://oauth2:token@gitlab.example.com` or "
        "`https://mcp.example.com/sse?api_key=…` holds a literal credential. URLs are found in every "
        "value (MCP client `url` and `args`, connection properties, other configs) and in the string "
        "literals of SQL in `connections.*.init` and templates (`ATTACH 'postgres://…'`). A URL with a "
        "user name only (`postgres://reader@host/db`), or whose password is a reference (`{{env.PW}}` in "
        "flAPI, `${PW}` elsewhere), stays quiet."
    ),
    why=(
        "Connection strings travel further than the file: into logs, error messages, process lists and, "
        "for flAPI started with `--config-service`, `GET /config`, which returns every connection's `init` "
        "SQL verbatim to holders of the config-service token (flAPI 26.10.2 answers 401 without it). Whoever "
        "reads one can connect to the database or API as that user."
    ),
    fix=(
        "Take the password out of the URL: in flAPI write `postgres://user:{{env.PG_PASSWORD}}@host/db` "
        "or use a DuckDB `CREATE SECRET` with `PASSWORD '{{env.PG_PASSWORD}}'`; elsewhere pass the password "
        "through the environment (`PGPASSWORD`) or the client's reference syntax. Rotate the password."
    ),
    bad=Example(
        postgres_init(f"postgres://reporting:{DB_PASSWORD}@db.internal:5432/shop"),
        description="A password in an `ATTACH` URL inside `connections.*.init`:",
    ),
    good=Example(
        postgres_init("postgres://reporting:{{env.PG_PASSWORD}}@db.internal:5432/shop"),
        description="flAPI substitutes `{{env.PG_PASSWORD}}` at start-up:",
    ),
    target=Target.SECRET_SCAN,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://duckdb.org/docs/stable/core_extensions/postgres.html",
    ),
    verified_on=(
        "flAPI 26.10.2 (tests/conformance/test_project_behaviour.py::test_get_config_with_config_service_token, "
        "tests/conformance/test_endpoint_behaviour.py::test_get_config_needs_the_config_service_token)"
    ),
)
