"""What the run's configuration file switched off, for every output format (issue 24, item 9).

The scanned tree may hold the `.mcplint.toml` or `pyproject.toml` that configures its own scan:
`ignore = ["ALL"]`, `exclude = ["**"]`, lowered levels or `max-file-size = 1` would silence a
pull request's findings. Every report therefore says where the settings came from and what in
them reduces what is reported; `--isolated` ignores in-tree settings altogether.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mcplint.source import DEFAULT_MAX_FILE_SIZE


def settings_note(config: Any, cwd: Path, nested: tuple[Any, ...] = ()) -> dict[str, Any] | None:
    """``{"source": path, "switched_off": [...]}`` for a run configured from files, else None.

    ``nested`` are the monorepo configurations below the root (settings_tree.FolderSettings):
    each can switch checks off for its folder, so each is named with what it switches off.
    """
    path = getattr(config, "path", None)
    if path is None and not nested:
        return None
    off = _switched_off(config) if path is not None else []
    for folder in nested:
        items = _switched_off(folder.config) or ["nothing switched off"]
        off.extend(f"{_shown(folder.source, cwd)} (for {folder.folder}/): {item}" for item in items)
    return {"source": _shown(path, cwd) if path is not None else "no configuration at the root", "switched_off": off}


def _shown(path: Path, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd)
    except ValueError:  # another drive (Windows)
        return str(path)


def _switched_off(config: Any) -> list[str]:
    """What in one configuration reduces what is reported."""
    off: list[str] = []
    if config.select is not None:
        off.append(f"select = {list(config.select)!r} (every other rule is off)")
    if config.ignore:
        off.append(f"ignore = {list(config.ignore)!r}")
    if config.exclude:
        off.append(f"exclude = {list(config.exclude)!r}")
    if config.per_file_ignores:
        off.append(f"per-file-ignores for {len(config.per_file_ignores)} pattern(s)")
    if config.levels:
        off.append(f"levels changed for {', '.join(sorted(config.levels))}")
    if config.max_file_size < DEFAULT_MAX_FILE_SIZE:
        off.append(f"max-file-size = {config.max_file_size} (files above it are skipped)")
    if config.fail_on != "warning":
        off.append(f"fail-on = {config.fail_on!r}")
    return off


def settings_line(note: dict[str, Any] | None) -> str | None:
    """One line for text output (the caller makes it printable)."""
    if note is None:
        return None
    off = "; ".join(note["switched_off"]) or "nothing switched off"
    return f"Settings from {note['source']}: {off} (--isolated ignores them)."
