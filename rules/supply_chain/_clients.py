"""Reading how an MCP client starts a server: the command line, shells wrapped around it, Docker.

Shared by the client-config rules of several categories (supply chain,
authorization, transport). Pure functions of the model's nodes: a command line
is a list of :class:`Arg`, each a piece of one scalar (a whole ``args`` item, or
one word of a script passed to ``bash -c``), so findings point at the exact text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.scalar_positions import value_span
from mcplint.model import ClientServer
from mcplint.source import SourceFile
from mcplint.span import Span
from mcplint.tree import ScalarNode

_CLIENT_NAMES = {
    "claude-desktop": "Claude Desktop",
    "claude-code": "Claude Code",
    "cursor": "Cursor",
    "vscode": "VS Code",
    "vscode-settings": "VS Code settings",
    "windsurf": "Windsurf",
    "zed": "Zed",
    "cline": "Cline",
    "continue": "Continue",
    "codex": "Codex",
    "gemini": "Gemini CLI",
    "claude-code-plugin": "Claude Code plugin",
    "generic": "the MCP client",
}


def client_name(client: str) -> str:
    return _CLIENT_NAMES.get(client, "the MCP client")


def config_label(client: str) -> str:
    """How a message names the file: "the VS Code config", "the MCP client config" (never "the the")."""
    name = client_name(client)
    return f"{name} config" if name.startswith("the ") else f"the {name} config"


@dataclass(frozen=True)
class Arg:
    """One word of a command line: ``node.text[start:end]`` is where it is written, ``text`` what it says."""

    text: str
    node: ScalarNode
    start: int
    end: int

    def span(self, source: SourceFile | None) -> Span:
        if source is None or (self.start == 0 and self.end == len(self.node.text)):
            return self.node.span
        try:
            return value_span(source, self.node, self.start, self.end)
        except (IndexError, ValueError):
            return self.node.span


def program(arg: Arg | None) -> str:
    """The program's base name, lower case, without a Windows extension (``/usr/bin/npx`` → ``npx``)."""
    if arg is None:
        return ""
    text = arg.text.strip()
    name = PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name
    name = name.lower()
    for suffix in (".exe", ".cmd", ".bat", ".ps1"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def command_line(server: ClientServer) -> list[Arg]:
    """``command`` followed by ``args``, each a whole scalar (empty when the entry has no command)."""
    if server.command is None or server.command.is_null:
        return []
    words = [server.command, *server.args]
    return [Arg(n.text, n, 0, len(n.text)) for n in words if not n.is_null]


# ------------------------------------------------------------------ shells

_SH = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "busybox"})
_CMD = frozenset({"cmd"})
_POWERSHELL = frozenset({"powershell", "pwsh"})
# What makes a script more than one program started with its arguments.
_SH_META = lazy_compile(r"[|;&<>`$()\n]|\bsource\b|\beval\b")
_CMD_META = lazy_compile(r"[|&<>^\n]")
_PS_META = lazy_compile(r"[|;&<>`$()\n{}]")
_PIPE_TO_SHELL = lazy_compile(
    r"\b(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^|\n]*\|\s*(?:sudo\s+)?"
    r"(?:(?:ba|z|da|k|fi)?sh|python[0-9.]*|node|perl|ruby|iex|invoke-expression)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ShellUse:
    """A server started through a shell: the shell, its ``-c`` flag, and the script words."""

    shell: Arg
    flag: Arg
    script: list[Arg]
    inline_code: bool  # the script is shell code (pipes, ``&&``, substitutions), not one program
    pipe_to_shell: bool  # ``curl … | sh``: code downloaded and run at every start

    @property
    def script_text(self) -> str:
        return " ".join(a.text for a in self.script)


def shell_use(argv: list[Arg]) -> ShellUse | None:
    """How the command line uses a shell with inline code (``bash -c``, ``cmd /c``, ``pwsh -Command``)."""
    if not argv:
        return None
    name = program(argv[0])
    flag_at = None
    for i, arg in enumerate(argv[1:], start=1):
        word = arg.text.strip()
        if name in _SH and not word.startswith("-"):
            break  # a script file: what follows are its own arguments
        if name in _SH and re.fullmatch(r"-[a-z]*c[a-z]*", word) is not None:
            flag_at = i
        elif name in _CMD and word.lower() in ("/c", "/k", "/s/c", "/d/c"):
            flag_at = i
        elif name in _POWERSHELL and word.lower() in ("-c", "-command", "-commandwithargs", "-encodedcommand",
                                                      "-e", "-ec", "-enc"):
            flag_at = i
        if flag_at is not None:
            break
    if flag_at is None:
        return None
    script = argv[flag_at + 1:]
    if name in _SH:
        script = script[:1]  # sh -c 'script' name args…: only the first word is code
    if not script:
        return None
    text = " ".join(a.text for a in script)
    meta = _SH_META if name in _SH else _CMD_META if name in _CMD else _PS_META
    encoded = name in _POWERSHELL and argv[flag_at].text.lower().startswith(("-e", "-enc"))
    return ShellUse(argv[0], argv[flag_at], script, bool(meta.search(text)) or encoded,
                    bool(_PIPE_TO_SHELL.search(text)))


def pipe_to_shell(argv: list[Arg]) -> Arg | None:
    """An argument that downloads code and pipes it into an interpreter (``curl … | sh``), anywhere."""
    for arg in argv:
        if _PIPE_TO_SHELL.search(arg.text):
            return arg
    return None


def _words(arg: Arg) -> list[Arg]:
    """Split one script into words (quotes removed), each keeping its place in the scalar."""
    out: list[Arg] = []
    text = arg.node.text
    i, end = arg.start, arg.end
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        if i >= end:
            break
        start = i
        word = []
        while i < end and not text[i].isspace():
            if text[i] in "'\"":
                quote = text[i]
                close = text.find(quote, i + 1, end)
                if close < 0:
                    word.append(text[i + 1:end])
                    i = end
                    break
                word.append(text[i + 1:close])
                i = close + 1
            else:
                word.append(text[i])
                i += 1
        out.append(Arg("".join(word), arg.node, start, i))
    return out


def effective_argv(server: ClientServer) -> list[Arg]:
    """The command line of the program that really runs.

    A shell wrapped around one plain program (``cmd /c npx -y pkg``, ``sh -c "exec
    node server.js"``) is looked through: the words of its script are the command
    line. A script with shell code stays as written (the shell itself is reported).
    """
    argv = command_line(server)
    use = shell_use(argv)
    if use is None or use.inline_code:
        return argv
    words = [w for arg in use.script for w in _words(arg)]
    if words and words[0].text == "exec":
        words = words[1:]
    return words


# ------------------------------------------------------------------ Docker

_CONTAINER_RUNTIMES = frozenset({"docker", "podman", "nerdctl"})
# Options of ``docker run`` that take a value in the next word (``--name x``); any ``--opt=value`` is one word.
_VALUE_OPTIONS = frozenset(
    """--add-host --annotation --attach --blkio-weight --cap-add --cap-drop --cgroup-parent --cgroupns --cidfile
    --cpu-period --cpu-quota --cpu-rt-period --cpu-rt-runtime --cpu-shares --cpus --cpuset-cpus --cpuset-mems
    --detach-keys --device --device-cgroup-rule --device-read-bps --device-read-iops --device-write-bps
    --device-write-iops --dns --dns-option --dns-search --domainname --entrypoint --env --env-file --expose
    --gpus --group-add --health-cmd --health-interval --health-retries --health-start-period --health-timeout
    --hostname --ip --ip6 --ipc --isolation --kernel-memory --label --label-file --link --link-local-ip
    --log-driver --log-opt --mac-address --memory --memory-reservation --memory-swap --memory-swappiness
    --mount --name --network --net --network-alias --oom-score-adj --pid --pids-limit --platform --publish
    --pull --restart --runtime --security-opt --shm-size --stop-signal --stop-timeout --storage-opt --sysctl
    --tmpfs --ulimit --user --userns --uts --volume --volume-driver --volumes-from --workdir""".split()
)
_SHORT_VALUE_OPTIONS = frozenset("aceghlmpuvw")


@dataclass(frozen=True)
class DockerOption:
    name: str  # ``--volume`` (long form as written; short options keep their letter: ``-v``)
    flag: Arg
    value: Arg | None  # the value: the next word, or the flag itself for ``--opt=value`` (see ``value_text``)
    value_text: str


def docker_run_options(argv: list[Arg]) -> list[DockerOption] | None:
    """The options of ``docker run`` (``podman run``, ``docker container run``), up to the image; else None."""
    if not argv or program(argv[0]) not in _CONTAINER_RUNTIMES:
        return None
    i = 1
    while i < len(argv) and argv[i].text.startswith("-"):  # global options: docker --context x run
        i += 2 if argv[i].text in ("--context", "-c", "--host", "-H", "--config", "--log-level", "-l") else 1
    if i < len(argv) and argv[i].text == "container":
        i += 1
    if i >= len(argv) or argv[i].text not in ("run", "create"):
        return None
    options: list[DockerOption] = []
    i += 1
    while i < len(argv):
        word = argv[i].text
        if not word.startswith("-") or word == "-":
            break  # the image: what follows belongs to the container
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if eq:
                options.append(DockerOption(name, argv[i], argv[i], value))
            elif name in _VALUE_OPTIONS and i + 1 < len(argv):
                options.append(DockerOption(name, argv[i], argv[i + 1], argv[i + 1].text))
                i += 1
            else:
                options.append(DockerOption(name, argv[i], None, ""))
        else:
            letters = word[1:]
            for j, letter in enumerate(letters):
                if letter in _SHORT_VALUE_OPTIONS:
                    rest = letters[j + 1:]
                    if rest:
                        options.append(DockerOption("-" + letter, argv[i], argv[i], rest.lstrip("=")))
                    elif i + 1 < len(argv):
                        options.append(DockerOption("-" + letter, argv[i], argv[i + 1], argv[i + 1].text))
                        i += 1
                    break
                options.append(DockerOption("-" + letter, argv[i], None, ""))
        i += 1
    return options
