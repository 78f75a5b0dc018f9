"""GitHub's primaryLocationLineHash (mcplint.reporters.line_hash).

The vectors are those of github/codeql-action's own test suite
(src/fingerprints.test.ts); a small independent reference implementation
(a plain polynomial over each line's 100-unit window, not a rolling hash)
checks inputs those vectors do not cover.
"""

from __future__ import annotations

import pytest

from mcplint.reporters.line_hash import line_hashes

HELLO_NORMALISED = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]

VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", HELLO_NORMALISED),
    (" hello; \t\rworld!!!\r\r\r  \t\tGreetings\r End\r", HELLO_NORMALISED),
    (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", HELLO_NORMALISED),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", HELLO_NORMALISED),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [f"a7f2ff13bc495cf2:{i}" for i in range(1, 7)]
        + [
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize("text, expected", VECTORS, ids=[f"vector{i}" for i in range(len(VECTORS))])
def test_codeql_action_vectors(text, expected):
    hashes = line_hashes(text)
    assert len(hashes) == len(expected)
    assert list(hashes) == list(range(1, len(expected) + 1))
    assert [hashes[line] for line in sorted(hashes)] == expected


def reference_line_hashes(text: str) -> dict[int, str]:
    """codeql-action's hash restated directly: for each line, the polynomial
    (base 37, mod 2**64) over the 100 UTF-16 units that start at the line's
    first counted unit, after dropping spaces/tabs, mapping CR and CRLF to LF,
    appending an EOF unit 65535 and padding with zeros."""
    raw = text.encode("utf-16-le")
    units = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)] + [65535]
    stream: list[int] = []
    starts: list[int] = []
    prev_cr = False
    at_line_start = True
    for unit in units:
        if unit in (9, 32) or (prev_cr and unit == 10):
            prev_cr = False
            continue
        prev_cr = unit == 13
        if prev_cr:
            unit = 10
        if at_line_start:
            starts.append(len(stream))
            at_line_start = False
        if unit == 10:
            at_line_start = True
        stream.append(unit)
    stream += [0] * 100
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    for line, start in enumerate(starts, 1):
        value = 0
        for unit in stream[start : start + 100]:
            value = (value * 37 + unit) % (1 << 64)
        digest = format(value, "x")
        counts[digest] = counts.get(digest, 0) + 1
        out[line] = f"{digest}:{counts[digest]}"
    return out


@pytest.mark.parametrize("text, expected", VECTORS, ids=[f"vector{i}" for i in range(len(VECTORS))])
def test_reference_agrees_with_the_vectors(text, expected):
    assert list(reference_line_hashes(text).values()) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a😀b\nc",  # astral characters are two UTF-16 units
        "é\r\n😀😀\r\rz",
        "\ufeffkey: value\n",  # a BOM is hashed like any other unit
        "x" * 250 + "\n" + "y" * 3 + "\n",  # lines longer than the window
        "\n\n\n",
        " \t \n",
        "\r",
        "a\r \nb",  # a space between CR and LF: two line breaks
        "password: hunter2\n" * 3 + "other\n",
    ],
)
def test_matches_the_reference_on_other_inputs(text):
    assert line_hashes(text) == reference_line_hashes(text)


def test_astral_characters_count_as_two_units():
    # "😀" is the surrogate pair D83D DE00, then the EOF unit, then zeros.
    expected = (0xD83D * 37**99 + 0xDE00 * 37**98 + 65535 * 37**97) % (1 << 64)
    assert line_hashes("😀") == {1: f"{expected:x}:1"}
    text = "😀" * 99 + "\nz"
    assert line_hashes(text) == reference_line_hashes(text)
    assert len(line_hashes(text)) == 2


def test_line_count_matches_the_text():
    text = "a\nb\r\nc\rd"
    assert sorted(line_hashes(text)) == [1, 2, 3, 4]
    assert sorted(line_hashes(text + "\n")) == [1, 2, 3, 4, 5]


def test_repeated_windows_are_numbered():
    hashes = line_hashes("same\n" * 30)
    assert len(hashes) == 31
    assert len({h.split(":")[0] for h in hashes.values()}) > 1
    first = hashes[1].split(":")[0]
    numbered = [h for h in hashes.values() if h.startswith(first + ":")]
    assert numbered == [f"{first}:{i}" for i in range(1, len(numbered) + 1)]
