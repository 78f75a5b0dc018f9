"""CHAIN012–CHAIN013: container images that float, and packages named like the well-known MCP servers.

Issue 21: a ``docker run`` image without a tag or digest, or on ``:latest``, is
pulled anew whenever the local copy goes; a package one or two letters away
from an official MCP server (``@modelcontextprotocol/server-filesytem``) is the
classic typosquat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.rules.supply_chain._clients import Arg, config_label, docker_run_options, effective_argv, program
from mcplint.rules.supply_chain.client_launch import (
    _NPM_VALUE_OPTIONS,
    _PY_VALUE_OPTIONS,
    _first_positional,
    server_level,
)


def _where(config: ClientConfig, server: ClientServer) -> str:
    return f"MCP server `{server.name}` in {config_label(config.client)}"


# ------------------------------------------------------------------ CHAIN012


def docker_image(argv: list[Arg]) -> Arg | None:
    """The image word of ``docker run`` (podman, nerdctl), or None."""
    options = docker_run_options(argv)
    if options is None:
        return None
    consumed = {id(o.flag) for o in options} | {id(o.value) for o in options if o.value is not None}
    run_at = next(i for i, a in enumerate(argv) if a.text in ("run", "create"))
    for arg in argv[run_at + 1:]:
        if id(arg) in consumed or arg.text == "--":
            continue
        return arg
    return None


_REFERENCE = lazy_compile(r"\$\{|\$[A-Za-z_]|\{\{|%[A-Za-z_]+%")


def image_problem(image: str) -> str | None:
    """"no tag" or "the floating tag `latest`" for an unpinned image reference; None when pinned or unknown."""
    image = image.strip()
    if not image or _REFERENCE.search(image) or "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "no tag (so `latest`)"
    tag = last.rsplit(":", 1)[1]
    if tag.lower() in ("latest", "main", "master", "edge", "nightly", "dev", "stable"):
        return f"the floating tag `{tag}`"
    return None


def check_docker_image(config: ClientConfig) -> Iterator[Finding]:
    source = config.document.source
    for server in config.servers:
        image = docker_image(effective_argv(server))
        if image is None:
            continue
        problem = image_problem(image.text)
        if problem is None:
            continue
        yield Finding(
            span=image.span(source),
            message=(
                f"{_where(config, server)} runs the container image `{image.text.strip()}` with {problem}: "
                "whatever is pushed under that name next runs with the mounts and tokens you give the container, "
                "without review; pin a version tag and, better, its digest (`image:1.2.3@sha256:…`)"
            ),
            level=server_level(server),
            logical_location=image.node.logical_path,
            identity=f"{server.name}:{image.text.strip()}",
        )


_DOCKER = (
    '{{\n  "mcpServers": {{\n    "github": {{\n      "command": "docker",\n      "args": [{args}]\n'
    "    }}\n  }}\n}}\n"
)

UNPINNED_IMAGE = Rule(
    id="CHAIN012",
    name="mcp-client-unpinned-container-image",
    category="supply-chain",
    level=Level.WARNING,
    security_severity=5.5,
    precision="high",
    cwe=(1104, 829),
    short_description="An MCP server container image has no tag or digest, or a floating tag such as `latest`.",
    full_description=(
        "The server is started with `docker run` (`podman run`, `nerdctl run`) and an image without a tag "
        "(`ghcr.io/github/github-mcp-server`), or with `latest`, `main`, `edge`, `nightly`, `dev` or "
        "`stable`. A version tag or a digest (`@sha256:…`) is pinned; images named through a variable are "
        "not judged. Disabled servers are reported as notes."
    ),
    why=(
        "Docker pulls the image whenever it is not cached: a new push under the same name, or a hijacked "
        "publisher account, runs in every user's container with the tokens the config hands it."
    ),
    fix="Pin a version tag, and for servers that hold tokens its digest (`image:1.2.3@sha256:…`).",
    bad=Example({".mcp.json": _DOCKER.format(
        args='"run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"')}),
    good=Example({".mcp.json": _DOCKER.format(
        args='"run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server:v0.13.0"')}),
    target=Target.CLIENT_CONFIG,
    check=check_docker_image,
    references=("https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier",),
)


# ------------------------------------------------------------------ CHAIN013

# Official reference servers and widely used vendor servers (npm and PyPI names).
WELL_KNOWN = (
    "@modelcontextprotocol/server-filesystem", "@modelcontextprotocol/server-github",
    "@modelcontextprotocol/server-gitlab", "@modelcontextprotocol/server-postgres",
    "@modelcontextprotocol/server-sqlite", "@modelcontextprotocol/server-slack",
    "@modelcontextprotocol/server-memory", "@modelcontextprotocol/server-puppeteer",
    "@modelcontextprotocol/server-brave-search", "@modelcontextprotocol/server-google-maps",
    "@modelcontextprotocol/server-everything", "@modelcontextprotocol/server-sequential-thinking",
    "@modelcontextprotocol/server-gdrive", "@modelcontextprotocol/server-redis",
    "@modelcontextprotocol/server-fetch", "@modelcontextprotocol/server-git",
    "@modelcontextprotocol/server-time", "@modelcontextprotocol/server-sentry",
    "@modelcontextprotocol/server-aws-kb-retrieval", "@modelcontextprotocol/server-everart",
    "@modelcontextprotocol/inspector", "@modelcontextprotocol/sdk",
    "mcp-server-fetch", "mcp-server-git", "mcp-server-time", "mcp-server-sqlite", "mcp-server-sentry",
    "@playwright/mcp", "@upstash/context7-mcp", "@notionhq/notion-mcp-server", "@stripe/mcp",
    "mcp-remote", "@sentry/mcp-server", "@supabase/mcp-server-supabase", "firecrawl-mcp",
    "@browserbasehq/mcp", "@cloudflare/mcp-server-cloudflare", "@azure/mcp", "@heroku/mcp-server",
    "@executeautomation/playwright-mcp-server", "@wonderwhy-er/desktop-commander", "tavily-mcp",
    "@agentdeskai/browser-tools-mcp", "exa-mcp-server", "@21st-dev/magic", "figma-developer-mcp",
    "@translated/lara-mcp", "mcp-server-kubernetes", "@hubspot/mcp-server", "@shopify/dev-mcp",
)
_KNOWN = frozenset(WELL_KNOWN)
_SCOPES = frozenset(name.split("/", 1)[0] for name in WELL_KNOWN if name.startswith("@"))


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def lookalike(name: str) -> str | None:
    """The well-known package ``name`` imitates, or None (for the real names too)."""
    lowered = name.lower()
    if lowered in _KNOWN or not lowered:
        return None
    if lowered.startswith("@") and lowered.split("/", 1)[0] in _SCOPES:
        scope_known = True  # a real publisher's own scope: only a near miss of one of its packages counts
    else:
        scope_known = False
    best: tuple[int, str] | None = None
    for known in WELL_KNOWN:
        limit = 1 if len(known) < 10 else 2
        found = _distance(lowered, known, limit)
        if found <= limit and (best is None or found < best[0]):
            best = (found, known)
    if best is not None:
        return best[1]
    if not scope_known and lowered.startswith("@") and "/" in lowered:
        scope, rest = lowered.split("/", 1)
        for known in WELL_KNOWN:
            if (known.startswith("@") and known.split("/", 1)[1] == rest
                    and _distance(scope, known.split("/")[0], 3) <= 3):
                return known  # @modelcontext-protocol/server-github: the real name under a lookalike scope
    return None


_RUNNERS = {"npx": 1, "bunx": 1, "pnpx": 1, "uvx": 1}
_SUB_RUNNERS = {("npm", "exec"): 2, ("npm", "x"): 2, ("pnpm", "dlx"): 2, ("yarn", "dlx"): 2, ("bun", "x"): 2,
                ("pipx", "run"): 2, ("uv", "tool"): 3}


def packages(argv: list[Arg]) -> list[tuple[Arg, str, str]]:
    """(argument, package name without version, runner) for every package a runner fetches, pinned or not."""
    if not argv:
        return []
    name = program(argv[0])
    words = [a.text for a in argv]
    start = _RUNNERS.get(name) or (_SUB_RUNNERS.get((name, words[1])) if len(words) > 1 else None)
    if start is None:
        return []
    python = name in ("uvx", "uv", "pipx")
    runner = " ".join(words[:1] if name in _RUNNERS else words[:start])
    found: list[Arg] = []
    for i, word in enumerate(words[start:], start=start):
        if word in ("-p", "--package", "--from", "--spec") and i + 1 < len(argv):
            found.append(argv[i + 1])
    if not found:
        at = _first_positional(argv, start, _PY_VALUE_OPTIONS if python else _NPM_VALUE_OPTIONS)
        if at is not None:
            found.append(argv[at])
    out = []
    for arg in found:
        spec = arg.text.strip()
        if python:
            bare = re.split(r"[<>=!~;@\[ ]", spec, maxsplit=1)[0]
        else:
            at_sign = spec.rfind("@")
            bare = spec[:at_sign] if at_sign > 0 else spec
        if bare:
            out.append((arg, bare, runner))
    return out


def check_typosquat(config: ClientConfig) -> Iterator[Finding]:
    source = config.document.source
    for server in config.servers:
        for package, name, runner in packages(effective_argv(server)):
            meant = lookalike(name)
            if meant is None:
                continue
            yield Finding(
                span=package.span(source),
                message=(
                    f"{_where(config, server)} runs `{name}` through `{runner}`, a name one or two letters "
                    f"away from the well-known `{meant}`: typosquatted packages copy a popular server and add "
                    f"code that steals the tokens it is given; check the name and use `{meant}` if it was meant"
                ),
                level=server_level(server),
                logical_location=package.node.logical_path,
                identity=f"{server.name}:{name}",
            )


TYPOSQUAT = Rule(
    id="CHAIN013",
    name="mcp-client-typosquatted-package",
    category="supply-chain",
    level=Level.ERROR,
    security_severity=8.0,
    precision="medium",
    cwe=(829, 1357),
    short_description="An MCP server package is named like a well-known MCP server, but differs by a letter or two.",
    full_description=(
        "The package an `npx`/`uvx`/`pnpm dlx`/… command line fetches is within edit distance 2 (1 for names "
        "under ten characters; transposed letters count as one) of an official reference server "
        "(`@modelcontextprotocol/server-*`, `mcp-server-fetch`, …) or a widely used vendor server "
        "(`@playwright/mcp`, `@upstash/context7-mcp`, `mcp-remote`, …), or is such a name under a lookalike "
        "npm scope (`@modelcontext-protocol/server-github`). The exact names are quiet. The list is in "
        "`rules/supply_chain/client_packages.py`."
    ),
    why=(
        "Typosquatting is the cheapest supply-chain attack: the package works like the real one, so nobody "
        "notices that it also sends the tokens in its environment to its author."
    ),
    fix="Correct the name to the package you meant (and pin its version).",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                              '"@modelcontextprotocol/server-filesytem@2025.8.21", "/srv/docs"]\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                               '"@modelcontextprotocol/server-filesystem@2025.8.21", "/srv/docs"]\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_typosquat,
    references=("https://cwe.mitre.org/data/definitions/1357.html",),
)

RULES = (UNPINNED_IMAGE, TYPOSQUAT)
