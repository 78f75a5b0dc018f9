"""flAPI ``{{env.NAME}}`` references, kept visible through YAML parsing.

flAPI replaces ``{{env.NAME}}`` in YAML text before parsing. mcplint does not
know the runtime value, so it substitutes a same-length marker built from
private-use characters: the YAML still parses as flAPI's would (an unquoted
reference becomes a plain scalar, not a flow mapping) and every column after
it stays exact. Scalars are decoded back to the original spelling.
"""

from __future__ import annotations


from mcplint.lazy_re import lazy_compile

MARK = "\ue000"  # starts every marker: a text without it holds no reference
ENV_REF = lazy_compile(r"\{\{env\.([A-Za-z_][A-Za-z0-9_]*)\}\}")
_MARKER = lazy_compile("\ue000\ue000env\\.([A-Za-z_][A-Za-z0-9_]*)\ue001\ue001")


def mark_env_refs(text: str) -> str:
    if "{{env." not in text:
        return text
    return ENV_REF.sub(lambda m: f"\ue000\ue000env.{m.group(1)}\ue001\ue001", text)


def unmark_env_refs(text: str) -> tuple[str, tuple[str, ...]]:
    """Restore ``{{env.NAME}}`` spellings; return the text and the names referenced."""
    if MARK not in text:
        return text, ()
    names = tuple(m.group(1) for m in _MARKER.finditer(text))
    return _MARKER.sub(lambda m: "{{env." + m.group(1) + "}}", text), names
