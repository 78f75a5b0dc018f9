"""Which characters in a model-visible text are hidden from the person reading it.

A character is *hidden* when a client shows nothing (or something else) for it
while the model still reads it: Unicode tag characters, bidirectional
controls, zero-width and other format characters, control characters and
terminal escape sequences. Ordinary non-ASCII text (accents, typographic
quotes, CJK, emoji) is not hidden, and neither are the format characters that
real text needs:

- U+200D ZERO WIDTH JOINER between two emoji (👩‍💻, ❤️‍🔥) and U+200C/U+200D
  between letters of a joining script (Persian ``می‌خواهم``, Devanagari);
- U+FE0E/U+FE0F after a character, and U+E0100–U+E01EF after a CJK ideograph
  (one variation selector; a run of them can smuggle bytes and is hidden);
- the tag characters of an emoji flag sequence (🏴 + ``gbeng`` + CANCEL TAG);
- U+200E/U+200F/U+061C direction marks in a text that holds right-to-left
  letters; a soft hyphen between two letters; an Arabic number sign before a digit;
- line feed, tab, and a carriage return that starts a CRLF line break.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mcplint.lazy_re import lazy_compile

TAG = "tag"
BIDI = "bidi"
INVISIBLE = "invisible"
CONTROL = "control"

_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
_DIRECTION_MARKS = frozenset((0x200E, 0x200F, 0x061C))
_JOINERS = frozenset((0x200C, 0x200D))
_INVISIBLE_NOT_CF = frozenset((0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x17B4, 0x17B5, 0x2028, 0x2029))
_NUMBER_SIGNS = frozenset((0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x08E2, 0x110BD, 0x110CD))
_EMOJI_FLAG_BASE = 0x1F3F4
# Everything but printable ASCII, line feed and tab deserves a closer look.
_SUSPECT = lazy_compile(r"[^\x20-\x7e\n\t]")
_CANCEL_TAG = 0xE007F


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2300 <= cp <= 0x23FF
        or 0x2600 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or cp in (0xFE0F, 0x20E3, 0x00A9, 0x00AE, 0x2122, 0x3030, 0x303D)
    )


def _is_joining_script(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x0600 <= cp <= 0x08FF  # Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic Extended
        or 0x0900 <= cp <= 0x0DFF  # Indic scripts
        or 0x0F00 <= cp <= 0x109F  # Tibetan, Myanmar
        or 0x1780 <= cp <= 0x18AF  # Khmer, Mongolian
        or 0xA840 <= cp <= 0xA87F  # Phags-pa
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFE
    )


def _is_rtl_letter(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3134F


@dataclass(frozen=True)
class HiddenRun:
    """Consecutive hidden characters of one kind: ``text[start:end]``."""

    kind: str
    start: int
    end: int


def classify(text: str) -> dict[int, str]:
    """The hidden characters of ``text``: offset -> TAG, BIDI, INVISIBLE or CONTROL.

    Offsets not in the result are visible characters.
    """
    return _classify(text)


# The engine applies one rule to every text before the next rule, so the cache
# is large enough to hold the texts of a big project; most results are empty.
@lru_cache(maxsize=4096)
def _classify(text: str) -> dict[int, str]:
    suspects = [m.start() for m in _SUSPECT.finditer(text)]
    if not suspects:
        return {}
    has_rtl = any(_is_rtl_letter(text[i]) for i in suspects if ord(text[i]) >= 0x0590)
    flag_tags = _emoji_flag_tags(text) if chr(_EMOJI_FLAG_BASE) in text else set()
    kinds: dict[int, str] = {}
    for i in suspects:
        kind = _kind(text, i, has_rtl, flag_tags)
        if kind is not None:
            kinds[i] = kind
    return kinds


def _kind(text: str, i: int, has_rtl: bool, flag_tags: set[int]) -> str | None:
    ch = text[i]
    cp = ord(ch)
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if 0xE0000 <= cp <= 0xE007F:
        return None if i in flag_tags else TAG
    if cp in _BIDI_CONTROLS:
        return BIDI
    if cp in _DIRECTION_MARKS:
        return None if has_rtl else INVISIBLE
    if cp in _JOINERS:
        emoji_join = cp == 0x200D and bool(prev) and bool(nxt) and _is_emoji(prev) and _is_emoji(nxt)
        script_join = (
            bool(prev) and bool(nxt) and _is_letter(prev) and _is_letter(nxt)
            and (_is_joining_script(prev) or _is_joining_script(nxt))
        )
        return None if emoji_join or script_join else INVISIBLE
    if _is_variation_selector(cp):
        return _variation_selector_kind(text, i)
    if ch == "\r":
        return None if nxt == "\n" else CONTROL
    if cp == 0x00AD:
        return None if prev and nxt and _is_letter(prev) and _is_letter(nxt) else INVISIBLE
    if cp in _NUMBER_SIGNS:
        return None if nxt.isdigit() else INVISIBLE
    if cp in _INVISIBLE_NOT_CF:
        return INVISIBLE
    category = unicodedata.category(ch)
    if category == "Cc":
        return CONTROL
    if category == "Cf":
        return INVISIBLE
    return None


def _variation_selector_kind(text: str, i: int) -> str | None:
    """One selector after a base character is ordinary; a run of them, or one
    with nothing sensible to modify, can carry hidden bytes."""
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if not prev or _is_variation_selector(ord(prev)) or (nxt and _is_variation_selector(ord(nxt))):
        return INVISIBLE
    if 0xE0100 <= ord(text[i]) <= 0xE01EF:
        return None if _is_cjk(prev) else INVISIBLE
    return None if not prev.isspace() else INVISIBLE


def _emoji_flag_tags(text: str) -> set[int]:
    """Offsets of tag characters that belong to an emoji subdivision flag (🏴 + tags + CANCEL TAG)."""
    out: set[int] = set()
    start = text.find(chr(_EMOJI_FLAG_BASE))
    while start != -1:
        j = start + 1
        while j < len(text) and (0xE0030 <= ord(text[j]) <= 0xE0039 or 0xE0061 <= ord(text[j]) <= 0xE007A):
            j += 1
        if 2 <= j - start - 1 <= 6 and j < len(text) and ord(text[j]) == _CANCEL_TAG:
            out.update(range(start + 1, j + 1))
        start = text.find(chr(_EMOJI_FLAG_BASE), start + 1)
    return out


def hidden_runs(text: str, kind: str) -> list[HiddenRun]:
    """Maximal runs of consecutive characters of one hidden kind."""
    runs: list[HiddenRun] = []
    for i, found in sorted(classify(text).items()):
        if found != kind:
            continue
        if runs and runs[-1].end == i:
            runs[-1] = HiddenRun(kind, runs[-1].start, i + 1)
        else:
            runs.append(HiddenRun(kind, i, i + 1))
    return runs


def decode_tags(text: str) -> str:
    """The ASCII text that Unicode tag characters spell (U+E0020–U+E007E map to U+0020–U+007E)."""
    return "".join(chr(ord(c) - 0xE0000) for c in text if 0xE0020 <= ord(c) <= 0xE007E)


def codepoint(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``, for messages."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")
