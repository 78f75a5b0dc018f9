"""Spans, line indexes and safe file reading (mcplint.span, mcplint.source)."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

import mcplint.source as source_module
from mcplint.diagnostics import DiagnosticKind, file_span
from mcplint.source import (
    SourceFile,
    decode_bytes,
    looks_binary,
    read_bounded,
    read_source,
    source_from_text,
)
from mcplint.span import LineIndex, Span

# --------------------------------------------------------------------- Span


def test_span_str_and_emptiness():
    span = Span("dir/f.yaml", 3, 7, 3, 9, 20, 22)
    assert str(span) == "dir/f.yaml:3:7"
    assert not span.is_empty
    assert Span("f", 1, 1, 1, 1, 5, 5).is_empty
    assert Span("f", 1, 1, 1, 1).is_empty  # offsets default to 0


def test_span_is_frozen_and_ordered_by_path_then_position():
    a = Span("a.yaml", 2, 1, 2, 3)
    b = Span("a.yaml", 10, 1, 10, 3)
    c = Span("b.yaml", 1, 1, 1, 2)
    assert sorted([c, b, a]) == [a, b, c]
    with pytest.raises(AttributeError):
        a.start_line = 5  # type: ignore[misc]


# --------------------------------------------------------------- LineIndex

MIXED = "ab\r\ncd\ref\ngh"  # CRLF, CR, LF, no final break


@pytest.mark.parametrize(
    "offset, expected",
    [
        (0, (1, 1)),
        (1, (1, 2)),
        (2, (1, 3)),  # the \r of \r\n still belongs to line 1
        (3, (1, 4)),  # so does the \n
        (4, (2, 1)),
        (6, (2, 3)),  # a lone \r
        (7, (3, 1)),
        (9, (3, 3)),  # \n
        (10, (4, 1)),
        (12, (4, 3)),  # end of text
        (99, (4, 3)),  # clamped to the end
        (-5, (1, 1)),  # clamped to the start
    ],
)
def test_line_index_position_with_mixed_line_breaks(offset, expected):
    assert LineIndex(MIXED).position(offset) == expected


def test_line_index_counts_and_inverse():
    index = LineIndex(MIXED)
    assert index.line_count == 4
    assert index.length == len(MIXED) == 12
    assert [index.line_start(n) for n in (1, 2, 3, 4)] == [0, 4, 7, 10]
    assert [index.line_end(n, MIXED) for n in (1, 2, 3, 4)] == [2, 6, 9, 12]
    assert [MIXED[index.line_start(n) : index.line_end(n, MIXED)] for n in (1, 2, 3, 4)] == [
        "ab",
        "cd",
        "ef",
        "gh",
    ]
    for offset in range(len(MIXED) + 1):
        assert index.offset(*index.position(offset)) == offset
    # out-of-range lines clamp
    assert index.line_start(0) == 0
    assert index.line_start(50) == 10


@pytest.mark.parametrize(
    "text, line_count",
    [
        ("", 1),
        ("a", 1),
        ("a\n", 2),
        ("\r\n", 2),  # one break, not two
        ("\n\r", 3),  # LF then CR: two breaks
        ("\r\r\n", 3),
        ("a\u2028b\u2029c\x85d\x0be\x0cf", 1),  # YAML/Unicode breaks are not line breaks here
    ],
)
def test_line_index_only_lf_crlf_cr_break_lines(text, line_count):
    assert LineIndex(text).line_count == line_count


def test_line_index_counts_code_points_not_utf16_units_or_bytes():
    text = "😀é\tx\n😀y"
    index = LineIndex(text)
    assert index.position(text.index("x")) == (1, 4)
    assert index.position(text.index("y")) == (2, 2)


def test_line_end_for_empty_lines_and_crlf():
    text = "\r\n\r\nz"
    index = LineIndex(text)
    assert [index.line_end(n, text) for n in (1, 2, 3)] == [0, 2, 5]


# -------------------------------------------------------------- SourceFile


def test_source_file_span_and_line_text():
    source = source_from_text("cfg/a.yaml", "key: 😀val\r\nnext:\tx\rlast")
    start = source.text.index("😀")
    span = source.span(start, start + 4)
    assert span == Span("cfg/a.yaml", 1, 6, 1, 10, start, start + 4)
    x = source.text.index("\tx") + 1
    assert source.span(x, x + 1) == Span("cfg/a.yaml", 2, 7, 2, 8, x, x + 1)
    last = source.text.index("last")
    assert source.span(last, last + 4) == Span("cfg/a.yaml", 3, 1, 3, 5, last, last + 4)
    # an end before the start collapses to an empty span at the start
    assert source.span(x, x - 3) == Span("cfg/a.yaml", 2, 7, 2, 7, x, x)
    assert [source.line_text(n) for n in (1, 2, 3)] == ["key: 😀val", "next:\tx", "last"]
    assert source.suffix == ".yaml"


def test_span_across_a_crlf_ends_on_the_next_line():
    source = source_from_text("a.txt", "ab\r\ncd")
    assert source.span(1, 5) == Span("a.txt", 1, 2, 2, 2, 1, 5)


# ------------------------------------------------------------- read_source


def _read(tmp_path: Path, data: bytes, max_size: int | None = None, name: str = "f.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    if max_size is None:
        return read_source(path, name)
    return read_source(path, name, max_size)


def test_read_plain_utf8(tmp_path):
    source, diagnostics = _read(tmp_path, "a: é😀\n".encode())
    assert diagnostics == []
    assert source.text == "a: é😀\n"
    assert source.hash_text_override is None
    assert source.hash_text == source.text
    assert source.path == "f.yaml"
    assert source.abs_path == tmp_path / "f.yaml"


def test_read_empty_file(tmp_path):
    source, diagnostics = _read(tmp_path, b"")
    assert diagnostics == []
    assert source.text == ""
    assert source.lines.line_count == 1


def test_utf8_bom_is_stripped_from_text_but_kept_for_hashing(tmp_path):
    source, diagnostics = _read(tmp_path, codecs.BOM_UTF8 + b"a: 1\nb: 2\n")
    assert diagnostics == []
    assert source.text == "a: 1\nb: 2\n"
    assert source.hash_text == "\ufeffa: 1\nb: 2\n"
    # positions count from the first character after the BOM
    assert source.span(0, 1) == Span("f.yaml", 1, 1, 1, 2, 0, 1)
    assert source.span(5, 6) == Span("f.yaml", 2, 1, 2, 2, 5, 6)


@pytest.mark.parametrize(
    "bom, encoding",
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path, bom, encoding):
    text = "a: é😀\r\nb: 2\n"
    data = bom + text.encode(encoding)
    source, diagnostics = _read(tmp_path, data)
    assert diagnostics == []
    assert source.text == text
    # GitHub fingerprints the bytes read as UTF-8 with replacement
    assert source.hash_text == data.decode("utf-8", errors="replace")
    assert source.hash_text != source.text
    b = source.text.index("b")
    assert source.span(b, b + 1) == Span("f.yaml", 2, 1, 2, 2, b, b + 1)


def test_utf16_without_bom_is_binary(tmp_path):
    source, diagnostics = _read(tmp_path, "a: 1\n".encode("utf-16-le"))
    assert source is None
    assert len(diagnostics) == 1
    assert diagnostics[0].kind is DiagnosticKind.SKIPPED_FILE
    assert diagnostics[0].span == file_span("f.yaml")
    assert "binary" in diagnostics[0].message


def test_invalid_utf8_is_replaced_with_a_decode_warning(tmp_path):
    source, diagnostics = _read(tmp_path, b"a: \xff\xfe b\nc: \xc3\n")
    assert source.text == "a: \ufffd\ufffd b\nc: \ufffd\n"
    assert source.hash_text == source.text
    assert len(diagnostics) == 1
    diagnostic = diagnostics[0]
    assert diagnostic.kind is DiagnosticKind.DECODE_WARNING
    assert diagnostic.span == file_span("f.yaml")
    assert "invalid UTF-8 at byte 3" in diagnostic.message
    # positions after the replacement characters are still exact
    c = source.text.index("c")
    assert source.span(c, c + 1) == Span("f.yaml", 2, 1, 2, 2, c, c + 1)


def test_invalid_utf16_names_utf16_in_its_decode_warning(tmp_path):
    # A BOM selects UTF-16; a lone low surrogate (bytes 4-5 of the body) is not UTF-16.
    data = b"\xff\xfe" + "a: ".encode("utf-16-le") + b"\x00\xdc" + "\n".encode("utf-16-le")
    source, diagnostics = _read(tmp_path, data)
    assert source.text.startswith("a: \ufffd")
    (diagnostic,) = diagnostics
    assert diagnostic.kind is DiagnosticKind.DECODE_WARNING
    assert "invalid UTF-16-LE at byte 8" in diagnostic.message
    assert "UTF-8" not in diagnostic.message


def test_invalid_utf8_after_a_utf8_bom_still_gives_a_decode_warning(tmp_path):
    # The BOM says UTF-8; bytes that are not UTF-8 after it are replaced just
    # the same and must be reported just the same (DECODE_WARNING: "bytes that
    # are not valid UTF-8 were replaced").
    source, diagnostics = _read(tmp_path, codecs.BOM_UTF8 + b"a: \xff\n")
    assert source.text == "a: \ufffd\n"
    assert [d.kind for d in diagnostics] == [DiagnosticKind.DECODE_WARNING]
    assert diagnostics[0].span == file_span("f.yaml")


@pytest.mark.parametrize("data", [b"ab\x00cd", b"\x00", b"PK\x03\x04\x00\x00\x08\x00"])
def test_nul_bytes_mean_binary(tmp_path, data):
    source, diagnostics = _read(tmp_path, data)
    assert source is None
    assert [(d.kind, d.span, d.message) for d in diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, file_span("f.yaml"), "file skipped: binary content (NUL bytes)")
    ]


def test_utf8_bom_does_not_excuse_nul_bytes(tmp_path):
    source, diagnostics = _read(tmp_path, codecs.BOM_UTF8 + b"a: 1\n\x00\x00\x00")
    assert source is None
    assert [d.kind for d in diagnostics] == [DiagnosticKind.SKIPPED_FILE]
    assert diagnostics[0].message == "file skipped: binary content (NUL bytes)"


def test_nul_after_the_sniff_window_is_text(tmp_path):
    data = b"a" * 8192 + b"\x00"
    source, diagnostics = _read(tmp_path, data)
    assert diagnostics == []
    assert source.text == "a" * 8192 + "\x00"


def test_size_bound(tmp_path):
    source, diagnostics = _read(tmp_path, b"x" * 11, max_size=10)
    assert source is None
    assert len(diagnostics) == 1
    assert diagnostics[0].kind is DiagnosticKind.SKIPPED_FILE
    assert diagnostics[0].span == file_span("f.yaml")
    assert "11 bytes is over the size bound of 10 bytes" in diagnostics[0].message

    source, diagnostics = _read(tmp_path, b"x" * 10, max_size=10)
    assert diagnostics == []
    assert source.text == "x" * 10


def test_file_that_grows_between_stat_and_read_is_skipped(tmp_path, monkeypatch):
    path = tmp_path / "grow.yaml"
    path.write_bytes(b"y" * 50)
    real_stat = os.stat

    class SmallStat:
        st_size = 5
        st_mode = stat.S_IFREG | 0o644

    def fake_stat(p, *args, **kwargs):
        if Path(p) == path:
            return SmallStat()
        return real_stat(p, *args, **kwargs)

    monkeypatch.setattr(source_module.os, "stat", fake_stat)
    monkeypatch.setattr(source_module.os, "fstat", lambda fd: SmallStat())  # both looks happen before the growth
    source, diagnostics = read_source(path, "grow.yaml", max_size=10)
    assert source is None
    assert [d.kind for d in diagnostics] == [DiagnosticKind.SKIPPED_FILE]
    assert "over the size bound of 10 bytes" in diagnostics[0].message


def test_missing_file_and_directory(tmp_path):
    source, diagnostics = read_source(tmp_path / "nope.yaml", "nope.yaml")
    assert source is None
    assert [d.kind for d in diagnostics] == [DiagnosticKind.SKIPPED_FILE]
    assert diagnostics[0].span == file_span("nope.yaml")
    assert diagnostics[0].message.startswith("file skipped: cannot be read")

    (tmp_path / "d").mkdir()
    source, diagnostics = read_source(tmp_path / "d", "d")
    assert source is None
    assert [(d.kind, d.message) for d in diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, "file skipped: is a directory")
    ]


def test_unreadable_file_chmod_000(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_bytes(b"a: 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user (root) who can read a chmod-000 file; see the monkeypatched test below")
        source, diagnostics = read_source(path, "secret.yaml")
    finally:
        path.chmod(0o644)
    assert source is None
    assert [(d.kind, d.span, d.message) for d in diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, file_span("secret.yaml"), "file skipped: permission denied")
    ]


def test_permission_error_is_a_diagnostic(tmp_path, monkeypatch):
    path = tmp_path / "secret.yaml"
    path.write_bytes(b"a: 1\n")

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source_module.os, "open", deny)  # the read opens with os.open
    source, diagnostics = read_source(path, "secret.yaml")
    assert source is None
    assert [(d.kind, d.span, d.message) for d in diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, file_span("secret.yaml"), "file skipped: permission denied")
    ]


def test_private_use_markers_are_neutralised(tmp_path):
    raw = "a: \ue000\ue000env.X\ue001\ue001\n"
    source, diagnostics = _read(tmp_path, raw.encode())
    assert diagnostics == []
    assert source.text == "a: \ufffd\ufffdenv.X\ufffd\ufffd\n"
    assert len(source.text) == len(raw)
    assert source.hash_text == raw  # GitHub sees the original characters


def test_markers_neutralised_after_a_bom_keep_the_bom_for_hashing(tmp_path):
    source, _ = _read(tmp_path, codecs.BOM_UTF8 + "x: \ue001\n".encode())
    assert source.text == "x: \ufffd\n"
    assert source.hash_text == "\ufeffx: \ue001\n"


def test_source_from_text():
    source = source_from_text("a/b.json", "x\ue000y")
    assert isinstance(source, SourceFile)
    assert source.text == "x\ufffdy"
    assert source.abs_path == Path("a/b.json")
    assert source.suffix == ".json"
    plain = source_from_text("c.yaml", "plain", abs_path=Path("/abs/c.yaml"))
    assert plain.text == "plain"
    assert plain.abs_path == Path("/abs/c.yaml")


# ------------------------------------------------- decode_bytes, looks_binary


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"abc", ("abc", None, None)),
        (b"ab\xffc", ("ab\ufffdc", None, 2)),
        (codecs.BOM_UTF8 + b"abc", ("abc", "\ufeffabc", None)),
        (codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"), ("hi", (codecs.BOM_UTF16_LE + "hi".encode("utf-16-le")).decode("utf-8", "replace"), None)),
    ],
)
def test_decode_bytes(data, expected):
    assert decode_bytes(data) == expected


def test_utf32_le_bom_wins_over_the_utf16_le_bom_it_starts_with():
    data = codecs.BOM_UTF32_LE + "ok".encode("utf-32-le")
    assert decode_bytes(data)[0] == "ok"


@pytest.mark.parametrize(
    "data, binary",
    [
        (b"", False),
        (b"plain text", False),
        (b"a\x00b", True),
        (codecs.BOM_UTF16_LE + "a".encode("utf-16-le"), False),
        (codecs.BOM_UTF32_BE + "a".encode("utf-32-be"), False),
        # Only a UTF-16/32 BOM explains NUL bytes (looks_binary's docstring);
        # a UTF-8 BOM followed by NULs is still binary.
        (codecs.BOM_UTF8 + b"a\x00", True),
        (b"x" * 8192 + b"\x00", False),
    ],
)
def test_looks_binary(data, binary):
    assert looks_binary(data) is binary


@pytest.mark.parametrize(
    ("stat_size", "limit", "expected"),
    [
        (10, 100, 10),  # the usual case: what fstat said
        (4, 100, 10),  # grew since the stat: read on to the end
        (0, 100, 10),  # stat said empty
        (10, 6, 7),  # over the bound: limit + 1 bytes tell the caller so, no more are read
        (4, 6, 7),
    ],
)
def test_read_bounded_reads_what_is_there_up_to_one_byte_past_the_limit(
    tmp_path: Path, stat_size: int, limit: int, expected: int
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"0123456789")
    descriptor = os.open(path, os.O_RDONLY)
    try:
        assert read_bounded(descriptor, stat_size, limit) == b"0123456789"[:expected]
    finally:
        os.close(descriptor)
