"""Secret-bearing values, wrapped so that no output can show them by accident.

``str()``, ``repr()`` and f-strings of a :class:`SecretValue` give a redacted
form; the value itself is reachable only through :meth:`SecretValue.reveal`,
which rules call to classify it and never to print it. The model also records
every secret's span, so the text reporter masks it in source excerpts.
"""

from __future__ import annotations

import hashlib

from mcplint.span import Span
from mcplint.tree import ScalarNode


class SecretValue:
    __slots__ = ("_value", "span", "env_refs", "logical_path")

    def __init__(self, value: str, span: Span, env_refs: tuple[str, ...] = (), logical_path: str = "") -> None:
        self._value = value
        self.span = span
        self.env_refs = env_refs
        self.logical_path = logical_path

    @classmethod
    def from_node(cls, node: ScalarNode) -> SecretValue:
        return cls(node.text, node.span, node.env_refs, node.logical_path)

    def reveal(self) -> str:
        """The plain value, for classification only: never put it in a message."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def redacted(self, keep_prefix: str = "") -> str:
        """``ghp_…(40 chars)``: an optional known, non-secret prefix and the length."""
        prefix = keep_prefix if keep_prefix and self._value.startswith(keep_prefix) else ""
        return f"{prefix}…({len(self._value)} chars)"

    def identity(self) -> str:
        """A slow, salted hash of the value: stable across moves, useless for guessing."""
        digest = hashlib.pbkdf2_hmac("sha256", self._value.encode("utf-8"), b"mcplint-secret-identity", 20_000)
        return digest.hex()[:32]

    def __repr__(self) -> str:
        return f"SecretValue({self.redacted()})"

    __str__ = redacted

    def __format__(self, spec: str) -> str:
        return self.redacted()
