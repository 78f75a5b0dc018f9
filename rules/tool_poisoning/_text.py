"""Text helpers for the tool-poisoning rules: normalisation, phrase matching, quoting.

Phrases are matched on a *normalised* copy of a text, so that an attacker
cannot dodge them with a zero-width space inside a word, a Cyrillic ``а`` in
``id_rsа`` or full-width letters; each normalised character remembers the
offset it came from, so a finding still points at the original text.

Phrases are sequences of word patterns with *bounded gaps*: ``ignore`` …
``previous`` … ``instructions`` matches with at most a few words between the
parts, inside one sentence. A long ordinary sentence that happens to contain
the words far apart does not match. A sentence ends at ``.``, ``!`` or ``?``
followed by white space, or at a blank line; a single line break (a wrapped
line in a block scalar) does not end it.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Union

from mcplint.lazy_re import lazy_compile
from mcplint.rules.tool_poisoning._chars import classify

# Letters from other scripts that look like Latin ones (Unicode confusables,
# the subset that shows up in attacks on ASCII keywords and paths).
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "һ": "h",
    "ү": "y", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    # Greek
    "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "α": "a", "τ": "t", "υ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}
_PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": " - ", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
}


@dataclass(frozen=True)
class Normalised:
    """A text prepared for matching, and where each of its characters came from.

    ``origin[i]`` is the offset in the original text of ``text[i]``;
    ``origin[len(text)]`` is the original length.
    """

    text: str
    origin: array[int] | None  # None: nothing was dropped or mapped, offsets are the original's

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original range behind ``text[start:end]``."""
        if self.origin is None:
            return start, max(start, end)
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=4096)  # one rule reads every text, then the next rule: keep a project's texts
def normalise(text: str) -> Normalised:
    """Drop hidden characters, map look-alikes and compatibility forms to ASCII."""
    hidden = classify(text)
    if text.isascii() and not hidden:
        return Normalised(text, None)  # the common case keeps no offset table (texts are cached)
    out: list[str] = []
    origin = array("I")
    for i, ch in enumerate(text):
        if i in hidden and ch != "\r":
            continue  # hidden: never part of what a reader sees
        if ord(ch) < 0x80:
            out.append(ch)
            origin.append(i)
            continue
        mapped = CONFUSABLES.get(ch) or _PUNCTUATION.get(ch)
        if mapped is None:
            if unicodedata.category(ch) in ("Mn", "Me"):
                continue  # a combining mark on a Latin letter is not part of the keyword
            folded = unicodedata.normalize("NFKC", ch)
            mapped = folded if folded.isascii() and folded else ch
        out.extend(mapped)
        origin.extend([i] * len(mapped))
    origin.append(len(text))
    return Normalised("".join(out), origin)


# A word inside a sentence: no white space, and no ., ! or ? that ends it.
_WORD = r"(?:[^\s.!?]|[.!?]+(?=[^\s.!?]))+"
# The rest of the word a part ends in ("user's", "e-mail"), at most 64 characters: with no bound,
# every part inside one long word ("post.post.post…") scanned the whole word again (n² steps).
# Gap words after white space need no bound: each is scanned from at most a gap's worth of starts.
_REST = r"(?:[^\s.!?]|[.!?]{1,64}(?=[^\s.!?])){0,64}"
# A line that starts a list item ("- ", "* ", "• ", "1. ", "2) ") starts a new sentence.
_ITEM = r"[^\S\n]*(?:[-*\u2022]|\d{1,2}[.)])[^\S\n]"
# White space that stays within the sentence: single line breaks that do not start a list item.
_SEP = rf"(?:[^\S\n]|\n(?![^\S\n]*\n)(?!{_ITEM}))+"
_LEAD = r"""[("'`\[<*{]*"""


def gap(words: int) -> str:
    """Up to ``words`` words between two parts of a phrase, within one sentence."""
    return f"{_REST}(?:{_SEP}{_WORD}){{0,{words}}}{_SEP}{_LEAD}"


def words(alternatives: str) -> str:
    """A whole-word alternative group: ``words("read|open")``."""
    return rf"\b(?:{alternatives})\b"


