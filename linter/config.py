"""Configuration from ``.mcplint.toml`` or ``[tool.mcplint]`` in ``pyproject.toml``.

Lookup starts in the working directory and goes up to the file-system root;
the first folder holding either file wins (``.mcplint.toml`` before
``pyproject.toml``; a ``pyproject.toml`` without ``[tool.mcplint]`` is
skipped). Every key is checked: a typo is a usage error with a suggestion,
never silently ignored.

The configuration may come from the tree under review, so it is read as
carefully as any scanned file: only regular files (opened without blocking, so
a FIFO never hangs the run), at most :data:`MAX_CONFIG_SIZE` bytes, and parsed
by :func:`mcplint.loaders.safe_toml.parse_toml` (bounded keys and nesting). A
``.mcplint.toml`` (or a file named by ``--config``) that cannot be used is a
configuration error of one line. A ``pyproject.toml`` is read only to look for
``[tool.mcplint]``, so one that cannot be used is skipped when it certainly
holds no such table — its text never spells ``mcplint`` nor has a ``\\u``,
``\\U`` or ``\\x`` escape that could — and is a configuration error otherwise:

* over :data:`MAX_CONFIG_SIZE`, it is not parsed; its bytes are streamed in
  chunks (up to :data:`MAX_PYPROJECT_SCAN` bytes, never held whole) to look
  for that spelling: absent, the file is skipped; present (or the file even
  bigger), the error asks to move the configuration to ``.mcplint.toml``,
  which is looked for first;
* not valid TOML, refused by the safe parse, or not UTF-8: the same text test.

A ``pyproject.toml`` that cannot be opened at all (permissions) is skipped.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mcplint.lazy_re import lazy_compile
from mcplint.loaders.safe_toml import TomlError, parse_toml
from mcplint.model.flapi import DEFAULT_FLAPI_VERSION, FLAPI_VERSIONS, flapi_series
from mcplint.source import DEFAULT_MAX_FILE_SIZE

MAX_CONFIG_SIZE = 1024 * 1024  # bytes of .mcplint.toml or pyproject.toml that are parsed
MAX_PYPROJECT_SCAN = 256 * 1024 * 1024  # bytes of a bigger pyproject.toml searched for `mcplint`
_CHUNK = 1024 * 1024
# What a [tool.mcplint] table cannot be written without: the name, or a \u, \U (or TOML 1.1 \x) escape in a quoted key.
_MAY_NAME_MCPLINT = lazy_compile(r"mcplint|\\[uUx]")
_MAY_NAME_MCPLINT_BYTES = lazy_compile(rb"mcplint|\\[uUx]")
_UNPRINTABLE = lazy_compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

LEVELS = ("error", "warning", "note")
_KEYS = {
    "select": "list",
    "extend-select": "list",
    "ignore": "list",
    "exclude": "list",
    "per-file-ignores": "table-of-lists",
    "fail-on": "level",
    "levels": "table-of-levels",
    "max-file-size": "int",
    "extend-sensitive-columns": "regex-list",
    "cache": "bool",
    "flapi-version": "flapi-version",
    "policies": "list",  # policy files or globs, relative to the configuration file (mcplint.policies)
}


class ConfigError(Exception):
    """A broken or invalid configuration file (reported in one line, exit 2).

    Line breaks and control characters (from a path or a key in the file) are escaped, so the message
    is always one line and never drives the terminal.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message))


