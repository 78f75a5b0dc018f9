"""Making untrusted text safe to print on a terminal or in a CI log.

Messages and excerpts can quote a scanned file, which may contain ANSI escape
sequences, bidirectional overrides or other invisible characters meant to
mislead a reviewer or a terminal. They are replaced one-for-one (so carets
stay aligned) before anything is printed.
"""

from __future__ import annotations

import re

# C0/C1 controls except tab (line breaks too: every printed piece is one line, and a
# line of a CI log that starts with `::` is a workflow command), DEL, the Unicode line
# and paragraph separators, bidi controls, zero-width and other invisible formatting
# characters, Unicode tag characters.
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\U000e0000-\U000e007f]"
)


def printable(text: str) -> str:
    """Replace characters that could alter the display with U+FFFD."""
    return _UNSAFE.sub("\ufffd", text)
