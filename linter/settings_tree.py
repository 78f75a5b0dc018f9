"""Settings per folder: in a monorepo, each file is judged by the nearest configuration above it.

A repository that holds several flAPI projects or MCP setups often gives each its own
``.mcplint.toml`` (or ``[tool.mcplint]`` in its ``pyproject.toml``), as ruff users do.
The configuration found from the working directory (or given with ``--config``) is the
run's; a configuration in a folder *below* the scan root takes over for the files under
that folder: its rule selection, ``levels``, ``per-file-ignores`` and ``exclude`` (both
relative to its folder). Keys that shape the whole run — ``fail-on``, ``max-file-size``,
``cache``, ``extend-sensitive-columns`` and ``flapi-version`` — are the run's own; a
nested file that sets them to something else is a configuration error rather than a
setting that silently does nothing. A nested configuration's ``policies`` (default:
``.mcplint/policies/*.yaml`` beside it) apply to the files under its folder. Command-line
selections (``--select``, ``--ignore``,
``--extend-select``) apply everywhere, as in ruff.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mcplint.config import Config, ConfigError, config_in_folder
from mcplint.engine.rule import Level
from mcplint.globs import matches

RUN_WIDE_KEYS = ("fail_on", "max_file_size", "cache", "extend_sensitive_columns", "flapi_version")


@dataclass(frozen=True)
class FolderSettings:
    """What one nested configuration decides for the files below its folder."""

    folder: str  # relative to the scan root, POSIX separators, no trailing slash
    source: Path  # the configuration file
    config: Config
    selected: frozenset[str]  # rule ids
    levels: dict[str, Level] = field(default_factory=dict)
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)  # globs relative to ``folder``

    def relative(self, path: str) -> str:
        return path[len(self.folder) + 1 :]

    def excludes(self, path: str) -> bool:
        rel = self.relative(path)
        return any(matches(glob, rel) for glob in self.config.exclude)

    def ignores(self, rule_id: str, path: str) -> bool:
        rel = self.relative(path)
        return any(rule_id in ids and matches(glob, rel) for glob, ids in self.per_file_ignores.items())


def nested_configs(root: Path, paths: list[str], run_config: Config) -> list[tuple[str, Path, Config]]:
    """(folder, file, config) of every configuration in a folder strictly below ``root`` that holds a path.

    Only folders on the way from ``root`` to a scanned file are looked at, so the cost is
    one look per folder of the tree; the run's own configuration file is never listed again.
    """
    seen: dict[str, tuple[Path, Config] | None] = {}
    for path in paths:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder in seen:
                continue
            found = config_in_folder(root / folder)
            if found is not None and run_config.path is not None and _same_file(found.path, run_config.path):
                found = None
            seen[folder] = None if found is None else (found.path, found)  # type: ignore[assignment]
    out = []
    for folder in sorted(seen):
        entry = seen[folder]
        if entry is not None:
            source, config = entry
            _check_run_wide(config, run_config, source)
            out.append((folder, source, config))
    return out


def _same_file(a: Path | None, b: Path | None) -> bool:
    try:
        return a is not None and b is not None and os.path.samefile(a, b)
    except OSError:
        return False


def _check_run_wide(config: Config, run_config: Config, source: Path) -> None:
    defaults = Config()
    for key in RUN_WIDE_KEYS:
        value = getattr(config, key)
        if value != getattr(defaults, key) and value != getattr(run_config, key):
            shown = key.replace("_", "-")
            raise ConfigError(
                f"{source}: `{shown}` applies to the whole run, so it is read only from the run's configuration"
                f"{' (' + str(run_config.path) + ')' if run_config.path else ''}; set it there or pass it on the "
                "command line"
            )


def settings_for(path: str, folders: tuple[FolderSettings, ...]) -> FolderSettings | None:
    """The nested settings that judge ``path``: the deepest folder holding it, or None (the run's)."""
    best: FolderSettings | None = None
    for settings in folders:
        if path.startswith(settings.folder + "/") and (best is None or len(settings.folder) > len(best.folder)):
            best = settings
    return best
