"""The committed rule pages match the rule metadata (regenerate with `python -m mcplint.docs docs/rules`)."""

from __future__ import annotations

from mcplint.docs import render_all

from conftest import REPO

DOCS = REPO / "docs" / "rules"


def test_rule_docs_are_in_sync() -> None:
    pages = render_all()
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in pages.keys() | committed.keys() if pages.get(name) != committed.get(name))
    assert stale == [], "run `python -m mcplint.docs docs/rules` and commit the result"
