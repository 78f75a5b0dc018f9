"""CHAIN010–CHAIN011: MCP servers started through shell code, or fetched unpinned at every start.

other-configs.md: client configs start local servers with ``command`` and
``args`` (Zed: ``command: {path, args}``). A server started as ``bash -c
'…'`` runs a script nobody reviews as code; ``curl … | sh`` downloads and runs
whatever the URL serves at that moment. ``npx``/``uvx`` (and ``bunx``, ``pnpm
dlx``, ``yarn dlx``, ``npm exec``, ``pipx run``, ``uv tool run``) fetch the
package from the registry at start-up; without an exact version the newest
release runs, whoever published it. npx assumes ``--yes`` when stdin is not a
terminal, which is how MCP clients start servers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.model import secret_patterns as sp
from mcplint.model.values import as_bool
from mcplint.rules.supply_chain._clients import Arg, command_line, config_label, effective_argv, program, shell_use


def disabled(server: ClientServer) -> bool:
    return as_bool(server.node.get("disabled")) is True or as_bool(server.node.get("enabled")) is False


def server_level(server: ClientServer, level: Level | None = None) -> Level | None:
    """A disabled server is not started: its findings are notes (every client-config rule uses this)."""
    return Level.NOTE if disabled(server) else level


def _where(config: ClientConfig, server: ClientServer) -> str:
    return f"MCP server `{server.name}` in {config_label(config.client)}"


# ------------------------------------------------------------------ CHAIN010


def check_shell(config: ClientConfig) -> Iterator[Finding]:
    source = config.document.source
    for server in config.servers:
        use = shell_use(command_line(server))
        if use is None or not (use.inline_code or use.pipe_to_shell):
            continue
        anchor = use.script[0]
        shell = program(use.shell)
        if use.pipe_to_shell:
            message = (
                f"{_where(config, server)} is started as `{shell} {use.flag.text}` with a script that downloads "
                "code and pipes it into an interpreter: every start runs whatever that URL serves at the "
                "moment, with your rights; install the server once (pinned and checked) and start the "
                "installed program directly"
            )
            level = server_level(server, Level.ERROR)
        else:
            message = (
                f"{_where(config, server)} is started as `{shell} {use.flag.text}` with inline shell code: the "
                "client runs the script with your rights at every start, and the code is not reviewed or "
                "pinned like a program; move it into a script file under version control, or start the "
                "server program directly with `command` and `args`"
            )
            level = server_level(server)
        yield Finding(
            span=anchor.span(source),
            message=message,
            level=level,
            logical_location=anchor.node.logical_path,
            identity=server.name,
        )


SHELL_INLINE_CODE = Rule(
    id="CHAIN010",
    name="mcp-client-shell-inline-code",
    category="supply-chain",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(829, 78),
    short_description="An MCP client starts a server through a shell with inline code.",
    full_description=(
        "The server entry starts a shell (`bash -c`, `sh -c`, `cmd /c`, `pwsh -Command`) with a script that "
        "is shell code: pipes, `&&`, `;`, substitutions, `source`. A script that downloads code and pipes it "
        "into an interpreter (`curl … | sh`, `irm … | iex`) is an error. A shell that only starts one plain "
        "program (`cmd /c npx -y pkg@1.2.3`, the usual Windows wrapper) is looked through: the program's "
        "command line is checked by the other rules instead. Disabled servers are reported as notes."
    ),
    why=(
        "MCP clients start every configured server when they start, with the user's rights. Inline shell "
        "code in a committed config is executed by everyone who opens the project, and `curl | sh` runs "
        "whatever the remote host serves that day."
    ),
    fix=(
        "Put the logic into a script file under version control and start it directly, or install the "
        "server (pinned) and set `command` to the installed program."
    ),
    bad=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "tools": {\n      "command": "bash",\n      "args": ["-c", '
                      '"curl -fsSL https://get.example.com/mcp.sh | sh"]\n    }\n  }\n}\n'},
        description="The server is downloaded and executed at every start:",
    ),
    good=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "tools": {\n      "command": "/opt/example-mcp/bin/example-mcp",'
                      '\n      "args": ["--read-only"]\n    }\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_shell,
    references=("https://cwe.mitre.org/data/definitions/829.html",),
)


# ------------------------------------------------------------------ CHAIN011

_NPM_RUNNERS = {"npx": "npm", "bunx": "npm", "pnpx": "npm"}
_NPM_SUBCOMMANDS = {("npm", "exec"): "npm", ("npm", "x"): "npm", ("pnpm", "dlx"): "npm", ("yarn", "dlx"): "npm",
                    ("bun", "x"): "npm", ("uv", "tool"): "pypi", ("pipx", "run"): "pypi"}
_NPM_VALUE_OPTIONS = frozenset({"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig",
                                "--prefix", "-w", "--workspace", "--loglevel"})
_PY_VALUE_OPTIONS = frozenset({"--from", "--with", "--with-editable", "--with-requirements", "-p", "--python",
                               "--index", "--index-url", "--default-index", "--extra-index-url", "-i",
                               "--find-links", "-f", "--spec", "--python-preference", "--cache-dir",
                               "--directory", "--project", "--config-file", "--env-file", "--constraints",
                               "--overrides", "--build-constraints", "--index-strategy", "--keyring-provider",
                               "--resolution", "--prerelease", "--exclude-newer", "--link-mode", "--color",
                               "--allow-insecure-host", "-w"})
_NO_FETCH = frozenset({"--no", "--no-install", "--offline"})
_EXACT_NPM = lazy_compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
_PY_PIN = lazy_compile(r"(?:===?|@)\s*v?\d+(?:\.\d+)*(?:[-+.]?[0-9A-Za-z.+-]+)?\s*$")
_SHA = lazy_compile(r"[#@][0-9a-f]{7,40}$")
# Runners of a project's own code: npx uses the installed copy when it is a dependency of the project.
_DEV_RUNNERS = frozenset({"tsx", "ts-node", "nodemon", "vite-node", "esno", "esrun", "jiti", "tsc"})


@dataclass(frozen=True)
class _Fetch:
    ecosystem: str  # npm | pypi
    runner: str  # what the config wrote to fetch it: npx, uvx, pnpm dlx, …
    package: Arg
    name: str
    problem: str  # "no version" | "the floating tag `latest`" | "the range `^1.2`" | "a branch of a git repository"


def _is_local(spec: str) -> bool:
    return spec in (".", "..") or spec.startswith(("./", "../", "/", "~", "file:", ".\\")) or bool(
        re.match(r"^[A-Za-z]:[\\/]", spec)
    )


def _repository(spec: str) -> str:
    """A git spec as shown in messages: host and path only (user-info in the URL may hold a token)."""
    base = spec.split("#", 1)[0]
    if "://" not in base:
        return base.split("@", 1)[-1] if base.startswith("git@") else base
    try:
        parts = urlsplit(base.split("+", 1)[-1] if base.startswith("git+") else base)
    except ValueError:
        return "a git repository"
    return f"{parts.hostname or ''}{parts.path}"


def _npm_problem(spec: str) -> tuple[str, str] | None:
    """(package name, what is unpinned) for an npm package spec; None when it is pinned or local."""
    if _is_local(spec) or spec.endswith((".tgz", ".tar.gz")):
        return None
    if spec.startswith(("git+", "git:", "github:", "gitlab:", "bitbucket:", "https://", "http://")) or (
        "/" in spec and not spec.startswith("@") and ":" not in spec
    ):
        return None if _SHA.search(spec) else (_repository(spec), "a branch of a git repository")
    at = spec.rfind("@")
    if at <= 0:
        return spec, "no version"
    name, version = spec[:at], spec[at + 1:]
    if _EXACT_NPM.match(version):
        return None
    if not version:
        return name, "no version"
    if re.fullmatch(r"[A-Za-z][\w.-]*", version):
        return name, f"the floating tag `{version}`"
    return name, f"the range `{version}`"


def _py_problem(spec: str) -> tuple[str, str] | None:
    if _is_local(spec) or spec.endswith((".whl", ".tar.gz", ".zip")):
        return None
    if spec.startswith(("git+", "https://", "http://")) or " @ " in spec:
        return None if _SHA.search(spec.split(" @ ")[-1]) or re.search(r"@v?\d+\.\d+", spec) else (
            _repository(spec.split(" @ ")[-1]), "a branch of a git repository")
    if _PY_PIN.search(spec):
        return None
    if "@" in spec:  # uvx pkg@latest
        name, _, version = spec.partition("@")
        return name, f"the floating tag `{version}`" if version else "no version"
    name = re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]
    if re.search(r"[<>~!]=?|\*", spec[len(name):]):
        return name, f"the range `{spec[len(name):].strip()}`"
    return name, "no version"


def _first_positional(argv: list[Arg], start: int, value_options: frozenset[str]) -> int | None:
    i = start
    while i < len(argv):
        word = argv[i].text
        if word == "--":
            return i + 1 if i + 1 < len(argv) else None
        if not word.startswith("-"):
            return i
        i += 2 if word in value_options else 1
    return None


_NPM_NAME = lazy_compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9][\w.~-]*$", re.IGNORECASE)
_PY_NAME = lazy_compile(r"^[A-Za-z0-9][\w.-]*(?:\[[\w,.\s-]*\])?$")


def _plausible(fetch: _Fetch, argv: list[Arg]) -> bool:
    """Whether the word taken for a package can be one (and is not, say, a token after ``--api-key``).

    The name is shown in the message, so anything that looks like a secret is left alone.
    """
    name = fetch.name
    if sp.token_matches(fetch.package.text) or sp.looks_random(name.split("/")[-1]):
        return False
    index = next((i for i, a in enumerate(argv) if a is fetch.package), -1)
    if index > 0 and argv[index - 1].text.startswith("-"):
        flag = argv[index - 1].text.lstrip("-").split("=", 1)[0]
        if sp.secret_key_kind(flag, env_style=True):
            return False
    pattern = _NPM_NAME if fetch.ecosystem == "npm" else _PY_NAME
    return fetch.problem == "a branch of a git repository" or bool(pattern.match(name))


def _fetches(argv: list[Arg]) -> list[_Fetch]:
    return [f for f in _all_fetches(argv) if _plausible(f, argv)]


def _all_fetches(argv: list[Arg]) -> list[_Fetch]:
    if not argv:
        return []
    name = program(argv[0])
    words = [a.text for a in argv]
    if name in _NPM_RUNNERS or (len(argv) > 1 and (name, words[1]) in _NPM_SUBCOMMANDS
                                and _NPM_SUBCOMMANDS[(name, words[1])] == "npm"):
        runner = name if name in _NPM_RUNNERS else f"{name} {words[1]}"
        start = 1 if name in _NPM_RUNNERS else 2
        if _NO_FETCH & set(words[start:]):
            return []
        return _npm_fetches(argv, start, runner)
    if name == "uvx" or (name == "uv" and words[1:3] == ["tool", "run"]) or (name == "pipx" and words[1:2] == ["run"]):
        runner = {"uvx": "uvx", "uv": "uv tool run", "pipx": "pipx run"}[name]
        start = {"uvx": 1, "uv": 3, "pipx": 2}[name]
        if "--offline" in words[start:]:
            return []
        return _py_fetches(argv, start, runner)
    return []


def _npm_fetches(argv: list[Arg], start: int, runner: str) -> list[_Fetch]:
    out: list[_Fetch] = []
    packages: list[Arg] = []
    i = start
    while i < len(argv):
        word = argv[i].text
        if not word.startswith("-") or word == "--":
            break
        if word in ("-p", "--package") and i + 1 < len(argv):
            packages.append(argv[i + 1])
        elif word.startswith("--package="):
            spec = word.split("=", 1)[1]
            packages.append(Arg(spec, argv[i].node, argv[i].end - len(spec), argv[i].end))
        i += 2 if word in _NPM_VALUE_OPTIONS else 1
    if not packages:
        at = _first_positional(argv, start, _NPM_VALUE_OPTIONS)
        if at is not None:
            packages.append(argv[at])
    for package in packages:
        problem = _npm_problem(package.text.strip())
        if problem is not None:
            out.append(_Fetch("npm", runner, package, *problem))
    return out


def _py_fetches(argv: list[Arg], start: int, runner: str) -> list[_Fetch]:
    package: Arg | None = None
    i = start
    while i < len(argv):
        word = argv[i].text
        if not word.startswith("-") or word == "--":
            break
        if word in ("--from", "--spec") and i + 1 < len(argv):
            package = argv[i + 1]
        elif word.startswith(("--from=", "--spec=")):
            spec = word.split("=", 1)[1]
            package = Arg(spec, argv[i].node, argv[i].end - len(spec), argv[i].end)
        i += 2 if word in _PY_VALUE_OPTIONS else 1
    if package is None:
        at = _first_positional(argv, start, _PY_VALUE_OPTIONS)
        package = argv[at] if at is not None else None
    if package is None:
        return []
    problem = _py_problem(package.text.strip())
    return [] if problem is None else [_Fetch("pypi", runner, package, *problem)]


def check_unpinned(config: ClientConfig) -> Iterator[Finding]:
    """One warning per file (its first unpinned package), the file's other unpinned packages as notes.

    Issue 21: a config with ten `npx -y` servers gave ten warnings that buried its one `sudo`. Every
    package keeps its own finding (each is a place to fix, and baselines keep matching), but the risk is
    one habit of the file, so it counts once at the configured level.
    """
    source = config.document.source
    fetches = [(server, fetch) for server in config.servers for fetch in _fetches(effective_argv(server))]
    counted = [i for i, (server, fetch) in enumerate(fetches)
               if not disabled(server) and not (fetch.ecosystem == "npm" and fetch.name in _DEV_RUNNERS)]
    first = counted[0] if counted else None
    others = len(counted) - 1
    for index, (server, fetch) in enumerate(fetches):
        registry = "npm registry" if fetch.ecosystem == "npm" else "Python package index"
        example = f"{fetch.name}@1.2.3" if fetch.ecosystem == "npm" else f"{fetch.name}==1.2.3"
        dev_runner = fetch.ecosystem == "npm" and fetch.name in _DEV_RUNNERS
        note = (
            " (if it is a dependency of this project, npx runs the installed copy instead)" if dev_runner else ""
        )
        level = Level.NOTE if dev_runner else server_level(server)
        if first is not None and index != first and level is not Level.NOTE:
            level = Level.NOTE
            note += f" (a note: this file's first unpinned package carries the warning for all {others + 1})"
        elif index == first and others:
            note += f" (and {others} more unpinned package{'s' if others > 1 else ''} in this file, as notes)"
        yield Finding(
            span=fetch.package.span(source),
            message=(
                f"{_where(config, server)} runs `{fetch.name}` through `{fetch.runner}` with {fetch.problem}: "
                f"the package is fetched from the {registry} when the client starts, so a new release, or "
                f"one published from a hijacked account, runs with your rights without review{note}; pin "
                f"an exact version (`{example}`)"
            ),
            level=level,
            logical_location=fetch.package.node.logical_path,
            identity=f"{server.name}:{fetch.name}",
        )


UNPINNED_PACKAGE = Rule(
    id="CHAIN011",
    name="mcp-client-unpinned-package",
    category="supply-chain",
    level=Level.WARNING,
    security_severity=6.0,
    precision="high",
    cwe=(1104, 829),
    short_description="An MCP client fetches a server package without an exact version at every start.",
    full_description=(
        "The server is started with `npx`, `bunx`, `pnpm dlx`, `yarn dlx`, `npm exec`, `uvx`, `uv tool run` "
        "or `pipx run` and a package spec without an exact version: no version, a floating tag (`@latest`, "
        "`@next`), a range (`@^1.2`, `>=1.0`) or a git branch. Exact versions (`pkg@1.2.3`, `pkg==1.2`, "
        "`pkg@1.2` for uvx), git commits and local paths are pinned. Shell wrappers that only start the "
        "runner (`cmd /c npx …`) are looked through. npx assumes `--yes` when stdin is not a terminal, so "
        "`-y` makes no difference; `--no`/`--no-install` (never fetch) does. Runners of a project's own "
        "code (`npx tsx`) and disabled servers are reported as notes. Each file's first unpinned package is "
        "the warning; its other unpinned packages are notes that keep their own location (issue 21: a config "
        "with ten `npx -y` servers gave ten warnings that buried its one `sudo`; the risk is one habit of the "
        "file, counted once, while every package stays a place to fix and baselines keep matching)."
    ),
    why=(
        "Every client start resolves the spec again: the newest release is downloaded and executed with the "
        "user's rights, without review. A compromised maintainer account or a malicious release reaches "
        "everyone using the config immediately."
    ),
    fix="Pin the exact version you reviewed (`npx -y pkg@1.2.3`, `uvx pkg==1.2.3`) and update it deliberately.",
    bad=Example(
        {".cursor/mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                             '"@modelcontextprotocol/server-filesystem", "/srv/docs"]\n    }\n  }\n}\n'}
    ),
    good=Example(
        {".cursor/mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                             '"@modelcontextprotocol/server-filesystem@2025.8.21", "/srv/docs"]\n    }\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_unpinned,
    references=(
        "https://cwe.mitre.org/data/definitions/1104.html",
        "https://docs.npmjs.com/cli/commands/npx",
    ),
)

RULES = (SHELL_INLINE_CODE, UNPINNED_PACKAGE)
