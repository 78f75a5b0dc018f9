"""SEC001: a provider token or private key, recognised by its shape."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.secret_scan import SecretScan, Verdict
from mcplint.rules.hardcoded_secret._common import finding, fix, hits, served_note
from mcplint.rules.hardcoded_secret._examples import GITHUB_TOKEN, claude_code_config


def check(scan: SecretScan) -> Iterator[Finding]:
    scan.raise_failure()  # a scan that failed is reported once, as this rule's internal error on the file
    for hit in hits(scan, Verdict.TOKEN):
        yield finding(
            hit,
            f"{hit.kind} `{hit.shown}` is written in {hit.where} (signal: token shape): anyone who can read "
            f"this file can use it{served_note(hit)}; {fix(hit)}, and revoke this one",
        )


RULE = Rule(
    id="SEC001",
    name="provider-token-in-config",
    category="hardcoded-secret",
    level=Level.ERROR,
    security_severity=9.0,
    precision="very-high",
    cwe=(798, 312),
    short_description="A provider token or private key is written into a configuration file.",
    full_description=(
        "A value has the shape of a well-known credential: GitHub (`ghp_`, `gho_`, `ghs_`, `ghu_`, "
        "`github_pat_`), GitLab (`glpat-`), Slack (`xox?-`, webhooks), Anthropic (`sk-ant-`), OpenAI "
        "(`sk-`, `sk-proj-`), Stripe (`sk_live_`, `rk_live_`), AWS access key ids (`AKIA`, `ASIA`), Google "
        "(`AIza`, `GOCSPX-`, `ya29.`), JSON Web Tokens, PEM private keys, Fluxbase service (`sk_`) and client "
        "(`fbk_`) keys, and about thirty more. It is found in every value of flAPI configs, endpoint files "
        "and fragments, SQL templates and `connections.*.init`, MCP client configs (`env`, `headers`, "
        "`args`, `url`), Fluxbase and pgEdge configs, and other YAML, JSON, TOML and `.env` files, also "
        "inside longer text (`Authorization: Bearer …`, `--token=…`). JWTs whose `role` is `anon` are "
        "public by design and stay quiet; token-shaped placeholders are reported by SEC007."
    ),
    why=(
        "Configuration files are committed, copied into images, pasted into issues and shown to AI "
        "assistants. A token in one of them works for whoever reads it, usually with the full rights "
        "of its owner; bots scan public repositories for these shapes within minutes."
    ),
    fix=(
        "Revoke the token, then reference it instead of writing it: `{{env.NAME}}` in flAPI files, "
        "`${NAME}` in Claude Code's `.mcp.json`, `${env:NAME}` in Cursor and Windsurf, `${input:id}` in "
        "VS Code, a `FLUXBASE_*` variable for Fluxbase, a `*_file` key for pgEdge."
    ),
    bad=Example(claude_code_config(GITHUB_TOKEN), description="A GitHub token pasted into `.mcp.json`:"),
    good=Example(
        claude_code_config("${GITHUB_PERSONAL_ACCESS_TOKEN}"),
        description="Claude Code expands `${VAR}` from the environment:",
    ),
    target=Target.SECRET_SCAN,
    check=check,
    references=(
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns",
        "https://docs.anthropic.com/en/docs/claude-code/mcp",
    ),
)
