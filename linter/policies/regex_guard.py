"""Bounded regular expressions for policies.

Python's ``re`` has no timeout, so a policy's pattern is accepted only when it
cannot backtrack catastrophically in the usual ways: at most
:data:`MAX_PATTERN_LENGTH` characters, no unbounded repetition inside another
unbounded repetition (``(a+)+``, ``(a*b?)*``, ``(?:x|y+)*``), no
back-references and no look-arounds. Values are matched in full and cut to
:data:`MAX_SUBJECT_LENGTH` characters first.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _p  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MAX_PATTERN_LENGTH = 256
MAX_SUBJECT_LENGTH = 10_000
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT) + ((_c.POSSESSIVE_REPEAT,) if hasattr(_c, "POSSESSIVE_REPEAT")
                                             else ())
_REFUSED = {_c.GROUPREF: "a back-reference", _c.ASSERT: "a look-ahead/behind", _c.ASSERT_NOT: "a look-ahead/behind"}
if hasattr(_c, "GROUPREF_EXISTS"):
    _REFUSED[_c.GROUPREF_EXISTS] = "a conditional group"


class UnsafePattern(ValueError):
    pass


def check_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern, or :class:`UnsafePattern` saying why it is refused."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"the pattern has {len(pattern)} characters; at most {MAX_PATTERN_LENGTH} are allowed")
    try:
        compiled = re.compile(pattern)
        parsed = _p.parse(pattern)
    except re.error as exc:
        raise UnsafePattern(f"invalid regular expression ({exc})") from None
    _walk(list(parsed), inside_unbounded=False)
    return compiled


def _walk(items: list, inside_unbounded: bool) -> None:  # type: ignore[type-arg]
    for op, arg in items:
        if op in _REFUSED:
            raise UnsafePattern(f"{_REFUSED[op]} is not allowed in a policy pattern")
        if op in _REPEATS:
            low, high, sub = arg
            unbounded = high == _c.MAXREPEAT or high > 100
            if unbounded and inside_unbounded:
                raise UnsafePattern(
                    "nested unbounded repetition (like `(a+)+`) can take exponential time; rewrite it without a "
                    "repeated group that itself repeats"
                )
            _walk(list(sub), inside_unbounded or unbounded)
        elif op == _c.SUBPATTERN:
            _walk(list(arg[-1]), inside_unbounded)
        elif op == _c.BRANCH:
            for branch in arg[1]:
                _walk(list(branch), inside_unbounded)
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            _walk(list(arg), inside_unbounded)


def full_match(compiled: re.Pattern[str], text: str) -> bool:
    return compiled.fullmatch(text[:MAX_SUBJECT_LENGTH]) is not None
