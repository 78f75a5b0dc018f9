"""Positions inside scalar values (for findings inside descriptions or init SQL)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcplint.loaders.scalar_positions import value_span
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.source import source_from_text


def scalar(text: str):
    source = source_from_text("f.yaml", text)
    root, diagnostics = load_yaml(PlainText(source))
    assert diagnostics == []
    return source, root.get_scalar("d")


def where(text: str, needle: str) -> tuple[int, int, int, int]:
    source, node = scalar(text)
    start = node.text.index(needle)
    span = value_span(source, node, start, start + len(needle))
    return span.start_line, span.start_col, span.end_line, span.end_col


@pytest.mark.parametrize(
    "text, needle, expected",
    [
        ("d: plain text here\n", "here", (1, 15, 1, 19)),
        ("d: plain text\n  continued line\n\n  after blank\n", "blank", (4, 9, 4, 14)),
        ("d: 'it''s quoted'\n", "quoted", (1, 11, 1, 17)),
        ('d: "a \\"q\\" then tail"\n', "tail", (1, 18, 1, 22)),
        ('d: "zero\\u200bwidth"\n', "\u200b", (1, 9, 1, 15)),  # the whole escape
        ('d: "multi\n  line \\\n  cont"\n', "cont", (3, 3, 3, 7)),
        ("d: |\n  line one\n    more indented\n  line three\n", "more", (3, 5, 3, 9)),
        ("d: |\n  line one\n    more indented\n  line three\n", "three", (4, 8, 4, 13)),
        ("d: >\n  folded one\n  folded two\n\n  para two\n", "para", (5, 3, 5, 7)),
        ("d: |2\n    two extra\n  base\n", "base", (3, 3, 3, 7)),
        ('d: "emoji 😀 and é"\n', "é", (1, 17, 1, 18)),  # columns count code points
        ("d: |\r\n  crlf one\r\n  crlf two\r\n", "two", (3, 8, 3, 11)),
    ],
)
def test_value_ranges_map_to_source_positions(text, needle, expected) -> None:
    assert where(text, needle) == expected


WORD = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(WORD, min_size=1, max_size=12), style=st.sampled_from(["plain", "literal", "folded", "single", "double"]),
       width=st.integers(min_value=1, max_value=4))
def test_every_word_maps_to_its_own_text(words, style, width) -> None:
    lines = [" ".join(words[i : i + width]) for i in range(0, len(words), width)]
    if style == "plain":
        text = "d: " + "\n  ".join(lines) + "\n"
    elif style == "literal":
        text = "d: |\n" + "".join(f"  {line}\n" for line in lines)
    elif style == "folded":
        text = "d: >\n" + "".join(f"  {line}\n" for line in lines)
    elif style == "single":
        text = "d: '" + "\n  ".join(lines) + "'\n"
    else:
        text = 'd: "' + "\n  ".join(lines) + '"\n'
    source, node = scalar(text)
    cursor = 0
    for word in words:
        start = node.text.index(word, cursor)
        cursor = start + len(word)
        span = value_span(source, node, start, cursor)
        assert source.text[span.start_offset : span.end_offset] == word
