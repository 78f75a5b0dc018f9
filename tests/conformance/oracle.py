"""A small harness that runs the released flAPI binary (through ``../shared/oracle/flapi-oracle``).

mcplint's flAPI rules rest on beliefs about what flAPI does with a configuration; the conformance
tests ask the real binary instead. Only the standard library is used, and nothing here connects
anywhere but ``127.0.0.1``.

Typical use::

    oracle = Oracle(find_oracle())
    project = write_project(tmp_path, minimal_project())
    assert oracle.validate(project).returncode == 0
    with oracle.serve(project) as server:
        assert server.get("/people").status == 200
        assert server.call_tool("people", {}).json["result"]
"""

from __future__ import annotations

import contextlib
import json as _json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_VERSION = "26.10.2"
HOST = "127.0.0.1"
MCP_PATH = "/mcp/jsonrpc"  # flAPI's MCP endpoint (Streamable HTTP); no `initialize` is needed first

_REPO = Path(__file__).resolve().parent.parent.parent


def find_oracle() -> Path | None:
    """The ``flapi-oracle`` script, or None when it is not on this machine.

    Looked for in order: env ``MCPLINT_FLAPI_ORACLE``; ``<repo>/../shared/oracle/flapi-oracle``;
    ``$MCPLINT_SHARED/oracle/flapi-oracle``. An explicit ``MCPLINT_FLAPI_ORACLE`` that does not
    exist gives None (it is not silently replaced by another copy).
    """
    explicit = os.environ.get("MCPLINT_FLAPI_ORACLE")
    if explicit:
        path = Path(explicit)
        return path if path.is_file() else None
    candidates = [_REPO.parent / "shared" / "oracle" / "flapi-oracle"]
    shared = os.environ.get("MCPLINT_SHARED")
    if shared:
        candidates.append(Path(shared) / "oracle" / "flapi-oracle")
    for path in candidates:
        if path.is_file():
            return path
    return None


@dataclass
class Completed:
    """The outcome of one flAPI run that exits by itself (e.g. ``--validate-config``)."""

    returncode: int
    output: str  # stdout + stderr


@dataclass
class Response:
    """One HTTP answer from flAPI."""

    status: int
    headers: dict[str, str]  # lower-case names
    text: str

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return _json.loads(self.text)
        except ValueError:
            return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # keep 3xx answers as they are
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


@dataclass
class Server:
    """A running flAPI server on ``127.0.0.1:port``."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    session_id: str | None = field(default=None)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        """What the server has written to stdout/stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                json_body: Any = None, headers: Mapping[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float = 30.0) -> Response:
        """Send one request; non-2xx answers are returned, not raised. ``auth`` = basic (user, password)."""
        url = self.base_url + path
        if params:
            url += ("&" if "?" in path else "?") + urllib.parse.urlencode(params)
        data = None
        all_headers = {k: v for k, v in (headers or {}).items()}
        if json_body is not None:
            data = _json.dumps(json_body).encode("utf-8")
            all_headers.setdefault("Content-Type", "application/json")
        if auth is not None:
            token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            all_headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method.upper())
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                status, raw, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), err.headers
        return Response(status, {k.lower(): v for k, v in hdrs.items()}, raw.decode("utf-8", errors="replace"))

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Response:
        """GET ``path`` with query ``params``."""
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        """POST ``json_body`` to ``path``."""
        return self.request("POST", path, json_body=json_body, **kwargs)

    def mcp(self, method: str, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, **kwargs: Any) -> Response:
        """Send one JSON-RPC 2.0 request to flAPI's MCP endpoint (``/mcp/jsonrpc``).

        flAPI answers without a prior ``initialize``; the ``Mcp-Session-Id`` it hands out is
        remembered and sent back on later calls.
        """
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": int(time.monotonic_ns() % 1_000_000_000), "method": method}
        if params is not None:
            body["params"] = dict(params)
        all_headers = {"Accept": "application/json, text/event-stream", **(headers or {})}
        if self.session_id and "Mcp-Session-Id" not in all_headers:
            all_headers["Mcp-Session-Id"] = self.session_id
        resp = self.request("POST", MCP_PATH, json_body=body, headers=all_headers, **kwargs)
        if resp.headers.get("mcp-session-id"):
            self.session_id = resp.headers["mcp-session-id"]
        return resp

    def call_tool(self, name: str, arguments: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, **kwargs: Any) -> Response:
        """MCP ``tools/call`` of tool ``name``."""
        return self.mcp("tools/call", {"name": name, "arguments": dict(arguments or {})}, headers=headers, **kwargs)


