"""AUTHZ010–AUTHZ013, AUTHZ018: what an MCP client config lets a server (or the model) do unchecked.

other-configs.md: Cline's ``autoApprove`` (Roo Code: ``alwaysAllow``) lists
tools the client calls without asking the user; Docker-packaged servers are
started with ``docker run`` options in ``args``; Fluxbase service keys
(``sk_…``) bypass row-level security and must never be given to an AI assistant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import ClientConfig, ClientServer, Target
from mcplint.model import secret_patterns as sp
from mcplint.rules.authorization._tools import can_write, is_wildcard
from mcplint.rules.supply_chain._clients import DockerOption, config_label, docker_run_options, effective_argv
from mcplint.rules.supply_chain.client_launch import server_level
from mcplint.tree import MappingNode, ScalarNode, SequenceNode


def _where(config: ClientConfig, server: ClientServer) -> str:
    return f"MCP server `{server.name}` in {config_label(config.client)}"


# ------------------------------------------------------------------ AUTHZ010


def check_auto_approve(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for key in ("autoApprove", "alwaysAllow"):
            tools = server.node.get(key)
            if not isinstance(tools, SequenceNode):
                continue
            for item in tools.items:
                if not isinstance(item, ScalarNode) or item.is_null or not can_write(item.text):
                    continue
                name = item.text.strip()
                what = "every tool of the server" if is_wildcard(name) else f"`{name}`, a tool that can change things,"
                yield Finding(
                    span=item.span,
                    message=(
                        f"{_where(config, server)} approves {what} in `{key}`: the client runs it without asking "
                        "you, so text the model reads (a web page, an issue, a document) can make it act in your "
                        f"name; remove it from `{key}` and approve write actions one by one"
                    ),
                    level=server_level(server),
                    logical_location=item.logical_path,
                    identity=f"{server.name}:{name}",
                )


AUTO_APPROVE_WRITES = Rule(
    id="AUTHZ010",
    name="mcp-client-auto-approves-write-tools",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.0,
    precision="medium",
    cwe=(862, 1188),
    short_description="An MCP client calls a write-capable tool without asking the user.",
    full_description=(
        "`autoApprove` (Cline, Kiro) or `alwaysAllow` (Roo Code) lists a tool whose name is an action "
        "(`create_issue`, `delete_file`, `execute_sql`, `browser_click`, `push_files`, …) or `*`. Tools that "
        "only read (`get_*`, `list_*`, `search_*`, `query_table`) stay quiet. The judgement is by name; "
        "disabled servers are reported as notes."
    ),
    why=(
        "Approving each call is the user's last control over a model that reads untrusted text: with the "
        "write tools auto-approved, a prompt injection in an issue, a web page or a file turns directly "
        "into pushed commits, deleted records or sent messages."
    ),
    fix="Keep only read-only tools in `autoApprove`; approve write actions when the client asks.",
    bad=Example(
        {"cline_mcp_settings.json": '{\n  "mcpServers": {\n    "github": {\n      "command": "github-mcp-server",'
                                    '\n      "autoApprove": ["search_issues", "create_pull_request"]\n    }\n  }\n}\n'}
    ),
    good=Example(
        {"cline_mcp_settings.json": '{\n  "mcpServers": {\n    "github": {\n      "command": "github-mcp-server",'
                                    '\n      "autoApprove": ["search_issues", "get_pull_request"]\n    }\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_auto_approve,
    references=("https://owasp.org/www-project-top-10-for-large-language-model-applications/",),
)


# ------------------------------------------------------------------ Docker

_PRIVILEGED_CAPS = {"ALL", "SYS_ADMIN", "CAP_SYS_ADMIN", "SYS_PTRACE", "CAP_SYS_PTRACE", "SYS_MODULE",
                    "CAP_SYS_MODULE", "DAC_READ_SEARCH", "CAP_DAC_READ_SEARCH"}
_UNCONFINED = lazy_compile(r"^(?:seccomp|apparmor|systempaths)[=:]unconfined$|^label[=:]disable$", re.IGNORECASE)
_HOME = lazy_compile(
    r"""^(?:~|~/|\$HOME|\$\{HOME\}|\$\{env:HOME\}|\$\{userHome\}|%USERPROFILE%|\$\{env:USERPROFILE\}
    |\$env:USERPROFILE|/root|/home/[^/]+|/Users/[^/]+|[A-Za-z]:[\\/]Users[\\/][^\\/]+)[\\/]?$""",
    re.VERBOSE,
)
_ROOTS = frozenset({"/", "C:\\", "C:/", "c:\\", "c:/"})
_DOCKER_SOCKET = lazy_compile(r"(?:^|/)(?:var/)?run/docker\.sock$|^//\./pipe/docker_engine$|podman\.sock$")


def _docker(server: ClientServer) -> list[DockerOption]:
    return docker_run_options(effective_argv(server)) or []


def _mount_source(option: DockerOption) -> str | None:
    """The host side of a ``-v``/``--volume``/``--mount`` option (None for other options and named volumes)."""
    value = option.value_text.strip()
    if option.name in ("-v", "--volume"):
        if re.match(r"^[A-Za-z]:[\\/]", value):  # C:\Users\me:/data: the drive colon is not the separator
            return value[:2] + value[2:].split(":", 1)[0]
        return value.split(":", 1)[0] if ":" in value else None
    if option.name == "--mount":
        for part in value.split(","):
            key, _, found = part.partition("=")
            if key.strip() in ("source", "src"):
                return found.strip()
    return None


def _docker_sock(option: DockerOption) -> bool:
    source = _mount_source(option)
    return source is not None and bool(_DOCKER_SOCKET.search(source))


def _privileges(option: DockerOption) -> str | None:
    name, value = option.name, option.value_text.strip()
    if name == "--privileged" and value.lower() in ("", "true"):
        return "`--privileged` (every capability and every host device)"
    if name == "--cap-add" and value.upper() in _PRIVILEGED_CAPS:
        return f"`--cap-add {value}`"
    if name in ("--pid", "--userns", "--uts") and value == "host":
        return f"`{name}=host`"
    if name == "--security-opt" and _UNCONFINED.match(value):
        return f"`--security-opt {value}`"
    if _docker_sock(option):
        return "the Docker socket mounted (control of the Docker daemon, which is root on the host)"
    return None


def _docker_finding(config: ClientConfig, server: ClientServer, option: DockerOption, message: str) -> Finding:
    anchor = option.value if option.value is not None and option.value is not option.flag else option.flag
    source = config.document.source
    return Finding(
        span=anchor.span(source) if option.value is not option.flag else option.flag.span(source),
        message=message,
        level=server_level(server),
        logical_location=anchor.node.logical_path,
        identity=f"{server.name}:{option.name}:{option.value_text}",
    )


def check_docker_privileged(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for option in _docker(server):
            what = _privileges(option)
            if what is None:
                continue
            yield _docker_finding(
                config, server, option,
                f"{_where(config, server)} runs its container with {what}: code in the container (the server, "
                "or whatever a prompt injection makes it run) can take over the host; drop the option and "
                "grant only the mounts and capabilities the server needs",
            )


def check_docker_host_network(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for option in _docker(server):
            if option.name in ("--network", "--net") and option.value_text.strip() == "host":
                yield _docker_finding(
                    config, server, option,
                    f"{_where(config, server)} runs its container on the host network (`{option.name} host`): the "
                    "server can reach every service listening on this machine's loopback (databases, admin "
                    "consoles, cloud metadata) as if it ran outside the container; use the default bridge "
                    "network and publish only the ports it needs",
                )


def check_docker_home_mount(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for option in _docker(server):
            source = _mount_source(option)
            if source is None or _docker_sock(option):
                continue
            if source.strip() in _ROOTS:
                what = "the host's whole file system (`/`)"
            elif _HOME.match(source.strip()):
                what = f"your whole home directory (`{source.strip()}`)"
            else:
                continue
            read_only = re.search(r"(?:^|[:,])(?:ro|readonly)(?:$|[,=])", option.value_text) is not None
            access = "read" if read_only else "read and change"
            yield _docker_finding(
                config, server, option,
                f"{_where(config, server)} mounts {what} into its container: the server can {access} SSH keys, "
                "cloud credentials, browser profiles and every project, and so can anyone who steers it through "
                "a prompt injection; mount only the folder the server works on",
            )


_DOCKER = (
    '{{\n  "mcpServers": {{\n    "files": {{\n      "command": "docker",\n      "args": [{args}]\n'
    "    }}\n  }}\n}}\n"
)
_SAFE_ARGS = '"run", "-i", "--rm", "-v", "/srv/docs:/data:ro", "ghcr.io/example/files-mcp:1.4.2"'

DOCKER_PRIVILEGED = Rule(
    id="AUTHZ011",
    name="mcp-client-docker-privileged",
    category="authorization",
    level=Level.ERROR,
    security_severity=8.8,
    precision="high",
    cwe=(250, 269),
    short_description="An MCP server container runs privileged or with control over the host.",
    full_description=(
        "The server is started with `docker run` (or `podman run`) and `--privileged`, `--cap-add` "
        "`ALL`/`SYS_ADMIN`/`SYS_PTRACE`/`SYS_MODULE`/`DAC_READ_SEARCH`, `--pid=host`, `--userns=host`, "
        "`--security-opt seccomp=unconfined` (or AppArmor/SELinux switched off), or the Docker socket "
        "mounted. A `docker run` without these options is not reported. Disabled servers are reported as "
        "notes."
    ),
    why=(
        "Each of these removes the isolation that makes a containerised MCP server safe to run: code in the "
        "container can load kernel modules, read other processes or start new privileged containers, which "
        "means root on the host."
    ),
    fix="Remove the option; mount only what the server needs and keep the default capabilities.",
    bad=Example({".mcp.json": _DOCKER.format(args='"run", "-i", "--rm", "--privileged", '
                                                  '"ghcr.io/example/files-mcp:1.4.2"')}),
    good=Example({".mcp.json": _DOCKER.format(args=_SAFE_ARGS)}),
    target=Target.CLIENT_CONFIG,
    check=check_docker_privileged,
    references=("https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities",),
)

DOCKER_HOST_NETWORK = Rule(
    id="AUTHZ012",
    name="mcp-client-docker-host-network",
    category="authorization",
    level=Level.WARNING,
    security_severity=6.5,
    precision="high",
    cwe=(668,),
    short_description="An MCP server container shares the host's network.",
    full_description=(
        "The server is started with `docker run --network host` (or `--net=host`): the container has no "
        "network isolation and sees the host's loopback interface."
    ),
    why=(
        "Services that trust local connections (databases without passwords, admin consoles, Docker's API on "
        "a TCP port, cloud metadata endpoints) become reachable to the server and to whoever steers it."
    ),
    fix="Use the default bridge network; publish the ports the server needs with `-p 127.0.0.1:PORT:PORT`.",
    bad=Example({".mcp.json": _DOCKER.format(args='"run", "-i", "--rm", "--network", "host", '
                                                  '"ghcr.io/example/files-mcp:1.4.2"')}),
    good=Example({".mcp.json": _DOCKER.format(args=_SAFE_ARGS)}),
    target=Target.CLIENT_CONFIG,
    check=check_docker_host_network,
    references=("https://docs.docker.com/engine/network/drivers/host/",),
)

DOCKER_HOME_MOUNT = Rule(
    id="AUTHZ013",
    name="mcp-client-docker-home-mount",
    category="authorization",
    level=Level.WARNING,
    security_severity=7.5,
    precision="high",
    cwe=(668, 552),
    short_description="An MCP server container gets the user's home directory or the whole host file system.",
    full_description=(
        "A `-v`/`--volume`/`--mount` option mounts the home directory itself (`~`, `$HOME`, `${userHome}`, "
        "`/home/<user>`, `/Users/<user>`, `C:\\Users\\<user>`, `/root`) or `/` into the container; read-only "
        "mounts are reported too (they still expose every secret in the home directory). A subfolder of the "
        "home directory is fine. The Docker socket is `AUTHZ011`'s."
    ),
    why=(
        "The home directory holds SSH keys, cloud credentials, browser profiles and every other project: a "
        "server that only needs one folder gets all of it, and so does a prompt injection that steers it."
    ),
    fix="Mount only the folder the server works on, read-only where it only reads (`-v ~/notes:/data:ro`).",
    bad=Example({".mcp.json": _DOCKER.format(args='"run", "-i", "--rm", "-v", "${HOME}:/data", '
                                                  '"ghcr.io/example/files-mcp:1.4.2"')}),
    good=Example({".mcp.json": _DOCKER.format(args='"run", "-i", "--rm", "-v", "${HOME}/notes:/data:ro", '
                                                   '"ghcr.io/example/files-mcp:1.4.2"')}),
    target=Target.CLIENT_CONFIG,
    check=check_docker_home_mount,
    references=("https://docs.docker.com/engine/storage/bind-mounts/",),
)


# ------------------------------------------------------------------ AUTHZ018

_SERVICE_KEY_NAMES = lazy_compile(
    r"(?i)^(?:[A-Z0-9]+_)*(?:FLUXBASE|SUPABASE)_(?:[A-Z0-9]+_)*SERVICE_?(?:ROLE_?)?KEY$"
    r"|^(?:[A-Z0-9]+_)*SERVICE_?ROLE_?KEY$|^--?service-role-key$|^--?fluxbase-service-key$"
)
_VALUE_REFERENCE = lazy_compile(
    r"(?i)\$\{(?:env:)?(?:[A-Z0-9]+_)*(?:(?:FLUXBASE|SUPABASE)_(?:[A-Z0-9]+_)*SERVICE_?(?:ROLE_?)?KEY"
    r"|SERVICE_?ROLE_?KEY)(?::-[^}]*)?\}"
)


def _fluxbase(server: ClientServer) -> bool:
    """Whether the entry is about Fluxbase (an ``sk_`` key elsewhere belongs to other products, e.g. ElevenLabs)."""
    texts = [server.name] + [a.text for a in server.args]
    texts += [n.text for n in (server.command, server.url) if n is not None]
    if server.env is not None:
        texts += [k.text for k, _ in server.env.pairs if isinstance(k, ScalarNode)]
    return any("fluxbase" in t.lower() for t in texts)


def _service_key_value(text: str, fluxbase: bool) -> str | None:
    """What kind of service key a value holds: a Fluxbase ``sk_`` key, a service-role JWT, a reference to one."""
    for match in sp.token_matches(text):
        token = text[match.start:match.end]
        if match.shape.id == "service-key" and fluxbase:
            return "a Fluxbase service key (`sk_…`)"
        if match.shape.id == "jwt" and (sp.jwt_claims(token) or {}).get("role") == "service_role":
            return "a service-role JWT"
    if _VALUE_REFERENCE.search(text):
        return "a service key (through a variable)"
    return None


def _service_key_places(server: ClientServer) -> Iterator[tuple[ScalarNode, str]]:
    """(node to report, what it is) for every place a server entry hands over a service key."""
    fluxbase = _fluxbase(server)
    for mapping in (server.env, server.headers):
        if not isinstance(mapping, MappingNode):
            continue
        for key, value in mapping.pairs:
            if not isinstance(key, ScalarNode) or not isinstance(value, ScalarNode) or value.is_null:
                continue
            if not value.text.strip():
                continue
            kind = _service_key_value(value.text, fluxbase)
            if kind is None and _SERVICE_KEY_NAMES.match(key.text):
                kind = f"a service key (`{key.text}`)"
            if kind is not None:
                yield (key, kind)
    args = server.args
    for index, arg in enumerate(args):
        kind = _service_key_value(arg.text, fluxbase)
        flag = arg.text.split("=", 1)[0]
        if kind is None and _SERVICE_KEY_NAMES.match(flag) and ("=" in arg.text or index + 1 < len(args)):
            kind = f"a service key (`{flag}`)"
        if kind is not None:
            yield (arg, kind)
    if server.url is not None and _service_key_value(server.url.text, fluxbase) is not None:
        yield (server.url, "a service key in the URL")


def check_service_key(config: ClientConfig) -> Iterator[Finding]:
    for server in config.servers:
        for node, kind in _service_key_places(server):
            yield Finding(
                span=node.span,
                message=(
                    f"{_where(config, server)} is given {kind}: service keys bypass row-level security, so the "
                    "model (and any prompt injection it reads) can read and change every row of every table; "
                    "give the server a client key or a user token with only the scopes it needs"
                ),
                level=server_level(server),
                logical_location=node.logical_path,
                identity=server.name,
            )


SERVICE_KEY_FOR_CLIENT = Rule(
    id="AUTHZ018",
    name="mcp-client-service-key",
    category="authorization",
    level=Level.ERROR,
    security_severity=8.5,
    precision="high",
    cwe=(250, 269),
    short_description="An MCP server is given a service key that bypasses row-level security.",
    full_description=(
        "A server entry passes a Fluxbase service key (`sk_…` in an entry that mentions Fluxbase: other "
        "products, such as ElevenLabs, use `sk_` for ordinary API keys) or a Supabase `service_role` JWT in "
        "`env`, `headers`, `args` or the URL, or an environment variable, header or flag named for one "
        "(`FLUXBASE_SERVICE_KEY`, `SUPABASE_SERVICE_ROLE_KEY`, `--service-role-key`), also through a "
        "reference (`${SUPABASE_SERVICE_ROLE_KEY}`): the problem is the privilege, wherever the value comes "
        "from. A literal key is also a hardcoded secret (`SEC001`)."
    ),
    why=(
        "Service keys exist for trusted back-end code and skip every row-level security policy. An AI "
        "assistant acts on whatever text it reads; with a service key one prompt injection can read or "
        "delete all data of all users."
    ),
    fix=(
        "Create a client key (Fluxbase `fbk_…`) or a user token with only the scopes the assistant needs, "
        "and pass that instead."
    ),
    bad=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "fluxbase": {\n      "type": "http",\n      "url": '
                      '"https://api.example.com/mcp",\n      "headers": {"X-Service-Key": '
                      '"${FLUXBASE_SERVICE_KEY}"}\n    }\n  }\n}\n'}
    ),
    good=Example(
        {".mcp.json": '{\n  "mcpServers": {\n    "fluxbase": {\n      "type": "http",\n      "url": '
                      '"https://api.example.com/mcp",\n      "headers": {"X-Client-Key": '
                      '"${FLUXBASE_CLIENT_KEY}"}\n    }\n  }\n}\n'}
    ),
    target=Target.CLIENT_CONFIG,
    check=check_service_key,
    references=("https://cwe.mitre.org/data/definitions/250.html",),
)

RULES = (AUTO_APPROVE_WRITES, DOCKER_PRIVILEGED, DOCKER_HOST_NETWORK, DOCKER_HOME_MOUNT)  # AUTHZ018: see __init__
