"""GitHub's ``primaryLocationLineHash``, computed exactly as github/codeql-action does.

A port of ``hash()`` in codeql-action's ``src/fingerprints.ts``: a rolling
hash (base 37, 64-bit wrap-around) over the next 100 characters from the
start of each line, counting UTF-16 code units, skipping spaces and tabs and
normalising line endings; equal hashes are numbered ``hash:1``, ``hash:2``…
The tests check it against the vectors of codeql-action's own test suite.
"""

from __future__ import annotations

from array import array

_BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def line_hashes(text: str) -> dict[int, str]:
    """Map each 1-based line number to its ``hash:count`` fingerprint."""
    # JavaScript strings are UTF-16 code units; lone surrogates pass through as they are.
    units = array("H", text.encode("utf-16-le", errors="surrogatepass"))
    window = [0] * _BLOCK_SIZE
    line_numbers = [-1] * _BLOCK_SIZE
    hash_raw = 0
    index = 0
    line_number = 0
    line_start = True
    prev_cr = False
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def output() -> None:
        value = format(hash_raw, "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_numbers[index]] = f"{value}:{counts[value]}"
        line_numbers[index] = -1

    def update(current: int) -> None:
        nonlocal hash_raw, index
        begin = window[index]
        window[index] = current
        hash_raw = (_MOD * hash_raw + current - _FIRST_MOD * begin) & _MASK
        index = (index + 1) % _BLOCK_SIZE

    def process(current: int) -> None:
        nonlocal prev_cr, line_start, line_number
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            return
        if current == _CR:
            current = _LF
            prev_cr = True
        else:
            prev_cr = False
        if line_numbers[index] != -1:
            output()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[index] = line_number
        if current == _LF:
            line_start = True
        update(current)

    for unit in units:
        process(unit)
    process(_EOF)
    for _ in range(_BLOCK_SIZE):
        if line_numbers[index] != -1:
            output()
        update(0)
    return out