class Phrase:
    """A phrase pattern that is compiled on first need, behind cheap necessary conditions.

    Why: the phrases are the largest patterns mcplint has (every gap repeats the
    sentence-boundary logic). Compiling all of them took about 60 ms at every
    start, a fifth of the instructions of a run on a one-endpoint project, while
    most texts (and whole projects) contain no phrase at all. Each part of a phrase must match on its own wherever the
    whole phrase matches, so when one part has no match in the searched range,
    the phrase has none either: the full pattern is neither run nor compiled.
    Results are exactly those of the compiled pattern (``tests/test_tool_poisoning.py``
    compares them).
    """

    __slots__ = ("source", "_parts", "_compiled")

    def __init__(self, source: str, parts: list[str]) -> None:
        self.source = source
        self._parts = [lazy_compile(part, re.IGNORECASE) for part in dict.fromkeys(parts)]
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, re.IGNORECASE)
        return self._compiled

    def _matcher(self, text: str, pos: int, endpos: int) -> re.Pattern[str] | None:
        """The compiled pattern, or None when some part has no match (then neither has the phrase).

        Once compiled, the pattern is used directly: it rejects a text as fast as the parts would.
        """
        if self._compiled is not None:
            return self._compiled
        for part in self._parts:
            if part.search(text, pos, endpos) is None:
                return None
        return self.compiled

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        matcher = self._matcher(text, pos, endpos)
        return None if matcher is None else matcher.search(text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        matcher = self._matcher(text, pos, endpos)
        return iter(()) if matcher is None else matcher.finditer(text, pos, endpos)


# What the rules match texts with: a plain compiled pattern or a phrase.
Matcher = Union[re.Pattern[str], Phrase]


def phrase(*parts: str | int) -> Phrase:
    """Parts (regex strings) joined by bounded gaps (ints), matched case-insensitively.

    Two adjacent string parts are joined with a gap of 0 words (just white space).
    """
    pattern: list[str] = []
    previous_was_text = False
    for part in parts:
        if isinstance(part, int):
            pattern.append(gap(part))
            previous_was_text = False
        else:
            if previous_was_text:
                pattern.append(gap(0))
            pattern.append(f"(?:{part})")
            previous_was_text = True
    return Phrase("".join(pattern), [part for part in parts if isinstance(part, str)])


_SENTENCE_END = lazy_compile(rf"[.!?](?=\s)|\n[^\S\n]*\n|\n(?={_ITEM})")
_DOUBLE_NEGATIVE = lazy_compile(r"(?:forget|fail|hesitate|neglect|omit|skip|miss)", re.I)
_NEGATION = lazy_compile(
    r"\b(?:not|never|no|nor|avoid|without|cannot|don't|dont|doesn't|mustn't|shouldn't|can't)\b", re.I
)


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around ``text[start:end]``."""
    before = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        before = match.end()
    after = _SENTENCE_END.search(text, end)
    return before, after.start() + 1 if after else len(text)


def negated(text: str, start: int, words_before: int = 4) -> bool:
    """Whether one of the few words before ``start`` (in its sentence) negates what follows.

    "Never send data to …" and "Do not include credentials" are protective.
    """
    begin, _ = sentence(text, start, start)
    before = text[begin:start].split()[-words_before:]
    negations = [i for i, word in enumerate(before) if _NEGATION.fullmatch(word.strip(",;:()\"'`"))]
    if not negations:
        return False
    # "do not forget to read …", "never fail to send …" are orders, not warnings.
    return not any(_DOUBLE_NEGATIVE.match(word) for word in before[negations[-1] + 1 :])


@dataclass(frozen=True)
class Hit:
    """A match in the original text: ``[start, end)`` and a short label for messages."""

    start: int
    end: int
    label: str


def find(patterns: list[tuple[str, Matcher]], text: str, limit: int = 5) -> list[Hit]:
    """Matches of labelled patterns in the normalised ``text``, mapped back to original offsets.

    Overlapping matches are reported once (the earliest, then the longest);
    at most ``limit`` hits per text keep a poisoned file from flooding a report.
    """
    norm = normalise(text)
    found: list[tuple[int, int, str]] = []
    for label, pattern in patterns:
        for match in pattern.finditer(norm.text):
            if match.end() > match.start():
                found.append((match.start(), match.end(), label))
    found.sort(key=lambda f: (f[0], -f[1], f[2]))
    hits: list[Hit] = []
    covered = -1
    for start, end, label in found:
        if start < covered:
            continue
        covered = end
        original = norm.original(start, end)
        hits.append(Hit(original[0], original[1], label))
        if len(hits) == limit:
            break
    return hits


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\x1b"}


def show(text: str, limit: int = 80) -> str:
    """A one-line, printable rendering of ``text`` for a message.

    Hidden and control characters appear as escapes (``\\u200b``), runs of
    white space as one space; the result is cut at ``limit`` characters.
    """
    hidden = classify(text)
    out: list[str] = []
    length = 0
    pending_space = False
    for i, ch in enumerate(text):
        if i not in hidden and ch.isspace():
            pending_space = bool(out)
            continue
        if i in hidden or not ch.isprintable():
            piece = _ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            piece = ch
        if pending_space:
            piece = " " + piece
            pending_space = False
        if length + len(piece) > limit:
            out.append("…")
            break
        out.append(piece)
        length += len(piece)
    return "".join(out)


def excerpt(text: str, start: int, end: int, limit: int = 80) -> str:
    """The matched text (from its start), for a message."""
    return show(text[start:max(end, start + 1)], limit)
