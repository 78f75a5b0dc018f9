"""Compressing the text of a checked file while the run keeps it (``SourceFile.pack``).

A large tree keeps every file's text until the report is written, although an
endpoint file checked while the model was built is seldom read again. Raw
deflate with a 4 KB window and a small memory level costs a few microseconds
per file (zlib's default state is 256 KB to set up); a preset dictionary of
what flAPI endpoint files and SQL templates are made of lets even a short file
refer back to it, which takes a typical endpoint file from about half its size
to about a third.
"""

from __future__ import annotations

import zlib

_WINDOW = -12  # raw deflate (no header or checksum), 4 KB window
_MEMORY_LEVEL = 4
_LEVEL = 1

# flAPI's endpoint keys, written as endpoint files write them, then SQL and Mustache. zlib finds
# a match anywhere in the dictionary; strings near its end are the cheapest to refer to.
_DICTIONARY = b"""
cache:
  enabled: true
  table:
  schedule:
rate-limit:
  enabled: true
  max:
  interval:
heartbeat:
  enabled:
connection: [
template-source:
operation:
  type: write
  validate-before-write: true
  returns-data:
  transaction: true
mcp-resource:
  name:
mcp-prompt:
  name:
  template:
auth:
  enabled: true
  type: basic
  users:
    - username:
      password: '{{env.
      roles: [
request:
  - field-name:
    field-in: query
    description:
    required: false
    validators:
      - type: string
        regex: '^[a-z
      - type: int
        min: 1
        max:
      - type: enum
        allowedValues: [
      - type: date
mcp-tool:
  name:
  description:
  allowed-roles: [
url-path: /
method: GET
SELECT * FROM  WHERE 1 = 1 AND  = '{{ params. }}' INSERT INTO  VALUES UPDATE  SET  DELETE FROM  ORDER BY  DESC LIMIT
{{#params.}}
  AND  = {{ params. }}
{{/params.}}
"""


def pack(text: str) -> bytes:
    """``text``, compressed (any ``str``: lone surrogates too)."""
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WINDOW, _MEMORY_LEVEL, zdict=_DICTIONARY)
    return packer.compress(text.encode("utf-8", "surrogatepass")) + packer.flush()


def unpack(data: bytes) -> str:
    """The text :func:`pack` was given."""
    unpacker = zlib.decompressobj(_WINDOW, zdict=_DICTIONARY)
    return (unpacker.decompress(data) + unpacker.flush()).decode("utf-8", "surrogatepass")
