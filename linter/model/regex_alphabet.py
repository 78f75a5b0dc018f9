"""Which characters a validator's regex can let through.

flAPI checks a ``string`` validator's ``regex`` as a full match (std::regex,
ECMAScript grammar, where ``\\d``, ``\\w`` and ``\\s`` are ASCII classes and
``.`` matches anything but a line break). Whether a value can break out of a
SQL context depends only on which characters it may contain, so the regex is
reduced to its alphabet: a set of ASCII characters plus a flag for "some
non-ASCII character". Anything the parser does not understand is treated as
"any character", which errs on the side of reporting.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

try:  # Python 3.11+
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

ASCII = frozenset(chr(i) for i in range(128))
_LINE_BREAKS = frozenset("\n\r")
_CATEGORIES = {
    _c.CATEGORY_DIGIT: frozenset(string.digits),
    _c.CATEGORY_WORD: frozenset(string.ascii_letters + string.digits + "_"),
    _c.CATEGORY_SPACE: frozenset(" \t\n\r\f\v"),
}
_NEGATED_CATEGORIES = {
    _c.CATEGORY_NOT_DIGIT: _c.CATEGORY_DIGIT,
    _c.CATEGORY_NOT_WORD: _c.CATEGORY_WORD,
    _c.CATEGORY_NOT_SPACE: _c.CATEGORY_SPACE,
}


@dataclass(frozen=True)
class Alphabet:
    ascii: frozenset[str]
    non_ascii: bool

    @classmethod
    def anything(cls) -> Alphabet:
        return cls(ASCII, True)

    def union(self, other: Alphabet) -> Alphabet:
        return Alphabet(self.ascii | other.ascii, self.non_ascii or other.non_ascii)

    def intersection(self, other: Alphabet) -> Alphabet:
        return Alphabet(self.ascii & other.ascii, self.non_ascii and other.non_ascii)

    def within(self, allowed: str | frozenset[str]) -> bool:
        """Whether every character the regex admits is in ``allowed`` (ASCII only)."""
        return not self.non_ascii and self.ascii <= frozenset(allowed)

    def admits(self, characters: str) -> bool:
        """Whether any of ``characters`` can appear."""
        return any(c in self.ascii for c in characters)

    def describe(self) -> str:
        """A short human form: ``[A-Z]``, ``[0-9a-z_-]``, ``any character except '``."""
        printable = _PRINTABLE
        shown_set = self.ascii & printable
        if len(shown_set) > 80:
            missing = "".join(sorted(printable - self.ascii))
            text = "any character" + (f" except {missing!r}" if missing else "")
            return text
        # "-" is shown last so that it never reads as a range.
        shown = "".join(sorted(shown_set - {"-"})) + ("-" if "-" in shown_set else "")
        for name, chars in (("0-9", string.digits), ("A-Z", string.ascii_uppercase), ("a-z", string.ascii_lowercase)):
            if chars in shown:
                shown = shown.replace(chars, name)
        extras = []
        if self.ascii - printable:
            extras.append("control characters")
        if self.non_ascii:
            extras.append("non-ASCII characters")
        return f"[{shown}]" + (f" and {' and '.join(extras)}" if extras else "")


EMPTY = Alphabet(frozenset(), False)
_PRINTABLE = frozenset(chr(i) for i in range(32, 127))


def regex_alphabet(pattern: str) -> Alphabet:
    """The characters a full match of ``pattern`` may contain (over-approximated)."""
    try:
        parsed = _parser.parse(pattern)
    except (_c.error, RecursionError, OverflowError, ValueError, TypeError):
        return Alphabet.anything()
    try:
        return _of_sequence(parsed)
    except (RecursionError, KeyError, TypeError, ValueError):
        return Alphabet.anything()


def _of_sequence(items) -> Alphabet:  # type: ignore[no-untyped-def]
    result = EMPTY
    for op, av in items:
        result = result.union(_of_item(op, av))
    return result


def _of_item(op, av) -> Alphabet:  # type: ignore[no-untyped-def]
    if op is _c.LITERAL:
        return _char(chr(av))
    if op is _c.NOT_LITERAL:
        return Alphabet(ASCII - {chr(av)}, True)
    if op is _c.ANY:
        return Alphabet(ASCII - _LINE_BREAKS, True)
    if op is _c.IN:
        return _of_class(av)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, inner = av
        return EMPTY if high == 0 else _of_sequence(inner)
    if op is _c.SUBPATTERN:
        return _of_sequence(av[-1])
    if op is _c.BRANCH:
        result = EMPTY
        for branch in av[1]:
            result = result.union(_of_sequence(branch))
        return result
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return EMPTY  # anchors and look-arounds consume nothing
    if op is _c.CATEGORY:
        return _of_category(av)
    return Alphabet.anything()  # back-references, conditionals: be conservative


def _char(c: str) -> Alphabet:
    return Alphabet(frozenset({c}), False) if ord(c) < 128 else Alphabet(frozenset(), True)


def _of_category(category) -> Alphabet:  # type: ignore[no-untyped-def]
    if category in _CATEGORIES:
        return Alphabet(_CATEGORIES[category], False)
    if category in _NEGATED_CATEGORIES:
        return Alphabet(ASCII - _CATEGORIES[_NEGATED_CATEGORIES[category]], True)
    return Alphabet.anything()


def _of_class(items) -> Alphabet:  # type: ignore[no-untyped-def]
    negate = False
    members = EMPTY
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            members = members.union(_char(chr(av)))
        elif op is _c.RANGE:
            low, high = av
            ascii_part = frozenset(chr(i) for i in range(low, min(high, 127) + 1))
            members = members.union(Alphabet(ascii_part, high >= 128))
        elif op is _c.CATEGORY:
            members = members.union(_of_category(av))
        else:
            return Alphabet.anything()
    if negate:
        return Alphabet(ASCII - members.ascii, True)
    return members
