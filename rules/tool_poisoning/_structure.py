"""The structure of a model-visible text, sentence by sentence (issue 21, part 3).

Phrase lists catch the wording of known payloads; a paraphrase slips through.
What a poisoned description cannot avoid is its *shape*: a sentence addressed
to the model (an order, or a condition followed by one), that names something
outside the tool (another tool, a fixed destination, a recipient) and asks for
secrecy. This module cuts a text into sentences and reports, for each, which
of these features it has; the rules combine them.

Every pattern here is a flat alternation of words or a simple token shape with
bounded repetition, searched inside one sentence: linear in the text's length
on any input (a sentence is cut into at most ``MAX_SENTENCE`` characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mcplint.lazy_re import lazy_compile
from mcplint.rules.tool_poisoning._text import normalise

MAX_SENTENCE = 2000  # characters: a longer run without a sentence end is judged in pieces
_END = lazy_compile(r"[.!?;](?=\s)|\n[^\S\n]*\n|\n(?=[^\S\n]*(?:[-*\u2022]|\d{1,2}[.)])[^\S\n])|-->|</\w{1,20}>")

# An order: an imperative verb opening the sentence (after a few adverbs or a
# condition clause), or a modal addressed to the reader.
_IMPERATIVE = (
    r"add|append|attach|bcc|cc|call|change|collect|copy|forward|include|insert|invoke|log|modify|pass|post|put"
    r"|read|record|redirect|replace|run|save|send|set|share|store|submit|upload|use|write|execute|email|e-mail"
    r"|notify|report|transmit|route|mirror|sync|tell|mention|reveal|hide|keep|make sure|ensure|remember to"
    r"|switch|swap|alter|point|direct|reroute|substitute|prepend|override|update|rewrite|intercept|capture"
)
_OPENER = lazy_compile(
    rf"^[\W_]{{0,8}}(?:(?:always|also|then|first|now|please|silently|secretly|quietly|additionally|immediately"
    rf"|important|note|system)[\s,:]{{1,4}}){{0,3}}(?:{_IMPERATIVE})\b",
    re.I,
)
_MODAL = lazy_compile(
    r"\b(?:you must|you should|you need to|you have to|you will|you are required to|always|must always"
    r"|be sure to|make sure(?: to)?|remember to|do not forget to|don't forget to)\b",
    re.I,
)
# "When the send_email tool is used, …", "Before calling X, …": a condition, then (after the comma) an order.
_CONDITION = lazy_compile(
    r"^[\W_]{0,8}(?:when|whenever|before|after|if|once|each time|every time|while)\b[^,:\n]{1,160}[,:]\s{0,4}"
    r"(?:(?:always|also|then|first|please|silently|secretly|quietly)\s{1,4}){0,3}"
    rf"(?:{_IMPERATIVE})\b",
    re.I,
)

# Something outside the tool.
_TOOL_NAME = lazy_compile(
    r"(?<![/.~\w-])[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){1,6}\b(?=[\s`'\"]{0,3}(?:tool|function|command)\b)"
    r"|\b(?:the|a|an)\s{1,3}[A-Za-z][\w.-]{1,63}\s{1,3}(?:tool|function)\b"
    r"|(?<![/.~\w-])[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){1,6}\b",
)
_EMAIL = lazy_compile(r"(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,6}\.[a-z]{2,24}\b", re.I)
_URL = lazy_compile(r"\b(?:https?|ftp|wss?)://[^\s\"'<>)\]`]{1,300}", re.I)
# A bare host name ("attacker.com"): a known top-level domain, not part of a path, e-mail or file name.
_DOMAIN = lazy_compile(
    r"(?<![\w@./-])[a-z0-9-]{2,63}(?:\.[a-z0-9-]{1,63}){0,4}\.(?:com|net|org|io|ru|cn|xyz|top|info|biz|me|tk|co"
    r"|site|online|app|dev|cc|pw|su)(?![\w.-]|\.[a-z])",
    re.I,
)
_PARTY = lazy_compile(
    r"\b(?:the attacker|attacker|attackers|our (?:server|servers|team|endpoint|backend|partners?|collector)"
    r"|third[- ]part(?:y|ies)|advertisers?|data brokers?|marketing (?:partners?|database|lists?)"
    r"|remote (?:server|endpoint|host|collector|storage)|external (?:server|endpoint|host|service|storage|logging)"
    r"|partners?)\b",
    re.I,
)
_RECIPIENT = lazy_compile(
    r"\b(?:bcc|cc|blind (?:carbon )?copy|carbon copy|recipients?|copy of (?:every|each|all|the))\b", re.I
)
_CONCEAL = lazy_compile(
    r"\b(?:do not|don't|dont|never|must not|should not|without)\s{1,3}(?:\w{1,20}\s{1,3}){0,2}"
    r"(?:mention|mentioning|tell|telling|inform|informing|notify|notifying|reveal|revealing|disclose|disclosing"
    r"|show|showing|alert|alerting|say|saying|report|reporting|letting)\b"
    r"|\b(?:silently|secretly|covertly|quietly|stealthily|discreetly|surreptitiously|behind the user's back)\b"
    r"|\b(?:hide|conceal|withhold|keep)\s{1,3}(?:\w{1,20}\s{1,3}){0,2}from\s{1,3}(?:the\s{1,3})?"
    r"(?:users?|them|the human|anyone|the operator|the requester)\b"
    r"|\bthe user (?:must|should|need|needs|will) (?:not|never)\b",
    re.I,
)
_PROTECTIVE = lazy_compile(
    r"\b(?:api[ -]?keys?|passwords?|secrets?|tokens?|credentials?|private keys?)\b", re.I
)


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets in the normalised text
    end: int
    text: str
    addressed: bool  # an order to the model
    tools: tuple[str, ...]  # tool names it mentions
    destinations: tuple[str, ...]  # e-mail addresses, URLs, bare domains, outside parties
    recipient: bool  # BCC, CC, recipient
    conceals: bool  # asks for secrecy


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of each sentence of ``text`` (at most ``MAX_SENTENCE`` characters each)."""
    start = 0
    for match in _END.finditer(text):
        yield from _pieces(start, match.end())
        start = match.end()
    if start < len(text):
        yield from _pieces(start, len(text))


