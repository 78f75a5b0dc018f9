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


def settings_note(config: Any, cwd: Path) -> dict[str, Any] | None:
    """``{"source": path, "switched_off": [...]}`` for a run configured from a file, else None."""
    path = getattr(config, "path", None)
    if path is None:
        return None
    try:
        shown = os.path.relpath(path, cwd)
    except ValueError:  # another drive (Windows)
        shown = str(path)
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
    return {"source": shown, "switched_off": off}


def settings_line(note: dict[str, Any] | None) -> str | None:
    """One line for text output (the caller makes it printable)."""
    if note is None:
        return None
    off = "; ".join(note["switched_off"]) or "nothing switched off"
    return f"Settings from {note['source']}: {off} (--isolated ignores them)."
