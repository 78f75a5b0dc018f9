"""The data the tests ship with stays the data it was copied from."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator

from conftest import SARIF_SCHEMA, shared_file


def test_shipped_sarif_schema_is_a_valid_draft7_schema_for_sarif_2_1_0() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


@pytest.mark.needs_shared
def test_shipped_sarif_schema_is_the_shared_copy_byte_for_byte() -> None:
    assert SARIF_SCHEMA.read_bytes() == shared_file("data/sarif-schema-2.1.0.json").read_bytes()
