"""How an MCP client starts a server: runner, package, version, and whether that version is exact.

Reads the command line the client really runs (a shell wrapper around one
program is looked through, as the supply-chain rules do) and names the
package a runner fetches at start-up (``npx -y @acme/mcp@1.2.3``,
``uvx acme-mcp==1.2``, ``docker run … ghcr.io/acme/mcp@sha256:…``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mcplint.lazy_re import lazy_compile
from mcplint.model.clients import ClientServer
from mcplint.model.values import as_bool
from mcplint.source import SourceFile
from mcplint.span import Span

_NPM_RUNNERS = {"npx": 1, "bunx": 1, "pnpx": 1}
_SUB_RUNNERS = {("npm", "exec"): 2, ("npm", "x"): 2, ("pnpm", "dlx"): 2, ("yarn", "dlx"): 2, ("bun", "x"): 2,
                ("pipx", "run"): 2, ("uv", "tool"): 3}
_PYTHON = frozenset({"uvx", "pipx", "uv"})
_VALUE_OPTIONS = frozenset({"-p", "--package", "--from", "--spec", "--with", "--python", "-c", "--call",
                            "--registry", "--cache", "--userconfig", "--index-url", "--index", "--extra-index-url"})
_EXACT_NPM = lazy_compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
_EXACT_PY = lazy_compile(r"^(?:===?)\s*v?\d+(?:\.\d+)*(?:[-+.]?[0-9A-Za-z.+-]+)?$")
_SHA = lazy_compile(r"^[0-9a-f]{7,40}$")
_DOCKER = frozenset({"docker", "podman", "nerdctl"})


@dataclass(frozen=True)
class Launch:
    runner: str | None
    runner_span: Span | None
    package: str | None
    package_span: Span | None
    version: str | None
    version_span: Span | None
    pinned: bool
    disabled: bool


def launch_of(server: ClientServer, source: SourceFile | None) -> Launch:
    from mcplint.rules.supply_chain._clients import effective_argv, program

    disabled = as_bool(server.node.get("disabled")) is True or as_bool(server.node.get("enabled")) is False
    argv = effective_argv(server)
    none = Launch(None, None, None, None, None, None, False, disabled)
    if not argv:
        return none
    name = program(argv[0])
    words = [a.text for a in argv]
    if name in _DOCKER and len(words) > 1 and words[1] == "run":
        return _docker(argv, source, disabled)
    start = _NPM_RUNNERS.get(name) or (_SUB_RUNNERS.get((name, words[1])) if len(words) > 1 else None)
    if name == "uvx":
        start = 1
    if start is None or (name == "uv" and words[1:3] != ["tool", "run"]):
        return none
    runner = name if start == 1 else " ".join([name, *words[1:start]])
    runner_span = argv[0].span(source)
    package_arg = None
    i = start
    while i < len(argv):
        word = words[i]
        if word in ("-p", "--package", "--from", "--spec") and i + 1 < len(argv):
            package_arg = argv[i + 1]
            break
        if not word.startswith("-"):
            package_arg = argv[i]
            break
        i += 2 if word in _VALUE_OPTIONS else 1
    if package_arg is None:
        return Launch(runner, runner_span, None, None, None, None, False, disabled)
    spec = package_arg.text.strip()
    span = package_arg.span(source)
    if name in _PYTHON:
        package, version, pinned = _python_spec(spec)
    else:
        package, version, pinned = _npm_spec(spec)
    return Launch(runner, runner_span, package, span, version, span if version else None, pinned, disabled)


def _npm_spec(spec: str) -> tuple[str, str | None, bool]:
    if "#" in spec:  # git spec with a commit or branch
        base, _, ref = spec.partition("#")
        return base, ref, bool(_SHA.match(ref))
    at = spec.rfind("@")
    if at <= 0:
        return spec, None, False
    version = spec[at + 1:]
    return spec[:at], version or None, bool(_EXACT_NPM.match(version))


def _python_spec(spec: str) -> tuple[str, str | None, bool]:
    match = re.match(r"^([A-Za-z0-9][\w.-]*(?:\[[\w,.\s-]*\])?)\s*(.*)$", spec)
    if match is None:
        return spec, None, False
    name, rest = match.group(1), match.group(2).strip()
    if rest.startswith("@"):
        version = rest[1:].strip()
        return name, version or None, bool(re.fullmatch(r"v?\d+(?:\.\d+)+", version))
    if not rest:
        return name, None, False
    return name, rest, bool(_EXACT_PY.match(rest))


def _docker(argv, source, disabled: bool) -> Launch:  # type: ignore[no-untyped-def]
    from mcplint.rules.supply_chain._clients import docker_run_options

    options = docker_run_options(argv)
    words = [a.text for a in argv]
    # The image is the first word after `run` that is neither an option nor an option's value.
    taken = set()
    for option in options or []:
        taken.add(id(option.flag))
        if option.value is not None:
            taken.add(id(option.value))
    image = next((a for a in argv[2:] if id(a) not in taken and not a.text.startswith("-")), None)
    runner = f"{words[0]} run"
    if image is None:
        return Launch(runner, argv[0].span(source), None, None, None, None, False, disabled)
    text = image.text.strip()
    if "@" in text:
        package, _, version = text.partition("@")
        pinned = version.startswith("sha256:")
    else:
        last = text.rsplit("/", 1)[-1]
        package, version = (text.rsplit(":", 1)[0], last.split(":", 1)[1]) if ":" in last else (text, None)
        pinned = False
    span = image.span(source)
    return Launch(runner, argv[0].span(source), package, span, version, span if version else None, pinned, disabled)
