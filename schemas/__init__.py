"""JSON Schemas shipped with mcplint (package data); see README.md for their use."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """Load a bundled schema by file name, e.g. ``report.schema.json``."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
