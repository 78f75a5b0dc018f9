"""Problems found while reading files, before any rule runs.

Loaders never raise on bad input: they return a :class:`Diagnostic` and carry
on. Rules in the ``config-error`` category turn diagnostics into findings, so
the engine needs no special case for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mcplint.span import Span


class DiagnosticKind(str, Enum):
    """What went wrong; each kind is reported by one config-error rule."""

    PARSE_ERROR = "parse-error"  # YAML/JSON syntax, alias bombs, nesting too deep
    SKIPPED_FILE = "skipped-file"  # too large, binary, unreadable, outside the root
    INCLUDE_ERROR = "include-error"  # flAPI include target missing or not readable
    TEMPLATE_ERROR = "template-error"  # Mustache syntax that flAPI cannot render
    DECODE_WARNING = "decode-warning"  # bytes that are not valid UTF-8 were replaced


@dataclass(frozen=True)
class Diagnostic:
    kind: DiagnosticKind
    span: Span
    message: str


def file_span(path: str) -> Span:
    """The span used for problems that concern a whole file."""
    return Span(path, 1, 1, 1, 1, 0, 0)