@dataclass
class Config:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: str = "warning"
    levels: dict[str, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    extend_sensitive_columns: list[str] = field(default_factory=list)  # extra column-name regexes (data-exposure)
    cache: bool = True  # keep findings and the pre-commit index in .mcplint_cache/ (result_cache.py, mention_index.py)
    flapi_version: str = DEFAULT_FLAPI_VERSION  # the flAPI release series rules judge against (FLAPI_VERSIONS)
    policies: list[str] | None = None  # None: the default `.mcplint/policies/*.yaml` (mcplint.policies)
    path: Path | None = None  # the file it came from, if any


def parse_flapi_version(value: object) -> str:
    """The flAPI series (``"26.10"``) a configured version names; ValueError with a one-line reason."""
    supported = ", ".join(FLAPI_VERSIONS)
    if not isinstance(value, str):
        raise ValueError(
            f"must be a quoted version such as \"{DEFAULT_FLAPI_VERSION}\" (a bare TOML number 26.10 reads as "
            f"26.1); supported: {supported}"
        )
    series = flapi_series(value)
    if series is None:
        raise ValueError(
            f"{value!r} is not a flAPI version mcplint knows; supported: {supported} "
            "(a full version such as 26.10.2 counts as its series)"
        )
    return series


def find_config_file(start: Path) -> tuple[Path, bool] | None:
    """(path, is_pyproject) of the nearest configuration, or None."""
    found = _locate(start)
    return None if found is None else (found[0], found[1])


def _locate(start: Path) -> tuple[Path, bool, dict[str, Any] | None] | None:
    """(path, is_pyproject, its parsed TOML when already read) of the nearest configuration."""
    for folder in [start, *start.parents]:
        dedicated = folder / ".mcplint.toml"
        if dedicated.is_file():
            return dedicated, False, None
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _pyproject_with_tool_section(pyproject)
            if data is not None:
                return pyproject, True, data
    return None


def _pyproject_with_tool_section(path: Path) -> dict[str, Any] | None:
    """The parsed pyproject.toml if it has ``[tool.mcplint]``, None if it certainly has not."""
    try:
        handle, size = _open_regular(path)
    except OSError:
        return None  # unreadable (or gone): not a configuration anyone can have meant
    with handle:
        if size > MAX_CONFIG_SIZE:
            if _stream_may_name_mcplint(handle):
                raise ConfigError(
                    f"{path}: {size} bytes is over the {MAX_CONFIG_SIZE} bytes mcplint reads for configuration, "
                    "and it may hold [tool.mcplint]; move mcplint's configuration to .mcplint.toml beside it"
                )
            return None
        data = handle.read(MAX_CONFIG_SIZE + 1)
    if len(data) > MAX_CONFIG_SIZE:  # grew since the stat
        if _MAY_NAME_MCPLINT_BYTES.search(data):
            raise ConfigError(f"{path}: over the {MAX_CONFIG_SIZE} bytes mcplint reads for configuration")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not _MAY_NAME_MCPLINT_BYTES.search(data):
            return None
        raise ConfigError(f"{path}: cannot be read as UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        parsed = parse_toml(text)
    except TomlError as exc:
        if not _MAY_NAME_MCPLINT.search(text):
            return None  # broken, but certainly not mcplint's: the scan reports it as a file under review
        raise _toml_config_error(path, text, exc) from None
    tool = parsed.get("tool")
    return parsed if isinstance(tool, dict) and "mcplint" in tool else None


def _stream_may_name_mcplint(handle: IO[bytes]) -> bool:
    """Whether the file's bytes may spell ``mcplint`` (also when too big to look through)."""
    seen = 0
    tail = b""
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return False
        seen += len(chunk)
        if _MAY_NAME_MCPLINT_BYTES.search(tail + chunk):
            return True
        if seen >= MAX_PYPROJECT_SCAN:
            return True  # cannot tell within the bound: be safe
        tail = chunk[-8:]


def _open_regular(path: Path) -> tuple[IO[bytes], int]:
    """The file opened for reading, and its size; OSError unless it is a regular file.

    O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then tells what was opened.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    handle = open(descriptor, "rb", closefd=True)  # noqa: SIM115 - returned to the caller
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError("not a regular file")
    except BaseException:
        handle.close()
        raise
    return handle, status.st_size


def _read_config(path: Path) -> dict[str, Any]:
    """A .mcplint.toml (or a file given with --config), parsed; any problem is a ConfigError."""
    try:
        handle, size = _open_regular(path)
        with handle:
            if size > MAX_CONFIG_SIZE:
                raise ConfigError(f"{path}: {size} bytes is over the {MAX_CONFIG_SIZE} bytes of a configuration file")
            data = handle.read(MAX_CONFIG_SIZE + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_SIZE:
        raise ConfigError(f"{path}: over the {MAX_CONFIG_SIZE} bytes of a configuration file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read as UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        return parse_toml(text)
    except TomlError as exc:
        raise _toml_config_error(path, text, exc) from None


def _toml_config_error(path: Path, text: str, exc: TomlError) -> ConfigError:
    line, column = exc.position(text)
    return ConfigError(f"{path}: {exc.describe()} (at line {line}, column {column})")


def load_config(explicit: Path | None, cwd: Path) -> Config:
    data: dict[str, Any] | None = None
    if explicit is not None:
        if not explicit.exists():
            raise ConfigError(f"config file not found: {explicit}")
        path, is_pyproject = explicit, explicit.name == "pyproject.toml"
    else:
        located = _locate(cwd)
        if located is None:
            return Config()
        path, is_pyproject, data = located
    if data is None:
        data = _read_config(path)
    if is_pyproject:
        tool = data.get("tool", {})
        section = tool.get("mcplint", {}) if isinstance(tool, dict) else {}
        prefix = "[tool.mcplint]"
    else:
        section = data
        prefix = ""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: {prefix or 'the file'} must be a table")
    config = _parse(section, path, prefix)
    config.path = path
    return config


def _parse(section: dict[str, Any], path: Path, prefix: str) -> Config:
    where = f"{path}: {prefix + ' ' if prefix else ''}"
    config = Config()
    for key, value in section.items():
        kind = _KEYS.get(key)
        if kind is None:
            hint = difflib.get_close_matches(key, list(_KEYS), n=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else ""
            raise ConfigError(f"{where}unknown key `{key}`{suggestion}")
        if kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}`{key}` must be a list of strings")
        elif kind == "regex-list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}`{key}` must be a list of regular expressions")
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(f"{where}`{key}`: invalid regular expression {pattern!r} ({exc})") from None
                if key == "extend-sensitive-columns":  # run on names from the scanned tree: linear time only
                    from mcplint.rules.data_exposure._columns import pattern_problem

                    problem = pattern_problem(pattern)
                    if problem:
                        raise ConfigError(f"{where}`{key}`: regular expression {pattern!r} refused: {problem}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}`{key}` must be true or false")
        elif kind == "level":
            if value not in LEVELS:
                raise ConfigError(f"{where}`{key}` must be one of {', '.join(LEVELS)}")
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{where}`{key}` must be a positive integer (bytes)")
        elif kind == "table-of-lists":
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
            ):
                raise ConfigError(f"{where}`{key}` must map globs to lists of rule selectors")
        elif kind == "flapi-version":
            try:
                value = parse_flapi_version(value)
            except ValueError as exc:
                raise ConfigError(f"{where}`{key}` {exc}") from None
        elif kind == "table-of-levels":
            if not isinstance(value, dict) or not all(v in LEVELS for v in value.values()):
                raise ConfigError(f"{where}`{key}` must map rule ids to one of {', '.join(LEVELS)}")
        setattr(config, key.replace("-", "_"), value)
    return config


def config_in_folder(folder: Path) -> Config | None:
    """The configuration kept in ``folder`` itself (not above it), or None.

    ``.mcplint.toml`` wins over ``pyproject.toml``, and a ``pyproject.toml`` counts only with a
    ``[tool.mcplint]`` table, exactly as in the upward lookup; used for nested configurations
    in a monorepo (settings_tree.py).
    """
    dedicated = folder / ".mcplint.toml"
    pyproject = folder / "pyproject.toml"
    try:
        if dedicated.is_file():
            return load_config(dedicated, folder)
        if pyproject.is_file() and _pyproject_with_tool_section(pyproject) is not None:
            return load_config(pyproject, folder)
    except PermissionError:
        return None  # a folder the run cannot look into holds no configuration it could use
    return None
