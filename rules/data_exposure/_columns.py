"""Column names that usually hold personal or secret data.

The list is deliberately plain and documented: each entry is a label and a
regular expression matched against the column name in lower case with every
non-alphanumeric run turned into ``_`` (so ``customerEmail`` is matched as
``customeremail`` and ``e-mail`` as ``e_mail``). Extend it in the project
configuration with ``extend-sensitive-columns = ["regex", …]`` (full match,
same normalisation).
"""

from __future__ import annotations

import re

SENSITIVE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("email address", r".*e_?mail.*"),
    ("phone number", r".*(?:phone|mobile|msisdn|telephone|fax).*"),
    ("social security / national id", r".*(?:ssn|social_?security|national_?id|passport|tax_?id|sv_?nummer).*"),
    ("bank account (IBAN)", r".*(?:iban|account_?n(?:umbe)?r|acct_?no|bank_?account|routing_?number).*"),
    ("payment card", r".*(?:credit_?card|card_?n(?:umbe)?r|cc_?num(?:ber)?|cvv|cvc|pan_?number).*"),
    ("salary", r".*(?:salary|wage|income|compensation|payroll).*"),
    ("date of birth", r"(?:.*_)?(?:dob|date_?of_?birth|birth_?date|birthday)(?:_.*)?"),
    ("postal address", r".*(?:address|street|house_?number|postal_?code|zip_?code).*"),
    ("password or secret", r".*(?:password|passwd|pwd|secret|api_?key|private_?key|access_?key|pin_?code).*"),
    ("token", r"(?:.*_)?(?:token|session_?id|refresh_?token)(?:_.*)?"),
    ("password hash", r"(?:.*_)?(?:hash|password_?hash|pw_?hash)(?:_.*)?"),
    ("IP address", r"(?:.*_)?(?:ip|ip_?addr(?:ess)?|client_?ip|remote_?addr(?:ess)?)(?:_.*)?"),
)
_COMPILED = tuple((label, re.compile(pattern)) for label, pattern in SENSITIVE_COLUMNS)
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    return _SEPARATORS.sub("_", name.lower()).strip("_")


def sensitive_label(name: str, extra: list[str] | tuple[str, ...] = ()) -> str | None:
    """What kind of sensitive data a column name suggests, or None."""
    normal = normalise(name)
    for label, pattern in _COMPILED:
        if pattern.fullmatch(normal):
            return label
    for pattern in extra:
        try:
            if re.fullmatch(pattern, normal):
                return "configured sensitive column"
        except re.error:
            continue
    return None
