"""AUTHZ021–AUTHZ025: MCP servers started with more power than a tool server needs.

Issue 21: servers launched through ``sudo`` (``doas``, ``pkexec``, ``su``,
``run0``), raw socket tools as servers (``nc``, ``ncat``, ``socat``), the SSH
agent handed to a server, a filesystem server rooted at ``/`` or the home
folder, and auto-approval judged by what a tool does (``browser_evaluate``
runs code) rather than by the action verbs of ``AUTHZ010``.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.model.values import as_bool
from mcplint.rules.authorization._tools import can_write, is_wildcard, words
from mcplint.rules.authorization.client_authz import _HOME, _ROOTS, _mount_source
from mcplint.rules.supply_chain._clients import (
    Arg,
    command_line,
    config_label,
    docker_run_options,
    effective_argv,
    program,
    shell_use,
)
from mcplint.rules.supply_chain.client_launch import server_level
from mcplint.tree import ScalarNode, SequenceNode


def _where(config: ClientConfig, server: ClientServer) -> str:
    return f"MCP server `{server.name}` in {config_label(config.client)}"


def _finding(config: ClientConfig, server: ClientServer, arg: Arg, message: str, level: Level | None = None,
             identity: str = "") -> Finding:
    return Finding(
        span=arg.span(config.document.source),
        message=message,
        level=server_level(server, level),
        logical_location=arg.node.logical_path,
        identity=identity or server.name,
    )


# ------------------------------------------------------------------ AUTHZ021

ESCALATION = frozenset({"sudo", "doas", "pkexec", "su", "run0", "gsudo", "runas", "sudo-rs"})
_SCRIPT_ESCALATION = lazy_compile(r"(?:^|[;&|(`\s])(sudo|doas|pkexec|su|run0|gsudo)(?=\s|$)")


def escalation(server: ClientServer) -> Arg | None:
    argv = command_line(server)
    for candidate in (argv, effective_argv(server)):
        if candidate and program(candidate[0]) in ESCALATION:
            return candidate[0]
    use = shell_use(argv)
    if use is not None and use.inline_code and _SCRIPT_ESCALATION.search(use.script_text):
        return use.script[0]
    return None


def check_escalation(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        arg = escalation(server)
        if arg is None:
            continue
        yield _finding(
            config, server, arg,
            f"{_where(config, server)} is started through a privilege-escalation program (`{arg.text.strip()}`): "
            "the server, and everything a prompt injection makes it do, runs as root (or another user); run "
            "it as your own user and grant it only the files or sockets it needs",
            level=Level.ERROR,
        )


PRIVILEGE_ESCALATION = Rule(
    id="AUTHZ021",
    name="mcp-client-privilege-escalation",
    category="authorization",
    level=Level.ERROR,
    security_severity=8.5,
    precision="very-high",
    cwe=(250, 269),
    short_description="An MCP server is started through `sudo` (or `doas`, `pkexec`, `su`, `run0`).",
    full_description=(
        "The server's `command` is `sudo`, `doas`, `pkexec`, `su`, `run0`, `gsudo` or `runas` (by name or by "
        "path, `/usr/bin/sudo`), also behind a shell wrapper (`sh -c \"sudo …\"`). Disabled servers are notes."
    ),
    why="A tool server runs what the model asks of it; with root rights one prompt injection owns the machine.",
    fix="Start the server as your own user; give it access to the one resource it needs (a group, an ACL).",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "system": {\n      "command": "sudo",\n      "args": '
                              '["/opt/system-mcp/bin/system-mcp"]\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "system": {\n      "command": '
                               '"/opt/system-mcp/bin/system-mcp"\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_escalation,
    references=("https://cwe.mitre.org/data/definitions/250.html",),
)


# ------------------------------------------------------------------ AUTHZ022

NETWORK_TOOLS = frozenset({"nc", "ncat", "netcat", "socat", "telnet", "nc.openbsd", "nc.traditional", "pwncat"})


def check_network_tool(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        argv = effective_argv(server)
        if argv and program(argv[0]) in ESCALATION:
            rest = argv[1:]
            while rest and rest[0].text.startswith("-"):
                rest = rest[1:]
            argv = rest
        if not argv or program(argv[0]) not in NETWORK_TOOLS:
            continue
        tool = program(argv[0])
        yield _finding(
            config, server, argv[0],
            f"{_where(config, server)} is a raw network tool (`{tool}`): the client's tool calls go to whatever "
            "answers on that socket, without TLS or authentication, and a listening `nc`/`socat` lets anyone "
            "who connects talk to the client; connect to remote servers through their `url` over `https://`",
        )


RAW_NETWORK_TOOL = Rule(
    id="AUTHZ022",
    name="mcp-client-raw-network-tool",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.0,
    precision="very-high",
    cwe=(923, 319),
    short_description="An MCP server entry is a raw socket tool (`nc`, `ncat`, `socat`).",
    full_description=(
        "The server's command (also behind a shell wrapper or `sudo`) is `nc`, `ncat`, `netcat`, `socat`, "
        "`telnet` or `pwncat`: stdio is piped to a TCP socket. Nothing authenticates either end."
    ),
    why="The socket's other end decides every tool description and result the model sees, and can read "
        "every call; in listen mode anyone on the network can be that other end.",
    fix="Use the server's HTTP transport through `url` with `https://` and authentication.",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "remote": {"command": "nc", "args": ["10.0.0.5", "9000"]}'
                              '\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "remote": {"type": "http", "url": '
                               '"https://mcp.example.com/mcp"}\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_network_tool,
    references=("https://cwe.mitre.org/data/definitions/923.html",),
)


# ------------------------------------------------------------------ AUTHZ023

_SSH_MOUNT = lazy_compile(r"(?:\$\{?SSH_AUTH_SOCK\}?|ssh-agent|/\.ssh/?$|^~/\.ssh|/ssh-auth\.sock)")


def _ssh_places(server: ClientServer) -> Iterator[tuple[ScalarNode, str]]:
    if server.env is not None:
        for key, _ in server.env.pairs:
            if isinstance(key, ScalarNode) and key.text == "SSH_AUTH_SOCK":
                yield key, "`SSH_AUTH_SOCK` in `env`"
    argv = effective_argv(server)
    for option in docker_run_options(argv) or []:
        value = option.value_text.strip()
        if option.name in ("-e", "--env") and value.split("=", 1)[0] == "SSH_AUTH_SOCK":
            yield (option.value or option.flag).node, f"`{option.name} SSH_AUTH_SOCK`"
        source = _mount_source(option)
        if source is not None and _SSH_MOUNT.search(source):
            yield (option.value or option.flag).node, f"the mount `{source}`"


def check_ssh_agent(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for node, what in _ssh_places(server):
            yield Finding(
                span=node.span,
                message=(
                    f"{_where(config, server)} is given your SSH agent or keys ({what}): the server, and whoever "
                    "steers it through a prompt injection, can log in to every host and push to every "
                    "repository your keys open; give it a deploy key or token for the one thing it needs"
                ),
                level=server_level(server),
                logical_location=node.logical_path,
                identity=f"{server.name}:{what}",
            )


SSH_AGENT = Rule(
    id="AUTHZ023",
    name="mcp-client-ssh-agent-forwarded",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.0,
    precision="high",
    cwe=(522, 668),
    short_description="An MCP server is handed the SSH agent socket or the SSH key folder.",
    full_description=(
        "`SSH_AUTH_SOCK` is set in the entry's `env`, passed into a container (`docker run -e SSH_AUTH_SOCK`), "
        "or the agent socket or `~/.ssh` is mounted into it. Any value counts: the variable exists to point "
        "at the agent."
    ),
    why="With the agent socket a process can sign in as you wherever your keys are accepted, for as long as "
        "it runs, without ever reading the keys.",
    fix="Give the server a credential scoped to its task (a deploy key, a fine-grained token).",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "git": {\n      "command": "git-mcp",\n      "env": '
                              '{"SSH_AUTH_SOCK": "${SSH_AUTH_SOCK}"}\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "git": {\n      "command": "git-mcp",\n      "env": '
                               '{"GIT_SSH_COMMAND": "ssh -i ~/.config/git-mcp/deploy_key"}\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_ssh_agent,
    references=("https://cwe.mitre.org/data/definitions/522.html",),
)


# ------------------------------------------------------------------ AUTHZ024

_FS_PACKAGE = lazy_compile(
    r"(?i)(?:file-?system|server-files\b|files?-mcp|mcp-files?\b|fs-mcp|mcp-fs\b|desktop-commander)"
)
_FS_WRITE = frozenset({"write_file", "edit_file", "move_file", "create_directory", "delete_file", "write", "edit",
                       "write_to_file", "replace_in_file", "apply_diff"})


def _approved(server: ClientServer) -> list[str]:
    out: list[str] = []
    for key in ("autoApprove", "alwaysAllow"):
        tools = server.node.get(key)
        if isinstance(tools, SequenceNode):
            out += [i.text.strip() for i in tools.items if isinstance(i, ScalarNode) and not i.is_null]
    if as_bool(server.node.get("trust")) is True:  # Gemini CLI: no confirmation for any tool
        out.append("*")
    return out


def _root_kind(text: str) -> str | None:
    value = text.strip().rstrip(",")
    if value in _ROOTS or value in ("/*", "C:"):
        return "the whole file system"
    if _HOME.match(value):
        return "your home folder"
    return None


def check_filesystem_root(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        argv = effective_argv(server)
        at = next((i for i, a in enumerate(argv) if _FS_PACKAGE.search(a.text)), None)
        if at is None:
            continue
        approved = _approved(server)
        writes = [t for t in approved if is_wildcard(t) or t in _FS_WRITE or (can_write(t) and "file" in t)]
        for arg in argv[at + 1:]:
            kind = _root_kind(arg.text)
            if kind is None:
                continue
            worse = (f", and `{writes[0]}` is auto-approved, so a prompt injection can rewrite any of those files "
                     "without you seeing it") if writes else ""
            yield _finding(
                config, server, arg,
                f"{_where(config, server)} is a filesystem server rooted at {kind} (`{arg.text.strip()}`): the "
                f"model can read SSH keys, cloud credentials and every project through it{worse}; allow only the "
                "folders it works on",
                level=Level.ERROR if writes else None,
                identity=f"{server.name}:{arg.text.strip()}",
            )


FILESYSTEM_ROOT = Rule(
    id="AUTHZ024",
    name="mcp-client-filesystem-server-root",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="high",
    cwe=(552, 668),
    short_description="A filesystem MCP server is allowed the whole disk or the home folder.",
    full_description=(
        "A filesystem server (`@modelcontextprotocol/server-filesystem`, `mcp-server-filesystem`, "
        "`desktop-commander`, …) is given `/`, `C:\\`, `~`, `$HOME`, `${userHome}`, `/home/<user>`, "
        "`/Users/<user>` or `C:\\Users\\<user>` as an allowed folder. An error when its write tools "
        "(`write_file`, `edit_file`, `move_file`, …, or `*`) are auto-approved (`autoApprove`, `alwaysAllow`, "
        "Gemini CLI's `trust: true`). Subfolders are fine; containers are `AUTHZ013`'s."
    ),
    why="The home folder holds SSH keys, cloud credentials and browser profiles; a prompt injection in any "
        "file the model reads can ask for them, or (with write tools auto-approved) plant code in a shell profile.",
    fix="List only the project folders the server needs (`/home/me/notes`).",
    bad=Example({".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                              '"@modelcontextprotocol/server-filesystem@2025.8.21", "~"]\n    }\n  }\n}\n'}),
    good=Example({".mcp.json": '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", '
                               '"@modelcontextprotocol/server-filesystem@2025.8.21", "~/notes"]\n    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_filesystem_root,
    references=("https://cwe.mitre.org/data/definitions/552.html",),
)


# ------------------------------------------------------------------ AUTHZ025

_RUNS_CODE = frozenset("""evaluate eval javascript js script repl python py node code interpreter terminal console
    command cmd shell powershell exec execute run spawn process subprocess applescript osascript notebook
    jupyter sandbox""".split())
_REACHES_OUT = frozenset("""navigate goto browse fetch request http https curl wget download url webhook post
    email mail message tweet""".split())


def capability(name: str) -> str | None:
    """What a tool does, from the words of its name: "runs code", "reaches the network", or None."""
    found = set(words(name))
    if found & _RUNS_CODE:
        return "runs code"
    if found & _REACHES_OUT:
        return "reaches the network"
    return None


def check_approved_capability(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        trust = server.node.get_pair("trust")
        if trust is not None and as_bool(trust[1]) is True and isinstance(trust[1], ScalarNode):
            yield Finding(
                span=trust[1].span,
                message=(
                    f"{_where(config, server)} sets `trust: true`: the client runs every tool of the server "
                    "without asking you, whatever it does, so text the model reads can make it act in your name; "
                    "remove it and approve tools one by one"
                ),
                level=server_level(server),
                logical_location=trust[1].logical_path,
                identity=f"{server.name}:trust",
            )
        for key in ("autoApprove", "alwaysAllow"):
            tools = server.node.get(key)
            if not isinstance(tools, SequenceNode):
                continue
            for item in tools.items:
                if not isinstance(item, ScalarNode) or item.is_null or is_wildcard(item.text):
                    continue
                name = item.text.strip()
                what = capability(name)
                if what is None or (what == "reaches the network" and can_write(name)):
                    continue
                if what == "runs code" and can_write(name):
                    continue  # AUTHZ010 reports it already (its name is an action)
                yield Finding(
                    span=item.span,
                    message=(
                        f"{_where(config, server)} auto-approves `{name}` in `{key}`, a tool that {what}: "
                        + ("the model can run arbitrary code through it without asking you, and a prompt "
                           "injection in a page or a file can too" if what == "runs code" else
                           "the model can send what it has read to any address without asking you")
                        + f"; remove it from `{key}`"
                    ),
                    level=server_level(server, None if what == "runs code" else Level.NOTE),
                    logical_location=item.logical_path,
                    identity=f"{server.name}:{name}",
                )


APPROVED_CAPABILITY = Rule(
    id="AUTHZ025",
    name="mcp-client-auto-approves-code-or-network",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="medium",
    cwe=(862, 94),
    short_description=(
        "An MCP client auto-approves a tool that runs code or reaches the network, or trusts all tools."
    ),
    full_description=(
        "Complements `AUTHZ010` (action verbs): a tool in `autoApprove`/`alwaysAllow` is judged by what its "
        "name says it does. Tools that run code (`browser_evaluate`, `javascript_tool`, `python_repl`, "
        "`terminal`) are warnings; tools that reach the network (`browser_navigate`, `fetch_url`) are notes, "
        "since they can carry data out in a URL. Gemini CLI's `trust: true` (every tool without "
        "confirmation) is a warning. Names `AUTHZ010` already reports stay with it."
    ),
    why="Evaluating code is the most powerful action a tool has; a prompt injection only needs the model to "
        "call it once, and auto-approval removes the user's chance to refuse.",
    fix="Keep code-running and network tools out of the auto-approve list.",
    bad=Example({"cline_mcp_settings.json": '{\n  "mcpServers": {\n    "browser": {\n      "command": '
                                            '"browser-mcp",\n      "autoApprove": ["browser_snapshot", '
                                            '"browser_evaluate"]\n    }\n  }\n}\n'}),
    good=Example({"cline_mcp_settings.json": '{\n  "mcpServers": {\n    "browser": {\n      "command": '
                                             '"browser-mcp",\n      "autoApprove": ["browser_snapshot"]\n'
                                             '    }\n  }\n}\n'}),
    target=Target.CLIENT_CONFIG,
    check=check_approved_capability,
    references=("https://cwe.mitre.org/data/definitions/862.html",),
)

RULES = (PRIVILEGE_ESCALATION, RAW_NETWORK_TOOL, SSH_AGENT, FILESYSTEM_ROOT, APPROVED_CAPABILITY)
