"""Indented JSON written in pieces, with one long list made an item at a time.

A report of a large tree holds thousands of findings. ``json.dumps`` of the
whole document held every finding as data, the text, and the text again as
bytes, all at once: the last thing to raise a run's peak memory. Here the
standard encoder runs as ``json.dumps`` runs it (with an indent, that is its
pure-Python encoder), over a list whose items are made while it is written,
so the bytes are the same. One encoder for the whole document: each
``json.dumps`` call leaves a cycle of closures behind, which the command
line, running with the collector off, would keep.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_BLOCK = 1 << 16  # characters per piece


class LazyList(list):  # type: ignore[type-arg]
    """A list for the encoder that makes its items as it is iterated (it holds none of them)."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__([None])  # not empty: the encoder writes `[]` for an empty list without iterating
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


def lazy_list(items: Iterable[Any], empty: bool) -> list[Any]:
    """``items`` for a document given to :func:`stream_json`; ``empty`` says whether there are none."""
    return [] if empty else LazyList(items)


def stream_json(document: Any, safe: Callable[[str], str]) -> Iterator[str]:
    """``safe(json.dumps(document, indent=2, ensure_ascii=False))``, in pieces of about 64 K characters.

    ``safe`` must work on any piece as on the whole text: pieces end between
    the encoder's tokens, and a JSON string is one token (``safe_text.json_text``
    rewrites within strings)."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False)
    return map(safe, blocks(encoder.iterencode(document)))


def blocks(pieces: Iterable[str], size: int = _BLOCK) -> Iterator[str]:
    """``pieces`` joined into blocks of about ``size`` characters, each ending where a piece ends: one
    write per block rather than per token or finding (``click.echo`` flushes on every call)."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)
