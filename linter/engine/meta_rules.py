"""Rules the engine itself reports: suppression hygiene and internal errors.

They have the full metadata contract like every other rule so that they
appear in SARIF, ``mcplint rules`` and the docs, and can be selected or
ignored. Their examples run through the whole pipeline in the tests.
"""

from __future__ import annotations

from mcplint.engine.rule import Example, Level, Rule

_CLEAN_MAIN = """\
template:
  path: ./sqls
cors:
  allow-origins:
    - https://app.example.com
"""

UNJUSTIFIED_SUPPRESSION = Rule(
    id="CFG101",
    name="suppression-without-reason",
    category="config-error",
    level=Level.WARNING,
    security_severity=3.0,
    precision="very-high",
    cwe=(),
    short_description="An inline suppression gives no reason.",
    full_description=(
        "An `mcplint: ignore[...]` comment silences findings but says nothing about why. "
        "The suppression still applies; this finding asks for the missing reason."
    ),
    why=(
        "A security exception without a reason cannot be reviewed: nobody can tell later "
        "whether the risk was understood and accepted or just silenced."
    ),
    fix="Write the reason after the rule list: `# mcplint: ignore[CORS001] -- public read-only demo data`.",
    bad=Example(
        {
            "flapi.yaml": """\
template:
  path: ./sqls
cors:
  allow-origins:
    - "*"  # mcplint: ignore[CORS001]
""",
        }
    ),
    good=Example(
        {
            "flapi.yaml": """\
template:
  path: ./sqls
cors:
  allow-origins:
    - "*"  # mcplint: ignore[CORS001] -- public, read-only open-data API
""",
        }
    ),
    target=None,
    check=None,
)

UNUSED_SUPPRESSION = Rule(
    id="CFG102",
    name="unused-suppression",
    category="config-error",
    level=Level.WARNING,
    security_severity=2.0,
    precision="very-high",
    cwe=(),
    short_description="An inline suppression names a rule that reports nothing there.",
    full_description=(
        "An `mcplint: ignore[...]` comment names a rule that ran but found nothing on the "
        "line the comment covers (or, for `ignore-file`, in the whole file)."
    ),
    why=(
        "Stale suppressions hide the next real finding on that line and make reviewers "
        "believe a risk exists that no longer does."
    ),
    fix="Delete the suppression, or move it to the line the finding is on.",
    bad=Example({"flapi.yaml": _CLEAN_MAIN.replace("./sqls", "./sqls  # mcplint: ignore[CORS001] -- legacy")}),
    good=Example({"flapi.yaml": _CLEAN_MAIN}),
    target=None,
    check=None,
)

INVALID_SUPPRESSION = Rule(
    id="CFG103",
    name="invalid-suppression",
    category="config-error",
    level=Level.WARNING,
    security_severity=2.0,
    precision="very-high",
    cwe=(),
    short_description="An inline suppression is malformed or names an unknown rule.",
    full_description=(
        "An `mcplint:` comment that mcplint cannot apply: it names no rules (a blanket "
        "ignore is not supported), or names a rule id or name that does not exist."
    ),
    why="A suppression that does nothing gives a false sense that a finding was handled.",
    fix="Name existing rules by id or name: `# mcplint: ignore[CRED001] -- reason` (see `mcplint rules`).",
    bad=Example({"flapi.yaml": _CLEAN_MAIN.replace("./sqls", "./sqls  # mcplint: ignore[NOPE999] -- typo")}),
    good=Example({"flapi.yaml": _CLEAN_MAIN}),
    target=None,
    check=None,
)

INTERNAL_ERROR = Rule(
    id="CFG900",
    name="internal-error",
    category="config-error",
    level=Level.ERROR,
    security_severity=5.0,
    precision="very-high",
    cwe=(),
    short_description="A rule failed with an internal error on this file.",
    full_description=(
        "mcplint caught an exception while one rule examined this file. The other rules "
        "still ran, but this file was not fully checked, so the run exits with code 2."
    ),
    why="A silent crash would look like a clean result; an unchecked file must not pass CI unnoticed.",
    fix="Report the message (rule id and exception type) to the mcplint maintainers; it never contains file content.",
    bad=Example(
        {"README.md": "Produced only by a bug in mcplint; no input should trigger it.\n"},
        description="The test suite triggers it with a deliberately failing rule.",
        runnable=False,
    ),
    good=Example({"flapi.yaml": _CLEAN_MAIN}),
    target=None,
    check=None,
)

META_RULES = (UNJUSTIFIED_SUPPRESSION, UNUSED_SUPPRESSION, INVALID_SUPPRESSION, INTERNAL_ERROR)
