"""Column names that usually hold personal or secret data.

The list is deliberately plain and documented: each entry is a label and a
regular expression matched against the column name in lower case with every
non-alphanumeric run turned into ``_`` (so ``customerEmail`` is matched as
``customeremail`` and ``e-mail`` as ``e_mail``). Extend it in the project
configuration with ``extend-sensitive-columns = ["regex", …]`` (full match,
same normalisation).

Column names come from the scanned tree, so every pattern must take linear
time on any name: the built-in ones are searched for (``.*x.*`` as a full
match cost n² steps on a long name), and a configured pattern is refused when
it nests unbounded quantifiers (``(a+)+b`` takes exponential time,
:func:`pattern_problem`) and is only tried on the first
:data:`MAX_CONFIGURED_NAME` characters of a name.
"""

from __future__ import annotations

import re

from mcplint.lazy_re import lazy_compile

try:  # Python 3.11+
    import re._constants as _sre_constants
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

# label, pattern searched for in the normalised name. `(?:^|_)x(?:_|$)`: a whole `_`-separated part.
SENSITIVE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("email address", r"e_?mail"),
    ("phone number", r"phone|mobile|msisdn|telephone|fax"),
    ("social security / national id", r"ssn|social_?security|national_?id|passport|tax_?id|sv_?nummer"),
    ("bank account (IBAN)", r"iban|account_?n(?:umbe)?r|acct_?no|bank_?account|routing_?number"),
    ("payment card", r"credit_?card|card_?n(?:umbe)?r|cc_?num(?:ber)?|cvv|cvc|pan_?number"),
    ("salary", r"salary|wage|income|compensation|payroll"),
    ("date of birth", r"(?:^|_)(?:dob|date_?of_?birth|birth_?date|birthday)(?:_|$)"),
    ("postal address", r"address|street|house_?number|postal_?code|zip_?code"),
    ("password or secret", r"password|passwd|pwd|secret|api_?key|private_?key|access_?key|pin_?code"),
    ("token", r"(?:^|_)(?:token|session_?id|refresh_?token)(?:_|$)"),
    ("password hash", r"(?:^|_)(?:hash|password_?hash|pw_?hash)(?:_|$)"),
    ("IP address", r"(?:^|_)(?:ip|ip_?addr(?:ess)?|client_?ip|remote_?addr(?:ess)?)(?:_|$)"),
)
_COMPILED = tuple((label, lazy_compile(pattern)) for label, pattern in SENSITIVE_COLUMNS)
_SEPARATORS = lazy_compile(r"[^a-z0-9]+")
MAX_CONFIGURED_NAME = 256  # configured patterns see at most this much of a name


def normalise(name: str) -> str:
    return _SEPARATORS.sub("_", name.lower()).strip("_")


MAX_UNBOUNDED = 3  # unbounded repeats per configured pattern (``.*a.*b.*`` costs n³ steps at most)


def pattern_problem(pattern: str) -> str | None:
    """Why a configured column pattern could take super-linear time on a hostile name, or None.

    Refused: an unbounded repeat (``*``, ``+``, ``{n,}``) around anything that can match in more
    than one way (another repeat, ``?``, an alternative: ``(a+)+b``, ``(a|aa)*b``), more than
    :data:`MAX_UNBOUNDED` unbounded repeats, and backreferences: with them a backtracking engine
    may try exponentially (or very polynomially) many ways to match one name.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid regular expression ({exc})"
    counter = [0]
    problem = _problem(parsed, False, counter)
    if problem is None and counter[0] > MAX_UNBOUNDED:
        problem = f"it has more than {MAX_UNBOUNDED} unbounded repeats (`*`, `+`, `{{n,}}`)"
    return problem


_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT, getattr(_sre_constants, "POSSESSIVE_REPEAT", None)}
_NESTED = "it nests a repeat or alternatives inside an unbounded repeat (exponential time on some names)"


def _problem(items: object, inside_unbounded: bool, counter: list[int]) -> str | None:
    for op, arg in items:  # type: ignore[attr-defined]
        if op in _REPEATS:
            _low, high, body = arg
            if inside_unbounded:
                return _NESTED
            unbounded = high == _sre_constants.MAXREPEAT or high > 1000
            counter[0] += unbounded
            found = _problem(body, unbounded, counter)
        elif op in (_sre_constants.GROUPREF, getattr(_sre_constants, "GROUPREF_EXISTS", None)):
            return "it uses a backreference"
        elif op == _sre_constants.SUBPATTERN:
            found = _problem(arg[-1], inside_unbounded, counter)
        elif op == _sre_constants.BRANCH:
            if inside_unbounded:
                return _NESTED
            found = next((p for p in (_problem(b, False, counter) for b in arg[1]) if p), None)
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            found = _problem(arg[1], inside_unbounded, counter)
        elif op == getattr(_sre_constants, "ATOMIC_GROUP", None):
            found = _problem(arg, inside_unbounded, counter)
        else:
            found = None
        if found:
            return found
    return None


def sensitive_label(name: str, extra: list[str] | tuple[str, ...] = ()) -> str | None:
    """What kind of sensitive data a column name suggests, or None."""
    normal = normalise(name)
    for label, pattern in _COMPILED:
        if pattern.search(normal):
            return label
    bounded = normal[:MAX_CONFIGURED_NAME]
    for pattern in extra:
        if pattern_problem(pattern) is not None:
            continue  # the configuration loader refuses these; never run one on scanned text
        try:
            if re.fullmatch(pattern, bounded):
                return "configured sensitive column"
        except re.error:
            continue
    return None
