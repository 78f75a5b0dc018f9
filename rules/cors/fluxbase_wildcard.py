"""CORS003/CORS004: Fluxbase ``cors.allowed_origins`` of ``*`` (worse with credentials)."""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import FluxbaseConfig, Target
from mcplint.tree import MappingNode, ScalarNode, SequenceNode

_TRUE_TEXTS = {"1", "t", "T", "true", "True", "TRUE"}


def _wildcards(origins: object) -> list[ScalarNode]:
    """Origin entries that are ``*``: a comma-separated string or a list."""
    items = origins.items if isinstance(origins, SequenceNode) else [origins]
    out = []
    for item in items:
        if isinstance(item, ScalarNode) and any(part.strip() == "*" for part in item.text.split(",")):
            out.append(item)
    return out


def _credentials(cors: MappingNode) -> bool:
    node = cors.get_scalar("allow_credentials")
    return node is not None and (node.value is True or node.text in _TRUE_TEXTS)


def _disabled(cors: MappingNode) -> bool:
    node = cors.get_scalar("enabled")
    return node is not None and node.value is False


def _findings(config: FluxbaseConfig, with_credentials: bool) -> Iterator[Finding]:
    root = config.mapping
    cors = root.get_map("cors") if root is not None else None
    if cors is None or _disabled(cors) or _credentials(cors) != with_credentials:
        return
    for item in _wildcards(cors.get("allowed_origins")):
        if with_credentials:
            message = (
                "Fluxbase `cors.allowed_origins` is `*` while `cors.allow_credentials` is true: "
                "any web site can make logged-in requests to this backend and read the answers"
            )
        else:
            message = (
                "Fluxbase `cors.allowed_origins` is `*`: any web site can call this backend "
                "from a user's browser and read the answers"
            )
        yield Finding(span=item.span, message=message, logical_location=item.logical_path)


def check_wildcard(config: FluxbaseConfig) -> Iterator[Finding]:
    return _findings(config, with_credentials=False)


def check_wildcard_credentials(config: FluxbaseConfig) -> Iterator[Finding]:
    return _findings(config, with_credentials=True)


def _fluxbase(cors: str) -> dict[str, str]:
    return {
        "fluxbase.yaml": (
            "server:\n  address: ':8080'\ndatabase:\n  host: localhost\n  user: fluxbase\n"
            "mcp:\n  enabled: true\n  allowed_tools: [query_table]\n" + cors
        )
    }


WILDCARD = Rule(
    id="CORS003",
    name="fluxbase-cors-wildcard-origin",
    category="cors",
    level=Level.WARNING,
    security_severity=6.5,
    precision="very-high",
    cwe=(942,),
    short_description="Fluxbase CORS allows every origin with `*`.",
    full_description=(
        "The Fluxbase config sets `cors.allowed_origins` (a comma-separated string or a "
        "list) to `*`, so the backend answers cross-origin requests from any site."
    ),
    why=(
        "Fluxbase serves database, storage and MCP endpoints. With a wildcard origin any "
        "web page a user visits can call them from the user's browser."
    ),
    fix="Set `cors.allowed_origins` to the exact origins of your applications.",
    bad=Example(_fluxbase("cors:\n  allowed_origins: '*'\n")),
    good=Example(_fluxbase("cors:\n  allowed_origins: https://app.example.com\n")),
    target=Target.FLUXBASE,
    check=check_wildcard,
    references=("https://cwe.mitre.org/data/definitions/942.html",),
)

WILDCARD_WITH_CREDENTIALS = Rule(
    id="CORS004",
    name="fluxbase-cors-wildcard-with-credentials",
    category="cors",
    level=Level.ERROR,
    security_severity=8.1,
    precision="very-high",
    cwe=(942, 346),
    short_description="Fluxbase CORS allows every origin and credentials together.",
    full_description=(
        "The Fluxbase config combines `cors.allowed_origins: \"*\"` with "
        "`cors.allow_credentials: true`. Servers that allow credentials for a wildcard "
        "typically reflect the caller's origin, which lets any site send the user's cookies."
    ),
    why=(
        "Any web site a logged-in user visits can act as that user against the backend "
        "(read data, call MCP tools, change records) and read the answers."
    ),
    fix="List exact origins in `cors.allowed_origins`, or set `cors.allow_credentials: false`.",
    bad=Example(_fluxbase("cors:\n  allowed_origins: '*'\n  allow_credentials: true\n")),
    good=Example(_fluxbase("cors:\n  allowed_origins: https://app.example.com\n  allow_credentials: true\n")),
    target=Target.FLUXBASE,
    check=check_wildcard_credentials,
    references=(
        "https://cwe.mitre.org/data/definitions/942.html",
        "https://portswigger.net/web-security/cors",
    ),
)