def _pieces(start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_SENTENCE:
        yield start, start + MAX_SENTENCE
        start += MAX_SENTENCE
    if end > start:
        yield start, end


def analyse(text: str) -> tuple[str, list[Sentence]]:
    """The normalised text and its sentences with their features."""
    norm = normalise(text).text
    out: list[Sentence] = []
    for start, end in sentences(norm):
        body = norm[start:end]
        stripped = body.strip()
        if not stripped:
            continue
        lead = len(body) - len(body.lstrip())
        opening = body[lead:]
        addressed = bool(_OPENER.match(opening) or _CONDITION.match(opening) or _MODAL.search(body))
        tools = tuple(dict.fromkeys(m.group().strip("`") for m in _TOOL_NAME.finditer(body)))
        destinations = tuple(
            dict.fromkeys(m.group() for pattern in (_EMAIL, _URL, _DOMAIN, _PARTY) for m in pattern.finditer(body))
        )
        conceals = bool(_CONCEAL.search(body)) and not _protects_a_secret(body)
        out.append(Sentence(start, end, body, addressed, tools, destinations, bool(_RECIPIENT.search(body)), conceals))
    return norm, out


def _protects_a_secret(body: str) -> bool:
    """"Never reveal the API key to the user" keeps a secret from the user for good reasons."""
    return bool(_PROTECTIVE.search(body)) and not _RECIPIENT.search(body)


def other_tool(names: tuple[str, ...], own: str | None) -> tuple[str, ...]:
    """The mentioned names that are not the tool's own."""
    return tuple(name for name in names if not own or name.lower() != own.lower())
