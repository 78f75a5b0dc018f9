"""Configuration from ``.mcplint.toml`` or ``[tool.mcplint]`` in ``pyproject.toml``.

Lookup starts in the working directory and goes up to the file-system root;
the first folder holding either file wins (``.mcplint.toml`` before
``pyproject.toml``; a ``pyproject.toml`` without ``[tool.mcplint]`` is
skipped). Every key is checked: a typo is a usage error with a suggestion,
never silently ignored.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcplint.source import DEFAULT_MAX_FILE_SIZE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

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
}


class ConfigError(Exception):
    """A broken or invalid configuration file (reported in one line, exit 2)."""


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
    cache: bool = True  # keep the pre-commit index in .mcplint_cache/ (mention_index.py)
    path: Path | None = None  # the file it came from, if any


def find_config_file(start: Path) -> tuple[Path, bool] | None:
    """(path, is_pyproject) of the nearest configuration, or None."""
    for folder in [start, *start.parents]:
        dedicated = folder / ".mcplint.toml"
        if dedicated.is_file():
            return dedicated, False
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject, True
    return None


def _has_tool_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "mcplint" in data["tool"]


def load_config(explicit: Path | None, cwd: Path) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        location: tuple[Path, bool] | None = (explicit, explicit.name == "pyproject.toml")
    else:
        location = find_config_file(cwd)
    if location is None:
        return Config()
    path, is_pyproject = location
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if is_pyproject:
        section = data.get("tool", {}).get("mcplint", {})
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
        elif kind == "table-of-levels":
            if not isinstance(value, dict) or not all(v in LEVELS for v in value.values()):
                raise ConfigError(f"{where}`{key}` must map rule ids to one of {', '.join(LEVELS)}")
        setattr(config, key.replace("-", "_"), value)
    return config