class OracleError(RuntimeError):
    """The oracle could not be run or the server did not come up."""


class Oracle:
    """One flAPI release, run through the ``flapi-oracle`` script."""

    def __init__(self, script: Path, version: str = DEFAULT_VERSION) -> None:
        self.script = Path(script)
        self.version = version

    def _cmd(self, *args: str) -> list[str]:
        return [str(self.script), "--version", self.version, *args]

    def setup(self, timeout: float = 600.0) -> Completed:
        """Install this release into the oracle's cache (a no-op when it is there)."""
        proc = subprocess.run(self._cmd("setup"), capture_output=True, text=True, timeout=timeout)
        return Completed(proc.returncode, proc.stdout + proc.stderr)

    def _env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        merged = dict(os.environ)
        # At start flAPI tries to download 7 DuckDB extensions, twice; offline each attempt costs a name
        # lookup. With several servers starting at once, lost DNS packets cost glibc's default 5 s
        # timeout per lookup (over a minute per start); a 1 s timeout keeps starts at a few seconds.
        merged.setdefault("RES_OPTIONS", "timeout:1 attempts:1")
        merged.update(env or {})
        return merged

    def validate(self, project: Path, main: str = "flapi.yaml", env: Mapping[str, str] | None = None,
                 timeout: float = 60.0) -> Completed:
        """``flapi --validate-config`` on ``project/main``; ``env`` is added to this process's environment."""
        proc = subprocess.run(self._cmd("run", "-c", main, "--validate-config", "--no-telemetry"),
                              cwd=project, env=self._env(env), capture_output=True, text=True, timeout=timeout)
        return Completed(proc.returncode, proc.stdout + proc.stderr)

    @contextlib.contextmanager
    def serve(self, project: Path, main: str = "flapi.yaml", env: Mapping[str, str] | None = None,
              startup_timeout: float = 60.0, extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
        """Serve ``project`` on a free port of 127.0.0.1 until the ``with`` block ends.

        Waits (at most ``startup_timeout`` seconds) until the server answers HTTP; raises
        OracleError with the server's output if it exits or does not answer. The server's
        process group is always killed afterwards.
        """
        port = _free_port()
        log_fd, log_name = tempfile.mkstemp(prefix="flapi-oracle-", suffix=".log")
        log_path = Path(log_name)
        cmd = self._cmd("run", "-c", main, "-p", str(port), "--host", HOST, "--no-telemetry", *extra_args)
        try:
            process = subprocess.Popen(cmd, cwd=project, env=self._env(env), stdin=subprocess.DEVNULL,
                                       stdout=log_fd, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            os.close(log_fd)
        server = Server(port, process, log_path)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if process.poll() is not None:
                    raise OracleError(f"flAPI {self.version} exited with {process.returncode} before answering:\n"
                                      + server.output()[-6000:])
                if time.monotonic() > deadline:
                    raise OracleError(f"flAPI {self.version} did not answer on port {port} within "
                                      f"{startup_timeout:.0f} s:\n" + server.output()[-6000:])
                if _answers(port):
                    break
                time.sleep(0.1)
            yield server
        finally:
            _kill_group(process)
            with contextlib.suppress(OSError):
                log_path.unlink()


    @contextlib.contextmanager
    def serve_many(self, projects: Mapping[str, Path], main: str = "flapi.yaml",
                   env: Mapping[str, str] | None = None) -> Iterator[dict[str, Server]]:
        """Serve several projects at once (each start takes seconds; they start in parallel).

        Yields ``{key: Server}`` for ``projects = {key: project dir}``; all are killed afterwards.
        """
        with contextlib.ExitStack() as stack:
            managers = {key: self.serve(path, main, env) for key, path in projects.items()}
            results: dict[str, Server | BaseException] = {}

            def enter(key: str) -> None:
                try:
                    results[key] = managers[key].__enter__()
                except BaseException as exc:  # reported below, after every start has finished
                    results[key] = exc

            threads = [threading.Thread(target=enter, args=(key,)) for key in managers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for key, outcome in results.items():
                if isinstance(outcome, Server):
                    stack.push(managers[key].__exit__)
            errors = [outcome for outcome in results.values() if isinstance(outcome, BaseException)]
            if errors:
                raise errors[0]
            yield {key: results[key] for key in projects}  # type: ignore[misc]


def _answers(port: int) -> bool:
    """True when something on ``port`` answers an HTTP request."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.settimeout(2.0)
            sock.sendall(b"GET /__flapi_oracle_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (relative path -> text) below ``root`` and return ``root``."""
    for rel, text in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Path(root)


PEOPLE_INIT = ("CREATE TABLE IF NOT EXISTS people AS SELECT * FROM "
               "(VALUES (1, 'alice', 'admin'), (2, 'bob', 'user'), (3, 'carol', 'user')) t(id, name, role);")


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else line for line in text.splitlines())


def minimal_project(main_extra: str = "", endpoint_extra: str = "",
                    sql: str = "SELECT id, name FROM people ORDER BY id",
                    url_path: str = "/people", endpoint: str = "people",
                    init: str = PEOPLE_INIT, connection_extra: str = "",
                    extra_files: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files of the smallest project that serves, as ``{relative path: text}`` for write_project.

    ``flapi.yaml`` holds project-name, project-description, ``template.path: ./sqls`` and a
    connection ``db`` whose ``init`` creates and fills ``people(id, name, role)``;
    ``sqls/<endpoint>.yaml`` has url-path, template-source and ``connection: [db]``.
    ``main_extra`` / ``endpoint_extra`` are YAML appended at top level of the main / endpoint
    file; ``connection_extra`` is YAML added inside the ``db`` connection (e.g. ``properties:``).
    ``extra_files`` adds or replaces files (e.g. more endpoints under ``sqls/``).
    """
    main = (
        "project-name: conformance\n"
        "project-description: conformance test project\n"
        "template:\n"
        "  path: ./sqls\n"
        "connections:\n"
        "  db:\n"
        "    init: |\n"
        f"{_indent(init, 6)}\n"
        + (_indent(connection_extra, 4) + "\n" if connection_extra else "")
        + (main_extra.rstrip("\n") + "\n" if main_extra else "")
    )
    endpoint_yaml = (
        f"url-path: {url_path}\n"
        f"template-source: {endpoint}.sql\n"
        "connection: [db]\n"
        + (endpoint_extra.rstrip("\n") + "\n" if endpoint_extra else "")
    )
    files = {"flapi.yaml": main, f"sqls/{endpoint}.yaml": endpoint_yaml, f"sqls/{endpoint}.sql": sql + "\n"}
    files.update(extra_files or {})
    return files


def endpoint_files(name: str, url_path: str, sql: str, extra: str = "") -> dict[str, str]:
    """The two files of one more endpoint ``sqls/<name>.yaml`` + ``.sql`` on connection ``db``."""
    yaml_text = (f"url-path: {url_path}\ntemplate-source: {name}.sql\nconnection: [db]\n"
                 + (extra.rstrip("\n") + "\n" if extra else ""))
    return {f"sqls/{name}.yaml": yaml_text, f"sqls/{name}.sql": sql + "\n"}
