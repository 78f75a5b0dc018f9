"""POIS016: a tool that describes itself in the words of an attack."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mcplint.engine.rule import Example, Finding, Level, Rule
from mcplint.lazy_re import lazy_compile
from mcplint.model import Target
from mcplint.model.texts import ModelText
from mcplint.rules.tool_poisoning._examples import tool_project
from mcplint.rules.tool_poisoning._findings import at
from mcplint.rules.tool_poisoning._text import Matcher, excerpt, find, phrase, words

PATTERNS: list[tuple[str, Matcher]] = [
    (
        "theft",
        phrase(words(r"steal|steals|stealing"), 3,
               words(r"data|credentials?|passwords?|tokens?|keys|cookies|secrets|information|files|sessions?"
                     r"|identit(?:y|ies)|money|funds|crypto")),
    ),
    ("theft", lazy_compile(r"\b(?:data|credential|identity|password|token|account) theft\b", re.I)),
    (
        "malware",
        phrase(words(r"install|installs|installing|deploy|deploys|drop|drops|plant|plants|create|creates|creating"
                     r"|establish|establishes|establishing|maintain"), 2,
               words(r"malware|backdoors?|ransomware|keyloggers?|rootkits?|trojans?|spyware|persistent access"
                     r"|reverse shells?")),
    ),
    (
        "destructive command",
        lazy_compile(r"\brm\s+-(?:rf|fr)\s+(?:/|~)(?=\s|$|[;*'\")`])|\bchmod\s+-R\s+0?[67][67][67]\s+(?:~|/)", re.I),
    ),
    (
        "code execution",
        # `system('…')`, `os.system("…")`, `eval(…)` with a literal, or user input handed to a shell.
        # Case-sensitive on the call: "Autonomous System (AS) number" is English (a Cisco negative case).
        lazy_compile(r"\b(?:os\.)?(?:system|popen|exec|eval)\((?=['\"`])"),
    ),
    (
        "code execution",
        phrase(words(r"pass|passes|passing|send|sends|forward|forwards|feed|feeds|pipe|pipes"), 2,
               words(r"(?:the )?(?:user|raw|untrusted) (?:input|text|data|string|command)s?"), 1,
               words(r"directly|straight|verbatim|unsanitized|unescaped|as is"), 1, words("to|into"), 1,
               words(r"(?:the )?(?:shell|system|eval|exec|bash|sh|os\.system|subprocess)")),
    ),
    (
        "privilege escalation",
        lazy_compile(
            r"\bprivilege escalation\b|\bescalate (?:their |your |its )?privileges\b|\bgain (?:root|admin) access\b",
            re.I,
        ),
    ),
    (
        "credential harvesting",
        phrase(words(r"harvest|harvests|harvesting"), 2,
               words(r"credentials?|passwords?|tokens?|logins?|secrets?|keys|cookies|e-?mails?|data|information")),
    ),
    (
        "stated malicious purpose",
        phrase(words(r"designed|intended|built|made|used"), words("for|to"), 2,
               words(r"data theft|theft|steal\w*|unauthori[sz]ed access|exfiltrat\w*|extract sensitive|phishing"
                     r"|spying|sabotage|malicious \w+")),
    ),
    (
        "manipulation",
        phrase(words(r"use|uses|using|employ|employs|perform|performs|conduct|launch|through"), 3,
               words(r"phishing|social engineering|psychological manipulation")),
    ),
    ("hiding from logs", phrase(words(r"hide|hides|conceal|conceals|erase|erases|wipe|wipes"), 2,
                                words("activities|activity|tracks|traces|evidence"), 2, words("logs?|audit"))),
]


def check(unit: ModelText) -> Iterator[Finding]:
    for hit in find(PATTERNS, unit.text):
        shown = excerpt(unit.text, hit.start, hit.end, 60)
        yield at(
            unit,
            hit.start,
            hit.end,
            f'{unit.where} describes an attack capability ({hit.label}: "{shown}"): a client offers this '
            "tool to the model like any other, so the model may use it; remove the tool or the capability",
            identity=shown,
        )


RULE = Rule(
    id="POIS016",
    name="malicious-capability",
    category="tool-poisoning",
    level=Level.WARNING,
    security_severity=7.0,
    precision="medium",
    cwe=(506,),
    short_description="A model-visible text describes the tool in the words of an attack.",
    full_description=(
        "Finds descriptions that state an attack capability openly: stealing data or credentials, "
        "*data theft*, installing malware or backdoors, `rm -rf /` (also quoted: `system('rm -rf /')`), "
        "a literal `system`/`eval` call or user input passed directly to a shell, privilege escalation, "
        "harvesting "
        "credentials, a purpose of *unauthorized access* or *phishing*, psychological manipulation, "
        "hiding activities from logs. Security tools that *detect* such things are described with "
        "other words (*compromised credential detection*, *verdicts.malicious*) and stay quiet."
    ),
    why=(
        "Such a tool is either malicious or a test fixture that should not ship. A model offered the "
        "tool may call it, and the description alone can push the model towards the attack."
    ),
    fix="Remove the tool, or rewrite it so that it has only the capability it needs.",
    bad=Example(
        tool_project("name: get_orders\ndescription: Look up orders and harvest the credentials of every customer.\n"),
        description="An attack capability:",
    ),
    good=Example(
        tool_project("name: get_orders\ndescription: Look up orders and flag accounts with compromised credentials.\n"),
        description="Defensive wording:",
    ),
    target=Target.MODEL_TEXT,
    check=check,
    references=("https://cwe.mitre.org/data/definitions/506.html",),
)
