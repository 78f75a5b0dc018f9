"""POIS003: zero-width and other invisible characters in a model-visible text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.model import Target
from mcplint.model.texts import ModelText
from mcplint.rules.tool_poisoning._chars import INVISIBLE, codepoint, hidden_runs
from mcplint.rules.tool_poisoning._examples import tool_project
from mcplint.rules.tool_poisoning._findings import at
from mcplint.rules.tool_poisoning._text import show


def check(unit: ModelText) -> Iterator[Finding]:
    runs = hidden_runs(unit.text, INVISIBLE)
    if not runs:
        return
    counts = Counter(c for run in runs for c in unit.text[run.start : run.end])
    total = sum(counts.values())
    listed = ", ".join(f"{codepoint(c)} ×{n}" for c, n in sorted(counts.items(), key=lambda cn: (-cn[1], cn[0]))[:3])
    if len(counts) > 3:
        listed += ", …"
    first = runs[0]
    smuggled = _variation_selector_bytes(unit.text[first.start : first.end])
    decoded = f'; the variation selectors encode "{show(smuggled, 80)}"' if smuggled else ""
    yield at(
        unit,
        first.start,
        first.end,
        f"{unit.where} holds {total} invisible character{'s' if total != 1 else ''} ({listed}){decoded}: "
        "they show as nothing, can split words so that a reviewer's search misses them, and can carry "
        "hidden data; delete them",
        identity=listed,
    )


def _variation_selector_bytes(run: str) -> str:
    """Bytes hidden in a run of variation selectors (VS1–16 = 0–15, VS17–256 = 16–255), as text if readable."""
    if len(run) < 2:
        return ""
    data = bytearray()
    for ch in run:
        cp = ord(ch)
        if 0xFE00 <= cp <= 0xFE0F:
            data.append(cp - 0xFE00)
        elif 0xE0100 <= cp <= 0xE01EF:
            data.append(cp - 0xE0100 + 16)
        else:
            return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return text if text.isprintable() else ""


RULE = Rule(
    id="POIS003",
    name="invisible-characters",
    category="tool-poisoning",
    level=Level.WARNING,
    security_severity=6.0,
    precision="high",
    cwe=(451,),
    short_description="A model-visible text contains zero-width or other invisible characters.",
    full_description=(
        "Zero-width spaces and joiners, word joiners, invisible operators, a byte-order mark inside "
        "text, soft hyphens outside words, Hangul fillers, runs of variation selectors and the other "
        "Unicode format characters show as nothing. The rule reports the first run in each text, with "
        "a count of all of them. Characters that real text needs stay quiet: U+200D inside an emoji "
        "sequence (👩‍💻), U+200C/U+200D between letters of a joining script (Persian, Indic), "
        "direction marks in right-to-left text, one variation selector after a character, a soft "
        "hyphen inside a word."
    ),
    why=(
        "Invisible characters let an attacker split a keyword (`ig\\u200bnore`) past a reviewer's "
        "search and filters, hide data in runs of variation selectors, or mark a text for a later "
        "attack. A tool description written by a person has no use for them."
    ),
    fix="Delete the invisible characters; retype the text if it was pasted from elsewhere.",
    bad=Example(
        tool_project('name: get_orders\ndescription: "Look up orders.\\u200B\\u200B Returns at most 100 rows."\n'),
        description="Zero-width spaces (written here as YAML escapes):",
    ),
    good=Example(
        tool_project("name: get_orders\ndescription: Look up orders 👩‍💻 — Bestellungen für Kund:innen.\n"),
        description="An emoji ZWJ sequence, typographic dashes and accents are ordinary text:",
    ),
    target=Target.MODEL_TEXT,
    check=check,
    references=(
        "https://www.unicode.org/reports/tr36/",
        "https://paulbutler.org/2025/smuggling-arbitrary-data-through-an-emoji/",
    ),
)
