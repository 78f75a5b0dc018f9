"""JSON Schemas shipped with mcplint (package data); see README.md for their use."""

from __future__ import annotations

import json
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """Load a bundled schema by file name, e.g. ``report.schema.json``.

    importlib.resources is imported here, not at module level: the rule modules that
    import this one are imported on every run, and most runs read no schema.
    """
    from importlib import resources

    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
